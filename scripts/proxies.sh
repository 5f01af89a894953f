#!/usr/bin/env bash
# Private SOCKS5 and HTTP CONNECT proxies for the blocking-imap proxy tests
# (tests/dovecot_proxy.rs): Debian's microsocks and tinyproxy, each as a foreground process
# of its own, started by this script with its own config, log and pid file under a state dir.
#
# Usage: scripts/proxies.sh start|stop|restart|status|env
#
#   start   install microsocks/tinyproxy if missing (apt-get, needs root; `apt-get update`
#           only if the install fails without it), (re)start the four proxies, and wait
#           until each accepts connections. Fails (exit 1) with the reason when a proxy
#           cannot be installed or started: the tests need them and must not skip.
#   stop    stop them (by the pids in the state dir); ok if not running.
#   status  print whether they run; exit 0 if all four run, 3 if not.
#   env     print `export` lines for the tests:  eval "$(scripts/proxies.sh env)"
#
# Listeners (127.0.0.1 only), from the base port ${BLOCKING_IMAP_PROXY_PORT:-11080}:
#   base+0  SOCKS5, no authentication              (microsocks)  $BLOCKING_IMAP_SOCKS5
#   base+1  SOCKS5, user name and password          (microsocks)  $BLOCKING_IMAP_SOCKS5_AUTH
#   base+2  HTTP CONNECT, no authentication         (tinyproxy)   $BLOCKING_IMAP_HTTP_PROXY
#   base+3  HTTP CONNECT, Basic authentication      (tinyproxy)   $BLOCKING_IMAP_HTTP_PROXY_AUTH
# Credentials of the two with authentication: proxyuser / proxy-pass
# ($BLOCKING_IMAP_PROXY_USER / $BLOCKING_IMAP_PROXY_PASSWORD).
# tinyproxy allows CONNECT only to the Dovecot ports ${BLOCKING_IMAP_PORT:-10143} and
# ${BLOCKING_IMAP_TLS_PORT:-10993} (so CONNECT to any other port gets its 403), from
# 127.0.0.1 only.
#
# Files (state dir ${BLOCKING_IMAP_PROXY_DIR:-/tmp/blocking-imap-proxies}):
#   <name>.pid  <name>.out  (socks5, socks5-auth, http, http-auth)
#   http.conf  http-auth.conf  tinyproxy's configs;  http.log  http-auth.log  its logs
set -euo pipefail

export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}"

DIR="${BLOCKING_IMAP_PROXY_DIR:-/tmp/blocking-imap-proxies}"
BASE="${BLOCKING_IMAP_PROXY_PORT:-11080}"
IMAP_PORT="${BLOCKING_IMAP_PORT:-10143}"
IMAPS_PORT="${BLOCKING_IMAP_TLS_PORT:-10993}"
HOST=127.0.0.1
USER_NAME=proxyuser
PASSWORD=proxy-pass
START_TIMEOUT=10
NAMES=(socks5 socks5-auth http http-auth)

log() { printf 'proxies.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

for port in "$BASE" "$IMAP_PORT" "$IMAPS_PORT"; do
    [[ "$port" =~ ^[0-9]+$ ]] || die "bad port number: $port"
done
((BASE + 3 < 65536)) || die "BLOCKING_IMAP_PROXY_PORT too large: $BASE"
case "$DIR" in
    /?*) ;;
    *) die "BLOCKING_IMAP_PROXY_DIR must be an absolute path: $DIR" ;;
esac

port_of() {
    case "$1" in
        socks5) echo $((BASE)) ;;
        socks5-auth) echo $((BASE + 1)) ;;
        http) echo $((BASE + 2)) ;;
        http-auth) echo $((BASE + 3)) ;;
    esac
}

comm_of() {
    case "$1" in
        socks5*) echo microsocks ;;
        http*) echo tinyproxy ;;
    esac
}

# ---------------------------------------------------------------------------------------
# installation

POLICY=/usr/sbin/policy-rc.d
POLICY_BACKUP="$POLICY.blocking-imap-proxies-backup"
POLICY_STATE=none # none | created | replaced

policy_restore() {
    case "$POLICY_STATE" in
        created) rm -f "$POLICY" ;;
        replaced) mv -f "$POLICY_BACKUP" "$POLICY" ;;
    esac
    POLICY_STATE=none
}

apt_install() {
    apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" >/dev/null
}

install_packages() {
    local pkgs=()
    command -v microsocks >/dev/null 2>&1 || pkgs+=(microsocks)
    command -v tinyproxy >/dev/null 2>&1 || pkgs+=(tinyproxy)
    [[ ${#pkgs[@]} -gt 0 ]] || return 0
    [[ $EUID -eq 0 ]] || die "need ${pkgs[*]} installed, and only root can install them"
    command -v apt-get >/dev/null 2>&1 || die "need ${pkgs[*]}, but apt-get is not available"
    # Keep the packaged tinyproxy service from starting: policy-rc.d must exit 101.
    local rc=0
    if [[ -e "$POLICY" ]]; then
        "$POLICY" tinyproxy start >/dev/null 2>&1 || rc=$?
    fi
    if [[ ! -e "$POLICY" ]]; then
        POLICY_STATE=created
    elif [[ $rc -ne 101 ]]; then
        mv -f "$POLICY" "$POLICY_BACKUP"
        POLICY_STATE=replaced
    fi
    trap policy_restore EXIT
    if [[ $POLICY_STATE != none ]]; then
        printf '#!/bin/sh\n# temporary, from blocking-imap scripts/proxies.sh\nexit 101\n' >"$POLICY"
        chmod 0755 "$POLICY"
    fi
    log "installing ${pkgs[*]} (apt-get)..."
    export DEBIAN_FRONTEND=noninteractive
    if ! apt_install "${pkgs[@]}"; then
        log "install failed; apt-get update, then again"
        apt-get update -qq -o DPkg::Lock::Timeout=300 || true
        apt_install "${pkgs[@]}" || {
            policy_restore
            die "could not install ${pkgs[*]}"
        }
    fi
    policy_restore
    trap - EXIT
    # The packaged service must not hold a port or run beside ours.
    if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
        systemctl disable --now tinyproxy >/dev/null 2>&1 || true
    fi
    command -v microsocks >/dev/null 2>&1 || die "microsocks installed, but not found"
    command -v tinyproxy >/dev/null 2>&1 || die "tinyproxy installed, but not found"
    log "installed ${pkgs[*]}"
}

# ---------------------------------------------------------------------------------------
# files and processes

write_tinyproxy_conf() {
    local name=$1 port=$2 conf="$DIR/$1.conf"
    {
        echo "# Generated by blocking-imap scripts/proxies.sh; rewritten on every start."
        echo "Port $port"
        echo "Listen $HOST"
        echo "Timeout 600"
        echo "MaxClients 200"
        echo "Allow 127.0.0.1"
        echo "ConnectPort $IMAP_PORT"
        echo "ConnectPort $IMAPS_PORT"
        echo "LogFile \"$DIR/$name.log\""
        echo "LogLevel Info"
        echo "DisableViaHeader Yes"
        if [[ $name == http-auth ]]; then
            echo "BasicAuth $USER_NAME $PASSWORD"
        fi
    } >"$conf.tmp"
    mv -f "$conf.tmp" "$conf"
}

# Prints the pid of our running proxy $1, or fails.
pid_of() {
    local pid comm file="$DIR/$1.pid"
    [[ -r "$file" ]] || return 1
    read -r pid <"$file" || return 1
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    alive "$pid" || return 1
    read -r comm <"/proc/$pid/comm" || return 1
    [[ "$comm" == "$(comm_of "$1")" ]] || return 1
    printf '%s\n' "$pid"
}

# Is process $1 there and not a zombie (an exited child nobody has reaped yet)?
alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    # The state follows the command name in parentheses.
    stat=${stat##*) }
    [[ "${stat%% *}" != Z ]]
}

port_open() {
    (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

stop_one() {
    local name=$1 pid i
    if ! pid=$(pid_of "$name"); then
        rm -f "$DIR/$name.pid"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        alive "$pid" || break
        sleep 0.05
    done
    if alive "$pid"; then
        log "$name (pid $pid) did not exit after 5 s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$DIR/$name.pid"
}

do_stop() {
    local name
    for name in "${NAMES[@]}"; do
        stop_one "$name"
    done
}

start_one() {
    local name=$1 port cmd=()
    port=$(port_of "$name")
    port_open "$port" && die "port $HOST:$port ($name) is already in use by another process"
    case "$name" in
        socks5) cmd=(microsocks -i "$HOST" -p "$port") ;;
        socks5-auth) cmd=(microsocks -i "$HOST" -p "$port" -u "$USER_NAME" -P "$PASSWORD") ;;
        http | http-auth)
            write_tinyproxy_conf "$name" "$port"
            : >"$DIR/$name.log"
            cmd=(tinyproxy -d -c "$DIR/$name.conf")
            ;;
    esac
    # In the foreground of its own session (not daemonised), so that its pid is ours.
    setsid "${cmd[@]}" </dev/null >"$DIR/$name.out" 2>&1 &
    echo $! >"$DIR/$name.pid"
}

do_start() {
    local t0=$SECONDS name
    install_packages
    do_stop
    mkdir -p "$DIR"
    for name in "${NAMES[@]}"; do
        start_one "$name"
    done
    local deadline=$((SECONDS + START_TIMEOUT)) ready
    while ((SECONDS < deadline)); do
        ready=0
        for name in "${NAMES[@]}"; do
            if ! pid_of "$name" >/dev/null; then
                sleep 0.1
                if ! pid_of "$name" >/dev/null; then
                    log "--- $DIR/$name.out:"
                    tail -n 20 "$DIR/$name.out" >&2 || true
                    do_stop
                    die "$name ($(comm_of "$name")) exited at start"
                fi
            fi
            port_open "$(port_of "$name")" && ready=$((ready + 1))
        done
        if ((ready == ${#NAMES[@]})); then
            log "ready: socks5 $HOST:$BASE, socks5 with login $HOST:$((BASE + 1))," \
                "http $HOST:$((BASE + 2)), http with login $HOST:$((BASE + 3))" \
                "($((SECONDS - t0)) s)"
            return 0
        fi
        sleep 0.1
    done
    do_stop
    die "the proxies did not accept connections within $START_TIMEOUT s"
}

do_status() {
    local name pid running=0
    for name in "${NAMES[@]}"; do
        if pid=$(pid_of "$name"); then
            echo "$name: running, pid $pid, $HOST:$(port_of "$name")"
            running=$((running + 1))
        else
            echo "$name: not running"
        fi
    done
    ((running == ${#NAMES[@]})) || return 3
}

do_env() {
    printf 'export BLOCKING_IMAP_SOCKS5=%q\n' "$HOST:$BASE"
    printf 'export BLOCKING_IMAP_SOCKS5_AUTH=%q\n' "$HOST:$((BASE + 1))"
    printf 'export BLOCKING_IMAP_HTTP_PROXY=%q\n' "$HOST:$((BASE + 2))"
    printf 'export BLOCKING_IMAP_HTTP_PROXY_AUTH=%q\n' "$HOST:$((BASE + 3))"
    printf 'export BLOCKING_IMAP_PROXY_USER=%q\n' "$USER_NAME"
    printf 'export BLOCKING_IMAP_PROXY_PASSWORD=%q\n' "$PASSWORD"
    printf 'export BLOCKING_IMAP_PROXY_DIR=%q\n' "$DIR"
    printf 'export BLOCKING_IMAP_PROXIES=1\n'
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
