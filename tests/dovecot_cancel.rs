//! `CancelHandle` and `parallel` against the project's Dovecot: a cancel ends a long FETCH,
//! an APPEND still writing, and an IDLE within milliseconds (measured and printed; asserted
//! under a second, for loaded CI machines), after which `reconnect` makes the session usable
//! again; `parallel` gives what one session gives, and its first error stops the others.
//! (Cancelling a connect needs no server: tests/cancel.rs.)

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use blocking_imap::{
    parallel, AppendMessage, ClientBuilder, FetchItems, IdleControl, Section, Security,
    SequenceSet, Session, StatusItem,
};
use common::dovecot::{over_tls, Server};

/// The latency a cancel may take here, on a loaded machine: the aim is under 100 ms.
const BOUND: Duration = Duration::from_secs(1);

fn builder(server: &Server) -> ClientBuilder {
    if over_tls() {
        server.tls()
    } else {
        server.plain()
    }
}

/// An empty mailbox `name` of `user`.
fn fresh(session: &mut Session, name: &str) {
    let _ = session.delete(name);
    session.create(name).expect("create");
}

/// Fills `mailbox` with `count` messages of about `size` bytes, 50 per MULTIAPPEND.
fn fill(session: &mut Session, mailbox: &str, count: usize, size: usize) {
    let bodies: Vec<Vec<u8>> = (0..count)
        .map(|i| common::load::message(i, Some(i), size))
        .collect();
    for chunk in bodies.chunks(50) {
        let msgs: Vec<AppendMessage> = chunk.iter().map(|b| AppendMessage::new(b)).collect();
        session.append_many(mailbox, &msgs).expect("append");
    }
}

/// Cancels `session`'s handle on another thread once `go` says so; gives back when.
fn canceller(session: &Session) -> (mpsc::Sender<()>, thread::JoinHandle<Instant>) {
    let handle = session.cancel_handle();
    let (tx, rx) = mpsc::channel::<()>();
    let t = thread::spawn(move || {
        let _ = rx.recv();
        let at = Instant::now();
        handle.cancel();
        at
    });
    (tx, t)
}

/// After a cancel: the session refuses commands, then `reconnect` makes it usable.
fn usable_after_reconnect(session: &mut Session) {
    assert!(session.is_broken());
    let e = session.noop().unwrap_err();
    assert!(e.is_cancelled(), "{e}");
    session.reconnect().expect("reconnect after a cancel");
    session.noop().expect("noop after the reconnect");
}

#[test]
fn a_cancel_ends_a_long_fetch() {
    let Some(server) = common::dovecot::server() else {
        return;
    };
    let mut s = builder(&server)
        .connect()
        .unwrap()
        .login("bob", "bob-pass")
        .unwrap();
    let mailbox = "cancel-fetch";
    fresh(&mut s, mailbox);
    fill(&mut s, mailbox, 200, 100_000);
    s.examine(mailbox).unwrap();
    let (go, cancelled_at) = canceller(&s);
    let items = FetchItems::new().uid().body_peek(Section::Full);
    let mut got = 0;
    let mut failed = None;
    for m in s.fetch(1.., &items).unwrap() {
        match m {
            Ok(_) => {
                got += 1;
                if got == 1 {
                    go.send(()).unwrap();
                }
                // A consumer that does something with each message: the FETCH outlasts
                // the cancel however fast the machine.
                thread::sleep(Duration::from_millis(2));
            }
            Err(e) => {
                failed = Some((e, Instant::now()));
                break;
            }
        }
    }
    let at = cancelled_at.join().unwrap();
    let (e, when) = failed.expect("the FETCH ended without an error");
    let latency = when.saturating_duration_since(at);
    println!("cancel latency, FETCH BODY[] of 200 x 100 KB: {latency:?} ({got} messages read)");
    assert!(e.is_cancelled(), "{e}");
    assert!(got < 200, "the FETCH finished before the cancel");
    assert!(latency <= BOUND, "{latency:?}");
    usable_after_reconnect(&mut s);
    // The reconnect selected the mailbox again.
    assert_eq!(s.mailbox().exists(), 200);
    let again = s.fetch(1..=3, &items).unwrap().into_vec().unwrap();
    assert_eq!(again.len(), 3);
    s.close().unwrap();
    s.delete(mailbox).unwrap();
    s.logout().unwrap();
}

/// A proxy to Dovecot that forwards what the client writes slowly (64 KiB a millisecond)
/// and counts it, so that a large APPEND is surely still writing when it is cancelled.
fn slow_proxy(upstream: u16) -> (u16, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let forwarded = Arc::new(AtomicU64::new(0));
    let count = forwarded.clone();
    thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { return };
            let Ok(mut server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                return;
            };
            let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            thread::spawn(move || {
                let _ = std::io::copy(&mut s2, &mut c2);
                let _ = c2.shutdown(Shutdown::Both);
            });
            let count = count.clone();
            thread::spawn(move || {
                let mut buf = vec![0u8; 64 << 10];
                loop {
                    match client.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if server.write_all(&buf[..n]).is_err() {
                                break;
                            }
                            count.fetch_add(n as u64, Ordering::SeqCst);
                            thread::sleep(Duration::from_millis(1));
                        }
                    }
                }
                let _ = server.shutdown(Shutdown::Both);
            });
        }
    });
    (port, forwarded)
}

#[test]
fn a_cancel_ends_an_append_still_writing() {
    let Some(server) = common::dovecot::server() else {
        return;
    };
    let (port, forwarded) = slow_proxy(if over_tls() {
        server.tls_port
    } else {
        server.port
    });
    let b = ClientBuilder::new("localhost", port);
    let b = if over_tls() {
        b.add_root_certificate_pem(&server.ca).unwrap()
    } else {
        b.security(Security::Plaintext)
    };
    let mut s = b.connect().unwrap().login("bob", "bob-pass").unwrap();
    let mailbox = "cancel-append";
    fresh(&mut s, mailbox);
    // 32 MB, at most 64 MB/s through the proxy: cancelled once 2 MB of it went through.
    let big = common::load::message(1, Some(1), 32 << 20);
    let (go, cancelled_at) = canceller(&s);
    let before = forwarded.load(Ordering::SeqCst);
    let watcher = thread::spawn(move || {
        while forwarded.load(Ordering::SeqCst) < before + (2 << 20) {
            thread::sleep(Duration::from_millis(1));
        }
        go.send(()).unwrap();
    });
    let r = s.append(mailbox, &big);
    let when = Instant::now();
    watcher.join().unwrap();
    let at = cancelled_at.join().unwrap();
    let e = r.expect_err("the APPEND finished before the cancel");
    let latency = when.saturating_duration_since(at);
    println!("cancel latency, APPEND of 32 MB (blocked writing): {latency:?}");
    assert!(e.is_cancelled(), "{e}");
    assert!(latency <= BOUND, "{latency:?}");
    usable_after_reconnect(&mut s);
    // The literal was cut short: nothing was added.
    let st = s.status(mailbox, &[StatusItem::Messages]).unwrap();
    assert_eq!(st.messages(), Some(0));
    s.delete(mailbox).unwrap();
    s.logout().unwrap();
}

#[test]
fn a_cancel_ends_an_idle() {
    let Some(server) = common::dovecot::server() else {
        return;
    };
    let mut s = builder(&server)
        .connect()
        .unwrap()
        .login("bob", "bob-pass")
        .unwrap();
    s.select("INBOX").unwrap();
    let (go, cancelled_at) = canceller(&s);
    let t = thread::spawn(move || {
        thread::sleep(Duration::from_millis(300));
        go.send(()).unwrap();
    });
    let r = s
        .idle()
        .timeout(Duration::from_secs(30))
        .run(|_| IdleControl::Continue);
    let when = Instant::now();
    t.join().unwrap();
    let at = cancelled_at.join().unwrap();
    let e = r.expect_err("the IDLE ended by itself");
    let latency = when.saturating_duration_since(at);
    println!("cancel latency, IDLE: {latency:?}");
    assert!(e.is_cancelled(), "{e}");
    assert!(latency <= BOUND, "{latency:?}");
    usable_after_reconnect(&mut s);
    assert!(s.mailbox().is_selected());
    s.logout().unwrap();
}

/// Logged in as alice, `mailbox` examined: what each worker of `parallel` opens.
fn connect_examine(server: &Server, mailbox: &str) -> blocking_imap::Result<Session> {
    let mut s = builder(server)
        .connect()?
        .login("alice", "alice-pass")
        .map_err(|e| e.error)?;
    s.examine(mailbox)?;
    Ok(s)
}

#[test]
fn four_workers_fetch_what_one_session_fetches() {
    let Some(server) = common::dovecot::server() else {
        return;
    };
    let mailbox = "parallel-fetch";
    let mut one = builder(&server)
        .connect()
        .unwrap()
        .login("alice", "alice-pass")
        .unwrap();
    fresh(&mut one, mailbox);
    fill(&mut one, mailbox, 150, 3_000);
    one.examine(mailbox).unwrap();
    let items = FetchItems::new().uid().body_peek(Section::Full);
    let alone: Vec<(u32, Vec<u8>)> = one
        .uid_fetch(1.., &items)
        .unwrap()
        .map(|m| {
            let m = m.unwrap();
            (m.uid().unwrap().0, m.body().unwrap().to_vec())
        })
        .collect();
    assert_eq!(alone.len(), 150);
    let uids: SequenceSet = alone.iter().map(|(u, _)| *u).collect();
    let parts = uids.split(10);
    assert_eq!(parts.len(), 10);
    let seen = AtomicUsize::new(0);
    let start = Instant::now();
    let together = parallel(
        4,
        parts,
        || connect_examine(&server, mailbox),
        |s, part| {
            seen.fetch_add(1, Ordering::SeqCst);
            s.uid_fetch(part, &items)?
                .map(|m| {
                    let m = m?;
                    Ok((
                        m.uid().map_or(0, |u| u.0),
                        m.body().unwrap_or_default().to_vec(),
                    ))
                })
                .collect::<blocking_imap::Result<Vec<_>>>()
        },
    )
    .unwrap();
    println!(
        "parallel: 150 messages in 10 parts on 4 sessions in {:?}",
        start.elapsed()
    );
    assert_eq!(seen.load(Ordering::SeqCst), 10);
    let together: Vec<(u32, Vec<u8>)> = together.into_iter().flatten().collect();
    assert_eq!(together, alone, "the same messages, in the same order");
    one.close().unwrap();
    one.delete(mailbox).unwrap();
    one.logout().unwrap();
}

#[test]
fn the_first_error_of_parallel_cancels_the_other_workers() {
    let Some(server) = common::dovecot::server() else {
        return;
    };
    let started = AtomicUsize::new(0);
    let finished = AtomicUsize::new(0);
    let start = Instant::now();
    let r = parallel(
        4,
        (0..12).collect(),
        || connect_examine(&server, "INBOX"),
        |s, part: u32| {
            started.fetch_add(1, Ordering::SeqCst);
            if part == 3 {
                // The failing part: a NO from the server.
                thread::sleep(Duration::from_millis(200));
                s.examine("no-such-mailbox-here")?;
            } else {
                // Parts that would take 10 s each, unless cancelled.
                s.idle()
                    .timeout(Duration::from_secs(10))
                    .run(|_| IdleControl::Continue)?;
            }
            finished.fetch_add(1, Ordering::SeqCst);
            Ok(part)
        },
    );
    let took = start.elapsed();
    let e = r.expect_err("part 3 fails");
    println!(
        "parallel stopped after {took:?}: {} parts started, {} finished: {e}",
        started.load(Ordering::SeqCst),
        finished.load(Ordering::SeqCst)
    );
    assert!(e.is_no(), "the failing part's own error, not a cancel: {e}");
    assert!(
        took < Duration::from_secs(5),
        "the IDLEs were cancelled: {took:?}"
    );
    assert_eq!(finished.load(Ordering::SeqCst), 0);
    assert!(
        started.load(Ordering::SeqCst) <= 4,
        "no part started after the error"
    );
}
