package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"text/tabwriter"
	"time"
)

// DefaultStateDir is where `up` keeps a running lab's state.
const DefaultStateDir = "/tmp/oflb-lab"

// labState is what `up` writes to STATE/lab.json once the lab is ready,
// for `down` and for people.
type labState struct {
	PID      int         `json:"pid"`
	Suffix   string      `json:"suffix"`
	Bridge   string      `json:"bridge"`
	Mgmt     string      `json:"mgmt"`
	DBSocket string      `json:"db_socket"`
	OpenFlow string      `json:"openflow"`
	API      string      `json:"api"`
	Oflb     string      `json:"oflb"`
	OflbLog  string      `json:"oflb_log"`
	Hosts    []stateHost `json:"hosts"`
	VIPs     []string    `json:"vips"`
}

type stateHost struct {
	Name  string `json:"name"`
	Netns string `json:"netns"`
	IP    string `json:"ip"`
	Role  string `json:"role"`
}

func statePath(dir string) string { return filepath.Join(dir, "lab.json") }

// readState reads dir's lab.json; nil, nil if there is none.
func readState(dir string) (*labState, error) {
	b, err := os.ReadFile(statePath(dir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var st labState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", statePath(dir), err)
	}
	return &st, nil
}

// labAlive reports whether pid is a running oflb-lab.
func labAlive(pid int) bool {
	if pid <= 0 || syscall.Kill(pid, 0) != nil {
		return false
	}
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	return err == nil && bytes.Contains(cmdline, []byte("oflb-lab"))
}

// runUp starts `oflb-lab up --foreground` in a session of its own, waits
// until it reports the lab ready and prints how to use it.
func runUp(ctx context.Context, out io.Writer, opts setupOptions, args []string) error {
	if os.Geteuid() != 0 {
		return errors.New("the lab needs root: run it with sudo")
	}
	dir := opts.dir
	if st, err := readState(dir); err != nil {
		return err
	} else if st != nil && labAlive(st.PID) {
		return fmt.Errorf("a lab is already up (oflb-lab pid %d, state in %s): oflb-lab down --state %s first", st.PID, dir, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	_ = os.Remove(statePath(dir))
	self, err := os.Executable()
	if err != nil {
		return err
	}
	logPath := filepath.Join(dir, "oflb-lab.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(self, append([]string{"up", "--foreground"}, args...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	fmt.Fprintf(out, "==> starting the lab in the background (pid %d, log %s)\n", cmd.Process.Pid, logPath)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	timeout := time.NewTimer(3 * time.Minute)
	defer timeout.Stop()
	for {
		if st, err := readState(dir); err == nil && st != nil {
			printInstructions(out, dir, st)
			return nil
		}
		select {
		case err := <-exited:
			b, _ := os.ReadFile(logPath)
			return fmt.Errorf("the lab failed to come up (%v):\n%s", err, tailLines(string(b), 30))
		case <-ctx.Done():
			_ = cmd.Process.Signal(syscall.SIGTERM)
			return ctx.Err()
		case <-timeout.C:
			_ = cmd.Process.Signal(syscall.SIGTERM)
			return fmt.Errorf("the lab was not up after 3 minutes; see %s", logPath)
		case <-tick.C:
		}
	}
}

// runForeground is the background half of `up`: it builds the lab,
// writes lab.json and holds everything until SIGTERM or SIGINT.
func runForeground(ctx context.Context, out io.Writer, opts setupOptions) (err error) {
	s, err := setup(ctx, out, opts)
	if err != nil {
		return err
	}
	defer func() {
		_ = os.Remove(statePath(opts.dir))
		s.logf("tearing down")
		err = errors.Join(err, s.close())
		if err == nil {
			s.logf("lab removed, oflb stopped")
		}
	}()
	st := labState{
		PID: os.Getpid(), Suffix: s.lab.OVS.Suffix(), Bridge: s.lab.Bridge.Name, Mgmt: s.lab.Bridge.Mgmt,
		DBSocket: s.lab.OVS.DBSocket(), OpenFlow: s.ctrl.ready.OpenFlow[0], API: s.ctrl.apiURL(),
		Oflb: s.ctrl.bin, OflbLog: s.ctrl.log,
	}
	for _, h := range s.lab.Clients {
		st.Hosts = append(st.Hosts, stateHost{Name: h.Short, Netns: h.Netns, IP: h.Addr().String(), Role: "client"})
	}
	for _, b := range s.lab.Backends {
		role := "backend"
		for _, p := range b.Spec.Ports {
			role += " " + p.String()
		}
		st.Hosts = append(st.Hosts, stateHost{Name: b.Spec.Name, Netns: b.Host.Netns, IP: b.Spec.IP.String(), Role: role})
	}
	for _, v := range s.pol.VIPs() {
		st.VIPs = append(st.VIPs, fmt.Sprintf("%s %v:%d/%v (%s)", v.FullName(), v.Address, v.Port, v.Protocol, v.Scheduler))
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp := statePath(opts.dir) + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, statePath(opts.dir)); err != nil {
		return err
	}
	s.logf("lab up; waiting for SIGTERM (oflb-lab down)")
	select {
	case <-ctx.Done():
	case <-s.ctrl.done:
		return fmt.Errorf("oflb serve exited (%v):\n%s", s.ctrl.err, s.ctrl.logTail(20))
	}
	return nil
}

// printInstructions tells how to use a lab that is up.
func printInstructions(out io.Writer, dir string, st *labState) {
	fmt.Fprintf(out, "\nlab %s is up (oflb-lab pid %d; state in %s)\n\n", st.Suffix, st.PID, dir)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  host\taddress\tnamespace\trole")
	for _, h := range st.Hosts {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", h.Name, h.IP, h.Netns, h.Role)
	}
	tw.Flush()
	fmt.Fprintf(out, "\nVIPs (served by oflb on %s, OpenFlow on %s):\n", st.API, st.OpenFlow)
	for _, v := range st.VIPs {
		fmt.Fprintf(out, "  %s\n", v)
	}
	client := "h1"
	if len(st.Hosts) > 0 {
		client = st.Hosts[0].Netns
	}
	fmt.Fprintf(out, `
Try:
  ip netns exec %[1]s curl -s http://10.0.0.100/
  ip netns exec %[1]s python3 -c 'import urllib.request as u; print(u.urlopen("http://10.0.0.100/").read().decode(), end="")'
  ovs-ofctl -O OpenFlow13 dump-flows unix:%[2]s
  ovs-vsctl --db=unix:%[3]s show
  %[4]s --api %[5]s vips
  %[4]s --api %[5]s flows
  tail -f %[6]s

Stop it with: oflb-lab down --state %[7]s
`, client, st.Mgmt, st.DBSocket, st.Oflb, st.API, st.OflbLog, dir)
}

// runDown stops the lab that `up` left running in dir.
func runDown(out io.Writer, dir string) error {
	st, err := readState(dir)
	if err != nil {
		return err
	}
	if st == nil || !labAlive(st.PID) {
		_ = os.Remove(statePath(dir))
		fmt.Fprintf(out, "no lab is up (state dir %s)\n", dir)
		return nil
	}
	fmt.Fprintf(out, "==> stopping lab %s (oflb-lab pid %d)\n", st.Suffix, st.PID)
	if err := syscall.Kill(st.PID, syscall.SIGTERM); err != nil {
		return err
	}
	deadline := time.Now().Add(90 * time.Second)
	for labAlive(st.PID) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(st.PID, syscall.SIGKILL)
			return fmt.Errorf("lab pid %d did not stop within 90s: killed (its OVS instance is swept by the next lab)", st.PID)
		}
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Fprintln(out, "==> lab down")
	return nil
}
