package workers

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkHeartbeatFleet cycles steady-state NATS heartbeats of 1,000
// workers (nothing changes: each only refreshes its worker's heartbeat).
// At one heartbeat per 5 s per worker the gateway handles 200/s per 1,000
// workers, so the CPU share is ns/op × 200 / 1e9; compare
// BenchmarkStatusFrameFleet (the WebSocket path, 5,000 frames/s per 1,000
// workers) in the same run.
func BenchmarkHeartbeatFleet(b *testing.B) {
	reg := NewRegistry(RegistryConfig{})
	hb := NewHeartbeats(reg, HeartbeatConfig{})
	subjects := make([]string, 1000)
	msgs := make([][]byte, 1000)
	now := time.Now()
	for i := range subjects {
		name := fmt.Sprintf("sie-worker-default-%d", i)
		subjects[i] = "sie.health." + name
		msgs[i] = heartbeat(name, true, "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd")
		hb.Handle(subjects[i], msgs[i], now)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		hb.Handle(subjects[i%1000], msgs[i%1000], now)
		i++
	}
}
