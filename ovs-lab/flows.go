package ovslab

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DefaultPriority is the priority OpenFlow gives an entry that sets none;
// ovs-ofctl leaves "priority=" out of its output for it.
const DefaultPriority = 32768

// Flow is one line of `ovs-ofctl -O OpenFlow13 dump-flows`.
type Flow struct {
	Cookie      uint64
	Duration    time.Duration
	Table       uint8
	Priority    uint16
	Packets     uint64 // n_packets
	Bytes       uint64 // n_bytes
	IdleTimeout uint16 // 0 when the line has none
	HardTimeout uint16 // 0 when the line has none
	Importance  uint16
	// Flags are the flow-mod flags printed, e.g. "send_flow_rem",
	// "check_overlap", "reset_counts"; nil when none.
	Flags []string
	// Match is the match as ovs-ofctl prints it, e.g.
	// "tcp,nw_dst=10.0.0.100,tp_dst=80"; empty for match-all.
	Match string
	// Actions is what follows "actions=", e.g. "NORMAL" or "drop".
	Actions string
	// Raw is the whole line, trimmed.
	Raw string
}

// String returns the raw line.
func (f Flow) String() string { return f.Raw }

// flowFlags are the words ovs-ofctl prints for flow-mod flags.
var flowFlags = map[string]bool{
	"send_flow_rem":    true,
	"check_overlap":    true,
	"reset_counts":     true,
	"no_packet_counts": true,
	"no_byte_counts":   true,
}

// ParseFlows parses the output of `ovs-ofctl dump-flows` (any OpenFlow
// version): one Flow per entry line; the reply header line (e.g.
// "OFPST_FLOW reply (OF1.3) (xid=0x2):") and blank lines are skipped. The
// result is nil for an empty table.
func ParseFlows(out string) ([]Flow, error) {
	var flows []Flow
	for line := range strings.SplitSeq(out, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "OFPST_FLOW") || strings.HasPrefix(line, "NXST_FLOW") {
			continue
		}
		f, err := ParseFlow(line)
		if err != nil {
			return nil, err
		}
		flows = append(flows, f)
	}
	return flows, nil
}

// ParseFlow parses one entry line of `ovs-ofctl dump-flows`, e.g.
//
//	cookie=0x1, duration=2.5s, table=0, n_packets=3, n_bytes=180, idle_timeout=10, send_flow_rem priority=100,ip,nw_dst=10.0.0.1 actions=output:2
func ParseFlow(line string) (Flow, error) {
	f := Flow{Raw: strings.TrimSpace(line), Priority: DefaultPriority}
	head, actions, ok := strings.Cut(f.Raw, " actions=")
	if !ok {
		if !strings.HasPrefix(f.Raw, "actions=") {
			return Flow{}, fmt.Errorf("ovslab: flow line without actions: %q", line)
		}
		head, actions = "", strings.TrimPrefix(f.Raw, "actions=")
	}
	f.Actions = actions
	var match []string
	// Fields are separated by ", " in the statistics part and by "," in
	// the match, and flags are separated from what follows by a space.
	for field := range strings.FieldsFuncSeq(head, func(r rune) bool { return r == ',' || r == ' ' }) {
		key, val, hasVal := strings.Cut(field, "=")
		if !hasVal {
			if flowFlags[key] {
				f.Flags = append(f.Flags, key)
			} else {
				match = append(match, field)
			}
			continue
		}
		var err error
		switch key {
		case "cookie":
			f.Cookie, err = strconv.ParseUint(val, 0, 64)
		case "duration":
			var d float64
			d, err = strconv.ParseFloat(strings.TrimSuffix(val, "s"), 64)
			f.Duration = time.Duration(d * float64(time.Second))
		case "table":
			var n uint64
			n, err = strconv.ParseUint(val, 10, 8)
			f.Table = uint8(n)
		case "n_packets":
			f.Packets, err = strconv.ParseUint(val, 10, 64)
		case "n_bytes":
			f.Bytes, err = strconv.ParseUint(val, 10, 64)
		case "idle_timeout":
			f.IdleTimeout, err = parseUint16(val)
		case "hard_timeout":
			f.HardTimeout, err = parseUint16(val)
		case "importance":
			f.Importance, err = parseUint16(val)
		case "priority":
			f.Priority, err = parseUint16(val)
		case "idle_age", "hard_age":
			// Seconds since last use / last change: not kept.
		default:
			match = append(match, field)
		}
		if err != nil {
			return Flow{}, fmt.Errorf("ovslab: flow line %q: field %s: %w", line, key, err)
		}
	}
	f.Match = strings.Join(match, ",")
	return f, nil
}

func parseUint16(s string) (uint16, error) {
	n, err := strconv.ParseUint(s, 10, 16)
	return uint16(n), err
}

// DumpFlows returns the flow entries of bridge (short or full name) in the
// order ovs-ofctl prints them. An optional filter in ovs-ofctl syntax (e.g.
// "table=0,cookie=0x1/-1") restricts the dump.
func (o *OVS) DumpFlows(bridge string, filter ...string) ([]Flow, error) {
	return o.DumpFlowsContext(context.Background(), bridge, filter...)
}

// DumpFlowsContext is DumpFlows bounded by ctx.
func (o *OVS) DumpFlowsContext(ctx context.Context, bridge string, filter ...string) ([]Flow, error) {
	args := append([]string{"dump-flows", bridge}, filter...)
	out, err := o.OfctlContext(ctx, nil, args...)
	if err != nil {
		return nil, fmt.Errorf("ovslab: dump flows of %s: %w", bridge, err)
	}
	flows, err := ParseFlows(out)
	if err != nil {
		return nil, fmt.Errorf("ovslab: dump flows of %s: %w", bridge, err)
	}
	return flows, nil
}

// WaitFlows dumps the flows of bridge every 50 ms until cond returns true
// for a dump, and returns that dump. If ctx ends first, the error shows the
// last table dumped, one raw line per entry, so that a failing test prints
// what the switch actually had.
func (o *OVS) WaitFlows(ctx context.Context, bridge string, cond func([]Flow) bool) ([]Flow, error) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last []Flow
	var lastErr error
	for {
		flows, err := o.DumpFlowsContext(ctx, bridge)
		if err == nil {
			last, lastErr = flows, nil
			if cond(flows) {
				return flows, nil
			}
		} else if ctx.Err() == nil {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			return last, fmt.Errorf("ovslab: waiting for flows on %s: %w\n%s", bridge, ctx.Err(), formatTable(last, lastErr))
		case <-tick.C:
		}
	}
}

// formatTable renders a dump for an error message.
func formatTable(flows []Flow, err error) string {
	var sb strings.Builder
	if err != nil {
		fmt.Fprintf(&sb, "last dump failed: %v\n", err)
	}
	fmt.Fprintf(&sb, "last table (%d entries):", len(flows))
	for _, f := range flows {
		sb.WriteString("\n  ")
		sb.WriteString(f.Raw)
	}
	return sb.String()
}
