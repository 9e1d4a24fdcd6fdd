// Command siectl is the admin CLI for the SIE control plane.
package main

import (
	"os"

	"github.com/sieproject/sie/internal/siectl"
)

func main() {
	os.Exit(siectl.Main(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}
