package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

// apiEnv names the environment variable with the API's base URL.
const apiEnv = "OFLB_API"

// clientTimeout bounds one API request of the CLI.
const clientTimeout = 30 * time.Second

// apiClient makes the CLI's requests: one request per run, so no idle
// connections are kept.
var apiClient = &http.Client{Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, DisableKeepAlives: true}}

func defaultAPI() string {
	if v := os.Getenv(apiEnv); v != "" {
		return v
	}
	return "http://127.0.0.1:8080"
}

// clientFlags are the flags every API command shares.
type clientFlags struct {
	api    string
	output string
}

func (cf *clientFlags) checkOutput() error {
	switch cf.output {
	case "table", "json":
		return nil
	}
	return fmt.Errorf("--output %q: want table or json", cf.output)
}

// call makes one API request and decodes the JSON answer into out. An
// error answer becomes an error carrying the API's message; refused policy
// problems are appended one per line.
func (cf *clientFlags) call(ctx context.Context, method, path string, query url.Values, out any) error {
	if err := cf.checkOutput(); err != nil {
		return err
	}
	base := strings.TrimRight(cf.api, "/")
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	u := base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	ctx, cancel := context.WithTimeout(ctx, clientTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return fmt.Errorf("api %s: %w", cf.api, err)
	}
	resp, err := apiClient.Do(req)
	if err != nil {
		return fmt.Errorf("api %s: %w", cf.api, unwrapURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("api %s: reading the answer: %w", cf.api, err)
	}
	if resp.StatusCode/100 != 2 {
		var e errorJSON
		if json.Unmarshal(body, &e) != nil || e.Error == "" {
			return fmt.Errorf("api %s: %s", cf.api, resp.Status)
		}
		msg := e.Error
		for _, pe := range e.Errors {
			msg += "\n  " + pe.String()
		}
		return errors.New(msg)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("api %s: bad answer: %w", cf.api, err)
	}
	return nil
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table writes aligned columns.
type table struct{ tw *tabwriter.Writer }

func newTable(w io.Writer, header ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	t.row(header...)
	return t
}

func (t *table) row(cells ...string) {
	for i, c := range cells {
		if c == "" {
			cells[i] = "-"
		}
	}
	fmt.Fprintln(t.tw, strings.Join(cells, "\t"))
}

func (t *table) flush() error { return t.tw.Flush() }

// show prints v as JSON with -o json, else calls tableFn.
func (cf *clientFlags) show(cmd *cobra.Command, v any, tableFn func(w io.Writer) error) error {
	if cf.output == "json" {
		return printJSON(cmd.OutOrStdout(), v)
	}
	return tableFn(cmd.OutOrStdout())
}

func vipPath(vip string) string { return "/api/v1/vips/" + url.PathEscape(vip) }

func ago(d float64) string {
	return (time.Duration(d) * time.Second).Round(time.Second).String()
}

func newStatusCmd(cf *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show the controller's status",
		Example: `  oflb status
  oflb status --api http://10.0.0.1:8080 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var st statusJSON
			if err := cf.call(cmd.Context(), http.MethodGet, "/api/v1/status", nil, &st); err != nil {
				return err
			}
			return cf.show(cmd, st, func(w io.Writer) error {
				t := newTable(w, "FIELD", "VALUE")
				t.row("version", st.Version)
				t.row("instance", strconv.Itoa(int(st.Instance)))
				t.row("uptime", ago(st.UptimeSeconds))
				t.row("switches", strconv.Itoa(st.Switches))
				t.row("vips", strconv.Itoa(st.VIPs))
				t.row("active_flows", strconv.Itoa(st.ActiveFlows))
				t.row("policy_dir", st.Policy.Dir)
				t.row("policy_digest", shortDigest(st.Policy.Digest))
				t.row("last_reload", st.Policy.LastReload.Result)
				t.row("last_reload_time", st.Policy.LastReload.Time.Format(time.RFC3339))
				return t.flush()
			})
		},
	}
}

func shortDigest(d string) string {
	if len(d) > 12 {
		return d[:12]
	}
	return d
}

func newSwitchesCmd(cf *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "switches [DPID]",
		Short: "List the connected switches, or show one with its ports",
		Example: `  oflb switches
  oflb switches 0000000000000001
  oflb switches -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				var sw switchJSON
				if err := cf.call(cmd.Context(), http.MethodGet, "/api/v1/switches/"+url.PathEscape(args[0]), nil, &sw); err != nil {
					return err
				}
				return cf.show(cmd, sw, func(w io.Writer) error {
					t := newTable(w, "PORT", "NAME", "MAC", "UP", "STATE", "CONFIG")
					for _, p := range sw.Ports {
						t.row(strconv.FormatUint(uint64(p.Number), 10), p.Name, p.MAC, strconv.FormatBool(p.Up), p.State, p.Config)
					}
					return t.flush()
				})
			}
			var sws []switchJSON
			if err := cf.call(cmd.Context(), http.MethodGet, "/api/v1/switches", nil, &sws); err != nil {
				return err
			}
			return cf.show(cmd, sws, func(w io.Writer) error {
				t := newTable(w, "DPID", "ADDRESS", "CONNECTED", "ROLE", "PORTS", "TABLES", "NICIRA", "BUNDLES", "GROUPS", "METERS")
				for _, s := range sws {
					f := s.Features
					t.row(s.DPID, s.Address, s.ConnectedSince.Format(time.RFC3339), s.Role, strconv.Itoa(len(s.Ports)),
						strconv.Itoa(int(f.Tables)), probeShort(f.Nicira), probeShort(f.Bundles), probeShort(f.Groups), probeShort(f.Meters))
				}
				return t.flush()
			})
		},
	}
}

func probeShort(s string) string {
	switch s {
	case "supported":
		return "yes"
	case "unsupported":
		return "no"
	}
	return "?"
}

func newVIPsCmd(cf *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "vips [VIP]",
		Short: "List the VIPs, or show one (tenant/name or id)",
		Example: `  oflb vips
  oflb vips tenant-a/web
  oflb vips -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var vips []vipJSON
			if len(args) == 1 {
				var v vipJSON
				if err := cf.call(cmd.Context(), http.MethodGet, vipPath(args[0]), nil, &v); err != nil {
					return err
				}
				if cf.output == "json" {
					return printJSON(cmd.OutOrStdout(), v)
				}
				vips = []vipJSON{v}
			} else if err := cf.call(cmd.Context(), http.MethodGet, "/api/v1/vips", nil, &vips); err != nil {
				return err
			}
			return cf.show(cmd, vips, func(w io.Writer) error {
				t := newTable(w, "VIP", "ID", "PROTO", "ADDRESS", "SCHEDULER", "BACKENDS", "ACTIVE", "OPENED", "CLOSED", "BYTES_IN", "BYTES_OUT")
				for _, v := range vips {
					up := 0
					for _, b := range v.Backends {
						if b.State == "active" {
							up++
						}
					}
					t.row(v.Tenant+"/"+v.Name, strconv.Itoa(int(v.ID)), v.Protocol, v.Address+":"+strconv.Itoa(int(v.Port)),
						v.Scheduler, fmt.Sprintf("%d/%d", up, len(v.Backends)), strconv.Itoa(v.ActiveFlows),
						fmtUint(v.Traffic.ConnectionsOpened), fmtUint(v.Traffic.ConnectionsClosed),
						humanBytes(v.Traffic.Forward.Bytes), humanBytes(v.Traffic.Reverse.Bytes))
				}
				return t.flush()
			})
		},
	}
}

func printBackends(w io.Writer, bs []backendJSON) error {
	t := newTable(w, "BACKEND", "ID", "ADDRESS", "WEIGHT", "STATE", "ACTIVE", "DECISIONS", "LOCATED",
		"OPENED", "CLOSED", "PKTS_IN", "BYTES_IN", "PKTS_OUT", "BYTES_OUT")
	for _, b := range bs {
		tr := &b.Traffic
		t.row(b.Name, strconv.Itoa(int(b.ID)), b.Address, strconv.Itoa(b.Weight), b.State, strconv.Itoa(b.ActiveFlows),
			fmtUint(b.Decisions), strings.Join(b.Located, ","), fmtUint(tr.ConnectionsOpened), fmtUint(tr.ConnectionsClosed),
			fmtUint(tr.Forward.Packets), humanBytes(tr.Forward.Bytes), fmtUint(tr.Reverse.Packets), humanBytes(tr.Reverse.Bytes))
	}
	return t.flush()
}

func newBackendsCmd(cf *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "backends VIP",
		Short: "List the backends of a VIP (tenant/name or id)",
		Example: `  oflb backends tenant-a/web
  oflb backends 1200 -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var bs []backendJSON
			if err := cf.call(cmd.Context(), http.MethodGet, vipPath(args[0])+"/backends", nil, &bs); err != nil {
				return err
			}
			return cf.show(cmd, bs, func(w io.Writer) error { return printBackends(w, bs) })
		},
	}
}

func newFlowsCmd(cf *clientFlags) *cobra.Command {
	var vip, backend, sw, client string
	cmd := &cobra.Command{
		Use:   "flows",
		Short: "List the active flows, optionally filtered",
		Example: `  oflb flows
  oflb flows --vip tenant-a/web --backend web-1
  oflb flows --switch 1 --client 10.0.0.1 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := url.Values{}
			for k, v := range map[string]string{"vip": vip, "backend": backend, "switch": sw, "client": client} {
				if v != "" {
					q.Set(k, v)
				}
			}
			var fls []flowJSON
			if err := cf.call(cmd.Context(), http.MethodGet, "/api/v1/flows", q, &fls); err != nil {
				return err
			}
			return cf.show(cmd, fls, func(w io.Writer) error {
				// BYTES_IN and BYTES_OUT are "-" for flows of VIPs whose
				// stats policy is not per_flow.
				t := newTable(w, "SWITCH", "PROTO", "CLIENT", "VIP", "VIP_ADDRESS", "BACKEND", "BACKEND_ADDRESS", "AGE", "BYTES_IN", "BYTES_OUT")
				for _, f := range fls {
					in, out := "", ""
					if f.Forward != nil && f.Reverse != nil {
						in, out = humanBytes(f.Forward.Bytes), humanBytes(f.Reverse.Bytes)
					}
					t.row(f.Switch, f.Protocol, f.Client, f.VIP, f.VIPAddress, f.Backend, f.Address, ago(f.AgeSeconds), in, out)
				}
				return t.flush()
			})
		},
	}
	cmd.Flags().StringVar(&vip, "vip", "", "only flows of this VIP (tenant/name or id)")
	cmd.Flags().StringVar(&backend, "backend", "", "only flows to this backend (name, address:port or id)")
	cmd.Flags().StringVar(&sw, "switch", "", "only flows on this switch (datapath id in hex)")
	cmd.Flags().StringVar(&client, "client", "", "only flows from this client (address or address:port)")
	return cmd
}

func newBackendCmd(cf *clientFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "backend",
		Short: "Drain or enable a backend of a VIP",
	}
	verb := func(name, short, action string, example string) *cobra.Command {
		return &cobra.Command{
			Use:     name + " VIP BACKEND",
			Short:   short,
			Example: example,
			Args:    cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, args []string) error {
				var b backendJSON
				path := vipPath(args[0]) + "/backends/" + url.PathEscape(args[1]) + "/" + action
				if err := cf.call(cmd.Context(), http.MethodPost, path, nil, &b); err != nil {
					return err
				}
				return cf.show(cmd, b, func(w io.Writer) error { return printBackends(w, []backendJSON{b}) })
			},
		}
	}
	cmd.AddCommand(
		verb("drain", "Stop sending new flows to a backend; its flows continue until they end", "drain",
			`  oflb backend drain tenant-a/web web-1
  oflb backend drain tenant-a/web 10.0.0.11:8080`),
		verb("enable", "Send new flows to a drained backend again", "enable",
			`  oflb backend enable tenant-a/web web-1`),
	)
	return cmd
}

func newPolicyReloadCmd(cf *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "reload",
		Short: "Ask the controller to reload its policy directory now",
		Long: `Ask the controller to reload its policy directory now. If the controller
refuses the new policy, every problem is printed as file:line:col: reason, the
running policy stays, and the exit status is 1.`,
		Example: `  oflb policy reload
  oflb policy reload --api http://10.0.0.1:8080`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var r reloadJSON
			if err := cf.call(cmd.Context(), http.MethodPost, "/api/v1/policy/reload", nil, &r); err != nil {
				return err
			}
			return cf.show(cmd, r, func(w io.Writer) error {
				t := newTable(w, "RESULT", "DIGEST", "CHANGE")
				t.row(r.Result, shortDigest(r.Digest), r.Change)
				return t.flush()
			})
		},
	}
}

func fmtUint(n uint64) string { return strconv.FormatUint(n, 10) }

// humanBytes formats a byte count with binary prefixes: 512B, 1.5KiB,
// 3.0MiB ... (one decimal from KiB on).
func humanBytes(n uint64) string { return humanIEC(float64(n), "B") }

// humanRate formats a rate in bytes per second: 0B/s, 12.5KiB/s ...
func humanRate(bytesPerSec float64) string { return humanIEC(bytesPerSec, "B/s") }

func humanIEC(v float64, unit string) string {
	const prefixes = "KMGTPE"
	if v < 1024 {
		return strconv.FormatFloat(v, 'f', 0, 64) + unit
	}
	i := -1
	for v >= 1024 && i < len(prefixes)-1 {
		v /= 1024
		i++
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + prefixes[i:i+1] + "i" + unit
}

// humanCount formats a per-second count: 0/s, 950/s, 1.2k/s, 3.4M/s.
func humanCount(v float64) string {
	switch {
	case v < 1000:
		return strconv.FormatFloat(v, 'f', 0, 64) + "/s"
	case v < 1e6:
		return strconv.FormatFloat(v/1e3, 'f', 1, 64) + "k/s"
	}
	return strconv.FormatFloat(v/1e6, 'f', 1, 64) + "M/s"
}

func newStatsCmd(cf *clientFlags) *cobra.Command {
	var vip string
	var refresh bool
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Show traffic statistics per VIP and backend",
		Long: `Show the statistics collector's counters: one row per VIP (BACKEND "*", its
total) followed by one row per backend. IN is client to backend (the forward
entries), OUT backend to client (the reverse entries); PKTS and BYTES count
since the controller started (as of each switch's last poll, plus every flow
closed since); RATE_IN and RATE_OUT are bytes per second between the last
two polls; OPENED and CLOSED count connections as they happen. --refresh polls every switch
first (rate-limited by the controller). -o json prints the whole report,
with tenants, switches and their last poll.`,
		Example: `  oflb stats
  oflb stats --vip tenant-a/web --refresh
  oflb stats -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := url.Values{}
			if vip != "" {
				q.Set("vip", vip)
			}
			method, path := http.MethodGet, "/api/v1/stats"
			if refresh {
				method, path = http.MethodPost, "/api/v1/stats/refresh"
			}
			var st statsJSON
			if err := cf.call(cmd.Context(), method, path, q, &st); err != nil {
				return err
			}
			if st.RefreshError != "" {
				fmt.Fprintln(cmd.ErrOrStderr(), "oflb: warning: some switches could not be polled:", st.RefreshError)
			}
			return cf.show(cmd, st, func(w io.Writer) error { return printStats(w, st) })
		},
	}
	cmd.Flags().StringVar(&vip, "vip", "", "only this VIP (tenant/name or id)")
	cmd.Flags().BoolVar(&refresh, "refresh", false, "poll every switch before reading (POST /api/v1/stats/refresh)")
	return cmd
}

// printStats writes the table of oflb stats.
func printStats(w io.Writer, st statsJSON) error {
	t := newTable(w, "VIP", "BACKEND", "ACTIVE", "OPENED", "CLOSED", "PKTS_IN", "BYTES_IN", "PKTS_OUT", "BYTES_OUT",
		"RATE_IN", "RATE_OUT", "NEW")
	row := func(vip, backend string, tr *trafficJSON) {
		t.row(vip, backend, fmtUint(tr.ActiveFlows), fmtUint(tr.ConnectionsOpened), fmtUint(tr.ConnectionsClosed),
			fmtUint(tr.Forward.Packets), humanBytes(tr.Forward.Bytes), fmtUint(tr.Reverse.Packets), humanBytes(tr.Reverse.Bytes),
			humanRate(tr.ForwardRate.BytesPerSecond), humanRate(tr.ReverseRate.BytesPerSecond), humanCount(tr.OpenedPerSecond))
	}
	for i := range st.VIPs {
		v := &st.VIPs[i]
		name := v.Tenant + "/" + v.Name
		row(name, "*", &v.trafficJSON)
		for j := range v.Backends {
			b := &v.Backends[j]
			label := b.Name
			if label == "" {
				label = b.Address
			}
			if label == "" {
				label = "id:" + strconv.Itoa(int(b.ID))
			}
			row(name, label, &b.trafficJSON)
		}
	}
	return t.flush()
}
