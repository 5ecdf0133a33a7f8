package ovslab

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Schema is the OVS database schema the instances are created from.
const Schema = "/usr/share/openvswitch/vswitch.ovsschema"

// DefaultBaseDir is where instance directories are created. It is fixed
// (not $TMPDIR) so that every test binary on the machine, whatever its
// environment, sees the same instance directories and so the same set of
// live instances when it sweeps; and it is short, because the Unix socket
// paths inside must fit in 108 bytes.
const DefaultBaseDir = "/tmp"

// dirPrefix starts the name of every instance directory: DIR is
// BASE/ovslab-<suffix>.
const dirPrefix = "ovslab-"

// Options configures [Start]. The zero value is ready to use.
type Options struct {
	// BaseDir is where the instance directory is created; empty means
	// DefaultBaseDir. Only instances with the same BaseDir see each other
	// when sweeping.
	BaseDir string
	// StartTimeout bounds how long Start waits for each daemon to become
	// ready, on top of the context; zero means 30 seconds.
	StartTimeout time.Duration
	// KeepDir keeps the instance directory (database and logs) after Close,
	// for debugging. Sockets and pid files are left too.
	KeepDir bool
	// NoSweep skips the sweep of stale resources that Start runs first.
	NoSweep bool
	// Logf, if set, receives progress and sweep messages (t.Logf fits).
	Logf func(format string, args ...any)
	// DatapathType is the datapath_type of the instance's bridges: empty
	// or DatapathDummy (the default), or DatapathNetdev. See DatapathDummy
	// for why the default is not "netdev".
	DatapathType string
}

// Datapath types for Options.DatapathType. Both are Open vSwitch's
// userspace datapath (dpif-netdev: the same flow tables, megaflow cache,
// conntrack and NAT); they differ only in how the datapath's and bridges'
// own internal ports are made.
const (
	// DatapathDummy ("dummy", ovs-vswitchd started with --enable-dummy)
	// makes internal ports plain userspace ports. It is the default
	// because "netdev" cannot run twice on one machine: every netdev
	// datapath opens a kernel tap device named "ovs-netdev", and a second
	// ovs-vswitchd fails to create its bridges with EBUSY. Ports that are
	// Linux devices (the hosts' veth ends) work the same in both.
	DatapathDummy = "dummy"
	// DatapathNetdev ("netdev") gives each bridge a kernel tap device as
	// its local port. Only one instance of this type can run on the
	// machine at a time.
	DatapathNetdev = "netdev"
)

// OVS is one private Open vSwitch instance: an ovsdb-server and an
// ovs-vswitchd run as children of the test binary, with their database,
// sockets, pid files and logs in one directory. Its bridges and hosts carry
// its suffix in their names, so several instances run side by side.
//
// Its methods are safe for concurrent use. Close stops everything it
// started, even after a test failed midway.
type OVS struct {
	dir     string
	suffix  string
	opts    Options
	lock    *os.File // flock held for the life of the instance
	timeout time.Duration

	mu       sync.Mutex
	db       *Process
	vswitchd *Process
	bridges  map[string]*Bridge // by real name
	hosts    map[string]*Host   // by real name
	closed   bool

	closeOnce sync.Once
	closeErr  error
}

// Suffix returns the instance's unique suffix: "ol" and four hex digits,
// e.g. "ol3fa2". Every bridge, link and namespace the instance creates is
// named NAME-SUFFIX, which is how [Sweep] recognises them.
func (o *OVS) Suffix() string { return o.suffix }

// DatapathType returns the datapath_type of the instance's bridges.
func (o *OVS) DatapathType() string { return o.opts.DatapathType }

// Dir returns the instance directory: database, sockets, pid files, logs.
func (o *OVS) Dir() string { return o.dir }

// DBSocket returns the path of the ovsdb-server Unix socket.
func (o *OVS) DBSocket() string { return filepath.Join(o.dir, "db.sock") }

// Name returns the machine-wide name of the instance's bridge, host link or
// namespace called name: name + "-" + Suffix(). If name already carries the
// suffix it is returned unchanged.
func (o *OVS) Name(name string) string {
	if strings.HasSuffix(name, "-"+o.suffix) {
		return name
	}
	return name + "-" + o.suffix
}

// VSwitchdPID returns the pid of the running ovs-vswitchd.
func (o *OVS) VSwitchdPID() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.vswitchd.PID()
}

// DBServerPID returns the pid of the running ovsdb-server.
func (o *OVS) DBServerPID() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.db.PID()
}

// Start creates a private Open vSwitch instance: a fresh database in a new
// directory, an ovsdb-server and an ovs-vswitchd, and returns once
// ovs-vswitchd has applied the database. It first sweeps resources left by
// crashed runs (see [Sweep]) unless opts.NoSweep. Close the instance when
// done (see [OVS.Cleanup]).
func Start(ctx context.Context, opts Options) (_ *OVS, err error) {
	if opts.BaseDir == "" {
		opts.BaseDir = DefaultBaseDir
	}
	switch opts.DatapathType {
	case "":
		opts.DatapathType = DatapathDummy
	case DatapathDummy, DatapathNetdev:
	default:
		return nil, fmt.Errorf("ovslab: unknown datapath type %q", opts.DatapathType)
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 30 * time.Second
	}
	if !opts.NoSweep {
		if err := sweep(opts.BaseDir, opts.Logf); err != nil {
			opts.logf("ovslab: sweep: %v", err)
		}
	}
	o := &OVS{
		opts:    opts,
		timeout: opts.StartTimeout,
		bridges: make(map[string]*Bridge),
		hosts:   make(map[string]*Host),
	}
	if err := o.makeDir(); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			if cerr := o.Close(); cerr != nil {
				err = errors.Join(err, cerr)
			}
		}
	}()
	if _, err := runTool(ctx, o.env(), nil, "ovsdb-tool", "create", filepath.Join(o.dir, "conf.db"), Schema); err != nil {
		return nil, err
	}
	if err := o.startDB(ctx); err != nil {
		return nil, err
	}
	if err := o.startVSwitchd(ctx); err != nil {
		return nil, err
	}
	o.opts.logf("ovslab: instance %s started in %s (ovsdb-server %d, ovs-vswitchd %d)", o.suffix, o.dir, o.db.PID(), o.vswitchd.PID())
	return o, nil
}

func (opts Options) logf(format string, args ...any) {
	if opts.Logf != nil {
		opts.Logf(format, args...)
	}
}

// makeDir creates the instance directory with its lock held, under a
// unique suffix. The directory is built under a temporary name and renamed
// into place only once its lock file is locked, so a concurrent sweeper
// never sees an unlocked directory of a live instance; renaming onto an
// existing (non-empty) instance directory fails, which makes the suffix
// unique machine-wide.
func (o *OVS) makeDir() error {
	base := o.opts.BaseDir
	tmp, err := os.MkdirTemp(base, dirPrefix+"tmp-")
	if err != nil {
		return fmt.Errorf("ovslab: create instance directory: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(tmp, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("ovslab: create lock: %w", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		os.RemoveAll(tmp)
		return fmt.Errorf("ovslab: lock instance directory: %w", err)
	}
	for range 100 {
		var r [2]byte
		if _, err := rand.Read(r[:]); err != nil {
			break
		}
		suffix := "ol" + hex.EncodeToString(r[:])
		dir := filepath.Join(base, dirPrefix+suffix)
		if err := os.Rename(tmp, dir); err != nil {
			if errors.Is(err, os.ErrExist) || errors.Is(err, syscall.ENOTEMPTY) {
				continue
			}
			lock.Close()
			os.RemoveAll(tmp)
			return fmt.Errorf("ovslab: create instance directory: %w", err)
		}
		o.dir, o.suffix, o.lock = dir, suffix, lock
		return nil
	}
	lock.Close()
	os.RemoveAll(tmp)
	return errors.New("ovslab: create instance directory: no free suffix")
}

// env is the environment of every OVS tool and daemon of the instance:
// everything OVS would put in its system directories goes to DIR instead.
func (o *OVS) env() []string {
	env := slices.DeleteFunc(os.Environ(), func(s string) bool {
		return strings.HasPrefix(s, "OVS_")
	})
	return append(env,
		"OVS_RUNDIR="+o.dir,
		"OVS_LOGDIR="+o.dir,
		"OVS_DBDIR="+o.dir,
		"OVS_SYSCONFDIR="+o.dir,
		"OVS_PKGDATADIR=/usr/share/openvswitch",
	)
}

// daemon starts one OVS daemon with its pid file, control socket and log
// in DIR, console logging off, and its stdout/stderr in DIR/NAME.out.
func (o *OVS) daemon(name string, args ...string) (*Process, error) {
	out, err := os.OpenFile(filepath.Join(o.dir, name+".out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("ovslab: %s output: %w", name, err)
	}
	defer out.Close() // the child has its own copy
	args = append(args,
		"--pidfile="+filepath.Join(o.dir, name+".pid"),
		"--unixctl="+filepath.Join(o.dir, name+".ctl"),
		"--log-file="+filepath.Join(o.dir, name+".log"),
		"-vconsole:off",
	)
	cmd := exec.Command(name, args...)
	cmd.Env = o.env()
	cmd.Dir = o.dir
	cmd.Stdout, cmd.Stderr = out, out
	return startProcess(name, cmd)
}

func (o *OVS) startDB(ctx context.Context) error {
	p, err := o.daemon("ovsdb-server", filepath.Join(o.dir, "conf.db"), "--remote=punix:"+o.DBSocket())
	if err != nil {
		return err
	}
	o.mu.Lock()
	o.db = p
	o.mu.Unlock()
	return o.poll(ctx, "ovsdb-server", p, func(ctx context.Context) error {
		_, err := o.vsctl(ctx, "--no-wait", "--timeout=2", "init")
		return err
	})
}

func (o *OVS) startVSwitchd(ctx context.Context) error {
	p, err := o.daemon("ovs-vswitchd", "unix:"+o.DBSocket(), "--enable-dummy")
	if err != nil {
		return err
	}
	o.mu.Lock()
	o.vswitchd = p
	o.mu.Unlock()
	// Without --no-wait, ovs-vsctl bumps next_cfg and waits until
	// ovs-vswitchd has applied it: the daemon is connected and has
	// configured every bridge of the database.
	return o.poll(ctx, "ovs-vswitchd", p, func(ctx context.Context) error {
		_, err := o.vsctl(ctx, "--timeout=5", "set", "Open_vSwitch", ".", "external_ids:ovslab-instance="+o.suffix)
		return err
	})
}

// poll calls probe until it succeeds, the daemon exits, ctx ends or the
// start timeout passes; a failure carries the probe's last error and the
// tail of the daemon's log.
func (o *OVS) poll(ctx context.Context, name string, p *Process, probe func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		err := probe(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-p.Done():
			return fmt.Errorf("ovslab: %s exited while starting (%v): %w\n%s", name, p.Wait(), err, o.LogTail(name, 20))
		case <-ctx.Done():
			return fmt.Errorf("ovslab: %s not ready: %w (last probe: %v)\n%s", name, ctx.Err(), err, o.LogTail(name, 20))
		case <-tick.C:
		}
	}
}

// LogTail returns the last n lines of a daemon's log ("ovs-vswitchd" or
// "ovsdb-server") and of its stdout/stderr, for failure messages.
func (o *OVS) LogTail(daemon string, n int) string {
	var sb strings.Builder
	for _, f := range []string{daemon + ".log", daemon + ".out"} {
		b, err := os.ReadFile(filepath.Join(o.dir, f))
		if err != nil || len(b) == 0 {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
		if len(lines) > n {
			lines = lines[len(lines)-n:]
		}
		fmt.Fprintf(&sb, "--- %s (last %d lines)\n%s\n", f, len(lines), strings.Join(lines, "\n"))
	}
	return sb.String()
}

// toolTimeout bounds every ovs-vsctl/ovs-ofctl/ip call that has no context
// of its own.
const toolTimeout = 60 * time.Second

// runTool runs a short-lived tool and returns its standard output. A
// failure wraps the exec error with the command line and standard error.
func runTool(ctx context.Context, env []string, stdin io.Reader, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	cmd.Stdin = stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("ovslab: %s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

func (o *OVS) vsctl(ctx context.Context, args ...string) (string, error) {
	return runTool(ctx, o.env(), nil, "ovs-vsctl", append([]string{"--db=unix:" + o.DBSocket()}, args...)...)
}

// Vsctl runs ovs-vsctl against this instance's database and returns its
// standard output. Unless args set their own --timeout, ovs-vsctl waits at
// most 30 seconds for ovs-vswitchd to apply a change.
func (o *OVS) Vsctl(args ...string) (string, error) {
	return o.VsctlContext(context.Background(), args...)
}

// VsctlContext is Vsctl bounded by ctx.
func (o *OVS) VsctlContext(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, toolTimeout)
	defer cancel()
	if !slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--timeout") }) {
		args = append([]string{"--timeout=30"}, args...)
	}
	return o.vsctl(ctx, args...)
}

// Ofctl runs `ovs-ofctl -O OpenFlow13 args...` against this instance. The
// switch argument (args[1], as in `add-flow BR FLOW` or `dump-flows BR`)
// may name a bridge of this instance by its short or full name; it is
// replaced by the bridge's management socket unix:DIR/BR.mgmt.
func (o *OVS) Ofctl(args ...string) (string, error) {
	return o.OfctlContext(context.Background(), nil, args...)
}

// OfctlContext is Ofctl bounded by ctx, with stdin as ovs-ofctl's standard
// input (for file arguments given as "-"); stdin may be nil.
func (o *OVS) OfctlContext(ctx context.Context, stdin io.Reader, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, toolTimeout)
	defer cancel()
	args = slices.Clone(args)
	if len(args) >= 2 {
		if b := o.lookupBridge(args[1]); b != nil {
			args[1] = "unix:" + b.Mgmt
		}
	}
	return runTool(ctx, o.env(), stdin, "ovs-ofctl", append([]string{"-O", "OpenFlow13"}, args...)...)
}

// Appctl runs ovs-appctl against this instance's ovs-vswitchd.
func (o *OVS) Appctl(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	return runTool(ctx, o.env(), nil, "ovs-appctl", append([]string{"-t", filepath.Join(o.dir, "ovs-vswitchd.ctl")}, args...)...)
}

// RestartVSwitchd stops ovs-vswitchd (SIGTERM, then SIGKILL after 5 s) and
// starts it again on the same database, as happens when the switch daemon
// crashes or is upgraded: bridges, ports and controllers come back from the
// database, flow tables come back empty. It returns once the new daemon has
// applied the database and answers on every bridge's management socket.
func (o *OVS) RestartVSwitchd(ctx context.Context) error {
	o.mu.Lock()
	old := o.vswitchd
	closed := o.closed
	o.mu.Unlock()
	if closed {
		return errors.New("ovslab: restart ovs-vswitchd: instance closed")
	}
	if err := old.Stop(5 * time.Second); err != nil {
		return fmt.Errorf("ovslab: restart ovs-vswitchd: %w", err)
	}
	if err := o.startVSwitchd(ctx); err != nil {
		return fmt.Errorf("ovslab: restart ovs-vswitchd: %w", err)
	}
	o.mu.Lock()
	p := o.vswitchd
	o.mu.Unlock()
	for _, b := range o.Bridges() {
		if err := o.poll(ctx, "ovs-vswitchd", p, func(ctx context.Context) error {
			_, err := o.OfctlContext(ctx, nil, "show", b.Name)
			return err
		}); err != nil {
			return fmt.Errorf("ovslab: restart ovs-vswitchd: bridge %s: %w", b.Name, err)
		}
	}
	return nil
}

// Close tears the instance down: every host (its processes, namespace and
// link), every bridge, ovs-vswitchd, ovsdb-server, any link still carrying
// the suffix, and the directory (unless Options.KeepDir). It goes on past
// failures and returns them all joined. Calling it again returns the same
// result.
func (o *OVS) Close() error {
	o.closeOnce.Do(func() { o.closeErr = o.close() })
	return o.closeErr
}

func (o *OVS) close() error {
	o.mu.Lock()
	o.closed = true
	hosts := make([]*Host, 0, len(o.hosts))
	for _, h := range o.hosts {
		hosts = append(hosts, h)
	}
	bridges := make([]*Bridge, 0, len(o.bridges))
	for _, b := range o.bridges {
		bridges = append(bridges, b)
	}
	db, vswitchd := o.db, o.vswitchd
	o.mu.Unlock()

	var errs []error
	for _, h := range hosts {
		errs = append(errs, h.Close())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if vswitchd != nil && !vswitchd.Exited() {
		for _, b := range bridges {
			if _, err := o.vsctl(ctx, "--timeout=10", "--if-exists", "del-br", b.Name); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if vswitchd != nil {
		errs = append(errs, vswitchd.Stop(5*time.Second))
	}
	if db != nil {
		errs = append(errs, db.Stop(5*time.Second))
	}
	// ovs-vswitchd removes its bridges' tap devices when it exits, and the
	// hosts removed their links; anything left with the suffix is ours.
	if o.suffix != "" {
		errs = append(errs, deleteLinks(ctx, func(name string) bool { return strings.HasSuffix(name, "-"+o.suffix) }))
	}
	if o.dir != "" && !o.opts.KeepDir {
		if err := os.RemoveAll(o.dir); err != nil {
			errs = append(errs, fmt.Errorf("ovslab: remove %s: %w", o.dir, err))
		}
	}
	if o.lock != nil {
		o.lock.Close() // releases the flock: the suffix is free again
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("ovslab: close instance %s: %w", o.suffix, err)
	}
	return nil
}

// Cleanup registers Close with t.Cleanup. If the test failed, it first logs
// the tails of both daemons' logs. A Close error fails the test.
func (o *OVS) Cleanup(t testing.TB) {
	t.Helper()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("ovslab %s logs:\n%s%s", o.suffix, o.LogTail("ovs-vswitchd", 40), o.LogTail("ovsdb-server", 10))
		}
		if err := o.Close(); err != nil {
			t.Errorf("ovslab: %v", err)
		}
	})
}

// StartT starts an instance for a test with t.Logf as logger, registers
// its Close with t.Cleanup and fails the test at once if it cannot start.
func StartT(t testing.TB, opts Options) *OVS {
	t.Helper()
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	o, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("ovslab: %v", err)
	}
	o.Cleanup(t)
	return o
}

// nameRE is what a short name of a bridge or host may look like: with the
// "-olXXXX" suffix it fits the 15-byte limit of Linux interface names.
var nameRE = regexp.MustCompile(`^[a-z][a-z0-9]{0,7}$`)

// checkName validates a short name given to AddBridge or AddHost.
func checkName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("ovslab: bad name %q: want 1-8 lower-case letters and digits, starting with a letter", name)
	}
	return nil
}
