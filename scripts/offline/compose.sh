#!/usr/bin/env bash
# Step 2: Docker Compose v2 CLI plugin built with Go from the Go module proxy.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PLUGIN_DIRS=(/usr/local/lib/docker/cli-plugins /usr/libexec/docker/cli-plugins)
PLUGIN="${PLUGIN_DIRS[0]}/docker-compose"
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"

log "Docker Compose plugin $COMPOSE_VERSION"
if [[ -x "$PLUGIN" ]] && [[ "$("$PLUGIN" version --short 2>/dev/null || true)" == "${COMPOSE_VERSION#v}" ]]; then
  info "already installed: $PLUGIN"
else
  [[ -x "$GO" ]] || die "no Go toolchain found (looked for 'go' on PATH and /usr/local/go/bin/go)" \
    "install Go >= 1.26.8 (or set GO=/path/to/go) and rerun"
  log "downloading $COMPOSE_MODULE@$COMPOSE_VERSION from the Go module proxy"
  json="$(cd /tmp && GOFLAGS=-mod=mod with_retries 3 "$GO" mod download -json "$COMPOSE_MODULE@$COMPOSE_VERSION")" \
    || die "go mod download $COMPOSE_MODULE@$COMPOSE_VERSION failed" \
      "check GOPROXY ($("$GO" env GOPROXY)) is reachable and that $("$GO" version) satisfies the module's 'go' line"
  moddir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$json")"
  [[ -d "$moddir" ]] || die "module directory not found after download ($moddir)" "rerun; if it persists run: go clean -modcache"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  # Build in a writable copy: the module cache is read-only.
  cp -r "$moddir" "$work/src" && chmod -R u+w "$work/src"
  log "building docker-compose (takes a few minutes on a cold Go cache)"
  (cd "$work/src" && CGO_ENABLED=0 GOFLAGS=-mod=mod "$GO" build -trimpath -tags e2e \
      -ldflags "-w -s -X $COMPOSE_MODULE/internal.Version=$COMPOSE_VERSION" \
      -o "$work/docker-compose" ./cmd) >"$work/go.log" 2>&1 \
    || { tail -n 30 "$work/go.log" >&2; die "building docker compose $COMPOSE_VERSION failed" "see the Go errors above; 'go clean -cache' and rerun if the cache is corrupt"; }
  for d in "${PLUGIN_DIRS[@]}"; do
    mkdir -p "$d"
    install -m 0755 "$work/docker-compose" "$d/docker-compose"
  done
fi

# The plugin must be reachable from every docker client on this machine.
for d in "${PLUGIN_DIRS[@]:1}"; do
  [[ -x "$d/docker-compose" ]] || { mkdir -p "$d"; install -m 0755 "$PLUGIN" "$d/docker-compose"; }
done
v="$(docker compose version 2>&1)" || die "'docker compose version' failed: $v" \
  "check that $PLUGIN is executable and that ~/.docker/config.json has no conflicting cliPluginsExtraDirs"
info "$v"
