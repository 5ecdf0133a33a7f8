package lb

import "fmt"

// Cookie is the 64-bit cookie oflb puts on every flow entry it installs
// (DESIGN decision 3). It names the owning controller instance, the kind of
// entry, and for VIP entries the VIP and backend, so that a restarted
// controller recognises its own entries, rebuilds per-flow state from
// them, and never touches another instance's:
//
//	 63      56 55  52 51  48 47            32 31            16 15             0
//	+----------+------+------+----------------+----------------+----------------+
//	|  owner   | kind | rsvd |     VIP id     |   backend id   |    reserved    |
//	+----------+------+------+----------------+----------------+----------------+
//
// Ids are stable across restarts and reloads: they are derived from tenant
// and VIP names and from backend address:port by the policy package.
type Cookie uint64

// Kind is the kind of entry a cookie marks.
type Kind uint8

// Entry kinds.
const (
	KindInvalid     Kind = iota // zero: not an oflb cookie
	KindStatic                  // table-wide entries: default forwarding
	KindVIP                     // VIP catch: new flows to the controller
	KindARP                     // ARP for a VIP to the controller
	KindForward                 // per-flow client -> backend NAT
	KindReverse                 // per-flow backend -> client un-NAT
	KindReplyCatch              // pending-flow replies to the controller (decision 4)
	KindUnknownPort             // VIP address, unconfigured port
	KindLearned                 // learning switch: a destination MAC's port
)

var kindNames = [...]string{"invalid", "static", "vip", "arp", "forward", "reverse", "reply-catch", "unknown-port", "learned"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

const (
	ownerShift   = 56
	kindShift    = 52
	vipShift     = 32
	backendShift = 16

	// OwnerMask selects the owner byte: dumps and deletes use it so that
	// instances never touch each other's entries.
	OwnerMask Cookie = 0xff << ownerShift
	// KindMask selects the kind bits.
	KindMask Cookie = 0xf << kindShift
	// VIPMask selects the VIP id.
	VIPMask Cookie = 0xffff << vipShift
	// BackendMask selects the backend id.
	BackendMask Cookie = 0xffff << backendShift
)

// MakeCookie builds a cookie. owner must not be zero: a zero owner byte
// would make every foreign zero-cookie entry look like ours.
func MakeCookie(owner uint8, kind Kind, vip, backend uint16) Cookie {
	return Cookie(owner)<<ownerShift | Cookie(kind&0xf)<<kindShift |
		Cookie(vip)<<vipShift | Cookie(backend)<<backendShift
}

// Owner returns the owning instance.
func (c Cookie) Owner() uint8 { return uint8(c >> ownerShift) }

// Kind returns the entry kind.
func (c Cookie) Kind() Kind { return Kind(c >> kindShift & 0xf) }

// VIP returns the VIP id.
func (c Cookie) VIP() uint16 { return uint16(c >> vipShift) }

// Backend returns the backend id.
func (c Cookie) Backend() uint16 { return uint16(c >> backendShift) }

// OwnerCookie returns the cookie value and mask that select every entry of
// an owner, for flow-stats filters and deletes.
func OwnerCookie(owner uint8) (value, mask uint64) {
	return uint64(Cookie(owner) << ownerShift), uint64(OwnerMask)
}

func (c Cookie) String() string {
	return fmt.Sprintf("owner=%d kind=%v vip=%d backend=%d", c.Owner(), c.Kind(), c.VIP(), c.Backend())
}
