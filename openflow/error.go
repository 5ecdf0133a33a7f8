package openflow

import (
	"encoding/binary"
	"fmt"
	"strconv"
)

// ErrorType is ofp_error_type, the class of an OFPT_ERROR. Each class has
// its own code type (HelloFailedCode, BadRequestCode, ...).
type ErrorType uint16

// Error types of OpenFlow 1.3.
const (
	ErrTypeHelloFailed         ErrorType = 0      // hello protocol failed (codes HelloFailedCode)
	ErrTypeBadRequest          ErrorType = 1      // request was not understood (BadRequestCode)
	ErrTypeBadAction           ErrorType = 2      // error in an action (BadActionCode)
	ErrTypeBadInstruction      ErrorType = 3      // error in an instruction (BadInstructionCode)
	ErrTypeBadMatch            ErrorType = 4      // error in a match (BadMatchCode)
	ErrTypeFlowModFailed       ErrorType = 5      // problem modifying a flow entry (FlowModFailedCode)
	ErrTypeGroupModFailed      ErrorType = 6      // problem modifying a group entry (GroupModFailedCode)
	ErrTypePortModFailed       ErrorType = 7      // port mod request failed (PortModFailedCode)
	ErrTypeTableModFailed      ErrorType = 8      // table mod request failed (TableModFailedCode)
	ErrTypeQueueOpFailed       ErrorType = 9      // queue operation failed (QueueOpFailedCode)
	ErrTypeSwitchConfigFailed  ErrorType = 10     // switch config request failed (SwitchConfigFailedCode)
	ErrTypeRoleRequestFailed   ErrorType = 11     // controller role request failed (RoleRequestFailedCode)
	ErrTypeMeterModFailed      ErrorType = 12     // error in a meter (MeterModFailedCode)
	ErrTypeTableFeaturesFailed ErrorType = 13     // setting table features failed (TableFeaturesFailedCode)
	ErrTypeExperimenter        ErrorType = 0xffff // experimenter error: Code is the exp_type
)

// errorClasses names each error type and the codes of its class, indexed
// by ErrorType (except OFPET_EXPERIMENTER).
var errorClasses = [...]struct {
	name   string   // OFPET_ name
	prefix string   // prefix of the code names
	codes  []string // code names by value
}{
	ErrTypeHelloFailed: {"OFPET_HELLO_FAILED", "OFPHFC_", []string{"INCOMPATIBLE", "EPERM"}},
	ErrTypeBadRequest: {"OFPET_BAD_REQUEST", "OFPBRC_", []string{
		"BAD_VERSION", "BAD_TYPE", "BAD_MULTIPART", "BAD_EXPERIMENTER", "BAD_EXP_TYPE",
		"EPERM", "BAD_LEN", "BUFFER_EMPTY", "BUFFER_UNKNOWN", "BAD_TABLE_ID", "IS_SLAVE",
		"BAD_PORT", "BAD_PACKET", "MULTIPART_BUFFER_OVERFLOW"}},
	ErrTypeBadAction: {"OFPET_BAD_ACTION", "OFPBAC_", []string{
		"BAD_TYPE", "BAD_LEN", "BAD_EXPERIMENTER", "BAD_EXP_TYPE", "BAD_OUT_PORT",
		"BAD_ARGUMENT", "EPERM", "TOO_MANY", "BAD_QUEUE", "BAD_OUT_GROUP",
		"MATCH_INCONSISTENT", "UNSUPPORTED_ORDER", "BAD_TAG", "BAD_SET_TYPE",
		"BAD_SET_LEN", "BAD_SET_ARGUMENT"}},
	ErrTypeBadInstruction: {"OFPET_BAD_INSTRUCTION", "OFPBIC_", []string{
		"UNKNOWN_INST", "UNSUP_INST", "BAD_TABLE_ID", "UNSUP_METADATA",
		"UNSUP_METADATA_MASK", "BAD_EXPERIMENTER", "BAD_EXP_TYPE", "BAD_LEN", "EPERM"}},
	ErrTypeBadMatch: {"OFPET_BAD_MATCH", "OFPBMC_", []string{
		"BAD_TYPE", "BAD_LEN", "BAD_TAG", "BAD_DL_ADDR_MASK", "BAD_NW_ADDR_MASK",
		"BAD_WILDCARDS", "BAD_FIELD", "BAD_VALUE", "BAD_MASK", "BAD_PREREQ",
		"DUP_FIELD", "EPERM"}},
	ErrTypeFlowModFailed: {"OFPET_FLOW_MOD_FAILED", "OFPFMFC_", []string{
		"UNKNOWN", "TABLE_FULL", "BAD_TABLE_ID", "OVERLAP", "EPERM", "BAD_TIMEOUT",
		"BAD_COMMAND", "BAD_FLAGS"}},
	ErrTypeGroupModFailed: {"OFPET_GROUP_MOD_FAILED", "OFPGMFC_", []string{
		"GROUP_EXISTS", "INVALID_GROUP", "WEIGHT_UNSUPPORTED", "OUT_OF_GROUPS",
		"OUT_OF_BUCKETS", "CHAINING_UNSUPPORTED", "WATCH_UNSUPPORTED", "LOOP",
		"UNKNOWN_GROUP", "CHAINED_GROUP", "BAD_TYPE", "BAD_COMMAND", "BAD_BUCKET",
		"BAD_WATCH", "EPERM"}},
	ErrTypePortModFailed: {"OFPET_PORT_MOD_FAILED", "OFPPMFC_", []string{
		"BAD_PORT", "BAD_HW_ADDR", "BAD_CONFIG", "BAD_ADVERTISE", "EPERM"}},
	ErrTypeTableModFailed: {"OFPET_TABLE_MOD_FAILED", "OFPTMFC_", []string{
		"BAD_TABLE", "BAD_CONFIG", "EPERM"}},
	ErrTypeQueueOpFailed: {"OFPET_QUEUE_OP_FAILED", "OFPQOFC_", []string{
		"BAD_PORT", "BAD_QUEUE", "EPERM"}},
	ErrTypeSwitchConfigFailed: {"OFPET_SWITCH_CONFIG_FAILED", "OFPSCFC_", []string{
		"BAD_FLAGS", "BAD_LEN", "EPERM"}},
	ErrTypeRoleRequestFailed: {"OFPET_ROLE_REQUEST_FAILED", "OFPRRFC_", []string{
		"STALE", "UNSUP", "BAD_ROLE"}},
	ErrTypeMeterModFailed: {"OFPET_METER_MOD_FAILED", "OFPMMFC_", []string{
		"UNKNOWN", "METER_EXISTS", "INVALID_METER", "UNKNOWN_METER", "BAD_COMMAND",
		"BAD_FLAGS", "BAD_RATE", "BAD_BURST", "BAD_BAND", "BAD_BAND_VALUE",
		"OUT_OF_METERS", "OUT_OF_BANDS"}},
	ErrTypeTableFeaturesFailed: {"OFPET_TABLE_FEATURES_FAILED", "OFPTFFC_", []string{
		"BAD_TABLE", "BAD_METADATA", "BAD_TYPE", "BAD_LEN", "BAD_ARGUMENT", "EPERM"}},
}

// String returns the spec name, or the number for an unknown value.
func (t ErrorType) String() string {
	if int(t) < len(errorClasses) {
		return errorClasses[t].name
	}
	if t == ErrTypeExperimenter {
		return "OFPET_EXPERIMENTER"
	}
	return fmt.Sprintf("ErrorType(%d)", uint16(t))
}

// ErrorCodeString names code within error type t, e.g. "OFPFMFC_TABLE_FULL";
// an unknown code is given as "code(N)".
func ErrorCodeString(t ErrorType, code uint16) string {
	if int(t) < len(errorClasses) {
		c := errorClasses[t]
		if int(code) < len(c.codes) {
			return c.prefix + c.codes[code]
		}
	}
	return "code(" + strconv.Itoa(int(code)) + ")"
}

// HelloFailedCode is ofp_hello_failed_code (OFPET_HELLO_FAILED).
type HelloFailedCode uint16

// Codes of OFPET_HELLO_FAILED; Data holds ASCII text.
const (
	HelloFailedIncompatible HelloFailedCode = 0 // no compatible version
	HelloFailedEPerm        HelloFailedCode = 1 // permissions error
)

// String returns the spec name, or the number for an unknown value.
func (c HelloFailedCode) String() string { return ErrorCodeString(ErrTypeHelloFailed, uint16(c)) }

// BadRequestCode is ofp_bad_request_code (OFPET_BAD_REQUEST).
type BadRequestCode uint16

// Codes of OFPET_BAD_REQUEST; Data holds at least 64 bytes of the request.
const (
	BadRequestBadVersion              BadRequestCode = 0  // header version not supported
	BadRequestBadType                 BadRequestCode = 1  // message type not supported
	BadRequestBadMultipart            BadRequestCode = 2  // multipart type not supported
	BadRequestBadExperimenter         BadRequestCode = 3  // experimenter id not supported
	BadRequestBadExpType              BadRequestCode = 4  // experimenter type not supported
	BadRequestEPerm                   BadRequestCode = 5  // permissions error
	BadRequestBadLen                  BadRequestCode = 6  // wrong request length for type
	BadRequestBufferEmpty             BadRequestCode = 7  // specified buffer has already been used
	BadRequestBufferUnknown           BadRequestCode = 8  // specified buffer does not exist
	BadRequestBadTableID              BadRequestCode = 9  // table id out of range or absent
	BadRequestIsSlave                 BadRequestCode = 10 // denied because the controller is slave
	BadRequestBadPort                 BadRequestCode = 11 // invalid port
	BadRequestBadPacket               BadRequestCode = 12 // invalid packet in packet-out
	BadRequestMultipartBufferOverflow BadRequestCode = 13 // multipart request overflowed the switch's buffer
)

// String returns the spec name, or the number for an unknown value.
func (c BadRequestCode) String() string { return ErrorCodeString(ErrTypeBadRequest, uint16(c)) }

// BadActionCode is ofp_bad_action_code (OFPET_BAD_ACTION).
type BadActionCode uint16

// Codes of OFPET_BAD_ACTION.
const (
	BadActionBadType           BadActionCode = 0  // unknown or unsupported action type
	BadActionBadLen            BadActionCode = 1  // length problem in actions
	BadActionBadExperimenter   BadActionCode = 2  // unknown experimenter id
	BadActionBadExpType        BadActionCode = 3  // unknown action for experimenter id
	BadActionBadOutPort        BadActionCode = 4  // problem validating output port
	BadActionBadArgument       BadActionCode = 5  // bad action argument
	BadActionEPerm             BadActionCode = 6  // permissions error
	BadActionTooMany           BadActionCode = 7  // can't handle this many actions
	BadActionBadQueue          BadActionCode = 8  // problem validating output queue
	BadActionBadOutGroup       BadActionCode = 9  // invalid group id in output action
	BadActionMatchInconsistent BadActionCode = 10 // action can't apply to this match or set-field missing prerequisite
	BadActionUnsupportedOrder  BadActionCode = 11 // action order is unsupported for the action list
	BadActionBadTag            BadActionCode = 12 // actions uses an unsupported tag/encap
	BadActionBadSetType        BadActionCode = 13 // unsupported type in set-field
	BadActionBadSetLen         BadActionCode = 14 // length problem in set-field
	BadActionBadSetArgument    BadActionCode = 15 // bad argument in set-field
)

// String returns the spec name, or the number for an unknown value.
func (c BadActionCode) String() string { return ErrorCodeString(ErrTypeBadAction, uint16(c)) }

// BadInstructionCode is ofp_bad_instruction_code (OFPET_BAD_INSTRUCTION).
type BadInstructionCode uint16

// Codes of OFPET_BAD_INSTRUCTION.
const (
	BadInstructionUnknownInst       BadInstructionCode = 0 // unknown instruction
	BadInstructionUnsupInst         BadInstructionCode = 1 // switch or table does not support the instruction
	BadInstructionBadTableID        BadInstructionCode = 2 // invalid table id
	BadInstructionUnsupMetadata     BadInstructionCode = 3 // metadata value unsupported by datapath
	BadInstructionUnsupMetadataMask BadInstructionCode = 4 // metadata mask value unsupported by datapath
	BadInstructionBadExperimenter   BadInstructionCode = 5 // unknown experimenter id
	BadInstructionBadExpType        BadInstructionCode = 6 // unknown instruction for experimenter id
	BadInstructionBadLen            BadInstructionCode = 7 // length problem in instructions
	BadInstructionEPerm             BadInstructionCode = 8 // permissions error
)

// String returns the spec name, or the number for an unknown value.
func (c BadInstructionCode) String() string {
	return ErrorCodeString(ErrTypeBadInstruction, uint16(c))
}

// BadMatchCode is ofp_bad_match_code (OFPET_BAD_MATCH).
type BadMatchCode uint16

// Codes of OFPET_BAD_MATCH.
const (
	BadMatchBadType       BadMatchCode = 0  // unsupported match type
	BadMatchBadLen        BadMatchCode = 1  // length problem in match
	BadMatchBadTag        BadMatchCode = 2  // match uses an unsupported tag/encap
	BadMatchBadDLAddrMask BadMatchCode = 3  // unsupported datalink address mask
	BadMatchBadNWAddrMask BadMatchCode = 4  // unsupported network address mask
	BadMatchBadWildcards  BadMatchCode = 5  // unsupported combination of fields masked or omitted
	BadMatchBadField      BadMatchCode = 6  // unsupported field type in the match
	BadMatchBadValue      BadMatchCode = 7  // unsupported value in a match field
	BadMatchBadMask       BadMatchCode = 8  // unsupported mask for the field
	BadMatchBadPrereq     BadMatchCode = 9  // a prerequisite was not met
	BadMatchDupField      BadMatchCode = 10 // a field type was duplicated
	BadMatchEPerm         BadMatchCode = 11 // permissions error
)

// String returns the spec name, or the number for an unknown value.
func (c BadMatchCode) String() string { return ErrorCodeString(ErrTypeBadMatch, uint16(c)) }

// FlowModFailedCode is ofp_flow_mod_failed_code (OFPET_FLOW_MOD_FAILED).
type FlowModFailedCode uint16

// Codes of OFPET_FLOW_MOD_FAILED.
const (
	FlowModFailedUnknown    FlowModFailedCode = 0 // unspecified error
	FlowModFailedTableFull  FlowModFailedCode = 1 // flow not added because the table was full
	FlowModFailedBadTableID FlowModFailedCode = 2 // table does not exist
	FlowModFailedOverlap    FlowModFailedCode = 3 // overlapping flow with CHECK_OVERLAP set
	FlowModFailedEPerm      FlowModFailedCode = 4 // permissions error
	FlowModFailedBadTimeout FlowModFailedCode = 5 // unsupported idle/hard timeout
	FlowModFailedBadCommand FlowModFailedCode = 6 // unsupported or unknown command
	FlowModFailedBadFlags   FlowModFailedCode = 7 // unsupported or unknown flags
)

// String returns the spec name, or the number for an unknown value.
func (c FlowModFailedCode) String() string { return ErrorCodeString(ErrTypeFlowModFailed, uint16(c)) }

// GroupModFailedCode is ofp_group_mod_failed_code (OFPET_GROUP_MOD_FAILED).
type GroupModFailedCode uint16

// Codes of OFPET_GROUP_MOD_FAILED.
const (
	GroupModFailedGroupExists         GroupModFailedCode = 0  // group not added: it already exists
	GroupModFailedInvalidGroup        GroupModFailedCode = 1  // group not added: invalid group id
	GroupModFailedWeightUnsupported   GroupModFailedCode = 2  // unequal weights not supported
	GroupModFailedOutOfGroups         GroupModFailedCode = 3  // group table is full
	GroupModFailedOutOfBuckets        GroupModFailedCode = 4  // too many buckets
	GroupModFailedChainingUnsupported GroupModFailedCode = 5  // group chaining not supported
	GroupModFailedWatchUnsupported    GroupModFailedCode = 6  // watch port or group not supported
	GroupModFailedLoop                GroupModFailedCode = 7  // group would create a loop
	GroupModFailedUnknownGroup        GroupModFailedCode = 8  // group not modified: it does not exist
	GroupModFailedChainedGroup        GroupModFailedCode = 9  // group not deleted: another group forwards to it
	GroupModFailedBadType             GroupModFailedCode = 10 // unsupported or unknown group type
	GroupModFailedBadCommand          GroupModFailedCode = 11 // unsupported or unknown command
	GroupModFailedBadBucket           GroupModFailedCode = 12 // error in bucket
	GroupModFailedBadWatch            GroupModFailedCode = 13 // error in watch port/group
	GroupModFailedEPerm               GroupModFailedCode = 14 // permissions error
)

// String returns the spec name, or the number for an unknown value.
func (c GroupModFailedCode) String() string {
	return ErrorCodeString(ErrTypeGroupModFailed, uint16(c))
}

// PortModFailedCode is ofp_port_mod_failed_code (OFPET_PORT_MOD_FAILED).
type PortModFailedCode uint16

// Codes of OFPET_PORT_MOD_FAILED.
const (
	PortModFailedBadPort      PortModFailedCode = 0 // no such port
	PortModFailedBadHWAddr    PortModFailedCode = 1 // hardware address does not match the port
	PortModFailedBadConfig    PortModFailedCode = 2 // invalid config
	PortModFailedBadAdvertise PortModFailedCode = 3 // invalid advertise
	PortModFailedEPerm        PortModFailedCode = 4 // permissions error
)

// String returns the spec name, or the number for an unknown value.
func (c PortModFailedCode) String() string { return ErrorCodeString(ErrTypePortModFailed, uint16(c)) }

// TableModFailedCode is ofp_table_mod_failed_code (OFPET_TABLE_MOD_FAILED).
type TableModFailedCode uint16

// Codes of OFPET_TABLE_MOD_FAILED.
const (
	TableModFailedBadTable  TableModFailedCode = 0 // no such table
	TableModFailedBadConfig TableModFailedCode = 1 // invalid config
	TableModFailedEPerm     TableModFailedCode = 2 // permissions error
)

// String returns the spec name, or the number for an unknown value.
func (c TableModFailedCode) String() string {
	return ErrorCodeString(ErrTypeTableModFailed, uint16(c))
}

// QueueOpFailedCode is ofp_queue_op_failed_code (OFPET_QUEUE_OP_FAILED).
type QueueOpFailedCode uint16

// Codes of OFPET_QUEUE_OP_FAILED.
const (
	QueueOpFailedBadPort  QueueOpFailedCode = 0 // invalid port or port does not exist
	QueueOpFailedBadQueue QueueOpFailedCode = 1 // queue does not exist
	QueueOpFailedEPerm    QueueOpFailedCode = 2 // permissions error
)

// String returns the spec name, or the number for an unknown value.
func (c QueueOpFailedCode) String() string { return ErrorCodeString(ErrTypeQueueOpFailed, uint16(c)) }

// SwitchConfigFailedCode is ofp_switch_config_failed_code
// (OFPET_SWITCH_CONFIG_FAILED).
type SwitchConfigFailedCode uint16

// Codes of OFPET_SWITCH_CONFIG_FAILED.
const (
	SwitchConfigFailedBadFlags SwitchConfigFailedCode = 0 // specified flags are invalid
	SwitchConfigFailedBadLen   SwitchConfigFailedCode = 1 // specified miss_send_len is invalid
	SwitchConfigFailedEPerm    SwitchConfigFailedCode = 2 // permissions error
)

// String returns the spec name, or the number for an unknown value.
func (c SwitchConfigFailedCode) String() string {
	return ErrorCodeString(ErrTypeSwitchConfigFailed, uint16(c))
}

// RoleRequestFailedCode is ofp_role_request_failed_code
// (OFPET_ROLE_REQUEST_FAILED).
type RoleRequestFailedCode uint16

// Codes of OFPET_ROLE_REQUEST_FAILED.
const (
	RoleRequestFailedStale   RoleRequestFailedCode = 0 // stale message: old generation id
	RoleRequestFailedUnsup   RoleRequestFailedCode = 1 // controller role change unsupported
	RoleRequestFailedBadRole RoleRequestFailedCode = 2 // invalid role
)

// String returns the spec name, or the number for an unknown value.
func (c RoleRequestFailedCode) String() string {
	return ErrorCodeString(ErrTypeRoleRequestFailed, uint16(c))
}

// MeterModFailedCode is ofp_meter_mod_failed_code (OFPET_METER_MOD_FAILED).
type MeterModFailedCode uint16

// Codes of OFPET_METER_MOD_FAILED.
const (
	MeterModFailedUnknown      MeterModFailedCode = 0  // unspecified error
	MeterModFailedMeterExists  MeterModFailedCode = 1  // meter not added: it already exists
	MeterModFailedInvalidMeter MeterModFailedCode = 2  // meter not added: invalid meter id
	MeterModFailedUnknownMeter MeterModFailedCode = 3  // meter not modified: it does not exist
	MeterModFailedBadCommand   MeterModFailedCode = 4  // unsupported or unknown command
	MeterModFailedBadFlags     MeterModFailedCode = 5  // flag configuration unsupported
	MeterModFailedBadRate      MeterModFailedCode = 6  // rate unsupported
	MeterModFailedBadBurst     MeterModFailedCode = 7  // burst size unsupported
	MeterModFailedBadBand      MeterModFailedCode = 8  // band unsupported
	MeterModFailedBadBandValue MeterModFailedCode = 9  // band value unsupported
	MeterModFailedOutOfMeters  MeterModFailedCode = 10 // no more meters available
	MeterModFailedOutOfBands   MeterModFailedCode = 11 // too many bands for the meter
)

// String returns the spec name, or the number for an unknown value.
func (c MeterModFailedCode) String() string {
	return ErrorCodeString(ErrTypeMeterModFailed, uint16(c))
}

// TableFeaturesFailedCode is ofp_table_features_failed_code
// (OFPET_TABLE_FEATURES_FAILED).
type TableFeaturesFailedCode uint16

// Codes of OFPET_TABLE_FEATURES_FAILED.
const (
	TableFeaturesFailedBadTable    TableFeaturesFailedCode = 0 // specified table does not exist
	TableFeaturesFailedBadMetadata TableFeaturesFailedCode = 1 // invalid metadata mask
	TableFeaturesFailedBadType     TableFeaturesFailedCode = 2 // unknown property type
	TableFeaturesFailedBadLen      TableFeaturesFailedCode = 3 // length problem in properties
	TableFeaturesFailedBadArgument TableFeaturesFailedCode = 4 // unsupported property value
	TableFeaturesFailedEPerm       TableFeaturesFailedCode = 5 // permissions error
)

// String returns the spec name, or the number for an unknown value.
func (c TableFeaturesFailedCode) String() string {
	return ErrorCodeString(ErrTypeTableFeaturesFailed, uint16(c))
}

// ErrorMsg is the body of OFPT_ERROR. It implements error, so a request
// that a switch refused can return it as is; errors.Is compares type and
// code (see Is).
type ErrorMsg struct {
	// ErrType is the error type (ofp_error_msg.type). The field cannot be
	// called Type: that is the Message method.
	ErrType ErrorType
	// Code is the code within ErrType (a HelloFailedCode, BadRequestCode, ...
	// converted to uint16). For ErrTypeExperimenter it is the exp_type.
	Code uint16
	// Experimenter is the experimenter id, sent only with
	// ErrTypeExperimenter.
	Experimenter uint32
	// Data is ASCII text for OFPET_HELLO_FAILED, otherwise at least the
	// first 64 bytes of the failed request. It aliases the frame when
	// decoded.
	Data []byte
}

var _ Message = (*ErrorMsg)(nil)

func init() { register(TypeError, func() Message { return new(ErrorMsg) }) }

// NewError returns an ErrorMsg of type t and code, with no data: the value
// to compare against with errors.Is, or to send with Data filled in.
func NewError(t ErrorType, code uint16) *ErrorMsg { return &ErrorMsg{ErrType: t, Code: code} }

// Sentinel errors for the switch errors callers branch on. Compare with
// errors.Is; never modify them.
var (
	// ErrIsSlave: the request was refused because this controller is slave.
	ErrIsSlave = NewError(ErrTypeBadRequest, uint16(BadRequestIsSlave))
	// ErrBufferUnknown: the buffer_id of a PACKET_OUT or FLOW_MOD is gone.
	ErrBufferUnknown = NewError(ErrTypeBadRequest, uint16(BadRequestBufferUnknown))
	// ErrTableFull: a flow entry was not added because its table is full.
	ErrTableFull = NewError(ErrTypeFlowModFailed, uint16(FlowModFailedTableFull))
	// ErrOverlap: an ADD with CHECK_OVERLAP found an overlapping entry.
	ErrOverlap = NewError(ErrTypeFlowModFailed, uint16(FlowModFailedOverlap))
	// ErrStaleRole: a role request carried an old generation id.
	ErrStaleRole = NewError(ErrTypeRoleRequestFailed, uint16(RoleRequestFailedStale))
	// ErrHelloIncompatible: the peer supports no common version.
	ErrHelloIncompatible = NewError(ErrTypeHelloFailed, uint16(HelloFailedIncompatible))
)

// Type implements Message.
func (e *ErrorMsg) Type() Type { return TypeError }

// CodeString names the code within its type, e.g. "OFPFMFC_TABLE_FULL".
func (e *ErrorMsg) CodeString() string {
	if e.ErrType == ErrTypeExperimenter {
		if c := BundleFailedCode(e.Code); e.Experimenter == BundleExperimenterID && c >= BundleFailedUnknown && c <= BundleFailedBundleInProgress {
			return c.String()
		}
		return fmt.Sprintf("experimenter %#x exp_type %d", e.Experimenter, e.Code)
	}
	return ErrorCodeString(e.ErrType, e.Code)
}

// Error returns e.g. "openflow: OFPET_FLOW_MOD_FAILED/OFPFMFC_TABLE_FULL".
func (e *ErrorMsg) Error() string {
	return "openflow: " + e.ErrType.String() + "/" + e.CodeString()
}

// Is reports whether target is an *ErrorMsg of the same type and code (and
// experimenter id for experimenter errors); Data is not compared.
func (e *ErrorMsg) Is(target error) bool {
	t, ok := target.(*ErrorMsg)
	if !ok || t == nil {
		return false
	}
	return e.ErrType == t.ErrType && e.Code == t.Code &&
		(e.ErrType != ErrTypeExperimenter || e.Experimenter == t.Experimenter)
}

// FailedRequest returns the header of the request that Data echoes, when
// Data holds one (not for OFPET_HELLO_FAILED): its type and xid name the
// request that failed.
func (e *ErrorMsg) FailedRequest() (Header, bool) {
	if e.ErrType == ErrTypeHelloFailed || e.ErrType == ErrTypeExperimenter {
		return Header{}, false
	}
	h, err := ParseHeader(e.Data)
	return h, err == nil
}

// AppendBinary appends type, code (or exp_type and experimenter) and data.
func (e *ErrorMsg) AppendBinary(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint16(b, uint16(e.ErrType))
	b = binary.BigEndian.AppendUint16(b, e.Code)
	if e.ErrType == ErrTypeExperimenter {
		b = binary.BigEndian.AppendUint32(b, e.Experimenter)
	}
	return append(b, e.Data...), nil
}

// UnmarshalBinary decodes an ofp_error_msg or ofp_error_experimenter_msg.
func (e *ErrorMsg) UnmarshalBinary(body []byte) error {
	if len(body) < 4 {
		return errShort("error", 4, len(body))
	}
	*e = ErrorMsg{
		ErrType: ErrorType(binary.BigEndian.Uint16(body[0:2])),
		Code:    binary.BigEndian.Uint16(body[2:4]),
	}
	body = body[4:]
	if e.ErrType == ErrTypeExperimenter {
		if len(body) < 4 {
			return errShort("experimenter error", 8, 4+len(body))
		}
		e.Experimenter = binary.BigEndian.Uint32(body[0:4])
		body = body[4:]
	}
	if len(body) > 0 {
		e.Data = body
	}
	return nil
}
