#!/bin/bash
# Entry point of the FerretDB stand-in for the official mongo image.
# Honours (as far as FerretDB v1.24 can):
#   MONGO_INITDB_ROOT_USERNAME / MONGO_INITDB_ROOT_PASSWORD (and the *_FILE forms)
#     -> authentication is switched on (--test-enable-new-auth) and, on the first
#        start with an empty /data/db, user USERNAME is created in database
#        "admin" (so authSource=admin works), like the official image.
#   MONGO_INITDB_DATABASE -> accepted, ignored (FerretDB creates databases lazily).
#   /docker-entrypoint-initdb.d/*.js|*.sh -> run once, on the first start.
#   `mongod ...` as the command -> replaced by ferretdb (mongod flags ignored).
set -euo pipefail

file_env() {
  local var="$1" fileVar="${1}_FILE" def="${2:-}"
  if [[ -n "${!var:-}" && -n "${!fileVar:-}" ]]; then
    echo >&2 "error: both $var and $fileVar are set (but are exclusive)"
    exit 1
  fi
  local val="$def"
  if [[ -n "${!var:-}" ]]; then
    val="${!var}"
  elif [[ -n "${!fileVar:-}" ]]; then
    val="$(<"${!fileVar}")"
  fi
  export "$var"="$val"
  unset "$fileVar"
}

if [[ "${1:-}" == -* ]]; then
  set -- ferretdb "$@"
fi
if [[ "${1:-}" == mongod ]]; then
  shift
  if [[ $# -gt 0 ]]; then echo >&2 "ferretdb-entrypoint: ignoring mongod arguments: $*"; fi
  set -- ferretdb
fi

if [[ "${1:-}" != ferretdb ]]; then
  exec "$@"
fi

file_env MONGO_INITDB_ROOT_USERNAME
file_env MONGO_INITDB_ROOT_PASSWORD
if [[ -n "$MONGO_INITDB_ROOT_USERNAME" && -z "$MONGO_INITDB_ROOT_PASSWORD" ]] \
  || [[ -z "$MONGO_INITDB_ROOT_USERNAME" && -n "$MONGO_INITDB_ROOT_PASSWORD" ]]; then
  echo >&2 "error: missing MONGO_INITDB_ROOT_USERNAME or MONGO_INITDB_ROOT_PASSWORD"
  echo >&2 "       both must be specified for a user to be created"
  exit 1
fi

dbdir="${FERRETDB_STATE_DIR:-/data/db}"
if [[ ! -w "$dbdir" ]]; then
  echo >&2 "error: $dbdir is not writable by uid $(id -u); mount a volume there (owned by 999:999, as the image's own /data/db is)"
  exit 1
fi
first_start=0
if ! compgen -G "$dbdir/*.sqlite" >/dev/null; then first_start=1; fi

if [[ -n "$MONGO_INITDB_ROOT_USERNAME" ]]; then
  export FERRETDB_TEST_ENABLE_NEW_AUTH=true
  export FERRETDB_SETUP_DATABASE=admin
  export FERRETDB_SETUP_USERNAME="$MONGO_INITDB_ROOT_USERNAME"
  export FERRETDB_SETUP_PASSWORD="$MONGO_INITDB_ROOT_PASSWORD"
elif [[ -f "$dbdir/.posts-offline-auth" ]]; then
  # Created with a root user once: keep refusing unauthenticated clients.
  export FERRETDB_TEST_ENABLE_NEW_AUTH=true
fi
unset MONGO_INITDB_ROOT_PASSWORD

initdir=/docker-entrypoint-initdb.d
if [[ $first_start == 1 ]] && compgen -G "$initdir/*" >/dev/null; then
  "$@" &
  pid=$!
  for _ in $(seq 1 60); do
    if mongosh --quiet --norc --eval "db.adminCommand('ping').ok" >/dev/null 2>&1; then break; fi
    sleep 0.5
  done
  auth=()
  if [[ -n "$MONGO_INITDB_ROOT_USERNAME" ]]; then
    auth=(--username "$MONGO_INITDB_ROOT_USERNAME" --password "$FERRETDB_SETUP_PASSWORD" --authenticationDatabase admin)
  fi
  for f in "$initdir"/*; do
    case "$f" in
      *.sh) echo "$0: running $f"
        # shellcheck disable=SC1090
        . "$f" ;;
      *.js) echo "$0: running $f"; mongosh --quiet --norc "${auth[@]}" "${MONGO_INITDB_DATABASE:-test}" "$f" ;;
      *) echo "$0: ignoring $f" ;;
    esac
  done
  kill -TERM "$pid"
  wait "$pid" || true
fi
if [[ -n "$MONGO_INITDB_ROOT_USERNAME" ]]; then touch "$dbdir/.posts-offline-auth"; fi

exec "$@"
