#!/usr/bin/env bash
# Private Dovecot 2.3 (Debian 12) IMAP server for the blocking-imap tests.
#
# Usage: scripts/dovecot.sh start|stop|restart|status|env
#
#   start   install dovecot-imapd/openssl if missing (apt-get, needs root), write the
#           config, wipe all mail and (re)start the private instance; waits until both
#           ports send their greeting. Starting when already running restarts cleanly.
#   stop    stop the instance (by the pid in its base_dir/master.pid); ok if not running.
#           (the master needs ~2.5 s to exit, so a restart takes ~3 s)
#   status  print whether it runs; exit 0 if running, 3 if not.
#   env     print `export` lines for the tests:  eval "$(scripts/dovecot.sh env)"
#
# Listeners (127.0.0.1 only, nothing else listens on the network):
#   ${BLOCKING_IMAP_PORT:-10143}      plain IMAP, offers STARTTLS, plaintext LOGIN allowed
#   ${BLOCKING_IMAP_TLS_PORT:-10993}  implicit TLS (IMAPS)
#
# Users (passwd-file, {PLAIN} passwords; all mail is owned by the system user `vmail`):
#   alice / alice-pass
#   bob   / bob-pass
#   bulk  / bulk-pass
#   ünï   / pässwörd      (UTF-8 user name and password)
# Any other user name or password fails immediately (no auth failure delay).
# SASL mechanisms: PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256.
#
# Mailboxes: sdbox, hierarchy separator "/", empty on every `start`. Special-use
# mailboxes Drafts, Sent, Trash, Junk, Archive are created and subscribed on first login.
# Extensions on top of the Dovecot defaults: QUOTA (count backend, 16 GiB storage: the
# benchmarks load a 1 GiB mailbox),
# METADATA (file dict), COMPRESS=DEFLATE, ACL (vfile), SPECIAL-USE.
#
# Files (state dir ${BLOCKING_IMAP_DOVECOT_DIR:-/tmp/blocking-imap-dovecot}):
#   dovecot.conf   config (use it with doveadm:  doveadm -c "$BLOCKING_IMAP_DOVECOT_CONF" ...)
#   ca.pem         the test CA (self-signed, CA:TRUE, keyCertSign): the clients' trusted
#                  root, $BLOCKING_IMAP_CA;  ca-key.pem  its key
#   server.pem     what Dovecot serves, signed by the CA: CN=localhost, SAN DNS:localhost,
#                  IP:127.0.0.1, IP:::1, CA:FALSE, serverAuth ($BLOCKING_IMAP_SERVER_CERT;
#                  rustls refuses a CA certificate as a server's)
#   server-key.pem its key, PKCS#8 ($BLOCKING_IMAP_SERVER_KEY; for fake TLS servers in tests)
#   key.pem        link to ca-key.pem, for checkouts older than the CA/server split
#   openssl.cnf    how they were made.  All are kept across starts while valid for another
#                  day, and regenerated together otherwise.
#   users          passwd-file
#   dovecot.log    Dovecot's log;  master.out  stdout/stderr of the daemonised master
#   run/           base_dir (master.pid, sockets);  state/  state_dir
# Mail: /dev/shm/blocking-imap-dovecot-mail (when /dev/shm exists, else <state dir>/mail);
#   override with BLOCKING_IMAP_DOVECOT_MAIL_DIR.
#
# Bulk loading (as root, with the env from `env`), measured here with 1 KiB messages:
#   doveadm -c "$BLOCKING_IMAP_DOVECOT_CONF" save -u alice -m INBOX < msg
#       saves ONE message per run: ~15 ms each (fine for a few; 10k would take ~2.5 min).
#   doveadm -c "$BLOCKING_IMAP_DOVECOT_CONF" import -u bulk -s maildir:/path/to/md "" all
#       copies a whole maildir (md/cur, md/new, md/tmp; maildir's INBOX -> user's INBOX):
#       10,000 messages in ~1.1 s. The source tree must be OWNED by user vmail
#       (chown -R vmail:vmail md): doveadm runs as vmail and writes dovecot-uidlist and
#       index files into it. Beware: doveadm import exits 0 even when it failed, so check
#       the result, e.g. doveadm -c CONF mailbox status -u bulk messages INBOX
#   IMAP MULTIAPPEND (500 messages per command) is about as fast (~1 s for 10k).
set -euo pipefail

export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}"

DIR="${BLOCKING_IMAP_DOVECOT_DIR:-/tmp/blocking-imap-dovecot}"
PORT="${BLOCKING_IMAP_PORT:-10143}"
TLS_PORT="${BLOCKING_IMAP_TLS_PORT:-10993}"
HOST=127.0.0.1
INSTANCE=blocking-imap-test
MAIL_USER="${BLOCKING_IMAP_MAIL_USER:-vmail}"
START_TIMEOUT=15

CONF="$DIR/dovecot.conf"
BASE_DIR="$DIR/run"
STATE_DIR="$DIR/state"
LOG="$DIR/dovecot.log"
MASTER_OUT="$DIR/master.out"
USERS="$DIR/users"
CA="$DIR/ca.pem"
CA_KEY="$DIR/ca-key.pem"
SERVER_CERT="$DIR/server.pem"
SERVER_KEY="$DIR/server-key.pem"
PIDFILE="$BASE_DIR/master.pid"

if [[ -n "${BLOCKING_IMAP_DOVECOT_MAIL_DIR:-}" ]]; then
    MAIL_DIR="$BLOCKING_IMAP_DOVECOT_MAIL_DIR"
elif [[ -d /dev/shm && -w /dev/shm ]]; then
    if [[ "$DIR" == /tmp/blocking-imap-dovecot ]]; then
        MAIL_DIR=/dev/shm/blocking-imap-dovecot-mail
    else
        # A state dir of its own gets mail of its own.
        MAIL_DIR="/dev/shm/blocking-imap-dovecot-mail-$(printf '%s' "$DIR" | cksum | cut -d' ' -f1)"
    fi
else
    MAIL_DIR="$DIR/mail"
fi

log() { printf 'dovecot.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

require_root() {
    [[ $EUID -eq 0 ]] || die "must run as root (installs packages, creates a system user, runs dovecot)"
}

for port in "$PORT" "$TLS_PORT"; do
    [[ "$port" =~ ^[0-9]+$ ]] || die "bad port number: $port"
done
[[ "$PORT" != "$TLS_PORT" ]] || die "BLOCKING_IMAP_PORT and BLOCKING_IMAP_TLS_PORT must differ"
case "$DIR" in
    /*) ;;
    *) die "BLOCKING_IMAP_DOVECOT_DIR must be an absolute path: $DIR" ;;
esac
[[ "$DIR" != / && "$MAIL_DIR" == /?* && "$MAIL_DIR" != / ]] || die "refusing dirs $DIR / $MAIL_DIR"

# ---------------------------------------------------------------------------------------
# installation

dovecot_installed() {
    command -v dovecot >/dev/null 2>&1 && command -v doveadm >/dev/null 2>&1 \
        && [[ -x /usr/lib/dovecot/imap && -x /usr/lib/dovecot/imap-login ]]
}

POLICY=/usr/sbin/policy-rc.d
POLICY_BACKUP="$POLICY.blocking-imap-backup"
POLICY_STATE=none   # none | created | replaced

policy_restore() {
    case "$POLICY_STATE" in
        created) rm -f "$POLICY" ;;
        replaced) mv -f "$POLICY_BACKUP" "$POLICY" ;;
    esac
    POLICY_STATE=none
}

install_packages() {
    local pkgs=()
    dovecot_installed || pkgs+=(dovecot-imapd)
    command -v openssl >/dev/null 2>&1 || pkgs+=(openssl)
    [[ ${#pkgs[@]} -gt 0 ]] || return 0
    command -v apt-get >/dev/null 2>&1 || die "need ${pkgs[*]}, but apt-get is not available"

    # Keep the packaged system service from starting: policy-rc.d must exit 101.
    local rc=0
    if [[ -e "$POLICY" ]]; then
        "$POLICY" dovecot start >/dev/null 2>&1 || rc=$?
    fi
    if [[ ! -e "$POLICY" ]]; then
        POLICY_STATE=created
    elif [[ $rc -ne 101 ]]; then
        mv -f "$POLICY" "$POLICY_BACKUP"
        POLICY_STATE=replaced
    fi
    trap policy_restore EXIT
    if [[ $POLICY_STATE != none ]]; then
        printf '#!/bin/sh\n# temporary, from blocking-imap scripts/dovecot.sh\nexit 101\n' >"$POLICY"
        chmod 0755 "$POLICY"
    fi

    log "installing ${pkgs[*]} (apt-get)..."
    local t0=$SECONDS
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        "${pkgs[@]}" >/dev/null
    policy_restore
    trap - EXIT
    log "installed ${pkgs[*]} in $((SECONDS - t0)) s"
    dovecot_installed || die "dovecot-imapd installed, but dovecot binaries not found"
}

ensure_mail_user() {
    if ! id -u "$MAIL_USER" >/dev/null 2>&1; then
        log "creating system user $MAIL_USER"
        useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin --comment "blocking-imap test mail" "$MAIL_USER"
    fi
    MAIL_UID=$(id -u "$MAIL_USER")
    MAIL_GID=$(id -g "$MAIL_USER")
    [[ $MAIL_UID -ne 0 && $MAIL_GID -ne 0 ]] || die "mail user $MAIL_USER must not be root"
}

# ---------------------------------------------------------------------------------------
# files

cert_ok() {
    # The CA and the server certificate exist, belong together, are valid for at least
    # another day, and the server certificate is a leaf for localhost, 127.0.0.1 and ::1.
    [[ -s "$CA" && -s "$CA_KEY" && -s "$SERVER_CERT" && -s "$SERVER_KEY" ]] || return 1
    openssl x509 -in "$CA" -noout -checkend 86400 >/dev/null 2>&1 || return 1
    openssl x509 -in "$SERVER_CERT" -noout -checkend 86400 >/dev/null 2>&1 || return 1
    openssl x509 -in "$SERVER_CERT" -noout -ext basicConstraints 2>/dev/null \
        | grep -q 'CA:FALSE' || return 1
    local ip
    for ip in 127.0.0.1 ::1; do
        openssl verify -CAfile "$CA" -purpose sslserver -verify_hostname localhost \
            -verify_ip "$ip" "$SERVER_CERT" >/dev/null 2>&1 || return 1
    done
    # The key belongs to the certificate.
    [[ "$(openssl x509 -in "$SERVER_CERT" -noout -pubkey 2>/dev/null)" \
        == "$(openssl pkey -in "$SERVER_KEY" -pubout 2>/dev/null)" ]] || return 1
}

write_cert() {
    # Keep the certificates while they are good (see cert_ok).
    if cert_ok; then
        ln -sfn "$(basename "$CA_KEY")" "$DIR/key.pem"
        return 0
    fi
    local cnf="$DIR/openssl.cnf" tmp="$DIR/cert.tmp"
    cat >"$cnf" <<'CNF'
[req]
distinguished_name = dn
prompt = no

[dn]
CN = blocking-imap test CA

[ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash
# Only so that checkouts older than the CA/server split (they serve ca.pem with key.pem,
# now a link to ca-key.pem) keep working against this state dir.
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
extendedKeyUsage = serverAuth

[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
    rm -rf "$tmp"
    mkdir -m 0700 "$tmp"
    # The CA (self-signed, 10 years), then the server's key (PKCS#8: what `openssl req`
    # writes) and a certificate for it signed by the CA.
    if ! (
        umask 077
        openssl req -x509 -config "$cnf" -extensions ca -newkey rsa:2048 -nodes -sha256 \
            -days 3650 -keyout "$tmp/ca-key.pem" -out "$tmp/ca.pem" &&
            openssl req -new -config "$cnf" -subj /CN=localhost -newkey rsa:2048 -nodes \
                -sha256 -keyout "$tmp/server-key.pem" -out "$tmp/server.csr" &&
            openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca-key.pem" \
                -set_serial "0x$(openssl rand -hex 16)" -days 3649 -sha256 \
                -extfile "$cnf" -extensions server -out "$tmp/server.pem"
    ) >"$tmp/openssl.log" 2>&1; then
        cat "$tmp/openssl.log" >&2
        rm -rf "$tmp"
        die "openssl could not create the certificates"
    fi
    chmod 0600 "$tmp/ca-key.pem" "$tmp/server-key.pem"
    chmod 0644 "$tmp/ca.pem" "$tmp/server.pem"
    mv -f "$tmp/ca-key.pem" "$CA_KEY"
    mv -f "$tmp/server-key.pem" "$SERVER_KEY"
    mv -f "$tmp/server.pem" "$SERVER_CERT"
    mv -f "$tmp/ca.pem" "$CA"
    rm -rf "$tmp"
    ln -sfn "$(basename "$CA_KEY")" "$DIR/key.pem"
    cert_ok || die "the generated certificates do not verify"
}

write_users() {
    # user:{PLAIN}password  (uid/gid/home come from userdb default_fields)
    (umask 027 && cat >"$USERS.tmp" <<'EOF'
alice:{PLAIN}alice-pass::::::
bob:{PLAIN}bob-pass::::::
bulk:{PLAIN}bulk-pass::::::
ünï:{PLAIN}pässwörd::::::
EOF
    )
    chown root:dovecot "$USERS.tmp"
    chmod 0640 "$USERS.tmp"
    mv -f "$USERS.tmp" "$USERS"
}

write_conf() {
    cat >"$CONF.tmp" <<EOF
# Generated by blocking-imap scripts/dovecot.sh; rewritten on every start.
instance_name = $INSTANCE
base_dir = $BASE_DIR
state_dir = $STATE_DIR
log_path = $LOG
info_log_path = $LOG
debug_log_path = $LOG
auth_verbose = yes

protocols = imap
listen = $HOST
shutdown_clients = yes

default_internal_user = dovecot
default_login_user = dovenull
default_process_limit = 1000
default_client_limit = 4000
default_vsz_limit = 512M

ssl = yes
ssl_cert = <$SERVER_CERT
ssl_key = <$SERVER_KEY
ssl_min_protocol = TLSv1.2

# --- authentication -------------------------------------------------------------
disable_plaintext_auth = no
auth_mechanisms = plain login cram-md5 scram-sha-1 scram-sha-256
auth_failure_delay = 0
auth_cache_size = 0
# allow the UTF-8 user name (default only allows [A-Za-z0-9.@_-])
auth_username_chars =
auth_username_format = %u

# Fast failed logins: this passdb never authenticates anybody, it only adds "nodelay"
# (kept as the extra fields of a successful passdb) so that failures reply immediately
# and anvil adds no penalty. The passwd-file passdb below does the real check.
passdb {
  driver = static
  args = nopassword=y noauthenticate nodelay=yes
  result_success = continue
  result_failure = continue
  result_internalfail = continue
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $USERS
}
userdb {
  driver = passwd-file
  args = username_format=%u $USERS
  default_fields = uid=$MAIL_UID gid=$MAIL_GID home=$MAIL_DIR/%u
}

mail_uid = $MAIL_UID
mail_gid = $MAIL_GID
first_valid_uid = $MAIL_UID
last_valid_uid = $MAIL_UID
first_valid_gid = $MAIL_GID
last_valid_gid = $MAIL_GID

# --- mail -----------------------------------------------------------------------
mail_location = sdbox:~/mail
mailbox_list_index = yes
mail_fsync = never
mail_attribute_dict = file:%h/dovecot-attributes

namespace inbox {
  inbox = yes
  prefix =
  separator = /
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
  mailbox Junk {
    special_use = \\Junk
    auto = subscribe
  }
  mailbox Archive {
    special_use = \\Archive
    auto = subscribe
  }
}

mail_plugins = \$mail_plugins quota acl
plugin {
  quota = count:User quota
  quota_rule = *:storage=16G
  quota_vsizes = yes
  acl = vfile
}

protocol imap {
  mail_plugins = \$mail_plugins imap_quota imap_zlib imap_acl
  imap_metadata = yes
  mail_max_userip_connections = 1000
}

# --- services: only the two IMAP listeners on 127.0.0.1 --------------------------
service imap-login {
  inet_listener imap {
    address = $HOST
    port = $PORT
  }
  inet_listener imaps {
    address = $HOST
    port = $TLS_PORT
    ssl = yes
  }
  # performance mode: a few long-running login processes (fast logins)
  service_count = 0
  process_min_avail = 2
  client_limit = 1000
}
service imap {
  process_limit = 1000
}
service auth {
  client_limit = 6000
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
  inet_listener pop3s {
    port = 0
  }
}
service submission-login {
  inet_listener submission {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    port = 0
  }
}
service doveadm {
  inet_listener {
    port = 0
  }
}
EOF
    mv -f "$CONF.tmp" "$CONF"
}

# ---------------------------------------------------------------------------------------
# process control

master_pid() {
    # Prints the pid of our running master, or fails.
    local pid comm
    [[ -r "$PIDFILE" ]] || return 1
    read -r pid <"$PIDFILE" || return 1
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    [[ -r "/proc/$pid/comm" ]] || kill -0 "$pid" 2>/dev/null || return 1
    if [[ -r "/proc/$pid/comm" ]]; then
        read -r comm <"/proc/$pid/comm" || return 1
        [[ "$comm" == dovecot ]] || return 1
    fi
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
    if [[ -s "$LOG" ]]; then
        log "--- tail of $LOG:"
        tail -n 30 "$LOG" >&2
    fi
    do_stop || true
    exit 1
}

do_start() {
    require_root
    local t0=$SECONDS t_start
    install_packages
    ensure_mail_user
    do_stop

    for port in "$PORT" "$TLS_PORT"; do
        if port_open "$port"; then
            die "port $HOST:$port is already in use by another process"
        fi
    done

    t_start=$(date +%s.%N)
    mkdir -p "$DIR"
    chmod 0755 "$DIR"   # the auth (user dovecot) and login processes must reach files here
    rm -rf "$BASE_DIR" "$STATE_DIR"
    # BLOCKING_IMAP_KEEP_MAIL=1: a restart that keeps the mail (the reconnect tests).
    if [[ "${BLOCKING_IMAP_KEEP_MAIL:-0}" != 1 ]]; then
        rm -rf "$MAIL_DIR"
    fi
    mkdir -p "$MAIL_DIR"
    chown "$MAIL_UID:$MAIL_GID" "$MAIL_DIR"
    chmod 0750 "$MAIL_DIR"
    if [[ -f "$LOG" ]]; then
        mv -f "$LOG" "$LOG.old"
    fi
    : >"$LOG"

    write_cert
    write_users
    write_conf

    if ! doveconf -c "$CONF" -n >/dev/null 2>"$MASTER_OUT"; then
        fail_start "invalid configuration $CONF"
    fi

    # The master daemonises itself but keeps the stdout/stderr it was started with.
    if ! dovecot -c "$CONF" </dev/null >>"$MASTER_OUT" 2>&1; then
        fail_start "dovecot -c $CONF failed"
    fi

    local deadline=$((SECONDS + START_TIMEOUT)) plain_ok=0 tls_ok=0
    while ((SECONDS < deadline)); do
        if ! master_pid >/dev/null; then
            sleep 0.1
            master_pid >/dev/null || fail_start "dovecot master exited"
        fi
        ((plain_ok)) || { plain_greeting && plain_ok=1; } || true
        # The certificate checked against ca.pem for the name localhost.
        ((tls_ok)) || {
            tls_greeting -CAfile "$CA" -verify_hostname localhost -verify_return_error \
                && tls_ok=1
        } || true
        if ((plain_ok && tls_ok)); then
            local t_end
            t_end=$(date +%s.%N)
            log "ready: imap://$HOST:$PORT (STARTTLS) and imaps://$HOST:$TLS_PORT," \
                "pid $(master_pid), started in $(awk -v a="$t_start" -v b="$t_end" 'BEGIN{printf "%.2f", b-a}') s" \
                "(total $((SECONDS - t0)) s)"
            return 0
        fi
        sleep 0.1
    done
    fail_start "no IMAP greeting within $START_TIMEOUT s (plain ok=$plain_ok, tls ok=$tls_ok)"
}

do_status() {
    local pid
    if pid=$(master_pid); then
        echo "running: pid $pid, imap $HOST:$PORT, imaps $HOST:$TLS_PORT, conf $CONF"
        return 0
    fi
    echo "not running (state dir $DIR)"
    return 3
}

do_env() {
    printf 'export BLOCKING_IMAP_HOST=%q\n' "$HOST"
    printf 'export BLOCKING_IMAP_PORT=%q\n' "$PORT"
    printf 'export BLOCKING_IMAP_TLS_PORT=%q\n' "$TLS_PORT"
    printf 'export BLOCKING_IMAP_CA=%q\n' "$CA"
    printf 'export BLOCKING_IMAP_SERVER_CERT=%q\n' "$SERVER_CERT"
    printf 'export BLOCKING_IMAP_SERVER_KEY=%q\n' "$SERVER_KEY"
    printf 'export BLOCKING_IMAP_DOVECOT_DIR=%q\n' "$DIR"
    printf 'export BLOCKING_IMAP_DOVECOT_CONF=%q\n' "$CONF"
    printf 'export BLOCKING_IMAP_DOVECOT=1\n'
}

case "${1:-}" in
    start) do_start ;;
    restart) do_start ;;
    stop) require_root; do_stop ;;
    status) do_status ;;
    env) do_env ;;
    *)
        echo "usage: $0 start|stop|restart|status|env" >&2
        exit 2
        ;;
esac
