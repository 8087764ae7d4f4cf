# Shared by run.sh and test.sh: install what is missing (each step checks first, so a second
# run costs seconds) and make sure PostgreSQL and Redis answer.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

CARGO_LEPTOS_VERSION=0.3.10   # 0.3.11 needs rustc 1.96
WASM_BINDGEN_VERSION=0.2.130  # must equal the wasm-bindgen library pinned in Cargo.toml

install_tools() {
  command -v cargo >/dev/null || die "Rust is not installed (https://rustup.rs)"
  command -v npm >/dev/null || die "Node.js and npm are not installed"
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32 target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (once; about 15 minutes)"
    cargo install cargo-leptos --locked --version "$CARGO_LEPTOS_VERSION"
  fi
  if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
    say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (once; about 4 minutes)"
    # no --locked: its lock file names a crate version the registry no longer serves
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
  fi
  if [ ! -x node_modules/.bin/tailwindcss ] || [ ! -x node_modules/.bin/wasm-opt ] || [ package.json -nt node_modules/.package-lock.json ]; then
    say "installing npm build tools (tailwind, wasm-opt, playwright-core)"
    npm install --no-audit --no-fund --loglevel=error
  fi
}

install_chromium() {
  if ! command -v chromium >/dev/null; then
    say "installing Debian's Chromium for the browser tests"
    local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
  fi
}

# The email tests verify DKIM signatures with an independent verifier: Python's dkimpy (with
# PyNaCl for ed25519).
install_python_mail_tools() {
  command -v python3 >/dev/null || die "python3 is not installed"
  if ! python3 -c "import dkim, nacl" 2>/dev/null; then
    say "installing dkimpy and pynacl for the DKIM tests"
    # Debian's Python refuses --user installs (PEP 668) unless told these are fine beside it.
    python3 -m pip install --user dkimpy pynacl || python3 -m pip install --user --break-system-packages dkimpy pynacl
  fi
}

# The REST API is checked by schemathesis (PyPI), an independent fuzzer, in its own venv so that
# no system Python is touched; its version is pinned, and checked before anything is installed.
SCHEMATHESIS_VERSION=4.32.5
SCHEMATHESIS_VENV="${SCHEMATHESIS_VENV:-$HOME/.local/share/agency-os/schemathesis}"
install_schemathesis() {
  if ! "$SCHEMATHESIS_VENV/bin/st" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
    say "installing schemathesis $SCHEMATHESIS_VERSION for the REST API fuzz test"
    python3 -m venv "$SCHEMATHESIS_VENV" || die "python3 -m venv failed (apt-get install python3-venv)"
    "$SCHEMATHESIS_VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
  fi
  export SCHEMATHESIS="$SCHEMATHESIS_VENV/bin/st"
}

# The reply and bounce intake tests read mail from a real IMAP server: a private Dovecot that
# each test starts on free ports (engine/tests/shared/dovecot.rs); the system service stays off.
install_dovecot() {
  if [ -x /usr/sbin/dovecot ] && dpkg -s dovecot-imapd dovecot-lmtpd >/dev/null 2>&1; then return; fi
  say "installing Dovecot (IMAP and LMTP) for the mail intake tests"
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if ! apt-cache show dovecot-imapd >/dev/null 2>&1; then $sudo apt-get update -qq; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq dovecot-imapd dovecot-lmtpd >/dev/null
}

# host and port from a URL like scheme://user:pw@host:port/db
url_host() { local u="${1#*://}"; u="${u##*@}"; u="${u%%/*}"; echo "${u%%:*}"; }
url_port() { local u="${1#*://}"; u="${u##*@}"; u="${u%%/*}"; [[ "$u" == *:* ]] && echo "${u##*:}" || echo "$2"; }

reachable() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

ensure_services() {
  export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/agency_os}"
  export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
  local ph pp rh rp
  ph=$(url_host "$DATABASE_URL"); pp=$(url_port "$DATABASE_URL" 5432)
  rh=$(url_host "$REDIS_URL"); rp=$(url_port "$REDIS_URL" 6379)
  if ! reachable "$ph" "$pp"; then
    if [[ "$ph" == 127.0.0.1 || "$ph" == localhost ]] && command -v pg_ctlcluster >/dev/null; then
      say "starting the local PostgreSQL"
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | tail -1)" main start || true
      sleep 2
    fi
    reachable "$ph" "$pp" || die "PostgreSQL is not reachable at $ph:$pp (set DATABASE_URL)"
  fi
  if ! reachable "$rh" "$rp"; then
    if [[ "$rh" == 127.0.0.1 || "$rh" == localhost ]] && command -v redis-server >/dev/null; then
      say "starting a local Redis"
      redis-server --daemonize yes --bind 127.0.0.1 --port "$rp" --save "" --appendonly no >/dev/null
      sleep 1
    fi
    reachable "$rh" "$rp" || die "Redis is not reachable at $rh:$rp (set REDIS_URL)"
  fi
}
