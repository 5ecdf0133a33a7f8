package e2e

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// twoIdentBackends are b1 and b2 as ident backends of identPolicy.
var twoIdentBackends = []string{"{name: b1, address: 10.0.0.11}", "{name: b2, address: 10.0.0.12}"}

// connEntries returns the per-flow entries of a connection whose client
// side is local ("ip:port"): the forward entry matches its source port,
// the reverse entry its destination port.
func connEntries(g Gomega, local string) (fwd, rev []string) {
	for _, f := range perFlowEntries(g, "tp_src="+port(local)) {
		fwd = append(fwd, f.Raw)
	}
	for _, f := range perFlowEntries(g, "tp_dst="+port(local)) {
		rev = append(rev, f.Raw)
	}
	return fwd, rev
}

// expectConnEntries waits until the connection has one forward and one
// reverse entry.
func expectConnEntries(ctx SpecContext, local string, timeout time.Duration) {
	Eventually(func(g Gomega) {
		fwd, rev := connEntries(g, local)
		g.Expect(fwd).To(HaveLen(1), "forward entry of %s", local)
		g.Expect(rev).To(HaveLen(1), "reverse entry of %s", local)
	}).WithContext(ctx).WithTimeout(timeout).WithPolling(100 * time.Millisecond).Should(Succeed())
}

var _ = Describe("Flow lifecycle", Label("e2e", "lifecycle"), func() {
	It("expires idle entries, reports FLOW_REMOVED and empties the per-flow table", Label("timeout"), func(ctx SpecContext) {
		c := startController(map[string]string{"e2e.yaml": identPolicy("round_robin", "2s", twoIdentBackends...)}, 1)
		id, err := ident(ctx, suite.clients[0], netip.Addr{}, identTarget)
		Expect(err).NotTo(HaveOccurred())

		By("the connection's entries carry the 2 s idle timeout and ask for FLOW_REMOVED")
		Eventually(func(g Gomega) {
			flows := perFlowEntries(g)
			g.Expect(flows).To(HaveLen(2))
			for _, f := range flows {
				g.Expect(f.IdleTimeout).To(BeEquivalentTo(2), f.Raw)
				g.Expect(f.Flags).To(ContainElement("send_flow_rem"), f.Raw)
			}
			g.Expect(c.flowListed(g, id.Local)).To(BeTrue(), "flow %s in /api/v1/flows", id.Local)
		}).WithContext(ctx).WithTimeout(5 * time.Second).WithPolling(100 * time.Millisecond).Should(Succeed())

		By("both disappear once the connection is idle")
		Eventually(func(g Gomega) {
			g.Expect(perFlowEntries(g)).To(BeEmpty(), "priority-1000 entries")
			g.Expect(c.flowListed(g, id.Local)).To(BeFalse(), "flow %s in /api/v1/flows", id.Local)
		}).WithContext(ctx).WithTimeout(15 * time.Second).WithPolling(200 * time.Millisecond).Should(Succeed())
	}, SpecTimeout(time.Minute))

	It("keeps a long-lived TCP connection working while the controller is killed and restarted, then adopts it", Label("restart"), func(ctx SpecContext) {
		c := startController(map[string]string{"e2e.yaml": identPolicy("round_robin", "60s", twoIdentBackends...)}, 1)
		ic, err := openIdent(ctx, suite.clients[0], netip.Addr{}, identTarget)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(ic.Close)
		Expect(ic.echo("before", 5*time.Second)).To(Succeed())
		Eventually(func(g Gomega) bool { return c.flowListed(g, ic.id.Local) }).
			WithContext(ctx).WithTimeout(5 * time.Second).WithPolling(100 * time.Millisecond).Should(BeTrue())
		expectConnEntries(ctx, ic.id.Local, 5*time.Second)
		fwdBefore, revBefore := connEntries(Default, ic.id.Local)

		By("killing the controller (SIGKILL)")
		c.kill()
		Eventually(func() (string, error) {
			out, err := suite.ovs.Vsctl("--bare", "--columns=is_connected", "list", "Controller")
			return strings.TrimSpace(out), err
		}).WithContext(ctx).WithTimeout(10*time.Second).WithPolling(50*time.Millisecond).Should(
			Equal("false"), "the switch has noticed that its controller is gone")
		for i := range 5 {
			Expect(ic.echo(fmt.Sprintf("during %d", i), 5*time.Second)).To(Succeed(), "echo while the controller is down")
		}
		Expect(c.running()).To(BeFalse())

		By("starting it again")
		c.start()
		c.connect()
		c.waitVIPs(1)
		Expect(ic.echo("after", 5*time.Second)).To(Succeed())
		Eventually(func(g Gomega) bool { return c.flowListed(g, ic.id.Local) }).
			WithContext(ctx).WithTimeout(10*time.Second).WithPolling(100*time.Millisecond).Should(BeTrue(), "flow adopted")
		// Adopted, not re-created: still exactly one entry each way.
		fwd, rev := connEntries(Default, ic.id.Local)
		Expect(fwd).To(HaveLen(len(fwdBefore)))
		Expect(rev).To(HaveLen(len(revBefore)))
		Expect(ic.echo("after adoption", 5*time.Second)).To(Succeed())

		By("new connections still work")
		_, err = ident(ctx, suite.clients[1], netip.Addr{}, identTarget)
		Expect(err).NotTo(HaveOccurred())
	}, SpecTimeout(2*time.Minute))

	It("replays per-flow entries after ovs-vswitchd restarts, and an established connection resumes", Label("restart"), func(ctx SpecContext) {
		c := startController(map[string]string{"e2e.yaml": identPolicy("round_robin", "60s", twoIdentBackends...)}, 1)
		ic, err := openIdent(ctx, suite.clients[0], netip.Addr{}, identTarget)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(ic.Close)
		Expect(ic.echo("before", 5*time.Second)).To(Succeed())
		expectConnEntries(ctx, ic.id.Local, 5*time.Second)

		By("restarting ovs-vswitchd (its tables come back empty)")
		Expect(suite.ovs.RestartVSwitchd(ctx)).To(Succeed())

		By("the controller reinstalls the static entries and replays the connection's")
		c.waitVIPs(1)
		expectConnEntries(ctx, ic.id.Local, 20*time.Second)

		By("the connection resumes (TCP retransmits what was lost)")
		Expect(ic.echo("after", 30*time.Second)).To(Succeed())
		Expect(c.flowListed(Default, ic.id.Local)).To(BeTrue())
		for i := range 3 {
			Expect(ic.echo(fmt.Sprintf("after %d", i), 5*time.Second)).To(Succeed())
		}
		_, err = ident(ctx, suite.clients[1], netip.Addr{}, identTarget)
		Expect(err).NotTo(HaveOccurred(), "a new connection after the restart")
	}, SpecTimeout(2*time.Minute))
})
