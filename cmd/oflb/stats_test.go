package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"golang.org/x/time/rate"

	"github.com/oflb/oflb/lb"
	"github.com/oflb/oflb/openflow"
	"github.com/oflb/oflb/openflow/oftest"
)

// trafficKey names one direction of one (VIP, backend).
type trafficKey struct {
	vip, backend uint16
	kind         lb.Kind
}

// perFlowEntries returns the fake switch's per-flow (priority 1000)
// entries.
func perFlowEntries(sw *oftest.Switch) []oftest.Entry {
	var out []oftest.Entry
	for _, e := range sw.Flows() {
		if e.Priority == 1000 {
			out = append(out, e)
		}
	}
	return out
}

// waitEntries waits until the fake switch holds n per-flow entries.
func waitEntries(t *testing.T, sw *oftest.Switch, n int) []oftest.Entry {
	t.Helper()
	var got []oftest.Entry
	waitFor(t, fmt.Sprintf("%d per-flow entries", n), func() bool {
		got = perFlowEntries(sw)
		return len(got) == n
	})
	return got
}

// setCounters gives every per-flow entry of sw distinct counters
// (packets = base+i, bytes = 100*(base+i)+i) and returns their sums by
// VIP, backend and kind.
func setCounters(t *testing.T, sw *oftest.Switch, base uint64) map[trafficKey]lb.Counts {
	t.Helper()
	sums := map[trafficKey]lb.Counts{}
	for i, e := range perFlowEntries(sw) {
		p := base + uint64(i)
		b := 100*p + uint64(i)
		if n := sw.SetCounters(e.Cookie, &e.Match, p, b); n != 1 {
			t.Fatalf("SetCounters changed %d entries, want 1", n)
		}
		c := lb.Cookie(e.Cookie)
		k := trafficKey{c.VIP(), c.Backend(), c.Kind()}
		s := sums[k]
		s.Packets += p
		s.Bytes += b
		sums[k] = s
	}
	return sums
}

// post makes a POST and returns the status and body.
func (e *testEnv) post(path string) (int, []byte) {
	e.t.Helper()
	return e.do(http.MethodPost, path)
}

// refresh POSTs /api/v1/stats/refresh and decodes the report.
func (e *testEnv) refresh() statsJSON {
	e.t.Helper()
	code, b := e.post("/api/v1/stats/refresh")
	if code != http.StatusOK {
		e.t.Fatalf("refresh: %d %s", code, b)
	}
	var st statsJSON
	if err := json.Unmarshal(b, &st); err != nil {
		e.t.Fatalf("refresh: %v in %s", err, b)
	}
	return st
}

// checkTraffic compares the report's forward and reverse counters of
// every VIP and backend with want (absent keys: zero).
func checkTraffic(t *testing.T, st statsJSON, want map[trafficKey]lb.Counts) {
	t.Helper()
	for _, v := range st.VIPs {
		var vf, vr lb.Counts
		for _, b := range v.Backends {
			f, r := want[trafficKey{v.ID, b.ID, lb.KindForward}], want[trafficKey{v.ID, b.ID, lb.KindReverse}]
			if got := (lb.Counts{Packets: b.Forward.Packets, Bytes: b.Forward.Bytes}); got != f {
				t.Errorf("%s/%s backend %s forward = %+v, want %+v", v.Tenant, v.Name, b.Name, got, f)
			}
			if got := (lb.Counts{Packets: b.Reverse.Packets, Bytes: b.Reverse.Bytes}); got != r {
				t.Errorf("%s/%s backend %s reverse = %+v, want %+v", v.Tenant, v.Name, b.Name, got, r)
			}
			vf.Packets, vf.Bytes = vf.Packets+f.Packets, vf.Bytes+f.Bytes
			vr.Packets, vr.Bytes = vr.Packets+r.Packets, vr.Bytes+r.Bytes
		}
		if got := (lb.Counts{Packets: v.Forward.Packets, Bytes: v.Forward.Bytes}); got != vf {
			t.Errorf("%s/%s forward = %+v, want %+v", v.Tenant, v.Name, got, vf)
		}
		if got := (lb.Counts{Packets: v.Reverse.Packets, Bytes: v.Reverse.Bytes}); got != vr {
			t.Errorf("%s/%s reverse = %+v, want %+v", v.Tenant, v.Name, got, vr)
		}
	}
}

// statsVIP returns a VIP of a report.
func statsVIP(t *testing.T, st statsJSON, full string) statsVIPJSON {
	t.Helper()
	for _, v := range st.VIPs {
		if v.Tenant+"/"+v.Name == full {
			return v
		}
	}
	t.Fatalf("no VIP %s in the report", full)
	return statsVIPJSON{}
}

func TestAPIStats(t *testing.T) {
	e := newTestEnv(t, examplesDir)
	const dpid = 0xa1
	sw := e.dial(dpid)
	web, api := e.vip("tenant-a/web"), e.vip("tenant-b/api") // per_flow, per_vip
	e.locate(sw, dpid, web)
	e.locate(sw, dpid, api)
	var webFlows []lb.FlowInfo
	for i := range 3 {
		webFlows = append(webFlows, e.connect(sw, dpid, web, netip.MustParseAddrPort(fmt.Sprintf("10.1.0.%d:4000", i+1))))
	}
	e.connect(sw, dpid, api, netip.MustParseAddrPort("10.1.0.9:4001"))
	waitEntries(t, sw, 8)

	// Before any poll: nothing counted, connections opened not yet booked.
	var st statsJSON
	e.get("/api/v1/stats", &st)
	checkTraffic(t, st, nil)

	want := setCounters(t, sw, 10)
	sw.SetPortStats(openflow.PortStats{PortNo: 1, RxPackets: 7, RxBytes: 700, TxPackets: 9, TxBytes: 900, RxDropped: 1})
	st = e.refresh()
	if st.RefreshError != "" {
		t.Errorf("refresh error %q", st.RefreshError)
	}
	checkTraffic(t, st, want)
	if v := statsVIP(t, st, "tenant-a/web"); v.ConnectionsOpened != 3 || v.ConnectionsClosed != 0 || v.ActiveFlows != 3 ||
		v.StatsPolicy != "per_flow" || v.IntervalSeconds != 10 || v.PolledAt == nil || len(v.Switches) != 1 || v.Switches[0].Switch != "00000000000000a1" {
		t.Errorf("web = %+v", v)
	}
	if len(st.Switches) != 1 || st.Switches[0].Polls != 1 || st.Switches[0].FlowEntries != 8 || st.Switches[0].FlowError != "" ||
		st.Switches[0].PortError != "" || st.Switches[0].PolledAt == nil || st.Switches[0].ConnectionsOpened != 4 {
		t.Errorf("switches = %+v, want one polled once with 8 entries, 4 connections and no error", st.Switches)
	}
	if len(st.Tenants) != 2 || st.Tenants[0].Tenant != "tenant-a" || st.Tenants[0].ConnectionsOpened != 3 {
		t.Errorf("tenants = %+v", st.Tenants)
	}

	// The first web flow's entries count more, then expire: the final
	// counters of their FLOW_REMOVED replace the polled ones.
	gone := webFlows[0]
	var fwd, rev oftest.Entry
	for _, en := range perFlowEntries(sw) {
		src, _ := en.Match.IPv4Src()
		dst, _ := en.Match.IPv4Dst()
		sport, _ := en.Match.TCPSrc()
		dport, _ := en.Match.TCPDst()
		switch {
		case src == gone.Client.Addr() && sport == gone.Client.Port():
			fwd = en
		case dst == gone.Client.Addr() && dport == gone.Client.Port():
			rev = en
		}
	}
	if fwd.Cookie == 0 || rev.Cookie == 0 {
		t.Fatalf("entries of %v not found", gone.Client)
	}
	for _, en := range []oftest.Entry{fwd, rev} {
		sw.SetCounters(en.Cookie, &en.Match, en.Packets+5, en.Bytes+500)
		c := lb.Cookie(en.Cookie)
		k := trafficKey{c.VIP(), c.Backend(), c.Kind()}
		want[k] = lb.Counts{Packets: want[k].Packets + 5, Bytes: want[k].Bytes + 500}
	}
	n, err := sw.ExpireFunc(0, openflow.FlowRemovedReasonIdleTimeout, func(en *oftest.Entry) bool {
		return (en.Cookie == fwd.Cookie && en.Match == fwd.Match) || (en.Cookie == rev.Cookie && en.Match == rev.Match)
	})
	if err != nil || n != 2 {
		t.Fatalf("expire: %d, %v", n, err)
	}
	waitFor(t, "flow of "+gone.Client.String()+" ended", func() bool {
		var st statsJSON
		e.get("/api/v1/stats?vip=tenant-a/web", &st)
		return len(st.VIPs) == 1 && st.VIPs[0].ConnectionsClosed == 1
	})
	// No refresh: the closed books are current without one.
	e.get("/api/v1/stats", &st)
	checkTraffic(t, st, want)
	if v := statsVIP(t, st, "tenant-a/web"); v.ConnectionsOpened != 3 || v.ConnectionsClosed != 1 || v.ActiveFlows != 2 {
		t.Errorf("web after expiry = opened %d closed %d active %d, want 3 1 2", v.ConnectionsOpened, v.ConnectionsClosed, v.ActiveFlows)
	}

	t.Run("vip filter", func(t *testing.T) {
		var st statsJSON
		e.get("/api/v1/stats?vip="+strconv.Itoa(int(api.ID)), &st)
		if len(st.VIPs) != 1 || st.VIPs[0].Name != "api" || len(st.Tenants) != 1 || st.Tenants[0].Tenant != "tenant-b" || len(st.Switches) != 1 {
			t.Errorf("filtered report %+v", st)
		}
	})

	t.Run("vips and backends", func(t *testing.T) {
		var vips []vipJSON
		e.get("/api/v1/vips", &vips)
		for _, v := range vips {
			var sum countsJSON
			for _, b := range v.Backends {
				f := want[trafficKey{v.ID, b.ID, lb.KindForward}]
				r := want[trafficKey{v.ID, b.ID, lb.KindReverse}]
				if b.Traffic.Forward != (countsJSON{f.Packets, f.Bytes}) || b.Traffic.Reverse != (countsJSON{r.Packets, r.Bytes}) {
					t.Errorf("%s backend %s traffic %+v, want forward %+v reverse %+v", v.Name, b.Name, b.Traffic, f, r)
				}
				sum.Packets += b.Traffic.Forward.Packets
				sum.Bytes += b.Traffic.Forward.Bytes
			}
			if v.Traffic.Forward != sum {
				t.Errorf("%s forward %+v, want the backends' sum %+v", v.Name, v.Traffic.Forward, sum)
			}
		}
		var bs []backendJSON
		e.get("/api/v1/vips/tenant-a%2Fweb/backends", &bs)
		var closed uint64
		for _, b := range bs {
			closed += b.Traffic.ConnectionsClosed
		}
		if closed != 1 {
			t.Errorf("backends closed %d connections, want 1", closed)
		}
	})

	t.Run("flows", func(t *testing.T) {
		var fls []flowJSON
		e.get("/api/v1/flows", &fls)
		if len(fls) != 3 {
			t.Fatalf("%d flows, want 3", len(fls))
		}
		type entryKey struct {
			cookie uint64
			client netip.AddrPort
		}
		counters := map[entryKey]lb.Counts{}
		for _, en := range perFlowEntries(sw) {
			// The client is the forward entry's source and the reverse
			// entry's destination.
			a, _ := en.Match.IPv4Src()
			p, _ := en.Match.TCPSrc()
			if lb.Cookie(en.Cookie).Kind() == lb.KindReverse {
				a, _ = en.Match.IPv4Dst()
				p, _ = en.Match.TCPDst()
			}
			counters[entryKey{en.Cookie, netip.AddrPortFrom(a, p)}] = lb.Counts{Packets: en.Packets, Bytes: en.Bytes}
		}
		for _, f := range fls {
			client := netip.MustParseAddrPort(f.Client)
			if f.VIPName == "api" {
				if f.Forward != nil || f.Reverse != nil || f.PolledAt != nil {
					t.Errorf("per_vip flow %s has counters %+v %+v", f.Client, f.Forward, f.Reverse)
				}
				continue
			}
			if f.Forward == nil || f.Reverse == nil || f.PolledAt == nil {
				t.Fatalf("per_flow flow %s without counters", f.Client)
			}
			fc := entryKey{uint64(lb.MakeCookie(1, lb.KindForward, web.ID, f.BackendID)), client}
			rc := entryKey{uint64(lb.MakeCookie(1, lb.KindReverse, web.ID, f.BackendID)), client}
			// Only the expired flow changed since the refresh, and it
			// is gone: the others show what the switch holds.
			if got, want := (lb.Counts{Packets: f.Forward.Packets, Bytes: f.Forward.Bytes}), counters[fc]; got != want {
				t.Errorf("flow %s forward %+v, want %+v", f.Client, got, want)
			}
			if got, want := (lb.Counts{Packets: f.Reverse.Packets, Bytes: f.Reverse.Bytes}), counters[rc]; got != want {
				t.Errorf("flow %s reverse %+v, want %+v", f.Client, got, want)
			}
		}
	})

	t.Run("ports", func(t *testing.T) {
		var ports []switchPortsJSON
		e.get("/api/v1/stats/ports", &ports)
		if len(ports) != 1 || ports[0].Switch != "00000000000000a1" || ports[0].Error != "" || ports[0].PolledAt == nil || len(ports[0].Ports) != 2 {
			t.Fatalf("ports = %+v, want switch a1 with ports 1 and 2", ports)
		}
		if p := ports[0].Ports[0]; p.Port != 1 || p.Name != "p1" || p.RxPackets != 7 || p.RxBytes != 700 || p.TxPackets != 9 || p.TxBytes != 900 || p.RxDropped != 1 {
			t.Errorf("port 1 = %+v", p)
		}
		e.get("/api/v1/stats/ports?switch=ff", &ports)
		if len(ports) != 0 {
			t.Errorf("ports of an unknown switch = %+v", ports)
		}
	})

	t.Run("metrics", func(t *testing.T) {
		m := e.scrape()
		webLabels := `tenant="tenant-a",vip="web"`
		var fwdP, fwdB, revB uint64
		for _, b := range web.Backends {
			f := want[trafficKey{web.ID, b.ID, lb.KindForward}]
			r := want[trafficKey{web.ID, b.ID, lb.KindReverse}]
			fwdP += f.Packets
			fwdB += f.Bytes
			revB += r.Bytes
			bl := `backend="` + b.Name + `",direction="forward",` + webLabels
			if got := m["oflb_backend_bytes_total{"+bl+"}"]; got != float64(f.Bytes) {
				t.Errorf("oflb_backend_bytes_total{%s} = %v, want %d", bl, got, f.Bytes)
			}
			if got := m["oflb_backend_packets_total{"+bl+"}"]; got != float64(f.Packets) {
				t.Errorf("oflb_backend_packets_total{%s} = %v, want %d", bl, got, f.Packets)
			}
		}
		checks := map[string]float64{
			`oflb_vip_packets_total{direction="forward",` + webLabels + `}`:                             float64(fwdP),
			`oflb_vip_bytes_total{direction="forward",` + webLabels + `}`:                               float64(fwdB),
			`oflb_vip_bytes_total{direction="reverse",` + webLabels + `}`:                               float64(revB),
			`oflb_vip_connections_opened_total{` + webLabels + `}`:                                      3,
			`oflb_vip_connections_closed_total{` + webLabels + `}`:                                      1,
			`oflb_switch_stats_polls_total{dpid="00000000000000a1"}`:                                    1,
			`oflb_switch_stats_flow_entries{dpid="00000000000000a1"}`:                                   8,
			`oflb_switch_stats_last_poll_failed{dpid="00000000000000a1",what="flows"}`:                  0,
			`oflb_switch_stats_last_poll_failed{dpid="00000000000000a1",what="ports"}`:                  0,
			`oflb_port_rx_bytes_total{dpid="00000000000000a1",port="1"}`:                                700,
			`oflb_port_tx_bytes_total{dpid="00000000000000a1",port="1"}`:                                900,
			`oflb_port_rx_packets_total{dpid="00000000000000a1",port="1"}`:                              7,
			`oflb_port_tx_packets_total{dpid="00000000000000a1",port="1"}`:                              9,
			`oflb_port_rx_dropped_total{dpid="00000000000000a1",port="1"}`:                              1,
			`oflb_port_rx_bytes_total{dpid="00000000000000a1",port="2"}`:                                0,
			`oflb_backend_connections_opened_total{backend="10.0.0.11:53",tenant="tenant-a",vip="dns"}`: 0,
		}
		for k, v := range checks {
			if got, ok := m[k]; !ok || got != v {
				t.Errorf("%s = %v (present %v), want %v", k, got, ok, v)
			}
		}
		if d, ok := m[`oflb_switch_stats_poll_duration_seconds{dpid="00000000000000a1"}`]; !ok || d <= 0 {
			t.Errorf("poll duration %v (present %v)", d, ok)
		}
		problems, err := testutil.CollectAndLint(newStatsCollector(e.s))
		if err != nil || len(problems) > 0 {
			t.Errorf("lint of the stats collector: %v %+v", err, problems)
		}
	})
}

func TestAPIStatsErrors(t *testing.T) {
	e := newTestEnv(t, examplesDir)
	e.dial(0xa1)
	// One refresh an hour, in bursts of 2: the third is refused.
	e.s.refresh.SetLimit(rate.Every(time.Hour))
	e.s.refresh.SetBurst(2)
	tests := []struct {
		name     string
		method   string
		path     string
		wantCode int
	}{
		{name: "refresh", method: http.MethodPost, path: "/api/v1/stats/refresh", wantCode: 200},
		{name: "refresh of one VIP", method: http.MethodPost, path: "/api/v1/stats/refresh?vip=tenant-a/web", wantCode: 200},
		{name: "refresh too often", method: http.MethodPost, path: "/api/v1/stats/refresh", wantCode: 429},
		{name: "refresh with a bad parameter", method: http.MethodPost, path: "/api/v1/stats/refresh?x=1", wantCode: 400},
		{name: "unknown parameter", method: http.MethodGet, path: "/api/v1/stats?port=1", wantCode: 400},
		{name: "unknown vip", method: http.MethodGet, path: "/api/v1/stats?vip=tenant-a/nope", wantCode: 404},
		{name: "bad vip", method: http.MethodGet, path: "/api/v1/stats?vip=web", wantCode: 400},
		{name: "ports of a bad switch", method: http.MethodGet, path: "/api/v1/stats/ports?switch=xyz", wantCode: 400},
		{name: "ports with a bad parameter", method: http.MethodGet, path: "/api/v1/stats/ports?vip=1", wantCode: 400},
		{name: "get refresh", method: http.MethodGet, path: "/api/v1/stats/refresh", wantCode: 405},
		{name: "post stats", method: http.MethodPost, path: "/api/v1/stats", wantCode: 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, e.api.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := e.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body json.RawMessage
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatalf("body: %v", err)
			}
			if resp.StatusCode != tt.wantCode {
				t.Fatalf("code = %d (%s), want %d", resp.StatusCode, body, tt.wantCode)
			}
			if tt.wantCode != 200 {
				msg := checkErrorBody(t, body)
				if tt.wantCode == 429 {
					if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 {
						t.Errorf("Retry-After %q", resp.Header.Get("Retry-After"))
					}
					if !strings.Contains(msg, "too often") {
						t.Errorf("message %q", msg)
					}
				}
				return
			}
			var st statsJSON
			if err := json.Unmarshal(body, &st); err != nil || len(st.Switches) != 1 || st.Switches[0].Polls == 0 {
				t.Errorf("report %s (%v): want the polled switch", body, err)
			}
		})
	}
}

// TestServePollsStats checks that run starts the poller: a VIP with a 1 s
// interval gets polled with no refresh, and the poller stops with run
// (goleak in TestMain).
func TestServePollsStats(t *testing.T) {
	dir := t.TempDir()
	pol := `tenant: t
vip_ranges: [10.0.0.96/28]
vips:
  - name: web
    address: 10.0.0.100
    port: 80
    stats: {policy: per_vip, interval: 1s}
    backends:
      - {name: b1, address: 10.0.0.11, port: 8080}
`
	if err := os.WriteFile(filepath.Join(dir, "t.yaml"), []byte(pol), 0o644); err != nil {
		t.Fatal(err)
	}
	e := newTestEnv(t, dir)
	e.dial(0xa1)
	waitFor(t, "a poll of the switch by the poller", func() bool {
		var st statsJSON
		e.get("/api/v1/stats", &st)
		return len(st.Switches) == 1 && st.Switches[0].Polls >= 1 && st.VIPs[0].IntervalSeconds == 1
	})
}

func TestCLIStats(t *testing.T) {
	e := newTestEnv(t, examplesDir)
	const dpid = 0xa1
	sw := e.dial(dpid)
	web := e.vip("tenant-a/web")
	e.locate(sw, dpid, web)
	for i := range 2 {
		e.connect(sw, dpid, web, netip.MustParseAddrPort(fmt.Sprintf("10.1.0.%d:4000", i+1)))
	}
	waitEntries(t, sw, 4)
	want := setCounters(t, sw, 1000)
	api := e.api.URL

	code, out, errOut := runCLI(t, "--api", api, "stats", "--refresh", "--vip", "tenant-a/web")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if errOut != "" {
		t.Errorf("stderr %q", errOut)
	}
	header, rows := parseTable(t, out)
	wantHeader := "VIP BACKEND ACTIVE OPENED CLOSED PKTS_IN BYTES_IN PKTS_OUT BYTES_OUT RATE_IN RATE_OUT NEW"
	if strings.Join(header, " ") != wantHeader || len(rows) != 4 {
		t.Fatalf("table %v with %d rows, want %s with 4 (web and its 3 backends):\n%s", header, len(rows), wantHeader, out)
	}
	var total uint64
	for _, r := range rows[1:] {
		b := r["BACKEND"]
		var id uint16
		for _, be := range web.Backends {
			if be.Name == b {
				id = be.ID
			}
		}
		f := want[trafficKey{web.ID, id, lb.KindForward}]
		if r["VIP"] != "tenant-a/web" || r["PKTS_IN"] != strconv.FormatUint(f.Packets, 10) || r["BYTES_IN"] != humanBytes(f.Bytes) {
			t.Errorf("row %v, want forward %+v", r, f)
		}
		total += f.Packets
	}
	if r := rows[0]; r["BACKEND"] != "*" || r["ACTIVE"] != "2" || r["OPENED"] != "2" || r["CLOSED"] != "0" || r["PKTS_IN"] != strconv.FormatUint(total, 10) {
		t.Errorf("VIP row %v, want 2 active and opened, %d packets in", r, total)
	}

	// -o json is the API's report.
	code, out, errOut = runCLI(t, "--api", api, "-o", "json", "stats")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got, fromAPI statsJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	e.get("/api/v1/stats", &fromAPI)
	got.Time, fromAPI.Time = time.Time{}, time.Time{}
	gb, _ := json.Marshal(got)
	ab, _ := json.Marshal(fromAPI)
	if string(gb) != string(ab) {
		t.Errorf("oflb stats -o json:\n%s\nAPI:\n%s", gb, ab)
	}
	checkTraffic(t, got, want)

	// Every VIP, with its backends (web 3, dns 2, api 2).
	code, out, _ = runCLI(t, "--api", api, "stats")
	if _, rows := parseTable(t, out); code != 0 || len(rows) != 3+3+2+2 {
		t.Errorf("exit %d, %d rows, want 10:\n%s", code, len(rows), out)
	}
	// A flow's bytes in oflb flows.
	code, out, _ = runCLI(t, "--api", api, "flows", "--vip", "tenant-a/web")
	_, rows = parseTable(t, out)
	if code != 0 || len(rows) != 2 {
		t.Fatalf("flows: exit %d:\n%s", code, out)
	}
	for _, r := range rows {
		if r["BYTES_IN"] == "-" || r["BYTES_OUT"] == "-" || r["BYTES_IN"] == "0B" {
			t.Errorf("flow row %v: want its bytes", r)
		}
	}
	code, out, errOut = runCLI(t, "--api", api, "stats", "--vip", "tenant-a/nope")
	if code != 1 || !strings.Contains(errOut, "no VIP tenant-a/nope") || out != "" {
		t.Errorf("unknown VIP: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestHumanUnits(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{name: "zero bytes", got: humanBytes(0), want: "0B"},
		{name: "bytes", got: humanBytes(1023), want: "1023B"},
		{name: "one KiB", got: humanBytes(1024), want: "1.0KiB"},
		{name: "KiB", got: humanBytes(1536), want: "1.5KiB"},
		{name: "MiB", got: humanBytes(5 << 20), want: "5.0MiB"},
		{name: "EiB", got: humanBytes(1 << 62), want: "4.0EiB"},
		{name: "max", got: humanBytes(^uint64(0)), want: "16.0EiB"},
		{name: "rate", got: humanRate(2.5 * 1024 * 1024), want: "2.5MiB/s"},
		{name: "zero rate", got: humanRate(0), want: "0B/s"},
		{name: "count", got: humanCount(999), want: "999/s"},
		{name: "kilo count", got: humanCount(1500), want: "1.5k/s"},
		{name: "mega count", got: humanCount(2e6), want: "2.0M/s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}
