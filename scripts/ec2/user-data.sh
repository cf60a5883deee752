#!/bin/bash
# EC2 user-data (cloud-init runs it once, as root, on the first boot) for Amazon Linux 2023 and Ubuntu 24.04.
# It installs Docker Engine and the compose plugin, fetches this project at a git ref, writes .env with
# generated secrets (never overwriting existing ones), starts the stack and installs a systemd unit so the
# stack comes back after a reboot. Safe to run again by hand: `sudo bash user-data.sh`.
#
# Day two needs no sudo: the stack folder belongs to the login user (ec2-user or ubuntu) and the docker group,
# .env is 0640 (readable by that group), and the login user and SSM's ssm-user are in the docker group. So
# `docker compose ps/logs/pull/up` in the folder and `scripts/deploy.sh ec2-user@HOST` work as they are.
# (The docker group is root-equivalent already: letting it read .env gives away nothing it could not get.)
#
# The log is /var/log/posts-stack-setup.log (mode 0640) and cloud-init's /var/log/cloud-init-output.log. A
# token in REPO_URL never reaches either, and is not stored in the checkout's .git/config.
#
# Parameters: edit the defaults below before pasting this into "User data", or export them when running by hand.
set -euo pipefail

REPO_URL=${REPO_URL:-https://github.com/example/posts-stack.git} # your fork (https://TOKEN@github.com/... if private)
REPO_REF=${REPO_REF:-main}              # branch, tag or commit
STACK_DIR=${STACK_DIR:-/opt/posts-stack}
HTTP_PORT=${HTTP_PORT:-80}
HTTPS_PORT=${HTTPS_PORT:-443}
# Empty: build the app image on the instance. Or an image in a registry, e.g. ghcr.io/you/posts-stack:v1.2.0
# (for a private one, `docker login` on the instance first, then `sudo systemctl restart posts-stack`).
APP_IMAGE=${APP_IMAGE:-}
# Docker's settings (written only when the file does not exist). LIVE_RESTORE=false on a Swarm node: the
# daemon refuses swarm mode with live-restore on.
DAEMON_JSON=${DAEMON_JSON:-/etc/docker/daemon.json}
LIVE_RESTORE=${LIVE_RESTORE:-true}
# Who runs day-two commands: the owner of STACK_DIR. Empty: ec2-user or ubuntu, whichever exists.
LOGIN_USER=${LOGIN_USER:-}
STACK_GROUP=${STACK_GROUP:-docker}        # STACK_DIR's group; .env is readable by it
SSM_USER=${SSM_USER:-ssm-user}            # made now (when the SSM agent is installed) so it joins the docker group
SKIP_PACKAGES=${SKIP_PACKAGES:-0}         # 1: Docker, the compose plugin, git and curl are already installed
UNIT_DIR=${UNIT_DIR:-/etc/systemd/system}
USE_SYSTEMD=${USE_SYSTEMD:-auto}          # auto: when systemd runs; 0: write the unit, start with compose
LOG_FILE=${LOG_FILE:-/var/log/posts-stack-setup.log}
# Daily backups (the section "Backups" below): where, how long to keep them, when (systemd OnCalendar, UTC).
BACKUP_DIR=${BACKUP_DIR:-/var/backups/$(basename "$STACK_DIR")}
BACKUP_KEEP_DAYS=${BACKUP_KEEP_DAYS:-14}
BACKUP_AT=${BACKUP_AT:-*-*-* 03:30:00 UTC}

# Amazon Linux 2023 only: its repositories have Docker but no compose or buildx plugin, so these two binaries
# come from the projects' GitHub releases, pinned by version AND sha256 (a download that does not match stops
# the script). Ubuntu installs both from its own signed archive instead (apt verifies the signatures).
# To update: pick a release, take the sha256 of docker-compose-linux-{x86_64,aarch64} from the release's
# checksums.txt (buildx: buildx-vX.Y.Z.linux-{amd64,arm64}), or `curl -fsSL URL | sha256sum`, and replace
# the version and both sums together.
COMPOSE_VERSION=v5.1.0
COMPOSE_SHA256_X86_64=5633cb21e06a7c88c7ca48a9334d3d0f7f892e9605ae9e9a45f9a095d4ffceb8
COMPOSE_SHA256_AARCH64=da671ae15b4d7c68c38b572a2e9ceba89f09657d2682c2d2e34ad6db828e7442
BUILDX_VERSION=v0.36.0
BUILDX_SHA256_AMD64=07823fdfcd82a41be90155a8b16876c1a780a6462de805a9f3f63b3119ccfb99
BUILDX_SHA256_ARM64=70382de03915c07c488ae4ddc4f7e169ee978f953e754ecfce110ba017e0132b

# redact: hides the user:password@ (or token@) part of every URL in its input.
redact() { sed -u -E 's#([A-Za-z][A-Za-z0-9+.-]*://)[^/@[:space:]]+@#\1***@#g'; }
umask 022
[ -f "$LOG_FILE" ] || install -m 0640 /dev/null "$LOG_FILE"
chmod 0640 "$LOG_FILE"
exec > >(redact | tee -a "$LOG_FILE") 2>&1
log() { printf '[posts-stack %s] %s\n' "$(date -u +%FT%TZ)" "$*"; }
with_systemd() { [ "$USE_SYSTEMD" = 1 ] || { [ "$USE_SYSTEMD" = auto ] && [ -d /run/systemd/system ]; }; }
# git never prompts (a boot has nobody to answer) and its messages go through redact like everything else.
export GIT_TERMINAL_PROMPT=0

# download_verified URL SHA256 FILE: downloads to a temporary file and installs it only if the sum matches.
download_verified() {
  local url=$1 sum=$2 file=$3 tmp
  tmp=$(mktemp)
  curl -fsSL --retry 3 -o "$tmp" "$url"
  if ! echo "$sum  $tmp" | sha256sum -c --status; then
    log "sha256 mismatch for $url: expected $sum, got $(sha256sum "$tmp" | cut -d' ' -f1)"
    rm -f "$tmp"
    exit 1
  fi
  install -m 0755 "$tmp" "$file"
  rm -f "$tmp"
}

# CIS Docker Benchmark settings: containers keep running while dockerd restarts or upgrades (live-restore),
# no process gains privileges through setuid binaries (no-new-privileges), containers on the default bridge
# cannot reach each other (icc: compose's own networks are unaffected), and json-file logs are capped.
write_daemon_json() {
  mkdir -p "$(dirname "$DAEMON_JSON")"
  printf '{ "live-restore": %s, "no-new-privileges": true, "icc": false,
  "log-driver": "json-file", "log-opts": { "max-size": "10m", "max-file": "5" } }\n' "$LIVE_RESTORE" >"$DAEMON_JSON"
}

install_packages() {
  # shellcheck disable=SC1091
  . /etc/os-release
  case ${ID:-} in
    amzn)
      dnf install -y docker git
      local plugins=/usr/local/lib/docker/cli-plugins compose_sum buildx_arch buildx_sum
      mkdir -p "$plugins"
      case $(uname -m) in
        x86_64) compose_sum=$COMPOSE_SHA256_X86_64 buildx_arch=amd64 buildx_sum=$BUILDX_SHA256_AMD64 ;;
        aarch64) compose_sum=$COMPOSE_SHA256_AARCH64 buildx_arch=arm64 buildx_sum=$BUILDX_SHA256_ARM64 ;;
        *) log "unsupported CPU $(uname -m)"; exit 1 ;;
      esac
      download_verified "https://github.com/docker/compose/releases/download/$COMPOSE_VERSION/docker-compose-linux-$(uname -m)" \
        "$compose_sum" "$plugins/docker-compose"
      download_verified "https://github.com/docker/buildx/releases/download/$BUILDX_VERSION/buildx-$BUILDX_VERSION.linux-$buildx_arch" \
        "$buildx_sum" "$plugins/docker-buildx"
      ;;
    ubuntu)
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -q
      # Ubuntu's own packages: signed by its archive key, no third-party repository to trust.
      apt-get install -y -q docker.io docker-compose-v2 docker-buildx git curl
      ;;
    *)
      log "unsupported OS '${ID:-unknown}': use Amazon Linux 2023 or Ubuntu 24.04, or install Docker yourself and set SKIP_PACKAGES=1"
      exit 1
      ;;
  esac
  if [ ! -f "$DAEMON_JSON" ]; then write_daemon_json; fi
  systemctl enable docker
  systemctl restart docker
}

# The login user, and ssm-user, in the docker group (root-equivalent: keep SSH and SSM access narrow).
# The SSM agent makes ssm-user at the first session, after this script: making it now, as the agent would
# (a home, bash), is what lets it join the group. The agent keeps an existing ssm-user.
setup_users() {
  if [ -z "$LOGIN_USER" ]; then
    for candidate in ec2-user ubuntu; do
      if id "$candidate" >/dev/null 2>&1; then LOGIN_USER=$candidate && break; fi
    done
  fi
  getent group "$STACK_GROUP" >/dev/null || groupadd --system "$STACK_GROUP"
  if [ -n "$SSM_USER" ] && ! id "$SSM_USER" >/dev/null 2>&1 &&
    { command -v amazon-ssm-agent >/dev/null || [ -d /snap/amazon-ssm-agent ]; }; then
    useradd --create-home --shell /bin/bash "$SSM_USER"
    log "created $SSM_USER for SSM Session Manager"
  fi
  local user
  for user in "$LOGIN_USER" "$SSM_USER"; do
    if [ -n "$user" ] && id "$user" >/dev/null 2>&1; then
      usermod -aG "$STACK_GROUP" "$user"
      [ "$STACK_GROUP" = docker ] || usermod -aG docker "$user"
      log "$user is in the $STACK_GROUP group (log in again to use it)"
    fi
  done
}

fetch_project() {
  # The URL is given to each git command and never stored: .git/config gets it without credentials.
  local public_url
  public_url=$(printf '%s' "$REPO_URL" | redact | sed 's#\*\*\*@##')
  if [ -d "$STACK_DIR/.git" ]; then
    log "updating $STACK_DIR to $REPO_REF from $public_url"
  else
    log "cloning $public_url into $STACK_DIR"
    git clone --quiet --no-checkout "$REPO_URL" "$STACK_DIR"
    git -C "$STACK_DIR" remote set-url origin "$public_url"
  fi
  # Other users (the login user, ssm-user) work in this checkout too: let git trust it for everyone.
  git config --system --get-all safe.directory 2>/dev/null | grep -qxF "$STACK_DIR" ||
    git config --system --add safe.directory "$STACK_DIR"
  git -C "$STACK_DIR" config core.sharedRepository group
  git -C "$STACK_DIR" fetch --quiet "$REPO_URL" "$REPO_REF"
  git -C "$STACK_DIR" checkout --quiet --force --detach FETCH_HEAD
  log "at commit $(git -C "$STACK_DIR" rev-parse --short HEAD)"
}

write_env() {
  # shellcheck source-path=SCRIPTDIR/../lib source=dotenv.sh
  . "$STACK_DIR/scripts/lib/dotenv.sh"
  local env_file=$STACK_DIR/.env
  [ -f "$env_file" ] || (umask 027 && : >"$env_file")
  # No secret here: the db-secrets one-shot writes the passwords into secrets/ at the first `up`.
  dotenv_default "$env_file" HTTP_PORT "$HTTP_PORT"
  dotenv_default "$env_file" HTTPS_PORT "$HTTPS_PORT"
  if [ -n "$APP_IMAGE" ]; then dotenv_set "$env_file" APP_IMAGE "$APP_IMAGE"; fi
  log "wrote $env_file (settings only: the passwords are in $STACK_DIR/secrets/)"
}

# The stack folder for day two: owned by the login user, group STACK_GROUP (setgid folders, so new files join
# it), group-writable so ssm-user can deploy too; .env 0640, never world-readable. The generated passwords in
# secrets/*/ keep the owner and mode db-secrets gave them (readable only by their service's user).
set_ownership() {
  find "$STACK_DIR" -path "$STACK_DIR/secrets/*/*" -prune -o -exec chown "${LOGIN_USER:-root}:$STACK_GROUP" {} +
  find "$STACK_DIR" -path "$STACK_DIR/secrets/*/*" -prune -o -exec chmod g+rwX,o-w {} +
  find "$STACK_DIR" -path "$STACK_DIR/secrets/*/*" -prune -o -type d -exec chmod g+s {} +
  chmod 0640 "$STACK_DIR/.env"
  log "$STACK_DIR belongs to ${LOGIN_USER:-root}:$STACK_GROUP; .env is 0640"
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
# APP_REPLICAS in .env is kept by this plain up: docker-compose.yml's app has deploy.replicas from it.
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

# ---- Backups (issue 11; owned apart from the rest of this file) -----------------------------------------
# A daily systemd timer: scripts/backup.sh into BACKUP_DIR (root only, 0700), archives older than
# BACKUP_KEEP_DAYS deleted, then scripts/restore.sh --check on the newest one: restored into a scratch
# database, its counts compared, the scratch dropped. A failed run shows in `systemctl --failed` and
# `journalctl -u <name>-backup`. Copying the archives off the instance (S3): docs/ec2.md, "Backup and restore".
install_backup_timer() {
  local name
  name=$(basename "$STACK_DIR")-backup
  cat >"$UNIT_DIR/$name.service" <<UNIT
[Unit]
Description=Back up the app's database, delete old archives, check that the newest restores
Requires=docker.service
After=docker.service $(basename "$STACK_DIR").service

[Service]
Type=oneshot
WorkingDirectory=$STACK_DIR
Environment=BACKUP_DIR=$BACKUP_DIR
ExecStartPre=/usr/bin/install -d -m 0700 $BACKUP_DIR
ExecStart=/bin/bash scripts/backup.sh
ExecStart=/usr/bin/find $BACKUP_DIR -maxdepth 1 -name *.archive.gz -mtime +$BACKUP_KEEP_DAYS -delete
ExecStart=/bin/bash scripts/restore.sh --check $BACKUP_DIR
UNIT
  cat >"$UNIT_DIR/$name.timer" <<UNIT
[Unit]
Description=Daily backup of the app's database

[Timer]
OnCalendar=$BACKUP_AT
RandomizedDelaySec=15min
# A run missed while the instance was off happens at the next boot.
Persistent=true

[Install]
WantedBy=timers.target
UNIT
  if with_systemd; then
    systemctl daemon-reload
    systemctl enable --now "$name.timer"
  fi
  log "daily backups: $name.timer at $BACKUP_AT into $BACKUP_DIR, kept $BACKUP_KEEP_DAYS days, newest restore-checked"
}
# ---- end of Backups --------------------------------------------------------------------------------------

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
setup_users
fetch_project
write_env
set_ownership
install_unit
install_backup_timer
start_stack
log "done"
