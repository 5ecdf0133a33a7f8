package controller

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/oflb/oflb/openflow"
	"github.com/oflb/oflb/openflow/oftest"
)

func tcpSYN(t testing.TB, src, dst string, sport, dport uint16) []byte {
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4()}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), SYN: true, Seq: 1000, Window: 65535}
	tcp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp); err != nil {
		panic(err) // fixed, valid layers
	}
	return buf.Bytes()
}

func TestHandshake(t *testing.T) {
	rec := newRecorder()
	tc := startController(t, &Config{ControllerID: 7}, rec)
	sw := dial(t, tc.addr, oftest.Options{DPID: 0xabc})
	rec.waitFor(t, "switch up", func(r *recorder) bool { return len(r.ups) == 1 })
	if rec.ups[0] != 0xabc {
		t.Fatalf("switch up with DPID %#x, want 0xabc", rec.ups[0])
	}
	if got := sw.Config().MissSendLen; got != openflow.ControllerNoBuffer {
		t.Errorf("SET_CONFIG miss_send_len = %#x, want whole packets (%#x)", got, openflow.ControllerNoBuffer)
	}
	if got := sw.ControllerID(); got != 7 {
		t.Errorf("controller id = %d, want 7", got)
	}
	s, ok := tc.Switch(0xabc)
	if !ok {
		t.Fatal("switch 0xabc not registered")
	}
	f := s.Features()
	if f.Bundles != nil || f.Nicira != nil || f.Groups != nil || f.Meters != nil {
		t.Errorf("probes on a capable switch: bundles=%v nicira=%v groups=%v meters=%v", f.Bundles, f.Nicira, f.Groups, f.Meters)
	}
	if f.Desc.HWDesc != "oftest fake switch" {
		t.Errorf("desc = %+v", f.Desc)
	}
	if len(s.Ports()) != 2 {
		t.Errorf("ports = %v, want 2", s.Ports())
	}
	sw.Close()
	rec.waitFor(t, "switch down", func(r *recorder) bool { return len(r.downs) == 1 })
	if _, ok := tc.Switch(0xabc); ok {
		t.Error("switch still registered after it left")
	}
}

func TestProbesOnPlainSwitch(t *testing.T) {
	rec := newRecorder()
	tc := startController(t, nil, rec)
	dial(t, tc.addr, oftest.Options{DPID: 2, NoBundles: true, NoNicira: true})
	rec.waitFor(t, "switch up", func(r *recorder) bool { return len(r.ups) == 1 })
	s, _ := tc.Switch(2)
	f := s.Features()
	if !errors.Is(f.Bundles, ErrNotSupported) || !errors.Is(f.Nicira, ErrNotSupported) {
		t.Errorf("bundles=%v nicira=%v, want ErrNotSupported for both", f.Bundles, f.Nicira)
	}
}

func TestVersionRefused(t *testing.T) {
	rec := newRecorder()
	tc := startController(t, nil, rec)
	sw := dial(t, tc.addr, oftest.Options{Versions: []uint8{0x01}})
	select {
	case <-sw.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("controller kept a switch that offers only OpenFlow 1.0")
	}
	var sawError bool
	for _, m := range sw.Received() {
		if em, ok := m.(*openflow.ErrorMsg); ok && em.ErrType == openflow.ErrTypeHelloFailed && em.Code == uint16(openflow.HelloFailedIncompatible) {
			sawError = true
		}
	}
	if !sawError {
		t.Errorf("switch did not get HELLO_FAILED/INCOMPATIBLE; got %v", sw.Received())
	}
	waitLog(t, tc, "does not offer OpenFlow 1.3")
	if len(rec.ups) != 0 {
		t.Error("incompatible switch reported up")
	}
}

func TestMessageBeforeHello(t *testing.T) {
	tc := startController(t, nil)
	sw := dial(t, tc.addr, oftest.Options{SkipHello: true})
	select {
	case <-sw.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("controller kept a peer that skipped HELLO")
	}
	waitLog(t, tc, "not HELLO")
}

func TestNoHelloTimeout(t *testing.T) {
	tc := startController(t, &Config{HelloTimeout: 100 * time.Millisecond})
	conn, err := net.Dial("tcp", tc.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 1024)
	for {
		if _, err := conn.Read(buf); err != nil {
			break // closed by the controller (or our deadline, checked below)
		}
	}
	waitLog(t, tc, "waiting for HELLO")
}

func waitLog(t testing.TB, tc *testController, s string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(tc.logs.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("log never said %q; logs:\n%s", s, tc.logs)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestEchoTimeout(t *testing.T) {
	rec := newRecorder()
	tc := startController(t, &Config{EchoInterval: 40 * time.Millisecond, EchoTimeout: 200 * time.Millisecond}, rec)
	sw := dial(t, tc.addr, oftest.Options{NoEchoReply: true})
	rec.waitFor(t, "switch down after silence", func(r *recorder) bool { return len(r.downs) == 1 })
	<-sw.Done()
	waitLog(t, tc, "stopped answering echo requests")
	var echoes int
	for _, m := range sw.Received() {
		if _, ok := m.(*openflow.EchoRequest); ok {
			echoes++
		}
	}
	if echoes == 0 {
		t.Error("controller never sent an echo request")
	}
}

func TestEchoKeepsSwitchUp(t *testing.T) {
	rec := newRecorder()
	tc := startController(t, &Config{EchoInterval: 20 * time.Millisecond, EchoTimeout: 100 * time.Millisecond}, rec)
	sw := dial(t, tc.addr, oftest.Options{})
	rec.waitFor(t, "switch up", func(r *recorder) bool { return len(r.ups) == 1 })
	// Several echo round trips, each answered: the switch stays up.
	if _, err := sw.WaitFor(ctxT(t), func(ms []openflow.Message) bool {
		n := 0
		for _, m := range ms {
			if _, ok := m.(*openflow.EchoRequest); ok {
				n++
			}
		}
		return n >= 5
	}); err != nil {
		t.Fatal(err)
	}
	if _, ok := tc.Switch(1); !ok {
		t.Fatal("switch that answers echoes was dropped")
	}
}

func TestErrorMatchedToRequest(t *testing.T) {
	rec := newRecorder()
	tc := startController(t, nil, rec)
	dial(t, tc.addr, oftest.Options{})
	rec.waitFor(t, "switch up", func(r *recorder) bool { return len(r.ups) == 1 })
	s, _ := tc.Switch(1)
	// The fake switch does not serve TABLE stats: its error must come back
	// to this request, naming type and code.
	_, err := s.Request(ctxT(t), &openflow.MultipartRequest{Body: &openflow.TableStatsRequest{}})
	var em *openflow.ErrorMsg
	if !errors.As(err, &em) || em.ErrType != openflow.ErrTypeBadRequest || em.Code != uint16(openflow.BadRequestBadMultipart) {
		t.Fatalf("err = %v, want OFPET_BAD_REQUEST/OFPBRC_BAD_MULTIPART", err)
	}
	if !strings.Contains(err.Error(), "OFPBRC_BAD_MULTIPART") {
		t.Errorf("error text %q does not name the code", err)
	}
	// Errors of a Do batch are joined and returned; the barrier still ends it.
	bad := &openflow.FlowMod{Command: openflow.FlowModCommand(9), BufferID: openflow.NoBuffer, OutPort: openflow.PortAny, OutGroup: openflow.GroupAny}
	good := &openflow.FlowMod{Command: openflow.FlowAdd, Priority: 5, BufferID: openflow.NoBuffer, OutPort: openflow.PortAny, OutGroup: openflow.GroupAny}
	err = s.Do(ctxT(t), good, bad, good)
	if !errors.As(err, &em) || em.ErrType != openflow.ErrTypeFlowModFailed || em.Code != uint16(openflow.FlowModFailedBadCommand) {
		t.Fatalf("Do err = %v, want FLOW_MOD_FAILED/BAD_COMMAND", err)
	}
	// Unclaimed errors go to the error handler.
	if _, err := s.Send(bad); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, "unclaimed error", func(r *recorder) bool { return len(r.errs) == 1 })
	if rec.errs[0].ErrType != openflow.ErrTypeFlowModFailed {
		t.Errorf("handler got %v", &rec.errs[0])
	}
}

func TestBarrierOrdersAfterFlowMods(t *testing.T) {
	rec := newRecorder()
	tc := startController(t, nil, rec)
	sw := dial(t, tc.addr, oftest.Options{})
	rec.waitFor(t, "switch up", func(r *recorder) bool { return len(r.ups) == 1 })
	s, _ := tc.Switch(1)
	for i := range 100 {
		fm := &openflow.FlowMod{Command: openflow.FlowAdd, Priority: uint16(i + 1), Cookie: uint64(i), BufferID: openflow.NoBuffer, OutPort: openflow.PortAny, OutGroup: openflow.GroupAny}
		if _, err := s.Send(fm); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Barrier(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	// The barrier reply came after the switch processed every flow-mod.
	if n := len(sw.Flows()); n != 100 {
		t.Fatalf("after barrier the switch has %d entries, want 100", n)
	}
}

func TestMultipartAssembly(t *testing.T) {
	rec := newRecorder()
	tc := startController(t, nil, rec)
	sw := dial(t, tc.addr, oftest.Options{PartSize: 512})
	rec.waitFor(t, "switch up", func(r *recorder) bool { return len(r.ups) == 1 })
	for i := range 500 {
		fm := openflow.FlowMod{Command: openflow.FlowAdd, Priority: 10, Cookie: uint64(i)}
		fm.Match.SetEthType(0x0800)
		fm.Match.SetIPv4Src(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}))
		sw.AddFlow(fm)
	}
	s, _ := tc.Switch(1)
	m, err := s.Request(ctxT(t), &openflow.MultipartRequest{Body: &openflow.FlowStatsRequest{TableID: openflow.TableAll, OutPort: openflow.PortAny, OutGroup: openflow.GroupAny}})
	if err != nil {
		t.Fatal(err)
	}
	stats := m.(*openflow.MultipartReply).Body.(*openflow.FlowStatsReply).Stats
	if len(stats) != 500 {
		t.Fatalf("assembled %d entries, want 500", len(stats))
	}
	seen := map[uint64]bool{}
	for _, fs := range stats {
		seen[fs.Cookie] = true
	}
	if len(seen) != 500 {
		t.Fatalf("%d distinct cookies, want 500", len(seen))
	}
	var parts int
	for _, m := range sw.Received() {
		_ = m
		parts++
	}
	if parts == 0 {
		t.Fatal("nothing received")
	}
}

func TestRoles(t *testing.T) {
	rec := newRecorder()
	tc := startController(t, nil, rec)
	sw := dial(t, tc.addr, oftest.Options{})
	rec.waitFor(t, "switch up", func(r *recorder) bool { return len(r.ups) == 1 })
	s, _ := tc.Switch(1)
	ctx := ctxT(t)
	role, err := s.SetRole(ctx, openflow.RoleMaster, 5)
	if err != nil || role != openflow.RoleMaster {
		t.Fatalf("SetRole(MASTER, 5) = %v, %v", role, err)
	}
	if _, err := s.SetRole(ctx, openflow.RoleMaster, 3); !errors.Is(err, ErrStaleGeneration) {
		t.Fatalf("stale generation: err = %v, want ErrStaleGeneration", err)
	}
	// Another controller takes over with a newer generation: the switch
	// refuses our next write, and from then on we do not write.
	sw.Demote(9)
	fm := &openflow.FlowMod{Command: openflow.FlowAdd, BufferID: openflow.NoBuffer, OutPort: openflow.PortAny, OutGroup: openflow.GroupAny}
	err = s.Do(ctx, fm)
	var em *openflow.ErrorMsg
	if !errors.As(err, &em) || em.Code != uint16(openflow.BadRequestIsSlave) {
		t.Fatalf("write after demotion: %v, want IS_SLAVE", err)
	}
	if s.Role() != openflow.RoleSlave {
		t.Fatalf("role after IS_SLAVE = %v", s.Role())
	}
	if _, err := s.Send(fm); !errors.Is(err, ErrNotMaster) {
		t.Fatalf("Send as slave: %v, want ErrNotMaster", err)
	}
	// Asking for mastership with an older generation than the switch has
	// seen is refused by the switch.
	if _, err := s.SetRole(ctx, openflow.RoleMaster, 8); !errors.As(err, &em) || em.ErrType != openflow.ErrTypeRoleRequestFailed {
		t.Fatalf("SetRole(MASTER, 8) after gen 9: %v, want ROLE_REQUEST_FAILED", err)
	}
	if role, err := s.SetRole(ctx, openflow.RoleMaster, 10); err != nil || role != openflow.RoleMaster {
		t.Fatalf("SetRole(MASTER, 10) = %v, %v", role, err)
	}
	if _, err := s.Send(fm); err != nil {
		t.Fatalf("Send as master again: %v", err)
	}
}

func TestSlowSwitchIsolated(t *testing.T) {
	rec := newRecorder()
	tc := startController(t, &Config{SendQueueBytes: 64 << 10, QueueFullTimeout: 200 * time.Millisecond, WriteTimeout: time.Second}, rec)
	slow := dial(t, tc.addr, oftest.Options{DPID: 1})
	fast := dial(t, tc.addr, oftest.Options{DPID: 2})
	rec.waitFor(t, "both up", func(r *recorder) bool { return len(r.ups) == 2 })
	s1, _ := tc.Switch(1)
	s2, _ := tc.Switch(2)
	slow.PauseReading()
	payload := make([]byte, 8000)
	var full bool
	deadline := time.Now().Add(20 * time.Second)
	for !full && time.Now().Before(deadline) {
		_, err := s1.Send(&openflow.EchoRequest{Data: payload})
		if errors.Is(err, ErrQueueFull) {
			full = true
		} else if err != nil {
			t.Fatalf("send to slow switch: %v", err)
		}
		// The other switch is served all along.
		if _, err := s2.Send(&openflow.EchoRequest{}); err != nil {
			t.Fatalf("send to healthy switch: %v", err)
		}
	}
	if !full {
		t.Fatal("queue of a switch that does not read never filled")
	}
	// Keep trying: after QueueFullTimeout the slow switch is disconnected.
	for {
		_, err := s1.Send(&openflow.EchoRequest{Data: payload})
		if errors.Is(err, ErrClosed) {
			break
		}
		select {
		case <-s1.Done():
		case <-time.After(10 * time.Millisecond):
			continue
		}
		break
	}
	if !errors.Is(s1.Err(), ErrQueueFull) {
		t.Fatalf("slow switch closed with %v, want ErrQueueFull", s1.Err())
	}
	if err := s2.Barrier(ctxT(t)); err != nil {
		t.Fatalf("healthy switch after the slow one left: %v", err)
	}
	_ = fast
}

func TestMalformedInputClosesOnlyThatSwitch(t *testing.T) {
	tests := []struct {
		name  string
		bytes []byte
		log   string
	}{
		{"length shorter than header", []byte{4, 2, 0, 4, 0, 0, 0, 1}, "length shorter than the header"},
		{"length shorter than fixed part", []byte{4, 10, 0, 8, 0, 0, 0, 1}, "fixed part of PACKET_IN"},
		{"truncated body", []byte{4, 6, 0, 32, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, ""},
		{"bad packet-in match", append([]byte{4, 10, 0, 40, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 200}, make([]byte, 12)...), "malformed message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder()
			tc := startController(t, nil, rec)
			bad := dial(t, tc.addr, oftest.Options{DPID: 1})
			good := dial(t, tc.addr, oftest.Options{DPID: 2})
			rec.waitFor(t, "both up", func(r *recorder) bool { return len(r.ups) == 2 })
			if err := bad.Write(tt.bytes); err != nil {
				t.Fatal(err)
			}
			if tt.name == "truncated body" {
				// A frame cut short then a hang-up: the controller must
				// not wait forever for the rest.
				bad.Close()
			}
			rec.waitFor(t, "bad switch down", func(r *recorder) bool { return len(r.downs) == 1 })
			if rec.downs[0] != 1 {
				t.Fatalf("switch %d went down, want 1", rec.downs[0])
			}
			if tt.log != "" {
				waitLog(t, tc, tt.log)
			}
			s2, ok := tc.Switch(2)
			if !ok {
				t.Fatal("healthy switch gone")
			}
			if err := s2.Barrier(ctxT(t)); err != nil {
				t.Fatalf("healthy switch: %v", err)
			}
			_ = good
		})
	}
}

func TestPacketInDispatch(t *testing.T) {
	rec := newRecorder()
	rec.onPin = func(ev *PacketIn) {
		po := &openflow.PacketOut{BufferID: openflow.NoBuffer, InPort: ev.InPort, Data: ev.Msg.Data,
			Actions: []openflow.Action{&openflow.Output{Port: 2}}}
		if _, err := ev.Switch.Send(po); err != nil {
			panic(err)
		}
	}
	tc := startController(t, nil, rec)
	sw := dial(t, tc.addr, oftest.Options{})
	rec.waitFor(t, "switch up", func(r *recorder) bool { return len(r.ups) == 1 })
	const n = 50
	for i := range n {
		if err := sw.SendPacketIn(uint32(1000+i), 1, tcpSYN(t, "10.0.0.1", "10.0.0.100", uint16(40000+i), 80)); err != nil {
			t.Fatal(err)
		}
	}
	rec.waitFor(t, "packet-ins", func(r *recorder) bool { return len(r.pins) == n })
	for i, ev := range rec.pins {
		if ev.ParseErr != nil || ev.InPort != 1 || ev.Flow.SrcPort != uint16(40000+i) || ev.Flow.DstPort != 80 {
			t.Fatalf("packet-in %d: in_port %d flow %v err %v (order or parse wrong)", i, ev.InPort, ev.Flow, ev.ParseErr)
		}
	}
	if _, err := sw.WaitFor(ctxT(t), func(ms []openflow.Message) bool {
		c := 0
		for _, m := range ms {
			if _, ok := m.(*openflow.PacketOut); ok {
				c++
			}
		}
		return c == n
	}); err != nil {
		t.Fatal(err)
	}
}

func TestShutdownLeavesEntries(t *testing.T) {
	rec := newRecorder()
	c := New(&Config{}, rec)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Serve(ctx, ln) }()
	sw := dial(t, ln.Addr().String(), oftest.Options{})
	rec.waitFor(t, "switch up", func(r *recorder) bool { return len(r.ups) == 1 })
	s, _ := c.Switch(1)
	fm := &openflow.FlowMod{Command: openflow.FlowAdd, Priority: 1, BufferID: openflow.NoBuffer, OutPort: openflow.PortAny, OutGroup: openflow.GroupAny}
	if err := s.Do(ctxT(t), fm); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	<-sw.Done()
	for _, m := range sw.Received() {
		if fm, ok := m.(*openflow.FlowMod); ok && fm.Command != openflow.FlowAdd {
			t.Fatalf("shutdown sent %v", fm.Command)
		}
	}
	if len(sw.Flows()) != 1 {
		t.Fatalf("switch has %d entries after controller shutdown, want 1", len(sw.Flows()))
	}
	if len(rec.downs) != 1 {
		t.Fatalf("switch down events = %d, want 1", len(rec.downs))
	}
}

func TestSlaveRefusesBundledFlowMods(t *testing.T) {
	rec := newRecorder()
	tc := startController(t, nil, rec)
	sw := dial(t, tc.addr, oftest.Options{})
	rec.waitFor(t, "switch up", func(r *recorder) bool { return len(r.ups) == 1 })
	s, _ := tc.Switch(1)
	if _, err := s.SetRole(ctxT(t), openflow.RoleSlave, 1); err != nil {
		t.Fatal(err)
	}
	fm := openflow.NewFlowMod(openflow.FlowAdd)
	if err := s.Bulk(ctxT(t), fm); !errors.Is(err, ErrNotMaster) {
		t.Fatalf("Bulk as slave: %v, want ErrNotMaster", err)
	}
	if _, err := s.Send(&openflow.BundleAdd{BundleID: 1, Message: fm}); !errors.Is(err, ErrNotMaster) {
		t.Fatalf("bundle add as slave: %v, want ErrNotMaster", err)
	}
	if n := len(sw.Flows()); n != 0 {
		t.Fatalf("a slave's bundle reached the table: %d entries", n)
	}
}

func TestAuxiliaryConnectionRefused(t *testing.T) {
	rec := newRecorder()
	tc := startController(t, nil, rec)
	dial(t, tc.addr, oftest.Options{DPID: 5})
	rec.waitFor(t, "main connection up", func(r *recorder) bool { return len(r.ups) == 1 })
	aux := dial(t, tc.addr, oftest.Options{DPID: 5, AuxiliaryID: 1})
	select {
	case <-aux.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("auxiliary connection kept")
	}
	waitLog(t, tc, "auxiliary connections are not supported")
	if _, ok := tc.Switch(5); !ok || len(rec.downs) != 0 {
		t.Fatalf("the main connection suffered: registered=%v downs=%v", ok, rec.downs)
	}
}
