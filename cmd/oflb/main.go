// Command oflb is the oflb OpenFlow load balancer: the controller itself
// (oflb serve), a policy checker (oflb policy check) and a client of its
// REST API (oflb status, switches, vips, backends, flows, stats, backend
// drain/enable, policy reload).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at build time with
// -ldflags "-X main.version=v1.2.3"; otherwise the module version or the
// VCS revision from the build info is used.
var version = ""

// versionString returns the version of this binary.
func versionString() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return "devel-" + rev
}

// exitError ends the program with a status after its message (if any)
// has been printed.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line args and returns the exit status. ctx
// ending is a request to stop (as SIGTERM is for serve).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(stderr, "oflb:", ee.msg)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "oflb:", err)
	return 1
}

// newRootCmd builds the command tree writing to stdout and stderr.
func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "oflb",
		Short: "OpenFlow 1.3 load balancer: controller, policy checker and API client",
		Long: `oflb is an OpenFlow 1.3 controller whose main application is a load balancer.
Switches (Open vSwitch or OpenFlow 1.3 hardware) are the data plane; oflb serves
tenants' virtual IPs from pools of backends described in per-tenant policy files.

Run the controller with "oflb serve"; check policy files with "oflb policy check";
inspect and drive a running controller through its REST API with the other
commands (--api or $OFLB_API names it).`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	cf := &clientFlags{}
	root.PersistentFlags().StringVar(&cf.api, "api", defaultAPI(), "oflb REST API base URL (also $OFLB_API)")
	root.PersistentFlags().StringVarP(&cf.output, "output", "o", "table", "output format of API commands: table or json")
	root.AddCommand(
		newServeCmd(),
		newVersionCmd(cf),
		newPolicyCmd(cf),
		newStatusCmd(cf),
		newSwitchesCmd(cf),
		newVIPsCmd(cf),
		newBackendsCmd(cf),
		newFlowsCmd(cf),
		newStatsCmd(cf),
		newBackendCmd(cf),
	)
	return root
}

func newVersionCmd(cf *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of this binary",
		Example: `  oflb version
  oflb version -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := struct {
				Version   string `json:"version"`
				GoVersion string `json:"go_version"`
				Platform  string `json:"platform"`
			}{versionString(), runtime.Version(), runtime.GOOS + "/" + runtime.GOARCH}
			if cf.output == "json" {
				return printJSON(cmd.OutOrStdout(), v)
			}
			if err := cf.checkOutput(); err != nil {
				return err
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "oflb %s (%s %s)\n", v.Version, v.GoVersion, v.Platform)
			return err
		},
	}
}
