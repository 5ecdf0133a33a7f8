package lb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/oflb/oflb/controller"
	"github.com/oflb/oflb/openflow"
)

// DefaultStatsInterval is the polling period of VIPs that set none.
const DefaultStatsInterval = 10 * time.Second

// StatsOptions tune the statistics poller. Zero fields take the defaults
// in comments.
type StatsOptions struct {
	// DefaultInterval is the period of VIPs whose StatsInterval is 0, and
	// of port statistics when no VIP is configured (DefaultStatsInterval).
	DefaultInterval time.Duration
	// Timeout bounds each switch's requests in one poll (the shortest
	// VIP interval, at least 1s).
	Timeout time.Duration
	// Parallel is how many switches are polled at once (8).
	Parallel int
}

func (o StatsOptions) withDefaults() StatsOptions {
	if o.DefaultInterval <= 0 {
		o.DefaultInterval = DefaultStatsInterval
	}
	if o.Parallel <= 0 {
		o.Parallel = 8
	}
	return o
}

func (t *trafficStats) options() StatsOptions {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.opts.withDefaults()
}

// interval returns a VIP's polling period.
func (o *StatsOptions) interval(v *VIP) time.Duration {
	if v.StatsInterval > 0 {
		return v.StatsInterval
	}
	return o.DefaultInterval
}

// base returns the poller's tick: the shortest VIP period (VIPs with a
// longer one are polled on the ticks where they are due).
func (o *StatsOptions) base(st *state) time.Duration {
	b := time.Duration(0)
	for _, vs := range st.vips {
		if iv := o.interval(&vs.VIP); b == 0 || iv < b {
			b = iv
		}
	}
	if b == 0 {
		b = o.DefaultInterval
	}
	return b
}

// RunStats polls statistics until ctx ends: every VIP's counters at its
// StatsInterval (per its Stats policy: per_flow and per_vip read the
// switch's entries, none reads nothing from the switch) and every port's
// counters at the shortest interval, on every switch the app has seen
// come up (SwitchUp) and that is still connected. It returns when ctx
// ends, with every request it started finished.
//
// Each poll asks a switch for its per-flow entries with as few requests
// as it can: one FLOW_STATS dump selecting the owner's forward and
// reverse entries by cookie mask when every VIP with flows on the switch
// is due and polled, else one dump per due VIP (cookie mask on the VIP
// id too); plus one PORT_STATS request for all ports.
func (a *App) RunStats(ctx context.Context, opts StatsOptions) {
	t := &a.traffic
	t.mu.Lock()
	t.opts = opts
	t.mu.Unlock()
	o := opts.withDefaults()
	timer := time.NewTimer(o.base(a.state.Load()))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		if err := a.poll(ctx, false); err != nil && ctx.Err() == nil {
			a.log.Debug("statistics poll incomplete", "err", err)
		}
		timer.Reset(o.base(a.state.Load()))
	}
}

// PollNow polls every VIP (whatever its interval; not those whose policy
// is none) and every switch's ports at once, and returns when the books
// hold the results: tests and the API's refresh use it. Polls are
// serialised with RunStats's. The error joins the switches' failures (a
// failed switch keeps its previous counters, see SwitchTraffic.FlowErr);
// a switch that refuses port statistics (BAD_REQUEST) is not a failure,
// only SwitchTraffic.PortErr and SwitchPorts.Err record it.
func (a *App) PollNow(ctx context.Context) error {
	return a.poll(ctx, true)
}

// poll runs one round over every ready switch.
func (a *App) poll(ctx context.Context, force bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t := &a.traffic
	t.pollMu.Lock()
	defer t.pollMu.Unlock()
	o := t.options()
	st := a.state.Load()
	now := a.now()
	base := o.base(st)
	if t.lastDue == nil {
		t.lastDue = make(map[uint16]time.Time)
	}
	// A VIP is due when its period has (about) passed since its last
	// poll; half a tick of slack absorbs timer jitter.
	due := make(map[uint16]*vipState, len(st.vips))
	for id, vs := range st.vips {
		last, ok := t.lastDue[id]
		if force || !ok || now.Sub(last) >= o.interval(&vs.VIP)-base/2 {
			due[id] = vs
			t.lastDue[id] = now
		}
	}
	for id := range t.lastDue {
		if st.vips[id] == nil {
			delete(t.lastDue, id)
		}
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = max(base, time.Second)
	}

	type target struct {
		ss *switchState
		sw *controller.Switch
	}
	var targets []target
	a.switches.Range(func(_, v any) bool {
		ss := v.(*switchState)
		if sw := ss.sw.Load(); sw != nil {
			targets = append(targets, target{ss, sw})
		}
		return true
	})
	slices.SortFunc(targets, func(x, y target) int { return cmpUint64(x.ss.dpid, y.ss.dpid) })

	errs := make([]error, len(targets))
	sem := make(chan struct{}, o.Parallel)
	var wg sync.WaitGroup
	for i, tg := range targets {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return ctx.Err()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			rctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			errs[i] = a.pollSwitch(rctx, tg.ss, tg.sw, st, due)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func cmpUint64(x, y uint64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// Cookie selection of per-flow entries: kinds forward (4, 0100) and
// reverse (5, 0101) differ only in the kind's lowest bit, so one mask
// with that bit clear selects both and nothing else.
const (
	perFlowKindMask = Cookie(0xe) << kindShift
	perFlowKinds    = Cookie(KindForward) << kindShift
)

// flowStatsRequest selects the owner's per-flow entries, of one VIP when
// vip is not nil.
func (a *App) flowStatsRequest(vip *uint16) *openflow.MultipartRequest {
	value := MakeCookie(a.owner, KindInvalid, 0, 0) | perFlowKinds
	mask := OwnerMask | perFlowKindMask
	if vip != nil {
		value |= Cookie(*vip) << vipShift
		mask |= VIPMask
	}
	return &openflow.MultipartRequest{Body: &openflow.FlowStatsRequest{
		TableID: openflow.TableAll, OutPort: openflow.PortAny, OutGroup: openflow.GroupAny,
		Cookie: uint64(value), CookieMask: uint64(mask),
	}}
}

// pollSwitch polls one switch: its due VIPs' entries and its ports, then
// books the results.
func (a *App) pollSwitch(ctx context.Context, ss *switchState, sw *controller.Switch, st *state, due map[uint16]*vipState) error {
	start := time.Now()
	tr := a.traffic.swTraffic(ss.dpid)

	// Which VIPs to read, and with how many requests.
	polled := make(map[uint16]bool, len(due))
	allPolled := true
	for id, vs := range st.vips {
		p := due[id] != nil && vs.Stats != StatsNone
		polled[id] = p
		allPolled = allPolled && p
	}
	var reqs []*openflow.MultipartRequest
	if len(polled) > 0 {
		if !allPolled {
			// Only the VIPs that have flows here cost a request.
			have := make(map[uint16]bool)
			ss.mu.Lock()
			for _, fl := range ss.flows {
				have[fl.vipID] = true
			}
			for _, fl := range ss.closing {
				have[fl.vipID] = true
			}
			ss.mu.Unlock()
			mixed := false
			for id := range have {
				if !polled[id] {
					mixed = true
				}
			}
			if mixed {
				for id, p := range polled {
					if p && have[id] {
						reqs = append(reqs, a.flowStatsRequest(&id))
					}
				}
			} else if len(have) > 0 {
				reqs = append(reqs, a.flowStatsRequest(nil))
			}
		} else {
			reqs = append(reqs, a.flowStatsRequest(nil))
		}
	}

	var replies []*openflow.FlowStatsReply
	var flowErr error
	for _, req := range reqs {
		m, err := sw.Request(ctx, req)
		if err != nil {
			flowErr = err
			break
		}
		fr, ok := flowStatsBody(m)
		if !ok {
			flowErr = fmt.Errorf("lb: switch %016x: flow stats answered with %T", ss.dpid, m)
			break
		}
		replies = append(replies, fr)
	}
	var ports []openflow.PortStats
	pm, portErr := sw.Request(ctx, &openflow.MultipartRequest{Body: &openflow.PortStatsRequest{PortNo: openflow.PortAny}})
	if portErr == nil {
		if mr, ok := pm.(*openflow.MultipartReply); ok {
			if pr, ok := mr.Body.(*openflow.PortStatsReply); ok {
				ports = pr.Stats
			} else {
				portErr = fmt.Errorf("lb: switch %016x: port stats answered with %T", ss.dpid, mr.Body)
			}
		} else {
			portErr = fmt.Errorf("lb: switch %016x: port stats answered with %T", ss.dpid, pm)
		}
	}

	a.book(ss, tr, st, due, polled, replies, flowErr, time.Since(start))
	tr.mu.Lock()
	tr.requests = len(reqs)
	tr.portErr = portErr
	if portErr == nil {
		tr.setPorts(ports, tr.polledAt)
	}
	tr.mu.Unlock()
	if portsUnsupported(portErr) {
		portErr = nil // recorded in SwitchTraffic.PortErr, not a failed poll
	}
	return errors.Join(flowErr, portErr)
}

// bookChunk is how many entries are booked under one hold of the locks.
const bookChunk = 4096

// book enters one poll of a switch in its books: the entries read (none
// if flowErr) and a rate sample of every due VIP.
func (a *App) book(ss *switchState, tr *swTraffic, st *state, due map[uint16]*vipState, polled map[uint16]bool,
	replies []*openflow.FlowStatsReply, flowErr error, took time.Duration) {
	now := a.now()
	nowNs := now.UnixNano()
	entries := 0
	if flowErr == nil {
		// In chunks, so that packet-ins and FLOW_REMOVEDs of the switch
		// wait for one chunk at most, not for the whole dump (each entry
		// is booked under the locks; a flow ending between chunks has
		// left the maps and is skipped).
		for _, fr := range replies {
			entries += len(fr.Stats)
			for chunk := range slices.Chunk(fr.Stats, bookChunk) {
				ss.mu.Lock()
				tr.mu.Lock()
				a.applyFlowStats(ss, tr, st, polled, chunk, nowNs)
				tr.mu.Unlock()
				ss.mu.Unlock()
			}
		}
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	// Rates: a sample of every due VIP's aggregates (when its entries were
	// read, or it reads none).
	for k, g := range tr.aggs {
		if due[k.vip] != nil && (flowErr == nil || !polled[k.vip]) {
			g.sample(now, tr.polledAt)
		}
	}
	tr.polls++
	tr.polledAt, tr.pollDur = now, took
	tr.entries = entries
	tr.flowErr = flowErr
}

// flowStatsBody returns the flow stats of a multipart reply.
func flowStatsBody(m openflow.Message) (*openflow.FlowStatsReply, bool) {
	mr, ok := m.(*openflow.MultipartReply)
	if !ok {
		return nil, false
	}
	fr, ok := mr.Body.(*openflow.FlowStatsReply)
	return fr, ok
}

// applyFlowStats books one dump. ss.mu and tr.mu are held.
func (a *App) applyFlowStats(ss *switchState, tr *swTraffic, st *state, polled map[uint16]bool, stats []openflow.FlowStats, now int64) {
	var (
		lastKey aggKey
		lastAgg *agg
	)
	for i := range stats {
		fs := &stats[i]
		c := Cookie(fs.Cookie)
		kind := c.Kind()
		if c.Owner() != a.owner || (kind != KindForward && kind != KindReverse) || !polled[c.VIP()] {
			continue
		}
		k, ok := matchKey(&fs.Match)
		if !ok {
			continue
		}
		var fl *flow
		d := dirFwd
		if kind == KindForward {
			fl = ss.flows[k]
		} else {
			d = dirRev
			fl = ss.replies[k]
		}
		if fl == nil || fl.vipID != c.VIP() || fl.backendID != c.Backend() {
			// The surviving entry of a flow whose other entry is gone.
			fl = ss.closing[closingKey{kind, k}]
			if fl == nil || fl.vipID != c.VIP() || fl.backendID != c.Backend() {
				continue // not a flow the app holds (yet): not counted
			}
		}
		if (d == dirFwd && fl.fwdGone) || (d == dirRev && fl.revGone) {
			continue // the final counters are in: they rule
		}
		key := aggKey{fl.vipID, fl.backendID}
		if lastAgg == nil || key != lastKey {
			lastKey, lastAgg = key, tr.agg(key.vip, key.backend)
		}
		perFlow := st.vips[fl.vipID].Stats == StatsPerFlow
		fp := &fl.polled
		if perFlow && fp.at != now {
			// First direction of this flow in this poll: shift.
			fp.prev, fp.prevAt = fp.cur, fp.at
		}
		lastAgg.observe(fp, d, Counts{fs.PacketCount, fs.ByteCount}, perFlow, now)
		fp.at = now
	}
}
