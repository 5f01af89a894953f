//! NOTIFY (RFC 5465) and the account watcher against the project's real Dovecot
//! (scripts/test.sh). Dovecot 2.3 offers NOTIFY with the mailbox list index the test
//! configuration has (`mailbox_list_index = yes`); no plugin is needed. Each test has a user
//! of its own (alice: NOTIFY, bob: the fallback), since a watcher of `Watch::All` sees every
//! change in the account.

mod common;

use std::time::{Duration, Instant};

use blocking_imap::{
    bad_events, AccountEvent, AccountEventKind, AccountWatcher, Error, Flag, NameAttribute,
    NotifyEvent, NotifyMailboxes, NotifySet, Session, StoreAction, Unsolicited, Watch,
    WatchSettings,
};
use common::dovecot::{server, Server};

const MSG: &[u8] = b"Subject: notify test\r\n\r\nhello\r\n";

/// Removes the test's mailboxes (left over from an earlier run) and empties INBOX.
fn clean(s: &mut Session, prefix: &str) {
    for n in s.list("", &format!("{prefix}*")).unwrap() {
        let _ = s.delete(n.name().clone());
    }
}

/// Reads notifications until `want` matches one (then all read) or `secs` pass (`None`).
fn seen_within(
    s: &mut Session,
    secs: u64,
    want: impl Fn(&Unsolicited) -> bool,
) -> Option<Vec<Unsolicited>> {
    let end = Instant::now() + Duration::from_secs(secs);
    let mut got = Vec::new();
    while Instant::now() < end {
        let news = s.wait_notifications(Duration::from_secs(1)).unwrap();
        let hit = news.iter().any(&want);
        got.extend(news);
        if hit {
            return Some(got);
        }
    }
    None
}

/// Watcher events until `want` matches one (then all read) or `secs` pass (`None`).
fn event_within(
    w: &mut AccountWatcher,
    secs: u64,
    want: impl Fn(&AccountEvent) -> bool,
) -> Option<Vec<AccountEvent>> {
    let end = Instant::now() + Duration::from_secs(secs);
    let mut got = Vec::new();
    while Instant::now() < end {
        if let Some(e) = w.next_event(Duration::from_millis(500)).unwrap() {
            let hit = want(&e);
            got.push(e);
            if hit {
                return Some(got);
            }
        }
    }
    None
}

/// Reads notifications until `want` matches one or 10 s pass; returns all read.
#[track_caller]
fn wait_for(s: &mut Session, want: impl Fn(&Unsolicited) -> bool) -> Vec<Unsolicited> {
    let end = Instant::now() + Duration::from_secs(10);
    let mut got = Vec::new();
    while Instant::now() < end {
        let news = s.wait_notifications(Duration::from_secs(2)).unwrap();
        let hit = news.iter().any(&want);
        got.extend(news);
        if hit {
            return got;
        }
    }
    panic!("not seen in 10 s; got {got:?}");
}

/// Reads watcher events until `want` matches one or 15 s pass; returns all read.
#[track_caller]
fn events_until(w: &mut AccountWatcher, want: impl Fn(&AccountEvent) -> bool) -> Vec<AccountEvent> {
    let end = Instant::now() + Duration::from_secs(15);
    let mut got = Vec::new();
    while Instant::now() < end {
        if let Some(e) = w.next_event(Duration::from_millis(500)).unwrap() {
            let hit = want(&e);
            got.push(e);
            if hit {
                return got;
            }
        }
    }
    panic!("not seen in 15 s; got {got:?}");
}

fn is(e: &AccountEvent, mailbox: &str, kind: &AccountEventKind) -> bool {
    e.mailbox.as_str() == mailbox && &e.kind == kind
}

fn connect(
    srv: &Server,
    user: &'static str,
    pass: &'static str,
) -> impl FnMut() -> blocking_imap::Result<Session> + Send + 'static {
    let builder = if common::dovecot::over_tls() {
        srv.tls()
    } else {
        srv.plain()
    };
    move || builder.connect()?.login(user, pass).map_err(|e| e.error)
}

#[test]
fn notify_and_the_watcher_with_notify() {
    let Some(srv) = server() else { return };
    let mut other = srv.login("alice", "alice-pass");
    clean(&mut other, "n-");
    other.create("n-work").unwrap();

    // --- Session::notify by hand -------------------------------------------------------
    let mut s = srv.login("alice", "alice-pass");
    // Events the server does not support: NO [BADEVENT ...], typed by bad_events.
    let err = s
        .notify(&NotifySet::new().group(
            NotifyMailboxes::Personal,
            [
                NotifyEvent::message_new(),
                NotifyEvent::MessageExpunge,
                NotifyEvent::AnnotationChange,
            ],
        ))
        .unwrap_err();
    let bad = err.response_code().and_then(bad_events);
    assert_eq!(bad, Some(vec!["AnnotationChange".to_string()]), "{err:?}");
    assert!(matches!(err, Error::No(_)));

    s.notify(&NotifySet::account()).unwrap();
    // STATUS: every personal mailbox's counters, on the queue.
    let first: Vec<Unsolicited> = s.unsolicited().collect();
    assert!(
        first.iter().any(|u| matches!(u, Unsolicited::MailboxStatus(st) if st.name().as_str() == "n-work" && st.messages() == Some(0))),
        "{first:?}"
    );
    // New mail in a mailbox that is not selected: a STATUS of it.
    other.append("n-work", MSG).unwrap();
    wait_for(
        &mut s,
        |u| matches!(u, Unsolicited::MailboxStatus(st) if st.name().as_str() == "n-work" && st.messages() == Some(1)),
    );
    // Created, renamed, deleted: LIST, LIST with OLDNAME, LIST \NonExistent. Now and
    // then (about once in 20 runs of this test) Dovecot 2.3 stops sending mailbox name
    // events on a connection altogether (no error, nothing in its log; STATUS events still
    // come): up to three tries, each on a connection of its own with names of its own.
    let is_list = |name: String, gone: bool| {
        move |u: &Unsolicited| {
            matches!(u, Unsolicited::List(n) if n.name().as_str() == name
                && n.attributes().contains(&NameAttribute::NonExistent) == gone)
        }
    };
    let mut tries = 0;
    loop {
        tries += 1;
        assert!(
            tries <= 3,
            "Dovecot never reported create, rename and delete in 3 tries"
        );
        if tries > 1 {
            s = srv.login("alice", "alice-pass");
            s.notify(&NotifySet::account()).unwrap();
            s.unsolicited().for_each(drop);
        }
        let (new, renamed) = (format!("n-new{tries}"), format!("n-renamed{tries}"));
        other.create(new.as_str()).unwrap();
        if seen_within(&mut s, 5, is_list(new.clone(), false)).is_none() {
            continue;
        }
        other.rename(new.as_str(), renamed.as_str()).unwrap();
        let Some(got) = seen_within(&mut s, 5, |u| {
            matches!(u, Unsolicited::MailboxRenamed { .. })
        }) else {
            continue;
        };
        let pair = got
            .iter()
            .find_map(|u| match u {
                Unsolicited::MailboxRenamed { name, old_name } => Some((
                    name.name().as_str().to_string(),
                    old_name.as_str().to_string(),
                )),
                _ => None,
            })
            .unwrap();
        assert_eq!(pair, (renamed.clone(), new.clone()));
        other.delete(renamed.as_str()).unwrap();
        if seen_within(&mut s, 5, is_list(renamed.clone(), true)).is_some() {
            break;
        }
    }
    s.notify_none().unwrap();
    drop(s);

    // --- the watcher, with NOTIFY ------------------------------------------------------
    // The safety net every 2 s: Dovecot can miss an event (mail put into a mailbox the
    // moment it is created, say); the test must not depend on its timing.
    let mut w = AccountWatcher::new(
        connect(&srv, "alice", "alice-pass"),
        Watch::All,
        WatchSettings::new().list_interval(Duration::from_secs(2)),
    )
    .unwrap();
    assert!(w.uses_notify());
    assert_eq!(w.connections(), 1);
    assert!(w.mailboxes().any(|m| m.as_str() == "n-work"));

    other.append("n-work", MSG).unwrap();
    other.append("n-work", MSG).unwrap();
    let got = events_until(&mut w, |e| {
        e.mailbox.as_str() == "n-work" && matches!(e.kind, AccountEventKind::NewMail { .. })
    });
    let new: u32 = got
        .iter()
        .filter(|e| e.mailbox.as_str() == "n-work")
        .map(|e| match e.kind {
            AccountEventKind::NewMail { count } => count,
            _ => 0,
        })
        .sum();
    // Both appends, in one event or two.
    if new < 2 {
        events_until(&mut w, |e| {
            is(e, "n-work", &AccountEventKind::NewMail { count: 1 })
        });
    }

    other.select("n-work").unwrap();
    drop(other.store(1, StoreAction::Add, &[Flag::Flagged]).unwrap());
    events_until(&mut w, |e| is(e, "n-work", &AccountEventKind::FlagsChanged));
    drop(other.store(1, StoreAction::Add, &[Flag::Deleted]).unwrap());
    other.expunge().unwrap();
    events_until(&mut w, |e| {
        is(e, "n-work", &AccountEventKind::Expunged { count: 1 })
    });
    other.close().unwrap();

    other.create("n-made").unwrap();
    events_until(&mut w, |e| is(e, "n-made", &AccountEventKind::Created));
    other.append("n-made", MSG).unwrap();
    events_until(&mut w, |e| {
        is(e, "n-made", &AccountEventKind::NewMail { count: 1 })
    });
    // A rename Dovecot does not report is seen by the safety net (a NOTIFY SET again
    // every 2 s) as a delete and a create, and the watcher then takes a new connection
    // (the old one may have stopped sending mailbox name events): up to three tries for
    // the rename itself.
    let mut from = "n-made".to_string();
    let mut tries = 0;
    loop {
        tries += 1;
        assert!(tries <= 3, "Dovecot never reported a rename in 3 tries");
        let to = format!("n-moved{tries}");
        other.rename(from.as_str(), to.as_str()).unwrap();
        let renamed = AccountEventKind::Renamed {
            from: from.as_str().into(),
        };
        from = to;
        if event_within(&mut w, 5, |e| is(e, &from, &renamed)).is_some() {
            break;
        }
    }
    other.delete(from.as_str()).unwrap();
    events_until(&mut w, |e| is(e, &from, &AccountEventKind::Deleted));
    assert!(!w.mailboxes().any(|m| m.as_str() == from));
    clean(&mut other, "n-");
}

#[test]
fn the_watcher_without_notify() {
    let Some(srv) = server() else { return };
    let mut other = srv.login("bob", "bob-pass");
    clean(&mut other, "f-");
    other.create("f-work").unwrap();
    other.create("f-gone").unwrap();

    let settings = WatchSettings::new()
        .use_notify(false)
        .poll_interval(Duration::from_millis(300))
        .list_interval(Duration::from_millis(500));
    let mut w =
        AccountWatcher::new(connect(&srv, "bob", "bob-pass"), Watch::All, settings).unwrap();
    assert!(!w.uses_notify());
    assert_eq!(w.connections(), 2);

    // INBOX: IDLE.
    other.append("INBOX", MSG).unwrap();
    events_until(&mut w, |e| {
        is(e, "INBOX", &AccountEventKind::NewMail { count: 1 })
    });
    // Another mailbox: the STATUS poll.
    other.append("f-work", MSG).unwrap();
    events_until(&mut w, |e| {
        is(e, "f-work", &AccountEventKind::NewMail { count: 1 })
    });
    other.select("f-work").unwrap();
    drop(other.store(1, StoreAction::Add, &[Flag::Seen]).unwrap());
    events_until(&mut w, |e| is(e, "f-work", &AccountEventKind::FlagsChanged));
    drop(other.store(1, StoreAction::Add, &[Flag::Deleted]).unwrap());
    other.expunge().unwrap();
    events_until(&mut w, |e| {
        is(e, "f-work", &AccountEventKind::Expunged { count: 1 })
    });
    other.close().unwrap();
    // Mailboxes come and go: the list read again.
    other.create("f-made").unwrap();
    events_until(&mut w, |e| is(e, "f-made", &AccountEventKind::Created));
    other.delete("f-gone").unwrap();
    events_until(&mut w, |e| is(e, "f-gone", &AccountEventKind::Deleted));

    // One connection: the polls run between IDLEs.
    let one = WatchSettings::new()
        .use_notify(false)
        .max_connections(1)
        .poll_interval(Duration::from_millis(300));
    let mut w = AccountWatcher::new(
        connect(&srv, "bob", "bob-pass"),
        Watch::Mailboxes(vec!["INBOX".into(), "f-work".into()]),
        one,
    )
    .unwrap();
    assert_eq!(w.connections(), 1);
    other.append("f-work", MSG).unwrap();
    events_until(&mut w, |e| {
        is(e, "f-work", &AccountEventKind::NewMail { count: 1 })
    });
    // A mailbox not watched is not reported.
    other.append("f-made", MSG).unwrap();
    other.append("INBOX", MSG).unwrap();
    let got = events_until(&mut w, |e| {
        is(e, "INBOX", &AccountEventKind::NewMail { count: 1 })
    });
    assert!(
        got.iter().all(|e| e.mailbox.as_str() != "f-made"),
        "{got:?}"
    );
    clean(&mut other, "f-");
}

/// `doveadm kick`: every connection of `user` is cut.
fn kick(user: &str) {
    let conf = std::env::var("BLOCKING_IMAP_DOVECOT_CONF").expect("BLOCKING_IMAP_DOVECOT_CONF");
    let out = std::process::Command::new("doveadm")
        .args(["-c", &conf, "kick", user])
        .output()
        .expect("doveadm kick");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Both ways, the watcher comes back after its connections are cut, and reports what
/// arrived while it was away. As `bulk`, whose other mailboxes it does not watch.
#[test]
fn the_watcher_survives_a_kick() {
    let Some(srv) = server() else { return };
    let mut other = srv.login("bulk", "bulk-pass");
    clean(&mut other, "k-");
    other.create("k-box").unwrap();
    drop(other);
    for notify in [true, false] {
        let settings = WatchSettings::new()
            .use_notify(notify)
            .poll_interval(Duration::from_millis(200))
            .list_interval(Duration::from_secs(2));
        let mut w = AccountWatcher::new(
            connect(&srv, "bulk", "bulk-pass"),
            // k-later does not exist yet.
            Watch::Mailboxes(vec!["k-box".into(), "k-later".into()]),
            settings,
        )
        .unwrap();
        assert_eq!(w.uses_notify(), notify);
        let mut other = srv.login("bulk", "bulk-pass");
        other.append("k-box", MSG).unwrap();
        events_until(&mut w, |e| {
            is(e, "k-box", &AccountEventKind::NewMail { count: 1 })
        });
        kick("bulk");
        // The kick lands asynchronously: wait until `other` is cut too.
        let end = Instant::now() + Duration::from_secs(10);
        while other.noop().is_ok() {
            assert!(Instant::now() < end, "the kick did not land");
            std::thread::sleep(Duration::from_millis(50));
        }
        // Mail that comes while the watcher is cut off.
        let mut other = srv.login("bulk", "bulk-pass");
        other.append("k-box", MSG).unwrap();
        other.append("k-box", MSG).unwrap();
        let got = events_until(&mut w, |e| e.mailbox.as_str() == "k-box");
        let new: u32 = got
            .iter()
            .map(|e| match e.kind {
                AccountEventKind::NewMail { count } => count,
                _ => 0,
            })
            .sum();
        if new < 2 {
            events_until(&mut w, |e| {
                is(e, "k-box", &AccountEventKind::NewMail { count: 1 })
            });
        }
        // And it goes on watching, a mailbox asked for that comes into being too.
        other.append("k-box", MSG).unwrap();
        events_until(&mut w, |e| {
            is(e, "k-box", &AccountEventKind::NewMail { count: 1 })
        });
        other.create("k-later").unwrap();
        events_until(&mut w, |e| is(e, "k-later", &AccountEventKind::Created));
        other.append("k-later", MSG).unwrap();
        events_until(&mut w, |e| {
            is(e, "k-later", &AccountEventKind::NewMail { count: 1 })
        });
        other.delete("k-later").unwrap();
        events_until(&mut w, |e| is(e, "k-later", &AccountEventKind::Deleted));
    }

    // A plain session: `reconnect` sends the NOTIFY set in force again, so notifications
    // for a mailbox that is not selected go on after the kick.
    let mut s = srv.login("bulk", "bulk-pass");
    s.select("INBOX").unwrap();
    s.notify(&NotifySet::new().group(
        NotifyMailboxes::Personal,
        [NotifyEvent::message_new(), NotifyEvent::MessageExpunge],
    ))
    .unwrap();
    kick("bulk");
    let end = Instant::now() + Duration::from_secs(10);
    while s.noop().is_ok() {
        assert!(Instant::now() < end, "the kick did not land");
        std::thread::sleep(Duration::from_millis(50));
    }
    s.reconnect().unwrap();
    assert_eq!(
        s.mailbox().name().map(|n| n.to_string()),
        Some("INBOX".into())
    );
    let _ = s.unsolicited().count();
    let mut other = srv.login("bulk", "bulk-pass");
    other.append("k-box", MSG).unwrap();
    let is_k_box =
        |u: &Unsolicited| matches!(u, Unsolicited::MailboxStatus(st) if *st.name() == "k-box");
    assert!(
        seen_within(&mut s, 10, is_k_box).is_some(),
        "no STATUS for k-box after the reconnect: NOTIFY was not set again"
    );
    // NOTIFY NONE is remembered too: a later reconnect sends no set.
    s.notify_none().unwrap();
    drop(s);

    let mut other = srv.login("bulk", "bulk-pass");
    clean(&mut other, "k-");
}

/// examples/watch_account.rs as a user runs it: it prints the changes, and Ctrl-C (SIGINT)
/// stops it at once with status 130. As alice (bulk is kicked by the test above), watching
/// only its own mailbox.
#[test]
fn the_example_prints_changes_and_stops_on_ctrl_c() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    use std::sync::{Arc, Mutex};

    let Some(srv) = server() else { return };
    let mut other = srv.login("alice", "alice-pass");
    clean(&mut other, "e-");
    other.create("e-box").unwrap();
    // Built first with this test's features (so cargo reuses what it built), then run
    // directly, so that the signal reaches the example itself.
    let features: Vec<&str> = [
        ("native-tls", cfg!(feature = "native-tls")),
        ("rustls", cfg!(feature = "rustls")),
        ("scram", cfg!(feature = "scram")),
        ("testing", cfg!(feature = "testing")),
    ]
    .iter()
    .filter(|(_, on)| *on)
    .map(|(f, _)| *f)
    .collect();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let built = Command::new(cargo)
        .args(["build", "-q", "--no-default-features", "--features"])
        .arg(features.join(","))
        .args(["--example", "watch_account"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(built.success());
    // target/debug/deps/dovecot_notify-... -> target/debug/examples/watch_account
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .and_then(|d| d.parent())
        .unwrap()
        .join("examples")
        .join("watch_account");
    let port = srv.port.to_string();
    /// Kills the example if the test fails half-way, so that no watcher outlives it.
    struct Guard(std::process::Child);
    impl Drop for Guard {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let child = Command::new(bin)
        .args(["--host", "127.0.0.1", "--port", &port, "--tls", "none"])
        .args(["--user", "alice", "--password-env", "WATCH_PW"])
        .args(["--mailbox", "e-box", "--seconds", "60"])
        .env("WATCH_PW", "alice-pass")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = Guard(child);
    let lines = Arc::new(Mutex::new(String::new()));
    let readers: Vec<_> = [
        Box::new(child.0.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.0.stderr.take().unwrap()),
    ]
    .into_iter()
    .map(|r| {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(r).lines() {
                let Ok(line) = line else { break };
                let mut l = lines.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        })
    })
    .collect();
    let wait_for = |what: &str| {
        for _ in 0..300 {
            if lines.lock().unwrap().contains(what) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the example never said {what:?}: {}", lines.lock().unwrap());
    };
    wait_for("watching 1 mailbox(es) with NOTIFY");
    other.append("e-box", MSG).unwrap();
    wait_for("e-box: 1 new message(s)");
    let pid = child.0.id().to_string();
    let killed = Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(killed.success());
    let status = child.0.wait().unwrap();
    for r in readers {
        r.join().unwrap();
    }
    assert_eq!(status.code(), Some(130), "{}", lines.lock().unwrap());
    assert!(lines.lock().unwrap().contains("interrupted"));
    clean(&mut other, "e-");
}
