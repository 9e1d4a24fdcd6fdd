package helm_test

import "testing"

// checkHealthMode: the gateways hear workers the way gateway.healthMode
// says (ws unless set), and a NATS health mode comes with NATS.
func checkHealthMode(t *testing.T, genv map[string]envVar, v values) {
	t.Helper()
	want := v.str("gateway.healthMode")
	if want == "" {
		want = "ws"
	}
	got, ok := literal(t, genv, "SIE_GATEWAY_HEALTH_MODE")
	if !ok || got != want {
		t.Errorf("SIE_GATEWAY_HEALTH_MODE=%q (set %v), want %q (gateway.healthMode)", got, ok, want)
	}
	if want != "ws" {
		if u, _ := literal(t, genv, "SIE_NATS_URL"); u == "" {
			t.Errorf("gateway.healthMode=%s without SIE_NATS_URL: no worker could be discovered", want)
		}
	}
}
