# syntax=docker/dockerfile:1
#
# sie-gateway: the config read side (mirror of sie-config) and worker tracker.
#
# Build from the repository root (the build context):
#
#   docker build -f deploy/docker/sie-gateway.Dockerfile -t sie-gateway:dev .
#
# The gateway image carries no catalog: gateways learn every bundle and model
# from sie-config (SIE_CONFIG_SERVICE_URL) and NATS deltas.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
WORKDIR /src

COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download

COPY . .
# Empty VERSION keeps the version compiled into internal/version.
ARG VERSION=
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=linux go build -trimpath \
      -ldflags="-s -w ${VERSION:+-X github.com/sieproject/sie/internal/version.Version=${VERSION}}" \
      -o /out/sie-gateway ./cmd/sie-gateway

# Static, shell-less, non-root (uid/gid 65532). Health is checked by the
# orchestrator's HTTP probes (/healthz, /readyz).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/sie-gateway /sie-gateway
# Numeric so that Kubernetes runAsNonRoot can verify it.
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/sie-gateway", "serve"]
