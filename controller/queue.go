package controller

import (
	"sync"
	"time"

	"github.com/oflb/oflb/openflow"
)

// sendQueue is a switch's bounded queue of encoded messages. Senders encode
// straight into the pending buffer under the lock, so a send costs one
// append and no allocation; the writer swaps the pending buffer with its
// spare and writes the whole batch in one call.
//
// Echo requests and replies go to a separate urgent buffer that the
// writer sends ahead of the batch, even while the batch waits for the
// flow-mod rate limiter: keepalive must not wait behind seconds of
// held flow-mods (echoes have no ordering with other messages).
type sendQueue struct {
	mu        sync.Mutex
	pending   []byte
	spare     []byte
	urgent    []byte
	urgSpare  []byte
	max       int
	closed    bool
	fullSince time.Time     // zero while sends succeed
	wake      chan struct{} // cap 1: tells the writer there is work
	drained   chan struct{} // closed when the writer takes a batch; nil if nobody waits
}

func newSendQueue(max int) *sendQueue {
	return &sendQueue{max: max, wake: make(chan struct{}, 1), pending: make([]byte, 0, 64<<10), spare: make([]byte, 0, 64<<10)}
}

// append encodes m with xid into the queue. It fails with ErrQueueFull when
// the message does not fit, and reports since when the queue has been
// refusing sends; now is called only then.
func (q *sendQueue) append(xid uint32, m openflow.Message, now func() time.Time) (fullSince time.Time, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return time.Time{}, ErrClosed
	}
	start := len(q.pending)
	b, err := openflow.Append(q.pending, xid, m)
	if err != nil {
		return time.Time{}, err
	}
	if len(b) > q.max && start > 0 {
		q.pending = b[:start]
		if q.fullSince.IsZero() {
			q.fullSince = now()
		}
		return q.fullSince, ErrQueueFull
	}
	q.pending = b
	if !q.fullSince.IsZero() {
		q.fullSince = time.Time{}
	}
	if start == 0 {
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
	return time.Time{}, nil
}

// appendUrgent encodes m with xid into the urgent buffer and wakes the
// writer. The buffer has the same bound as the queue, and a refusal
// counts as the queue refusing sends (see append).
func (q *sendQueue) appendUrgent(xid uint32, m openflow.Message, now func() time.Time) (fullSince time.Time, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return time.Time{}, ErrClosed
	}
	start := len(q.urgent)
	b, err := openflow.Append(q.urgent, xid, m)
	if err != nil {
		return time.Time{}, err
	}
	if len(b) > q.max && start > 0 {
		q.urgent = b[:start]
		if q.fullSince.IsZero() {
			q.fullSince = now()
		}
		return q.fullSince, ErrQueueFull
	}
	q.urgent = b
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return time.Time{}, nil
}

// rewake signals the writer again if anything is waiting, after it used
// up a wake signal without taking the batch.
func (q *sendQueue) rewake() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.pending) > 0 || len(q.urgent) > 0 {
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
}

// takeUrgent swaps out the urgent buffer for the writer, like take.
func (q *sendQueue) takeUrgent() []byte {
	q.mu.Lock()
	defer q.mu.Unlock()
	u := q.urgent
	q.urgent = q.urgSpare[:0]
	q.urgSpare = u
	return u
}

// waitSpace returns a channel closed when the writer next takes a batch,
// for senders that prefer to wait rather than fail.
func (q *sendQueue) waitSpace() <-chan struct{} {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.drained == nil {
		q.drained = make(chan struct{})
	}
	return q.drained
}

// take swaps out the pending batch for the writer. The returned slice stays
// the writer's until its next take.
func (q *sendQueue) take() []byte {
	q.mu.Lock()
	defer q.mu.Unlock()
	batch := q.pending
	q.pending = q.spare[:0]
	q.spare = batch
	if q.drained != nil {
		close(q.drained)
		q.drained = nil
	}
	return batch
}

func (q *sendQueue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	if q.drained != nil {
		close(q.drained)
		q.drained = nil
	}
}

// buffered reports the bytes waiting.
func (q *sendQueue) buffered() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.pending)
}
