package openflow

import "testing"

func TestEchoWire(t *testing.T) {
	testMsgCases(t, []msgCase{
		{name: "request empty", msg: &EchoRequest{}, body: nil},
		{name: "request data", msg: &EchoRequest{Data: []byte{0xde, 0xad, 0xbe, 0xef}}, body: []byte{0xde, 0xad, 0xbe, 0xef}},
		{name: "reply empty", msg: &EchoReply{}, body: nil},
		{name: "reply data", msg: &EchoReply{Data: []byte("ping")}, body: []byte("ping")},
	})
}

func TestEchoReply(t *testing.T) {
	req := &EchoRequest{Data: []byte("abc")}
	if r := req.Reply(); string(r.Data) != "abc" {
		t.Fatalf("Reply().Data = %q", r.Data)
	}
}

func TestEchoOVS(t *testing.T) {
	out := ofpParse(t, mustMarshal(t, 0x30, &EchoRequest{Data: []byte("abc")}), mustMarshal(t, 0x31, &EchoReply{}))
	wantLines(t, out,
		"OFPT_ECHO_REQUEST (OF1.3) (xid=0x30): 3 bytes of payload",
		"00000000  61 62 63                                        |abc             |",
		"OFPT_ECHO_REPLY (OF1.3) (xid=0x31): 0 bytes of payload")
}
