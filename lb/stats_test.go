package lb

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/oflb/oflb/openflow"
	"github.com/oflb/oflb/openflow/oftest"
	"github.com/oflb/oflb/openflow/packet"
)

// fakeClock is an injected clock for rates.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newStatsRig is newRig with an injected clock (nil: the real one).
func newStatsRig(t testing.TB, cfg Config, preload []openflow.FlowMod, now func() time.Time) (*App, *oftest.Switch) {
	t.Helper()
	app, _, sw := startRig(t, cfg, preload, now, nil)
	return app, sw
}

// waitUntil polls cond against a deadline.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	waitFor(t, what, 10*time.Second, cond)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		runtimeYield()
	}
}

// runtimeYield lets other goroutines run without sleeping a fixed time.
func runtimeYield() {
	t := time.NewTimer(time.Millisecond)
	<-t.C
}

// statsVIP is a VIP with two backends on ports 2 and 3 of the rig.
func statsVIP(id uint16, port uint16, policy StatsPolicy) VIP {
	return VIP{
		ID: id, Tenant: "t", Name: fmt.Sprintf("web%d", id), Addr: vipAddr, Port: port, Proto: 6,
		Scheduler: RoundRobin, IdleTimeout: 30 * time.Second, TranslatePort: true, Stats: policy,
		Backends: []Backend{
			{ID: 1, Name: "web1", Addr: web1, Port: 8080, Weight: 1},
			{ID: 2, Name: "web2", Addr: web2, Port: 8080, Weight: 1},
		},
	}
}

// pair is one flow's two entries, as the app would install them.
type pair struct{ fwd, rev openflow.FlowMod }

// makePair builds the entries of a flow from client c to VIP v's backend
// index bi, as installed by owner 3.
func makePair(v *VIP, c netip.AddrPort, bi int) pair {
	b := v.Backends[bi]
	fl := &flow{
		proto: v.Proto, client: c, vip: v.AddrPort(), backend: b.AddrPort(), vipID: v.ID, backendID: b.ID,
		clientMAC: clientMAC, vipMAC: v.mac(), backendMAC: web1MAC, clientPort: 1, backendPort: uint32(2 + bi),
		idle: 30,
	}
	s := newNATScratch()
	s.fill(3, fl, fl.idle, 0)
	return pair{cloneFlowMod(&s.fwd), cloneFlowMod(&s.rev)}
}

func preloadOf(ps []pair) []openflow.FlowMod {
	var out []openflow.FlowMod
	for _, p := range ps {
		out = append(out, p.fwd, p.rev)
	}
	return out
}

func pollNow(t testing.TB, app *App) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := app.PollNow(ctx); err != nil {
		t.Fatalf("PollNow: %v", err)
	}
}

// backendTraffic returns the counters of one backend of one VIP.
func backendTraffic(t testing.TB, app *App, vip, backend uint16) Traffic {
	t.Helper()
	for _, v := range app.TrafficStats().VIPs {
		if v.ID != vip {
			continue
		}
		for _, b := range v.Backends {
			if b.ID == backend {
				return b.Traffic
			}
		}
	}
	t.Fatalf("no counters for VIP %d backend %d", vip, backend)
	return Traffic{}
}

// switchCounts sums the counters of the switch's entries with cookie c:
// what ovs-ofctl dump-flows would show as n_packets and n_bytes.
func switchCounts(sw *oftest.Switch, c Cookie) Counts {
	var out Counts
	for _, e := range sw.Flows() {
		if Cookie(e.Cookie) == c {
			out.add(Counts{e.Packets, e.Bytes})
		}
	}
	return out
}

func closedFlows(app *App, vip uint16) uint64 {
	var n uint64
	for _, s := range app.TrafficSamples() {
		if s.VIPID == vip {
			n += s.Closed
		}
	}
	return n
}

func TestStatsTotalsAcrossRemoval(t *testing.T) {
	tests := []struct {
		name     string
		policy   StatsPolicy
		perFlows int // flows FlowCounters lists at the start
	}{
		{name: "per_flow", policy: StatsPerFlow, perFlows: 3},
		{name: "per_vip", policy: StatsPerVIP, perFlows: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := statsVIP(7, 80, tt.policy)
			a := makePair(&v, netip.MustParseAddrPort("10.0.0.1:40000"), 0)
			b := makePair(&v, netip.MustParseAddrPort("10.0.0.2:40000"), 0)
			c := makePair(&v, netip.MustParseAddrPort("10.0.0.3:40000"), 1)
			app, sw := newStatsRig(t, Config{VIPs: []VIP{v}}, preloadOf([]pair{a, b, c}), nil)
			set := func(fm *openflow.FlowMod, p, by uint64) {
				t.Helper()
				if n := sw.SetCounters(fm.Cookie, &fm.Match, p, by); n != 1 {
					t.Fatalf("set counters of %d entries", n)
				}
			}
			fwd1, rev1 := MakeCookie(3, KindForward, 7, 1), MakeCookie(3, KindReverse, 7, 1)
			var finalFwd, finalRev Counts // final counters of removed entries of backend 1
			check := func(step string) {
				t.Helper()
				got := backendTraffic(t, app, 7, 1)
				wantF, wantR := switchCounts(sw, fwd1), switchCounts(sw, rev1)
				wantF.add(finalFwd)
				wantR.add(finalRev)
				if got.Forward != wantF || got.Reverse != wantR {
					t.Fatalf("%s: backend 1 forward %+v reverse %+v, want live+final %+v %+v", step, got.Forward, got.Reverse, wantF, wantR)
				}
			}

			// Adopted flows count as opened at once, not at the first poll.
			if got := backendTraffic(t, app, 7, 1); got.Opened != 2 || got.Active != 2 {
				t.Fatalf("backend 1 connections before a poll: %+v", got)
			}
			set(&a.fwd, 10, 1000)
			set(&a.rev, 8, 4000)
			set(&b.fwd, 5, 500)
			set(&b.rev, 4, 2000)
			set(&c.fwd, 1, 100)
			set(&c.rev, 1, 50)
			pollNow(t, app)
			check("first poll")
			if got := backendTraffic(t, app, 7, 2); got.Forward != (Counts{1, 100}) || got.Reverse != (Counts{1, 50}) {
				t.Fatalf("backend 2: %+v", got)
			}
			if got := backendTraffic(t, app, 7, 1); got.Opened != 2 || got.Active != 2 || got.Closed != 0 {
				t.Fatalf("backend 1 connections: %+v", got)
			}
			if n := len(app.FlowCounters(0, 0)); n != tt.perFlows {
				t.Fatalf("FlowCounters lists %d flows, want %d", n, tt.perFlows)
			}

			// Flow a keeps sending, then both its entries expire before the
			// next poll: its final counters must count, once.
			set(&a.fwd, 12, 1200)
			set(&a.rev, 9, 4500)
			if n, err := sw.ExpireFunc(500, openflow.FlowRemovedReasonIdleTimeout, func(e *oftest.Entry) bool {
				return (e.Cookie == a.fwd.Cookie && e.Match.String() == a.fwd.Match.String()) ||
					(e.Cookie == a.rev.Cookie && e.Match.String() == a.rev.Match.String())
			}); n != 2 || err != nil {
				t.Fatalf("expire: %d entries, %v", n, err)
			}
			finalFwd.add(Counts{12, 1200})
			finalRev.add(Counts{9, 4500})
			waitUntil(t, "flow a ended", func() bool { return closedFlows(app, 7) == 1 })
			check("after removal, before a poll")
			pollNow(t, app)
			check("after removal and a poll")
			if got := backendTraffic(t, app, 7, 1); got.Opened != 2 || got.Active != 1 || got.Closed != 1 {
				t.Fatalf("backend 1 connections after removal: %+v", got)
			}

			// Flow b's forward entry expires; its reverse entry's
			// FLOW_REMOVED never comes (the fake deletes it silently): the
			// reaper ends the flow with the reverse's last polled counters.
			set(&b.fwd, 7, 700)
			if _, err := sw.Expire(501, b.fwd.Cookie, &b.fwd.Match, openflow.FlowRemovedReasonIdleTimeout); err != nil {
				t.Fatal(err)
			}
			finalFwd.add(Counts{7, 700})
			waitUntil(t, "partner deleted", func() bool { return switchCounts(sw, rev1) == (Counts{}) })
			ss := app.switchState(0x10)
			app.reapClosing(ss, 0)
			finalRev.add(Counts{4, 2000})
			if closedFlows(app, 7) != 2 {
				t.Fatalf("flow b not ended by the reaper")
			}
			check("after reaping")
			pollNow(t, app)
			check("after reaping and a poll")

			tr := app.TrafficStats()
			if len(tr.Switches) != 1 || tr.Switches[0].Forward.Packets != 12+7+1 || tr.Switches[0].Closed != 2 || tr.Switches[0].Active != 1 {
				t.Fatalf("switch totals %+v", tr.Switches)
			}
			if len(tr.Tenants) != 1 || tr.Tenants[0].Reverse != (Counts{9 + 4 + 1, 4500 + 2000 + 50}) {
				t.Fatalf("tenant totals %+v", tr.Tenants)
			}
		})
	}
}

// flowStatsRequests returns the FLOW_STATS requests the switch received
// after the first skip messages.
func flowStatsRequests(sw *oftest.Switch, skip int) []*openflow.FlowStatsRequest {
	var out []*openflow.FlowStatsRequest
	for _, m := range sw.Received()[skip:] {
		if mr, ok := m.(*openflow.MultipartRequest); ok {
			if fr, ok := mr.Body.(*openflow.FlowStatsRequest); ok {
				out = append(out, fr)
			}
		}
	}
	return out
}

func TestStatsPolicies(t *testing.T) {
	owner := uint64(3) << 56
	ownerKinds := owner | uint64(KindForward)<<52
	kindsMask := uint64(OwnerMask | perFlowKindMask)
	tests := []struct {
		name     string
		policies []StatsPolicy // of VIPs 7 (port 80) and 8 (port 81); each has one flow
		// want is the requests' cookie values and masks.
		want [][2]uint64
		// live is whether each VIP's live counters are read.
		live []bool
	}{
		{name: "per_vip and per_flow: one owner-wide dump", policies: []StatsPolicy{StatsPerVIP, StatsPerFlow},
			want: [][2]uint64{{ownerKinds, kindsMask}}, live: []bool{true, true}},
		{name: "none alone: no request", policies: []StatsPolicy{StatsNone}, want: nil, live: []bool{false}},
		{name: "none beside per_flow: the per_flow VIP's entries only", policies: []StatsPolicy{StatsNone, StatsPerFlow},
			want: [][2]uint64{{ownerKinds | 8<<32, kindsMask | uint64(VIPMask)}}, live: []bool{false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg Config
			var pairs []pair
			for i, p := range tt.policies {
				v := statsVIP(uint16(7+i), uint16(80+i), p)
				cfg.VIPs = append(cfg.VIPs, v)
				pairs = append(pairs, makePair(&v, netip.MustParseAddrPort(fmt.Sprintf("10.0.0.1:%d", 40000+i)), 0))
			}
			app, sw := newStatsRig(t, cfg, preloadOf(pairs), nil)
			for _, p := range pairs {
				sw.SetCounters(p.fwd.Cookie, &p.fwd.Match, 3, 300)
				sw.SetCounters(p.rev.Cookie, &p.rev.Match, 2, 200)
			}
			skip := len(sw.Received())
			pollNow(t, app)
			var got [][2]uint64
			for _, r := range flowStatsRequests(sw, skip) {
				if r.TableID != openflow.TableAll || r.OutPort != openflow.PortAny || r.OutGroup != openflow.GroupAny {
					t.Errorf("request %+v does not cover every table and port", r)
				}
				got = append(got, [2]uint64{r.Cookie, r.CookieMask})
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("requests (cookie, mask) %x, want %x", got, tt.want)
			}
			for i, live := range tt.live {
				vt := backendTraffic(t, app, uint16(7+i), 1)
				want := Counts{}
				if live {
					want = Counts{3, 300}
				}
				if vt.Forward != want || vt.Opened != 1 || vt.Active != 1 {
					t.Errorf("VIP %d (%v): %+v, want forward %+v and one open flow", 7+i, tt.policies[i], vt, want)
				}
			}
			// Ports are polled on every switch whatever the policies.
			rep := app.TrafficStats()
			if len(rep.Switches) != 1 || rep.Switches[0].PortErr != nil || rep.Switches[0].Polls != 1 {
				t.Fatalf("switch poll record %+v", rep.Switches)
			}
			// A none VIP's flow still ends with its final counters.
			for i, p := range pairs {
				if tt.policies[i] != StatsNone {
					continue
				}
				sw.SetCounters(p.fwd.Cookie, &p.fwd.Match, 9, 900)
				if _, err := sw.ExpireFunc(600, openflow.FlowRemovedReasonIdleTimeout, func(e *oftest.Entry) bool {
					return e.Cookie == p.fwd.Cookie || e.Cookie == p.rev.Cookie
				}); err != nil {
					t.Fatal(err)
				}
				waitUntil(t, "none flow ended", func() bool { return closedFlows(app, uint16(7+i)) == 1 })
				if vt := backendTraffic(t, app, uint16(7+i), 1); vt.Forward != (Counts{9, 900}) || vt.Reverse != (Counts{2, 200}) || vt.Active != 0 {
					t.Fatalf("none VIP after its flow ended: %+v", vt)
				}
			}
		})
	}
}

func TestStatsRates(t *testing.T) {
	clock := &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	v := statsVIP(7, 80, StatsPerFlow)
	p := makePair(&v, netip.MustParseAddrPort("10.0.0.1:40000"), 0)
	app, sw := newStatsRig(t, Config{VIPs: []VIP{v}}, preloadOf([]pair{p}), clock.Now)
	sw.SetCounters(p.fwd.Cookie, &p.fwd.Match, 10, 1000)
	sw.SetCounters(p.rev.Cookie, &p.rev.Match, 10, 5000)
	pollNow(t, app)
	if got := backendTraffic(t, app, 7, 1); got.ForwardRate != (Rate{}) || got.OpenedPerSec != 0 {
		t.Fatalf("rates after one poll: %+v", got)
	}

	clock.Advance(10 * time.Second)
	sw.SetCounters(p.fwd.Cookie, &p.fwd.Match, 30, 3000)  // +20 packets, +2000 bytes
	sw.SetCounters(p.rev.Cookie, &p.rev.Match, 15, 10000) // +5, +5000
	pollNow(t, app)
	got := backendTraffic(t, app, 7, 1)
	if got.ForwardRate != (Rate{2, 200}) || got.ReverseRate != (Rate{0.5, 500}) {
		t.Fatalf("rates %+v %+v, want {2 200} {0.5 500}", got.ForwardRate, got.ReverseRate)
	}
	fcs := app.FlowCounters(0x10, 7)
	if len(fcs) != 1 || fcs[0].ForwardRate != (Rate{2, 200}) || fcs[0].Forward != (Counts{30, 3000}) ||
		fcs[0].ForwardCookie != Cookie(p.fwd.Cookie) || !fcs[0].PolledAt.Equal(clock.Now()) {
		t.Fatalf("flow counters %+v", fcs)
	}

	// A new flow between polls: one opened in 4 s.
	locateStats(t, app, sw)
	if err := sw.SendPacketIn(900, 1, tcpSegment(t, client2MAC, netip.MustParseAddr("10.0.0.2"), 40001, vipAddr, 80, packet.TCPSyn)); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "second flow", func() bool { return len(app.Flows(0)) == 2 })
	clock.Advance(4 * time.Second)
	pollNow(t, app)
	var opened float64
	var active uint64
	for _, v := range app.TrafficStats().VIPs {
		opened, active = v.OpenedPerSec, v.Active
	}
	if opened != 0.25 || active != 2 {
		t.Fatalf("VIP opened %v/s with %d active, want 0.25/s and 2", opened, active)
	}
}

// locateStats makes the backends known on the rig's switch.
func locateStats(t *testing.T, app *App, sw *oftest.Switch) {
	t.Helper()
	if err := sw.SendPacketIn(800, 2, arpReply(t, web1MAC, web1)); err != nil {
		t.Fatal(err)
	}
	if err := sw.SendPacketIn(801, 3, arpReply(t, web2MAC, web2)); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "backends located", func() bool {
		for _, v := range app.VIPs() {
			for _, b := range v.Backends {
				if len(b.Located) == 0 {
					return false
				}
			}
		}
		return true
	})
}

func TestStatsObserveReset(t *testing.T) {
	tests := []struct {
		name       string
		polls      []Counts
		wantLive   Counts
		wantClosed Counts
	}{
		{name: "growing", polls: []Counts{{1, 10}, {5, 50}}, wantLive: Counts{5, 50}},
		{name: "unchanged", polls: []Counts{{5, 50}, {5, 50}}, wantLive: Counts{5, 50}},
		{name: "replayed entry starts from zero", polls: []Counts{{5, 50}, {2, 20}}, wantLive: Counts{2, 20}, wantClosed: Counts{5, 50}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var g agg
			var fp flowPoll
			for i, c := range tt.polls {
				g.observe(&fp, dirFwd, c, true, int64(i+1))
			}
			if g.live[dirFwd] != tt.wantLive || g.closed[dirFwd] != tt.wantClosed {
				t.Fatalf("live %+v closed %+v, want %+v %+v", g.live[dirFwd], g.closed[dirFwd], tt.wantLive, tt.wantClosed)
			}
			// The flow ends with final counters above the last poll.
			var st trafficStats
			tr := st.swTraffic(1)
			tr.aggs[aggKey{0, 0}] = &g
			last := tt.polls[len(tt.polls)-1]
			fl := &flow{polled: fp, fwdGone: true, fwdPackets: last.Packets + 1, fwdBytes: last.Bytes + 10, revGone: true}
			st.ended(1, fl)
			want := tt.wantClosed
			want.add(Counts{last.Packets + 1, last.Bytes + 10})
			if g.live[dirFwd] != (Counts{}) || g.closed[dirFwd] != want || g.ended != 1 || g.opened != 1 {
				t.Fatalf("after end: live %+v closed %+v (want %+v), opened %d ended %d", g.live[dirFwd], g.closed[dirFwd], want, g.opened, g.ended)
			}
		})
	}
}

func TestPortRates(t *testing.T) {
	var tr swTraffic
	t0 := time.Unix(1000, 0)
	tr.setPorts([]openflow.PortStats{{PortNo: 2, RxBytes: 100, TxPackets: 1}, {PortNo: 1, RxBytes: 1000}}, t0)
	tr.setPorts([]openflow.PortStats{{PortNo: 1, RxBytes: 3000, RxPackets: 4}, {PortNo: 2, RxBytes: 100, TxPackets: 11}, {PortNo: 3}}, t0.Add(2*time.Second))
	tests := []struct {
		name   string
		port   int
		no     uint32
		rx, tx Rate
	}{
		{name: "port 1 receives", port: 0, no: 1, rx: Rate{2, 1000}},
		{name: "port 2 sends", port: 1, no: 2, tx: Rate{5, 0}},
		{name: "new port has no rate yet", port: 2, no: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tr.ports[tt.port]
			if p.PortNo != tt.no || p.Rx != tt.rx || p.Tx != tt.tx {
				t.Fatalf("port %d rx %+v tx %+v, want %d %+v %+v", p.PortNo, p.Rx, p.Tx, tt.no, tt.rx, tt.tx)
			}
		})
	}
}

func TestRunStatsPollsAndStops(t *testing.T) {
	v := statsVIP(7, 80, StatsPerVIP)
	v.StatsInterval = 5 * time.Millisecond
	p := makePair(&v, netip.MustParseAddrPort("10.0.0.1:40000"), 0)
	app, sw := newStatsRig(t, Config{VIPs: []VIP{v}}, preloadOf([]pair{p}), nil)
	sw.SetCounters(p.fwd.Cookie, &p.fwd.Match, 4, 400)
	ignore := goleak.IgnoreCurrent()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); app.RunStats(ctx, StatsOptions{}) }()
	waitUntil(t, "two polls", func() bool {
		rep := app.TrafficStats()
		return len(rep.Switches) == 1 && rep.Switches[0].Polls >= 2
	})
	if got := backendTraffic(t, app, 7, 1); got.Forward != (Counts{4, 400}) {
		t.Fatalf("forward %+v after RunStats polls", got.Forward)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("RunStats did not return after cancel")
	}
	if err := goleak.Find(ignore); err != nil {
		t.Fatal(err)
	}
	// PollNow on a cancelled context fails rather than hanging.
	if err := app.PollNow(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("PollNow on a cancelled context: %v", err)
	}
}

// TestPortStatsFromSwitch: the port counters a switch reports come back
// through PollNow and PortStats, one entry per port.
func TestPortStatsFromSwitch(t *testing.T) {
	r := newRig(t, testConfig(RoundRobin), nil)
	r.sw.SetPortStats(openflow.PortStats{PortNo: 2, RxPackets: 10, RxBytes: 1000, TxPackets: 20, TxBytes: 2000})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.app.PollNow(ctx); err != nil {
		t.Fatal(err)
	}
	ps := r.app.PortStats()
	if len(ps) != 1 || ps[0].Err != nil || len(ps[0].Ports) != 3 {
		t.Fatalf("port stats %+v, want 3 ports of one switch", ps)
	}
	p2 := ps[0].Ports[1]
	if p2.PortNo != 2 || p2.RxBytes != 1000 || p2.TxPackets != 20 {
		t.Fatalf("port 2: %+v", p2)
	}
}
