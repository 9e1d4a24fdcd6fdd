# syntax=docker/dockerfile:1
#
# sie-config: the authoritative config control plane.
#
# Build from the repository root (the build context):
#
#   docker build -f deploy/docker/sie-config.Dockerfile -t sie-config:dev .
#
# The image bakes a catalog at /app/bundles and /app/models, the defaults of
# SIE_BUNDLES_DIR and SIE_MODELS_DIR. By default that is the project's sample
# catalog; pass --build-arg CATALOG_DIR=<dir with bundles/ and models/, inside
# the build context> to bake another one.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
WORKDIR /src

# Module downloads get their own layer so source edits do not refetch them.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download

COPY . .
# Empty VERSION keeps the version compiled into internal/version.
ARG VERSION=
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=linux go build -trimpath \
      -ldflags="-s -w ${VERSION:+-X github.com/sieproject/sie/internal/version.Version=${VERSION}}" \
      -o /out/sie-config ./cmd/sie-config

# Stage the catalog with read-only permissions for the runtime user.
ARG CATALOG_DIR=internal/samplecatalog
RUN mkdir -p /out/app/bundles /out/app/models \
 && cp "${CATALOG_DIR}"/bundles/*.yaml /out/app/bundles/ \
 && cp "${CATALOG_DIR}"/models/*.yaml /out/app/models/ \
 && chmod 0755 /out/app /out/app/bundles /out/app/models \
 && chmod 0644 /out/app/bundles/*.yaml /out/app/models/*.yaml

# Static, shell-less, non-root (uid/gid 65532). Health is checked by the
# orchestrator's HTTP probes (/healthz, /readyz), not by a HEALTHCHECK.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/sie-config /sie-config
COPY --from=build /out/app /app
ENV SIE_BUNDLES_DIR=/app/bundles \
    SIE_MODELS_DIR=/app/models
# Numeric so that Kubernetes runAsNonRoot can verify it.
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/sie-config", "serve"]
