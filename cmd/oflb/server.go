package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/time/rate"

	"github.com/oflb/oflb/controller"
	"github.com/oflb/oflb/lb"
	"github.com/oflb/oflb/policy"
)

// server is one running oflb instance: the policy store, the load
// balancer, the controller and the metrics registry, wired together. The
// REST API (api.go) reads and drives it.
type server struct {
	cfg     policy.Config
	log     *slog.Logger
	started time.Time
	now     func() time.Time

	store   *policy.Store
	watcher *policy.Watcher
	app     *lb.App
	ctrl    *controller.Controller
	reg     *prometheus.Registry
	reloads *prometheus.CounterVec

	applyMu sync.Mutex // serialises apply (held during reconciliation)

	mu      sync.Mutex      // guards the fields below; never held for long
	ctx     context.Context // of run, for reconciliations after reloads
	applied *policy.Policy
	last    reloadStatus
	// refresh limits POST /api/v1/stats/refresh: each one polls every
	// switch, so callers must not be able to turn it into a flood.
	refresh *rate.Limiter
}

// Rate limit of POST /api/v1/stats/refresh: one per refreshEvery, with
// bursts of refreshBurst.
const (
	refreshEvery = time.Second
	refreshBurst = 2
)

// reloadStatus is the outcome of the last reload attempt.
type reloadStatus struct {
	Time   time.Time
	OK     bool
	Digest string // of the policy in force after the attempt
	Errors []policyError
}

// policyError is one problem of a refused policy, as the API reports it.
type policyError struct {
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"col,omitempty"`
	Reason string `json:"reason"`
}

// String formats the problem as file:line:col: reason.
func (e policyError) String() string {
	if e.File == "" {
		return e.Reason
	}
	return policy.Error{Pos: policy.Pos{File: e.File, Line: e.Line, Column: e.Column}, Reason: e.Reason}.Error()
}

// policyErrors turns a reload or apply error into its list of problems.
func policyErrors(err error) []policyError {
	var el policy.ErrorList
	if errors.As(err, &el) {
		out := make([]policyError, len(el))
		for i, e := range el {
			out[i] = policyError{File: e.Pos.File, Line: e.Pos.Line, Column: e.Pos.Column, Reason: e.Reason}
		}
		return out
	}
	return []policyError{{Reason: err.Error()}}
}

// newServer builds an instance from a validated configuration. Nothing
// runs until start and run are called.
func newServer(cfg policy.Config, log *slog.Logger) *server {
	cfg = cfg.WithDefaults()
	s := &server{cfg: cfg, log: log, now: time.Now, ctx: context.Background(),
		refresh: rate.NewLimiter(rate.Every(refreshEvery), refreshBurst)}
	s.started = s.now()
	s.reg = prometheus.NewRegistry()
	s.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "oflb_policy_reloads_total",
		Help: "Policy reload attempts, by result: ok (in force) or rejected (the running policy stayed).",
	}, []string{"result"})
	s.reloads.WithLabelValues("ok")
	s.reloads.WithLabelValues("rejected")
	s.reg.MustRegister(s.reloads)

	s.app = lb.New(lb.Options{Owner: cfg.InstanceID + 1, Logger: log.With("component", "lb")})
	s.reg.MustRegister(newLBCollector(s.app), newBuildCollector(s), newStatsCollector(s))
	cookie, mask := s.app.OwnerCookie()
	s.ctrl = controller.New(&controller.Config{
		EchoInterval:    cfg.EchoInterval,
		EchoTimeout:     cfg.EchoTimeout,
		ControllerID:    uint16(cfg.InstanceID),
		OwnerCookie:     cookie,
		OwnerCookieMask: mask,
		FlowModRate:     cfg.FlowModRate,
		FlowModBurst:    cfg.FlowModBurst,
		Logger:          log.With("component", "controller"),
		Registerer:      s.reg,
	}, s.app)
	s.store = policy.NewStore(cfg.PolicyDir, cfg.PolicyOptions())
	s.watcher = policy.NewWatcher(s.store, &policy.WatcherOptions{
		Logger:   log.With("component", "policy"),
		OnReload: func(u policy.Update, err error) { s.reloaded(u, err) },
	})
	return s
}

// forwarding maps the configured forwarding mode onto the load balancer's.
func (s *server) forwarding() lb.Forwarding {
	if s.cfg.Forwarding == policy.ForwardLearning {
		return lb.ForwardLearning
	}
	return lb.ForwardNormal
}

// replyCatch maps the configured reply-catch mode onto the load balancer's.
func (s *server) replyCatch() lb.ReplyCatch {
	switch s.cfg.ReplyCatch {
	case policy.ReplyCatchOn:
		return lb.ReplyCatchOn
	case policy.ReplyCatchOff:
		return lb.ReplyCatchOff
	}
	return lb.ReplyCatchAuto
}

// start loads the policy for the first time. An invalid policy is an
// error (a policy.ErrorList when the files are at fault): the instance
// must not run without one.
func (s *server) start() error {
	u, err := s.store.Reload()
	if err == nil {
		err = s.apply(u.New)
	}
	s.record(err)
	return err
}

// apply makes p the load balancer's configuration and reconciles every
// connected switch. A policy already in force is not applied again. On
// error the running configuration stays.
func (s *server) apply(p *policy.Policy) error {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	s.mu.Lock()
	prev, ctx := s.applied, s.ctx
	s.mu.Unlock()
	if prev != nil && prev.Digest() == p.Digest() {
		return nil
	}
	cfg, err := lb.FromPolicy(p, s.forwarding())
	if err == nil {
		cfg.ReplyCatch = s.replyCatch()
		cfg.MaxFlowsPerSwitch = s.cfg.MaxFlowsPerSwitch
		err = s.app.SetConfig(cfg)
	}
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.applied = p
	s.mu.Unlock()
	if prev != nil { // the first policy reaches switches as they connect
		s.reconcileAll(ctx)
	}
	return nil
}

// reconcileAll brings every connected switch in line with the load
// balancer's configuration, in parallel; failures are logged (the switch
// is reconciled again when it reconnects).
func (s *server) reconcileAll(ctx context.Context) {
	var wg sync.WaitGroup
	for _, sw := range s.ctrl.Switches() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := s.ctrl.Reconcile(ctx, sw)
			if err != nil {
				s.log.Error("reconcile after policy change failed", "dpid", dpidString(sw.DPID()), "err", err)
				return
			}
			s.log.Info("reconciled after policy change", "dpid", dpidString(sw.DPID()),
				"added", res.Added, "replaced", res.Replaced, "deleted", res.Deleted, "kept", res.Kept)
		}()
	}
	wg.Wait()
}

// reloaded handles the outcome of a store reload (by the watcher, SIGHUP
// or the API): applies the new policy, counts and logs the result, and
// returns the error that kept the running policy, if any.
func (s *server) reloaded(u policy.Update, err error) error {
	if err == nil {
		err = s.apply(u.New)
	}
	s.record(err)
	if err != nil {
		for _, e := range policyErrors(err) {
			s.log.Error("policy change refused, the running policy stays", "problem", e.String())
		}
		return err
	}
	if !u.Diff.Empty() {
		s.log.Info("policy in force", "digest", u.New.Digest(), "vips", u.New.Len(), "change", u.Diff.String())
	}
	return nil
}

// reload reloads the policy directory now and returns the outcome.
func (s *server) reload() (policy.Update, error) {
	u, err := s.store.Reload()
	return u, s.reloaded(u, err)
}

// record counts a reload attempt and remembers it for the status.
func (s *server) record(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := reloadStatus{Time: s.now(), OK: err == nil}
	if s.applied != nil {
		st.Digest = s.applied.Digest()
	}
	if err != nil {
		st.Errors = policyErrors(err)
		s.reloads.WithLabelValues("rejected").Inc()
	} else {
		s.reloads.WithLabelValues("ok").Inc()
	}
	s.last = st
}

// policyState returns the policy in force and the last reload's outcome.
func (s *server) policyState() (*policy.Policy, reloadStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.applied
	if p == nil {
		p = &policy.Policy{}
	}
	return p, s.last
}

// run serves switches on the listeners and runs the load balancer, its
// statistics poller, the policy watcher and the application of policy
// updates until ctx ends,
// then stops them all and waits for them. Switches keep their entries.
// reload, when not nil, receives SIGHUP-style reload requests.
func (s *server) run(ctx context.Context, listeners []net.Listener, reload <-chan struct{}) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	s.mu.Lock()
	s.ctx = ctx
	s.mu.Unlock()
	updates, unsubscribe := s.store.Subscribe()
	defer unsubscribe()
	defer cancel()
	wg.Add(5)
	go func() {
		defer wg.Done()
		for u := range updates {
			// Reloads made through the watcher or the API were applied
			// already; this catches any other change of the store.
			if err := s.apply(u.New); err != nil {
				s.log.Error("policy update not applied, the running policy stays", "err", err)
			}
		}
	}()
	go func() {
		defer wg.Done()
		s.app.Run(ctx)
	}()
	go func() {
		defer wg.Done()
		// Each VIP is polled at its policy's stats.interval (the policy
		// fills in its default); the default here only paces the ports
		// while no VIP is configured.
		s.app.RunStats(ctx, lb.StatsOptions{DefaultInterval: policy.DefaultStatsInterval})
	}()
	go func() {
		defer wg.Done()
		if err := s.watcher.Run(ctx); err != nil {
			s.log.Error("policy watcher stopped", "err", err)
		}
	}()
	go func() {
		defer wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case <-reload:
				s.log.Info("policy reload requested")
				s.watcher.Trigger()
			}
		}
	}()
	if err := s.ctrl.Serve(ctx, listeners...); err != nil {
		return fmt.Errorf("controller: %w", err)
	}
	return nil
}
