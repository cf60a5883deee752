#!/usr/bin/env bash
# Step 1: Debian's Docker engine (docker.io 20.10, API 1.41), started without systemd.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DOCKERD_LOG=/var/log/dockerd.log

engine_up() { timeout 10 docker info >/dev/null 2>&1; }

log "Docker engine"
if engine_up; then
  info "reusing running engine: $(docker version -f 'server {{.Server.Version}} (API {{.Server.APIVersion}}), client {{.Client.Version}}' 2>/dev/null)"
  exit 0
fi

apt_install docker.io iptables containerd runc tini ca-certificates

if pgrep -x dockerd >/dev/null 2>&1; then
  info "dockerd is running but not answering yet; waiting for it"
else
  # A stale pid file from a killed daemon blocks the next start.
  if [[ -f /var/run/docker.pid ]] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    rm -f /var/run/docker.pid
  fi
  log "starting dockerd in the background (log: $DOCKERD_LOG)"
  setsid nohup /usr/sbin/dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
fi

for _ in $(seq 1 60); do
  if engine_up; then
    info "engine up: $(docker version -f 'server {{.Server.Version}} (API {{.Server.APIVersion}}), client {{.Client.Version}}')"
    exit 0
  fi
  sleep 1
done
tail -n 20 "$DOCKERD_LOG" >&2 || true
die "dockerd did not answer 'docker info' within 60s" \
  "read $DOCKERD_LOG (above: its last lines); common causes: iptables missing (apt-get install iptables), a stale /var/run/docker.pid, or no overlay/cgroup support in this sandbox"
