package openflow

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestMeterModEncoding(t *testing.T) {
	tests := []struct {
		name string
		msg  *MeterMod
		want []byte
	}{
		{
			name: "delete all meters",
			msg:  &MeterMod{Command: MeterDelete, MeterID: MeterAll},
			want: hexBytes(
				[]byte{0x04, 0x1d, 0x00, 0x10, 0x12, 0x34, 0x56, 0x78}, // header: v1.3 METER_MOD len 16
				[]byte{0x00, 0x02},             // command DELETE
				[]byte{0x00, 0x00},             // flags none
				[]byte{0xff, 0xff, 0xff, 0xff}, // meter_id ALL
			),
		},
		{
			name: "drop and dscp remark bands",
			msg: &MeterMod{
				Command: MeterAdd, Flags: MeterKbps | MeterBurst | MeterFlagStats, MeterID: 5,
				Bands: []MeterBand{
					{Type: MeterBandDrop, Rate: 1000, BurstSize: 100},
					{Type: MeterBandDSCPRemark, Rate: 500, BurstSize: 50, PrecLevel: 2},
				},
			},
			want: hexBytes(
				[]byte{0x04, 0x1d, 0x00, 0x30, 0x12, 0x34, 0x56, 0x78}, // header: len 48
				[]byte{0x00, 0x00},             // command ADD
				[]byte{0x00, 0x0d},             // flags KBPS|BURST|STATS
				[]byte{0x00, 0x00, 0x00, 0x05}, // meter_id 5
				// band 1
				[]byte{0x00, 0x01},             // type DROP
				[]byte{0x00, 0x10},             // len 16
				[]byte{0x00, 0x00, 0x03, 0xe8}, // rate 1000
				[]byte{0x00, 0x00, 0x00, 0x64}, // burst_size 100
				[]byte{0x00, 0x00, 0x00, 0x00}, // pad
				// band 2
				[]byte{0x00, 0x02},             // type DSCP_REMARK
				[]byte{0x00, 0x10},             // len 16
				[]byte{0x00, 0x00, 0x01, 0xf4}, // rate 500
				[]byte{0x00, 0x00, 0x00, 0x32}, // burst_size 50
				[]byte{0x02},                   // prec_level 2
				[]byte{0x00, 0x00, 0x00},       // pad
			),
		},
		{
			name: "experimenter band with data",
			msg: &MeterMod{
				Command: MeterModify, Flags: MeterPktps, MeterID: MeterController,
				Bands: []MeterBand{{Type: MeterBandExperimenter, Rate: 7, Experimenter: 0x2320,
					Data: []byte{1, 2, 3, 4, 5, 6, 7, 8}}},
			},
			want: hexBytes(
				[]byte{0x04, 0x1d, 0x00, 0x28, 0x12, 0x34, 0x56, 0x78}, // header: len 40
				[]byte{0x00, 0x01},             // command MODIFY
				[]byte{0x00, 0x02},             // flags PKTPS
				[]byte{0xff, 0xff, 0xff, 0xfe}, // meter_id CONTROLLER
				[]byte{0xff, 0xff},             // type EXPERIMENTER
				[]byte{0x00, 0x18},             // len 24
				[]byte{0x00, 0x00, 0x00, 0x07}, // rate 7
				[]byte{0x00, 0x00, 0x00, 0x00}, // burst_size 0
				[]byte{0x00, 0x00, 0x23, 0x20}, // experimenter (Nicira)
				[]byte{1, 2, 3, 4, 5, 6, 7, 8}, // experimenter data
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

// TestMeterModOVS checks our encoding against what Open vSwitch decodes.
func TestMeterModOVS(t *testing.T) {
	tests := []struct {
		name string
		msg  *MeterMod
		want []string // lines, in order
	}{
		{
			name: "drop and dscp remark",
			msg: &MeterMod{Command: MeterAdd, Flags: MeterKbps | MeterBurst | MeterFlagStats, MeterID: 5, Bands: []MeterBand{
				{Type: MeterBandDrop, Rate: 1000, BurstSize: 100},
				{Type: MeterBandDSCPRemark, Rate: 500, BurstSize: 50, PrecLevel: 2},
			}},
			want: []string{
				"OFPT_METER_MOD (OF1.3) (xid=0x42): ADD meter=5 kbps burst stats bands=",
				"type=drop rate=1000 burst_size=100",
				"type=dscp_remark rate=500 burst_size=50 prec_level=2",
			},
		},
		{
			name: "packet rate on the controller meter",
			msg: &MeterMod{Command: MeterModify, Flags: MeterPktps, MeterID: MeterController, Bands: []MeterBand{
				{Type: MeterBandDrop, Rate: 200},
			}},
			want: []string{
				"OFPT_METER_MOD (OF1.3) (xid=0x42): MOD meter=controller pktps bands=",
				"type=drop rate=200",
			},
		},
		{
			name: "delete",
			msg:  &MeterMod{Command: MeterDelete, MeterID: 9},
			want: []string{"OFPT_METER_MOD (OF1.3) (xid=0x42): DEL meter=9 bands="},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := ofpParse(t, mustMarshal(t, 0x42, tt.msg))
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("ovs-ofctl printed:\n%s\nwant:\n%s", out, strings.Join(tt.want, "\n"))
			}
			for i := range lines {
				if strings.TrimSpace(lines[i]) != tt.want[i] {
					t.Fatalf("ovs-ofctl line %d: %q, want %q\n%s", i, lines[i], tt.want[i], out)
				}
			}
		})
	}
}

func TestMeterModDecodeErrors(t *testing.T) {
	fixed := []byte{0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x05} // ADD KBPS meter 5
	band := func(typ, length uint16) []byte {
		return []byte{byte(typ >> 8), byte(typ), byte(length >> 8), byte(length), 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}
	}
	tests := []struct {
		name string
		body []byte
		eof  bool
		is   error
	}{
		{name: "empty", body: nil, eof: true},
		{name: "short fixed part", body: fixed[:6], eof: true},
		{name: "band header cut", body: hexBytes(fixed, band(1, 16)[:12]), eof: true},
		{name: "band length below 16", body: hexBytes(fixed, band(1, 8))},
		{name: "band length zero", body: hexBytes(fixed, band(1, 0))},
		{name: "band length past the list", body: hexBytes(fixed, band(1, 24)), eof: true},
		{name: "drop band longer than 16", body: hexBytes(fixed, band(1, 24), make([]byte, 8))},
		{name: "dscp band longer than 16", body: hexBytes(fixed, band(2, 24), make([]byte, 8))},
		{name: "experimenter band not a multiple of 8", body: hexBytes(fixed, band(0xffff, 20), make([]byte, 4))},
		{name: "unknown band type", body: hexBytes(fixed, band(3, 16)), is: ErrUnsupported},
		{name: "trailing bytes after a band", body: hexBytes(fixed, band(1, 16), []byte{0, 1}), eof: true},
	}
	cases := make([]badDecode, len(tests))
	for i, tt := range tests {
		cases[i] = badDecode{name: tt.name, msg: &MeterMod{MeterID: 99, Bands: []MeterBand{{Type: MeterBandDrop}}}, body: tt.body, eof: tt.eof, is: tt.is}
	}
	testBadDecodes(t, cases)
}

func TestMeterBandEncodeErrors(t *testing.T) {
	tests := []struct {
		name string
		band MeterBand
	}{
		{name: "zero type", band: MeterBand{Rate: 1}},
		{name: "unknown type", band: MeterBand{Type: 3}},
		{name: "drop with prec level", band: MeterBand{Type: MeterBandDrop, PrecLevel: 1}},
		{name: "drop with experimenter", band: MeterBand{Type: MeterBandDrop, Experimenter: 1}},
		{name: "drop with data", band: MeterBand{Type: MeterBandDrop, Data: make([]byte, 8)}},
		{name: "dscp with data", band: MeterBand{Type: MeterBandDSCPRemark, Data: make([]byte, 8)}},
		{name: "experimenter with prec level", band: MeterBand{Type: MeterBandExperimenter, PrecLevel: 1}},
		{name: "experimenter data not a multiple of 8", band: MeterBand{Type: MeterBandExperimenter, Data: make([]byte, 5)}},
		{name: "experimenter band too long", band: MeterBand{Type: MeterBandExperimenter, Data: make([]byte, 65528)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &MeterMod{Command: MeterAdd, MeterID: 1, Bands: []MeterBand{{Type: MeterBandDrop, Rate: 1}, tt.band}}
			b, err := m.AppendBinary([]byte{0xaa})
			if err == nil {
				t.Fatalf("encoded %+v: % x", tt.band, b)
			}
			if len(b) != 1 {
				t.Fatalf("failed encode left %d bytes, want the input's 1", len(b))
			}
		})
	}
}

func TestMeterBandsHelpers(t *testing.T) {
	in := []MeterBand{
		{Type: MeterBandDrop, Rate: 1, BurstSize: 2},
		{Type: MeterBandDSCPRemark, Rate: 3, BurstSize: 4, PrecLevel: 1},
		{Type: MeterBandExperimenter, Rate: 5, Experimenter: 6},
	}
	b, err := AppendMeterBands([]byte{0xaa}, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 1+3*MeterBandLen || b[0] != 0xaa {
		t.Fatalf("AppendMeterBands did not append: % x", b)
	}
	out, err := DecodeMeterBands(b[1:])
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Fatalf("got %+v, want %+v", out, in)
	}
	if got, err := DecodeMeterBands(nil); got != nil || err != nil {
		t.Fatalf("DecodeMeterBands(nil) = %#v, %v; want nil, nil", got, err)
	}
	var mb MeterBand
	n, err := mb.Decode(hexBytes(b[1:1+MeterBandLen], []byte{0xde, 0xad}))
	if err != nil || n != MeterBandLen || !reflect.DeepEqual(mb, in[0]) {
		t.Fatalf("Decode = %d, %v, %+v; want %d, nil, %+v", n, err, mb, MeterBandLen, in[0])
	}
}

func TestMeterEnumStrings(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{name: "command add", got: MeterAdd.String(), want: "ADD"},
		{name: "command modify", got: MeterModify.String(), want: "MODIFY"},
		{name: "command unknown", got: MeterModCommand(3).String(), want: "MeterModCommand(3)"},
		{name: "no flags", got: MeterFlags(0).String(), want: "0"},
		{name: "flags", got: (MeterKbps | MeterFlagStats).String(), want: "KBPS|STATS"},
		{name: "unknown flag", got: (MeterPktps | 0x100).String(), want: "PKTPS|0x100"},
		{name: "band drop", got: MeterBandDrop.String(), want: "DROP"},
		{name: "band dscp", got: MeterBandDSCPRemark.String(), want: "DSCP_REMARK"},
		{name: "band experimenter", got: MeterBandExperimenter.String(), want: "EXPERIMENTER"},
		{name: "band unknown", got: MeterBandType(0).String(), want: "MeterBandType(0)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Fatalf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func FuzzMeterMod(f *testing.F) {
	// Seeds (more in testdata/fuzz/FuzzMeterMod): a delete without bands
	// and a meter with one DSCP_REMARK band.
	f.Add([]byte{0x00, 0x02, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x05,
		0x00, 0x02, 0x00, 0x10, 0x00, 0x00, 0x01, 0xf4, 0x00, 0x00, 0x00, 0x32, 0x02, 0x00, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, body []byte) {
		checkBodyRoundTrip(t, body, func() Message { return new(MeterMod) })
	})
}
