package policy

import (
	"hash/fnv"
	"net/netip"
)

// Ids are derived, never allocated, so that they are the same across
// restarts, reloads and controller instances (DESIGN decision 3): a
// restarted controller recognises its own flow entries by cookie. Sixteen
// bits collide sooner than one would like (about even odds at 300 names),
// so validation refuses a collision, names both sides, and the policy can
// set an `id` by hand to resolve it without renaming anything.

// fold maps a 32-bit hash onto 1..65535 (0 is reserved for "none").
func fold(h uint32) uint16 { return uint16(h%0xffff) + 1 }

// DeriveVIPID returns the id of a VIP from its tenant and name: FNV-1a of
// "tenant\x00name", folded onto 1..65535.
func DeriveVIPID(tenant, name string) VIPID {
	h := fnv.New32a()
	h.Write([]byte(tenant))
	h.Write([]byte{0})
	h.Write([]byte(name))
	return VIPID(fold(h.Sum32()))
}

// DeriveBackendID returns the id of a backend from its address and port:
// FNV-1a of the address bytes (4 for IPv4, 16 otherwise) and the port in
// network order, folded onto 1..65535.
func DeriveBackendID(ap netip.AddrPort) BackendID {
	h := fnv.New32a()
	a := ap.Addr()
	if a.Is4() {
		b := a.As4()
		h.Write(b[:])
	} else {
		b := a.As16()
		h.Write(b[:])
	}
	h.Write([]byte{byte(ap.Port() >> 8), byte(ap.Port())})
	return BackendID(fold(h.Sum32()))
}
