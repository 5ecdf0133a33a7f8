package controller

import (
	"github.com/oflb/oflb/openflow"
	"github.com/oflb/oflb/openflow/packet"
)

// An application implements any of the handler interfaces below; the
// controller checks which when the application is registered. Handlers of
// one switch run on that switch's reader goroutine, in the order the switch
// sent the messages: they must not block. They send with Switch.Send (which
// never blocks) and hand slow work to their own goroutines.

// SwitchHandler is told when a switch is ready (handshake and
// reconciliation done) and when it has gone.
type SwitchHandler interface {
	SwitchUp(sw *Switch)
	SwitchDown(sw *Switch)
}

// PacketIn is a packet-in event. Msg and Data alias the connection's read
// buffer and are valid only during the handler call; copy what you keep.
type PacketIn struct {
	Switch *Switch
	Msg    *openflow.PacketIn
	// InPort is the packet's ingress port, from the packet-in's match.
	InPort uint32
	// Flow is the parsed signature of the packet; ParseErr says why it
	// could not be parsed (Flow then holds what was parsed before).
	Flow     packet.Flow
	ParseErr error
}

// PacketInHandler receives packet-ins.
type PacketInHandler interface {
	PacketIn(ev *PacketIn)
}

// FlowRemovedHandler receives flow-removed notifications for entries the
// controller owns (by cookie) or all entries when no owner mask is set. The
// message is valid only during the call.
type FlowRemovedHandler interface {
	FlowRemoved(sw *Switch, m *openflow.FlowRemoved)
}

// PortStatusHandler receives port changes after the switch's port table
// has been updated.
type PortStatusHandler interface {
	PortStatus(sw *Switch, m *openflow.PortStatus)
}

// ErrorHandler receives OpenFlow errors that no waiting request claimed,
// such as a flow-mod sent with Send that the switch refused. xid is the
// refused message's transaction id; m.Data holds (at least the start of)
// the refused message. Valid only during the call.
type ErrorHandler interface {
	SwitchError(sw *Switch, xid uint32, m *openflow.ErrorMsg)
}

// DesiredStater tells reconciliation which entries an application wants on
// a switch. Every entry must carry a cookie inside the controller's owner
// cookie space. Entries are compared by table, priority and match; an
// entry present with other instructions, timeouts, cookie or flags
// (SEND_FLOW_REM, NO_PKT_COUNTS, NO_BYT_COUNTS) is replaced.
type DesiredStater interface {
	DesiredFlows(sw *Switch) []openflow.FlowMod
}

// Adopter is offered, during reconciliation, each owned entry on the switch
// that no application wants: a restarted controller rebuilds per-flow state
// from them. Returning true keeps the entry (and the application now holds
// it); false lets reconciliation delete it.
type Adopter interface {
	AdoptFlow(sw *Switch, fs *openflow.FlowStats) bool
}
