package lb

import "net/netip"

// roundRobin gives each backend with weight > 0 a new flow in turn. The
// cursor moves past the backend picked, not one step per call, so a
// backend skipped as ineligible does not hand its turn to its neighbour:
// the eligible backends share the flows equally whatever is skipped.
type roundRobin struct {
	schedPool
	next int // where the next scan starts
}

// Pick returns the first eligible backend at or after the cursor.
func (r *roundRobin) Pick(_ netip.AddrPort, eligible func(int) bool) (int, bool) {
	n := len(r.weights)
	i := r.next
	for range n {
		if i >= n {
			i = 0
		}
		if r.ok(i, eligible) {
			r.next = i + 1
			return i, true
		}
		i++
	}
	return -1, false
}

func (r *roundRobin) String() string { return RoundRobin.String() }
