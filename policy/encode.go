package policy

import (
	"bytes"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"
)

// Encode returns t as a policy file with every setting written out
// (defaults resolved), in the order of the documentation. Ids and MACs are
// written only where the policy set them (where they differ from the
// derived ones), so that renaming later behaves as in the original file.
// Parsing the result gives a tenant with the same settings, and encoding
// that gives the same bytes.
func Encode(t *Tenant) []byte {
	root := mapping(
		"tenant", str(t.Name),
		"vip_ranges", prefixes(t),
	)
	if len(t.VIPs) > 0 {
		vips := &yaml.Node{Kind: yaml.SequenceNode}
		for _, v := range t.VIPs {
			vips.Content = append(vips.Content, encodeVIP(v))
		}
		root.Content = append(root.Content, str("vips"), vips)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	// Encoding a tree of plain scalars, sequences and mappings into a
	// bytes.Buffer cannot fail.
	_ = enc.Encode(root)
	_ = enc.Close()
	return buf.Bytes()
}

func encodeVIP(v *VIP) *yaml.Node {
	n := mapping("name", str(v.Name))
	if v.ID != DeriveVIPID(v.Tenant, v.Name) {
		add(n, "id", integer(uint64(v.ID)))
	}
	add(n,
		"address", str(v.Address.String()),
		"port", integer(uint64(v.Port)),
		"protocol", str(v.Protocol.String()),
		"mode", str(v.Mode.String()),
		"scheduler", str(v.Scheduler.String()),
		"idle_timeout", duration(time.Duration(v.IdleTimeout)*time.Second),
		"hard_timeout", duration(time.Duration(v.HardTimeout)*time.Second),
		"nat", mapping(
			"translate_address", boolean(v.NAT.TranslateAddress),
			"translate_port", boolean(v.NAT.TranslatePort),
			"arp", str(v.NAT.ARP.String()),
		),
	)
	if v.MACSet {
		add(n, "mac", str(v.MAC.String()))
	}
	stats := mapping("policy", str(v.Stats.Policy.String()))
	if v.Stats.Policy != StatsNone {
		add(stats, "interval", duration(v.Stats.Interval))
	}
	add(n,
		"unknown_port", str(v.UnknownPort.String()),
		"stats", stats,
		"connection_limit", integer(uint64(v.ConnectionLimit)),
	)
	if len(v.Backends) > 0 {
		bs := &yaml.Node{Kind: yaml.SequenceNode}
		for _, b := range v.Backends {
			m := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
			if b.Name != "" {
				add(m, "name", str(b.Name))
			}
			if b.ID != DeriveBackendID(b.AddrPort()) {
				add(m, "id", integer(uint64(b.ID)))
			}
			add(m, "address", str(b.Address.String()))
			if v.Port != 0 {
				add(m, "port", integer(uint64(b.Port)))
			}
			add(m, "weight", integer(uint64(b.Weight)))
			bs.Content = append(bs.Content, m)
		}
		add(n, "backends", bs)
	}
	return n
}

func prefixes(t *Tenant) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, p := range t.VIPRanges {
		n.Content = append(n.Content, str(p.String()))
	}
	return n
}

func mapping(kv ...any) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	add(n, kv...)
	return n
}

// add appends key, value pairs (string, *yaml.Node) to a mapping.
func add(n *yaml.Node, kv ...any) {
	for i := 0; i+1 < len(kv); i += 2 {
		n.Content = append(n.Content, str(kv[i].(string)), kv[i+1].(*yaml.Node))
	}
}

func str(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

func integer(v uint64) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatUint(v, 10)}
}

func boolean(b bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(b)}
}

func duration(d time.Duration) *yaml.Node { return str(d.String()) }
