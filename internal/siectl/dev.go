package siectl

import (
	"errors"

	"github.com/spf13/cobra"
)

func devCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "dev",
		Short: "Run NATS, sie-config, gateways and simulated workers locally",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return failed("%v", errors.New("not available yet"))
		},
	}
}
