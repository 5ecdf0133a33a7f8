package openflow

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Reserved port numbers (ofp_port_no). Physical and logical ports are
// numbered 1 to PortMax.
const (
	// PortMax is the largest number of a physical or logical port.
	PortMax uint32 = 0xffffff00
	// PortInPort sends the packet out of the port it came in on; it must
	// be used explicitly, output to the in_port otherwise drops.
	PortInPort uint32 = 0xfffffff8
	// PortTable submits a PACKET_OUT's packet to the first flow table.
	PortTable uint32 = 0xfffffff9
	// PortNormal forwards with the switch's traditional L2/L3 pipeline.
	PortNormal uint32 = 0xfffffffa
	// PortFlood floods along the minimum spanning tree, not to the in_port.
	PortFlood uint32 = 0xfffffffb
	// PortAll sends to every standard port except the in_port.
	PortAll uint32 = 0xfffffffc
	// PortController sends to the controller as a PACKET_IN.
	PortController uint32 = 0xfffffffd
	// PortLocal is the switch's local networking stack.
	PortLocal uint32 = 0xfffffffe
	// PortAny is the wildcard port, used where no port is meant (for
	// example the out_port of a FLOW_MOD that is not a delete).
	PortAny uint32 = 0xffffffff
)

// Buffer and controller-output constants.
const (
	// NoBuffer is the buffer_id meaning "no buffered packet": the packet
	// travels in the message itself.
	NoBuffer uint32 = 0xffffffff
	// ControllerMaxLen (OFPCML_MAX) is the largest max_len an output to
	// the controller may ask for while letting the switch buffer.
	ControllerMaxLen uint16 = 0xffe5
	// ControllerNoBuffer (OFPCML_NO_BUFFER) as the max_len of an output
	// to the controller asks for the whole packet, unbuffered.
	ControllerNoBuffer uint16 = 0xffff
)

// Reserved group and table numbers.
const (
	// GroupMax is the largest group number.
	GroupMax uint32 = 0xffffff00
	// GroupAll stands for all groups in a GROUP_MOD delete.
	GroupAll uint32 = 0xfffffffc
	// GroupAny is the wildcard group (out_group of a FLOW_MOD, group
	// stats of every group).
	GroupAny uint32 = 0xffffffff
	// TableMax is the largest flow table number.
	TableMax uint8 = 0xfe
	// TableAll stands for all tables (FLOW_MOD delete, stats requests).
	TableAll uint8 = 0xff
)

// PortNoString returns the spec name of a reserved port number
// ("CONTROLLER", "ANY", ...) or the number in decimal.
func PortNoString(n uint32) string {
	switch n {
	case PortInPort:
		return "IN_PORT"
	case PortTable:
		return "TABLE"
	case PortNormal:
		return "NORMAL"
	case PortFlood:
		return "FLOOD"
	case PortAll:
		return "ALL"
	case PortController:
		return "CONTROLLER"
	case PortLocal:
		return "LOCAL"
	case PortAny:
		return "ANY"
	}
	return strconv.FormatUint(uint64(n), 10)
}

// bitName names one bit of a bitmask for maskString.
type bitName struct {
	bit  uint32
	name string
}

// maskString renders a bitmask as NAME|NAME|0x..., the leftover unknown
// bits in hex, and "0" for an empty mask.
func maskString(v uint32, names []bitName) string {
	if v == 0 {
		return "0"
	}
	var sb strings.Builder
	for _, n := range names {
		if v&n.bit == 0 {
			continue
		}
		if sb.Len() > 0 {
			sb.WriteByte('|')
		}
		sb.WriteString(n.name)
		v &^= n.bit
	}
	if v != 0 {
		if sb.Len() > 0 {
			sb.WriteByte('|')
		}
		fmt.Fprintf(&sb, "%#x", v)
	}
	return sb.String()
}

// PortConfig is ofp_port_config: administrative settings of a port.
type PortConfig uint32

// Port configuration bits.
const (
	PortConfigPortDown   PortConfig = 1 << 0 // port is administratively down
	PortConfigNoRecv     PortConfig = 1 << 2 // drop all packets received by the port
	PortConfigNoFwd      PortConfig = 1 << 5 // drop packets forwarded to the port
	PortConfigNoPacketIn PortConfig = 1 << 6 // do not send packet-ins for the port
)

var portConfigNames = []bitName{
	{uint32(PortConfigPortDown), "PORT_DOWN"},
	{uint32(PortConfigNoRecv), "NO_RECV"},
	{uint32(PortConfigNoFwd), "NO_FWD"},
	{uint32(PortConfigNoPacketIn), "NO_PACKET_IN"},
}

// String names the set bits as the spec does, joined by "|", with
// unknown bits in hex.
func (c PortConfig) String() string { return maskString(uint32(c), portConfigNames) }

// PortState is ofp_port_state: the state of a port, read-only for the
// controller.
type PortState uint32

// Port state bits.
const (
	PortStateLinkDown PortState = 1 << 0 // no physical link present
	PortStateBlocked  PortState = 1 << 1 // port is blocked (e.g. by STP)
	PortStateLive     PortState = 1 << 2 // live for fast-failover groups
)

var portStateNames = []bitName{
	{uint32(PortStateLinkDown), "LINK_DOWN"},
	{uint32(PortStateBlocked), "BLOCKED"},
	{uint32(PortStateLive), "LIVE"},
}

// String names the set bits as the spec does, joined by "|", with
// unknown bits in hex.
func (s PortState) String() string { return maskString(uint32(s), portStateNames) }

// PortFeatures is ofp_port_features: speeds, media and options of a port.
type PortFeatures uint32

// Port feature bits.
const (
	PortFeature10MBHD    PortFeatures = 1 << 0  // 10 Mb half-duplex
	PortFeature10MBFD    PortFeatures = 1 << 1  // 10 Mb full-duplex
	PortFeature100MBHD   PortFeatures = 1 << 2  // 100 Mb half-duplex
	PortFeature100MBFD   PortFeatures = 1 << 3  // 100 Mb full-duplex
	PortFeature1GBHD     PortFeatures = 1 << 4  // 1 Gb half-duplex
	PortFeature1GBFD     PortFeatures = 1 << 5  // 1 Gb full-duplex
	PortFeature10GBFD    PortFeatures = 1 << 6  // 10 Gb full-duplex
	PortFeature40GBFD    PortFeatures = 1 << 7  // 40 Gb full-duplex
	PortFeature100GBFD   PortFeatures = 1 << 8  // 100 Gb full-duplex
	PortFeature1TBFD     PortFeatures = 1 << 9  // 1 Tb full-duplex
	PortFeatureOther     PortFeatures = 1 << 10 // another rate, see curr_speed
	PortFeatureCopper    PortFeatures = 1 << 11 // copper medium
	PortFeatureFiber     PortFeatures = 1 << 12 // fiber medium
	PortFeatureAutoneg   PortFeatures = 1 << 13 // auto-negotiation
	PortFeaturePause     PortFeatures = 1 << 14 // pause
	PortFeaturePauseAsym PortFeatures = 1 << 15 // asymmetric pause
)

var portFeatureNames = []bitName{
	{uint32(PortFeature10MBHD), "10MB_HD"},
	{uint32(PortFeature10MBFD), "10MB_FD"},
	{uint32(PortFeature100MBHD), "100MB_HD"},
	{uint32(PortFeature100MBFD), "100MB_FD"},
	{uint32(PortFeature1GBHD), "1GB_HD"},
	{uint32(PortFeature1GBFD), "1GB_FD"},
	{uint32(PortFeature10GBFD), "10GB_FD"},
	{uint32(PortFeature40GBFD), "40GB_FD"},
	{uint32(PortFeature100GBFD), "100GB_FD"},
	{uint32(PortFeature1TBFD), "1TB_FD"},
	{uint32(PortFeatureOther), "OTHER"},
	{uint32(PortFeatureCopper), "COPPER"},
	{uint32(PortFeatureFiber), "FIBER"},
	{uint32(PortFeatureAutoneg), "AUTONEG"},
	{uint32(PortFeaturePause), "PAUSE"},
	{uint32(PortFeaturePauseAsym), "PAUSE_ASYM"},
}

// String names the set bits as the spec does, joined by "|", with
// unknown bits in hex.
func (f PortFeatures) String() string { return maskString(uint32(f), portFeatureNames) }

// PortLen is the length of ofp_port.
const PortLen = 64

// PortNameLen is the size of the name field of ofp_port
// (OFP_MAX_PORT_NAME_LEN), terminating NUL included.
const PortNameLen = 16

// ErrPortName reports a port name that does not fit ofp_port: longer than
// 15 bytes (the field is 16 bytes, NUL-terminated) or containing a NUL byte.
var ErrPortName = errors.New("openflow: port name longer than 15 bytes or containing NUL")

// Port is ofp_port: the description of one port, as carried by PORT_STATUS
// and the PORT_DESC multipart reply.
type Port struct {
	PortNo     uint32
	HWAddr     MAC
	Name       string // NUL-padded on the wire
	Config     PortConfig
	State      PortState
	Curr       PortFeatures // current features
	Advertised PortFeatures // features advertised by the port
	Supported  PortFeatures // features supported by the port
	Peer       PortFeatures // features advertised by the peer
	CurrSpeed  uint32       // current bit rate in kb/s
	MaxSpeed   uint32       // maximum bit rate in kb/s
}

// AppendBinary appends the 64-byte ofp_port. Name must leave room for the
// terminating NUL: at most 15 bytes.
func (p *Port) AppendBinary(b []byte) ([]byte, error) {
	if len(p.Name) >= PortNameLen || strings.IndexByte(p.Name, 0) >= 0 {
		return b, fmt.Errorf("%w: %q", ErrPortName, p.Name)
	}
	b = binary.BigEndian.AppendUint32(b, p.PortNo)
	b = appendPad(b, 4)
	b = append(b, p.HWAddr[:]...)
	b = appendPad(b, 2)
	b = append(b, p.Name...)
	b = appendPad(b, PortNameLen-len(p.Name))
	b = binary.BigEndian.AppendUint32(b, uint32(p.Config))
	b = binary.BigEndian.AppendUint32(b, uint32(p.State))
	b = binary.BigEndian.AppendUint32(b, uint32(p.Curr))
	b = binary.BigEndian.AppendUint32(b, uint32(p.Advertised))
	b = binary.BigEndian.AppendUint32(b, uint32(p.Supported))
	b = binary.BigEndian.AppendUint32(b, uint32(p.Peer))
	b = binary.BigEndian.AppendUint32(b, p.CurrSpeed)
	b = binary.BigEndian.AppendUint32(b, p.MaxSpeed)
	return b, nil
}

// Decode decodes the ofp_port at the start of b, replacing every field of
// p, and returns PortLen. The name ends at its first NUL byte; a name
// without one is cut to 15 bytes, as Open vSwitch reads it.
func (p *Port) Decode(b []byte) (int, error) {
	if len(b) < PortLen {
		return 0, errShort("port", PortLen, len(b))
	}
	name := b[16 : 16+PortNameLen-1]
	if i := bytes.IndexByte(name, 0); i >= 0 {
		name = name[:i]
	}
	*p = Port{
		PortNo:     binary.BigEndian.Uint32(b[0:4]),
		HWAddr:     MAC(b[8:14]),
		Name:       string(name),
		Config:     PortConfig(binary.BigEndian.Uint32(b[32:36])),
		State:      PortState(binary.BigEndian.Uint32(b[36:40])),
		Curr:       PortFeatures(binary.BigEndian.Uint32(b[40:44])),
		Advertised: PortFeatures(binary.BigEndian.Uint32(b[44:48])),
		Supported:  PortFeatures(binary.BigEndian.Uint32(b[48:52])),
		Peer:       PortFeatures(binary.BigEndian.Uint32(b[52:56])),
		CurrSpeed:  binary.BigEndian.Uint32(b[56:60]),
		MaxSpeed:   binary.BigEndian.Uint32(b[60:64]),
	}
	return PortLen, nil
}

// UnmarshalBinary decodes exactly one 64-byte ofp_port.
func (p *Port) UnmarshalBinary(b []byte) error {
	if len(b) != PortLen {
		if len(b) < PortLen {
			return errShort("port", PortLen, len(b))
		}
		return fmt.Errorf("openflow: port: %d bytes, want %d", len(b), PortLen)
	}
	_, err := p.Decode(b)
	return err
}

// String summarises the port for logs.
func (p *Port) String() string {
	return fmt.Sprintf("port %s %q addr %v config %v state %v curr %v speed %d/%d kb/s",
		PortNoString(p.PortNo), p.Name, p.HWAddr, p.Config, p.State, p.Curr, p.CurrSpeed, p.MaxSpeed)
}
