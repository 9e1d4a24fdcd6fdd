package configdelta

import (
	"reflect"
	"testing"
)

// The keys come in the contract's order, lists are never null, and deleted
// appears on removals only.
func TestEncode(t *testing.T) {
	p := Payload{RouterID: "sie-config-0", BundleID: "default", Epoch: 6, BundleConfigHash: "h", ModelID: "n/e",
		ProfilesAdded: []string{"default"}, ModelConfig: "sie_id: n/e\n", AffectedBundles: []string{"default"}}
	want := `{"router_id":"sie-config-0","bundle_id":"default","epoch":6,"bundle_config_hash":"h","model_id":"n/e","profiles_added":["default"],"model_config":"sie_id: n/e\n","affected_bundles":["default"]}`
	if got := string(p.Encode()); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	removal := Payload{RouterID: "r", Epoch: 2, ModelID: "m", Deleted: true}
	want = `{"router_id":"r","bundle_id":"","epoch":2,"bundle_config_hash":"","model_id":"m","profiles_added":[],"model_config":"","affected_bundles":[],"deleted":true}`
	if got := string(removal.Encode()); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

// What a gateway reads of an encoded payload is what was encoded.
func TestDecodeReadsEncode(t *testing.T) {
	p := Payload{RouterID: "r", BundleID: "b", Epoch: 1<<63 + 5, BundleConfigHash: "h", ModelID: "m", ProfilesAdded: []string{"a", "b"},
		ModelConfig: "sie_id: m\n", AffectedBundles: []string{"b"}, Deleted: true}
	got, err := Decode(p.Encode())
	if err != nil || !reflect.DeepEqual(got, p) {
		t.Fatalf("got %+v, %v; want %+v", got, err, p)
	}
}

// nats/manager.rs #1, #2, #11: the envelope and its optional keys.
func TestDecode(t *testing.T) {
	e, err := Decode([]byte(`{"router_id":"sie-config-0","bundle_id":"default","epoch":6,"bundle_config_hash":"h","model_id":"n/e","profiles_added":["default"],"model_config":"sie_id: n/e\n","affected_bundles":["default"],"future":{"x":1}}`))
	if err != nil || e.RouterID != "sie-config-0" || e.Epoch != 6 || e.ModelID != "n/e" || e.ModelConfig != "sie_id: n/e\n" ||
		!reflect.DeepEqual(e.ProfilesAdded, []string{"default"}) || !reflect.DeepEqual(e.AffectedBundles, []string{"default"}) {
		t.Fatalf("got %+v, %v", e, err)
	}
	e, err = Decode([]byte(`{"producer_id":"p","bundle_id":"","epoch":0,"bundle_config_hash":""}`))
	if err != nil || e.RouterID != "p" || e.ModelID != "" || e.ModelConfig != "" || e.Deleted {
		t.Fatalf("alias and defaults: got %+v, %v", e, err)
	}
	// The informative lists are never checked.
	if e, err := Decode([]byte(`{"router_id":"r","bundle_id":"d","epoch":1,"bundle_config_hash":"","profiles_added":5,"affected_bundles":[1]}`)); err != nil || e.ProfilesAdded != nil || e.AffectedBundles != nil {
		t.Errorf("informative lists: %+v, %v", e, err)
	}
	for _, bad := range []string{
		`[]`, `not json`, `{"bundle_id":"d","epoch":1,"bundle_config_hash":""}`,
		`{"router_id":"r","epoch":1,"bundle_config_hash":""}`,
		`{"router_id":"r","bundle_id":"d","bundle_config_hash":""}`,
		`{"router_id":"r","bundle_id":"d","epoch":1}`,
		`{"router_id":"r","bundle_id":"d","epoch":-1,"bundle_config_hash":""}`,
		`{"router_id":"r","bundle_id":"d","epoch":1.5,"bundle_config_hash":""}`,
		`{"router_id":"r","bundle_id":"d","epoch":"1","bundle_config_hash":""}`,
		`{"router_id":5,"bundle_id":"d","epoch":1,"bundle_config_hash":""}`,
		`{"router_id":"r","bundle_id":"d","epoch":1,"bundle_config_hash":"","deleted":"yes"}`,
		`{"router_id":"r","router_id":"s","bundle_id":"d","epoch":1,"bundle_config_hash":""}`,
	} {
		if _, err := Decode([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}
