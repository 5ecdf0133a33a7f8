package policy

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// hdr is the start of a valid policy file: the VIPs follow on line 4.
const hdr = "tenant: a\nvip_ranges: [10.0.0.0/24]\nvips:\n"

// web is a valid VIP (lines 4-6 after hdr), for cases that add to it.
const web = "  - name: web\n    address: 10.0.0.1\n    port: 80\n"

// checkFiles writes files into a fresh directory and returns Check's
// problems with the directory stripped from the file names.
func checkFiles(t *testing.T, files map[string]string) []string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out []string
	for _, e := range Check(dir) {
		out = append(out, strings.ReplaceAll(e.Error(), dir+string(filepath.Separator), ""))
	}
	return out
}

func TestCheckErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{
			name:  "yaml syntax error",
			files: map[string]string{"a.yaml": "tenant: a\nvip_ranges: [10.0.0.0/24\n"},
			want:  []string{"a.yaml:2: invalid YAML: did not find expected ',' or ']'"},
		},
		{
			name:  "empty file",
			files: map[string]string{"a.yaml": "# nothing\n"},
			want:  []string{"a.yaml:1:1: empty policy file (it needs at least a tenant)"},
		},
		{
			name:  "two documents",
			files: map[string]string{"a.yaml": hdr + web + "---\ntenant: b\n"},
			want:  []string{"a.yaml:7:1: a policy file holds one YAML document; found another"},
		},
		{
			name:  "top level is a list",
			files: map[string]string{"a.yaml": "- tenant: a\n"},
			want:  []string{"a.yaml:1:1: policy: expected a mapping, got a list"},
		},
		{
			name:  "missing tenant and ranges",
			files: map[string]string{"a.yaml": "vips: []\n"},
			want: []string{
				`a.yaml:1:1: policy: missing required key "tenant"`,
				`a.yaml:1:1: policy: missing required key "vip_ranges"`,
			},
		},
		{
			name:  "unknown top-level key with suggestion",
			files: map[string]string{"a.yaml": "tenant: a\nvip_range: [10.0.0.0/24]\n"},
			want: []string{
				`a.yaml:1:1: policy: missing required key "vip_ranges"`,
				`a.yaml:2:1: policy: unknown key "vip_range" (did you mean "vip_ranges"?)`,
			},
		},
		{
			name:  "unknown VIP keys",
			files: map[string]string{"a.yaml": hdr + web + "    shceduler: round_robin\n    colour: blue\n"},
			want: []string{
				`a.yaml:7:5: vip: unknown key "shceduler" (did you mean "scheduler"?)`,
				`a.yaml:8:5: vip: unknown key "colour" (known keys: name, id, address, port, protocol, mode, scheduler, idle_timeout, hard_timeout, nat, mac, unknown_port, stats, connection_limit, backends)`,
			},
		},
		{
			name:  "unknown nested keys",
			files: map[string]string{"a.yaml": hdr + web + "    nat: {translate_addr: true}\n    stats: {polcy: none}\n    backends:\n      - {address: 10.0.0.9, wieght: 2}\n"},
			want: []string{
				`a.yaml:7:11: nat: unknown key "translate_addr" (did you mean "translate_address"?)`,
				`a.yaml:8:13: stats: unknown key "polcy" (did you mean "policy"?)`,
				`a.yaml:10:29: backend: unknown key "wieght" (did you mean "weight"?)`,
			},
		},
		{
			name:  "duplicate key",
			files: map[string]string{"a.yaml": hdr + web + "    port: 81\n"},
			want:  []string{`a.yaml:7:5: vip: duplicate key "port" (first at line 6)`},
		},
		{
			name:  "merge key",
			files: map[string]string{"a.yaml": hdr + web + "    <<: {port: 81}\n"},
			want:  []string{`a.yaml:7:5: vip: merge keys (<<) are not supported`},
		},
		{
			name:  "missing VIP keys",
			files: map[string]string{"a.yaml": hdr + "  - name: web\n"},
			want: []string{
				`a.yaml:4:5: vip: missing required key "address"`,
				`a.yaml:4:5: vip: missing required key "port"`,
			},
		},
		{
			name:  "bad tenant name",
			files: map[string]string{"a.yaml": "tenant: Tenant A\nvip_ranges: [10.0.0.0/24]\n"},
			want:  []string{`a.yaml:1:9: tenant: invalid name "Tenant A" (use at most 63 lower-case letters, digits, '.', '_' or '-', starting and ending with a letter or digit)`},
		},
		{
			name:  "bad VIP name",
			files: map[string]string{"a.yaml": hdr + "  - name: -web\n    address: 10.0.0.1\n    port: 80\n"},
			want:  []string{`a.yaml:4:11: name: invalid name "-web" (use at most 63 lower-case letters, digits, '.', '_' or '-', starting and ending with a letter or digit)`},
		},
		{
			name: "bad addresses",
			files: map[string]string{"a.yaml": hdr +
				"  - {name: v1, address: 10.0.0.300, port: 80}\n" +
				"  - {name: v2, address: 'fd00::1', port: 80}\n" +
				"  - {name: v3, address: 224.0.0.1, port: 80}\n" +
				"  - {name: v4, address: [10.0.0.1], port: 80}\n"},
			want: []string{
				`a.yaml:4:25: address: invalid IP address "10.0.0.300"`,
				`a.yaml:5:25: address: fd00::1 is not IPv4 (only IPv4 is supported)`,
				`a.yaml:6:25: address: 224.0.0.1 is not a unicast address`,
				`a.yaml:7:25: address: expected a string, got a list`,
			},
		},
		{
			name: "bad ports",
			files: map[string]string{"a.yaml": hdr +
				"  - {name: v1, address: 10.0.0.1, port: 70000}\n" +
				"  - {name: v2, address: 10.0.0.2, port: http}\n" +
				"  - {name: v3, address: 10.0.0.3, port: -1}\n" +
				"  - {name: v4, address: 10.0.0.4, port: }\n"},
			want: []string{
				`a.yaml:4:41: port: 70000 is out of range 0..65535`,
				`a.yaml:5:41: port: expected an integer, got string "http"`,
				`a.yaml:6:41: port: -1 is out of range 0..65535`,
				`a.yaml:7:41: port: expected an integer, got nothing`,
			},
		},
		{
			name:  "unknown scheduler and protocol",
			files: map[string]string{"a.yaml": hdr + web + "    scheduler: rr\n    protocol: sctp\n    mode: magic\n"},
			want: []string{
				`a.yaml:7:16: scheduler: unknown value "rr" (want round_robin, weighted_round_robin, least_connections, weighted_least_connections or consistent_hash)`,
				`a.yaml:8:15: protocol: unknown value "sctp" (want tcp or udp)`,
				`a.yaml:9:11: mode: unknown value "magic" (want reactive, stateless or conntrack)`,
			},
		},
		{
			name: "bad durations",
			files: map[string]string{"a.yaml": hdr +
				"  - {name: v1, address: 10.0.0.1, port: 80, idle_timeout: 1.5s}\n" +
				"  - {name: v2, address: 10.0.0.2, port: 80, idle_timeout: 70000}\n" +
				"  - {name: v3, address: 10.0.0.3, port: 80, hard_timeout: soon}\n" +
				"  - {name: v4, address: 10.0.0.4, port: 80, hard_timeout: -1s}\n" +
				"  - {name: v5, address: 10.0.0.5, port: 80, idle_timeout: 1.5}\n" +
				"  - {name: v6, address: 10.0.0.6, port: 80, stats: {interval: 500ms}}\n"},
			want: []string{
				`a.yaml:4:59: idle_timeout: 1.5s is not a whole number of seconds`,
				`a.yaml:5:59: idle_timeout: 19h26m40s is out of range 0s..18h12m15s`,
				`a.yaml:6:59: hard_timeout: invalid duration "soon" (write e.g. 30s, 5m or a number of seconds)`,
				`a.yaml:7:59: hard_timeout: -1s is out of range 0s..18h12m15s`,
				`a.yaml:8:59: idle_timeout: expected a duration, got number 1.5`,
				`a.yaml:9:63: interval: 500ms is not a whole number of seconds`,
			},
		},
		{
			name: "duplicate VIP names, backend names and backends",
			files: map[string]string{"a.yaml": hdr + web +
				"    backends:\n" +
				"      - {name: b1, address: 10.0.0.11}\n" +
				"      - {name: b1, address: 10.0.0.12}\n" +
				"      - {address: 10.0.0.11, port: 80}\n" +
				"  - {name: web, address: 10.0.0.2, port: 80}\n"},
			want: []string{
				`a.yaml:9:16: duplicate backend name "b1" (first at a.yaml:8:16)`,
				`a.yaml:10:19: duplicate backend 10.0.0.11:80 (first at a.yaml:8:29)`,
				`a.yaml:11:12: duplicate VIP name "web" (first at a.yaml:4:11)`,
			},
		},
		{
			name:  "VIP outside the tenant's ranges",
			files: map[string]string{"a.yaml": "tenant: a\nvip_ranges: [10.0.0.0/24, 10.0.2.0/24]\nvips:\n  - {name: web, address: 10.0.1.1, port: 80}\n"},
			want:  []string{`a.yaml:4:26: VIP address 10.0.1.1 is outside the tenant's vip_ranges (10.0.0.0/24, 10.0.2.0/24)`},
		},
		{
			name:  "bad ranges",
			files: map[string]string{"a.yaml": "tenant: a\nvip_ranges: [10.0.0.1/24, 'fd00::/64', ten]\n"},
			want: []string{
				`a.yaml:2:14: vip_ranges: 10.0.0.1/24 has host bits set (did you mean 10.0.0.0/24?)`,
				`a.yaml:2:27: vip_ranges: fd00::/64 is not IPv4 (only IPv4 is supported)`,
				`a.yaml:2:40: vip_ranges: invalid prefix "ten" (write e.g. 10.0.0.0/24)`,
			},
		},
		{
			name:  "empty ranges",
			files: map[string]string{"a.yaml": "tenant: a\nvip_ranges: []\n"},
			want:  []string{`a.yaml:2:13: vip_ranges: list at least one prefix (the tenant may only use VIP addresses inside them)`},
		},
		{
			name: "two tenants claim one VIP, protocol and port",
			files: map[string]string{
				"a.yaml": hdr + web,
				"b.yaml": "tenant: b\nvip_ranges: [10.0.0.0/24]\nvips:\n  - {name: www, address: 10.0.0.1, port: 80, protocol: tcp}\n  - {name: dns, address: 10.0.0.1, port: 80, protocol: udp}\n",
			},
			want: []string{`b.yaml:4:26: tcp 10.0.0.1:80 is already claimed by a/web at a.yaml:5:14`},
		},
		{
			name: "two files with one tenant name",
			files: map[string]string{
				"a.yaml": hdr + web,
				"b.yaml": "tenant: a\nvip_ranges: [10.0.1.0/24]\n",
			},
			want: []string{`b.yaml:1:9: tenant "a" is already defined at a.yaml:1:9`},
		},
		{
			name: "weights out of range",
			files: map[string]string{"a.yaml": hdr + web + "    backends:\n" +
				"      - {address: 10.0.0.11, weight: 65536}\n" +
				"      - {address: 10.0.0.12, weight: -1}\n" +
				"      - {address: 10.0.0.13, weight: heavy}\n"},
			want: []string{
				`a.yaml:8:38: weight: 65536 is out of range 0..65535`,
				`a.yaml:9:38: weight: -1 is out of range 0..65535`,
				`a.yaml:10:38: weight: expected an integer, got string "heavy"`,
			},
		},
		{
			name: "derived VIP id collision",
			files: map[string]string{"a.yaml": "tenant: tenant-a\nvip_ranges: [10.0.0.0/24]\nvips:\n" +
				"  - {name: svc-278, address: 10.0.0.1, port: 80}\n" +
				"  - {name: svc-728, address: 10.0.0.2, port: 80}\n"},
			want: []string{`a.yaml:5:12: VIP id 39031 of tenant-a/svc-728 collides with tenant-a/svc-278 at a.yaml:4:12: rename one or set id on one of them`},
		},
		{
			name: "explicit VIP id collision across files",
			files: map[string]string{
				"a.yaml": hdr + web + "    id: 7\n",
				"b.yaml": "tenant: b\nvip_ranges: [10.0.1.0/24]\nvips:\n  - {name: web, id: 7, address: 10.0.1.1, port: 80}\n",
			},
			want: []string{`b.yaml:4:21: VIP id 7 of b/web collides with a/web at a.yaml:7:9: choose another id`},
		},
		{
			name:  "bad explicit ids",
			files: map[string]string{"a.yaml": hdr + web + "    id: 0\n    backends:\n      - {address: 10.0.0.11, id: 65536}\n"},
			want: []string{
				`a.yaml:7:9: id: 0 is out of range 1..65535`,
				`a.yaml:9:34: id: 65536 is out of range 1..65535`,
			},
		},
		{
			name: "derived backend id collision",
			files: map[string]string{"a.yaml": hdr + web + "    backends:\n" +
				"      - {address: 10.1.2.222}\n" +
				"      - {address: 10.1.5.161}\n"},
			want: []string{`a.yaml:9:19: backend id 49988 of 10.1.5.161:80 collides with 10.1.2.222:80 at a.yaml:8:19: set id on one of them`},
		},
		{
			name: "backend with two ids",
			files: map[string]string{"a.yaml": hdr + web + "    backends: [{address: 10.0.0.11, id: 5}]\n" +
				"  - name: web2\n    address: 10.0.0.2\n    port: 80\n    backends: [{address: 10.0.0.11, port: 80}]\n"},
			want: []string{`a.yaml:11:26: backend 10.0.0.11:80 has id 18426 here but 5 at a.yaml:7:41: an address and port have one id in every VIP`},
		},
		{
			name:  "entries that never expire",
			files: map[string]string{"a.yaml": hdr + web + "    idle_timeout: 0\n    hard_timeout: 0s\n"},
			want:  []string{`a.yaml:7:19: idle_timeout and hard_timeout are both 0: per-connection entries would never expire and fill the switch's table`},
		},
		{
			name: "options that need reactive mode",
			files: map[string]string{"a.yaml": hdr + web +
				"    mode: stateless\n    scheduler: least_connections\n    connection_limit: 10\n    stats: {policy: per_flow}\n"},
			want: []string{
				`a.yaml:8:16: scheduler: least_connections counts connections, which only mode reactive sees (mode is stateless)`,
				`a.yaml:9:23: connection_limit: only mode reactive counts connections (mode is stateless)`,
				`a.yaml:10:21: policy: per_flow needs per-connection entries, which only mode reactive installs (mode is stateless)`,
			},
		},
		{
			name:  "interval without stats",
			files: map[string]string{"a.yaml": hdr + web + "    stats:\n      policy: none\n      interval: 5s\n"},
			want:  []string{`a.yaml:9:17: interval: stats policy none polls nothing; remove interval`},
		},
		{
			name: "port translation that cannot work",
			files: map[string]string{"a.yaml": hdr +
				"  - {name: any, address: 10.0.0.1, port: 0, nat: {translate_port: true}}\n" +
				"  - {name: dsr, address: 10.0.0.2, port: 80, nat: {translate_address: false, translate_port: true}}\n"},
			want: []string{
				`a.yaml:4:67: translate_port: a wildcard VIP (port 0) keeps the client's port and cannot translate it`,
				`a.yaml:5:94: translate_port: needs translate_address (with direct server return the replies bypass the reverse translation)`,
			},
		},
		{
			name: "backend ports that cannot work",
			files: map[string]string{"a.yaml": hdr +
				"  - {name: any, address: 10.0.0.1, port: 0, backends: [{address: 10.0.0.11, port: 80}]}\n" +
				"  - {name: same, address: 10.0.0.2, port: 80, nat: {translate_port: false}, backends: [{address: 10.0.0.11, port: 8080}]}\n" +
				"  - {name: self, address: 10.0.0.3, port: 80, backends: [{address: 10.0.0.3, port: 0}]}\n"},
			want: []string{
				`a.yaml:4:83: port: backends of a wildcard VIP (port 0) keep the client's port; remove port`,
				`a.yaml:5:115: port: 8080 differs from the VIP's port 80 but nat.translate_port is false`,
				`a.yaml:6:68: address: 10.0.0.3 is the VIP's own address`,
				`a.yaml:6:84: port: 0 is out of range 1..65535`,
			},
		},
		{
			name: "VIPs sharing an address disagree",
			files: map[string]string{
				"a.yaml": hdr + web,
				"b.yaml": "tenant: b\nvip_ranges: [10.0.0.0/24]\nvips:\n" +
					"  - {name: dns, address: 10.0.0.1, port: 53, protocol: udp, nat: {arp: noarp}, unknown_port: drop, mac: 02:00:00:00:00:01}\n",
			},
			want: []string{
				`b.yaml:4:26: mac 02:00:00:00:00:01 differs from 02:00:0a:00:00:01 of a/web at a.yaml:5:14: VIPs sharing an address must agree`,
				`b.yaml:4:26: nat.arp noarp differs from answer of a/web at a.yaml:5:14: VIPs sharing an address must agree`,
				`b.yaml:4:26: unknown_port drop differs from reset of a/web at a.yaml:5:14: VIPs sharing an address must agree`,
			},
		},
		{
			name: "one MAC for two addresses",
			files: map[string]string{"a.yaml": hdr + web +
				"  - {name: api, address: 10.0.0.2, port: 80, mac: '02:00:0a:00:00:01'}\n"},
			want: []string{`a.yaml:7:51: mac 02:00:0a:00:00:01 is already used by VIP address 10.0.0.1 (a/web at a.yaml:5:14)`},
		},
		{
			name: "bad MACs",
			files: map[string]string{"a.yaml": hdr +
				"  - {name: v1, address: 10.0.0.1, port: 80, mac: 'zz:00:00:00:00:01'}\n" +
				"  - {name: v2, address: 10.0.0.2, port: 80, mac: '01:00:5e:00:00:01'}\n" +
				"  - {name: v3, address: 10.0.0.3, port: 80, mac: '00:00:00:00:00:00'}\n"},
			want: []string{
				`a.yaml:4:50: mac: invalid Ethernet address "zz:00:00:00:00:01" (write e.g. 02:00:0a:00:00:01)`,
				`a.yaml:5:50: mac: 01:00:5e:00:00:01 is a multicast address`,
				`a.yaml:6:50: mac: 00:00:00:00:00:00 is the zero address`,
			},
		},
		{
			name: "bad enums and booleans",
			files: map[string]string{"a.yaml": hdr + web +
				"    nat: {translate_address: yes, arp: always}\n    unknown_port: reject\n    stats: {policy: per_packet}\n    connection_limit: 4294967296\n"},
			want: []string{
				`a.yaml:7:30: translate_address: expected true or false, got string "yes"`,
				`a.yaml:7:40: arp: unknown value "always" (want answer or noarp)`,
				`a.yaml:8:19: unknown_port: unknown value "reject" (want drop or reset)`,
				`a.yaml:9:21: policy: unknown value "per_packet" (want per_vip, per_flow or none)`,
				`a.yaml:10:23: connection_limit: 4294967296 is out of range 0..4294967295`,
			},
		},
		{
			name:  "wrong shapes",
			files: map[string]string{"a.yaml": "tenant: a\nvip_ranges: 10.0.0.0/24\nvips:\n  web: {}\n"},
			want: []string{
				`a.yaml:2:13: vip_ranges: expected a list, got string "10.0.0.0/24"`,
				`a.yaml:4:3: vips: expected a list, got a mapping`,
			},
		},
		{
			name: "errors in several files are all reported, sorted",
			files: map[string]string{
				"b.yml":    "tenant: b\nvip_ranges: [10.0.1.0/24]\nvips:\n  - {name: x, address: 10.0.1.1, port: 99999}\n",
				"a.yaml":   hdr + web + "    scheduler: fastest\n",
				"c.txt":    "not a policy file: ignored",
				".a.yaml":  "hidden: ignored",
				"c.yaml~":  "editor backup: ignored",
				"d.yaml":   hdr + "  - {name: web, address: 10.0.0.1, port: 80}\n",
				"e.yaml":   "tenant: e\n",
				"z.yaml":   "tenant: z\nvip_ranges: [10.9.0.0/16]\n",
				"y.yml":    "tenant: y\nvip_ranges: [10.8.0.0/16]\nvips: ~\n",
				"x.yaml":   "{tenant: x, vip_ranges: [10.7.0.0/16], vips: []}\n",
				"w.yaml":   "tenant: w\nvip_ranges: [10.6.0.0/16]\nvips:\n  - &v {name: a, address: 10.6.0.1, port: 80}\n",
				"g.yaml":   "tenant: '7'\nvip_ranges: [10.5.0.0/16]\n",
				"h.yaml":   "tenant: 8\nvip_ranges: [10.4.0.0/16]\n",
				"i.yaml":   "tenant: true\nvip_ranges: [10.3.0.0/16]\n",
				"j.yaml":   "tenant: ~\nvip_ranges: [10.2.0.0/16]\n",
				"k.yaml":   "tenant: k\nvip_ranges: [10.10.0.0/16]\nvips:\n  - *undefined\n",
				"lll.yaml": "tenant: l\nvip_ranges: [10.11.0.0/16]\nvips: [{name: a, address: 10.11.0.1, port: 80, backends: [{address: 10.12.0.1, port: 80}, {address: 10.12.0.2, port: 80, name: a}]}]\n",
			},
			want: []string{
				`a.yaml:7:16: scheduler: unknown value "fastest" (want round_robin, weighted_round_robin, least_connections, weighted_least_connections or consistent_hash)`,
				`b.yml:4:40: port: 99999 is out of range 0..65535`,
				`d.yaml:1:9: tenant "a" is already defined at a.yaml:1:9`,
				`d.yaml:4:26: tcp 10.0.0.1:80 is already claimed by a/web at a.yaml:5:14`,
				`e.yaml:1:1: policy: missing required key "vip_ranges"`,
				`j.yaml:1:9: tenant: expected a string, got nothing`,
				`k.yaml:4:5: invalid YAML: unknown anchor 'undefined' referenced`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkFiles(t, tt.files)
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n got  %s\n want %s", strings.Join(got, "\n      "), strings.Join(tt.want, "\n      "))
			}
		})
	}
}

func TestLimits(t *testing.T) {
	var distinct strings.Builder
	for i := range 500 {
		fmt.Fprintf(&distinct, "      - {address: 10.1.%d.%d}\n", i/250, 1+i%250)
	}
	aliasVIPs := hdr + "  - &v\n    name: web\n    address: 10.0.0.1\n    port: 80\n    backends:\n" + distinct.String() +
		strings.Repeat("  - *v\n", 600)
	sameBackend := hdr + web + "    backends: [&b {address: 10.0.1.1}" + strings.Repeat(", *b", 2000) + "]\n"
	tooMany := hdr + web + "    backends:\n" + strings.Repeat("      - {address: 10.0.1.1}\n", MaxBackendsPerVIP+1)
	tests := []struct {
		name  string
		data  string
		count int    // problems expected, 0 for any
		last  string // the last problem, directory stripped
	}{
		{
			name: "alias fan-out stops at the node budget",
			data: aliasVIPs,
			last: "a.yaml:189:9: file expands to more than 262144 nodes (too many aliases?)",
		},
		{
			// 999 identical problems at one place are reported once.
			name:  "problems stop at the cap",
			data:  sameBackend,
			count: 2,
			last:  "a.yaml:7:29: too many problems (1000); stopped checking the file",
		},
		{
			name:  "too many backends",
			data:  tooMany,
			count: 1,
			last:  "a.yaml:8:7: backends: 4097 backends exceed the limit of 4096 per VIP",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkFiles(t, map[string]string{"a.yaml": tt.data})
			if len(got) == 0 || (tt.count != 0 && len(got) != tt.count) {
				t.Fatalf("%d problems, want %d", len(got), tt.count)
			}
			var last string
			for _, g := range got {
				if strings.Contains(g, "too many") || strings.Contains(g, "exceed") || strings.Contains(g, "expands") {
					last = g
				}
			}
			if last != tt.last {
				t.Errorf("limit problem %q, want %q", last, tt.last)
			}
		})
	}
}
