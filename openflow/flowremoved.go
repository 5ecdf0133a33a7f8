package openflow

import (
	"encoding/binary"
	"fmt"
)

// FlowRemovedReason is ofp_flow_removed_reason.
type FlowRemovedReason uint8

// Flow-removed reasons. As bit positions they also select FLOW_REMOVED
// messages in the async configuration (SetAsync.FlowRemovedMask).
const (
	FlowRemovedReasonIdleTimeout FlowRemovedReason = 0 // idle timeout expired
	FlowRemovedReasonHardTimeout FlowRemovedReason = 1 // hard timeout expired
	FlowRemovedReasonDelete      FlowRemovedReason = 2 // evicted by a DELETE flow mod
	FlowRemovedReasonGroupDelete FlowRemovedReason = 3 // its group was removed
)

// String returns the spec name, or the number for an unknown value.
func (r FlowRemovedReason) String() string {
	switch r {
	case FlowRemovedReasonIdleTimeout:
		return "IDLE_TIMEOUT"
	case FlowRemovedReasonHardTimeout:
		return "HARD_TIMEOUT"
	case FlowRemovedReasonDelete:
		return "DELETE"
	case FlowRemovedReasonGroupDelete:
		return "GROUP_DELETE"
	}
	return fmt.Sprintf("FlowRemovedReason(%d)", uint8(r))
}

// flowRemovedFixedLen is the part of a FLOW_REMOVED body before the match.
const flowRemovedFixedLen = 40

// FlowRemoved is the body of OFPT_FLOW_REMOVED: a flow entry that had
// SEND_FLOW_REM set has gone, with its final counters.
type FlowRemoved struct {
	Cookie       uint64
	Priority     uint16
	Reason       FlowRemovedReason
	TableID      uint8
	DurationSec  uint32 // time the entry was alive, seconds
	DurationNsec uint32 // and nanoseconds beyond DurationSec
	IdleTimeout  uint16 // the entry's idle timeout
	HardTimeout  uint16 // the entry's hard timeout
	PacketCount  uint64
	ByteCount    uint64
	Match        Match
}

var _ Message = (*FlowRemoved)(nil)

func init() { register(TypeFlowRemoved, func() Message { return new(FlowRemoved) }) }

// Type implements Message.
func (*FlowRemoved) Type() Type { return TypeFlowRemoved }

// AppendBinary appends the fixed part and the match.
func (f *FlowRemoved) AppendBinary(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint64(b, f.Cookie)
	b = binary.BigEndian.AppendUint16(b, f.Priority)
	b = append(b, byte(f.Reason), f.TableID)
	b = binary.BigEndian.AppendUint32(b, f.DurationSec)
	b = binary.BigEndian.AppendUint32(b, f.DurationNsec)
	b = binary.BigEndian.AppendUint16(b, f.IdleTimeout)
	b = binary.BigEndian.AppendUint16(b, f.HardTimeout)
	b = binary.BigEndian.AppendUint64(b, f.PacketCount)
	b = binary.BigEndian.AppendUint64(b, f.ByteCount)
	b, err := f.Match.AppendBinary(b)
	if err != nil {
		return b, fmt.Errorf("flow-removed match: %w", err)
	}
	return b, nil
}

// UnmarshalBinary decodes the body, replacing every field. The match must
// end the body.
func (f *FlowRemoved) UnmarshalBinary(body []byte) error {
	if len(body) < flowRemovedFixedLen {
		return errShort("flow-removed", flowRemovedFixedLen, len(body))
	}
	f.Cookie = binary.BigEndian.Uint64(body[0:8])
	f.Priority = binary.BigEndian.Uint16(body[8:10])
	f.Reason = FlowRemovedReason(body[10])
	f.TableID = body[11]
	f.DurationSec = binary.BigEndian.Uint32(body[12:16])
	f.DurationNsec = binary.BigEndian.Uint32(body[16:20])
	f.IdleTimeout = binary.BigEndian.Uint16(body[20:22])
	f.HardTimeout = binary.BigEndian.Uint16(body[22:24])
	f.PacketCount = binary.BigEndian.Uint64(body[24:32])
	f.ByteCount = binary.BigEndian.Uint64(body[32:40])
	n, err := f.Match.Decode(body[flowRemovedFixedLen:])
	if err != nil {
		return fmt.Errorf("openflow: flow-removed match: %w", err)
	}
	if extra := len(body) - flowRemovedFixedLen - n; extra != 0 {
		return fmt.Errorf("openflow: flow-removed: %d bytes after the match", extra)
	}
	return nil
}

// String summarises the message for logs.
func (f *FlowRemoved) String() string {
	s := fmt.Sprintf("FLOW_REMOVED table %d cookie %#x priority %d reason %v duration %d.%09ds idle %d hard %d packets %d bytes %d",
		f.TableID, f.Cookie, f.Priority, f.Reason, f.DurationSec, f.DurationNsec, f.IdleTimeout, f.HardTimeout, f.PacketCount, f.ByteCount)
	if !f.Match.IsEmpty() {
		s += " match " + f.Match.String()
	}
	return s
}
