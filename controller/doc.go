// Package controller owns every switch connection and hands switch events
// to applications such as the load balancer.
//
// For each switch the controller runs three goroutines: a reader that
// decodes frames in order and dispatches them, a writer that drains a
// bounded byte queue and coalesces many messages into one write, and a
// manager that performs the handshake, keepalive and reconciliation. Events
// of one switch reach applications in the order the switch sent them, on
// that switch's reader goroutine; different switches are handled in
// parallel. A slow or broken switch affects only itself: its queue fills,
// its sends fail fast with ErrQueueFull, and after Config.QueueFullTimeout
// it is disconnected.
//
// Applications implement any of the small handler interfaces in app.go:
//
//	type app struct{}
//
//	func (app) PacketIn(ev *controller.PacketIn) {
//		ev.Switch.Send(&openflow.PacketOut{...})
//	}
//
//	c := controller.New(nil, app{})
//	ln, _ := net.Listen("tcp", ":6653")
//	err := c.Serve(ctx, ln)
//
// Reconciliation: when a switch connects, the controller reads the entries
// whose cookie carries its owner bits, offers entries that no application
// wants to the Adopters (a restarted controller rebuilds its state from
// them), adds what the applications want and is missing (in one bundle
// where the switch supports bundles), and deletes stale entries last. It
// never clears a table.
package controller
