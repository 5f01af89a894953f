//! `CancelHandle` without a real server: a cancelled session refuses the next command with
//! `Error::Cancelled`, `retrying` does not run the job again after a cancel, `reconnect`
//! goes on after one; a cancel ends a connect, a TLS handshake and a greeting wait that
//! hang; over a caller's stream, the next command.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use blocking_imap::{CancelHandle, ClientBuilder, Error, Operation, Security};

/// A server on loopback: greets, accepts LOGIN, answers NOOP and SELECT, never answers CHECK (the
/// command that hangs), says BYE to LOGOUT. Counts the connections it accepted.
fn server() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    thread::spawn(move || {
        for sock in listener.incoming() {
            let Ok(sock) = sock else { return };
            count.fetch_add(1, Ordering::SeqCst);
            thread::spawn(move || serve(sock));
        }
    });
    (port, accepted)
}

fn serve(sock: TcpStream) {
    let mut out = sock.try_clone().unwrap();
    let mut lines = BufReader::new(sock);
    let _ = out.write_all(b"* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n");
    let mut line = String::new();
    loop {
        line.clear();
        match lines.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let mut words = line.split_whitespace();
        let (Some(tag), Some(cmd)) = (words.next(), words.next()) else {
            continue;
        };
        let reply = match cmd.to_ascii_uppercase().as_str() {
            "LOGIN" => format!("{tag} OK [CAPABILITY IMAP4rev1 LITERAL+] in\r\n"),
            "NOOP" => format!("{tag} OK done\r\n"),
            "SELECT" => format!("* 0 EXISTS\r\n{tag} OK [READ-WRITE] selected\r\n"),
            "CHECK" => continue,
            "LOGOUT" => format!("* BYE bye\r\n{tag} OK out\r\n"),
            _ => format!("{tag} BAD what\r\n"),
        };
        if out.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

/// Cancels `handle` after `after` on another thread; the instant it did so comes back.
fn cancel_after(handle: CancelHandle, after: Duration) -> thread::JoinHandle<Instant> {
    thread::spawn(move || {
        thread::sleep(after);
        let at = Instant::now();
        handle.cancel();
        at
    })
}

#[test]
fn the_handle_can_go_to_any_thread() {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    shareable::<CancelHandle>();
}

fn builder(port: u16) -> ClientBuilder {
    ClientBuilder::new("127.0.0.1", port)
        .security(Security::Plaintext)
        .read_timeout(Some(Duration::from_secs(30)))
}

#[test]
fn a_cancelled_session_refuses_the_next_command_and_retrying_does_not_retry_it() {
    let (port, accepted) = server();
    let mut session = builder(port).connect().unwrap().login("u", "p").unwrap();
    session.select("INBOX").unwrap();
    let handle = session.cancel_handle();

    // A command blocked on a server that never answers returns at once.
    let canceller = cancel_after(handle.clone(), Duration::from_millis(100));
    let e = session.check().unwrap_err();
    let latency = canceller.join().unwrap().elapsed();
    println!("cancel latency, blocked read: {latency:?}");
    assert!(e.is_cancelled(), "{e}");
    assert!(
        !e.is_broken(),
        "a cancel is not a broken connection to retry"
    );
    assert!(latency < Duration::from_secs(1), "{latency:?}");
    assert!(session.is_broken());
    assert!(handle.is_cancelled());

    // Every later command says so, and nothing is sent.
    let e = session.noop().unwrap_err();
    assert!(matches!(e, Error::Cancelled), "{e}");
    assert!(e.to_string().starts_with("cancelled"), "{e}");
    let mut runs = 0;
    let e = session
        .retrying(Operation::Job, |s| {
            runs += 1;
            s.noop()
        })
        .unwrap_err();
    assert!(e.is_cancelled(), "{e}");
    assert_eq!(runs, 1, "retrying ran the job once, and did not reconnect");
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "no reconnect attempt");

    // reconnect() is the decision to go on: it resets the handle, which keeps working.
    let back = session.reconnect().unwrap();
    assert_eq!(back.attempts, 1);
    assert!(!handle.is_cancelled() && !session.is_broken());
    session.noop().unwrap();
    assert_eq!(accepted.load(Ordering::SeqCst), 2);

    // A cancel in the middle of a job under `retrying`: returned as it is, no second run.
    let canceller = cancel_after(handle.clone(), Duration::from_millis(100));
    let mut runs = 0;
    let e = session
        .retrying(Operation::Job, |s| {
            runs += 1;
            s.noop()?;
            s.check()
        })
        .unwrap_err();
    canceller.join().unwrap();
    assert!(e.is_cancelled(), "{e}");
    assert_eq!(runs, 1);
    assert_eq!(accepted.load(Ordering::SeqCst), 2, "no reconnect attempt");

    session.reconnect().unwrap();
    session.logout().unwrap();
}

#[test]
fn a_builder_handle_cancels_every_connection_and_refuses_new_ones_until_reset() {
    let (port, _) = server();
    let cancel = CancelHandle::new();
    let b = builder(port).cancel_with(&cancel);
    let mut one = b.connect().unwrap().login("u", "p").unwrap();
    let mut two = b.clone().connect().unwrap().login("u", "p").unwrap();
    one.select("INBOX").unwrap();
    two.select("INBOX").unwrap();
    // Both sessions hang in CHECK on their own threads; one cancel ends both.
    let t1 = thread::spawn(move || one.check().unwrap_err());
    let t2 = thread::spawn(move || two.check().unwrap_err());
    thread::sleep(Duration::from_millis(100));
    let start = Instant::now();
    cancel.cancel();
    let (e1, e2) = (t1.join().unwrap(), t2.join().unwrap());
    assert!(start.elapsed() < Duration::from_secs(1));
    assert!(e1.is_cancelled() && e2.is_cancelled(), "{e1} / {e2}");
    // Cancelled: no new connection, until reset.
    let e = b.connect().unwrap_err();
    assert!(e.is_cancelled(), "{e}");
    cancel.reset();
    let mut three = b.connect().unwrap().login("u", "p").unwrap();
    three.noop().unwrap();
    // The session's handle is the builder's.
    three.cancel_handle().cancel();
    assert!(cancel.is_cancelled());
    assert!(three.noop().unwrap_err().is_cancelled());
}

#[test]
fn a_cancel_ends_the_greeting_wait_and_the_tls_handshake() {
    // Accepts, then says nothing: neither a greeting nor a TLS answer.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        let mut held = Vec::new();
        for sock in listener.incoming().flatten() {
            held.push(sock);
        }
    });
    for security in [Security::Plaintext, Security::Tls] {
        let cancel = CancelHandle::new();
        let b = ClientBuilder::new("127.0.0.1", port)
            .security(security)
            .greeting_timeout(Duration::from_secs(30))
            .read_timeout(Some(Duration::from_secs(30)))
            .cancel_with(&cancel);
        let canceller = cancel_after(cancel, Duration::from_millis(200));
        let e = b.connect().unwrap_err();
        let latency = canceller.join().unwrap().elapsed();
        println!("cancel latency, silent server ({security:?}): {latency:?}");
        assert!(e.is_cancelled(), "{security:?}: {e}");
        assert!(latency < Duration::from_secs(1), "{latency:?}");
    }
}

#[test]
fn a_cancel_ends_a_connect_that_hangs() {
    let Some((_listener, _fill, addr)) = common::hang::hanging_listener() else {
        eprintln!("skipped: no way to make a connect hang here");
        return;
    };
    let cancel = CancelHandle::new();
    let b = ClientBuilder::new("127.0.0.1", addr.port())
        .security(Security::Plaintext)
        .connect_timeout(Duration::from_secs(30))
        .cancel_with(&cancel);
    let canceller = cancel_after(cancel, Duration::from_millis(200));
    let e = b.connect().unwrap_err();
    let latency = canceller.join().unwrap().elapsed();
    println!("cancel latency, hanging TCP connect: {latency:?}");
    assert!(e.is_cancelled(), "{e}");
    assert!(latency < Duration::from_secs(1), "{latency:?}");
}

#[test]
fn over_a_callers_stream_the_cancel_ends_the_next_command() {
    let (script, mut session) = common::logged_in("IMAP4rev1", vec![]);
    let before = script.written().len();
    session.cancel_handle().cancel();
    let e = session.noop().unwrap_err();
    assert!(e.is_cancelled(), "{e}");
    assert_eq!(
        script.written().len(),
        before,
        "nothing sent after the cancel"
    );
    assert!(session.is_broken());
    // Over a caller's stream there is no reconnect.
    let e = session
        .retrying(Operation::Noop, blocking_imap::Session::noop)
        .unwrap_err();
    assert!(e.is_cancelled(), "{e}");
}
