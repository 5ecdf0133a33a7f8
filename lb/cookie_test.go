package lb

import "testing"

func TestCookieFields(t *testing.T) {
	tests := []struct {
		name    string
		owner   uint8
		kind    Kind
		vip     uint16
		backend uint16
		want    Cookie
	}{
		{"forward", 0x01, KindForward, 0x1234, 0xabcd, 0x01_4_0_1234_abcd_0000},
		{"all ones", 0xff, Kind(0xf), 0xffff, 0xffff, 0xff_f_0_ffff_ffff_0000},
		{"static", 0x7, KindStatic, 0, 0, 0x07_1_0_0000_0000_0000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := MakeCookie(tt.owner, tt.kind, tt.vip, tt.backend)
			if c != tt.want {
				t.Fatalf("MakeCookie = %#x, want %#x", uint64(c), uint64(tt.want))
			}
			if c.Owner() != tt.owner || c.Kind() != tt.kind || c.VIP() != tt.vip || c.Backend() != tt.backend {
				t.Fatalf("fields of %#x: %v", uint64(c), c)
			}
			v, m := OwnerCookie(tt.owner)
			if uint64(c)&m != v {
				t.Fatalf("owner filter %#x/%#x does not select %#x", v, m, uint64(c))
			}
			other, _ := OwnerCookie(tt.owner + 1)
			if uint64(c)&m == other {
				t.Fatalf("another owner's filter selects %#x", uint64(c))
			}
		})
	}
}
