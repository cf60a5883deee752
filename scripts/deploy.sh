#!/usr/bin/env bash
# Updates a running host over SSH: ships the compose bundle, builds or pulls the app image, runs
# `docker compose up -d --wait`, smoke-checks through nginx and rolls back to the previous image on failure.
#
#   scripts/deploy.sh [options] user@host
#
#   --pull               pull APP_IMAGE from its registry on the host (default when APP_IMAGE names a registry)
#   --build              build APP_IMAGE on the host from the shipped source (default otherwise)
#   --dir DIR            the stack's directory on the host (DEPLOY_DIR, default /opt/posts-stack)
#   --project NAME       compose project name on the host (COMPOSE_PROJECT_NAME, default: the file's name:)
#   --set KEY=VALUE      set a non-secret KEY in the host's .env (repeatable), e.g. --set HTTP_PORT=8080
#   --smoke-timeout S    seconds the smoke check may take (SMOKE_TIMEOUT, default 60)
#   -p, --port PORT      SSH port (SSH_PORT);  -i, --identity FILE  SSH key (SSH_KEY)
#
# Environment: APP_IMAGE (default posts-stack/app:latest), SSH_OPTS (extra ssh options, space-separated).
# Exit status: 0 deployed; 1 failed with nothing changed or nothing to roll back to; 2 failed and rolled back
# (the previous image serves); 3 failed and the rollback failed. Secrets are never shipped: the host's .env
# keeps them, and the first deploy generates MONGO_ROOT_PASSWORD there.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
image=${APP_IMAGE:-posts-stack/app:latest}
dir=${DEPLOY_DIR:-/opt/posts-stack}
project=${COMPOSE_PROJECT_NAME:-}
smoke_timeout=${SMOKE_TIMEOUT:-60}
mode=''
ssh_opts=(-o BatchMode=yes -o ConnectTimeout=15 -o ServerAliveInterval=15)
if [ -n "${SSH_OPTS:-}" ]; then
  read -r -a extra_opts <<<"$SSH_OPTS"
  ssh_opts+=("${extra_opts[@]}")
fi
[ -n "${SSH_PORT:-}" ] && ssh_opts+=(-p "$SSH_PORT")
[ -n "${SSH_KEY:-}" ] && ssh_opts+=(-i "$SSH_KEY")
remote_args=()
target=''

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case $1 in
    --pull) mode=pull; shift ;;
    --build) mode=build; shift ;;
    --dir) dir=$2; shift 2 ;;
    --project) project=$2; shift 2 ;;
    --set) remote_args+=(--set "$2"); shift 2 ;;
    --smoke-timeout) smoke_timeout=$2; shift 2 ;;
    -p | --port) ssh_opts+=(-p "$2"); shift 2 ;;
    -i | --identity) ssh_opts+=(-i "$2"); shift 2 ;;
    -h | --help) usage 0 ;;
    -*) echo "deploy: unknown option $1" >&2; usage 1 >&2 ;;
    *) [ -z "$target" ] || usage 1 >&2; target=$1; shift ;;
  esac
done
[ -n "$target" ] || { echo "deploy: give the host as user@host" >&2; usage 1 >&2; }

# A first path component with a dot or a port, or localhost, is a registry host: such images are pulled.
if [ -z "$mode" ]; then
  first=${image%%/*}
  if [[ $image == */* && ($first == *.* || $first == *:* || $first == localhost) ]]; then mode=pull; else mode=build; fi
fi

log() { printf '[deploy] %s\n' "$*"; }
q() { printf '%q' "$1"; } # quotes one word for the remote shell

# The bundle: what compose needs on the host (no secrets, no .env), plus the source when building there.
files=(docker-compose.yml nginx mongo .env.example scripts/lib/dotenv.sh scripts/lib/deploy-remote.sh)
if [ "$mode" = build ]; then
  files+=(Dockerfile .dockerignore package.json package-lock.json tsconfig.json tsconfig.build.json
    app/src app/views app/public)
fi

started=$SECONDS
log "$mode $image on $target:$dir${project:+ (project $project)}"
# shellcheck disable=SC2029 # expanded here on purpose, each word quoted for the remote shell by q
tar -C "$root" -czf - --exclude='*.map' "${files[@]}" |
  ssh "${ssh_opts[@]}" "$target" \
    "set -e; mkdir -p $(q "$dir"); rm -rf $(q "$dir/.incoming"); mkdir $(q "$dir/.incoming"); tar -xzf - -C $(q "$dir/.incoming")"
log "bundle shipped ($((SECONDS - started)) s)"

remote=(bash "$dir/.incoming/scripts/lib/deploy-remote.sh" --dir "$dir" --mode "$mode" --image "$image"
  --smoke-timeout "$smoke_timeout" ${project:+--project "$project"} ${remote_args[@]+"${remote_args[@]}"})
command=''
for word in "${remote[@]}"; do command+="$(q "$word") "; done
status=0
# shellcheck disable=SC2029 # the command was built and quoted here on purpose
ssh "${ssh_opts[@]}" "$target" "$command" || status=$?
case $status in
  0) log "done in $((SECONDS - started)) s" ;;
  2) log "FAILED and rolled back to the previous image after $((SECONDS - started)) s" ;;
  *) log "FAILED (status $status) after $((SECONDS - started)) s" ;;
esac
exit "$status"
