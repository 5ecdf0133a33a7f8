package openflow

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// TestTableFeaturePropVectors encodes and decodes every property type,
// each with an annotated vector (header, value, padding to 8).
func TestTableFeaturePropVectors(t *testing.T) {
	tests := []struct {
		name string
		prop TableFeatureProp
		wire []byte
	}{
		{"instructions", &TableFeatureInstructions{Type: TablePropInstructions, IDs: []InstructionID{
			{Type: InstructionTypeGotoTable}, {Type: InstructionTypeWriteMetadata}, {Type: InstructionTypeMeter}}},
			mpCat(mpU16(0), mpU16(16), // INSTRUCTIONS, length 16
				mpU16(1), mpU16(4), mpU16(2), mpU16(4), mpU16(6), mpU16(4))}, // goto_table, write_metadata, meter
		{"instructions miss with an experimenter instruction", &TableFeatureInstructions{Type: TablePropInstructionsMiss, IDs: []InstructionID{
			{Type: InstructionTypeExperimenter, Data: []byte{0, 0, 0x23, 0x20}}}},
			mpCat(mpU16(1), mpU16(12), // INSTRUCTIONS_MISS, length 12
				mpU16(0xffff), mpU16(8), mpU32(0x2320), // experimenter instruction id: Nicira
				mpPad(4))},
		{"instructions empty", &TableFeatureInstructions{Type: TablePropInstructions}, mpCat(mpU16(0), mpU16(4), mpPad(4))},
		{"next tables", &TableFeatureNextTables{Type: TablePropNextTables, TableIDs: []uint8{1, 2, 3, 4}},
			mpCat(mpU16(2), mpU16(8), []byte{1, 2, 3, 4})}, // exactly 8: no padding
		{"next tables miss", &TableFeatureNextTables{Type: TablePropNextTablesMiss, TableIDs: []uint8{9}},
			mpCat(mpU16(3), mpU16(5), []byte{9}, mpPad(3))},
		{"write actions", &TableFeatureActions{Type: TablePropWriteActions, IDs: []ActionID{{Type: ActionTypeOutput}, {Type: ActionTypeGroup}}},
			mpCat(mpU16(4), mpU16(12), mpU16(0), mpU16(4), mpU16(22), mpU16(4), mpPad(4))},
		{"write actions miss", &TableFeatureActions{Type: TablePropWriteActionsMiss, IDs: []ActionID{{Type: ActionTypeSetQueue}}},
			mpCat(mpU16(5), mpU16(8), mpU16(21), mpU16(4))},
		{"apply actions with a Nicira action", &TableFeatureActions{Type: TablePropApplyActions, IDs: []ActionID{
			{Type: ActionTypeExperimenter, Data: []byte{0, 0, 0x23, 0x20, 0, 35}}}},
			mpCat(mpU16(6), mpU16(14), mpU16(0xffff), mpU16(10), mpU32(0x2320), mpU16(35), mpPad(2))},
		{"apply actions miss", &TableFeatureActions{Type: TablePropApplyActionsMiss, IDs: []ActionID{{Type: ActionTypePopVLAN}}},
			mpCat(mpU16(7), mpU16(8), mpU16(18), mpU16(4))},
		{"match", &TableFeatureOXMs{Type: TablePropMatch, IDs: []OXMID{
			NewOXMID(OXMClassOpenFlowBasic, 0, false, 4), NewOXMID(OXMClassOpenFlowBasic, 11, true, 8)}},
			mpCat(mpU16(8), mpU16(12), mpU32(0x80000004), mpU32(0x80001708), mpPad(4))}, // in_port, ipv4_src/masked
		{"wildcards", &TableFeatureOXMs{Type: TablePropWildcards, IDs: []OXMID{NewOXMID(OXMClassOpenFlowBasic, 11, false, 4)}},
			mpCat(mpU16(10), mpU16(8), mpU32(0x80001604))},
		{"write setfield", &TableFeatureOXMs{Type: TablePropWriteSetfield, IDs: []OXMID{NewOXMID(OXMClassOpenFlowBasic, 3, false, 6)}},
			mpCat(mpU16(12), mpU16(8), mpU32(0x80000606))}, // eth_dst
		{"write setfield miss", &TableFeatureOXMs{Type: TablePropWriteSetfieldMiss}, mpCat(mpU16(13), mpU16(4), mpPad(4))},
		{"apply setfield with an experimenter field", &TableFeatureOXMs{Type: TablePropApplySetfield, IDs: []OXMID{
			NewOXMID(OXMClassOpenFlowBasic, 14, false, 2), {Header: 0xffff0208, Experimenter: 0x4f4e4600}}},
			mpCat(mpU16(14), mpU16(16), mpU32(0x80001c02), // tcp_dst
				mpU32(0xffff0208), mpU32(0x4f4e4600))}, // experimenter class, ONF
		{"apply setfield miss", &TableFeatureOXMs{Type: TablePropApplySetfieldMiss, IDs: []OXMID{NewOXMID(OXMClassNXM1, 0, false, 4)}},
			mpCat(mpU16(15), mpU16(8), mpU32(0x00010004))}, // NXM_NX_REG0
		{"experimenter", &TableFeatureExperimenter{Type: TablePropExperimenter, Experimenter: 0x2320, ExpType: 1, Data: []byte{1, 2, 3, 4, 5}},
			mpCat(mpU16(0xfffe), mpU16(17), mpU32(0x2320), mpU32(1), []byte{1, 2, 3, 4, 5}, mpPad(7))},
		{"experimenter miss", &TableFeatureExperimenter{Type: TablePropExperimenterMiss, Experimenter: 1, ExpType: 2},
			mpCat(mpU16(0xffff), mpU16(12), mpU32(1), mpU32(2), mpPad(4))},
		{"unknown property type", &TableFeatureRaw{Type: 9, Data: []byte{7}}, mpCat(mpU16(9), mpU16(5), []byte{7}, mpPad(3))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.prop.AppendBinary([]byte{0xee})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b[1:], tt.wire) || b[0] != 0xee {
				t.Fatalf("encoding:\n got % x\nwant % x", b[1:], tt.wire)
			}
			props, err := DecodeTableFeatureProps(tt.wire)
			if err != nil {
				t.Fatal(err)
			}
			if len(props) != 1 || !reflect.DeepEqual(props[0], tt.prop) {
				t.Fatalf("decoded %#v, want %#v", props, tt.prop)
			}
			// And inside a whole TABLE_FEATURES reply.
			roundTrip(t, &MultipartReply{Body: &TableFeaturesReply{Features: []TableFeatures{{TableID: 1, Name: "t1",
				Properties: []TableFeatureProp{tt.prop, tt.prop}}}}})
		})
	}
}

func TestTableFeaturePropErrors(t *testing.T) {
	tests := []struct {
		name string
		wire []byte
		eof  bool
	}{
		{"header cut", mpCat(mpU16(0), []byte{0}), true},
		{"length below 4", mpCat(mpU16(0), mpU16(3), mpPad(4)), false},
		{"padding missing", mpCat(mpU16(2), mpU16(5), []byte{1}), true},
		{"value beyond the list", mpCat(mpU16(2), mpU16(20), mpPad(4)), true},
		{"instruction id cut", mpCat(mpU16(0), mpU16(6), mpU16(1), mpPad(2)), true},
		{"action id length 2", mpCat(mpU16(4), mpU16(8), mpU16(0), mpU16(2)), false},
		{"experimenter without type", mpCat(mpU16(0xffff), mpU16(8), mpU32(1)), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			props, err := DecodeTableFeatureProps(tt.wire)
			if err == nil {
				t.Fatalf("decoded %#v", props)
			}
			if errors.Is(err, io.ErrUnexpectedEOF) != tt.eof {
				t.Fatalf("%v: errors.Is(io.ErrUnexpectedEOF) != %v", err, tt.eof)
			}
		})
	}
	if props, err := DecodeTableFeatureProps(nil); props != nil || err != nil {
		t.Fatalf("empty list: %v %v", props, err)
	}
}

func TestOXMID(t *testing.T) {
	tests := []struct {
		name    string
		id      OXMID
		class   OXMClass
		field   uint8
		masked  bool
		length  uint8
		printed string
	}{
		{"ipv4_dst", NewOXMID(OXMClassOpenFlowBasic, 12, false, 4), OXMClassOpenFlowBasic, 12, false, 4, "oxm(OPENFLOW_BASIC:12)"},
		{"metadata masked", NewOXMID(OXMClassOpenFlowBasic, 2, true, 16), OXMClassOpenFlowBasic, 2, true, 16, "oxm(OPENFLOW_BASIC:2/masked)"},
		{"experimenter", OXMID{Header: 0xffff0204, Experimenter: 0x4f4e4600}, OXMClassExperimenter, 1, false, 4, "oxm(EXPERIMENTER:1 exp 0x4f4e4600)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.id.Class() != tt.class || tt.id.Field() != tt.field || tt.id.HasMask() != tt.masked || tt.id.Length() != tt.length {
				t.Fatalf("%#x: class %v field %d mask %v length %d", tt.id.Header, tt.id.Class(), tt.id.Field(), tt.id.HasMask(), tt.id.Length())
			}
			if s := tt.id.String(); s != tt.printed {
				t.Fatalf("String %q, want %q", s, tt.printed)
			}
		})
	}
}

func TestTableFeaturesProbe(t *testing.T) {
	tf := ovsTableFeatures()
	p, ok := tf.Prop(TablePropApplySetfield).(*TableFeatureOXMs)
	if !ok {
		t.Fatalf("APPLY_SETFIELD: %#v", tf.Prop(TablePropApplySetfield))
	}
	if !p.Has(OXMClassOpenFlowBasic, 12) || p.Has(OXMClassOpenFlowBasic, 14) {
		t.Fatalf("apply_setfield: ipv4_dst %v, tcp_dst %v", p.Has(OXMClassOpenFlowBasic, 12), p.Has(OXMClassOpenFlowBasic, 14))
	}
	if tf.Prop(TableFeaturePropType(9)) != nil {
		t.Fatal("found an absent property")
	}
	gf := GroupFeaturesReply{Types: 1<<GroupTypeSelect | 1<<GroupTypeAll, Actions: [4]uint32{0, 1 << ActionTypeSetField}}
	if !gf.SupportsType(GroupTypeSelect) || gf.SupportsType(GroupTypeFastFailover) || gf.SupportsType(GroupType(40)) {
		t.Fatal("SupportsType")
	}
	if !gf.SupportsAction(GroupTypeSelect, ActionTypeSetField) || gf.SupportsAction(GroupTypeAll, ActionTypeSetField) ||
		gf.SupportsAction(GroupType(7), ActionTypeOutput) || gf.SupportsAction(GroupTypeSelect, ActionTypeExperimenter) {
		t.Fatal("SupportsAction")
	}
	mf := MeterFeaturesReply{BandTypes: 1 << MeterBandDrop}
	if !mf.SupportsBand(MeterBandDrop) || mf.SupportsBand(MeterBandDSCPRemark) || mf.SupportsBand(MeterBandExperimenter) {
		t.Fatal("SupportsBand")
	}
}

// TestTableFeaturesSetRequestOVS has Open vSwitch decode a TABLE_FEATURES
// request that sets tables: OVS decodes requests strictly (unknown
// properties and fields are errors), so every property must be right.
func TestTableFeaturesSetRequestOVS(t *testing.T) {
	tf := ovsTableFeatures()
	tf.Properties = tf.Properties[:len(tf.Properties)-1] // no experimenter property: strict OVS refuses it
	t2 := tf
	t2.TableID, t2.Name, t2.MaxEntries = 1, "second", 4096
	msg := &MultipartRequest{Body: &TableFeaturesRequest{Features: []TableFeatures{tf, t2}}}
	roundTrip(t, msg)
	out := ofpParse(t, mustMarshal(t, 1, msg))
	for _, w := range []string{"OFPST_TABLE_FEATURES request", `table 0 ("classifier")`, `table 1 ("second")`,
		"max_entries=4096", "instructions: apply_actions goto_table", "supported on Set-Field: ip_dst"} {
		if !strings.Contains(out, w) {
			t.Errorf("ovs-ofctl output lacks %q:\n%s", w, out)
		}
	}
}
