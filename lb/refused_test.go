package lb

import (
	"net/netip"
	"testing"
	"time"

	"github.com/oflb/oflb/openflow"
	"github.com/oflb/oflb/openflow/oftest"
	"github.com/oflb/oflb/openflow/packet"
)

// vipTraffic sums the statistics of every VIP.
func vipTraffic(app *App) Traffic {
	var t Traffic
	for _, v := range app.TrafficStats().VIPs {
		t.add(&v.Traffic)
	}
	return t
}

// expire makes the switch idle out a flow's forward entry, and waits until
// the app has ended the flow (left holding flows) and deleted its reverse
// entry (left 2*flows per-flow entries); later messages are the caller's.
func (r *rig) expire(fwd *openflow.FlowMod, flows int) {
	r.t.Helper()
	if n, err := r.sw.Expire(900, fwd.Cookie, &fwd.Match, openflow.FlowRemovedReasonIdleTimeout); n != 1 || err != nil {
		r.t.Fatalf("expire: %d entries, %v", n, err)
	}
	r.waitFor("the flow ended", func() bool { return len(r.app.Flows(0)) == flows })
	r.waitFor("its reverse entry deleted", func() bool { return len(perFlow(r.sw)) == 2*flows })
	r.seen = len(r.sw.Received())
}

// A switch whose table is full refuses a new flow's entries (with only the
// first 64 bytes of each refused flow-mod, as hardware does): the flow is
// dropped, not held as a phantom; the next new flows are refused at once
// while the table stays full; and a flow ending makes room again.
func TestTableFullDropsRefusedFlows(t *testing.T) {
	cfg := testConfig(LeastConnections)
	cfg.ReplyCatch = ReplyCatchOff
	// Default, ARP, unknown-port and VIP catch entries, and one flow.
	const static = 4
	r := newRigWith(t, cfg, func(o *oftest.Options) { o.FlowLimit = static + 2 })
	if n := len(r.sw.Flows()); n != static {
		t.Fatalf("%d static entries, want %d", n, static)
	}
	locate(r)
	client := netip.MustParseAddr("10.0.0.1")
	got := r.openFlow(client, 40000, 80, 2)
	first := ofType[*openflow.FlowMod](got)[1] // the forward entry

	// The second flow's two entries are refused; the first refusal (of
	// the reverse entry, sent first) deletes the forward one.
	r.packetIn(1, tcpSegment(t, clientMAC, client, 40001, vipAddr, 80, packet.TCPSyn))
	r.waitFor("two refused entries", func() bool { return r.app.Counters().EntriesRefused.Load() == 2 })
	r.waitFor("the partner delete", func() bool {
		n := 0
		for _, fm := range ofType[*openflow.FlowMod](r.sw.Received()) {
			if fm.Command == openflow.FlowDeleteStrict {
				n++
			}
		}
		return n == 1
	})
	r.waitFor("the refused flow dropped", func() bool { return len(r.app.Flows(0)) == 1 })
	if fl := r.app.Flows(0)[0]; fl.Client.Port() != 40000 {
		t.Fatalf("kept flow %+v, want the first", fl)
	}
	var active int
	for _, n := range r.app.Active(7) {
		active += n
	}
	if active != 1 {
		t.Fatalf("%d active flows counted by the scheduler, want 1: %v", active, r.app.Active(7))
	}
	r.waitFor("the refused flow's books closed", func() bool {
		tr := vipTraffic(r.app)
		return tr.Opened == 2 && tr.Closed == 1 && tr.Active == 1
	})
	if n := len(perFlow(r.sw)); n != 2 {
		t.Fatalf("%d per-flow entries on the switch, want 2", n)
	}

	// While the table is full, a new flow is refused at once: a RST from
	// the VIP, and no flow-mod.
	r.seen = len(r.sw.Received())
	r.packetIn(1, tcpSegment(t, clientMAC, client, 40002, vipAddr, 80, packet.TCPSyn))
	got = r.next("RST", func(ms []openflow.Message) bool { return countType[*openflow.PacketOut](ms) == 1 })
	var f packet.Flow
	if err := packet.NewParser().Parse(ofType[*openflow.PacketOut](got)[0].Data, &f); err != nil {
		t.Fatal(err)
	}
	if !f.TCPFlags.Has(packet.TCPRst) || f.Src != vipAddr || f.DstPort != 40002 {
		t.Fatalf("answer while the table is full: %v", f)
	}
	if n := countType[*openflow.FlowMod](got); n != 0 {
		t.Fatalf("%d flow-mods sent while the table is full", n)
	}
	if n := r.app.Counters().RefusedTableFull.Load(); n != 1 {
		t.Fatalf("table-full refusals %d, want 1", n)
	}

	// The first flow idles out: room for a new one, taken at once.
	r.expire(first, 0)
	r.openFlow(client, 40003, 80, 2)
	r.waitFor("the new flow held", func() bool { return len(r.app.Flows(0)) == 1 })
	if n := len(perFlow(r.sw)); n != 2 {
		t.Fatalf("%d per-flow entries after room was made, want 2", n)
	}
	if n := r.app.Counters().EntriesRefused.Load(); n != 2 {
		t.Fatalf("entries refused %d, want still 2", n)
	}
}

// Without a flow ending, the table-full backoff runs out on its own.
func TestTableFullBackoffExpires(t *testing.T) {
	var ss switchState
	now := time.Unix(1000, 0)
	clock := func() time.Time { return now }
	if ss.tableFull(clock) {
		t.Fatal("a new switch is full")
	}
	ss.tableFullUntil.Store(now.Add(tableFullBackoff).UnixNano())
	if !ss.tableFull(clock) {
		t.Fatal("not full right after TABLE_FULL")
	}
	now = now.Add(tableFullBackoff)
	if ss.tableFull(clock) {
		t.Fatal("still full after the backoff")
	}
}

// MaxFlowsPerSwitch caps the flows held on a switch: past it new flows are
// refused with no entry sent, and a flow ending makes room.
func TestMaxFlowsPerSwitch(t *testing.T) {
	cfg := testConfig(RoundRobin)
	cfg.MaxFlowsPerSwitch = 2
	r := newRig(t, cfg, nil)
	locate(r)
	client := netip.MustParseAddr("10.0.0.1")
	got := r.openFlow(client, 40000, 80, 2)
	first := ofType[*openflow.FlowMod](got)[1] // its forward entry
	r.openFlow(client, 40001, 80, 2)

	r.packetIn(1, tcpSegment(t, clientMAC, client, 40002, vipAddr, 80, packet.TCPSyn))
	got = r.next("RST", func(ms []openflow.Message) bool { return countType[*openflow.PacketOut](ms) == 1 })
	var f packet.Flow
	if err := packet.NewParser().Parse(ofType[*openflow.PacketOut](got)[0].Data, &f); err != nil {
		t.Fatal(err)
	}
	if !f.TCPFlags.Has(packet.TCPRst) || f.DstPort != 40002 || countType[*openflow.FlowMod](got) != 0 {
		t.Fatalf("third flow past the cap answered with %v and %d flow-mods", f, countType[*openflow.FlowMod](got))
	}
	if n := r.app.Counters().RefusedSwitchLimit.Load(); n != 1 {
		t.Fatalf("switch-limit refusals %d, want 1", n)
	}
	if n := len(r.app.Flows(0)); n != 2 {
		t.Fatalf("%d flows held, want 2", n)
	}

	r.expire(first, 1)
	r.openFlow(client, 40003, 80, 2)
	if n := len(r.app.Flows(0)); n != 2 {
		t.Fatalf("%d flows held after room was made, want 2", n)
	}
}
