#!/usr/bin/env bash
# Benchmarks examples/backup.rs against mbsync (isync) backing up the same account.
#
# Usage: scripts/bench-backup.sh        (as root, like scripts/dovecot.sh)
#
# 1. Loads 20,000 generated messages of mixed sizes (2 KiB to 4 MiB, ~534 MiB in all, a
#    fifth of them \Seen, dates spread over five years) into three mailboxes of the Dovecot
#    user `bulk` (INBOX 10,000, Archive 6,000, Lists/rust 4,000), made fresh first, with
#    `doveadm import` of a generated maildir (the bulk loader scripts/dovecot.sh describes).
# 2. Times, with GNU time (wall seconds, peak RSS), on that account over plaintext IMAP on
#    loopback, each into an empty Maildir tree:
#      backup --jobs 1    (release build; the messages flushed to disk, as mbsync does)
#      mbsync             (Sync Pull, Create Near, CopyArrivalDate yes, Maildir near store,
#                          SubFolders Verbatim: the same layout)
#    then a second run of each with nothing new. Also `backup --jobs 2` into a third tree,
#    and, behind a proxy that delays every piece by ${BENCH_DELAY_MS:-20} ms each way (0:
#    skipped), `backup --jobs 1` and `--jobs 4` into two more.
# 3. Prints a table, and checks that both trees hold all 20,000 messages.
#
# Uses the Dovecot of scripts/dovecot.sh (BLOCKING_IMAP_PORT, BLOCKING_IMAP_DOVECOT_DIR...
# select the instance; it is started when not running, which empties it). Installs isync,
# GNU time and python3 (the generator) with apt-get when missing. Work files go to
# ${BENCH_DIR:-/tmp/blocking-imap-bench-backup} (about 1.6 GiB while it runs) and are removed
# at the end unless BENCH_KEEP=1. BENCH_MESSAGES=N loads fewer (or more) messages.
set -euo pipefail

cd "$(dirname "$0")/.."
BENCH_DIR="${BENCH_DIR:-/tmp/blocking-imap-bench-backup}"
MESSAGES="${BENCH_MESSAGES:-20000}"
USER_NAME=bulk
USER_PASS=bulk-pass
MAIL_USER="${BLOCKING_IMAP_MAIL_USER:-vmail}"

log() { printf 'bench-backup: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $EUID -eq 0 ]] || die "run as root (doveadm import, apt-get)"
case "$BENCH_DIR" in /tmp/?* | /dev/shm/?* | /var/tmp/?*) ;; *) die "BENCH_DIR must be under /tmp, /dev/shm or /var/tmp" ;; esac

need=()
command -v mbsync >/dev/null 2>&1 || need+=(isync)
[[ -x /usr/bin/time ]] || need+=(time)
command -v python3 >/dev/null 2>&1 || need+=(python3)
if [[ ${#need[@]} -gt 0 ]]; then
    log "installing ${need[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

scripts/dovecot.sh status >/dev/null 2>&1 || scripts/dovecot.sh start
eval "$(scripts/dovecot.sh env)"
CONF="$BLOCKING_IMAP_DOVECOT_CONF"
PORT="$BLOCKING_IMAP_PORT"
doveadm() { command doveadm -c "$CONF" "$@"; }

log "building examples/backup.rs (release)"
cargo build -q --release --example backup
BACKUP="${CARGO_TARGET_DIR:-target}/release/examples/backup"
[[ -x "$BACKUP" ]] || die "no $BACKUP"

rm -rf "$BENCH_DIR"
mkdir -p "$BENCH_DIR"
if [[ "${BENCH_KEEP:-0}" != 1 ]]; then
    trap 'rm -rf "$BENCH_DIR"' EXIT
fi

# ---------------------------------------------------------------------------------------
# 1. the account

log "generating $MESSAGES messages"
python3 - "$BENCH_DIR/src" "$MESSAGES" <<'PY'
import os, sys
root, total = sys.argv[1], int(sys.argv[2])
# (maildir++ folder, share of the messages)
folders = [("", 0.5), (".Archive", 0.3), (".Lists.rust", 0.2)]
line = b"The quick brown fox jumps over the lazy dog; pack my box with five dozen jugs.\r\n"
state = 0x9E3779B97F4A7C15
def rand():
    global state
    state ^= (state << 13) & 0xFFFFFFFFFFFFFFFF
    state ^= state >> 7
    state ^= (state << 17) & 0xFFFFFFFFFFFFFFFF
    return state
def size():
    r = rand() % 1000
    if r < 620: return 2048 + rand() % 6144            # 62 %: 2-8 KiB
    if r < 920: return 8192 + rand() % 32768           # 30 %: 8-40 KiB
    if r < 997: return 49152 + rand() % 139264         # 7.7 %: 48-184 KiB
    return 1048576 + rand() % 3145728                  # 0.3 %: 1-4 MiB
i, written = 0, 0
base = 1577836800  # 2020-01-01
for folder, share in folders:
    path = os.path.join(root, folder)
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(path, sub), exist_ok=True)
    if folder:
        open(os.path.join(path, "maildirfolder"), "w").close()
    n = int(total * share) if folder != folders[-1][0] else total - i
    for _ in range(n):
        head = (f"Message-ID: <bench-{i}@bench.test>\r\nFrom: Bench <bench@bench.test>\r\n"
                f"To: bulk@bench.test\r\nSubject: bench message {i}\r\n"
                f"Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\n").encode()
        want = size()
        body = line * ((want - len(head)) // len(line) + 1)
        msg = head + body[: max(0, want - len(head))]
        seen = "S" if rand() % 5 == 0 else ""
        name = os.path.join(path, "cur", f"{base + i}.B{i}.bench:2,{seen}")
        with open(name, "wb") as f:
            f.write(msg)
        when = base + (rand() % (5 * 365 * 86400))
        os.utime(name, (when, when))
        written += len(msg)
        i += 1
print(f"{i} messages, {written} bytes ({written / 1048576:.1f} MiB)", file=sys.stderr)
PY
chown -R "$MAIL_USER:$MAIL_USER" "$BENCH_DIR/src"

log "loading them into user $USER_NAME (fresh)"
# Fresh: every mailbox but INBOX deleted, INBOX emptied.
doveadm mailbox list -u "$USER_NAME" 2>/dev/null | sort -r | while IFS= read -r mb; do
    [[ "$mb" == INBOX ]] || doveadm mailbox delete -u "$USER_NAME" -s "$mb" 2>/dev/null || true
done
doveadm expunge -u "$USER_NAME" mailbox INBOX all 2>/dev/null || true
doveadm import -u "$USER_NAME" -s "maildir:$BENCH_DIR/src" "" all
rm -rf "$BENCH_DIR/src"
loaded=0
for mb in INBOX Archive Lists/rust; do
    n=$(doveadm mailbox status -u "$USER_NAME" messages "$mb" | sed 's/.*messages=//')
    log "  $mb: $n messages"
    loaded=$((loaded + n))
done
[[ $loaded -eq $MESSAGES ]] || die "loaded $loaded of $MESSAGES messages (doveadm import exits 0 even when it fails)"
vsize=$(doveadm mailbox status -u "$USER_NAME" vsize INBOX Archive Lists/rust \
    | sed 's/.*vsize=//' | awk '{s += $1} END {printf "%.1f MiB", s / 1048576}')
log "loaded $loaded messages, $vsize"

# ---------------------------------------------------------------------------------------
# 2. the runs

cat >"$BENCH_DIR/mbsyncrc" <<EOF
IMAPAccount bench
Host 127.0.0.1
Port $PORT
User $USER_NAME
Pass $USER_PASS
SSLType None
AuthMechs LOGIN

IMAPStore bench-far
Account bench

MaildirStore bench-near
Path $BENCH_DIR/mbsync/
Inbox $BENCH_DIR/mbsync/INBOX
SubFolders Verbatim

Channel bench
Far :bench-far:
Near :bench-near:
Patterns *
Create Near
Sync Pull
Expunge None
CopyArrivalDate yes
SyncState *
EOF
mkdir -p "$BENCH_DIR/mbsync"

results=()
measure() { # label, command...
    local label="$1" t
    shift
    sync
    echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
    log "run: $label"
    if ! /usr/bin/time -f '%e %M %U %S' -o "$BENCH_DIR/time" "$@" >"$BENCH_DIR/out" 2>"$BENCH_DIR/err"; then
        cat "$BENCH_DIR/out" "$BENCH_DIR/err" >&2
        die "$label failed"
    fi
    read -r wall rss user sys <"$BENCH_DIR/time"
    results+=("$label|$wall|$rss|$(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%.2f", u + s}')|$(tail -n 1 "$BENCH_DIR/out")")
}
count() { find "$1" \( -path '*/cur/*' -o -path '*/new/*' \) -type f | wc -l; }

export BENCH_PASSWORD="$USER_PASS"
backup=("$BACKUP" --host 127.0.0.1 --port "$PORT" --tls none --user "$USER_NAME"
    --password-env BENCH_PASSWORD)

measure "backup --jobs 1" "${backup[@]}" --out "$BENCH_DIR/backup" --jobs 1
measure "mbsync" mbsync -q -c "$BENCH_DIR/mbsyncrc" bench
measure "backup --jobs 1, re-run" "${backup[@]}" --out "$BENCH_DIR/backup" --jobs 1
measure "mbsync, re-run" mbsync -q -c "$BENCH_DIR/mbsyncrc" bench
measure "backup --jobs 2" "${backup[@]}" --out "$BENCH_DIR/backup2" --jobs 2

# Behind a link with latency: a proxy that delays every piece by DELAY_MS each way
# (examples/bench.rs --delay-proxy), then backup --jobs 1 and --jobs 4 through it.
DELAY_MS="${BENCH_DELAY_MS:-20}"
if ((DELAY_MS > 0)); then
    cargo build -q --release --example bench
    BENCH_BIN="${CARGO_TARGET_DIR:-target}/release/examples/bench"
    BLOCKING_IMAP_HOST=127.0.0.1 BLOCKING_IMAP_PORT="$PORT" "$BENCH_BIN" --delay-proxy "$DELAY_MS" \
        >"$BENCH_DIR/proxy-port" 2>"$BENCH_DIR/proxy-err" &
    proxy_pid=$!
    for _ in $(seq 50); do [[ -s "$BENCH_DIR/proxy-port" ]] && break; sleep 0.1; done
    proxy_port=$(head -n 1 "$BENCH_DIR/proxy-port")
    [[ -n "$proxy_port" ]] || die "the delay proxy did not start"
    delayed=("$BACKUP" --host 127.0.0.1 --port "$proxy_port" --tls none --user "$USER_NAME"
        --password-env BENCH_PASSWORD)
    measure "backup --jobs 1, +${DELAY_MS} ms" "${delayed[@]}" --out "$BENCH_DIR/backup-d1" --jobs 1
    measure "backup --jobs 4, +${DELAY_MS} ms" "${delayed[@]}" --out "$BENCH_DIR/backup-d4" --jobs 4
    kill "$proxy_pid" 2>/dev/null || true
fi

# ---------------------------------------------------------------------------------------
# 3. the table

b=$(count "$BENCH_DIR/backup")
m=$(count "$BENCH_DIR/mbsync")
b2=$(count "$BENCH_DIR/backup2")
bsize=$(du -sm "$BENCH_DIR/backup" | cut -f1)
msize=$(du -sm "$BENCH_DIR/mbsync" | cut -f1)
printf '\n%d messages, %s in INBOX, Archive, Lists/rust (user %s, plaintext IMAP on loopback)\n\n' \
    "$loaded" "$vsize" "$USER_NAME"
printf '%-26s %9s %14s %14s\n' "run" "wall (s)" "peak RSS (MiB)" "CPU user+sys"
printf '%-26s %9s %14s %14s\n' "---" "--------" "--------------" "------------"
for r in "${results[@]}"; do
    IFS='|' read -r label wall rss cpu _ <<<"$r"
    printf '%-26s %9s %14.1f %14s\n' "$label" "$wall" "$(awk -v k="$rss" 'BEGIN{print k/1024}')" "$cpu"
done
printf '\nmessages in the trees: backup %s (%s MiB), mbsync %s (%s MiB), backup --jobs 2 %s\n' \
    "$b" "$bsize" "$m" "$msize" "$b2"
for r in "${results[@]}"; do
    IFS='|' read -r label _ _ _ last <<<"$r"
    [[ "$label" == backup* ]] && printf '  %s: %s\n' "$label" "$last"
done
[[ $b -eq $loaded && $m -eq $loaded && $b2 -eq $loaded ]] || die "a tree does not hold all $loaded messages"
