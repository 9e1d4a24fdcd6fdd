// Command sie-loadtest is the black-box benchmark: it runs sie-config and
// sie-gateway as separate processes, drives them over HTTP and measures the
// floors (a durable file replace, a NATS publish and round trip, reading and
// parsing the stored files) in its own process in the same run.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/sieproject/sie/internal/loadtest"
)

func main() {
	os.Exit(run())
}

func run() int {
	bin := flag.String("bin", "", "directory holding built sie-config and sie-gateway (default: build them)")
	portBase := flag.Int("port-base", 0, "first listen port to use (default: free ports)")
	scenarios := flag.String("run", "post,writers,restore", "scenarios: post, post100k, writers, writers100k, restore")
	count := flag.Int("count", 3, "runs of each scenario")
	writes := flag.Int("writes", 500, "serial POSTs per post run")
	restoreDocs := flag.Int("restore-docs", 100000, "stored documents of the restore scenario")
	writersFor := flag.Duration("writers-for", 3*time.Second, "how long each writers step runs")
	tmp := flag.String("tmp", "", "scratch directory (default: a new one under the system temp dir)")
	flag.Parse()

	dir := *tmp
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "sie-loadtest-"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	defer os.RemoveAll(dir)
	bins := loadtest.Binaries{Dir: *bin}
	if *bin == "" {
		var err error
		if bins, err = loadtest.Build(context.Background(), dir+"/bin"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	logs, err := os.Create(dir + "/processes.log")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	env := &loadtest.Env{Bins: bins, Ports: loadtest.NewPorts(*portBase), Dir: dir, Out: os.Stdout, Log: logs}
	if err := loadtest.Report(env, strings.Split(*scenarios, ","), *count, *writes, *restoreDocs, *writersFor); err != nil {
		fmt.Fprintln(os.Stderr, "sie-loadtest:", err)
		return 1
	}
	return 0
}
