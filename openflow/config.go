package openflow

import (
	"encoding/binary"
	"fmt"
)

// ConfigFlags is ofp_config_flags: how the switch handles IP fragments.
type ConfigFlags uint16

// Fragment handling; the two low bits hold one of the modes.
const (
	FragNormal ConfigFlags = 0      // no special handling for fragments
	FragDrop   ConfigFlags = 1 << 0 // drop fragments
	FragReasm  ConfigFlags = 1 << 1 // reassemble (only with CapIPReasm)
	FragMask   ConfigFlags = 3      // the bits that hold the mode
)

// String names the fragment mode as the spec does (FRAG_DROP, ...).
func (f ConfigFlags) String() string {
	var s string
	switch f & FragMask {
	case FragNormal:
		s = "FRAG_NORMAL"
	case FragDrop:
		s = "FRAG_DROP"
	case FragReasm:
		s = "FRAG_REASM"
	default:
		s = "FRAG_MASK"
	}
	if rest := f &^ FragMask; rest != 0 {
		s += fmt.Sprintf("|%#x", uint16(rest))
	}
	return s
}

// switchConfigLen is the body length of the switch configuration messages.
const switchConfigLen = 4

// GetConfigRequest is the (empty) body of OFPT_GET_CONFIG_REQUEST.
type GetConfigRequest struct{}

// GetConfigReply is the body of OFPT_GET_CONFIG_REPLY (ofp_switch_config).
type GetConfigReply struct {
	Flags ConfigFlags
	// MissSendLen is how many bytes of a packet the switch sends to the
	// controller for a table miss (or an output to CONTROLLER of its own
	// accord); ControllerNoBuffer asks for whole, unbuffered packets.
	MissSendLen uint16
}

// SetConfig is the body of OFPT_SET_CONFIG (ofp_switch_config).
type SetConfig struct {
	Flags       ConfigFlags
	MissSendLen uint16 // see GetConfigReply
}

var (
	_ Message = (*GetConfigRequest)(nil)
	_ Message = (*GetConfigReply)(nil)
	_ Message = (*SetConfig)(nil)
)

func init() {
	register(TypeGetConfigRequest, func() Message { return new(GetConfigRequest) })
	register(TypeGetConfigReply, func() Message { return new(GetConfigReply) })
	register(TypeSetConfig, func() Message { return new(SetConfig) })
}

// Type implements Message.
func (*GetConfigRequest) Type() Type { return TypeGetConfigRequest }

// AppendBinary appends nothing: the body is empty.
func (*GetConfigRequest) AppendBinary(b []byte) ([]byte, error) { return b, nil }

// UnmarshalBinary accepts only an empty body.
func (*GetConfigRequest) UnmarshalBinary(body []byte) error {
	return checkEmpty(TypeGetConfigRequest, body)
}

func appendSwitchConfig(b []byte, flags ConfigFlags, missSendLen uint16) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(flags))
	return binary.BigEndian.AppendUint16(b, missSendLen)
}

func decodeSwitchConfig(t Type, body []byte) (ConfigFlags, uint16, error) {
	if err := checkLen(t, body, switchConfigLen); err != nil {
		return 0, 0, err
	}
	return ConfigFlags(binary.BigEndian.Uint16(body[0:2])), binary.BigEndian.Uint16(body[2:4]), nil
}

// Type implements Message.
func (*GetConfigReply) Type() Type { return TypeGetConfigReply }

// AppendBinary appends flags and miss_send_len.
func (m *GetConfigReply) AppendBinary(b []byte) ([]byte, error) {
	return appendSwitchConfig(b, m.Flags, m.MissSendLen), nil
}

// UnmarshalBinary decodes a body of exactly 4 bytes.
func (m *GetConfigReply) UnmarshalBinary(body []byte) error {
	f, n, err := decodeSwitchConfig(TypeGetConfigReply, body)
	if err != nil {
		return err
	}
	*m = GetConfigReply{Flags: f, MissSendLen: n}
	return nil
}

// Type implements Message.
func (*SetConfig) Type() Type { return TypeSetConfig }

// AppendBinary appends flags and miss_send_len.
func (m *SetConfig) AppendBinary(b []byte) ([]byte, error) {
	return appendSwitchConfig(b, m.Flags, m.MissSendLen), nil
}

// UnmarshalBinary decodes a body of exactly 4 bytes.
func (m *SetConfig) UnmarshalBinary(body []byte) error {
	f, n, err := decodeSwitchConfig(TypeSetConfig, body)
	if err != nil {
		return err
	}
	*m = SetConfig{Flags: f, MissSendLen: n}
	return nil
}
