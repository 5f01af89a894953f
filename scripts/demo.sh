#!/usr/bin/env bash
# The main job on a fresh Debian machine: start the project's private Dovecot
# (scripts/dovecot.sh installs it if needed; run as root), run the example against it
# over STARTTLS, and stop the server again.
#
#   scripts/demo.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
trap '"$ROOT/scripts/dovecot.sh" stop >/dev/null || true' EXIT
scripts/dovecot.sh start
eval "$(scripts/dovecot.sh env)"
IMAP_PASSWORD=alice-pass cargo run --release --example basic -- \
    --host localhost --port "$BLOCKING_IMAP_PORT" --tls starttls --ca "$BLOCKING_IMAP_CA" \
    --user alice
