package openflow

import (
	"encoding/binary"
	"fmt"
)

// asyncConfigLen is the body length of GET_ASYNC_REPLY and SET_ASYNC.
const asyncConfigLen = 24

// GetAsyncRequest is the (empty) body of OFPT_GET_ASYNC_REQUEST.
type GetAsyncRequest struct{}

// GetAsyncReply is the body of OFPT_GET_ASYNC_REPLY (ofp_async_config):
// which asynchronous messages this connection receives. Index 0 of each
// mask applies while the controller is MASTER or EQUAL, index 1 while it
// is SLAVE. Bit n of a mask enables reason n: 1<<PacketInNoMatch,
// 1<<PortAdd, 1<<FlowRemovedIdleTimeout, and so on.
type GetAsyncReply struct {
	PacketInMask    [2]uint32
	PortStatusMask  [2]uint32
	FlowRemovedMask [2]uint32
}

// SetAsync is the body of OFPT_SET_ASYNC; see GetAsyncReply for the
// meaning of the masks.
type SetAsync struct {
	PacketInMask    [2]uint32
	PortStatusMask  [2]uint32
	FlowRemovedMask [2]uint32
}

var (
	_ Message = (*GetAsyncRequest)(nil)
	_ Message = (*GetAsyncReply)(nil)
	_ Message = (*SetAsync)(nil)
)

func init() {
	register(TypeGetAsyncRequest, func() Message { return new(GetAsyncRequest) })
	register(TypeGetAsyncReply, func() Message { return new(GetAsyncReply) })
	register(TypeSetAsync, func() Message { return new(SetAsync) })
}

// Type implements Message.
func (*GetAsyncRequest) Type() Type { return TypeGetAsyncRequest }

// AppendBinary appends nothing: the body is empty.
func (*GetAsyncRequest) AppendBinary(b []byte) ([]byte, error) { return b, nil }

// UnmarshalBinary accepts only an empty body.
func (*GetAsyncRequest) UnmarshalBinary(body []byte) error {
	return checkEmpty(TypeGetAsyncRequest, body)
}

func appendAsync(b []byte, masks *[3][2]uint32) []byte {
	for _, m := range masks {
		b = binary.BigEndian.AppendUint32(b, m[0])
		b = binary.BigEndian.AppendUint32(b, m[1])
	}
	return b
}

func decodeAsync(t Type, body []byte) ([3][2]uint32, error) {
	var masks [3][2]uint32
	if err := checkLen(t, body, asyncConfigLen); err != nil {
		return masks, err
	}
	for i := range masks {
		masks[i][0] = binary.BigEndian.Uint32(body[8*i:])
		masks[i][1] = binary.BigEndian.Uint32(body[8*i+4:])
	}
	return masks, nil
}

func asyncString(name string, masks [3][2]uint32) string {
	return fmt.Sprintf("%s master: packet_in %#x port_status %#x flow_removed %#x; slave: packet_in %#x port_status %#x flow_removed %#x",
		name, masks[0][0], masks[1][0], masks[2][0], masks[0][1], masks[1][1], masks[2][1])
}

// Type implements Message.
func (*GetAsyncReply) Type() Type { return TypeGetAsyncReply }

// AppendBinary appends the three pairs of masks.
func (m *GetAsyncReply) AppendBinary(b []byte) ([]byte, error) {
	return appendAsync(b, &[3][2]uint32{m.PacketInMask, m.PortStatusMask, m.FlowRemovedMask}), nil
}

// UnmarshalBinary decodes a body of exactly 24 bytes.
func (m *GetAsyncReply) UnmarshalBinary(body []byte) error {
	masks, err := decodeAsync(TypeGetAsyncReply, body)
	if err != nil {
		return err
	}
	*m = GetAsyncReply{PacketInMask: masks[0], PortStatusMask: masks[1], FlowRemovedMask: masks[2]}
	return nil
}

// String summarises the message for logs.
func (m *GetAsyncReply) String() string {
	return asyncString("GET_ASYNC_REPLY", [3][2]uint32{m.PacketInMask, m.PortStatusMask, m.FlowRemovedMask})
}

// Type implements Message.
func (*SetAsync) Type() Type { return TypeSetAsync }

// AppendBinary appends the three pairs of masks.
func (m *SetAsync) AppendBinary(b []byte) ([]byte, error) {
	return appendAsync(b, &[3][2]uint32{m.PacketInMask, m.PortStatusMask, m.FlowRemovedMask}), nil
}

// UnmarshalBinary decodes a body of exactly 24 bytes.
func (m *SetAsync) UnmarshalBinary(body []byte) error {
	masks, err := decodeAsync(TypeSetAsync, body)
	if err != nil {
		return err
	}
	*m = SetAsync{PacketInMask: masks[0], PortStatusMask: masks[1], FlowRemovedMask: masks[2]}
	return nil
}

// String summarises the message for logs.
func (m *SetAsync) String() string {
	return asyncString("SET_ASYNC", [3][2]uint32{m.PacketInMask, m.PortStatusMask, m.FlowRemovedMask})
}
