package ovslab

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// testCtx returns a context bounded well inside the test timeout.
func testCtx(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// twoHosts starts an instance with one secure-mode bridge (no controller,
// so an empty table forwards nothing) and two hosts on ports 1 and 2.
func twoHosts(t *testing.T) (*OVS, *Host, *Host) {
	t.Helper()
	lab := StartT(t, Options{})
	if _, err := lab.AddBridge("br0", BridgeOptions{FailMode: "secure", DatapathID: 0xabc}); err != nil {
		t.Fatal(err)
	}
	h1, err := lab.AddHost("h1", HostOptions{Bridge: "br0", IP: netip.MustParsePrefix("10.0.0.1/24"), OFPort: 1,
		MAC: net.HardwareAddr{0x02, 0, 0, 0, 0, 1}})
	if err != nil {
		t.Fatal(err)
	}
	h2, err := lab.AddHost("h2", HostOptions{Bridge: "br0", IP: netip.MustParsePrefix("10.0.0.2/24"), OFPort: 2})
	if err != nil {
		t.Fatal(err)
	}
	return lab, h1, h2
}

// echoOnce serves one TCP connection on l, echoing one line.
func echoOnce(l net.Listener) <-chan error {
	done := make(chan error, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			done <- err
			return
		}
		_, err = io.WriteString(c, line)
		done <- err
	}()
	return done
}

// tcpEcho connects from client to server's port 7 and checks the echo.
func tcpEcho(ctx context.Context, t *testing.T, client, server *Host) {
	t.Helper()
	l, err := server.Listen("tcp", ":7")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	served := echoOnce(l)
	c, err := client.DialContext(ctx, "tcp", netip.AddrPortFrom(server.Addr(), 7).String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	const msg = "hello through the userspace datapath\n"
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatal(err)
	}
	got, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || got != msg {
		t.Fatalf("echo: got %q, %v; want %q", got, err, msg)
	}
	if err := <-served; err != nil {
		t.Fatalf("server: %v", err)
	}
}

func TestHostsTalkThroughNormal(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	lab, h1, h2 := twoHosts(t)
	if h1.OFPort != 1 || h2.OFPort != 2 {
		t.Fatalf("ofports %d, %d; want 1, 2", h1.OFPort, h2.OFPort)
	}
	if got := h1.MAC.String(); got != "02:00:00:00:00:01" {
		t.Errorf("h1 MAC %s", got)
	}
	if len(h2.MAC) != 6 {
		t.Errorf("h2 MAC %v not read back", h2.MAC)
	}

	// Secure mode and no controller: an empty table, and no path.
	flows, err := lab.DumpFlows("br0")
	if err != nil || flows != nil {
		t.Fatalf("fresh secure bridge: %v, %v; want no entries", flows, err)
	}
	dctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	if c, err := h1.DialContext(dctx, "tcp", "10.0.0.2:9"); err == nil {
		c.Close()
		t.Fatal("connected through a bridge with an empty table")
	}
	cancel()

	if _, err := lab.Ofctl("add-flow", "br0", "priority=0,actions=NORMAL"); err != nil {
		t.Fatal(err)
	}
	tcpEcho(ctx, t, h1, h2)

	// UDP as well, from h2 to h1.
	pc, err := h1.ListenPacket("udp", "10.0.0.1:5000")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	uc, err := h2.DialContext(ctx, "udp", "10.0.0.1:5000")
	if err != nil {
		t.Fatal(err)
	}
	defer uc.Close()
	if _, err := uc.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	pc.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 16)
	n, from, err := pc.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "ping" || from.(*net.UDPAddr).IP.String() != "10.0.0.2" {
		t.Fatalf("udp: %q from %v, %v", buf[:n], from, err)
	}

	if _, err := lab.WaitFlows(ctx, "br0", func(fs []Flow) bool {
		return len(fs) == 1 && fs[0].Actions == "NORMAL" && fs[0].Packets > 0
	}); err != nil {
		t.Fatal(err)
	}
}

func TestHostCommandAndStart(t *testing.T) {
	ctx := testCtx(t, 30*time.Second)
	const rootIPv6 = "/proc/sys/net/ipv6/conf/all/disable_ipv6"
	before, err := os.ReadFile(rootIPv6)
	if err != nil {
		t.Fatal(err)
	}
	_, h1, _ := twoHosts(t)
	out, err := h1.Exec(ctx, "ip", "-o", "addr", "show", "dev", HostIface)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "10.0.0.1/24") {
		t.Errorf("address not set inside the namespace:\n%s", out)
	}
	out, err = h1.Exec(ctx, "ethtool", "-k", HostIface)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "tx-checksumming: off") {
		t.Errorf("tx checksum offload still on:\n%s", out)
	}
	out, err = h1.Exec(ctx, "cat", "/proc/sys/net/ipv6/conf/all/disable_ipv6", "/proc/sys/net/ipv6/conf/"+HostIface+"/disable_ipv6")
	if err != nil || string(out) != "1\n1\n" {
		t.Errorf("IPv6 inside the namespace: disable_ipv6 %q, %v; want 1 and 1", out, err)
	}
	// The writes went to the namespace, not to the test binary's.
	if after, err := os.ReadFile(rootIPv6); err != nil || string(after) != string(before) {
		t.Errorf("test binary's %s changed from %q to %q (%v)", rootIPv6, before, after, err)
	}
	if _, err := h1.Exec(ctx, "false"); err == nil {
		t.Error("Exec of a failing program returned no error")
	}
	p, err := h1.Start("sh", "-c", "echo started; exec sleep 600")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "process output", func() bool { return strings.Contains(p.Output(), "started") })
	if err := p.Stop(time.Second); err != nil {
		t.Fatal(err)
	}
	if !p.Exited() {
		t.Fatal("process still running after Stop")
	}
}

// waitFor polls cond every 20 ms until it holds or ctx ends.
func waitFor(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-tick.C:
		}
	}
}

func TestTwoInstancesSideBySide(t *testing.T) {
	var labs [2]*OVS
	var wg sync.WaitGroup
	var errs [2]error
	for i := range labs {
		wg.Go(func() {
			lab, err := Start(testCtx(t, time.Minute), Options{Logf: t.Logf})
			if err != nil {
				errs[i] = err
				return
			}
			lab.Cleanup(t)
			labs[i] = lab
			_, errs[i] = lab.AddBridge("br0", BridgeOptions{})
		})
	}
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		t.Fatal(err)
	}
	if labs[0].Suffix() == labs[1].Suffix() || labs[0].Dir() == labs[1].Dir() {
		t.Fatalf("instances share suffix %s / dir %s", labs[0].Suffix(), labs[0].Dir())
	}
	for i, lab := range labs {
		out, err := lab.Vsctl("list-br")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := strings.TrimSpace(out), "br0-"+lab.Suffix(); got != want {
			t.Errorf("instance %d bridges %q, want only %q", i, got, want)
		}
		if _, err := lab.Ofctl("show", "br0"); err != nil {
			t.Errorf("instance %d: %v", i, err)
		}
		if _, err := lab.Ofctl("add-flow", "br0", fmt.Sprintf("cookie=%d,priority=7,actions=drop", i+1)); err != nil {
			t.Fatal(err)
		}
	}
	// Each bridge has only its own instance's entry.
	for i, lab := range labs {
		flows, err := lab.DumpFlows("br0", "table=0")
		if err != nil {
			t.Fatal(err)
		}
		mine := slices.IndexFunc(flows, func(f Flow) bool { return f.Priority == 7 })
		normal := slices.IndexFunc(flows, func(f Flow) bool { return f.Priority == 0 && f.Actions == "NORMAL" })
		if len(flows) != 2 || mine < 0 || normal < 0 || flows[mine].Cookie != uint64(i+1) {
			t.Errorf("instance %d: %v", i, flows)
		}
	}
}

func TestDumpFlowsParsesRealOutput(t *testing.T) {
	lab := StartT(t, Options{})
	if _, err := lab.AddBridge("br0", BridgeOptions{FailMode: "secure"}); err != nil {
		t.Fatal(err)
	}
	if err := lab.AddFlows("br0",
		"table=0,cookie=0x1122334455667788,priority=100,idle_timeout=30,hard_timeout=300,send_flow_rem,tcp,nw_dst=10.0.0.100,tp_dst=80,actions=mod_nw_dst:10.0.0.2,output:2",
		"table=1,cookie=0x2,arp,actions=CONTROLLER:65535",
	); err != nil {
		t.Fatal(err)
	}
	flows, err := lab.DumpFlows("br0")
	if err != nil {
		t.Fatal(err)
	}
	if len(flows) != 2 {
		t.Fatalf("got %d entries: %v", len(flows), flows)
	}
	f := flows[0]
	if f.Cookie != 0x1122334455667788 || f.Table != 0 || f.Priority != 100 || f.IdleTimeout != 30 ||
		f.HardTimeout != 300 || !slices.Equal(f.Flags, []string{"send_flow_rem"}) ||
		f.Match != "tcp,nw_dst=10.0.0.100,tp_dst=80" || f.Actions != "set_field:10.0.0.2->ip_dst,output:2" {
		t.Errorf("first entry parsed as %+v", f)
	}
	f = flows[1]
	if f.Cookie != 2 || f.Table != 1 || f.Priority != DefaultPriority || f.Match != "arp" || f.Actions != "CONTROLLER:65535" {
		t.Errorf("second entry parsed as %+v", f)
	}

	// WaitFlows gives up at the deadline and shows the table.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = lab.WaitFlows(ctx, "br0", func([]Flow) bool { return false })
	if err == nil || !strings.Contains(err.Error(), "tp_dst=80") || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitFlows error %v; want a deadline error showing the table", err)
	}
}

func TestFlowLimitRefuses(t *testing.T) {
	lab := StartT(t, Options{})
	if _, err := lab.AddBridge("br0", BridgeOptions{FailMode: "secure", FlowLimit: 2}); err != nil {
		t.Fatal(err)
	}
	if err := lab.AddFlows("br0", "priority=1,in_port=1,actions=drop", "priority=1,in_port=2,actions=drop"); err != nil {
		t.Fatal(err)
	}
	_, err := lab.Ofctl("add-flow", "br0", "priority=1,in_port=3,actions=drop")
	if err == nil || !strings.Contains(err.Error(), "OFPFMFC_TABLE_FULL") {
		t.Fatalf("third entry past flow_limit=2: %v; want OFPFMFC_TABLE_FULL", err)
	}
}

func TestRestartVSwitchdKeepsBridge(t *testing.T) {
	ctx := testCtx(t, 90*time.Second)
	lab, h1, h2 := twoHosts(t)
	if _, err := lab.Ofctl("add-flow", "br0", "priority=0,actions=NORMAL"); err != nil {
		t.Fatal(err)
	}
	oldPID := lab.VSwitchdPID()
	dbPID := lab.DBServerPID()
	if err := lab.RestartVSwitchd(ctx); err != nil {
		t.Fatal(err)
	}
	if lab.VSwitchdPID() == oldPID {
		t.Fatal("ovs-vswitchd pid unchanged")
	}
	if lab.DBServerPID() != dbPID {
		t.Fatal("ovsdb-server was restarted too")
	}
	if err := syscall.Kill(oldPID, 0); err == nil {
		t.Errorf("old ovs-vswitchd %d still alive", oldPID)
	}
	out, err := lab.Vsctl("list-br")
	if err != nil || strings.TrimSpace(out) != lab.Name("br0") {
		t.Fatalf("bridges after restart: %q, %v", out, err)
	}
	for _, h := range []*Host{h1, h2} {
		if n, err := lab.OFPort(h.Link); err != nil || n != h.OFPort {
			t.Errorf("%s: ofport %d, %v after restart; want %d", h.Link, n, err, h.OFPort)
		}
	}
	// The flow table of the userspace datapath does not survive: replay.
	flows, err := lab.DumpFlows("br0")
	if err != nil || flows != nil {
		t.Fatalf("flows after restart: %v, %v; want none", flows, err)
	}
	if _, err := lab.Ofctl("add-flow", "br0", "priority=0,actions=NORMAL"); err != nil {
		t.Fatal(err)
	}
	tcpEcho(ctx, t, h1, h2)
}

// leftovers lists what an instance with this suffix still has on the
// machine: links, namespaces, live processes, its directory.
func leftovers(suffix, dir string, pids []int) []string {
	var left []string
	if names, err := listLinks(context.Background()); err == nil {
		for _, n := range names {
			if strings.HasSuffix(n, "-"+suffix) {
				left = append(left, "link "+n)
			}
		}
	} else {
		left = append(left, "cannot list links: "+err.Error())
	}
	if entries, err := os.ReadDir("/run/netns"); err == nil {
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), "-"+suffix) {
				left = append(left, "netns "+e.Name())
			}
		}
	}
	for _, pid := range pids {
		// Reaped children are gone from /proc; a zombie would still be
		// there, so check the state too.
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
			left = append(left, fmt.Sprintf("process %d: %s", pid, b))
		}
	}
	if _, err := os.Stat(dir); err == nil {
		left = append(left, "directory "+dir)
	}
	return left
}

func TestCloseLeavesNothing(t *testing.T) {
	lab, err := Start(testCtx(t, time.Minute), Options{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			lab.Close()
		}
	})
	if _, err := lab.AddBridge("br0", BridgeOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := lab.AddBridge("br1", BridgeOptions{FlowLimit: 10}); err != nil {
		t.Fatal(err)
	}
	h1, err := lab.AddHost("h1", HostOptions{Bridge: "br0", IP: netip.MustParsePrefix("10.0.0.1/24")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lab.AddHost("h2", HostOptions{Bridge: "br1"}); err != nil {
		t.Fatal(err)
	}
	p, err := h1.Start("sleep", "600")
	if err != nil {
		t.Fatal(err)
	}
	pids := []int{lab.VSwitchdPID(), lab.DBServerPID(), p.PID()}
	suffix, dir := lab.Suffix(), lab.Dir()
	if left := leftovers(suffix, dir, pids); len(left) != 8 {
		t.Fatalf("before Close, expected 2 veths, 2 namespaces, 3 processes, 1 dir; found %q", left)
	}
	closed = true
	if err := lab.Close(); err != nil {
		t.Fatal(err)
	}
	if left := leftovers(suffix, dir, pids); left != nil {
		t.Fatalf("left behind after Close: %q", left)
	}
	if err := lab.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := lab.AddBridge("br2", BridgeOptions{}); err == nil {
		t.Fatal("AddBridge after Close succeeded")
	}
}

func TestSweepRemovesOnlyStale(t *testing.T) {
	ctx := testCtx(t, time.Minute)
	live := StartT(t, Options{})
	if _, err := live.AddBridge("br0", BridgeOptions{}); err != nil {
		t.Fatal(err)
	}
	liveHost, err := live.AddHost("h1", HostOptions{Bridge: "br0"})
	if err != nil {
		t.Fatal(err)
	}

	// A crashed run: a directory with an unlocked lock file and a pid file,
	// a namespace and a link carrying its suffix. Suffix "olfff0" is made
	// up and checked to be free first.
	const stale = "olfff0"
	staleDir := filepath.Join(DefaultBaseDir, dirPrefix+stale)
	if _, err := os.Stat(staleDir); err == nil {
		t.Fatalf("%s exists before the test", staleDir)
	}
	if err := os.Mkdir(staleDir, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(staleDir) })
	for _, f := range []string{"lock", "ovs-vswitchd.pid"} {
		// pid 1 is never killed: the sweeper skips pid <= 1.
		if err := os.WriteFile(filepath.Join(staleDir, f), []byte("1\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	staleName := "hx-" + stale
	keepName := "hx-ol12345" // five hex digits: not a harness name
	for _, args := range [][]string{
		{"netns", "add", staleName},
		{"link", "add", staleName, "type", "veth", "peer", "name", "hy-" + stale},
		{"link", "add", keepName, "type", "veth", "peer", "name", "hz-ol12345"},
	} {
		if _, err := runTool(ctx, nil, nil, "ip", args...); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, args := range [][]string{{"netns", "del", staleName}, {"link", "del", staleName}, {"link", "del", keepName}} {
			runTool(context.Background(), nil, nil, "ip", args...)
		}
	})

	if err := Sweep(); err != nil {
		t.Fatal(err)
	}
	if left := leftovers(stale, staleDir, nil); left != nil {
		t.Errorf("sweep left stale resources: %q", left)
	}
	if !linkExists(keepName) {
		t.Errorf("sweep deleted %s, which is not a harness name", keepName)
	}
	if !linkExists(liveHost.Link) {
		t.Errorf("sweep deleted a live instance's links")
	}
	if _, err := os.Stat(filepath.Join("/run/netns", liveHost.Netns)); err != nil {
		t.Errorf("sweep deleted a live namespace: %v", err)
	}
	if _, err := os.Stat(live.Dir()); err != nil {
		t.Errorf("sweep deleted a live instance directory: %v", err)
	}
	if syscall.Kill(live.VSwitchdPID(), 0) != nil {
		t.Errorf("sweep killed a live ovs-vswitchd")
	}
}

func TestBadNames(t *testing.T) {
	lab := StartT(t, Options{})
	tests := []struct {
		name  string
		short string
	}{
		{name: "too long", short: "abcdefghi"},
		{name: "upper case", short: "Br0"},
		{name: "empty", short: ""},
		{name: "dash", short: "br-0"},
		{name: "leading digit", short: "0br"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := lab.AddBridge(tt.short, BridgeOptions{}); err == nil {
				t.Errorf("AddBridge(%q) succeeded", tt.short)
			}
			if _, err := lab.AddHost(tt.short, HostOptions{Bridge: "br0"}); err == nil {
				t.Errorf("AddHost(%q) succeeded", tt.short)
			}
		})
	}
}

// TestNetdevDatapath runs the "netdev" flavour once: bridges get kernel
// tap devices, which Close must remove with everything else. No other test
// here uses DatapathNetdev, so this instance is the only one of its kind.
func TestNetdevDatapath(t *testing.T) {
	ctx := testCtx(t, time.Minute)
	lab, err := Start(ctx, Options{DatapathType: DatapathNetdev, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	lab.Cleanup(t)
	if _, err := lab.AddBridge("br0", BridgeOptions{FailMode: "secure"}); err != nil {
		t.Fatal(err)
	}
	out, err := lab.Vsctl("get", "Bridge", lab.Name("br0"), "datapath_type")
	if err != nil || strings.TrimSpace(out) != "netdev" {
		t.Fatalf("datapath_type %q, %v", out, err)
	}
	if !linkExists(lab.Name("br0")) {
		t.Fatalf("no tap device %s", lab.Name("br0"))
	}
	h1, err := lab.AddHost("h1", HostOptions{Bridge: "br0", IP: netip.MustParsePrefix("10.0.0.1/24")})
	if err != nil {
		t.Fatal(err)
	}
	h2, err := lab.AddHost("h2", HostOptions{Bridge: "br0", IP: netip.MustParsePrefix("10.0.0.2/24")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lab.Ofctl("add-flow", "br0", "priority=0,actions=NORMAL"); err != nil {
		t.Fatal(err)
	}
	tcpEcho(ctx, t, h1, h2)
	pids := []int{lab.VSwitchdPID(), lab.DBServerPID()}
	if err := lab.Close(); err != nil {
		t.Fatal(err)
	}
	if left := leftovers(lab.Suffix(), lab.Dir(), pids); left != nil {
		t.Fatalf("left behind after Close: %q", left)
	}
}

func TestBridgeControllers(t *testing.T) {
	ctx := testCtx(t, time.Minute)
	lab := StartT(t, Options{})
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	target := "tcp:" + ln.Addr().String()
	br, err := lab.AddBridge("br0", BridgeOptions{
		Controllers:         []string{target},
		FailMode:            "secure",
		ControllerQueueSize: 512,
		MaxBackoff:          2 * time.Second,
		InactivityProbe:     30 * time.Second,
		DatapathID:          0x1234,
	})
	if err != nil {
		t.Fatal(err)
	}
	// The switch connects and opens with a version 1.3 HELLO.
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	var c net.Conn
	select {
	case c = <-accepted:
	case <-ctx.Done():
		t.Fatal("switch did not connect")
	}
	if c == nil {
		t.Fatal("accept failed")
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	hdr := make([]byte, 8)
	if _, err := io.ReadFull(c, hdr); err != nil || hdr[0] != 0x04 || hdr[1] != 0 {
		t.Fatalf("first bytes from the switch % x, %v; want an OpenFlow 1.3 HELLO", hdr, err)
	}

	for _, tt := range []struct {
		table, record, column, want string
	}{
		{"Controller", "@ctrl", "target", `"` + target + `"`},
		{"Controller", "@ctrl", "controller_queue_size", "512"},
		{"Controller", "@ctrl", "max_backoff", "2000"},
		{"Controller", "@ctrl", "inactivity_probe", "30000"},
		{"Bridge", br.Name, "fail_mode", "secure"},
		{"Bridge", br.Name, "other_config:datapath-id", `"0000000000001234"`},
		{"Bridge", br.Name, "protocols", "[OpenFlow13]"},
		{"Bridge", br.Name, "datapath_type", DatapathDummy},
	} {
		record := tt.record
		if record == "@ctrl" {
			out, err := lab.Vsctl("get", "Bridge", br.Name, "controller")
			if err != nil {
				t.Fatal(err)
			}
			record = strings.Trim(strings.TrimSpace(out), "[]")
		}
		out, err := lab.Vsctl("get", tt.table, record, tt.column)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(out); got != tt.want {
			t.Errorf("%s %s: %s, want %s", tt.table, tt.column, got, tt.want)
		}
	}

	if err := lab.SetControllers("br0", BridgeOptions{}); err != nil {
		t.Fatal(err)
	}
	if out, err := lab.Vsctl("get-controller", br.Name); err != nil || strings.TrimSpace(out) != "" {
		t.Errorf("controllers after removal: %q, %v", out, err)
	}
	if err := lab.SetControllers("br0", BridgeOptions{}, target, "tcp:127.0.0.1:1"); err != nil {
		t.Fatal(err)
	}
	out, err := lab.Vsctl("get-controller", br.Name)
	if err != nil || len(strings.Fields(out)) != 2 {
		t.Errorf("controllers after SetControllers: %q, %v", out, err)
	}
	if err := lab.DelBridge("br0"); err != nil {
		t.Fatal(err)
	}
	if lab.Bridge("br0") != nil {
		t.Error("bridge still known after DelBridge")
	}
	if out, err := lab.Vsctl("list-br"); err != nil || strings.TrimSpace(out) != "" {
		t.Errorf("bridges after DelBridge: %q, %v", out, err)
	}
}
