package main

import (
	"encoding/json"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// parseTable reads an aligned table: the header's columns and one map per
// row. Empty cells are printed as "-", so cells split on spaces.
func parseTable(t *testing.T, out string) ([]string, []map[string]string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) == 0 || lines[0] == "" {
		t.Fatalf("no table in %q", out)
	}
	header := strings.Fields(lines[0])
	var rows []map[string]string
	for _, l := range lines[1:] {
		cells := strings.Fields(l)
		if len(cells) != len(header) {
			t.Fatalf("row %q has %d cells, header %v has %d", l, len(cells), header, len(header))
		}
		row := map[string]string{}
		for i, h := range header {
			row[h] = cells[i]
		}
		rows = append(rows, row)
	}
	// Aligned: every column starts at the same offset on every line.
	for i := range header {
		if i == 0 {
			continue
		}
		at := strings.Index(lines[0], " "+header[i]) + 1
		for _, l := range lines[1:] {
			if at >= len(l) || l[at-1] != ' ' || l[at] == ' ' {
				t.Errorf("column %s is not aligned at %d in %q", header[i], at, l)
			}
		}
	}
	return header, rows
}

// Headers of the list commands.
var (
	vipsHeader     = []string{"VIP", "ID", "PROTO", "ADDRESS", "SCHEDULER", "BACKENDS", "ACTIVE", "OPENED", "CLOSED", "BYTES_IN", "BYTES_OUT"}
	backendsHeader = []string{"BACKEND", "ID", "ADDRESS", "WEIGHT", "STATE", "ACTIVE", "DECISIONS", "LOCATED",
		"OPENED", "CLOSED", "PKTS_IN", "BYTES_IN", "PKTS_OUT", "BYTES_OUT"}
	flowsHeader = []string{"SWITCH", "PROTO", "CLIENT", "VIP", "VIP_ADDRESS", "BACKEND", "BACKEND_ADDRESS", "AGE", "BYTES_IN", "BYTES_OUT"}
)

func TestCLI(t *testing.T) {
	e := newTestEnv(t, examplesDir)
	const dpid = 0xa1
	sw := e.dial(dpid)
	web := e.vip("tenant-a/web")
	e.locate(sw, dpid, web)
	flow := e.connect(sw, dpid, web, netip.MustParseAddrPort("10.1.0.1:4000"))
	api := e.api.URL

	tests := []struct {
		name       string
		args       []string
		wantHeader []string
		wantRows   int
		check      func(t *testing.T, rows []map[string]string)
	}{
		{
			name: "status", args: []string{"status"}, wantHeader: []string{"FIELD", "VALUE"}, wantRows: 10,
			check: func(t *testing.T, rows []map[string]string) {
				got := map[string]string{}
				for _, r := range rows {
					got[r["FIELD"]] = r["VALUE"]
				}
				if got["switches"] != "1" || got["vips"] != "3" || got["active_flows"] != "1" || got["instance"] != "0" || got["last_reload"] != "ok" {
					t.Errorf("status %v", got)
				}
			},
		},
		{
			name: "switches", args: []string{"switches"},
			wantHeader: []string{"DPID", "ADDRESS", "CONNECTED", "ROLE", "PORTS", "TABLES", "NICIRA", "BUNDLES", "GROUPS", "METERS"}, wantRows: 1,
			check: func(t *testing.T, rows []map[string]string) {
				if r := rows[0]; r["DPID"] != "00000000000000a1" || r["PORTS"] != "2" || r["NICIRA"] != "yes" || r["ROLE"] != "EQUAL" {
					t.Errorf("row %v", r)
				}
			},
		},
		{
			name: "one switch", args: []string{"switches", "a1"},
			wantHeader: []string{"PORT", "NAME", "MAC", "UP", "STATE", "CONFIG"}, wantRows: 2,
			check: func(t *testing.T, rows []map[string]string) {
				if r := rows[1]; r["PORT"] != "2" || r["NAME"] != "p2" || r["MAC"] != "02:00:00:00:00:02" || r["UP"] != "true" {
					t.Errorf("row %v", r)
				}
			},
		},
		{
			name: "vips", args: []string{"vips"},
			wantHeader: vipsHeader, wantRows: 3,
			check: func(t *testing.T, rows []map[string]string) {
				r := rows[1]
				if r["VIP"] != "tenant-a/web" || r["PROTO"] != "tcp" || r["ADDRESS"] != "10.0.0.100:80" || r["BACKENDS"] != "2/3" || r["ACTIVE"] != "1" {
					t.Errorf("row %v", r)
				}
			},
		},
		{
			name: "one vip", args: []string{"vips", "tenant-b/api"},
			wantHeader: vipsHeader, wantRows: 1,
			check: func(t *testing.T, rows []map[string]string) {
				if r := rows[0]; r["VIP"] != "tenant-b/api" || r["SCHEDULER"] != "least_connections" {
					t.Errorf("row %v", r)
				}
			},
		},
		{
			name: "backends", args: []string{"backends", "tenant-a/web"},
			wantHeader: backendsHeader, wantRows: 3,
			check: func(t *testing.T, rows []map[string]string) {
				if r := rows[2]; r["BACKEND"] != "web-3" || r["WEIGHT"] != "0" || r["STATE"] != "weight-0" || r["LOCATED"] != "00000000000000a1" || r["DECISIONS"] != "0" {
					t.Errorf("row %v", r)
				}
				// The one flow of the environment was one scheduler decision.
				if d := rows[0]["DECISIONS"] + "," + rows[1]["DECISIONS"]; d != "1,0" && d != "0,1" {
					t.Errorf("decisions of web-1, web-2: %s, want one between them", d)
				}
			},
		},
		{
			name: "unnamed backends", args: []string{"backends", "tenant-a/dns"},
			wantHeader: backendsHeader, wantRows: 2,
			check: func(t *testing.T, rows []map[string]string) {
				// 10.0.0.11 is web-1's host too: located by the same ARP.
				if r := rows[0]; r["BACKEND"] != "-" || r["ADDRESS"] != "10.0.0.11:53" || r["LOCATED"] != "00000000000000a1" {
					t.Errorf("row %v", r)
				}
			},
		},
		{
			name: "flows", args: []string{"flows", "--vip", "tenant-a/web", "--client", "10.1.0.1"},
			wantHeader: flowsHeader, wantRows: 1,
			check: func(t *testing.T, rows []map[string]string) {
				r := rows[0]
				if r["CLIENT"] != "10.1.0.1:4000" || r["VIP"] != "tenant-a/web" || r["BACKEND_ADDRESS"] != flow.Backend.String() || r["SWITCH"] != "00000000000000a1" {
					t.Errorf("row %v, want the flow to %v", r, flow.Backend)
				}
			},
		},
		{
			name: "flows filtered out", args: []string{"flows", "--switch", "b2"},
			wantHeader: flowsHeader, wantRows: 0,
		},
		{
			name: "policy reload", args: []string{"policy", "reload"},
			wantHeader: []string{"RESULT", "DIGEST", "CHANGE"}, wantRows: 1,
			check: func(t *testing.T, rows []map[string]string) {
				if r := rows[0]; r["RESULT"] != "ok" || r["CHANGE"] != "none" {
					t.Errorf("row %v", r)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"--api", api}, tt.args...)...)
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			header, rows := parseTable(t, out)
			if strings.Join(header, " ") != strings.Join(tt.wantHeader, " ") || len(rows) != tt.wantRows {
				t.Fatalf("table %v with %d rows, want %v with %d:\n%s", header, len(rows), tt.wantHeader, tt.wantRows, out)
			}
			if tt.check != nil {
				tt.check(t, rows)
			}
		})
	}
}

func TestCLIJSON(t *testing.T) {
	e := newTestEnv(t, examplesDir)
	sw := e.dial(0xa1)
	web := e.vip("tenant-a/web")
	e.locate(sw, 0xa1, web)
	e.connect(sw, 0xa1, web, netip.MustParseAddrPort("10.1.0.1:4000"))
	api := e.api.URL

	cli := func(t *testing.T, out any, args ...string) {
		t.Helper()
		code, stdout, stderr := runCLI(t, append([]string{"--api", api, "-o", "json"}, args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		if err := json.Unmarshal([]byte(stdout), out); err != nil {
			t.Fatalf("%v: %v in %q", args, err, stdout)
		}
	}
	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T)
	}{
		{name: "status", check: func(t *testing.T) {
			var st statusJSON
			cli(t, &st, "status")
			if st.VIPs != 3 || st.Switches != 1 || st.ActiveFlows != 1 {
				t.Errorf("status %+v", st)
			}
		}},
		{name: "switches", check: func(t *testing.T) {
			var sws []switchJSON
			cli(t, &sws, "switches")
			if len(sws) != 1 || sws[0].DPID != "00000000000000a1" || len(sws[0].Ports) != 2 {
				t.Errorf("switches %+v", sws)
			}
		}},
		{name: "vips", check: func(t *testing.T) {
			var vips []vipJSON
			cli(t, &vips, "vips")
			if len(vips) != 3 || vips[1].Name != "web" || vips[1].ActiveFlows != 1 {
				t.Errorf("vips %+v", vips)
			}
		}},
		{name: "one vip", check: func(t *testing.T) {
			var v vipJSON
			cli(t, &v, "vips", "tenant-a/web")
			if v.Name != "web" || len(v.Backends) != 3 {
				t.Errorf("vip %+v", v)
			}
		}},
		{name: "drain then backends", check: func(t *testing.T) {
			var b backendJSON
			cli(t, &b, "backend", "drain", "tenant-a/web", "web-2")
			if b.Name != "web-2" || b.State != "drained" || !b.Drained {
				t.Errorf("drain answered %+v", b)
			}
			var bs []backendJSON
			cli(t, &bs, "backends", "tenant-a/web")
			if len(bs) != 3 || bs[1].State != "drained" || bs[0].State != "active" {
				t.Errorf("backends %+v", bs)
			}
			cli(t, &b, "backend", "enable", "tenant-a/web", "10.0.0.12:8080")
			cli(t, &bs, "backends", "tenant-a/web")
			if bs[1].State != "active" {
				t.Errorf("after enable %+v", bs[1])
			}
		}},
		{name: "flows", check: func(t *testing.T) {
			var fls []flowJSON
			cli(t, &fls, "flows", "--vip", "tenant-a/web")
			if len(fls) != 1 || fls[0].Client != "10.1.0.1:4000" {
				t.Errorf("flows %+v", fls)
			}
		}},
		{name: "version", check: func(t *testing.T) {
			var v struct{ Version, GoVersion string }
			cli(t, &v, "version")
			if v.Version == "" {
				t.Errorf("version %+v", v)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.check)
	}
}

func TestCLIErrors(t *testing.T) {
	e := newTestEnv(t, examplesDir)
	// A port nothing listens on: listen, then close.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()

	tests := []struct {
		name    string
		args    []string
		wantErr string // in stderr
	}{
		{name: "unknown VIP", args: []string{"--api", e.api.URL, "backends", "tenant-a/nope"}, wantErr: "oflb: no VIP tenant-a/nope\n"},
		{name: "bad VIP", args: []string{"--api", e.api.URL, "vips", "nope"}, wantErr: `VIP "nope" is neither tenant/name nor an id`},
		{name: "unknown backend", args: []string{"--api", e.api.URL, "backend", "drain", "tenant-a/web", "web-9"}, wantErr: "has no backend web-9"},
		{name: "conflict", args: []string{"--api", e.api.URL, "backend", "enable", "tenant-a/web", "web-3"}, wantErr: "has weight 0 in the policy"},
		{name: "bad flow filter", args: []string{"--api", e.api.URL, "flows", "--client", "x"}, wantErr: `client "x" is not an address`},
		{name: "unknown switch", args: []string{"--api", e.api.URL, "switches", "ff"}, wantErr: "switch 00000000000000ff is not connected"},
		{name: "API down", args: []string{"--api", dead, "status"}, wantErr: "connection refused"},
		{name: "bad output", args: []string{"--api", e.api.URL, "-o", "yaml", "status"}, wantErr: `--output "yaml"`},
		{name: "missing argument", args: []string{"backends"}, wantErr: "accepts 1 arg"},
		{name: "unknown command", args: []string{"frobnicate"}, wantErr: "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.args...)
			if code != 1 || out != "" || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 1, nothing, %q", code, out, errOut, tt.wantErr)
			}
		})
	}
}

func TestCLIAPIFromEnvironment(t *testing.T) {
	e := newTestEnv(t, examplesDir)
	t.Setenv(apiEnv, e.api.URL)
	code, out, errOut := runCLI(t, "vips", "-o", "json")
	var vips []vipJSON
	if code != 0 || json.Unmarshal([]byte(out), &vips) != nil || len(vips) != 3 {
		t.Errorf("exit %d, stdout %q, stderr %q; want 3 VIPs from $%s", code, out, errOut, apiEnv)
	}
}

func TestPolicyCheck(t *testing.T) {
	bad := t.TempDir()
	files := map[string]string{
		"a.yaml": "tenant: a\nvip_ranges: [10.0.0.0/28]\nvips:\n  - name: web\n    address: 10.0.0.1\n    port: 80\n    sheduler: round_robin\n",
		"b.yaml": "tenant: b\nvip_ranges: [10.0.1.0/28]\nvips:\n  - name: web\n    address: 10.0.9.1\n    port: 80\n",
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(bad, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Valid for the policy package, refused by this version's load
	// balancer when serving: check must refuse it too.
	unsupported := t.TempDir()
	if err := os.WriteFile(filepath.Join(unsupported, "a.yaml"), []byte("tenant: a\nvip_ranges: [10.0.0.0/28]\nvips:\n"+
		"  - name: web\n    address: 10.0.0.1\n    port: 80\n    mode: stateless\n    backends: [{address: 10.0.1.1, port: 80}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		args      []string
		wantCode  int
		wantOut   string
		wantLines []*regexp.Regexp // each must match a line of stderr
	}{
		{
			name: "mode not supported", args: []string{"policy", "check", unsupported}, wantCode: 1,
			wantLines: []*regexp.Regexp{
				regexp.MustCompile(`^` + regexp.QuoteMeta(filepath.Join(unsupported, "a.yaml")) + `:\d+:\d+: .*stateless.*not supported.*$`),
				regexp.MustCompile(`^oflb: .*: 1 problems$`),
			},
		},
		{name: "examples", args: []string{"policy", "check", examplesDir}, wantOut: examplesDir + ": 2 tenants, 3 VIPs: OK\n"},
		{
			name: "bad dir", args: []string{"policy", "check", bad}, wantCode: 1,
			wantLines: []*regexp.Regexp{
				regexp.MustCompile(`^` + regexp.QuoteMeta(filepath.Join(bad, "a.yaml")) + `:7:5: .*sheduler.*$`),
				regexp.MustCompile(`^` + regexp.QuoteMeta(filepath.Join(bad, "b.yaml")) + `:5:\d+: .*10\.0\.9\.1.*$`),
				regexp.MustCompile(`^oflb: .*: 2 problems$`),
			},
		},
		{
			name: "missing dir", args: []string{"policy", "check", filepath.Join(bad, "nope")}, wantCode: 1,
			wantLines: []*regexp.Regexp{regexp.MustCompile(`nope: cannot read the policy directory`)},
		},
		{name: "no dir", args: []string{"policy", "check"}, wantCode: 1, wantLines: []*regexp.Regexp{regexp.MustCompile(`accepts 1 arg`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.args...)
			if code != tt.wantCode || out != tt.wantOut {
				t.Fatalf("exit %d, stdout %q, stderr %q; want %d, %q", code, out, errOut, tt.wantCode, tt.wantOut)
			}
			lines := strings.Split(strings.TrimRight(errOut, "\n"), "\n")
			for _, re := range tt.wantLines {
				found := false
				for _, l := range lines {
					found = found || re.MatchString(l)
				}
				if !found {
					t.Errorf("no stderr line matches %v in:\n%s", re, errOut)
				}
			}
		})
	}
}
