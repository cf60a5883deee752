#!/usr/bin/env bash
# `scripts/deploy.sh --swarm`: the swarm deploy (scripts/swarm.sh) on a remote manager over SSH (docs/swarm.md).
# Ships the stack's files to DIR on each host, then runs `scripts/swarm.sh deploy` on the manager, which
# creates missing secrets, pulls or builds images, deploys, waits until every service is healthy and
# smoke-checks through nginx. nginx and MongoDB bind-mount files from DIR, so every node that runs them (the
# edge=true and db=true nodes) needs the same files at the same path: name them with --node.
#
#   scripts/deploy.sh --swarm [options] user@manager
#
#   --node user@host     also ship the files to this node (repeatable); the manager always gets them
#   --build              build APP_IMAGE on the manager (one-node swarms; otherwise push it to a registry)
#   --dir DIR            the stack's directory on every host (DEPLOY_DIR, default /opt/<compose name:>)
#   --stack NAME         stack name (default: the compose file's name:)
#   -p, --port PORT      SSH port (SSH_PORT);  -i, --identity FILE  SSH key (SSH_KEY)
#
# Secrets are never shipped: swarm.sh reads (or generates) them in DIR/secrets on the manager.
# Exit status: swarm.sh's (0 deployed and healthy, 1 bad input, 2 not converged or smoke check failed).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=ssh-args.sh
. "$root/scripts/lib/ssh-args.sh"
name=$(sed -n 's/^name: *//p' "$root/docker-compose.yml")
dir=${DEPLOY_DIR:-/opt/$name}
stack=''
build=()
nodes=()
manager=''
ssh_opts=(-o BatchMode=yes -o ConnectTimeout=15 -o ServerAliveInterval=15)
[ -n "${SSH_PORT:-}" ] && ssh_opts+=(-p "$SSH_PORT")
[ -n "${SSH_KEY:-}" ] && ssh_opts+=(-i "$SSH_KEY")

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case $1 in
    --node) nodes+=("$2"); shift 2 ;;
    --build) build=(--build); shift ;;
    --dir) dir=$2; shift 2 ;;
    --stack) stack=$2; shift 2 ;;
    -p | --port) ssh_opts+=(-p "$2"); shift 2 ;;
    -i | --identity) ssh_opts+=(-i "$2"); shift 2 ;;
    -h | --help) usage 0 ;;
    -*) echo "deploy --swarm: unknown option $1" >&2; usage 1 >&2 ;;
    *) [ -z "$manager" ] || usage 1 >&2; manager=$1; shift ;;
  esac
done
[ -n "$manager" ] || { echo "deploy --swarm: give the manager as user@host" >&2; usage 1 >&2; }
# Each reaches ssh or a remote shell: no host may pass as an ssh option, no folder may break the quoting.
for host in "$manager" ${nodes[@]+"${nodes[@]}"}; do check_ssh_host "$host" || exit 1; done
check_remote_dir "$dir" || exit 1

log() { printf '[deploy --swarm] %s\n' "$*"; }
q() { printf '%q' "$1"; }

files=(docker-compose.yml docker-compose.swarm.yml nginx mongo .env.example scripts/swarm.sh scripts/lib/dotenv.sh)
if [ ${#build[@]} -gt 0 ]; then
  files+=(Dockerfile .dockerignore package.json package-lock.json tsconfig.json tsconfig.build.json
    app/src app/views app/public)
fi

# Unpacks in place under the directory's lock, like deploy.sh's session (same lock file, so a compose deploy
# and a swarm deploy never overlap on one host).
ship() {
  local d session
  d=$(q "$dir")
  session="set -e; umask 002; mkdir -p $d; exec 9>>$d/.deploy.lock
flock -n 9 || { echo \"[deploy --swarm] another deploy holds $d/.deploy.lock\" >&2; exit 1; }
tar -xzf - -C $d"
  log "shipping the stack's files to $1:$dir"
  # shellcheck disable=SC2029 # expanded here on purpose, quoted by q
  tar -C "$root" -czf - --exclude='*.map' "${files[@]}" | ssh "${ssh_opts[@]}" -- "$1" "$session"
}

started=$SECONDS
for node in ${nodes[@]+"${nodes[@]}"}; do ship "$node"; done
ship "$manager"
command="cd $(q "$dir") && exec scripts/swarm.sh deploy ${build[*]+"${build[*]}"} ${stack:+$(q "$stack")}"
status=0
# shellcheck disable=SC2029
ssh "${ssh_opts[@]}" -- "$manager" "$command" || status=$?
if [ "$status" = 0 ]; then log "done in $((SECONDS - started)) s"; else log "FAILED (status $status)"; fi
exit "$status"
