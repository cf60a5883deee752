#!/bin/sh
# The `acme` service (acme/compose.yml): issues DOMAIN's certificate with lego over HTTP-01
# and renews it, then deploys it to the certs volume for nginx. POSIX sh: the official goacme/lego image is
# Alpine (busybox sh).
#   acme.sh            the service: issue if needed, then check for renewal every ACME_CHECK_INTERVAL seconds
#   acme.sh renew-now  ask the running service to renew at once (docker compose exec acme sh /acme/acme.sh renew-now)
# Deploying = copy to /certs/live/<generation>/{fullchain,privkey}.pem, then name it in /certs/live/generation. Only a lego run
# that succeeded AND changed the certificate deploys; nginx's watcher (nginx/entrypoint/40-edge.sh) reloads
# on a new generation only if `nginx -t` passes. So a failed renewal never touches what nginx serves.
set -eu

STATE=/certs/lego
LIVE=/certs/live
TRIGGER=/tmp/renew-now
DOMAIN="${DOMAIN:-}"
ACME_EMAIL="${ACME_EMAIL:-}"
ACME_ENV="${ACME_ENV:-staging}"
ACME_RENEW_DAYS="${ACME_RENEW_DAYS:-30}"
ACME_CHECK_INTERVAL="${ACME_CHECK_INTERVAL:-43200}"
ACME_RETRY_INTERVAL="${ACME_RETRY_INTERVAL:-600}"
NGINX_UID=${NGINX_UID:-101}

log() { echo "acme: $*"; }
fail() {
  echo "acme: ERROR: $*" >&2
  exit 1
}

if [ "${1:-}" = renew-now ]; then
  touch "$TRIGGER"
  log "renewal requested; the service picks it up within 5 s"
  exit 0
fi

[ -n "$DOMAIN" ] || fail "DOMAIN is empty: set DOMAIN (and ACME_EMAIL) in .env, or leave acme/compose.yml out of COMPOSE_FILE"
[ -n "$ACME_EMAIL" ] || fail "ACME_EMAIL is empty: Let's Encrypt needs an address for expiry and account notices"

case "$ACME_ENV" in
  staging) default_server=https://acme-staging-v02.api.letsencrypt.org/directory ;;
  production) default_server=https://acme-v02.api.letsencrypt.org/directory ;;
  *) fail "ACME_ENV='$ACME_ENV' must be staging or production" ;;
esac
server="${ACME_SERVER:-$default_server}"

# A new, empty volume in production means every earlier certificate and account is gone (a `down -v`, a new
# host): requesting again is how deployments hit Let's Encrypt's weekly limit. Ask the user to say so.
if [ "$ACME_ENV" = production ] && [ -z "${ACME_SERVER:-}" ] && [ ! -d "$STATE" ] &&
  [ "${ACME_ALLOW_EMPTY_VOLUME:-no}" != yes ]; then
  fail "refusing to request a production certificate on a new, empty certs volume. If this really is the first
  issuance for $DOMAIN (or you know the rate limits allow it), set ACME_ALLOW_EMPTY_VOLUME=yes for this start.
  Otherwise restore the certs volume from a backup. Staging (ACME_ENV=staging) has no such guard."
fi

LEGO=$(command -v lego || echo /lego)
crt="$STATE/certificates/$DOMAIN.crt"
key="$STATE/certificates/$DOMAIN.key"

lego_cmd() {
  "$LEGO" --accept-tos --email "$ACME_EMAIL" --domains "$DOMAIN" --server "$server" --path "$STATE" \
    --http --http.webroot /webroot --key-type ec256 "$@"
}

checksum() { cksum "$crt" 2>/dev/null || echo none; }
current_generation() { cat "$LIVE/generation" 2>/dev/null || echo none; }
# Whether nginx has a pair to read: the folder live/generation names (volumes of earlier versions had a flat
# pair and no such folder: they get one at the first check).
deployed() { [ -s "$LIVE/$(current_generation)/fullchain.pem" ]; }

# Deploying writes the pair into a new folder live/<generation>/ and then points live/generation at it by one
# rename: nginx reads the pair that file names, so a stop at any moment leaves a whole pair, never a mix.
# A subshell: its umask 077 must not outlive it, or lego's next challenge files are 0600 root-owned, nginx
# (uid 101) answers 403 for them, and every renewal that needs a fresh validation fails.
deploy() (
  umask 077
  previous=$(current_generation)
  gen=$(date -u +%Y%m%dT%H%M%SZ)
  dir="$LIVE/$gen"
  mkdir -p "$dir"
  chmod 0755 "$LIVE" "$dir"
  cp "$crt" "$dir/fullchain.pem"
  cp "$key" "$dir/privkey.pem"
  chmod 0644 "$dir/fullchain.pem"
  chmod 0600 "$dir/privkey.pem"
  chown "$NGINX_UID:$NGINX_UID" "$dir/fullchain.pem" "$dir/privkey.pem"
  # Last: the one rename that switches nginx over (its watcher reacts to this file only).
  echo "$gen" >"$LIVE/generation.new"
  chmod 0644 "$LIVE/generation.new"
  mv -f "$LIVE/generation.new" "$LIVE/generation"
  # Keep this generation and the one it replaced (a reload may still read it); drop every other folder and
  # the flat pair that earlier versions wrote.
  for old in "$LIVE"/*/; do
    case "${old%/}" in "$dir" | "$LIVE/$previous" | "$LIVE/*") ;; *) rm -rf "$old" ;; esac
  done
  rm -f "$LIVE/fullchain.pem" "$LIVE/privkey.pem"
  log "deployed a new certificate for $DOMAIN (generation $gen)"
)

# run_once [DAYS]: issue when there is no certificate yet, else renew when it expires within DAYS.
run_once() {
  before=$(checksum)
  if [ ! -s "$crt" ]; then
    log "requesting a certificate for $DOMAIN from $server"
    lego_cmd run || return 1
  else
    if [ -n "${1:-}" ]; then
      # Asked for by a person (renew-now): at once. Scheduled renewals keep lego's random delay, which
      # spreads everyone's renewals over time as Let's Encrypt asks.
      lego_cmd renew --days "$1" --no-random-sleep || return 1
    else
      lego_cmd renew --days "$ACME_RENEW_DAYS" || return 1
    fi
  fi
  if [ "$(checksum)" != "$before" ] || ! deployed; then deploy; fi
}

log "DOMAIN=$DOMAIN ACME_ENV=$ACME_ENV server=$server"
while :; do
  if run_once "${force_days:-}"; then
    wait_for=$ACME_CHECK_INTERVAL
    force_days=
  else
    # A forced renewal stays forced until it succeeds: the retry must not become a "not due yet" check.
    log "issuance/renewal failed; nginx keeps its current certificate; retrying in ${ACME_RETRY_INTERVAL}s"
    wait_for=$ACME_RETRY_INTERVAL
  fi
  waited=0
  while [ "$waited" -lt "$wait_for" ]; do
    if [ -e "$TRIGGER" ]; then
      rm -f "$TRIGGER"
      # Renew whatever the expiry date: 36500 days is longer than any certificate lives.
      force_days=36500
      log "forced renewal"
      break
    fi
    sleep 5
    waited=$((waited + 5))
  done
done
