package natsstore

import (
	"context"

	"github.com/sieproject/sie/internal/bus"
	"github.com/sieproject/sie/internal/store"
)

// Scheme is the URL scheme of this backend: nats://<bucket>.
const Scheme = "nats"

// A binary that imports this package can open nats:// stores. The
// connection is SIE_NATS_URL with the SIE_NATS_* credentials, the stream's
// replica count SIE_CONFIG_STORE_REPLICAS.
func init() {
	store.Register(Scheme, func(_ context.Context, loc store.Location, o store.OpenOptions) (store.Store, error) {
		opts, err := OptionsFromEnv(o.Env())
		if err != nil {
			return nil, err
		}
		opts.Logger = o.Logger
		s, err := Open(loc, opts)
		if err != nil {
			return nil, err
		}
		return s, nil
	})
}

// OptionsFromEnv reads SIE_NATS_URL, the SIE_NATS_* credentials and
// SIE_CONFIG_STORE_REPLICAS.
func OptionsFromEnv(getenv func(string) string) (Options, error) {
	creds, err := bus.CredentialsFromEnv(getenv)
	if err != nil {
		return Options{}, err
	}
	replicas, err := ParseReplicas(getenv(EnvReplicas))
	if err != nil {
		return Options{}, err
	}
	return Options{URL: getenv("SIE_NATS_URL"), Credentials: creds, Replicas: replicas}, nil
}
