// Command oflb-lab runs oflb against Open vSwitch in a lab of network
// namespaces on one machine, the way a network engineer tries it out:
//
//	oflb-lab demo  [--oflb PATH] [--requests 300] [--clients 3]
//	oflb-lab bench [--duration 10s] [--concurrency 8] [--flows 40000]
//	oflb-lab up    [--state /tmp/oflb-lab]     # leave a lab running
//	oflb-lab down  [--state /tmp/oflb-lab]
//
// Every command starts `oflb serve` (the --oflb binary, else an oflb
// beside this one, else one built from the source tree) with the policy
// files of --policy-dir (policy/examples) and OpenFlow and API on
// kernel-chosen loopback ports, then a private Open vSwitch instance (the
// ovs-lab harness: userspace datapath, no kernel module) with one
// secure-mode bridge connected to it, client hosts h1..hN at
// 10.0.0.1..N and the example policy's backends (web1-3 at 10.0.0.11-13
// with HTTP on 8080 and a UDP echo on 53; api1-2 at 10.0.0.21-22 with HTTP
// on 8443), each a network namespace running real servers.
//
// demo sends --requests new connections to every VIP from all clients,
// prints how they spread over the backends against the policy's weights,
// `oflb vips`, `oflb flows` and the per-flow entries on the switch, and
// tears everything down; it exits non-zero if a request failed or the
// spread is off. bench measures new TCP connections per second (connect,
// GET, close) straight to a backend and through a VIP, the connect
// latency the VIP adds and the first packets lost, and with --flows the
// rate as idle-timeout entries pile up on the switch. up leaves a lab
// running in the background and prints how to use it; down stops it.
//
// It needs root, Open vSwitch (openvswitch-switch), iproute2 and ethtool;
// scripts/demo.sh installs them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

const usage = `usage: oflb-lab COMMAND [flags]

commands:
  demo    run the load-balancer demo end to end, then tear it down
  bench   measure new connections/s through a VIP vs straight to a backend
  up      leave a lab running in the background and print how to use it
  down    stop the lab that up left running

"oflb-lab COMMAND -h" lists the command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command line and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	err := dispatch(ctx, args[0], args[1:], stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case ctx.Err() != nil:
		fmt.Fprintf(stderr, "oflb-lab: interrupted: %v\n", err)
		return 130
	}
	fmt.Fprintf(stderr, "oflb-lab %s: FAILED: %v\n", args[0], err)
	return 1
}

// errUsage is a command-line mistake that has already been reported.
var errUsage = errors.New("usage")

// commonFlags registers the flags every lab command has.
func commonFlags(fs *flag.FlagSet, o *setupOptions) {
	fs.StringVar(&o.oflb, "oflb", "", "oflb binary to run (default: oflb beside oflb-lab, else built from the source tree)")
	fs.StringVar(&o.policyDir, "policy-dir", "", "policy directory (default: policy/examples of the source tree)")
	fs.IntVar(&o.clients, "clients", 8, "number of client hosts (1-10); consistent hashing needs several to spread")
	fs.BoolVar(&o.verbose, "v", false, "log the lab harness's steps")
}

func dispatch(ctx context.Context, cmd string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("oflb-lab "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var so setupOptions
	parse := func() error {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return errUsage
		}
		if fs.NArg() > 0 {
			fmt.Fprintf(stderr, "oflb-lab %s: unexpected arguments %q\n", cmd, fs.Args())
			return errUsage
		}
		if so.clients < 1 || so.clients > 10 {
			fmt.Fprintf(stderr, "oflb-lab %s: --clients %d: want 1..10\n", cmd, so.clients)
			return errUsage
		}
		return nil
	}
	switch cmd {
	case "demo":
		o := demoOptions{}
		commonFlags(fs, &so)
		fs.IntVar(&o.requests, "requests", 300, "new connections (or UDP flows) sent to each VIP")
		if err := parse(); err != nil {
			return err
		}
		if o.requests < 1 {
			fmt.Fprintln(stderr, "oflb-lab demo: --requests must be positive")
			return errUsage
		}
		o.setupOptions = so
		return runDemo(ctx, stdout, o)
	case "bench":
		o := benchOptions{}
		commonFlags(fs, &so)
		fs.DurationVar(&o.duration, "duration", 10*time.Second, "length of each measurement")
		fs.IntVar(&o.concurrency, "concurrency", 8, "connections open at once")
		flows := fs.String("flows", "", "knee search: N (steps 0,N/4,N/2,N) or a list N1,N2,... of idle-timeout entries to hold on the switch")
		if err := parse(); err != nil {
			return err
		}
		var err error
		if o.flows, err = parseFlowSteps(*flows); err != nil {
			fmt.Fprintf(stderr, "oflb-lab bench: %v\n", err)
			return errUsage
		}
		if o.duration <= 0 || o.concurrency < 1 {
			fmt.Fprintln(stderr, "oflb-lab bench: --duration and --concurrency must be positive")
			return errUsage
		}
		o.setupOptions = so
		return runBench(ctx, stdout, o)
	case "up":
		commonFlags(fs, &so)
		fs.StringVar(&so.dir, "state", DefaultStateDir, "directory of the running lab's state and logs")
		foreground := fs.Bool("foreground", false, "run the lab in this process until SIGTERM (what up starts in the background)")
		if err := parse(); err != nil {
			return err
		}
		if *foreground {
			return runForeground(ctx, stdout, so)
		}
		return runUp(ctx, stdout, so, args)
	case "down":
		dir := fs.String("state", DefaultStateDir, "directory of the running lab's state")
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return errUsage
		}
		return runDown(stdout, *dir)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "oflb-lab: unknown command %q\n\n%s", cmd, usage)
	return errUsage
}
