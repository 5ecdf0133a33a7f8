package controller

import (
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Config tunes the controller. A nil *Config or any zero field means the
// default given in the field's comment.
type Config struct {
	// HelloTimeout bounds the wait for the switch's HELLO (5s).
	HelloTimeout time.Duration
	// HandshakeTimeout bounds features, config, descriptions and probes
	// after HELLO (15s).
	HandshakeTimeout time.Duration
	// EchoInterval is how long a switch may stay silent before the
	// controller sends an echo request (5s).
	EchoInterval time.Duration
	// EchoTimeout is how long a switch may stay silent before it is
	// declared down and its connection closed (3 x EchoInterval).
	EchoTimeout time.Duration
	// SendQueueBytes bounds the encoded bytes waiting for one switch's
	// writer (4 MiB). A send past it fails with ErrQueueFull.
	SendQueueBytes int
	// QueueFullTimeout disconnects a switch whose queue has refused sends
	// for this long without draining (5s).
	QueueFullTimeout time.Duration
	// WriteTimeout bounds one write to the socket (10s).
	WriteTimeout time.Duration
	// RequestTimeout bounds requests made by the controller itself, such
	// as reconciliation dumps, when the caller gave no deadline (30s).
	RequestTimeout time.Duration
	// MaxMultipartBytes bounds one assembled multipart reply (256 MiB).
	MaxMultipartBytes int
	// ControllerID is sent with NXT_SET_CONTROLLER_ID to Open vSwitch so
	// that controller actions can steer packet-ins to this instance (0).
	ControllerID uint16
	// OwnerCookie and OwnerCookieMask select the flow entries this
	// controller owns: reconciliation dumps, adopts and deletes only those.
	// A zero mask means the controller owns no entries and never deletes.
	OwnerCookie, OwnerCookieMask uint64
	// FlowModRate bounds the flow-mods (and bundled messages) written to
	// one switch per second, with bursts of FlowModBurst; 0 means no
	// limit. Hardware switches install a few hundred per second.
	FlowModRate  float64
	FlowModBurst int
	// DisableBundles makes bulk changes go as plain messages and barriers
	// even where the switch supports bundles.
	DisableBundles bool
	// Logger receives the controller's logs (slog.Default()).
	Logger *slog.Logger
	// Registerer receives the controller's metrics (none registered if nil).
	Registerer prometheus.Registerer
	// Now is the clock (time.Now); tests replace it.
	Now func() time.Time
}

func (c *Config) withDefaults() Config {
	var d Config
	if c != nil {
		d = *c
	}
	def := func(p *time.Duration, v time.Duration) {
		if *p <= 0 {
			*p = v
		}
	}
	def(&d.HelloTimeout, 5*time.Second)
	def(&d.HandshakeTimeout, 15*time.Second)
	def(&d.EchoInterval, 5*time.Second)
	def(&d.EchoTimeout, 3*d.EchoInterval)
	def(&d.QueueFullTimeout, 5*time.Second)
	def(&d.WriteTimeout, 10*time.Second)
	def(&d.RequestTimeout, 30*time.Second)
	if d.SendQueueBytes <= 0 {
		d.SendQueueBytes = 4 << 20
	}
	if d.MaxMultipartBytes <= 0 {
		d.MaxMultipartBytes = 256 << 20
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return d
}
