package policy

import (
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// configEnv clears every OFLB_* variable for the test, then sets env.
func configEnv(t *testing.T, env map[string]string) {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "OFLB_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
}

// flags returns a FlagSet with every flag, parsed from args.
func flags(t *testing.T, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("oflb", pflag.ContinueOnError)
	RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestConfigDefaults(t *testing.T) {
	configEnv(t, nil)
	want := Config{
		Listen:             []string{":6653"},
		APIAddress:         "127.0.0.1:8080",
		PolicyDir:          "/etc/oflb/policy",
		LogLevel:           slog.LevelInfo,
		EchoInterval:       5 * time.Second,
		EchoTimeout:        15 * time.Second,
		FlowModRate:        10000,
		FlowModBurst:       1000,
		DefaultIdleTimeout: 30 * time.Second,
	}
	if got := Default(); !reflect.DeepEqual(got, want) {
		t.Errorf("Default() = %+v", got)
	}
	if err := (Config{}).Validate(); err != nil {
		t.Errorf("zero Config: %v", err)
	}
	for _, fs := range []*pflag.FlagSet{nil, flags(t)} {
		got, err := LoadConfig(fs)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("LoadConfig(%v) = %+v, %v", fs != nil, got, err)
		}
	}
	if o := want.PolicyOptions(); o.DefaultIdleTimeout != 30*time.Second || o.DefaultHardTimeout != 0 {
		t.Errorf("PolicyOptions = %+v", o)
	}
}

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "oflb.yaml")
	os.WriteFile(file, []byte(`# all from the file
listen: [":6653", "127.0.0.1:6633"]
api_address: 127.0.0.1:9000
metrics_address: 127.0.0.1:9100
policy_dir: /file/policy
log_level: debug
log_format: json
instance_id: 1
forwarding: learning
reply_catch: "on"
max_flows_per_switch: 4000
echo_interval: 2s
echo_timeout: 10
flow_mod_rate: 400
flow_mod_burst: 50
default_idle_timeout: 1m
default_hard_timeout: 600
`), 0o644)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want func(c *Config)
	}{
		{
			name: "file only, named by flag",
			args: []string{"--config", file},
			want: func(c *Config) {},
		},
		{
			name: "file named by environment",
			env:  map[string]string{"OFLB_CONFIG": file},
			want: func(c *Config) {},
		},
		{
			name: "environment over file",
			env:  map[string]string{"OFLB_CONFIG": file, "OFLB_INSTANCE_ID": "7", "OFLB_LISTEN": "10.0.0.1:6653, 10.0.0.2:6653", "OFLB_ECHO_INTERVAL": "3"},
			want: func(c *Config) {
				c.InstanceID = 7
				c.Listen = []string{"10.0.0.1:6653", "10.0.0.2:6653"}
				c.EchoInterval = 3 * time.Second
			},
		},
		{
			name: "flags over environment over file",
			env:  map[string]string{"OFLB_CONFIG": file, "OFLB_INSTANCE_ID": "7", "OFLB_POLICY_DIR": "/env/policy"},
			args: []string{"--instance-id=9", "--log-level=warn", "--listen=:7000", "--listen=:7001", "--flow-mod-rate=250.5", "--default-hard-timeout=0s", "--reply-catch=off"},
			want: func(c *Config) {
				c.ReplyCatch = ReplyCatchOff
				c.InstanceID = 9
				c.PolicyDir = "/env/policy"
				c.LogLevel = slog.LevelWarn
				c.Listen = []string{":7000", ":7001"}
				c.FlowModRate = 250.5
				c.DefaultHardTimeout = 0
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			configEnv(t, tt.env)
			got, err := LoadConfig(flags(t, tt.args...))
			if err != nil {
				t.Fatal(err)
			}
			want := Config{
				Listen:             []string{":6653", "127.0.0.1:6633"},
				APIAddress:         "127.0.0.1:9000",
				MetricsAddress:     "127.0.0.1:9100",
				PolicyDir:          "/file/policy",
				LogLevel:           slog.LevelDebug,
				LogFormat:          LogJSON,
				InstanceID:         1,
				Forwarding:         ForwardLearning,
				ReplyCatch:         ReplyCatchOn,
				MaxFlowsPerSwitch:  4000,
				EchoInterval:       2 * time.Second,
				EchoTimeout:        10 * time.Second,
				FlowModRate:        400,
				FlowModBurst:       50,
				DefaultIdleTimeout: time.Minute,
				DefaultHardTimeout: 10 * time.Minute,
			}
			tt.want(&want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	typo := write("typo.yaml", "api_address: 127.0.0.1:1\nlistne: [':1']\napi_address: x\n")
	badValue := write("bad.yaml", "\ninstance_id: 300\nlog_format: xml\n")
	empty := write("empty.yaml", "# defaults\n")
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string // "" means valid
	}{
		{
			name: "unknown and duplicate keys in the file",
			args: []string{"--config=" + typo},
			want: "config file: " + typo + `:2:1: config: unknown key "listne" (did you mean "listen"?)` + "\n" +
				typo + `:3:1: config: duplicate key "api_address" (first at line 1)`,
		},
		{
			name: "bad values in the file name their line",
			args: []string{"--config=" + badValue},
			want: "config: log_format (config file " + badValue + `:3:13): unknown value "xml" (want text or json)` + "\n" +
				"config: instance_id (config file " + badValue + ":2:14): 300 is out of range 0..255",
		},
		{
			name: "empty file is all defaults",
			args: []string{"--config=" + empty},
		},
		{
			name: "missing file",
			args: []string{"--config=" + filepath.Join(dir, "nope.yaml")},
			want: "config file " + filepath.Join(dir, "nope.yaml") + ": cannot read the file: no such file or directory",
		},
		{
			name: "bad environment variable",
			env:  map[string]string{"OFLB_ECHO_INTERVAL": "5x"},
			want: `config: echo_interval (environment variable OFLB_ECHO_INTERVAL): invalid duration "5x" (write e.g. 5s, 1m or a number of seconds)`,
		},
		{
			name: "bad flag",
			args: []string{"--forwarding=flood"},
			want: `config: forwarding (flag --forwarding): unknown value "flood" (want normal or learning)`,
		},
		{
			name: "bad log level",
			env:  map[string]string{"OFLB_LOG_LEVEL": "loud"},
			want: `config: log_level (environment variable OFLB_LOG_LEVEL): unknown level "loud" (want debug, info, warn or error)`,
		},
		{
			name: "validation: addresses",
			args: []string{"--listen=6653", "--listen=:1", "--listen=:1", "--api-address=localhost:http"},
			want: `config: listen: "6653": want host:port, e.g. 127.0.0.1:8080 or :6653` + "\n" +
				`config: listen: ":1" is listed twice` + "\n" +
				`config: api_address: "localhost:http": port "http" is not a number 0..65535`,
		},
		{
			name: "validation: echo and rates",
			args: []string{"--echo-interval=5s", "--echo-timeout=1s", "--flow-mod-rate=-1"},
			want: "config: echo_timeout: 1s must exceed echo_interval (5s)\n" +
				"config: flow_mod_rate: -1 must be a positive number of flow-mods per second",
		},
		{
			name: "validation: timeouts",
			env:  map[string]string{"OFLB_DEFAULT_IDLE_TIMEOUT": "1.5s", "OFLB_DEFAULT_HARD_TIMEOUT": "100000"},
			want: "config: default_idle_timeout: 1.5s is not a whole number of seconds\n" +
				"config: default_hard_timeout: 27h46m40s is out of range 0s..18h12m15s",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			configEnv(t, tt.env)
			_, err := LoadConfig(flags(t, tt.args...))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		c    Config
		want string
	}{
		{name: "zero", c: Config{}},
		{name: "kernel-chosen port", c: Config{Listen: []string{"127.0.0.1:0"}}},
		{name: "bad metrics address", c: Config{MetricsAddress: "9100"}, want: `config: metrics_address: "9100": want host:port, e.g. 127.0.0.1:8080 or :6653`},
		{name: "bad enums", c: Config{LogFormat: 9, Forwarding: 9, ReplyCatch: 3}, want: "config: log_format: LogFormat(9) is not text or json\nconfig: forwarding: ForwardingMode(9) is not normal or learning\nconfig: reply_catch: ReplyCatchMode(3) is not auto, on or off"},
		{name: "echo interval too short", c: Config{EchoInterval: time.Millisecond}, want: "config: echo_interval: 1ms is out of range 100ms..1h"},
		{name: "negative burst", c: Config{FlowModBurst: -1}, want: "config: flow_mod_burst: -1 must be at least 1"},
		{name: "negative flow cap", c: Config{MaxFlowsPerSwitch: -1}, want: "config: max_flows_per_switch: -1 must be 0 (no cap) or more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if err := tt.c.Validate(); err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestEnumStrings(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"tcp", TCP.String(), "tcp"},
		{"udp", UDP.String(), "udp"},
		{"bad protocol", Protocol(1).String(), "Protocol(1)"},
		{"scheduler", ConsistentHash.String(), "consistent_hash"},
		{"bad scheduler", Scheduler(0).String(), "Scheduler(0)"},
		{"mode", Conntrack.String(), "conntrack"},
		{"bad mode", Mode(9).String(), "Mode(9)"},
		{"arp", NoARP.String(), "noarp"},
		{"bad arp", ARPMode(0).String(), "ARPMode(0)"},
		{"unknown port", UnknownReset.String(), "reset"},
		{"bad unknown port", UnknownPortAction(0).String(), "UnknownPortAction(0)"},
		{"stats", StatsPerFlow.String(), "per_flow"},
		{"bad stats", StatsPolicy(0).String(), "StatsPolicy(0)"},
		{"log format", LogJSON.String(), "json"},
		{"forwarding", ForwardLearning.String(), "learning"},
		{"reply catch", ReplyCatchAuto.String(), "auto"},
		{"bad reply catch", ReplyCatchMode(3).String(), "ReplyCatchMode(3)"},
		{"mac", MAC{2, 0, 0xa, 0, 0, 0x64}.String(), "02:00:0a:00:00:64"},
		{"pos", Pos{"a.yaml", 3, 0}.String(), "a.yaml:3"},
		{"key", VIPKey{netipAddr("10.0.0.1"), UDP, 53}.String(), "udp 10.0.0.1:53"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}
