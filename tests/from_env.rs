//! Connecting from the environment (`ClientBuilder::from_env`, `Env::login`) and the
//! connect-time hints of a builder made from a URL, over real sockets. The environment of
//! this process is never changed: a test that needs `IMAP_URL` and friends runs this binary
//! again as a child with them set.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::thread;
use std::time::Duration;

use blocking_imap::{ClientBuilder, Error, Security};

/// A local server that sends `bytes` to its one client, then waits for it to hang up.
fn one_shot(bytes: &'static [u8]) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        if let Ok((mut s, _)) = listener.accept() {
            let _ = s.write_all(bytes);
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let _ = s.read(&mut [0; 4096]);
        }
    });
    port
}

#[test]
fn a_plaintext_port_reached_with_imaps_says_use_imap() {
    let port = one_shot(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] plaintext\r\n");
    let e = ClientBuilder::from_url(&format!("imaps://127.0.0.1:{port}"))
        .unwrap()
        .connect()
        .unwrap_err();
    let shown = e.to_string();
    assert!(e.is_tls(), "{shown}");
    assert!(
        shown.starts_with(
            "tls error: this port speaks plaintext IMAP, not TLS: use an imap:// URL (STARTTLS), \
             usually port 143"
        ),
        "{shown}"
    );
    // The same mistake without a URL names the setting.
    let port = one_shot(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] plaintext\r\n");
    let shown = ClientBuilder::new("127.0.0.1", port)
        .connect()
        .unwrap_err()
        .to_string();
    assert!(
        shown.contains("use STARTTLS (Security::StartTls)"),
        "{shown}"
    );
}

#[test]
fn a_silent_tls_port_reached_with_imap_says_use_imaps() {
    let port = one_shot(b"");
    let shown = ClientBuilder::from_url(&format!("imap://127.0.0.1:{port}"))
        .unwrap()
        .greeting_timeout(Duration::from_millis(200))
        .connect()
        .unwrap_err()
        .to_string();
    assert_eq!(
        shown,
        format!(
            "greeting timed out after 200ms (127.0.0.1:{port}): the server sent nothing: a port \
             that speaks TLS (usually 993) waits for the client to start; use an imaps:// URL \
             (implicit TLS)"
        )
    );
    let port = one_shot(b"");
    let shown = ClientBuilder::new("127.0.0.1", port)
        .security(Security::StartTls)
        .greeting_timeout(Duration::from_millis(200))
        .connect()
        .unwrap_err()
        .to_string();
    assert!(
        shown.ends_with("use implicit TLS (Security::Tls)"),
        "{shown}"
    );
}

#[test]
fn a_tls_port_answering_imap_says_use_imaps() {
    // A TLS alert record (version 3.1), where a plaintext greeting was expected.
    let port = one_shot(b"\x15\x03\x01\x00\x02\x02\x46");
    let shown = ClientBuilder::from_url(&format!("imap://127.0.0.1:{port}"))
        .unwrap()
        .connect()
        .unwrap_err()
        .to_string();
    assert_eq!(
        shown,
        format!(
            "protocol error: 127.0.0.1:{port} answered with TLS, not a plaintext IMAP greeting: \
             this port speaks TLS; use an imaps:// URL (implicit TLS), usually port 993"
        )
    );
}

#[test]
fn port_zero_is_refused_before_connecting() {
    let e = ClientBuilder::new("127.0.0.1", 0).connect().unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e}");
    assert_eq!(
        e.to_string(),
        "invalid argument: port 0 of 127.0.0.1: give the server's port (993 for implicit TLS, \
         143 for STARTTLS)"
    );
}

/// Set in the child that [`from_env_logs_in_to_dovecot`] starts.
const CHILD: &str = "BLOCKING_IMAP_FROM_ENV_CHILD";

#[test]
fn from_env_logs_in_to_dovecot() {
    let Some(srv) = common::dovecot::server() else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("blocking-imap-from-env-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (ca, password) = (dir.join("ca.pem"), dir.join("password"));
    std::fs::write(&ca, &srv.ca).unwrap();
    std::fs::write(&password, "alice-pass\n").unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "from_env_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env(
            "IMAP_URL",
            format!("imaps://alice@{}:{}/INBOX", srv.host, srv.tls_port),
        )
        .env_remove("IMAP_PASSWORD")
        .env("IMAP_PASSWORD_FILE", &password)
        .env("IMAP_CA", &ca)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("from_env child: logged in"), "{text}");

    // The examples, given no connection flag, read the same variables.
    let url = format!("imap://alice@{}:{}", srv.host, srv.port);
    let (ca, password) = (ca.to_str().unwrap(), password.to_str().unwrap());
    let env = [
        ("IMAP_URL", url.as_str()),
        ("IMAP_PASSWORD_FILE", password),
        ("IMAP_CA", ca),
    ];
    let (out, err, ok) = common::example::run("basic", &[], &env);
    assert!(ok, "{err}");
    assert!(out.starts_with("logged in as alice over TLS"), "{out}");
    let (out, err, ok) = common::example::run("basic", &[], &[("IMAP_URL", "")]);
    assert!(!ok && out.is_empty(), "{out}");
    assert_eq!(
        err.trim(),
        "error: IMAP_URL is empty: set it to imaps://USER@HOST[:PORT][/MAILBOX] (or imap:// for \
         STARTTLS) (or give --url / --host; see --help)"
    );
    let _ = std::fs::remove_dir_all(&dir);

    // Without IMAP_CA the certificate is not trusted, and the error says how to trust it.
    let shown = ClientBuilder::from_url(&format!("imaps://alice@{}:{}", srv.host, srv.tls_port))
        .unwrap()
        .connect()
        .unwrap_err()
        .to_string();
    assert!(shown.contains("IMAP_CA=ca.pem"), "{shown}");
}

/// Runs only in the child of [`from_env_logs_in_to_dovecot`], with the variables set.
#[test]
fn from_env_child() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let env = ClientBuilder::from_env().unwrap();
    assert_eq!(
        (env.user.as_str(), env.mailbox.as_deref()),
        ("alice", Some("INBOX"))
    );
    assert!(!format!("{env:?}").contains("alice-pass"));
    let mut session = env.login().unwrap();
    // Nothing is selected by login.
    assert!(!session.mailbox().is_selected());
    session.select(env.mailbox.as_deref().unwrap()).unwrap();
    session.logout().unwrap();
    println!("from_env child: logged in");
}
