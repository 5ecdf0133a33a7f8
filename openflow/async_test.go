package openflow

import (
	"strings"
	"testing"
)

var asyncBody = []byte{
	0x00, 0x00, 0x00, 0x03, // packet_in_mask[0] (master/equal): NO_MATCH|ACTION
	0x00, 0x00, 0x00, 0x00, // packet_in_mask[1] (slave): none
	0x00, 0x00, 0x00, 0x07, // port_status_mask[0]: ADD|DELETE|MODIFY
	0x00, 0x00, 0x00, 0x01, // port_status_mask[1]: ADD
	0x00, 0x00, 0x00, 0x0f, // flow_removed_mask[0]: IDLE|HARD|DELETE|GROUP_DELETE
	0x00, 0x00, 0x00, 0x02, // flow_removed_mask[1]: HARD
}

func TestAsyncWire(t *testing.T) {
	testMsgCases(t, []msgCase{
		{name: "get request", msg: &GetAsyncRequest{}, body: nil},
		{
			name: "get reply",
			msg:  &GetAsyncReply{PacketInMask: [2]uint32{3, 0}, PortStatusMask: [2]uint32{7, 1}, FlowRemovedMask: [2]uint32{15, 2}},
			body: asyncBody,
		},
		{
			name: "set",
			msg:  &SetAsync{PacketInMask: [2]uint32{3, 0}, PortStatusMask: [2]uint32{7, 1}, FlowRemovedMask: [2]uint32{15, 2}},
			body: asyncBody,
		},
		{name: "set zero", msg: &SetAsync{}, body: make([]byte, 24)},
	})
	want := "SET_ASYNC master: packet_in 0x3 port_status 0x7 flow_removed 0xf; slave: packet_in 0x0 port_status 0x1 flow_removed 0x2"
	if s := (&SetAsync{PacketInMask: [2]uint32{3, 0}, PortStatusMask: [2]uint32{7, 1}, FlowRemovedMask: [2]uint32{15, 2}}).String(); s != want {
		t.Errorf("String() = %q, want %q", s, want)
	}
	if s := (&GetAsyncReply{}).String(); !strings.HasPrefix(s, "GET_ASYNC_REPLY master:") {
		t.Errorf("String() = %q", s)
	}
}

func TestAsyncBad(t *testing.T) {
	testBadBodies(t, func() Message { return new(GetAsyncRequest) }, []badBody{{name: "request with body", body: []byte{1}}})
	for _, newMsg := range []func() Message{func() Message { return new(GetAsyncReply) }, func() Message { return new(SetAsync) }} {
		testBadBodies(t, newMsg, []badBody{
			{name: "empty", body: nil, eof: true},
			{name: "23 bytes", body: asyncBody[:23], eof: true},
			{name: "25 bytes", body: append(asyncBody[:24:24], 0)},
		})
	}
}

func TestAsyncOVS(t *testing.T) {
	out := ofpParse(t,
		mustMarshal(t, 0xa0, &GetAsyncRequest{}),
		mustMarshal(t, 0xa1, &SetAsync{PacketInMask: [2]uint32{1, 2}, PortStatusMask: [2]uint32{4, 1}, FlowRemovedMask: [2]uint32{8, 1}}))
	wantLines(t, out, "OFPT_GET_ASYNC_REQUEST (OF1.3) (xid=0xa0):", "OFPT_SET_ASYNC (OF1.3) (xid=0xa1):")
	// OVS prints primary then secondary; check each section's lines in order.
	_, sec, ok := strings.Cut(out, "secondary:")
	prim, _, _ := strings.Cut(out, "secondary:")
	if !ok {
		t.Fatalf("no secondary section:\n%s", out)
	}
	wantLines(t, prim, "PACKET_IN: no_match", "PORT_STATUS: modify", "FLOW_REMOVED: group_delete")
	wantLines(t, sec, "PACKET_IN: action", "PORT_STATUS: add", "FLOW_REMOVED: idle")

	out = ofpParse(t, mustMarshal(t, 0xa2, &GetAsyncReply{PacketInMask: [2]uint32{3, 0}, PortStatusMask: [2]uint32{7, 7}, FlowRemovedMask: [2]uint32{15, 0}}))
	prim, sec, _ = strings.Cut(out, "secondary:")
	wantLines(t, prim, "OFPT_GET_ASYNC_REPLY (OF1.3) (xid=0xa2):", "PACKET_IN: no_match action", "PORT_STATUS: add delete modify", "FLOW_REMOVED: idle hard delete group_delete")
	wantLines(t, sec, "PACKET_IN: (off)", "PORT_STATUS: add delete modify", "FLOW_REMOVED: (off)")
}
