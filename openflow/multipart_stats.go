package openflow

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Lengths of the fixed-size multipart structures of OpenFlow 1.3 and of the
// fixed parts of the variable-size ones.
const (
	// DescLen is the length of ofp_desc.
	DescLen = 1056
	// DescStrLen is the size of the description strings of ofp_desc
	// (DESC_STR_LEN); SerialNumLen that of its serial number.
	DescStrLen   = 256
	SerialNumLen = 32
	// FlowStatsRequestLen is the length of ofp_flow_stats_request (and
	// ofp_aggregate_stats_request) with an empty 8-byte match.
	FlowStatsRequestLen = 40
	// FlowStatsLen is the length of ofp_flow_stats with an empty 8-byte
	// match and no instructions: the shortest flow stats entry.
	FlowStatsLen = 56
	// AggregateStatsReplyLen is the length of ofp_aggregate_stats_reply.
	AggregateStatsReplyLen = 24
	// TableStatsLen is the length of ofp_table_stats.
	TableStatsLen = 24
	// PortStatsRequestLen is the length of ofp_port_stats_request.
	PortStatsRequestLen = 8
	// PortStatsLen is the length of ofp_port_stats.
	PortStatsLen = 112
	// QueueStatsRequestLen is the length of ofp_queue_stats_request.
	QueueStatsRequestLen = 8
	// QueueStatsLen is the length of ofp_queue_stats.
	QueueStatsLen = 40
	// GroupStatsRequestLen is the length of ofp_group_stats_request.
	GroupStatsRequestLen = 8
	// GroupStatsLen is the length of the fixed part of ofp_group_stats;
	// BucketCounterLen that of each ofp_bucket_counter after it.
	GroupStatsLen    = 40
	BucketCounterLen = 16
	// GroupDescLen is the length of the fixed part of ofp_group_desc; the
	// buckets follow it.
	GroupDescLen = 8
	// GroupFeaturesLen is the length of ofp_group_features.
	GroupFeaturesLen = 40
	// MeterMultipartRequestLen is the length of
	// ofp_meter_multipart_request (METER and METER_CONFIG requests).
	MeterMultipartRequestLen = 8
	// MeterStatsLen is the length of the fixed part of ofp_meter_stats;
	// MeterBandStatsLen that of each ofp_meter_band_stats after it.
	MeterStatsLen     = 40
	MeterBandStatsLen = 16
	// MeterConfigLen is the length of the fixed part of ofp_meter_config;
	// the bands follow it.
	MeterConfigLen = 8
	// MeterFeaturesLen is the length of ofp_meter_features.
	MeterFeaturesLen = 16
)

// flowStatsFixed is the part of ofp_flow_stats before the match.
const flowStatsFixed = FlowStatsLen - 8

// flowStatsRequestFixed is the part of ofp_flow_stats_request before the
// match.
const flowStatsRequestFixed = FlowStatsRequestLen - 8

// ErrMultipartString reports a description string that does not fit its
// fixed-size field: too long or containing a NUL byte.
var ErrMultipartString = errors.New("openflow: string too long for its field or containing NUL")

// appendFixedString appends s NUL-padded to size bytes. A string of
// exactly size bytes goes without a terminating NUL, as switches send
// the longest names.
func appendFixedString(b []byte, s string, size int) ([]byte, error) {
	if len(s) > size || strings.IndexByte(s, 0) >= 0 {
		return b, fmt.Errorf("%w: %d-byte field, %q", ErrMultipartString, size, s)
	}
	b = append(b, s...)
	for n := size - len(s); n > 0; {
		k := min(n, len(zeros))
		b = appendPad(b, k)
		n -= k
	}
	return b, nil
}

// fixedString returns the string in a NUL-padded field: up to the first
// NUL, whatever follows it.
func fixedString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// mpEmpty checks that the body of a request without fields is empty.
func mpEmpty(what string, b []byte) error {
	if len(b) != 0 {
		return fmt.Errorf("openflow: %s: body of %d bytes, want none", what, len(b))
	}
	return nil
}

// mpExact checks that b is exactly n bytes long.
func mpExact(what string, b []byte, n int) error {
	if len(b) < n {
		return errShort(what, n, len(b))
	}
	if len(b) > n {
		return fmt.Errorf("openflow: %s: %d bytes, want %d", what, len(b), n)
	}
	return nil
}

// mpArray checks that b holds a whole number of size-byte elements and
// returns how many.
func mpArray(what string, b []byte, size int) (int, error) {
	if len(b)%size != 0 {
		return 0, fmt.Errorf("openflow: %s: %d bytes, not a multiple of %d: %w", what, len(b), size, io.ErrUnexpectedEOF)
	}
	return len(b) / size, nil
}

// mpElemLen reads the 16-bit length of a variable-size element at off
// within b and checks it against the element's minimum and the bytes left.
func mpElemLen(what string, b []byte, off, minLen int) (int, error) {
	if len(b) < minLen {
		return 0, errShort(what, minLen, len(b))
	}
	n := int(binary.BigEndian.Uint16(b[off:]))
	if n < minLen {
		return 0, fmt.Errorf("openflow: %s: length %d shorter than %d", what, n, minLen)
	}
	if n > len(b) {
		return 0, errShort(what, n, len(b))
	}
	return n, nil
}

// mpPatchLen writes the length of the element that starts at start into
// the 16-bit field at start+off.
func mpPatchLen(what string, b []byte, start, off int) ([]byte, error) {
	n := len(b) - start
	if n > MaxMessageLen {
		return b[:start], fmt.Errorf("openflow: %s of %d bytes: %w", what, n, ErrTooLong)
	}
	binary.BigEndian.PutUint16(b[start+off:], uint16(n))
	return b, nil
}

// nilIfEmpty returns s, or nil when it has no element, so that decoded
// empty lists compare equal to unset ones.
func nilIfEmpty[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return nil
	}
	return s
}

// --- DESC ---

// DescRequest is the body of a DESC request: empty.
type DescRequest struct{}

// MultipartType returns MultipartDesc.
func (*DescRequest) MultipartType() MultipartType { return MultipartDesc }
func (*DescRequest) multipartRequest()            {}

// AppendBinary appends nothing: the body is empty.
func (*DescRequest) AppendBinary(b []byte) ([]byte, error) { return b, nil }

// UnmarshalBinary checks that the body is empty.
func (*DescRequest) UnmarshalBinary(b []byte) error { return mpEmpty("desc request", b) }

// Desc is ofp_desc, the body of a DESC reply: who made the switch and what
// it runs. The strings are NUL-padded on the wire; decoding stops at the
// first NUL.
type Desc struct {
	MfrDesc   string // manufacturer, at most 256 bytes
	HWDesc    string // hardware revision, at most 256 bytes
	SWDesc    string // software revision, at most 256 bytes
	SerialNum string // serial number, at most 32 bytes
	DPDesc    string // human-readable description of the datapath, at most 256 bytes
}

// MultipartType returns MultipartDesc.
func (*Desc) MultipartType() MultipartType { return MultipartDesc }
func (*Desc) multipartReply()              {}

// AppendBinary appends the 1056-byte ofp_desc. It fails on a string longer
// than its field or containing NUL.
func (d *Desc) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	var err error
	for _, f := range [...]struct {
		s    string
		size int
	}{{d.MfrDesc, DescStrLen}, {d.HWDesc, DescStrLen}, {d.SWDesc, DescStrLen}, {d.SerialNum, SerialNumLen}, {d.DPDesc, DescStrLen}} {
		if b, err = appendFixedString(b, f.s, f.size); err != nil {
			return b[:start], fmt.Errorf("desc: %w", err)
		}
	}
	return b, nil
}

// UnmarshalBinary decodes exactly one ofp_desc.
func (d *Desc) UnmarshalBinary(b []byte) error {
	if err := mpExact("desc", b, DescLen); err != nil {
		return err
	}
	*d = Desc{
		MfrDesc:   fixedString(b[0:256]),
		HWDesc:    fixedString(b[256:512]),
		SWDesc:    fixedString(b[512:768]),
		SerialNum: fixedString(b[768:800]),
		DPDesc:    fixedString(b[800:1056]),
	}
	return nil
}

// --- FLOW and AGGREGATE ---

// flowSelector is the body shared by FLOW and AGGREGATE requests
// (ofp_flow_stats_request, ofp_aggregate_stats_request).
type flowSelector struct {
	// TableID is the table to read, or TableAll.
	TableID uint8
	// OutPort restricts to entries that output to this port; PortAny for
	// no restriction.
	OutPort uint32
	// OutGroup restricts to entries that output to this group; GroupAny
	// for no restriction.
	OutGroup uint32
	// Cookie and CookieMask restrict to entries whose cookie equals
	// Cookie in the bits set in CookieMask; a zero mask selects all.
	Cookie, CookieMask uint64
	// Match restricts to entries that the match covers (non-strict
	// matching, as a FLOW_MOD delete does).
	Match Match
}

func (s *flowSelector) appendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, s.TableID, 0, 0, 0)
	b = binary.BigEndian.AppendUint32(b, s.OutPort)
	b = binary.BigEndian.AppendUint32(b, s.OutGroup)
	b = appendPad(b, 4)
	b = binary.BigEndian.AppendUint64(b, s.Cookie)
	b = binary.BigEndian.AppendUint64(b, s.CookieMask)
	b, err := s.Match.AppendBinary(b)
	if err != nil {
		return b[:start], fmt.Errorf("match: %w", err)
	}
	return b, nil
}

func (s *flowSelector) unmarshal(what string, b []byte) error {
	if len(b) < FlowStatsRequestLen {
		return errShort(what, FlowStatsRequestLen, len(b))
	}
	s.TableID = b[0]
	s.OutPort = binary.BigEndian.Uint32(b[4:8])
	s.OutGroup = binary.BigEndian.Uint32(b[8:12])
	s.Cookie = binary.BigEndian.Uint64(b[16:24])
	s.CookieMask = binary.BigEndian.Uint64(b[24:32])
	n, err := s.Match.Decode(b[flowStatsRequestFixed:])
	if err != nil {
		return fmt.Errorf("openflow: %s: match: %w", what, err)
	}
	if rest := len(b) - flowStatsRequestFixed - n; rest != 0 {
		return fmt.Errorf("openflow: %s: %d bytes after the match", what, rest)
	}
	return nil
}

// FlowStatsRequest is ofp_flow_stats_request, the body of a FLOW request:
// which flow entries to report. The zero value with TableID TableAll,
// OutPort PortAny and OutGroup GroupAny dumps every entry.
type FlowStatsRequest flowSelector

// MultipartType returns MultipartFlow.
func (*FlowStatsRequest) MultipartType() MultipartType { return MultipartFlow }
func (*FlowStatsRequest) multipartRequest()            {}

// AppendBinary appends the request, match included.
func (r *FlowStatsRequest) AppendBinary(b []byte) ([]byte, error) {
	return (*flowSelector)(r).appendBinary(b)
}

// UnmarshalBinary decodes the request; the match must fill the rest of b.
func (r *FlowStatsRequest) UnmarshalBinary(b []byte) error {
	return (*flowSelector)(r).unmarshal("flow stats request", b)
}

// AggregateStatsRequest is ofp_aggregate_stats_request, the body of an
// AGGREGATE request: which flow entries to sum. Its fields mean what they
// mean in [FlowStatsRequest].
type AggregateStatsRequest flowSelector

// MultipartType returns MultipartAggregate.
func (*AggregateStatsRequest) MultipartType() MultipartType { return MultipartAggregate }
func (*AggregateStatsRequest) multipartRequest()            {}

// AppendBinary appends the request, match included.
func (r *AggregateStatsRequest) AppendBinary(b []byte) ([]byte, error) {
	return (*flowSelector)(r).appendBinary(b)
}

// UnmarshalBinary decodes the request; the match must fill the rest of b.
func (r *AggregateStatsRequest) UnmarshalBinary(b []byte) error {
	return (*flowSelector)(r).unmarshal("aggregate stats request", b)
}

// FlowStats is ofp_flow_stats: one flow entry of a FLOW reply.
type FlowStats struct {
	TableID uint8
	// DurationSec and DurationNsec are how long the entry has been
	// installed: seconds, and nanoseconds beyond them.
	DurationSec, DurationNsec uint32
	Priority                  uint16
	// IdleTimeout and HardTimeout are the entry's timeouts in seconds; 0
	// for none.
	IdleTimeout, HardTimeout uint16
	// Flags are the entry's ofp_flow_mod_flags.
	Flags                  FlowModFlags
	Cookie                 uint64
	PacketCount, ByteCount uint64
	Match                  Match
	Instructions           []Instruction
}

// AppendBinary appends the entry, its length field covering match and
// instructions.
func (fs *FlowStats) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, 0, 0, fs.TableID, 0) // length patched below
	b = binary.BigEndian.AppendUint32(b, fs.DurationSec)
	b = binary.BigEndian.AppendUint32(b, fs.DurationNsec)
	b = binary.BigEndian.AppendUint16(b, fs.Priority)
	b = binary.BigEndian.AppendUint16(b, fs.IdleTimeout)
	b = binary.BigEndian.AppendUint16(b, fs.HardTimeout)
	b = binary.BigEndian.AppendUint16(b, uint16(fs.Flags))
	b = appendPad(b, 4)
	b = binary.BigEndian.AppendUint64(b, fs.Cookie)
	b = binary.BigEndian.AppendUint64(b, fs.PacketCount)
	b = binary.BigEndian.AppendUint64(b, fs.ByteCount)
	b, err := fs.Match.AppendBinary(b)
	if err != nil {
		return b[:start], fmt.Errorf("flow stats match: %w", err)
	}
	if b, err = AppendInstructions(b, fs.Instructions); err != nil {
		return b[:start], fmt.Errorf("flow stats instructions: %w", err)
	}
	return mpPatchLen("flow stats", b, start, 0)
}

// Decode decodes the entry at the start of b and returns its length,
// which must be at least FlowStatsLen and within b; the match and the
// instructions must fill it exactly. Match and instructions may alias b.
func (fs *FlowStats) Decode(b []byte) (int, error) {
	n, err := mpElemLen("flow stats", b, 0, FlowStatsLen)
	if err != nil {
		return 0, err
	}
	fs.TableID = b[2]
	fs.DurationSec = binary.BigEndian.Uint32(b[4:8])
	fs.DurationNsec = binary.BigEndian.Uint32(b[8:12])
	fs.Priority = binary.BigEndian.Uint16(b[12:14])
	fs.IdleTimeout = binary.BigEndian.Uint16(b[14:16])
	fs.HardTimeout = binary.BigEndian.Uint16(b[16:18])
	fs.Flags = FlowModFlags(binary.BigEndian.Uint16(b[18:20]))
	fs.Cookie = binary.BigEndian.Uint64(b[24:32])
	fs.PacketCount = binary.BigEndian.Uint64(b[32:40])
	fs.ByteCount = binary.BigEndian.Uint64(b[40:48])
	m, err := fs.Match.Decode(b[flowStatsFixed:n])
	if err != nil {
		return 0, fmt.Errorf("openflow: flow stats match: %w", err)
	}
	if fs.Instructions, err = DecodeInstructions(b[flowStatsFixed+m : n]); err != nil {
		return 0, fmt.Errorf("openflow: flow stats instructions: %w", err)
	}
	fs.Instructions = nilIfEmpty(fs.Instructions)
	return n, nil
}

// FlowStatsReply is the body of a FLOW reply: an array of ofp_flow_stats.
type FlowStatsReply struct {
	Stats []FlowStats
}

// MultipartType returns MultipartFlow.
func (*FlowStatsReply) MultipartType() MultipartType { return MultipartFlow }
func (*FlowStatsReply) multipartReply()              {}

// AppendBinary appends every entry.
func (r *FlowStatsReply) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	for i := range r.Stats {
		var err error
		if b, err = r.Stats[i].AppendBinary(b); err != nil {
			return b[:start], fmt.Errorf("flow stats %d: %w", i, err)
		}
	}
	return b, nil
}

// UnmarshalBinary decodes the entries; the slice's backing array is
// reused. Matches and instructions may alias b.
func (r *FlowStatsReply) UnmarshalBinary(b []byte) error {
	r.Stats = r.Stats[:0]
	err := r.appendPart(b)
	r.Stats = nilIfEmpty(r.Stats)
	return err
}

func (r *FlowStatsReply) appendPart(b []byte) error {
	r.Stats = slices.Grow(r.Stats, mpCountElems(MultipartFlow, b))
	for len(b) > 0 {
		r.Stats = append(r.Stats, FlowStats{})
		fs := &r.Stats[len(r.Stats)-1]
		n, err := fs.Decode(b)
		if err != nil {
			r.Stats = r.Stats[:len(r.Stats)-1]
			return fmt.Errorf("flow stats %d: %w", len(r.Stats), err)
		}
		b = b[n:]
	}
	return nil
}

// AggregateStatsReply is ofp_aggregate_stats_reply, the body of an
// AGGREGATE reply.
type AggregateStatsReply struct {
	PacketCount, ByteCount uint64
	// FlowCount is the number of flow entries summed.
	FlowCount uint32
}

// MultipartType returns MultipartAggregate.
func (*AggregateStatsReply) MultipartType() MultipartType { return MultipartAggregate }
func (*AggregateStatsReply) multipartReply()              {}

// AppendBinary appends the 24-byte reply.
func (r *AggregateStatsReply) AppendBinary(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint64(b, r.PacketCount)
	b = binary.BigEndian.AppendUint64(b, r.ByteCount)
	b = binary.BigEndian.AppendUint32(b, r.FlowCount)
	return appendPad(b, 4), nil
}

// UnmarshalBinary decodes exactly one ofp_aggregate_stats_reply.
func (r *AggregateStatsReply) UnmarshalBinary(b []byte) error {
	if err := mpExact("aggregate stats reply", b, AggregateStatsReplyLen); err != nil {
		return err
	}
	*r = AggregateStatsReply{
		PacketCount: binary.BigEndian.Uint64(b[0:8]),
		ByteCount:   binary.BigEndian.Uint64(b[8:16]),
		FlowCount:   binary.BigEndian.Uint32(b[16:20]),
	}
	return nil
}

// --- TABLE ---

// TableStatsRequest is the body of a TABLE request: empty.
type TableStatsRequest struct{}

// MultipartType returns MultipartTable.
func (*TableStatsRequest) MultipartType() MultipartType { return MultipartTable }
func (*TableStatsRequest) multipartRequest()            {}

// AppendBinary appends nothing: the body is empty.
func (*TableStatsRequest) AppendBinary(b []byte) ([]byte, error) { return b, nil }

// UnmarshalBinary checks that the body is empty.
func (*TableStatsRequest) UnmarshalBinary(b []byte) error { return mpEmpty("table stats request", b) }

// TableStats is ofp_table_stats: the counters of one flow table.
type TableStats struct {
	TableID uint8
	// ActiveCount is the number of entries in the table.
	ActiveCount uint32
	// LookupCount is the number of packets looked up in the table;
	// MatchedCount the number that hit an entry.
	LookupCount, MatchedCount uint64
}

// TableStatsReply is the body of a TABLE reply: an array of
// ofp_table_stats.
type TableStatsReply struct {
	Stats []TableStats
}

// MultipartType returns MultipartTable.
func (*TableStatsReply) MultipartType() MultipartType { return MultipartTable }
func (*TableStatsReply) multipartReply()              {}

// AppendBinary appends every entry.
func (r *TableStatsReply) AppendBinary(b []byte) ([]byte, error) {
	for _, s := range r.Stats {
		b = append(b, s.TableID, 0, 0, 0)
		b = binary.BigEndian.AppendUint32(b, s.ActiveCount)
		b = binary.BigEndian.AppendUint64(b, s.LookupCount)
		b = binary.BigEndian.AppendUint64(b, s.MatchedCount)
	}
	return b, nil
}

// UnmarshalBinary decodes the entries; b must hold a whole number of them.
func (r *TableStatsReply) UnmarshalBinary(b []byte) error {
	r.Stats = r.Stats[:0]
	err := r.appendPart(b)
	r.Stats = nilIfEmpty(r.Stats)
	return err
}

func (r *TableStatsReply) appendPart(b []byte) error {
	n, err := mpArray("table stats", b, TableStatsLen)
	if err != nil {
		return err
	}
	r.Stats = slices.Grow(r.Stats, n)
	for ; len(b) > 0; b = b[TableStatsLen:] {
		r.Stats = append(r.Stats, TableStats{
			TableID:      b[0],
			ActiveCount:  binary.BigEndian.Uint32(b[4:8]),
			LookupCount:  binary.BigEndian.Uint64(b[8:16]),
			MatchedCount: binary.BigEndian.Uint64(b[16:24]),
		})
	}
	return nil
}

// --- PORT_STATS ---

// PortStatsRequest is ofp_port_stats_request, the body of a PORT_STATS
// request.
type PortStatsRequest struct {
	// PortNo is the port to report, or PortAny for every port.
	PortNo uint32
}

// MultipartType returns MultipartPortStats.
func (*PortStatsRequest) MultipartType() MultipartType { return MultipartPortStats }
func (*PortStatsRequest) multipartRequest()            {}

// AppendBinary appends the 8-byte request.
func (r *PortStatsRequest) AppendBinary(b []byte) ([]byte, error) {
	return appendPad(binary.BigEndian.AppendUint32(b, r.PortNo), 4), nil
}

// UnmarshalBinary decodes exactly one ofp_port_stats_request.
func (r *PortStatsRequest) UnmarshalBinary(b []byte) error {
	if err := mpExact("port stats request", b, PortStatsRequestLen); err != nil {
		return err
	}
	*r = PortStatsRequest{PortNo: binary.BigEndian.Uint32(b[0:4])}
	return nil
}

// PortStats is ofp_port_stats: the counters of one port. A counter the
// switch does not keep reads all ones.
type PortStats struct {
	PortNo                uint32
	RxPackets, TxPackets  uint64
	RxBytes, TxBytes      uint64
	RxDropped, TxDropped  uint64
	RxErrors, TxErrors    uint64
	RxFrameErr, RxOverErr uint64
	RxCRCErr, Collisions  uint64
	DurationSec           uint32
	DurationNsec          uint32
}

// PortStatsReply is the body of a PORT_STATS reply: an array of
// ofp_port_stats.
type PortStatsReply struct {
	Stats []PortStats
}

// MultipartType returns MultipartPortStats.
func (*PortStatsReply) MultipartType() MultipartType { return MultipartPortStats }
func (*PortStatsReply) multipartReply()              {}

// AppendBinary appends every entry.
func (r *PortStatsReply) AppendBinary(b []byte) ([]byte, error) {
	for i := range r.Stats {
		s := &r.Stats[i]
		b = appendPad(binary.BigEndian.AppendUint32(b, s.PortNo), 4)
		for _, v := range [...]uint64{s.RxPackets, s.TxPackets, s.RxBytes, s.TxBytes,
			s.RxDropped, s.TxDropped, s.RxErrors, s.TxErrors,
			s.RxFrameErr, s.RxOverErr, s.RxCRCErr, s.Collisions} {
			b = binary.BigEndian.AppendUint64(b, v)
		}
		b = binary.BigEndian.AppendUint32(b, s.DurationSec)
		b = binary.BigEndian.AppendUint32(b, s.DurationNsec)
	}
	return b, nil
}

// UnmarshalBinary decodes the entries; b must hold a whole number of them.
func (r *PortStatsReply) UnmarshalBinary(b []byte) error {
	r.Stats = r.Stats[:0]
	err := r.appendPart(b)
	r.Stats = nilIfEmpty(r.Stats)
	return err
}

func (r *PortStatsReply) appendPart(b []byte) error {
	n, err := mpArray("port stats", b, PortStatsLen)
	if err != nil {
		return err
	}
	r.Stats = slices.Grow(r.Stats, n)
	u := func(off int) uint64 { return binary.BigEndian.Uint64(b[off:]) }
	for ; len(b) > 0; b = b[PortStatsLen:] {
		r.Stats = append(r.Stats, PortStats{
			PortNo:       binary.BigEndian.Uint32(b[0:4]),
			RxPackets:    u(8),
			TxPackets:    u(16),
			RxBytes:      u(24),
			TxBytes:      u(32),
			RxDropped:    u(40),
			TxDropped:    u(48),
			RxErrors:     u(56),
			TxErrors:     u(64),
			RxFrameErr:   u(72),
			RxOverErr:    u(80),
			RxCRCErr:     u(88),
			Collisions:   u(96),
			DurationSec:  binary.BigEndian.Uint32(b[104:108]),
			DurationNsec: binary.BigEndian.Uint32(b[108:112]),
		})
	}
	return nil
}

// --- QUEUE ---

// QueueStatsRequest is ofp_queue_stats_request, the body of a QUEUE
// request.
type QueueStatsRequest struct {
	// PortNo is the port whose queues to report, or PortAny for all.
	PortNo uint32
	// QueueID is the queue to report, or 0xffffffff (OFPQ_ALL) for all.
	QueueID uint32
}

// MultipartType returns MultipartQueue.
func (*QueueStatsRequest) MultipartType() MultipartType { return MultipartQueue }
func (*QueueStatsRequest) multipartRequest()            {}

// AppendBinary appends the 8-byte request.
func (r *QueueStatsRequest) AppendBinary(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint32(b, r.PortNo)
	return binary.BigEndian.AppendUint32(b, r.QueueID), nil
}

// UnmarshalBinary decodes exactly one ofp_queue_stats_request.
func (r *QueueStatsRequest) UnmarshalBinary(b []byte) error {
	if err := mpExact("queue stats request", b, QueueStatsRequestLen); err != nil {
		return err
	}
	*r = QueueStatsRequest{PortNo: binary.BigEndian.Uint32(b[0:4]), QueueID: binary.BigEndian.Uint32(b[4:8])}
	return nil
}

// QueueStats is ofp_queue_stats: the counters of one queue.
type QueueStats struct {
	PortNo, QueueID              uint32
	TxBytes, TxPackets, TxErrors uint64
	DurationSec, DurationNsec    uint32
}

// QueueStatsReply is the body of a QUEUE reply: an array of
// ofp_queue_stats.
type QueueStatsReply struct {
	Stats []QueueStats
}

// MultipartType returns MultipartQueue.
func (*QueueStatsReply) MultipartType() MultipartType { return MultipartQueue }
func (*QueueStatsReply) multipartReply()              {}

// AppendBinary appends every entry.
func (r *QueueStatsReply) AppendBinary(b []byte) ([]byte, error) {
	for _, s := range r.Stats {
		b = binary.BigEndian.AppendUint32(b, s.PortNo)
		b = binary.BigEndian.AppendUint32(b, s.QueueID)
		b = binary.BigEndian.AppendUint64(b, s.TxBytes)
		b = binary.BigEndian.AppendUint64(b, s.TxPackets)
		b = binary.BigEndian.AppendUint64(b, s.TxErrors)
		b = binary.BigEndian.AppendUint32(b, s.DurationSec)
		b = binary.BigEndian.AppendUint32(b, s.DurationNsec)
	}
	return b, nil
}

// UnmarshalBinary decodes the entries; b must hold a whole number of them.
func (r *QueueStatsReply) UnmarshalBinary(b []byte) error {
	r.Stats = r.Stats[:0]
	err := r.appendPart(b)
	r.Stats = nilIfEmpty(r.Stats)
	return err
}

func (r *QueueStatsReply) appendPart(b []byte) error {
	n, err := mpArray("queue stats", b, QueueStatsLen)
	if err != nil {
		return err
	}
	r.Stats = slices.Grow(r.Stats, n)
	for ; len(b) > 0; b = b[QueueStatsLen:] {
		r.Stats = append(r.Stats, QueueStats{
			PortNo:       binary.BigEndian.Uint32(b[0:4]),
			QueueID:      binary.BigEndian.Uint32(b[4:8]),
			TxBytes:      binary.BigEndian.Uint64(b[8:16]),
			TxPackets:    binary.BigEndian.Uint64(b[16:24]),
			TxErrors:     binary.BigEndian.Uint64(b[24:32]),
			DurationSec:  binary.BigEndian.Uint32(b[32:36]),
			DurationNsec: binary.BigEndian.Uint32(b[36:40]),
		})
	}
	return nil
}

// --- GROUP ---

// GroupStatsRequest is ofp_group_stats_request, the body of a GROUP
// request.
type GroupStatsRequest struct {
	// GroupID is the group to report, or GroupAll for every group.
	GroupID uint32
}

// MultipartType returns MultipartGroup.
func (*GroupStatsRequest) MultipartType() MultipartType { return MultipartGroup }
func (*GroupStatsRequest) multipartRequest()            {}

// AppendBinary appends the 8-byte request.
func (r *GroupStatsRequest) AppendBinary(b []byte) ([]byte, error) {
	return appendPad(binary.BigEndian.AppendUint32(b, r.GroupID), 4), nil
}

// UnmarshalBinary decodes exactly one ofp_group_stats_request.
func (r *GroupStatsRequest) UnmarshalBinary(b []byte) error {
	if err := mpExact("group stats request", b, GroupStatsRequestLen); err != nil {
		return err
	}
	*r = GroupStatsRequest{GroupID: binary.BigEndian.Uint32(b[0:4])}
	return nil
}

// BucketCounter is ofp_bucket_counter: the counters of one bucket.
type BucketCounter struct {
	PacketCount, ByteCount uint64
}

// GroupStats is ofp_group_stats: the counters of one group and of each of
// its buckets.
type GroupStats struct {
	GroupID uint32
	// RefCount is the number of flow entries and groups that forward to
	// the group.
	RefCount                  uint32
	PacketCount, ByteCount    uint64
	DurationSec, DurationNsec uint32
	// BucketStats holds one counter per bucket, in bucket order; nil when
	// the group has no bucket.
	BucketStats []BucketCounter
}

// AppendBinary appends the entry, its length field covering the bucket
// counters.
func (gs *GroupStats) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = appendPad(b, 4) // length patched below, pad
	b = binary.BigEndian.AppendUint32(b, gs.GroupID)
	b = binary.BigEndian.AppendUint32(b, gs.RefCount)
	b = appendPad(b, 4)
	b = binary.BigEndian.AppendUint64(b, gs.PacketCount)
	b = binary.BigEndian.AppendUint64(b, gs.ByteCount)
	b = binary.BigEndian.AppendUint32(b, gs.DurationSec)
	b = binary.BigEndian.AppendUint32(b, gs.DurationNsec)
	for _, c := range gs.BucketStats {
		b = binary.BigEndian.AppendUint64(b, c.PacketCount)
		b = binary.BigEndian.AppendUint64(b, c.ByteCount)
	}
	return mpPatchLen("group stats", b, start, 0)
}

// Decode decodes the entry at the start of b and returns its length: at
// least GroupStatsLen, within b, and a whole number of bucket counters.
func (gs *GroupStats) Decode(b []byte) (int, error) {
	n, err := mpElemLen("group stats", b, 0, GroupStatsLen)
	if err != nil {
		return 0, err
	}
	k, err := mpArray("group stats bucket counters", b[GroupStatsLen:n], BucketCounterLen)
	if err != nil {
		return 0, err
	}
	*gs = GroupStats{
		GroupID:      binary.BigEndian.Uint32(b[4:8]),
		RefCount:     binary.BigEndian.Uint32(b[8:12]),
		PacketCount:  binary.BigEndian.Uint64(b[16:24]),
		ByteCount:    binary.BigEndian.Uint64(b[24:32]),
		DurationSec:  binary.BigEndian.Uint32(b[32:36]),
		DurationNsec: binary.BigEndian.Uint32(b[36:40]),
	}
	if k > 0 {
		gs.BucketStats = make([]BucketCounter, k)
		for i, c := 0, b[GroupStatsLen:n]; i < k; i, c = i+1, c[BucketCounterLen:] {
			gs.BucketStats[i] = BucketCounter{binary.BigEndian.Uint64(c[0:8]), binary.BigEndian.Uint64(c[8:16])}
		}
	}
	return n, nil
}

// GroupStatsReply is the body of a GROUP reply: an array of
// ofp_group_stats.
type GroupStatsReply struct {
	Stats []GroupStats
}

// MultipartType returns MultipartGroup.
func (*GroupStatsReply) MultipartType() MultipartType { return MultipartGroup }
func (*GroupStatsReply) multipartReply()              {}

// AppendBinary appends every entry.
func (r *GroupStatsReply) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	for i := range r.Stats {
		var err error
		if b, err = r.Stats[i].AppendBinary(b); err != nil {
			return b[:start], fmt.Errorf("group stats %d: %w", i, err)
		}
	}
	return b, nil
}

// UnmarshalBinary decodes the entries, which must fill b exactly.
func (r *GroupStatsReply) UnmarshalBinary(b []byte) error {
	r.Stats = r.Stats[:0]
	err := r.appendPart(b)
	r.Stats = nilIfEmpty(r.Stats)
	return err
}

func (r *GroupStatsReply) appendPart(b []byte) error {
	r.Stats = slices.Grow(r.Stats, mpCountElems(MultipartGroup, b))
	for len(b) > 0 {
		var gs GroupStats
		n, err := gs.Decode(b)
		if err != nil {
			return fmt.Errorf("group stats %d: %w", len(r.Stats), err)
		}
		r.Stats = append(r.Stats, gs)
		b = b[n:]
	}
	return nil
}

// --- GROUP_DESC ---

// GroupDescRequest is the body of a GROUP_DESC request: empty.
type GroupDescRequest struct{}

// MultipartType returns MultipartGroupDesc.
func (*GroupDescRequest) MultipartType() MultipartType { return MultipartGroupDesc }
func (*GroupDescRequest) multipartRequest()            {}

// AppendBinary appends nothing: the body is empty.
func (*GroupDescRequest) AppendBinary(b []byte) ([]byte, error) { return b, nil }

// UnmarshalBinary checks that the body is empty.
func (*GroupDescRequest) UnmarshalBinary(b []byte) error { return mpEmpty("group desc request", b) }

// GroupDesc is ofp_group_desc: the type and buckets of one group.
type GroupDesc struct {
	GroupType GroupType
	GroupID   uint32
	// Buckets are the group's buckets; nil for none.
	Buckets []Bucket
}

// AppendBinary appends the description, its length field covering the
// buckets.
func (gd *GroupDesc) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, 0, 0, byte(gd.GroupType), 0) // length patched below
	b = binary.BigEndian.AppendUint32(b, gd.GroupID)
	b, err := AppendBuckets(b, gd.Buckets)
	if err != nil {
		return b[:start], fmt.Errorf("group desc: %w", err)
	}
	return mpPatchLen("group desc", b, start, 0)
}

// Decode decodes the description at the start of b and returns its
// length: at least GroupDescLen and within b, the buckets filling it
// exactly. Bucket actions may alias b.
func (gd *GroupDesc) Decode(b []byte) (int, error) {
	n, err := mpElemLen("group desc", b, 0, GroupDescLen)
	if err != nil {
		return 0, err
	}
	buckets, err := DecodeBuckets(b[GroupDescLen:n])
	if err != nil {
		return 0, fmt.Errorf("openflow: group desc: %w", err)
	}
	*gd = GroupDesc{GroupType: GroupType(b[2]), GroupID: binary.BigEndian.Uint32(b[4:8]), Buckets: buckets}
	return n, nil
}

// GroupDescReply is the body of a GROUP_DESC reply: an array of
// ofp_group_desc.
type GroupDescReply struct {
	Groups []GroupDesc
}

// MultipartType returns MultipartGroupDesc.
func (*GroupDescReply) MultipartType() MultipartType { return MultipartGroupDesc }
func (*GroupDescReply) multipartReply()              {}

// AppendBinary appends every group description.
func (r *GroupDescReply) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	for i := range r.Groups {
		var err error
		if b, err = r.Groups[i].AppendBinary(b); err != nil {
			return b[:start], fmt.Errorf("group desc %d: %w", i, err)
		}
	}
	return b, nil
}

// UnmarshalBinary decodes the descriptions, which must fill b exactly.
// Bucket actions may alias b.
func (r *GroupDescReply) UnmarshalBinary(b []byte) error {
	r.Groups = r.Groups[:0]
	err := r.appendPart(b)
	r.Groups = nilIfEmpty(r.Groups)
	return err
}

func (r *GroupDescReply) appendPart(b []byte) error {
	r.Groups = slices.Grow(r.Groups, mpCountElems(MultipartGroupDesc, b))
	for len(b) > 0 {
		var gd GroupDesc
		n, err := gd.Decode(b)
		if err != nil {
			return fmt.Errorf("group desc %d: %w", len(r.Groups), err)
		}
		r.Groups = append(r.Groups, gd)
		b = b[n:]
	}
	return nil
}

// --- GROUP_FEATURES ---

// GroupFeaturesRequest is the body of a GROUP_FEATURES request: empty.
type GroupFeaturesRequest struct{}

// MultipartType returns MultipartGroupFeatures.
func (*GroupFeaturesRequest) MultipartType() MultipartType { return MultipartGroupFeatures }
func (*GroupFeaturesRequest) multipartRequest()            {}

// AppendBinary appends nothing: the body is empty.
func (*GroupFeaturesRequest) AppendBinary(b []byte) ([]byte, error) { return b, nil }

// UnmarshalBinary checks that the body is empty.
func (*GroupFeaturesRequest) UnmarshalBinary(b []byte) error {
	return mpEmpty("group features request", b)
}

// GroupCapabilities is ofp_group_capabilities: optional group behaviour a
// switch supports.
type GroupCapabilities uint32

// Group capability bits.
const (
	// GroupCapSelectWeight: select groups honour bucket weights.
	GroupCapSelectWeight GroupCapabilities = 1 << 0
	// GroupCapSelectLiveness: select groups skip buckets that are not
	// live.
	GroupCapSelectLiveness GroupCapabilities = 1 << 1
	// GroupCapChaining: a bucket may forward to another group.
	GroupCapChaining GroupCapabilities = 1 << 2
	// GroupCapChainingChecks: the switch checks chained groups for loops
	// and dependencies.
	GroupCapChainingChecks GroupCapabilities = 1 << 3
)

var groupCapNames = []bitName{
	{uint32(GroupCapSelectWeight), "SELECT_WEIGHT"},
	{uint32(GroupCapSelectLiveness), "SELECT_LIVENESS"},
	{uint32(GroupCapChaining), "CHAINING"},
	{uint32(GroupCapChainingChecks), "CHAINING_CHECKS"},
}

// String names the set bits, separated by "|", and any unknown ones in hex.
func (c GroupCapabilities) String() string { return maskString(uint32(c), groupCapNames) }

// GroupFeaturesReply is ofp_group_features, the body of a GROUP_FEATURES
// reply. The arrays are indexed by GroupType (ALL, SELECT, INDIRECT, FF).
type GroupFeaturesReply struct {
	// Types is a bitmap of the supported group types: bit 1<<GroupType.
	Types uint32
	// Capabilities are the supported optional behaviours.
	Capabilities GroupCapabilities
	// MaxGroups is the largest number of groups of each type.
	MaxGroups [4]uint32
	// Actions is, for each group type, a bitmap of the supported action
	// types: bit 1<<ActionType.
	Actions [4]uint32
}

// SupportsType reports whether Types has group type t.
func (r *GroupFeaturesReply) SupportsType(t GroupType) bool {
	return t < 32 && r.Types&(1<<t) != 0
}

// SupportsAction reports whether buckets of groups of type t may carry
// actions of type a.
func (r *GroupFeaturesReply) SupportsAction(t GroupType, a ActionType) bool {
	return int(t) < len(r.Actions) && a < 32 && r.Actions[t]&(1<<a) != 0
}

// MultipartType returns MultipartGroupFeatures.
func (*GroupFeaturesReply) MultipartType() MultipartType { return MultipartGroupFeatures }
func (*GroupFeaturesReply) multipartReply()              {}

// AppendBinary appends the 40-byte reply.
func (r *GroupFeaturesReply) AppendBinary(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint32(b, r.Types)
	b = binary.BigEndian.AppendUint32(b, uint32(r.Capabilities))
	for _, v := range r.MaxGroups {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	for _, v := range r.Actions {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	return b, nil
}

// UnmarshalBinary decodes exactly one ofp_group_features.
func (r *GroupFeaturesReply) UnmarshalBinary(b []byte) error {
	if err := mpExact("group features", b, GroupFeaturesLen); err != nil {
		return err
	}
	r.Types = binary.BigEndian.Uint32(b[0:4])
	r.Capabilities = GroupCapabilities(binary.BigEndian.Uint32(b[4:8]))
	for i := range r.MaxGroups {
		r.MaxGroups[i] = binary.BigEndian.Uint32(b[8+4*i:])
		r.Actions[i] = binary.BigEndian.Uint32(b[24+4*i:])
	}
	return nil
}

// --- METER and METER_CONFIG ---

// meterRequest is ofp_meter_multipart_request.
type meterRequest struct {
	// MeterID is the meter to report, or MeterAll for every meter.
	MeterID uint32
}

func (r *meterRequest) appendBinary(b []byte) []byte {
	return appendPad(binary.BigEndian.AppendUint32(b, r.MeterID), 4)
}

func (r *meterRequest) unmarshal(what string, b []byte) error {
	if err := mpExact(what, b, MeterMultipartRequestLen); err != nil {
		return err
	}
	r.MeterID = binary.BigEndian.Uint32(b[0:4])
	return nil
}

// MeterStatsRequest is ofp_meter_multipart_request, the body of a METER
// request.
type MeterStatsRequest struct {
	// MeterID is the meter to report, or MeterAll for every meter.
	MeterID uint32
}

// MultipartType returns MultipartMeter.
func (*MeterStatsRequest) MultipartType() MultipartType { return MultipartMeter }
func (*MeterStatsRequest) multipartRequest()            {}

// AppendBinary appends the 8-byte request.
func (r *MeterStatsRequest) AppendBinary(b []byte) ([]byte, error) {
	return (*meterRequest)(r).appendBinary(b), nil
}

// UnmarshalBinary decodes exactly one ofp_meter_multipart_request.
func (r *MeterStatsRequest) UnmarshalBinary(b []byte) error {
	return (*meterRequest)(r).unmarshal("meter stats request", b)
}

// MeterBandStats is ofp_meter_band_stats: the counters of one band.
type MeterBandStats struct {
	PacketBandCount, ByteBandCount uint64
}

// MeterStats is ofp_meter_stats: the counters of one meter and of each of
// its bands.
type MeterStats struct {
	MeterID uint32
	// FlowCount is the number of flow entries that use the meter.
	FlowCount                  uint32
	PacketInCount, ByteInCount uint64
	DurationSec, DurationNsec  uint32
	// BandStats holds one counter per band, in band order; nil for none.
	BandStats []MeterBandStats
}

// AppendBinary appends the entry, its length field covering the band
// counters.
func (ms *MeterStats) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = binary.BigEndian.AppendUint32(b, ms.MeterID)
	b = appendPad(b, 8) // len patched below, pad
	b = binary.BigEndian.AppendUint32(b, ms.FlowCount)
	b = binary.BigEndian.AppendUint64(b, ms.PacketInCount)
	b = binary.BigEndian.AppendUint64(b, ms.ByteInCount)
	b = binary.BigEndian.AppendUint32(b, ms.DurationSec)
	b = binary.BigEndian.AppendUint32(b, ms.DurationNsec)
	for _, c := range ms.BandStats {
		b = binary.BigEndian.AppendUint64(b, c.PacketBandCount)
		b = binary.BigEndian.AppendUint64(b, c.ByteBandCount)
	}
	return mpPatchLen("meter stats", b, start, 4)
}

// Decode decodes the entry at the start of b and returns its length: at
// least MeterStatsLen, within b, and a whole number of band counters.
func (ms *MeterStats) Decode(b []byte) (int, error) {
	n, err := mpElemLen("meter stats", b, 4, MeterStatsLen)
	if err != nil {
		return 0, err
	}
	k, err := mpArray("meter band stats", b[MeterStatsLen:n], MeterBandStatsLen)
	if err != nil {
		return 0, err
	}
	*ms = MeterStats{
		MeterID:       binary.BigEndian.Uint32(b[0:4]),
		FlowCount:     binary.BigEndian.Uint32(b[12:16]),
		PacketInCount: binary.BigEndian.Uint64(b[16:24]),
		ByteInCount:   binary.BigEndian.Uint64(b[24:32]),
		DurationSec:   binary.BigEndian.Uint32(b[32:36]),
		DurationNsec:  binary.BigEndian.Uint32(b[36:40]),
	}
	if k > 0 {
		ms.BandStats = make([]MeterBandStats, k)
		for i, c := 0, b[MeterStatsLen:n]; i < k; i, c = i+1, c[MeterBandStatsLen:] {
			ms.BandStats[i] = MeterBandStats{binary.BigEndian.Uint64(c[0:8]), binary.BigEndian.Uint64(c[8:16])}
		}
	}
	return n, nil
}

// MeterStatsReply is the body of a METER reply: an array of
// ofp_meter_stats.
type MeterStatsReply struct {
	Stats []MeterStats
}

// MultipartType returns MultipartMeter.
func (*MeterStatsReply) MultipartType() MultipartType { return MultipartMeter }
func (*MeterStatsReply) multipartReply()              {}

// AppendBinary appends every entry.
func (r *MeterStatsReply) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	for i := range r.Stats {
		var err error
		if b, err = r.Stats[i].AppendBinary(b); err != nil {
			return b[:start], fmt.Errorf("meter stats %d: %w", i, err)
		}
	}
	return b, nil
}

// UnmarshalBinary decodes the entries, which must fill b exactly.
func (r *MeterStatsReply) UnmarshalBinary(b []byte) error {
	r.Stats = r.Stats[:0]
	err := r.appendPart(b)
	r.Stats = nilIfEmpty(r.Stats)
	return err
}

func (r *MeterStatsReply) appendPart(b []byte) error {
	r.Stats = slices.Grow(r.Stats, mpCountElems(MultipartMeter, b))
	for len(b) > 0 {
		var ms MeterStats
		n, err := ms.Decode(b)
		if err != nil {
			return fmt.Errorf("meter stats %d: %w", len(r.Stats), err)
		}
		r.Stats = append(r.Stats, ms)
		b = b[n:]
	}
	return nil
}

// MeterConfigRequest is ofp_meter_multipart_request, the body of a
// METER_CONFIG request.
type MeterConfigRequest struct {
	// MeterID is the meter to describe, or MeterAll for every meter.
	MeterID uint32
}

// MultipartType returns MultipartMeterConfig.
func (*MeterConfigRequest) MultipartType() MultipartType { return MultipartMeterConfig }
func (*MeterConfigRequest) multipartRequest()            {}

// AppendBinary appends the 8-byte request.
func (r *MeterConfigRequest) AppendBinary(b []byte) ([]byte, error) {
	return (*meterRequest)(r).appendBinary(b), nil
}

// UnmarshalBinary decodes exactly one ofp_meter_multipart_request.
func (r *MeterConfigRequest) UnmarshalBinary(b []byte) error {
	return (*meterRequest)(r).unmarshal("meter config request", b)
}

// MeterConfig is ofp_meter_config: the flags and bands of one meter.
type MeterConfig struct {
	Flags   MeterFlags
	MeterID uint32
	// Bands are the meter's bands; nil for none.
	Bands []MeterBand
}

// AppendBinary appends the configuration, its length field covering the
// bands.
func (mc *MeterConfig) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, 0, 0) // length patched below
	b = binary.BigEndian.AppendUint16(b, uint16(mc.Flags))
	b = binary.BigEndian.AppendUint32(b, mc.MeterID)
	b, err := AppendMeterBands(b, mc.Bands)
	if err != nil {
		return b[:start], fmt.Errorf("meter config: %w", err)
	}
	return mpPatchLen("meter config", b, start, 0)
}

// Decode decodes the configuration at the start of b and returns its
// length: at least MeterConfigLen and within b, the bands filling it
// exactly. Experimenter band data may alias b.
func (mc *MeterConfig) Decode(b []byte) (int, error) {
	n, err := mpElemLen("meter config", b, 0, MeterConfigLen)
	if err != nil {
		return 0, err
	}
	bands, err := DecodeMeterBands(b[MeterConfigLen:n])
	if err != nil {
		return 0, fmt.Errorf("openflow: meter config: %w", err)
	}
	*mc = MeterConfig{
		Flags:   MeterFlags(binary.BigEndian.Uint16(b[2:4])),
		MeterID: binary.BigEndian.Uint32(b[4:8]),
		Bands:   bands,
	}
	return n, nil
}

// MeterConfigReply is the body of a METER_CONFIG reply: an array of
// ofp_meter_config.
type MeterConfigReply struct {
	Configs []MeterConfig
}

// MultipartType returns MultipartMeterConfig.
func (*MeterConfigReply) MultipartType() MultipartType { return MultipartMeterConfig }
func (*MeterConfigReply) multipartReply()              {}

// AppendBinary appends every configuration.
func (r *MeterConfigReply) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	for i := range r.Configs {
		var err error
		if b, err = r.Configs[i].AppendBinary(b); err != nil {
			return b[:start], fmt.Errorf("meter config %d: %w", i, err)
		}
	}
	return b, nil
}

// UnmarshalBinary decodes the configurations, which must fill b exactly.
func (r *MeterConfigReply) UnmarshalBinary(b []byte) error {
	r.Configs = r.Configs[:0]
	err := r.appendPart(b)
	r.Configs = nilIfEmpty(r.Configs)
	return err
}

func (r *MeterConfigReply) appendPart(b []byte) error {
	r.Configs = slices.Grow(r.Configs, mpCountElems(MultipartMeterConfig, b))
	for len(b) > 0 {
		var mc MeterConfig
		n, err := mc.Decode(b)
		if err != nil {
			return fmt.Errorf("meter config %d: %w", len(r.Configs), err)
		}
		r.Configs = append(r.Configs, mc)
		b = b[n:]
	}
	return nil
}

// --- METER_FEATURES ---

// MeterFeaturesRequest is the body of a METER_FEATURES request: empty.
type MeterFeaturesRequest struct{}

// MultipartType returns MultipartMeterFeatures.
func (*MeterFeaturesRequest) MultipartType() MultipartType { return MultipartMeterFeatures }
func (*MeterFeaturesRequest) multipartRequest()            {}

// AppendBinary appends nothing: the body is empty.
func (*MeterFeaturesRequest) AppendBinary(b []byte) ([]byte, error) { return b, nil }

// UnmarshalBinary checks that the body is empty.
func (*MeterFeaturesRequest) UnmarshalBinary(b []byte) error {
	return mpEmpty("meter features request", b)
}

// MeterFeaturesReply is ofp_meter_features, the body of a METER_FEATURES
// reply.
type MeterFeaturesReply struct {
	// MaxMeter is the largest number of meters; 0 when metering is not
	// supported.
	MaxMeter uint32
	// BandTypes is a bitmap of the supported band types: bit
	// 1<<MeterBandType (DROP is bit 1, DSCP_REMARK bit 2).
	BandTypes uint32
	// Capabilities are the supported meter flags.
	Capabilities MeterFlags
	// MaxBands is the largest number of bands per meter; MaxColor the
	// largest color value.
	MaxBands, MaxColor uint8
}

// SupportsBand reports whether BandTypes has band type t.
func (r *MeterFeaturesReply) SupportsBand(t MeterBandType) bool {
	return t < 32 && r.BandTypes&(1<<t) != 0
}

// MultipartType returns MultipartMeterFeatures.
func (*MeterFeaturesReply) MultipartType() MultipartType { return MultipartMeterFeatures }
func (*MeterFeaturesReply) multipartReply()              {}

// AppendBinary appends the 16-byte reply.
func (r *MeterFeaturesReply) AppendBinary(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint32(b, r.MaxMeter)
	b = binary.BigEndian.AppendUint32(b, r.BandTypes)
	b = binary.BigEndian.AppendUint32(b, uint32(r.Capabilities))
	return append(b, r.MaxBands, r.MaxColor, 0, 0), nil
}

// UnmarshalBinary decodes exactly one ofp_meter_features. Capability bits
// above the 16 that meter flags hold make it fail.
func (r *MeterFeaturesReply) UnmarshalBinary(b []byte) error {
	if err := mpExact("meter features", b, MeterFeaturesLen); err != nil {
		return err
	}
	caps := binary.BigEndian.Uint32(b[8:12])
	if caps > 0xffff {
		return fmt.Errorf("openflow: meter features: capabilities %#x beyond the meter flags", caps)
	}
	*r = MeterFeaturesReply{
		MaxMeter:     binary.BigEndian.Uint32(b[0:4]),
		BandTypes:    binary.BigEndian.Uint32(b[4:8]),
		Capabilities: MeterFlags(caps),
		MaxBands:     b[12],
		MaxColor:     b[13],
	}
	return nil
}

// --- PORT_DESC ---

// PortDescRequest is the body of a PORT_DESC request: empty.
type PortDescRequest struct{}

// MultipartType returns MultipartPortDesc.
func (*PortDescRequest) MultipartType() MultipartType { return MultipartPortDesc }
func (*PortDescRequest) multipartRequest()            {}

// AppendBinary appends nothing: the body is empty.
func (*PortDescRequest) AppendBinary(b []byte) ([]byte, error) { return b, nil }

// UnmarshalBinary checks that the body is empty.
func (*PortDescRequest) UnmarshalBinary(b []byte) error { return mpEmpty("port desc request", b) }

// PortDescReply is the body of a PORT_DESC reply: an array of ofp_port.
type PortDescReply struct {
	Ports []Port
}

// MultipartType returns MultipartPortDesc.
func (*PortDescReply) MultipartType() MultipartType { return MultipartPortDesc }
func (*PortDescReply) multipartReply()              {}

// AppendBinary appends every port.
func (r *PortDescReply) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	for i := range r.Ports {
		var err error
		if b, err = r.Ports[i].AppendBinary(b); err != nil {
			return b[:start], fmt.Errorf("port desc %d: %w", i, err)
		}
	}
	return b, nil
}

// UnmarshalBinary decodes the ports; b must hold a whole number of them.
func (r *PortDescReply) UnmarshalBinary(b []byte) error {
	r.Ports = r.Ports[:0]
	err := r.appendPart(b)
	r.Ports = nilIfEmpty(r.Ports)
	return err
}

func (r *PortDescReply) appendPart(b []byte) error {
	n, err := mpArray("port desc", b, PortLen)
	if err != nil {
		return err
	}
	r.Ports = slices.Grow(r.Ports, n)
	for ; len(b) > 0; b = b[PortLen:] {
		var p Port
		if _, err := p.Decode(b); err != nil {
			return fmt.Errorf("port desc %d: %w", len(r.Ports), err)
		}
		r.Ports = append(r.Ports, p)
	}
	return nil
}

// mpCountElems counts the array elements of a reply body of type t by
// their length fields, stopping at the first that is malformed (decoding
// reports it). The count is bounded by the input: every element takes at
// least mpMinElemLen bytes.
func mpCountElems(t MultipartType, b []byte) int {
	n, min := 0, mpMinElemLen(t)
	for len(b) > 0 {
		e := multipartElemLen(t, b)
		if e < min || e > len(b) {
			break
		}
		n++
		b = b[e:]
	}
	return n
}

// grow makes room for n more elements: the Assembler sizes the array of a
// reply of many parts once.
func (r *FlowStatsReply) grow(n int)     { r.Stats = slices.Grow(r.Stats, n) }
func (r *TableStatsReply) grow(n int)    { r.Stats = slices.Grow(r.Stats, n) }
func (r *PortStatsReply) grow(n int)     { r.Stats = slices.Grow(r.Stats, n) }
func (r *QueueStatsReply) grow(n int)    { r.Stats = slices.Grow(r.Stats, n) }
func (r *GroupStatsReply) grow(n int)    { r.Stats = slices.Grow(r.Stats, n) }
func (r *GroupDescReply) grow(n int)     { r.Groups = slices.Grow(r.Groups, n) }
func (r *MeterStatsReply) grow(n int)    { r.Stats = slices.Grow(r.Stats, n) }
func (r *MeterConfigReply) grow(n int)   { r.Configs = slices.Grow(r.Configs, n) }
func (r *PortDescReply) grow(n int)      { r.Ports = slices.Grow(r.Ports, n) }
func (r *TableFeaturesReply) grow(n int) { r.Features = slices.Grow(r.Features, n) }
