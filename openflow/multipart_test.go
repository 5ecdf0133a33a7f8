package openflow

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// cat joins byte slices: annotated vectors are written field by field.
func mpCat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// mpFrame builds a whole multipart message with xid 0x12345678 (the xid
// roundTrip uses) around an annotated body.
func mpFrame(t Type, mt MultipartType, flags MultipartFlags, body ...[]byte) []byte {
	b := mpCat(body...)
	h := []byte{Version, byte(t), 0, 0, 0x12, 0x34, 0x56, 0x78}
	binary.BigEndian.PutUint16(h[2:], uint16(16+len(b)))
	return mpCat(h,
		[]byte{byte(mt >> 8), byte(mt)},       // type
		[]byte{byte(flags >> 8), byte(flags)}, // flags
		[]byte{0, 0, 0, 0},                    // pad
		b)
}

func mpU16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func mpU32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func mpU64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }
func mpPad(n int) []byte    { return make([]byte, n) }

// strField is s NUL-padded to n bytes.
func mpStr(s string, n int) []byte { return append([]byte(s), make([]byte, n-len(s))...) }

// sampleMatch is eth_type=0x0800, ipv4_dst=10.0.0.1, tcp... kept small:
// eth_type and ipv4_dst; matchBytes is its encoding.
func sampleMatch() Match {
	var m Match
	m.SetEthType(0x0800)
	m.SetIPv4Dst(netip.MustParseAddr("10.0.0.1"))
	return m
}

var matchBytes = mpCat(
	mpU16(1), mpU16(4+6+8), // OFPMT_OXM, length 18
	[]byte{0x80, 0x00, 0x0a, 0x02, 0x08, 0x00},  // eth_type=0x0800
	[]byte{0x80, 0x00, 0x18, 0x04, 10, 0, 0, 1}, // ipv4_dst=10.0.0.1
	mpPad(6), // to 24
)

// emptyMatchBytes is an OXM match without fields.
var emptyMatchBytes = mpCat(mpU16(1), mpU16(4), mpPad(4))

// applyOutput2 is apply_actions(output:2) and its encoding.
var applyOutput2 = []Instruction{&ApplyActions{Actions: []Action{&Output{Port: 2}}}}

var applyOutput2Bytes = mpCat(
	mpU16(4), mpU16(24), mpPad(4), // APPLY_ACTIONS, len 24
	mpU16(0), mpU16(16), mpU32(2), mpU16(0), mpPad(6), // output:2 max_len 0
)

// flowStatsSample is a function: the match tables are set up by an init
// function, after package variables.
func flowStatsSample() FlowStats {
	return FlowStats{
		TableID: 3, DurationSec: 10, DurationNsec: 500, Priority: 1000,
		IdleTimeout: 60, HardTimeout: 300, Flags: FlowSendFlowRem,
		Cookie: 0xfeed, PacketCount: 7, ByteCount: 700,
		Match: sampleMatch(), Instructions: applyOutput2,
	}
}

var flowStatsSampleBytes = mpCat(
	mpU16(48+24+24), []byte{3, 0}, // length 96, table 3, pad
	mpU32(10), mpU32(500), // duration 10.000000500 s
	mpU16(1000), mpU16(60), mpU16(300), mpU16(1), // priority, idle, hard, flags SEND_FLOW_REM
	mpPad(4),
	mpU64(0xfeed), mpU64(7), mpU64(700), // cookie, packets, bytes
	matchBytes, applyOutput2Bytes,
)

var portStatsSample = PortStats{
	PortNo: 1, RxPackets: 1, TxPackets: 2, RxBytes: 3, TxBytes: 4, RxDropped: 5, TxDropped: 6,
	RxErrors: 7, TxErrors: 8, RxFrameErr: 9, RxOverErr: 10, RxCRCErr: 11, Collisions: 12,
	DurationSec: 13, DurationNsec: 14,
}

var portStatsSampleBytes = mpCat(
	mpU32(1), mpPad(4), // port 1
	mpU64(1), mpU64(2), mpU64(3), mpU64(4), // rx/tx packets, rx/tx bytes
	mpU64(5), mpU64(6), mpU64(7), mpU64(8), // rx/tx dropped, rx/tx errors
	mpU64(9), mpU64(10), mpU64(11), mpU64(12), // frame, over, crc, collisions
	mpU32(13), mpU32(14), // duration
)

var tableFeaturesSample = TableFeatures{
	TableID: 0, Name: "classifier", MetadataMatch: ^uint64(0), MetadataWrite: ^uint64(0),
	Config: 3, MaxEntries: 1000000,
	Properties: []TableFeatureProp{
		&TableFeatureInstructions{Type: TablePropInstructions, IDs: []InstructionID{
			{Type: InstructionTypeGotoTable}, {Type: InstructionTypeApplyActions}}},
		&TableFeatureNextTables{Type: TablePropNextTables, TableIDs: []uint8{1, 2, 3}},
		&TableFeatureActions{Type: TablePropApplyActions, IDs: []ActionID{
			{Type: ActionTypeOutput}, {Type: ActionTypeSetField}}},
		&TableFeatureOXMs{Type: TablePropMatch, IDs: []OXMID{
			NewOXMID(OXMClassOpenFlowBasic, 5, false, 2), NewOXMID(OXMClassOpenFlowBasic, 12, true, 8)}},
		&TableFeatureOXMs{Type: TablePropApplySetfield, IDs: []OXMID{
			NewOXMID(OXMClassOpenFlowBasic, 12, false, 4)}},
	},
}

var tableFeaturesSampleBytes = mpCat(
	mpU16(64+16+8+16+16+8), []byte{0}, mpPad(5), // length 128, table 0
	mpStr("classifier", 32),
	mpU64(^uint64(0)), mpU64(^uint64(0)), // metadata match, write
	mpU32(3), mpU32(1000000), // config, max_entries
	mpU16(0), mpU16(12), mpU16(1), mpU16(4), mpU16(4), mpU16(4), mpPad(4), // INSTRUCTIONS: goto_table, apply_actions
	mpU16(2), mpU16(7), []byte{1, 2, 3}, mpPad(1), // NEXT_TABLES 1,2,3
	mpU16(6), mpU16(12), mpU16(0), mpU16(4), mpU16(25), mpU16(4), mpPad(4), // APPLY_ACTIONS: output, set_field
	mpU16(8), mpU16(12), mpU32(0x80000a02), mpU32(0x80001908), mpPad(4), // MATCH: eth_type, ipv4_dst/masked
	mpU16(14), mpU16(8), mpU32(0x80001804), // APPLY_SETFIELD: ipv4_dst
)

var descSample = Desc{MfrDesc: "oflb", HWDesc: "hw", SWDesc: "sw 1.0", SerialNum: "SN1", DPDesc: "br0"}

// ovsTableFeatures is tableFeaturesSample with every property that Open
// vSwitch requires in a reply, the table-miss variants, and an experimenter
// property (which OVS skips).
func ovsTableFeatures() TableFeatures {
	tf := tableFeaturesSample
	tf.Properties = append(slices.Clone(tf.Properties),
		&TableFeatureInstructions{Type: TablePropInstructionsMiss, IDs: []InstructionID{{Type: InstructionTypeApplyActions}}},
		&TableFeatureNextTables{Type: TablePropNextTablesMiss},
		&TableFeatureActions{Type: TablePropWriteActions, IDs: []ActionID{{Type: ActionTypeGroup}}},
		&TableFeatureActions{Type: TablePropWriteActionsMiss},
		&TableFeatureActions{Type: TablePropApplyActionsMiss, IDs: []ActionID{{Type: ActionTypeOutput}}},
		&TableFeatureOXMs{Type: TablePropWildcards, IDs: []OXMID{NewOXMID(OXMClassOpenFlowBasic, 12, false, 4)}},
		&TableFeatureOXMs{Type: TablePropWriteSetfield},
		&TableFeatureOXMs{Type: TablePropWriteSetfieldMiss},
		&TableFeatureOXMs{Type: TablePropApplySetfieldMiss},
		&TableFeatureExperimenter{Type: TablePropExperimenter, Experimenter: 0x2320, ExpType: 1, Data: []byte{1, 2, 3, 4}},
	)
	return tf
}

// multipartVectors is every request and reply body with its annotated
// encoding.
func multipartVectors() []struct {
	name string
	msg  Message
	wire []byte
} {
	rq, rp := TypeMultipartRequest, TypeMultipartReply
	return []struct {
		name string
		msg  Message
		wire []byte
	}{
		{"desc request", &MultipartRequest{Body: &DescRequest{}}, mpFrame(rq, MultipartDesc, 0)},
		{"desc reply", &MultipartReply{Body: &descSample}, mpFrame(rp, MultipartDesc, 0,
			mpStr("oflb", 256), mpStr("hw", 256), mpStr("sw 1.0", 256), mpStr("SN1", 32), mpStr("br0", 256))},
		{"flow request", &MultipartRequest{Body: &FlowStatsRequest{TableID: TableAll, OutPort: PortAny, OutGroup: GroupAny,
			Cookie: 0x1234, CookieMask: 0xffff, Match: sampleMatch()}}, mpFrame(rq, MultipartFlow, 0,
			[]byte{0xff, 0, 0, 0}, mpU32(PortAny), mpU32(GroupAny), mpPad(4), // table ALL, out_port ANY, out_group ANY
			mpU64(0x1234), mpU64(0xffff), matchBytes)},
		{"flow reply", &MultipartReply{Flags: MultipartMore, Body: &FlowStatsReply{Stats: []FlowStats{flowStatsSample(),
			{TableID: 0, Priority: 0}}}}, mpFrame(rp, MultipartFlow, MultipartMore, flowStatsSampleBytes,
			mpU16(56), mpPad(46), emptyMatchBytes)}, // a table-miss entry: length 56, the rest zero
		{"flow reply empty", &MultipartReply{Body: &FlowStatsReply{}}, mpFrame(rp, MultipartFlow, 0)},
		{"aggregate request", &MultipartRequest{Body: &AggregateStatsRequest{TableID: 1, OutPort: PortAny, OutGroup: GroupAny}},
			mpFrame(rq, MultipartAggregate, 0, []byte{1, 0, 0, 0}, mpU32(PortAny), mpU32(GroupAny), mpPad(4), mpU64(0), mpU64(0), emptyMatchBytes)},
		{"aggregate reply", &MultipartReply{Body: &AggregateStatsReply{PacketCount: 100, ByteCount: 6400, FlowCount: 3}},
			mpFrame(rp, MultipartAggregate, 0, mpU64(100), mpU64(6400), mpU32(3), mpPad(4))},
		{"table request", &MultipartRequest{Body: &TableStatsRequest{}}, mpFrame(rq, MultipartTable, 0)},
		{"table reply", &MultipartReply{Body: &TableStatsReply{Stats: []TableStats{
			{TableID: 0, ActiveCount: 5, LookupCount: 100, MatchedCount: 90}, {TableID: 1}}}},
			mpFrame(rp, MultipartTable, 0,
				[]byte{0, 0, 0, 0}, mpU32(5), mpU64(100), mpU64(90), // table 0: active 5, lookup 100, matched 90
				[]byte{1, 0, 0, 0}, mpU32(0), mpU64(0), mpU64(0))}, // table 1
		{"port stats request", &MultipartRequest{Body: &PortStatsRequest{PortNo: PortAny}}, mpFrame(rq, MultipartPortStats, 0, mpU32(PortAny), mpPad(4))},
		{"port stats reply", &MultipartReply{Body: &PortStatsReply{Stats: []PortStats{portStatsSample}}},
			mpFrame(rp, MultipartPortStats, 0, portStatsSampleBytes)},
		{"queue request", &MultipartRequest{Body: &QueueStatsRequest{PortNo: 1, QueueID: 0xffffffff}},
			mpFrame(rq, MultipartQueue, 0, mpU32(1), mpU32(0xffffffff))},
		{"queue reply", &MultipartReply{Body: &QueueStatsReply{Stats: []QueueStats{
			{PortNo: 1, QueueID: 2, TxBytes: 3, TxPackets: 4, TxErrors: 5, DurationSec: 6, DurationNsec: 7}}}},
			mpFrame(rp, MultipartQueue, 0, mpU32(1), mpU32(2), mpU64(3), mpU64(4), mpU64(5), mpU32(6), mpU32(7))},
		{"group request", &MultipartRequest{Body: &GroupStatsRequest{GroupID: GroupAll}}, mpFrame(rq, MultipartGroup, 0, mpU32(GroupAll), mpPad(4))},
		{"group reply", &MultipartReply{Body: &GroupStatsReply{Stats: []GroupStats{
			{GroupID: 1, RefCount: 2, PacketCount: 3, ByteCount: 4, DurationSec: 5, DurationNsec: 6,
				BucketStats: []BucketCounter{{1, 64}, {2, 128}}},
			{GroupID: 9}}}},
			mpFrame(rp, MultipartGroup, 0,
				mpU16(72), mpPad(2), mpU32(1), mpU32(2), mpPad(4), // length 72, group 1, ref_count 2
				mpU64(3), mpU64(4), mpU32(5), mpU32(6), // packets, bytes, duration
				mpU64(1), mpU64(64), mpU64(2), mpU64(128), // bucket counters
				mpU16(40), mpPad(2), mpU32(9), mpU32(0), mpPad(4), mpU64(0), mpU64(0), mpU32(0), mpU32(0))}, // group 9, no bucket
		{"group desc request", &MultipartRequest{Body: &GroupDescRequest{}}, mpFrame(rq, MultipartGroupDesc, 0)},
		{"group desc reply", &MultipartReply{Body: &GroupDescReply{Groups: []GroupDesc{
			{GroupType: GroupTypeSelect, GroupID: 7, Buckets: []Bucket{{Weight: 10, WatchPort: PortAny, WatchGroup: GroupAny,
				Actions: []Action{&Output{Port: 2}}}}},
			{GroupType: GroupTypeAll, GroupID: 8}}}},
			mpFrame(rp, MultipartGroupDesc, 0,
				mpU16(8+32), []byte{1, 0}, mpU32(7), // length 40, SELECT, group 7
				mpU16(32), mpU16(10), mpU32(PortAny), mpU32(GroupAny), mpPad(4), // bucket len 32, weight 10
				mpU16(0), mpU16(16), mpU32(2), mpU16(0), mpPad(6), // output:2
				mpU16(8), []byte{0, 0}, mpU32(8))}, // group 8, ALL, no bucket
		{"group features request", &MultipartRequest{Body: &GroupFeaturesRequest{}}, mpFrame(rq, MultipartGroupFeatures, 0)},
		{"group features reply", &MultipartReply{Body: &GroupFeaturesReply{Types: 0xf,
			Capabilities: GroupCapSelectWeight | GroupCapChaining, MaxGroups: [4]uint32{1, 2, 3, 4},
			Actions: [4]uint32{1, 1 << 22, 0, 1}}},
			mpFrame(rp, MultipartGroupFeatures, 0, mpU32(0xf), mpU32(5), mpU32(1), mpU32(2), mpU32(3), mpU32(4),
				mpU32(1), mpU32(1<<22), mpU32(0), mpU32(1))},
		{"meter request", &MultipartRequest{Body: &MeterStatsRequest{MeterID: MeterAll}}, mpFrame(rq, MultipartMeter, 0, mpU32(MeterAll), mpPad(4))},
		{"meter reply", &MultipartReply{Body: &MeterStatsReply{Stats: []MeterStats{
			{MeterID: 1, FlowCount: 2, PacketInCount: 3, ByteInCount: 4, DurationSec: 5, DurationNsec: 6,
				BandStats: []MeterBandStats{{7, 8}}}}}},
			mpFrame(rp, MultipartMeter, 0,
				mpU32(1), mpU16(56), mpPad(6), // meter 1, len 56
				mpU32(2), mpU64(3), mpU64(4), mpU32(5), mpU32(6), // flow_count, packets, bytes, duration
				mpU64(7), mpU64(8))}, // band 0
		{"meter config request", &MultipartRequest{Body: &MeterConfigRequest{MeterID: 3}}, mpFrame(rq, MultipartMeterConfig, 0, mpU32(3), mpPad(4))},
		{"meter config reply", &MultipartReply{Body: &MeterConfigReply{Configs: []MeterConfig{
			{Flags: MeterKbps | MeterFlagStats, MeterID: 3, Bands: []MeterBand{{Type: MeterBandDrop, Rate: 1000, BurstSize: 0}}}}}},
			mpFrame(rp, MultipartMeterConfig, 0,
				mpU16(24), mpU16(9), mpU32(3), // len 24, KBPS|STATS, meter 3
				mpU16(1), mpU16(16), mpU32(1000), mpU32(0), mpPad(4))}, // drop rate 1000
		{"meter features request", &MultipartRequest{Body: &MeterFeaturesRequest{}}, mpFrame(rq, MultipartMeterFeatures, 0)},
		{"meter features reply", &MultipartReply{Body: &MeterFeaturesReply{MaxMeter: 100, BandTypes: 6,
			Capabilities: MeterKbps | MeterPktps | MeterBurst | MeterFlagStats, MaxBands: 4, MaxColor: 1}},
			mpFrame(rp, MultipartMeterFeatures, 0, mpU32(100), mpU32(6), mpU32(15), []byte{4, 1}, mpPad(2))},
		{"table features request (query)", &MultipartRequest{Body: &TableFeaturesRequest{}}, mpFrame(rq, MultipartTableFeatures, 0)},
		{"table features request (set)", &MultipartRequest{Body: &TableFeaturesRequest{Features: []TableFeatures{tableFeaturesSample}}},
			mpFrame(rq, MultipartTableFeatures, 0, tableFeaturesSampleBytes)},
		{"table features reply", &MultipartReply{Body: &TableFeaturesReply{Features: []TableFeatures{tableFeaturesSample}}},
			mpFrame(rp, MultipartTableFeatures, 0, tableFeaturesSampleBytes)},
		{"port desc request", &MultipartRequest{Body: &PortDescRequest{}}, mpFrame(rq, MultipartPortDesc, 0)},
		{"port desc reply", &MultipartReply{Body: &PortDescReply{Ports: []Port{portValue}}}, mpFrame(rp, MultipartPortDesc, 0, portBytes)},
		{"experimenter request", &MultipartRequest{Body: &ExperimenterMultipart{Experimenter: 0x2320, ExpType: 5, Data: []byte{1, 2, 3, 4}}},
			mpFrame(rq, MultipartExperimenter, 0, mpU32(0x2320), mpU32(5), []byte{1, 2, 3, 4})},
		{"experimenter reply", &MultipartReply{Body: &ExperimenterMultipart{Experimenter: 0x2320, ExpType: 5}},
			mpFrame(rp, MultipartExperimenter, 0, mpU32(0x2320), mpU32(5))},
		{"unknown request type", &MultipartRequest{Body: &RawMultipart{Kind: 99, Data: []byte{9, 9}}}, mpFrame(rq, 99, 0, []byte{9, 9})},
		{"unknown reply type", &MultipartReply{Body: &RawMultipart{Kind: 14}}, mpFrame(rp, 14, 0)},
	}
}

func TestMultipartLens(t *testing.T) {
	tests := []struct {
		name      string
		got, want int
	}{
		{"ofp_multipart_request", MultipartRequestLen, 16},
		{"ofp_multipart_reply", MultipartReplyLen, 16},
		{"ofp_desc", DescLen, 1056},
		{"ofp_flow_stats_request", FlowStatsRequestLen, 40},
		{"ofp_flow_stats", FlowStatsLen, 56},
		{"ofp_aggregate_stats_reply", AggregateStatsReplyLen, 24},
		{"ofp_table_stats", TableStatsLen, 24},
		{"ofp_port_stats_request", PortStatsRequestLen, 8},
		{"ofp_port_stats", PortStatsLen, 112},
		{"ofp_queue_stats_request", QueueStatsRequestLen, 8},
		{"ofp_queue_stats", QueueStatsLen, 40},
		{"ofp_group_stats_request", GroupStatsRequestLen, 8},
		{"ofp_group_stats", GroupStatsLen, 40},
		{"ofp_bucket_counter", BucketCounterLen, 16},
		{"ofp_group_desc", GroupDescLen, 8},
		{"ofp_group_features", GroupFeaturesLen, 40},
		{"ofp_meter_multipart_request", MeterMultipartRequestLen, 8},
		{"ofp_meter_stats", MeterStatsLen, 40},
		{"ofp_meter_band_stats", MeterBandStatsLen, 16},
		{"ofp_meter_config", MeterConfigLen, 8},
		{"ofp_meter_features", MeterFeaturesLen, 16},
		{"ofp_table_features", TableFeaturesLen, 64},
		{"ofp_table_feature_prop_header", TableFeaturePropHeaderLen, 4},
		{"ofp_experimenter_multipart_header", ExperimenterMultipartLen, 8},
		{"vector: flow stats sample", len(flowStatsSampleBytes), 96},
		{"vector: table features sample", len(tableFeaturesSampleBytes), 128},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %d bytes, want %d", tt.name, tt.got, tt.want)
		}
	}
}

func TestMultipartVectors(t *testing.T) {
	for _, tt := range multipartVectors() {
		t.Run(tt.name, func(t *testing.T) {
			b := roundTrip(t, tt.msg)
			if !bytes.Equal(b, tt.wire) {
				t.Fatalf("encoding:\n got % x\nwant % x", b, tt.wire)
			}
			// Decoding into a message that already holds a body of
			// another type, or the same type (a Decoder's reuse), gives
			// the same value.
			for _, prev := range []Message{&MultipartRequest{Body: &PortDescRequest{}}, &MultipartReply{Body: &FlowStatsReply{Stats: make([]FlowStats, 3)}}, tt.msg} {
				if prev.Type() != tt.msg.Type() {
					continue
				}
				got := reflect.New(reflect.TypeOf(tt.msg).Elem()).Interface().(Message)
				reflect.ValueOf(got).Elem().Set(reflect.ValueOf(prev).Elem())
				if err := got.UnmarshalBinary(b[HeaderLen:]); err != nil {
					t.Fatalf("decode over %T: %v", prev, err)
				}
				if !reflect.DeepEqual(got, tt.msg) {
					t.Fatalf("decode over %#v:\n got %#v\nwant %#v", prev, got, tt.msg)
				}
			}
		})
	}
}

func TestMultipartTypeStrings(t *testing.T) {
	tests := []struct {
		name string
		s    interface{ String() string }
		want string
	}{
		{"flow", MultipartFlow, "FLOW"},
		{"port desc", MultipartPortDesc, "PORT_DESC"},
		{"experimenter", MultipartExperimenter, "EXPERIMENTER"},
		{"unknown", MultipartType(77), "MultipartType(77)"},
		{"more", MultipartMore, "MORE"},
		{"no flags", MultipartFlags(0), "0"},
		{"unknown flag", MultipartFlags(3), "MORE|0x2"},
		{"group caps", GroupCapSelectWeight | GroupCapChainingChecks, "SELECT_WEIGHT|CHAINING_CHECKS"},
		{"table prop", TablePropApplySetfieldMiss, "APPLY_SETFIELD_MISS"},
		{"unknown table prop", TableFeaturePropType(9), "TableFeaturePropType(9)"},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestMultipartDecodeErrors feeds malformed bodies: each must fail, never
// panic, and short input must wrap io.ErrUnexpectedEOF.
func TestMultipartDecodeErrors(t *testing.T) {
	rq, rp := TypeMultipartRequest, TypeMultipartReply
	tests := []struct {
		name  string
		frame []byte
		eof   bool // the error wraps io.ErrUnexpectedEOF
	}{
		{"desc request with a body", mpFrame(rq, MultipartDesc, 0, mpPad(8)), false},
		{"desc reply short", mpFrame(rp, MultipartDesc, 0, mpPad(1055)), true},
		{"desc reply long", mpFrame(rp, MultipartDesc, 0, mpPad(1064)), false},
		{"flow request short", mpFrame(rq, MultipartFlow, 0, mpPad(36)), true},
		{"flow request trailing bytes", mpFrame(rq, MultipartFlow, 0, mpPad(32), emptyMatchBytes, mpPad(8)), false},
		{"flow stats length below 56", mpFrame(rp, MultipartFlow, 0, mpU16(48), mpPad(46), emptyMatchBytes), false},
		{"flow stats length beyond body", mpFrame(rp, MultipartFlow, 0, mpU16(64), mpPad(46), emptyMatchBytes), true},
		{"flow stats truncated entry", mpFrame(rp, MultipartFlow, 0, flowStatsSampleBytes[:60]), true},
		{"flow stats match beyond entry", mpFrame(rp, MultipartFlow, 0, mpU16(56), mpPad(46), mpU16(1), mpU16(12), mpPad(4)), true},
		{"flow stats bad instruction", mpFrame(rp, MultipartFlow, 0, mpU16(64), mpPad(46), emptyMatchBytes, mpU16(4), mpU16(4), mpPad(4)), false},
		{"aggregate reply short", mpFrame(rp, MultipartAggregate, 0, mpPad(16)), true},
		{"table stats partial entry", mpFrame(rp, MultipartTable, 0, mpPad(30)), true},
		{"port stats request long", mpFrame(rq, MultipartPortStats, 0, mpPad(16)), false},
		{"port stats partial entry", mpFrame(rp, MultipartPortStats, 0, mpPad(111)), true},
		{"queue stats partial entry", mpFrame(rp, MultipartQueue, 0, mpPad(41)), true},
		{"group stats length below 40", mpFrame(rp, MultipartGroup, 0, mpU16(32), mpPad(38)), false},
		{"group stats partial bucket counter", mpFrame(rp, MultipartGroup, 0, mpU16(48), mpPad(46)), true},
		{"group desc length below 8", mpFrame(rp, MultipartGroupDesc, 0, mpU16(4), mpPad(6)), false},
		{"group desc bucket beyond group", mpFrame(rp, MultipartGroupDesc, 0, mpU16(16), mpPad(6), mpU16(16), mpPad(6)), true},
		{"group features short", mpFrame(rp, MultipartGroupFeatures, 0, mpPad(36)), true},
		{"meter stats length below 40", mpFrame(rp, MultipartMeter, 0, mpU32(1), mpU16(8), mpPad(34)), false},
		{"meter stats partial band", mpFrame(rp, MultipartMeter, 0, mpU32(1), mpU16(48), mpPad(42)), true},
		{"meter config length below 8", mpFrame(rp, MultipartMeterConfig, 0, mpU16(6), mpPad(6)), false},
		{"meter config bad band", mpFrame(rp, MultipartMeterConfig, 0, mpU16(24), mpU16(0), mpU32(1), mpU16(9), mpU16(16), mpPad(12)), false},
		{"meter features caps beyond flags", mpFrame(rp, MultipartMeterFeatures, 0, mpU32(1), mpU32(2), mpU32(0x10000), mpPad(4)), false},
		{"table features length below 64", mpFrame(rp, MultipartTableFeatures, 0, mpU16(32), mpPad(62)), false},
		{"table features property beyond table", mpFrame(rp, MultipartTableFeatures, 0, mpU16(64+8), mpPad(62), mpU16(0), mpU16(12), mpPad(4)), true},
		{"table features property length below 4", mpFrame(rp, MultipartTableFeatures, 0, mpU16(64+8), mpPad(62), mpU16(0), mpU16(2), mpPad(4)), false},
		{"table features property unpadded", mpFrame(rp, MultipartTableFeatures, 0, mpU16(64+6), mpPad(62), mpU16(2), mpU16(6), []byte{1, 2}), true},
		{"table features instruction id length below 4", mpFrame(rp, MultipartTableFeatures, 0, mpU16(64+8), mpPad(62), mpU16(0), mpU16(8), mpU16(1), mpU16(2)), false},
		{"table features action id beyond property", mpFrame(rp, MultipartTableFeatures, 0, mpU16(64+8), mpPad(62), mpU16(4), mpU16(8), mpU16(0), mpU16(8)), true},
		{"table features partial oxm id", mpFrame(rp, MultipartTableFeatures, 0, mpU16(64+8), mpPad(62), mpU16(8), mpU16(6), mpU16(0x8000), mpPad(2)), true},
		{"table features experimenter oxm id without experimenter", mpFrame(rp, MultipartTableFeatures, 0, mpU16(64+8), mpPad(62), mpU16(8), mpU16(8), mpU32(0xffff0004)), true},
		{"table features short experimenter property", mpFrame(rp, MultipartTableFeatures, 0, mpU16(64+8), mpPad(62), mpU16(0xfffe), mpU16(8), mpU32(1)), true},
		{"port desc partial port", mpFrame(rp, MultipartPortDesc, 0, mpPad(100)), true},
		{"experimenter short", mpFrame(rp, MultipartExperimenter, 0, mpPad(4)), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, m, err := Unmarshal(tt.frame)
			if err == nil {
				t.Fatalf("decoded %#v", m)
			}
			if got := errors.Is(err, io.ErrUnexpectedEOF); got != tt.eof {
				t.Fatalf("errors.Is(%v, io.ErrUnexpectedEOF) = %v, want %v", err, got, tt.eof)
			}
		})
	}
	// The multipart header itself.
	for _, m := range []Message{new(MultipartRequest), new(MultipartReply)} {
		if err := m.UnmarshalBinary(mpPad(7)); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%T of 7 bytes: %v", m, err)
		}
	}
}

func TestMultipartEncodeErrors(t *testing.T) {
	tests := []struct {
		name string
		msg  Message
	}{
		{"request without body", &MultipartRequest{}},
		{"reply without body", &MultipartReply{}},
		{"desc string too long", &MultipartReply{Body: &Desc{SerialNum: strings.Repeat("x", 33)}}},
		{"desc string with NUL", &MultipartReply{Body: &Desc{MfrDesc: "a\x00b"}}},
		{"flow stats match missing prerequisite", &MultipartReply{Body: &FlowStatsReply{Stats: []FlowStats{{Match: func() Match {
			var m Match
			m.SetTCPDst(80)
			return m
		}()}}}}},
		{"table name too long", &MultipartReply{Body: &TableFeaturesReply{Features: []TableFeatures{{Name: strings.Repeat("t", 33)}}}}},
		{"instructions property with an action type", &MultipartReply{Body: &TableFeaturesReply{Features: []TableFeatures{{
			Properties: []TableFeatureProp{&TableFeatureInstructions{Type: TablePropApplyActions}}}}}}},
		{"oxm property with a next-tables type", &MultipartRequest{Body: &TableFeaturesRequest{Features: []TableFeatures{{
			Properties: []TableFeatureProp{&TableFeatureOXMs{Type: TablePropNextTables}}}}}}},
		{"raw property with a known type", &MultipartReply{Body: &TableFeaturesReply{Features: []TableFeatures{{
			Properties: []TableFeatureProp{&TableFeatureRaw{Type: TablePropMatch}}}}}}},
		{"nil property", &MultipartReply{Body: &TableFeaturesReply{Features: []TableFeatures{{Properties: []TableFeatureProp{nil}}}}}},
		{"experimenter id on a basic oxm id", &MultipartReply{Body: &TableFeaturesReply{Features: []TableFeatures{{
			Properties: []TableFeatureProp{&TableFeatureOXMs{Type: TablePropMatch, IDs: []OXMID{{Header: 0x80000a02, Experimenter: 1}}}}}}}}},
		{"bad port name", &MultipartReply{Body: &PortDescReply{Ports: []Port{{Name: strings.Repeat("p", 17)}}}}},
		{"bad meter band", &MultipartReply{Body: &MeterConfigReply{Configs: []MeterConfig{{Bands: []MeterBand{{Type: 9}}}}}}},
		{"flow stats longer than 65535", &MultipartReply{Body: &FlowStatsReply{Stats: []FlowStats{{Instructions: []Instruction{
			&ApplyActions{Actions: manyOutputs(4200)}}}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Marshal(1, tt.msg)
			if err == nil {
				t.Fatalf("encoded % x", b)
			}
		})
	}
}

func manyOutputs(n int) []Action {
	a := make([]Action, n)
	for i := range a {
		a[i] = &Output{Port: uint32(i + 1)}
	}
	return a
}
