package openflow

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// barrierFrame is a whole BARRIER_REQUEST with xid 1: the failed request
// echoed by the error vectors below.
var barrierFrame = []byte{0x04, 0x14, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01}

func TestErrorWire(t *testing.T) {
	testMsgCases(t, []msgCase{
		{
			name: "flow mod table full",
			msg:  &ErrorMsg{ErrType: ErrTypeFlowModFailed, Code: uint16(FlowModFailedTableFull), Data: barrierFrame},
			body: append([]byte{
				0x00, 0x05, // type OFPET_FLOW_MOD_FAILED
				0x00, 0x01, // code OFPFMFC_TABLE_FULL
			}, barrierFrame...), // data: the failed request
		},
		{
			name: "hello failed with text",
			msg:  &ErrorMsg{ErrType: ErrTypeHelloFailed, Code: uint16(HelloFailedIncompatible), Data: []byte("1.3 only")},
			body: []byte{
				0x00, 0x00, // type OFPET_HELLO_FAILED
				0x00, 0x00, // code OFPHFC_INCOMPATIBLE
				'1', '.', '3', ' ', 'o', 'n', 'l', 'y', // ASCII data
			},
		},
		{
			name: "no data",
			msg:  &ErrorMsg{ErrType: ErrTypeBadRequest, Code: uint16(BadRequestIsSlave)},
			body: []byte{0x00, 0x01, 0x00, 0x0a},
		},
		{
			name: "experimenter",
			msg:  &ErrorMsg{ErrType: ErrTypeExperimenter, Code: 5, Experimenter: 0x2320, Data: barrierFrame},
			body: append([]byte{
				0xff, 0xff, // type OFPET_EXPERIMENTER
				0x00, 0x05, // exp_type 5
				0x00, 0x00, 0x23, 0x20, // experimenter NX_VENDOR_ID
			}, barrierFrame...),
		},
		{
			name: "unknown type and code",
			msg:  &ErrorMsg{ErrType: 99, Code: 77},
			body: []byte{0x00, 0x63, 0x00, 0x4d},
		},
	})
}

func TestErrorBad(t *testing.T) {
	testBadBodies(t, func() Message { return new(ErrorMsg) }, []badBody{
		{name: "empty", body: nil, eof: true},
		{name: "type only", body: []byte{0, 5}, eof: true},
		{name: "experimenter without id", body: []byte{0xff, 0xff, 0, 5, 0, 0}, eof: true},
	})
}

func TestErrorStrings(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"table full", ErrTableFull.Error(), "openflow: OFPET_FLOW_MOD_FAILED/OFPFMFC_TABLE_FULL"},
		{"is slave", ErrIsSlave.Error(), "openflow: OFPET_BAD_REQUEST/OFPBRC_IS_SLAVE"},
		{"unknown code", NewError(ErrTypeBadMatch, 200).Error(), "openflow: OFPET_BAD_MATCH/code(200)"},
		{"unknown type", NewError(42, 1).Error(), "openflow: ErrorType(42)/code(1)"},
		{"experimenter", (&ErrorMsg{ErrType: ErrTypeExperimenter, Code: 3, Experimenter: 0x4f4e4600}).Error(),
			"openflow: OFPET_EXPERIMENTER/experimenter 0x4f4e4600 exp_type 3"},
		{"type", ErrTypeTableFeaturesFailed.String(), "OFPET_TABLE_FEATURES_FAILED"},
		{"hello code", HelloFailedEPerm.String(), "OFPHFC_EPERM"},
		{"bad request code", BadRequestMultipartBufferOverflow.String(), "OFPBRC_MULTIPART_BUFFER_OVERFLOW"},
		{"bad action code", BadActionBadSetArgument.String(), "OFPBAC_BAD_SET_ARGUMENT"},
		{"bad instruction code", BadInstructionEPerm.String(), "OFPBIC_EPERM"},
		{"bad match code", BadMatchDupField.String(), "OFPBMC_DUP_FIELD"},
		{"flow mod code", FlowModFailedBadFlags.String(), "OFPFMFC_BAD_FLAGS"},
		{"group mod code", GroupModFailedChainedGroup.String(), "OFPGMFC_CHAINED_GROUP"},
		{"port mod code", PortModFailedBadAdvertise.String(), "OFPPMFC_BAD_ADVERTISE"},
		{"table mod code", TableModFailedBadConfig.String(), "OFPTMFC_BAD_CONFIG"},
		{"queue op code", QueueOpFailedBadQueue.String(), "OFPQOFC_BAD_QUEUE"},
		{"switch config code", SwitchConfigFailedBadLen.String(), "OFPSCFC_BAD_LEN"},
		{"role code", RoleRequestFailedBadRole.String(), "OFPRRFC_BAD_ROLE"},
		{"meter code", MeterModFailedOutOfBands.String(), "OFPMMFC_OUT_OF_BANDS"},
		{"table features code", TableFeaturesFailedBadArgument.String(), "OFPTFFC_BAD_ARGUMENT"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestErrorIs(t *testing.T) {
	tableFull := &ErrorMsg{ErrType: ErrTypeFlowModFailed, Code: uint16(FlowModFailedTableFull), Data: barrierFrame}
	wrapped := fmt.Errorf("switch 1: flow mod: %w", tableFull)
	tests := []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		{name: "sentinel", err: wrapped, target: ErrTableFull, want: true},
		{name: "constructed", err: wrapped, target: NewError(ErrTypeFlowModFailed, uint16(FlowModFailedTableFull)), want: true},
		{name: "other code", err: wrapped, target: ErrOverlap, want: false},
		{name: "other type same code", err: wrapped, target: NewError(ErrTypeBadRequest, 1), want: false},
		{name: "not an ErrorMsg", err: wrapped, target: errors.New("x"), want: false},
		{name: "nil target", err: wrapped, target: (*ErrorMsg)(nil), want: false},
		{name: "experimenter same id", err: &ErrorMsg{ErrType: ErrTypeExperimenter, Code: 1, Experimenter: 7},
			target: &ErrorMsg{ErrType: ErrTypeExperimenter, Code: 1, Experimenter: 7}, want: true},
		{name: "experimenter other id", err: &ErrorMsg{ErrType: ErrTypeExperimenter, Code: 1, Experimenter: 7},
			target: &ErrorMsg{ErrType: ErrTypeExperimenter, Code: 1, Experimenter: 8}, want: false},
	}
	for _, tt := range tests {
		if got := errors.Is(tt.err, tt.target); got != tt.want {
			t.Errorf("%s: errors.Is = %v, want %v", tt.name, got, tt.want)
		}
	}
	var em *ErrorMsg
	if !errors.As(wrapped, &em) || em.Code != uint16(FlowModFailedTableFull) {
		t.Errorf("errors.As: %v", em)
	}
}

func TestErrorFailedRequest(t *testing.T) {
	h, ok := (&ErrorMsg{ErrType: ErrTypeBadRequest, Data: barrierFrame}).FailedRequest()
	if !ok || h.Type != TypeBarrierRequest || h.Xid != 1 {
		t.Errorf("FailedRequest = %+v, %v", h, ok)
	}
	if _, ok := (&ErrorMsg{ErrType: ErrTypeHelloFailed, Data: barrierFrame}).FailedRequest(); ok {
		t.Error("HELLO_FAILED data taken as a request")
	}
	if _, ok := (&ErrorMsg{ErrType: ErrTypeBadRequest, Data: barrierFrame[:4]}).FailedRequest(); ok {
		t.Error("4 bytes taken as a request header")
	}
}

// ovsErrorNames are the names Open vSwitch prints for the few 1.3 codes it
// renamed; every other code must print under its spec name.
var ovsErrorNames = map[string]string{
	"OFPBRC_BAD_MULTIPART":    "OFPBRC_BAD_STAT",
	"OFPBRC_BAD_EXPERIMENTER": "OFPBRC_BAD_VENDOR",
	"OFPBRC_BAD_EXP_TYPE":     "OFPBRC_BAD_SUBTYPE",
	"OFPBRC_IS_SLAVE":         "OFPBRC_IS_SECONDARY",
	"OFPBAC_BAD_EXPERIMENTER": "OFPBAC_BAD_VENDOR",
	"OFPBAC_BAD_EXP_TYPE":     "OFPBAC_BAD_VENDOR_TYPE",
	"OFPTFFC_BAD_TYPE":        "OFPBPC_BAD_TYPE",
	"OFPTFFC_BAD_LEN":         "OFPBPC_BAD_LEN",
	"OFPTFFC_BAD_ARGUMENT":    "OFPBPC_BAD_VALUE",
}

// TestErrorOVS encodes every type and code of the 1.3 spec and checks the
// name OVS decodes for it against ours, and the echoed request.
func TestErrorOVS(t *testing.T) {
	var frames [][]byte
	var want []string
	wantRequests := 0 // OVS prints HELLO_FAILED data as text, the others as the request
	for ty := range errorClasses {
		for c := range errorClasses[ty].codes {
			e := &ErrorMsg{ErrType: ErrorType(ty), Code: uint16(c), Data: barrierFrame}
			frames = append(frames, mustMarshal(t, 0x20, e))
			name := e.CodeString()
			if n, ok := ovsErrorNames[name]; ok {
				name = n
			}
			want = append(want, name)
			if e.ErrType != ErrTypeHelloFailed {
				wantRequests++
			}
		}
	}
	if len(want) != 111 {
		t.Fatalf("%d codes, the 1.3 spec has 111", len(want))
	}
	out := ofpParse(t, frames...)
	const prefix = "OFPT_ERROR (OF1.3) (xid=0x20): "
	var got []string
	requests := 0
	for _, l := range strings.Split(out, "\n") {
		if s, ok := strings.CutPrefix(l, prefix); ok {
			got = append(got, s)
		}
		if l == "OFPT_BARRIER_REQUEST (OF1.3) (xid=0x1):" {
			requests++
		}
	}
	if len(got) != len(want) || requests != wantRequests {
		t.Fatalf("OVS decoded %d errors and %d echoed requests, want %d and %d:\n%s", len(got), requests, len(want), wantRequests, out)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("error %d: OVS says %s, we say %s", i, got[i], want[i])
		}
	}

	out = ofpParse(t, mustMarshal(t, 0x21, &ErrorMsg{ErrType: ErrTypeHelloFailed, Code: uint16(HelloFailedIncompatible), Data: []byte("1.3 only")}))
	wantLines(t, out, "OFPT_ERROR (OF1.3) (xid=0x21): OFPHFC_INCOMPATIBLE", "1.3 only")
	// NXBRC_MUST_BE_ZERO is Nicira's experimenter error (0x2320, 5).
	out = ofpParse(t, mustMarshal(t, 0x22, &ErrorMsg{ErrType: ErrTypeExperimenter, Code: 5, Experimenter: 0x2320, Data: barrierFrame}))
	wantLines(t, out, "OFPT_ERROR (OF1.3) (xid=0x22): NXBRC_BAD_REASON", "OFPT_BARRIER_REQUEST (OF1.3) (xid=0x1):")
}
