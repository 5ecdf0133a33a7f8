package openflow

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// FuzzMatchDecode decodes arbitrary bytes as an ofp_match. A failed decode
// must leave an empty match; a successful one must encode (with the
// prerequisite check, or without it when that is all that fails), decode
// back equal and re-encode byte-equal. The seed corpus is in
// testdata/fuzz/FuzzMatchDecode; the seeds below cover the shapes a switch
// sends.
func FuzzMatchDecode(f *testing.F) {
	// Empty match, as in a table-miss PACKET_IN.
	f.Add([]byte{0x00, 0x01, 0x00, 0x04, 0, 0, 0, 0})
	// in_port=1, the usual PACKET_IN match.
	f.Add([]byte{0x00, 0x01, 0x00, 0x0c, 0x80, 0x00, 0x00, 0x04, 0, 0, 0, 1, 0, 0, 0, 0})
	// Experimenter field with a truncated experimenter id.
	f.Add([]byte{0x00, 0x01, 0x00, 0x0a, 0xff, 0xff, 0x54, 0x06, 0x4f, 0x4e, 0, 0, 0, 0, 0, 0})
	// Experimenter length below 4.
	f.Add([]byte{0x00, 0x01, 0x00, 0x0c, 0xff, 0xff, 0x54, 0x02, 0x4f, 0x4e, 0x46, 0x00, 0, 0, 0, 0})
	// Match length shorter than its header.
	f.Add([]byte{0x00, 0x01, 0x00, 0x02, 0, 0, 0, 0})
	for _, m := range []*Match{mtMatch(mtTCP4), mtValid(Masked(TCPFlags(TCPSyn), TCPFlags(TCPSyn|TCPAck)))} {
		b, err := m.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var m Match
		n, err := m.Decode(data)
		if err != nil {
			if n != 0 || !reflect.DeepEqual(m, Match{}) {
				t.Fatalf("failed decode returned %d and left %#v", n, m)
			}
			return
		}
		if n > len(data) || n%8 != 0 || n < 8 {
			t.Fatalf("decode used %d bytes of %d", n, len(data))
		}
		_ = m.String()
		b, err := m.AppendBinary(nil)
		if err != nil {
			if !errors.Is(err, ErrPrerequisite) {
				t.Fatalf("decoded match does not encode: %v\n%#v", err, m)
			}
			if b, err = m.appendBinary(nil, false); err != nil {
				t.Fatalf("decoded match does not encode without prerequisites: %v", err)
			}
		}
		if len(b) != m.Len() {
			t.Fatalf("encoded %d bytes, Len() = %d", len(b), m.Len())
		}
		var m2 Match
		n2, err := m2.Decode(b)
		if err != nil {
			t.Fatalf("re-decode: %v\n% x", err, b)
		}
		if n2 != len(b) {
			t.Fatalf("re-decode used %d of %d bytes", n2, len(b))
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("re-decoded match differs:\n%#v\n%#v", m, m2)
		}
		b2, err := m2.appendBinary(nil, false)
		if err != nil || !bytes.Equal(b, b2) {
			t.Fatalf("re-encoding differs: %v\n% x\n% x", err, b, b2)
		}
	})
}

// FuzzOXMDecode decodes arbitrary bytes as one OXM TLV, as a SET_FIELD
// action carries it: a successful decode must encode, decode back equal
// and re-encode byte-equal.
func FuzzOXMDecode(f *testing.F) {
	for _, tc := range oxmCases() {
		f.Add(tc.wire)
	}
	// Unknown experimenter, and one cut inside its id.
	f.Add([]byte{0xff, 0xff, 0x02, 0x08, 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 1})
	f.Add([]byte{0xff, 0xff, 0x54, 0x06, 0x4f, 0x4e})
	f.Fuzz(func(t *testing.T, data []byte) {
		var o OXM
		n, err := o.Decode(data)
		if err != nil {
			if n != 0 || o != (OXM{}) {
				t.Fatalf("failed decode returned %d and left %#v", n, o)
			}
			return
		}
		if n > len(data) || o.Len() > n {
			t.Fatalf("decode used %d bytes of %d; Len() = %d", n, len(data), o.Len())
		}
		_ = o.String()
		b, err := o.AppendBinary(nil)
		if err != nil {
			t.Fatalf("decoded OXM does not encode: %v", err)
		}
		if len(b) != o.Len() {
			t.Fatalf("encoded %d bytes, Len() = %d", len(b), o.Len())
		}
		var o2 OXM
		if err := o2.UnmarshalBinary(b); err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if o2 != o {
			t.Fatalf("re-decoded OXM differs: %#v, %#v", o, o2)
		}
		b2, err := o2.AppendBinary(nil)
		if err != nil || !bytes.Equal(b, b2) {
			t.Fatalf("re-encoding differs: %v\n% x\n% x", err, b, b2)
		}
		// In a match, it decodes to the same field.
		var m Match
		match := append([]byte{0, 1, byte((4 + len(b)) >> 8), byte(4 + len(b))}, b...)
		match = append(match, make([]byte, pad8(len(match)))...)
		if _, err := m.Decode(match); err != nil {
			t.Fatalf("OXM alone in a match: %v", err)
		}
		if got, ok := m.Get(o.Field()); ok && got != o {
			t.Fatalf("match holds %v, want %v", got, o)
		}
	})
}
