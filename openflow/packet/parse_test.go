package packet

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/oflb/oflb/openflow"
)

var (
	macA = openflow.MAC{0x02, 0, 0, 0, 0, 0x0a}
	macB = openflow.MAC{0x02, 0, 0, 0, 0, 0x0b}
	ipA  = netip.MustParseAddr("10.0.0.1")
	ipB  = netip.MustParseAddr("10.0.0.100")
	ip6A = netip.MustParseAddr("2001:db8::1")
	ip6B = netip.MustParseAddr("2001:db8::64")
)

// serialize builds a frame with gopacket, fixing lengths and checksums:
// test frames come from an encoder that is not ours.
func serialize(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, ls...); err != nil {
		t.Fatalf("serialize: %v", err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

func gpEth(t layers.EthernetType) *layers.Ethernet {
	return &layers.Ethernet{SrcMAC: net.HardwareAddr(macA[:]), DstMAC: net.HardwareAddr(macB[:]), EthernetType: t}
}

func gpIPv4(p layers.IPProtocol) *layers.IPv4 {
	return &layers.IPv4{Version: 4, IHL: 5, TTL: 63, TOS: 0x2e<<2 | 1, Id: 0x1234, Flags: layers.IPv4DontFragment,
		Protocol: p, SrcIP: ipA.AsSlice(), DstIP: ipB.AsSlice()}
}

func gpIPv6(p layers.IPProtocol) *layers.IPv6 {
	return &layers.IPv6{Version: 6, TrafficClass: 0x0a << 2, HopLimit: 255, NextHeader: p,
		SrcIP: ip6A.AsSlice(), DstIP: ip6B.AsSlice()}
}

func synFrame(t testing.TB) []byte {
	ip := gpIPv4(layers.IPProtocolTCP)
	tcp := &layers.TCP{SrcPort: 1234, DstPort: 80, Seq: 1000, SYN: true, ECE: true, CWR: true, Window: 64240,
		Options: []layers.TCPOption{
			{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{0x05, 0xb4}},
			{OptionType: layers.TCPOptionKindSACKPermitted, OptionLength: 2},
			{OptionType: layers.TCPOptionKindTimestamps, OptionLength: 10, OptionData: make([]byte, 8)},
			{OptionType: layers.TCPOptionKindNop},
			{OptionType: layers.TCPOptionKindWindowScale, OptionLength: 3, OptionData: []byte{7}},
		}}
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	return serialize(t, gpEth(layers.EthernetTypeIPv4), ip, tcp)
}

func vlanUDPFrame(t testing.TB) []byte {
	ip := gpIPv4(layers.IPProtocolUDP)
	udp := &layers.UDP{SrcPort: 5353, DstPort: 53}
	if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	return serialize(t, gpEth(layers.EthernetTypeDot1Q),
		&layers.Dot1Q{VLANIdentifier: 42, Priority: 5, Type: layers.EthernetTypeIPv4},
		ip, udp, gopacket.Payload("hello dns"))
}

func arpFrame(t testing.TB) []byte {
	eth := gpEth(layers.EthernetTypeARP)
	eth.DstMAC = net.HardwareAddr(Broadcast[:])
	return serialize(t, eth, &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4,
		HwAddressSize: 6, ProtAddressSize: 4, Operation: layers.ARPRequest,
		SourceHwAddress: macA[:], SourceProtAddress: ipA.AsSlice(),
		DstHwAddress: make([]byte, 6), DstProtAddress: ipB.AsSlice()})
}

func TestParse(t *testing.T) {
	mk := func(f func(t testing.TB) []byte) func(t testing.TB) []byte { return f }
	base := Flow{EthDst: macB, EthSrc: macA}
	ipv4 := func(f Flow, proto uint8) Flow {
		f.EthType = EtherTypeIPv4
		f.Src, f.Dst, f.IPProto, f.DSCP, f.ECN, f.TTL, f.IPv4ID = ipA, ipB, proto, 0x2e, 1, 63, 0x1234
		return f
	}
	ipv6 := func(f Flow, proto uint8) Flow {
		f.EthType = EtherTypeIPv6
		f.Src, f.Dst, f.IPProto, f.DSCP, f.TTL = ip6A, ip6B, proto, 0x0a, 255
		return f
	}
	tests := []struct {
		name  string
		frame func(t testing.TB) []byte
		want  Flow
	}{
		{
			name:  "ipv4 tcp syn with options",
			frame: synFrame,
			want: func() Flow {
				f := ipv4(base, IPProtoTCP)
				f.SrcPort, f.DstPort, f.TCPSeq, f.TCPWindow = 1234, 80, 1000, 64240
				f.TCPFlags = TCPSyn | TCPEce | TCPCwr
				return f
			}(),
		},
		{
			name:  "802.1Q ipv4 udp",
			frame: vlanUDPFrame,
			want: func() Flow {
				f := ipv4(base, IPProtoUDP)
				f.HasVLAN, f.VLANID, f.VLANPCP = true, 42, 5
				f.SrcPort, f.DstPort, f.PayloadLen = 5353, 53, len("hello dns")
				return f
			}(),
		},
		{
			name:  "arp request",
			frame: arpFrame,
			want: Flow{EthDst: Broadcast, EthSrc: macA, EthType: EtherTypeARP, ARPOp: ARPRequest,
				ARPSenderMAC: macA, ARPSenderIP: ipA, ARPTargetIP: ipB},
		},
		{
			name: "qinq outer tag wins",
			frame: mk(func(t testing.TB) []byte {
				ip := gpIPv4(layers.IPProtocolUDP)
				udp := &layers.UDP{SrcPort: 1, DstPort: 2}
				_ = udp.SetNetworkLayerForChecksum(ip)
				return serialize(t, gpEth(layers.EthernetTypeQinQ),
					&layers.Dot1Q{VLANIdentifier: 100, Priority: 1, Type: layers.EthernetTypeDot1Q},
					&layers.Dot1Q{VLANIdentifier: 200, Priority: 2, Type: layers.EthernetTypeIPv4},
					ip, udp)
			}),
			want: func() Flow {
				f := ipv4(base, IPProtoUDP)
				f.HasVLAN, f.VLANID, f.VLANPCP = true, 100, 1
				f.SrcPort, f.DstPort = 1, 2
				return f
			}(),
		},
		{
			name: "ipv4 icmp echo",
			frame: mk(func(t testing.TB) []byte {
				return serialize(t, gpEth(layers.EthernetTypeIPv4), gpIPv4(layers.IPProtocolICMPv4),
					&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(8, 0), Id: 77, Seq: 1}, gopacket.Payload("ping"))
			}),
			want: func() Flow {
				f := ipv4(base, IPProtoICMP)
				f.ICMPType, f.ICMPID = 8, 77
				return f
			}(),
		},
		{
			name: "ipv4 first fragment has ports",
			frame: mk(func(t testing.TB) []byte {
				ip := gpIPv4(layers.IPProtocolUDP)
				ip.Flags = layers.IPv4MoreFragments
				udp := &layers.UDP{SrcPort: 4000, DstPort: 53, Length: 3000}
				b := serialize(t, gpEth(layers.EthernetTypeIPv4), ip, gopacket.Payload(make([]byte, 8+16)))
				copy(b[14+20:], []byte{0x0f, 0xa0, 0, 53, 0x0b, 0xb8, 0, 0})
				_ = udp
				return b
			}),
			want: func() Flow {
				f := ipv4(base, IPProtoUDP)
				f.Frag, f.SrcPort, f.DstPort, f.PayloadLen = FragFirst, 4000, 53, 16
				return f
			}(),
		},
		{
			name: "ipv4 later fragment has no ports",
			frame: mk(func(t testing.TB) []byte {
				ip := gpIPv4(layers.IPProtocolUDP)
				ip.Flags, ip.FragOffset = 0, 185
				return serialize(t, gpEth(layers.EthernetTypeIPv4), ip, gopacket.Payload(make([]byte, 40)))
			}),
			want: func() Flow {
				f := ipv4(base, IPProtoUDP)
				f.Frag = FragLater
				return f
			}(),
		},
		{
			name: "ipv6 tcp",
			frame: mk(func(t testing.TB) []byte {
				ip := gpIPv6(layers.IPProtocolTCP)
				tcp := &layers.TCP{SrcPort: 40000, DstPort: 443, Seq: 7, Ack: 9, ACK: true, PSH: true, Window: 500}
				_ = tcp.SetNetworkLayerForChecksum(ip)
				return serialize(t, gpEth(layers.EthernetTypeIPv6), ip, tcp, gopacket.Payload("GET /"))
			}),
			want: func() Flow {
				f := ipv6(base, IPProtoTCP)
				f.SrcPort, f.DstPort, f.TCPSeq, f.TCPAck, f.TCPWindow = 40000, 443, 7, 9, 500
				f.TCPFlags, f.PayloadLen = TCPAck|TCPPsh, 5
				return f
			}(),
		},
		{
			name: "ipv6 destination options then udp",
			frame: mk(func(t testing.TB) []byte {
				ip := gpIPv6(layers.IPProtocolIPv6Destination)
				b := serialize(t, gpEth(layers.EthernetTypeIPv6), ip,
					gopacket.Payload([]byte{17, 0, 1, 4, 0, 0, 0, 0, 0x13, 0x88, 0x00, 0x35, 0, 10, 0, 0, 'h', 'i'}))
				return b
			}),
			want: func() Flow {
				f := ipv6(base, IPProtoUDP)
				f.SrcPort, f.DstPort, f.PayloadLen = 5000, 53, 2
				return f
			}(),
		},
		{
			name: "ipv6 later fragment",
			frame: mk(func(t testing.TB) []byte {
				ip := gpIPv6(layers.IPProtocolIPv6Fragment)
				return serialize(t, gpEth(layers.EthernetTypeIPv6), ip,
					gopacket.Payload([]byte{6, 0, 0x05, 0x00, 0, 0, 0, 1, 1, 2, 3, 4}))
			}),
			want: func() Flow {
				f := ipv6(base, IPProtoTCP)
				f.Frag = FragLater
				return f
			}(),
		},
		{
			name: "ipv6 first fragment tcp",
			frame: mk(func(t testing.TB) []byte {
				ip := gpIPv6(layers.IPProtocolIPv6Fragment)
				tcpHdr := []byte{0x9c, 0x40, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0x10, 0, 0, 0, 0, 0}
				return serialize(t, gpEth(layers.EthernetTypeIPv6), ip,
					gopacket.Payload(append([]byte{6, 0, 0x00, 0x01, 0, 0, 0, 1}, append(tcpHdr, 'x', 'y', 'z')...)))
			}),
			want: func() Flow {
				f := ipv6(base, IPProtoTCP)
				f.Frag, f.SrcPort, f.DstPort, f.TCPSeq, f.TCPFlags, f.TCPWindow, f.PayloadLen = FragFirst, 40000, 443, 1, TCPSyn, 4096, 3
				return f
			}(),
		},
		{
			name: "ipv6 icmp echo",
			frame: mk(func(t testing.TB) []byte {
				ip := gpIPv6(layers.IPProtocolICMPv6)
				icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(128, 0)}
				_ = icmp.SetNetworkLayerForChecksum(ip)
				return serialize(t, gpEth(layers.EthernetTypeIPv6), ip, icmp, gopacket.Payload([]byte{0x12, 0x34, 0, 1}))
			}),
			want: func() Flow {
				f := ipv6(base, IPProtoICMPv6)
				f.ICMPType, f.ICMPID = 128, 0x1234
				return f
			}(),
		},
		{
			name: "lldp is not decoded further",
			frame: mk(func(t testing.TB) []byte {
				return serialize(t, gpEth(layers.EthernetTypeLinkLayerDiscovery), gopacket.Payload(make([]byte, 46)))
			}),
			want: Flow{EthDst: macB, EthSrc: macA, EthType: 0x88cc},
		},
		{
			name: "ethertype 0xffff is not raw ip",
			frame: mk(func(t testing.TB) []byte {
				b := synFrame(t)
				b[12], b[13] = 0xff, 0xff
				return b
			}),
			want: Flow{EthDst: macB, EthSrc: macA, EthType: 0xffff},
		},
		{
			name: "ipv4 gre is not decoded further",
			frame: mk(func(t testing.TB) []byte {
				return serialize(t, gpEth(layers.EthernetTypeIPv4), gpIPv4(layers.IPProtocolGRE), gopacket.Payload(make([]byte, 8)))
			}),
			want: ipv4(base, 47),
		},
		{
			name: "packet-in cut at 64 bytes keeps payload length",
			frame: mk(func(t testing.TB) []byte {
				ip := gpIPv4(layers.IPProtocolTCP)
				tcp := &layers.TCP{SrcPort: 1234, DstPort: 80, Seq: 5, Ack: 6, ACK: true, Window: 100}
				_ = tcp.SetNetworkLayerForChecksum(ip)
				return serialize(t, gpEth(layers.EthernetTypeIPv4), ip, tcp, gopacket.Payload(make([]byte, 1000)))[:64]
			}),
			want: func() Flow {
				f := ipv4(base, IPProtoTCP)
				f.SrcPort, f.DstPort, f.TCPSeq, f.TCPAck, f.TCPWindow, f.TCPFlags = 1234, 80, 5, 6, 100, TCPAck
				f.PayloadLen, f.Truncated = 1000, true
				return f
			}(),
		},
		{
			name: "ethernet padding is not payload",
			frame: mk(func(t testing.TB) []byte {
				b, err := AppendUDP(nil, Ethernet{Dst: macB, Src: macA}, IPHeader{Src: ipA, Dst: ipB, TTL: 63, DSCP: 0x2e, ECN: 1, ID: 0x1234},
					UDPHeader{SrcPort: 9, DstPort: 10}, []byte("ab"))
				if err != nil {
					t.Fatal(err)
				}
				return b
			}),
			want: func() Flow {
				f := ipv4(base, IPProtoUDP)
				f.SrcPort, f.DstPort, f.PayloadLen = 9, 10, 2
				return f
			}(),
		},
	}
	p := NewParser()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Flow
			if err := p.Parse(tt.frame(t), &got); err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got != tt.want {
				t.Errorf("Parse:\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	syn := synFrame(t)
	arp := arpFrame(t)
	set := func(b []byte, i int, v byte) []byte { b = append([]byte(nil), b...); b[i] = v; return b }
	tests := []struct {
		name    string
		frame   []byte
		wantErr error
	}{
		{name: "empty", frame: nil, wantErr: io.ErrUnexpectedEOF},
		{name: "13 bytes", frame: syn[:13], wantErr: io.ErrUnexpectedEOF},
		{name: "ipv4 header cut", frame: syn[:14+10], wantErr: io.ErrUnexpectedEOF},
		{name: "tcp header cut", frame: syn[:14+20+10], wantErr: io.ErrUnexpectedEOF},
		{name: "tcp options cut", frame: syn[:14+20+24], wantErr: io.ErrUnexpectedEOF},
		{name: "arp cut", frame: arp[:14+20], wantErr: io.ErrUnexpectedEOF},
		{name: "vlan tag cut", frame: vlanUDPFrame(t)[:16], wantErr: io.ErrUnexpectedEOF},
		{name: "ipv4 ethertype, nothing after", frame: syn[:14], wantErr: io.ErrUnexpectedEOF},
		{name: "vlan ethertype, nothing after", frame: vlanUDPFrame(t)[:14], wantErr: io.ErrUnexpectedEOF},
		{name: "arp ethertype, nothing after", frame: arp[:14], wantErr: io.ErrUnexpectedEOF},
		{name: "ipv4 tcp, no tcp bytes", frame: set(set(syn[:34], 16, 0), 17, 20), wantErr: io.ErrUnexpectedEOF},
		{name: "ipv4 ihl 4", frame: set(syn, 14, 0x44), wantErr: ErrMalformed},
		{name: "ipv4 version 6", frame: set(syn, 14, 0x65), wantErr: ErrMalformed},
		{name: "ipv4 total length below header", frame: set(set(syn, 16, 0), 17, 10), wantErr: ErrMalformed},
		{name: "tcp data offset 4", frame: set(syn, 14+20+12, 0x40), wantErr: ErrMalformed},
	}
	p := NewParser()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f Flow
			err := p.Parse(tt.frame, &f)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Parse error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestParseResetsFlow(t *testing.T) {
	p := NewParser()
	var f Flow
	if err := p.Parse(synFrame(t), &f); err != nil {
		t.Fatal(err)
	}
	if err := p.Parse(arpFrame(t), &f); err != nil {
		t.Fatal(err)
	}
	if f.Src.IsValid() || f.SrcPort != 0 || f.TCPFlags != 0 {
		t.Errorf("fields of the previous packet survived: %+v", f)
	}
}

func TestParseAllocs(t *testing.T) {
	p := NewParser()
	frames := map[string][]byte{"syn": synFrame(t), "vlan udp": vlanUDPFrame(t), "arp": arpFrame(t)}
	var f Flow
	for name, fr := range frames {
		if err := p.Parse(fr, &f); err != nil { // warm up
			t.Fatalf("%s: %v", name, err)
		}
		if n := testing.AllocsPerRun(100, func() { _ = p.Parse(fr, &f) }); n != 0 {
			t.Errorf("%s: %v allocations per Parse, want 0", name, n)
		}
	}
}

func benchParse(b *testing.B, frame []byte) {
	p := NewParser()
	var f Flow
	if err := p.Parse(frame, &f); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	b.ResetTimer()
	for b.Loop() {
		_ = p.Parse(frame, &f)
	}
}

func BenchmarkParseTCPSyn(b *testing.B)  { benchParse(b, synFrame(b)) }
func BenchmarkParseVLANUDP(b *testing.B) { benchParse(b, vlanUDPFrame(b)) }
func BenchmarkParseARP(b *testing.B)     { benchParse(b, arpFrame(b)) }
