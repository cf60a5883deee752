#!/usr/bin/env bash
# Step 3b: the monitoring profile's images, built without any container registry (after images.sh, whose
# bookworm minbase rootfs they start from):
#   posts-offline/prometheus:2.42              (stand-in for prom/prometheus; Debian's prometheus package)
#   posts-offline/nginx-exporter:0.11          (stand-in for nginx/nginx-prometheus-exporter; Debian's package)
#   posts-offline/alertmanager:0.25            (stand-in for prom/alertmanager; Debian's package)
#   posts-offline/blackbox-exporter:0.23       (stand-in for prom/blackbox-exporter; Debian's package)
#   posts-offline/node-exporter:1.5            (stand-in for prom/node-exporter; Debian's package)
# The packages come from Debian's mirror during the build (apt-get in the image). An image is rebuilt only
# when its recipe changes (label posts-offline.recipe), as in images.sh. Writes $CACHE_DIR/build/monitoring.env.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PROMETHEUS_IMAGE="$IMAGE_PREFIX/prometheus:2.42"
NGINX_EXPORTER_IMAGE="$IMAGE_PREFIX/nginx-exporter:0.11"
ALERTMANAGER_IMAGE="$IMAGE_PREFIX/alertmanager:0.25"
BLACKBOX_EXPORTER_IMAGE="$IMAGE_PREFIX/blackbox-exporter:0.23"
NODE_EXPORTER_IMAGE="$IMAGE_PREFIX/node-exporter:1.5"
# images.sh's debootstrap of bookworm (minbase, ca-certificates); its recipe number is part of ours.
ROOTFS_TAR="$CACHE_DIR/rootfs/bookworm-minbase.tar"
ROOTFS_STAMP="$CACHE_DIR/rootfs/bookworm-minbase.stamp"

[[ -f "$ROOTFS_TAR" && -f "$ROOTFS_STAMP" ]] || die "$ROOTFS_TAR not found" \
  "run .ci/offline/images.sh first (setup.sh runs it before this step)"
mkdir -p "$BUILD_DIR"

# build TAG FOLDER: context = the recipe folder + the rootfs, skipped when the recipe is unchanged.
build() {
  local tag=$1 folder=$2 hash ctx
  log "image $tag"
  hash="$(hash_files "$IMG/$folder"/* "$ROOTFS_STAMP")"
  if up_to_date "$tag" "$hash"; then
    info "up to date"
    return 0
  fi
  ctx="$BUILD_DIR/$folder"
  stage_context "$ctx" "$ROOTFS_TAR"
  cp -a "$IMG/$folder/." "$ctx/"
  build_image --retries 2 \
    --hint "the build runs apt-get against Debian's mirror: check that containers reach $DEBIAN_MIRROR, then rerun" \
    "$tag" "$hash" "$ctx"
  rm -rf "$ctx"
}

build "$PROMETHEUS_IMAGE" prometheus
build "$NGINX_EXPORTER_IMAGE" nginx-exporter
build "$ALERTMANAGER_IMAGE" alertmanager
build "$BLACKBOX_EXPORTER_IMAGE" blackbox-exporter
build "$NODE_EXPORTER_IMAGE" node-exporter

printf 'PROMETHEUS_IMAGE=%s\nNGINX_EXPORTER_IMAGE=%s\nALERTMANAGER_IMAGE=%s\nBLACKBOX_EXPORTER_IMAGE=%s\nNODE_EXPORTER_IMAGE=%s\n' \
  "$PROMETHEUS_IMAGE" "$NGINX_EXPORTER_IMAGE" "$ALERTMANAGER_IMAGE" "$BLACKBOX_EXPORTER_IMAGE" "$NODE_EXPORTER_IMAGE" \
  >"$BUILD_DIR/monitoring.env"
