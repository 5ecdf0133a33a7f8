package policy

import (
	"slices"
	"strings"
	"testing"
)

// mustParse parses in-memory files named a.yaml, b.yaml... in order.
func mustParse(t *testing.T, files ...string) *Policy {
	t.Helper()
	var fs []File
	for i, f := range files {
		fs = append(fs, File{Name: string(rune('a'+i)) + ".yaml", Data: []byte(f)})
	}
	p, err := ParseFiles(fs, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func names(vs []*VIP) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.FullName())
	}
	return out
}

func backends(bs []Backend) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.AddrPort().String())
	}
	return out
}

func TestCompare(t *testing.T) {
	const base = "tenant: a\nvip_ranges: [10.0.0.0/24]\nvips:\n"
	const web = "  - {name: web, address: 10.0.0.1, port: 80, backends: [{address: 10.0.1.1}, {address: 10.0.1.2, weight: 2}]}\n"
	const api = "  - {name: api, address: 10.0.0.2, port: 443}\n"
	tests := []struct {
		name     string
		old, new []string
		want     string   // Diff.String()
		added    []string // VIP names
		removed  []string
		fields   []string // of the one changed VIP
		beAdded  []string
		beGone   []string
		beWeight []string // backends whose weight changed
		tAdded   []string
		tRemoved []string
	}{
		{
			name: "nothing",
			old:  []string{base + web},
			new:  []string{"# a comment\n" + base + "\n" + web},
			want: "+0 -0 ~0 VIPs",
		},
		{
			name:   "from empty",
			new:    []string{base + web + api},
			want:   "+2 -0 ~0 VIPs",
			added:  []string{"a/api", "a/web"},
			tAdded: []string{"a"},
		},
		{
			name:    "VIP added and removed",
			old:     []string{base + web},
			new:     []string{base + api},
			want:    "+1 -1 ~0 VIPs",
			added:   []string{"a/api"},
			removed: []string{"a/web"},
		},
		{
			name:   "settings changed",
			old:    []string{base + api},
			new:    []string{base + strings.Replace(api, "port: 443", "port: 8443, scheduler: consistent_hash, nat: {arp: noarp}", 1)},
			want:   "+0 -0 ~1 VIPs (a/api: port, scheduler, nat.arp)",
			fields: []string{"port", "scheduler", "nat.arp"},
		},
		{
			name:     "backends added, removed and reweighted",
			old:      []string{base + web},
			new:      []string{base + strings.Replace(web, "{address: 10.0.1.1}, {address: 10.0.1.2, weight: 2}", "{address: 10.0.1.2, weight: 0}, {address: 10.0.1.3}", 1)},
			want:     "+0 -0 ~1 VIPs (a/web: backends added, backends removed, weights)",
			beAdded:  []string{"10.0.1.3:80"},
			beGone:   []string{"10.0.1.1:80"},
			beWeight: []string{"10.0.1.2:80"},
		},
		{
			name:    "backend port change is a new backend",
			old:     []string{base + web},
			new:     []string{base + strings.Replace(web, "{address: 10.0.1.1}", "{address: 10.0.1.1, port: 81}", 1)},
			want:    "+0 -0 ~1 VIPs (a/web: backends added, backends removed)",
			beAdded: []string{"10.0.1.1:81"},
			beGone:  []string{"10.0.1.1:80"},
		},
		{
			name: "VIP moved to another file of the same tenant is no change",
			old:  []string{base + web + api},
			new:  []string{base + api + web},
			want: "+0 -0 ~0 VIPs",
		},
		{
			name:     "tenant renamed: new ids, so removed and added",
			old:      []string{base + web},
			new:      []string{strings.Replace(base, "tenant: a", "tenant: b", 1) + web},
			want:     "+1 -1 ~0 VIPs",
			added:    []string{"b/web"},
			removed:  []string{"a/web"},
			tAdded:   []string{"b"},
			tRemoved: []string{"a"},
		},
		{
			name:   "explicit id keeps a renamed VIP",
			old:    []string{base + strings.Replace(web, "name: web,", "name: web, id: 9,", 1)},
			new:    []string{base + strings.Replace(web, "name: web,", "name: www, id: 9,", 1)},
			want:   "+0 -0 ~1 VIPs (a/www: name)",
			fields: []string{"name"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var old *Policy
			if tt.old != nil {
				old = mustParse(t, tt.old...)
			}
			d := Compare(old, mustParse(t, tt.new...))
			if got := d.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			if tt.want == "+0 -0 ~0 VIPs" && len(tt.tAdded)+len(tt.tRemoved) == 0 && !d.Empty() {
				t.Error("not Empty")
			}
			check := func(what string, got, want []string) {
				t.Helper()
				if !slices.Equal(got, want) {
					t.Errorf("%s = %q, want %q", what, got, want)
				}
			}
			check("added", names(d.Added), tt.added)
			check("removed", names(d.Removed), tt.removed)
			check("tenants added", d.TenantsAdded, tt.tAdded)
			check("tenants removed", d.TenantsRemoved, tt.tRemoved)
			var fields, beAdded, beGone, beWeight []string
			for _, c := range d.Changed {
				fields = append(fields, c.Fields...)
				beAdded = append(beAdded, backends(c.BackendsAdded)...)
				beGone = append(beGone, backends(c.BackendsRemoved)...)
				for _, bc := range c.BackendsChanged {
					if bc.WeightChanged() {
						beWeight = append(beWeight, bc.New.AddrPort().String())
					}
				}
			}
			check("fields", fields, tt.fields)
			check("backends added", beAdded, tt.beAdded)
			check("backends removed", beGone, tt.beGone)
			check("weights changed", beWeight, tt.beWeight)
		})
	}
}
