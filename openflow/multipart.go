package openflow

import (
	"encoding/binary"
	"fmt"
)

// MultipartRequestLen and MultipartReplyLen are the lengths of the fixed
// parts of ofp_multipart_request and ofp_multipart_reply, header included;
// the type-specific body follows.
const (
	MultipartRequestLen = 16
	MultipartReplyLen   = 16
)

// MultipartType is ofp_multipart_type: which statistics or description a
// MULTIPART_REQUEST asks for and a MULTIPART_REPLY carries.
type MultipartType uint16

// Multipart types of OpenFlow 1.3.
const (
	// MultipartDesc describes the switch: manufacturer, hardware, software,
	// serial number and datapath. Request body empty; reply [Desc].
	MultipartDesc MultipartType = 0
	// MultipartFlow gives the statistics of individual flow entries.
	MultipartFlow MultipartType = 1
	// MultipartAggregate gives the summed statistics of a set of flow
	// entries.
	MultipartAggregate MultipartType = 2
	// MultipartTable gives the statistics of each flow table.
	MultipartTable MultipartType = 3
	// MultipartPortStats gives the counters of one port or of all ports.
	MultipartPortStats MultipartType = 4
	// MultipartQueue gives the counters of the queues of one or all ports.
	MultipartQueue MultipartType = 5
	// MultipartGroup gives the counters of one group or all groups.
	MultipartGroup MultipartType = 6
	// MultipartGroupDesc describes every group: type and buckets.
	MultipartGroupDesc MultipartType = 7
	// MultipartGroupFeatures tells which group types, capabilities and
	// actions the switch supports.
	MultipartGroupFeatures MultipartType = 8
	// MultipartMeter gives the counters of one meter or all meters.
	MultipartMeter MultipartType = 9
	// MultipartMeterConfig gives the configuration of one or all meters.
	MultipartMeterConfig MultipartType = 10
	// MultipartMeterFeatures tells what metering the switch supports.
	MultipartMeterFeatures MultipartType = 11
	// MultipartTableFeatures describes (reply) or sets (request with a
	// body) the capabilities of each flow table.
	MultipartTableFeatures MultipartType = 12
	// MultipartPortDesc describes every port.
	MultipartPortDesc MultipartType = 13
	// MultipartExperimenter is an experimenter-defined request or reply.
	MultipartExperimenter MultipartType = 0xffff
)

var multipartTypeNames = [...]string{
	"DESC", "FLOW", "AGGREGATE", "TABLE", "PORT_STATS", "QUEUE", "GROUP",
	"GROUP_DESC", "GROUP_FEATURES", "METER", "METER_CONFIG",
	"METER_FEATURES", "TABLE_FEATURES", "PORT_DESC",
}

// String returns the name of t as the specification spells it, or its number for an unknown one.
func (t MultipartType) String() string {
	if int(t) < len(multipartTypeNames) {
		return multipartTypeNames[t]
	}
	if t == MultipartExperimenter {
		return "EXPERIMENTER"
	}
	return fmt.Sprintf("MultipartType(%d)", uint16(t))
}

// MultipartFlags is ofp_multipart_request_flags / ofp_multipart_reply_flags.
type MultipartFlags uint16

// MultipartMore (OFPMPF_REQ_MORE, OFPMPF_REPLY_MORE) says that more
// messages of the same request or reply, with the same xid, follow this
// one. See [Assembler] for putting a reply back together.
const MultipartMore MultipartFlags = 1 << 0

var multipartFlagNames = []bitName{{uint32(MultipartMore), "MORE"}}

// String names the set bits, separated by "|", and any unknown ones in hex.
func (f MultipartFlags) String() string { return maskString(uint32(f), multipartFlagNames) }

// MultipartRequestBody is the type-specific body of a MULTIPART_REQUEST:
// one of the *...Request types of this package, [*TableFeaturesRequest],
// [*ExperimenterMultipart] or [*RawMultipart].
type MultipartRequestBody interface {
	// MultipartType is the type the body is sent with.
	MultipartType() MultipartType
	// AppendBinary appends the encoded body.
	AppendBinary(b []byte) ([]byte, error)
	// UnmarshalBinary decodes a whole body, replacing every field of the
	// receiver. The result may alias b.
	UnmarshalBinary(b []byte) error
	multipartRequest()
}

// MultipartReplyBody is the type-specific body of a MULTIPART_REPLY: one
// of the *...Reply types of this package, [*Desc], [*ExperimenterMultipart]
// or [*RawMultipart].
type MultipartReplyBody interface {
	// MultipartType is the type the body is sent with.
	MultipartType() MultipartType
	// AppendBinary appends the encoded body.
	AppendBinary(b []byte) ([]byte, error)
	// UnmarshalBinary decodes a whole body, replacing every field of the
	// receiver. The result may alias b.
	UnmarshalBinary(b []byte) error
	multipartReply()
}

// replyPart is implemented by reply bodies that may span several
// MULTIPART_REPLY messages: appendPart decodes the body of one more part
// and appends what it holds (array elements, experimenter data) to the
// receiver. The result may alias b.
type replyPart interface {
	MultipartReplyBody
	appendPart(b []byte) error
}

// newRequestBody returns an empty request body of type t, or nil for a
// type this package does not know.
func newRequestBody(t MultipartType) MultipartRequestBody {
	switch t {
	case MultipartDesc:
		return new(DescRequest)
	case MultipartFlow:
		return new(FlowStatsRequest)
	case MultipartAggregate:
		return new(AggregateStatsRequest)
	case MultipartTable:
		return new(TableStatsRequest)
	case MultipartPortStats:
		return new(PortStatsRequest)
	case MultipartQueue:
		return new(QueueStatsRequest)
	case MultipartGroup:
		return new(GroupStatsRequest)
	case MultipartGroupDesc:
		return new(GroupDescRequest)
	case MultipartGroupFeatures:
		return new(GroupFeaturesRequest)
	case MultipartMeter:
		return new(MeterStatsRequest)
	case MultipartMeterConfig:
		return new(MeterConfigRequest)
	case MultipartMeterFeatures:
		return new(MeterFeaturesRequest)
	case MultipartTableFeatures:
		return new(TableFeaturesRequest)
	case MultipartPortDesc:
		return new(PortDescRequest)
	case MultipartExperimenter:
		return new(ExperimenterMultipart)
	}
	return nil
}

// newReplyBody returns an empty reply body of type t, or nil for a type
// this package does not know.
func newReplyBody(t MultipartType) MultipartReplyBody {
	switch t {
	case MultipartDesc:
		return new(Desc)
	case MultipartFlow:
		return new(FlowStatsReply)
	case MultipartAggregate:
		return new(AggregateStatsReply)
	case MultipartTable:
		return new(TableStatsReply)
	case MultipartPortStats:
		return new(PortStatsReply)
	case MultipartQueue:
		return new(QueueStatsReply)
	case MultipartGroup:
		return new(GroupStatsReply)
	case MultipartGroupDesc:
		return new(GroupDescReply)
	case MultipartGroupFeatures:
		return new(GroupFeaturesReply)
	case MultipartMeter:
		return new(MeterStatsReply)
	case MultipartMeterConfig:
		return new(MeterConfigReply)
	case MultipartMeterFeatures:
		return new(MeterFeaturesReply)
	case MultipartTableFeatures:
		return new(TableFeaturesReply)
	case MultipartPortDesc:
		return new(PortDescReply)
	case MultipartExperimenter:
		return new(ExperimenterMultipart)
	}
	return nil
}

// MultipartRequest is OFPT_MULTIPART_REQUEST (ofp_multipart_request): a
// request for statistics or descriptions, or (TABLE_FEATURES with a body)
// a change of the flow tables' capabilities.
type MultipartRequest struct {
	// Flags has MultipartMore when further parts of the same request
	// follow (only a large TABLE_FEATURES request needs that).
	Flags MultipartFlags
	// Body is the type-specific request; it decides the multipart type.
	Body MultipartRequestBody
}

var _ Message = (*MultipartRequest)(nil)

func init() { register(TypeMultipartRequest, func() Message { return new(MultipartRequest) }) }

// Type returns TypeMultipartRequest.
func (*MultipartRequest) Type() Type { return TypeMultipartRequest }

// AppendBinary appends the body of the message. A nil Body is an error.
func (m *MultipartRequest) AppendBinary(b []byte) ([]byte, error) {
	if m.Body == nil {
		return b, fmt.Errorf("openflow: multipart request without a body")
	}
	return appendMultipart(b, "multipart request", m.Flags, m.Body)
}

// UnmarshalBinary decodes the body of the message. A type this package
// does not know decodes to a [*RawMultipart]. The result may alias body.
func (m *MultipartRequest) UnmarshalBinary(body []byte) error {
	flags, rb, err := decodeMultipart(body, "multipart request", MultipartRequestLen-HeaderLen, m.Body, newRequestBodyOrRaw)
	if err != nil {
		return err
	}
	*m = MultipartRequest{Flags: flags, Body: rb}
	return nil
}

// multipartBody is what request and reply bodies have in common.
type multipartBody interface {
	MultipartType() MultipartType
	AppendBinary(b []byte) ([]byte, error)
	UnmarshalBinary(b []byte) error
}

// appendMultipart appends the multipart header (type, flags, pad) and the
// body, leaving b's length unchanged on error.
func appendMultipart(b []byte, what string, flags MultipartFlags, body multipartBody) ([]byte, error) {
	start := len(b)
	b = binary.BigEndian.AppendUint16(b, uint16(body.MultipartType()))
	b = binary.BigEndian.AppendUint16(b, uint16(flags))
	b = appendPad(b, 4)
	b, err := body.AppendBinary(b)
	if err != nil {
		return b[:start], fmt.Errorf("%s %v: %w", what, body.MultipartType(), err)
	}
	return b, nil
}

// decodeMultipart decodes the multipart header and body of a request or
// reply, reusing cur when it is a typed body of the same type (a Decoder
// reuses messages) and making a new one with newBody otherwise.
func decodeMultipart[B multipartBody](body []byte, what string, fixed int, cur B, newBody func(MultipartType) B) (MultipartFlags, B, error) {
	var zero B
	if len(body) < fixed {
		return 0, zero, errShort(what, fixed, len(body))
	}
	t := MultipartType(binary.BigEndian.Uint16(body[0:2]))
	flags := MultipartFlags(binary.BigEndian.Uint16(body[2:4]))
	rb := cur
	if any(rb) == nil || rb.MultipartType() != t || isRaw(rb) {
		rb = newBody(t)
	}
	if err := rb.UnmarshalBinary(body[fixed:]); err != nil {
		return 0, zero, fmt.Errorf("%s %v: %w", what, t, err)
	}
	if raw, ok := any(rb).(*RawMultipart); ok {
		raw.Kind = t
	}
	return flags, rb, nil
}

// newRequestBodyOrRaw is newRequestBody with a *RawMultipart for unknown
// types.
func newRequestBodyOrRaw(t MultipartType) MultipartRequestBody {
	if rb := newRequestBody(t); rb != nil {
		return rb
	}
	return &RawMultipart{Kind: t}
}

// MultipartReply is OFPT_MULTIPART_REPLY (ofp_multipart_reply): one part
// of the answer to a MULTIPART_REQUEST. A reply of many elements (a flow
// dump) may come as several messages with the same xid, all but the last
// flagged MultipartMore; an [Assembler] merges them into one.
type MultipartReply struct {
	// Flags has MultipartMore when further parts follow.
	Flags MultipartFlags
	// Body is the type-specific reply; it decides the multipart type.
	Body MultipartReplyBody
}

var _ Message = (*MultipartReply)(nil)

func init() { register(TypeMultipartReply, func() Message { return new(MultipartReply) }) }

// Type returns TypeMultipartReply.
func (*MultipartReply) Type() Type { return TypeMultipartReply }

// AppendBinary appends the body of the message. A nil Body is an error.
func (m *MultipartReply) AppendBinary(b []byte) ([]byte, error) {
	if m.Body == nil {
		return b, fmt.Errorf("openflow: multipart reply without a body")
	}
	return appendMultipart(b, "multipart reply", m.Flags, m.Body)
}

// UnmarshalBinary decodes the body of the message. A type this package
// does not know decodes to a [*RawMultipart]. When the receiver already
// holds a body of the same type (a [Decoder] reuses messages), that body
// and its slices are reused. The result may alias body.
func (m *MultipartReply) UnmarshalBinary(body []byte) error {
	flags, rb, err := decodeMultipart(body, "multipart reply", MultipartReplyLen-HeaderLen, m.Body, newReplyBodyOrRaw)
	if err != nil {
		return err
	}
	*m = MultipartReply{Flags: flags, Body: rb}
	return nil
}

// newReplyBodyOrRaw is newReplyBody with a *RawMultipart for unknown
// types.
func newReplyBodyOrRaw(t MultipartType) MultipartReplyBody {
	if rb := newReplyBody(t); rb != nil {
		return rb
	}
	return &RawMultipart{Kind: t}
}

func isRaw(v any) bool { _, ok := v.(*RawMultipart); return ok }

// RawMultipart is the body of a multipart request or reply of a type this
// package does not know, kept as bytes so that it can be logged or
// forwarded. Encoding one with a known Kind sends Data as that type's
// body, which then decodes as the typed body.
type RawMultipart struct {
	// Kind is the multipart type of the message.
	Kind MultipartType
	// Data is the body after the multipart header; nil when empty.
	Data []byte
}

// MultipartType returns Kind.
func (r *RawMultipart) MultipartType() MultipartType { return r.Kind }
func (*RawMultipart) multipartRequest()              {}
func (*RawMultipart) multipartReply()                {}

// AppendBinary appends Data.
func (r *RawMultipart) AppendBinary(b []byte) ([]byte, error) { return append(b, r.Data...), nil }

// UnmarshalBinary keeps b (aliased) as Data; Kind is left for the caller
// to set.
func (r *RawMultipart) UnmarshalBinary(b []byte) error {
	r.Data = nil
	return r.appendPart(b)
}

func (r *RawMultipart) appendPart(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if r.Data == nil {
		r.Data = b
	} else {
		r.Data = append(r.Data[:len(r.Data):len(r.Data)], b...)
	}
	return nil
}

// ExperimenterMultipartLen is the length of
// ofp_experimenter_multipart_header.
const ExperimenterMultipartLen = 8

// ExperimenterMultipart is an EXPERIMENTER multipart request or reply
// (ofp_experimenter_multipart_header and the data that follows). A reply
// that spans several messages is assembled by concatenating the data of
// its parts, which must all carry the same experimenter and type.
type ExperimenterMultipart struct {
	// Experimenter is the experimenter id (an IEEE OUI, or 0x00002320
	// for Nicira).
	Experimenter uint32
	// ExpType is the experimenter-defined type.
	ExpType uint32
	// Data is the experimenter-defined body; nil when empty.
	Data []byte
}

var (
	_ MultipartRequestBody = (*ExperimenterMultipart)(nil)
	_ MultipartReplyBody   = (*ExperimenterMultipart)(nil)
)

// MultipartType returns MultipartExperimenter.
func (*ExperimenterMultipart) MultipartType() MultipartType { return MultipartExperimenter }
func (*ExperimenterMultipart) multipartRequest()            {}
func (*ExperimenterMultipart) multipartReply()              {}

// AppendBinary appends the experimenter header and Data.
func (e *ExperimenterMultipart) AppendBinary(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint32(b, e.Experimenter)
	b = binary.BigEndian.AppendUint32(b, e.ExpType)
	return append(b, e.Data...), nil
}

// UnmarshalBinary decodes the experimenter header; Data aliases b.
func (e *ExperimenterMultipart) UnmarshalBinary(b []byte) error {
	if len(b) < ExperimenterMultipartLen {
		return errShort("experimenter multipart", ExperimenterMultipartLen, len(b))
	}
	*e = ExperimenterMultipart{
		Experimenter: binary.BigEndian.Uint32(b[0:4]),
		ExpType:      binary.BigEndian.Uint32(b[4:8]),
	}
	if len(b) > ExperimenterMultipartLen {
		e.Data = b[ExperimenterMultipartLen:]
	}
	return nil
}

func (e *ExperimenterMultipart) appendPart(b []byte) error {
	var part ExperimenterMultipart
	if err := part.UnmarshalBinary(b); err != nil {
		return err
	}
	if part.Experimenter != e.Experimenter || part.ExpType != e.ExpType {
		return fmt.Errorf("openflow: experimenter multipart part %#x/%d after %#x/%d: %w",
			part.Experimenter, part.ExpType, e.Experimenter, e.ExpType, ErrMultipartMismatch)
	}
	if len(part.Data) > 0 {
		e.Data = append(e.Data[:len(e.Data):len(e.Data)], part.Data...)
	}
	return nil
}
