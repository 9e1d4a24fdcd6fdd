package workers

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// realFrame is a status message shaped like a real worker's with n models
// configured (worker-protocol.md §6.2): ~400 bytes per model entry.
func realFrame(n int, hash string) []byte {
	var b strings.Builder
	b.WriteString(`{"timestamp":1767225600.123,"ready":true,"name":"sie-worker-default-7d9f8-abcde","machine_profile":"l4","pool_name":"","gpu_count":1,"bundle":"default","bundle_config_hash":"`)
	b.WriteString(hash)
	b.WriteString(`","loaded_models":["BAAI/bge-m3"],"max_batch_requests":64,"server":{"version":"0.1.0","uptime_seconds":3600,"user":"app","working_dir":"/app","pid":1},"gpus":[{"device":"cuda:0","name":"NVIDIA L4","gpu_type":"l4","utilization_pct":37,"memory_used_bytes":8589934592,"memory_total_bytes":25769803776,"memory_threshold_pct":85.0}],"models":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"name":"org-%d/model-name-%d","state":"available","device":null,"memory_bytes":0,"config":{"hf_id":"org-%d/model-name-%d","adapter":"sie_server.adapters.bert_flash:BertFlashAdapter","inputs":["text"],"outputs":["dense","sparse"],"dims":{"dense":1024,"sparse":250002},"max_sequence_length":8192},"queue_depth":%d,"queue_pending_items":0}`, i, i, i, i, i%3)
	}
	b.WriteString(`],"counters":{"requests_total":{"BAAI/bge-m3":12345.0}},"histograms":{}}`)
	return []byte(b.String())
}

// BenchmarkStatusFrame is the per-frame cost of the steady state: a frame
// that changes nothing is scanned and only refreshes the heartbeat. With
// 1,000 workers at 5 frames/s the gateway handles 5,000 frames/s, so the
// CPU share is ns/op × 5,000 / 1e9.
func BenchmarkStatusFrame(b *testing.B) {
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprintf("models=%d", n), func(b *testing.B) {
			reg := NewRegistry(RegistryConfig{})
			w := reg.Add("http://w")
			cn := &conn{w: w}
			frame := realFrame(n, strings.Repeat("ab", 32))
			cn.buf.Write(frame)
			c := &Clients{reg: reg}
			b.SetBytes(int64(len(frame)))
			b.ReportAllocs()
			now := time.Now()
			for b.Loop() {
				c.frame(cn, now)
			}
		})
	}
}

// BenchmarkStatusFrameFleet cycles 1,000 workers, as the gateway sees them.
func BenchmarkStatusFrameFleet(b *testing.B) {
	reg := NewRegistry(RegistryConfig{})
	c := &Clients{reg: reg}
	conns := make([]*conn, 1000)
	frame := realFrame(100, strings.Repeat("cd", 32))
	for i := range conns {
		conns[i] = &conn{w: reg.Add(fmt.Sprintf("http://w%d", i))}
		conns[i].buf.Write(frame)
	}
	b.ReportAllocs()
	now := time.Now()
	i := 0
	for b.Loop() {
		c.frame(conns[i%len(conns)], now)
		i++
	}
}
