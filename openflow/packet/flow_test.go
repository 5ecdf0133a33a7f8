package packet

import (
	"net/netip"
	"testing"
)

func TestFlowString(t *testing.T) {
	tests := []struct {
		name string
		flow Flow
		want string
	}{
		{name: "tcp", want: "tcp 10.0.0.1:1234 -> 10.0.0.100:80 [SYN]",
			flow: Flow{EthType: EtherTypeIPv4, Src: ipA, Dst: ipB, IPProto: IPProtoTCP, SrcPort: 1234, DstPort: 80, TCPFlags: TCPSyn}},
		{name: "udp ipv6 tagged", want: "vlan 7 udp [2001:db8::1]:53 -> [2001:db8::64]:5353",
			flow: Flow{HasVLAN: true, VLANID: 7, EthType: EtherTypeIPv6, Src: ip6A, Dst: ip6B, IPProto: IPProtoUDP, SrcPort: 53, DstPort: 5353}},
		{name: "icmp", want: "icmp 10.0.0.1 -> 10.0.0.100 type 8 code 0",
			flow: Flow{EthType: EtherTypeIPv4, Src: ipA, Dst: ipB, IPProto: IPProtoICMP, ICMPType: 8}},
		{name: "later fragment", want: "udp 10.0.0.1:0 -> 10.0.0.100:0 frag later",
			flow: Flow{EthType: EtherTypeIPv4, Src: ipA, Dst: ipB, IPProto: IPProtoUDP, Frag: FragLater}},
		{name: "gre", want: "proto-47 10.0.0.1 -> 10.0.0.100",
			flow: Flow{EthType: EtherTypeIPv4, Src: ipA, Dst: ipB, IPProto: 47}},
		{name: "arp request", want: "arp request 10.0.0.1 (02:00:00:00:00:0a) -> 10.0.0.100",
			flow: Flow{EthType: EtherTypeARP, ARPOp: ARPRequest, ARPSenderMAC: macA, ARPSenderIP: ipA, ARPTargetIP: ipB}},
		{name: "arp reply", want: "arp reply 10.0.0.100 (02:00:00:00:00:0b) -> 10.0.0.1 (02:00:00:00:00:0a)",
			flow: Flow{EthType: EtherTypeARP, ARPOp: ARPReply, ARPSenderMAC: macB, ARPSenderIP: ipB, ARPTargetMAC: macA, ARPTargetIP: ipA}},
		{name: "arp other", want: "arp arp-op-9", flow: Flow{EthType: EtherTypeARP, ARPOp: 9}},
		{name: "lldp", want: "eth 0x88cc 02:00:00:00:00:0a -> 02:00:00:00:00:0b",
			flow: Flow{EthSrc: macA, EthDst: macB, EthType: 0x88cc}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.flow.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEnumStrings(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{name: "flags none", got: TCPFlags(0).String(), want: "none"},
		{name: "flags syn ack", got: (TCPSyn | TCPAck).String(), want: "SYN|ACK"},
		{name: "flags all", got: TCPFlags(0x1ff).String(), want: "FIN|SYN|RST|PSH|ACK|URG|ECE|CWR|NS"},
		{name: "flags unknown bits", got: TCPFlags(0x1001).String(), want: "FIN|0x1000"},
		{name: "arp request", got: ARPRequest.String(), want: "request"},
		{name: "arp reply", got: ARPReply.String(), want: "reply"},
		{name: "frag first", got: FragFirst.String(), want: "first"},
		{name: "frag none", got: FragNone.String(), want: "no"},
		{name: "frag bad", got: Frag(9).String(), want: "frag-9"},
		{name: "unreachable port", got: UnreachablePort.String(), want: "port"},
		{name: "unreachable unknown", got: UnreachableCode(99).String(), want: "code-99"},
		{name: "proto tcp", got: ProtoName(6), want: "tcp"},
		{name: "proto icmp6", got: ProtoName(58), want: "icmp6"},
		{name: "proto other", got: ProtoName(47), want: "proto-47"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
	if !(TCPSyn | TCPAck).Has(TCPAck) || TCPSyn.Has(TCPSyn|TCPAck) {
		t.Error("TCPFlags.Has is wrong")
	}
}

func TestKey(t *testing.T) {
	f := Flow{EthType: EtherTypeIPv4, Src: ipA, Dst: ipB, IPProto: IPProtoTCP, SrcPort: 1234, DstPort: 80}
	k := f.Key()
	if want := (Key{Src: ipA, Dst: ipB, SrcPort: 1234, DstPort: 80, Proto: IPProtoTCP}); k != want {
		t.Fatalf("Key() = %v, want %v", k, want)
	}
	r := f.Reverse()
	if want := (Key{Src: ipB, Dst: ipA, SrcPort: 80, DstPort: 1234, Proto: IPProtoTCP}); r != want {
		t.Fatalf("Reverse() = %v, want %v", r, want)
	}
	if r.Reverse() != k {
		t.Error("Reverse is not an involution")
	}
	m := map[Key]int{k: 1}
	if m[f.Key()] != 1 || m[r] != 0 {
		t.Error("Key does not work as a map key")
	}
	if f.Hash() != k.Hash() || f.Hash() == r.Hash() {
		t.Error("Hash must follow the key and tell directions apart")
	}
	if f.SymmetricHash() != r.SymmetricHash() {
		t.Error("SymmetricHash differs between directions")
	}
	if (Flow{EthType: EtherTypeARP, ARPOp: ARPRequest}).Key() != (Key{}) {
		t.Error("a non-IP flow must have the zero key")
	}
	if got := (Key{}).String(); got != "none" {
		t.Errorf("zero Key String() = %q", got)
	}
	// The value is pinned: other instances of the controller must agree.
	if got, want := k.Hash(), uint64(0xd75eb4d2a094e3cb); got != want {
		t.Errorf("Hash() = %#x, want the pinned %#x", got, want)
	}
}

func TestHashDistinguishes(t *testing.T) {
	base := Key{Src: ipA, Dst: ipB, SrcPort: 1234, DstPort: 80, Proto: IPProtoTCP}
	tests := []struct {
		name string
		key  Key
	}{
		{name: "src", key: Key{Src: netip.MustParseAddr("10.0.0.2"), Dst: ipB, SrcPort: 1234, DstPort: 80, Proto: IPProtoTCP}},
		{name: "dst", key: Key{Src: ipA, Dst: netip.MustParseAddr("10.0.0.101"), SrcPort: 1234, DstPort: 80, Proto: IPProtoTCP}},
		{name: "sport", key: Key{Src: ipA, Dst: ipB, SrcPort: 1235, DstPort: 80, Proto: IPProtoTCP}},
		{name: "dport", key: Key{Src: ipA, Dst: ipB, SrcPort: 1234, DstPort: 81, Proto: IPProtoTCP}},
		{name: "proto", key: Key{Src: ipA, Dst: ipB, SrcPort: 1234, DstPort: 80, Proto: IPProtoUDP}},
		{name: "4in6", key: Key{Src: netip.AddrFrom16(ipA.As16()), Dst: netip.AddrFrom16(ipB.As16()), SrcPort: 1234, DstPort: 80, Proto: IPProtoTCP}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.key.Hash() == base.Hash() {
				t.Errorf("%v and %v hash alike", tt.key, base)
			}
			if tt.key.SymmetricHash() != tt.key.Reverse().SymmetricHash() {
				t.Errorf("SymmetricHash of %v differs from its reverse", tt.key)
			}
		})
	}
}

// TestHashSpread checks that consecutive client ports spread evenly over
// a few workers, as dispatch needs.
func TestHashSpread(t *testing.T) {
	const workers, n = 8, 8000
	var counts [workers]int
	for p := range n {
		k := Key{Src: ipA, Dst: ipB, SrcPort: uint16(10000 + p), DstPort: 80, Proto: IPProtoTCP}
		counts[k.SymmetricHash()%workers]++
	}
	for w, c := range counts {
		if c < n/workers*8/10 || c > n/workers*12/10 {
			t.Errorf("worker %d got %d of %d flows: %v", w, c, n, counts)
		}
	}
}
