package lb

import (
	"math/bits"
	"net/netip"
)

// leastConn picks the eligible backend with the fewest active flows
// (least_connections) or the smallest active/weight
// (weighted_least_connections, compared as active(i)*weight(j) <
// active(j)*weight(i) in 128 bits: exact, no floats, no overflow). The
// scan starts after the backend last picked and keeps the first minimum,
// so ties go round robin instead of always to the lowest index. A pick is
// O(backends).
type leastConn struct {
	schedPool
	weighted bool
	next     int // where the next scan starts
}

// Pick returns the least loaded eligible backend.
func (l *leastConn) Pick(_ netip.AddrPort, eligible func(int) bool) (int, bool) {
	n := len(l.weights)
	best := -1
	i := l.next
	for range n {
		if i >= n {
			i = 0
		}
		if l.ok(i, eligible) && (best < 0 || l.less(i, best)) {
			best = i
		}
		i++
	}
	if best < 0 {
		return -1, false
	}
	l.next = best + 1
	return best, true
}

// less reports whether backend i is strictly less loaded than backend j.
func (l *leastConn) less(i, j int) bool {
	if !l.weighted {
		return l.active[i] < l.active[j]
	}
	// active and weights are never negative.
	ihi, ilo := bits.Mul64(uint64(l.active[i]), uint64(l.weights[j]))
	jhi, jlo := bits.Mul64(uint64(l.active[j]), uint64(l.weights[i]))
	return ihi < jhi || ihi == jhi && ilo < jlo
}

func (l *leastConn) String() string {
	if l.weighted {
		return WeightedLeastConnections.String()
	}
	return LeastConnections.String()
}
