#!/usr/bin/env bash
# Step 2b: buildx CLI plugin (BuildKit client) built with Go from the Go module
# proxy. With it, `docker build` and `docker compose build` use the engine's
# built-in BuildKit (RUN --mount=type=cache|secret etc.). Optional: if it fails,
# setup.sh falls back to the classic builder (DOCKER_BUILDKIT=0).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PLUGIN="${PLUGIN_DIRS[0]}/docker-buildx"

log "Docker buildx plugin $BUILDX_VERSION"
if [[ -x "$PLUGIN" ]] && "$PLUGIN" version 2>/dev/null | grep -q " $BUILDX_VERSION\b"; then
  info "already installed: $PLUGIN"
else
  build_go_plugin docker-buildx "$BUILDX_MODULE" "$BUILDX_VERSION" ./cmd/buildx \
    "-X $BUILDX_MODULE/version.Version=$BUILDX_VERSION -X $BUILDX_MODULE/version.Package=$BUILDX_MODULE"
fi
v="$(docker buildx version 2>&1)" || die "'docker buildx version' failed: $v" "check that $PLUGIN is executable"
info "$v"
