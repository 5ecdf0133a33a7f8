package lb

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oflb/oflb/controller"
	"github.com/oflb/oflb/openflow"
	"github.com/oflb/oflb/openflow/oftest"
	"github.com/oflb/oflb/openflow/packet"
)

var (
	vipAddr    = netip.MustParseAddr("10.0.0.100")
	clientMAC  = openflow.MAC{0x02, 0, 0, 0, 0, 0x01}
	client2MAC = openflow.MAC{0x02, 0, 0, 0, 0, 0x02}
	web1       = netip.MustParseAddr("10.0.0.11")
	web2       = netip.MustParseAddr("10.0.0.12")
	web1MAC    = openflow.MAC{0x02, 0, 0, 0, 0, 0x11}
	web2MAC    = openflow.MAC{0x02, 0, 0, 0, 0, 0x12}
)

func testConfig(sched SchedulerKind) Config {
	return Config{VIPs: []VIP{{
		ID: 7, Tenant: "t", Name: "web", Addr: vipAddr, Port: 80, Proto: 6,
		Scheduler: sched, IdleTimeout: 30 * time.Second, TranslatePort: true,
		Backends: []Backend{
			{ID: 1, Name: "web1", Addr: web1, Port: 8080, Weight: 1},
			{ID: 2, Name: "web2", Addr: web2, Port: 8080, Weight: 1},
		},
	}}}
}

// rig is a controller with the app and one fake switch: port 1 faces the
// clients, ports 2 and 3 the backends web1 and web2.
type rig struct {
	t    *testing.T
	app  *App
	ctrl *controller.Controller
	sw   *oftest.Switch
	xid  uint32
	seen int // messages of sw already inspected
}

func newRig(t *testing.T, cfg Config, preload []openflow.FlowMod) *rig {
	t.Helper()
	app, ctrl, sw := startRig(t, cfg, preload, nil, nil)
	return &rig{t: t, app: app, ctrl: ctrl, sw: sw, xid: 100}
}

// newRigWith is newRig with the fake switch's options changed by tweak.
func newRigWith(t *testing.T, cfg Config, tweak func(*oftest.Options)) *rig {
	t.Helper()
	app, ctrl, sw := startRig(t, cfg, nil, nil, tweak)
	return &rig{t: t, app: app, ctrl: ctrl, sw: sw, xid: 100}
}

// startRig runs a controller with a fresh app on loopback and connects a
// fake switch (DPID 0x10; port 1 clients, 2 web1, 3 web2) whose table
// holds preload. It returns once the app has seen the switch come up. now
// injects a clock (nil: the real one); tweak, if set, changes the fake
// switch's options. Everything stops with the test.
func startRig(t testing.TB, cfg Config, preload []openflow.FlowMod, now func() time.Time, tweak func(*oftest.Options)) (*App, *controller.Controller, *oftest.Switch) {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	app := New(Options{Owner: 3, Logger: logger, ARPInterval: time.Hour, Now: now})
	if err := app.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	owner, mask := app.OwnerCookie()
	ctrl := controller.New(&controller.Config{Logger: logger, OwnerCookie: owner, OwnerCookieMask: mask, RequestTimeout: time.Minute}, app)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); ctrl.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); wg.Wait() })
	opts := oftest.Options{DPID: 0x10, Preload: preload, Ports: []openflow.Port{
		{PortNo: 1, Name: "clients"}, {PortNo: 2, Name: "web1"}, {PortNo: 3, Name: "web2"}}}
	if tweak != nil {
		tweak(&opts)
	}
	sw, err := oftest.Dial(ctx, ln.Addr().String(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sw.Close() })
	// A large preload is dumped and adopted before the switch is up.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if ss, ok := app.switches.Load(uint64(0x10)); ok && ss.(*switchState).sw.Load() != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting for the switch to come up")
		}
		time.Sleep(2 * time.Millisecond)
	}
	return app, ctrl, sw
}

func (r *rig) waitFor(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// next waits for the switch to receive messages matching cond after the
// ones already seen, and returns them.
func (r *rig) next(what string, cond func([]openflow.Message) bool) []openflow.Message {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msgs, err := r.sw.WaitFor(ctx, func(ms []openflow.Message) bool { return cond(ms[r.seen:]) })
	if err != nil {
		r.t.Fatalf("waiting for %s: %v; got %v", what, err, msgs[r.seen:])
	}
	got := msgs[r.seen:]
	r.seen = len(msgs)
	return got
}

func (r *rig) packetIn(inPort uint32, frame []byte) {
	r.t.Helper()
	r.xid++
	if err := r.sw.SendPacketIn(r.xid, inPort, frame); err != nil {
		r.t.Fatal(err)
	}
}

func arpReply(t *testing.T, mac openflow.MAC, ip netip.Addr) []byte {
	b, err := packet.AppendARPReply(nil, mac, ip, openflow.MAC{0x02, 0x0f, 0x1b, 0, 0, 7}, vipAddr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func tcpSegment(t *testing.T, srcMAC openflow.MAC, src netip.Addr, sport uint16, dst netip.Addr, dport uint16, flags packet.TCPFlags) []byte {
	b, err := packet.AppendTCP(nil, packet.Ethernet{Src: srcMAC, Dst: DerivedMACForTest(vipAddr)},
		packet.IPHeader{Src: src, Dst: dst}, packet.TCPHeader{SrcPort: sport, DstPort: dport, Flags: flags, Seq: 1000}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// DerivedMACForTest is any MAC: the switch, not the app, checks it.
func DerivedMACForTest(netip.Addr) openflow.MAC { return openflow.MAC{0x02, 0x0f, 0x1b, 0, 0, 7} }

// ofType keeps the messages of type T, in order: the tests find entries by
// type because a packet-out may be written before or after its flow-mods
// reach the switch's reader.
func ofType[T openflow.Message](ms []openflow.Message) []T {
	var out []T
	for _, m := range ms {
		if v, ok := m.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// flowOpened is the condition of a new TCP flow: its two entries and the
// packet-out of its first packet (ARP requests the app sends on its own,
// from the controller port, do not count).
func flowOpened(ms []openflow.Message) bool {
	forwarded := 0
	for _, po := range ofType[*openflow.PacketOut](ms) {
		if po.InPort != openflow.PortController {
			forwarded++
		}
	}
	return countType[*openflow.FlowMod](ms) == 2 && forwarded == 1
}

func countType[T openflow.Message](ms []openflow.Message) (n int) {
	for _, m := range ms {
		if _, ok := m.(T); ok {
			n++
		}
	}
	return n
}

func perFlow(sw *oftest.Switch) []oftest.Entry {
	var out []oftest.Entry
	for _, e := range sw.Flows() {
		if e.Priority == PriorityFlow {
			out = append(out, e)
		}
	}
	return out
}

func actionsOf(e oftest.Entry) string {
	return openflow.InstructionsString(e.Instructions)
}

func TestStaticEntriesAndARP(t *testing.T) {
	r := newRig(t, testConfig(RoundRobin), nil)
	var kinds []string
	for _, e := range r.sw.Flows() {
		kinds = append(kinds, Cookie(e.Cookie).Kind().String()+"@"+e.Match.String())
	}
	want := []string{
		"static@", "arp@arp,arp_tpa=10.0.0.100", "unknown-port@ip,nw_dst=10.0.0.100", "vip@tcp,nw_dst=10.0.0.100,tp_dst=80",
	}
	for _, w := range want {
		found := false
		for _, k := range kinds {
			found = found || k == w
		}
		if !found {
			t.Errorf("static entry %q missing; have %q", w, kinds)
		}
	}
	// The app resolves both backends from the VIP's address.
	r.next("ARP requests for the backends", func(ms []openflow.Message) bool { return countType[*openflow.PacketOut](ms) >= 2 })

	// A client asks for the VIP's MAC and gets the answer out of its port.
	req, _ := packet.AppendARPRequest(nil, clientMAC, netip.MustParseAddr("10.0.0.1"), vipAddr)
	r.packetIn(1, req)
	got := r.next("ARP reply", func(ms []openflow.Message) bool { return countType[*openflow.PacketOut](ms) == 1 })
	po := got[len(got)-1].(*openflow.PacketOut)
	var f packet.Flow
	if err := packet.NewParser().Parse(po.Data, &f); err != nil || f.ARPOp != packet.ARPReply || f.ARPSenderIP != vipAddr || f.ARPTargetMAC != clientMAC {
		t.Fatalf("ARP answer %v (err %v)", f, err)
	}
	if po.InPort != 1 || openflow.ActionsString(po.Actions) != "IN_PORT" && openflow.ActionsString(po.Actions) != "in_port" {
		t.Fatalf("ARP answer sent in_port=%d actions %s", po.InPort, openflow.ActionsString(po.Actions))
	}
}

func locate(r *rig) {
	// The ARP requests of SwitchUp may still be on their way: let them
	// arrive first, so that the caller's next messages are its own.
	r.waitFor("initial ARP requests", func() bool {
		ts := arpTargets(r.sw.Received())
		return slices.Contains(ts, web1) && slices.Contains(ts, web2)
	})
	r.packetIn(2, arpReply(r.t, web1MAC, web1))
	r.packetIn(3, arpReply(r.t, web2MAC, web2))
	r.waitFor("backends located", func() bool {
		for _, v := range r.app.VIPs() {
			for _, b := range v.Backends {
				if len(b.Located) == 0 {
					return false
				}
			}
		}
		return true
	})
	r.seen = len(r.sw.Received())
}

func TestNewFlowInstallsNAT(t *testing.T) {
	r := newRig(t, testConfig(RoundRobin), nil)
	locate(r)
	client := netip.MustParseAddr("10.0.0.1")
	syn := tcpSegment(t, clientMAC, client, 40000, vipAddr, 80, packet.TCPSyn)
	r.packetIn(1, syn)
	got := r.next("two flow-mods and a packet-out", func(ms []openflow.Message) bool {
		return countType[*openflow.FlowMod](ms) == 2 && countType[*openflow.PacketOut](ms) == 1
	})
	// Reverse entry first, then forward, then the first packet (other
	// packet-outs, such as late ARP requests, may be interleaved).
	var fms []*openflow.FlowMod
	var pos []*openflow.PacketOut
	for _, m := range got {
		switch m := m.(type) {
		case *openflow.FlowMod:
			fms = append(fms, m)
		case *openflow.PacketOut:
			if len(fms) == 2 {
				pos = append(pos, m)
			}
		}
	}
	if len(fms) != 2 || len(pos) == 0 {
		t.Fatalf("got %v, want two flow-mods then a packet-out", got)
	}
	rev, fwd := fms[0], fms[1]
	if Cookie(rev.Cookie).Kind() != KindReverse || Cookie(fwd.Cookie).Kind() != KindForward {
		t.Fatalf("order: %v then %v", Cookie(rev.Cookie), Cookie(fwd.Cookie))
	}
	backend := Cookie(fwd.Cookie).Backend()
	bAddr, bMAC, bPort := web1, web1MAC, uint32(2)
	if backend == 2 {
		bAddr, bMAC, bPort = web2, web2MAC, 3
	}
	wantFwdMatch := "tcp,in_port=1,nw_src=10.0.0.1,nw_dst=10.0.0.100,tp_src=40000,tp_dst=80"
	if fwd.Match.String() != wantFwdMatch {
		t.Errorf("forward match %s, want %s", fwd.Match.String(), wantFwdMatch)
	}
	wantFwd := "set_field:" + bMAC.String() + "->eth_dst,set_field:" + bAddr.String() + "->ip_dst,set_field:8080->tcp_dst,output:" + itoa(bPort)
	if a := openflow.InstructionsString(fwd.Instructions); !strings.Contains(a, wantFwd) {
		t.Errorf("forward actions %s, want %s", a, wantFwd)
	}
	wantRev := "set_field:02:0f:1b:00:00:07->eth_src,set_field:" + clientMAC.String() + "->eth_dst,set_field:10.0.0.100->ip_src,set_field:80->tcp_src,output:1"
	if a := openflow.InstructionsString(rev.Instructions); !strings.Contains(a, wantRev) {
		t.Errorf("reverse actions %s, want %s", a, wantRev)
	}
	if fwd.IdleTimeout != 30 || fwd.Flags&openflow.FlowSendFlowRem == 0 || fwd.Priority != PriorityFlow {
		t.Errorf("forward entry idle=%d flags=%v prio=%d", fwd.IdleTimeout, fwd.Flags, fwd.Priority)
	}
	po := pos[0]
	if openflow.ActionsString(po.Actions) != wantFwd || len(po.Data) != len(syn) {
		t.Errorf("first packet out with %s (%d bytes)", openflow.ActionsString(po.Actions), len(po.Data))
	}
	if n := len(perFlow(r.sw)); n != 2 {
		t.Fatalf("%d per-flow entries on the switch, want 2", n)
	}

	// The same flow again before the entries took: packet-out only, same backend.
	r.packetIn(1, syn)
	got = r.next("repeat packet-out", func(ms []openflow.Message) bool { return countType[*openflow.PacketOut](ms) == 1 })
	if countType[*openflow.FlowMod](got) != 0 {
		t.Fatalf("repeat of a known flow sent flow-mods: %v", got)
	}
	if a := openflow.ActionsString(ofType[*openflow.PacketOut](got)[0].Actions); a != wantFwd {
		t.Fatalf("repeat sent with %s, want the same decision %s", a, wantFwd)
	}
	// The counter moves right after the packet-out is queued.
	r.waitFor("one repeat counted", func() bool { return r.app.Counters().Repeats.Load() == 1 })

	// Round robin: the next client goes to the other backend.
	r.packetIn(1, tcpSegment(t, client2MAC, netip.MustParseAddr("10.0.0.2"), 40001, vipAddr, 80, packet.TCPSyn))
	got = r.next("second flow", flowOpened)
	if b2 := Cookie(ofType[*openflow.FlowMod](got)[1].Cookie).Backend(); b2 == backend {
		t.Fatalf("round robin picked backend %d twice", b2)
	}
	if n := len(r.app.Flows(0)); n != 2 {
		t.Fatalf("app holds %d flows, want 2", n)
	}
	// Installed flows count as opened at once: the statistics need no poll
	// to agree with the app's own active count.
	r.waitFor("two flows opened in the statistics", func() bool {
		var tr Traffic
		for _, v := range r.app.TrafficStats().VIPs {
			tr.add(&v.Traffic)
		}
		return tr.Opened == 2 && tr.Active == 2
	})

	// The switch removes the forward entry (idle timeout): the app deletes
	// the reverse one and forgets the flow.
	fr := &openflow.FlowRemoved{Cookie: fwd.Cookie, Priority: PriorityFlow, Reason: openflow.FlowRemovedReasonIdleTimeout,
		IdleTimeout: 30, PacketCount: 5, ByteCount: 500, Match: fwd.Match}
	if err := r.sw.Send(999, fr); err != nil {
		t.Fatal(err)
	}
	got = r.next("partner delete", func(ms []openflow.Message) bool { return countType[*openflow.FlowMod](ms) == 1 })
	del := ofType[*openflow.FlowMod](got)[0]
	if del.Command != openflow.FlowDeleteStrict || Cookie(del.Cookie).Kind() != KindReverse || del.Match.String() != rev.Match.String() {
		t.Fatalf("partner delete %v cookie %v match %s", del.Command, Cookie(del.Cookie), del.Match.String())
	}
	r.waitFor("flow forgotten", func() bool { return len(r.app.Flows(0)) == 1 })
	if act := r.app.Active(7); act[backend] != 0 {
		t.Fatalf("backend %d still counts %d active flows", backend, act[backend])
	}
}

func itoa(v uint32) string { return strconv.FormatUint(uint64(v), 10) }

func TestRefusals(t *testing.T) {
	r := newRig(t, testConfig(RoundRobin), nil)
	r.next("initial ARP", func(ms []openflow.Message) bool { return countType[*openflow.PacketOut](ms) >= 2 })

	// No backend located yet: the first packet is dropped (the client will
	// retransmit once ARP, already asked for, has found the backends).
	r.packetIn(1, tcpSegment(t, clientMAC, netip.MustParseAddr("10.0.0.1"), 40000, vipAddr, 80, packet.TCPSyn))
	r.waitFor("no-backend refusal", func() bool { return r.app.Counters().RefusedNoBackend.Load() == 1 })
	if n := countType[*openflow.FlowMod](r.sw.Received()[r.seen:]); n != 0 {
		t.Fatalf("%d flow-mods with no located backend", n)
	}
	r.seen = len(r.sw.Received())
	var got []openflow.Message

	// An unserved port of the VIP: TCP gets a RST from the VIP.
	r.packetIn(1, tcpSegment(t, clientMAC, netip.MustParseAddr("10.0.0.1"), 40002, vipAddr, 81, packet.TCPSyn))
	got = r.next("RST", func(ms []openflow.Message) bool { return countType[*openflow.PacketOut](ms) == 1 })
	var f packet.Flow
	if err := packet.NewParser().Parse(ofType[*openflow.PacketOut](got)[0].Data, &f); err != nil {
		t.Fatal(err)
	}
	if !f.TCPFlags.Has(packet.TCPRst) || f.Src != vipAddr || f.SrcPort != 81 || f.DstPort != 40002 {
		t.Fatalf("answer to unknown port: %v", f)
	}

	// Drained backends take no new flows.
	locate(r)
	if err := r.app.SetDrained(7, 1, true); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		r.packetIn(1, tcpSegment(t, clientMAC, netip.MustParseAddr("10.0.0.1"), uint16(41000+i), vipAddr, 80, packet.TCPSyn))
		got = r.next("flow", flowOpened)
		if b := Cookie(ofType[*openflow.FlowMod](got)[1].Cookie).Backend(); b != 2 {
			t.Fatalf("drained backend 1 got flow %d", i)
		}
	}
	if err := r.app.SetDrained(7, 99, true); err == nil {
		t.Fatal("draining an unknown backend succeeded")
	}
}

// decisionsOf returns VIP 7's scheduler decisions by backend id.
func decisionsOf(app *App) map[uint16]uint64 {
	out := map[uint16]uint64{}
	for _, v := range app.VIPs() {
		if v.ID == 7 {
			for _, b := range v.Backends {
				out[b.ID] = b.Decisions
			}
		}
	}
	return out
}

func TestSchedulerDecisionsCounted(t *testing.T) {
	r := newRig(t, testConfig(RoundRobin), nil)
	locate(r)
	client := netip.MustParseAddr("10.0.0.1")
	for i := range 4 {
		r.openFlow(client, uint16(40000+i), 80, 2)
	}
	// A repeat of a known flow is no new decision.
	r.packetIn(1, tcpSegment(t, clientMAC, client, 40000, vipAddr, 80, packet.TCPSyn))
	r.waitFor("the repeat", func() bool { return r.app.Counters().Repeats.Load() == 1 })
	if got, want := decisionsOf(r.app), map[uint16]uint64{1: 2, 2: 2}; !maps.Equal(got, want) {
		t.Fatalf("decisions %v, want %v", got, want)
	}
	// A reload that adds a backend keeps the counts of the others.
	cfg := testConfig(RoundRobin)
	cfg.VIPs[0].Backends = append(cfg.VIPs[0].Backends, Backend{ID: 3, Name: "web3", Addr: netip.MustParseAddr("10.0.0.13"), Port: 8080, Weight: 1})
	if err := r.app.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if got, want := decisionsOf(r.app), map[uint16]uint64{1: 2, 2: 2, 3: 0}; !maps.Equal(got, want) {
		t.Fatalf("decisions after the reload %v, want %v", got, want)
	}
}

func TestAdoptAfterRestart(t *testing.T) {
	// A first controller installs a flow...
	r := newRig(t, testConfig(LeastConnections), nil)
	locate(r)
	r.packetIn(1, tcpSegment(t, clientMAC, netip.MustParseAddr("10.0.0.1"), 40000, vipAddr, 80, packet.TCPSyn))
	r.next("flow", flowOpened)
	before := r.app.Flows(0)
	var entries []openflow.FlowMod
	for _, e := range perFlow(r.sw) {
		entries = append(entries, e.FlowMod)
	}
	// ...and a new controller, with an app that knows nothing, finds the
	// entries on the switch and adopts them.
	r2 := newRig(t, testConfig(LeastConnections), entries)
	after := r2.app.Flows(0)
	if len(after) != 1 || after[0].Client != before[0].Client || after[0].Backend != before[0].Backend || after[0].VIP != before[0].VIP {
		t.Fatalf("adopted %+v, want %+v", after, before)
	}
	if n := len(perFlow(r2.sw)); n != 2 {
		t.Fatalf("%d per-flow entries after adoption, want 2 (none deleted)", n)
	}
	act := r2.app.Active(7)
	if act[before[0].BackendID] != 1 {
		t.Fatalf("adopted flow not counted: %v", act)
	}
	// Least connections now avoids the busy backend.
	locate(r2)
	r2.packetIn(1, tcpSegment(t, client2MAC, netip.MustParseAddr("10.0.0.2"), 40001, vipAddr, 80, packet.TCPSyn))
	got := r2.next("flow", flowOpened)
	if b := Cookie(ofType[*openflow.FlowMod](got)[1].Cookie).Backend(); b == before[0].BackendID {
		t.Fatalf("least connections picked the busy backend %d", b)
	}
}

// arpTargets returns the targets of the ARP requests among msgs.
func arpTargets(msgs []openflow.Message) []netip.Addr {
	var out []netip.Addr
	p := packet.NewParser()
	for _, m := range msgs {
		po, ok := m.(*openflow.PacketOut)
		if !ok {
			continue
		}
		var f packet.Flow
		if p.Parse(po.Data, &f) == nil && f.ARPOp == packet.ARPRequest {
			out = append(out, f.ARPTargetIP)
		}
	}
	return out
}

func TestBackendAddedByReloadIsLocatedAtOnce(t *testing.T) {
	r := newRig(t, testConfig(RoundRobin), nil)
	locate(r)
	web3 := netip.MustParseAddr("10.0.0.13")
	cfg := testConfig(RoundRobin)
	cfg.VIPs[0].Backends = append(cfg.VIPs[0].Backends, Backend{ID: 3, Addr: web3, Port: 8080, Weight: 1})
	if err := r.app.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	got := r.next("ARP for the new backend", func(ms []openflow.Message) bool { return slices.Contains(arpTargets(ms), web3) })
	if targets := arpTargets(got); len(targets) != 1 {
		t.Fatalf("reload asked for %v, want only the new backend %v", targets, web3)
	}
	// Unanswered, it is asked for again soon (not after the hour-long
	// ARP interval), while located backends are left alone.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.app.Run(ctx) }()
	defer func() { cancel(); <-done }()
	got = r.next("ARP retry", func(ms []openflow.Message) bool { return slices.Contains(arpTargets(ms), web3) })
	for _, a := range arpTargets(got) {
		if a != web3 {
			t.Fatalf("retry also asked for located backend %v", a)
		}
	}
}

func TestLearnedMACsAreForgotten(t *testing.T) {
	now := time.Unix(1000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	app := New(Options{Owner: 3, Now: clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ss := app.switchState(1)
	for i := range 100 {
		ss.macs[openflow.MAC{2, 0, 0, 0, 1, byte(i)}] = macLoc{port: 1, seen: now}
	}
	ss.macs[openflow.MAC{2, 0, 0, 0, 2, 0}] = macLoc{port: 2, seen: now.Add(learnedIdle * time.Second)}
	mu.Lock()
	now = now.Add(learnedIdle*time.Second + time.Second)
	mu.Unlock()
	app.forgetMACs(ss)
	if len(ss.macs) != 1 {
		t.Fatalf("%d MACs left, want only the one seen recently", len(ss.macs))
	}
}

func TestMidstreamSegments(t *testing.T) {
	for _, tt := range []struct {
		name    string
		sched   SchedulerKind
		flags   packet.TCPFlags
		newFlow bool
	}{
		{"SYN opens a flow", RoundRobin, packet.TCPSyn, true},
		{"late ACK gets a RST", RoundRobin, packet.TCPAck, false},
		{"late FIN gets a RST", LeastConnections, packet.TCPFin | packet.TCPAck, false},
		{"SYN-ACK is not an opening", RoundRobin, packet.TCPSyn | packet.TCPAck, false},
		{"consistent hash re-creates the flow", ConsistentHash, packet.TCPAck, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, testConfig(tt.sched), nil)
			locate(r)
			r.packetIn(1, tcpSegment(t, clientMAC, netip.MustParseAddr("10.0.0.1"), 40000, vipAddr, 80, tt.flags))
			// The answer is the packet-out of a TCP segment: the first
			// packet sent on, or a RST (ARP requests may come too).
			var answer packet.Flow
			tcpOut := func(ms []openflow.Message) bool {
				p := packet.NewParser()
				for _, m := range ms {
					if po, ok := m.(*openflow.PacketOut); ok && p.Parse(po.Data, &answer) == nil && answer.IPProto == packet.IPProtoTCP {
						return true
					}
				}
				return false
			}
			got := r.next("an answer", tcpOut)
			if n := countType[*openflow.FlowMod](got); (n == 2) != tt.newFlow {
				t.Fatalf("%d flow-mods for %v, want a new flow: %v", n, tt.flags, tt.newFlow)
			}
			if tt.newFlow {
				return
			}
			if !answer.TCPFlags.Has(packet.TCPRst) || answer.Src != vipAddr {
				t.Fatalf("answer %v, want a RST from the VIP", answer)
			}
			if r.app.Counters().RefusedMidstream.Load() != 1 || len(r.app.Flows(0)) != 0 {
				t.Fatalf("midstream refusals %d, flows %d", r.app.Counters().RefusedMidstream.Load(), len(r.app.Flows(0)))
			}
		})
	}
}
