package lb

import (
	"math"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
)

// nginxSWRR is the textbook algorithm, the oracle for full eligibility.
func nginxSWRR(weights []int, n int) []int {
	cur := make([]int, len(weights))
	total := 0
	for _, w := range weights {
		total += w
	}
	seq := make([]int, n)
	for k := range seq {
		best := -1
		for i, w := range weights {
			if w == 0 {
				continue
			}
			cur[i] += w
			if best < 0 || cur[i] > cur[best] {
				best = i
			}
		}
		cur[best] -= total
		seq[k] = best
	}
	return seq
}

func TestWeightedSequence(t *testing.T) {
	tests := []struct {
		name     string
		weights  []int
		eligible func(int) bool
		want     []int
	}{
		// nginx's own example: a a b a c a a.
		{name: "nginx 5:1:1", weights: []int{5, 1, 1}, want: []int{0, 0, 1, 0, 2, 0, 0, 0, 0, 1, 0, 2, 0, 0}},
		{name: "1:2:3 interleaved", weights: []int{1, 2, 3}, want: []int{2, 1, 0, 2, 1, 2, 2, 1, 0, 2, 1, 2}},
		{name: "equal is round robin", weights: []int{4, 4, 4}, want: []int{0, 1, 2, 0, 1, 2}},
		{name: "drained", weights: []int{1, 0, 1}, want: []int{0, 2, 0, 2}},
		{name: "ineligible", weights: []int{5, 1, 1}, eligible: func(i int) bool { return i != 0 }, want: []int{1, 2, 1, 2}},
		{name: "none", weights: []int{0}, want: []int{-1, -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := schedNew(t, WeightedRoundRobin, tt.weights)
			if got := schedSequence(s, len(tt.want), tt.eligible); !slices.Equal(got, tt.want) {
				t.Errorf("picks = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestWeightedMatchesNginx compares long runs with the textbook algorithm.
func TestWeightedMatchesNginx(t *testing.T) {
	tests := []struct {
		name    string
		weights []int
	}{
		{name: "1:2:3", weights: []int{1, 2, 3}},
		{name: "primes", weights: []int{3, 7, 11, 2, 9}},
		{name: "skewed", weights: []int{100, 1, 50}},
		{name: "with drained", weights: []int{2, 0, 3, 0, 1}},
		{name: "max weights", weights: []int{MaxWeight, 1, MaxWeight - 1, 12345}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := schedNew(t, WeightedRoundRobin, tt.weights)
			got, want := schedSequence(s, 20000, nil), nginxSWRR(tt.weights, 20000)
			for k := range got {
				if got[k] != want[k] {
					t.Fatalf("pick %d = %d, nginx picks %d", k, got[k], want[k])
				}
			}
		})
	}
}

// TestWeightedDistribution checks the shares, and smoothness: after every
// pick k, each backend is less than one pick from k x weight/total.
func TestWeightedDistribution(t *testing.T) {
	tests := []struct {
		name    string
		weights []int
		picks   int
	}{
		{name: "1:2:3", weights: []int{1, 2, 3}, picks: 6000},
		{name: "primes", weights: []int{3, 7, 11, 2, 9}, picks: 6400},
		{name: "skewed", weights: []int{100, 1, 50}, picks: 15100},
		{name: "drained", weights: []int{4, 0, 1, 5}, picks: 5000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := schedNew(t, WeightedRoundRobin, tt.weights)
			total := 0
			for _, w := range tt.weights {
				total += w
			}
			got := make([]int, len(tt.weights))
			for k := 1; k <= tt.picks; k++ {
				i, ok := s.Pick(netip.AddrPort{}, nil)
				if !ok {
					t.Fatal("Pick failed")
				}
				got[i]++
				for j, w := range tt.weights {
					if d := float64(got[j]) - float64(k*w)/float64(total); math.Abs(d) >= 1 {
						t.Fatalf("after %d picks backend %d has %d, ideal %.2f: not smooth", k, j, got[j], float64(k*w)/float64(total))
					}
				}
			}
			for j, w := range tt.weights {
				ideal := float64(tt.picks*w) / float64(total)
				if math.Abs(float64(got[j])-ideal) > 0.02*ideal {
					t.Errorf("backend %d: %d picks, ideal %.0f ± 2%%", j, got[j], ideal)
				}
			}
		})
	}
}

// TestWeightedFluctuatingEligibility draws the eligible set at random on
// every pick: each backend must get its fair share, the sum over the picks
// where it was eligible of weight/(eligible weights), within 2 picks over
// 100,000 (textbook nginx is off by up to 6% here, favouring light
// backends). A backend out for a long stretch must not distort the others
// either.
func TestWeightedFluctuatingEligibility(t *testing.T) {
	tests := []struct {
		name    string
		weights []int
		up      func(r *rand.Rand, k, i int) bool
	}{
		{name: "random half", weights: []int{3, 7, 11, 2, 9}, up: func(r *rand.Rand, _, _ int) bool { return r.IntN(2) == 0 }},
		{name: "random light", weights: []int{1, 2, 3, 4}, up: func(r *rand.Rand, _, i int) bool { return i == 0 || r.IntN(3) == 0 }},
		{name: "heavy out in stretches", weights: []int{100, 1, 50}, up: func(_ *rand.Rand, k, i int) bool { return i != 0 || k/777%2 == 0 }},
		{name: "one out for good", weights: []int{1, 2, 3, 4}, up: func(_ *rand.Rand, k, i int) bool { return i != 3 || k < 50000 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(3, 4))
			s := schedNew(t, WeightedRoundRobin, tt.weights)
			up := make([]bool, len(tt.weights))
			eligible := func(i int) bool { return up[i] }
			got := make([]int, len(tt.weights))
			fair := make([]float64, len(tt.weights))
			for k := range 100000 {
				sum := 0
				for i, w := range tt.weights {
					up[i] = tt.up(r, k, i)
					if up[i] {
						sum += w
					}
				}
				i, ok := s.Pick(netip.AddrPort{}, eligible)
				if sum == 0 {
					if ok {
						t.Fatalf("Pick = %d with nothing eligible", i)
					}
					continue
				}
				if !ok || !up[i] {
					t.Fatalf("Pick = %d, %v, eligible %v", i, ok, up)
				}
				got[i]++
				for j, w := range tt.weights {
					if up[j] {
						fair[j] += float64(w) / float64(sum)
					}
				}
			}
			for j := range got {
				if math.Abs(float64(got[j])-fair[j]) >= 2 {
					t.Errorf("backend %d: %d picks, fair share %.2f", j, got[j], fair[j])
				}
			}
		})
	}
}
