package lb

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// maglevKeys returns n backend keys "10.0.0.2:80", "10.0.0.3:80", ...
func maglevKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("10.0.%d.%d:80", (i+2)/256, (i+2)%256)
	}
	return keys
}

func ones(n int) []int {
	w := make([]int, n)
	for i := range w {
		w[i] = 1
	}
	return w
}

func newMaglev(t testing.TB, keys []string, weights []int, size int) *Maglev {
	t.Helper()
	m, err := NewMaglev(keys, weights, size)
	if err != nil {
		t.Fatalf("NewMaglev(%d keys, %v, %d): %v", len(keys), weights, size, err)
	}
	return m
}

// maglevOwners returns the key each client maps to.
func maglevOwners(t testing.TB, m *Maglev, keys []string, clients []netip.AddrPort, eligible func(int) bool) []string {
	t.Helper()
	out := make([]string, len(clients))
	for n, c := range clients {
		i, ok := m.Pick(c, eligible)
		if !ok {
			t.Fatalf("Pick(%v) failed", c)
		}
		out[n] = keys[i]
	}
	return out
}

func TestMaglevErrors(t *testing.T) {
	tests := []struct {
		name    string
		keys    []string
		weights []int
		size    int
		want    string
	}{
		{name: "not prime", keys: maglevKeys(2), weights: ones(2), size: 1001, want: "table size 1001 is not a prime in [200, 8388608]"},
		{name: "too small", keys: maglevKeys(3), weights: ones(3), size: 251, want: "table size 251 is not a prime in [300, 8388608]"},
		{name: "too large", keys: maglevKeys(1), weights: ones(1), size: 8388617, want: "table size 8388617 is not a prime"},
		{name: "negative size", keys: maglevKeys(1), weights: ones(1), size: -7, want: "table size -7"},
		{name: "length", keys: maglevKeys(1), weights: ones(2), want: "1 keys for 2 backends"},
		{name: "negative weight", keys: maglevKeys(2), weights: []int{1, -2}, want: "backend 1: weight -2 out of range"},
		{name: "duplicate", keys: []string{"x", "y", "x"}, weights: ones(3), want: `backends 0 and 2: duplicate key "x"`},
		{name: "too many", keys: maglevKeys(MaxMaglevBackends + 1), weights: ones(MaxMaglevBackends + 1), want: "65536 backends, more than 65535"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewMaglev(tt.keys, tt.weights, tt.size)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewMaglev = %v, %v; want error containing %q", m, err, tt.want)
			}
		})
	}
}

func TestMaglevSize(t *testing.T) {
	tests := []struct {
		name     string
		backends int
		size     int
		want     int
	}{
		{name: "default", backends: 10, want: DefaultMaglevSize},
		{name: "default up to 655", backends: 655, want: DefaultMaglevSize},
		{name: "100 x backends", backends: 1000, want: 100003},
		{name: "explicit", backends: 3, size: 307, want: 307},
		{name: "empty pool", backends: 0, want: DefaultMaglevSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMaglev(t, maglevKeys(tt.backends), ones(tt.backends), tt.size)
			if m.Size() != tt.want || len(m.table) != tt.want && tt.backends > 0 {
				t.Errorf("Size() = %d, table %d slots; want %d", m.Size(), len(m.table), tt.want)
			}
		})
	}
}

// TestMaglevGolden pins the hashes and the population: a change here
// moves every client on upgrade, so it must be deliberate.
func TestMaglevGolden(t *testing.T) {
	m := newMaglev(t, []string{"10.0.0.2:80", "10.0.0.3:80", "10.0.0.4:80"}, []int{1, 2, 1}, 401)
	var b strings.Builder
	for _, i := range m.table[:40] {
		fmt.Fprint(&b, i)
	}
	if got, want := b.String(), "2002010210101121011110111000122002010210"; got != want {
		t.Errorf("first 40 slots = %s, want %s", got, want)
	}
	var picks []int
	for _, c := range []string{"192.0.2.1", "192.0.2.2", "198.51.100.7", "2001:db8::1", "203.0.113.255"} {
		i, _ := m.Pick(netip.AddrPortFrom(netip.MustParseAddr(c), 1), nil)
		picks = append(picks, i)
	}
	if want := []int{1, 1, 1, 1, 2}; !slices.Equal(picks, want) {
		t.Errorf("picks = %v, want %v", picks, want)
	}
}

// TestMaglevDeterminism: the table depends on the keys and weights only,
// not on their order, and a client's flows all go to one backend.
func TestMaglevDeterminism(t *testing.T) {
	clients := schedClients(5000, 2)
	keys := maglevKeys(7)
	weights := []int{1, 2, 3, 1, 0, 5, 1}
	a, b := newMaglev(t, keys, weights, 0), newMaglev(t, keys, weights, 0)
	if !slices.Equal(a.table, b.table) {
		t.Fatal("two builds of the same pool differ")
	}
	s, err := NewScheduler(ConsistentHash, weights)
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := NewScheduler(ConsistentHash, weights)
	if !slices.Equal(s.(*Maglev).table, s2.(*Maglev).table) {
		t.Fatal("two NewScheduler builds differ")
	}
	want := maglevOwners(t, a, keys, clients, nil)

	r := rand.New(rand.NewPCG(9, 9))
	perm := r.Perm(len(keys))
	pkeys, pweights := make([]string, len(keys)), make([]int, len(keys))
	for i, j := range perm {
		pkeys[i], pweights[i] = keys[j], weights[j]
	}
	shuffled := newMaglev(t, pkeys, pweights, 0)
	if got := maglevOwners(t, shuffled, pkeys, clients, nil); !slices.Equal(got, want) {
		t.Error("reordering the backends moved clients")
	}
	for n, c := range clients[:500] {
		for _, port := range []uint16{1, 80, 65535} {
			i, _ := a.Pick(netip.AddrPortFrom(c.Addr(), port), nil)
			if keys[i] != want[n] {
				t.Fatalf("client %v port %d went to %s, port %d to %s", c.Addr(), port, keys[i], c.Port(), want[n])
			}
		}
	}
}

// TestMaglevWeightedShares checks that slots follow the weights within
// one slot per backend, and the clients within 5% of their ideal share.
func TestMaglevWeightedShares(t *testing.T) {
	clients := schedClients(60000, 3)
	tests := []struct {
		name    string
		weights []int
		size    int
	}{
		{name: "equal", weights: ones(5)},
		{name: "1:2:3", weights: []int{1, 2, 3}},
		{name: "skewed", weights: []int{10, 1, 1}},
		{name: "drained", weights: []int{0, 3, 0, 1}},
		{name: "small table", weights: []int{1, 2, 3}, size: 307},
		{name: "max weights", weights: []int{MaxWeight, 1, MaxWeight / 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys := maglevKeys(len(tt.weights))
			m := newMaglev(t, keys, tt.weights, tt.size)
			total := 0
			for _, w := range tt.weights {
				total += w
			}
			slots := make([]int, len(tt.weights))
			for _, i := range m.table {
				slots[i]++
			}
			picks := make([]int, len(tt.weights))
			for _, c := range clients {
				i, _ := m.Pick(c, nil)
				picks[i]++
			}
			for i, w := range tt.weights {
				ideal := float64(m.Size()*w) / float64(total)
				// The first round gives every live backend a slot.
				if w > 0 {
					ideal = max(ideal, 1)
				}
				if math.Abs(float64(slots[i])-ideal) > float64(len(tt.weights)) {
					t.Errorf("backend %d: %d slots, ideal %.1f ± %d", i, slots[i], ideal, len(tt.weights))
				}
				if ideal := float64(len(clients)*w) / float64(total); math.Abs(float64(picks[i])-ideal) > 0.05*ideal+1 {
					t.Errorf("backend %d: %d clients, ideal %.0f ± 5%%", i, picks[i], ideal)
				}
			}
		})
	}
}

// maglevMoves counts the clients whose key differs between before and
// after, and among them those that neither left nor joined key k.
func maglevMoves(before, after []string, k string) (moved, churn int) {
	for n := range before {
		if before[n] != after[n] {
			moved++
			if before[n] != k && after[n] != k {
				churn++
			}
		}
	}
	return moved, churn
}

// TestMaglevDisruption adds and removes one backend of pools of N = 5..10
// equal backends and maps 10,000 random clients before and after.
//
// Bounds, with N the size of the larger pool (so the backend added or
// removed owns 1/N of the clients): the moved fraction must be within
// [0.85/N, 1.15/N], inside the brief's [0.5/N, 1.6/N]. Sampling alone
// gives a standard deviation of at most sqrt(p(1-p)/10000) ~ 0.37% of
// clients (3.5% of 1/N at N = 10), and a 65537-slot table holds each
// backend's share to well under 1%, so 15% is several sigma while still
// failing a scheme that moves twice the minimum. Clients that neither
// leave the removed backend nor join the added one (Maglev's own churn,
// the paper's "not perfectly minimal" disruption) must be under 1% of
// all clients; measured: at most 0.25%.
func TestMaglevDisruption(t *testing.T) {
	clients := schedClients(10000, 4)
	for n := 5; n <= 10; n++ {
		keys := maglevKeys(n + 1)
		small := newMaglev(t, keys[:n], ones(n), 0)
		big := newMaglev(t, keys, ones(n+1), 0)
		before := maglevOwners(t, small, keys, clients, nil)
		check := func(name string, after []string, k string, pool int) {
			t.Helper()
			moved, churn := maglevMoves(before, after, k)
			f := float64(moved) / float64(len(clients))
			lo, hi := 0.85/float64(pool), 1.15/float64(pool)
			if f < lo || f > hi {
				t.Errorf("N=%d %s %s: moved %.4f of the clients, want [%.4f, %.4f]", pool, name, k, f, lo, hi)
			}
			if c := float64(churn) / float64(len(clients)); c > 0.01 {
				t.Errorf("N=%d %s %s: %.4f of the clients moved between unchanged backends, want <= 0.01", pool, name, k, c)
			}
		}
		t.Run(fmt.Sprintf("add to %d", n), func(t *testing.T) {
			check("add", maglevOwners(t, big, keys, clients, nil), keys[n], n+1)
		})
		t.Run(fmt.Sprintf("remove from %d", n), func(t *testing.T) {
			for r := range n {
				rkeys := slices.Delete(slices.Clone(keys[:n]), r, r+1)
				m := newMaglev(t, rkeys, ones(n-1), 0)
				check("remove", maglevOwners(t, m, rkeys, clients, nil), keys[r], n)
			}
		})
	}
}

// TestMaglevWeightChange doubles one backend's weight: the moved clients
// are about its gain in share, and they move to it.
func TestMaglevWeightChange(t *testing.T) {
	clients := schedClients(10000, 5)
	keys := maglevKeys(5)
	before := maglevOwners(t, newMaglev(t, keys, ones(5), 0), keys, clients, nil)
	after := maglevOwners(t, newMaglev(t, keys, []int{1, 1, 2, 1, 1}, 0), keys, clients, nil)
	moved, churn := maglevMoves(before, after, keys[2])
	gain := 2.0/6 - 1.0/5
	if f := float64(moved) / float64(len(clients)); f < 0.85*gain || f > 1.15*gain {
		t.Errorf("moved %.4f of the clients, want %.4f ± 15%%", f, gain)
	}
	if churn > 100 {
		t.Errorf("%d clients moved between backends whose weight did not change", churn)
	}
}

// TestMaglevDrainIsRemoval: weight 0 leaves the backend out of the table,
// exactly as if it were not in the pool.
func TestMaglevDrainIsRemoval(t *testing.T) {
	clients := schedClients(10000, 6)
	keys := maglevKeys(6)
	drained := newMaglev(t, keys, []int{1, 2, 1, 0, 3, 1}, 0)
	rkeys := slices.Delete(slices.Clone(keys), 3, 4)
	removed := newMaglev(t, rkeys, []int{1, 2, 1, 3, 1}, 0)
	if !slices.Equal(maglevOwners(t, drained, keys, clients, nil), maglevOwners(t, removed, rkeys, clients, nil)) {
		t.Error("draining a backend and removing it map clients differently")
	}
}

// TestMaglevIneligible: the clients of an ineligible backend move,
// deterministically, spread over the others roughly by weight; no other
// client moves.
func TestMaglevIneligible(t *testing.T) {
	clients := schedClients(20000, 7)
	tests := []struct {
		name    string
		weights []int
		down    []bool
	}{
		{name: "one of four", weights: []int{1, 2, 3, 4}, down: []bool{false, false, false, true}},
		{name: "two of five", weights: ones(5), down: []bool{true, false, true, false, false}},
		{name: "only a light one left", weights: []int{MaxWeight, MaxWeight, 1, MaxWeight}, down: []bool{true, true, false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys := maglevKeys(len(tt.weights))
			m := newMaglev(t, keys, tt.weights, 0)
			eligible := func(i int) bool { return !tt.down[i] }
			upWeight := 0
			for i, w := range tt.weights {
				if !tt.down[i] {
					upWeight += w
				}
			}
			gained := make([]int, len(tt.weights))
			displaced := 0
			for _, c := range clients {
				home, _ := m.Pick(c, nil)
				got, ok := m.Pick(c, eligible)
				if !ok || tt.down[got] {
					t.Fatalf("Pick(%v) = %d, %v", c, got, ok)
				}
				if again, _ := m.Pick(c, eligible); again != got {
					t.Fatalf("Pick(%v) = %d then %d", c, got, again)
				}
				if !tt.down[home] {
					if got != home {
						t.Fatalf("client %v of eligible backend %d moved to %d", c, home, got)
					}
					continue
				}
				displaced++
				gained[got]++
			}
			for i, w := range tt.weights {
				if tt.down[i] {
					continue
				}
				ideal := float64(displaced*w) / float64(upWeight)
				if math.Abs(float64(gained[i])-ideal) > 0.2*ideal+1 {
					t.Errorf("backend %d took %d displaced clients, ideal %.0f ± 20%%", i, gained[i], ideal)
				}
			}
		})
	}
}

// TestMaglevAddresses: IPv6, IPv4-mapped and invalid addresses all pick.
func TestMaglevAddresses(t *testing.T) {
	m := newMaglev(t, maglevKeys(3), ones(3), 0)
	tests := []struct {
		name string
		c    netip.AddrPort
	}{
		{name: "zero", c: netip.AddrPort{}},
		{name: "ipv6", c: netip.MustParseAddrPort("[2001:db8::7]:443")},
		{name: "ipv6 zone", c: netip.MustParseAddrPort("[fe80::1%eth0]:443")},
		{name: "ipv4", c: netip.MustParseAddrPort("192.0.2.9:1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if i, ok := m.Pick(tt.c, nil); !ok || i < 0 || i > 2 {
				t.Errorf("Pick(%v) = %d, %v", tt.c, i, ok)
			}
		})
	}
}
