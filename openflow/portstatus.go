package openflow

import "fmt"

// PortReason is ofp_port_reason: what happened to the port of a
// PORT_STATUS.
type PortReason uint8

// Port-status reasons. As bit positions they also select PORT_STATUS
// messages in the async configuration (SetAsync.PortStatusMask).
const (
	PortAdd    PortReason = 0 // the port was added
	PortDelete PortReason = 1 // the port was removed
	PortModify PortReason = 2 // some attribute of the port changed
)

// String returns the spec name, or the number for an unknown value.
func (r PortReason) String() string {
	switch r {
	case PortAdd:
		return "ADD"
	case PortDelete:
		return "DELETE"
	case PortModify:
		return "MODIFY"
	}
	return fmt.Sprintf("PortReason(%d)", uint8(r))
}

// portStatusLen is the body length of OFPT_PORT_STATUS.
const portStatusLen = 8 + PortLen

// PortStatus is the body of OFPT_PORT_STATUS: a port was added, removed or
// changed.
type PortStatus struct {
	Reason PortReason
	Port   Port
}

var _ Message = (*PortStatus)(nil)

func init() { register(TypePortStatus, func() Message { return new(PortStatus) }) }

// Type implements Message.
func (*PortStatus) Type() Type { return TypePortStatus }

// AppendBinary appends reason, seven bytes of padding and the ofp_port.
func (m *PortStatus) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, byte(m.Reason))
	b = appendPad(b, 7)
	b, err := m.Port.AppendBinary(b)
	if err != nil {
		return b[:start], err
	}
	return b, nil
}

// UnmarshalBinary decodes a body of exactly 72 bytes.
func (m *PortStatus) UnmarshalBinary(body []byte) error {
	if err := checkLen(TypePortStatus, body, portStatusLen); err != nil {
		return err
	}
	m.Reason = PortReason(body[0])
	_, err := m.Port.Decode(body[8:])
	return err
}

// String summarises the message for logs.
func (m *PortStatus) String() string {
	return fmt.Sprintf("PORT_STATUS %v %v", m.Reason, &m.Port)
}
