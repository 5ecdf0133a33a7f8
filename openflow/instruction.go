package openflow

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
)

// Lengths of the instructions (ofp_instruction_*), header included.
const (
	// InstructionGotoTableLen is the length of ofp_instruction_goto_table.
	InstructionGotoTableLen = 8
	// InstructionWriteMetadataLen is the length of
	// ofp_instruction_write_metadata.
	InstructionWriteMetadataLen = 24
	// InstructionActionsLen is the length of the fixed part of
	// ofp_instruction_actions; the action list follows it.
	InstructionActionsLen = 8
	// InstructionMeterLen is the length of ofp_instruction_meter.
	InstructionMeterLen = 8
	// InstructionExperimenterLen is the length of the fixed part of
	// ofp_instruction_experimenter; experimenter data follows it.
	InstructionExperimenterLen = 8
)

// InstructionType is ofp_instruction_type: what an instruction of a flow
// entry does.
type InstructionType uint16

// Instruction types of OpenFlow 1.3.
const (
	// InstructionTypeGotoTable continues the pipeline at a later table.
	InstructionTypeGotoTable InstructionType = 1
	// InstructionTypeWriteMetadata writes the metadata register under a
	// mask.
	InstructionTypeWriteMetadata InstructionType = 2
	// InstructionTypeWriteActions merges actions into the action set.
	InstructionTypeWriteActions InstructionType = 3
	// InstructionTypeApplyActions applies actions at once, in order.
	InstructionTypeApplyActions InstructionType = 4
	// InstructionTypeClearActions empties the action set.
	InstructionTypeClearActions InstructionType = 5
	// InstructionTypeMeter sends the packet through a meter.
	InstructionTypeMeter InstructionType = 6
	// InstructionTypeExperimenter is an experimenter instruction.
	InstructionTypeExperimenter InstructionType = 0xffff
)

// String returns the name of t as the specification spells it, or its number for an unknown one.
func (t InstructionType) String() string {
	switch t {
	case InstructionTypeGotoTable:
		return "GOTO_TABLE"
	case InstructionTypeWriteMetadata:
		return "WRITE_METADATA"
	case InstructionTypeWriteActions:
		return "WRITE_ACTIONS"
	case InstructionTypeApplyActions:
		return "APPLY_ACTIONS"
	case InstructionTypeClearActions:
		return "CLEAR_ACTIONS"
	case InstructionTypeMeter:
		return "METER"
	case InstructionTypeExperimenter:
		return "EXPERIMENTER"
	}
	return fmt.Sprintf("InstructionType(%d)", uint16(t))
}

// Instruction is one instruction of a flow entry. Decoded instructions may
// alias the bytes they were decoded from.
type Instruction interface {
	InstructionType() InstructionType
	// AppendBinary appends the instruction, header included.
	AppendBinary(b []byte) ([]byte, error)
	// UnmarshalBinary decodes exactly one instruction, header included:
	// b must be as long as the instruction's length field says.
	UnmarshalBinary(b []byte) error
}

// ErrInstructionLength reports an instruction whose length field is
// impossible: shorter than 8, not a multiple of 8, or not the fixed length
// of its type.
var ErrInstructionLength = errors.New("bad instruction length")

// ErrUnknownInstruction reports an instruction type that OpenFlow 1.3 does
// not define.
var ErrUnknownInstruction = errors.New("unknown instruction type")

// Interface checks.
var (
	_ Instruction = (*GotoTable)(nil)
	_ Instruction = (*WriteMetadata)(nil)
	_ Instruction = (*WriteActions)(nil)
	_ Instruction = (*ApplyActions)(nil)
	_ Instruction = (*ClearActions)(nil)
	_ Instruction = (*MeterInstruction)(nil)
	_ Instruction = (*InstructionExperimenter)(nil)
)

// AppendInstructions appends an instruction list. On error b is returned
// unchanged in length.
func AppendInstructions(b []byte, ins []Instruction) ([]byte, error) {
	return appendList(b, ins)
}

// DecodeInstructions decodes a whole instruction list: every instruction's
// length must be at least 8, a multiple of 8 and within b. It returns nil
// for an empty list. The instructions may alias b.
func DecodeInstructions(b []byte) ([]Instruction, error) {
	return decodeList(b, "instruction", ErrInstructionLength, newInstruction)
}

// newInstruction returns a zero instruction of the type of the one at the
// start of b (at least 8 bytes).
func newInstruction(b []byte) (Instruction, error) {
	switch t := InstructionType(binary.BigEndian.Uint16(b)); t {
	case InstructionTypeGotoTable:
		return new(GotoTable), nil
	case InstructionTypeWriteMetadata:
		return new(WriteMetadata), nil
	case InstructionTypeWriteActions:
		return new(WriteActions), nil
	case InstructionTypeApplyActions:
		return new(ApplyActions), nil
	case InstructionTypeClearActions:
		return new(ClearActions), nil
	case InstructionTypeMeter:
		return new(MeterInstruction), nil
	case InstructionTypeExperimenter:
		return new(InstructionExperimenter), nil
	default:
		return nil, fmt.Errorf("openflow: %w %d", ErrUnknownInstruction, uint16(t))
	}
}

// checkInstruction checks that b holds exactly one instruction of type t
// and returns its length. With fixed set the length must be exactly min;
// otherwise at least min and a multiple of 8.
func checkInstruction(b []byte, t InstructionType, min int, fixed bool) (int, error) {
	if len(b) < 4 {
		return 0, errShort(t.String()+" instruction", min, len(b))
	}
	if got := InstructionType(binary.BigEndian.Uint16(b)); got != t {
		return 0, fmt.Errorf("openflow: %v instruction: type is %v", t, got)
	}
	l := int(binary.BigEndian.Uint16(b[2:4]))
	if l < min || l%8 != 0 || (fixed && l != min) {
		return 0, fmt.Errorf("openflow: %v instruction: length %d: %w", t, l, ErrInstructionLength)
	}
	if len(b) != l {
		if len(b) < l {
			return 0, errShort(t.String()+" instruction", l, len(b))
		}
		return 0, fmt.Errorf("openflow: %v instruction: %d bytes after its end", t, len(b)-l)
	}
	return l, nil
}

// GotoTable is ofp_instruction_goto_table: continue the pipeline at table
// TableID, which must be greater than the current table.
type GotoTable struct {
	TableID uint8
}

// InstructionType returns InstructionTypeGotoTable.
func (*GotoTable) InstructionType() InstructionType { return InstructionTypeGotoTable }

// AppendBinary appends the 8-byte instruction.
func (in *GotoTable) AppendBinary(b []byte) ([]byte, error) {
	return append(b, 0, byte(InstructionTypeGotoTable), 0, InstructionGotoTableLen, in.TableID, 0, 0, 0), nil
}

// UnmarshalBinary decodes the instruction.
func (in *GotoTable) UnmarshalBinary(b []byte) error {
	if _, err := checkInstruction(b, InstructionTypeGotoTable, InstructionGotoTableLen, true); err != nil {
		return err
	}
	in.TableID = b[4]
	return nil
}

// String formats the instruction as ovs-ofctl does: "goto_table:1".
func (in *GotoTable) String() string { return "goto_table:" + strconv.Itoa(int(in.TableID)) }

// WriteMetadata is ofp_instruction_write_metadata: set the bits of the
// metadata register that Mask selects to those of Metadata.
type WriteMetadata struct {
	Metadata uint64
	Mask     uint64
}

// InstructionType returns InstructionTypeWriteMetadata.
func (*WriteMetadata) InstructionType() InstructionType { return InstructionTypeWriteMetadata }

// AppendBinary appends the 24-byte instruction.
func (in *WriteMetadata) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, 0, byte(InstructionTypeWriteMetadata), 0, InstructionWriteMetadataLen, 0, 0, 0, 0)
	b = binary.BigEndian.AppendUint64(b, in.Metadata)
	return binary.BigEndian.AppendUint64(b, in.Mask), nil
}

// UnmarshalBinary decodes the instruction.
func (in *WriteMetadata) UnmarshalBinary(b []byte) error {
	if _, err := checkInstruction(b, InstructionTypeWriteMetadata, InstructionWriteMetadataLen, true); err != nil {
		return err
	}
	in.Metadata = binary.BigEndian.Uint64(b[8:16])
	in.Mask = binary.BigEndian.Uint64(b[16:24])
	return nil
}

// String formats the instruction as ovs-ofctl does:
// "write_metadata:0x1/0xff", the mask left out when it is all ones.
func (in *WriteMetadata) String() string {
	s := fmt.Sprintf("write_metadata:%#x", in.Metadata)
	if in.Mask != ^uint64(0) {
		s += fmt.Sprintf("/%#x", in.Mask)
	}
	return s
}

// appendActionsInstruction appends an ofp_instruction_actions of type t.
func appendActionsInstruction(b []byte, t InstructionType, actions []Action) ([]byte, error) {
	start := len(b)
	b = append(b, 0, byte(t), 0, 0, 0, 0, 0, 0)
	b, err := AppendActions(b, actions)
	if err != nil {
		return b[:start], nest(t.String()+" instruction", err)
	}
	n := len(b) - start
	if n > MaxMessageLen {
		return b[:start], fmt.Errorf("openflow: %v instruction (%d bytes): %w", t, n, ErrTooLong)
	}
	binary.BigEndian.PutUint16(b[start+2:], uint16(n))
	return b, nil
}

// decodeActionsInstruction decodes an ofp_instruction_actions of type t.
func decodeActionsInstruction(b []byte, t InstructionType) ([]Action, error) {
	l, err := checkInstruction(b, t, InstructionActionsLen, false)
	if err != nil {
		return nil, err
	}
	actions, err := DecodeActions(b[InstructionActionsLen:l])
	if err != nil {
		return nil, nest(t.String()+" instruction", err)
	}
	return actions, nil
}

// WriteActions is ofp_instruction_actions of type WRITE_ACTIONS: merge
// Actions into the action set, replacing actions of the same type.
type WriteActions struct {
	Actions []Action
}

// InstructionType returns InstructionTypeWriteActions.
func (*WriteActions) InstructionType() InstructionType { return InstructionTypeWriteActions }

// AppendBinary appends the instruction and its actions.
func (in *WriteActions) AppendBinary(b []byte) ([]byte, error) {
	return appendActionsInstruction(b, InstructionTypeWriteActions, in.Actions)
}

// UnmarshalBinary decodes the instruction; Actions is nil for an empty
// list.
func (in *WriteActions) UnmarshalBinary(b []byte) error {
	actions, err := decodeActionsInstruction(b, InstructionTypeWriteActions)
	if err != nil {
		return err
	}
	in.Actions = actions
	return nil
}

// String formats the instruction as ovs-ofctl does:
// "write_actions(output:1)".
func (in *WriteActions) String() string {
	return "write_actions(" + ActionsString(in.Actions) + ")"
}

// ApplyActions is ofp_instruction_actions of type APPLY_ACTIONS: apply
// Actions to the packet at once, in order.
type ApplyActions struct {
	Actions []Action
}

// InstructionType returns InstructionTypeApplyActions.
func (*ApplyActions) InstructionType() InstructionType { return InstructionTypeApplyActions }

// AppendBinary appends the instruction and its actions.
func (in *ApplyActions) AppendBinary(b []byte) ([]byte, error) {
	return appendActionsInstruction(b, InstructionTypeApplyActions, in.Actions)
}

// UnmarshalBinary decodes the instruction; Actions is nil for an empty
// list.
func (in *ApplyActions) UnmarshalBinary(b []byte) error {
	actions, err := decodeActionsInstruction(b, InstructionTypeApplyActions)
	if err != nil {
		return err
	}
	in.Actions = actions
	return nil
}

// String formats the instruction as ovs-ofctl does: the actions joined by
// commas, with no wrapper.
func (in *ApplyActions) String() string { return ActionsString(in.Actions) }

// ClearActions is ofp_instruction_actions of type CLEAR_ACTIONS: empty the
// action set. It carries no actions.
type ClearActions struct{}

// InstructionType returns InstructionTypeClearActions.
func (*ClearActions) InstructionType() InstructionType { return InstructionTypeClearActions }

// AppendBinary appends the 8-byte instruction.
func (*ClearActions) AppendBinary(b []byte) ([]byte, error) {
	return append(b, 0, byte(InstructionTypeClearActions), 0, InstructionActionsLen, 0, 0, 0, 0), nil
}

// UnmarshalBinary decodes the instruction, which must carry no actions.
func (*ClearActions) UnmarshalBinary(b []byte) error {
	_, err := checkInstruction(b, InstructionTypeClearActions, InstructionActionsLen, true)
	return err
}

// String returns "clear_actions".
func (*ClearActions) String() string { return "clear_actions" }

// MeterInstruction is ofp_instruction_meter: send the packet through meter
// MeterID, which may drop it.
type MeterInstruction struct {
	MeterID uint32
}

// InstructionType returns InstructionTypeMeter.
func (*MeterInstruction) InstructionType() InstructionType { return InstructionTypeMeter }

// AppendBinary appends the 8-byte instruction.
func (in *MeterInstruction) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, 0, byte(InstructionTypeMeter), 0, InstructionMeterLen)
	return binary.BigEndian.AppendUint32(b, in.MeterID), nil
}

// UnmarshalBinary decodes the instruction.
func (in *MeterInstruction) UnmarshalBinary(b []byte) error {
	if _, err := checkInstruction(b, InstructionTypeMeter, InstructionMeterLen, true); err != nil {
		return err
	}
	in.MeterID = binary.BigEndian.Uint32(b[4:8])
	return nil
}

// String formats the instruction as ovs-ofctl does: "meter:1".
func (in *MeterInstruction) String() string {
	return "meter:" + strconv.FormatUint(uint64(in.MeterID), 10)
}

// InstructionExperimenter is ofp_instruction_experimenter with its body.
// Data is everything after the experimenter id, padding included when
// decoded; it is padded with zeros to a multiple of 8 bytes when encoded.
type InstructionExperimenter struct {
	ID   uint32
	Data []byte
}

// InstructionType returns InstructionTypeExperimenter.
func (*InstructionExperimenter) InstructionType() InstructionType {
	return InstructionTypeExperimenter
}

// AppendBinary appends the instruction: header, experimenter id, data,
// padding.
func (in *InstructionExperimenter) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, 0xff, 0xff, 0, 0)
	b = binary.BigEndian.AppendUint32(b, in.ID)
	b = append(b, in.Data...)
	return patchLen(b, start, InstructionTypeExperimenter)
}

// UnmarshalBinary decodes the instruction. Data aliases b, and is nil when
// the instruction is just the header.
func (in *InstructionExperimenter) UnmarshalBinary(b []byte) error {
	l, err := checkInstruction(b, InstructionTypeExperimenter, InstructionExperimenterLen, false)
	if err != nil {
		return err
	}
	in.ID = binary.BigEndian.Uint32(b[4:8])
	in.Data = nil
	if l > InstructionExperimenterLen {
		in.Data = b[InstructionExperimenterLen:l:l]
	}
	return nil
}

// String formats the instruction as "experimenter(id=0x2320,data=...)".
func (in *InstructionExperimenter) String() string {
	return fmt.Sprintf("experimenter(id=%#x,data=%s)", in.ID, hex.EncodeToString(in.Data))
}

// InstructionsString formats an instruction list as ovs-ofctl prints a
// flow's actions: the instructions' String methods joined by commas, "drop"
// for an empty list.
func InstructionsString(ins []Instruction) string {
	return listString(ins, func(in Instruction) any { return in.InstructionType() })
}
