#!/usr/bin/env bash
# Step 2b: buildx CLI plugin (BuildKit client) built with Go from the Go module
# proxy. With it, `docker build` and `docker compose build` use the engine's
# built-in BuildKit (RUN --mount=type=cache|secret etc.). Optional: if it fails,
# setup.sh falls back to the classic builder (DOCKER_BUILDKIT=0).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PLUGIN_DIRS=(/usr/local/lib/docker/cli-plugins /usr/libexec/docker/cli-plugins)
PLUGIN="${PLUGIN_DIRS[0]}/docker-buildx"
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"

log "Docker buildx plugin $BUILDX_VERSION"
if [[ -x "$PLUGIN" ]] && "$PLUGIN" version 2>/dev/null | grep -q " $BUILDX_VERSION\b"; then
  info "already installed: $PLUGIN"
else
  [[ -x "$GO" ]] || die "no Go toolchain found" "install Go >= 1.26.8 (or set GO=/path/to/go) and rerun"
  log "downloading $BUILDX_MODULE@$BUILDX_VERSION from the Go module proxy"
  json="$(cd /tmp && GOFLAGS=-mod=mod with_retries 3 "$GO" mod download -json "$BUILDX_MODULE@$BUILDX_VERSION")" \
    || die "go mod download $BUILDX_MODULE@$BUILDX_VERSION failed" "check that the Go module proxy is reachable and rerun"
  moddir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$json")"
  [[ -d "$moddir" ]] || die "module directory not found after download ($moddir)" "rerun; if it persists run: go clean -modcache"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  cp -r "$moddir" "$work/src" && chmod -R u+w "$work/src"
  log "building docker-buildx (several minutes on a cold Go cache)"
  (cd "$work/src" && CGO_ENABLED=0 GOFLAGS=-mod=mod "$GO" build -trimpath \
      -ldflags "-w -s -X $BUILDX_MODULE/version.Version=$BUILDX_VERSION -X $BUILDX_MODULE/version.Package=$BUILDX_MODULE" \
      -o "$work/docker-buildx" ./cmd/buildx) >"$work/go.log" 2>&1 \
    || { tail -n 30 "$work/go.log" >&2; die "building buildx $BUILDX_VERSION failed" "see the Go errors above; setup.sh can go on without it (classic builder)"; }
  for d in "${PLUGIN_DIRS[@]}"; do
    mkdir -p "$d"
    install -m 0755 "$work/docker-buildx" "$d/docker-buildx"
  done
fi
v="$(docker buildx version 2>&1)" || die "'docker buildx version' failed: $v" "check that $PLUGIN is executable"
info "$v"
