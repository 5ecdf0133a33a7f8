package packet_test

import (
	"fmt"
	"net/netip"

	"github.com/oflb/oflb/openflow"
	"github.com/oflb/oflb/openflow/packet"
)

func Example() {
	client := openflow.MAC{0x02, 0, 0, 0, 0, 1}
	vipMAC := openflow.MAC{0x02, 0, 0, 0, 0, 2}
	// A SYN as a switch would send it to the controller.
	syn, _ := packet.AppendTCP(nil, packet.Ethernet{Dst: vipMAC, Src: client},
		packet.IPHeader{Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.100")},
		packet.TCPHeader{SrcPort: 1234, DstPort: 80, Seq: 1000, Flags: packet.TCPSyn, Window: 65535}, nil)

	p := packet.NewParser()
	var f packet.Flow
	if err := p.Parse(syn, &f); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f)
	fmt.Println("reply key:", f.Reverse())

	rst, _ := packet.AppendTCPReset(nil, f)
	var r packet.Flow
	_ = p.Parse(rst, &r)
	fmt.Println(r, "seq", r.TCPSeq, "ack", r.TCPAck)
	// Output:
	// tcp 10.0.0.1:1234 -> 10.0.0.100:80 [SYN]
	// reply key: tcp 10.0.0.100:80 -> 10.0.0.1:1234
	// tcp 10.0.0.100:80 -> 10.0.0.1:1234 [RST|ACK] seq 0 ack 1001
}
