package openflow

import (
	"net/netip"
	"testing"
)

// flowModFixed is the fixed part of the FLOW_MOD vector of the first case.
var flowModFixed = []byte{
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0xbc, // cookie
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0f, 0xff, // cookie_mask
	0x01,       // table_id 1
	0x00,       // command ADD
	0x00, 0x0a, // idle_timeout 10
	0x00, 0x3c, // hard_timeout 60
	0x03, 0xe8, // priority 1000
	0xff, 0xff, 0xff, 0xff, // buffer_id NO_BUFFER
	0xff, 0xff, 0xff, 0xff, // out_port ANY
	0xff, 0xff, 0xff, 0xff, // out_group ANY
	0x00, 0x1f, // flags: all five
	0x00, 0x00, // pad
}

func TestFlowModWire(t *testing.T) {
	add := NewFlowMod(FlowAdd)
	add.Cookie, add.CookieMask, add.TableID = 0xabc, 0xfff, 1
	add.IdleTimeout, add.HardTimeout, add.Priority = 10, 60, 1000
	add.Flags = FlowSendFlowRem | FlowCheckOverlap | FlowResetCounts | FlowNoPktCounts | FlowNoBytCounts
	add.Instructions = []Instruction{
		&ApplyActions{Actions: []Action{&Output{Port: 2}}},
		&GotoTable{TableID: 2},
	}
	nat, _ := benchNAT()
	testMsgCases(t, []msgCase{
		{
			name: "reactive NAT entry",
			msg:  nat,
			body: []byte{
				0x01, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, // cookie
				0, 0, 0, 0, 0, 0, 0, 0, // cookie_mask
				0x00, 0x00, // table 0, ADD
				0x00, 0x1e, // idle_timeout 30
				0x00, 0x00, // hard_timeout 0
				0x07, 0xd0, // priority 2000
				0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // buffer, out_port, out_group: none/any
				0x00, 0x01, 0x00, 0x00, // flags SEND_FLOW_REM, pad
				0x00, 0x01, 0x00, 0x2b, // OFPMT_OXM, length 43
				0x80, 0x00, 0x0a, 0x02, 0x08, 0x00, // eth_type IPv4
				0x80, 0x00, 0x14, 0x01, 0x06, // ip_proto TCP
				0x80, 0x00, 0x16, 0x04, 0x0a, 0x00, 0x00, 0x01, // ipv4_src 10.0.0.1
				0x80, 0x00, 0x18, 0x04, 0x0a, 0x00, 0x00, 0x64, // ipv4_dst 10.0.0.100
				0x80, 0x00, 0x1a, 0x02, 0xa2, 0xc4, // tcp_src 41668
				0x80, 0x00, 0x1c, 0x02, 0x00, 0x50, // tcp_dst 80
				0, 0, 0, 0, 0, // padding to 48
				0x00, 0x04, 0x00, 0x38, 0, 0, 0, 0, // OFPIT_APPLY_ACTIONS, len 56
				0x00, 0x19, 0x00, 0x10, 0x80, 0x00, 0x06, 0x06, 0x02, 0, 0, 0, 0, 0x0b, 0, 0, // set_field eth_dst
				0x00, 0x19, 0x00, 0x10, 0x80, 0x00, 0x18, 0x04, 0x0a, 0x00, 0x01, 0x0b, 0, 0, 0, 0, // set_field ipv4_dst
				0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0, 0, 0, 0, 0, 0, // output:2
			},
		},
		{
			name: "add with apply and goto",
			msg:  add,
			body: cat(flowModFixed, emptyMatch, []byte{
				0x00, 0x04, 0x00, 0x18, 0, 0, 0, 0, // OFPIT_APPLY_ACTIONS, len 24, pad
				0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0, 0, 0, 0, 0, 0, // output:2
				0x00, 0x01, 0x00, 0x08, 0x02, 0, 0, 0, // OFPIT_GOTO_TABLE 2
			}),
		},
		{
			name: "delete strict by out_port and out_group, no instructions",
			msg:  &FlowMod{Command: FlowDeleteStrict, TableID: TableAll, Priority: 5, BufferID: NoBuffer, OutPort: 5, OutGroup: 9},
			body: cat([]byte{
				0, 0, 0, 0, 0, 0, 0, 0, // cookie
				0, 0, 0, 0, 0, 0, 0, 0, // cookie_mask
				0xff,       // table_id ALL
				0x04,       // command DELETE_STRICT
				0x00, 0x00, // idle_timeout
				0x00, 0x00, // hard_timeout
				0x00, 0x05, // priority 5
				0xff, 0xff, 0xff, 0xff, // buffer_id NO_BUFFER
				0x00, 0x00, 0x00, 0x05, // out_port 5
				0x00, 0x00, 0x00, 0x09, // out_group 9
				0x00, 0x00, // flags
				0x00, 0x00, // pad
			}, emptyMatch),
		},
		{
			name: "modify with metadata, write, clear, meter",
			msg: &FlowMod{Command: FlowModify, BufferID: 0x10, OutPort: PortAny, OutGroup: GroupAny, Instructions: []Instruction{
				&MeterInstruction{MeterID: 3},
				&ClearActions{},
				&WriteActions{Actions: []Action{&Group{GroupID: 1}}},
				&WriteMetadata{Metadata: 0x1122, Mask: 0xffff},
			}},
			body: cat([]byte{
				0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // cookie, cookie_mask
				0x00, 0x01, // table 0, MODIFY
				0, 0, 0, 0, 0, 0, // timeouts, priority
				0x00, 0x00, 0x00, 0x10, // buffer_id 0x10
				0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // out_port, out_group ANY
				0, 0, 0, 0, // flags, pad
			}, emptyMatch, []byte{
				0x00, 0x06, 0x00, 0x08, 0x00, 0x00, 0x00, 0x03, // OFPIT_METER 3
				0x00, 0x05, 0x00, 0x08, 0, 0, 0, 0, // OFPIT_CLEAR_ACTIONS
				0x00, 0x03, 0x00, 0x10, 0, 0, 0, 0, // OFPIT_WRITE_ACTIONS len 16
				0x00, 0x16, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, // group:1
				0x00, 0x02, 0x00, 0x18, 0, 0, 0, 0, // OFPIT_WRITE_METADATA len 24
				0, 0, 0, 0, 0, 0, 0x11, 0x22, // metadata
				0, 0, 0, 0, 0, 0, 0xff, 0xff, // mask
			}),
		},
	})
}

func TestFlowModBad(t *testing.T) {
	testBadBodies(t, func() Message { return new(FlowMod) }, []badBody{
		{name: "empty", body: nil, eof: true},
		{name: "fixed part cut", body: flowModFixed[:39], eof: true},
		{name: "no match", body: flowModFixed, eof: true},
		{name: "match cut", body: cat(flowModFixed, emptyMatch[:4]), eof: true},
		{name: "instruction header cut", body: cat(flowModFixed, emptyMatch, []byte{0, 1, 0}), eof: true},
		{name: "instruction longer than body", body: cat(flowModFixed, emptyMatch, []byte{0, 1, 0, 16, 2, 0, 0, 0}), eof: true},
		{name: "instruction of length 0", body: cat(flowModFixed, emptyMatch, []byte{0, 1, 0, 0, 2, 0, 0, 0})},
	})
}

func TestFlowModStrings(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"add", FlowAdd.String(), "ADD"},
		{"modify", FlowModify.String(), "MODIFY"},
		{"modify strict", FlowModifyStrict.String(), "MODIFY_STRICT"},
		{"delete", FlowDelete.String(), "DELETE"},
		{"delete strict", FlowDeleteStrict.String(), "DELETE_STRICT"},
		{"unknown", FlowModCommand(5).String(), "FlowModCommand(5)"},
		{"flags", (FlowSendFlowRem | FlowNoBytCounts).String(), "SEND_FLOW_REM|NO_BYT_COUNTS"},
		{"all flags", (FlowSendFlowRem | FlowCheckOverlap | FlowResetCounts | FlowNoPktCounts | FlowNoBytCounts | 0x100).String(),
			"SEND_FLOW_REM|CHECK_OVERLAP|RESET_COUNTS|NO_PKT_COUNTS|NO_BYT_COUNTS|0x100"},
		{"message", (&FlowMod{Command: FlowAdd, Priority: 9, Cookie: 1, BufferID: NoBuffer, OutPort: PortAny, OutGroup: GroupAny,
			Instructions: []Instruction{&ApplyActions{Actions: []Action{&Output{Port: 2}}}, &GotoTable{TableID: 3}}}).String(),
			"FLOW_MOD ADD table 0 priority 9 cookie 0x1/0x0 idle 0 hard 0 flags 0 instructions=output:2,goto_table:3"},
		{"match", func() string { fm, _ := benchNAT(); return fm.String() }(),
			"FLOW_MOD ADD table 0 priority 2000 cookie 0x100000200000003/0x0 idle 30 hard 0 flags SEND_FLOW_REM match tcp,nw_src=10.0.0.1,nw_dst=10.0.0.100,tp_src=41668,tp_dst=80 instructions=set_field:02:00:00:00:00:0b->eth_dst,set_field:10.0.1.11->ip_dst,output:2"},
		{"delete message", (&FlowMod{Command: FlowDelete, TableID: TableAll, BufferID: 4, OutPort: PortController, OutGroup: 7}).String(),
			"FLOW_MOD DELETE table 255 priority 0 cookie 0x0/0x0 idle 0 hard 0 flags 0 buffer 0x4 out_port CONTROLLER out_group 7 instructions=none"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestFlowModOVS(t *testing.T) {
	nat, _ := benchNAT()
	add := NewFlowMod(FlowAdd)
	add.Cookie, add.CookieMask, add.TableID = 0xabc, 0xfff, 1
	add.IdleTimeout, add.HardTimeout, add.Priority = 10, 60, 1000
	add.Flags = FlowSendFlowRem | FlowCheckOverlap | FlowResetCounts | FlowNoPktCounts | FlowNoBytCounts
	add.Instructions = []Instruction{&ApplyActions{Actions: []Action{&Output{Port: 2}}}, &GotoTable{TableID: 2}}
	out := ofpParse(t,
		mustMarshal(t, 0x10, add),
		mustMarshal(t, 0x11, &FlowMod{Command: FlowDeleteStrict, TableID: TableAll, Priority: 5, BufferID: NoBuffer, OutPort: 5, OutGroup: 9}),
		mustMarshal(t, 0x12, &FlowMod{Command: FlowModify, Cookie: 0x77, CookieMask: ^uint64(0), BufferID: 0x10, OutPort: PortAny, OutGroup: GroupAny,
			Instructions: []Instruction{&MeterInstruction{MeterID: 3}, &WriteActions{Actions: []Action{&Group{GroupID: 1}}}}}),
		mustMarshal(t, 0x13, &FlowMod{Command: FlowModifyStrict, Priority: 0xffff, BufferID: NoBuffer, OutPort: PortAny, OutGroup: GroupAny}),
		mustMarshal(t, 0x14, &FlowMod{Command: FlowDelete, TableID: 3, Cookie: 0x100, CookieMask: 0xff00, BufferID: NoBuffer, OutPort: PortAny, OutGroup: GroupAny}),
		mustMarshal(t, 0x15, nat))
	wantLines(t, out,
		"OFPT_FLOW_MOD (OF1.3) (xid=0x15): ADD priority=2000,tcp,nw_src=10.0.0.1,nw_dst=10.0.0.100,tp_src=41668,tp_dst=80 cookie:0x100000200000003 idle:30 send_flow_rem actions=set_field:02:00:00:00:00:0b->eth_dst,set_field:10.0.1.11->ip_dst,output:2",
		"OFPT_FLOW_MOD (OF1.3) (xid=0x10): ADD table:1 priority=1000 cookie:0xabc idle:10 hard:60 send_flow_rem check_overlap reset_counts no_packet_counts no_byte_counts actions=output:2,goto_table:2",
		"OFPT_FLOW_MOD (OF1.3) (xid=0x11): DEL_STRICT table:255 priority=5 out_port:5 actions=drop",
		"OFPT_FLOW_MOD (OF1.3) (xid=0x12): MOD priority=0 cookie:0x77/0xffffffffffffffff buf:0x10 actions=meter:3,write_actions(group:1)",
		"OFPT_FLOW_MOD (OF1.3) (xid=0x13): MOD_STRICT priority=65535 actions=drop",
		"OFPT_FLOW_MOD (OF1.3) (xid=0x14): DEL table:3 priority=0 cookie:0x100/0xff00 actions=drop")
}

// benchNAT returns the reactive load balancer's pair for a new flow: the
// forward FLOW_MOD (6-field exact match, rewrite of eth_dst and ipv4_dst,
// output) and the PACKET_OUT of the first packet with the same actions.
func benchNAT() (*FlowMod, *PacketOut) {
	backendMAC := MAC{0x02, 0, 0, 0, 0, 0x0b}
	backend := netip.MustParseAddr("10.0.1.11")
	actions := []Action{&SetField{Field: EthDst(backendMAC)}, &SetField{Field: IPv4Dst(backend)}, &Output{Port: 2}}
	fm := NewFlowMod(FlowAdd)
	fm.Cookie, fm.Priority, fm.IdleTimeout, fm.Flags = 0x0100000200000003, 2000, 30, FlowSendFlowRem
	fm.Match.SetEthType(EthTypeIPv4)
	fm.Match.SetIPProto(IPProtoTCP)
	fm.Match.SetIPv4Src(netip.MustParseAddr("10.0.0.1"))
	fm.Match.SetIPv4Dst(netip.MustParseAddr("10.0.0.100"))
	fm.Match.SetTCPSrc(41668)
	fm.Match.SetTCPDst(80)
	fm.Instructions = []Instruction{&ApplyActions{Actions: actions}}
	po := &PacketOut{BufferID: NoBuffer, InPort: 3, Actions: actions, Data: tcpSYN}
	return fm, po
}

func BenchmarkFlowModPacketOutEncode(b *testing.B) {
	fm, po := benchNAT()
	buf := make([]byte, 0, 4096)
	for _, bm := range []struct {
		name string
		msgs []Message
	}{
		{name: "FlowMod", msgs: []Message{fm}},
		{name: "PacketOut", msgs: []Message{po}},
		{name: "Both", msgs: []Message{fm, po}},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var err error
				buf = buf[:0]
				for _, m := range bm.msgs {
					if buf, err = Append(buf, 1, m); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// TestFlowModPacketOutEncodeAllocs: encoding the reactive NAT pair into a
// reused buffer allocates nothing.
func TestFlowModPacketOutEncodeAllocs(t *testing.T) {
	fm, po := benchNAT()
	buf := make([]byte, 0, 4096)
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		buf = buf[:0]
		if buf, err = Append(buf, 1, fm); err != nil {
			t.Fatal(err)
		}
		if buf, err = Append(buf, 2, po); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per FLOW_MOD + PACKET_OUT, want 0", allocs)
	}
}
