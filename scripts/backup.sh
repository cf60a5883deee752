#!/usr/bin/env bash
# Writes a gzip archive (mongodump --archive --gzip) of the app's database from the running stack:
#   scripts/backup.sh [FILE]      default FILE: ${BACKUP_DIR:-backups}/<database>-<UTC time>.archive.gz
# mongodump runs inside the mongo_db container as the backup user (backup role), its password read there from
# /run/secrets/mongo_db/backup_password; nothing secret passes through this shell. Plain `docker compose`, so
# COMPOSE_PROJECT_NAME, COMPOSE_FILE, COMPOSE_ENV_FILES and .env apply exactly as they do to you.
# Restore with scripts/restore.sh FILE. Prints the archive's path and what it holds (collections, documents).
set -euo pipefail

die() { echo "backup.sh: $*" >&2; exit 1; }
[[ ${1:-} == -h || ${1:-} == --help ]] && { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0; }
[[ $# -le 1 ]] || die "usage: scripts/backup.sh [FILE]"

# `ps --status running` of this project only: a stopped stack or a wrong project answers nothing.
running=$(docker compose ps --status running --quiet mongo_db 2>/dev/null) || true
[[ -n $running ]] || die "the stack is not running: no running mongo_db in compose project \
${COMPOSE_PROJECT_NAME:-named by the compose file}; start it with 'docker compose up -d --wait' (same \
COMPOSE_PROJECT_NAME, COMPOSE_FILE and COMPOSE_ENV_FILES as this shell)"

db=$(docker compose exec -T mongo_db printenv APP_DB_NAME) || die "mongo_db has no APP_DB_NAME (an older docker-compose.yml?)"
file=${1:-${BACKUP_DIR:-backups}/$db-$(date -u +%Y%m%dT%H%M%SZ).archive.gz}
# The archive holds every post and user: readable by its owner only, whatever the caller's umask.
umask 077
mkdir -p "$(dirname "$file")"
partial="$file.partial"
log="$(mktemp)"
trap 'rm -f "$partial" "$log"' EXIT

# The password goes into a mode-0600 config file on the container's /tmp (tmpfs), not onto a command line.
# shellcheck disable=SC2016  # expanded by the container's shell
in_container="$(cat "$(dirname "$0")/lib/tool-config.sh")"'
umask 077; cfg=$(mktemp); trap "rm -f $cfg" EXIT
tool_config "$BACKUP_DB_PASSWORD_FILE" >"$cfg"
mongodump --config="$cfg" --host=127.0.0.1 --username="${BACKUP_DB_USER:-backup}" --authenticationDatabase=admin \
  --db="$APP_DB_NAME" --archive --gzip'
started_ms=$(($(date +%s%N) / 1000000))
docker compose exec -T mongo_db sh -c "$in_container" >"$partial" 2>"$log" \
  || { cat "$log" >&2; die "mongodump failed (its output is above); $file was not written"; }
gzip -t "$partial" 2>/dev/null || { cat "$log" >&2; die "mongodump's archive is not valid gzip; $file was not written"; }
mv "$partial" "$file"
ms=$(($(date +%s%N) / 1000000 - started_ms))
# mongodump's "done dumping db.collection (N documents)" lines: what the archive holds.
grep -o 'done dumping .*' "$log" | sed 's/^done dumping /backup.sh:   /' || true
echo "backup.sh: wrote $file ($(stat -c %s "$file") bytes) in $((ms / 1000)).$((ms % 1000 / 100)) s"
