package openflow

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Version is the only OpenFlow wire version this package speaks (1.3).
const Version uint8 = 0x04

// HeaderLen is the length of ofp_header.
const HeaderLen = 8

// MaxMessageLen is the largest message the 16-bit length field can carry.
const MaxMessageLen = 0xffff

// Type is the message type of an OpenFlow 1.3 header (ofp_type).
type Type uint8

// Message types of OpenFlow 1.3.
const (
	TypeHello                 Type = 0  // symmetric: version negotiation
	TypeError                 Type = 1  // symmetric: error notification
	TypeEchoRequest           Type = 2  // symmetric: liveness request
	TypeEchoReply             Type = 3  // symmetric: liveness reply
	TypeExperimenter          Type = 4  // symmetric: vendor extension
	TypeFeaturesRequest       Type = 5  // controller -> switch
	TypeFeaturesReply         Type = 6  // switch -> controller: datapath id and capabilities
	TypeGetConfigRequest      Type = 7  // controller -> switch
	TypeGetConfigReply        Type = 8  // switch -> controller
	TypeSetConfig             Type = 9  // controller -> switch: flags and miss_send_len
	TypePacketIn              Type = 10 // async: a packet sent to the controller
	TypeFlowRemoved           Type = 11 // async: a flow entry was removed
	TypePortStatus            Type = 12 // async: a port was added, removed or changed
	TypePacketOut             Type = 13 // controller -> switch: send a packet
	TypeFlowMod               Type = 14 // controller -> switch: change a flow table
	TypeGroupMod              Type = 15 // controller -> switch: change the group table
	TypePortMod               Type = 16 // controller -> switch: change a port's behaviour
	TypeTableMod              Type = 17 // controller -> switch: configure a table
	TypeMultipartRequest      Type = 18 // controller -> switch: statistics and descriptions
	TypeMultipartReply        Type = 19 // switch -> controller
	TypeBarrierRequest        Type = 20 // controller -> switch: ordering point
	TypeBarrierReply          Type = 21 // switch -> controller
	TypeQueueGetConfigRequest Type = 22 // controller -> switch
	TypeQueueGetConfigReply   Type = 23 // switch -> controller
	TypeRoleRequest           Type = 24 // controller -> switch: MASTER/SLAVE/EQUAL
	TypeRoleReply             Type = 25 // switch -> controller
	TypeGetAsyncRequest       Type = 26 // controller -> switch
	TypeGetAsyncReply         Type = 27 // switch -> controller
	TypeSetAsync              Type = 28 // controller -> switch: which async messages to receive
	TypeMeterMod              Type = 29 // controller -> switch: change the meter table
)

var typeNames = [...]string{
	"HELLO", "ERROR", "ECHO_REQUEST", "ECHO_REPLY", "EXPERIMENTER",
	"FEATURES_REQUEST", "FEATURES_REPLY", "GET_CONFIG_REQUEST", "GET_CONFIG_REPLY",
	"SET_CONFIG", "PACKET_IN", "FLOW_REMOVED", "PORT_STATUS", "PACKET_OUT",
	"FLOW_MOD", "GROUP_MOD", "PORT_MOD", "TABLE_MOD", "MULTIPART_REQUEST",
	"MULTIPART_REPLY", "BARRIER_REQUEST", "BARRIER_REPLY", "QUEUE_GET_CONFIG_REQUEST",
	"QUEUE_GET_CONFIG_REPLY", "ROLE_REQUEST", "ROLE_REPLY", "GET_ASYNC_REQUEST",
	"GET_ASYNC_REPLY", "SET_ASYNC", "METER_MOD",
}

// String returns the name of t as the specification spells it, or its number for an unknown one.
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// minLen is the length of the fixed part of each message type, header
// included: a frame shorter than this is rejected before decoding.
var minLen = [...]uint16{
	TypeHello:                 8,
	TypeError:                 12,
	TypeEchoRequest:           8,
	TypeEchoReply:             8,
	TypeExperimenter:          16,
	TypeFeaturesRequest:       8,
	TypeFeaturesReply:         32,
	TypeGetConfigRequest:      8,
	TypeGetConfigReply:        12,
	TypeSetConfig:             12,
	TypePacketIn:              34, // 24 fixed + 8-byte empty match + 2 pad
	TypeFlowRemoved:           56,
	TypePortStatus:            80,
	TypePacketOut:             24,
	TypeFlowMod:               56,
	TypeGroupMod:              16,
	TypePortMod:               40,
	TypeTableMod:              16,
	TypeMultipartRequest:      16,
	TypeMultipartReply:        16,
	TypeBarrierRequest:        8,
	TypeBarrierReply:          8,
	TypeQueueGetConfigRequest: 16,
	TypeQueueGetConfigReply:   16,
	TypeRoleRequest:           24,
	TypeRoleReply:             24,
	TypeGetAsyncRequest:       8,
	TypeGetAsyncReply:         32,
	TypeSetAsync:              32,
	TypeMeterMod:              16,
}

// MinLen returns the length of the fixed part of a version-1.3 message of
// type t, header included, and false for a type 1.3 does not define.
func MinLen(t Type) (int, bool) {
	if int(t) < len(minLen) {
		return int(minLen[t]), true
	}
	return 0, false
}

// Header is ofp_header, the eight bytes that start every message.
type Header struct {
	Version uint8
	Type    Type
	Length  uint16
	Xid     uint32
}

// ParseHeader reads the header at the start of b.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, fmt.Errorf("openflow: header: %w", io.ErrUnexpectedEOF)
	}
	return Header{
		Version: b[0],
		Type:    Type(b[1]),
		Length:  binary.BigEndian.Uint16(b[2:4]),
		Xid:     binary.BigEndian.Uint32(b[4:8]),
	}, nil
}

// AppendBinary appends the header as it is, length included.
func (h Header) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, h.Version, byte(h.Type))
	b = binary.BigEndian.AppendUint16(b, h.Length)
	return binary.BigEndian.AppendUint32(b, h.Xid), nil
}

// Message is the body of one OpenFlow 1.3 message: everything after the
// header. [Append] writes the header around it.
type Message interface {
	// Type is the header type this body is sent with.
	Type() Type
	// AppendBinary appends the encoded body to b.
	AppendBinary(b []byte) ([]byte, error)
	// UnmarshalBinary decodes a body, replacing every field of the
	// receiver. The result may alias body.
	UnmarshalBinary(body []byte) error
}

// ErrTooLong reports a message whose encoding exceeds 65535 bytes.
var ErrTooLong = errors.New("openflow: message longer than 65535 bytes")

// Append appends m, header included, to b with the given transaction id.
// On error b is returned unchanged in length.
func Append(b []byte, xid uint32, m Message) ([]byte, error) {
	start := len(b)
	b = append(b, Version, byte(m.Type()), 0, 0)
	b = binary.BigEndian.AppendUint32(b, xid)
	b, err := m.AppendBinary(b)
	if err != nil {
		return b[:start], fmt.Errorf("openflow: encode %v: %w", m.Type(), err)
	}
	n := len(b) - start
	if n > MaxMessageLen {
		return b[:start], fmt.Errorf("openflow: encode %v (%d bytes): %w", m.Type(), n, ErrTooLong)
	}
	binary.BigEndian.PutUint16(b[start+2:], uint16(n))
	return b, nil
}

// Marshal returns m encoded as a whole message with the given xid.
func Marshal(xid uint32, m Message) ([]byte, error) {
	return Append(make([]byte, 0, 64), xid, m)
}

// zeros is the source of padding.
var zeros [64]byte

// appendPad appends n zero bytes; n must be at most len(zeros).
func appendPad(b []byte, n int) []byte { return append(b, zeros[:n]...) }

// pad8 returns how many bytes round n up to a multiple of 8.
func pad8(n int) int { return (8 - n%8) % 8 }

// errShort wraps io.ErrUnexpectedEOF with what was being decoded.
func errShort(what string, need, have int) error {
	return fmt.Errorf("openflow: %s: need %d bytes, have %d: %w", what, need, have, io.ErrUnexpectedEOF)
}
