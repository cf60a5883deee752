#!/usr/bin/env bash
# The stack on Docker Swarm: docker-compose.yml plus docker-compose.swarm.yml (docs/swarm.md). Run on a manager,
# from anywhere; it works in the checkout it belongs to.
#
#   scripts/swarm.sh deploy [--build] [STACK]   create missing secrets, pull or build missing images, deploy,
#                                                wait until every service has converged healthy, smoke-check
#   scripts/swarm.sh rm [STACK]                 remove the stack (its volumes and secrets stay)
#
# STACK defaults to COMPOSE_PROJECT_NAME, else the compose file's name:. --build always rebuilds APP_IMAGE here
# (one node; on several, push it to a registry the others can pull from). Settings come from the environment
# or .env, as for compose: HTTP_PORT, HTTPS_PORT, APP_IMAGE, NGINX_IMAGE, MONGO_IMAGE, NODE_IMAGE, and
#   SWARM_APP_REPLICAS   app replicas (default 3)
#   SWARM_WAIT_TIMEOUT   seconds to wait for convergence (default 300)
#   SWARM_RESOLVE_IMAGE  always | changed | never (docker stack deploy --resolve-image; default always,
#                        which pins each image's registry digest so every node runs the same bytes)
#   SECRETS_DIR          where the password files are (default ./secrets, the same files compose uses)
#   SMOKE_URL            where to smoke-check nginx (default http://127.0.0.1:HTTP_PORT)
# Exit status: 0 deployed and healthy; 1 bad input or not a swarm manager; 2 did not converge (rolled back or
# paused: `docker service ps STACK_app` says why).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source-path=SCRIPTDIR source=lib/dotenv.sh
. "$root/scripts/lib/dotenv.sh"

log() { printf '[swarm] %s\n' "$*"; }
die() { printf '[swarm] %s\n' "$1" >&2; exit "${2:-1}"; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; exit "${1:-0}"; }

# A setting from the environment, else .env, else the default: what compose itself would use.
setting() { local v=${!1:-}; [ -n "$v" ] || v=$(dotenv_get "$root/.env" "$1"); printf '%s' "${v:-$2}"; }

compose_files=(-f "$root/docker-compose.yml" -f "$root/docker-compose.swarm.yml")
secrets_dir=${SECRETS_DIR:-$root/secrets}

require_manager() {
  [ "$(docker info --format '{{.Swarm.LocalNodeState}}/{{.Swarm.ControlAvailable}}')" = active/true ] ||
    die "this node is not a swarm manager: docker swarm init (or join as a manager) first (docs/swarm.md)"
}

default_stack() { printf '%s' "${COMPOSE_PROJECT_NAME:-$(sed -n 's/^name: *//p' "$root/docker-compose.yml")}"; }

# The nodes carry the placement: nginx on edge=true, MongoDB on db=true. A one-node swarm gets both labels;
# on several nodes choosing is the operator's job (docs/swarm.md), and a missing label is an error here.
ensure_labels() {
  local nodes label
  mapfile -t nodes < <(docker node ls --format '{{.ID}}')
  for label in edge db; do
    if ! docker node ls -q --filter "node.label=$label=true" | grep -q .; then
      [ "${#nodes[@]}" -eq 1 ] || die "no node is labelled $label=true: docker node update --label-add $label=true NODE"
      docker node update --label-add "$label=true" "${nodes[0]}" >/dev/null
      log "labelled the only node $label=true"
    fi
  done
}

# Reads a secret file even when compose's db-secrets made it readable by the database's uid only.
read_secret() {
  if [ -r "$1" ]; then cat "$1"; else
    docker run --rm --network none --user 0:0 --cap-drop ALL --cap-add DAC_OVERRIDE \
      -v "$(dirname "$1"):/s:ro" "$(setting NODE_IMAGE node:24-bookworm-slim)" cat "/s/$(basename "$1")"
  fi
}

# secret FILE NAME VERSION_VAR: generates FILE if missing (as db-secrets would), creates the swarm secret
# STACK_NAME_<hash of content> unless it exists, and exports its hash for the overlay's name.
secret() {
  local file=$secrets_dir/$1 name=$2 var=$3 hash full
  if [ ! -s "$file" ]; then
    mkdir -p "$(dirname "$file")"
    (umask 077 && head -c 32 /dev/urandom | base64 | tr -d '/+=\n' >"$file.new" && mv "$file.new" "$file")
    log "generated $file"
  fi
  hash=$(read_secret "$file" | sha256sum | cut -c1-12)
  full=${stack}_${name}_$hash
  if ! docker secret inspect "$full" >/dev/null 2>&1; then
    read_secret "$file" | docker secret create --label "stack=$stack" "$full" - >/dev/null
    log "created secret $full"
  fi
  export "$var=$hash"
  current_secrets+=("$full")
}

# The merged stack file. `docker compose config` applies the overlay and interpolates; three spellings
# differ between the compose spec it prints and `docker stack deploy`'s schema: cpus must be a string,
# secret modes and published ports numbers. The top-level name: is compose's only.
render() {
  docker compose -p "$stack" "${compose_files[@]}" config 2> >(grep -v 'level=warning' >&2) |
    sed -E -e '/^name:/d' \
      -e 's/^( +cpus: )([0-9.]+)$/\1"\2"/' \
      -e 's/^( +mode: )"(0[0-7]+)"$/\1\2/' \
      -e 's/^( +published: )"([0-9]+)"$/\1\2/'
}

ensure_images() {
  local app image
  app=$(docker compose -p "$stack" "${compose_files[@]}" config --images app 2>/dev/null)
  if [ "$build" = 1 ]; then
    log "building $app"
    docker compose -p "$stack" -f "$root/docker-compose.yml" build app
  fi
  while read -r image; do
    docker image inspect "$image" >/dev/null 2>&1 && continue
    if docker pull --quiet "$image" >/dev/null 2>&1; then
      log "pulled $image"
    elif [ "$image" = "$app" ]; then
      log "building $image (not in any registry this node can reach)"
      docker compose -p "$stack" -f "$root/docker-compose.yml" build app
    else
      die "image $image is neither here nor pullable"
    fi
  done < <(docker compose -p "$stack" "${compose_files[@]}" config --images 2>/dev/null | sort -u)
}

# Every service of the stack at its desired task count, running (= healthy: swarm reports a task with a
# healthcheck as running only once healthy) and not mid-update. Fails at once on a rollback or a pause.
wait_converged() {
  local deadline=$((SECONDS + $(setting SWARM_WAIT_TIMEOUT 300))) svc state replicas pending
  while :; do
    pending=''
    while read -r svc replicas; do
      state=$(docker service inspect --format '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' "$svc")
      case $state in
        rollback_completed | rollback_paused | paused)
          die "$svc: update $state: $(docker service inspect --format '{{.UpdateStatus.Message}}' "$svc")" 2 ;;
        updating | rollback_started) pending+=" $svc($state)" ;;
      esac
      # "2/3", or "1/1 (max 2 per node)"
      replicas=${replicas%% *}
      [ "${replicas%/*}" = "${replicas#*/}" ] && [ "${replicas#*/}" != 0 ] || pending+=" $svc($replicas)"
    done < <(docker service ls --filter "label=com.docker.stack.namespace=$stack" --format '{{.Name}} {{.Replicas}}')
    [ -z "$pending" ] && return 0
    [ "$SECONDS" -lt "$deadline" ] || die "not converged after $(setting SWARM_WAIT_TIMEOUT 300)s:$pending" 2
    sleep 2
  done
}

# The same pages deploy-remote.sh checks, through nginx: readiness, home, and the main navigation's links.
smoke() {
  local url path deadline=$((SECONDS + 60)) nav=''
  url=$(setting SMOKE_URL "http://127.0.0.1:$(setting HTTP_PORT 80)")
  until nav=$(curl -fs --max-time 5 "$url/" | sed -n '/<nav aria-label="Main">/,/<\/nav>/p' |
    grep -o 'href="/[^"]*"' | cut -d'"' -f2) && [ -n "$nav" ]; do
    [ "$SECONDS" -lt "$deadline" ] || die "smoke check failed: no main navigation at $url/" 2
    sleep 1
  done
  for path in /readyz / $nav; do
    until curl -fs -o /dev/null --max-time 5 "$url$path"; do
      [ "$SECONDS" -lt "$deadline" ] || die "smoke check failed: $url$path" 2
      sleep 1
    done
  done
  log "smoke check passed through nginx at $url"
}

# Old secret versions go once no service uses them (removal of one still in use fails, harmlessly).
prune_secrets() {
  local name keep
  while read -r name; do
    keep=0
    for c in "${current_secrets[@]}"; do [ "$name" = "$c" ] && keep=1; done
    [ "$keep" = 1 ] || { docker secret rm "$name" >/dev/null 2>&1 && log "removed unused secret $name"; } || true
  done < <(docker secret ls --filter "label=stack=$stack" --format '{{.Name}}')
}

deploy() {
  local file out started=$SECONDS
  require_manager
  ensure_labels
  current_secrets=()
  secret mongo_db/root_password mongo_root_password MONGO_ROOT_PASSWORD_VERSION
  secret mongo_db/backup_password mongo_backup_password MONGO_BACKUP_PASSWORD_VERSION
  secret mongo_db/restore_password mongo_restore_password MONGO_RESTORE_PASSWORD_VERSION
  secret app_db/db_password app_db_password APP_DB_PASSWORD_VERSION
  secret app_db/session_secret app_session_secret APP_SESSION_SECRET_VERSION
  export SWARM_STACK=$stack
  ensure_images
  file=$(mktemp)
  trap 'rm -f "$file"' RETURN
  render >"$file"
  log "deploying stack $stack"
  out=$(docker stack deploy --prune --with-registry-auth --resolve-image "$(setting SWARM_RESOLVE_IMAGE always)" \
    -c "$file" "$stack" 2>&1) || die "docker stack deploy failed: $out"
  # Keep what matters; the list of options swarm ignores (build, restart, ...) is expected.
  grep -v '^Ignoring unsupported options\|^Since --detach=false' <<<"$out" || true
  wait_converged
  log "converged in $((SECONDS - started))s"
  smoke
  prune_secrets
}

remove() {
  local deadline=$((SECONDS + 120))
  require_manager
  docker stack rm "$stack"
  # stack rm returns at once; its containers and networks go over the next seconds.
  while docker ps -aq --filter "label=com.docker.stack.namespace=$stack" | grep -q . ||
    docker network ls -q --filter "label=com.docker.stack.namespace=$stack" | grep -q .; do
    [ "$SECONDS" -lt "$deadline" ] || die "stack $stack still has containers or networks after 120s"
    sleep 1
  done
  log "removed stack $stack (volumes ${stack}_* and secrets labelled stack=$stack stay)"
}

command=${1:-}
[ $# -gt 0 ] && shift
build=0
stack=''
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=1; shift ;;
    -h | --help) usage 0 ;;
    -*) die "unknown option $1" ;;
    *) [ -z "$stack" ] || usage 1 >&2; stack=$1; shift ;;
  esac
done
stack=${stack:-$(default_stack)}
[[ $stack =~ ^[a-z0-9][a-z0-9_-]*$ ]] || die "stack name must be lower-case letters, digits, _ and -: $stack"
case $command in
  deploy) deploy ;;
  rm) remove ;;
  -h | --help | help) usage 0 ;;
  *) usage 1 >&2 ;;
esac
