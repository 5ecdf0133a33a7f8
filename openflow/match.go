package openflow

import (
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"math/bits"
	"net/netip"
	"strconv"
)

// MatchType is ofp_match_type.
type MatchType uint16

// Match types. OpenFlow 1.3 uses only OXM matches.
const (
	MatchTypeStandard MatchType = 0 // OFPMT_STANDARD: the deprecated OpenFlow 1.1 match
	MatchTypeOXM      MatchType = 1 // OFPMT_OXM: a list of OXM TLVs
)

// String returns the spec name without its OFPMT_ prefix ("OXM").
func (t MatchType) String() string {
	switch t {
	case MatchTypeStandard:
		return "STANDARD"
	case MatchTypeOXM:
		return "OXM"
	}
	return "MatchType(" + strconv.Itoa(int(t)) + ")"
}

// MatchHeaderLen is the length of the ofp_match header (type and length).
const MatchHeaderLen = 4

// ErrPrerequisite is matched (with errors.Is) by every *PrerequisiteError.
var ErrPrerequisite = errors.New("openflow: match: missing prerequisite")

// PrerequisiteError reports a match field whose prerequisite is missing,
// for example ipv4_dst without eth_type 0x0800. Switches refuse such a
// match (OFPBMC_BAD_PREREQ), so the encoder refuses it first.
type PrerequisiteError struct {
	Field Field  // the field whose prerequisite is missing
	Need  string // what it needs, e.g. "eth_type 0x0800"
}

// Error returns "openflow: match: <field> needs <prerequisite>".
func (e *PrerequisiteError) Error() string {
	return "openflow: match: " + e.Field.String() + " needs " + e.Need
}

// Is makes errors.Is(err, ErrPrerequisite) true.
func (e *PrerequisiteError) Is(target error) bool { return target == ErrPrerequisite }

// Match is ofp_match of type OFPMT_OXM, held as typed values with a
// presence bitmask and a masked bitmask.
//
// Set fields with the setters (SetEthType, SetIPv4Dst, SetTCPDst, ...) or
// [Match.Set]; read them with the getters, which also report presence. A
// mask that covers the whole field is stored as an exact match, and an
// all-zero mask over a zero value as no match on the field, so two matches
// that mean the same are equal under reflect.DeepEqual, including after an
// encode/decode round trip. The zero Match matches everything.
//
// Prerequisites (ipv4_dst needs eth_type 0x0800, tcp_dst needs ip_proto 6,
// ...) are checked by AppendBinary, not by the setters or by Decode.
type Match struct {
	present uint64 // bit f set when Field f is matched
	masked  uint64 // bit f set when Field f has a (partial) mask
	bad     uint64 // bit f set when a setter got a value the field cannot hold

	inPort, inPhyPort        uint32
	metadata, metadataMask   uint64
	ethDst, ethDstMask       MAC
	ethSrc, ethSrcMask       MAC
	ethType                  uint16
	vlanVID, vlanVIDMask     uint16
	vlanPCP                  uint8
	ipDSCP, ipECN, ipProto   uint8
	ipv4Src, ipv4SrcMask     netip.Addr
	ipv4Dst, ipv4DstMask     netip.Addr
	tcpSrc, tcpDst           uint16
	udpSrc, udpDst           uint16
	sctpSrc, sctpDst         uint16
	icmpv4Type, icmpv4Code   uint8
	arpOp                    uint16
	arpSPA, arpSPAMask       netip.Addr
	arpTPA, arpTPAMask       netip.Addr
	arpSHA, arpSHAMask       MAC
	arpTHA, arpTHAMask       MAC
	ipv6Src, ipv6SrcMask     netip.Addr
	ipv6Dst, ipv6DstMask     netip.Addr
	ipv6FLabel, ipv6FLMask   uint32
	icmpv6Type, icmpv6Code   uint8
	ndTarget                 netip.Addr
	ndSLL, ndTLL             MAC
	mplsLabel                uint32
	mplsTC, mplsBOS          uint8
	pbbISID, pbbISIDMask     uint32
	tunnelID, tunnelIDMask   uint64
	ipv6Exthdr, ipv6ExthMask uint16
	ctState, ctStateMask     ConnState
	ctZone                   uint16
	ctMark, ctMarkMask       uint32
	tcpFlags, tcpFlagsMask   TCPFlag
	regs, regMasks           [8]uint32
}

func fieldBit(f Field) uint64 { return 1 << f }

// Has reports whether the match has field f.
func (m *Match) Has(f Field) bool { return m.present&fieldBit(f) != 0 }

// IsMasked reports whether field f is matched with a partial mask.
func (m *Match) IsMasked(f Field) bool { return m.masked&fieldBit(f) != 0 }

// IsEmpty reports whether the match has no field: it matches every packet.
func (m *Match) IsEmpty() bool { return m.present == 0 }

// Equal reports whether m and o match the same fields with the same
// values and masks. Because masks are kept canonical, two matches that
// encode to the same bytes are Equal.
func (m *Match) Equal(o *Match) bool { return *m == *o }

// Reset removes every field.
func (m *Match) Reset() { *m = Match{} }

// Clear removes field f.
func (m *Match) Clear(f Field) {
	if f.info() == nil {
		return
	}
	bit := fieldBit(f)
	m.present &^= bit
	m.masked &^= bit
	m.bad &^= bit
	m.put(&OXM{field: f})
}

// Set sets the field of o to o's value and mask, replacing what the match
// had for that field. An invalid (zero) OXM is ignored; an OXM with a value
// its field cannot hold is kept and makes AppendBinary fail.
func (m *Match) Set(o OXM) {
	fi := o.field.info()
	if fi == nil {
		return
	}
	m.Clear(o.field)
	bit := fieldBit(o.field)
	if o.bad || (o.masked && !fi.maskable) {
		m.present |= bit
		m.bad |= bit
		return
	}
	o.canonical()
	if o.masked && o.mask == ([16]byte{}) && o.value == ([16]byte{}) {
		return // matches anything: no field
	}
	m.present |= bit
	if o.masked {
		m.masked |= bit
	}
	m.put(&o)
}

// Get returns field f as an OXM and whether the match has it.
func (m *Match) Get(f Field) (OXM, bool) {
	if f.info() == nil || !m.Has(f) {
		return OXM{}, false
	}
	return m.get(f), true
}

// All yields the match's fields as OXMs in encoding order.
func (m *Match) All() iter.Seq[OXM] {
	return func(yield func(OXM) bool) {
		for p := m.present; p != 0; p &= p - 1 {
			if !yield(m.get(Field(bits.TrailingZeros64(p)))) {
				return
			}
		}
	}
}

// put stores o's value and mask in the typed fields (zeros for an empty o).
func (m *Match) put(o *OXM) {
	u := o.uint(o.value)
	mu := o.uint(o.mask)
	addr4 := func() (netip.Addr, netip.Addr) {
		if o.value == ([16]byte{}) && o.mask == ([16]byte{}) && !m.Has(o.field) {
			return netip.Addr{}, netip.Addr{}
		}
		v := netip.AddrFrom4([4]byte(o.value[:4]))
		if !o.masked {
			return v, netip.Addr{}
		}
		return v, netip.AddrFrom4([4]byte(o.mask[:4]))
	}
	addr6 := func() (netip.Addr, netip.Addr) {
		if o.value == ([16]byte{}) && o.mask == ([16]byte{}) && !m.Has(o.field) {
			return netip.Addr{}, netip.Addr{}
		}
		v := netip.AddrFrom16(o.value)
		if !o.masked {
			return v, netip.Addr{}
		}
		return v, netip.AddrFrom16(o.mask)
	}
	mac := MAC(o.value[:6])
	macMask := MAC(o.mask[:6])
	switch f := o.field; f {
	case FieldInPort:
		m.inPort = uint32(u)
	case FieldInPhyPort:
		m.inPhyPort = uint32(u)
	case FieldMetadata:
		m.metadata, m.metadataMask = u, mu
	case FieldEthDst:
		m.ethDst, m.ethDstMask = mac, macMask
	case FieldEthSrc:
		m.ethSrc, m.ethSrcMask = mac, macMask
	case FieldEthType:
		m.ethType = uint16(u)
	case FieldVLANVID:
		m.vlanVID, m.vlanVIDMask = uint16(u), uint16(mu)
	case FieldVLANPCP:
		m.vlanPCP = uint8(u)
	case FieldIPDSCP:
		m.ipDSCP = uint8(u)
	case FieldIPECN:
		m.ipECN = uint8(u)
	case FieldIPProto:
		m.ipProto = uint8(u)
	case FieldIPv4Src:
		m.ipv4Src, m.ipv4SrcMask = addr4()
	case FieldIPv4Dst:
		m.ipv4Dst, m.ipv4DstMask = addr4()
	case FieldTCPSrc:
		m.tcpSrc = uint16(u)
	case FieldTCPDst:
		m.tcpDst = uint16(u)
	case FieldUDPSrc:
		m.udpSrc = uint16(u)
	case FieldUDPDst:
		m.udpDst = uint16(u)
	case FieldSCTPSrc:
		m.sctpSrc = uint16(u)
	case FieldSCTPDst:
		m.sctpDst = uint16(u)
	case FieldICMPv4Type:
		m.icmpv4Type = uint8(u)
	case FieldICMPv4Code:
		m.icmpv4Code = uint8(u)
	case FieldARPOp:
		m.arpOp = uint16(u)
	case FieldARPSPA:
		m.arpSPA, m.arpSPAMask = addr4()
	case FieldARPTPA:
		m.arpTPA, m.arpTPAMask = addr4()
	case FieldARPSHA:
		m.arpSHA, m.arpSHAMask = mac, macMask
	case FieldARPTHA:
		m.arpTHA, m.arpTHAMask = mac, macMask
	case FieldIPv6Src:
		m.ipv6Src, m.ipv6SrcMask = addr6()
	case FieldIPv6Dst:
		m.ipv6Dst, m.ipv6DstMask = addr6()
	case FieldIPv6FLabel:
		m.ipv6FLabel, m.ipv6FLMask = uint32(u), uint32(mu)
	case FieldICMPv6Type:
		m.icmpv6Type = uint8(u)
	case FieldICMPv6Code:
		m.icmpv6Code = uint8(u)
	case FieldIPv6NDTarget:
		m.ndTarget, _ = addr6()
	case FieldIPv6NDSLL:
		m.ndSLL = mac
	case FieldIPv6NDTLL:
		m.ndTLL = mac
	case FieldMPLSLabel:
		m.mplsLabel = uint32(u)
	case FieldMPLSTC:
		m.mplsTC = uint8(u)
	case FieldMPLSBOS:
		m.mplsBOS = uint8(u)
	case FieldPBBISID:
		m.pbbISID, m.pbbISIDMask = uint32(u), uint32(mu)
	case FieldTunnelID:
		m.tunnelID, m.tunnelIDMask = u, mu
	case FieldIPv6Exthdr:
		m.ipv6Exthdr, m.ipv6ExthMask = uint16(u), uint16(mu)
	case FieldCTState:
		m.ctState, m.ctStateMask = ConnState(u), ConnState(mu)
	case FieldCTZone:
		m.ctZone = uint16(u)
	case FieldCTMark:
		m.ctMark, m.ctMarkMask = uint32(u), uint32(mu)
	case FieldTCPFlags:
		m.tcpFlags, m.tcpFlagsMask = TCPFlag(u), TCPFlag(mu)
	default:
		if f >= FieldReg0 && f <= FieldReg7 {
			m.regs[f-FieldReg0], m.regMasks[f-FieldReg0] = uint32(u), uint32(mu)
		}
	}
}

// get returns field f, which the match has, as an OXM.
func (m *Match) get(f Field) OXM {
	bit := fieldBit(f)
	if m.bad&bit != 0 {
		return OXM{field: f, bad: true}
	}
	masked := m.masked&bit != 0
	var o OXM
	switch f {
	case FieldInPort:
		o = InPort(m.inPort)
	case FieldInPhyPort:
		o = InPhyPort(m.inPhyPort)
	case FieldMetadata:
		o = maskedUint(f, m.metadata, m.metadataMask, masked)
	case FieldEthDst:
		o = maskedMAC(f, m.ethDst, m.ethDstMask, masked)
	case FieldEthSrc:
		o = maskedMAC(f, m.ethSrc, m.ethSrcMask, masked)
	case FieldEthType:
		o = EthType(m.ethType)
	case FieldVLANVID:
		o = maskedUint(f, uint64(m.vlanVID), uint64(m.vlanVIDMask), masked)
	case FieldVLANPCP:
		o = VLANPCP(m.vlanPCP)
	case FieldIPDSCP:
		o = IPDSCP(m.ipDSCP)
	case FieldIPECN:
		o = IPECN(m.ipECN)
	case FieldIPProto:
		o = IPProto(m.ipProto)
	case FieldIPv4Src:
		o = maskedIPv4(f, m.ipv4Src, m.ipv4SrcMask, masked)
	case FieldIPv4Dst:
		o = maskedIPv4(f, m.ipv4Dst, m.ipv4DstMask, masked)
	case FieldTCPSrc:
		o = TCPSrc(m.tcpSrc)
	case FieldTCPDst:
		o = TCPDst(m.tcpDst)
	case FieldUDPSrc:
		o = UDPSrc(m.udpSrc)
	case FieldUDPDst:
		o = UDPDst(m.udpDst)
	case FieldSCTPSrc:
		o = SCTPSrc(m.sctpSrc)
	case FieldSCTPDst:
		o = SCTPDst(m.sctpDst)
	case FieldICMPv4Type:
		o = ICMPv4Type(m.icmpv4Type)
	case FieldICMPv4Code:
		o = ICMPv4Code(m.icmpv4Code)
	case FieldARPOp:
		o = ARPOp(m.arpOp)
	case FieldARPSPA:
		o = maskedIPv4(f, m.arpSPA, m.arpSPAMask, masked)
	case FieldARPTPA:
		o = maskedIPv4(f, m.arpTPA, m.arpTPAMask, masked)
	case FieldARPSHA:
		o = maskedMAC(f, m.arpSHA, m.arpSHAMask, masked)
	case FieldARPTHA:
		o = maskedMAC(f, m.arpTHA, m.arpTHAMask, masked)
	case FieldIPv6Src:
		o = maskedIPv6(f, m.ipv6Src, m.ipv6SrcMask, masked)
	case FieldIPv6Dst:
		o = maskedIPv6(f, m.ipv6Dst, m.ipv6DstMask, masked)
	case FieldIPv6FLabel:
		o = maskedUint(f, uint64(m.ipv6FLabel), uint64(m.ipv6FLMask), masked)
	case FieldICMPv6Type:
		o = ICMPv6Type(m.icmpv6Type)
	case FieldICMPv6Code:
		o = ICMPv6Code(m.icmpv6Code)
	case FieldIPv6NDTarget:
		o = IPv6NDTarget(m.ndTarget)
	case FieldIPv6NDSLL:
		o = IPv6NDSLL(m.ndSLL)
	case FieldIPv6NDTLL:
		o = IPv6NDTLL(m.ndTLL)
	case FieldMPLSLabel:
		o = MPLSLabel(m.mplsLabel)
	case FieldMPLSTC:
		o = MPLSTC(m.mplsTC)
	case FieldMPLSBOS:
		o = MPLSBOS(m.mplsBOS)
	case FieldPBBISID:
		o = maskedUint(f, uint64(m.pbbISID), uint64(m.pbbISIDMask), masked)
	case FieldTunnelID:
		o = maskedUint(f, m.tunnelID, m.tunnelIDMask, masked)
	case FieldIPv6Exthdr:
		o = maskedUint(f, uint64(m.ipv6Exthdr), uint64(m.ipv6ExthMask), masked)
	case FieldCTState:
		o = maskedUint(f, uint64(m.ctState), uint64(m.ctStateMask), masked)
	case FieldCTZone:
		o = CTZone(m.ctZone)
	case FieldCTMark:
		o = maskedUint(f, uint64(m.ctMark), uint64(m.ctMarkMask), masked)
	case FieldTCPFlags:
		o = maskedUint(f, uint64(m.tcpFlags), uint64(m.tcpFlagsMask), masked)
	default:
		i := f - FieldReg0
		o = maskedUint(f, uint64(m.regs[i]), uint64(m.regMasks[i]), masked)
	}
	return o
}

func maskedUint(f Field, v, mask uint64, masked bool) OXM {
	o := uintOXM(f, v)
	if masked {
		o = Masked(o, uintOXM(f, mask))
	}
	return o
}

func maskedMAC(f Field, v, mask MAC, masked bool) OXM {
	o := macOXM(f, v)
	if masked {
		o = Masked(o, macOXM(f, mask))
	}
	return o
}

func maskedIPv4(f Field, v, mask netip.Addr, masked bool) OXM {
	o := ipv4OXM(f, v)
	if masked {
		o = Masked(o, ipv4OXM(f, mask))
	}
	return o
}

func maskedIPv6(f Field, v, mask netip.Addr, masked bool) OXM {
	o := ipv6OXM(f, v)
	if masked {
		o = Masked(o, ipv6OXM(f, mask))
	}
	return o
}

// oxmLen returns the length of the OXM TLVs, without the match header and
// padding.
func (m *Match) oxmLen() int {
	n := 0
	for p := m.present; p != 0; p &= p - 1 {
		f := Field(bits.TrailingZeros64(p))
		n += oxmLen(&fields[f], m.masked&fieldBit(f) != 0)
	}
	return n
}

// Len returns the encoded length of the match, padding included.
func (m *Match) Len() int {
	n := MatchHeaderLen + m.oxmLen()
	return n + pad8(n)
}

// AppendBinary appends the ofp_match, padded to a multiple of 8 bytes, with
// its fields in canonical order: ascending OXM field number for the basic
// fields, then the Nicira and ONF ones. It fails, leaving b's length
// unchanged, on a missing prerequisite (a *PrerequisiteError), a value wider
// than its field or a value with bits outside its mask.
func (m *Match) AppendBinary(b []byte) ([]byte, error) {
	return m.appendBinary(b, true)
}

func (m *Match) appendBinary(b []byte, prereqs bool) ([]byte, error) {
	start := len(b)
	n := MatchHeaderLen + m.oxmLen()
	b = binary.BigEndian.AppendUint16(b, uint16(MatchTypeOXM))
	b = binary.BigEndian.AppendUint16(b, uint16(n))
	for p := m.present; p != 0; p &= p - 1 {
		f := Field(bits.TrailingZeros64(p))
		if bit := fieldBit(f); m.masked&bit == 0 && m.bad&bit == 0 {
			// Fast path for the exact-match fields of a per-flow entry:
			// append straight from the typed field, no OXM value built.
			if nb, ok := m.appendExact(b, f); ok {
				if prereqs {
					if err := m.checkPrereq(f); err != nil {
						return b[:start], err
					}
				}
				b = nb
				continue
			}
		}
		o := m.get(f)
		if err := o.check(); err != nil {
			return b[:start], fmt.Errorf("openflow: match: %w", err)
		}
		if prereqs {
			if err := m.checkPrereq(f); err != nil {
				return b[:start], err
			}
		}
		b = o.appendTLV(b)
	}
	return appendPad(b, pad8(n)), nil
}

// appendExact appends the unmasked basic fields that per-flow entries use
// most, if f is one of them and its value is valid (an IPv4 field holding an
// IPv4 address); false means take the general path.
func (m *Match) appendExact(b []byte, f Field) ([]byte, bool) {
	fi := &fields[f]
	hdr := func(b []byte) []byte {
		return append(b, byte(OXMClassOpenFlowBasic>>8), byte(OXMClassOpenFlowBasic&0xff), fi.num<<1, fi.size)
	}
	switch f {
	case FieldInPort:
		return binary.BigEndian.AppendUint32(hdr(b), m.inPort), true
	case FieldEthType:
		return binary.BigEndian.AppendUint16(hdr(b), m.ethType), true
	case FieldIPProto:
		return append(hdr(b), m.ipProto), true
	case FieldIPv4Src, FieldIPv4Dst:
		a := m.ipv4Src
		if f == FieldIPv4Dst {
			a = m.ipv4Dst
		}
		if !a.Is4() {
			return b, false
		}
		v := a.As4()
		return append(hdr(b), v[:]...), true
	case FieldTCPSrc:
		return binary.BigEndian.AppendUint16(hdr(b), m.tcpSrc), true
	case FieldTCPDst:
		return binary.BigEndian.AppendUint16(hdr(b), m.tcpDst), true
	case FieldUDPSrc:
		return binary.BigEndian.AppendUint16(hdr(b), m.udpSrc), true
	case FieldUDPDst:
		return binary.BigEndian.AppendUint16(hdr(b), m.udpDst), true
	case FieldEthDst:
		return append(hdr(b), m.ethDst[:]...), true
	case FieldEthSrc:
		return append(hdr(b), m.ethSrc[:]...), true
	}
	return b, false
}

// MarshalBinary returns the encoded match.
func (m *Match) MarshalBinary() ([]byte, error) {
	return m.AppendBinary(make([]byte, 0, m.Len()))
}

// Decode decodes the ofp_match at the start of b, replacing every field of
// m, and returns the number of bytes it used, padding included. Fields may
// come in any order; a duplicate, an unknown field, a bad length, a mask on
// a field that cannot be masked and a value with bits outside its mask are
// errors. Prerequisites are not checked: what a switch reports is taken as
// it is. Decode does not allocate unless it fails.
func (m *Match) Decode(b []byte) (int, error) {
	*m = Match{}
	if len(b) < MatchHeaderLen {
		return 0, errShort("match", MatchHeaderLen, len(b))
	}
	typ := MatchType(binary.BigEndian.Uint16(b))
	length := int(binary.BigEndian.Uint16(b[2:4]))
	if typ != MatchTypeOXM {
		return 0, fmt.Errorf("openflow: match: unsupported type %v", typ)
	}
	if length < MatchHeaderLen {
		return 0, fmt.Errorf("openflow: match: length %d shorter than the header", length)
	}
	padded := length + pad8(length)
	if len(b) < padded {
		return 0, errShort("match", padded, len(b))
	}
	p := b[MatchHeaderLen:length]
	var o OXM
	for off := 0; off < len(p); {
		n, err := o.Decode(p[off:])
		if err != nil {
			*m = Match{}
			return 0, fmt.Errorf("openflow: match: at offset %d: %w", MatchHeaderLen+off, err)
		}
		off += n
		bit := fieldBit(o.field)
		if m.present&bit != 0 {
			*m = Match{}
			return 0, fmt.Errorf("openflow: match: %w: %v", ErrDuplicateField, o.field)
		}
		// o is checked and canonical, and the field is still zero in m.
		if o.masked && o.mask == ([16]byte{}) {
			continue // an all-zero mask (over a zero value) matches anything
		}
		m.present |= bit
		if o.masked {
			m.masked |= bit
		}
		m.put(&o)
	}
	return padded, nil
}

// UnmarshalBinary decodes a match that fills b exactly, padding included.
func (m *Match) UnmarshalBinary(b []byte) error {
	n, err := m.Decode(b)
	if err != nil {
		return err
	}
	if n != len(b) {
		*m = Match{}
		return fmt.Errorf("openflow: match: %d trailing bytes", len(b)-n)
	}
	return nil
}

// Ethernet types and IP protocols the prerequisites name.
const (
	EthTypeIPv4      uint16 = 0x0800 // IPv4
	EthTypeARP       uint16 = 0x0806 // ARP
	EthTypeRARP      uint16 = 0x8035 // reverse ARP
	EthTypeIPv6      uint16 = 0x86dd // IPv6
	EthTypeMPLS      uint16 = 0x8847 // MPLS unicast
	EthTypeMPLSMcast uint16 = 0x8848 // MPLS multicast
	EthTypePBB       uint16 = 0x88e7 // 802.1ah provider backbone bridging

	IPProtoICMP   uint8 = 1   // ICMP
	IPProtoTCP    uint8 = 6   // TCP
	IPProtoUDP    uint8 = 17  // UDP
	IPProtoICMPv6 uint8 = 58  // ICMPv6
	IPProtoSCTP   uint8 = 132 // SCTP
)

func (m *Match) ethTypeIs(types ...uint16) bool {
	if !m.Has(FieldEthType) {
		return false
	}
	for _, t := range types {
		if m.ethType == t {
			return true
		}
	}
	return false
}

func (m *Match) ipProtoIs(p uint8) bool { return m.Has(FieldIPProto) && m.ipProto == p }

func (m *Match) icmpv6TypeIs(types ...uint8) bool {
	if !m.Has(FieldICMPv6Type) {
		return false
	}
	for _, t := range types {
		if m.icmpv6Type == t {
			return true
		}
	}
	return false
}

// checkPrereq checks the prerequisites of field f, which the match has
// (OpenFlow 1.3 section 7.2.3.6, plus those of the Nicira and ONF fields).
// A prerequisite's own prerequisites are checked when that field is.
func (m *Match) checkPrereq(f Field) error {
	need := ""
	switch f {
	case FieldInPhyPort:
		if !m.Has(FieldInPort) {
			need = "in_port"
		}
	case FieldVLANPCP:
		if !m.Has(FieldVLANVID) || m.vlanVID&VLANPresent == 0 ||
			(m.IsMasked(FieldVLANVID) && m.vlanVIDMask&VLANPresent == 0) {
			need = "vlan_vid with OFPVID_PRESENT"
		}
	case FieldIPDSCP, FieldIPECN, FieldIPProto:
		if !m.ethTypeIs(EthTypeIPv4, EthTypeIPv6) {
			need = "eth_type 0x0800 or 0x86dd"
		}
	case FieldIPv4Src, FieldIPv4Dst:
		if !m.ethTypeIs(EthTypeIPv4) {
			need = "eth_type 0x0800"
		}
	case FieldTCPSrc, FieldTCPDst, FieldTCPFlags:
		if !m.ipProtoIs(IPProtoTCP) {
			need = "ip_proto 6"
		}
	case FieldUDPSrc, FieldUDPDst:
		if !m.ipProtoIs(IPProtoUDP) {
			need = "ip_proto 17"
		}
	case FieldSCTPSrc, FieldSCTPDst:
		if !m.ipProtoIs(IPProtoSCTP) {
			need = "ip_proto 132"
		}
	case FieldICMPv4Type, FieldICMPv4Code:
		if !m.ipProtoIs(IPProtoICMP) {
			need = "ip_proto 1"
		} else if !m.ethTypeIs(EthTypeIPv4) {
			need = "eth_type 0x0800"
		}
	case FieldARPOp, FieldARPSPA, FieldARPTPA, FieldARPSHA, FieldARPTHA:
		if !m.ethTypeIs(EthTypeARP) {
			need = "eth_type 0x0806"
		}
	case FieldIPv6Src, FieldIPv6Dst, FieldIPv6FLabel, FieldIPv6Exthdr:
		if !m.ethTypeIs(EthTypeIPv6) {
			need = "eth_type 0x86dd"
		}
	case FieldICMPv6Type, FieldICMPv6Code:
		if !m.ipProtoIs(IPProtoICMPv6) {
			need = "ip_proto 58"
		} else if !m.ethTypeIs(EthTypeIPv6) {
			need = "eth_type 0x86dd"
		}
	case FieldIPv6NDTarget:
		if !m.icmpv6TypeIs(135, 136) {
			need = "icmpv6_type 135 or 136"
		}
	case FieldIPv6NDSLL:
		if !m.icmpv6TypeIs(135) {
			need = "icmpv6_type 135"
		}
	case FieldIPv6NDTLL:
		if !m.icmpv6TypeIs(136) {
			need = "icmpv6_type 136"
		}
	case FieldMPLSLabel, FieldMPLSTC, FieldMPLSBOS:
		if !m.ethTypeIs(EthTypeMPLS, EthTypeMPLSMcast) {
			need = "eth_type 0x8847 or 0x8848"
		}
	case FieldPBBISID:
		if !m.ethTypeIs(EthTypePBB) {
			need = "eth_type 0x88e7"
		}
	}
	if need != "" {
		return &PrerequisiteError{Field: f, Need: need}
	}
	return nil
}

// Validate reports the first problem AppendBinary would report, without
// encoding.
func (m *Match) Validate() error {
	for p := m.present; p != 0; p &= p - 1 {
		f := Field(bits.TrailingZeros64(p))
		o := m.get(f)
		if err := o.check(); err != nil {
			return fmt.Errorf("openflow: match: %w", err)
		}
		if err := m.checkPrereq(f); err != nil {
			return err
		}
	}
	return nil
}

var allOnes16 = netip.AddrFrom16([16]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})

// SetInPort matches in_port, the switch input port.
func (m *Match) SetInPort(v uint32) { m.Set(InPort(v)) }

// InPort returns the matched in_port and whether the match has it.
func (m *Match) InPort() (uint32, bool) { return m.inPort, m.Has(FieldInPort) }

// SetInPhyPort matches in_phy_port, the physical input port (needs in_port).
func (m *Match) SetInPhyPort(v uint32) { m.Set(InPhyPort(v)) }

// InPhyPort returns the matched in_phy_port and whether the match has it.
func (m *Match) InPhyPort() (uint32, bool) { return m.inPhyPort, m.Has(FieldInPhyPort) }

// SetMetadata matches metadata, the value passed between tables.
func (m *Match) SetMetadata(v uint64) { m.Set(Metadata(v)) }

// SetMetadataMasked matches the bits of metadata set in mask; v may have no bit outside mask.
func (m *Match) SetMetadataMasked(v, mask uint64) { m.Set(Masked(Metadata(v), Metadata(mask))) }

// Metadata returns the matched metadata and whether the match has it.
func (m *Match) Metadata() (uint64, bool) { return m.metadata, m.Has(FieldMetadata) }

// MetadataMask returns the metadata mask and whether the field is masked; an exact or absent field gives all ones and false.
func (m *Match) MetadataMask() (uint64, bool) {
	if m.IsMasked(FieldMetadata) {
		return m.metadataMask, true
	}
	return ^uint64(0), false
}

// SetEthDst matches eth_dst, the Ethernet destination.
func (m *Match) SetEthDst(v MAC) { m.Set(EthDst(v)) }

// SetEthDstMasked matches the bits of eth_dst set in mask; v may have no bit outside mask.
func (m *Match) SetEthDstMasked(v, mask MAC) { m.Set(Masked(EthDst(v), EthDst(mask))) }

// EthDst returns the matched eth_dst and whether the match has it.
func (m *Match) EthDst() (MAC, bool) { return m.ethDst, m.Has(FieldEthDst) }

// EthDstMask returns the eth_dst mask and whether the field is masked; an exact or absent field gives all ones and false.
func (m *Match) EthDstMask() (MAC, bool) {
	if m.IsMasked(FieldEthDst) {
		return m.ethDstMask, true
	}
	return MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, false
}

// SetEthSrc matches eth_src, the Ethernet source.
func (m *Match) SetEthSrc(v MAC) { m.Set(EthSrc(v)) }

// SetEthSrcMasked matches the bits of eth_src set in mask; v may have no bit outside mask.
func (m *Match) SetEthSrcMasked(v, mask MAC) { m.Set(Masked(EthSrc(v), EthSrc(mask))) }

// EthSrc returns the matched eth_src and whether the match has it.
func (m *Match) EthSrc() (MAC, bool) { return m.ethSrc, m.Has(FieldEthSrc) }

// EthSrcMask returns the eth_src mask and whether the field is masked; an exact or absent field gives all ones and false.
func (m *Match) EthSrcMask() (MAC, bool) {
	if m.IsMasked(FieldEthSrc) {
		return m.ethSrcMask, true
	}
	return MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, false
}

// SetEthType matches eth_type, the Ethernet type after VLAN tags.
func (m *Match) SetEthType(v uint16) { m.Set(EthType(v)) }

// EthType returns the matched eth_type and whether the match has it.
func (m *Match) EthType() (uint16, bool) { return m.ethType, m.Has(FieldEthType) }

// SetVLANPCP matches vlan_pcp, the VLAN priority (needs a VLAN tag).
func (m *Match) SetVLANPCP(v uint8) { m.Set(VLANPCP(v)) }

// VLANPCP returns the matched vlan_pcp and whether the match has it.
func (m *Match) VLANPCP() (uint8, bool) { return m.vlanPCP, m.Has(FieldVLANPCP) }

// SetIPDSCP matches ip_dscp, the six DSCP bits of the IP ToS (needs IPv4 or IPv6).
func (m *Match) SetIPDSCP(v uint8) { m.Set(IPDSCP(v)) }

// IPDSCP returns the matched ip_dscp and whether the match has it.
func (m *Match) IPDSCP() (uint8, bool) { return m.ipDSCP, m.Has(FieldIPDSCP) }

// SetIPECN matches ip_ecn, the two ECN bits of the IP ToS (needs IPv4 or IPv6).
func (m *Match) SetIPECN(v uint8) { m.Set(IPECN(v)) }

// IPECN returns the matched ip_ecn and whether the match has it.
func (m *Match) IPECN() (uint8, bool) { return m.ipECN, m.Has(FieldIPECN) }

// SetIPProto matches ip_proto, the IP protocol (needs IPv4 or IPv6).
func (m *Match) SetIPProto(v uint8) { m.Set(IPProto(v)) }

// IPProto returns the matched ip_proto and whether the match has it.
func (m *Match) IPProto() (uint8, bool) { return m.ipProto, m.Has(FieldIPProto) }

// SetIPv4Src matches ipv4_src (needs eth_type 0x0800).
func (m *Match) SetIPv4Src(v netip.Addr) { m.Set(IPv4Src(v)) }

// SetIPv4SrcMasked matches the bits of ipv4_src set in mask; v may have no bit outside mask.
func (m *Match) SetIPv4SrcMasked(v, mask netip.Addr) { m.Set(Masked(IPv4Src(v), IPv4Src(mask))) }

// IPv4Src returns the matched ipv4_src and whether the match has it.
func (m *Match) IPv4Src() (netip.Addr, bool) { return m.ipv4Src, m.Has(FieldIPv4Src) }

// IPv4SrcMask returns the ipv4_src mask and whether the field is masked; an exact or absent field gives all ones and false.
func (m *Match) IPv4SrcMask() (netip.Addr, bool) {
	if m.IsMasked(FieldIPv4Src) {
		return m.ipv4SrcMask, true
	}
	return netip.AddrFrom4([4]byte{0xff, 0xff, 0xff, 0xff}), false
}

// SetIPv4Dst matches ipv4_dst (needs eth_type 0x0800).
func (m *Match) SetIPv4Dst(v netip.Addr) { m.Set(IPv4Dst(v)) }

// SetIPv4DstMasked matches the bits of ipv4_dst set in mask; v may have no bit outside mask.
func (m *Match) SetIPv4DstMasked(v, mask netip.Addr) { m.Set(Masked(IPv4Dst(v), IPv4Dst(mask))) }

// IPv4Dst returns the matched ipv4_dst and whether the match has it.
func (m *Match) IPv4Dst() (netip.Addr, bool) { return m.ipv4Dst, m.Has(FieldIPv4Dst) }

// IPv4DstMask returns the ipv4_dst mask and whether the field is masked; an exact or absent field gives all ones and false.
func (m *Match) IPv4DstMask() (netip.Addr, bool) {
	if m.IsMasked(FieldIPv4Dst) {
		return m.ipv4DstMask, true
	}
	return netip.AddrFrom4([4]byte{0xff, 0xff, 0xff, 0xff}), false
}

// SetTCPSrc matches tcp_src (needs ip_proto 6).
func (m *Match) SetTCPSrc(v uint16) { m.Set(TCPSrc(v)) }

// TCPSrc returns the matched tcp_src and whether the match has it.
func (m *Match) TCPSrc() (uint16, bool) { return m.tcpSrc, m.Has(FieldTCPSrc) }

// SetTCPDst matches tcp_dst (needs ip_proto 6).
func (m *Match) SetTCPDst(v uint16) { m.Set(TCPDst(v)) }

// TCPDst returns the matched tcp_dst and whether the match has it.
func (m *Match) TCPDst() (uint16, bool) { return m.tcpDst, m.Has(FieldTCPDst) }

// SetUDPSrc matches udp_src (needs ip_proto 17).
func (m *Match) SetUDPSrc(v uint16) { m.Set(UDPSrc(v)) }

// UDPSrc returns the matched udp_src and whether the match has it.
func (m *Match) UDPSrc() (uint16, bool) { return m.udpSrc, m.Has(FieldUDPSrc) }

// SetUDPDst matches udp_dst (needs ip_proto 17).
func (m *Match) SetUDPDst(v uint16) { m.Set(UDPDst(v)) }

// UDPDst returns the matched udp_dst and whether the match has it.
func (m *Match) UDPDst() (uint16, bool) { return m.udpDst, m.Has(FieldUDPDst) }

// SetSCTPSrc matches sctp_src (needs ip_proto 132).
func (m *Match) SetSCTPSrc(v uint16) { m.Set(SCTPSrc(v)) }

// SCTPSrc returns the matched sctp_src and whether the match has it.
func (m *Match) SCTPSrc() (uint16, bool) { return m.sctpSrc, m.Has(FieldSCTPSrc) }

// SetSCTPDst matches sctp_dst (needs ip_proto 132).
func (m *Match) SetSCTPDst(v uint16) { m.Set(SCTPDst(v)) }

// SCTPDst returns the matched sctp_dst and whether the match has it.
func (m *Match) SCTPDst() (uint16, bool) { return m.sctpDst, m.Has(FieldSCTPDst) }

// SetICMPv4Type matches icmpv4_type (needs ip_proto 1).
func (m *Match) SetICMPv4Type(v uint8) { m.Set(ICMPv4Type(v)) }

// ICMPv4Type returns the matched icmpv4_type and whether the match has it.
func (m *Match) ICMPv4Type() (uint8, bool) { return m.icmpv4Type, m.Has(FieldICMPv4Type) }

// SetICMPv4Code matches icmpv4_code (needs ip_proto 1).
func (m *Match) SetICMPv4Code(v uint8) { m.Set(ICMPv4Code(v)) }

// ICMPv4Code returns the matched icmpv4_code and whether the match has it.
func (m *Match) ICMPv4Code() (uint8, bool) { return m.icmpv4Code, m.Has(FieldICMPv4Code) }

// SetARPOp matches arp_op (needs eth_type 0x0806).
func (m *Match) SetARPOp(v uint16) { m.Set(ARPOp(v)) }

// ARPOp returns the matched arp_op and whether the match has it.
func (m *Match) ARPOp() (uint16, bool) { return m.arpOp, m.Has(FieldARPOp) }

// SetARPSPA matches arp_spa, the ARP sender address (needs eth_type 0x0806).
func (m *Match) SetARPSPA(v netip.Addr) { m.Set(ARPSPA(v)) }

// SetARPSPAMasked matches the bits of arp_spa set in mask; v may have no bit outside mask.
func (m *Match) SetARPSPAMasked(v, mask netip.Addr) { m.Set(Masked(ARPSPA(v), ARPSPA(mask))) }

// ARPSPA returns the matched arp_spa and whether the match has it.
func (m *Match) ARPSPA() (netip.Addr, bool) { return m.arpSPA, m.Has(FieldARPSPA) }

// ARPSPAMask returns the arp_spa mask and whether the field is masked; an exact or absent field gives all ones and false.
func (m *Match) ARPSPAMask() (netip.Addr, bool) {
	if m.IsMasked(FieldARPSPA) {
		return m.arpSPAMask, true
	}
	return netip.AddrFrom4([4]byte{0xff, 0xff, 0xff, 0xff}), false
}

// SetARPTPA matches arp_tpa, the ARP target address (needs eth_type 0x0806).
func (m *Match) SetARPTPA(v netip.Addr) { m.Set(ARPTPA(v)) }

// SetARPTPAMasked matches the bits of arp_tpa set in mask; v may have no bit outside mask.
func (m *Match) SetARPTPAMasked(v, mask netip.Addr) { m.Set(Masked(ARPTPA(v), ARPTPA(mask))) }

// ARPTPA returns the matched arp_tpa and whether the match has it.
func (m *Match) ARPTPA() (netip.Addr, bool) { return m.arpTPA, m.Has(FieldARPTPA) }

// ARPTPAMask returns the arp_tpa mask and whether the field is masked; an exact or absent field gives all ones and false.
func (m *Match) ARPTPAMask() (netip.Addr, bool) {
	if m.IsMasked(FieldARPTPA) {
		return m.arpTPAMask, true
	}
	return netip.AddrFrom4([4]byte{0xff, 0xff, 0xff, 0xff}), false
}

// SetARPSHA matches arp_sha, the ARP sender hardware address (needs eth_type 0x0806).
func (m *Match) SetARPSHA(v MAC) { m.Set(ARPSHA(v)) }

// SetARPSHAMasked matches the bits of arp_sha set in mask; v may have no bit outside mask.
func (m *Match) SetARPSHAMasked(v, mask MAC) { m.Set(Masked(ARPSHA(v), ARPSHA(mask))) }

// ARPSHA returns the matched arp_sha and whether the match has it.
func (m *Match) ARPSHA() (MAC, bool) { return m.arpSHA, m.Has(FieldARPSHA) }

// ARPSHAMask returns the arp_sha mask and whether the field is masked; an exact or absent field gives all ones and false.
func (m *Match) ARPSHAMask() (MAC, bool) {
	if m.IsMasked(FieldARPSHA) {
		return m.arpSHAMask, true
	}
	return MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, false
}

// SetARPTHA matches arp_tha, the ARP target hardware address (needs eth_type 0x0806).
func (m *Match) SetARPTHA(v MAC) { m.Set(ARPTHA(v)) }

// SetARPTHAMasked matches the bits of arp_tha set in mask; v may have no bit outside mask.
func (m *Match) SetARPTHAMasked(v, mask MAC) { m.Set(Masked(ARPTHA(v), ARPTHA(mask))) }

// ARPTHA returns the matched arp_tha and whether the match has it.
func (m *Match) ARPTHA() (MAC, bool) { return m.arpTHA, m.Has(FieldARPTHA) }

// ARPTHAMask returns the arp_tha mask and whether the field is masked; an exact or absent field gives all ones and false.
func (m *Match) ARPTHAMask() (MAC, bool) {
	if m.IsMasked(FieldARPTHA) {
		return m.arpTHAMask, true
	}
	return MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, false
}

// SetIPv6Src matches ipv6_src (needs eth_type 0x86dd).
func (m *Match) SetIPv6Src(v netip.Addr) { m.Set(IPv6Src(v)) }

// SetIPv6SrcMasked matches the bits of ipv6_src set in mask; v may have no bit outside mask.
func (m *Match) SetIPv6SrcMasked(v, mask netip.Addr) { m.Set(Masked(IPv6Src(v), IPv6Src(mask))) }

// IPv6Src returns the matched ipv6_src and whether the match has it.
func (m *Match) IPv6Src() (netip.Addr, bool) { return m.ipv6Src, m.Has(FieldIPv6Src) }

// IPv6SrcMask returns the ipv6_src mask and whether the field is masked; an exact or absent field gives all ones and false.
func (m *Match) IPv6SrcMask() (netip.Addr, bool) {
	if m.IsMasked(FieldIPv6Src) {
		return m.ipv6SrcMask, true
	}
	return allOnes16, false
}

// SetIPv6Dst matches ipv6_dst (needs eth_type 0x86dd).
func (m *Match) SetIPv6Dst(v netip.Addr) { m.Set(IPv6Dst(v)) }

// SetIPv6DstMasked matches the bits of ipv6_dst set in mask; v may have no bit outside mask.
func (m *Match) SetIPv6DstMasked(v, mask netip.Addr) { m.Set(Masked(IPv6Dst(v), IPv6Dst(mask))) }

// IPv6Dst returns the matched ipv6_dst and whether the match has it.
func (m *Match) IPv6Dst() (netip.Addr, bool) { return m.ipv6Dst, m.Has(FieldIPv6Dst) }

// IPv6DstMask returns the ipv6_dst mask and whether the field is masked; an exact or absent field gives all ones and false.
func (m *Match) IPv6DstMask() (netip.Addr, bool) {
	if m.IsMasked(FieldIPv6Dst) {
		return m.ipv6DstMask, true
	}
	return allOnes16, false
}

// SetIPv6FLabel matches ipv6_flabel, the 20-bit flow label (needs eth_type 0x86dd).
func (m *Match) SetIPv6FLabel(v uint32) { m.Set(IPv6FLabel(v)) }

// SetIPv6FLabelMasked matches the bits of ipv6_flabel set in mask; v may have no bit outside mask.
func (m *Match) SetIPv6FLabelMasked(v, mask uint32) { m.Set(Masked(IPv6FLabel(v), IPv6FLabel(mask))) }

// IPv6FLabel returns the matched ipv6_flabel and whether the match has it.
func (m *Match) IPv6FLabel() (uint32, bool) { return m.ipv6FLabel, m.Has(FieldIPv6FLabel) }

// IPv6FLabelMask returns the ipv6_flabel mask and whether the field is masked; an exact or absent field gives all ones and false.
func (m *Match) IPv6FLabelMask() (uint32, bool) {
	if m.IsMasked(FieldIPv6FLabel) {
		return m.ipv6FLMask, true
	}
	return 0xfffff, false
}

// SetICMPv6Type matches icmpv6_type (needs ip_proto 58).
func (m *Match) SetICMPv6Type(v uint8) { m.Set(ICMPv6Type(v)) }

// ICMPv6Type returns the matched icmpv6_type and whether the match has it.
func (m *Match) ICMPv6Type() (uint8, bool) { return m.icmpv6Type, m.Has(FieldICMPv6Type) }

// SetICMPv6Code matches icmpv6_code (needs ip_proto 58).
func (m *Match) SetICMPv6Code(v uint8) { m.Set(ICMPv6Code(v)) }

// ICMPv6Code returns the matched icmpv6_code and whether the match has it.
func (m *Match) ICMPv6Code() (uint8, bool) { return m.icmpv6Code, m.Has(FieldICMPv6Code) }

// SetIPv6NDTarget matches ipv6_nd_target (needs icmpv6_type 135 or 136).
func (m *Match) SetIPv6NDTarget(v netip.Addr) { m.Set(IPv6NDTarget(v)) }

// IPv6NDTarget returns the matched ipv6_nd_target and whether the match has it.
func (m *Match) IPv6NDTarget() (netip.Addr, bool) { return m.ndTarget, m.Has(FieldIPv6NDTarget) }

// SetIPv6NDSLL matches ipv6_nd_sll (needs icmpv6_type 135).
func (m *Match) SetIPv6NDSLL(v MAC) { m.Set(IPv6NDSLL(v)) }

// IPv6NDSLL returns the matched ipv6_nd_sll and whether the match has it.
func (m *Match) IPv6NDSLL() (MAC, bool) { return m.ndSLL, m.Has(FieldIPv6NDSLL) }

// SetIPv6NDTLL matches ipv6_nd_tll (needs icmpv6_type 136).
func (m *Match) SetIPv6NDTLL(v MAC) { m.Set(IPv6NDTLL(v)) }

// IPv6NDTLL returns the matched ipv6_nd_tll and whether the match has it.
func (m *Match) IPv6NDTLL() (MAC, bool) { return m.ndTLL, m.Has(FieldIPv6NDTLL) }

// SetMPLSLabel matches mpls_label, 20 bits (needs eth_type 0x8847 or 0x8848).
func (m *Match) SetMPLSLabel(v uint32) { m.Set(MPLSLabel(v)) }

// MPLSLabel returns the matched mpls_label and whether the match has it.
func (m *Match) MPLSLabel() (uint32, bool) { return m.mplsLabel, m.Has(FieldMPLSLabel) }

// SetMPLSTC matches mpls_tc, 3 bits (needs eth_type 0x8847 or 0x8848).
func (m *Match) SetMPLSTC(v uint8) { m.Set(MPLSTC(v)) }

// MPLSTC returns the matched mpls_tc and whether the match has it.
func (m *Match) MPLSTC() (uint8, bool) { return m.mplsTC, m.Has(FieldMPLSTC) }

// SetMPLSBOS matches mpls_bos, 1 bit (needs eth_type 0x8847 or 0x8848).
func (m *Match) SetMPLSBOS(v uint8) { m.Set(MPLSBOS(v)) }

// MPLSBOS returns the matched mpls_bos and whether the match has it.
func (m *Match) MPLSBOS() (uint8, bool) { return m.mplsBOS, m.Has(FieldMPLSBOS) }

// SetPBBISID matches pbb_isid, 24 bits (needs eth_type 0x88e7).
func (m *Match) SetPBBISID(v uint32) { m.Set(PBBISID(v)) }

// SetPBBISIDMasked matches the bits of pbb_isid set in mask; v may have no bit outside mask.
func (m *Match) SetPBBISIDMasked(v, mask uint32) { m.Set(Masked(PBBISID(v), PBBISID(mask))) }

// PBBISID returns the matched pbb_isid and whether the match has it.
func (m *Match) PBBISID() (uint32, bool) { return m.pbbISID, m.Has(FieldPBBISID) }

// PBBISIDMask returns the pbb_isid mask and whether the field is masked; an exact or absent field gives all ones and false.
func (m *Match) PBBISIDMask() (uint32, bool) {
	if m.IsMasked(FieldPBBISID) {
		return m.pbbISIDMask, true
	}
	return 0xffffff, false
}

// SetTunnelID matches tunnel_id, the logical port's tunnel metadata.
func (m *Match) SetTunnelID(v uint64) { m.Set(TunnelID(v)) }

// SetTunnelIDMasked matches the bits of tunnel_id set in mask; v may have no bit outside mask.
func (m *Match) SetTunnelIDMasked(v, mask uint64) { m.Set(Masked(TunnelID(v), TunnelID(mask))) }

// TunnelID returns the matched tunnel_id and whether the match has it.
func (m *Match) TunnelID() (uint64, bool) { return m.tunnelID, m.Has(FieldTunnelID) }

// TunnelIDMask returns the tunnel_id mask and whether the field is masked; an exact or absent field gives all ones and false.
func (m *Match) TunnelIDMask() (uint64, bool) {
	if m.IsMasked(FieldTunnelID) {
		return m.tunnelIDMask, true
	}
	return ^uint64(0), false
}

// SetIPv6Exthdr matches ipv6_exthdr, the 9 OFPIEH_* flags (needs eth_type 0x86dd).
func (m *Match) SetIPv6Exthdr(v uint16) { m.Set(IPv6Exthdr(v)) }

// SetIPv6ExthdrMasked matches the bits of ipv6_exthdr set in mask; v may have no bit outside mask.
func (m *Match) SetIPv6ExthdrMasked(v, mask uint16) { m.Set(Masked(IPv6Exthdr(v), IPv6Exthdr(mask))) }

// IPv6Exthdr returns the matched ipv6_exthdr and whether the match has it.
func (m *Match) IPv6Exthdr() (uint16, bool) { return m.ipv6Exthdr, m.Has(FieldIPv6Exthdr) }

// IPv6ExthdrMask returns the ipv6_exthdr mask and whether the field is masked; an exact or absent field gives all ones and false.
func (m *Match) IPv6ExthdrMask() (uint16, bool) {
	if m.IsMasked(FieldIPv6Exthdr) {
		return m.ipv6ExthMask, true
	}
	return 0x1ff, false
}

// SetVLANVID matches packets tagged with VLAN id vid (0 to 4095): the
// field's value is vid|VLANPresent.
func (m *Match) SetVLANVID(vid uint16) { m.Set(VLANVID(vid)) }

// SetVLANNone matches packets without an 802.1Q tag (OFPVID_NONE).
func (m *Match) SetVLANNone() { m.Set(uintOXM(FieldVLANVID, uint64(VLANNone))) }

// SetVLANAnyTag matches packets with any 802.1Q tag (OFPVID_PRESENT with
// mask OFPVID_PRESENT).
func (m *Match) SetVLANAnyTag() {
	m.Set(Masked(uintOXM(FieldVLANVID, uint64(VLANPresent)), uintOXM(FieldVLANVID, uint64(VLANPresent))))
}

// SetVLANVIDMasked matches the raw 13-bit vlan_vid field (VID plus
// VLANPresent) under mask.
func (m *Match) SetVLANVIDMasked(v, mask uint16) {
	m.Set(Masked(uintOXM(FieldVLANVID, uint64(v)), uintOXM(FieldVLANVID, uint64(mask))))
}

// VLANVID returns the raw vlan_vid value (the VID in the low 12 bits,
// VLANPresent when a tag is required) and whether the match has it.
func (m *Match) VLANVID() (uint16, bool) { return m.vlanVID, m.Has(FieldVLANVID) }

// VLANVIDMask returns the vlan_vid mask and whether the field is masked;
// an exact or absent field gives 0x1fff and false.
func (m *Match) VLANVIDMask() (uint16, bool) {
	if m.IsMasked(FieldVLANVID) {
		return m.vlanVIDMask, true
	}
	return 0x1fff, false
}

// prefixOXM turns a prefix into a masked OXM of an address field built by
// ctor; an invalid prefix gives a bad OXM.
func prefixOXM(ctor func(netip.Addr) OXM, p netip.Prefix) OXM {
	if !p.IsValid() {
		o := ctor(netip.Addr{})
		o.bad = true
		return o
	}
	a := p.Addr()
	n := 32
	if a.Is6() && !a.Is4In6() {
		n = 128
	}
	bitsOn := p.Bits()
	if a.Is4In6() {
		bitsOn -= 96
	}
	var mb [16]byte
	for i := 0; i < bitsOn && i < n; i++ {
		mb[i/8] |= 0x80 >> (i % 8)
	}
	var mask netip.Addr
	if n == 32 {
		mask = netip.AddrFrom4([4]byte(mb[:4]))
	} else {
		mask = netip.AddrFrom16(mb)
	}
	return Masked(ctor(p.Masked().Addr()), ctor(mask))
}

// SetIPv4SrcPrefix matches ipv4_src in prefix p (10.0.0.0/8); /32 is an
// exact match and /0 no match on the field.
func (m *Match) SetIPv4SrcPrefix(p netip.Prefix) { m.Set(prefixOXM(IPv4Src, p)) }

// SetIPv4DstPrefix matches ipv4_dst in prefix p.
func (m *Match) SetIPv4DstPrefix(p netip.Prefix) { m.Set(prefixOXM(IPv4Dst, p)) }

// SetIPv6SrcPrefix matches ipv6_src in prefix p.
func (m *Match) SetIPv6SrcPrefix(p netip.Prefix) { m.Set(prefixOXM(IPv6Src, p)) }

// SetIPv6DstPrefix matches ipv6_dst in prefix p.
func (m *Match) SetIPv6DstPrefix(p netip.Prefix) { m.Set(prefixOXM(IPv6Dst, p)) }

// String prints the match the way ovs-ofctl prints a flow's match
// (dump-flows, ofp-print): Open vSwitch's shorthands and names ("tcp",
// "nw_src", "tp_dst", "dl_vlan", "ct_state=+trk+est") in its order, so
// that it can be compared with what ovs-ofctl prints for the same bytes.
// Fields that Open vSwitch does not print that way (in_phy_port, pbb_isid,
// ipv6_exthdr, or a field whose prerequisite is missing) follow at the end
// as OXM name=value. The empty match prints as "".
func (m *Match) String() string {
	return string(m.AppendText(nil))
}

// AppendText appends the text of [Match.String] to b.
func (m *Match) AppendText(b []byte) []byte {
	p := matchPrinter{m: m, b: b, start: len(b)}
	p.print()
	return p.b
}

type matchPrinter struct {
	m     *Match
	b     []byte
	start int
	done  uint64
}

// key starts an item "name=" and marks the fields it prints as done.
func (p *matchPrinter) key(name string, fs ...Field) {
	if len(p.b) > p.start {
		p.b = append(p.b, ',')
	}
	p.b = append(p.b, name...)
	p.b = append(p.b, '=')
	for _, f := range fs {
		p.done |= fieldBit(f)
	}
}

// word appends a shorthand such as "tcp".
func (p *matchPrinter) word(w string) {
	if len(p.b) > p.start {
		p.b = append(p.b, ',')
	}
	p.b = append(p.b, w...)
}

// cHex appends v as C's %#x does: "0" for zero, else 0x and hex digits.
func cHex(b []byte, v uint64) []byte {
	if v == 0 {
		return append(b, '0')
	}
	return strconv.AppendUint(append(b, "0x"...), v, 16)
}

func hexPad(b []byte, v uint64, width int) []byte {
	b = append(b, "0x"...)
	s := strconv.FormatUint(v, 16)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// hexField prints a 32- or 64-bit field as Open vSwitch's
// format_uint32_masked and format_be64_masked do.
func (p *matchPrinter) hexField(name string, f Field) {
	if !p.m.Has(f) {
		return
	}
	p.key(name, f)
	o := p.m.get(f)
	v, mask := o.Uint()
	p.b = cHex(p.b, v)
	if o.masked {
		p.b = cHex(append(p.b, '/'), mask)
	}
}

func (p *matchPrinter) decField(name string, f Field, v uint64) {
	if !p.m.Has(f) {
		return
	}
	p.key(name, f)
	p.b = strconv.AppendUint(p.b, v, 10)
}

func (p *matchPrinter) macField(name string, f Field) {
	if !p.m.Has(f) {
		return
	}
	p.key(name, f)
	o := p.m.get(f)
	v, mask := o.MAC()
	p.b = append(p.b, v.String()...)
	if o.masked {
		p.b = append(append(p.b, '/'), mask.String()...)
	}
}

func (p *matchPrinter) addrField(name string, f Field) {
	if !p.m.Has(f) {
		return
	}
	o := p.m.get(f)
	if o.bad {
		return // printed with the leftovers
	}
	p.key(name, f)
	v, mask := o.Addr()
	p.b = v.AppendTo(p.b)
	if o.masked {
		p.b = append(p.b, '/')
		if n, ok := prefixLen(mask); ok {
			p.b = strconv.AppendInt(p.b, int64(n), 10)
		} else {
			p.b = mask.AppendTo(p.b)
		}
	}
}

// prefixLen returns the prefix length of a contiguous netmask.
func prefixLen(mask netip.Addr) (int, bool) {
	s := mask.AsSlice()
	n := 0
	for i, c := range s {
		if c == 0xff {
			n += 8
			continue
		}
		ones := bits.LeadingZeros8(^c)
		if c != ^uint8(0xff>>ones) {
			return 0, false
		}
		n += ones
		for _, rest := range s[i+1:] {
			if rest != 0 {
				return 0, false
			}
		}
		break
	}
	return n, true
}

func (p *matchPrinter) print() {
	m := p.m
	if m.Has(FieldCTState) {
		p.key("ct_state", FieldCTState)
		p.b = appendFlags(p.b, uint32(m.ctState), uint32(m.ctStateMask), m.IsMasked(FieldCTState), ctStateBits, ctStateName)
	}
	p.decField("ct_zone", FieldCTZone, uint64(m.ctZone))
	p.hexField("ct_mark", FieldCTMark)

	et, hasET := m.ethType, m.Has(FieldEthType)
	proto, hasProto := m.ipProto, m.Has(FieldIPProto)
	skipType, skipProto := false, false
	if hasET {
		skipType = true
		short := ""
		switch et {
		case EthTypeIPv4, EthTypeIPv6:
			v6 := et == EthTypeIPv6
			short = "ip"
			if v6 {
				short = "ipv6"
			}
			if hasProto {
				skipProto = true
				switch {
				case proto == IPProtoICMP && !v6:
					short = "icmp"
				case proto == IPProtoICMPv6 && v6:
					short = "icmp6"
				case proto == IPProtoTCP:
					short = "tcp"
				case proto == IPProtoUDP:
					short = "udp"
				case proto == IPProtoSCTP:
					short = "sctp"
				default:
					skipProto = false
				}
				if skipProto && v6 && proto != IPProtoICMPv6 {
					short += "6"
				}
			}
		case EthTypeARP:
			short = "arp"
		case EthTypeRARP:
			short = "rarp"
		case EthTypeMPLS:
			short = "mpls"
		case EthTypeMPLSMcast:
			short = "mplsm"
		default:
			skipType = false
		}
		if skipType {
			p.word(short)
			p.done |= fieldBit(FieldEthType)
			if skipProto {
				p.done |= fieldBit(FieldIPProto)
			}
		}
	}
	for i := range 8 {
		p.hexField(fields[FieldReg0+Field(i)].name, FieldReg0+Field(i))
	}
	p.hexField("tun_id", FieldTunnelID)
	p.hexField("metadata", FieldMetadata)
	if m.Has(FieldInPort) {
		p.key("in_port", FieldInPort)
		p.b = append(p.b, PortNoString(m.inPort)...)
	}
	p.printVLAN()
	p.macField("dl_src", FieldEthSrc)
	p.macField("dl_dst", FieldEthDst)
	if hasET && !skipType {
		p.key("dl_type", FieldEthType)
		p.b = hexPad(p.b, uint64(et), 4)
	}
	isARP := hasET && (et == EthTypeARP || et == EthTypeRARP)
	switch {
	case hasET && et == EthTypeIPv6:
		p.addrField("ipv6_src", FieldIPv6Src)
		p.addrField("ipv6_dst", FieldIPv6Dst)
		if m.Has(FieldIPv6FLabel) {
			p.key("ipv6_label", FieldIPv6FLabel)
			p.b = hexPad(p.b, uint64(m.ipv6FLabel), 5)
			if m.IsMasked(FieldIPv6FLabel) {
				p.b = hexPad(append(p.b, '/'), uint64(m.ipv6FLMask), 5)
			}
		}
	case isARP:
		p.addrField("arp_spa", FieldARPSPA)
		p.addrField("arp_tpa", FieldARPTPA)
	default:
		p.addrField("nw_src", FieldIPv4Src)
		p.addrField("nw_dst", FieldIPv4Dst)
	}
	if isARP {
		p.decField("arp_op", FieldARPOp, uint64(m.arpOp))
	} else if hasProto && !skipProto {
		p.decField("nw_proto", FieldIPProto, uint64(proto))
	}
	if isARP {
		p.macField("arp_sha", FieldARPSHA)
		p.macField("arp_tha", FieldARPTHA)
	}
	p.decField("nw_tos", FieldIPDSCP, uint64(m.ipDSCP)<<2)
	p.decField("nw_ecn", FieldIPECN, uint64(m.ipECN))
	p.decField("mpls_label", FieldMPLSLabel, uint64(m.mplsLabel))
	p.decField("mpls_tc", FieldMPLSTC, uint64(m.mplsTC))
	p.decField("mpls_bos", FieldMPLSBOS, uint64(m.mplsBOS))
	switch {
	case hasET && et == EthTypeIPv4 && hasProto && proto == IPProtoICMP:
		p.decField("icmp_type", FieldICMPv4Type, uint64(m.icmpv4Type))
		p.decField("icmp_code", FieldICMPv4Code, uint64(m.icmpv4Code))
	case hasET && et == EthTypeIPv6 && hasProto && proto == IPProtoICMPv6:
		p.decField("icmp_type", FieldICMPv6Type, uint64(m.icmpv6Type))
		p.decField("icmp_code", FieldICMPv6Code, uint64(m.icmpv6Code))
		p.addrField("nd_target", FieldIPv6NDTarget)
		p.macField("nd_sll", FieldIPv6NDSLL)
		p.macField("nd_tll", FieldIPv6NDTLL)
	case hasProto && proto == IPProtoTCP:
		p.decField("tp_src", FieldTCPSrc, uint64(m.tcpSrc))
		p.decField("tp_dst", FieldTCPDst, uint64(m.tcpDst))
	case hasProto && proto == IPProtoUDP:
		p.decField("tp_src", FieldUDPSrc, uint64(m.udpSrc))
		p.decField("tp_dst", FieldUDPDst, uint64(m.udpDst))
	case hasProto && proto == IPProtoSCTP:
		p.decField("tp_src", FieldSCTPSrc, uint64(m.sctpSrc))
		p.decField("tp_dst", FieldSCTPDst, uint64(m.sctpDst))
	}
	if hasET && (et == EthTypeIPv4 || et == EthTypeIPv6) && hasProto && proto == IPProtoTCP && m.Has(FieldTCPFlags) {
		p.key("tcp_flags", FieldTCPFlags)
		p.b = appendFlags(p.b, uint32(m.tcpFlags), uint32(m.tcpFlagsMask), m.IsMasked(FieldTCPFlags), tcpFlagsValid, tcpFlagName)
	}
	for rest := m.present &^ p.done; rest != 0; rest &= rest - 1 {
		f := Field(bits.TrailingZeros64(rest))
		o := m.get(f)
		if len(p.b) > p.start {
			p.b = append(p.b, ',')
		}
		p.b = append(p.b, o.String()...)
	}
}

// printVLAN prints vlan_vid and vlan_pcp as Open vSwitch prints its
// vlan_tci: dl_vlan/dl_vlan_pcp when they are exact matches on a tagged
// packet, vlan_tci=value/mask otherwise.
func (p *matchPrinter) printVLAN() {
	m := p.m
	hasVID, hasPCP := m.Has(FieldVLANVID), m.Has(FieldVLANPCP)
	if !hasVID && !hasPCP {
		return
	}
	var tci, mask uint16
	if hasVID {
		mask = 0x1fff
		if m.IsMasked(FieldVLANVID) {
			mask = m.vlanVIDMask
		}
		tci = m.vlanVID & mask
		p.done |= fieldBit(FieldVLANVID)
	}
	if hasPCP {
		tci |= uint16(m.vlanPCP&7)<<13 | VLANPresent
		mask |= 0xe000 | VLANPresent
		p.done |= fieldBit(FieldVLANPCP)
	}
	vidMask, pcpMask := mask&0x0fff, mask&0xe000
	if mask&VLANPresent != 0 && tci&VLANPresent != 0 &&
		(vidMask == 0 || vidMask == 0x0fff) && (pcpMask == 0 || pcpMask == 0xe000) &&
		(vidMask != 0 || pcpMask != 0) {
		if vidMask != 0 {
			p.key("dl_vlan")
			p.b = strconv.AppendUint(p.b, uint64(tci&0x0fff), 10)
		}
		if pcpMask != 0 {
			p.key("dl_vlan_pcp")
			p.b = strconv.AppendUint(p.b, uint64(tci>>13), 10)
		}
		return
	}
	p.key("vlan_tci")
	p.b = hexPad(p.b, uint64(tci), 4)
	if mask != 0xffff {
		p.b = hexPad(append(p.b, '/'), uint64(mask), 4)
	}
}
