package lb

import (
	"sync"
	"time"
)

// Statistics (the seeds' statistics-gathering instructions and reports).
//
// The collector keeps, per switch, VIP and backend, the packets and bytes
// of each direction (forward: client -> VIP -> backend, the forward
// entry's counters; reverse: backend -> client, the reverse entry's) and
// the connections opened and closed. Its books follow one rule so that
// nothing counted is lost and nothing is counted twice:
//
//	total = live + closed
//	live   = Σ over the flows still held: the counters last polled from
//	         each of their entries (the flow's contribution)
//	closed = Σ over ended flows: each entry's final FLOW_REMOVED counters
//	         (or the last polled ones, when the switch never sent them)
//
// A poll raises each entry's contribution to what the switch reports (an
// entry missing from a dump keeps its last contribution until its
// FLOW_REMOVED comes); when a flow ends its contribution leaves live and
// its final counters, never smaller, enter closed. Totals therefore never
// go down, and an entry that expires between two polls still counts in
// full. This exactness needs per-entry counters, which is why every policy
// that polls reads the owner's entries with one FLOW_STATS dump rather
// than AGGREGATE_STATS: an aggregate cannot say which entries it summed,
// so an entry removed just after the aggregate was taken would be counted
// in both the aggregate and the closed totals, or in neither.

// dir indexes the two directions of a flow.
const (
	dirFwd = 0 // client -> VIP -> backend: the forward entry
	dirRev = 1 // backend -> client: the reverse entry
)

// Counts are the packet and byte counters of one direction, as an
// OpenFlow switch reports them (ovs-ofctl dump-flows n_packets, n_bytes).
type Counts struct {
	Packets, Bytes uint64
}

func (c *Counts) add(o Counts) { c.Packets += o.Packets; c.Bytes += o.Bytes }

// sub subtracts o, never going below zero.
func (c *Counts) sub(o Counts) {
	c.Packets -= min(c.Packets, o.Packets)
	c.Bytes -= min(c.Bytes, o.Bytes)
}

func maxCounts(x, y Counts) Counts {
	return Counts{max(x.Packets, y.Packets), max(x.Bytes, y.Bytes)}
}

// flowPoll is the collector's state of one flow, kept on the flow and
// guarded by its switchState.mu (written with the switch's traffic mu
// held too, so flowEnded may read it under the latter alone once the
// flow has left the switch's maps).
type flowPoll struct {
	cur    [2]Counts // contribution to live: the counters last polled
	prev   [2]Counts // per_flow: the counters of the poll before
	at     int64     // Unix nanoseconds of the poll that set cur
	prevAt int64     // and of the one that set prev
	opened bool      // counted in its aggregate's Opened
}

// trafficStats is the App's statistics collector. Its zero value is ready.
type trafficStats struct {
	pollMu  sync.Mutex            // serialises polls (RunStats and PollNow)
	lastDue map[uint16]time.Time  // VIP id -> time of its last poll (pollMu)
	mu      sync.Mutex            // guards switches and opts
	sw      map[uint64]*swTraffic // by DPID
	opts    StatsOptions          // as given to RunStats, defaults filled
}

// swTraffic is the collector's books for one switch.
type swTraffic struct {
	dpid uint64

	mu   sync.Mutex
	aggs map[aggKey]*agg

	// Last poll of the switch.
	polledAt time.Time
	pollDur  time.Duration
	entries  int // per-flow entries in the last dumps
	requests int // flow-stats requests of the last poll
	polls    uint64
	flowErr  error
	portErr  error
	ports    []PortCounters
	portsAt  time.Time
}

type aggKey struct{ vip, backend uint16 }

// agg is the counters of one (switch, VIP, backend).
type agg struct {
	live, closed [2]Counts
	opened       uint64 // flows installed or adopted
	ended        uint64 // flows ended
	last, prev   aggSample
}

// aggSample is an aggregate's totals at a poll, for rates.
type aggSample struct {
	at     time.Time
	total  [2]Counts
	opened uint64
}

func (g *agg) total(d int) Counts {
	t := g.live[d]
	t.add(g.closed[d])
	return t
}

// sample records the totals at a poll. An aggregate without an earlier
// sample (its first flow came after the switch's previous poll, prevPoll)
// had nothing then: it gets a zero sample at that time, so that its first
// flows count in the rates.
func (g *agg) sample(at, prevPoll time.Time) {
	g.prev = g.last
	if g.prev.at.IsZero() && !prevPoll.IsZero() && prevPoll.Before(at) {
		g.prev = aggSample{at: prevPoll}
	}
	g.last = aggSample{at: at, total: [2]Counts{g.total(dirFwd), g.total(dirRev)}, opened: g.opened}
}

// swTraffic returns the books of a switch, creating them.
func (t *trafficStats) swTraffic(dpid uint64) *swTraffic {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.sw == nil {
		t.sw = make(map[uint64]*swTraffic)
	}
	st := t.sw[dpid]
	if st == nil {
		st = &swTraffic{dpid: dpid, aggs: make(map[aggKey]*agg)}
		t.sw[dpid] = st
	}
	return st
}

// switches returns the books of every switch, in no order.
func (t *trafficStats) switches() []*swTraffic {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]*swTraffic, 0, len(t.sw))
	for _, st := range t.sw {
		out = append(out, st)
	}
	return out
}

// agg returns the aggregate of a VIP and backend, creating it. st.mu held.
func (st *swTraffic) agg(vip, backend uint16) *agg {
	k := aggKey{vip, backend}
	g := st.aggs[k]
	if g == nil {
		g = &agg{}
		st.aggs[k] = g
	}
	return g
}

// observe raises a flow's contribution in direction d to what the switch
// reported. Both ss.mu and st.mu are held. A counter lower than the
// contribution means the entry was replaced (a replay after the switch
// lost its table starts from zero): the old instance's counts are then
// retired into closed, as if that entry had been removed, and the new
// instance contributes from zero.
func (g *agg) observe(fp *flowPoll, d int, c Counts, perFlow bool, now int64) {
	old := fp.cur[d]
	if c.Packets < old.Packets || c.Bytes < old.Bytes {
		g.live[d].sub(old)
		g.closed[d].add(old)
		old = Counts{}
		if perFlow {
			fp.prev[d] = Counts{}
		}
	}
	g.live[d].sub(old)
	g.live[d].add(c)
	fp.cur[d] = c
}

// bookOpened counts a flow as opened in its aggregate once its entries are
// on the switch (installed or adopted), so that Opened and Active move with
// the app's own counts instead of waiting for the next poll. ss.mu is held.
func (ss *switchState) bookOpened(fl *flow) {
	st := ss.traffic
	st.mu.Lock()
	if !fl.polled.opened { // not if the flow already ended and was counted then
		fl.polled.opened = true
		st.agg(fl.vipID, fl.backendID).opened++
	}
	st.mu.Unlock()
}

// flowEnded is called once per flow when the switch has removed its
// entries (or the app gave up waiting for the second FLOW_REMOVED), with
// the final counters of the removed entries in fl. The collector moves the
// flow from live into closed so that nothing counted is lost when an entry
// expires between two polls; then the onFlowEnded hook, if any, runs.
func (a *App) flowEnded(dpid uint64, fl *flow) {
	a.traffic.ended(dpid, fl)
	if a.onFlowEnded != nil {
		a.onFlowEnded(dpid, fl)
	}
}

// ended closes a flow's books: its contribution leaves live, and per
// direction the larger of its final and last polled counters enters
// closed (final counters are missing for an entry whose FLOW_REMOVED never
// came; they are zero for the reverse of a direct-server-return flow).
func (t *trafficStats) ended(dpid uint64, fl *flow) {
	st := t.swTraffic(dpid)
	st.mu.Lock()
	defer st.mu.Unlock()
	g := st.agg(fl.vipID, fl.backendID)
	final := [2]Counts{{fl.fwdPackets, fl.fwdBytes}, {fl.revPackets, fl.revBytes}}
	gone := [2]bool{fl.fwdGone, fl.revGone}
	for d := range 2 {
		cur := fl.polled.cur[d]
		f := cur
		if gone[d] {
			f = maxCounts(final[d], cur)
		}
		g.live[d].sub(cur)
		g.closed[d].add(f)
		fl.polled.cur[d] = Counts{}
	}
	if !fl.polled.opened {
		fl.polled.opened = true
		g.opened++
	}
	g.ended++
}
