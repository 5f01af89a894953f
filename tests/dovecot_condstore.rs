//! CONDSTORE and QRESYNC against the project's Dovecot.

mod common;

use blocking_imap::{FetchItems, Flag, SequenceSet, StatusItem, StoreAction, Uid, Unsolicited};
use common::dovecot::server;

fn message(i: usize) -> Vec<u8> {
    format!("From: a@example.org\r\nSubject: m{i}\r\nMessage-ID: <c{i}@x>\r\n\r\nbody\r\n")
        .into_bytes()
}

#[test]
fn condstore_modseqs_and_conditional_store() {
    let Some(srv) = server() else { return };
    let mut s = srv.login("bob", "bob-pass");
    let _ = s.delete("t-condstore");
    s.create("t-condstore").unwrap();
    for i in 1..=4 {
        s.append("t-condstore", &message(i)).unwrap();
    }
    let mb = s.select_condstore("t-condstore").unwrap();
    let start = mb.highest_modseq().expect("HIGHESTMODSEQ");
    let items = FetchItems::new().uid().flags().modseq();
    let before = s.uid_fetch(1.., &items).unwrap().into_vec().unwrap();
    assert!(before.iter().all(|f| f.modseq().is_some()));

    // Another session changes message 2.
    let mut other = srv.login("bob", "bob-pass");
    other.select("t-condstore").unwrap();
    other
        .uid_store_silent(2, StoreAction::Add, &[Flag::Flagged])
        .unwrap();

    // Only what changed since `start` comes back.
    let changed = s
        .uid_fetch(1.., &FetchItems::new().uid().flags().changed_since(start))
        .unwrap()
        .into_vec()
        .unwrap();
    assert_eq!(
        changed.iter().map(|f| f.uid().unwrap()).collect::<Vec<_>>(),
        [Uid(2)]
    );

    // A conditional STORE refuses to touch message 2, changed after `start`.
    let modified = s
        .uid_store_unchanged_since(1..=3, start, StoreAction::Add, &[Flag::Seen])
        .unwrap();
    assert_eq!(modified.to_string(), "2");
    let seen: Vec<_> = s
        .uid_fetch(1..=3, &FetchItems::new().uid().flags())
        .unwrap()
        .map(|f| f.unwrap())
        .filter(|f| f.flags().unwrap().contains(&Flag::Seen))
        .map(|f| f.uid().unwrap())
        .collect();
    assert_eq!(seen, [Uid(1), Uid(3)]);
    assert!(s.mailbox().highest_modseq().unwrap() > start);
}

#[test]
fn qresync_reports_what_changed_since_last_time() {
    let Some(srv) = server() else { return };
    let mut s = srv.login("bob", "bob-pass");
    let _ = s.delete("t-qresync");
    s.create("t-qresync").unwrap();
    for i in 1..=5 {
        s.append("t-qresync", &message(i)).unwrap();
    }
    let st = s
        .status(
            "t-qresync",
            &[StatusItem::UidValidity, StatusItem::HighestModSeq],
        )
        .unwrap();
    let (validity, modseq) = (st.uid_validity().unwrap(), st.highest_modseq().unwrap());

    // While we are away: message 2 is expunged, message 4 flagged.
    let mut other = srv.login("bob", "bob-pass");
    other.select("t-qresync").unwrap();
    other
        .uid_store_silent(2, StoreAction::Add, &[Flag::Deleted])
        .unwrap();
    other.uid_expunge(2).unwrap();
    other
        .uid_store_silent(4, StoreAction::Add, &[Flag::Flagged])
        .unwrap();

    let known = SequenceSet::from(1..=5);
    let (mb, resync) = s
        .select_qresync("t-qresync", validity, modseq, Some(&known))
        .unwrap();
    assert_eq!(mb.exists(), 4);
    assert_eq!(resync.vanished().to_string(), "2");
    let changed: Vec<_> = resync.changed().iter().map(|f| f.uid().unwrap()).collect();
    assert_eq!(changed, [Uid(4)]);
    assert!(resync.changed()[0]
        .flags()
        .unwrap()
        .contains(&Flag::Flagged));

    // With QRESYNC on, expunges arrive as VANISHED and keep the state right.
    other
        .uid_store_silent(5, StoreAction::Add, &[Flag::Deleted])
        .unwrap();
    other.uid_expunge(5).unwrap();
    s.noop().unwrap();
    assert_eq!(s.mailbox().exists(), 3);
    let news: Vec<_> = s.unsolicited().collect();
    assert!(
        news.iter().any(|u| matches!(u, Unsolicited::Vanished { earlier: false, uids } if uids.to_string() == "5")),
        "{news:?}"
    );
    // UID EXPUNGE reports VANISHED too.
    s.uid_store_silent(1, StoreAction::Add, &[Flag::Deleted])
        .unwrap();
    let gone = s.uid_expunge(1).unwrap();
    assert_eq!(gone.vanished().to_string(), "1");
    assert_eq!(s.mailbox().exists(), 2);
}

#[test]
fn compress_deflate_is_transparent() {
    let Some(srv) = server() else { return };
    for tls in [false, true] {
        let mut s = if tls {
            srv.tls()
                .connect()
                .unwrap()
                .login("bob", "bob-pass")
                .unwrap()
        } else {
            srv.plain()
                .connect()
                .unwrap()
                .login("bob", "bob-pass")
                .unwrap()
        };
        let name = format!("t-compress-{tls}");
        let _ = s.delete(name.as_str());
        s.create(name.as_str()).unwrap();
        s.compress().unwrap();
        assert!(matches!(
            s.compress(),
            Err(blocking_imap::Error::InvalidArgument(_))
        ));
        let big = format!(
            "Subject: big\r\n\r\n{}\r\n",
            "compressible text ".repeat(20_000)
        );
        for i in 1..=20 {
            s.append(name.as_str(), &message(i)).unwrap();
        }
        s.append(name.as_str(), big.as_bytes()).unwrap();
        s.select(name.as_str()).unwrap();
        let all = s
            .fetch(
                1..,
                &FetchItems::new()
                    .uid()
                    .body_peek(blocking_imap::Section::Full),
            )
            .unwrap()
            .into_vec()
            .unwrap();
        assert_eq!(all.len(), 21);
        assert_eq!(all[0].body().unwrap(), message(1));
        assert_eq!(all[20].body().unwrap(), big.as_bytes());
        assert_eq!(s.is_tls(), tls);
        s.noop().unwrap();
        s.logout().unwrap();
    }
}
