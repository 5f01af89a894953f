//! Proxies (issue 23): SOCKS5 and HTTP CONNECT handshakes against scripted proxies on
//! loopback sockets: what the client sends (byte for byte), each refusal (every SOCKS5
//! reply code, refused credentials, HTTP 401/403/407/5xx), replies that break the protocol,
//! an oversized HTTP header, replies split into single bytes, a greeting that arrives in
//! the same packet as the proxy's answer, a proxy that hangs (connect timeout, cancel),
//! and a reconnect that goes through the proxy again. The same against real proxies and
//! Dovecot: tests/dovecot_proxy.rs.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::thread;
use std::time::{Duration, Instant};

use blocking_imap::{CancelHandle, ClientBuilder, Error, Proxy, ReconnectPolicy, Security};
use common::tcp::{serve, Knobs, T};

/// A host name that resolves nowhere: a connect that works proves the proxy got the name.
const HOST: &str = "imap.invalid";
const GREETING: &[u8] = b"* OK [CAPABILITY IMAP4rev1] fake server behind the proxy\r\n";

fn sb(bytes: &[u8]) -> T {
    T::S(bytes.to_vec())
}

fn cb(bytes: &[u8]) -> T {
    T::C(bytes.to_vec())
}

fn through(proxy: Proxy) -> ClientBuilder {
    ClientBuilder::new(HOST, 993)
        .security(Security::Plaintext)
        .connect_timeout(Duration::from_secs(10))
        .proxy(proxy)
}

/// The SOCKS5 CONNECT request for `HOST:993` by name.
fn connect_by_name() -> Vec<u8> {
    [
        &[5u8, 1, 0, 3, HOST.len() as u8][..],
        HOST.as_bytes(),
        &993u16.to_be_bytes(),
    ]
    .concat()
}

/// A success reply to CONNECT, bound to 127.0.0.1:1, with the server's greeting after it
/// in the same write.
fn connected_then_greeting() -> Vec<u8> {
    [&[5u8, 0, 0, 1, 127, 0, 0, 1, 0, 1][..], GREETING].concat()
}

/// Connects through a scripted proxy; `Ok(())` when connected (the greeting came through),
/// the error otherwise. Panics when the proxy did not see what it expected.
fn connect_via(steps: Vec<T>, knobs: Knobs, proxy: impl FnOnce(u16) -> Proxy) -> Result<(), Error> {
    let (port, server) = serve(steps, knobs);
    let result = through(proxy(port)).connect().map(|c| {
        assert!(
            c.greeting().text.contains("fake server"),
            "{:?}",
            c.greeting()
        );
    });
    server
        .join()
        .unwrap()
        .expect("the proxy saw what it expected");
    result
}

/// A proxy at a port of 127.0.0.1.
type ProxyAt = fn(u16) -> Proxy;

fn socks(port: u16) -> Proxy {
    Proxy::socks5("127.0.0.1", port)
}

fn socks_auth(port: u16) -> Proxy {
    Proxy::socks5("127.0.0.1", port).with_auth("pu", "pp")
}

fn http(port: u16) -> Proxy {
    Proxy::http_connect("127.0.0.1", port)
}

fn http_auth(port: u16) -> Proxy {
    Proxy::http_connect("127.0.0.1", port).with_auth("Aladdin", "open sesame")
}

/// The parts of an [`Error::Proxy`].
fn proxy_error(e: &Error) -> (Option<u16>, bool, String) {
    match e {
        Error::Proxy {
            code,
            credentials_refused,
            reason,
            ..
        } => {
            assert!(e.is_proxy() && e.is_broken() && !e.is_connect(), "{e}");
            (*code, *credentials_refused, reason.clone())
        }
        other => panic!("not a proxy error: {other:?}"),
    }
}

#[test]
fn socks5_sends_the_name_and_logs_in_and_leaves_the_greeting_in_the_tunnel() {
    // Whole replies, then a byte at a time.
    for split in [usize::MAX, 1] {
        let steps = vec![
            cb(&[5, 2, 0, 2]),
            sb(&[5, 2]),
            cb(&[1, 2, b'p', b'u', 2, b'p', b'p']),
            sb(&[1, 0]),
            cb(&connect_by_name()),
            sb(&connected_then_greeting()),
        ];
        let knobs = Knobs {
            split,
            ..Knobs::default()
        };
        connect_via(steps, knobs, socks_auth).unwrap();
    }
}

#[test]
fn socks5_without_credentials_and_a_proxy_that_needs_none() {
    let steps = vec![
        cb(&[5, 1, 0]),
        sb(&[5, 0]),
        cb(&connect_by_name()),
        sb(&connected_then_greeting()),
    ];
    connect_via(steps, Knobs::default(), socks).unwrap();
    // Credentials offered, but the proxy chooses "no authentication".
    let steps = vec![
        cb(&[5, 2, 0, 2]),
        sb(&[5, 0]),
        cb(&connect_by_name()),
        sb(&connected_then_greeting()),
    ];
    connect_via(steps, Knobs::default(), socks_auth).unwrap();
}

#[test]
fn socks5_bound_addresses_of_every_type_are_read_whole() {
    let v6 = [&[5u8, 0, 0, 4][..], &[0; 16], &[0, 1], GREETING].concat();
    let name = [&[5u8, 0, 0, 3, 4][..], b"bind", &[0, 1], GREETING].concat();
    for reply in [v6, name] {
        let steps = vec![
            cb(&[5, 1, 0]),
            sb(&[5, 0]),
            cb(&connect_by_name()),
            sb(&reply),
        ];
        connect_via(steps, Knobs::default(), socks).unwrap();
    }
}

#[test]
fn socks5_addresses_go_as_addresses_and_socks5_urls_resolve_here() {
    let (port, server) = serve(
        vec![
            cb(&[5, 1, 0]),
            sb(&[5, 0]),
            cb(&[5, 1, 0, 1, 192, 0, 2, 7, 0, 143]),
            sb(&connected_then_greeting()),
        ],
        Knobs::default(),
    );
    ClientBuilder::new("192.0.2.7", 143)
        .security(Security::Plaintext)
        .proxy(socks(port))
        .connect()
        .unwrap();
    server.join().unwrap().unwrap();

    let (port, server) = serve(
        vec![
            cb(&[5, 1, 0]),
            sb(&[5, 0]),
            cb(&[
                5, 1, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 143,
            ]),
            sb(&connected_then_greeting()),
        ],
        Knobs::default(),
    );
    ClientBuilder::new("[::1]", 143)
        .security(Security::Plaintext)
        .proxy(socks(port))
        .connect()
        .unwrap();
    server.join().unwrap().unwrap();

    // socks5:// : "localhost" resolved here, its first address sent (127.0.0.1 or ::1).
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let fake = thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut greeting = [0u8; 3];
        s.read_exact(&mut greeting).unwrap();
        s.write_all(&[5, 0]).unwrap();
        let mut head = [0u8; 4];
        s.read_exact(&mut head).unwrap();
        let len = if head[3] == 1 { 4 } else { 16 };
        let mut addr = vec![0u8; len + 2];
        s.read_exact(&mut addr).unwrap();
        s.write_all(&connected_then_greeting()).unwrap();
        let mut rest = Vec::new();
        let _ = s.read_to_end(&mut rest);
        (head, addr)
    });
    let url = format!("socks5://127.0.0.1:{port}");
    let client = ClientBuilder::new("localhost", 143)
        .security(Security::Plaintext)
        .proxy(url.parse().unwrap())
        .connect()
        .unwrap();
    drop(client);
    let (head, addr) = fake.join().unwrap();
    assert!(head[3] == 1 || head[3] == 4, "{head:?}");
    let ip: std::net::IpAddr = if head[3] == 1 {
        <[u8; 4]>::try_from(&addr[..4]).unwrap().into()
    } else {
        <[u8; 16]>::try_from(&addr[..16]).unwrap().into()
    };
    assert!(ip.is_loopback(), "{ip}");
    assert_eq!(&addr[addr.len() - 2..], &[0, 143]);
}

#[test]
fn every_socks5_reply_code_is_a_clear_refusal() {
    let meanings = [
        (1, "general SOCKS server failure"),
        (2, "connection not allowed by ruleset"),
        (3, "network unreachable"),
        (4, "host unreachable"),
        (5, "connection refused by the destination"),
        (6, "TTL expired"),
        (7, "command not supported"),
        (8, "address type not supported"),
        (42, "unassigned reply code"),
    ];
    for (rep, meaning) in meanings {
        let steps = vec![
            cb(&[5, 1, 0]),
            sb(&[5, 0]),
            cb(&connect_by_name()),
            sb(&[5, rep, 0, 1, 0, 0, 0, 0, 0, 0]),
        ];
        let (port, server) = serve(steps, Knobs::default());
        let e = through(socks(port)).connect().unwrap_err();
        server.join().unwrap().unwrap();
        let (code, credentials, _) = proxy_error(&e);
        assert_eq!((code, credentials), (Some(u16::from(rep)), false));
        let shown = e.to_string();
        assert!(
            shown.starts_with(&format!(
                "proxy socks5h://127.0.0.1:{port}: refused to connect to imap.invalid:993: \
                 {meaning} (SOCKS5 reply {rep})"
            )),
            "{shown}"
        );
    }
}

#[test]
fn refused_and_missing_socks5_credentials() {
    // A wrong password (RFC 1929 status 1).
    let steps = vec![
        cb(&[5, 2, 0, 2]),
        sb(&[5, 2]),
        cb(&[1, 2, b'p', b'u', 2, b'p', b'p']),
        sb(&[1, 1]),
    ];
    let e = connect_via(steps, Knobs::default(), socks_auth).unwrap_err();
    let (code, credentials, reason) = proxy_error(&e);
    assert_eq!((code, credentials), (None, true));
    assert_eq!(
        reason,
        "refused the user name and password (RFC 1929 status 0x01)"
    );
    assert!(!e.to_string().contains("pp"), "{e}");
    // A proxy that closes instead of answering (some do, for a wrong password).
    let steps = vec![
        cb(&[5, 2, 0, 2]),
        sb(&[5, 2]),
        cb(&[1, 2, b'p', b'u', 2, b'p', b'p']),
        T::Close,
    ];
    let e = connect_via(steps, Knobs::default(), socks_auth).unwrap_err();
    assert!(
        proxy_error(&e)
            .2
            .starts_with("closed the connection before answering the user name and password"),
        "{e}"
    );
    // No credentials given, and the proxy wants some.
    for method in [0xff, 2] {
        let steps = vec![cb(&[5, 1, 0]), sb(&[5, method])];
        let e = connect_via(steps, Knobs::default(), socks).unwrap_err();
        let (_, credentials, reason) = proxy_error(&e);
        assert!(credentials && reason.contains("Proxy::with_auth"), "{e}");
    }
    // Credentials given, and the proxy accepts neither method.
    let steps = vec![cb(&[5, 2, 0, 2]), sb(&[5, 0xff])];
    let e = connect_via(steps, Knobs::default(), socks_auth).unwrap_err();
    assert!(proxy_error(&e).1, "{e}");
}

#[test]
fn socks5_replies_that_break_the_protocol() {
    let cases: Vec<(Vec<T>, &str)> = vec![
        (
            vec![cb(&[5, 1, 0]), sb(b"HTTP/1.1 400 Bad Request\r\n\r\n")],
            "is not a SOCKS5 proxy: it answers in HTTP",
        ),
        (
            vec![cb(&[5, 1, 0]), sb(GREETING)],
            "is not a SOCKS5 proxy: it sends an IMAP greeting",
        ),
        (
            vec![cb(&[5, 1, 0]), sb(&[4, 90])],
            "is not a SOCKS5 proxy: its reply starts with",
        ),
        (
            vec![cb(&[5, 1, 0]), sb(&[5, 3])],
            "chose authentication method 0x03, which was not offered",
        ),
        (
            vec![cb(&[5, 1, 0]), sb(&[5]), T::Close],
            "closed the connection before answering the SOCKS5 greeting",
        ),
        (
            vec![
                cb(&[5, 1, 0]),
                sb(&[5, 0]),
                cb(&connect_by_name()),
                sb(&[4, 0, 0, 1]),
            ],
            "has version 0x04 (expected 5)",
        ),
        (
            vec![
                cb(&[5, 1, 0]),
                sb(&[5, 0]),
                cb(&connect_by_name()),
                sb(&[5, 0, 7, 1]),
            ],
            "the reserved byte of its reply is 0x07",
        ),
        (
            vec![
                cb(&[5, 1, 0]),
                sb(&[5, 0]),
                cb(&connect_by_name()),
                sb(&[5, 0, 0, 9]),
            ],
            "address type 0x09",
        ),
        (
            vec![
                cb(&[5, 1, 0]),
                sb(&[5, 0]),
                cb(&connect_by_name()),
                sb(&[5, 0, 0, 3, 0]),
            ],
            "an empty bound address",
        ),
        (
            vec![
                cb(&[5, 1, 0]),
                sb(&[5, 0]),
                cb(&connect_by_name()),
                sb(&[5, 0, 0, 1, 127]),
                T::Close,
            ],
            "closed the connection in the middle of its reply to CONNECT",
        ),
        (
            vec![
                cb(&[5, 1, 0]),
                sb(&[5, 0]),
                cb(&connect_by_name()),
                T::Close,
            ],
            "closed the connection before answering CONNECT",
        ),
    ];
    for (steps, want) in cases {
        let e = connect_via(steps, Knobs::default(), socks).unwrap_err();
        let (code, credentials, reason) = proxy_error(&e);
        assert_eq!((code, credentials), (None, false), "{e}");
        assert!(reason.contains(want), "{want:?} not in {e}");
    }
}

/// The request of an HTTP proxy client, up to its blank line.
fn http_connect_request(auth: bool) -> Vec<u8> {
    let mut r = b"CONNECT imap.invalid:993 HTTP/1.1\r\nHost: imap.invalid:993\r\n".to_vec();
    if auth {
        r.extend_from_slice(b"Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n");
    }
    r.extend_from_slice(b"\r\n");
    r
}

#[test]
fn http_connect_sends_the_name_and_basic_credentials_and_leaves_the_greeting_in_the_tunnel() {
    for split in [usize::MAX, 1] {
        let reply = [
            &b"HTTP/1.1 200 Connection established\r\nProxy-Agent: fake\r\n\r\n"[..],
            GREETING,
        ]
        .concat();
        let steps = vec![cb(&http_connect_request(true)), sb(&reply)];
        let knobs = Knobs {
            split,
            ..Knobs::default()
        };
        connect_via(steps, knobs, http_auth).unwrap();
    }
    // HTTP/1.0, bare line feeds, no credentials.
    let reply = [&b"HTTP/1.0 200 OK\n\n"[..], GREETING].concat();
    let steps = vec![cb(&http_connect_request(false)), sb(&reply)];
    connect_via(steps, Knobs::default(), http).unwrap();
}

#[test]
fn http_refusals_show_the_status_line() {
    let cases: [(&[u8], bool, u16, bool, &str); 7] = [
        (
            b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"x\"\r\n\r\n",
            false,
            407,
            true,
            "answered CONNECT imap.invalid:993 with \"HTTP/1.1 407 Proxy Authentication Required\": \
             the proxy wants a user name and password",
        ),
        (
            b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"x\"\r\n\r\n",
            true,
            407,
            true,
            "the proxy refused the user name and password",
        ),
        (
            b"HTTP/1.1 407 Nope\r\nProxy-Authenticate: Negotiate\r\n\r\n",
            true,
            407,
            true,
            "(it asks for Negotiate; only Basic is supported)",
        ),
        (
            b"HTTP/1.0 401 Unauthorized\r\n\r\n",
            true,
            401,
            true,
            "the proxy refused the user name and password",
        ),
        (
            b"HTTP/1.1 403 Access violation\r\nContent-Length: 0\r\n\r\n",
            false,
            403,
            false,
            "with \"HTTP/1.1 403 Access violation\": the proxy does not allow a tunnel there \
             (many proxies allow CONNECT only to port 443: port 993 must be allowed)",
        ),
        (
            b"HTTP/1.1 502 Bad Gateway\r\n\r\n",
            false,
            502,
            false,
            "\"HTTP/1.1 502 Bad Gateway\": the proxy could not reach the server",
        ),
        (
            b"HTTP/1.1 504 Gateway Timeout\r\n\r\n",
            false,
            504,
            false,
            "\"HTTP/1.1 504 Gateway Timeout\": the proxy could not reach the server",
        ),
    ];
    for (reply, auth, status, refused, want) in cases {
        // The body after the header is never read.
        let reply = [reply, b"<html>body</html>"].concat();
        let steps = vec![cb(&http_connect_request(auth)), sb(&reply)];
        let e =
            connect_via(steps, Knobs::default(), if auth { http_auth } else { http }).unwrap_err();
        let (code, credentials, reason) = proxy_error(&e);
        assert_eq!((code, credentials), (Some(status), refused), "{e}");
        assert!(reason.contains(want), "{want:?} not in {e}");
        assert!(!e.to_string().contains("sesame"), "{e}");
        assert!(e.to_string().starts_with("proxy http://"), "{e}");
    }
}

#[test]
fn http_replies_that_break_the_protocol_or_never_end() {
    let big = [
        &b"HTTP/1.1 200 OK\r\n"[..],
        &b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
            .repeat(200),
    ]
    .concat();
    let cases: Vec<(Vec<T>, &str)> = vec![
        (
            vec![cb(&http_connect_request(false)), sb(&big)],
            "sent a reply header longer than 8192 bytes",
        ),
        (
            vec![cb(&http_connect_request(false)), sb(GREETING), sb(b"\r\n")],
            "is not an HTTP proxy: it sends an IMAP greeting",
        ),
        (
            vec![
                cb(&http_connect_request(false)),
                sb(&[5, 0, 0, 0, b'\n', b'\n']),
            ],
            "is not an HTTP proxy: it answers in SOCKS5",
        ),
        (
            vec![cb(&http_connect_request(false)), sb(b"HTTP/2 200\r\n\r\n")],
            "is not an HTTP proxy: its reply starts with \"HTTP/2 200\"",
        ),
        (
            vec![
                cb(&http_connect_request(false)),
                sb(b"HTTP/1.1 200 OK\r\nX: y\r\n"),
                T::Close,
            ],
            "closed the connection before the end of its reply header",
        ),
    ];
    for (steps, want) in cases {
        let e = connect_via(steps, Knobs::default(), http).unwrap_err();
        let (code, credentials, reason) = proxy_error(&e);
        assert_eq!((code, credentials), (None, false), "{e}");
        assert!(reason.contains(want), "{want:?} not in {e}");
    }
}

#[test]
fn what_the_protocols_cannot_carry_is_refused_before_connecting() {
    // Nothing listens: an error that is not a connect error was found before connecting.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let long = "a".repeat(256);
    let cases = [
        (
            ClientBuilder::new(long.as_str(), 993).proxy(socks(port)),
            "SOCKS5 carries 1 to 255",
        ),
        (
            ClientBuilder::new("h", 993).proxy(socks(port).with_auth("", "x")),
            "user name is empty",
        ),
        (
            ClientBuilder::new("h", 993).proxy(socks(port).with_auth("u", "p".repeat(256))),
            "longer than 255 bytes",
        ),
        (
            ClientBuilder::new("h\r\nX-Injected: 1", 993).proxy(http(port)),
            "cannot go in an HTTP CONNECT request",
        ),
        (
            ClientBuilder::new("h", 993).proxy(http(port).with_auth("a:b", "s3cret")),
            "holds a ':'",
        ),
    ];
    for (builder, want) in cases {
        let e = builder.connect().unwrap_err();
        assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
        assert!(e.to_string().contains(want), "{want:?} not in {e}");
        assert!(!e.to_string().contains("s3cret"), "{e}");
    }
}

#[test]
fn a_proxy_that_cannot_be_reached_is_a_connect_error_naming_the_proxy() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for proxy in [socks(port), http(port)] {
        let e = through(proxy).connect().unwrap_err();
        assert!(e.is_connect() && !e.is_proxy(), "{e:?}");
        assert!(
            e.to_string()
                .starts_with(&format!("cannot connect to proxy 127.0.0.1:{port}: ")),
            "{e}"
        );
    }
}

/// A proxy that accepts and then says nothing more after `steps`.
fn hanging_proxy(steps: Vec<T>) -> (u16, thread::JoinHandle<Result<(), String>>) {
    let mut steps = steps;
    steps.push(T::Silent(Duration::from_secs(30)));
    serve(steps, Knobs::default())
}

#[test]
fn the_connect_timeout_bounds_the_proxy_handshake() {
    let timeout = Duration::from_millis(400);
    let cases: Vec<(Vec<T>, ProxyAt)> = vec![
        (vec![], socks),
        (vec![cb(&[5, 1, 0]), sb(&[5, 0])], socks),
        (
            vec![
                cb(&[5, 1, 0]),
                sb(&[5, 0]),
                cb(&connect_by_name()),
                sb(&[5, 0]),
            ],
            socks,
        ),
        (vec![], http),
        (
            vec![cb(&http_connect_request(false)), sb(b"HTTP/1.1 200 OK\r\n")],
            http,
        ),
    ];
    for (steps, proxy) in cases {
        // Timing as a ratio of the timeout, with retries for a busy machine.
        let mut last = None;
        for _ in 0..3 {
            let (port, _server) = hanging_proxy(steps.clone());
            let start = Instant::now();
            let e = through(proxy(port))
                .connect_timeout(timeout)
                .connect()
                .unwrap_err();
            let took = start.elapsed();
            match &e {
                Error::Timeout {
                    operation: "proxy handshake",
                    after,
                    server,
                    hint,
                    ..
                } => {
                    assert_eq!(*after, timeout);
                    assert_eq!(server.as_deref(), Some("imap.invalid:993"));
                    assert!(hint.is_some_and(|h| h.contains("proxy")));
                }
                other => panic!("{other:?}"),
            }
            assert!(e.is_timeout() && e.is_proxy(), "{e}");
            assert!(took >= timeout.mul_f64(0.9), "{took:?}");
            last = Some(took);
            if took < timeout * 4 {
                break;
            }
        }
        let took = last.unwrap();
        assert!(
            took < timeout * 4,
            "took {took:?} for a timeout of {timeout:?}"
        );
    }
}

#[test]
fn a_cancel_ends_a_hanging_proxy_handshake_at_once() {
    let timeout = Duration::from_secs(30);
    for (steps, proxy) in [
        (vec![cb(&[5, 1, 0]), sb(&[5, 0])], socks as ProxyAt),
        (vec![cb(&http_connect_request(false))], http),
    ] {
        let (port, _server) = hanging_proxy(steps);
        let cancel = CancelHandle::new();
        let c = cancel.clone();
        let t = thread::spawn(move || {
            thread::sleep(Duration::from_millis(200));
            c.cancel();
        });
        let start = Instant::now();
        let e = through(proxy(port))
            .connect_timeout(timeout)
            .cancel_with(&cancel)
            .connect()
            .unwrap_err();
        let took = start.elapsed();
        t.join().unwrap();
        assert!(matches!(e, Error::Cancelled), "{e:?}");
        // A small fraction of the 30 s the timeout would have taken.
        assert!(took < timeout / 10, "{took:?}");
        // Still cancelled: the next connect fails before it starts.
        assert!(matches!(
            through(proxy(port)).cancel_with(&cancel).connect(),
            Err(Error::Cancelled)
        ));
    }
}

/// A SOCKS5 proxy that is also the IMAP server behind it: answers every command with OK.
/// Serves connections until the listener is dropped; counts the tunnels it opened.
fn socks_imap_server(conns: usize) -> (u16, thread::JoinHandle<Vec<Vec<u8>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let t = thread::spawn(move || {
        let mut requests = Vec::new();
        for _ in 0..conns {
            let (mut s, _) = listener.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let mut g = [0u8; 3];
            s.read_exact(&mut g).unwrap();
            s.write_all(&[5, 0]).unwrap();
            let mut req = vec![0u8; connect_by_name().len()];
            s.read_exact(&mut req).unwrap();
            requests.push(req);
            s.write_all(&connected_then_greeting()).unwrap();
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            while matches!(r.read_line(&mut line), Ok(n) if n > 0) {
                let tag = line.split(' ').next().unwrap_or("*").to_string();
                let reply = if line.contains("LOGOUT") {
                    format!("* BYE\r\n{tag} OK bye\r\n")
                } else {
                    format!("{tag} OK done\r\n")
                };
                if s.write_all(reply.as_bytes()).is_err() {
                    break;
                }
                line.clear();
            }
        }
        requests
    });
    (port, t)
}

#[test]
fn a_reconnect_goes_through_the_proxy_again() {
    let (port, server) = socks_imap_server(2);
    let mut session = through(socks(port))
        .reconnect_policy(ReconnectPolicy::new(1, Duration::ZERO, Duration::ZERO))
        .connect()
        .unwrap()
        .login("me", "pw")
        .unwrap();
    session.noop().unwrap();
    session.cancel_handle().cancel();
    assert!(session.noop().is_err());
    session.reconnect().unwrap();
    session.noop().unwrap();
    session.logout().unwrap();
    let requests = server.join().unwrap();
    assert_eq!(requests, [connect_by_name(), connect_by_name()]);
}

#[test]
fn the_builder_errors_and_logs_never_show_the_proxy_password() {
    common::capture::install();
    let b = through(Proxy::from_url("socks5h://me:pr0xy-s3cret@127.0.0.1:1").unwrap());
    let shown = format!("{b:?}");
    assert!(
        shown.contains("socks5h://me@127.0.0.1:1") && !shown.contains("s3cret"),
        "{shown}"
    );
    let steps = vec![
        cb(&[5, 2, 0, 2]),
        sb(&[5, 2]),
        cb(&[1, 2, b'm', b'e', 12]),
        cb(b"pr0xy-s3cret"),
        sb(&[1, 1]),
    ];
    let e = connect_via(steps, Knobs::default(), |port| {
        Proxy::from_url(&format!("socks5h://me:pr0xy-s3cret@127.0.0.1:{port}")).unwrap()
    })
    .unwrap_err();
    assert!(
        e.to_string().starts_with("proxy socks5h://me@127.0.0.1:"),
        "{e}"
    );
    assert!(!e.to_string().contains("s3cret"), "{e}");
    // An HTTP login that works, with every record at TRACE kept.
    let reply = [&b"HTTP/1.1 200 OK\r\n\r\n"[..], GREETING].concat();
    let steps = vec![cb(&http_connect_request(true)), sb(&reply)];
    connect_via(steps, Knobs::default(), http_auth).unwrap();
    let lines = common::capture::lines();
    assert!(
        lines.iter().any(|l| l.contains("connecting through proxy")),
        "{lines:?}"
    );
    for l in &lines {
        for secret in ["s3cret", "sesame", "QWxhZGRpbjpvcGVuIHNlc2FtZQ"] {
            assert!(!l.contains(secret), "{l}");
        }
    }
}
