package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/oflb/oflb/lb"
	"github.com/oflb/oflb/policy"
)

func newPolicyCmd(cf *clientFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Check policy files, or reload a running controller's policy",
	}
	cmd.AddCommand(newPolicyCheckCmd(), newPolicyReloadCmd(cf))
	return cmd
}

func newPolicyCheckCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check DIR",
		Short: "Validate a policy directory without a controller",
		Long: `Validate the tenant policy files of DIR as one set, exactly as the controller
does before accepting them. Every problem is printed on its own line as
file:line:col: reason and the exit status is 1; a valid directory prints
"DIR: N tenants, M VIPs: OK" and the exit status is 0.`,
		Example: `  oflb policy check /etc/oflb/policy
  oflb policy check ./policy/examples && oflb policy reload`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			p, err := policy.Load(dir, nil)
			if err == nil {
				// What this controller version would still refuse at
				// serve time (modes it does not implement) fails here
				// too: a directory that checks OK must load.
				_, err = lb.FromPolicy(p, lb.ForwardNormal)
			}
			if err != nil {
				var b strings.Builder
				for _, e := range policyErrors(err) {
					b.WriteString(e.String())
					b.WriteByte('\n')
				}
				fmt.Fprint(cmd.ErrOrStderr(), b.String())
				return &exitError{code: 1, msg: fmt.Sprintf("%s: %d problems", dir, len(policyErrors(err)))}
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s: %d tenants, %d VIPs: OK\n", dir, len(p.Tenants()), p.Len())
			return err
		},
	}
}
