#!/bin/sh
# The db-secrets one-shot (docker-compose.yml): generates each missing password into ./secrets (git-ignored)
# and sets its owner and mode, so each is readable only by its service's user. Non-swarm compose bind-mounts
# secret files as they are on the host and ignores secrets' uid/gid/mode, hence the chown/chmod here.
set -eu

secret() {
  f=/secrets/$1
  if [ ! -s "$f" ]; then
    (umask 077 && head -c 32 /dev/urandom | base64 | tr -d '/+=\n' >"$f.new" && mv "$f.new" "$f")
    echo "db-secrets: generated $f"
  fi
  chown "$2" "$f" && chmod "$3" "$f"
}

secret mongo_db/root_password 999:999 0400
secret mongo_db/backup_password 999:999 0400
secret mongo_db/restore_password 999:999 0400
secret app_db/db_password 1000:999 0440
# The key that signs the app's session cookies: the app's user only (the folder is mounted in mongo_db too).
secret app_db/session_secret 1000:1000 0400
