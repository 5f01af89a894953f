//! Proxies (issue 23) against real ones and the project's Dovecot: microsocks (SOCKS5, with
//! and without a user name and password) and tinyproxy (HTTP CONNECT, with and without
//! Basic authentication), started by scripts/test.sh through scripts/proxies.sh. Plaintext,
//! STARTTLS and implicit TLS through each; the certificate checked against the IMAP
//! server's name, not the proxy's; the name resolved by the proxy; wrong and missing
//! credentials, refusals and a reconnect through the proxy. The handshakes' corner cases
//! (every reply code, broken replies, timeouts) are in tests/proxy.rs.

mod common;

use std::net::TcpListener;
use std::time::Duration;

use blocking_imap::{ClientBuilder, Error, Proxy, ReconnectPolicy, Security};
use common::dovecot::{server, Server};

/// The proxies of scripts/proxies.sh, as `host:port`, and the login of those that want one.
struct Proxies {
    socks: String,
    socks_auth: String,
    http: String,
    http_auth: String,
    user: String,
    password: String,
}

/// Dovecot and the proxies; `None` when the caller asked to skip server tests. Panics when
/// Dovecot runs but the proxies were not started: a missing proxy is a failure, not a skip.
fn setup() -> Option<(Server, Proxies)> {
    let server = server()?;
    if std::env::var_os("BLOCKING_IMAP_PROXIES").is_none() {
        panic!(
            "this test needs the proxies of scripts/proxies.sh (microsocks and tinyproxy): run \
             scripts/test.sh, which starts them, or eval \"$(scripts/proxies.sh env)\" after \
             scripts/proxies.sh start"
        );
    }
    let var = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} not set"));
    Some((
        server,
        Proxies {
            socks: var("BLOCKING_IMAP_SOCKS5"),
            socks_auth: var("BLOCKING_IMAP_SOCKS5_AUTH"),
            http: var("BLOCKING_IMAP_HTTP_PROXY"),
            http_auth: var("BLOCKING_IMAP_HTTP_PROXY_AUTH"),
            user: var("BLOCKING_IMAP_PROXY_USER"),
            password: var("BLOCKING_IMAP_PROXY_PASSWORD"),
        },
    ))
}

impl Proxies {
    /// Every proxy, with its login where it needs one, as URLs: `socks5h://` (the proxy
    /// resolves the name), `socks5://` (resolved here) and `http://`.
    fn all(&self) -> Vec<Proxy> {
        let (u, p) = (&self.user, &self.password);
        [
            format!("socks5h://{}", self.socks),
            format!("socks5://{}", self.socks),
            format!("socks5h://{u}:{p}@{}", self.socks_auth),
            format!("socks5://{u}:{p}@{}", self.socks_auth),
            format!("http://{}", self.http),
            format!("http://{u}:{p}@{}", self.http_auth),
        ]
        .iter()
        .map(|url| Proxy::from_url(url).unwrap())
        .collect()
    }

    fn url(&self, scheme: &str, server: &str, password: Option<&str>) -> Proxy {
        let login = match password {
            Some(p) => format!("{}:{p}@", self.user),
            None => String::new(),
        };
        Proxy::from_url(&format!("{scheme}://{login}{server}")).unwrap()
    }
}

fn timeouts(b: ClientBuilder) -> ClientBuilder {
    b.connect_timeout(Duration::from_secs(20))
        .read_timeout(Some(Duration::from_secs(20)))
}

#[test]
fn plaintext_starttls_and_implicit_tls_through_every_proxy() {
    let Some((server, proxies)) = setup() else {
        return;
    };
    for proxy in proxies.all() {
        let shown = proxy.to_string();
        // Plaintext, to the IP address.
        let mut s = timeouts(server.plain().proxy(proxy.clone()))
            .connect()
            .unwrap_or_else(|e| panic!("{shown}: {e}"))
            .login("alice", "alice-pass")
            .unwrap_or_else(|e| panic!("{shown}: {e}"));
        s.select("INBOX").unwrap();
        s.logout().unwrap();
        // STARTTLS and implicit TLS to "localhost", the certificate checked against it.
        for builder in [server.starttls(), server.tls()] {
            let client = timeouts(builder.proxy(proxy.clone()))
                .connect()
                .unwrap_or_else(|e| panic!("{shown}: {e}"));
            assert!(client.is_tls(), "{shown}");
            let mut s = client
                .login("bob", "bob-pass")
                .unwrap_or_else(|e| panic!("{shown}: {e}"));
            s.noop().unwrap();
            s.logout().unwrap();
        }
    }
}

/// The certificate names localhost, 127.0.0.1 and ::1, not "127.1" (which resolvers read
/// as 127.0.0.1; rustls refuses it as a name altogether). A proxy named "127.1" in front of
/// the server "localhost" works: the check is made against the IMAP server's name. The
/// server named "127.1" behind a proxy at 127.0.0.1 fails: the same.
#[test]
fn tls_checks_the_imap_servers_name_not_the_proxys() {
    let Some((server, proxies)) = setup() else {
        return;
    };
    let renamed = |hostport: &str| hostport.replace("127.0.0.1:", "127.1:");
    for proxy in [
        proxies.url("socks5h", &renamed(&proxies.socks), None),
        proxies.url("http", &renamed(&proxies.http), None),
    ] {
        assert!(proxy.server().starts_with("127.1:"), "{proxy}");
        for builder in [server.tls(), server.starttls()] {
            let client = timeouts(builder.proxy(proxy.clone()))
                .connect()
                .unwrap_or_else(|e| panic!("{proxy}: {e}"));
            assert!(client.is_tls());
            client.logout().unwrap();
        }
    }
    for proxy in [
        proxies.url("socks5h", &proxies.socks, None),
        proxies.url("http", &proxies.http, None),
    ] {
        assert!(proxy.server().starts_with("127.0.0.1:"), "{proxy}");
        let e = timeouts(
            ClientBuilder::new("127.1", server.tls_port)
                .add_root_certificate_pem(&server.ca)
                .unwrap()
                .proxy(proxy.clone()),
        )
        .connect()
        .unwrap_err();
        assert!(e.is_tls(), "{proxy}: {e:?}");
        assert!(e.to_string().contains("127.1"), "{e}");
    }
}

#[test]
fn the_proxy_resolves_a_name_that_only_it_is_asked_about() {
    let Some((server, proxies)) = setup() else {
        return;
    };
    // "localhost" goes to the proxy as a name (SOCKS5 address type 3, the CONNECT line):
    // shown in tinyproxy's log.
    for proxy in [
        proxies.url("socks5h", &proxies.socks, None),
        proxies.url("http", &proxies.http, None),
    ] {
        let client = timeouts(
            ClientBuilder::new("localhost", server.port)
                .security(Security::Plaintext)
                .proxy(proxy.clone()),
        )
        .connect()
        .unwrap_or_else(|e| panic!("{proxy}: {e}"));
        client.logout().unwrap();
    }
    let log = std::env::var("BLOCKING_IMAP_PROXY_DIR").unwrap() + "/http.log";
    let log = std::fs::read_to_string(&log).unwrap_or_else(|e| panic!("{log}: {e}"));
    assert!(
        log.contains(&format!("CONNECT localhost:{} HTTP/1.1", server.port)),
        "{log}"
    );
    // A name that does not resolve: the proxy says so, each in its own words.
    let e = timeouts(
        ClientBuilder::new("nonexistent.invalid", server.port)
            .security(Security::Plaintext)
            .proxy(proxies.url("socks5h", &proxies.socks, None)),
    )
    .connect()
    .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Proxy {
                code: Some(1 | 4),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("nonexistent.invalid"), "{e}");
    let e = timeouts(
        ClientBuilder::new("nonexistent.invalid", server.port)
            .security(Security::Plaintext)
            .proxy(proxies.url("http", &proxies.http, None)),
    )
    .connect()
    .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Proxy {
                code: Some(500..=504),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("could not reach the server"), "{e}");
}

#[test]
fn wrong_and_missing_proxy_credentials_are_refused_clearly() {
    let Some((server, proxies)) = setup() else {
        return;
    };
    let cases = [
        (
            proxies.url("socks5h", &proxies.socks_auth, Some("wrong-pass")),
            "refused the user name and password",
        ),
        (
            proxies.url("socks5h", &proxies.socks_auth, None),
            "wants a user name and password",
        ),
        (
            proxies.url("http", &proxies.http_auth, Some("wrong-pass")),
            "the proxy refused the user name and password",
        ),
        (
            proxies.url("http", &proxies.http_auth, None),
            "the proxy wants a user name and password",
        ),
    ];
    for (proxy, want) in cases {
        let e = timeouts(server.tls().proxy(proxy.clone()))
            .connect()
            .unwrap_err();
        match &e {
            Error::Proxy {
                credentials_refused,
                ..
            } => assert!(*credentials_refused, "{e}"),
            other => panic!("{proxy}: {other:?}"),
        }
        let shown = e.to_string();
        assert!(shown.contains(want), "{want:?} not in {shown}");
        assert!(!shown.contains("wrong-pass"), "{shown}");
        assert!(shown.starts_with(&format!("proxy {proxy}: ")), "{shown}");
    }
}

#[test]
fn refusals_of_real_proxies() {
    let Some((server, proxies)) = setup() else {
        return;
    };
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // microsocks: the destination refuses (reply 5).
    let e = timeouts(
        ClientBuilder::new("127.0.0.1", closed)
            .security(Security::Plaintext)
            .proxy(proxies.url("socks5h", &proxies.socks, None)),
    )
    .connect()
    .unwrap_err();
    assert!(matches!(e, Error::Proxy { code: Some(5), .. }), "{e:?}");
    assert!(
        e.to_string().contains(&format!(
            "refused to connect to 127.0.0.1:{closed}: connection refused by the destination \
             (SOCKS5 reply 5)"
        )),
        "{e}"
    );
    // tinyproxy: CONNECT to a port it does not allow (403, before it connects anywhere).
    let e = timeouts(
        ClientBuilder::new("127.0.0.1", closed)
            .security(Security::Plaintext)
            .proxy(proxies.url("http", &proxies.http, None)),
    )
    .connect()
    .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Proxy {
                code: Some(403),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("403"), "{e}");
    assert!(
        e.to_string()
            .contains(&format!("port {closed} must be allowed")),
        "{e}"
    );
    // The wrong kind of proxy: SOCKS5 spoken to tinyproxy (it waits for a request line and
    // then answers 400, or closes), HTTP to microsocks.
    let e = timeouts(
        server
            .plain()
            .proxy(proxies.url("socks5h", &proxies.http, None)),
    )
    .connect_timeout(Duration::from_secs(3))
    .connect()
    .unwrap_err();
    assert!(e.is_proxy(), "{e:?}");
    let e = timeouts(
        server
            .plain()
            .proxy(proxies.url("http", &proxies.socks, None)),
    )
    .connect_timeout(Duration::from_secs(3))
    .connect()
    .unwrap_err();
    assert!(e.is_proxy(), "{e:?}");
    // The IMAP server's address given as the proxy's.
    let dovecot = format!("127.0.0.1:{}", server.port);
    let e = timeouts(server.plain().proxy(proxies.url("socks5h", &dovecot, None)))
        .connect()
        .unwrap_err();
    assert!(e.to_string().contains("IMAP greeting"), "{e}");
}

#[test]
fn a_session_through_a_proxy_reconnects_through_it() {
    let Some((server, proxies)) = setup() else {
        return;
    };
    for proxy in [
        proxies.url("socks5h", &proxies.socks_auth, Some(&proxies.password)),
        proxies.url("http", &proxies.http_auth, Some(&proxies.password)),
    ] {
        let mut s = timeouts(server.tls().proxy(proxy.clone()))
            .reconnect_policy(ReconnectPolicy::new(2, Duration::ZERO, Duration::ZERO))
            .connect()
            .unwrap()
            .login("alice", "alice-pass")
            .unwrap();
        s.select("INBOX").unwrap();
        s.cancel_handle().cancel();
        assert!(s.noop().is_err());
        let r = s.reconnect().unwrap_or_else(|e| panic!("{proxy}: {e}"));
        assert!(r.resumed.is_some(), "{proxy}");
        s.noop().unwrap();
        s.logout().unwrap();
    }
}
