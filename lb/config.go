package lb

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/oflb/oflb/openflow"
)

// Config is the load balancer's view of the policy: every VIP of every
// tenant, already validated.
type Config struct {
	VIPs []VIP
	// Forwarding is how non-VIP traffic is forwarded.
	Forwarding Forwarding
	// ReplyCatch selects the switches that get reply-catch entries.
	ReplyCatch ReplyCatch
	// MaxFlowsPerSwitch caps the flows held on one switch (0: no cap);
	// new flows past it are refused (TCP RST, ICMP unreachable).
	MaxFlowsPerSwitch int
}

// ReplyCatch selects the switches that get the reply catch of DESIGN
// decision 4. The first packet of a flow goes out in a packet-out right
// behind the flow's two flow-mods; a switch that applies the packet-out
// before the reverse entry is in would forward the backend's answer
// un-NATed, from the backend's own address, and the client would drop it.
// The reply catch is a standing entry per backend service, below every
// per-flow entry, that sends such an answer to the controller instead,
// which un-NATs it from the flow's decision. Open vSwitch applies the
// messages of a connection in order and needs none.
type ReplyCatch uint8

const (
	// ReplyCatchAuto catches replies on every switch but Open vSwitch.
	ReplyCatchAuto ReplyCatch = iota
	// ReplyCatchOn catches replies on every switch.
	ReplyCatchOn
	// ReplyCatchOff never does.
	ReplyCatchOff
)

func (r ReplyCatch) String() string {
	switch r {
	case ReplyCatchOn:
		return "on"
	case ReplyCatchOff:
		return "off"
	}
	return "auto"
}

// Forwarding selects the default entry for traffic that is not a VIP's.
type Forwarding uint8

const (
	// ForwardNormal uses the switch's NORMAL action (Open vSwitch).
	ForwardNormal Forwarding = iota
	// ForwardLearning is the built-in L2 learning switch, for hardware
	// without NORMAL.
	ForwardLearning
)

func (f Forwarding) String() string {
	if f == ForwardLearning {
		return "learning"
	}
	return "normal"
}

// UnknownPort is what happens to a packet for a VIP address on a port or
// protocol the VIP does not serve (the seeds' UNKNOWN error).
type UnknownPort uint8

const (
	// UnknownReset answers TCP with a RST and UDP with ICMP port
	// unreachable, so the client fails at once instead of timing out:
	// what a host without a listener does.
	UnknownReset UnknownPort = iota
	// UnknownDrop drops silently (to hide which ports exist).
	UnknownDrop
)

func (u UnknownPort) String() string {
	if u == UnknownDrop {
		return "drop"
	}
	return "reset"
}

// VIP is one virtual server: an address, protocol and port served by a
// pool of backends.
type VIP struct {
	ID     uint16 // stable id, part of every cookie of the VIP
	Tenant string
	Name   string
	Addr   netip.Addr
	Port   uint16 // 0: every port of Addr not served by another VIP
	Proto  uint8  // 6 (TCP) or 17 (UDP)
	// MAC answers ARP for Addr; derived from the id when zero.
	MAC openflow.MAC
	// Scheduler picks a backend for each new flow.
	Scheduler SchedulerKind
	// IdleTimeout and HardTimeout of per-flow entries (0: none).
	IdleTimeout, HardTimeout time.Duration
	// TranslatePort rewrites the destination port to the backend's; when
	// false (or the backend's port is 0) the backend must listen on the
	// port the client asked for.
	TranslatePort bool
	// DirectServerReturn rewrites only the destination MAC: backends own
	// the VIP address (on a loopback) and answer clients directly, so no
	// reverse entry is installed.
	DirectServerReturn bool
	// NoARP leaves ARP for the VIP to someone else (a router, or hosts
	// configured statically).
	NoARP bool
	// UnknownPort is the behaviour for unserved ports of Addr.
	UnknownPort UnknownPort
	// ConnLimit bounds the VIP's active flows (0: none); past it new flows
	// are refused like an unknown port.
	ConnLimit int
	// Stats is what the controller gathers for the VIP, and how often.
	Stats StatsPolicy
	// StatsInterval is the polling period (0: the app's default).
	StatsInterval time.Duration
	Backends      []Backend
}

// Backend is one server of a VIP's pool.
type Backend struct {
	ID     uint16 // stable id, part of the cookies of its flows
	Name   string
	Addr   netip.Addr
	Port   uint16
	Weight int // 0: drained, takes no new flows
}

// AddrPort returns the backend's address and port.
func (b Backend) AddrPort() netip.AddrPort { return netip.AddrPortFrom(b.Addr, b.Port) }

// AddrPort returns the VIP's address and port.
func (v *VIP) AddrPort() netip.AddrPort { return netip.AddrPortFrom(v.Addr, v.Port) }

func (v *VIP) String() string {
	return fmt.Sprintf("%s/%s %s %s", v.Tenant, v.Name, protoName(v.Proto), v.AddrPort())
}

// mac returns the VIP's MAC: the configured one, or a locally administered
// unicast address derived from the VIP id (02:0f:1b:00:ID).
func (v *VIP) mac() openflow.MAC {
	if !v.MAC.IsZero() {
		return v.MAC
	}
	return openflow.MAC{0x02, 0x0f, 0x1b, 0x00, byte(v.ID >> 8), byte(v.ID)}
}

func protoName(p uint8) string {
	switch p {
	case 6:
		return "tcp"
	case 17:
		return "udp"
	}
	return fmt.Sprintf("proto-%d", p)
}

// timeoutSeconds converts a timeout to OpenFlow's 16-bit seconds, rounding
// up so that a sub-second timeout does not become "never".
func timeoutSeconds(d time.Duration) uint16 {
	if d <= 0 {
		return 0
	}
	s := (d + time.Second - 1) / time.Second
	return uint16(min(s, 0xffff))
}

// StatsPolicy is a VIP's statistics policy (the seeds' statistics-gathering
// instructions).
type StatsPolicy uint8

const (
	// StatsPerVIP polls aggregate counters per VIP and backend only.
	StatsPerVIP StatsPolicy = iota
	// StatsPerFlow polls every flow's counters (flow stats), for per-flow
	// listings and per-flow rates.
	StatsPerFlow
	// StatsNone polls nothing; only FLOW_REMOVED final counts are kept.
	StatsNone
)

func (p StatsPolicy) String() string {
	switch p {
	case StatsPerFlow:
		return "per_flow"
	case StatsNone:
		return "none"
	}
	return "per_vip"
}
