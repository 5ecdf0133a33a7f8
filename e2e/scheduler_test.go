package e2e

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	ovslab "github.com/oflb/oflb/ovs-lab"
)

// identPolicy is a policy with one TCP VIP, 10.0.0.100:7000, served by the
// backends' ident servers; backends are YAML flow mappings.
func identPolicy(scheduler, idle string, backends ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `tenant: e2e
vip_ranges: [10.0.0.96/28]
vips:
  - name: ident
    address: 10.0.0.100
    port: 7000
    scheduler: %s
    idle_timeout: %s
    backends:
`, scheduler, idle)
	for _, be := range backends {
		fmt.Fprintf(&b, "      - %s\n", be)
	}
	return b.String()
}

// identTarget is the ident VIP.
const identTarget = vipIP + ":7000"

// source is where one connection comes from: a host and, optionally, one
// of its addresses.
type source struct {
	host *ovslab.Host
	addr netip.Addr
}

// identAll makes one short ident connection from each source, with a few
// in parallel, and returns the answers in the order of sources.
func identAll(ctx context.Context, sources []source) ([]identity, error) {
	out := make([]identity, len(sources))
	errs := make([]error, len(sources))
	next := make(chan int)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i], errs[i] = ident(ctx, sources[i].host, sources[i].addr, identTarget)
			}
		}()
	}
	for i := range sources {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return out, fmt.Errorf("connection %d from %s %s: %w", i, sources[i].host.Short, sources[i].addr, err)
		}
	}
	return out, nil
}

// spread counts answers by backend.
func spread(ids []identity) map[string]int {
	m := map[string]int{}
	for _, id := range ids {
		m[id.Backend]++
	}
	return m
}

// alternate returns n sources alternating between the two clients.
func alternate(n int) []source {
	s := make([]source, n)
	for i := range s {
		s[i] = source{host: suite.clients[i%2]}
	}
	return s
}

var _ = Describe("Schedulers", Label("e2e", "scheduler"), func() {
	It("spreads weighted_round_robin 2:1 and gives a weight-0 backend nothing", func(ctx SpecContext) {
		startController(map[string]string{"e2e.yaml": identPolicy("weighted_round_robin", "30s",
			"{name: b1, address: 10.0.0.11, weight: 2}",
			"{name: b2, address: 10.0.0.12, weight: 1}",
			"{name: b3, address: 10.0.0.13, weight: 0}",
		)}, 1)
		const n = 300
		ids, err := identAll(ctx, alternate(n))
		Expect(err).NotTo(HaveOccurred())
		got := spread(ids)
		By(fmt.Sprintf("spread over %d connections: %v", n, got))
		// Smooth WRR is exact over whole rounds; allow 3% of the
		// connections either way for picks lost to retransmitted SYNs.
		Expect(got["b1"]).To(BeNumerically("~", 200, 9), "b1 (weight 2)")
		Expect(got["b2"]).To(BeNumerically("~", 100, 9), "b2 (weight 1)")
		Expect(got).NotTo(HaveKey("b3"), "b3 is drained (weight 0)")
		Expect(got["b1"] + got["b2"]).To(Equal(n))
	}, SpecTimeout(2*time.Minute))

	It("spreads round_robin evenly", func(ctx SpecContext) {
		c := startController(map[string]string{"e2e.yaml": identPolicy("round_robin", "30s",
			"{name: b1, address: 10.0.0.11}",
			"{name: b2, address: 10.0.0.12}",
			"{name: b3, address: 10.0.0.13}",
		)}, 1)
		ids, err := identAll(ctx, alternate(90))
		Expect(err).NotTo(HaveOccurred())
		got := spread(ids)
		By(fmt.Sprintf("spread over 90 connections: %v", got))
		for _, b := range []string{"b1", "b2", "b3"} {
			Expect(got[b]).To(BeNumerically("~", 30, 2), "backend %s", b)
		}
		// The controller counted the same decisions the backends saw (a
		// pick whose entries could not be sent is retried by the client
		// and counted again: allow a few).
		decided, total := map[string]int{}, 0
		for _, v := range c.vips(Default) {
			for _, b := range v.Backends {
				decided[b.Name] = b.Decisions
				total += b.Decisions
			}
		}
		for _, b := range []string{"b1", "b2", "b3"} {
			Expect(decided[b]).To(BeNumerically(">=", got[b]), "scheduler decisions for %s", b)
		}
		Expect(total).To(BeNumerically("<=", 90+3), "scheduler decisions in all: %v", decided)
	}, SpecTimeout(2*time.Minute))

	It("sends least_connections to the emptier backend while connections are held", func(ctx SpecContext) {
		c := startController(map[string]string{"e2e.yaml": identPolicy("least_connections", "2s",
			"{name: b1, address: 10.0.0.11}",
			"{name: b2, address: 10.0.0.12}",
		)}, 1)

		By("holding 6 connections: 3 on each backend")
		var held []*identConn
		DeferCleanup(func() {
			for _, ic := range held {
				ic.Close()
			}
		})
		for i := range 6 {
			ic, err := openIdent(ctx, suite.clients[i%2], netip.Addr{}, identTarget)
			Expect(err).NotTo(HaveOccurred())
			held = append(held, ic)
		}
		by := map[string][]*identConn{}
		for _, ic := range held {
			by[ic.id.Backend] = append(by[ic.id.Backend], ic)
		}
		Expect(by["b1"]).To(HaveLen(3))
		Expect(by["b2"]).To(HaveLen(3))
		// Traffic keeps b2's connections active past the 2 s idle timeout.
		stop := keepAlive(300*time.Millisecond, by["b2"]...)
		defer func() { Expect(stop()).To(Succeed(), "held connections on b2") }()

		By("closing b1's connections and waiting for their entries to expire")
		for _, ic := range by["b1"] {
			Expect(ic.Close()).To(Succeed())
		}
		Eventually(func(g Gomega) {
			for _, ic := range by["b1"] {
				g.Expect(c.flowListed(g, ic.id.Local)).To(BeFalse(), "flow %s", ic.id.Local)
			}
			for _, ic := range by["b2"] {
				g.Expect(c.flowListed(g, ic.id.Local)).To(BeTrue(), "held flow %s", ic.id.Local)
			}
		}).WithContext(ctx).WithTimeout(20 * time.Second).WithPolling(200 * time.Millisecond).Should(Succeed())

		By("opening 3 new connections: all go to b1 (0, 1, 2 active against b2's 3)")
		for i := range 3 {
			ic, err := openIdent(ctx, suite.clients[i%2], netip.Addr{}, identTarget)
			Expect(err).NotTo(HaveOccurred())
			held = append(held, ic)
			Expect(ic.id.Backend).To(Equal("b1"), "new connection %d", i)
		}
	}, SpecTimeout(2*time.Minute))

	It("puts a backend added by hot reload into service within 3 s", Label("bug"), func(ctx SpecContext) {
		c := startController(map[string]string{"e2e.yaml": identPolicy("round_robin", "30s",
			"{name: b1, address: 10.0.0.11}")}, 1)
		c.writePolicy("e2e.yaml", identPolicy("round_robin", "30s",
			"{name: b1, address: 10.0.0.11}", "{name: b2, address: 10.0.0.12}"))
		Eventually(func(g Gomega) bool {
			_, ok := c.backend(g, "10.0.0.12:7000")
			return ok
		}).WithContext(ctx).WithTimeout(10*time.Second).WithPolling(50*time.Millisecond).Should(BeTrue(), "b2 in /api/v1/vips")
		reloaded := time.Now()
		// Round robin alternates once b2 is usable: of 4 connections, 2
		// go to b2. A backend the controller has not located yet (ARP)
		// is skipped, so this also bounds how long that takes.
		Eventually(func(g Gomega) map[string]int {
			ids, err := identAll(ctx, alternate(4))
			g.Expect(err).NotTo(HaveOccurred())
			return spread(ids)
		}).WithContext(ctx).WithTimeout(3*time.Second).WithPolling(100*time.Millisecond).Should(
			HaveKeyWithValue("b2", 2), "b2 takes its share")
		By(fmt.Sprintf("b2 in service %v after the reload", time.Since(reloaded).Round(time.Millisecond)))
	}, SpecTimeout(time.Minute))

	It("keeps consistent_hash clients on one backend and moves about 1/N of them when a backend is added", func(ctx SpecContext) {
		const rounds = 3
		two := []string{"{name: b1, address: 10.0.0.11}", "{name: b2, address: 10.0.0.12}"}
		c := startController(map[string]string{"e2e.yaml": identPolicy("consistent_hash", "30s", two...)}, 1)

		// mapping makes rounds connections from each secondary address
		// of h1 and returns the backend of each, failing if any address
		// was sent to two backends.
		mapping := func(rounds int) map[netip.Addr]string {
			var sources []source
			for range rounds {
				for _, a := range suite.secondary {
					sources = append(sources, source{host: suite.clients[0], addr: a})
				}
			}
			ids, err := identAll(ctx, sources)
			Expect(err).NotTo(HaveOccurred())
			m := map[netip.Addr]string{}
			for i, id := range ids {
				a := sources[i].addr
				Expect(id.Client).To(HavePrefix(a.String()+":"), "the backend sees the client's address")
				if prev, ok := m[a]; ok {
					Expect(id.Backend).To(Equal(prev), "client %s went to two backends", a)
				}
				m[a] = id.Backend
			}
			return m
		}

		By(fmt.Sprintf("%d connections from each of %d client addresses, 2 backends", rounds, len(suite.secondary)))
		before := mapping(rounds)
		counts := map[string]int{}
		for _, b := range before {
			counts[b]++
		}
		By(fmt.Sprintf("clients per backend: %v", counts))
		Expect(counts).To(HaveLen(2), "both backends get clients")

		By("adding b3 to the policy file (hot reload)")
		c.writePolicy("e2e.yaml", identPolicy("consistent_hash", "30s", append(two, "{name: b3, address: 10.0.0.13}")...))
		// Until the controller has located b3 (ARP), the scheduler
		// skips it and its share goes to b1 and b2.
		Eventually(func(g Gomega) []string {
			b, ok := c.backend(g, "10.0.0.13:7000")
			g.Expect(ok).To(BeTrue(), "b3 in /api/v1/vips")
			return b.Located
		}).WithContext(ctx).WithTimeout(20*time.Second).WithPolling(100*time.Millisecond).ShouldNot(BeEmpty(), "b3 located")

		after := mapping(2)
		moved := 0
		for a, b := range after {
			if b != before[a] {
				moved++
				Expect(b).To(Equal("b3"), "client %s moved from %s to %s, not to the new backend", a, before[a], b)
			}
		}
		frac := float64(moved) / float64(len(after))
		By(fmt.Sprintf("moved %d of %d clients (%.2f; 1/N = 0.33)", moved, len(after), frac))
		// 1/3 expected; with 40 clients the binomial spread is ±0.075
		// per standard deviation, so [0.13, 0.55] is beyond 2.5 sigma.
		Expect(frac).To(BeNumerically(">=", 0.13))
		Expect(frac).To(BeNumerically("<=", 0.55))
	}, SpecTimeout(3*time.Minute))
})
