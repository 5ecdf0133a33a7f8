package openflow

// EchoRequest is the body of OFPT_ECHO_REQUEST: arbitrary data that the
// peer echoes back in an EchoReply.
type EchoRequest struct {
	Data []byte // aliases the frame when decoded; nil when empty
}

// EchoReply is the body of OFPT_ECHO_REPLY: the data of the request.
type EchoReply struct {
	Data []byte // aliases the frame when decoded; nil when empty
}

var (
	_ Message = (*EchoRequest)(nil)
	_ Message = (*EchoReply)(nil)
)

func init() {
	register(TypeEchoRequest, func() Message { return new(EchoRequest) })
	register(TypeEchoReply, func() Message { return new(EchoReply) })
}

// Type implements Message.
func (m *EchoRequest) Type() Type { return TypeEchoRequest }

// AppendBinary appends the data.
func (m *EchoRequest) AppendBinary(b []byte) ([]byte, error) { return append(b, m.Data...), nil }

// UnmarshalBinary takes the whole body as data, aliasing it.
func (m *EchoRequest) UnmarshalBinary(body []byte) error {
	m.Data = aliasData(body)
	return nil
}

// Reply returns the EchoReply that answers m, sharing its data.
func (m *EchoRequest) Reply() *EchoReply { return &EchoReply{Data: m.Data} }

// Type implements Message.
func (m *EchoReply) Type() Type { return TypeEchoReply }

// AppendBinary appends the data.
func (m *EchoReply) AppendBinary(b []byte) ([]byte, error) { return append(b, m.Data...), nil }

// UnmarshalBinary takes the whole body as data, aliasing it.
func (m *EchoReply) UnmarshalBinary(body []byte) error {
	m.Data = aliasData(body)
	return nil
}

// aliasData returns b, or nil when b is empty, so that decoded messages
// compare equal to ones built with nil slices.
func aliasData(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}
