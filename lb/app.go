package lb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oflb/oflb/controller"
	"github.com/oflb/oflb/openflow"
	"github.com/oflb/oflb/openflow/packet"
)

// Options configure an App. Zero fields take the defaults in comments.
type Options struct {
	// Owner is the instance's owner byte in every cookie (1). Instances
	// sharing switches must differ.
	Owner uint8
	// ARPInterval is how often backends are re-resolved (10s); a location
	// not confirmed for 3 intervals is forgotten.
	ARPInterval time.Duration
	Logger      *slog.Logger
	Now         func() time.Time
}

// App is the load balancer. Create it with New, give it a Config with
// SetConfig, register it with the controller and run App.Run beside it.
type App struct {
	owner       uint8
	log         *slog.Logger
	now         func() time.Time
	arpInterval time.Duration

	state    atomic.Pointer[state]
	switches sync.Map // DPID -> *switchState, kept across reconnects

	drainMu sync.Mutex
	drained map[drainKey]bool // operator drains, kept across reloads

	// decisions counts the scheduler's picks per VIP and backend id
	// (drainKey -> *atomic.Uint64), kept across reloads.
	decisions sync.Map

	// onFlowEnded, if set, receives every flow that ended (see flowEnded).
	onFlowEnded func(dpid uint64, fl *flow)
	scratch     sync.Pool
	stats       Counters
	traffic     trafficStats // statistics collector (stats_*.go)
}

// Counters are the app's event counters since start.
type Counters struct {
	FlowsInstalled, FlowsRemoved, Repeats     atomic.Uint64
	RefusedUnknownPort, RefusedNoBackend      atomic.Uint64
	RefusedConnLimit, ARPAnswered, ARPLearned atomic.Uint64
	RefusedMidstream                          atomic.Uint64
	// RepliesCaught are backend packets of flows whose reverse entry was
	// not in yet, un-NATed by the controller; RepliesPassed are packets a
	// reply catch took that belong to no flow, forwarded as by default.
	RepliesCaught, RepliesPassed atomic.Uint64
	// EntriesRefused are per-flow entries a switch refused (its table
	// full, or a rewrite it cannot do): their flows were dropped.
	// RefusedTableFull are new flows refused while a switch's table was
	// full.
	EntriesRefused, RefusedTableFull atomic.Uint64
	// RefusedSwitchLimit are new flows refused because the switch held
	// Config.MaxFlowsPerSwitch flows.
	RefusedSwitchLimit                           atomic.Uint64
	SendErrors, SwitchErrors, NonIPv4, Malformed atomic.Uint64
}

// state is one immutable snapshot of the configuration with lookup
// tables; per-VIP scheduler state lives in vipState and carries over
// reloads that keep the VIP's pool.
type state struct {
	cfg       Config
	vips      map[uint16]*vipState
	byService map[serviceKey]*vipState
	byAddr    map[netip.Addr][]*vipState
	addrs     []netip.Addr // sorted keys of byAddr
}

type drainKey struct{ vip, backend uint16 }

type serviceKey struct {
	addr  netip.Addr
	proto uint8
	port  uint16
}

// vipState is a VIP with its scheduler. The pick state (mu, sched,
// active) is shared with the VIP's previous vipState when a reload keeps
// its pool, so that a packet-in still holding the old configuration picks
// and counts under the same lock and in the same counts as the new one.
type vipState struct {
	VIP
	mac openflow.MAC

	*vipPool
	drained  []bool           // by backend index: an operator drained it (under mu)
	decided  []*atomic.Uint64 // by backend index: the scheduler's picks (App.decisions)
	cur      *switchState     // the switch of the pick in progress (under mu)
	eligible func(int) bool
}

// vipPool is a VIP's scheduler and active flow count. mu serialises picks
// and counts.
type vipPool struct {
	mu     sync.Mutex
	sched  Scheduler
	active int
}

// switchState is what the app knows of one switch: where hosts are, and
// the flows that entered there.
type switchState struct {
	dpid uint64
	sw   atomic.Pointer[controller.Switch]

	mu      sync.Mutex
	hosts   map[netip.Addr]hostLoc
	flows   map[packet.Key]*flow  // by client -> VIP key
	replies map[packet.Key]*flow  // by backend -> client key
	closing map[closingKey]*flow  // ended flows awaiting their other entry's removal
	asks    map[netip.Addr]arpAsk // ARP requests for backends, for retry backoff
	macs    map[openflow.MAC]macLoc

	traffic *swTraffic // the statistics collector's books of the switch

	// Per-flow ADDs sent lately, by xid, in two generations (see
	// refused.go), and until when the switch takes no new flows after
	// refusing one for a full table (Unix nanoseconds; 0: it takes them).
	adds, oldAdds  map[uint32]pendingAdd
	addsRotated    time.Time
	tableFullUntil atomic.Int64
}

type hostLoc struct {
	mac  openflow.MAC
	port uint32
	seen time.Time
}

type macLoc struct {
	port uint32
	seen time.Time
}

// flow is one load-balanced connection on one switch.
type flow struct {
	proto       uint8
	client      netip.AddrPort
	vip         netip.AddrPort
	backend     netip.AddrPort
	vipID       uint16
	backendID   uint16
	backendIdx  int // index in the VIP's pool when decided (-1 if adopted and gone)
	clientMAC   openflow.MAC
	vipMAC      openflow.MAC
	backendMAC  openflow.MAC
	clientPort  uint32
	backendPort uint32
	installed   time.Time
	idle, hard  uint16
	dsr         bool // direct server return: no reverse entry
	// fwdGone and revGone mark entries the switch removed.
	fwdGone, revGone bool
	closingSince     time.Time
	// Final counters from FLOW_REMOVED, per direction.
	fwdPackets, fwdBytes, revPackets, revBytes uint64
	// polled is what the statistics collector last read from the switch
	// for this flow's entries (stats_*.go; guarded by the switch's mu).
	polled flowPoll
}

func (f *flow) key() packet.Key {
	return packet.Key{Src: f.client.Addr(), Dst: f.vip.Addr(), SrcPort: f.client.Port(), DstPort: f.vip.Port(), Proto: f.proto}
}

func (f *flow) replyKey() packet.Key {
	return packet.Key{Src: f.backend.Addr(), Dst: f.client.Addr(), SrcPort: f.backend.Port(), DstPort: f.client.Port(), Proto: f.proto}
}

// New returns an App with an empty configuration.
func New(opts Options) *App {
	a := &App{owner: opts.Owner, log: opts.Logger, now: opts.Now, arpInterval: opts.ARPInterval, drained: make(map[drainKey]bool)}
	if a.owner == 0 {
		a.owner = 1
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.arpInterval <= 0 {
		a.arpInterval = 10 * time.Second
	}
	a.scratch.New = func() any { return newNATScratch() }
	if err := a.SetConfig(Config{}); err != nil {
		panic(err) // an empty config is always valid
	}
	return a
}

// OwnerCookie returns the cookie value and mask of this instance's
// entries, for the controller's reconciliation.
func (a *App) OwnerCookie() (value, mask uint64) { return OwnerCookie(a.owner) }

// SetConfig swaps in a new configuration. Schedulers of VIPs whose pool is
// unchanged keep their state; flows already installed keep their backend.
// Callers then reconcile the switches (Controller.Reconcile) so that the
// static entries follow.
func (a *App) SetConfig(cfg Config) error {
	// drainMu is held until the new state is in force, so that a
	// concurrent SetDrained either lands before (and is copied in) or
	// sees the new state: never lost on the old one.
	a.drainMu.Lock()
	locked := true
	defer func() {
		if locked {
			a.drainMu.Unlock()
		}
	}()
	old := a.state.Load()
	st := &state{
		cfg:       cfg,
		vips:      make(map[uint16]*vipState, len(cfg.VIPs)),
		byService: make(map[serviceKey]*vipState, len(cfg.VIPs)),
		byAddr:    make(map[netip.Addr][]*vipState),
	}
	for _, v := range cfg.VIPs {
		if !v.Addr.Is4() {
			return fmt.Errorf("lb: VIP %s: only IPv4 is supported", &v)
		}
		if _, dup := st.vips[v.ID]; dup {
			return fmt.Errorf("lb: VIP %s: duplicate id %d", &v, v.ID)
		}
		k := serviceKey{v.Addr, v.Proto, v.Port}
		if _, dup := st.byService[k]; dup {
			return fmt.Errorf("lb: VIP %s: service defined twice", &v)
		}
		vs := &vipState{VIP: v, mac: v.mac()}
		if prev := old.reuse(&v); prev != nil {
			vs.vipPool = prev.vipPool
		} else {
			vs.vipPool = &vipPool{}
			weights := make([]int, len(v.Backends))
			keys := make([]string, len(v.Backends))
			for i, b := range v.Backends {
				weights[i] = b.Weight
				keys[i] = b.AddrPort().String()
			}
			sched, err := NewSchedulerWithKeys(v.Scheduler, keys, weights)
			if err != nil {
				return fmt.Errorf("lb: VIP %s: %w", &v, err)
			}
			vs.sched = sched
			a.recount(vs)
		}
		vs.drained = make([]bool, len(v.Backends))
		vs.decided = make([]*atomic.Uint64, len(v.Backends))
		for i, b := range v.Backends {
			k := drainKey{v.ID, b.ID}
			vs.drained[i] = a.drained[k]
			c, _ := a.decisions.LoadOrStore(k, new(atomic.Uint64))
			vs.decided[i] = c.(*atomic.Uint64)
		}
		vs.eligible = vs.usable
		st.vips[v.ID] = vs
		st.byService[k] = vs
		st.byAddr[v.Addr] = append(st.byAddr[v.Addr], vs)
	}
	for addr := range st.byAddr {
		st.addrs = append(st.addrs, addr)
	}
	slices.SortFunc(st.addrs, func(x, y netip.Addr) int { return x.Compare(y) })
	a.state.Store(st)
	a.drainMu.Unlock()
	locked = false
	a.dropRemovedVIPs(st)
	// Locate new backends now rather than at the next tick.
	a.switches.Range(func(_, v any) bool {
		a.resolveBackends(v.(*switchState), false)
		return true
	})
	return nil
}

// dropRemovedVIPs forgets the flows of VIPs that st no longer has: they
// leave the desired state, so the reconciliation that follows a reload
// deletes their entries (and a switch that is not connected has them
// deleted when it reconnects, as AdoptFlow refuses them). Each entry
// still on the switch waits in closing for the FLOW_REMOVED of its
// deletion, whose final counters close the flow's books; reapClosing ends
// those whose notification never comes.
func (a *App) dropRemovedVIPs(st *state) {
	now := a.now()
	a.switches.Range(func(_, v any) bool {
		ss := v.(*switchState)
		ss.mu.Lock()
		for k, fl := range ss.flows {
			if st.vips[fl.vipID] != nil {
				continue
			}
			delete(ss.flows, k)
			fl.closingSince = now
			if !fl.fwdGone {
				ss.closing[closingKey{KindForward, k}] = fl
			}
			if !fl.dsr {
				delete(ss.replies, fl.replyKey())
				if !fl.revGone {
					ss.closing[closingKey{KindReverse, fl.replyKey()}] = fl
				}
			}
		}
		ss.mu.Unlock()
		return true
	})
}

// recount gives a new scheduler the flows already open on the VIP's
// backends, so that least-connections keeps seeing them after a reload.
// vs is not yet published: only the switches need locking.
func (a *App) recount(vs *vipState) {
	index := make(map[uint16]int, len(vs.Backends))
	for i, b := range vs.Backends {
		index[b.ID] = i
	}
	a.switches.Range(func(_, v any) bool {
		ss := v.(*switchState)
		ss.mu.Lock()
		for _, fl := range ss.flows {
			if fl.vipID != vs.ID {
				continue
			}
			vs.active++
			fl.backendIdx = -1
			if i, ok := index[fl.backendID]; ok {
				fl.backendIdx = i
				vs.sched.Opened(i)
			}
		}
		ss.mu.Unlock()
		return true
	})
}

// reuse returns the old state of a VIP whose scheduler can carry over: same
// id, scheduler kind and pool (addresses, ports and weights).
func (st *state) reuse(v *VIP) *vipState {
	if st == nil {
		return nil
	}
	prev := st.vips[v.ID]
	if prev == nil || prev.Scheduler != v.Scheduler || !slices.Equal(prev.Backends, v.Backends) {
		return nil
	}
	return prev
}

// usable reports whether backend i may take a new flow on the switch of the
// pick in progress: not drained by an operator, and located. Called by the
// scheduler with vs.mu held.
func (vs *vipState) usable(i int) bool {
	if vs.drained[i] {
		return false
	}
	ss := vs.cur
	if ss == nil {
		return false
	}
	ss.mu.Lock()
	_, ok := ss.hosts[vs.Backends[i].Addr]
	ss.mu.Unlock()
	return ok
}

func (a *App) switchState(dpid uint64) *switchState {
	if v, ok := a.switches.Load(dpid); ok {
		return v.(*switchState)
	}
	ss := &switchState{
		dpid:    dpid,
		hosts:   make(map[netip.Addr]hostLoc),
		flows:   make(map[packet.Key]*flow),
		replies: make(map[packet.Key]*flow),
		closing: make(map[closingKey]*flow),
		asks:    make(map[netip.Addr]arpAsk),
		macs:    make(map[openflow.MAC]macLoc),
		traffic: a.traffic.swTraffic(dpid),
		adds:    make(map[uint32]pendingAdd),
		oldAdds: make(map[uint32]pendingAdd),
	}
	v, _ := a.switches.LoadOrStore(dpid, ss)
	return v.(*switchState)
}

// SwitchUp resolves the backends on a switch that is ready.
func (a *App) SwitchUp(sw *controller.Switch) {
	ss := a.switchState(sw.DPID())
	ss.sw.Store(sw)
	mode := a.state.Load().cfg.ReplyCatch
	a.log.Info("switch up", "dpid", ss.dpid, "reply_catch", catchesReplies(mode, sw.Features().Desc), "reply_catch_mode", mode)
	a.resolveBackends(ss, true)
}

// SwitchDown forgets the connection; flows and locations are kept, so that
// a reconnecting switch gets its per-flow entries back.
func (a *App) SwitchDown(sw *controller.Switch) {
	ss := a.switchState(sw.DPID())
	ss.sw.CompareAndSwap(sw, nil)
}

// DesiredFlows returns the static entries for the current configuration and
// the per-flow entries the app holds for this switch (replayed when the
// switch lost its table).
func (a *App) DesiredFlows(sw *controller.Switch) []openflow.FlowMod {
	st := a.state.Load()
	out := a.staticFlows(st, sw.Features().Desc)
	ss := a.switchState(sw.DPID())
	now := a.now()
	s := a.scratch.Get().(*natScratch)
	defer a.scratch.Put(s)
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for _, fl := range ss.flows {
		if st.vips[fl.vipID] == nil {
			continue // its VIP is being removed (dropRemovedVIPs)
		}
		// An entry past its hard timeout is gone or about to go: not
		// wanted. The others are wanted with the hard timeout they were
		// installed with: the reconciliation compares timeouts, and the
		// remaining time would differ from the entry's, replacing every
		// per-flow entry at every reload. (A replay after the switch lost
		// its table thus restarts the hard timeout.)
		if fl.hard > 0 && now.Sub(fl.installed) >= time.Duration(fl.hard)*time.Second {
			continue
		}
		s.fill(a.owner, fl, fl.idle, fl.hard)
		if !fl.fwdGone {
			out = append(out, cloneFlowMod(&s.fwd))
		}
		if !fl.revGone {
			out = append(out, cloneFlowMod(&s.rev))
		}
	}
	return out
}

// Run keeps backend locations fresh until ctx ends: unlocated backends are
// asked for with a quick backoff (firstARPRetry, doubling up to the ARP
// interval), located ones are confirmed every ARPInterval, and flows whose
// second FLOW_REMOVED never came are reaped.
func (a *App) Run(ctx context.Context) {
	tick := min(firstARPRetry, a.arpInterval)
	t := time.NewTicker(tick)
	defer t.Stop()
	lastReap := a.now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		reap := a.now().Sub(lastReap) >= a.arpInterval
		if reap {
			lastReap = a.now()
		}
		a.switches.Range(func(_, v any) bool {
			ss := v.(*switchState)
			a.resolveBackends(ss, false)
			a.rotateAdds(ss)
			if reap {
				a.reapClosing(ss, a.arpInterval)
				a.forgetMACs(ss)
			}
			return true
		})
	}
}

// firstARPRetry is how soon an unanswered ARP request for a backend is
// repeated; the delay doubles up to the ARP interval. A backend added by a
// reload, or whose first reply was lost while the switch's datapath still
// held old entries, is thus in service within a second or so.
const firstARPRetry = 250 * time.Millisecond

// arpAsk is when a backend was last asked for on a switch, and how long to
// wait before asking again while it does not answer.
type arpAsk struct {
	last    time.Time
	backoff time.Duration
}

// resolveBackends sends ARP requests, from a VIP's address and MAC, for
// the backends that are due: unlocated ones on their retry backoff (all of
// them at once when now is true), located ones once per ARP interval. It
// forgets locations not confirmed for three intervals.
func (a *App) resolveBackends(ss *switchState, now bool) {
	sw := ss.sw.Load()
	if sw == nil {
		return
	}
	st := a.state.Load()
	t := a.now()
	ss.mu.Lock()
	for ip, h := range ss.hosts {
		if t.Sub(h.seen) > 3*a.arpInterval {
			delete(ss.hosts, ip)
		}
	}
	type req struct {
		vs     *vipState
		target netip.Addr
	}
	var reqs []req
	seen := map[netip.Addr]bool{}
	for _, vs := range st.vips {
		for _, b := range vs.Backends {
			if seen[b.Addr] {
				continue
			}
			seen[b.Addr] = true
			ask := ss.asks[b.Addr]
			h, located := ss.hosts[b.Addr]
			switch {
			case located && t.Sub(h.seen) < a.arpInterval && !now:
				continue // fresh
			case located:
				if t.Sub(ask.last) < a.arpInterval && !now {
					continue // confirmation already asked for
				}
				ask = arpAsk{last: t}
			default:
				if !now && t.Sub(ask.last) < ask.backoff {
					continue
				}
				ask.backoff = min(max(2*ask.backoff, firstARPRetry), a.arpInterval)
				ask.last = t
			}
			ss.asks[b.Addr] = ask
			reqs = append(reqs, req{vs, b.Addr})
		}
	}
	for ip := range ss.asks {
		if !seen[ip] {
			delete(ss.asks, ip) // no longer a backend
		}
	}
	ss.mu.Unlock()
	for _, r := range reqs {
		frame, err := packet.AppendARPRequest(nil, r.vs.mac, r.vs.Addr, r.target)
		if err != nil {
			a.log.Error("build ARP request", "vip", r.vs.String(), "backend", r.target, "err", err)
			continue
		}
		po := &openflow.PacketOut{BufferID: openflow.NoBuffer, InPort: openflow.PortController, Data: frame,
			Actions: []openflow.Action{&openflow.Output{Port: openflow.PortFlood}}}
		if _, err := sw.Send(po); err != nil {
			a.stats.SendErrors.Add(1)
		}
	}
}

// Flows returns a snapshot of the flows held for a switch (all switches if
// dpid is 0).
func (a *App) Flows(dpid uint64) []FlowInfo {
	var out []FlowInfo
	a.switches.Range(func(k, v any) bool {
		ss := v.(*switchState)
		if dpid != 0 && ss.dpid != dpid {
			return true
		}
		ss.mu.Lock()
		for _, fl := range ss.flows {
			out = append(out, FlowInfo{DPID: ss.dpid, Proto: fl.proto, Client: fl.client, VIP: fl.vip, Backend: fl.backend,
				VIPID: fl.vipID, BackendID: fl.backendID, Installed: fl.installed})
		}
		ss.mu.Unlock()
		return true
	})
	slices.SortFunc(out, func(x, y FlowInfo) int {
		if c := x.Client.Compare(y.Client); c != 0 {
			return c
		}
		return x.VIP.Compare(y.VIP)
	})
	return out
}

// FlowInfo describes one flow for the API and tests.
type FlowInfo struct {
	DPID                 uint64
	Proto                uint8
	Client, VIP, Backend netip.AddrPort
	VIPID, BackendID     uint16
	Installed            time.Time
}

// Active returns the active flows of each backend of a VIP, by backend id.
func (a *App) Active(vipID uint16) map[uint16]int {
	st := a.state.Load()
	vs := st.vips[vipID]
	if vs == nil {
		return nil
	}
	vs.mu.Lock()
	defer vs.mu.Unlock()
	out := make(map[uint16]int, len(vs.Backends))
	for i, b := range vs.Backends {
		out[b.ID] = vs.sched.Active(i)
	}
	return out
}

// Counters returns the app's counters.
func (a *App) Counters() *Counters { return &a.stats }

// lookup finds the VIP serving a packet: the exact service, else the
// address's wildcard-port VIP for the protocol.
func (st *state) lookup(addr netip.Addr, proto uint8, port uint16) *vipState {
	if vs := st.byService[serviceKey{addr, proto, port}]; vs != nil {
		return vs
	}
	return st.byService[serviceKey{addr, proto, 0}]
}

// ErrUnknownBackend reports a VIP or backend id that the configuration
// does not have.
var ErrUnknownBackend = errors.New("lb: no such VIP or backend")

// SetDrained drains (true) or re-enables (false) a backend of a VIP at run
// time: a drained backend takes no new flows and keeps its existing ones
// until they end. The setting outlives policy reloads.
func (a *App) SetDrained(vipID, backendID uint16, drained bool) error {
	a.drainMu.Lock() // against SetConfig: see there
	defer a.drainMu.Unlock()
	vs := a.state.Load().vips[vipID]
	if vs == nil {
		return fmt.Errorf("%w: VIP %d", ErrUnknownBackend, vipID)
	}
	idx := -1
	for i, b := range vs.Backends {
		if b.ID == backendID {
			idx = i
		}
	}
	if idx < 0 {
		return fmt.Errorf("%w: backend %d of VIP %s", ErrUnknownBackend, backendID, vs.String())
	}
	if drained {
		a.drained[drainKey{vipID, backendID}] = true
	} else {
		delete(a.drained, drainKey{vipID, backendID})
	}
	vs.mu.Lock()
	vs.drained[idx] = drained
	vs.mu.Unlock()
	a.log.Info("backend drain changed", "vip", vs.String(), "backend", vs.Backends[idx].AddrPort(), "drained", drained)
	return nil
}

// VIPInfo describes a VIP and its backends' state for the API.
type VIPInfo struct {
	VIP
	Active   int
	Backends []BackendInfo
}

// BackendInfo is a backend with its state.
type BackendInfo struct {
	Backend
	Drained bool // by an operator (weight 0 in the policy is Weight == 0)
	Active  int
	// Decisions counts the new flows the VIP's scheduler gave the backend
	// since the controller started (adopted flows are no decisions).
	Decisions uint64
	// Located lists the switches (DPIDs) where the backend's port and MAC
	// are known.
	Located []uint64
}

// VIPs returns every VIP with its backends' state, sorted by tenant and name.
func (a *App) VIPs() []VIPInfo {
	st := a.state.Load()
	located := map[netip.Addr][]uint64{}
	a.switches.Range(func(_, v any) bool {
		ss := v.(*switchState)
		ss.mu.Lock()
		for ip := range ss.hosts {
			located[ip] = append(located[ip], ss.dpid)
		}
		ss.mu.Unlock()
		return true
	})
	out := make([]VIPInfo, 0, len(st.vips))
	for _, vs := range st.vips {
		vs.mu.Lock()
		vi := VIPInfo{VIP: vs.VIP, Active: vs.active}
		vi.VIP.Backends = nil
		vi.MAC = vs.mac
		for i, b := range vs.Backends {
			loc := slices.Clone(located[b.Addr])
			slices.Sort(loc)
			vi.Backends = append(vi.Backends, BackendInfo{Backend: b, Drained: vs.drained[i], Active: vs.sched.Active(i), Located: loc,
				Decisions: vs.decided[i].Load()})
		}
		vs.mu.Unlock()
		out = append(out, vi)
	}
	slices.SortFunc(out, func(x, y VIPInfo) int {
		if x.Tenant != y.Tenant {
			return strings.Compare(x.Tenant, y.Tenant)
		}
		return strings.Compare(x.Name, y.Name)
	})
	return out
}
