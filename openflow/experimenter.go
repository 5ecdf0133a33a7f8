package openflow

import (
	"encoding/binary"
	"fmt"
)

// Experimenter is the body of an OFPT_EXPERIMENTER message that has no
// registered decoder of its own: the experimenter id, its type and the
// experimenter-defined data.
type Experimenter struct {
	ID      uint32 // experimenter id (OUI in the low 24 bits, or an ONF-assigned id)
	ExpType uint32 // experimenter-defined type
	Data    []byte // aliases the frame when decoded; nil when empty
}

var _ Message = (*Experimenter)(nil)

func init() { register(TypeExperimenter, func() Message { return new(Experimenter) }) }

// Type implements Message.
func (m *Experimenter) Type() Type { return TypeExperimenter }

// AppendBinary appends the experimenter header and the data.
func (m *Experimenter) AppendBinary(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint32(b, m.ID)
	b = binary.BigEndian.AppendUint32(b, m.ExpType)
	return append(b, m.Data...), nil
}

// UnmarshalBinary decodes the experimenter header; the rest is Data.
func (m *Experimenter) UnmarshalBinary(body []byte) error {
	if len(body) < 8 {
		return errShort("experimenter", 8, len(body))
	}
	*m = Experimenter{
		ID:      binary.BigEndian.Uint32(body[0:4]),
		ExpType: binary.BigEndian.Uint32(body[4:8]),
		Data:    aliasData(body[8:]),
	}
	return nil
}

// String summarises the message for logs.
func (m *Experimenter) String() string {
	return fmt.Sprintf("EXPERIMENTER id %#x type %d, %d bytes", m.ID, m.ExpType, len(m.Data))
}

// checkEmpty fails unless a body that must be empty is.
func checkEmpty(t Type, body []byte) error {
	if len(body) != 0 {
		return fmt.Errorf("openflow: %v: body of %d bytes, want none", t, len(body))
	}
	return nil
}

// checkLen fails unless a fixed-size body has exactly n bytes.
func checkLen(t Type, body []byte, n int) error {
	if len(body) < n {
		return errShort(t.String(), n, len(body))
	}
	if len(body) > n {
		return fmt.Errorf("openflow: %v: body of %d bytes, want %d", t, len(body), n)
	}
	return nil
}
