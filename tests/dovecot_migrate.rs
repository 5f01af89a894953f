//! examples/migrate.rs against the real Dovecot, run as a user runs it: two of alice's
//! mailboxes (one nested, one message of 1.5 MB that goes through a file, one without a
//! Message-ID, a keyword) into bob's account over STARTTLS: every message once, byte for byte,
//! with its flags and internal date; a re-run copies nothing; after a run that stopped half-way
//! (a message on the target but not in the state file, another in neither) only the missing
//! one is copied.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use blocking_imap::{DateTime, FetchItems, Flag, Section, SequenceSet, Session, StoreAction, Uid};
use common::dovecot::server;

const SRC1: &str = "migt-one";
const SRC2: &str = "migt-two/child";

fn run_migrate(port: u16, state: &str, extra: &[&str]) -> String {
    let ca = std::env::var("BLOCKING_IMAP_CA").unwrap();
    let from = format!("imap://alice@127.0.0.1:{port}");
    let to = format!("imap://bob@127.0.0.1:{port}");
    let mut args = vec!["--from", &from, "--to", &to, "--ca", &ca, "--state", state];
    args.extend([
        "--from-password-env",
        "MIGRATE_FROM",
        "--to-password-env",
        "MIGRATE_TO",
    ]);
    args.extend(["--mailbox", SRC1, "--mailbox", SRC2]);
    args.extend(extra);
    let (out, err, ok) = common::example::run(
        "migrate",
        &args,
        &[("MIGRATE_FROM", "alice-pass"), ("MIGRATE_TO", "bob-pass")],
    );
    assert!(ok, "migrate failed: {out}\n{err}");
    out
}

fn message(id: Option<&str>, subject: &str, body_len: usize) -> Vec<u8> {
    let mut m = format!("From: a@example.org\r\nSubject: {subject}\r\n").into_bytes();
    if let Some(id) = id {
        m.extend_from_slice(format!("Message-ID: <{id}@migrate.test>\r\n").as_bytes());
    }
    m.extend_from_slice(b"\r\n");
    while m.len() < body_len {
        m.extend_from_slice(b"Lorem ipsum dolor sit amet, consectetur adipiscing elit.\r\n");
    }
    m
}

fn fresh(s: &mut Session, names: &[&str]) {
    for name in names {
        let _ = s.delete(*name);
        if let Some((parent, _)) = name.split_once('/') {
            let _ = s.delete(parent);
        }
    }
}

/// A mailbox's messages by Subject: (bytes, flags without \Recent, internal date), and the
/// UID of each.
type View = BTreeMap<String, (Vec<u8>, Vec<Flag>, i64, Uid)>;

fn view(s: &mut Session, mailbox: &str) -> View {
    s.examine(mailbox).unwrap();
    let uids: Vec<Uid> = s
        .uid_fetch(SequenceSet::from(1..), &FetchItems::new().uid())
        .unwrap()
        .map(|f| f.unwrap().uid().unwrap())
        .collect();
    let items = FetchItems::new()
        .uid()
        .flags()
        .internal_date()
        .body_peek(Section::Full);
    let mut out = BTreeMap::new();
    for uid in uids {
        let mut bytes = Vec::new();
        let f = s.uid_fetch_to(uid, &items, &mut bytes).unwrap().unwrap();
        let subject = String::from_utf8_lossy(&bytes)
            .lines()
            .find_map(|l| l.strip_prefix("Subject: ").map(str::to_string))
            .unwrap();
        let mut flags: Vec<Flag> = f
            .flags()
            .unwrap()
            .iter()
            .filter(|f| **f != Flag::Recent)
            .cloned()
            .collect();
        flags.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        let date = f.internal_date().unwrap().unix_timestamp();
        let old = out.insert(subject.clone(), (bytes, flags, date, uid));
        assert!(old.is_none(), "{subject} twice in {mailbox}");
    }
    out
}

/// The same messages, flags and dates (UIDs aside).
fn same(a: &View, b: &View) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|((ka, va), (kb, vb))| ka == kb && va.0 == vb.0 && va.1 == vb.1 && va.2 == vb.2)
}

#[test]
fn migrate_example_copies_every_message_once() {
    let Some(srv) = server() else { return };
    let mut alice = srv.login("alice", "alice-pass");
    let mut bob = srv.login("bob", "bob-pass");
    fresh(&mut alice, &[SRC1, SRC2]);
    fresh(&mut bob, &[SRC1, SRC2]);
    alice.create(SRC1).unwrap();
    alice.create(SRC2).unwrap();
    let d = |y, m| DateTime::new(y, m, 15, 8, 0, 0, -300).unwrap();
    let forwarded = [Flag::Keyword("$Forwarded".into())];
    alice
        .append_with(
            SRC1,
            &message(Some("m1"), "one", 300),
            &[Flag::Seen, Flag::Flagged],
            Some(d(2019, 2)),
        )
        .unwrap();
    alice
        .append_with(
            SRC1,
            &message(Some("m2"), "two", 300),
            &forwarded,
            Some(d(2020, 3)),
        )
        .unwrap();
    alice
        .append_with(
            SRC1,
            &message(None, "three, no id", 300),
            &[Flag::Answered],
            Some(d(2021, 4)),
        )
        .unwrap();
    alice
        .append_with(
            SRC2,
            &message(Some("big"), "big", 1_500_000),
            &[Flag::Draft],
            Some(d(2022, 5)),
        )
        .unwrap();
    alice
        .append_with(
            SRC2,
            &message(Some("m5"), "five", 100),
            &[],
            Some(d(2023, 6)),
        )
        .unwrap();
    let (src1, src2) = (view(&mut alice, SRC1), view(&mut alice, SRC2));

    let dir = std::env::temp_dir().join(format!("blocking-imap-migrate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let state: PathBuf = dir.join("state");
    let state_s = state.to_str().unwrap();

    let out = run_migrate(srv.port, state_s, &[]);
    assert!(out.contains("2 mailboxes, 5 copied"), "{out}");
    assert!(same(&view(&mut bob, SRC1), &src1), "{SRC1} on bob");
    assert!(same(&view(&mut bob, SRC2), &src2), "{SRC2} on bob");
    // Nothing changed on the source.
    assert!(same(&view(&mut alice, SRC1), &src1));

    // Again: nothing copied.
    let out = run_migrate(srv.port, state_s, &["--jobs", "2"]);
    assert!(out.contains("0 copied (0 B), 0 already there"), "{out}");
    assert!(same(&view(&mut bob, SRC1), &src1));

    // As after a kill: "two" reached the target but its line never reached the state file;
    // "five" reached neither.
    let five = view(&mut bob, SRC2)["five"].3;
    bob.select(SRC2).unwrap();
    bob.uid_store(five, StoreAction::Add, &[Flag::Deleted])
        .unwrap()
        .finish()
        .unwrap();
    bob.uid_expunge(five).unwrap();
    let text = std::fs::read_to_string(&state).unwrap();
    let src_uid = |v: &View, subject: &str| v[subject].3 .0.to_string();
    let (two, five_src) = (src_uid(&src1, "two"), src_uid(&src2, "five"));
    let kept: String = text
        .lines()
        .filter(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            !(f.len() == 5 && ((f[0] == SRC1 && f[2] == two) || (f[0] == SRC2 && f[2] == five_src)))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(kept.lines().count(), text.lines().count() - 2, "{text}");
    std::fs::write(&state, kept).unwrap();

    let out = run_migrate(srv.port, state_s, &[]);
    assert!(
        out.contains("1 copied") && out.contains("1 already there"),
        "{out}"
    );
    assert!(same(&view(&mut bob, SRC1), &src1));
    assert!(same(&view(&mut bob, SRC2), &src2));
    let _ = std::fs::remove_dir_all(&dir);
}
