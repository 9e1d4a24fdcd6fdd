package controlplane

// delta is one NATS payload and the bundle it targets ("" = _all only).
type delta struct {
	bundle string
	data   []byte
}
