package openflow

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"strings"
	"testing"
)

func mtAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

func mtMAC(s string) MAC {
	m, err := ParseMAC(s)
	if err != nil {
		panic(err)
	}
	return m
}

func mtBytes(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// oxmCase is one OXM with its wire form, annotated per field, and its text.
type oxmCase struct {
	name string
	oxm  OXM
	wire []byte
	text string
}

// oxmCases has every field, exact and (where the field allows it) masked.
func oxmCases() []oxmCase {
	return []oxmCase{
		{"in_port", InPort(1), []byte{
			0x80, 0x00, // class OPENFLOW_BASIC
			0 << 1, 4, // field 0 in_port, hasmask 0, length 4
			0, 0, 0, 1, // port 1
		}, "in_port=1"},
		{"in_phy_port", InPhyPort(2), []byte{
			0x80, 0x00, 1 << 1, 4, // in_phy_port, length 4
			0, 0, 0, 2, // port 2
		}, "in_phy_port=2"},
		{"metadata", Metadata(0x0123456789abcdef), []byte{
			0x80, 0x00, 2 << 1, 8, // metadata, length 8
			0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, // value
		}, "metadata=0x123456789abcdef"},
		{"metadata masked", Masked(Metadata(0x12), Metadata(0xff)), []byte{
			0x80, 0x00, 2<<1 | 1, 16, // metadata, hasmask 1, length 16
			0, 0, 0, 0, 0, 0, 0, 0x12, // value
			0, 0, 0, 0, 0, 0, 0, 0xff, // mask
		}, "metadata=0x12/0xff"},
		{"eth_dst", EthDst(mtMAC("02:00:00:00:00:01")), []byte{
			0x80, 0x00, 3 << 1, 6, // eth_dst, length 6
			0x02, 0, 0, 0, 0, 0x01, // address
		}, "eth_dst=02:00:00:00:00:01"},
		{"eth_dst masked (multicast bit)", Masked(EthDst(mtMAC("01:00:00:00:00:00")), EthDst(mtMAC("01:00:00:00:00:00"))), []byte{
			0x80, 0x00, 3<<1 | 1, 12, // eth_dst, hasmask, length 12
			0x01, 0, 0, 0, 0, 0, // value
			0x01, 0, 0, 0, 0, 0, // mask
		}, "eth_dst=01:00:00:00:00:00/01:00:00:00:00:00"},
		{"eth_src", EthSrc(mtMAC("aa:bb:cc:dd:ee:ff")), []byte{
			0x80, 0x00, 4 << 1, 6, // eth_src, length 6
			0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, // address
		}, "eth_src=aa:bb:cc:dd:ee:ff"},
		{"eth_src masked (OUI)", Masked(EthSrc(mtMAC("aa:bb:cc:00:00:00")), EthSrc(mtMAC("ff:ff:ff:00:00:00"))), []byte{
			0x80, 0x00, 4<<1 | 1, 12, // eth_src, hasmask, length 12
			0xaa, 0xbb, 0xcc, 0, 0, 0, // value
			0xff, 0xff, 0xff, 0, 0, 0, // mask
		}, "eth_src=aa:bb:cc:00:00:00/ff:ff:ff:00:00:00"},
		{"eth_type", EthType(0x0800), []byte{
			0x80, 0x00, 5 << 1, 2, // eth_type, length 2
			0x08, 0x00, // IPv4
		}, "eth_type=0x0800"},
		{"vlan_vid", VLANVID(5), []byte{
			0x80, 0x00, 6 << 1, 2, // vlan_vid, length 2
			0x10, 0x05, // OFPVID_PRESENT | 5
		}, "vlan_vid=0x1005"},
		{"vlan_vid masked (any tag)", Masked(uintOXM(FieldVLANVID, 0x1000), uintOXM(FieldVLANVID, 0x1000)), []byte{
			0x80, 0x00, 6<<1 | 1, 4, // vlan_vid, hasmask, length 4
			0x10, 0x00, // value OFPVID_PRESENT
			0x10, 0x00, // mask OFPVID_PRESENT
		}, "vlan_vid=0x1000/0x1000"},
		{"vlan_pcp", VLANPCP(3), []byte{
			0x80, 0x00, 7 << 1, 1, // vlan_pcp, length 1
			3, // priority
		}, "vlan_pcp=3"},
		{"ip_dscp", IPDSCP(46), []byte{
			0x80, 0x00, 8 << 1, 1, // ip_dscp, length 1
			46, // EF
		}, "ip_dscp=46"},
		{"ip_ecn", IPECN(2), []byte{
			0x80, 0x00, 9 << 1, 1, // ip_ecn, length 1
			2, // ECT(0)
		}, "ip_ecn=2"},
		{"ip_proto", IPProto(6), []byte{
			0x80, 0x00, 10 << 1, 1, // ip_proto, length 1
			6, // TCP
		}, "ip_proto=6"},
		{"ipv4_src", IPv4Src(mtAddr("10.0.0.1")), []byte{
			0x80, 0x00, 11 << 1, 4, // ipv4_src, length 4
			10, 0, 0, 1, // address
		}, "ipv4_src=10.0.0.1"},
		{"ipv4_src masked", Masked(IPv4Src(mtAddr("10.0.0.0")), IPv4Src(mtAddr("255.255.255.0"))), []byte{
			0x80, 0x00, 11<<1 | 1, 8, // ipv4_src, hasmask, length 8
			10, 0, 0, 0, // value
			255, 255, 255, 0, // mask
		}, "ipv4_src=10.0.0.0/24"},
		{"ipv4_dst", IPv4Dst(mtAddr("192.0.2.10")), []byte{
			0x80, 0x00, 12 << 1, 4, // ipv4_dst, length 4
			192, 0, 2, 10, // address
		}, "ipv4_dst=192.0.2.10"},
		{"ipv4_dst masked (not a prefix)", Masked(IPv4Dst(mtAddr("10.0.0.1")), IPv4Dst(mtAddr("255.0.255.255"))), []byte{
			0x80, 0x00, 12<<1 | 1, 8, // ipv4_dst, hasmask, length 8
			10, 0, 0, 1, // value
			255, 0, 255, 255, // mask
		}, "ipv4_dst=10.0.0.1/255.0.255.255"},
		{"tcp_src", TCPSrc(12345), []byte{
			0x80, 0x00, 13 << 1, 2, // tcp_src, length 2
			0x30, 0x39, // 12345
		}, "tcp_src=12345"},
		{"tcp_dst", TCPDst(80), []byte{
			0x80, 0x00, 14 << 1, 2, // tcp_dst, length 2
			0x00, 0x50, // 80
		}, "tcp_dst=80"},
		{"udp_src", UDPSrc(53), []byte{
			0x80, 0x00, 15 << 1, 2, // udp_src, length 2
			0x00, 0x35, // 53
		}, "udp_src=53"},
		{"udp_dst", UDPDst(5353), []byte{
			0x80, 0x00, 16 << 1, 2, // udp_dst, length 2
			0x14, 0xe9, // 5353
		}, "udp_dst=5353"},
		{"sctp_src", SCTPSrc(9), []byte{
			0x80, 0x00, 17 << 1, 2, // sctp_src, length 2
			0x00, 0x09, // 9
		}, "sctp_src=9"},
		{"sctp_dst", SCTPDst(10), []byte{
			0x80, 0x00, 18 << 1, 2, // sctp_dst, length 2
			0x00, 0x0a, // 10
		}, "sctp_dst=10"},
		{"icmpv4_type", ICMPv4Type(8), []byte{
			0x80, 0x00, 19 << 1, 1, // icmpv4_type, length 1
			8, // echo request
		}, "icmpv4_type=8"},
		{"icmpv4_code", ICMPv4Code(3), []byte{
			0x80, 0x00, 20 << 1, 1, // icmpv4_code, length 1
			3, // code
		}, "icmpv4_code=3"},
		{"arp_op", ARPOp(1), []byte{
			0x80, 0x00, 21 << 1, 2, // arp_op, length 2
			0x00, 0x01, // request
		}, "arp_op=1"},
		{"arp_spa", ARPSPA(mtAddr("10.0.0.1")), []byte{
			0x80, 0x00, 22 << 1, 4, // arp_spa, length 4
			10, 0, 0, 1, // address
		}, "arp_spa=10.0.0.1"},
		{"arp_spa masked", Masked(ARPSPA(mtAddr("10.0.0.0")), ARPSPA(mtAddr("255.0.0.0"))), []byte{
			0x80, 0x00, 22<<1 | 1, 8, // arp_spa, hasmask, length 8
			10, 0, 0, 0, // value
			255, 0, 0, 0, // mask
		}, "arp_spa=10.0.0.0/8"},
		{"arp_tpa", ARPTPA(mtAddr("10.0.0.2")), []byte{
			0x80, 0x00, 23 << 1, 4, // arp_tpa, length 4
			10, 0, 0, 2, // address
		}, "arp_tpa=10.0.0.2"},
		{"arp_tpa masked", Masked(ARPTPA(mtAddr("10.0.0.0")), ARPTPA(mtAddr("255.255.0.0"))), []byte{
			0x80, 0x00, 23<<1 | 1, 8, // arp_tpa, hasmask, length 8
			10, 0, 0, 0, // value
			255, 255, 0, 0, // mask
		}, "arp_tpa=10.0.0.0/16"},
		{"arp_sha", ARPSHA(mtMAC("02:00:00:00:00:01")), []byte{
			0x80, 0x00, 24 << 1, 6, // arp_sha, length 6
			0x02, 0, 0, 0, 0, 0x01, // address
		}, "arp_sha=02:00:00:00:00:01"},
		{"arp_sha masked", Masked(ARPSHA(mtMAC("02:00:00:00:00:00")), ARPSHA(mtMAC("ff:ff:ff:ff:ff:00"))), []byte{
			0x80, 0x00, 24<<1 | 1, 12, // arp_sha, hasmask, length 12
			0x02, 0, 0, 0, 0, 0, // value
			0xff, 0xff, 0xff, 0xff, 0xff, 0, // mask
		}, "arp_sha=02:00:00:00:00:00/ff:ff:ff:ff:ff:00"},
		{"arp_tha", ARPTHA(mtMAC("02:00:00:00:00:02")), []byte{
			0x80, 0x00, 25 << 1, 6, // arp_tha, length 6
			0x02, 0, 0, 0, 0, 0x02, // address
		}, "arp_tha=02:00:00:00:00:02"},
		{"arp_tha masked", Masked(ARPTHA(mtMAC("00:00:00:00:00:00")), ARPTHA(mtMAC("01:00:00:00:00:00"))), []byte{
			0x80, 0x00, 25<<1 | 1, 12, // arp_tha, hasmask, length 12
			0, 0, 0, 0, 0, 0, // value
			0x01, 0, 0, 0, 0, 0, // mask
		}, "arp_tha=00:00:00:00:00:00/01:00:00:00:00:00"},
		{"ipv6_src", IPv6Src(mtAddr("2001:db8::1")), []byte{
			0x80, 0x00, 26 << 1, 16, // ipv6_src, length 16
			0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, // address
		}, "ipv6_src=2001:db8::1"},
		{"ipv6_src masked", Masked(IPv6Src(mtAddr("2001:db8::")), IPv6Src(mtAddr("ffff:ffff::"))), []byte{
			0x80, 0x00, 26<<1 | 1, 32, // ipv6_src, hasmask, length 32
			0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // value
			0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // mask
		}, "ipv6_src=2001:db8::/32"},
		{"ipv6_dst", IPv6Dst(mtAddr("2001:db8::2")), []byte{
			0x80, 0x00, 27 << 1, 16, // ipv6_dst, length 16
			0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, // address
		}, "ipv6_dst=2001:db8::2"},
		{"ipv6_dst masked (not a prefix)", Masked(IPv6Dst(mtAddr("::1")), IPv6Dst(mtAddr("::ffff"))), []byte{
			0x80, 0x00, 27<<1 | 1, 32, // ipv6_dst, hasmask, length 32
			0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, // value
			0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, // mask
		}, "ipv6_dst=::1/::ffff"},
		{"ipv6_flabel", IPv6FLabel(0x12345), []byte{
			0x80, 0x00, 28 << 1, 4, // ipv6_flabel, length 4
			0x00, 0x01, 0x23, 0x45, // 20-bit label
		}, "ipv6_flabel=0x12345"},
		{"ipv6_flabel masked", Masked(IPv6FLabel(0x12300), IPv6FLabel(0xfff00)), []byte{
			0x80, 0x00, 28<<1 | 1, 8, // ipv6_flabel, hasmask, length 8
			0x00, 0x01, 0x23, 0x00, // value
			0x00, 0x0f, 0xff, 0x00, // mask
		}, "ipv6_flabel=0x12300/0xfff00"},
		{"icmpv6_type", ICMPv6Type(135), []byte{
			0x80, 0x00, 29 << 1, 1, // icmpv6_type, length 1
			135, // neighbour solicitation
		}, "icmpv6_type=135"},
		{"icmpv6_code", ICMPv6Code(0), []byte{
			0x80, 0x00, 30 << 1, 1, // icmpv6_code, length 1
			0, // code
		}, "icmpv6_code=0"},
		{"ipv6_nd_target", IPv6NDTarget(mtAddr("fe80::1")), []byte{
			0x80, 0x00, 31 << 1, 16, // ipv6_nd_target, length 16
			0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, // address
		}, "ipv6_nd_target=fe80::1"},
		{"ipv6_nd_sll", IPv6NDSLL(mtMAC("02:00:00:00:00:0a")), []byte{
			0x80, 0x00, 32 << 1, 6, // ipv6_nd_sll, length 6
			0x02, 0, 0, 0, 0, 0x0a, // address
		}, "ipv6_nd_sll=02:00:00:00:00:0a"},
		{"ipv6_nd_tll", IPv6NDTLL(mtMAC("02:00:00:00:00:0b")), []byte{
			0x80, 0x00, 33 << 1, 6, // ipv6_nd_tll, length 6
			0x02, 0, 0, 0, 0, 0x0b, // address
		}, "ipv6_nd_tll=02:00:00:00:00:0b"},
		{"mpls_label", MPLSLabel(0x12345), []byte{
			0x80, 0x00, 34 << 1, 4, // mpls_label, length 4
			0x00, 0x01, 0x23, 0x45, // 20-bit label 74565
		}, "mpls_label=74565"},
		{"mpls_tc", MPLSTC(5), []byte{
			0x80, 0x00, 35 << 1, 1, // mpls_tc, length 1
			5, // traffic class
		}, "mpls_tc=5"},
		{"mpls_bos", MPLSBOS(1), []byte{
			0x80, 0x00, 36 << 1, 1, // mpls_bos, length 1
			1, // bottom of stack
		}, "mpls_bos=1"},
		{"pbb_isid", PBBISID(0x123456), []byte{
			0x80, 0x00, 37 << 1, 3, // pbb_isid, length 3
			0x12, 0x34, 0x56, // 24-bit I-SID
		}, "pbb_isid=0x123456"},
		{"pbb_isid masked", Masked(PBBISID(0x120000), PBBISID(0xff0000)), []byte{
			0x80, 0x00, 37<<1 | 1, 6, // pbb_isid, hasmask, length 6
			0x12, 0x00, 0x00, // value
			0xff, 0x00, 0x00, // mask
		}, "pbb_isid=0x120000/0xff0000"},
		{"tunnel_id", TunnelID(0x42), []byte{
			0x80, 0x00, 38 << 1, 8, // tunnel_id, length 8
			0, 0, 0, 0, 0, 0, 0, 0x42, // id
		}, "tunnel_id=0x42"},
		{"tunnel_id masked", Masked(TunnelID(0x4200), TunnelID(0xff00)), []byte{
			0x80, 0x00, 38<<1 | 1, 16, // tunnel_id, hasmask, length 16
			0, 0, 0, 0, 0, 0, 0x42, 0x00, // value
			0, 0, 0, 0, 0, 0, 0xff, 0x00, // mask
		}, "tunnel_id=0x4200/0xff00"},
		{"ipv6_exthdr", IPv6Exthdr(0x001), []byte{
			0x80, 0x00, 39 << 1, 2, // ipv6_exthdr, length 2
			0x00, 0x01, // OFPIEH_NONEXT
		}, "ipv6_exthdr=0x1"},
		{"ipv6_exthdr masked", Masked(IPv6Exthdr(0x100), IPv6Exthdr(0x180)), []byte{
			0x80, 0x00, 39<<1 | 1, 4, // ipv6_exthdr, hasmask, length 4
			0x01, 0x00, // value OFPIEH_UNSEQ
			0x01, 0x80, // mask OFPIEH_UNSEQ|OFPIEH_UNREP
		}, "ipv6_exthdr=0x100/0x180"},
		{"ct_state", CTState(ConnTracked | ConnNew), []byte{
			0x00, 0x01, // class NXM_1
			105 << 1, 4, // NXM_NX_CT_STATE, length 4
			0, 0, 0, 0x21, // trk|new
		}, "ct_state=new|trk"},
		{"ct_state masked", Masked(CTState(ConnTracked|ConnNew), CTState(ConnTracked|ConnNew|ConnEstablished)), []byte{
			0x00, 0x01, 105<<1 | 1, 8, // NXM_NX_CT_STATE_W, length 8
			0, 0, 0, 0x21, // value trk|new
			0, 0, 0, 0x23, // mask trk|est|new
		}, "ct_state=+new-est+trk"},
		{"ct_zone", CTZone(5), []byte{
			0x00, 0x01, 106 << 1, 2, // NXM_NX_CT_ZONE, length 2
			0x00, 0x05, // zone 5
		}, "ct_zone=5"},
		{"ct_mark", CTMark(0x10), []byte{
			0x00, 0x01, 107 << 1, 4, // NXM_NX_CT_MARK, length 4
			0, 0, 0, 0x10, // mark
		}, "ct_mark=0x10"},
		{"ct_mark masked", Masked(CTMark(0x10), CTMark(0xff)), []byte{
			0x00, 0x01, 107<<1 | 1, 8, // NXM_NX_CT_MARK_W, length 8
			0, 0, 0, 0x10, // value
			0, 0, 0, 0xff, // mask
		}, "ct_mark=0x10/0xff"},
		{"tcp_flags", TCPFlags(TCPSyn), []byte{
			0xff, 0xff, // class EXPERIMENTER
			42 << 1, 6, // ONFOXM_ET_TCP_FLAGS, length 6 (experimenter id + value)
			0x4f, 0x4e, 0x46, 0x00, // experimenter ONF
			0x00, 0x02, // syn
		}, "tcp_flags=syn"},
		{"tcp_flags masked", Masked(TCPFlags(TCPSyn), TCPFlags(TCPSyn|TCPAck)), []byte{
			0xff, 0xff, 42<<1 | 1, 8, // ONFOXM_ET_TCP_FLAGS_W, length 8
			0x4f, 0x4e, 0x46, 0x00, // experimenter ONF
			0x00, 0x02, // value syn
			0x00, 0x12, // mask syn|ack
		}, "tcp_flags=+syn-ack"},
		{"reg0", Reg(0, 7), []byte{
			0x00, 0x01, 0 << 1, 4, // NXM_NX_REG0, length 4
			0, 0, 0, 7, // value
		}, "reg0=0x7"},
		{"reg7 masked", Masked(Reg(7, 0x10), Reg(7, 0xf0)), []byte{
			0x00, 0x01, 7<<1 | 1, 8, // NXM_NX_REG7_W, length 8
			0, 0, 0, 0x10, // value
			0, 0, 0, 0xf0, // mask
		}, "reg7=0x10/0xf0"},
	}
}

func TestOXMEveryFieldHasACase(t *testing.T) {
	seen := map[Field]bool{}
	for _, tc := range oxmCases() {
		seen[tc.oxm.Field()] = true
		if tc.oxm.Field().Maskable() && tc.oxm.IsMasked() {
			seen[tc.oxm.Field()+100] = true
		}
	}
	for f := FieldInPort; f <= FieldReg0; f++ {
		if !seen[f] {
			t.Errorf("no case for %v", f)
		}
		if f.Maskable() && !seen[f+100] && f != FieldReg0 {
			t.Errorf("no masked case for %v", f)
		}
	}
}

func TestOXMEncodeDecode(t *testing.T) {
	for _, tc := range oxmCases() {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.oxm.Len(); got != len(tc.wire) {
				t.Errorf("Len() = %d, want %d", got, len(tc.wire))
			}
			prefix := []byte{0xee}
			b, err := tc.oxm.AppendBinary(prefix)
			if err != nil {
				t.Fatalf("AppendBinary: %v", err)
			}
			if !bytes.Equal(b[1:], tc.wire) || b[0] != 0xee {
				t.Fatalf("AppendBinary:\n got % x\nwant % x", b[1:], tc.wire)
			}
			if got := tc.oxm.String(); got != tc.text {
				t.Errorf("String() = %q, want %q", got, tc.text)
			}
			var o OXM
			n, err := o.Decode(append(tc.wire, 0xde, 0xad))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if n != len(tc.wire) {
				t.Errorf("Decode used %d bytes, want %d", n, len(tc.wire))
			}
			if o != tc.oxm {
				t.Errorf("Decode:\n got %#v\nwant %#v", o, tc.oxm)
			}
			if err := o.UnmarshalBinary(tc.wire); err != nil || o != tc.oxm {
				t.Errorf("UnmarshalBinary: %v, %v", err, o)
			}
			mb, err := o.MarshalBinary()
			if err != nil || !bytes.Equal(mb, tc.wire) {
				t.Errorf("MarshalBinary after decode: %v\n% x", err, mb)
			}
		})
	}
}

func TestOXMDescriptors(t *testing.T) {
	for f := FieldInPort; f <= FieldIPv6Exthdr; f++ {
		if f.Class() != OXMClassOpenFlowBasic || int(f.OXMField()) != int(f-FieldInPort) {
			t.Errorf("%v: class %v field %d", f, f.Class(), f.OXMField())
		}
	}
	// OpenFlow 1.3 section 7.2.3.7: the fields that may be masked.
	maskable := map[Field]bool{
		FieldMetadata: true, FieldEthDst: true, FieldEthSrc: true, FieldVLANVID: true,
		FieldIPv4Src: true, FieldIPv4Dst: true, FieldARPSPA: true, FieldARPTPA: true,
		FieldARPSHA: true, FieldARPTHA: true, FieldIPv6Src: true, FieldIPv6Dst: true,
		FieldIPv6FLabel: true, FieldPBBISID: true, FieldTunnelID: true, FieldIPv6Exthdr: true,
		FieldCTState: true, FieldCTMark: true, FieldTCPFlags: true,
		FieldReg0: true, FieldReg1: true, FieldReg2: true, FieldReg3: true,
		FieldReg4: true, FieldReg5: true, FieldReg6: true, FieldReg7: true,
	}
	for f := FieldInPort; f < numFields; f++ {
		if f.Maskable() != maskable[f] {
			t.Errorf("%v: Maskable() = %v", f, f.Maskable())
		}
	}
	sizes := map[Field]int{FieldInPort: 4, FieldMetadata: 8, FieldEthDst: 6, FieldVLANVID: 2,
		FieldVLANPCP: 1, FieldIPv6Src: 16, FieldPBBISID: 3, FieldCTState: 4, FieldCTZone: 2, FieldTCPFlags: 2}
	for f, n := range sizes {
		if f.Size() != n {
			t.Errorf("%v: Size() = %d, want %d", f, f.Size(), n)
		}
	}
	if got := Field(0).String(); got != "Field(0)" {
		t.Errorf("Field(0).String() = %q", got)
	}
	if got := numFields.String(); !strings.HasPrefix(got, "Field(") {
		t.Errorf("numFields.String() = %q", got)
	}
	if Field(0).Maskable() || Field(0).Size() != 0 || Field(0).Class() != 0 || Field(0).OXMField() != 0 {
		t.Error("the zero Field has a descriptor")
	}
	for _, tc := range []struct {
		name string
		c    OXMClass
		want string
	}{
		{"nxm0", OXMClassNXM0, "NXM_0"},
		{"nxm1", OXMClassNXM1, "NXM_1"},
		{"basic", OXMClassOpenFlowBasic, "OPENFLOW_BASIC"},
		{"experimenter", OXMClassExperimenter, "EXPERIMENTER"},
		{"other", 0x1234, "OXMClass(0x1234)"},
	} {
		if got := tc.c.String(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestOXMCanonicalMask(t *testing.T) {
	for _, tc := range []struct {
		name string
		oxm  OXM
		wire []byte
	}{
		{"all-ones IPv4 mask is exact", Masked(IPv4Dst(mtAddr("10.0.0.1")), IPv4Dst(mtAddr("255.255.255.255"))),
			[]byte{0x80, 0x00, 12 << 1, 4, 10, 0, 0, 1}},
		{"all-ones MAC mask is exact", Masked(EthDst(mtMAC("02:00:00:00:00:01")), EthDst(mtMAC("ff:ff:ff:ff:ff:ff"))),
			[]byte{0x80, 0x00, 3 << 1, 6, 2, 0, 0, 0, 0, 1}},
		{"vlan_vid mask 0x1fff is exact", Masked(VLANVID(5), uintOXM(FieldVLANVID, 0x1fff)),
			[]byte{0x80, 0x00, 6 << 1, 2, 0x10, 0x05}},
		{"vlan_vid mask 0xffff is exact", Masked(VLANVID(5), uintOXM(FieldVLANVID, 0xffff)),
			[]byte{0x80, 0x00, 6 << 1, 2, 0x10, 0x05}},
		{"ct_state mask beyond the 8 flags is trimmed", Masked(CTState(ConnTracked), CTState(0xffff0020)),
			[]byte{0x00, 0x01, 105<<1 | 1, 8, 0, 0, 0, 0x20, 0, 0, 0, 0x20}},
		{"ct_state mask of all flags is exact", Masked(CTState(ConnTracked), CTState(0xff)),
			[]byte{0x00, 0x01, 105 << 1, 4, 0, 0, 0, 0x20}},
		{"tcp_flags mask of all 12 bits is exact", Masked(TCPFlags(TCPSyn), TCPFlags(0x0fff)),
			[]byte{0xff, 0xff, 42 << 1, 6, 0x4f, 0x4e, 0x46, 0x00, 0x00, 0x02}},
		{"zero mask stays a mask", Masked(IPv4Dst(mtAddr("0.0.0.0")), IPv4Dst(mtAddr("0.0.0.0"))),
			[]byte{0x80, 0x00, 12<<1 | 1, 8, 0, 0, 0, 0, 0, 0, 0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.oxm.AppendBinary(nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, tc.wire) {
				t.Fatalf("got % x\nwant % x", b, tc.wire)
			}
			// Decoding the masked form gives the canonical OXM.
			var o OXM
			if _, err := o.Decode(b); err != nil {
				t.Fatal(err)
			}
			if b2, _ := o.AppendBinary(nil); !bytes.Equal(b2, tc.wire) {
				t.Fatalf("re-encoded % x", b2)
			}
		})
	}
	// A masked TLV whose mask covers the field decodes as exact.
	var o OXM
	if _, err := o.Decode([]byte{0x80, 0x00, 12<<1 | 1, 8, 10, 0, 0, 1, 255, 255, 255, 255}); err != nil {
		t.Fatal(err)
	}
	if o != IPv4Dst(mtAddr("10.0.0.1")) || o.IsMasked() {
		t.Errorf("got %v masked=%v", o, o.IsMasked())
	}
}

func TestOXMEncodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		oxm  OXM
		err  error
		text string
	}{
		{"zero OXM", OXM{}, ErrUnknownField, "openflow: oxm: unknown field: Field(0)"},
		{"IPv6 address in an IPv4 field", IPv4Dst(mtAddr("2001:db8::1")), ErrBadValue, "openflow: oxm ipv4_dst: bad value: the value does not fit the field"},
		{"IPv4 address in an IPv6 field", IPv6Src(mtAddr("10.0.0.1")), ErrBadValue, "ipv6_src: bad value"},
		{"zoned IPv6 address", IPv6Dst(mtAddr("fe80::1%eth0")), ErrBadValue, "ipv6_dst: bad value"},
		{"invalid address", IPv4Src(netip.Addr{}), ErrBadValue, "ipv4_src: bad value"},
		{"vlan_pcp above 7", VLANPCP(8), ErrBadValue, "openflow: oxm vlan_pcp: bad value: 8 has bits beyond the field's 3"},
		{"ip_dscp above 63", IPDSCP(64), ErrBadValue, "ip_dscp: bad value: 64"},
		{"ip_ecn above 3", IPECN(4), ErrBadValue, "ip_ecn: bad value"},
		{"vlan_vid above 13 bits", uintOXM(FieldVLANVID, 0x2001), ErrBadValue, "vlan_vid: bad value: 0x2001"},
		{"mpls_label above 20 bits", MPLSLabel(1 << 20), ErrBadValue, "mpls_label: bad value"},
		{"mpls_tc above 7", MPLSTC(8), ErrBadValue, "mpls_tc: bad value"},
		{"mpls_bos above 1", MPLSBOS(2), ErrBadValue, "mpls_bos: bad value"},
		{"ipv6_flabel above 20 bits", IPv6FLabel(1 << 20), ErrBadValue, "ipv6_flabel: bad value"},
		{"pbb_isid above 24 bits", PBBISID(1 << 24), ErrBadValue, "pbb_isid: bad value"},
		{"ipv6_exthdr above 9 bits", IPv6Exthdr(0x200), ErrBadValue, "ipv6_exthdr: bad value"},
		{"ct_state unknown flag", CTState(0x100), ErrBadValue, "ct_state: bad value"},
		{"tcp_flags above 12 bits", TCPFlags(0x1000), ErrBadValue, "tcp_flags: bad value"},
		{"register out of range", Reg(8, 1), ErrUnknownField, "unknown field"},
		{"mask on tcp_dst", Masked(TCPDst(80), TCPDst(0xfff0)), ErrBadMask, "openflow: oxm tcp_dst: bad mask: the field cannot be masked"},
		{"value outside mask", Masked(IPv4Dst(mtAddr("10.0.0.1")), IPv4Dst(mtAddr("255.255.255.0"))), ErrBadMask,
			"openflow: oxm ipv4_dst: bad mask: value 10.0.0.1 has bits outside mask 255.255.255.0"},
		{"value outside metadata mask", Masked(Metadata(0x100), Metadata(0xff)), ErrBadMask, "metadata: bad mask: value 0x100 has bits outside mask 0xff"},
		{"masks of two fields", Masked(IPv4Dst(mtAddr("10.0.0.0")), IPv4Src(mtAddr("255.0.0.0"))), ErrBadValue, "ipv4_dst: bad value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.oxm.AppendBinary([]byte{1, 2})
			if err == nil {
				t.Fatalf("no error, encoded % x", b)
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("error %q is not %q", err, tc.err)
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Errorf("error %q does not contain %q", err, tc.text)
			}
			if len(b) != 2 {
				t.Errorf("AppendBinary left %d bytes, want the 2 it was given", len(b))
			}
		})
	}
}

func TestOXMDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		wire []byte
		err  error
		text string
	}{
		{"empty", nil, io.ErrUnexpectedEOF, "oxm header"},
		{"short header", []byte{0x80, 0x00, 0x18}, io.ErrUnexpectedEOF, "need 4 bytes, have 3"},
		{"value cut short", []byte{0x80, 0x00, 12 << 1, 4, 10, 0, 0}, io.ErrUnexpectedEOF, "need 8 bytes, have 7"},
		{"mask cut short", []byte{0x80, 0x00, 12<<1 | 1, 8, 10, 0, 0, 0, 255}, io.ErrUnexpectedEOF, "need 12 bytes"},
		{"length too small for the field", []byte{0x80, 0x00, 12 << 1, 3, 10, 0, 0}, ErrBadFieldLen, "ipv4_dst: bad field length: payload of 3 bytes, want 4"},
		{"length too big for the field", []byte{0x80, 0x00, 12 << 1, 5, 10, 0, 0, 1, 0}, ErrBadFieldLen, "payload of 5 bytes, want 4"},
		{"masked length without mask", []byte{0x80, 0x00, 12<<1 | 1, 4, 10, 0, 0, 1}, ErrBadFieldLen, "payload of 4 bytes, want 8"},
		{"zero-length field", []byte{0x80, 0x00, 0, 0}, ErrBadFieldLen, "in_port: bad field length"},
		{"unknown basic field", []byte{0x80, 0x00, 40 << 1, 1, 0}, ErrUnknownField, "class OPENFLOW_BASIC field 40"},
		{"unknown class", []byte{0x12, 0x34, 0, 4, 0, 0, 0, 0}, ErrUnknownField, "class OXMClass(0x1234) field 0"},
		{"NXM_0 field", []byte{0x00, 0x00, 0, 2, 0, 1}, ErrUnknownField, "class NXM_0 field 0"},
		{"unknown NXM_1 field", []byte{0x00, 0x01, 108 << 1, 4, 0, 0, 0, 0}, ErrUnknownField, "class NXM_1 field 108"},
		{"unknown experimenter", []byte{0xff, 0xff, 42 << 1, 6, 0x00, 0x00, 0x23, 0x20, 0, 2}, ErrUnknownField, "experimenter 0x00002320 field 42"},
		{"unknown ONF field", []byte{0xff, 0xff, 1 << 1, 4, 0x4f, 0x4e, 0x46, 0x00}, ErrUnknownField, "experimenter 0x4f4e4600 field 1"},
		{"experimenter length under 4", []byte{0xff, 0xff, 42 << 1, 3, 0x4f, 0x4e, 0x46, 0x00}, ErrBadFieldLen, "leaves no room for the experimenter id"},
		{"experimenter header cut short", []byte{0xff, 0xff, 42 << 1, 6, 0x4f, 0x4e}, io.ErrUnexpectedEOF, "oxm experimenter header"},
		{"experimenter value cut short", []byte{0xff, 0xff, 42 << 1, 6, 0x4f, 0x4e, 0x46, 0x00, 0}, io.ErrUnexpectedEOF, "need 10 bytes, have 9"},
		{"mask on a field that cannot be masked", []byte{0x80, 0x00, 14<<1 | 1, 4, 0, 80, 0xff, 0xff}, ErrBadMask, "tcp_dst: bad mask: the field cannot be masked"},
		{"value outside mask", []byte{0x80, 0x00, 12<<1 | 1, 8, 10, 0, 0, 1, 255, 255, 255, 0}, ErrBadMask, "has bits outside mask"},
		{"vlan_pcp above 7", []byte{0x80, 0x00, 7 << 1, 1, 8}, ErrBadValue, "vlan_pcp: bad value"},
		{"vlan_vid above 13 bits", []byte{0x80, 0x00, 6 << 1, 2, 0x20, 0x00}, ErrBadValue, "vlan_vid: bad value"},
		{"ct_state unknown flag", []byte{0x00, 0x01, 105 << 1, 4, 0, 0, 1, 0}, ErrBadValue, "ct_state: bad value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var o OXM
			n, err := o.Decode(tc.wire)
			if err == nil {
				t.Fatalf("no error, decoded %v (%d bytes)", o, n)
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("error %q is not %q", err, tc.err)
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Errorf("error %q does not contain %q", err, tc.text)
			}
			if n != 0 || o != (OXM{}) {
				t.Errorf("failed Decode left n=%d, %#v", n, o)
			}
		})
	}
	var o OXM
	if err := o.UnmarshalBinary([]byte{0x80, 0x00, 10 << 1, 1, 6, 0}); err == nil || !strings.Contains(err.Error(), "1 trailing bytes") {
		t.Errorf("UnmarshalBinary with a trailing byte: %v", err)
	}
}

func TestOXMAccessors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		oxm      OXM
		uv, um   uint64
		av, am   string
		mv, mm   string
		isMasked bool
	}{
		{name: "tcp_dst", oxm: TCPDst(443), uv: 443, um: 0xffff},
		{name: "vlan_vid", oxm: VLANVID(10), uv: 0x100a, um: 0x1fff},
		{name: "metadata masked", oxm: Masked(Metadata(1), Metadata(3)), uv: 1, um: 3, isMasked: true},
		{name: "ipv4", oxm: IPv4Src(mtAddr("10.1.2.3")), av: "10.1.2.3", am: "255.255.255.255"},
		{name: "ipv4 masked", oxm: Masked(IPv4Src(mtAddr("10.1.0.0")), IPv4Src(mtAddr("255.255.0.0"))), av: "10.1.0.0", am: "255.255.0.0", isMasked: true},
		{name: "4in6 unmapped", oxm: IPv4Dst(mtAddr("::ffff:10.0.0.9")), av: "10.0.0.9", am: "255.255.255.255"},
		{name: "ipv6", oxm: IPv6Dst(mtAddr("2001:db8::5")), av: "2001:db8::5", am: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
		{name: "mac", oxm: EthSrc(mtMAC("02:00:00:00:00:07")), mv: "02:00:00:00:00:07", mm: "ff:ff:ff:ff:ff:ff"},
		{name: "mac masked", oxm: Masked(EthSrc(mtMAC("02:00:00:00:00:00")), EthSrc(mtMAC("ff:00:00:00:00:00"))), mv: "02:00:00:00:00:00", mm: "ff:00:00:00:00:00", isMasked: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.oxm.IsMasked() != tc.isMasked {
				t.Errorf("IsMasked() = %v", tc.oxm.IsMasked())
			}
			if v, m := tc.oxm.Uint(); tc.av == "" && tc.mv == "" && (v != tc.uv || m != tc.um) {
				t.Errorf("Uint() = %#x, %#x; want %#x, %#x", v, m, tc.uv, tc.um)
			}
			if tc.av != "" {
				v, m := tc.oxm.Addr()
				if v.String() != tc.av || m.String() != tc.am {
					t.Errorf("Addr() = %v, %v; want %s, %s", v, m, tc.av, tc.am)
				}
				if u, um := tc.oxm.Uint(); len(tc.av) > 16 && (u != 0 || um != 0) {
					t.Errorf("Uint() of an IPv6 field = %#x, %#x", u, um)
				}
			}
			if tc.mv != "" {
				v, m := tc.oxm.MAC()
				if v.String() != tc.mv || m.String() != tc.mm {
					t.Errorf("MAC() = %v, %v; want %s, %s", v, m, tc.mv, tc.mm)
				}
			}
		})
	}
	if v, m := TCPDst(1).MAC(); v != (MAC{}) || m != (MAC{}) {
		t.Error("MAC() of a port field is not zero")
	}
	if v, m := TCPDst(1).Addr(); v.IsValid() || m.IsValid() {
		t.Error("Addr() of a port field is valid")
	}
	if got := (OXM{}).String(); got != "OXM(invalid)" {
		t.Errorf("zero OXM String() = %q", got)
	}
	if got := IPv4Dst(netip.Addr{}).String(); got != "ipv4_dst=<bad value>" {
		t.Errorf("bad OXM String() = %q", got)
	}
	if got := (ConnTracked | ConnEstablished | ConnReply).String(); got != "est|rpl|trk" {
		t.Errorf("ConnState String() = %q", got)
	}
	if got := ConnState(0x300 | 1).String(); got != "new|0x300" {
		t.Errorf("ConnState with unknown bits String() = %q", got)
	}
	if got := ConnState(0).String(); got != "0" {
		t.Errorf("ConnState(0) String() = %q", got)
	}
	if got := (TCPSyn | TCPAck | TCPFin | TCPRst | TCPPsh | TCPUrg | TCPEce | TCPCwr | TCPNs | 0xe00).String(); got != "fin|syn|rst|psh|ack|urg|ece|cwr|ns|[200]|[400]|[800]" {
		t.Errorf("TCPFlag String() = %q", got)
	}
}
