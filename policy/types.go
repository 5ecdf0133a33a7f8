package policy

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Protocol is the transport protocol of a VIP. Its values are the IP
// protocol numbers, so uint8(p) can go straight into an ip_proto match.
type Protocol uint8

// Protocols a VIP can serve. The zero value is invalid.
const (
	// TCP is IP protocol 6.
	TCP Protocol = 6
	// UDP is IP protocol 17.
	UDP Protocol = 17
)

// String returns the policy-file spelling: "tcp" or "udp".
func (p Protocol) String() string { return enumString(protocolNames, p, "Protocol") }

// enumString returns names[v], or Type(v) for a value without a name.
// Each enum has one table of names, indexed by value, for String and for
// parsing.
func enumString[T ~uint8](names []string, v T, typ string) string {
	if int(v) < len(names) && names[v] != "" {
		return names[v]
	}
	return fmt.Sprintf("%s(%d)", typ, uint8(v))
}

// Scheduler selects the backend of a new connection.
type Scheduler uint8

// Schedulers, named as in IPVS. The zero value is invalid.
const (
	// RoundRobin takes the backends in turn; weights other than 0
	// (drained) are ignored.
	RoundRobin Scheduler = iota + 1
	// WeightedRoundRobin takes the backends in turn, each in proportion to
	// its weight (the default).
	WeightedRoundRobin
	// LeastConnections takes the backend with the fewest active flows.
	LeastConnections
	// WeightedLeastConnections takes the backend with the fewest active
	// flows per unit of weight.
	WeightedLeastConnections
	// ConsistentHash hashes the flow's addresses and ports onto a ring of
	// weighted backends, so that a change of backends moves few flows.
	ConsistentHash
)

var schedulerNames = []string{
	RoundRobin:               "round_robin",
	WeightedRoundRobin:       "weighted_round_robin",
	LeastConnections:         "least_connections",
	WeightedLeastConnections: "weighted_least_connections",
	ConsistentHash:           "consistent_hash",
}

// String returns the policy-file spelling, e.g. "round_robin".
func (s Scheduler) String() string { return enumString(schedulerNames, s, "Scheduler") }

// CountsConnections reports whether the scheduler needs the number of
// active flows per backend, which only the reactive mode knows.
func (s Scheduler) CountsConnections() bool {
	return s == LeastConnections || s == WeightedLeastConnections
}

// Mode is how a VIP's connections are set up (see DESIGN.md, "Modes of a
// VIP").
type Mode uint8

// VIP modes. The zero value is invalid.
const (
	// Reactive installs per-connection NAT entries from packet-ins: works on
	// any OpenFlow 1.3 switch (the default).
	Reactive Mode = iota + 1
	// Stateless installs select groups or hash-partitioned wildcard
	// entries up front; no per-flow controller work.
	Stateless
	// Conntrack uses a select group with Open vSwitch's ct(commit, nat);
	// Open vSwitch only.
	Conntrack
)

var modeNames = []string{Reactive: "reactive", Stateless: "stateless", Conntrack: "conntrack"}

// String returns the policy-file spelling, e.g. "reactive".
func (m Mode) String() string { return enumString(modeNames, m, "Mode") }

// ARPMode says whether the controller answers ARP requests for a VIP.
type ARPMode uint8

// ARP modes. The zero value is invalid.
const (
	// ARPAnswer makes the controller answer ARP for the VIP with the VIP's
	// MAC (the default).
	ARPAnswer ARPMode = iota + 1
	// NoARP leaves ARP alone: the VIP is routed to the switch, or the
	// backends own the address (direct server return).
	NoARP
)

// String returns the policy-file spelling: "answer" or "noarp".
func (a ARPMode) String() string { return enumString(arpNames, a, "ARPMode") }

// UnknownPortAction is what happens to a packet sent to a VIP's address on
// a protocol and port that no VIP serves.
type UnknownPortAction uint8

// Unknown-port actions. The zero value is invalid.
const (
	// UnknownDrop drops the packet silently, to hide which ports exist.
	UnknownDrop UnknownPortAction = iota + 1
	// UnknownReset answers with a TCP RST (TCP) or an ICMP port
	// unreachable (UDP).
	UnknownReset
)

// String returns the policy-file spelling: "drop" or "reset".
func (u UnknownPortAction) String() string { return enumString(unknownNames, u, "UnknownPortAction") }

// StatsPolicy is which counters the controller polls for a VIP.
type StatsPolicy uint8

// Stats policies. The zero value is invalid.
const (
	// StatsPerVIP polls aggregate counters of the VIP's entries (the
	// default).
	StatsPerVIP StatsPolicy = iota + 1
	// StatsPerFlow polls every per-connection entry (reactive mode only):
	// feeds least-connections schedulers and controller-side reaping.
	StatsPerFlow
	// StatsNone polls nothing; only FLOW_REMOVED counters are kept.
	StatsNone
)

// String returns the policy-file spelling: "per_vip", "per_flow" or "none".
func (s StatsPolicy) String() string { return enumString(statsNames, s, "StatsPolicy") }

// MAC is an Ethernet address held by value. It converts to openflow.MAC
// with a plain conversion.
type MAC [6]byte

// String returns the address as six colon-separated lower-case hex bytes.
func (m MAC) String() string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5])
}

// DerivedMAC is the MAC a VIP uses when its policy sets none: locally
// administered unicast 02:00 followed by the four bytes of the IPv4
// address, so each VIP address has its own MAC and every instance derives
// the same one.
func DerivedMAC(addr netip.Addr) MAC {
	a := addr.As4()
	return MAC{0x02, 0x00, a[0], a[1], a[2], a[3]}
}

// Pos is a position in a policy file. Line and Column count from 1; zero
// means unknown.
type Pos struct {
	File         string
	Line, Column int
}

// String formats p as file:line:col, leaving out what is unknown.
func (p Pos) String() string {
	switch {
	case p.Line <= 0:
		return p.File
	case p.Column <= 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
}

// VIPID is the stable 16-bit id of a VIP, carried in flow cookies. It is
// derived from the tenant and VIP names (see DeriveVIPID) unless the policy
// sets it; it is never 0.
type VIPID uint16

// BackendID is the stable 16-bit id of a backend address and port, carried
// in flow cookies. It is derived from the address and port (see
// DeriveBackendID) unless the policy sets it; it is never 0.
type BackendID uint16

// NAT holds a VIP's address-translation options.
type NAT struct {
	// TranslateAddress rewrites the VIP address to the backend's (and
	// back on replies). False means direct server return: only the
	// destination MAC is rewritten and the backends own the VIP address.
	TranslateAddress bool
	// TranslatePort rewrites the VIP port to the backend's port.
	TranslatePort bool
	// ARP says whether the controller answers ARP for the VIP.
	ARP ARPMode
}

// Stats holds a VIP's statistics policy.
type Stats struct {
	// Policy is which counters are polled.
	Policy StatsPolicy
	// Interval is the polling period (0 when Policy is StatsNone).
	Interval time.Duration
}

// Backend is one server behind a VIP. It is identified by its address and
// port; the same address and port have the same ID in every VIP.
type Backend struct {
	// ID is the backend's stable cookie id.
	ID BackendID
	// Name is the optional name from the policy ("" if none).
	Name string
	// Address is the backend's IPv4 address.
	Address netip.Addr
	// Port is the backend's port; 0 for the backends of a wildcard-port
	// VIP (the client's destination port is kept).
	Port uint16
	// Weight is the scheduling weight; 0 means drained: no new
	// connections, existing ones continue.
	Weight uint16
	// Pos is where the backend is defined.
	Pos Pos
}

// AddrPort returns the backend's address and port.
func (b Backend) AddrPort() netip.AddrPort { return netip.AddrPortFrom(b.Address, b.Port) }

// Drained reports whether the backend takes no new connections.
func (b Backend) Drained() bool { return b.Weight == 0 }

// String returns the backend's name, or its address and port.
func (b Backend) String() string {
	if b.Name != "" {
		return b.Name
	}
	return b.AddrPort().String()
}

// VIP is one virtual service: an address, protocol and port served by a
// pool of backends. A VIP reached from a Policy is shared and read-only.
type VIP struct {
	// ID is the VIP's stable cookie id.
	ID VIPID
	// Tenant is the owning tenant's name.
	Tenant string
	// Name is unique within the tenant.
	Name string
	// Address is the VIP's IPv4 address.
	Address netip.Addr
	// Protocol is TCP or UDP.
	Protocol Protocol
	// Port is the VIP's port; 0 is a wildcard VIP that catches every
	// port of Address not served by a more specific VIP.
	Port uint16
	// Mode is how connections are set up.
	Mode Mode
	// Scheduler picks a backend for a new connection.
	Scheduler Scheduler
	// IdleTimeout and HardTimeout are the per-connection entries'
	// timeouts in seconds, as in a FLOW_MOD; 0 means none.
	IdleTimeout, HardTimeout uint16
	// NAT holds the translation options.
	NAT NAT
	// MAC is the VIP's Ethernet address: set in the policy or derived
	// from Address (see DerivedMAC).
	MAC MAC
	// MACSet reports whether MAC came from the policy.
	MACSet bool
	// UnknownPort is what happens to packets for Address on a protocol
	// and port that no VIP serves. It is the same for every VIP of an
	// address.
	UnknownPort UnknownPortAction
	// Stats is the statistics policy.
	Stats Stats
	// ConnectionLimit bounds the VIP's active connections; 0 means no
	// limit.
	ConnectionLimit uint32
	// Backends are sorted by address and port. Nil if there are none.
	Backends []Backend
	// Pos is where the VIP is defined.
	Pos Pos
}

// Key returns the VIP's (address, protocol, port) key.
func (v *VIP) Key() VIPKey { return VIPKey{Addr: v.Address, Protocol: v.Protocol, Port: v.Port} }

// FullName returns "tenant/name".
func (v *VIP) FullName() string { return v.Tenant + "/" + v.Name }

// Backend returns the backend with the given id.
func (v *VIP) Backend(id BackendID) (Backend, bool) {
	for _, b := range v.Backends {
		if b.ID == id {
			return b, true
		}
	}
	return Backend{}, false
}

// Active returns the backends that take new connections (weight > 0), in
// order; nil if none.
func (v *VIP) Active() []Backend {
	var out []Backend
	for _, b := range v.Backends {
		if b.Weight > 0 {
			out = append(out, b)
		}
	}
	return out
}

// VIPKey is what a packet is matched on to find its VIP.
type VIPKey struct {
	Addr     netip.Addr
	Protocol Protocol
	Port     uint16
}

// String formats the key as "tcp 10.0.0.1:80".
func (k VIPKey) String() string {
	return k.Protocol.String() + " " + netip.AddrPortFrom(k.Addr, k.Port).String()
}

// Tenant is one policy file's owner and its VIPs.
type Tenant struct {
	// Name is unique across the policy directory.
	Name string
	// VIPRanges are the prefixes the tenant's VIP addresses must lie in.
	VIPRanges []netip.Prefix
	// VIPs are sorted by name. Nil if there are none.
	VIPs []*VIP
	// Pos is where the tenant's name is defined; Pos.File is the policy
	// file.
	Pos Pos
}

// Policy is a validated set of tenants. It is immutable: it and everything
// reachable from it are shared between goroutines and must not be
// modified. The zero value is an empty policy.
type Policy struct {
	tenants []*Tenant // by name
	vips    []*VIP    // by tenant, then name
	byID    map[VIPID]*VIP
	byKey   map[VIPKey]*VIP
	byAddr  map[netip.Addr][]*VIP
	digest  string
}

// Tenants returns the tenants sorted by name.
func (p *Policy) Tenants() []*Tenant { return slices.Clone(p.tenants) }

// Tenant returns the tenant with the given name.
func (p *Policy) Tenant(name string) (*Tenant, bool) {
	i, ok := slices.BinarySearchFunc(p.tenants, name, func(t *Tenant, n string) int { return strings.Compare(t.Name, n) })
	if !ok {
		return nil, false
	}
	return p.tenants[i], true
}

// VIPs returns every VIP sorted by tenant, then name.
func (p *Policy) VIPs() []*VIP { return slices.Clone(p.vips) }

// Len returns the number of VIPs.
func (p *Policy) Len() int { return len(p.vips) }

// VIP returns the VIP with the given id.
func (p *Policy) VIP(id VIPID) (*VIP, bool) {
	v, ok := p.byID[id]
	return v, ok
}

// Lookup returns the VIP that serves addr, proto and port: the VIP with
// exactly that key, else the wildcard-port VIP of addr and proto.
func (p *Policy) Lookup(addr netip.Addr, proto Protocol, port uint16) (*VIP, bool) {
	if v, ok := p.byKey[VIPKey{addr, proto, port}]; ok {
		return v, true
	}
	v, ok := p.byKey[VIPKey{addr, proto, 0}]
	return v, ok
}

// Address returns the VIPs at addr (any protocol and port), sorted by
// protocol and port, or nil. They agree on MAC, ARP mode and unknown-port
// action, so the first one answers for the address.
func (p *Policy) Address(addr netip.Addr) []*VIP { return slices.Clone(p.byAddr[addr]) }

// Digest returns a hex SHA-256 of the policy files' base names and
// contents, which changes whenever any file does ("" for the zero Policy).
func (p *Policy) Digest() string { return p.digest }
