package siectl

// sie-config runs here in-process on a local directory store.
import _ "github.com/sieproject/sie/internal/store/local"
