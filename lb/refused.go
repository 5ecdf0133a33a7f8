package lb

import (
	"time"

	"github.com/oflb/oflb/controller"
	"github.com/oflb/oflb/openflow"
)

// Refused entries. A switch may refuse a flow's entry: its table is full
// (OFPFMFC_TABLE_FULL, common on hardware with a few thousand TCAM
// entries, or on OVS with a flow_limit), or it cannot do the rewrite. Left
// alone, the flow would stay in the app with no FLOW_REMOVED ever to end
// it: a phantom holding a connection slot, skewing least-connections, and
// sending every packet through the controller. The error names the refused
// message by xid, but many switches return only its first 64 bytes, too
// few for the match; so the app keeps the xid of every per-flow ADD for
// between one and two pendingTTLs (two generations of a map), and ends the
// flow when one is refused: its other entry is deleted and its slot given
// back, as if the refused entry had been removed at once with no traffic.
//
// After a TABLE_FULL the switch takes no new flows for tableFullBackoff,
// or until one of its flows ends and frees an entry: new flows are refused
// as at a connection limit (TCP RST, ICMP unreachable) rather than adding
// entries the switch will refuse too.

// pendingAdd is a per-flow ADD sent lately.
type pendingAdd struct {
	fl   *flow
	kind Kind
}

const (
	// pendingTTL is how long the xid of an ADD is kept at least: far
	// longer than a switch takes to answer, also with a queue to drain.
	pendingTTL = 5 * time.Second
	// tableFullBackoff is how long a switch whose table is full takes no
	// new flows, unless one of its flows ends first.
	tableFullBackoff = time.Second
)

// tableFull reports whether the switch refused an entry for a full table
// less than tableFullBackoff ago, with no flow ended since.
func (ss *switchState) tableFull(now func() time.Time) bool {
	until := ss.tableFullUntil.Load()
	return until != 0 && now().UnixNano() < until
}

// rotateAdds forgets the ADDs of the generation before last.
func (a *App) rotateAdds(ss *switchState) {
	now := a.now()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if now.Sub(ss.addsRotated) < pendingTTL {
		return
	}
	ss.addsRotated = now
	clear(ss.oldAdds)
	ss.adds, ss.oldAdds = ss.oldAdds, ss.adds
}

// switchFull reports whether the switch holds as many flows as the
// configuration allows. A switch's packet-ins are handled one at a time,
// so no other new flow of the switch can slip in between this check and
// the insertion.
func (a *App) switchFull(ss *switchState) bool {
	limit := a.state.Load().cfg.MaxFlowsPerSwitch
	if limit <= 0 {
		return false
	}
	ss.mu.Lock()
	n := len(ss.flows)
	ss.mu.Unlock()
	return n >= limit
}

// entryRefused ends the flow of a per-flow ADD the switch refused, and
// reports whether xid was one.
func (a *App) entryRefused(sw *controller.Switch, xid uint32, m *openflow.ErrorMsg) bool {
	ss := a.switchState(sw.DPID())
	if m.Code == uint16(openflow.FlowModFailedTableFull) {
		until := a.now().Add(tableFullBackoff).UnixNano()
		if prev := ss.tableFullUntil.Swap(until); prev == 0 || prev < a.now().UnixNano() {
			a.log.Warn("switch table full: new flows refused until an entry frees or for a while",
				"dpid", ss.dpid, "backoff", tableFullBackoff)
		}
	}
	ss.mu.Lock()
	p, ok := ss.adds[xid]
	if ok {
		delete(ss.adds, xid)
	} else if p, ok = ss.oldAdds[xid]; ok {
		delete(ss.oldAdds, xid)
	}
	if !ok {
		ss.mu.Unlock()
		return false
	}
	a.stats.EntriesRefused.Add(1)
	fl := p.fl
	var never openflow.FlowRemoved // the entry never was: no counters
	own := closingKey{KindForward, fl.key()}
	if p.kind == KindReverse {
		own = closingKey{KindReverse, fl.replyKey()}
	}
	switch {
	case ss.closing[own] == fl:
		// The flow already ended on its other entry (refused or
		// removed first) and waits for this one's removal.
		delete(ss.closing, own)
		fl.record(p.kind, &never)
		done := fl.fwdGone && fl.revGone
		ss.mu.Unlock()
		if done {
			a.flowEnded(ss.dpid, fl)
		}
	case ss.flows[fl.key()] == fl:
		a.log.Debug("switch refused a flow entry: flow dropped", "dpid", ss.dpid, "vip", fl.vip,
			"flow", fl.client.String()+"->"+fl.vip.String(), "entry", p.kind, "err", m.Error())
		a.entryGone(sw, ss, fl, p.kind, &never)
	default:
		ss.mu.Unlock() // ended otherwise meanwhile
	}
	return true
}
