//! IDLE against the project's Dovecot, and its edge cases against scripted servers.

mod common;

use std::thread;
use std::time::{Duration, Instant};

use blocking_imap::{IdleControl, IdleEnd, Unsolicited};
use common::dovecot::server;
use common::{c, client, s, Script, GREETING};

fn message(subject: &str) -> Vec<u8> {
    format!("From: a@example.org\r\nSubject: {subject}\r\n\r\nhi\r\n").into_bytes()
}

#[test]
fn idle_sees_new_mail_from_another_session() {
    let Some(srv) = server() else { return };
    let mut a = srv.login("alice", "alice-pass");
    let _ = a.delete("t-idle-new");
    a.create("t-idle-new").unwrap();
    a.select("t-idle-new").unwrap();
    let writer = {
        let mut b = srv.login("alice", "alice-pass");
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(400));
            b.append("t-idle-new", &message("one")).unwrap();
        })
    };
    let start = Instant::now();
    let mut seen = Vec::new();
    let end = a
        .idle()
        .timeout(Duration::from_secs(20))
        .run(|news| {
            seen.push(news.clone());
            if matches!(news, Unsolicited::Exists(_)) {
                IdleControl::Stop
            } else {
                IdleControl::Continue
            }
        })
        .unwrap();
    writer.join().unwrap();
    assert_eq!(end, IdleEnd::Stopped);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    assert!(seen.contains(&Unsolicited::Exists(1)), "{seen:?}");
    assert_eq!(a.mailbox().exists(), 1);
    // The session works normally afterwards.
    a.noop().unwrap();
}

#[test]
fn idle_deadline_is_absolute() {
    let Some(srv) = server() else { return };
    let mut a = srv.login("alice", "alice-pass");
    a.select("INBOX").unwrap();
    let start = Instant::now();
    let end = a
        .idle()
        .timeout(Duration::from_millis(700))
        .run(|_| IdleControl::Continue)
        .unwrap();
    let took = start.elapsed();
    assert_eq!(end, IdleEnd::TimedOut);
    assert!(
        took >= Duration::from_millis(650) && took < Duration::from_secs(3),
        "{took:?}"
    );
    a.noop().unwrap();
}

#[test]
fn idle_stops_from_another_thread() {
    let Some(srv) = server() else { return };
    let mut a = srv.login("alice", "alice-pass");
    a.select("INBOX").unwrap();
    let handle = a.idle_handle();
    let stopper = thread::spawn(move || {
        thread::sleep(Duration::from_millis(300));
        handle.stop();
    });
    let start = Instant::now();
    let end = a
        .idle()
        .timeout(Duration::from_secs(20))
        .run(|_| IdleControl::Continue)
        .unwrap();
    stopper.join().unwrap();
    assert_eq!(end, IdleEnd::Interrupted);
    assert!(start.elapsed() < Duration::from_secs(3));
    a.noop().unwrap();
}

#[test]
fn idle_is_reissued_before_the_server_gives_up() {
    let Some(srv) = server() else { return };
    let mut a = srv.login("alice", "alice-pass");
    let _ = a.delete("t-idle-keepalive");
    a.create("t-idle-keepalive").unwrap();
    a.select("t-idle-keepalive").unwrap();
    let writer = {
        let mut b = srv.login("alice", "alice-pass");
        thread::spawn(move || {
            // Lands in the second or third IDLE.
            thread::sleep(Duration::from_millis(2300));
            b.append("t-idle-keepalive", &message("late")).unwrap();
        })
    };
    let mut news = Vec::new();
    let end = a
        .idle()
        .keepalive(Duration::from_secs(1))
        .timeout(Duration::from_secs(4))
        .run(|u| {
            news.push(u.clone());
            IdleControl::Continue
        })
        .unwrap();
    writer.join().unwrap();
    assert_eq!(end, IdleEnd::TimedOut);
    assert_eq!(a.mailbox().exists(), 1);
    assert!(news.contains(&Unsolicited::Exists(1)), "{news:?}");
}

#[test]
fn news_queued_before_idle_comes_first() {
    let Some(srv) = server() else { return };
    let mut a = srv.login("alice", "alice-pass");
    let _ = a.delete("t-idle-queued");
    a.create("t-idle-queued").unwrap();
    a.select("t-idle-queued").unwrap();
    let mut b = srv.login("alice", "alice-pass");
    b.append("t-idle-queued", &message("x")).unwrap();
    a.noop().unwrap(); // the EXISTS is now queued
    let start = Instant::now();
    let got = a
        .idle()
        .timeout(Duration::from_secs(20))
        .wait_for_news()
        .unwrap();
    assert!(start.elapsed() < Duration::from_secs(1));
    assert_eq!(got, [Unsolicited::Exists(1)]);
    // What the callback did not take is still queued.
    let rest: Vec<_> = a.unsolicited().collect();
    assert!(!rest.contains(&Unsolicited::Exists(1)), "{rest:?}");
}

#[test]
fn responses_around_done_are_kept() {
    let script = Script::new(vec![
        s(GREETING),
        c("A0001 LOGIN u p\r\n"),
        s("A0001 OK [CAPABILITY IMAP4rev1 IDLE] in\r\n"),
        c("A0002 IDLE\r\n"),
        s("+ idling\r\n* 3 EXISTS\r\n"),
        c("DONE\r\n"),
        // Arrives after the client said DONE, before the completion.
        s("* 4 EXISTS\r\n* 1 EXPUNGE\r\nA0002 OK IDLE terminated\r\n"),
        c("A0003 NOOP\r\n"),
        s("A0003 OK\r\n"),
    ]);
    let mut session = client(&script).login("u", "p").unwrap();
    let got = session.idle().wait_for_news().unwrap();
    assert_eq!(got, [Unsolicited::Exists(3)]);
    assert_eq!(session.mailbox().exists(), 3, "4 EXISTS then an EXPUNGE");
    let after: Vec<_> = session.unsolicited().collect();
    assert_eq!(
        after,
        [
            Unsolicited::Exists(4),
            Unsolicited::Expunge(blocking_imap::Seq(1))
        ]
    );
    session.noop().unwrap();
    script.assert_done();
}

/// News that arrives before the server's `+`, after the callback already said stop, waits
/// in the queue: none is lost.
#[test]
fn responses_before_the_continuation_after_a_stop_are_kept() {
    let script = Script::new(vec![
        s(GREETING),
        c("A0001 LOGIN u p\r\n"),
        s("A0001 OK [CAPABILITY IMAP4rev1 IDLE] in\r\n"),
        c("A0002 IDLE\r\n"),
        s("* 5 EXISTS\r\n* 6 EXISTS\r\n* 2 EXPUNGE\r\n+ idling\r\n"),
        c("DONE\r\n"),
        s("A0002 OK IDLE terminated\r\n"),
        c("A0003 NOOP\r\n"),
        s("A0003 OK\r\n"),
    ]);
    let mut session = client(&script).login("u", "p").unwrap();
    let got = session.idle().wait_for_news().unwrap();
    assert_eq!(got, [Unsolicited::Exists(5)]);
    let after: Vec<_> = session.unsolicited().collect();
    assert_eq!(
        after,
        [
            Unsolicited::Exists(6),
            Unsolicited::Expunge(blocking_imap::Seq(2))
        ]
    );
    assert_eq!(session.mailbox().exists(), 5);
    session.noop().unwrap();
    script.assert_done();
}

#[test]
fn without_idle_it_polls_with_noop() {
    let script = Script::new(vec![
        s("* OK [CAPABILITY IMAP4rev1] no idle here\r\n"),
        c("A0001 LOGIN u p\r\n"),
        s("A0001 OK [CAPABILITY IMAP4rev1] in\r\n"),
        c("A0002 NOOP\r\n"),
        s("A0002 OK\r\n"),
        c("A0003 NOOP\r\n"),
        s("* 9 EXISTS\r\nA0003 OK\r\n"),
    ]);
    let mut session = client(&script).login("u", "p").unwrap();
    let got = session
        .idle()
        .poll_interval(Duration::from_millis(100))
        .timeout(Duration::from_secs(10))
        .wait_for_news()
        .unwrap();
    assert_eq!(got, [Unsolicited::Exists(9)]);
    script.assert_done();
}

#[test]
fn idle_refused_is_an_error() {
    let script = Script::new(vec![
        s(GREETING),
        c("A0001 LOGIN u p\r\n"),
        s("A0001 OK [CAPABILITY IMAP4rev1 IDLE] in\r\n"),
        c("A0002 IDLE\r\n"),
        s("A0002 NO [LIMIT] too many idlers\r\n"),
        c("A0003 NOOP\r\n"),
        s("A0003 OK\r\n"),
    ]);
    let mut session = client(&script).login("u", "p").unwrap();
    let err = session.idle().run(|_| IdleControl::Continue).unwrap_err();
    assert!(matches!(err, blocking_imap::Error::No(_)), "{err}");
    session.noop().unwrap();
    script.assert_done();
}

/// A BYE ends the IDLE at once — not when the server gets round to closing the socket — with
/// `Error::Bye`, after the callback saw it; the session says it is broken (reconnect to go
/// on), like a connection that dropped without a BYE.
#[test]
fn a_bye_during_idle_ends_the_run_at_once_as_a_broken_connection() {
    use common::tcp::{self, serve, Knobs, T};
    let (port, _server) = serve(
        vec![
            tcp::s(GREETING),
            tcp::c("A0001 LOGIN u p\r\n"),
            tcp::s("A0001 OK [CAPABILITY IMAP4rev1 IDLE] in\r\n"),
            tcp::c("A0002 IDLE\r\n"),
            tcp::s("+ idling\r\n* 4 EXISTS\r\n* BYE Disconnected by an administrator\r\n"),
            // The socket stays open: the run must not wait for it to close.
            T::Silent(Duration::from_secs(10)),
        ],
        Knobs::default(),
    );
    let mut session = blocking_imap::ClientBuilder::new("127.0.0.1", port)
        .security(blocking_imap::Security::Plaintext)
        .read_timeout(Some(Duration::from_secs(30)))
        .connect()
        .unwrap()
        .login("u", "p")
        .unwrap();
    let mut seen = Vec::new();
    let start = Instant::now();
    let err = session
        .idle()
        .run(|news| {
            seen.push(news.clone());
            IdleControl::Continue
        })
        .unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    match &err {
        blocking_imap::Error::Bye(text) => assert!(text.text.contains("administrator")),
        other => panic!("{other:?}"),
    }
    assert!(err.is_broken() && err.is_closed(), "{err}");
    assert!(matches!(seen[0], Unsolicited::Exists(4)), "{seen:?}");
    assert!(
        matches!(
            &seen[1],
            Unsolicited::Status {
                kind: blocking_imap::StatusKind::Bye,
                ..
            }
        ),
        "{seen:?}"
    );
    assert!(session.is_broken());
    assert!(session.noop().unwrap_err().is_broken());
}

/// Without IDLE (NOOP polling) a BYE ends the run the same way, even when the NOOP that
/// brought it completed; a BYE already queued before the run ends it too.
#[test]
fn a_bye_while_polling_or_already_queued_ends_the_run_the_same_way() {
    let script = Script::new(vec![
        s(GREETING),
        c("A0001 LOGIN u p\r\n"),
        s("A0001 OK [CAPABILITY IMAP4rev1] in\r\n"),
        c("A0002 NOOP\r\n"),
        s("* 2 EXISTS\r\n* BYE shutting down\r\nA0002 OK\r\n"),
    ]);
    let mut session = client(&script).login("u", "p").unwrap();
    let mut seen = 0;
    let err = session
        .idle()
        .poll_interval(Duration::from_millis(10))
        .run(|_| {
            seen += 1;
            IdleControl::Continue
        })
        .unwrap_err();
    assert!(matches!(err, blocking_imap::Error::Bye(_)), "{err}");
    assert!(err.is_broken());
    assert_eq!(seen, 2);
    script.assert_done();

    let script = Script::new(vec![
        s(GREETING),
        c("A0001 LOGIN u p\r\n"),
        s("A0001 OK [CAPABILITY IMAP4rev1 IDLE] in\r\n"),
        c("A0002 NOOP\r\n"),
        s("* BYE idle too long\r\n* 3 EXISTS\r\nA0002 OK\r\n"),
    ]);
    let mut session = client(&script).login("u", "p").unwrap();
    session.noop().unwrap();
    let err = session.idle().run(|_| IdleControl::Continue).unwrap_err();
    assert!(matches!(err, blocking_imap::Error::Bye(_)), "{err}");
    // What came after the BYE stays queued: nothing is lost.
    let rest: Vec<_> = session.unsolicited().collect();
    assert!(matches!(rest[..], [Unsolicited::Exists(3)]), "{rest:?}");
    script.assert_done();
}
