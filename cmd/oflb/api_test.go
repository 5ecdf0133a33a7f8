package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/oflb/oflb/lb"
	"github.com/oflb/oflb/policy"
)

func TestAPIStatus(t *testing.T) {
	e := newTestEnv(t, examplesDir)
	e.dial(0xa1)
	want, err := policy.Load(examplesDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	var st statusJSON
	e.get("/api/v1/status", &st)
	if st.Switches != 1 || st.VIPs != 3 || st.Instance != 0 || st.ActiveFlows != 0 {
		t.Errorf("status = %+v, want 1 switch, 3 VIPs, instance 0, no flows", st)
	}
	if st.Version == "" || st.GoVersion == "" || st.UptimeSeconds < 0 {
		t.Errorf("status = %+v: version, go version or uptime missing", st)
	}
	p := st.Policy
	if p.Digest != want.Digest() || p.Tenants != 2 || p.Dir != examplesDir {
		t.Errorf("policy = %+v, want digest %s, 2 tenants, dir %s", p, want.Digest(), examplesDir)
	}
	if p.LastReload.Result != "ok" || p.LastReload.Time.IsZero() || p.LastReload.Errors != nil {
		t.Errorf("last reload = %+v, want ok with a time", p.LastReload)
	}
}

func TestAPISwitches(t *testing.T) {
	e := newTestEnv(t, examplesDir)
	e.dial(0xa1)
	e.dial(0x1b)
	var sws []switchJSON
	e.get("/api/v1/switches", &sws)
	if len(sws) != 2 || sws[0].DPID != "000000000000001b" || sws[1].DPID != "00000000000000a1" {
		t.Fatalf("switches = %+v, want 1b and a1 in order", sws)
	}
	sw := sws[1]
	if !strings.HasPrefix(sw.Address, "127.0.0.1:") || sw.ConnectedSince.IsZero() || sw.Role != "EQUAL" {
		t.Errorf("switch = %+v: address, connection time or role wrong", sw)
	}
	if len(sw.Ports) != 2 || sw.Ports[0].Number != 1 || sw.Ports[0].Name != "p1" || sw.Ports[0].MAC != "02:00:00:00:00:01" || !sw.Ports[0].Up {
		t.Errorf("ports = %+v, want p1 (02:00:00:00:00:01, up) and p2", sw.Ports)
	}
	f := sw.Features
	if f.Nicira != "supported" || f.Bundles != "supported" || f.Tables == 0 || f.Manufacturer != "oflb" {
		t.Errorf("features = %+v, want nicira and bundles supported, tables, manufacturer oflb", f)
	}

	tests := []struct {
		name     string
		dpid     string
		wantCode int
	}{
		{name: "short hex", dpid: "a1", wantCode: 200},
		{name: "0x prefix", dpid: "0xA1", wantCode: 200},
		{name: "16 digits", dpid: "00000000000000a1", wantCode: 200},
		{name: "colons", dpid: "00:00:00:00:00:00:00:a1", wantCode: 200},
		{name: "not connected", dpid: "ff", wantCode: 404},
		{name: "not hex", dpid: "zz", wantCode: 400},
		{name: "too long", dpid: "10000000000000000", wantCode: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, b := e.do(http.MethodGet, "/api/v1/switches/"+tt.dpid)
			if code != tt.wantCode {
				t.Fatalf("code = %d (%s), want %d", code, b, tt.wantCode)
			}
			if code != 200 {
				checkErrorBody(t, b)
				return
			}
			var got switchJSON
			if err := json.Unmarshal(b, &got); err != nil || got.DPID != "00000000000000a1" {
				t.Errorf("got %s (%v), want switch a1", b, err)
			}
		})
	}
}

// checkErrorBody checks that b is {"error": "..."} with a message.
func checkErrorBody(t *testing.T, b []byte) string {
	t.Helper()
	var e errorJSON
	if err := json.Unmarshal(b, &e); err != nil || e.Error == "" {
		t.Errorf("error body %s: want {\"error\": message} (%v)", b, err)
	}
	return e.Error
}

func TestAPIVIPs(t *testing.T) {
	e := newTestEnv(t, examplesDir)
	var vips []vipJSON
	e.get("/api/v1/vips", &vips)
	var names []string
	for _, v := range vips {
		names = append(names, v.Tenant+"/"+v.Name)
	}
	if !slices.Equal(names, []string{"tenant-a/dns", "tenant-a/web", "tenant-b/api"}) {
		t.Fatalf("VIPs = %v", names)
	}
	web := vips[1]
	if web.Protocol != "tcp" || web.Address != "10.0.0.100" || web.Port != 80 || web.Scheduler != "weighted_round_robin" ||
		web.ConnectionLimit != 10000 || len(web.Backends) != 3 {
		t.Errorf("web = %+v", web)
	}
	if b := web.Backends[2]; b.Name != "web-3" || b.Weight != 0 || b.State != "weight-0" || b.Address != "10.0.0.13:8080" {
		t.Errorf("web-3 = %+v, want weight 0, state weight-0", b)
	}
	id := strconv.Itoa(int(web.ID))

	tests := []struct {
		name     string
		path     string
		wantCode int
		wantName string // of the VIP, or the first backend
	}{
		{name: "by name", path: "/api/v1/vips/tenant-a%2Fweb", wantCode: 200, wantName: "web"},
		{name: "by id", path: "/api/v1/vips/" + id, wantCode: 200, wantName: "web"},
		{name: "backends by name", path: "/api/v1/vips/tenant-a%2Fweb/backends", wantCode: 200, wantName: "web-1"},
		{name: "backends by id", path: "/api/v1/vips/" + id + "/backends", wantCode: 200, wantName: "web-1"},
		{name: "unknown name", path: "/api/v1/vips/tenant-a%2Fnope", wantCode: 404},
		{name: "unknown tenant", path: "/api/v1/vips/nope%2Fweb", wantCode: 404},
		{name: "unknown id", path: "/api/v1/vips/1", wantCode: 404},
		{name: "not a name or id", path: "/api/v1/vips/web", wantCode: 400},
		{name: "id out of range", path: "/api/v1/vips/65536", wantCode: 400},
		{name: "backends of unknown", path: "/api/v1/vips/tenant-a%2Fnope/backends", wantCode: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, b := e.do(http.MethodGet, tt.path)
			if code != tt.wantCode {
				t.Fatalf("code = %d (%s), want %d", code, b, tt.wantCode)
			}
			if code != 200 {
				checkErrorBody(t, b)
				return
			}
			var name string
			if strings.HasSuffix(tt.path, "/backends") {
				var bs []backendJSON
				if err := json.Unmarshal(b, &bs); err != nil || len(bs) != 3 {
					t.Fatalf("backends %s (%v), want 3", b, err)
				}
				name = bs[0].Name
			} else {
				var v vipJSON
				if err := json.Unmarshal(b, &v); err != nil {
					t.Fatal(err)
				}
				name = v.Name
			}
			if name != tt.wantName {
				t.Errorf("name = %q, want %q", name, tt.wantName)
			}
		})
	}
}

func TestAPIRouting(t *testing.T) {
	e := newTestEnv(t, examplesDir)
	tests := []struct {
		name      string
		method    string
		path      string
		wantCode  int
		wantAllow string
	}{
		{name: "delete a list", method: "DELETE", path: "/api/v1/vips", wantCode: 405, wantAllow: "GET, HEAD"},
		{name: "get an action", method: "GET", path: "/api/v1/vips/1/backends/2/drain", wantCode: 405, wantAllow: "POST"},
		{name: "get reload", method: "GET", path: "/api/v1/policy/reload", wantCode: 405, wantAllow: "POST"},
		{name: "unknown path", method: "GET", path: "/api/v1/nope", wantCode: 404},
		{name: "root", method: "GET", path: "/", wantCode: 404},
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
			var body errorJSON
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Error == "" {
				t.Errorf("body: %+v (%v), want a JSON error", body, err)
			}
			if resp.StatusCode != tt.wantCode || resp.Header.Get("Allow") != tt.wantAllow {
				t.Errorf("got %d Allow %q, want %d Allow %q", resp.StatusCode, resp.Header.Get("Allow"), tt.wantCode, tt.wantAllow)
			}
		})
	}
}

// backendState returns the state of a backend as GET /api/v1/vips shows it.
func (e *testEnv) backendState(vip, backend string) backendJSON {
	e.t.Helper()
	var vips []vipJSON
	e.get("/api/v1/vips", &vips)
	for _, v := range vips {
		if v.Tenant+"/"+v.Name != vip {
			continue
		}
		for _, b := range v.Backends {
			if b.Name == backend || b.Address == backend {
				return b
			}
		}
	}
	e.t.Fatalf("no backend %s of %s in /vips", backend, vip)
	return backendJSON{}
}

func TestAPIDrainEnable(t *testing.T) {
	e := newTestEnv(t, examplesDir)
	web := e.vip("tenant-a/web")
	webID := strconv.Itoa(int(web.ID))
	web1ID := strconv.Itoa(int(web.Backends[0].ID))
	steps := []struct {
		name      string
		path      string // after /api/v1/vips/
		wantCode  int
		backend   string // checked in /vips after the step
		wantState string
	}{
		{name: "drain by name", path: "tenant-a%2Fweb/backends/web-1/drain", wantCode: 200, backend: "web-1", wantState: "drained"},
		{name: "drain again is idempotent", path: "tenant-a%2Fweb/backends/web-1/drain", wantCode: 200, backend: "web-1", wantState: "drained"},
		{name: "enable by address", path: "tenant-a%2Fweb/backends/10.0.0.11:8080/enable", wantCode: 200, backend: "web-1", wantState: "active"},
		{name: "drain by ids", path: webID + "/backends/" + web1ID + "/drain", wantCode: 200, backend: "web-1", wantState: "drained"},
		{name: "enable by ids", path: webID + "/backends/" + web1ID + "/enable", wantCode: 200, backend: "web-1", wantState: "active"},
		{name: "enable weight 0 conflicts", path: "tenant-a%2Fweb/backends/web-3/enable", wantCode: 409, backend: "web-3", wantState: "weight-0"},
		{name: "drain weight 0", path: "tenant-a%2Fweb/backends/web-3/drain", wantCode: 200, backend: "web-3", wantState: "drained"},
		{name: "unknown backend", path: "tenant-a%2Fweb/backends/web-9/drain", wantCode: 404},
		{name: "backend of another VIP", path: "tenant-a%2Fweb/backends/api-1/drain", wantCode: 404},
		{name: "unknown VIP", path: "tenant-a%2Fnope/backends/web-1/drain", wantCode: 404},
		{name: "bad VIP", path: "nope/backends/web-1/drain", wantCode: 400},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			code, b := e.do(http.MethodPost, "/api/v1/vips/"+s.path)
			if code != s.wantCode {
				t.Fatalf("code = %d (%s), want %d", code, b, s.wantCode)
			}
			if code == 200 {
				var got backendJSON
				if err := json.Unmarshal(b, &got); err != nil || got.Name != s.backend || got.State != s.wantState {
					t.Errorf("answer %s (%v), want %s %s", b, err, s.backend, s.wantState)
				}
			} else {
				checkErrorBody(t, b)
			}
			if s.backend != "" {
				if got := e.backendState("tenant-a/web", s.backend); got.State != s.wantState || got.Drained != (s.wantState == "drained") {
					t.Errorf("/vips shows %s %+v, want state %s", s.backend, got, s.wantState)
				}
			}
		})
	}
}

// TestAPIDrainEffect checks that a drained backend takes no new flows and
// an enabled one takes them again.
func TestAPIDrainEffect(t *testing.T) {
	e := newTestEnv(t, examplesDir)
	const dpid = 0xa1
	sw := e.dial(dpid)
	web := e.vip("tenant-a/web")
	e.locate(sw, dpid, web)

	if code, b := e.do(http.MethodPost, "/api/v1/vips/tenant-a%2Fweb/backends/web-1/drain"); code != 200 {
		t.Fatalf("drain: %d %s", code, b)
	}
	for i := range 3 {
		f := e.connect(sw, dpid, web, netip.MustParseAddrPort(fmt.Sprintf("10.1.0.1:%d", 1000+i)))
		if f.Backend != netip.MustParseAddrPort("10.0.0.12:8080") {
			t.Errorf("flow %d went to %v while web-1 is drained, want web-2", i, f.Backend)
		}
	}
	var fls []flowJSON
	e.get("/api/v1/flows?vip=tenant-a/web&backend=web-1", &fls)
	if len(fls) != 0 {
		t.Errorf("web-1 has flows while drained: %+v", fls)
	}
	if got := e.backendState("tenant-a/web", "web-2"); got.ActiveFlows != 3 {
		t.Errorf("web-2 = %+v, want 3 active flows", got)
	}

	if code, b := e.do(http.MethodPost, "/api/v1/vips/tenant-a%2Fweb/backends/web-1/enable"); code != 200 {
		t.Fatalf("enable: %d %s", code, b)
	}
	for i := range 3 {
		e.connect(sw, dpid, web, netip.MustParseAddrPort(fmt.Sprintf("10.1.0.2:%d", 2000+i)))
	}
	e.get("/api/v1/flows?vip=tenant-a/web&backend=web-1", &fls)
	if len(fls) == 0 {
		t.Errorf("web-1 takes no flows after enable")
	}
	for _, f := range fls {
		if !strings.HasPrefix(f.Client, "10.1.0.2:") || f.Backend != "web-1" || f.Address != "10.0.0.11:8080" {
			t.Errorf("flow %+v: want a client of the second batch on web-1", f)
		}
	}
}

func TestAPIFlows(t *testing.T) {
	e := newTestEnv(t, examplesDir)
	swA := e.dial(0xa1)
	swB := e.dial(0xa2)
	web, api := e.vip("tenant-a/web"), e.vip("tenant-b/api")
	e.locate(swA, 0xa1, web)
	e.locate(swA, 0xa1, api)
	e.locate(swB, 0xa2, web)
	var all []lb.FlowInfo
	for i := range 3 {
		all = append(all, e.connect(swA, 0xa1, web, netip.MustParseAddrPort(fmt.Sprintf("10.1.0.%d:4000", i+1))))
	}
	all = append(all, e.connect(swA, 0xa1, api, netip.MustParseAddrPort("10.1.0.1:4001")))
	all = append(all, e.connect(swB, 0xa2, web, netip.MustParseAddrPort("10.2.0.1:5000")))

	// want lists the clients of the flows that pass keep.
	want := func(keep func(f lb.FlowInfo) bool) []string {
		var out []string
		for _, f := range all {
			if keep(f) {
				out = append(out, f.Client.String())
			}
		}
		slices.Sort(out)
		return out
	}
	web1 := web.Backends[0]
	tests := []struct {
		name     string
		query    string
		wantCode int
		want     []string
	}{
		{name: "all", want: want(func(lb.FlowInfo) bool { return true })},
		{name: "vip by name", query: "vip=tenant-a/web", want: want(func(f lb.FlowInfo) bool { return f.VIPID == web.ID })},
		{name: "vip by id", query: "vip=" + strconv.Itoa(int(api.ID)), want: want(func(f lb.FlowInfo) bool { return f.VIPID == api.ID })},
		{name: "backend by name", query: "vip=tenant-a/web&backend=web-1", want: want(func(f lb.FlowInfo) bool { return f.BackendID == web1.ID })},
		{name: "backend by address", query: "backend=10.0.0.11:8080", want: want(func(f lb.FlowInfo) bool { return f.BackendID == web1.ID })},
		{name: "backend by id", query: "backend=" + strconv.Itoa(int(web1.ID)), want: want(func(f lb.FlowInfo) bool { return f.BackendID == web1.ID })},
		{name: "switch", query: "switch=a2", want: []string{"10.2.0.1:5000"}},
		{name: "client address", query: "client=10.1.0.1", want: []string{"10.1.0.1:4000", "10.1.0.1:4001"}},
		{name: "client address and port", query: "client=10.1.0.1:4001", want: []string{"10.1.0.1:4001"}},
		{name: "combined", query: "switch=a1&vip=tenant-a/web&client=10.1.0.2", want: []string{"10.1.0.2:4000"}},
		{name: "no match", query: "client=10.9.9.9", want: nil},
		{name: "unknown filter", query: "port=80", wantCode: 400},
		{name: "bad client", query: "client=host", wantCode: 400},
		{name: "bad switch", query: "switch=xyz", wantCode: 400},
		{name: "unknown vip", query: "vip=tenant-a/nope", wantCode: 404},
		{name: "unknown backend of vip", query: "vip=tenant-a/web&backend=api-1", wantCode: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := "/api/v1/flows"
			if tt.query != "" {
				path += "?" + tt.query
			}
			code, b := e.do(http.MethodGet, path)
			if tt.wantCode == 0 {
				tt.wantCode = 200
			}
			if code != tt.wantCode {
				t.Fatalf("code = %d (%s), want %d", code, b, tt.wantCode)
			}
			if code != 200 {
				checkErrorBody(t, b)
				return
			}
			var fls []flowJSON
			if err := json.Unmarshal(b, &fls); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range fls {
				got = append(got, f.Client)
				if f.Protocol != "tcp" || f.VIP == "" || f.Backend == "" || f.Installed.IsZero() {
					t.Errorf("flow %+v: fields missing", f)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("clients = %v, want %v", got, tt.want)
			}
		})
	}
}

// scrape returns the samples of /metrics by "name{labels}".
func (e *testEnv) scrape() map[string]float64 {
	e.t.Helper()
	code, b := e.do(http.MethodGet, "/metrics")
	if code != 200 {
		e.t.Fatalf("/metrics: %d", code)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			e.t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

func TestAPIMetrics(t *testing.T) {
	e := newTestEnv(t, examplesDir)
	sw := e.dial(0xa1)
	web := e.vip("tenant-a/web")
	e.locate(sw, 0xa1, web)
	f := e.connect(sw, 0xa1, web, netip.MustParseAddrPort("10.1.0.1:4000"))
	backend := "web-1"
	if f.BackendID != web.Backends[0].ID {
		backend = "web-2"
	}
	m := e.scrape()
	want := map[string]float64{
		"oflb_switches_connected":                                                                  1,
		"oflb_lb_flows_installed_total":                                                            1,
		"oflb_lb_arp_learned_total":                                                                3,
		`oflb_lb_refusals_total{reason="conn_limit"}`:                                              0,
		`oflb_lb_vip_active_flows{tenant="tenant-a",vip="web"}`:                                    1,
		`oflb_lb_vip_active_flows{tenant="tenant-b",vip="api"}`:                                    0,
		`oflb_lb_backend_active_flows{backend="` + backend + `",tenant="tenant-a",vip="web"}`:      1,
		`oflb_lb_backend_active_flows{backend="web-3",tenant="tenant-a",vip="web"}`:                0,
		`oflb_lb_backend_active_flows{backend="10.0.0.11:53",tenant="tenant-a",vip="dns"}`:         0,
		`oflb_lb_backend_drained{backend="web-1",tenant="tenant-a",vip="web"}`:                     0,
		`oflb_lb_scheduler_decisions_total{backend="` + backend + `",tenant="tenant-a",vip="web"}`: 1,
		`oflb_lb_scheduler_decisions_total{backend="web-3",tenant="tenant-a",vip="web"}`:           0,
		`oflb_policy_reloads_total{result="ok"}`:                                                   1,
		`oflb_policy_reloads_total{result="rejected"}`:                                             0,
		"oflb_policy_vips":                3,
		"oflb_policy_last_reload_success": 1,
	}
	for k, v := range want {
		if got, ok := m[k]; !ok || got != v {
			t.Errorf("%s = %v (present %v), want %v", k, got, ok, v)
		}
	}
	for _, prefix := range []string{"go_goroutines", "process_cpu_seconds_total", "oflb_build_info{"} {
		found := false
		for k := range m {
			found = found || strings.HasPrefix(k, prefix)
		}
		if !found {
			t.Errorf("no %s series", prefix)
		}
	}
	problems, err := testutil.CollectAndLint(newLBCollector(e.s.app))
	if err != nil || len(problems) > 0 {
		t.Errorf("lint of the lb collector: %v %+v", err, problems)
	}
	problems, err = testutil.CollectAndLint(newBuildCollector(e.s))
	if err != nil || len(problems) > 0 {
		t.Errorf("lint of the build collector: %v %+v", err, problems)
	}
}

func TestAPIReload(t *testing.T) {
	dir := copyDir(t, examplesDir)
	e := newTestEnv(t, dir)
	sw := e.dial(0xa1)

	code, b := e.do(http.MethodPost, "/api/v1/policy/reload")
	var r reloadJSON
	if code != 200 || json.Unmarshal(b, &r) != nil || r.Result != "ok" || r.Change != "none" || r.Digest == "" {
		t.Fatalf("reload of the same files: %d %s, want ok with no change", code, b)
	}

	bad := filepath.Join(dir, "tenant-c.yaml")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(bad, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("tenant: tenant-c\nvip_ranges: [10.0.0.192/28]\nvips:\n  - name: web\n    adress: 10.0.0.200\n    port: 8080\n")
	code, b = e.do(http.MethodPost, "/api/v1/policy/reload")
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("reload of a bad file: %d %s, want 422", code, b)
	}
	var ej errorJSON
	if err := json.Unmarshal(b, &ej); err != nil || ej.Error == "" || len(ej.Errors) == 0 {
		t.Fatalf("body %s (%v): want an error and its list", b, err)
	}
	for _, pe := range ej.Errors {
		if pe.File != bad || pe.Line < 1 || pe.Column < 1 || pe.Reason == "" {
			t.Errorf("problem %+v: want file %s with line, column and reason", pe, bad)
		}
	}
	if !strings.Contains(fmt.Sprint(ej.Errors), "adress") {
		t.Errorf("problems %+v do not name the unknown key", ej.Errors)
	}
	var st statusJSON
	e.get("/api/v1/status", &st)
	if st.VIPs != 3 || st.Policy.LastReload.Result != "rejected" || len(st.Policy.LastReload.Errors) == 0 {
		t.Errorf("after a refused reload: %d VIPs, last reload %+v; want 3 VIPs and rejected", st.VIPs, st.Policy.LastReload)
	}
	if m := e.scrape(); m[`oflb_policy_reloads_total{result="rejected"}`] < 1 || m["oflb_policy_last_reload_success"] != 0 {
		t.Errorf("metrics do not count the rejection: %v %v", m[`oflb_policy_reloads_total{result="rejected"}`], m["oflb_policy_last_reload_success"])
	}

	// Valid for the policy package, refused by the load balancer.
	write("tenant: tenant-c\nvip_ranges: [10.0.0.192/28]\nvips:\n  - name: web\n    address: 10.0.0.200\n    port: 8080\n    mode: stateless\n")
	code, b = e.do(http.MethodPost, "/api/v1/policy/reload")
	ej = errorJSON{}
	if code != http.StatusUnprocessableEntity || json.Unmarshal(b, &ej) != nil || len(ej.Errors) != 1 {
		t.Fatalf("reload of an unsupported mode: %d %s, want 422 with one problem", code, b)
	}
	if pe := ej.Errors[0]; pe.File != bad || pe.Line != 4 || pe.Column < 1 || !strings.Contains(pe.Reason, "stateless") {
		t.Errorf("problem %+v: want %s:4 about the mode", pe, bad)
	}
	if e.get("/api/v1/status", &st); st.VIPs != 3 || st.Policy.LastReload.Result != "rejected" {
		t.Errorf("after a refused mode: %d VIPs, last reload %+v; want 3 VIPs and rejected", st.VIPs, st.Policy.LastReload)
	}

	write("tenant: tenant-c\nvip_ranges: [10.0.0.192/28]\nvips:\n  - name: web\n    address: 10.0.0.200\n    port: 8080\n    backends:\n      - address: 10.0.0.31\n")
	code, b = e.do(http.MethodPost, "/api/v1/policy/reload")
	if code != 200 || json.Unmarshal(b, &r) != nil || r.Result != "ok" || r.Errors != nil {
		t.Fatalf("reload of a fixed file: %d %s", code, b)
	}
	e.get("/api/v1/status", &st)
	if st.VIPs != 4 || st.Policy.LastReload.Result != "ok" || st.Policy.Tenants != 3 {
		t.Errorf("after the fix: %+v, want 4 VIPs in 3 tenants, ok", st)
	}
	// The new VIP's catch entry reaches the connected switch.
	waitFor(t, "catch entry of tenant-c/web on the switch", func() bool {
		for _, f := range sw.Flows() {
			dst, _ := f.Match.IPv4Dst()
			port, _ := f.Match.TCPDst()
			if lb.Cookie(f.Cookie).Kind() == lb.KindVIP && dst == netip.MustParseAddr("10.0.0.200") && port == 8080 {
				return true
			}
		}
		return false
	})
}
