package openflow

import (
	"encoding/binary"
	"fmt"
)

// TableModLen is the length of ofp_table_mod, header included.
const TableModLen = 16

// TableConfig is the config field of ofp_table_mod (ofp_table_config). In
// OpenFlow 1.3 its only defined bits are deprecated ones (the table-miss
// behaviour of 1.1 and 1.2, replaced by table-miss flow entries), so it is
// 0 in practice; other bits are kept as they are.
type TableConfig uint32

// TableConfigDeprecatedMask (OFPTC_DEPRECATED_MASK) covers the two bits
// that OpenFlow 1.1 and 1.2 used for the table-miss behaviour.
const TableConfigDeprecatedMask TableConfig = 3

// String formats the configuration bits in hex ("0" when none is set).
func (c TableConfig) String() string {
	if c == 0 {
		return "0"
	}
	return fmt.Sprintf("%#x", uint32(c))
}

// TableMod is OFPT_TABLE_MOD (ofp_table_mod): configure a flow table.
type TableMod struct {
	// TableID is the table to configure, or TableAll for every table.
	TableID uint8
	Config  TableConfig
}

var _ Message = (*TableMod)(nil)

func init() { register(TypeTableMod, func() Message { return new(TableMod) }) }

// Type returns TypeTableMod.
func (*TableMod) Type() Type { return TypeTableMod }

// AppendBinary appends the body of the message.
func (m *TableMod) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, m.TableID, 0, 0, 0)
	return binary.BigEndian.AppendUint32(b, uint32(m.Config)), nil
}

// UnmarshalBinary decodes the body of the message, which must be exactly
// TableModLen-HeaderLen bytes long.
func (m *TableMod) UnmarshalBinary(body []byte) error {
	const n = TableModLen - HeaderLen
	if len(body) < n {
		return errShort("table mod", n, len(body))
	}
	if len(body) > n {
		return fmt.Errorf("openflow: table mod: %d bytes, want %d", len(body), n)
	}
	*m = TableMod{TableID: body[0], Config: TableConfig(binary.BigEndian.Uint32(body[4:8]))}
	return nil
}
