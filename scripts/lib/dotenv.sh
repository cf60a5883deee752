#!/usr/bin/env bash
# Small helpers for the stack's .env file (KEY=VALUE lines), sourced by deploy-remote.sh and the EC2
# user-data script. Values are written verbatim: keep them free of quotes, spaces and newlines.

# dotenv_get FILE KEY: prints the last value of KEY, or nothing.
dotenv_get() {
  [ -f "$1" ] || return 0
  sed -n "s/^$2=//p" "$1" | tail -n 1
}

# dotenv_set FILE KEY VALUE: sets KEY, replacing any earlier line for it. Creates FILE (mode 640: the owner
# and the file's group, the docker group on a host set up by user-data) if needed. Replaces the file by a
# rename, so whoever may write the directory may update it, and its mode is kept.
dotenv_set() {
  local file=$1 key=$2 value=$3 tmp
  [ -f "$file" ] || (umask 027 && : >"$file")
  tmp=$(mktemp "$file.XXXXXX")
  grep -v "^$key=" "$file" >"$tmp" || true
  printf '%s=%s\n' "$key" "$value" >>"$tmp"
  chmod --reference="$file" "$tmp" 2>/dev/null || chmod 640 "$tmp"
  mv "$tmp" "$file"
}

# dotenv_default FILE KEY VALUE: sets KEY only when FILE has no non-empty value for it. Never overwrites.
dotenv_default() {
  if [ -z "$(dotenv_get "$1" "$2")" ]; then dotenv_set "$1" "$2" "$3"; fi
}

# dotenv_check_pair KEY=VALUE: fails with the reason on stderr (never the value: it may be secret) unless the
# key is a plain variable name (^[A-Z_][A-Z0-9_]*$), the value is one line, and the key does not look like a
# secret (secrets stay in the host's .env and never travel on a command line).
dotenv_check_pair() {
  local pair=$1 key
  if [[ $pair != *=* ]]; then
    echo "--set: expected KEY=VALUE, got no '='" >&2
    return 1
  fi
  key=${pair%%=*}
  if ! [[ $key =~ ^[A-Z_][A-Z0-9_]*$ ]]; then
    echo "--set: '$key' is not a valid key: capitals, digits and _ only, not starting with a digit" >&2
    return 1
  fi
  case ${pair#*=} in
    *$'\n'* | *$'\r'*)
      echo "--set $key: the value must be one line" >&2
      return 1
      ;;
  esac
  case $key in
    *PASSWORD* | *SECRET* | *TOKEN*)
      echo "--set $key: refusing to set a secret from the command line; edit .env on the host" >&2
      return 1
      ;;
  esac
}
