package ovslab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// HostIface is the name of a host's interface inside its namespace.
const HostIface = "eth0"

// HostOptions configures [OVS.AddHost].
type HostOptions struct {
	// IP is the address and prefix of the host's interface, e.g.
	// 10.0.0.1/24; the zero value leaves it without an IPv4 address.
	IP netip.Prefix
	// MAC is the interface's Ethernet address (6 bytes); nil lets the
	// kernel pick a random one.
	MAC net.HardwareAddr
	// Bridge is the bridge (short or full name) the host is plugged into.
	Bridge string
	// OFPort, if positive, requests that OpenFlow port number
	// (ofport_request).
	OFPort int
	// Gateway, if valid, becomes the default route.
	Gateway netip.Addr
	// IPv6 keeps IPv6 enabled on the host's links. By default it is
	// disabled on both ends, so that router solicitations and MLD reports
	// do not show up as unexpected packets or packet-ins.
	IPv6 bool
}

// Host is a network namespace plugged into a bridge by a veth pair: the
// namespace is NAME-SUFFIX, its interface is eth0, and the other end of the
// pair, also NAME-SUFFIX, is a port of the bridge.
type Host struct {
	// Short is the name given to AddHost.
	Short string
	// Netns is the namespace name (see /run/netns).
	Netns string
	// Link is the bridge-side end of the veth pair: the OVS interface name.
	Link string
	// OFPort is the OpenFlow port number of Link on the bridge.
	OFPort int
	// IP is the host's address, MAC its Ethernet address (as set, or as
	// the kernel chose).
	IP  netip.Prefix
	MAC net.HardwareAddr
	// Bridge is the bridge's full name.
	Bridge string

	ovs *OVS

	mu     sync.Mutex
	procs  []*Process
	closed bool

	closeOnce sync.Once
	closeErr  error
}

// AddHost creates a host named name-SUFFIX (name: 1-8 lower-case letters
// and digits): a namespace, a veth pair with eth0 inside it and the other
// end on opts.Bridge, addresses and MAC set, links up, loopback up, and TX
// checksum offload off inside the namespace (with it on, TCP through the
// userspace datapath fails). It returns once OVS has given the port a
// number. OVS.Close closes the host; Host.Close removes it earlier.
func (o *OVS) AddHost(name string, opts HostOptions) (_ *Host, err error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	br := o.lookupBridge(opts.Bridge)
	if br == nil {
		return nil, fmt.Errorf("ovslab: add host %s: no bridge %q", name, opts.Bridge)
	}
	real := o.Name(name)
	h := &Host{Short: name, Netns: real, Link: real, IP: opts.IP, MAC: slices.Clone(opts.MAC), Bridge: br.Name, ovs: o}

	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return nil, errors.New("ovslab: add host: instance closed")
	}
	if _, ok := o.hosts[real]; ok {
		o.mu.Unlock()
		return nil, fmt.Errorf("ovslab: add host %s: already exists", real)
	}
	// Registered first so that OVS.Close removes a half-made host.
	o.hosts[real] = h
	o.mu.Unlock()
	defer func() {
		if err != nil {
			err = errors.Join(fmt.Errorf("ovslab: add host %s: %w", real, err), h.Close())
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	ip := func(args ...string) error {
		_, err := runTool(ctx, nil, nil, "ip", args...)
		return err
	}
	inNS := func(name string, args ...string) error {
		_, err := runTool(ctx, nil, nil, "ip", append([]string{"netns", "exec", h.Netns, name}, args...)...)
		return err
	}
	if err := ip("netns", "add", h.Netns); err != nil {
		return nil, err
	}
	if err := ip("link", "add", h.Link, "type", "veth", "peer", "name", HostIface, "netns", h.Netns); err != nil {
		return nil, err
	}
	if !opts.IPv6 {
		// The bridge side sends nothing of its own either.
		_ = os.WriteFile(filepath.Join("/proc/sys/net/ipv6/conf", h.Link, "disable_ipv6"), []byte("1"), 0o644)
		// /proc/sys/net belongs to the network namespace of the thread
		// that opens it: write it from inside.
		if err := h.Do(func() error {
			for _, conf := range []string{"all", "default", HostIface} {
				path := filepath.Join("/proc/sys/net/ipv6/conf", conf, "disable_ipv6")
				if err := os.WriteFile(path, []byte("1"), 0o644); err != nil && !errors.Is(err, os.ErrNotExist) {
					return err
				}
			}
			return nil
		}); err != nil {
			return nil, fmt.Errorf("disable IPv6: %w", err)
		}
	}
	if opts.MAC != nil {
		if len(opts.MAC) != 6 {
			return nil, fmt.Errorf("bad MAC %v: want 6 bytes", opts.MAC)
		}
		if err := ip("-n", h.Netns, "link", "set", HostIface, "address", opts.MAC.String()); err != nil {
			return nil, err
		}
	}
	if opts.IP.IsValid() {
		if err := ip("-n", h.Netns, "addr", "add", opts.IP.String(), "dev", HostIface); err != nil {
			return nil, err
		}
	}
	for _, args := range [][]string{
		{"-n", h.Netns, "link", "set", "lo", "up"},
		{"-n", h.Netns, "link", "set", HostIface, "up"},
		{"link", "set", h.Link, "up"},
	} {
		if err := ip(args...); err != nil {
			return nil, err
		}
	}
	if err := inNS("ethtool", "-K", HostIface, "tx", "off"); err != nil {
		return nil, err
	}
	if opts.Gateway.IsValid() {
		if err := ip("-n", h.Netns, "route", "add", "default", "via", opts.Gateway.String()); err != nil {
			return nil, err
		}
	}
	if opts.MAC == nil {
		if h.MAC, err = h.readMAC(); err != nil {
			return nil, err
		}
	}
	args := []string{"add-port", br.Name, h.Link}
	if opts.OFPort > 0 {
		args = append(args, "--", "set", "Interface", h.Link, "ofport_request="+strconv.Itoa(opts.OFPort))
	}
	if _, err := o.Vsctl(args...); err != nil {
		return nil, err
	}
	if h.OFPort, err = o.OFPort(h.Link); err != nil {
		return nil, err
	}
	return h, nil
}

// readMAC reads the Ethernet address of eth0 inside the namespace.
func (h *Host) readMAC() (net.HardwareAddr, error) {
	var mac net.HardwareAddr
	err := h.Do(func() error {
		ifi, err := net.InterfaceByName(HostIface)
		if err != nil {
			return err
		}
		if len(ifi.HardwareAddr) != 6 {
			return fmt.Errorf("%s has no Ethernet address", HostIface)
		}
		mac = ifi.HardwareAddr
		return nil
	})
	if err != nil {
		return mac, fmt.Errorf("ovslab: read MAC of %s: %w", h.Netns, err)
	}
	return mac, nil
}

// Addr returns the host's IPv4 address without the prefix length.
func (h *Host) Addr() netip.Addr { return h.IP.Addr() }

// Command returns a command that runs name with args inside the host's
// namespace (through `ip netns exec`). The caller runs and waits for it;
// ctx kills it.
func (h *Host) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", h.Netns, name}, args...)...)
}

// Exec runs name with args inside the namespace and returns its combined
// output; a failure is wrapped with the command line and the output.
func (h *Host) Exec(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := h.Command(ctx, name, args...)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("ovslab: %s: %s %v: %w: %s", h.Netns, name, args, err, bytes.TrimSpace(out))
	}
	return out, nil
}

// Start starts name with args inside the namespace as a background
// process, tracked by PID: Host.Close (and so OVS.Close) stops it, and the
// kernel kills it if the test binary dies. Its output is in
// Process.Output.
func (h *Host) Start(name string, args ...string) (*Process, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, fmt.Errorf("ovslab: start %s in %s: host closed", name, h.Netns)
	}
	cmd := exec.Command("ip", append([]string{"netns", "exec", h.Netns, name}, args...)...)
	out := new(syncBuffer)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = time.Second
	p, err := startProcess(name, cmd)
	if err != nil {
		return nil, fmt.Errorf("ovslab: in %s: %w", h.Netns, err)
	}
	p.out = out
	h.procs = append(h.procs, p)
	return p, nil
}

// Do runs f on an OS thread that has entered the host's network namespace,
// and returns f's error. Sockets that f opens belong to the namespace for
// their whole life, so f may open them and hand them to any goroutine:
// this is how tests open real TCP and UDP connections between hosts
// without external tools (see [Host.Listen], [Host.DialContext]).
//
// f must not start goroutines that expect to run in the namespace: only
// the calling goroutine's thread is switched. If the thread cannot switch
// back, it is left locked and so discarded by the runtime when f returns.
func (h *Host) Do(f func() error) error {
	target, err := os.Open(filepath.Join("/run/netns", h.Netns))
	if err != nil {
		return fmt.Errorf("ovslab: enter %s: %w", h.Netns, err)
	}
	defer target.Close()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("ovslab: enter %s: %w", h.Netns, err)
			return
		}
		defer orig.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("ovslab: enter %s: setns: %w", h.Netns, err)
			return
		}
		defer func() {
			if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err == nil {
				runtime.UnlockOSThread()
			}
		}()
		errc <- f()
	}()
	return <-errc
}

// Listen opens a listener inside the namespace (net.Listen semantics,
// e.g. Listen("tcp", ":8080")).
func (h *Host) Listen(network, address string) (net.Listener, error) {
	var l net.Listener
	err := h.Do(func() (err error) {
		l, err = net.Listen(network, address)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ovslab: %s: listen: %w", h.Netns, err)
	}
	return l, nil
}

// ListenPacket opens a packet socket inside the namespace (net.ListenPacket
// semantics, e.g. ListenPacket("udp", ":5353")).
func (h *Host) ListenPacket(network, address string) (net.PacketConn, error) {
	var c net.PacketConn
	err := h.Do(func() (err error) {
		c, err = net.ListenPacket(network, address)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ovslab: %s: listen packet: %w", h.Netns, err)
	}
	return c, nil
}

// DialContext connects from inside the namespace (net.Dialer semantics).
func (h *Host) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	var c net.Conn
	err := h.Do(func() (err error) {
		var d net.Dialer
		c, err = d.DialContext(ctx, network, address)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ovslab: %s: dial: %w", h.Netns, err)
	}
	return c, nil
}

// SetLink brings the bridge-side end of the host's veth pair up or down,
// which changes the OpenFlow port's link state (a PORT_STATUS with
// OFPPS_LINK_DOWN set or cleared).
func (h *Host) SetLink(up bool) error {
	state := "down"
	if up {
		state = "up"
	}
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	if _, err := runTool(ctx, nil, nil, "ip", "link", "set", h.Link, state); err != nil {
		return fmt.Errorf("ovslab: set %s %s: %w", h.Link, state, err)
	}
	return nil
}

// Close stops the host's processes, removes its port from the bridge,
// deletes its link and namespace, and returns every failure joined.
// Calling it again returns the same result.
func (h *Host) Close() error {
	h.closeOnce.Do(func() { h.closeErr = h.close() })
	return h.closeErr
}

func (h *Host) close() error {
	h.mu.Lock()
	h.closed = true
	procs := h.procs
	h.mu.Unlock()
	var errs []error
	for _, p := range procs {
		errs = append(errs, p.Stop(2*time.Second))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h.ovs.mu.Lock()
	vswitchd := h.ovs.vswitchd
	h.ovs.mu.Unlock()
	if vswitchd != nil && !vswitchd.Exited() {
		if _, err := h.ovs.vsctl(ctx, "--timeout=10", "--if-exists", "del-port", h.Bridge, h.Link); err != nil {
			errs = append(errs, err)
		}
	}
	if linkExists(h.Link) {
		if _, err := runTool(ctx, nil, nil, "ip", "link", "del", h.Link); err != nil {
			errs = append(errs, err)
		}
	}
	if _, err := os.Stat(filepath.Join("/run/netns", h.Netns)); err == nil {
		if _, err := runTool(ctx, nil, nil, "ip", "netns", "del", h.Netns); err != nil {
			errs = append(errs, err)
		}
	}
	h.ovs.mu.Lock()
	delete(h.ovs.hosts, h.Netns)
	h.ovs.mu.Unlock()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("ovslab: close host %s: %w", h.Netns, err)
	}
	return nil
}

// Cleanup registers Close with t.Cleanup; a Close error fails the test.
func (h *Host) Cleanup(t testing.TB) {
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Errorf("%v", err)
		}
	})
}

// linkExists reports whether a link of that name exists in the test
// binary's namespace.
func linkExists(name string) bool {
	_, err := os.Stat(filepath.Join("/sys/class/net", name))
	return err == nil
}

// syncBuffer is a bytes.Buffer safe for a writer and concurrent readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
