package openflow

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrMultipartMismatch reports a part of a multipart reply whose type (or
// experimenter id and type) differs from the earlier parts with the same
// xid.
var ErrMultipartMismatch = errors.New("openflow: multipart reply part does not match the earlier parts")

// ErrMultipartLimit reports a multipart reply that exceeded a limit of its
// [Assembler]: too many bytes, too many parts, or too many replies under
// way at once.
var ErrMultipartLimit = errors.New("openflow: multipart reply over the assembler's limits")

// ErrMultipartDropped reports a part of a multipart reply that the
// [Assembler] had already dropped (after an error, a limit, Cancel or
// Expire): the part is discarded until the last part of that reply goes
// by.
var ErrMultipartDropped = errors.New("openflow: part of a dropped multipart reply")

// Default limits of an [Assembler].
const (
	// DefaultMultipartMaxBytes is the default limit on the body bytes of
	// one assembled reply: 64 MiB, about 700,000 flow entries with small
	// matches.
	DefaultMultipartMaxBytes = 64 << 20
	// DefaultMultipartMaxParts is the default limit on the messages of one
	// reply; OVS fills parts to about 64 KiB, so 64 MiB takes about 1,000.
	DefaultMultipartMaxParts = 16384
	// DefaultMultipartMaxPending is the default limit on the replies under
	// way at once.
	DefaultMultipartMaxPending = 16
)

// AssemblerConfig sets the limits of an [Assembler]. Zero fields take the
// defaults.
type AssemblerConfig struct {
	// MaxBytes limits the body bytes (after the 16-byte multipart header)
	// kept for one reply.
	MaxBytes int
	// MaxParts limits the number of messages of one reply.
	MaxParts int
	// MaxPending limits how many replies may be under way at once; the
	// first part of one more is refused.
	MaxPending int
	// Now is the clock that stamps the parts for Expire; nil means
	// time.Now.
	Now func() time.Time
}

// Assembler puts multipart replies that span several MULTIPART_REPLY
// messages (all but the last flagged [MultipartMore]) back together, as
// the reader of a switch connection receives them: parts are matched by
// xid, several replies with different xids may be under way at once, and
// a reply whose parts disagree on the multipart type is refused. When the
// last part arrives, the assembler returns one [*MultipartReply] whose
// body holds the elements of every part in order (slices concatenated).
//
// The assembler copies every part it keeps, so frames may come from a
// reused read buffer; the reply it returns aliases only its own copies and
// belongs to the caller.
//
// Memory bound: a reply under way holds only the copied bodies of its
// parts, at most MaxBytes bytes, and at most MaxPending replies are under
// way, so parts in flight cost at most MaxPending × MaxBytes bytes (plus a
// slice header per part). Each part's element framing is checked when it
// arrives; the parts are decoded together when the last one arrives, into
// an array allocated once at its final size. The decoded reply is larger
// than its wire form: a flow stats entry is a struct of about 700 bytes
// (its Match holds every field by value) plus its instructions, for 56 or
// more bytes on the wire, so a reply of MaxBytes bytes of minimal entries
// decodes to at most about 13 × MaxBytes. A 100,000-entry flow dump of
// about 10 MB assembles into about 80 MB. Lower the limits for switches
// that are not trusted. Any error drops the partial reply it concerns at
// once, and the rest of its parts are discarded with
// [ErrMultipartDropped]. A reply whose requester gave up (timeout,
// cancelled context) is dropped with Cancel, or by a periodic Expire.
//
// An Assembler is safe for concurrent use: the reader feeds it while
// requesters cancel.
type Assembler struct {
	mu      sync.Mutex
	cfg     AssemblerConfig
	pending map[uint32]*partialReply
	dropped map[uint32]time.Time // xids whose remaining parts are discarded
}

// partialReply is a reply under way: the copied bodies of its parts,
// decoded together when the last part arrives.
type partialReply struct {
	t     MultipartType
	parts [][]byte
	elems int // array elements in the parts so far
	bytes int
	last  time.Time // when the last part arrived
}

// NewAssembler returns an Assembler with the limits of cfg; nil means the
// defaults.
func NewAssembler(cfg *AssemblerConfig) *Assembler {
	a := &Assembler{
		pending: make(map[uint32]*partialReply),
		dropped: make(map[uint32]time.Time),
	}
	if cfg != nil {
		a.cfg = *cfg
	}
	if a.cfg.MaxBytes <= 0 {
		a.cfg.MaxBytes = DefaultMultipartMaxBytes
	}
	if a.cfg.MaxParts <= 0 {
		a.cfg.MaxParts = DefaultMultipartMaxParts
	}
	if a.cfg.MaxPending <= 0 {
		a.cfg.MaxPending = DefaultMultipartMaxPending
	}
	if a.cfg.Now == nil {
		a.cfg.Now = time.Now
	}
	return a
}

// Add feeds one whole MULTIPART_REPLY frame, header included. It returns
// the assembled reply when frame is the last part (no MultipartMore, which
// for a reply of one message is the first), and nil, nil while more parts
// are awaited. The frame is copied: it may be reused once Add returns.
//
// An error concerns the reply with the frame's xid (returned in h when the
// header could be read), whose partial state is dropped: a frame that is
// not a valid version-1.3 MULTIPART_REPLY, a part that does not decode, a
// type that differs from the earlier parts', a single-structure body (such
// as DESC) sent in several parts, or a limit exceeded. Other replies under
// way are not affected.
func (a *Assembler) Add(frame []byte) (h Header, reply *MultipartReply, err error) {
	h, err = ParseHeader(frame)
	if err != nil {
		return h, nil, err
	}
	if err := CheckFrame(h); err != nil {
		return h, nil, err
	}
	switch {
	case h.Version != Version:
		return h, nil, fmt.Errorf("openflow: %w: %#x", ErrVersion, h.Version)
	case h.Type != TypeMultipartReply:
		return h, nil, fmt.Errorf("openflow: assembler: %v is not a multipart reply", h.Type)
	case int(h.Length) != len(frame):
		return h, nil, &FrameError{Header: h, Reason: fmt.Sprintf("length field says %d, frame has %d bytes", h.Length, len(frame))}
	}
	t := MultipartType(binary.BigEndian.Uint16(frame[8:10]))
	flags := MultipartFlags(binary.BigEndian.Uint16(frame[10:12]))
	reply, err = a.add(h.Xid, t, flags, frame[MultipartReplyLen:], true)
	return h, reply, err
}

// AddMessage is Add for a reply part that was already decoded (and may
// alias a reused buffer): the body is re-encoded into the assembler's own
// memory. It returns the assembled reply when m is the last part.
func (a *Assembler) AddMessage(xid uint32, m *MultipartReply) (*MultipartReply, error) {
	if m == nil || m.Body == nil {
		return nil, fmt.Errorf("openflow: assembler: multipart reply xid %#x without a body", xid)
	}
	body, err := m.Body.AppendBinary(nil)
	if err != nil {
		a.Cancel(xid)
		return nil, fmt.Errorf("openflow: assembler: re-encode %v reply xid %#x: %w", m.Body.MultipartType(), xid, err)
	}
	return a.add(xid, m.Body.MultipartType(), m.Flags, body, false)
}

// add merges one part; mustCopy says whether body belongs to the caller.
func (a *Assembler) add(xid uint32, t MultipartType, flags MultipartFlags, body []byte, mustCopy bool) (*MultipartReply, error) {
	more := flags&MultipartMore != 0
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.cfg.Now()

	if _, ok := a.dropped[xid]; ok {
		if more {
			a.dropped[xid] = now
		} else {
			delete(a.dropped, xid)
		}
		return nil, fmt.Errorf("openflow: %v reply xid %#x: %w", t, xid, ErrMultipartDropped)
	}

	p := a.pending[xid]
	if p == nil {
		if more && len(a.pending) >= a.cfg.MaxPending {
			a.drop(xid, more, now)
			return nil, fmt.Errorf("openflow: %v reply xid %#x: %d replies already under way: %w", t, xid, len(a.pending), ErrMultipartLimit)
		}
		p = &partialReply{t: t}
	} else if p.t != t {
		a.drop(xid, more, now)
		return nil, fmt.Errorf("openflow: reply xid %#x: %v part after %v parts: %w", xid, t, p.t, ErrMultipartMismatch)
	}
	if len(p.parts)+1 > a.cfg.MaxParts {
		a.drop(xid, more, now)
		return nil, fmt.Errorf("openflow: %v reply xid %#x: more than %d parts: %w", t, xid, a.cfg.MaxParts, ErrMultipartLimit)
	}
	if p.bytes+len(body) > a.cfg.MaxBytes {
		a.drop(xid, more, now)
		return nil, fmt.Errorf("openflow: %v reply xid %#x: more than %d bytes: %w", t, xid, a.cfg.MaxBytes, ErrMultipartLimit)
	}

	elems, err := p.check(body)
	if err != nil {
		a.drop(xid, more, now)
		return nil, fmt.Errorf("openflow: %v reply xid %#x part %d: %w", t, xid, len(p.parts)+1, err)
	}
	if mustCopy && len(body) > 0 {
		body = append(make([]byte, 0, len(body)), body...)
	}
	p.parts = append(p.parts, body)
	p.elems += elems
	p.bytes += len(body)
	p.last = now
	if more {
		a.pending[xid] = p
		return nil, nil
	}
	delete(a.pending, xid)
	rb, err := p.decode()
	if err != nil {
		return nil, fmt.Errorf("openflow: %v reply xid %#x: %w", t, xid, err)
	}
	return &MultipartReply{Flags: flags, Body: rb}, nil
}

// check looks at the body of one more part before it is kept: the
// framing of its array elements (each is fully decoded with the others
// when the last part arrives), or the experimenter header that every part
// must repeat. It returns the number of array elements.
func (p *partialReply) check(body []byte) (int, error) {
	switch {
	case multipartElemLen(p.t, nil) > 0 || isVarArray(p.t):
		n := 0
		for off := 0; off < len(body); n++ {
			e := multipartElemLen(p.t, body[off:])
			if e < mpMinElemLen(p.t) || off+e > len(body) {
				return 0, fmt.Errorf("element %d at offset %d: %w", n, off, errShort(p.t.String()+" element", max(e, mpMinElemLen(p.t)), len(body)-off))
			}
			off += e
		}
		return n, nil
	case p.t == MultipartExperimenter:
		if len(body) < ExperimenterMultipartLen {
			return 0, errShort("experimenter multipart", ExperimenterMultipartLen, len(body))
		}
		if len(p.parts) > 0 && string(body[:ExperimenterMultipartLen]) != string(p.parts[0][:ExperimenterMultipartLen]) {
			return 0, fmt.Errorf("experimenter %#x type %d after %#x type %d: %w",
				binary.BigEndian.Uint32(body[0:4]), binary.BigEndian.Uint32(body[4:8]),
				binary.BigEndian.Uint32(p.parts[0][0:4]), binary.BigEndian.Uint32(p.parts[0][4:8]), ErrMultipartMismatch)
		}
		return 0, nil
	case newReplyBody(p.t) != nil && len(p.parts) > 0:
		// DESC, AGGREGATE, GROUP_FEATURES, METER_FEATURES: one structure.
		return 0, fmt.Errorf("a single-structure body in several parts: %w", ErrMultipartMismatch)
	}
	return 0, nil // unknown type: raw bytes, concatenated
}

// decode decodes the kept parts into one body, its array allocated once at
// its final size.
func (p *partialReply) decode() (MultipartReplyBody, error) {
	rb := newReplyBodyOrRaw(p.t)
	if g, ok := rb.(interface{ grow(n int) }); ok {
		g.grow(p.elems)
	}
	for i, part := range p.parts {
		var err error
		if i == 0 {
			err = rb.UnmarshalBinary(part)
		} else {
			rp, ok := rb.(replyPart)
			if !ok {
				return nil, fmt.Errorf("a single-structure body in several parts: %w", ErrMultipartMismatch)
			}
			err = rp.appendPart(part)
		}
		if err != nil {
			return nil, fmt.Errorf("part %d: %w", i+1, err)
		}
	}
	if raw, ok := rb.(*RawMultipart); ok {
		raw.Kind = p.t
	}
	return rb, nil
}

// isVarArray reports whether replies of type t are arrays of elements
// that carry their own length.
func isVarArray(t MultipartType) bool {
	switch t {
	case MultipartFlow, MultipartGroup, MultipartGroupDesc, MultipartMeter, MultipartMeterConfig, MultipartTableFeatures:
		return true
	}
	return false
}

// mpMinElemLen is the shortest array element of a reply of type t.
func mpMinElemLen(t MultipartType) int {
	switch t {
	case MultipartFlow:
		return FlowStatsLen
	case MultipartGroup:
		return GroupStatsLen
	case MultipartGroupDesc:
		return GroupDescLen
	case MultipartMeter:
		return MeterStatsLen
	case MultipartMeterConfig:
		return MeterConfigLen
	case MultipartTableFeatures:
		return TableFeaturesLen
	}
	return max(multipartElemLen(t, nil), 1)
}

// drop forgets the reply with xid and, when more of its parts are
// expected, remembers to discard them. The tombstones are bounded like the
// replies under way.
func (a *Assembler) drop(xid uint32, more bool, now time.Time) {
	delete(a.pending, xid)
	if more && len(a.dropped) < a.cfg.MaxPending*4 {
		a.dropped[xid] = now
	}
}

// Cancel drops the reply under way with xid, if any, and reports whether
// there was one. The rest of its parts, if they still come, are discarded
// with ErrMultipartDropped.
func (a *Assembler) Cancel(xid uint32) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.pending[xid]; !ok {
		return false
	}
	a.drop(xid, true, a.cfg.Now())
	return true
}

// Expire drops every reply whose last part arrived before deadline, and
// forgets the dropped replies whose remaining parts have not been seen
// since then. It returns the xids of the replies it dropped.
func (a *Assembler) Expire(deadline time.Time) []uint32 {
	a.mu.Lock()
	defer a.mu.Unlock()
	var xids []uint32
	for xid, p := range a.pending {
		if p.last.Before(deadline) {
			xids = append(xids, xid)
			delete(a.pending, xid)
		}
	}
	for xid, last := range a.dropped {
		if last.Before(deadline) {
			delete(a.dropped, xid)
		}
	}
	return xids
}

// Pending returns how many replies are under way and how many body bytes
// they hold.
func (a *Assembler) Pending() (replies, bytes int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, p := range a.pending {
		bytes += p.bytes
	}
	return len(a.pending), bytes
}

// multipartElemLen returns the length of the array element of a multipart
// body of type t at the start of b, or 0 when bodies of type t are not
// arrays (or b is too short to tell).
func multipartElemLen(t MultipartType, b []byte) int {
	at := func(off int) int {
		if len(b) < off+2 {
			return 0
		}
		return int(binary.BigEndian.Uint16(b[off:]))
	}
	switch t {
	case MultipartFlow, MultipartGroup, MultipartGroupDesc, MultipartMeterConfig, MultipartTableFeatures:
		return at(0)
	case MultipartMeter:
		return at(4)
	case MultipartTable:
		return TableStatsLen
	case MultipartPortStats:
		return PortStatsLen
	case MultipartQueue:
		return QueueStatsLen
	case MultipartPortDesc:
		return PortLen
	}
	return 0
}

// AppendMultipartReplies appends body as one or more MULTIPART_REPLY
// messages with the given xid, none longer than maxLen bytes (at most
// 65535; 0 means 65535), all but the last flagged MultipartMore: what a
// switch does with a large flow dump. Array bodies are split between
// elements; other bodies must fit one message. On error b is returned
// unchanged in length.
func AppendMultipartReplies(b []byte, xid uint32, body MultipartReplyBody, maxLen int) ([]byte, error) {
	if body == nil {
		return b, fmt.Errorf("openflow: multipart reply without a body")
	}
	return appendMultipartSplit(b, TypeMultipartReply, xid, body.MultipartType(), body.AppendBinary, maxLen)
}

// AppendMultipartRequests is AppendMultipartReplies for a request, such as
// a TABLE_FEATURES request that sets more tables than one message holds.
func AppendMultipartRequests(b []byte, xid uint32, body MultipartRequestBody, maxLen int) ([]byte, error) {
	if body == nil {
		return b, fmt.Errorf("openflow: multipart request without a body")
	}
	return appendMultipartSplit(b, TypeMultipartRequest, xid, body.MultipartType(), body.AppendBinary, maxLen)
}

func appendMultipartSplit(b []byte, mt Type, xid uint32, t MultipartType, encode func([]byte) ([]byte, error), maxLen int) ([]byte, error) {
	if maxLen <= 0 || maxLen > MaxMessageLen {
		maxLen = MaxMessageLen
	}
	if maxLen < MultipartReplyLen {
		return b, fmt.Errorf("openflow: multipart messages of at most %d bytes cannot hold the %d-byte header", maxLen, MultipartReplyLen)
	}
	room := maxLen - MultipartReplyLen
	enc, err := encode(nil)
	if err != nil {
		return b, fmt.Errorf("openflow: encode %v %v: %w", mt, t, err)
	}
	start := len(b)
	put := func(chunk []byte, more bool) {
		var flags MultipartFlags
		if more {
			flags = MultipartMore
		}
		b = append(b, Version, byte(mt))
		b = binary.BigEndian.AppendUint16(b, uint16(MultipartReplyLen+len(chunk)))
		b = binary.BigEndian.AppendUint32(b, xid)
		b = binary.BigEndian.AppendUint16(b, uint16(t))
		b = binary.BigEndian.AppendUint16(b, uint16(flags))
		b = appendPad(b, 4)
		b = append(b, chunk...)
	}
	if len(enc) <= room {
		put(enc, false)
		return b, nil
	}
	if multipartElemLen(t, enc) == 0 {
		return b, fmt.Errorf("openflow: %v %v body of %d bytes does not fit one message: %w", mt, t, len(enc), ErrTooLong)
	}
	for len(enc) > 0 {
		n := 0 // bytes of whole elements that fit
		for n < len(enc) {
			e := multipartElemLen(t, enc[n:])
			if e <= 0 || n+e > len(enc) {
				return b[:start], fmt.Errorf("openflow: %v %v: bad element at offset %d", mt, t, n)
			}
			if n+e > room {
				break
			}
			n += e
		}
		if n == 0 {
			return b[:start], fmt.Errorf("openflow: %v %v element of %d bytes does not fit one message: %w", mt, t, multipartElemLen(t, enc), ErrTooLong)
		}
		put(enc[:n], n < len(enc))
		enc = enc[n:]
	}
	return b, nil
}
