package lb

import "testing"

// BenchmarkSchedulerPick picks among 10 backends of weights 1..10, with no
// eligibility filter, with one that accepts all, and with one that
// rejects backend 3.
func BenchmarkSchedulerPick(b *testing.B) {
	weights := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	clients := schedClients(1024, 8)
	filters := []struct {
		name     string
		eligible func(int) bool
	}{
		{name: "nil", eligible: nil},
		{name: "all", eligible: func(int) bool { return true }},
		{name: "one_down", eligible: func(i int) bool { return i != 3 }},
	}
	for _, k := range schedKinds {
		for _, f := range filters {
			b.Run(k.String()+"/"+f.name, func(b *testing.B) {
				s, err := NewSchedulerWithKeys(k, maglevKeys(len(weights)), weights)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				n := 0
				for b.Loop() {
					i, ok := s.Pick(clients[n&1023], f.eligible)
					if !ok {
						b.Fatal("Pick failed")
					}
					// Keep least connections moving: flows open and close.
					s.Opened(i)
					if n&1 == 1 {
						s.Closed(i)
					}
					n++
				}
			})
		}
	}
}

// BenchmarkMaglevBuild builds the default 65537-slot table for 100
// backends of mixed weights.
func BenchmarkMaglevBuild(b *testing.B) {
	keys := maglevKeys(100)
	weights := make([]int, len(keys))
	for i := range weights {
		weights[i] = 1 + i%4
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewMaglev(keys, weights, 0); err != nil {
			b.Fatal(err)
		}
	}
}
