package openflow

import (
	"encoding/binary"
	"fmt"
)

// PacketInReason is ofp_packet_in_reason: why a packet was sent to the
// controller.
type PacketInReason uint8

// Packet-in reasons. As bit positions they also select packet-ins in the
// async configuration (SetAsync.PacketInMask).
const (
	PacketInReasonNoMatch    PacketInReason = 0 // no matching flow entry (table-miss entry)
	PacketInReasonAction     PacketInReason = 1 // an output to CONTROLLER action
	PacketInReasonInvalidTTL PacketInReason = 2 // the packet has an invalid TTL
)

// String returns the spec name, or the number for an unknown value.
func (r PacketInReason) String() string {
	switch r {
	case PacketInReasonNoMatch:
		return "NO_MATCH"
	case PacketInReasonAction:
		return "ACTION"
	case PacketInReasonInvalidTTL:
		return "INVALID_TTL"
	}
	return fmt.Sprintf("PacketInReason(%d)", uint8(r))
}

// packetInFixedLen is the part of a PACKET_IN body before the match.
const packetInFixedLen = 16

// PacketIn is the body of OFPT_PACKET_IN: a packet (or its head) sent to
// the controller, with the pipeline fields of the packet in Match (in_port
// among them).
//
// Decoded with a Decoder, a PacketIn is reused and Data aliases the frame:
// both are valid only until the next decode, and decoding allocates
// nothing once the Match has grown to size.
type PacketIn struct {
	// BufferID is the switch buffer holding the whole packet, or NoBuffer
	// when Data is all there is.
	BufferID uint32
	// TotalLen is the length of the whole packet; Data may be shorter
	// when the switch buffered the packet or truncated it to max_len.
	TotalLen uint16
	Reason   PacketInReason
	TableID  uint8  // table that sent the packet
	Cookie   uint64 // cookie of the entry that sent it (all ones for none)
	Match    Match  // pipeline fields: in_port, tunnel_id, metadata, ...
	Data     []byte // the Ethernet frame; nil when empty
}

var _ Message = (*PacketIn)(nil)

func init() { register(TypePacketIn, func() Message { return new(PacketIn) }) }

// Type implements Message.
func (*PacketIn) Type() Type { return TypePacketIn }

// AppendBinary appends the fixed part, the match, two bytes of padding
// and the data.
func (p *PacketIn) AppendBinary(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint32(b, p.BufferID)
	b = binary.BigEndian.AppendUint16(b, p.TotalLen)
	b = append(b, byte(p.Reason), p.TableID)
	b = binary.BigEndian.AppendUint64(b, p.Cookie)
	b, err := p.Match.AppendBinary(b)
	if err != nil {
		return b, fmt.Errorf("packet-in match: %w", err)
	}
	b = appendPad(b, 2)
	return append(b, p.Data...), nil
}

// UnmarshalBinary decodes the body, replacing every field; Data aliases
// body.
func (p *PacketIn) UnmarshalBinary(body []byte) error {
	if len(body) < packetInFixedLen {
		return errShort("packet-in", packetInFixedLen, len(body))
	}
	p.BufferID = binary.BigEndian.Uint32(body[0:4])
	p.TotalLen = binary.BigEndian.Uint16(body[4:6])
	p.Reason = PacketInReason(body[6])
	p.TableID = body[7]
	p.Cookie = binary.BigEndian.Uint64(body[8:16])
	p.Data = nil
	n, err := p.Match.Decode(body[packetInFixedLen:])
	if err != nil {
		return fmt.Errorf("openflow: packet-in match: %w", err)
	}
	off := packetInFixedLen + n
	if len(body) < off+2 {
		return errShort("packet-in padding after match", off+2, len(body))
	}
	p.Data = aliasData(body[off+2:])
	return nil
}

// String summarises the message for logs.
func (p *PacketIn) String() string {
	buf := "NONE"
	if p.BufferID != NoBuffer {
		buf = fmt.Sprintf("%#x", p.BufferID)
	}
	match := ""
	if !p.Match.IsEmpty() {
		match = " match " + p.Match.String()
	}
	return fmt.Sprintf("PACKET_IN table %d reason %v cookie %#x buffer %s total_len %d%s data %d bytes",
		p.TableID, p.Reason, p.Cookie, buf, p.TotalLen, match, len(p.Data))
}
