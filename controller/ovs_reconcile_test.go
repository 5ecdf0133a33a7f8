package controller_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/oflb/oflb/controller"
	"github.com/oflb/oflb/openflow"
	ovslab "github.com/oflb/oflb/ovs-lab"
)

// TestOVSReconcileKeepsEveryShape: entries of every shape the load
// balancer and its modes install (NAT rewrites of MACs, addresses and
// ports, IN_PORT output, drop, hard timeouts and every flag, ARP target
// match, Nicira controller and conntrack actions) come back from Open
// vSwitch's dump as what we sent: a second reconciliation keeps them all
// instead of replacing them on every reconnect.
func TestOVSReconcileKeepsEveryShape(t *testing.T) {
	t.Parallel()
	const dpid = 0x0000_0000_cafe_0010
	vip := netip.MustParseAddr("10.0.0.100")
	client := netip.MustParseAddr("10.0.0.1")
	backend := netip.MustParseAddr("10.0.0.11")
	base := func(id uint64, prio uint16) openflow.FlowMod {
		return openflow.FlowMod{
			Command: openflow.FlowAdd, Cookie: ownerCookie | kindStatic | id, Priority: prio,
			BufferID: openflow.NoBuffer, OutPort: openflow.PortAny, OutGroup: openflow.GroupAny,
		}
	}
	apply := func(acts ...openflow.Action) []openflow.Instruction {
		return []openflow.Instruction{&openflow.ApplyActions{Actions: acts}}
	}
	var fms []openflow.FlowMod

	fwd := base(10, 1000)
	fwd.IdleTimeout, fwd.HardTimeout, fwd.Flags = 30, 600, openflow.FlowSendFlowRem
	fwd.Match.SetInPort(1)
	fwd.Match.SetEthType(0x0800)
	fwd.Match.SetIPProto(6)
	fwd.Match.SetIPv4Src(client)
	fwd.Match.SetIPv4Dst(vip)
	fwd.Match.SetTCPSrc(40000)
	fwd.Match.SetTCPDst(80)
	fwd.Instructions = apply(
		&openflow.SetField{Field: openflow.EthDst(openflow.MAC{2, 0, 0, 0, 0, 0x11})},
		&openflow.SetField{Field: openflow.IPv4Dst(backend)},
		&openflow.SetField{Field: openflow.TCPDst(8080)},
		&openflow.Output{Port: 2},
	)
	fms = append(fms, fwd)

	rev := base(11, 1000)
	rev.IdleTimeout = 30
	rev.Flags = openflow.FlowSendFlowRem | openflow.FlowNoPktCounts | openflow.FlowNoBytCounts |
		openflow.FlowCheckOverlap | openflow.FlowResetCounts
	rev.Match.SetInPort(2)
	rev.Match.SetEthType(0x0800)
	rev.Match.SetIPProto(17)
	rev.Match.SetIPv4Src(backend)
	rev.Match.SetIPv4Dst(client)
	rev.Match.SetUDPSrc(53)
	rev.Match.SetUDPDst(40000)
	rev.Instructions = apply(
		&openflow.SetField{Field: openflow.EthSrc(openflow.MAC{0x0a, 0, 0, 0, 0, 0x64})},
		&openflow.SetField{Field: openflow.EthDst(openflow.MAC{2, 0, 0, 0, 0, 1})},
		&openflow.SetField{Field: openflow.IPv4Src(vip)},
		&openflow.SetField{Field: openflow.UDPSrc(5353)},
		&openflow.Output{Port: openflow.PortInPort},
	)
	fms = append(fms, rev)

	arp := base(12, 300)
	arp.Match.SetEthType(0x0806)
	arp.Match.SetARPTPA(vip)
	arp.Instructions = apply(&openflow.Output{Port: openflow.PortController, MaxLen: openflow.ControllerNoBuffer})
	fms = append(fms, arp)

	drop := base(13, 100)
	drop.Match.SetEthType(0x0800)
	drop.Match.SetIPv4Dst(vip)
	fms = append(fms, drop)

	masked := base(14, 150)
	masked.Match.SetEthType(0x0800)
	masked.Match.SetIPv4SrcMasked(netip.MustParseAddr("10.9.0.0"), netip.MustParseAddr("255.255.0.0"))
	masked.Instructions = apply(&openflow.Output{Port: openflow.PortNormal})
	fms = append(fms, masked)

	nxc := base(15, 200)
	nxc.Match.SetEthType(0x0800)
	nxc.Match.SetIPProto(6)
	nxc.Match.SetIPv4Dst(vip)
	nxc.Match.SetTCPDst(443)
	nxc.Instructions = apply(&openflow.NXController{MaxLen: openflow.ControllerNoBuffer, ControllerID: 3, Reason: openflow.PacketInReasonAction})
	fms = append(fms, nxc)

	ct := base(16, 200)
	ct.Match.SetEthType(0x0800)
	ct.Match.SetIPProto(17)
	ct.Match.SetIPv4Dst(vip)
	ct.Match.SetUDPDst(53)
	ct.Instructions = apply(&openflow.NXConntrack{
		Flags: openflow.NXConntrackCommit, Zone: 7, Recirc: true, RecircTable: 1,
		Actions: []openflow.Action{&openflow.NXNat{Flags: openflow.NXNatDst, IPMin: backend, IPMax: backend, ProtoMin: 5353, ProtoMax: 5353}},
	})
	fms = append(fms, ct)

	meta := base(17, 50)
	meta.Match.SetEthType(0x0800)
	meta.Instructions = []openflow.Instruction{
		&openflow.ApplyActions{Actions: []openflow.Action{&openflow.DecNwTTL{}}},
		&openflow.WriteMetadata{Metadata: 5, Mask: 0xff},
		&openflow.GotoTable{TableID: 1},
	}
	fms = append(fms, meta)

	app := newFlowApp(fms...)
	tc := startCtl(t, ownerConfig(), nil, app)
	_, _ = labBridge(t, tc.addr, dpid, ovslab.BridgeOptions{})
	sw := tc.waitSwitch(t, dpid, nil, 20*time.Second)
	res, err := tc.Reconcile(testCtx(t, 20*time.Second), sw)
	if err != nil {
		t.Fatal(err)
	}
	if want := (controller.ReconcileResult{Dumped: len(fms), Kept: len(fms)}); res != want {
		t.Errorf("second Reconcile = %+v, want %+v", res, want)
	}
}
