package openflow

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestPortModEncoding(t *testing.T) {
	tests := []struct {
		name string
		msg  *PortMod
		want []byte
	}{
		{
			name: "bring a port down and advertise 1G autoneg",
			msg: &PortMod{
				PortNo: 3, HWAddr: MAC{0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f},
				Config: PortConfigPortDown | PortConfigNoRecv, Mask: PortConfigPortDown | PortConfigNoRecv | PortConfigNoFwd,
				Advertise: PortFeature1GBFD | PortFeatureAutoneg,
			},
			want: hexBytes(
				[]byte{0x04, 0x10, 0x00, 0x28, 0x12, 0x34, 0x56, 0x78}, // header: v1.3 PORT_MOD len 40
				[]byte{0x00, 0x00, 0x00, 0x03},                         // port_no 3
				[]byte{0x00, 0x00, 0x00, 0x00},                         // pad
				[]byte{0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f},             // hw_addr
				[]byte{0x00, 0x00},                                     // pad2
				[]byte{0x00, 0x00, 0x00, 0x05},                         // config PORT_DOWN|NO_RECV
				[]byte{0x00, 0x00, 0x00, 0x25},                         // mask PORT_DOWN|NO_RECV|NO_FWD
				[]byte{0x00, 0x00, 0x20, 0x20},                         // advertise 1GB_FD|AUTONEG
				[]byte{0x00, 0x00, 0x00, 0x00},                         // pad3
			),
		},
		{
			name: "zero value",
			msg:  &PortMod{},
			want: hexBytes([]byte{0x04, 0x10, 0x00, 0x28, 0x12, 0x34, 0x56, 0x78}, make([]byte, 32)),
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

func TestPortModOVS(t *testing.T) {
	m := &PortMod{
		PortNo: 3, HWAddr: MAC{0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f},
		Config: PortConfigPortDown | PortConfigNoRecv, Mask: PortConfigPortDown | PortConfigNoRecv | PortConfigNoFwd | PortConfigNoPacketIn,
		Advertise: PortFeature1GBFD | PortFeatureAutoneg,
	}
	out := ofpParse(t, mustMarshal(t, 0x42, m))
	for _, want := range []string{
		"OFPT_PORT_MOD (OF1.3) (xid=0x42): port: 3: addr:0a:0b:0c:0d:0e:0f",
		"config: PORT_DOWN NO_RECV\n",
		"mask:   PORT_DOWN NO_RECV NO_FWD NO_PACKET_IN\n",
		"advertise: 1GB-FD AUTO_NEG",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("ovs-ofctl printed:\n%s\nwant it to contain %q", out, want)
		}
	}
}

func TestPortModDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		eof  bool
	}{
		{name: "empty", body: nil, eof: true},
		{name: "one byte short", body: make([]byte, 31), eof: true},
		{name: "one byte too many", body: make([]byte, 33)},
	}
	cases := make([]badDecode, len(tests))
	for i, tt := range tests {
		cases[i] = badDecode{name: tt.name, msg: &PortMod{PortNo: 9}, body: tt.body, eof: tt.eof}
	}
	testBadDecodes(t, cases)
}

func TestPortModUnmarshalReplaces(t *testing.T) {
	m := PortMod{PortNo: 1, Config: PortConfigNoFwd, Mask: PortConfigNoFwd, Advertise: PortFeatureFiber, HWAddr: MAC{1}}
	if err := m.UnmarshalBinary(make([]byte, 32)); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m, PortMod{}) {
		t.Fatalf("got %+v, want the zero PortMod", m)
	}
}

func FuzzPortMod(f *testing.F) {
	// Seed (more in testdata/fuzz/FuzzPortMod): port 3 down.
	f.Add(hexBytes([]byte{0, 0, 0, 3, 0, 0, 0, 0, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0, 0},
		[]byte{0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}))
	f.Fuzz(func(t *testing.T, body []byte) {
		checkBodyRoundTrip(t, body, func() Message { return new(PortMod) })
	})
}
