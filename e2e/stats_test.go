package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	ovslab "github.com/oflb/oflb/ovs-lab"
)

// statsPolicy serves three VIPs on 10.0.0.100 whose counters are checked
// against the switch's: web (HTTP on 80, per_flow, entries that outlive
// the spec), brief (HTTP on 81, per_flow, entries that expire after 2 s
// idle, so that their counts reach oflb only by FLOW_REMOVED) and ident
// (a held TCP connection on 7000, per_vip). The hour-long interval keeps
// the poller out of the spec: every poll is a refresh the spec asks for,
// and brief's entries are never polled before they expire.
const statsPolicy = `tenant: e2e
vip_ranges: [10.0.0.96/28]
vips:
  - name: web
    address: 10.0.0.100
    port: 80
    scheduler: round_robin
    idle_timeout: 5m
    stats: {policy: per_flow, interval: 1h}
    backends:
      - {name: b1, address: 10.0.0.11, port: 8080}
      - {name: b2, address: 10.0.0.12, port: 8080}
  - name: brief
    address: 10.0.0.100
    port: 81
    scheduler: round_robin
    idle_timeout: 2s
    stats: {policy: per_flow, interval: 1h}
    backends:
      - {name: b1, address: 10.0.0.11, port: 8080}
      - {name: b2, address: 10.0.0.12, port: 8080}
      - {name: b3, address: 10.0.0.13, port: 8080}
  - name: ident
    address: 10.0.0.100
    port: 7000
    scheduler: round_robin
    idle_timeout: 5m
    stats: {policy: per_vip, interval: 1h}
    backends:
      - {name: b1, address: 10.0.0.11}
      - {name: b2, address: 10.0.0.12}
`

// The owner byte of instance 0's cookies, and the kinds of per-flow
// entries (lb/cookie.go: owner in bits 56..63, kind in 52..55, VIP id in
// 32..47, backend id in 16..31).
const (
	statsOwner  = 1
	kindForward = 4
	kindReverse = 5
)

// dirKey names one direction of one VIP backend.
type dirKey struct {
	VIP, Backend uint16
	Dir          string // forward, reverse
}

// counts are packets and bytes.
type counts struct {
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
}

func (c counts) plus(o counts) counts { return counts{c.Packets + o.Packets, c.Bytes + o.Bytes} }

// apiTraffic is the counters of an aggregate in GET /api/v1/stats.
type apiTraffic struct {
	ActiveFlows       uint64 `json:"active_flows"`
	ConnectionsOpened uint64 `json:"connections_opened"`
	ConnectionsClosed uint64 `json:"connections_closed"`
	Forward           counts `json:"forward"`
	Reverse           counts `json:"reverse"`
}

// apiStats is GET /api/v1/stats (what the spec reads of it).
type apiStats struct {
	VIPs []struct {
		ID     uint16 `json:"id"`
		Tenant string `json:"tenant"`
		Name   string `json:"name"`
		apiTraffic
		Backends []struct {
			ID   uint16 `json:"id"`
			Name string `json:"name"`
			apiTraffic
		} `json:"backends"`
	} `json:"vips"`
	Switches []struct {
		Switch string `json:"switch"`
		apiTraffic
		Polls     uint64 `json:"polls"`
		FlowError string `json:"flow_error"`
	} `json:"switches"`
	RefreshError string `json:"refresh_error"`
}

// statsBooks is what the spec compares: every (VIP, backend, direction)'s
// counts and every (VIP, backend)'s connections opened and closed, with
// zeros left out.
type statsBooks struct {
	Counts map[dirKey]counts
	Opened map[[2]uint16]uint64
	Closed map[[2]uint16]uint64
}

func newBooks() statsBooks {
	return statsBooks{Counts: map[dirKey]counts{}, Opened: map[[2]uint16]uint64{}, Closed: map[[2]uint16]uint64{}}
}

func (b statsBooks) add(k dirKey, c counts) {
	if c != (counts{}) {
		b.Counts[k] = b.Counts[k].plus(c)
	}
}

func (b statsBooks) count(m map[[2]uint16]uint64, vip, backend uint16, n uint64) {
	if n != 0 {
		m[[2]uint16{vip, backend}] += n
	}
}

// booksOf reads a report's per-backend books, checking on the way that
// each VIP's totals are the sums of its backends' and the switch's the
// sum of every VIP's.
func booksOf(g Gomega, st apiStats) statsBooks {
	b := newBooks()
	var all apiTraffic
	for _, v := range st.VIPs {
		var sum apiTraffic
		for _, be := range v.Backends {
			b.add(dirKey{v.ID, be.ID, "forward"}, be.Forward)
			b.add(dirKey{v.ID, be.ID, "reverse"}, be.Reverse)
			b.count(b.Opened, v.ID, be.ID, be.ConnectionsOpened)
			b.count(b.Closed, v.ID, be.ID, be.ConnectionsClosed)
			sum.Forward, sum.Reverse = sum.Forward.plus(be.Forward), sum.Reverse.plus(be.Reverse)
			sum.ConnectionsOpened += be.ConnectionsOpened
			sum.ConnectionsClosed += be.ConnectionsClosed
			sum.ActiveFlows += be.ActiveFlows
		}
		g.Expect(v.apiTraffic).To(Equal(sum), "VIP %s totals are its backends' sums", v.Name)
		all.Forward, all.Reverse = all.Forward.plus(sum.Forward), all.Reverse.plus(sum.Reverse)
		all.ConnectionsOpened += sum.ConnectionsOpened
		all.ConnectionsClosed += sum.ConnectionsClosed
		all.ActiveFlows += sum.ActiveFlows
	}
	g.Expect(st.Switches).To(HaveLen(1))
	g.Expect(st.Switches[0].apiTraffic).To(Equal(all), "the switch's totals are every VIP's sums")
	return b
}

// switchBooks computes what oflb must report from the switch alone: the
// counters of the live per-flow entries (dump-flows) plus the final
// counters of the removed ones (FLOW_REMOVED, as the monitor saw them),
// selected by oflb's cookie (owner, kind forward or reverse). A
// connection is a forward entry: closed when removed, opened whether
// removed or live.
func switchBooks(live []ovslab.Flow, removed []removedEntry) statsBooks {
	b := newBooks()
	entry := func(cookie uint64, c counts, gone bool) {
		owner, kind := cookie>>56, cookie>>52&0xf
		vip, backend := uint16(cookie>>32), uint16(cookie>>16)
		if owner != statsOwner || (kind != kindForward && kind != kindReverse) {
			return
		}
		dir := "forward"
		if kind == kindReverse {
			dir = "reverse"
		} else {
			b.count(b.Opened, vip, backend, 1)
			if gone {
				b.count(b.Closed, vip, backend, 1)
			}
		}
		b.add(dirKey{vip, backend, dir}, c)
	}
	for _, f := range live {
		if f.Priority == 1000 {
			entry(f.Cookie, counts{f.Packets, f.Bytes}, false)
		}
	}
	for _, r := range removed {
		entry(r.Cookie, counts{r.Packets, r.Bytes}, true)
	}
	return b
}

// entryCounters returns the counters of the live per-flow entries by
// cookie and match, to tell whether they still move.
func entryCounters(flows []ovslab.Flow) map[string]counts {
	out := map[string]counts{}
	for _, f := range flows {
		if f.Priority == 1000 {
			out[fmt.Sprintf("%#x %s", f.Cookie, f.Match)] = counts{f.Packets, f.Bytes}
		}
	}
	return out
}

var _ = Describe("Statistics", Label("e2e", "stats"), func() {
	It("counts every packet and byte of live and expired flows exactly, in the API, the metrics and the CLI", Label("timeout"), func(ctx SpecContext) {
		c := startController(map[string]string{"e2e.yaml": statsPolicy}, 3)
		mon := startFlowRemovedMonitor()

		ids := map[string]uint16{}
		var st apiStats
		c.getInto(Default, "/api/v1/stats", &st)
		for _, v := range st.VIPs {
			ids[v.Name] = v.ID
		}
		Expect(ids).To(HaveLen(3))

		By("traffic: a held ident connection, HTTP through web (entries stay) and through brief (entries expire)")
		ic, err := openIdent(ctx, suite.clients[0], netip.Addr{}, vipIP+":7000")
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(ic.Close)
		for i := range 20 {
			Expect(ic.echo(fmt.Sprintf("line %d %s", i, strings.Repeat("x", 10*i)), 5*time.Second)).To(Succeed())
		}
		const nWeb, nBrief = 6, 6
		for i := range nWeb + nBrief {
			target := vipIP + ":80"
			if i >= nWeb {
				target = vipIP + ":81"
			}
			res, err := httpGet(ctx, suite.clients[i%2], target)
			Expect(err).NotTo(HaveOccurred(), "HTTP GET %s", target)
			Expect(res.Client.Addr()).To(Equal(suite.clients[i%2].Addr()))
		}

		By("brief's entries expire; the switch reports their final counters")
		briefEntries := func(g Gomega) []ovslab.Flow {
			var out []ovslab.Flow
			for _, f := range perFlowEntries(g) {
				if uint16(f.Cookie>>32) == ids["brief"] {
					out = append(out, f)
				}
			}
			return out
		}
		Eventually(briefEntries).WithContext(ctx).WithTimeout(30 * time.Second).WithPolling(200 * time.Millisecond).Should(BeEmpty())
		Eventually(func() int {
			n := 0
			for _, r := range mon.Removed() {
				if uint16(r.Cookie>>32) == ids["brief"] && r.Cookie>>56 == statsOwner {
					n++
				}
			}
			return n
		}).WithContext(ctx).WithTimeout(10*time.Second).WithPolling(100*time.Millisecond).Should(
			BeNumerically(">=", 2*nBrief), "FLOW_REMOVED of both entries of every brief connection")
		Expect(perFlowEntries(Default)).NotTo(BeEmpty(), "web's and ident's entries stay")

		By("after a refresh, oflb's books equal the switch's live entries plus its removed ones")
		// No traffic flows now, but the userspace datapath hands counters
		// to the entries in rounds: purge its cache (which pushes them)
		// and accept a round only when the entries did not move across
		// the refresh. Refreshes are rate-limited (429): one per round.
		var books statsBooks
		Eventually(func(g Gomega) {
			_, err := suite.ovs.Appctl("revalidator/purge")
			g.Expect(err).NotTo(HaveOccurred())
			before := dumpFlows(g)
			var rep apiStats
			c.postInto(g, "/api/v1/stats/refresh", &rep)
			after := dumpFlows(g)
			g.Expect(entryCounters(after)).To(Equal(entryCounters(before)), "the entries' counters moved during the refresh")
			g.Expect(rep.RefreshError).To(BeEmpty())
			g.Expect(rep.Switches).To(HaveLen(1))
			g.Expect(rep.Switches[0].FlowError).To(BeEmpty())
			want := switchBooks(after, mon.Removed())
			books = booksOf(g, rep)
			g.Expect(books).To(Equal(want), "oflb's books (actual) against the switch's (expected)")
		}).WithContext(ctx).WithTimeout(30 * time.Second).WithPolling(1100 * time.Millisecond).Should(Succeed())

		// The books are not trivially equal: every VIP counted traffic
		// both ways, brief only through FLOW_REMOVED.
		for _, name := range []string{"web", "brief", "ident"} {
			var fwd, rev counts
			var opened, closed uint64
			for k, v := range books.Counts {
				if k.VIP == ids[name] && k.Dir == "forward" {
					fwd = fwd.plus(v)
				} else if k.VIP == ids[name] {
					rev = rev.plus(v)
				}
			}
			for k, n := range books.Opened {
				if k[0] == ids[name] {
					opened += n
				}
			}
			for k, n := range books.Closed {
				if k[0] == ids[name] {
					closed += n
				}
			}
			GinkgoWriter.Printf("%s: forward %d packets %d bytes, reverse %d packets %d bytes, %d opened, %d closed\n",
				name, fwd.Packets, fwd.Bytes, rev.Packets, rev.Bytes, opened, closed)
			Expect(fwd.Packets).To(BeNumerically(">", 0), name)
			Expect(rev.Bytes).To(BeNumerically(">", 0), name)
			// Late packets of earlier specs' connections (a FIN
			// retransmitted after their controller stopped) may open a
			// flow or two more on the shared lab; what this spec opened
			// must be there, and its held flows still open.
			switch name {
			case "web":
				Expect(opened).To(BeNumerically(">=", nWeb), "web's connections opened")
				Expect(opened-closed).To(BeNumerically(">=", nWeb), "web's connections still open")
			case "brief":
				Expect(opened).To(BeNumerically(">=", nBrief))
				Expect(closed).To(Equal(opened), "every brief connection closed")
			case "ident":
				Expect(opened).To(BeNumerically(">=", 1), "ident's connection opened")
				Expect(opened-closed).To(BeNumerically(">=", 1), "ident's held connection still open")
			}
		}

		By("GET /api/v1/stats and /api/v1/vips read the same books")
		var again apiStats
		c.getInto(Default, "/api/v1/stats", &again)
		Expect(booksOf(Default, again)).To(Equal(books))
		var vips []struct {
			ID       uint16     `json:"id"`
			Name     string     `json:"name"`
			Traffic  apiTraffic `json:"traffic"`
			Backends []struct {
				ID      uint16     `json:"id"`
				Traffic apiTraffic `json:"traffic"`
			} `json:"backends"`
		}
		c.getInto(Default, "/api/v1/vips", &vips)
		fromVIPs := newBooks()
		for _, v := range vips {
			for _, be := range v.Backends {
				fromVIPs.add(dirKey{v.ID, be.ID, "forward"}, be.Traffic.Forward)
				fromVIPs.add(dirKey{v.ID, be.ID, "reverse"}, be.Traffic.Reverse)
				fromVIPs.count(fromVIPs.Opened, v.ID, be.ID, be.Traffic.ConnectionsOpened)
				fromVIPs.count(fromVIPs.Closed, v.ID, be.ID, be.Traffic.ConnectionsClosed)
			}
		}
		Expect(fromVIPs).To(Equal(books), "GET /api/v1/vips")

		By("GET /api/v1/flows: per_flow flows carry their entries' counters, per_vip ones none")
		var flows []struct {
			Client  string  `json:"client"`
			VIPName string  `json:"vip_name"`
			Forward *counts `json:"forward"`
			Reverse *counts `json:"reverse"`
		}
		c.getInto(Default, "/api/v1/flows", &flows)
		Expect(flows).To(HaveLen(nWeb + 1))
		for _, f := range flows {
			if f.VIPName == "ident" {
				Expect(f.Forward).To(BeNil(), "per_vip flow %s", f.Client)
				Expect(f.Reverse).To(BeNil(), "per_vip flow %s", f.Client)
				continue
			}
			Expect(f.VIPName).To(Equal("web"))
			Expect(f.Forward).NotTo(BeNil(), "per_flow flow %s", f.Client)
			Expect(f.Reverse).NotTo(BeNil(), "per_flow flow %s", f.Client)
			p := port(f.Client)
			fwd := perFlowEntries(Default, "tp_src="+p, "nw_src="+strings.Split(f.Client, ":")[0])
			rev := perFlowEntries(Default, "tp_dst="+p, "nw_dst="+strings.Split(f.Client, ":")[0])
			Expect(fwd).To(HaveLen(1))
			Expect(rev).To(HaveLen(1))
			Expect(*f.Forward).To(Equal(counts{fwd[0].Packets, fwd[0].Bytes}), "forward of %s", f.Client)
			Expect(*f.Reverse).To(Equal(counts{rev[0].Packets, rev[0].Bytes}), "reverse of %s", f.Client)
		}

		By("the Prometheus metrics agree")
		fams := c.metrics(Default)
		metric := func(name string, labels map[string]string) float64 {
			GinkgoHelper()
			v, ok := metricValue(fams, name, labels)
			Expect(ok).To(BeTrue(), "series %s%v", name, labels)
			return v
		}
		names := map[uint16]string{}
		for _, v := range again.VIPs {
			for _, be := range v.Backends {
				names[be.ID] = be.Name
			}
		}
		for _, v := range again.VIPs {
			vl := map[string]string{"tenant": "e2e", "vip": v.Name}
			for _, dir := range []string{"forward", "reverse"} {
				want := v.Forward
				if dir == "reverse" {
					want = v.Reverse
				}
				l := map[string]string{"tenant": "e2e", "vip": v.Name, "direction": dir}
				Expect(metric("oflb_vip_packets_total", l)).To(BeEquivalentTo(want.Packets), "%v", l)
				Expect(metric("oflb_vip_bytes_total", l)).To(BeEquivalentTo(want.Bytes), "%v", l)
			}
			Expect(metric("oflb_vip_connections_opened_total", vl)).To(BeEquivalentTo(v.ConnectionsOpened), "%v", vl)
			Expect(metric("oflb_vip_connections_closed_total", vl)).To(BeEquivalentTo(v.ConnectionsClosed), "%v", vl)
		}
		fromMetrics := newBooks()
		for _, v := range again.VIPs {
			for _, be := range v.Backends {
				for _, dir := range []string{"forward", "reverse"} {
					l := map[string]string{"tenant": "e2e", "vip": v.Name, "backend": be.Name, "direction": dir}
					p, okP := metricValue(fams, "oflb_backend_packets_total", l)
					b, okB := metricValue(fams, "oflb_backend_bytes_total", l)
					Expect([]bool{okP, okB}).To(Equal([]bool{true, true}), "series %v", l)
					fromMetrics.add(dirKey{v.ID, be.ID, dir}, counts{uint64(p), uint64(b)})
				}
				l := map[string]string{"tenant": "e2e", "vip": v.Name, "backend": be.Name}
				o, _ := metricValue(fams, "oflb_backend_connections_opened_total", l)
				cl, _ := metricValue(fams, "oflb_backend_connections_closed_total", l)
				fromMetrics.count(fromMetrics.Opened, v.ID, be.ID, uint64(o))
				fromMetrics.count(fromMetrics.Closed, v.ID, be.ID, uint64(cl))
			}
		}
		Expect(fromMetrics).To(Equal(books), "backend series")
		dpid := map[string]string{"dpid": again.Switches[0].Switch}
		Expect(metric("oflb_switch_stats_polls_total", dpid)).To(BeEquivalentTo(again.Switches[0].Polls))
		Expect(metric("oflb_switch_stats_poll_duration_seconds", dpid)).To(BeNumerically(">", 0))
		// The controller's packet-ins, and the switch's ports.
		Expect(metric("oflb_packet_ins_total", map[string]string{})).To(BeNumerically(">=", nWeb+nBrief+1))
		Expect(fams).To(HaveKey("oflb_port_rx_bytes_total"))
		var rx float64
		for _, m := range fams["oflb_port_rx_bytes_total"].GetMetric() {
			rx += m.GetCounter().GetValue()
		}
		Expect(rx).To(BeNumerically(">", 0), "bytes received on the bridge's ports")

		By("oflb stats -o json agrees")
		out, err := c.cli(ctx, "-o", "json", "stats")
		Expect(err).NotTo(HaveOccurred())
		var fromCLI apiStats
		Expect(json.Unmarshal([]byte(out), &fromCLI)).To(Succeed(), out)
		Expect(booksOf(Default, fromCLI)).To(Equal(books), "oflb stats -o json")
		out, err = c.cli(ctx, "stats", "--vip", "e2e/web")
		Expect(err).NotTo(HaveOccurred())
		lines := strings.Split(strings.TrimSpace(out), "\n")
		Expect(lines).To(HaveLen(1+1+2), "header, web and its 2 backends:\n%s", out)
		head := strings.Fields(lines[0])
		row := strings.Fields(lines[1])
		Expect(head).To(HaveLen(len(row)))
		col := map[string]string{}
		for i, h := range head {
			col[h] = row[i]
		}
		webFwd := counts{}
		for k, v := range books.Counts {
			if k.VIP == ids["web"] && k.Dir == "forward" {
				webFwd = webFwd.plus(v)
			}
		}
		Expect(col).To(HaveKeyWithValue("BACKEND", "*"))
		Expect(col).To(HaveKeyWithValue("OPENED", strconv.Itoa(nWeb)))
		Expect(col).To(HaveKeyWithValue("PKTS_IN", strconv.FormatUint(webFwd.Packets, 10)))
	}, SpecTimeout(3*time.Minute))

	It("refuses refreshes that come too often with 429", func(_ SpecContext) {
		c := startController(map[string]string{"e2e.yaml": statsPolicy}, 3)
		// A burst of 2, then one a second: within a burst of 4 calls at
		// least one is refused.
		codes := map[int]int{}
		for range 4 {
			code, body, err := c.request(http.MethodPost, "/api/v1/stats/refresh")
			Expect(err).NotTo(HaveOccurred())
			codes[code]++
			if code == http.StatusTooManyRequests {
				var e struct {
					Error string `json:"error"`
				}
				Expect(json.Unmarshal(body, &e)).To(Succeed())
				Expect(e.Error).To(ContainSubstring("too often"))
			}
		}
		Expect(codes[http.StatusOK]).To(BeNumerically(">=", 2))
		Expect(codes[http.StatusTooManyRequests]).To(BeNumerically(">=", 1))
	}, SpecTimeout(time.Minute))
})
