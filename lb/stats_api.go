package lb

import (
	"cmp"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/oflb/oflb/openflow"
)

// Consistency model of the read API (TrafficStats, TrafficSamples,
// FlowCounters, PortStats): packet and byte totals are the counters of the
// last poll of each switch plus the final counters of every flow closed
// since (so they never go down and can be compared with the switch's own
// counters at any time); Opened counts flows installed or adopted, as
// they are; Closed counts every flow that ended; Active is Opened - Closed (flows with an entry on the
// switch). Rates are taken between the last two polls of each (switch,
// VIP, backend). Nothing is read from a switch by a call of the API: use
// PollNow first for fresher counters.

// Rate is a per-second rate between two polls.
type Rate struct {
	PacketsPerSec, BytesPerSec float64
}

func (r *Rate) add(o Rate) { r.PacketsPerSec += o.PacketsPerSec; r.BytesPerSec += o.BytesPerSec }

// Traffic is the counters of one aggregate (a switch, tenant, VIP or
// backend, or one of each).
type Traffic struct {
	// Active is the flows with entries on the switches: Opened - Closed.
	Active uint64
	// Opened counts flows installed or adopted, Closed those ended.
	Opened, Closed uint64
	// Forward is client -> VIP -> backend traffic (the forward entries'
	// n_packets and n_bytes), Reverse backend -> client (the reverse
	// entries'; zero for direct server return).
	Forward, Reverse Counts
	// ForwardRate and ReverseRate are the rates between the last two polls.
	ForwardRate, ReverseRate Rate
	// OpenedPerSec is the rate of new flows between the last two polls.
	OpenedPerSec float64
}

func (t *Traffic) add(o *Traffic) {
	t.Active += o.Active
	t.Opened += o.Opened
	t.Closed += o.Closed
	t.Forward.add(o.Forward)
	t.Reverse.add(o.Reverse)
	t.ForwardRate.add(o.ForwardRate)
	t.ReverseRate.add(o.ReverseRate)
	t.OpenedPerSec += o.OpenedPerSec
}

// traffic reads an aggregate. st.mu held.
func (g *agg) traffic() Traffic {
	t := Traffic{Opened: g.opened, Closed: g.ended, Forward: g.total(dirFwd), Reverse: g.total(dirRev)}
	if g.opened > g.ended {
		t.Active = g.opened - g.ended
	}
	if !g.prev.at.IsZero() {
		if dt := g.last.at.Sub(g.prev.at).Seconds(); dt > 0 {
			t.ForwardRate = rateOf(g.prev.total[dirFwd], g.last.total[dirFwd], dt)
			t.ReverseRate = rateOf(g.prev.total[dirRev], g.last.total[dirRev], dt)
			t.OpenedPerSec = float64(g.last.opened-min(g.last.opened, g.prev.opened)) / dt
		}
	}
	return t
}

func rateOf(prev, last Counts, dt float64) Rate {
	return Rate{
		PacketsPerSec: float64(last.Packets-min(last.Packets, prev.Packets)) / dt,
		BytesPerSec:   float64(last.Bytes-min(last.Bytes, prev.Bytes)) / dt,
	}
}

// TrafficSample is the counters of one VIP backend on one switch: the
// finest grain the collector keeps, meant for metrics (one series per
// sample).
type TrafficSample struct {
	DPID      uint64
	VIPID     uint16
	BackendID uint16
	// Tenant, VIP and Backend name the sample from the configuration;
	// empty for a VIP or backend since removed from it (their counts are
	// kept: they come back if it does).
	Tenant, VIP, Backend string
	Traffic
	// PolledAt is the time of the last sample taken for rates.
	PolledAt time.Time
}

// TrafficSamples returns every (switch, VIP, backend) aggregate, sorted by
// DPID, VIP id and backend id.
func (a *App) TrafficSamples() []TrafficSample {
	st := a.state.Load()
	var out []TrafficSample
	for _, tr := range a.traffic.switches() {
		tr.mu.Lock()
		for k, g := range tr.aggs {
			s := TrafficSample{DPID: tr.dpid, VIPID: k.vip, BackendID: k.backend, Traffic: g.traffic(), PolledAt: g.last.at}
			if vs := st.vips[k.vip]; vs != nil {
				s.Tenant, s.VIP = vs.Tenant, vs.Name
				if i := backendIndex(&vs.VIP, k.backend); i >= 0 {
					s.Backend = vs.Backends[i].Name
				}
			}
			out = append(out, s)
		}
		tr.mu.Unlock()
	}
	slices.SortFunc(out, func(x, y TrafficSample) int {
		return cmp.Or(cmp.Compare(x.DPID, y.DPID), cmp.Compare(x.VIPID, y.VIPID), cmp.Compare(x.BackendID, y.BackendID))
	})
	return out
}

func backendIndex(v *VIP, id uint16) int {
	for i := range v.Backends {
		if v.Backends[i].ID == id {
			return i
		}
	}
	return -1
}

// VIPTraffic is one VIP's counters, in total, per backend and per switch.
type VIPTraffic struct {
	ID       uint16
	Tenant   string
	Name     string
	Addr     netip.AddrPort
	Proto    uint8
	Policy   StatsPolicy
	Interval time.Duration // the polling period in force
	Traffic
	// Backends has every configured backend, in configuration order, then
	// any removed backend that still has counts (Name empty).
	Backends []BackendTraffic
	// Switches has the VIP's totals on each switch where it has counts.
	Switches []SwitchShare
	// PolledAt is the latest poll of the VIP on any switch.
	PolledAt time.Time
}

// BackendTraffic is one backend's counters (on every switch).
type BackendTraffic struct {
	ID   uint16
	Name string
	Addr netip.AddrPort
	Traffic
}

// SwitchShare is an aggregate's counters on one switch.
type SwitchShare struct {
	DPID uint64
	Traffic
}

// TenantTraffic is the sum of a tenant's VIPs.
type TenantTraffic struct {
	Tenant string
	Traffic
}

// SwitchTraffic is one switch's totals over every VIP, and how its last
// poll went.
type SwitchTraffic struct {
	DPID uint64
	Traffic
	// Polls counts the polls of the switch; PolledAt and PollDuration
	// are the last one's time and length.
	Polls        uint64
	PolledAt     time.Time
	PollDuration time.Duration
	// FlowRequests and FlowEntries are the FLOW_STATS requests of the
	// last poll and the per-flow entries they returned.
	FlowRequests, FlowEntries int
	// FlowErr is why the last poll could not read the entries (the
	// counters are then those of the poll before); PortErr likewise for
	// the ports (a switch without port statistics answers BAD_REQUEST).
	FlowErr, PortErr error
}

// TrafficReport is the collector's books, per VIP (with backends and
// switches), tenant and switch, sorted by tenant and name, tenant, and
// DPID.
type TrafficReport struct {
	VIPs     []VIPTraffic
	Tenants  []TenantTraffic
	Switches []SwitchTraffic
}

// TrafficStats returns the traffic counters of every configured VIP with
// its backends, of every tenant, and of every switch (see the consistency
// model above). Counts of VIPs since removed from the configuration are in
// the switches' totals only.
func (a *App) TrafficStats() TrafficReport {
	st := a.state.Load()
	o := a.traffic.options()
	samples := a.TrafficSamples()
	byVIP := make(map[uint16]*VIPTraffic, len(st.vips))
	var rep TrafficReport
	for _, vs := range st.vips {
		vt := &VIPTraffic{ID: vs.ID, Tenant: vs.Tenant, Name: vs.Name, Addr: vs.AddrPort(), Proto: vs.Proto,
			Policy: vs.Stats, Interval: o.interval(&vs.VIP)}
		for _, b := range vs.Backends {
			vt.Backends = append(vt.Backends, BackendTraffic{ID: b.ID, Name: b.Name, Addr: b.AddrPort()})
		}
		byVIP[vs.ID] = vt
	}
	swIndex := map[uint64]int{}
	for _, tr := range a.traffic.switches() {
		tr.mu.Lock()
		swIndex[tr.dpid] = len(rep.Switches)
		rep.Switches = append(rep.Switches, SwitchTraffic{DPID: tr.dpid, Polls: tr.polls, PolledAt: tr.polledAt,
			PollDuration: tr.pollDur, FlowRequests: tr.requests, FlowEntries: tr.entries, FlowErr: tr.flowErr, PortErr: tr.portErr})
		tr.mu.Unlock()
	}
	for i := range samples {
		s := &samples[i]
		if j, ok := swIndex[s.DPID]; ok {
			rep.Switches[j].Traffic.add(&s.Traffic)
		}
		vt := byVIP[s.VIPID]
		if vt == nil {
			continue
		}
		vt.Traffic.add(&s.Traffic)
		if s.PolledAt.After(vt.PolledAt) {
			vt.PolledAt = s.PolledAt
		}
		bi := slices.IndexFunc(vt.Backends, func(b BackendTraffic) bool { return b.ID == s.BackendID })
		if bi < 0 {
			vt.Backends = append(vt.Backends, BackendTraffic{ID: s.BackendID})
			bi = len(vt.Backends) - 1
		}
		vt.Backends[bi].Traffic.add(&s.Traffic)
		// Samples come sorted by DPID: a VIP's switches are appended in order.
		if n := len(vt.Switches); n == 0 || vt.Switches[n-1].DPID != s.DPID {
			vt.Switches = append(vt.Switches, SwitchShare{DPID: s.DPID})
		}
		vt.Switches[len(vt.Switches)-1].Traffic.add(&s.Traffic)
	}
	tenants := map[string]*TenantTraffic{}
	for _, vt := range byVIP {
		rep.VIPs = append(rep.VIPs, *vt)
		tt := tenants[vt.Tenant]
		if tt == nil {
			tt = &TenantTraffic{Tenant: vt.Tenant}
			tenants[vt.Tenant] = tt
		}
		tt.Traffic.add(&vt.Traffic)
	}
	for _, tt := range tenants {
		rep.Tenants = append(rep.Tenants, *tt)
	}
	slices.SortFunc(rep.VIPs, func(x, y VIPTraffic) int {
		return cmp.Or(strings.Compare(x.Tenant, y.Tenant), strings.Compare(x.Name, y.Name), cmp.Compare(x.ID, y.ID))
	})
	slices.SortFunc(rep.Tenants, func(x, y TenantTraffic) int { return strings.Compare(x.Tenant, y.Tenant) })
	slices.SortFunc(rep.Switches, func(x, y SwitchTraffic) int { return cmp.Compare(x.DPID, y.DPID) })
	return rep
}

// FlowCounter is one flow's counters as last polled: Forward is the
// forward entry's n_packets/n_bytes (cookie ForwardCookie), Reverse the
// reverse entry's (cookie ReverseCookie), or the final counters of an
// entry the switch already removed.
type FlowCounter struct {
	FlowInfo
	ForwardCookie, ReverseCookie Cookie
	Forward, Reverse             Counts
	// ForwardRate and ReverseRate are the rates between the flow's last
	// two polls (zero until it has been polled twice).
	ForwardRate, ReverseRate Rate
	// PolledAt is the flow's last poll (zero: not polled yet).
	PolledAt time.Time
}

// FlowCounters lists the flows of VIPs whose policy is per_flow, with their
// last polled counters, on one switch (every switch if dpid is 0) and of
// one VIP (every per_flow VIP if vipID is 0), sorted by DPID, client and
// VIP. Flows of per_vip and none VIPs are not listed: their policy keeps
// no per-flow counters for the API.
func (a *App) FlowCounters(dpid uint64, vipID uint16) []FlowCounter {
	st := a.state.Load()
	var out []FlowCounter
	a.switches.Range(func(_, v any) bool {
		ss := v.(*switchState)
		if dpid != 0 && ss.dpid != dpid {
			return true
		}
		ss.mu.Lock()
		for _, fl := range ss.flows {
			if vipID != 0 && fl.vipID != vipID {
				continue
			}
			if vs := st.vips[fl.vipID]; vs == nil || vs.Stats != StatsPerFlow {
				continue
			}
			out = append(out, a.flowCounter(ss.dpid, fl))
		}
		ss.mu.Unlock()
		return true
	})
	slices.SortFunc(out, func(x, y FlowCounter) int {
		return cmp.Or(cmp.Compare(x.DPID, y.DPID), x.Client.Compare(y.Client), x.VIP.Compare(y.VIP))
	})
	return out
}

// flowCounter reads a flow. ss.mu held.
func (a *App) flowCounter(dpid uint64, fl *flow) FlowCounter {
	fp := &fl.polled
	fc := FlowCounter{
		FlowInfo: FlowInfo{DPID: dpid, Proto: fl.proto, Client: fl.client, VIP: fl.vip, Backend: fl.backend,
			VIPID: fl.vipID, BackendID: fl.backendID, Installed: fl.installed},
		ForwardCookie: MakeCookie(a.owner, KindForward, fl.vipID, fl.backendID),
		ReverseCookie: MakeCookie(a.owner, KindReverse, fl.vipID, fl.backendID),
		Forward:       fp.cur[dirFwd],
		Reverse:       fp.cur[dirRev],
	}
	if fl.fwdGone {
		fc.Forward = maxCounts(fc.Forward, Counts{fl.fwdPackets, fl.fwdBytes})
	}
	if fl.revGone {
		fc.Reverse = maxCounts(fc.Reverse, Counts{fl.revPackets, fl.revBytes})
	}
	if fp.at != 0 {
		fc.PolledAt = time.Unix(0, fp.at)
	}
	if fp.prevAt != 0 && fp.at > fp.prevAt {
		dt := time.Duration(fp.at - fp.prevAt).Seconds()
		fc.ForwardRate = rateOf(fp.prev[dirFwd], fp.cur[dirFwd], dt)
		fc.ReverseRate = rateOf(fp.prev[dirRev], fp.cur[dirRev], dt)
	}
	return fc
}

// PortCounters is one port's counters at the last poll, with rates since
// the poll before.
type PortCounters struct {
	openflow.PortStats
	Rx, Tx Rate
}

// SwitchPorts is a switch's port counters at its last successful port
// poll.
type SwitchPorts struct {
	DPID     uint64
	PolledAt time.Time
	Ports    []PortCounters // sorted by port number
	// Err is why the last poll could not read the ports (nil when it
	// could); Ports are then those of the poll before.
	Err error
}

// PortStats returns every polled switch's port counters, sorted by DPID.
func (a *App) PortStats() []SwitchPorts {
	var out []SwitchPorts
	for _, tr := range a.traffic.switches() {
		tr.mu.Lock()
		out = append(out, SwitchPorts{DPID: tr.dpid, PolledAt: tr.portsAt, Ports: slices.Clone(tr.ports), Err: tr.portErr})
		tr.mu.Unlock()
	}
	slices.SortFunc(out, func(x, y SwitchPorts) int { return cmp.Compare(x.DPID, y.DPID) })
	return out
}

// setPorts stores a port poll, with rates against the previous one.
// tr.mu held.
func (tr *swTraffic) setPorts(stats []openflow.PortStats, now time.Time) {
	prev := tr.ports
	dt := now.Sub(tr.portsAt).Seconds()
	ports := make([]PortCounters, len(stats))
	for i, ps := range stats {
		ports[i].PortStats = ps
	}
	slices.SortFunc(ports, func(x, y PortCounters) int { return cmp.Compare(x.PortNo, y.PortNo) })
	if !tr.portsAt.IsZero() && dt > 0 {
		for i := range ports {
			p := &ports[i]
			j, ok := slices.BinarySearchFunc(prev, p.PortNo, func(x PortCounters, no uint32) int { return cmp.Compare(x.PortNo, no) })
			if !ok {
				continue
			}
			q := &prev[j]
			p.Rx = rateOf(Counts{q.RxPackets, q.RxBytes}, Counts{p.RxPackets, p.RxBytes}, dt)
			p.Tx = rateOf(Counts{q.TxPackets, q.TxBytes}, Counts{p.TxPackets, p.TxBytes}, dt)
		}
	}
	tr.ports, tr.portsAt = ports, now
}

// portsUnsupported reports whether a port-stats failure is the switch
// refusing the request (BAD_REQUEST), not a failure of the poll.
func portsUnsupported(err error) bool {
	var em *openflow.ErrorMsg
	return errors.As(err, &em) && em.ErrType == openflow.ErrTypeBadRequest
}
