#!/usr/bin/env bash
# Benchmark of `agency-os discover-icp`: generates a 40-page agency site (home, sections, 30
# case studies and service pages of ~60 KB each), serves it on 127.0.0.1 with Python's static
# server, and reads it with no polite delay (the reader stops at 25 pages). Prints the wall time
# and the peak memory (max RSS) of the command.
#   bash scripts/bench-discover.sh [path/to/agency-os]
set -euo pipefail
BIN=${1:-target/debug/agency-os}
DIR=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$DIR"' EXIT
python3 - "$DIR" <<'PY'
import os, sys
root = sys.argv[1]
filler = "<p>" + ("We plan, build and measure campaigns for ambitious brands across Australia. " * 12) + "</p>"
def page(path, title, body):
    d = os.path.join(root, path.strip("/"))
    os.makedirs(d, exist_ok=True)
    nav = "<nav><ul><li><a href='/services/'>What we do</a><ul>" + "".join(f"<li><a href='/services/s{i}/'>Service {i} SEO</a></li>" for i in range(10)) + "</ul></li><li><a href='/work/'>Our work</a></li><li><a href='/about/'>About</a></li><li><a href='/team/'>Team</a></li><li><a href='/contact/'>Contact</a></li></ul></nav>"
    open(os.path.join(d, "index.html"), "w").write(f"<html><head><title>{title} | Bench Agency</title></head><body>{nav}<main><h1>{title}</h1>{body}{filler * 40}</main><footer><p>Bench Agency, Sydney, Australia</p></footer></body></html>")
cases = "".join(f"<a href='/work/client-{i}/'><h3>Client Number {i}: growth story</h3></a>" for i in range(30))
page("/", "Growth for ambitious brands", "<section class='clients'><h2>Trusted by</h2>" + "".join(f"<img alt='Brand {i} logo'>" for i in range(20)) + "</section>")
for p in ["services", "about", "team", "contact", "clients", "industries"]:
    page(f"/{p}/", p.title(), "<h2>Search engine optimisation</h2><h2>Paid social</h2><p>A team of 30 people.</p>")
page("/work/", "Our work", cases)
for i in range(30):
    page(f"/work/client-{i}/", f"Client Number {i}: growth story", f"<p>Client: Client Number {i}</p>")
for i in range(10):
    page(f"/services/s{i}/", f"Service {i} SEO", "")
PY
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$DIR" >/dev/null 2>&1 &
SERVER=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/" >/dev/null 2>&1 && break; sleep 0.1; done
/usr/bin/time -f "wall %e s, peak memory %M KB" "$BIN" discover-icp --allow-private --delay-ms 0 "http://127.0.0.1:$PORT/" 2>"$DIR/err" >"$DIR/out" || { cat "$DIR/err"; exit 1; }
python3 -c "import json,sys; j=json.load(open('$DIR/out')); print(len(j['pages']), 'pages read,', len(j['clients']), 'clients,', len(j['services']), 'services')"
tail -1 "$DIR/err"
