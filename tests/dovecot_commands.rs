//! Mailbox and message commands against the project's real Dovecot (scripts/test.sh).
//! Each test works in mailboxes of its own, so tests can run in parallel.

mod common;

use blocking_imap::{
    Error, FetchItems, Flag, NameAttribute, ResponseCode, Search, SearchDate, Section, Seq,
    SequenceSet, Session, StatusItem, StoreAction, Uid, Unsolicited,
};
use common::dovecot::{server, Server};

fn message(i: usize, subject: &str) -> Vec<u8> {
    format!(
        "From: Sender {i} <sender{i}@example.org>\r\nTo: alice@example.org\r\n\
         Subject: {subject}\r\nMessage-ID: <msg-{i}@example.org>\r\n\
         Date: Mon, 7 Feb 1994 21:52:25 -0800\r\n\r\nBody of message {i}.\r\n"
    )
    .into_bytes()
}

/// A logged-in session with an empty mailbox called `name`, holding `n` messages.
fn setup(srv: &Server, name: &str, n: usize) -> Session {
    let mut s = srv.login("alice", "alice-pass");
    let _ = s.delete(name);
    s.create(name).unwrap();
    for i in 1..=n {
        s.append(name, &message(i, &format!("message {i}")))
            .unwrap();
    }
    s
}

#[test]
fn select_and_examine_report_the_mailbox() {
    let Some(srv) = server() else { return };
    let mut s = setup(&srv, "t-select", 3);
    let mb = s.select("t-select").unwrap();
    assert_eq!(mb.exists(), 3);
    assert!(mb.uid_validity().is_some());
    assert_eq!(mb.uid_next(), Some(4));
    assert!(mb.flags().contains(&Flag::Seen));
    assert!(mb.permanent_flags().contains(&Flag::Deleted));
    assert!(!mb.is_read_only());
    assert_eq!(mb.name().unwrap().as_str(), "t-select");
    assert!(s.mailbox().is_selected());
    // SELECT's own responses are its answer, not unsolicited noise.
    let noise: Vec<_> = s.unsolicited().collect();
    assert!(noise.is_empty(), "{noise:#?}");

    let mb = s.examine("t-select").unwrap();
    assert!(mb.is_read_only());
    assert_eq!(mb.exists(), 3);

    let err = s.select("t-no-such-mailbox").unwrap_err();
    assert!(matches!(err, Error::No(_)), "{err}");
    assert!(!s.mailbox().is_selected());
}

#[test]
fn append_with_flags_and_date_then_fetch_them() {
    let Some(srv) = server() else { return };
    let mut s = setup(&srv, "t-append", 0);
    let uid = s
        .append_with(
            "t-append",
            &message(1, "dated"),
            &[Flag::Flagged, Flag::Keyword("$Label1".into())],
            Some("17-Jul-1996 02:44:25 -0700".parse().unwrap()),
        )
        .unwrap()
        .expect("Dovecot has UIDPLUS");
    assert_eq!(uid.uids.to_string(), "1");
    s.select("t-append").unwrap();
    let items = FetchItems::new().flags().internal_date().size().uid();
    let all: Vec<_> = s
        .fetch(1, &items)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(all.len(), 1);
    let f = &all[0];
    assert_eq!(f.uid(), Some(Uid(1)));
    assert!(f.flags().unwrap().contains(&Flag::Flagged));
    assert!(f
        .flags()
        .unwrap()
        .contains(&Flag::Keyword("$Label1".into())));
    // The same instant (Dovecot may report it in UTC).
    let when = f.internal_date().expect("a parsed internal date");
    assert_eq!(
        when.unix_timestamp(),
        837_596_665,
        "{:?}",
        f.internal_date_raw()
    );
    assert_eq!(f.size(), Some(message(1, "dated").len() as u32));

    let err = s.append("t-append-missing", b"x\r\n").unwrap_err();
    assert_eq!(err.response_code(), Some(&ResponseCode::TryCreate));
    // Dovecot has BINARY, so a message holding NUL goes as a literal8 (`~{n}`); without
    // BINARY it is refused (tests/transcript_ext_search.rs).
    assert!(s.append("t-append", b"nul\0byte").unwrap().is_some());
}

#[test]
fn fetch_streams_whole_messages() {
    let Some(srv) = server() else { return };
    let mut s = setup(&srv, "t-fetch", 20);
    s.select("t-fetch").unwrap();
    let mut seen = 0;
    for (i, f) in s
        .fetch(1.., &FetchItems::new().uid().body_peek(Section::Full))
        .unwrap()
        .enumerate()
    {
        let f = f.unwrap();
        assert_eq!(f.seq(), Seq(i as u32 + 1));
        assert_eq!(
            f.body().unwrap(),
            message(i + 1, &format!("message {}", i + 1))
        );
        seen += 1;
    }
    assert_eq!(seen, 20);
    // BODY.PEEK left \Seen alone.
    assert!(s.search(&Search::all().seen()).unwrap().is_empty());
    let headers: Vec<_> = s
        .uid_fetch(5..=6, &FetchItems::new().header_fields(&["Subject"]))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(headers.len(), 2);
    assert_eq!(headers[0].header().unwrap(), b"Subject: message 5\r\n\r\n");
    assert_eq!(headers[1].uid(), Some(Uid(6)));
}

#[test]
fn dropping_a_fetch_half_way_leaves_the_session_clean() {
    let Some(srv) = server() else { return };
    let mut s = setup(&srv, "t-drop", 30);
    s.select("t-drop").unwrap();
    {
        let mut stream = s
            .fetch(1..=30, &FetchItems::new().body_peek(Section::Full))
            .unwrap();
        for _ in 0..5 {
            stream.next().unwrap().unwrap();
        }
    }
    s.noop().unwrap();
    let uids: Vec<_> = s
        .fetch(1..=3, &FetchItems::new().uid())
        .unwrap()
        .map(|f| f.unwrap().uid().unwrap())
        .collect();
    assert_eq!(uids, [Uid(1), Uid(2), Uid(3)]);
    // Nothing from the dropped fetch leaked into the queue.
    assert_eq!(s.unsolicited().count(), 0);
}

#[test]
fn store_streams_new_flags_and_silent_store_does_not() {
    let Some(srv) = server() else { return };
    let mut s = setup(&srv, "t-store", 6);
    s.select("t-store").unwrap();
    let results: Vec<_> = s
        .store(1..=5, StoreAction::Add, &[Flag::Flagged])
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(results.len(), 5);
    assert!(results
        .iter()
        .all(|f| f.flags().unwrap().contains(&Flag::Flagged)));
    s.uid_store_silent(
        SequenceSet::from([1, 3]),
        StoreAction::Remove,
        &[Flag::Flagged],
    )
    .unwrap();
    assert_eq!(
        s.search(&Search::all().flagged()).unwrap(),
        [Seq(2), Seq(4), Seq(5)]
    );
    // A dropped STORE still applies to the whole set.
    drop(s.store(1..=6, StoreAction::Replace, &[Flag::Seen]).unwrap());
    assert_eq!(s.search(&Search::all().seen()).unwrap().len(), 6);
    assert!(s.search(&Search::all().flagged()).unwrap().is_empty());
    let err = s
        .store(1, StoreAction::Add, &[Flag::Keyword("bad flag".into())])
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)));
}

#[test]
fn expunge_reports_removals_in_order() {
    let Some(srv) = server() else { return };
    let mut s = setup(&srv, "t-expunge", 6);
    s.select("t-expunge").unwrap();
    s.store_silent(
        SequenceSet::from([2, 4]),
        StoreAction::Add,
        &[Flag::Deleted],
    )
    .unwrap();
    let gone = s.expunge().unwrap();
    // Either order is a correct report (Dovecot goes from the highest number down).
    assert!(
        gone.seqs() == [Seq(4), Seq(2)] || gone.seqs() == [Seq(2), Seq(3)],
        "{:?}",
        gone.seqs()
    );
    assert_eq!(s.mailbox().exists(), 4);
    // UID EXPUNGE spares \Deleted messages outside its set.
    s.uid_store_silent(
        SequenceSet::from([1, 3]),
        StoreAction::Add,
        &[Flag::Deleted],
    )
    .unwrap();
    let gone = s.uid_expunge(1).unwrap();
    assert_eq!(gone.seqs(), [Seq(1)]);
    assert_eq!(s.mailbox().exists(), 3);
    assert_eq!(s.search(&Search::all().deleted()).unwrap(), [Seq(1)]);
    assert_eq!(
        s.status("t-expunge", &[StatusItem::Messages])
            .unwrap()
            .messages(),
        Some(3)
    );
}

#[test]
fn copy_and_move() {
    let Some(srv) = server() else { return };
    let mut s = setup(&srv, "t-copy-src", 5);
    let _ = s.delete("t-copy-dst");
    s.create("t-copy-dst").unwrap();
    s.select("t-copy-src").unwrap();
    let copied = s.copy(1..=2, "t-copy-dst").unwrap().expect("COPYUID");
    assert_eq!(copied.source.to_string(), "1:2");
    assert_eq!(copied.destination.len(), 2);
    let moved = s
        .uid_mv(SequenceSet::from([3, 5]), "t-copy-dst")
        .unwrap()
        .expect("COPYUID");
    assert_eq!(moved.source.to_string(), "3,5");
    assert_eq!(s.mailbox().exists(), 3);
    let moved = s.mv(1, "t-copy-dst").unwrap().expect("COPYUID");
    assert_eq!(moved.source.to_string(), "1");
    assert_eq!(s.mailbox().exists(), 2);
    let st = s
        .status("t-copy-dst", &[StatusItem::Messages, StatusItem::UidNext])
        .unwrap();
    assert_eq!(st.messages(), Some(5));
    assert_eq!(st.uid_next(), Some(6));
    let err = s.copy(1, "t-copy-nowhere").unwrap_err();
    assert_eq!(err.response_code(), Some(&ResponseCode::TryCreate));
}

#[test]
fn search_criteria() {
    let Some(srv) = server() else { return };
    let mut s = setup(&srv, "t-search", 0);
    s.append("t-search", &message(1, "hello world")).unwrap();
    s.append("t-search", &message(2, "Grüße aus Köln")).unwrap();
    s.append("t-search", &message(3, "another")).unwrap();
    s.select("t-search").unwrap();
    s.store_silent(3, StoreAction::Add, &[Flag::Answered])
        .unwrap();
    assert_eq!(s.search(&Search::all()).unwrap(), [Seq(1), Seq(2), Seq(3)]);
    assert_eq!(s.search(&Search::all().subject("hello")).unwrap(), [Seq(1)]);
    assert_eq!(s.search(&Search::all().subject("Köln")).unwrap(), [Seq(2)]);
    assert_eq!(s.search(&Search::all().from("sender3")).unwrap(), [Seq(3)]);
    assert_eq!(
        s.search(&Search::or(
            Search::all().subject("hello"),
            Search::all().answered()
        ))
        .unwrap(),
        [Seq(1), Seq(3)]
    );
    assert_eq!(
        s.uid_search(&Search::all().not(Search::all().answered()))
            .unwrap(),
        [Uid(1), Uid(2)]
    );
    assert_eq!(
        s.search(&Search::all().sent_before(SearchDate::new(1994, 2, 8).unwrap()))
            .unwrap()
            .len(),
        3
    );
    assert_eq!(s.search(&Search::all().subject("a\r\nb")).unwrap(), []);
    assert_eq!(s.search_raw("ANSWERED").unwrap(), [3]);
}

#[test]
fn long_sets_are_split_across_commands() {
    let Some(srv) = server() else { return };
    let mut s = setup(&srv, "t-split", 0);
    for i in 1..=400 {
        s.append("t-split", &message(i, "bulk")).unwrap();
    }
    drop(s);
    // A short line limit forces many commands for every-other-message sets.
    let mut s = srv
        .plain()
        .max_command_line(256)
        .connect()
        .unwrap()
        .login("alice", "alice-pass")
        .unwrap();
    s.select("t-split").unwrap();
    let odd: SequenceSet = (1..=400u32).filter(|n| n % 2 == 1).collect();
    assert!(
        odd.to_string().len() > 600,
        "needs several 256-byte commands"
    );
    let flagged = s
        .uid_store(odd.clone(), StoreAction::Add, &[Flag::Flagged])
        .unwrap()
        .count();
    assert_eq!(flagged, 200);
    assert_eq!(s.search(&Search::all().flagged()).unwrap().len(), 200);
    let fetched: Vec<_> = s
        .uid_fetch(odd.clone(), &FetchItems::new().uid())
        .unwrap()
        .map(|f| f.unwrap().uid().unwrap().0)
        .collect();
    assert_eq!(fetched, odd.iter().collect::<Vec<_>>());
    s.uid_store_silent(odd.clone(), StoreAction::Add, &[Flag::Deleted])
        .unwrap();
    assert_eq!(s.uid_expunge(odd).unwrap().len(), 200);
    assert_eq!(s.mailbox().exists(), 200);
}

#[test]
fn changes_from_another_session_arrive_as_unsolicited() {
    let Some(srv) = server() else { return };
    let mut a = setup(&srv, "t-two", 3);
    a.select("t-two").unwrap();
    let mut b = srv.login("alice", "alice-pass");
    b.append("t-two", &message(4, "from b")).unwrap();
    b.select("t-two").unwrap();
    b.store_silent(1, StoreAction::Add, &[Flag::Flagged])
        .unwrap();

    // A fetch on A returns only what A asked for; the news goes to the queue.
    let got: Vec<_> = a
        .fetch(2..=3, &FetchItems::new().uid())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        got.iter().map(|f| f.seq()).collect::<Vec<_>>(),
        [Seq(2), Seq(3)]
    );
    a.noop().unwrap();
    assert_eq!(a.mailbox().exists(), 4);
    let news: Vec<_> = a.unsolicited().collect();
    assert!(news.contains(&Unsolicited::Exists(4)), "{news:#?}");
    assert!(
        news.iter().any(|u| matches!(u, Unsolicited::Fetch(f)
            if f.seq() == Seq(1) && f.flags().unwrap().contains(&Flag::Flagged))),
        "{news:#?}"
    );

    b.store_silent(2, StoreAction::Add, &[Flag::Deleted])
        .unwrap();
    b.expunge().unwrap();
    a.noop().unwrap();
    assert_eq!(a.mailbox().exists(), 3);
    assert!(a.unsolicited().any(|u| u == Unsolicited::Expunge(Seq(2))));
}

#[test]
fn mailbox_management_with_non_ascii_names() {
    let Some(srv) = server() else { return };
    let mut s = srv.login("bob", "bob-pass");
    for name in [
        "Entwürfe/日本語",
        "Entwürfe",
        "t-Renamed ünï",
        "t-Plain & Co",
    ] {
        let _ = s.delete(name);
    }
    s.create("Entwürfe").unwrap();
    s.create("Entwürfe/日本語").unwrap();
    s.create("t-Plain & Co").unwrap();
    let names = s.list("", "*").unwrap();
    let find = |n: &str| names.iter().find(|x| x.name().as_str() == n).cloned();
    let child = find("Entwürfe/日本語").expect("listed");
    assert_eq!(child.delimiter(), Some('/'));
    assert_eq!(child.name().wire(), b"Entw&APw-rfe/&ZeVnLIqe-");
    assert!(find("Entwürfe").unwrap().has(&NameAttribute::HasChildren));
    assert!(find("t-Plain & Co").is_some());
    assert!(find("INBOX").is_some());
    let sent = names
        .iter()
        .find(|n| n.special_use() == Some(&NameAttribute::Sent))
        .expect("Dovecot's Sent mailbox is special-use");
    assert_eq!(sent.name().as_str(), "Sent");

    s.rename("t-Plain & Co", "t-Renamed ünï").unwrap();
    s.subscribe("t-Renamed ünï").unwrap();
    let subscribed = s.lsub("", "t-*").unwrap();
    assert_eq!(subscribed.len(), 1);
    assert_eq!(subscribed[0].name().as_str(), "t-Renamed ünï");
    s.unsubscribe("t-Renamed ünï").unwrap();
    assert!(s.lsub("", "t-*").unwrap().is_empty());

    s.append("Entwürfe/日本語", &message(1, "x")).unwrap();
    let st = s
        .status(
            "Entwürfe/日本語",
            &[
                StatusItem::Messages,
                StatusItem::Unseen,
                StatusItem::HighestModSeq,
                StatusItem::Size,
            ],
        )
        .unwrap();
    assert_eq!(st.messages(), Some(1));
    assert_eq!(st.unseen(), Some(1));
    assert!(st.highest_modseq().is_some() && st.size().is_some());
    // A name from LIST goes back unchanged.
    s.select(child.name()).unwrap();
    assert_eq!(s.mailbox().exists(), 1);
    s.check().unwrap();
    s.unselect().unwrap();
    assert!(!s.mailbox().is_selected());

    let ns = s.namespace().unwrap();
    assert_eq!(ns.personal()[0].delimiter(), Some('/'));

    let err = s.create("Entwürfe").unwrap_err();
    assert!(matches!(err, Error::No(_)));
    s.delete("Entwürfe/日本語").unwrap();
    s.delete("t-Renamed ünï").unwrap();
    assert!(matches!(s.delete("t-Renamed ünï"), Err(Error::No(_))));
}

#[test]
fn close_expunges_silently() {
    let Some(srv) = server() else { return };
    let mut s = setup(&srv, "t-close", 3);
    s.select("t-close").unwrap();
    s.store_silent(1..=2, StoreAction::Add, &[Flag::Deleted])
        .unwrap();
    s.close().unwrap();
    assert!(!s.mailbox().is_selected());
    assert_eq!(
        s.status("t-close", &[StatusItem::Messages])
            .unwrap()
            .messages(),
        Some(1)
    );
    assert_eq!(s.unsolicited().count(), 0);
}

#[test]
fn envelope_and_body_structure() {
    let Some(srv) = server() else { return };
    let mut s = setup(&srv, "t-envelope", 0);
    let multipart = "From: \"Jane Doe\" <jane@example.org>\r\nTo: a@example.org, b@example.org\r\n\
        Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\nMessage-ID: <mp@example.org>\r\n\
        MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n\
        --XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello\r\n\
        --XX\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\n\
        Content-Transfer-Encoding: base64\r\n\r\nAAAA\r\n--XX--\r\n";
    s.append("t-envelope", multipart.as_bytes()).unwrap();
    s.select("t-envelope").unwrap();
    let items = FetchItems::new().envelope().body_structure();
    let f = s.fetch(1, &items).unwrap().next().unwrap().unwrap();
    let env = f.envelope().expect("envelope");
    assert_eq!(env.subject_raw().unwrap(), b"=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=");
    assert_eq!(env.from()[0].email().as_deref(), Some("jane@example.org"));
    assert_eq!(env.to().len(), 2);
    assert!(env.cc().is_empty());
    assert_eq!(env.message_id().unwrap(), b"<mp@example.org>");
    let body = f.body_structure().expect("body structure");
    assert_eq!(body.mime_type(), "multipart/mixed");
    let parts: Vec<_> = body.walk().map(|(n, p)| (n, p.mime_type())).collect();
    assert!(
        parts.contains(&(vec![1], "text/plain".to_string())),
        "{parts:?}"
    );
    assert!(
        parts.contains(&(vec![2], "application/pdf".to_string())),
        "{parts:?}"
    );
    let pdf = body.attachments().next().expect("an attachment");
    assert_eq!(pdf.section(), [2]);
    assert_eq!(pdf.filename().as_deref(), Some("a.pdf"));
    let part = s
        .fetch(1, &FetchItems::new().body_peek(Section::Part(vec![1])))
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(part.part(&[1]).unwrap(), b"hello");
}
