package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	ovslab "github.com/oflb/oflb/ovs-lab"
)

// The lab: one Open vSwitch instance per suite process, one secure-mode
// bridge, two clients and three backends (b1, b2, b3 at 10.0.0.11-13). Spec groups attach their own
// controller to the bridge and leave it empty and controller-less when
// they end.
const (
	bridge = "br0"
	vipIP  = "10.0.0.100"

	// Ports the backends serve: the lab's HTTP and UDP echo servers
	// (see ovslab.Lab), and the suite's own ident server for
	// connections that must stay open.
	httpPort  = 8080 // HTTP: body "backend NAME\nclient IP:PORT\n"
	udpPort   = 5353 // UDP: "backend NAME PAYLOAD" to each datagram
	identPort = 7000 // TCP: "NAME CLIENT\n" on accept, then echoes lines

	// numSecondary client addresses are added to h1, from 10.0.0.128 up,
	// so that consistent hashing sees many clients.
	numSecondary = 40
)

// suite is the state shared by every spec of the process.
var suite struct {
	bin     string // the oflb binary
	lab     *ovslab.Lab
	ovs     *ovslab.OVS
	clients []*ovslab.Host // h1, h2 at 10.0.0.1-2
	// secondary are h1's extra addresses.
	secondary []netip.Addr
}

// moduleRoot returns the directory of go.mod.
func moduleRoot() string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	Expect(err).NotTo(HaveOccurred(), "go env GOMOD")
	gomod := strings.TrimSpace(string(out))
	Expect(gomod).NotTo(BeElementOf("", os.DevNull), "not inside the module")
	return filepath.Dir(gomod)
}

// buildController builds cmd/oflb into a temporary directory removed
// after the suite, or returns OFLB_E2E_BINARY.
func buildController() string {
	if bin := os.Getenv("OFLB_E2E_BINARY"); bin != "" {
		return bin
	}
	dir, err := os.MkdirTemp("", "oflb-e2e-bin-")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(os.RemoveAll, dir)
	bin := filepath.Join(dir, "oflb")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/oflb")
	cmd.Dir = moduleRoot()
	out, err := cmd.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), "go build ./cmd/oflb:\n%s", out)
	return bin
}

// startLab builds the suite's lab (Open vSwitch, bridge, two clients,
// three backends with HTTP and UDP servers), starts the ident servers and
// registers the removal of everything.
func startLab() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ports := []ovslab.ServicePort{{Protocol: ovslab.ProtoTCP, Port: httpPort}, {Protocol: ovslab.ProtoUDP, Port: udpPort}}
	var backends []ovslab.BackendSpec
	for i := range 3 {
		backends = append(backends, ovslab.BackendSpec{
			Name: fmt.Sprintf("b%d", i+1), IP: netip.AddrFrom4([4]byte{10, 0, 0, byte(11 + i)}), Ports: ports})
	}
	lab, err := ovslab.NewLab(ctx, ovslab.LabOptions{
		Clients:    2,
		Backends:   backends,
		Bridge:     bridge,
		DatapathID: 0xe2e,
		OVS:        ovslab.Options{Logf: func(f string, a ...any) { GinkgoWriter.Printf(f+"\n", a...) }},
	})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { Expect(lab.Close()).To(Succeed()) })
	suite.lab, suite.ovs, suite.clients = lab, lab.OVS, lab.Clients
	for _, b := range lab.Backends {
		serveIdent(b.Host, b.Spec.Name)
	}
	h1 := suite.clients[0]
	for i := range numSecondary {
		a := netip.AddrFrom4([4]byte{10, 0, 0, byte(128 + i)})
		out, err := h1.Exec(ctx, "ip", "addr", "add", a.String()+"/24", "dev", ovslab.HostIface)
		Expect(err).NotTo(HaveOccurred(), "%s", out)
		suite.secondary = append(suite.secondary, a)
	}
}

// serveIdent runs a backend's ident server until the suite ends: on
// accept it writes "NAME CLIENT\n" (CLIENT: the address it sees), then
// echoes lines until the client closes.
func serveIdent(h *ovslab.Host, name string) {
	ln, err := h.Listen("tcp", fmt.Sprintf(":%d", identPort))
	Expect(err).NotTo(HaveOccurred())
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]struct{}{}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = struct{}{}
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() {
					mu.Lock()
					delete(conns, c)
					mu.Unlock()
					c.Close()
				}()
				if _, err := fmt.Fprintf(c, "%s %s\n", name, c.RemoteAddr()); err != nil {
					return
				}
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if _, err := io.WriteString(c, line); err != nil {
						return
					}
				}
			}()
		}
	}()
	DeferCleanup(func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
}

// ---------------------------------------------------------------------
// The controller process.

// readyFile is what `oflb serve --ready-file` writes once it listens.
type readyFile struct {
	OpenFlow []string `json:"openflow"`
	API      string   `json:"api"`
}

// controller is one `oflb serve` child process with its own directory:
// config, policy directory, ready file and log.
type controller struct {
	dir       string
	policyDir string
	config    string
	ready     string
	logPath   string

	cmd  *exec.Cmd
	done chan struct{} // closed once the process has been reaped
	err  error         // its Wait result, valid once done is closed

	openflow string // host:port switches connect to
	api      string // host:port of the REST API
}

// startController writes the policy files (name -> YAML) into a new
// policy directory, starts `oflb serve` on kernel-chosen ports, points
// the bridge at it and waits until the switch holds nVIP VIP catch
// entries. The controller is stopped, the bridge emptied and the
// directory removed when the spec (or container) ends; on failure the
// switch's table and the controller's log go into the report.
func startController(policies map[string]string, nVIP int) *controller {
	return startControllerWith("", policies, nVIP)
}

// startControllerWith is startController with extra lines of controller
// configuration (YAML).
func startControllerWith(extraConfig string, policies map[string]string, nVIP int) *controller {
	dir, err := os.MkdirTemp("", "oflb-e2e-")
	Expect(err).NotTo(HaveOccurred())
	c := &controller{
		dir:       dir,
		policyDir: filepath.Join(dir, "policy"),
		config:    filepath.Join(dir, "oflb.yaml"),
		ready:     filepath.Join(dir, "ready.json"),
		logPath:   filepath.Join(dir, "oflb.log"),
	}
	DeferCleanup(os.RemoveAll, dir)
	Expect(os.Mkdir(c.policyDir, 0o755)).To(Succeed())
	for name, body := range policies {
		c.writePolicy(name, body)
	}
	cfg := fmt.Sprintf("listen:\n  - 127.0.0.1:0\napi_address: 127.0.0.1:0\npolicy_dir: %s\ninstance_id: 0\nlog_level: debug\n%s", c.policyDir, extraConfig)
	Expect(os.WriteFile(c.config, []byte(cfg), 0o644)).To(Succeed())

	// Registered first, so they run last: the switch is left empty and
	// without a controller for the next group.
	DeferCleanup(func() {
		Expect(suite.ovs.SetControllers(bridge, ovslab.BridgeOptions{})).To(Succeed())
		_, err := suite.ovs.Ofctl("del-flows", bridge)
		Expect(err).NotTo(HaveOccurred())
	})
	DeferCleanup(c.stop)
	DeferCleanup(func() {
		if CurrentSpecReport().Failed() || os.Getenv("OFLB_E2E_LOGS") != "" {
			c.report()
		}
	})
	// Stray packets (FIN retransmissions, ARP probes) that reached the
	// empty table since the last group left "drop" megaflows in the
	// datapath cache. OVS revalidates them only after the controller's
	// entries are in, so an ARP reply that races the revalidation is
	// dropped and the backend stays unlocated for a whole ARP interval.
	// Start from an empty cache.
	_, err = suite.ovs.Appctl("dpctl/del-flows")
	Expect(err).NotTo(HaveOccurred())
	c.start()
	c.connect()
	c.waitVIPs(nVIP)
	c.waitLocated()
	return c
}

// start runs `oflb serve` and waits for its ready file.
func (c *controller) start() {
	_ = os.Remove(c.ready)
	logf, err := os.OpenFile(c.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	Expect(err).NotTo(HaveOccurred())
	defer logf.Close()
	c.cmd = exec.Command(suite.bin, "serve", "--config", c.config, "--ready-file", c.ready)
	c.cmd.Stdout, c.cmd.Stderr = logf, logf
	// Killed by the kernel if the test binary dies. Pdeathsig follows the
	// thread that forked, so that thread stays locked to the goroutine
	// that waits for the child.
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	c.done = make(chan struct{})
	started := make(chan error, 1)
	go func(cmd *exec.Cmd, done chan struct{}) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			c.err = err
			close(done)
			return
		}
		started <- nil
		c.err = cmd.Wait()
		close(done)
	}(c.cmd, c.done)
	Expect(<-started).To(Succeed(), "start %s", suite.bin)

	var rf readyFile
	Eventually(func(g Gomega) {
		select {
		case <-c.done:
			StopTrying(fmt.Sprintf("oflb exited before it was ready: %v\n%s", c.err, c.log())).Now()
		default:
		}
		b, err := os.ReadFile(c.ready)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(json.Unmarshal(b, &rf)).To(Succeed(), "ready file %q", b)
		g.Expect(rf.OpenFlow).NotTo(BeEmpty())
		g.Expect(rf.API).NotTo(BeEmpty())
	}).WithTimeout(20*time.Second).WithPolling(50*time.Millisecond).Should(Succeed(), "oflb ready file")
	c.openflow, c.api = rf.OpenFlow[0], rf.API
	GinkgoWriter.Printf("oflb pid %d: openflow %s, api %s\n", c.cmd.Process.Pid, c.openflow, c.api)
}

// connect points the bridge at the controller.
func (c *controller) connect() {
	Expect(suite.ovs.SetControllers(bridge, ovslab.BridgeOptions{MaxBackoff: time.Second}, "tcp:"+c.openflow)).To(Succeed())
}

// waitVIPs waits until the bridge holds the default entry and n VIP catch
// entries (exact or wildcard port).
func (c *controller) waitVIPs(n int) {
	Eventually(func(g Gomega) {
		flows := dumpFlows(g)
		var vips, def int
		for _, f := range flows {
			switch f.Priority {
			case 200, 150:
				vips++
			case 0:
				def++
			}
		}
		g.Expect(def).To(Equal(1), "default entry")
		g.Expect(vips).To(Equal(n), "VIP catch entries")
	}).WithTimeout(20*time.Second).WithPolling(100*time.Millisecond).Should(Succeed(), "static entries of the controller")
}

// signal sends sig to the process if it still runs.
func (c *controller) signal(sig os.Signal) {
	select {
	case <-c.done:
	default:
		_ = c.cmd.Process.Signal(sig)
	}
}

// stop ends the process: SIGTERM, then SIGKILL after 5 s.
func (c *controller) stop() {
	if c.cmd == nil {
		return
	}
	c.signal(syscall.SIGTERM)
	select {
	case <-c.done:
		return
	case <-time.After(5 * time.Second):
	}
	c.kill()
}

// kill ends the process with SIGKILL and waits for it.
func (c *controller) kill() {
	c.signal(syscall.SIGKILL)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		Fail(fmt.Sprintf("oflb pid %d did not exit after SIGKILL", c.cmd.Process.Pid))
	}
}

// running reports whether the process is alive.
func (c *controller) running() bool {
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

// log returns the controller's output so far.
func (c *controller) log() string {
	b, err := os.ReadFile(c.logPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	return string(b)
}

// report adds the switch's table, the controller's log and the tail of
// ovs-vswitchd's log to the spec report.
func (c *controller) report() {
	out, err := suite.ovs.Ofctl("dump-flows", bridge)
	if err != nil {
		out += "\n" + err.Error()
	}
	AddReportEntry("dump-flows "+bridge, out)
	AddReportEntry("oflb log", c.log())
	AddReportEntry("ovs-vswitchd log (tail)", suite.ovs.LogTail("ovs-vswitchd", 40))
}

// writePolicy writes a policy file atomically (a dot file renamed into
// place, which the policy loader ignores until then).
func (c *controller) writePolicy(name, body string) {
	tmp := filepath.Join(c.policyDir, "."+name+".tmp")
	Expect(os.WriteFile(tmp, []byte(body), 0o644)).To(Succeed())
	Expect(os.Rename(tmp, filepath.Join(c.policyDir, name))).To(Succeed())
}

// request makes one REST API call and returns the status and body.
func (c *controller) request(method, path string) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, "http://"+c.api+path, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// apiVIP is one element of GET /api/v1/vips.
type apiVIP struct {
	Tenant   string       `json:"tenant"`
	Name     string       `json:"name"`
	Address  string       `json:"address"`
	Port     int          `json:"port"`
	Backends []apiBackend `json:"backends"`
}

// apiBackend is a backend of an apiVIP.
type apiBackend struct {
	Name        string   `json:"name"`
	Address     string   `json:"address"` // ip:port
	State       string   `json:"state"`
	ActiveFlows int      `json:"active_flows"`
	Decisions   int      `json:"scheduler_decisions"`
	Located     []string `json:"located"` // switches where it was found
}

// apiFlow is one element of GET /api/v1/flows.
type apiFlow struct {
	Client  string `json:"client"`  // ip:port
	Backend string `json:"backend"` // name, or ip:port
	Address string `json:"backend_address"`
}

// getInto GETs path and decodes the JSON answer into v.
func (c *controller) getInto(g Gomega, path string, v any) {
	code, body, err := c.request(http.MethodGet, path)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(code).To(Equal(http.StatusOK), "GET %s: %s", path, body)
	g.Expect(json.Unmarshal(body, v)).To(Succeed(), "GET %s: %s", path, body)
}

// vips returns GET /api/v1/vips.
func (c *controller) vips(g Gomega) []apiVIP {
	var v []apiVIP
	c.getInto(g, "/api/v1/vips", &v)
	return v
}

// flowListed reports whether GET /api/v1/flows lists a flow whose client
// is the given "ip:port".
func (c *controller) flowListed(g Gomega, client string) bool {
	var flows []apiFlow
	c.getInto(g, "/api/v1/flows", &flows)
	for _, f := range flows {
		if f.Client == client {
			return true
		}
	}
	return false
}

// backend returns the backend with address ip:port of any VIP from GET
// /api/v1/vips, and whether there is one.
func (c *controller) backend(g Gomega, addrPort string) (apiBackend, bool) {
	for _, v := range c.vips(g) {
		for _, b := range v.Backends {
			if b.Address == addrPort {
				return b, true
			}
		}
	}
	return apiBackend{}, false
}

// hasVIP reports whether GET /api/v1/vips lists a VIP at address addr.
func (c *controller) hasVIP(g Gomega, addr string) bool {
	for _, v := range c.vips(g) {
		if v.Address == addr {
			return true
		}
	}
	return false
}

// waitLocated waits until the controller has located every backend of
// every VIP (learnt its switch port and MAC): until then a scheduler
// skips it.
func (c *controller) waitLocated() {
	Eventually(func(g Gomega) {
		for _, v := range c.vips(g) {
			for _, b := range v.Backends {
				g.Expect(b.Located).NotTo(BeEmpty(), "backend %s of %s/%s located", b.Address, v.Tenant, v.Name)
			}
		}
	}).WithTimeout(20*time.Second).WithPolling(50*time.Millisecond).Should(Succeed(), "backends located")
}

// dumpFlows returns the bridge's entries.
func dumpFlows(g Gomega) []ovslab.Flow {
	flows, err := suite.ovs.DumpFlows(bridge)
	g.Expect(err).NotTo(HaveOccurred())
	return flows
}

// perFlowEntries returns the priority-1000 (per-flow NAT) entries whose
// match mentions every one of the given strings.
func perFlowEntries(g Gomega, needles ...string) []ovslab.Flow {
	var out []ovslab.Flow
next:
	for _, f := range dumpFlows(g) {
		if f.Priority != 1000 {
			continue
		}
		for _, n := range needles {
			if !strings.Contains(f.Match, n) {
				continue next
			}
		}
		out = append(out, f)
	}
	return out
}

// ---------------------------------------------------------------------
// Traffic.

// dial opens a TCP connection from host h (from address src unless it is
// the zero Addr) to dst.
func dial(ctx context.Context, h *ovslab.Host, src netip.Addr, dst string) (net.Conn, error) {
	d := net.Dialer{Timeout: 5 * time.Second}
	if src.IsValid() {
		d.LocalAddr = &net.TCPAddr{IP: src.AsSlice()}
	}
	var c net.Conn
	err := h.Do(func() (err error) {
		c, err = d.DialContext(ctx, "tcp", dst)
		return err
	})
	return c, err
}

// identity is what a backend's ident server says on accept.
type identity struct {
	Backend string // b1, b2, b3
	Client  string // the client address:port the backend saw
	Local   string // the client's own address:port
}

// identConn is a held connection to an ident server.
type identConn struct {
	net.Conn
	r  *bufio.Reader
	id identity
}

// openIdent connects to an ident server through dst and reads its
// greeting.
func openIdent(ctx context.Context, h *ovslab.Host, src netip.Addr, dst string) (*identConn, error) {
	c, err := dial(ctx, h, src, dst)
	if err != nil {
		return nil, err
	}
	ic := &identConn{Conn: c, r: bufio.NewReader(c)}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := ic.r.ReadString('\n')
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("ident greeting from %s: %w", dst, err)
	}
	f := strings.Fields(line)
	if len(f) != 2 {
		c.Close()
		return nil, fmt.Errorf("ident greeting from %s: %q", dst, line)
	}
	ic.id = identity{Backend: f[0], Client: f[1], Local: c.LocalAddr().String()}
	return ic, nil
}

// ident makes one short connection and returns who answered; the client
// closes first.
func ident(ctx context.Context, h *ovslab.Host, src netip.Addr, dst string) (identity, error) {
	ic, err := openIdent(ctx, h, src, dst)
	if err != nil {
		return identity{}, err
	}
	return ic.id, ic.Close()
}

// echo sends one line on a held connection and waits up to timeout for
// it to come back.
func (ic *identConn) echo(msg string, timeout time.Duration) error {
	_ = ic.SetDeadline(time.Now().Add(timeout))
	if _, err := io.WriteString(ic, msg+"\n"); err != nil {
		return err
	}
	line, err := ic.r.ReadString('\n')
	if err != nil {
		return err
	}
	if got := strings.TrimSuffix(line, "\n"); got != msg {
		return fmt.Errorf("echo: sent %q, got %q", msg, got)
	}
	return nil
}

// keepAlive echoes on each connection every interval until the returned
// stop function is called; stop returns the first echo error.
func keepAlive(interval time.Duration, conns ...*identConn) (stop func() error) {
	done := make(chan struct{})
	errc := make(chan error, 1)
	var wg sync.WaitGroup
	for i, ic := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer GinkgoRecover()
			t := time.NewTicker(interval)
			defer t.Stop()
			for n := 0; ; n++ {
				select {
				case <-done:
					return
				case <-t.C:
				}
				if err := ic.echo(fmt.Sprintf("keepalive %d/%d", i, n), 5*time.Second); err != nil {
					select {
					case errc <- fmt.Errorf("connection %s: %w", ic.id.Local, err):
					default:
					}
					return
				}
			}
		}()
	}
	return func() error {
		close(done)
		wg.Wait()
		select {
		case err := <-errc:
			return err
		default:
			return nil
		}
	}
}

// httpGet sends one GET to http://dst/ from h on a new connection.
func httpGet(ctx context.Context, h *ovslab.Host, dst string) (ovslab.HTTPResult, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return suite.lab.HTTPGet(ctx, h, "http://"+dst+"/")
}

// udpReply is one answer of a backend's UDP echo.
type udpReply struct {
	// Strays counts replies that came from another address than the one
	// asked (the backend's own, un-NATed) before the answer.
	Strays  int
	From    string // source address of the reply as the client saw it
	Backend string
	Payload string
}

// udpQuery sends payload from an unconnected socket on h to dst and reads
// one reply (from whatever address it comes), resending a few times (the
// first datagram of a flow may wait for ARP and the controller).
func udpQuery(h *ovslab.Host, dst, payload string) (udpReply, error) {
	pc, err := h.ListenPacket("udp4", ":0")
	if err != nil {
		return udpReply{}, err
	}
	defer pc.Close()
	to, err := net.ResolveUDPAddr("udp4", dst)
	if err != nil {
		return udpReply{}, err
	}
	buf := make([]byte, 2048)
	var last error
	strays := 0
	for range 5 {
		if _, err := pc.WriteTo([]byte(payload), to); err != nil {
			return udpReply{}, err
		}
		_ = pc.SetReadDeadline(time.Now().Add(time.Second))
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				last = err
				break
			}
			f := strings.SplitN(string(buf[:n]), " ", 3)
			if len(f) != 3 || f[0] != "backend" {
				return udpReply{}, fmt.Errorf("udp reply %q", buf[:n])
			}
			if from.String() != to.String() {
				// Not from the address asked: a connected socket (what
				// real clients use) would never see it. Count it and
				// wait for the answer from the VIP.
				strays++
				continue
			}
			return udpReply{From: from.String(), Backend: f[1], Payload: f[2], Strays: strays}, nil
		}
	}
	return udpReply{Strays: strays}, fmt.Errorf("no UDP reply from %s (%d from other addresses): %w", dst, strays, last)
}

// isRefused reports whether err is ECONNREFUSED.
func isRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

// ---------------------------------------------------------------------
// Statistics: an independent record of removed entries, the metrics
// endpoint and the CLI.

// removedEntry is one FLOW_REMOVED as Open vSwitch sent it: the entry's
// cookie and final counters.
type removedEntry struct {
	Cookie         uint64
	Packets, Bytes uint64
	Raw            string
}

// flowRemovedMonitor records every FLOW_REMOVED the bridge sends, through
// `ovs-ofctl monitor` on its management socket: a second (service)
// connection, which Open vSwitch sends the same asynchronous messages as
// the controller. It is the switch's own account of the final counters of
// expired entries, independent of oflb.
type flowRemovedMonitor struct {
	mu      sync.Mutex
	removed []removedEntry
	lines   int      // lines read, for the report
	other   []string // the first lines that are neither, for the report
	done    chan struct{}
}

// flowRemovedLine matches ovs-ofctl's print of an OpenFlow 1.3
// FLOW_REMOVED, e.g. "OFPT_FLOW_REMOVED (OF1.3) (xid=0x0): priority=1000,
// tcp,... reason=idle table_id=0 cookie:0x140044c12340000 duration2.0s
// idle2 pkts7 bytes666".
var flowRemovedLine = regexp.MustCompile(`^OFPT_FLOW_REMOVED .* cookie:0x([0-9a-f]+) .*\bpkts(\d+) bytes(\d+)`)

// startFlowRemovedMonitor starts the monitor, waits until it is
// connected, and stops it when the spec ends.
func startFlowRemovedMonitor() *flowRemovedMonitor {
	br := suite.ovs.Bridge(bridge)
	Expect(br).NotTo(BeNil())
	// A service connection gets asynchronous messages only once it sets
	// a miss_send_len (the argument after the switch): packet-ins come
	// too, and are ignored.
	cmd := exec.Command("ovs-ofctl", "-O", "OpenFlow13", "monitor", "unix:"+br.Mgmt, "64")
	// Its control socket goes into the instance's directory.
	cmd.Env = append(os.Environ(), "OVS_RUNDIR="+suite.ovs.Dir())
	// It prints what it receives on standard error, depending on the
	// version: both go to one pipe.
	out, w, err := os.Pipe()
	Expect(err).NotTo(HaveOccurred())
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	err = cmd.Start()
	w.Close()
	if err != nil {
		out.Close()
	}
	Expect(err).NotTo(HaveOccurred())
	m := &flowRemovedMonitor{done: make(chan struct{})}
	go func() {
		defer close(m.done)
		defer out.Close()
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			m.mu.Lock()
			m.lines++
			if !strings.HasPrefix(line, "OFPT_PACKET_IN") && !strings.HasPrefix(line, " ") && len(m.other) < 20 {
				m.other = append(m.other, line)
			}
			if g := flowRemovedLine.FindStringSubmatch(line); g != nil {
				c, err1 := strconv.ParseUint(g[1], 16, 64)
				p, err2 := strconv.ParseUint(g[2], 10, 64)
				b, err3 := strconv.ParseUint(g[3], 10, 64)
				if err1 == nil && err2 == nil && err3 == nil {
					m.removed = append(m.removed, removedEntry{Cookie: c, Packets: p, Bytes: b, Raw: line})
				}
			}
			m.mu.Unlock()
		}
	}()
	DeferCleanup(func() {
		_ = cmd.Process.Kill()
		<-m.done
		_ = cmd.Wait()
		if CurrentSpecReport().Failed() {
			AddReportEntry("ovs-ofctl monitor (FLOW_REMOVED)", m.String())
		}
	})
	// Connected and receiving FLOW_REMOVED once it reports the removal
	// of a probe entry: cookie owner byte 0, which is no oflb instance's
	// (the controller ignores its FLOW_REMOVED), matching a documentation
	// address that no traffic uses.
	const probe = "cookie=0xe2e0000f10e,priority=1,ip,nw_dst=192.0.2.1"
	Eventually(func(g Gomega) bool {
		_, err := suite.ovs.Ofctl("add-flow", bridge, probe+",send_flow_rem,actions=drop")
		g.Expect(err).NotTo(HaveOccurred())
		_, err = suite.ovs.Ofctl("del-flows", bridge, "cookie=0xe2e0000f10e/-1")
		g.Expect(err).NotTo(HaveOccurred())
		return slices.ContainsFunc(m.Removed(), func(r removedEntry) bool { return r.Cookie == 0xe2e0000f10e })
	}).WithTimeout(10*time.Second).WithPolling(200*time.Millisecond).Should(BeTrue(),
		"ovs-ofctl monitor reports FLOW_REMOVED: %s", m)
	return m
}

// Removed returns the FLOW_REMOVED messages seen so far.
func (m *flowRemovedMonitor) Removed() []removedEntry {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.removed)
}

// String lists the removals seen.
func (m *flowRemovedMonitor) String() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "%d lines, %d FLOW_REMOVED\n", m.lines, len(m.removed))
	for _, l := range m.other {
		b.WriteString("  " + l + "\n")
	}
	for _, r := range m.removed {
		b.WriteString(r.Raw + "\n")
	}
	return b.String()
}

// post makes a POST to the REST API and decodes a 200 answer into v.
func (c *controller) postInto(g Gomega, path string, v any) {
	code, body, err := c.request(http.MethodPost, path)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(code).To(Equal(http.StatusOK), "POST %s: %s", path, body)
	g.Expect(json.Unmarshal(body, v)).To(Succeed(), "POST %s: %s", path, body)
}

// metrics scrapes GET /metrics and parses it with the Prometheus text
// parser.
func (c *controller) metrics(g Gomega) map[string]*dto.MetricFamily {
	code, body, err := c.request(http.MethodGet, "/metrics")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(code).To(Equal(http.StatusOK))
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	g.Expect(err).NotTo(HaveOccurred(), "parse /metrics")
	return fams
}

// metricValue returns the value of the counter or gauge of family name
// whose labels are exactly labels, and whether there is one.
func metricValue(fams map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		if len(m.GetLabel()) != len(labels) {
			continue
		}
		for _, l := range m.GetLabel() {
			if v, ok := labels[l.GetName()]; !ok || v != l.GetValue() {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}

// cli runs the oflb binary as a client of the controller's API and
// returns its standard output.
func (c *controller) cli(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, suite.bin, append([]string{"--api", "http://" + c.api}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("oflb %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}
