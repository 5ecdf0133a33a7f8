package controller_test

// Integration tests of the controller against real Open vSwitch: each test
// starts a private OVS instance (ovs-lab: userspace datapath, no kernel
// module) and its own controller on a loopback port, and checks the
// switch's tables with ovs-ofctl, polling against deadlines. They need
// root and Open vSwitch installed (CI has both); run them with
//
//	go test -race -count=1 -run OVS ./controller/

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/oflb/oflb/controller"
	"github.com/oflb/oflb/openflow"
	"github.com/oflb/oflb/openflow/packet"
	ovslab "github.com/oflb/oflb/ovs-lab"
)

// perFlows returns n per-flow entries and their text.
func perFlows(n int) ([]openflow.FlowMod, []wantFlow) {
	fms := make([]openflow.FlowMod, n)
	texts := make([]wantFlow, n)
	for i := range n {
		fms[i] = perFlow(i)
		texts[i] = perFlowText(i)
	}
	return fms, texts
}

func testCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// TestOVSHandshake: a bridge connects; the handshake learns its datapath
// id, ports and abilities.
func TestOVSHandshake(t *testing.T) {
	t.Parallel()
	const dpid = 0x0000_0000_cafe_0001
	// The bridge and its ports exist before the controller accepts the
	// connection, so that the port table comes from PORT_DESC.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lab, br := labBridge(t, ln.Addr().String(), dpid, ovslab.BridgeOptions{})
	addPort := func(name string, no int) string {
		t.Helper()
		real := lab.Name(name)
		if _, err := lab.Vsctl("add-port", br.Name, real, "--", "set", "Interface", real, "type=internal",
			"ofport_request="+strconv.Itoa(no)); err != nil {
			t.Fatal(err)
		}
		return real
	}
	p1, p2 := addPort("p1", 1), addPort("p2", 2)
	tc := startCtl(t, nil, ln)
	sw := tc.waitSwitch(t, dpid, nil, 15*time.Second)

	f := sw.Features()
	if f.DatapathID != dpid || sw.DPID() != dpid {
		t.Errorf("Features().DatapathID = %#x, DPID() = %#x, want %#x", f.DatapathID, sw.DPID(), dpid)
	}
	if f.NTables == 0 {
		t.Errorf("Features().NTables = 0")
	}
	if !strings.Contains(f.Desc.MfrDesc, "Nicira") || !strings.Contains(f.Desc.HWDesc, "Open vSwitch") {
		t.Errorf("Desc = %+v, want Open vSwitch by Nicira", f.Desc)
	}
	for _, p := range []struct {
		name string
		err  error
	}{
		{name: "Nicira", err: f.Nicira},
		{name: "Bundles", err: f.Bundles},
		{name: "Groups", err: f.Groups},
	} {
		if p.err != nil {
			t.Errorf("%s probe on Open vSwitch: %v, want supported", p.name, p.err)
		}
	}
	t.Logf("features: tables=%d buffers=%d caps=%v meters=%v desc=%q/%q", f.NTables, f.NBuffers, f.Capabilities, f.Meters, f.Desc.HWDesc, f.Desc.SWDesc)

	wantPorts := map[uint32]string{openflow.PortLocal: br.Name, 1: p1, 2: p2}
	checkPorts := func(want map[uint32]string) bool {
		got := make(map[uint32]string)
		for _, p := range sw.Ports() {
			got[p.PortNo] = p.Name
		}
		if len(got) != len(want) {
			return false
		}
		for no, name := range want {
			if got[no] != name {
				return false
			}
		}
		return true
	}
	if !checkPorts(wantPorts) {
		t.Errorf("Ports() = %v, want %v", portNames(sw.Ports()), wantPorts)
	}

	// A port added later arrives as PORT_STATUS.
	wantPorts[3] = addPort("p3", 3)
	waitUntil(t, "port 3 in the port table", 10*time.Second, func() bool { return checkPorts(wantPorts) })
}

func portNames(ps []openflow.Port) map[uint32]string {
	m := make(map[uint32]string)
	for _, p := range ps {
		m[p.PortNo] = p.Name
	}
	return m
}

// waitUntil polls cond every 10 ms until it holds or d passes.
func waitUntil(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
	}
}

// TestOVSDesiredFlows: after connect, the bridge holds exactly what the
// application wants, installed in one bundle.
func TestOVSDesiredFlows(t *testing.T) {
	t.Parallel()
	const dpid = 0x0000_0000_cafe_0002
	fms, texts := perFlows(1000)
	app := newFlowApp(tableMissNormal(), arpToController())
	app.hold(fms...)
	tc := startCtl(t, ownerConfig(), nil, app)
	lab, br := labBridge(t, tc.addr, dpid, ovslab.BridgeOptions{})
	sw := tc.waitSwitch(t, dpid, nil, 20*time.Second)

	want := append(staticText(), texts...)
	checkTable(t, lab, br.Name, want) // the switch is up only after reconciliation

	if err := sw.Features().Bundles; err != nil {
		t.Fatalf("Features().Bundles = %v, want supported", err)
	}
	// Every entry went inside a bundle, none as a bare FLOW_MOD; the
	// bundle control messages are the handshake's probe (open, discard)
	// and the install (open, commit).
	if n := tc.tap.count(toSwitch, openflow.TypeFlowMod); n != 0 {
		t.Errorf("%d bare FLOW_MODs sent, want 0 (all in a bundle)", n)
	}
	if n := tc.tap.countExp(toSwitch, openflow.BundleAddExpType); n != len(want) {
		t.Errorf("%d BUNDLE_ADD sent, want %d", n, len(want))
	}
	if n := tc.tap.countExp(toSwitch, openflow.BundleControlExpType); n != 4 {
		t.Errorf("%d BUNDLE_CONTROL sent, want 4 (probe open+discard, install open+commit)", n)
	}

	// Reconciling again against what OVS reports back is a no-op: the
	// controller's idea of "the same entry" matches OVS's encoding.
	res, err := tc.Reconcile(testCtx(t, 20*time.Second), sw)
	if err != nil {
		t.Fatal(err)
	}
	if wantRes := (controller.ReconcileResult{Dumped: len(want), Kept: len(want)}); res != wantRes {
		t.Errorf("second Reconcile = %+v, want %+v", res, wantRes)
	}
}

// TestOVSControllerRestart: entries survive a controller restart (fail
// mode secure); the new controller adopts the per-flow entries without
// rewriting them, deletes a stale owned entry and leaves a foreign one.
func TestOVSControllerRestart(t *testing.T) {
	t.Parallel()
	const dpid = 0x0000_0000_cafe_0003
	fms, texts := perFlows(1000)
	old := newFlowApp(tableMissNormal(), arpToController())
	old.hold(fms...)
	tc1 := startCtl(t, ownerConfig(), nil, old)
	lab, br := labBridge(t, tc1.addr, dpid, ovslab.BridgeOptions{})
	tc1.waitSwitch(t, dpid, nil, 20*time.Second)
	want := append(staticText(), texts...)
	checkTable(t, lab, br.Name, want)

	if err := tc1.stop(); err != nil {
		t.Fatal(err)
	}
	checkTable(t, lab, br.Name, want) // secure mode: the switch keeps them

	// While no controller is connected, someone adds an entry in our
	// cookie space that nobody wants any more, and an entry of another
	// owner.
	if err := lab.AddFlows(br.Name,
		"cookie=0x0f1b0100000000ff,priority=50,udp,actions=drop",
		"cookie=0x7700000000000001,priority=60,icmp,actions=drop",
	); err != nil {
		t.Fatal(err)
	}
	foreign := wantFlow{Cookie: foreignCookie | 1, Priority: 60, Match: "icmp", Actions: "drop"}

	// The new controller listens where the old one did; OVS reconnects
	// within its backoff (1 s).
	ln, err := net.Listen("tcp", tc1.addr)
	if err != nil {
		t.Fatal(err)
	}
	app := newFlowApp(tableMissNormal(), arpToController())
	tc2 := startCtl(t, ownerConfig(), ln, app)
	sw := tc2.waitSwitch(t, dpid, nil, 20*time.Second)
	checkTable(t, lab, br.Name, append(want, foreign))

	app.mu.Lock()
	var adopted, refused []uint64
	for cookie, ok := range app.offered {
		if ok {
			adopted = append(adopted, cookie)
		} else {
			refused = append(refused, cookie)
		}
	}
	var notAdopted []uint64
	for _, fm := range fms {
		if !app.offered[fm.Cookie] {
			notAdopted = append(notAdopted, fm.Cookie)
		}
	}
	app.mu.Unlock()
	if len(adopted) != len(fms) || len(notAdopted) != 0 {
		t.Errorf("adopted %d entries, want every one of the %d per-flow entries; not adopted: %#x",
			len(adopted), len(fms), notAdopted)
	}
	if !slices.Equal(refused, []uint64{ownerCookie | kindStatic | 0xff}) {
		t.Errorf("refused %#x, want only the stale entry", refused)
	}
	// Adopted entries were left in place, not rewritten: the only
	// flow-mod the new controller sent is the stale entry's delete.
	if n, b := tc2.tap.count(toSwitch, openflow.TypeFlowMod), tc2.tap.countExp(toSwitch, openflow.BundleAddExpType); n+b != 1 {
		t.Errorf("new controller sent %d FLOW_MODs and %d BUNDLE_ADDs, want 1 in all (the delete)", n, b)
	}
	// The application now holds them: reconciling again changes nothing.
	res, err := tc2.Reconcile(testCtx(t, 20*time.Second), sw)
	if err != nil {
		t.Fatal(err)
	}
	if wantRes := (controller.ReconcileResult{Dumped: len(want), Kept: len(want)}); res != wantRes {
		t.Errorf("Reconcile after adoption = %+v, want %+v", res, wantRes)
	}
}

// TestOVSBridgeRecreated: a bridge deleted and created again with the
// same datapath id gets every desired entry back.
func TestOVSBridgeRecreated(t *testing.T) {
	t.Parallel()
	const dpid = 0x0000_0000_cafe_0004
	fms, texts := perFlows(1000)
	app := newFlowApp(tableMissNormal(), arpToController())
	app.hold(fms...)
	tc := startCtl(t, ownerConfig(), nil, app)
	opts := ovslab.BridgeOptions{}
	lab, br := labBridge(t, tc.addr, dpid, opts)
	sw1 := tc.waitSwitch(t, dpid, nil, 20*time.Second)
	want := append(staticText(), texts...)
	checkTable(t, lab, br.Name, want)

	if err := lab.DelBridge(br.Name); err != nil {
		t.Fatal(err)
	}
	select {
	case <-sw1.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("connection of the deleted bridge still open after 10s")
	}
	opts.Controllers = []string{"tcp:" + tc.addr}
	opts.FailMode = "secure"
	opts.DatapathID = dpid
	opts.MaxBackoff = time.Second
	br, err := lab.AddBridge("br0", opts)
	if err != nil {
		t.Fatal(err)
	}
	tc.waitSwitch(t, dpid, sw1, 20*time.Second)
	checkTable(t, lab, br.Name, want)
	if n := tc.tap.countExp(toSwitch, openflow.BundleAddExpType); n != 2*len(want) {
		t.Errorf("%d entries sent in bundles over both connections, want %d", n, 2*len(want))
	}
	app.mu.Lock()
	ups := app.ups
	app.mu.Unlock()
	if ups != 2 {
		t.Errorf("SwitchUp called %d times, want 2", ups)
	}
}

// TestOVSVSwitchdRestart: ovs-vswitchd restarts and loses every entry of
// its userspace datapath; the switch reconnects and the controller
// installs again everything the application holds, including per-flow
// entries it added after the switch came up.
func TestOVSVSwitchdRestart(t *testing.T) {
	t.Parallel()
	const dpid = 0x0000_0000_cafe_0005
	fms, texts := perFlows(1200)
	app := newFlowApp(tableMissNormal(), arpToController())
	app.hold(fms[:1000]...)
	tc := startCtl(t, ownerConfig(), nil, app)
	lab, br := labBridge(t, tc.addr, dpid, ovslab.BridgeOptions{})
	sw1 := tc.waitSwitch(t, dpid, nil, 20*time.Second)

	// The application adds 200 per-flow entries of its own, as the load
	// balancer does for new flows, and holds them.
	later := make([]openflow.Message, 0, 200)
	for i := range fms[1000:] {
		later = append(later, &fms[1000+i])
	}
	if err := sw1.Bulk(testCtx(t, 20*time.Second), later...); err != nil {
		t.Fatal(err)
	}
	app.hold(fms[1000:]...)
	want := append(staticText(), texts...)
	checkTable(t, lab, br.Name, want)

	before := tc.tap.countExp(toSwitch, openflow.BundleAddExpType)
	pid := lab.VSwitchdPID()
	if err := lab.RestartVSwitchd(testCtx(t, 30*time.Second)); err != nil {
		t.Fatal(err)
	}
	if lab.VSwitchdPID() == pid {
		t.Fatalf("ovs-vswitchd pid %d unchanged by the restart", pid)
	}
	tc.waitSwitch(t, dpid, sw1, 20*time.Second)
	waitTable(t, lab, br.Name, want, 10*time.Second)
	// The new table was empty: every entry went again.
	if n := tc.tap.countExp(toSwitch, openflow.BundleAddExpType) - before; n != len(want) {
		t.Errorf("%d entries installed after the restart, want all %d", n, len(want))
	}
}

// TestOVSMultipartFlowStats: a dump of 20,000 entries arrives in many
// MORE-flagged parts and Request returns it whole.
func TestOVSMultipartFlowStats(t *testing.T) {
	t.Parallel()
	const (
		dpid = 0x0000_0000_cafe_0006
		n    = 20000
	)
	tc := startCtl(t, nil, nil)
	lab, br := labBridge(t, tc.addr, dpid, ovslab.BridgeOptions{})
	sw := tc.waitSwitch(t, dpid, nil, 20*time.Second)

	fms, _ := perFlows(n)
	msgs := make([]openflow.Message, n)
	for i := range fms {
		msgs[i] = &fms[i]
	}
	start := time.Now()
	if err := sw.Bulk(testCtx(t, 60*time.Second), msgs...); err != nil {
		t.Fatal(err)
	}
	t.Logf("Bulk of %d entries took %v", n, time.Since(start).Round(time.Millisecond))
	out, err := lab.Ofctl("dump-aggregate", br.Name)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "flow_count="+strconv.Itoa(n)) {
		t.Fatalf("dump-aggregate after Bulk: %s, want flow_count=%d", out, n)
	}

	moreBefore := tc.tap.more()
	start = time.Now()
	m, err := sw.Request(testCtx(t, 60*time.Second), &openflow.MultipartRequest{Body: &openflow.FlowStatsRequest{
		TableID: openflow.TableAll, OutPort: openflow.PortAny, OutGroup: openflow.GroupAny,
		Cookie: ownerCookie | kindPerFlow, CookieMask: ownerCookieMask | kindMask,
	}})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	parts := tc.tap.more() - moreBefore + 1
	reply, ok := m.(*openflow.MultipartReply)
	if !ok {
		t.Fatalf("reply is %T, want *openflow.MultipartReply", m)
	}
	if reply.Flags&openflow.MultipartMore != 0 {
		t.Errorf("assembled reply still flagged MORE")
	}
	fr, ok := reply.Body.(*openflow.FlowStatsReply)
	if !ok {
		t.Fatalf("reply body is %T, want *openflow.FlowStatsReply", reply.Body)
	}
	t.Logf("flow-stats dump of %d entries: %d parts, %v", len(fr.Stats), parts, took.Round(time.Millisecond))
	if parts < 2 {
		t.Errorf("dump came in %d part(s), want several MORE-flagged parts", parts)
	}
	seen := make(map[uint64]bool, n)
	for i := range fr.Stats {
		fs := &fr.Stats[i]
		if seen[fs.Cookie] {
			t.Fatalf("entry %#x twice in the dump", fs.Cookie)
		}
		seen[fs.Cookie] = true
		id := int(fs.Cookie &^ (ownerCookieMask | kindMask))
		if id >= n {
			t.Fatalf("unexpected entry %#x in the dump", fs.Cookie)
		}
		if want := fms[id]; !fs.Match.Equal(&want.Match) || fs.Priority != want.Priority || fs.IdleTimeout != want.IdleTimeout {
			t.Fatalf("entry %#x is %v priority %d idle %d, want %v priority %d idle %d",
				fs.Cookie, &fs.Match, fs.Priority, fs.IdleTimeout, &want.Match, want.Priority, want.IdleTimeout)
		}
	}
	if len(seen) != n {
		t.Errorf("dump has %d entries, want %d", len(seen), n)
	}
}

// TestOVSTableFull: a bridge whose table 0 holds at most N entries refuses
// the rest with OFPFMFC_TABLE_FULL, each error matched to its flow-mod.
func TestOVSTableFull(t *testing.T) {
	t.Parallel()
	const (
		dpid  = 0x0000_0000_cafe_0007
		limit = 20
		extra = 5
	)
	tc := startCtl(t, nil, nil)
	lab, br := labBridge(t, tc.addr, dpid, ovslab.BridgeOptions{FlowLimit: limit})
	sw := tc.waitSwitch(t, dpid, nil, 20*time.Second)

	fms, texts := perFlows(limit + extra)
	msgs := make([]openflow.Message, len(fms))
	for i := range fms {
		msgs[i] = &fms[i]
	}
	err := sw.Do(testCtx(t, 20*time.Second), msgs...)
	if err == nil {
		t.Fatalf("Do of %d adds into a table of %d: no error", len(msgs), limit)
	}
	var em *openflow.ErrorMsg
	if !errors.As(err, &em) {
		t.Fatalf("Do error %v (%T) holds no *openflow.ErrorMsg", err, err)
	}
	var leaves []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		leaves = j.Unwrap()
	} else {
		leaves = []error{err}
	}
	if len(leaves) != extra {
		t.Errorf("Do returned %d errors, want %d: %v", len(leaves), extra, err)
	}
	for _, e := range leaves {
		var em *openflow.ErrorMsg
		if !errors.As(e, &em) {
			t.Errorf("error %v (%T) is not an *openflow.ErrorMsg", e, e)
			continue
		}
		if em.ErrType != openflow.ErrTypeFlowModFailed || em.Code != uint16(openflow.FlowModFailedTableFull) {
			t.Errorf("error type %v code %d, want FLOW_MOD_FAILED/TABLE_FULL", em.ErrType, em.Code)
		}
		if !strings.Contains(em.Error(), "OFPFMFC_TABLE_FULL") {
			t.Errorf("error text %q does not name OFPFMFC_TABLE_FULL", em.Error())
		}
	}
	if !errors.Is(err, &openflow.ErrorMsg{ErrType: openflow.ErrTypeFlowModFailed, Code: uint16(openflow.FlowModFailedTableFull)}) {
		t.Errorf("errors.Is(err, TABLE_FULL) = false for %v", err)
	}
	// The first N went in, the rest did not.
	checkTable(t, lab, br.Name, texts[:limit])

	// Bulk goes in one atomic bundle: the commit fails as a whole with
	// TABLE_FULL among its errors, and the table stays empty.
	const dpid2 = dpid + 0x100
	br2, err := lab.AddBridge("br1", ovslab.BridgeOptions{Controllers: []string{"tcp:" + tc.addr},
		FailMode: "secure", DatapathID: dpid2, FlowLimit: limit, MaxBackoff: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	sw2 := tc.waitSwitch(t, dpid2, nil, 20*time.Second)
	err = sw2.Bulk(testCtx(t, 20*time.Second), msgs...)
	t.Logf("Bulk of %d adds into a table of %d: %v", len(msgs), limit, err)
	if !errors.Is(err, &openflow.ErrorMsg{ErrType: openflow.ErrTypeFlowModFailed, Code: uint16(openflow.FlowModFailedTableFull)}) {
		t.Errorf("Bulk past the limit returned %v, want TABLE_FULL among its errors", err)
	}
	checkTable(t, lab, br2.Name, nil)
	if sw2.Err() != nil {
		t.Errorf("connection closed after a failed bundle: %v", sw2.Err())
	}
}

// pinRecord is what the packet-in test keeps of one packet-in.
type pinRecord struct {
	inPort   uint32
	flow     packet.Flow
	parseErr error
	sendErr  error
	cookie   uint64 // of the entry that sent the packet
	reason   openflow.PacketInReason
}

// TestOVSPacketIn: a datagram from one namespace host reaches the
// controller as a packet-in with its ingress port and parsed flow, and the
// application's packet-out delivers it to the other host.
func TestOVSPacketIn(t *testing.T) {
	t.Parallel()
	const (
		dpid = 0x0000_0000_cafe_0008
		port = 9999
	)
	var (
		mu   sync.Mutex
		pins []pinRecord
	)
	// A two-port hub in the controller: whatever enters port 1 leaves by
	// port 2 and the other way round (ARP included).
	other := map[uint32]uint32{1: 2, 2: 1}
	app := newFlowApp(tableMissController())
	app.onPacketIn = func(ev *controller.PacketIn) {
		rec := pinRecord{inPort: ev.InPort, flow: ev.Flow, parseErr: ev.ParseErr, cookie: ev.Msg.Cookie, reason: ev.Msg.Reason}
		if out, ok := other[ev.InPort]; ok {
			_, rec.sendErr = ev.Switch.Send(&openflow.PacketOut{
				BufferID: openflow.NoBuffer, InPort: ev.InPort,
				Actions: []openflow.Action{&openflow.Output{Port: out}},
				Data:    ev.Msg.Data, // encoded by Send, before the handler returns
			})
		}
		mu.Lock()
		pins = append(pins, rec)
		mu.Unlock()
	}
	tc := startCtl(t, ownerConfig(), nil, app)
	lab, br := labBridge(t, tc.addr, dpid, ovslab.BridgeOptions{})
	tc.waitSwitch(t, dpid, nil, 20*time.Second)
	checkTable(t, lab, br.Name, []wantFlow{{Cookie: ownerCookie | kindStatic | 1, Priority: 0, Actions: "CONTROLLER:65535"}})

	h1, err := lab.AddHost("h1", ovslab.HostOptions{Bridge: br.Name, IP: netip.MustParsePrefix("10.0.0.1/24"), OFPort: 1})
	if err != nil {
		t.Fatal(err)
	}
	h2, err := lab.AddHost("h2", ovslab.HostOptions{Bridge: br.Name, IP: netip.MustParsePrefix("10.0.0.2/24"), OFPort: 2})
	if err != nil {
		t.Fatal(err)
	}
	if h1.OFPort != 1 || h2.OFPort != 2 {
		t.Fatalf("hosts on ports %d and %d, want 1 and 2", h1.OFPort, h2.OFPort)
	}
	dst := netip.AddrPortFrom(h2.Addr(), port)
	rx, err := h2.ListenPacket("udp", dst.String())
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	ctx := testCtx(t, 15*time.Second)
	tx, err := h1.DialContext(ctx, "udp", dst.String())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()

	// Send until one arrives: the first waits for ARP, which goes through
	// the controller too.
	payload := []byte("oflb packet-in test")
	buf := make([]byte, 1500)
	var (
		n    int
		from net.Addr
	)
	for {
		if _, err := tx.Write(payload); err != nil {
			t.Fatalf("send from h1: %v", err)
		}
		rx.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		n, from, err = rx.ReadFrom(buf)
		if err == nil {
			break
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("receive in h2: %v", err)
		}
		if ctx.Err() != nil {
			mu.Lock()
			got := slices.Clone(pins)
			mu.Unlock()
			t.Fatalf("no datagram reached h2 within the deadline; packet-ins: %+v", got)
		}
	}
	if string(buf[:n]) != string(payload) {
		t.Errorf("h2 received %q, want %q", buf[:n], payload)
	}
	if ua, ok := from.(*net.UDPAddr); !ok || ua.AddrPort().Addr().Unmap() != h1.Addr() {
		t.Errorf("datagram from %v, want from %v", from, h1.Addr())
	}

	// The app records a packet-in after sending it on, so the datagram can
	// reach h2 before its packet-in is recorded: wait for it.
	var got []pinRecord
	for {
		mu.Lock()
		got = slices.Clone(pins)
		mu.Unlock()
		if slices.ContainsFunc(got, func(p pinRecord) bool { return p.flow.IPProto == 17 && p.flow.Dst == h2.Addr() }) || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Millisecond)
	}
	var udp, arp int
	for _, p := range got {
		if p.sendErr != nil {
			t.Errorf("packet-out: %v", p.sendErr)
		}
		switch {
		case p.flow.EthType == 0x0806 && p.inPort == 1 && p.flow.ARPSenderIP == h1.Addr():
			arp++
		case p.flow.IPProto == 17 && p.flow.Dst == h2.Addr():
			udp++
			if udp == 1 {
				t.Logf("UDP packet-in: reason %v, cookie %#x, in_port %d, %v:%d -> %v:%d",
					p.reason, p.cookie, p.inPort, p.flow.Src, p.flow.SrcPort, p.flow.Dst, p.flow.DstPort)
			}
			// OpenFlow 1.3: a packet sent up by the table-miss entry
			// (priority 0, match-all) has reason NO_MATCH.
			if p.reason != openflow.PacketInReasonNoMatch {
				t.Errorf("UDP packet-in reason %v, want NO_MATCH (table-miss entry)", p.reason)
			}
			if p.cookie != ownerCookie|kindStatic|1 {
				t.Errorf("UDP packet-in cookie %#x, want the table-miss entry's %#x", p.cookie, ownerCookie|kindStatic|1)
			}
			if p.inPort != uint32(h1.OFPort) || p.flow.Src != h1.Addr() || p.flow.DstPort != port || p.parseErr != nil ||
				p.flow.EthSrc != openflow.MAC(h1.MAC) {
				t.Errorf("UDP packet-in: in_port %d, flow %v:%d -> %v:%d from %v (parse error %v); want in_port %d, %v -> %v:%d from %v",
					p.inPort, p.flow.Src, p.flow.SrcPort, p.flow.Dst, p.flow.DstPort, p.flow.EthSrc, p.parseErr,
					h1.OFPort, h1.Addr(), h2.Addr(), port, h1.MAC)
			}
		}
	}
	if udp == 0 || arp == 0 {
		t.Errorf("%d UDP and %d ARP packet-ins from h1 among %d, want at least one of each", udp, arp, len(got))
	}
}

// TestOVSEcho: with a 200 ms echo interval and a 1 s timeout, OVS's echo
// replies keep the connection up; when ovs-vswitchd stops answering
// (SIGSTOP) the controller drops the switch, and takes it back once it
// resumes.
func TestOVSEcho(t *testing.T) {
	t.Parallel()
	const dpid = 0x0000_0000_cafe_0009
	tc := startCtl(t, &controller.Config{EchoInterval: 200 * time.Millisecond, EchoTimeout: time.Second}, nil)
	// OVS's own probe is slow, so only the controller's echoes keep the
	// connection busy.
	lab, _ := labBridge(t, tc.addr, dpid, ovslab.BridgeOptions{InactivityProbe: 30 * time.Second})
	sw := tc.waitSwitch(t, dpid, nil, 20*time.Second)
	requests := tc.tap.count(toSwitch, openflow.TypeEchoRequest)
	replies := tc.tap.count(fromSwitch, openflow.TypeEchoReply)

	const quiet = 3 * time.Second
	select {
	case <-sw.Done():
		t.Fatalf("switch dropped while OVS was answering echoes: %v", sw.Err())
	case <-time.After(quiet):
	}
	if cur, ok := tc.Switch(dpid); !ok || cur != sw || sw.Err() != nil {
		t.Fatalf("after %v: Switch(dpid) = %p, %v (err %v), want the same connection %p", quiet, cur, ok, sw.Err(), sw)
	}
	sent := tc.tap.count(toSwitch, openflow.TypeEchoRequest) - requests
	answered := tc.tap.count(fromSwitch, openflow.TypeEchoReply) - replies
	t.Logf("%v: %d echo requests sent, %d replies", quiet, sent, answered)
	// The last request may still be on its way back.
	if sent < 5 || answered < sent-1 {
		t.Errorf("%d echo requests and %d replies in %v, want at least 5, each answered", sent, answered, quiet)
	}

	// A switch that stops answering is dropped within the timeout.
	pid := lab.VSwitchdPID()
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	resumed := false
	resume := func() {
		if !resumed {
			resumed = true
			if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
				t.Errorf("resume ovs-vswitchd: %v", err)
			}
		}
	}
	t.Cleanup(resume)
	stopped := time.Now()
	select {
	case <-sw.Done():
	case <-time.After(5 * time.Second):
		resume()
		t.Fatalf("silent switch still connected after 5s")
	}
	if !errors.Is(sw.Err(), controller.ErrEchoTimeout) {
		t.Errorf("silent switch dropped with %v, want ErrEchoTimeout", sw.Err())
	}
	t.Logf("silent switch dropped after %v", time.Since(stopped).Round(time.Millisecond))
	resume()
	tc.waitSwitch(t, dpid, sw, 20*time.Second)
}

// TestOVSFlowRemoved: OVS reports the end of owned entries (hard timeout,
// delete) with their final reason; the removal of another owner's entry
// does not reach the application.
func TestOVSFlowRemoved(t *testing.T) {
	t.Parallel()
	const dpid = 0x0000_0000_cafe_000a
	app := newFlowApp()
	tc := startCtl(t, ownerConfig(), nil, app)
	lab, br := labBridge(t, tc.addr, dpid, ovslab.BridgeOptions{})
	sw := tc.waitSwitch(t, dpid, nil, 20*time.Second)

	expiring, deleted, foreign := perFlow(0), perFlow(1), perFlow(2)
	expiring.IdleTimeout, expiring.HardTimeout = 0, 1
	foreign.Cookie = foreignCookie | 2
	for _, fm := range []*openflow.FlowMod{&expiring, &deleted, &foreign} {
		fm.Flags |= openflow.FlowSendFlowRem
	}
	ctx := testCtx(t, 20*time.Second)
	if err := sw.Do(ctx, &expiring, &deleted, &foreign); err != nil {
		t.Fatal(err)
	}
	del := func(fm openflow.FlowMod) *openflow.FlowMod {
		fm.Command = openflow.FlowDeleteStrict
		fm.CookieMask = ^uint64(0)
		fm.Flags = 0
		return &fm
	}
	// The foreign entry goes first: its FLOW_REMOVED reaches the
	// controller before the owned one's, so it was filtered if it is not
	// there when the owned one is.
	if err := sw.Do(ctx, del(foreign), del(deleted)); err != nil {
		t.Fatal(err)
	}
	want := map[uint64]openflow.FlowRemovedReason{
		expiring.Cookie: openflow.FlowRemovedReasonHardTimeout,
		deleted.Cookie:  openflow.FlowRemovedReasonDelete,
	}
	waitUntil(t, "two FLOW_REMOVED", 10*time.Second, func() bool { return len(app.removedSoFar()) >= len(want) })
	got := app.removedSoFar()
	if len(got) != len(want) {
		t.Errorf("%d FLOW_REMOVED delivered, want %d: %+v", len(got), len(want), got)
	}
	for _, m := range got {
		reason, ok := want[m.Cookie]
		if !ok {
			t.Errorf("FLOW_REMOVED of cookie %#x delivered, want only owned entries", m.Cookie)
			continue
		}
		if m.Reason != reason || m.Priority != 1000 {
			t.Errorf("FLOW_REMOVED %#x: reason %v priority %d, want %v priority 1000", m.Cookie, m.Reason, m.Priority, reason)
		}
		if m.Reason == openflow.FlowRemovedReasonHardTimeout && (m.HardTimeout != 1 || m.DurationSec < 1) {
			t.Errorf("expired entry: hard_timeout %d after %ds, want 1 after at least 1s", m.HardTimeout, m.DurationSec)
		}
	}
	checkTable(t, lab, br.Name, nil)
}
