#!/usr/bin/env bash
# Private Cyrus IMAP 3.6 (Debian 12) server for the blocking-imap tests: a second server,
# used where Dovecot cannot show a feature (OBJECTID, LIST-METADATA, Cyrus's own replies).
#
# Usage: scripts/cyrus.sh start|stop|restart|status|env
#
#   start   fetch and unpack Cyrus if missing (see "installation"), write the config, wipe
#           all mail and (re)start the private instance; waits until the ports greet.
#           Starting when already running restarts cleanly.
#   stop    stop the instance (by the pid in run/master.pid); ok if not running.
#   status  print whether it runs; exit 0 if running, 3 if not.
#   env     print `export` lines for the tests:  eval "$(scripts/cyrus.sh env)"
#
# Installation: the Debian package cyrus-imapd CONFLICTS with dovecot-imapd (both provide
# imap-server): installing it with apt would remove Dovecot, the main test server. So this
# script never installs it. It downloads the two .debs (`apt-get download`, an explicit
# version, into <state dir>/debs, kept), unpacks them with `dpkg-deb -x` into <state
# dir>/root (kept while the version matches), installs only the shared libraries they
# link against with apt-get (refusing if apt would remove anything), and runs Cyrus's
# `master` from the unpacked tree with LD_LIBRARY_PATH pointing at its libcyrus*.
# Needs root (apt-get, the system user `cyrus` that Cyrus switches to).
#
# Listeners (127.0.0.1 only):
#   ${BLOCKING_IMAP_CYRUS_PORT:-10243}      plain IMAP, plaintext LOGIN allowed; STARTTLS
#                                           when a certificate is given (below). The
#                                           default is BLOCKING_IMAP_PORT + 100.
#   ${BLOCKING_IMAP_CYRUS_TLS_PORT:-10244}  (default: the plain port + 1)
#                                           implicit TLS, only when BLOCKING_IMAP_SERVER_CERT
#                                           and BLOCKING_IMAP_SERVER_KEY name readable files
#                                           (scripts/test.sh exports Dovecot's: the clients
#                                           trust them through BLOCKING_IMAP_CA)
#
# Users (sasldb, written with db_load from db-util; mechanisms PLAIN and LOGIN):
#   alice / alice-pass,  bob / bob-pass,  bulk / bulk-pass
#   admin / admin-pass   (a Cyrus admin: `admins: admin`)
#
# Mailboxes: hierarchy separator "/", alternate namespace (personal mailboxes at the top
# level, like Dovecot's), empty on every `start`. INBOX and the special-use mailboxes
# Drafts, Sent, Trash, Junk, Archive are created and subscribed at a user's first login
# (autocreate). conversations: yes (THREADID). DELETE and EXPUNGE act at once
# (delete_mode/expunge_mode: immediate). A failed login answers at once; IDLE polls every
# second (imapidlepoll: 1, no idled).
#
# Timing (measured here): start ~0.9 s (+ ~1 s the first time, for the download and the
# unpacking); a restart ~2 s (the master takes ~1.2 s to stop).
#
# Files (state dir ${BLOCKING_IMAP_CYRUS_DIR:-/tmp/blocking-imap-cyrus}, or
# $BLOCKING_IMAP_DOVECOT_DIR-cyrus when that is set to another than Dovecot's default):
#   imapd.conf, cyrus.conf   the configs (rewritten on every start)
#   sasldb2                  the users;  master.out  the master's stdout/stderr
#   run/                     master.pid, sockets
#   debs/, root/             the downloaded packages and the unpacked tree (kept)
# Data (configdirectory and partition): /dev/shm/blocking-imap-cyrus-<hash> when /dev/shm
# exists, else <state dir>/data. Cyrus logs to syslog only (none runs here): when it
# misbehaves, run imapd by hand, see cyrus.conf for the command line.
set -euo pipefail

export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}"

# The version to fetch: BLOCKING_IMAP_CYRUS_VERSION, else the newest apt knows of (apt
# mirrors keep only the current one), else this one (what the tests were written against).
VERSION="${BLOCKING_IMAP_CYRUS_VERSION:-}"
KNOWN_VERSION=3.6.1-4+deb12u5
# Defaults follow Dovecot's settings, so that a second checkout with its own Dovecot ports
# and state dir gets its own Cyrus too.
if [[ -n "${BLOCKING_IMAP_DOVECOT_DIR:-}" && "$BLOCKING_IMAP_DOVECOT_DIR" != /tmp/blocking-imap-dovecot ]]; then
    DIR="${BLOCKING_IMAP_CYRUS_DIR:-$BLOCKING_IMAP_DOVECOT_DIR-cyrus}"
else
    DIR="${BLOCKING_IMAP_CYRUS_DIR:-/tmp/blocking-imap-cyrus}"
fi
PORT="${BLOCKING_IMAP_CYRUS_PORT:-$((${BLOCKING_IMAP_PORT:-10143} + 100))}"
TLS_PORT="${BLOCKING_IMAP_CYRUS_TLS_PORT:-$((PORT + 1))}"
HOST=127.0.0.1
CYRUS_USER=cyrus   # compiled into Debian's binaries: master switches to it
START_TIMEOUT=15

CONF="$DIR/imapd.conf"
MASTER_CONF="$DIR/cyrus.conf"
RUN_DIR="$DIR/run"
PIDFILE="$RUN_DIR/master.pid"
MASTER_OUT="$DIR/master.out"
SASLDB="$DIR/sasldb2"
DEBS="$DIR/debs"
ROOT="$DIR/root"
BIN="$ROOT/usr/lib/cyrus/bin"
CERT="$DIR/server.pem"
KEY="$DIR/server-key.pem"

case "$DIR" in
    /*) ;;
    *) echo "cyrus.sh: error: BLOCKING_IMAP_CYRUS_DIR must be an absolute path: $DIR" >&2; exit 1 ;;
esac
if [[ -d /dev/shm && -w /dev/shm ]]; then
    DATA="/dev/shm/blocking-imap-cyrus-$(printf '%s' "$DIR" | cksum | cut -d' ' -f1)"
else
    DATA="$DIR/data"
fi

log() { printf 'cyrus.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

for port in "$PORT" "$TLS_PORT"; do
    [[ "$port" =~ ^[0-9]+$ ]] || die "bad port number: $port"
done
[[ "$PORT" != "$TLS_PORT" ]] || die "BLOCKING_IMAP_CYRUS_PORT and _TLS_PORT must differ"
[[ "$DIR" != / && "$DATA" == /?* ]] || die "refusing dirs $DIR / $DATA"

tls_wanted() {
    [[ -n "${BLOCKING_IMAP_SERVER_CERT:-}" && -r "${BLOCKING_IMAP_SERVER_CERT:-}" \
        && -n "${BLOCKING_IMAP_SERVER_KEY:-}" && -r "${BLOCKING_IMAP_SERVER_KEY:-}" ]]
}

# ---------------------------------------------------------------------------------------
# installation (never through apt's cyrus-imapd: it would remove dovecot-imapd)

resolve_version() {
    [[ -z "$VERSION" ]] || return 0
    local v
    v=$(apt-cache madison cyrus-imapd 2>/dev/null | awk -F'|' 'NR == 1 { gsub(/ /, "", $2); print $2 }')
    if [[ -z "$v" ]] && ! unpacked_any; then
        apt-get update -qq
        v=$(apt-cache madison cyrus-imapd 2>/dev/null | awk -F'|' 'NR == 1 { gsub(/ /, "", $2); print $2 }')
    fi
    if [[ -z "$v" ]] && unpacked_any; then
        v=$(cat "$ROOT/.blocking-imap-version")
    fi
    VERSION="${v:-$KNOWN_VERSION}"
}

unpacked_any() {
    [[ -s "$ROOT/.blocking-imap-version" ]]
}

unpacked() {
    [[ -f "$ROOT/.blocking-imap-version" && "$(cat "$ROOT/.blocking-imap-version")" == "$VERSION" \
        && -x "$BIN/master" && -x "$BIN/imapd" && -x "$BIN/ctl_cyrusdb" ]]
}

# The library packages named by the .debs' Depends (first alternative, no versions), plus
# the SASL plugins for PLAIN/LOGIN and sasldb, and db-util for db_load.
library_packages() {
    local deb dep
    for deb in "$@"; do
        dpkg-deb -f "$deb" Depends | tr ',' '\n' | while IFS= read -r dep; do
            dep="${dep%%|*}"
            dep="${dep%%(*}"
            dep="${dep//[[:space:]]/}"
            dep="${dep%%:*}"
            case "$dep" in
                lib* | zlib*) printf '%s\n' "$dep" ;;
            esac
        done
    done
    printf '%s\n' libsasl2-modules libsasl2-modules-db db-util
}

install_cyrus() {
    local arch t0=$SECONDS did=0
    command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 \
        || die "needs apt-get and dpkg-deb (Debian 12) to fetch Cyrus"
    arch=$(dpkg --print-architecture)
    resolve_version
    local debs=("$DEBS/cyrus-common_${VERSION}_$arch.deb" "$DEBS/cyrus-imapd_${VERSION}_$arch.deb")
    if ! unpacked || [[ ! -s "${debs[0]}" || ! -s "${debs[1]}" ]]; then
        mkdir -p "$DEBS"
        local pkg deb old
        for old in "$DEBS"/*.deb; do
            [[ -e "$old" && "$old" != "${debs[0]}" && "$old" != "${debs[1]}" ]] && rm -f "$old"
        done
        for pkg in cyrus-common cyrus-imapd; do
            deb="$DEBS/${pkg}_${VERSION}_$arch.deb"
            [[ -s "$deb" ]] && continue
            # apt-get download (not install): an explicit version also passes an apt pin
            # that keeps cyrus packages from ever being installation candidates.
            log "downloading $pkg=$VERSION (apt-get download)"
            did=1
            if ! (cd "$DEBS" && apt-get download -qq "$pkg=$VERSION") >/dev/null 2>&1; then
                apt-get update -qq
                (cd "$DEBS" && apt-get download -qq "$pkg=$VERSION") >/dev/null \
                    || die "apt-get download $pkg=$VERSION failed (Debian 12 package sources?)"
            fi
            [[ -s "$deb" ]] || die "apt-get download did not produce $deb"
        done
    fi

    # Only the libraries, and only the missing ones; never anything that removes a package.
    local missing=() lib
    while IFS= read -r lib; do
        [[ -n "$lib" ]] || continue
        if ! dpkg-query -W -f='${Status}' "$lib" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$lib")
        fi
    done < <(library_packages "${debs[@]}" | sort -u)
    if [[ ${#missing[@]} -gt 0 ]]; then
        log "installing libraries ${missing[*]} (apt-get)"
        did=1
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        local sim
        sim=$(apt-get -s install -y --no-install-recommends "${missing[@]}" 2>&1) \
            || { printf '%s\n' "$sim" >&2; die "apt-get cannot install ${missing[*]}"; }
        if grep -q '^Remv' <<<"$sim"; then
            grep '^Remv' <<<"$sim" >&2
            die "installing ${missing[*]} would remove packages; refusing"
        fi
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi

    if ! unpacked; then
        log "unpacking Cyrus $VERSION into $ROOT"
        did=1
        rm -rf "$ROOT.tmp"
        mkdir -p "$ROOT.tmp"
        local d
        for d in "${debs[@]}"; do dpkg-deb -x "$d" "$ROOT.tmp"; done
        printf '%s\n' "$VERSION" >"$ROOT.tmp/.blocking-imap-version"
        rm -rf "$ROOT"
        mv "$ROOT.tmp" "$ROOT"
        unpacked || die "unpacked tree $ROOT lacks master/imapd"
    fi
    local missing_libs
    missing_libs=$(LD_LIBRARY_PATH="$ROOT/usr/lib/$(gcc_triplet)" ldd "$BIN/imapd" | grep 'not found' || true)
    [[ -z "$missing_libs" ]] || die "imapd lacks libraries: $missing_libs"
    if ((did)); then log "installed in $((SECONDS - t0)) s"; fi
}

gcc_triplet() {
    dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null \
        || case "$(dpkg --print-architecture)" in
            amd64) echo x86_64-linux-gnu ;;
            arm64) echo aarch64-linux-gnu ;;
            *) echo "$(uname -m)-linux-gnu" ;;
        esac
}

ensure_cyrus_user() {
    if ! id -u "$CYRUS_USER" >/dev/null 2>&1; then
        log "creating system user $CYRUS_USER"
        useradd --system --gid mail --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin --comment "blocking-imap test Cyrus" "$CYRUS_USER"
    fi
}

# ---------------------------------------------------------------------------------------
# files

write_users() {
    # sasldb: a Berkeley DB hash, key "user NUL realm NUL userPassword" -> password; the
    # realm is the servername. db_load -T reads alternating key/value lines, \00 = NUL.
    local u tmp="$SASLDB.tmp"
    rm -f "$tmp"
    for u in alice bob bulk admin; do
        printf '%s\\00localhost\\00userPassword\n%s-pass\n' "$u" "$u"
    done | db_load -T -t hash "$tmp"
    chown "$CYRUS_USER:mail" "$tmp"
    chmod 0600 "$tmp"
    mv -f "$tmp" "$SASLDB"
}

write_conf() {
    local tls=""
    if tls_wanted; then
        install -o "$CYRUS_USER" -g mail -m 0644 "$BLOCKING_IMAP_SERVER_CERT" "$CERT"
        install -o "$CYRUS_USER" -g mail -m 0600 "$BLOCKING_IMAP_SERVER_KEY" "$KEY"
        tls="tls_server_cert: $CERT
tls_server_key: $KEY"
    fi
    cat >"$CONF.tmp" <<EOF
# Generated by blocking-imap scripts/cyrus.sh; rewritten on every start.
configdirectory: $DATA/config
partition-default: $DATA/spool
sievedir: $DATA/sieve
idlesocket: $RUN_DIR/idle
lmtpsocket: $RUN_DIR/lmtp
notifysocket: $RUN_DIR/notify
servername: localhost
admins: admin
allowplaintext: yes
# a failed login answers at once (the default waits 3 s)
failedloginpause: 0
# IDLE polls the mailbox every second (no idled runs; the default is 60 s)
imapidlepoll: 1
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: $SASLDB
sasl_mech_list: PLAIN LOGIN
altnamespace: yes
unixhierarchysep: yes
autocreate_quota: 0
autocreate_inbox_folders: Drafts | Sent | Trash | Junk | Archive
autocreate_subscribe_folders: Drafts | Sent | Trash | Junk | Archive
xlist-drafts: Drafts
xlist-sent: Sent
xlist-trash: Trash
xlist-junk: Junk
xlist-archive: Archive
conversations: yes
conversations_db: twoskip
# Gone at once: the default (delayed) renames a deleted mailbox to DELETED.<name>.<time>,
# so deleting a re-created mailbox within the same second fails ("Mailbox already exists").
delete_mode: immediate
expunge_mode: immediate
$tls
EOF
    local tls_service=""
    if tls_wanted; then
        tls_service="  imaps cmd=\"$BIN/imapd -s -C $CONF\" listen=\"$HOST:$TLS_PORT\" prefork=1 maxchild=200"
    fi
    cat >"$MASTER_CONF.tmp" <<EOF
# Generated by blocking-imap scripts/cyrus.sh; rewritten on every start.
START {
  recover cmd="$BIN/ctl_cyrusdb -C $CONF -r"
}
SERVICES {
  imap cmd="$BIN/imapd -C $CONF" listen="$HOST:$PORT" prefork=1 maxchild=200
$tls_service
}
EVENTS {
  checkpoint cmd="$BIN/ctl_cyrusdb -C $CONF -c" period=30
}
EOF
    chmod 0644 "$CONF.tmp" "$MASTER_CONF.tmp"
    mv -f "$CONF.tmp" "$CONF"
    mv -f "$MASTER_CONF.tmp" "$MASTER_CONF"
}

# ---------------------------------------------------------------------------------------
# process control

master_pid() {
    local pid exe
    [[ -r "$PIDFILE" ]] || return 1
    read -r pid <"$PIDFILE" || return 1
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
    [[ "$exe" == "$BIN/master" ]] || return 1
    printf '%s\n' "$pid"
}

# do_stop, port_open, plain_greeting, tls_greeting
# shellcheck source=scripts/server-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/server-lib.sh"

fail_start() {
    log "error: $*"
    if [[ -s "$MASTER_OUT" ]]; then
        log "--- $MASTER_OUT:"
        tail -n 20 "$MASTER_OUT" >&2
    fi
    log "(Cyrus logs to syslog only; try: sudo -u $CYRUS_USER env LD_LIBRARY_PATH=$ROOT/usr/lib/$(gcc_triplet) $BIN/imapd -C $CONF -t)"
    do_stop || true
    exit 1
}

do_start() {
    [[ $EUID -eq 0 ]] || die "must run as root (apt-get, a system user, Cyrus's master)"
    local t0 t_start
    t0=$(date +%s.%N)
    mkdir -p "$DIR"
    chmod 0755 "$DIR"
    install_cyrus
    ensure_cyrus_user
    do_stop

    local ports=("$PORT")
    if tls_wanted; then ports+=("$TLS_PORT"); fi
    for port in "${ports[@]}"; do
        if port_open "$port"; then
            die "port $HOST:$port is already in use by another process"
        fi
    done

    t_start=$(date +%s.%N)
    rm -rf "$RUN_DIR" "$DATA"
    mkdir -p "$RUN_DIR" "$DATA/config" "$DATA/spool" "$DATA/sieve"
    chown "$CYRUS_USER:mail" "$RUN_DIR" "$DATA" "$DATA/config" "$DATA/spool" "$DATA/sieve"
    chmod 0750 "$DATA"
    write_users
    write_conf
    : >"$MASTER_OUT"

    # -d: daemonise (after the START commands ran); master switches to user cyrus itself.
    if ! LD_LIBRARY_PATH="$ROOT/usr/lib/$(gcc_triplet)" "$BIN/master" -C "$CONF" -M "$MASTER_CONF" \
        -p "$PIDFILE" -d </dev/null >>"$MASTER_OUT" 2>&1; then
        fail_start "$BIN/master failed"
    fi

    local deadline=$((SECONDS + START_TIMEOUT)) plain_ok=0 tls_ok=1
    if tls_wanted; then tls_ok=0; fi
    while ((SECONDS < deadline)); do
        if ! master_pid >/dev/null; then
            sleep 0.1
            master_pid >/dev/null || fail_start "cyrus master exited"
        fi
        ((plain_ok)) || { plain_greeting && plain_ok=1; } || true
        ((tls_ok)) || { tls_greeting && tls_ok=1; } || true
        if ((plain_ok && tls_ok)); then
            local t_end where="imap://$HOST:$PORT"
            t_end=$(date +%s.%N)
            if tls_wanted; then where+=" (STARTTLS) and imaps://$HOST:$TLS_PORT"; fi
            log "ready: $where, pid $(master_pid), started in" \
                "$(awk -v a="$t_start" -v b="$t_end" 'BEGIN{printf "%.2f", b-a}') s" \
                "(total $(awk -v a="$t0" -v b="$t_end" 'BEGIN{printf "%.2f", b-a}') s)"
            return 0
        fi
        sleep 0.1
    done
    fail_start "no IMAP greeting within $START_TIMEOUT s (plain ok=$plain_ok, tls ok=$tls_ok)"
}

do_status() {
    local pid
    if pid=$(master_pid); then
        echo "running: pid $pid, imap $HOST:$PORT, conf $CONF"
        return 0
    fi
    echo "not running (state dir $DIR)"
    return 3
}

do_env() {
    printf 'export BLOCKING_IMAP_CYRUS_HOST=%q\n' "$HOST"
    printf 'export BLOCKING_IMAP_CYRUS_PORT=%q\n' "$PORT"
    if grep -q '^tls_server_cert' "$CONF" 2>/dev/null; then
        printf 'export BLOCKING_IMAP_CYRUS_TLS_PORT=%q\n' "$TLS_PORT"
    fi
    printf 'export BLOCKING_IMAP_CYRUS_DIR=%q\n' "$DIR"
    printf 'export BLOCKING_IMAP_CYRUS=1\n'
}

case "${1:-}" in
    start | restart) do_start ;;
    stop) do_stop ;;
    status) do_status ;;
    env) do_env ;;
    *)
        echo "usage: $0 start|stop|restart|status|env" >&2
        exit 2
        ;;
esac
