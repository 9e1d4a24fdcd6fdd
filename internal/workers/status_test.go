package workers

import (
	"strings"
	"testing"
	"time"
)

func parse(t *testing.T, msg string) (*rawStatus, error) {
	t.Helper()
	var s scanner
	var raw rawStatus
	err := parseStatus(&s, []byte(msg), &raw)
	return &raw, err
}

// types/worker.rs #6: {"ready":true} alone takes the defaults.
func TestStatusDefaults(t *testing.T) {
	raw, err := parse(t, `{"ready":true}`)
	if err != nil || !raw.ready || raw.name != nil || raw.gpuCount != 0 || len(raw.loaded) != 0 {
		t.Fatalf("%+v %v", raw, err)
	}
	d := derive(&Worker{url: "http://w:1"}, raw)
	info := d.build(Healthy, SourceWS, time.Now())
	if info.Name != "http://w:1" || info.Bundle != "default" || info.GPUCount != 1 || info.QueueDepth != 0 || info.MemoryTotalBytes != 0 {
		t.Fatalf("%+v", info)
	}
}

// types/worker.rs #7–#9 and worker_registry.rs #7–#10: full messages sum
// models and gpus; compact top-level fields apply only when a list is empty.
func TestStatusFullAndCompact(t *testing.T) {
	full := `{"timestamp":1.5,"ready":true,"name":"w-1","machine_profile":"l4","pool_name":"p","gpu_count":2,
		"bundle":"sglang","bundle_config_hash":"abc","loaded_models":["a/b","c"],"max_batch_requests":64,
		"server":{"version":"0.1.0","pid":1},
		"gpus":[{"device":"cuda:0","memory_used_bytes":100,"memory_total_bytes":500,"memory_threshold_pct":85.0},{"memory_used_bytes":200,"memory_total_bytes":500}],
		"models":[{"name":"a/b","state":"loaded","device":null,"memory_bytes":0,"config":{"hf_id":null,"outputs":["dense"],"dims":{"dense":8}},"queue_depth":3,"queue_pending_items":0},{"name":"c","queue_depth":5},{"name":"d","queue_depth":null}],
		"counters":{},"histograms":{"x":{"m":{"buckets":[1.0,2e3],"counts":[1,2]}}},
		"queue_depth":99,"memory_used_bytes":7,"memory_total_bytes":8,"future_key":[true,false,null]}`
	raw, err := parse(t, full)
	if err != nil {
		t.Fatal(err)
	}
	d := derive(&Worker{url: "u"}, raw)
	info := d.build(Healthy, SourceWS, time.Now())
	if info.Name != "w-1" || info.Bundle != "sglang" || info.BundleConfigHash != "abc" || info.MachineProfile != "l4" ||
		info.PoolName != "p" || info.GPUCount != 2 || info.QueueDepth != 8 || info.MemoryUsedBytes != 300 || info.MemoryTotalBytes != 1000 ||
		strings.Join(info.LoadedModels, ",") != "a/b,c" {
		t.Fatalf("%+v", info)
	}
	raw, err = parse(t, `{"ready":true,"models":[],"gpus":[],"queue_depth":4,"memory_used_bytes":10,"memory_total_bytes":40}`)
	if err != nil {
		t.Fatal(err)
	}
	d = derive(&Worker{url: "u"}, raw)
	info = d.build(Healthy, SourceWS, time.Now())
	if info.QueueDepth != 4 || info.MemoryUsedBytes != 10 || info.MemoryTotalBytes != 40 || info.MemoryUtilization() != 0.25 {
		t.Fatalf("compact: %+v", info)
	}
	raw, _ = parse(t, `{"ready":true,"queue_depth":null,"name":null,"bundle":null,"gpu_count":null}`)
	d = derive(&Worker{url: "u"}, raw)
	if info := d.build(Healthy, SourceWS, time.Now()); info.QueueDepth != 0 || info.Name != "u" || info.Bundle != "default" || info.GPUCount != 1 {
		t.Fatalf("nulls count as missing: %+v", info)
	}
}

func TestStatusEscapesAndInvalid(t *testing.T) {
	raw, err := parse(t, `{"name":"w\u00e9\"\\\ud83d\ude00","bundle":"b","loaded_models":["x\ty","z"]}`)
	if err != nil || string(raw.name) != "wé\"\\😀" || string(raw.loaded[0]) != "x\ty" || string(raw.bundle) != "b" {
		t.Fatalf("%q %q %v", raw.name, raw.loaded, err)
	}
	invalid := []string{
		``, `[]`, `{`, `{"ready":"yes"}`, `{"ready":1}`, `{"name":5}`, `{"gpu_count":1.5}`, `{"gpu_count":-1}`,
		`{"gpu_count":99999999999999999999}`, `{"loaded_models":[1]}`, `{"models":[1]}`, `{"models":{}}`,
		`{"ready":true} x`, `{"a":tru}`, `{"a":01}`, `{"a":"\x"}`, `{"a":"` + "\x01" + `"}`, `{"a":[1,]}`, `{"a":{"b"}}`,
		`{"a":1,}`, `{"name":"` + "\xff" + `"}`, `{"a":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`,
		`{"models":[{"queue_depth":"3"}]}`, `{"gpus":[{"memory_used_bytes":1.0}]}`, `{"a":-}`, `{"a":1e}`, `{"a":.5}`,
	}
	for _, msg := range invalid {
		if _, err := parse(t, msg); err == nil {
			t.Errorf("%q accepted", msg)
		}
	}
	valid := []string{` {"a" : [ 1 , -0.5e+3 , "s" , {"b":null} ] } `, `{}`, `{"models":null,"gpus":null,"loaded_models":null}`}
	for _, msg := range valid {
		if _, err := parse(t, msg); err != nil {
			t.Errorf("%q rejected: %v", msg, err)
		}
	}
}
