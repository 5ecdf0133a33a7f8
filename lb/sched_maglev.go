package lb

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Maglev table sizes.
const (
	// DefaultMaglevSize is the lookup table size of a pool of up to 655
	// backends; larger pools get the first prime >= 100 x backends.
	DefaultMaglevSize = 65537
	// MaxMaglevSize bounds the table size (and its allocation: 2 bytes a
	// slot).
	MaxMaglevSize = 1 << 23
	// MaxMaglevBackends bounds a consistent_hash pool: table slots hold
	// backend indexes as uint16, with 0xffff marking a free slot while
	// the table is built.
	MaxMaglevBackends = 0xffff
)

const (
	// maglevFree marks an unclaimed slot during population.
	maglevFree = 0xffff
	// maglevRetries is how many further slots a client probes when its
	// own belongs to an ineligible backend.
	maglevRetries = 32
)

// Maglev is the consistent_hash scheduler: a Maglev lookup table (Eisenbud
// et al., "Maglev: A Fast and Reliable Software Network Load Balancer",
// NSDI 2016) of a prime size M. Each backend with weight > 0 fills slots
// in the order of its own permutation of the table, derived from two
// hashes of its key (offset and skip), so the table depends on the set of
// keys and weights but not on their order or indexes. Backends take turns
// claiming their next free slot, backend i as often as weight(i) (the
// weighted variant: its share of slots is proportional to its weight).
//
// Pick hashes the client's address, not its port, so all the flows of a
// client go to the same backend; adding or removing one of N backends
// moves about 1/N of the clients (those of the removed backend, or the new
// backend's share), plus a small Maglev churn among the others.
//
// A backend that is ineligible at Pick time (not yet located, say) keeps
// its slots, and the other clients do not move at all. Its clients probe
// further slots, a fixed sequence drawn from each client's hash, and take
// the first eligible owner: each probe is a uniformly drawn slot, so they
// spread over the eligible backends in proportion to their weights, and
// each client deterministically lands on the same one. When the eligible
// backends own so few slots that maglevRetries probes all miss (under 1 in
// 10^9 clients while they own half the table), the client goes to the
// eligible backend that ranks it highest by rendezvous hashing of its
// address and the backend keys, so a Pick costs O(maglevRetries +
// backends) at worst.
type Maglev struct {
	schedPool
	size    int
	table   []uint16 // slot -> backend index; nil when no backend has weight > 0
	keyHash []uint64 // the keys' offset hashes, for the rendezvous fallback
}

// NewMaglev builds a consistent_hash scheduler for backends identified by
// keys (stable identities such as "10.0.0.2:80": clients map to keys, not
// indexes) with the given weights, and a lookup table of size slots: 0
// for the default (DefaultMaglevSize, or the first prime >= 100 x
// backends), otherwise a prime in [100 x backends, MaxMaglevSize]. keys
// must be distinct and non-empty, as many as weights, at most
// MaxMaglevBackends. Building takes O(M log N) plus the Maglev probing,
// about M ln M steps in all.
func NewMaglev(keys []string, weights []int, size int) (*Maglev, error) {
	p, err := newSchedPool(ConsistentHash, weights)
	if err != nil {
		return nil, err
	}
	n := len(keys)
	if n != len(weights) {
		return nil, fmt.Errorf("scheduler %s: %d keys for %d backends", ConsistentHash, n, len(weights))
	}
	if n > MaxMaglevBackends {
		return nil, fmt.Errorf("scheduler %s: %d backends, more than %d", ConsistentHash, n, MaxMaglevBackends)
	}
	seen := make(map[string]int, n)
	for i, k := range keys {
		if k == "" {
			return nil, fmt.Errorf("scheduler %s: backend %d: empty key", ConsistentHash, i)
		}
		if j, dup := seen[k]; dup {
			return nil, fmt.Errorf("scheduler %s: backends %d and %d: duplicate key %q", ConsistentHash, j, i, k)
		}
		seen[k] = i
	}
	switch {
	case size == 0:
		size = max(DefaultMaglevSize, nextPrime(100*n))
	case size < 100*n || size > MaxMaglevSize || !isPrime(size):
		return nil, fmt.Errorf("scheduler %s: table size %d is not a prime in [%d, %d]", ConsistentHash, size, max(2, 100*n), MaxMaglevSize)
	}
	m := &Maglev{schedPool: p, size: size, keyHash: make([]uint64, n)}
	for i, k := range keys {
		m.keyHash[i], _ = maglevKeyHashes(k)
	}
	m.populate(keys)
	return m, nil
}

// maglevBackend is a backend's state while the table is built.
type maglevBackend struct {
	idx    int    // index in weights
	weight uint64 // > 0
	pos    uint64 // next slot of its permutation
	skip   uint64 // in [1, M-1]: coprime with the prime M
	claims uint64 // slots claimed so far
}

// populate fills the table. The backends with weight > 0, in key order,
// claim slots in the order of their next claim time claims/weight (ties
// in key order), each taking the next free slot of its permutation
// offset, offset+skip, offset+2 skip, ... mod M. With equal weights this
// is the paper's round robin; with weights it gives backend i
// M x weight(i)/total slots, give or take a slot or two.
func (m *Maglev) populate(keys []string) {
	order := make([]int, 0, len(keys))
	for i, w := range m.weights {
		if w > 0 {
			order = append(order, i)
		}
	}
	if len(order) == 0 {
		return
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
	M := uint64(m.size)
	bs := make([]maglevBackend, len(order))
	for k, i := range order {
		offset, skip := maglevKeyHashes(keys[i])
		bs[k] = maglevBackend{idx: i, weight: uint64(m.weights[i]), pos: offset % M, skip: skip%(M-1) + 1}
	}
	// A binary min-heap of indexes into bs by next claim time. All start
	// at time 0, so the identity permutation is a valid heap.
	heap := make([]int32, len(bs))
	for k := range heap {
		heap[k] = int32(k)
	}
	before := func(a, b int32) bool {
		// claims(a)/weight(a) < claims(b)/weight(b), exactly: claims <=
		// 2^23 and weights < 2^16, so the products fit.
		x, y := bs[a].claims*bs[b].weight, bs[b].claims*bs[a].weight
		return x < y || x == y && a < b
	}
	table := make([]uint16, m.size)
	for s := range table {
		table[s] = maglevFree
	}
	for range m.size {
		b := &bs[heap[0]]
		for table[b.pos] != maglevFree {
			if b.pos += b.skip; b.pos >= M {
				b.pos -= M
			}
		}
		table[b.pos] = uint16(b.idx)
		if b.pos += b.skip; b.pos >= M {
			b.pos -= M
		}
		b.claims++
		// Sift the root down.
		for r := 0; ; {
			c := 2*r + 1
			if c >= len(heap) {
				break
			}
			if c+1 < len(heap) && before(heap[c+1], heap[c]) {
				c++
			}
			if !before(heap[c], heap[r]) {
				break
			}
			heap[r], heap[c] = heap[c], heap[r]
			r = c
		}
	}
	m.table = table
}

// Pick returns the backend of the client's address: the owner of its
// slot; if that backend is ineligible, the owner of the first of up to
// maglevRetries further slots, drawn from the client's hash, whose backend
// is eligible; failing that, the eligible backend that ranks the client
// highest (rendezvous hashing, unweighted).
func (m *Maglev) Pick(client netip.AddrPort, eligible func(int) bool) (int, bool) {
	M := uint64(len(m.table))
	if M == 0 {
		return -1, false
	}
	h := maglevClientHash(client.Addr())
	i := int(m.table[h%M])
	if eligible == nil || eligible(i) {
		return i, true
	}
	for k := uint64(1); k <= maglevRetries; k++ {
		if i = int(m.table[mix64(h+k*0x9e3779b97f4a7c15)%M]); eligible(i) {
			return i, true
		}
	}
	best, bestScore := -1, uint64(0)
	for j := range m.weights {
		if !m.ok(j, eligible) {
			continue
		}
		if score := mix64(h ^ m.keyHash[j]); best < 0 || score > bestScore {
			best, bestScore = j, score
		}
	}
	return best, best >= 0
}

// Size returns the table size M.
func (m *Maglev) Size() int { return m.size }

func (m *Maglev) String() string { return ConsistentHash.String() }

// Hashing. These functions decide which backend every client gets, so
// changing them moves clients on upgrade: TestMaglevGolden pins them.
const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
	seedOffset  = 0x6f666c622d6f6666 // "oflb-off"
	seedSkip    = 0x6f666c622d736b70 // "oflb-skp"
	seedClient  = 0x6f666c622d636c69 // "oflb-cli"
)

// maglevKeyHashes returns the two hashes of a backend key that give its
// permutation: FNV-1a of the key, finished by two differently seeded
// mixers.
func maglevKeyHashes(key string) (offset, skip uint64) {
	h := uint64(fnvOffset64)
	for i := 0; i < len(key); i++ {
		h ^= uint64(key[i])
		h *= fnvPrime64
	}
	return mix64(h ^ seedOffset), mix64(h ^ seedSkip)
}

// maglevClientHash hashes a client address (IPv4 as its IPv4-mapped IPv6
// form; the zone is ignored) without allocating.
func maglevClientHash(a netip.Addr) uint64 {
	b := a.As16()
	hi := binary.BigEndian.Uint64(b[:8])
	lo := binary.BigEndian.Uint64(b[8:])
	return mix64(hi ^ mix64(lo^seedClient))
}

// mix64 is the splitmix64 finalizer: a bijection of uint64 with full
// avalanche.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// isPrime reports whether n is prime, by trial division (n <=
// MaxMaglevSize, so at most ~1,450 divisions).
func isPrime(n int) bool {
	if n < 2 {
		return false
	}
	if n%2 == 0 {
		return n == 2
	}
	for d := 3; d*d <= n; d += 2 {
		if n%d == 0 {
			return false
		}
	}
	return true
}

// nextPrime returns the smallest prime >= n.
func nextPrime(n int) int {
	for !isPrime(n) {
		n++
	}
	return n
}
