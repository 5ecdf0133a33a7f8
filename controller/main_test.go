package controller

import (
	"context"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/oflb/oflb/openflow"
	"github.com/oflb/oflb/openflow/oftest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorder is a test application that records events and can answer
// packet-ins, offer desired state and adopt entries.
type recorder struct {
	mu       sync.Mutex
	ups      []uint64
	downs    []uint64
	pins     []PacketIn
	removed  []openflow.FlowRemoved
	errs     []openflow.ErrorMsg
	changed  chan struct{}
	onPin    func(ev *PacketIn)
	desired  func(sw *Switch) []openflow.FlowMod
	adopt    func(fs *openflow.FlowStats) bool
	adoptees []openflow.FlowStats
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{})} }

func (r *recorder) note() {
	close(r.changed)
	r.changed = make(chan struct{})
}

func (r *recorder) SwitchUp(sw *Switch) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ups = append(r.ups, sw.DPID())
	r.note()
}

func (r *recorder) SwitchDown(sw *Switch) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.downs = append(r.downs, sw.DPID())
	r.note()
}

func (r *recorder) PacketIn(ev *PacketIn) {
	if r.onPin != nil {
		r.onPin(ev)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	cp := *ev
	cp.Msg = nil // aliases the read buffer
	r.pins = append(r.pins, cp)
	r.note()
}

func (r *recorder) FlowRemoved(sw *Switch, m *openflow.FlowRemoved) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.removed = append(r.removed, *m)
	r.note()
}

func (r *recorder) SwitchError(sw *Switch, xid uint32, m *openflow.ErrorMsg) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cp := *m
	cp.Data = append([]byte(nil), m.Data...)
	r.errs = append(r.errs, cp)
	r.note()
}

func (r *recorder) DesiredFlows(sw *Switch) []openflow.FlowMod {
	if r.desired == nil {
		return nil
	}
	return r.desired(sw)
}

func (r *recorder) AdoptFlow(sw *Switch, fs *openflow.FlowStats) bool {
	if r.adopt == nil || !r.adopt(fs) {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.adoptees = append(r.adoptees, *fs)
	return true
}

// waitFor waits until cond (called with the lock held) holds.
func (r *recorder) waitFor(t testing.TB, what string, cond func(r *recorder) bool) {
	t.Helper()
	r.waitForWithin(t, 10*time.Second, what, cond)
}

func (r *recorder) waitForWithin(t testing.TB, d time.Duration, what string, cond func(r *recorder) bool) {
	t.Helper()
	deadline := time.After(d)
	for {
		r.mu.Lock()
		ok := cond(r)
		ch := r.changed
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// testController runs a controller on a loopback port for one test and
// stops it (checking that Serve returns) when the test ends.
type testController struct {
	*Controller
	addr string
	logs *logBuffer
}

func startController(t testing.TB, cfg *Config, apps ...any) *testController {
	t.Helper()
	if cfg == nil {
		cfg = &Config{}
	}
	logs := &logBuffer{}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.MultiWriter(logs), &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	c := New(cfg, apps...)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Serve did not return after cancel")
		}
	})
	return &testController{Controller: c, addr: ln.Addr().String(), logs: logs}
}

func dial(t testing.TB, addr string, opts oftest.Options) *oftest.Switch {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sw, err := oftest.Dial(ctx, addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sw.Close() })
	return sw
}

// logBuffer is a concurrency-safe log sink that tests can search.
type logBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	return len(p), nil
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}
