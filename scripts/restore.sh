#!/usr/bin/env bash
# Replaces the app's database in the running stack with an archive from scripts/backup.sh:
#   scripts/restore.sh FILE            mongorestore --drop: each collection in the archive replaces the live one
#   scripts/restore.sh --check FILE    restores into a scratch database instead, compares its document counts
#                                      with what mongorestore restored, then drops it (the live data is untouched);
#                                      FILE may be a folder: its newest *.archive.gz (the daily timer's check)
# mongorestore runs inside the mongo_db container as the restore user (restore role), its password read there
# from /run/secrets/mongo_db/restore_password; the check counts as the backup user (read only). Plain `docker compose`, so COMPOSE_PROJECT_NAME, COMPOSE_FILE,
# COMPOSE_ENV_FILES and .env apply exactly as they do to you.
set -euo pipefail

die() { echo "restore.sh: $*" >&2; exit 1; }
usage="usage: scripts/restore.sh [--check] FILE"
check=false
[[ ${1:-} == -h || ${1:-} == --help ]] && { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0; }
[[ ${1:-} == --check ]] && { check=true; shift; }
[[ $# -eq 1 ]] || die "$usage"
file=$1
if $check && [[ -d $file ]]; then
  newest=$(find "$file" -maxdepth 1 -name '*.archive.gz' -printf '%T@ %p\n' | sort -n | tail -n 1 | cut -d' ' -f2-)
  [[ -n $newest ]] || die "no *.archive.gz in $file"
  file=$newest
fi
[[ -f $file && -r $file ]] || die "no readable archive at $file"
gzip -t "$file" 2>/dev/null || die "$file is not a gzip archive from scripts/backup.sh"

running=$(docker compose ps --status running --quiet mongo_db 2>/dev/null) || true
[[ -n $running ]] || die "the stack is not running: no running mongo_db in compose project \
${COMPOSE_PROJECT_NAME:-named by the compose file}; start it with 'docker compose up -d --wait' (same \
COMPOSE_PROJECT_NAME, COMPOSE_FILE and COMPOSE_ENV_FILES as this shell)"

db=$(docker compose exec -T mongo_db printenv APP_DB_NAME) || die "mongo_db has no APP_DB_NAME (an older docker-compose.yml?)"
target=$db
$check && target="${db}_restore_check"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

# Runs mongosh in the container as the backup user (reads) or the restore user (drops); the script logs in from
# the secret file itself, so the password is on no command line. $1: backup|restore; $2: JavaScript run
# against database $TARGET, with NAMES in its environment.
as_user() {
  docker compose exec -T -e TARGET="$target" -e AS="$1" -e JS="$2" -e NAMES="${3:-}" mongo_db sh -c 'mongosh --quiet --norc --eval "
    const up = process.env.AS.toUpperCase();
    const pw = require(\"fs\").readFileSync(process.env[up + \"_DB_PASSWORD_FILE\"], \"utf8\").replace(/\\r?\\n$/, \"\");
    db.getSiblingDB(\"admin\").auth(process.env[up + \"_DB_USER\"] || process.env.AS, pw);
    db = db.getSiblingDB(process.env.TARGET);
    $JS"'
}
backup_shell() { as_user backup "$1"; }
drop_target() {
  local names
  names=$(backup_shell 'print(JSON.stringify(db.getCollectionNames()));')
  as_user restore 'JSON.parse(process.env.NAMES).forEach((c) => db.getCollection(c).drop());' "$names" >/dev/null
}

# The restore user (restore role): the backup user can only read, so a leaked backup password writes nothing.
# shellcheck disable=SC2016  # expanded by the container's shell
in_container="$(cat "$(dirname "$0")/lib/tool-config.sh")"'
umask 077; cfg=$(mktemp); trap "rm -f $cfg" EXIT
tool_config "$RESTORE_DB_PASSWORD_FILE" >"$cfg"
mongorestore --config="$cfg" --host=127.0.0.1 --username="${RESTORE_DB_USER:-restore}" --authenticationDatabase=admin \
  --archive --gzip --drop --nsInclude="$APP_DB_NAME.*" --nsFrom="$APP_DB_NAME.*" --nsTo="$TARGET.*"'
$check && drop_target # a scratch database left by an interrupted check
started_ms=$(($(date +%s%N) / 1000000))
docker compose exec -T -e TARGET="$target" mongo_db sh -c "$in_container" <"$file" >"$log" 2>&1 \
  || { cat "$log" >&2; $check && drop_target; die "mongorestore failed (its output is above)"; }
ms=$(($(date +%s%N) / 1000000 - started_ms))
# "finished restoring db.collection (N documents, F failures)", one line per collection ("1 document" too).
mapfile -t finished < <(grep -oE 'finished restoring [^ ]* \([0-9]+ documents?, [0-9]+ failures?\)' "$log" | tr -d '`' || true)
[[ ${#finished[@]} -gt 0 ]] || { cat "$log" >&2; $check && drop_target; die "the archive holds no collection of database $db"; }
problems=()
for line in "${finished[@]}"; do
  echo "restore.sh:   ${line#finished restoring }"
  [[ $line =~ \ 0\ failures\)$ ]] || problems+=("$line")
done

if $check; then
  # Count what is really in the scratch database, collection by collection, and compare.
  counts=$(backup_shell 'db.getCollectionNames().sort().forEach((c) => print(c + " " + db.getCollection(c).countDocuments({})));')
  for line in "${finished[@]}"; do
    [[ $line =~ ^finished\ restoring\ [^.]*\.([^ ]*)\ \(([0-9]*)\ document ]] || continue
    collection=${BASH_REMATCH[1]} restored=${BASH_REMATCH[2]}
    found=$(awk -v c="$collection" '$1 == c { print $2 }' <<<"$counts")
    [[ $found == "$restored" ]] || problems+=("$collection: mongorestore restored $restored documents, the scratch database holds ${found:-none}")
  done
  drop_target
  [[ ${#problems[@]} -eq 0 ]] || die "restore check of $file FAILED: ${problems[*]}"
  echo "restore.sh: check passed: $file restores (${#finished[@]} collections, counts match) in $((ms / 1000)).$((ms % 1000 / 100)) s; scratch database $target dropped"
else
  [[ ${#problems[@]} -eq 0 ]] || die "restored with failures: ${problems[*]}"
  echo "restore.sh: restored $file into $db in $((ms / 1000)).$((ms % 1000 / 100)) s"
fi
