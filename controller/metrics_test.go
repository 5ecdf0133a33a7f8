package controller

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/oflb/oflb/openflow"
	"github.com/oflb/oflb/openflow/oftest"
)

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	rec := newRecorder()
	rec.onPin = func(ev *PacketIn) {
		ev.Switch.Send(&openflow.PacketOut{BufferID: openflow.NoBuffer, InPort: ev.InPort, Data: ev.Msg.Data,
			Actions: []openflow.Action{&openflow.Output{Port: 2}}})
	}
	tc := startController(t, &Config{Registerer: reg}, rec)
	sw := dial(t, tc.addr, oftest.Options{})
	rec.waitFor(t, "switch up", func(r *recorder) bool { return len(r.ups) == 1 })
	const n = 20
	for i := range n {
		if err := sw.SendPacketIn(uint32(i), 1, tcpSYN(t, "10.0.0.1", "10.0.0.100", uint16(30000+i), 80)); err != nil {
			t.Fatal(err)
		}
	}
	rec.waitFor(t, "packet-ins", func(r *recorder) bool { return len(r.pins) == n })
	s, _ := tc.Switch(1)
	if err := s.Barrier(ctxT(t)); err != nil { // the packet-outs are written
		t.Fatal(err)
	}
	if err := testutil.GatherAndCompare(reg, stringsReader(`
# HELP oflb_packet_ins_total Packet-ins received from ready switches and handled by the applications.
# TYPE oflb_packet_ins_total counter
oflb_packet_ins_total 20
# HELP oflb_switches_connected Switches connected and ready.
# TYPE oflb_switches_connected gauge
oflb_switches_connected 1
# HELP oflb_switch_roles Ready switches by this controller's role on them.
# TYPE oflb_switch_roles gauge
oflb_switch_roles{role="EQUAL"} 1
oflb_switch_roles{role="MASTER"} 0
oflb_switch_roles{role="SLAVE"} 0
`), "oflb_packet_ins_total", "oflb_switches_connected", "oflb_switch_roles"); err != nil {
		t.Fatal(err)
	}
	sent, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var packetOuts, histCount float64
	for _, mf := range sent {
		for _, m := range mf.GetMetric() {
			switch mf.GetName() {
			case "oflb_messages_sent_total":
				for _, l := range m.GetLabel() {
					if l.GetName() == "type" && l.GetValue() == "PACKET_OUT" {
						packetOuts = m.GetCounter().GetValue()
					}
				}
			case "oflb_packet_in_handling_seconds":
				histCount = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	if packetOuts != n || histCount != n {
		t.Fatalf("packet-outs sent %v, latency samples %v; want %d each", packetOuts, histCount, n)
	}
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Fatalf("lint: %v %v", problems, err)
	}
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
