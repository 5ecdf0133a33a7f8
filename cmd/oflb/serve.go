package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/oflb/oflb/policy"
)

// shutdownTimeout bounds the graceful stop of the HTTP servers.
const shutdownTimeout = 5 * time.Second

func newServeCmd() *cobra.Command {
	var readyFile string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the controller",
		Long: `Run the controller: accept OpenFlow 1.3 switches on every --listen address, load
the tenant policy files of --policy-dir, install the load balancer's entries,
and serve the REST API and Prometheus metrics.

Configuration comes from, highest first: flags, OFLB_* environment variables
(OFLB_POLICY_DIR for --policy-dir), the YAML file of --config, and defaults.

The policy must be valid at start (every problem is printed as
file:line:col: reason and the exit status is 1). Later changes of the policy
files, SIGHUP and POST /api/v1/policy/reload reload it; a refused change is
logged and the running policy stays. SIGINT and SIGTERM stop the controller
gracefully: switches keep their entries and the exit status is 0.`,
		Example: `  oflb serve --policy-dir /etc/oflb/policy
  oflb serve --config /etc/oflb/oflb.yaml --log-format json
  OFLB_LISTEN=:6653,:6633 oflb serve --api-address 127.0.0.1:8080`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := policy.LoadConfig(cmd.Flags())
			if err != nil {
				return &exitError{code: 1, msg: err.Error()}
			}
			return serve(cmd.Context(), cfg, readyFile, cmd.ErrOrStderr())
		},
	}
	policy.RegisterFlags(cmd.Flags())
	cmd.Flags().StringVar(&readyFile, "ready-file", "", "write the listening addresses as JSON to this file once listening")
	_ = cmd.Flags().MarkHidden("ready-file")
	return cmd
}

// newLogger returns the logger the configuration asks for.
func newLogger(cfg policy.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == policy.LogJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// readyInfo is the content of the --ready-file.
type readyInfo struct {
	OpenFlow []string `json:"openflow"`
	API      string   `json:"api"`
	Metrics  string   `json:"metrics,omitempty"`
}

// writeReadyFile writes info to path atomically (through a temporary file
// and a rename) so that a reader never sees half of it.
func writeReadyFile(path string, info readyInfo) error {
	b, err := json.Marshal(info)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".oflb-ready-*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(append(b, '\n'))
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// serve runs the controller until ctx ends or SIGINT/SIGTERM.
func serve(ctx context.Context, cfg policy.Config, readyFile string, stderr io.Writer) error {
	log := newLogger(cfg, stderr)
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	s := newServer(cfg, log)
	if err := s.start(); err != nil {
		var b strings.Builder
		fmt.Fprintf(&b, "policy %s refused:", cfg.PolicyDir)
		for _, e := range policyErrors(err) {
			b.WriteString("\n  ")
			b.WriteString(e.String())
		}
		return &exitError{code: 1, msg: b.String()}
	}

	var listeners []net.Listener
	closeAll := func() {
		for _, ln := range listeners {
			ln.Close()
		}
	}
	listen := func(what, addr string) (net.Listener, error) {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			closeAll()
			return nil, &exitError{code: 1, msg: fmt.Sprintf("%s: %v", what, err)}
		}
		listeners = append(listeners, ln)
		return ln, nil
	}
	info := readyInfo{}
	for _, a := range cfg.Listen {
		ln, err := listen("listen", a)
		if err != nil {
			return err
		}
		info.OpenFlow = append(info.OpenFlow, ln.Addr().String())
	}
	ofListeners := listeners
	apiLn, err := listen("api_address", cfg.APIAddress)
	if err != nil {
		return err
	}
	info.API = apiLn.Addr().String()
	var metricsLn net.Listener
	if cfg.MetricsAddress != "" {
		if metricsLn, err = listen("metrics_address", cfg.MetricsAddress); err != nil {
			return err
		}
		info.Metrics = metricsLn.Addr().String()
	}

	apiSrv := &http.Server{Handler: s.handler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	servers := []*http.Server{apiSrv}
	serving := map[*http.Server]net.Listener{apiSrv: apiLn}
	if metricsLn != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", s.metricsHandler())
		m := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: apiSrv.ErrorLog}
		servers = append(servers, m)
		serving[m] = metricsLn
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, len(servers)+2)
	for _, srv := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.Serve(serving[srv]); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("http %s: %w", serving[srv].Addr(), err)
				cancel()
			}
		}()
	}
	reload := make(chan struct{}, 1)
	wg.Add(2)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				select {
				case reload <- struct{}{}:
				default:
				}
			}
		}
	}()
	go func() {
		defer wg.Done()
		if err := s.run(ctx, ofListeners, reload); err != nil {
			errc <- err
		}
		cancel()
	}()

	log.Info("oflb started", "version", versionString(), "instance", cfg.InstanceID,
		"openflow", info.OpenFlow, "api", info.API, "metrics", cmpOr(info.Metrics, info.API),
		"policy", cfg.PolicyDir, "vips", s.store.Policy().Len())
	if readyFile != "" {
		if err := writeReadyFile(readyFile, info); err != nil {
			errc <- fmt.Errorf("ready file: %w", err)
			cancel()
		}
	}

	<-ctx.Done()
	log.Info("oflb stopping")
	sctx, scancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer scancel()
	for _, srv := range servers {
		if err := srv.Shutdown(sctx); err != nil {
			srv.Close()
		}
	}
	wg.Wait()
	close(errc)
	var errs []error
	for err := range errc {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	log.Info("oflb stopped")
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
