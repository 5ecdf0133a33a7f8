package ovslab

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// resourceRE matches the names the harness gives to links and namespaces:
// a 1-8 character short name, "-ol" and four hex digits. Group 1 is the
// instance suffix.
var resourceRE = regexp.MustCompile(`^[a-z][a-z0-9]{0,7}-(ol[0-9a-f]{4})$`)

// suffixRE matches an instance suffix.
var suffixRE = regexp.MustCompile(`^ol[0-9a-f]{4}$`)

// Sweep removes what crashed test runs left behind: instance directories
// under DefaultBaseDir whose owner is gone (with any daemon still running
// from them), and network namespaces and links named like the harness's
// (NAME-olXXXX) whose instance is gone. An instance is alive while its
// directory's lock file is flock-ed, which the kernel releases when the
// owning test binary dies, so a sweep never touches another running test's
// resources, and never anything not named by this package. [Start] sweeps
// first unless told not to.
func Sweep() error { return sweep(DefaultBaseDir, nil) }

func sweep(base string, logf func(string, ...any)) error {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var errs []error

	dirs, err := filepath.Glob(filepath.Join(base, dirPrefix+"*"))
	if err != nil {
		return fmt.Errorf("ovslab: sweep: %w", err)
	}
	for _, dir := range dirs {
		if err := sweepDir(dir, logf); err != nil {
			errs = append(errs, err)
		}
	}

	// List first, then decide per suffix: a link seen in the list belongs
	// to an instance whose directory was in place before the list was
	// taken, so finding that directory gone or unlocked afterwards means
	// the instance is over.
	var netns []string
	if entries, err := os.ReadDir("/run/netns"); err == nil {
		for _, e := range entries {
			if resourceRE.MatchString(e.Name()) {
				netns = append(netns, e.Name())
			}
		}
	}
	links, err := listLinks(ctx)
	if err != nil {
		errs = append(errs, err)
	}
	alive := map[string]bool{}
	stale := func(name string) bool {
		m := resourceRE.FindStringSubmatch(name)
		if m == nil {
			return false
		}
		live, ok := alive[m[1]]
		if !ok {
			live = instanceAlive(base, m[1])
			alive[m[1]] = live
		}
		return !live
	}
	for _, name := range links {
		if stale(name) {
			logf("ovslab: sweep: deleting stale link %s", name)
			if err := deleteLink(ctx, name); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for _, name := range netns {
		if stale(name) {
			logf("ovslab: sweep: deleting stale namespace %s", name)
			if _, err := runTool(ctx, nil, nil, "ip", "netns", "del", name); err != nil {
				if _, serr := os.Stat(filepath.Join("/run/netns", name)); serr == nil {
					errs = append(errs, err)
				}
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("ovslab: sweep: %w", err)
	}
	return nil
}

// instanceAlive reports whether the instance with that suffix holds the
// lock of its directory.
func instanceAlive(base, suffix string) bool {
	f, err := os.Open(filepath.Join(base, dirPrefix+suffix, "lock"))
	if err != nil {
		return false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return true
	}
	return false // closing f releases the lock we just took
}

// sweepDir removes one instance directory if its owner is gone: its lock
// file is not locked (or, for a directory still under its temporary name,
// it is over a minute old and unlocked).
func sweepDir(dir string, logf func(string, ...any)) error {
	name := strings.TrimPrefix(filepath.Base(dir), dirPrefix)
	tmp := strings.HasPrefix(name, "tmp-")
	if !tmp && !suffixRE.MatchString(name) {
		return nil
	}
	fi, err := os.Lstat(dir)
	if err != nil || !fi.IsDir() {
		return nil
	}
	if tmp && time.Since(fi.ModTime()) < time.Minute {
		return nil // may be an instance being created right now
	}
	lock, err := os.Open(filepath.Join(dir, "lock"))
	if err == nil {
		defer lock.Close()
		if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			return nil // alive
		}
	} else if time.Since(fi.ModTime()) < time.Minute {
		return nil
	}
	logf("ovslab: sweep: removing stale instance directory %s", dir)
	killStaleDaemons(dir)
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove %s: %w", dir, err)
	}
	return nil
}

// killStaleDaemons kills the daemons named by the pid files in dir, if
// they still run and their command line names dir (a pid may have been
// reused by an unrelated process).
func killStaleDaemons(dir string) {
	pidfiles, _ := filepath.Glob(filepath.Join(dir, "*.pid"))
	for _, pf := range pidfiles {
		b, err := os.ReadFile(pf)
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 1 {
			continue
		}
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil || !bytes.Contains(cmdline, []byte(dir+"/")) {
			continue
		}
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// listLinks returns the names of the links in the test binary's namespace.
func listLinks(ctx context.Context) ([]string, error) {
	out, err := runTool(ctx, nil, nil, "ip", "-j", "link", "show")
	if err != nil {
		return nil, err
	}
	var links []struct {
		Name string `json:"ifname"`
	}
	if err := json.Unmarshal([]byte(out), &links); err != nil {
		return nil, fmt.Errorf("ovslab: parse ip -j link: %w", err)
	}
	names := make([]string, 0, len(links))
	for _, l := range links {
		names = append(names, l.Name)
	}
	return names, nil
}

// deleteLink deletes a link; one already gone is not an error.
func deleteLink(ctx context.Context, name string) error {
	if _, err := runTool(ctx, nil, nil, "ip", "link", "del", name); err != nil && linkExists(name) {
		return err
	}
	return nil
}

// deleteLinks deletes every link whose name match accepts.
func deleteLinks(ctx context.Context, match func(string) bool) error {
	names, err := listLinks(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, name := range names {
		if match(name) {
			errs = append(errs, deleteLink(ctx, name))
		}
	}
	return errors.Join(errs...)
}
