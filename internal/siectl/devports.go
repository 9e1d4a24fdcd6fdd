package siectl

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"syscall"
)

// devPort is one port `siectl dev` will listen on, and the flag that moves it.
type devPort struct {
	port int
	what string
	flag string
}

// devPortPlan lists every port of a dev cluster with bundles bundles:
// NATS, sie-config, the workers (consecutive from --worker-port, per bundle)
// and the gateways (consecutive from --gateway-port, stepping over the
// ports already taken, so gateway 2 does not land on sie-config's 8081).
// Port 0 (and NATS -1) means "any free port" and is left out.
func devPortPlan(d *devOptions, bundles []string) (ports []devPort, gatewayPorts []int) {
	used := map[int]bool{}
	add := func(p int, what, flag string) {
		if p > 0 {
			ports = append(ports, devPort{p, what, flag})
			used[p] = true
		}
	}
	add(d.natsPort, "NATS", "--nats-port")
	add(d.configPort, "sie-config", "--config-port")
	p := d.workerPort
	for _, b := range bundles {
		for i := 0; i < d.workersPerBundle; i++ {
			add(p, fmt.Sprintf("worker %d of bundle %s", i+1, b), "--worker-port")
			if p != 0 {
				p++
			}
		}
	}
	gw := d.gatewayPort
	for i := 0; i < d.gateways; i++ {
		for gw != 0 && used[gw] {
			gw++
		}
		gatewayPorts = append(gatewayPorts, gw)
		add(gw, fmt.Sprintf("gateway %d", i+1), "--gateway-port")
		if gw != 0 {
			gw++
		}
	}
	return ports, gatewayPorts
}

// checkDevPorts tries every planned port at once and reports all conflicts
// together, each with the flag that changes it, before anything starts.
func checkDevPorts(ports []devPort) error {
	var problems []string
	seen := map[int]string{}
	for _, p := range ports {
		if p.port > 65535 {
			problems = append(problems, fmt.Sprintf("%d (%s): not a TCP port; change %s", p.port, p.what, p.flag))
			continue
		}
		if other, dup := seen[p.port]; dup {
			problems = append(problems, fmt.Sprintf("%d (%s): also planned for %s; change %s", p.port, p.what, other, p.flag))
			continue
		}
		seen[p.port] = p.what
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p.port)))
		if err != nil {
			reason := "in use"
			if !isAddrInUse(err) {
				reason = err.Error()
			}
			problems = append(problems, fmt.Sprintf("%d (%s): %s; change %s", p.port, p.what, reason, p.flag))
			continue
		}
		_ = ln.Close()
	}
	if len(problems) == 0 {
		return nil
	}
	return &portConflictError{problems: problems}
}

// portConflictError lists every unusable port.
type portConflictError struct{ problems []string }

func (e *portConflictError) Error() string {
	return fmt.Sprintf("%d port(s) on 127.0.0.1 cannot be used; nothing was started:\n  %s",
		len(e.problems), strings.Join(e.problems, "\n  "))
}

func isAddrInUse(err error) bool { return errors.Is(err, syscall.EADDRINUSE) }
