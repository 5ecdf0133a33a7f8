package policy_test

import (
	"fmt"
	"net/netip"

	"github.com/oflb/oflb/policy"
)

func ExampleLoad() {
	p, err := policy.Load("examples", nil)
	if err != nil {
		fmt.Println(err) // every problem, one "file:line:col: reason" per line
		return
	}
	v, ok := p.Lookup(netip.MustParseAddr("10.0.0.100"), policy.TCP, 80)
	if !ok {
		return
	}
	fmt.Println(v.FullName(), v.Scheduler, v.IdleTimeout)
	for _, b := range v.Backends {
		fmt.Println(" ", b, b.AddrPort(), b.Weight, b.Drained())
	}
	// Output:
	// tenant-a/web weighted_round_robin 30
	//   web-1 10.0.0.11:8080 2 false
	//   web-2 10.0.0.12:8080 1 false
	//   web-3 10.0.0.13:8080 0 true
}

func ExampleCheck() {
	for _, e := range policy.Check("testdata/valid") {
		fmt.Println(e)
	}
	fmt.Println("checked")
	// Output: checked
}
