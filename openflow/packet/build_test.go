package packet

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// decodeChecked decodes frame with gopacket's full decoder and fails the
// test on a decode error or a wrong checksum in any layer.
func decodeChecked(t *testing.T, frame []byte) gopacket.Packet {
	t.Helper()
	pkt := gopacket.NewPacket(frame, layers.LayerTypeEthernet, gopacket.Default)
	if el := pkt.ErrorLayer(); el != nil {
		t.Fatalf("gopacket decode: %v\n%s", el.Error(), pkt.Dump())
	}
	if nl, ok := pkt.NetworkLayer().(gopacket.NetworkLayer); ok {
		switch l4 := pkt.TransportLayer().(type) {
		case *layers.TCP:
			_ = l4.SetNetworkLayerForChecksum(nl)
		case *layers.UDP:
			_ = l4.SetNetworkLayerForChecksum(nl)
		}
	}
	err, bad := pkt.VerifyChecksums()
	if err != nil {
		t.Fatalf("verify checksums: %v", err)
	}
	for _, m := range bad {
		t.Errorf("bad %s checksum: have %#04x, want %#04x", m.Layer.LayerType(), m.Actual, m.Correct)
	}
	return pkt
}

func TestChecksum(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 70 {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		want := gopacket.FoldChecksum(gopacket.ComputeChecksum(data, 0))
		if got := fold(sum(0, data)); got != want {
			t.Errorf("len %d: checksum %#04x, want %#04x", n, got, want)
		}
	}
}

func TestAppendARP(t *testing.T) {
	tests := []struct {
		name  string
		build func(b []byte) ([]byte, error)
		want  Flow
	}{
		{
			name:  "request",
			build: func(b []byte) ([]byte, error) { return AppendARPRequest(b, macA, ipA, ipB) },
			want: Flow{EthDst: Broadcast, EthSrc: macA, EthType: EtherTypeARP, ARPOp: ARPRequest,
				ARPSenderMAC: macA, ARPSenderIP: ipA, ARPTargetIP: ipB},
		},
		{
			name:  "reply",
			build: func(b []byte) ([]byte, error) { return AppendARPReply(b, macB, ipB, macA, ipA) },
			want: Flow{EthDst: macA, EthSrc: macB, EthType: EtherTypeARP, ARPOp: ARPReply,
				ARPSenderMAC: macB, ARPSenderIP: ipB, ARPTargetMAC: macA, ARPTargetIP: ipA},
		},
		{
			name:  "gratuitous",
			build: func(b []byte) ([]byte, error) { return AppendGratuitousARP(b, macB, ipB) },
			want: Flow{EthDst: Broadcast, EthSrc: macB, EthType: EtherTypeARP, ARPOp: ARPRequest,
				ARPSenderMAC: macB, ARPSenderIP: ipB, ARPTargetIP: ipB},
		},
		{
			name: "tagged reply, mapped addresses",
			build: func(b []byte) ([]byte, error) {
				return AppendARP(b, Ethernet{Dst: macA, Src: macB, HasVLAN: true, VLANID: 7},
					ARP{Op: ARPReply, SenderMAC: macB, SenderIP: netip.AddrFrom16(ipB.As16()), TargetMAC: macA, TargetIP: ipA})
			},
			want: Flow{EthDst: macA, EthSrc: macB, HasVLAN: true, VLANID: 7, EthType: EtherTypeARP, ARPOp: ARPReply,
				ARPSenderMAC: macB, ARPSenderIP: ipB, ARPTargetMAC: macA, ARPTargetIP: ipA},
		},
	}
	p := NewParser()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := []byte("prefix")
			b, err := tt.build(append([]byte(nil), prefix...))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(b, prefix) {
				t.Fatalf("prefix overwritten: %x", b)
			}
			frame := b[len(prefix):]
			if len(frame) != MinFrameLen {
				t.Errorf("frame length %d, want %d", len(frame), MinFrameLen)
			}
			pkt := decodeChecked(t, frame)
			a, ok := pkt.Layer(layers.LayerTypeARP).(*layers.ARP)
			if !ok {
				t.Fatalf("no ARP layer:\n%s", pkt.Dump())
			}
			if a.AddrType != layers.LinkTypeEthernet || a.Protocol != layers.EthernetTypeIPv4 ||
				a.HwAddressSize != 6 || a.ProtAddressSize != 4 || a.Operation != uint16(tt.want.ARPOp) ||
				!bytes.Equal(a.SourceHwAddress, tt.want.ARPSenderMAC[:]) || !bytes.Equal(a.DstProtAddress, tt.want.ARPTargetIP.AsSlice()) {
				t.Errorf("gopacket sees %+v", a)
			}
			var got Flow
			if err := p.Parse(frame, &got); err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Parse:\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestAppendARPErrors(t *testing.T) {
	tests := []struct {
		name string
		call func() ([]byte, error)
	}{
		{name: "ipv6 sender", call: func() ([]byte, error) { return AppendARPRequest([]byte("x"), macA, ip6A, ipB) }},
		{name: "invalid target", call: func() ([]byte, error) { return AppendARPReply([]byte("x"), macA, ipA, macB, netip.Addr{}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.call()
			if !errors.Is(err, ErrAddress) {
				t.Errorf("error = %v, want ErrAddress", err)
			}
			if string(b) != "x" {
				t.Errorf("buffer changed to %q on error", b)
			}
		})
	}
}

func TestAppendTCPUDP(t *testing.T) {
	payload := []byte("odd-length payload!")
	tests := []struct {
		name  string
		build func() ([]byte, error)
		want  Flow
	}{
		{
			name: "ipv4 tcp",
			build: func() ([]byte, error) {
				return AppendTCP(nil, Ethernet{Dst: macB, Src: macA}, IPHeader{Src: ipA, Dst: ipB, ID: 9, DontFragment: true},
					TCPHeader{SrcPort: 1234, DstPort: 80, Seq: 1, Ack: 2, Flags: TCPAck | TCPPsh | TCPNs, Window: 1000}, payload)
			},
			want: Flow{EthDst: macB, EthSrc: macA, EthType: EtherTypeIPv4, Src: ipA, Dst: ipB, IPProto: IPProtoTCP, TTL: 64,
				IPv4ID: 9, SrcPort: 1234, DstPort: 80, TCPSeq: 1, TCPAck: 2, TCPFlags: TCPAck | TCPPsh | TCPNs, TCPWindow: 1000,
				PayloadLen: len(payload)},
		},
		{
			name: "ipv4 udp tagged",
			build: func() ([]byte, error) {
				return AppendUDP(nil, Ethernet{Dst: macB, Src: macA, HasVLAN: true, VLANID: 4094, VLANPCP: 7},
					IPHeader{Src: ipA, Dst: ipB, TTL: 1, DSCP: 46, ECN: 2}, UDPHeader{SrcPort: 5300, DstPort: 5301}, payload)
			},
			want: Flow{EthDst: macB, EthSrc: macA, HasVLAN: true, VLANID: 4094, VLANPCP: 7, EthType: EtherTypeIPv4,
				Src: ipA, Dst: ipB, IPProto: IPProtoUDP, TTL: 1, DSCP: 46, ECN: 2, SrcPort: 5300, DstPort: 5301, PayloadLen: len(payload)},
		},
		{
			name: "ipv6 tcp",
			build: func() ([]byte, error) {
				return AppendTCP(nil, Ethernet{Dst: macB, Src: macA}, IPHeader{Src: ip6A, Dst: ip6B, DSCP: 10},
					TCPHeader{SrcPort: 1, DstPort: 2, Seq: 3, Flags: TCPSyn}, nil)
			},
			want: Flow{EthDst: macB, EthSrc: macA, EthType: EtherTypeIPv6, Src: ip6A, Dst: ip6B, IPProto: IPProtoTCP, TTL: 64,
				DSCP: 10, SrcPort: 1, DstPort: 2, TCPSeq: 3, TCPFlags: TCPSyn},
		},
		{
			name: "ipv6 udp",
			build: func() ([]byte, error) {
				return AppendUDP(nil, Ethernet{Dst: macB, Src: macA}, IPHeader{Src: ip6A, Dst: ip6B, TTL: 3},
					UDPHeader{SrcPort: 10, DstPort: 20}, payload)
			},
			want: Flow{EthDst: macB, EthSrc: macA, EthType: EtherTypeIPv6, Src: ip6A, Dst: ip6B, IPProto: IPProtoUDP, TTL: 3,
				SrcPort: 10, DstPort: 20, PayloadLen: len(payload)},
		},
	}
	p := NewParser()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame, err := tt.build()
			if err != nil {
				t.Fatal(err)
			}
			pkt := decodeChecked(t, frame)
			if app := pkt.ApplicationLayer(); tt.want.PayloadLen > 0 && (app == nil || !bytes.Equal(app.Payload(), payload)) {
				t.Errorf("payload not carried:\n%s", pkt.Dump())
			}
			var got Flow
			if err := p.Parse(frame, &got); err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Parse:\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestAppendIPErrors(t *testing.T) {
	tests := []struct {
		name    string
		call    func() ([]byte, error)
		wantErr error
	}{
		{name: "mixed families", wantErr: ErrAddress, call: func() ([]byte, error) {
			return AppendUDP(nil, Ethernet{}, IPHeader{Src: ipA, Dst: ip6B}, UDPHeader{}, nil)
		}},
		{name: "no addresses", wantErr: ErrAddress, call: func() ([]byte, error) {
			return AppendTCP(nil, Ethernet{}, IPHeader{}, TCPHeader{}, nil)
		}},
		{name: "ipv4 too long", wantErr: ErrTooLong, call: func() ([]byte, error) {
			return AppendUDP(nil, Ethernet{}, IPHeader{Src: ipA, Dst: ipB}, UDPHeader{}, make([]byte, 65535-20-8+1))
		}},
		{name: "ipv6 too long", wantErr: ErrTooLong, call: func() ([]byte, error) {
			return AppendTCP(nil, Ethernet{}, IPHeader{Src: ip6A, Dst: ip6B}, TCPHeader{}, make([]byte, 65535-20+1))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.call()
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("error = %v, want %v", err, tt.wantErr)
			}
			if len(b) != 0 {
				t.Errorf("buffer grew to %d bytes on error", len(b))
			}
		})
	}
}

func TestAppendTCPReset(t *testing.T) {
	client := Flow{EthDst: macB, EthSrc: macA, EthType: EtherTypeIPv4, Src: ipA, Dst: ipB, IPProto: IPProtoTCP, TTL: 64,
		SrcPort: 40000, DstPort: 80}
	with := func(f Flow, mod func(*Flow)) Flow { mod(&f); return f }
	tests := []struct {
		name    string
		flow    Flow
		wantSeq uint32
		wantAck uint32
		wantErr error
	}{
		{name: "syn", flow: with(client, func(f *Flow) { f.TCPFlags, f.TCPSeq = TCPSyn, 1000 }), wantSeq: 0, wantAck: 1001},
		{name: "syn wraps", flow: with(client, func(f *Flow) { f.TCPFlags, f.TCPSeq = TCPSyn, 0xffffffff }), wantSeq: 0, wantAck: 0},
		{name: "ack with data", flow: with(client, func(f *Flow) {
			f.TCPFlags, f.TCPSeq, f.TCPAck, f.PayloadLen = TCPAck|TCPPsh, 5000, 777, 100
		}), wantSeq: 777, wantAck: 5100},
		{name: "fin ack", flow: with(client, func(f *Flow) { f.TCPFlags, f.TCPSeq, f.TCPAck = TCPFin|TCPAck, 5, 6 }), wantSeq: 6, wantAck: 6},
		{name: "tagged", flow: with(client, func(f *Flow) {
			f.TCPFlags, f.TCPSeq, f.HasVLAN, f.VLANID, f.VLANPCP = TCPSyn, 1, true, 10, 3
		}), wantSeq: 0, wantAck: 2},
		{name: "ipv6", flow: with(client, func(f *Flow) {
			f.EthType, f.Src, f.Dst, f.TCPFlags, f.TCPSeq = EtherTypeIPv6, ip6A, ip6B, TCPSyn, 9
		}), wantSeq: 0, wantAck: 10},
		{name: "first fragment", flow: with(client, func(f *Flow) { f.Frag, f.TCPFlags, f.TCPSeq = FragFirst, TCPSyn, 1 }), wantAck: 2},
		{name: "reset", flow: with(client, func(f *Flow) { f.TCPFlags = TCPRst | TCPAck }), wantErr: ErrSuppressed},
		{name: "udp", flow: with(client, func(f *Flow) { f.IPProto = IPProtoUDP }), wantErr: ErrNotTCP},
		{name: "later fragment", flow: with(client, func(f *Flow) { f.Frag = FragLater }), wantErr: ErrNotTCP},
		{name: "arp", flow: Flow{EthType: EtherTypeARP}, wantErr: ErrNotTCP},
	}
	p := NewParser()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame, err := AppendTCPReset(nil, tt.flow)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			decodeChecked(t, frame)
			var got Flow
			if err := p.Parse(frame, &got); err != nil {
				t.Fatal(err)
			}
			f := tt.flow
			want := Flow{EthDst: f.EthSrc, EthSrc: f.EthDst, HasVLAN: f.HasVLAN, VLANID: f.VLANID, VLANPCP: f.VLANPCP,
				EthType: f.EthType, Src: f.Dst, Dst: f.Src, IPProto: IPProtoTCP, TTL: 64,
				SrcPort: f.DstPort, DstPort: f.SrcPort, TCPFlags: TCPRst | TCPAck, TCPSeq: tt.wantSeq, TCPAck: tt.wantAck}
			if got != want {
				t.Errorf("reset:\n got %v %#v\nwant %v %#v", got, got, want, want)
			}
			if got.Key() != f.Reverse() {
				t.Errorf("reset key %v, want the reverse %v", got.Key(), f.Reverse())
			}
		})
	}
}

func TestAppendICMPUnreachable(t *testing.T) {
	udp, err := AppendUDP(nil, Ethernet{Dst: macB, Src: macA, HasVLAN: true, VLANID: 5},
		IPHeader{Src: ipA, Dst: ipB, ID: 0xabcd}, UDPHeader{SrcPort: 3333, DstPort: 4444}, []byte("0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	syn := synFrame(t) // a 20-byte IP header and a 40-byte TCP header
	var synFlow Flow
	if err := NewParser().Parse(syn, &synFlow); err != nil {
		t.Fatal(err)
	}
	set := func(b []byte, i int, v byte) []byte { b = append([]byte(nil), b...); b[i] = v; return b }
	optIP := &layers.IPv4{Version: 4, TTL: 9, Protocol: layers.IPProtocolUDP, SrcIP: ipA.AsSlice(), DstIP: ipB.AsSlice(),
		Options: []layers.IPv4Option{{OptionType: 0x94, OptionLength: 4, OptionData: []byte{0, 0}}}} // router alert
	optUDP := &layers.UDP{SrcPort: 1, DstPort: 2}
	_ = optUDP.SetNetworkLayerForChecksum(optIP)
	ipOpts := serialize(t, gpEth(layers.EthernetTypeIPv4), optIP, optUDP, gopacket.Payload("payload"))
	icmpEcho := serialize(t, gpEth(layers.EthernetTypeIPv4), gpIPv4(layers.IPProtocolICMPv4),
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(8, 0)})
	icmpErr := serialize(t, gpEth(layers.EthernetTypeIPv4), gpIPv4(layers.IPProtocolICMPv4),
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(3, 3)}, gopacket.Payload(make([]byte, 28)))
	arpReply, _ := AppendARPReply(nil, macA, ipA, macB, ipB)
	bcast := append([]byte(nil), udp...)
	copy(bcast, Broadcast[:])
	tests := []struct {
		name      string
		orig      []byte
		code      UnreachableCode
		wantQuote int // bytes of the original IP packet quoted
		wantErr   error
	}{
		{name: "udp port unreachable, tagged", orig: udp, code: UnreachablePort, wantQuote: 28},
		{name: "tcp syn admin prohibited", orig: syn, code: UnreachableAdminProhibited, wantQuote: 28},
		{name: "ip options quoted", orig: ipOpts, code: UnreachableProtocol, wantQuote: 24 + 8},
		{name: "icmp echo", orig: icmpEcho, code: UnreachableHost, wantQuote: 28},
		{name: "short original quotes what there is", orig: syn[:14+20+4], code: UnreachablePort, wantQuote: 24},
		{name: "icmp error", orig: icmpErr, code: UnreachableHost, wantErr: ErrSuppressed},
		{name: "later fragment", orig: set(set(udp, 18+6, 0), 18+7, 8), code: UnreachablePort, wantErr: ErrSuppressed},
		{name: "link broadcast", orig: bcast, code: UnreachablePort, wantErr: ErrSuppressed},
		{name: "multicast destination", orig: set(udp, 18+16, 224), code: UnreachablePort, wantErr: ErrSuppressed},
		{name: "zero source", orig: set(set(set(set(udp, 18+12, 0), 18+13, 0), 18+14, 0), 18+15, 0), code: UnreachablePort, wantErr: ErrSuppressed},
		{name: "arp", orig: arpReply, code: UnreachablePort, wantErr: ErrAddress},
		{name: "ethernet cut", orig: udp[:13], code: UnreachablePort, wantErr: io.ErrUnexpectedEOF},
		{name: "tag cut", orig: udp[:15], code: UnreachablePort, wantErr: io.ErrUnexpectedEOF},
		{name: "ip header cut", orig: syn[:14+19], code: UnreachablePort, wantErr: io.ErrUnexpectedEOF},
		{name: "ip options cut", orig: ipOpts[:14+22], code: UnreachablePort, wantErr: io.ErrUnexpectedEOF},
		{name: "ihl 4", orig: set(syn, 14, 0x44), code: UnreachablePort, wantErr: ErrMalformed},
	}
	p := NewParser()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame, err := AppendICMPUnreachable([]byte{}, tt.orig, tt.code, macB, ipB)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				if len(frame) != 0 {
					t.Errorf("buffer grew on error")
				}
				return
			}
			pkt := decodeChecked(t, frame)
			icmp, ok := pkt.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4)
			if !ok {
				t.Fatalf("no ICMP layer:\n%s", pkt.Dump())
			}
			if icmp.TypeCode != layers.CreateICMPv4TypeCode(3, uint8(tt.code)) {
				t.Errorf("type/code %v", icmp.TypeCode)
			}
			var orig Flow
			_ = p.Parse(tt.orig, &orig) // may be cut short
			off := 14
			if orig.HasVLAN {
				off += 4
			}
			quote := tt.orig[off : off+tt.wantQuote]
			// The quote follows the 4 unused bytes.
			if got := icmp.Payload; !bytes.Equal(got, quote) {
				t.Errorf("quote:\n got %x\nwant %x", got, quote)
			}
			var got Flow
			if err := p.Parse(frame, &got); err != nil {
				t.Fatal(err)
			}
			want := Flow{EthDst: orig.EthSrc, EthSrc: macB, HasVLAN: orig.HasVLAN, VLANID: orig.VLANID, EthType: EtherTypeIPv4,
				Src: ipB, Dst: orig.Src, IPProto: IPProtoICMP, DSCP: 0x30, TTL: 64, ICMPType: 3, ICMPCode: uint8(tt.code)}
			if got != want {
				t.Errorf("icmp:\n got %#v\nwant %#v", got, want)
			}
		})
	}
}

func TestAppendICMPFragNeeded(t *testing.T) {
	frame, err := AppendICMPFragNeeded(nil, synFrame(t), 1400, macB, ipB)
	if err != nil {
		t.Fatal(err)
	}
	pkt := decodeChecked(t, frame)
	icmp := pkt.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4)
	if icmp.TypeCode != layers.CreateICMPv4TypeCode(3, 4) || icmp.Seq != 1400 {
		t.Errorf("got %v mtu %d, want 3/4 mtu 1400", icmp.TypeCode, icmp.Seq)
	}
	if _, err := AppendICMPUnreachable(nil, synFrame(t), UnreachablePort, macB, ip6B); !errors.Is(err, ErrAddress) {
		t.Errorf("ipv6 source: error %v, want ErrAddress", err)
	}
}

func TestBuildersAllocs(t *testing.T) {
	syn := synFrame(t)
	var f Flow
	if err := NewParser().Parse(syn, &f); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 256)
	tests := []struct {
		name string
		fn   func() ([]byte, error)
	}{
		{name: "arp reply", fn: func() ([]byte, error) { return AppendARPReply(buf[:0], macA, ipA, macB, ipB) }},
		{name: "tcp reset", fn: func() ([]byte, error) { return AppendTCPReset(buf[:0], f) }},
		{name: "icmp unreachable", fn: func() ([]byte, error) {
			return AppendICMPUnreachable(buf[:0], syn, UnreachablePort, macB, ipB)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := testing.AllocsPerRun(50, func() { _, _ = tt.fn() }); n != 0 {
				t.Errorf("%v allocations, want 0", n)
			}
		})
	}
}

func BenchmarkAppendTCPReset(b *testing.B) {
	var f Flow
	if err := NewParser().Parse(synFrame(b), &f); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = AppendTCPReset(buf[:0], f)
	}
}
