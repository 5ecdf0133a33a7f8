package packet

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// ErrMalformed is wrapped by the errors Parse returns for a frame whose
// headers are present but inconsistent (an IPv4 header length below 5, a
// version field that contradicts the EtherType, ...). A frame cut short
// inside a header gives an error wrapping io.ErrUnexpectedEOF instead.
var ErrMalformed = errors.New("packet: malformed frame")

// Parser decodes Ethernet frames into Flows. It holds one gopacket
// DecodingLayer per header kind and reuses them, so that Parse allocates
// nothing once the parser has seen a frame of each shape. A Parser is not
// safe for concurrent use: give each goroutine its own (they are small).
//
// Decoded: Ethernet II and 802.3 length frames, 802.1Q and 802.1ad tags
// (any depth), ARP, IPv4 (with options and fragments), IPv6 (with
// extension headers and fragments), TCP, UDP, ICMP, ICMPv6. Anything
// beyond is left undecoded without error: a frame of an unknown EtherType
// yields the Ethernet fields and EthType only.
type Parser struct {
	dlp     *gopacket.DecodingLayerParser
	decoded []gopacket.LayerType

	eth    layers.Ethernet
	dot1q  layers.Dot1Q
	arp    layers.ARP
	ip4    layers.IPv4
	ip6    layers.IPv6
	ip6ext layers.IPv6ExtensionSkipper
	ip6fr  layers.IPv6Fragment
	tcp    layers.TCP
	udp    layers.UDP
	icmp4  layers.ICMPv4
	icmp6  layers.ICMPv6

	fragTrunc truncFlag
}

// NewParser returns a Parser ready for use.
func NewParser() *Parser {
	p := &Parser{decoded: make([]gopacket.LayerType, 0, 16)}
	// The extension skipper claims every IPv6 extension header type; the
	// fragment decoder, added after it, takes the fragment header back so
	// that fragments are recognised.
	p.dlp = gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet,
		&p.eth, &p.dot1q, &p.arp, &p.ip4, &p.ip6, &p.ip6ext, &p.ip6fr,
		&p.tcp, &p.udp, &p.icmp4, &p.icmp6)
	p.dlp.IgnoreUnsupported = true
	return p
}

// Parse decodes the Ethernet frame data into f, overwriting all of it. f
// does not alias data. On error f holds whatever was decoded before the
// failing header, and the error wraps io.ErrUnexpectedEOF (a header cut
// short) or ErrMalformed. Parse never panics.
func (p *Parser) Parse(data []byte, f *Flow) error {
	*f = Flow{}
	if len(data) < 14 {
		return fmt.Errorf("packet: ethernet header: need 14 bytes, have %d: %w", len(data), io.ErrUnexpectedEOF)
	}
	err := p.dlp.DecodeLayers(data, &p.decoded)
	// Fill in whatever was decoded, even when a later layer failed.
	ipPayload := -1 // bytes after the IP header(s), per the IP header
	var l4 gopacket.LayerType
	sawARP := false
layers:
	for _, lt := range p.decoded {
		switch lt {
		case layers.LayerTypeEthernet:
			f.EthDst = [6]byte(p.eth.DstMAC)
			f.EthSrc = [6]byte(p.eth.SrcMAC)
			f.EthType = uint16(p.eth.EthernetType)
			if p.eth.EthernetType == layers.EthernetTypeLLC {
				f.EthType = p.eth.Length
			}
			if pl := p.eth.Payload; (f.EthType == EtherTypeVLAN || f.EthType == EtherTypeQinQ) && len(pl) >= 2 {
				// The outermost tag. Read it from the bytes: the Dot1Q
				// layer object is reused for inner tags.
				tci := binary.BigEndian.Uint16(pl)
				f.HasVLAN = true
				f.VLANID = tci & 0x0fff
				f.VLANPCP = uint8(tci >> 13)
			}
		case layers.LayerTypeDot1Q:
			f.EthType = uint16(p.dot1q.Type)
		case layers.LayerTypeARP:
			sawARP = true
			p.fillARP(f)
		case layers.LayerTypeIPv4:
			if f.EthType != EtherTypeIPv4 {
				break layers // gopacket's "raw IP" EtherType 0xffff: not IP on Ethernet
			}
			if p.ip4.Version != 4 {
				return fmt.Errorf("packet: ipv4 header with version %d: %w", p.ip4.Version, ErrMalformed)
			}
			f.Src = netip.AddrFrom4([4]byte(p.ip4.SrcIP))
			f.Dst = netip.AddrFrom4([4]byte(p.ip4.DstIP))
			f.IPProto = uint8(p.ip4.Protocol)
			f.DSCP = p.ip4.TOS >> 2
			f.ECN = p.ip4.TOS & 3
			f.TTL = p.ip4.TTL
			f.IPv4ID = p.ip4.Id
			ipPayload = int(p.ip4.Length) - int(p.ip4.IHL)*4
			switch {
			case p.ip4.FragOffset != 0:
				f.Frag = FragLater
			case p.ip4.Flags&layers.IPv4MoreFragments != 0:
				f.Frag = FragFirst
			}
		case layers.LayerTypeIPv6:
			if f.EthType != EtherTypeIPv6 {
				break layers
			}
			if p.ip6.Version != 6 {
				return fmt.Errorf("packet: ipv6 header with version %d: %w", p.ip6.Version, ErrMalformed)
			}
			f.Src = netip.AddrFrom16([16]byte(p.ip6.SrcIP))
			f.Dst = netip.AddrFrom16([16]byte(p.ip6.DstIP))
			f.IPProto = uint8(p.ip6.NextHeader)
			f.DSCP = p.ip6.TrafficClass >> 2
			f.ECN = p.ip6.TrafficClass & 3
			f.TTL = p.ip6.HopLimit
			ipPayload = int(p.ip6.Length)
			if p.ip6.HopByHop != nil {
				f.IPProto = uint8(p.ip6.HopByHop.NextHeader)
				ipPayload -= p.ip6.HopByHop.ActualLength
			}
		case layers.LayerTypeIPv6Fragment:
			f.IPProto = uint8(p.ip6fr.NextHeader)
			ipPayload -= len(p.ip6fr.Contents)
			switch {
			case p.ip6fr.FragmentOffset != 0:
				f.Frag = FragLater
			case p.ip6fr.MoreFragments:
				f.Frag = FragFirst
			}
		case layers.LayerTypeIPv6HopByHop, layers.LayerTypeIPv6Routing,
			layers.LayerTypeIPv6Destination:
			f.IPProto = uint8(p.ip6ext.NextHeader)
			ipPayload -= len(p.ip6ext.Contents)
		case layers.LayerTypeTCP, layers.LayerTypeUDP, layers.LayerTypeICMPv4, layers.LayerTypeICMPv6:
			l4 = lt
		}
	}
	switch f.EthType {
	case EtherTypeVLAN, EtherTypeQinQ, EtherTypeARP, EtherTypeIPv4, EtherTypeIPv6:
	default:
		// Not decoded further: whatever gopacket did after it (it reads
		// 0xffff as raw IP) is no concern of the flow.
		return nil
	}
	if err != nil {
		// The layer that failed was not appended to decoded.
		if p.dlp.Truncated {
			return fmt.Errorf("packet: %v: %w", err, io.ErrUnexpectedEOF)
		}
		return fmt.Errorf("packet: %v: %w", err, ErrMalformed)
	}
	// DecodeLayers stops without error where a layer's payload is empty,
	// even when its header names a next header: catch such cut-offs.
	switch f.EthType {
	case EtherTypeVLAN, EtherTypeQinQ:
		return fmt.Errorf("packet: vlan tag: %w", io.ErrUnexpectedEOF)
	case EtherTypeARP:
		if !sawARP {
			return fmt.Errorf("packet: arp header: %w", io.ErrUnexpectedEOF)
		}
	case EtherTypeIPv4, EtherTypeIPv6:
		if !f.Src.IsValid() {
			return fmt.Errorf("packet: %s header: %w", ipName(f.EthType), io.ErrUnexpectedEOF)
		}
	}
	if !f.Src.IsValid() {
		return nil
	}
	if ipPayload < 0 {
		// Extension headers longer than the declared payload.
		return fmt.Errorf("packet: ip extension headers exceed the payload length: %w", ErrMalformed)
	}
	if f.Frag == FragFirst {
		// gopacket stops at a fragment; the first one carries the
		// transport header, so decode it here.
		var err error
		if l4, err = p.decodeFirstFragment(f); err != nil {
			return err
		}
	}
	if f.Frag == FragLater {
		return nil
	}
	switch l4 {
	case layers.LayerTypeTCP:
		f.SrcPort = uint16(p.tcp.SrcPort)
		f.DstPort = uint16(p.tcp.DstPort)
		f.TCPSeq = p.tcp.Seq
		f.TCPAck = p.tcp.Ack
		f.TCPWindow = p.tcp.Window
		f.TCPFlags = tcpFlags(p.tcp.Contents)
		f.PayloadLen = max(0, ipPayload-len(p.tcp.Contents))
	case layers.LayerTypeUDP:
		f.SrcPort = uint16(p.udp.SrcPort)
		f.DstPort = uint16(p.udp.DstPort)
		f.PayloadLen = max(0, ipPayload-8)
	case layers.LayerTypeICMPv4:
		f.ICMPType = p.icmp4.TypeCode.Type()
		f.ICMPCode = p.icmp4.TypeCode.Code()
		if t := f.ICMPType; t == layers.ICMPv4TypeEchoRequest || t == layers.ICMPv4TypeEchoReply {
			f.ICMPID = p.icmp4.Id
		}
	case layers.LayerTypeICMPv6:
		f.ICMPType = p.icmp6.TypeCode.Type()
		f.ICMPCode = p.icmp6.TypeCode.Code()
		if t := f.ICMPType; t == layers.ICMPv6TypeEchoRequest || t == layers.ICMPv6TypeEchoReply {
			// ICMPv6 keeps the echo identifier in its payload.
			if pl := p.icmp6.Payload; len(pl) >= 2 {
				f.ICMPID = binary.BigEndian.Uint16(pl)
			}
		}
	default:
		switch f.IPProto {
		case IPProtoTCP, IPProtoUDP, IPProtoICMP, IPProtoICMPv6:
			return fmt.Errorf("packet: %s header: %w", ProtoName(f.IPProto), io.ErrUnexpectedEOF)
		case 0, 43, 44, 60: // IPv6 hop-by-hop, routing, fragment, destination options
			if f.EthType == EtherTypeIPv6 {
				return fmt.Errorf("packet: ipv6 extension header %d: %w", f.IPProto, io.ErrUnexpectedEOF)
			}
		}
	}
	f.Truncated = p.dlp.Truncated
	return nil
}

// decodeFirstFragment decodes the transport header at the start of a first
// fragment's payload.
func (p *Parser) decodeFirstFragment(f *Flow) (gopacket.LayerType, error) {
	var payload []byte
	if f.Src.Is4() {
		payload = p.ip4.Payload
	} else {
		payload = p.ip6fr.Payload
	}
	var (
		dl gopacket.DecodingLayer
		lt gopacket.LayerType
	)
	switch f.IPProto {
	case IPProtoTCP:
		dl, lt = &p.tcp, layers.LayerTypeTCP
	case IPProtoUDP:
		dl, lt = &p.udp, layers.LayerTypeUDP
	case IPProtoICMP:
		dl, lt = &p.icmp4, layers.LayerTypeICMPv4
	case IPProtoICMPv6:
		dl, lt = &p.icmp6, layers.LayerTypeICMPv6
	default:
		return gopacket.LayerTypeZero, nil
	}
	p.fragTrunc = false
	if err := dl.DecodeFromBytes(payload, &p.fragTrunc); err != nil {
		if p.fragTrunc {
			return 0, fmt.Errorf("packet: first fragment: %v: %w", err, io.ErrUnexpectedEOF)
		}
		return 0, fmt.Errorf("packet: first fragment: %v: %w", err, ErrMalformed)
	}
	return lt, nil
}

func (p *Parser) fillARP(f *Flow) {
	a := &p.arp
	f.ARPOp = ARPOp(a.Operation)
	if a.AddrType != layers.LinkTypeEthernet || a.Protocol != layers.EthernetTypeIPv4 ||
		len(a.SourceHwAddress) != 6 || len(a.SourceProtAddress) != 4 ||
		len(a.DstHwAddress) != 6 || len(a.DstProtAddress) != 4 {
		return
	}
	f.ARPSenderMAC = [6]byte(a.SourceHwAddress)
	f.ARPSenderIP = netip.AddrFrom4([4]byte(a.SourceProtAddress))
	f.ARPTargetMAC = [6]byte(a.DstHwAddress)
	f.ARPTargetIP = netip.AddrFrom4([4]byte(a.DstProtAddress))
}

// tcpFlags reads the flags from a decoded TCP header (at least 20 bytes).
func tcpFlags(h []byte) TCPFlags {
	if len(h) < 14 {
		return 0
	}
	return TCPFlags(h[13]) | TCPFlags(h[12]&1)<<8
}

// truncFlag records gopacket's truncation feedback.
type truncFlag bool

// SetTruncated implements gopacket.DecodeFeedback.
func (t *truncFlag) SetTruncated() { *t = true }

func ipName(etherType uint16) string {
	if etherType == EtherTypeIPv6 {
		return "ipv6"
	}
	return "ipv4"
}
