package openflow

import "testing"

func TestExperimenterWire(t *testing.T) {
	testMsgCases(t, []msgCase{
		{
			name: "with data",
			msg:  &Experimenter{ID: 0x00d0f0, ExpType: 7, Data: []byte{1, 2, 3}},
			body: []byte{
				0x00, 0x00, 0xd0, 0xf0, // experimenter id
				0x00, 0x00, 0x00, 0x07, // exp_type
				0x01, 0x02, 0x03, // data
			},
		},
		{
			name: "no data",
			msg:  &Experimenter{ID: 0xffffffff, ExpType: 0xffffffff},
			body: []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		},
		{
			name: "registered id, unregistered type",
			msg:  &Experimenter{ID: 0x2320, ExpType: 0x7fff, Data: []byte{9}},
			body: []byte{0x00, 0x00, 0x23, 0x20, 0x00, 0x00, 0x7f, 0xff, 0x09},
		},
	})
	if s := (&Experimenter{ID: 0x2320, ExpType: 3, Data: []byte{1}}).String(); s != "EXPERIMENTER id 0x2320 type 3, 1 bytes" {
		t.Errorf("String() = %q", s)
	}
}

func TestExperimenterBad(t *testing.T) {
	testBadBodies(t, func() Message { return new(Experimenter) }, []badBody{
		{name: "empty", body: nil, eof: true},
		{name: "id only", body: []byte{0, 0, 0x23, 0x20}, eof: true},
		{name: "seven bytes", body: []byte{0, 0, 0x23, 0x20, 0, 0, 0}, eof: true},
	})
}

// TestExperimenterOVS sends a generic experimenter message that happens to
// be a Nicira message OVS knows, so that OVS checks the framing.
func TestExperimenterOVS(t *testing.T) {
	m := &Experimenter{ID: 0x2320, ExpType: 20, Data: []byte{0, 0, 0, 0, 0, 0, 0x01, 0x02}}
	out := ofpParse(t, mustMarshal(t, 0x40, m))
	wantLines(t, out, "NXT_SET_CONTROLLER_ID (OF1.3) (xid=0x40): id=258")
}
