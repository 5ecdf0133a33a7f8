package e2e

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"regexp"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// brokenPolicy misspells "address" on line 5.
const brokenPolicy = `tenant: other
vip_ranges: [10.0.0.112/28]
vips:
  - name: api
    adress: 10.0.0.120
    port: 443
    idle_timeout: 30s
    backends:
      - {name: b1, address: 10.0.0.11, port: 8080}
`

// fixedPolicy is brokenPolicy corrected.
const fixedPolicy = `tenant: other
vip_ranges: [10.0.0.112/28]
vips:
  - name: api
    address: 10.0.0.120
    port: 443
    idle_timeout: 30s
    backends:
      - {name: b1, address: 10.0.0.11, port: 8080}
`

var _ = Describe("Policy reload", Label("e2e", "policy"), func() {
	It("refuses a bad policy file with its file:line, keeps serving, and reloads once it is fixed", func(ctx SpecContext) {
		c := startController(map[string]string{"e2e.yaml": webPolicy}, 3)
		ic, err := openIdent(ctx, suite.clients[0], netip.Addr{}, vipIP+":7000")
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(ic.Close)
		Expect(ic.echo("before", 5*time.Second)).To(Succeed())

		By("writing a broken file into the policy directory")
		c.writePolicy("broken.yaml", brokenPolicy)
		where := regexp.MustCompile(`broken\.yaml:5:`)
		Eventually(c.log).WithContext(ctx).WithTimeout(15*time.Second).WithPolling(100*time.Millisecond).
			Should(MatchRegexp(where.String()), "the controller logs file:line")
		code, body, err := c.request(http.MethodPost, "/api/v1/policy/reload")
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(Equal(http.StatusUnprocessableEntity), "POST /api/v1/policy/reload: %s", body)
		var refused struct {
			Errors []struct {
				File string `json:"file"`
				Line int    `json:"line"`
			} `json:"errors"`
		}
		Expect(json.Unmarshal(body, &refused)).To(Succeed(), "%s", body)
		Expect(refused.Errors).To(ContainElement(SatisfyAll(
			HaveField("File", HaveSuffix("/broken.yaml")), HaveField("Line", 5))), "%s", body)

		By("the running policy keeps serving")
		Expect(ic.echo("during", 5*time.Second)).To(Succeed())
		_, err = httpGet(ctx, suite.clients[1], vipIP+":80")
		Expect(err).NotTo(HaveOccurred())
		c.waitVIPs(3)
		Expect(c.hasVIP(Default, "10.0.0.120")).
			To(BeFalse(), "the broken file's VIP is not in /api/v1/vips")

		By("fixing the file: reloads work again")
		c.writePolicy("broken.yaml", fixedPolicy)
		Eventually(func(g Gomega) {
			code, body, err := c.request(http.MethodPost, "/api/v1/policy/reload")
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(code).To(Equal(http.StatusOK), "POST /api/v1/policy/reload: %s", body)
		}).WithContext(ctx).WithTimeout(10 * time.Second).WithPolling(200 * time.Millisecond).Should(Succeed())
		c.waitVIPs(4)
		Eventually(func(g Gomega) bool {
			return c.hasVIP(g, "10.0.0.120")
		}).WithContext(ctx).WithTimeout(10 * time.Second).WithPolling(100 * time.Millisecond).Should(BeTrue())
		res, err := httpGet(ctx, suite.clients[1], "10.0.0.120:443")
		Expect(err).NotTo(HaveOccurred(), "the new VIP serves")
		Expect(res.Backend).To(Equal("b1"))
		Expect(ic.echo("after", 5*time.Second)).To(Succeed())
	}, SpecTimeout(2*time.Minute))
})
