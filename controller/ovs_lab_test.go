package controller_test

// Helpers of the integration tests against real Open vSwitch
// (ovs_integration_test.go): a controller on a loopback port whose
// connections are tapped to count the OpenFlow messages each way, a test
// application that holds desired entries and adopts per-flow ones, and
// comparison of flow tables as ovs-ofctl prints them.

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oflb/oflb/controller"
	"github.com/oflb/oflb/openflow"
	ovslab "github.com/oflb/oflb/ovs-lab"
)

// Cookie layout of the test application:
//
//	 63            48 47     40 39                                  0
//	+----------------+---------+------------------------------------+
//	|  owner 0x0f1b  |  kind   |                 id                 |
//	+----------------+---------+------------------------------------+
const (
	ownerCookie     = uint64(0x0f1b) << 48
	ownerCookieMask = uint64(0xffff) << 48
	kindStatic      = uint64(1) << 40
	kindPerFlow     = uint64(2) << 40
	kindMask        = uint64(0xff) << 40
	foreignCookie   = uint64(0x7700) << 48
)

// ownerConfig returns a controller configuration owning the test
// application's cookie space.
func ownerConfig() *controller.Config {
	return &controller.Config{OwnerCookie: ownerCookie, OwnerCookieMask: ownerCookieMask}
}

// tableMissNormal is the priority 0 entry that sends everything to NORMAL.
func tableMissNormal() openflow.FlowMod {
	return openflow.FlowMod{
		Command: openflow.FlowAdd, Cookie: ownerCookie | kindStatic | 1, Priority: 0,
		BufferID: openflow.NoBuffer, OutPort: openflow.PortAny, OutGroup: openflow.GroupAny,
		Instructions: []openflow.Instruction{&openflow.ApplyActions{Actions: []openflow.Action{
			&openflow.Output{Port: openflow.PortNormal},
		}}},
	}
}

// tableMissController is the priority 0 entry that sends everything to
// the controller, whole packets.
func tableMissController() openflow.FlowMod {
	fm := tableMissNormal()
	fm.Instructions = []openflow.Instruction{&openflow.ApplyActions{Actions: []openflow.Action{
		&openflow.Output{Port: openflow.PortController, MaxLen: openflow.ControllerNoBuffer},
	}}}
	return fm
}

// arpToController sends ARP to the controller.
func arpToController() openflow.FlowMod {
	fm := openflow.FlowMod{
		Command: openflow.FlowAdd, Cookie: ownerCookie | kindStatic | 2, Priority: 100,
		BufferID: openflow.NoBuffer, OutPort: openflow.PortAny, OutGroup: openflow.GroupAny,
		Instructions: []openflow.Instruction{&openflow.ApplyActions{Actions: []openflow.Action{
			&openflow.Output{Port: openflow.PortController, MaxLen: openflow.ControllerNoBuffer},
		}}},
	}
	fm.Match.SetEthType(0x0806)
	return fm
}

// perFlow is the i-th load-balancer-like per-flow entry: an exact TCP
// 4-tuple from client 10.1.x.y:(20000+i) to the VIP 10.0.0.100:80,
// rewritten to backend 10.0.0.2 on port 2, idle timeout 300 s.
func perFlow(i int) openflow.FlowMod {
	fm := openflow.FlowMod{
		Command: openflow.FlowAdd, Cookie: ownerCookie | kindPerFlow | uint64(i), Priority: 1000, IdleTimeout: 300,
		BufferID: openflow.NoBuffer, OutPort: openflow.PortAny, OutGroup: openflow.GroupAny,
		Instructions: []openflow.Instruction{&openflow.ApplyActions{Actions: []openflow.Action{
			&openflow.SetField{Field: openflow.IPv4Dst(netip.MustParseAddr("10.0.0.2"))},
			&openflow.Output{Port: 2},
		}}},
	}
	fm.Match.SetEthType(0x0800)
	fm.Match.SetIPProto(6)
	fm.Match.SetIPv4Src(clientAddr(i))
	fm.Match.SetIPv4Dst(netip.MustParseAddr("10.0.0.100"))
	fm.Match.SetTCPSrc(clientPort(i))
	fm.Match.SetTCPDst(80)
	return fm
}

func clientAddr(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}) }
func clientPort(i int) uint16     { return uint16(20000 + i%40000) }

// perFlowText is perFlow(i) as `ovs-ofctl -O OpenFlow13 dump-flows`
// prints it, written out by hand so that the codec is not its own oracle.
func perFlowText(i int) wantFlow {
	return wantFlow{
		Cookie: ownerCookie | kindPerFlow | uint64(i), Priority: 1000, IdleTimeout: 300,
		Match:   fmt.Sprintf("tcp,nw_src=%v,nw_dst=10.0.0.100,tp_src=%d,tp_dst=80", clientAddr(i), clientPort(i)),
		Actions: "set_field:10.0.0.2->ip_dst,output:2",
	}
}

// staticText is what OVS prints for tableMissNormal and arpToController.
func staticText() []wantFlow {
	return []wantFlow{
		{Cookie: ownerCookie | kindStatic | 1, Priority: 0, Actions: "NORMAL"},
		{Cookie: ownerCookie | kindStatic | 2, Priority: 100, Match: "arp", Actions: "CONTROLLER:65535"},
	}
}

// wantFlow is an entry as ovs-ofctl prints it, without counters.
type wantFlow struct {
	Table       uint8
	Cookie      uint64
	Priority    uint16
	IdleTimeout uint16
	Match       string
	Actions     string
}

func (w wantFlow) String() string {
	return fmt.Sprintf("table=%d cookie=%#x priority=%d idle_timeout=%d %s actions=%s",
		w.Table, w.Cookie, w.Priority, w.IdleTimeout, w.Match, w.Actions)
}

func textOf(f ovslab.Flow) wantFlow {
	return wantFlow{Table: f.Table, Cookie: f.Cookie, Priority: f.Priority, IdleTimeout: f.IdleTimeout, Match: f.Match, Actions: f.Actions}
}

// diffFlows compares a dump with the wanted entries (as sets) and
// describes the difference, or returns "" when they are equal.
func diffFlows(got []ovslab.Flow, want []wantFlow) string {
	have := make(map[wantFlow]int, len(got))
	for _, f := range got {
		have[textOf(f)]++
	}
	var missing, extra []string
	for _, w := range want {
		if have[w] == 0 {
			missing = append(missing, w.String())
			continue
		}
		have[w]--
	}
	for w, n := range have {
		for range n {
			extra = append(extra, w.String())
		}
	}
	if len(missing) == 0 && len(extra) == 0 {
		return ""
	}
	slices.Sort(missing)
	slices.Sort(extra)
	return fmt.Sprintf("table has %d entries, want %d\nmissing (%d):%s\nunexpected (%d):%s",
		len(got), len(want), len(missing), firstLines(missing, 20), len(extra), firstLines(extra, 20))
}

func firstLines(lines []string, n int) string {
	var sb strings.Builder
	for i, l := range lines {
		if i == n {
			fmt.Fprintf(&sb, "\n  ... %d more", len(lines)-n)
			break
		}
		sb.WriteString("\n  ")
		sb.WriteString(l)
	}
	return sb.String()
}

// tableText renders a dump for a failure message, at most 100 lines, by
// priority (highest first) and cookie.
func tableText(flows []ovslab.Flow) string {
	flows = slices.Clone(flows)
	slices.SortFunc(flows, func(a, b ovslab.Flow) int {
		if a.Priority != b.Priority {
			return int(b.Priority) - int(a.Priority)
		}
		return cmp.Compare(a.Cookie, b.Cookie)
	})
	lines := make([]string, len(flows))
	for i, f := range flows {
		lines[i] = f.Raw
	}
	return fmt.Sprintf("dump-flows (%d entries):%s", len(flows), firstLines(lines, 100))
}

// waitTable polls dump-flows until the table holds exactly want, and fails
// the test with the difference and the table if it does not within d.
func waitTable(t *testing.T, lab *ovslab.OVS, bridge string, want []wantFlow, d time.Duration) []ovslab.Flow {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var last []ovslab.Flow
	flows, err := lab.WaitFlows(ctx, bridge, func(fs []ovslab.Flow) bool {
		last = fs
		return diffFlows(fs, want) == ""
	})
	if err != nil {
		// WaitFlows's error carries the whole table; show the difference
		// and a bounded table instead.
		t.Fatalf("bridge %s: table never became what the application wants: %v\n%s\n%s",
			bridge, ctx.Err(), diffFlows(last, want), tableText(last))
	}
	return flows
}

// checkTable dumps the table once and fails the test unless it holds
// exactly want.
func checkTable(t *testing.T, lab *ovslab.OVS, bridge string, want []wantFlow) []ovslab.Flow {
	t.Helper()
	flows, err := lab.DumpFlows(bridge)
	if err != nil {
		t.Fatal(err)
	}
	if d := diffFlows(flows, want); d != "" {
		t.Fatalf("bridge %s: %s\n%s", bridge, d, tableText(flows))
	}
	return flows
}

// labBridge starts a private OVS and returns it with a secure-mode bridge
// br0 (datapath id dpid) pointed at the controller address addr.
func labBridge(t *testing.T, addr string, dpid uint64, opts ovslab.BridgeOptions) (*ovslab.OVS, *ovslab.Bridge) {
	t.Helper()
	lab := ovslab.StartT(t, ovslab.Options{})
	opts.Controllers = []string{"tcp:" + addr}
	opts.FailMode = "secure"
	opts.DatapathID = dpid
	if opts.MaxBackoff == 0 {
		opts.MaxBackoff = time.Second
	}
	br, err := lab.AddBridge("br0", opts)
	if err != nil {
		t.Fatal(err)
	}
	return lab, br
}

// testCtl is a controller serving on a loopback port for one test. Its
// connections are tapped: tap counts the messages each way.
type testCtl struct {
	*controller.Controller
	addr string
	tap  *tap
	logs *controller.LogBuffer

	cancel   context.CancelFunc
	done     chan error
	stopOnce sync.Once
	stopErr  error
}

// startCtl starts a controller on ln (a new loopback listener if nil) and
// stops it when the test ends, logging its logs if the test failed.
func startCtl(t *testing.T, cfg *controller.Config, ln net.Listener, apps ...any) *testCtl {
	t.Helper()
	if cfg == nil {
		cfg = &controller.Config{}
	}
	logs := &controller.LogBuffer{}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
	}
	tp := &tap{counts: make(map[tapKey]int)}
	c := controller.New(cfg, apps...)
	ctx, cancel := context.WithCancel(context.Background())
	tc := &testCtl{Controller: c, addr: ln.Addr().String(), tap: tp, logs: logs, cancel: cancel, done: make(chan error, 1)}
	go func() { tc.done <- c.Serve(ctx, &tapListener{Listener: ln, tap: tp}) }()
	t.Cleanup(func() {
		if err := tc.stop(); err != nil {
			t.Errorf("controller: %v", err)
		}
		if t.Failed() {
			t.Logf("controller logs:\n%s", logs.String())
		}
	})
	return tc
}

// stop cancels Serve and waits for it to return.
func (tc *testCtl) stop() error {
	tc.stopOnce.Do(func() {
		tc.cancel()
		select {
		case err := <-tc.done:
			tc.stopErr = err
		case <-time.After(15 * time.Second):
			tc.stopErr = fmt.Errorf("Serve did not return within 15s of cancel")
		}
	})
	return tc.stopErr
}

// waitSwitch waits until the controller has a ready connection of dpid
// other than old (nil: any).
func (tc *testCtl) waitSwitch(t *testing.T, dpid uint64, old *controller.Switch, d time.Duration) *controller.Switch {
	t.Helper()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if sw, ok := tc.Switch(dpid); ok && sw != old {
			return sw
		}
		select {
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("switch %016x not ready (again) within %v; ready: %v", dpid, d, tc.Switches())
		}
	}
}

// Directions of tapped messages.
const (
	toSwitch   = "to switch"
	fromSwitch = "from switch"
)

// tapKey is a direction and a message type; exp is the experimenter type
// of EXPERIMENTER messages (bundles on OpenFlow 1.3), zero for others.
type tapKey struct {
	dir string
	typ openflow.Type
	exp uint32
}

// tap counts the OpenFlow messages crossing the controller's connections,
// by direction and type; multipart replies flagged MORE are counted apart.
type tap struct {
	mu        sync.Mutex
	counts    map[tapKey]int
	moreParts int // MULTIPART_REPLY frames from the switch with REPLY_MORE
}

func (tp *tap) count(dir string, typ openflow.Type) int {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return tp.counts[tapKey{dir: dir, typ: typ}]
}

// countExp returns the number of EXPERIMENTER messages of one
// experimenter type (e.g. openflow.BundleAddExpType) seen so far.
func (tp *tap) countExp(dir string, exp uint32) int {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return tp.counts[tapKey{dir: dir, typ: openflow.TypeExperimenter, exp: exp}]
}

func (tp *tap) more() int {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return tp.moreParts
}

// snapshot returns the counts so far, to subtract from later ones.
func (tp *tap) snapshot() map[tapKey]int {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return maps.Clone(tp.counts)
}

// frame records one complete frame.
func (tp *tap) frame(dir string, f []byte) {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	k := tapKey{dir: dir, typ: openflow.Type(f[1])}
	// ofp_experimenter_header: header, experimenter (4), exp_type (4).
	if k.typ == openflow.TypeExperimenter && len(f) >= 16 {
		k.exp = binary.BigEndian.Uint32(f[12:16])
	}
	tp.counts[k]++
	typ := k.typ
	// ofp_multipart_reply: header, type (2), flags (2).
	if dir == fromSwitch && typ == openflow.TypeMultipartReply && len(f) >= 12 &&
		binary.BigEndian.Uint16(f[10:12])&uint16(openflow.MultipartMore) != 0 {
		tp.moreParts++
	}
}

// splitter cuts a byte stream into OpenFlow frames by their length field.
type splitter struct {
	tap *tap
	dir string
	buf []byte
}

func (s *splitter) feed(p []byte) {
	s.buf = append(s.buf, p...)
	for len(s.buf) >= openflow.HeaderLen {
		n := int(binary.BigEndian.Uint16(s.buf[2:4]))
		if n < openflow.HeaderLen {
			s.buf = nil // not OpenFlow: stop counting, the controller will close
			return
		}
		if len(s.buf) < n {
			return
		}
		s.tap.frame(s.dir, s.buf[:n])
		s.buf = s.buf[n:]
	}
	if len(s.buf) == 0 {
		s.buf = nil
	}
}

type tapListener struct {
	net.Listener
	tap *tap
}

func (l *tapListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &tapConn{Conn: c, in: splitter{tap: l.tap, dir: fromSwitch}, out: splitter{tap: l.tap, dir: toSwitch}}, nil
}

// tapConn feeds what the controller reads and writes to splitters. The
// controller reads on one goroutine and writes on one (after the HELLO),
// so each splitter has one user at a time; the mutexes make that explicit.
type tapConn struct {
	net.Conn
	inMu, outMu sync.Mutex
	in, out     splitter
}

func (c *tapConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.inMu.Lock()
		c.in.feed(p[:n])
		c.inMu.Unlock()
	}
	return n, err
}

func (c *tapConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if n > 0 {
		c.outMu.Lock()
		c.out.feed(p[:n])
		c.outMu.Unlock()
	}
	return n, err
}

// flowApp is the test application: it wants its static entries and the
// per-flow entries it holds on every switch, adopts owned per-flow
// entries it finds there (a restarted load balancer rebuilding its
// state), and records what it was offered.
type flowApp struct {
	mu      sync.Mutex
	static  []openflow.FlowMod
	held    map[uint64]openflow.FlowMod // per-flow entries by cookie
	offered map[uint64]bool             // cookie -> adopted
	ups     int
	removed []openflow.FlowRemoved
	// onPacketIn, if set, handles packet-ins (on the reader goroutine).
	onPacketIn func(ev *controller.PacketIn)
}

func newFlowApp(static ...openflow.FlowMod) *flowApp {
	return &flowApp{static: static, held: make(map[uint64]openflow.FlowMod), offered: make(map[uint64]bool)}
}

// hold adds per-flow entries the application now holds.
func (a *flowApp) hold(fms ...openflow.FlowMod) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, fm := range fms {
		a.held[fm.Cookie] = fm
	}
}

func (a *flowApp) heldCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.held)
}

func (a *flowApp) DesiredFlows(*controller.Switch) []openflow.FlowMod {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := slices.Clone(a.static)
	for _, fm := range a.held {
		out = append(out, fm)
	}
	return out
}

func (a *flowApp) AdoptFlow(_ *controller.Switch, fs *openflow.FlowStats) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	adopt := fs.Cookie&kindMask == kindPerFlow
	a.offered[fs.Cookie] = adopt
	if adopt {
		a.held[fs.Cookie] = openflow.FlowMod{
			Command: openflow.FlowAdd, Cookie: fs.Cookie, TableID: fs.TableID, Priority: fs.Priority,
			IdleTimeout: fs.IdleTimeout, HardTimeout: fs.HardTimeout, Flags: fs.Flags,
			BufferID: openflow.NoBuffer, OutPort: openflow.PortAny, OutGroup: openflow.GroupAny,
			Match: fs.Match, Instructions: fs.Instructions,
		}
	}
	return adopt
}

func (a *flowApp) SwitchUp(*controller.Switch) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ups++
}

func (a *flowApp) SwitchDown(*controller.Switch) {}

func (a *flowApp) PacketIn(ev *controller.PacketIn) {
	if a.onPacketIn != nil {
		a.onPacketIn(ev)
	}
}

func (a *flowApp) FlowRemoved(_ *controller.Switch, m *openflow.FlowRemoved) {
	a.mu.Lock()
	defer a.mu.Unlock()
	cp := *m
	cp.Match = openflow.Match{} // may alias the read buffer; not needed
	a.removed = append(a.removed, cp)
}

func (a *flowApp) removedSoFar() []openflow.FlowRemoved {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.removed)
}
