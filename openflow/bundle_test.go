package openflow

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"reflect"
	"testing"
)

// rawMessage is a message given as its type and encoded body: it lets the
// bundle tests carry a FLOW_MOD independently of the flow-mod codec.
type rawMessage struct {
	typ  Type
	body []byte
}

func (m *rawMessage) Type() Type                            { return m.typ }
func (m *rawMessage) AppendBinary(b []byte) ([]byte, error) { return append(b, m.body...), nil }
func (m *rawMessage) UnmarshalBinary(body []byte) error {
	m.body = append(m.body[:0], body...)
	return nil
}

// rawFlowMod is the body of an OpenFlow 1.3 FLOW_MOD: ADD to table 0 at
// priority, matching in_port, applying output to port. 80 bytes; the
// whole message is 88, the size of a typical per-flow entry's flow mod
// without its NAT actions.
func rawFlowMod(priority uint16, inPort, port uint32) []byte {
	b := make([]byte, 0, 80)
	b = binary.BigEndian.AppendUint64(b, 0)           // cookie
	b = binary.BigEndian.AppendUint64(b, 0)           // cookie_mask
	b = append(b, 0, 0)                               // table_id 0, command ADD
	b = binary.BigEndian.AppendUint16(b, 0)           // idle_timeout
	b = binary.BigEndian.AppendUint16(b, 0)           // hard_timeout
	b = binary.BigEndian.AppendUint16(b, priority)    // priority
	b = binary.BigEndian.AppendUint32(b, NoBuffer)    // buffer_id
	b = binary.BigEndian.AppendUint32(b, PortAny)     // out_port
	b = binary.BigEndian.AppendUint32(b, GroupAny)    // out_group
	b = append(b, 0, 0, 0, 0)                         // flags, pad
	b = append(b, 0x00, 0x01, 0x00, 0x0c)             // match: OXM, len 12
	b = append(b, 0x80, 0x00, 0x00, 0x04)             // OXM in_port, 4 bytes
	b = binary.BigEndian.AppendUint32(b, inPort)      // in_port value
	b = append(b, 0, 0, 0, 0)                         // match padding
	b = append(b, 0x00, 0x04, 0x00, 0x18, 0, 0, 0, 0) // APPLY_ACTIONS, len 24, pad
	b = append(b, rawOutput(port, 0)...)              // output:port
	return b
}

func TestBundleControlEncoding(t *testing.T) {
	tests := []struct {
		name string
		msg  *BundleControl
		want []byte
	}{
		{
			name: "open atomic ordered",
			msg:  &BundleControl{BundleID: 7, ControlType: BundleOpenRequest, Flags: BundleAtomic | BundleOrdered},
			want: hexBytes(
				[]byte{0x04, 0x04, 0x00, 0x18, 0x12, 0x34, 0x56, 0x78}, // header: v1.3 EXPERIMENTER len 24
				[]byte{0x4f, 0x4e, 0x46, 0x00},                         // experimenter ONF
				[]byte{0x00, 0x00, 0x08, 0xfc},                         // exp_type 2300 BUNDLE_CONTROL
				[]byte{0x00, 0x00, 0x00, 0x07},                         // bundle_id 7
				[]byte{0x00, 0x00},                                     // type OPEN_REQUEST
				[]byte{0x00, 0x03},                                     // flags ATOMIC|ORDERED
			),
		},
		{
			name: "commit reply with a property",
			msg: &BundleControl{BundleID: 0xdeadbeef, ControlType: BundleCommitReply,
				Properties: []byte{0xff, 0xff, 0x00, 0x0c, 0, 0, 0x23, 0x20, 0, 0, 0, 1, 0, 0, 0, 0}},
			want: hexBytes(
				[]byte{0x04, 0x04, 0x00, 0x28, 0x12, 0x34, 0x56, 0x78}, // header: len 40
				[]byte{0x4f, 0x4e, 0x46, 0x00},                         // experimenter ONF
				[]byte{0x00, 0x00, 0x08, 0xfc},                         // exp_type 2300
				[]byte{0xde, 0xad, 0xbe, 0xef},                         // bundle_id
				[]byte{0x00, 0x05},                                     // type COMMIT_REPLY
				[]byte{0x00, 0x00},                                     // flags none
				[]byte{0xff, 0xff, 0x00, 0x0c},                         // property EXPERIMENTER, len 12
				[]byte{0, 0, 0x23, 0x20},                               // experimenter
				[]byte{0, 0, 0, 1},                                     // exp_type
				[]byte{0, 0, 0, 0},                                     // padding to 8
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

func TestBundleAddEncoding(t *testing.T) {
	tests := []struct {
		name string
		msg  *BundleAdd
		want []byte
	}{
		{
			name: "barrier",
			msg:  &BundleAdd{BundleID: 7, Flags: BundleAtomic, Xid: 0x12345678, Message: &BarrierRequest{}},
			want: hexBytes(
				[]byte{0x04, 0x04, 0x00, 0x20, 0x12, 0x34, 0x56, 0x78}, // header: v1.3 EXPERIMENTER len 32
				[]byte{0x4f, 0x4e, 0x46, 0x00},                         // experimenter ONF
				[]byte{0x00, 0x00, 0x08, 0xfd},                         // exp_type 2301 BUNDLE_ADD_MESSAGE
				[]byte{0x00, 0x00, 0x00, 0x07},                         // bundle_id 7
				[]byte{0x00, 0x00},                                     // pad
				[]byte{0x00, 0x01},                                     // flags ATOMIC
				[]byte{0x04, 0x14, 0x00, 0x08, 0x12, 0x34, 0x56, 0x78}, // inner BARRIER_REQUEST, same xid
			),
		},
		{
			name: "group mod",
			msg: &BundleAdd{BundleID: 1, Xid: 0x12345678, Message: &GroupMod{
				Command: GroupAdd, GroupType: GroupTypeSelect, GroupID: 2,
				Buckets: []Bucket{{Weight: 1, WatchPort: PortAny, WatchGroup: GroupAny}}}},
			want: hexBytes(
				[]byte{0x04, 0x04, 0x00, 0x38, 0x12, 0x34, 0x56, 0x78}, // header: len 56
				[]byte{0x4f, 0x4e, 0x46, 0x00, 0x00, 0x00, 0x08, 0xfd}, // ONF, BUNDLE_ADD_MESSAGE
				[]byte{0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00}, // bundle_id 1, pad, flags none
				[]byte{0x04, 0x0f, 0x00, 0x20, 0x12, 0x34, 0x56, 0x78}, // inner GROUP_MOD header, len 32
				[]byte{0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x02}, // ADD SELECT group 2
				[]byte{0x00, 0x10, 0x00, 0x01, 0xff, 0xff, 0xff, 0xff}, // bucket len 16 weight 1 watch_port ANY
				[]byte{0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00}, // watch_group ANY, pad
			),
		},
		{
			name: "properties after an unaligned inner message",
			msg: &BundleAdd{BundleID: 2, Xid: 0x12345678, Message: &EchoRequest{Data: []byte{0xaa}},
				Properties: []byte{0xff, 0xff, 0x00, 0x08, 0, 0, 0x23, 0x20}},
			want: hexBytes(
				[]byte{0x04, 0x04, 0x00, 0x30, 0x12, 0x34, 0x56, 0x78}, // header: len 48
				[]byte{0x4f, 0x4e, 0x46, 0x00, 0x00, 0x00, 0x08, 0xfd}, // ONF, BUNDLE_ADD_MESSAGE
				[]byte{0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00}, // bundle_id 2, pad, flags none
				[]byte{0x04, 0x02, 0x00, 0x09, 0x12, 0x34, 0x56, 0x78}, // inner ECHO_REQUEST, len 9
				[]byte{0xaa},                // echo data
				[]byte{0, 0, 0, 0, 0, 0, 0}, // padding to 8 before the properties
				[]byte{0xff, 0xff, 0x00, 0x08, 0, 0, 0x23, 0x20}, // property EXPERIMENTER len 8
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

// TestBundleOVS checks a whole bundle transaction against what Open
// vSwitch decodes: open, two flow mods, commit.
func TestBundleOVS(t *testing.T) {
	const id = 0x0f1b
	frames := [][]byte{
		mustMarshal(t, 1, &BundleControl{BundleID: id, ControlType: BundleOpenRequest, Flags: BundleAtomic | BundleOrdered}),
		mustMarshal(t, 2, &BundleAdd{BundleID: id, Flags: BundleAtomic | BundleOrdered, Xid: 2,
			Message: &rawMessage{typ: TypeFlowMod, body: rawFlowMod(100, 1, 2)}}),
		mustMarshal(t, 3, &BundleAdd{BundleID: id, Flags: BundleAtomic | BundleOrdered, Xid: 3,
			Message: &rawMessage{typ: TypeFlowMod, body: rawFlowMod(200, 2, 1)}}),
		mustMarshal(t, 4, &BundleAdd{BundleID: id, Flags: BundleAtomic | BundleOrdered, Xid: 4,
			Message: &GroupMod{Command: GroupAdd, GroupType: GroupTypeSelect, GroupID: 5, Buckets: []Bucket{
				{Weight: 50, WatchPort: PortAny, WatchGroup: GroupAny, Actions: []Action{&Output{Port: 3}}},
			}}}),
		mustMarshal(t, 5, &BundleControl{BundleID: id, ControlType: BundleCommitRequest, Flags: BundleAtomic | BundleOrdered}),
		mustMarshal(t, 6, &BundleControl{BundleID: id, ControlType: BundleDiscardReply}),
	}
	want := `ONFT_BUNDLE_CONTROL (OF1.3) (xid=0x1):
 bundle_id=0xf1b type=OPEN_REQUEST flags=atomic ordered
ONFT_BUNDLE_ADD_MESSAGE (OF1.3) (xid=0x2):
 bundle_id=0xf1b flags=atomic ordered
OFPT_FLOW_MOD (OF1.3) (xid=0x2): ADD priority=100,in_port=1 actions=output:2
ONFT_BUNDLE_ADD_MESSAGE (OF1.3) (xid=0x3):
 bundle_id=0xf1b flags=atomic ordered
OFPT_FLOW_MOD (OF1.3) (xid=0x3): ADD priority=200,in_port=2 actions=output:1
ONFT_BUNDLE_ADD_MESSAGE (OF1.3) (xid=0x4):
 bundle_id=0xf1b flags=atomic ordered
OFPT_GROUP_MOD (OF1.3) (xid=0x4):
 ADD group_id=5,type=select,bucket=weight:50,actions=output:3
ONFT_BUNDLE_CONTROL (OF1.3) (xid=0x5):
 bundle_id=0xf1b type=COMMIT_REQUEST flags=atomic ordered
ONFT_BUNDLE_CONTROL (OF1.3) (xid=0x6):
 bundle_id=0xf1b type=DISCARD_REPLY flags=0
`
	if out := ofpParse(t, frames...); out != want {
		t.Fatalf("ovs-ofctl printed:\n%s\nwant:\n%s", out, want)
	}
}

// natFlowMod is the forward entry of a reactive NAT flow, as the load
// balancer installs it: exact 5-tuple match, rewrite to the backend,
// output. Its encoding is 152 bytes.
func natFlowMod(i int) *FlowMod {
	fm := NewFlowMod(FlowAdd)
	fm.Cookie = 0x0100_0002_0000_0000 | uint64(i)
	fm.Priority = 1000
	fm.IdleTimeout = 30
	fm.Flags = FlowSendFlowRem
	fm.Match.SetInPort(1)
	fm.Match.SetEthType(0x0800)
	fm.Match.SetIPProto(6)
	fm.Match.SetIPv4Src(netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}))
	fm.Match.SetIPv4Dst(netip.MustParseAddr("198.51.100.10"))
	fm.Match.SetTCPSrc(uint16(40000 + i))
	fm.Match.SetTCPDst(80)
	fm.Instructions = []Instruction{&ApplyActions{Actions: []Action{
		&SetField{Field: IPv4Dst(netip.MustParseAddr("10.0.0.2"))},
		&SetField{Field: TCPDst(8080)},
		&Output{Port: 2},
	}}}
	return fm
}

// TestBundleFlowModOVS adds real FLOW_MODs to a bundle: OVS must decode
// the inner messages, and they must round trip.
func TestBundleFlowModOVS(t *testing.T) {
	const id = 0x0f1b
	add := &BundleAdd{BundleID: id, Flags: BundleAtomic, Xid: 0x12345678, Message: natFlowMod(7)}
	roundTrip(t, add)
	frames := [][]byte{
		mustMarshal(t, 1, &BundleControl{BundleID: id, ControlType: BundleOpenRequest, Flags: BundleAtomic}),
		mustMarshal(t, 2, &BundleAdd{BundleID: id, Flags: BundleAtomic, Xid: 2, Message: natFlowMod(7)}),
		mustMarshal(t, 3, &BundleControl{BundleID: id, ControlType: BundleCommitRequest, Flags: BundleAtomic}),
	}
	want := `ONFT_BUNDLE_CONTROL (OF1.3) (xid=0x1):
 bundle_id=0xf1b type=OPEN_REQUEST flags=atomic
ONFT_BUNDLE_ADD_MESSAGE (OF1.3) (xid=0x2):
 bundle_id=0xf1b flags=atomic
OFPT_FLOW_MOD (OF1.3) (xid=0x2): ADD priority=1000,tcp,in_port=1,nw_src=192.0.2.7,nw_dst=198.51.100.10,tp_src=40007,tp_dst=80 cookie:0x100000200000007 idle:30 send_flow_rem actions=set_field:10.0.0.2->ip_dst,set_field:8080->tcp_dst,output:2
ONFT_BUNDLE_CONTROL (OF1.3) (xid=0x3):
 bundle_id=0xf1b type=COMMIT_REQUEST flags=atomic
`
	if out := ofpParse(t, frames...); out != want {
		t.Fatalf("ovs-ofctl printed:\n%s\nwant:\n%s", out, want)
	}
}

func TestBundleAddDecodesInner(t *testing.T) {
	frame := hexBytes(
		[]byte{0x04, 0x04, 0x00, 0x20, 0x00, 0x00, 0x00, 0x09}, // EXPERIMENTER len 32 xid 9
		[]byte{0x4f, 0x4e, 0x46, 0x00, 0x00, 0x00, 0x08, 0xfd}, // ONF, BUNDLE_ADD_MESSAGE
		[]byte{0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x02}, // bundle_id 3, pad, flags ORDERED
		[]byte{0x04, 0x14, 0x00, 0x08, 0x00, 0x00, 0x00, 0x09}, // inner BARRIER_REQUEST xid 9
	)
	var d Decoder
	for i := 0; i < 2; i++ { // the second decode reuses the Decoder's message
		h, m, err := d.Decode(frame)
		if err != nil {
			t.Fatal(err)
		}
		ba, ok := m.(*BundleAdd)
		if !ok {
			t.Fatalf("decoded %T, want *BundleAdd", m)
		}
		want := &BundleAdd{BundleID: 3, Flags: BundleOrdered, Xid: 9, Message: &BarrierRequest{}}
		if !reflect.DeepEqual(ba, want) {
			t.Fatalf("got %+v, want %+v", ba, want)
		}
		if ba.Xid != h.Xid {
			t.Fatalf("inner xid %#x, outer %#x", ba.Xid, h.Xid)
		}
	}
}

func TestBundleDecodeErrors(t *testing.T) {
	ctrl := []byte{0x4f, 0x4e, 0x46, 0x00, 0x00, 0x00, 0x08, 0xfc, 0, 0, 0, 7, 0, 0, 0, 3}
	add := []byte{0x4f, 0x4e, 0x46, 0x00, 0x00, 0x00, 0x08, 0xfd, 0, 0, 0, 7, 0, 0, 0, 3}
	barrier := []byte{0x04, 0x14, 0x00, 0x08, 0, 0, 0, 1}
	tests := []badDecode{
		{name: "control empty", msg: &BundleControl{BundleID: 99}, body: nil, eof: true},
		{name: "control short", msg: &BundleControl{BundleID: 99}, body: ctrl[:15], eof: true},
		{name: "control with the add type", msg: &BundleControl{BundleID: 99}, body: add},
		{name: "control with another experimenter", msg: &BundleControl{BundleID: 99},
			body: hexBytes([]byte{0, 0, 0x23, 0x20}, ctrl[4:])},
		{name: "control property cut", msg: &BundleControl{BundleID: 99}, body: hexBytes(ctrl, []byte{0xff, 0xff}), eof: true},
		{name: "control property length below 4", msg: &BundleControl{BundleID: 99},
			body: hexBytes(ctrl, []byte{0xff, 0xff, 0, 2, 0, 0, 0, 0})},
		{name: "control property past the end", msg: &BundleControl{BundleID: 99},
			body: hexBytes(ctrl, []byte{0xff, 0xff, 0, 12, 0, 0, 0, 0}), eof: true},
		{name: "add without inner message", msg: &BundleAdd{BundleID: 99}, body: add, eof: true},
		{name: "add with inner header cut", msg: &BundleAdd{BundleID: 99}, body: hexBytes(add, barrier[:7]), eof: true},
		{name: "add with the control type", msg: &BundleAdd{BundleID: 99}, body: hexBytes(ctrl, barrier)},
		{name: "add with nonzero pad", msg: &BundleAdd{BundleID: 99},
			body: hexBytes(add[:12], []byte{0, 1, 0, 3}, barrier)},
		{name: "add with inner length below the header", msg: &BundleAdd{BundleID: 99},
			body: hexBytes(add, []byte{0x04, 0x14, 0x00, 0x04, 0, 0, 0, 1})},
		{name: "add with inner length past the end", msg: &BundleAdd{BundleID: 99},
			body: hexBytes(add, []byte{0x04, 0x14, 0x00, 0x10, 0, 0, 0, 1}), eof: true},
		{name: "add with an inner message of another version", msg: &BundleAdd{BundleID: 99},
			body: hexBytes(add, []byte{0x01, 0x12, 0x00, 0x08, 0, 0, 0, 1}), is: ErrVersion},
		{name: "add with an undecodable inner message", msg: &BundleAdd{BundleID: 99},
			body: hexBytes(add, []byte{0x04, 0x14, 0x00, 0x09, 0, 0, 0, 1, 0})},
		{name: "add with a nested bundle control", msg: &BundleAdd{BundleID: 99},
			body: hexBytes(add, []byte{0x04, 0x04, 0x00, 0x18, 0, 0, 0, 1}, ctrl), is: ErrBundleNested},
		{name: "add with a nested bundle add", msg: &BundleAdd{BundleID: 99},
			body: hexBytes(add, []byte{0x04, 0x04, 0x00, 0x20, 0, 0, 0, 1}, add, barrier), is: ErrBundleNested},
		{name: "add with padding cut", msg: &BundleAdd{BundleID: 99},
			body: hexBytes(add, []byte{0x04, 0x02, 0x00, 0x09, 0, 0, 0, 1, 0xaa}, []byte{0, 0}), eof: true},
		{name: "add with nonzero padding", msg: &BundleAdd{BundleID: 99},
			body: hexBytes(add, []byte{0x04, 0x02, 0x00, 0x09, 0, 0, 0, 1, 0xaa}, []byte{0, 0, 0, 1, 0, 0, 0})},
		{name: "add with a bad property", msg: &BundleAdd{BundleID: 99},
			body: hexBytes(add, barrier, []byte{0xff, 0xff, 0, 0, 0, 0, 0, 0})},
	}
	testBadDecodes(t, tests)
}

func TestBundleEncodeErrors(t *testing.T) {
	tests := []struct {
		name string
		msg  Message
		is   error
	}{
		{name: "add without a message", msg: &BundleAdd{BundleID: 1}, is: ErrBundleNoMessage},
		{name: "add of a bundle control", msg: &BundleAdd{Message: &BundleControl{}}, is: ErrBundleNested},
		{name: "add of a bundle add", msg: &BundleAdd{Message: &BundleAdd{Message: &BarrierRequest{}}}, is: ErrBundleNested},
		{name: "add of a failing message", msg: &BundleAdd{Message: &GroupMod{Buckets: []Bucket{{Actions: []Action{failAction{}}}}}}},
		{name: "add of a too long message", msg: &BundleAdd{Message: &rawMessage{typ: TypeFlowMod, body: make([]byte, MaxMessageLen)}}, is: ErrTooLong},
		{name: "add with bad properties", msg: &BundleAdd{Message: &BarrierRequest{}, Properties: []byte{0xff}}},
		{name: "control with bad properties", msg: &BundleControl{Properties: []byte{0xff, 0xff, 0, 8}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Append([]byte{0xaa}, 1, tt.msg)
			if err == nil {
				t.Fatalf("encoded % x", b)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("error %v does not wrap %v", err, tt.is)
			}
			if len(b) != 1 {
				t.Fatalf("failed encode left %d bytes, want the input's 1", len(b))
			}
		})
	}
}

func TestBundleEnumStrings(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{name: "open request", got: BundleOpenRequest.String(), want: "OPEN_REQUEST"},
		{name: "commit reply", got: BundleCommitReply.String(), want: "COMMIT_REPLY"},
		{name: "discard reply", got: BundleDiscardReply.String(), want: "DISCARD_REPLY"},
		{name: "unknown type", got: BundleControlType(8).String(), want: "BundleControlType(8)"},
		{name: "no flags", got: BundleFlags(0).String(), want: "0"},
		{name: "both flags", got: (BundleAtomic | BundleOrdered).String(), want: "ATOMIC|ORDERED"},
		{name: "unknown flag", got: BundleFlags(4).String(), want: "0x4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Fatalf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func FuzzBundleControl(f *testing.F) {
	// Seed (more in testdata/fuzz/FuzzBundleControl): open bundle 7,
	// atomic and ordered.
	f.Add([]byte{0x4f, 0x4e, 0x46, 0x00, 0x00, 0x00, 0x08, 0xfc, 0, 0, 0, 7, 0, 0, 0, 3})
	f.Fuzz(func(t *testing.T, body []byte) {
		checkBodyRoundTrip(t, body, func() Message { return new(BundleControl) })
	})
}

func FuzzBundleAdd(f *testing.F) {
	// Seed (more in testdata/fuzz/FuzzBundleAdd): a barrier added to
	// bundle 7.
	f.Add([]byte{0x4f, 0x4e, 0x46, 0x00, 0x00, 0x00, 0x08, 0xfd, 0, 0, 0, 7, 0, 0, 0, 3,
		0x04, 0x14, 0x00, 0x08, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, body []byte) {
		checkBodyRoundTrip(t, body, func() Message { return new(BundleAdd) })
	})
}

// BenchmarkBundleEncode encodes a bundle of 100 NAT flow mods (open, 100
// adds, commit) into a reused buffer.
func BenchmarkBundleEncode(b *testing.B) {
	adds := make([]BundleAdd, 100)
	for i := range adds {
		adds[i] = BundleAdd{BundleID: 1, Flags: BundleAtomic | BundleOrdered, Message: natFlowMod(i)}
	}
	ctrl := &BundleControl{BundleID: 1, Flags: BundleAtomic | BundleOrdered}
	buf := make([]byte, 0, 32<<10)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		buf = buf[:0]
		xid := uint32(1)
		ctrl.ControlType = BundleOpenRequest
		if buf, err = Append(buf, xid, ctrl); err != nil {
			b.Fatal(err)
		}
		for i := range adds {
			xid++
			adds[i].Xid = xid
			if buf, err = Append(buf, xid, &adds[i]); err != nil {
				b.Fatal(err)
			}
		}
		xid++
		ctrl.ControlType = BundleCommitRequest
		if buf, err = Append(buf, xid, ctrl); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func TestBundleErrorNames(t *testing.T) {
	for _, tt := range []struct {
		name string
		em   ErrorMsg
		want string
	}{
		{"msg failed", ErrorMsg{ErrType: ErrTypeExperimenter, Experimenter: BundleExperimenterID, Code: 2313}, "openflow: OFPET_EXPERIMENTER/ONFBFC_MSG_FAILED"},
		{"bad id", ErrorMsg{ErrType: ErrTypeExperimenter, Experimenter: BundleExperimenterID, Code: 2302}, "openflow: OFPET_EXPERIMENTER/ONFBFC_BAD_ID"},
		{"other experimenter", ErrorMsg{ErrType: ErrTypeExperimenter, Experimenter: 0x2320, Code: 2313}, "openflow: OFPET_EXPERIMENTER/experimenter 0x2320 exp_type 2313"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.em.Error(); got != tt.want {
				t.Fatalf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}
