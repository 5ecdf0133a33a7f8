package lb

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/oflb/oflb/openflow"
	"github.com/oflb/oflb/openflow/packet"
)

var (
	ovsDesc  = openflow.Desc{MfrDesc: "Nicira, Inc.", HWDesc: "Open vSwitch", SWDesc: "3.1.0"}
	asicDesc = openflow.Desc{MfrDesc: "Acme Networks", HWDesc: "AX-4800", SWDesc: "7.2"}
)

// replyCatchEntries returns the reply-catch entries the app wants on a
// switch with the given description, as "priority match -> actions".
func replyCatchEntries(t *testing.T, cfg Config, desc openflow.Desc) []string {
	t.Helper()
	app := New(Options{Owner: 3, Logger: discardLogger()})
	if err := app.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, fm := range app.staticFlows(app.state.Load(), desc) {
		c := Cookie(fm.Cookie)
		if c.Kind() != KindReplyCatch {
			continue
		}
		if c.Owner() != 3 {
			t.Errorf("reply catch with owner %d", c.Owner())
		}
		out = append(out, itoa(uint32(fm.Priority))+" "+fm.Match.String()+" -> "+openflow.InstructionsString(fm.Instructions)+
			" vip="+itoa(uint32(c.VIP()))+" backend="+itoa(uint32(c.Backend())))
	}
	slices.Sort(out)
	return out
}

func TestReplyCatchEntries(t *testing.T) {
	both := []string{
		"50 tcp,nw_src=10.0.0.11,tp_src=8080 -> CONTROLLER:65535 vip=7 backend=1",
		"50 tcp,nw_src=10.0.0.12,tp_src=8080 -> CONTROLLER:65535 vip=7 backend=2",
	}
	tests := []struct {
		name   string
		change func(*Config)
		desc   openflow.Desc
		want   []string
	}{
		{name: "auto: a hardware switch gets them", desc: asicDesc, want: both},
		{name: "auto: Open vSwitch does not", desc: ovsDesc},
		{name: "on: Open vSwitch too", change: func(c *Config) { c.ReplyCatch = ReplyCatchOn }, desc: ovsDesc, want: both},
		{name: "off", change: func(c *Config) { c.ReplyCatch = ReplyCatchOff }, desc: asicDesc},
		{name: "direct server return: no reverse entry to race", desc: asicDesc, change: func(c *Config) {
			c.VIPs[0].DirectServerReturn, c.VIPs[0].TranslatePort = true, false
		}},
		{name: "no port translation: the VIP's port", desc: asicDesc, change: func(c *Config) { c.VIPs[0].TranslatePort = false },
			want: []string{
				"50 tcp,nw_src=10.0.0.11,tp_src=80 -> CONTROLLER:65535 vip=7 backend=1",
				"50 tcp,nw_src=10.0.0.12,tp_src=80 -> CONTROLLER:65535 vip=7 backend=2",
			}},
		{name: "wildcard port: any source port", desc: asicDesc, change: func(c *Config) {
			c.VIPs[0].Port, c.VIPs[0].TranslatePort = 0, false
			c.VIPs[0].Backends = c.VIPs[0].Backends[:1]
		}, want: []string{"50 tcp,nw_src=10.0.0.11 -> CONTROLLER:65535 vip=7 backend=1"}},
		{name: "udp", desc: asicDesc, change: func(c *Config) { c.VIPs[0].Proto = 17 }, want: []string{
			"50 udp,nw_src=10.0.0.11,tp_src=8080 -> CONTROLLER:65535 vip=7 backend=1",
			"50 udp,nw_src=10.0.0.12,tp_src=8080 -> CONTROLLER:65535 vip=7 backend=2",
		}},
		{name: "a service shared by two VIPs: one entry", desc: asicDesc, change: func(c *Config) {
			other := c.VIPs[0]
			other.ID, other.Name, other.Addr = 9, "web-b", netip.MustParseAddr("10.0.0.101")
			c.VIPs = append(c.VIPs, other)
		}, want: both},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(RoundRobin)
			if tt.change != nil {
				tt.change(&cfg)
			}
			got := replyCatchEntries(t, cfg, tt.desc)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// sendCaught makes the rig's switch send a packet as the reply catch of
// the VIP's backend would: an action packet-in with the entry's cookie.
func (r *rig) sendCaught(backend uint16, inPort uint32, frame []byte) {
	r.t.Helper()
	r.xid++
	pi := &openflow.PacketIn{BufferID: openflow.NoBuffer, TotalLen: uint16(len(frame)), Reason: openflow.PacketInReasonAction,
		Cookie: uint64(MakeCookie(3, KindReplyCatch, 7, backend)), Data: frame}
	pi.Match.SetInPort(inPort)
	if err := r.sw.Send(r.xid, pi); err != nil {
		r.t.Fatal(err)
	}
}

// A reply that beats its reverse entry reaches the controller through the
// catch and leaves un-NATed, exactly as the reverse entry would send it;
// anything else the catch takes is passed on as non-VIP traffic.
func TestReplyCatchAnswersPendingFlow(t *testing.T) {
	r := newRig(t, testConfig(RoundRobin), nil) // the fake switch is no Open vSwitch: auto catches
	var catches []string
	for _, e := range r.sw.Flows() {
		if e.Priority == PriorityReplyCatch && Cookie(e.Cookie).Kind() == KindReplyCatch {
			catches = append(catches, e.Match.String())
		}
	}
	slices.Sort(catches)
	if want := []string{"tcp,nw_src=10.0.0.11,tp_src=8080", "tcp,nw_src=10.0.0.12,tp_src=8080"}; !slices.Equal(catches, want) {
		t.Fatalf("reply catches on the switch %v, want %v", catches, want)
	}

	locate(r)
	client := netip.MustParseAddr("10.0.0.1")
	got := r.openFlow(client, 40000, 80, 2)
	rev := ofType[*openflow.FlowMod](got)[0]
	if Cookie(rev.Cookie).Kind() != KindReverse {
		t.Fatalf("first entry %v, want the reverse one", Cookie(rev.Cookie))
	}
	backend := Cookie(rev.Cookie).Backend()
	bAddr, bMAC, bPort := web1, web1MAC, uint32(2)
	if backend == 2 {
		bAddr, bMAC, bPort = web2, web2MAC, 3
	}

	// The SYN-ACK arrives through the catch: sent on with the reverse
	// entry's rewrite, out of the client's port.
	synAck := tcpSegment(t, bMAC, bAddr, 8080, client, 40000, packet.TCPSyn|packet.TCPAck)
	r.sendCaught(backend, bPort, synAck)
	got = r.next("un-NATed reply", func(ms []openflow.Message) bool { return countType[*openflow.PacketOut](ms) == 1 })
	po := ofType[*openflow.PacketOut](got)[0]
	wantActs := "set_field:02:0f:1b:00:00:07->eth_src,set_field:02:00:00:00:00:01->eth_dst,set_field:10.0.0.100->ip_src,set_field:80->tcp_src,output:1"
	if a := openflow.ActionsString(po.Actions); a != wantActs || po.InPort != bPort || len(po.Data) != len(synAck) {
		t.Fatalf("caught reply sent with %s in_port %d (%d bytes), want %s in_port %d", a, po.InPort, len(po.Data), wantActs, bPort)
	}
	if !strings.Contains(openflow.InstructionsString(rev.Instructions), wantActs) {
		t.Fatalf("the controller's rewrite %s differs from the reverse entry's %s", wantActs, openflow.InstructionsString(rev.Instructions))
	}
	if n := countType[*openflow.FlowMod](got); n != 0 {
		t.Fatalf("a caught reply sent %d flow-mods", n)
	}
	if c := r.app.Counters(); c.RepliesCaught.Load() != 1 || c.RepliesPassed.Load() != 0 {
		t.Fatalf("caught %d, passed %d; want 1, 0", c.RepliesCaught.Load(), c.RepliesPassed.Load())
	}

	// The backend answering a client that reached it directly: no flow,
	// so the packet goes on as the default entry would send it (NORMAL).
	direct := tcpSegment(t, bMAC, bAddr, 8080, netip.MustParseAddr("10.0.0.9"), 5555, packet.TCPSyn|packet.TCPAck)
	r.sendCaught(backend, bPort, direct)
	got = r.next("passed on", func(ms []openflow.Message) bool { return countType[*openflow.PacketOut](ms) == 1 })
	po = ofType[*openflow.PacketOut](got)[0]
	if a := openflow.ActionsString(po.Actions); a != "NORMAL" || po.InPort != bPort {
		t.Fatalf("direct traffic passed on with %s in_port %d, want NORMAL in_port %d", a, po.InPort, bPort)
	}
	if c := r.app.Counters(); c.RepliesPassed.Load() != 1 || c.RepliesCaught.Load() != 1 {
		t.Fatalf("caught %d, passed %d; want 1, 1", c.RepliesCaught.Load(), c.RepliesPassed.Load())
	}
}

// In learning mode what the catch passes on goes through the learning
// switch (flooded while the destination is unknown).
func TestReplyCatchPassesOnInLearningMode(t *testing.T) {
	cfg := testConfig(RoundRobin)
	cfg.Forwarding = ForwardLearning
	r := newRig(t, cfg, nil)
	// Let the ARP requests of SwitchUp arrive first.
	r.waitFor("initial ARP requests", func() bool {
		ts := arpTargets(r.sw.Received())
		return slices.Contains(ts, web1) && slices.Contains(ts, web2)
	})
	r.seen = len(r.sw.Received())
	direct := tcpSegment(t, web1MAC, web1, 8080, netip.MustParseAddr("10.0.0.9"), 5555, packet.TCPSyn|packet.TCPAck)
	r.sendCaught(1, 2, direct)
	got := r.next("flooded", func(ms []openflow.Message) bool { return countType[*openflow.PacketOut](ms) == 1 })
	po := ofType[*openflow.PacketOut](got)[0]
	if a := openflow.ActionsString(po.Actions); a != "FLOOD" || po.InPort != 2 {
		t.Fatalf("passed on with %s in_port %d, want FLOOD in_port 2", a, po.InPort)
	}
	if n := r.app.Counters().RepliesPassed.Load(); n != 1 {
		t.Fatalf("passed %d, want 1", n)
	}
}

// The catches follow the pools: a reload that adds and removes backends
// adds and deletes their catches on the switch.
func TestReplyCatchFollowsReload(t *testing.T) {
	r := newRig(t, testConfig(RoundRobin), nil)
	catches := func() []string {
		var out []string
		for _, e := range r.sw.Flows() {
			if Cookie(e.Cookie).Kind() == KindReplyCatch {
				out = append(out, e.Match.String())
			}
		}
		slices.Sort(out)
		return out
	}
	cfg := testConfig(RoundRobin)
	cfg.VIPs[0].Backends = []Backend{cfg.VIPs[0].Backends[0], {ID: 3, Name: "web3", Addr: netip.MustParseAddr("10.0.0.13"), Port: 8080, Weight: 1}}
	if err := r.app.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if res := r.reconcile(); res.Added != 1 || res.Deleted != 1 {
		t.Errorf("reconcile added %d, deleted %d; want 1 and 1", res.Added, res.Deleted)
	}
	if got, want := catches(), []string{"tcp,nw_src=10.0.0.11,tp_src=8080", "tcp,nw_src=10.0.0.13,tp_src=8080"}; !slices.Equal(got, want) {
		t.Fatalf("catches after the reload %v, want %v", got, want)
	}
	cfg.ReplyCatch = ReplyCatchOff
	if err := r.app.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	r.reconcile()
	if got := catches(); len(got) != 0 {
		t.Fatalf("catches with reply_catch off: %v", got)
	}
}
