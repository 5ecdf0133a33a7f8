package openflow_test

import (
	"net/netip"
	"testing"

	"github.com/oflb/oflb/openflow"
	"github.com/oflb/oflb/openflow/packet"
)

// packetInSYN returns a PACKET_IN frame as OVS sends one for a table miss:
// a 6-field match (in_port among them) and a TCP SYN to the VIP.
func packetInSYN(tb testing.TB) []byte {
	tb.Helper()
	client, vip := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.100")
	data, err := packet.AppendTCP(nil,
		packet.Ethernet{Src: openflow.MAC{2, 0, 0, 0, 0, 1}, Dst: openflow.MAC{2, 0, 0, 0, 0, 2}},
		packet.IPHeader{Src: client, Dst: vip, TTL: 64},
		packet.TCPHeader{SrcPort: 41668, DstPort: 80, Seq: 1, Flags: packet.TCPSyn, Window: 64240}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	pin := &openflow.PacketIn{BufferID: openflow.NoBuffer, TotalLen: uint16(len(data)),
		Reason: openflow.PacketInReasonNoMatch, Cookie: ^uint64(0), Data: data}
	pin.Match.SetInPort(3)
	pin.Match.SetEthType(openflow.EthTypeIPv4)
	pin.Match.SetIPProto(openflow.IPProtoTCP)
	pin.Match.SetIPv4Src(client)
	pin.Match.SetIPv4Dst(vip)
	pin.Match.SetTCPDst(80)
	frame, err := openflow.Marshal(7, pin)
	if err != nil {
		tb.Fatal(err)
	}
	return frame
}

// decodeFlow is the controller's hot path for a PACKET_IN: decode the
// frame with a reused Decoder, then parse the packet into a flow
// signature with a reused Parser.
func decodeFlow(d *openflow.Decoder, p *packet.Parser, frame []byte, f *packet.Flow) (uint32, error) {
	_, m, err := d.Decode(frame)
	if err != nil {
		return 0, err
	}
	pin := m.(*openflow.PacketIn)
	if err := p.Parse(pin.Data, f); err != nil {
		return 0, err
	}
	port, _ := pin.Match.InPort()
	return port, nil
}

func TestPacketInFlowSignature(t *testing.T) {
	frame := packetInSYN(t)
	var d openflow.Decoder
	p := packet.NewParser()
	var f packet.Flow
	port, err := decodeFlow(&d, p, frame, &f)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"in_port", port, uint32(3)},
		{"src", f.Src, netip.MustParseAddr("10.0.0.1")},
		{"dst", f.Dst, netip.MustParseAddr("10.0.0.100")},
		{"proto", f.IPProto, packet.IPProtoTCP},
		{"src port", f.SrcPort, uint16(41668)},
		{"dst port", f.DstPort, uint16(80)},
		{"syn", f.TCPFlags.Has(packet.TCPSyn), true},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	// Steady state: no allocation for the decode and the parse together.
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := decodeFlow(&d, p, frame, &f); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("PACKET_IN decode + flow signature: %v allocations, want 0", allocs)
	}
}

// BenchmarkPacketInFlow measures what the controller does for each
// PACKET_IN: Decoder.Decode of the frame and packet.Parser.Parse of its
// data into a flow signature.
func BenchmarkPacketInFlow(b *testing.B) {
	frame := packetInSYN(b)
	var d openflow.Decoder
	p := packet.NewParser()
	var f packet.Flow
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if _, err := decodeFlow(&d, p, frame, &f); err != nil {
			b.Fatal(err)
		}
	}
}
