package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// webPolicy serves 10.0.0.100: HTTP on 80 and ident on 7000 over TCP,
// and UDP on 53, each from b1 and b2; other ports of the address are
// refused (TCP RST, ICMP port unreachable).
const webPolicy = `tenant: e2e
vip_ranges: [10.0.0.96/28]
vips:
  - name: web
    address: 10.0.0.100
    port: 80
    scheduler: round_robin
    idle_timeout: 30s
    unknown_port: reset
    backends:
      - {name: b1, address: 10.0.0.11, port: 8080}
      - {name: b2, address: 10.0.0.12, port: 8080}
  - name: ident
    address: 10.0.0.100
    port: 7000
    scheduler: round_robin
    idle_timeout: 30s
    unknown_port: reset
    backends:
      - {name: b1, address: 10.0.0.11}
      - {name: b2, address: 10.0.0.12}
  - name: dns
    address: 10.0.0.100
    port: 53
    protocol: udp
    scheduler: round_robin
    idle_timeout: 30s
    unknown_port: reset
    backends:
      - {name: b1, address: 10.0.0.11, port: 5353}
      - {name: b2, address: 10.0.0.12, port: 5353}
`

var _ = Describe("Traffic through a VIP", Label("e2e", "traffic"), func() {
	BeforeEach(func() {
		startController(map[string]string{"e2e.yaml": webPolicy}, 3)
	})

	It("reaches the backends over HTTP with the client's real address, answered from the VIP", func(ctx SpecContext) {
		seen := map[string]int{}
		for i := range 6 {
			client := suite.clients[i%2]
			res, err := httpGet(ctx, client, vipIP+":80")
			Expect(err).NotTo(HaveOccurred(), "HTTP GET %s:80 from %s", vipIP, client.Short)
			// The backend sees the client's own address: no source NAT.
			Expect(res.Client.Addr()).To(Equal(client.Addr()), "client address seen by %s", res.Backend)
			seen[res.Backend]++
		}
		// Round robin over two backends: each got half.
		Expect(seen).To(Equal(map[string]int{"b1": 3, "b2": 3}))
	}, SpecTimeout(time.Minute))

	It("keeps a TCP connection to the VIP talking both ways", func(ctx SpecContext) {
		ic, err := openIdent(ctx, suite.clients[0], netip.Addr{}, vipIP+":7000")
		Expect(err).NotTo(HaveOccurred())
		defer ic.Close()
		// The connection's peer is the VIP itself: a reply from the
		// backend's own address would have been reset by the client.
		Expect(ic.RemoteAddr().String()).To(Equal(vipIP + ":7000"))
		// The backend sees the client's address and port.
		Expect(ic.id.Client).To(Equal(ic.id.Local))
		for i := range 20 {
			Expect(ic.echo(fmt.Sprintf("line %d", i), 5*time.Second)).To(Succeed())
		}
		Eventually(func(g Gomega) []any {
			return []any{perFlowEntries(g, "tp_src="+port(ic.id.Local)), perFlowEntries(g, "tp_dst="+port(ic.id.Local))}
		}).WithTimeout(10*time.Second).WithPolling(100*time.Millisecond).Should(
			HaveEach(HaveLen(1)), "a forward and a reverse priority-1000 entry for the connection")
	}, SpecTimeout(time.Minute))

	It("answers UDP from the VIP's address", func(_ SpecContext) {
		seen := map[string]int{}
		for i := range 4 {
			client := suite.clients[i%2]
			payload := fmt.Sprintf("query %d", i)
			r, err := udpQuery(client, vipIP+":53", payload)
			Expect(err).NotTo(HaveOccurred(), "from %s", client.Short)
			Expect(r.From).To(Equal(vipIP+":53"), "source of the reply")
			// Rarely, the first reply of a new flow leaves the switch
			// un-NATed: OVS revalidates its datapath cache asynchronously
			// after the new entries, and a cached NORMAL megaflow from
			// earlier direct traffic can catch the backend's instant UDP
			// answer. The resent query is then answered from the VIP.
			Expect(r.Strays).To(BeNumerically("<=", 1), "replies from the backend's own address")
			Expect(r.Payload).To(Equal(payload))
			seen[r.Backend]++
		}
		Expect(seen).To(Equal(map[string]int{"b1": 2, "b2": 2}))
	}, SpecTimeout(time.Minute))

	It("lets non-VIP traffic between hosts flow (TCP and UDP)", func(ctx SpecContext) {
		c1, c2 := suite.clients[0], suite.clients[1]
		ln, err := c2.Listen("tcp", ":9000")
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(ln.Close)
		go func() {
			defer GinkgoRecover()
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
			_, _ = io.Copy(c, c)
		}()
		pc, err := c2.ListenPacket("udp4", ":9001")
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(pc.Close)
		go func() {
			buf := make([]byte, 1500)
			for {
				n, from, err := pc.ReadFrom(buf)
				if err != nil {
					return
				}
				_, _ = pc.WriteTo(buf[:n], from)
			}
		}()

		conn, err := dial(ctx, c1, netip.Addr{}, c2.Addr().String()+":9000")
		Expect(err).NotTo(HaveOccurred())
		defer conn.Close()
		r := bufio.NewReader(conn)
		for i := range 10 {
			_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
			msg := fmt.Sprintf("hello %d\n", i)
			_, err := io.WriteString(conn, msg)
			Expect(err).NotTo(HaveOccurred())
			Expect(r.ReadString('\n')).To(Equal(msg))
		}

		var uc net.Conn
		Expect(c1.Do(func() (err error) {
			uc, err = net.Dial("udp4", c2.Addr().String()+":9001")
			return err
		})).To(Succeed())
		defer uc.Close()
		buf := make([]byte, 1500)
		Eventually(func(g Gomega) string {
			_, err := uc.Write([]byte("ping"))
			g.Expect(err).NotTo(HaveOccurred())
			_ = uc.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
			n, err := uc.Read(buf)
			g.Expect(err).NotTo(HaveOccurred())
			return string(buf[:n])
		}).WithTimeout(10 * time.Second).WithPolling(10 * time.Millisecond).Should(Equal("ping"))

		// Switched by the default entry: no per-flow NAT entries.
		Expect(perFlowEntries(Default, "nw_dst="+c2.Addr().String())).To(BeEmpty())
	}, SpecTimeout(time.Minute))

	It("refuses an unserved TCP port of the VIP with a RST", func(ctx SpecContext) {
		start := time.Now()
		_, err := dial(ctx, suite.clients[0], netip.Addr{}, vipIP+":81")
		Expect(err).To(MatchError(isRefused, "ECONNREFUSED"))
		// Refused at once, not after SYN retransmissions (1 s, 3 s, ...).
		Expect(time.Since(start)).To(BeNumerically("<", 900*time.Millisecond))
	}, SpecTimeout(time.Minute))

	It("refuses an unserved UDP port of the VIP with ICMP port unreachable", func(ctx SpecContext) {
		var uc net.Conn
		Expect(suite.clients[0].Do(func() (err error) {
			uc, err = net.Dial("udp4", vipIP+":9999")
			return err
		})).To(Succeed())
		defer uc.Close()
		buf := make([]byte, 1500)
		Eventually(func() error {
			if _, err := uc.Write([]byte("anyone?")); err != nil {
				return err
			}
			_ = uc.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
			_, err := uc.Read(buf)
			return err
		}).WithContext(ctx).WithTimeout(10 * time.Second).WithPolling(10 * time.Millisecond).Should(
			MatchError(isRefused, "ECONNREFUSED"))
	}, SpecTimeout(time.Minute))
})

// port returns the port of an "ip:port" string.
func port(addrPort string) string {
	return addrPort[strings.LastIndexByte(addrPort, ':')+1:]
}
