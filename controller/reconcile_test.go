package controller

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/oflb/oflb/openflow"
	"github.com/oflb/oflb/openflow/oftest"
)

const (
	testOwner     = uint64(0x42) << 56
	testOwnerMask = uint64(0xff) << 56
)

func staticEntry(prio uint16, cookie uint64, port uint32) openflow.FlowMod {
	fm := openflow.FlowMod{Command: openflow.FlowAdd, Priority: prio, Cookie: testOwner | cookie,
		BufferID: openflow.NoBuffer, OutPort: openflow.PortAny, OutGroup: openflow.GroupAny}
	fm.Match.SetEthType(0x0806)
	fm.Match.SetInPort(port)
	fm.Instructions = []openflow.Instruction{&openflow.ApplyActions{Actions: []openflow.Action{&openflow.Output{Port: openflow.PortController, MaxLen: openflow.ControllerNoBuffer}}}}
	return fm
}

func perFlowEntry(i int, cookie uint64) openflow.FlowMod {
	fm := openflow.FlowMod{Command: openflow.FlowAdd, Priority: 1000, Cookie: cookie, IdleTimeout: 60,
		BufferID: openflow.NoBuffer, OutPort: openflow.PortAny, OutGroup: openflow.GroupAny}
	fm.Match.SetEthType(0x0800)
	fm.Match.SetIPProto(6)
	fm.Match.SetIPv4Src(netip.AddrFrom4([4]byte{10, 0, 1, byte(i)}))
	fm.Match.SetTCPSrc(uint16(30000 + i))
	fm.Instructions = []openflow.Instruction{&openflow.ApplyActions{Actions: []openflow.Action{&openflow.Output{Port: 2}}}}
	return fm
}

func TestReconcile(t *testing.T) {
	for _, bundles := range []bool{true, false} {
		t.Run(fmt.Sprintf("bundles=%v", bundles), func(t *testing.T) {
			keep := staticEntry(100, 1, 1)
			changed := staticEntry(100, 2, 2)
			missing := staticEntry(100, 3, 3)
			stale := staticEntry(100, 4, 4)
			adoptable := perFlowEntry(1, testOwner|0x10)
			orphan := perFlowEntry(2, testOwner|0x11)
			foreign := perFlowEntry(3, 0x77<<56) // another owner's: never touched

			rec := newRecorder()
			rec.desired = func(*Switch) []openflow.FlowMod { return []openflow.FlowMod{keep, changed, missing} }
			rec.adopt = func(fs *openflow.FlowStats) bool { return fs.Cookie == adoptable.Cookie }

			// The switch already holds entries from an earlier run.
			tc := startController(t, &Config{OwnerCookie: testOwner, OwnerCookieMask: testOwnerMask}, rec)
			_ = tc
			oldChanged := changed
			oldChanged.Instructions = []openflow.Instruction{&openflow.ApplyActions{Actions: []openflow.Action{&openflow.Output{Port: 9}}}}
			pre := []openflow.FlowMod{keep, oldChanged, stale, adoptable, orphan, foreign}
			sw := dialWithFlows(t, tc.addr, oftest.Options{NoBundles: !bundles}, pre)
			rec.waitFor(t, "switch up", func(r *recorder) bool { return len(r.ups) == 1 })

			got := map[uint64]oftest.Entry{}
			for _, e := range sw.Flows() {
				got[e.Cookie] = e
			}
			for _, want := range []openflow.FlowMod{keep, changed, missing, adoptable, foreign} {
				e, ok := got[want.Cookie]
				if !ok {
					t.Errorf("entry with cookie %#x missing after reconcile", want.Cookie)
					continue
				}
				if !sameEntry(&want, &openflow.FlowStats{Cookie: e.Cookie, IdleTimeout: e.IdleTimeout, HardTimeout: e.HardTimeout, Instructions: e.Instructions}) {
					t.Errorf("entry %#x differs from wanted", want.Cookie)
				}
			}
			for _, gone := range []openflow.FlowMod{stale, orphan} {
				if _, ok := got[gone.Cookie]; ok {
					t.Errorf("stale entry %#x still there", gone.Cookie)
				}
			}
			if len(rec.adoptees) != 1 || rec.adoptees[0].Cookie != adoptable.Cookie {
				t.Errorf("adopted %v, want the one per-flow entry", rec.adoptees)
			}
			// Deletes come after every add: nothing wanted was ever absent.
			lastAdd, firstDelete := -1, -1
			var usedBundle bool
			for i, m := range sw.Received() {
				var fm *openflow.FlowMod
				switch m := m.(type) {
				case *openflow.FlowMod:
					fm = m
				case *openflow.BundleAdd:
					usedBundle = true
					fm, _ = m.Message.(*openflow.FlowMod)
				}
				if fm == nil {
					continue
				}
				switch fm.Command {
				case openflow.FlowAdd:
					lastAdd = i
				case openflow.FlowDeleteStrict:
					if firstDelete < 0 {
						firstDelete = i
					}
				}
			}
			if firstDelete < lastAdd {
				t.Errorf("a delete (message %d) came before the last add (message %d)", firstDelete, lastAdd)
			}
			if usedBundle != bundles {
				t.Errorf("used bundles = %v on a switch with bundles=%v", usedBundle, bundles)
			}
		})
	}
}

// dialWithFlows connects a fake switch whose table already holds entries.
func dialWithFlows(t *testing.T, addr string, opts oftest.Options, pre []openflow.FlowMod) *oftest.Switch {
	t.Helper()
	opts.Preload = pre
	return dial(t, addr, opts)
}

func TestReconcileReplaysAfterEmptyTable(t *testing.T) {
	// A switch that lost its table (ovs-vswitchd restarted) gets back
	// everything the applications still hold, per-flow entries included.
	var held []openflow.FlowMod
	for i := range 300 {
		held = append(held, perFlowEntry(i%250, testOwner|uint64(0x1000+i)))
	}
	rec := newRecorder()
	rec.desired = func(*Switch) []openflow.FlowMod { return held }
	tc := startController(t, &Config{OwnerCookie: testOwner, OwnerCookieMask: testOwnerMask}, rec)
	sw := dial(t, tc.addr, oftest.Options{})
	rec.waitFor(t, "switch up", func(r *recorder) bool { return len(r.ups) == 1 })
	// 300 desired entries with 250 distinct matches: the last one of each
	// match wins, as on a switch.
	if n := len(sw.Flows()); n != 250 {
		t.Fatalf("replayed %d entries, want 250", n)
	}
}

// TestReconcileReplacesEntryWithoutItsFlags: an owned entry that matches
// a wanted one in everything but SEND_FLOW_REM (installed by an older
// release, or by hand) is replaced: kept as it was, its removal would
// never be reported and the application would hold the flow for ever.
// Flags that a switch does not keep with the entry (CHECK_OVERLAP,
// RESET_COUNTS) do not count.
func TestReconcileReplacesEntryWithoutItsFlags(t *testing.T) {
	tests := []struct {
		name           string
		want, onSwitch openflow.FlowModFlags
		replaced       bool
	}{
		{name: "same flags", want: openflow.FlowSendFlowRem, onSwitch: openflow.FlowSendFlowRem},
		{name: "send_flow_rem missing", want: openflow.FlowSendFlowRem, onSwitch: 0, replaced: true},
		{name: "send_flow_rem extra", want: 0, onSwitch: openflow.FlowSendFlowRem, replaced: true},
		{name: "no_pkt_counts missing", want: openflow.FlowNoPktCounts, onSwitch: 0, replaced: true},
		{name: "check_overlap not kept by switches", want: openflow.FlowSendFlowRem | openflow.FlowCheckOverlap | openflow.FlowResetCounts, onSwitch: openflow.FlowSendFlowRem},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := perFlowEntry(1, testOwner|0x10)
			want.Flags = tt.want
			old := want
			old.Flags = tt.onSwitch
			rec := newRecorder()
			rec.desired = func(*Switch) []openflow.FlowMod { return []openflow.FlowMod{want} }
			tc := startController(t, &Config{OwnerCookie: testOwner, OwnerCookieMask: testOwnerMask}, rec)
			dialWithFlows(t, tc.addr, oftest.Options{}, []openflow.FlowMod{old})
			rec.waitFor(t, "switch up", func(r *recorder) bool { return len(r.ups) == 1 })
			s, _ := tc.Switch(1)
			res, err := tc.Reconcile(ctxT(t), s)
			if err != nil {
				t.Fatal(err)
			}
			// The first reconciliation ran at connect; this second one
			// sees what it left.
			if res.Kept != 1 {
				t.Errorf("second reconcile %+v, want the entry kept", res)
			}
			logs := tc.logs.String()
			if got := strings.Contains(logs, "replaced=1"); got != tt.replaced {
				t.Errorf("first reconcile replaced the entry: %v, want %v\n%s", got, tt.replaced, logs)
			}
		})
	}
}
