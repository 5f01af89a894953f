//! The cleanup job at 10,000 messages against the real Dovecot: examples/dedupe.rs run as a
//! user runs it, and the library calls it is made of, checked against the server.

mod common;

use blocking_imap::{FetchItems, Flag, Search, SequenceSet, StatusItem, StoreAction, Unsolicited};
use common::dovecot::server;
use common::load::{load, Spec};

fn run_dedupe(port: u16, mailbox: &str, extra: &[&str]) -> (String, String, bool) {
    let port = port.to_string();
    let mut args = vec!["--host", "127.0.0.1", "--port", &port, "--tls", "none"];
    args.extend(["--user", "bulk", "--password-env", "DEDUPE_TEST_PASSWORD"]);
    args.extend(["--mailbox", mailbox]);
    args.extend(extra);
    common::example::run("dedupe", &args, &[("DEDUPE_TEST_PASSWORD", "bulk-pass")])
}

#[test]
fn dedupe_example_removes_5000_duplicates_of_10010() {
    let Some(srv) = server() else { return };
    let spec = Spec {
        user: "bulk",
        mailbox: "dedupe-10k",
        with_id: 10_000,
        unique_ids: 5_000,
        without_id: 10,
        size: 1024,
    };
    assert_eq!(load(&spec).unwrap(), 10_010);

    // A dry run changes nothing and lists what it would delete.
    let (out, err, ok) = run_dedupe(srv.port, "dedupe-10k", &["--dry-run"]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5_001, "{err}");
    assert!(lines[0].starts_with("would delete uid="), "{}", lines[0]);
    assert_eq!(lines[5_000], "kept 5010, deleted 0, remaining 10010");

    let (out, err, ok) = run_dedupe(srv.port, "dedupe-10k", &["--batch", "2000"]);
    assert!(ok, "{err}");
    assert_eq!(out, "kept 5010, deleted 5000, remaining 5010\n", "{err}");
    assert!(
        err.contains("marking duplicates"),
        "progress on stderr: {err}"
    );

    // The server agrees, every Message-ID is now unique, the lowest UIDs were kept, and the
    // messages without an id are all there.
    let mut s = srv.login("bulk", "bulk-pass");
    let st = s.status("dedupe-10k", &[StatusItem::Messages]).unwrap();
    assert_eq!(st.messages(), Some(5_010));
    s.select("dedupe-10k").unwrap();
    assert_eq!(s.mailbox().exists(), 5_010);
    let uids = s.uid_search(&Search::all()).unwrap();
    assert!(
        uids.iter().all(|u| u.0 <= 5_000 || u.0 > 10_000),
        "kept the lowest UIDs"
    );
    let without: Vec<_> = s
        .uid_fetch(10_001.., &FetchItems::new().header_fields(&["Message-ID"]))
        .unwrap()
        .map(|f| f.unwrap())
        .collect();
    assert_eq!(without.len(), 10);

    // Running it again finds nothing to do.
    let (out, err, ok) = run_dedupe(srv.port, "dedupe-10k", &[]);
    assert!(ok, "{err}");
    assert_eq!(out, "kept 5010, deleted 0, remaining 5010\n");
}

#[test]
fn dedupe_example_fails_cleanly() {
    let Some(srv) = server() else { return };
    let (out, err, ok) = run_dedupe(srv.port, "no-such-mailbox", &[]);
    assert!(!ok && out.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: opening no-such-mailbox"), "{err}");
    let port = srv.port.to_string();
    let args = [
        "--tls",
        "none",
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--user",
        "bulk",
        "--password-env",
        "DEDUPE_WRONG",
    ];
    let (_, err, ok) = common::example::run("dedupe", &args, &[("DEDUPE_WRONG", "wrong")]);
    assert!(!ok);
    assert!(
        err.starts_with("error: login as bulk: server said no"),
        "{err}"
    );
}

#[test]
fn ignoring_a_store_flood_of_10000_responses_never_blocks() {
    let Some(srv) = server() else { return };
    let spec = Spec {
        user: "bulk",
        mailbox: "flood-10k",
        with_id: 10_000,
        unique_ids: 10_000,
        without_id: 0,
        size: 200,
    };
    load(&spec).unwrap();
    let mut s = srv.login("bulk", "bulk-pass");
    s.select("flood-10k").unwrap();
    // Not read at all: dropped at once.
    drop(s.store(1.., StoreAction::Add, &[Flag::Deleted]).unwrap());
    // Read a little, then dropped.
    {
        let mut stream = s.store(1.., StoreAction::Remove, &[Flag::Deleted]).unwrap();
        stream.next().unwrap().unwrap();
    }
    // 5,000 scattered UIDs: too long for one command line, split transparently.
    let odd: SequenceSet = (1..=10_000u32).step_by(2).collect();
    assert!(odd.to_string().len() > 4 * blocking_imap::DEFAULT_MAX_LINE);
    s.uid_store(odd.clone(), StoreAction::Add, &[Flag::Deleted])
        .unwrap()
        .finish()
        .unwrap();
    s.noop().unwrap();
    assert_eq!(s.search(&Search::all().deleted()).unwrap().len(), 5_000);
    let gone = s.uid_expunge(odd).unwrap();
    assert_eq!(gone.len(), 5_000);
    assert_eq!(s.mailbox().exists(), 5_000);
    assert_eq!(
        s.status("flood-10k", &[StatusItem::Messages])
            .unwrap()
            .messages(),
        Some(5_000)
    );
    let left = s.uid_search(&Search::all()).unwrap();
    assert!(
        left.iter().all(|u| u.0 % 2 == 0),
        "only the even UIDs are left"
    );
    // None of those FETCH responses waited in the queue (only news such as RECENT did).
    let queued: Vec<_> = s.unsolicited().collect();
    assert!(
        queued
            .iter()
            .all(|u| matches!(u, Unsolicited::Recent(_) | Unsolicited::Exists(_))),
        "{queued:?}"
    );
}
