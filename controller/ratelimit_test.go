package controller

import (
	"testing"
	"time"

	"github.com/oflb/oflb/openflow"
	"github.com/oflb/oflb/openflow/oftest"
)

// TestFlowModRateLimit: with a limit of 200 flow-mods/s and a burst of 10,
// 60 flow-mods take at least (60-10)/200 = 250 ms to reach the switch,
// while other messages are not held back beyond their order.
func TestFlowModRateLimit(t *testing.T) {
	rec := newRecorder()
	tc := startController(t, &Config{FlowModRate: 200, FlowModBurst: 10}, rec)
	sw := dial(t, tc.addr, oftest.Options{})
	rec.waitFor(t, "switch up", func(r *recorder) bool { return len(r.ups) == 1 })
	s, _ := tc.Switch(1)
	var fms []openflow.Message
	for i := range 60 {
		fm := openflow.NewFlowMod(openflow.FlowAdd)
		fm.Priority = uint16(i + 1)
		fms = append(fms, fm)
	}
	start := time.Now()
	if err := s.Do(ctxT(t), fms...); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 240*time.Millisecond {
		t.Fatalf("60 flow-mods at 200/s (burst 10) arrived in %v, want >= 250ms", d)
	}
	if n := len(sw.Flows()); n != 60 {
		t.Fatalf("%d entries, want 60", n)
	}
}

// TestRateLimitedBacklogKeepsSwitchUp: a hardware switch taking 50
// flow-mods/s, sent a second's worth, says nothing meanwhile (flow-mods
// have no reply). The keepalive's echo must not wait behind the held
// flow-mods, or the switch is declared silent (echo timeout 300 ms here)
// and the connection dropped while it is doing exactly what it was told.
func TestRateLimitedBacklogKeepsSwitchUp(t *testing.T) {
	rec := newRecorder()
	tc := startController(t, &Config{FlowModRate: 50, FlowModBurst: 1, EchoInterval: 100 * time.Millisecond}, rec)
	sw := dial(t, tc.addr, oftest.Options{})
	rec.waitFor(t, "switch up", func(r *recorder) bool { return len(r.ups) == 1 })
	s, _ := tc.Switch(1)
	var fms []openflow.Message
	for i := range 50 {
		fm := openflow.NewFlowMod(openflow.FlowAdd)
		fm.Priority = uint16(i + 1)
		fms = append(fms, fm)
	}
	if err := s.Do(ctxT(t), fms...); err != nil {
		t.Fatalf("Do: %v (switch error: %v)", err, s.Err())
	}
	if n := len(sw.Flows()); n != 50 {
		t.Fatalf("%d entries, want 50", n)
	}
	if err := s.Err(); err != nil {
		t.Fatalf("connection closed: %v", err)
	}
}
