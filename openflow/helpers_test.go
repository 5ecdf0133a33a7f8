package openflow

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// ofpParse writes whole frames to a file and returns what Open vSwitch's own
// decoder, `ovs-ofctl -O OpenFlow13 ofp-parse`, prints for them: the
// independent oracle for the encoder. A decode error printed by OVS fails
// the test.
func ofpParse(t testing.TB, frames ...[]byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "msgs.bin")
	if err := os.WriteFile(path, bytes.Join(frames, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ovs-ofctl", "-O", "OpenFlow13", "ofp-parse", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ovs-ofctl ofp-parse: %v\n%s", err, out)
	}
	s := string(out)
	if strings.Contains(s, "decode error") || strings.Contains(s, "***") {
		t.Fatalf("ovs-ofctl could not decode our encoding:\n%s", s)
	}
	return s
}

// mustMarshal encodes m with xid or fails the test.
func mustMarshal(t testing.TB, xid uint32, m Message) []byte {
	t.Helper()
	b, err := Marshal(xid, m)
	if err != nil {
		t.Fatalf("marshal %T: %v", m, err)
	}
	return b
}

// roundTrip encodes m, decodes it back into a new message, checks that the
// two are deeply equal and that re-encoding gives the same bytes, and
// returns the encoding.
func roundTrip(t testing.TB, m Message) []byte {
	t.Helper()
	b := mustMarshal(t, 0x12345678, m)
	h, got, err := Unmarshal(b)
	if err != nil {
		t.Fatalf("unmarshal %T: %v\n% x", m, err, b)
	}
	if h.Xid != 0x12345678 || h.Type != m.Type() || int(h.Length) != len(b) {
		t.Fatalf("header %+v for %T of %d bytes", h, m, len(b))
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("round trip of %T:\n got %#v\nwant %#v", m, got, m)
	}
	b2 := mustMarshal(t, 0x12345678, got)
	if !bytes.Equal(b, b2) {
		t.Fatalf("re-encoding of %T differs:\n% x\n% x", m, b, b2)
	}
	return b
}

// badDecode is a body that must not decode: the error must wrap
// io.ErrUnexpectedEOF exactly when eof is set (a body cut short), wrap is
// when that is set, and leave the prefilled receiver msg unchanged.
type badDecode struct {
	name string
	msg  Message
	body []byte
	eof  bool
	is   error
}

// testBadDecodes runs the bad-decode cases.
func testBadDecodes(t *testing.T, cases []badDecode) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			keep := reflect.ValueOf(tt.msg).Elem().Interface()
			err := tt.msg.UnmarshalBinary(tt.body)
			if err == nil {
				t.Fatalf("decoded % x without error: %+v", tt.body, tt.msg)
			}
			if tt.eof != errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("error %v: wraps io.ErrUnexpectedEOF = %v, want %v", err, !tt.eof, tt.eof)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("error %v does not wrap %v", err, tt.is)
			}
			if got := reflect.ValueOf(tt.msg).Elem().Interface(); !reflect.DeepEqual(got, keep) {
				t.Fatalf("failed decode changed the message: %+v", got)
			}
		})
	}
}
