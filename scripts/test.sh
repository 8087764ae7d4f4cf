#!/usr/bin/env bash
# Runs every test: unit and property tests, integration tests against the real PostgreSQL and
# Redis, and the browser tests in headless Chromium against the real server.
source "$(dirname "$0")/lib.sh"

install_tools
install_chromium
install_python_mail_tools
install_dovecot
install_schemathesis
ensure_services
started=$(date +%s)

# sqlx::test makes a fresh database per test on this server.
SERVER_URL="${DATABASE_URL%/*}"
export DATABASE_URL="$SERVER_URL/postgres"

# The values cargo-leptos compiles in; giving cargo test the same ones lets both share one build.
export LEPTOS_OUTPUT_NAME=agency-os LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
  LEPTOS_SITE_ADDR=127.0.0.1:3000 LEPTOS_RELOAD_PORT=3001 LEPTOS_LIB_DIR=frontend \
  LEPTOS_BIN_DIR=server LEPTOS_JS_MINIFY=false LEPTOS_HASH_FILES=false

say "unit, property and integration tests"
# Only these packages: selecting the front end as well would unify its hydrate feature into app.
# The app's own tests (components rendered as the server sends them) need its ssr feature, which
# the server turns on anyway, so naming it builds nothing twice.
cargo test -p domain -p engine -p server -p app --features app/ssr

say "building the front end (WASM + CSS) for the browser tests"
# The server binary was just built by cargo test (the CLI tests run it), with the same
# LEPTOS_* values cargo-leptos would use; only the browser side is left to build.
cargo leptos build --frontend-only

say "browser tests (headless Chromium)"
E2E_DB="$SERVER_URL/agency_os_e2e"
PORT="${E2E_PORT:-3107}"
psql "$SERVER_URL/postgres" -qc "drop database if exists agency_os_e2e with (force)" >/dev/null
# The demo workspace the run command seeds (the Reports browser test reads its 90 days).
for step in migrate demo; do
  DATABASE_URL="$E2E_DB" AGENCY_OS_REDIS_NAMESPACE="e2e-$$:" target/debug/agency-os "$step" >target/e2e-demo.log 2>&1 \
    || { cat target/e2e-demo.log; die "could not seed the demo workspace"; }
done
# The product's own SMTP sink stands in for the agency's mail server: live sends go there.
SINK_PORT="${E2E_SINK_PORT:-2626}"
SINK_IMAP_PORT="${E2E_SINK_IMAP_PORT:-2627}"
SINK_DIR="$ROOT/target/e2e-mail"
rm -rf "$SINK_DIR"
target/debug/agency-os smtp-sink --addr "127.0.0.1:$SINK_PORT" --imap-addr "127.0.0.1:$SINK_IMAP_PORT" --dir "$SINK_DIR" >target/e2e-sink.log 2>&1 &
SINK_PID=$!
LOG=target/e2e-server.log
# Links in emails must be https (RFC 8058 one-click unsubscribe), as behind a real TLS proxy.
DATABASE_URL="$E2E_DB" AGENCY_OS_ADDR="127.0.0.1:$PORT" AGENCY_OS_PUBLIC_URL="https://agency-os.test" \
  AGENCY_OS_REDIS_NAMESPACE="e2e-$$:" AGENCY_OS_FETCH_ALLOW_PRIVATE=true AGENCY_OS_BOUNCE_POLL_SECS=3 AGENCY_OS_SIGNUPS_PER_IP=1000 \
  AGENCY_OS_LOG_FORMAT=json target/debug/agency-os serve >"$LOG" 2>&1 &
SERVER_PID=$!
trap 'kill $SERVER_PID $SINK_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -fs "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1 && break
  kill -0 $SERVER_PID 2>/dev/null || { cat "$LOG"; die "the server did not start"; }
  sleep 1
done
if ! (cd end2end && BASE_URL="http://127.0.0.1:$PORT" SINK_PORT="$SINK_PORT" SINK_IMAP_PORT="$SINK_IMAP_PORT" SINK_DIR="$SINK_DIR" node run.mjs); then
  # What the server said while the browser tests ran: its warnings and errors are what a failed
  # browser test is most often explained by (the whole log is in $LOG).
  say "the server's warnings and errors during the browser tests"
  grep -E '"level":"(WARN|ERROR)"|panicked' "$LOG" | tail -n 60 >&2 || true
  die "browser tests failed"
fi

say "all tests passed in $(( $(date +%s) - started )) s; screenshots in end2end/output/"
