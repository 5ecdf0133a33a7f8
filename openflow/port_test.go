package openflow

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"
)

// portBytes is an ofp_port annotated field by field.
var portBytes = []byte{
	0x00, 0x00, 0x00, 0x07, // port_no 7
	0, 0, 0, 0, // pad
	0x02, 0x00, 0x00, 0x00, 0x00, 0x07, // hw_addr 02:00:00:00:00:07
	0, 0, // pad
	'v', 'e', 't', 'h', '7', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // name "veth7"
	0x00, 0x00, 0x00, 0x41, // config PORT_DOWN|NO_PACKET_IN
	0x00, 0x00, 0x00, 0x04, // state LIVE
	0x00, 0x00, 0x28, 0x40, // curr 10GB_FD|COPPER|AUTONEG
	0x00, 0x00, 0x28, 0x60, // advertised 1GB_FD|10GB_FD|COPPER|AUTONEG
	0x00, 0x00, 0x28, 0x7f, // supported
	0x00, 0x00, 0x00, 0x00, // peer
	0x00, 0x98, 0x96, 0x80, // curr_speed 10000000 kb/s
	0x00, 0x98, 0x96, 0x80, // max_speed
}

var portValue = Port{
	PortNo:     7,
	HWAddr:     MAC{2, 0, 0, 0, 0, 7},
	Name:       "veth7",
	Config:     PortConfigPortDown | PortConfigNoPacketIn,
	State:      PortStateLive,
	Curr:       PortFeature10GBFD | PortFeatureCopper | PortFeatureAutoneg,
	Advertised: PortFeature1GBFD | PortFeature10GBFD | PortFeatureCopper | PortFeatureAutoneg,
	Supported:  0x287f,
	CurrSpeed:  10000000,
	MaxSpeed:   10000000,
}

func TestPortLen(t *testing.T) {
	if len(portBytes) != PortLen || PortLen != 64 {
		t.Fatalf("PortLen %d, vector %d", PortLen, len(portBytes))
	}
}

func TestPortEncodeDecode(t *testing.T) {
	tests := []struct {
		name string
		port Port
		wire []byte
	}{
		{name: "annotated", port: portValue, wire: portBytes},
		{
			name: "15-byte name",
			port: Port{PortNo: PortLocal, Name: "abcdefghijklmno"},
			wire: append(append([]byte{0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
				"abcdefghijklmno"...), make([]byte, 33)...),
		},
		{name: "zero", port: Port{}, wire: make([]byte, 64)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.port.AppendBinary([]byte{0xaa})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b[1:], tt.wire) || b[0] != 0xaa {
				t.Fatalf("encode:\n got % x\nwant % x", b[1:], tt.wire)
			}
			var p Port
			p.Name = "stale"
			if err := p.UnmarshalBinary(tt.wire); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(p, tt.port) {
				t.Fatalf("decode:\n got %+v\nwant %+v", p, tt.port)
			}
			n, err := p.Decode(append(tt.wire, 1, 2, 3))
			if err != nil || n != PortLen {
				t.Fatalf("Decode = %d, %v", n, err)
			}
		})
	}
}

func TestPortErrors(t *testing.T) {
	var p Port
	if err := p.UnmarshalBinary(portBytes[:63]); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short: %v", err)
	}
	if _, err := p.Decode(portBytes[:10]); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short Decode: %v", err)
	}
	if err := p.UnmarshalBinary(append(portBytes, 0)); err == nil {
		t.Error("long: no error")
	}
	// A name that fills all 16 bytes has no NUL: read as 15 bytes, like OVS.
	unterminated := append([]byte(nil), portBytes...)
	copy(unterminated[16:32], "abcdefghijklmnop")
	if err := p.UnmarshalBinary(unterminated); err != nil || p.Name != "abcdefghijklmno" {
		t.Errorf("unterminated name: %q, %v", p.Name, err)
	}
	// Bytes after the NUL are ignored.
	copy(unterminated[16:32], "ab\x00defghijklmnop")
	if err := p.UnmarshalBinary(unterminated); err != nil || p.Name != "ab" {
		t.Errorf("name with bytes after NUL: %q, %v", p.Name, err)
	}
	for _, name := range []string{"abcdefghijklmnop", "abcdefghijklmnopq", "a\x00b"} {
		p := Port{Name: name}
		if b, err := p.AppendBinary(nil); !errors.Is(err, ErrPortName) || len(b) != 0 {
			t.Errorf("name %q: %v, %d bytes", name, err, len(b))
		}
	}
}

func TestPortStrings(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"config", portValue.Config.String(), "PORT_DOWN|NO_PACKET_IN"},
		{"config unknown bit", (PortConfigNoRecv | 1<<20).String(), "NO_RECV|0x100000"},
		{"state empty", PortState(0).String(), "0"},
		{"state", (PortStateLinkDown | PortStateBlocked).String(), "LINK_DOWN|BLOCKED"},
		{"features", portValue.Curr.String(), "10GB_FD|COPPER|AUTONEG"},
		{"port controller", PortNoString(PortController), "CONTROLLER"},
		{"port number", PortNoString(12), "12"},
		{"port", portValue.String(), `port 7 "veth7" addr 02:00:00:00:00:07 config PORT_DOWN|NO_PACKET_IN state LIVE curr 10GB_FD|COPPER|AUTONEG speed 10000000/10000000 kb/s`},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}
