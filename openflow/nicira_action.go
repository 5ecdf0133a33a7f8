package openflow

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// NiciraExperimenterID is the experimenter id of Nicira's (Open vSwitch's)
// extensions, NX_VENDOR_ID.
const NiciraExperimenterID uint32 = 0x00002320

// NXActionHeaderLen is the length of the header that every Nicira action
// starts with (type EXPERIMENTER, length, experimenter id, subtype) padded
// to 16 bytes as in Open vSwitch's struct ext_action_header: the shortest
// Nicira action.
const NXActionHeaderLen = 16

// Lengths of the Nicira actions of this package, or of their fixed parts.
const (
	// NXControllerLen is the length of nx_action_controller.
	NXControllerLen = 16
	// NXResubmitTableLen is the length of nx_action_resubmit.
	NXResubmitTableLen = 16
	// NXConntrackLen is the length of the fixed part of
	// nx_action_conntrack; nested actions follow it.
	NXConntrackLen = 24
	// NXNatLen is the length of the fixed part of nx_action_nat; the
	// addresses and ports that range_present names follow it.
	NXNatLen = 16
)

// NXActionSubtype is the subtype of a Nicira extension action
// (enum ofp_raw_action_type in Open vSwitch's lib/ofp-actions.c).
type NXActionSubtype uint16

// Nicira action subtypes that this package decodes to their own types.
// Other subtypes decode to *ActionExperimenter.
const (
	// NXActionResubmitTable (NXAST_RESUBMIT_TABLE) searches a flow table
	// again, as if the packet came in on a given port.
	NXActionResubmitTable NXActionSubtype = 14
	// NXActionController (NXAST_CONTROLLER) sends the packet to the
	// controller with a reason and a controller connection id.
	NXActionController NXActionSubtype = 20
	// NXActionCT (NXAST_CT) sends the packet through the connection
	// tracker.
	NXActionCT NXActionSubtype = 35
	// NXActionNAT (NXAST_NAT) translates addresses and ports; it is only
	// valid nested in NXActionCT.
	NXActionNAT NXActionSubtype = 36
	// NXActionController2 (NXAST_CONTROLLER2) is NXActionController with
	// properties: user data, pausing the pipeline, a meter.
	NXActionController2 NXActionSubtype = 37
)

// String returns the name of s as the specification spells it, or its number for an unknown one.
func (s NXActionSubtype) String() string {
	switch s {
	case NXActionResubmitTable:
		return "NXAST_RESUBMIT_TABLE"
	case NXActionController:
		return "NXAST_CONTROLLER"
	case NXActionCT:
		return "NXAST_CT"
	case NXActionNAT:
		return "NXAST_NAT"
	case NXActionController2:
		return "NXAST_CONTROLLER2"
	}
	return fmt.Sprintf("NXActionSubtype(%d)", uint16(s))
}

// ErrNXActionArgument reports a Nicira action whose arguments Open vSwitch
// would refuse (OFPBAC_BAD_ARGUMENT): contradictory flags, or NAT ranges
// that are empty, reversed or of mixed address families.
var ErrNXActionArgument = errors.New("bad Nicira action argument")

// Interface checks.
var (
	_ Action = (*NXController)(nil)
	_ Action = (*NXResubmitTable)(nil)
	_ Action = (*NXConntrack)(nil)
	_ Action = (*NXNat)(nil)
	_ Action = (*NXController2)(nil)
)

// newExperimenterAction returns a zero action of the type that the
// experimenter action at the start of b (at least 8 bytes) decodes to, or
// nil for one that decodes generically.
func newExperimenterAction(b []byte) Action {
	if len(b) < NXActionHeaderLen || binary.BigEndian.Uint32(b[4:8]) != NiciraExperimenterID {
		return nil
	}
	switch NXActionSubtype(binary.BigEndian.Uint16(b[8:10])) {
	case NXActionResubmitTable:
		return new(NXResubmitTable)
	case NXActionController:
		return new(NXController)
	case NXActionCT:
		return new(NXConntrack)
	case NXActionNAT:
		return new(NXNat)
	case NXActionController2:
		return new(NXController2)
	}
	return nil
}

// appendNXHeader appends the first ten bytes of a Nicira action, with a
// length of n (0 for one patched later).
func appendNXHeader(b []byte, s NXActionSubtype, n uint16) []byte {
	b = append(b, 0xff, 0xff, byte(n>>8), byte(n))
	b = binary.BigEndian.AppendUint32(b, NiciraExperimenterID)
	return binary.BigEndian.AppendUint16(b, uint16(s))
}

// checkNX checks that b holds exactly one Nicira action of subtype s whose
// length is at least min and a multiple of 8 (exactly min if fixed), and
// returns the length.
func checkNX(b []byte, s NXActionSubtype, min int, fixed bool) (int, error) {
	l, err := checkVar(b, ActionTypeExperimenter, NXActionHeaderLen)
	if err != nil {
		return 0, nest(s.String(), err)
	}
	if id := binary.BigEndian.Uint32(b[4:8]); id != NiciraExperimenterID {
		return 0, fmt.Errorf("openflow: %v: experimenter is %#x", s, id)
	}
	if got := NXActionSubtype(binary.BigEndian.Uint16(b[8:10])); got != s {
		return 0, fmt.Errorf("openflow: %v: subtype is %v", s, got)
	}
	if l < min || (fixed && l != min) {
		return 0, fmt.Errorf("openflow: %v: length %d: %w", s, l, ErrActionLength)
	}
	return l, nil
}

// NXController is nx_action_controller (NXAST_CONTROLLER): send the packet
// to the controllers whose connection carries ControllerID (see
// NXSetControllerID; 0 is every connection's default), with a packet-in
// Reason of the flow's choosing. It is how oflb steers packet-ins of a
// partition of the traffic to one controller instance.
type NXController struct {
	// MaxLen is the number of bytes of the packet to send
	// (ControllerNoBuffer: all of it).
	MaxLen uint16
	// ControllerID selects the controller connections to send to.
	ControllerID uint16
	// Reason is the reason the packet-in carries.
	Reason PacketInReason
}

// ActionType returns ActionTypeExperimenter.
func (*NXController) ActionType() ActionType { return ActionTypeExperimenter }

// AppendBinary appends the 16-byte action.
func (a *NXController) AppendBinary(b []byte) ([]byte, error) {
	b = appendNXHeader(b, NXActionController, NXControllerLen)
	b = binary.BigEndian.AppendUint16(b, a.MaxLen)
	b = binary.BigEndian.AppendUint16(b, a.ControllerID)
	return append(b, byte(a.Reason), 0), nil
}

// UnmarshalBinary decodes the action.
func (a *NXController) UnmarshalBinary(b []byte) error {
	if _, err := checkNX(b, NXActionController, NXControllerLen, true); err != nil {
		return err
	}
	a.MaxLen = binary.BigEndian.Uint16(b[10:12])
	a.ControllerID = binary.BigEndian.Uint16(b[12:14])
	a.Reason = PacketInReason(b[14])
	return nil
}

// String formats the action as ovs-ofctl does: "CONTROLLER:128" when
// only MaxLen differs from an output to the controller, otherwise
// "controller(reason=no_match,max_len=128,id=2)" with default parts left
// out.
func (a *NXController) String() string {
	if a.Reason == PacketInReasonAction && a.ControllerID == 0 {
		return "CONTROLLER:" + strconv.Itoa(int(a.MaxLen))
	}
	var parts []string
	if a.Reason != PacketInReasonAction {
		parts = append(parts, "reason="+nxReasonString(a.Reason))
	}
	if a.MaxLen != ControllerNoBuffer {
		parts = append(parts, "max_len="+strconv.Itoa(int(a.MaxLen)))
	}
	if a.ControllerID != 0 {
		parts = append(parts, "id="+strconv.Itoa(int(a.ControllerID)))
	}
	return "controller(" + strings.Join(parts, ",") + ")"
}

// nxReasonString names a packet-in reason as Open vSwitch's actions do,
// including the OpenFlow 1.4 reasons it knows.
func nxReasonString(r PacketInReason) string {
	names := [...]string{"no_match", "action", "invalid_ttl", "action_set", "group", "packet_out"}
	if int(r) < len(names) {
		return names[r]
	}
	return strconv.Itoa(int(r))
}

// NXPortInPort is OFPP_IN_PORT in the 16-bit port numbers of
// NXResubmitTable: resubmit with the packet's own in_port.
const NXPortInPort uint16 = 0xfff8

// NXTableCurrent is the table number of NXResubmitTable that means the
// current table.
const NXTableCurrent uint8 = 0xff

// NXResubmitTable is nx_action_resubmit of subtype NXAST_RESUBMIT_TABLE:
// search flow table Table (NXTableCurrent: the current one) again, with
// the in_port field set to InPort (NXPortInPort: unchanged), and run the
// actions of the entry found.
type NXResubmitTable struct {
	// InPort is an OpenFlow 1.0 (16-bit) port number: reserved ports are
	// 0xfff8 (NXPortInPort) and up.
	InPort uint16
	Table  uint8
}

// ActionType returns ActionTypeExperimenter.
func (*NXResubmitTable) ActionType() ActionType { return ActionTypeExperimenter }

// AppendBinary appends the 16-byte action.
func (a *NXResubmitTable) AppendBinary(b []byte) ([]byte, error) {
	b = appendNXHeader(b, NXActionResubmitTable, NXResubmitTableLen)
	b = binary.BigEndian.AppendUint16(b, a.InPort)
	return append(b, a.Table, 0, 0, 0), nil
}

// UnmarshalBinary decodes the action.
func (a *NXResubmitTable) UnmarshalBinary(b []byte) error {
	if _, err := checkNX(b, NXActionResubmitTable, NXResubmitTableLen, true); err != nil {
		return err
	}
	a.InPort = binary.BigEndian.Uint16(b[10:12])
	a.Table = b[12]
	return nil
}

// String formats the action as ovs-ofctl does: "resubmit(,2)",
// "resubmit(3,2)", or "resubmit:3" for the current table.
func (a *NXResubmitTable) String() string {
	if a.InPort != NXPortInPort && a.Table == NXTableCurrent {
		return "resubmit:" + nxPortString(a.InPort)
	}
	var sb strings.Builder
	sb.WriteString("resubmit(")
	if a.InPort != NXPortInPort {
		sb.WriteString(nxPortString(a.InPort))
	}
	sb.WriteByte(',')
	if a.Table != NXTableCurrent {
		sb.WriteString(strconv.Itoa(int(a.Table)))
	}
	sb.WriteByte(')')
	return sb.String()
}

// nxPortString names a 16-bit port number as Open vSwitch does.
func nxPortString(p uint16) string {
	if p >= 0xfff8 {
		return PortNoString(uint32(p) | 0xffff0000)
	}
	return strconv.Itoa(int(p))
}

// NXConntrackFlags are the NX_CT_F_* flags of NXConntrack.
type NXConntrackFlags uint16

// Conntrack flags.
const (
	// NXConntrackCommit commits the connection to the connection
	// tracker, so that its state outlives the packet.
	NXConntrackCommit NXConntrackFlags = 1 << 0
	// NXConntrackForce, with commit, ends an existing connection whose
	// original direction is the opposite of this packet's and starts a
	// new one.
	NXConntrackForce NXConntrackFlags = 1 << 1
)

// String names the set bits, separated by "|", and any unknown ones in hex.
func (f NXConntrackFlags) String() string {
	return maskString(uint32(f), []bitName{
		{uint32(NXConntrackCommit), "commit"},
		{uint32(NXConntrackForce), "force"},
	})
}

// Application layer gateways of NXConntrack.Alg: the well-known port of
// the protocol.
const (
	NXConntrackAlgFTP  uint16 = 21
	NXConntrackAlgTFTP uint16 = 69
)

// NXConntrack is nx_action_conntrack (NXAST_CT): send the packet through
// the connection tracker, optionally committing the connection, applying
// NAT (an *NXNat among Actions) and recirculating a copy to a table where
// the ct_state, ct_zone and ct_mark fields can be matched.
//
// The zero value is "ct()": track in zone 0, no commit, no recirculation.
type NXConntrack struct {
	Flags NXConntrackFlags
	// ZoneSrc, when non-zero, is the NXM/OXM header of the field that
	// holds the zone, and Zone is then that subfield's ofs_nbits (see
	// NXMOfsNbits; the subfield must be 16 bits wide). When ZoneSrc is
	// 0, Zone is the zone itself.
	ZoneSrc uint32
	Zone    uint16
	// Recirc asks for a copy of the packet to continue, tracked, at
	// table RecircTable (NX_CT_RECIRC_NONE on the wire when false).
	Recirc      bool
	RecircTable uint8
	// Alg is the application layer gateway: 0 for none, or
	// NXConntrackAlgFTP, NXConntrackAlgTFTP.
	Alg uint16
	// Actions run within the connection tracker: NAT, and with commit
	// set-fields of ct_mark and ct_label. Nil when there are none.
	Actions []Action
}

// nxCTRecircNone is NX_CT_RECIRC_NONE, the recirc_table of no
// recirculation.
const nxCTRecircNone = 0xff

// NXMOfsNbits encodes the subfield of n bits starting at bit ofs as the
// ofs_nbits of Nicira actions: ofs << 6 | (n - 1).
func NXMOfsNbits(ofs, n int) uint16 { return uint16(ofs<<6 | (n-1)&0x3f) }

// ActionType returns ActionTypeExperimenter.
func (*NXConntrack) ActionType() ActionType { return ActionTypeExperimenter }

// AppendBinary appends the action and its nested actions. It fails on
// force without commit, and on a recirculation to table 255 (which the wire
// reserves for no recirculation).
func (a *NXConntrack) AppendBinary(b []byte) ([]byte, error) {
	if a.Flags&NXConntrackForce != 0 && a.Flags&NXConntrackCommit == 0 {
		return b, fmt.Errorf("openflow: NXAST_CT: force without commit: %w", ErrNXActionArgument)
	}
	if a.Flags&^(NXConntrackCommit|NXConntrackForce) != 0 {
		return b, fmt.Errorf("openflow: NXAST_CT: unknown flags %#x: %w", uint16(a.Flags), ErrNXActionArgument)
	}
	table := uint8(nxCTRecircNone)
	if a.Recirc {
		if a.RecircTable == nxCTRecircNone {
			return b, fmt.Errorf("openflow: NXAST_CT: recirculation to table 255: %w", ErrNXActionArgument)
		}
		table = a.RecircTable
	}
	start := len(b)
	b = appendNXHeader(b, NXActionCT, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(a.Flags))
	b = binary.BigEndian.AppendUint32(b, a.ZoneSrc)
	b = binary.BigEndian.AppendUint16(b, a.Zone)
	b = append(b, table, 0, 0, 0)
	b = binary.BigEndian.AppendUint16(b, a.Alg)
	b, err := AppendActions(b, a.Actions)
	if err != nil {
		return b[:start], nest("NXAST_CT", err)
	}
	return patchLen(b, start, NXActionCT)
}

// UnmarshalBinary decodes the action and its nested actions, which must
// form a valid action list of their own.
func (a *NXConntrack) UnmarshalBinary(b []byte) error {
	l, err := checkNX(b, NXActionCT, NXConntrackLen, false)
	if err != nil {
		return err
	}
	flags := NXConntrackFlags(binary.BigEndian.Uint16(b[10:12]))
	if flags&^(NXConntrackCommit|NXConntrackForce) != 0 || (flags&NXConntrackForce != 0 && flags&NXConntrackCommit == 0) {
		return fmt.Errorf("openflow: NXAST_CT: flags %#x: %w", uint16(flags), ErrNXActionArgument)
	}
	actions, err := DecodeActions(b[NXConntrackLen:l])
	if err != nil {
		return nest("NXAST_CT nested actions", err)
	}
	*a = NXConntrack{
		Flags:   flags,
		ZoneSrc: binary.BigEndian.Uint32(b[12:16]),
		Zone:    binary.BigEndian.Uint16(b[16:18]),
		Alg:     binary.BigEndian.Uint16(b[22:24]),
		Actions: actions,
	}
	if t := b[18]; t != nxCTRecircNone {
		a.Recirc, a.RecircTable = true, t
	}
	return nil
}

// String formats the action as ovs-ofctl does, for example
// "ct(commit,table=1,zone=5,nat(dst=10.0.0.2:80),exec(...),alg=ftp)".
func (a *NXConntrack) String() string {
	var parts []string
	if a.Flags&NXConntrackCommit != 0 {
		parts = append(parts, "commit")
	}
	if a.Flags&NXConntrackForce != 0 {
		parts = append(parts, "force")
	}
	if a.Recirc {
		parts = append(parts, "table="+strconv.Itoa(int(a.RecircTable)))
	}
	if a.ZoneSrc != 0 {
		ofs, n := int(a.Zone>>6), int(a.Zone&0x3f)+1
		parts = append(parts, fmt.Sprintf("zone=%s[%d..%d]", nxmFieldName(a.ZoneSrc), ofs, ofs+n-1))
	} else if a.Zone != 0 {
		parts = append(parts, "zone="+strconv.Itoa(int(a.Zone)))
	}
	rest := a.Actions
	if len(rest) > 0 {
		if nat, ok := rest[0].(*NXNat); ok {
			parts = append(parts, nat.String())
			rest = rest[1:]
		}
	}
	if len(rest) > 0 {
		parts = append(parts, "exec("+ActionsString(rest)+")")
	}
	switch a.Alg {
	case 0:
	case NXConntrackAlgFTP:
		parts = append(parts, "alg=ftp")
	case NXConntrackAlgTFTP:
		parts = append(parts, "alg=tftp")
	default:
		parts = append(parts, "alg="+strconv.Itoa(int(a.Alg)))
	}
	return "ct(" + strings.Join(parts, ",") + ")"
}

// nxmFieldName names the NXM/OXM header of a field that can hold a zone,
// as Open vSwitch prints it: "NXM_NX_REG0" and so on, in hex otherwise.
func nxmFieldName(h uint32) string {
	// NXM_NX_REG0..15: class 0x0001, field 0..15, 4 bytes.
	if h&0xffff01ff == 0x00010004 && (h>>9)&0x7f < 16 {
		return "NXM_NX_REG" + strconv.Itoa(int(h>>9)&0x7f)
	}
	return fmt.Sprintf("0x%08x", h)
}

// NXNatFlags are the NX_NAT_F_* flags of NXNat.
type NXNatFlags uint16

// NAT flags.
const (
	// NXNatSrc translates the source (SNAT); exclusive with NXNatDst.
	NXNatSrc NXNatFlags = 1 << 0
	// NXNatDst translates the destination (DNAT).
	NXNatDst NXNatFlags = 1 << 1
	// NXNatPersistent keeps the chosen address for a client across
	// connections.
	NXNatPersistent NXNatFlags = 1 << 2
	// NXNatProtoHash picks the port by a hash; exclusive with
	// NXNatProtoRandom.
	NXNatProtoHash NXNatFlags = 1 << 3
	// NXNatProtoRandom picks the port at random.
	NXNatProtoRandom NXNatFlags = 1 << 4
)

const nxNatFlagsMask = NXNatSrc | NXNatDst | NXNatPersistent | NXNatProtoHash | NXNatProtoRandom

// String names the set bits, separated by "|", and any unknown ones in hex.
func (f NXNatFlags) String() string {
	return maskString(uint32(f), []bitName{
		{uint32(NXNatSrc), "src"},
		{uint32(NXNatDst), "dst"},
		{uint32(NXNatPersistent), "persistent"},
		{uint32(NXNatProtoHash), "hash"},
		{uint32(NXNatProtoRandom), "random"},
	})
}

// The range_present bits of nx_action_nat: which optional parts follow the
// fixed part, in this order.
const (
	nxNatRangeIPv4Min  = 1 << 0
	nxNatRangeIPv4Max  = 1 << 1
	nxNatRangeIPv6Min  = 1 << 2
	nxNatRangeIPv6Max  = 1 << 3
	nxNatRangeProtoMin = 1 << 4
	nxNatRangeProtoMax = 1 << 5
)

// NXNat is nx_action_nat (NXAST_NAT), valid only among the actions of
// NXConntrack: translate the source (NXNatSrc) or destination (NXNatDst)
// of a connection to an address in [IPMin, IPMax] and a port in
// [ProtoMin, ProtoMax]. Only the parts that are set go on the wire: IPMax
// and the ports need IPMin; ProtoMax needs ProtoMin. With neither src nor
// dst, "nat" applies the translation already set up for the connection.
type NXNat struct {
	Flags NXNatFlags
	// IPMin and IPMax bound the addresses, both IPv4 or both IPv6; the
	// zero netip.Addr leaves a bound out.
	IPMin, IPMax netip.Addr
	// ProtoMin and ProtoMax bound the ports; 0 leaves a bound out.
	ProtoMin, ProtoMax uint16
}

// ActionType returns ActionTypeExperimenter.
func (*NXNat) ActionType() ActionType { return ActionTypeExperimenter }

// rangePresent returns the range_present bits of a and checks the
// combination as Open vSwitch does when it decodes the action.
func (a *NXNat) rangePresent() (uint16, error) {
	bad := func(why string) (uint16, error) {
		return 0, fmt.Errorf("openflow: NXAST_NAT: %s: %w", why, ErrNXActionArgument)
	}
	if a.Flags&^nxNatFlagsMask != 0 {
		return bad(fmt.Sprintf("unknown flags %#x", uint16(a.Flags&^nxNatFlagsMask)))
	}
	if a.Flags&NXNatSrc != 0 && a.Flags&NXNatDst != 0 {
		return bad("both src and dst")
	}
	if a.Flags&NXNatProtoHash != 0 && a.Flags&NXNatProtoRandom != 0 {
		return bad("both hash and random")
	}
	var rp uint16
	switch {
	case !a.IPMin.IsValid():
		if a.IPMax.IsValid() || a.ProtoMin != 0 || a.ProtoMax != 0 {
			return bad("address max or ports without an address min")
		}
		return 0, nil
	case a.IPMin.IsUnspecified():
		return bad("address min is unspecified")
	case a.IPMin.Zone() != "" || a.IPMax.Zone() != "":
		return bad("address with a zone")
	case a.IPMin.Is4():
		rp = nxNatRangeIPv4Min
		if a.IPMax.IsValid() {
			if !a.IPMax.Is4() {
				return bad("mixed address families")
			}
			rp |= nxNatRangeIPv4Max
		}
	default:
		rp = nxNatRangeIPv6Min
		if a.IPMax.IsValid() {
			if !a.IPMax.Is6() {
				return bad("mixed address families")
			}
			rp |= nxNatRangeIPv6Max
		}
	}
	if a.IPMax.IsValid() && a.IPMax.Less(a.IPMin) {
		return bad("address max below min")
	}
	if a.ProtoMin != 0 {
		rp |= nxNatRangeProtoMin
		if a.ProtoMax != 0 {
			if a.ProtoMax < a.ProtoMin {
				return bad("port max below min")
			}
			rp |= nxNatRangeProtoMax
		}
	} else if a.ProtoMax != 0 {
		return bad("port max without a port min")
	}
	return rp, nil
}

// AppendBinary appends the action with the parts of the range that are set,
// padded to 8 bytes. It fails on combinations Open vSwitch refuses.
func (a *NXNat) AppendBinary(b []byte) ([]byte, error) {
	rp, err := a.rangePresent()
	if err != nil {
		return b, err
	}
	start := len(b)
	b = appendNXHeader(b, NXActionNAT, 0)
	b = append(b, 0, 0) // pad
	b = binary.BigEndian.AppendUint16(b, uint16(a.Flags))
	b = binary.BigEndian.AppendUint16(b, rp)
	b = appendNatAddr(b, a.IPMin)
	b = appendNatAddr(b, a.IPMax)
	if rp&nxNatRangeProtoMin != 0 {
		b = binary.BigEndian.AppendUint16(b, a.ProtoMin)
	}
	if rp&nxNatRangeProtoMax != 0 {
		b = binary.BigEndian.AppendUint16(b, a.ProtoMax)
	}
	return patchLen(b, start, NXActionNAT)
}

// appendNatAddr appends ip in 4 or 16 bytes, nothing for the zero Addr.
func appendNatAddr(b []byte, ip netip.Addr) []byte {
	switch {
	case ip.Is4():
		a4 := ip.As4()
		return append(b, a4[:]...)
	case ip.Is6():
		a16 := ip.As16()
		return append(b, a16[:]...)
	}
	return b
}

// UnmarshalBinary decodes the action: the parts that range_present names
// must all be there, padded to exactly a multiple of 8, and form a range
// Open vSwitch accepts.
func (a *NXNat) UnmarshalBinary(b []byte) error {
	l, err := checkNX(b, NXActionNAT, NXNatLen, false)
	if err != nil {
		return err
	}
	rp := binary.BigEndian.Uint16(b[14:16])
	if rp&^0x3f != 0 {
		return fmt.Errorf("openflow: NXAST_NAT: unknown range_present bits %#x: %w", rp, ErrNXActionArgument)
	}
	if rp&(nxNatRangeIPv4Min|nxNatRangeIPv4Max) != 0 && rp&(nxNatRangeIPv6Min|nxNatRangeIPv6Max) != 0 {
		return fmt.Errorf("openflow: NXAST_NAT: IPv4 and IPv6 ranges: %w", ErrNXActionArgument)
	}
	need := NXNatLen
	for _, p := range []struct {
		bit uint16
		n   int
	}{
		{nxNatRangeIPv4Min, 4}, {nxNatRangeIPv4Max, 4},
		{nxNatRangeIPv6Min, 16}, {nxNatRangeIPv6Max, 16},
		{nxNatRangeProtoMin, 2}, {nxNatRangeProtoMax, 2},
	} {
		if rp&p.bit != 0 {
			need += p.n
		}
	}
	if need+pad8(need) != l {
		return fmt.Errorf("openflow: NXAST_NAT: length %d for range_present %#x: %w", l, rp, ErrActionLength)
	}
	n := NXNat{Flags: NXNatFlags(binary.BigEndian.Uint16(b[12:14]))}
	p := b[NXNatLen:l]
	switch {
	case rp&nxNatRangeIPv4Min != 0:
		n.IPMin, p = netip.AddrFrom4([4]byte(p[:4])), p[4:]
		if rp&nxNatRangeIPv4Max != 0 {
			n.IPMax, p = netip.AddrFrom4([4]byte(p[:4])), p[4:]
		}
	case rp&nxNatRangeIPv6Min != 0:
		n.IPMin, p = netip.AddrFrom16([16]byte(p[:16])), p[16:]
		if rp&nxNatRangeIPv6Max != 0 {
			n.IPMax, p = netip.AddrFrom16([16]byte(p[:16])), p[16:]
		}
	}
	if rp&nxNatRangeProtoMin != 0 {
		n.ProtoMin, p = binary.BigEndian.Uint16(p), p[2:]
		if rp&nxNatRangeProtoMax != 0 {
			n.ProtoMax = binary.BigEndian.Uint16(p)
		}
	}
	// The bits must describe what the fields now hold: a max without a
	// min, or a zero bound that was sent, does not re-encode the same.
	got, err := n.rangePresent()
	if err != nil {
		return err
	}
	if got != rp || (rp&nxNatRangeProtoMin != 0 && n.ProtoMin == 0) || (rp&nxNatRangeProtoMax != 0 && n.ProtoMax == 0) {
		return fmt.Errorf("openflow: NXAST_NAT: range_present %#x with empty or unordered parts: %w", rp, ErrNXActionArgument)
	}
	*a = n
	return nil
}

// String formats the action as ovs-ofctl does, for example
// "nat(dst=10.0.0.2:80)", "nat(src=10.0.0.1-10.0.0.9:1024-2047,random)" or
// "nat". Like Open vSwitch it prints the persistent, hash and random
// flags only with a range.
func (a *NXNat) String() string {
	if a.Flags&(NXNatSrc|NXNatDst) == 0 {
		return "nat"
	}
	var sb strings.Builder
	sb.WriteString("nat(")
	if a.Flags&NXNatSrc != 0 {
		sb.WriteString("src")
	} else {
		sb.WriteString("dst")
	}
	if a.IPMin.IsValid() {
		sb.WriteByte('=')
		bracket := a.IPMin.Is6() && a.ProtoMin != 0
		writeAddr := func(ip netip.Addr) {
			if bracket {
				sb.WriteByte('[')
			}
			sb.WriteString(ip.String())
			if bracket {
				sb.WriteByte(']')
			}
		}
		writeAddr(a.IPMin)
		if a.IPMax.IsValid() && a.IPMax != a.IPMin {
			sb.WriteByte('-')
			writeAddr(a.IPMax)
		}
		if a.ProtoMin != 0 {
			sb.WriteByte(':')
			sb.WriteString(strconv.Itoa(int(a.ProtoMin)))
			if a.ProtoMax != 0 && a.ProtoMax != a.ProtoMin {
				sb.WriteByte('-')
				sb.WriteString(strconv.Itoa(int(a.ProtoMax)))
			}
		}
		if a.Flags&NXNatPersistent != 0 {
			sb.WriteString(",persistent")
		}
		if a.Flags&NXNatProtoHash != 0 {
			sb.WriteString(",hash")
		}
		if a.Flags&NXNatProtoRandom != 0 {
			sb.WriteString(",random")
		}
	}
	sb.WriteByte(')')
	return sb.String()
}

// Property types of NXAST_CONTROLLER2 (enum nx_action_controller2_prop_type).
const (
	nxac2MaxLen       = 0 // ovs_be16
	nxac2ControllerID = 1 // ovs_be16
	nxac2Reason       = 2 // uint8
	nxac2UserData     = 3 // bytes
	nxac2Pause        = 4 // flag, no value
	nxac2MeterID      = 5 // ovs_be32
)

// nxac2Size returns the value size of a fixed-size NXAST_CONTROLLER2
// property, or -1 for user data and unknown types.
func nxac2Size(typ uint16) int {
	switch typ {
	case nxac2MaxLen, nxac2ControllerID:
		return 2
	case nxac2Reason:
		return 1
	case nxac2Pause:
		return 0
	case nxac2MeterID:
		return 4
	}
	return -1
}

// NXController2 is NXAST_CONTROLLER2: NXController with properties. Open
// vSwitch's defaults (MaxLen ControllerNoBuffer, ControllerID 0, Reason
// PacketInReasonAction, no user data, no pause, MeterID 0) are left out of
// the encoding and filled in by the decoder, so set MaxLen and Reason
// explicitly, as for NXController.
type NXController2 struct {
	MaxLen       uint16
	ControllerID uint16
	Reason       PacketInReason
	// UserData is copied into the NXT_PACKET_IN2 that the switch sends;
	// nil for none.
	UserData []byte
	// Pause freezes the packet's pipeline until the controller resumes
	// it with NXT_RESUME.
	Pause bool
	// MeterID rate-limits the packet-ins of this action through a meter;
	// 0 for none.
	MeterID uint32
}

// ActionType returns ActionTypeExperimenter.
func (*NXController2) ActionType() ActionType { return ActionTypeExperimenter }

// appendProp appends an ofp_prop_header property with value v, padded to 8
// bytes.
func appendProp(b []byte, typ uint16, v ...byte) []byte {
	b = binary.BigEndian.AppendUint16(b, typ)
	b = binary.BigEndian.AppendUint16(b, uint16(4+len(v)))
	b = append(b, v...)
	return appendPad(b, pad8(4+len(v)))
}

// AppendBinary appends the action with a property for each field that is
// not at its default.
func (a *NXController2) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = appendNXHeader(b, NXActionController2, 0)
	b = appendPad(b, 6)
	if a.MaxLen != ControllerNoBuffer {
		b = appendProp(b, nxac2MaxLen, byte(a.MaxLen>>8), byte(a.MaxLen))
	}
	if a.ControllerID != 0 {
		b = appendProp(b, nxac2ControllerID, byte(a.ControllerID>>8), byte(a.ControllerID))
	}
	if a.Reason != PacketInReasonAction {
		b = appendProp(b, nxac2Reason, byte(a.Reason))
	}
	if len(a.UserData) > 0 {
		// A property too long for its length field makes the whole
		// action too long too: patchLen refuses it.
		b = appendProp(b, nxac2UserData, a.UserData...)
	}
	if a.Pause {
		b = appendProp(b, nxac2Pause)
	}
	if a.MeterID != 0 {
		b = appendProp(b, nxac2MeterID, byte(a.MeterID>>24), byte(a.MeterID>>16), byte(a.MeterID>>8), byte(a.MeterID))
	}
	return patchLen(b, start, NXActionController2)
}

// UnmarshalBinary decodes the action. Each property must be whole, padded
// to 8 bytes, of a known type and of its type's size; the header's padding
// must be zero. UserData aliases b.
func (a *NXController2) UnmarshalBinary(b []byte) error {
	l, err := checkNX(b, NXActionController2, NXActionHeaderLen, false)
	if err != nil {
		return err
	}
	if [6]byte(b[10:16]) != [6]byte{} {
		return fmt.Errorf("openflow: NXAST_CONTROLLER2: non-zero padding: %w", ErrNXActionArgument)
	}
	c := NXController2{MaxLen: ControllerNoBuffer, Reason: PacketInReasonAction}
	p := b[NXActionHeaderLen:l]
	for off := NXActionHeaderLen; len(p) > 0; {
		if len(p) < 4 {
			return errShort(fmt.Sprintf("NXAST_CONTROLLER2 property at offset %d", off), 4, len(p))
		}
		typ, n := binary.BigEndian.Uint16(p), int(binary.BigEndian.Uint16(p[2:4]))
		if n < 4 {
			return fmt.Errorf("openflow: NXAST_CONTROLLER2 property at offset %d: length %d: %w", off, n, ErrActionLength)
		}
		if n+pad8(n) > len(p) {
			return errShort(fmt.Sprintf("NXAST_CONTROLLER2 property at offset %d", off), n+pad8(n), len(p))
		}
		v := p[4:n:n]
		if size := nxac2Size(typ); size >= 0 && len(v) != size {
			return fmt.Errorf("openflow: NXAST_CONTROLLER2 property %d at offset %d: %d bytes, want %d: %w", typ, off, len(v), size, ErrActionLength)
		}
		switch typ {
		case nxac2MaxLen:
			c.MaxLen = binary.BigEndian.Uint16(v)
		case nxac2ControllerID:
			c.ControllerID = binary.BigEndian.Uint16(v)
		case nxac2Reason:
			c.Reason = PacketInReason(v[0])
		case nxac2UserData:
			c.UserData = nil
			if len(v) > 0 {
				c.UserData = v
			}
		case nxac2Pause:
			c.Pause = true
		case nxac2MeterID:
			c.MeterID = binary.BigEndian.Uint32(v)
		default:
			return fmt.Errorf("openflow: NXAST_CONTROLLER2 property at offset %d: unknown type %d: %w", off, typ, ErrNXActionArgument)
		}
		off += n + pad8(n)
		p = p[n+pad8(n):]
	}
	*a = c
	return nil
}

// String formats the action as ovs-ofctl does: "CONTROLLER:65535" when
// only MaxLen is set, otherwise for example
// "controller(reason=no_match,max_len=128,id=2,userdata=01.02,pause,meter_id=1)".
func (a *NXController2) String() string {
	if a.Reason == PacketInReasonAction && a.ControllerID == 0 && len(a.UserData) == 0 && !a.Pause && a.MeterID == 0 {
		return "CONTROLLER:" + strconv.Itoa(int(a.MaxLen))
	}
	var parts []string
	if a.Reason != PacketInReasonAction {
		parts = append(parts, "reason="+nxReasonString(a.Reason))
	}
	if a.MaxLen != ControllerNoBuffer {
		parts = append(parts, "max_len="+strconv.Itoa(int(a.MaxLen)))
	}
	if a.ControllerID != 0 {
		parts = append(parts, "id="+strconv.Itoa(int(a.ControllerID)))
	}
	if len(a.UserData) > 0 {
		hexes := make([]string, len(a.UserData))
		for i, x := range a.UserData {
			hexes[i] = fmt.Sprintf("%02x", x)
		}
		parts = append(parts, "userdata="+strings.Join(hexes, "."))
	}
	if a.Pause {
		parts = append(parts, "pause")
	}
	if a.MeterID != 0 {
		parts = append(parts, "meter_id="+strconv.FormatUint(uint64(a.MeterID), 10))
	}
	return "controller(" + strings.Join(parts, ",") + ")"
}
