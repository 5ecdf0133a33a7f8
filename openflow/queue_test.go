package openflow

import (
	"bytes"
	"testing"
)

func TestQueueGetConfigEncoding(t *testing.T) {
	tests := []struct {
		name string
		msg  Message
		want []byte
	}{
		{
			name: "request for every port",
			msg:  &QueueGetConfigRequest{Port: QueueAllPorts},
			want: hexBytes(
				[]byte{0x04, 0x16, 0x00, 0x10, 0x12, 0x34, 0x56, 0x78}, // header: v1.3 QUEUE_GET_CONFIG_REQUEST len 16
				[]byte{0xff, 0xff, 0xff, 0xff},                         // port ANY
				[]byte{0x00, 0x00, 0x00, 0x00},                         // pad
			),
		},
		{
			name: "reply without queues",
			msg:  &QueueGetConfigReply{Port: 2},
			want: hexBytes(
				[]byte{0x04, 0x17, 0x00, 0x10, 0x12, 0x34, 0x56, 0x78}, // header: v1.3 QUEUE_GET_CONFIG_REPLY len 16
				[]byte{0x00, 0x00, 0x00, 0x02},                         // port 2
				[]byte{0x00, 0x00, 0x00, 0x00},                         // pad
			),
		},
		{
			name: "reply with every property type",
			msg: &QueueGetConfigReply{Port: 3, Queues: []PacketQueue{
				{QueueID: 1, Port: 3, Properties: []QueueProperty{
					{Type: QueuePropMinRate, Rate: 100},
					{Type: QueuePropMaxRate, Rate: QueueRateDisabled},
				}},
				{QueueID: 2, Port: 3},
				{QueueID: 3, Port: 3, Properties: []QueueProperty{
					{Type: QueuePropExperimenter, Experimenter: 0x2320, Data: []byte{1, 2, 3, 4, 5, 6, 7, 8}},
				}},
			}},
			want: hexBytes(
				[]byte{0x04, 0x17, 0x00, 0x78, 0x12, 0x34, 0x56, 0x78}, // header: len 120
				[]byte{0x00, 0x00, 0x00, 0x03},                         // port 3
				[]byte{0x00, 0x00, 0x00, 0x00},                         // pad
				// queue 1
				[]byte{0x00, 0x00, 0x00, 0x01},             // queue_id 1
				[]byte{0x00, 0x00, 0x00, 0x03},             // port 3
				[]byte{0x00, 0x30},                         // len 48
				[]byte{0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, // pad
				[]byte{0x00, 0x01, 0x00, 0x10},             // property MIN_RATE, len 16
				[]byte{0x00, 0x00, 0x00, 0x00},             // pad
				[]byte{0x00, 0x64},                         // rate 100 (10.0%)
				[]byte{0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, // pad
				[]byte{0x00, 0x02, 0x00, 0x10},             // property MAX_RATE, len 16
				[]byte{0x00, 0x00, 0x00, 0x00},             // pad
				[]byte{0xff, 0xff},                         // rate disabled
				[]byte{0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, // pad
				// queue 2
				[]byte{0x00, 0x00, 0x00, 0x02},             // queue_id 2
				[]byte{0x00, 0x00, 0x00, 0x03},             // port 3
				[]byte{0x00, 0x10},                         // len 16
				[]byte{0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, // pad
				// queue 3
				[]byte{0x00, 0x00, 0x00, 0x03},             // queue_id 3
				[]byte{0x00, 0x00, 0x00, 0x03},             // port 3
				[]byte{0x00, 0x28},                         // len 40
				[]byte{0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, // pad
				[]byte{0xff, 0xff, 0x00, 0x18},             // property EXPERIMENTER, len 24
				[]byte{0x00, 0x00, 0x00, 0x00},             // pad
				[]byte{0x00, 0x00, 0x23, 0x20},             // experimenter (Nicira)
				[]byte{0x00, 0x00, 0x00, 0x00},             // pad
				[]byte{1, 2, 3, 4, 5, 6, 7, 8},             // data
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

func TestQueueGetConfigOVS(t *testing.T) {
	tests := []struct {
		name string
		msg  Message
		want string
	}{
		{
			name: "request",
			msg:  &QueueGetConfigRequest{Port: QueueAllPorts},
			want: "OFPT_QUEUE_GET_CONFIG_REQUEST (OF1.3) (xid=0x42): port=ANY\n",
		},
		{
			name: "reply",
			msg: &QueueGetConfigReply{Port: 3, Queues: []PacketQueue{
				{QueueID: 1, Port: 3, Properties: []QueueProperty{
					{Type: QueuePropMinRate, Rate: 100},
					{Type: QueuePropMaxRate, Rate: 500},
				}},
				{QueueID: 2, Port: 3, Properties: []QueueProperty{{Type: QueuePropMaxRate, Rate: QueueRateDisabled}}},
			}},
			want: "OFPT_QUEUE_GET_CONFIG_REPLY (OF1.3) (xid=0x42): port=3\n" +
				"queue 1: min_rate:10.0% max_rate:50.0%\n" +
				"queue 2:\n", // a disabled max rate is not printed
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if out := ofpParse(t, mustMarshal(t, 0x42, tt.msg)); out != tt.want {
				t.Fatalf("ovs-ofctl printed %q, want %q", out, tt.want)
			}
		})
	}
}

func TestQueueGetConfigDecodeErrors(t *testing.T) {
	fixed := []byte{0, 0, 0, 3, 0, 0, 0, 0} // port 3
	queue := func(length uint16) []byte {
		return []byte{0, 0, 0, 1, 0, 0, 0, 3, byte(length >> 8), byte(length), 0, 0, 0, 0, 0, 0}
	}
	prop := func(typ, length uint16) []byte {
		return []byte{byte(typ >> 8), byte(typ), byte(length >> 8), byte(length), 0, 0, 0, 0, 0, 100, 0, 0, 0, 0, 0, 0}
	}
	tests := []badDecode{
		{name: "request empty", msg: &QueueGetConfigRequest{Port: 9}, body: nil, eof: true},
		{name: "request short", msg: &QueueGetConfigRequest{Port: 9}, body: make([]byte, 7), eof: true},
		{name: "request too long", msg: &QueueGetConfigRequest{Port: 9}, body: make([]byte, 9)},
		{name: "reply empty", msg: &QueueGetConfigReply{Port: 9}, body: nil, eof: true},
		{name: "reply short", msg: &QueueGetConfigReply{Port: 9}, body: fixed[:4], eof: true},
		{name: "queue cut", msg: &QueueGetConfigReply{Port: 9}, body: hexBytes(fixed, queue(16)[:10]), eof: true},
		{name: "queue length below 16", msg: &QueueGetConfigReply{Port: 9}, body: hexBytes(fixed, queue(8))},
		{name: "queue length past the list", msg: &QueueGetConfigReply{Port: 9}, body: hexBytes(fixed, queue(32)), eof: true},
		{name: "property header cut", msg: &QueueGetConfigReply{Port: 9},
			body: hexBytes(fixed, queue(20), []byte{0, 1, 0, 16}), eof: true},
		{name: "property length below 16", msg: &QueueGetConfigReply{Port: 9},
			body: hexBytes(fixed, queue(32), prop(1, 8))},
		{name: "property length past the queue", msg: &QueueGetConfigReply{Port: 9},
			body: hexBytes(fixed, queue(32), prop(1, 24), make([]byte, 8)), eof: true},
		{name: "min rate longer than 16", msg: &QueueGetConfigReply{Port: 9},
			body: hexBytes(fixed, queue(40), prop(1, 24), make([]byte, 8))},
		{name: "experimenter not a multiple of 8", msg: &QueueGetConfigReply{Port: 9},
			body: hexBytes(fixed, queue(36), prop(0xffff, 20), make([]byte, 4))},
		{name: "unknown property", msg: &QueueGetConfigReply{Port: 9},
			body: hexBytes(fixed, queue(32), prop(0, 16)), is: ErrUnsupported},
	}
	testBadDecodes(t, tests)
}

func TestQueuePropertyEncodeErrors(t *testing.T) {
	tests := []struct {
		name string
		prop QueueProperty
	}{
		{name: "zero type", prop: QueueProperty{Rate: 1}},
		{name: "min rate with experimenter", prop: QueueProperty{Type: QueuePropMinRate, Experimenter: 1}},
		{name: "max rate with data", prop: QueueProperty{Type: QueuePropMaxRate, Data: make([]byte, 8)}},
		{name: "experimenter with rate", prop: QueueProperty{Type: QueuePropExperimenter, Rate: 1}},
		{name: "experimenter data not a multiple of 8", prop: QueueProperty{Type: QueuePropExperimenter, Data: make([]byte, 3)}},
		{name: "experimenter too long", prop: QueueProperty{Type: QueuePropExperimenter, Data: make([]byte, 65528)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &QueueGetConfigReply{Port: 1, Queues: []PacketQueue{{QueueID: 1, Properties: []QueueProperty{
				{Type: QueuePropMinRate, Rate: 1}, tt.prop}}}}
			b, err := m.AppendBinary([]byte{0xaa})
			if err == nil {
				t.Fatalf("encoded %+v: % x", tt.prop, b)
			}
			if len(b) != 1 {
				t.Fatalf("failed encode left %d bytes, want the input's 1", len(b))
			}
		})
	}
}

func TestQueuePropertyTypeString(t *testing.T) {
	tests := []struct {
		name string
		t    QueuePropertyType
		want string
	}{
		{name: "min rate", t: QueuePropMinRate, want: "MIN_RATE"},
		{name: "max rate", t: QueuePropMaxRate, want: "MAX_RATE"},
		{name: "experimenter", t: QueuePropExperimenter, want: "EXPERIMENTER"},
		{name: "unknown", t: 0, want: "QueuePropertyType(0)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.t.String(); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func FuzzQueueGetConfigReply(f *testing.F) {
	// Seed (more in testdata/fuzz/FuzzQueueGetConfigReply): port 3 with a
	// queue that has a MIN_RATE property.
	f.Add([]byte{0, 0, 0, 3, 0, 0, 0, 0,
		0, 0, 0, 1, 0, 0, 0, 3, 0, 32, 0, 0, 0, 0, 0, 0,
		0, 1, 0, 16, 0, 0, 0, 0, 0, 100, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, body []byte) {
		checkBodyRoundTrip(t, body, func() Message { return new(QueueGetConfigReply) })
	})
}

func FuzzQueueGetConfigRequest(f *testing.F) {
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}) // every port
	f.Fuzz(func(t *testing.T, body []byte) {
		checkBodyRoundTrip(t, body, func() Message { return new(QueueGetConfigRequest) })
	})
}
