package configserver_test

// The tests run sie-config on every store it ships with.
import (
	_ "github.com/sieproject/sie/internal/store/gcsstore"
	_ "github.com/sieproject/sie/internal/store/local"
	_ "github.com/sieproject/sie/internal/store/natsstore"
	_ "github.com/sieproject/sie/internal/store/s3store"
)
