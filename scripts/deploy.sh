#!/usr/bin/env bash
# Updates a running host over SSH, as its login user (in the docker group; never root): ships the compose
# bundle, checks the new config (compose config, `nginx -t` in a throwaway container), builds or pulls the app
# image, switches (files in place, `docker compose up -d --wait`, nginx reload), smoke-checks through nginx and
# rolls back to the previous image on failure. One deploy at a time per host (flock on DIR/.deploy.lock).
#
#   scripts/deploy.sh [options] user@host
#   scripts/deploy.sh --swarm [options] user@manager   (Docker Swarm: docs/swarm.md)
#
#   --pull               pull APP_IMAGE from its registry on the host (default when APP_IMAGE names a registry)
#   --build              build APP_IMAGE on the host from the shipped source (default otherwise)
#   --dir DIR            the stack's directory on the host (DEPLOY_DIR, default /opt/posts-stack)
#   --project NAME       compose project name on the host (COMPOSE_PROJECT_NAME, default: the file's name:)
#   --set KEY=VALUE      set a non-secret KEY in the host's .env (repeatable), e.g. --set APP_REPLICAS=2;
#                        KEY matches ^[A-Z_][A-Z0-9_]*$, VALUE is one line, no *PASSWORD*/*SECRET*/*TOKEN* keys
#   --smoke-timeout S    seconds the smoke check may take (SMOKE_TIMEOUT, default 60)
#   -p, --port PORT      SSH port (SSH_PORT);  -i, --identity FILE  SSH key (SSH_KEY)
#
# Environment: APP_IMAGE (default posts-stack/app:latest), SSH_OPTS (extra ssh options, space-separated).
# Exit status: 0 deployed; 1 failed with nothing changed (bad input, failed checks, no image, another deploy
# running) or a first deploy failed; 2 failed and rolled back (the previous image serves); 3 failed and the
# rollback failed. Secrets are never shipped: the first `up` on the host generates them into its secrets/.
set -euo pipefail
# Docker Swarm is a separate path with its own options: scripts/lib/deploy-swarm.sh --help, docs/swarm.md.
if [ "${1:-}" = --swarm ]; then shift; exec bash "$(dirname "${BASH_SOURCE[0]}")/lib/deploy-swarm.sh" "$@"; fi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/dotenv.sh
. "$root/scripts/lib/dotenv.sh"
# shellcheck source-path=SCRIPTDIR source=lib/ssh-args.sh
. "$root/scripts/lib/ssh-args.sh"
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
    --set) dotenv_check_pair "$2" || exit 1; remote_args+=(--set "$2"); shift 2 ;;
    --smoke-timeout) smoke_timeout=$2; shift 2 ;;
    -p | --port) ssh_opts+=(-p "$2"); shift 2 ;;
    -i | --identity) ssh_opts+=(-i "$2"); shift 2 ;;
    -h | --help) usage 0 ;;
    -*) echo "deploy: unknown option $1" >&2; usage 1 >&2 ;;
    *) [ -z "$target" ] || usage 1 >&2; target=$1; shift ;;
  esac
done
[ -n "$target" ] || { echo "deploy: give the host as user@host" >&2; usage 1 >&2; }
# Both reach a remote shell or ssh itself: a host that starts with '-' would be an ssh option
# (-oProxyCommand=...), and a folder with quotes or spaces would break out of the remote command.
check_ssh_host "$target" || exit 1
check_remote_dir "$dir" || exit 1

# A first path component with a dot or a port, or localhost, is a registry host: such images are pulled.
if [ -z "$mode" ]; then
  first=${image%%/*}
  if [[ $image == */* && ($first == *.* || $first == *:* || $first == localhost) ]]; then mode=pull; else mode=build; fi
fi

log() { printf '[deploy] %s\n' "$*"; }
q() { printf '%q' "$1"; } # quotes one word for the remote shell

# The bundle: what compose needs on the host (no secrets, no .env), plus the source when building there.
# secrets/: only the committed skeleton (compose needs the folders); the passwords are generated on the host.
# acme/ and monitoring/: the overlays and what they bind-mount, for a .env whose COMPOSE_FILE adds them.
files=(docker-compose.yml nginx mongo acme monitoring .env.example scripts/lib/dotenv.sh scripts/lib/deploy-remote.sh
  secrets/README.md secrets/mongo_db/.gitkeep secrets/app_db/.gitkeep)
if [ "$mode" = build ]; then
  files+=(Dockerfile .dockerignore package.json package-lock.json tsconfig.json tsconfig.build.json
    app/src app/views app/public)
fi
present=()
for f in "${files[@]}"; do if [ -e "$root/$f" ]; then present+=("$f"); fi; done
files=("${present[@]}")

started=$SECONDS
log "$mode $image on $target:$dir${project:+ (project $project)}"
remote=(bash "$dir/.incoming/scripts/lib/deploy-remote.sh" --dir "$dir" --mode "$mode" --image "$image"
  --smoke-timeout "$smoke_timeout" ${project:+--project "$project"} ${remote_args[@]+"${remote_args[@]}"})
command=''
for word in "${remote[@]}"; do command+="$(q "$word") "; done
d=$(q "$dir")
# One SSH session: take the lock (fd 9, inherited by the server half) before touching .incoming, so a second
# deploy can neither overwrite this one's bundle nor run alongside it; unpack; hand over to deploy-remote.sh.
# umask 002: the files stay writable for the stack directory's group (user-data makes it the docker group).
session="set -e; umask 002
mkdir -p $d 2>/dev/null || { echo \"[deploy] cannot create $d as \$(id -un): run scripts/ec2/user-data.sh, or: sudo install -d -o \$(id -un) -g docker -m 2775 $d\" >&2; exit 1; }
command -v flock >/dev/null || { echo '[deploy] this host has no flock (util-linux)' >&2; exit 1; }
exec 9>>$d/.deploy.lock
flock -n 9 || { echo \"[deploy] another deploy is running on this host (it holds $d/.deploy.lock); try again when it has finished\" >&2; exit 1; }
rm -rf $d/.incoming; mkdir $d/.incoming; tar -xzf - -C $d/.incoming
exec $command"
status=0
# shellcheck disable=SC2029 # expanded here on purpose, each word quoted for the remote shell by q
tar -C "$root" -czf - --exclude='*.map' "${files[@]}" | ssh "${ssh_opts[@]}" -- "$target" "$session" || status=$?
case $status in
  0) log "done in $((SECONDS - started)) s" ;;
  2) log "FAILED and rolled back to the previous image after $((SECONDS - started)) s" ;;
  *) log "FAILED (status $status) after $((SECONDS - started)) s" ;;
esac
exit "$status"
