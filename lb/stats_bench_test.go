package lb

import (
	"net/netip"
	"testing"

	"github.com/oflb/oflb/openflow"
)

// BenchmarkPollFlowStats100k polls a switch holding 100,000 per-flow
// entries (50,000 flows, forward and reverse) of one per_flow VIP: one
// owner-wide FLOW_STATS dump over loopback from the in-process fake switch
// (its side of the work, building and encoding the reply, is in the
// numbers too), decoded and assembled by the controller, then booked.
//
//	go test -run '^$' -bench BenchmarkPollFlowStats100k -benchtime=5x ./lb/
func BenchmarkPollFlowStats100k(b *testing.B) {
	const flows = 50_000
	v := statsVIP(7, 80, StatsPerFlow)
	pairs := make([]pair, flows)
	for i := range pairs {
		c := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), uint16(40000+i%1000))
		pairs[i] = makePair(&v, c, i%2)
	}
	app, sw := newStatsRig(b, Config{VIPs: []VIP{v}}, preloadOf(pairs), nil)
	if n := len(app.Flows(0)); n != flows {
		b.Fatalf("adopted %d flows, want %d", n, flows)
	}
	pollNow(b, app) // first poll: counts the adopted flows opened
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		sw.AddCounters(0, 0, 1, 100)
		pollNow(b, app)
	}
	b.StopTimer()
	rep := app.TrafficStats()
	if rep.Switches[0].FlowEntries != 2*flows || rep.Switches[0].FlowRequests != 1 {
		b.Fatalf("last poll read %d entries in %d requests", rep.Switches[0].FlowEntries, rep.Switches[0].FlowRequests)
	}
	b.ReportMetric(float64(2*flows), "entries/poll")
}

// BenchmarkBookFlowStats100k is the collector's own share of a poll of
// 100,000 entries: matching each decoded entry to its flow, updating the
// flow's and its aggregate's counters, counting opened flows and taking
// the rate samples (no I/O, no decoding).
func BenchmarkBookFlowStats100k(b *testing.B) {
	const flows = 50_000
	v := statsVIP(7, 80, StatsPerFlow)
	app := New(Options{Owner: 3})
	if err := app.SetConfig(Config{VIPs: []VIP{v}}); err != nil {
		b.Fatal(err)
	}
	ss := app.switchState(1)
	stats := make([]openflow.FlowStats, 0, 2*flows)
	for i := range flows {
		c := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), uint16(40000+i%1000))
		bi := i % 2
		p := makePair(&v, c, bi)
		fl := &flow{proto: 6, client: c, vip: v.AddrPort(), backend: v.Backends[bi].AddrPort(), vipID: 7, backendID: v.Backends[bi].ID}
		ss.flows[fl.key()] = fl
		ss.replies[fl.replyKey()] = fl
		ss.bookOpened(fl) // as the app does once the entries are sent
		stats = append(stats,
			openflow.FlowStats{Cookie: p.fwd.Cookie, Match: p.fwd.Match, PacketCount: 1, ByteCount: 100},
			openflow.FlowStats{Cookie: p.rev.Cookie, Match: p.rev.Match, PacketCount: 1, ByteCount: 100})
	}
	replies := []*openflow.FlowStatsReply{{Stats: stats}}
	st := app.state.Load()
	due := st.vips
	polled := map[uint16]bool{7: true}
	tr := app.traffic.swTraffic(1)
	b.ReportAllocs()
	for b.Loop() {
		for i := range stats {
			stats[i].PacketCount++
			stats[i].ByteCount += 100
		}
		app.book(ss, tr, st, due, polled, replies, nil, 0)
	}
	if got := backendTraffic(b, app, 7, 1); got.Active != flows/2 {
		b.Fatalf("backend 1: %+v", got)
	}
	b.ReportMetric(float64(len(stats)), "entries/poll")
}
