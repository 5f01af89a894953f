//! What scripts do without writing it by hand (issue 21): SEARCH results in ascending order,
//! nothing sent for a sequence FETCH on an empty mailbox, new mail after a UID without the
//! `n:*` quirk, the N newest, every mailbox with its counts (LIST-STATUS or LIST + pipelined
//! STATUS), whether a mailbox exists, a plain NO recognised as "does not exist", and the
//! commands of the selected state refused before a SELECT in words that name the fix.

mod common;

use blocking_imap::{
    ClientBuilder, Error, FetchItems, Flag, PartRequest, ReconnectPolicy, Search, StatusItem,
    StoreAction, TransferEncoding, Uid,
};
use common::{c, logged_in_with, s};

const SELECT_EMPTY: &str =
    "* 0 EXISTS\r\n* OK [UIDVALIDITY 3] v\r\n* OK [UIDNEXT 1] n\r\nA0002 OK [READ-WRITE] sel\r\n";
const SELECT_THREE: &str =
    "* 3 EXISTS\r\n* OK [UIDVALIDITY 3] v\r\n* OK [UIDNEXT 10] n\r\nA0002 OK [READ-WRITE] sel\r\n";

#[test]
fn search_results_come_in_ascending_order_once_each() {
    let (script, mut session) = logged_in_with(
        ClientBuilder::new("localhost", 143),
        "IMAP4rev1",
        vec![
            c("A0002 SELECT INBOX\r\n"),
            s(SELECT_THREE),
            c("A0003 UID SEARCH ALL\r\n"),
            s("* SEARCH 9 2 5 2\r\nA0003 OK done\r\n"),
            c("A0004 UID SEARCH ALL\r\n"),
            s("* SEARCH 9 2 5\r\nA0004 OK done\r\n"),
        ],
    );
    session.select("INBOX").unwrap();
    let uids = session.uid_search(&Search::all()).unwrap();
    assert_eq!(uids, [Uid(2), Uid(5), Uid(9)]);
    assert_eq!(session.uid_newest(2).unwrap(), [Uid(9), Uid(5)]);
    script.assert_done();
}

#[test]
fn selected_state_commands_before_a_select_send_nothing_and_say_what_to_call() {
    let (script, mut session) = logged_in_with(
        ClientBuilder::new("localhost", 143),
        "IMAP4rev1 UIDPLUS MOVE UNSELECT",
        vec![
            c("A0002 SELECT INBOX\r\n"),
            s(SELECT_THREE),
            c("A0003 UID SEARCH ALL\r\n"),
            s("* SEARCH 9\r\nA0003 OK done\r\n"),
            c("A0004 UNSELECT\r\n"),
            s("A0004 OK closed\r\n"),
        ],
    );
    let items = FetchItems::new().uid();
    let set = Uid(9);
    let part = PartRequest::new(Uid(9), &[1], TransferEncoding::SevenBit);
    let refuse = |session: &mut blocking_imap::Session, expect: &str| {
        let calls: Vec<(&str, Result<(), Error>)> = vec![
            ("FETCH", session.fetch(1, &items).map(drop)),
            ("UID FETCH", session.uid_fetch(set.0, &items).map(drop)),
            (
                "STORE",
                session.store(1, StoreAction::Add, &[Flag::Seen]).map(drop),
            ),
            ("UID SEARCH", session.uid_search(&Search::all()).map(drop)),
            ("SEARCH", session.search(&Search::all()).map(drop)),
            ("EXPUNGE", session.expunge().map(drop)),
            ("UID EXPUNGE", session.uid_expunge(set.0).map(drop)),
            ("COPY", session.copy(1, "Archive").map(drop)),
            ("UID MOVE", session.uid_mv(set.0, "Archive").map(drop)),
            (
                "UID FETCH",
                session
                    .uid_fetch_parts(std::slice::from_ref(&part))
                    .map(drop),
            ),
            ("CLOSE", session.close()),
        ];
        for (command, result) in calls {
            let e = result.unwrap_err();
            assert!(e.is_not_selected(), "{command}: {e}");
            assert_eq!(
                e.to_string(),
                format!(
                    "{command} needs a selected mailbox: select() or examine() a mailbox first"
                )
            );
        }
        assert!(!session.is_broken(), "{expect}");
    };
    // Before any SELECT: nothing goes out (the script would fail on a stray command).
    refuse(&mut session, "before select");
    session.select("INBOX").unwrap();
    assert_eq!(session.uid_search(&Search::all()).unwrap(), [Uid(9)]);
    session.unselect().unwrap();
    // After UNSELECT: the same again.
    refuse(&mut session, "after unselect");
    script.assert_done();
}

#[test]
fn a_sequence_fetch_on_an_empty_mailbox_sends_nothing() {
    let (script, mut session) = logged_in_with(
        ClientBuilder::new("localhost", 143),
        "IMAP4rev1",
        vec![
            c("A0002 SELECT INBOX\r\n"),
            s(SELECT_EMPTY),
            c("A0003 NOOP\r\n"),
            s("A0003 OK noop\r\n"),
        ],
    );
    session.select("INBOX").unwrap();
    let got = session
        .fetch(1.., &FetchItems::new().uid().flags())
        .unwrap()
        .into_vec()
        .unwrap();
    assert!(got.is_empty());
    assert!(session.uid_newest(5).unwrap().is_empty());
    session.noop().unwrap();
    script.assert_done();
}

#[test]
fn new_mail_after_a_uid_leaves_out_the_last_one_seen() {
    let (script, mut session) = logged_in_with(
        ClientBuilder::new("localhost", 143),
        "IMAP4rev1",
        vec![
            c("A0002 SELECT INBOX\r\n"),
            s(SELECT_THREE),
            // Nothing newer: `8:*` answers with the highest message, UID 7.
            c("A0003 UID FETCH 8:* (UID FLAGS)\r\n"),
            s("* 3 FETCH (UID 7 FLAGS ())\r\nA0003 OK done\r\n"),
            c("A0004 UID FETCH 8:* (UID FLAGS)\r\n"),
            s("* 3 FETCH (UID 7 FLAGS ())\r\n* 4 FETCH (UID 8 FLAGS ())\r\n* 5 FETCH (UID 12 FLAGS ())\r\nA0004 OK done\r\n"),
        ],
    );
    session.select("INBOX").unwrap();
    let items = FetchItems::new().uid().flags();
    let none = session
        .uid_fetch_newer(Uid(7), &items)
        .unwrap()
        .into_vec()
        .unwrap();
    assert!(none.is_empty(), "{none:?}");
    let some: Vec<u32> = session
        .uid_fetch_newer(Uid(7), &items)
        .unwrap()
        .map(|f| f.unwrap().uid().unwrap().0)
        .collect();
    assert_eq!(some, [8, 12]);
    script.assert_done();
}

#[test]
fn every_mailbox_with_its_counts_without_list_status() {
    let (script, mut session) = logged_in_with(
        ClientBuilder::new("localhost", 143),
        "IMAP4rev1",
        vec![
            c("A0002 LIST \"\" \"*\"\r\n"),
            s("* LIST () \"/\" INBOX\r\n* LIST (\\Noselect) \"/\" Lists\r\n* LIST () \"/\" \"Lists/r&AOQ-ks\"\r\nA0002 OK done\r\n"),
            // Both STATUS commands go before either answer is read (pipelined).
            c("A0003 STATUS INBOX (MESSAGES UNSEEN)\r\nA0004 STATUS Lists/r&AOQ-ks (MESSAGES UNSEEN)\r\n"),
            s("* STATUS INBOX (MESSAGES 4 UNSEEN 1)\r\nA0003 OK s\r\n* STATUS \"Lists/r&AOQ-ks\" (MESSAGES 9 UNSEEN 0)\r\nA0004 OK s\r\n"),
        ],
    );
    let entries = session
        .mailboxes_with_status(&[StatusItem::Messages, StatusItem::Unseen])
        .unwrap();
    let rows: Vec<(String, Option<u32>)> = entries
        .iter()
        .map(|e| {
            (
                e.name().name().to_string(),
                e.status().and_then(|s| s.messages()),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("INBOX".to_string(), Some(4)),
            ("Lists".to_string(), None),
            ("Lists/räks".to_string(), Some(9)),
        ]
    );
    script.assert_done();
}

#[test]
fn every_mailbox_with_its_counts_in_one_list_status() {
    let (script, mut session) = logged_in_with(
        ClientBuilder::new("localhost", 143),
        "IMAP4rev1 LIST-EXTENDED LIST-STATUS",
        vec![
            c("A0002 LIST \"\" \"*\" RETURN (STATUS (MESSAGES))\r\n"),
            s("* LIST () \"/\" INBOX\r\n* STATUS INBOX (MESSAGES 4)\r\nA0002 OK done\r\n"),
        ],
    );
    let entries = session
        .mailboxes_with_status(&[StatusItem::Messages])
        .unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].status().and_then(|s| s.messages()), Some(4));
    script.assert_done();
}

#[test]
fn whether_a_mailbox_exists_and_a_plain_no_that_says_it_does_not() {
    let (script, mut session) = logged_in_with(
        ClientBuilder::new("localhost", 143),
        "IMAP4rev1",
        vec![
            c("A0002 LIST \"\" \"Archive\"\r\n"),
            s("* LIST () \"/\" Archive\r\nA0002 OK done\r\n"),
            c("A0003 LIST \"\" \"Gone\"\r\n"),
            s("A0003 OK done\r\n"),
            c("A0004 SELECT Gone\r\n"),
            s("A0004 NO Mailbox doesn't exist: Gone\r\n"),
            c("A0005 SELECT Locked\r\n"),
            s("A0005 NO Permission denied\r\n"),
        ],
    );
    assert!(session.mailbox_exists("Archive").unwrap());
    assert!(!session.mailbox_exists("Gone").unwrap());
    let e = session.select("Gone").unwrap_err();
    assert!(e.is_nonexistent(), "{e}");
    let e = session.select("Locked").unwrap_err();
    assert!(!e.is_nonexistent(), "{e}");
    script.assert_done();
}

#[test]
fn a_policy_for_daemons_never_gives_up() {
    let p = ReconnectPolicy::forever();
    assert_eq!(p.max_attempts, u32::MAX);
    assert_eq!(p.max_total, std::time::Duration::MAX);
    assert_eq!(p.max_delay, ReconnectPolicy::default().max_delay);
}

#[test]
fn against_dovecot() {
    let Some(srv) = common::dovecot::server() else {
        return;
    };
    let mut s = srv.login("alice", "alice-pass");
    // Nothing selected yet: refused here, not Dovecot's "BAD No mailbox selected".
    let e = s.fetch(1.., &FetchItems::new().uid()).unwrap_err();
    assert!(e.is_not_selected(), "{e}");
    s.noop().unwrap();
    let name = format!("first-hour-{}", std::process::id());
    let _ = s.delete(name.as_str());
    // Dovecot 2.3 answers a missing mailbox with a plain NO: still "nonexistent".
    let e = s.select(name.as_str()).unwrap_err();
    assert!(e.is_nonexistent(), "{e}");
    assert!(!s.mailbox_exists(name.as_str()).unwrap());
    s.create(name.as_str()).unwrap();
    assert!(s.mailbox_exists(name.as_str()).unwrap());
    // An empty mailbox: a sequence FETCH of 1:* gives nothing (no BAD).
    s.select(name.as_str()).unwrap();
    let none = s
        .fetch(1.., &FetchItems::new().uid().flags())
        .unwrap()
        .into_vec()
        .unwrap();
    assert!(none.is_empty());
    for i in 0..3 {
        let msg = format!("Message-ID: <fh-{i}@x>\r\nSubject: {i}\r\n\r\nx\r\n");
        s.append(name.as_str(), msg.as_bytes()).unwrap();
    }
    s.noop().unwrap();
    let newest = s.uid_newest(2).unwrap();
    assert_eq!(newest.len(), 2);
    assert!(newest[0] > newest[1]);
    let after = newest[0];
    let nothing = s
        .uid_fetch_newer(after, &FetchItems::new().uid())
        .unwrap()
        .into_vec()
        .unwrap();
    assert!(nothing.is_empty(), "{nothing:?}");
    let table = s
        .mailboxes_with_status(&[StatusItem::Messages, StatusItem::Unseen])
        .unwrap();
    let row = table
        .iter()
        .find(|e| e.name().name().to_string() == name)
        .expect("the new mailbox is listed");
    assert_eq!(row.status().and_then(|st| st.messages()), Some(3));
    let _ = s.close();
    s.delete(name.as_str()).unwrap();
    s.logout().unwrap();
}

#[test]
fn a_cron_sync_from_the_first_run_through_a_rebuilt_mailbox() {
    let Some(srv) = common::dovecot::server() else {
        return;
    };
    let mut s = srv.login("alice", "alice-pass");
    let name = format!("first-hour-sync-{}", std::process::id());
    let _ = s.delete(name.as_str());
    s.create(name.as_str()).unwrap();
    let add = |s: &mut blocking_imap::Session, i: u32| {
        let msg = format!("Message-ID: <sync-{i}@x>\r\nSubject: {i}\r\n\r\nx\r\n");
        s.append(name.as_str(), msg.as_bytes()).unwrap()
    };
    for i in 0..3 {
        add(&mut s, i);
    }
    // First run: every UID known, and a HIGHESTMODSEQ (Dovecot has CONDSTORE).
    let state = s.sync_start(name.as_str()).unwrap();
    assert_eq!(state.known.len(), 3);
    assert!(state.highest_modseq.is_some());
    let line = state.to_string();
    let state: blocking_imap::SyncState = line.parse().unwrap();
    // Meanwhile: one expunged, one added.
    let first = Uid(*state.known.ranges()[0].start());
    s.uid_store_silent(
        first,
        blocking_imap::StoreAction::Add,
        &[blocking_imap::Flag::Deleted],
    )
    .unwrap();
    s.uid_expunge(first).unwrap();
    add(&mut s, 3);
    let _ = s.close();
    let blocking_imap::Resumed::Changes(c) = s.resume(name.as_str(), &state).unwrap() else {
        panic!("the mailbox was not rebuilt");
    };
    assert_eq!(c.vanished.iter().collect::<Vec<_>>(), [first.0]);
    assert_eq!(c.new.len(), 1);
    assert_eq!(c.state.known.len(), 3);
    // The mailbox rebuilt (deleted and made again): the state handed back holds its UIDs.
    let _ = s.close();
    s.delete(name.as_str()).unwrap();
    s.create(name.as_str()).unwrap();
    add(&mut s, 10);
    add(&mut s, 11);
    match s.resume(name.as_str(), &c.state).unwrap() {
        blocking_imap::Resumed::UidValidityChanged { state, .. } => {
            assert_eq!(state.known.len(), 2);
            assert!(state
                .to_string()
                .parse::<blocking_imap::SyncState>()
                .is_ok());
        }
        other => panic!("{other:?}"),
    }
    let _ = s.close();
    s.delete(name.as_str()).unwrap();
    s.logout().unwrap();
}

/// A message from `from` with one attachment `name` holding `content` (base64).
fn with_attachment(from: &str, subject: &str, name: &str, content: &str) -> Vec<u8> {
    // `content` is short ASCII: its base64 fits one line.
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut b64 = String::new();
    for chunk in content.as_bytes().chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                b64.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                b64.push('=');
            }
        }
    }
    format!(
        "From: {from}\r\nSubject: {subject}\r\nMessage-ID: <{subject}@x>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n\
         see attached\r\n--b\r\nContent-Type: application/pdf\r\n\
         Content-Disposition: attachment; filename=\"{name}\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--b--\r\n"
    )
    .into_bytes()
}

/// The five tools of the trial (a mailbox table, attachments from a sender, a cron sync, an
/// IDLE watcher, the common mistakes), rewritten on the library's API as examples, run as a
/// user runs them: from `IMAP_URL`, `IMAP_PASSWORD` and `IMAP_CA` alone.
#[test]
fn the_five_tools_as_a_user_runs_them() {
    let Some(srv) = common::dovecot::server() else {
        return;
    };
    let name = format!("tools-{}", std::process::id());
    let mut s = srv.login("alice", "alice-pass");
    let _ = s.delete(name.as_str());
    s.create(name.as_str()).unwrap();
    let bill = "Billing <billing@example.com>";
    s.append(
        name.as_str(),
        &with_attachment(bill, "m1", "report.pdf", "first report"),
    )
    .unwrap();
    s.append(
        name.as_str(),
        &with_attachment(bill, "m2", "report.pdf", "second one"),
    )
    .unwrap();
    s.append(
        name.as_str(),
        &with_attachment("x@example.org", "m3", "x.pdf", "other"),
    )
    .unwrap();
    let dir = std::env::temp_dir().join(format!("blocking-imap-tools-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &srv.ca).unwrap();
    let url = format!("imap://alice@{}:{}/{name}", srv.host, srv.port);
    let env = [
        ("IMAP_URL", url.as_str()),
        ("IMAP_PASSWORD", "alice-pass"),
        ("IMAP_CA", ca.to_str().unwrap()),
    ];
    let run = |tool: &str, args: &[&str]| {
        let (out, err, ok) = common::example::run(tool, args, &env);
        assert!(ok, "{tool}: {err}");
        out
    };

    // 1. The mailbox table.
    let out = run("mailbox_table", &[]);
    let row = out
        .lines()
        .find(|l| l.starts_with(&name))
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(
        row.split_whitespace().collect::<Vec<_>>(),
        [&name, "3", "3"]
    );

    // 2. Attachments from one sender: two different report.pdf kept apart; a re-run saves
    //    nothing new.
    let saved = dir.join("saved");
    let saved_text = saved.to_str().unwrap();
    let out = run("attachments_since", &["billing@example.com", saved_text]);
    assert_eq!(out.lines().count(), 2, "{out}");
    let read = |f: &str| std::fs::read_to_string(saved.join(f)).unwrap();
    assert_eq!(read("1-report.pdf"), "first report");
    assert_eq!(read("2-report.pdf"), "second one");
    assert_eq!(
        run("attachments_since", &["billing@example.com", saved_text]),
        ""
    );
    assert_eq!(std::fs::read_dir(&saved).unwrap().count(), 2);

    // 3. The cron job: first run, then an expunge and a new message, then a rebuilt mailbox.
    let state = dir.join("state");
    let state_text = state.to_str().unwrap();
    assert_eq!(run("cron_sync", &[state_text]), "first run: 3 messages\n");
    s.select(name.as_str()).unwrap();
    s.uid_store_silent(2, StoreAction::Add, &[Flag::Deleted])
        .unwrap();
    s.uid_expunge(2).unwrap();
    s.append(name.as_str(), &with_attachment(bill, "m4", "r.pdf", "4"))
        .unwrap();
    assert_eq!(
        run("cron_sync", &[state_text]),
        "new: 4\ngone: 2\nflags changed: 0\n"
    );
    assert_eq!(
        run("cron_sync", &[state_text]),
        "new: \ngone: \nflags changed: 0\n"
    );

    // 4. The watcher: it prints a message appended while it watches.
    let mut watcher = common::example::spawn("watch_inbox", &[], &env);
    let stderr = watcher.stderr.take().unwrap();
    let stdout = watcher.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let tx2 = tx.clone();
    let pipe = |r: Box<dyn std::io::Read + Send>, tx: std::sync::mpsc::Sender<String>| {
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(r).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        })
    };
    pipe(Box::new(stderr), tx);
    pipe(Box::new(stdout), tx2);
    let wait = |want: &str| loop {
        match rx.recv_timeout(std::time::Duration::from_secs(120)) {
            Ok(line) if line.starts_with(want) => return line,
            Ok(_) => {}
            Err(e) => panic!("the watcher never said {want:?}: {e}"),
        }
    };
    wait("watching");
    s.append(name.as_str(), &with_attachment(bill, "m5", "r.pdf", "5"))
        .unwrap();
    assert_eq!(wait("new:"), "new: uid 5: m5");
    let _ = watcher.kill();
    let _ = watcher.wait();

    // 5. The mistakes, in the words a user sees.
    let out = run("mistakes", &[]);
    for want in [
        "a port out of range:\n    invalid argument: IMAP URL: the port 99999 is out of range (use 1 to 65535)",
        "an imaps:// URL for this port:\n    tls error: this port speaks plaintext IMAP, not TLS: use an imap:// URL (STARTTLS)",
        "a wrong password:\n    server said no to LOGIN: [AUTHENTICATIONFAILED]",
        "FETCH before SELECT:\n    FETCH needs a selected mailbox: select() or examine() a mailbox first",
        "(is_nonexistent: true)\na mailbox that does not exist:\n    server said no to SELECT:",
    ] {
        assert!(out.contains(want), "{want:?} not in:\n{out}");
    }

    // The rebuilt mailbox, for the cron job.
    let _ = s.close();
    s.delete(name.as_str()).unwrap();
    s.create(name.as_str()).unwrap();
    s.append(name.as_str(), &with_attachment(bill, "m6", "r.pdf", "6"))
        .unwrap();
    assert_eq!(
        run("cron_sync", &[state_text]),
        "the mailbox was rebuilt: 1 messages\n"
    );
    s.delete(name.as_str()).unwrap();
    s.logout().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
