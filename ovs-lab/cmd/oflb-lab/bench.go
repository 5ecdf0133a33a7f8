package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/oflb/oflb/lb"
	ovslab "github.com/oflb/oflb/ovs-lab"
	"github.com/oflb/oflb/policy"
)

// benchOptions are the flags of `oflb-lab bench`.
type benchOptions struct {
	setupOptions
	duration    time.Duration
	concurrency int
	// flows are the table sizes of the knee search (--flows); nil skips it.
	flows []int
}

// parseFlowSteps parses --flows: one number N (steps 0, N/4, N/2, N) or a
// comma-separated increasing list.
func parseFlowSteps(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	var steps []int
	for part := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(strings.ReplaceAll(strings.ToLower(part), "k", "000")))
		if err != nil || n < 0 || n > 1_000_000 {
			return nil, fmt.Errorf("--flows %q: want N or N1,N2,... with 0 <= N <= 1000000", s)
		}
		steps = append(steps, n)
	}
	if len(steps) == 1 {
		n := steps[0]
		if n == 0 {
			return nil, fmt.Errorf("--flows %q: want a positive N", s)
		}
		steps = []int{0, n / 4, n / 2, n}
	}
	steps = slices.Compact(steps)
	if !slices.IsSorted(steps) {
		return nil, fmt.Errorf("--flows %q: the steps must increase", s)
	}
	return steps, nil
}

// benchPolicy is the bench's policy unless --policy-dir says otherwise:
// the example's web VIP without its connection limit (10,000 active
// connections, which a 10 s run at 1,500/s with 30 s idle timeouts
// exceeds), over web1 and web2.
const benchPolicy = `# written by oflb-lab bench
tenant: bench
vip_ranges: [10.0.0.96/28]
vips:
  - name: web
    address: 10.0.0.100
    port: 80
    protocol: tcp
    scheduler: round_robin
    idle_timeout: 30s
    backends:
      - {name: web-1, address: 10.0.0.11, port: 8080}
      - {name: web-2, address: 10.0.0.12, port: 8080}
`

// benchRow is one measured line of the bench table.
type benchRow struct {
	name    string
	entries int // table size when the run started (knee runs)
	after   int // table size when it ended (knee runs)
	res     ovslab.BenchResult
}

// runBench measures new connections per second straight to a backend and
// through the first TCP VIP, and the knee as filler entries grow.
func runBench(ctx context.Context, out io.Writer, opts benchOptions) (err error) {
	if opts.policyDir == "" {
		dir, err := os.MkdirTemp("", "oflb-bench-policy-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		if err := os.WriteFile(filepath.Join(dir, "bench.yaml"), []byte(benchPolicy), 0o644); err != nil {
			return err
		}
		opts.policyDir = dir
	}
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
	}()
	var vip *policy.VIP
	for _, v := range s.pol.VIPs() {
		if v.Protocol == policy.TCP && labServes(s.lab, v) && len(v.Active()) > 0 {
			vip = v
			break
		}
	}
	if vip == nil {
		return errors.New("the policy has no TCP VIP with lab backends to measure")
	}
	direct, directName := directTarget(s.lab, vip)
	vipAddr := netip.AddrPortFrom(vip.Address, vip.Port)
	// Warm up: ARP caches, the VIP's ARP answer, first megaflows.
	for _, u := range []string{"http://" + direct.String() + "/", vipURL(vip)} {
		if _, err := s.lab.HTTPGet(ctx, s.lab.Client(1), u); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	s.logf("measuring new connections/s for %v each (concurrency %d, clients %s): connect + GET + close",
		opts.duration, opts.concurrency, hostList(s.lab.Clients))
	bench := func(target netip.AddrPort) (ovslab.BenchResult, error) {
		return s.lab.Bench(ctx, ovslab.BenchOptions{Target: target, Duration: opts.duration, Concurrency: opts.concurrency})
	}
	d, err := bench(direct)
	if err != nil {
		return err
	}
	v, err := bench(vipAddr)
	if err != nil {
		return err
	}
	fmt.Fprintln(out)
	rows := []benchRow{
		{name: fmt.Sprintf("direct %s %v", directName, direct), res: d},
		{name: fmt.Sprintf("VIP %s %v", vip.FullName(), vipAddr), res: v},
	}
	printBench(out, rows, false)
	fmt.Fprintf(out, "added by the VIP: connect p50 %+v, p99 %+v; rate %.0f%% of direct\n",
		(v.Percentile(50) - d.Percentile(50)).Round(time.Microsecond), (v.Percentile(99) - d.Percentile(99)).Round(time.Microsecond), pct100(v.Rate(), d.Rate()))
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if len(opts.flows) == 0 {
		return nil
	}
	return kneeSearch(ctx, out, s, vipAddr, opts)
}

// directTarget picks the backend server the direct run connects to: one
// outside the VIP's pool if the lab has one (web3 with the bench policy),
// else the VIP's first active backend.
//
// Outside the pool, because a backend that has just served a client
// directly holds TIME_WAIT sockets for (backend, client port), and a SYN
// that the VIP translates onto one of them carries the client's TCP
// timestamps for the VIP address, not the backend's (Linux offsets them
// per address pair): PAWS rejects it, the client resets, and connects
// only on its SYN retransmission a second later. Real NAT load balancers
// see the same when clients mix direct and VIP access; here it would
// count as lost first packets.
func directTarget(l *ovslab.Lab, vip *policy.VIP) (netip.AddrPort, string) {
	inPool := func(a netip.Addr) bool {
		for _, b := range vip.Backends {
			if b.Address == a {
				return true
			}
		}
		return false
	}
	for _, b := range l.Backends {
		if inPool(b.Spec.IP) {
			continue
		}
		for _, p := range b.Spec.Ports {
			if p.Protocol == ovslab.ProtoTCP {
				return netip.AddrPortFrom(b.Spec.IP, p.Port), b.Spec.Name
			}
		}
	}
	b := vip.Active()[0]
	return netip.AddrPortFrom(b.Address, b.Port), l.Backend(b.Address.String()).Spec.Name
}

// fillerCookie marks the knee search's filler entries: owner 0, which no
// oflb instance owns, so the controller leaves them alone.
const fillerCookie = 0xb1d

// kneeSearch holds growing numbers of idle-timeout filler entries on the
// switch and measures the VIP's connection rate at each.
func kneeSearch(ctx context.Context, out io.Writer, s *session, vipAddr netip.AddrPort, opts benchOptions) error {
	owner := uint8(1) // instance_id 0 (see writeConfig) + 1
	perFlow := []lb.Cookie{lb.MakeCookie(owner, lb.KindForward, 0, 0), lb.MakeCookie(owner, lb.KindReverse, 0, 0)}
	mask := lb.OwnerMask | lb.KindMask
	s.logf("knee search: filler entries (priority %d, idle_timeout 600, cookie %#x) at %v", lb.PriorityFlow, fillerCookie, opts.flows)
	var rows []benchRow
	have := 0
	for _, n := range opts.flows {
		// Start each step from the fillers alone: drop the previous
		// step's per-flow entries (the controller hears FLOW_REMOVED).
		for _, c := range perFlow {
			if _, err := s.lab.OVS.OfctlContext(ctx, nil, "del-flows", s.lab.Bridge.Short, fmt.Sprintf("cookie=%#x/%#x", uint64(c), uint64(mask))); err != nil {
				return err
			}
		}
		// Deleting thousands of entries sends as many FLOW_REMOVED to
		// the controller: measure only once it has caught up.
		if err := waitNoFlows(ctx, s.ctrl); err != nil {
			s.logf("%v; measuring anyway", err)
		}
		// And once the datapath has dropped the last step's cached flows
		// (idle after 10 s), so that each step starts from the same state.
		if err := waitDatapathIdle(ctx, s.lab); err != nil {
			s.logf("%v; measuring anyway", err)
		}
		if n > have {
			start := time.Now()
			if err := addFillers(ctx, s.lab, have, n); err != nil {
				return err
			}
			s.logf("added %d filler entries in %v", n-have, time.Since(start).Round(time.Millisecond))
			have = n
		}
		before, err := flowCount(ctx, s.lab, "")
		if err != nil {
			return err
		}
		fillers, err := flowCount(ctx, s.lab, fmt.Sprintf("cookie=%#x/-1", fillerCookie))
		if err != nil {
			return err
		}
		if fillers != n {
			return fmt.Errorf("the switch holds %d filler entries, want %d", fillers, n)
		}
		r, err := s.lab.Bench(ctx, ovslab.BenchOptions{Target: vipAddr, Duration: opts.duration, Concurrency: opts.concurrency})
		if err != nil {
			return err
		}
		after, err := flowCount(ctx, s.lab, "")
		if err != nil {
			return err
		}
		rows = append(rows, benchRow{name: fmt.Sprintf("VIP, %d fillers", n), entries: before, after: after, res: r})
		s.logf("%d fillers: %.0f conn/s", n, r.Rate())
	}
	fmt.Fprintln(out)
	printBench(out, rows, true)
	fmt.Fprintln(out, knee(rows))
	return nil
}

// addFillers adds filler entries from to to-1 in one bundle: per-flow
// NAT entries of clients that do not exist (10.1.0.0/16 and up), so they
// never match but weigh on the switch as real ones do.
func addFillers(ctx context.Context, l *ovslab.Lab, from, to int) error {
	var sb strings.Builder
	for i := from; i < to; i++ {
		src := netip.AddrFrom4([4]byte{10, byte(1 + i>>16), byte(i >> 8), byte(i)})
		fmt.Fprintf(&sb, "cookie=%#x,priority=%d,idle_timeout=600,tcp,nw_src=%v,nw_dst=10.0.0.100,tp_src=%d,tp_dst=80,actions=set_field:10.0.0.11->ip_dst,set_field:8080->tcp_dst,output:11\n",
			fillerCookie, lb.PriorityFlow, src, 1024+i%60000)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if _, err := l.OVS.OfctlContext(ctx, strings.NewReader(sb.String()), "--bundle", "add-flows", "unix:"+l.Bridge.Mgmt, "-"); err != nil {
		return fmt.Errorf("add filler entries: %w", err)
	}
	return nil
}

var flowCountRE = regexp.MustCompile(`flow_count=(\d+)`)

// flowCount returns the number of entries matching filter (ovs-ofctl
// syntax; "" for all) with dump-aggregate.
func flowCount(ctx context.Context, l *ovslab.Lab, filter string) (int, error) {
	args := []string{"dump-aggregate", l.Bridge.Short}
	if filter != "" {
		args = append(args, filter)
	}
	out, err := l.OVS.OfctlContext(ctx, nil, args...)
	if err != nil {
		return 0, err
	}
	m := flowCountRE.FindStringSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("dump-aggregate: no flow_count in %q", out)
	}
	return strconv.Atoi(m[1])
}

// printBench prints the bench table.
func printBench(out io.Writer, rows []benchRow, entries bool) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := "run\t"
	if entries {
		head += "entries before\tafter\t"
	}
	fmt.Fprintln(tw, head+"connections\tconn/s\tconnect p50\tp99\tmax\tlost SYN (>=1s)\tfailed\ttimed out\t")
	for _, r := range rows {
		line := r.name + "\t"
		if entries {
			line += fmt.Sprintf("%d\t%d\t", r.entries, r.after)
		}
		fmt.Fprintf(tw, "%s%d\t%.0f\t%v\t%v\t%v\t%d\t%d\t%d\t\n", line, r.res.Connections, r.res.Rate(),
			r.res.Percentile(50).Round(time.Microsecond), r.res.Percentile(99).Round(time.Microsecond), r.res.Percentile(100).Round(time.Microsecond),
			r.res.Retransmits, r.res.Failures, r.res.Timeouts)
	}
	tw.Flush()
	for _, r := range rows {
		if len(r.res.Errors) > 0 {
			fmt.Fprintf(out, "%s: first errors: %v\n", r.name, r.res.Errors)
		}
	}
}

// kneeDrop is the fraction of the first step's rate below which a step
// counts as the knee.
const kneeDrop = 0.8

// knee says where the rate first falls below kneeDrop of the first step's.
func knee(rows []benchRow) string {
	if len(rows) == 0 || rows[0].res.Rate() == 0 {
		return "knee: no baseline rate"
	}
	base := rows[0].res.Rate()
	for _, r := range rows[1:] {
		if r.res.Rate() < kneeDrop*base {
			return fmt.Sprintf("knee: at %s (%d entries when it started) the rate fell to %.0f/s, %.0f%% of %.0f/s with %d",
				r.name, r.entries, r.res.Rate(), pct100(r.res.Rate(), base), base, rows[0].entries)
		}
	}
	last := rows[len(rows)-1]
	return fmt.Sprintf("knee: none up to %d entries (last rate %.0f/s, %.0f%% of %.0f/s)", last.entries, last.res.Rate(), pct100(last.res.Rate(), base), base)
}

// pct100 returns a as a percentage of b.
func pct100(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return 100 * a / b
}

// waitNoFlows waits until the controller reports no active flows (oflb
// status -o json: active_flows), for at most a minute.
func waitNoFlows(ctx context.Context, c *controller) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var last string
	for {
		out, err := c.run(ctx, "status", "-o", "json")
		if err == nil {
			var st struct {
				ActiveFlows *int `json:"active_flows"`
			}
			if err := json.Unmarshal([]byte(out), &st); err == nil && st.ActiveFlows != nil {
				if *st.ActiveFlows == 0 {
					return nil
				}
				last = strconv.Itoa(*st.ActiveFlows) + " active flows"
			} else {
				last = fmt.Sprintf("unreadable status %q", out)
			}
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the controller did not drop the deleted flows (%s)", last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

var dpFlowsRE = regexp.MustCompile(`flows\s*:\s*\(current (\d+)\)`)

// waitDatapathIdle waits until the switch's datapath flow cache holds
// fewer than 50 flows (ovs-appctl upcall/show), for at most 30 s.
func waitDatapathIdle(ctx context.Context, l *ovslab.Lab) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	last := "no answer"
	for {
		out, err := l.OVS.Appctl("upcall/show")
		if m := dpFlowsRE.FindStringSubmatch(out); err == nil && m != nil {
			n, _ := strconv.Atoi(m[1])
			if n < 50 {
				return nil
			}
			last = m[1] + " datapath flows"
		} else if err != nil {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the datapath did not settle (%s)", last)
		case <-time.After(500 * time.Millisecond):
		}
	}
}
