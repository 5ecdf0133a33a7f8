package lb

import (
	"net/netip"
	"time"

	"github.com/oflb/oflb/controller"
	"github.com/oflb/oflb/openflow"
	"github.com/oflb/oflb/openflow/packet"
)

// matchKey reads the 5-tuple of a per-flow entry's match.
func matchKey(m *openflow.Match) (packet.Key, bool) {
	src, ok1 := m.IPv4Src()
	dst, ok2 := m.IPv4Dst()
	proto, ok3 := m.IPProto()
	if !ok1 || !ok2 || !ok3 {
		return packet.Key{}, false
	}
	k := packet.Key{Src: src, Dst: dst, Proto: proto}
	var ok4, ok5 bool
	switch proto {
	case packet.IPProtoTCP:
		k.SrcPort, ok4 = m.TCPSrc()
		k.DstPort, ok5 = m.TCPDst()
	case packet.IPProtoUDP:
		k.SrcPort, ok4 = m.UDPSrc()
		k.DstPort, ok5 = m.UDPDst()
	}
	return k, ok4 && ok5
}

// FlowRemoved ends a flow when the switch removes either of its entries
// (idle or hard timeout, or a delete): the other entry is deleted too, so
// that switch and app agree, and the backend's count drops at once. The
// flow waits in closing for the other entry's FLOW_REMOVED, whose final
// counters complete its statistics.
func (a *App) FlowRemoved(sw *controller.Switch, m *openflow.FlowRemoved) {
	c := Cookie(m.Cookie)
	if c.Owner() != a.owner || (c.Kind() != KindForward && c.Kind() != KindReverse) {
		return
	}
	k, ok := matchKey(&m.Match)
	if !ok {
		return
	}
	ss := a.switchState(sw.DPID())
	ss.mu.Lock()
	if fl := ss.closing[closingKey{c.Kind(), k}]; fl != nil {
		// An entry of a flow already ended: the second one, or one of
		// the two of a flow dropped with its VIP.
		delete(ss.closing, closingKey{c.Kind(), k})
		fl.record(c.Kind(), m)
		done := fl.fwdGone && fl.revGone
		ss.mu.Unlock()
		if done {
			a.flowEnded(ss.dpid, fl)
		}
		return
	}
	var fl *flow
	if c.Kind() == KindForward {
		fl = ss.flows[k]
	} else {
		fl = ss.replies[k]
	}
	if fl == nil || fl.vipID != c.VIP() || fl.backendID != c.Backend() {
		ss.mu.Unlock()
		return
	}
	a.stats.FlowsRemoved.Add(1)
	ss.tableFullUntil.Store(0) // room for a new flow
	a.entryGone(sw, ss, fl, c.Kind(), m)
}

// entryGone ends a held flow whose entry of the given kind left the switch
// (removed, or refused), with that entry's final counters in m: the flow
// leaves the maps and waits in closing for its other entry, which is
// deleted. Called with ss.mu held; it unlocks it.
func (a *App) entryGone(sw *controller.Switch, ss *switchState, fl *flow, kind Kind, m *openflow.FlowRemoved) {
	fl.record(kind, m)
	delete(ss.flows, fl.key())
	if !fl.dsr {
		delete(ss.replies, fl.replyKey())
	}
	done := fl.fwdGone && fl.revGone
	if !done {
		partner := closingKey{KindReverse, fl.replyKey()}
		if kind == KindReverse {
			partner = closingKey{KindForward, fl.key()}
		}
		fl.closingSince = a.now()
		ss.closing[partner] = fl
	}
	ss.mu.Unlock()
	a.closed(fl)
	if done {
		a.flowEnded(ss.dpid, fl)
		return
	}
	a.deletePartner(sw, fl, kind)
}

// closingKey finds a flow whose other entry is being removed.
type closingKey struct {
	kind Kind
	key  packet.Key
}

// record keeps the final counters of one of the flow's entries.
func (f *flow) record(kind Kind, m *openflow.FlowRemoved) {
	if kind == KindForward {
		f.fwdGone, f.fwdPackets, f.fwdBytes = true, m.PacketCount, m.ByteCount
	} else {
		f.revGone, f.revPackets, f.revBytes = true, m.PacketCount, m.ByteCount
	}
}

// reapClosing ends flows whose second FLOW_REMOVED never came (some
// switches do not send it reliably): FLOW_REMOVED is a hint, not a promise.
func (a *App) reapClosing(ss *switchState, olderThan time.Duration) {
	now := a.now()
	var ended []*flow
	ss.mu.Lock()
	for k, fl := range ss.closing {
		if now.Sub(fl.closingSince) < olderThan {
			continue
		}
		delete(ss.closing, k)
		// A flow dropped with its VIP may wait for both entries: end it
		// once.
		other := closingKey{KindReverse, fl.replyKey()}
		if k.kind == KindReverse {
			other = closingKey{KindForward, fl.key()}
		}
		if ss.closing[other] == fl {
			delete(ss.closing, other)
		}
		ended = append(ended, fl)
	}
	ss.mu.Unlock()
	for _, fl := range ended {
		a.flowEnded(ss.dpid, fl)
	}
}

// closed gives the flow's slot back to its VIP's scheduler.
func (a *App) closed(fl *flow) {
	st := a.state.Load()
	vs := st.vips[fl.vipID]
	if vs == nil {
		return
	}
	vs.mu.Lock()
	defer vs.mu.Unlock()
	if fl.backendIdx >= 0 && fl.backendIdx < len(vs.Backends) && vs.Backends[fl.backendIdx].ID == fl.backendID {
		vs.sched.Closed(fl.backendIdx)
	}
	if vs.active > 0 {
		vs.active--
	}
}

// deletePartner removes the surviving entry of a flow whose other entry the
// switch removed.
func (a *App) deletePartner(sw *controller.Switch, fl *flow, removed Kind) {
	s := a.scratch.Get().(*natScratch)
	defer a.scratch.Put(s)
	s.fill(a.owner, fl, fl.idle, fl.hard)
	del := s.rev
	if removed == KindReverse {
		del = s.fwd
	}
	del.Command = openflow.FlowDeleteStrict
	del.CookieMask = ^uint64(0)
	del.Instructions = nil
	if _, err := sw.Send(&del); err != nil {
		a.stats.SendErrors.Add(1)
	}
}

// AdoptFlow rebuilds per-flow state from an entry found on a switch when it
// connects (after a controller restart). Entries of VIPs that still exist
// are kept, even when their backend has left the pool: the connection keeps
// its server until it goes idle.
func (a *App) AdoptFlow(sw *controller.Switch, fs *openflow.FlowStats) bool {
	c := Cookie(fs.Cookie)
	if c.Owner() != a.owner {
		return false
	}
	switch c.Kind() {
	case KindLearned:
		return true
	case KindForward, KindReverse:
	default:
		return false
	}
	st := a.state.Load()
	vs := st.vips[c.VIP()]
	if vs == nil {
		return false
	}
	k, ok := matchKey(&fs.Match)
	if !ok {
		return false
	}
	inPort, _ := fs.Match.InPort()
	var acts []openflow.Action
	for _, in := range fs.Instructions {
		if ap, ok := in.(*openflow.ApplyActions); ok {
			acts = ap.Actions
		}
	}
	var setEthDst openflow.MAC
	var setAddr netip.Addr
	var setPort uint16
	var outPort uint32
	for _, act := range acts {
		switch act := act.(type) {
		case *openflow.SetField:
			switch act.Field.Field() {
			case openflow.FieldEthDst:
				setEthDst, _ = act.Field.MAC()
			case openflow.FieldIPv4Dst, openflow.FieldIPv4Src:
				setAddr, _ = act.Field.Addr()
			case openflow.FieldTCPDst, openflow.FieldUDPDst, openflow.FieldTCPSrc, openflow.FieldUDPSrc:
				v, _ := act.Field.Uint()
				setPort = uint16(v)
			}
		case *openflow.Output:
			outPort = act.Port
		}
	}
	if outPort == openflow.PortInPort {
		outPort = inPort
	}
	ss := a.switchState(sw.DPID())
	age := time.Duration(fs.DurationSec)*time.Second + time.Duration(fs.DurationNsec)
	ss.mu.Lock()
	var fl *flow
	if c.Kind() == KindForward {
		fl = ss.flows[k]
		if fl == nil {
			fl = &flow{proto: k.Proto, client: netip.AddrPortFrom(k.Src, k.SrcPort), vip: netip.AddrPortFrom(k.Dst, k.DstPort)}
		}
		port := k.DstPort
		if setPort != 0 {
			port = setPort
		}
		if !setAddr.IsValid() {
			// Direct server return: only the MAC is rewritten, the
			// backend owns the VIP address, and there is no reverse
			// entry to wait for or to replay.
			setAddr = k.Dst
			fl.dsr, fl.revGone = true, true
		}
		fl.backend = netip.AddrPortFrom(setAddr, port)
		fl.backendMAC = setEthDst
		fl.clientPort, fl.backendPort = inPort, outPort
	} else {
		fl = ss.replies[k]
		if fl == nil {
			vipPort := k.SrcPort
			if setPort != 0 {
				vipPort = setPort
			}
			fl = &flow{proto: k.Proto, client: netip.AddrPortFrom(k.Dst, k.DstPort), vip: netip.AddrPortFrom(setAddr, vipPort),
				backend: netip.AddrPortFrom(k.Src, k.SrcPort)}
		}
		fl.clientMAC = setEthDst
		fl.backendPort, fl.clientPort = inPort, outPort
	}
	fl.vipID, fl.backendID, fl.vipMAC = vs.ID, c.Backend(), vs.mac
	fl.idle, fl.hard = fs.IdleTimeout, fs.HardTimeout
	fl.installed = a.now().Add(-age)
	fresh := ss.flows[fl.key()] == nil
	if fresh {
		fl.backendIdx = -1
	}
	ss.flows[fl.key()] = fl
	if !fl.dsr {
		ss.replies[fl.replyKey()] = fl
	}
	ss.mu.Unlock()
	if fresh {
		// Lock order is vipState then switchState: count after unlocking.
		vs.mu.Lock()
		idx := -1
		for i, b := range vs.Backends {
			if b.ID == fl.backendID {
				idx = i
				vs.sched.Opened(i)
			}
		}
		vs.active++
		vs.mu.Unlock()
		ss.mu.Lock()
		fl.backendIdx = idx
		ss.bookOpened(fl)
		ss.mu.Unlock()
	}
	return true
}

// SwitchError counts errors the switch reported for messages sent without
// waiting (per-flow entries and packet-outs), and logs them.
func (a *App) SwitchError(sw *controller.Switch, xid uint32, m *openflow.ErrorMsg) {
	a.stats.SwitchErrors.Add(1)
	if m.ErrType == openflow.ErrTypeFlowModFailed && a.entryRefused(sw, xid, m) {
		return
	}
	a.log.Warn("switch refused a message", "dpid", sw.DPID(), "xid", xid, "err", m.Error())
}
