package policy

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Why fsnotify and polling both: inotify (through fsnotify) sees a saved
// file at once and costs nothing while idle, so it is the main trigger.
// It also misses things: network and some overlay filesystems send no
// events, a watch dies with its directory (rm -r and recreate, a volume
// remount), the kernel's watch limit can be reached, and Kubernetes
// replaces ConfigMap files by swapping a symbolic link. A slow poll of
// the files' names, sizes and modification times covers all of these, at
// the cost of one stat per file per PollInterval. Events are debounced
// because editors and deploy tools write a file in several steps.

// WatcherOptions tune a Watcher. A nil *WatcherOptions or any zero field
// means the default given in the field's comment.
type WatcherOptions struct {
	// Debounce is how long the directory must stay quiet after a file
	// event before the reload (100ms).
	Debounce time.Duration
	// PollInterval is how often the files are checked for changes that
	// sent no event (30s); negative turns polling off.
	PollInterval time.Duration
	// Logger receives a line per reload and per refused change
	// (slog.Default()).
	Logger *slog.Logger
	// OnReload, if set, is called after each reload the watcher makes,
	// from the watcher's goroutine, with the store's result: an Update
	// (possibly with an empty Diff) or the ErrorList that kept the old
	// policy.
	OnReload func(Update, error)
}

// Watcher reloads a Store when its directory changes and on demand.
type Watcher struct {
	st      *Store
	opts    WatcherOptions
	trigger chan struct{}
	ready   chan struct{} // closed once Run watches (for tests)
	once    sync.Once     // closes ready
}

// NewWatcher returns a watcher of st's directory; Run starts it. opts may
// be nil.
func NewWatcher(st *Store, opts *WatcherOptions) *Watcher {
	w := &Watcher{st: st, trigger: make(chan struct{}, 1), ready: make(chan struct{})}
	if opts != nil {
		w.opts = *opts
	}
	if w.opts.Debounce <= 0 {
		w.opts.Debounce = 100 * time.Millisecond
	}
	if w.opts.PollInterval == 0 {
		w.opts.PollInterval = 30 * time.Second
	}
	if w.opts.Logger == nil {
		w.opts.Logger = slog.Default()
	}
	return w
}

// Trigger asks for a reload now (e.g. on SIGHUP or an API call), without
// waiting for it. Triggers made while one is pending are merged. Callers
// that need the result call Store.Reload themselves.
func (w *Watcher) Trigger() {
	select {
	case w.trigger <- struct{}{}:
	default:
	}
}

// Run watches until ctx is done, then releases everything it holds and
// returns nil. It does not load the policy first: callers Reload the store
// before, to decide what an invalid policy at start-up means.
func (w *Watcher) Run(ctx context.Context) error {
	dir := w.st.Dir()
	log := w.opts.Logger.With("dir", dir)

	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		log.Warn("policy: cannot watch for file events; polling only", "err", err)
	} else {
		defer fsw.Close()
	}
	watching := false
	watch := func() {
		if fsw == nil || watching {
			return
		}
		if err := fsw.Add(dir); err != nil {
			log.Warn("policy: cannot watch the directory; polling only until it can", "err", err)
			return
		}
		watching = true
	}
	watch()
	var events <-chan fsnotify.Event
	var fsErrs <-chan error
	if fsw != nil {
		events, fsErrs = fsw.Events, fsw.Errors
	}

	var poll <-chan time.Time
	if w.opts.PollInterval > 0 {
		t := time.NewTicker(w.opts.PollInterval)
		defer t.Stop()
		poll = t.C
	}
	debounce := time.NewTimer(time.Hour)
	debounce.Stop()
	defer debounce.Stop()

	last := fingerprint(dir)
	w.once.Do(func() { close(w.ready) })
	reload := func(why string) {
		last = fingerprint(dir)
		u, err := w.st.Reload()
		switch {
		case err != nil:
			log.Error("policy: change refused, the running policy stays", "trigger", why, "err", err)
		case !u.Diff.Empty():
			log.Info("policy: reloaded", "trigger", why, "digest", u.New.Digest(), "change", u.Diff.String())
		default:
			log.Debug("policy: reloaded, nothing changed", "trigger", why)
		}
		if w.opts.OnReload != nil {
			w.opts.OnReload(u, err)
		}
	}

	for {
		select {
		case <-ctx.Done():
			return nil
		case <-w.trigger:
			debounce.Stop()
			reload("request")
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if filepath.Clean(ev.Name) == filepath.Clean(dir) && ev.Has(fsnotify.Remove|fsnotify.Rename) {
				watching = false // the watch died with the directory
			}
			if relevant(ev.Name) {
				debounce.Reset(w.opts.Debounce)
			}
		case err, ok := <-fsErrs:
			if !ok {
				fsErrs = nil
				continue
			}
			log.Warn("policy: file watch error; relying on polling", "err", err)
		case <-debounce.C:
			reload("file event")
		case <-poll:
			watch()
			if fp := fingerprint(dir); !slices.Equal(fp, last) {
				reload("poll")
			}
		}
	}
}

// relevant reports whether an event on name may change the policy: a
// policy file, or one of the "..data" links and directories of a
// Kubernetes volume.
func relevant(name string) bool {
	base := filepath.Base(name)
	return strings.HasPrefix(base, "..") || isPolicyFile(base)
}

// isPolicyFile reports whether a directory entry's name is read as policy.
func isPolicyFile(name string) bool {
	return !strings.HasPrefix(name, ".") && (strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml"))
}

// fingerprint describes the policy files of dir by name, size and
// modification time (symbolic links followed); nil if dir is unreadable.
func fingerprint(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var fp []string
	for _, de := range entries {
		if !isPolicyFile(de.Name()) {
			continue
		}
		st, err := os.Stat(filepath.Join(dir, de.Name()))
		if err != nil {
			fp = append(fp, de.Name()+" ?")
			continue
		}
		fp = append(fp, de.Name()+" "+st.ModTime().UTC().Format(time.RFC3339Nano)+" "+itoa(int(st.Size())))
	}
	return fp
}
