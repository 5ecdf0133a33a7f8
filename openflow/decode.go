package openflow

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrVersion reports a message of a version other than 1.3.
var ErrVersion = errors.New("unsupported OpenFlow version")

// ErrUnsupported reports a message type or experimenter message that this
// package does not decode.
var ErrUnsupported = errors.New("unsupported message")

// newByType holds a constructor for each message type; each message's file
// registers itself in an init function.
var newByType [TypeMeterMod + 1]func() Message

// ExperimenterKey names an experimenter message: experimenter id and
// experimenter-defined type.
type ExperimenterKey struct{ ID, ExpType uint32 }

var newByExperimenter = map[ExperimenterKey]func() Message{}

// register makes Unmarshal and Decoder decode type t with new.
func register(t Type, new func() Message) { newByType[t] = new }

// registerExperimenter makes EXPERIMENTER messages with the given
// experimenter id and type decode with new instead of as the generic
// experimenter message.
func registerExperimenter(id, expType uint32, new func() Message) {
	newByExperimenter[ExperimenterKey{id, expType}] = new
}

// Unmarshal decodes one whole frame into a newly allocated message. The
// message may alias frame.
func Unmarshal(frame []byte) (Header, Message, error) {
	return decode(frame, nil)
}

func decode(frame []byte, d *Decoder) (Header, Message, error) {
	h, err := ParseHeader(frame)
	if err != nil {
		return h, nil, err
	}
	if err := CheckFrame(h); err != nil {
		return h, nil, err
	}
	if int(h.Length) != len(frame) {
		return h, nil, &FrameError{Header: h, Reason: fmt.Sprintf("length field says %d, frame has %d bytes", h.Length, len(frame))}
	}
	if h.Version != Version {
		return h, nil, fmt.Errorf("openflow: %w: %#x", ErrVersion, h.Version)
	}
	body := frame[HeaderLen:]
	var m Message
	if h.Type == TypeExperimenter && len(body) >= 8 {
		k := ExperimenterKey{binary.BigEndian.Uint32(body[0:4]), binary.BigEndian.Uint32(body[4:8])}
		if new, ok := newByExperimenter[k]; ok {
			m = d.experimenter(k, new)
		}
	}
	if m == nil {
		new := newByType[h.Type]
		if new == nil {
			return h, nil, fmt.Errorf("openflow: %w: %v", ErrUnsupported, h.Type)
		}
		m = d.message(h.Type, new)
	}
	if err := m.UnmarshalBinary(body); err != nil {
		return h, nil, fmt.Errorf("openflow: decode %v xid %#x: %w", h.Type, h.Xid, err)
	}
	return h, m, nil
}

// Decoder decodes frames into messages that it reuses: the message returned
// for a type is overwritten by the next Decode of the same type. The reader
// goroutine of a connection owns one; it allocates nothing in steady state
// for fixed-shape messages such as PACKET_IN. The zero value is ready.
type Decoder struct {
	byType         [TypeMeterMod + 1]Message
	byExperimenter map[ExperimenterKey]Message
}

// Decode decodes one whole frame. See the type's comment for how long the
// result is valid.
func (d *Decoder) Decode(frame []byte) (Header, Message, error) {
	return decode(frame, d)
}

func (d *Decoder) message(t Type, new func() Message) Message {
	if d == nil {
		return new()
	}
	if d.byType[t] == nil {
		d.byType[t] = new()
	}
	return d.byType[t]
}

func (d *Decoder) experimenter(k ExperimenterKey, new func() Message) Message {
	if d == nil {
		return new()
	}
	m, ok := d.byExperimenter[k]
	if !ok {
		if d.byExperimenter == nil {
			d.byExperimenter = make(map[ExperimenterKey]Message)
		}
		m = new()
		d.byExperimenter[k] = m
	}
	return m
}
