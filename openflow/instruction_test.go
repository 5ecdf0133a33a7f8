package openflow

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// instructionCase is one instruction with its expected encoding and
// ovs-ofctl text.
type instructionCase struct {
	name  string
	in    Instruction
	want  []byte
	text  string // String(), as ovs-ofctl prints the instruction
	noOVS bool   // Open vSwitch does not implement it
}

func instructionCases() []instructionCase {
	return []instructionCase{
		{
			name: "goto table",
			in:   &GotoTable{TableID: 3},
			want: actJoin(
				[]byte{0x00, 0x01, 0x00, 0x08}, // type GOTO_TABLE, len 8
				[]byte{0x03},                   // table_id 3
				[]byte{0x00, 0x00, 0x00},       // pad
			),
			text: "goto_table:3",
		},
		{
			name: "write metadata masked",
			in:   &WriteMetadata{Metadata: 0x1122, Mask: 0xffff},
			want: actJoin(
				[]byte{0x00, 0x02, 0x00, 0x18},                         // type WRITE_METADATA, len 24
				[]byte{0x00, 0x00, 0x00, 0x00},                         // pad
				[]byte{0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x11, 0x22}, // metadata
				[]byte{0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff}, // metadata_mask
			),
			text: "write_metadata:0x1122/0xffff",
		},
		{
			name: "write metadata whole",
			in:   &WriteMetadata{Metadata: 0xa, Mask: ^uint64(0)},
			want: actJoin(
				[]byte{0x00, 0x02, 0x00, 0x18},                         // type WRITE_METADATA, len 24
				[]byte{0x00, 0x00, 0x00, 0x00},                         // pad
				[]byte{0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a}, // metadata
				[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, // metadata_mask
			),
			text: "write_metadata:0xa",
		},
		{
			name: "write actions",
			in:   &WriteActions{Actions: []Action{&Output{Port: 2}}},
			want: actJoin(
				[]byte{0x00, 0x03, 0x00, 0x18}, // type WRITE_ACTIONS, len 24
				[]byte{0x00, 0x00, 0x00, 0x00}, // pad
				[]byte{0x00, 0x00, 0x00, 0x10}, // OUTPUT, len 16
				[]byte{0x00, 0x00, 0x00, 0x02}, //   port 2
				[]byte{0x00, 0x00, 0x00, 0x00}, //   max_len 0, pad
				[]byte{0x00, 0x00, 0x00, 0x00}, //   pad
			),
			text: "write_actions(output:2)",
		},
		{
			name: "write actions empty",
			in:   &WriteActions{},
			want: actJoin(
				[]byte{0x00, 0x03, 0x00, 0x08}, // type WRITE_ACTIONS, len 8
				[]byte{0x00, 0x00, 0x00, 0x00}, // pad
			),
			text:  "write_actions(drop)",
			noOVS: true, // OVS drops the empty instruction when it prints
		},
		{
			name: "apply actions",
			in:   &ApplyActions{Actions: []Action{&Group{GroupID: 7}, &Output{Port: PortController, MaxLen: 64}}},
			want: actJoin(
				[]byte{0x00, 0x04, 0x00, 0x20}, // type APPLY_ACTIONS, len 32
				[]byte{0x00, 0x00, 0x00, 0x00}, // pad
				[]byte{0x00, 0x16, 0x00, 0x08}, // GROUP, len 8
				[]byte{0x00, 0x00, 0x00, 0x07}, //   group_id 7
				[]byte{0x00, 0x00, 0x00, 0x10}, // OUTPUT, len 16
				[]byte{0xff, 0xff, 0xff, 0xfd}, //   port CONTROLLER
				[]byte{0x00, 0x40, 0x00, 0x00}, //   max_len 64, pad
				[]byte{0x00, 0x00, 0x00, 0x00}, //   pad
			),
			text: "group:7,CONTROLLER:64",
		},
		{
			name: "apply actions empty",
			in:   &ApplyActions{},
			want: actJoin(
				[]byte{0x00, 0x04, 0x00, 0x08}, // type APPLY_ACTIONS, len 8
				[]byte{0x00, 0x00, 0x00, 0x00}, // pad
			),
			text: "drop",
		},
		{
			name: "clear actions",
			in:   &ClearActions{},
			want: actJoin(
				[]byte{0x00, 0x05, 0x00, 0x08}, // type CLEAR_ACTIONS, len 8
				[]byte{0x00, 0x00, 0x00, 0x00}, // pad
			),
			text: "clear_actions",
		},
		{
			name: "meter",
			in:   &MeterInstruction{MeterID: 5},
			want: actJoin(
				[]byte{0x00, 0x06, 0x00, 0x08}, // type METER, len 8
				[]byte{0x00, 0x00, 0x00, 0x05}, // meter_id 5
			),
			text: "meter:5",
		},
		{
			name: "experimenter",
			in:   &InstructionExperimenter{ID: 0xff000001, Data: []byte{9, 8, 7, 6, 5, 4, 3, 2}},
			want: actJoin(
				[]byte{0xff, 0xff, 0x00, 0x10},                         // type EXPERIMENTER, len 16
				[]byte{0xff, 0x00, 0x00, 0x01},                         // experimenter
				[]byte{0x09, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02}, // data
			),
			text:  "experimenter(id=0xff000001,data=0908070605040302)",
			noOVS: true,
		},
	}
}

func TestInstructionEncoding(t *testing.T) {
	for _, tc := range instructionCases() {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.in.AppendBinary(nil)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if !bytes.Equal(got, tc.want) {
				t.Fatalf("encoding:\n got % x\nwant % x", got, tc.want)
			}
			if s := InstructionsString([]Instruction{tc.in}); s != tc.text {
				t.Errorf("String() = %q, want %q", s, tc.text)
			}
			if tc.in.InstructionType() != InstructionType(binary.BigEndian.Uint16(got)) {
				t.Errorf("InstructionType() = %v, wire type % x", tc.in.InstructionType(), got[:2])
			}
			prefix := insMustEncode(t, &GotoTable{TableID: 9})
			for _, list := range [][]byte{got, actJoin(prefix, got)} {
				dec, err := DecodeInstructions(list)
				if err != nil {
					t.Fatalf("decode % x: %v", list, err)
				}
				want := []Instruction{tc.in}
				if len(list) > len(got) {
					want = []Instruction{&GotoTable{TableID: 9}, tc.in}
				}
				if !reflect.DeepEqual(dec, want) {
					t.Fatalf("round trip:\n got %#v\nwant %#v", dec, want)
				}
				re, err := AppendInstructions(nil, dec)
				if err != nil {
					t.Fatalf("re-encode: %v", err)
				}
				if !bytes.Equal(re, list) {
					t.Fatalf("re-encoding differs:\n got % x\nwant % x", re, list)
				}
			}
		})
	}
}

func insMustEncode(t testing.TB, ins ...Instruction) []byte {
	t.Helper()
	b, err := AppendInstructions(nil, ins)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestInstructionTypeString(t *testing.T) {
	tests := []struct {
		name string
		t    InstructionType
		want string
	}{
		{name: "goto table", t: InstructionTypeGotoTable, want: "GOTO_TABLE"},
		{name: "apply actions", t: InstructionTypeApplyActions, want: "APPLY_ACTIONS"},
		{name: "meter", t: InstructionTypeMeter, want: "METER"},
		{name: "experimenter", t: InstructionTypeExperimenter, want: "EXPERIMENTER"},
		{name: "zero", t: 0, want: "InstructionType(0)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.t.String(); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDecodeInstructionsEmpty(t *testing.T) {
	for _, b := range [][]byte{nil, {}} {
		got, err := DecodeInstructions(b)
		if err != nil || got != nil {
			t.Fatalf("DecodeInstructions(%#v) = %#v, %v; want nil, nil", b, got, err)
		}
	}
	if s := InstructionsString(nil); s != "drop" {
		t.Fatalf("InstructionsString(nil) = %q", s)
	}
}

// badInstructionLists are malformed instruction lists (also fuzz seeds).
func badInstructionLists() []badList {
	gotoTable := []byte{0x00, 0x01, 0x00, 0x08, 1, 0, 0, 0} // goto_table:1
	return []badList{
		{
			name: "truncated header",
			in:   []byte{0x00, 0x01},
			want: io.ErrUnexpectedEOF,
			text: "instruction at offset 0",
		},
		{
			name: "zero length",
			in:   []byte{0x00, 0x05, 0x00, 0x00, 0, 0, 0, 0},
			want: ErrInstructionLength,
			text: "length 0",
		},
		{
			name: "length not a multiple of 8",
			in:   []byte{0x00, 0x06, 0x00, 0x0c, 0, 0, 0, 1, 0, 0, 0, 0},
			want: ErrInstructionLength,
		},
		{
			name: "overrun",
			in:   actJoin(gotoTable, []byte{0x00, 0x02, 0x00, 0x18, 0, 0, 0, 0}),
			want: io.ErrUnexpectedEOF,
			text: "instruction at offset 8",
		},
		{
			name: "write metadata with a wrong length",
			in:   []byte{0x00, 0x02, 0x00, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
			want: ErrInstructionLength,
			text: "WRITE_METADATA",
		},
		{
			name: "clear actions carrying an action",
			in: actJoin(
				[]byte{0x00, 0x05, 0x00, 0x10, 0, 0, 0, 0},
				[]byte{0x00, 0x12, 0x00, 0x08, 0, 0, 0, 0},
			),
			want: ErrInstructionLength,
			text: "CLEAR_ACTIONS",
		},
		{
			name: "apply actions with a bad inner length",
			in: actJoin(
				[]byte{0x00, 0x04, 0x00, 0x18, 0, 0, 0, 0}, // APPLY_ACTIONS, len 24
				[]byte{0x00, 0x00, 0x00, 0x18},             // OUTPUT claiming 24 bytes
				[]byte{0xff, 0xff, 0xff, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0},
			),
			want: io.ErrUnexpectedEOF,
			text: "APPLY_ACTIONS instruction",
		},
		{
			name: "write actions with an unknown action",
			in: actJoin(
				[]byte{0x00, 0x03, 0x00, 0x10, 0, 0, 0, 0},
				[]byte{0x00, 0x07, 0x00, 0x08, 10, 0, 0, 1},
			),
			want: ErrUnknownAction,
		},
		{
			name: "unknown type",
			in:   []byte{0x00, 0x07, 0x00, 0x08, 0, 0, 0, 0},
			want: ErrUnknownInstruction,
			text: "unknown instruction type 7",
		},
	}
}

func TestDecodeInstructionsErrors(t *testing.T) {
	checkBadLists(t, badInstructionLists(), DecodeInstructions)
}

func TestInstructionEncodeErrors(t *testing.T) {
	prefix := []byte{7}
	tests := []struct {
		name string
		ins  []Instruction
	}{
		{name: "apply actions too long", ins: []Instruction{&ApplyActions{Actions: []Action{
			&ActionExperimenter{Data: make([]byte, 40000)}, &ActionExperimenter{Data: make([]byte, 40000)},
		}}}},
		{name: "experimenter too long", ins: []Instruction{&GotoTable{TableID: 1}, &InstructionExperimenter{Data: make([]byte, 1<<16)}}},
		{name: "failing action inside", ins: []Instruction{&WriteActions{Actions: []Action{
			&ActionExperimenter{Data: make([]byte, 1<<16)},
		}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := AppendInstructions(append([]byte(nil), prefix...), tc.ins)
			if !errors.Is(err, ErrTooLong) {
				t.Fatalf("got %v, want ErrTooLong", err)
			}
			if !bytes.Equal(b, prefix) {
				t.Fatalf("buffer not restored: %d bytes", len(b))
			}
		})
	}
}

// insFlowMod builds an OFPT_FLOW_MOD (ADD, table 0, empty match) around an
// encoded instruction list by hand.
func insFlowMod(t testing.TB, xid uint32, ins []byte) []byte {
	t.Helper()
	n := HeaderLen + 40 + 8 + len(ins)
	b := []byte{Version, byte(TypeFlowMod)}
	b = binary.BigEndian.AppendUint16(b, uint16(n))   // length
	b = binary.BigEndian.AppendUint32(b, xid)         // xid
	b = binary.BigEndian.AppendUint64(b, 0)           // cookie
	b = binary.BigEndian.AppendUint64(b, 0)           // cookie_mask
	b = append(b, 0, 0)                               // table_id 0, command ADD
	b = binary.BigEndian.AppendUint16(b, 0)           // idle_timeout
	b = binary.BigEndian.AppendUint16(b, 0)           // hard_timeout
	b = binary.BigEndian.AppendUint16(b, 0x8000)      // priority
	b = binary.BigEndian.AppendUint32(b, NoBuffer)    // buffer_id
	b = binary.BigEndian.AppendUint32(b, PortAny)     // out_port
	b = binary.BigEndian.AppendUint32(b, GroupAny)    // out_group
	b = binary.BigEndian.AppendUint16(b, 0)           // flags
	b = append(b, 0, 0)                               // pad
	b = append(b, 0x00, 0x01, 0x00, 0x04, 0, 0, 0, 0) // match: OXM, len 4, no fields, pad
	return append(b, ins...)
}

// ovsFlowModActions returns what ovs-ofctl prints after "actions=" for
// each FLOW_MOD frame, in order.
func ovsFlowModActions(t *testing.T, frames ...[]byte) []string {
	t.Helper()
	out := ofpParse(t, frames...)
	var got []string
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "OFPT_FLOW_MOD") {
			continue
		}
		i := strings.Index(line, " actions=")
		if i < 0 {
			t.Fatalf("no actions in %q", line)
		}
		got = append(got, strings.TrimSpace(line[i+len(" actions="):]))
	}
	if len(got) != len(frames) {
		t.Fatalf("ovs-ofctl printed %d flow mods for %d frames:\n%s", len(got), len(frames), out)
	}
	return got
}

// TestInstructionsOVS sends every instruction that Open vSwitch implements
// in a FLOW_MOD through ovs-ofctl and compares what it prints with our
// String(). Open vSwitch prints instructions in the order the
// specification executes them (meter, apply, clear, write, metadata, goto),
// which is the order used here.
func TestInstructionsOVS(t *testing.T) {
	var cases []instructionCase
	for _, tc := range instructionCases() {
		if !tc.noOVS {
			cases = append(cases, tc)
		}
	}
	full := []Instruction{
		&MeterInstruction{MeterID: 1},
		&ApplyActions{Actions: []Action{&PushVLAN{EtherType: 0x8100}, &Output{Port: 1}}},
		&ClearActions{},
		&WriteActions{Actions: []Action{&Group{GroupID: 4}}},
		&WriteMetadata{Metadata: 1, Mask: 1},
		&GotoTable{TableID: 2},
	}
	cases = append(cases, instructionCase{
		name: "every kind in one flow",
		in:   &insList{full},
		text: "meter:1,push_vlan:0x8100,output:1,clear_actions,write_actions(group:4),write_metadata:0x1/0x1,goto_table:2",
	})
	var frames [][]byte
	for i, tc := range cases {
		frames = append(frames, insFlowMod(t, uint32(i), insMustEncode(t, tc.in)))
	}
	got := ovsFlowModActions(t, frames...)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got[i] != tc.text {
				t.Fatalf("ovs-ofctl printed %q, we print %q", got[i], tc.text)
			}
		})
	}
	if s := InstructionsString(full); s != cases[len(cases)-1].text {
		t.Fatalf("InstructionsString = %q", s)
	}
}

// insList is a test helper that encodes several instructions as one.
type insList struct{ list []Instruction }

func (l *insList) InstructionType() InstructionType      { return InstructionTypeApplyActions }
func (l *insList) AppendBinary(b []byte) ([]byte, error) { return AppendInstructions(b, l.list) }
func (l *insList) UnmarshalBinary([]byte) error          { return errors.New("not decodable") }
func (l *insList) String() string                        { return InstructionsString(l.list) }

func BenchmarkInstructionsEncode(b *testing.B) {
	ins := []Instruction{
		&ApplyActions{Actions: []Action{&Group{GroupID: 3}, &Output{Port: 1}}},
		&WriteMetadata{Metadata: 1, Mask: 1},
		&GotoTable{TableID: 1},
	}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendInstructions(buf[:0], ins); err != nil {
			b.Fatal(err)
		}
	}
}

func TestInstructionsEncodeAllocs(t *testing.T) {
	ins := []Instruction{
		&ApplyActions{Actions: []Action{&Group{GroupID: 3}, &Output{Port: 1}}},
		&WriteActions{Actions: []Action{&Output{Port: 2}}},
		&WriteMetadata{Metadata: 1, Mask: 1}, &MeterInstruction{MeterID: 1},
		&GotoTable{TableID: 1}, &ClearActions{},
	}
	buf := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(100, func() { buf, _ = AppendInstructions(buf[:0], ins) }); n != 0 {
		t.Fatalf("%v allocations per encode", n)
	}
}
