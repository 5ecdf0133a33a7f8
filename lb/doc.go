// Package lb is the load-balancer application of the controller: it turns
// the tenants' virtual IPs into flow entries and answers new flows.
//
// On every switch it installs, proactively: the default forwarding entry
// (NORMAL, or the built-in learning switch for hardware without NORMAL), an
// ARP catch per VIP (the controller answers ARP for VIPs and learns backend
// locations from ARP replies), and a VIP catch per VIP and port that sends
// new flows to the controller. For each new flow it picks a backend with
// the VIP's scheduler and installs, on the switch where the flow entered,
// an exact-match reverse entry (backend -> client, source rewritten to the
// VIP) and forward entry (client -> VIP, destination rewritten to the
// backend) with the VIP's timeouts and flow-removed notification, then
// sends the first packet on with a packet-out that carries the rewrite
// itself. Later packets of the flow that reach the controller before the
// entries are in place get the same backend from the pending decision;
// on switches that may apply the packet-out before the entries, a reply
// catch per backend service sends backend replies that beat their reverse
// entry to the controller, which un-NATs them the same way (ReplyCatch).
//
// The App implements the controller's handler interfaces; its state is
// keyed by cookie (see Cookie) so that a restarted controller adopts its
// own entries and rebuilds per-flow state from the switches.
package lb
