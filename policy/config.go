package policy

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// LogFormat is how log lines are written.
type LogFormat uint8

// Log formats. The zero value is LogText.
const (
	// LogText writes slog's key=value lines (the default).
	LogText LogFormat = iota
	// LogJSON writes one JSON object per line.
	LogJSON
)

// String returns "text" or "json".
func (f LogFormat) String() string { return enumString(logFormatNames, f, "LogFormat") }

var logFormatNames = []string{LogText: "text", LogJSON: "json"}

// ForwardingMode is what the controller does with traffic that is not for
// a VIP (the lowest-priority entry of DESIGN decision 2).
type ForwardingMode uint8

// Forwarding modes. The zero value is ForwardNormal.
const (
	// ForwardNormal outputs to the switch's NORMAL port, i.e. its own L2/L3
	// pipeline (the default; Open vSwitch and most hybrid switches).
	ForwardNormal ForwardingMode = iota
	// ForwardLearning runs the controller's built-in L2 learning switch,
	// for switches without NORMAL.
	ForwardLearning
)

// String returns "normal" or "learning".
func (m ForwardingMode) String() string { return enumString(forwardingNames, m, "ForwardingMode") }

var forwardingNames = []string{ForwardNormal: "normal", ForwardLearning: "learning"}

// ReplyCatchMode says whether switches get the reply catch of DESIGN
// decision 4: standing low-priority entries that send a backend's replies
// with no reverse entry yet to the controller, which un-NATs them from the
// flow's decision. A switch that may apply a packet-out before the flow-mods
// sent ahead of it needs them; Open vSwitch applies messages in order.
type ReplyCatchMode uint8

// Reply catch modes. The zero value is ReplyCatchAuto.
const (
	// ReplyCatchAuto catches replies on every switch but Open vSwitch
	// (known by its description reply).
	ReplyCatchAuto ReplyCatchMode = iota
	// ReplyCatchOn catches replies on every switch.
	ReplyCatchOn
	// ReplyCatchOff never does.
	ReplyCatchOff
)

// String returns "auto", "on" or "off".
func (m ReplyCatchMode) String() string { return enumString(replyCatchNames, m, "ReplyCatchMode") }

var replyCatchNames = []string{ReplyCatchAuto: "auto", ReplyCatchOn: "on", ReplyCatchOff: "off"}

// Config is the controller's configuration. Every zero field means the
// default given in its comment, so Config{} is a valid configuration; use
// WithDefaults to see the values in force. The keys are those of the
// config file (snake_case); flags use dashes and environment variables
// OFLB_ and upper case: policy_dir, --policy-dir, OFLB_POLICY_DIR.
type Config struct {
	// Listen are the addresses that switches connect to, host:port (key
	// listen; [":6653"]). Port 0 lets the kernel choose. In the
	// environment, separate them with commas.
	Listen []string
	// APIAddress is the REST API's address, host:port (api_address;
	// "127.0.0.1:8080").
	APIAddress string
	// MetricsAddress is where Prometheus metrics are served, host:port
	// (metrics_address; "" serves them on the API address at /metrics).
	MetricsAddress string
	// PolicyDir is the directory of tenant policy files (policy_dir;
	// "/etc/oflb/policy").
	PolicyDir string
	// LogLevel is the lowest level logged (log_level: debug, info, warn or
	// error; info, slog's zero Level).
	LogLevel slog.Level
	// LogFormat is the log line format (log_format: text or json; text).
	LogFormat LogFormat
	// InstanceID is this controller's owner id, carried in the cookie of
	// every entry it installs so that instances never touch each other's
	// entries (instance_id: 0..254; 0). The cookie's owner byte is
	// InstanceID+1: owner 0 is left to entries nobody owns (cookie 0).
	InstanceID uint8
	// Forwarding is what happens to traffic that is not for a VIP
	// (forwarding: normal or learning; normal).
	Forwarding ForwardingMode
	// ReplyCatch says which switches get reply-catch entries (reply_catch:
	// auto, on or off; auto: all but Open vSwitch). With them, a backend's
	// traffic from its service port that matches no reverse entry (its
	// answers to clients that reach it directly, not through a VIP) goes
	// through the controller.
	ReplyCatch ReplyCatchMode
	// EchoInterval is how long a switch may stay silent before the
	// controller sends an echo request (echo_interval; 5s).
	EchoInterval time.Duration
	// EchoTimeout is how long a switch may stay silent before its
	// connection is closed (echo_timeout; 3 x EchoInterval). It must
	// exceed EchoInterval.
	EchoTimeout time.Duration
	// FlowModRate is the most flow-mods per second sent to one switch
	// (flow_mod_rate; 10000). Hardware switches install a few hundred
	// per second: set it accordingly.
	FlowModRate float64
	// FlowModBurst is how many flow-mods may go at once above the rate
	// (flow_mod_burst; FlowModRate/10, at least 1).
	FlowModBurst int
	// MaxFlowsPerSwitch caps the load-balanced flows held on one switch
	// (max_flows_per_switch; 0, no cap). Each flow takes two entries (one
	// with direct server return): on hardware, set it so that the flows
	// and the static entries fit the table with room to spare. New flows
	// past the cap are refused like those past a VIP's connection limit.
	MaxFlowsPerSwitch int
	// DefaultIdleTimeout is the idle timeout of per-connection entries of
	// VIPs whose policy sets none (default_idle_timeout; whole seconds
	// up to 65535s; 30s).
	DefaultIdleTimeout time.Duration
	// DefaultHardTimeout is their hard timeout (default_hard_timeout;
	// whole seconds up to 65535s; 0, none).
	DefaultHardTimeout time.Duration
}

// Default returns the configuration with every default filled in.
func Default() Config { return Config{}.WithDefaults() }

// WithDefaults returns c with each zero field replaced by its default.
func (c Config) WithDefaults() Config {
	if len(c.Listen) == 0 {
		c.Listen = []string{":6653"}
	}
	if c.APIAddress == "" {
		c.APIAddress = "127.0.0.1:8080"
	}
	if c.PolicyDir == "" {
		c.PolicyDir = "/etc/oflb/policy"
	}
	if c.EchoInterval == 0 {
		c.EchoInterval = 5 * time.Second
	}
	if c.EchoTimeout == 0 {
		c.EchoTimeout = 3 * c.EchoInterval
	}
	if c.FlowModRate == 0 {
		c.FlowModRate = 10000
	}
	if c.FlowModBurst == 0 {
		c.FlowModBurst = max(1, int(min(c.FlowModRate/10, math.MaxInt32)))
	}
	if c.DefaultIdleTimeout == 0 {
		c.DefaultIdleTimeout = DefaultIdleTimeout
	}
	return c
}

// PolicyOptions returns the policy defaults that the configuration sets.
func (c Config) PolicyOptions() *Options {
	c = c.WithDefaults()
	return &Options{DefaultIdleTimeout: c.DefaultIdleTimeout, DefaultHardTimeout: c.DefaultHardTimeout}
}

// Validate checks the configuration (with defaults applied) and returns
// every problem, each naming its key, joined; nil if it is valid.
func (c Config) Validate() error {
	c = c.WithDefaults()
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config: %s: %s", key, fmt.Sprintf(format, args...)))
	}
	seen := make(map[string]bool)
	for _, a := range c.Listen {
		if err := checkHostPort(a); err != nil {
			bad("listen", "%q: %v", a, err)
		} else if seen[a] {
			bad("listen", "%q is listed twice", a)
		}
		seen[a] = true
	}
	if err := checkHostPort(c.APIAddress); err != nil {
		bad("api_address", "%q: %v", c.APIAddress, err)
	}
	if c.MetricsAddress != "" {
		if err := checkHostPort(c.MetricsAddress); err != nil {
			bad("metrics_address", "%q: %v", c.MetricsAddress, err)
		}
	}
	if c.LogLevel < slog.LevelDebug-4 || c.LogLevel > slog.LevelError+4 {
		bad("log_level", "%v is out of range DEBUG-4..ERROR+4", c.LogLevel)
	}
	if c.LogFormat > LogJSON {
		bad("log_format", "%v is not text or json", c.LogFormat)
	}
	if c.InstanceID == 255 {
		bad("instance_id", "255 is out of range 0..254 (the cookie owner byte is instance_id+1)")
	}
	if c.Forwarding > ForwardLearning {
		bad("forwarding", "%v is not normal or learning", c.Forwarding)
	}
	if c.ReplyCatch > ReplyCatchOff {
		bad("reply_catch", "%v is not auto, on or off", c.ReplyCatch)
	}
	if c.EchoInterval < 100*time.Millisecond || c.EchoInterval > time.Hour {
		bad("echo_interval", "%v is out of range 100ms..1h", c.EchoInterval)
	}
	if c.EchoTimeout <= c.EchoInterval {
		bad("echo_timeout", "%v must exceed echo_interval (%v)", c.EchoTimeout, c.EchoInterval)
	}
	if !(c.FlowModRate > 0) || math.IsInf(c.FlowModRate, 0) {
		bad("flow_mod_rate", "%v must be a positive number of flow-mods per second", c.FlowModRate)
	}
	if c.FlowModBurst < 1 {
		bad("flow_mod_burst", "%d must be at least 1", c.FlowModBurst)
	}
	if c.MaxFlowsPerSwitch < 0 {
		bad("max_flows_per_switch", "%d must be 0 (no cap) or more", c.MaxFlowsPerSwitch)
	}
	for _, t := range []struct {
		key string
		d   time.Duration
	}{{"default_idle_timeout", c.DefaultIdleTimeout}, {"default_hard_timeout", c.DefaultHardTimeout}} {
		switch {
		case t.d < 0 || t.d > MaxTimeout:
			bad(t.key, "%v is out of range 0s..%v", t.d, MaxTimeout)
		case t.d%time.Second != 0:
			bad(t.key, "%v is not a whole number of seconds", t.d)
		}
	}
	return errors.Join(errs...)
}

// checkHostPort checks a host:port listening address; the host may be
// empty (every address) and the port 0 (kernel-chosen).
func checkHostPort(a string) error {
	_, port, err := net.SplitHostPort(a)
	if err != nil {
		return errors.New("want host:port, e.g. 127.0.0.1:8080 or :6653")
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || (n == 0 && port != "0") {
		return fmt.Errorf("port %q is not a number 0..65535", port)
	}
	return nil
}

// configKey is one configuration key: its flag, its help and how it is set
// in a Config.
type configKey struct {
	key   string
	help  string
	set   func(c *Config, v any) error
	flag  func(fs *pflag.FlagSet, name string, d Config, help string)
	value func(d Config) any // the default, for viper
}

var configKeys = []configKey{
	{"listen", "addresses that switches connect to (host:port, repeatable)",
		func(c *Config, v any) (err error) { c.Listen, err = toStrings(v); return err },
		func(fs *pflag.FlagSet, n string, d Config, h string) { fs.StringSlice(n, d.Listen, h) },
		func(d Config) any { return d.Listen }},
	{"api_address", "REST API address (host:port)",
		func(c *Config, v any) (err error) { c.APIAddress, err = toString(v); return err },
		func(fs *pflag.FlagSet, n string, d Config, h string) { fs.String(n, d.APIAddress, h) },
		func(d Config) any { return d.APIAddress }},
	{"metrics_address", "Prometheus metrics address (host:port; empty: on the API address)",
		func(c *Config, v any) (err error) { c.MetricsAddress, err = toString(v); return err },
		func(fs *pflag.FlagSet, n string, d Config, h string) { fs.String(n, d.MetricsAddress, h) },
		func(d Config) any { return d.MetricsAddress }},
	{"policy_dir", "directory of tenant policy files",
		func(c *Config, v any) (err error) { c.PolicyDir, err = toString(v); return err },
		func(fs *pflag.FlagSet, n string, d Config, h string) { fs.String(n, d.PolicyDir, h) },
		func(d Config) any { return d.PolicyDir }},
	{"log_level", "lowest level logged: debug, info, warn or error",
		func(c *Config, v any) error {
			s, err := toString(v)
			if err != nil {
				return err
			}
			if err := c.LogLevel.UnmarshalText([]byte(s)); err != nil {
				return fmt.Errorf("unknown level %q (want debug, info, warn or error)", s)
			}
			return nil
		},
		func(fs *pflag.FlagSet, n string, d Config, h string) {
			fs.String(n, strings.ToLower(d.LogLevel.String()), h)
		},
		func(d Config) any { return strings.ToLower(d.LogLevel.String()) }},
	{"log_format", "log format: text or json",
		func(c *Config, v any) error {
			i, err := toEnum(v, logFormatNames)
			c.LogFormat = LogFormat(i)
			return err
		},
		func(fs *pflag.FlagSet, n string, d Config, h string) { fs.String(n, d.LogFormat.String(), h) },
		func(d Config) any { return d.LogFormat.String() }},
	{"instance_id", "owner id of this instance in flow cookies (0..254)",
		func(c *Config, v any) error {
			i, err := toInt(v, 0, 255)
			c.InstanceID = uint8(i)
			return err
		},
		func(fs *pflag.FlagSet, n string, d Config, h string) { fs.Uint8(n, d.InstanceID, h) },
		func(d Config) any { return int(d.InstanceID) }},
	{"forwarding", "traffic that is not for a VIP: normal (the switch's NORMAL) or learning",
		func(c *Config, v any) error {
			i, err := toEnum(v, forwardingNames)
			c.Forwarding = ForwardingMode(i)
			return err
		},
		func(fs *pflag.FlagSet, n string, d Config, h string) { fs.String(n, d.Forwarding.String(), h) },
		func(d Config) any { return d.Forwarding.String() }},
	{"reply_catch", "send a backend's replies that beat their reverse entry to the controller: auto (all switches but Open vSwitch), on or off",
		func(c *Config, v any) error {
			i, err := toEnum(v, replyCatchNames)
			c.ReplyCatch = ReplyCatchMode(i)
			return err
		},
		func(fs *pflag.FlagSet, n string, d Config, h string) { fs.String(n, d.ReplyCatch.String(), h) },
		func(d Config) any { return d.ReplyCatch.String() }},
	{"echo_interval", "silence before an echo request to a switch",
		func(c *Config, v any) (err error) { c.EchoInterval, err = toDuration(v); return err },
		func(fs *pflag.FlagSet, n string, d Config, h string) { fs.Duration(n, d.EchoInterval, h) },
		func(d Config) any { return d.EchoInterval.String() }},
	{"echo_timeout", "silence before a switch is disconnected (default 3 x echo interval)",
		func(c *Config, v any) (err error) { c.EchoTimeout, err = toDuration(v); return err },
		func(fs *pflag.FlagSet, n string, d Config, h string) { fs.Duration(n, 0, h) },
		func(d Config) any { return "0s" }},
	{"flow_mod_rate", "flow-mods per second per switch",
		func(c *Config, v any) (err error) { c.FlowModRate, err = toFloat(v); return err },
		func(fs *pflag.FlagSet, n string, d Config, h string) { fs.Float64(n, d.FlowModRate, h) },
		func(d Config) any { return d.FlowModRate }},
	{"flow_mod_burst", "flow-mods sent at once above the rate (default rate/10)",
		func(c *Config, v any) error {
			i, err := toInt(v, 0, math.MaxInt32)
			c.FlowModBurst = int(i)
			return err
		},
		func(fs *pflag.FlagSet, n string, d Config, h string) { fs.Int(n, 0, h) },
		func(d Config) any { return 0 }},
	{"max_flows_per_switch", "load-balanced flows held on one switch, two entries each (0: no cap)",
		func(c *Config, v any) error {
			i, err := toInt(v, 0, math.MaxInt32)
			c.MaxFlowsPerSwitch = int(i)
			return err
		},
		func(fs *pflag.FlagSet, n string, d Config, h string) { fs.Int(n, d.MaxFlowsPerSwitch, h) },
		func(d Config) any { return d.MaxFlowsPerSwitch }},
	{"default_idle_timeout", "idle timeout of per-connection entries when a VIP sets none",
		func(c *Config, v any) (err error) { c.DefaultIdleTimeout, err = toDuration(v); return err },
		func(fs *pflag.FlagSet, n string, d Config, h string) { fs.Duration(n, d.DefaultIdleTimeout, h) },
		func(d Config) any { return d.DefaultIdleTimeout.String() }},
	{"default_hard_timeout", "hard timeout of per-connection entries when a VIP sets none (0: none)",
		func(c *Config, v any) (err error) { c.DefaultHardTimeout, err = toDuration(v); return err },
		func(fs *pflag.FlagSet, n string, d Config, h string) { fs.Duration(n, d.DefaultHardTimeout, h) },
		func(d Config) any { return d.DefaultHardTimeout.String() }},
}

// ConfigFlag is the flag (and, upper-cased with OFLB_, the environment
// variable OFLB_CONFIG) that names the config file.
const ConfigFlag = "config"

func flagName(key string) string { return strings.ReplaceAll(key, "_", "-") }
func envName(key string) string  { return "OFLB_" + strings.ToUpper(key) }

// RegisterFlags adds a flag for each configuration key (--policy-dir for
// policy_dir, ...) and --config to fs, with the defaults in their help.
func RegisterFlags(fs *pflag.FlagSet) {
	d := Default()
	fs.String(ConfigFlag, "", "YAML config file (also $OFLB_CONFIG)")
	for _, k := range configKeys {
		k.flag(fs, flagName(k.key), d, k.help)
	}
}

// LoadConfig reads the configuration through viper from, highest first:
// the flags of fs that were set, OFLB_* environment variables, the YAML
// config file, and the defaults. The file is named by the --config flag of
// fs, else by $OFLB_CONFIG; there is none if both are empty. fs may be nil
// and need not have every flag (RegisterFlags adds them all).
//
// It returns the configuration with defaults applied, or an error that
// names every bad key, where its value came from, and for the file the
// line; unknown keys in the file are errors too.
func LoadConfig(fs *pflag.FlagSet) (Config, error) {
	v := viper.New()
	v.SetConfigType("yaml")
	d := Default()
	for _, k := range configKeys {
		v.SetDefault(k.key, k.value(d))
		if err := v.BindEnv(k.key, envName(k.key)); err != nil {
			return Config{}, fmt.Errorf("config: %s: %w", k.key, err)
		}
		if fs != nil {
			if f := fs.Lookup(flagName(k.key)); f != nil {
				if err := v.BindPFlag(k.key, f); err != nil {
					return Config{}, fmt.Errorf("config: %s: %w", k.key, err)
				}
			}
		}
	}

	path := os.Getenv(envName(ConfigFlag))
	if fs != nil {
		if f := fs.Lookup(ConfigFlag); f != nil && f.Changed {
			path = f.Value.String()
		}
	}
	lines := map[string]Pos{}
	if path != "" {
		data, err := readFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("config file %s: %v", path, err)
		}
		var e errs
		lines = checkConfigFile(path, data, &e)
		if len(e.list) > 0 {
			return Config{}, fmt.Errorf("config file: %w", e.list.sort())
		}
		if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
			return Config{}, fmt.Errorf("config file %s: %v", path, err)
		}
	}

	var c Config
	var problems []error
	for _, k := range configKeys {
		if err := k.set(&c, v.Get(k.key)); err != nil {
			problems = append(problems, fmt.Errorf("config: %s (%s): %v", k.key, source(k.key, fs, lines), err))
		}
	}
	if len(problems) > 0 {
		return Config{}, errors.Join(problems...)
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c.WithDefaults(), nil
}

// source says where a key's value came from, as viper chose it.
func source(key string, fs *pflag.FlagSet, lines map[string]Pos) string {
	if fs != nil {
		if f := fs.Lookup(flagName(key)); f != nil && f.Changed {
			return "flag --" + f.Name
		}
	}
	if _, ok := os.LookupEnv(envName(key)); ok {
		return "environment variable " + envName(key)
	}
	if p, ok := lines[key]; ok {
		return "config file " + p.String()
	}
	return "default"
}

// checkConfigFile reports unknown and duplicate keys of a config file and
// returns the position of each key's value.
func checkConfigFile(path string, data []byte, e *errs) map[string]Pos {
	root := parseYAML(path, data, e)
	if root == nil {
		if len(e.list) == 1 && strings.HasPrefix(e.list[0].Reason, "empty policy file") {
			e.list = nil // an empty config file is all defaults
		}
		return nil
	}
	d := &decoder{file: path, e: e}
	known := make([]string, len(configKeys))
	for i, k := range configKeys {
		known[i] = k.key
	}
	f, _ := d.fields(d.deref(root), "config", known...)
	lines := make(map[string]Pos, len(f))
	for k, n := range f {
		lines[k] = d.pos(n)
	}
	return lines
}

// Conversions of what viper hands back: typed values from YAML, strings
// from flags and the environment.

func toString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case nil:
		return "", nil
	}
	return "", fmt.Errorf("want a string, got %v", v)
}

func toStrings(v any) ([]string, error) {
	var out []string
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		for _, s := range strings.FieldsFunc(x, func(r rune) bool { return r == ',' || r == ' ' }) {
			out = append(out, s)
		}
	case []string:
		out = append(out, x...)
	case []any:
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("want a list of strings, got %v", e)
			}
			out = append(out, s)
		}
	default:
		return nil, fmt.Errorf("want a list of strings, got %v", v)
	}
	return out, nil
}

func toInt(v any, lo, hi int64) (int64, error) {
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int64:
		n = x
	case uint64:
		if x > math.MaxInt64 {
			return 0, fmt.Errorf("%d is out of range %d..%d", x, lo, hi)
		}
		n = int64(x)
	case float64:
		if x != math.Trunc(x) || x < math.MinInt64 || x > math.MaxInt64 {
			return 0, fmt.Errorf("want an integer, got %v", x)
		}
		n = int64(x)
	case string:
		var err error
		if n, err = strconv.ParseInt(strings.TrimSpace(x), 10, 64); err != nil {
			return 0, fmt.Errorf("want an integer, got %q", x)
		}
	default:
		return 0, fmt.Errorf("want an integer, got %v", v)
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("%d is out of range %d..%d", n, lo, hi)
	}
	return n, nil
}

func toFloat(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case int:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case uint64:
		return float64(x), nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil || math.IsNaN(f) {
			return 0, fmt.Errorf("want a number, got %q", x)
		}
		return f, nil
	}
	return 0, fmt.Errorf("want a number, got %v", v)
}

// toDuration accepts a Go duration ("5s") or an integer of seconds.
func toDuration(v any) (time.Duration, error) {
	switch x := v.(type) {
	case time.Duration:
		return x, nil
	case string:
		s := strings.TrimSpace(x)
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			v = n
			break
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q (write e.g. 5s, 1m or a number of seconds)", x)
		}
		return d, nil
	}
	n, err := toInt(v, 0, math.MaxInt64/int64(time.Second))
	if err != nil {
		return 0, fmt.Errorf("want a duration (e.g. 5s): %v", err)
	}
	return time.Duration(n) * time.Second, nil
}

func toEnum(v any, names []string) (int, error) {
	s, err := toString(v)
	if err != nil {
		return 0, err
	}
	for i, n := range names {
		if n == s {
			return i, nil
		}
	}
	return 0, fmt.Errorf("unknown value %q (want %s)", s, orList(names))
}
