package siectl

// sie-config runs here in-process on a local directory store, or on the
// embedded NATS's JetStream (--store nats), as cmd/siectl links them.
import (
	_ "github.com/sieproject/sie/internal/store/local"
	_ "github.com/sieproject/sie/internal/store/natsstore"
)
