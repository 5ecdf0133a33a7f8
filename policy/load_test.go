package policy

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLoadValidSets(t *testing.T) {
	tests := []struct {
		name    string
		dir     string
		tenants []string
		vips    []string
	}{
		{
			name:    "examples",
			dir:     "examples",
			tenants: []string{"tenant-a", "tenant-b"},
			vips:    []string{"tenant-a/dns", "tenant-a/web", "tenant-b/api"},
		},
		{
			name:    "testdata",
			dir:     "testdata/valid",
			tenants: []string{"tenant-a", "tenant-b", "tenant-c"},
			vips:    []string{"tenant-a/dns", "tenant-a/web", "tenant-b/api", "tenant-c/catch-all", "tenant-c/dsr", "tenant-c/hashed"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if el := Check(tt.dir); el != nil {
				t.Fatalf("Check: %v", el)
			}
			p, err := Load(tt.dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			var tenants, vips []string
			for _, tn := range p.Tenants() {
				tenants = append(tenants, tn.Name)
			}
			for _, v := range p.VIPs() {
				vips = append(vips, v.FullName())
				if got, ok := p.VIP(v.ID); !ok || got != v {
					t.Errorf("VIP(%d) = %v, %v; want %s", v.ID, got, ok, v.FullName())
				}
				if got, ok := p.Lookup(v.Address, v.Protocol, v.Port); !ok || got != v {
					t.Errorf("Lookup(%v) = %v, %v; want %s", v.Key(), got, ok, v.FullName())
				}
			}
			if !slices.Equal(tenants, tt.tenants) || !slices.Equal(vips, tt.vips) {
				t.Errorf("tenants %v vips %v; want %v %v", tenants, vips, tt.tenants, tt.vips)
			}
			if p.Len() != len(tt.vips) || len(p.Digest()) != 64 {
				t.Errorf("Len %d Digest %q", p.Len(), p.Digest())
			}
		})
	}
}

func TestLoadValues(t *testing.T) {
	p, err := Load("testdata/valid", &Options{DefaultIdleTimeout: 45e9, DefaultHardTimeout: 600e9})
	if err != nil {
		t.Fatal(err)
	}
	a := netip.MustParseAddr
	web, ok := p.Lookup(a("10.0.0.100"), TCP, 80)
	if !ok {
		t.Fatal("no web VIP")
	}
	wantWeb := VIP{
		ID: DeriveVIPID("tenant-a", "web"), Tenant: "tenant-a", Name: "web",
		Address: a("10.0.0.100"), Protocol: TCP, Port: 80,
		Mode: Reactive, Scheduler: WeightedRoundRobin, IdleTimeout: 30, HardTimeout: 0,
		NAT:             NAT{TranslateAddress: true, TranslatePort: true, ARP: ARPAnswer},
		MAC:             MAC{2, 0, 10, 0, 0, 100},
		UnknownPort:     UnknownReset,
		Stats:           Stats{Policy: StatsPerFlow, Interval: 10e9},
		ConnectionLimit: 10000,
		Backends: []Backend{
			{ID: DeriveBackendID(netip.MustParseAddrPort("10.0.0.11:8080")), Name: "web-1", Address: a("10.0.0.11"), Port: 8080, Weight: 2, Pos: Pos{"testdata/valid/tenant-a.yaml", 27, 9}},
			{ID: DeriveBackendID(netip.MustParseAddrPort("10.0.0.12:8080")), Name: "web-2", Address: a("10.0.0.12"), Port: 8080, Weight: 1, Pos: Pos{"testdata/valid/tenant-a.yaml", 31, 9}},
			{ID: DeriveBackendID(netip.MustParseAddrPort("10.0.0.13:8080")), Name: "web-3", Address: a("10.0.0.13"), Port: 8080, Weight: 0, Pos: Pos{"testdata/valid/tenant-a.yaml", 35, 9}},
		},
		Pos: Pos{"testdata/valid/tenant-a.yaml", 10, 5},
	}
	if !vipEqual(web, &wantWeb) || web.Pos != wantWeb.Pos || !slices.Equal(web.Backends, wantWeb.Backends) {
		t.Errorf("web =\n%+v\nwant\n%+v", *web, wantWeb)
	}
	if got := web.Active(); len(got) != 2 || got[0].Name != "web-1" || got[1].Name != "web-2" {
		t.Errorf("Active = %v", got)
	}

	// Defaults from Options reach VIPs that set no timeouts; explicit
	// values win.
	dns, _ := p.Lookup(a("10.0.0.100"), UDP, 53)
	if dns.IdleTimeout != 10 || dns.HardTimeout != 600 {
		t.Errorf("dns timeouts %d/%d, want 10/600", dns.IdleTimeout, dns.HardTimeout)
	}
	dsr, _ := p.Lookup(a("192.0.2.130"), TCP, 80)
	if dsr.IdleTimeout != 45 || dsr.NAT != (NAT{TranslateAddress: false, TranslatePort: false, ARP: NoARP}) {
		t.Errorf("dsr = %+v", *dsr)
	}
	// The shared backend list went through an alias.
	if len(dsr.Backends) != 2 || dsr.Backends[0].Port != 80 {
		t.Errorf("dsr backends %v", dsr.Backends)
	}

	// Wildcard-port lookups fall back to port 0, exact ports win.
	any, ok := p.Lookup(a("192.0.2.10"), TCP, 12345)
	if !ok || any.Name != "catch-all" || any.ID != 4242 || any.NAT.TranslatePort {
		t.Errorf("wildcard lookup = %+v, %v", any, ok)
	}
	if _, ok := p.Lookup(a("192.0.2.10"), UDP, 12345); ok {
		t.Error("wildcard VIP matched another protocol")
	}
	if _, ok := p.Lookup(a("10.0.0.100"), TCP, 81); ok {
		t.Error("lookup of an unserved port succeeded")
	}
	at := p.Address(a("10.0.0.100"))
	if len(at) != 2 || at[0].Name != "web" || at[1].Name != "dns" {
		t.Errorf("Address = %v", at)
	}
	if tn, ok := p.Tenant("tenant-c"); !ok || len(tn.VIPs) != 3 || tn.VIPRanges[1] != netip.MustParsePrefix("192.0.2.128/26") {
		t.Errorf("Tenant(tenant-c) = %+v, %v", tn, ok)
	}
	if _, ok := p.Tenant("nobody"); ok {
		t.Error("Tenant(nobody) found")
	}
}

func TestZeroPolicy(t *testing.T) {
	var p Policy
	if _, ok := p.VIP(1); ok {
		t.Error("zero policy has a VIP")
	}
	if _, ok := p.Lookup(netip.MustParseAddr("10.0.0.1"), TCP, 80); ok {
		t.Error("zero policy looked up a VIP")
	}
	if p.Len() != 0 || p.VIPs() != nil || p.Tenants() != nil || p.Digest() != "" {
		t.Error("zero policy is not empty")
	}
}

func TestLoadEmptyDirectory(t *testing.T) {
	p, err := Load(t.TempDir(), nil)
	if err != nil || p.Len() != 0 {
		t.Fatalf("Load(empty) = %v, %v", p, err)
	}
}

func TestReadDirProblems(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, make([]byte, MaxFileSize+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("missing.yaml", filepath.Join(dir, "dangling.yaml")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		dir  string
		want []string
	}{
		{
			name: "files that cannot be used",
			dir:  dir,
			want: []string{
				"big.yaml: file is larger than 1048576 bytes",
				"dangling.yaml: cannot read the file: no such file or directory",
			},
		},
		{
			name: "missing directory",
			dir:  filepath.Join(dir, "nope"),
			want: []string{"nope: cannot read the policy directory: no such file or directory"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, e := range Check(tt.dir) {
				got = append(got, strings.TrimPrefix(e.Error(), dir+"/"))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestErrorListFormat(t *testing.T) {
	el := ErrorList{
		{Pos: Pos{"b.yaml", 3, 1}, Reason: "x"},
		{Pos: Pos{"a.yaml", 10, 2}, Reason: "y"},
		{Pos: Pos{"a.yaml", 9, 0}, Reason: "z"},
		{Pos: Pos{"a.yaml", 0, 0}, Reason: "w"},
		{Pos: Pos{"a.yaml", 10, 2}, Reason: "y"},
	}.sort()
	want := "a.yaml: w\na.yaml:9: z\na.yaml:10:2: y\nb.yaml:3:1: x"
	if el.Error() != want {
		t.Errorf("got\n%s\nwant\n%s", el.Error(), want)
	}
	if ErrorList(nil).Err() != nil || el.Err() == nil || len(el.Unwrap()) != 4 {
		t.Error("Err/Unwrap")
	}
}

func TestDerivedIDs(t *testing.T) {
	tests := []struct {
		name string
		got  uint16
		want uint16
	}{
		// Pinned: changing the derivation would orphan every installed
		// flow entry on upgrade.
		{name: "vip", got: uint16(DeriveVIPID("tenant-a", "web")), want: 1092},
		{name: "backend", got: uint16(DeriveBackendID(netip.MustParseAddrPort("10.0.0.11:8080"))), want: 55864},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %d, want %d", tt.got, tt.want)
			}
		})
	}
	if DeriveVIPID("ab", "c") == DeriveVIPID("a", "bc") {
		t.Error("tenant/name boundary is not part of the VIP id")
	}
	if DeriveBackendID(netip.MustParseAddrPort("10.0.0.11:8080")) == DeriveBackendID(netip.MustParseAddrPort("10.0.0.11:8081")) {
		t.Error("port is not part of the backend id")
	}
}
