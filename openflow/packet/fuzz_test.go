package packet

import (
	"bytes"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// FuzzParse checks that Parse never panics, that what it decodes agrees
// with gopacket's full (non-DecodingLayer) decoder, and that a flow the
// builders can express survives build -> parse -> build byte for byte.
// Seeds are in testdata/fuzz/FuzzParse, named after the frame they hold.
func FuzzParse(f *testing.F) {
	p := NewParser()
	f.Fuzz(func(t *testing.T, data []byte) {
		var fl Flow
		if err := p.Parse(data, &fl); err != nil {
			return
		}
		compareWithGopacket(t, data, fl)
		frame, ok := rebuild(t, fl)
		if !ok {
			return
		}
		var again Flow
		if err := p.Parse(frame, &again); err != nil {
			t.Fatalf("rebuilt frame does not parse: %v\nflow %#v\nframe %x", err, fl, frame)
		}
		if want := rebuiltFlow(fl); again != want {
			t.Fatalf("rebuilt flow differs:\n got %#v\nwant %#v", again, want)
		}
		frame2, ok := rebuild(t, again)
		if !ok || !bytes.Equal(frame, frame2) {
			t.Fatalf("second rebuild differs:\n%x\n%x", frame, frame2)
		}
	})
}

// compareWithGopacket decodes data with gopacket's eager decoder and
// compares every layer it managed to decode with the flow.
func compareWithGopacket(t *testing.T, data []byte, fl Flow) {
	t.Helper()
	pkt := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.DecodeOptions{NoCopy: true})
	eth, ok := pkt.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	if !ok {
		t.Fatalf("Parse succeeded, gopacket has no Ethernet layer: %v", pkt.ErrorLayer())
	}
	if !bytes.Equal(eth.SrcMAC, fl.EthSrc[:]) || !bytes.Equal(eth.DstMAC, fl.EthDst[:]) {
		t.Errorf("ethernet %v -> %v, gopacket %v -> %v", fl.EthSrc, fl.EthDst, eth.SrcMAC, eth.DstMAC)
	}
	if a, ok := pkt.Layer(layers.LayerTypeARP).(*layers.ARP); ok && fl.EthType == EtherTypeARP {
		if uint16(fl.ARPOp) != a.Operation {
			t.Errorf("arp op %v, gopacket %v", fl.ARPOp, a.Operation)
		}
		if fl.ARPSenderIP.IsValid() && (!bytes.Equal(a.SourceProtAddress, fl.ARPSenderIP.AsSlice()) ||
			!bytes.Equal(a.DstProtAddress, fl.ARPTargetIP.AsSlice()) || !bytes.Equal(a.SourceHwAddress, fl.ARPSenderMAC[:]) ||
			!bytes.Equal(a.DstHwAddress, fl.ARPTargetMAC[:])) {
			t.Errorf("arp %v, gopacket %+v", fl, a)
		}
	}
	var net gopacket.NetworkLayer
	switch fl.EthType {
	case EtherTypeIPv4:
		ip, ok := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if !ok {
			t.Fatalf("Parse found IPv4, gopacket did not: %v", pkt.ErrorLayer())
		}
		if !bytes.Equal(ip.SrcIP, fl.Src.AsSlice()) || !bytes.Equal(ip.DstIP, fl.Dst.AsSlice()) ||
			uint8(ip.Protocol) != fl.IPProto || ip.TTL != fl.TTL || ip.TOS != fl.DSCP<<2|fl.ECN {
			t.Errorf("ipv4 %v, gopacket %v -> %v proto %v ttl %d tos %#x", fl, ip.SrcIP, ip.DstIP, ip.Protocol, ip.TTL, ip.TOS)
		}
		net = ip
	case EtherTypeIPv6:
		ip, ok := pkt.Layer(layers.LayerTypeIPv6).(*layers.IPv6)
		if !ok {
			t.Fatalf("Parse found IPv6, gopacket did not: %v", pkt.ErrorLayer())
		}
		if !bytes.Equal(ip.SrcIP, fl.Src.AsSlice()) || !bytes.Equal(ip.DstIP, fl.Dst.AsSlice()) || ip.HopLimit != fl.TTL {
			t.Errorf("ipv6 %v, gopacket %v -> %v hop limit %d", fl, ip.SrcIP, ip.DstIP, ip.HopLimit)
		}
		net = ip
	}
	if net == nil || fl.Frag != FragNone {
		return // gopacket does not decode past a fragment
	}
	switch fl.IPProto {
	case IPProtoTCP:
		if tcp, ok := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP); ok {
			if uint16(tcp.SrcPort) != fl.SrcPort || uint16(tcp.DstPort) != fl.DstPort || tcp.Seq != fl.TCPSeq ||
				tcp.Ack != fl.TCPAck || tcp.Window != fl.TCPWindow || tcp.SYN != fl.TCPFlags.Has(TCPSyn) ||
				tcp.ACK != fl.TCPFlags.Has(TCPAck) || tcp.RST != fl.TCPFlags.Has(TCPRst) || tcp.FIN != fl.TCPFlags.Has(TCPFin) ||
				tcp.NS != fl.TCPFlags.Has(TCPNs) || tcp.CWR != fl.TCPFlags.Has(TCPCwr) {
				t.Errorf("tcp %v seq %d ack %d win %d, gopacket %+v", fl, fl.TCPSeq, fl.TCPAck, fl.TCPWindow, tcp)
			}
		} else {
			t.Errorf("Parse found TCP, gopacket did not: %v", pkt.ErrorLayer())
		}
	case IPProtoUDP:
		if udp, ok := pkt.Layer(layers.LayerTypeUDP).(*layers.UDP); ok {
			if uint16(udp.SrcPort) != fl.SrcPort || uint16(udp.DstPort) != fl.DstPort {
				t.Errorf("udp %v, gopacket %+v", fl, udp)
			}
		} else {
			t.Errorf("Parse found UDP, gopacket did not: %v", pkt.ErrorLayer())
		}
	case IPProtoICMP:
		if icmp, ok := pkt.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4); ok {
			if icmp.TypeCode.Type() != fl.ICMPType || icmp.TypeCode.Code() != fl.ICMPCode {
				t.Errorf("icmp %v, gopacket %v", fl, icmp.TypeCode)
			}
		}
	}
}

// rebuild builds a frame with the builders that carries fl's signature,
// when the builders can express it: a TCP or UDP packet that is not a
// fragment, or an Ethernet/IPv4 ARP packet.
func rebuild(t *testing.T, fl Flow) ([]byte, bool) {
	t.Helper()
	eth := Ethernet{Dst: fl.EthDst, Src: fl.EthSrc, HasVLAN: fl.HasVLAN, VLANID: fl.VLANID, VLANPCP: fl.VLANPCP}
	var (
		b   []byte
		err error
	)
	switch {
	case fl.EthType == EtherTypeARP && fl.ARPSenderIP.IsValid():
		b, err = AppendARP(nil, eth, ARP{Op: fl.ARPOp, SenderMAC: fl.ARPSenderMAC, SenderIP: fl.ARPSenderIP,
			TargetMAC: fl.ARPTargetMAC, TargetIP: fl.ARPTargetIP})
	case fl.Src.IsValid() && fl.Frag == FragNone && (fl.IPProto == IPProtoTCP || fl.IPProto == IPProtoUDP):
		ip := IPHeader{Src: fl.Src, Dst: fl.Dst, TTL: fl.TTL, DSCP: fl.DSCP, ECN: fl.ECN, ID: fl.IPv4ID}
		payload := make([]byte, fl.PayloadLen)
		if fl.IPProto == IPProtoTCP {
			b, err = AppendTCP(nil, eth, ip, TCPHeader{SrcPort: fl.SrcPort, DstPort: fl.DstPort, Seq: fl.TCPSeq,
				Ack: fl.TCPAck, Flags: fl.TCPFlags, Window: fl.TCPWindow}, payload)
		} else {
			b, err = AppendUDP(nil, eth, ip, UDPHeader{SrcPort: fl.SrcPort, DstPort: fl.DstPort}, payload)
		}
	default:
		return nil, false
	}
	if err != nil {
		t.Fatalf("rebuild %#v: %v", fl, err)
	}
	return b, true
}

// rebuiltFlow is what parsing rebuild(fl) gives.
func rebuiltFlow(fl Flow) Flow {
	fl.Truncated = false
	if fl.Src.IsValid() && fl.TTL == 0 {
		fl.TTL = DefaultTTL
	}
	if fl.EthType == EtherTypeARP {
		fl.ARPSenderIP, fl.ARPTargetIP = fl.ARPSenderIP.Unmap(), fl.ARPTargetIP.Unmap()
	}
	return fl
}

// FuzzAppendICMPUnreachable feeds arbitrary frames to the ICMP error
// builder, which decodes them: it must not panic, and what it builds must
// decode with valid checksums and quote the original IP header.
// Seeds are in testdata/fuzz/FuzzAppendICMPUnreachable.
func FuzzAppendICMPUnreachable(f *testing.F) {
	f.Fuzz(func(t *testing.T, orig []byte) {
		frame, err := AppendICMPUnreachable(nil, orig, UnreachablePort, macB, ipB)
		if err != nil {
			if len(frame) != 0 {
				t.Fatalf("frame of %d bytes with error %v", len(frame), err)
			}
			return
		}
		pkt := decodeChecked(t, frame)
		icmp, ok := pkt.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4)
		if !ok {
			t.Fatalf("no ICMP layer:\n%s", pkt.Dump())
		}
		if len(icmp.Payload) < 20 || !bytes.Contains(orig, icmp.Payload) {
			t.Fatalf("quote %x is not from the original %x", icmp.Payload, orig)
		}
		ip := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if !bytes.Equal(ip.DstIP, icmp.Payload[12:16]) || !bytes.Equal(ip.SrcIP, ipB.AsSlice()) {
			t.Fatalf("icmp %v -> %v, quoted source %v", ip.SrcIP, ip.DstIP, icmp.Payload[12:16])
		}
	})
}
