//! The core engine against the project's real Dovecot (scripts/test.sh starts it).

mod common;

use std::net::TcpStream;

use blocking_imap::{ClientBuilder, Error, Plain, ResponseCode, Security};
use common::dovecot::server;

#[test]
fn plaintext_login_noop_logout() {
    let Some(srv) = server() else { return };
    let mut client = srv.plain().connect().unwrap();
    assert!(!client.is_tls());
    assert!(client.capabilities().unwrap().has("STARTTLS"));
    let mut session = client.login("alice", "alice-pass").unwrap();
    let caps = session.capabilities().unwrap();
    assert!(
        caps.has("IDLE") && caps.has("UIDPLUS") && caps.has("MOVE"),
        "{caps:?}"
    );
    session.noop().unwrap();
    assert!(!session.is_broken());
    session.logout().unwrap();
}

#[test]
fn starttls_login() {
    let Some(srv) = server() else { return };
    let mut client = srv.starttls().connect().unwrap();
    assert!(client.is_tls());
    // Capabilities were asked again over TLS: no STARTTLS offered any more.
    assert!(!client.capabilities().unwrap().has("STARTTLS"));
    let mut session = client.login("bob", "bob-pass").unwrap();
    assert!(session.is_tls());
    session.noop().unwrap();
    session.logout().unwrap();
}

#[test]
fn implicit_tls_login() {
    let Some(srv) = server() else { return };
    let client = srv.tls().connect().unwrap();
    assert!(client.is_tls());
    let mut session = client.login("alice", "alice-pass").unwrap();
    session.noop().unwrap();
    session.logout().unwrap();
}

#[test]
fn certificate_is_checked_by_default() {
    let Some(srv) = server() else { return };
    let err = ClientBuilder::new("localhost", srv.tls_port)
        .connect()
        .unwrap_err();
    assert!(matches!(err, Error::Tls(_)), "{err}");
    let err = ClientBuilder::new("localhost", srv.port)
        .starttls()
        .connect()
        .unwrap_err();
    assert!(matches!(err, Error::Tls(_)), "{err}");
    // The danger switch lets the self-signed certificate through.
    let client = ClientBuilder::new("localhost", srv.tls_port)
        .danger_accept_invalid_certs(true)
        .connect()
        .unwrap();
    client.logout().unwrap();
}

#[test]
fn host_name_is_checked_by_default() {
    let Some(srv) = server() else { return };
    let tcp = || TcpStream::connect((srv.host.as_str(), srv.tls_port)).unwrap();
    let err = ClientBuilder::new("mail.example.org", srv.tls_port)
        .add_root_certificate_pem(&srv.ca)
        .unwrap()
        .connect_stream(tcp())
        .unwrap_err();
    assert!(matches!(err, Error::Tls(_)), "{err}");
    let client = ClientBuilder::new("mail.example.org", srv.tls_port)
        .add_root_certificate_pem(&srv.ca)
        .unwrap()
        .danger_accept_invalid_hostnames(true)
        .connect_stream(tcp())
        .unwrap();
    assert!(client.is_tls());
}

#[test]
fn authenticate_plain() {
    let Some(srv) = server() else { return };
    let client = srv.tls().connect().unwrap();
    let mut session = client
        .authenticate(&mut Plain::new("bob", "bob-pass"))
        .unwrap();
    session.noop().unwrap();
    session.logout().unwrap();
}

#[test]
fn wrong_password_then_retry_on_the_same_connection() {
    let Some(srv) = server() else { return };
    let client = srv.plain().connect().unwrap();
    let failed = client.login("alice", "not-the-password").unwrap_err();
    match &failed.error {
        Error::No(t) => assert!(
            matches!(&t.code, Some(ResponseCode::AuthenticationFailed)),
            "{t}"
        ),
        other => panic!("{other:?}"),
    }
    let failed = failed
        .client
        .authenticate(&mut Plain::new("alice", "still-wrong"))
        .unwrap_err();
    assert!(matches!(failed.error, Error::No(_)), "{}", failed.error);
    let mut session = failed.client.login("alice", "alice-pass").unwrap();
    session.noop().unwrap();
}

#[test]
fn non_ascii_credentials() {
    let Some(srv) = server() else { return };
    let mut session = srv
        .plain()
        .connect()
        .unwrap()
        .login("ünï", "pässwörd")
        .unwrap();
    session.noop().unwrap();
    let mut session = srv
        .tls()
        .connect()
        .unwrap()
        .authenticate(&mut Plain::new("ünï", "pässwörd"))
        .unwrap();
    session.noop().unwrap();
}

#[test]
fn hostile_credentials_never_inject_a_command() {
    let Some(srv) = server() else { return };
    let client = srv.plain().connect().unwrap();
    // A CR or LF in the user name rather than the password: Dovecot delays logins whose
    // password holds control characters by half a second and more.
    let failed = client
        .login("alice\r\nA0002 LOGOUT\r\n", "alice-pass")
        .unwrap_err();
    assert!(matches!(failed.error, Error::No(_)), "{}", failed.error);
    let failed = failed.client.login("alice\"", "\\").unwrap_err();
    assert!(matches!(failed.error, Error::No(_)), "{}", failed.error);
    // Still the same, healthy connection.
    failed
        .client
        .login("alice", "alice-pass")
        .unwrap()
        .noop()
        .unwrap();
}

#[test]
fn plaintext_over_the_implicit_tls_port_times_out_cleanly() {
    let Some(srv) = server() else { return };
    // Dovecot waits for a TLS ClientHello and sends nothing: the shorter of the read timeout
    // and the greeting timeout fires, as a greeting timeout that says why.
    let err = ClientBuilder::new(&srv.host, srv.tls_port)
        .security(Security::Plaintext)
        .read_timeout(Some(std::time::Duration::from_millis(300)))
        .connect()
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                operation: "greeting",
                hint: Some(_),
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn ip_addresses_are_checked_against_the_certificate() {
    let Some(srv) = server() else { return };
    let tcp = || TcpStream::connect((srv.host.as_str(), srv.tls_port)).unwrap();
    // The certificate names 127.0.0.1 and ::1 (Dovecot listens on 127.0.0.1 only, so ::1 is
    // checked over that socket).
    for host in ["127.0.0.1", "[::1]"] {
        let client = ClientBuilder::new(host, srv.tls_port)
            .add_root_certificate_pem(&srv.ca)
            .unwrap()
            .connect_stream(tcp())
            .unwrap_or_else(|e| panic!("{host}: {e}"));
        assert!(client.is_tls());
    }
    let err = ClientBuilder::new("127.0.0.2", srv.tls_port)
        .add_root_certificate_pem(&srv.ca)
        .unwrap()
        .connect_stream(tcp())
        .unwrap_err();
    assert!(matches!(err, Error::Tls(_)), "{err}");
}

#[test]
fn accepting_any_host_name_still_needs_a_trusted_certificate() {
    let Some(srv) = server() else { return };
    let err = ClientBuilder::new("localhost", srv.tls_port)
        .danger_accept_invalid_hostnames(true)
        .connect()
        .unwrap_err();
    assert!(matches!(err, Error::Tls(_)), "{err}");
    // Accepting any certificate accepts any name too.
    let tcp = TcpStream::connect((srv.host.as_str(), srv.tls_port)).unwrap();
    let client = ClientBuilder::new("mail.example.org", srv.tls_port)
        .danger_accept_invalid_certs(true)
        .connect_stream(tcp)
        .unwrap();
    client.logout().unwrap();
}

#[test]
fn a_root_certificate_that_is_not_pem_fails_where_it_is_given() {
    let Some(srv) = server() else { return };
    for bad in [
        &b"not a certificate"[..],
        b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
        &srv.ca[..srv.ca.len() / 2],
    ] {
        let err = ClientBuilder::new("localhost", srv.tls_port)
            .add_root_certificate_pem(bad)
            .unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
        assert!(
            err.to_string().contains("add_root_certificate_pem"),
            "{err}"
        );
    }
}

#[test]
fn tls_handshake_failures() {
    let Some(srv) = server() else { return };
    // Implicit TLS against the plaintext port: the greeting is no TLS record.
    let err = srv
        .plain()
        .security(Security::Tls)
        .add_root_certificate_pem(&srv.ca)
        .unwrap()
        .connect()
        .unwrap_err();
    assert!(matches!(err, Error::Tls(_)), "{err}");
    assert!(
        err.to_string().contains("this port speaks plaintext IMAP"),
        "{err}"
    );
    assert!(err.is_tls());

    // A server that accepts and says nothing: the read timeout ends the handshake.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (done, wait) = std::sync::mpsc::channel::<()>();
    let silent = std::thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        let _ = wait.recv();
        drop(tcp);
    });
    let timeout = std::time::Duration::from_millis(300);
    let err = ClientBuilder::new("127.0.0.1", port)
        .add_root_certificate_pem(&srv.ca)
        .unwrap()
        .read_timeout(Some(timeout))
        .connect()
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout { operation: "tls handshake", after, .. } if after == timeout),
        "{err}"
    );
    done.send(()).unwrap();
    silent.join().unwrap();

    // A server that hangs up on the ClientHello.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let rude = std::thread::spawn(move || {
        let (mut tcp, _) = listener.accept().unwrap();
        let mut hello = [0u8; 5];
        std::io::Read::read_exact(&mut tcp, &mut hello).unwrap();
    });
    let err = ClientBuilder::new("127.0.0.1", port)
        .add_root_certificate_pem(&srv.ca)
        .unwrap()
        .connect()
        .unwrap_err();
    assert!(matches!(err, Error::Tls(_)), "{err:?}");
    rude.join().unwrap();
}
