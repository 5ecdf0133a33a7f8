package openflow

import (
	"encoding/binary"
	"fmt"
)

// nxVendorID is NX_VENDOR_ID, the Nicira experimenter id (also exported
// by the Nicira action code; kept here so that this file stands alone).
const nxVendorID uint32 = 0x00002320

// NiciraSubtype is the subtype of a Nicira experimenter message (the
// exp_type of its experimenter header).
type NiciraSubtype uint32

// Nicira message subtypes this package decodes.
const (
	// NXTSetControllerID sets the controller id of the connection, which
	// the NXController action (controller(id=N)) steers packet-ins to.
	NXTSetControllerID NiciraSubtype = 20
)

// String returns the spec name, or the number for an unknown value.
func (s NiciraSubtype) String() string {
	if s == NXTSetControllerID {
		return "NXT_SET_CONTROLLER_ID"
	}
	return fmt.Sprintf("NiciraSubtype(%d)", uint32(s))
}

// nxSetControllerIDLen is the body length of NXT_SET_CONTROLLER_ID:
// experimenter, subtype, 6 bytes of padding, controller_id.
const nxSetControllerIDLen = 16

// NXSetControllerID is the body of the Nicira NXT_SET_CONTROLLER_ID
// message (an OFPT_EXPERIMENTER with id 0x2320, subtype 20; OVS ofp-msgs.h). Open vSwitch
// then delivers to this connection the packet-ins of controller actions
// that name ID. A switch without the extension answers with
// OFPET_BAD_REQUEST/OFPBRC_BAD_EXPERIMENTER (or BAD_EXP_TYPE).
type NXSetControllerID struct {
	ID uint16
}

var _ Message = (*NXSetControllerID)(nil)

func init() {
	registerExperimenter(nxVendorID, uint32(NXTSetControllerID), func() Message { return new(NXSetControllerID) })
}

// Type implements Message.
func (*NXSetControllerID) Type() Type { return TypeExperimenter }

// AppendBinary appends the Nicira header and nx_controller_id.
func (m *NXSetControllerID) AppendBinary(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint32(b, nxVendorID)
	b = binary.BigEndian.AppendUint32(b, uint32(NXTSetControllerID))
	b = appendPad(b, 6)
	return binary.BigEndian.AppendUint16(b, m.ID), nil
}

// UnmarshalBinary decodes a body of exactly 16 bytes whose experimenter
// header names NXT_SET_CONTROLLER_ID.
func (m *NXSetControllerID) UnmarshalBinary(body []byte) error {
	if err := checkLen(TypeExperimenter, body, nxSetControllerIDLen); err != nil {
		return fmt.Errorf("NXT_SET_CONTROLLER_ID: %w", err)
	}
	id, sub := binary.BigEndian.Uint32(body[0:4]), NiciraSubtype(binary.BigEndian.Uint32(body[4:8]))
	if id != nxVendorID || sub != NXTSetControllerID {
		return fmt.Errorf("openflow: NXT_SET_CONTROLLER_ID: experimenter %#x subtype %v", id, sub)
	}
	*m = NXSetControllerID{ID: binary.BigEndian.Uint16(body[14:16])}
	return nil
}

// String summarises the message for logs.
func (m *NXSetControllerID) String() string {
	return fmt.Sprintf("NXT_SET_CONTROLLER_ID id %d", m.ID)
}
