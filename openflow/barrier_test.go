package openflow

import "testing"

func TestBarrierWire(t *testing.T) {
	testMsgCases(t, []msgCase{
		{name: "request", msg: &BarrierRequest{}, body: nil},
		{name: "reply", msg: &BarrierReply{}, body: nil},
	})
}

func TestBarrierBad(t *testing.T) {
	testBadBodies(t, func() Message { return new(BarrierRequest) }, []badBody{{name: "request with body", body: []byte{0}}})
	testBadBodies(t, func() Message { return new(BarrierReply) }, []badBody{{name: "reply with body", body: make([]byte, 8)}})
}

func TestBarrierOVS(t *testing.T) {
	out := ofpParse(t, mustMarshal(t, 0x80, &BarrierRequest{}), mustMarshal(t, 0x81, &BarrierReply{}))
	wantLines(t, out, "OFPT_BARRIER_REQUEST (OF1.3) (xid=0x80):", "OFPT_BARRIER_REPLY (OF1.3) (xid=0x81):")
}
