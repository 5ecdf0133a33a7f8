package openflow

import "testing"

func TestRoleWire(t *testing.T) {
	testMsgCases(t, []msgCase{
		{
			name: "request master",
			msg:  &RoleRequest{Role: RoleMaster, GenerationID: 7},
			body: []byte{
				0x00, 0x00, 0x00, 0x02, // role MASTER
				0, 0, 0, 0, // pad
				0, 0, 0, 0, 0, 0, 0, 0x07, // generation_id
			},
		},
		{name: "request nochange", msg: &RoleRequest{}, body: make([]byte, 16)},
		{
			name: "reply slave",
			msg:  &RoleReply{Role: RoleSlave, GenerationID: 0x0102030405060708},
			body: []byte{0, 0, 0, 0x03, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8},
		},
		{name: "reply unknown role", msg: &RoleReply{Role: 9}, body: []byte{0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
	})
}

func TestRoleBad(t *testing.T) {
	for _, newMsg := range []func() Message{func() Message { return new(RoleRequest) }, func() Message { return new(RoleReply) }} {
		testBadBodies(t, newMsg, []badBody{
			{name: "empty", body: nil, eof: true},
			{name: "15 bytes", body: make([]byte, 15), eof: true},
			{name: "17 bytes", body: make([]byte, 17)},
		})
	}
}

func TestRoleStrings(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"nochange", RoleNoChange.String(), "NOCHANGE"},
		{"equal", RoleEqual.String(), "EQUAL"},
		{"master", RoleMaster.String(), "MASTER"},
		{"slave", RoleSlave.String(), "SLAVE"},
		{"unknown", ControllerRole(4).String(), "ControllerRole(4)"},
		{"request", (&RoleRequest{Role: RoleMaster, GenerationID: 3}).String(), "ROLE_REQUEST MASTER generation 3"},
		{"reply", (&RoleReply{Role: RoleSlave, GenerationID: 4}).String(), "ROLE_REPLY SLAVE generation 4"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestRoleOVS(t *testing.T) {
	out := ofpParse(t,
		mustMarshal(t, 0x90, &RoleRequest{Role: RoleMaster, GenerationID: 7}),
		mustMarshal(t, 0x91, &RoleRequest{Role: RoleEqual}),
		mustMarshal(t, 0x92, &RoleReply{Role: RoleSlave, GenerationID: 12}),
		mustMarshal(t, 0x93, &RoleRequest{Role: RoleNoChange, GenerationID: 1}))
	// OVS calls MASTER/SLAVE primary/secondary.
	wantLines(t, out,
		"OFPT_ROLE_REQUEST (OF1.3) (xid=0x90): role=primary generation_id=7",
		"OFPT_ROLE_REQUEST (OF1.3) (xid=0x91): role=equal generation_id=0",
		"OFPT_ROLE_REPLY (OF1.3) (xid=0x92): role=secondary generation_id=12",
		"OFPT_ROLE_REQUEST (OF1.3) (xid=0x93): role=nochange")
}
