package openflow

// BarrierRequest is the (empty) body of OFPT_BARRIER_REQUEST: the switch
// answers it with a BarrierReply of the same xid once every message sent
// before it has been processed.
type BarrierRequest struct{}

// BarrierReply is the (empty) body of OFPT_BARRIER_REPLY.
type BarrierReply struct{}

var (
	_ Message = (*BarrierRequest)(nil)
	_ Message = (*BarrierReply)(nil)
)

func init() {
	register(TypeBarrierRequest, func() Message { return new(BarrierRequest) })
	register(TypeBarrierReply, func() Message { return new(BarrierReply) })
}

// Type implements Message.
func (*BarrierRequest) Type() Type { return TypeBarrierRequest }

// AppendBinary appends nothing: the body is empty.
func (*BarrierRequest) AppendBinary(b []byte) ([]byte, error) { return b, nil }

// UnmarshalBinary accepts only an empty body.
func (*BarrierRequest) UnmarshalBinary(body []byte) error {
	return checkEmpty(TypeBarrierRequest, body)
}

// Type implements Message.
func (*BarrierReply) Type() Type { return TypeBarrierReply }

// AppendBinary appends nothing: the body is empty.
func (*BarrierReply) AppendBinary(b []byte) ([]byte, error) { return b, nil }

// UnmarshalBinary accepts only an empty body.
func (*BarrierReply) UnmarshalBinary(body []byte) error {
	return checkEmpty(TypeBarrierReply, body)
}
