// Package workerview is what a worker makes of a config document it
// receives: the strict worker schema with pydantic's coercions, the stub
// rule, the resulting view (strict, stub or ignored, with one human reason
// per cause) and the model's entry in the worker-side bundle_config_hash.
// sie-config reports the view on every write, gateways predict the hash
// workers should report with it, and the worker simulator applies deltas
// with it.
package workerview
