#!/usr/bin/env bash
# Runs Agency OS on this machine: installs what is missing, prepares the database, seeds the
# demo workspace, builds, and serves on http://127.0.0.1:3000. Safe to run again.
source "$(dirname "$0")/lib.sh"

install_tools
ensure_services

say "building (release; the first build takes several minutes)"
cargo leptos build --release

BIN=target/release/agency-os
say "preparing the database"
"$BIN" migrate
"$BIN" demo
say "serving — stop with Ctrl-C"
exec "$BIN" serve --no-migrate
