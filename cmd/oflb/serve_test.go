package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/spf13/cobra"

	"github.com/oflb/oflb/lb"
	"github.com/oflb/oflb/openflow/oftest"
	"github.com/oflb/oflb/policy"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serveProc is `oflb serve` running in this process.
type serveProc struct {
	t      *testing.T
	cancel context.CancelFunc
	done   chan int
	stderr *syncBuffer
	ready  readyInfo
	client *http.Client
}

// startServe runs `oflb serve` with args on kernel-chosen ports and waits
// for its ready file.
func startServe(t *testing.T, args ...string) *serveProc {
	t.Helper()
	readyFile := filepath.Join(t.TempDir(), "ready.json")
	ctx, cancel := context.WithCancel(context.Background())
	p := &serveProc{t: t, cancel: cancel, done: make(chan int, 1), stderr: &syncBuffer{},
		client: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}}
	args = append([]string{"serve", "--listen", "127.0.0.1:0", "--api-address", "127.0.0.1:0", "--ready-file", readyFile}, args...)
	go func() { p.done <- run(ctx, args, io.Discard, p.stderr) }()
	t.Cleanup(func() {
		cancel()
		<-p.done
	})
	var exited bool
	waitFor(t, "ready file", func() bool {
		select {
		case code := <-p.done:
			p.done <- code
			exited = true
			return true
		default:
		}
		b, err := os.ReadFile(readyFile)
		return err == nil && json.Unmarshal(b, &p.ready) == nil
	})
	if exited {
		t.Fatalf("serve exited early: %s", p.stderr.String())
	}
	return p
}

// get decodes GET path of the API into out.
func (p *serveProc) get(path string, out any) error {
	resp, err := p.client.Get("http://" + p.ready.API + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return errors.New(resp.Status)
	}
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// wait waits for serve to exit and returns its status.
func (p *serveProc) wait() int {
	p.t.Helper()
	var code int
	waitFor(p.t, "serve to exit", func() bool {
		select {
		case code = <-p.done:
			p.done <- code
			return true
		default:
			return false
		}
	})
	return code
}

// vipCatches returns the VIP catch entries of a fake switch's table as
// "proto addr:port".
func vipCatches(sw *oftest.Switch) []string {
	var out []string
	for _, f := range sw.Flows() {
		if lb.Cookie(f.Cookie).Kind() != lb.KindVIP {
			continue
		}
		dst, _ := f.Match.IPv4Dst()
		proto, _ := f.Match.IPProto()
		var port uint16
		if proto == 17 {
			port, _ = f.Match.UDPDst()
		} else {
			port, _ = f.Match.TCPDst()
		}
		out = append(out, protoName(proto)+" "+netip.AddrPortFrom(dst, port).String())
	}
	slices.Sort(out)
	return out
}

func TestServe(t *testing.T) {
	p := startServe(t, "--policy-dir", examplesDir, "--log-level", "debug", "--instance-id", "2")
	if len(p.ready.OpenFlow) != 1 || strings.HasSuffix(p.ready.OpenFlow[0], ":0") || strings.HasSuffix(p.ready.API, ":0") {
		t.Fatalf("ready file %+v: want actual ports", p.ready)
	}

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	sw, err := oftest.Dial(ctx, p.ready.OpenFlow[0], oftest.Options{DPID: 0x5e})
	if err != nil {
		t.Fatal(err)
	}
	defer sw.Close()

	var sws []switchJSON
	waitFor(t, "the switch in /api/v1/switches", func() bool {
		return p.get("/api/v1/switches", &sws) == nil && len(sws) == 1
	})
	if sws[0].DPID != "000000000000005e" || len(sws[0].Ports) != 2 {
		t.Errorf("switches = %+v", sws)
	}

	pol, err := policy.Load(examplesDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, v := range pol.VIPs() {
		want = append(want, v.Protocol.String()+" "+netip.AddrPortFrom(v.Address, v.Port).String())
	}
	slices.Sort(want)
	waitFor(t, "VIP catch entries on the switch", func() bool { return slices.Equal(vipCatches(sw), want) })
	for _, f := range sw.Flows() {
		if c := lb.Cookie(f.Cookie); c.Owner() != 3 {
			t.Errorf("entry with cookie %v: owner %d, want instance-id+1 = 3", c, c.Owner())
		}
	}
	if id := sw.ControllerID(); id != 2 {
		t.Errorf("controller id = %d, want the instance id 2", id)
	}

	// SIGHUP reloads the policy: a second accepted reload is counted.
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the SIGHUP reload in the metrics", func() bool {
		resp, err := p.client.Get("http://" + p.ready.API + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(b), "oflb_policy_reloads_total{result=\"ok\"} 2\n")
	})

	// SIGTERM: graceful stop, exit 0, entries stay on the switch.
	entries := len(sw.Flows())
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(); code != 0 {
		t.Fatalf("exit %d after SIGTERM: %s", code, p.stderr.String())
	}
	<-sw.Done()
	if got := len(sw.Flows()); got != entries || got == 0 {
		t.Errorf("the switch has %d entries after the stop, had %d", got, entries)
	}
	logs := p.stderr.String()
	for _, s := range []string{`msg="oflb started"`, "openflow=[" + p.ready.OpenFlow[0] + "]", "api=" + p.ready.API, `msg="policy reload requested"`, `msg="oflb stopped"`} {
		if !strings.Contains(logs, s) {
			t.Errorf("log lacks %q:\n%s", s, logs)
		}
	}
}

func TestServeJSONLogsAndMetricsAddress(t *testing.T) {
	p := startServe(t, "--policy-dir", examplesDir, "--log-format", "json", "--metrics-address", "127.0.0.1:0")
	if p.ready.Metrics == "" || strings.HasSuffix(p.ready.Metrics, ":0") {
		t.Fatalf("ready file %+v: want the metrics address", p.ready)
	}
	resp, err := p.client.Get("http://" + p.ready.Metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "oflb_policy_vips 3\n") {
		t.Errorf("metrics address: %d\n%s", resp.StatusCode, b)
	}
	p.cancel()
	if code := p.wait(); code != 0 {
		t.Fatalf("exit %d: %s", code, p.stderr.String())
	}
	first, _, _ := strings.Cut(p.stderr.String(), "\n")
	var line map[string]any
	if err := json.Unmarshal([]byte(first), &line); err != nil || line["msg"] != "oflb started" || line["api"] != p.ready.API {
		t.Errorf("first log line %q (%v): want JSON with msg and api", first, err)
	}
}

func TestServeRefusesBadStart(t *testing.T) {
	bad := t.TempDir()
	file := filepath.Join(bad, "a.yaml")
	if err := os.WriteFile(file, []byte("tenant: a\nvip_ranges: [10.0.0.0/28]\nvips:\n  - name: web\n    address: 10.0.0.1\n    port: 99999\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "bad policy", args: []string{"--policy-dir", bad}, wantErr: file + ":6:11: "},
		{name: "missing policy dir", args: []string{"--policy-dir", filepath.Join(bad, "nope")}, wantErr: "cannot read the policy directory"},
		{name: "bad config", args: []string{"--policy-dir", examplesDir, "--echo-interval", "1ms"}, wantErr: "echo_interval"},
		{name: "bad listen address", args: []string{"--policy-dir", examplesDir, "--listen", "127.0.0.1:0", "--listen", "256.0.0.1:1"}, wantErr: "listen: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"serve", "--api-address", "127.0.0.1:0"}, tt.args...)
			if !slices.Contains(tt.args, "--listen") {
				args = append(args, "--listen", "127.0.0.1:0")
			}
			code, out, errOut := runCLI(t, args...)
			if code != 1 || out != "" || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 1 and %q", code, out, errOut, tt.wantErr)
			}
		})
	}
}

// TestServeHelp checks that every command has help and examples.
func TestServeHelp(t *testing.T) {
	root := newRootCmd(io.Discard, io.Discard)
	for _, c := range allCommands(root) {
		if c.Short == "" {
			t.Errorf("%s: no short help", c.CommandPath())
		}
		if c.Runnable() && c.Example == "" && c.Name() != "help" && c.Name() != "completion" && !strings.Contains(c.CommandPath(), "completion") {
			t.Errorf("%s: no example", c.CommandPath())
		}
	}
	code, out, _ := runCLI(t, "serve", "--help")
	if code != 0 || !strings.Contains(out, "--policy-dir") || strings.Contains(out, "--ready-file") {
		t.Errorf("serve --help: exit %d, want --policy-dir and no hidden --ready-file:\n%s", code, out)
	}
}

// allCommands returns c and its descendants.
func allCommands(c *cobra.Command) []*cobra.Command {
	out := []*cobra.Command{c}
	for _, sub := range c.Commands() {
		out = append(out, allCommands(sub)...)
	}
	return out
}
