package controller

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/oflb/oflb/openflow"
)

// metrics are the controller's Prometheus series. Labels stay bounded: no
// per-switch or per-flow labels on counters that grow with traffic; the
// message-type label has at most the 30 types of OpenFlow 1.3.
type metrics struct {
	switches        prometheus.Gauge
	packetIns       prometheus.Counter
	packetInDrops   prometheus.Counter
	packetInLatency prometheus.Histogram
	queueFulls      prometheus.Counter
	malformedInputs prometheus.Counter
	sentBytes       prometheus.Counter
	sentByType      [openflow.TypeMeterMod + 1]prometheus.Counter // resolved once: no map lookup per send
	errors          *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer, c *Controller) *metrics {
	m := &metrics{
		switches: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "oflb_switches_connected", Help: "Switches connected and ready.",
		}),
		packetIns: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "oflb_packet_ins_total", Help: "Packet-ins received from ready switches and handled by the applications.",
		}),
		packetInDrops: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "oflb_packet_ins_dropped_total", Help: "Packet-ins dropped because the switch was not ready yet (handshake or reconciliation).",
		}),
		packetInLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "oflb_packet_in_handling_seconds",
			Help:    "Time from decoding a packet-in to the applications' return, their flow-mods and packet-outs queued.",
			Buckets: prometheus.ExponentialBuckets(250e-9, 2, 16), // 250ns .. 8ms
		}),
		queueFulls: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "oflb_send_queue_full_total", Help: "Sends refused because a switch's queue was full.",
		}),
		malformedInputs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "oflb_malformed_messages_total", Help: "Connections closed for malformed OpenFlow input.",
		}),
		sentBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "oflb_sent_bytes_total", Help: "OpenFlow bytes written to switches.",
		}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "oflb_openflow_errors_total", Help: "OpenFlow ERROR messages received, by type and code.",
		}, []string{"type", "code"}),
	}
	sent := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "oflb_messages_sent_total", Help: "OpenFlow messages queued to switches, by type (FLOW_MOD, PACKET_OUT, ...); a message added to a bundle counts as its own type.",
	}, []string{"type"})
	for t := range m.sentByType {
		m.sentByType[t] = sent.WithLabelValues(openflow.Type(t).String())
	}
	roles := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "oflb_switch_roles", Help: "Ready switches by this controller's role on them.",
	}, []string{"role"})
	if reg != nil {
		reg.MustRegister(m.switches, m.packetIns, m.packetInDrops, m.packetInLatency, m.queueFulls,
			m.malformedInputs, m.sentBytes, m.errors, sent, &roleCollector{c: c, vec: roles})
	}
	return m
}

// roleCollector counts the ready switches per role at scrape time.
type roleCollector struct {
	c   *Controller
	vec *prometheus.GaugeVec
}

func (r *roleCollector) Describe(ch chan<- *prometheus.Desc) { r.vec.Describe(ch) }

func (r *roleCollector) Collect(ch chan<- prometheus.Metric) {
	r.vec.Reset()
	for _, role := range []openflow.ControllerRole{openflow.RoleEqual, openflow.RoleMaster, openflow.RoleSlave} {
		r.vec.WithLabelValues(role.String())
	}
	for _, s := range r.c.Switches() {
		r.vec.WithLabelValues(s.Role().String()).Inc()
	}
	r.vec.Collect(ch)
}

func (m *metrics) switchUp()               { m.switches.Inc() }
func (m *metrics) switchDown()             { m.switches.Dec() }
func (m *metrics) packetInDropped(*Switch) { m.packetInDrops.Inc() }
func (m *metrics) queueFull(*Switch)       { m.queueFulls.Inc() }
func (m *metrics) malformed(*Switch)       { m.malformedInputs.Inc() }
func (m *metrics) bytesSent(n int)         { m.sentBytes.Add(float64(n)) }

func (m *metrics) packetIn(took time.Duration) {
	m.packetIns.Inc()
	m.packetInLatency.Observe(took.Seconds())
}

func (m *metrics) sent(t openflow.Type) {
	if int(t) < len(m.sentByType) {
		m.sentByType[t].Inc()
	}
}

func (m *metrics) switchError(_ *Switch, e *openflow.ErrorMsg) {
	m.errors.WithLabelValues(e.ErrType.String(), e.CodeString()).Inc()
}
