package policy

import (
	"sync"
	"sync/atomic"
)

// Update is one accepted change of a Store's policy.
type Update struct {
	// Old is the policy the receiver had before (never nil; the empty
	// policy before the first load).
	Old *Policy
	// New is the policy now in force.
	New *Policy
	// Diff is Compare(Old, New).
	Diff Diff
}

// Store holds the running policy of a policy directory and replaces it as
// a whole on a valid Reload: parse, validate, swap. Readers get the
// current policy without locks; reloads are serialised. Safe for
// concurrent use.
type Store struct {
	dir  string
	opts Options

	cur atomic.Pointer[Policy]

	mu   sync.Mutex // serialises Reload and subscriber bookkeeping
	subs map[*subscriber]struct{}
}

// NewStore returns a store for the policy directory dir that holds the
// empty policy until the first successful Reload. opts may be nil.
func NewStore(dir string, opts *Options) *Store {
	s := &Store{dir: dir, subs: make(map[*subscriber]struct{})}
	if opts != nil {
		s.opts = *opts
	}
	s.cur.Store(&Policy{})
	return s
}

// Dir returns the policy directory.
func (s *Store) Dir() string { return s.dir }

// Policy returns the policy in force. It never returns nil.
func (s *Store) Policy() *Policy { return s.cur.Load() }

// Reload parses and validates the whole directory and, if every file is
// valid and the set is consistent, makes it the policy in force and
// notifies the subscribers of what changed. Otherwise the policy in force
// stays and the error, an ErrorList, lists every problem.
//
// The returned Update goes from the previous policy to the new one; its
// Diff is empty when nothing that matters changed (e.g. a comment), in
// which case subscribers are not notified.
func (s *Store) Reload() (Update, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := Load(s.dir, &s.opts)
	if err != nil {
		return Update{}, err
	}
	old := s.cur.Load()
	u := Update{Old: old, New: old}
	if p.digest == old.digest {
		return u, nil // same files: keep the same *Policy
	}
	u.New, u.Diff = p, Compare(old, p)
	s.cur.Store(p)
	for sub := range s.subs {
		sub.send(p)
	}
	return u, nil
}

// Subscribe returns a channel that receives the store's changes, and a
// function that ends the subscription and closes the channel.
//
// Each Update takes the subscriber from the policy it last received
// (initially the empty policy, so the first Update brings the current
// policy if it has any VIP or tenant) to the policy in force. A slow
// subscriber never blocks Reload and never misses a change: pending
// updates are merged into one whose Diff spans them all.
func (s *Store) Subscribe() (<-chan Update, func()) {
	sub := &subscriber{ch: make(chan Update, 1), seen: &Policy{}}
	s.mu.Lock()
	s.subs[sub] = struct{}{}
	sub.send(s.cur.Load())
	s.mu.Unlock()
	var once sync.Once
	return sub.ch, func() {
		once.Do(func() {
			s.mu.Lock()
			delete(s.subs, sub)
			close(sub.ch)
			s.mu.Unlock()
		})
	}
}

// subscriber is one Subscribe channel. Its fields are guarded by Store.mu,
// and only holders of Store.mu send on ch.
type subscriber struct {
	ch   chan Update
	seen *Policy // New of the last update sent
}

// send delivers p without blocking: ch has room for one update, and a
// pending one is taken back and merged with p.
func (sub *subscriber) send(p *Policy) {
	base := sub.seen
	select {
	case pending := <-sub.ch:
		base = pending.Old
	default:
	}
	sub.seen = p
	d := Compare(base, p)
	if d.Empty() {
		return
	}
	sub.ch <- Update{Old: base, New: p, Diff: d}
}
