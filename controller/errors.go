package controller

import (
	"errors"
	"fmt"
)

var (
	// ErrQueueFull reports that a switch's send queue is full: the switch
	// reads more slowly than the controller writes.
	ErrQueueFull = errors.New("send queue full")
	// ErrClosed reports an operation on a connection that has closed.
	ErrClosed = errors.New("switch connection closed")
	// ErrNotMaster reports a modifying message refused locally because the
	// controller's role on the switch is SLAVE.
	ErrNotMaster = errors.New("controller is not master of the switch")
	// ErrEchoTimeout reports a switch that stopped answering echo requests.
	ErrEchoTimeout = errors.New("switch stopped answering echo requests")
	// ErrIncompatible reports a switch that does not speak OpenFlow 1.3.
	ErrIncompatible = errors.New("switch does not offer OpenFlow 1.3")
	// ErrStaleGeneration reports a role request whose generation id is older
	// than one already seen for the switch.
	ErrStaleGeneration = errors.New("stale role generation id")
	// ErrAuxiliary reports an OpenFlow auxiliary connection, which oflb
	// refuses: it would otherwise replace the switch's main connection.
	ErrAuxiliary = errors.New("auxiliary connections are not supported")
	// ErrNotSupported reports a feature the switch lacks (probe result).
	ErrNotSupported = errors.New("not supported by the switch")
)

// OpError is an error of an operation on one switch.
type OpError struct {
	Op   string // e.g. "handshake", "request FLOW_MOD", "reconcile"
	DPID uint64 // zero before the features reply
	Err  error
}

func (e *OpError) Error() string {
	return fmt.Sprintf("controller: switch %016x: %s: %v", e.DPID, e.Op, e.Err)
}

func (e *OpError) Unwrap() error { return e.Err }
