#!/usr/bin/env bash
# Creates or updates the app's and the backup's database users from the current secret files, in the running
# stack: for a data volume made before these users existed (MongoDB runs /docker-entrypoint-initdb.d only on
# an empty data directory), and after rotating secrets/app_db/db_password, secrets/mongo_db/backup_password or restore_password.
#   scripts/secrets-apply.sh
# It runs mongo/initdb.d/10-users.js in mongo_db, logged in as root with secrets/mongo_db/root_password (read
# inside the container). Plain `docker compose`: COMPOSE_PROJECT_NAME, COMPOSE_FILE and COMPOSE_ENV_FILES apply.
# Then restart what uses a rotated password: `docker compose up -d --force-recreate app`. See docs/secrets.md.
set -euo pipefail
die() { echo "secrets-apply.sh: $*" >&2; exit 1; }
[[ $# -eq 0 ]] || { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0; }

running=$(docker compose ps --status running --quiet mongo_db 2>/dev/null) || true
[[ -n $running ]] || die "the stack is not running: no running mongo_db in compose project \
${COMPOSE_PROJECT_NAME:-named by the compose file}; start it with 'docker compose up -d --wait'"
# A new secret file needs its owner and mode (db-secrets sets them, and generates any that is missing).
docker compose run --rm --no-deps db-secrets >/dev/null
docker compose exec -T -e USERS_LOGIN_AS_ROOT=1 mongo_db \
  mongosh --quiet --norc admin /docker-entrypoint-initdb.d/10-users.js \
  || die "10-users.js failed (its output is above): is secrets/mongo_db/root_password still root's password?"
echo "secrets-apply.sh: done; restart what reads a rotated password: docker compose up -d --force-recreate app"
