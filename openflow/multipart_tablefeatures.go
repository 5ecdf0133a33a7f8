package openflow

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// TableFeaturesLen is the length of the fixed part of ofp_table_features;
// the properties follow it.
const TableFeaturesLen = 64

// TableNameLen is the size of the name field of ofp_table_features
// (OFP_MAX_TABLE_NAME_LEN).
const TableNameLen = 32

// TableFeaturePropHeaderLen is the length of
// ofp_table_feature_prop_header; each property is padded to a multiple of
// 8 bytes after its length.
const TableFeaturePropHeaderLen = 4

// TableFeaturePropType is ofp_table_feature_prop_type. The _MISS variants
// describe the table-miss flow entry; the others every other entry.
type TableFeaturePropType uint16

// Table feature property types.
const (
	// TablePropInstructions lists the instructions entries may use.
	TablePropInstructions     TableFeaturePropType = 0
	TablePropInstructionsMiss TableFeaturePropType = 1
	// TablePropNextTables lists the tables a goto-table may name.
	TablePropNextTables     TableFeaturePropType = 2
	TablePropNextTablesMiss TableFeaturePropType = 3
	// TablePropWriteActions lists the actions a write-actions instruction
	// may carry.
	TablePropWriteActions     TableFeaturePropType = 4
	TablePropWriteActionsMiss TableFeaturePropType = 5
	// TablePropApplyActions lists the actions an apply-actions
	// instruction may carry.
	TablePropApplyActions     TableFeaturePropType = 6
	TablePropApplyActionsMiss TableFeaturePropType = 7
	// TablePropMatch lists the fields entries may match; an ID with the
	// mask bit set means the field may be masked.
	TablePropMatch TableFeaturePropType = 8
	// TablePropWildcards lists the fields entries may leave out.
	TablePropWildcards TableFeaturePropType = 10
	// TablePropWriteSetfield lists the fields a set-field action in a
	// write-actions instruction may change.
	TablePropWriteSetfield     TableFeaturePropType = 12
	TablePropWriteSetfieldMiss TableFeaturePropType = 13
	// TablePropApplySetfield lists the fields a set-field action in an
	// apply-actions instruction may change: what NAT needs.
	TablePropApplySetfield     TableFeaturePropType = 14
	TablePropApplySetfieldMiss TableFeaturePropType = 15
	// TablePropExperimenter is an experimenter-defined property.
	TablePropExperimenter     TableFeaturePropType = 0xfffe
	TablePropExperimenterMiss TableFeaturePropType = 0xffff
)

var tablePropNames = map[TableFeaturePropType]string{
	TablePropInstructions:      "INSTRUCTIONS",
	TablePropInstructionsMiss:  "INSTRUCTIONS_MISS",
	TablePropNextTables:        "NEXT_TABLES",
	TablePropNextTablesMiss:    "NEXT_TABLES_MISS",
	TablePropWriteActions:      "WRITE_ACTIONS",
	TablePropWriteActionsMiss:  "WRITE_ACTIONS_MISS",
	TablePropApplyActions:      "APPLY_ACTIONS",
	TablePropApplyActionsMiss:  "APPLY_ACTIONS_MISS",
	TablePropMatch:             "MATCH",
	TablePropWildcards:         "WILDCARDS",
	TablePropWriteSetfield:     "WRITE_SETFIELD",
	TablePropWriteSetfieldMiss: "WRITE_SETFIELD_MISS",
	TablePropApplySetfield:     "APPLY_SETFIELD",
	TablePropApplySetfieldMiss: "APPLY_SETFIELD_MISS",
	TablePropExperimenter:      "EXPERIMENTER",
	TablePropExperimenterMiss:  "EXPERIMENTER_MISS",
}

// String returns the name of t as the specification spells it, or its number for an unknown one.
func (t TableFeaturePropType) String() string {
	if s, ok := tablePropNames[t]; ok {
		return s
	}
	return fmt.Sprintf("TableFeaturePropType(%d)", uint16(t))
}

// TableFeatureProp is one property of a table's features: a
// [*TableFeatureInstructions], [*TableFeatureNextTables],
// [*TableFeatureActions], [*TableFeatureOXMs], [*TableFeatureExperimenter]
// or, for a type this package does not know, [*TableFeatureRaw].
type TableFeatureProp interface {
	// PropType is the property's type.
	PropType() TableFeaturePropType
	// AppendBinary appends the property, header and padding included. It
	// fails when the property's Type does not belong to its Go type.
	AppendBinary(b []byte) ([]byte, error)
	// appendValue appends what follows the property header.
	appendValue(b []byte) ([]byte, error)
	// decodeValue decodes what follows the property header.
	decodeValue(v []byte) error
}

// appendTableProp appends p with its header, its length patched and
// padding to 8 bytes.
func appendTableProp(b []byte, p TableFeatureProp) ([]byte, error) {
	start := len(b)
	b = binary.BigEndian.AppendUint16(b, uint16(p.PropType()))
	b = append(b, 0, 0) // length patched below
	b, err := p.appendValue(b)
	if err != nil {
		return b[:start], fmt.Errorf("table feature property %v: %w", p.PropType(), err)
	}
	n := len(b) - start
	if n > MaxMessageLen {
		return b[:start], fmt.Errorf("table feature property %v of %d bytes: %w", p.PropType(), n, ErrTooLong)
	}
	binary.BigEndian.PutUint16(b[start+2:], uint16(n))
	return appendPad(b, pad8(n)), nil
}

// propKindError reports a property whose Type belongs to another Go type.
func propKindError(t TableFeaturePropType, goType string) error {
	return fmt.Errorf("openflow: table feature property type %v in a %s", t, goType)
}

// InstructionID names an instruction type in a table feature property:
// the ofp_instruction header alone. Experimenter instructions carry their
// experimenter id (and whatever else the experimenter defines) in Data.
type InstructionID struct {
	Type InstructionType
	// Data is what follows the 4-byte header; nil for standard
	// instructions.
	Data []byte
}

// TableFeatureInstructions is ofp_table_feature_prop_instructions: the
// instructions a table supports. Type is TablePropInstructions or
// TablePropInstructionsMiss.
type TableFeatureInstructions struct {
	Type TableFeaturePropType
	// IDs are the supported instructions; nil for none.
	IDs []InstructionID
}

// PropType returns Type.
func (p *TableFeatureInstructions) PropType() TableFeaturePropType { return p.Type }

// AppendBinary appends the property, header and padding included.
func (p *TableFeatureInstructions) AppendBinary(b []byte) ([]byte, error) {
	return appendTableProp(b, p)
}

func (p *TableFeatureInstructions) appendValue(b []byte) ([]byte, error) {
	if p.Type != TablePropInstructions && p.Type != TablePropInstructionsMiss {
		return b, propKindError(p.Type, "TableFeatureInstructions")
	}
	for _, id := range p.IDs {
		var err error
		if b, err = appendTLVID(b, uint16(id.Type), id.Data); err != nil {
			return b, fmt.Errorf("instruction id %v: %w", id.Type, err)
		}
	}
	return b, nil
}

func (p *TableFeatureInstructions) decodeValue(v []byte) error {
	p.IDs = nil
	return walkTLVIDs("instruction id", v, func(t uint16, data []byte) {
		p.IDs = append(p.IDs, InstructionID{Type: InstructionType(t), Data: data})
	})
}

// ActionID names an action type in a table feature property: the action
// header alone (type and length, 4 bytes). Experimenter actions carry
// their experimenter id (and, for Nicira, the subtype) in Data.
type ActionID struct {
	Type ActionType
	// Data is what follows the 4-byte header; nil for standard actions.
	Data []byte
}

// TableFeatureActions is ofp_table_feature_prop_actions: the actions a
// table supports in write-actions or apply-actions instructions. Type is
// one of TablePropWriteActions, TablePropWriteActionsMiss,
// TablePropApplyActions and TablePropApplyActionsMiss.
type TableFeatureActions struct {
	Type TableFeaturePropType
	// IDs are the supported actions; nil for none.
	IDs []ActionID
}

// PropType returns Type.
func (p *TableFeatureActions) PropType() TableFeaturePropType { return p.Type }

// AppendBinary appends the property, header and padding included.
func (p *TableFeatureActions) AppendBinary(b []byte) ([]byte, error) {
	return appendTableProp(b, p)
}

func (p *TableFeatureActions) appendValue(b []byte) ([]byte, error) {
	switch p.Type {
	case TablePropWriteActions, TablePropWriteActionsMiss, TablePropApplyActions, TablePropApplyActionsMiss:
	default:
		return b, propKindError(p.Type, "TableFeatureActions")
	}
	for _, id := range p.IDs {
		var err error
		if b, err = appendTLVID(b, uint16(id.Type), id.Data); err != nil {
			return b, fmt.Errorf("action id %d: %w", uint16(id.Type), err)
		}
	}
	return b, nil
}

func (p *TableFeatureActions) decodeValue(v []byte) error {
	p.IDs = nil
	return walkTLVIDs("action id", v, func(t uint16, data []byte) {
		p.IDs = append(p.IDs, ActionID{Type: ActionType(t), Data: data})
	})
}

// appendTLVID appends the header of an instruction or action (type and
// length) followed by data.
func appendTLVID(b []byte, t uint16, data []byte) ([]byte, error) {
	n := 4 + len(data)
	if n > MaxMessageLen {
		return b, ErrTooLong
	}
	b = binary.BigEndian.AppendUint16(b, t)
	b = binary.BigEndian.AppendUint16(b, uint16(n))
	return append(b, data...), nil
}

// walkTLVIDs walks a list of instruction or action headers: each is a
// type, a length of at least 4 within v, and length-4 bytes of data
// (aliasing v, nil when none). The IDs are packed without padding.
func walkTLVIDs(what string, v []byte, f func(t uint16, data []byte)) error {
	for len(v) > 0 {
		if len(v) < 4 {
			return errShort(what, 4, len(v))
		}
		n := int(binary.BigEndian.Uint16(v[2:4]))
		if n < 4 {
			return fmt.Errorf("openflow: %s length %d shorter than 4", what, n)
		}
		if n > len(v) {
			return errShort(what, n, len(v))
		}
		var data []byte
		if n > 4 {
			data = v[4:n:n]
		}
		f(binary.BigEndian.Uint16(v[0:2]), data)
		v = v[n:]
	}
	return nil
}

// TableFeatureNextTables is ofp_table_feature_prop_next_tables: the
// tables a goto-table instruction of this table may name. Type is
// TablePropNextTables or TablePropNextTablesMiss.
type TableFeatureNextTables struct {
	Type TableFeaturePropType
	// TableIDs are the reachable tables; nil for none.
	TableIDs []uint8
}

// PropType returns Type.
func (p *TableFeatureNextTables) PropType() TableFeaturePropType { return p.Type }

// AppendBinary appends the property, header and padding included.
func (p *TableFeatureNextTables) AppendBinary(b []byte) ([]byte, error) {
	return appendTableProp(b, p)
}

func (p *TableFeatureNextTables) appendValue(b []byte) ([]byte, error) {
	if p.Type != TablePropNextTables && p.Type != TablePropNextTablesMiss {
		return b, propKindError(p.Type, "TableFeatureNextTables")
	}
	return append(b, p.TableIDs...), nil
}

func (p *TableFeatureNextTables) decodeValue(v []byte) error {
	p.TableIDs = nil
	if len(v) > 0 {
		p.TableIDs = v[:len(v):len(v)]
	}
	return nil
}

// OXMID names a match field in a table feature property: the 32-bit OXM
// header (class, field, has-mask bit, length) without a value. Fields of
// the experimenter class (0xffff) also carry the experimenter id.
type OXMID struct {
	// Header is the OXM header: class<<16 | field<<9 | hasmask<<8 |
	// length.
	Header uint32
	// Experimenter is the experimenter id that follows the header of an
	// experimenter-class field; it must be zero for other classes.
	Experimenter uint32
}

// NewOXMID returns the ID of a field of the given class and field number,
// maskable or not, whose value is length bytes long.
func NewOXMID(class OXMClass, field uint8, hasMask bool, length uint8) OXMID {
	h := uint32(class)<<16 | uint32(field&0x7f)<<9 | uint32(length)
	if hasMask {
		h |= 1 << 8
	}
	return OXMID{Header: h}
}

// Class returns the OXM class (OXMClassOpenFlowBasic for the standard
// fields).
func (id OXMID) Class() OXMClass { return OXMClass(id.Header >> 16) }

// Field returns the field number within the class.
func (id OXMID) Field() uint8 { return uint8(id.Header>>9) & 0x7f }

// HasMask reports whether the has-mask bit is set.
func (id OXMID) HasMask() bool { return id.Header&(1<<8) != 0 }

// Length returns the length byte of the header.
func (id OXMID) Length() uint8 { return uint8(id.Header) }

// String names the class and field of the OXM id, with its mask bit and
// experimenter id, e.g. "oxm(OPENFLOW_BASIC:12/masked)".
func (id OXMID) String() string {
	s := fmt.Sprintf("oxm(%v:%d", id.Class(), id.Field())
	if id.HasMask() {
		s += "/masked"
	}
	if id.Class() == OXMClassExperimenter {
		s += fmt.Sprintf(" exp %#x", id.Experimenter)
	}
	return s + ")"
}

// TableFeatureOXMs is ofp_table_feature_prop_oxm: a list of match fields.
// Type is one of TablePropMatch, TablePropWildcards,
// TablePropWriteSetfield(Miss) and TablePropApplySetfield(Miss).
type TableFeatureOXMs struct {
	Type TableFeaturePropType
	// IDs are the fields; nil for none.
	IDs []OXMID
}

// PropType returns Type.
func (p *TableFeatureOXMs) PropType() TableFeaturePropType { return p.Type }

// AppendBinary appends the property, header and padding included.
func (p *TableFeatureOXMs) AppendBinary(b []byte) ([]byte, error) {
	return appendTableProp(b, p)
}

// Has reports whether the list names the field of the given class and
// number, masked or not.
func (p *TableFeatureOXMs) Has(class OXMClass, field uint8) bool {
	for _, id := range p.IDs {
		if id.Class() == class && id.Field() == field {
			return true
		}
	}
	return false
}

func (p *TableFeatureOXMs) appendValue(b []byte) ([]byte, error) {
	switch p.Type {
	case TablePropMatch, TablePropWildcards, TablePropWriteSetfield, TablePropWriteSetfieldMiss,
		TablePropApplySetfield, TablePropApplySetfieldMiss:
	default:
		return b, propKindError(p.Type, "TableFeatureOXMs")
	}
	for _, id := range p.IDs {
		b = binary.BigEndian.AppendUint32(b, id.Header)
		if id.Class() == OXMClassExperimenter {
			b = binary.BigEndian.AppendUint32(b, id.Experimenter)
		} else if id.Experimenter != 0 {
			return b, fmt.Errorf("openflow: %v: experimenter id on a field of class %v", id, id.Class())
		}
	}
	return b, nil
}

func (p *TableFeatureOXMs) decodeValue(v []byte) error {
	p.IDs = nil
	if len(v) > 0 {
		// Every ID takes at least 4 bytes.
		p.IDs = make([]OXMID, 0, len(v)/4)
	}
	for len(v) > 0 {
		if len(v) < 4 {
			return errShort("oxm id", 4, len(v))
		}
		id := OXMID{Header: binary.BigEndian.Uint32(v[0:4])}
		n := 4
		if id.Class() == OXMClassExperimenter {
			if len(v) < 8 {
				return errShort("experimenter oxm id", 8, len(v))
			}
			id.Experimenter = binary.BigEndian.Uint32(v[4:8])
			n = 8
		}
		p.IDs = append(p.IDs, id)
		v = v[n:]
	}
	return nil
}

// TableFeatureExperimenter is ofp_table_feature_prop_experimenter. Type is
// TablePropExperimenter or TablePropExperimenterMiss.
type TableFeatureExperimenter struct {
	Type         TableFeaturePropType
	Experimenter uint32
	ExpType      uint32
	// Data is the experimenter-defined rest of the property; nil when
	// empty.
	Data []byte
}

// PropType returns Type.
func (p *TableFeatureExperimenter) PropType() TableFeaturePropType { return p.Type }

// AppendBinary appends the property, header and padding included.
func (p *TableFeatureExperimenter) AppendBinary(b []byte) ([]byte, error) {
	return appendTableProp(b, p)
}

func (p *TableFeatureExperimenter) appendValue(b []byte) ([]byte, error) {
	if p.Type != TablePropExperimenter && p.Type != TablePropExperimenterMiss {
		return b, propKindError(p.Type, "TableFeatureExperimenter")
	}
	b = binary.BigEndian.AppendUint32(b, p.Experimenter)
	b = binary.BigEndian.AppendUint32(b, p.ExpType)
	return append(b, p.Data...), nil
}

func (p *TableFeatureExperimenter) decodeValue(v []byte) error {
	if len(v) < 8 {
		return errShort("experimenter table feature property", 8, len(v))
	}
	p.Experimenter = binary.BigEndian.Uint32(v[0:4])
	p.ExpType = binary.BigEndian.Uint32(v[4:8])
	p.Data = nil
	if len(v) > 8 {
		p.Data = v[8:len(v):len(v)]
	}
	return nil
}

// TableFeatureRaw is a table feature property of a type this package does
// not know, kept as bytes.
type TableFeatureRaw struct {
	Type TableFeaturePropType
	// Data is what follows the property header, padding excluded; nil
	// when empty.
	Data []byte
}

// PropType returns Type.
func (p *TableFeatureRaw) PropType() TableFeaturePropType { return p.Type }

// AppendBinary appends the property, header and padding included.
func (p *TableFeatureRaw) AppendBinary(b []byte) ([]byte, error) {
	return appendTableProp(b, p)
}

func (p *TableFeatureRaw) appendValue(b []byte) ([]byte, error) {
	if _, known := tablePropNames[p.Type]; known {
		return b, propKindError(p.Type, "TableFeatureRaw")
	}
	return append(b, p.Data...), nil
}

func (p *TableFeatureRaw) decodeValue(v []byte) error {
	p.Data = nil
	if len(v) > 0 {
		p.Data = v[:len(v):len(v)]
	}
	return nil
}

// newTableProp returns an empty property of type t.
func newTableProp(t TableFeaturePropType) TableFeatureProp {
	switch t {
	case TablePropInstructions, TablePropInstructionsMiss:
		return &TableFeatureInstructions{Type: t}
	case TablePropNextTables, TablePropNextTablesMiss:
		return &TableFeatureNextTables{Type: t}
	case TablePropWriteActions, TablePropWriteActionsMiss, TablePropApplyActions, TablePropApplyActionsMiss:
		return &TableFeatureActions{Type: t}
	case TablePropMatch, TablePropWildcards, TablePropWriteSetfield, TablePropWriteSetfieldMiss,
		TablePropApplySetfield, TablePropApplySetfieldMiss:
		return &TableFeatureOXMs{Type: t}
	case TablePropExperimenter, TablePropExperimenterMiss:
		return &TableFeatureExperimenter{Type: t}
	}
	return &TableFeatureRaw{Type: t}
}

// DecodeTableFeatureProps decodes a whole list of table feature
// properties, each padded to 8 bytes (the last one too). It returns nil
// for an empty list. Properties may alias b.
func DecodeTableFeatureProps(b []byte) ([]TableFeatureProp, error) {
	var props []TableFeatureProp
	for i := 0; len(b) > 0; i++ {
		if len(b) < TableFeaturePropHeaderLen {
			return nil, errShort("table feature property", TableFeaturePropHeaderLen, len(b))
		}
		t := TableFeaturePropType(binary.BigEndian.Uint16(b[0:2]))
		n := int(binary.BigEndian.Uint16(b[2:4]))
		if n < TableFeaturePropHeaderLen {
			return nil, fmt.Errorf("openflow: table feature property %d (%v): length %d shorter than %d", i, t, n, TableFeaturePropHeaderLen)
		}
		padded := n + pad8(n)
		if padded > len(b) {
			return nil, fmt.Errorf("openflow: table feature property %d (%v): %w", i, t, errShort("padded property", padded, len(b)))
		}
		p := newTableProp(t)
		if err := p.decodeValue(b[TableFeaturePropHeaderLen:n:n]); err != nil {
			return nil, fmt.Errorf("openflow: table feature property %d (%v): %w", i, t, err)
		}
		props = append(props, p)
		b = b[padded:]
	}
	return props, nil
}

// AppendTableFeatureProps appends a list of table feature properties. On
// error b is returned unchanged in length.
func AppendTableFeatureProps(b []byte, props []TableFeatureProp) ([]byte, error) {
	start := len(b)
	for i, p := range props {
		if p == nil {
			return b[:start], fmt.Errorf("openflow: table feature property %d is nil", i)
		}
		var err error
		if b, err = p.AppendBinary(b); err != nil {
			return b[:start], fmt.Errorf("table feature property %d: %w", i, err)
		}
	}
	return b, nil
}

// TableFeatures is ofp_table_features: what one flow table can do. A
// switch reports them in a TABLE_FEATURES reply; a controller may send
// them in a TABLE_FEATURES request to reconfigure the pipeline.
type TableFeatures struct {
	TableID uint8
	// Name is the table's name, at most 32 bytes, NUL-padded on the wire.
	Name string
	// MetadataMatch and MetadataWrite are the metadata bits the table can
	// match and write.
	MetadataMatch, MetadataWrite uint64
	// Config is the table's ofp_table_config.
	Config TableConfig
	// MaxEntries is the largest number of entries the table holds.
	MaxEntries uint32
	// Properties describe the instructions, actions and fields the table
	// supports; nil for none.
	Properties []TableFeatureProp
}

// Prop returns the first property of type t, or nil.
func (tf *TableFeatures) Prop(t TableFeaturePropType) TableFeatureProp {
	for _, p := range tf.Properties {
		if p != nil && p.PropType() == t {
			return p
		}
	}
	return nil
}

// AppendBinary appends the table's features, its length field covering the
// properties.
func (tf *TableFeatures) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, 0, 0, tf.TableID) // length patched below
	b = appendPad(b, 5)
	b, err := appendFixedString(b, tf.Name, TableNameLen)
	if err != nil {
		return b[:start], fmt.Errorf("table features name: %w", err)
	}
	b = binary.BigEndian.AppendUint64(b, tf.MetadataMatch)
	b = binary.BigEndian.AppendUint64(b, tf.MetadataWrite)
	b = binary.BigEndian.AppendUint32(b, uint32(tf.Config))
	b = binary.BigEndian.AppendUint32(b, tf.MaxEntries)
	if b, err = AppendTableFeatureProps(b, tf.Properties); err != nil {
		return b[:start], fmt.Errorf("table features of table %d: %w", tf.TableID, err)
	}
	return mpPatchLen("table features", b, start, 0)
}

// Decode decodes the table features at the start of b and returns their
// length: at least TableFeaturesLen and within b, the properties filling
// it exactly. Properties may alias b.
func (tf *TableFeatures) Decode(b []byte) (int, error) {
	n, err := mpElemLen("table features", b, 0, TableFeaturesLen)
	if err != nil {
		return 0, err
	}
	props, err := DecodeTableFeatureProps(b[TableFeaturesLen:n])
	if err != nil {
		return 0, fmt.Errorf("openflow: table features of table %d: %w", b[2], err)
	}
	*tf = TableFeatures{
		TableID:       b[2],
		Name:          fixedString(b[8:40]),
		MetadataMatch: binary.BigEndian.Uint64(b[40:48]),
		MetadataWrite: binary.BigEndian.Uint64(b[48:56]),
		Config:        TableConfig(binary.BigEndian.Uint32(b[56:60])),
		MaxEntries:    binary.BigEndian.Uint32(b[60:64]),
		Properties:    props,
	}
	return n, nil
}

// appendTableFeaturesList appends a list of ofp_table_features.
func appendTableFeaturesList(b []byte, list []TableFeatures) ([]byte, error) {
	start := len(b)
	for i := range list {
		var err error
		if b, err = list[i].AppendBinary(b); err != nil {
			return b[:start], fmt.Errorf("table features %d: %w", i, err)
		}
	}
	return b, nil
}

// appendTableFeaturesPart decodes a list of ofp_table_features filling b
// and appends them to list.
func appendTableFeaturesPart(list []TableFeatures, b []byte) ([]TableFeatures, error) {
	list = slices.Grow(list, mpCountElems(MultipartTableFeatures, b))
	for len(b) > 0 {
		var tf TableFeatures
		n, err := tf.Decode(b)
		if err != nil {
			return list, fmt.Errorf("table features %d: %w", len(list), err)
		}
		list = append(list, tf)
		b = b[n:]
	}
	return list, nil
}

// TableFeaturesRequest is the body of a TABLE_FEATURES request. With no
// Features it asks for the features of every table; with Features it
// asks the switch to reconfigure its tables to match them (the switch
// answers with the resulting features, or an error).
type TableFeaturesRequest struct {
	Features []TableFeatures
}

// MultipartType returns MultipartTableFeatures.
func (*TableFeaturesRequest) MultipartType() MultipartType { return MultipartTableFeatures }
func (*TableFeaturesRequest) multipartRequest()            {}

// AppendBinary appends every table's features.
func (r *TableFeaturesRequest) AppendBinary(b []byte) ([]byte, error) {
	return appendTableFeaturesList(b, r.Features)
}

// UnmarshalBinary decodes the tables' features, which must fill b
// exactly. Properties may alias b.
func (r *TableFeaturesRequest) UnmarshalBinary(b []byte) error {
	var err error
	r.Features, err = appendTableFeaturesPart(r.Features[:0], b)
	r.Features = nilIfEmpty(r.Features)
	return err
}

// TableFeaturesReply is the body of a TABLE_FEATURES reply: the features
// of each table (usually spread over several messages, one or a few
// tables each).
type TableFeaturesReply struct {
	Features []TableFeatures
}

// MultipartType returns MultipartTableFeatures.
func (*TableFeaturesReply) MultipartType() MultipartType { return MultipartTableFeatures }
func (*TableFeaturesReply) multipartReply()              {}

// AppendBinary appends every table's features.
func (r *TableFeaturesReply) AppendBinary(b []byte) ([]byte, error) {
	return appendTableFeaturesList(b, r.Features)
}

// UnmarshalBinary decodes the tables' features, which must fill b
// exactly. Properties may alias b.
func (r *TableFeaturesReply) UnmarshalBinary(b []byte) error {
	var err error
	r.Features, err = appendTableFeaturesPart(r.Features[:0], b)
	r.Features = nilIfEmpty(r.Features)
	return err
}

func (r *TableFeaturesReply) appendPart(b []byte) error {
	var err error
	r.Features, err = appendTableFeaturesPart(r.Features, b)
	return err
}
