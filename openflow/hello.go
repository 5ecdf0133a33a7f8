package openflow

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"strings"
)

// HelloElemType is ofp_hello_elem_type, the type of one HELLO element.
type HelloElemType uint16

// HELLO element types.
const (
	// HelloElemVersionBitmap lists the versions the sender supports as a
	// bitmap: bit n of word n/32 stands for wire version n.
	HelloElemVersionBitmap HelloElemType = 1
)

// String returns the spec name, or the number for an unknown value.
func (t HelloElemType) String() string {
	if t == HelloElemVersionBitmap {
		return "VERSIONBITMAP"
	}
	return fmt.Sprintf("HelloElemType(%d)", uint16(t))
}

// HelloElement is one HELLO element other than the version bitmap, kept
// as received so that unknown elements survive a round trip.
type HelloElement struct {
	Type HelloElemType
	Data []byte // element body without header or padding; aliases the frame when decoded
}

// Hello is the body of OFPT_HELLO. A HELLO with no elements is valid: the
// versions are then negotiated from the header versions alone.
type Hello struct {
	// VersionBitmap is the bitmap of the first version-bitmap element, nil
	// when the HELLO has none. Word i bit j stands for version 32*i+j.
	VersionBitmap []uint32
	// Elements are the other elements (unknown types, repeated bitmaps),
	// in the order received; they are encoded after the bitmap.
	Elements []HelloElement
}

var _ Message = (*Hello)(nil)

func init() { register(TypeHello, func() Message { return new(Hello) }) }

// NewHello returns a HELLO whose version bitmap lists versions; with no
// versions it has no elements at all.
func NewHello(versions ...uint8) *Hello {
	h := &Hello{}
	for _, v := range versions {
		i := int(v / 32)
		for len(h.VersionBitmap) <= i {
			h.VersionBitmap = append(h.VersionBitmap, 0)
		}
		h.VersionBitmap[i] |= 1 << (v % 32)
	}
	return h
}

// HasBitmap reports whether the HELLO carries a version bitmap.
func (h *Hello) HasBitmap() bool { return len(h.VersionBitmap) > 0 }

// Supports reports whether the version bitmap lists version v. Without a
// bitmap it returns false: the caller then negotiates from the header
// versions (see HasBitmap).
func (h *Hello) Supports(v uint8) bool {
	i := int(v / 32)
	return i < len(h.VersionBitmap) && h.VersionBitmap[i]&(1<<(v%32)) != 0
}

// Versions returns the versions listed in the bitmap, lowest first.
func (h *Hello) Versions() []uint8 {
	var vs []uint8
	for i, w := range h.VersionBitmap {
		for w != 0 && i < 8 {
			j := bits.TrailingZeros32(w)
			vs = append(vs, uint8(32*i+j))
			w &^= 1 << j
		}
	}
	return vs
}

// Type implements Message.
func (h *Hello) Type() Type { return TypeHello }

// AppendBinary appends the elements, each padded to 8 bytes.
func (h *Hello) AppendBinary(b []byte) ([]byte, error) {
	if len(h.VersionBitmap) > 0 {
		n := 4 + 4*len(h.VersionBitmap)
		if n > 0xffff {
			return b, fmt.Errorf("hello: version bitmap of %d words too long", len(h.VersionBitmap))
		}
		b = binary.BigEndian.AppendUint16(b, uint16(HelloElemVersionBitmap))
		b = binary.BigEndian.AppendUint16(b, uint16(n))
		for _, w := range h.VersionBitmap {
			b = binary.BigEndian.AppendUint32(b, w)
		}
		b = appendPad(b, pad8(n))
	}
	for _, e := range h.Elements {
		n := 4 + len(e.Data)
		if n > 0xffff {
			return b, fmt.Errorf("hello: element %v of %d bytes too long", e.Type, n)
		}
		b = binary.BigEndian.AppendUint16(b, uint16(e.Type))
		b = binary.BigEndian.AppendUint16(b, uint16(n))
		b = append(b, e.Data...)
		b = appendPad(b, pad8(n))
	}
	return b, nil
}

// UnmarshalBinary decodes the element list. Unknown elements are kept in
// Elements; the padding of the last element may be missing.
func (h *Hello) UnmarshalBinary(body []byte) error {
	*h = Hello{}
	// Elements is allocated once, for the elements the body can hold: a
	// hostile HELLO of thousands of tiny elements costs one slice the
	// size of a few frames, not the garbage of append doubling.
	// (One slot too many when the body holds a version bitmap.)
	if n := countHelloElements(body); n > 1 {
		h.Elements = make([]HelloElement, 0, n)
	}
	for len(body) > 0 {
		if len(body) < 4 {
			return errShort("hello element header", 4, len(body))
		}
		t := HelloElemType(binary.BigEndian.Uint16(body[0:2]))
		n := int(binary.BigEndian.Uint16(body[2:4]))
		if n < 4 {
			return fmt.Errorf("openflow: hello element %v: length %d shorter than its header", t, n)
		}
		if len(body) < n {
			return errShort("hello element", n, len(body))
		}
		data := body[4:n]
		switch {
		case t == HelloElemVersionBitmap && h.VersionBitmap == nil:
			if len(data) == 0 || len(data)%4 != 0 {
				return fmt.Errorf("openflow: hello version bitmap of %d bytes, want a positive multiple of 4", len(data))
			}
			h.VersionBitmap = make([]uint32, len(data)/4)
			for i := range h.VersionBitmap {
				h.VersionBitmap[i] = binary.BigEndian.Uint32(data[4*i:])
			}
		default:
			if len(data) == 0 {
				data = nil
			}
			h.Elements = append(h.Elements, HelloElement{Type: t, Data: data})
		}
		n += pad8(n)
		body = body[min(n, len(body)):]
	}
	return nil
}

// countHelloElements counts the well-formed elements at the start of
// body, stopping at the first whose length is bad.
func countHelloElements(body []byte) int {
	count := 0
	for len(body) >= 4 {
		n := int(binary.BigEndian.Uint16(body[2:4]))
		if n < 4 || n > len(body) {
			break
		}
		count++
		body = body[min(n+pad8(n), len(body)):]
	}
	return count
}

// String summarises the message for logs.
func (h *Hello) String() string {
	if !h.HasBitmap() {
		return fmt.Sprintf("HELLO (no version bitmap, %d other elements)", len(h.Elements))
	}
	vs := make([]string, 0, 4)
	for _, v := range h.Versions() {
		vs = append(vs, fmt.Sprintf("%#02x", v))
	}
	return fmt.Sprintf("HELLO versions %s", strings.Join(vs, ","))
}
