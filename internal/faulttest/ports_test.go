package faulttest

import (
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
)

// freePort returns a free loopback port for a server that will be
// restarted on it. It is chosen below the kernel's ephemeral range, so an
// outgoing connection of some other test cannot take it while the server
// is down (a kill -9, an outage).
func freePort(t testing.TB) int {
	t.Helper()
	lo, hi := 20000, ephemeralMin()-1
	if hi-lo < 1000 {
		lo, hi = 0, 0
	}
	for range 200 {
		port := 0
		if hi > lo {
			port = lo + rand.IntN(hi-lo)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			continue
		}
		port = ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		return port
	}
	t.Fatal("no free loopback port")
	return 0
}

// ephemeralMin is the low end of the kernel's ephemeral port range
// (32768 when unknown).
func ephemeralMin() int {
	data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err == nil {
		if f := strings.Fields(string(data)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil {
				return n
			}
		}
	}
	return 32768
}
