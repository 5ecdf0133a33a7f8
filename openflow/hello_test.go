package openflow

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// msgCase is a message and its annotated body bytes (header excluded).
type msgCase struct {
	name string
	msg  Message
	body []byte
}

// testMsgCases checks that each message encodes to its body, that the
// frame decodes back to an equal message (with Unmarshal and with a
// reused Decoder) and that re-encoding is byte-equal.
func testMsgCases(t *testing.T, cases []msgCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			frame := mustMarshal(t, 0xabcd, tt.msg)
			if !bytes.Equal(frame[HeaderLen:], tt.body) {
				t.Fatalf("encode:\n got % x\nwant % x", frame[HeaderLen:], tt.body)
			}
			h, _ := ParseHeader(frame)
			if want := (Header{Version: Version, Type: tt.msg.Type(), Length: uint16(HeaderLen + len(tt.body)), Xid: 0xabcd}); h != want {
				t.Fatalf("header %+v, want %+v", h, want)
			}
			roundTrip(t, tt.msg)
			var d Decoder
			for range 2 { // the second decode reuses the first's message
				_, got, err := d.Decode(frame)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, tt.msg) {
					t.Fatalf("Decoder:\n got %#v\nwant %#v", got, tt.msg)
				}
			}
		})
	}
}

// badBody is a body that must not decode.
type badBody struct {
	name string
	body []byte
	eof  bool // the error must wrap io.ErrUnexpectedEOF
}

// testBadBodies checks that UnmarshalBinary rejects each body, and that
// the whole frame is rejected by Unmarshal too.
func testBadBodies(t *testing.T, newMsg func() Message, cases []badBody) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			m := newMsg()
			err := m.UnmarshalBinary(tt.body)
			if err == nil {
				t.Fatalf("UnmarshalBinary(% x) = nil error, decoded %#v", tt.body, m)
			}
			if tt.eof != errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("error %q: wraps io.ErrUnexpectedEOF = %v, want %v", err, !tt.eof, tt.eof)
			}
			frame := append([]byte{Version, byte(m.Type()), 0, 0, 0, 0, 0, 1}, tt.body...)
			frame[2], frame[3] = byte(len(frame)>>8), byte(len(frame))
			if _, got, err := Unmarshal(frame); err == nil {
				t.Fatalf("Unmarshal of a bad frame succeeded: %#v", got)
			}
		})
	}
}

// wantLines fails unless every line of want appears, trimmed, as a line
// of the OVS output.
func wantLines(t *testing.T, out string, want ...string) {
	t.Helper()
	have := map[string]bool{}
	for _, l := range strings.Split(out, "\n") {
		have[strings.TrimSpace(l)] = true
	}
	for _, w := range want {
		if !have[w] {
			t.Errorf("ovs-ofctl output lacks line %q:\n%s", w, out)
		}
	}
}

func TestHelloWire(t *testing.T) {
	testMsgCases(t, []msgCase{
		{name: "no elements", msg: &Hello{}, body: nil},
		{
			name: "bitmap 1.3",
			msg:  NewHello(Version),
			body: []byte{
				0x00, 0x01, 0x00, 0x08, // type VERSIONBITMAP, length 8
				0x00, 0x00, 0x00, 0x10, // bitmap: bit 4
			},
		},
		{
			name: "bitmap 1.0, 1.3 and 1.5 plus an unknown element",
			msg: &Hello{
				VersionBitmap: []uint32{0x52},
				Elements:      []HelloElement{{Type: 9, Data: []byte{0xaa, 0xbb, 0xcc}}},
			},
			body: []byte{
				0x00, 0x01, 0x00, 0x08, // type VERSIONBITMAP, length 8
				0x00, 0x00, 0x00, 0x52, // bitmap: bits 1, 4, 6
				0x00, 0x09, 0x00, 0x07, // type 9, length 7
				0xaa, 0xbb, 0xcc, // data
				0x00, // padding to 8
			},
		},
		{
			name: "two-word bitmap",
			msg:  NewHello(4, 33),
			body: []byte{
				0x00, 0x01, 0x00, 0x0c, // type VERSIONBITMAP, length 12
				0x00, 0x00, 0x00, 0x10, // bit 4
				0x00, 0x00, 0x00, 0x02, // bit 33
				0, 0, 0, 0, // padding to 16
			},
		},
		{
			name: "empty unknown element",
			msg:  &Hello{Elements: []HelloElement{{Type: 0xffff}}},
			body: []byte{0xff, 0xff, 0x00, 0x04, 0, 0, 0, 0},
		},
	})
}

func TestHelloDecodeTolerant(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		want *Hello
	}{
		{
			name: "last element without padding",
			body: []byte{0x00, 0x01, 0x00, 0x0c, 0, 0, 0, 0x10, 0, 0, 0, 0x02},
			want: &Hello{VersionBitmap: []uint32{0x10, 0x02}},
		},
		{
			name: "unknown element before the bitmap",
			body: []byte{0x00, 0x02, 0x00, 0x05, 0x77, 0, 0, 0, 0x00, 0x01, 0x00, 0x08, 0, 0, 0, 0x10},
			want: &Hello{VersionBitmap: []uint32{0x10}, Elements: []HelloElement{{Type: 2, Data: []byte{0x77}}}},
		},
		{
			name: "second bitmap kept as an element",
			body: []byte{0x00, 0x01, 0x00, 0x08, 0, 0, 0, 0x10, 0x00, 0x01, 0x00, 0x08, 0, 0, 0, 0x20},
			want: &Hello{VersionBitmap: []uint32{0x10}, Elements: []HelloElement{{Type: HelloElemVersionBitmap, Data: []byte{0, 0, 0, 0x20}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHello(1, 2, 3) // stale content must go
			if err := h.UnmarshalBinary(tt.body); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(h, tt.want) {
				t.Fatalf("got %#v, want %#v", h, tt.want)
			}
		})
	}
}

func TestHelloBad(t *testing.T) {
	testBadBodies(t, func() Message { return new(Hello) }, []badBody{
		{name: "partial element header", body: []byte{0, 1, 0}, eof: true},
		{name: "element longer than body", body: []byte{0, 1, 0, 12, 0, 0, 0, 0x10}, eof: true},
		{name: "element length below header", body: []byte{0, 9, 0, 3, 0, 0, 0, 0}},
		{name: "element length zero", body: []byte{0, 9, 0, 0, 0, 0, 0, 0}},
		{name: "empty bitmap", body: []byte{0, 1, 0, 4, 0, 0, 0, 0}},
		{name: "bitmap not whole words", body: []byte{0, 1, 0, 6, 0, 0x10, 0, 0}},
		{name: "garbage after padding", body: []byte{0, 1, 0, 8, 0, 0, 0, 0x10, 0xff}, eof: true},
	})
}

func TestHelloVersions(t *testing.T) {
	tests := []struct {
		name      string
		hello     *Hello
		versions  []uint8
		supports  uint8
		want      bool
		hasBitmap bool
	}{
		{name: "1.3 only", hello: NewHello(4), versions: []uint8{4}, supports: 4, want: true, hasBitmap: true},
		{name: "1.0 and 1.5", hello: NewHello(1, 6), versions: []uint8{1, 6}, supports: 4, want: false, hasBitmap: true},
		{name: "no bitmap", hello: NewHello(), versions: nil, supports: 4, want: false, hasBitmap: false},
		{name: "high version", hello: NewHello(200), versions: []uint8{200}, supports: 200, want: true, hasBitmap: true},
		{name: "beyond bitmap", hello: NewHello(4), versions: []uint8{4}, supports: 100, want: false, hasBitmap: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.hello.Versions(); !reflect.DeepEqual(got, tt.versions) {
				t.Errorf("Versions() = %v, want %v", got, tt.versions)
			}
			if got := tt.hello.Supports(tt.supports); got != tt.want {
				t.Errorf("Supports(%d) = %v, want %v", tt.supports, got, tt.want)
			}
			if got := tt.hello.HasBitmap(); got != tt.hasBitmap {
				t.Errorf("HasBitmap() = %v", got)
			}
		})
	}
	if s := NewHello(1, 4).String(); s != "HELLO versions 0x01,0x04" {
		t.Errorf("String() = %q", s)
	}
}

func TestHelloOVS(t *testing.T) {
	tests := []struct {
		name  string
		hello *Hello
		want  string
	}{
		{name: "1.3", hello: NewHello(4), want: "version bitmap: 0x04"},
		{name: "three versions", hello: NewHello(1, 4, 6), want: "version bitmap: 0x01, 0x04, 0x06"},
		{name: "with unknown element", hello: &Hello{VersionBitmap: []uint32{0x18}, Elements: []HelloElement{{Type: 7, Data: []byte{1}}}}, want: "version bitmap: 0x03, 0x04"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := ofpParse(t, mustMarshal(t, 0x10, tt.hello))
			wantLines(t, out, "OFPT_HELLO (OF1.3) (xid=0x10):", tt.want)
		})
	}
}
