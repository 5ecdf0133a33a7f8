package openflow

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// rawAction is an action given as its encoded bytes: it lets encoder tests
// put actions into buckets independently of the action codec.
type rawAction []byte

func (a rawAction) ActionType() ActionType { return ActionType(binary.BigEndian.Uint16(a)) }
func (a rawAction) AppendBinary(b []byte) ([]byte, error) {
	return append(b, a...), nil
}
func (a rawAction) UnmarshalBinary([]byte) error { return errors.New("rawAction is encode-only") }

// rawOutput is ofp_action_output to port with max_len, as bytes.
func rawOutput(port uint32, maxLen uint16) rawAction {
	b := []byte{0x00, 0x00, 0x00, 0x10} // type OUTPUT, len 16
	b = binary.BigEndian.AppendUint32(b, port)
	b = binary.BigEndian.AppendUint16(b, maxLen)
	return append(b, 0, 0, 0, 0, 0, 0) // pad
}

// hexBytes concatenates byte groups, so that vectors can be written one
// field per line.
func hexBytes(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestGroupModEncoding(t *testing.T) {
	tests := []struct {
		name string
		msg  *GroupMod
		want []byte
	}{
		{
			name: "delete all groups",
			msg:  &GroupMod{Command: GroupDelete, GroupType: GroupTypeAll, GroupID: GroupAll},
			want: hexBytes(
				[]byte{0x04, 0x0f, 0x00, 0x10, 0x12, 0x34, 0x56, 0x78}, // header: v1.3 GROUP_MOD len 16
				[]byte{0x00, 0x02},             // command DELETE
				[]byte{0x00},                   // type ALL
				[]byte{0x00},                   // pad
				[]byte{0xff, 0xff, 0xff, 0xfc}, // group_id ALL
			),
		},
		{
			name: "select group with two weighted buckets",
			msg: &GroupMod{
				Command: GroupAdd, GroupType: GroupTypeSelect, GroupID: 7,
				Buckets: []Bucket{
					{Weight: 10, WatchPort: PortAny, WatchGroup: GroupAny},
					{Weight: 300, WatchPort: 3, WatchGroup: 9},
				},
			},
			want: hexBytes(
				[]byte{0x04, 0x0f, 0x00, 0x30, 0x12, 0x34, 0x56, 0x78}, // header: len 48
				[]byte{0x00, 0x00},             // command ADD
				[]byte{0x01},                   // type SELECT
				[]byte{0x00},                   // pad
				[]byte{0x00, 0x00, 0x00, 0x07}, // group_id 7
				// bucket 1
				[]byte{0x00, 0x10},             // len 16
				[]byte{0x00, 0x0a},             // weight 10
				[]byte{0xff, 0xff, 0xff, 0xff}, // watch_port ANY
				[]byte{0xff, 0xff, 0xff, 0xff}, // watch_group ANY
				[]byte{0x00, 0x00, 0x00, 0x00}, // pad
				// bucket 2
				[]byte{0x00, 0x10},             // len 16
				[]byte{0x01, 0x2c},             // weight 300
				[]byte{0x00, 0x00, 0x00, 0x03}, // watch_port 3
				[]byte{0x00, 0x00, 0x00, 0x09}, // watch_group 9
				[]byte{0x00, 0x00, 0x00, 0x00}, // pad
			),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := roundTrip(t, tt.msg)
			if !bytes.Equal(got, tt.want) {
				t.Fatalf("encoding:\n got % x\nwant % x", got, tt.want)
			}
		})
	}
}

func TestBucketActionsEncoding(t *testing.T) {
	m := &GroupMod{Command: GroupModify, GroupType: GroupTypeFastFailover, GroupID: 1,
		Buckets: []Bucket{{WatchPort: 2, WatchGroup: GroupAny, Actions: []Action{&Output{Port: 2}}}}}
	want := hexBytes(
		[]byte{0x04, 0x0f, 0x00, 0x30, 0x12, 0x34, 0x56, 0x78}, // header: len 48
		[]byte{0x00, 0x01, 0x03, 0x00},                         // command MODIFY, type FF, pad
		[]byte{0x00, 0x00, 0x00, 0x01},                         // group_id 1
		[]byte{0x00, 0x20, 0x00, 0x00},                         // bucket len 32 (actions counted), weight 0
		[]byte{0x00, 0x00, 0x00, 0x02},                         // watch_port 2
		[]byte{0xff, 0xff, 0xff, 0xff},                         // watch_group ANY
		[]byte{0x00, 0x00, 0x00, 0x00},                         // pad
		rawOutput(2, 0),                                        // output:2
	)
	got := roundTrip(t, m)
	if !bytes.Equal(got, want) {
		t.Fatalf("encoding:\n got % x\nwant % x", got, want)
	}
}

func TestGroupModActionsRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		msg  *GroupMod
	}{
		{
			name: "select with nat-like buckets",
			msg: &GroupMod{Command: GroupAdd, GroupType: GroupTypeSelect, GroupID: 10, Buckets: []Bucket{
				{Weight: 1, WatchPort: PortAny, WatchGroup: GroupAny, Actions: []Action{&SetQueue{QueueID: 1}, &Output{Port: 1}}},
				{Weight: 2, WatchPort: PortAny, WatchGroup: GroupAny, Actions: []Action{&PopVLAN{}, &Output{Port: 2}}},
				{Weight: 3, WatchPort: PortAny, WatchGroup: GroupAny, Actions: []Action{&Group{GroupID: 11}}},
			}},
		},
		{
			name: "all group to controller and flood",
			msg: &GroupMod{Command: GroupModify, GroupType: GroupTypeAll, GroupID: 11, Buckets: []Bucket{
				{WatchPort: PortAny, WatchGroup: GroupAny, Actions: []Action{&Output{Port: PortController, MaxLen: ControllerNoBuffer}}},
				{WatchPort: PortAny, WatchGroup: GroupAny, Actions: []Action{&Output{Port: PortFlood}}},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			roundTrip(t, tt.msg)
		})
	}
}

// TestGroupModOVS checks our encoding against what Open vSwitch decodes.
func TestGroupModOVS(t *testing.T) {
	tests := []struct {
		name string
		msg  *GroupMod
		want string
	}{
		{
			name: "select buckets with weights",
			msg: &GroupMod{Command: GroupAdd, GroupType: GroupTypeSelect, GroupID: 7, Buckets: []Bucket{
				{Weight: 10, WatchPort: PortAny, WatchGroup: GroupAny, Actions: []Action{&Output{Port: 1}}},
				{Weight: 30, WatchPort: PortAny, WatchGroup: GroupAny, Actions: []Action{&Output{Port: 2}}},
			}},
			want: "ADD group_id=7,type=select,bucket=weight:10,actions=output:1,bucket=weight:30,actions=output:2",
		},
		{
			name: "fast failover with watch ports",
			msg: &GroupMod{Command: GroupModify, GroupType: GroupTypeFastFailover, GroupID: 8, Buckets: []Bucket{
				{WatchPort: 1, WatchGroup: GroupAny, Actions: []Action{&Output{Port: 1}}},
				{WatchPort: 2, WatchGroup: 3, Actions: []Action{&Output{Port: 2}}},
			}},
			want: "MOD group_id=8,type=ff,bucket=watch_port:1,actions=output:1,bucket=watch_port:2,watch_group:3,actions=output:2",
		},
		{
			name: "indirect",
			msg: &GroupMod{Command: GroupAdd, GroupType: GroupTypeIndirect, GroupID: 1, Buckets: []Bucket{
				{WatchPort: PortAny, WatchGroup: GroupAny, Actions: []Action{&Output{Port: PortController, MaxLen: ControllerNoBuffer}}},
			}},
			want: "ADD group_id=1,type=indirect,bucket=actions=CONTROLLER:65535",
		},
		{
			name: "delete all",
			msg:  &GroupMod{Command: GroupDelete, GroupID: GroupAll},
			want: "DEL group_id=4294967292,type=all", // OVS prints OFPG_ALL in decimal here
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := ofpParse(t, mustMarshal(t, 0x42, tt.msg))
			if !strings.Contains(out, "OFPT_GROUP_MOD (OF1.3) (xid=0x42)") || !strings.Contains(out, tt.want) {
				t.Fatalf("ovs-ofctl printed:\n%s\nwant it to contain %q", out, tt.want)
			}
		})
	}
}

func TestGroupModDecodeErrors(t *testing.T) {
	fixed := []byte{0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x07} // ADD SELECT group 7
	tests := []struct {
		name string
		body []byte
		eof  bool // the error must wrap io.ErrUnexpectedEOF
	}{
		{name: "empty", body: nil, eof: true},
		{name: "short fixed part", body: fixed[:7], eof: true},
		{name: "bucket shorter than its header", body: hexBytes(fixed, []byte{0x00, 0x10, 0x00, 0x00}), eof: true},
		{name: "bucket length below 16", body: hexBytes(fixed,
			[]byte{0x00, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})},
		{name: "bucket length zero", body: hexBytes(fixed,
			[]byte{0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})},
		{name: "bucket length past the list", body: hexBytes(fixed,
			[]byte{0x00, 0x18, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}), eof: true},
		{name: "second bucket truncated", body: hexBytes(fixed,
			[]byte{0x00, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
			[]byte{0x00, 0x10, 0, 0}), eof: true},
	}
	cases := make([]badDecode, len(tests))
	for i, tt := range tests {
		cases[i] = badDecode{name: tt.name, msg: &GroupMod{GroupID: 99, Buckets: []Bucket{{Weight: 1}}}, body: tt.body, eof: tt.eof}
	}
	testBadDecodes(t, cases)
}

func TestGroupModUnmarshalReplaces(t *testing.T) {
	m := GroupMod{Command: GroupDelete, GroupType: GroupTypeSelect, GroupID: 5, Buckets: []Bucket{{Weight: 1}}}
	if err := m.UnmarshalBinary([]byte{0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01}); err != nil {
		t.Fatal(err)
	}
	want := GroupMod{Command: GroupAdd, GroupType: GroupTypeIndirect, GroupID: 1}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("got %+v, want %+v", m, want)
	}
}

func TestBucketsHelpers(t *testing.T) {
	in := []Bucket{{Weight: 1, WatchPort: PortAny, WatchGroup: GroupAny}, {Weight: 2, WatchPort: 4, WatchGroup: 5}}
	b, err := AppendBuckets([]byte{0xaa}, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 1+2*BucketLen || b[0] != 0xaa {
		t.Fatalf("AppendBuckets did not append: % x", b)
	}
	out, err := DecodeBuckets(b[1:])
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Fatalf("got %+v, want %+v", out, in)
	}
	if got, err := DecodeBuckets(nil); got != nil || err != nil {
		t.Fatalf("DecodeBuckets(nil) = %#v, %v; want nil, nil", got, err)
	}
	failing := []Bucket{{Actions: []Action{failAction{}}}}
	b, err = AppendBuckets([]byte{1, 2, 3}, failing)
	if err == nil || len(b) != 3 {
		t.Fatalf("AppendBuckets with a failing action = % x, %v; want the input back and an error", b, err)
	}
}

// failAction is an action whose encoding fails.
type failAction struct{}

func (failAction) ActionType() ActionType { return 0xfffe }
func (failAction) AppendBinary(b []byte) ([]byte, error) {
	return append(b, 1, 2, 3), errors.New("no encoding")
}
func (failAction) UnmarshalBinary([]byte) error { return errors.New("no decoding") }

func TestGroupEnumStrings(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{name: "command add", got: GroupAdd.String(), want: "ADD"},
		{name: "command delete", got: GroupDelete.String(), want: "DELETE"},
		{name: "command unknown", got: GroupModCommand(9).String(), want: "GroupModCommand(9)"},
		{name: "type select", got: GroupTypeSelect.String(), want: "SELECT"},
		{name: "type ff", got: GroupTypeFastFailover.String(), want: "FF"},
		{name: "type unknown", got: GroupType(7).String(), want: "GroupType(7)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Fatalf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

// checkBodyRoundTrip is the fuzz oracle for a message body: if it decodes,
// it must encode, decode back equal, and encode to the same bytes again.
func checkBodyRoundTrip(t *testing.T, body []byte, newMsg func() Message) {
	t.Helper()
	m := newMsg()
	if err := m.UnmarshalBinary(body); err != nil {
		return
	}
	b1, err := m.AppendBinary(nil)
	if err != nil {
		t.Fatalf("decoded %#v but cannot encode it: %v", m, err)
	}
	m2 := newMsg()
	if err := m2.UnmarshalBinary(b1); err != nil {
		t.Fatalf("cannot decode our own encoding % x: %v", b1, err)
	}
	if !reflect.DeepEqual(m, m2) {
		t.Fatalf("decode of re-encoding differs:\n got %#v\nwant %#v", m2, m)
	}
	b2, err := m2.AppendBinary(nil)
	if err != nil {
		t.Fatalf("second encoding: %v", err)
	}
	if !bytes.Equal(b1, b2) {
		t.Fatalf("re-encoding differs:\n% x\n% x", b1, b2)
	}
}

func FuzzGroupMod(f *testing.F) {
	// Seeds (more in testdata/fuzz/FuzzGroupMod): a delete without
	// buckets and a select group with one bucket.
	f.Add([]byte{0x00, 0x02, 0x00, 0x00, 0xff, 0xff, 0xff, 0xfc})
	f.Add(hexBytes([]byte{0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x07},
		[]byte{0x00, 0x20, 0x00, 0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0},
		rawOutput(1, 0)))
	f.Fuzz(func(t *testing.T, body []byte) {
		checkBodyRoundTrip(t, body, func() Message { return new(GroupMod) })
	})
}
