package openflow

import (
	"encoding/binary"
	"fmt"
)

// MeterModLen is the length of the fixed part of ofp_meter_mod, header
// included; the band list follows it.
const MeterModLen = 16

// MeterBandLen is the length of every standard meter band
// (ofp_meter_band_drop, ofp_meter_band_dscp_remark,
// ofp_meter_band_experimenter without experimenter data).
const MeterBandLen = 16

// Reserved meter numbers (ofp_meter). Meters the controller creates are
// numbered 1 to MeterMax.
const (
	// MeterMax is the largest number of a meter the controller may create.
	MeterMax uint32 = 0xffff0000
	// MeterSlowpath is the virtual meter of the switch's slow datapath.
	MeterSlowpath uint32 = 0xfffffffd
	// MeterController is the virtual meter of packets sent to the
	// controller: it rate-limits PACKET_INs.
	MeterController uint32 = 0xfffffffe
	// MeterAll stands for all meters in a METER_MOD delete and in stats
	// and configuration requests.
	MeterAll uint32 = 0xffffffff
)

// MeterModCommand is ofp_meter_mod_command: what a METER_MOD does.
type MeterModCommand uint16

// Meter-mod commands.
const (
	// MeterAdd creates a meter; the switch refuses an existing meter id
	// with OFPMMFC_METER_EXISTS.
	MeterAdd MeterModCommand = 0
	// MeterModify replaces the flags and bands of an existing meter.
	MeterModify MeterModCommand = 1
	// MeterDelete removes a meter (MeterAll: every meter) and the flow
	// entries that use it.
	MeterDelete MeterModCommand = 2
)

// String returns the name of c as the specification spells it, or its number for an unknown one.
func (c MeterModCommand) String() string {
	switch c {
	case MeterAdd:
		return "ADD"
	case MeterModify:
		return "MODIFY"
	case MeterDelete:
		return "DELETE"
	}
	return fmt.Sprintf("MeterModCommand(%d)", uint16(c))
}

// MeterFlags is ofp_meter_flags: how a meter counts.
type MeterFlags uint16

// Meter flags.
const (
	// MeterKbps gives band rates in kilobits per second.
	MeterKbps MeterFlags = 1 << 0
	// MeterPktps gives band rates in packets per second.
	MeterPktps MeterFlags = 1 << 1
	// MeterBurst makes the switch honour the bands' burst sizes.
	MeterBurst MeterFlags = 1 << 2
	// MeterFlagStats asks the switch to keep statistics for the meter.
	MeterFlagStats MeterFlags = 1 << 3
)

var meterFlagNames = []bitName{
	{uint32(MeterKbps), "KBPS"},
	{uint32(MeterPktps), "PKTPS"},
	{uint32(MeterBurst), "BURST"},
	{uint32(MeterFlagStats), "STATS"},
}

// String names the set bits, separated by "|", and any unknown ones in hex.
func (f MeterFlags) String() string { return maskString(uint32(f), meterFlagNames) }

// MeterBandType is ofp_meter_band_type: what a band does to packets above
// its rate.
type MeterBandType uint16

// Meter band types.
const (
	// MeterBandDrop drops packets above the band's rate.
	MeterBandDrop MeterBandType = 1
	// MeterBandDSCPRemark raises the drop precedence of the DSCP field of
	// packets above the band's rate by PrecLevel.
	MeterBandDSCPRemark MeterBandType = 2
	// MeterBandExperimenter is an experimenter-defined band.
	MeterBandExperimenter MeterBandType = 0xffff
)

// String returns the name of t as the specification spells it, or its number for an unknown one.
func (t MeterBandType) String() string {
	switch t {
	case MeterBandDrop:
		return "DROP"
	case MeterBandDSCPRemark:
		return "DSCP_REMARK"
	case MeterBandExperimenter:
		return "EXPERIMENTER"
	}
	return fmt.Sprintf("MeterBandType(%d)", uint16(t))
}

// MeterBand is one band of a meter (ofp_meter_band_drop,
// ofp_meter_band_dscp_remark or ofp_meter_band_experimenter). The fields
// that belong to other band types must be zero: the encoder refuses them,
// so that a band always decodes back to what was encoded.
type MeterBand struct {
	Type MeterBandType
	// Rate is the rate above which the band applies, in kb/s or packets/s
	// according to the meter's flags.
	Rate uint32
	// BurstSize is the burst the band tolerates, in kilobits or packets,
	// when the meter has MeterBurst.
	BurstSize uint32
	// PrecLevel is how much a DSCP_REMARK band raises the drop precedence.
	PrecLevel uint8
	// Experimenter is the experimenter id of an EXPERIMENTER band.
	Experimenter uint32
	// Data is the experimenter-defined rest of an EXPERIMENTER band, a
	// multiple of 8 bytes long; nil when empty.
	Data []byte
}

// Len returns the encoded length of the band.
func (mb *MeterBand) Len() int { return MeterBandLen + len(mb.Data) }

// AppendBinary appends the band. It fails on an unknown band type, on a
// field set that the band type does not carry, and on experimenter data
// whose length is not a multiple of 8.
func (mb *MeterBand) AppendBinary(b []byte) ([]byte, error) {
	switch mb.Type {
	case MeterBandDrop:
		if mb.PrecLevel != 0 || mb.Experimenter != 0 || len(mb.Data) != 0 {
			return b, fmt.Errorf("openflow: DROP meter band with DSCP_REMARK or EXPERIMENTER fields set")
		}
	case MeterBandDSCPRemark:
		if mb.Experimenter != 0 || len(mb.Data) != 0 {
			return b, fmt.Errorf("openflow: DSCP_REMARK meter band with EXPERIMENTER fields set")
		}
	case MeterBandExperimenter:
		if mb.PrecLevel != 0 {
			return b, fmt.Errorf("openflow: EXPERIMENTER meter band with a precedence level")
		}
		if len(mb.Data)%8 != 0 {
			return b, fmt.Errorf("openflow: EXPERIMENTER meter band data of %d bytes, not a multiple of 8", len(mb.Data))
		}
		if mb.Len() > MaxMessageLen {
			return b, fmt.Errorf("openflow: meter band of %d bytes: %w", mb.Len(), ErrTooLong)
		}
	default:
		return b, fmt.Errorf("openflow: meter band type %v: %w", mb.Type, ErrUnsupported)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(mb.Type))
	b = binary.BigEndian.AppendUint16(b, uint16(mb.Len()))
	b = binary.BigEndian.AppendUint32(b, mb.Rate)
	b = binary.BigEndian.AppendUint32(b, mb.BurstSize)
	switch mb.Type {
	case MeterBandDrop:
		b = appendPad(b, 4)
	case MeterBandDSCPRemark:
		b = append(b, mb.PrecLevel, 0, 0, 0)
	case MeterBandExperimenter:
		b = binary.BigEndian.AppendUint32(b, mb.Experimenter)
		b = append(b, mb.Data...)
	}
	return b, nil
}

// Decode decodes the band at the start of b and returns its length. DROP
// and DSCP_REMARK bands must be exactly MeterBandLen long; an EXPERIMENTER
// band's length must be a multiple of 8. Data aliases b.
func (mb *MeterBand) Decode(b []byte) (int, error) {
	if len(b) < MeterBandLen {
		return 0, errShort("meter band", MeterBandLen, len(b))
	}
	t := MeterBandType(binary.BigEndian.Uint16(b[0:2]))
	n := int(binary.BigEndian.Uint16(b[2:4]))
	if n < MeterBandLen {
		return 0, fmt.Errorf("openflow: meter band length %d shorter than %d", n, MeterBandLen)
	}
	if n > len(b) {
		return 0, errShort("meter band", n, len(b))
	}
	band := MeterBand{
		Type:      t,
		Rate:      binary.BigEndian.Uint32(b[4:8]),
		BurstSize: binary.BigEndian.Uint32(b[8:12]),
	}
	switch t {
	case MeterBandDrop, MeterBandDSCPRemark:
		if n != MeterBandLen {
			return 0, fmt.Errorf("openflow: %v meter band length %d, want %d", t, n, MeterBandLen)
		}
		if t == MeterBandDSCPRemark {
			band.PrecLevel = b[12]
		}
	case MeterBandExperimenter:
		if n%8 != 0 {
			return 0, fmt.Errorf("openflow: EXPERIMENTER meter band length %d not a multiple of 8", n)
		}
		band.Experimenter = binary.BigEndian.Uint32(b[12:16])
		if n > MeterBandLen {
			band.Data = b[MeterBandLen:n:n]
		}
	default:
		return 0, fmt.Errorf("openflow: meter band type %v: %w", t, ErrUnsupported)
	}
	*mb = band
	return n, nil
}

// AppendMeterBands appends a list of meter bands, as in METER_MOD and in
// the meter configurations of a METER_CONFIG reply. On error b is returned
// unchanged in length.
func AppendMeterBands(b []byte, bands []MeterBand) ([]byte, error) {
	start := len(b)
	for i := range bands {
		var err error
		if b, err = bands[i].AppendBinary(b); err != nil {
			return b[:start], fmt.Errorf("meter band %d: %w", i, err)
		}
	}
	return b, nil
}

// DecodeMeterBands decodes a whole list of meter bands, filling b exactly.
// It returns nil for an empty list. Experimenter data aliases b.
func DecodeMeterBands(b []byte) ([]MeterBand, error) {
	if len(b) == 0 {
		return nil, nil
	}
	// One allocation for the bands the list can hold: every band takes at
	// least MeterBandLen bytes, which bounds it by the input.
	count := 0
	for rest := b; len(rest) >= MeterBandLen; count++ {
		n := int(binary.BigEndian.Uint16(rest[2:4]))
		if n < MeterBandLen || n > len(rest) {
			break
		}
		rest = rest[n:]
	}
	bands := make([]MeterBand, 0, max(count, 1))
	for i := 0; len(b) > 0; i++ {
		var mb MeterBand
		n, err := mb.Decode(b)
		if err != nil {
			return nil, fmt.Errorf("meter band %d: %w", i, err)
		}
		bands = append(bands, mb)
		b = b[n:]
	}
	return bands, nil
}

// MeterMod is OFPT_METER_MOD (ofp_meter_mod): add, change or delete a
// meter and its bands.
type MeterMod struct {
	Command MeterModCommand
	Flags   MeterFlags
	// MeterID is the meter's number, 1 to MeterMax, or MeterSlowpath or
	// MeterController; MeterAll deletes every meter.
	MeterID uint32
	// Bands are the meter's bands; nil for a delete.
	Bands []MeterBand
}

var _ Message = (*MeterMod)(nil)

func init() { register(TypeMeterMod, func() Message { return new(MeterMod) }) }

// Type returns TypeMeterMod.
func (*MeterMod) Type() Type { return TypeMeterMod }

// AppendBinary appends the body of the message.
func (m *MeterMod) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = binary.BigEndian.AppendUint16(b, uint16(m.Command))
	b = binary.BigEndian.AppendUint16(b, uint16(m.Flags))
	b = binary.BigEndian.AppendUint32(b, m.MeterID)
	b, err := AppendMeterBands(b, m.Bands)
	if err != nil {
		return b[:start], fmt.Errorf("meter mod: %w", err)
	}
	return b, nil
}

// UnmarshalBinary decodes the body of the message. Experimenter band data
// aliases body.
func (m *MeterMod) UnmarshalBinary(body []byte) error {
	const fixed = MeterModLen - HeaderLen
	if len(body) < fixed {
		return errShort("meter mod", fixed, len(body))
	}
	bands, err := DecodeMeterBands(body[fixed:])
	if err != nil {
		return fmt.Errorf("meter mod: %w", err)
	}
	*m = MeterMod{
		Command: MeterModCommand(binary.BigEndian.Uint16(body[0:2])),
		Flags:   MeterFlags(binary.BigEndian.Uint16(body[2:4])),
		MeterID: binary.BigEndian.Uint32(body[4:8]),
		Bands:   bands,
	}
	return nil
}
