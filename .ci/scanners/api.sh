#!/usr/bin/env bash
# The JSON API against its own description: @redocly/cli lints /api/openapi.json as the stack serves it, and
# schemathesis (PyPI) fuzzes every operation, signed in with an API token, on a stack with nginx's rate limits
# off (the bad-input test's override). Fails on any lint error, server error or answer that breaks the schema.
# Usage: SCANNER_VENV=<venv> bash .ci/scanners/api.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
tools=${SCANNER_VENV:-.offline/scanners}
fail() {
  echo "api scan: $*" >&2
  exit 1
}
[[ -x $tools/bin/python ]] || python3 -m venv "$tools"
"$tools/bin/pip" install -q --disable-pip-version-check schemathesis==4.32.5

project="apiscan-$$"
work=$(mktemp -d)
files=(-f docker-compose.yml -f test/resilience/bad-input/no-rate-limit.compose.yml)
cleanup() {
  docker compose -p "$project" "${files[@]}" down -v -t 2 >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
https_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
HTTP_PORT=$port HTTPS_PORT=$https_port SEED_COUNT=30 docker compose -p "$project" "${files[@]}" up -d --wait \
  >/dev/null 2>&1 || fail "the stack did not come up"

echo "--> scanner: @redocly/cli lint of $base/api/openapi.json"
curl -fsS "$base/api/openapi.json" >"$work/openapi.json" || fail "no /api/openapi.json"
npx --yes @redocly/cli@2.77.0 lint --format=stylish "$work/openapi.json" || fail "redocly found problems"

echo "--> scanner: schemathesis, every operation, signed in"
token=$(npx tsx .ci/scanners/api-token.ts "$base") || fail "no API token"
"$tools/bin/schemathesis" run "$base/api/openapi.json" --url "$base" \
  -H "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples 40 --workers 2 --max-time 100 --generation-deterministic \
  --report junit --report-dir test-results/schemathesis >"$work/st.txt" 2>&1 || {
  cat "$work/st.txt"
  fail "schemathesis found failures"
}
sed -n '/SUMMARY/,$p' "$work/st.txt"
