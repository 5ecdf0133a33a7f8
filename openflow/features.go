package openflow

import (
	"encoding/binary"
	"fmt"
)

// Capabilities is ofp_capabilities, the bitmap of switch capabilities in
// a FEATURES_REPLY.
type Capabilities uint32

// Capability bits.
const (
	CapFlowStats   Capabilities = 1 << 0 // flow statistics
	CapTableStats  Capabilities = 1 << 1 // table statistics
	CapPortStats   Capabilities = 1 << 2 // port statistics
	CapGroupStats  Capabilities = 1 << 3 // group statistics
	CapIPReasm     Capabilities = 1 << 5 // can reassemble IP fragments
	CapQueueStats  Capabilities = 1 << 6 // queue statistics
	CapPortBlocked Capabilities = 1 << 8 // switch will block looping ports
)

var capabilityNames = []bitName{
	{uint32(CapFlowStats), "FLOW_STATS"},
	{uint32(CapTableStats), "TABLE_STATS"},
	{uint32(CapPortStats), "PORT_STATS"},
	{uint32(CapGroupStats), "GROUP_STATS"},
	{uint32(CapIPReasm), "IP_REASM"},
	{uint32(CapQueueStats), "QUEUE_STATS"},
	{uint32(CapPortBlocked), "PORT_BLOCKED"},
}

// String names the set bits as the spec does, joined by "|", with
// unknown bits in hex.
func (c Capabilities) String() string { return maskString(uint32(c), capabilityNames) }

// FeaturesRequest is the (empty) body of OFPT_FEATURES_REQUEST.
type FeaturesRequest struct{}

// FeaturesReply is the body of OFPT_FEATURES_REPLY (ofp_switch_features).
// In 1.3 it carries no ports: ask for PORT_DESC.
type FeaturesReply struct {
	DatapathID   uint64 // low 48 bits: a MAC address; high 16: implementer-defined
	NBuffers     uint32 // packets the switch can buffer at once (0: no buffering)
	NTables      uint8  // number of flow tables
	AuxiliaryID  uint8  // 0 on the main connection
	Capabilities Capabilities
}

// featuresReplyLen is the body length of OFPT_FEATURES_REPLY.
const featuresReplyLen = 24

var (
	_ Message = (*FeaturesRequest)(nil)
	_ Message = (*FeaturesReply)(nil)
)

func init() {
	register(TypeFeaturesRequest, func() Message { return new(FeaturesRequest) })
	register(TypeFeaturesReply, func() Message { return new(FeaturesReply) })
}

// Type implements Message.
func (*FeaturesRequest) Type() Type { return TypeFeaturesRequest }

// AppendBinary appends nothing: the body is empty.
func (*FeaturesRequest) AppendBinary(b []byte) ([]byte, error) { return b, nil }

// UnmarshalBinary accepts only an empty body.
func (*FeaturesRequest) UnmarshalBinary(body []byte) error {
	return checkEmpty(TypeFeaturesRequest, body)
}

// Type implements Message.
func (*FeaturesReply) Type() Type { return TypeFeaturesReply }

// AppendBinary appends the 24-byte ofp_switch_features body.
func (m *FeaturesReply) AppendBinary(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint64(b, m.DatapathID)
	b = binary.BigEndian.AppendUint32(b, m.NBuffers)
	b = append(b, m.NTables, m.AuxiliaryID, 0, 0)
	b = binary.BigEndian.AppendUint32(b, uint32(m.Capabilities))
	return appendPad(b, 4), nil // reserved
}

// UnmarshalBinary decodes a body of exactly 24 bytes.
func (m *FeaturesReply) UnmarshalBinary(body []byte) error {
	if err := checkLen(TypeFeaturesReply, body, featuresReplyLen); err != nil {
		return err
	}
	*m = FeaturesReply{
		DatapathID:   binary.BigEndian.Uint64(body[0:8]),
		NBuffers:     binary.BigEndian.Uint32(body[8:12]),
		NTables:      body[12],
		AuxiliaryID:  body[13],
		Capabilities: Capabilities(binary.BigEndian.Uint32(body[16:20])),
	}
	return nil
}

// String summarises the message for logs.
func (m *FeaturesReply) String() string {
	return fmt.Sprintf("FEATURES_REPLY dpid %016x buffers %d tables %d aux %d capabilities %v",
		m.DatapathID, m.NBuffers, m.NTables, m.AuxiliaryID, m.Capabilities)
}
