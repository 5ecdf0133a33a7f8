// Package openflow is an OpenFlow 1.3 (wire version 0x04) codec: framing,
// every message of the 1.3 specification, typed OXM matches, actions and
// instructions, multipart requests and replies, and the few Open vSwitch
// (Nicira) and ONF extensions that oflb uses with OVS.
//
// A message value is the body of an OpenFlow message; the eight-byte header
// (version, type, length, xid) is written by [Append] and read by [Unmarshal]
// or a [Decoder], so transaction ids stay with the connection, not the
// message:
//
//	var fm openflow.FlowMod
//	fm.Command = openflow.FlowAdd
//	fm.Priority = 1000
//	fm.BufferID = openflow.NoBuffer // 0 would name buffered packet 0
//	fm.Match.SetEthType(0x0800)
//	fm.Match.SetIPv4Dst(vip)
//	fm.Instructions = []openflow.Instruction{&openflow.ApplyActions{Actions: []openflow.Action{
//		&openflow.SetField{Field: openflow.IPv4Dst(backend)},
//		&openflow.Output{Port: 2},
//	}}}
//	buf, err := openflow.Append(buf[:0], xid, &fm)
//
// Reading goes frame first, then decode:
//
//	r := openflow.NewReader(conn)
//	var d openflow.Decoder
//	for {
//		frame, err := r.Next()
//		...
//		hdr, msg, err := d.Decode(frame)
//		switch m := msg.(type) {
//		case *openflow.PacketIn:
//		...
//
// The package's Example runs these lines end to end.
//
// Decoded messages alias the frame they were decoded from and, with a
// [Decoder], are reused by the next decode of the same type: copy what you
// keep. The package holds no policy: it knows nothing of VIPs or tenants.
package openflow
