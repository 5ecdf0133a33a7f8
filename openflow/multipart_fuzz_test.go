package openflow

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// FuzzMultipart decodes its input as the body of a MULTIPART_REQUEST and
// of a MULTIPART_REPLY (everything after the 8-byte header). Whatever
// decodes must re-encode, decode back equal, and re-encode byte-equal;
// the reply must also assemble, as a single part, into the same value.
//
// The seeds in testdata/fuzz/FuzzMultipart are the bodies of the
// annotated vectors of multipart_test.go, one file per vector (request-*
// and reply-*); regenerate them with MULTIPART_FUZZ_SEEDS=1.
func FuzzMultipart(f *testing.F) {
	for _, v := range multipartVectors() {
		f.Add(v.wire[HeaderLen:])
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > MaxMessageLen-HeaderLen {
			return
		}
		fuzzMultipartMessage(t, new(MultipartRequest), body)
		reply := new(MultipartReply)
		ok := fuzzMultipartMessage(t, reply, body)

		frame := binary.BigEndian.AppendUint32([]byte{Version, byte(TypeMultipartReply), 0, 0}, 1)
		frame = append(frame, body...)
		binary.BigEndian.PutUint16(frame[2:], uint16(len(frame)))
		if len(body) >= 4 {
			frame[HeaderLen+2], frame[HeaderLen+3] = 0, 0 // no MORE: a single part
		}
		_, assembled, err := NewAssembler(nil).Add(frame)
		if err != nil {
			if ok {
				t.Fatalf("decodes but does not assemble: %v", err)
			}
			return
		}
		want := new(MultipartReply)
		if err := want.UnmarshalBinary(frame[HeaderLen:]); err != nil {
			t.Fatalf("assembles but does not decode: %v", err)
		}
		if !reflect.DeepEqual(assembled, want) {
			t.Fatalf("assembled %#v\n decoded %#v", assembled, want)
		}
	})
}

// fuzzMultipartMessage checks the decode, encode, decode, encode cycle of
// m and reports whether body decoded.
func fuzzMultipartMessage(t *testing.T, m Message, body []byte) bool {
	if err := m.UnmarshalBinary(body); err != nil {
		return false
	}
	b1, err := m.AppendBinary(nil)
	if err != nil {
		// A match decoded without its prerequisites (tcp_dst without
		// ip_proto) is refused by the encoder, by design.
		if errors.Is(err, ErrPrerequisite) {
			return true
		}
		t.Fatalf("%T decodes but does not encode: %v\n%#v", m, err, m)
	}
	m2 := reflect.New(reflect.TypeOf(m).Elem()).Interface().(Message)
	if err := m2.UnmarshalBinary(b1); err != nil {
		t.Fatalf("%T re-encoding does not decode: %v\n% x", m, err, b1)
	}
	if !reflect.DeepEqual(m, m2) {
		t.Fatalf("%T changed over a round trip:\n got %#v\nwant %#v", m, m2, m)
	}
	b2, err := m2.AppendBinary(nil)
	if err != nil || !bytes.Equal(b1, b2) {
		t.Fatalf("%T re-encoding differs (%v):\n% x\n% x", m, err, b1, b2)
	}
	return true
}

// TestMultipartFuzzSeeds writes the seed corpus when MULTIPART_FUZZ_SEEDS
// is set, and otherwise checks that the committed corpus holds every
// vector.
func TestMultipartFuzzSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzMultipart")
	for _, v := range multipartVectors() {
		name := strings.NewReplacer(" ", "-", "(", "", ")", "").Replace(v.name)
		path := filepath.Join(dir, name)
		want := "go test fuzz v1\n[]byte(" + strconv.Quote(string(v.wire[HeaderLen:])) + ")\n"
		if os.Getenv("MULTIPART_FUZZ_SEEDS") != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("seed for %q: %v (regenerate with MULTIPART_FUZZ_SEEDS=1)", v.name, err)
		}
		if string(got) != want {
			t.Fatalf("seed %s is stale (regenerate with MULTIPART_FUZZ_SEEDS=1)", path)
		}
	}
}
