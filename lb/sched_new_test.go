package lb

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
)

var schedKinds = []SchedulerKind{RoundRobin, WeightedRoundRobin, LeastConnections, WeightedLeastConnections, ConsistentHash}

// schedClients returns n random client addresses and ports, the same ones
// on every run.
func schedClients(n int, seed uint64) []netip.AddrPort {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	cs := make([]netip.AddrPort, n)
	for i := range cs {
		v := r.Uint32()
		a := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
		cs[i] = netip.AddrPortFrom(a, uint16(1024+r.IntN(60000)))
	}
	return cs
}

// schedNew builds a scheduler or fails the test.
func schedNew(t testing.TB, kind SchedulerKind, weights []int) Scheduler {
	t.Helper()
	s, err := NewScheduler(kind, weights)
	if err != nil {
		t.Fatalf("NewScheduler(%s, %v): %v", kind, weights, err)
	}
	return s
}

func TestNewSchedulerErrors(t *testing.T) {
	tests := []struct {
		name    string
		kind    SchedulerKind
		keys    []string
		weights []int
		want    string // substring of the error
	}{
		{name: "invalid kind", kind: SchedulerInvalid, weights: []int{1}, want: "unknown scheduler invalid"},
		{name: "out of range kind", kind: SchedulerKind(42), weights: []int{1}, want: "unknown scheduler scheduler(42)"},
		{name: "keys length", kind: RoundRobin, keys: []string{"a"}, weights: []int{1, 1}, want: "1 keys for 2 backends"},
		{name: "maglev keys length", kind: ConsistentHash, keys: []string{"a", "b", "c"}, weights: []int{1, 1}, want: "3 keys for 2 backends"},
		{name: "maglev duplicate key", kind: ConsistentHash, keys: []string{"a", "b", "a"}, weights: []int{1, 1, 1}, want: `backends 0 and 2: duplicate key "a"`},
		{name: "maglev empty key", kind: ConsistentHash, keys: []string{"a", ""}, weights: []int{1, 1}, want: "backend 1: empty key"},
	}
	for _, k := range schedKinds {
		tests = append(tests,
			struct {
				name    string
				kind    SchedulerKind
				keys    []string
				weights []int
				want    string
			}{name: k.String() + " negative weight", kind: k, weights: []int{1, -1}, want: "scheduler " + k.String() + ": backend 1: weight -1 out of range 0..65535"},
			struct {
				name    string
				kind    SchedulerKind
				keys    []string
				weights []int
				want    string
			}{name: k.String() + " weight too large", kind: k, weights: []int{MaxWeight + 1}, want: "backend 0: weight 65536 out of range"},
		)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSchedulerWithKeys(tt.kind, tt.keys, tt.weights)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewSchedulerWithKeys = %v, %v; want error containing %q", s, err, tt.want)
			}
			if s != nil {
				t.Errorf("scheduler %v returned with the error", s)
			}
		})
	}
}

func TestSchedulerString(t *testing.T) {
	for _, k := range schedKinds {
		t.Run(k.String(), func(t *testing.T) {
			s := schedNew(t, k, []int{1, 2})
			if got := fmt.Sprint(s); got != k.String() {
				t.Errorf("String() = %q, want %q", got, k.String())
			}
		})
	}
}

// TestSchedulerEligibility checks, for every kind, that drained and
// ineligible backends are never picked, that every other backend is, and
// that Pick reports false when nothing qualifies.
func TestSchedulerEligibility(t *testing.T) {
	clients := schedClients(2000, 1)
	tests := []struct {
		name     string
		weights  []int
		eligible func(int) bool
		want     []bool // backends that may be picked; nil: Pick must fail
	}{
		{name: "all eligible", weights: []int{1, 2, 3}, want: []bool{true, true, true}},
		{name: "drained", weights: []int{3, 0, 2, 1, 0}, want: []bool{true, false, true, true, false}},
		{name: "ineligible", weights: []int{3, 1, 2, 1, 5}, eligible: func(i int) bool { return i != 3 && i != 0 }, want: []bool{false, true, true, false, true}},
		{name: "drained and ineligible", weights: []int{3, 0, 2, 1, 5}, eligible: func(i int) bool { return i != 4 }, want: []bool{true, false, true, true, false}},
		{name: "one left", weights: []int{1, 1, 1, 1}, eligible: func(i int) bool { return i == 2 }, want: []bool{false, false, true, false}},
		{name: "all drained", weights: []int{0, 0, 0}},
		{name: "none eligible", weights: []int{1, 2, 3}, eligible: func(int) bool { return false }},
		{name: "eligible only drained", weights: []int{0, 2, 3}, eligible: func(i int) bool { return i == 0 }},
		{name: "empty pool", weights: nil},
	}
	for _, k := range schedKinds {
		for _, tt := range tests {
			t.Run(k.String()+"/"+tt.name, func(t *testing.T) {
				s := schedNew(t, k, tt.weights)
				picked := make([]int, len(tt.weights))
				for n, c := range clients {
					i, ok := s.Pick(c, tt.eligible)
					if tt.want == nil {
						if ok || i != -1 {
							t.Fatalf("Pick = %d, %v; want -1, false", i, ok)
						}
						continue
					}
					if !ok || i < 0 || i >= len(tt.want) || !tt.want[i] {
						t.Fatalf("pick %d: Pick = %d, %v; want one of %v", n, i, ok, tt.want)
					}
					picked[i]++
					if n%2 == 0 {
						s.Opened(i) // exercise the least-connections paths
					}
				}
				for i, w := range tt.want {
					if w && picked[i] == 0 {
						t.Errorf("backend %d never picked: %v", i, picked)
					}
				}
			})
		}
	}
}

// TestSchedulerActive checks the flow counts of every kind.
func TestSchedulerActive(t *testing.T) {
	type op struct {
		open bool
		i    int
	}
	tests := []struct {
		name string
		ops  []op
		want []int
	}{
		{name: "none", want: []int{0, 0, 0}},
		{name: "opened", ops: []op{{true, 0}, {true, 2}, {true, 2}}, want: []int{1, 0, 2}},
		{name: "opened and closed", ops: []op{{true, 1}, {true, 1}, {false, 1}, {true, 0}}, want: []int{1, 1, 0}},
		{name: "closed never below 0", ops: []op{{false, 0}, {false, 0}, {true, 0}, {true, 1}, {false, 1}, {false, 1}}, want: []int{1, 0, 0}},
		{name: "out of range ignored", ops: []op{{true, -1}, {true, 3}, {false, 3}, {false, -7}, {true, 2}}, want: []int{0, 0, 1}},
	}
	for _, k := range schedKinds {
		for _, tt := range tests {
			t.Run(k.String()+"/"+tt.name, func(t *testing.T) {
				s := schedNew(t, k, []int{1, 0, 2})
				for _, o := range tt.ops {
					if o.open {
						s.Opened(o.i)
					} else {
						s.Closed(o.i)
					}
				}
				for i, want := range tt.want {
					if got := s.Active(i); got != want {
						t.Errorf("Active(%d) = %d, want %d", i, got, want)
					}
				}
				for _, i := range []int{-1, 3, 1 << 30} {
					if got := s.Active(i); got != 0 {
						t.Errorf("Active(%d) = %d, want 0", i, got)
					}
				}
			})
		}
	}
}

// TestSchedulerWeightsCopied checks that a scheduler does not alias the
// caller's weights.
func TestSchedulerWeightsCopied(t *testing.T) {
	for _, k := range schedKinds {
		t.Run(k.String(), func(t *testing.T) {
			w := []int{1, 1}
			s := schedNew(t, k, w)
			w[0], w[1] = 0, 0
			if _, ok := s.Pick(netip.MustParseAddrPort("192.0.2.1:1000"), nil); !ok {
				t.Fatal("Pick failed after the caller zeroed its weights slice")
			}
		})
	}
}
