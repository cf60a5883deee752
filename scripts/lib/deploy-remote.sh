#!/usr/bin/env bash
# The server half of scripts/deploy.sh. It runs on the host as the SSH user (who needs the docker group and
# write access to DIR, both set up by scripts/ec2/user-data.sh, never root), from the bundle that deploy.sh
# unpacked in DIR/.incoming, while holding DIR/.deploy.lock. Exits with:
#   0 deployed and the smoke check passed;
#   1 failed before anything running changed (bad input, a config that fails its checks, no image, the
#     lock held by another deploy), or a first deploy failed (nothing to roll back to);
#   2 the new version failed and the previous image and files are serving again;
#   3 the new version failed and so did the rollback.
set -euo pipefail

dir='' mode=build image='' project='' smoke_timeout=60 wait_timeout=180
sets=()
while [ $# -gt 0 ]; do
  case $1 in
    --dir) dir=$2; shift 2 ;;
    --mode) mode=$2; shift 2 ;;
    --image) image=$2; shift 2 ;;
    --project) project=$2; shift 2 ;;
    --smoke-timeout) smoke_timeout=$2; shift 2 ;;
    --wait-timeout) wait_timeout=$2; shift 2 ;;
    --set) sets+=("$2"); shift 2 ;;
    *) echo "deploy-remote: unknown argument $1" >&2; exit 1 ;;
  esac
done
if [ -z "$dir" ] || [ -z "$image" ]; then echo "deploy-remote: --dir and --image are required" >&2; exit 1; fi
case $mode in build | pull) ;; *) echo "deploy-remote: --mode must be build or pull" >&2; exit 1 ;; esac

# shellcheck source-path=SCRIPTDIR source=dotenv.sh
. "$(dirname "${BASH_SOURCE[0]}")/dotenv.sh"

# Every line says how long the deploy has run, so a slow step shows in the output.
log() { printf '[deploy +%ss] %s\n' "$SECONDS" "$*"; }
# The host never trusts the client's checks: the same validation runs here.
for pair in ${sets[@]+"${sets[@]}"}; do dotenv_check_pair "$pair" || exit 1; done
for need in docker curl flock; do
  command -v "$need" >/dev/null || { log "this host has no $need: install it first (scripts/ec2/user-data.sh does)"; exit 1; }
done
docker compose version >/dev/null 2>&1 || { log "this host's docker has no compose plugin, or $(id -un) may not use docker (the docker group)"; exit 1; }
cd "$dir"
# Group-writable files, so every member of the stack directory's group (user-data: docker) can deploy next.
umask 002

# deploy.sh takes the lock before it unpacks the bundle and passes it on as fd 9; run by hand, take it here.
if ! { true >&9; } 2>/dev/null; then exec 9>>"$dir/.deploy.lock"; fi
flock -n 9 || { log "another deploy holds $dir/.deploy.lock: try again when it has finished"; exit 1; }

incoming=$dir/.incoming previous=$dir/.previous staged_env=$dir/.incoming/.env
# The directories compose bind-mounts (and the app's source): mirrored, so a file removed from the bundle
# is removed on the host too (a stale nginx/conf.d/*.conf would still be included).
mirrored=(nginx mongo acme monitoring app/src app/views app/public)

project_args=()
[ -z "$project" ] || project_args=(-p "$project")
compose() { docker compose ${project_args[@]+"${project_args[@]}"} "$@"; }
# The new compose file with the new .env, before either is installed: nothing running changes.
incoming_compose() {
  docker compose ${project_args[@]+"${project_args[@]}"} --project-directory "$incoming" \
    --env-file "$staged_env" -f "$incoming/docker-compose.yml" "$@"
}

# sync_tree SRC DST: makes DST's files equal to SRC's by writing into existing files and folders, never
# replacing them. A bind mount holds on to the inode it was given: after `rm -rf nginx` a running nginx
# would see an empty, deleted folder, and its next reload would fail.
sync_tree() {
  local src=$1 dst=$2 rel
  mkdir -p "$dst"
  while IFS= read -r -d '' rel; do mkdir -p "$dst/$rel"; done < <(cd "$src" && find . -mindepth 1 -type d -print0)
  while IFS= read -r -d '' rel; do
    cmp -s "$src/$rel" "$dst/$rel" || cp "$src/$rel" "$dst/$rel" # cp onto a file rewrites that same inode
  done < <(cd "$src" && find . -type f -print0)
  while IFS= read -r -d '' rel; do
    [ -f "$src/$rel" ] || rm -f "$dst/$rel"
  done < <(cd "$dst" && find . -type f -print0)
  while IFS= read -r -d '' rel; do
    [ -d "$src/$rel" ] || rmdir "$dst/$rel" 2>/dev/null || true
  done < <(cd "$dst" && find . -mindepth 1 -depth -type d -print0)
}

# install_bundle SRC: the mirrored folders in place, every other file copied over; never .env.
install_bundle() {
  local src=$1 rel path
  for path in "${mirrored[@]}"; do
    if [ -d "$src/$path" ]; then sync_tree "$src/$path" "$dir/$path"; fi
  done
  while IFS= read -r -d '' rel; do
    for path in "${mirrored[@]}"; do [[ $rel == ./$path/* ]] && continue 2; done
    mkdir -p "$(dirname "$dir/$rel")"
    cmp -s "$src/$rel" "$dir/$rel" || cp "$src/$rel" "$dir/$rel"
  done < <(cd "$src" && find . -type f ! -name .env -print0)
}

# install_env FILE: replaces .env by a rename (it is never bind-mounted), keeping mode 640.
install_env() {
  local tmp
  tmp=$(mktemp "$dir/.env.XXXXXX")
  cat "$1" >"$tmp"
  chmod 640 "$tmp"
  mv "$tmp" "$dir/.env"
}

# The tag for the image running now, in the repository of the image being deployed: repo:previous.
repository_of() {
  local ref=${1%@*} last
  last=${ref##*/}
  if [[ $last == *:* ]]; then printf '%s' "${ref%:*}"; else printf '%s' "$ref"; fi
}
previous_image="$(repository_of "$image"):previous"

# The host ports the running nginx publishes, one a line ("8080/tcp -> 0.0.0.0:80" -> 80).
running_nginx_ports() {
  local container
  container=$(compose ps -q nginx 2>/dev/null | head -n 1 || true)
  [ -n "$container" ] || return 0
  docker port "$container" | sed 's/.*://' | sort -u
}
# The host ports the new nginx service will publish, one a line.
new_nginx_ports() {
  incoming_compose config --format json nginx | grep -o '"published": *"[0-9]*"' | grep -o '[0-9]*' | sort -u
}

# Smoke check through nginx on the host, within smoke_timeout: readiness (the database answers), the home
# page (the views render) and every page its main navigation links to, whatever the resource is called (200, or
# 303 to the login page).
status_of() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1" || true; }
nav_paths() {
  curl -s --max-time 5 "$1/" | sed -n '/<nav aria-label="Main">/,/<\/nav>/p' | grep -o 'href="/[^"]*"' | cut -d'"' -f2
}
smoke() {
  local port=$1 deadline=$((SECONDS + smoke_timeout)) base="http://127.0.0.1:$1" path result failed nav
  while :; do
    result='' failed=false nav=$(nav_paths "$base")
    [ -n "$nav" ] || { failed=true && result=" no main navigation on /;"; }
    for path in /readyz / $nav; do
      local status
      status=$(status_of "$base$path")
      result+=" $path $status;"
      # A page for signed-in people redirects to the login page: that is the app working too.
      [[ $status =~ ^(200|303)$ ]] || failed=true
    done
    if [ "$failed" = false ]; then
      log "smoke check passed through nginx on port $port:$result"
      return 0
    fi
    [ "$SECONDS" -lt "$deadline" ] || break
    sleep 2
  done
  log "smoke check FAILED after ${smoke_timeout}s on port $port:$result"
  return 1
}

# nginx keeps its configuration in memory: after its files change in place, a reload applies them. A
# reload with a bad file keeps the old configuration, and the smoke check that follows decides.
reload_nginx() {
  if [ -n "$(compose ps -q nginx 2>/dev/null)" ]; then
    compose exec -T nginx nginx -s reload && log "nginx reloaded"
  fi
}

log "deploying $image ($mode) in $dir as $(id -un)"

# 1. The new .env, staged in the bundle: today's .env (or an empty one), the --set values, APP_IMAGE. It
#    holds no secret: the db-secrets one-shot keeps the passwords in secrets/.
if [ -f .env ]; then
  cat .env >"$staged_env"
else
  : >"$staged_env"
  log "first deploy: a new .env"
fi
chmod 640 "$staged_env"
for pair in ${sets[@]+"${sets[@]}"}; do dotenv_set "$staged_env" "${pair%%=*}" "${pair#*=}"; done
dotenv_set "$staged_env" APP_IMAGE "$image"
new_port=$(dotenv_get "$staged_env" HTTP_PORT)
new_port=${new_port:-80}

# 2. Check the new compose file, and the new nginx config with `nginx -t` in a throwaway container of the new
#    nginx service (its image, entrypoint, user, mounts; pulled now if new). Every port it will publish that
#    the running nginx does not hold yet is published by the throwaway container too: a port something else
#    holds fails here, while the old nginx keeps serving.
if ! incoming_compose config -q; then
  log "the new docker-compose.yml or .env is invalid; nothing running was changed"
  exit 1
fi
held=$(running_nginx_ports)
publish=() fresh_ports=''
for port in $(new_nginx_ports); do
  if ! grep -qx "$port" <<<"$held"; then publish+=(--publish "$port:8080") fresh_ports+=" $port"; fi
done
if ! incoming_compose run --rm --no-deps -T ${publish[@]+"${publish[@]}"} nginx nginx -t -q; then
  log "the new nginx failed its test (nginx -t${fresh_ports:+, publishing port$fresh_ports}); nothing running was changed"
  exit 1
fi
log "new nginx config passed nginx -t${fresh_ports:+ and port$fresh_ports is free}"

# 3. The image: built from the shipped source, or pulled from its registry. Still nothing running changed.
if [ "$mode" = build ]; then
  log "building $image"
  get_image() { incoming_compose build app; }
else
  log "pulling $image"
  get_image() { incoming_compose pull app; }
fi
if ! get_image; then
  log "could not get $image; nothing running was changed"
  exit 1
fi
log "image ready"

# 4. Remember what runs now: its image (by id, so a rebuilt or re-pulled tag cannot move it) and its files.
running_container=$(compose ps -q app 2>/dev/null | head -n 1 || true)
had_previous=false
if [ -n "$running_container" ]; then
  running_image_id=$(docker inspect -f '{{.Image}}' "$running_container")
  docker tag "$running_image_id" "$previous_image"
  rm -rf "$previous" && mkdir -p "$previous"
  for path in docker-compose.yml .env nginx mongo acme monitoring; do
    if [ -e "$path" ]; then cp -R "$path" "$previous/"; fi
  done
  had_previous=true
  log "running image ${running_image_id:7:12} tagged $previous_image"
else
  log "no app container running: first deploy, nothing to roll back to"
fi

rollback() {
  if [ "$had_previous" != true ]; then
    log "first deploy failed; the logs:"
    compose logs --tail 20 migrate app nginx >&2 || true
    exit 1
  fi
  log "rolling back to $previous_image"
  compose logs --tail 5 migrate app >&2 || true
  install_bundle "$previous"
  dotenv_set "$previous/.env" APP_IMAGE "$previous_image"
  install_env "$previous/.env"
  local port
  port=$(dotenv_get .env HTTP_PORT)
  if compose up -d --wait --wait-timeout "$wait_timeout" --remove-orphans && reload_nginx && smoke "${port:-80}"; then
    log "ROLLED BACK: the previous image is serving again"
    exit 2
  fi
  log "rollback failed too"
  compose ps >&2 || true
  exit 3
}

# 5. Switch: the files in place, the new .env, then `up` (app replicas: APP_REPLICAS, via deploy.replicas in
#    docker-compose.yml) and a reload, so nginx reads its new files even when compose keeps its container.
install_bundle "$incoming"
install_env "$staged_env"
log "files installed; starting the stack (app replicas: $(dotenv_get .env APP_REPLICAS | grep . || echo 1))"
if ! compose up -d --wait --wait-timeout "$wait_timeout" --remove-orphans; then
  log "the stack did not become healthy"
  rollback
fi
reload_nginx || { log "nginx did not reload"; rollback; }

# 6. Smoke check; roll back on failure.
smoke "$new_port" || rollback
log "deployed $image"
