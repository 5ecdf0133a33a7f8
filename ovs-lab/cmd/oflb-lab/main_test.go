package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	ovslab "github.com/oflb/oflb/ovs-lab"
	"github.com/oflb/oflb/policy"
)

func TestParseFlowSteps(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []int
		wantErr bool
	}{
		{"empty", "", nil, false},
		{"one number", "40000", []int{0, 10000, 20000, 40000}, false},
		{"k suffix", "40k", []int{0, 10000, 20000, 40000}, false},
		{"list", "0, 5000,10k", []int{0, 5000, 10000}, false},
		{"repeats", "0,0,10", []int{0, 10}, false},
		{"zero alone", "0", nil, true},
		{"decreasing", "10,5", nil, true},
		{"negative", "-1", nil, true},
		{"too many", "2000000", nil, true},
		{"junk", "lots", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseFlowSteps(tt.in)
			if (err != nil) != tt.wantErr || !slices.Equal(got, tt.want) {
				t.Errorf("parseFlowSteps(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// rate returns a bench result of n connections in one second.
func rate(n int) ovslab.BenchResult {
	return ovslab.BenchResult{Connections: n, Elapsed: time.Second}
}

func TestKnee(t *testing.T) {
	tests := []struct {
		name string
		rows []benchRow
		want string
	}{
		{"no rows", nil, "knee: no baseline rate"},
		{"zero baseline", []benchRow{{name: "a", res: rate(0)}}, "knee: no baseline rate"},
		{"flat", []benchRow{{name: "VIP, 0 fillers", entries: 7, res: rate(1000)}, {name: "VIP, 10000 fillers", entries: 10007, res: rate(950)}},
			"knee: none up to 10007 entries (last rate 950/s, 95% of 1000/s)"},
		{"drop", []benchRow{
			{name: "VIP, 0 fillers", entries: 7, res: rate(1000)},
			{name: "VIP, 10000 fillers", entries: 10007, res: rate(900)},
			{name: "VIP, 20000 fillers", entries: 20007, res: rate(500)},
			{name: "VIP, 40000 fillers", entries: 40007, res: rate(100)},
		}, "knee: at VIP, 20000 fillers (20007 entries when it started) the rate fell to 500/s, 50% of 1000/s with 7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := knee(tt.rows); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestLines(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		n         int
		wantHead  string
		wantTotal int
		wantTail  string
	}{
		{"empty", "", 2, "", 0, "    \n"},
		{"short", "a\nb\n", 5, "a\nb\n", 2, "    a\n    b\n"},
		{"long", "a\nb\nc\nd", 2, "a\nb\n", 4, "    c\n    d\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head, total := headLines(tt.in, tt.n)
			if head != tt.wantHead || total != tt.wantTotal {
				t.Errorf("headLines = %q, %d; want %q, %d", head, total, tt.wantHead, tt.wantTotal)
			}
			if got := tailLines(tt.in, tt.n); got != tt.wantTail {
				t.Errorf("tailLines = %q, want %q", got, tt.wantTail)
			}
		})
	}
}

// examplePolicy loads the repository's example policy.
func examplePolicy(t *testing.T) *policy.Policy {
	t.Helper()
	pol, err := policy.Load("../../../policy/examples", nil)
	if err != nil {
		t.Fatal(err)
	}
	return pol
}

func TestVIPURL(t *testing.T) {
	want := map[string]string{
		"tenant-a/web": "http://10.0.0.100/",
		"tenant-a/dns": "udp://10.0.0.100:53",
		"tenant-b/api": "http://10.0.0.120:443/",
	}
	for _, v := range examplePolicy(t).VIPs() {
		t.Run(v.FullName(), func(t *testing.T) {
			if got := vipURL(v); got != want[v.FullName()] {
				t.Errorf("got %q, want %q", got, want[v.FullName()])
			}
		})
	}
}

// TestPrintSpread checks the spread table and its verdicts against the
// example policy's web VIP (weighted round robin 2:1:0).
func TestPrintSpread(t *testing.T) {
	var web *policy.VIP
	for _, v := range examplePolicy(t).VIPs() {
		if v.FullName() == "tenant-a/web" {
			web = v
		}
	}
	if web == nil {
		t.Fatal("no tenant-a/web in the example policy")
	}
	lab := &ovslab.Lab{}
	for _, b := range ovslab.DefaultBackends() {
		lab.Backends = append(lab.Backends, &ovslab.LabBackend{Spec: b})
	}
	tests := []struct {
		name     string
		counts   map[string]int
		failures int
		problems []string // substrings, one per problem
	}{
		{"as weighted", map[string]int{"web1": 200, "web2": 100}, 0, nil},
		{"within tolerance", map[string]int{"web1": 190, "web2": 110}, 0, nil},
		{"skewed", map[string]int{"web1": 150, "web2": 150}, 0, []string{"web-1 got 50.0%, want 66.7%", "web-2 got 50.0%, want 33.3%"}},
		{"drained got some", map[string]int{"web1": 200, "web2": 99, "web3": 1}, 0, []string{"drained backend web-3 got 1"}},
		{"stranger", map[string]int{"web1": 200, "web2": 100, "api1": 1}, 0, []string{"1 answers from api1, not a backend"}},
		{"failures", map[string]int{"web1": 2, "web2": 1}, 1, []string{"1 of 4 requests failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			got := printSpread(&out, lab, web, ovslab.SpreadResult{Counts: tt.counts, Failures: tt.failures})
			if len(got) != len(tt.problems) {
				t.Fatalf("problems %q, want %d like %q\n%s", got, len(tt.problems), tt.problems, out.String())
			}
			for i, p := range tt.problems {
				if !strings.Contains(got[i], p) {
					t.Errorf("problem %q, want it to say %q", got[i], p)
				}
			}
			for _, s := range []string{"web-1", "10.0.0.11:8080", "66.7%", "0 (drained)", "total"} {
				if !strings.Contains(out.String(), s) {
					t.Errorf("table lacks %q:\n%s", s, out.String())
				}
			}
		})
	}
}

// TestLabServes checks which example VIPs the default lab has servers for.
func TestLabServes(t *testing.T) {
	lab := &ovslab.Lab{}
	for _, b := range ovslab.DefaultBackends() {
		lab.Backends = append(lab.Backends, &ovslab.LabBackend{Spec: b})
	}
	empty := &ovslab.Lab{}
	for _, v := range examplePolicy(t).VIPs() {
		t.Run(v.FullName(), func(t *testing.T) {
			if !labServes(lab, v) {
				t.Error("the default lab does not serve it")
			}
			if labServes(empty, v) {
				t.Error("a lab without backends serves it")
			}
		})
	}
}

// TestWriteConfig checks that the config written for the controller loads
// with policy.LoadConfig as `oflb serve --config` does.
func TestWriteConfig(t *testing.T) {
	dir := t.TempDir()
	path, err := writeConfig(dir, "../../../policy/examples")
	if err != nil {
		t.Fatal(err)
	}
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	policy.RegisterFlags(fs)
	if err := fs.Parse([]string{"--config", path}); err != nil {
		t.Fatal(err)
	}
	cfg, err := policy.LoadConfig(fs)
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs("../../../policy/examples")
	if !slices.Equal(cfg.Listen, []string{"127.0.0.1:0"}) || cfg.APIAddress != "127.0.0.1:0" || cfg.PolicyDir != abs || cfg.InstanceID != 0 {
		t.Errorf("got %+v", cfg)
	}
}

// TestBenchPolicy checks that the bench's own policy is valid.
func TestBenchPolicy(t *testing.T) {
	pol, err := policy.ParseFiles([]policy.File{{Name: "bench.yaml", Data: []byte(benchPolicy)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if pol.Len() != 1 || pol.VIPs()[0].ConnectionLimit != 0 || len(pol.VIPs()[0].Active()) != 2 {
		t.Errorf("got %d VIPs: %+v", pol.Len(), pol.VIPs())
	}
}

func TestModuleRoot(t *testing.T) {
	wd, _ := os.Getwd()
	root := moduleRoot(wd)
	if root == "" || filepath.Join(root, "ovs-lab", "cmd", "oflb-lab") != wd {
		t.Errorf("moduleRoot(%s) = %q", wd, root)
	}
	if got := moduleRoot(t.TempDir()); got != "" {
		t.Errorf("moduleRoot of a temporary directory = %q, want none", got)
	}
}

// TestRunUsage checks command-line mistakes and help without a lab.
func TestRunUsage(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		code    int
		wantOut string // substring of stdout+stderr
	}{
		{"no command", nil, 2, "usage: oflb-lab COMMAND"},
		{"unknown", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"help", []string{"help"}, 0, "commands:"},
		{"demo -h", []string{"demo", "-h"}, 0, "-requests"},
		{"bad flag", []string{"demo", "--nope"}, 2, "flag provided but not defined"},
		{"bad requests", []string{"demo", "--requests", "0"}, 2, "--requests must be positive"},
		{"bad clients", []string{"demo", "--clients", "11"}, 2, "want 1..10"},
		{"stray argument", []string{"bench", "now"}, 2, "unexpected arguments"},
		{"bad flows", []string{"bench", "--flows", "10,5"}, 2, "must increase"},
		{"down with nothing up", []string{"down", "--state", "DIR"}, 0, "no lab is up"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			args := slices.Clone(tt.args)
			for i, a := range args {
				if a == "DIR" {
					args[i] = t.TempDir()
				}
			}
			if code := run(context.Background(), args, &out, &out); code != tt.code || !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("exit %d, output:\n%s\nwant exit %d and %q", code, out.String(), tt.code, tt.wantOut)
			}
		})
	}
}

func TestPrintAffinity(t *testing.T) {
	var dns *policy.VIP
	for _, v := range examplePolicy(t).VIPs() {
		if v.FullName() == "tenant-a/dns" {
			dns = v
		}
	}
	tests := []struct {
		name      string
		perClient map[string]map[string]int
		line      string
		problems  int
	}{
		{"sticky", map[string]map[string]int{"h2": {"web2": 5}, "h1": {"web1": 5}}, "h1 -> web1 (5); h2 -> web2 (5)", 0},
		{"split", map[string]map[string]int{"h1": {"web1": 3, "web2": 2}}, "h1 -> web1 (3), web2 (2)", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			got := printAffinity(&out, dns, ovslab.SpreadResult{PerClient: tt.perClient})
			if len(got) != tt.problems || !strings.Contains(out.String(), tt.line) {
				t.Errorf("problems %q, output %q; want %d and %q", got, out.String(), tt.problems, tt.line)
			}
		})
	}
}
