package policy

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

const tenantA = `tenant: a
vip_ranges: [10.0.0.0/24]
vips:
  - name: web
    address: 10.0.0.1
    port: 80
    backends:
      - {name: w1, address: 10.0.1.1, weight: 1}
      - {name: w2, address: 10.0.1.2, weight: 1}
`

func writeFile(t *testing.T, dir, name, data string) {
	t.Helper()
	// Write and rename, as editors and deploy tools do, so that a reader
	// never sees half a file.
	tmp := filepath.Join(dir, "."+name+".tmp")
	if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

// recv waits for one value with a deadline.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v, ok := <-ch:
		if !ok {
			t.Fatalf("%s: channel closed", what)
		}
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: nothing within 10s", what)
	}
	panic("unreachable")
}

func TestStoreReloadKeepsOldPolicyOnError(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.yaml", tenantA)
	st := NewStore(dir, nil)
	if st.Policy() == nil || st.Policy().Len() != 0 {
		t.Fatal("a new store does not hold the empty policy")
	}
	u, err := st.Reload()
	if err != nil {
		t.Fatal(err)
	}
	good := st.Policy()
	if u.New != good || len(u.Diff.Added) != 1 || u.Diff.TenantsAdded[0] != "a" {
		t.Fatalf("first reload: %+v", u)
	}

	// A bad file next to the good one: the whole change is refused,
	// every problem listed, and the good policy stays.
	writeFile(t, dir, "b.yaml", "tenant: b\nvip_ranges: [10.0.0.0/24]\nvips:\n  - {name: web, address: 10.0.0.1, port: 80}\n  - {name: dns, address: 10.0.0.2, port: 99999}\n")
	writeFile(t, dir, "a.yaml", strings.Replace(tenantA, "weight: 1}", "weight: 5}", 1))
	_, err = st.Reload()
	var el ErrorList
	if !errors.As(err, &el) || len(el) != 2 {
		t.Fatalf("reload error = %v, want two problems", err)
	}
	want := []string{
		"b.yaml:4:26: tcp 10.0.0.1:80 is already claimed by a/web at a.yaml:5:14",
		"b.yaml:5:42: port: 99999 is out of range 0..65535",
	}
	for i, e := range el {
		if got := strings.ReplaceAll(e.Error(), dir+"/", ""); got != want[i] {
			t.Errorf("problem %d = %q, want %q", i, got, want[i])
		}
	}
	if st.Policy() != good {
		t.Fatal("a refused reload replaced the policy")
	}

	// Fixing the bad file lets the pending change of a.yaml through too.
	if err := os.Remove(filepath.Join(dir, "b.yaml")); err != nil {
		t.Fatal(err)
	}
	u, err = st.Reload()
	if err != nil {
		t.Fatal(err)
	}
	if u.Old != good || st.Policy() == good || len(u.Diff.Changed) != 1 || len(u.Diff.Changed[0].BackendsChanged) != 1 {
		t.Fatalf("reload after the fix: %+v", u.Diff)
	}

	// Reloading unchanged files keeps the same *Policy.
	cur := st.Policy()
	u, err = st.Reload()
	if err != nil || st.Policy() != cur || !u.Diff.Empty() {
		t.Fatalf("no-op reload: %+v, %v", u, err)
	}
}

func TestStoreSubscribers(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.yaml", tenantA)
	st := NewStore(dir, nil)
	if _, err := st.Reload(); err != nil {
		t.Fatal(err)
	}
	ch, cancel := st.Subscribe()
	defer cancel()

	// The first update brings the current policy.
	u := recv(t, ch, "initial update")
	if u.Old.Len() != 0 || u.New != st.Policy() || len(u.Diff.Added) != 1 {
		t.Fatalf("initial update %+v", u)
	}
	first := u.New

	// Two reloads before the subscriber reads: one merged update from
	// what it saw to what is in force; nothing blocks meanwhile.
	writeFile(t, dir, "a.yaml", strings.Replace(tenantA, "weight: 1}", "weight: 3}", 1))
	if _, err := st.Reload(); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "b.yaml", "tenant: b\nvip_ranges: [10.0.2.0/24]\nvips: [{name: api, address: 10.0.2.1, port: 443, backends: [{address: 10.0.3.1}]}]\n")
	if _, err := st.Reload(); err != nil {
		t.Fatal(err)
	}
	u = recv(t, ch, "merged update")
	if u.Old != first || u.New != st.Policy() {
		t.Fatalf("merged update does not span both reloads")
	}
	if len(u.Diff.Added) != 1 || u.Diff.Added[0].FullName() != "b/api" || len(u.Diff.Changed) != 1 || !u.Diff.Changed[0].BackendsChanged[0].WeightChanged() {
		t.Fatalf("merged diff %s", u.Diff)
	}
	select {
	case u := <-ch:
		t.Fatalf("extra update %s", u.Diff)
	default:
	}

	// A change and its undo before the subscriber reads cancel out.
	writeFile(t, dir, "c.yaml", "tenant: c\nvip_ranges: [10.0.4.0/24]\n")
	if _, err := st.Reload(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "c.yaml")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Reload(); err != nil {
		t.Fatal(err)
	}
	select {
	case u := <-ch:
		t.Fatalf("update for a change that was undone: %s", u.Diff)
	default:
	}

	cancel()
	cancel() // idempotent
	if _, ok := <-ch; ok {
		t.Fatal("channel open after cancel")
	}
	if _, err := st.Reload(); err != nil { // no send on a closed channel
		t.Fatal(err)
	}
}

func TestWatcher(t *testing.T) {
	defer goleak.VerifyNone(t)
	dir := t.TempDir()
	writeFile(t, dir, "a.yaml", tenantA)
	st := NewStore(dir, nil)
	if _, err := st.Reload(); err != nil {
		t.Fatal(err)
	}
	updates, cancelSub := st.Subscribe()
	defer cancelSub()
	recv(t, updates, "initial update")

	type result struct {
		u   Update
		err error
	}
	results := make(chan result, 16)
	w := NewWatcher(st, &WatcherOptions{
		Debounce:     5 * time.Millisecond,
		PollInterval: -1, // events only: this test proves they work
		OnReload:     func(u Update, err error) { results <- result{u, err} },
		Logger:       slog.New(slog.DiscardHandler),
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	waitClosed(t, w.ready, "watcher ready")

	// A saved change reaches subscribers.
	writeFile(t, dir, "a.yaml", strings.Replace(tenantA, "{name: w2, address: 10.0.1.2, weight: 1}", "{name: w2, address: 10.0.1.2, weight: 0}", 1))
	u := recv(t, updates, "update after a change")
	if len(u.Diff.Changed) != 1 || !u.Diff.Changed[0].BackendsChanged[0].Drained() {
		t.Fatalf("diff %s", u.Diff)
	}
	for r := recv(t, results, "reload result"); r.u.New != u.New; r = recv(t, results, "reload result") {
	}

	// A bad file is refused and reported; the policy stays.
	good := st.Policy()
	writeFile(t, dir, "b.yaml", "tenant: b\nvip_ranges: [10.0.2.0/24]\nvipz: []\n")
	r := recv(t, results, "refused reload")
	for r.err == nil { // events for the first write may come in two batches
		r = recv(t, results, "refused reload")
	}
	if !strings.Contains(r.err.Error(), `b.yaml:3:1: policy: unknown key "vipz" (did you mean "vips"?)`) || st.Policy() != good {
		t.Fatalf("bad file: err %v, policy replaced %v", r.err, st.Policy() != good)
	}

	// Removing it goes back to a valid set equal to the running one:
	// a reload, but no update for subscribers.
	if err := os.Remove(filepath.Join(dir, "b.yaml")); err != nil {
		t.Fatal(err)
	}
	for r = recv(t, results, "reload after removal"); r.err != nil; r = recv(t, results, "reload after removal") {
	}
	if !r.u.Diff.Empty() || st.Policy() != good {
		t.Fatalf("removal: %s", r.u.Diff)
	}

	// On demand.
	w.Trigger()
	if r := recv(t, results, "triggered reload"); r.err != nil {
		t.Fatal(r.err)
	}
	select {
	case u := <-updates:
		t.Fatalf("unexpected update %s", u.Diff)
	default:
	}

	cancel()
	if err := recv(t, done, "Run's return"); err != nil {
		t.Fatal(err)
	}
}

func TestWatcherPollsWhenItCannotWatch(t *testing.T) {
	defer goleak.VerifyNone(t)
	parent := t.TempDir()
	dir := filepath.Join(parent, "policy") // does not exist yet
	st := NewStore(dir, nil)
	results := make(chan error, 16)
	w := NewWatcher(st, &WatcherOptions{
		PollInterval: 10 * time.Millisecond,
		OnReload:     func(_ Update, err error) { results <- err },
		Logger:       slog.New(slog.DiscardHandler),
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	waitClosed(t, w.ready, "watcher ready")

	// The directory appears with a policy: the poll finds it.
	tmp := filepath.Join(parent, "tmp")
	if err := os.Mkdir(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, tmp, "a.yaml", tenantA)
	if err := os.Rename(tmp, dir); err != nil {
		t.Fatal(err)
	}
	for err := recv(t, results, "reload"); st.Policy().Len() == 0; err = recv(t, results, "reload") {
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := st.Policy().Lookup(netipAddr("10.0.0.1"), TCP, 80); !ok {
		t.Fatal("polled policy lacks a/web")
	}
	cancel()
	if err := recv(t, done, "Run's return"); err != nil {
		t.Fatal(err)
	}
}

func netipAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

// waitClosed waits for ch to be closed, with a deadline.
func waitClosed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: not within 10s", what)
	}
}
