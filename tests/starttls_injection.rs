//! STARTTLS response injection: a server (or a man in the middle) that pipelines plaintext
//! responses after its STARTTLS OK. Everything before the handshake must be discarded.
//!
//! The fake server speaks TLS with the library the crate was built with (rustls when that
//! feature is on, else native-tls), with the certificate Dovecot serves.

mod common;

use std::io::{BufReader, Write};

use blocking_imap::{ClientBuilder, StatusKind, Unsolicited};
use common::dovecot::server;
use common::tls::{self, read_line, send};

#[test]
fn bytes_after_starttls_ok_are_discarded() {
    let Some(srv) = server() else { return };
    let (port, fake) = tls::serve(|mut tcp, accept| {
        tcp.write_all(b"* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] hi\r\n")
            .unwrap();
        let mut r = BufReader::new(tcp.try_clone().unwrap());
        assert_eq!(read_line(&mut r), "A0001 STARTTLS\r\n");
        // The injection: plaintext responses in the same packet as the OK.
        tcp.write_all(
            b"A0001 OK Begin TLS\r\n* OK [ALERT] injected\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n",
        )
        .unwrap();
        let tls = accept(tcp);
        let mut r = BufReader::new(tls);
        assert_eq!(read_line(&mut r), "A0002 CAPABILITY\r\n");
        send(&mut r, b"* CAPABILITY IMAP4rev1 IDLE\r\nA0002 OK\r\n");
        // The credentials arrive over TLS only.
        assert_eq!(read_line(&mut r), "A0003 LOGIN user pass\r\n");
        send(&mut r, b"A0003 OK welcome\r\n");
        assert_eq!(read_line(&mut r), "A0004 LOGOUT\r\n");
        send(&mut r, b"* BYE\r\nA0004 OK\r\n");
    });

    let mut client = ClientBuilder::new("localhost", port)
        .starttls()
        .add_root_certificate_pem(&srv.ca)
        .unwrap()
        .connect()
        .unwrap();
    assert!(client.is_tls());
    let caps = client.capabilities().unwrap();
    assert!(caps.has("IDLE") && !caps.has("LOGINDISABLED"), "{caps:?}");
    let injected: Vec<_> = client
        .unsolicited()
        .filter(|u| {
            matches!(u, Unsolicited::Status { kind: StatusKind::Ok, text } if text.text == "injected")
        })
        .collect();
    assert!(injected.is_empty(), "{injected:?}");
    let session = client.login("user", "pass").unwrap();
    session.logout().unwrap();
    fake.join().unwrap();
}

#[test]
fn alerts_received_before_tls_are_not_trusted() {
    let Some(srv) = server() else { return };
    let (port, fake) = tls::serve(|mut tcp, accept| {
        tcp.write_all(
            b"* OK [ALERT] Your account is locked, enter your password at evil.example\r\n",
        )
        .unwrap();
        let mut r = BufReader::new(tcp.try_clone().unwrap());
        assert_eq!(read_line(&mut r), "A0001 CAPABILITY\r\n");
        tcp.write_all(b"* CAPABILITY IMAP4rev1 STARTTLS\r\nA0001 OK\r\n")
            .unwrap();
        assert_eq!(read_line(&mut r), "A0002 STARTTLS\r\n");
        tcp.write_all(b"* OK [ALERT] Second plaintext alert\r\nA0002 OK Begin TLS\r\n")
            .unwrap();
        let tls = accept(tcp);
        let mut r = BufReader::new(tls);
        assert_eq!(read_line(&mut r), "A0003 CAPABILITY\r\n");
        send(
            &mut r,
            b"* OK [ALERT] A real alert over TLS\r\n* CAPABILITY IMAP4rev1\r\nA0003 OK\r\n",
        );
    });
    let mut client = ClientBuilder::new("localhost", port)
        .starttls()
        .add_root_certificate_pem(&srv.ca)
        .unwrap()
        .connect()
        .unwrap();
    let alerts: Vec<String> = client
        .unsolicited()
        .filter_map(|u| match u {
            Unsolicited::Status { text, .. } => Some(text.text),
            _ => None,
        })
        .collect();
    assert_eq!(alerts, ["A real alert over TLS"]);
    drop(client);
    fake.join().unwrap();
}

/// A TLS server that hangs up without close_notify: the connection closed, on either TLS
/// backend (rustls reports it as an unexpected EOF, native-tls as the end of the stream).
#[test]
fn a_tls_close_without_close_notify_is_a_closed_connection() {
    let Some(srv) = server() else { return };
    let (port, fake) = tls::serve(|tcp, accept| {
        let mut r = BufReader::new(accept(tcp.try_clone().unwrap()));
        send(&mut r, b"* OK [CAPABILITY IMAP4rev1] hi\r\n");
        assert_eq!(read_line(&mut r), "A0001 NOOP\r\n");
        tcp.shutdown(std::net::Shutdown::Both).unwrap();
    });
    let mut client = ClientBuilder::new("localhost", port)
        .add_root_certificate_pem(&srv.ca)
        .unwrap()
        .connect()
        .unwrap();
    let err = client.noop().unwrap_err();
    assert!(
        matches!(err, blocking_imap::Error::ConnectionClosed),
        "{err:?}"
    );
    fake.join().unwrap();
}
