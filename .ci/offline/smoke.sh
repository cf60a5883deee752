#!/usr/bin/env bash
# Manual smoke test of the offline toolchain (run after setup.sh):
#  1. docker build FROM the node image running `npm ci` (registry via the proxy),
#     with BuildKit (if buildx is there) and with the classic builder
#  2. nginx container proxying to a node container on a user-defined network
#  3. mongoose (with /opt/node24) against the FerretDB container, with credentials
#  4. docker compose up -d --wait on a throwaway compose file of the three
# Only loopback and this script's own containers are contacted.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
set -a
# shellcheck source=/dev/null
. "$ENV_FILE"
set +a
export PATH="$NODE24_BIN:$PATH"

t="$(mktemp -d)"
p=posts-offline-smoke
cleanup() {
  docker rm -f "$p-nginx" "$p-app" "$p-db" >/dev/null 2>&1 || true
  docker network rm "$p-net" >/dev/null 2>&1 || true
  if [[ -f "$t/compose/compose.yml" ]]; then
    docker compose -p "$p" -f "$t/compose/compose.yml" --env-file "$ENV_FILE" down -v >/dev/null 2>&1 || true
  fi
  docker volume rm "$p-data" >/dev/null 2>&1 || true
  docker rmi "$p/app" "$p-app" >/dev/null 2>&1 || true
  rm -rf "$t"
}
trap cleanup EXIT

log "1/4 docker build FROM $NODE_IMAGE with npm ci"
mkdir -p "$t/app"
cat >"$t/app/package.json" <<'EOT'
{ "name": "smoke", "version": "1.0.0", "private": true, "dependencies": { "is-number": "7.0.0" } }
EOT
(cd "$t/app" && npm install --package-lock-only --silent >/dev/null)
cat >"$t/app/server.js" <<'EOT'
const isNumber = require('is-number');
require('http').createServer((q, s) => s.end(`hello from node ${process.version} ${isNumber(5)}\n`)).listen(3000);
EOT
cat >"$t/app/Dockerfile" <<EOT
ARG NODE_IMAGE=$NODE_IMAGE
FROM \${NODE_IMAGE}
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY server.js ./
USER node
CMD ["node", "server.js"]
EOT
docker build -q -t "$p/app" "$t/app" >/dev/null || die "docker build with npm ci failed (DOCKER_BUILDKIT=$DOCKER_BUILDKIT)" "see above"
info "ok (DOCKER_BUILDKIT=$DOCKER_BUILDKIT)"
if [[ "$DOCKER_BUILDKIT" != 0 ]]; then
  id="$(DOCKER_BUILDKIT=0 docker build -q --no-cache "$t/app" 2>/dev/null)" \
    || die "classic-builder docker build with npm ci failed" "run: DOCKER_BUILDKIT=0 docker build $t/app"
  docker rmi "$id" >/dev/null 2>&1 || true
  info "ok (DOCKER_BUILDKIT=0, classic builder)"
fi

log "2/4 nginx -> node on a user-defined network"
docker network create "$p-net" >/dev/null
docker run -d --name "$p-app" --network "$p-net" --network-alias app "$p/app" >/dev/null
mkdir -p "$t/nginx"
cat >"$t/nginx/default.conf" <<'EOT'
upstream app { zone app 64k; server app:3000 resolve; }
resolver 127.0.0.11 valid=10s;
server { listen 80; location / { proxy_pass http://app; } }
EOT
docker run -d --name "$p-nginx" --network "$p-net" -p 127.0.0.1::80 \
  -v "$t/nginx/default.conf:/etc/nginx/conf.d/default.conf:ro" "$NGINX_IMAGE" >/dev/null
port="$(docker port "$p-nginx" 80/tcp | head -n 1 | sed 's/.*://')"
out=""
for _ in $(seq 1 30); do out="$(curl -fsS "http://127.0.0.1:$port/" 2>/dev/null || true)"; [[ -n "$out" ]] && break; sleep 0.5; done
[[ "$out" == "hello from node v24."* ]] || { docker logs "$p-nginx" >&2; die "nginx did not proxy to node (got: '$out')" "see the nginx log above"; }
info "$out"

log "3/4 mongoose -> $MONGO_IMAGE with credentials"
docker run -d --name "$p-db" -p 127.0.0.1::27017 --read-only --tmpfs /tmp --cap-drop ALL \
  -v "$p-data:/data/db" -e MONGO_INITDB_ROOT_USERNAME=root -e MONGO_INITDB_ROOT_PASSWORD=example \
  -e MONGO_INITDB_DATABASE=posts "$MONGO_IMAGE" >/dev/null
dbport="$(docker port "$p-db" 27017/tcp | head -n 1 | sed 's/.*://')"
for _ in $(seq 1 30); do docker exec "$p-db" mongosh --quiet --eval "db.adminCommand('ping').ok" >/dev/null 2>&1 && break; sleep 0.5; done
mkdir -p "$t/mg"
(cd "$t/mg" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund mongoose@8 >/dev/null) \
  || die "npm install mongoose failed" "check the npm registry is reachable"
cat >"$t/mg/t.js" <<'EOT'
const mongoose = require('mongoose');
(async () => {
  const url = process.argv[2], expectOk = process.argv[3] === 'ok';
  let ok = false, msg = '';
  try {
    await mongoose.connect(url, { serverSelectionTimeoutMS: 5000 });
    const Post = mongoose.model('Post', new mongoose.Schema({ title: String }));
    await Post.create({ title: 'hello' });
    msg = (await Post.findOne({ title: 'hello' }).lean()).title; ok = true;
  } catch (e) { msg = e.message.split('\n')[0]; }
  await mongoose.disconnect();
  console.log(`    ${ok ? 'accepted' : 'refused'}: ${msg}`);
  process.exit(ok === expectOk ? 0 : 1);
})();
EOT
node "$t/mg/t.js" "mongodb://root:example@127.0.0.1:$dbport/posts?authSource=admin" ok || die "mongoose with credentials failed" "docker logs $p-db"
node "$t/mg/t.js" "mongodb://127.0.0.1:$dbport/posts" refused || die "unauthenticated access was accepted" "docker logs $p-db"

log "4/4 docker compose up -d --wait (node + nginx + ferretdb with healthchecks)"
mkdir -p "$t/compose"
cp "$t/app/"* "$t/compose/"
cp "$t/nginx/default.conf" "$t/compose/nginx.conf"
cat >"$t/compose/compose.yml" <<'EOT'
services:
  db:
    image: ${MONGO_IMAGE}
    environment: { MONGO_INITDB_ROOT_USERNAME: root, MONGO_INITDB_ROOT_PASSWORD: example }
    volumes: [ "dbdata:/data/db" ]
    read_only: true
    tmpfs: [ /tmp ]
    cap_drop: [ ALL ]
    healthcheck:
      test: ["CMD", "mongosh", "--quiet", "--eval", "db.adminCommand('ping').ok"]
      interval: 2s
      timeout: 5s
      retries: 20
  app:
    build: { context: ., args: { NODE_IMAGE: "${NODE_IMAGE}" } }
    depends_on: { db: { condition: service_healthy } }
    healthcheck:
      test: ["CMD", "node", "-e", "require('http').get('http://localhost:3000',r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"]
      interval: 2s
      retries: 20
  nginx:
    image: ${NGINX_IMAGE}
    volumes: [ "./nginx.conf:/etc/nginx/conf.d/default.conf:ro" ]
    ports: [ "127.0.0.1::80" ]
    depends_on: { app: { condition: service_healthy } }
    healthcheck:
      test: ["CMD-SHELL", "kill -0 $$(cat /var/run/nginx.pid)"]
      interval: 2s
      retries: 20
volumes:
  dbdata: {}
EOT
dc=(docker compose -p "$p" -f "$t/compose/compose.yml" --env-file "$ENV_FILE")
"${dc[@]}" build -q >/dev/null || die "docker compose build failed" "see above"
"${dc[@]}" up -d --wait --wait-timeout 120 >/dev/null || { "${dc[@]}" ps; "${dc[@]}" logs; die "docker compose up --wait failed" "see above"; }
"${dc[@]}" ps --format '{{.Service}} {{.Status}}' | sed 's/^/    /'
cport="$("${dc[@]}" port nginx 80 | sed 's/.*://')"
info "$(curl -fsS "http://127.0.0.1:$cport/")"
log "smoke test passed"
