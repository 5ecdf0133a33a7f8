// Command ofcapture records real OpenFlow 1.3 messages from Open vSwitch
// for the codec's tests (openflow/testdata/ovs-captures).
//
// It starts a private OVS instance with the lab harness, listens on
// loopback as the bridge's controller, speaks just enough OpenFlow 1.3
// with hand-built bytes (HELLO, FEATURES_REQUEST, multipart requests,
// flow-mods), makes the switch produce each asynchronous message (traffic
// from a namespace host for PACKET_IN, an idle timeout for FLOW_REMOVED, a
// port change for PORT_STATUS, bad or excess flow-mods for ERROR), and
// writes every message the switch sends for each case, header included,
// to DIR/NAME.bin, plus `ovs-ofctl ofp-parse` of it to DIR/NAME.txt.
//
// The requests are raw bytes on purpose: the captures must not depend on
// the encoder they are used to test.
//
// Usage (as root):
//
//	go run ./ovs-lab/cmd/ofcapture -out openflow/testdata/ovs-captures
package main

import (
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	ovslab "github.com/oflb/oflb/ovs-lab"
)

// The facts of the capture, which openflow/capture_test.go checks.
const (
	datapathID = 0x0000_0000_cafe_0001
	flowLimit  = 32 // table 0 refuses flow-mods past this many entries
	h1Port     = 1
	h2Port     = 2
	h3Port     = 3
	udpMiss    = 5000 // table-miss -> controller
	udpAction  = 5001 // explicit controller action, cookie 0xc0ffee
)

var (
	h1MAC   = net.HardwareAddr{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}
	h2MAC   = net.HardwareAddr{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}
	h3MAC   = net.HardwareAddr{0x02, 0x00, 0x00, 0x00, 0x00, 0x03}
	h1IP    = netip.MustParsePrefix("10.0.0.1/24")
	h2IP    = netip.MustParsePrefix("10.0.0.2/24")
	h3IP    = netip.MustParsePrefix("10.0.0.3/24")
	verbose = flag.Bool("v", false, "log every frame")
)

func main() {
	out := flag.String("out", "openflow/testdata/ovs-captures", "directory to write NAME.bin and NAME.txt to")
	flag.Parse()
	if err := run(*out); err != nil {
		log.Fatal(err)
	}
}

// OpenFlow 1.3 message types and multipart types used here.
const (
	ofpHello          = 0
	ofpError          = 1
	ofpEchoRequest    = 2
	ofpEchoReply      = 3
	ofpFeaturesReq    = 5
	ofpGetConfigReq   = 7
	ofpPacketIn       = 10
	ofpFlowRemoved    = 11
	ofpPortStatus     = 12
	ofpFlowMod        = 14
	ofpMultipartReq   = 18
	ofpMultipartReply = 19
	ofpBarrierReq     = 20
	ofpRoleReq        = 24
	ofpGetAsyncReq    = 26

	mpDesc          = 0
	mpFlow          = 1
	mpAggregate     = 2
	mpTable         = 3
	mpPortStats     = 4
	mpGroup         = 6
	mpGroupDesc     = 7
	mpGroupFeatures = 8
	mpMeterFeatures = 11
	mpTableFeatures = 12
	mpPortDesc      = 13

	multipartMore = 1
)

// frame builds a whole OpenFlow 1.3 message.
func frame(typ uint8, xid uint32, body []byte) []byte {
	b := []byte{4, typ, 0, 0}
	b = binary.BigEndian.AppendUint32(b, xid)
	b = append(b, body...)
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	return b
}

// multipart builds a MULTIPART_REQUEST of type mp with body.
func multipart(xid uint32, mp uint16, body []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, mp)
	b = append(b, 0, 0, 0, 0, 0, 0) // flags, pad
	return frame(ofpMultipartReq, xid, append(b, body...))
}

// flowSelector is the body of a flow or aggregate stats request for every
// entry of every table.
func flowSelector() []byte {
	b := []byte{0xff, 0, 0, 0}               // table_id all, pad
	b = append(b, 0xff, 0xff, 0xff, 0xff)    // out_port any
	b = append(b, 0xff, 0xff, 0xff, 0xff)    // out_group any
	b = append(b, 0, 0, 0, 0)                // pad
	b = append(b, make([]byte, 16)...)       // cookie, cookie_mask
	return append(b, 0, 1, 0, 4, 0, 0, 0, 0) // empty OXM match
}

// flowMod builds an OFPFC_ADD with the given priority, OXM fields (already
// encoded) and no instructions, i.e. drop.
func flowMod(xid uint32, priority uint16, oxms []byte) []byte {
	b := make([]byte, 16)     // cookie, cookie_mask
	b = append(b, 0, 0)       // table 0, OFPFC_ADD
	b = append(b, 0, 0, 0, 0) // idle, hard timeout
	b = binary.BigEndian.AppendUint16(b, priority)
	b = append(b, 0xff, 0xff, 0xff, 0xff) // buffer_id none
	b = append(b, 0xff, 0xff, 0xff, 0xff) // out_port any
	b = append(b, 0xff, 0xff, 0xff, 0xff) // out_group any
	b = append(b, 0, 0, 0, 0)             // flags, pad
	mlen := 4 + len(oxms)
	b = append(b, 0, 1)
	b = binary.BigEndian.AppendUint16(b, uint16(mlen))
	b = append(b, oxms...)
	b = append(b, make([]byte, (8-mlen%8)%8)...)
	return frame(ofpFlowMod, xid, b)
}

// conn is the controller side of one switch connection. A reader
// goroutine answers the switch's echo requests and queues everything else.
type conn struct {
	c       net.Conn
	wmu     sync.Mutex
	frames  chan []byte
	pending [][]byte
	xid     uint32
	readErr error
}

func newConn(c net.Conn) *conn {
	cc := &conn{c: c, frames: make(chan []byte, 1024), xid: 0x100}
	go cc.read()
	return cc
}

func (c *conn) read() {
	defer close(c.frames)
	for {
		hdr := make([]byte, 8)
		if _, err := io.ReadFull(c.c, hdr); err != nil {
			c.readErr = err
			return
		}
		n := int(binary.BigEndian.Uint16(hdr[2:4]))
		if n < 8 {
			c.readErr = fmt.Errorf("frame length %d", n)
			return
		}
		f := make([]byte, n)
		copy(f, hdr)
		if _, err := io.ReadFull(c.c, f[8:]); err != nil {
			c.readErr = err
			return
		}
		if *verbose {
			log.Printf("<- type %d len %d xid %#x", f[1], n, binary.BigEndian.Uint32(f[4:8]))
		}
		if f[1] == ofpEchoRequest {
			if err := c.write(frame(ofpEchoReply, binary.BigEndian.Uint32(f[4:8]), f[8:])); err != nil {
				c.readErr = err
				return
			}
			continue
		}
		c.frames <- f
	}
}

func (c *conn) write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.c.Write(b)
	return err
}

func (c *conn) nextXid() uint32 {
	c.xid++
	return c.xid
}

// wait returns the first frame, queued or arriving within d, that match
// accepts; frames it skips stay queued for later waits.
func (c *conn) wait(d time.Duration, what string, match func([]byte) bool) ([]byte, error) {
	for i, f := range c.pending {
		if match(f) {
			c.pending = append(c.pending[:i], c.pending[i+1:]...)
			return f, nil
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case f, ok := <-c.frames:
			if !ok {
				return nil, fmt.Errorf("%s: connection closed: %v", what, c.readErr)
			}
			if match(f) {
				return f, nil
			}
			c.pending = append(c.pending, f)
		case <-t.C:
			return nil, fmt.Errorf("%s: nothing within %v", what, d)
		}
	}
}

func xidOf(f []byte) uint32 { return binary.BigEndian.Uint32(f[4:8]) }

// request sends req and returns the switch's answer with the same xid: one
// frame, or for a multipart reply every part up to the one without MORE.
func (c *conn) request(what string, req []byte) ([][]byte, error) {
	xid := xidOf(req)
	if err := c.write(req); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	var frames [][]byte
	for {
		f, err := c.wait(10*time.Second, what, func(f []byte) bool { return xidOf(f) == xid })
		if err != nil {
			return nil, err
		}
		frames = append(frames, f)
		if f[1] != ofpMultipartReply || len(f) < 12 || binary.BigEndian.Uint16(f[10:12])&multipartMore == 0 {
			return frames, nil
		}
	}
}

// portStatus returns a matcher for a PORT_STATUS of the given reason
// (0 ADD, 1 DELETE, 2 MODIFY) about port, whose config and state have
// every bit of config and state set.
func portStatus(reason uint8, port, config, state uint32) func([]byte) bool {
	return func(f []byte) bool {
		return f[1] == ofpPortStatus && len(f) >= 56 && f[8] == reason &&
			binary.BigEndian.Uint32(f[16:20]) == port &&
			binary.BigEndian.Uint32(f[48:52])&config == config &&
			binary.BigEndian.Uint32(f[52:56])&state == state
	}
}

// ofType returns a matcher for frames of type t.
func ofType(t uint8) func([]byte) bool { return func(f []byte) bool { return f[1] == t } }

type capture struct {
	out   string
	names []string
}

// save writes frames to NAME.bin and OVS's decoding of them to NAME.txt.
func (cp *capture) save(name string, frames ...[]byte) error {
	var b []byte
	for _, f := range frames {
		b = append(b, f...)
	}
	bin := filepath.Join(cp.out, name+".bin")
	if err := os.WriteFile(bin, b, 0o644); err != nil {
		return err
	}
	txt, err := exec.Command("ovs-ofctl", "-O", "OpenFlow13", "ofp-parse", bin).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ofp-parse %s: %w\n%s", bin, err, txt)
	}
	if err := os.WriteFile(filepath.Join(cp.out, name+".txt"), txt, 0o644); err != nil {
		return err
	}
	cp.names = append(cp.names, name)
	log.Printf("%-28s %d frame(s), %d bytes", name, len(frames), len(b))
	return nil
}

func run(out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	cp := &capture{out: out}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	lab, err := ovslab.Start(ctx, ovslab.Options{Logf: log.Printf})
	if err != nil {
		return err
	}
	defer lab.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			log.Printf("accept: %v", err)
			close(accepted)
			return
		}
		accepted <- c
	}()
	br, err := lab.AddBridge("br0", ovslab.BridgeOptions{
		Controllers:     []string{"tcp:" + ln.Addr().String()},
		FailMode:        "secure",
		DatapathID:      datapathID,
		FlowLimit:       flowLimit,
		InactivityProbe: time.Minute,
	})
	if err != nil {
		return err
	}
	var nc net.Conn
	select {
	case nc = <-accepted:
		if nc == nil {
			return errors.New("no switch connection")
		}
	case <-ctx.Done():
		return fmt.Errorf("switch did not connect: %w", ctx.Err())
	}
	c := newConn(nc)
	defer nc.Close()

	// Handshake.
	hello, err := c.wait(10*time.Second, "hello", ofType(ofpHello))
	if err != nil {
		return err
	}
	if err := cp.save("hello", hello); err != nil {
		return err
	}
	if err := c.write(frame(ofpHello, c.nextXid(), nil)); err != nil {
		return err
	}
	simple := []struct {
		name string
		req  []byte
	}{
		{"features_reply", frame(ofpFeaturesReq, c.nextXid(), nil)},
		{"get_config_reply", frame(ofpGetConfigReq, c.nextXid(), nil)},
		{"barrier_reply", frame(ofpBarrierReq, c.nextXid(), nil)},
		{"echo_reply", frame(ofpEchoRequest, c.nextXid(), []byte("oflb"))},
		// ROLE_REQUEST MASTER (2), generation id 0: the first one is accepted.
		{"role_reply", frame(ofpRoleReq, c.nextXid(), []byte{0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})},
		{"get_async_reply", frame(ofpGetAsyncReq, c.nextXid(), nil)},
		{"desc_reply", multipart(c.nextXid(), mpDesc, nil)},
		{"meter_features_reply", multipart(c.nextXid(), mpMeterFeatures, nil)},
		{"group_features_reply", multipart(c.nextXid(), mpGroupFeatures, nil)},
	}
	for _, s := range simple {
		frames, err := c.request(s.name, s.req)
		if err != nil {
			return err
		}
		if err := cp.save(s.name, frames...); err != nil {
			return err
		}
	}

	// TABLE_FEATURES: OVS describes its 254 tables in about 20 parts of
	// 60 kB; keep the first (MORE set) and the last (MORE clear).
	frames, err := c.request("table_features_reply", multipart(c.nextXid(), mpTableFeatures, nil))
	if err != nil {
		return err
	}
	if len(frames) < 2 {
		return fmt.Errorf("table features reply in %d part(s), want several", len(frames))
	}
	if err := cp.save("table_features_reply_first", frames[0]); err != nil {
		return err
	}
	if err := cp.save("table_features_reply_last", frames[len(frames)-1]); err != nil {
		return err
	}

	// Hosts: each new port is a PORT_STATUS ADD.
	h1, err := lab.AddHost("h1", ovslab.HostOptions{Bridge: "br0", IP: h1IP, MAC: h1MAC, OFPort: h1Port})
	if err != nil {
		return err
	}
	ps, err := c.wait(10*time.Second, "port status add", portStatus(0, h1Port, 0, 0))
	if err != nil {
		return err
	}
	if err := cp.save("port_status_add", ps); err != nil {
		return err
	}
	if _, err := lab.AddHost("h2", ovslab.HostOptions{Bridge: "br0", IP: h2IP, MAC: h2MAC, OFPort: h2Port}); err != nil {
		return err
	}
	frames, err = c.request("port_desc_reply", multipart(c.nextXid(), mpPortDesc, nil))
	if err != nil {
		return err
	}
	if err := cp.save("port_desc_reply", frames...); err != nil {
		return err
	}

	// PACKET_IN: a table-miss entry and an explicit controller action.
	if err := lab.AddFlows("br0",
		"priority=0,actions=CONTROLLER:65535",
		fmt.Sprintf("cookie=0xc0ffee,priority=10,udp,tp_dst=%d,actions=CONTROLLER:65535", udpAction),
	); err != nil {
		return err
	}
	if _, err := h1.Exec(ctx, "ip", "neigh", "replace", h2IP.Addr().String(), "lladdr", h2MAC.String(), "dev", ovslab.HostIface); err != nil {
		return err
	}
	for _, p := range []struct {
		name string
		port int
	}{{"packet_in_table_miss", udpMiss}, {"packet_in_action", udpAction}} {
		if err := sendUDP(ctx, h1, p.port, "ofcapture "+p.name); err != nil {
			return err
		}
		pi, err := c.wait(10*time.Second, p.name, ofType(ofpPacketIn))
		if err != nil {
			return err
		}
		if err := cp.save(p.name, pi); err != nil {
			return err
		}
	}

	// FLOW_REMOVED: an entry with a one-second idle timeout.
	if err := lab.AddFlows("br0", "cookie=0xf10e,priority=50,idle_timeout=1,send_flow_rem,ip,nw_dst=10.0.0.99,actions=drop"); err != nil {
		return err
	}
	fr, err := c.wait(20*time.Second, "flow removed", ofType(ofpFlowRemoved))
	if err != nil {
		return err
	}
	if err := cp.save("flow_removed_idle", fr); err != nil {
		return err
	}

	// Statistics.
	if err := lab.AddFlows("br0", "cookie=0x5ca1ab1e,priority=20,idle_timeout=300,hard_timeout=600,tcp,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_dst=80,actions=set_field:10.0.0.3->ip_dst,output:2"); err != nil {
		return err
	}
	if _, err := lab.Ofctl("add-group", br.Name, "group_id=1,type=select,bucket=weight:50,actions=output:1,bucket=weight:50,actions=output:2"); err != nil {
		return err
	}
	for _, s := range []struct {
		name string
		req  []byte
	}{
		{"flow_stats_reply", multipart(c.nextXid(), mpFlow, flowSelector())},
		{"aggregate_stats_reply", multipart(c.nextXid(), mpAggregate, flowSelector())},
		{"table_stats_reply", multipart(c.nextXid(), mpTable, nil)},
		{"port_stats_reply", multipart(c.nextXid(), mpPortStats, []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0})},
		{"group_desc_reply", multipart(c.nextXid(), mpGroupDesc, nil)},
		{"group_stats_reply", multipart(c.nextXid(), mpGroup, []byte{0xff, 0xff, 0xff, 0xfc, 0, 0, 0, 0})},
	} {
		frames, err := c.request(s.name, s.req)
		if err != nil {
			return err
		}
		if err := cp.save(s.name, frames...); err != nil {
			return err
		}
	}

	// PORT_STATUS MODIFY: port 2 administratively down (config), then a
	// third host whose link goes down (state).
	if err := lab.SetPortConfig("br0", "2", "down"); err != nil {
		return err
	}
	ps, err = c.wait(10*time.Second, "port status config down", portStatus(2, h2Port, 1, 0))
	if err != nil {
		return err
	}
	if err := cp.save("port_status_config_down", ps); err != nil {
		return err
	}
	h3, err := lab.AddHost("h3", ovslab.HostOptions{Bridge: "br0", IP: h3IP, MAC: h3MAC, OFPort: h3Port})
	if err != nil {
		return err
	}
	if err := h3.SetLink(false); err != nil {
		return err
	}
	ps, err = c.wait(10*time.Second, "port status link down", portStatus(2, h3Port, 0, 1))
	if err != nil {
		return err
	}
	if err := cp.save("port_status_link_down", ps); err != nil {
		return err
	}

	// ERROR: a match whose prerequisite is missing (tcp_dst without
	// eth_type and ip_proto).
	frames, err = c.request("error_bad_prereq", flowMod(c.nextXid(), 100, []byte{0x80, 0x00, 0x1c, 0x02, 0x00, 0x50}))
	if err != nil {
		return err
	}
	if err := cp.save("error_bad_prereq", frames...); err != nil {
		return err
	}
	// ERROR: TABLE_FULL. Fill table 0 with entries that match an unused
	// EtherType (so they never hit traffic) until the switch refuses one.
	for i := range flowLimit + 1 {
		xid := c.nextXid()
		if err := c.write(flowMod(xid, uint16(1000+i), []byte{0x80, 0x00, 0x0a, 0x02, 0x88, 0xb5})); err != nil {
			return err
		}
	}
	e, err := c.wait(10*time.Second, "table full", ofType(ofpError))
	if err != nil {
		return err
	}
	if err := cp.save("error_table_full", e); err != nil {
		return err
	}

	return writeIndex(cp)
}

// sendUDP sends one datagram from host h, source port 40000, to h2's
// port; the payload is text.
func sendUDP(ctx context.Context, h *ovslab.Host, port int, text string) error {
	var uc net.Conn
	err := h.Do(func() error {
		d := net.Dialer{LocalAddr: &net.UDPAddr{IP: h1IP.Addr().AsSlice(), Port: 40000}}
		var err error
		uc, err = d.DialContext(ctx, "udp", fmt.Sprintf("%s:%d", h2IP.Addr(), port))
		return err
	})
	if err != nil {
		return err
	}
	defer uc.Close()
	_, err = uc.Write([]byte(text))
	return err
}

// writeIndex lists the captures, one name a line.
func writeIndex(cp *capture) error {
	return os.WriteFile(filepath.Join(cp.out, "INDEX"), []byte(strings.Join(cp.names, "\n")+"\n"), 0o644)
}
