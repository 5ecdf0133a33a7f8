package openflow

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// rawFrame builds a frame by hand: version, type, length, xid, body.
func rawFrame(version uint8, t Type, length uint16, xid uint32, body []byte) []byte {
	b := []byte{version, byte(t), byte(length >> 8), byte(length), byte(xid >> 24), byte(xid >> 16), byte(xid >> 8), byte(xid)}
	return append(b, body...)
}

func TestReaderSplitsStream(t *testing.T) {
	var stream []byte
	var want [][]byte
	for i := range 200 {
		body := bytes.Repeat([]byte{byte(i)}, i*37%300)
		f := rawFrame(Version, TypeEchoRequest, uint16(8+len(body)), uint32(i), body)
		want = append(want, f)
		stream = append(stream, f...)
	}
	// A big frame that forces the buffer to grow.
	big := rawFrame(Version, TypeEchoRequest, MaxMessageLen, 999, make([]byte, MaxMessageLen-8))
	want = append(want, big)
	stream = append(stream, big...)

	for _, tt := range []struct {
		name string
		r    io.Reader
	}{
		{"whole", bytes.NewReader(stream)},
		{"one byte at a time", iotest.OneByteReader(bytes.NewReader(stream))},
		{"half reads", iotest.HalfReader(bytes.NewReader(stream))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(tt.r)
			for i, w := range want {
				got, err := r.Next()
				if err != nil {
					t.Fatalf("frame %d: %v", i, err)
				}
				if !bytes.Equal(got, w) {
					t.Fatalf("frame %d differs: got %d bytes, want %d", i, len(got), len(w))
				}
			}
			if _, err := r.Next(); err != io.EOF {
				t.Fatalf("after the last frame: %v, want io.EOF", err)
			}
		})
	}
}

func TestReaderRejectsBadFrames(t *testing.T) {
	tests := []struct {
		name    string
		stream  []byte
		wantErr error
		reason  string
	}{
		{name: "length below header", stream: rawFrame(Version, TypeHello, 7, 1, nil), reason: "shorter than the header"},
		{name: "length zero", stream: rawFrame(Version, TypeEchoReply, 0, 1, nil), reason: "shorter than the header"},
		{name: "below packet-in fixed part", stream: rawFrame(Version, TypePacketIn, 20, 1, make([]byte, 12)), reason: "fixed part of PACKET_IN"},
		{name: "below flow-mod fixed part", stream: rawFrame(Version, TypeFlowMod, 48, 1, make([]byte, 40)), reason: "fixed part of FLOW_MOD"},
		{name: "unknown type", stream: rawFrame(Version, Type(99), 8, 1, nil), reason: "unknown message type"},
		{name: "cut inside a frame", stream: rawFrame(Version, TypeEchoRequest, 100, 1, make([]byte, 50)), wantErr: io.ErrUnexpectedEOF},
		{name: "cut inside a header", stream: []byte{4, 0, 0}, wantErr: io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewReader(bytes.NewReader(tt.stream)).Next()
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			var fe *FrameError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want *FrameError", err)
			}
			if !bytes.Contains([]byte(fe.Error()), []byte(tt.reason)) {
				t.Fatalf("error %q does not say %q", fe, tt.reason)
			}
		})
	}
}

func TestReaderPassesOtherVersions(t *testing.T) {
	// An OpenFlow 1.0 HELLO must reach the handshake so that it can be
	// answered with HELLO_FAILED rather than dropped as garbage.
	f := rawFrame(0x01, TypeHello, 8, 7, nil)
	got, err := NewReader(bytes.NewReader(f)).Next()
	if err != nil || !bytes.Equal(got, f) {
		t.Fatalf("Next = % x, %v", got, err)
	}
	if _, _, err := Unmarshal(got); !errors.Is(err, ErrVersion) {
		t.Fatalf("Unmarshal of a 1.0 frame: %v, want ErrVersion", err)
	}
}

func TestUnmarshalLengthMismatch(t *testing.T) {
	f := rawFrame(Version, TypeEchoRequest, 12, 1, []byte{1, 2, 3, 4, 5})
	if _, _, err := Unmarshal(f); err == nil {
		t.Fatal("a frame longer than its length field decoded")
	}
}

type countingWriter struct {
	writes int
	buf    bytes.Buffer
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.buf.Write(p)
}

type rawBody []byte

func (r rawBody) Type() Type                            { return TypeEchoRequest }
func (r rawBody) AppendBinary(b []byte) ([]byte, error) { return append(b, r...), nil }
func (r rawBody) UnmarshalBinary([]byte) error          { return nil }

func TestWriterBatches(t *testing.T) {
	var cw countingWriter
	w := NewWriter(&cw)
	for i := range 100 {
		if err := w.Write(uint32(i), rawBody{1, 2, 3}); err != nil {
			t.Fatal(err)
		}
	}
	if cw.writes != 0 {
		t.Fatalf("%d writes before Flush", cw.writes)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if cw.writes != 1 || cw.buf.Len() != 100*11 {
		t.Fatalf("%d writes of %d bytes, want 1 of %d", cw.writes, cw.buf.Len(), 100*11)
	}
	r := NewReader(&cw.buf)
	for i := range 100 {
		f, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		h, _ := ParseHeader(f)
		if h.Xid != uint32(i) || h.Length != 11 || h.Version != Version {
			t.Fatalf("frame %d header %+v", i, h)
		}
	}
}

func TestAppendTooLong(t *testing.T) {
	b := []byte{9, 9}
	b, err := Append(b, 1, rawBody(make([]byte, MaxMessageLen)))
	if !errors.Is(err, ErrTooLong) {
		t.Fatalf("err = %v, want ErrTooLong", err)
	}
	if len(b) != 2 {
		t.Fatalf("buffer grew to %d on error", len(b))
	}
}

func TestMinLenMatchesSpecStructs(t *testing.T) {
	// Sizes asserted by the OpenFlow 1.3 spec (OFP_ASSERT), header included.
	for _, tt := range []struct {
		t    Type
		want int
	}{
		{TypeHello, 8}, {TypeError, 12}, {TypeFeaturesReply, 32}, {TypeSetConfig, 12},
		{TypeFlowRemoved, 56}, {TypePortStatus, 80}, {TypePacketOut, 24}, {TypeFlowMod, 56},
		{TypeGroupMod, 16}, {TypePortMod, 40}, {TypeTableMod, 16}, {TypeMultipartRequest, 16},
		{TypeMultipartReply, 16}, {TypeRoleRequest, 24}, {TypeGetAsyncReply, 32}, {TypeMeterMod, 16},
	} {
		if got, _ := MinLen(tt.t); got != tt.want {
			t.Errorf("MinLen(%v) = %d, want %d", tt.t, got, tt.want)
		}
	}
}

// FuzzReader feeds arbitrary streams to the framer: it must never panic,
// every frame it returns must carry its own length, and a stream of valid
// frames must come back unchanged.
func FuzzReader(f *testing.F) {
	f.Add(rawFrame(Version, TypeHello, 8, 1, nil))
	f.Add(rawFrame(Version, TypeEchoRequest, 12, 2, []byte{1, 2, 3, 4}))
	f.Add(append(rawFrame(Version, TypeBarrierRequest, 8, 3, nil), rawFrame(Version, TypeBarrierReply, 8, 3, nil)...))
	f.Add(rawFrame(Version, TypePacketIn, 20, 1, make([]byte, 12))) // below fixed part
	f.Add(rawFrame(0x01, TypeHello, 8, 1, nil))                     // other version
	f.Add([]byte{4, 0, 0xff, 0xff, 0, 0, 0, 0})                     // max length, cut
	f.Fuzz(func(t *testing.T, stream []byte) {
		r := NewReader(iotest.HalfReader(bytes.NewReader(stream)))
		total := 0
		for {
			frame, err := r.Next()
			if err != nil {
				return
			}
			h, err := ParseHeader(frame)
			if err != nil || int(h.Length) != len(frame) {
				t.Fatalf("frame of %d bytes with header %+v", len(frame), h)
			}
			if !bytes.Equal(frame, stream[total:total+len(frame)]) {
				t.Fatal("frame differs from the stream")
			}
			total += len(frame)
			// Decoding may fail but must not panic.
			Unmarshal(frame)
		}
	})
}
