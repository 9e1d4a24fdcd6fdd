package workers

import "testing"

// FuzzParseStatus feeds arbitrary frames to the status parser: it must
// never panic, whatever a worker (or an impostor) sends.
func FuzzParseStatus(f *testing.F) {
	f.Add([]byte(`{"name":"w","ready":true,"bundle":"default","bundle_config_hash":"abc","loaded_models":["a"],"models":[{"name":"a","state":"loaded"}],"gpus":[{"name":"g"}]}`))
	f.Add([]byte(`{"ready":false,"models":[{"name":1}],"gpus":null}`))
	f.Add([]byte(`{"name":"\ud800","x":[[[[[[[[[]]]]]]]]]}`))
	f.Add([]byte(`{"ready":true,"bundle_config_hash":"h","config_epoch":12,"unsupported_models":["a/m","b\u002fm"]}`))
	f.Add([]byte(`{"config_epoch":null,"unsupported_models":null}`))
	f.Add([]byte(`[1,2,3]`))
	f.Add([]byte("\x00\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s scanner
		var out rawStatus
		_ = parseStatus(&s, data, &out)
	})
}
