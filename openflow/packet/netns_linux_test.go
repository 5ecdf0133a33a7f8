package packet

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oflb/oflb/openflow"
)

// TestKernelAcceptsBuiltFrames hands the frames this package builds to a
// real Linux stack. It makes a network namespace with a veth pair: the
// kernel owns one end (192.0.2.1), the test speaks for 192.0.2.2 on the
// other through an AF_PACKET socket, parsing what the kernel sends with
// Parser and answering with the builders:
//
//   - an ARP reply must populate the kernel's neighbour table,
//   - a TCP RST must abort a pending connect() with ECONNREFUSED,
//   - an ICMP port unreachable must fail a connected UDP socket's recv
//     with ECONNREFUSED,
//   - a gratuitous ARP must move the neighbour entry to a new MAC.
//
// It needs root and iproute2 (CI has both) and fails without them.
func TestKernelAcceptsBuiltFrames(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test needs root to create a network namespace (CI runs as root)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Fatalf("this test needs iproute2's ip command: %v", err)
	}
	var rnd [3]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		t.Fatal(err)
	}
	id := "pk" + hex.EncodeToString(rnd[:])
	ns, kif, tif := id, id+"k", id+"t" // kernel's end, test's end
	ipCmd(t, "netns", "add", ns)
	t.Cleanup(func() {
		// Deleting the namespace deletes the veth pair in it.
		if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", ns, err, out)
		}
	})
	nsPath := "/var/run/netns/" + ns
	// No IPv6 in the namespace: its router solicitations and MLD reports
	// would only be noise on the wire.
	mustNS(t, nsPath, func() error {
		for _, f := range []string{"all", "default"} {
			// Absent when the kernel has no IPv6: then there is no noise.
			_ = os.WriteFile("/proc/sys/net/ipv6/conf/"+f+"/disable_ipv6", []byte("1"), 0o644)
		}
		return nil
	})
	ipCmd(t, "-n", ns, "link", "add", kif, "type", "veth", "peer", "name", tif)
	ipCmd(t, "-n", ns, "link", "set", kif, "up")
	ipCmd(t, "-n", ns, "link", "set", tif, "up")
	ipCmd(t, "-n", ns, "addr", "add", "192.0.2.1/24", "dev", kif)
	mustNS(t, nsPath, func() error {
		// Let the gratuitous ARP below replace the entry at once.
		return os.WriteFile("/proc/sys/net/ipv4/neigh/"+kif+"/locktime", []byte("0"), 0o644)
	})

	var (
		kernelIP  = netip.MustParseAddr("192.0.2.1")
		peerIP    = netip.MustParseAddr("192.0.2.2")
		peerMAC   = openflow.MAC{0x02, 0x6f, 0x66, 0x6c, 0x62, 0x01}
		peerMAC2  = openflow.MAC{0x02, 0x6f, 0x66, 0x6c, 0x62, 0x02}
		kernelMAC openflow.MAC
		w         *wire
	)
	mustNS(t, nsPath, func() error {
		ki, err := net.InterfaceByName(kif)
		if err != nil {
			return err
		}
		kernelMAC = openflow.MAC(ki.HardwareAddr)
		w, err = openWire(tif)
		return err
	})
	t.Cleanup(w.close)
	const patience = 10 * time.Second

	t.Run("arp reply populates the neighbour table and tcp reset refuses connect", func(t *testing.T) {
		deadline := time.Now().Add(patience)
		dialed := goNS(nsPath, func() error {
			d := net.Dialer{Timeout: patience}
			c, err := d.Dial("tcp4", "192.0.2.2:8080")
			if err == nil {
				c.Close()
				return errors.New("connected")
			}
			return err
		})
		req, _ := w.await(t, deadline, "ARP request for 192.0.2.2", func(f *Flow) bool {
			return f.EthType == EtherTypeARP && f.ARPOp == ARPRequest && f.ARPTargetIP == peerIP
		})
		if req.ARPSenderIP != kernelIP || req.ARPSenderMAC != kernelMAC || req.EthSrc != kernelMAC {
			t.Errorf("ARP request from %v (%v), want %v (%v)", req.ARPSenderIP, req.ARPSenderMAC, kernelIP, kernelMAC)
		}
		reply, err := AppendARPReply(nil, peerMAC, peerIP, req.ARPSenderMAC, req.ARPSenderIP)
		if err != nil {
			t.Fatal(err)
		}
		w.send(t, reply)

		// The kernel sends the SYN only once it has our MAC: the reply
		// was accepted.
		syn, _ := w.await(t, deadline, "SYN to 192.0.2.2:8080", func(f *Flow) bool {
			return f.IPProto == IPProtoTCP && f.Dst == peerIP && f.DstPort == 8080 && f.TCPFlags.Has(TCPSyn)
		})
		if syn.EthDst != peerMAC {
			t.Errorf("SYN sent to %v, want %v", syn.EthDst, peerMAC)
		}
		if out := ipCmd(t, "-n", ns, "neigh", "show", "192.0.2.2", "dev", kif); !strings.Contains(out, "lladdr "+peerMAC.String()) {
			t.Errorf("neighbour table lacks 192.0.2.2 at %v:\n%s", peerMAC, out)
		}
		rst, err := AppendTCPReset(nil, syn)
		if err != nil {
			t.Fatal(err)
		}
		w.send(t, rst)
		if err := waitErr(t, dialed, deadline); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("connect error = %v, want ECONNREFUSED", err)
		}
	})

	t.Run("icmp port unreachable refuses a udp socket", func(t *testing.T) {
		deadline := time.Now().Add(patience)
		received := goNS(nsPath, func() error {
			c, err := net.Dial("udp4", "192.0.2.2:9999")
			if err != nil {
				return err
			}
			defer c.Close()
			if _, err := c.Write([]byte("are you there?")); err != nil {
				return err
			}
			if err := c.SetReadDeadline(deadline); err != nil {
				return err
			}
			_, err = c.Read(make([]byte, 64))
			return err
		})
		_, frame := w.await(t, deadline, "UDP to 192.0.2.2:9999", func(f *Flow) bool {
			return f.IPProto == IPProtoUDP && f.Dst == peerIP && f.DstPort == 9999
		})
		icmp, err := AppendICMPUnreachable(nil, frame, UnreachablePort, peerMAC, peerIP)
		if err != nil {
			t.Fatal(err)
		}
		w.send(t, icmp)
		if err := waitErr(t, received, deadline); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("recv error = %v, want ECONNREFUSED", err)
		}
	})

	t.Run("gratuitous arp moves the neighbour entry", func(t *testing.T) {
		deadline := time.Now().Add(patience)
		garp, err := AppendGratuitousARP(nil, peerMAC2, peerIP)
		if err != nil {
			t.Fatal(err)
		}
		w.send(t, garp)
		var out string
		for tick := time.NewTicker(20 * time.Millisecond); time.Now().Before(deadline); <-tick.C {
			out = ipCmd(t, "-n", ns, "neigh", "show", "192.0.2.2", "dev", kif)
			if strings.Contains(out, "lladdr "+peerMAC2.String()) {
				return
			}
		}
		t.Errorf("neighbour entry did not move to %v:\n%s", peerMAC2, out)
	})
}

func ipCmd(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// goNS runs fn on an OS thread moved into the network namespace at
// nsPath, so that the sockets fn opens live there, and reports its result
// on the returned channel. The thread is never unlocked: it ends with the
// goroutine instead of going back to the scheduler in the wrong namespace.
func goNS(nsPath string, fn func() error) <-chan error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		fd, err := syscall.Open(nsPath, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			errc <- fmt.Errorf("open %s: %w", nsPath, err)
			return
		}
		nr, ok := setnsNr[runtime.GOARCH]
		if !ok {
			syscall.Close(fd)
			errc <- fmt.Errorf("setns: syscall number unknown on %s", runtime.GOARCH)
			return
		}
		_, _, errno := syscall.RawSyscall(nr, uintptr(fd), syscall.CLONE_NEWNET, 0)
		syscall.Close(fd)
		if errno != 0 {
			errc <- fmt.Errorf("setns %s: %w", nsPath, errno)
			return
		}
		errc <- fn()
	}()
	return errc
}

// setnsNr is setns(2)'s number per architecture: package syscall lacks
// SYS_SETNS on amd64 and 386.
var setnsNr = map[string]uintptr{
	"amd64": 308, "386": 346, "arm64": 268, "arm": 375, "riscv64": 268,
	"loong64": 268, "ppc64le": 350, "ppc64": 350, "s390x": 339,
}

func mustNS(t *testing.T, nsPath string, fn func() error) {
	t.Helper()
	if err := <-goNS(nsPath, fn); err != nil {
		t.Fatal(err)
	}
}

func waitErr(t *testing.T, errc <-chan error, deadline time.Time) error {
	t.Helper()
	select {
	case err := <-errc:
		return err
	case <-time.After(time.Until(deadline)):
		t.Fatal("timed out waiting for the socket's result")
		return nil
	}
}

// wire is an AF_PACKET socket on the test's end of the veth pair.
type wire struct {
	fd     int
	parser *Parser
	buf    []byte
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func openWire(ifname string) (*wire, error) {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, err
	}
	fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, int(htons(syscall.ETH_P_ALL)))
	if err != nil {
		return nil, fmt.Errorf("AF_PACKET socket: %w", err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrLinklayer{Protocol: htons(syscall.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("bind to %s: %w", ifname, err)
	}
	// Reads wake up now and then so that the caller's deadline holds.
	tv := syscall.NsecToTimeval((100 * time.Millisecond).Nanoseconds())
	if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	return &wire{fd: fd, parser: NewParser(), buf: make([]byte, 65536)}, nil
}

func (w *wire) close() { syscall.Close(w.fd) }

func (w *wire) send(t *testing.T, frame []byte) {
	t.Helper()
	if n, err := syscall.Write(w.fd, frame); err != nil || n != len(frame) {
		t.Fatalf("write %d-byte frame: %d, %v", len(frame), n, err)
	}
}

// await reads frames arriving from the kernel until one parses and
// matches, and returns its flow and a copy of the frame.
func (w *wire) await(t *testing.T, deadline time.Time, what string, match func(*Flow) bool) (Flow, []byte) {
	t.Helper()
	var seen []string
	for time.Now().Before(deadline) {
		n, from, err := syscall.Recvfrom(w.fd, w.buf, 0)
		if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if ll, ok := from.(*syscall.SockaddrLinklayer); ok && ll.Pkttype == syscall.PACKET_OUTGOING {
			continue // our own frames
		}
		var f Flow
		if err := w.parser.Parse(w.buf[:n], &f); err != nil {
			t.Errorf("kernel frame does not parse: %v: %x", err, w.buf[:n])
			continue
		}
		if match(&f) {
			return f, bytes.Clone(w.buf[:n])
		}
		seen = append(seen, f.String())
	}
	t.Fatalf("no %s before the deadline; saw %q", what, seen)
	return Flow{}, nil
}
