package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/oflb/oflb/lb"
	ovslab "github.com/oflb/oflb/ovs-lab"
	"github.com/oflb/oflb/policy"
)

// setupOptions are what every lab command shares.
type setupOptions struct {
	oflb      string // --oflb
	policyDir string // --policy-dir
	clients   int    // --clients
	verbose   bool   // -v
	// dir is where the controller's config, ready file and log go; empty
	// makes a temporary one that close removes (unless the run failed).
	dir string
}

// session is a running lab: oflb serve, and the OVS lab connected to it.
type session struct {
	out     io.Writer
	dir     string
	tempDir bool
	pol     *policy.Policy
	ctrl    *controller
	lab     *ovslab.Lab
	failed  bool
}

// logf prints a progress line.
func (s *session) logf(format string, args ...any) {
	fmt.Fprintf(s.out, "==> "+format+"\n", args...)
}

// setup starts oflb serve and the lab, and waits until the switch is
// connected and holds every VIP's entry. On failure it tears down what it
// started.
func setup(ctx context.Context, out io.Writer, opts setupOptions) (_ *session, err error) {
	if os.Geteuid() != 0 {
		return nil, errors.New("the lab needs root (network namespaces, veth pairs, Open vSwitch): run it with sudo")
	}
	s := &session{out: out, dir: opts.dir}
	defer func() {
		if err != nil {
			s.failed = true
			err = errors.Join(err, s.close())
		}
	}()
	wd, _ := os.Getwd()
	root := moduleRoot(wd)
	if opts.policyDir == "" {
		if root == "" {
			return nil, errors.New("no policy directory: give --policy-dir or run inside the oflb source tree")
		}
		opts.policyDir = filepath.Join(root, "policy", "examples")
	}
	if s.pol, err = policy.Load(opts.policyDir, nil); err != nil {
		return nil, fmt.Errorf("policy %s:\n%w", opts.policyDir, err)
	}
	if s.dir == "" {
		if s.dir, err = os.MkdirTemp("", "oflb-lab-"); err != nil {
			return nil, err
		}
		s.tempDir = true
	} else if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return nil, err
	}
	bin, err := findOflb(ctx, opts.oflb, root, s.dir, s.logf)
	if err != nil {
		return nil, err
	}
	s.logf("starting %s serve (policy %s, %d VIPs)", bin, opts.policyDir, s.pol.Len())
	if s.ctrl, err = startController(ctx, bin, s.dir, opts.policyDir); err != nil {
		return nil, err
	}
	s.logf("oflb listens for switches on %s, API on %s", s.ctrl.ready.OpenFlow[0], s.ctrl.apiURL())

	lopts := ovslab.LabOptions{Controller: s.ctrl.target(), Clients: opts.clients}
	if opts.verbose {
		lopts.OVS.Logf = func(format string, args ...any) { fmt.Fprintf(out, "    "+format+"\n", args...) }
	}
	start := time.Now()
	if s.lab, err = ovslab.NewLab(ctx, lopts); err != nil {
		return nil, err
	}
	s.logf("lab %s up in %v: bridge %s (userspace datapath, fail-mode secure), clients %s, backends %s",
		s.lab.OVS.Suffix(), time.Since(start).Round(time.Millisecond), s.lab.Bridge.Name, hostList(s.lab.Clients), backendList(s.lab.Backends))

	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := s.lab.WaitController(wctx); err != nil {
		return nil, fmt.Errorf("%w\noflb log:\n%s", err, s.ctrl.logTail(20))
	}
	flows, err := s.lab.OVS.WaitFlows(wctx, s.lab.Bridge.Short, func(fs []ovslab.Flow) bool { return len(missingVIPs(s.pol, fs)) == 0 })
	if err != nil {
		return nil, fmt.Errorf("VIP entries %v never showed up: %w\noflb log:\n%s", missingVIPs(s.pol, flows), err, s.ctrl.logTail(20))
	}
	s.logf("switch connected; %d entries installed, one per VIP among them (%s)", len(flows), vipList(s.pol))
	return s, nil
}

// missingVIPs returns the VIPs of pol that have no VIP catch entry
// (cookie kind vip with the VIP's id) in flows.
func missingVIPs(pol *policy.Policy, flows []ovslab.Flow) []string {
	var missing []string
	for _, v := range pol.VIPs() {
		found := false
		for _, f := range flows {
			c := lb.Cookie(f.Cookie)
			if c.Kind() == lb.KindVIP && c.VIP() == uint16(v.ID) {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, v.FullName())
		}
	}
	return missing
}

// close tears down the lab and stops the controller; the directory goes
// too if it was temporary and nothing failed (else its path is printed).
func (s *session) close() error {
	var errs []error
	if s.lab != nil {
		errs = append(errs, s.lab.Close())
	}
	if s.ctrl != nil {
		errs = append(errs, s.ctrl.stop())
	}
	err := errors.Join(errs...)
	if s.dir != "" && s.tempDir {
		if s.failed || err != nil {
			fmt.Fprintf(s.out, "==> kept %s (controller config and log)\n", s.dir)
		} else {
			errs = append(errs, os.RemoveAll(s.dir))
		}
	}
	return errors.Join(errs...)
}

func hostList(hs []*ovslab.Host) string {
	var parts []string
	for _, h := range hs {
		parts = append(parts, h.Short+"="+h.Addr().String())
	}
	return strings.Join(parts, " ")
}

func backendList(bs []*ovslab.LabBackend) string {
	var parts []string
	for _, b := range bs {
		parts = append(parts, b.Spec.Name+"="+b.Spec.IP.String())
	}
	return strings.Join(parts, " ")
}

func vipList(pol *policy.Policy) string {
	var parts []string
	for _, v := range pol.VIPs() {
		parts = append(parts, fmt.Sprintf("%s %v:%d/%v", v.FullName(), v.Address, v.Port, v.Protocol))
	}
	return strings.Join(parts, ", ")
}
