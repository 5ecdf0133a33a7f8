// Package ovslab is the lab harness of oflb's integration and end-to-end
// tests: a private Open vSwitch instance per test (userspace datapath, no
// kernel module), userspace-datapath bridges, and hosts in network namespaces joined
// to the bridges by veth pairs.
//
// Each [OVS] runs its own ovsdb-server and ovs-vswitchd as child processes
// of the test binary, with database, sockets, pid files and logs in its own
// directory (/tmp/ovslab-olXXXX). Bridges, host links and namespaces are
// named NAME-olXXXX with the instance's suffix, so test packages run in
// parallel and restarting one instance's ovs-vswitchd touches no other.
// Close removes everything; so does the kernel (parent-death signal) and
// the next run's [Sweep] if the test binary crashes.
//
//	lab := ovslab.StartT(t, ovslab.Options{})
//	br, err := lab.AddBridge("br0", ovslab.BridgeOptions{
//		Controllers: []string{"tcp:127.0.0.1:" + port},
//		FailMode:    "secure",
//		DatapathID:  0x1,
//	})
//	h1, err := lab.AddHost("h1", ovslab.HostOptions{Bridge: "br0", IP: netip.MustParsePrefix("10.0.0.1/24"), OFPort: 1})
//	h2, err := lab.AddHost("h2", ovslab.HostOptions{Bridge: "br0", IP: netip.MustParsePrefix("10.0.0.2/24"), OFPort: 2})
//	ln, err := h2.Listen("tcp", ":80")        // a socket inside h2's namespace
//	c, err := h1.DialContext(ctx, "tcp", "10.0.0.2:80")
//	flows, err := lab.WaitFlows(ctx, "br0", func(fs []ovslab.Flow) bool { return len(fs) == 3 })
//
// # Traffic without external tools
//
// Tests open real sockets inside a namespace with [Host.Do]: it runs a
// function on an OS thread locked to its goroutine that has entered the
// namespace with setns(2), then switches the thread back. A socket belongs
// to the namespace it was created in for its whole life, so a listener or
// connection opened there can be used from any goroutine afterwards.
// [Host.Listen], [Host.ListenPacket] and [Host.DialContext] wrap this.
// Re-executing the test binary is not needed; programs that must run in
// the namespace as a whole go through [Host.Command] or [Host.Start]
// (`ip netns exec`).
//
// # Requirements
//
// Root (namespaces, veth pairs, OVS), and Debian's openvswitch-switch,
// iproute2 and ethtool (the Makefile's deps target installs them).
//
// Bridges use the userspace datapath. Its "netdev" flavour opens a kernel
// tap device named "ovs-netdev" that a second ovs-vswitchd on the machine
// cannot open, so by default bridges use datapath_type=dummy (the same
// dpif-netdev code: flow tables, megaflows, conntrack and NAT, with
// internal ports kept in userspace); see [DatapathDummy]. TX checksum
// offload is turned off inside each namespace, without which TCP through
// the userspace datapath fails.
package ovslab
