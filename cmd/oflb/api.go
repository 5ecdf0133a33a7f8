package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/oflb/oflb/controller"
	"github.com/oflb/oflb/lb"
	"github.com/oflb/oflb/openflow"
)

// The REST API. Every response is JSON; errors are {"error": "..."} with
// 400 for bad input, 404 for an unknown switch, VIP or backend (and
// path), 405 for a wrong method, 409 for a request that contradicts the
// policy, 422 for a refused policy, 429 (with Retry-After) for statistics
// refreshes that come too often and 500 for failures of the server.
//
// A VIP is named in paths by "tenant/name" (the slash escaped as %2F) or
// by its numeric id; a backend by its name, address:port or numeric id;
// a switch by its datapath id in hex (with or without colons or 0x).

// statusJSON is GET /api/v1/status.
type statusJSON struct {
	Version       string           `json:"version"`
	GoVersion     string           `json:"go_version"`
	Instance      uint8            `json:"instance"`
	Started       time.Time        `json:"started"`
	UptimeSeconds float64          `json:"uptime_seconds"`
	Switches      int              `json:"switches"`
	VIPs          int              `json:"vips"`
	ActiveFlows   int              `json:"active_flows"`
	Policy        policyStatusJSON `json:"policy"`
}

// policyStatusJSON describes the policy in force and the last reload.
type policyStatusJSON struct {
	Dir     string `json:"dir"`
	Digest  string `json:"digest"`
	Tenants int    `json:"tenants"`
	// LastReload is the last reload attempt: "ok" or "rejected", when,
	// and for a rejected one its problems.
	LastReload reloadJSON `json:"last_reload"`
}

// reloadJSON is the outcome of a reload (POST /api/v1/policy/reload and
// the status). Errors is nil for a reload that succeeded.
type reloadJSON struct {
	Result string        `json:"result"`
	Time   time.Time     `json:"time"`
	Digest string        `json:"digest"`
	Change string        `json:"change,omitempty"`
	Errors []policyError `json:"errors,omitempty"`
}

// switchJSON is one switch of GET /api/v1/switches.
type switchJSON struct {
	DPID           string       `json:"dpid"`
	Address        string       `json:"address"`
	ConnectedSince time.Time    `json:"connected_since"`
	Role           string       `json:"role"`
	Ports          []portJSON   `json:"ports"`
	Features       featuresJSON `json:"features"`
}

// portJSON is one port of a switch.
type portJSON struct {
	Number uint32 `json:"number"`
	Name   string `json:"name"`
	MAC    string `json:"mac"`
	State  string `json:"state"`
	Config string `json:"config"`
	Up     bool   `json:"up"`
}

// featuresJSON is what the handshake learned. Probe results are
// "supported", "unsupported" or "unknown: <why the probe failed>".
type featuresJSON struct {
	Tables       uint8  `json:"tables"`
	Buffers      uint32 `json:"buffers"`
	Capabilities string `json:"capabilities"`
	Manufacturer string `json:"manufacturer"`
	Hardware     string `json:"hardware"`
	Software     string `json:"software"`
	Nicira       string `json:"nicira"`
	Bundles      string `json:"bundles"`
	Groups       string `json:"groups"`
	Meters       string `json:"meters"`
}

// vipJSON is one VIP of GET /api/v1/vips.
type vipJSON struct {
	ID              uint16 `json:"id"`
	Tenant          string `json:"tenant"`
	Name            string `json:"name"`
	Protocol        string `json:"protocol"`
	Address         string `json:"address"`
	Port            uint16 `json:"port"`
	MAC             string `json:"mac"`
	Scheduler       string `json:"scheduler"`
	ConnectionLimit int    `json:"connection_limit"`
	ActiveFlows     int    `json:"active_flows"`
	// Traffic is the statistics collector's counters of the VIP (see
	// GET /api/v1/stats for their consistency and the per-switch view).
	Traffic  trafficJSON   `json:"traffic"`
	Backends []backendJSON `json:"backends"`
}

// backendJSON is one backend of a VIP. State is "active", "drained" (by
// an operator) or "weight-0" (drained by the policy).
type backendJSON struct {
	ID          uint16 `json:"id"`
	Name        string `json:"name"`
	Address     string `json:"address"`
	Weight      int    `json:"weight"`
	Drained     bool   `json:"drained"`
	State       string `json:"state"`
	ActiveFlows int    `json:"active_flows"`
	// Decisions counts the new flows the scheduler gave the backend.
	Decisions uint64   `json:"scheduler_decisions"`
	Located   []string `json:"located"`
	// Traffic is the backend's counters on every switch.
	Traffic trafficJSON `json:"traffic"`
}

// flowJSON is one flow of GET /api/v1/flows.
type flowJSON struct {
	Switch     string    `json:"switch"`
	Protocol   string    `json:"protocol"`
	Client     string    `json:"client"`
	VIP        string    `json:"vip"`
	VIPName    string    `json:"vip_name"`
	VIPAddress string    `json:"vip_address"`
	Backend    string    `json:"backend"`
	BackendID  uint16    `json:"backend_id"`
	Address    string    `json:"backend_address"`
	Installed  time.Time `json:"installed"`
	AgeSeconds float64   `json:"age_seconds"`
	// Forward and Reverse are the flow's entries' counters as last
	// polled (or final, once removed): present only for flows of VIPs
	// whose stats policy is per_flow.
	Forward *countsJSON `json:"forward,omitempty"`
	Reverse *countsJSON `json:"reverse,omitempty"`
	// PolledAt is the flow's last poll (absent: not polled yet, or not
	// per_flow).
	PolledAt *time.Time `json:"polled_at,omitempty"`
}

// errorJSON is the body of every error response.
type errorJSON struct {
	Error  string        `json:"error"`
	Errors []policyError `json:"errors,omitempty"`
}

// apiError is an error with its HTTP status.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func errorf(status int, format string, args ...any) *apiError {
	return &apiError{status: status, msg: fmt.Sprintf(format, args...)}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client went away: nothing to do
}

func writeError(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = &apiError{status: http.StatusInternalServerError, msg: err.Error()}
	}
	writeJSON(w, ae.status, errorJSON{Error: ae.msg})
}

// handle adapts a handler that returns its response or an error.
func handle(h func(r *http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := h(r)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
}

// handler returns the REST API and /metrics.
func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metricsHandler())
	mux.HandleFunc("GET /api/v1/status", handle(s.getStatus))
	mux.HandleFunc("GET /api/v1/switches", handle(s.getSwitches))
	mux.HandleFunc("GET /api/v1/switches/{dpid}", handle(s.getSwitch))
	mux.HandleFunc("GET /api/v1/vips", handle(s.getVIPs))
	mux.HandleFunc("GET /api/v1/vips/{vip}", handle(s.getVIP))
	mux.HandleFunc("GET /api/v1/vips/{vip}/backends", handle(s.getBackends))
	mux.HandleFunc("POST /api/v1/vips/{vip}/backends/{backend}/drain", handle(s.drain(true)))
	mux.HandleFunc("POST /api/v1/vips/{vip}/backends/{backend}/enable", handle(s.drain(false)))
	mux.HandleFunc("GET /api/v1/flows", handle(s.getFlows))
	mux.HandleFunc("GET /api/v1/stats", handle(s.getStats))
	mux.HandleFunc("GET /api/v1/stats/ports", handle(s.getPortStats))
	mux.HandleFunc("POST /api/v1/stats/refresh", s.postStatsRefresh)
	mux.HandleFunc("POST /api/v1/policy/reload", s.postReload)
	return jsonMuxErrors(mux)
}

// metricsHandler serves the registry.
func (s *server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{ErrorLog: slogPrinter{s}})
}

// slogPrinter adapts the logger to promhttp's error log.
type slogPrinter struct{ s *server }

func (p slogPrinter) Println(v ...any) { p.s.log.Error("metrics: " + fmt.Sprint(v...)) }

// jsonMuxErrors makes the mux's own 404 and 405 answers JSON.
func jsonMuxErrors(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		cw := &codeWriter{header: http.Header{}}
		mux.ServeHTTP(cw, r)
		switch cw.code {
		case http.StatusMethodNotAllowed:
			w.Header().Set("Allow", cw.header.Get("Allow"))
			writeError(w, errorf(cw.code, "method %s not allowed on %s (allowed: %s)", r.Method, r.URL.Path, cw.header.Get("Allow")))
		case http.StatusNotFound, 0:
			writeError(w, errorf(http.StatusNotFound, "no such API path %s", r.URL.Path))
		default: // a redirect to the cleaned path
			for k, v := range cw.header {
				w.Header()[k] = v
			}
			writeError(w, errorf(cw.code, "%s", http.StatusText(cw.code)))
		}
	})
}

// codeWriter records a status and discards the body.
type codeWriter struct {
	header http.Header
	code   int
}

func (c *codeWriter) Header() http.Header { return c.header }
func (c *codeWriter) WriteHeader(code int) {
	if c.code == 0 {
		c.code = code
	}
}
func (c *codeWriter) Write(b []byte) (int, error) {
	c.WriteHeader(http.StatusOK)
	return len(b), nil
}

func (s *server) getStatus(*http.Request) (any, error) {
	p, last := s.policyState()
	vips := s.app.VIPs()
	active := 0
	for _, v := range vips {
		active += v.Active
	}
	now := s.now()
	return statusJSON{
		Version: versionString(), GoVersion: runtime.Version(),
		Instance: s.cfg.InstanceID, Started: s.started, UptimeSeconds: now.Sub(s.started).Seconds(),
		Switches: len(s.ctrl.Switches()), VIPs: len(vips), ActiveFlows: active,
		Policy: policyStatusJSON{Dir: s.cfg.PolicyDir, Digest: p.Digest(), Tenants: len(p.Tenants()),
			LastReload: reloadOf(last, "")},
	}, nil
}

func reloadOf(st reloadStatus, change string) reloadJSON {
	r := reloadJSON{Result: "ok", Time: st.Time, Digest: st.Digest, Change: change, Errors: st.Errors}
	if !st.OK {
		r.Result = "rejected"
	}
	return r
}

// dpidString formats a datapath id as 16 hex digits.
func dpidString(dpid uint64) string { return fmt.Sprintf("%016x", dpid) }

// parseDPID reads a datapath id in hex: "1", "0x1", "0000000000000001"
// or "00:00:00:00:00:00:00:01".
func parseDPID(s string) (uint64, error) {
	h := strings.ReplaceAll(strings.TrimPrefix(strings.ToLower(s), "0x"), ":", "")
	if h == "" || len(h) > 16 {
		return 0, fmt.Errorf("datapath id %q is not 1 to 16 hex digits", s)
	}
	v, err := strconv.ParseUint(h, 16, 64)
	if err != nil {
		return 0, fmt.Errorf("datapath id %q is not hex", s)
	}
	return v, nil
}

func probe(err error) string {
	switch {
	case err == nil:
		return "supported"
	case errors.Is(err, controller.ErrNotSupported):
		return "unsupported"
	}
	return "unknown: " + err.Error()
}

func switchOf(sw *controller.Switch) switchJSON {
	f := sw.Features()
	role := sw.Role()
	out := switchJSON{
		DPID: dpidString(sw.DPID()), ConnectedSince: sw.ConnectedAt().UTC(), Role: role.String(),
		Ports: []portJSON{},
		Features: featuresJSON{
			Tables: f.NTables, Buffers: f.NBuffers, Capabilities: f.Capabilities.String(),
			Manufacturer: f.Desc.MfrDesc, Hardware: f.Desc.HWDesc, Software: f.Desc.SWDesc,
			Nicira: probe(f.Nicira), Bundles: probe(f.Bundles), Groups: probe(f.Groups), Meters: probe(f.Meters),
		},
	}
	if a := sw.RemoteAddr(); a != nil {
		out.Address = a.String()
	}
	ports := sw.Ports()
	slices.SortFunc(ports, func(a, b openflow.Port) int { return cmp.Compare(a.PortNo, b.PortNo) })
	for _, p := range ports {
		out.Ports = append(out.Ports, portJSON{
			Number: p.PortNo, Name: p.Name, MAC: p.HWAddr.String(), State: p.State.String(), Config: p.Config.String(),
			Up: p.State&openflow.PortStateLinkDown == 0 && p.Config&openflow.PortConfigPortDown == 0,
		})
	}
	return out
}

func (s *server) getSwitches(*http.Request) (any, error) {
	out := []switchJSON{}
	for _, sw := range s.ctrl.Switches() {
		out = append(out, switchOf(sw))
	}
	return out, nil
}

func (s *server) getSwitch(r *http.Request) (any, error) {
	dpid, err := parseDPID(r.PathValue("dpid"))
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "%v", err)
	}
	sw, ok := s.ctrl.Switch(dpid)
	if !ok {
		return nil, errorf(http.StatusNotFound, "switch %s is not connected", dpidString(dpid))
	}
	return switchOf(sw), nil
}

func vipOf(v lb.VIPInfo, ix trafficIndex) vipJSON {
	out := vipJSON{
		ID: v.ID, Tenant: v.Tenant, Name: v.Name, Protocol: protoName(v.Proto), Address: v.Addr.String(), Port: v.Port,
		MAC: v.MAC.String(), Scheduler: v.Scheduler.String(), ConnectionLimit: v.ConnLimit, ActiveFlows: v.Active,
		Traffic: trafficOf(ix.vips[v.ID]), Backends: []backendJSON{},
	}
	for _, b := range v.Backends {
		out.Backends = append(out.Backends, backendOf(b, ix.backends[[2]uint16{v.ID, b.ID}]))
	}
	return out
}

func backendOf(b lb.BackendInfo, t lb.Traffic) backendJSON {
	out := backendJSON{ID: b.ID, Name: b.Name, Address: b.AddrPort().String(), Weight: b.Weight, Drained: b.Drained,
		State: "active", ActiveFlows: b.Active, Decisions: b.Decisions, Located: []string{}, Traffic: trafficOf(t)}
	switch {
	case b.Drained:
		out.State = "drained"
	case b.Weight == 0:
		out.State = "weight-0"
	}
	for _, d := range b.Located {
		out.Located = append(out.Located, dpidString(d))
	}
	return out
}

func protoName(p uint8) string {
	switch p {
	case 6:
		return "tcp"
	case 17:
		return "udp"
	}
	return strconv.Itoa(int(p))
}

func (s *server) getVIPs(*http.Request) (any, error) {
	out := []vipJSON{}
	ix := s.trafficIndex()
	for _, v := range s.app.VIPs() {
		out = append(out, vipOf(v, ix))
	}
	return out, nil
}

// findVIP resolves "tenant/name" or a numeric id among vips.
func findVIP(vips []lb.VIPInfo, ref string) (lb.VIPInfo, error) {
	if ref == "" {
		return lb.VIPInfo{}, errorf(http.StatusBadRequest, "empty VIP name (want tenant/name or an id)")
	}
	if tenant, name, ok := strings.Cut(ref, "/"); ok {
		for _, v := range vips {
			if v.Tenant == tenant && v.Name == name {
				return v, nil
			}
		}
		return lb.VIPInfo{}, errorf(http.StatusNotFound, "no VIP %s", ref)
	}
	id, err := strconv.ParseUint(ref, 10, 16)
	if err != nil {
		return lb.VIPInfo{}, errorf(http.StatusBadRequest, "VIP %q is neither tenant/name nor an id 1..65535", ref)
	}
	for _, v := range vips {
		if v.ID == uint16(id) {
			return v, nil
		}
	}
	return lb.VIPInfo{}, errorf(http.StatusNotFound, "no VIP with id %d", id)
}

// findBackend resolves a backend of v by name, address:port or id.
func findBackend(v lb.VIPInfo, ref string) (lb.BackendInfo, error) {
	if ref == "" {
		return lb.BackendInfo{}, errorf(http.StatusBadRequest, "empty backend name (want a name, address:port or id)")
	}
	if b, ok := matchBackend(v.Backends, ref); ok {
		return b, nil
	}
	return lb.BackendInfo{}, errorf(http.StatusNotFound, "VIP %s/%s has no backend %s", v.Tenant, v.Name, ref)
}

// matchBackend finds a backend by name, then address:port, then id.
func matchBackend(bs []lb.BackendInfo, ref string) (lb.BackendInfo, bool) {
	for _, b := range bs {
		if b.Name != "" && b.Name == ref {
			return b, true
		}
	}
	if ap, err := netip.ParseAddrPort(ref); err == nil {
		for _, b := range bs {
			if b.AddrPort() == ap {
				return b, true
			}
		}
	}
	if id, err := strconv.ParseUint(ref, 10, 16); err == nil {
		for _, b := range bs {
			if b.ID == uint16(id) {
				return b, true
			}
		}
	}
	return lb.BackendInfo{}, false
}

func (s *server) getVIP(r *http.Request) (any, error) {
	v, err := findVIP(s.app.VIPs(), r.PathValue("vip"))
	if err != nil {
		return nil, err
	}
	return vipOf(v, s.trafficIndex()), nil
}

func (s *server) getBackends(r *http.Request) (any, error) {
	v, err := findVIP(s.app.VIPs(), r.PathValue("vip"))
	if err != nil {
		return nil, err
	}
	return vipOf(v, s.trafficIndex()).Backends, nil
}

// drain returns the handler that drains (true) or enables a backend. Both
// are idempotent; enabling a backend whose policy weight is 0 is a
// conflict, as only a policy change can give it traffic.
func (s *server) drain(drained bool) func(r *http.Request) (any, error) {
	return func(r *http.Request) (any, error) {
		v, err := findVIP(s.app.VIPs(), r.PathValue("vip"))
		if err != nil {
			return nil, err
		}
		b, err := findBackend(v, r.PathValue("backend"))
		if err != nil {
			return nil, err
		}
		if !drained && b.Weight == 0 {
			return nil, errorf(http.StatusConflict, "backend %s of VIP %s/%s has weight 0 in the policy: give it a weight there to enable it",
				b.AddrPort(), v.Tenant, v.Name)
		}
		if err := s.app.SetDrained(v.ID, b.ID, drained); err != nil {
			if errors.Is(err, lb.ErrUnknownBackend) { // removed by a reload meanwhile
				return nil, errorf(http.StatusNotFound, "%v", err)
			}
			return nil, err
		}
		v, err = findVIP(s.app.VIPs(), strconv.Itoa(int(v.ID)))
		if err != nil {
			return nil, err
		}
		b, err = findBackend(v, strconv.Itoa(int(b.ID)))
		if err != nil {
			return nil, err
		}
		return backendOf(b, s.trafficIndex().backends[[2]uint16{v.ID, b.ID}]), nil
	}
}

// flowFilter is the query of GET /api/v1/flows.
type flowFilter struct {
	vip        *lb.VIPInfo
	backend    string
	dpid       uint64
	client     netip.Addr
	clientPort uint16
}

func (s *server) parseFlowFilter(r *http.Request, vips []lb.VIPInfo) (flowFilter, error) {
	var f flowFilter
	q := r.URL.Query()
	for k := range q {
		switch k {
		case "vip", "backend", "switch", "client":
		default:
			return f, errorf(http.StatusBadRequest, "unknown filter %q (want vip, backend, switch or client)", k)
		}
	}
	if ref := q.Get("vip"); ref != "" {
		v, err := findVIP(vips, ref)
		if err != nil {
			return f, err
		}
		f.vip = &v
	}
	f.backend = q.Get("backend")
	if f.vip != nil && f.backend != "" {
		if _, err := findBackend(*f.vip, f.backend); err != nil {
			return f, err
		}
	}
	if d := q.Get("switch"); d != "" {
		dpid, err := parseDPID(d)
		if err != nil {
			return f, errorf(http.StatusBadRequest, "switch: %v", err)
		}
		f.dpid = dpid
	}
	if c := q.Get("client"); c != "" {
		if ap, err := netip.ParseAddrPort(c); err == nil {
			f.client, f.clientPort = ap.Addr(), ap.Port()
		} else if a, err := netip.ParseAddr(c); err == nil {
			f.client = a
		} else {
			return f, errorf(http.StatusBadRequest, "client %q is not an address or address:port", c)
		}
	}
	return f, nil
}

func (s *server) getFlows(r *http.Request) (any, error) {
	vips := s.app.VIPs()
	f, err := s.parseFlowFilter(r, vips)
	if err != nil {
		return nil, err
	}
	byID := make(map[uint16]lb.VIPInfo, len(vips))
	for _, v := range vips {
		byID[v.ID] = v
	}
	now := s.now()
	out := []flowJSON{}
	counters := s.flowCounters(f.dpid)
	for _, fl := range s.app.Flows(f.dpid) {
		if f.vip != nil && fl.VIPID != f.vip.ID {
			continue
		}
		if f.client.IsValid() && (fl.Client.Addr() != f.client || (f.clientPort != 0 && fl.Client.Port() != f.clientPort)) {
			continue
		}
		v, known := byID[fl.VIPID]
		backendName := ""
		if known {
			if b, ok := matchBackend(v.Backends, strconv.Itoa(int(fl.BackendID))); ok {
				backendName = b.Name
			}
		}
		if f.backend != "" && !flowHasBackend(fl, backendName, f.backend) {
			continue
		}
		j := flowJSON{
			Switch: dpidString(fl.DPID), Protocol: protoName(fl.Proto), Client: fl.Client.String(),
			VIP: fmt.Sprint(fl.VIPID), VIPAddress: fl.VIP.String(), BackendID: fl.BackendID, Address: fl.Backend.String(),
			Backend: backendName, Installed: fl.Installed.UTC(), AgeSeconds: now.Sub(fl.Installed).Seconds(),
		}
		if known {
			j.VIP = v.Tenant + "/" + v.Name
			j.VIPName = v.Name
		}
		if j.Backend == "" {
			j.Backend = fl.Backend.String()
		}
		if fc, ok := counters[flowKey{fl.DPID, fl.Proto, fl.Client, fl.VIP}]; ok && fc.BackendID == fl.BackendID {
			j.Forward = &countsJSON{fc.Forward.Packets, fc.Forward.Bytes}
			j.Reverse = &countsJSON{fc.Reverse.Packets, fc.Reverse.Bytes}
			j.PolledAt = timePtr(fc.PolledAt)
		}
		out = append(out, j)
	}
	return out, nil
}

// flowHasBackend matches a flow's backend against a filter: its name,
// address:port or id.
func flowHasBackend(fl lb.FlowInfo, name, ref string) bool {
	if name != "" && name == ref {
		return true
	}
	if ap, err := netip.ParseAddrPort(ref); err == nil && ap == fl.Backend {
		return true
	}
	id, err := strconv.ParseUint(ref, 10, 16)
	return err == nil && uint16(id) == fl.BackendID
}

func (s *server) postReload(w http.ResponseWriter, r *http.Request) {
	u, err := s.reload()
	_, last := s.policyState()
	if err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, errorJSON{
			Error: "policy refused, the running policy stays", Errors: policyErrors(err)})
		return
	}
	change := "none"
	if !u.Diff.Empty() {
		change = u.Diff.String()
	}
	writeJSON(w, http.StatusOK, reloadOf(last, change))
}
