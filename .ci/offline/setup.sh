#!/usr/bin/env bash
# Offline container toolchain: the one entry point. Idempotent; see README.md.
#   bash .ci/offline/setup.sh
# Steps: Docker engine -> compose plugin -> buildx plugin (optional) ->
# Node 24 (/opt/node24) -> local images -> .offline/env. Each step can also be run alone (engine.sh, ...).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start=$SECONDS
[[ $EUID -eq 0 ]] || die "setup.sh must run as root (it installs packages and starts dockerd)" "rerun with sudo or as root"

step() {
  local name=$1 t0=$SECONDS
  if ! bash "$OFFLINE_DIR/$name"; then
    die "step $name failed (see the messages above)" \
      "fix the cause and rerun .ci/offline/setup.sh; finished steps are skipped on a rerun"
  fi
  info "($name: $((SECONDS - t0))s)"
}

step engine.sh
step compose.sh
# buildx is optional: without it builds fall back to the classic builder.
if bash "$OFFLINE_DIR/buildx.sh"; then
  builder_env=$'DOCKER_BUILDKIT=1'
else
  warn "buildx unavailable: 'docker build' and 'docker compose build' will use the classic builder (DOCKER_BUILDKIT=0)"
  builder_env=$'DOCKER_BUILDKIT=0\nCOMPOSE_BAKE=false'
fi
step node.sh
step images.sh
step images-monitoring.sh
step images-edge.sh

log "writing $ENV_FILE"
mkdir -p "$(dirname "$ENV_FILE")"
# shellcheck source=/dev/null
. "$CACHE_DIR/build/images.env"
# shellcheck source=/dev/null
. "$CACHE_DIR/build/monitoring.env"
# shellcheck source=/dev/null
. "$CACHE_DIR/build/images-edge.env"
tmp="$ENV_FILE.tmp"
cat >"$tmp" <<EOT
NODE_IMAGE=$NODE_IMAGE
NGINX_IMAGE=$NGINX_IMAGE
MONGO_IMAGE=$MONGO_IMAGE
PROMETHEUS_IMAGE=$PROMETHEUS_IMAGE
NGINX_EXPORTER_IMAGE=$NGINX_EXPORTER_IMAGE
ALERTMANAGER_IMAGE=$ALERTMANAGER_IMAGE
BLACKBOX_EXPORTER_IMAGE=$BLACKBOX_EXPORTER_IMAGE
NODE_EXPORTER_IMAGE=$NODE_EXPORTER_IMAGE
ACME_IMAGE=$ACME_IMAGE
PEBBLE_IMAGE=$PEBBLE_IMAGE
DB_ENFORCES_ROLES=no
FERRETDB_VERSION=${FERRETDB_VERSION#v}
TESTCONTAINERS_RYUK_DISABLED=true
$builder_env
NODE24_BIN=$NODE24_PREFIX/bin
EOT
mv "$tmp" "$ENV_FILE"
sed 's/^/    /' "$ENV_FILE"

log "done in $((SECONDS - start))s; env file: $ENV_FILE"
echo "$ENV_FILE"
