package openflow

import (
	"reflect"
	"testing"
)

func TestNXSetControllerIDWire(t *testing.T) {
	testMsgCases(t, []msgCase{
		{
			name: "id 42",
			msg:  &NXSetControllerID{ID: 42},
			body: []byte{
				0x00, 0x00, 0x23, 0x20, // experimenter NX_VENDOR_ID
				0x00, 0x00, 0x00, 0x14, // subtype NXT_SET_CONTROLLER_ID (20)
				0, 0, 0, 0, 0, 0, // pad
				0x00, 0x2a, // controller_id
			},
		},
		{name: "id 0", msg: &NXSetControllerID{}, body: []byte{0, 0, 0x23, 0x20, 0, 0, 0, 0x14, 0, 0, 0, 0, 0, 0, 0, 0}},
	})
	// A registered experimenter message decodes to its own type.
	_, m, err := Unmarshal(mustMarshal(t, 1, &NXSetControllerID{ID: 7}))
	if err != nil || !reflect.DeepEqual(m, &NXSetControllerID{ID: 7}) {
		t.Fatalf("Unmarshal = %#v, %v", m, err)
	}
	if s := (&NXSetControllerID{ID: 7}).String(); s != "NXT_SET_CONTROLLER_ID id 7" {
		t.Errorf("String() = %q", s)
	}
	if s := NXTSetControllerID.String(); s != "NXT_SET_CONTROLLER_ID" {
		t.Errorf("subtype String() = %q", s)
	}
}

func TestNXSetControllerIDBad(t *testing.T) {
	good := []byte{0, 0, 0x23, 0x20, 0, 0, 0, 0x14, 0, 0, 0, 0, 0, 0, 0, 0x2a}
	testBadBodies(t, func() Message { return new(NXSetControllerID) }, []badBody{
		{name: "short", body: good[:15], eof: true},
		{name: "header only", body: good[:8], eof: true},
		{name: "long", body: append(good[:16:16], 0)},
	})
	// The registry routes on id and subtype, so a direct UnmarshalBinary is
	// the only way to hand it another message: it must refuse.
	for _, body := range [][]byte{
		{0, 0, 0x23, 0x21, 0, 0, 0, 0x14, 0, 0, 0, 0, 0, 0, 0, 0x2a},
		{0, 0, 0x23, 0x20, 0, 0, 0, 0x15, 0, 0, 0, 0, 0, 0, 0, 0x2a},
	} {
		var m NXSetControllerID
		if err := m.UnmarshalBinary(body); err == nil {
			t.Errorf("UnmarshalBinary(% x) accepted", body)
		}
	}
}

func TestNXSetControllerIDOVS(t *testing.T) {
	out := ofpParse(t, mustMarshal(t, 0x50, &NXSetControllerID{ID: 42}), mustMarshal(t, 0x51, &NXSetControllerID{ID: 0xffff}))
	wantLines(t, out,
		"NXT_SET_CONTROLLER_ID (OF1.3) (xid=0x50): id=42",
		"NXT_SET_CONTROLLER_ID (OF1.3) (xid=0x51): id=65535")
}
