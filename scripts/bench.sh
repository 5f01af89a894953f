#!/usr/bin/env bash
# Runs examples/bench.rs against the project's private Dovecot (started and stopped here).
#   scripts/bench.sh [--sizes 1000,10000,100000] [--body-sizes 1000,10000,100000]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
trap '"$ROOT/scripts/dovecot.sh" stop >/dev/null || true' EXIT
scripts/dovecot.sh start
eval "$(scripts/dovecot.sh env)"
cargo run --release --example bench -- "$@"
