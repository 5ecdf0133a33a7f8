package policy

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the policy parser as one file: it must
// never panic, and a file that parses must encode to a file that parses to
// the same VIPs and encodes to the same bytes. The seeds in
// testdata/fuzz/FuzzParse hold valid files, each kind of error and hostile
// YAML (alias fan-out, deep nesting, odd scalars).
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"examples", "testdata/valid"} {
		names, _ := filepath.Glob(filepath.Join(dir, "*.y*ml"))
		for _, n := range names {
			data, err := os.ReadFile(n)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseFiles([]File{{Name: "fuzz.yaml", Data: data}}, nil)
		if err != nil {
			if _, ok := err.(ErrorList); !ok || len(err.(ErrorList)) == 0 {
				t.Fatalf("error is not a non-empty ErrorList: %#v", err)
			}
			return
		}
		if len(p.Tenants()) != 1 {
			t.Fatalf("%d tenants from one file", len(p.Tenants()))
		}
		tn := p.Tenants()[0]
		enc := Encode(tn)
		p2, err := ParseFiles([]File{{Name: "fuzz.yaml", Data: enc}}, nil)
		if err != nil {
			t.Fatalf("encoded policy does not parse: %v\n%s", err, enc)
		}
		v1, v2 := p.VIPs(), p2.VIPs()
		if len(v1) != len(v2) {
			t.Fatalf("%d VIPs, %d after a round trip\n%s", len(v1), len(v2), enc)
		}
		for i := range v1 {
			if !vipEqual(v1[i], v2[i]) {
				t.Fatalf("VIP %d changed in a round trip:\n%+v\n%+v\n%s", i, *v1[i], *v2[i], enc)
			}
		}
		if d := Compare(p, p2); !d.Empty() {
			t.Fatalf("round trip diff %s", d)
		}
		if enc2 := Encode(p2.Tenants()[0]); !bytes.Equal(enc, enc2) {
			t.Fatalf("re-encoding differs:\n%s\n%s", enc, enc2)
		}
	})
}

func TestEncodeExample(t *testing.T) {
	p, err := Load("examples", nil)
	if err != nil {
		t.Fatal(err)
	}
	tb, _ := p.Tenant("tenant-b")
	want := `tenant: tenant-b
vip_ranges: [10.0.0.112/28]
vips:
  - name: api
    address: 10.0.0.120
    port: 443
    protocol: tcp
    mode: reactive
    scheduler: least_connections
    idle_timeout: 1m0s
    hard_timeout: 1h0m0s
    nat:
      translate_address: true
      translate_port: true
      arp: answer
    mac: 02:00:00:00:01:20
    unknown_port: reset
    stats:
      policy: per_vip
      interval: 10s
    connection_limit: 0
    backends:
      - {name: api-1, address: 10.0.0.21, port: 8443, weight: 1}
      - {name: api-2, address: 10.0.0.22, port: 8443, weight: 1}
`
	if got := string(Encode(tb)); got != want {
		t.Errorf("Encode:\n%s\nwant\n%s", got, want)
	}
}
