// Package policy reads the per-tenant policy files and the controller
// configuration of oflb.
//
// # Policy files
//
// A policy directory holds one YAML file per tenant (*.yaml or *.yml; names
// starting with '.' and subdirectories are ignored). The directory is
// validated as one set (DESIGN decision 8): every file on its own, then the
// files against each other. A change is accepted only if the whole set is
// valid; otherwise every problem of every file is reported, sorted, as
// "file:line:col: reason", and the running policy stays.
//
// A complete file, with every key (defaults in brackets):
//
//	tenant: tenant-a                # required; unique across the directory
//	vip_ranges:                     # required; IPv4 prefixes the VIPs must lie in
//	  - 10.0.0.96/28
//	vips:
//	  - name: web                   # required; unique within the tenant
//	    id: 1200                    # [derived] stable cookie id 1..65535
//	    address: 10.0.0.100         # required; unicast IPv4
//	    port: 80                    # required; 0 = every port not served by another VIP
//	    protocol: tcp               # [tcp] tcp | udp
//	    mode: reactive              # [reactive] reactive | stateless | conntrack
//	    scheduler: weighted_round_robin   # [weighted_round_robin] round_robin |
//	                                # weighted_round_robin | least_connections |
//	                                # weighted_least_connections | consistent_hash
//	    idle_timeout: 30s           # [controller default, 30s] whole seconds, 0..65535s; 0 = none
//	    hard_timeout: 0             # [controller default, 0] same; plain integers are seconds
//	    nat:
//	      translate_address: true   # [true] false = direct server return (MAC rewrite only)
//	      translate_port: true      # [true; false for port 0 and direct server return]
//	      arp: answer               # [answer] answer | noarp
//	    mac: 02:00:0a:00:00:64      # [02:00 + the four address bytes] unicast
//	    unknown_port: reset         # [reset] reset (TCP RST, ICMP port unreachable for UDP) | drop
//	    stats:
//	      policy: per_flow          # [per_vip] per_vip | per_flow | none
//	      interval: 10s             # [10s] 1s..1h, whole seconds; not with none
//	    connection_limit: 10000     # [0 = none] 0..4294967295
//	    backends:
//	      - name: web-1             # [none] unique within the VIP
//	        id: 300                 # [derived] stable cookie id 1..65535
//	        address: 10.0.0.11      # required; unicast IPv4
//	        port: 8080              # [the VIP's port] 1..65535; none for a port-0 VIP
//	        weight: 2               # [1] 0..65535; 0 = drained (no new connections)
//
// Unknown keys are errors (with a suggestion when one is close), as are
// duplicate keys and merge keys (<<). Anchors and aliases are allowed, e.g.
// to share one list of backends between VIPs. Durations are Go durations
// ("30s", "5m") or integers of seconds.
//
// Rules across settings: a reactive VIP needs a non-zero idle or hard
// timeout (entries that never expire fill a hardware table);
// least_connections, weighted_least_connections, connection_limit and
// stats policy per_flow need mode reactive (only it sees connections);
// translate_port needs translate_address and a port other than 0; a
// backend's port must equal the VIP's when translate_port is false.
//
// Rules across the set: tenant names are unique; a VIP's address lies in
// its tenant's vip_ranges; no two VIPs (of any tenants) share address,
// protocol and port; VIPs sharing an address agree on mac, nat.arp and
// unknown_port, and no two addresses share a MAC.
//
// # Stable ids
//
// Flow cookies carry a 16-bit VIP id and a 16-bit backend id (DESIGN
// decision 3). Both are derived, never allocated: the VIP id from the
// tenant and VIP names (DeriveVIPID), the backend id from its address and
// port (DeriveBackendID), so that they survive restarts and reloads and
// every instance agrees. A collision is refused at validation naming both
// sides; an explicit id resolves it without renaming. An address and port
// have one backend id in every VIP.
//
// # Loading and reloading
//
//	p, err := policy.Load("/etc/oflb/policy", nil) // err is an ErrorList
//	v, ok := p.Lookup(dst, policy.TCP, 80)
//
// A Store holds the running policy and swaps it atomically on a valid
// Reload; subscribers receive each change with a Diff. A Watcher reloads
// the store when the directory changes or on demand:
//
//	st := policy.NewStore(cfg.PolicyDir, cfg.PolicyOptions())
//	if _, err := st.Reload(); err != nil {
//		return err // refuse to start on an invalid policy
//	}
//	updates, cancel := st.Subscribe() // the first update brings the policy
//	defer cancel()
//	w := policy.NewWatcher(st, nil)
//	go w.Run(ctx) // and w.Trigger() on SIGHUP
//	for u := range updates {
//		apply(u.New, u.Diff)
//	}
//
// Check is what `oflb policy check DIR` runs.
//
// # Controller configuration
//
// Config is read by LoadConfig through viper from flags, OFLB_* environment
// variables and a YAML file, highest first; see Config for the keys and
// RegisterFlags for the flags:
//
//	fs := pflag.NewFlagSet("oflb serve", pflag.ExitOnError)
//	policy.RegisterFlags(fs)
//	fs.Parse(os.Args[2:])
//	cfg, err := policy.LoadConfig(fs) // names every bad key and its source
package policy
