// Command siectl is the admin CLI for the SIE control plane.
package main

import (
	"os"

	"github.com/sieproject/sie/internal/siectl"
	// siectl dev keeps sie-config's store in a local directory or in the
	// embedded NATS's JetStream (--store nats): the only backends this
	// binary links (no cloud SDKs).
	_ "github.com/sieproject/sie/internal/store/local"
	_ "github.com/sieproject/sie/internal/store/natsstore"
)

func main() {
	os.Exit(siectl.Main(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}
