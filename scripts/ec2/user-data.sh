#!/bin/bash
# EC2 user-data (cloud-init runs it once, as root, on the first boot) for Amazon Linux 2023 and Ubuntu 24.04.
# It installs Docker Engine and the compose plugin, fetches this project at a git ref, writes .env with
# generated secrets (never overwriting existing ones), starts the stack and installs a systemd unit so the
# stack comes back after a reboot. Safe to run again by hand: `sudo bash user-data.sh`.
# The log is in /var/log/posts-stack-setup.log (and cloud-init's /var/log/cloud-init-output.log).
#
# Parameters: edit the defaults below before pasting this into "User data", or export them when running by hand.
set -euo pipefail

REPO_URL=${REPO_URL:-https://github.com/example/posts-stack.git} # your fork
REPO_REF=${REPO_REF:-main}              # branch, tag or commit
STACK_DIR=${STACK_DIR:-/opt/posts-stack}
HTTP_PORT=${HTTP_PORT:-80}
# Empty: build the app image on the instance. Or an image in a registry, e.g. ghcr.io/you/posts-stack:v1.2.0
# (for a private one, `docker login` on the instance first, then `sudo systemctl restart posts-stack`).
APP_IMAGE=${APP_IMAGE:-}
COMPOSE_VERSION=${COMPOSE_VERSION:-latest} # Amazon Linux only: its repos have no compose plugin
BUILDX_VERSION=${BUILDX_VERSION:-v0.17.1}  # Amazon Linux only: compose builds with buildx
SKIP_PACKAGES=${SKIP_PACKAGES:-0}         # 1: Docker, the compose plugin, git and curl are already installed
UNIT_DIR=${UNIT_DIR:-/etc/systemd/system}
USE_SYSTEMD=${USE_SYSTEMD:-auto}          # auto: when systemd runs; 0: write the unit, start with compose
LOG_FILE=${LOG_FILE:-/var/log/posts-stack-setup.log}

exec > >(tee -a "$LOG_FILE") 2>&1
log() { printf '[posts-stack %s] %s\n' "$(date -u +%FT%TZ)" "$*"; }
with_systemd() { [ "$USE_SYSTEMD" = 1 ] || { [ "$USE_SYSTEMD" = auto ] && [ -d /run/systemd/system ]; }; }

install_packages() {
  # shellcheck disable=SC1091
  . /etc/os-release
  case ${ID:-} in
    amzn)
      dnf install -y docker git
      local arch plugins=/usr/local/lib/docker/cli-plugins
      arch=$(uname -m) # x86_64 or aarch64, as compose names its binaries
      mkdir -p "$plugins"
      if [ "$COMPOSE_VERSION" = latest ]; then
        curl -fsSL -o "$plugins/docker-compose" "https://github.com/docker/compose/releases/latest/download/docker-compose-linux-$arch"
      else
        curl -fsSL -o "$plugins/docker-compose" "https://github.com/docker/compose/releases/download/$COMPOSE_VERSION/docker-compose-linux-$arch"
      fi
      case $arch in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; esac
      curl -fsSL -o "$plugins/docker-buildx" "https://github.com/docker/buildx/releases/download/$BUILDX_VERSION/buildx-$BUILDX_VERSION.linux-$arch"
      chmod 755 "$plugins/docker-compose" "$plugins/docker-buildx"
      ;;
    ubuntu)
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -q
      # Ubuntu's own packages: no third-party repository to trust.
      apt-get install -y -q docker.io docker-compose-v2 docker-buildx git curl
      ;;
    *)
      log "unsupported OS '${ID:-unknown}': use Amazon Linux 2023 or Ubuntu 24.04, or install Docker yourself and set SKIP_PACKAGES=1"
      exit 1
      ;;
  esac
  # Docker's default json-file logs never rotate: cap them (kept if you already have a daemon.json).
  if [ ! -f /etc/docker/daemon.json ]; then
    mkdir -p /etc/docker
    printf '%s\n' '{ "log-driver": "json-file", "log-opts": { "max-size": "10m", "max-file": "5" } }' >/etc/docker/daemon.json
  fi
  systemctl enable docker
  systemctl restart docker
  # The default login user may run docker without sudo (it is root-equivalent: keep SSH restricted).
  for user in ec2-user ubuntu; do
    if id "$user" >/dev/null 2>&1; then usermod -aG docker "$user"; fi
  done
}

fetch_project() {
  if [ -d "$STACK_DIR/.git" ]; then
    log "updating $STACK_DIR to $REPO_REF"
  else
    log "cloning $REPO_URL into $STACK_DIR"
    git clone --quiet "$REPO_URL" "$STACK_DIR"
  fi
  git -C "$STACK_DIR" fetch --quiet origin "$REPO_REF"
  git -C "$STACK_DIR" checkout --quiet --detach FETCH_HEAD
  log "at commit $(git -C "$STACK_DIR" rev-parse --short HEAD)"
}

write_env() {
  # shellcheck source-path=SCRIPTDIR/../lib source=dotenv.sh
  . "$STACK_DIR/scripts/lib/dotenv.sh"
  local env_file=$STACK_DIR/.env
  [ -f "$env_file" ] || (umask 077 && : >"$env_file")
  chmod 600 "$env_file"
  # Secrets: generated once, kept forever (the database keeps the password it was created with).
  dotenv_default "$env_file" MONGO_ROOT_PASSWORD "$(random_secret)"
  dotenv_default "$env_file" HTTP_PORT "$HTTP_PORT"
  if [ -n "$APP_IMAGE" ]; then dotenv_set "$env_file" APP_IMAGE "$APP_IMAGE"; fi
  log "wrote $env_file (secrets kept if they were already there)"
}

install_unit() {
  mkdir -p "$UNIT_DIR"
  cat >"$UNIT_DIR/posts-stack.service" <<UNIT
[Unit]
Description=posts-stack: nginx, app and MongoDB with Docker Compose
Requires=docker.service
After=docker.service network-online.target
Wants=network-online.target

[Service]
Type=oneshot
RemainAfterExit=yes
WorkingDirectory=$STACK_DIR
ExecStart=/usr/bin/docker compose up -d --wait --wait-timeout 300
ExecStop=/usr/bin/docker compose stop
TimeoutStartSec=600

[Install]
WantedBy=multi-user.target
UNIT
  if with_systemd; then systemctl daemon-reload; fi
}

start_stack() {
  cd "$STACK_DIR"
  # A registry image is pulled by `up` when missing; without one the app image is built here.
  if [ -z "$APP_IMAGE" ]; then
    log "building the app image"
    docker compose build app
  fi
  log "starting the stack"
  if with_systemd; then
    systemctl enable posts-stack.service
    systemctl restart posts-stack.service
  else
    log "without systemd: starting with docker compose directly ($UNIT_DIR/posts-stack.service is written)"
    docker compose up -d --wait --wait-timeout 300
  fi
  local port
  port=$(sed -n 's/^HTTP_PORT=//p' .env | tail -n 1)
  for _ in $(seq 1 30); do
    if curl -fsS "http://127.0.0.1:${port:-80}/healthz"; then
      echo
      log "up: http://<this instance's public address>:${port:-80}/"
      return 0
    fi
    sleep 2
  done
  log "the stack did not answer on /healthz; see: docker compose -f $STACK_DIR/docker-compose.yml logs"
  exit 1
}

log "start"
if [ "$SKIP_PACKAGES" != 1 ]; then install_packages; fi
fetch_project
write_env
install_unit
start_stack
log "done"
