#!/usr/bin/env bash
# Step 3: local base images built without any container registry.
#   posts-offline/node:24-bookworm-slim   (stand-in for node:24-bookworm-slim)
#   posts-offline/nginx:1.30              (stand-in for nginx:1.30 / stable)
#   posts-offline/ferretdb:1.24.2-pg15    (stand-in for mongo:8: FerretDB on PostgreSQL 15)
# An image is rebuilt only when its recipe (files + versions) changes: the
# recipe hash is stored in the image label posts-offline.recipe.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NODE_IMAGE="$IMAGE_PREFIX/node:${NODE_MAJOR}-bookworm-slim"
NGINX_IMAGE="$IMAGE_PREFIX/nginx:1.30"
MONGO_IMAGE="$IMAGE_PREFIX/ferretdb:${FERRETDB_VERSION#v}-pg${POSTGRESQL_MAJOR}"
ROOTFS_DIR="$CACHE_DIR/rootfs"
HOST_CA=/etc/ssl/certs/ca-certificates.crt
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"

# rootfs NAME SUITE INCLUDES: cached debootstrap minbase tarball; prints its path.
# Bump ROOTFS_RECIPE to force new tarballs.
ROOTFS_RECIPE=2
rootfs() {
  local name=$1 suite=$2 include=$3
  local tar="$ROOTFS_DIR/$name.tar" stamp="$ROOTFS_DIR/$name.stamp"
  local want="recipe=$ROOTFS_RECIPE suite=$suite include=$include mirror=$DEBIAN_MIRROR"
  if [[ -f "$tar" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    info "reusing cached rootfs $tar" >&2
    echo "$tar"
    return 0
  fi
  apt_install debootstrap >&2
  log "debootstrap --variant=minbase $suite ($include) -> $tar (a few minutes)" >&2
  local dir="$ROOTFS_DIR/$name.d"
  rm -rf "$dir" "$tar" "$stamp"
  mkdir -p "$ROOTFS_DIR"
  if ! with_retries 2 debootstrap --variant=minbase --include="$include" "$suite" "$dir" "$DEBIAN_MIRROR" \
      >"$ROOTFS_DIR/$name.log" 2>&1; then
    tail -n 15 "$ROOTFS_DIR/$name.log" >&2
    die "debootstrap of $suite failed (full log: $ROOTFS_DIR/$name.log)" \
      "check that $DEBIAN_MIRROR serves '$suite' (apt-get update works?), then rerun"
  fi
  # Slim it down like the official debian:*-slim images.
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/cache/apt/*.bin "$dir"/var/lib/apt/lists/* \
    "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/info/* "$dir"/usr/share/locale/* \
    "$dir"/var/log/* "$dir"/tmp/* "$dir"/debootstrap
  mkdir -p "$dir/etc/dpkg/dpkg.cfg.d"
  printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
    'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' 'path-exclude /usr/share/locale/*' \
    >"$dir/etc/dpkg/dpkg.cfg.d/docker"
  : >"$dir/etc/resolv.conf"
  echo localhost >"$dir/etc/hostname"
  tar --numeric-owner -C "$dir" -cf "$tar.tmp" . || die "could not pack $dir" "check free space on $ROOTFS_DIR (df -h)"
  mv "$tar.tmp" "$tar"
  rm -rf "$dir"
  echo "$want" >"$stamp"
  echo "$tar"
}

mkdir -p "$BUILD_DIR"
[[ -f "$HOST_CA" ]] || die "$HOST_CA not found" "apt-get install ca-certificates and rerun"

# ---- node ----------------------------------------------------------------
log "image $NODE_IMAGE"
[[ -x "$NODE24_PREFIX/bin/node" ]] || die "$NODE24_PREFIX/bin/node missing" "run .ci/offline/node.sh first (setup.sh does)"
node_version="$("$NODE24_PREFIX/bin/node" --version)"; node_version="${node_version#v}"
node_hash="$(hash_files "$IMG/node/Dockerfile" "$IMG/node/docker-entrypoint.sh" "$NODE24_PREFIX/.posts-offline-version" "$HOST_CA" \
  <(echo "rootfs=$ROOTFS_RECIPE"))"
if up_to_date "$NODE_IMAGE" "$node_hash"; then
  info "up to date"
else
  tar="$(rootfs bookworm-minbase bookworm ca-certificates)"
  ctx="$BUILD_DIR/node"
  stage_context "$ctx" "$tar"
  mkdir -p "$ctx/node/lib"
  cp -a "$NODE24_PREFIX/bin" "$NODE24_PREFIX/include" "$NODE24_PREFIX/share" "$ctx/node/"
  rm -f "$ctx/node/bin/npm" "$ctx/node/bin/npx"   # host wrappers; the image gets symlinks
  cp -a "$NODE24_PREFIX/lib/node_modules" "$ctx/node/lib/"
  cp "$HOST_CA" "$ctx/host-ca-bundle.crt"
  cp "$IMG/node/Dockerfile" "$IMG/node/docker-entrypoint.sh" "$ctx/"
  build_image "$NODE_IMAGE" "$node_hash" "$ctx" --build-arg "NODE_VERSION=$node_version"
  rm -rf "$ctx"
fi

# ---- nginx ---------------------------------------------------------------
log "image $NGINX_IMAGE"
nginx_files=("$IMG/nginx/Dockerfile" "$IMG/nginx/nginx.conf" "$IMG/nginx/default.conf" "$IMG/nginx/docker-entrypoint.sh" "$IMG"/nginx/docker-entrypoint.d/*)
nginx_hash="$(hash_files "${nginx_files[@]}" <(echo "rootfs=$ROOTFS_RECIPE"))"
if up_to_date "$NGINX_IMAGE" "$nginx_hash"; then
  info "up to date"
else
  tar="$(rootfs sid-nginx sid nginx,libnginx-mod-stream,libnginx-mod-mail,gettext-base,ca-certificates)"
  ctx="$BUILD_DIR/nginx"
  stage_context "$ctx" "$tar"
  cp -a "$IMG/nginx/." "$ctx/"
  build_image "$NGINX_IMAGE" "$nginx_hash" "$ctx"
  rm -rf "$ctx"
fi

# ---- ferretdb on postgresql (mongo stand-in) ------------------------------
# FerretDB (PostgreSQL backend, + images/ferretdb/listing-pushdown.patch) and Debian's PostgreSQL 15 in one
# image; see README.md. The pg15 rootfs adds ~1 min of debootstrap to a cold run (cached afterwards).
log "image $MONGO_IMAGE"
# mongodump/mongorestore (scripts/backup.sh, restore.sh) from the MongoDB Database Tools source: not on the Go
# module proxy, so a copy with vendored dependencies is kept outside the repo (../shared/vendor/README.md).
MONGO_TOOLS_VERSION="100.18.0"
MONGO_TOOLS_TARBALL="${MONGO_TOOLS_TARBALL:-$REPO_ROOT/../shared/vendor/mongo-tools-$MONGO_TOOLS_VERSION.tar.gz}"
[[ -f $MONGO_TOOLS_TARBALL ]] || die "no MongoDB Database Tools source at $MONGO_TOOLS_TARBALL" \
  "put mongo-tools-$MONGO_TOOLS_VERSION.tar.gz there (or set MONGO_TOOLS_TARBALL to it), then rerun"
mongo_tools_sum="$(sha256sum "$MONGO_TOOLS_TARBALL" | cut -d' ' -f1)"
node_id="$(docker image inspect -f '{{.Id}}' "$NODE_IMAGE")"
mongo_files=("$IMG/ferretdb/Dockerfile" "$IMG/ferretdb/ferretdb-entrypoint.sh" "$IMG/ferretdb/listing-pushdown.patch"
  "$IMG/ferretdb/roles-ignored.patch" "$IMG/ferretdb/ttl-index-accepted.patch" "$IMG/ferretdb/mongorestore-no-index-ns.patch")
mongo_hash="$(hash_files "${mongo_files[@]}" \
  <(echo "ferretdb=$FERRETDB_VERSION postgresql=$POSTGRESQL_PACKAGE mongosh=$MONGOSH_SPEC base=$node_id rootfs=$ROOTFS_RECIPE mongo-tools=$mongo_tools_sum"))"
if up_to_date "$MONGO_IMAGE" "$mongo_hash"; then
  info "up to date"
else
  tar="$(rootfs "bookworm-pg$POSTGRESQL_MAJOR" bookworm "ca-certificates,$POSTGRESQL_PACKAGE")"
  ctx="$BUILD_DIR/ferretdb"
  stage_context "$ctx" "$tar"
  log "building FerretDB $FERRETDB_VERSION (Go module proxy, CGO off, PostgreSQL backend, listing pushdown patch)"
  json="$(cd /tmp && GOFLAGS=-mod=mod with_retries 3 "$GO" mod download -json "$FERRETDB_MODULE@$FERRETDB_VERSION")" \
    || die "go mod download $FERRETDB_MODULE@$FERRETDB_VERSION failed" "check that the Go module proxy ($("$GO" env GOPROXY)) is reachable, then rerun"
  moddir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$json")"
  cp -r "$moddir" "$ctx/src" && chmod -R u+w "$ctx/src"
  (cd "$ctx/src" && git apply "$IMG/ferretdb/listing-pushdown.patch") \
    || die "listing-pushdown.patch does not apply to $FERRETDB_MODULE@$FERRETDB_VERSION" \
      "the patch is made for $FERRETDB_VERSION; regenerate it (README.md, 'Listing pushdown') after a version bump"
  # createUser/updateUser take the product's roles and ignore them (FerretDB 1.x has no authorization).
  (cd "$ctx/src" && git apply "$IMG/ferretdb/roles-ignored.patch") \
    || die "roles-ignored.patch does not apply to $FERRETDB_MODULE@$FERRETDB_VERSION" \
      "redo its two edits in internal/handler/msg_{create,update}user.go for the new version"
  # A TTL index (the session store's) is created as a plain one: FerretDB 1.x has no TTL indexes.
  (cd "$ctx/src" && git apply "$IMG/ferretdb/ttl-index-accepted.patch") \
    || die "ttl-index-accepted.patch does not apply to $FERRETDB_MODULE@$FERRETDB_VERSION" \
      "redo its one edit (the expireAfterSeconds case) in internal/handler/msg_createindexes.go"
  # The release build writes the version with `task gen-version`; do it by hand.
  echo "$FERRETDB_VERSION" >"$ctx/src/build/version/version.txt"
  echo "posts-offline" >"$ctx/src/build/version/package.txt"
  (cd "$ctx/src" && CGO_ENABLED=0 GOFLAGS=-mod=mod "$GO" build -trimpath -ldflags "-s -w" -o "$ctx/ferretdb" ./cmd/ferretdb) \
    >"$BUILD_DIR/ferretdb-go.log" 2>&1 \
    || { tail -n 30 "$BUILD_DIR/ferretdb-go.log" >&2
      die "building FerretDB failed (log: $BUILD_DIR/ferretdb-go.log)" "see the Go errors above; 'go clean -cache' and rerun if the cache is corrupt"; }
  rm -rf "$ctx/src"
  log "building mongodump and mongorestore $MONGO_TOOLS_VERSION (vendored Go dependencies, no network)"
  mkdir -p "$ctx/tools-src" && rm -f "$BUILD_DIR/mongo-tools-go.log"
  tar -xzf "$MONGO_TOOLS_TARBALL" -C "$ctx/tools-src" --strip-components=1
  # FerretDB refuses the "ns" option mongorestore puts in every index it restores (MongoDB ignores it).
  (cd "$ctx/tools-src" && git apply "$IMG/ferretdb/mongorestore-no-index-ns.patch") \
    || die "mongorestore-no-index-ns.patch does not apply to mongo-tools $MONGO_TOOLS_VERSION" \
      "the patch is made for $MONGO_TOOLS_VERSION: redo its 4 lines in mongorestore/metadata.go (CreateIndexes)"
  for tool in mongodump mongorestore; do
    (cd "$ctx/tools-src" && CGO_ENABLED=0 "$GO" build -mod=vendor -trimpath -ldflags "-s -w" -o "$ctx/$tool" "./$tool/main") \
      >>"$BUILD_DIR/mongo-tools-go.log" 2>&1 \
      || { tail -n 30 "$BUILD_DIR/mongo-tools-go.log" >&2
        die "building $tool failed (log: $BUILD_DIR/mongo-tools-go.log)" "see the Go errors above (Go >= 1.26.5 is needed)"; }
  done
  rm -rf "$ctx/tools-src"
  mongosh_v="$(npm view "$MONGOSH_SPEC" version --json 2>/dev/null | tr -d '[]", ' | grep -E '^[0-9.]+$' | sort -V | tail -n 1 || true)"
  [[ -n "$mongosh_v" ]] || die "could not resolve $MONGOSH_SPEC on the npm registry" "check 'npm view $MONGOSH_SPEC version' and rerun"
  cp "$IMG/ferretdb/Dockerfile" "$IMG/ferretdb/ferretdb-entrypoint.sh" "$ctx/"
  # node for mongosh, without its symbol table (~18 MB): the image's only use of node is running mongosh.
  apt_install binutils
  node_box="$(docker create "$NODE_IMAGE")"
  docker cp "$node_box:/usr/local/bin/node" "$ctx/node" >/dev/null && docker rm "$node_box" >/dev/null
  strip "$ctx/node"
  # Executable in the context already: a chmod in the image would copy the binaries into a layer again.
  chmod 0755 "$ctx/ferretdb-entrypoint.sh" "$ctx/ferretdb" "$ctx/mongodump" "$ctx/mongorestore" "$ctx/node"
  build_image "$MONGO_IMAGE" "$mongo_hash" "$ctx" --build-arg "NODE_IMAGE=$NODE_IMAGE" \
    --build-arg "MONGOSH_VERSION=$mongosh_v" --build-arg "FERRETDB_VERSION=${FERRETDB_VERSION#v}"
  rm -rf "$ctx"
fi

printf 'NODE_IMAGE=%s\nNGINX_IMAGE=%s\nMONGO_IMAGE=%s\n' "$NODE_IMAGE" "$NGINX_IMAGE" "$MONGO_IMAGE" >"$BUILD_DIR/images.env"
