package lb

import (
	"context"
	"io"
	"log/slog"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/oflb/oflb/controller"
	"github.com/oflb/oflb/openflow"
	"github.com/oflb/oflb/openflow/packet"
)

// rigSwitch returns the controller's handle of the rig's switch.
func (r *rig) rigSwitch() *controller.Switch {
	r.t.Helper()
	sw, ok := r.ctrl.Switch(0x10)
	if !ok {
		r.t.Fatal("switch 0x10 not connected")
	}
	return sw
}

func (r *rig) reconcile() controller.ReconcileResult {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := r.ctrl.Reconcile(ctx, r.rigSwitch())
	if err != nil {
		r.t.Fatalf("reconcile: %v", err)
	}
	return res
}

// openFlow sends a SYN from client:sport to the VIP's port and waits for
// its two entries (one with direct server return).
func (r *rig) openFlow(client netip.Addr, sport, dport uint16, entries int) []openflow.Message {
	r.t.Helper()
	r.packetIn(1, tcpSegment(r.t, clientMAC, client, sport, vipAddr, dport, packet.TCPSyn))
	return r.next("flow entries", func(ms []openflow.Message) bool {
		return countType[*openflow.FlowMod](ms) == entries && countType[*openflow.PacketOut](ms) == 1
	})
}

func TestReloadRemovingVIPDeletesItsFlows(t *testing.T) {
	cfg := testConfig(RoundRobin)
	other := cfg.VIPs[0]
	other.ID, other.Name, other.Port = 8, "other", 81
	cfg.VIPs = append(cfg.VIPs, other)
	r := newRig(t, cfg, nil)
	locate(r)
	client := netip.MustParseAddr("10.0.0.1")
	r.openFlow(client, 40000, 80, 2)
	r.openFlow(client, 40001, 81, 2)
	if n := len(perFlow(r.sw)); n != 4 {
		t.Fatalf("%d per-flow entries, want 4", n)
	}

	// Remove VIP 7 (port 80): its flow must go from the app and its
	// entries from the switch; VIP 8's flow stays.
	var removed []openflow.FlowMod
	for _, e := range perFlow(r.sw) {
		if Cookie(e.Cookie).VIP() == 7 {
			removed = append(removed, e.FlowMod)
		}
	}
	cfg.VIPs = cfg.VIPs[1:]
	if err := r.app.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	r.reconcile()
	for _, e := range perFlow(r.sw) {
		if Cookie(e.Cookie).VIP() == 7 {
			t.Errorf("entry of removed VIP 7 still on the switch: %v %s", Cookie(e.Cookie), e.Match.String())
		}
	}
	if n := len(perFlow(r.sw)); n != 2 {
		t.Errorf("%d per-flow entries after the reload, want VIP 8's 2", n)
	}
	flows := r.app.Flows(0)
	if len(flows) != 1 || flows[0].VIPID != 8 {
		t.Errorf("app holds %+v, want only VIP 8's flow", flows)
	}
	ss := r.app.switchState(0x10)
	ss.mu.Lock()
	nr, nc := len(ss.replies), len(ss.closing)
	ss.mu.Unlock()
	if nr != 1 {
		t.Errorf("%d reply keys held, want 1", nr)
	}
	if nc != 2 {
		t.Errorf("%d entries awaiting their FLOW_REMOVED, want the dropped flow's 2", nc)
	}
	// The deleted entries' FLOW_REMOVEDs (reason delete, as Open vSwitch
	// sends them) close the books of the dropped flow with their final
	// counters; nothing stays waiting for them.
	for i, fm := range removed {
		fr := &openflow.FlowRemoved{Cookie: fm.Cookie, Priority: fm.Priority, Reason: openflow.FlowRemovedReasonDelete,
			IdleTimeout: fm.IdleTimeout, PacketCount: uint64(3 + i), ByteCount: uint64(300 + i), Match: fm.Match}
		if err := r.sw.Send(uint32(900+i), fr); err != nil {
			t.Fatal(err)
		}
	}
	r.waitFor("dropped flow closed", func() bool {
		ss.mu.Lock()
		defer ss.mu.Unlock()
		return len(ss.closing) == 0
	})
	var closed uint64
	var pkts Counts
	for _, s := range r.app.TrafficSamples() {
		if s.VIPID == 7 {
			closed += s.Traffic.Closed
			pkts.add(s.Traffic.Forward)
			pkts.add(s.Traffic.Reverse)
		}
	}
	if closed != 1 || pkts.Packets != 7 {
		t.Errorf("VIP 7 books: %d closed, %d packets; want 1 and 7", closed, pkts.Packets)
	}
	// A second reconcile is a no-op: nothing re-added.
	if res := r.reconcile(); res.Added != 0 || res.Deleted != 0 {
		t.Errorf("second reconcile added %d, deleted %d", res.Added, res.Deleted)
	}
}

func TestReloadKeepsFlowsOfRemovedBackend(t *testing.T) {
	r := newRig(t, testConfig(LeastConnections), nil)
	locate(r)
	got := r.openFlow(netip.MustParseAddr("10.0.0.1"), 40000, 80, 2)
	backend := Cookie(ofType[*openflow.FlowMod](got)[1].Cookie).Backend()
	cfg := testConfig(LeastConnections)
	keep := cfg.VIPs[0].Backends[0]
	if keep.ID == backend {
		keep = cfg.VIPs[0].Backends[1]
	}
	cfg.VIPs[0].Backends = []Backend{keep}
	if err := r.app.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	r.reconcile()
	if n := len(perFlow(r.sw)); n != 2 {
		t.Fatalf("%d per-flow entries after removing the flow's backend, want 2 (kept until idle)", n)
	}
	if n := len(r.app.Flows(0)); n != 1 {
		t.Fatalf("app holds %d flows, want 1", n)
	}
}

func TestAdoptDirectServerReturn(t *testing.T) {
	cfg := testConfig(RoundRobin)
	cfg.VIPs[0].DirectServerReturn = true
	cfg.VIPs[0].TranslatePort = false
	for i := range cfg.VIPs[0].Backends {
		cfg.VIPs[0].Backends[i].Port = 80
	}
	r := newRig(t, cfg, nil)
	locate(r)
	got := r.openFlow(netip.MustParseAddr("10.0.0.1"), 40000, 80, 1)
	fwd := ofType[*openflow.FlowMod](got)[0]
	if a := openflow.InstructionsString(fwd.Instructions); a == "" || Cookie(fwd.Cookie).Kind() != KindForward {
		t.Fatalf("DSR entry %v %s", Cookie(fwd.Cookie), a)
	}
	before := r.app.Flows(0)
	var entries []openflow.FlowMod
	for _, e := range perFlow(r.sw) {
		entries = append(entries, e.FlowMod)
	}

	// A restarted controller adopts the forward-only flow as it was.
	r2 := newRig(t, cfg, entries)
	after := r2.app.Flows(0)
	if len(after) != 1 || after[0].Backend != before[0].Backend || after[0].BackendID != before[0].BackendID {
		t.Fatalf("adopted %+v, want %+v", after, before)
	}
	ss := r2.app.switchState(0x10)
	ss.mu.Lock()
	nr := len(ss.replies)
	ss.mu.Unlock()
	if nr != 0 {
		t.Errorf("adopted DSR flow has %d reply keys, want 0", nr)
	}
	// A reconcile adds nothing (no reverse entry for a DSR flow).
	if res := r2.reconcile(); res.Added != 0 || res.Deleted != 0 || res.Replaced != 0 {
		t.Errorf("reconcile after adoption: %+v", res)
	}
	if n := len(perFlow(r2.sw)); n != 1 {
		t.Errorf("%d per-flow entries, want 1", n)
	}
	// Its expiry ends it at once: no partner to wait for.
	fr := &openflow.FlowRemoved{Cookie: fwd.Cookie, Priority: PriorityFlow, Reason: openflow.FlowRemovedReasonIdleTimeout, Match: fwd.Match}
	if err := r2.sw.Send(999, fr); err != nil {
		t.Fatal(err)
	}
	r2.waitFor("flow ended", func() bool {
		ss.mu.Lock()
		defer ss.mu.Unlock()
		return len(ss.flows) == 0 && len(ss.closing) == 0
	})
	if act := r2.app.Active(7); act[before[0].BackendID] != 0 {
		t.Errorf("active after expiry: %v", act)
	}
}

// A packet-in that read the configuration just before a reload that kept
// the VIP's pool must count in the scheduler the new configuration uses:
// otherwise the connection limit and least-connections miss it.
func TestReloadKeepsCountsOfInFlightPicks(t *testing.T) {
	cfg := testConfig(LeastConnections)
	cfg.VIPs[0].ConnLimit = 1
	r := newRig(t, cfg, nil)
	locate(r)
	old := r.app.state.Load().vips[7]
	cfg2 := testConfig(LeastConnections)
	cfg2.VIPs[0].ConnLimit = 1
	if err := r.app.SetConfig(cfg2); err != nil {
		t.Fatal(err)
	}
	cur := r.app.state.Load().vips[7]
	if cur == old {
		t.Fatal("reload reused the vipState itself")
	}
	// The in-flight packet-in opens its flow on the old state.
	var f packet.Flow
	syn := tcpSegment(t, clientMAC, netip.MustParseAddr("10.0.0.1"), 40000, vipAddr, 80, packet.TCPSyn)
	if err := packet.NewParser().Parse(syn, &f); err != nil {
		t.Fatal(err)
	}
	ev := &controller.PacketIn{Switch: r.rigSwitch(), Msg: &openflow.PacketIn{BufferID: openflow.NoBuffer, Data: syn}, InPort: 1, Flow: f}
	r.app.vipPacket(r.app.switchState(0x10), old, ev)
	r.next("flow", flowOpened)
	if vi := r.app.VIPs(); vi[0].Active != 1 {
		t.Fatalf("VIP counts %d active flows, want 1", vi[0].Active)
	}
	// The limit of 1 is reached: the next client is refused.
	r.packetIn(1, tcpSegment(t, client2MAC, netip.MustParseAddr("10.0.0.2"), 40001, vipAddr, 80, packet.TCPSyn))
	r.waitFor("refusal", func() bool { return r.app.Counters().RefusedConnLimit.Load() == 1 })
}

// A flow dropped with its VIP whose deletion is never notified is reaped
// once, not once per entry.
func TestDroppedFlowReapedOnce(t *testing.T) {
	r := newRig(t, testConfig(RoundRobin), nil)
	locate(r)
	r.openFlow(netip.MustParseAddr("10.0.0.1"), 40000, 80, 2)
	if err := r.app.SetConfig(Config{}); err != nil {
		t.Fatal(err)
	}
	ss := r.app.switchState(0x10)
	r.app.reapClosing(ss, 0)
	ss.mu.Lock()
	nc := len(ss.closing)
	ss.mu.Unlock()
	if nc != 0 {
		t.Fatalf("%d closing entries after the reap", nc)
	}
	var closed uint64
	for _, s := range r.app.TrafficSamples() {
		closed += s.Traffic.Closed
	}
	if closed != 1 {
		t.Fatalf("reaped flow closed %d times", closed)
	}
}

// A reconciliation (after any reload, or a switch reconnecting) must keep
// the per-flow entries of a VIP with a hard timeout as they are: replacing
// each one costs a flow-mod per connection, which hardware takes at a few
// hundred per second.
func TestReconcileKeepsHardTimeoutEntries(t *testing.T) {
	var mu sync.Mutex
	clock := time.Now()
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	cfg := testConfig(RoundRobin)
	cfg.VIPs[0].HardTimeout = time.Minute
	app, ctrl, sw := startRig(t, cfg, nil, now, nil)
	r := &rig{t: t, app: app, ctrl: ctrl, sw: sw, xid: 100}
	locate(r)
	r.openFlow(netip.MustParseAddr("10.0.0.1"), 40000, 80, 2)
	mu.Lock()
	clock = clock.Add(10 * time.Second)
	mu.Unlock()
	if res := r.reconcile(); res.Replaced != 0 || res.Added != 0 || res.Deleted != 0 {
		t.Fatalf("reconcile 10s after the flow: %+v, want every entry kept", res)
	}
	// Past its hard timeout the flow is not wanted any more (the switch
	// removes it; a replay must not bring it back).
	mu.Lock()
	clock = clock.Add(time.Minute)
	mu.Unlock()
	for _, fm := range app.DesiredFlows(r.rigSwitch()) {
		if fm.Priority == PriorityFlow {
			t.Fatalf("expired flow still desired: %v", Cookie(fm.Cookie))
		}
	}
}

func TestDrainSurvivesReload(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
	}{
		{name: "same pool", change: func(*Config) {}},
		{name: "weight change", change: func(c *Config) { c.VIPs[0].Backends[1].Weight = 3 }},
		{name: "backend added", change: func(c *Config) {
			c.VIPs[0].Backends = append(c.VIPs[0].Backends, Backend{ID: 3, Addr: netip.MustParseAddr("10.0.0.13"), Port: 8080, Weight: 1})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, testConfig(RoundRobin), nil)
			locate(r)
			if err := r.app.SetDrained(7, 1, true); err != nil {
				t.Fatal(err)
			}
			cfg := testConfig(RoundRobin)
			tt.change(&cfg)
			if err := r.app.SetConfig(cfg); err != nil {
				t.Fatal(err)
			}
			for _, b := range r.app.VIPs()[0].Backends {
				if b.Drained != (b.ID == 1) {
					t.Errorf("backend %d drained=%v after the reload", b.ID, b.Drained)
				}
			}
			r.seen = len(r.sw.Received())
			for i := range 3 {
				r.packetIn(1, tcpSegment(t, clientMAC, netip.MustParseAddr("10.0.0.1"), uint16(41000+i), vipAddr, 80, packet.TCPSyn))
				got := r.next("flow entries", flowOpened)
				for _, m := range got {
					if fm, ok := m.(*openflow.FlowMod); ok && Cookie(fm.Cookie).Backend() == 1 {
						t.Fatalf("drained backend 1 got flow %d after the reload", i)
					}
				}
			}
		})
	}
}

// An operator's drain given while a reload is being applied is never lost.
func TestDrainDuringReload(t *testing.T) {
	app := New(Options{Logger: discardLogger()})
	cfgs := [2]Config{testConfig(RoundRobin), testConfig(RoundRobin)}
	cfgs[1].VIPs[0].Backends[1].Weight = 2 // a new pool each time
	if err := app.SetConfig(cfgs[0]); err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := app.SetConfig(cfgs[(i+1)%2]); err != nil {
				t.Error(err)
			}
		}()
		want := i%2 == 0
		if err := app.SetDrained(7, 1, want); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		if got := app.VIPs()[0].Backends[0].Drained; got != want {
			t.Fatalf("round %d: backend 1 drained=%v, want %v", i, got, want)
		}
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
