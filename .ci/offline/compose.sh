#!/usr/bin/env bash
# Step 2: Docker Compose v2 CLI plugin built with Go from the Go module proxy.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PLUGIN="${PLUGIN_DIRS[0]}/docker-compose"

log "Docker Compose plugin $COMPOSE_VERSION"
if [[ -x "$PLUGIN" ]] && [[ "$("$PLUGIN" version --short 2>/dev/null || true)" == "${COMPOSE_VERSION#v}" ]]; then
  info "already installed: $PLUGIN"
else
  build_go_plugin docker-compose "$COMPOSE_MODULE" "$COMPOSE_VERSION" ./cmd \
    "-X $COMPOSE_MODULE/internal.Version=$COMPOSE_VERSION" -tags e2e
fi

# The plugin must be reachable from every docker client on this machine.
for d in "${PLUGIN_DIRS[@]:1}"; do
  [[ -x "$d/docker-compose" ]] || { mkdir -p "$d"; install -m 0755 "$PLUGIN" "$d/docker-compose"; }
done
v="$(docker compose version 2>&1)" || die "'docker compose version' failed: $v" \
  "check that $PLUGIN is executable and that ~/.docker/config.json has no conflicting cliPluginsExtraDirs"
info "$v"
