package openflow

import (
	"encoding/binary"
	"fmt"
)

// GroupModLen is the length of the fixed part of ofp_group_mod, header
// included; the bucket list follows it.
const GroupModLen = 16

// BucketLen is the length of the fixed part of ofp_bucket; the bucket's
// action list follows it.
const BucketLen = 16

// GroupModCommand is ofp_group_mod_command: what a GROUP_MOD does.
type GroupModCommand uint16

// Group-mod commands.
const (
	// GroupAdd creates a group; the switch refuses an existing group id
	// with OFPGMFC_GROUP_EXISTS.
	GroupAdd GroupModCommand = 0
	// GroupModify replaces the type and buckets of an existing group.
	GroupModify GroupModCommand = 1
	// GroupDelete removes a group (GroupAll: every group) and the flow
	// entries that forward to it.
	GroupDelete GroupModCommand = 2
)

// String returns the name of c as the specification spells it, or its number for an unknown one.
func (c GroupModCommand) String() string {
	switch c {
	case GroupAdd:
		return "ADD"
	case GroupModify:
		return "MODIFY"
	case GroupDelete:
		return "DELETE"
	}
	return fmt.Sprintf("GroupModCommand(%d)", uint16(c))
}

// GroupType is ofp_group_type: how a group uses its buckets.
type GroupType uint8

// Group types.
const (
	// GroupTypeAll runs every bucket: multicast and broadcast.
	GroupTypeAll GroupType = 0
	// GroupTypeSelect runs one bucket, chosen by the switch (typically a
	// hash of the flow weighted by the buckets' weights): load balancing.
	GroupTypeSelect GroupType = 1
	// GroupTypeIndirect runs its single bucket: a shared next hop.
	GroupTypeIndirect GroupType = 2
	// GroupTypeFastFailover runs the first live bucket, liveness coming
	// from each bucket's watch port or watch group.
	GroupTypeFastFailover GroupType = 3
)

// String returns the name of t as the specification spells it, or its number for an unknown one.
func (t GroupType) String() string {
	switch t {
	case GroupTypeAll:
		return "ALL"
	case GroupTypeSelect:
		return "SELECT"
	case GroupTypeIndirect:
		return "INDIRECT"
	case GroupTypeFastFailover:
		return "FF"
	}
	return fmt.Sprintf("GroupType(%d)", uint8(t))
}

// Bucket is ofp_bucket: one action list of a group.
type Bucket struct {
	// Weight is the bucket's share of traffic in a select group; other
	// group types must leave it 0.
	Weight uint16
	// WatchPort is the port whose liveness decides whether the bucket is
	// live in a fast-failover group; PortAny when unused.
	WatchPort uint32
	// WatchGroup is the group whose liveness decides whether the bucket is
	// live in a fast-failover group; GroupAny when unused.
	WatchGroup uint32
	// Actions are applied to the packet when the bucket runs.
	Actions []Action
}

// AppendBinary appends the bucket, its length field covering the actions.
func (bk *Bucket) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, 0, 0) // len, patched below
	b = binary.BigEndian.AppendUint16(b, bk.Weight)
	b = binary.BigEndian.AppendUint32(b, bk.WatchPort)
	b = binary.BigEndian.AppendUint32(b, bk.WatchGroup)
	b = appendPad(b, 4)
	b, err := AppendActions(b, bk.Actions)
	if err != nil {
		return b[:start], fmt.Errorf("bucket: %w", err)
	}
	n := len(b) - start
	if n > MaxMessageLen {
		return b[:start], fmt.Errorf("bucket of %d bytes: %w", n, ErrTooLong)
	}
	binary.BigEndian.PutUint16(b[start:], uint16(n))
	return b, nil
}

// Decode decodes the bucket at the start of b and returns its length. The
// length must be at least BucketLen and within b. Actions may alias b.
func (bk *Bucket) Decode(b []byte) (int, error) {
	if len(b) < BucketLen {
		return 0, errShort("bucket", BucketLen, len(b))
	}
	n := int(binary.BigEndian.Uint16(b[0:2]))
	if n < BucketLen {
		return 0, fmt.Errorf("openflow: bucket length %d shorter than %d", n, BucketLen)
	}
	if n > len(b) {
		return 0, errShort("bucket", n, len(b))
	}
	actions, err := DecodeActions(b[BucketLen:n])
	if err != nil {
		return 0, fmt.Errorf("openflow: bucket actions: %w", err)
	}
	*bk = Bucket{
		Weight:     binary.BigEndian.Uint16(b[2:4]),
		WatchPort:  binary.BigEndian.Uint32(b[4:8]),
		WatchGroup: binary.BigEndian.Uint32(b[8:12]),
		Actions:    actions,
	}
	return n, nil
}

// AppendBuckets appends a list of ofp_bucket, as in GROUP_MOD and in the
// group descriptions of a GROUP_DESC reply. On error b is returned
// unchanged in length.
func AppendBuckets(b []byte, buckets []Bucket) ([]byte, error) {
	start := len(b)
	for i := range buckets {
		var err error
		if b, err = buckets[i].AppendBinary(b); err != nil {
			return b[:start], fmt.Errorf("bucket %d: %w", i, err)
		}
	}
	return b, nil
}

// DecodeBuckets decodes a whole list of ofp_bucket, filling b exactly. It
// returns nil for an empty list. Actions may alias b.
func DecodeBuckets(b []byte) ([]Bucket, error) {
	if len(b) == 0 {
		return nil, nil
	}
	// Every bucket takes at least BucketLen bytes, which bounds the
	// allocation by the input.
	buckets := make([]Bucket, 0, min(len(b)/BucketLen, 16))
	for i := 0; len(b) > 0; i++ {
		var bk Bucket
		n, err := bk.Decode(b)
		if err != nil {
			return nil, fmt.Errorf("bucket %d: %w", i, err)
		}
		buckets = append(buckets, bk)
		b = b[n:]
	}
	return buckets, nil
}

// GroupMod is OFPT_GROUP_MOD (ofp_group_mod): add, change or delete a
// group and its buckets.
type GroupMod struct {
	Command GroupModCommand
	// GroupType is the group's type. (The field cannot be called Type: that
	// is the Message method.)
	GroupType GroupType
	// GroupID is the group's number, at most OFPG_MAX (0xffffff00);
	// GroupAll deletes every group.
	GroupID uint32
	// Buckets are the group's buckets; nil for a delete.
	Buckets []Bucket
}

var _ Message = (*GroupMod)(nil)

func init() { register(TypeGroupMod, func() Message { return new(GroupMod) }) }

// Type returns TypeGroupMod.
func (*GroupMod) Type() Type { return TypeGroupMod }

// AppendBinary appends the body of the message.
func (m *GroupMod) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = binary.BigEndian.AppendUint16(b, uint16(m.Command))
	b = append(b, byte(m.GroupType), 0)
	b = binary.BigEndian.AppendUint32(b, m.GroupID)
	b, err := AppendBuckets(b, m.Buckets)
	if err != nil {
		return b[:start], fmt.Errorf("group mod: %w", err)
	}
	return b, nil
}

// UnmarshalBinary decodes the body of the message. The buckets' actions
// may alias body.
func (m *GroupMod) UnmarshalBinary(body []byte) error {
	const fixed = GroupModLen - HeaderLen
	if len(body) < fixed {
		return errShort("group mod", fixed, len(body))
	}
	buckets, err := DecodeBuckets(body[fixed:])
	if err != nil {
		return fmt.Errorf("group mod: %w", err)
	}
	*m = GroupMod{
		Command:   GroupModCommand(binary.BigEndian.Uint16(body[0:2])),
		GroupType: GroupType(body[2]),
		GroupID:   binary.BigEndian.Uint32(body[4:8]),
		Buckets:   buckets,
	}
	return nil
}
