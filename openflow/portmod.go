package openflow

import (
	"encoding/binary"
	"fmt"
)

// PortModLen is the length of ofp_port_mod, header included.
const PortModLen = 40

// PortMod is OFPT_PORT_MOD (ofp_port_mod): change the administrative
// settings of a port. Only the Config bits set in Mask change; the others
// keep their value.
type PortMod struct {
	// PortNo is the port to change.
	PortNo uint32
	// HWAddr must be the port's Ethernet address, as a check that the
	// port is the one meant; the switch cannot change it.
	HWAddr MAC
	// Config holds the new values of the bits selected by Mask.
	Config PortConfig
	// Mask selects the Config bits to change.
	Mask PortConfig
	// Advertise is the set of features the port advertises; 0 leaves it
	// unchanged.
	Advertise PortFeatures
}

var _ Message = (*PortMod)(nil)

func init() { register(TypePortMod, func() Message { return new(PortMod) }) }

// Type returns TypePortMod.
func (*PortMod) Type() Type { return TypePortMod }

// AppendBinary appends the body of the message.
func (m *PortMod) AppendBinary(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint32(b, m.PortNo)
	b = appendPad(b, 4)
	b = append(b, m.HWAddr[:]...)
	b = appendPad(b, 2)
	b = binary.BigEndian.AppendUint32(b, uint32(m.Config))
	b = binary.BigEndian.AppendUint32(b, uint32(m.Mask))
	b = binary.BigEndian.AppendUint32(b, uint32(m.Advertise))
	return appendPad(b, 4), nil
}

// UnmarshalBinary decodes the body of the message, which must be exactly
// PortModLen-HeaderLen bytes long.
func (m *PortMod) UnmarshalBinary(body []byte) error {
	const n = PortModLen - HeaderLen
	if len(body) < n {
		return errShort("port mod", n, len(body))
	}
	if len(body) > n {
		return fmt.Errorf("openflow: port mod: %d bytes, want %d", len(body), n)
	}
	*m = PortMod{
		PortNo:    binary.BigEndian.Uint32(body[0:4]),
		HWAddr:    MAC(body[8:14]),
		Config:    PortConfig(binary.BigEndian.Uint32(body[16:20])),
		Mask:      PortConfig(binary.BigEndian.Uint32(body[20:24])),
		Advertise: PortFeatures(binary.BigEndian.Uint32(body[24:28])),
	}
	return nil
}
