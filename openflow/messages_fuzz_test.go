package openflow

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var updateMessageSeeds = flag.Bool("update-message-seeds", false, "rewrite testdata/fuzz/FuzzMessage from messageSeeds")

// messageSeeds are the seed frames of FuzzMessage, by file name: at least
// one valid frame of every message type of the core files, and the same
// frames cut short (header length consistent): by their last byte, which
// messages with trailing data still decode, and to half their body.
func messageSeeds(t testing.TB) map[string][]byte {
	valid := map[string]Message{
		"hello-empty":          &Hello{},
		"hello-bitmap":         NewHello(1, 4, 6),
		"hello-unknown-elem":   &Hello{VersionBitmap: []uint32{0x10}, Elements: []HelloElement{{Type: 9, Data: []byte{1, 2, 3}}}},
		"error-flow-mod":       &ErrorMsg{ErrType: ErrTypeFlowModFailed, Code: uint16(FlowModFailedTableFull), Data: barrierFrame},
		"error-experimenter":   &ErrorMsg{ErrType: ErrTypeExperimenter, Code: 5, Experimenter: 0x2320, Data: barrierFrame},
		"echo-request":         &EchoRequest{Data: []byte("ping")},
		"echo-reply":           &EchoReply{},
		"experimenter":         &Experimenter{ID: 0xd0f0, ExpType: 1, Data: []byte{1, 2, 3, 4}},
		"features-request":     &FeaturesRequest{},
		"features-reply":       &FeaturesReply{DatapathID: 0xaabbccddeeff, NBuffers: 256, NTables: 254, Capabilities: 0x14f},
		"get-config-request":   &GetConfigRequest{},
		"get-config-reply":     &GetConfigReply{Flags: FragDrop, MissSendLen: 128},
		"set-config":           &SetConfig{MissSendLen: ControllerNoBuffer},
		"packet-in":            fuzzPacketIn(),
		"flow-removed":         fuzzFlowRemoved(),
		"port-status":          &PortStatus{Reason: PortModify, Port: portValue},
		"packet-out":           &PacketOut{BufferID: NoBuffer, InPort: PortController, Actions: []Action{&Output{Port: 2}}, Data: tcpSYN},
		"packet-out-buffered":  &PacketOut{BufferID: 5, InPort: 1, Actions: []Action{&Group{GroupID: 1}}},
		"packet-out-nat":       fuzzPacketOut(),
		"packet-in-pipeline":   pipelinePacketIn(),
		"flow-mod":             fuzzFlowMod(),
		"barrier-request":      &BarrierRequest{},
		"barrier-reply":        &BarrierReply{},
		"role-request":         &RoleRequest{Role: RoleMaster, GenerationID: 7},
		"role-reply":           &RoleReply{Role: RoleSlave, GenerationID: 8},
		"get-async-request":    &GetAsyncRequest{},
		"get-async-reply":      &GetAsyncReply{PacketInMask: [2]uint32{3, 0}, PortStatusMask: [2]uint32{7, 7}, FlowRemovedMask: [2]uint32{15, 0}},
		"set-async":            &SetAsync{PacketInMask: [2]uint32{1, 2}, PortStatusMask: [2]uint32{4, 1}, FlowRemovedMask: [2]uint32{8, 1}},
		"nx-set-controller-id": &NXSetControllerID{ID: 42},
	}
	seeds := map[string][]byte{}
	for name, m := range valid {
		frame := mustMarshal(t, 1, m)
		seeds[name] = frame
		if body := len(frame) - HeaderLen; body > 0 {
			seeds[name+"-cut1"] = cutFrame(frame, len(frame)-1)
			if body > 1 {
				seeds[name+"-cut-half"] = cutFrame(frame, HeaderLen+body/2)
			}
		}
	}
	return seeds
}

// cutFrame returns frame cut to n bytes with its length field set to n.
func cutFrame(frame []byte, n int) []byte {
	cut := append([]byte(nil), frame[:n]...)
	cut[2], cut[3] = byte(n>>8), byte(n)
	return cut
}

// fuzzPacketIn, fuzzFlowRemoved and fuzzFlowMod carry the richest shapes
// of the messages with a match.
func fuzzPacketIn() *PacketIn { return benchPacketIn() }

func fuzzPacketOut() *PacketOut {
	_, po := benchNAT()
	return po
}

func fuzzFlowRemoved() *FlowRemoved { return natRemoved() }

func fuzzFlowMod() *FlowMod {
	fm, _ := benchNAT()
	fm.Instructions = append(fm.Instructions, &GotoTable{TableID: 1})
	return fm
}

// TestFuzzMessageSeeds keeps testdata/fuzz/FuzzMessage in step with
// messageSeeds (rewrite it with -update-message-seeds) and checks that
// the whole seeds decode.
func TestFuzzMessageSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzMessage")
	for name, frame := range messageSeeds(t) {
		path := filepath.Join(dir, name)
		content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", frame)
		if *updateMessageSeeds {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		} else if got, err := os.ReadFile(path); err != nil || string(got) != content {
			t.Errorf("seed %s is missing or stale (run go test -run TestFuzzMessageSeeds -update-message-seeds): %v", name, err)
		}
		if !strings.Contains(name, "-cut") {
			if _, _, err := Unmarshal(frame); err != nil {
				t.Errorf("seed %s: %v", name, err)
			}
		}
	}
}

// FuzzMessage feeds frames to Unmarshal and to a long-lived Decoder: no
// input may panic; a frame that decodes must re-encode (unless its match
// lacks a prerequisite), decode back equal and re-encode byte for byte;
// and the Decoder's reused messages must decode exactly as fresh ones.
func FuzzMessage(f *testing.F) {
	var d Decoder
	f.Fuzz(func(t *testing.T, frame []byte) {
		h, m, err := Unmarshal(frame)
		_, dm, derr := d.Decode(frame)
		if (err == nil) != (derr == nil) {
			t.Fatalf("Unmarshal error %v, Decoder error %v", err, derr)
		}
		if err != nil {
			return
		}
		if !reflect.DeepEqual(m, dm) {
			t.Fatalf("Decoder and Unmarshal differ:\n%#v\n%#v", dm, m)
		}
		b1, err := Marshal(h.Xid, m)
		if errors.Is(err, ErrPrerequisite) {
			// Match.Decode takes what a switch reports as it is, while
			// Match.AppendBinary refuses a field without its prerequisite
			// (tcp_dst without ip_proto=6): such a frame decodes but is
			// not ours to send.
			return
		}
		if err != nil {
			t.Fatalf("decoded %T does not encode: %v\n%#v", m, err, m)
		}
		_, m2, err := Unmarshal(b1)
		if err != nil {
			t.Fatalf("re-encoded %T does not decode: %v\n% x", m, err, b1)
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("%T differs after a round trip:\n got %#v\nwant %#v", m, m2, m)
		}
		b2, err := Marshal(h.Xid, m2)
		if err != nil || !bytes.Equal(b1, b2) {
			t.Fatalf("%T re-encodes differently (%v):\n% x\n% x", m, err, b1, b2)
		}
	})
}
