package openflow

import (
	"encoding/binary"
	"fmt"
)

// Lengths of the queue configuration structures.
const (
	// QueueGetConfigRequestLen is the length of
	// ofp_queue_get_config_request, header included.
	QueueGetConfigRequestLen = 16
	// QueueGetConfigReplyLen is the length of the fixed part of
	// ofp_queue_get_config_reply, header included; the queues follow.
	QueueGetConfigReplyLen = 16
	// PacketQueueLen is the length of the fixed part of ofp_packet_queue;
	// the queue's properties follow.
	PacketQueueLen = 16
	// QueuePropHeaderLen is the length of ofp_queue_prop_header.
	QueuePropHeaderLen = 8
	// QueuePropLen is the length of ofp_queue_prop_min_rate and
	// ofp_queue_prop_max_rate, and of the fixed part of
	// ofp_queue_prop_experimenter.
	QueuePropLen = 16
)

// QueueAllPorts (OFPP_ANY in a QUEUE_GET_CONFIG_REQUEST) asks for the
// queues of every port.
const QueueAllPorts = PortAny

// QueueRateDisabled is a rate above 1000 (1/10 of a percent): the rate
// limit is off.
const QueueRateDisabled uint16 = 0xffff

// QueuePropertyType is ofp_queue_properties: the kind of a queue property.
type QueuePropertyType uint16

// Queue property types.
const (
	// QueuePropMinRate is the minimum rate guaranteed to the queue.
	QueuePropMinRate QueuePropertyType = 1
	// QueuePropMaxRate is the maximum rate the queue may use.
	QueuePropMaxRate QueuePropertyType = 2
	// QueuePropExperimenter is an experimenter-defined property.
	QueuePropExperimenter QueuePropertyType = 0xffff
)

// String returns the name of t as the specification spells it, or its number for an unknown one.
func (t QueuePropertyType) String() string {
	switch t {
	case QueuePropMinRate:
		return "MIN_RATE"
	case QueuePropMaxRate:
		return "MAX_RATE"
	case QueuePropExperimenter:
		return "EXPERIMENTER"
	}
	return fmt.Sprintf("QueuePropertyType(%d)", uint16(t))
}

// QueueProperty is one property of a queue (ofp_queue_prop_min_rate,
// ofp_queue_prop_max_rate or ofp_queue_prop_experimenter). The fields that
// belong to another property type must be zero: the encoder refuses them,
// so that a property always decodes back to what was encoded.
type QueueProperty struct {
	Type QueuePropertyType
	// Rate of a MIN_RATE or MAX_RATE property, in 1/10 of a percent of
	// the port's speed; above 1000 (QueueRateDisabled) means disabled.
	Rate uint16
	// Experimenter is the experimenter id of an EXPERIMENTER property.
	Experimenter uint32
	// Data is the experimenter-defined rest of an EXPERIMENTER property, a
	// multiple of 8 bytes long; nil when empty.
	Data []byte
}

// Len returns the encoded length of the property.
func (p *QueueProperty) Len() int { return QueuePropLen + len(p.Data) }

// AppendBinary appends the property. It fails on an unknown type, on a
// field set that the type does not carry, and on experimenter data whose
// length is not a multiple of 8.
func (p *QueueProperty) AppendBinary(b []byte) ([]byte, error) {
	switch p.Type {
	case QueuePropMinRate, QueuePropMaxRate:
		if p.Experimenter != 0 || len(p.Data) != 0 {
			return b, fmt.Errorf("openflow: %v queue property with EXPERIMENTER fields set", p.Type)
		}
	case QueuePropExperimenter:
		if p.Rate != 0 {
			return b, fmt.Errorf("openflow: EXPERIMENTER queue property with a rate")
		}
		if len(p.Data)%8 != 0 {
			return b, fmt.Errorf("openflow: EXPERIMENTER queue property data of %d bytes, not a multiple of 8", len(p.Data))
		}
		if p.Len() > MaxMessageLen {
			return b, fmt.Errorf("openflow: queue property of %d bytes: %w", p.Len(), ErrTooLong)
		}
	default:
		return b, fmt.Errorf("openflow: queue property type %v: %w", p.Type, ErrUnsupported)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(p.Type))
	b = binary.BigEndian.AppendUint16(b, uint16(p.Len()))
	b = appendPad(b, 4)
	if p.Type == QueuePropExperimenter {
		b = binary.BigEndian.AppendUint32(b, p.Experimenter)
		b = appendPad(b, 4)
		return append(b, p.Data...), nil
	}
	b = binary.BigEndian.AppendUint16(b, p.Rate)
	return appendPad(b, 6), nil
}

// Decode decodes the property at the start of b and returns its length.
// MIN_RATE and MAX_RATE properties must be exactly QueuePropLen long; an
// EXPERIMENTER property's length must be a multiple of 8. Data aliases b.
func (p *QueueProperty) Decode(b []byte) (int, error) {
	if len(b) < QueuePropHeaderLen {
		return 0, errShort("queue property", QueuePropHeaderLen, len(b))
	}
	t := QueuePropertyType(binary.BigEndian.Uint16(b[0:2]))
	n := int(binary.BigEndian.Uint16(b[2:4]))
	if n < QueuePropLen {
		return 0, fmt.Errorf("openflow: queue property length %d shorter than %d", n, QueuePropLen)
	}
	if n > len(b) {
		return 0, errShort("queue property", n, len(b))
	}
	prop := QueueProperty{Type: t}
	switch t {
	case QueuePropMinRate, QueuePropMaxRate:
		if n != QueuePropLen {
			return 0, fmt.Errorf("openflow: %v queue property length %d, want %d", t, n, QueuePropLen)
		}
		prop.Rate = binary.BigEndian.Uint16(b[8:10])
	case QueuePropExperimenter:
		if n%8 != 0 {
			return 0, fmt.Errorf("openflow: EXPERIMENTER queue property length %d not a multiple of 8", n)
		}
		prop.Experimenter = binary.BigEndian.Uint32(b[8:12])
		if n > QueuePropLen {
			prop.Data = b[QueuePropLen:n:n]
		}
	default:
		return 0, fmt.Errorf("openflow: queue property type %v: %w", t, ErrUnsupported)
	}
	*p = prop
	return n, nil
}

// PacketQueue is ofp_packet_queue: the description of one queue of a port.
type PacketQueue struct {
	QueueID uint32
	// Port is the port the queue belongs to.
	Port       uint32
	Properties []QueueProperty
}

// AppendBinary appends the queue, its length field covering the
// properties.
func (q *PacketQueue) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = binary.BigEndian.AppendUint32(b, q.QueueID)
	b = binary.BigEndian.AppendUint32(b, q.Port)
	b = append(b, 0, 0) // len, patched below
	b = appendPad(b, 6)
	for i := range q.Properties {
		var err error
		if b, err = q.Properties[i].AppendBinary(b); err != nil {
			return b[:start], fmt.Errorf("queue %d property %d: %w", q.QueueID, i, err)
		}
	}
	n := len(b) - start
	if n > MaxMessageLen {
		return b[:start], fmt.Errorf("openflow: queue %d of %d bytes: %w", q.QueueID, n, ErrTooLong)
	}
	binary.BigEndian.PutUint16(b[start+8:], uint16(n))
	return b, nil
}

// Decode decodes the queue at the start of b and returns its length, at
// least PacketQueueLen and within b. Experimenter data aliases b.
func (q *PacketQueue) Decode(b []byte) (int, error) {
	if len(b) < PacketQueueLen {
		return 0, errShort("packet queue", PacketQueueLen, len(b))
	}
	n := int(binary.BigEndian.Uint16(b[8:10]))
	if n < PacketQueueLen {
		return 0, fmt.Errorf("openflow: packet queue length %d shorter than %d", n, PacketQueueLen)
	}
	if n > len(b) {
		return 0, errShort("packet queue", n, len(b))
	}
	var props []QueueProperty
	if rest := b[PacketQueueLen:n]; len(rest) > 0 {
		// Every property takes at least QueuePropLen bytes, which bounds
		// the allocation by the input.
		props = make([]QueueProperty, 0, min(len(rest)/QueuePropLen, 4))
		for i := 0; len(rest) > 0; i++ {
			var p QueueProperty
			m, err := p.Decode(rest)
			if err != nil {
				return 0, fmt.Errorf("packet queue property %d: %w", i, err)
			}
			props = append(props, p)
			rest = rest[m:]
		}
	}
	*q = PacketQueue{
		QueueID:    binary.BigEndian.Uint32(b[0:4]),
		Port:       binary.BigEndian.Uint32(b[4:8]),
		Properties: props,
	}
	return n, nil
}

// QueueGetConfigRequest is OFPT_QUEUE_GET_CONFIG_REQUEST: ask for the
// queues configured on a port.
type QueueGetConfigRequest struct {
	// Port is the port whose queues are wanted, or QueueAllPorts.
	Port uint32
}

var _ Message = (*QueueGetConfigRequest)(nil)

// Type returns TypeQueueGetConfigRequest.
func (*QueueGetConfigRequest) Type() Type { return TypeQueueGetConfigRequest }

// AppendBinary appends the body of the message.
func (m *QueueGetConfigRequest) AppendBinary(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint32(b, m.Port)
	return appendPad(b, 4), nil
}

// UnmarshalBinary decodes the body of the message, which must be exactly
// QueueGetConfigRequestLen-HeaderLen bytes long.
func (m *QueueGetConfigRequest) UnmarshalBinary(body []byte) error {
	const n = QueueGetConfigRequestLen - HeaderLen
	if len(body) < n {
		return errShort("queue get config request", n, len(body))
	}
	if len(body) > n {
		return fmt.Errorf("openflow: queue get config request: %d bytes, want %d", len(body), n)
	}
	*m = QueueGetConfigRequest{Port: binary.BigEndian.Uint32(body[0:4])}
	return nil
}

// QueueGetConfigReply is OFPT_QUEUE_GET_CONFIG_REPLY: the queues of a
// port.
type QueueGetConfigReply struct {
	// Port is the port that was asked about.
	Port uint32
	// Queues are the port's queues; nil when it has none.
	Queues []PacketQueue
}

var _ Message = (*QueueGetConfigReply)(nil)

func init() {
	register(TypeQueueGetConfigRequest, func() Message { return new(QueueGetConfigRequest) })
	register(TypeQueueGetConfigReply, func() Message { return new(QueueGetConfigReply) })
}

// Type returns TypeQueueGetConfigReply.
func (*QueueGetConfigReply) Type() Type { return TypeQueueGetConfigReply }

// AppendBinary appends the body of the message.
func (m *QueueGetConfigReply) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = binary.BigEndian.AppendUint32(b, m.Port)
	b = appendPad(b, 4)
	for i := range m.Queues {
		var err error
		if b, err = m.Queues[i].AppendBinary(b); err != nil {
			return b[:start], fmt.Errorf("queue get config reply: %w", err)
		}
	}
	return b, nil
}

// UnmarshalBinary decodes the body of the message. Experimenter property
// data aliases body.
func (m *QueueGetConfigReply) UnmarshalBinary(body []byte) error {
	const fixed = QueueGetConfigReplyLen - HeaderLen
	if len(body) < fixed {
		return errShort("queue get config reply", fixed, len(body))
	}
	var queues []PacketQueue
	if rest := body[fixed:]; len(rest) > 0 {
		// Every queue takes at least PacketQueueLen bytes, which bounds
		// the allocation by the input.
		queues = make([]PacketQueue, 0, min(len(rest)/PacketQueueLen, 16))
		for i := 0; len(rest) > 0; i++ {
			var q PacketQueue
			n, err := q.Decode(rest)
			if err != nil {
				return fmt.Errorf("queue get config reply: queue %d: %w", i, err)
			}
			queues = append(queues, q)
			rest = rest[n:]
		}
	}
	*m = QueueGetConfigReply{Port: binary.BigEndian.Uint32(body[0:4]), Queues: queues}
	return nil
}
