#!/usr/bin/env bash
# Step 3b: the monitoring profile's images, built without any container registry (after images.sh, whose
# bookworm minbase rootfs they start from):
#   posts-offline/prometheus:2.42              (stand-in for prom/prometheus; Debian's prometheus package)
#   posts-offline/nginx-exporter:0.11          (stand-in for nginx/nginx-prometheus-exporter; Debian's package)
# The packages come from Debian's mirror during the build (apt-get in the image). An image is rebuilt only
# when its recipe changes (label posts-offline.recipe), as in images.sh. Writes $CACHE_DIR/build/monitoring.env.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PROMETHEUS_IMAGE="$IMAGE_PREFIX/prometheus:2.42"
NGINX_EXPORTER_IMAGE="$IMAGE_PREFIX/nginx-exporter:0.11"
BUILD_DIR="$CACHE_DIR/build"
IMG="$OFFLINE_DIR/images"
# images.sh's debootstrap of bookworm (minbase, ca-certificates); its recipe number is part of ours.
ROOTFS_TAR="$CACHE_DIR/rootfs/bookworm-minbase.tar"
ROOTFS_STAMP="$CACHE_DIR/rootfs/bookworm-minbase.stamp"

[[ -f "$ROOTFS_TAR" && -f "$ROOTFS_STAMP" ]] || die "$ROOTFS_TAR not found" \
  "run .ci/offline/images.sh first (setup.sh runs it before this step)"
mkdir -p "$BUILD_DIR"

up_to_date() { [[ "$(image_label "$1" posts-offline.recipe)" == "$2" ]]; }

# build TAG FOLDER: context = the recipe folder + the rootfs, skipped when the recipe is unchanged.
build() {
  local tag=$1 folder=$2 hash ctx blog
  log "image $tag"
  hash="$(hash_files "$IMG/$folder"/* "$ROOTFS_STAMP")"
  if up_to_date "$tag" "$hash"; then
    info "up to date"
    return 0
  fi
  ctx="$BUILD_DIR/$folder"
  blog="$BUILD_DIR/${tag//[\/:]/_}.build.log"
  rm -rf "$ctx" && mkdir -p "$ctx"
  ln "$ROOTFS_TAR" "$ctx/rootfs.tar" 2>/dev/null || cp "$ROOTFS_TAR" "$ctx/rootfs.tar"
  cp -a "$IMG/$folder/." "$ctx/"
  log "docker build $tag (recipe $hash; log: $blog)"
  if ! with_retries 2 docker build --label "posts-offline.recipe=$hash" -t "$tag" "$ctx" >"$blog" 2>&1; then
    tail -n 30 "$blog" >&2
    die "docker build of $tag failed (context: $ctx, full log: $blog)" \
      "the build runs apt-get against Debian's mirror: check that containers reach $DEBIAN_MIRROR, then rerun"
  fi
  rm -rf "$ctx"
  info "built $tag ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}'))"
}

build "$PROMETHEUS_IMAGE" prometheus
build "$NGINX_EXPORTER_IMAGE" nginx-exporter

printf 'PROMETHEUS_IMAGE=%s\nNGINX_EXPORTER_IMAGE=%s\n' "$PROMETHEUS_IMAGE" "$NGINX_EXPORTER_IMAGE" \
  >"$BUILD_DIR/monitoring.env"
