#!/usr/bin/env bash
# Writes the verdicts of the reply rules as they stood at older commits, for
# `cargo run -p domain --release --example reply_model -- history FILE`: the honest measure of
# rules + text model on batches neither had learnt from. Usage:
#   scripts/reply-rules-history.sh OUT.tsv [name:commit ...]
# Default versions: the original rules (v0) and the rules each collected batch was first
# measured with (v3 … v8, see domain/tests/fixtures/reply-corpus/README.md).
set -euo pipefail
out=$(realpath -m "$1"); shift
repo=$(git rev-parse --show-toplevel)
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(v0:0e39acc v3:2cf73cd v4:5e6edd3 v5:2935fc5 v6:abb8467 v7:3977c4b v8:7e08a3f)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/src"
cat > "$dir/Cargo.toml" <<'EOF'
[package]
name = "reply-rules-history"
version = "0.1.0"
edition = "2021"
[dependencies]
serde = { version = "1", features = ["derive"] }
serde_json = "1"
chrono = { version = "0.4", default-features = false, features = ["alloc", "serde"] }
regex = "1"
aho-corasick = "1.1"
[workspace]
EOF
mods="" runs=""
for pair in "${versions[@]}"; do
  v=${pair%%:*} c=${pair##*:}
  mkdir -p "$dir/src/$v"
  for f in mod.rs date.rs strip.rs; do git -C "$repo" show "$c:domain/src/reply/$f" > "$dir/src/$v/$f"; done
  mods+="mod $v; "
  runs+="run!($v, \"$v\", f, i, r); "
done
cat > "$dir/src/main.rs" <<EOF
$mods
use chrono::NaiveDate;
#[derive(serde::Deserialize)]
struct L { subject: String, body: String, #[serde(default)] auto: bool, #[serde(default)] headers: Vec<(String, String)>, received: NaiveDate }
macro_rules! run { (\$v:ident, \$name:expr, \$file:expr, \$i:expr, \$r:expr) => {{
    let auto = \$r.auto || \$r.headers.iter().any(|(n, val)| \$v::is_auto_submitted_header(n, val));
    let c = \$v::classify(&\$v::Reply { subject: &\$r.subject, body: &\$r.body, received_on: \$r.received, auto_submitted: auto });
    println!("{}\t{}\t{}\t{}\t{}", \$name, \$file, \$i, c.class.as_str(), c.confidence);
}}}
fn main() {
    let dir = std::env::args().nth(1).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok()?.file_name().into_string().ok()).filter(|n| n.ends_with(".jsonl")).collect();
    names.sort();
    for f in names {
        let text = std::fs::read_to_string(format!("{dir}/{f}")).unwrap();
        for (i, l) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
            let r: L = serde_json::from_str(l).unwrap();
            $runs
        }
    }
}
EOF
(cd "$dir" && cargo run -q --release -- "$repo/domain/tests/fixtures/reply-corpus") > "$out"
echo "wrote $out ($(wc -l < "$out") verdicts)"
