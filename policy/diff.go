package policy

import (
	"cmp"
	"slices"
	"strings"
)

// Diff is what changed between two policies, as the load balancer needs
// it to update switches without a cold start: VIPs are matched by ID (so
// renaming a VIP without an explicit id is a removal and an addition, as
// its cookies change), backends by ID within a VIP. Positions in files are
// not compared: moving a VIP within or between files changes nothing.
type Diff struct {
	// Added and Removed are VIPs present only in the new or the old
	// policy, sorted by tenant and name. Nil if none.
	Added, Removed []*VIP
	// Changed are VIPs present in both whose settings or backends
	// differ, sorted by the new VIP's tenant and name. Nil if none.
	Changed []VIPChange
	// TenantsAdded and TenantsRemoved are tenant names, sorted. Nil if
	// none.
	TenantsAdded, TenantsRemoved []string
}

// Empty reports whether nothing changed.
func (d Diff) Empty() bool {
	return len(d.Added) == 0 && len(d.Removed) == 0 && len(d.Changed) == 0 &&
		len(d.TenantsAdded) == 0 && len(d.TenantsRemoved) == 0
}

// String summarises the diff for a log line, e.g.
// "+1 VIPs -0 VIPs ~2 VIPs (tenant-a/web: weights; tenant-b/api: scheduler)".
func (d Diff) String() string {
	var b strings.Builder
	b.WriteString("+")
	b.WriteString(itoa(len(d.Added)))
	b.WriteString(" -")
	b.WriteString(itoa(len(d.Removed)))
	b.WriteString(" ~")
	b.WriteString(itoa(len(d.Changed)))
	b.WriteString(" VIPs")
	for i, c := range d.Changed {
		if i == 0 {
			b.WriteString(" (")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(c.New.FullName())
		b.WriteString(": ")
		b.WriteString(strings.Join(c.Summary(), ", "))
	}
	if len(d.Changed) > 0 {
		b.WriteString(")")
	}
	return b.String()
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	for ; n > 0; n /= 10 {
		i--
		buf[i] = byte('0' + n%10)
	}
	return string(buf[i:])
}

// VIPChange is one VIP present in both policies with different settings
// or backends.
type VIPChange struct {
	// Old and New are the VIP in the old and the new policy.
	Old, New *VIP
	// Fields are the policy-file keys of the settings that changed, in
	// documentation order, e.g. "scheduler", "nat.arp". Nil if only
	// backends changed.
	Fields []string
	// BackendsAdded and BackendsRemoved are sorted by address and port.
	// Nil if none.
	BackendsAdded, BackendsRemoved []Backend
	// BackendsChanged are backends present in both whose weight or name
	// changed, sorted by address and port. Nil if none.
	BackendsChanged []BackendChange
}

// Summary lists what changed in words: the fields, then "backends added",
// "backends removed", "weights" and "backend names" as they apply.
func (c VIPChange) Summary() []string {
	out := slices.Clone(c.Fields)
	if len(c.BackendsAdded) > 0 {
		out = append(out, "backends added")
	}
	if len(c.BackendsRemoved) > 0 {
		out = append(out, "backends removed")
	}
	var w, n bool
	for _, bc := range c.BackendsChanged {
		w = w || bc.WeightChanged()
		n = n || bc.Old.Name != bc.New.Name
	}
	if w {
		out = append(out, "weights")
	}
	if n {
		out = append(out, "backend names")
	}
	return out
}

// BackendChange is one backend whose weight or name changed.
type BackendChange struct {
	Old, New Backend
}

// WeightChanged reports whether the weight changed.
func (c BackendChange) WeightChanged() bool { return c.Old.Weight != c.New.Weight }

// Drained reports whether the change took the backend out of service
// (weight from non-zero to 0).
func (c BackendChange) Drained() bool { return c.Old.Weight != 0 && c.New.Weight == 0 }

// Compare returns what changed from old to new. A nil policy is an empty
// one.
func Compare(old, new *Policy) Diff {
	if old == nil {
		old = &Policy{}
	}
	if new == nil {
		new = &Policy{}
	}
	var d Diff
	for _, v := range new.vips {
		o, ok := old.byID[v.ID]
		if !ok {
			d.Added = append(d.Added, v)
			continue
		}
		if c, changed := compareVIP(o, v); changed {
			d.Changed = append(d.Changed, c)
		}
	}
	for _, v := range old.vips {
		if _, ok := new.byID[v.ID]; !ok {
			d.Removed = append(d.Removed, v)
		}
	}
	for _, t := range new.tenants {
		if _, ok := old.Tenant(t.Name); !ok {
			d.TenantsAdded = append(d.TenantsAdded, t.Name)
		}
	}
	for _, t := range old.tenants {
		if _, ok := new.Tenant(t.Name); !ok {
			d.TenantsRemoved = append(d.TenantsRemoved, t.Name)
		}
	}
	return d
}

// vipFields returns the keys of the settings that differ between a and b.
func vipFields(a, b *VIP) []string {
	var f []string
	add := func(differ bool, key string) {
		if differ {
			f = append(f, key)
		}
	}
	add(a.Tenant != b.Tenant, "tenant")
	add(a.Name != b.Name, "name")
	add(a.Address != b.Address, "address")
	add(a.Port != b.Port, "port")
	add(a.Protocol != b.Protocol, "protocol")
	add(a.Mode != b.Mode, "mode")
	add(a.Scheduler != b.Scheduler, "scheduler")
	add(a.IdleTimeout != b.IdleTimeout, "idle_timeout")
	add(a.HardTimeout != b.HardTimeout, "hard_timeout")
	add(a.NAT.TranslateAddress != b.NAT.TranslateAddress, "nat.translate_address")
	add(a.NAT.TranslatePort != b.NAT.TranslatePort, "nat.translate_port")
	add(a.NAT.ARP != b.NAT.ARP, "nat.arp")
	add(a.MAC != b.MAC, "mac")
	add(a.UnknownPort != b.UnknownPort, "unknown_port")
	add(a.Stats.Policy != b.Stats.Policy, "stats.policy")
	add(a.Stats.Interval != b.Stats.Interval, "stats.interval")
	add(a.ConnectionLimit != b.ConnectionLimit, "connection_limit")
	return f
}

// compareVIP compares two VIPs with the same id.
func compareVIP(o, n *VIP) (VIPChange, bool) {
	c := VIPChange{Old: o, New: n, Fields: vipFields(o, n)}
	old := make(map[BackendID]Backend, len(o.Backends))
	for _, b := range o.Backends {
		old[b.ID] = b
	}
	seen := make(map[BackendID]bool, len(n.Backends))
	for _, b := range n.Backends {
		seen[b.ID] = true
		ob, ok := old[b.ID]
		switch {
		case !ok:
			c.BackendsAdded = append(c.BackendsAdded, b)
		case ob.AddrPort() != b.AddrPort():
			// An explicit id moved to another address: a different backend.
			c.BackendsRemoved = append(c.BackendsRemoved, ob)
			c.BackendsAdded = append(c.BackendsAdded, b)
		case ob.Weight != b.Weight || ob.Name != b.Name:
			c.BackendsChanged = append(c.BackendsChanged, BackendChange{Old: ob, New: b})
		}
	}
	for _, b := range o.Backends {
		if !seen[b.ID] {
			c.BackendsRemoved = append(c.BackendsRemoved, b)
		}
	}
	byAddr := func(a, b Backend) int {
		return cmp.Or(a.Address.Compare(b.Address), cmp.Compare(a.Port, b.Port))
	}
	slices.SortFunc(c.BackendsRemoved, byAddr)
	slices.SortFunc(c.BackendsAdded, byAddr)
	changed := c.Fields != nil || c.BackendsAdded != nil || c.BackendsRemoved != nil || c.BackendsChanged != nil
	return c, changed
}

// vipEqual reports whether a and b have the same settings and backends,
// positions aside.
func vipEqual(a, b *VIP) bool {
	if a.ID != b.ID || vipFields(a, b) != nil || len(a.Backends) != len(b.Backends) {
		return false
	}
	for i := range a.Backends {
		x, y := a.Backends[i], b.Backends[i]
		x.Pos, y.Pos = Pos{}, Pos{}
		if x != y {
			return false
		}
	}
	return a.MACSet == b.MACSet
}
