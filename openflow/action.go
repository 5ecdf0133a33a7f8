package openflow

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ActionHeaderLen is the length of ofp_action_header: type, length and four
// bytes that the shortest actions use for their argument or padding. Every
// action is at least this long and a multiple of 8 bytes.
const ActionHeaderLen = 8

// ActionExperimenterHeaderLen is the length of
// ofp_action_experimenter_header: type, length and experimenter id.
const ActionExperimenterHeaderLen = 8

// Lengths of the fixed-size actions that are not just a header.
const (
	// ActionOutputLen is the length of ofp_action_output.
	ActionOutputLen = 16
)

// ActionType is ofp_action_type: what an action does.
type ActionType uint16

// Action types of OpenFlow 1.3. Types 1 to 10 belonged to OpenFlow 1.1's
// field-rewriting actions, replaced by SET_FIELD, and are not defined.
const (
	// ActionTypeOutput sends the packet out of a port (or to the
	// controller, or to a reserved port).
	ActionTypeOutput ActionType = 0
	// ActionTypeCopyTTLOut copies the TTL from the next-to-outermost
	// header to the outermost one.
	ActionTypeCopyTTLOut ActionType = 11
	// ActionTypeCopyTTLIn copies the TTL from the outermost header to the
	// next-to-outermost one.
	ActionTypeCopyTTLIn ActionType = 12
	// ActionTypeSetMPLSTTL sets the MPLS TTL.
	ActionTypeSetMPLSTTL ActionType = 15
	// ActionTypeDecMPLSTTL decrements the MPLS TTL.
	ActionTypeDecMPLSTTL ActionType = 16
	// ActionTypePushVLAN pushes a new VLAN tag.
	ActionTypePushVLAN ActionType = 17
	// ActionTypePopVLAN pops the outer VLAN tag.
	ActionTypePopVLAN ActionType = 18
	// ActionTypePushMPLS pushes a new MPLS tag.
	ActionTypePushMPLS ActionType = 19
	// ActionTypePopMPLS pops the outer MPLS tag.
	ActionTypePopMPLS ActionType = 20
	// ActionTypeSetQueue sets the queue id used when outputting to a port.
	ActionTypeSetQueue ActionType = 21
	// ActionTypeGroup applies a group.
	ActionTypeGroup ActionType = 22
	// ActionTypeSetNwTTL sets the IP TTL.
	ActionTypeSetNwTTL ActionType = 23
	// ActionTypeDecNwTTL decrements the IP TTL.
	ActionTypeDecNwTTL ActionType = 24
	// ActionTypeSetField sets a header field from an OXM TLV.
	ActionTypeSetField ActionType = 25
	// ActionTypePushPBB pushes a new PBB service tag (I-TAG).
	ActionTypePushPBB ActionType = 26
	// ActionTypePopPBB pops the outer PBB service tag (I-TAG).
	ActionTypePopPBB ActionType = 27
	// ActionTypeExperimenter is an experimenter (vendor) action, such
	// as the Nicira extensions of Open vSwitch.
	ActionTypeExperimenter ActionType = 0xffff
)

// String returns the name of t as the specification spells it, or its number for an unknown one.
func (t ActionType) String() string {
	switch t {
	case ActionTypeOutput:
		return "OUTPUT"
	case ActionTypeCopyTTLOut:
		return "COPY_TTL_OUT"
	case ActionTypeCopyTTLIn:
		return "COPY_TTL_IN"
	case ActionTypeSetMPLSTTL:
		return "SET_MPLS_TTL"
	case ActionTypeDecMPLSTTL:
		return "DEC_MPLS_TTL"
	case ActionTypePushVLAN:
		return "PUSH_VLAN"
	case ActionTypePopVLAN:
		return "POP_VLAN"
	case ActionTypePushMPLS:
		return "PUSH_MPLS"
	case ActionTypePopMPLS:
		return "POP_MPLS"
	case ActionTypeSetQueue:
		return "SET_QUEUE"
	case ActionTypeGroup:
		return "GROUP"
	case ActionTypeSetNwTTL:
		return "SET_NW_TTL"
	case ActionTypeDecNwTTL:
		return "DEC_NW_TTL"
	case ActionTypeSetField:
		return "SET_FIELD"
	case ActionTypePushPBB:
		return "PUSH_PBB"
	case ActionTypePopPBB:
		return "POP_PBB"
	case ActionTypeExperimenter:
		return "EXPERIMENTER"
	}
	return fmt.Sprintf("ActionType(%d)", uint16(t))
}

// Action is one action of an action list or action set. Decoded actions may
// alias the bytes they were decoded from.
type Action interface {
	ActionType() ActionType
	// AppendBinary appends the action, header and padding included.
	AppendBinary(b []byte) ([]byte, error)
	// UnmarshalBinary decodes exactly one action, header included: b
	// must be as long as the action's length field says.
	UnmarshalBinary(b []byte) error
}

// ErrActionLength reports an action whose length field is impossible:
// shorter than 8, not a multiple of 8, or not the length its type and
// contents call for.
var ErrActionLength = errors.New("bad action length")

// ErrUnknownAction reports an action type that OpenFlow 1.3 does not
// define.
var ErrUnknownAction = errors.New("unknown action type")

// ErrSetFieldMasked reports a SET_FIELD action whose OXM carries a mask:
// OpenFlow 1.3 sets whole fields only.
var ErrSetFieldMasked = errors.New("masked field in SET_FIELD")

// Interface checks.
var (
	_ Action = (*Output)(nil)
	_ Action = (*CopyTTLOut)(nil)
	_ Action = (*CopyTTLIn)(nil)
	_ Action = (*SetMPLSTTL)(nil)
	_ Action = (*DecMPLSTTL)(nil)
	_ Action = (*PushVLAN)(nil)
	_ Action = (*PopVLAN)(nil)
	_ Action = (*PushMPLS)(nil)
	_ Action = (*PopMPLS)(nil)
	_ Action = (*SetQueue)(nil)
	_ Action = (*Group)(nil)
	_ Action = (*SetNwTTL)(nil)
	_ Action = (*DecNwTTL)(nil)
	_ Action = (*SetField)(nil)
	_ Action = (*PushPBB)(nil)
	_ Action = (*PopPBB)(nil)
	_ Action = (*ActionExperimenter)(nil)
)

// AppendActions appends an action list. On error b is returned unchanged in
// length.
func AppendActions(b []byte, actions []Action) ([]byte, error) {
	return appendList(b, actions)
}

// appendList appends every element of a TLV list (actions, instructions),
// leaving b's length unchanged on error.
func appendList[T interface{ AppendBinary([]byte) ([]byte, error) }](b []byte, list []T) ([]byte, error) {
	start := len(b)
	var err error
	for _, e := range list {
		if b, err = e.AppendBinary(b); err != nil {
			return b[:start], err
		}
	}
	return b, nil
}

// decodeList decodes a whole TLV list with tlvIter's length rules, each
// element by the zero value newElem returns for it; nil for an empty list.
func decodeList[T interface{ UnmarshalBinary([]byte) error }](b []byte, what string, errLen error, newElem func([]byte) (T, error)) ([]T, error) {
	var list []T
	it := tlvIter{b: b, what: what, errLen: errLen}
	for it.next() {
		e, err := newElem(it.cur)
		if err == nil {
			err = e.UnmarshalBinary(it.cur)
		}
		if err != nil {
			it.fail(err)
			break
		}
		list = append(list, e)
	}
	if it.err != nil {
		return nil, it.err
	}
	return list, nil
}

// DecodeActions decodes a whole action list: every action's length must be
// at least 8, a multiple of 8 and within b. It returns nil for an empty
// list. The actions may alias b. Experimenter actions of Nicira
// (NiciraExperimenterID) with a known subtype decode to their own types;
// every other experimenter action decodes to *ActionExperimenter.
func DecodeActions(b []byte) ([]Action, error) {
	return decodeList(b, "action", ErrActionLength, newAction)
}

// newAction returns a zero action of the type that the action at the start
// of b (at least 8 bytes, as tlvIter guarantees) decodes to.
func newAction(b []byte) (Action, error) {
	switch t := ActionType(binary.BigEndian.Uint16(b)); t {
	case ActionTypeOutput:
		return new(Output), nil
	case ActionTypeCopyTTLOut:
		return new(CopyTTLOut), nil
	case ActionTypeCopyTTLIn:
		return new(CopyTTLIn), nil
	case ActionTypeSetMPLSTTL:
		return new(SetMPLSTTL), nil
	case ActionTypeDecMPLSTTL:
		return new(DecMPLSTTL), nil
	case ActionTypePushVLAN:
		return new(PushVLAN), nil
	case ActionTypePopVLAN:
		return new(PopVLAN), nil
	case ActionTypePushMPLS:
		return new(PushMPLS), nil
	case ActionTypePopMPLS:
		return new(PopMPLS), nil
	case ActionTypeSetQueue:
		return new(SetQueue), nil
	case ActionTypeGroup:
		return new(Group), nil
	case ActionTypeSetNwTTL:
		return new(SetNwTTL), nil
	case ActionTypeDecNwTTL:
		return new(DecNwTTL), nil
	case ActionTypeSetField:
		return new(SetField), nil
	case ActionTypePushPBB:
		return new(PushPBB), nil
	case ActionTypePopPBB:
		return new(PopPBB), nil
	case ActionTypeExperimenter:
		if a := newExperimenterAction(b); a != nil {
			return a, nil
		}
		return new(ActionExperimenter), nil
	default:
		return nil, fmt.Errorf("openflow: %w %d", ErrUnknownAction, uint16(t))
	}
}

// tlvIter walks a list of 8-byte aligned TLVs (actions, instructions) whose
// 16-bit type and length open each element, in the manner of netlink's
// attribute decoder: next reports whether there is a current element, and
// the first error sticks and stops the walk.
type tlvIter struct {
	b      []byte // the whole list
	off    int    // offset of the next element in b
	cur    []byte // the current element, exactly its length
	err    error
	what   string // "action", "instruction": for error messages
	errLen error  // the sentinel that a bad length field wraps
}

// next advances to the next element, checking that its length is at least
// 8, a multiple of 8 and within the list.
func (it *tlvIter) next() bool {
	if it.err != nil || it.off >= len(it.b) {
		return false
	}
	rest := it.b[it.off:]
	if len(rest) < 4 {
		it.err = errShort(fmt.Sprintf("%s at offset %d", it.what, it.off), 4, len(rest))
		return false
	}
	n := int(binary.BigEndian.Uint16(rest[2:4]))
	switch {
	case n < 8 || n%8 != 0:
		it.err = fmt.Errorf("openflow: %s at offset %d: length %d: %w", it.what, it.off, n, it.errLen)
		return false
	case n > len(rest):
		it.err = errShort(fmt.Sprintf("%s at offset %d", it.what, it.off), n, len(rest))
		return false
	}
	it.cur = rest[:n:n]
	it.off += n
	return true
}

// fail records err, with the current element's offset, unless an error is
// already recorded.
func (it *tlvIter) fail(err error) {
	if it.err == nil {
		it.err = nest(fmt.Sprintf("%s at offset %d", it.what, it.off-len(it.cur)), err)
	}
}

// nestedError is an error of a part (an action of a list, the actions of
// an instruction) placed in its whole, with one "openflow:" prefix.
type nestedError struct {
	where string
	err   error
}

// nest returns err placed at where.
func nest(where string, err error) error { return &nestedError{where: where, err: err} }

func (e *nestedError) Error() string {
	return "openflow: " + e.where + ": " + strings.TrimPrefix(e.err.Error(), "openflow: ")
}

func (e *nestedError) Unwrap() error { return e.err }

// checkFixed checks that b holds exactly one action of type t whose length
// must be n.
func checkFixed(b []byte, t ActionType, n int) error {
	if len(b) < 4 {
		return errShort(t.String()+" action", n, len(b))
	}
	if got := ActionType(binary.BigEndian.Uint16(b)); got != t {
		return fmt.Errorf("openflow: %v action: type is %v", t, got)
	}
	if l := int(binary.BigEndian.Uint16(b[2:4])); l != n {
		return fmt.Errorf("openflow: %v action: length %d, want %d: %w", t, l, n, ErrActionLength)
	}
	if len(b) != n {
		if len(b) < n {
			return errShort(t.String()+" action", n, len(b))
		}
		return fmt.Errorf("openflow: %v action: %d bytes after its end", t, len(b)-n)
	}
	return nil
}

// checkVar checks that b holds exactly one action of type t with a length
// field of at least min bytes, a multiple of 8, and returns that length.
func checkVar(b []byte, t ActionType, min int) (int, error) {
	if len(b) < 4 {
		return 0, errShort(t.String()+" action", min, len(b))
	}
	if got := ActionType(binary.BigEndian.Uint16(b)); got != t {
		return 0, fmt.Errorf("openflow: %v action: type is %v", t, got)
	}
	l := int(binary.BigEndian.Uint16(b[2:4]))
	if l < min || l%8 != 0 {
		return 0, fmt.Errorf("openflow: %v action: length %d: %w", t, l, ErrActionLength)
	}
	if len(b) != l {
		if len(b) < l {
			return 0, errShort(t.String()+" action", l, len(b))
		}
		return 0, fmt.Errorf("openflow: %v action: %d bytes after its end", t, len(b)-l)
	}
	return l, nil
}

// appendHeader8 appends an 8-byte action: header and a 32-bit argument.
func appendHeader8(b []byte, t ActionType, arg uint32) []byte {
	b = append(b, byte(t>>8), byte(t), 0, 8)
	return binary.BigEndian.AppendUint32(b, arg)
}

// patchLen pads the variable-length element that starts at start to a
// multiple of 8 and writes its length. It fails, with b cut back to start,
// when the element does not fit the 16-bit length field.
func patchLen(b []byte, start int, what fmt.Stringer) ([]byte, error) {
	b = appendPad(b, pad8(len(b)-start))
	n := len(b) - start
	if n > MaxMessageLen {
		return b[:start], fmt.Errorf("openflow: %v (%d bytes): %w", what, n, ErrTooLong)
	}
	binary.BigEndian.PutUint16(b[start+2:], uint16(n))
	return b, nil
}

// Output is ofp_action_output: send the packet out of Port. MaxLen is the
// number of bytes to send when Port is PortController (ControllerNoBuffer
// for the whole packet, unbuffered); other ports ignore it.
type Output struct {
	Port   uint32
	MaxLen uint16
}

// ActionType returns ActionTypeOutput.
func (*Output) ActionType() ActionType { return ActionTypeOutput }

// AppendBinary appends the 16-byte action.
func (a *Output) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, 0, byte(ActionTypeOutput), 0, ActionOutputLen)
	b = binary.BigEndian.AppendUint32(b, a.Port)
	b = binary.BigEndian.AppendUint16(b, a.MaxLen)
	return appendPad(b, 6), nil
}

// UnmarshalBinary decodes the action.
func (a *Output) UnmarshalBinary(b []byte) error {
	if err := checkFixed(b, ActionTypeOutput, ActionOutputLen); err != nil {
		return err
	}
	a.Port = binary.BigEndian.Uint32(b[4:8])
	a.MaxLen = binary.BigEndian.Uint16(b[8:10])
	return nil
}

// String formats the action as ovs-ofctl does: "output:1", "NORMAL",
// "CONTROLLER:65535".
func (a *Output) String() string {
	if a.Port < PortMax {
		return "output:" + strconv.FormatUint(uint64(a.Port), 10)
	}
	s := PortNoString(a.Port)
	if a.Port == PortController {
		s += ":" + strconv.FormatUint(uint64(a.MaxLen), 10)
	}
	return s
}

// CopyTTLOut is ofp_action_generic of type COPY_TTL_OUT: copy the TTL from
// the next-to-outermost header to the outermost one.
type CopyTTLOut struct{}

// ActionType returns ActionTypeCopyTTLOut.
func (*CopyTTLOut) ActionType() ActionType { return ActionTypeCopyTTLOut }

// AppendBinary appends the 8-byte action.
func (*CopyTTLOut) AppendBinary(b []byte) ([]byte, error) {
	return appendHeader8(b, ActionTypeCopyTTLOut, 0), nil
}

// UnmarshalBinary decodes the action.
func (*CopyTTLOut) UnmarshalBinary(b []byte) error {
	return checkFixed(b, ActionTypeCopyTTLOut, ActionHeaderLen)
}

// String returns "copy_ttl_out".
func (*CopyTTLOut) String() string { return "copy_ttl_out" }

// CopyTTLIn is ofp_action_generic of type COPY_TTL_IN: copy the TTL from the
// outermost header to the next-to-outermost one.
type CopyTTLIn struct{}

// ActionType returns ActionTypeCopyTTLIn.
func (*CopyTTLIn) ActionType() ActionType { return ActionTypeCopyTTLIn }

// AppendBinary appends the 8-byte action.
func (*CopyTTLIn) AppendBinary(b []byte) ([]byte, error) {
	return appendHeader8(b, ActionTypeCopyTTLIn, 0), nil
}

// UnmarshalBinary decodes the action.
func (*CopyTTLIn) UnmarshalBinary(b []byte) error {
	return checkFixed(b, ActionTypeCopyTTLIn, ActionHeaderLen)
}

// String returns "copy_ttl_in".
func (*CopyTTLIn) String() string { return "copy_ttl_in" }

// SetMPLSTTL is ofp_action_mpls_ttl: set the MPLS TTL.
type SetMPLSTTL struct {
	TTL uint8
}

// ActionType returns ActionTypeSetMPLSTTL.
func (*SetMPLSTTL) ActionType() ActionType { return ActionTypeSetMPLSTTL }

// AppendBinary appends the 8-byte action.
func (a *SetMPLSTTL) AppendBinary(b []byte) ([]byte, error) {
	return appendHeader8(b, ActionTypeSetMPLSTTL, uint32(a.TTL)<<24), nil
}

// UnmarshalBinary decodes the action.
func (a *SetMPLSTTL) UnmarshalBinary(b []byte) error {
	if err := checkFixed(b, ActionTypeSetMPLSTTL, ActionHeaderLen); err != nil {
		return err
	}
	a.TTL = b[4]
	return nil
}

// String formats the action as ovs-ofctl does: "set_mpls_ttl(64)".
func (a *SetMPLSTTL) String() string { return fmt.Sprintf("set_mpls_ttl(%d)", a.TTL) }

// DecMPLSTTL is ofp_action_generic of type DEC_MPLS_TTL: decrement the MPLS
// TTL.
type DecMPLSTTL struct{}

// ActionType returns ActionTypeDecMPLSTTL.
func (*DecMPLSTTL) ActionType() ActionType { return ActionTypeDecMPLSTTL }

// AppendBinary appends the 8-byte action.
func (*DecMPLSTTL) AppendBinary(b []byte) ([]byte, error) {
	return appendHeader8(b, ActionTypeDecMPLSTTL, 0), nil
}

// UnmarshalBinary decodes the action.
func (*DecMPLSTTL) UnmarshalBinary(b []byte) error {
	return checkFixed(b, ActionTypeDecMPLSTTL, ActionHeaderLen)
}

// String returns "dec_mpls_ttl".
func (*DecMPLSTTL) String() string { return "dec_mpls_ttl" }

// PushVLAN is ofp_action_push of type PUSH_VLAN: push a VLAN tag with the
// given EtherType (0x8100, or 0x88a8 for a service tag).
type PushVLAN struct {
	EtherType uint16
}

// ActionType returns ActionTypePushVLAN.
func (*PushVLAN) ActionType() ActionType { return ActionTypePushVLAN }

// AppendBinary appends the 8-byte action.
func (a *PushVLAN) AppendBinary(b []byte) ([]byte, error) {
	return appendHeader8(b, ActionTypePushVLAN, uint32(a.EtherType)<<16), nil
}

// UnmarshalBinary decodes the action.
func (a *PushVLAN) UnmarshalBinary(b []byte) error {
	if err := checkFixed(b, ActionTypePushVLAN, ActionHeaderLen); err != nil {
		return err
	}
	a.EtherType = binary.BigEndian.Uint16(b[4:6])
	return nil
}

// String formats the action as ovs-ofctl does: "push_vlan:0x8100".
func (a *PushVLAN) String() string { return fmt.Sprintf("push_vlan:%#x", a.EtherType) }

// PopVLAN is ofp_action_generic of type POP_VLAN: pop the outer VLAN tag.
type PopVLAN struct{}

// ActionType returns ActionTypePopVLAN.
func (*PopVLAN) ActionType() ActionType { return ActionTypePopVLAN }

// AppendBinary appends the 8-byte action.
func (*PopVLAN) AppendBinary(b []byte) ([]byte, error) {
	return appendHeader8(b, ActionTypePopVLAN, 0), nil
}

// UnmarshalBinary decodes the action.
func (*PopVLAN) UnmarshalBinary(b []byte) error {
	return checkFixed(b, ActionTypePopVLAN, ActionHeaderLen)
}

// String returns "pop_vlan".
func (*PopVLAN) String() string { return "pop_vlan" }

// PushMPLS is ofp_action_push of type PUSH_MPLS: push an MPLS label with the
// given EtherType (0x8847 unicast, 0x8848 multicast).
type PushMPLS struct {
	EtherType uint16
}

// ActionType returns ActionTypePushMPLS.
func (*PushMPLS) ActionType() ActionType { return ActionTypePushMPLS }

// AppendBinary appends the 8-byte action.
func (a *PushMPLS) AppendBinary(b []byte) ([]byte, error) {
	return appendHeader8(b, ActionTypePushMPLS, uint32(a.EtherType)<<16), nil
}

// UnmarshalBinary decodes the action.
func (a *PushMPLS) UnmarshalBinary(b []byte) error {
	if err := checkFixed(b, ActionTypePushMPLS, ActionHeaderLen); err != nil {
		return err
	}
	a.EtherType = binary.BigEndian.Uint16(b[4:6])
	return nil
}

// String formats the action as ovs-ofctl does: "push_mpls:0x8847".
func (a *PushMPLS) String() string { return fmt.Sprintf("push_mpls:0x%04x", a.EtherType) }

// PopMPLS is ofp_action_pop_mpls: pop the outer MPLS label, giving the
// packet the EtherType of what follows (0x0800 at the bottom of the stack).
type PopMPLS struct {
	EtherType uint16
}

// ActionType returns ActionTypePopMPLS.
func (*PopMPLS) ActionType() ActionType { return ActionTypePopMPLS }

// AppendBinary appends the 8-byte action.
func (a *PopMPLS) AppendBinary(b []byte) ([]byte, error) {
	return appendHeader8(b, ActionTypePopMPLS, uint32(a.EtherType)<<16), nil
}

// UnmarshalBinary decodes the action.
func (a *PopMPLS) UnmarshalBinary(b []byte) error {
	if err := checkFixed(b, ActionTypePopMPLS, ActionHeaderLen); err != nil {
		return err
	}
	a.EtherType = binary.BigEndian.Uint16(b[4:6])
	return nil
}

// String formats the action as ovs-ofctl does: "pop_mpls:0x0800".
func (a *PopMPLS) String() string { return fmt.Sprintf("pop_mpls:0x%04x", a.EtherType) }

// SetQueue is ofp_action_set_queue: the queue of the port that a later
// output uses.
type SetQueue struct {
	QueueID uint32
}

// ActionType returns ActionTypeSetQueue.
func (*SetQueue) ActionType() ActionType { return ActionTypeSetQueue }

// AppendBinary appends the 8-byte action.
func (a *SetQueue) AppendBinary(b []byte) ([]byte, error) {
	return appendHeader8(b, ActionTypeSetQueue, a.QueueID), nil
}

// UnmarshalBinary decodes the action.
func (a *SetQueue) UnmarshalBinary(b []byte) error {
	if err := checkFixed(b, ActionTypeSetQueue, ActionHeaderLen); err != nil {
		return err
	}
	a.QueueID = binary.BigEndian.Uint32(b[4:8])
	return nil
}

// String formats the action as ovs-ofctl does: "set_queue:1".
func (a *SetQueue) String() string { return "set_queue:" + strconv.FormatUint(uint64(a.QueueID), 10) }

// Group is ofp_action_group: process the packet through a group.
type Group struct {
	GroupID uint32
}

// ActionType returns ActionTypeGroup.
func (*Group) ActionType() ActionType { return ActionTypeGroup }

// AppendBinary appends the 8-byte action.
func (a *Group) AppendBinary(b []byte) ([]byte, error) {
	return appendHeader8(b, ActionTypeGroup, a.GroupID), nil
}

// UnmarshalBinary decodes the action.
func (a *Group) UnmarshalBinary(b []byte) error {
	if err := checkFixed(b, ActionTypeGroup, ActionHeaderLen); err != nil {
		return err
	}
	a.GroupID = binary.BigEndian.Uint32(b[4:8])
	return nil
}

// String formats the action as ovs-ofctl does: "group:7".
func (a *Group) String() string { return "group:" + strconv.FormatUint(uint64(a.GroupID), 10) }

// SetNwTTL is ofp_action_nw_ttl: set the IP TTL.
type SetNwTTL struct {
	TTL uint8
}

// ActionType returns ActionTypeSetNwTTL.
func (*SetNwTTL) ActionType() ActionType { return ActionTypeSetNwTTL }

// AppendBinary appends the 8-byte action.
func (a *SetNwTTL) AppendBinary(b []byte) ([]byte, error) {
	return appendHeader8(b, ActionTypeSetNwTTL, uint32(a.TTL)<<24), nil
}

// UnmarshalBinary decodes the action.
func (a *SetNwTTL) UnmarshalBinary(b []byte) error {
	if err := checkFixed(b, ActionTypeSetNwTTL, ActionHeaderLen); err != nil {
		return err
	}
	a.TTL = b[4]
	return nil
}

// String formats the action as ovs-ofctl does: "mod_nw_ttl:64".
func (a *SetNwTTL) String() string { return "mod_nw_ttl:" + strconv.Itoa(int(a.TTL)) }

// DecNwTTL is ofp_action_generic of type DEC_NW_TTL: decrement the IP TTL
// (a packet whose TTL runs out goes to the controller with reason
// INVALID_TTL if the switch is so configured, and is dropped).
type DecNwTTL struct{}

// ActionType returns ActionTypeDecNwTTL.
func (*DecNwTTL) ActionType() ActionType { return ActionTypeDecNwTTL }

// AppendBinary appends the 8-byte action.
func (*DecNwTTL) AppendBinary(b []byte) ([]byte, error) {
	return appendHeader8(b, ActionTypeDecNwTTL, 0), nil
}

// UnmarshalBinary decodes the action.
func (*DecNwTTL) UnmarshalBinary(b []byte) error {
	return checkFixed(b, ActionTypeDecNwTTL, ActionHeaderLen)
}

// String returns "dec_ttl".
func (*DecNwTTL) String() string { return "dec_ttl" }

// SetField is ofp_action_set_field: rewrite one header field with the value
// of an OXM TLV, which must carry no mask (ErrSetFieldMasked). The packet must have the
// field's prerequisites, which the switch checks against the match.
type SetField struct {
	Field OXM
}

// ActionType returns ActionTypeSetField.
func (*SetField) ActionType() ActionType { return ActionTypeSetField }

// AppendBinary appends the action: header, OXM TLV, padding to 8 bytes.
func (a *SetField) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, 0, byte(ActionTypeSetField), 0, 0)
	b, err := a.Field.AppendBinary(b)
	if err != nil {
		return b[:start], nest("SET_FIELD action", err)
	}
	if len(b) >= start+8 && b[start+6]&1 != 0 {
		return b[:start], fmt.Errorf("openflow: SET_FIELD action: %v: %w", a.Field, ErrSetFieldMasked)
	}
	return patchLen(b, start, ActionTypeSetField)
}

// UnmarshalBinary decodes the action. The length must be that of the OXM
// TLV after the four-byte header, rounded up to 8.
func (a *SetField) UnmarshalBinary(b []byte) error {
	l, err := checkVar(b, ActionTypeSetField, ActionHeaderLen)
	if err != nil {
		return err
	}
	if b[6]&1 != 0 {
		return fmt.Errorf("openflow: SET_FIELD action: %w", ErrSetFieldMasked)
	}
	var f OXM
	n, err := f.Decode(b[4:l])
	if err != nil {
		return nest("SET_FIELD action", err)
	}
	if want := 4 + n + pad8(4+n); want != l {
		return fmt.Errorf("openflow: SET_FIELD action: length %d for a %d-byte field: %w", l, n, ErrActionLength)
	}
	a.Field = f
	return nil
}

// String formats the action as ovs-ofctl does, "set_field:10.0.0.2->ip_dst",
// with Open vSwitch's names for the fields it names differently.
func (a *SetField) String() string {
	name, value, ok := strings.Cut(fmt.Sprint(a.Field), "=")
	if !ok {
		return "set_field:" + name
	}
	if ovs, ok := ovsFieldNames[name]; ok {
		name = ovs
	}
	if name == "vlan_vid" { // OVS prints the VID with its present bit, in decimal
		if v, err := strconv.ParseUint(value, 0, 16); err == nil {
			value = strconv.FormatUint(v, 10)
		}
	}
	return "set_field:" + value + "->" + name
}

// ovsFieldNames maps the OXM field names of this package to the names
// Open vSwitch prints where the two differ.
var ovsFieldNames = map[string]string{
	"ipv4_src":       "ip_src",
	"ipv4_dst":       "ip_dst",
	"ip_ecn":         "nw_ecn",
	"ip_proto":       "nw_proto",
	"icmpv4_type":    "icmp_type",
	"icmpv4_code":    "icmp_code",
	"ipv6_flabel":    "ipv6_label",
	"ipv6_nd_target": "nd_target",
	"ipv6_nd_sll":    "nd_sll",
	"ipv6_nd_tll":    "nd_tll",
	"tunnel_id":      "tun_id",
}

// PushPBB is ofp_action_push of type PUSH_PBB: push a PBB service tag with
// the given EtherType (0x88e7).
type PushPBB struct {
	EtherType uint16
}

// ActionType returns ActionTypePushPBB.
func (*PushPBB) ActionType() ActionType { return ActionTypePushPBB }

// AppendBinary appends the 8-byte action.
func (a *PushPBB) AppendBinary(b []byte) ([]byte, error) {
	return appendHeader8(b, ActionTypePushPBB, uint32(a.EtherType)<<16), nil
}

// UnmarshalBinary decodes the action.
func (a *PushPBB) UnmarshalBinary(b []byte) error {
	if err := checkFixed(b, ActionTypePushPBB, ActionHeaderLen); err != nil {
		return err
	}
	a.EtherType = binary.BigEndian.Uint16(b[4:6])
	return nil
}

// String formats the action as "push_pbb:0x88e7" (Open vSwitch does not
// implement it).
func (a *PushPBB) String() string { return fmt.Sprintf("push_pbb:0x%04x", a.EtherType) }

// PopPBB is ofp_action_generic of type POP_PBB: pop the outer PBB service
// tag.
type PopPBB struct{}

// ActionType returns ActionTypePopPBB.
func (*PopPBB) ActionType() ActionType { return ActionTypePopPBB }

// AppendBinary appends the 8-byte action.
func (*PopPBB) AppendBinary(b []byte) ([]byte, error) {
	return appendHeader8(b, ActionTypePopPBB, 0), nil
}

// UnmarshalBinary decodes the action.
func (*PopPBB) UnmarshalBinary(b []byte) error {
	return checkFixed(b, ActionTypePopPBB, ActionHeaderLen)
}

// String returns "pop_pbb".
func (*PopPBB) String() string { return "pop_pbb" }

// ActionExperimenter is ofp_action_experimenter_header with its body: an
// experimenter action this package has no type for. Data is everything
// after the experimenter id, padding included when decoded; it is padded
// with zeros to a multiple of 8 bytes when encoded.
type ActionExperimenter struct {
	ID   uint32
	Data []byte
}

// ActionType returns ActionTypeExperimenter.
func (*ActionExperimenter) ActionType() ActionType { return ActionTypeExperimenter }

// AppendBinary appends the action: header, experimenter id, data, padding.
func (a *ActionExperimenter) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, 0xff, 0xff, 0, 0)
	b = binary.BigEndian.AppendUint32(b, a.ID)
	b = append(b, a.Data...)
	return patchLen(b, start, ActionTypeExperimenter)
}

// UnmarshalBinary decodes the action. Data aliases b, and is nil when the
// action is just the header.
func (a *ActionExperimenter) UnmarshalBinary(b []byte) error {
	l, err := checkVar(b, ActionTypeExperimenter, ActionExperimenterHeaderLen)
	if err != nil {
		return err
	}
	a.ID = binary.BigEndian.Uint32(b[4:8])
	a.Data = nil
	if l > ActionExperimenterHeaderLen {
		a.Data = b[ActionExperimenterHeaderLen:l:l]
	}
	return nil
}

// String formats the action as "experimenter(id=0x2320,data=...)".
func (a *ActionExperimenter) String() string {
	return fmt.Sprintf("experimenter(id=%#x,data=%s)", a.ID, hex.EncodeToString(a.Data))
}

// ActionsString formats an action list as ovs-ofctl does: the actions'
// String methods joined by commas, "drop" for an empty list.
func ActionsString(actions []Action) string {
	return listString(actions, func(a Action) any { return a.ActionType() })
}

// listString joins the String forms of a TLV list's elements (the type of
// those without one) with commas; "drop" for an empty list, as ovs-ofctl
// prints it.
func listString[T any](list []T, kind func(T) any) string {
	if len(list) == 0 {
		return "drop"
	}
	var sb strings.Builder
	for i, e := range list {
		if i > 0 {
			sb.WriteByte(',')
		}
		if s, ok := any(e).(fmt.Stringer); ok {
			sb.WriteString(s.String())
		} else {
			fmt.Fprintf(&sb, "%v", kind(e))
		}
	}
	return sb.String()
}
