//! The common mistakes at a terminal, against the real Dovecot on both of its ports: each
//! fails fast and the message says what went wrong, naming the server, in plain words.
//! Run under both TLS backends by scripts/test.sh.

mod common;

use std::net::TcpStream;
use std::time::{Duration, Instant};

use blocking_imap::{ClientBuilder, Error, Security};
use common::dovecot::server;

/// Fast means well under the 60 s read timeout of the past (loose: slow CI machines).
const FAST: Duration = Duration::from_secs(8);

#[test]
fn plaintext_and_starttls_to_the_implicit_tls_port() {
    let Some(srv) = server() else { return };
    for security in [Security::Plaintext, Security::StartTls] {
        let start = Instant::now();
        let err = ClientBuilder::new("localhost", srv.tls_port)
            .security(security)
            .greeting_timeout(Duration::from_secs(1))
            .connect()
            .unwrap_err();
        let took = start.elapsed();
        let shown = err.to_string();
        assert!(
            matches!(
                &err,
                Error::Timeout {
                    operation: "greeting",
                    after,
                    server: Some(at),
                    hint: Some(_),
                    ..
                } if *after == Duration::from_secs(1) && *at == format!("localhost:{}", srv.tls_port)
            ),
            "{security:?}: {err:?}"
        );
        assert!(shown.contains("use implicit TLS"), "{shown}");
        assert!(
            shown.contains(&format!("localhost:{}", srv.tls_port)),
            "{shown}"
        );
        assert!(err.is_timeout() && !err.is_connect());
        assert!(took < FAST, "{security:?} took {took:?}");
    }
}

#[test]
fn the_default_greeting_deadline_is_ten_seconds_not_sixty() {
    let Some(srv) = server() else { return };
    let start = Instant::now();
    let err = ClientBuilder::new("localhost", srv.tls_port)
        .security(Security::Plaintext)
        .connect()
        .unwrap_err();
    let took = start.elapsed();
    assert!(
        matches!(
            err,
            Error::Timeout {
                operation: "greeting",
                ..
            }
        ),
        "{err}"
    );
    assert!(took >= Duration::from_secs(9), "{took:?}");
    assert!(took < Duration::from_secs(30), "{took:?}");
}

#[test]
fn implicit_tls_to_the_plaintext_port() {
    let Some(srv) = server() else { return };
    let start = Instant::now();
    let err = ClientBuilder::new("localhost", srv.port)
        .add_root_certificate_pem(&srv.ca)
        .unwrap()
        .connect()
        .unwrap_err();
    let shown = err.to_string();
    assert!(matches!(err, Error::Tls(_)), "{err:?}");
    assert!(
        shown.starts_with("tls error: this port speaks plaintext IMAP, not TLS: use STARTTLS"),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("localhost:{}", srv.port)),
        "{shown}"
    );
    assert!(err.is_tls());
    assert!(start.elapsed() < FAST);
}

#[test]
fn certificate_problems_lead_with_the_reason() {
    let Some(srv) = server() else { return };
    // No root added: the test CA is unknown to the system's store.
    let err = ClientBuilder::new("localhost", srv.tls_port)
        .security(Security::Tls)
        .connect()
        .unwrap_err();
    let shown = err.to_string();
    assert!(
        shown.starts_with("tls error: the server's certificate is not signed by an authority"),
        "{shown}"
    );
    assert!(shown.contains("unknown issuer"), "{shown}");
    // The certificate does not name this host.
    let tcp = TcpStream::connect(("127.0.0.1", srv.tls_port)).unwrap();
    let err = ClientBuilder::new("mail.example.org", srv.tls_port)
        .add_root_certificate_pem(&srv.ca)
        .unwrap()
        .connect_stream(tcp)
        .unwrap_err();
    let shown = err.to_string();
    assert!(
        shown.starts_with("tls error: the server's certificate is for another host name"),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("mail.example.org:{}", srv.tls_port)),
        "{shown}"
    );
}

#[test]
fn refused_and_unknown_hosts_name_the_server() {
    let Some(_srv) = server() else { return };
    // A port nothing listens on.
    let unused = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = unused.local_addr().unwrap().port();
    drop(unused);
    let err = ClientBuilder::new("127.0.0.1", port)
        .security(Security::Plaintext)
        .connect()
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert!(
        matches!(&err, Error::Connect { server, .. } if *server == format!("127.0.0.1:{port}"))
    );
    let shown = err.to_string();
    assert!(
        shown.starts_with(&format!("cannot connect to 127.0.0.1:{port}: ")),
        "{shown}"
    );
    // Debug is the same readable message: what `fn main() -> Result<(), Error>` prints.
    assert_eq!(format!("{err:?}"), shown);

    let err = ClientBuilder::new("no-such-host.invalid", 993)
        .connect_timeout(Duration::from_secs(5))
        .connect()
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert!(
        err.to_string().contains("no-such-host.invalid:993"),
        "{err}"
    );
}

#[test]
fn no_and_bad_name_the_command_never_its_arguments() {
    let Some(srv) = server() else { return };
    let mut s = srv.login("alice", "alice-pass");
    let err = s.select("no-such-mailbox-\u{e9}").unwrap_err();
    let shown = err.to_string();
    assert!(shown.starts_with("server said no to SELECT: "), "{shown}");
    // What follows is the server's own text (Dovecot repeats the name there).
    assert!(err.is_no() && !err.is_broken());
    let Error::No(text) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(text.command(), Some("SELECT"));

    // A wrong password: named, and the password nowhere in the message.
    let err = srv
        .plain()
        .connect()
        .unwrap()
        .login("alice", "wrong-secret-pw")
        .unwrap_err()
        .error;
    let shown = err.to_string();
    assert!(shown.starts_with("server said no to LOGIN: "), "{shown}");
    assert!(!shown.contains("wrong-secret-pw"));
    assert!(err.is_auth_failed(), "{err:?}");

    // Creating what exists, and copying into what does not.
    s.create("diag-exists").ok();
    let err = s.create("diag-exists").unwrap_err();
    assert!(err.is_already_exists(), "{err:?}");
    s.select("diag-exists").unwrap();
    s.append("diag-exists", b"Subject: x\r\n\r\nx\r\n").unwrap();
    let err = s.copy(1, "diag-missing").unwrap_err();
    assert!(err.is_try_create(), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("server said no to COPY: [TRYCREATE]"),
        "{err}"
    );
    s.logout().unwrap();
}

/// The examples take one `--url` (or `IMAP_URL`) as database tools take `DATABASE_URL`; their
/// old flags keep working.
#[test]
fn examples_take_a_url() {
    let Some(srv) = server() else { return };
    let ca = std::env::var("BLOCKING_IMAP_CA").expect("the test CA");
    let run = |args: &[&str], url_env: Option<&str>| {
        let mut all = args.to_vec();
        all.extend(["--ca", ca.as_str(), "--password-env", "DIAG_PW"]);
        // An empty IMAP_URL counts as none.
        let env = [
            ("DIAG_PW", "alice-pass"),
            ("IMAP_URL", url_env.unwrap_or("")),
        ];
        common::example::run("basic", &all, &env)
    };
    let starttls = format!("imap://alice@localhost:{}", srv.port);
    let implicit = format!("imaps://alice@localhost:{}", srv.tls_port);
    for (args, env) in [
        (vec!["--url", starttls.as_str()], None),
        (vec!["--url", implicit.as_str()], None),
        (vec![], Some(implicit.as_str())),
    ] {
        let (out, err, ok) = run(&args, env);
        assert!(ok, "{args:?} {env:?}: {err}");
        assert!(out.starts_with("logged in as alice over TLS"), "{out}");
    }
    // The old flags, unchanged.
    let port = srv.port.to_string();
    let args = [
        "--host",
        "localhost",
        "--port",
        &port,
        "--tls",
        "starttls",
        "--user",
        "alice",
    ];
    let (out, err, ok) = run(&args, None);
    assert!(ok, "{err}");
    assert!(out.starts_with("logged in as alice over TLS"), "{out}");
    // A mistake is one line naming what went wrong.
    let (out, err, ok) = run(
        &["--url", &format!("imaps://alice@localhost:{}", srv.port)],
        None,
    );
    assert!(!ok && out.is_empty());
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("this port speaks plaintext IMAP"), "{err}");
}
