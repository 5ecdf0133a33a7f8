package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// buildBinaries builds oflb and oflb-lab into one temporary directory (so
// that oflb-lab finds oflb beside itself) and returns it.
func buildBinaries(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	wd, _ := os.Getwd()
	root := moduleRoot(wd)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for _, b := range []struct{ out, pkg string }{{"oflb", "./cmd/oflb"}, {"oflb-lab", "./ovs-lab/cmd/oflb-lab"}} {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(dir, b.out), b.pkg)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", b.pkg, err, out)
		}
	}
	return dir
}

// runLab runs the built oflb-lab with args and returns its output and
// exit error.
func runLab(t *testing.T, bin string, d time.Duration, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "oflb-lab"), args...)
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestCommands runs the real thing: oflb serve, the lab, the demo, a short
// bench with a knee search, and up/down.
func TestCommands(t *testing.T) {
	bin := buildBinaries(t)

	t.Run("demo", func(t *testing.T) {
		out, err := runLab(t, bin, 3*time.Minute, "demo", "--requests", "30")
		if err != nil {
			t.Fatalf("demo: %v\n%s", err, out)
		}
		for _, want := range []string{
			"tenant-a/web  10.0.0.100:80/tcp  weighted_round_robin",
			"web-3", "(drained)", "$ oflb vips", "$ oflb flows", "per-flow NAT entries, priority 1000",
			"demo OK", "lab removed, oflb stopped",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("demo output lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("bench", func(t *testing.T) {
		out, err := runLab(t, bin, 3*time.Minute, "bench", "--duration", "1s", "--concurrency", "2", "--flows", "0,2000")
		if err != nil {
			t.Fatalf("bench: %v\n%s", err, out)
		}
		for _, want := range []string{"direct web3 10.0.0.13:8080", "VIP bench/web 10.0.0.100:80", "added by the VIP", "VIP, 2000 fillers", "knee: "} {
			if !strings.Contains(out, want) {
				t.Errorf("bench output lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("up and down", func(t *testing.T) {
		state := t.TempDir()
		out, err := runLab(t, bin, 3*time.Minute, "up", "--state", state)
		if err != nil {
			t.Fatalf("up: %v\n%s", err, out)
		}
		st, err := readState(state)
		if err != nil || st == nil {
			t.Fatalf("state after up: %+v, %v\n%s", st, err, out)
		}
		t.Cleanup(func() {
			if labAlive(st.PID) {
				runLab(t, bin, 2*time.Minute, "down", "--state", state)
			}
		})
		clients := 0
		for _, h := range st.Hosts {
			if h.Role == "client" {
				clients++
			}
		}
		if !strings.Contains(out, "is up") || !strings.Contains(out, "oflb-lab down --state "+state) || clients != 8 || len(st.Hosts) != 13 {
			t.Errorf("up printed:\n%s\nstate %+v", out, st)
		}
		if out, err := runLab(t, bin, time.Minute, "up", "--state", state); err == nil || !strings.Contains(out, "already up") {
			t.Errorf("second up: %v\n%s", err, out)
		}
		// The lab outlives the command, and the client reaches the VIP.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		get := `import urllib.request as u; print(u.urlopen("http://10.0.0.100/", timeout=10).read().decode(), end="")`
		body, err := exec.CommandContext(ctx, "ip", "netns", "exec", st.Hosts[0].Netns, "/usr/bin/python3", "-c", get).CombinedOutput()
		if err != nil || !strings.HasPrefix(string(body), "backend web") || !strings.Contains(string(body), "client 10.0.0.1:") {
			t.Errorf("GET through the VIP from %s: %v: %s", st.Hosts[0].Netns, err, body)
		}
		out, err = runLab(t, bin, 2*time.Minute, "down", "--state", state)
		if err != nil || !strings.Contains(out, "lab down") {
			t.Fatalf("down: %v\n%s", err, out)
		}
		if labAlive(st.PID) {
			t.Errorf("oflb-lab %d still running after down", st.PID)
		}
		for _, h := range st.Hosts {
			if _, err := os.Stat("/run/netns/" + h.Netns); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("namespace %s left behind (%v)", h.Netns, err)
			}
		}
		if _, err := os.Stat(statePath(state)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("lab.json left behind (%v)", err)
		}
	})
}
