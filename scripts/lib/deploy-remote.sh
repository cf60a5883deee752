#!/usr/bin/env bash
# The server half of scripts/deploy.sh. It runs on the host, from the bundle that deploy.sh unpacked in
# DIR/.incoming, and exits with:
#   0 deployed and the smoke check passed;
#   1 failed before anything running changed, or a first deploy failed (nothing to roll back to);
#   2 the new version failed its smoke check and the previous image and files are serving again;
#   3 the new version failed and so did the rollback.
set -euo pipefail

dir='' mode=build image='' project='' smoke_timeout=60 wait_timeout=180
sets=()
while [ $# -gt 0 ]; do
  case $1 in
    --dir) dir=$2; shift 2 ;;
    --mode) mode=$2; shift 2 ;;
    --image) image=$2; shift 2 ;;
    --project) project=$2; shift 2 ;;
    --smoke-timeout) smoke_timeout=$2; shift 2 ;;
    --wait-timeout) wait_timeout=$2; shift 2 ;;
    --set) sets+=("$2"); shift 2 ;;
    *) echo "deploy-remote: unknown argument $1" >&2; exit 1 ;;
  esac
done
if [ -z "$dir" ] || [ -z "$image" ]; then echo "deploy-remote: --dir and --image are required" >&2; exit 1; fi
case $mode in build | pull) ;; *) echo "deploy-remote: --mode must be build or pull" >&2; exit 1 ;; esac

# shellcheck source-path=SCRIPTDIR source=dotenv.sh
. "$(dirname "${BASH_SOURCE[0]}")/dotenv.sh"

log() { printf '[deploy %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
for need in docker curl; do
  command -v "$need" >/dev/null || { log "this host has no $need: install it first (scripts/ec2/user-data.sh does)"; exit 1; }
done
docker compose version >/dev/null 2>&1 || { log "this host's docker has no compose plugin (docker compose): install it first"; exit 1; }
cd "$dir"
incoming=$dir/.incoming previous=$dir/.previous
compose() {
  if [ -n "$project" ]; then docker compose -p "$project" "$@"; else docker compose "$@"; fi
}

# The tag for the image running now, in the repository of the image being deployed: repo:previous.
repository_of() {
  local ref=${1%@*} last
  last=${ref##*/}
  if [[ $last == *:* ]]; then printf '%s' "${ref%:*}"; else printf '%s' "$ref"; fi
}
previous_image="$(repository_of "$image"):previous"

# 1. Remember what runs now: its image (by id, so a rebuilt or re-pulled tag cannot move it) and its files.
running_container=$(compose ps -q app 2>/dev/null | head -n 1 || true)
had_previous=false
if [ -n "$running_container" ]; then
  running_image_id=$(docker inspect -f '{{.Image}}' "$running_container")
  docker tag "$running_image_id" "$previous_image"
  rm -rf "$previous" && mkdir -p "$previous"
  cp -a docker-compose.yml nginx .env "$previous/" 2>/dev/null || true
  had_previous=true
  log "running image ${running_image_id:7:12} tagged $previous_image"
else
  log "no app container running: first deploy, nothing to roll back to"
fi

# 2. The new files (never .env: it holds the secrets), then .env's non-secret settings.
install_files() { # $1: bundle directory
  rm -rf nginx
  cp -a "$1"/. .
}
install_files "$incoming"
if [ ! -f .env ]; then
  dotenv_default .env MONGO_ROOT_PASSWORD "$(random_secret)"
  log "wrote .env with a generated MONGO_ROOT_PASSWORD"
fi
for pair in "${sets[@]}"; do
  key=${pair%%=*}
  case $key in
    *PASSWORD* | *SECRET* | *TOKEN*) log "refusing to overwrite secret $key from the command line"; exit 1 ;;
  esac
  dotenv_set .env "$key" "${pair#*=}"
done
dotenv_set .env APP_IMAGE "$image"
http_port=$(dotenv_get .env HTTP_PORT)
http_port=${http_port:-80}

rollback() {
  if [ "$had_previous" != true ]; then
    log "first deploy failed; the logs:"
    compose logs --tail 20 app nginx >&2 || true
    exit 1
  fi
  log "rolling back to $previous_image"
  compose logs --no-log-prefix --tail 5 app >&2 || true
  rm -rf nginx
  cp -a "$previous"/. .
  dotenv_set .env APP_IMAGE "$previous_image"
  export APP_IMAGE=$previous_image
  if compose up -d --wait --wait-timeout "$wait_timeout" --remove-orphans && smoke; then
    log "ROLLED BACK: the previous image is serving again"
    exit 2
  fi
  log "rollback failed too"
  compose ps >&2 || true
  exit 3
}

# Smoke check through nginx on the host: /healthz and the home page, both 200, within smoke_timeout.
status_of() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1" || true; }
smoke() {
  local deadline=$((SECONDS + smoke_timeout)) base="http://127.0.0.1:$http_port" health home
  while :; do
    health=$(status_of "$base/healthz") home=$(status_of "$base/")
    if [ "$health" = 200 ] && [ "$home" = 200 ]; then
      log "smoke check passed: /healthz and / answer 200 through nginx ($(curl -fsS --max-time 5 "$base/healthz"))"
      return 0
    fi
    [ "$SECONDS" -lt "$deadline" ] || break
    sleep 2
  done
  log "smoke check FAILED after ${smoke_timeout}s: $base/healthz answered $health, $base/ answered $home"
  return 1
}

# 3. The image: built here from the shipped source, or pulled from its registry.
export APP_IMAGE=$image
if [ "$mode" = build ]; then
  log "building $image"
  get_image() { compose build app; }
else
  log "pulling $image"
  get_image() { compose pull app; }
fi
if ! get_image; then
  log "could not get $image; nothing running was changed"
  if [ "$had_previous" = true ]; then
    rm -rf nginx && cp -a "$previous"/. .
  fi
  exit 1
fi

# 4. Start it and check it; roll back on any failure.
log "starting the stack"
if ! compose up -d --wait --wait-timeout "$wait_timeout" --remove-orphans; then
  log "the stack did not become healthy"
  rollback
fi
smoke || rollback
log "deployed $image"
