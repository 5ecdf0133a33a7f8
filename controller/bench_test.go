package controller

import (
	"context"
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oflb/oflb/openflow"
)

// natApp is the benchmark's application: for each packet-in it installs a
// NAT entry (6-field exact match, two set-fields, output) and sends the
// packet back out, like the load balancer's hot path. Scratch messages are
// pooled so that the path allocates nothing.
type natApp struct{ pool sync.Pool }

type natScratch struct {
	fm      openflow.FlowMod
	po      openflow.PacketOut
	setIP   openflow.SetField
	setPort openflow.SetField
	out     openflow.Output
	apply   openflow.ApplyActions
	ins     [1]openflow.Instruction
	acts    [3]openflow.Action
	poActs  [3]openflow.Action
}

func newNATApp() *natApp {
	a := &natApp{}
	a.pool.New = func() any {
		s := &natScratch{}
		s.out.Port = 2
		s.acts = [3]openflow.Action{&s.setIP, &s.setPort, &s.out}
		s.poActs = s.acts
		s.apply.Actions = s.acts[:]
		s.ins[0] = &s.apply
		s.fm.Instructions = s.ins[:]
		s.po.Actions = s.poActs[:]
		return s
	}
	return a
}

var backendIP = netip.MustParseAddr("10.0.0.2")

// SwitchUp tells the benchmark switch that packet-ins will now be handled.
func (a *natApp) SwitchUp(sw *Switch) { sw.Send(&openflow.EchoRequest{Data: []byte("up")}) }

// SwitchDown is part of SwitchHandler.
func (a *natApp) SwitchDown(*Switch) {}

func (a *natApp) PacketIn(ev *PacketIn) {
	s := a.pool.Get().(*natScratch)
	defer a.pool.Put(s)
	f := &ev.Flow
	s.fm.Command = openflow.FlowAdd
	s.fm.Priority = 1000
	s.fm.IdleTimeout = 60
	s.fm.BufferID = openflow.NoBuffer
	s.fm.OutPort, s.fm.OutGroup = openflow.PortAny, openflow.GroupAny
	s.fm.Flags = openflow.FlowSendFlowRem
	s.fm.Match = openflow.Match{}
	s.fm.Match.SetInPort(ev.InPort)
	s.fm.Match.SetEthType(0x0800)
	s.fm.Match.SetIPProto(f.IPProto)
	s.fm.Match.SetIPv4Src(f.Src)
	s.fm.Match.SetIPv4Dst(f.Dst)
	s.fm.Match.SetTCPSrc(f.SrcPort)
	s.fm.Match.SetTCPDst(f.DstPort)
	s.setIP.Field = openflow.IPv4Dst(backendIP)
	s.setPort.Field = openflow.TCPDst(8080)
	ev.Switch.Send(&s.fm)
	s.po.BufferID = openflow.NoBuffer
	s.po.InPort = ev.InPort
	s.po.Data = ev.Msg.Data
	ev.Switch.Send(&s.po)
}

type discardConn struct{ net.Conn }

func (discardConn) Write(b []byte) (int, error) { return len(b), nil }
func (discardConn) RemoteAddr() net.Addr        { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }
func (discardConn) Close() error                { return nil }

func packetInFrame(tb testing.TB, xid uint32, data []byte) []byte {
	pi := &openflow.PacketIn{BufferID: openflow.NoBuffer, TotalLen: uint16(len(data)), Data: data}
	pi.Match.SetInPort(1)
	return mustFrame(tb, xid, pi)
}

func mustFrame(tb testing.TB, xid uint32, m openflow.Message) []byte {
	b, err := openflow.Marshal(xid, m)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// BenchmarkPacketInPath measures the controller's per-packet-in work in
// process: decode the PACKET_IN, parse its packet, run the app, and encode
// its FLOW_MOD and PACKET_OUT into the switch's send queue. One iteration
// is one packet-in on one core.
func BenchmarkPacketInPath(b *testing.B) {
	c := New(&Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, newNATApp())
	s := newSwitch(c, discardConn{})
	s.up.Store(true)
	frame := packetInFrame(b, 1, tcpSYN(b, "10.0.0.1", "10.0.0.100", 40000, 80))
	var st readState
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.handleFrame(&st, frame); err != nil {
			b.Fatal(err)
		}
		if i%64 == 63 {
			s.q.take() // what the writer does
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pktin/s")
}

// BenchmarkLoopbackCbench is cbench over loopback TCP: switches connect to
// a real controller and keep a window of outstanding packet-ins each; a
// packet-in counts as handled when its PACKET_OUT comes back. Reports
// packet-ins per second and the p50/p99 round-trip latency.
func BenchmarkLoopbackCbench(b *testing.B) {
	const switches, window = 4, 64
	c := New(&Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, newNATApp())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- c.Serve(ctx, ln) }()
	defer func() { cancel(); <-served }()

	per := b.N/switches + 1
	lat := make([][]time.Duration, switches)
	var handled atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for i := range switches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := cbenchSwitch(ln.Addr().String(), uint64(i+1), per, window)
			if err != nil {
				b.Error(err)
				return
			}
			lat[i] = l
			handled.Add(int64(len(l)))
		}()
	}
	wg.Wait()
	b.StopTimer()
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) > 0 {
		b.ReportMetric(float64(handled.Load())/b.Elapsed().Seconds(), "pktin/s")
		b.ReportMetric(float64(all[len(all)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
	}
}

// cbenchSwitch is a minimal raw switch: it answers the handshake, then
// sends n packet-ins keeping `window` outstanding, and measures each one's
// time to its PACKET_OUT (matched by a sequence number in the TCP
// sequence field of the packet). Its hot loop works on raw bytes so that
// the client costs little of the machine the controller runs on.
func cbenchSwitch(addr string, dpid uint64, n, window int) ([]time.Duration, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	w := openflow.NewWriter(conn)
	r := openflow.NewReader(conn)
	var dec openflow.Decoder
	w.Write(0, openflow.NewHello(openflow.Version))
	w.Flush()
	pkt := tcpSYN(nil, "10.0.0.1", "10.0.0.100", 40000, 80)
	pi := &openflow.PacketIn{BufferID: openflow.NoBuffer, TotalLen: uint16(len(pkt)), Data: pkt}
	pi.Match.SetInPort(1)
	frame, err := openflow.Marshal(0, pi)
	if err != nil {
		return nil, err
	}
	const seqOff = 14 + 20 + 4 // Ethernet + IPv4 + TCP ports
	frameSeq := len(frame) - len(pkt) + seqOff
	sent := make([]time.Time, n)
	lat := make([]time.Duration, 0, n)
	next, inflight := 0, 0
	up := false
	for len(lat) < n {
		for up && inflight < window && next < n {
			binary.BigEndian.PutUint32(frame[4:], uint32(next))
			binary.BigEndian.PutUint32(frame[frameSeq:], uint32(next))
			sent[next] = time.Now()
			if err := w.WriteFrame(frame); err != nil {
				return lat, err
			}
			next++
			inflight++
		}
		if err := w.Flush(); err != nil {
			return lat, err
		}
		in, err := r.Next()
		if err != nil {
			return lat, err
		}
		switch openflow.Type(in[1]) {
		case openflow.TypePacketOut:
			// buffer_id, in_port, actions_len, pad, actions, data.
			actionsLen := int(binary.BigEndian.Uint16(in[16:18]))
			data := in[24+actionsLen:]
			seq := binary.BigEndian.Uint32(data[seqOff:])
			lat = append(lat, time.Since(sent[seq]))
			inflight--
			continue
		case openflow.TypeFlowMod:
			continue
		}
		h, m, err := dec.Decode(in)
		if err != nil {
			return lat, err
		}
		var reply openflow.Message
		switch m := m.(type) {
		case *openflow.FeaturesRequest:
			reply = &openflow.FeaturesReply{DatapathID: dpid, NTables: 1}
		case *openflow.EchoRequest:
			reply = &openflow.EchoReply{Data: m.Data}
			up = up || string(m.Data) == "up"
		case *openflow.BarrierRequest:
			reply = &openflow.BarrierReply{}
		case *openflow.MultipartRequest:
			switch m.Body.(type) {
			case *openflow.DescRequest:
				reply = &openflow.MultipartReply{Body: &openflow.Desc{}}
			case *openflow.PortDescRequest:
				reply = &openflow.MultipartReply{Body: &openflow.PortDescReply{}}
			default:
				reply = &openflow.ErrorMsg{ErrType: openflow.ErrTypeBadRequest, Code: uint16(openflow.BadRequestBadMultipart)}
			}
		case *openflow.BundleControl:
			reply = &openflow.ErrorMsg{ErrType: openflow.ErrTypeBadRequest, Code: uint16(openflow.BadRequestBadExperimenter)}
		}
		if reply != nil {
			if err := w.Write(h.Xid, reply); err != nil {
				return lat, err
			}
		}
	}
	return lat, nil
}
