package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/oflb/oflb/lb"
	"github.com/oflb/oflb/openflow"
	"github.com/oflb/oflb/openflow/oftest"
	"github.com/oflb/oflb/openflow/packet"
	"github.com/oflb/oflb/policy"
)

func TestMain(m *testing.M) {
	// signal.Notify starts a goroutine that lives as long as the process.
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("os/signal.loop"))
}

// examplesDir is the committed example policy: 2 tenants, 3 VIPs.
const examplesDir = "../../policy/examples"

// waitTimeout bounds every wait for a condition.
const waitTimeout = 10 * time.Second

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", waitTimeout, what)
		}
		<-tick.C
	}
}

// testLogger returns a logger that writes through t.Log, and stops
// writing once the test has ended.
func testLogger(t *testing.T) *slog.Logger {
	w := &testWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct {
	mu   sync.Mutex
	t    *testing.T
	done bool
}

func (w *testWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(b), "\n"))
	}
	return len(b), nil
}

// copyDir copies the policy files of src into a new temporary directory.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// testEnv is a server (controller + load balancer + policy) with its API
// on an httptest server and its OpenFlow listener on a loopback port.
type testEnv struct {
	t      *testing.T
	s      *server
	ofAddr string
	api    *httptest.Server
	client *http.Client
}

func newTestEnv(t *testing.T, dir string) *testEnv {
	t.Helper()
	cfg := policy.Config{PolicyDir: dir, Listen: []string{"127.0.0.1:0"}}
	s := newServer(cfg, testLogger(t))
	if err := s.start(); err != nil {
		t.Fatalf("start: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.run(ctx, []net.Listener{ln}, nil) }()
	e := &testEnv{t: t, s: s, ofAddr: ln.Addr().String(), api: httptest.NewServer(s.handler())}
	e.client = e.api.Client()
	t.Cleanup(func() {
		e.client.CloseIdleConnections()
		e.api.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return e
}

// dial connects a fake switch and waits until the controller has it ready.
func (e *testEnv) dial(dpid uint64) *oftest.Switch {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	sw, err := oftest.Dial(ctx, e.ofAddr, oftest.Options{DPID: dpid})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { sw.Close() })
	waitFor(e.t, fmt.Sprintf("switch %x ready", dpid), func() bool {
		_, ok := e.s.ctrl.Switch(dpid)
		return ok
	})
	return sw
}

// do makes an API request and returns the status and body.
func (e *testEnv) do(method, path string) (int, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.api.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); path != "/metrics" && !strings.HasPrefix(ct, "application/json") {
		e.t.Errorf("%s %s: Content-Type %q, want JSON", method, path, ct)
	}
	return resp.StatusCode, b
}

// get decodes a 200 answer into out.
func (e *testEnv) get(path string, out any) {
	e.t.Helper()
	code, b := e.do(http.MethodGet, path)
	if code != http.StatusOK {
		e.t.Fatalf("GET %s: %d %s", path, code, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		e.t.Fatalf("GET %s: %v in %s", path, err, b)
	}
}

// vip returns the VIP of the running configuration named tenant/name.
func (e *testEnv) vip(full string) lb.VIPInfo {
	e.t.Helper()
	for _, v := range e.s.app.VIPs() {
		if v.Tenant+"/"+v.Name == full {
			return v
		}
	}
	e.t.Fatalf("no VIP %s", full)
	return lb.VIPInfo{}
}

// Ports of the fake switch: clients on 1, backends on 2.
const (
	clientPort  = 1
	backendPort = 2
)

// locate makes the load balancer learn every backend of v on sw's
// backend port, from ARP replies, and waits until it has.
func (e *testEnv) locate(sw *oftest.Switch, dpid uint64, v lb.VIPInfo) {
	e.t.Helper()
	for i, b := range v.Backends {
		mac := openflow.MAC{0x02, 0xbb, 0, 0, byte(b.ID >> 8), byte(b.ID)}
		frame, err := packet.AppendARPReply(nil, mac, b.Addr, v.MAC, v.Addr)
		if err != nil {
			e.t.Fatal(err)
		}
		if err := sw.SendPacketIn(uint32(100+i), backendPort, frame); err != nil {
			e.t.Fatal(err)
		}
	}
	waitFor(e.t, "backends of "+v.Name+" located", func() bool {
		for _, b := range e.vip(v.Tenant + "/" + v.Name).Backends {
			if !slices.Contains(b.Located, dpid) {
				return false
			}
		}
		return true
	})
}

// connect sends the first packet of a TCP connection from client to v and
// waits until the load balancer holds the flow; it returns the flow.
func (e *testEnv) connect(sw *oftest.Switch, dpid uint64, v lb.VIPInfo, client netip.AddrPort) lb.FlowInfo {
	e.t.Helper()
	cmac := openflow.MAC{0x02, 0xcc, 0, 0, 0, byte(client.Port())}
	frame, err := packet.AppendTCP(nil, packet.Ethernet{Dst: v.MAC, Src: cmac},
		packet.IPHeader{Src: client.Addr(), Dst: v.Addr},
		packet.TCPHeader{SrcPort: client.Port(), DstPort: v.Port, Seq: 1, Flags: packet.TCPSyn, Window: 1024}, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := sw.SendPacketIn(uint32(client.Port()), clientPort, frame); err != nil {
		e.t.Fatal(err)
	}
	var got lb.FlowInfo
	waitFor(e.t, "flow from "+client.String(), func() bool {
		for _, f := range e.s.app.Flows(dpid) {
			if f.Client == client {
				got = f
				return true
			}
		}
		return false
	})
	return got
}

// runCLI runs the oflb command line in process and returns its exit
// status, standard output and standard error.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}
