package openflow

import (
	"bytes"
	"reflect"
	"testing"
)

// The seed corpora under testdata/fuzz/FuzzDecodeActions and
// FuzzDecodeInstructions hold every encoding of the table tests (valid
// lists, named after their case) and the malformed lists of the error tests
// (named "bad-..."); the f.Add calls below add the same from the tables, so
// that a new case is fuzzed from at once.

// FuzzDecodeActions decodes arbitrary action lists: no input may panic, and
// a list that decodes must re-encode, decode back equal and re-encode
// byte-equal.
func FuzzDecodeActions(f *testing.F) {
	for _, tc := range allActionCases() {
		f.Add(tc.want)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		actions, err := DecodeActions(b)
		if err != nil {
			return
		}
		b2, err := AppendActions(nil, actions)
		if err != nil {
			t.Fatalf("decoded %#v from % x but cannot encode it: %v", actions, b, err)
		}
		again, err := DecodeActions(b2)
		if err != nil {
			t.Fatalf("re-encoding % x does not decode: %v", b2, err)
		}
		if !reflect.DeepEqual(again, actions) {
			t.Fatalf("decode of re-encoding differs:\n got %#v\nwant %#v", again, actions)
		}
		b3, err := AppendActions(nil, again)
		if err != nil || !bytes.Equal(b3, b2) {
			t.Fatalf("second re-encoding differs (%v):\n% x\n% x", err, b3, b2)
		}
		_ = ActionsString(actions) // must not panic either
	})
}

// FuzzDecodeInstructions is FuzzDecodeActions for instruction lists.
func FuzzDecodeInstructions(f *testing.F) {
	for _, tc := range instructionCases() {
		f.Add(tc.want)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ins, err := DecodeInstructions(b)
		if err != nil {
			return
		}
		b2, err := AppendInstructions(nil, ins)
		if err != nil {
			t.Fatalf("decoded %#v from % x but cannot encode it: %v", ins, b, err)
		}
		again, err := DecodeInstructions(b2)
		if err != nil {
			t.Fatalf("re-encoding % x does not decode: %v", b2, err)
		}
		if !reflect.DeepEqual(again, ins) {
			t.Fatalf("decode of re-encoding differs:\n got %#v\nwant %#v", again, ins)
		}
		b3, err := AppendInstructions(nil, again)
		if err != nil || !bytes.Equal(b3, b2) {
			t.Fatalf("second re-encoding differs (%v):\n% x\n% x", err, b3, b2)
		}
		_ = InstructionsString(ins)
	})
}
