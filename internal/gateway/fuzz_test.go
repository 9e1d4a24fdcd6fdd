package gateway

import "testing"

// FuzzHandleDelta feeds arbitrary NATS payloads to a mirror: it must never
// panic, and whatever it applies must leave a consistent snapshot.
func FuzzHandleDelta(f *testing.F) {
	f.Add(payload("sie-config", 1, "a/m", modelYAML("a/m", "default")))
	f.Add(payload("sie-config", 2, "a/m", "", "deleted=true"))
	f.Add(payload("evil", 1, "x", "sie_id: x\n"))
	f.Add([]byte(`{"router_id":"sie-config","epoch":"1","model_id":5}`))
	f.Add([]byte(`{"router_id":"sie-config","bundle_id":"default","epoch":18446744073709551615,"model_id":"m","model_config":"a: &a [*a]"}`))
	f.Add([]byte("\xff\xfe"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, _ := newTestMirror(t, Config{})
		m.HandleDelta(data)
		st := m.Snapshot()
		for _, model := range st.Models() {
			if st.Exact(model.ID) != model {
				t.Fatalf("snapshot index broken for %q", model.ID)
			}
		}
	})
}
