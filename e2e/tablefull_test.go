package e2e

import (
	"context"
	"fmt"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// holdTwo opens one ident connection through the VIP from each client and
// keeps them open until the spec ends.
func holdTwo(ctx context.Context) []*identConn {
	var held []*identConn
	DeferCleanup(func() {
		for _, ic := range held {
			ic.Close()
		}
	})
	for i := range 2 {
		ic, err := openIdent(ctx, suite.clients[i], suite.clients[i].IP.Addr(), identTarget)
		Expect(err).NotTo(HaveOccurred())
		held = append(held, ic)
	}
	return held
}

var _ = Describe("A full flow table", Label("e2e", "table-full"), func() {
	It("drops the flows whose entries the switch refuses, keeps the others, and recovers when there is room", func(ctx SpecContext) {
		c := startController(map[string]string{"e2e.yaml": webPolicy}, 3)
		bridgeName := suite.clients[0].Bridge

		By("capping table 0 at the static entries plus two flows")
		static := len(dumpFlows(Default))
		limit := static + 2*2
		out, err := suite.ovs.Vsctl("--", "--id=@ft", "create", "Flow_Table", "flow_limit="+strconv.Itoa(limit), "overflow_policy=refuse",
			"--", "set", "Bridge", bridgeName, "flow_tables:0=@ft")
		Expect(err).NotTo(HaveOccurred(), "%s", out)
		DeferCleanup(func() {
			out, err := suite.ovs.Vsctl("clear", "Bridge", bridgeName, "flow_tables")
			Expect(err).NotTo(HaveOccurred(), "%s", out)
		})

		By("holding two connections: they fill the table")
		held := holdTwo(ctx)
		Eventually(func(g Gomega) []any {
			return []any{len(dumpFlows(g)), len(perFlowEntries(g))}
		}).WithTimeout(10*time.Second).WithPolling(100*time.Millisecond).Should(Equal([]any{limit, 4}), "a full table")

		By("opening a third: the switch refuses its entries, and the connection fails")
		third, cancel := context.WithTimeout(ctx, 4*time.Second)
		defer cancel()
		ic, err := openIdent(third, suite.clients[0], suite.clients[0].IP.Addr(), identTarget)
		if err == nil {
			ic.Close()
		}
		Expect(err).To(HaveOccurred(), "a connection through a switch whose table is full")
		Eventually(func(g Gomega) float64 {
			v, _ := metricValue(c.metrics(g), "oflb_lb_entries_refused_total", nil)
			return v
		}).WithTimeout(5*time.Second).WithPolling(100*time.Millisecond).Should(BeNumerically(">=", 1), "refused entries counted")

		By("holding no phantom: the API lists exactly the two flows on the switch")
		Eventually(func(g Gomega) int {
			var flows []apiFlow
			c.getInto(g, "/api/v1/flows", &flows)
			return len(flows)
		}).WithTimeout(5*time.Second).WithPolling(100*time.Millisecond).Should(Equal(2), "flows held by the controller")
		Expect(perFlowEntries(Default)).To(HaveLen(4), "per-flow entries on the switch")
		active := 0
		for _, v := range c.vips(Default) {
			for _, b := range v.Backends {
				active += b.ActiveFlows
			}
		}
		Expect(active).To(Equal(2), "active flows counted by the schedulers")
		for i, ic := range held {
			Expect(ic.echo(fmt.Sprintf("held %d", i), 5*time.Second)).To(Succeed(), "held connection %d", i)
		}

		By("lifting the cap: new connections go through again")
		out, err = suite.ovs.Vsctl("clear", "Bridge", bridgeName, "flow_tables")
		Expect(err).NotTo(HaveOccurred(), "%s", out)
		Eventually(func() error {
			ic, err := openIdent(ctx, suite.clients[1], suite.clients[1].IP.Addr(), identTarget)
			if err == nil {
				ic.Close()
			}
			return err
		}).WithTimeout(10 * time.Second).WithPolling(500 * time.Millisecond).Should(Succeed())
	}, SpecTimeout(time.Minute))

	It("refuses new flows at once past max_flows_per_switch", func(ctx SpecContext) {
		c := startControllerWith("max_flows_per_switch: 2\n", map[string]string{"e2e.yaml": webPolicy}, 3)
		held := holdTwo(ctx)
		// The third is answered with a RST from the VIP: refused, not
		// left to time out.
		_, err := openIdent(ctx, suite.clients[0], suite.clients[0].IP.Addr(), identTarget)
		Expect(isRefused(err)).To(BeTrue(), "a third connection: %v", err)
		v, ok := metricValue(c.metrics(Default), "oflb_lb_refusals_total", map[string]string{"reason": "switch_limit"})
		Expect(ok).To(BeTrue())
		Expect(v).To(BeNumerically(">=", 1), "switch_limit refusals")
		Expect(perFlowEntries(Default)).To(HaveLen(4), "per-flow entries on the switch: the two held flows")
		for i, ic := range held {
			Expect(ic.echo(fmt.Sprintf("held %d", i), 5*time.Second)).To(Succeed(), "held connection %d", i)
		}
	}, SpecTimeout(time.Minute))
})
