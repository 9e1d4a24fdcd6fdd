package gatewayapi

import (
	"fmt"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/canonjson"
	"github.com/sieproject/sie/internal/workers"
)

// BenchmarkStatusRebuild500 is the cost of one status view with 500
// workers of the model's bundle when the cache is stale (a worker or the
// mirror changed): the readiness rules, the document and its encoding,
// against the encoding alone as the floor. Requests between two changes
// are served from the cache (BenchmarkStatusThroughput in gatewayserver).
//
//	go test -run '^$' -bench StatusRebuild500 -benchmem -count 3 ./internal/gatewayapi/
func BenchmarkStatusRebuild500(b *testing.B) {
	st := state(b, 7, modelDoc("a/m", bertFlash))
	reg := workers.NewRegistry(workers.RegistryConfig{})
	hash := st.ExpectedHash("default")
	for i := range 500 {
		msg := fmt.Sprintf(`{"ready":true,"name":"sim-default-%d","bundle":"default","bundle_config_hash":%q,"config_epoch":7,"unsupported_models":[]}`, i, hash)
		if err := reg.HandleMessage(fmt.Sprintf("http://127.0.0.1:%d", 9000+i), []byte(msg), time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	m := st.Find("a/m")
	view := st.StatusOf(m, reg)
	if view.State != "ready" || len(view.Bundles[0].Workers) != 500 {
		b.Fatalf("%+v", view)
	}
	doc := statusDoc(view)
	b.Run("floor_encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = canonjson.AppendCanonical(make([]byte, 0, 1024), doc, canonjson.ORJSON)
		}
	})
	b.Run("rebuild", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = canonjson.AppendCanonical(make([]byte, 0, 1024), statusDoc(st.StatusOf(m, reg)), canonjson.ORJSON)
		}
	})
}
