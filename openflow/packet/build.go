package packet

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"

	"github.com/oflb/oflb/openflow"
)

// Errors returned by the builders.
var (
	// ErrAddress is wrapped when an address does not suit the frame:
	// an IPv6 address in ARP, mixed IPv4 and IPv6, an invalid address.
	ErrAddress = errors.New("packet: unsuitable address")
	// ErrTooLong is wrapped when the payload does not fit in one IP packet.
	ErrTooLong = errors.New("packet: payload too long for one IP packet")
	// ErrNotTCP is returned by AppendTCPReset for a flow that is not a TCP
	// segment with ports (not TCP, a later fragment, or not IP at all).
	ErrNotTCP = errors.New("packet: not a TCP segment")
	// ErrSuppressed is wrapped when RFC 793 or RFC 1122 forbid the reply:
	// a reset in answer to a reset, an ICMP error about an ICMP error, a
	// non-first fragment, or a broadcast or multicast packet.
	ErrSuppressed = errors.New("packet: reply suppressed for this packet")
)

// Broadcast is the Ethernet broadcast address ff:ff:ff:ff:ff:ff.
var Broadcast = openflow.MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// MinFrameLen is the minimum Ethernet frame length without the FCS. The
// builders zero-pad shorter frames to it, as a NIC would, so that a frame
// sent by PACKET_OUT through any port is valid; receivers go by the IP and
// ARP lengths and ignore the padding.
const MinFrameLen = 60

// DefaultTTL is the IPv4 TTL and IPv6 hop limit of built packets whose
// IPHeader.TTL is zero.
const DefaultTTL = 64

// Ethernet is the link-layer header of a built frame.
type Ethernet struct {
	Dst, Src openflow.MAC
	// HasVLAN adds one 802.1Q tag with VLANID (12 bits) and VLANPCP (3 bits).
	HasVLAN bool
	VLANID  uint16
	VLANPCP uint8
}

// IPHeader is the network header of a built packet: IPv4 when both
// addresses are IPv4, IPv6 when both are IPv6.
type IPHeader struct {
	Src, Dst netip.Addr
	// TTL is the IPv4 TTL or IPv6 hop limit; zero means DefaultTTL.
	TTL  uint8
	DSCP uint8 // 6 bits
	ECN  uint8 // 2 bits
	// ID is the IPv4 identification field (ignored for IPv6).
	ID uint16
	// DontFragment sets IPv4's DF bit (ignored for IPv6, which never
	// fragments in transit).
	DontFragment bool
}

// TCPHeader is the TCP header of a built segment (no options).
type TCPHeader struct {
	SrcPort, DstPort uint16
	Seq, Ack         uint32
	Flags            TCPFlags
	Window           uint16
}

// UDPHeader is the UDP header of a built datagram.
type UDPHeader struct {
	SrcPort, DstPort uint16
}

// ARP is the body of an Ethernet/IPv4 ARP packet (RFC 826).
type ARP struct {
	Op                   ARPOp
	SenderMAC, TargetMAC openflow.MAC
	SenderIP, TargetIP   netip.Addr
}

// AppendARP appends an ARP frame to b.
func AppendARP(b []byte, eth Ethernet, a ARP) ([]byte, error) {
	sip, tip := a.SenderIP.Unmap(), a.TargetIP.Unmap()
	if !sip.Is4() || !tip.Is4() {
		return b, fmt.Errorf("packet: arp %s -> %s: %w", a.SenderIP, a.TargetIP, ErrAddress)
	}
	start := len(b)
	b = appendEthernet(b, eth, EtherTypeARP)
	b = binary.BigEndian.AppendUint16(b, 1) // hardware type: Ethernet
	b = binary.BigEndian.AppendUint16(b, EtherTypeIPv4)
	b = append(b, 6, 4)
	b = binary.BigEndian.AppendUint16(b, uint16(a.Op))
	b = append(b, a.SenderMAC[:]...)
	b = append(b, sip.AsSlice()...)
	b = append(b, a.TargetMAC[:]...)
	b = append(b, tip.AsSlice()...)
	return padFrame(b, start), nil
}

// AppendARPRequest appends a broadcast ARP request from srcMAC/srcIP
// asking for targetIP's Ethernet address.
func AppendARPRequest(b []byte, srcMAC openflow.MAC, srcIP, targetIP netip.Addr) ([]byte, error) {
	return AppendARP(b, Ethernet{Dst: Broadcast, Src: srcMAC},
		ARP{Op: ARPRequest, SenderMAC: srcMAC, SenderIP: srcIP, TargetIP: targetIP})
}

// AppendARPReply appends a unicast ARP reply telling dstMAC/dstIP that
// srcIP is at srcMAC.
func AppendARPReply(b []byte, srcMAC openflow.MAC, srcIP netip.Addr, dstMAC openflow.MAC, dstIP netip.Addr) ([]byte, error) {
	return AppendARP(b, Ethernet{Dst: dstMAC, Src: srcMAC},
		ARP{Op: ARPReply, SenderMAC: srcMAC, SenderIP: srcIP, TargetMAC: dstMAC, TargetIP: dstIP})
}

// AppendGratuitousARP appends a broadcast ARP announcement (RFC 5227
// section 2.3: a request whose sender and target addresses are both ip)
// that tells neighbours which already know ip to update it to mac.
func AppendGratuitousARP(b []byte, mac openflow.MAC, ip netip.Addr) ([]byte, error) {
	return AppendARP(b, Ethernet{Dst: Broadcast, Src: mac},
		ARP{Op: ARPRequest, SenderMAC: mac, SenderIP: ip, TargetIP: ip})
}

// AppendTCP appends an Ethernet/IP/TCP frame carrying payload, with
// correct IP and TCP checksums.
func AppendTCP(b []byte, eth Ethernet, ip IPHeader, tcp TCPHeader, payload []byte) ([]byte, error) {
	start := len(b)
	b, csum, err := appendIP(b, eth, ip, IPProtoTCP, 20+len(payload))
	if err != nil {
		return b, err
	}
	h := len(b)
	b = binary.BigEndian.AppendUint16(b, tcp.SrcPort)
	b = binary.BigEndian.AppendUint16(b, tcp.DstPort)
	b = binary.BigEndian.AppendUint32(b, tcp.Seq)
	b = binary.BigEndian.AppendUint32(b, tcp.Ack)
	b = append(b, 5<<4|byte(tcp.Flags>>8&1), byte(tcp.Flags))
	b = binary.BigEndian.AppendUint16(b, tcp.Window)
	b = append(b, 0, 0, 0, 0) // checksum, urgent pointer
	b = append(b, payload...)
	binary.BigEndian.PutUint16(b[h+16:], fold(sum(csum, b[h:])))
	return padFrame(b, start), nil
}

// AppendUDP appends an Ethernet/IP/UDP frame carrying payload, with
// correct IP and UDP checksums.
func AppendUDP(b []byte, eth Ethernet, ip IPHeader, udp UDPHeader, payload []byte) ([]byte, error) {
	start := len(b)
	b, csum, err := appendIP(b, eth, ip, IPProtoUDP, 8+len(payload))
	if err != nil {
		return b, err
	}
	h := len(b)
	b = binary.BigEndian.AppendUint16(b, udp.SrcPort)
	b = binary.BigEndian.AppendUint16(b, udp.DstPort)
	b = binary.BigEndian.AppendUint16(b, uint16(8+len(payload)))
	b = append(b, 0, 0)
	b = append(b, payload...)
	c := fold(sum(csum, b[h:]))
	if c == 0 {
		c = 0xffff // zero means "no checksum" (RFC 768)
	}
	binary.BigEndian.PutUint16(b[h+6:], c)
	return padFrame(b, start), nil
}

// AppendTCPReset appends the reset that refuses the TCP segment f (as
// Parser.Parse decoded it) in a way the sender's stack accepts (RFC 9293
// section 3.10.7.1, and RFC 5961's exact-sequence check): it goes from
// f's destination back to its source with the Ethernet addresses swapped
// and the same VLAN tag, flags RST|ACK, sequence number f.TCPAck when f
// has ACK set (else 0), and acknowledgment f.TCPSeq + f.PayloadLen (+1 for
// SYN, +1 for FIN). It fails with ErrNotTCP for anything but a TCP segment
// and with ErrSuppressed for a segment that is itself a reset.
func AppendTCPReset(b []byte, f Flow) ([]byte, error) {
	if f.IPProto != IPProtoTCP || !f.HasPorts() {
		return b, ErrNotTCP
	}
	if f.TCPFlags&TCPRst != 0 {
		return b, fmt.Errorf("packet: tcp reset in answer to a reset: %w", ErrSuppressed)
	}
	if f.PayloadLen < 0 || f.PayloadLen > 0xffff {
		return b, fmt.Errorf("packet: tcp payload length %d: %w", f.PayloadLen, ErrTooLong)
	}
	t := TCPHeader{SrcPort: f.DstPort, DstPort: f.SrcPort, Flags: TCPRst | TCPAck}
	if f.TCPFlags&TCPAck != 0 {
		t.Seq = f.TCPAck
	}
	t.Ack = f.TCPSeq + uint32(f.PayloadLen)
	if f.TCPFlags&TCPSyn != 0 {
		t.Ack++
	}
	if f.TCPFlags&TCPFin != 0 {
		t.Ack++
	}
	eth := Ethernet{Dst: f.EthSrc, Src: f.EthDst, HasVLAN: f.HasVLAN, VLANID: f.VLANID, VLANPCP: f.VLANPCP}
	return AppendTCP(b, eth, IPHeader{Src: f.Dst, Dst: f.Src, DontFragment: true}, t, nil)
}

// UnreachableCode is the code of an ICMP Destination Unreachable message
// (RFC 792, RFC 1122, RFC 1812).
type UnreachableCode uint8

// Destination Unreachable codes.
const (
	UnreachableNet             UnreachableCode = 0  // net unreachable
	UnreachableHost            UnreachableCode = 1  // host unreachable
	UnreachableProtocol        UnreachableCode = 2  // protocol unreachable
	UnreachablePort            UnreachableCode = 3  // port unreachable
	UnreachableFragNeeded      UnreachableCode = 4  // fragmentation needed and DF set; use AppendICMPFragNeeded
	UnreachableSourceRoute     UnreachableCode = 5  // source route failed
	UnreachableNetUnknown      UnreachableCode = 6  // destination network unknown
	UnreachableHostUnknown     UnreachableCode = 7  // destination host unknown
	UnreachableNetProhibited   UnreachableCode = 9  // network administratively prohibited
	UnreachableHostProhibited  UnreachableCode = 10 // host administratively prohibited
	UnreachableAdminProhibited UnreachableCode = 13 // communication administratively prohibited (RFC 1812)
)

var unreachableNames = map[UnreachableCode]string{
	UnreachableNet: "net", UnreachableHost: "host", UnreachableProtocol: "protocol",
	UnreachablePort: "port", UnreachableFragNeeded: "frag-needed", UnreachableSourceRoute: "source-route",
	UnreachableNetUnknown: "net-unknown", UnreachableHostUnknown: "host-unknown",
	UnreachableNetProhibited: "net-prohibited", UnreachableHostProhibited: "host-prohibited",
	UnreachableAdminProhibited: "admin-prohibited",
}

// String returns the code's short name, such as "port", or "code-N".
func (c UnreachableCode) String() string {
	if n, ok := unreachableNames[c]; ok {
		return n
	}
	return "code-" + strconv.Itoa(int(c))
}

// AppendICMPUnreachable appends an ICMP Destination Unreachable message
// about orig, an Ethernet frame carrying IPv4 (optionally VLAN-tagged), sent
// from fromMAC/fromIP back to orig's sender with orig's VLAN tags. It quotes
// orig's IP header and the first 8 bytes of its payload (RFC 792). As RFC
// 1122 section 3.2.2 requires, it refuses (ErrSuppressed) to answer an ICMP
// error message, a non-first fragment, a link-layer broadcast or
// multicast, or a packet whose source or destination is not unicast.
func AppendICMPUnreachable(b []byte, orig []byte, code UnreachableCode, fromMAC openflow.MAC, fromIP netip.Addr) ([]byte, error) {
	return appendICMPError(b, orig, 3, uint8(code), 0, fromMAC, fromIP)
}

// AppendICMPFragNeeded appends the ICMP "fragmentation needed and DF set"
// message (type 3 code 4) with the next-hop MTU (RFC 1191) about orig, as
// AppendICMPUnreachable does.
func AppendICMPFragNeeded(b []byte, orig []byte, mtu uint16, fromMAC openflow.MAC, fromIP netip.Addr) ([]byte, error) {
	return appendICMPError(b, orig, 3, uint8(UnreachableFragNeeded), uint32(mtu), fromMAC, fromIP)
}

func appendICMPError(b, orig []byte, typ, code uint8, rest uint32, fromMAC openflow.MAC, fromIP netip.Addr) ([]byte, error) {
	if !fromIP.Is4() {
		return b, fmt.Errorf("packet: icmp from %s: %w", fromIP, ErrAddress)
	}
	if len(orig) < 14 {
		return b, fmt.Errorf("packet: icmp error: original ethernet header: need 14 bytes, have %d: %w", len(orig), io.ErrUnexpectedEOF)
	}
	if orig[0]&1 != 0 {
		return b, fmt.Errorf("packet: icmp error about a link-layer broadcast or multicast: %w", ErrSuppressed)
	}
	// Walk the VLAN tags; they are copied to the reply as they are.
	off := 12
	for {
		if len(orig) < off+2 {
			return b, fmt.Errorf("packet: icmp error: original ethertype at %d: %w", off, io.ErrUnexpectedEOF)
		}
		et := binary.BigEndian.Uint16(orig[off:])
		if et != EtherTypeVLAN && et != EtherTypeQinQ {
			if et != EtherTypeIPv4 {
				return b, fmt.Errorf("packet: icmp error about ethertype 0x%04x, want ipv4: %w", et, ErrAddress)
			}
			break
		}
		off += 4
	}
	tags := orig[12:off]
	ip := orig[off+2:]
	if len(ip) < 20 {
		return b, fmt.Errorf("packet: icmp error: original ipv4 header: need 20 bytes, have %d: %w", len(ip), io.ErrUnexpectedEOF)
	}
	ihl := int(ip[0]&0xf) * 4
	total := int(binary.BigEndian.Uint16(ip[2:]))
	if ip[0]>>4 != 4 || ihl < 20 || total < ihl {
		return b, fmt.Errorf("packet: icmp error: original ipv4 header (version %d, ihl %d, length %d): %w", ip[0]>>4, ihl, total, ErrMalformed)
	}
	if len(ip) < ihl {
		return b, fmt.Errorf("packet: icmp error: original ipv4 header: need %d bytes, have %d: %w", ihl, len(ip), io.ErrUnexpectedEOF)
	}
	if binary.BigEndian.Uint16(ip[6:])&0x1fff != 0 {
		return b, fmt.Errorf("packet: icmp error about a non-first fragment: %w", ErrSuppressed)
	}
	src := netip.AddrFrom4([4]byte(ip[12:16]))
	dst := netip.AddrFrom4([4]byte(ip[16:20]))
	if !unicast4(src) || dst.IsMulticast() || dst == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return b, fmt.Errorf("packet: icmp error about %s -> %s: %w", src, dst, ErrSuppressed)
	}
	quote := min(ihl+8, total, len(ip))
	if ip[9] == IPProtoICMP && quote > ihl {
		// An ICMP error message (anything but echo, timestamp, info and
		// address mask queries and replies) never draws another.
		switch ip[ihl] {
		case 0, 8, 13, 14, 15, 16, 17, 18:
		default:
			return b, fmt.Errorf("packet: icmp error about icmp type %d: %w", ip[ihl], ErrSuppressed)
		}
	}

	start := len(b)
	b = append(b, orig[6:12]...) // to the original sender
	b = append(b, fromMAC[:]...)
	b = append(b, tags...)
	b = binary.BigEndian.AppendUint16(b, EtherTypeIPv4)
	iph := IPHeader{Src: fromIP, Dst: src, DSCP: 0xc0 >> 2} // precedence "internetwork control", as routers send
	b, _, err := appendIPv4(b, iph, IPProtoICMP, 8+quote)
	if err != nil {
		return b[:start], err
	}
	h := len(b)
	b = append(b, typ, code, 0, 0)
	b = binary.BigEndian.AppendUint32(b, rest)
	b = append(b, ip[:quote]...)
	binary.BigEndian.PutUint16(b[h+2:], fold(sum(0, b[h:])))
	return padFrame(b, start), nil
}

func unicast4(a netip.Addr) bool {
	return a.Is4() && !a.IsUnspecified() && !a.IsMulticast() && a != netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

func appendEthernet(b []byte, eth Ethernet, etherType uint16) []byte {
	b = append(b, eth.Dst[:]...)
	b = append(b, eth.Src[:]...)
	if eth.HasVLAN {
		b = binary.BigEndian.AppendUint16(b, EtherTypeVLAN)
		b = binary.BigEndian.AppendUint16(b, uint16(eth.VLANPCP&7)<<13|eth.VLANID&0x0fff)
	}
	return binary.BigEndian.AppendUint16(b, etherType)
}

// appendIP appends the Ethernet and IP headers of a packet whose transport
// part is l4len bytes long, and returns the partial checksum of the
// pseudo-header for the transport checksum.
func appendIP(b []byte, eth Ethernet, ip IPHeader, proto uint8, l4len int) ([]byte, uint64, error) {
	src, dst := ip.Src, ip.Dst
	switch {
	case src.Is4() && dst.Is4():
		start := len(b)
		b = appendEthernet(b, eth, EtherTypeIPv4)
		b, csum, err := appendIPv4(b, ip, proto, l4len)
		if err != nil {
			return b[:start], 0, err
		}
		return b, csum, nil
	case src.Is6() && dst.Is6() && !src.Is4In6() && !dst.Is4In6():
		if l4len > 0xffff {
			return b, 0, fmt.Errorf("packet: ipv6 payload of %d bytes: %w", l4len, ErrTooLong)
		}
		b = appendEthernet(b, eth, EtherTypeIPv6)
		tc := ip.DSCP<<2 | ip.ECN&3
		b = binary.BigEndian.AppendUint32(b, 6<<28|uint32(tc)<<20)
		b = binary.BigEndian.AppendUint16(b, uint16(l4len))
		b = append(b, proto, ttl(ip.TTL))
		s, d := src.As16(), dst.As16()
		b = append(b, s[:]...)
		b = append(b, d[:]...)
		csum := sum(0, s[:])
		csum = sum(csum, d[:])
		csum += uint64(l4len) + uint64(proto)
		return b, csum, nil
	}
	return b, 0, fmt.Errorf("packet: ip %s -> %s: %w", src, dst, ErrAddress)
}

// appendIPv4 appends an IPv4 header (checksummed) for a payload of l4len
// bytes and returns the pseudo-header's partial checksum.
func appendIPv4(b []byte, ip IPHeader, proto uint8, l4len int) ([]byte, uint64, error) {
	if l4len > 0xffff-20 {
		return b, 0, fmt.Errorf("packet: ipv4 payload of %d bytes: %w", l4len, ErrTooLong)
	}
	h := len(b)
	b = append(b, 0x45, ip.DSCP<<2|ip.ECN&3)
	b = binary.BigEndian.AppendUint16(b, uint16(20+l4len))
	b = binary.BigEndian.AppendUint16(b, ip.ID)
	var ff uint16
	if ip.DontFragment {
		ff = 0x4000
	}
	b = binary.BigEndian.AppendUint16(b, ff)
	b = append(b, ttl(ip.TTL), proto, 0, 0)
	s, d := ip.Src.As4(), ip.Dst.As4()
	b = append(b, s[:]...)
	b = append(b, d[:]...)
	binary.BigEndian.PutUint16(b[h+10:], fold(sum(0, b[h:h+20])))
	csum := sum(0, s[:])
	csum = sum(csum, d[:])
	csum += uint64(l4len) + uint64(proto)
	return b, csum, nil
}

func ttl(t uint8) uint8 {
	if t == 0 {
		return DefaultTTL
	}
	return t
}

var zeros [MinFrameLen]byte

// padFrame zero-pads the frame that starts at b[start] to MinFrameLen.
func padFrame(b []byte, start int) []byte {
	if n := len(b) - start; n < MinFrameLen {
		b = append(b, zeros[:MinFrameLen-n]...)
	}
	return b
}

// sum adds data to the one's-complement accumulator s, as big-endian
// 16-bit words (an odd last byte padded with zero), without folding.
func sum(s uint64, data []byte) uint64 {
	for len(data) >= 8 {
		v := binary.BigEndian.Uint64(data)
		s += v>>48 + v>>32&0xffff + v>>16&0xffff + v&0xffff
		data = data[8:]
	}
	for len(data) >= 2 {
		s += uint64(binary.BigEndian.Uint16(data))
		data = data[2:]
	}
	if len(data) == 1 {
		s += uint64(data[0]) << 8
	}
	return s
}

// fold folds the accumulator into 16 bits and complements it.
func fold(s uint64) uint16 {
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}
