// Package oftest is an in-process fake OpenFlow 1.3 switch for unit tests
// and benchmarks of the controller: it connects to a controller, answers
// the handshake, keeps a flow table that flow-mods, bundles and flow stats
// requests act on, honours role requests with generation ids, records what
// it receives, and can misbehave on demand (old versions only, no echo
// replies, no reading, garbage bytes).
//
// It is not a switch model: no packets are forwarded. Integration tests use
// real Open vSwitch (package ovslab) for that.
package oftest
