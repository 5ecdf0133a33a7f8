package lb

import (
	"fmt"
	"strconv"
)

// MaxWeight is the largest backend weight a scheduler accepts, the bound
// of the policy files (and of IPVS). Weight 0 drains a backend.
const MaxWeight = 65535

// NewScheduler returns a scheduler of the given kind for a pool whose
// backend i has weight weights[i] (0: drained, never picked). The slice is
// copied. A consistent_hash scheduler built this way keys its backends by
// index ("0", "1", ...), so removing a backend that is not the last one
// renumbers and moves the clients of the backends after it: the app should
// call NewSchedulerWithKeys with stable backend identities instead.
func NewScheduler(kind SchedulerKind, weights []int) (Scheduler, error) {
	return NewSchedulerWithKeys(kind, nil, weights)
}

// NewSchedulerWithKeys is NewScheduler with stable backend identities:
// keys[i] names backend i, for example its "address:port". Only
// consistent_hash uses the keys (they decide which clients go where, so a
// pool change keeps most clients on their backend); the other kinds ignore
// them. keys nil means index keys, as NewScheduler; otherwise keys must be
// as long as weights, non-empty and distinct.
func NewSchedulerWithKeys(kind SchedulerKind, keys []string, weights []int) (Scheduler, error) {
	if keys != nil && len(keys) != len(weights) {
		return nil, fmt.Errorf("scheduler %s: %d keys for %d backends", kind, len(keys), len(weights))
	}
	switch kind {
	case RoundRobin:
		p, err := newSchedPool(kind, weights)
		if err != nil {
			return nil, err
		}
		return &roundRobin{schedPool: p}, nil
	case WeightedRoundRobin:
		p, err := newSchedPool(kind, weights)
		if err != nil {
			return nil, err
		}
		return newSmoothWeighted(p), nil
	case LeastConnections, WeightedLeastConnections:
		p, err := newSchedPool(kind, weights)
		if err != nil {
			return nil, err
		}
		return &leastConn{schedPool: p, weighted: kind == WeightedLeastConnections}, nil
	case ConsistentHash:
		if keys == nil {
			keys = indexKeys(len(weights))
		}
		m, err := NewMaglev(keys, weights, 0)
		if err != nil {
			return nil, err // not a non-nil Scheduler holding a nil *Maglev
		}
		return m, nil
	}
	return nil, fmt.Errorf("unknown scheduler %s", kind)
}

// indexKeys returns "0", "1", ... "n-1".
func indexKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = strconv.Itoa(i)
	}
	return keys
}

// schedPool is the state every scheduler shares: the weights and the
// active flows of each backend. Out-of-range indexes are ignored, so a
// caller holding a stale index after a pool change cannot crash the app.
type schedPool struct {
	weights []int
	active  []int
}

// newSchedPool checks and copies the weights.
func newSchedPool(kind SchedulerKind, weights []int) (schedPool, error) {
	for i, w := range weights {
		if w < 0 || w > MaxWeight {
			return schedPool{}, fmt.Errorf("scheduler %s: backend %d: weight %d out of range 0..%d", kind, i, w, MaxWeight)
		}
	}
	return schedPool{
		weights: append([]int(nil), weights...),
		active:  make([]int, len(weights)),
	}, nil
}

// Opened counts a new active flow of backend i.
func (p *schedPool) Opened(i int) {
	if uint(i) < uint(len(p.active)) {
		p.active[i]++
	}
}

// Closed counts the end of an active flow of backend i; the count never
// goes below 0.
func (p *schedPool) Closed(i int) {
	if uint(i) < uint(len(p.active)) && p.active[i] > 0 {
		p.active[i]--
	}
}

// Active returns the active flows of backend i (0 when out of range).
func (p *schedPool) Active(i int) int {
	if uint(i) < uint(len(p.active)) {
		return p.active[i]
	}
	return 0
}

// ok reports whether backend i may take a new flow.
func (p *schedPool) ok(i int, eligible func(int) bool) bool {
	return p.weights[i] > 0 && (eligible == nil || eligible(i))
}

var (
	_ Scheduler = (*roundRobin)(nil)
	_ Scheduler = (*smoothWeighted)(nil)
	_ Scheduler = (*leastConn)(nil)
	_ Scheduler = (*Maglev)(nil)
)
