package openflow

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"reflect"
	"testing"
)

// nxNat24 is the 24-byte nat(dst=10.0.0.2:80) action, used inside ct.
var nxNat24 = actJoin(
	[]byte{0xff, 0xff, 0x00, 0x18}, // type EXPERIMENTER, len 24
	[]byte{0x00, 0x00, 0x23, 0x20}, // experimenter NX
	[]byte{0x00, 0x24},             // subtype NAT (36)
	[]byte{0x00, 0x00},             // pad
	[]byte{0x00, 0x02},             // flags DST
	[]byte{0x00, 0x11},             // range_present IPV4_MIN|PROTO_MIN
	[]byte{0x0a, 0x00, 0x00, 0x02}, // ipv4 min 10.0.0.2
	[]byte{0x00, 0x50},             // proto min 80
	[]byte{0x00, 0x00},             // pad
)

func niciraActionCases() []actionCase {
	ip := netip.MustParseAddr
	return []actionCase{
		{
			name:   "controller with id",
			action: &NXController{MaxLen: 128, ControllerID: 2, Reason: PacketInReasonAction},
			want: actJoin(
				[]byte{0xff, 0xff, 0x00, 0x10}, // type EXPERIMENTER, len 16
				[]byte{0x00, 0x00, 0x23, 0x20}, // experimenter NX
				[]byte{0x00, 0x14},             // subtype CONTROLLER (20)
				[]byte{0x00, 0x80},             // max_len 128
				[]byte{0x00, 0x02},             // controller_id 2
				[]byte{0x01},                   // reason ACTION
				[]byte{0x00},                   // zero
			),
			text: "controller(max_len=128,id=2)",
		},
		{
			name:   "controller with reason",
			action: &NXController{MaxLen: ControllerNoBuffer, Reason: PacketInReasonNoMatch},
			want: actJoin(
				[]byte{0xff, 0xff, 0x00, 0x10}, // type EXPERIMENTER, len 16
				[]byte{0x00, 0x00, 0x23, 0x20}, // experimenter NX
				[]byte{0x00, 0x14},             // subtype CONTROLLER (20)
				[]byte{0xff, 0xff},             // max_len all
				[]byte{0x00, 0x00},             // controller_id 0
				[]byte{0x00},                   // reason NO_MATCH
				[]byte{0x00},                   // zero
			),
			text: "controller(reason=no_match)",
		},
		{
			name:   "controller like an output",
			action: &NXController{MaxLen: 64, Reason: PacketInReasonAction},
			want: actJoin(
				[]byte{0xff, 0xff, 0x00, 0x10}, // type EXPERIMENTER, len 16
				[]byte{0x00, 0x00, 0x23, 0x20}, // experimenter NX
				[]byte{0x00, 0x14},             // subtype CONTROLLER (20)
				[]byte{0x00, 0x40},             // max_len 64
				[]byte{0x00, 0x00},             // controller_id 0
				[]byte{0x01},                   // reason ACTION
				[]byte{0x00},                   // zero
			),
			text: "CONTROLLER:64",
		},
		{
			name:   "resubmit to table",
			action: &NXResubmitTable{InPort: NXPortInPort, Table: 2},
			want: actJoin(
				[]byte{0xff, 0xff, 0x00, 0x10}, // type EXPERIMENTER, len 16
				[]byte{0x00, 0x00, 0x23, 0x20}, // experimenter NX
				[]byte{0x00, 0x0e},             // subtype RESUBMIT_TABLE (14)
				[]byte{0xff, 0xf8},             // in_port IN_PORT
				[]byte{0x02},                   // table 2
				[]byte{0x00, 0x00, 0x00},       // pad
			),
			text: "resubmit(,2)",
		},
		{
			name:   "resubmit from port",
			action: &NXResubmitTable{InPort: 3, Table: NXTableCurrent},
			want: actJoin(
				[]byte{0xff, 0xff, 0x00, 0x10}, // type EXPERIMENTER, len 16
				[]byte{0x00, 0x00, 0x23, 0x20}, // experimenter NX
				[]byte{0x00, 0x0e},             // subtype RESUBMIT_TABLE (14)
				[]byte{0x00, 0x03},             // in_port 3
				[]byte{0xff},                   // table current
				[]byte{0x00, 0x00, 0x00},       // pad
			),
			text: "resubmit:3",
		},
		{
			name:   "resubmit from port to table",
			action: &NXResubmitTable{InPort: 0xfffe, Table: 1},
			want: actJoin(
				[]byte{0xff, 0xff, 0x00, 0x10}, // type EXPERIMENTER, len 16
				[]byte{0x00, 0x00, 0x23, 0x20}, // experimenter NX
				[]byte{0x00, 0x0e},             // subtype RESUBMIT_TABLE (14)
				[]byte{0xff, 0xfe},             // in_port LOCAL
				[]byte{0x01},                   // table 1
				[]byte{0x00, 0x00, 0x00},       // pad
			),
			text: "resubmit(LOCAL,1)",
		},
		{
			name:   "ct bare",
			action: &NXConntrack{},
			want: actJoin(
				[]byte{0xff, 0xff, 0x00, 0x18}, // type EXPERIMENTER, len 24
				[]byte{0x00, 0x00, 0x23, 0x20}, // experimenter NX
				[]byte{0x00, 0x23},             // subtype CT (35)
				[]byte{0x00, 0x00},             // flags none
				[]byte{0x00, 0x00, 0x00, 0x00}, // zone_src none
				[]byte{0x00, 0x00},             // zone 0
				[]byte{0xff},                   // recirc_table NONE
				[]byte{0x00, 0x00, 0x00},       // pad
				[]byte{0x00, 0x00},             // alg none
			),
			text: "ct()",
		},
		{
			name:   "ct commit recirculate zone",
			action: &NXConntrack{Flags: NXConntrackCommit, Zone: 5, Recirc: true, RecircTable: 1},
			want: actJoin(
				[]byte{0xff, 0xff, 0x00, 0x18}, // type EXPERIMENTER, len 24
				[]byte{0x00, 0x00, 0x23, 0x20}, // experimenter NX
				[]byte{0x00, 0x23},             // subtype CT (35)
				[]byte{0x00, 0x01},             // flags COMMIT
				[]byte{0x00, 0x00, 0x00, 0x00}, // zone_src none
				[]byte{0x00, 0x05},             // zone 5
				[]byte{0x01},                   // recirc_table 1
				[]byte{0x00, 0x00, 0x00},       // pad
				[]byte{0x00, 0x00},             // alg none
			),
			text: "ct(commit,table=1,zone=5)",
		},
		{
			name:   "ct recirculate to table 0",
			action: &NXConntrack{Recirc: true},
			want: actJoin(
				[]byte{0xff, 0xff, 0x00, 0x18}, // type EXPERIMENTER, len 24
				[]byte{0x00, 0x00, 0x23, 0x20}, // experimenter NX
				[]byte{0x00, 0x23},             // subtype CT (35)
				[]byte{0x00, 0x00},             // flags none
				[]byte{0x00, 0x00, 0x00, 0x00}, // zone_src none
				[]byte{0x00, 0x00},             // zone 0
				[]byte{0x00},                   // recirc_table 0
				[]byte{0x00, 0x00, 0x00},       // pad
				[]byte{0x00, 0x00},             // alg none
			),
			text: "ct(table=0)",
		},
		{
			name:   "ct zone from register",
			action: &NXConntrack{ZoneSrc: 0x00010204, Zone: NXMOfsNbits(0, 16)},
			want: actJoin(
				[]byte{0xff, 0xff, 0x00, 0x18}, // type EXPERIMENTER, len 24
				[]byte{0x00, 0x00, 0x23, 0x20}, // experimenter NX
				[]byte{0x00, 0x23},             // subtype CT (35)
				[]byte{0x00, 0x00},             // flags none
				[]byte{0x00, 0x01, 0x02, 0x04}, // zone_src NXM_NX_REG1
				[]byte{0x00, 0x0f},             // zone_ofs_nbits: ofs 0, 16 bits
				[]byte{0xff},                   // recirc_table NONE
				[]byte{0x00, 0x00, 0x00},       // pad
				[]byte{0x00, 0x00},             // alg none
			),
			text: "ct(zone=NXM_NX_REG1[0..15])",
		},
		{
			name:   "ct force with ftp alg",
			action: &NXConntrack{Flags: NXConntrackCommit | NXConntrackForce, Alg: NXConntrackAlgFTP},
			want: actJoin(
				[]byte{0xff, 0xff, 0x00, 0x18}, // type EXPERIMENTER, len 24
				[]byte{0x00, 0x00, 0x23, 0x20}, // experimenter NX
				[]byte{0x00, 0x23},             // subtype CT (35)
				[]byte{0x00, 0x03},             // flags COMMIT|FORCE
				[]byte{0x00, 0x00, 0x00, 0x00}, // zone_src none
				[]byte{0x00, 0x00},             // zone 0
				[]byte{0xff},                   // recirc_table NONE
				[]byte{0x00, 0x00, 0x00},       // pad
				[]byte{0x00, 0x15},             // alg 21 (FTP)
			),
			text: "ct(commit,force,alg=ftp)",
		},
		{
			name: "ct commit with dnat",
			action: &NXConntrack{Flags: NXConntrackCommit, Actions: []Action{
				&NXNat{Flags: NXNatDst, IPMin: ip("10.0.0.2"), ProtoMin: 80},
			}},
			want: actJoin(
				[]byte{0xff, 0xff, 0x00, 0x30}, // type EXPERIMENTER, len 48 (nested NAT included)
				[]byte{0x00, 0x00, 0x23, 0x20}, // experimenter NX
				[]byte{0x00, 0x23},             // subtype CT (35)
				[]byte{0x00, 0x01},             // flags COMMIT
				[]byte{0x00, 0x00, 0x00, 0x00}, // zone_src none
				[]byte{0x00, 0x00},             // zone 0
				[]byte{0xff},                   // recirc_table NONE
				[]byte{0x00, 0x00, 0x00},       // pad
				[]byte{0x00, 0x00},             // alg none
				nxNat24,                        // nat(dst=10.0.0.2:80)
			),
			text: "ct(commit,nat(dst=10.0.0.2:80))",
		},
		{
			name:   "ct nat without arguments",
			action: &NXConntrack{Recirc: true, RecircTable: 2, Actions: []Action{&NXNat{}}},
			want: actJoin(
				[]byte{0xff, 0xff, 0x00, 0x28}, // type EXPERIMENTER, len 40
				[]byte{0x00, 0x00, 0x23, 0x20}, // experimenter NX
				[]byte{0x00, 0x23},             // subtype CT (35)
				[]byte{0x00, 0x00},             // flags none
				[]byte{0x00, 0x00, 0x00, 0x00}, // zone_src none
				[]byte{0x00, 0x00},             // zone 0
				[]byte{0x02},                   // recirc_table 2
				[]byte{0x00, 0x00, 0x00},       // pad
				[]byte{0x00, 0x00},             // alg none
				[]byte{0xff, 0xff, 0x00, 0x10}, // NAT: type EXPERIMENTER, len 16
				[]byte{0x00, 0x00, 0x23, 0x20}, //   experimenter NX
				[]byte{0x00, 0x24, 0x00, 0x00}, //   subtype NAT, pad
				[]byte{0x00, 0x00, 0x00, 0x00}, //   flags none, range_present none
			),
			text: "ct(table=2,nat)",
		},
		{
			name: "ct snat to a range with random ports",
			action: &NXConntrack{Flags: NXConntrackCommit, Zone: 7, Actions: []Action{&NXNat{
				Flags: NXNatSrc | NXNatProtoRandom, IPMin: ip("10.0.0.1"), IPMax: ip("10.0.0.9"),
				ProtoMin: 1024, ProtoMax: 2047,
			}}},
			want: actJoin(
				[]byte{0xff, 0xff, 0x00, 0x38}, // type EXPERIMENTER, len 56
				[]byte{0x00, 0x00, 0x23, 0x20}, // experimenter NX
				[]byte{0x00, 0x23},             // subtype CT (35)
				[]byte{0x00, 0x01},             // flags COMMIT
				[]byte{0x00, 0x00, 0x00, 0x00}, // zone_src none
				[]byte{0x00, 0x07},             // zone 7
				[]byte{0xff},                   // recirc_table NONE
				[]byte{0x00, 0x00, 0x00},       // pad
				[]byte{0x00, 0x00},             // alg none
				[]byte{0xff, 0xff, 0x00, 0x20}, // NAT: type EXPERIMENTER, len 32
				[]byte{0x00, 0x00, 0x23, 0x20}, //   experimenter NX
				[]byte{0x00, 0x24, 0x00, 0x00}, //   subtype NAT, pad
				[]byte{0x00, 0x11},             //   flags SRC|PROTO_RANDOM
				[]byte{0x00, 0x33},             //   range_present IPV4_MIN|IPV4_MAX|PROTO_MIN|PROTO_MAX
				[]byte{0x0a, 0x00, 0x00, 0x01}, //   ipv4 min
				[]byte{0x0a, 0x00, 0x00, 0x09}, //   ipv4 max
				[]byte{0x04, 0x00, 0x07, 0xff}, //   proto min 1024, max 2047
				[]byte{0x00, 0x00, 0x00, 0x00}, //   pad
			),
			text: "ct(commit,zone=7,nat(src=10.0.0.1-10.0.0.9:1024-2047,random))",
		},
		{
			name: "ct dnat to ipv6 with persistent hash",
			action: &NXConntrack{Flags: NXConntrackCommit, Actions: []Action{&NXNat{
				Flags: NXNatDst | NXNatPersistent | NXNatProtoHash, IPMin: ip("fd00::1"), ProtoMin: 443,
			}}},
			want: actJoin(
				[]byte{0xff, 0xff, 0x00, 0x40}, // type EXPERIMENTER, len 64
				[]byte{0x00, 0x00, 0x23, 0x20}, // experimenter NX
				[]byte{0x00, 0x23},             // subtype CT (35)
				[]byte{0x00, 0x01},             // flags COMMIT
				[]byte{0x00, 0x00, 0x00, 0x00}, // zone_src none
				[]byte{0x00, 0x00},             // zone 0
				[]byte{0xff},                   // recirc_table NONE
				[]byte{0x00, 0x00, 0x00},       // pad
				[]byte{0x00, 0x00},             // alg none
				[]byte{0xff, 0xff, 0x00, 0x28}, // NAT: type EXPERIMENTER, len 40
				[]byte{0x00, 0x00, 0x23, 0x20}, //   experimenter NX
				[]byte{0x00, 0x24, 0x00, 0x00}, //   subtype NAT, pad
				[]byte{0x00, 0x0e},             //   flags DST|PERSISTENT|PROTO_HASH
				[]byte{0x00, 0x14},             //   range_present IPV6_MIN|PROTO_MIN
				[]byte{0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, // ipv6 min
				[]byte{0x01, 0xbb},                         //   proto min 443
				[]byte{0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, //   pad
			),
			text: "ct(commit,nat(dst=[fd00::1]:443,persistent,hash))",
		},
		{
			name: "controller2 with every property",
			action: &NXController2{MaxLen: 128, ControllerID: 2, Reason: PacketInReasonAction,
				UserData: []byte{1, 2, 3}, Pause: true, MeterID: 1},
			want: actJoin(
				[]byte{0xff, 0xff, 0x00, 0x38},                         // type EXPERIMENTER, len 56
				[]byte{0x00, 0x00, 0x23, 0x20},                         // experimenter NX
				[]byte{0x00, 0x25},                                     // subtype CONTROLLER2 (37)
				[]byte{0x00, 0x00, 0x00, 0x00, 0x00, 0x00},             // pad
				[]byte{0x00, 0x00, 0x00, 0x06, 0x00, 0x80, 0x00, 0x00}, // MAX_LEN, len 6: 128, pad
				[]byte{0x00, 0x01, 0x00, 0x06, 0x00, 0x02, 0x00, 0x00}, // CONTROLLER_ID, len 6: 2, pad
				[]byte{0x00, 0x03, 0x00, 0x07, 0x01, 0x02, 0x03, 0x00}, // USERDATA, len 7: 01 02 03, pad
				[]byte{0x00, 0x04, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00}, // PAUSE, len 4, pad
				[]byte{0x00, 0x05, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01}, // METER_ID, len 8: 1
			),
			text: "controller(max_len=128,id=2,userdata=01.02.03,pause,meter_id=1)",
		},
		{
			name:   "controller2 with defaults only",
			action: &NXController2{MaxLen: ControllerNoBuffer, Reason: PacketInReasonAction},
			want: actJoin(
				[]byte{0xff, 0xff, 0x00, 0x10},             // type EXPERIMENTER, len 16
				[]byte{0x00, 0x00, 0x23, 0x20},             // experimenter NX
				[]byte{0x00, 0x25},                         // subtype CONTROLLER2 (37)
				[]byte{0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, // pad, no properties
			),
			text: "CONTROLLER:65535",
		},
		{
			name:   "controller2 with a reason",
			action: &NXController2{MaxLen: ControllerNoBuffer, Reason: PacketInReasonInvalidTTL},
			want: actJoin(
				[]byte{0xff, 0xff, 0x00, 0x18},                         // type EXPERIMENTER, len 24
				[]byte{0x00, 0x00, 0x23, 0x20},                         // experimenter NX
				[]byte{0x00, 0x25},                                     // subtype CONTROLLER2 (37)
				[]byte{0x00, 0x00, 0x00, 0x00, 0x00, 0x00},             // pad
				[]byte{0x00, 0x02, 0x00, 0x05, 0x02, 0x00, 0x00, 0x00}, // REASON, len 5: INVALID_TTL, pad
			),
			text: "controller(reason=invalid_ttl)",
		},
		{
			name:   "nat alone",
			action: &NXNat{Flags: NXNatDst, IPMin: ip("10.0.0.2"), ProtoMin: 80},
			want:   nxNat24,
			text:   "nat(dst=10.0.0.2:80)",
			noOVS:  true, // OVS accepts nat only inside ct
		},
		{
			name:   "nat address range only",
			action: &NXNat{Flags: NXNatSrc, IPMin: ip("192.168.0.1"), IPMax: ip("192.168.0.1")},
			want: actJoin(
				[]byte{0xff, 0xff, 0x00, 0x18}, // type EXPERIMENTER, len 24
				[]byte{0x00, 0x00, 0x23, 0x20}, // experimenter NX
				[]byte{0x00, 0x24, 0x00, 0x00}, // subtype NAT, pad
				[]byte{0x00, 0x01},             // flags SRC
				[]byte{0x00, 0x03},             // range_present IPV4_MIN|IPV4_MAX
				[]byte{0xc0, 0xa8, 0x00, 0x01}, // ipv4 min
				[]byte{0xc0, 0xa8, 0x00, 0x01}, // ipv4 max
			),
			text:  "nat(src=192.168.0.1)",
			noOVS: true,
		},
	}
}

func TestNiciraActionEncoding(t *testing.T) {
	for _, tc := range niciraActionCases() {
		t.Run(tc.name, func(t *testing.T) { checkActionCase(t, tc) })
	}
}

func TestNiciraActionStrings(t *testing.T) {
	tests := []struct {
		name string
		v    interface{ String() string }
		want string
	}{
		{name: "subtype", v: NXActionCT, want: "NXAST_CT"},
		{name: "controller2 subtype", v: NXActionController2, want: "NXAST_CONTROLLER2"},
		{name: "unknown subtype", v: NXActionSubtype(99), want: "NXActionSubtype(99)"},
		{name: "ct flags", v: NXConntrackCommit | NXConntrackForce, want: "commit|force"},
		{name: "nat flags", v: NXNatSrc | NXNatProtoHash | 0x100, want: "src|hash|0x100"},
		{name: "controller with every part", v: &NXController{MaxLen: 9, ControllerID: 1, Reason: 7}, want: "controller(reason=7,max_len=9,id=1)"},
		{name: "resubmit both defaults", v: &NXResubmitTable{InPort: NXPortInPort, Table: NXTableCurrent}, want: "resubmit(,)"},
		{name: "ct exec", v: &NXConntrack{Flags: NXConntrackCommit, Alg: 69, Actions: []Action{&NXNat{}, &Output{Port: 1}}}, want: "ct(commit,nat,exec(output:1),alg=tftp)"},
		{name: "ct exec without nat", v: &NXConntrack{Flags: NXConntrackCommit, Alg: 5060, Actions: []Action{&Output{Port: 1}}}, want: "ct(commit,exec(output:1),alg=5060)"},
		{name: "ct zone from an unnamed field", v: &NXConntrack{ZoneSrc: 0x80000e02, Zone: NXMOfsNbits(2, 16)}, want: "ct(zone=0x80000e02[2..17])"},
		{name: "nat flags without range", v: &NXNat{Flags: NXNatDst | NXNatPersistent}, want: "nat(dst)"},
		{name: "nat ipv6 range", v: &NXNat{Flags: NXNatSrc, IPMin: netip.MustParseAddr("fd00::1"), IPMax: netip.MustParseAddr("fd00::9")}, want: "nat(src=fd00::1-fd00::9)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.v.String(); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// nxCT wraps nested action bytes in a ct header whose length counts them.
func nxCT(flags byte, nested ...[]byte) []byte {
	inner := actJoin(nested...)
	n := 24 + len(inner)
	return actJoin(
		[]byte{0xff, 0xff, byte(n >> 8), byte(n)},     // type EXPERIMENTER, len
		[]byte{0x00, 0x00, 0x23, 0x20},                // experimenter NX
		[]byte{0x00, 0x23, 0x00, flags},               // subtype CT, flags
		[]byte{0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0, 0, 0}, // zone_src, zone, table NONE, pad, alg
		inner,
	)
}

// nxNatRaw is a NAT action with the given flags, range_present and
// optional part, padded to its length field n.
func nxNatRaw(n int, flags, rp uint16, opt ...byte) []byte {
	b := actJoin(
		[]byte{0xff, 0xff, byte(n >> 8), byte(n)},
		[]byte{0x00, 0x00, 0x23, 0x20},
		[]byte{0x00, 0x24, 0x00, 0x00},
		[]byte{byte(flags >> 8), byte(flags), byte(rp >> 8), byte(rp)},
		opt,
	)
	for len(b) < n {
		b = append(b, 0)
	}
	return b
}

// nxController2Raw is a CONTROLLER2 action around raw property bytes.
func nxController2Raw(props ...byte) []byte {
	n := 16 + len(props)
	return actJoin(
		[]byte{0xff, 0xff, byte(n >> 8), byte(n)},
		[]byte{0x00, 0x00, 0x23, 0x20},
		[]byte{0x00, 0x25, 0, 0, 0, 0, 0, 0},
		props,
	)
}

// badNiciraActionLists are malformed Nicira actions (also fuzz seeds).
func badNiciraActionLists() []badList {
	controller := []byte{0xff, 0xff, 0x00, 0x18, 0x00, 0x00, 0x23, 0x20, 0x00, 0x14, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	return []badList{
		{
			name: "controller of 24 bytes",
			in:   controller,
			want: ErrActionLength,
			text: "NXAST_CONTROLLER",
		},
		{
			name: "ct shorter than its fixed part",
			in:   []byte{0xff, 0xff, 0x00, 0x10, 0x00, 0x00, 0x23, 0x20, 0x00, 0x23, 0, 0, 0, 0, 0, 0},
			want: ErrActionLength,
			text: "NXAST_CT",
		},
		{
			name: "ct with nested action of zero length",
			in:   nxCT(1, []byte{0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0}),
			want: ErrActionLength,
			text: "nested actions",
		},
		{
			name: "ct with nested action past the ct",
			in:   nxCT(1, []byte{0x00, 0x16, 0x00, 0x10, 0, 0, 0, 1}),
			want: io.ErrUnexpectedEOF,
			text: "nested actions",
		},
		{
			name: "ct with nested action length not a multiple of 8",
			in:   nxCT(1, []byte{0x00, 0x00, 0x00, 0x0c, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}),
			want: ErrActionLength,
		},
		{
			name: "ct with a bad nat inside",
			in:   nxCT(1, nxNatRaw(16, 3, 0)),
			want: ErrNXActionArgument,
			text: "both src and dst",
		},
		{
			name: "ct force without commit",
			in:   nxCT(2),
			want: ErrNXActionArgument,
		},
		{
			name: "ct unknown flag",
			in:   nxCT(5),
			want: ErrNXActionArgument,
		},
		{
			name: "nat range present but missing",
			in:   nxNatRaw(16, 2, nxNatRangeIPv4Min),
			want: ErrActionLength,
		},
		{
			name: "nat padded too far",
			in:   nxNatRaw(32, 2, nxNatRangeIPv4Min, 10, 0, 0, 1),
			want: ErrActionLength,
		},
		{
			name: "nat ports without an address",
			in:   nxNatRaw(24, 2, nxNatRangeProtoMin, 0, 80),
			want: ErrNXActionArgument,
		},
		{
			name: "nat address max without min",
			in:   nxNatRaw(24, 2, nxNatRangeIPv4Max, 10, 0, 0, 1),
			want: ErrNXActionArgument,
		},
		{
			name: "nat address max below min",
			in:   nxNatRaw(24, 1, nxNatRangeIPv4Min|nxNatRangeIPv4Max, 10, 0, 0, 9, 10, 0, 0, 1),
			want: ErrNXActionArgument,
			text: "address max below min",
		},
		{
			name: "nat zero address",
			in:   nxNatRaw(24, 1, nxNatRangeIPv4Min, 0, 0, 0, 0),
			want: ErrNXActionArgument,
		},
		{
			name: "nat zero port",
			in:   nxNatRaw(24, 1, nxNatRangeIPv4Min|nxNatRangeProtoMin, 10, 0, 0, 1, 0, 0),
			want: ErrNXActionArgument,
		},
		{
			name: "nat mixed families",
			in:   nxNatRaw(40, 1, nxNatRangeIPv4Min|nxNatRangeIPv6Max, 10, 0, 0, 1, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
			want: ErrNXActionArgument,
		},
		{
			name: "nat hash and random",
			in:   nxNatRaw(16, uint16(NXNatProtoHash|NXNatProtoRandom), 0),
			want: ErrNXActionArgument,
		},
		{
			name: "controller2 property shorter than its header",
			in:   nxController2Raw(0x00, 0x00, 0x00, 0x02, 0, 0, 0, 0),
			want: ErrActionLength,
		},
		{
			name: "controller2 property past the action",
			in:   nxController2Raw(0x00, 0x03, 0x00, 0x0c, 1, 2, 3, 4),
			want: io.ErrUnexpectedEOF,
			text: "property at offset 16",
		},
		{
			name: "controller2 max_len of the wrong size",
			in:   nxController2Raw(0x00, 0x00, 0x00, 0x05, 1, 0, 0, 0),
			want: ErrActionLength,
		},
		{
			name: "controller2 unknown property",
			in:   nxController2Raw(0x00, 0x09, 0x00, 0x04, 0, 0, 0, 0),
			want: ErrNXActionArgument,
			text: "unknown type 9",
		},
		{
			name: "controller2 non-zero padding",
			in:   []byte{0xff, 0xff, 0x00, 0x10, 0x00, 0x00, 0x23, 0x20, 0x00, 0x25, 0, 0, 0, 1, 0, 0},
			want: ErrNXActionArgument,
		},
		{
			name: "nat unknown range bit",
			in:   nxNatRaw(16, 1, 0x40),
			want: ErrNXActionArgument,
		},
	}
}

func TestDecodeNiciraActionErrors(t *testing.T) {
	checkBadLists(t, badNiciraActionLists(), DecodeActions)
}

// TestNXController2Defaults checks that absent properties decode to Open
// vSwitch's defaults and that a property at its default is left out.
func TestNXController2Defaults(t *testing.T) {
	got, err := DecodeActions(nxController2Raw(
		0x00, 0x01, 0x00, 0x06, 0x00, 0x07, 0x00, 0x00, // CONTROLLER_ID 7
		0x00, 0x00, 0x00, 0x06, 0xff, 0xff, 0x00, 0x00, // MAX_LEN 65535, the default
		0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, // empty USERDATA
	))
	if err != nil {
		t.Fatal(err)
	}
	want := &NXController2{MaxLen: ControllerNoBuffer, ControllerID: 7, Reason: PacketInReasonAction}
	if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Fatalf("got %#v, want %#v", got, want)
	}
	b := actMustEncode(t, got[0])
	if len(b) != 24 {
		t.Fatalf("re-encoding has %d bytes, want 24 (one property): % x", len(b), b)
	}
}

// TestNXController2TooLong checks that user data too long for a property
// fails with ErrTooLong and leaves the buffer as it was.
func TestNXController2TooLong(t *testing.T) {
	b, err := (&NXController2{UserData: make([]byte, 65532)}).AppendBinary([]byte{9})
	if !errors.Is(err, ErrTooLong) || len(b) != 1 {
		t.Fatalf("got %d bytes, %v; want 1 byte, ErrTooLong", len(b), err)
	}
}

// TestNiciraShortActionIsGeneric checks that an 8-byte experimenter action
// with Nicira's id, too short for a subtype, stays generic.
func TestNiciraShortActionIsGeneric(t *testing.T) {
	in := []byte{0xff, 0xff, 0x00, 0x08, 0x00, 0x00, 0x23, 0x20}
	got, err := DecodeActions(in)
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := got[0].(*ActionExperimenter); !ok || e.ID != NiciraExperimenterID || e.Data != nil {
		t.Fatalf("got %#v", got[0])
	}
}

func TestNiciraActionEncodeErrors(t *testing.T) {
	ip := netip.MustParseAddr
	tests := []struct {
		name   string
		action Action
	}{
		{name: "ct force without commit", action: &NXConntrack{Flags: NXConntrackForce}},
		{name: "ct unknown flag", action: &NXConntrack{Flags: 4}},
		{name: "ct recirculation to table 255", action: &NXConntrack{Recirc: true, RecircTable: 255}},
		{name: "ct with a bad nat", action: &NXConntrack{Flags: NXConntrackCommit, Actions: []Action{&NXNat{Flags: NXNatSrc | NXNatDst}}}},
		{name: "nat src and dst", action: &NXNat{Flags: NXNatSrc | NXNatDst}},
		{name: "nat hash and random", action: &NXNat{Flags: NXNatDst | NXNatProtoHash | NXNatProtoRandom}},
		{name: "nat unknown flag", action: &NXNat{Flags: 0x40}},
		{name: "nat ports without address", action: &NXNat{Flags: NXNatDst, ProtoMin: 80}},
		{name: "nat max without min", action: &NXNat{Flags: NXNatDst, IPMax: ip("10.0.0.1")}},
		{name: "nat unspecified address", action: &NXNat{Flags: NXNatDst, IPMin: ip("0.0.0.0")}},
		{name: "nat mixed families", action: &NXNat{Flags: NXNatDst, IPMin: ip("10.0.0.1"), IPMax: ip("fd00::1")}},
		{name: "nat reversed addresses", action: &NXNat{Flags: NXNatDst, IPMin: ip("10.0.0.9"), IPMax: ip("10.0.0.1")}},
		{name: "nat reversed ports", action: &NXNat{Flags: NXNatDst, IPMin: ip("10.0.0.1"), ProtoMin: 90, ProtoMax: 80}},
		{name: "nat port max without min", action: &NXNat{Flags: NXNatDst, IPMin: ip("10.0.0.1"), ProtoMax: 80}},
		{name: "nat zoned address", action: &NXNat{Flags: NXNatDst, IPMin: ip("fe80::1%eth0")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prefix := []byte{1, 2, 3}
			b, err := AppendActions(append([]byte(nil), prefix...), []Action{&Output{Port: 1}, tc.action})
			if !errors.Is(err, ErrNXActionArgument) {
				t.Fatalf("got %v, want ErrNXActionArgument", err)
			}
			if !bytes.Equal(b, prefix) {
				t.Fatalf("buffer not restored: % x", b)
			}
		})
	}
}

// TestNiciraActionsOVS sends every Nicira action in a PACKET_OUT through
// ovs-ofctl and compares what it prints with our String().
func TestNiciraActionsOVS(t *testing.T) {
	var cases []actionCase
	for _, tc := range niciraActionCases() {
		if !tc.noOVS {
			cases = append(cases, tc)
		}
	}
	cases = append(cases, actionCase{
		name: "load balancer conntrack pipeline",
		action: &actList{
			&NXConntrack{Flags: NXConntrackCommit, Zone: 1, Actions: []Action{
				&NXNat{Flags: NXNatDst, IPMin: netip.MustParseAddr("10.0.0.2"), ProtoMin: 8080},
			}},
			&NXResubmitTable{InPort: NXPortInPort, Table: 1},
			&NXController{MaxLen: ControllerNoBuffer, ControllerID: 3, Reason: PacketInReasonAction},
			&Output{Port: 2},
		},
		text: "ct(commit,zone=1,nat(dst=10.0.0.2:8080)),resubmit(,1),controller(id=3),output:2",
	})
	var frames [][]byte
	for i, tc := range cases {
		frames = append(frames, actPacketOut(t, uint32(i), actMustEncode(t, tc.action)))
	}
	got := ovsPacketOutActions(t, frames...)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got[i] != tc.text {
				t.Fatalf("ovs-ofctl printed %q, we print %q", got[i], tc.text)
			}
		})
	}
}

// TestNiciraEncodeAllocs checks that encoding a ct(commit,nat(...))
// pipeline into a reused buffer allocates nothing.
func TestNiciraEncodeAllocs(t *testing.T) {
	actions := []Action{
		&NXConntrack{Flags: NXConntrackCommit, Zone: 1, Actions: []Action{
			&NXNat{Flags: NXNatDst, IPMin: netip.MustParseAddr("10.0.0.2"), IPMax: netip.MustParseAddr("10.0.0.3"), ProtoMin: 80},
		}},
		&NXController{MaxLen: ControllerNoBuffer, ControllerID: 3, Reason: PacketInReasonAction},
		&NXResubmitTable{InPort: NXPortInPort, Table: 1},
		&NXController2{MaxLen: 128, ControllerID: 3, UserData: []byte{1, 2}, Pause: true, MeterID: 2},
	}
	buf := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(100, func() { buf, _ = AppendActions(buf[:0], actions) }); n != 0 {
		t.Fatalf("%v allocations per encode", n)
	}
}

func BenchmarkNiciraActionsEncode(b *testing.B) {
	actions := []Action{
		&NXConntrack{Flags: NXConntrackCommit, Zone: 1, Actions: []Action{
			&NXNat{Flags: NXNatDst, IPMin: netip.MustParseAddr("10.0.0.2"), ProtoMin: 80},
		}},
		&Output{Port: 2},
	}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendActions(buf[:0], actions); err != nil {
			b.Fatal(err)
		}
	}
}
