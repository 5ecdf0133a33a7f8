package main

import (
	"context"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/oflb/oflb/lb"
)

// The statistics API: GET /api/v1/stats (the collector's books per VIP
// with backends and switches, per tenant and per switch), GET
// /api/v1/stats/ports (port counters per switch) and POST
// /api/v1/stats/refresh (poll every switch now, then the report).
//
// Consistency: the counters are those of each switch's last poll plus the
// final counters of every flow closed since, so they never go down and,
// right after a refresh with no traffic, equal the switches' own counters
// of the per-flow entries plus those of the entries already removed.
// Forward is client -> VIP -> backend, reverse backend -> client.

// refreshTimeout bounds the polls of one POST /api/v1/stats/refresh.
const refreshTimeout = 30 * time.Second

// countsJSON is one direction's counters.
type countsJSON struct {
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
}

// rateJSON is a per-second rate between the last two polls.
type rateJSON struct {
	PacketsPerSecond float64 `json:"packets_per_second"`
	BytesPerSecond   float64 `json:"bytes_per_second"`
}

// trafficJSON is the counters of one aggregate: a VIP, backend, tenant or
// switch. ActiveFlows is opened - closed as of the collector's books.
type trafficJSON struct {
	ActiveFlows       uint64     `json:"active_flows"`
	ConnectionsOpened uint64     `json:"connections_opened"`
	ConnectionsClosed uint64     `json:"connections_closed"`
	Forward           countsJSON `json:"forward"`
	Reverse           countsJSON `json:"reverse"`
	ForwardRate       rateJSON   `json:"forward_rate"`
	ReverseRate       rateJSON   `json:"reverse_rate"`
	OpenedPerSecond   float64    `json:"opened_per_second"`
}

func trafficOf(t lb.Traffic) trafficJSON {
	return trafficJSON{
		ActiveFlows: t.Active, ConnectionsOpened: t.Opened, ConnectionsClosed: t.Closed,
		Forward:     countsJSON{t.Forward.Packets, t.Forward.Bytes},
		Reverse:     countsJSON{t.Reverse.Packets, t.Reverse.Bytes},
		ForwardRate: rateOf(t.ForwardRate), ReverseRate: rateOf(t.ReverseRate),
		OpenedPerSecond: t.OpenedPerSec,
	}
}

func rateOf(r lb.Rate) rateJSON {
	return rateJSON{PacketsPerSecond: r.PacketsPerSec, BytesPerSecond: r.BytesPerSec}
}

// statsJSON is GET /api/v1/stats and POST /api/v1/stats/refresh.
type statsJSON struct {
	// Time is when the books were read.
	Time     time.Time         `json:"time"`
	VIPs     []statsVIPJSON    `json:"vips"`
	Tenants  []statsTenantJSON `json:"tenants"`
	Switches []statsSwitchJSON `json:"switches"`
	// RefreshError, for a refresh only, joins the switches that could
	// not be polled (their counters are those of their poll before).
	RefreshError string `json:"refresh_error,omitempty"`
}

// statsVIPJSON is one VIP's counters, in total (the embedded fields),
// per backend and per switch.
type statsVIPJSON struct {
	ID          uint16 `json:"id"`
	Tenant      string `json:"tenant"`
	Name        string `json:"name"`
	Protocol    string `json:"protocol"`
	Address     string `json:"address"`
	Port        uint16 `json:"port"`
	StatsPolicy string `json:"stats_policy"`
	// IntervalSeconds is the polling period in force.
	IntervalSeconds float64 `json:"interval_seconds"`
	// PolledAt is the VIP's latest poll on any switch (absent: never).
	PolledAt *time.Time `json:"polled_at,omitempty"`
	trafficJSON
	Backends []statsBackendJSON `json:"backends"`
	Switches []statsShareJSON   `json:"switches"`
}

// statsBackendJSON is a backend's counters on every switch. Name and
// Address are empty for a backend since removed from the policy.
type statsBackendJSON struct {
	ID      uint16 `json:"id"`
	Name    string `json:"name"`
	Address string `json:"address"`
	trafficJSON
}

// statsShareJSON is a VIP's counters on one switch.
type statsShareJSON struct {
	Switch string `json:"switch"`
	trafficJSON
}

// statsTenantJSON is the sum of a tenant's VIPs.
type statsTenantJSON struct {
	Tenant string `json:"tenant"`
	trafficJSON
}

// statsSwitchJSON is a switch's totals over every VIP (including VIPs
// since removed from the policy) and how its last poll went.
type statsSwitchJSON struct {
	Switch string `json:"switch"`
	trafficJSON
	Polls               uint64     `json:"polls"`
	PolledAt            *time.Time `json:"polled_at,omitempty"`
	PollDurationSeconds float64    `json:"poll_duration_seconds"`
	FlowRequests        int        `json:"flow_requests"`
	FlowEntries         int        `json:"flow_entries"`
	// FlowError and PortError say why the last poll could not read the
	// entries or the ports (a switch without port statistics refuses
	// them with BAD_REQUEST).
	FlowError string `json:"flow_error,omitempty"`
	PortError string `json:"port_error,omitempty"`
}

// switchPortsJSON is one switch of GET /api/v1/stats/ports.
type switchPortsJSON struct {
	Switch   string     `json:"switch"`
	PolledAt *time.Time `json:"polled_at,omitempty"`
	// Error is why the last poll could not read the ports; Ports are
	// then those of the poll before.
	Error string          `json:"error,omitempty"`
	Ports []portStatsJSON `json:"ports"`
}

// portStatsJSON is one port's counters at the last poll, with rates
// since the poll before.
type portStatsJSON struct {
	Port            uint32   `json:"port"`
	Name            string   `json:"name,omitempty"`
	RxPackets       uint64   `json:"rx_packets"`
	TxPackets       uint64   `json:"tx_packets"`
	RxBytes         uint64   `json:"rx_bytes"`
	TxBytes         uint64   `json:"tx_bytes"`
	RxDropped       uint64   `json:"rx_dropped"`
	TxDropped       uint64   `json:"tx_dropped"`
	RxErrors        uint64   `json:"rx_errors"`
	TxErrors        uint64   `json:"tx_errors"`
	RxRate          rateJSON `json:"rx_rate"`
	TxRate          rateJSON `json:"tx_rate"`
	DurationSeconds float64  `json:"duration_seconds"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func addrPortString(ap netip.AddrPort) string {
	if !ap.IsValid() {
		return ""
	}
	return ap.String()
}

// statsOf converts the collector's report; vipID, when not 0, keeps only
// that VIP (and its tenant).
func (s *server) statsOf(rep lb.TrafficReport, vipID uint16) statsJSON {
	out := statsJSON{Time: s.now().UTC(), VIPs: []statsVIPJSON{}, Tenants: []statsTenantJSON{}, Switches: []statsSwitchJSON{}}
	tenant := ""
	for _, v := range rep.VIPs {
		if vipID != 0 && v.ID != vipID {
			continue
		}
		tenant = v.Tenant
		j := statsVIPJSON{
			ID: v.ID, Tenant: v.Tenant, Name: v.Name, Protocol: protoName(v.Proto), Address: v.Addr.Addr().String(),
			Port: v.Addr.Port(), StatsPolicy: v.Policy.String(), IntervalSeconds: v.Interval.Seconds(),
			PolledAt: timePtr(v.PolledAt), trafficJSON: trafficOf(v.Traffic),
			Backends: []statsBackendJSON{}, Switches: []statsShareJSON{},
		}
		for _, b := range v.Backends {
			j.Backends = append(j.Backends, statsBackendJSON{ID: b.ID, Name: b.Name, Address: addrPortString(b.Addr), trafficJSON: trafficOf(b.Traffic)})
		}
		for _, sh := range v.Switches {
			j.Switches = append(j.Switches, statsShareJSON{Switch: dpidString(sh.DPID), trafficJSON: trafficOf(sh.Traffic)})
		}
		out.VIPs = append(out.VIPs, j)
	}
	for _, t := range rep.Tenants {
		if vipID != 0 && t.Tenant != tenant {
			continue
		}
		out.Tenants = append(out.Tenants, statsTenantJSON{Tenant: t.Tenant, trafficJSON: trafficOf(t.Traffic)})
	}
	for _, sw := range rep.Switches {
		out.Switches = append(out.Switches, statsSwitchJSON{
			Switch: dpidString(sw.DPID), trafficJSON: trafficOf(sw.Traffic), Polls: sw.Polls, PolledAt: timePtr(sw.PolledAt),
			PollDurationSeconds: sw.PollDuration.Seconds(), FlowRequests: sw.FlowRequests, FlowEntries: sw.FlowEntries,
			FlowError: errString(sw.FlowErr), PortError: errString(sw.PortErr),
		})
	}
	return out
}

// statsVIP reads the optional ?vip= of the statistics requests (and
// refuses any other parameter).
func (s *server) statsVIP(r *http.Request) (uint16, error) {
	q := r.URL.Query()
	for k := range q {
		if k != "vip" {
			return 0, errorf(http.StatusBadRequest, "unknown parameter %q (want vip)", k)
		}
	}
	ref := q.Get("vip")
	if ref == "" {
		return 0, nil
	}
	v, err := findVIP(s.app.VIPs(), ref)
	if err != nil {
		return 0, err
	}
	return v.ID, nil
}

func (s *server) getStats(r *http.Request) (any, error) {
	id, err := s.statsVIP(r)
	if err != nil {
		return nil, err
	}
	return s.statsOf(s.app.TrafficStats(), id), nil
}

// postStatsRefresh polls every switch now and answers the fresh report,
// or 429 (with Retry-After) when refreshes come too often.
func (s *server) postStatsRefresh(w http.ResponseWriter, r *http.Request) {
	id, err := s.statsVIP(r)
	if err != nil {
		writeError(w, err)
		return
	}
	res := s.refresh.ReserveN(s.now(), 1)
	if d := res.DelayFrom(s.now()); !res.OK() || d > 0 {
		res.Cancel()
		secs := max(1, int((d+time.Second-1)/time.Second))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeError(w, errorf(http.StatusTooManyRequests, "statistics refreshed too often: at most one every %v (bursts of %d); retry in %v",
			refreshEvery, refreshBurst, d.Round(time.Millisecond)))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), refreshTimeout)
	defer cancel()
	perr := s.app.PollNow(ctx)
	if err := r.Context().Err(); err != nil {
		return // the client went away
	}
	out := s.statsOf(s.app.TrafficStats(), id)
	out.RefreshError = errString(perr)
	writeJSON(w, http.StatusOK, out)
}

func (s *server) getPortStats(r *http.Request) (any, error) {
	q := r.URL.Query()
	for k := range q {
		if k != "switch" {
			return nil, errorf(http.StatusBadRequest, "unknown parameter %q (want switch)", k)
		}
	}
	var dpid uint64
	if d := q.Get("switch"); d != "" {
		v, err := parseDPID(d)
		if err != nil {
			return nil, errorf(http.StatusBadRequest, "switch: %v", err)
		}
		dpid = v
	}
	out := []switchPortsJSON{}
	for _, sp := range s.app.PortStats() {
		if dpid != 0 && sp.DPID != dpid {
			continue
		}
		names := s.portNames(sp.DPID)
		j := switchPortsJSON{Switch: dpidString(sp.DPID), PolledAt: timePtr(sp.PolledAt), Error: errString(sp.Err), Ports: []portStatsJSON{}}
		for _, p := range sp.Ports {
			j.Ports = append(j.Ports, portStatsJSON{
				Port: p.PortNo, Name: names[p.PortNo],
				RxPackets: p.RxPackets, TxPackets: p.TxPackets, RxBytes: p.RxBytes, TxBytes: p.TxBytes,
				RxDropped: p.RxDropped, TxDropped: p.TxDropped, RxErrors: p.RxErrors, TxErrors: p.TxErrors,
				RxRate: rateOf(p.Rx), TxRate: rateOf(p.Tx),
				DurationSeconds: float64(p.DurationSec) + float64(p.DurationNsec)/1e9,
			})
		}
		out = append(out, j)
	}
	return out, nil
}

// portNames returns the names of a connected switch's ports by number
// (nil if it is not connected).
func (s *server) portNames(dpid uint64) map[uint32]string {
	sw, ok := s.ctrl.Switch(dpid)
	if !ok {
		return nil
	}
	ports := sw.Ports()
	out := make(map[uint32]string, len(ports))
	for _, p := range ports {
		out[p.PortNo] = p.Name
	}
	return out
}

// trafficIndex holds the collector's totals by VIP and by (VIP, backend)
// for the VIP listings.
type trafficIndex struct {
	vips     map[uint16]lb.Traffic
	backends map[[2]uint16]lb.Traffic
}

func (s *server) trafficIndex() trafficIndex {
	rep := s.app.TrafficStats()
	ix := trafficIndex{vips: make(map[uint16]lb.Traffic, len(rep.VIPs)), backends: map[[2]uint16]lb.Traffic{}}
	for _, v := range rep.VIPs {
		ix.vips[v.ID] = v.Traffic
		for _, b := range v.Backends {
			ix.backends[[2]uint16{v.ID, b.ID}] = b.Traffic
		}
	}
	return ix
}

// flowKey identifies a flow across FlowInfo and FlowCounter.
type flowKey struct {
	dpid        uint64
	proto       uint8
	client, vip netip.AddrPort
}

// flowCounters returns the per-flow counters of the per_flow VIPs' flows
// on dpid (every switch if 0).
func (s *server) flowCounters(dpid uint64) map[flowKey]lb.FlowCounter {
	fcs := s.app.FlowCounters(dpid, 0)
	out := make(map[flowKey]lb.FlowCounter, len(fcs))
	for _, fc := range fcs {
		out[flowKey{fc.DPID, fc.Proto, fc.Client, fc.VIP}] = fc
	}
	return out
}
