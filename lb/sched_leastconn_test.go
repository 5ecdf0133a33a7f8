package lb

import (
	"net/netip"
	"slices"
	"testing"
)

func TestLeastConnections(t *testing.T) {
	// A step opens or closes flows on backends, then checks the next picks
	// (each picked flow stays open only if open is set).
	type step struct {
		opened, closed []int
		eligible       func(int) bool
		want           []int
	}
	tests := []struct {
		name    string
		kind    SchedulerKind
		weights []int
		steps   []step
	}{
		{name: "ties round robin", kind: LeastConnections, weights: []int{1, 1, 1}, steps: []step{
			{want: []int{0, 1, 2, 0, 1, 2}},
		}},
		{name: "fewest active", kind: LeastConnections, weights: []int{1, 1, 1}, steps: []step{
			{opened: []int{0, 0, 1}, want: []int{2, 2, 2}},
			{opened: []int{2, 2}, want: []int{1, 1}},
			{closed: []int{0, 0}, want: []int{0}},
		}},
		{name: "weights ignored", kind: LeastConnections, weights: []int{1, 9}, steps: []step{
			{opened: []int{1}, want: []int{0, 0}},
		}},
		{name: "drained never", kind: LeastConnections, weights: []int{0, 1}, steps: []step{
			{opened: []int{1, 1, 1}, want: []int{1, 1}},
		}},
		{name: "ineligible skipped", kind: LeastConnections, weights: []int{1, 1, 1}, steps: []step{
			{opened: []int{1}, eligible: func(i int) bool { return i != 0 }, want: []int{2, 2}},
		}},
		{name: "closed below zero", kind: LeastConnections, weights: []int{1, 1}, steps: []step{
			{closed: []int{0, 0}, opened: []int{0}, want: []int{1, 1}},
		}},
		{name: "weighted ratio", kind: WeightedLeastConnections, weights: []int{1, 3}, steps: []step{
			// 1/1 vs 2/3: backend 1.
			{opened: []int{0, 1, 1}, want: []int{1, 1}},
			// 1/1 vs 3/3: tie, round robin from after 1: backend 0.
			{opened: []int{1}, want: []int{0}},
		}},
		{name: "weighted zero active wins", kind: WeightedLeastConnections, weights: []int{1, 100}, steps: []step{
			{opened: []int{1}, want: []int{0}},
		}},
		{name: "weighted ties round robin", kind: WeightedLeastConnections, weights: []int{2, 4, 6}, steps: []step{
			{opened: []int{0, 1, 1, 2, 2, 2}, want: []int{0, 1, 2, 0, 1}},
		}},
		{name: "weighted drained", kind: WeightedLeastConnections, weights: []int{0, 5}, steps: []step{
			{opened: []int{1, 1}, want: []int{1}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := schedNew(t, tt.kind, tt.weights)
			for n, st := range tt.steps {
				for _, i := range st.closed {
					s.Closed(i)
				}
				for _, i := range st.opened {
					s.Opened(i)
				}
				if got := schedSequence(s, len(st.want), st.eligible); !slices.Equal(got, st.want) {
					t.Fatalf("step %d: picks = %v, want %v", n, got, st.want)
				}
			}
		})
	}
}

// TestLeastConnectionsDistribution opens a flow for every pick: the
// active counts must track the weights (equal for least_connections).
func TestLeastConnectionsDistribution(t *testing.T) {
	tests := []struct {
		name    string
		kind    SchedulerKind
		weights []int
		want    []int
	}{
		{name: "equal", kind: LeastConnections, weights: []int{1, 2, 3}, want: []int{2000, 2000, 2000}},
		{name: "weighted 1:2:3", kind: WeightedLeastConnections, weights: []int{1, 2, 3}, want: []int{1000, 2000, 3000}},
		{name: "weighted with drained", kind: WeightedLeastConnections, weights: []int{5, 0, 1}, want: []int{5000, 0, 1000}},
		{name: "weighted large", kind: WeightedLeastConnections, weights: []int{MaxWeight, MaxWeight / 2, 1}, want: []int{3999, 2000, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := schedNew(t, tt.kind, tt.weights)
			for range 6000 {
				i, ok := s.Pick(netip.AddrPort{}, nil)
				if !ok {
					t.Fatal("Pick failed")
				}
				s.Opened(i)
			}
			for i, want := range tt.want {
				if got := s.Active(i); got < want-1 || got > want+1 {
					t.Errorf("Active(%d) = %d, want %d ± 1", i, got, want)
				}
			}
		})
	}
}

// TestLeastConnectionsFollowsClosed closes flows on one backend: the next
// picks go there until it is level again.
func TestLeastConnectionsFollowsClosed(t *testing.T) {
	for _, k := range []SchedulerKind{LeastConnections, WeightedLeastConnections} {
		t.Run(k.String(), func(t *testing.T) {
			s := schedNew(t, k, []int{2, 2, 2, 2})
			for range 400 {
				i, _ := s.Pick(netip.AddrPort{}, nil)
				s.Opened(i)
			}
			for range 30 {
				s.Closed(3)
			}
			for n := range 30 {
				if i, _ := s.Pick(netip.AddrPort{}, nil); i != 3 {
					t.Fatalf("pick %d after closing 30 flows of backend 3 = %d", n, i)
				}
				s.Opened(3)
			}
			if got := s.Active(3); got != 100 {
				t.Errorf("Active(3) = %d, want 100", got)
			}
		})
	}
}

// TestWeightedLeastConnectionsHuge compares by cross-multiplication even
// where 64-bit products would overflow.
func TestWeightedLeastConnectionsHuge(t *testing.T) {
	s := schedNew(t, WeightedLeastConnections, []int{MaxWeight, MaxWeight - 1}).(*leastConn)
	s.active[0] = 1 << 62
	s.active[1] = 1<<62 - 1
	// (2^62)/65535 vs (2^62-1)/65534: the second is larger.
	if i, _ := s.Pick(netip.AddrPort{}, nil); i != 0 {
		t.Errorf("Pick = %d, want 0", i)
	}
}
