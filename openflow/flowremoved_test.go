package openflow

import "testing"

// natRemoved is the FLOW_REMOVED of benchNAT's entry.
func natRemoved() *FlowRemoved {
	fm, _ := benchNAT()
	return &FlowRemoved{Cookie: fm.Cookie, Priority: 2000, Reason: FlowRemovedReasonIdleTimeout, IdleTimeout: 30,
		DurationSec: 31, PacketCount: 10, ByteCount: 1000, Match: fm.Match}
}

func TestFlowRemovedWire(t *testing.T) {
	testMsgCases(t, []msgCase{
		{
			name: "NAT entry idled out",
			msg:  natRemoved(),
			body: []byte{
				0x01, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, // cookie
				0x07, 0xd0, 0x00, 0x00, // priority 2000, IDLE_TIMEOUT, table 0
				0x00, 0x00, 0x00, 0x1f, 0x00, 0x00, 0x00, 0x00, // duration 31 s 0 ns
				0x00, 0x1e, 0x00, 0x00, // idle 30, hard 0
				0, 0, 0, 0, 0, 0, 0, 0x0a, // packet_count 10
				0, 0, 0, 0, 0, 0, 0x03, 0xe8, // byte_count 1000
				0x00, 0x01, 0x00, 0x2b, // OFPMT_OXM, length 43
				0x80, 0x00, 0x0a, 0x02, 0x08, 0x00, // eth_type IPv4
				0x80, 0x00, 0x14, 0x01, 0x06, // ip_proto TCP
				0x80, 0x00, 0x16, 0x04, 0x0a, 0x00, 0x00, 0x01, // ipv4_src
				0x80, 0x00, 0x18, 0x04, 0x0a, 0x00, 0x00, 0x64, // ipv4_dst
				0x80, 0x00, 0x1a, 0x02, 0xa2, 0xc4, // tcp_src
				0x80, 0x00, 0x1c, 0x02, 0x00, 0x50, // tcp_dst
				0, 0, 0, 0, 0, // padding
			},
		},
		{
			name: "idle timeout",
			msg: &FlowRemoved{Cookie: 0x1234, Priority: 100, Reason: FlowRemovedReasonIdleTimeout, TableID: 2,
				DurationSec: 5, DurationNsec: 500, IdleTimeout: 10, HardTimeout: 30, PacketCount: 12, ByteCount: 3456},
			body: cat([]byte{
				0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0x34, // cookie
				0x00, 0x64, // priority 100
				0x00,                   // reason IDLE_TIMEOUT
				0x02,                   // table_id 2
				0x00, 0x00, 0x00, 0x05, // duration_sec 5
				0x00, 0x00, 0x01, 0xf4, // duration_nsec 500
				0x00, 0x0a, // idle_timeout 10
				0x00, 0x1e, // hard_timeout 30
				0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, // packet_count 12
				0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0d, 0x80, // byte_count 3456
			}, emptyMatch),
		},
		{
			name: "group delete, max counters",
			msg: &FlowRemoved{Cookie: ^uint64(0), Priority: 0xffff, Reason: FlowRemovedReasonGroupDelete, TableID: 254,
				DurationSec: ^uint32(0), DurationNsec: 999999999, PacketCount: ^uint64(0), ByteCount: ^uint64(0)},
			body: cat([]byte{
				0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // cookie
				0xff, 0xff, // priority
				0x03,                   // reason GROUP_DELETE
				0xfe,                   // table_id 254
				0xff, 0xff, 0xff, 0xff, // duration_sec
				0x3b, 0x9a, 0xc9, 0xff, // duration_nsec 999999999
				0x00, 0x00, 0x00, 0x00, // idle, hard
				0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // packet_count
				0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // byte_count
			}, emptyMatch),
		},
	})
}

func TestFlowRemovedBad(t *testing.T) {
	fixed := make([]byte, 40)
	testBadBodies(t, func() Message { return new(FlowRemoved) }, []badBody{
		{name: "empty", body: nil, eof: true},
		{name: "fixed part cut", body: fixed[:39], eof: true},
		{name: "no match", body: fixed, eof: true},
		{name: "match cut", body: cat(fixed, emptyMatch[:7]), eof: true},
		{name: "bytes after match", body: cat(fixed, emptyMatch, make([]byte, 8))},
	})
}

func TestFlowRemovedStrings(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"idle", FlowRemovedReasonIdleTimeout.String(), "IDLE_TIMEOUT"},
		{"hard", FlowRemovedReasonHardTimeout.String(), "HARD_TIMEOUT"},
		{"delete", FlowRemovedReasonDelete.String(), "DELETE"},
		{"group delete", FlowRemovedReasonGroupDelete.String(), "GROUP_DELETE"},
		{"unknown", FlowRemovedReason(4).String(), "FlowRemovedReason(4)"},
		{"message", (&FlowRemoved{Cookie: 0x10, Priority: 5, Reason: FlowRemovedReasonHardTimeout, TableID: 1, DurationSec: 3, DurationNsec: 5, IdleTimeout: 1, HardTimeout: 2, PacketCount: 7, ByteCount: 8}).String(),
			"FLOW_REMOVED table 1 cookie 0x10 priority 5 reason HARD_TIMEOUT duration 3.000000005s idle 1 hard 2 packets 7 bytes 8"},
		{"with match", natRemoved().String(),
			"FLOW_REMOVED table 0 cookie 0x100000200000003 priority 2000 reason IDLE_TIMEOUT duration 31.000000000s idle 30 hard 0 packets 10 bytes 1000 match tcp,nw_src=10.0.0.1,nw_dst=10.0.0.100,tp_src=41668,tp_dst=80"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestFlowRemovedOVS(t *testing.T) {
	out := ofpParse(t,
		mustMarshal(t, 0x10, &FlowRemoved{Cookie: 0x1234, Priority: 100, Reason: FlowRemovedReasonIdleTimeout,
			DurationSec: 5, DurationNsec: 500, IdleTimeout: 10, HardTimeout: 30, PacketCount: 12, ByteCount: 3456}),
		mustMarshal(t, 0x11, &FlowRemoved{Cookie: 1, Priority: 7, Reason: FlowRemovedReasonHardTimeout, TableID: 4, HardTimeout: 60}),
		mustMarshal(t, 0x12, &FlowRemoved{Reason: FlowRemovedReasonDelete}),
		mustMarshal(t, 0x13, &FlowRemoved{Reason: FlowRemovedReasonGroupDelete}),
		mustMarshal(t, 0x14, natRemoved()))
	wantLines(t, out,
		"OFPT_FLOW_REMOVED (OF1.3) (xid=0x14): priority=2000,tcp,nw_src=10.0.0.1,nw_dst=10.0.0.100,tp_src=41668,tp_dst=80 reason=idle table_id=0 cookie:0x100000200000003 duration31s idle30 pkts10 bytes1000",
		"OFPT_FLOW_REMOVED (OF1.3) (xid=0x10): priority=100 reason=idle table_id=0 cookie:0x1234 duration5.0000005s idle10 hard30 pkts12 bytes3456",
		"OFPT_FLOW_REMOVED (OF1.3) (xid=0x11): priority=7 reason=hard table_id=4 cookie:0x1 duration0s idle0 hard60 pkts0 bytes0",
		"OFPT_FLOW_REMOVED (OF1.3) (xid=0x12): priority=0 reason=delete table_id=0 duration0s idle0 pkts0 bytes0",
		"OFPT_FLOW_REMOVED (OF1.3) (xid=0x13): priority=0 reason=group_delete table_id=0 duration0s idle0 pkts0 bytes0")
}
