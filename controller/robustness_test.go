package controller

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/oflb/oflb/openflow"
	"github.com/oflb/oflb/openflow/oftest"
)

// TestWrongReplyTypeToMultipart: a switch that answers a multipart
// request with another message type (a BARRIER_REPLY with the request's
// xid) makes that request fail with an error naming both; the controller
// does not panic, and a handshake that needed the reply fails cleanly.
func TestWrongReplyTypeToMultipart(t *testing.T) {
	tests := []struct {
		name string
		// body is the multipart request the fake switch answers wrongly.
		body openflow.MultipartType
	}{
		{name: "desc during handshake", body: openflow.MultipartDesc},
		{name: "port desc during handshake", body: openflow.MultipartPortDesc},
		{name: "flow dump during reconciliation", body: openflow.MultipartFlow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder()
			tc := startController(t, &Config{OwnerCookie: 1 << 56, OwnerCookieMask: 0xff << 56}, rec)
			sw := dial(t, tc.addr, oftest.Options{Intercept: func(sw *oftest.Switch, xid uint32, m openflow.Message) bool {
				mr, ok := m.(*openflow.MultipartRequest)
				if !ok || mr.Body.MultipartType() != tt.body {
					return false
				}
				sw.Send(xid, &openflow.BarrierReply{})
				return true
			}})
			<-sw.Done()
			waitLog(t, tc, "BARRIER_REPLY")
			if !strings.Contains(tc.logs.String(), "switch disconnected") {
				t.Errorf("no disconnection logged:\n%s", tc.logs)
			}
		})
	}
}

// TestWrongReplyTypeToRequest: a request answered with a message of the
// wrong type after the switch is up.
func TestWrongReplyTypeToRequest(t *testing.T) {
	rec := newRecorder()
	tc := startController(t, nil, rec)
	dial(t, tc.addr, oftest.Options{Intercept: func(sw *oftest.Switch, xid uint32, m openflow.Message) bool {
		if mr, ok := m.(*openflow.MultipartRequest); ok && mr.Body.MultipartType() == openflow.MultipartTable {
			sw.Send(xid, &openflow.EchoReply{})
			return true
		}
		return false
	}})
	rec.waitFor(t, "switch up", func(r *recorder) bool { return len(r.ups) == 1 })
	s, _ := tc.Switch(1)
	m, err := s.Request(ctxT(t), &openflow.MultipartRequest{Body: &openflow.TableStatsRequest{}})
	if err == nil || !strings.Contains(err.Error(), "ECHO_REPLY") {
		t.Fatalf("Request = %v, %v; want an error naming the ECHO_REPLY", m, err)
	}
	var op *OpError
	if !errors.As(err, &op) {
		t.Errorf("err %T is not an *OpError", err)
	}
}

// TestLoggerSwapDuringHandshake: the reader logs (here an unsolicited
// reply) while the handshake names the switch's logger after its DPID;
// run with -race.
func TestLoggerSwapDuringHandshake(t *testing.T) {
	rec := newRecorder()
	tc := startController(t, nil, rec)
	dial(t, tc.addr, oftest.Options{DPID: 0x77, Intercept: func(sw *oftest.Switch, xid uint32, m openflow.Message) bool {
		if _, ok := m.(*openflow.FeaturesRequest); !ok {
			return false
		}
		b, _ := openflow.Marshal(xid, &openflow.FeaturesReply{DatapathID: 0x77, NTables: 1})
		for i := range 50 {
			b, _ = openflow.Append(b, 0xdead0000+uint32(i), &openflow.BarrierReply{})
		}
		sw.Write(b)
		return true
	}})
	rec.waitFor(t, "switch up", func(r *recorder) bool { return len(r.ups) == 1 })
	waitLog(t, tc, "unsolicited reply")
}

// TestPortStatusDuringHandshake: port changes that arrive while the
// handshake logs its summary; run with -race.
func TestPortStatusDuringHandshake(t *testing.T) {
	rec := newRecorder()
	tc := startController(t, nil, rec)
	dial(t, tc.addr, oftest.Options{Intercept: func(sw *oftest.Switch, xid uint32, m openflow.Message) bool {
		bc, ok := m.(*openflow.BundleControl)
		if !ok || bc.ControlType != openflow.BundleDiscardRequest {
			return false
		}
		b, _ := openflow.Marshal(xid, &openflow.BundleControl{BundleID: bc.BundleID, ControlType: openflow.BundleDiscardReply})
		for i := range 50 {
			b, _ = openflow.Append(b, 0, &openflow.PortStatus{Reason: openflow.PortAdd, Port: openflow.Port{PortNo: uint32(10 + i), Name: "new"}})
		}
		sw.Write(b)
		return true
	}})
	rec.waitFor(t, "switch up", func(r *recorder) bool { return len(r.ups) == 1 })
	s, _ := tc.Switch(1)
	deadline := time.Now().Add(5 * time.Second)
	for len(s.Ports()) != 52 {
		if time.Now().After(deadline) {
			t.Fatalf("%d ports, want 52", len(s.Ports()))
		}
		runtime.Gosched()
	}
}

// TestDuplicateReplyDoesNotBlockReader: a switch that answers one request
// twice (or answers after an ERROR for it) must not block the reader on
// the call's buffered(1) channel when the requester has already left:
// that would stop the connection's reader, keepalive answers and Serve's
// shutdown for good.
func TestDuplicateReplyDoesNotBlockReader(t *testing.T) {
	barrier, _ := openflow.Marshal(7, &openflow.BarrierReply{})
	errFrame, _ := openflow.Marshal(7, &openflow.ErrorMsg{ErrType: openflow.ErrTypeBadRequest, Code: uint16(openflow.BadRequestBadType)})
	part, _ := openflow.Marshal(7, &openflow.MultipartReply{Body: &openflow.Desc{}})
	tests := []struct {
		name      string
		multipart bool
		frames    [][]byte
	}{
		{name: "reply twice", frames: [][]byte{barrier, barrier}},
		{name: "error then reply", frames: [][]byte{errFrame, barrier}},
		{name: "multipart error then reply", multipart: true, frames: [][]byte{errFrame, part}},
		{name: "multipart reply twice", multipart: true, frames: [][]byte{part, part}},
		{name: "multipart wrong type twice", multipart: true, frames: [][]byte{barrier, barrier}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := net.Pipe()
			defer a.Close()
			defer b.Close()
			c := New(&Config{Logger: slog.New(slog.DiscardHandler)})
			s := newSwitch(c, a)
			s.register(7, &call{ch: make(chan reply, 1), multipart: tt.multipart})
			done := make(chan struct{})
			go func() {
				defer close(done)
				var st readState
				for _, f := range tt.frames {
					if err := s.handleFrame(&st, f); err != nil {
						t.Error(err)
					}
				}
			}()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("the reader blocked delivering a second answer nobody waits for")
			}
		})
	}
}

// TestAbandonedMultipartNotKept: a request that gives up between the
// reader's lookup of its call and the assembler's taking of the first
// part leaves nothing in the assembler: a leaked partial reply counts
// against the assembler's limit of replies under way (16), and once that
// many leaked, every later multi-part dump of the connection (flow
// statistics, reconciliation) was refused.
func TestAbandonedMultipartNotKept(t *testing.T) {
	rec := newRecorder()
	tc := startController(t, nil, rec)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	requestDone := make(chan struct{})
	var once sync.Once
	var armed atomic.Bool // from the test's request on
	tc.testHookMultipart = func(uint32) {
		if !armed.Load() {
			return
		}
		once.Do(func() {
			cancel()
			<-requestDone // the requester has unregistered and cancelled
		})
	}
	sw := dial(t, tc.addr, oftest.Options{PartSize: 256})
	for i := range 50 {
		fm := openflow.FlowMod{Command: openflow.FlowAdd, Priority: 10, Cookie: uint64(i)}
		fm.Match.SetEthType(0x0800)
		fm.Match.SetIPv4Src(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}))
		sw.AddFlow(fm)
	}
	rec.waitFor(t, "switch up", func(r *recorder) bool { return len(r.ups) == 1 })
	s, _ := tc.Switch(1)
	dump := &openflow.MultipartRequest{Body: &openflow.FlowStatsRequest{TableID: openflow.TableAll, OutPort: openflow.PortAny, OutGroup: openflow.GroupAny}}
	armed.Store(true)
	if _, err := s.Request(ctx, dump); !errors.Is(err, context.Canceled) {
		t.Fatalf("Request = %v, want context.Canceled", err)
	}
	close(requestDone)
	// The rest of the abandoned reply has gone by once a barrier sent
	// after the request comes back.
	if err := s.Barrier(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if n, b := s.asm.Pending(); n != 0 {
		t.Errorf("assembler holds %d partial replies (%d bytes) nobody waits for", n, b)
	}
}

// flakyListener fails its first Accept calls with errs, then accepts.
type flakyListener struct {
	net.Listener
	mu   sync.Mutex
	errs []error
}

func (l *flakyListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	if len(l.errs) > 0 {
		err := l.errs[0]
		l.errs = l.errs[1:]
		l.mu.Unlock()
		return nil, err
	}
	l.mu.Unlock()
	return l.Listener.Accept()
}

// TestAcceptSurvivesResourceErrors: running out of file descriptors (or
// kernel buffers) for a moment must not stop the controller from
// accepting switches for good.
func TestAcceptSurvivesResourceErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{name: "EMFILE", err: &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}},
		{name: "ENFILE", err: &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.ENFILE)}},
		{name: "ENOBUFS", err: &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.ENOBUFS)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder()
			c := New(&Config{Logger: slog.New(slog.DiscardHandler)}, rec)
			inner, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ln := &flakyListener{Listener: inner, errs: []error{tt.err, tt.err}}
			ctx, cancel := context.WithCancel(context.Background())
			served := make(chan error, 1)
			go func() { served <- c.Serve(ctx, ln) }()
			defer func() {
				cancel()
				if err := <-served; err != nil {
					t.Errorf("Serve after cancel: %v", err)
				}
			}()
			dial(t, inner.Addr().String(), oftest.Options{})
			select {
			case err := <-served:
				served <- err
				t.Fatalf("Serve returned %v after a transient accept error", err)
			case <-rec.upCh():
			case <-time.After(10 * time.Second):
				t.Fatal("switch never came up")
			}
		})
	}
}

// upCh returns a channel closed once a switch is up.
func (r *recorder) upCh() <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		for {
			r.mu.Lock()
			n, changed := len(r.ups), r.changed
			r.mu.Unlock()
			if n > 0 {
				return
			}
			<-changed
		}
	}()
	return ch
}

// TestClosedErrorSaysWhy: a request cut short by the connection closing
// reports why it closed (here the echo timeout), not just that it did.
func TestClosedErrorSaysWhy(t *testing.T) {
	rec := newRecorder()
	tc := startController(t, &Config{EchoInterval: 50 * time.Millisecond}, rec)
	var swallow atomic.Bool
	dial(t, tc.addr, oftest.Options{Intercept: func(sw *oftest.Switch, xid uint32, m openflow.Message) bool {
		_, isEcho := m.(*openflow.EchoRequest)
		return swallow.Load() && (isEcho || m.Type() == openflow.TypeBarrierRequest)
	}})
	rec.waitFor(t, "switch up", func(r *recorder) bool { return len(r.ups) == 1 })
	s, _ := tc.Switch(1)
	swallow.Store(true)
	err := s.Barrier(ctxT(t))
	if !errors.Is(err, ErrClosed) || !errors.Is(err, ErrEchoTimeout) {
		t.Fatalf("Barrier = %v, want ErrClosed and the reason, ErrEchoTimeout", err)
	}
	if err := s.Do(ctxT(t), &openflow.BarrierRequest{}); !errors.Is(err, ErrClosed) || !errors.Is(err, ErrEchoTimeout) {
		t.Fatalf("Do after close = %v, want ErrClosed and ErrEchoTimeout", err)
	}
}
