package ovslab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLabTopology brings the demo lab up with a NORMAL entry in place of a
// controller and checks its wiring and every server, then that Close
// leaves nothing behind.
func TestLabTopology(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	l := NewLabT(t, LabOptions{})
	if err := l.OVS.AddFlows(l.Bridge.Short, "priority=0,actions=NORMAL"); err != nil {
		t.Fatal(err)
	}

	t.Run("ports and addresses", func(t *testing.T) {
		tests := []struct {
			name   string
			host   *Host
			port   int
			addr   string
			mac    string
			netns  string
			bridge string
		}{
			{"h1", l.Client(1), 1, "10.0.0.1/24", "02:00:00:00:00:01", l.OVS.Name("h1"), l.Bridge.Name},
			{"h3", l.Client(3), 3, "10.0.0.3/24", "02:00:00:00:00:03", l.OVS.Name("h3"), l.Bridge.Name},
			{"web1", l.Backend("web1").Host, 11, "10.0.0.11/24", "02:00:00:00:00:0b", l.OVS.Name("web1"), l.Bridge.Name},
			{"web3", l.Backend("10.0.0.13").Host, 13, "10.0.0.13/24", "02:00:00:00:00:0d", l.OVS.Name("web3"), l.Bridge.Name},
			{"api2", l.Backend("api2").Host, 22, "10.0.0.22/24", "02:00:00:00:00:16", l.OVS.Name("api2"), l.Bridge.Name},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				h := tt.host
				if h.OFPort != tt.port || h.IP.String() != tt.addr || h.MAC.String() != tt.mac || h.Netns != tt.netns || h.Bridge != tt.bridge {
					t.Errorf("got port %d, %v, %v, netns %s, bridge %s; want %d, %s, %s, %s, %s",
						h.OFPort, h.IP, h.MAC, h.Netns, h.Bridge, tt.port, tt.addr, tt.mac, tt.netns, tt.bridge)
				}
			})
		}
		if len(l.Clients) != 3 || len(l.Backends) != 5 || l.Client(0) != nil || l.Client(4) != nil || l.Backend("nope") != nil {
			t.Errorf("%d clients, %d backends; want 3, 5 and nil for unknown ones", len(l.Clients), len(l.Backends))
		}
		out, err := l.OVS.Vsctl("get", "Bridge", l.Bridge.Name, "fail_mode")
		if err != nil || strings.TrimSpace(out) != "secure" {
			t.Errorf("fail_mode %q, %v; want secure", out, err)
		}
	})

	t.Run("HTTP", func(t *testing.T) {
		tests := []struct {
			name    string
			client  int
			url     string
			backend string
		}{
			{"h1 to web1", 1, "http://10.0.0.11:8080/", "web1"},
			{"h2 to web2", 2, "http://10.0.0.12:8080/x", "web2"},
			{"h3 to web3", 3, "http://10.0.0.13:8080/", "web3"},
			{"h1 to api2", 1, "http://10.0.0.22:8443/", "api2"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c := l.Client(tt.client)
				r, err := l.HTTPGet(ctx, c, tt.url)
				if err != nil {
					t.Fatal(err)
				}
				if r.Backend != tt.backend || r.Client.Addr() != c.Addr() || r.Client.Port() == 0 {
					t.Errorf("backend %q saw client %v; want %s and %v:PORT", r.Backend, r.Client, tt.backend, c.Addr())
				}
				want := fmt.Sprintf("backend %s\nclient %v\n", tt.backend, r.Client)
				if r.Body != want || r.Status != 200 {
					t.Errorf("status %d body %q; want 200 %q", r.Status, r.Body, want)
				}
			})
		}
	})

	t.Run("HTTP to a closed port fails", func(t *testing.T) {
		if r, err := l.HTTPGet(ctx, l.Client(1), "http://10.0.0.11:9/"); err == nil {
			t.Fatalf("got %+v, want an error", r)
		}
	})

	t.Run("UDP echo", func(t *testing.T) {
		tests := []struct {
			name    string
			client  int
			addr    string
			payload string
			backend string
		}{
			{"h1 to web1", 1, "10.0.0.11:53", "ping", "web1"},
			{"h3 to web2", 3, "10.0.0.12:53", "with spaces inside", "web2"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				defer cancel()
				r, err := l.UDPEcho(rctx, l.Client(tt.client), netip.MustParseAddrPort(tt.addr), tt.payload)
				if err != nil {
					t.Fatal(err)
				}
				if r.Backend != tt.backend || r.Reply != "backend "+tt.backend+" "+tt.payload {
					t.Errorf("got %+v; want backend %s echoing %q", r, tt.backend, tt.payload)
				}
			})
		}
	})

	t.Run("spread", func(t *testing.T) {
		before := l.Backend("web2").Requests()
		s, err := l.Spread(ctx, 7, nil, "http://10.0.0.12:8080/")
		if err != nil {
			t.Fatal(err)
		}
		if s.Failures != 0 || s.Total() != 7 || s.Counts["web2"] != 7 || !slices.Equal(s.Backends(), []string{"web2"}) {
			t.Errorf("got %+v; want 7 answers from web2", s)
		}
		for client, want := range map[string]int{"h1": 3, "h2": 2, "h3": 2} {
			if got := s.PerClient[client]; len(got) != 1 || got["web2"] != want {
				t.Errorf("%s: %v; want web2: %d", client, got, want)
			}
		}
		if got := l.Backend("web2").Requests() - before; got != 7 {
			t.Errorf("web2 counted %d requests; want 7", got)
		}
		s, err = l.Spread(ctx, 4, l.Clients[:2], "udp://10.0.0.11:53")
		if err != nil || s.Failures != 0 || s.Counts["web1"] != 4 {
			t.Errorf("UDP spread: %+v, %v; want 4 answers from web1", s, err)
		}
	})

	t.Run("bench", func(t *testing.T) {
		r, err := l.Bench(ctx, BenchOptions{Target: netip.MustParseAddrPort("10.0.0.11:8080"), Count: 60, Concurrency: 3})
		if err != nil {
			t.Fatal(err)
		}
		if r.Connections != 60 || r.Failures != 0 || r.Timeouts != 0 || len(r.Connect) != 60 {
			t.Fatalf("got %d connections, %d failures, %d timeouts (%v); want 60, 0, 0", r.Connections, r.Failures, r.Timeouts, r.Errors)
		}
		if r.Rate() <= 0 || r.Percentile(50) <= 0 || r.Percentile(99) < r.Percentile(50) || !slices.IsSorted(r.Connect) {
			t.Errorf("rate %.0f/s, p50 %v, p99 %v: want positive and ordered", r.Rate(), r.Percentile(50), r.Percentile(99))
		}
		r, err = l.Bench(ctx, BenchOptions{Target: netip.MustParseAddrPort("10.0.0.11:9"), Count: 3, Concurrency: 1})
		if err != nil || r.Connections != 0 || r.Failures != 3 || len(r.Errors) != 3 {
			t.Errorf("closed port: %+v, %v; want 3 failures", r, err)
		}
	})

	t.Run("close leaves nothing behind", func(t *testing.T) {
		suffix, dir := l.OVS.Suffix(), l.OVS.Dir()
		pids := []int{l.OVS.VSwitchdPID(), l.OVS.DBServerPID()}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("instance directory %s: %v; want it gone", dir, err)
		}
		for _, pid := range pids {
			if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
				t.Errorf("daemon %d still there (%v)", pid, err)
			}
		}
		for _, glob := range []string{"/run/netns/*-" + suffix, "/sys/class/net/*-" + suffix} {
			if left, _ := filepath.Glob(glob); len(left) > 0 {
				t.Errorf("left behind: %v", left)
			}
		}
		if r, err := l.HTTPGet(ctx, l.Client(1), "http://10.0.0.11:8080/"); err == nil {
			t.Errorf("HTTP after Close: %+v", r)
		}
	})
}

// TestLabOptions checks that bad lab options are refused before anything
// is started.
func TestLabOptions(t *testing.T) {
	ip := netip.MustParseAddr
	web := []ServicePort{{ProtoTCP, 8080}}
	tests := []struct {
		name string
		opts LabOptions
		want string // error substring; "" for none
	}{
		{"zero value", LabOptions{}, ""},
		{"ten clients", LabOptions{Clients: MaxClients}, ""},
		{"too many clients", LabOptions{Clients: MaxClients + 1}, "clients"},
		{"negative clients", LabOptions{Clients: -1}, "clients"},
		{"bad name", LabOptions{Backends: []BackendSpec{{Name: "Web-1", IP: ip("10.0.0.11"), Ports: web}}}, "bad name"},
		{"name of a client", LabOptions{Backends: []BackendSpec{{Name: "h2", IP: ip("10.0.0.11"), Ports: web}}}, "used twice"},
		{"address of a client", LabOptions{Backends: []BackendSpec{{Name: "web1", IP: ip("10.0.0.3"), Ports: web}}}, "taken"},
		{"address twice", LabOptions{Backends: []BackendSpec{{Name: "a", IP: ip("10.0.0.11")}, {Name: "b", IP: ip("10.0.0.11")}}}, "taken"},
		{"outside the subnet", LabOptions{Backends: []BackendSpec{{Name: "web1", IP: ip("10.0.1.11"), Ports: web}}}, "not a host address"},
		{"broadcast", LabOptions{Backends: []BackendSpec{{Name: "web1", IP: ip("10.0.0.255"), Ports: web}}}, "not a host address"},
		{"no address", LabOptions{Backends: []BackendSpec{{Name: "web1", Ports: web}}}, "not a host address"},
		{"port 0", LabOptions{Backends: []BackendSpec{{Name: "web1", IP: ip("10.0.0.11"), Ports: []ServicePort{{ProtoTCP, 0}}}}}, "bad or repeated port"},
		{"no protocol", LabOptions{Backends: []BackendSpec{{Name: "web1", IP: ip("10.0.0.11"), Ports: []ServicePort{{0, 80}}}}}, "bad or repeated port"},
		{"port twice", LabOptions{Backends: []BackendSpec{{Name: "web1", IP: ip("10.0.0.11"), Ports: []ServicePort{{ProtoUDP, 53}, {ProtoUDP, 53}}}}}, "bad or repeated port"},
		{"same port, two protocols", LabOptions{Backends: []BackendSpec{{Name: "web1", IP: ip("10.0.0.11"), Ports: []ServicePort{{ProtoTCP, 53}, {ProtoUDP, 53}}}}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			err := opts.setDefaults()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				if opts.Clients == 0 || opts.Bridge != "br0" || opts.ControllerQueueSize != 512 || opts.MaxBackoff != time.Second || opts.DatapathID != 1 || len(opts.Backends) == 0 {
					t.Errorf("defaults not filled in: %+v", opts)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v; want an error with %q", err, tt.want)
			}
		})
	}
}

func TestProtocolString(t *testing.T) {
	tests := []struct {
		name string
		p    ServicePort
		want string
	}{
		{"tcp", ServicePort{ProtoTCP, 8080}, "tcp/8080"},
		{"udp", ServicePort{ProtoUDP, 53}, "udp/53"},
		{"invalid", ServicePort{Protocol(7), 1}, "Protocol(7)/1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBenchPercentile(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		var d []time.Duration
		for _, n := range ns {
			d = append(d, time.Duration(n)*time.Millisecond)
		}
		return d
	}
	tests := []struct {
		name    string
		connect []time.Duration
		p       float64
		want    time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one", ms(7), 99, 7 * time.Millisecond},
		{"median of four", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p99 of 100", ms(slices.Collect(func(yield func(int) bool) {
			for i := 1; i <= 100; i++ {
				if !yield(i) {
					return
				}
			}
		})...), 99, 99 * time.Millisecond},
		{"p100", ms(1, 2, 3), 100, 3 * time.Millisecond},
		{"p0", ms(1, 2, 3), 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := BenchResult{Connect: tt.connect, Connections: len(tt.connect), Elapsed: time.Second}
			if got := r.Percentile(tt.p); got != tt.want {
				t.Errorf("p%v = %v, want %v", tt.p, got, tt.want)
			}
			if got := r.Rate(); got != float64(len(tt.connect)) {
				t.Errorf("rate %v, want %d", got, len(tt.connect))
			}
		})
	}
}

// systemPython is the interpreter Debian's mn runs with (its #! line);
// Mininet's modules are installed for it only.
const systemPython = "/usr/bin/python3"

// TestMininetTopology checks the Mininet topology file: it parses, and
// built with Debian's Mininet (the Topo graph only; nothing is started)
// it has the lab's hosts at the lab's addresses and one switch with the
// documented options.
func TestMininetTopology(t *testing.T) {
	const file = "mininet/oflb_topo.py"
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t, 60*time.Second)
	if out, err := exec.CommandContext(ctx, systemPython, "-c", "import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])", file).CombinedOutput(); err != nil {
		t.Fatalf("%s does not parse: %v\n%s", file, err, out)
	}
	if out, err := exec.CommandContext(ctx, systemPython, "-c", "import mininet.topo, mininet.node").CombinedOutput(); err != nil {
		t.Fatalf("import mininet: %v\n%s", err, out)
	}
	if !strings.Contains(string(src), "mn --custom ovs-lab/mininet/oflb_topo.py --topo oflb") {
		t.Errorf("%s does not say how to run it", file)
	}
	const dump = `
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("oflb_topo", sys.argv[1])
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
topo = m.topos["oflb"]()
out = {"hosts": {h: topo.nodeInfo(h) for h in topo.hosts()},
       "switches": {s: topo.nodeInfo(s) for s in topo.switches()},
       "links": sorted([sorted([a, b]) for a, b in topo.links()])}
json.dump(out, sys.stdout, default=str)
`
	out, err := exec.CommandContext(ctx, systemPython, "-c", dump, file).Output()
	if err != nil {
		t.Fatalf("build the topology: %v", err)
	}
	var got struct {
		Hosts    map[string]map[string]any
		Switches map[string]map[string]any
		Links    [][]string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := map[string]string{}
	for i := 1; i <= 3; i++ {
		want[fmt.Sprintf("h%d", i)] = ClientAddr(i).String() + "/24"
	}
	for _, b := range DefaultBackends() {
		want[b.Name] = b.IP.String() + "/24"
	}
	tests := make([]struct{ name, ip string }, 0, len(want))
	for name, ip := range want {
		tests = append(tests, struct{ name, ip string }{name, ip})
	}
	slices.SortFunc(tests, func(a, b struct{ name, ip string }) int { return strings.Compare(a.name, b.name) })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, ok := got.Hosts[tt.name]
			if !ok {
				t.Fatalf("no host %s in %v", tt.name, got.Hosts)
			}
			if h["ip"] != tt.ip {
				t.Errorf("ip %v, want %s", h["ip"], tt.ip)
			}
			if !slices.ContainsFunc(got.Links, func(l []string) bool { return slices.Contains(l, tt.name) && slices.Contains(l, "s1") }) {
				t.Errorf("not linked to s1: %v", got.Links)
			}
		})
	}
	if len(got.Hosts) != len(want) {
		t.Errorf("%d hosts, want %d: %v", len(got.Hosts), len(want), got.Hosts)
	}
	s1, ok := got.Switches["s1"]
	if len(got.Switches) != 1 || !ok {
		t.Fatalf("switches %v, want s1 only", got.Switches)
	}
	for k, v := range map[string]string{"datapath": "user", "failMode": "secure", "protocols": "OpenFlow13"} {
		if s1[k] != v {
			t.Errorf("s1 %s = %v, want %s", k, s1[k], v)
		}
	}
}
