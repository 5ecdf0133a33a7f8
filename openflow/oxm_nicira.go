package openflow

// Nicira (Open vSwitch) and ONF match fields usable in OpenFlow 1.3:
//
//	ct_state   NXM_NX_CT_STATE   class 0x0001 field 105, 4 bytes, maskable
//	ct_zone    NXM_NX_CT_ZONE    class 0x0001 field 106, 2 bytes
//	ct_mark    NXM_NX_CT_MARK    class 0x0001 field 107, 4 bytes, maskable
//	reg0-reg7  NXM_NX_REG0-7     class 0x0001 field 0-7, 4 bytes, maskable
//	tcp_flags  ONFOXM_ET_TCP_FLAGS class 0xffff experimenter 0x4f4e4600
//	           field 42, 2 bytes (12 bits used), maskable
//
// An experimenter OXM's length byte counts the 4-byte experimenter id that
// follows the header.

// Nicira and ONF field numbers.
const (
	nxmCTState    = 105
	nxmCTZone     = 106
	nxmCTMark     = 107
	onfTCPFlags   = 42
	ctStateBits   = 0xff  // CS_SUPPORTED_MASK of Open vSwitch
	tcpFlagsValid = 0xfff // the 12 flag bits of the TCP header
)

func initNicira() {
	fields[FieldCTState] = fieldInfo{name: "ct_state", class: OXMClassNXM1, num: nxmCTState, size: 4, bits: 8, maskable: true, kind: kindCTState}
	fields[FieldCTZone] = fieldInfo{name: "ct_zone", class: OXMClassNXM1, num: nxmCTZone, size: 2, kind: kindDec}
	fields[FieldCTMark] = fieldInfo{name: "ct_mark", class: OXMClassNXM1, num: nxmCTMark, size: 4, maskable: true, kind: kindHex}
	fields[FieldTCPFlags] = fieldInfo{name: "tcp_flags", class: OXMClassExperimenter, exp: ONFExperimenterID, num: onfTCPFlags, size: 2, bits: 12, maskable: true, kind: kindTCPFlags}
	for i := range 8 {
		fields[FieldReg0+Field(i)] = fieldInfo{name: "reg" + string(rune('0'+i)), class: OXMClassNXM1, num: uint8(i), size: 4, maskable: true, kind: kindHex}
	}
}

func lookupNicira(class OXMClass, num uint8, exp uint32) Field {
	switch {
	case class == OXMClassNXM1 && num < 8:
		return FieldReg0 + Field(num)
	case class == OXMClassNXM1 && num == nxmCTState:
		return FieldCTState
	case class == OXMClassNXM1 && num == nxmCTZone:
		return FieldCTZone
	case class == OXMClassNXM1 && num == nxmCTMark:
		return FieldCTMark
	case class == OXMClassExperimenter && exp == ONFExperimenterID && num == onfTCPFlags:
		return FieldTCPFlags
	}
	return fieldNone
}

// ConnState is the connection-tracking state of Open vSwitch's ct_state
// field: a set of CS_* flags.
type ConnState uint32

// Connection-tracking state flags.
const (
	ConnNew         ConnState = 1 << 0 // new: the start of a new connection
	ConnEstablished ConnState = 1 << 1 // est: part of an existing connection
	ConnRelated     ConnState = 1 << 2 // rel: related to an existing connection
	ConnReply       ConnState = 1 << 3 // rpl: in the reply direction
	ConnInvalid     ConnState = 1 << 4 // inv: could not be tracked
	ConnTracked     ConnState = 1 << 5 // trk: went through conntrack
	ConnSNAT        ConnState = 1 << 6 // snat: source address translated
	ConnDNAT        ConnState = 1 << 7 // dnat: destination address translated
)

func ctStateName(bit uint32) string {
	switch ConnState(bit) {
	case ConnNew:
		return "new"
	case ConnEstablished:
		return "est"
	case ConnRelated:
		return "rel"
	case ConnReply:
		return "rpl"
	case ConnInvalid:
		return "inv"
	case ConnTracked:
		return "trk"
	case ConnSNAT:
		return "snat"
	case ConnDNAT:
		return "dnat"
	}
	return ""
}

// String prints the flags as Open vSwitch does, joined by '|' ("new|trk").
func (s ConnState) String() string {
	return string(appendFlags(nil, uint32(s), 0, false, 0, ctStateName))
}

// TCPFlag is a set of TCP header flags as the tcp_flags field holds them.
type TCPFlag uint16

// TCP flags.
const (
	TCPFin TCPFlag = 1 << 0 // fin
	TCPSyn TCPFlag = 1 << 1 // syn
	TCPRst TCPFlag = 1 << 2 // rst
	TCPPsh TCPFlag = 1 << 3 // psh
	TCPAck TCPFlag = 1 << 4 // ack
	TCPUrg TCPFlag = 1 << 5 // urg
	TCPEce TCPFlag = 1 << 6 // ece
	TCPCwr TCPFlag = 1 << 7 // cwr
	TCPNs  TCPFlag = 1 << 8 // ns
)

func tcpFlagName(bit uint32) string {
	switch TCPFlag(bit) {
	case TCPFin:
		return "fin"
	case TCPSyn:
		return "syn"
	case TCPRst:
		return "rst"
	case TCPPsh:
		return "psh"
	case TCPAck:
		return "ack"
	case TCPUrg:
		return "urg"
	case TCPEce:
		return "ece"
	case TCPCwr:
		return "cwr"
	case TCPNs:
		return "ns"
	case 0x200:
		return "[200]"
	case 0x400:
		return "[400]"
	case 0x800:
		return "[800]"
	}
	return ""
}

// String prints the flags as Open vSwitch does, joined by '|' ("syn|ack").
func (f TCPFlag) String() string {
	return string(appendFlags(nil, uint32(f), 0, false, 0, tcpFlagName))
}

// CTState returns a ct_state OXM (match only: conntrack state is read-only).
func CTState(s ConnState) OXM { return uintOXM(FieldCTState, uint64(s)) }

// CTZone returns a ct_zone OXM.
func CTZone(zone uint16) OXM { return uintOXM(FieldCTZone, uint64(zone)) }

// CTMark returns a ct_mark OXM, which a SET_FIELD inside a ct(commit)
// action writes.
func CTMark(mark uint32) OXM { return uintOXM(FieldCTMark, uint64(mark)) }

// TCPFlags returns a tcp_flags OXM.
func TCPFlags(f TCPFlag) OXM { return uintOXM(FieldTCPFlags, uint64(f)) }

// Reg returns an OXM for Nicira register i (0 to 7); another i gives an
// OXM whose AppendBinary fails.
func Reg(i int, v uint32) OXM {
	if i < 0 || i > 7 {
		return OXM{bad: true}
	}
	return uintOXM(FieldReg0+Field(i), uint64(v))
}

// SetCTState matches the exact connection-tracking state s.
func (m *Match) SetCTState(s ConnState) { m.Set(CTState(s)) }

// SetCTStateMasked matches the state bits in mask: those set in s must be
// set, the others in mask must be clear (Open vSwitch's "+trk+est-new").
func (m *Match) SetCTStateMasked(s, mask ConnState) {
	m.Set(Masked(CTState(s), CTState(mask)))
}

// CTState returns the matched connection-tracking state and whether it is
// matched.
func (m *Match) CTState() (ConnState, bool) { return m.ctState, m.Has(FieldCTState) }

// CTStateMask returns the ct_state mask and whether the field is masked;
// an exact match returns all ones and false.
func (m *Match) CTStateMask() (ConnState, bool) {
	if m.masked&fieldBit(FieldCTState) != 0 {
		return m.ctStateMask, true
	}
	return ^ConnState(0), false
}

// SetCTZone matches the conntrack zone.
func (m *Match) SetCTZone(zone uint16) { m.Set(CTZone(zone)) }

// CTZone returns the matched conntrack zone and whether it is matched.
func (m *Match) CTZone() (uint16, bool) { return m.ctZone, m.Has(FieldCTZone) }

// SetCTMark matches the conntrack mark exactly.
func (m *Match) SetCTMark(mark uint32) { m.Set(CTMark(mark)) }

// SetCTMarkMasked matches the conntrack mark bits in mask.
func (m *Match) SetCTMarkMasked(mark, mask uint32) { m.Set(Masked(CTMark(mark), CTMark(mask))) }

// CTMark returns the matched conntrack mark and whether it is matched.
func (m *Match) CTMark() (uint32, bool) { return m.ctMark, m.Has(FieldCTMark) }

// CTMarkMask returns the ct_mark mask and whether the field is masked.
func (m *Match) CTMarkMask() (uint32, bool) {
	if m.masked&fieldBit(FieldCTMark) != 0 {
		return m.ctMarkMask, true
	}
	return ^uint32(0), false
}

// SetTCPFlags matches the TCP flags exactly (needs ip_proto 6).
func (m *Match) SetTCPFlags(f TCPFlag) { m.Set(TCPFlags(f)) }

// SetTCPFlagsMasked matches the TCP flags in mask: SetTCPFlagsMasked(TCPSyn,
// TCPSyn|TCPAck) is Open vSwitch's "tcp_flags=+syn-ack".
func (m *Match) SetTCPFlagsMasked(f, mask TCPFlag) { m.Set(Masked(TCPFlags(f), TCPFlags(mask))) }

// TCPFlags returns the matched TCP flags and whether they are matched.
func (m *Match) TCPFlags() (TCPFlag, bool) { return m.tcpFlags, m.Has(FieldTCPFlags) }

// TCPFlagsMask returns the tcp_flags mask and whether the field is masked.
func (m *Match) TCPFlagsMask() (TCPFlag, bool) {
	if m.masked&fieldBit(FieldTCPFlags) != 0 {
		return m.tcpFlagsMask, true
	}
	return tcpFlagsValid, false
}

// SetReg matches Nicira register i (0 to 7) exactly; another i is ignored.
func (m *Match) SetReg(i int, v uint32) {
	if i >= 0 && i < 8 {
		m.Set(Reg(i, v))
	}
}

// SetRegMasked matches the bits in mask of Nicira register i (0 to 7).
func (m *Match) SetRegMasked(i int, v, mask uint32) {
	if i >= 0 && i < 8 {
		m.Set(Masked(Reg(i, v), Reg(i, mask)))
	}
}

// Reg returns the value of register i and whether it is matched.
func (m *Match) Reg(i int) (uint32, bool) {
	if i < 0 || i > 7 {
		return 0, false
	}
	return m.regs[i], m.Has(FieldReg0 + Field(i))
}

// RegMask returns register i's mask and whether it is masked.
func (m *Match) RegMask(i int) (uint32, bool) {
	if i < 0 || i > 7 || m.masked&fieldBit(FieldReg0+Field(i)) == 0 {
		return ^uint32(0), false
	}
	return m.regMasks[i], true
}
