package openflow

import (
	"encoding/binary"
	"fmt"
)

// ControllerRole is ofp_controller_role.
type ControllerRole uint32

// Controller roles.
const (
	// RoleNoChange asks for the current role without changing it.
	RoleNoChange ControllerRole = 0
	// RoleEqual: full access, receives all async messages (the default).
	RoleEqual ControllerRole = 1
	// RoleMaster: full access, at most one master; the others become slaves.
	RoleMaster ControllerRole = 2
	// RoleSlave: read-only access, receives only PORT_STATUS by default.
	RoleSlave ControllerRole = 3
)

// String returns the spec name, or the number for an unknown value.
func (r ControllerRole) String() string {
	switch r {
	case RoleNoChange:
		return "NOCHANGE"
	case RoleEqual:
		return "EQUAL"
	case RoleMaster:
		return "MASTER"
	case RoleSlave:
		return "SLAVE"
	}
	return fmt.Sprintf("ControllerRole(%d)", uint32(r))
}

// roleLen is the body length of the role messages.
const roleLen = 16

// RoleRequest is the body of OFPT_ROLE_REQUEST (ofp_role_request).
type RoleRequest struct {
	Role ControllerRole
	// GenerationID orders MASTER and SLAVE requests from different
	// controllers; the switch refuses a stale one (ErrStaleRole). It is
	// ignored for EQUAL and NOCHANGE.
	GenerationID uint64
}

// RoleReply is the body of OFPT_ROLE_REPLY: the role now held and the
// switch's current generation id.
type RoleReply struct {
	Role         ControllerRole
	GenerationID uint64
}

var (
	_ Message = (*RoleRequest)(nil)
	_ Message = (*RoleReply)(nil)
)

func init() {
	register(TypeRoleRequest, func() Message { return new(RoleRequest) })
	register(TypeRoleReply, func() Message { return new(RoleReply) })
}

func appendRole(b []byte, r ControllerRole, gen uint64) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(r))
	b = appendPad(b, 4)
	return binary.BigEndian.AppendUint64(b, gen)
}

func decodeRole(t Type, body []byte) (ControllerRole, uint64, error) {
	if err := checkLen(t, body, roleLen); err != nil {
		return 0, 0, err
	}
	return ControllerRole(binary.BigEndian.Uint32(body[0:4])), binary.BigEndian.Uint64(body[8:16]), nil
}

// Type implements Message.
func (*RoleRequest) Type() Type { return TypeRoleRequest }

// AppendBinary appends role, padding and generation id.
func (m *RoleRequest) AppendBinary(b []byte) ([]byte, error) {
	return appendRole(b, m.Role, m.GenerationID), nil
}

// UnmarshalBinary decodes a body of exactly 16 bytes.
func (m *RoleRequest) UnmarshalBinary(body []byte) error {
	r, g, err := decodeRole(TypeRoleRequest, body)
	if err != nil {
		return err
	}
	*m = RoleRequest{Role: r, GenerationID: g}
	return nil
}

// String summarises the message for logs.
func (m *RoleRequest) String() string {
	return fmt.Sprintf("ROLE_REQUEST %v generation %d", m.Role, m.GenerationID)
}

// Type implements Message.
func (*RoleReply) Type() Type { return TypeRoleReply }

// AppendBinary appends role, padding and generation id.
func (m *RoleReply) AppendBinary(b []byte) ([]byte, error) {
	return appendRole(b, m.Role, m.GenerationID), nil
}

// UnmarshalBinary decodes a body of exactly 16 bytes.
func (m *RoleReply) UnmarshalBinary(body []byte) error {
	r, g, err := decodeRole(TypeRoleReply, body)
	if err != nil {
		return err
	}
	*m = RoleReply{Role: r, GenerationID: g}
	return nil
}

// String summarises the message for logs.
func (m *RoleReply) String() string {
	return fmt.Sprintf("ROLE_REPLY %v generation %d", m.Role, m.GenerationID)
}
