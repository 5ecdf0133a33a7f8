package openflow

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"testing"
	"time"

	ovslab "github.com/oflb/oflb/ovs-lab"
)

// ovsConn is a minimal controller side of one OpenFlow connection to a
// real Open vSwitch: a Writer that batches, and a reader goroutine that
// hands every decoded message to replies.
type ovsConn struct {
	conn    net.Conn
	w       *Writer
	xid     uint32
	replies chan ovsReply
	readErr chan error
}

type ovsReply struct {
	h Header
	m Message
}

// dialOVS starts an Open vSwitch with one bridge whose controller is a
// listener of this process, accepts the bridge's connection and exchanges
// HELLOs.
func dialOVS(tb testing.TB) *ovsConn {
	tb.Helper()
	lab := ovslab.StartT(tb, ovslab.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	if _, err := lab.AddBridge("br0", ovslab.BridgeOptions{
		Controllers:     []string{"tcp:127.0.0.1:" + port},
		FailMode:        "secure",
		InactivityProbe: time.Minute,
	}); err != nil {
		tb.Fatal(err)
	}
	if err := ln.(*net.TCPListener).SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		tb.Fatal(err)
	}
	conn, err := ln.Accept()
	if err != nil {
		tb.Fatalf("bridge did not connect: %v", err)
	}
	c := &ovsConn{conn: conn, w: NewWriter(conn), replies: make(chan ovsReply, 1024), readErr: make(chan error, 1)}
	done := make(chan struct{})
	tb.Cleanup(func() {
		conn.Close()
		<-done
	})
	go func() {
		defer close(done)
		r := NewReader(conn)
		for {
			frame, err := r.Next()
			if err != nil {
				c.readErr <- err
				return
			}
			h, m, err := Unmarshal(append([]byte(nil), frame...))
			if err != nil {
				c.readErr <- err
				return
			}
			c.replies <- ovsReply{h, m}
		}
	}()
	if err := c.send(NewHello(Version)); err != nil {
		tb.Fatal(err)
	}
	if _, err := c.await(func(r ovsReply) bool { _, ok := r.m.(*Hello); return ok }); err != nil {
		tb.Fatalf("hello: %v", err)
	}
	return c
}

// queue encodes m into the batch with a new xid and returns the xid.
func (c *ovsConn) queue(m Message) (uint32, error) {
	c.xid++
	if ba, ok := m.(*BundleAdd); ok {
		ba.Xid = c.xid
	}
	return c.xid, c.w.Write(c.xid, m)
}

// send queues the messages and flushes.
func (c *ovsConn) send(ms ...Message) error {
	for _, m := range ms {
		if _, err := c.queue(m); err != nil {
			return err
		}
	}
	return c.w.Flush()
}

// await waits for the first message for which match is true, answering
// echo requests on the way. An OpenFlow error is returned as an error.
func (c *ovsConn) await(match func(ovsReply) bool) (ovsReply, error) {
	deadline := time.NewTimer(time.Minute)
	defer deadline.Stop()
	for {
		select {
		case r := <-c.replies:
			switch m := r.m.(type) {
			case *ErrorMsg:
				return r, m
			case *EchoRequest:
				c.w.Write(r.h.Xid, &EchoReply{Data: m.Data})
				if err := c.w.Flush(); err != nil {
					return r, err
				}
				continue
			}
			if match(r) {
				return r, nil
			}
		case err := <-c.readErr:
			return ovsReply{}, fmt.Errorf("connection: %w", err)
		case <-deadline.C:
			return ovsReply{}, errors.New("no reply within a minute")
		}
	}
}

// barrier sends a barrier request and waits for its reply.
func (c *ovsConn) barrier() error {
	xid, err := c.queue(&BarrierRequest{})
	if err != nil {
		return err
	}
	if err := c.w.Flush(); err != nil {
		return err
	}
	_, err = c.await(func(r ovsReply) bool { _, ok := r.m.(*BarrierReply); return ok && r.h.Xid == xid })
	return err
}

// bundleControl sends a bundle control request and waits for its reply.
func (c *ovsConn) bundleControl(id uint32, t BundleControlType) error {
	xid, err := c.queue(&BundleControl{BundleID: id, ControlType: t, Flags: BundleAtomic})
	if err != nil {
		return err
	}
	if err := c.w.Flush(); err != nil {
		return err
	}
	_, err = c.await(func(r ovsReply) bool {
		bc, ok := r.m.(*BundleControl)
		return ok && r.h.Xid == xid && bc.ControlType == t+1
	})
	return err
}

// flowCount asks the switch how many entries table 0 holds.
func (c *ovsConn) flowCount() (uint32, error) {
	xid, err := c.queue(&MultipartRequest{Body: &AggregateStatsRequest{TableID: TableAll, OutPort: PortAny, OutGroup: GroupAny}})
	if err != nil {
		return 0, err
	}
	if err := c.w.Flush(); err != nil {
		return 0, err
	}
	r, err := c.await(func(r ovsReply) bool { return r.h.Xid == xid })
	if err != nil {
		return 0, err
	}
	agg, ok := r.m.(*MultipartReply).Body.(*AggregateStatsReply)
	if !ok {
		return 0, fmt.Errorf("aggregate request answered by %#v", r.m)
	}
	return uint32(agg.FlowCount), nil
}

// installRuleMod returns the i-th rule of the install benchmark: the
// shape of a load balancer's per-connection entry, a 6-field exact match
// with NAT set-fields and an output.
func installRuleMod(fm *FlowMod, i int) {
	*fm = FlowMod{Command: FlowAdd, Priority: 1000, BufferID: NoBuffer, OutPort: PortAny, OutGroup: GroupAny,
		Instructions: fm.Instructions}
	fm.Match.SetInPort(1)
	fm.Match.SetEthType(EthTypeIPv4)
	fm.Match.SetIPProto(IPProtoTCP)
	fm.Match.SetIPv4Src(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}))
	fm.Match.SetIPv4Dst(netip.AddrFrom4([4]byte{10, 0, 0, 100}))
	fm.Match.SetTCPSrc(uint16(1024 + i%60000))
	if fm.Instructions == nil {
		fm.Instructions = []Instruction{&ApplyActions{Actions: []Action{
			&SetField{Field: IPv4Dst(netip.MustParseAddr("10.0.1.5"))},
			&SetField{Field: TCPDst(8080)},
			&Output{Port: 2},
		}}}
	}
}

// BenchmarkOVSFlowModInstall measures how fast a real Open vSwitch
// installs flow entries sent as plain FLOW_MODs one after the other (all
// written back to back, then one barrier: one-by-one), as plain FLOW_MODs
// each waited for with a barrier (one-by-one-acked), and in one atomic ONF
// bundle (open, BUNDLE_ADD each, commit: bundle). Each iteration
// installs installRules new entries into an empty table and checks with
// an aggregate request that all of them are there. The metric rules/s is
// what to compare; make test runs it once (-benchtime 1x).
func BenchmarkOVSFlowModInstall(b *testing.B) {
	const installRules = 20000
	c := dialOVS(b)
	var fm FlowMod
	deleteAll := &FlowMod{Command: FlowDelete, TableID: TableAll, BufferID: NoBuffer, OutPort: PortAny, OutGroup: GroupAny}
	clear := func(b *testing.B) {
		b.Helper()
		if err := c.send(deleteAll); err != nil {
			b.Fatal(err)
		}
		if err := c.barrier(); err != nil {
			b.Fatal(err)
		}
	}
	check := func(b *testing.B, want int) {
		b.Helper()
		n, err := c.flowCount()
		if err != nil {
			b.Fatal(err)
		}
		if n != uint32(want) {
			b.Fatalf("switch holds %d entries, want %d", n, want)
		}
	}
	// plain installs n rules as FLOW_MODs, with a barrier after each when
	// acked, else one barrier at the end.
	plain := func(b *testing.B, n int, acked bool) {
		for b.Loop() {
			b.StopTimer()
			clear(b)
			b.StartTimer()
			for i := range n {
				installRuleMod(&fm, i)
				if _, err := c.queue(&fm); err != nil {
					b.Fatal(err)
				}
				if acked {
					if err := c.barrier(); err != nil {
						b.Fatal(err)
					}
				}
			}
			if err := c.barrier(); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			check(b, n)
			b.StartTimer()
		}
		b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "rules/s")
	}
	b.Run("one-by-one", func(b *testing.B) { plain(b, installRules, false) })
	// A controller that waits for each entry pays a round trip per rule;
	// fewer rules keep it short.
	b.Run("one-by-one-acked", func(b *testing.B) { plain(b, installRules/10, true) })
	b.Run("bundle", func(b *testing.B) {
		add := &BundleAdd{Flags: BundleAtomic, Message: &fm}
		for b.Loop() {
			b.StopTimer()
			clear(b)
			b.StartTimer()
			add.BundleID++
			if err := c.bundleControl(add.BundleID, BundleOpenRequest); err != nil {
				b.Fatal(err)
			}
			for i := range installRules {
				installRuleMod(&fm, i)
				if _, err := c.queue(add); err != nil {
					b.Fatal(err)
				}
			}
			if err := c.bundleControl(add.BundleID, BundleCommitRequest); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			check(b, installRules)
			b.StartTimer()
		}
		b.ReportMetric(float64(b.N*installRules)/b.Elapsed().Seconds(), "rules/s")
	})
}
