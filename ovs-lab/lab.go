package ovslab

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Protocol is the transport protocol of a backend's service port.
type Protocol uint8

// Protocols of a [ServicePort]. The zero value is invalid.
const (
	// ProtoTCP serves HTTP on the port (see [Lab] for what it answers).
	ProtoTCP Protocol = iota + 1
	// ProtoUDP serves a UDP echo on the port.
	ProtoUDP
)

// String returns "tcp" or "udp".
func (p Protocol) String() string {
	switch p {
	case ProtoTCP:
		return "tcp"
	case ProtoUDP:
		return "udp"
	}
	return fmt.Sprintf("Protocol(%d)", uint8(p))
}

// ServicePort is one server a lab backend runs: an HTTP server on a TCP
// port or an echo server on a UDP port.
type ServicePort struct {
	Protocol Protocol
	Port     uint16
}

// String returns e.g. "tcp/8080".
func (s ServicePort) String() string { return s.Protocol.String() + "/" + strconv.Itoa(int(s.Port)) }

// BackendSpec describes one backend host of a [Lab].
type BackendSpec struct {
	// Name is the host's short name (see OVS.AddHost: 1-8 lower-case
	// letters and digits) and what its servers answer with.
	Name string
	// IP is the host's address inside [LabSubnet].
	IP netip.Addr
	// Ports are the servers it runs.
	Ports []ServicePort
}

// LabSubnet is the subnet of every lab host: clients at .1 to .N,
// backends where their specs say, VIPs wherever the policy puts them.
var LabSubnet = netip.MustParsePrefix("10.0.0.0/24")

// MaxClients is the most client hosts a lab has (10.0.0.1 to 10.0.0.10).
const MaxClients = 10

// DefaultBackends returns the backends of the example policy
// (policy/examples): web1 to web3 at 10.0.0.11-13 with HTTP on 8080 and a
// UDP echo on 53 (tenant-a's web and dns VIPs at 10.0.0.100), and api1,
// api2 at 10.0.0.21-22 with HTTP on 8443 (tenant-b's api VIP at
// 10.0.0.120:443).
func DefaultBackends() []BackendSpec {
	web := []ServicePort{{ProtoTCP, 8080}, {ProtoUDP, 53}}
	api := []ServicePort{{ProtoTCP, 8443}}
	return []BackendSpec{
		{Name: "web1", IP: netip.MustParseAddr("10.0.0.11"), Ports: web},
		{Name: "web2", IP: netip.MustParseAddr("10.0.0.12"), Ports: web},
		{Name: "web3", IP: netip.MustParseAddr("10.0.0.13"), Ports: web},
		{Name: "api1", IP: netip.MustParseAddr("10.0.0.21"), Ports: api},
		{Name: "api2", IP: netip.MustParseAddr("10.0.0.22"), Ports: api},
	}
}

// LabOptions configures [NewLab]. The zero value is a lab of 3 clients and
// the default backends on a secure-mode bridge with no controller.
type LabOptions struct {
	// Controller is the bridge's controller target, e.g.
	// "tcp:127.0.0.1:6653"; empty leaves the bridge without one (install
	// entries with OVS.AddFlows instead).
	Controller string
	// Clients is the number of client hosts h1..hN at 10.0.0.1..N
	// (OpenFlow ports 1..N); zero means 3, at most MaxClients.
	Clients int
	// Backends are the backend hosts; nil means DefaultBackends. Each
	// gets OpenFlow port number = the last byte of its address when that
	// is free, and MAC 02:00:00:00:00:XX with XX that byte.
	Backends []BackendSpec
	// Bridge is the bridge's short name; empty means "br0".
	Bridge string
	// DatapathID is the bridge's datapath id; zero means 1.
	DatapathID uint64
	// ControllerQueueSize is the controller's packet-in queue; zero means
	// 512 (OVS's maximum), so that a burst of new connections does not
	// lose first packets.
	ControllerQueueSize int
	// MaxBackoff caps the reconnection backoff to the controller; zero
	// means 1 s (OVS's minimum).
	MaxBackoff time.Duration
	// FlowLimit, if positive, caps table 0 (see BridgeOptions.FlowLimit).
	FlowLimit int
	// OVS configures the Open vSwitch instance.
	OVS Options
}

func (o *LabOptions) setDefaults() error {
	if o.Clients == 0 {
		o.Clients = 3
	}
	if o.Clients < 0 || o.Clients > MaxClients {
		return fmt.Errorf("ovslab: lab: %d clients: want 1..%d", o.Clients, MaxClients)
	}
	if o.Backends == nil {
		o.Backends = DefaultBackends()
	}
	if o.Bridge == "" {
		o.Bridge = "br0"
	}
	if o.DatapathID == 0 {
		o.DatapathID = 1
	}
	if o.ControllerQueueSize == 0 {
		o.ControllerQueueSize = 512
	}
	if o.MaxBackoff == 0 {
		o.MaxBackoff = time.Second
	}
	names := make(map[string]bool)
	addrs := make(map[netip.Addr]bool)
	for i := 1; i <= o.Clients; i++ {
		addrs[ClientAddr(i)] = true
		names["h"+strconv.Itoa(i)] = true
	}
	for _, b := range o.Backends {
		if err := checkName(b.Name); err != nil {
			return fmt.Errorf("ovslab: lab: backend: %w", err)
		}
		if names[b.Name] {
			return fmt.Errorf("ovslab: lab: backend name %q is used twice", b.Name)
		}
		names[b.Name] = true
		if !b.IP.Is4() || !LabSubnet.Contains(b.IP) || b.IP == LabSubnet.Addr() || b.IP.As4()[3] == 255 {
			return fmt.Errorf("ovslab: lab: backend %s: address %v is not a host address of %v", b.Name, b.IP, LabSubnet)
		}
		if addrs[b.IP] {
			return fmt.Errorf("ovslab: lab: backend %s: address %v is taken", b.Name, b.IP)
		}
		addrs[b.IP] = true
		seen := make(map[ServicePort]bool)
		for _, p := range b.Ports {
			if (p.Protocol != ProtoTCP && p.Protocol != ProtoUDP) || p.Port == 0 || seen[p] {
				return fmt.Errorf("ovslab: lab: backend %s: bad or repeated port %v", b.Name, p)
			}
			seen[p] = true
		}
	}
	return nil
}

// ClientAddr returns the address of client i (1-based): 10.0.0.i.
func ClientAddr(i int) netip.Addr {
	a := LabSubnet.Addr().As4()
	a[3] = byte(i)
	return netip.AddrFrom4(a)
}

// hostMAC returns 02:00:00:00:00:XX for the host at address a.
func hostMAC(a netip.Addr) net.HardwareAddr {
	return net.HardwareAddr{0x02, 0, 0, 0, 0, a.As4()[3]}
}

// Lab is the load-balancer lab of oflb's demo, benchmarks and end-to-end
// tests: one Open vSwitch instance with one secure-mode bridge connected to
// a controller, client hosts, and backend hosts that run real servers
// inside their namespaces:
//
//   - HTTP on each TCP port: it answers 200 with body "backend NAME\n" and
//     "client IP:PORT\n" (the client address it saw) and the headers
//     X-Backend and X-Client-Addr, and closes the connection;
//   - a UDP echo on each UDP port: it answers "backend NAME <payload>".
//
// Close stops the servers and removes everything.
type Lab struct {
	// OVS is the instance; use it for ovs-ofctl and ovs-vsctl.
	OVS *OVS
	// Bridge is the lab's bridge.
	Bridge *Bridge
	// Clients are h1..hN.
	Clients []*Host
	// Backends are in the order of LabOptions.Backends.
	Backends []*LabBackend

	opts LabOptions

	closeOnce sync.Once
	closeErr  error
}

// LabBackend is a backend host of a [Lab] and its servers.
type LabBackend struct {
	Spec BackendSpec
	Host *Host

	requests atomic.Int64
	closers  []io.Closer
	wg       sync.WaitGroup
}

// Requests returns how many HTTP requests and UDP datagrams the backend's
// servers have answered.
func (b *LabBackend) Requests() int64 { return b.requests.Load() }

// NewLab builds a lab: it starts an Open vSwitch instance, the bridge
// (fail mode secure, OpenFlow 1.3, the controller if any), the clients and
// backends, and the backends' servers. On failure everything made so far
// is removed.
func NewLab(ctx context.Context, opts LabOptions) (_ *Lab, err error) {
	if err := opts.setDefaults(); err != nil {
		return nil, err
	}
	o, err := Start(ctx, opts.OVS)
	if err != nil {
		return nil, err
	}
	l := &Lab{OVS: o, opts: opts}
	defer func() {
		if err != nil {
			err = errors.Join(err, l.Close())
		}
	}()
	bopts := BridgeOptions{
		FailMode:            "secure",
		DatapathID:          opts.DatapathID,
		FlowLimit:           opts.FlowLimit,
		ControllerQueueSize: opts.ControllerQueueSize,
		MaxBackoff:          opts.MaxBackoff,
	}
	if opts.Controller != "" {
		bopts.Controllers = []string{opts.Controller}
	}
	if l.Bridge, err = o.AddBridge(opts.Bridge, bopts); err != nil {
		return nil, err
	}
	usedPorts := make(map[int]bool)
	for i := 1; i <= opts.Clients; i++ {
		a := ClientAddr(i)
		h, err := o.AddHost("h"+strconv.Itoa(i), HostOptions{
			Bridge: opts.Bridge, IP: netip.PrefixFrom(a, LabSubnet.Bits()), MAC: hostMAC(a), OFPort: i,
		})
		if err != nil {
			return nil, err
		}
		usedPorts[h.OFPort] = true
		l.Clients = append(l.Clients, h)
	}
	for _, spec := range opts.Backends {
		port := int(spec.IP.As4()[3])
		if usedPorts[port] {
			port = 0
		}
		h, err := o.AddHost(spec.Name, HostOptions{
			Bridge: opts.Bridge, IP: netip.PrefixFrom(spec.IP, LabSubnet.Bits()), MAC: hostMAC(spec.IP), OFPort: port,
		})
		if err != nil {
			return nil, err
		}
		usedPorts[h.OFPort] = true
		b := &LabBackend{Spec: spec, Host: h}
		l.Backends = append(l.Backends, b)
		if err := b.serve(); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// NewLabT builds a lab for a test (t.Logf as the instance's logger unless
// set), registers its Close with t.Cleanup and fails the test at once if
// it cannot be built.
func NewLabT(t testing.TB, opts LabOptions) *Lab {
	t.Helper()
	if opts.OVS.Logf == nil {
		opts.OVS.Logf = t.Logf
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	l, err := NewLab(ctx, opts)
	if err != nil {
		t.Fatalf("ovslab: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("ovslab %s logs:\n%s", l.OVS.Suffix(), l.OVS.LogTail("ovs-vswitchd", 40))
		}
		if err := l.Close(); err != nil {
			t.Errorf("%v", err)
		}
	})
	return l
}

// serve starts the backend's servers inside its namespace.
func (b *LabBackend) serve() error {
	for _, p := range b.Spec.Ports {
		addr := ":" + strconv.Itoa(int(p.Port))
		switch p.Protocol {
		case ProtoTCP:
			ln, err := b.Host.Listen("tcp", addr)
			if err != nil {
				return err
			}
			srv := &http.Server{
				Handler:           http.HandlerFunc(b.serveHTTP),
				ReadHeaderTimeout: 10 * time.Second,
				IdleTimeout:       time.Second,
			}
			srv.SetKeepAlivesEnabled(false)
			b.closers = append(b.closers, srv)
			b.wg.Go(func() { _ = srv.Serve(ln) })
		case ProtoUDP:
			pc, err := b.Host.ListenPacket("udp", addr)
			if err != nil {
				return err
			}
			b.closers = append(b.closers, pc)
			b.wg.Go(func() { b.serveUDP(pc) })
		}
	}
	return nil
}

// serveHTTP answers every request with the backend's name and the client
// address it saw.
func (b *LabBackend) serveHTTP(w http.ResponseWriter, r *http.Request) {
	b.requests.Add(1)
	w.Header().Set("X-Backend", b.Spec.Name)
	w.Header().Set("X-Client-Addr", r.RemoteAddr)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "backend %s\nclient %s\n", b.Spec.Name, r.RemoteAddr)
}

// serveUDP echoes every datagram as "backend NAME <payload>" until pc is
// closed.
func (b *LabBackend) serveUDP(pc net.PacketConn) {
	buf := make([]byte, 64<<10)
	prefix := []byte("backend " + b.Spec.Name + " ")
	out := make([]byte, 0, len(prefix)+len(buf))
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		b.requests.Add(1)
		out = append(append(out[:0], prefix...), buf[:n]...)
		_, _ = pc.WriteTo(out, from)
	}
}

// close stops the servers and waits for them.
func (b *LabBackend) close() error {
	var errs []error
	for _, c := range b.closers {
		if err := c.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, fmt.Errorf("ovslab: stop server of %s: %w", b.Spec.Name, err))
		}
	}
	b.wg.Wait()
	return errors.Join(errs...)
}

// Close stops the backends' servers and removes the instance with its
// bridge and hosts. Calling it again returns the same result.
func (l *Lab) Close() error {
	l.closeOnce.Do(func() {
		var errs []error
		for _, b := range l.Backends {
			errs = append(errs, b.close())
		}
		errs = append(errs, l.OVS.Close())
		l.closeErr = errors.Join(errs...)
	})
	return l.closeErr
}

// Backend returns the backend with the given name or address (e.g. "web1"
// or "10.0.0.11"), or nil.
func (l *Lab) Backend(nameOrAddr string) *LabBackend {
	for _, b := range l.Backends {
		if b.Spec.Name == nameOrAddr || b.Spec.IP.String() == nameOrAddr {
			return b
		}
	}
	return nil
}

// Client returns client i (1-based), or nil.
func (l *Lab) Client(i int) *Host {
	if i < 1 || i > len(l.Clients) {
		return nil
	}
	return l.Clients[i-1]
}

// WaitController waits until the bridge's controller reports a connection
// (the Controller record's is_connected), or ctx ends.
func (l *Lab) WaitController(ctx context.Context) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last string
	for {
		out, err := l.OVS.VsctlContext(ctx, "--bare", "--columns=is_connected", "list", "Controller")
		last = strings.TrimSpace(out)
		if err == nil && last != "" && !strings.Contains(last, "false") {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("ovslab: waiting for the controller of %s: %w (is_connected: %q, last error: %v)", l.Bridge.Name, ctx.Err(), last, err)
		case <-tick.C:
		}
	}
}

// HTTPResult is what a lab backend answered to an HTTP GET.
type HTTPResult struct {
	// Backend is the name of the backend that answered.
	Backend string
	// Client is the client address the backend saw.
	Client netip.AddrPort
	// Status is the HTTP status code.
	Status int
	// Body is the response body.
	Body string
}

// httpClient returns an HTTP client whose connections are opened inside
// client's namespace, one per request.
func httpClient(client *Host) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return client.DialContext(ctx, network, addr)
		},
		DisableKeepAlives: true,
	}}
}

// HTTPGet sends one GET for rawURL from client on a new connection and
// returns which backend answered and the client address it saw. It fails
// on a transport error, a status other than 200, or an answer that is not
// a lab backend's.
func (l *Lab) HTTPGet(ctx context.Context, client *Host, rawURL string) (HTTPResult, error) {
	hc := httpClient(client)
	defer hc.CloseIdleConnections()
	return httpGet(ctx, hc, client, rawURL)
}

func httpGet(ctx context.Context, hc *http.Client, client *Host, rawURL string) (HTTPResult, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return HTTPResult{}, fmt.Errorf("ovslab: GET %s: %w", rawURL, err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return HTTPResult{}, fmt.Errorf("ovslab: GET %s from %s: %w", rawURL, client.Short, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return HTTPResult{}, fmt.Errorf("ovslab: GET %s from %s: read body: %w", rawURL, client.Short, err)
	}
	res := HTTPResult{Status: resp.StatusCode, Body: string(body), Backend: resp.Header.Get("X-Backend")}
	if resp.StatusCode != http.StatusOK {
		return res, fmt.Errorf("ovslab: GET %s from %s: status %s", rawURL, client.Short, resp.Status)
	}
	if res.Backend == "" || !strings.HasPrefix(res.Body, "backend "+res.Backend+"\n") {
		return res, fmt.Errorf("ovslab: GET %s from %s: not a lab backend's answer: %q", rawURL, client.Short, res.Body)
	}
	if res.Client, err = netip.ParseAddrPort(resp.Header.Get("X-Client-Addr")); err != nil {
		return res, fmt.Errorf("ovslab: GET %s from %s: X-Client-Addr: %w", rawURL, client.Short, err)
	}
	return res, nil
}

// EchoResult is what a lab backend's UDP echo answered.
type EchoResult struct {
	// Backend is the name of the backend that answered.
	Backend string
	// Reply is the whole answer, "backend NAME <payload>".
	Reply string
	// Attempts is how many datagrams were sent before the answer came.
	Attempts int
}

// UDPEcho sends payload from client to addr and waits for the echo,
// resending every second (the first datagram of a flow may be lost while
// the switch asks its controller) until ctx ends.
func (l *Lab) UDPEcho(ctx context.Context, client *Host, addr netip.AddrPort, payload string) (EchoResult, error) {
	c, err := client.DialContext(ctx, "udp", addr.String())
	if err != nil {
		return EchoResult{}, err
	}
	defer c.Close()
	buf := make([]byte, 64<<10)
	var res EchoResult
	for {
		res.Attempts++
		if _, err := io.WriteString(c, payload); err != nil {
			return res, fmt.Errorf("ovslab: UDP echo %v from %s: %w", addr, client.Short, err)
		}
		deadline := time.Now().Add(time.Second)
		if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
			deadline = d
		}
		_ = c.SetReadDeadline(deadline)
		n, err := c.Read(buf)
		if err == nil {
			res.Reply = string(buf[:n])
			name, rest, ok := strings.Cut(strings.TrimPrefix(res.Reply, "backend "), " ")
			if !strings.HasPrefix(res.Reply, "backend ") || !ok || rest != payload {
				return res, fmt.Errorf("ovslab: UDP echo %v from %s: not a lab backend's answer: %q", addr, client.Short, res.Reply)
			}
			res.Backend = name
			return res, nil
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return res, fmt.Errorf("ovslab: UDP echo %v from %s: %w", addr, client.Short, err)
		}
		if ctx.Err() != nil {
			return res, fmt.Errorf("ovslab: UDP echo %v from %s: no answer to %d datagrams: %w", addr, client.Short, res.Attempts, ctx.Err())
		}
	}
}

// SpreadResult counts which backends answered a series of requests.
type SpreadResult struct {
	// Counts maps a backend's name to the requests it answered.
	Counts map[string]int
	// PerClient maps a client's short name to its own Counts.
	PerClient map[string]map[string]int
	// Failures is how many requests failed; Errors holds the first few.
	Failures int
	Errors   []error
}

// Total returns the number of requests answered.
func (s SpreadResult) Total() int {
	n := 0
	for _, c := range s.Counts {
		n += c
	}
	return n
}

// Backends returns the names in Counts, sorted.
func (s SpreadResult) Backends() []string {
	names := make([]string, 0, len(s.Counts))
	for n := range s.Counts {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// maxSpreadErrors is how many errors a SpreadResult keeps.
const maxSpreadErrors = 5

// Spread sends requests GETs of rawURL, each on a new connection, from
// clients (nil means all of the lab's) in turn: every client sends its
// share one after another, the clients in parallel. It returns how many
// each backend answered. A udp:// URL (udp://ADDR:PORT) sends UDP echoes
// instead, each from a new socket (a new flow). The error is non-nil only
// when ctx ended; failed requests are counted in the result.
func (l *Lab) Spread(ctx context.Context, requests int, clients []*Host, rawURL string) (SpreadResult, error) {
	if clients == nil {
		clients = l.Clients
	}
	if len(clients) == 0 || requests < 0 {
		return SpreadResult{}, fmt.Errorf("ovslab: spread: %d requests over %d clients", requests, len(clients))
	}
	var udpAddr netip.AddrPort
	if u, err := url.Parse(rawURL); err == nil && u.Scheme == "udp" {
		if udpAddr, err = netip.ParseAddrPort(u.Host); err != nil {
			return SpreadResult{}, fmt.Errorf("ovslab: spread: %s: %w", rawURL, err)
		}
	}
	var (
		mu  sync.Mutex
		res = SpreadResult{Counts: make(map[string]int), PerClient: make(map[string]map[string]int)}
		wg  sync.WaitGroup
	)
	record := func(client *Host, backend string, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			res.Failures++
			if len(res.Errors) < maxSpreadErrors {
				res.Errors = append(res.Errors, err)
			}
			return
		}
		res.Counts[backend]++
		if res.PerClient[client.Short] == nil {
			res.PerClient[client.Short] = make(map[string]int)
		}
		res.PerClient[client.Short][backend]++
	}
	for i, c := range clients {
		n := requests / len(clients)
		if i < requests%len(clients) {
			n++
		}
		wg.Go(func() {
			hc := httpClient(c)
			defer hc.CloseIdleConnections()
			for j := 0; j < n && ctx.Err() == nil; j++ {
				if udpAddr.IsValid() {
					rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
					r, err := l.UDPEcho(rctx, c, udpAddr, fmt.Sprintf("%s-%d", c.Short, j))
					cancel()
					record(c, r.Backend, err)
					continue
				}
				rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				r, err := httpGet(rctx, hc, c, rawURL)
				cancel()
				record(c, r.Backend, err)
			}
		})
	}
	wg.Wait()
	return res, ctx.Err()
}

// BenchOptions configures [Lab.Bench].
type BenchOptions struct {
	// Target is the address connected to: a VIP or a backend's HTTP port.
	Target netip.AddrPort
	// Duration is the measurement window: no connection starts after it,
	// and those under way finish (each bounded by Timeout). Count bounds
	// the number of connections. One of them must be positive; with both,
	// the first reached ends the run.
	Duration time.Duration
	Count    int
	// Concurrency is the number of connections open at once; zero means 8.
	Concurrency int
	// Clients are the hosts the connections come from, in turn; nil means
	// all of the lab's.
	Clients []*Host
	// Timeout bounds each connection (connect, request and answer); zero
	// means 5 s.
	Timeout time.Duration
}

// SYNRetransmit is Linux's initial retransmission timeout for a SYN: a
// connect that takes at least this long had its first packet (or the
// SYN-ACK) lost.
const SYNRetransmit = time.Second

// BenchResult is the outcome of [Lab.Bench].
type BenchResult struct {
	// Connections is the number of connections that completed (connect,
	// GET, answer, close) within the measurement window.
	Connections int
	// Late counts connections started within the window that completed
	// after it (a Duration run lets them finish); they are not in the
	// rate, but their connect latencies are in Connect.
	Late int
	// Failures counts connections that failed for another reason than a
	// timeout; Timeouts those that ran out of time. Errors holds the
	// first few errors.
	Failures, Timeouts int
	Errors             []error
	// Retransmits counts completed connections whose connect took
	// SYNRetransmit or longer: their first packet was lost (a switch or
	// controller dropped it) and the client's SYN retransmission saved
	// them.
	Retransmits int
	// Elapsed is the measurement window: the Duration of a run bounded
	// by one, else the time the run took.
	Elapsed time.Duration
	// Connect holds the connect latencies (SYN sent to SYN-ACK received,
	// as seen by connect(2)) of the completed connections, late ones
	// included, sorted.
	Connect []time.Duration
}

// Rate returns the connections completed within the window per second.
func (r BenchResult) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Connections) / r.Elapsed.Seconds()
}

// Percentile returns the p-th percentile (0 < p <= 100) of the connect
// latencies, nearest rank; zero if there are none.
func (r BenchResult) Percentile(p float64) time.Duration {
	if len(r.Connect) == 0 || p <= 0 {
		return 0
	}
	i := int(float64(len(r.Connect))*p/100+0.999999) - 1
	return r.Connect[min(max(i, 0), len(r.Connect)-1)]
}

// Bench opens new TCP connections to opts.Target as fast as opts.Concurrency
// workers can, each one a full connect, "GET / HTTP/1.1" with "Connection:
// close", read to the end, close, and measures the rate and each connect's
// latency. Each worker runs on a thread inside its client's namespace
// ([Host.Do]), so a connection costs no namespace switch. The error is
// non-nil only if the run could not be done at all.
func (l *Lab) Bench(ctx context.Context, opts BenchOptions) (BenchResult, error) {
	if !opts.Target.IsValid() {
		return BenchResult{}, errors.New("ovslab: bench: no target")
	}
	if opts.Duration <= 0 && opts.Count <= 0 {
		return BenchResult{}, errors.New("ovslab: bench: neither a duration nor a count")
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	if opts.Clients == nil {
		opts.Clients = l.Clients
	}
	if len(opts.Clients) == 0 {
		return BenchResult{}, errors.New("ovslab: bench: no clients")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	req := []byte("GET / HTTP/1.1\r\nHost: " + opts.Target.String() + "\r\nConnection: close\r\n\r\n")
	var (
		started atomic.Int64
		mu      sync.Mutex
		res     BenchResult
		wg      sync.WaitGroup
	)
	record := func(w *benchWorker) {
		mu.Lock()
		defer mu.Unlock()
		res.Connections += w.ok
		res.Late += w.late
		res.Failures += w.failures
		res.Timeouts += w.timeouts
		res.Retransmits += w.retransmits
		res.Connect = append(res.Connect, w.connect...)
		for _, err := range w.errs {
			if len(res.Errors) < maxSpreadErrors {
				res.Errors = append(res.Errors, err)
			}
		}
	}
	begin := time.Now()
	// The window is checked against the clock, not a context deadline:
	// a socket deadline can pass before the context's timer has fired,
	// and on a loaded machine that gap fills with instant failures.
	end := begin.Add(opts.Duration)
	if opts.Duration <= 0 {
		end = begin.Add(100 * 365 * 24 * time.Hour)
	}
	var doErr error
	var doOnce sync.Once
	for i := range opts.Concurrency {
		h := opts.Clients[i%len(opts.Clients)]
		wg.Go(func() {
			w := &benchWorker{target: opts.Target.String(), req: req, timeout: opts.Timeout, end: end}
			err := h.Do(func() error {
				for ctx.Err() == nil && time.Now().Before(end) {
					if opts.Count > 0 && started.Add(1) > int64(opts.Count) {
						return nil
					}
					w.one(ctx)
				}
				return nil
			})
			if err != nil {
				doOnce.Do(func() { doErr = err })
			}
			record(w)
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(begin)
	if opts.Duration > 0 && res.Elapsed > opts.Duration {
		res.Elapsed = opts.Duration
	}
	slices.Sort(res.Connect)
	if doErr != nil {
		return res, fmt.Errorf("ovslab: bench: %w", doErr)
	}
	return res, nil
}

// benchWorker is one Bench worker's connection loop and tallies.
type benchWorker struct {
	target  string
	req     []byte
	timeout time.Duration
	end     time.Time // end of the measurement window
	buf     [4096]byte

	ok, late, failures, timeouts, retransmits int
	connect                                   []time.Duration
	errs                                      []error
}

// one makes one connection: connect, request, read to EOF, close.
func (w *benchWorker) one(ctx context.Context) {
	fail := func(err error) {
		if ctx.Err() != nil {
			return // the run ended under it: not the connection's fault
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			w.timeouts++
		} else {
			w.failures++
		}
		if len(w.errs) < maxSpreadErrors {
			w.errs = append(w.errs, err)
		}
	}
	d := net.Dialer{Timeout: w.timeout}
	start := time.Now()
	c, err := d.DialContext(ctx, "tcp", w.target)
	if err != nil {
		fail(err)
		return
	}
	connect := time.Since(start)
	defer c.Close()
	_ = c.SetDeadline(start.Add(w.timeout))
	if _, err := c.Write(w.req); err != nil {
		fail(err)
		return
	}
	r := bufio.NewReaderSize(readerOnly{c}, 16)
	status, err := r.ReadString('\n')
	if err != nil {
		fail(fmt.Errorf("read status: %w", err))
		return
	}
	if !strings.HasPrefix(status, "HTTP/1.1 200 ") {
		fail(fmt.Errorf("status %q", strings.TrimSpace(status)))
		return
	}
	for {
		if _, err := r.Read(w.buf[:]); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			fail(fmt.Errorf("read answer: %w", err))
			return
		}
	}
	if time.Now().After(w.end) {
		w.late++
	} else {
		w.ok++
	}
	w.connect = append(w.connect, connect)
	if connect >= SYNRetransmit {
		w.retransmits++
	}
}

// readerOnly hides a conn's other methods from bufio (no WriteTo tricks).
type readerOnly struct{ io.Reader }
