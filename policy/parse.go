package policy

import (
	"net"
	"net/netip"
	"time"

	"gopkg.in/yaml.v3"
)

// Defaults of a VIP's settings when its policy leaves them out.
const (
	// DefaultIdleTimeout is the idle timeout of per-connection entries
	// when neither the VIP nor Options set one.
	DefaultIdleTimeout = 30 * time.Second
	// DefaultStatsInterval is the stats polling period.
	DefaultStatsInterval = 10 * time.Second
	// MaxTimeout is the longest idle or hard timeout: OpenFlow carries
	// them in 16 bits of seconds.
	MaxTimeout = 65535 * time.Second
	// MaxVIPsPerTenant bounds the VIPs of one policy file.
	MaxVIPsPerTenant = 4096
	// MaxBackendsPerVIP bounds the backends of one VIP.
	MaxBackendsPerVIP = 4096
)

// Options are the controller-wide defaults that a policy file can
// override per VIP. The zero value, or a nil *Options, gives the package
// defaults.
type Options struct {
	// DefaultIdleTimeout is the idle timeout of VIPs that set none; 0
	// means DefaultIdleTimeout. Rounded down to whole seconds and capped
	// at MaxTimeout.
	DefaultIdleTimeout time.Duration
	// DefaultHardTimeout is the hard timeout of VIPs that set none; 0
	// means none. Rounded down to whole seconds and capped at MaxTimeout.
	DefaultHardTimeout time.Duration
}

func toSeconds(d time.Duration) uint16 {
	switch {
	case d <= 0:
		return 0
	case d >= MaxTimeout:
		return 65535
	}
	return uint16(d / time.Second)
}

func (o *Options) timeouts() (idle, hard uint16) {
	idle = toSeconds(DefaultIdleTimeout)
	if o == nil {
		return idle, 0
	}
	if o.DefaultIdleTimeout > 0 {
		idle = toSeconds(o.DefaultIdleTimeout)
	}
	return idle, toSeconds(o.DefaultHardTimeout)
}

// The keys of each mapping, in the order of the documentation.
var (
	tenantKeys  = []string{"tenant", "vip_ranges", "vips"}
	vipKeys     = []string{"name", "id", "address", "port", "protocol", "mode", "scheduler", "idle_timeout", "hard_timeout", "nat", "mac", "unknown_port", "stats", "connection_limit", "backends"}
	natKeys     = []string{"translate_address", "translate_port", "arp"}
	statsKeys   = []string{"policy", "interval"}
	backendKeys = []string{"name", "id", "address", "port", "weight"}
)

// Policy-file spellings of the enums, indexed by value.
var (
	protocolNames = func() []string {
		s := make([]string, UDP+1)
		s[TCP], s[UDP] = "tcp", "udp"
		return s
	}()
	arpNames     = []string{ARPAnswer: "answer", NoARP: "noarp"}
	unknownNames = []string{UnknownDrop: "drop", UnknownReset: "reset"}
	statsNames   = []string{StatsPerVIP: "per_vip", StatsPerFlow: "per_flow", StatsNone: "none"}
)

// fileSrc is one parsed file: the tenant and the positions that set-wide
// validation reports.
type fileSrc struct {
	name      string
	tenant    *Tenant // nil if the file has no valid tenant name
	tenantPos Pos
	vips      []*vipSrc
}

// vipSrc is a parsed VIP with the positions of its fields.
type vipSrc struct {
	vip      *VIP
	keyOK    bool // address, protocol and port are valid
	idSet    bool
	namePos  Pos
	idPos    Pos
	addrPos  Pos
	macPos   Pos
	backends []*backendSrc
}

// backendSrc is a parsed backend with the positions of its fields.
type backendSrc struct {
	b       Backend
	ok      bool // address and port are valid
	idSet   bool
	idPos   Pos
	addrPos Pos
}

// parseFile decodes one policy file and checks everything that needs no
// other file. Problems go to e; the result holds whatever was valid.
func parseFile(file string, data []byte, opts *Options, e *errs) *fileSrc {
	fs := &fileSrc{name: file}
	root := parseYAML(file, data, e)
	if root == nil {
		return fs
	}
	d := &decoder{file: file, e: e}
	root = d.deref(root)
	if root == nil {
		return fs
	}
	f, ok := d.fields(root, "policy", tenantKeys...)
	if !ok {
		return fs
	}
	d.require(root, f, "policy", "tenant", "vip_ranges")

	t := &Tenant{}
	if n := f["tenant"]; n != nil {
		if name, ok := d.name(n, "tenant"); ok {
			t.Name = name
			t.Pos = d.pos(n)
			fs.tenant, fs.tenantPos = t, t.Pos
		}
	}
	rangesOK := false
	if n := f["vip_ranges"]; n != nil {
		t.VIPRanges, rangesOK = d.ranges(n)
	}
	if n := f["vips"]; n != nil {
		items, ok := d.list(n, "vips")
		if ok && len(items) > MaxVIPsPerTenant {
			d.errf(n, "vips: %d VIPs exceed the limit of %d per tenant", len(items), MaxVIPsPerTenant)
			items = nil
		}
		byName := make(map[string]*vipSrc)
		for _, it := range items {
			if d.over {
				break
			}
			vs := d.vip(it, t.Name, opts)
			if vs == nil {
				continue
			}
			v := vs.vip
			if v.Name != "" {
				if prev, dup := byName[v.Name]; dup {
					d.errAt(vs.namePos, "duplicate VIP name %q (first at %s)", v.Name, prev.namePos)
				} else {
					byName[v.Name] = vs
				}
			}
			if vs.keyOK && rangesOK && !inRanges(v.Address, t.VIPRanges) {
				d.errAt(vs.addrPos, "VIP address %v is outside the tenant's vip_ranges (%s)", v.Address, prefixList(t.VIPRanges))
			}
			fs.vips = append(fs.vips, vs)
		}
	}
	return fs
}

func inRanges(a netip.Addr, ranges []netip.Prefix) bool {
	for _, p := range ranges {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func prefixList(ps []netip.Prefix) string {
	s := ""
	for i, p := range ps {
		if i > 0 {
			s += ", "
		}
		s += p.String()
	}
	return s
}

// ranges decodes vip_ranges: a non-empty list of canonical IPv4 prefixes.
func (d *decoder) ranges(n *yaml.Node) ([]netip.Prefix, bool) {
	items, ok := d.list(n, "vip_ranges")
	if !ok {
		return nil, false
	}
	if len(items) == 0 {
		d.errf(n, "vip_ranges: list at least one prefix (the tenant may only use VIP addresses inside them)")
		return nil, false
	}
	var out []netip.Prefix
	for _, it := range items {
		s, ok2 := d.str(it, "vip_ranges")
		if !ok2 {
			ok = false
			continue
		}
		p, err := netip.ParsePrefix(s)
		switch {
		case err != nil:
			d.errf(it, "vip_ranges: invalid prefix %q (write e.g. 10.0.0.0/24)", s)
		case !p.Addr().Is4():
			d.errf(it, "vip_ranges: %s is not IPv4 (only IPv4 is supported)", s)
		case p.Masked() != p:
			d.errf(it, "vip_ranges: %s has host bits set (did you mean %s?)", s, p.Masked())
		default:
			out = append(out, p)
			continue
		}
		ok = false
	}
	return out, ok
}

// addr decodes a unicast IPv4 address.
func (d *decoder) addr(n *yaml.Node, what string) (netip.Addr, bool) {
	s, ok := d.str(n, what)
	if !ok {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(s)
	switch {
	case err != nil:
		d.errf(n, "%s: invalid IP address %q", what, s)
	case !a.Is4():
		d.errf(n, "%s: %s is not IPv4 (only IPv4 is supported)", what, s)
	case a.IsUnspecified(), a.IsMulticast(), a.IsLoopback(), a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		d.errf(n, "%s: %s is not a unicast address", what, s)
	default:
		return a, true
	}
	return netip.Addr{}, false
}

// mac decodes a unicast Ethernet address.
func (d *decoder) mac(n *yaml.Node, what string) (MAC, bool) {
	s, ok := d.str(n, what)
	if !ok {
		return MAC{}, false
	}
	hw, err := net.ParseMAC(s)
	switch {
	case err != nil || len(hw) != 6:
		d.errf(n, "%s: invalid Ethernet address %q (write e.g. 02:00:0a:00:00:01)", what, s)
	case hw[0]&1 != 0:
		d.errf(n, "%s: %s is a multicast address", what, s)
	case MAC(hw) == MAC{}:
		d.errf(n, "%s: %s is the zero address", what, s)
	default:
		return MAC(hw), true
	}
	return MAC{}, false
}

// vip decodes one VIP and checks it on its own.
func (d *decoder) vip(n *yaml.Node, tenant string, opts *Options) *vipSrc {
	f, ok := d.fields(n, "vip", vipKeys...)
	if !ok {
		return nil
	}
	idle, hard := opts.timeouts()
	v := &VIP{
		Tenant:      tenant,
		Protocol:    TCP,
		Mode:        Reactive,
		Scheduler:   WeightedRoundRobin,
		IdleTimeout: idle,
		HardTimeout: hard,
		NAT:         NAT{TranslateAddress: true, TranslatePort: true, ARP: ARPAnswer},
		UnknownPort: UnknownReset,
		Stats:       Stats{Policy: StatsPerVIP, Interval: DefaultStatsInterval},
		Pos:         d.pos(n),
	}
	vs := &vipSrc{vip: v, namePos: d.pos(n), addrPos: d.pos(n)}
	d.require(n, f, "vip", "name", "address", "port")
	keyOK := f["address"] != nil && f["port"] != nil

	if x := f["name"]; x != nil {
		vs.namePos = d.pos(x)
		if s, ok := d.name(x, "name"); ok {
			v.Name = s
		}
	}
	if x := f["id"]; x != nil {
		if id, ok := d.integer(x, "id", 1, 65535); ok {
			v.ID, vs.idSet, vs.idPos = VIPID(id), true, d.pos(x)
		}
	} else if v.Name != "" && tenant != "" {
		v.ID = DeriveVIPID(tenant, v.Name)
		vs.idPos = vs.namePos
	}
	if x := f["address"]; x != nil {
		vs.addrPos = d.pos(x)
		a, ok := d.addr(x, "address")
		v.Address, keyOK = a, keyOK && ok
	}
	if x := f["port"]; x != nil {
		p, ok := d.integer(x, "port", 0, 65535)
		v.Port, keyOK = uint16(p), keyOK && ok
	}
	if x := f["protocol"]; x != nil {
		i, ok := d.enum(x, "protocol", protocolNames)
		v.Protocol, keyOK = Protocol(i), keyOK && ok
	}
	vs.keyOK = keyOK
	if x := f["mode"]; x != nil {
		if i, ok := d.enum(x, "mode", modeNames[:]); ok {
			v.Mode = Mode(i)
		}
	}
	if x := f["scheduler"]; x != nil {
		if i, ok := d.enum(x, "scheduler", schedulerNames[:]); ok {
			v.Scheduler = Scheduler(i)
		}
	}
	if x := f["idle_timeout"]; x != nil {
		if t, ok := d.seconds(x, "idle_timeout", 0, MaxTimeout); ok {
			v.IdleTimeout = toSeconds(t)
		}
	}
	if x := f["hard_timeout"]; x != nil {
		if t, ok := d.seconds(x, "hard_timeout", 0, MaxTimeout); ok {
			v.HardTimeout = toSeconds(t)
		}
	}
	// A wildcard-port VIP keeps the client's port: translation is off
	// unless asked for, and asking for it is an error below.
	if v.Port == 0 && keyOK {
		v.NAT.TranslatePort = false
	}
	translatePortSet := false
	var translatePortNode *yaml.Node
	if x := f["nat"]; x != nil {
		if nf, ok := d.fields(x, "nat", natKeys...); ok {
			if y := nf["translate_address"]; y != nil {
				if b, ok := d.boolean(y, "translate_address"); ok {
					v.NAT.TranslateAddress = b
				}
			}
			if y := nf["translate_port"]; y != nil {
				if b, ok := d.boolean(y, "translate_port"); ok {
					v.NAT.TranslatePort, translatePortSet, translatePortNode = b, true, y
				}
			}
			if y := nf["arp"]; y != nil {
				if i, ok := d.enum(y, "arp", arpNames); ok {
					v.NAT.ARP = ARPMode(i)
				}
			}
		}
	}
	if x := f["mac"]; x != nil {
		vs.macPos = d.pos(x)
		if m, ok := d.mac(x, "mac"); ok {
			v.MAC, v.MACSet = m, true
		}
	}
	if !v.MACSet && keyOK {
		v.MAC = DerivedMAC(v.Address)
	}
	if x := f["unknown_port"]; x != nil {
		if i, ok := d.enum(x, "unknown_port", unknownNames); ok {
			v.UnknownPort = UnknownPortAction(i)
		}
	}
	var intervalNode, statsPolicyNode *yaml.Node
	if x := f["stats"]; x != nil {
		if sf, ok := d.fields(x, "stats", statsKeys...); ok {
			if y := sf["policy"]; y != nil {
				statsPolicyNode = y
				if i, ok := d.enum(y, "policy", statsNames); ok {
					v.Stats.Policy = StatsPolicy(i)
				}
			}
			if y := sf["interval"]; y != nil {
				intervalNode = y
				if t, ok := d.seconds(y, "interval", time.Second, time.Hour); ok {
					v.Stats.Interval = t
				}
			}
		}
	}
	if x := f["connection_limit"]; x != nil {
		if c, ok := d.integer(x, "connection_limit", 0, 1<<32-1); ok {
			v.ConnectionLimit = uint32(c)
		}
	}

	// Checks across the VIP's own settings.
	if v.Stats.Policy == StatsNone {
		if intervalNode != nil {
			d.errf(intervalNode, "interval: stats policy none polls nothing; remove interval")
		}
		v.Stats.Interval = 0
	}
	if translatePortSet && v.NAT.TranslatePort {
		switch {
		case keyOK && v.Port == 0:
			d.errf(translatePortNode, "translate_port: a wildcard VIP (port 0) keeps the client's port and cannot translate it")
		case !v.NAT.TranslateAddress:
			d.errf(translatePortNode, "translate_port: needs translate_address (with direct server return the replies bypass the reverse translation)")
		}
	} else if !translatePortSet && !v.NAT.TranslateAddress {
		v.NAT.TranslatePort = false // direct server return keeps the port
	}
	if v.Mode != Reactive {
		if v.Scheduler.CountsConnections() {
			d.errf(f["scheduler"], "scheduler: %v counts connections, which only mode reactive sees (mode is %v)", v.Scheduler, v.Mode)
		}
		if v.ConnectionLimit > 0 {
			d.errf(f["connection_limit"], "connection_limit: only mode reactive counts connections (mode is %v)", v.Mode)
		}
		if v.Stats.Policy == StatsPerFlow {
			d.errf(statsPolicyNode, "policy: per_flow needs per-connection entries, which only mode reactive installs (mode is %v)", v.Mode)
		}
	} else if v.IdleTimeout == 0 && v.HardTimeout == 0 {
		at := n
		if x := f["idle_timeout"]; x != nil {
			at = x
		} else if x := f["hard_timeout"]; x != nil {
			at = x
		}
		d.errf(at, "idle_timeout and hard_timeout are both 0: per-connection entries would never expire and fill the switch's table")
	}

	if x := f["backends"]; x != nil {
		vs.backends = d.backends(x, vs)
	}
	return vs
}

// backends decodes a VIP's backends and checks them against the VIP and
// each other.
func (d *decoder) backends(n *yaml.Node, vs *vipSrc) []*backendSrc {
	items, ok := d.list(n, "backends")
	if !ok {
		return nil
	}
	if len(items) > MaxBackendsPerVIP {
		d.errf(n, "backends: %d backends exceed the limit of %d per VIP", len(items), MaxBackendsPerVIP)
		return nil
	}
	v := vs.vip
	var out []*backendSrc
	byAddr := make(map[netip.AddrPort]*backendSrc)
	byName := make(map[string]Pos)
	for _, it := range items {
		if d.over {
			break
		}
		f, ok := d.fields(it, "backend", backendKeys...)
		if !ok {
			continue
		}
		bs := &backendSrc{b: Backend{Weight: 1, Pos: d.pos(it)}, addrPos: d.pos(it)}
		b := &bs.b
		bs.ok = d.require(it, f, "backend", "address")
		if x := f["name"]; x != nil {
			if s, ok := d.name(x, "name"); ok {
				if prev, dup := byName[s]; dup {
					d.errf(x, "duplicate backend name %q (first at %s)", s, prev)
				} else {
					b.Name, byName[s] = s, d.pos(x)
				}
			}
		}
		if x := f["address"]; x != nil {
			bs.addrPos = d.pos(x)
			a, ok := d.addr(x, "address")
			b.Address, bs.ok = a, bs.ok && ok
			if ok && vs.keyOK && a == v.Address {
				d.errf(x, "address: %v is the VIP's own address", a)
				bs.ok = false
			}
		}
		if x := f["port"]; x != nil {
			p, ok := d.integer(x, "port", 1, 65535)
			switch {
			case !ok:
				bs.ok = false
			case vs.keyOK && v.Port == 0:
				d.errf(x, "port: backends of a wildcard VIP (port 0) keep the client's port; remove port")
				bs.ok = false
			case vs.keyOK && !v.NAT.TranslatePort && uint16(p) != v.Port:
				d.errf(x, "port: %d differs from the VIP's port %d but nat.translate_port is false", p, v.Port)
				bs.ok = false
			default:
				b.Port = uint16(p)
			}
		} else {
			b.Port = v.Port
		}
		if x := f["weight"]; x != nil {
			if w, ok := d.integer(x, "weight", 0, 65535); ok {
				b.Weight = uint16(w)
			}
		}
		if x := f["id"]; x != nil {
			if id, ok := d.integer(x, "id", 1, 65535); ok {
				b.ID, bs.idSet, bs.idPos = BackendID(id), true, d.pos(x)
			}
		} else {
			bs.idPos = bs.addrPos
		}
		if bs.ok {
			if !bs.idSet {
				b.ID = DeriveBackendID(b.AddrPort())
			}
			ap := b.AddrPort()
			if prev, dup := byAddr[ap]; dup {
				d.errAt(bs.addrPos, "duplicate backend %v (first at %s)", ap, prev.addrPos)
				continue
			}
			byAddr[ap] = bs
		}
		out = append(out, bs)
	}
	return out
}
