package oftest

import (
	"bytes"
	"context"

	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"sync"
	"time"

	"github.com/oflb/oflb/openflow"
)

// Options shape a fake switch. The zero value is a well-behaved OVS-like
// switch with datapath id 1 and two ports.
type Options struct {
	DPID  uint64
	Ports []openflow.Port
	// Versions offered in HELLO's bitmap (default: 1.3 only). A list
	// without 0x04 makes the switch incompatible.
	Versions []uint8
	// NoBundles and NoNicira make the switch refuse those extensions.
	NoBundles, NoNicira bool
	// NoEchoReply makes the switch ignore echo requests (and stay silent).
	NoEchoReply bool
	// FlowLimit refuses adds past this many entries with TABLE_FULL (0: none).
	FlowLimit int
	// PartSize splits multipart replies into parts of about this many
	// bytes, flagged MORE (default 16 KiB).
	PartSize int
	// SkipHello makes the switch send FEATURES_REQUEST bytes before HELLO.
	SkipHello bool
	// Preload puts entries in the table before the switch connects, as if
	// an earlier controller run had installed them.
	Preload []openflow.FlowMod
	// AuxiliaryID makes the connection an OpenFlow auxiliary connection.
	AuxiliaryID uint8
	// Intercept, if set, sees every message from the controller (decoded
	// from a private copy) before the fake switch handles it; when it
	// returns true the switch does nothing more with it. Tests script
	// misbehaving switches with it, answering through sw.Send.
	Intercept func(sw *Switch, xid uint32, m openflow.Message) bool
}

// Entry is a flow entry of the fake table.
type Entry struct {
	openflow.FlowMod
	Added   time.Time
	Packets uint64
	Bytes   uint64
}

// Switch is a connected fake switch.
type Switch struct {
	opts Options
	conn net.Conn

	wmu sync.Mutex // serialises writes

	mu        sync.Mutex
	table     map[string]*Entry
	bundles   map[uint32][]openflow.Message
	role      openflow.ControllerRole
	genID     uint64
	genSet    bool
	received  []openflow.Message
	config    openflow.SetConfig
	portStats map[uint32]openflow.PortStats
	ctrlID    uint16
	changed   chan struct{} // closed and replaced on every received message
	paused    chan struct{} // non-nil while reading is paused
	closeOnce sync.Once
	done      chan struct{}
	err       error
}

// Dial connects a fake switch to the controller at addr and serves the
// connection in the background until Close or until the controller hangs
// up.
func Dial(ctx context.Context, addr string, opts Options) (*Switch, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("oftest: dial %s: %w", addr, err)
	}
	return Serve(conn, opts), nil
}

// Serve runs a fake switch on an established connection.
func Serve(conn net.Conn, opts Options) *Switch {
	if opts.DPID == 0 {
		opts.DPID = 1
	}
	if opts.Ports == nil {
		opts.Ports = []openflow.Port{
			{PortNo: 1, Name: "p1", HWAddr: openflow.MAC{2, 0, 0, 0, 0, 1}},
			{PortNo: 2, Name: "p2", HWAddr: openflow.MAC{2, 0, 0, 0, 0, 2}},
		}
	}
	if opts.Versions == nil {
		opts.Versions = []uint8{openflow.Version}
	}
	if opts.PartSize == 0 {
		opts.PartSize = 16 << 10
	}
	s := &Switch{
		opts:    opts,
		conn:    conn,
		table:   make(map[string]*Entry),
		bundles: make(map[uint32][]openflow.Message),
		role:    openflow.RoleEqual,
		changed: make(chan struct{}),
		done:    make(chan struct{}),
	}
	for _, fm := range opts.Preload {
		s.AddFlow(fm)
	}
	go s.serve()
	return s
}

// Close hangs up.
func (s *Switch) Close() error {
	s.closeWith(nil)
	<-s.done
	return nil
}

func (s *Switch) closeWith(err error) {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.err = err
		if s.paused != nil {
			close(s.paused)
			s.paused = nil
		}
		s.mu.Unlock()
		s.conn.Close()
	})
}

// Done is closed when the connection has ended.
func (s *Switch) Done() <-chan struct{} { return s.done }

// Err says why the connection ended (nil for Close or a clean EOF).
func (s *Switch) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Send writes a message to the controller with the given xid.
func (s *Switch) Send(xid uint32, m openflow.Message) error {
	b, err := openflow.Marshal(xid, m)
	if err != nil {
		return err
	}
	return s.Write(b)
}

// Write writes raw bytes to the controller (for malformed input tests).
func (s *Switch) Write(b []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_, err := s.conn.Write(b)
	return err
}

// PauseReading stops reading from the controller until ResumeReading: the
// controller's writes then back up as they would toward a stuck switch.
func (s *Switch) PauseReading() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.paused == nil {
		s.paused = make(chan struct{})
	}
}

// ResumeReading undoes PauseReading.
func (s *Switch) ResumeReading() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.paused != nil {
		close(s.paused)
		s.paused = nil
	}
}

func (s *Switch) serve() {
	defer close(s.done)
	defer s.conn.Close()
	if s.opts.SkipHello {
		s.Send(1, &openflow.FeaturesRequest{})
	} else if err := s.Send(0, openflow.NewHello(s.opts.Versions...)); err != nil {
		s.closeWith(err)
		return
	}
	r := openflow.NewReader(s.conn)
	for {
		s.mu.Lock()
		paused := s.paused
		s.mu.Unlock()
		if paused != nil {
			<-paused
		}
		frame, err := r.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				s.closeWith(err)
			}
			return
		}
		h, m, err := openflow.Unmarshal(bytes.Clone(frame))
		if err != nil {
			s.reply(h.Xid, &openflow.ErrorMsg{ErrType: openflow.ErrTypeBadRequest, Code: uint16(openflow.BadRequestBadType), Data: head(frame)})
			continue
		}
		s.record(m)
		if s.opts.Intercept != nil && s.opts.Intercept(s, h.Xid, m) {
			continue
		}
		s.handle(h, m, frame)
	}
}

func head(frame []byte) []byte { return bytes.Clone(frame[:min(len(frame), 64)]) }

func (s *Switch) record(m openflow.Message) {
	s.mu.Lock()
	s.received = append(s.received, m)
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

func (s *Switch) reply(xid uint32, m openflow.Message) {
	if err := s.Send(xid, m); err != nil {
		s.closeWith(err)
	}
}

func (s *Switch) fail(xid uint32, t openflow.ErrorType, code uint16, frame []byte) {
	em := &openflow.ErrorMsg{ErrType: t, Code: code, Data: head(frame)}
	if t == openflow.ErrTypeExperimenter {
		em.Experimenter = openflow.BundleExperimenterID
	}
	s.reply(xid, em)
}

// Bundle errors as Open vSwitch sends them on OpenFlow 1.3: experimenter
// errors of the ONF experimenter (OFPET_BUNDLE_FAILED arrived in 1.4).
const (
	bundleFailedBadID     = uint16(openflow.BundleFailedBadID)
	bundleFailedBadType   = uint16(openflow.BundleFailedBadType)
	bundleFailedMsgFailed = uint16(openflow.BundleFailedMsgFailed)
)

func (s *Switch) handle(h openflow.Header, m openflow.Message, frame []byte) {
	switch m := m.(type) {
	case *openflow.Hello:
	case *openflow.EchoRequest:
		if !s.opts.NoEchoReply {
			s.reply(h.Xid, &openflow.EchoReply{Data: m.Data})
		}
	case *openflow.FeaturesRequest:
		s.reply(h.Xid, &openflow.FeaturesReply{DatapathID: s.opts.DPID, NTables: 254, AuxiliaryID: s.opts.AuxiliaryID,
			Capabilities: openflow.CapFlowStats | openflow.CapTableStats | openflow.CapPortStats | openflow.CapGroupStats})
	case *openflow.SetConfig:
		s.mu.Lock()
		s.config = *m
		s.mu.Unlock()
	case *openflow.BarrierRequest:
		s.reply(h.Xid, &openflow.BarrierReply{})
	case *openflow.RoleRequest:
		s.handleRole(h.Xid, m, frame)
	case *openflow.NXSetControllerID:
		if s.opts.NoNicira {
			s.fail(h.Xid, openflow.ErrTypeBadRequest, uint16(openflow.BadRequestBadExperimenter), frame)
			return
		}
		s.mu.Lock()
		s.ctrlID = m.ID
		s.mu.Unlock()
	case *openflow.BundleControl:
		s.handleBundleControl(h.Xid, m, frame)
	case *openflow.BundleAdd:
		if s.opts.NoBundles {
			s.fail(h.Xid, openflow.ErrTypeBadRequest, uint16(openflow.BadRequestBadExperimenter), frame)
			return
		}
		s.mu.Lock()
		_, open := s.bundles[m.BundleID]
		if open {
			s.bundles[m.BundleID] = append(s.bundles[m.BundleID], m.Message)
		}
		s.mu.Unlock()
		if !open {
			s.fail(h.Xid, openflow.ErrTypeExperimenter, bundleFailedBadID, frame)
		}
	case *openflow.FlowMod:
		if s.isSlave() {
			s.fail(h.Xid, openflow.ErrTypeBadRequest, uint16(openflow.BadRequestIsSlave), frame)
			return
		}
		if code, ok := s.applyFlowMod(m); !ok {
			s.fail(h.Xid, openflow.ErrTypeFlowModFailed, code, frame)
		}
	case *openflow.PacketOut, *openflow.GroupMod, *openflow.MeterMod, *openflow.PortMod, *openflow.TableMod:
		if s.isSlave() {
			s.fail(h.Xid, openflow.ErrTypeBadRequest, uint16(openflow.BadRequestIsSlave), frame)
		}
	case *openflow.MultipartRequest:
		s.handleMultipart(h.Xid, m, frame)
	default:
		s.fail(h.Xid, openflow.ErrTypeBadRequest, uint16(openflow.BadRequestBadType), frame)
	}
}

func (s *Switch) isSlave() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.role == openflow.RoleSlave
}

// handleRole applies the 1.3 rules: MASTER and SLAVE requests carry a
// generation id that must not be older than the last one seen.
func (s *Switch) handleRole(xid uint32, m *openflow.RoleRequest, frame []byte) {
	s.mu.Lock()
	if m.Role == openflow.RoleMaster || m.Role == openflow.RoleSlave {
		if s.genSet && int64(m.GenerationID-s.genID) < 0 {
			s.mu.Unlock()
			s.fail(xid, openflow.ErrTypeRoleRequestFailed, uint16(openflow.RoleRequestFailedStale), frame)
			return
		}
		s.genID, s.genSet = m.GenerationID, true
	}
	if m.Role != openflow.RoleNoChange {
		s.role = m.Role
	}
	r := &openflow.RoleReply{Role: s.role, GenerationID: s.genID}
	s.mu.Unlock()
	s.reply(xid, r)
}

// Demote makes the switch treat this controller as SLAVE, as when another
// controller became master with a newer generation id.
func (s *Switch) Demote(generation uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.role, s.genID, s.genSet = openflow.RoleSlave, generation, true
}

func (s *Switch) handleBundleControl(xid uint32, m *openflow.BundleControl, frame []byte) {
	if s.opts.NoBundles {
		s.fail(xid, openflow.ErrTypeBadRequest, uint16(openflow.BadRequestBadExperimenter), frame)
		return
	}
	s.mu.Lock()
	msgs, open := s.bundles[m.BundleID]
	var replyType openflow.BundleControlType
	var failCode uint16
	switch m.ControlType {
	case openflow.BundleOpenRequest:
		if open {
			failCode = bundleFailedBadID
		}
		s.bundles[m.BundleID] = nil
		replyType = openflow.BundleOpenReply
	case openflow.BundleDiscardRequest:
		delete(s.bundles, m.BundleID)
		replyType = openflow.BundleDiscardReply
	case openflow.BundleCommitRequest, openflow.BundleCloseRequest:
		if !open {
			failCode = bundleFailedBadID
			break
		}
		if m.ControlType == openflow.BundleCloseRequest {
			replyType = openflow.BundleCloseReply
			break
		}
		delete(s.bundles, m.BundleID)
		replyType = openflow.BundleCommitReply
	default:
		failCode = bundleFailedBadType
	}
	s.mu.Unlock()
	if failCode != 0 {
		s.fail(xid, openflow.ErrTypeExperimenter, failCode, frame)
		return
	}
	if replyType == openflow.BundleCommitReply {
		// Atomic: apply to a copy and keep it only if every message applies.
		s.mu.Lock()
		saved := make(map[string]*Entry, len(s.table))
		for k, e := range s.table {
			cp := *e
			saved[k] = &cp
		}
		s.mu.Unlock()
		for _, inner := range msgs {
			fm, ok := inner.(*openflow.FlowMod)
			if !ok {
				continue
			}
			if _, ok := s.applyFlowMod(fm); !ok {
				s.mu.Lock()
				s.table = saved
				s.mu.Unlock()
				s.fail(xid, openflow.ErrTypeExperimenter, bundleFailedMsgFailed, frame)
				return
			}
		}
	}
	s.reply(xid, &openflow.BundleControl{BundleID: m.BundleID, ControlType: replyType, Flags: m.Flags})
}

func entryKey(table uint8, prio uint16, m *openflow.Match) string {
	b, _ := m.AppendBinary([]byte{table, byte(prio >> 8), byte(prio)})
	return string(b)
}

// applyFlowMod changes the table; it returns a FLOW_MOD_FAILED code when
// it refuses.
func (s *Switch) applyFlowMod(m *openflow.FlowMod) (uint16, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch m.Command {
	case openflow.FlowAdd:
		k := entryKey(m.TableID, m.Priority, &m.Match)
		if _, exists := s.table[k]; !exists && s.opts.FlowLimit > 0 && len(s.table) >= s.opts.FlowLimit {
			return uint16(openflow.FlowModFailedTableFull), false
		}
		s.table[k] = &Entry{FlowMod: *m, Added: time.Now()}
	case openflow.FlowModify, openflow.FlowModifyStrict:
		for _, e := range s.table {
			if s.matches(e, m, m.Command == openflow.FlowModifyStrict) {
				e.Instructions = m.Instructions
			}
		}
	case openflow.FlowDelete, openflow.FlowDeleteStrict:
		for k, e := range s.table {
			if s.matches(e, m, m.Command == openflow.FlowDeleteStrict) {
				delete(s.table, k)
			}
		}
	default:
		return uint16(openflow.FlowModFailedBadCommand), false
	}
	return 0, true
}

// matches selects entries for modify and delete: by cookie under the mask,
// table, and for strict commands the exact priority and match. Non-strict
// commands here select every entry (of the table) that passes the cookie
// filter and whose match contains all of m's fields: enough for tests.
func (s *Switch) matches(e *Entry, m *openflow.FlowMod, strict bool) bool {
	if m.CookieMask != 0 && e.Cookie&m.CookieMask != m.Cookie&m.CookieMask {
		return false
	}
	if m.TableID != openflow.TableAll && e.TableID != m.TableID {
		return false
	}
	if strict {
		return e.Priority == m.Priority && entryKey(0, 0, &e.Match) == entryKey(0, 0, &m.Match)
	}
	empty := openflow.Match{}
	return entryKey(0, 0, &m.Match) == entryKey(0, 0, &empty) || entryKey(0, 0, &e.Match) == entryKey(0, 0, &m.Match)
}

// Flows returns the table's entries sorted by table, priority and match.
func (s *Switch) Flows() []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.table))
	for k := range s.table {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]Entry, 0, len(keys))
	for _, k := range keys {
		out = append(out, *s.table[k])
	}
	return out
}

// AddFlow puts an entry straight into the table, as if another controller
// or an earlier run of this one had installed it.
func (s *Switch) AddFlow(fm openflow.FlowMod) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.table[entryKey(fm.TableID, fm.Priority, &fm.Match)] = &Entry{FlowMod: fm, Added: time.Now()}
}

// Received returns the messages received so far, in order.
func (s *Switch) Received() []openflow.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]openflow.Message(nil), s.received...)
}

// Config returns the last SET_CONFIG received.
func (s *Switch) Config() openflow.SetConfig {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.config
}

// ControllerID returns the id set by NXT_SET_CONTROLLER_ID.
func (s *Switch) ControllerID() uint16 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ctrlID
}

// WaitFor waits until cond holds for the messages received so far, or ctx
// ends; it returns the messages it saw last.
func (s *Switch) WaitFor(ctx context.Context, cond func([]openflow.Message) bool) ([]openflow.Message, error) {
	for {
		s.mu.Lock()
		msgs := append([]openflow.Message(nil), s.received...)
		changed := s.changed
		s.mu.Unlock()
		if cond(msgs) {
			return msgs, nil
		}
		select {
		case <-changed:
		case <-s.done:
			return msgs, fmt.Errorf("oftest: connection ended: %v", s.Err())
		case <-ctx.Done():
			return msgs, ctx.Err()
		}
	}
}

func (s *Switch) handleMultipart(xid uint32, m *openflow.MultipartRequest, frame []byte) {
	switch b := m.Body.(type) {
	case *openflow.DescRequest:
		s.reply(xid, &openflow.MultipartReply{Body: &openflow.Desc{
			MfrDesc: "oflb", HWDesc: "oftest fake switch", SWDesc: "oftest", SerialNum: "0", DPDesc: "fake"}})
	case *openflow.PortDescRequest:
		s.reply(xid, &openflow.MultipartReply{Body: &openflow.PortDescReply{Ports: s.opts.Ports}})
	case *openflow.GroupFeaturesRequest:
		s.reply(xid, &openflow.MultipartReply{Body: &openflow.GroupFeaturesReply{}})
	case *openflow.MeterFeaturesRequest:
		s.reply(xid, &openflow.MultipartReply{Body: &openflow.MeterFeaturesReply{}})
	case *openflow.FlowStatsRequest:
		s.replyFlowStats(xid, b)
	case *openflow.PortStatsRequest:
		s.replyPortStats(xid, b)
	default:
		s.fail(xid, openflow.ErrTypeBadRequest, uint16(openflow.BadRequestBadMultipart), frame)
	}
}

// replyFlowStats answers a flow dump in parts of about PartSize bytes, all
// but the last flagged MORE.
func (s *Switch) replyFlowStats(xid uint32, req *openflow.FlowStatsRequest) {
	var stats []openflow.FlowStats
	now := time.Now()
	for _, e := range s.Flows() {
		if req.CookieMask != 0 && e.Cookie&req.CookieMask != req.Cookie&req.CookieMask {
			continue
		}
		if req.TableID != openflow.TableAll && e.TableID != req.TableID {
			continue
		}
		d := now.Sub(e.Added)
		stats = append(stats, openflow.FlowStats{
			TableID: e.TableID, DurationSec: uint32(d / time.Second), DurationNsec: uint32(d % time.Second),
			Priority: e.Priority, IdleTimeout: e.IdleTimeout, HardTimeout: e.HardTimeout, Flags: e.Flags,
			Cookie: e.Cookie, PacketCount: e.Packets, ByteCount: e.Bytes, Match: e.Match, Instructions: e.Instructions,
		})
	}
	var part []openflow.FlowStats
	size := 0
	for i, fs := range stats {
		part = append(part, fs)
		size += 56 + fs.Match.Len() + instructionsLen(fs.Instructions)
		if size >= s.opts.PartSize && i < len(stats)-1 {
			s.reply(xid, &openflow.MultipartReply{Flags: openflow.MultipartMore, Body: &openflow.FlowStatsReply{Stats: part}})
			part, size = nil, 0
		}
	}
	s.reply(xid, &openflow.MultipartReply{Body: &openflow.FlowStatsReply{Stats: part}})
}

// SendPacketIn sends a table-miss packet-in for data arriving on inPort.
func (s *Switch) SendPacketIn(xid uint32, inPort uint32, data []byte) error {
	pi := &openflow.PacketIn{BufferID: openflow.NoBuffer, TotalLen: uint16(len(data)), Reason: openflow.PacketInReasonNoMatch, Data: data}
	pi.Match.SetInPort(inPort)
	return s.Send(xid, pi)
}

// instructionsLen is the encoded length of an instruction list.
func instructionsLen(ins []openflow.Instruction) int {
	b, _ := openflow.AppendInstructions(nil, ins)
	return len(b)
}

// SetPortStats sets the counters the switch reports for a port.
func (s *Switch) SetPortStats(ps openflow.PortStats) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.portStats == nil {
		s.portStats = make(map[uint32]openflow.PortStats)
	}
	s.portStats[ps.PortNo] = ps
}

// replyPortStats answers PORT_STATS for one port or all (PortAny) with the
// counters set by SetPortStats (zero for the others).
func (s *Switch) replyPortStats(xid uint32, req *openflow.PortStatsRequest) {
	var stats []openflow.PortStats
	s.mu.Lock()
	for _, p := range s.opts.Ports {
		if req.PortNo != openflow.PortAny && req.PortNo != p.PortNo {
			continue
		}
		ps := s.portStats[p.PortNo]
		ps.PortNo = p.PortNo
		stats = append(stats, ps)
	}
	s.mu.Unlock()
	s.reply(xid, &openflow.MultipartReply{Body: &openflow.PortStatsReply{Stats: stats}})
}
