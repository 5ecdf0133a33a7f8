package openflow

import (
	"errors"
	"testing"
)

func TestPortStatusWire(t *testing.T) {
	testMsgCases(t, []msgCase{
		{
			name: "modify",
			msg:  &PortStatus{Reason: PortModify, Port: portValue},
			body: cat([]byte{
				0x02,                // reason MODIFY
				0, 0, 0, 0, 0, 0, 0, // pad
			}, portBytes),
		},
		{name: "add zero port", msg: &PortStatus{Reason: PortAdd}, body: make([]byte, 72)},
		{name: "delete", msg: &PortStatus{Reason: PortDelete, Port: Port{PortNo: PortLocal, Name: "br0"}},
			body: cat([]byte{1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'b', 'r', '0'}, make([]byte, 45))},
	})
}

func TestPortStatusBad(t *testing.T) {
	testBadBodies(t, func() Message { return new(PortStatus) }, []badBody{
		{name: "empty", body: nil, eof: true},
		{name: "reason only", body: make([]byte, 8), eof: true},
		{name: "port cut", body: make([]byte, 71), eof: true},
		{name: "too long", body: make([]byte, 73)},
	})
	// An unencodable port name fails the whole message, appending nothing.
	b, err := (&PortStatus{Port: Port{Name: "a-name-of-17-byte"}}).AppendBinary([]byte{1})
	if !errors.Is(err, ErrPortName) || len(b) != 1 {
		t.Fatalf("AppendBinary = % x, %v", b, err)
	}
}

func TestPortStatusStrings(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"add", PortAdd.String(), "ADD"},
		{"delete", PortDelete.String(), "DELETE"},
		{"modify", PortModify.String(), "MODIFY"},
		{"unknown", PortReason(3).String(), "PortReason(3)"},
		{"message", (&PortStatus{Reason: PortDelete, Port: Port{PortNo: 3, Name: "p3"}}).String(),
			`PORT_STATUS DELETE port 3 "p3" addr 00:00:00:00:00:00 config 0 state 0 curr 0 speed 0/0 kb/s`},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestPortStatusOVS(t *testing.T) {
	out := ofpParse(t,
		mustMarshal(t, 0x10, &PortStatus{Reason: PortModify, Port: portValue}),
		mustMarshal(t, 0x11, &PortStatus{Reason: PortAdd, Port: Port{PortNo: 1, HWAddr: MAC{0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}, Name: "abcdefghijklmno",
			State: PortStateLinkDown | PortStateBlocked, Curr: PortFeature1GBFD | PortFeatureFiber, Peer: PortFeature100MBFD | PortFeaturePause | PortFeaturePauseAsym, CurrSpeed: 1000000, MaxSpeed: 1000000}}),
		mustMarshal(t, 0x12, &PortStatus{Reason: PortDelete, Port: Port{PortNo: PortLocal, Name: "br0", Config: PortConfigNoRecv | PortConfigNoFwd | PortConfigNoPacketIn}}))
	wantLines(t, out,
		"OFPT_PORT_STATUS (OF1.3) (xid=0x10): MOD: 7(veth7): addr:02:00:00:00:00:07",
		"config:     PORT_DOWN NO_PACKET_IN",
		"state:      LIVE",
		"current:    10GB-FD COPPER AUTO_NEG",
		"advertised: 1GB-FD 10GB-FD COPPER AUTO_NEG",
		"supported:  10MB-HD 10MB-FD 100MB-HD 100MB-FD 1GB-HD 1GB-FD 10GB-FD COPPER AUTO_NEG",
		"speed: 10000 Mbps now, 10000 Mbps max",
		"OFPT_PORT_STATUS (OF1.3) (xid=0x11): ADD: 1(abcdefghijklmno): addr:aa:bb:cc:dd:ee:ff",
		"state:      LINK_DOWN BLOCKED",
		"current:    1GB-FD FIBER",
		"peer:       100MB-FD AUTO_PAUSE AUTO_PAUSE_ASYM", // OVS names the pause bits so
		"speed: 1000 Mbps now, 1000 Mbps max",
		"OFPT_PORT_STATUS (OF1.3) (xid=0x12): DEL: LOCAL(br0): addr:00:00:00:00:00:00",
		"config:     NO_RECV NO_FWD NO_PACKET_IN",
	)
}
