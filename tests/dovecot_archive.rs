//! examples/archive.rs against the real Dovecot, run as a user runs it: old mail moves into
//! one mailbox per year of its internal date, recent mail stays, a dry run changes nothing,
//! and a run after a partial one (as after a kill) finishes the job without doubling
//! anything.

mod common;

use blocking_imap::{DateTime, FetchItems, Section, SequenceSet, Session, StatusItem};
use common::dovecot::{server, Server};

const SOURCE: &str = "arch-src";
const PREFIX: &str = "ArchT";

fn run_archive(port: u16, extra: &[&str]) -> (String, String, bool) {
    let port = port.to_string();
    let mut args = vec!["--host", "127.0.0.1", "--port", &port, "--tls", "none"];
    args.extend(["--user", "alice", "--password-env", "ARCHIVE_TEST_PASSWORD"]);
    args.extend(["--mailbox", SOURCE, "--prefix", PREFIX, "--days", "30"]);
    args.extend(extra);
    common::example::run("archive", &args, &[("ARCHIVE_TEST_PASSWORD", "alice-pass")])
}

fn message(i: usize) -> Vec<u8> {
    format!(
        "From: a@example.org\r\nSubject: message {i}\r\nMessage-ID: <arch-{i}@example.org>\r\n\
         \r\nBody {i}.\r\n"
    )
    .into_bytes()
}

/// Five messages from 2021, three from 2022 (the last written late on 31 December in a zone
/// west of UTC: Dovecot keeps the instant and reports it in its own zone, UTC here, so the
/// server says 1 January 2023, and that is the year the example files it under), two from now.
fn dates() -> Vec<DateTime> {
    let mut d: Vec<DateTime> = (1..=5)
        .map(|m| DateTime::new(2021, m, 10, 12, 0, 0, 0).unwrap())
        .collect();
    d.push(DateTime::new(2022, 6, 1, 8, 0, 0, 120).unwrap());
    d.push(DateTime::new(2022, 7, 1, 8, 0, 0, 0).unwrap());
    d.push(DateTime::new(2022, 12, 31, 23, 30, 0, -300).unwrap());
    d.push(DateTime::now());
    d.push(DateTime::now());
    d
}

fn fresh(srv: &Server) -> (Session, char) {
    let mut s = srv.login("alice", "alice-pass");
    let delimiter = s
        .list("", "")
        .unwrap()
        .first()
        .and_then(|n| n.delimiter())
        .unwrap_or('/');
    // Children before parents (a parent with children cannot go first), from earlier runs.
    let mut old: Vec<_> = s
        .list("", &format!("{PREFIX}*"))
        .unwrap()
        .into_iter()
        .map(|n| n.name().clone())
        .collect();
    old.sort_by_key(|n| std::cmp::Reverse(n.as_str().len()));
    for name in old {
        let _ = s.delete(name);
    }
    let _ = s.delete(SOURCE);
    s.create(SOURCE).unwrap();
    for (i, when) in dates().into_iter().enumerate() {
        s.append_with(SOURCE, &message(i + 1), &[], Some(when))
            .unwrap();
    }
    (s, delimiter)
}

/// How many messages `mailbox` holds (with INBOX selected: STATUS on the selected mailbox
/// may report this session's own, older view, RFC 9051 section 6.3.11).
fn count(s: &mut Session, mailbox: &str) -> u32 {
    s.examine("INBOX").unwrap();
    s.status(mailbox, &[StatusItem::Messages])
        .unwrap()
        .messages()
        .unwrap()
}

/// The subjects in a mailbox, sorted.
fn subjects(s: &mut Session, mailbox: &str) -> Vec<String> {
    s.examine(mailbox).unwrap();
    let items = FetchItems::new().body_peek(Section::HeaderFields(vec!["Subject".into()]));
    let mut out: Vec<String> = s
        .fetch(SequenceSet::from(1..), &items)
        .unwrap()
        .map(|m| {
            String::from_utf8_lossy(m.unwrap().header().unwrap())
                .trim()
                .to_string()
        })
        .collect();
    out.sort();
    out
}

#[test]
fn archive_example_files_old_mail_by_year() {
    let Some(srv) = server() else { return };
    let (mut s, delim) = fresh(&srv);
    let y2021 = format!("{PREFIX}{delim}2021");
    let y2022 = format!("{PREFIX}{delim}2022");
    let y2023 = format!("{PREFIX}{delim}2023");

    // A dry run lists what it would do and changes nothing.
    let (out, err, ok) = run_archive(srv.port, &["--dry-run"]);
    assert!(ok, "{err}");
    let lines_to = |target: &str| out.matches(&format!("to {target}\n")).count();
    assert_eq!(
        (lines_to(&y2021), lines_to(&y2022), lines_to(&y2023)),
        (5, 2, 1),
        "{out}"
    );
    assert!(
        out.ends_with("would move 8 messages into 3 mailboxes\n"),
        "{out}"
    );
    assert_eq!(count(&mut s, SOURCE), 10);
    assert!(s.list("", &format!("{PREFIX}*")).unwrap().is_empty());

    // As if an earlier run was killed half-way: 2021's mailbox exists and two of its
    // messages are already in it.
    s.create(y2021.as_str()).unwrap();
    s.select(SOURCE).unwrap();
    s.mv(SequenceSet::from(1..=2), y2021.as_str()).unwrap();

    let (out, err, ok) = run_archive(srv.port, &[]);
    assert!(ok, "{err}");
    for line in [
        format!("moved 3 messages to {y2021}"),
        format!("moved 2 messages to {y2022}"),
        format!("moved 1 messages to {y2023}"),
    ] {
        assert!(out.contains(&line), "{line} in {out}");
    }
    assert!(
        out.ends_with("moved 6 messages into 3 mailboxes\n"),
        "{out}"
    );
    assert_eq!(count(&mut s, SOURCE), 2, "recent mail stays");
    assert_eq!(count(&mut s, &y2021), 5);
    assert_eq!(
        subjects(&mut s, &y2022),
        ["Subject: message 6", "Subject: message 7"]
    );
    assert_eq!(subjects(&mut s, &y2023), ["Subject: message 8"]);
    // Internal dates survive the move (the same instants).
    s.examine(y2022.as_str()).unwrap();
    let mut got: Vec<i64> = s
        .fetch(SequenceSet::from(1..), &FetchItems::new().internal_date())
        .unwrap()
        .map(|m| m.unwrap().internal_date().unwrap().unix_timestamp())
        .collect();
    let mut want: Vec<i64> = dates()[5..7].iter().map(DateTime::unix_timestamp).collect();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want);

    // Again: nothing left to do, nothing doubled.
    let (out, err, ok) = run_archive(srv.port, &[]);
    assert!(ok, "{err}");
    assert_eq!(out, "moved 0 messages\n");
    assert_eq!((count(&mut s, &y2021), count(&mut s, &y2022)), (5, 2));

    // A mailbox that does not exist is a one-line error.
    let _ = s.delete(SOURCE);
    let (out, err, ok) = run_archive(srv.port, &[]);
    assert!(!ok && out.is_empty(), "{out}");
    assert!(err.trim().starts_with("error: opening arch-src:"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}
