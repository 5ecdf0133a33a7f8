package openflow

import (
	"encoding/binary"
	"fmt"
)

// packetOutFixedLen is the part of a PACKET_OUT body before the actions.
const packetOutFixedLen = 16

// PacketOut is the body of OFPT_PACKET_OUT: send a packet (Data, or the
// switch buffer BufferID) through an action list, as if it had arrived on
// InPort.
type PacketOut struct {
	// BufferID is the switch buffer to send, or NoBuffer to send Data.
	BufferID uint32
	// InPort is the packet's ingress port for the actions (PortController
	// when it has none).
	InPort  uint32
	Actions []Action
	Data    []byte // the Ethernet frame, only with NoBuffer; nil when empty
}

var _ Message = (*PacketOut)(nil)

func init() { register(TypePacketOut, func() Message { return new(PacketOut) }) }

// Type implements Message.
func (*PacketOut) Type() Type { return TypePacketOut }

// AppendBinary appends the fixed part, the actions (their length patched
// in) and the data.
func (p *PacketOut) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = binary.BigEndian.AppendUint32(b, p.BufferID)
	b = binary.BigEndian.AppendUint32(b, p.InPort)
	b = append(b, 0, 0) // actions_len, patched below
	b = appendPad(b, 6)
	b, err := AppendActions(b, p.Actions)
	if err != nil {
		return b[:start], fmt.Errorf("packet-out actions: %w", err)
	}
	n := len(b) - start - packetOutFixedLen
	if n > 0xffff {
		return b[:start], fmt.Errorf("packet-out actions of %d bytes: %w", n, ErrTooLong)
	}
	binary.BigEndian.PutUint16(b[start+8:], uint16(n))
	return append(b, p.Data...), nil
}

// UnmarshalBinary decodes the body, replacing every field; Data aliases
// body.
func (p *PacketOut) UnmarshalBinary(body []byte) error {
	if len(body) < packetOutFixedLen {
		return errShort("packet-out", packetOutFixedLen, len(body))
	}
	n := int(binary.BigEndian.Uint16(body[8:10]))
	if len(body) < packetOutFixedLen+n {
		return errShort("packet-out actions", packetOutFixedLen+n, len(body))
	}
	actions, err := DecodeActions(body[packetOutFixedLen : packetOutFixedLen+n])
	if err != nil {
		return fmt.Errorf("openflow: packet-out actions: %w", err)
	}
	*p = PacketOut{
		BufferID: binary.BigEndian.Uint32(body[0:4]),
		InPort:   binary.BigEndian.Uint32(body[4:8]),
		Actions:  actions,
		Data:     aliasData(body[packetOutFixedLen+n:]),
	}
	return nil
}

// String summarises the message for logs.
func (p *PacketOut) String() string {
	buf := "NONE"
	if p.BufferID != NoBuffer {
		buf = fmt.Sprintf("%#x", p.BufferID)
	}
	return fmt.Sprintf("PACKET_OUT in_port %s buffer %s actions=%s data %d bytes",
		PortNoString(p.InPort), buf, ActionsString(p.Actions), len(p.Data))
}
