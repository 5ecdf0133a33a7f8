package openflow

import (
	"bytes"
	"testing"
)

func TestTableModEncoding(t *testing.T) {
	tests := []struct {
		name string
		msg  *TableMod
		want []byte
	}{
		{
			name: "table 1",
			msg:  &TableMod{TableID: 1},
			want: hexBytes(
				[]byte{0x04, 0x11, 0x00, 0x10, 0x12, 0x34, 0x56, 0x78}, // header: v1.3 TABLE_MOD len 16
				[]byte{0x01},                   // table_id 1
				[]byte{0x00, 0x00, 0x00},       // pad
				[]byte{0x00, 0x00, 0x00, 0x00}, // config 0
			),
		},
		{
			name: "all tables with the deprecated bits",
			msg:  &TableMod{TableID: TableAll, Config: TableConfigDeprecatedMask},
			want: hexBytes(
				[]byte{0x04, 0x11, 0x00, 0x10, 0x12, 0x34, 0x56, 0x78}, // header
				[]byte{0xff},                   // table_id ALL
				[]byte{0x00, 0x00, 0x00},       // pad
				[]byte{0x00, 0x00, 0x00, 0x03}, // config DEPRECATED_MASK
			),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := roundTrip(t, tt.msg)
			if !bytes.Equal(got, tt.want) {
				t.Fatalf("encoding:\n got % x\nwant % x", got, tt.want)
			}
		})
	}
}

func TestTableModOVS(t *testing.T) {
	tests := []struct {
		name string
		msg  *TableMod
		want string
	}{
		{name: "one table", msg: &TableMod{TableID: 1}, want: "OFPT_TABLE_MOD (OF1.3) (xid=0x42): table_id=1\n"},
		{name: "all tables", msg: &TableMod{TableID: TableAll}, want: "OFPT_TABLE_MOD (OF1.3) (xid=0x42): table_id: ALL_TABLES\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if out := ofpParse(t, mustMarshal(t, 0x42, tt.msg)); out != tt.want {
				t.Fatalf("ovs-ofctl printed %q, want %q", out, tt.want)
			}
		})
	}
}

func TestTableModDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		eof  bool
	}{
		{name: "empty", body: nil, eof: true},
		{name: "one byte short", body: make([]byte, 7), eof: true},
		{name: "one byte too many", body: make([]byte, 9)},
	}
	cases := make([]badDecode, len(tests))
	for i, tt := range tests {
		cases[i] = badDecode{name: tt.name, msg: &TableMod{TableID: 9}, body: tt.body, eof: tt.eof}
	}
	testBadDecodes(t, cases)
}

func TestTableConfigString(t *testing.T) {
	tests := []struct {
		name string
		c    TableConfig
		want string
	}{
		{name: "zero", c: 0, want: "0"},
		{name: "deprecated mask", c: TableConfigDeprecatedMask, want: "0x3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.String(); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func FuzzTableMod(f *testing.F) {
	// Seed (more in testdata/fuzz/FuzzTableMod): table 1, config 0.
	f.Add([]byte{0x01, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, body []byte) {
		checkBodyRoundTrip(t, body, func() Message { return new(TableMod) })
	})
}
