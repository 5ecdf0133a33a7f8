package lb

import (
	"maps"
	"net/netip"
	"slices"

	"github.com/oflb/oflb/openflow"
)

// Priorities of table 0 (DESIGN decision 2), highest first. Per-flow NAT
// entries share one priority: they never overlap, and one priority spares
// hardware TCAM reshuffles.
const (
	PriorityFlow        = 1000 // per-flow forward and reverse NAT
	PriorityARP         = 300  // ARP for a VIP -> controller
	PriorityVIP         = 200  // new flow to a VIP service -> controller
	PriorityVIPWildcard = 150  // new flow to a wildcard-port VIP -> controller
	PriorityUnknownPort = 100  // VIP address, unserved port -> controller or drop
	PriorityReplyCatch  = 50   // backend service traffic with no reverse entry -> controller
	PriorityLearned     = 10   // learning switch: known destination MACs
	PriorityDefault     = 0    // everything else: NORMAL or controller
)

func toController() []openflow.Instruction {
	return []openflow.Instruction{&openflow.ApplyActions{Actions: []openflow.Action{
		&openflow.Output{Port: openflow.PortController, MaxLen: openflow.ControllerNoBuffer},
	}}}
}

func newFlowMod(cookie Cookie, priority uint16) openflow.FlowMod {
	return openflow.FlowMod{
		Command: openflow.FlowAdd, Cookie: uint64(cookie), Priority: priority,
		BufferID: openflow.NoBuffer, OutPort: openflow.PortAny, OutGroup: openflow.GroupAny,
	}
}

// staticFlows returns the proactive entries every switch gets for cfg.
func (a *App) staticFlows(st *state, desc openflow.Desc) []openflow.FlowMod {
	var out []openflow.FlowMod
	def := newFlowMod(MakeCookie(a.owner, KindStatic, 0, 0), PriorityDefault)
	if st.cfg.Forwarding == ForwardLearning {
		def.Instructions = toController()
	} else {
		def.Instructions = []openflow.Instruction{&openflow.ApplyActions{Actions: []openflow.Action{
			&openflow.Output{Port: openflow.PortNormal},
		}}}
	}
	out = append(out, def)
	for _, addr := range st.addrs {
		vs := st.byAddr[addr]
		first := vs[0]
		answerARP := false
		reset := false
		for _, v := range vs {
			answerARP = answerARP || !v.NoARP
			reset = reset || v.UnknownPort == UnknownReset
		}
		if answerARP {
			fm := newFlowMod(MakeCookie(a.owner, KindARP, first.ID, 0), PriorityARP)
			fm.Match.SetEthType(0x0806)
			fm.Match.SetARPTPA(addr)
			fm.Instructions = toController()
			out = append(out, fm)
		}
		un := newFlowMod(MakeCookie(a.owner, KindUnknownPort, first.ID, 0), PriorityUnknownPort)
		un.Match.SetEthType(0x0800)
		un.Match.SetIPv4Dst(addr)
		if reset {
			un.Instructions = toController()
		} // else no instructions: drop
		out = append(out, un)
		for _, v := range vs {
			prio := uint16(PriorityVIP)
			if v.Port == 0 {
				prio = PriorityVIPWildcard
			}
			fm := newFlowMod(MakeCookie(a.owner, KindVIP, v.ID, 0), prio)
			setServiceMatch(&fm.Match, v.Proto, v.Addr, v.Port)
			fm.Instructions = toController()
			out = append(out, fm)
		}
	}
	if catchesReplies(st.cfg.ReplyCatch, desc) {
		out = append(out, a.replyCatches(st)...)
	}
	return out
}

// catchesReplies reports whether a switch, by its description, gets
// reply-catch entries: in auto mode every switch but Open vSwitch, which
// applies a connection's messages in order.
func catchesReplies(mode ReplyCatch, desc openflow.Desc) bool {
	switch mode {
	case ReplyCatchOn:
		return true
	case ReplyCatchOff:
		return false
	}
	return !isOpenVSwitch(desc)
}

func isOpenVSwitch(d openflow.Desc) bool {
	return d.HWDesc == "Open vSwitch" || d.MfrDesc == "Nicira, Inc."
}

// replyCatches returns one entry per backend service (protocol, address
// and the port it answers from) of the VIPs with a reverse entry (not
// direct server return), sending what matches no per-flow entry to the
// controller. A service shared by several VIPs gets one entry, named after
// the first.
func (a *App) replyCatches(st *state) []openflow.FlowMod {
	type service struct {
		proto uint8
		addr  netip.Addr
		port  uint16 // 0: any (a wildcard-port VIP without translation)
	}
	seen := make(map[service]bool)
	var out []openflow.FlowMod
	for _, id := range slices.Sorted(maps.Keys(st.vips)) {
		vs := st.vips[id]
		if vs.DirectServerReturn {
			continue
		}
		for _, b := range vs.Backends {
			s := service{vs.Proto, b.Addr, vs.Port}
			if vs.TranslatePort && b.Port != 0 {
				s.port = b.Port
			}
			if seen[s] {
				continue
			}
			seen[s] = true
			fm := newFlowMod(MakeCookie(a.owner, KindReplyCatch, vs.ID, b.ID), PriorityReplyCatch)
			fm.Match.SetEthType(0x0800)
			fm.Match.SetIPProto(s.proto)
			fm.Match.SetIPv4Src(s.addr)
			switch {
			case s.port == 0:
			case s.proto == 17:
				fm.Match.SetUDPSrc(s.port)
			default:
				fm.Match.SetTCPSrc(s.port)
			}
			fm.Instructions = toController()
			out = append(out, fm)
		}
	}
	return out
}

func setServiceMatch(m *openflow.Match, proto uint8, dst netip.Addr, port uint16) {
	m.SetEthType(0x0800)
	m.SetIPProto(proto)
	m.SetIPv4Dst(dst)
	switch {
	case port == 0:
	case proto == 17:
		m.SetUDPDst(port)
	default:
		m.SetTCPDst(port)
	}
}

// setFlowMatch sets the exact match of one direction of a flow.
func setFlowMatch(m *openflow.Match, inPort uint32, proto uint8, src netip.Addr, sport uint16, dst netip.Addr, dport uint16) {
	m.Reset()
	m.SetInPort(inPort)
	m.SetEthType(0x0800)
	m.SetIPProto(proto)
	m.SetIPv4Src(src)
	m.SetIPv4Dst(dst)
	if proto == 17 {
		m.SetUDPSrc(sport)
		m.SetUDPDst(dport)
	} else {
		m.SetTCPSrc(sport)
		m.SetTCPDst(dport)
	}
}

func srcPortOXM(proto uint8, port uint16) openflow.OXM {
	if proto == 17 {
		return openflow.UDPSrc(port)
	}
	return openflow.TCPSrc(port)
}

func dstPortOXM(proto uint8, port uint16) openflow.OXM {
	if proto == 17 {
		return openflow.UDPDst(port)
	}
	return openflow.TCPDst(port)
}

// natScratch holds the messages of one flow setup, pooled so that the
// packet-in path allocates nothing for them.
type natScratch struct {
	fwd, rev  openflow.FlowMod
	po        openflow.PacketOut
	fwdApply  openflow.ApplyActions
	revApply  openflow.ApplyActions
	fwdIns    [1]openflow.Instruction
	revIns    [1]openflow.Instruction
	fwdSet    [4]openflow.SetField
	revSet    [4]openflow.SetField
	fwdOut    openflow.Output
	revOut    openflow.Output
	fwdActs   []openflow.Action
	revActs   []openflow.Action
	fwdActBuf [5]openflow.Action
	revActBuf [5]openflow.Action
}

func newNATScratch() *natScratch {
	s := &natScratch{}
	s.fwdIns[0] = &s.fwdApply
	s.revIns[0] = &s.revApply
	return s
}

// forwardActions fills the client -> backend rewrite: destination MAC,
// address and (if translated) port of the backend, out of its port.
func (s *natScratch) forwardActions(fl *flow) []openflow.Action {
	acts := s.fwdActBuf[:0]
	s.fwdSet[0].Field = openflow.EthDst(fl.backendMAC)
	acts = append(acts, &s.fwdSet[0])
	if !fl.dsr {
		s.fwdSet[1].Field = openflow.IPv4Dst(fl.backend.Addr())
		acts = append(acts, &s.fwdSet[1])
	}
	if fl.backend.Port() != fl.vip.Port() {
		s.fwdSet[2].Field = dstPortOXM(fl.proto, fl.backend.Port())
		acts = append(acts, &s.fwdSet[2])
	}
	s.fwdOut = openflow.Output{Port: fl.backendPort}
	if fl.backendPort == fl.clientPort {
		s.fwdOut.Port = openflow.PortInPort
	}
	acts = append(acts, &s.fwdOut)
	s.fwdActs = acts
	return acts
}

// reverseActions fills the backend -> client rewrite: source MAC, address
// and port of the VIP, destination MAC of the client, out of its port.
func (s *natScratch) reverseActions(fl *flow) []openflow.Action {
	acts := s.revActBuf[:0]
	s.revSet[0].Field = openflow.EthSrc(fl.vipMAC)
	s.revSet[1].Field = openflow.EthDst(fl.clientMAC)
	s.revSet[2].Field = openflow.IPv4Src(fl.vip.Addr())
	acts = append(acts, &s.revSet[0], &s.revSet[1], &s.revSet[2])
	if fl.backend.Port() != fl.vip.Port() {
		s.revSet[3].Field = srcPortOXM(fl.proto, fl.vip.Port())
		acts = append(acts, &s.revSet[3])
	}
	s.revOut = openflow.Output{Port: fl.clientPort}
	if fl.backendPort == fl.clientPort {
		s.revOut.Port = openflow.PortInPort
	}
	acts = append(acts, &s.revOut)
	s.revActs = acts
	return acts
}

// fill builds both per-flow entries of fl.
func (s *natScratch) fill(owner uint8, fl *flow, idle, hard uint16) {
	s.fwd = newFlowMod(MakeCookie(owner, KindForward, fl.vipID, fl.backendID), PriorityFlow)
	s.fwd.IdleTimeout, s.fwd.HardTimeout = idle, hard
	s.fwd.Flags = openflow.FlowSendFlowRem
	setFlowMatch(&s.fwd.Match, fl.clientPort, fl.proto, fl.client.Addr(), fl.client.Port(), fl.vip.Addr(), fl.vip.Port())
	s.fwdApply.Actions = s.forwardActions(fl)
	s.fwd.Instructions = s.fwdIns[:]

	s.rev = newFlowMod(MakeCookie(owner, KindReverse, fl.vipID, fl.backendID), PriorityFlow)
	s.rev.IdleTimeout, s.rev.HardTimeout = idle, hard
	s.rev.Flags = openflow.FlowSendFlowRem
	setFlowMatch(&s.rev.Match, fl.backendPort, fl.proto, fl.backend.Addr(), fl.backend.Port(), fl.client.Addr(), fl.client.Port())
	s.revApply.Actions = s.reverseActions(fl)
	s.rev.Instructions = s.revIns[:]
}

// clone returns heap copies of the two entries, for desired state.
func cloneFlowMod(fm *openflow.FlowMod) openflow.FlowMod {
	c := *fm
	acts := fm.Instructions[0].(*openflow.ApplyActions).Actions
	cp := make([]openflow.Action, len(acts))
	for i, a := range acts {
		switch a := a.(type) {
		case *openflow.SetField:
			v := *a
			cp[i] = &v
		case *openflow.Output:
			v := *a
			cp[i] = &v
		default:
			cp[i] = a
		}
	}
	c.Instructions = []openflow.Instruction{&openflow.ApplyActions{Actions: cp}}
	return c
}
