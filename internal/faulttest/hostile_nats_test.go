package faulttest

import (
	"fmt"
	"strings"
)

// natsCase is one hostile message and the gateway's documented reaction
// (its sie_gateway_config_deltas_total result).
type natsCase struct {
	name   string
	data   []byte
	result string
	// generation is the Sie-Config-Generation header ("" sends none).
	generation string
}

const bigMessage = 4 << 20 // above NATS's default max_payload; the test server allows it

// gatewayMessages are hostile messages on sie.config.models._all for a
// gateway at local epoch l (≥ 1) whose allow-list is the single entry
// trusted, which admits producer (sie-config's router_id). None may change the
// gateway's state for good: untrusted and malformed ones are dropped, a
// trusted duplicate or stale one is ignored, and a trusted one at l+1 that
// does not parse leaves the state alone and only requests a resync. The
// trusted parse failures come last, so the others are not buffered during
// that resync.
func gatewayMessages(trusted, producer string, l uint64, generation string) []natsCase {
	forged := "sie_id: BAAI/bge-m3\nhf_id: evil/weights\n" + validProfile
	newDoc := "sie_id: hostile/forged\n" + validProfile
	env := func(router string, epoch uint64, id, doc string) []byte { return deltaPayload(router, epoch, id, doc) }
	return []natsCase{
		{"untrusted producer", env("evil", l+1, "hostile/forged", newDoc), "rejected_untrusted", ""},
		{"untrusted overwrite of a seed", env("evil", l+1, "BAAI/bge-m3", forged), "rejected_untrusted", ""},
		{"producer prefix trick", env(trusted+"uration", l+1, "hostile/forged", newDoc), "rejected_untrusted", ""},
		{"producer suffix trick", env("evil-"+trusted, l+1, "hostile/forged", newDoc), "rejected_untrusted", ""},
		{"producer underscore trick", env(trusted+"_0", l+1, "hostile/forged", newDoc), "rejected_untrusted", ""},
		{"producer case trick", env(strings.ToUpper(trusted), l+1, "hostile/forged", newDoc), "rejected_untrusted", ""},
		{"empty producer", env("", l+1, "hostile/forged", newDoc), "rejected_untrusted", ""},
		{"untrusted producer_id alias", []byte(fmt.Sprintf(`{"producer_id":"evil","bundle_id":"default","epoch":%d,"bundle_config_hash":"x","model_id":"hostile/forged","model_config":%q}`, l+1, newDoc)), "rejected_untrusted", ""},
		{"untrusted removal", []byte(fmt.Sprintf(`{"router_id":"evil","bundle_id":"default","epoch":%d,"bundle_config_hash":"","model_id":"BAAI/bge-m3","model_config":"","deleted":true}`, l+1)), "rejected_untrusted", ""},
		{"untrusted max epoch", env("evil", 1<<64-1, "hostile/forged", newDoc), "rejected_untrusted", ""},
		{"untrusted oversized", env("evil", l+1, "hostile/forged", newDoc+"#"+strings.Repeat("x", bigMessage)), "rejected_untrusted", ""},
		{"not JSON", []byte("not json"), "invalid_envelope", ""},
		{"JSON array", []byte("[]"), "invalid_envelope", ""},
		{"empty", []byte{}, "invalid_envelope", ""},
		{"invalid UTF-8", []byte("{\"router_id\":\"\xff\"}"), "invalid_envelope", ""},
		{"negative epoch", []byte(fmt.Sprintf(`{"router_id":%q,"bundle_id":"default","epoch":-1,"bundle_config_hash":"x"}`, producer)), "invalid_envelope", ""},
		{"string epoch", []byte(fmt.Sprintf(`{"router_id":%q,"bundle_id":"default","epoch":"%d","bundle_config_hash":"x"}`, producer, l+1)), "invalid_envelope", ""},
		{"epoch 1e30", []byte(fmt.Sprintf(`{"router_id":%q,"bundle_id":"default","epoch":1e30,"bundle_config_hash":"x"}`, producer)), "invalid_envelope", ""},
		{"missing bundle_config_hash", []byte(fmt.Sprintf(`{"router_id":%q,"bundle_id":"default","epoch":%d}`, producer, l+1)), "invalid_envelope", ""},
		{"model_config not a string", []byte(fmt.Sprintf(`{"router_id":%q,"bundle_id":"default","epoch":%d,"bundle_config_hash":"x","model_config":{"sie_id":"x"}}`, producer, l+1)), "invalid_envelope", ""},
		{"deep JSON", []byte(strings.Repeat("[", 100000)), "invalid_envelope", ""},
		{"oversized junk", []byte(strings.Repeat("A", bigMessage)), "invalid_envelope", ""},
		{"duplicate router_id key", []byte(fmt.Sprintf(`{"router_id":%q,"router_id":"evil","bundle_id":"default","epoch":%d,"bundle_config_hash":"x"}`, producer, l+1)), "invalid_envelope", ""},
		{"trusted duplicate with forged content", env(producer, l, "BAAI/bge-m3", forged), "duplicate", generation},
		{"trusted stale with forged content", env(producer, l-1, "BAAI/bge-m3", forged), "stale", generation},
		{"trusted YAML bomb", env(producer, l+1, "hostile/lol", string(billionLaughs())), "parse_error", generation},
	}
}

// workerMessages are hostile messages on a bundle subject for simulated
// workers: none may change a worker's hash. (Workers trust every producer,
// as Python workers do, so only malformed input is hostile here; the
// model ids are never written otherwise, since a recorded epoch would
// shadow later deltas.)
func workerMessages() [][]byte {
	bomb := fmt.Sprintf(`{"model_id":"hostile/w1","epoch":99,"model_config":%q}`, billionLaughs())
	guard := `{"model_id":"hostile/w2","epoch":99,"model_config":"sie_id: hostile/w2\nflag: yes\n"}`
	return [][]byte{
		[]byte("not json"), []byte("[]"), {}, []byte("\xff\xfe"),
		[]byte(`{"model_id":"hostile/w3","epoch":"x","model_config":"sie_id: hostile/w3"}`),
		[]byte(`{"model_id":"hostile/w4","epoch":1e400,"model_config":"sie_id: hostile/w4"}`),
		[]byte(`{"model_id":"hostile/w5","epoch":5,"model_config":"- not\n- a mapping\n"}`),
		[]byte(bomb), []byte(guard),
		[]byte(strings.Repeat("[", 100000)),
		[]byte(strings.Repeat("A", bigMessage)),
	}
}
