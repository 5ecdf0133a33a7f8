package packet

import (
	"encoding/binary"
	"net/netip"
	"strconv"
	"strings"

	"github.com/oflb/oflb/openflow"
)

// EtherType values that the parser understands.
const (
	EtherTypeIPv4 uint16 = 0x0800 // Internet Protocol version 4
	EtherTypeARP  uint16 = 0x0806 // Address Resolution Protocol
	EtherTypeVLAN uint16 = 0x8100 // IEEE 802.1Q VLAN tag
	EtherTypeQinQ uint16 = 0x88a8 // IEEE 802.1ad service VLAN tag
	EtherTypeIPv6 uint16 = 0x86dd // Internet Protocol version 6
)

// IP protocol numbers (IANA "Assigned Internet Protocol Numbers") that the
// parser decodes further. Flow.IPProto holds one of these or any other
// protocol number.
const (
	IPProtoICMP   uint8 = 1  // Internet Control Message Protocol (IPv4)
	IPProtoTCP    uint8 = 6  // Transmission Control Protocol
	IPProtoUDP    uint8 = 17 // User Datagram Protocol
	IPProtoICMPv6 uint8 = 58 // ICMP for IPv6
	IPProtoSCTP   uint8 = 132
)

// ProtoName returns the lower-case name of an IP protocol number, such as
// "tcp", or "proto-N" for one this package does not name.
func ProtoName(p uint8) string {
	switch p {
	case IPProtoICMP:
		return "icmp"
	case IPProtoTCP:
		return "tcp"
	case IPProtoUDP:
		return "udp"
	case IPProtoICMPv6:
		return "icmp6"
	case IPProtoSCTP:
		return "sctp"
	}
	return "proto-" + strconv.Itoa(int(p))
}

// ARPOp is the operation code of an ARP packet (RFC 826).
type ARPOp uint16

// ARP operations.
const (
	ARPRequest ARPOp = 1 // who has TargetIP? tell SenderIP
	ARPReply   ARPOp = 2 // SenderIP is at SenderMAC
)

// String returns "request", "reply" or "arp-op-N".
func (o ARPOp) String() string {
	switch o {
	case ARPRequest:
		return "request"
	case ARPReply:
		return "reply"
	}
	return "arp-op-" + strconv.Itoa(int(o))
}

// TCPFlags holds the flag bits of a TCP header (byte 13, plus NS from byte
// 12 at bit 8), laid out as OpenFlow's tcp_flags match field has them:
//
//	 8   7   6   5   4   3   2   1   0
//	+---+---+---+---+---+---+---+---+---+
//	|NS |CWR|ECE|URG|ACK|PSH|RST|SYN|FIN|
//	+---+---+---+---+---+---+---+---+---+
type TCPFlags uint16

// TCP flag bits.
const (
	TCPFin TCPFlags = 1 << iota // no more data from sender
	TCPSyn                      // synchronize sequence numbers
	TCPRst                      // reset the connection
	TCPPsh                      // push function
	TCPAck                      // acknowledgment field significant
	TCPUrg                      // urgent pointer field significant
	TCPEce                      // ECN echo (RFC 3168)
	TCPCwr                      // congestion window reduced (RFC 3168)
	TCPNs                       // ECN nonce (RFC 3540, historic)
)

var tcpFlagNames = [...]string{"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "NS"}

// Has reports whether all bits of x are set in f.
func (f TCPFlags) Has(x TCPFlags) bool { return f&x == x }

// String returns the set flags joined by '|', such as "SYN|ACK", or "none".
func (f TCPFlags) String() string {
	if f == 0 {
		return "none"
	}
	var sb strings.Builder
	for i, n := range tcpFlagNames {
		if f&(1<<i) == 0 {
			continue
		}
		if sb.Len() > 0 {
			sb.WriteByte('|')
		}
		sb.WriteString(n)
	}
	if rest := f &^ (1<<len(tcpFlagNames) - 1); rest != 0 {
		if sb.Len() > 0 {
			sb.WriteByte('|')
		}
		sb.WriteString("0x" + strconv.FormatUint(uint64(rest), 16))
	}
	return sb.String()
}

// Frag tells whether an IP packet is a fragment, and which kind. Only the
// first fragment carries the transport header.
type Frag uint8

// Fragment kinds.
const (
	FragNone  Frag = iota // not a fragment (IPv4 MF=0 and offset 0, or IPv6 without a fragment header)
	FragFirst             // first fragment: offset 0 with more fragments; ports are present
	FragLater             // a later fragment: offset > 0; no transport header, ports are zero
)

// String returns "no", "first" or "later", as OVS's nw_frag prints them.
func (f Frag) String() string {
	switch f {
	case FragNone:
		return "no"
	case FragFirst:
		return "first"
	case FragLater:
		return "later"
	}
	return "frag-" + strconv.Itoa(int(f))
}

// Flow is the signature of one Ethernet frame: the header fields a
// controller matches on and acts upon. It is a value type without pointers
// and aliases nothing, so it may be copied and kept freely. The ingress
// port is not part of it: the PACKET_IN carries that.
//
// Fields beyond the headers present in the frame are zero: an ARP frame has
// no Src/Dst, a UDP datagram has no TCPFlags, and so on.
type Flow struct {
	// EthDst and EthSrc are the frame's Ethernet addresses.
	EthDst, EthSrc openflow.MAC
	// HasVLAN reports an 802.1Q/802.1ad tag; VLANID (12 bits) and VLANPCP
	// (3 bits) are those of the outermost tag.
	HasVLAN bool
	VLANID  uint16
	VLANPCP uint8
	// EthType is the EtherType after all VLAN tags (0x0800, 0x0806, ...).
	// A frame with an 802.3 length field instead has EthType < 0x0600.
	EthType uint16

	// ARP fields, set when EthType is 0x0806 and the packet is Ethernet/IPv4
	// ARP (other ARP flavours set ARPOp only).
	ARPOp        ARPOp
	ARPSenderMAC openflow.MAC
	ARPSenderIP  netip.Addr
	ARPTargetMAC openflow.MAC
	ARPTargetIP  netip.Addr

	// IP fields (IPv4 or IPv6). IPProto is the upper-layer protocol after
	// any IPv6 extension headers. TTL is the IPv6 hop limit for IPv6.
	Src, Dst netip.Addr
	IPProto  uint8
	DSCP     uint8 // upper 6 bits of the TOS / traffic class
	ECN      uint8 // lower 2 bits of the TOS / traffic class
	TTL      uint8
	Frag     Frag // FragLater has no transport fields
	// IPv4ID is the IPv4 identification field (zero for IPv6).
	IPv4ID uint16

	// Transport fields. SrcPort/DstPort are set for TCP, UDP and SCTP.
	SrcPort, DstPort uint16
	TCPFlags         TCPFlags
	TCPSeq, TCPAck   uint32
	TCPWindow        uint16
	// PayloadLen is the length of the transport payload (after the TCP or
	// UDP header) as the IP header declares it, so it is right even when
	// the frame was cut short (Truncated); for a first fragment, it is the
	// part in this fragment. Zero for other protocols.
	PayloadLen int
	// ICMPType and ICMPCode are set for ICMP and ICMPv6; ICMPID is the
	// identifier of an ICMP/ICMPv6 echo request or reply.
	ICMPType, ICMPCode uint8
	ICMPID             uint16

	// Truncated reports a frame shorter than its IP header says, such as
	// the first bytes of a packet that a switch sent to the controller
	// (miss_send_len). The headers above are complete; the payload is not.
	Truncated bool
}

// IsIPv4 reports whether f is an IPv4 packet.
func (f Flow) IsIPv4() bool { return f.EthType == EtherTypeIPv4 && f.Src.Is4() }

// IsIPv6 reports whether f is an IPv6 packet.
func (f Flow) IsIPv6() bool { return f.EthType == EtherTypeIPv6 && f.Src.Is6() }

// HasPorts reports whether f carries transport ports: a TCP, UDP or SCTP
// packet that is not a later fragment.
func (f Flow) HasPorts() bool {
	if !f.Src.IsValid() || f.Frag == FragLater {
		return false
	}
	switch f.IPProto {
	case IPProtoTCP, IPProtoUDP, IPProtoSCTP:
		return true
	}
	return false
}

// Key is the 5-tuple of a flow: comparable, small, and usable as a map key.
// Its zero value is the key of every non-IP frame.
type Key struct {
	Src, Dst         netip.Addr
	SrcPort, DstPort uint16
	Proto            uint8
}

// Key returns the 5-tuple of f in the direction f travels. Ports are zero
// when f has none (see HasPorts).
func (f Flow) Key() Key {
	if !f.Src.IsValid() {
		return Key{}
	}
	return Key{Src: f.Src, Dst: f.Dst, SrcPort: f.SrcPort, DstPort: f.DstPort, Proto: f.IPProto}
}

// Reverse returns the key of the reply direction of f: addresses and ports
// swapped.
func (f Flow) Reverse() Key { return f.Key().Reverse() }

// Hash returns the direction-dependent hash of f's 5-tuple (Key().Hash()).
func (f Flow) Hash() uint64 { k := f.Key(); return k.Hash() }

// SymmetricHash returns a hash of f's 5-tuple that is the same for both
// directions of a connection (Key().SymmetricHash()).
func (f Flow) SymmetricHash() uint64 { k := f.Key(); return k.SymmetricHash() }

// Reverse returns k with source and destination swapped.
func (k Key) Reverse() Key {
	return Key{Src: k.Dst, Dst: k.Src, SrcPort: k.DstPort, DstPort: k.SrcPort, Proto: k.Proto}
}

// Hash returns a 64-bit hash of k for dispatching flows to workers. It is
// deterministic (the same in every process and release of this package),
// so instances of the controller agree on it; it is not keyed, so it is
// not meant to resist an attacker who picks addresses to collide.
func (k Key) Hash() uint64 {
	return hashTuple(k.Src, k.Dst, k.SrcPort, k.DstPort, k.Proto)
}

// SymmetricHash returns a hash of k that equals that of k.Reverse(): the
// endpoints are put in a canonical order first. Use it to send both
// directions of a connection to the same worker.
func (k Key) SymmetricHash() uint64 {
	c := k.Src.Compare(k.Dst)
	if c > 0 || (c == 0 && k.SrcPort > k.DstPort) {
		k = k.Reverse()
	}
	return k.Hash()
}

// String formats k as "tcp 10.0.0.1:1234 -> 10.0.0.100:80" (IPv6
// addresses in brackets), or "icmp 10.0.0.1 -> 10.0.0.2" when the
// protocol has no ports, or "none" for the zero Key.
func (k Key) String() string {
	if !k.Src.IsValid() {
		return "none"
	}
	if k.SrcPort == 0 && k.DstPort == 0 && !portProto(k.Proto) {
		return ProtoName(k.Proto) + " " + k.Src.String() + " -> " + k.Dst.String()
	}
	return ProtoName(k.Proto) + " " + netip.AddrPortFrom(k.Src, k.SrcPort).String() +
		" -> " + netip.AddrPortFrom(k.Dst, k.DstPort).String()
}

func portProto(p uint8) bool { return p == IPProtoTCP || p == IPProtoUDP || p == IPProtoSCTP }

// String describes f in one line: "tcp 10.0.0.1:1234 -> 10.0.0.100:80
// [SYN]" for a TCP packet, "icmp 10.0.0.1 -> 10.0.0.2 type 8 code 0",
// "arp request 10.0.0.1 (aa:bb:cc:dd:ee:ff) -> 10.0.0.2", or the Ethernet
// addresses and EtherType for anything else. A VLAN tag is shown as a
// "vlan N " prefix.
func (f Flow) String() string {
	var sb strings.Builder
	if f.HasVLAN {
		sb.WriteString("vlan ")
		sb.WriteString(strconv.Itoa(int(f.VLANID)))
		sb.WriteByte(' ')
	}
	switch {
	case f.Src.IsValid():
		sb.WriteString(f.Key().String())
		switch f.IPProto {
		case IPProtoTCP:
			if f.Frag != FragLater {
				sb.WriteString(" [" + f.TCPFlags.String() + "]")
			}
		case IPProtoICMP, IPProtoICMPv6:
			if f.Frag != FragLater {
				sb.WriteString(" type " + strconv.Itoa(int(f.ICMPType)) + " code " + strconv.Itoa(int(f.ICMPCode)))
			}
		}
		if f.Frag != FragNone {
			sb.WriteString(" frag " + f.Frag.String())
		}
	case f.EthType == EtherTypeARP:
		sb.WriteString("arp " + f.ARPOp.String())
		if f.ARPSenderIP.IsValid() {
			sb.WriteString(" " + f.ARPSenderIP.String() + " (" + f.ARPSenderMAC.String() + ") -> " + f.ARPTargetIP.String())
			if f.ARPOp == ARPReply {
				sb.WriteString(" (" + f.ARPTargetMAC.String() + ")")
			}
		}
	default:
		sb.WriteString("eth 0x" + strconv.FormatUint(uint64(f.EthType), 16) + " " +
			f.EthSrc.String() + " -> " + f.EthDst.String())
	}
	return sb.String()
}

// hashTuple mixes the tuple 64 bits at a time with a multiply-xorshift
// round and finishes with the splitmix64 finalizer.
func hashTuple(src, dst netip.Addr, sp, dp uint16, proto uint8) uint64 {
	s, d := src.As16(), dst.As16()
	h := uint64(0x243f6a8885a308d3) // pi, any odd non-trivial seed
	h = mix(h, binary.LittleEndian.Uint64(s[0:8]))
	h = mix(h, binary.LittleEndian.Uint64(s[8:16]))
	h = mix(h, binary.LittleEndian.Uint64(d[0:8]))
	h = mix(h, binary.LittleEndian.Uint64(d[8:16]))
	// Tell IPv4 from IPv4-mapped IPv6 apart: As16 maps them equal.
	var v4 uint64
	if src.Is4() {
		v4 = 1
	}
	h = mix(h, uint64(sp)<<48|uint64(dp)<<32|uint64(proto)<<24|v4)
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}

func mix(h, v uint64) uint64 {
	h ^= v
	h *= 0x9e3779b97f4a7c15
	return h ^ h>>29
}
