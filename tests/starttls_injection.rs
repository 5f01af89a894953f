//! STARTTLS response injection: a server (or a man in the middle) that pipelines plaintext
//! responses after its STARTTLS OK. Everything before the handshake must be discarded.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::thread;

use blocking_imap::{ClientBuilder, StatusKind, Unsolicited};
use common::dovecot::server;

fn read_line<S: Read>(r: &mut BufReader<S>) -> String {
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    line
}

#[test]
fn bytes_after_starttls_ok_are_discarded() {
    let Some(srv) = server() else { return };
    let dir = std::env::var("BLOCKING_IMAP_DOVECOT_DIR").unwrap();
    let key = std::fs::read(format!("{dir}/key.pem")).unwrap();
    let identity = native_tls::Identity::from_pkcs8(&srv.ca, &key).unwrap();
    let acceptor = native_tls::TlsAcceptor::new(identity).unwrap();

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let fake = thread::spawn(move || {
        let (mut tcp, _) = listener.accept().unwrap();
        tcp.write_all(b"* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] hi\r\n")
            .unwrap();
        let mut r = BufReader::new(tcp.try_clone().unwrap());
        assert_eq!(read_line(&mut r), "A0001 STARTTLS\r\n");
        // The injection: plaintext responses in the same packet as the OK.
        tcp.write_all(
            b"A0001 OK Begin TLS\r\n* OK [ALERT] injected\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n",
        )
        .unwrap();
        let tls = acceptor.accept(tcp).unwrap();
        let mut r = BufReader::new(tls);
        assert_eq!(read_line(&mut r), "A0002 CAPABILITY\r\n");
        r.get_mut()
            .write_all(b"* CAPABILITY IMAP4rev1 IDLE\r\nA0002 OK\r\n")
            .unwrap();
        // The credentials arrive over TLS only.
        assert_eq!(read_line(&mut r), "A0003 LOGIN user pass\r\n");
        r.get_mut().write_all(b"A0003 OK welcome\r\n").unwrap();
        assert_eq!(read_line(&mut r), "A0004 LOGOUT\r\n");
        r.get_mut().write_all(b"* BYE\r\nA0004 OK\r\n").unwrap();
    });

    let mut client = ClientBuilder::new("localhost", port)
        .starttls()
        .add_root_certificate_pem(&srv.ca)
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
    let dir = std::env::var("BLOCKING_IMAP_DOVECOT_DIR").unwrap();
    let key = std::fs::read(format!("{dir}/key.pem")).unwrap();
    let identity = native_tls::Identity::from_pkcs8(&srv.ca, &key).unwrap();
    let acceptor = native_tls::TlsAcceptor::new(identity).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let fake = thread::spawn(move || {
        let (mut tcp, _) = listener.accept().unwrap();
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
        let tls = acceptor.accept(tcp).unwrap();
        let mut r = BufReader::new(tls);
        assert_eq!(read_line(&mut r), "A0003 CAPABILITY\r\n");
        r.get_mut()
            .write_all(
                b"* OK [ALERT] A real alert over TLS\r\n* CAPABILITY IMAP4rev1\r\nA0003 OK\r\n",
            )
            .unwrap();
    });
    let mut client = ClientBuilder::new("localhost", port)
        .starttls()
        .add_root_certificate_pem(&srv.ca)
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
