package openflow

import (
	"testing"
)

func TestPacketOutWire(t *testing.T) {
	testMsgCases(t, []msgCase{
		{
			name: "unbuffered, one output",
			msg:  &PacketOut{BufferID: NoBuffer, InPort: PortController, Actions: []Action{&Output{Port: 2}}, Data: tcpSYN},
			body: cat([]byte{
				0xff, 0xff, 0xff, 0xff, // buffer_id NO_BUFFER
				0xff, 0xff, 0xff, 0xfd, // in_port CONTROLLER
				0x00, 0x10, // actions_len 16
				0, 0, 0, 0, 0, 0, // pad
				0x00, 0x00, 0x00, 0x10, // OFPAT_OUTPUT, len 16
				0x00, 0x00, 0x00, 0x02, // port 2
				0x00, 0x00, // max_len 0
				0, 0, 0, 0, 0, 0, // pad
			}, tcpSYN),
		},
		{
			name: "buffered, group then output to in_port",
			msg:  &PacketOut{BufferID: 0x55, InPort: 3, Actions: []Action{&Group{GroupID: 9}, &Output{Port: PortInPort, MaxLen: ControllerNoBuffer}}},
			body: []byte{
				0x00, 0x00, 0x00, 0x55, // buffer_id
				0x00, 0x00, 0x00, 0x03, // in_port 3
				0x00, 0x18, // actions_len 24
				0, 0, 0, 0, 0, 0, // pad
				0x00, 0x16, 0x00, 0x08, 0x00, 0x00, 0x00, 0x09, // OFPAT_GROUP 9
				0x00, 0x00, 0x00, 0x10, 0xff, 0xff, 0xff, 0xf8, 0xff, 0xff, 0, 0, 0, 0, 0, 0, // OUTPUT IN_PORT
			},
		},
		{
			name: "no actions (drop)",
			msg:  &PacketOut{BufferID: NoBuffer, InPort: 1, Data: []byte{1, 2, 3}},
			body: []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3},
		},
	})
}

func TestPacketOutBad(t *testing.T) {
	testBadBodies(t, func() Message { return new(PacketOut) }, []badBody{
		{name: "empty", body: nil, eof: true},
		{name: "fixed part cut", body: make([]byte, 15), eof: true},
		{name: "actions_len beyond body", body: []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}, eof: true},
		{name: "actions_len cuts an action", body: []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0, 0x08, 0, 0, 0, 0, 0, 0,
			0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0}, eof: true},
		{name: "action of length 0", body: []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0, 0x08, 0, 0, 0, 0, 0, 0,
			0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02}},
	})
}

func TestPacketOutString(t *testing.T) {
	tests := []struct {
		name string
		msg  *PacketOut
		want string
	}{
		{"unbuffered", &PacketOut{BufferID: NoBuffer, InPort: PortController, Actions: []Action{&Output{Port: 2}}, Data: tcpSYN},
			"PACKET_OUT in_port CONTROLLER buffer NONE actions=output:2 data 74 bytes"},
		{"drop", &PacketOut{BufferID: 7, InPort: 1}, "PACKET_OUT in_port 1 buffer 0x7 actions=drop data 0 bytes"},
	}
	for _, tt := range tests {
		if got := tt.msg.String(); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestPacketOutOVS(t *testing.T) {
	_, nat := benchNAT()
	out := ofpParse(t,
		mustMarshal(t, 0x10, &PacketOut{BufferID: NoBuffer, InPort: PortController, Actions: []Action{&Output{Port: 2}}, Data: tcpSYN}),
		mustMarshal(t, 0x11, &PacketOut{BufferID: 0x55, InPort: 3, Actions: []Action{&Group{GroupID: 9}, &Output{Port: PortInPort}}}),
		mustMarshal(t, 0x12, &PacketOut{BufferID: NoBuffer, InPort: PortLocal, Data: tcpSYN}),
		mustMarshal(t, 0x13, nat))
	wantLines(t, out,
		"OFPT_PACKET_OUT (OF1.3) (xid=0x13): in_port=3 actions=set_field:02:00:00:00:00:0b->eth_dst,set_field:10.0.1.11->ip_dst,output:2 data_len=74",
		"OFPT_PACKET_OUT (OF1.3) (xid=0x10): in_port=CONTROLLER actions=output:2 data_len=74",
		"tcp,vlan_tci=0x0000,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.100,nw_tos=0,nw_ecn=0,nw_ttl=64,nw_frag=no,tp_src=41668,tp_dst=80,tcp_flags=syn tcp_csum:4aa8",
		"OFPT_PACKET_OUT (OF1.3) (xid=0x11): in_port=3 actions=group:9,IN_PORT buffer=0x00000055",
		"OFPT_PACKET_OUT (OF1.3) (xid=0x12): in_port=LOCAL actions=drop data_len=74")
}
