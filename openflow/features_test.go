package openflow

import "testing"

func TestFeaturesWire(t *testing.T) {
	testMsgCases(t, []msgCase{
		{name: "request", msg: &FeaturesRequest{}, body: nil},
		{
			name: "reply",
			msg: &FeaturesReply{DatapathID: 0x0000aabbccddeeff, NBuffers: 256, NTables: 254, AuxiliaryID: 1,
				Capabilities: CapFlowStats | CapTableStats | CapPortStats | CapGroupStats | CapQueueStats | CapPortBlocked},
			body: []byte{
				0x00, 0x00, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, // datapath_id
				0x00, 0x00, 0x01, 0x00, // n_buffers 256
				0xfe,       // n_tables 254
				0x01,       // auxiliary_id 1
				0x00, 0x00, // pad
				0x00, 0x00, 0x01, 0x4f, // capabilities
				0x00, 0x00, 0x00, 0x00, // reserved
			},
		},
		{name: "reply zero", msg: &FeaturesReply{}, body: make([]byte, 24)},
	})
	want := "FEATURES_REPLY dpid 0000000000000001 buffers 0 tables 1 aux 0 capabilities FLOW_STATS|IP_REASM"
	if s := (&FeaturesReply{DatapathID: 1, NTables: 1, Capabilities: CapFlowStats | CapIPReasm}).String(); s != want {
		t.Errorf("String() = %q, want %q", s, want)
	}
}

func TestFeaturesBad(t *testing.T) {
	testBadBodies(t, func() Message { return new(FeaturesRequest) }, []badBody{
		{name: "request with body", body: []byte{0}},
	})
	testBadBodies(t, func() Message { return new(FeaturesReply) }, []badBody{
		{name: "empty", body: nil, eof: true},
		{name: "23 bytes", body: make([]byte, 23), eof: true},
		{name: "25 bytes", body: make([]byte, 25)},
		{name: "1.0-style ports after the fixed part", body: make([]byte, 24+48)},
	})
}

func TestFeaturesOVS(t *testing.T) {
	out := ofpParse(t,
		mustMarshal(t, 0x60, &FeaturesRequest{}),
		mustMarshal(t, 0x61, &FeaturesReply{DatapathID: 0x0000aabbccddeeff, NBuffers: 256, NTables: 254, AuxiliaryID: 1,
			Capabilities: CapFlowStats | CapTableStats | CapPortStats | CapGroupStats | CapQueueStats | CapPortBlocked}))
	wantLines(t, out,
		"OFPT_FEATURES_REQUEST (OF1.3) (xid=0x60):",
		"OFPT_FEATURES_REPLY (OF1.3) (xid=0x61): dpid:0000aabbccddeeff",
		"n_tables:254, n_buffers:256, auxiliary_id:1",
		"capabilities: FLOW_STATS TABLE_STATS PORT_STATS GROUP_STATS QUEUE_STATS PORT_BLOCKED")
}
