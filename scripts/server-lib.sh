# Shared by scripts/dovecot.sh and scripts/cyrus.sh (sourced, not run): stopping a server's
# master process and probing its ports. The caller defines HOST, PORT, TLS_PORT, PIDFILE,
# log() and master_pid() (prints the running master's pid, fails when none runs).

do_stop() {
    local pid i
    if ! pid=$(master_pid); then
        rm -f "$PIDFILE"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 200; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "master $pid did not exit after 10 s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.2
    fi
    rm -f "$PIDFILE"
    log "stopped (pid $pid)"
}

port_open() {
    # true if something accepts TCP connections on $HOST:$1
    (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

plain_greeting() {
    # true if $HOST:$PORT sends an IMAP greeting (`* OK ...`) within 2 s
    (
        exec 3<>"/dev/tcp/$HOST/$PORT"
        line=""
        IFS= read -r -t 2 line <&3 || true
        [[ "$line" == "* OK"* ]]
    ) 2>/dev/null
}

tls_greeting() {
    # true if $HOST:$TLS_PORT sends an IMAP greeting over TLS within 3 s; the arguments go to
    # openssl s_client (e.g. -CAfile ca.pem -verify_hostname localhost -verify_return_error).
    local line="" ok=1
    coproc OSSL {
        exec openssl s_client -connect "$HOST:$TLS_PORT" -servername localhost "$@" \
            -quiet 2>/dev/null
    }
    # shellcheck disable=SC2153  # OSSL_PID is set by coproc
    local ossl_pid=$OSSL_PID
    if IFS= read -r -t 3 line <&"${OSSL[0]}" && [[ "$line" == "* OK"* ]]; then
        ok=0
    fi
    kill "$ossl_pid" 2>/dev/null || true
    wait "$ossl_pid" 2>/dev/null || true
    return $ok
}
