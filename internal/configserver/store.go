package configserver

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/sieproject/sie/internal/store/core"
	"github.com/sieproject/sie/internal/store/local"
)

// openStore opens the store named by SIE_CONFIG_STORE_DIR.
func openStore(_ context.Context, url string, log *slog.Logger) (core.Store, error) {
	if strings.HasPrefix(url, "s3://") || strings.HasPrefix(url, "gs://") {
		return nil, fmt.Errorf("store %s: cloud stores are not wired yet", url)
	}
	return local.Open(url, local.Options{Logger: log})
}
