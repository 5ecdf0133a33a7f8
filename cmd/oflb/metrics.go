package main

import (
	"runtime"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/oflb/oflb/lb"
)

// lbCollector exports the load balancer's counters and active flows,
// read at scrape time. Labels are bounded by the policy (tenant, VIP,
// backend): never per flow or per client.
type lbCollector struct {
	app *lb.App

	counters  []lbCounter
	refused   *prometheus.Desc
	vipFlows  *prometheus.Desc
	beFlows   *prometheus.Desc
	decisions *prometheus.Desc
	drained   *prometheus.Desc
}

// lbCounter is one counter of lb.Counters.
type lbCounter struct {
	desc *prometheus.Desc
	get  func(*lb.Counters) uint64
}

func newLBCollector(app *lb.App) *lbCollector {
	c := &lbCollector{app: app}
	counter := func(name, help string, get func(*lb.Counters) uint64) {
		c.counters = append(c.counters, lbCounter{prometheus.NewDesc("oflb_lb_"+name+"_total", help, nil, nil), get})
	}
	counter("flows_installed", "Flows set up (forward and reverse entries sent).", func(s *lb.Counters) uint64 { return s.FlowsInstalled.Load() })
	counter("flows_removed", "Flows ended by the switch (timeout or delete).", func(s *lb.Counters) uint64 { return s.FlowsRemoved.Load() })
	counter("flow_repeats", "Packets of flows being set up, sent on without new entries.", func(s *lb.Counters) uint64 { return s.Repeats.Load() })
	counter("replies_caught", "Backend packets that beat their flow's reverse entry, un-NATed by the controller (reply catch).", func(s *lb.Counters) uint64 { return s.RepliesCaught.Load() })
	counter("replies_passed", "Packets a reply catch sent to the controller that belong to no flow, forwarded as non-VIP traffic.", func(s *lb.Counters) uint64 { return s.RepliesPassed.Load() })
	counter("entries_refused", "Per-flow entries a switch refused (table full, or a rewrite it cannot do); their flows were dropped.", func(s *lb.Counters) uint64 { return s.EntriesRefused.Load() })
	counter("arp_answered", "ARP requests for VIPs answered.", func(s *lb.Counters) uint64 { return s.ARPAnswered.Load() })
	counter("arp_learned", "Host locations learned or changed from ARP.", func(s *lb.Counters) uint64 { return s.ARPLearned.Load() })
	counter("send_errors", "Messages the load balancer could not queue to a switch.", func(s *lb.Counters) uint64 { return s.SendErrors.Load() })
	counter("switch_errors", "OpenFlow errors switches returned for the load balancer's messages.", func(s *lb.Counters) uint64 { return s.SwitchErrors.Load() })
	counter("non_ipv4_packets", "Packet-ins neither ARP nor IPv4 for a VIP, ignored.", func(s *lb.Counters) uint64 { return s.NonIPv4.Load() })
	counter("malformed_packets", "Packet-ins whose packet could not be parsed.", func(s *lb.Counters) uint64 { return s.Malformed.Load() })
	c.refused = prometheus.NewDesc("oflb_lb_refusals_total",
		"New flows refused, by reason: unknown_port (no VIP serves it), no_backend (none usable), conn_limit (VIP full), midstream (a TCP segment other than SYN for an unknown flow: answered with RST), table_full (the switch refused an entry for a full table and no flow has ended since, for up to a second), switch_limit (the switch holds max_flows_per_switch flows).",
		[]string{"reason"}, nil)
	c.vipFlows = prometheus.NewDesc("oflb_lb_vip_active_flows", "Active flows of a VIP.", []string{"tenant", "vip"}, nil)
	c.beFlows = prometheus.NewDesc("oflb_lb_backend_active_flows", "Active flows of a VIP's backend.", []string{"tenant", "vip", "backend"}, nil)
	c.decisions = prometheus.NewDesc("oflb_lb_scheduler_decisions_total", "New flows a VIP's scheduler gave the backend.", []string{"tenant", "vip", "backend"}, nil)
	c.drained = prometheus.NewDesc("oflb_lb_backend_drained", "1 if an operator drained the VIP's backend, else 0.", []string{"tenant", "vip", "backend"}, nil)
	return c
}

// Describe implements prometheus.Collector.
func (c *lbCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, k := range c.counters {
		ch <- k.desc
	}
	ch <- c.refused
	ch <- c.vipFlows
	ch <- c.beFlows
	ch <- c.decisions
	ch <- c.drained
}

// Collect implements prometheus.Collector.
func (c *lbCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.app.Counters()
	for _, k := range c.counters {
		ch <- prometheus.MustNewConstMetric(k.desc, prometheus.CounterValue, float64(k.get(st)))
	}
	for _, r := range []struct {
		reason string
		n      uint64
	}{
		{"unknown_port", st.RefusedUnknownPort.Load()},
		{"no_backend", st.RefusedNoBackend.Load()},
		{"conn_limit", st.RefusedConnLimit.Load()},
		{"midstream", st.RefusedMidstream.Load()},
		{"table_full", st.RefusedTableFull.Load()},
		{"switch_limit", st.RefusedSwitchLimit.Load()},
	} {
		ch <- prometheus.MustNewConstMetric(c.refused, prometheus.CounterValue, float64(r.n), r.reason)
	}
	for _, v := range c.app.VIPs() {
		ch <- prometheus.MustNewConstMetric(c.vipFlows, prometheus.GaugeValue, float64(v.Active), v.Tenant, v.Name)
		for _, b := range v.Backends {
			name := b.Name
			if name == "" {
				name = b.AddrPort().String()
			}
			ch <- prometheus.MustNewConstMetric(c.beFlows, prometheus.GaugeValue, float64(b.Active), v.Tenant, v.Name, name)
			ch <- prometheus.MustNewConstMetric(c.decisions, prometheus.CounterValue, float64(b.Decisions), v.Tenant, v.Name, name)
			drained := 0.0
			if b.Drained {
				drained = 1
			}
			ch <- prometheus.MustNewConstMetric(c.drained, prometheus.GaugeValue, drained, v.Tenant, v.Name, name)
		}
	}
}

// buildCollector exports oflb_build_info and the policy in force.
type buildCollector struct {
	s      *server
	info   *prometheus.Desc
	vips   *prometheus.Desc
	reload *prometheus.Desc
}

func newBuildCollector(s *server) *buildCollector {
	return &buildCollector{
		s:      s,
		info:   prometheus.NewDesc("oflb_build_info", "Always 1; labels name the build.", []string{"version", "goversion"}, nil),
		vips:   prometheus.NewDesc("oflb_policy_vips", "VIPs in the policy in force.", nil, nil),
		reload: prometheus.NewDesc("oflb_policy_last_reload_success", "1 if the last policy reload was accepted, else 0.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *buildCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.info
	ch <- c.vips
	ch <- c.reload
}

// Collect implements prometheus.Collector.
func (c *buildCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(c.info, prometheus.GaugeValue, 1, versionString(), runtime.Version())
	p, last := c.s.policyState()
	ch <- prometheus.MustNewConstMetric(c.vips, prometheus.GaugeValue, float64(p.Len()))
	ok := 0.0
	if last.OK {
		ok = 1
	}
	ch <- prometheus.MustNewConstMetric(c.reload, prometheus.GaugeValue, ok)
}

// statsCollector exports the statistics collector's books (lb.App's
// TrafficStats and PortStats), read at scrape time: per VIP and backend
// the packets and bytes of each direction (forward: client -> backend;
// reverse: backend -> client) and the connections opened and closed; per
// switch how its last poll went; per switch port the port counters.
// Labels are bounded by the policy (tenant, vip, backend) and by the
// switches and their ports (dpid, port: the OpenFlow port number, stable
// while the switch is away; GET /api/v1/stats/ports names it): never per
// flow or per client.
// Counters of a VIP or backend removed from the policy are not exported
// (their series end); they stay in the switches' totals of the API.
type statsCollector struct {
	s *server

	vipPackets, vipBytes, vipOpened, vipClosed *prometheus.Desc
	bePackets, beBytes, beOpened, beClosed     *prometheus.Desc

	pollDuration, polls, polledAt, pollErr *prometheus.Desc
	entries                                *prometheus.Desc

	port []portCounter
}

// portCounter is one counter of a port.
type portCounter struct {
	desc *prometheus.Desc
	get  func(*lb.PortCounters) uint64
}

func newStatsCollector(s *server) *statsCollector {
	vip := []string{"tenant", "vip"}
	vipDir := []string{"tenant", "vip", "direction"}
	be := []string{"tenant", "vip", "backend"}
	beDir := []string{"tenant", "vip", "backend", "direction"}
	sw := []string{"dpid"}
	c := &statsCollector{
		s: s,
		vipPackets: prometheus.NewDesc("oflb_vip_packets_total",
			"Packets of a VIP's flows by direction: forward (client to backend) or reverse (backend to client), as of the last poll plus flows closed since.", vipDir, nil),
		vipBytes: prometheus.NewDesc("oflb_vip_bytes_total",
			"Bytes of a VIP's flows by direction: forward (client to backend) or reverse (backend to client), as of the last poll plus flows closed since.", vipDir, nil),
		vipOpened: prometheus.NewDesc("oflb_vip_connections_opened_total", "Connections (flows) of a VIP installed or adopted.", vip, nil),
		vipClosed: prometheus.NewDesc("oflb_vip_connections_closed_total", "Connections (flows) of a VIP ended.", vip, nil),
		bePackets: prometheus.NewDesc("oflb_backend_packets_total",
			"Packets of a VIP backend's flows by direction: forward (client to backend) or reverse (backend to client).", beDir, nil),
		beBytes: prometheus.NewDesc("oflb_backend_bytes_total",
			"Bytes of a VIP backend's flows by direction: forward (client to backend) or reverse (backend to client).", beDir, nil),
		beOpened: prometheus.NewDesc("oflb_backend_connections_opened_total", "Connections (flows) to a VIP's backend installed or adopted.", be, nil),
		beClosed: prometheus.NewDesc("oflb_backend_connections_closed_total", "Connections (flows) to a VIP's backend ended.", be, nil),
		pollDuration: prometheus.NewDesc("oflb_switch_stats_poll_duration_seconds",
			"Length of the last statistics poll of a switch (flow and port statistics requests and booking).", sw, nil),
		polls: prometheus.NewDesc("oflb_switch_stats_polls_total", "Statistics polls of a switch.", sw, nil),
		polledAt: prometheus.NewDesc("oflb_switch_stats_last_poll_timestamp_seconds",
			"Unix time of the last statistics poll of a switch.", sw, nil),
		pollErr: prometheus.NewDesc("oflb_switch_stats_last_poll_failed",
			"1 if the last poll of a switch could not read what: flows (its per-flow entries) or ports (its port counters, refused by switches without port statistics), else 0.",
			[]string{"dpid", "what"}, nil),
		entries: prometheus.NewDesc("oflb_switch_stats_flow_entries", "Per-flow entries read by the last statistics poll of a switch.", sw, nil),
	}
	port := func(name, help string, get func(*lb.PortCounters) uint64) {
		c.port = append(c.port, portCounter{prometheus.NewDesc("oflb_port_"+name+"_total", help, []string{"dpid", "port"}, nil), get})
	}
	port("rx_packets", "Packets received on a switch port.", func(p *lb.PortCounters) uint64 { return p.RxPackets })
	port("tx_packets", "Packets sent on a switch port.", func(p *lb.PortCounters) uint64 { return p.TxPackets })
	port("rx_bytes", "Bytes received on a switch port.", func(p *lb.PortCounters) uint64 { return p.RxBytes })
	port("tx_bytes", "Bytes sent on a switch port.", func(p *lb.PortCounters) uint64 { return p.TxBytes })
	port("rx_dropped", "Packets dropped on receipt at a switch port.", func(p *lb.PortCounters) uint64 { return p.RxDropped })
	port("tx_dropped", "Packets dropped on sending at a switch port.", func(p *lb.PortCounters) uint64 { return p.TxDropped })
	port("rx_errors", "Receive errors of a switch port.", func(p *lb.PortCounters) uint64 { return p.RxErrors })
	port("tx_errors", "Transmit errors of a switch port.", func(p *lb.PortCounters) uint64 { return p.TxErrors })
	return c
}

// Describe implements prometheus.Collector.
func (c *statsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.vipPackets, c.vipBytes, c.vipOpened, c.vipClosed,
		c.bePackets, c.beBytes, c.beOpened, c.beClosed, c.pollDuration, c.polls, c.polledAt, c.pollErr, c.entries} {
		ch <- d
	}
	for _, p := range c.port {
		ch <- p.desc
	}
}

// Collect implements prometheus.Collector.
func (c *statsCollector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	directions := func(pk, by *prometheus.Desc, t *lb.Traffic, labels ...string) {
		for _, d := range []struct {
			name string
			c    lb.Counts
		}{{"forward", t.Forward}, {"reverse", t.Reverse}} {
			l := append(labels[:len(labels):len(labels)], d.name)
			counter(pk, d.c.Packets, l...)
			counter(by, d.c.Bytes, l...)
		}
	}
	rep := c.s.app.TrafficStats()
	for i := range rep.VIPs {
		v := &rep.VIPs[i]
		directions(c.vipPackets, c.vipBytes, &v.Traffic, v.Tenant, v.Name)
		counter(c.vipOpened, v.Opened, v.Tenant, v.Name)
		counter(c.vipClosed, v.Closed, v.Tenant, v.Name)
		for j := range v.Backends {
			b := &v.Backends[j]
			name := b.Name
			if name == "" {
				if !b.Addr.IsValid() {
					continue // removed from the policy
				}
				name = b.Addr.String()
			}
			directions(c.bePackets, c.beBytes, &b.Traffic, v.Tenant, v.Name, name)
			counter(c.beOpened, b.Opened, v.Tenant, v.Name, name)
			counter(c.beClosed, b.Closed, v.Tenant, v.Name, name)
		}
	}
	for i := range rep.Switches {
		sw := &rep.Switches[i]
		dpid := dpidString(sw.DPID)
		counter(c.polls, sw.Polls, dpid)
		if sw.Polls == 0 {
			continue
		}
		gauge(c.pollDuration, sw.PollDuration.Seconds(), dpid)
		gauge(c.polledAt, float64(sw.PolledAt.UnixNano())/1e9, dpid)
		gauge(c.entries, float64(sw.FlowEntries), dpid)
		gauge(c.pollErr, boolFloat(sw.FlowErr != nil), dpid, "flows")
		gauge(c.pollErr, boolFloat(sw.PortErr != nil), dpid, "ports")
	}
	for _, sp := range c.s.app.PortStats() {
		dpid := dpidString(sp.DPID)
		for i := range sp.Ports {
			p := &sp.Ports[i]
			no := strconv.FormatUint(uint64(p.PortNo), 10)
			for _, pc := range c.port {
				counter(pc.desc, pc.get(p), dpid, no)
			}
		}
	}
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
