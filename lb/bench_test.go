package lb

import (
	"context"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/oflb/oflb/controller"
	"github.com/oflb/oflb/openflow"
	"github.com/oflb/oflb/openflow/oftest"
	"github.com/oflb/oflb/openflow/packet"
)

// benchRig starts the app under a controller with a fake switch over
// loopback, locates both backends, and returns a packet-in event of a SYN
// to the VIP whose Switch is the controller's handle of that switch. The
// benchmarks call App.PacketIn with it directly and keep the fake switch
// from reading while the timer runs (see pacer), so they measure the app
// (lookup, pick, flow state, building the flow-mods and the packet-out)
// and the controller's encoding into its send queue, not the fake switch.
func benchRig(b *testing.B) (*App, *controller.PacketIn, *pacer) {
	b.Helper()
	app, ctrl, fake := startRig(b, testConfig(RoundRobin), nil, nil, nil)
	sw, ok := ctrl.Switch(0x10)
	if !ok {
		b.Fatal("switch not connected")
	}
	p := packet.NewParser()
	for _, h := range []struct {
		port uint32
		mac  openflow.MAC
		ip   netip.Addr
	}{{2, web1MAC, web1}, {3, web2MAC, web2}} {
		frame, err := packet.AppendARPReply(nil, h.mac, h.ip, openflow.MAC{0x02, 0x0f, 0x1b, 0, 0, 7}, vipAddr)
		if err != nil {
			b.Fatal(err)
		}
		ev := &controller.PacketIn{Switch: sw, Msg: &openflow.PacketIn{BufferID: openflow.NoBuffer, Data: frame}, InPort: h.port}
		if err := p.Parse(frame, &ev.Flow); err != nil {
			b.Fatal(err)
		}
		app.PacketIn(ev)
	}
	syn, err := packet.AppendTCP(nil, packet.Ethernet{Src: clientMAC, Dst: openflow.MAC{0x02, 0x0f, 0x1b, 0, 0, 7}},
		packet.IPHeader{Src: netip.MustParseAddr("10.1.0.1"), Dst: vipAddr}, packet.TCPHeader{SrcPort: 1024, DstPort: 80, Flags: packet.TCPSyn}, nil)
	if err != nil {
		b.Fatal(err)
	}
	ev := &controller.PacketIn{Switch: sw, Msg: &openflow.PacketIn{BufferID: openflow.NoBuffer, TotalLen: uint16(len(syn)), Data: syn}, InPort: 1}
	if err := p.Parse(syn, &ev.Flow); err != nil {
		b.Fatal(err)
	}
	// The ARP requests of SwitchUp come before the benchmark's messages.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	msgs, err := fake.WaitFor(ctx, func(ms []openflow.Message) bool {
		ts := arpTargets(ms)
		return slices.Contains(ts, web1) && slices.Contains(ts, web2)
	})
	if err != nil {
		b.Fatalf("initial ARP requests: %v", err)
	}
	pc := &pacer{b: b, sw: fake, base: len(msgs)}
	fake.PauseReading()
	return app, ev, pc
}

// pacer lets the fake switch read only while the benchmark's timer is
// stopped: its decoding then neither counts in the allocations nor
// competes for the CPU, and batches small enough for the controller's send
// queue never meet a full queue.
type pacer struct {
	b    *testing.B
	sw   *oftest.Switch
	base int // messages received before the benchmark
}

const benchBatch = 2048

// drain lets the switch read until it has received want messages more
// than at the start, then pauses it.
func (p *pacer) drain(want int) {
	p.b.Helper()
	p.sw.ResumeReading()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := p.sw.WaitFor(ctx, func(ms []openflow.Message) bool { return len(ms) >= p.base+want }); err != nil {
		p.b.Fatalf("switch did not receive %d messages: %v", want, err)
	}
	p.sw.PauseReading()
}

// BenchmarkPacketInNewFlow is the first packet of a new connection: a
// backend is picked, the flow is recorded, and two flow-mods and a
// packet-out are queued for the switch.
func BenchmarkPacketInNewFlow(b *testing.B) {
	app, ev, pc := benchRig(b)
	base := ev.Flow.Src.As4()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if i > 0 && i%benchBatch == 0 {
			b.StopTimer()
			pc.drain(3 * i)
			// The app forgets the xids of its adds a generation at a
			// time (rotateAdds); here a generation is a batch.
			ss := app.switchState(0x10)
			ss.mu.Lock()
			clear(ss.oldAdds)
			ss.adds, ss.oldAdds = ss.oldAdds, ss.adds
			ss.mu.Unlock()
			b.StartTimer()
		}
		// A new 5-tuple each time: 60,000 source ports per client address.
		a := base
		a[2], a[3] = byte(i/60000>>8), byte(i/60000)
		ev.Flow.Src = netip.AddrFrom4(a)
		ev.Flow.SrcPort = uint16(1024 + i%60000)
		app.PacketIn(ev)
	}
	b.StopTimer()
	if n := app.Counters().FlowsInstalled.Load(); n != uint64(b.N) {
		b.Fatalf("%d flows installed for %d packets (%d send errors)", n, b.N, app.Counters().SendErrors.Load())
	}
	pc.drain(3 * b.N)
}

// BenchmarkPacketInRepeat is a later packet of a known flow that reached
// the controller before its entries took: a packet-out only.
func BenchmarkPacketInRepeat(b *testing.B) {
	app, ev, pc := benchRig(b)
	app.PacketIn(ev)
	if app.Counters().FlowsInstalled.Load() != 1 {
		b.Fatal("flow not installed")
	}
	pc.drain(3)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if i > 0 && i%benchBatch == 0 {
			b.StopTimer()
			pc.drain(3 + i)
			b.StartTimer()
		}
		app.PacketIn(ev)
	}
	b.StopTimer()
	if r := app.Counters().Repeats.Load(); r != uint64(b.N) {
		b.Fatalf("%d repeats for %d packets (%d send errors)", r, b.N, app.Counters().SendErrors.Load())
	}
	pc.drain(3 + b.N)
}
