#!/usr/bin/env bash
# Runs the whole blocking-imap test suite against a private Dovecot server:
#
#   scripts/test.sh [extra cargo test args...]
#
# 1. scripts/dovecot.sh start   (installs Dovecot with apt-get if needed: run as root;
#                                wipes the test mailboxes; see that script for users/ports)
# 2. exports the variables from `scripts/dovecot.sh env` (BLOCKING_IMAP_HOST, _PORT,
#    _TLS_PORT, _CA, _SERVER_CERT, _SERVER_KEY, _DOVECOT_DIR, _DOVECOT_CONF,
#    BLOCKING_IMAP_DOVECOT=1); then scripts/proxies.sh start (SOCKS5 and HTTP CONNECT
#    proxies for tests/dovecot_proxy.rs, installed with apt-get if missing; ports from
#    BLOCKING_IMAP_PROXY_PORT, default 11080..11083) and its env (BLOCKING_IMAP_SOCKS5...,
#    BLOCKING_IMAP_PROXIES=1); then scripts/cyrus.sh start, the second server (Cyrus IMAP
#    3.6, unpacked from Debian's .debs, never installed with apt: see that script; ports
#    BLOCKING_IMAP_CYRUS_PORT, default BLOCKING_IMAP_PORT + 100 and + 101) and its env
#    (BLOCKING_IMAP_CYRUS_HOST, _PORT, _TLS_PORT, BLOCKING_IMAP_CYRUS=1) for tests/cyrus_*.rs.
#    A Cyrus that cannot be set up fails the run.
# 3. cargo test --all-targets --features testing "$@"   and   cargo test --doc --features testing "$@"
#    (native-tls, the default; `testing` for the record/replay tests)
#    (if the extra args already select targets, e.g. --test foo or --lib, runs only
#    cargo test "$@" once, since cargo refuses to mix --doc/--all-targets with them)
# 4. the other TLS backend: cargo test --no-default-features --features rustls,scram "$@" over the
#    Dovecot-backed suites (tests/dovecot_*.rs, tests/cyrus_*.rs, idle, starttls_injection), with
#    BLOCKING_IMAP_TEST_OVER_TLS=1 so that their sessions run over implicit TLS too.
#    Skipped when the extra args select targets, or with BLOCKING_IMAP_SKIP_RUSTLS=1.
# 5. stops Dovecot, Cyrus and the proxies again, whatever happened (set BLOCKING_IMAP_KEEP_DOVECOT=1
#    to leave them running for debugging), and exits with cargo's status (the first failure).
#
# Ports and state dir can be changed with BLOCKING_IMAP_PORT, BLOCKING_IMAP_TLS_PORT and
# BLOCKING_IMAP_DOVECOT_DIR. Needs cargo on PATH (or in ~/.cargo/bin).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DOVECOT_SH="$ROOT/scripts/dovecot.sh"
PROXIES_SH="$ROOT/scripts/proxies.sh"
CYRUS_SH="$ROOT/scripts/cyrus.sh"
cd "$ROOT"

if ! command -v cargo >/dev/null 2>&1 && [[ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ]]; then
    export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
fi
command -v cargo >/dev/null 2>&1 || {
    echo "test.sh: cargo not found; install a Rust toolchain (https://rustup.rs)" >&2
    exit 1
}

# shellcheck disable=SC2317  # invoked by the EXIT trap
stop_dovecot() {
    if [[ "${BLOCKING_IMAP_KEEP_DOVECOT:-0}" == 1 ]]; then
        echo "test.sh: leaving dovecot, cyrus and the proxies running (BLOCKING_IMAP_KEEP_DOVECOT=1)" >&2
    else
        "$PROXIES_SH" stop || true
        "$CYRUS_SH" stop || true
        "$DOVECOT_SH" stop || true
    fi
}
trap stop_dovecot EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$DOVECOT_SH" start
eval "$("$DOVECOT_SH" env)"
# The second server, Cyrus (after Dovecot's env: it serves Dovecot's certificate).
"$CYRUS_SH" start
eval "$("$CYRUS_SH" env)"
# The proxies' ConnectPort rules name the Dovecot ports, exported just above.
"$PROXIES_SH" start
eval "$("$PROXIES_SH" env)"

# Do the extra args (before a `--`) select targets themselves?
selects_targets=0
for arg in "$@"; do
    [[ "$arg" == -- ]] && break
    case "$arg" in
        --lib | --bins | --bin | --bin=* | --examples | --example | --example=* | --tests | --test | \
            --test=* | --benches | --bench | --bench=* | --all-targets | --doc)
            selects_targets=1
            ;;
    esac
done

status=0
if ((selects_targets)); then
    cargo test "$@" || status=$?
else
    cargo test --all-targets --features testing "$@" || status=$?
    # Doctests exist only for a library target.
    if cargo metadata --no-deps --format-version 1 2>/dev/null \
        | grep -Eq '"kind":\["(lib|rlib|dylib|proc-macro)"'; then
        doc_status=0
        cargo test --doc --features testing "$@" || doc_status=$?
        ((status != 0)) || status=$doc_status
    fi
    if [[ "${BLOCKING_IMAP_SKIP_RUSTLS:-0}" != 1 ]]; then
        rustls_targets=()
        for f in tests/dovecot_*.rs tests/cyrus_*.rs tests/idle.rs tests/starttls_injection.rs tests/scram.rs; do
            if [[ -f "$f" ]]; then rustls_targets+=(--test "$(basename "$f" .rs)"); fi
        done
        echo "test.sh: again with the rustls backend, sessions over TLS: ${rustls_targets[*]}" >&2
        rustls_status=0
        BLOCKING_IMAP_TEST_OVER_TLS=1 cargo test --no-default-features --features rustls,scram \
            "${rustls_targets[@]}" "$@" || rustls_status=$?
        ((status != 0)) || status=$rustls_status
    fi
fi

if ((status == 0)); then
    echo "test.sh: all tests passed" >&2
else
    echo "test.sh: cargo test failed (exit $status); dovecot log: $BLOCKING_IMAP_DOVECOT_DIR/dovecot.log" >&2
fi
exit "$status"
