//! Scripted-server tests of the RFCs since 2016 that the project's Dovecot does not offer,
//! shaped after the RFCs' own examples: OBJECTID (RFC 8474), REPLACE (RFC 8508),
//! UNAUTHENTICATE (RFC 8437), PARTIAL (RFC 9394), LIST-METADATA (RFC 9590), STATUS
//! MAILBOXID / DELETED / SIZE; and how their new response shapes go through the item-level
//! recovery (an odd item costs only itself).

mod common;

use blocking_imap::{
    AppendMessage, Error, FetchItems, Flag, ListOptions, PartialRange, ResponseCode, ReturnOption,
    Search, Seq, SequenceSet, StatusItem, Uid, Unsolicited,
};
use common::{c, s};

#[test]
fn objectid_create_status_fetch_and_search() {
    let (script, mut session) = common::logged_in(
        "IMAP4rev1 OBJECTID",
        vec![
            // RFC 8474 section 4.1.
            c("A0002 CREATE foo\r\n"),
            s("A0002 OK [MAILBOXID (F2212ea87-6097-4256-9d51-71338625)] Completed\r\n"),
            c("A0003 STATUS foo (MAILBOXID MESSAGES DELETED SIZE)\r\n"),
            s("* STATUS foo (MAILBOXID (F2212ea87-6097-4256-9d51-71338625) MESSAGES 2 DELETED 1 SIZE 12345)\r\n"),
            s("A0003 OK\r\n"),
            c("A0004 SELECT foo\r\n"),
            s("* 2 EXISTS\r\nA0004 OK [READ-WRITE] done\r\n"),
            // RFC 8474 section 5.3 (its example, with our tag).
            c("A0005 FETCH 1:2 (EMAILID THREADID)\r\n"),
            s("* 1 FETCH (EMAILID (M6d99ac3275bb4e) THREADID (T64b478a75b7ea9))\r\n"),
            s("* 2 FETCH (EMAILID (M5fdc09b49ea703) THREADID NIL)\r\n"),
            s("A0005 OK done\r\n"),
            c("A0006 UID SEARCH EMAILID M6d99ac3275bb4e\r\n"),
            s("* SEARCH 1\r\nA0006 OK\r\n"),
            c("A0007 UID SEARCH THREADID T64b478a75b7ea9\r\n"),
            s("* SEARCH 1 5\r\nA0007 OK\r\n"),
        ],
    );
    assert_eq!(
        session.create_with_id("foo").unwrap().as_deref(),
        Some("F2212ea87-6097-4256-9d51-71338625")
    );
    let st = session
        .status(
            "foo",
            &[
                StatusItem::MailboxId,
                StatusItem::Messages,
                StatusItem::Deleted,
                StatusItem::Size,
            ],
        )
        .unwrap();
    assert_eq!(st.mailbox_id(), Some("F2212ea87-6097-4256-9d51-71338625"));
    assert_eq!(
        (st.messages(), st.deleted(), st.size()),
        (Some(2), Some(1), Some(12345))
    );
    session.select("foo").unwrap();
    let got: Vec<_> = session
        .fetch(
            SequenceSet::from(1..=2),
            &FetchItems::new().email_id().thread_id(),
        )
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(got[0].email_id(), Some("M6d99ac3275bb4e"));
    assert_eq!(got[0].thread_id(), Some("T64b478a75b7ea9"));
    assert_eq!(got[1].email_id(), Some("M5fdc09b49ea703"));
    assert_eq!(got[1].thread_id(), None, "THREADID NIL");
    assert_eq!(
        session
            .uid_search(&Search::all().email_id("M6d99ac3275bb4e"))
            .unwrap(),
        [Uid(1)]
    );
    assert_eq!(
        session
            .uid_search(&Search::all().thread_id("T64b478a75b7ea9"))
            .unwrap(),
        [Uid(1), Uid(5)]
    );
    // An id that is not an object id is refused before anything is written.
    for bad in ["", "a b", "x\r\nA9 LOGOUT", "(M1)"] {
        let e = session
            .uid_search(&Search::all().email_id(bad))
            .unwrap_err();
        assert!(matches!(e, Error::InvalidArgument(_)), "{bad:?}: {e:?}");
    }
    script.assert_done();
}

#[test]
fn an_odd_status_item_costs_only_itself() {
    let (script, mut session) = common::logged_in(
        "IMAP4rev1 OBJECTID STATUS=SIZE",
        vec![
            c("A0002 STATUS foo (MAILBOXID SIZE MESSAGES)\r\n"),
            s("* STATUS foo (MAILBOXID (bad id!) SIZE -3 MESSAGES 4)\r\n"),
            s("A0002 OK\r\n"),
        ],
    );
    let st = session
        .status(
            "foo",
            &[
                StatusItem::MailboxId,
                StatusItem::Size,
                StatusItem::Messages,
            ],
        )
        .unwrap();
    assert_eq!(st.messages(), Some(4));
    assert_eq!((st.mailbox_id(), st.size()), (None, None));
    let names: Vec<&str> = st.unparsed().iter().map(|u| u.name()).collect();
    assert_eq!(names, ["MAILBOXID", "SIZE"]);
    script.assert_done();
}

#[test]
fn replace_by_uid_and_by_number() {
    let (script, mut session) = common::logged_in(
        "IMAP4rev1 REPLACE UIDPLUS",
        vec![
            c("A0002 SELECT Drafts\r\n"),
            s("* 5 EXISTS\r\nA0002 OK [READ-WRITE] done\r\n"),
            // RFC 8508 section 3.4, first example (our tag, LITERAL+ absent: synchronising).
            c("A0003 UID REPLACE 2 Drafts (\\Seen \\Draft) {11}\r\n"),
            s("+ Ready for literal data\r\n"),
            c("Subject: v2\r\n"),
            s("* OK [APPENDUID 1 2000] Replacement Message ID assigned\r\n"),
            s("* 2 EXPUNGE\r\n"),
            s("A0003 OK Replace completed\r\n"),
            // By number, into another mailbox, the APPENDUID in the tagged OK.
            c("A0004 REPLACE 1 Archive {2}\r\n"),
            s("+ go\r\n"),
            c("x\n\r\n"),
            s("* 1 EXPUNGE\r\nA0004 OK [APPENDUID 7 42] done\r\n"),
            // The target does not exist: nothing changed.
            c("A0005 UID REPLACE 9 Nowhere {1}\r\n"),
            s("A0005 NO [TRYCREATE] no such mailbox\r\n"),
        ],
    );
    session.select("Drafts").unwrap();
    let new = session
        .uid_replace(
            Uid(2),
            "Drafts",
            &AppendMessage::new(b"Subject: v2").flags(&[Flag::Seen, Flag::Draft]),
        )
        .unwrap()
        .unwrap();
    assert_eq!(
        (new.uid_validity, new.uids.clone()),
        (1, SequenceSet::from(2000))
    );
    assert_eq!(session.mailbox().exists(), 4, "the old one is gone");
    let new = session
        .replace(Seq(1), "Archive", &AppendMessage::new(b"x\n"))
        .unwrap()
        .unwrap();
    assert_eq!((new.uid_validity, new.uids), (7, SequenceSet::from(42)));
    let e = session
        .uid_replace(Uid(9), "Nowhere", &AppendMessage::new(b"y"))
        .unwrap_err();
    assert!(
        matches!(&e, Error::No(t) if t.code == Some(ResponseCode::TryCreate)),
        "{e:?}"
    );
    // The EXPUNGEs went to the queue as after any command.
    let queued: Vec<_> = session.unsolicited().collect();
    assert_eq!(
        queued
            .iter()
            .filter(|u| matches!(u, Unsolicited::Expunge(_)))
            .count(),
        2,
        "{queued:?}"
    );
    // Refused before anything is sent: message 0, a NUL byte.
    assert!(matches!(
        session.replace(Seq(0), "Drafts", &AppendMessage::new(b"x")),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        session.uid_replace(Uid(1), "Drafts", &AppendMessage::new(b"a\0b")),
        Err(Error::InvalidArgument(_))
    ));
    script.assert_done();
}

#[test]
fn replace_needs_the_capability() {
    let (script, mut session) = common::logged_in("IMAP4rev1", vec![]);
    let e = session
        .uid_replace(Uid(1), "INBOX", &AppendMessage::new(b"x"))
        .unwrap_err();
    assert!(matches!(e, Error::MissingCapability(c) if c == "REPLACE"));
    script.assert_done();
}

#[test]
fn unauthenticate_and_log_in_again() {
    let (script, session) = common::logged_in(
        "IMAP4rev1 UNAUTHENTICATE ENABLE",
        vec![
            c("A0002 SELECT INBOX\r\n"),
            s("* 3 EXISTS\r\nA0002 OK [READ-WRITE] done\r\n"),
            c("A0003 UNAUTHENTICATE\r\n"),
            s("A0003 OK [CAPABILITY IMAP4rev1 AUTH=PLAIN UNAUTHENTICATE] unauthenticated\r\n"),
            c("A0004 LOGIN bob pw\r\n"),
            s("A0004 OK [CAPABILITY IMAP4rev1 UNAUTHENTICATE] bob in\r\n"),
            c("A0005 NOOP\r\n"),
            s("A0005 OK\r\n"),
        ],
    );
    let mut session = session;
    session.select("INBOX").unwrap();
    let client = session.unauthenticate().unwrap();
    assert_eq!(client.greeting().text, "unauthenticated");
    let mut bob = client.login("bob", "pw").unwrap();
    assert!(
        !bob.mailbox().is_selected(),
        "nothing is selected after UNAUTHENTICATE"
    );
    assert!(!bob.capabilities().unwrap().has("ENABLE"));
    bob.noop().unwrap();
    script.assert_done();
}

#[test]
fn unauthenticate_refused_hands_the_session_back() {
    let (script, session) = common::logged_in(
        "IMAP4rev1 UNAUTHENTICATE",
        vec![
            c("A0002 UNAUTHENTICATE\r\n"),
            s("A0002 NO not now\r\n"),
            c("A0003 NOOP\r\n"),
            s("A0003 OK\r\n"),
        ],
    );
    let e = session.unauthenticate().unwrap_err();
    assert!(matches!(&e.error, Error::No(t) if t.text == "not now"));
    let mut session = *e.session;
    session.noop().unwrap();
    script.assert_done();

    let (script, session) = common::logged_in("IMAP4rev1", vec![]);
    let e = session.unauthenticate().unwrap_err();
    assert!(matches!(&e.error, Error::MissingCapability(c) if c == "UNAUTHENTICATE"));
    assert!(!e.session.is_broken());
    script.assert_done();
}

#[test]
fn partial_search_pages_and_partial_fetch() {
    let (script, mut session) = common::logged_in(
        "IMAP4rev1 ESEARCH PARTIAL",
        vec![
            c("A0002 SELECT INBOX\r\n"),
            s("* 300 EXISTS\r\nA0002 OK [READ-WRITE] done\r\n"),
            // RFC 9394 section 3.1's shape: the first page, then the last one.
            c("A0003 UID SEARCH RETURN (PARTIAL 1:5 COUNT) UNDELETED\r\n"),
            s("* ESEARCH (TAG \"A0003\") UID PARTIAL (1:5 200:203,250) COUNT 260\r\n"),
            s("A0003 OK done\r\n"),
            c("A0004 UID SEARCH RETURN (PARTIAL -1:-5) UNDELETED\r\n"),
            s("* ESEARCH (TAG \"A0004\") UID PARTIAL (-1:-5 1001:1005)\r\n"),
            s("A0004 OK done\r\n"),
            // Past the end: NIL.
            c("A0005 UID SEARCH RETURN (PARTIAL 501:600) UNDELETED\r\n"),
            s("* ESEARCH (TAG \"A0005\") UID PARTIAL (501:600 NIL)\r\n"),
            s("A0005 OK done\r\n"),
            // An odd PARTIAL costs only itself.
            c("A0006 SEARCH RETURN (PARTIAL 1:2 MIN) ALL\r\n"),
            s("* ESEARCH (TAG \"A0006\") PARTIAL (0:2 1:2) MIN 1\r\n"),
            s("A0006 OK done\r\n"),
            // A server that ignores RETURN: the page is cut from the plain answer.
            c("A0007 SEARCH RETURN (PARTIAL -1:-2) ALL\r\n"),
            s("* SEARCH 9 3 7 1\r\nA0007 OK\r\n"),
            // The FETCH modifier: the newest 30 messages' flags.
            c("A0008 UID FETCH 1:* (UID FLAGS) (PARTIAL -1:-30)\r\n"),
            s("* 300 FETCH (UID 1300 FLAGS (\\Seen))\r\n"),
            s("A0008 OK done\r\n"),
        ],
    );
    session.select("INBOX").unwrap();
    let r = session
        .uid_search_extended(
            &Search::all().undeleted(),
            &[
                ReturnOption::Partial(PartialRange::first(1, 5)),
                ReturnOption::Count,
            ],
        )
        .unwrap();
    let page = r.partial.expect("a page");
    assert_eq!(page.range(), PartialRange::first(1, 5));
    assert_eq!(page.matches().to_string(), "200:203,250");
    assert_eq!(r.count, Some(260));
    let r = session
        .uid_search_extended(
            &Search::all().undeleted(),
            &[ReturnOption::Partial(PartialRange::last(1, 5))],
        )
        .unwrap();
    let page = r.partial.unwrap();
    assert!(page.range().is_from_end());
    assert_eq!(page.matches(), &SequenceSet::from(1001..=1005));
    let r = session
        .uid_search_extended(
            &Search::all().undeleted(),
            &[ReturnOption::Partial(PartialRange::page(6, 100))],
        )
        .unwrap();
    assert!(r.partial.unwrap().matches().is_empty());
    let r = session
        .search_extended(
            &Search::all(),
            &[
                ReturnOption::Partial(PartialRange::first(1, 2)),
                ReturnOption::Min,
            ],
        )
        .unwrap();
    assert_eq!((r.partial, r.min), (None, Some(1)));
    assert_eq!(r.unparsed.len(), 1);
    assert_eq!(r.unparsed[0].name(), "PARTIAL");
    let r = session
        .search_extended(
            &Search::all(),
            &[ReturnOption::Partial(PartialRange::last(1, 2))],
        )
        .unwrap();
    assert_eq!(r.partial.unwrap().matches().to_string(), "7,9");
    let got: Vec<_> = session
        .uid_fetch(
            1..,
            &FetchItems::new()
                .uid()
                .flags()
                .partial(PartialRange::last(1, 30)),
        )
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(got[0].uid(), Some(Uid(1300)));
    // Position 0 is refused before anything is sent.
    assert!(matches!(
        session.search_extended(
            &Search::all(),
            &[ReturnOption::Partial(PartialRange::first(0, 9))]
        ),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        session.uid_fetch(1.., &FetchItems::new().partial(PartialRange::first(0, 1))),
        Err(Error::InvalidArgument(_))
    ));
    script.assert_done();
}

#[test]
fn list_metadata_attaches_values_to_entries() {
    let (script, mut session) = common::logged_in(
        "IMAP4rev1 LIST-EXTENDED METADATA LIST-METADATA",
        vec![
            // RFC 9590 section 3's shape.
            c("A0002 LIST \"\" \"%\" RETURN (METADATA (/shared/comment /private/comment))\r\n"),
            s("* LIST (\\HasNoChildren) \".\" \"INBOX\"\r\n"),
            s("* METADATA \"INBOX\" (/shared/comment \"Shared comment\")\r\n"),
            s("* LIST (\\HasNoChildren) \".\" \"foo\"\r\n"),
            s("* METADATA \"foo\" (/shared/comment NIL /private/comment \"My own comment\")\r\n"),
            s("* LIST (\\HasNoChildren) \".\" \"bar\"\r\n"),
            // A METADATA response that does not follow the grammar costs only itself.
            s("* METADATA \"bar\" (/shared/comment\r\n"),
            // Another mailbox's METADATA (no entry listed): news for the caller.
            s("* METADATA \"elsewhere\" (/shared/comment \"x\")\r\n"),
            s("A0002 OK List completed\r\n"),
        ],
    );
    let entries = session
        .list_extended(
            "",
            &["%"],
            &ListOptions::new().return_metadata(&["/shared/comment", "/private/comment"]),
        )
        .unwrap();
    assert_eq!(entries.len(), 3);
    let inbox = entries[0].metadata().expect("INBOX's metadata");
    assert_eq!(inbox.get("/shared/comment"), Some(&b"Shared comment"[..]));
    let foo = entries[1].metadata().unwrap();
    assert_eq!(foo.get("/private/comment"), Some(&b"My own comment"[..]));
    assert_eq!(foo.get("/shared/comment"), None);
    assert!(entries[2].metadata().is_none());
    let queued: Vec<_> = session.unsolicited().collect();
    assert!(queued
        .iter()
        .any(|u| matches!(u, Unsolicited::Metadata(m) if m.mailbox() == "elsewhere")));
    assert!(
        queued.iter().any(
            |u| matches!(u, Unsolicited::Other { raw, .. } if raw.starts_with(b"* METADATA \"bar\""))
        ),
        "{queued:?}"
    );
    // Bad entry names are refused before anything is sent.
    for bad in [&["comment"][..], &["/a b"], &["/x*"], &[]] {
        let e = session
            .list_extended("", &["%"], &ListOptions::new().return_metadata(bad))
            .unwrap_err();
        assert!(matches!(e, Error::InvalidArgument(_)), "{bad:?}: {e:?}");
    }
    script.assert_done();
}

#[test]
fn savedate_and_preview_items_are_written_as_the_rfcs_spell_them() {
    let (script, mut session) = common::logged_in(
        "IMAP4rev1 SAVEDATE PREVIEW",
        vec![
            c("A0002 SELECT INBOX\r\n"),
            s("* 1 EXISTS\r\nA0002 OK [READ-WRITE] done\r\n"),
            c("A0003 FETCH 1 (SAVEDATE PREVIEW (LAZY))\r\n"),
            s("* 1 FETCH (SAVEDATE \"12-Sep-2023 13:39:01 -0400\" PREVIEW NIL)\r\n"),
            s("A0003 OK\r\n"),
            c("A0004 SEARCH SAVEDSINCE 1-Sep-2023 SAVEDBEFORE 2-Oct-2023 SAVEDON 12-Sep-2023 SAVEDATESUPPORTED\r\n"),
            s("* SEARCH 1\r\nA0004 OK\r\n"),
        ],
    );
    session.select("INBOX").unwrap();
    let f = session
        .fetch(1, &FetchItems::new().save_date().preview_lazy())
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let when = f.save_date_time().unwrap();
    assert_eq!((when.year(), when.month(), when.day()), (2023, 9, 12));
    assert_eq!(f.preview_text(), None, "LAZY: not at hand");
    let d = |y, m, d| blocking_imap::SearchDate::new(y, m, d).unwrap();
    let hits = session
        .search(
            &Search::all()
                .saved_since(d(2023, 9, 1))
                .saved_before(d(2023, 10, 2))
                .saved_on(d(2023, 9, 12))
                .save_date_supported(),
        )
        .unwrap();
    assert_eq!(hits, [Seq(1)]);
    script.assert_done();
}

/// PARTIAL answers recorded from a real Dovecot (tests/corpus/mailkit/dovecot/search-partial*),
/// each replayed for the command that asks for its range.
#[test]
fn recorded_dovecot_partial_answers() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/mailkit/dovecot/");
    let cases = [
        (
            "search-partial.txt",
            PartialRange::first(1, 10),
            "1:3,5,7:10",
        ),
        (
            "search-partial-negative.txt",
            PartialRange::last(1, 10),
            "5:14",
        ),
        ("search-partial-nil.txt", PartialRange::first(100, 110), ""),
        (
            "search-partial-options.txt",
            PartialRange::first(1, 10),
            "1:10",
        ),
    ];
    for (file, range, want) in cases {
        let recorded = std::fs::read_to_string(format!("{dir}{file}")).unwrap();
        let reply = recorded.replace("A########", "A0003").replace('\n', "\r\n");
        let (script, mut session) = common::selected(
            "IMAP4rev1 ESEARCH PARTIAL",
            vec![
                c(&format!(
                    "A0003 UID SEARCH RETURN (PARTIAL {range}) ALL\r\n"
                )),
                s(&reply),
            ],
        );
        let r = session
            .uid_search_extended(&Search::all(), &[ReturnOption::Partial(range)])
            .unwrap();
        let page = r.partial.unwrap_or_else(|| panic!("{file}: no page"));
        assert_eq!(page.range(), range, "{file}");
        assert_eq!(page.matches().to_string(), want, "{file}");
        assert!(r.unparsed.is_empty(), "{file}: {:?}", r.unparsed);
        script.assert_done();
    }
}

#[test]
fn select_reports_the_mailbox_id_and_a_create_while_selected_does_not_change_it() {
    let (script, mut session) = common::logged_in(
        "IMAP4rev1 OBJECTID",
        vec![
            // RFC 8474 section 4.2 (as Cyrus 3.6 sends it).
            c("A0002 SELECT foo\r\n"),
            s("* 0 EXISTS\r\n* OK [UIDVALIDITY 1796538245] Ok\r\n"),
            s("* OK [MAILBOXID (F2212ea87-6097-4256-9d51-71338625)] Ok\r\n"),
            s("A0002 OK [READ-WRITE] Completed\r\n"),
            c("A0003 CREATE bar\r\n"),
            s("A0003 OK [MAILBOXID (Fother)] Completed\r\n"),
            c("A0004 EXAMINE baz\r\n"),
            s("* 0 EXISTS\r\nA0004 OK [READ-ONLY] Completed\r\n"),
        ],
    );
    let mb = session.select("foo").unwrap();
    assert_eq!(mb.mailbox_id(), Some("F2212ea87-6097-4256-9d51-71338625"));
    assert_eq!(
        session.create_with_id("bar").unwrap().as_deref(),
        Some("Fother")
    );
    assert_eq!(
        session.mailbox().mailbox_id(),
        Some("F2212ea87-6097-4256-9d51-71338625"),
        "CREATE's id is the new mailbox's, not the selected one's"
    );
    // A server without MAILBOXID for the next mailbox: none, not the previous one's.
    assert_eq!(session.examine("baz").unwrap().mailbox_id(), None);
    script.assert_done();
}
