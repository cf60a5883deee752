#!/usr/bin/env bash
# Small helpers for the stack's .env file (KEY=VALUE lines), sourced by deploy-remote.sh and the EC2
# user-data script. Values are written verbatim: keep them free of quotes, spaces and newlines.

# dotenv_get FILE KEY: prints the last value of KEY, or nothing.
dotenv_get() {
  [ -f "$1" ] || return 0
  sed -n "s/^$2=//p" "$1" | tail -n 1
}

# dotenv_set FILE KEY VALUE: sets KEY, replacing any earlier line for it. Creates FILE (mode 600) if needed.
dotenv_set() {
  local file=$1 key=$2 value=$3 tmp
  [ -f "$file" ] || (umask 077 && : >"$file")
  tmp=$(mktemp "$file.XXXXXX")
  grep -v "^$key=" "$file" >"$tmp" || true
  printf '%s=%s\n' "$key" "$value" >>"$tmp"
  chmod --reference="$file" "$tmp" 2>/dev/null || chmod 600 "$tmp"
  mv "$tmp" "$file"
}

# dotenv_default FILE KEY VALUE: sets KEY only when FILE has no non-empty value for it. Never overwrites.
dotenv_default() {
  if [ -z "$(dotenv_get "$1" "$2")" ]; then dotenv_set "$1" "$2" "$3"; fi
}

# random_secret: 32 URL- and shell-safe characters from the kernel's CSPRNG.
random_secret() {
  head -c 48 /dev/urandom | base64 | tr -d '/+=\n' | cut -c 1-32
}
