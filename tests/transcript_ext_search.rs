//! Scripted-server tests of ESEARCH, SORT, THREAD, LIST-EXTENDED, MULTIAPPEND and BINARY:
//! the exact bytes written, quirky answers, deep THREAD nesting, missing capabilities.

mod common;

use blocking_imap::{
    AppendMessage, ClientBuilder, Error, Flag, ListOptions, NameAttribute, ResponseCode,
    ReturnOption, Search, Security, Seq, SequenceSet, Session, SortKey, StatusItem,
    ThreadAlgorithm, Uid, Unsolicited,
};
use common::{c, s, Script, Step, GREETING};

fn session(caps: &str, steps: Vec<Step>) -> (Script, Session) {
    common::logged_in(caps, steps)
}

/// [`session`] with INBOX selected first (`A0002`): the steps start at `A0003`.
fn selected_session(caps: &str, steps: Vec<Step>) -> (Script, Session) {
    common::selected(caps, steps)
}

fn missing(err: Error, cap: &str) {
    match err {
        Error::MissingCapability(c) if c == cap => {}
        other => panic!("expected MissingCapability({cap}), got {other:?}"),
    }
}

#[test]
fn esearch_matches_its_correlator_and_takes_quirky_forms() {
    let (script, mut s) = selected_session(
        "IMAP4rev1 ESEARCH SEARCHRES LITERAL+",
        vec![
            c("A0003 UID SEARCH RETURN (MIN MAX COUNT ALL) UNSEEN\r\n"),
            // Another command's result first (kept for the caller), then ours in lower case.
            s("* ESEARCH (TAG \"A0001\") UID ALL 99\r\n"),
            s("* esearch (tag \"a0003\") uid min 1 max 9 count 5 all 1:3,5,9\r\n"),
            s("A0003 OK done\r\n"),
            c("A0004 SEARCH RETURN (COUNT) CHARSET UTF-8 SUBJECT {2+}\r\n\u{e9}\r\n"),
            // No correlator at all, extra spaces, MODSEQ, unknown return data.
            s("* ESEARCH  COUNT 3 MODSEQ 917162500 X-FOO (1 2)\r\n"),
            s("A0004 OK\r\n"),
            c("A0005 SEARCH RETURN (MIN ALL) ALL\r\n"),
            // A server that ignores RETURN and answers the old way.
            s("* SEARCH 4 2 7\r\nA0005 OK\r\n"),
            c("A0006 UID SEARCH RETURN (SAVE) SEEN\r\n"),
            // SAVE alone: no result at all.
            s("A0006 OK saved\r\n"),
            c("A0007 SEARCH RETURN () ALL\r\n"),
            s("* ESEARCH (TAG \"A0007\")\r\nA0007 OK\r\n"),
        ],
    );
    let all = [
        ReturnOption::Min,
        ReturnOption::Max,
        ReturnOption::Count,
        ReturnOption::All,
    ];
    let r = s
        .uid_search_extended(&Search::all().unseen(), &all)
        .unwrap();
    assert_eq!(
        (r.min, r.max, r.count, r.uid),
        (Some(1), Some(9), Some(5), true)
    );
    assert_eq!(r.all, SequenceSet::from([1, 2, 3, 5, 9]));

    let r = s
        .search_extended(&Search::all().subject("\u{e9}"), &[ReturnOption::Count])
        .unwrap();
    assert_eq!(
        (r.count, r.modseq, r.uid),
        (Some(3), Some(917162500), false)
    );

    let r = s
        .search_extended(&Search::all(), &[ReturnOption::Min, ReturnOption::All])
        .unwrap();
    assert_eq!((r.min, r.max, r.count), (Some(2), None, None));
    assert_eq!(r.all.to_string(), "2,4,7");

    let r = s
        .uid_search_extended(&Search::all().seen(), &[ReturnOption::Save])
        .unwrap();
    assert_eq!((r.count, r.all.is_empty(), r.uid), (None, true, true));

    let r = s.search_extended(&Search::all(), &[]).unwrap();
    assert_eq!((r.count, r.all.is_empty()), (None, true));

    let news: Vec<_> = s.unsolicited().collect();
    assert_eq!(news.len(), 1, "{news:?}");
    match &news[0] {
        Unsolicited::ESearch { tag, result } => {
            assert_eq!(tag.as_deref(), Some("A0001"));
            assert_eq!(result.all.to_string(), "99");
        }
        other => panic!("{other:?}"),
    }
    script.assert_done();
}

#[test]
fn sort_and_thread_on_the_wire() {
    let (script, mut s) = selected_session(
        "IMAP4rev1 SORT SORT=DISPLAY THREAD=REFERENCES THREAD=ORDEREDSUBJECT LITERAL+",
        vec![
            c("A0003 SORT (REVERSE DATE DISPLAYFROM) UTF-8 UNSEEN\r\n"),
            s("* SORT 5 3 4 1 2\r\n* 6 EXISTS\r\nA0003 OK\r\n"),
            c("A0004 UID SORT (SUBJECT) UTF-8 ALL\r\n"),
            s("* SORT\r\nA0004 OK\r\n"),
            c("A0005 THREAD REFERENCES UTF-8 ALL\r\n"),
            s("* THREAD (2)(3 6 (4 23)(44 7 96))\r\nA0005 OK\r\n"),
            c("A0006 UID THREAD ORDEREDSUBJECT UTF-8 SUBJECT {2+}\r\n\u{e9}\r\n"),
            s("* thread ((3)(5))\r\nA0006 OK\r\n"),
        ],
    );
    let got = s
        .sort(
            &[SortKey::Reverse, SortKey::Date, SortKey::DisplayFrom],
            &Search::all().unseen(),
        )
        .unwrap();
    assert_eq!(got, [5, 3, 4, 1, 2].map(Seq));
    assert!(s
        .uid_sort(&[SortKey::Subject], &Search::all())
        .unwrap()
        .is_empty());

    let threads = s
        .thread(ThreadAlgorithm::References, &Search::all())
        .unwrap();
    assert_eq!(threads.len(), 2);
    assert_eq!(threads[0].messages(), [Seq(2)]);
    assert_eq!(threads[1].messages(), [Seq(3), Seq(6)]);
    let kids = threads[1].children();
    assert_eq!(kids[0].messages(), [Seq(4), Seq(23)]);
    assert_eq!(kids[1].messages(), [Seq(44), Seq(7), Seq(96)]);
    assert_eq!(
        threads[1].iter().map(|s| s.0).collect::<Vec<_>>(),
        [3, 6, 4, 23, 44, 7, 96]
    );

    let threads = s
        .uid_thread(
            ThreadAlgorithm::OrderedSubject,
            &Search::all().subject("\u{e9}"),
        )
        .unwrap();
    assert_eq!(threads.len(), 1);
    assert_eq!((threads[0].root(), threads[0].len()), (None, 2));
    assert_eq!(threads[0].children()[1].messages(), [Uid(5)]);

    assert_eq!(
        s.unsolicited().collect::<Vec<_>>(),
        [Unsolicited::Exists(6)]
    );
    script.assert_done();
}

/// ` (1 (2 (3 ... n ... )))`: a THREAD `depth` parentheses deep.
fn nested_thread(depth: usize) -> String {
    let mut t = String::from("* THREAD ");
    for i in 1..=depth {
        t.push_str(&format!("({i} "));
    }
    t.push_str(&")".repeat(depth));
    t.push_str("\r\n");
    t
}

#[test]
fn deep_threads_cost_one_response_not_the_stack() {
    // Deeper than the framer's limit (100 by default): skipped whole, queued, the command
    // still completes and the next one works.
    let (script, mut imap) = selected_session(
        "IMAP4rev1 THREAD=REFERENCES",
        vec![
            c("A0003 THREAD REFERENCES UTF-8 ALL\r\n"),
            s(&nested_thread(150)),
            s("A0003 OK\r\n"),
            c("A0004 THREAD REFERENCES UTF-8 ALL\r\n"),
            s(&nested_thread(90)),
            s("A0004 OK\r\n"),
            c("A0005 NOOP\r\n"),
            s("A0005 OK\r\n"),
        ],
    );
    let got = imap
        .thread(ThreadAlgorithm::References, &Search::all())
        .unwrap();
    assert!(got.is_empty());
    assert!(matches!(
        imap.unsolicited().next(),
        Some(Unsolicited::Other { raw, .. }) if raw.starts_with(b"* THREAD ((")
            || raw.starts_with(b"* THREAD (1 (2")
    ));
    let got = imap
        .thread(ThreadAlgorithm::References, &Search::all())
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].len(), 90);
    assert_eq!(got[0].iter().last(), Some(&Seq(90)));
    imap.noop().unwrap();
    script.assert_done();

    // With the framer's limit lifted, the THREAD parser's own limit (256) still holds: a
    // response 50,000 deep is refused without recursion; a 100,000-message chain is flat.
    let chain: Vec<String> = (1..=100_000).map(|n| n.to_string()).collect();
    let script = Script::new(vec![
        s(GREETING),
        c("A0001 LOGIN u p\r\n"),
        s("A0001 OK [CAPABILITY IMAP4rev1 THREAD=REFS] in\r\n"),
        c(common::SELECT_INBOX[0]),
        s(common::SELECT_INBOX[1]),
        c("A0003 THREAD REFS UTF-8 ALL\r\n"),
        s(&nested_thread(50_000)),
        s("A0003 OK\r\n"),
        c("A0004 UID THREAD REFS UTF-8 ALL\r\n"),
        s(&format!(
            "* THREAD ({})(7)\r\nA0004 OK\r\n",
            chain.join(" ")
        )),
        c("A0005 THREAD REFS UTF-8 ALL\r\n"),
        s(&nested_thread(256)),
        s("A0005 OK\r\n"),
    ]);
    let mut imap = ClientBuilder::new("localhost", 143)
        .security(Security::Plaintext)
        .max_nesting_depth(1_000_000)
        .connect_stream(script.clone())
        .unwrap()
        .login("u", "p")
        .unwrap();
    imap.select("INBOX").unwrap();
    assert!(imap
        .thread(ThreadAlgorithm::Refs, &Search::all())
        .unwrap()
        .is_empty());
    match imap.unsolicited().next() {
        Some(Unsolicited::Other { reason, .. }) => assert!(reason.contains("deeper"), "{reason}"),
        other => panic!("{other:?}"),
    }
    let got = imap
        .uid_thread(ThreadAlgorithm::Refs, &Search::all())
        .unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].messages().len(), 100_000);
    assert_eq!(got[1].messages(), [Uid(7)]);
    let got = imap.thread(ThreadAlgorithm::Refs, &Search::all()).unwrap();
    assert_eq!(got[0].len(), 256);
    assert!(!imap.is_broken());
    script.assert_done();
}

#[test]
fn list_extended_pairs_each_status_with_its_mailbox() {
    let (script, mut s) = session(
        "IMAP4rev1 LIST-EXTENDED LIST-STATUS SPECIAL-USE",
        vec![
            c("A0002 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (\"INBOX\" \"Lists/%\") \
               RETURN (CHILDREN SPECIAL-USE STATUS (MESSAGES UNSEEN))\r\n"),
            s("* LIST (\\Subscribed \\HasNoChildren) \"/\" INBOX\r\n"),
            s("* STATUS INBOX (MESSAGES 17 UNSEEN 16)\r\n"),
            s("* LIST (\\NonExistent \\HasChildren) \"/\" \"Lists\" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n"),
            s("* LIST (\\Subscribed \\Sent) \"/\" \"Lists/Sent\" (\"OLDNAME\" (\"Lists/Outbox\"))\r\n"),
            // A status for a mailbox not listed, and an LSUB: news for the caller.
            s("* STATUS \"Elsewhere\" (MESSAGES 1)\r\n"),
            s("* STATUS \"Lists/Sent\" (MESSAGES 2 UNSEEN 0)\r\n"),
            s("* LSUB () \"/\" x\r\n"),
            s("A0002 OK done\r\n"),
            c("A0003 LIST \"\" \"*\" RETURN (SUBSCRIBED)\r\n"),
            s("* LIST (\\Subscribed) \"/\" a\r\nA0003 OK\r\n"),
            c("A0004 LIST (SPECIAL-USE) \"\" \"*\"\r\n"),
            s("* LIST (\\Drafts) \".\" Drafts\r\nA0004 OK\r\n"),
        ],
    );
    let opts = ListOptions::new()
        .select_subscribed()
        .recursive_match()
        .return_children()
        .return_special_use()
        .return_status(&[StatusItem::Messages, StatusItem::Unseen]);
    let got = s.list_extended("", &["INBOX", "Lists/%"], &opts).unwrap();
    assert_eq!(got.len(), 3);
    assert!(got[0].name().name().is_inbox() && got[0].is_subscribed());
    let st = got[0].status().unwrap();
    assert_eq!((st.messages(), st.unseen()), (Some(17), Some(16)));
    assert_eq!(got[1].name().name().as_str(), "Lists");
    assert_eq!(got[1].child_info(), ["SUBSCRIBED"]);
    assert!(got[1].has_subscribed_children() && got[1].status().is_none());
    assert_eq!(got[2].name().special_use(), Some(&NameAttribute::Sent));
    assert_eq!(got[2].old_name().unwrap().as_str(), "Lists/Outbox");
    assert_eq!(got[2].status().unwrap().messages(), Some(2));
    let news: Vec<_> = s.unsolicited().collect();
    assert_eq!(news.len(), 2, "{news:?}");
    assert!(
        matches!(&news[0], Unsolicited::MailboxStatus(st) if st.name().as_str() == "Elsewhere")
    );
    assert!(matches!(&news[1], Unsolicited::List(n) if n.name().as_str() == "x"));

    let got = s
        .list_extended("", &["*"], &ListOptions::new().return_subscribed())
        .unwrap();
    assert!(got[0].is_subscribed());
    let got = s
        .list_extended("", &["*"], &ListOptions::new().select_special_use())
        .unwrap();
    assert_eq!(
        got[0].clone().into_name().special_use(),
        Some(&NameAttribute::Drafts)
    );
    script.assert_done();
}

#[test]
fn multiappend_with_synchronising_literals_and_literal8() {
    let (script, mut s) = session(
        "IMAP4rev1 MULTIAPPEND BINARY UIDPLUS",
        vec![
            c("A0002 APPEND INBOX (\\Seen) \"17-Jul-1996 02:44:25 -0700\" {5}\r\n"),
            s("+ go on\r\n"),
            c("hello (\\Flagged) ~{3}\r\n"),
            s("+ go on\r\n"),
            c("a\0b\r\n"),
            s("A0002 OK [APPENDUID 7 10:11] done\r\n"),
            // A NO instead of the second `+`: the rest is never sent.
            c("A0003 APPEND INBOX {1}\r\n"),
            s("+\r\n"),
            c("x {1}\r\n"),
            s("A0003 NO [OVERQUOTA] full\r\n"),
            c("A0004 NOOP\r\n"),
            s("A0004 OK\r\n"),
            // One message holding NUL: append() sends a literal8 too.
            c("A0005 APPEND INBOX ~{1}\r\n"),
            s("+\r\n"),
            c("\0\r\n"),
            s("A0005 OK [APPENDUID 7 12] done\r\n"),
        ],
    );
    let got = s
        .append_many(
            "INBOX",
            &[
                AppendMessage::new(b"hello")
                    .flags(&[Flag::Seen])
                    .internal_date("17-Jul-1996 02:44:25 -0700".parse().unwrap()),
                AppendMessage::new(b"a\0b").flags(&[Flag::Flagged]),
            ],
        )
        .unwrap()
        .unwrap();
    assert_eq!(
        (got.uid_validity, got.uids.to_string()),
        (7, "10:11".into())
    );
    let err = s
        .append_many(
            "INBOX",
            &[AppendMessage::new(b"x"), AppendMessage::new(b"y")],
        )
        .unwrap_err();
    assert_eq!(
        err.response_code().map(|c| c.name().to_string()),
        Some("OVERQUOTA".into())
    );
    s.noop().unwrap();
    let got = s.append("INBOX", b"\0").unwrap().unwrap();
    assert_eq!(got.uids, SequenceSet::from(12));
    script.assert_done();
}

#[test]
fn multiappend_with_literal_plus() {
    let (script, mut s) = session(
        "IMAP4rev1 MULTIAPPEND BINARY LITERAL+",
        vec![
            c("A0002 APPEND Archive {1+}\r\nx ~{2+}\r\n\0y {1+}\r\nz\r\n"),
            s("A0002 NO [TRYCREATE] no such mailbox\r\n"),
        ],
    );
    let err = s
        .append_many(
            "Archive",
            &[
                AppendMessage::new(b"x"),
                AppendMessage::new(b"\0y"),
                AppendMessage::new(b"z"),
            ],
        )
        .unwrap_err();
    assert_eq!(err.response_code(), Some(&ResponseCode::TryCreate));
    script.assert_done();
}

#[test]
fn missing_capabilities_are_reported_before_anything_is_sent() {
    // A bare IMAP4rev1 server: nothing of ESEARCH, SORT, THREAD, LIST-EXTENDED, MULTIAPPEND,
    // BINARY. The script has no client steps: any byte written fails it.
    let (script, mut s) = session("IMAP4rev1 LITERAL+", vec![]);
    let q = Search::all();
    missing(
        s.search_extended(&q, &[ReturnOption::Count]).unwrap_err(),
        "ESEARCH",
    );
    missing(s.uid_search_extended(&q, &[]).unwrap_err(), "ESEARCH");
    missing(s.sort(&[SortKey::Date], &q).unwrap_err(), "SORT");
    missing(s.uid_sort(&[SortKey::Date], &q).unwrap_err(), "SORT");
    missing(
        s.thread(ThreadAlgorithm::References, &q).unwrap_err(),
        "THREAD=REFERENCES",
    );
    let sub = ListOptions::new().select_subscribed();
    missing(
        s.list_extended("", &["*"], &sub).unwrap_err(),
        "LIST-EXTENDED",
    );
    missing(
        s.list_extended("", &["a", "b"], &ListOptions::new())
            .unwrap_err(),
        "LIST-EXTENDED",
    );
    let two = [AppendMessage::new(b"a"), AppendMessage::new(b"b")];
    missing(s.append_many("INBOX", &two).unwrap_err(), "MULTIAPPEND");
    missing(s.append("INBOX", b"nul\0").unwrap_err(), "BINARY");
    missing(
        s.append_many("INBOX", &[AppendMessage::new(b"\0")])
            .unwrap_err(),
        "BINARY",
    );
    script.assert_done();

    // The base capability is there, the variant asked for is not.
    let (script, mut s) = session(
        "IMAP4rev1 ESEARCH SORT THREAD=REFERENCES LIST-EXTENDED",
        vec![],
    );
    missing(
        s.search_extended(&q, &[ReturnOption::Save]).unwrap_err(),
        "SEARCHRES",
    );
    missing(
        s.sort(&[SortKey::DisplayFrom], &q).unwrap_err(),
        "SORT=DISPLAY",
    );
    missing(
        s.thread(ThreadAlgorithm::Refs, &q).unwrap_err(),
        "THREAD=REFS",
    );
    missing(
        s.thread(ThreadAlgorithm::OrderedSubject, &q).unwrap_err(),
        "THREAD=ORDEREDSUBJECT",
    );
    missing(
        s.list_extended("", &["*"], &ListOptions::new().return_special_use())
            .unwrap_err(),
        "SPECIAL-USE",
    );
    missing(
        s.list_extended(
            "",
            &["*"],
            &ListOptions::new().return_status(&[StatusItem::Messages]),
        )
        .unwrap_err(),
        "LIST-STATUS",
    );
    script.assert_done();
}
