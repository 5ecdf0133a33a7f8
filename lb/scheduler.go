package lb

import (
	"fmt"
	"net/netip"
)

// SchedulerKind names a scheduling algorithm.
type SchedulerKind uint8

// Schedulers, in the vocabulary of IPVS and HAProxy.
const (
	SchedulerInvalid SchedulerKind = iota
	// RoundRobin gives each backend a new flow in turn, ignoring weights
	// (except that weight 0 takes none).
	RoundRobin
	// WeightedRoundRobin is nginx's smooth weighted round robin: shares
	// proportional to weight, interleaved rather than in bursts.
	WeightedRoundRobin
	// LeastConnections picks the backend with the fewest active flows.
	LeastConnections
	// WeightedLeastConnections picks the smallest active/weight.
	WeightedLeastConnections
	// ConsistentHash hashes the client address into a Maglev lookup table:
	// a client keeps its backend, and adding or removing one of N backends
	// moves about 1/N of the clients.
	ConsistentHash
)

var schedulerNames = [...]string{"invalid", "round_robin", "weighted_round_robin", "least_connections", "weighted_least_connections", "consistent_hash"}

func (k SchedulerKind) String() string {
	if int(k) < len(schedulerNames) {
		return schedulerNames[k]
	}
	return fmt.Sprintf("scheduler(%d)", uint8(k))
}

// ParseSchedulerKind parses a policy file's scheduler name.
func ParseSchedulerKind(s string) (SchedulerKind, error) {
	for i, n := range schedulerNames {
		if i > 0 && n == s {
			return SchedulerKind(i), nil
		}
	}
	return SchedulerInvalid, fmt.Errorf("unknown scheduler %q", s)
}

// Scheduler picks backends for one VIP's pool, identified by index in the
// weights given at construction. It is not safe for concurrent use: the
// app serialises the calls of each VIP.
type Scheduler interface {
	// Pick returns the backend for a new flow from client, among the
	// backends with weight > 0 for which eligible(i) holds (eligible nil:
	// all of them); false when none is.
	Pick(client netip.AddrPort, eligible func(i int) bool) (int, bool)
	// Opened and Closed count a backend's active flows.
	Opened(i int)
	Closed(i int)
	// Active returns a backend's active flows.
	Active(i int) int
}
