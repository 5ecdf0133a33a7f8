package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// moduleRoot returns the directory of oflb's go.mod, searched from dir
// upwards, or "" if there is none.
func moduleRoot(dir string) string {
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(b, []byte("module github.com/oflb/oflb\n")) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// findOflb returns the oflb binary to run: path if set; else an "oflb"
// beside this executable (bin/oflb next to bin/oflb-lab); else one built
// with `go build` from the module root into dir.
func findOflb(ctx context.Context, path, root, dir string, logf func(string, ...any)) (string, error) {
	if path != "" {
		if _, err := os.Stat(path); err != nil {
			return "", fmt.Errorf("oflb binary: %w", err)
		}
		return filepath.Abs(path)
	}
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), "oflb")
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	if root == "" {
		return "", errors.New("no oflb binary: give --oflb PATH, put oflb beside oflb-lab, or run inside the oflb source tree")
	}
	out := filepath.Join(dir, "oflb")
	logf("building oflb from %s", root)
	gobin := "go"
	if _, err := exec.LookPath(gobin); err != nil {
		gobin = "/usr/local/go/bin/go"
	}
	cmd := exec.CommandContext(ctx, gobin, "build", "-o", out, "./cmd/oflb")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/oflb: %w\n%s", err, b)
	}
	return out, nil
}

// readyInfo is what `oflb serve --ready-file` writes once it listens.
type readyInfo struct {
	OpenFlow []string `json:"openflow"`
	API      string   `json:"api"`
}

// controller is a running `oflb serve`.
type controller struct {
	bin   string
	dir   string
	log   string // path of its output
	cmd   *exec.Cmd
	done  chan struct{}
	err   error // Wait's result once done is closed
	ready readyInfo
}

// writeConfig writes the controller's configuration for the lab into dir
// and returns its path: OpenFlow and API on kernel-chosen loopback ports,
// the policy directory, instance 0.
func writeConfig(dir, policyDir string) (string, error) {
	abs, err := filepath.Abs(policyDir)
	if err != nil {
		return "", err
	}
	cfg := "# written by oflb-lab\n" +
		"listen: [\"127.0.0.1:0\"]\n" +
		"api_address: \"127.0.0.1:0\"\n" +
		"policy_dir: " + strconv.Quote(abs) + "\n" +
		"instance_id: 0\n" +
		"log_level: info\n"
	path := filepath.Join(dir, "oflb.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		return "", fmt.Errorf("write config: %w", err)
	}
	return path, nil
}

// startController runs `oflb serve` with a config for the lab, its output
// in dir/oflb.log, and returns once it has written its ready file. The
// kernel kills it if this program dies; it runs in a process group of its
// own, so a Ctrl-C reaches this program only, which stops it in order.
func startController(ctx context.Context, bin, dir, policyDir string) (_ *controller, err error) {
	cfgPath, err := writeConfig(dir, policyDir)
	if err != nil {
		return nil, err
	}
	readyPath := filepath.Join(dir, "oflb.ready.json")
	_ = os.Remove(readyPath)
	c := &controller{bin: bin, dir: dir, log: filepath.Join(dir, "oflb.log"), done: make(chan struct{})}
	logf, err := os.Create(c.log)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child has its own copy
	c.cmd = exec.Command(bin, "serve", "--config", cfgPath, "--ready-file", readyPath)
	c.cmd.Stdout, c.cmd.Stderr = logf, logf
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start oflb serve: %w", err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.done)
	}()
	defer func() {
		if err != nil {
			_ = c.stop()
		}
	}()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	timeout := time.NewTimer(30 * time.Second)
	defer timeout.Stop()
	for {
		if b, err := os.ReadFile(readyPath); err == nil {
			if err := json.Unmarshal(b, &c.ready); err != nil {
				return nil, fmt.Errorf("oflb ready file %s: %w", readyPath, err)
			}
			if len(c.ready.OpenFlow) == 0 || c.ready.API == "" {
				return nil, fmt.Errorf("oflb ready file %s: no OpenFlow or API address: %s", readyPath, b)
			}
			return c, nil
		}
		select {
		case <-c.done:
			return nil, fmt.Errorf("oflb serve exited (%v) before it was ready:\n%s", c.err, c.logTail(20))
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for oflb serve: %w", ctx.Err())
		case <-timeout.C:
			return nil, fmt.Errorf("oflb serve not ready after 30s:\n%s", c.logTail(20))
		case <-tick.C:
		}
	}
}

// target returns the OpenFlow controller target for OVS, "tcp:IP:PORT".
func (c *controller) target() string { return "tcp:" + c.ready.OpenFlow[0] }

// apiURL returns the REST API's base URL.
func (c *controller) apiURL() string { return "http://" + c.ready.API }

// run runs an oflb client command against the controller's API and
// returns its standard output.
func (c *controller) run(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.bin, append(args, "--api", c.apiURL())...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("oflb %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// exited reports whether the controller has exited.
func (c *controller) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM (a graceful stop: switches keep their entries),
// waits up to 10 s, then kills.
func (c *controller) stop() error {
	if c == nil || c.cmd == nil || c.cmd.Process == nil || c.exited() {
		return nil
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(10 * time.Second)
	defer t.Stop()
	select {
	case <-c.done:
		return nil
	case <-t.C:
	}
	_ = c.cmd.Process.Kill()
	<-c.done
	return fmt.Errorf("oflb serve (pid %d) did not stop on SIGTERM within 10s: killed", c.cmd.Process.Pid)
}

// logTail returns the last n lines of the controller's output.
func (c *controller) logTail(n int) string {
	b, err := os.ReadFile(c.log)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	return tailLines(string(b), n)
}

// tailLines returns the last n lines of s, each indented.
func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	var sb strings.Builder
	for _, l := range lines {
		sb.WriteString("    ")
		sb.WriteString(l)
		sb.WriteByte('\n')
	}
	return sb.String()
}

// headLines returns the first n lines of s and how many there were.
func headLines(s string, n int) (string, int) {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return "", 0
	}
	lines := strings.Split(s, "\n")
	total := len(lines)
	if total > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n") + "\n", total
}
