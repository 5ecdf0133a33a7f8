package policy

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// File is one policy file: its name (used in error positions) and its
// contents.
type File struct {
	Name string
	Data []byte
}

// Load reads every *.yaml and *.yml file of dir (not its subdirectories;
// names starting with '.' are skipped, symbolic links are followed) and
// returns the validated policy. On any problem it returns nil and an
// ErrorList holding every problem of every file.
func Load(dir string, opts *Options) (*Policy, error) {
	files, el := ReadDir(dir)
	if len(el) > 0 {
		return nil, el.sort()
	}
	return ParseFiles(files, opts)
}

// Check validates the policy directory dir as `oflb policy check` does and
// returns every problem, sorted; nil means the directory is valid. Print
// each with its Error method ("file:line:col: reason").
func Check(dir string) ErrorList {
	_, err := Load(dir, nil)
	if err == nil {
		return nil
	}
	return err.(ErrorList)
}

// ReadDir reads the policy files of dir, sorted by name. Files that cannot
// be read are reported, and the others still returned.
func ReadDir(dir string) ([]File, ErrorList) {
	var e errs
	entries, err := os.ReadDir(dir)
	if err != nil {
		e.add(Pos{File: dir}, "cannot read the policy directory: %v", unwrapPath(err))
		return nil, e.list
	}
	var files []File
	for _, de := range entries {
		name := de.Name()
		if !isPolicyFile(name) {
			continue
		}
		path := filepath.Join(dir, name)
		data, err := readFile(path)
		if err != nil {
			if err == errSkip {
				continue
			}
			e.add(Pos{File: path}, "%v", err)
			continue
		}
		files = append(files, File{Name: path, Data: data})
	}
	return files, e.list
}

var errSkip = fmt.Errorf("skip")

// readFile reads one policy file of at most MaxFileSize bytes; errSkip for
// a directory that happens to end in .yaml.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the file: %v", unwrapPath(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read the file: %v", unwrapPath(err))
	}
	if st.IsDir() {
		return nil, errSkip
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file")
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the file: %v", unwrapPath(err))
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("file is larger than %d bytes", MaxFileSize)
	}
	return data, nil
}

// unwrapPath drops the path from an *os.PathError: the position already
// names the file.
func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// ParseFiles parses and validates a set of policy files as one set (DESIGN
// decision 8): each file on its own, then the files against each other. It
// returns the policy, or nil and an ErrorList with every problem.
func ParseFiles(files []File, opts *Options) (*Policy, error) {
	var e errs
	files = slices.Clone(files)
	slices.SortStableFunc(files, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
	srcs := make([]*fileSrc, 0, len(files))
	for i, f := range files {
		if i > 0 && files[i-1].Name == f.Name {
			e.add(Pos{File: f.Name}, "file given twice")
			continue
		}
		srcs = append(srcs, parseFile(f.Name, f.Data, opts, &e))
	}
	validateSet(srcs, &e)
	if len(e.list) > 0 {
		return nil, e.list.sort()
	}
	return build(srcs, files), nil
}

// label names a VIP in messages: tenant/name, or its position's file when
// the tenant or name is invalid.
func (vs *vipSrc) label() string {
	switch {
	case vs.vip.Tenant != "" && vs.vip.Name != "":
		return vs.vip.FullName()
	case vs.vip.Name != "":
		return vs.vip.Name
	}
	return "VIP " + vs.vip.Key().String()
}

// validateSet checks the files against each other: tenant names, VIP
// addresses and ports, ids, and per-address settings. Each conflict is
// reported at the later definition (in file, then line order) and names
// the earlier one.
func validateSet(files []*fileSrc, e *errs) {
	tenants := make(map[string]*fileSrc)
	dupTenant := make(map[*fileSrc]bool)
	for _, f := range files {
		if f.tenant == nil {
			continue
		}
		if prev, dup := tenants[f.tenant.Name]; dup {
			e.add(f.tenantPos, "tenant %q is already defined at %s", f.tenant.Name, prev.tenantPos)
			dupTenant[f] = true
			continue
		}
		tenants[f.tenant.Name] = f
	}

	byKey := make(map[VIPKey]*vipSrc)
	byID := make(map[VIPID]*vipSrc)
	byAddr := make(map[netip.Addr]*vipSrc)
	byMAC := make(map[MAC]*vipSrc)
	type beRef struct {
		bs *backendSrc
		vs *vipSrc
	}
	beByAddr := make(map[netip.AddrPort]beRef)
	beByID := make(map[BackendID]beRef)
	for _, f := range files {
		names := make(map[string]bool)
		for _, vs := range f.vips {
			v := vs.vip
			dupName := v.Name != "" && names[v.Name]
			names[v.Name] = true
			if vs.keyOK {
				k := v.Key()
				if prev, dup := byKey[k]; dup {
					e.add(vs.addrPos, "%v is already claimed by %s at %s", k, prev.label(), prev.addrPos)
				} else {
					byKey[k] = vs
				}
				if first, ok := byAddr[v.Address]; !ok {
					byAddr[v.Address] = vs
				} else {
					fv := first.vip
					if v.NAT.ARP != fv.NAT.ARP {
						e.add(vs.addrPos, "nat.arp %v differs from %v of %s at %s: VIPs sharing an address must agree", v.NAT.ARP, fv.NAT.ARP, first.label(), first.addrPos)
					}
					if v.UnknownPort != fv.UnknownPort {
						e.add(vs.addrPos, "unknown_port %v differs from %v of %s at %s: VIPs sharing an address must agree", v.UnknownPort, fv.UnknownPort, first.label(), first.addrPos)
					}
					if v.MAC != fv.MAC {
						e.add(vs.addrPos, "mac %v differs from %v of %s at %s: VIPs sharing an address must agree", v.MAC, fv.MAC, first.label(), first.addrPos)
					}
				}
				if prev, ok := byMAC[v.MAC]; !ok {
					byMAC[v.MAC] = vs
				} else if prev.vip.Address != v.Address {
					at := vs.macPos
					if !v.MACSet {
						at = vs.addrPos
					}
					e.add(at, "mac %v is already used by VIP address %v (%s at %s)", v.MAC, prev.vip.Address, prev.label(), prev.addrPos)
				}
			}
			if v.ID != 0 && !dupName && !dupTenant[f] {
				if prev, dup := byID[v.ID]; dup {
					how := "rename one or set id on one of them"
					if vs.idSet {
						how = "choose another id"
					}
					e.add(vs.idPos, "VIP id %d of %s collides with %s at %s: %s", v.ID, vs.label(), prev.label(), prev.idPos, how)
				} else {
					byID[v.ID] = vs
				}
			}
			for _, bs := range vs.backends {
				if !bs.ok {
					continue
				}
				ap := bs.b.AddrPort()
				if first, seen := beByAddr[ap]; seen {
					if first.bs.b.ID != bs.b.ID {
						e.add(bs.idPos, "backend %v has id %d here but %d at %s: an address and port have one id in every VIP", ap, bs.b.ID, first.bs.b.ID, first.bs.idPos)
					}
					continue
				}
				beByAddr[ap] = beRef{bs, vs}
				if prev, dup := beByID[bs.b.ID]; dup {
					e.add(bs.idPos, "backend id %d of %v collides with %v at %s: set id on one of them", bs.b.ID, ap, prev.bs.b.AddrPort(), prev.bs.idPos)
					continue
				}
				beByID[bs.b.ID] = beRef{bs, vs}
			}
		}
	}
}

// build assembles the Policy from valid, checked files.
func build(files []*fileSrc, raw []File) *Policy {
	p := &Policy{
		byID:   make(map[VIPID]*VIP),
		byKey:  make(map[VIPKey]*VIP),
		byAddr: make(map[netip.Addr][]*VIP),
	}
	for _, f := range files {
		t := f.tenant
		for _, vs := range f.vips {
			v := vs.vip
			for _, bs := range vs.backends {
				v.Backends = append(v.Backends, bs.b)
			}
			slices.SortFunc(v.Backends, func(a, b Backend) int {
				return cmp.Or(a.Address.Compare(b.Address), cmp.Compare(a.Port, b.Port))
			})
			t.VIPs = append(t.VIPs, v)
			p.byID[v.ID] = v
			p.byKey[v.Key()] = v
			p.byAddr[v.Address] = append(p.byAddr[v.Address], v)
		}
		slices.SortFunc(t.VIPs, func(a, b *VIP) int { return strings.Compare(a.Name, b.Name) })
		p.tenants = append(p.tenants, t)
	}
	slices.SortFunc(p.tenants, func(a, b *Tenant) int { return strings.Compare(a.Name, b.Name) })
	for _, t := range p.tenants {
		p.vips = append(p.vips, t.VIPs...)
	}
	for _, vs := range p.byAddr {
		slices.SortFunc(vs, func(a, b *VIP) int {
			return cmp.Or(cmp.Compare(a.Protocol, b.Protocol), cmp.Compare(a.Port, b.Port))
		})
	}
	h := sha256.New()
	for _, f := range raw {
		name := filepath.Base(f.Name)
		fmt.Fprintf(h, "%d:%s%d:", len(name), name, len(f.Data))
		h.Write(f.Data)
	}
	p.digest = hex.EncodeToString(h.Sum(nil))
	return p
}
