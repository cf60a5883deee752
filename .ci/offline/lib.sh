# shellcheck shell=bash
# shellcheck disable=SC2034  # variables are used by the scripts that source this file
# Shared helpers for .ci/offline/*.sh. Source it; do not execute it.

OFFLINE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$OFFLINE_DIR/../.." && pwd)"
CACHE_DIR="${POSTS_OFFLINE_CACHE:-/var/cache/posts-offline}"
ENV_FILE="$REPO_ROOT/.offline/env"
# The image scripts (images*.sh): their recipes, and where they stage build contexts and write logs and env files.
IMG="$OFFLINE_DIR/images"
BUILD_DIR="$CACHE_DIR/build"

# Pinned / chosen versions (see README.md for why).
COMPOSE_MODULE="github.com/docker/compose/v5"
COMPOSE_VERSION="v5.6.0"
BUILDX_MODULE="github.com/docker/buildx"
BUILDX_VERSION="v0.38.2"
FERRETDB_MODULE="github.com/FerretDB/FerretDB"
FERRETDB_VERSION="v1.24.2"
# The stand-in's storage: Debian bookworm's PostgreSQL (images/ferretdb/; the image tag ends in -pg15).
POSTGRESQL_MAJOR="15"
POSTGRESQL_PACKAGE="postgresql-$POSTGRESQL_MAJOR"
NODE_MAJOR="24"
NPM_SPEC="npm@11"
MONGOSH_SPEC="mongosh@2"
NODE24_PREFIX="/opt/node24"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# POSTS_OFFLINE_IMAGE_PREFIX: a second set of images beside the first, e.g. to time a cold build without
# deleting the images in use (README.md, "Timing a cold run").
IMAGE_PREFIX="${POSTS_OFFLINE_IMAGE_PREFIX:-posts-offline}"

# The engine is Debian's docker.io 20.10 (API 1.41). Clients negotiate the API
# version by themselves. Our own images are built with the classic builder
# (works with or without the buildx plugin); see README.md.
export DOCKER_BUILDKIT=0
export COMPOSE_BAKE=false

log()  { printf '==> %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }

# die WHAT HINT: say what broke and what to do, then exit non-zero.
die() {
  printf '\nERROR: %s\n' "$1" >&2
  if [[ $# -gt 1 ]]; then printf 'FIX:   %s\n' "$2" >&2; fi
  exit 1
}

# Run apt-get update at most once per setup.sh run (and not at all when a
# recent update already happened on this machine, e.g. warm reruns).
apt_update_once() {
  if [[ "${_POSTS_APT_UPDATED:-}" == 1 ]]; then return 0; fi
  local stamp=/var/lib/apt/periodic/posts-offline-update-stamp
  if [[ -f "$stamp" && -n "$(find "$stamp" -mmin -360 2>/dev/null)" ]]; then
    export _POSTS_APT_UPDATED=1
    return 0
  fi
  log "apt-get update"
  apt-get update -qq || die "apt-get update failed" \
    "check that Debian's package mirror is reachable (see /etc/apt/sources.list*), then rerun"
  mkdir -p "$(dirname "$stamp")" && touch "$stamp"
  export _POSTS_APT_UPDATED=1
}

# apt_install PKG...: install only what is missing.
apt_install() {
  local missing=() p
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$p")
    fi
  done
  if [[ ${#missing[@]} -eq 0 ]]; then return 0; fi
  apt_update_once
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed" "run 'apt-get install ${missing[*]}' by hand to see why, then rerun"
}

# hash_files FILE...: one sha256 over the given files' contents (and names).
hash_files() {
  local f
  for f in "$@"; do
    printf '%s\n' "${f#"$OFFLINE_DIR"/}"
    cat "$f"
  done | sha256sum | cut -c1-16
}

# image_label IMAGE LABEL: print the label of a local image, or nothing.
image_label() {
  docker image inspect -f "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true
}

# with_retries N CMD...: retry a flaky network command.
with_retries() {
  local n=$1 i; shift
  for ((i = 1; i <= n; i++)); do
    if "$@"; then return 0; fi
    if ((i < n)); then warn "attempt $i/$n failed: $*; retrying"; sleep $((i * 3)); fi
  done
  return 1
}

# up_to_date TAG HASH: the local image TAG was built from the recipe HASH (its label posts-offline.recipe).
up_to_date() { [[ "$(image_label "$1" posts-offline.recipe)" == "$2" ]]; }

# stage_context DIR ROOTFS_TAR: a fresh, empty build context DIR holding ROOTFS_TAR as rootfs.tar (a hard link
# when the file system allows: the tarballs are hundreds of MB).
stage_context() {
  local ctx=$1 tar=$2
  rm -rf "$ctx" && mkdir -p "$ctx"
  ln "$tar" "$ctx/rootfs.tar" 2>/dev/null || cp "$tar" "$ctx/rootfs.tar"
}

# build_image [--retries N] [--hint TEXT] TAG HASH CONTEXT [docker build args...]: docker build labelled with
# the recipe HASH, its output in $BUILD_DIR/<tag>.build.log; on failure the log's tail, then HINT.
# --retries for builds that fetch from the network (apt-get in the Dockerfile).
build_image() {
  local retries=1 hint="see the build output above; DOCKER_BUILDKIT=0 is required here (no buildx); rerun after fixing"
  while [[ $1 == --* ]]; do
    case $1 in
      --retries) retries=$2 ;;
      --hint) hint=$2 ;;
      *) die "build_image: unknown option $1" "use --retries N or --hint TEXT" ;;
    esac
    shift 2
  done
  local tag=$1 hash=$2 ctx=$3; shift 3
  local blog="$BUILD_DIR/${tag//[\/:]/_}.build.log"
  log "docker build $tag (recipe $hash; log: $blog)"
  if ! with_retries "$retries" docker build --label "posts-offline.recipe=$hash" -t "$tag" "$@" "$ctx" >"$blog" 2>&1; then
    tail -n 30 "$blog" >&2
    die "docker build of $tag failed (context: $ctx, full log: $blog)" "$hint"
  fi
  info "built $tag ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}'))"
}

# Where docker CLI plugins are installed: every docker client on this machine (Debian's and the one in
# /usr/local/bin) looks in one of these.
PLUGIN_DIRS=(/usr/local/lib/docker/cli-plugins /usr/libexec/docker/cli-plugins)
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"

# build_go_plugin NAME MODULE VERSION PACKAGE LDFLAGS [GO BUILD FLAGS...]: downloads MODULE@VERSION from
# the Go module proxy, builds PACKAGE in a writable copy (the module cache is read-only, and `go install`
# refuses modules with replace directives) and installs it as the docker CLI plugin NAME.
build_go_plugin() {
  local name=$1 module=$2 version=$3 package=$4 ldflags=$5
  shift 5
  [[ -x "$GO" ]] || die "no Go toolchain found (looked for 'go' on PATH and /usr/local/go/bin/go)" \
    "install Go >= 1.26.8 (or set GO=/path/to/go) and rerun"
  log "downloading $module@$version from the Go module proxy"
  local json moddir work
  json="$(cd /tmp && GOFLAGS=-mod=mod with_retries 3 "$GO" mod download -json "$module@$version")" \
    || die "go mod download $module@$version failed" \
      "check GOPROXY ($("$GO" env GOPROXY)) is reachable and that $("$GO" version) satisfies the module's 'go' line"
  moddir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$json")"
  [[ -d "$moddir" ]] || die "module directory not found after download ($moddir)" "rerun; if it persists run: go clean -modcache"
  work="$(mktemp -d)"
  # shellcheck disable=SC2064  # expand $work now: it is local to this function
  trap "rm -rf '$work'" EXIT
  cp -r "$moddir" "$work/src" && chmod -R u+w "$work/src"
  log "building $name (a few minutes on a cold Go cache)"
  (cd "$work/src" && CGO_ENABLED=0 GOFLAGS=-mod=mod "$GO" build -trimpath "$@" -ldflags "-w -s $ldflags" \
      -o "$work/$name" "$package") >"$work/go.log" 2>&1 \
    || { tail -n 30 "$work/go.log" >&2; die "building $name $version failed" "see the Go errors above; 'go clean -cache' and rerun if the cache is corrupt"; }
  local d
  for d in "${PLUGIN_DIRS[@]}"; do
    mkdir -p "$d"
    install -m 0755 "$work/$name" "$d/$name"
  done
}
