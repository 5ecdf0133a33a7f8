package lb

import (
	"math/bits"
	"net/netip"
)

// smoothWeighted is nginx's smooth weighted round robin: on each pick
// every eligible backend's current value grows by its weight, the largest
// current wins (the first one on ties) and gives back what was handed
// out. Over any run of picks with every backend eligible, backend i gets
// weight(i)/total of them, interleaved (weights 5:1:1 give a a b a c a a,
// not a a a a a b c), and after k picks no backend is a whole pick away
// from its ideal share k x weight/total.
//
// Ineligible backends are left out of a pick, their current frozen, as
// nginx does with a peer that is down. Plain nginx then hands out the
// eligible weights but takes back their sum, which measures a pick in a
// unit that changes with the eligible set: when eligibility fluctuates,
// light backends (picked mostly while heavy ones are out) gain several
// per cent. Here a pick is always worth the same scale S, split among the
// eligible backends in proportion to their weights: current(i) is then S
// x (fair share received - picks received), where the fair share of a
// pick is weight(i)/(sum of the eligible weights), so the counts follow
// the fair shares over time whatever the eligibility pattern. With every
// backend eligible the increments are exactly weight << shift, so the
// picks are nginx's, bit for bit. Picks cost one division per backend
// only when the eligible weight sum differs from the previous pick's.
type smoothWeighted struct {
	schedPool
	shift   uint    // S = total weight << shift, in [2^39, 2^40) for any real pool
	scale   int64   // S
	current []int64 // S x (fair share - picks)
	inc     []int64 // increments for an eligible weight sum of incSum
	incSum  int64
	elig    []bool // scratch: eligibility in this pick
}

// newSmoothWeighted returns a smooth weighted round robin over p.
func newSmoothWeighted(p schedPool) *smoothWeighted {
	var total uint64
	for _, w := range p.weights {
		total += uint64(w)
	}
	// Weights are < 2^16, so weight x S < 2^56 and the currents (a few S
	// at most) stay far from overflow; S >= 2^39 keeps the rounding of
	// the shares below 2^-39 x sum of a pick.
	shift := 0
	if l := bits.Len64(total); l < 40 {
		shift = 40 - l
	}
	s := &smoothWeighted{
		schedPool: p,
		shift:     uint(shift),
		scale:     int64(total) << uint(shift),
		current:   make([]int64, len(p.weights)),
		inc:       make([]int64, len(p.weights)),
		elig:      make([]bool, len(p.weights)),
	}
	s.incSum = int64(total)
	for i, w := range p.weights {
		s.inc[i] = int64(w) << s.shift
	}
	return s
}

// Pick returns the eligible backend with the largest current.
func (s *smoothWeighted) Pick(_ netip.AddrPort, eligible func(int) bool) (int, bool) {
	var sum int64
	for i, w := range s.weights {
		e := s.ok(i, eligible)
		s.elig[i] = e
		if e {
			sum += int64(w)
		}
	}
	if sum == 0 {
		return -1, false
	}
	if sum != s.incSum {
		// S x weight/sum, rounded down; what is handed out is what the
		// winner gives back, so rounding never creates or loses credit.
		for i, w := range s.weights {
			s.inc[i] = int64(w) * s.scale / sum
		}
		s.incSum = sum
	}
	best := -1
	var given int64
	for i, e := range s.elig {
		if !e {
			continue
		}
		s.current[i] += s.inc[i]
		given += s.inc[i]
		if best < 0 || s.current[best] < s.current[i] {
			best = i
		}
	}
	s.current[best] -= given
	return best, true
}

func (s *smoothWeighted) String() string { return WeightedRoundRobin.String() }
