//! Limits around connecting (issue 11): the connect timeout bounds name resolution and all
//! addresses together; the nesting limit is clamped, and deep responses cost no stack;
//! STARTTLS discards everything learnt in plaintext, the greeting included.

mod common;

use std::io::{self, BufReader, Write};
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::thread;
use std::time::{Duration, Instant};

use blocking_imap::{ClientBuilder, Error, Mailbox, ResponseCode, Security};
use common::tls::{self, read_line, send};
use common::{c, s, Script};

fn plain(host: &str, port: u16) -> ClientBuilder {
    ClientBuilder::new(host, port).security(Security::Plaintext)
}

#[test]
fn a_refused_ip_literal_fails_fast_with_the_refusal() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let start = Instant::now();
    let err = plain("127.0.0.1", port)
        .connect_timeout(Duration::from_secs(20))
        .connect()
        .unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    match &err {
        Error::Connect { server, source } => {
            assert_eq!(source.kind(), io::ErrorKind::ConnectionRefused, "{source}");
            assert_eq!(*server, format!("127.0.0.1:{port}"));
        }
        e => panic!("{e:?}"),
    }
    assert!(err.is_connect());
}

#[test]
fn the_connect_timeout_bounds_a_connect_that_hangs() {
    let Some((_listener, _fill, hang)) = common::hang::hanging_listener() else {
        eprintln!("skipped: no way to make a connect hang here");
        return;
    };
    let timeout = Duration::from_millis(500);
    let start = Instant::now();
    let err = plain(&hang.ip().to_string(), hang.port())
        .connect_timeout(timeout)
        .connect()
        .unwrap_err();
    let took = start.elapsed();
    assert!(
        matches!(err, Error::Timeout { operation: "connect", after, .. } if after == timeout),
        "{err:?}"
    );
    assert!(took >= Duration::from_millis(450), "{took:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
}

/// "localhost" may resolve to ::1 and 127.0.0.1 (where /etc/hosts lists both); the server
/// listens on 127.0.0.1 only, so an address that refuses comes before the one that answers.
#[test]
fn a_host_name_connects_to_whichever_address_answers() {
    let (port, server) = common::tcp::serve(
        vec![
            common::tcp::s("* OK [CAPABILITY IMAP4rev1] hi\r\n"),
            common::tcp::c("A0001 LOGOUT\r\n"),
            common::tcp::s("* BYE\r\nA0001 OK\r\n"),
        ],
        common::tcp::Knobs::default(),
    );
    let addrs: Vec<SocketAddr> = ("localhost", port).to_socket_addrs().unwrap().collect();
    eprintln!("localhost resolves to {addrs:?}");
    let client = plain("localhost", port)
        .connect_timeout(Duration::from_secs(10))
        .connect()
        .unwrap();
    assert_eq!(client.greeting().text, "hi");
    client.logout().unwrap();
    server.join().unwrap().unwrap();
}

#[test]
fn an_unresolvable_name_is_an_error_within_the_timeout() {
    let start = Instant::now();
    let err = plain("nonexistent.invalid", 143)
        .connect_timeout(Duration::from_secs(3))
        .connect()
        .unwrap_err();
    assert!(
        matches!(err, Error::Connect { .. } | Error::Timeout { .. }),
        "{err:?}"
    );
    assert!(err.is_connect(), "{err:?}");
    assert!(err.to_string().contains("nonexistent.invalid:143"), "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

/// Runs `f` on a thread with a 256 KiB stack.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

fn nested(depth: usize) -> String {
    format!("{}x{}", "(".repeat(depth), ")".repeat(depth))
}

/// `max_nesting_depth(u32::MAX)` is clamped to 256: a 100,000-deep response is skipped as
/// unparsable, and one just under the limit is parsed without recursion (its extension data
/// is skipped iteratively), all on a small stack.
#[test]
fn deep_responses_are_bounded_whatever_the_nesting_setting() {
    on_small_stack(|| {
        let deep = format!("* ESEARCH (TAG \"Z\" X {}) COUNT 1\r\n", nested(100_000));
        let shallow = format!("* ESEARCH (TAG \"Y\" X {}) COUNT 2\r\n", nested(250));
        let script = Script::new(vec![
            s("* OK [CAPABILITY IMAP4rev1] hi\r\n"),
            c("A0001 NOOP\r\n"),
            s(&deep),
            s(&shallow),
            s("A0001 OK\r\n"),
        ]);
        let mut client = plain("localhost", 143)
            .max_nesting_depth(u32::MAX)
            .connect_stream(script.clone())
            .unwrap();
        client.noop().unwrap();
        let got: Vec<_> = client.unsolicited().collect();
        assert_eq!(got.len(), 2, "{got:?}");
        match &got[0] {
            blocking_imap::Unsolicited::Other { reason, .. } => {
                assert!(reason.contains("deeper than 256"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        match &got[1] {
            blocking_imap::Unsolicited::ESearch { tag, result } => {
                assert_eq!(tag.as_deref(), Some("Y"));
                assert_eq!(result.count, Some(2));
            }
            other => panic!("{other:?}"),
        }
        script.assert_done();
    });
}

#[test]
fn a_zero_nesting_setting_still_parses_flat_responses() {
    let script = Script::new(vec![
        s("* OK [CAPABILITY IMAP4rev1] hi\r\n"),
        c("A0001 NOOP\r\n"),
        s("* ESEARCH (TAG \"Y\") COUNT 2\r\nA0001 OK\r\n"),
    ]);
    let mut client = plain("localhost", 143)
        .max_nesting_depth(0)
        .connect_stream(script.clone())
        .unwrap();
    client.noop().unwrap();
    let got: Vec<_> = client.unsolicited().collect();
    assert!(
        matches!(&got[..], [blocking_imap::Unsolicited::ESearch { .. }]),
        "{got:?}"
    );
    script.assert_done();
}

// STARTTLS, against the fake TLS server of tests/common/tls.rs (as in
// tests/starttls_injection.rs).

#[test]
fn starttls_discards_the_greeting_the_state_and_the_queue() {
    let Some(srv) = common::dovecot::server() else {
        return;
    };
    let (port, fake) = tls::serve(|mut tcp, accept| {
        tcp.write_all(b"* OK [ALERT] plaintext greeting\r\n")
            .unwrap();
        let mut r = BufReader::new(tcp.try_clone().unwrap());
        assert_eq!(read_line(&mut r), "A0001 CAPABILITY\r\n");
        tcp.write_all(
            b"* 5 EXISTS\r\n* OK [UIDVALIDITY 42] plaintext\r\n\
              * CAPABILITY IMAP4rev1 STARTTLS\r\nA0001 OK\r\n",
        )
        .unwrap();
        assert_eq!(read_line(&mut r), "A0002 STARTTLS\r\n");
        tcp.write_all(b"* 7 RECENT\r\nA0002 OK [ALERT] begin tls\r\n")
            .unwrap();
        let tls = accept(tcp);
        let mut r = BufReader::new(tls);
        assert_eq!(read_line(&mut r), "A0003 CAPABILITY\r\n");
        send(&mut r, b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nA0003 OK\r\n");
        assert_eq!(read_line(&mut r), "A0004 LOGIN user pass\r\n");
        send(&mut r, b"A0004 OK welcome\r\n");
        assert_eq!(read_line(&mut r), "A0005 LOGOUT\r\n");
        send(&mut r, b"* BYE\r\nA0005 OK\r\n");
    });

    let mut client = ClientBuilder::new("localhost", port)
        .security(Security::Plaintext)
        .add_root_certificate_pem(&srv.ca)
        .unwrap()
        .connect()
        .unwrap();
    assert_eq!(client.greeting().code, Some(ResponseCode::Alert));
    assert!(client.capabilities().unwrap().has("STARTTLS"));

    let mut client = client.starttls().unwrap();
    assert!(client.is_tls());
    assert_eq!(client.greeting().code, None);
    assert_eq!(client.greeting().text, "");
    assert_eq!(client.unsolicited().count(), 0);
    let caps = client.capabilities().unwrap();
    assert!(!caps.has("STARTTLS") && caps.has("AUTH=PLAIN"), "{caps:?}");

    let mut session = client.login("user", "pass").unwrap();
    assert_eq!(session.mailbox(), &Mailbox::default());
    assert_eq!(session.unsolicited_len(), 0);
    assert_eq!(session.unsolicited().count(), 0);
    session.logout().unwrap();
    fake.join().unwrap();
}
