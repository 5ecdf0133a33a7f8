package lb

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
)

// schedSequence returns n picks (-1 for a failed pick).
func schedSequence(s Scheduler, n int, eligible func(int) bool) []int {
	seq := make([]int, n)
	for k := range seq {
		i, ok := s.Pick(netip.AddrPort{}, eligible)
		if !ok {
			i = -1
		}
		seq[k] = i
	}
	return seq
}

func TestRoundRobinSequence(t *testing.T) {
	tests := []struct {
		name     string
		weights  []int
		eligible func(int) bool
		want     []int
	}{
		{name: "equal", weights: []int{1, 1, 1}, want: []int{0, 1, 2, 0, 1, 2, 0}},
		{name: "weights ignored", weights: []int{1, 2, 3}, want: []int{0, 1, 2, 0, 1, 2, 0}},
		{name: "drained skipped", weights: []int{1, 0, 5}, want: []int{0, 2, 0, 2}},
		{name: "ineligible skipped", weights: []int{1, 1, 1, 1}, eligible: func(i int) bool { return i != 1 }, want: []int{0, 2, 3, 0, 2, 3}},
		{name: "last ineligible", weights: []int{1, 1, 1}, eligible: func(i int) bool { return i != 2 }, want: []int{0, 1, 0, 1}},
		{name: "single", weights: []int{7}, want: []int{0, 0, 0}},
		{name: "none", weights: []int{0, 0}, want: []int{-1, -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := schedNew(t, RoundRobin, tt.weights)
			if got := schedSequence(s, len(tt.want), tt.eligible); !slices.Equal(got, tt.want) {
				t.Errorf("picks = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRoundRobinDistribution(t *testing.T) {
	tests := []struct {
		name    string
		weights []int
		picks   int
		want    []int
	}{
		{name: "1:2:3 ignored", weights: []int{1, 2, 3}, picks: 6000, want: []int{2000, 2000, 2000}},
		{name: "drained", weights: []int{4, 0, 1, 1}, picks: 6000, want: []int{2000, 0, 2000, 2000}},
		{name: "uneven total", weights: []int{1, 1, 1, 1}, picks: 6002, want: []int{1501, 1501, 1500, 1500}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := schedNew(t, RoundRobin, tt.weights)
			got := make([]int, len(tt.weights))
			for _, i := range schedSequence(s, tt.picks, nil) {
				got[i]++
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("picks per backend = %v, want exactly %v", got, tt.want)
			}
		})
	}
}

// TestRoundRobinSkipNoBias makes backends 1 and 3 eligible at random: the
// always eligible 0 and 2 must still alternate (a cursor that advanced one
// step per call would hand 1's skipped turns to 2), and the intermittent
// ones must not starve.
func TestRoundRobinSkipNoBias(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	s := schedNew(t, RoundRobin, []int{1, 1, 1, 1})
	var up [4]bool
	eligible := func(i int) bool { return up[i] }
	var got [4]int
	for range 10000 {
		up = [4]bool{true, r.IntN(2) == 0, true, r.IntN(4) == 0}
		i, ok := s.Pick(netip.AddrPort{}, eligible)
		if !ok || !up[i] {
			t.Fatalf("Pick = %d, %v with eligible %v", i, ok, up)
		}
		got[i]++
	}
	if d := got[0] - got[2]; d < -1 || d > 1 {
		t.Errorf("always eligible backends got %d and %d picks: biased by the skips", got[0], got[2])
	}
	if got[1] < 1000 || got[3] < 500 {
		t.Errorf("intermittent backends starved: %v", got)
	}
}
