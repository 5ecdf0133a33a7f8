package lb

import (
	"time"

	"github.com/oflb/oflb/controller"
	"github.com/oflb/oflb/openflow"
)

// learnedIdle is how long a learned destination entry lives unused.
const learnedIdle = 300

// learn is the built-in L2 learning switch for hardware without NORMAL: it
// learns the sender's port, installs an entry for a known destination and
// sends the packet there, and floods a packet for an unknown or group
// destination.
func (a *App) learn(ss *switchState, ev *controller.PacketIn) {
	f := &ev.Flow
	now := a.now()
	ss.mu.Lock()
	if f.EthSrc[0]&1 == 0 { // unicast senders only
		ss.macs[f.EthSrc] = macLoc{port: ev.InPort, seen: now}
	}
	dst, known := ss.macs[f.EthDst]
	if known && now.Sub(dst.seen) > learnedIdle*time.Second {
		delete(ss.macs, f.EthDst)
		known = false
	}
	ss.mu.Unlock()

	out := uint32(openflow.PortFlood)
	if known && f.EthDst[0]&1 == 0 {
		out = dst.port
		if out == ev.InPort {
			return // the destination is behind the port it came from
		}
		fm := newFlowMod(MakeCookie(a.owner, KindLearned, 0, 0), PriorityLearned)
		fm.IdleTimeout = learnedIdle
		fm.Match.SetEthDst(f.EthDst)
		fm.Instructions = []openflow.Instruction{&openflow.ApplyActions{Actions: []openflow.Action{&openflow.Output{Port: out}}}}
		if _, err := ev.Switch.Send(&fm); err != nil {
			a.stats.SendErrors.Add(1)
		}
	}
	po := &openflow.PacketOut{BufferID: openflow.NoBuffer, InPort: ev.InPort, Data: ev.Msg.Data,
		Actions: []openflow.Action{&openflow.Output{Port: out}}}
	if _, err := ev.Switch.Send(po); err != nil {
		a.stats.SendErrors.Add(1)
	}
}

// forgetMACs drops learned MACs not seen for the learned entries' idle
// time, so that a stream of new (or spoofed) source addresses cannot grow
// the table without bound.
func (a *App) forgetMACs(ss *switchState) {
	now := a.now()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for mac, loc := range ss.macs {
		if now.Sub(loc.seen) > learnedIdle*time.Second {
			delete(ss.macs, mac)
		}
	}
}
