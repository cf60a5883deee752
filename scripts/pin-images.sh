#!/usr/bin/env bash
# Pins the default image of every service to its digest, in the compose files themselves:
#   scripts/pin-images.sh [FILE...]   default: docker-compose.yml acme/compose.yml monitoring/compose.yml
# Each `image: ${VAR:-repo:tag}` becomes `image: ${VAR:-repo:tag@sha256:…}` with the digest the registry
# serves for that tag today (docker pull, then the pulled image's RepoDigests). Run it again to re-pin (an
# existing digest is dropped and the tag resolved anew). Then commit: a tag moved in the registry no longer
# changes what runs, and Dependabot's docker-compose ecosystem (.github/dependabot.yml) proposes new pins.
# APP_IMAGE is this project's own build and is left alone; a VAR set in .env still wins over any default.
set -euo pipefail
[[ ${1:-} == -h || ${1:-} == --help ]] && { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0; }
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
files=("$@")
[ ${#files[@]} -gt 0 ] || files=("$root/docker-compose.yml" "$root/acme/compose.yml" "$root/monitoring/compose.yml")

pattern='^([[:space:]]*image: \$\{)([A-Z0-9_]+)(:-)([^}@]+)(@sha256:[0-9a-f]{64})?(\}.*)$'
tmp=''
trap 'rm -f "$tmp"' EXIT
for file in "${files[@]}"; do
  [ -f "$file" ] || { echo "pin-images: no file $file" >&2; exit 1; }
  tmp=$(mktemp "$file.XXXXXX")
  cp -p "$file" "$tmp" && : >"$tmp" # the file's mode, for the rename below
  while IFS= read -r line || [ -n "$line" ]; do
    if [[ $line =~ $pattern && ${BASH_REMATCH[2]} != APP_IMAGE ]]; then
      ref=${BASH_REMATCH[4]}
      # The digest the registry answered for the tag now (docker pull prints it), not an older one the
      # engine may also remember for the repository.
      digest=$(docker pull "$ref" | sed -n 's/^Digest: \(sha256:[0-9a-f]\{64\}\)$/\1/p') ||
        { echo "pin-images: cannot pull $ref" >&2; exit 1; }
      [ -n "$digest" ] || { echo "pin-images: $ref has no digest from its registry" >&2; exit 1; }
      line="${BASH_REMATCH[1]}${BASH_REMATCH[2]}${BASH_REMATCH[3]}${ref}@${digest}${BASH_REMATCH[6]}"
      echo "pin-images: ${BASH_REMATCH[2]} $ref@$digest"
    fi
    printf '%s\n' "$line" >>"$tmp"
  done <"$file"
  # One rename per file: an interrupted run leaves each file whole, old or new.
  mv "$tmp" "$file"
done
