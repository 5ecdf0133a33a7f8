package openflow

import (
	"fmt"
	"io"
)

// FrameError reports a frame whose header cannot be right: a length shorter
// than the header or than the fixed part of its type. A stream that produced
// one cannot be resynchronised and should be closed.
type FrameError struct {
	Header Header // the offending header as read
	Reason string
}

// Error describes the bad header and why it cannot be right.
func (e *FrameError) Error() string {
	return fmt.Sprintf("openflow: bad frame (version %#x type %v length %d xid %#x): %s",
		e.Header.Version, e.Header.Type, e.Header.Length, e.Header.Xid, e.Reason)
}

// CheckFrame validates the header of a frame: length at least the header,
// and for version 1.3 at least the fixed part of the type. Other versions
// are passed through so that a HELLO from them can be answered.
func CheckFrame(h Header) error {
	if h.Length < HeaderLen {
		return &FrameError{Header: h, Reason: "length shorter than the header"}
	}
	if h.Version != Version {
		return nil
	}
	min, ok := MinLen(h.Type)
	if !ok {
		return &FrameError{Header: h, Reason: "unknown message type"}
	}
	if int(h.Length) < min {
		return &FrameError{Header: h, Reason: fmt.Sprintf("length shorter than the %d-byte fixed part of %v", min, h.Type)}
	}
	return nil
}

// Reader splits a byte stream into OpenFlow frames. It is not safe for
// concurrent use; one goroutine reads each connection.
type Reader struct {
	r        io.Reader
	buf      []byte
	start    int // first unread byte in buf
	end      int // end of valid data in buf
	inflight int // length of the frame last returned, released on the next call
}

// NewReader returns a Reader that reads from r. Its buffer starts at 16 KiB
// and grows, up to twice the largest frame, only when a frame needs it: a
// thousand idle switches cost a thousand small buffers.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: r, buf: make([]byte, 16<<10)}
}

// Next returns the next whole frame, header included. The slice aliases the
// reader's buffer and is valid only until the next call to Next. A
// *FrameError means the stream is broken; io.EOF means it ended cleanly
// between frames; io.ErrUnexpectedEOF means it ended inside one.
func (r *Reader) Next() ([]byte, error) {
	r.start += r.inflight
	r.inflight = 0
	for {
		need := HeaderLen
		if n := r.end - r.start; n >= HeaderLen {
			h, _ := ParseHeader(r.buf[r.start:r.end])
			if err := CheckFrame(h); err != nil {
				return nil, err
			}
			need = int(h.Length)
			if n >= need {
				frame := r.buf[r.start : r.start+need : r.start+need]
				r.inflight = need
				return frame, nil
			}
		}
		if err := r.fill(need); err != nil {
			if err == io.EOF && r.end > r.start {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
}

// fill reads more bytes, first making room for a frame of need bytes at
// r.start: by moving the unread tail to the front, and growing the buffer
// if even that is not enough.
func (r *Reader) fill(need int) error {
	if len(r.buf)-r.start < need {
		if len(r.buf) < need {
			nb := make([]byte, max(2*len(r.buf), need))
			r.end = copy(nb, r.buf[r.start:r.end])
			r.buf = nb
		} else {
			r.end = copy(r.buf, r.buf[r.start:r.end])
		}
		r.start = 0
	}
	n, err := r.r.Read(r.buf[r.end:])
	r.end += n
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// Buffered reports how many bytes have been read but not yet returned.
func (r *Reader) Buffered() int { return r.end - r.start - r.inflight }

// Writer batches encoded messages and writes them to the underlying writer
// in as few calls as possible. It is not safe for concurrent use: one
// goroutine owns each connection's writer.
type Writer struct {
	w   io.Writer
	buf []byte
	// FlushAt is the buffered size at which Write flushes by itself.
	FlushAt int
}

// NewWriter returns a Writer that flushes by itself past 64 KiB.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w, buf: make([]byte, 0, 2*MaxMessageLen), FlushAt: MaxMessageLen}
}

// Write appends one message to the batch, flushing first if the batch has
// reached FlushAt.
func (w *Writer) Write(xid uint32, m Message) error {
	if len(w.buf) >= w.FlushAt {
		if err := w.Flush(); err != nil {
			return err
		}
	}
	b, err := Append(w.buf, xid, m)
	if err != nil {
		return err
	}
	w.buf = b
	return nil
}

// WriteFrame appends an already encoded frame to the batch.
func (w *Writer) WriteFrame(frame []byte) error {
	if len(w.buf) >= w.FlushAt {
		if err := w.Flush(); err != nil {
			return err
		}
	}
	w.buf = append(w.buf, frame...)
	return nil
}

// Buffered reports the number of bytes waiting for Flush.
func (w *Writer) Buffered() int { return len(w.buf) }

// Flush writes the whole batch in one call.
func (w *Writer) Flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	_, err := w.w.Write(w.buf)
	w.buf = w.buf[:0]
	if err != nil {
		return fmt.Errorf("openflow: write: %w", err)
	}
	return nil
}
