package openflow

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
)

// OXMClass is ofp_oxm_class, the upper 16 bits of an OXM header.
type OXMClass uint16

// OXM classes of OpenFlow 1.3.
const (
	// OXMClassNXM0 is OFPXMC_NXM_0: Nicira's original NXM fields.
	OXMClassNXM0 OXMClass = 0x0000
	// OXMClassNXM1 is OFPXMC_NXM_1: Nicira's NXM_NX_* fields (registers,
	// conntrack state, ...), usable as OXMs with Open vSwitch.
	OXMClassNXM1 OXMClass = 0x0001
	// OXMClassOpenFlowBasic is OFPXMC_OPENFLOW_BASIC: the fields of the
	// specification.
	OXMClassOpenFlowBasic OXMClass = 0x8000
	// OXMClassExperimenter is OFPXMC_EXPERIMENTER: a 32-bit experimenter id
	// follows the header and counts in its length.
	OXMClassExperimenter OXMClass = 0xffff
)

// String returns the spec name without its OFPXMC_ prefix ("NXM_1").
func (c OXMClass) String() string {
	switch c {
	case OXMClassNXM0:
		return "NXM_0"
	case OXMClassNXM1:
		return "NXM_1"
	case OXMClassOpenFlowBasic:
		return "OPENFLOW_BASIC"
	case OXMClassExperimenter:
		return "EXPERIMENTER"
	}
	return fmt.Sprintf("OXMClass(%#04x)", uint16(c))
}

// Field names one match field this package knows: the 40 OpenFlow 1.3
// basic fields in the order of their OXM field numbers, then the Nicira and
// ONF fields that Open vSwitch accepts in OpenFlow 1.3. The zero Field is
// invalid. Field is this package's own numbering: the wire class and field
// number are in its descriptor ([Field.Class], [Field.OXMField]).
type Field uint8

// Match fields. The comment gives the value's width and whether the
// specification lets the field be masked.
const (
	fieldNone         Field = iota
	FieldInPort             // in_port: 32 bits, switch input port
	FieldInPhyPort          // in_phy_port: 32 bits, physical input port; needs in_port
	FieldMetadata           // metadata: 64 bits, maskable, passed between tables
	FieldEthDst             // eth_dst: 48 bits, maskable
	FieldEthSrc             // eth_src: 48 bits, maskable
	FieldEthType            // eth_type: 16 bits
	FieldVLANVID            // vlan_vid: 13 bits (VID | OFPVID_PRESENT), maskable
	FieldVLANPCP            // vlan_pcp: 3 bits; needs a VLAN tag
	FieldIPDSCP             // ip_dscp: 6 bits; needs IPv4 or IPv6
	FieldIPECN              // ip_ecn: 2 bits; needs IPv4 or IPv6
	FieldIPProto            // ip_proto: 8 bits; needs IPv4 or IPv6
	FieldIPv4Src            // ipv4_src: maskable; needs eth_type 0x0800
	FieldIPv4Dst            // ipv4_dst: maskable; needs eth_type 0x0800
	FieldTCPSrc             // tcp_src: 16 bits; needs ip_proto 6
	FieldTCPDst             // tcp_dst: 16 bits; needs ip_proto 6
	FieldUDPSrc             // udp_src: 16 bits; needs ip_proto 17
	FieldUDPDst             // udp_dst: 16 bits; needs ip_proto 17
	FieldSCTPSrc            // sctp_src: 16 bits; needs ip_proto 132
	FieldSCTPDst            // sctp_dst: 16 bits; needs ip_proto 132
	FieldICMPv4Type         // icmpv4_type: 8 bits; needs ip_proto 1
	FieldICMPv4Code         // icmpv4_code: 8 bits; needs ip_proto 1
	FieldARPOp              // arp_op: 16 bits; needs eth_type 0x0806
	FieldARPSPA             // arp_spa: IPv4, maskable; needs eth_type 0x0806
	FieldARPTPA             // arp_tpa: IPv4, maskable; needs eth_type 0x0806
	FieldARPSHA             // arp_sha: 48 bits, maskable; needs eth_type 0x0806
	FieldARPTHA             // arp_tha: 48 bits, maskable; needs eth_type 0x0806
	FieldIPv6Src            // ipv6_src: maskable; needs eth_type 0x86dd
	FieldIPv6Dst            // ipv6_dst: maskable; needs eth_type 0x86dd
	FieldIPv6FLabel         // ipv6_flabel: 20 bits, maskable; needs eth_type 0x86dd
	FieldICMPv6Type         // icmpv6_type: 8 bits; needs ip_proto 58
	FieldICMPv6Code         // icmpv6_code: 8 bits; needs ip_proto 58
	FieldIPv6NDTarget       // ipv6_nd_target: IPv6; needs icmpv6_type 135 or 136
	FieldIPv6NDSLL          // ipv6_nd_sll: 48 bits; needs icmpv6_type 135
	FieldIPv6NDTLL          // ipv6_nd_tll: 48 bits; needs icmpv6_type 136
	FieldMPLSLabel          // mpls_label: 20 bits; needs eth_type 0x8847 or 0x8848
	FieldMPLSTC             // mpls_tc: 3 bits; needs eth_type 0x8847 or 0x8848
	FieldMPLSBOS            // mpls_bos: 1 bit; needs eth_type 0x8847 or 0x8848
	FieldPBBISID            // pbb_isid: 24 bits, maskable; needs eth_type 0x88e7
	FieldTunnelID           // tunnel_id: 64 bits, maskable
	FieldIPv6Exthdr         // ipv6_exthdr: 9 bits, maskable; needs eth_type 0x86dd
	FieldCTState            // ct_state (NXM_NX_CT_STATE): 32 bits, maskable
	FieldCTZone             // ct_zone (NXM_NX_CT_ZONE): 16 bits
	FieldCTMark             // ct_mark (NXM_NX_CT_MARK): 32 bits, maskable
	FieldTCPFlags           // tcp_flags (ONF experimenter 42): 12 bits, maskable; needs ip_proto 6
	FieldReg0               // reg0 (NXM_NX_REG0): 32 bits, maskable
	FieldReg1               // reg1: 32 bits, maskable
	FieldReg2               // reg2: 32 bits, maskable
	FieldReg3               // reg3: 32 bits, maskable
	FieldReg4               // reg4: 32 bits, maskable
	FieldReg5               // reg5: 32 bits, maskable
	FieldReg6               // reg6: 32 bits, maskable
	FieldReg7               // reg7: 32 bits, maskable
	numFields
)

// Experimenter ids of OXM fields.
const (
	// ONFExperimenterID is the ONF's experimenter id ("ONF\0"), used by
	// ONF-approved extension fields such as tcp_flags in OpenFlow 1.3.
	ONFExperimenterID uint32 = 0x4f4e4600
)

// valueKind says how a field's value is held and printed.
type valueKind uint8

const (
	kindDec      valueKind = iota // unsigned integer, printed in decimal
	kindHex                       // unsigned integer, printed in hex
	kindMAC                       // Ethernet address
	kindIPv4                      // IPv4 address
	kindIPv6                      // IPv6 address
	kindVLAN                      // vlan_vid with OFPVID_PRESENT
	kindCTState                   // conntrack state flags
	kindTCPFlags                  // TCP flags
)

// fieldInfo describes one field on the wire.
type fieldInfo struct {
	name     string
	class    OXMClass
	exp      uint32 // experimenter id, for OXMClassExperimenter
	num      uint8  // oxm_field
	size     uint8  // value length in bytes
	bits     uint8  // meaningful low-order bits of the value (0: all)
	maskable bool
	kind     valueKind
	valid    [16]byte // the bits a value may have set, from bits
}

var fields [numFields]fieldInfo

func basic(f Field, name string, size, bits uint8, maskable bool, kind valueKind) {
	fields[f] = fieldInfo{name: name, class: OXMClassOpenFlowBasic, num: uint8(f - FieldInPort),
		size: size, bits: bits, maskable: maskable, kind: kind}
}

func init() {
	basic(FieldInPort, "in_port", 4, 0, false, kindDec)
	basic(FieldInPhyPort, "in_phy_port", 4, 0, false, kindDec)
	basic(FieldMetadata, "metadata", 8, 0, true, kindHex)
	basic(FieldEthDst, "eth_dst", 6, 0, true, kindMAC)
	basic(FieldEthSrc, "eth_src", 6, 0, true, kindMAC)
	basic(FieldEthType, "eth_type", 2, 0, false, kindHex)
	basic(FieldVLANVID, "vlan_vid", 2, 13, true, kindVLAN)
	basic(FieldVLANPCP, "vlan_pcp", 1, 3, false, kindDec)
	basic(FieldIPDSCP, "ip_dscp", 1, 6, false, kindDec)
	basic(FieldIPECN, "ip_ecn", 1, 2, false, kindDec)
	basic(FieldIPProto, "ip_proto", 1, 0, false, kindDec)
	basic(FieldIPv4Src, "ipv4_src", 4, 0, true, kindIPv4)
	basic(FieldIPv4Dst, "ipv4_dst", 4, 0, true, kindIPv4)
	basic(FieldTCPSrc, "tcp_src", 2, 0, false, kindDec)
	basic(FieldTCPDst, "tcp_dst", 2, 0, false, kindDec)
	basic(FieldUDPSrc, "udp_src", 2, 0, false, kindDec)
	basic(FieldUDPDst, "udp_dst", 2, 0, false, kindDec)
	basic(FieldSCTPSrc, "sctp_src", 2, 0, false, kindDec)
	basic(FieldSCTPDst, "sctp_dst", 2, 0, false, kindDec)
	basic(FieldICMPv4Type, "icmpv4_type", 1, 0, false, kindDec)
	basic(FieldICMPv4Code, "icmpv4_code", 1, 0, false, kindDec)
	basic(FieldARPOp, "arp_op", 2, 0, false, kindDec)
	basic(FieldARPSPA, "arp_spa", 4, 0, true, kindIPv4)
	basic(FieldARPTPA, "arp_tpa", 4, 0, true, kindIPv4)
	basic(FieldARPSHA, "arp_sha", 6, 0, true, kindMAC)
	basic(FieldARPTHA, "arp_tha", 6, 0, true, kindMAC)
	basic(FieldIPv6Src, "ipv6_src", 16, 0, true, kindIPv6)
	basic(FieldIPv6Dst, "ipv6_dst", 16, 0, true, kindIPv6)
	basic(FieldIPv6FLabel, "ipv6_flabel", 4, 20, true, kindHex)
	basic(FieldICMPv6Type, "icmpv6_type", 1, 0, false, kindDec)
	basic(FieldICMPv6Code, "icmpv6_code", 1, 0, false, kindDec)
	basic(FieldIPv6NDTarget, "ipv6_nd_target", 16, 0, false, kindIPv6)
	basic(FieldIPv6NDSLL, "ipv6_nd_sll", 6, 0, false, kindMAC)
	basic(FieldIPv6NDTLL, "ipv6_nd_tll", 6, 0, false, kindMAC)
	basic(FieldMPLSLabel, "mpls_label", 4, 20, false, kindDec)
	basic(FieldMPLSTC, "mpls_tc", 1, 3, false, kindDec)
	basic(FieldMPLSBOS, "mpls_bos", 1, 1, false, kindDec)
	basic(FieldPBBISID, "pbb_isid", 3, 0, true, kindHex)
	basic(FieldTunnelID, "tunnel_id", 8, 0, true, kindHex)
	basic(FieldIPv6Exthdr, "ipv6_exthdr", 2, 9, true, kindHex)
	initNicira()
	for f := FieldInPort; f < numFields; f++ {
		fi := &fields[f]
		if fi.name == "" {
			panic("openflow: field " + strconv.Itoa(int(f)) + " has no descriptor")
		}
		for i := range int(fi.size) {
			fi.valid[i] = 0xff
		}
		if fi.bits != 0 {
			// Clear the high-order bits beyond bits, from the first byte.
			extra := int(fi.size)*8 - int(fi.bits)
			for i := 0; extra > 0; i++ {
				n := min(extra, 8)
				fi.valid[i] = 0xff >> n
				extra -= n
			}
		}
	}
}

func (f Field) info() *fieldInfo {
	if f > fieldNone && f < numFields {
		return &fields[f]
	}
	return nil
}

// String returns the field's OXM name as Open vSwitch spells it
// ("ipv4_dst", "ct_state", "reg0").
func (f Field) String() string {
	if fi := f.info(); fi != nil {
		return fi.name
	}
	return "Field(" + strconv.Itoa(int(f)) + ")"
}

// Class returns the OXM class the field is sent with.
func (f Field) Class() OXMClass {
	if fi := f.info(); fi != nil {
		return fi.class
	}
	return 0
}

// OXMField returns the field's oxm_field number within its class.
func (f Field) OXMField() uint8 {
	if fi := f.info(); fi != nil {
		return fi.num
	}
	return 0
}

// Maskable reports whether the field may carry a mask.
func (f Field) Maskable() bool {
	fi := f.info()
	return fi != nil && fi.maskable
}

// Size returns the length of the field's value in bytes (0 for an unknown
// field).
func (f Field) Size() int {
	if fi := f.info(); fi != nil {
		return int(fi.size)
	}
	return 0
}

// fieldByBasic maps an OFPXMC_OPENFLOW_BASIC field number to a Field.
func fieldByBasic(num uint8) Field {
	if int(num) <= int(FieldIPv6Exthdr-FieldInPort) {
		return FieldInPort + Field(num)
	}
	return fieldNone
}

// lookupField finds the Field of a class, field number and experimenter id.
func lookupField(class OXMClass, num uint8, exp uint32) Field {
	switch class {
	case OXMClassOpenFlowBasic:
		return fieldByBasic(num)
	case OXMClassNXM1, OXMClassExperimenter:
		return lookupNicira(class, num, exp)
	}
	return fieldNone
}

// Errors of OXM and match codecs; the returned errors wrap them with the
// field and the offending values.
var (
	// ErrUnknownField reports an OXM class, field or experimenter that this
	// package does not know.
	ErrUnknownField = errors.New("unknown field")
	// ErrBadMask reports a mask on a field that may not be masked, or a
	// value with a 1-bit where its mask has a 0-bit (OFPBMC_BAD_WILDCARDS).
	ErrBadMask = errors.New("bad mask")
	// ErrBadValue reports a value with bits set beyond the field's width
	// (vlan_pcp above 7, ip_dscp above 63, ...) or an address of the wrong
	// family.
	ErrBadValue = errors.New("bad value")
	// ErrBadFieldLen reports an OXM whose length does not fit its field.
	ErrBadFieldLen = errors.New("bad field length")
	// ErrDuplicateField reports a field that occurs twice in one match.
	ErrDuplicateField = errors.New("duplicate field")
)

// OXM is one OXM TLV held by value: a field, its value and, for maskable
// fields, an optional mask. It is what a SET_FIELD action carries. Build one
// with the per-field constructors ([IPv4Dst], [TCPDst], [CTMark], ...) and
// [Masked]; a constructor given a value it cannot hold (an IPv6 address for
// an IPv4 field) returns an OXM whose AppendBinary fails. The zero OXM is
// invalid.
type OXM struct {
	field  Field
	masked bool
	bad    bool     // the constructor got a value the field cannot hold
	value  [16]byte // big-endian, first Field.Size() bytes used
	mask   [16]byte // meaningful when masked
}

// Field returns the field the OXM sets or matches.
func (o OXM) Field() Field { return o.field }

// IsMasked reports whether the OXM carries a mask.
func (o OXM) IsMasked() bool { return o.masked }

// Len returns the encoded length of the TLV, header included (no padding).
func (o OXM) Len() int {
	fi := o.field.info()
	if fi == nil {
		return 4
	}
	return oxmLen(fi, o.masked)
}

func oxmLen(fi *fieldInfo, masked bool) int {
	n := 4 + int(fi.size)
	if masked {
		n += int(fi.size)
	}
	if fi.class == OXMClassExperimenter {
		n += 4
	}
	return n
}

// check validates the value and mask against the field's rules.
func (o *OXM) check() error {
	fi := o.field.info()
	if fi == nil {
		return fmt.Errorf("openflow: oxm: %w: %v", ErrUnknownField, o.field)
	}
	if o.bad {
		return fmt.Errorf("openflow: oxm %s: %w: the value does not fit the field", fi.name, ErrBadValue)
	}
	if o.masked && !fi.maskable {
		return fmt.Errorf("openflow: oxm %s: %w: the field cannot be masked", fi.name, ErrBadMask)
	}
	for i := range int(fi.size) {
		if o.value[i]&^fi.valid[i] != 0 {
			return fmt.Errorf("openflow: oxm %s: %w: %s has bits beyond the field's %d", fi.name, ErrBadValue, o.valueString(o.value), fi.bits)
		}
		if o.masked && o.value[i]&^o.mask[i] != 0 {
			return fmt.Errorf("openflow: oxm %s: %w: value %s has bits outside mask %s", fi.name, ErrBadMask, o.valueString(o.value), o.valueString(o.mask))
		}
	}
	return nil
}

// canonical drops mask bits beyond the field's width and turns a mask that
// covers every bit of the field into no mask.
func (o *OXM) canonical() {
	if !o.masked {
		o.mask = [16]byte{}
		return
	}
	fi := o.field.info()
	full := true
	for i := range int(fi.size) {
		o.mask[i] &= fi.valid[i]
		if o.mask[i] != fi.valid[i] {
			full = false
		}
	}
	if full {
		o.masked = false
		o.mask = [16]byte{}
	}
}

// AppendBinary appends the TLV. A mask covering every bit of the field is
// sent as no mask.
func (o OXM) AppendBinary(b []byte) ([]byte, error) {
	if err := o.check(); err != nil {
		return b, err
	}
	o.canonical()
	return o.appendTLV(b), nil
}

// appendTLV appends a checked, canonical OXM.
func (o *OXM) appendTLV(b []byte) []byte {
	fi := &fields[o.field]
	n := int(fi.size)
	length := n
	hm := uint8(0)
	if o.masked {
		length += n
		hm = 1
	}
	if fi.class == OXMClassExperimenter {
		length += 4
	}
	b = binary.BigEndian.AppendUint16(b, uint16(fi.class))
	b = append(b, fi.num<<1|hm, uint8(length))
	if fi.class == OXMClassExperimenter {
		b = binary.BigEndian.AppendUint32(b, fi.exp)
	}
	b = append(b, o.value[:n]...)
	if o.masked {
		b = append(b, o.mask[:n]...)
	}
	return b
}

// MarshalBinary returns the TLV.
func (o OXM) MarshalBinary() ([]byte, error) {
	return o.AppendBinary(make([]byte, 0, o.Len()))
}

// Decode decodes the TLV at the start of b, replacing o, and returns its
// length. Unknown classes, fields and experimenters, lengths that do not
// fit the field, masks on fields that cannot be masked, values wider than
// the field and values with bits outside their mask are errors. A mask that
// covers the whole field decodes as no mask.
func (o *OXM) Decode(b []byte) (int, error) {
	*o = OXM{}
	if len(b) < 4 {
		return 0, errShort("oxm header", 4, len(b))
	}
	class := OXMClass(binary.BigEndian.Uint16(b))
	num := b[2] >> 1
	hm := b[2]&1 != 0
	length := int(b[3])
	hdr := 4
	var exp uint32
	if class == OXMClassExperimenter {
		if length < 4 {
			return 0, fmt.Errorf("openflow: oxm experimenter field %d: %w: length %d leaves no room for the experimenter id", num, ErrBadFieldLen, length)
		}
		if len(b) < 8 {
			return 0, errShort("oxm experimenter header", 8, len(b))
		}
		exp = binary.BigEndian.Uint32(b[4:8])
		hdr = 8
		length -= 4
	}
	if len(b) < hdr+length {
		return 0, errShort("oxm", hdr+length, len(b))
	}
	f := lookupField(class, num, exp)
	fi := f.info()
	if fi == nil {
		if class == OXMClassExperimenter {
			return 0, fmt.Errorf("openflow: oxm: %w: experimenter %#08x field %d", ErrUnknownField, exp, num)
		}
		return 0, fmt.Errorf("openflow: oxm: %w: class %v field %d", ErrUnknownField, class, num)
	}
	size := int(fi.size)
	want := size
	if hm {
		want = 2 * size
	}
	if length != want {
		return 0, fmt.Errorf("openflow: oxm %s: %w: payload of %d bytes, want %d", fi.name, ErrBadFieldLen, length, want)
	}
	o.field = f
	o.masked = hm
	p := b[hdr : hdr+length]
	copy(o.value[:size], p)
	if hm {
		copy(o.mask[:size], p[size:])
	}
	if err := o.check(); err != nil {
		*o = OXM{}
		return 0, err
	}
	o.canonical()
	return hdr + length, nil
}

// UnmarshalBinary decodes exactly one TLV.
func (o *OXM) UnmarshalBinary(b []byte) error {
	n, err := o.Decode(b)
	if err != nil {
		return err
	}
	if n != len(b) {
		*o = OXM{}
		return fmt.Errorf("openflow: oxm: %d trailing bytes", len(b)-n)
	}
	return nil
}

// String prints the OXM as name=value, with /mask when masked, values in
// the style of Open vSwitch ("ipv4_dst=10.0.0.1", "eth_type=0x0800",
// "ct_state=+trk+est").
func (o OXM) String() string {
	fi := o.field.info()
	if fi == nil {
		return "OXM(invalid)"
	}
	if o.bad {
		return fi.name + "=<bad value>"
	}
	b := append([]byte(fi.name), '=')
	return string(o.appendValue(b))
}

// appendValue appends value[/mask] in the field's style.
func (o *OXM) appendValue(b []byte) []byte {
	fi := &fields[o.field]
	switch fi.kind {
	case kindCTState:
		return appendFlags(b, uint32(o.uint(o.value)), uint32(o.uint(o.mask)), o.masked, 0xff, ctStateName)
	case kindTCPFlags:
		return appendFlags(b, uint32(o.uint(o.value)), uint32(o.uint(o.mask)), o.masked, 0xfff, tcpFlagName)
	}
	b = append(b, o.valueString(o.value)...)
	if o.masked {
		b = append(b, '/')
		if fi.kind == kindIPv4 || fi.kind == kindIPv6 {
			_, mask := o.Addr()
			if n, ok := prefixLen(mask); ok {
				return strconv.AppendInt(b, int64(n), 10)
			}
		}
		b = append(b, o.valueString(o.mask)...)
	}
	return b
}

// uint returns the first Size() bytes of v as an integer (fields of at most
// 8 bytes).
func (o *OXM) uint(v [16]byte) uint64 {
	var u uint64
	for _, c := range v[:fields[o.field].size] {
		u = u<<8 | uint64(c)
	}
	return u
}

func (o *OXM) valueString(v [16]byte) string {
	fi := &fields[o.field]
	switch fi.kind {
	case kindMAC:
		return MAC(v[:6]).String()
	case kindIPv4:
		return netip.AddrFrom4([4]byte(v[:4])).String()
	case kindIPv6:
		return netip.AddrFrom16(v).String()
	case kindDec:
		return strconv.FormatUint(o.uint(v), 10)
	case kindHex, kindCTState, kindTCPFlags:
		if o.field == FieldEthType {
			return fmt.Sprintf("0x%04x", o.uint(v))
		}
		return "0x" + strconv.FormatUint(o.uint(v), 16)
	case kindVLAN:
		return fmt.Sprintf("0x%04x", o.uint(v))
	}
	return ""
}

// appendFlags prints a flags field the way Open vSwitch does: exact values
// as names joined by '|', masked values as +name/-name per masked bit.
func appendFlags(b []byte, v, m uint32, masked bool, all uint32, name func(uint32) string) []byte {
	if !masked || m&all == all {
		if v == 0 {
			return append(b, '0')
		}
		first := true
		var unknown uint32
		for bits := v; bits != 0; bits &= bits - 1 {
			bit := bits & -bits
			s := name(bit)
			if s == "" {
				unknown |= bit
				continue
			}
			if !first {
				b = append(b, '|')
			}
			first = false
			b = append(b, s...)
		}
		if unknown != 0 {
			if !first {
				b = append(b, '|')
			}
			b = append(b, "0x"...)
			b = strconv.AppendUint(b, uint64(unknown), 16)
		}
		return b
	}
	m &= all
	if m == 0 {
		return append(b, "0/0"...)
	}
	for bits := m; bits != 0; bits &= bits - 1 {
		bit := bits & -bits
		if v&bit != 0 {
			b = append(b, '+')
		} else {
			b = append(b, '-')
		}
		s := name(bit)
		if s == "" {
			s = "[Unknown]"
		}
		b = append(b, s...)
	}
	return b
}

// Masked returns value with mask as its mask. Both must be OXMs of the same
// maskable field (for example Masked(IPv4Dst(net), IPv4Dst(netmask)));
// otherwise the result's AppendBinary fails.
func Masked(value, mask OXM) OXM {
	o := value
	o.masked = true
	o.mask = mask.value
	if value.field != mask.field || mask.bad {
		o.bad = true
	}
	return o
}

// Uint returns the value of an integer field (ports, eth_type, registers,
// ...) and, when masked, its mask; the mask of an exact OXM is all ones
// over the field. It returns zeros for fields wider than 8 bytes.
func (o OXM) Uint() (value, mask uint64) {
	fi := o.field.info()
	if fi == nil || fi.size > 8 {
		return 0, 0
	}
	if !o.masked {
		return o.uint(o.value), o.uint(fi.valid)
	}
	return o.uint(o.value), o.uint(o.mask)
}

// Addr returns the value and mask of an IPv4 or IPv6 field; the mask of an
// exact OXM is all ones.
func (o OXM) Addr() (value, mask netip.Addr) {
	fi := o.field.info()
	if fi == nil {
		return
	}
	all := [16]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	m := all
	if o.masked {
		m = o.mask
	}
	switch fi.kind {
	case kindIPv4:
		return netip.AddrFrom4([4]byte(o.value[:4])), netip.AddrFrom4([4]byte(m[:4]))
	case kindIPv6:
		return netip.AddrFrom16(o.value), netip.AddrFrom16(m)
	}
	return
}

// MAC returns the value and mask of an Ethernet address field; the mask of
// an exact OXM is ff:ff:ff:ff:ff:ff.
func (o OXM) MAC() (value, mask MAC) {
	fi := o.field.info()
	if fi == nil || fi.kind != kindMAC {
		return
	}
	if !o.masked {
		return MAC(o.value[:6]), MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	}
	return MAC(o.value[:6]), MAC(o.mask[:6])
}

// uintOXM builds an exact OXM of an integer field.
func uintOXM(f Field, v uint64) OXM {
	o := OXM{field: f}
	n := int(fields[f].size)
	for i := n - 1; i >= 0; i-- {
		o.value[i] = byte(v)
		v >>= 8
	}
	if v != 0 {
		o.bad = true
	}
	return o
}

func macOXM(f Field, m MAC) OXM {
	o := OXM{field: f}
	copy(o.value[:], m[:])
	return o
}

func ipv4OXM(f Field, a netip.Addr) OXM {
	o := OXM{field: f}
	a = a.Unmap()
	if !a.Is4() {
		o.bad = true
		return o
	}
	v := a.As4()
	copy(o.value[:], v[:])
	return o
}

func ipv6OXM(f Field, a netip.Addr) OXM {
	o := OXM{field: f}
	if !a.Is6() || a.Zone() != "" {
		o.bad = true
		return o
	}
	o.value = a.As16()
	return o
}

// OFPVID_PRESENT and OFPVID_NONE: the vlan_vid field carries the 12-bit VID
// plus this bit, set when the packet has an 802.1Q tag.
const (
	VLANPresent uint16 = 0x1000 // OFPVID_PRESENT: a VLAN tag is present
	VLANNone    uint16 = 0x0000 // OFPVID_NONE: no VLAN tag
)

// InPort returns an in_port OXM.
func InPort(port uint32) OXM { return uintOXM(FieldInPort, uint64(port)) }

// InPhyPort returns an in_phy_port OXM.
func InPhyPort(port uint32) OXM { return uintOXM(FieldInPhyPort, uint64(port)) }

// Metadata returns a metadata OXM.
func Metadata(v uint64) OXM { return uintOXM(FieldMetadata, v) }

// EthDst returns an eth_dst OXM.
func EthDst(m MAC) OXM { return macOXM(FieldEthDst, m) }

// EthSrc returns an eth_src OXM.
func EthSrc(m MAC) OXM { return macOXM(FieldEthSrc, m) }

// EthType returns an eth_type OXM.
func EthType(t uint16) OXM { return uintOXM(FieldEthType, uint64(t)) }

// VLANVID returns a vlan_vid OXM for the 12-bit VLAN id vid, with
// OFPVID_PRESENT set as SET_FIELD and tagged matches need it.
func VLANVID(vid uint16) OXM { return uintOXM(FieldVLANVID, uint64(vid|VLANPresent)) }

// VLANPCP returns a vlan_pcp OXM (0 to 7).
func VLANPCP(pcp uint8) OXM { return uintOXM(FieldVLANPCP, uint64(pcp)) }

// IPDSCP returns an ip_dscp OXM (0 to 63, the upper six bits of the ToS).
func IPDSCP(dscp uint8) OXM { return uintOXM(FieldIPDSCP, uint64(dscp)) }

// IPECN returns an ip_ecn OXM (0 to 3).
func IPECN(ecn uint8) OXM { return uintOXM(FieldIPECN, uint64(ecn)) }

// IPProto returns an ip_proto OXM.
func IPProto(proto uint8) OXM { return uintOXM(FieldIPProto, uint64(proto)) }

// IPv4Src returns an ipv4_src OXM.
func IPv4Src(a netip.Addr) OXM { return ipv4OXM(FieldIPv4Src, a) }

// IPv4Dst returns an ipv4_dst OXM.
func IPv4Dst(a netip.Addr) OXM { return ipv4OXM(FieldIPv4Dst, a) }

// TCPSrc returns a tcp_src OXM.
func TCPSrc(port uint16) OXM { return uintOXM(FieldTCPSrc, uint64(port)) }

// TCPDst returns a tcp_dst OXM.
func TCPDst(port uint16) OXM { return uintOXM(FieldTCPDst, uint64(port)) }

// UDPSrc returns a udp_src OXM.
func UDPSrc(port uint16) OXM { return uintOXM(FieldUDPSrc, uint64(port)) }

// UDPDst returns a udp_dst OXM.
func UDPDst(port uint16) OXM { return uintOXM(FieldUDPDst, uint64(port)) }

// SCTPSrc returns an sctp_src OXM.
func SCTPSrc(port uint16) OXM { return uintOXM(FieldSCTPSrc, uint64(port)) }

// SCTPDst returns an sctp_dst OXM.
func SCTPDst(port uint16) OXM { return uintOXM(FieldSCTPDst, uint64(port)) }

// ICMPv4Type returns an icmpv4_type OXM.
func ICMPv4Type(t uint8) OXM { return uintOXM(FieldICMPv4Type, uint64(t)) }

// ICMPv4Code returns an icmpv4_code OXM.
func ICMPv4Code(c uint8) OXM { return uintOXM(FieldICMPv4Code, uint64(c)) }

// ARPOp returns an arp_op OXM.
func ARPOp(op uint16) OXM { return uintOXM(FieldARPOp, uint64(op)) }

// ARPSPA returns an arp_spa OXM.
func ARPSPA(a netip.Addr) OXM { return ipv4OXM(FieldARPSPA, a) }

// ARPTPA returns an arp_tpa OXM.
func ARPTPA(a netip.Addr) OXM { return ipv4OXM(FieldARPTPA, a) }

// ARPSHA returns an arp_sha OXM.
func ARPSHA(m MAC) OXM { return macOXM(FieldARPSHA, m) }

// ARPTHA returns an arp_tha OXM.
func ARPTHA(m MAC) OXM { return macOXM(FieldARPTHA, m) }

// IPv6Src returns an ipv6_src OXM.
func IPv6Src(a netip.Addr) OXM { return ipv6OXM(FieldIPv6Src, a) }

// IPv6Dst returns an ipv6_dst OXM.
func IPv6Dst(a netip.Addr) OXM { return ipv6OXM(FieldIPv6Dst, a) }

// IPv6FLabel returns an ipv6_flabel OXM (20 bits).
func IPv6FLabel(label uint32) OXM { return uintOXM(FieldIPv6FLabel, uint64(label)) }

// ICMPv6Type returns an icmpv6_type OXM.
func ICMPv6Type(t uint8) OXM { return uintOXM(FieldICMPv6Type, uint64(t)) }

// ICMPv6Code returns an icmpv6_code OXM.
func ICMPv6Code(c uint8) OXM { return uintOXM(FieldICMPv6Code, uint64(c)) }

// IPv6NDTarget returns an ipv6_nd_target OXM.
func IPv6NDTarget(a netip.Addr) OXM { return ipv6OXM(FieldIPv6NDTarget, a) }

// IPv6NDSLL returns an ipv6_nd_sll OXM.
func IPv6NDSLL(m MAC) OXM { return macOXM(FieldIPv6NDSLL, m) }

// IPv6NDTLL returns an ipv6_nd_tll OXM.
func IPv6NDTLL(m MAC) OXM { return macOXM(FieldIPv6NDTLL, m) }

// MPLSLabel returns an mpls_label OXM (20 bits).
func MPLSLabel(label uint32) OXM { return uintOXM(FieldMPLSLabel, uint64(label)) }

// MPLSTC returns an mpls_tc OXM (0 to 7).
func MPLSTC(tc uint8) OXM { return uintOXM(FieldMPLSTC, uint64(tc)) }

// MPLSBOS returns an mpls_bos OXM (0 or 1).
func MPLSBOS(bos uint8) OXM { return uintOXM(FieldMPLSBOS, uint64(bos)) }

// PBBISID returns a pbb_isid OXM (24 bits).
func PBBISID(isid uint32) OXM { return uintOXM(FieldPBBISID, uint64(isid)) }

// TunnelID returns a tunnel_id OXM.
func TunnelID(id uint64) OXM { return uintOXM(FieldTunnelID, id) }

// IPv6Exthdr returns an ipv6_exthdr OXM (9 bits of OFPIEH_* flags).
func IPv6Exthdr(flags uint16) OXM { return uintOXM(FieldIPv6Exthdr, uint64(flags)) }
