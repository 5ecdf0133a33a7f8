package lb

import (
	"errors"
	"net/netip"

	"github.com/oflb/oflb/controller"
	"github.com/oflb/oflb/openflow"
	"github.com/oflb/oflb/openflow/packet"
)

// PacketIn handles a packet the switch sent to the controller: ARP for a
// VIP, a new flow to a VIP service, a repeat of a flow being installed, a
// packet for an unserved VIP port, or (learning mode) ordinary traffic.
func (a *App) PacketIn(ev *controller.PacketIn) {
	f := &ev.Flow
	if ev.ParseErr != nil && !f.Truncated {
		a.stats.Malformed.Add(1)
		return
	}
	st := a.state.Load()
	ss := a.switchState(ev.Switch.DPID())
	caught := a.fromReplyCatch(ev)
	switch {
	case f.EthType == packet.EtherTypeARP:
		a.arp(st, ss, ev)
		return
	case f.IsIPv4() && f.HasPorts():
		if vs := st.lookup(f.Dst, f.IPProto, f.DstPort); vs != nil {
			a.vipPacket(ss, vs, ev)
			return
		}
		if a.replyPacket(ss, ev) {
			if caught {
				a.stats.RepliesCaught.Add(1)
			}
			return
		}
	}
	if caught {
		a.passOn(st, ss, ev)
		return
	}
	if f.IsIPv4() {
		if vs := st.byAddr[f.Dst]; vs != nil {
			a.unknownPort(vs, ev)
			return
		}
	}
	if st.cfg.Forwarding == ForwardLearning {
		a.learn(ss, ev)
		return
	}
	a.stats.NonIPv4.Add(1)
}

// arp answers requests for VIP addresses and learns where senders are.
func (a *App) arp(st *state, ss *switchState, ev *controller.PacketIn) {
	f := &ev.Flow
	if f.ARPSenderIP.IsValid() && !f.ARPSenderIP.IsUnspecified() {
		ss.mu.Lock()
		prev, known := ss.hosts[f.ARPSenderIP]
		ss.hosts[f.ARPSenderIP] = hostLoc{mac: f.ARPSenderMAC, port: ev.InPort, seen: a.now()}
		ss.mu.Unlock()
		if !known || prev.mac != f.ARPSenderMAC || prev.port != ev.InPort {
			a.stats.ARPLearned.Add(1)
			a.log.Debug("host located", "dpid", ss.dpid, "ip", f.ARPSenderIP, "mac", f.ARPSenderMAC, "port", ev.InPort)
		}
	}
	if f.ARPOp != packet.ARPRequest {
		return
	}
	vs := st.byAddr[f.ARPTargetIP]
	if vs == nil {
		return
	}
	var answer *vipState
	for _, v := range vs {
		if !v.NoARP {
			answer = v
			break
		}
	}
	if answer == nil {
		return
	}
	frame, err := packet.AppendARPReply(nil, answer.mac, answer.Addr, f.ARPSenderMAC, f.ARPSenderIP)
	if err != nil {
		return
	}
	a.packetOut(ev.Switch, openflow.PortController, frame, &openflow.Output{Port: openflow.PortInPort}, ev.InPort)
	a.stats.ARPAnswered.Add(1)
}

// packetOut sends a frame the controller built out of one port.
func (a *App) packetOut(sw *controller.Switch, inPort uint32, frame []byte, out *openflow.Output, realIn uint32) {
	po := &openflow.PacketOut{BufferID: openflow.NoBuffer, InPort: inPort, Data: frame, Actions: []openflow.Action{out}}
	if out.Port == openflow.PortInPort {
		po.InPort = realIn
	}
	if _, err := sw.Send(po); err != nil {
		a.stats.SendErrors.Add(1)
	}
}

// vipPacket handles a packet to a VIP service: a repeat of a known flow is
// sent on with the flow's rewrite; a new flow gets a backend and entries.
func (a *App) vipPacket(ss *switchState, vs *vipState, ev *controller.PacketIn) {
	f := &ev.Flow
	key := f.Key()
	if a.sendKnown(ss, ev, key, true) {
		a.stats.Repeats.Add(1)
		return
	}
	if midstream(f) && vs.Scheduler != ConsistentHash {
		// A TCP segment other than an opening SYN for a flow we do not
		// know: the tail of a closed connection (a late FIN or ACK), or
		// one whose entries expired while it idled. A new backend would
		// only answer it with a RST, and a flow installed for it would
		// hold a connection slot (and skew least-connections) until it
		// idles out; so answer with the RST at once, and the client
		// reconnects. (IPVS likewise creates state only on SYN. Under
		// consistent hashing the same client gets the same backend, so
		// there the flow is re-created and the connection survives.)
		a.stats.RefusedMidstream.Add(1)
		a.refuse(ev, vs.mac, vs.Addr)
		return
	}

	if ss.tableFull(a.now) {
		a.stats.RefusedTableFull.Add(1)
		a.refuse(ev, vs.mac, vs.Addr)
		return
	}
	if a.switchFull(ss) {
		a.stats.RefusedSwitchLimit.Add(1)
		a.refuse(ev, vs.mac, vs.Addr)
		return
	}
	vs.mu.Lock()
	if vs.ConnLimit > 0 && vs.active >= vs.ConnLimit {
		vs.mu.Unlock()
		a.stats.RefusedConnLimit.Add(1)
		a.refuse(ev, vs.mac, vs.Addr)
		return
	}
	vs.cur = ss
	i, ok := vs.sched.Pick(netip.AddrPortFrom(f.Src, f.SrcPort), vs.eligible)
	vs.cur = nil
	if ok {
		vs.sched.Opened(i)
		vs.active++
		vs.decided[i].Add(1)
	}
	vs.mu.Unlock()
	if !ok {
		// No backend is up and located here: drop, so that the client
		// retries once ARP has found the backends.
		a.stats.RefusedNoBackend.Add(1)
		a.resolveBackends(ss, false)
		return
	}

	b := vs.Backends[i]
	ss.mu.Lock()
	loc := ss.hosts[b.Addr]
	fl := &flow{
		proto: f.IPProto, client: netip.AddrPortFrom(f.Src, f.SrcPort), vip: vs.AddrPort(),
		backend: b.AddrPort(), vipID: vs.ID, backendID: b.ID, backendIdx: i,
		clientMAC: f.EthSrc, vipMAC: vs.mac, backendMAC: loc.mac,
		clientPort: ev.InPort, backendPort: loc.port, installed: a.now(),
		idle: timeoutSeconds(vs.IdleTimeout), hard: timeoutSeconds(vs.HardTimeout),
	}
	if !vs.TranslatePort || b.Port == 0 {
		fl.backend = netip.AddrPortFrom(b.Addr, f.DstPort)
	}
	fl.vip = netip.AddrPortFrom(vs.Addr, f.DstPort) // the port asked for, also for wildcard VIPs
	if vs.DirectServerReturn {
		fl.dsr, fl.revGone = true, true
		fl.backend = netip.AddrPortFrom(vs.Addr, f.DstPort)
	}
	ss.flows[key] = fl
	if !fl.dsr {
		ss.replies[fl.replyKey()] = fl
	}
	ss.mu.Unlock()

	s := a.scratch.Get().(*natScratch)
	defer a.scratch.Put(s)
	s.fill(a.owner, fl, fl.idle, fl.hard)
	// Reverse first: the backend's answer must find its entry.
	var err1 error
	var revXID, fwdXID uint32
	if !fl.dsr {
		revXID, err1 = ev.Switch.Send(&s.rev)
	}
	var err2 error
	if err1 == nil {
		fwdXID, err2 = ev.Switch.Send(&s.fwd)
	}
	if err := errors.Join(err1, err2); err != nil {
		// The switch is not keeping up: forget the decision (no entry
		// will ever report its removal) and let the client retry.
		a.stats.SendErrors.Add(1)
		a.log.Warn("flow entries not sent", "dpid", ss.dpid, "vip", vs.String(), "flow", f.Key().String(), "err", err)
		ss.mu.Lock()
		delete(ss.flows, key)
		if !fl.dsr {
			delete(ss.replies, fl.replyKey())
		}
		ss.mu.Unlock()
		if err1 == nil && !fl.dsr {
			a.deletePartner(ev.Switch, fl, KindForward) // the reverse entry went out alone
		}
		a.closed(fl)
		return
	}
	a.stats.FlowsInstalled.Add(1)
	ss.mu.Lock()
	ss.bookOpened(fl)
	if !fl.dsr {
		ss.adds[revXID] = pendingAdd{fl, KindReverse}
	}
	ss.adds[fwdXID] = pendingAdd{fl, KindForward}
	ss.mu.Unlock()
	s.po = openflow.PacketOut{BufferID: openflow.NoBuffer, InPort: ev.InPort, Actions: s.fwdActs, Data: ev.Msg.Data}
	if _, err := ev.Switch.Send(&s.po); err != nil {
		a.stats.SendErrors.Add(1)
	}
}

// sendKnown sends one packet of a known flow (forward: by its client ->
// VIP key; else by its backend -> client key) with the flow's rewrite,
// and reports whether the flow is known. The rewrite is read under the
// switch's lock: AdoptFlow completes a flow's fields while it is already
// in the maps.
func (a *App) sendKnown(ss *switchState, ev *controller.PacketIn, key packet.Key, forward bool) bool {
	s := a.scratch.Get().(*natScratch)
	defer a.scratch.Put(s)
	ss.mu.Lock()
	fl := ss.replies[key]
	if forward {
		fl = ss.flows[key]
	}
	if fl == nil {
		ss.mu.Unlock()
		return false
	}
	s.fill(a.owner, fl, fl.idle, fl.hard)
	ss.mu.Unlock()
	acts := s.revActs
	if forward {
		acts = s.fwdActs
	}
	s.po = openflow.PacketOut{BufferID: openflow.NoBuffer, InPort: ev.InPort, Actions: acts, Data: ev.Msg.Data}
	if _, err := ev.Switch.Send(&s.po); err != nil {
		a.stats.SendErrors.Add(1)
	}
	return true
}

// replyPacket sends on a backend's packet of a pending flow (one whose
// reverse entry the switch has not applied yet).
func (a *App) replyPacket(ss *switchState, ev *controller.PacketIn) bool {
	return a.sendKnown(ss, ev, ev.Flow.Key(), false)
}

// fromReplyCatch reports a packet sent by one of the app's reply-catch
// entries.
func (a *App) fromReplyCatch(ev *controller.PacketIn) bool {
	c := Cookie(ev.Msg.Cookie)
	return c.Owner() == a.owner && c.Kind() == KindReplyCatch
}

// passOn forwards a packet a reply catch took that is no flow's reply (a
// backend answering a client that reached it directly, or a flow already
// ended) as the lowest-priority entry would have.
func (a *App) passOn(st *state, ss *switchState, ev *controller.PacketIn) {
	a.stats.RepliesPassed.Add(1)
	if st.cfg.Forwarding == ForwardLearning {
		a.learn(ss, ev)
		return
	}
	a.packetOut(ev.Switch, ev.InPort, ev.Msg.Data, &openflow.Output{Port: openflow.PortNormal}, ev.InPort)
}

// unknownPort refuses a packet for a VIP address on a port or protocol no
// VIP there serves.
func (a *App) unknownPort(vs []*vipState, ev *controller.PacketIn) {
	a.stats.RefusedUnknownPort.Add(1)
	for _, v := range vs {
		if v.UnknownPort == UnknownReset {
			a.refuse(ev, v.mac, v.Addr)
			return
		}
	}
}

// refuse answers a packet the VIP will not serve: TCP gets a RST, UDP an
// ICMP port unreachable, from the VIP.
func (a *App) refuse(ev *controller.PacketIn, mac openflow.MAC, addr netip.Addr) {
	f := &ev.Flow
	var frame []byte
	var err error
	switch f.IPProto {
	case packet.IPProtoTCP:
		if f.TCPFlags.Has(packet.TCPRst) {
			return // never answer a RST
		}
		frame, err = packet.AppendTCPReset(nil, *f)
	case packet.IPProtoUDP:
		frame, err = packet.AppendICMPUnreachable(nil, ev.Msg.Data, packet.UnreachablePort, mac, addr)
	default:
		frame, err = packet.AppendICMPUnreachable(nil, ev.Msg.Data, packet.UnreachableProtocol, mac, addr)
	}
	if err != nil || frame == nil {
		return
	}
	a.packetOut(ev.Switch, openflow.PortController, frame, &openflow.Output{Port: openflow.PortInPort}, ev.InPort)
}

// midstream reports a TCP segment that cannot open a connection: anything
// but a SYN without ACK.
func midstream(f *packet.Flow) bool {
	return f.IPProto == packet.IPProtoTCP && (!f.TCPFlags.Has(packet.TCPSyn) || f.TCPFlags.Has(packet.TCPAck))
}
