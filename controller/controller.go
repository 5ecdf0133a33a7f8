package controller

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/oflb/oflb/openflow"
)

// Controller accepts switch connections and dispatches their events to
// applications.
type Controller struct {
	cfg     Config
	metrics *metrics

	switchHandlers      []SwitchHandler
	packetInHandlers    []PacketInHandler
	flowRemovedHandlers []FlowRemovedHandler
	portStatusHandlers  []PortStatusHandler
	errorHandlers       []ErrorHandler
	desired             []DesiredStater
	adopters            []Adopter

	mu       sync.Mutex
	switches map[uint64]*Switch // by DPID, once the handshake has named them
	conns    map[*Switch]struct{}
	closed   bool
	wg       sync.WaitGroup

	// testHookMultipart, if set (before switches connect), runs on the
	// reader between finding the call of a multipart reply part and
	// handing the part to the assembler.
	testHookMultipart func(xid uint32)
}

// New returns a controller that dispatches to apps; each app implements any
// of the handler interfaces of app.go. A nil cfg means defaults.
func New(cfg *Config, apps ...any) *Controller {
	c := &Controller{
		cfg:      cfg.withDefaults(),
		switches: make(map[uint64]*Switch),
		conns:    make(map[*Switch]struct{}),
	}
	c.metrics = newMetrics(c.cfg.Registerer, c)
	for _, a := range apps {
		c.Register(a)
	}
	return c
}

// Register adds an application. Call it before Serve.
func (c *Controller) Register(app any) {
	if h, ok := app.(SwitchHandler); ok {
		c.switchHandlers = append(c.switchHandlers, h)
	}
	if h, ok := app.(PacketInHandler); ok {
		c.packetInHandlers = append(c.packetInHandlers, h)
	}
	if h, ok := app.(FlowRemovedHandler); ok {
		c.flowRemovedHandlers = append(c.flowRemovedHandlers, h)
	}
	if h, ok := app.(PortStatusHandler); ok {
		c.portStatusHandlers = append(c.portStatusHandlers, h)
	}
	if h, ok := app.(ErrorHandler); ok {
		c.errorHandlers = append(c.errorHandlers, h)
	}
	if h, ok := app.(DesiredStater); ok {
		c.desired = append(c.desired, h)
	}
	if h, ok := app.(Adopter); ok {
		c.adopters = append(c.adopters, h)
	}
}

// Serve accepts switches on every listener until ctx ends, then closes the
// listeners and every connection (switches keep their entries) and waits
// for all goroutines it started. Any net.Listener works: plain TCP, TLS, or
// an in-memory one in tests.
func (c *Controller) Serve(ctx context.Context, listeners ...net.Listener) error {
	if len(listeners) == 0 {
		return errors.New("controller: no listener")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, len(listeners))
	for _, ln := range listeners {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			errc <- c.accept(ctx, ln)
		}()
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		<-ctx.Done()
		for _, ln := range listeners {
			ln.Close()
		}
	}()
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	cancel()
	c.mu.Lock()
	c.closed = true
	for s := range c.conns {
		s.closeWith(ErrClosed)
	}
	c.mu.Unlock()
	c.wg.Wait()
	return err
}

func (c *Controller) accept(ctx context.Context, ln net.Listener) error {
	var delay time.Duration
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if transientAccept(err) {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				c.cfg.Logger.Warn("accept failed, retrying", "err", err, "delay", delay)
				select {
				case <-time.After(delay):
					continue
				case <-ctx.Done():
					return nil
				}
			}
			return fmt.Errorf("controller: accept on %v: %w", ln.Addr(), err)
		}
		delay = 0
		s := newSwitch(c, conn)
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			conn.Close()
			return nil
		}
		c.conns[s] = struct{}{}
		c.wg.Add(1)
		c.mu.Unlock()
		go func() {
			defer c.wg.Done()
			c.run(ctx, s)
		}()
	}
}

// transientAccept reports whether an accept error may clear by itself:
// a timeout, or running short of file descriptors, buffers or memory
// (many switches at once, a burst of other connections). The listener
// then waits and retries instead of stopping for good.
func transientAccept(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	for _, errno := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED} {
		if errors.Is(err, errno) {
			return true
		}
	}
	return false
}

// run manages one connection from HELLO to close.
func (c *Controller) run(ctx context.Context, s *Switch) {
	defer func() {
		s.closeWith(ErrClosed)
		s.wg.Wait()
		c.mu.Lock()
		delete(c.conns, s)
		if c.switches[s.DPID()] == s {
			delete(c.switches, s.DPID())
		}
		c.mu.Unlock()
		if s.up.Load() {
			c.metrics.switchDown()
			for _, h := range c.switchHandlers {
				h.SwitchDown(s)
			}
		}
	}()
	r := openflow.NewReader(s.conn)
	if err := s.hello(r); err != nil {
		s.closeWith(&OpError{Op: "hello", Err: err})
		return
	}
	s.wg.Add(3)
	go s.readLoop(r)
	go s.writeLoop()
	go s.keepalive()
	// Stop the handshake and reconciliation if the controller stops.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-s.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	if err := s.handshake(ctx); err != nil {
		s.closeWith(&OpError{Op: "handshake", DPID: s.DPID(), Err: err})
		return
	}
	c.adopt(s)
	if err := c.reconcile(ctx, s); err != nil {
		s.closeWith(&OpError{Op: "reconcile", DPID: s.DPID(), Err: err})
		return
	}
	s.up.Store(true)
	c.metrics.switchUp()
	for _, h := range c.switchHandlers {
		h.SwitchUp(s)
	}
	select {
	case <-s.done:
	case <-ctx.Done():
	}
}

// adopt makes s the connection of its DPID, closing an older connection of
// the same switch (a switch that reconnected before we noticed it left).
func (c *Controller) adopt(s *Switch) {
	c.mu.Lock()
	old := c.switches[s.DPID()]
	c.switches[s.DPID()] = s
	c.mu.Unlock()
	if old != nil && old != s {
		old.closeWith(fmt.Errorf("replaced by a new connection from %v", s.RemoteAddr()))
	}
}

// Switch returns the ready connection of a datapath.
func (c *Controller) Switch(dpid uint64) (*Switch, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.switches[dpid]
	if !ok || !s.up.Load() {
		return nil, false
	}
	return s, true
}

// Switches returns the ready switches, sorted by DPID.
func (c *Controller) Switches() []*Switch {
	c.mu.Lock()
	out := make([]*Switch, 0, len(c.switches))
	for _, s := range c.switches {
		if s.up.Load() {
			out = append(out, s)
		}
	}
	c.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].DPID() < out[j].DPID() })
	return out
}

func (c *Controller) packetIn(ev *PacketIn, start time.Time) {
	for _, h := range c.packetInHandlers {
		h.PacketIn(ev)
	}
	c.metrics.packetIn(time.Since(start))
}

func (c *Controller) flowRemoved(s *Switch, m *openflow.FlowRemoved) {
	if c.cfg.OwnerCookieMask != 0 && m.Cookie&c.cfg.OwnerCookieMask != c.cfg.OwnerCookie {
		return
	}
	for _, h := range c.flowRemovedHandlers {
		h.FlowRemoved(s, m)
	}
}

func (c *Controller) portStatus(s *Switch, m *openflow.PortStatus) {
	for _, h := range c.portStatusHandlers {
		h.PortStatus(s, m)
	}
}

func (c *Controller) switchError(s *Switch, xid uint32, m *openflow.ErrorMsg) {
	if len(c.errorHandlers) == 0 {
		s.Logger().Warn("switch reported an error", "xid", xid, "err", m)
	}
	for _, h := range c.errorHandlers {
		h.SwitchError(s, xid, m)
	}
}
