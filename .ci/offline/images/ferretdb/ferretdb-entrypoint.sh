#!/bin/bash
# Entry point of the FerretDB stand-in for the official mongo image: starts PostgreSQL 15 (unix socket
# /tmp only, data in $PGDATA=/data/db/postgresql, durable settings), then FerretDB on top of it, and stops
# both (FerretDB first) on SIGTERM/SIGINT. If either exits, the other is stopped and the container exits.
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
if [[ ! -s "$PGDATA/PG_VERSION" ]]; then first_start=1; fi

# Durable: an acknowledged write is on disk (fsync, synchronous_commit, full_page_writes are PostgreSQL's
# defaults; set explicitly so nothing overrides them). No TCP listener: FerretDB connects over the socket.
# No parallel query: the listing pushdown's UNION ALL relies on Append returning its parts in order.
pg_settings=(
  -c listen_addresses= -c unix_socket_directories=/tmp -c unix_socket_permissions=0700
  -c fsync=on -c synchronous_commit=on -c full_page_writes=on -c wal_sync_method=fdatasync
  -c max_parallel_workers_per_gather=0 -c jit=off
  -c shared_buffers=128MB -c max_connections=100 -c log_min_messages=warning -c log_checkpoints=off
  # No autovacuum VACUUM for inserts alone: the one that followed a bulk seed of 100 000 posts rewrote the
  # whole table for about 6 s and stalled page 1 (p99 0.9-2.3 s in those rounds, 0.1 s around them). MongoDB
  # has no such pass; updates and deletes still trigger vacuums, inserts still trigger ANALYZE.
  -c autovacuum_vacuum_insert_threshold=-1
)
if [[ $first_start == 1 ]]; then
  # C collation: jsonb compares strings with it, and byte order is what MongoDB's sort uses.
  initdb --pgdata="$PGDATA" --username=ferretdb --auth=trust --locale=C --encoding=UTF8 >/dev/null
fi
# This container is the volume's only user, and no postgres runs in it yet: a postmaster.pid left by a
# SIGKILLed container names a PID that may now belong to another of our processes, so drop it.
rm -f "$PGDATA/postmaster.pid"
postgres "${pg_settings[@]}" &
pg_pid=$!
for _ in $(seq 1 120); do
  if pg_isready --quiet --host=/tmp --username=ferretdb; then break; fi
  if ! kill -0 "$pg_pid" 2>/dev/null; then echo >&2 "error: PostgreSQL exited during start-up"; exit 1; fi
  sleep 0.25
done
if [[ $first_start == 1 ]]; then createdb --host=/tmp --username=ferretdb ferretdb; fi

stop_all() {
  if [[ -n "${fe_pid:-}" ]]; then kill -TERM "$fe_pid" 2>/dev/null || true; wait "$fe_pid" 2>/dev/null || true; fi
  pg_ctl stop --pgdata="$PGDATA" --mode=fast --silent >/dev/null 2>&1 || true
  wait "$pg_pid" 2>/dev/null || true
}

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
  # Loopback only while the scripts run, like the official image's temporary mongod: nothing outside the
  # container (the app, the healthcheck on the container's address) sees a server without its users yet.
  FERRETDB_LISTEN_ADDR=127.0.0.1:27017 "$@" &
  pid=$!
  fe_pid=$pid
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

trap 'stop_all; exit 0' TERM INT
"$@" &
fe_pid=$!
# Whichever exits first (FerretDB or PostgreSQL) takes the container down with its status.
status=0
wait -n "$fe_pid" "$pg_pid" || status=$?
echo >&2 "ferretdb-entrypoint: $(kill -0 "$fe_pid" 2>/dev/null && echo PostgreSQL || echo FerretDB) exited ($status); stopping"
stop_all
exit "$status"
