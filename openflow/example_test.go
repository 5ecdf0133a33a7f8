package openflow_test

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"net/netip"

	"github.com/oflb/oflb/openflow"
)

// Example is the package documentation's example, run: build a FLOW_MOD in
// a few lines, write it with a Writer, then read the stream back frame by
// frame, decode with a Decoder and switch on the concrete type.
func Example() {
	vip := netip.MustParseAddr("10.0.0.100")
	backend := netip.MustParseAddr("10.0.1.5")

	var fm openflow.FlowMod
	fm.Command = openflow.FlowAdd
	fm.Priority = 1000
	fm.BufferID = openflow.NoBuffer
	fm.Match.SetEthType(0x0800)
	fm.Match.SetIPv4Dst(vip)
	fm.Instructions = []openflow.Instruction{&openflow.ApplyActions{Actions: []openflow.Action{
		&openflow.SetField{Field: openflow.IPv4Dst(backend)},
		&openflow.Output{Port: 2},
	}}}

	// Writing: a Writer batches messages into one write per Flush.
	var conn bytes.Buffer // a net.Conn in a controller
	w := openflow.NewWriter(&conn)
	if err := w.Write(1, &fm); err != nil {
		log.Fatal(err)
	}
	if err := w.Write(2, &openflow.BarrierRequest{}); err != nil {
		log.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}

	// Reading goes frame first, then decode.
	r := openflow.NewReader(&conn)
	var d openflow.Decoder
	for {
		frame, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		hdr, msg, err := d.Decode(frame)
		if err != nil {
			log.Fatal(err)
		}
		switch m := msg.(type) {
		case *openflow.FlowMod:
			dst, _ := m.Match.IPv4Dst()
			fmt.Printf("xid %d: %v priority %d ip_dst=%v, %d instruction(s)\n", hdr.Xid, m.Command, m.Priority, dst, len(m.Instructions))
		case *openflow.BarrierRequest:
			fmt.Printf("xid %d: barrier\n", hdr.Xid)
		}
	}
	// Output:
	// xid 1: ADD priority 1000 ip_dst=10.0.0.100, 1 instruction(s)
	// xid 2: barrier
}
