package testkit

import (
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
)

// FreePort returns a loopback TCP port that was free a moment ago, for a
// server a test starts (or restarts) on a port it must know in advance;
// where a server can report the port it got, prefer port 0. The port is
// chosen below the kernel's ephemeral range, so an outgoing connection of
// some other test cannot take it while the server is down (a kill -9, an
// outage).
func FreePort(t testing.TB) int {
	t.Helper()
	return FreePorts(t, 1)
}

// FreePorts returns the first of n consecutive free loopback ports (chosen
// like FreePort), so a group of servers can be restarted on the addresses
// others already know.
func FreePorts(t testing.TB, n int) int {
	t.Helper()
	lo, hi := 20000, ephemeralMin()-n
	if hi-lo < 1000 {
		lo, hi = 0, 0
	}
	for range 200 {
		first := 0
		if hi > lo {
			first = lo + rand.IntN(hi-lo)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(first))
		if err != nil {
			continue
		}
		first = ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if allFree(first+1, n-1) {
			return first
		}
	}
	t.Fatalf("no %d free consecutive loopback ports", n)
	return 0
}

func allFree(from, n int) bool {
	for p := from; p < from+n; p++ {
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			return false
		}
		ln.Close()
	}
	return true
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
