#!/usr/bin/env bash
# Step 3b: the edge's images (issue 12), built without any container registry.
#   posts-offline/lego:4.9.1     (stand-in for goacme/lego, the ACME client service `acme`)
#   posts-offline/pebble:2.4.0   (stand-in for ghcr.io/letsencrypt/pebble, the ACME test server in test/stack)
# Both are Debian bookworm packages holding one static Go binary, so each image is the cached bookworm
# minbase rootfs (images.sh makes it) plus that binary: no debootstrap of its own, seconds to build.
# Rebuilt only when the recipe changes (label posts-offline.recipe). Writes $CACHE_DIR/build/images-edge.env.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROOTFS_TAR="$CACHE_DIR/rootfs/bookworm-minbase.tar"
mkdir -p "$BUILD_DIR"
[[ -f "$ROOTFS_TAR" ]] || die "$ROOTFS_TAR missing" "run .ci/offline/images.sh first (setup.sh does): it makes the bookworm rootfs"

# edge_image NAME PACKAGE BINARY: builds posts-offline/NAME:<package version> from images/NAME/Dockerfile;
# sets BUILT_TAG.
edge_image() {
  local name=$1 package=$2 binary=$3
  apt_update_once
  local version
  version="$(apt-cache policy "$package" | sed -n 's/^ *Candidate: //p')"
  [[ -n "$version" && "$version" != "(none)" ]] || die "apt has no candidate for $package" "check apt sources (bookworm main), then rerun"
  local upstream="${version%%[-+]*}" tag
  tag="$IMAGE_PREFIX/$name:$upstream"
  local hash
  hash="$(hash_files "$IMG/$name/Dockerfile" <(echo "package=$package=$version rootfs=$(cat "${ROOTFS_TAR%.tar}.stamp" 2>/dev/null || stat -c %Y "$ROOTFS_TAR")"))"
  log "image $tag"
  if up_to_date "$tag" "$hash"; then
    info "up to date"
  else
    local ctx="$BUILD_DIR/$name"
    stage_context "$ctx" "$ROOTFS_TAR"
    mkdir -p "$ctx/deb"
    (cd "$ctx/deb" && with_retries 3 apt-get download "$package=$version" >/dev/null 2>&1) \
      || die "apt-get download $package=$version failed" "check that Debian's mirror is reachable, then rerun"
    dpkg-deb -x "$ctx"/deb/*.deb "$ctx/unpacked"
    install -m 0755 "$ctx/unpacked/usr/bin/$binary" "$ctx/$binary"
    cp "$IMG/$name/Dockerfile" "$ctx/"
    rm -rf "$ctx/deb" "$ctx/unpacked"
    build_image --hint "see the output above, then rerun" "$tag" "$hash" "$ctx"
    rm -rf "$ctx"
  fi
  BUILT_TAG=$tag
}

edge_image lego lego lego
ACME_IMAGE=$BUILT_TAG
edge_image pebble pebble pebble
PEBBLE_IMAGE=$BUILT_TAG
printf 'ACME_IMAGE=%s\nPEBBLE_IMAGE=%s\n' "$ACME_IMAGE" "$PEBBLE_IMAGE" >"$BUILD_DIR/images-edge.env"
