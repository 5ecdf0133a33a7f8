package ovslab

import (
	"reflect"
	"testing"
	"time"
)

func TestParseFlow(t *testing.T) {
	tests := []struct {
		name string
		line string
		want Flow
	}{
		{
			name: "default table-miss NORMAL",
			line: " cookie=0x0, duration=0.007s, table=0, n_packets=0, n_bytes=0, priority=0 actions=NORMAL",
			want: Flow{Duration: 7 * time.Millisecond, Actions: "NORMAL"},
		},
		{
			name: "timeouts, flag and match",
			line: "cookie=0x1234, duration=2.5s, table=3, n_packets=7, n_bytes=420, idle_timeout=10, hard_timeout=60, send_flow_rem priority=100,tcp,nw_dst=10.0.0.100,tp_dst=80 actions=mod_nw_dst:10.0.0.2,output:2",
			want: Flow{
				Cookie: 0x1234, Duration: 2500 * time.Millisecond, Table: 3, Packets: 7, Bytes: 420,
				IdleTimeout: 10, HardTimeout: 60, Priority: 100, Flags: []string{"send_flow_rem"},
				Match: "tcp,nw_dst=10.0.0.100,tp_dst=80", Actions: "mod_nw_dst:10.0.0.2,output:2",
			},
		},
		{
			name: "default priority left out",
			line: "cookie=0x0, duration=1.000s, table=0, n_packets=1, n_bytes=60, arp actions=CONTROLLER:65535",
			want: Flow{Duration: time.Second, Priority: DefaultPriority, Packets: 1, Bytes: 60, Match: "arp", Actions: "CONTROLLER:65535"},
		},
		{
			name: "importance and two flags",
			line: "cookie=0xffffffffffffffff, duration=0.1s, table=0, n_packets=0, n_bytes=0, importance=5, send_flow_rem reset_counts priority=5,in_port=1 actions=drop",
			want: Flow{Cookie: 1<<64 - 1, Duration: 100 * time.Millisecond, Importance: 5, Flags: []string{"send_flow_rem", "reset_counts"}, Priority: 5, Match: "in_port=1", Actions: "drop"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseFlow(tt.line)
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Raw = got.Raw
			if got.Raw == "" || got.Raw[0] == ' ' {
				t.Errorf("Raw %q not trimmed", got.Raw)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseFlow:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseFlowErrors(t *testing.T) {
	tests := []struct {
		name string
		line string
	}{
		{name: "no actions", line: "cookie=0x0, duration=0.1s, table=0"},
		{name: "bad cookie", line: "cookie=zz, table=0 actions=drop"},
		{name: "table out of range", line: "cookie=0x0, table=300 actions=drop"},
		{name: "priority out of range", line: "priority=70000 actions=drop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if f, err := ParseFlow(tt.line); err == nil {
				t.Errorf("ParseFlow(%q) = %+v, want an error", tt.line, f)
			}
		})
	}
}

func TestParseFlows(t *testing.T) {
	out := "OFPST_FLOW reply (OF1.3) (xid=0x2):\n" +
		" cookie=0x0, duration=1s, table=0, n_packets=0, n_bytes=0, priority=10,ip actions=drop\n" +
		" cookie=0x0, duration=1s, table=0, n_packets=0, n_bytes=0, priority=0 actions=NORMAL\n"
	flows, err := ParseFlows(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(flows) != 2 || flows[0].Match != "ip" || flows[1].Actions != "NORMAL" {
		t.Fatalf("ParseFlows = %+v", flows)
	}
	empty, err := ParseFlows("OFPST_FLOW reply (OF1.3) (xid=0x2):\n")
	if err != nil || empty != nil {
		t.Fatalf("empty table: %#v, %v; want nil, nil", empty, err)
	}
}
