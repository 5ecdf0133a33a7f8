package openflow

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// actJoin concatenates byte groups, so that vectors can be written one
// field per line.
func actJoin(groups ...[]byte) []byte { return bytes.Join(groups, nil) }

// actionCase is one action with its expected encoding and ovs-ofctl text.
type actionCase struct {
	name   string
	action Action
	want   []byte
	text   string // String(), as ovs-ofctl prints the action
	noOVS  bool   // Open vSwitch does not implement the action
}

// standardActionCases covers every OpenFlow 1.3 action type.
func standardActionCases() []actionCase {
	return []actionCase{
		{
			name:   "output to port",
			action: &Output{Port: 1},
			want: actJoin(
				[]byte{0x00, 0x00, 0x00, 0x10},             // type OUTPUT, len 16
				[]byte{0x00, 0x00, 0x00, 0x01},             // port 1
				[]byte{0x00, 0x00},                         // max_len 0
				[]byte{0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, // pad
			),
			text: "output:1",
		},
		{
			name:   "output to controller",
			action: &Output{Port: PortController, MaxLen: ControllerNoBuffer},
			want: actJoin(
				[]byte{0x00, 0x00, 0x00, 0x10},             // type OUTPUT, len 16
				[]byte{0xff, 0xff, 0xff, 0xfd},             // port CONTROLLER
				[]byte{0xff, 0xff},                         // max_len NO_BUFFER
				[]byte{0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, // pad
			),
			text: "CONTROLLER:65535",
		},
		{
			name:   "output normal",
			action: &Output{Port: PortNormal},
			want: actJoin(
				[]byte{0x00, 0x00, 0x00, 0x10},             // type OUTPUT, len 16
				[]byte{0xff, 0xff, 0xff, 0xfa},             // port NORMAL
				[]byte{0x00, 0x00},                         // max_len 0
				[]byte{0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, // pad
			),
			text: "NORMAL",
		},
		{
			name:   "output in_port",
			action: &Output{Port: PortInPort},
			want: actJoin(
				[]byte{0x00, 0x00, 0x00, 0x10},             // type OUTPUT, len 16
				[]byte{0xff, 0xff, 0xff, 0xf8},             // port IN_PORT
				[]byte{0x00, 0x00},                         // max_len 0
				[]byte{0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, // pad
			),
			text: "IN_PORT",
		},
		{
			name:   "copy ttl out",
			action: &CopyTTLOut{},
			want: actJoin(
				[]byte{0x00, 0x0b, 0x00, 0x08}, // type COPY_TTL_OUT, len 8
				[]byte{0x00, 0x00, 0x00, 0x00}, // pad
			),
			text:  "copy_ttl_out",
			noOVS: true,
		},
		{
			name:   "copy ttl in",
			action: &CopyTTLIn{},
			want: actJoin(
				[]byte{0x00, 0x0c, 0x00, 0x08}, // type COPY_TTL_IN, len 8
				[]byte{0x00, 0x00, 0x00, 0x00}, // pad
			),
			text:  "copy_ttl_in",
			noOVS: true,
		},
		{
			name:   "set mpls ttl",
			action: &SetMPLSTTL{TTL: 63},
			want: actJoin(
				[]byte{0x00, 0x0f, 0x00, 0x08}, // type SET_MPLS_TTL, len 8
				[]byte{0x3f},                   // mpls_ttl 63
				[]byte{0x00, 0x00, 0x00},       // pad
			),
			text: "set_mpls_ttl(63)",
		},
		{
			name:   "dec mpls ttl",
			action: &DecMPLSTTL{},
			want: actJoin(
				[]byte{0x00, 0x10, 0x00, 0x08}, // type DEC_MPLS_TTL, len 8
				[]byte{0x00, 0x00, 0x00, 0x00}, // pad
			),
			text: "dec_mpls_ttl",
		},
		{
			name:   "push vlan",
			action: &PushVLAN{EtherType: 0x8100},
			want: actJoin(
				[]byte{0x00, 0x11, 0x00, 0x08}, // type PUSH_VLAN, len 8
				[]byte{0x81, 0x00},             // ethertype 802.1Q
				[]byte{0x00, 0x00},             // pad
			),
			text: "push_vlan:0x8100",
		},
		{
			name:   "pop vlan",
			action: &PopVLAN{},
			want: actJoin(
				[]byte{0x00, 0x12, 0x00, 0x08}, // type POP_VLAN, len 8
				[]byte{0x00, 0x00, 0x00, 0x00}, // pad
			),
			text: "pop_vlan",
		},
		{
			name:   "push mpls",
			action: &PushMPLS{EtherType: 0x8847},
			want: actJoin(
				[]byte{0x00, 0x13, 0x00, 0x08}, // type PUSH_MPLS, len 8
				[]byte{0x88, 0x47},             // ethertype MPLS unicast
				[]byte{0x00, 0x00},             // pad
			),
			text: "push_mpls:0x8847",
		},
		{
			name:   "pop mpls",
			action: &PopMPLS{EtherType: 0x0800},
			want: actJoin(
				[]byte{0x00, 0x14, 0x00, 0x08}, // type POP_MPLS, len 8
				[]byte{0x08, 0x00},             // ethertype IPv4
				[]byte{0x00, 0x00},             // pad
			),
			text: "pop_mpls:0x0800",
		},
		{
			name:   "set queue",
			action: &SetQueue{QueueID: 3},
			want: actJoin(
				[]byte{0x00, 0x15, 0x00, 0x08}, // type SET_QUEUE, len 8
				[]byte{0x00, 0x00, 0x00, 0x03}, // queue_id 3
			),
			text: "set_queue:3",
		},
		{
			name:   "group",
			action: &Group{GroupID: 0x01020304},
			want: actJoin(
				[]byte{0x00, 0x16, 0x00, 0x08}, // type GROUP, len 8
				[]byte{0x01, 0x02, 0x03, 0x04}, // group_id
			),
			text: "group:16909060",
		},
		{
			name:   "set nw ttl",
			action: &SetNwTTL{TTL: 64},
			want: actJoin(
				[]byte{0x00, 0x17, 0x00, 0x08}, // type SET_NW_TTL, len 8
				[]byte{0x40},                   // nw_ttl 64
				[]byte{0x00, 0x00, 0x00},       // pad
			),
			text: "mod_nw_ttl:64",
		},
		{
			name:   "dec nw ttl",
			action: &DecNwTTL{},
			want: actJoin(
				[]byte{0x00, 0x18, 0x00, 0x08}, // type DEC_NW_TTL, len 8
				[]byte{0x00, 0x00, 0x00, 0x00}, // pad
			),
			text: "dec_ttl",
		},
		{
			name:   "push pbb",
			action: &PushPBB{EtherType: 0x88e7},
			want: actJoin(
				[]byte{0x00, 0x1a, 0x00, 0x08}, // type PUSH_PBB, len 8
				[]byte{0x88, 0xe7},             // ethertype PBB
				[]byte{0x00, 0x00},             // pad
			),
			text:  "push_pbb:0x88e7",
			noOVS: true,
		},
		{
			name:   "pop pbb",
			action: &PopPBB{},
			want: actJoin(
				[]byte{0x00, 0x1b, 0x00, 0x08}, // type POP_PBB, len 8
				[]byte{0x00, 0x00, 0x00, 0x00}, // pad
			),
			text:  "pop_pbb",
			noOVS: true,
		},
		{
			name:   "experimenter with data",
			action: &ActionExperimenter{ID: 0x00abcdef, Data: []byte{1, 2, 3, 4, 5, 6, 7, 8}},
			want: actJoin(
				[]byte{0xff, 0xff, 0x00, 0x10},                         // type EXPERIMENTER, len 16
				[]byte{0x00, 0xab, 0xcd, 0xef},                         // experimenter
				[]byte{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08}, // data
			),
			text:  "experimenter(id=0xabcdef,data=0102030405060708)",
			noOVS: true,
		},
		{
			name:   "experimenter without data",
			action: &ActionExperimenter{ID: 0x00abcdef},
			want: actJoin(
				[]byte{0xff, 0xff, 0x00, 0x08}, // type EXPERIMENTER, len 8
				[]byte{0x00, 0xab, 0xcd, 0xef}, // experimenter
			),
			text:  "experimenter(id=0xabcdef,data=)",
			noOVS: true,
		},
		{
			name: "unknown nicira subtype stays generic",
			action: &ActionExperimenter{ID: NiciraExperimenterID, Data: []byte{
				0x00, 0x11, // subtype 17 (NXAST_EXIT), which this package has no type for
				0, 0, 0, 0, 0, 0, // pad
			}},
			want: actJoin(
				[]byte{0xff, 0xff, 0x00, 0x10},             // type EXPERIMENTER, len 16
				[]byte{0x00, 0x00, 0x23, 0x20},             // experimenter NX
				[]byte{0x00, 0x11},                         // subtype EXIT
				[]byte{0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, // pad
			),
			text:  "experimenter(id=0x2320,data=0011000000000000)",
			noOVS: true, // OVS knows it: it prints "exit"
		},
	}
}

// checkActionCase checks one case: the bytes, the text, and the round trip
// through DecodeActions, alone and after another action.
func checkActionCase(t *testing.T, tc actionCase) {
	t.Helper()
	got, err := tc.action.AppendBinary(nil)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	if !bytes.Equal(got, tc.want) {
		t.Fatalf("encoding:\n got % x\nwant % x", got, tc.want)
	}
	if s := ActionsString([]Action{tc.action}); s != tc.text {
		t.Errorf("String() = %q, want %q", s, tc.text)
	}
	// Decode alone and behind an output, so that offsets matter.
	for _, prefix := range [][]byte{nil, actMustEncode(t, &Output{Port: 9})} {
		list := append(append([]byte(nil), prefix...), got...)
		dec, err := DecodeActions(list)
		if err != nil {
			t.Fatalf("decode % x: %v", list, err)
		}
		want := []Action{tc.action}
		if prefix != nil {
			want = []Action{&Output{Port: 9}, tc.action}
		}
		if !reflect.DeepEqual(dec, want) {
			t.Fatalf("round trip:\n got %#v\nwant %#v", dec, want)
		}
		re, err := AppendActions(nil, dec)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if !bytes.Equal(re, list) {
			t.Fatalf("re-encoding differs:\n got % x\nwant % x", re, list)
		}
	}
	// UnmarshalBinary alone decodes the same.
	one, err := newAction(got)
	if err != nil {
		t.Fatal(err)
	}
	if err := one.UnmarshalBinary(got); err != nil {
		t.Fatalf("UnmarshalBinary: %v", err)
	}
	if !reflect.DeepEqual(one, tc.action) {
		t.Fatalf("UnmarshalBinary: got %#v, want %#v", one, tc.action)
	}
	if one.ActionType() != ActionType(binary.BigEndian.Uint16(got)) {
		t.Fatalf("ActionType() = %v, wire type %#x", one.ActionType(), got[:2])
	}
}

func actMustEncode(t testing.TB, actions ...Action) []byte {
	t.Helper()
	b, err := AppendActions(nil, actions)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestActionEncoding(t *testing.T) {
	for _, tc := range standardActionCases() {
		t.Run(tc.name, func(t *testing.T) { checkActionCase(t, tc) })
	}
}

func TestActionTypeString(t *testing.T) {
	tests := []struct {
		name string
		t    ActionType
		want string
	}{
		{name: "output", t: ActionTypeOutput, want: "OUTPUT"},
		{name: "set field", t: ActionTypeSetField, want: "SET_FIELD"},
		{name: "pop pbb", t: ActionTypePopPBB, want: "POP_PBB"},
		{name: "experimenter", t: ActionTypeExperimenter, want: "EXPERIMENTER"},
		{name: "removed 1.1 type", t: 5, want: "ActionType(5)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.t.String(); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
	// Every defined type decodes to an action that reports that type.
	for _, tc := range standardActionCases() {
		if s := tc.action.ActionType().String(); strings.HasPrefix(s, "ActionType(") {
			t.Errorf("%s: no name for %v", tc.name, tc.action.ActionType())
		}
	}
}

func TestDecodeActionsEmpty(t *testing.T) {
	for _, b := range [][]byte{nil, {}} {
		got, err := DecodeActions(b)
		if err != nil || got != nil {
			t.Fatalf("DecodeActions(%#v) = %#v, %v; want nil, nil", b, got, err)
		}
	}
	if s := ActionsString(nil); s != "drop" {
		t.Fatalf("ActionsString(nil) = %q", s)
	}
}

// badList is a malformed action or instruction list and the error it must
// decode to.
type badList struct {
	name string
	in   []byte
	want error  // errors.Is target
	text string // substring of the message
}

// badActionLists are malformed action lists (also fuzz seeds).
func badActionLists() []badList {
	output := []byte{0x00, 0x00, 0x00, 0x10, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0} // output:1
	return []badList{
		{
			name: "truncated header",
			in:   []byte{0x00, 0x00, 0x00},
			want: io.ErrUnexpectedEOF,
			text: "action at offset 0",
		},
		{
			name: "zero length",
			in:   []byte{0x00, 0x12, 0x00, 0x00, 0, 0, 0, 0},
			want: ErrActionLength,
			text: "length 0",
		},
		{
			name: "length shorter than 8",
			in:   []byte{0x00, 0x12, 0x00, 0x04, 0, 0, 0, 0},
			want: ErrActionLength,
		},
		{
			name: "length not a multiple of 8",
			in:   []byte{0x00, 0x00, 0x00, 0x0c, 0, 0, 0, 1, 0, 0, 0, 0},
			want: ErrActionLength,
			text: "length 12",
		},
		{
			name: "overrun of the list",
			in:   output[:12],
			want: io.ErrUnexpectedEOF,
			text: "need 16 bytes, have 12",
		},
		{
			name: "second action overruns",
			in:   actJoin(output, []byte{0x00, 0x16, 0x00, 0x10, 0, 0, 0, 1}),
			want: io.ErrUnexpectedEOF,
			text: "action at offset 16",
		},
		{
			name: "trailing bytes after the list",
			in:   actJoin(output, []byte{0x00, 0x12}),
			want: io.ErrUnexpectedEOF,
			text: "action at offset 16",
		},
		{
			name: "output with the length of a short action",
			in:   []byte{0x00, 0x00, 0x00, 0x08, 0, 0, 0, 1},
			want: ErrActionLength,
			text: "OUTPUT action: length 8, want 16",
		},
		{
			name: "group padded to 16",
			in:   []byte{0x00, 0x16, 0x00, 0x10, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0},
			want: ErrActionLength,
			text: "GROUP action",
		},
		{
			name: "unknown type",
			in:   []byte{0x00, 0x05, 0x00, 0x08, 0, 0, 0, 0},
			want: ErrUnknownAction,
			text: "unknown action type 5",
		},
	}
}

func TestDecodeActionsErrors(t *testing.T) {
	checkBadLists(t, badActionLists(), DecodeActions)
}

// checkBadLists checks that decode refuses every bad TLV list with the
// wanted error, mentioning its text, and returns no elements with it.
func checkBadLists[T any](t *testing.T, cases []badList, decode func([]byte) ([]T, error)) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decode(tc.in)
			if !errors.Is(err, tc.want) {
				t.Fatalf("decode(% x) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
			if got != nil {
				t.Fatalf("elements %#v returned with error", got)
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("error %q does not mention %q", err, tc.text)
			}
		})
	}
}

// TestActionUnmarshalBinaryStrict checks that UnmarshalBinary wants exactly
// one action of its own type.
func TestActionUnmarshalBinaryStrict(t *testing.T) {
	output := actMustEncode(t, &Output{Port: 1})
	tests := []struct {
		name   string
		action Action
		in     []byte
		want   error
	}{
		{name: "short", action: new(Output), in: output[:10], want: io.ErrUnexpectedEOF},
		{name: "too short for a header", action: new(PopVLAN), in: []byte{0, 0x12}, want: io.ErrUnexpectedEOF},
		{name: "trailing bytes", action: new(Output), in: actJoin(output, make([]byte, 8))},
		{name: "other type", action: new(Group), in: output},
		{name: "experimenter length 4", action: new(ActionExperimenter), in: []byte{0xff, 0xff, 0, 4, 0, 0, 0, 1}, want: ErrActionLength},
		{name: "experimenter short", action: new(ActionExperimenter), in: []byte{0xff, 0xff, 0, 16, 0, 0, 0, 1}, want: io.ErrUnexpectedEOF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.action.UnmarshalBinary(tc.in)
			if err == nil {
				t.Fatalf("UnmarshalBinary(% x) succeeded", tc.in)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// TestActionEncodeErrors checks that an action too long for its length
// field fails and leaves the buffer as it was.
func TestActionEncodeErrors(t *testing.T) {
	prefix := []byte{1, 2, 3}
	huge := &ActionExperimenter{ID: 1, Data: make([]byte, 70000)}
	b, err := AppendActions(append([]byte(nil), prefix...), []Action{&Output{Port: 1}, huge})
	if !errors.Is(err, ErrTooLong) {
		t.Fatalf("got %v, want ErrTooLong", err)
	}
	if !bytes.Equal(b, prefix) {
		t.Fatalf("buffer not restored: % x", b[:min(len(b), 16)])
	}
}

// actPacketOut builds an OFPT_PACKET_OUT frame by hand around an encoded
// action list: no buffer, in_port 1, no packet data.
func actPacketOut(t testing.TB, xid uint32, actions []byte) []byte {
	t.Helper()
	n := HeaderLen + 16 + len(actions)
	b := []byte{Version, byte(TypePacketOut)}
	b = binary.BigEndian.AppendUint16(b, uint16(n))            // length
	b = binary.BigEndian.AppendUint32(b, xid)                  // xid
	b = binary.BigEndian.AppendUint32(b, NoBuffer)             // buffer_id
	b = binary.BigEndian.AppendUint32(b, 1)                    // in_port
	b = binary.BigEndian.AppendUint16(b, uint16(len(actions))) // actions_len
	b = append(b, 0, 0, 0, 0, 0, 0)                            // pad
	return append(b, actions...)
}

// ovsPacketOutActions returns what ovs-ofctl prints after "actions=" for
// each of the PACKET_OUT frames, in order.
func ovsPacketOutActions(t *testing.T, frames ...[]byte) []string {
	t.Helper()
	out := ofpParse(t, frames...)
	var got []string
	for _, line := range strings.Split(out, "\n") {
		if i := strings.Index(line, " actions="); i >= 0 && strings.Contains(line, "in_port=") {
			acts, _, _ := strings.Cut(line[i+len(" actions="):], " data_len=")
			got = append(got, strings.TrimSpace(acts))
		}
	}
	if len(got) != len(frames) {
		t.Fatalf("ovs-ofctl printed %d action lists for %d frames:\n%s", len(got), len(frames), out)
	}
	return got
}

// TestActionsOVS sends every action that Open vSwitch implements in a
// PACKET_OUT through ovs-ofctl and compares what it prints with our
// String().
func TestActionsOVS(t *testing.T) {
	var cases []actionCase
	for _, tc := range standardActionCases() {
		if !tc.noOVS {
			cases = append(cases, tc)
		}
	}
	cases = append(cases, actionCase{
		name: "a list",
		action: &actList{
			&PushVLAN{EtherType: 0x8100}, &SetQueue{QueueID: 1}, &Group{GroupID: 2},
			&Output{Port: 3}, &Output{Port: PortController, MaxLen: 128},
		},
		text: "push_vlan:0x8100,set_queue:1,group:2,output:3,CONTROLLER:128",
	})
	var frames [][]byte
	for i, tc := range cases {
		frames = append(frames, actPacketOut(t, uint32(i), actMustEncode(t, tc.action)))
	}
	got := ovsPacketOutActions(t, frames...)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got[i] != tc.text {
				t.Fatalf("ovs-ofctl printed %q, we encoded %q", got[i], tc.text)
			}
		})
	}
}

// actList is a test helper that encodes several actions as one.
type actList []Action

func (l *actList) ActionType() ActionType                { return ActionTypeOutput }
func (l *actList) AppendBinary(b []byte) ([]byte, error) { return AppendActions(b, *l) }
func (l *actList) UnmarshalBinary([]byte) error          { return errors.New("not decodable") }
func (l *actList) String() string                        { return ActionsString(*l) }

func BenchmarkActionsEncode(b *testing.B) {
	actions := []Action{
		&SetField{Field: IPv4Dst(netip.MustParseAddr("10.0.0.2"))},
		&SetField{Field: TCPDst(8080)},
		&SetField{Field: EthDst(MAC{2, 0, 0, 0, 0, 1})},
		&PushVLAN{EtherType: 0x8100},
		&SetNwTTL{TTL: 9},
		&Group{GroupID: 2},
		&ActionExperimenter{ID: 1, Data: []byte{1, 2, 3, 4}},
		&Output{Port: 1},
		&Output{Port: PortController, MaxLen: ControllerNoBuffer},
	}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendActions(buf[:0], actions); err != nil {
			b.Fatal(err)
		}
	}
}

// TestActionsEncodeAllocs checks that encoding a pre-built action list into
// a reused buffer allocates nothing.
func TestActionsEncodeAllocs(t *testing.T) {
	actions := []Action{
		&SetField{Field: IPv4Dst(netip.MustParseAddr("10.0.0.2"))}, &SetField{Field: TCPDst(8080)},
		&SetField{Field: EthDst(MAC{2, 0, 0, 0, 0, 1})},
		&PushVLAN{EtherType: 0x8100}, &SetNwTTL{TTL: 9}, &Group{GroupID: 2},
		&ActionExperimenter{ID: 1, Data: []byte{1, 2, 3, 4}},
		&Output{Port: 1}, &Output{Port: PortController, MaxLen: ControllerNoBuffer},
	}
	buf := make([]byte, 0, 512)
	if n := testing.AllocsPerRun(100, func() { buf, _ = AppendActions(buf[:0], actions) }); n != 0 {
		t.Fatalf("%v allocations per encode", n)
	}
}

func BenchmarkDecodeActions(b *testing.B) {
	list, err := AppendActions(nil, []Action{
		&PushVLAN{EtherType: 0x8100}, &Group{GroupID: 2}, &Output{Port: 1},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeActions(list); err != nil {
			b.Fatal(err)
		}
	}
}

// allActionCases is every action table: the fuzz seeds.
func allActionCases() []actionCase {
	return append(append(standardActionCases(), setFieldCases()...), niciraActionCases()...)
}

// setFieldCases are SET_FIELD actions of the fields oflb rewrites.
func setFieldCases() []actionCase {
	ip := netip.MustParseAddr
	return []actionCase{
		{
			name:   "set field ipv4_dst",
			action: &SetField{Field: IPv4Dst(ip("10.0.0.2"))},
			want: actJoin(
				[]byte{0x00, 0x19, 0x00, 0x10}, // type SET_FIELD, len 16
				[]byte{0x80, 0x00, 0x18, 0x04}, // OXM OPENFLOW_BASIC, IPV4_DST, len 4
				[]byte{0x0a, 0x00, 0x00, 0x02}, //   10.0.0.2
				[]byte{0x00, 0x00, 0x00, 0x00}, // pad
			),
			text: "set_field:10.0.0.2->ip_dst",
		},
		{
			name:   "set field tcp_dst",
			action: &SetField{Field: TCPDst(80)},
			want: actJoin(
				[]byte{0x00, 0x19, 0x00, 0x10},             // type SET_FIELD, len 16
				[]byte{0x80, 0x00, 0x1c, 0x02},             // OXM OPENFLOW_BASIC, TCP_DST, len 2
				[]byte{0x00, 0x50},                         //   80
				[]byte{0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, // pad
			),
			text: "set_field:80->tcp_dst",
		},
		{
			name:   "set field eth_dst",
			action: &SetField{Field: EthDst(MAC{0x02, 0x00, 0x00, 0x00, 0x00, 0x01})},
			want: actJoin(
				[]byte{0x00, 0x19, 0x00, 0x10},             // type SET_FIELD, len 16
				[]byte{0x80, 0x00, 0x06, 0x06},             // OXM OPENFLOW_BASIC, ETH_DST, len 6
				[]byte{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}, //   02:00:00:00:00:01
				[]byte{0x00, 0x00},                         // pad
			),
			text: "set_field:02:00:00:00:00:01->eth_dst",
		},
		{
			name:   "set field vlan_vid",
			action: &SetField{Field: VLANVID(100)},
			want: actJoin(
				[]byte{0x00, 0x19, 0x00, 0x10},             // type SET_FIELD, len 16
				[]byte{0x80, 0x00, 0x0c, 0x02},             // OXM OPENFLOW_BASIC, VLAN_VID, len 2
				[]byte{0x10, 0x64},                         //   present bit | 100
				[]byte{0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, // pad
			),
			text: "set_field:4196->vlan_vid",
		},
		{
			name:   "set field ipv6_dst without padding",
			action: &SetField{Field: IPv6Dst(ip("fd00::2"))},
			want: actJoin(
				[]byte{0x00, 0x19, 0x00, 0x18},                               // type SET_FIELD, len 24
				[]byte{0x80, 0x00, 0x36, 0x10},                               // OXM OPENFLOW_BASIC, IPV6_DST, len 16
				[]byte{0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02}, // fd00::2
			),
			text: "set_field:fd00::2->ipv6_dst",
		},
		{
			name:   "set field reg1",
			action: &SetField{Field: Reg(1, 9)},
			want: actJoin(
				[]byte{0x00, 0x19, 0x00, 0x10}, // type SET_FIELD, len 16
				[]byte{0x00, 0x01, 0x02, 0x04}, // NXM_NX_REG1, len 4
				[]byte{0x00, 0x00, 0x00, 0x09}, //   9
				[]byte{0x00, 0x00, 0x00, 0x00}, // pad
			),
			text: "set_field:0x9->reg1",
		},
		{
			name: "ct commit setting ct_mark",
			action: &NXConntrack{Flags: NXConntrackCommit, Actions: []Action{
				&SetField{Field: CTMark(5)},
			}},
			want: actJoin(
				[]byte{0xff, 0xff, 0x00, 0x28},             // type EXPERIMENTER, len 40
				[]byte{0x00, 0x00, 0x23, 0x20},             // experimenter NX
				[]byte{0x00, 0x23, 0x00, 0x01},             // subtype CT, flags COMMIT
				[]byte{0x00, 0x00, 0x00, 0x00},             // zone_src none
				[]byte{0x00, 0x00, 0xff, 0x00},             // zone 0, recirc_table NONE, pad
				[]byte{0x00, 0x00, 0x00, 0x00},             // pad, alg none
				[]byte{0x00, 0x19, 0x00, 0x10},             // SET_FIELD, len 16
				[]byte{0x00, 0x01, 0xd6, 0x04},             //   NXM_NX_CT_MARK, len 4
				[]byte{0x00, 0x00, 0x00, 0x05, 0, 0, 0, 0}, // 5, pad
			),
			text: "ct(commit,exec(set_field:0x5->ct_mark))",
		},
	}
}

func TestSetFieldEncoding(t *testing.T) {
	for _, tc := range setFieldCases() {
		t.Run(tc.name, func(t *testing.T) { checkActionCase(t, tc) })
	}
}

// TestSetFieldOVS checks our SET_FIELD encodings, and the names we print,
// against Open vSwitch.
func TestSetFieldOVS(t *testing.T) {
	cases := setFieldCases()
	var frames [][]byte
	for i, tc := range cases {
		frames = append(frames, actPacketOut(t, uint32(i), actMustEncode(t, tc.action)))
	}
	got := ovsPacketOutActions(t, frames...)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got[i] != tc.text {
				t.Fatalf("ovs-ofctl printed %q, we print %q", got[i], tc.text)
			}
		})
	}
}

func TestSetFieldErrors(t *testing.T) {
	masked := Masked(IPv4Dst(netip.MustParseAddr("10.0.0.0")), IPv4Dst(netip.MustParseAddr("255.255.255.0")))
	if _, err := (&SetField{Field: masked}).AppendBinary(nil); !errors.Is(err, ErrSetFieldMasked) {
		t.Fatalf("encoding a masked field: %v, want ErrSetFieldMasked", err)
	}
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{
			name: "masked field",
			in: actJoin(
				[]byte{0x00, 0x19, 0x00, 0x10},
				[]byte{0x80, 0x00, 0x19, 0x08}, // IPV4_DST with mask
				[]byte{0x0a, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0x00},
			),
			want: ErrSetFieldMasked,
		},
		{
			name: "padded beyond the field",
			in: actJoin(
				[]byte{0x00, 0x19, 0x00, 0x18},
				[]byte{0x80, 0x00, 0x18, 0x04, 0x0a, 0x00, 0x00, 0x02},
				make([]byte, 12),
			),
			want: ErrActionLength,
		},
		{
			name: "field longer than the action",
			in: actJoin(
				[]byte{0x00, 0x19, 0x00, 0x08},
				[]byte{0x80, 0x00, 0x18, 0x04},
			),
			want: io.ErrUnexpectedEOF,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeActions(tc.in)
			if !errors.Is(err, tc.want) || got != nil {
				t.Fatalf("DecodeActions(% x) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}
