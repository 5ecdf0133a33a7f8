package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/oflb/oflb/lb"
	ovslab "github.com/oflb/oflb/ovs-lab"
	"github.com/oflb/oflb/policy"
)

// demoOptions are the flags of `oflb-lab demo`.
type demoOptions struct {
	setupOptions
	requests int
}

// runDemo runs the whole demo and returns an error if any step failed or
// the spread was not what the policy asks for.
func runDemo(ctx context.Context, out io.Writer, opts demoOptions) (err error) {
	s, err := setup(ctx, out, opts.setupOptions)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			s.failed = true
		}
		s.logf("tearing down")
		err = errors.Join(err, s.close())
		if err == nil {
			s.logf("lab removed, oflb stopped")
		}
	}()

	var problems []string
	// One request first, to show the client's address surviving the NAT.
	for _, v := range s.pol.VIPs() {
		if v.Protocol != policy.TCP || !labServes(s.lab, v) {
			continue
		}
		c := s.lab.Client(1)
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		r, err := s.lab.HTTPGet(rctx, c, vipURL(v))
		cancel()
		if err != nil {
			return fmt.Errorf("first request to %s: %w\noflb log:\n%s", v.FullName(), err, s.ctrl.logTail(20))
		}
		s.logf("%s GET %s: answered by %s, which saw the client as %v", c.Short, vipURL(v), r.Backend, r.Client)
		if r.Client.Addr() != c.Addr() {
			problems = append(problems, fmt.Sprintf("%s: backend saw client %v, want %v (source NAT where none belongs)", v.FullName(), r.Client.Addr(), c.Addr()))
		}
	}

	for _, v := range s.pol.VIPs() {
		if !labServes(s.lab, v) {
			s.logf("%s: skipped, the lab has no servers for its backends", v.FullName())
			continue
		}
		start := time.Now()
		res, err := s.lab.Spread(ctx, opts.requests, nil, vipURL(v))
		if err != nil {
			return err
		}
		elapsed := time.Since(start)
		fmt.Fprintf(out, "\n%s  %v:%d/%v  %s, %d %s from %s in %v\n", v.FullName(), v.Address, v.Port, v.Protocol,
			v.Scheduler, opts.requests, unit(v), hostList(s.lab.Clients), elapsed.Round(time.Millisecond))
		problems = append(problems, printSpread(out, s.lab, v, res)...)
	}

	vips, err := s.ctrl.run(ctx, "vips")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n$ oflb vips\n%s", vips)
	flowsOut, err := s.ctrl.run(ctx, "flows")
	if err != nil {
		return err
	}
	head, n := headLines(flowsOut, 9)
	fmt.Fprintf(out, "\n$ oflb flows | head   (%d lines)\n%s", n, head)

	flows, err := s.lab.OVS.DumpFlowsContext(ctx, s.lab.Bridge.Short)
	if err != nil {
		return err
	}
	var perFlow []ovslab.Flow
	kinds := map[lb.Kind]int{}
	for _, f := range flows {
		if f.Priority == lb.PriorityFlow {
			perFlow = append(perFlow, f)
			kinds[lb.Cookie(f.Cookie).Kind()]++
		}
	}
	fmt.Fprintf(out, "\n$ ovs-ofctl -O OpenFlow13 dump-flows %s   (per-flow NAT entries, priority %d: %d of %d entries; %d forward, %d reverse)\n",
		s.lab.Bridge.Name, lb.PriorityFlow, len(perFlow), len(flows), kinds[lb.KindForward], kinds[lb.KindReverse])
	for i, f := range perFlow {
		if i == 6 {
			fmt.Fprintf(out, " ... %d more\n", len(perFlow)-i)
			break
		}
		fmt.Fprintf(out, " %s\n", f.Raw)
	}
	if len(perFlow) == 0 {
		problems = append(problems, "no per-flow entries on the switch")
	}

	if len(problems) > 0 {
		return fmt.Errorf("the demo found problems:\n  %s", strings.Join(problems, "\n  "))
	}
	fmt.Fprintln(out)
	s.logf("demo OK: every request answered, spread as the policy says")
	return nil
}

// unit names what a VIP's requests are.
func unit(v *policy.VIP) string {
	if v.Protocol == policy.UDP {
		return "UDP echoes"
	}
	return "HTTP GETs (one connection each)"
}

// vipURL is the URL Lab.Spread takes for a VIP.
func vipURL(v *policy.VIP) string {
	ap := netip.AddrPortFrom(v.Address, v.Port)
	if v.Protocol == policy.UDP {
		return "udp://" + ap.String()
	}
	if v.Port == 80 {
		return "http://" + v.Address.String() + "/"
	}
	return "http://" + ap.String() + "/"
}

// labServes reports whether every backend of v is a lab backend with a
// server on the backend's port and protocol.
func labServes(l *ovslab.Lab, v *policy.VIP) bool {
	if v.Port == 0 || len(v.Backends) == 0 {
		return false
	}
	want := ovslab.ProtoTCP
	if v.Protocol == policy.UDP {
		want = ovslab.ProtoUDP
	}
	for _, b := range v.Backends {
		lb := l.Backend(b.Address.String())
		if lb == nil {
			return false
		}
		found := false
		for _, p := range lb.Spec.Ports {
			if p.Protocol == want && (p.Port == b.Port || b.Port == 0 && p.Port == v.Port) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// shareTolerance is how far, in percentage points, a (weighted) round
// robin spread may stray from the weights.
const shareTolerance = 5.0

// printSpread prints how res spread over v's backends against their
// weights, and returns what is wrong with it.
func printSpread(out io.Writer, l *ovslab.Lab, v *policy.VIP, res ovslab.SpreadResult) []string {
	var problems []string
	total := res.Total()
	var weightSum int
	for _, b := range v.Backends {
		if v.Scheduler == policy.RoundRobin {
			if !b.Drained() {
				weightSum++
			}
			continue
		}
		weightSum += int(b.Weight)
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "backend\thost\taddress\tweight\texpected\tanswered\tshare\t")
	known := map[string]bool{}
	for _, b := range v.Backends {
		host := l.Backend(b.Address.String()).Spec.Name
		known[host] = true
		got := res.Counts[host]
		share := pct(got, total)
		weight := fmt.Sprint(b.Weight)
		if b.Drained() {
			weight += " (drained)"
		}
		expected := "-"
		switch v.Scheduler {
		case policy.WeightedRoundRobin, policy.RoundRobin:
			w := int(b.Weight)
			if v.Scheduler == policy.RoundRobin && !b.Drained() {
				w = 1
			}
			e := pct(w, weightSum)
			expected = fmt.Sprintf("%.1f%%", e)
			if total > 0 && (share-e > shareTolerance || e-share > shareTolerance) {
				problems = append(problems, fmt.Sprintf("%s: %s got %.1f%%, want %.1f%% ± %.0f", v.FullName(), b, share, e, shareTolerance))
			}
		case policy.ConsistentHash:
			expected = "by hash"
		default:
			expected = "by load"
		}
		if b.Drained() && got > 0 {
			problems = append(problems, fmt.Sprintf("%s: drained backend %s got %d new connections", v.FullName(), b, got))
		}
		fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%s\t%d\t%.1f%%\t\n", b, host, b.AddrPort(), weight, expected, got, share)
	}
	for name, n := range res.Counts {
		if !known[name] {
			problems = append(problems, fmt.Sprintf("%s: %d answers from %s, not a backend of the VIP", v.FullName(), n, name))
			fmt.Fprintf(tw, "?\t%s\t\t\t\t%d\t%.1f%%\t\n", name, n, pct(n, total))
		}
	}
	fmt.Fprintf(tw, "total\t\t\t\t\t%d\t\t\n", total)
	tw.Flush()
	if v.Scheduler == policy.ConsistentHash {
		problems = append(problems, printAffinity(out, v, res)...)
	}
	if res.Failures > 0 {
		fmt.Fprintf(out, "  %d failed, e.g. %v\n", res.Failures, res.Errors)
		problems = append(problems, fmt.Sprintf("%s: %d of %d requests failed: %v", v.FullName(), res.Failures, res.Failures+total, res.Errors))
	}
	return problems
}

// pct returns n as a percentage of total (0 when total is 0).
func pct(n, total int) float64 {
	if total == 0 {
		return 0
	}
	return 100 * float64(n) / float64(total)
}

// printAffinity prints which backends each client reached; a consistent
// hash of the client address must send each client to one backend.
func printAffinity(out io.Writer, v *policy.VIP, res ovslab.SpreadResult) []string {
	var problems []string
	var parts []string
	for _, client := range slices.Sorted(maps.Keys(res.PerClient)) {
		counts := res.PerClient[client]
		var got []string
		for _, b := range slices.Sorted(maps.Keys(counts)) {
			got = append(got, fmt.Sprintf("%s (%d)", b, counts[b]))
		}
		parts = append(parts, client+" -> "+strings.Join(got, ", "))
		if len(counts) > 1 {
			problems = append(problems, fmt.Sprintf("%s: client %s reached %d backends, want one (the hash is of the client address)", v.FullName(), client, len(counts)))
		}
	}
	fmt.Fprintf(out, "  client affinity (hash of the client address): %s\n", strings.Join(parts, "; "))
	return problems
}
