package openflow

import (
	"bytes"
	"encoding/binary"
	"io"
	"runtime"
	"testing"
)

// allocated returns the bytes of heap that f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// adversarialFrame returns a frame of the largest size whose body starts
// with prefix and goes on with fill repeated: every length and count field
// the decoder meets claims the largest value (fill 0xff) or a small one
// over and over (fill 0x00 0x08: elements of 8 bytes).
func adversarialFrame(t Type, prefix, fill []byte) []byte {
	frame := make([]byte, MaxMessageLen)
	frame[0], frame[1] = Version, byte(t)
	binary.BigEndian.PutUint16(frame[2:4], MaxMessageLen)
	n := copy(frame[HeaderLen:], prefix)
	for i := HeaderLen + n; i < len(frame); i += len(fill) {
		copy(frame[i:], fill)
	}
	return frame
}

// adversarialPrefixes gives, for every message the decoder knows, the
// start of a body that gets the decoder past its type dispatch: nothing
// for plain messages, the multipart type for multipart messages, the
// experimenter id and type for experimenter messages.
func adversarialPrefixes() map[string]struct {
	t      Type
	prefix []byte
} {
	out := map[string]struct {
		t      Type
		prefix []byte
	}{}
	for t, newMsg := range newByType {
		if newMsg == nil {
			continue
		}
		typ := Type(t)
		if typ == TypeMultipartRequest || typ == TypeMultipartReply {
			for _, mp := range append(allMultipartTypes(), 0x7777) {
				p := binary.BigEndian.AppendUint16(nil, uint16(mp))
				out[typ.String()+" "+mp.String()] = struct {
					t      Type
					prefix []byte
				}{typ, append(p, 0, 0, 0, 0, 0, 0)} // flags, pad
			}
			continue
		}
		out[typ.String()] = struct {
			t      Type
			prefix []byte
		}{typ, nil}
	}
	for k := range newByExperimenter {
		p := binary.BigEndian.AppendUint32(nil, k.ID)
		p = binary.BigEndian.AppendUint32(p, k.ExpType)
		out[reflectName(newByExperimenter[k]())] = struct {
			t      Type
			prefix []byte
		}{TypeExperimenter, p}
	}
	return out
}

// allMultipartTypes lists the multipart types with a request or reply body.
func allMultipartTypes() []MultipartType {
	var ts []MultipartType
	for t := range MultipartType(0xffff) {
		if newRequestBody(t) != nil || newReplyBody(t) != nil {
			ts = append(ts, t)
		}
	}
	return append(ts, MultipartExperimenter)
}

func reflectName(m Message) string { return oracleKey(m) }

// TestAdversarialAllocation decodes, for every message the decoder knows,
// frames of the largest size whose length and count fields claim the
// largest values, and checks that no decode allocates more than a small
// multiple of the frame: no allocation is driven by a length or count
// before it has been checked against the bytes present. It also checks
// the framer: a header claiming 65535 bytes followed by nothing costs one
// buffer of that size, not more.
func TestAdversarialAllocation(t *testing.T) {
	// Decoded values are Go structs larger than their wire form (a Match
	// holds every field), so a frame full of the smallest valid elements
	// may cost several times its size (4× for 8-byte group descriptions,
	// twice that under the race detector, which moves per-element
	// temporaries to the heap); 12× bounds that with room, and is far
	// below what an unchecked 32-bit count (gigabytes) would cost.
	const factor = 12
	fills := []struct {
		name string
		fill []byte
	}{
		{"ff", []byte{0xff}},
		{"len8", []byte{0x00, 0x08}},
		{"zero", []byte{0x00}},
		{"len16", []byte{0x00, 0x01, 0x00, 0x10}},
	}
	var worst uint64
	var worstName string
	for name, p := range adversarialPrefixes() {
		for _, f := range fills {
			frame := adversarialFrame(p.t, p.prefix, f.fill)
			got := allocated(func() { Unmarshal(frame) })
			var d Decoder
			d.Decode(frame)
			got = max(got, allocated(func() { d.Decode(frame) }))
			if got > worst {
				worst, worstName = got, name+"/"+f.name
			}
			if got > factor*uint64(len(frame)) {
				t.Errorf("%s filled with %s: %d bytes allocated for a %d-byte frame", name, f.name, got, len(frame))
			}
		}
	}
	t.Logf("largest allocation: %d bytes (%s) for %d-byte frames", worst, worstName, MaxMessageLen)

	// The framer: a header that claims the largest frame, then the stream
	// ends. The reader grows to hold one frame and reports the cut.
	for _, typ := range []Type{TypeHello, TypePacketIn, TypeMultipartReply} {
		hdr := []byte{Version, byte(typ), 0xff, 0xff, 0, 0, 0, 1}
		var err error
		got := allocated(func() {
			r := NewReader(bytes.NewReader(hdr))
			_, err = r.Next()
		})
		if err != io.ErrUnexpectedEOF {
			t.Errorf("%v header of 65535 then EOF: %v, want io.ErrUnexpectedEOF", typ, err)
		}
		if got > 3*MaxMessageLen {
			t.Errorf("%v header of 65535 then EOF: reader allocated %d bytes", typ, got)
		}
	}
}
