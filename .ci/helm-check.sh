#!/usr/bin/env bash
# Lint and render the Helm chart (deploy/helm/sie) with its default values and
# with every deploy/helm/ci-values/*.yaml, then check the rendered manifests'
# invariants with the Go test in deploy/helm (helm_test.go).
#
#   ci-values/<case>.yaml        must lint and render; rendered to <out>/<case>.yaml
#   ci-values/fail-<case>.yaml   must be refused by the chart (helm template fails)
#
# helm comes from, in order: $SIE_HELM (a binary), a v3 `helm` on PATH, the
# cache $SIE_HELM_CACHE (default ~/.cache/sie-helm), Debian's package if it
# has one, or else a build of helm.sh/helm/v3 from the Go module proxy into the
# cache (outside this repository's go.mod; a few minutes once, then cached).
#
# Env: SIE_HELM_VERSION (default v3.22.0), SIE_HELM_RENDERED_DIR (keep the
# rendered output there instead of a temporary directory).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHART="$ROOT/deploy/helm/sie"
CASES="$ROOT/deploy/helm/ci-values"
HELM_VERSION="${SIE_HELM_VERSION:-v3.22.0}"
CACHE="${SIE_HELM_CACHE:-${HOME:-/root}/.cache/sie-helm}"
START=$(date +%s)

log() { printf '[helm-check] %s\n' "$*" >&2; }

is_helm3() { [[ -x "$1" ]] && "$1" version --short 2>/dev/null | grep -q '^v3\.'; }

find_helm() {
  if [[ -n "${SIE_HELM:-}" ]] && is_helm3 "$SIE_HELM"; then
    echo "$SIE_HELM"; return
  fi
  local onpath
  onpath="$(command -v helm || true)"
  if [[ -n "$onpath" ]] && is_helm3 "$onpath"; then
    echo "$onpath"; return
  fi
  local cached="$CACHE/$HELM_VERSION/helm"
  if is_helm3 "$cached"; then
    echo "$cached"; return
  fi
  # Debian's package, when the archive has one.
  if command -v apt-get >/dev/null && [[ "$(id -u)" == 0 ]]; then
    log "looking for a Debian helm package"
    apt-get update -qq >/dev/null 2>&1 || log "apt-get update failed; skipping Debian"
    local candidate
    candidate="$(apt-cache policy helm 2>/dev/null | awk '/Candidate:/ {print $2}')"
    if [[ -n "$candidate" && "$candidate" != "(none)" ]]; then
      log "installing Debian helm $candidate"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq helm >/dev/null
      onpath="$(command -v helm || true)"
      if [[ -n "$onpath" ]] && is_helm3 "$onpath"; then
        echo "$onpath"; return
      fi
      log "Debian's helm is not a helm v3; building instead"
    else
      log "Debian has no helm package"
    fi
  fi
  # Build from the Go module proxy into the cache. `go install pkg@version`
  # ignores the current module, so this touches neither go.mod nor go.sum.
  command -v go >/dev/null || { log "no go toolchain to build helm with"; exit 1; }
  log "building helm $HELM_VERSION with go install (cached in $CACHE)"
  mkdir -p "$CACHE/$HELM_VERSION"
  local tmp
  tmp="$(mktemp -d "$CACHE/build.XXXXXX")"
  (
    cd "$tmp"
    GOBIN="$tmp" GOFLAGS=-buildvcs=false CGO_ENABLED=0 \
      go install -trimpath \
        -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
        "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  ) >&2
  mv -f "$tmp/helm" "$CACHE/$HELM_VERSION/helm"
  rm -rf "$tmp"
  is_helm3 "$cached" || { log "the built helm does not run"; exit 1; }
  echo "$cached"
}

HELM="$(find_helm)"
log "using $HELM ($("$HELM" version --short 2>/dev/null))"

if [[ -n "${SIE_HELM_RENDERED_DIR:-}" ]]; then
  OUT="$SIE_HELM_RENDERED_DIR"
  mkdir -p "$OUT"
  rm -f "$OUT"/*.yaml
else
  OUT="$(mktemp -d)"
  trap 'rm -rf "$OUT"' EXIT
fi

# Default values: release "sie" in namespace "sie" (fullname "sie").
"$HELM" lint --strict "$CHART" >/dev/null
"$HELM" template sie "$CHART" --namespace sie > "$OUT/default.yaml"
# The high-availability values shipped with the chart.
"$HELM" lint --strict "$CHART" -f "$CHART/values-ha.yaml" >/dev/null
"$HELM" template sie "$CHART" --namespace sie -f "$CHART/values-ha.yaml" > "$OUT/values-ha.yaml"
n=2
shopt -s nullglob
for f in "$CASES"/*.yaml; do
  name="$(basename "$f" .yaml)"
  if [[ "$name" == fail-* ]]; then
    if "$HELM" template rel "$CHART" --namespace sie-ci -f "$f" >/dev/null 2>"$OUT/.err"; then
      log "ci-values/$name.yaml rendered, but the chart must refuse it"
      exit 1
    fi
    log "refused as expected: $name ($(grep -m1 -o 'error.*' "$OUT/.err" | cut -c1-120))"
    continue
  fi
  if ! "$HELM" lint --strict "$CHART" -f "$f" >"$OUT/.lint" 2>&1; then
    cat "$OUT/.lint" >&2
    exit 1
  fi
  "$HELM" template rel "$CHART" --namespace sie-ci -f "$f" > "$OUT/$name.yaml"
  n=$((n + 1))
done
rm -f "$OUT/.err" "$OUT/.lint"
log "rendered $n value sets into $OUT"

cd "$ROOT"
SIE_HELM_RENDERED_DIR="$OUT" go test -count=1 ./deploy/helm/
log "done in $(( $(date +%s) - START )) s"
