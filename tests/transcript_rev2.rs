//! IMAP4rev2 (RFC 9051) by transcripts: the same user-level operations run against a server
//! script shaped like an IMAP4rev1 server and one shaped like an IMAP4rev2 server (ESEARCH
//! instead of SEARCH, no RECENT, no UNSEEN code, LIST `\NonExistent` and OLDNAME, a LIST
//! during SELECT, the base extensions not listed), and the Session's results must be equal.
//! Dovecot 2.3 does not offer IMAP4rev2, so these shapes are written from RFC 9051.

mod common;

use blocking_imap::{
    ClientBuilder, Error, Flag, NameAttribute, Search, Security, Session, StatusItem, Uid,
    Unsolicited,
};
use common::{c, s, Script, Step, GREETING};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    /// `IMAP4rev1 MOVE UIDPLUS UNSELECT NAMESPACE LITERAL+`.
    Rev1,
    /// `IMAP4rev1 IMAP4rev2`: the client must ENABLE IMAP4rev2 first.
    Dual,
    /// `IMAP4rev2` alone: no ENABLE.
    Rev2Only,
}

impl Shape {
    fn rev2(self) -> bool {
        self != Shape::Rev1
    }
}

/// The tags of a script: `A0002`, `A0003`, ... (`A0001` is LOGIN).
struct Tags(u32);

impl Tags {
    fn next(&mut self) -> String {
        self.0 += 1;
        format!("A{:04}", self.0)
    }
}

/// The whole conversation for `shape`: login, then every operation of [`operations`].
fn script(shape: Shape) -> Vec<Step> {
    let caps = match shape {
        Shape::Rev1 => "IMAP4rev1 MOVE UIDPLUS UNSELECT NAMESPACE LITERAL+ ENABLE",
        Shape::Dual => "IMAP4rev1 IMAP4rev2 LITERAL+",
        Shape::Rev2Only => "IMAP4rev2 LITERAL+",
    };
    let mut t = Tags(1);
    let mut v = vec![
        s(GREETING),
        c("A0001 LOGIN u p\r\n"),
        s(&format!("A0001 OK [CAPABILITY {caps}] in\r\n")),
    ];
    if shape == Shape::Dual {
        let a = t.next();
        v.push(c(&format!("{a} ENABLE IMAP4rev2\r\n")));
        v.push(s(&format!("* ENABLED IMAP4rev2\r\n{a} OK enabled\r\n")));
    }
    let rev2 = shape.rev2();

    // SELECT INBOX.
    let a = t.next();
    v.push(c(&format!("{a} SELECT INBOX\r\n")));
    let mut sel = String::from("* 4 EXISTS\r\n");
    if !rev2 {
        sel += "* 1 RECENT\r\n* OK [UNSEEN 2] first unseen\r\n";
    }
    sel += "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n";
    sel += "* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] ok\r\n";
    sel += "* OK [UIDVALIDITY 77] ok\r\n* OK [UIDNEXT 15] ok\r\n";
    if rev2 {
        sel += "* LIST () \"/\" INBOX\r\n";
    }
    sel += &format!("{a} OK [READ-WRITE] selected\r\n");
    v.push(s(&sel));

    // SEARCH UNSEEN: 2 and 4.
    let a = t.next();
    v.push(c(&format!("{a} SEARCH UNSEEN\r\n")));
    v.push(s(&if rev2 {
        format!("* ESEARCH (TAG \"{a}\") ALL 2,4\r\n{a} OK done\r\n")
    } else {
        format!("* SEARCH 2 4\r\n{a} OK done\r\n")
    }));

    // UID SEARCH DELETED: nothing (rev2: the correlator alone).
    let a = t.next();
    v.push(c(&format!("{a} UID SEARCH DELETED\r\n")));
    v.push(s(&if rev2 {
        format!("* ESEARCH (TAG \"{a}\") UID\r\n{a} OK done\r\n")
    } else {
        format!("* SEARCH\r\n{a} OK done\r\n")
    }));

    // UID SEARCH ALL: a range.
    let a = t.next();
    v.push(c(&format!("{a} UID SEARCH ALL\r\n")));
    v.push(s(&if rev2 {
        format!("* ESEARCH (TAG \"{a}\") UID ALL 10:12,14\r\n{a} OK done\r\n")
    } else {
        format!("* SEARCH 10 11 12 14\r\n{a} OK done\r\n")
    }));

    // FETCH 1:4 (UID FLAGS).
    let a = t.next();
    v.push(c(&format!("{a} FETCH 1:4 (UID FLAGS)\r\n")));
    let recent = if rev2 { "" } else { " \\Recent" };
    v.push(s(&format!(
        "* 1 FETCH (UID 10 FLAGS (\\Seen))\r\n* 2 FETCH (UID 11 FLAGS ())\r\n\
         * 3 FETCH (UID 12 FLAGS (\\Seen \\Flagged))\r\n* 4 FETCH (UID 14 FLAGS ({}))\r\n\
         {a} OK done\r\n",
        recent.trim_start()
    )));

    // STATUS Archive (MESSAGES UNSEEN RECENT): no RECENT under rev2.
    let a = t.next();
    if rev2 {
        v.push(c(&format!("{a} STATUS Archive (MESSAGES UNSEEN)\r\n")));
        v.push(s(&format!(
            "* STATUS Archive (MESSAGES 9 UNSEEN 1)\r\n{a} OK done\r\n"
        )));
    } else {
        v.push(c(&format!(
            "{a} STATUS Archive (MESSAGES UNSEEN RECENT)\r\n"
        )));
        v.push(s(&format!(
            "* STATUS Archive (MESSAGES 9 RECENT 0 UNSEEN 1)\r\n{a} OK done\r\n"
        )));
    }

    // LIST "" *: a hierarchy level without a mailbox is \Noselect in rev1, \NonExistent in
    // rev2; a renamed mailbox comes with OLDNAME in rev2.
    let a = t.next();
    v.push(c(&format!("{a} LIST \"\" \"*\"\r\n")));
    v.push(s(&if rev2 {
        format!(
            "* LIST (\\HasNoChildren) \"/\" INBOX\r\n\
             * LIST (\\NonExistent \\HasChildren) \"/\" Lists\r\n\
             * LIST (\\HasNoChildren) \"/\" Lists/rust\r\n\
             * LIST (\\HasNoChildren) \"/\" Archive (\"OLDNAME\" (\"Old Archive\"))\r\n\
             {a} OK done\r\n"
        )
    } else {
        format!(
            "* LIST (\\HasNoChildren) \"/\" INBOX\r\n\
             * LIST (\\Noselect \\HasChildren) \"/\" Lists\r\n\
             * LIST (\\HasNoChildren) \"/\" Lists/rust\r\n\
             * LIST (\\HasNoChildren) \"/\" Archive\r\n\
             {a} OK done\r\n"
        )
    }));

    // UID MOVE 12 Archive (MOVE listed in rev1, implied by rev2).
    let a = t.next();
    v.push(c(&format!("{a} UID MOVE 12 Archive\r\n")));
    v.push(s(&format!(
        "* OK [COPYUID 5 12 40] moved\r\n* 3 EXPUNGE\r\n{a} OK done\r\n"
    )));

    // UID EXPUNGE 10 (UIDPLUS listed in rev1, implied by rev2).
    let a = t.next();
    v.push(c(&format!("{a} UID EXPUNGE 10\r\n")));
    v.push(s(&format!("* 1 EXPUNGE\r\n{a} OK done\r\n")));

    // APPEND Archive: LITERAL+ in both.
    let a = t.next();
    v.push(c(&format!(
        "{a} APPEND Archive {{11+}}\r\nSubject: x\n\r\n"
    )));
    v.push(s(&format!("{a} OK [APPENDUID 5 41] appended\r\n")));

    // UNSELECT (listed in rev1, implied by rev2).
    let a = t.next();
    v.push(c(&format!("{a} UNSELECT\r\n")));
    v.push(s(&format!("{a} OK done\r\n")));
    v
}

/// What a user sees of one run, `\Recent` aside (rev1 alone has it).
fn operations(session: &mut Session) -> Vec<String> {
    let mut out = Vec::new();
    let mb = session.select("INBOX").unwrap();
    out.push(format!(
        "select exists={} uidvalidity={:?} uidnext={:?} flags={:?} permanent={:?} ro={}",
        mb.exists(),
        mb.uid_validity(),
        mb.uid_next(),
        mb.flags(),
        mb.permanent_flags(),
        mb.is_read_only()
    ));
    out.push(format!(
        "search {:?}",
        session.search(&Search::all().unseen()).unwrap()
    ));
    out.push(format!(
        "uid search deleted {:?}",
        session.uid_search(&Search::all().deleted()).unwrap()
    ));
    out.push(format!(
        "uid search all {:?}",
        session.uid_search(&Search::all()).unwrap()
    ));
    let items = blocking_imap::FetchItems::new().uid().flags();
    for f in session.fetch(1..=4u32, &items).unwrap() {
        let f = f.unwrap();
        let flags: Vec<&Flag> = f
            .flags()
            .unwrap_or(&[])
            .iter()
            .filter(|f| **f != Flag::Recent)
            .collect();
        out.push(format!("fetch {:?} {:?} {flags:?}", f.seq(), f.uid()));
    }
    let st = session
        .status(
            "Archive",
            &[StatusItem::Messages, StatusItem::Unseen, StatusItem::Recent],
        )
        .unwrap();
    out.push(format!(
        "status {} {:?} {:?}",
        st.name(),
        st.messages(),
        st.unseen()
    ));
    for n in session.list("", "*").unwrap() {
        out.push(format!(
            "list {} selectable={} noselect={} children={}",
            n.name(),
            n.is_selectable(),
            n.has(&NameAttribute::NoSelect),
            n.has(&NameAttribute::HasChildren)
        ));
    }
    let moved = session.uid_mv(Uid(12), "Archive").unwrap().unwrap();
    out.push(format!("move {} -> {}", moved.source, moved.destination));
    let gone = session.uid_expunge(Uid(10)).unwrap();
    out.push(format!("expunge {gone:?}"));
    let appended = session.append("Archive", b"Subject: x\n").unwrap();
    out.push(format!("append {appended:?}"));
    out.push(format!("exists now {}", session.mailbox().exists()));
    session.unselect().unwrap();
    let queued: Vec<String> = session
        .unsolicited()
        .filter(|u| !matches!(u, Unsolicited::Expunge(_)))
        .map(|u| format!("{u:?}"))
        .collect();
    out.push(format!("unsolicited {queued:?}"));
    out
}

fn run(shape: Shape) -> (Vec<String>, Session) {
    let script = Script::new(script(shape));
    let mut session = ClientBuilder::new("localhost", 143)
        .security(Security::Plaintext)
        .connect_stream(script.clone())
        .expect("greeting")
        .login("u", "p")
        .expect("login");
    let out = operations(&mut session);
    script.assert_done();
    (out, session)
}

#[test]
fn a_session_gives_the_same_results_from_rev1_and_rev2_servers() {
    let (rev1, mut s1) = run(Shape::Rev1);
    let (dual, mut s2) = run(Shape::Dual);
    let (only, mut s3) = run(Shape::Rev2Only);
    assert_eq!(rev1, dual);
    assert_eq!(rev1, only);
    // The results themselves, so that equal is also right.
    assert!(
        rev1.contains(&"search [Seq(2), Seq(4)]".to_string()),
        "{rev1:#?}"
    );
    assert!(rev1.contains(&"uid search deleted []".to_string()));
    assert!(rev1.contains(&"uid search all [Uid(10), Uid(11), Uid(12), Uid(14)]".to_string()));
    assert!(rev1.contains(&"list Lists selectable=false noselect=true children=true".to_string()));
    assert!(rev1.contains(&"move 12 -> 40".to_string()), "{rev1:#?}");
    assert!(rev1.contains(&"exists now 2".to_string()));
    assert_eq!(rev1.last().unwrap(), "unsolicited []");
    // Which revision each session speaks.
    assert!(!s1.capabilities().unwrap().is_imap4rev2());
    for s in [&mut s2, &mut s3] {
        let caps = s.capabilities().unwrap();
        assert!(caps.is_imap4rev2());
        for implied in [
            "MOVE",
            "UIDPLUS",
            "UNSELECT",
            "ESEARCH",
            "NAMESPACE",
            "LITERAL-",
        ] {
            assert!(caps.has(implied), "{implied}");
        }
        assert!(
            !caps.iter().any(|c| c == "MOVE"),
            "the list stays as written"
        );
    }
    assert!(s2.is_enabled("IMAP4rev2"));
    assert!(
        !s3.is_enabled("IMAP4rev2"),
        "a rev2-only server needs no ENABLE"
    );
}

#[test]
fn rev2_list_gives_old_name_and_nonexistent_implies_noselect() {
    let (_, mut s) = common::logged_in(
        "IMAP4rev2",
        vec![
            c("A0002 LIST \"\" \"*\"\r\n"),
            s("* LIST (\\NonExistent) \"/\" Gone\r\n\
               * LIST () \"/\" New (\"OLDNAME\" (\"Old\"))\r\n\
               * LIST () \"/\" Odd (\"OLDNAME\" 12 \"X-EXT\" (a b))\r\n\
               A0002 OK\r\n"),
        ],
    );
    let names = s.list("", "*").unwrap();
    assert_eq!(names.len(), 3);
    assert!(names[0].has(&NameAttribute::NonExistent));
    assert!(names[0].has(&NameAttribute::NoSelect));
    assert!(!names[0].is_selectable());
    assert_eq!(
        names[1].old_name().map(|n| n.to_string()),
        Some("Old".into())
    );
    // An OLDNAME that does not parse costs only itself.
    assert_eq!(names[2].name().to_string(), "Odd");
    assert_eq!(names[2].old_name(), None);
}

#[test]
fn opting_out_sends_no_enable_and_implies_nothing() {
    let (script, mut s) = common::logged_in_with(
        ClientBuilder::new("localhost", 143).imap4rev2(false),
        "IMAP4rev1 IMAP4rev2 UIDPLUS",
        vec![
            // No ENABLE: the first command is ours; no MOVE, so COPY + STORE + UID EXPUNGE.
            c("A0002 SELECT INBOX\r\n"),
            s("* 1 EXISTS\r\nA0002 OK [READ-WRITE] done\r\n"),
            c("A0003 UID COPY 5 Trash\r\n"),
            s("A0003 OK done\r\n"),
            c("A0004 UID STORE 5 +FLAGS.SILENT (\\Deleted)\r\n"),
            s("A0004 OK done\r\n"),
            c("A0005 UID EXPUNGE 5\r\n"),
            s("* 1 EXPUNGE\r\nA0005 OK done\r\n"),
            // A plain SEARCH answered the old way.
            c("A0006 SEARCH ALL\r\n"),
            s("* SEARCH\r\nA0006 OK\r\n"),
        ],
    );
    s.select("INBOX").unwrap();
    s.uid_mv(Uid(5), "Trash").unwrap();
    assert!(s.search(&Search::all()).unwrap().is_empty());
    let caps = s.capabilities().unwrap();
    assert!(!caps.has("IMAP4rev2"));
    assert!(!caps.has("MOVE"));
    assert!(!caps.is_imap4rev2());
    script.assert_done();
}

#[test]
fn a_refused_enable_leaves_the_session_in_rev1() {
    let (script, mut s) = common::logged_in(
        "IMAP4rev1 IMAP4rev2",
        vec![
            c("A0002 ENABLE IMAP4rev2\r\n"),
            s("A0002 BAD not today\r\n"),
            c("A0003 NOOP\r\n"),
            s("A0003 OK\r\n"),
        ],
    );
    s.noop().unwrap();
    assert!(!s.capabilities().unwrap().is_imap4rev2());
    assert!(!s.is_enabled("IMAP4rev2"));
    script.assert_done();
}

#[test]
fn esearch_to_plain_search_is_bounded_and_keeps_other_tags_apart() {
    let (script, mut s) = common::selected_with(
        ClientBuilder::new("localhost", 143).max_result_size(4096),
        "IMAP4rev2",
        vec![
            c("A0003 SEARCH ALL\r\n"),
            // Another command's ESEARCH is news for the caller; ours is read.
            s("* ESEARCH (TAG \"Z9\") ALL 1:3\r\n* ESEARCH (TAG \"A0003\") ALL 5,7\r\nA0003 OK\r\n"),
            c("A0004 UID SEARCH ALL\r\n"),
            // Four billion numbers: an error, never the memory; the session stays in step.
            s("* ESEARCH (TAG \"A0004\") UID ALL 1:4294967295\r\nA0004 OK\r\n"),
            c("A0005 SEARCH ALL\r\n"),
            // An odd item costs only itself; no correlator at all is taken as ours. A legacy
            // SEARCH beside an ESEARCH is ignored (RFC 9051 section 6.4.4).
            s("* SEARCH 2 84 882\r\n* ESEARCH ALL 9 COUNT x\r\nA0005 OK\r\n"),
        ],
    );
    let nums = s.search(&Search::all()).unwrap();
    assert_eq!(nums.iter().map(|n| n.0).collect::<Vec<_>>(), [5, 7]);
    let queued: Vec<Unsolicited> = s.unsolicited().collect();
    assert_eq!(queued.len(), 1, "{queued:?}");
    match s.uid_search(&Search::all()) {
        Err(Error::LimitExceeded { .. }) => {}
        other => panic!("expected LimitExceeded, got {other:?}"),
    }
    let nums = s.search(&Search::all()).unwrap();
    assert_eq!(nums.iter().map(|n| n.0).collect::<Vec<_>>(), [9]);
    script.assert_done();
}

#[test]
fn under_rev2_literal_minus_is_used_without_being_listed() {
    // IMAP4rev2 includes LITERAL- (RFC 7888): small literals go without waiting for "+".
    let (script, mut session) = common::logged_in(
        "IMAP4rev2",
        vec![
            c("A0002 APPEND Archive {11+}\r\nSubject: x\n\r\n"),
            s("A0002 OK [APPENDUID 5 41] appended\r\n"),
        ],
    );
    session.append("Archive", b"Subject: x\n").unwrap();
    script.assert_done();
    // The same server with IMAP4rev2 turned off: a synchronising literal.
    let (script, mut session) = common::logged_in_with(
        ClientBuilder::new("localhost", 143).imap4rev2(false),
        "IMAP4rev2",
        vec![
            c("A0002 APPEND Archive {11}\r\n"),
            s("+ go\r\n"),
            c("Subject: x\n\r\n"),
            s("A0002 OK appended\r\n"),
        ],
    );
    session.append("Archive", b"Subject: x\n").unwrap();
    script.assert_done();
}

/// Every mailbox with its counts asks a rev2 server (LIST-STATUS is part of rev2) for no
/// RECENT (rev2 has none), like `status` does; the other items go out as asked.
#[test]
fn mailboxes_with_status_asks_a_rev2_server_for_no_recent() {
    let (script, mut s) = common::logged_in(
        "IMAP4rev2",
        vec![
            c("A0002 LIST \"\" \"*\" RETURN (STATUS (MESSAGES UNSEEN))\r\n"),
            s("* LIST () \"/\" INBOX\r\n* STATUS INBOX (MESSAGES 4 UNSEEN 1)\r\nA0002 OK\r\n"),
        ],
    );
    let rows = s
        .mailboxes_with_status(&[StatusItem::Messages, StatusItem::Recent, StatusItem::Unseen])
        .unwrap();
    let st = rows[0].status().unwrap();
    assert_eq!(
        (st.messages(), st.unseen(), st.recent()),
        (Some(4), Some(1), None)
    );
    script.assert_done();
}

/// A server that offered IMAP4rev2 before the login and sends no capabilities with it is
/// asked CAPABILITY once and ENABLEd; one that did not offer it is asked nothing at login.
#[test]
fn a_login_without_capabilities_is_followed_by_one_capability_when_rev2_was_offered() {
    let script = Script::new(vec![
        s("* OK [CAPABILITY IMAP4rev1 IMAP4rev2 AUTH=PLAIN] hi\r\n"),
        c("A0001 LOGIN u p\r\n"),
        s("A0001 OK in\r\n"),
        c("A0002 CAPABILITY\r\n"),
        s("* CAPABILITY IMAP4rev1 IMAP4rev2 IDLE\r\nA0002 OK\r\n"),
        c("A0003 ENABLE IMAP4rev2\r\n"),
        s("* ENABLED IMAP4rev2\r\nA0003 OK\r\n"),
    ]);
    let mut session = ClientBuilder::new("localhost", 143)
        .security(Security::Plaintext)
        .connect_stream(script.clone())
        .unwrap()
        .login("u", "p")
        .unwrap();
    let caps = session.capabilities().unwrap();
    assert!(caps.is_imap4rev2() && caps.has("MOVE"), "{caps:?}");
    script.assert_done();

    let script = Script::new(vec![
        s("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n"),
        c("A0001 LOGIN u p\r\n"),
        s("A0001 OK in\r\n"),
        c("A0002 NOOP\r\n"),
        s("A0002 OK\r\n"),
    ]);
    let mut session = ClientBuilder::new("localhost", 143)
        .security(Security::Plaintext)
        .connect_stream(script.clone())
        .unwrap()
        .login("u", "p")
        .unwrap();
    session.noop().unwrap();
    script.assert_done();
}
