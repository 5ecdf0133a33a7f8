package openflow

import (
	"net/netip"
	"reflect"
	"testing"
)

// tcpSYN is a 74-byte Ethernet frame: 10.0.0.1:41668 -> 10.0.0.100:80 TCP
// SYN with MSS, SACK-permitted, timestamp and window-scale options.
var tcpSYN = []byte{
	// Ethernet: dst 02:00:00:00:00:02, src 02:00:00:00:00:01, type IPv4
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
	// IPv4: ihl 5, total length 60, id 0x1c46, DF, ttl 64, TCP, checksum, 10.0.0.1 -> 10.0.0.100
	0x45, 0x00, 0x00, 0x3c, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x06, 0x0a, 0x12, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x64,
	// TCP: 41668 -> 80, seq 0x12345678, ack 0, offset 10 words, SYN, window 64240, checksum, urgent 0
	0xa2, 0xc4, 0x00, 0x50, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0, 0x4a, 0xa8, 0x00, 0x00,
	// options: MSS 1460, SACK permitted, timestamps 123456/0, NOP, window scale 7
	0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x01, 0xe2, 0x40, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
}

// emptyMatch is the encoding of a match with no fields.
var emptyMatch = []byte{
	0x00, 0x01, // type OFPMT_OXM
	0x00, 0x04, // length 4: no OXM fields
	0, 0, 0, 0, // padding to 8
}

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// sixFieldMatch is the encoding of benchPacketIn's match, fields in
// canonical (ascending OXM field) order.
var sixFieldMatch = []byte{
	0x00, 0x01, // type OFPMT_OXM
	0x00, 0x2d, // length 45
	0x80, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x03, // OXM_OF_IN_PORT 3
	0x80, 0x00, 0x0a, 0x02, 0x08, 0x00, // OXM_OF_ETH_TYPE IPv4
	0x80, 0x00, 0x14, 0x01, 0x06, // OXM_OF_IP_PROTO TCP
	0x80, 0x00, 0x16, 0x04, 0x0a, 0x00, 0x00, 0x01, // OXM_OF_IPV4_SRC 10.0.0.1
	0x80, 0x00, 0x18, 0x04, 0x0a, 0x00, 0x00, 0x64, // OXM_OF_IPV4_DST 10.0.0.100
	0x80, 0x00, 0x1c, 0x02, 0x00, 0x50, // OXM_OF_TCP_DST 80
	0, 0, 0, // padding to 48
}

// pipelinePacketIn is a PACKET_IN whose match holds only pipeline fields,
// as OVS sends them.
func pipelinePacketIn() *PacketIn {
	p := &PacketIn{BufferID: NoBuffer, TotalLen: 74, Reason: PacketInReasonAction, TableID: 2, Cookie: 5, Data: tcpSYN}
	p.Match.SetInPort(7)
	p.Match.SetMetadata(0xabcdef)
	p.Match.SetTunnelID(99)
	return p
}

func TestPacketInWire(t *testing.T) {
	testMsgCases(t, []msgCase{
		{
			name: "six-field match",
			msg:  benchPacketIn(),
			body: cat([]byte{
				0xff, 0xff, 0xff, 0xff, // buffer_id NO_BUFFER
				0x00, 0x4a, // total_len 74
				0x00,                                           // reason NO_MATCH
				0x00,                                           // table_id 0
				0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // cookie: none
			}, sixFieldMatch, []byte{0, 0}, tcpSYN),
		},
		{
			name: "pipeline fields",
			msg:  pipelinePacketIn(),
			body: cat([]byte{
				0xff, 0xff, 0xff, 0xff, 0x00, 0x4a, 0x01, 0x02, // buffer_id, total_len, ACTION, table 2
				0, 0, 0, 0, 0, 0, 0, 0x05, // cookie 5
				0x00, 0x01, 0x00, 0x24, // OFPMT_OXM, length 36
				0x80, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x07, // OXM_OF_IN_PORT 7
				0x80, 0x00, 0x04, 0x08, 0, 0, 0, 0, 0x00, 0xab, 0xcd, 0xef, // OXM_OF_METADATA
				0x80, 0x00, 0x4c, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x63, // OXM_OF_TUNNEL_ID 99
				0, 0, 0, 0, // padding to 40
				0, 0, // pad
			}, tcpSYN),
		},
		{
			name: "unbuffered action",
			msg:  &PacketIn{BufferID: NoBuffer, TotalLen: 74, Reason: PacketInReasonAction, TableID: 3, Cookie: 0x99, Data: tcpSYN},
			body: cat([]byte{
				0xff, 0xff, 0xff, 0xff, // buffer_id NO_BUFFER
				0x00, 0x4a, // total_len 74
				0x01,                                           // reason ACTION
				0x03,                                           // table_id 3
				0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x99, // cookie
			}, emptyMatch, []byte{
				0, 0, // pad
			}, tcpSYN),
		},
		{
			name: "buffered, no data",
			msg:  &PacketIn{BufferID: 7, TotalLen: 1500, Reason: PacketInReasonNoMatch, Cookie: ^uint64(0)},
			body: cat([]byte{
				0x00, 0x00, 0x00, 0x07, // buffer_id 7
				0x05, 0xdc, // total_len 1500
				0x00,                                           // reason NO_MATCH
				0x00,                                           // table_id 0
				0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // cookie: none
			}, emptyMatch, []byte{0, 0}),
		},
	})
}

func TestPacketInBad(t *testing.T) {
	fixed := []byte{0xff, 0xff, 0xff, 0xff, 0x00, 0x4a, 0x01, 0x03, 0, 0, 0, 0, 0, 0, 0, 0x99}
	testBadBodies(t, func() Message { return new(PacketIn) }, []badBody{
		{name: "empty", body: nil, eof: true},
		{name: "fixed part cut", body: fixed[:15], eof: true},
		{name: "no match", body: fixed, eof: true},
		{name: "match cut", body: cat(fixed, emptyMatch[:6]), eof: true},
		{name: "no padding after match", body: cat(fixed, emptyMatch), eof: true},
		{name: "one byte of padding", body: cat(fixed, emptyMatch, []byte{0}), eof: true},
	})
}

// TestPacketInDecoderReuse checks that a reused PacketIn loses the data
// of the previous packet.
func TestPacketInDecoderReuse(t *testing.T) {
	var d Decoder
	with := mustMarshal(t, 1, benchPacketIn())
	without := mustMarshal(t, 2, &PacketIn{BufferID: 9, TotalLen: 74})
	if _, m, err := d.Decode(with); err != nil || len(m.(*PacketIn).Data) != 74 {
		t.Fatalf("first decode: %v %v", m, err)
	}
	_, m, err := d.Decode(without)
	if err != nil {
		t.Fatal(err)
	}
	if want := (&PacketIn{BufferID: 9, TotalLen: 74}); !reflect.DeepEqual(m, want) {
		t.Fatalf("second decode: %#v, want %#v", m, want)
	}
}

func TestPacketInStrings(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"no match", PacketInReasonNoMatch.String(), "NO_MATCH"},
		{"action", PacketInReasonAction.String(), "ACTION"},
		{"invalid ttl", PacketInReasonInvalidTTL.String(), "INVALID_TTL"},
		{"unknown", PacketInReason(3).String(), "PacketInReason(3)"},
		{"message", (&PacketIn{BufferID: NoBuffer, TotalLen: 74, Reason: PacketInReasonAction, TableID: 2, Cookie: 0x10, Data: tcpSYN}).String(),
			"PACKET_IN table 2 reason ACTION cookie 0x10 buffer NONE total_len 74 data 74 bytes"},
		{"buffered", (&PacketIn{BufferID: 0x20}).String(), "PACKET_IN table 0 reason NO_MATCH cookie 0x0 buffer 0x20 total_len 0 data 0 bytes"},
		{"with match", benchPacketIn().String(),
			"PACKET_IN table 0 reason NO_MATCH cookie 0xffffffffffffffff buffer NONE total_len 74 match tcp,in_port=3,nw_src=10.0.0.1,nw_dst=10.0.0.100,tp_dst=80 data 74 bytes"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestPacketInOVS(t *testing.T) {
	out := ofpParse(t,
		mustMarshal(t, 0x10, &PacketIn{BufferID: NoBuffer, TotalLen: 74, Reason: PacketInReasonAction, TableID: 3, Cookie: 0x99, Data: tcpSYN}),
		mustMarshal(t, 0x11, &PacketIn{BufferID: 7, TotalLen: 74, Reason: PacketInReasonNoMatch, Cookie: ^uint64(0)}),
		mustMarshal(t, 0x12, &PacketIn{BufferID: NoBuffer, TotalLen: 74, Reason: PacketInReasonInvalidTTL, TableID: 1, Data: tcpSYN}),
		mustMarshal(t, 0x13, benchPacketIn()),
		mustMarshal(t, 0x14, pipelinePacketIn()))
	wantLines(t, out,
		"OFPT_PACKET_IN (OF1.3) (xid=0x13): total_len=74 tcp,in_port=3,nw_src=10.0.0.1,nw_dst=10.0.0.100,tp_dst=80 (via no_match) data_len=74 (unbuffered)",
		"OFPT_PACKET_IN (OF1.3) (xid=0x14): table_id=2 cookie=0x5 total_len=74 tun_id=0x63,metadata=0xabcdef,in_port=7 (via action) data_len=74 (unbuffered)",
		"OFPT_PACKET_IN (OF1.3) (xid=0x10): table_id=3 cookie=0x99 total_len=74  (via action) data_len=74 (unbuffered)",
		"tcp,vlan_tci=0x0000,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.100,nw_tos=0,nw_ecn=0,nw_ttl=64,nw_frag=no,tp_src=41668,tp_dst=80,tcp_flags=syn tcp_csum:4aa8",
		"OFPT_PACKET_IN (OF1.3) (xid=0x11): total_len=74  (via no_match) data_len=0 buffer=0x00000007",
		"OFPT_PACKET_IN (OF1.3) (xid=0x12): table_id=1 cookie=0x0 total_len=74  (via invalid_ttl) data_len=74 (unbuffered)")
}

// benchPacketIn is a PACKET_IN as OVS sends it for a table miss, with a
// 6-field match (in_port among them) and a 74-byte TCP SYN.
func benchPacketIn() *PacketIn {
	p := &PacketIn{BufferID: NoBuffer, TotalLen: uint16(len(tcpSYN)), Reason: PacketInReasonNoMatch, Cookie: ^uint64(0), Data: tcpSYN}
	p.Match.SetInPort(3)
	p.Match.SetEthType(EthTypeIPv4)
	p.Match.SetIPProto(IPProtoTCP)
	p.Match.SetIPv4Src(netip.MustParseAddr("10.0.0.1"))
	p.Match.SetIPv4Dst(netip.MustParseAddr("10.0.0.100"))
	p.Match.SetTCPDst(80)
	return p
}

func BenchmarkPacketInDecode(b *testing.B) {
	frame := mustMarshal(b, 1, benchPacketIn())
	var d Decoder
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		_, m, err := d.Decode(frame)
		if err != nil {
			b.Fatal(err)
		}
		if len(m.(*PacketIn).Data) != len(tcpSYN) {
			b.Fatal("bad data")
		}
	}
}

// TestPacketInDecodeAllocs holds the hot path to its promise: a Decoder
// decodes a PACKET_IN with a match and data without allocating.
func TestPacketInDecodeAllocs(t *testing.T) {
	frames := [][]byte{mustMarshal(t, 1, benchPacketIn()), mustMarshal(t, 2, pipelinePacketIn())}
	var d Decoder
	if _, _, err := d.Decode(frames[0]); err != nil { // first decode allocates the reused message
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		for _, f := range frames {
			if _, _, err := d.Decode(f); err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs != 0 {
		t.Fatalf("Decoder.Decode of PACKET_IN: %v allocations per run, want 0", allocs)
	}
}
