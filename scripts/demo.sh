#!/usr/bin/env bash
# The main job on a fresh Debian machine: start the project's private Dovecot
# (scripts/dovecot.sh installs it if needed; run as root), fill a mailbox with messages of
# which half are duplicates, and run examples/dedupe.rs against it over STARTTLS.
#
#   scripts/demo.sh [N]        N messages (default 20000), N/2 of them duplicates
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
N="${1:-20000}"
trap '"$ROOT/scripts/dovecot.sh" stop >/dev/null || true; rm -rf "${MD:-}"' EXIT
scripts/dovecot.sh start
eval "$(scripts/dovecot.sh env)"

# A maildir with N messages, Message-IDs repeating every N/2, imported with doveadm.
MD="$(mktemp -d /tmp/blocking-imap-demo.XXXXXX)"
mkdir -p "$MD"/{cur,new,tmp} "$MD/.Demo"/{cur,new,tmp}
half=$((N / 2))
for ((i = 0; i < N; i++)); do
    printf 'Message-ID: <demo-%d@example.org>\r\nFrom: demo@example.org\r\nSubject: demo %d\r\n\r\nHello %d.\r\n' \
        $((i % half)) "$i" "$i" >"$MD/.Demo/cur/$(printf %08d "$i").demo:2,"
done
chown -R vmail:vmail "$MD"
doveadm -c "$BLOCKING_IMAP_DOVECOT_CONF" mailbox delete -u bulk Demo 2>/dev/null || true
doveadm -c "$BLOCKING_IMAP_DOVECOT_CONF" import -u bulk -s "maildir:$MD" "" mailbox Demo
echo "loaded $N messages into bulk's mailbox Demo" >&2

IMAP_PASSWORD=bulk-pass cargo run --release --example dedupe -- \
    --host localhost --port "$BLOCKING_IMAP_PORT" --tls starttls --ca "$BLOCKING_IMAP_CA" \
    --user bulk --mailbox Demo
