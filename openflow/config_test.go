package openflow

import "testing"

func TestConfigWire(t *testing.T) {
	testMsgCases(t, []msgCase{
		{name: "get request", msg: &GetConfigRequest{}, body: nil},
		{
			name: "get reply",
			msg:  &GetConfigReply{Flags: FragDrop, MissSendLen: 128},
			body: []byte{
				0x00, 0x01, // flags FRAG_DROP
				0x00, 0x80, // miss_send_len 128
			},
		},
		{
			name: "set no buffer",
			msg:  &SetConfig{Flags: FragNormal, MissSendLen: ControllerNoBuffer},
			body: []byte{
				0x00, 0x00, // flags FRAG_NORMAL
				0xff, 0xff, // miss_send_len OFPCML_NO_BUFFER
			},
		},
		{name: "set reasm", msg: &SetConfig{Flags: FragReasm, MissSendLen: 0}, body: []byte{0x00, 0x02, 0x00, 0x00}},
	})
}

func TestConfigBad(t *testing.T) {
	testBadBodies(t, func() Message { return new(GetConfigRequest) }, []badBody{
		{name: "request with body", body: []byte{0, 0, 0, 0}},
	})
	for _, newMsg := range []func() Message{func() Message { return new(GetConfigReply) }, func() Message { return new(SetConfig) }} {
		testBadBodies(t, newMsg, []badBody{
			{name: "empty", body: nil, eof: true},
			{name: "3 bytes", body: []byte{0, 0, 0}, eof: true},
			{name: "5 bytes", body: []byte{0, 0, 0, 0, 0}},
		})
	}
}

func TestConfigFlagsString(t *testing.T) {
	tests := []struct {
		name  string
		flags ConfigFlags
		want  string
	}{
		{"normal", FragNormal, "FRAG_NORMAL"},
		{"drop", FragDrop, "FRAG_DROP"},
		{"reasm", FragReasm, "FRAG_REASM"},
		{"mask", FragMask, "FRAG_MASK"},
		{"extra bits", FragDrop | 0x80, "FRAG_DROP|0x80"},
	}
	for _, tt := range tests {
		if got := tt.flags.String(); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestConfigOVS(t *testing.T) {
	out := ofpParse(t,
		mustMarshal(t, 0x70, &GetConfigRequest{}),
		mustMarshal(t, 0x71, &GetConfigReply{Flags: FragDrop, MissSendLen: 128}),
		mustMarshal(t, 0x72, &SetConfig{Flags: FragReasm, MissSendLen: ControllerNoBuffer}),
		mustMarshal(t, 0x73, &SetConfig{Flags: FragNormal, MissSendLen: 1}))
	wantLines(t, out,
		"OFPT_GET_CONFIG_REQUEST (OF1.3) (xid=0x70):",
		"OFPT_GET_CONFIG_REPLY (OF1.3) (xid=0x71): frags=drop miss_send_len=128",
		"OFPT_SET_CONFIG (OF1.3) (xid=0x72): frags=reassemble miss_send_len=65535",
		"OFPT_SET_CONFIG (OF1.3) (xid=0x73): frags=normal miss_send_len=1")
}
