package controller

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/oflb/oflb/openflow"
	"github.com/oflb/oflb/openflow/packet"
)

// Features is what the controller learned about a switch during the
// handshake.
type Features struct {
	DatapathID   uint64
	NBuffers     uint32
	NTables      uint8
	Capabilities openflow.Capabilities
	Desc         openflow.Desc
	// Probe results: nil means supported, ErrNotSupported means the switch
	// refused, another error means the probe itself failed.
	Groups, Meters, Nicira, Bundles error
}

// Switch is one connected switch. Its methods are safe for concurrent use.
type Switch struct {
	c    *Controller
	conn net.Conn
	log  atomic.Pointer[slog.Logger] // replaced once the DPID is known

	dpid      atomic.Uint64
	features  Features // written before up is set, read-only after
	connected time.Time

	xid      atomic.Uint32
	q        *sendQueue
	asm      *openflow.Assembler
	limiter  *rate.Limiter // flow-mods per second; nil: unlimited
	received atomic.Uint64 // frames received; keepalive watches it change
	up       atomic.Bool   // handshake and reconciliation done: events flow to apps

	mu       sync.Mutex
	ports    map[uint32]openflow.Port
	calls    map[uint32]*call
	role     openflow.ControllerRole
	maxGenID uint64
	genSeen  bool

	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
	wg        sync.WaitGroup
}

// call is a request waiting for its reply.
type call struct {
	ch        chan reply // buffered(1)
	multipart bool       // the reply is assembled by Switch.asm
	batch     *batch     // set for messages of a Do batch: errors are collected
}

type reply struct {
	msg openflow.Message // owned by the receiver (decoded from a copy)
	err error
}

// deliver hands r to the waiting requester unless an answer is already
// waiting there: the first answer (reply or ERROR) wins, and the reader
// never blocks on a requester that has gone (a switch may answer twice).
func (cl *call) deliver(r reply) {
	select {
	case cl.ch <- r:
	default:
	}
}

// batch collects the errors of a group of messages sent by Do until its
// barrier reply arrives.
type batch struct {
	mu   sync.Mutex
	errs []error
}

func newSwitch(c *Controller, conn net.Conn) *Switch {
	s := &Switch{
		c:         c,
		conn:      conn,
		q:         newSendQueue(c.cfg.SendQueueBytes),
		asm:       openflow.NewAssembler(&openflow.AssemblerConfig{MaxBytes: c.cfg.MaxMultipartBytes, Now: c.cfg.Now}),
		ports:     make(map[uint32]openflow.Port),
		calls:     make(map[uint32]*call),
		done:      make(chan struct{}),
		connected: c.cfg.Now(),
		role:      openflow.RoleEqual, // what a switch assumes until told otherwise
	}
	s.log.Store(c.cfg.Logger.With("switch", conn.RemoteAddr().String()))
	if c.cfg.FlowModRate > 0 {
		s.limiter = rate.NewLimiter(rate.Limit(c.cfg.FlowModRate), max(1, c.cfg.FlowModBurst))
	}
	return s
}

// DPID returns the switch's datapath id (zero before the features reply).
func (s *Switch) DPID() uint64 { return s.dpid.Load() }

// Features returns what the handshake learned.
func (s *Switch) Features() Features { return s.features }

// RemoteAddr returns the switch's address.
func (s *Switch) RemoteAddr() net.Addr { return s.conn.RemoteAddr() }

// ConnectedAt returns when the connection was accepted.
func (s *Switch) ConnectedAt() time.Time { return s.connected }

// Logger returns a logger carrying the switch's DPID.
func (s *Switch) Logger() *slog.Logger { return s.log.Load() }

// Done is closed when the connection has closed.
func (s *Switch) Done() <-chan struct{} { return s.done }

// Err returns why the connection closed, or nil while it is open.
func (s *Switch) Err() error {
	select {
	case <-s.done:
		return s.closeErr
	default:
		return nil
	}
}

// Ports returns a copy of the switch's port table.
func (s *Switch) Ports() []openflow.Port {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]openflow.Port, 0, len(s.ports))
	for _, p := range s.ports {
		out = append(out, p)
	}
	return out
}

// Port returns one port by number.
func (s *Switch) Port(no uint32) (openflow.Port, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.ports[no]
	return p, ok
}

// Role returns the controller's current role on the switch (EQUAL until a
// role request says otherwise).
func (s *Switch) Role() openflow.ControllerRole {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.role
}

// NextXID allocates a transaction id.
func (s *Switch) NextXID() uint32 { return s.xid.Add(1) }

// modifies reports whether m changes switch state, which a SLAVE may not.
func modifies(m openflow.Message) bool {
	if ba, ok := m.(*openflow.BundleAdd); ok && ba.Message != nil {
		m = ba.Message // a bundled flow-mod modifies as much as a plain one
	}
	switch m.Type() {
	case openflow.TypeFlowMod, openflow.TypeGroupMod, openflow.TypePortMod,
		openflow.TypeTableMod, openflow.TypeMeterMod, openflow.TypePacketOut:
		return true
	}
	return false
}

// Send queues m with a new xid and returns at once. It fails with
// ErrQueueFull when the switch is not keeping up (and disconnects a switch
// that has not kept up for Config.QueueFullTimeout), ErrNotMaster if the
// controller is SLAVE, and ErrClosed after the connection closed.
func (s *Switch) Send(m openflow.Message) (xid uint32, err error) {
	xid = s.NextXID()
	return xid, s.sendXID(xid, m)
}

func (s *Switch) sendXID(xid uint32, m openflow.Message) error {
	if modifies(m) && s.Role() == openflow.RoleSlave {
		return ErrNotMaster
	}
	var fullSince time.Time
	var err error
	switch m.Type() {
	case openflow.TypeEchoRequest, openflow.TypeEchoReply:
		fullSince, err = s.q.appendUrgent(xid, m, s.c.cfg.Now)
	default:
		fullSince, err = s.q.append(xid, m, s.c.cfg.Now)
	}
	if err == nil {
		t := m.Type()
		if ba, ok := m.(*openflow.BundleAdd); ok && ba.Message != nil {
			t = ba.Message.Type() // a bundled flow-mod counts as a flow-mod
		}
		s.c.metrics.sent(t)
	}
	if errors.Is(err, ErrClosed) {
		return s.closedErr()
	}
	if errors.Is(err, ErrQueueFull) {
		s.c.metrics.queueFull(s)
		if now := s.c.cfg.Now(); now.Sub(fullSince) >= s.c.cfg.QueueFullTimeout {
			s.closeWith(fmt.Errorf("send queue full for %v: %w", now.Sub(fullSince).Round(time.Millisecond), ErrQueueFull))
		}
	}
	return err
}

// sendWait queues m, waiting for room instead of failing when the queue is
// full, until ctx ends.
func (s *Switch) sendWait(ctx context.Context, xid uint32, m openflow.Message) error {
	for {
		space := s.q.waitSpace()
		err := s.sendXID(xid, m)
		if !errors.Is(err, ErrQueueFull) {
			return err
		}
		select {
		case <-space:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.done:
			return s.closedErr()
		}
	}
}

// register records a call waiting for the reply to xid.
func (s *Switch) register(xid uint32, c *call) {
	s.mu.Lock()
	s.calls[xid] = c
	s.mu.Unlock()
}

func (s *Switch) unregister(xid uint32) {
	s.mu.Lock()
	delete(s.calls, xid)
	s.mu.Unlock()
}

// Request sends m and waits for its reply: the reply message, or the
// switch's ERROR for it as a *openflow.ErrorMsg wrapped in an *OpError.
// Multipart requests return the whole assembled reply.
func (s *Switch) Request(ctx context.Context, m openflow.Message) (openflow.Message, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.c.cfg.RequestTimeout)
		defer cancel()
	}
	xid := s.NextXID()
	cl := &call{ch: make(chan reply, 1)}
	if m.Type() == openflow.TypeMultipartRequest {
		cl.multipart = true
		defer s.asm.Cancel(xid)
	}
	s.register(xid, cl)
	defer s.unregister(xid)
	op := "request " + m.Type().String()
	if err := s.sendWait(ctx, xid, m); err != nil {
		return nil, &OpError{Op: op, DPID: s.DPID(), Err: err}
	}
	select {
	case r := <-cl.ch:
		if r.err != nil {
			return nil, &OpError{Op: op, DPID: s.DPID(), Err: r.err}
		}
		return r.msg, nil
	case <-ctx.Done():
		return nil, &OpError{Op: op, DPID: s.DPID(), Err: ctx.Err()}
	case <-s.done:
		return nil, &OpError{Op: op, DPID: s.DPID(), Err: s.closedErr()}
	}
}

// Barrier sends a barrier request and waits for its reply: every message
// sent before it has then been processed by the switch.
func (s *Switch) Barrier(ctx context.Context) error {
	_, err := s.Request(ctx, &openflow.BarrierRequest{})
	return err
}

// Do sends msgs in order followed by one barrier, and returns the errors
// the switch reported for any of them (joined), or nil once the barrier
// reply proves they were all processed without error. It waits for queue
// space instead of failing.
func (s *Switch) Do(ctx context.Context, msgs ...openflow.Message) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.c.cfg.RequestTimeout)
		defer cancel()
	}
	b := &batch{}
	xids := make([]uint32, 0, len(msgs)+1)
	defer func() {
		s.mu.Lock()
		for _, x := range xids {
			delete(s.calls, x)
		}
		s.mu.Unlock()
	}()
	for _, m := range msgs {
		xid := s.NextXID()
		xids = append(xids, xid)
		s.register(xid, &call{batch: b})
		if err := s.sendWait(ctx, xid, m); err != nil {
			return &OpError{Op: "send " + m.Type().String(), DPID: s.DPID(), Err: err}
		}
	}
	xid := s.NextXID()
	xids = append(xids, xid)
	cl := &call{ch: make(chan reply, 1)}
	s.register(xid, cl)
	if err := s.sendWait(ctx, xid, &openflow.BarrierRequest{}); err != nil {
		return &OpError{Op: "barrier", DPID: s.DPID(), Err: err}
	}
	select {
	case r := <-cl.ch:
		if r.err != nil {
			return &OpError{Op: "barrier", DPID: s.DPID(), Err: r.err}
		}
	case <-ctx.Done():
		return &OpError{Op: "barrier", DPID: s.DPID(), Err: ctx.Err()}
	case <-s.done:
		return &OpError{Op: "barrier", DPID: s.DPID(), Err: s.closedErr()}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return errors.Join(b.errs...)
}

// SetRole sends a role request and records the role the switch grants.
// A generation id older than one already seen is refused locally with
// ErrStaleGeneration (the switch would refuse it too).
func (s *Switch) SetRole(ctx context.Context, role openflow.ControllerRole, generation uint64) (openflow.ControllerRole, error) {
	if role == openflow.RoleMaster || role == openflow.RoleSlave {
		s.mu.Lock()
		stale := s.genSeen && int64(generation-s.maxGenID) < 0
		s.mu.Unlock()
		if stale {
			return s.Role(), &OpError{Op: "role request", DPID: s.DPID(), Err: ErrStaleGeneration}
		}
	}
	m, err := s.Request(ctx, &openflow.RoleRequest{Role: role, GenerationID: generation})
	if err != nil {
		var em *openflow.ErrorMsg
		if errors.As(err, &em) && em.ErrType == openflow.ErrTypeRoleRequestFailed && em.Code == uint16(openflow.RoleRequestFailedStale) {
			// Our generation is stale: another controller has taken over,
			// so whatever we were, we are not master now. (Other role
			// failures leave our role on the switch unchanged.)
			s.mu.Lock()
			if s.role == openflow.RoleMaster {
				s.role = openflow.RoleSlave
			}
			s.mu.Unlock()
		}
		return s.Role(), err
	}
	rr, ok := m.(*openflow.RoleReply)
	if !ok {
		return s.Role(), &OpError{Op: "role request", DPID: s.DPID(), Err: fmt.Errorf("unexpected reply %v", m.Type())}
	}
	s.mu.Lock()
	s.role = rr.Role
	if rr.Role == openflow.RoleMaster || rr.Role == openflow.RoleSlave {
		if !s.genSeen || int64(rr.GenerationID-s.maxGenID) > 0 {
			s.maxGenID = rr.GenerationID
		}
		s.genSeen = true
	}
	s.mu.Unlock()
	s.Logger().Info("role changed", "role", rr.Role, "generation", rr.GenerationID)
	return rr.Role, nil
}

// closedErr is ErrClosed, joined with why the connection closed when it
// closed for a reason of its own (echo timeout, queue full, read error).
func (s *Switch) closedErr() error {
	select {
	case <-s.done:
	default:
		return ErrClosed
	}
	if s.closeErr == nil || errors.Is(s.closeErr, ErrClosed) {
		return ErrClosed
	}
	return fmt.Errorf("%w: %w", ErrClosed, s.closeErr)
}

// Close closes the connection. The switch keeps its flow entries.
func (s *Switch) Close() error {
	s.closeWith(ErrClosed)
	return nil
}

func (s *Switch) closeWith(err error) {
	s.closeOnce.Do(func() {
		s.closeErr = err
		s.q.close()
		s.conn.Close()
		close(s.done)
		if err != nil && !errors.Is(err, ErrClosed) {
			s.Logger().Warn("switch disconnected", "reason", err)
		} else {
			s.Logger().Info("switch disconnected")
		}
	})
}

// writeLoop drains the queue into the socket, many messages per write.
// With a flow-mod rate limit it writes up to the first flow-mod the
// limiter does not allow yet, waits, and goes on: the switch never sees
// more flow-mods per second than it is configured to take. Urgent
// messages (echoes) are written between whole frames, while it waits too.
func (s *Switch) writeLoop() {
	defer s.wg.Done()
	for {
		select {
		case <-s.q.wake:
		case <-s.done:
			return
		}
		if !s.writeUrgent() {
			return
		}
		batch := s.q.take()
		woken := false // a wake signal was spent while waiting
		for len(batch) > 0 {
			n, wait := s.allowed(batch)
			if n > 0 {
				if !s.write(batch[:n]) {
					return
				}
				batch = batch[n:]
			}
			if wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-t.C:
				case <-s.q.wake:
					t.Stop()
					// An urgent message, or the first of a new batch,
					// which must not be forgotten once this one is done.
					if !s.writeUrgent() {
						return
					}
					woken = true
				case <-s.done:
					t.Stop()
					return
				}
			}
		}
		if woken {
			s.q.rewake()
		}
	}
}

// writeUrgent writes the urgent messages waiting, if any, and reports
// whether the connection is still open.
func (s *Switch) writeUrgent() bool {
	if u := s.q.takeUrgent(); len(u) > 0 {
		return s.write(u)
	}
	return true
}

// write writes whole frames, closing the connection on failure.
func (s *Switch) write(b []byte) bool {
	s.conn.SetWriteDeadline(s.c.cfg.Now().Add(s.c.cfg.WriteTimeout))
	if _, err := s.conn.Write(b); err != nil {
		s.closeWith(fmt.Errorf("write: %w", err))
		return false
	}
	s.c.metrics.bytesSent(len(b))
	return true
}

// allowed returns how many bytes of batch may be written now, and how long
// to wait before the next flow-mod (or bundled message) may go.
func (s *Switch) allowed(batch []byte) (int, time.Duration) {
	if s.limiter == nil {
		return len(batch), 0
	}
	n := 0
	for n+openflow.HeaderLen <= len(batch) {
		t := openflow.Type(batch[n+1])
		length := int(batch[n+2])<<8 | int(batch[n+3])
		if t == openflow.TypeFlowMod || isBundleAdd(batch[n:n+length]) {
			r := s.limiter.ReserveN(s.c.cfg.Now(), 1)
			if d := r.DelayFrom(s.c.cfg.Now()); d > 0 {
				r.Cancel()
				return n, d
			}
		}
		n += length
	}
	return n, 0
}

// isBundleAdd reports whether an encoded frame is an ONF bundle add (which
// carries, almost always, a flow-mod).
func isBundleAdd(frame []byte) bool {
	return len(frame) >= 16 && openflow.Type(frame[1]) == openflow.TypeExperimenter &&
		binary.BigEndian.Uint32(frame[8:12]) == openflow.BundleExperimenterID &&
		binary.BigEndian.Uint32(frame[12:16]) == openflow.BundleAddExpType
}

// readState is the reader goroutine's reusable decoding state.
type readState struct {
	dec    openflow.Decoder
	parser *packet.Parser
	ev     PacketIn
}

// readLoop decodes frames in order and dispatches them until the
// connection breaks. Malformed input closes this connection only.
func (s *Switch) readLoop(r *openflow.Reader) {
	defer s.wg.Done()
	var st readState
	for {
		frame, err := r.Next()
		if err != nil {
			var fe *openflow.FrameError
			switch {
			case errors.As(err, &fe):
				s.c.metrics.malformed(s)
				s.closeWith(fmt.Errorf("malformed stream: %w", err))
			case errors.Is(err, io.EOF):
				s.closeWith(fmt.Errorf("switch closed the connection: %w", io.EOF))
			default:
				s.closeWith(fmt.Errorf("read: %w", err))
			}
			return
		}
		if err := s.handleFrame(&st, frame); err != nil {
			s.c.metrics.malformed(s)
			s.closeWith(err)
			return
		}
	}
}

// handleFrame decodes and dispatches one frame.
func (s *Switch) handleFrame(st *readState, frame []byte) error {
	s.received.Add(1)
	h, msg, err := st.dec.Decode(frame)
	if err != nil {
		if errors.Is(err, openflow.ErrUnsupported) {
			s.Logger().Debug("ignoring unsupported message", "type", h.Type, "xid", h.Xid)
			return nil
		}
		return fmt.Errorf("malformed message: %w", err)
	}
	if st.parser == nil {
		st.parser = packet.NewParser()
	}
	s.dispatch(h, msg, frame, st.parser, &st.ev)
	return nil
}

func (s *Switch) dispatch(h openflow.Header, msg openflow.Message, frame []byte, parser *packet.Parser, ev *PacketIn) {
	switch m := msg.(type) {
	case *openflow.PacketIn:
		if !s.up.Load() {
			s.c.metrics.packetInDropped(s)
			return
		}
		start := time.Now()
		*ev = PacketIn{Switch: s, Msg: m}
		ev.InPort, _ = m.Match.InPort()
		ev.ParseErr = parser.Parse(m.Data, &ev.Flow)
		s.c.packetIn(ev, start)
	case *openflow.EchoRequest:
		if err := s.sendXID(h.Xid, &openflow.EchoReply{Data: m.Data}); err != nil {
			s.Logger().Debug("echo reply not sent", "err", err)
		}
	case *openflow.EchoReply:
		// Keepalive's echoes need nothing more (the frame was counted);
		// a Request for an echo gets its reply.
		s.mu.Lock()
		cl := s.calls[h.Xid]
		s.mu.Unlock()
		if cl != nil {
			s.deliverReply(h.Xid, frame)
		}
	case *openflow.ErrorMsg:
		s.deliverError(h.Xid, m)
	case *openflow.MultipartReply:
		s.deliverMultipart(h.Xid, frame)
	case *openflow.FlowRemoved:
		if s.up.Load() {
			s.c.flowRemoved(s, m)
		}
	case *openflow.PortStatus:
		s.mu.Lock()
		if m.Reason == openflow.PortDelete {
			delete(s.ports, m.Port.PortNo)
		} else {
			s.ports[m.Port.PortNo] = m.Port
		}
		s.mu.Unlock()
		if s.up.Load() {
			s.c.portStatus(s, m)
		}
	case *openflow.Hello:
		s.Logger().Debug("ignoring repeated HELLO")
	default:
		s.deliverReply(h.Xid, frame)
	}
}

// deliverReply hands a reply to the call waiting for its xid, decoded from
// a private copy of the frame.
func (s *Switch) deliverReply(xid uint32, frame []byte) {
	s.mu.Lock()
	cl := s.calls[xid]
	s.mu.Unlock()
	if cl == nil || cl.ch == nil {
		s.Logger().Debug("unsolicited reply", "xid", xid)
		return
	}
	var r reply
	if cl.multipart {
		// Only MULTIPART_REPLY (through the assembler) or ERROR may answer
		// a multipart request: callers rely on the reply's type.
		h, _ := openflow.ParseHeader(frame)
		r.err = fmt.Errorf("multipart request answered with %v", h.Type)
	} else {
		_, r.msg, r.err = openflow.Unmarshal(bytes.Clone(frame))
	}
	cl.deliver(r)
}

func (s *Switch) deliverMultipart(xid uint32, frame []byte) {
	s.mu.Lock()
	cl := s.calls[xid]
	s.mu.Unlock()
	if cl == nil || !cl.multipart {
		s.Logger().Debug("unsolicited multipart reply", "xid", xid)
		return
	}
	if h := s.c.testHookMultipart; h != nil {
		h(xid)
	}
	_, full, err := s.asm.Add(frame)
	switch {
	case err != nil:
		s.unregister(xid)
		cl.deliver(reply{err: err})
	case full != nil:
		s.unregister(xid)
		cl.deliver(reply{msg: full})
	default:
		// More parts to come. A requester that gave up after the lookup
		// above may have cancelled before this part was added: drop the
		// reply for it. (One that gives up later cancels after its
		// unregister, which this check would have seen.)
		s.mu.Lock()
		_, waiting := s.calls[xid]
		s.mu.Unlock()
		if !waiting {
			s.asm.Cancel(xid)
		}
	}
}

// deliverError matches an ERROR to the request that caused it.
func (s *Switch) deliverError(xid uint32, m *openflow.ErrorMsg) {
	s.c.metrics.switchError(s, m)
	if m.ErrType == openflow.ErrTypeBadRequest && m.Code == uint16(openflow.BadRequestIsSlave) {
		s.mu.Lock()
		s.role = openflow.RoleSlave
		s.mu.Unlock()
	}
	s.mu.Lock()
	cl := s.calls[xid]
	s.mu.Unlock()
	switch {
	case cl != nil && cl.batch != nil:
		own := *m
		own.Data = bytes.Clone(m.Data)
		cl.batch.mu.Lock()
		cl.batch.errs = append(cl.batch.errs, &own)
		cl.batch.mu.Unlock()
	case cl != nil && cl.ch != nil:
		own := *m
		own.Data = bytes.Clone(m.Data)
		cl.deliver(reply{err: &own})
	default:
		s.c.switchError(s, xid, m)
	}
}

// keepalive sends echo requests to a silent switch and closes one that
// stays silent past EchoTimeout. Silence is measured at the ticks: the
// reader only counts frames, so that the hot path reads no clock.
func (s *Switch) keepalive() {
	defer s.wg.Done()
	tick := s.c.cfg.EchoInterval / 4
	t := time.NewTicker(tick)
	defer t.Stop()
	lastCount, lastHeard := s.received.Load(), s.c.cfg.Now()
	var lastEcho time.Time
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		now := s.c.cfg.Now()
		if n := s.received.Load(); n != lastCount {
			lastCount, lastHeard = n, now
		}
		silent := now.Sub(lastHeard)
		switch {
		case silent >= s.c.cfg.EchoTimeout:
			s.closeWith(fmt.Errorf("silent for %v: %w", silent.Round(time.Millisecond), ErrEchoTimeout))
			return
		case silent >= s.c.cfg.EchoInterval && now.Sub(lastEcho) >= s.c.cfg.EchoInterval:
			lastEcho = now
			s.Send(&openflow.EchoRequest{})
		}
	}
}
