package e2e

import (
	"fmt"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	ovslab "github.com/oflb/oflb/ovs-lab"
)

// catchEntries returns the matches of the priority-50 reply-catch entries,
// sorted, after checking that each sends to the controller.
func catchEntries(g Gomega) []string {
	var out []string
	for _, f := range dumpFlows(g) {
		if f.Priority != 50 {
			continue
		}
		g.Expect(strings.ToLower(f.Actions)).To(HavePrefix("controller"), "reply catch %s", f.Match)
		out = append(out, f.Match)
	}
	slices.Sort(out)
	return out
}

// traceReply runs ofproto/trace on the bridge for a TCP segment from the
// backend's port srcPort to the client's port dstPort, as it would arrive
// from the backend, and returns the trace.
func traceReply(g Gomega, b *ovslab.Host, srcPort int, client *ovslab.Host, dstPort string) string {
	flow := fmt.Sprintf("in_port=%d,tcp,dl_src=%s,dl_dst=%s,nw_src=%s,nw_dst=%s,tp_src=%d,tp_dst=%s,tcp_flags=0x012",
		b.OFPort, b.MAC, client.MAC, b.IP.Addr(), client.IP.Addr(), srcPort, dstPort)
	out, err := suite.ovs.Appctl("ofproto/trace", b.Bridge, flow)
	g.Expect(err).NotTo(HaveOccurred(), "%s", out)
	return out
}

var _ = Describe("Reply catch", Label("e2e", "reply-catch"), func() {
	It("is left out on Open vSwitch by default (auto)", func(_ SpecContext) {
		startController(map[string]string{"e2e.yaml": webPolicy}, 3)
		Consistently(catchEntries).WithTimeout(time.Second).WithPolling(200*time.Millisecond).Should(BeEmpty(),
			"Open vSwitch applies a connection's messages in order: no reply catch")
	}, SpecTimeout(time.Minute))

	Context("turned on (reply_catch: on)", func() {
		var c *controller
		BeforeEach(func() {
			c = startControllerWith("reply_catch: \"on\"\n", map[string]string{"e2e.yaml": webPolicy}, 3)
		})

		It("catches on the switch exactly the backend replies that no reverse entry matches", func(ctx SpecContext) {
			// One entry per backend service: HTTP and ident over TCP (ident
			// keeps the VIP's port), DNS over UDP from 5353.
			Eventually(catchEntries).WithTimeout(10 * time.Second).WithPolling(100 * time.Millisecond).Should(Equal([]string{
				"tcp,nw_src=10.0.0.11,tp_src=7000",
				"tcp,nw_src=10.0.0.11,tp_src=8080",
				"tcp,nw_src=10.0.0.12,tp_src=7000",
				"tcp,nw_src=10.0.0.12,tp_src=8080",
				"udp,nw_src=10.0.0.11,tp_src=5353",
				"udp,nw_src=10.0.0.12,tp_src=5353",
			}))

			// A held connection through the VIP: Open vSwitch itself says
			// where a backend's segment goes. With the flow's reverse entry
			// in place, that entry (priority 1000) un-NATs it; for a client
			// port without one (a reply that beat its entry) the catch
			// sends it to the controller.
			client := suite.clients[0]
			ic, err := openIdent(ctx, client, client.IP.Addr(), vipIP+":7000")
			Expect(err).NotTo(HaveOccurred())
			defer ic.Close()
			var b *ovslab.Host
			for _, lb := range suite.lab.Backends {
				if lb.Spec.Name == ic.id.Backend {
					b = lb.Host
				}
			}
			Expect(b).NotTo(BeNil(), "backend %q", ic.id.Backend)
			Eventually(func(g Gomega) []ovslab.Flow {
				return perFlowEntries(g, "tp_dst="+port(ic.id.Local))
			}).WithTimeout(10*time.Second).WithPolling(100*time.Millisecond).Should(HaveLen(1), "the reverse entry")
			Eventually(func(g Gomega) {
				tr := traceReply(g, b, identPort, client, port(ic.id.Local))
				g.Expect(tr).To(ContainSubstring("priority 1000"), "trace of the held connection's reply:\n%s", tr)
				g.Expect(tr).To(ContainSubstring("set_field:"+vipIP+"->ip_src"), "un-NATed to the VIP:\n%s", tr)
			}).WithTimeout(5 * time.Second).Should(Succeed())
			tr := traceReply(Default, b, identPort, client, "40999")
			Expect(tr).To(ContainSubstring("priority 50"), "trace of a reply with no reverse entry:\n%s", tr)
			Expect(strings.ToLower(tr)).To(ContainSubstring("controller"), "sent to the controller:\n%s", tr)
			Expect(ic.echo("still talking", 5*time.Second)).To(Succeed())
		}, SpecTimeout(time.Minute))

		It("keeps VIP traffic on its entries and passes a backend's direct answers on", func(ctx SpecContext) {
			passed := func(g Gomega) float64 {
				v, ok := metricValue(c.metrics(g), "oflb_lb_replies_passed_total", nil)
				g.Expect(ok).To(BeTrue(), "oflb_lb_replies_passed_total exported")
				return v
			}
			before := passed(Default)
			for i := range 4 {
				client := suite.clients[i%2]
				res, err := httpGet(ctx, client, vipIP+":80")
				Expect(err).NotTo(HaveOccurred(), "HTTP GET %s:80 from %s", vipIP, client.Short)
				Expect(res.Client.Addr()).To(Equal(client.Addr()))
				r, err := udpQuery(client, vipIP+":53", fmt.Sprintf("query %d", i))
				Expect(err).NotTo(HaveOccurred())
				Expect(r.From).To(Equal(vipIP + ":53"))
			}
			// A client talking to a backend directly, on its service port:
			// the backend's answers match no reverse entry, so the catch
			// takes them, and the controller sends them on unchanged.
			for i := range 3 {
				res, err := httpGet(ctx, suite.clients[i%2], "10.0.0.11:8080")
				Expect(err).NotTo(HaveOccurred(), "direct HTTP GET to b1")
				Expect(res.Backend).To(Equal("b1"))
			}
			r, err := udpQuery(suite.clients[1], "10.0.0.12:5353", "direct")
			Expect(err).NotTo(HaveOccurred(), "direct UDP to b2")
			Expect(r.From).To(Equal("10.0.0.12:5353"))
			Expect(r.Payload).To(Equal("direct"))
			Eventually(passed).WithTimeout(5*time.Second).WithPolling(100*time.Millisecond).Should(
				BeNumerically(">=", before+4), "direct answers passed on by the controller (3 HTTP exchanges and a UDP reply)")
		}, SpecTimeout(time.Minute))
	})
})
