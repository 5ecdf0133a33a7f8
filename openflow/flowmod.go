package openflow

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// FlowModCommand is ofp_flow_mod_command.
type FlowModCommand uint8

// Flow-mod commands.
const (
	FlowAdd          FlowModCommand = 0 // new flow entry (replaces an identical one)
	FlowModify       FlowModCommand = 1 // modify all matching entries
	FlowModifyStrict FlowModCommand = 2 // modify the entry with this exact match and priority
	FlowDelete       FlowModCommand = 3 // delete all matching entries
	FlowDeleteStrict FlowModCommand = 4 // delete the entry with this exact match and priority
)

// String returns the spec name, or the number for an unknown value.
func (c FlowModCommand) String() string {
	switch c {
	case FlowAdd:
		return "ADD"
	case FlowModify:
		return "MODIFY"
	case FlowModifyStrict:
		return "MODIFY_STRICT"
	case FlowDelete:
		return "DELETE"
	case FlowDeleteStrict:
		return "DELETE_STRICT"
	}
	return fmt.Sprintf("FlowModCommand(%d)", uint8(c))
}

// FlowModFlags is ofp_flow_mod_flags.
type FlowModFlags uint16

// Flow-mod flags.
const (
	FlowSendFlowRem  FlowModFlags = 1 << 0 // send FLOW_REMOVED when the entry goes
	FlowCheckOverlap FlowModFlags = 1 << 1 // refuse an ADD that overlaps another entry
	FlowResetCounts  FlowModFlags = 1 << 2 // reset the counters of modified entries
	FlowNoPktCounts  FlowModFlags = 1 << 3 // the switch need not count packets
	FlowNoBytCounts  FlowModFlags = 1 << 4 // the switch need not count bytes
)

var flowModFlagNames = []bitName{
	{uint32(FlowSendFlowRem), "SEND_FLOW_REM"},
	{uint32(FlowCheckOverlap), "CHECK_OVERLAP"},
	{uint32(FlowResetCounts), "RESET_COUNTS"},
	{uint32(FlowNoPktCounts), "NO_PKT_COUNTS"},
	{uint32(FlowNoBytCounts), "NO_BYT_COUNTS"},
}

// String names the set bits as the spec does, joined by "|", with
// unknown bits in hex.
func (f FlowModFlags) String() string { return maskString(uint32(f), flowModFlagNames) }

// flowModFixedLen is the part of a FLOW_MOD body before the match.
const flowModFixedLen = 40

// FlowMod is the body of OFPT_FLOW_MOD: add, modify or delete flow
// entries.
//
// The zero value is not a sensible ADD: set BufferID to NoBuffer, and for
// deletes OutPort to PortAny and OutGroup to GroupAny unless filtering on
// them (see NewFlowMod).
type FlowMod struct {
	Cookie uint64
	// CookieMask restricts MODIFY and DELETE to entries whose cookie
	// matches Cookie under the mask; 0 matches all.
	CookieMask  uint64
	TableID     uint8 // TableAll for deletes in every table
	Command     FlowModCommand
	IdleTimeout uint16 // seconds without a packet before removal; 0: never
	HardTimeout uint16 // seconds before removal; 0: never
	Priority    uint16
	// BufferID is a buffered packet to run through the new entry, or
	// NoBuffer.
	BufferID uint32
	// OutPort and OutGroup restrict deletes to entries that output there;
	// PortAny and GroupAny do not restrict.
	OutPort      uint32
	OutGroup     uint32
	Flags        FlowModFlags
	Match        Match
	Instructions []Instruction
}

// NewFlowMod returns a FlowMod for cmd with the neutral values of the
// reserved fields: no buffer, any out_port, any out_group.
func NewFlowMod(cmd FlowModCommand) *FlowMod {
	return &FlowMod{Command: cmd, BufferID: NoBuffer, OutPort: PortAny, OutGroup: GroupAny}
}

var _ Message = (*FlowMod)(nil)

func init() { register(TypeFlowMod, func() Message { return new(FlowMod) }) }

// Type implements Message.
func (*FlowMod) Type() Type { return TypeFlowMod }

// AppendBinary appends the fixed part, the match and the instructions.
func (f *FlowMod) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = binary.BigEndian.AppendUint64(b, f.Cookie)
	b = binary.BigEndian.AppendUint64(b, f.CookieMask)
	b = append(b, f.TableID, byte(f.Command))
	b = binary.BigEndian.AppendUint16(b, f.IdleTimeout)
	b = binary.BigEndian.AppendUint16(b, f.HardTimeout)
	b = binary.BigEndian.AppendUint16(b, f.Priority)
	b = binary.BigEndian.AppendUint32(b, f.BufferID)
	b = binary.BigEndian.AppendUint32(b, f.OutPort)
	b = binary.BigEndian.AppendUint32(b, f.OutGroup)
	b = binary.BigEndian.AppendUint16(b, uint16(f.Flags))
	b = appendPad(b, 2)
	b, err := f.Match.AppendBinary(b)
	if err != nil {
		return b[:start], fmt.Errorf("flow-mod match: %w", err)
	}
	b, err = AppendInstructions(b, f.Instructions)
	if err != nil {
		return b[:start], fmt.Errorf("flow-mod instructions: %w", err)
	}
	return b, nil
}

// UnmarshalBinary decodes the body, replacing every field.
func (f *FlowMod) UnmarshalBinary(body []byte) error {
	if len(body) < flowModFixedLen {
		return errShort("flow-mod", flowModFixedLen, len(body))
	}
	f.Cookie = binary.BigEndian.Uint64(body[0:8])
	f.CookieMask = binary.BigEndian.Uint64(body[8:16])
	f.TableID = body[16]
	f.Command = FlowModCommand(body[17])
	f.IdleTimeout = binary.BigEndian.Uint16(body[18:20])
	f.HardTimeout = binary.BigEndian.Uint16(body[20:22])
	f.Priority = binary.BigEndian.Uint16(body[22:24])
	f.BufferID = binary.BigEndian.Uint32(body[24:28])
	f.OutPort = binary.BigEndian.Uint32(body[28:32])
	f.OutGroup = binary.BigEndian.Uint32(body[32:36])
	f.Flags = FlowModFlags(binary.BigEndian.Uint16(body[36:38]))
	f.Instructions = nil
	n, err := f.Match.Decode(body[flowModFixedLen:])
	if err != nil {
		return fmt.Errorf("openflow: flow-mod match: %w", err)
	}
	ins, err := DecodeInstructions(body[flowModFixedLen+n:])
	if err != nil {
		return fmt.Errorf("openflow: flow-mod instructions: %w", err)
	}
	f.Instructions = ins
	return nil
}

// String summarises the message for logs.
func (f *FlowMod) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "FLOW_MOD %v table %d priority %d cookie %#x/%#x idle %d hard %d flags %v",
		f.Command, f.TableID, f.Priority, f.Cookie, f.CookieMask, f.IdleTimeout, f.HardTimeout, f.Flags)
	if f.BufferID != NoBuffer {
		fmt.Fprintf(&sb, " buffer %#x", f.BufferID)
	}
	if f.OutPort != PortAny {
		fmt.Fprintf(&sb, " out_port %s", PortNoString(f.OutPort))
	}
	if f.OutGroup != GroupAny {
		fmt.Fprintf(&sb, " out_group %d", f.OutGroup)
	}
	if !f.Match.IsEmpty() {
		sb.WriteString(" match ")
		sb.WriteString(f.Match.String())
	}
	sb.WriteString(" instructions=")
	if len(f.Instructions) == 0 {
		sb.WriteString("none")
	}
	for i, in := range f.Instructions {
		if i > 0 {
			sb.WriteByte(',')
		}
		if s, ok := in.(fmt.Stringer); ok {
			sb.WriteString(s.String())
		} else {
			sb.WriteString(in.InstructionType().String())
		}
	}
	return sb.String()
}
