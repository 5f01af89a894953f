//! ESEARCH, SORT, THREAD, LIST-EXTENDED / LIST-STATUS / SPECIAL-USE, MULTIAPPEND and BINARY
//! against the project's real Dovecot (scripts/test.sh). Each test works in mailboxes of its
//! own (`ext-b-*`), so tests can run in parallel.

mod common;

use blocking_imap::{
    AppendMessage, Error, FetchItems, Flag, ListEntry, ListOptions, NameAttribute, ResponseCode,
    ReturnOption, Search, Section, Seq, SequenceSet, Session, SortKey, StatusItem, Thread,
    ThreadAlgorithm, Uid, Unsolicited,
};
use common::dovecot::{server, Server};

/// A message with the given headers (and a body of `body_len` bytes).
fn message(
    id: u32,
    from: &str,
    subject: &str,
    date: &str,
    refs: &[u32],
    body_len: usize,
) -> Vec<u8> {
    let mut m = format!(
        "From: {from}\r\nTo: alice@example.org\r\nSubject: {subject}\r\n\
         Message-ID: <m{id}@example.org>\r\nDate: {date}\r\n"
    );
    if let Some(last) = refs.last() {
        let all: Vec<String> = refs.iter().map(|r| format!("<m{r}@example.org>")).collect();
        m.push_str(&format!(
            "In-Reply-To: <m{last}@example.org>\r\nReferences: {}\r\n",
            all.join(" ")
        ));
    }
    m.push_str("\r\n");
    m.push_str(&"x".repeat(body_len));
    m.push_str("\r\n");
    m.into_bytes()
}

/// A logged-in session with an empty mailbox called `name`.
fn fresh(srv: &Server, name: &str) -> Session {
    let mut s = srv.login("alice", "alice-pass");
    let _ = s.delete(name);
    s.create(name).unwrap();
    s
}

fn plain(i: u32) -> Vec<u8> {
    message(
        i,
        "a@example.org",
        &format!("message {i}"),
        "Mon, 1 Jan 2024 10:00:00 +0000",
        &[],
        10,
    )
}

#[test]
fn esearch_returns_min_max_count_all_and_saves() {
    let Some(srv) = server() else { return };
    let mut s = fresh(&srv, "ext-b-esearch");
    for i in 1..=6 {
        s.append("ext-b-esearch", &plain(i)).unwrap();
    }
    s.select("ext-b-esearch").unwrap();
    s.store_silent([2, 3, 5], blocking_imap::StoreAction::Add, &[Flag::Seen])
        .unwrap();

    let all = [
        ReturnOption::Min,
        ReturnOption::Max,
        ReturnOption::Count,
        ReturnOption::All,
    ];
    let r = s.search_extended(&Search::all().seen(), &all).unwrap();
    assert_eq!(
        (r.min, r.max, r.count, r.uid),
        (Some(2), Some(5), Some(3), false)
    );
    assert_eq!(r.all, SequenceSet::from([2, 3, 5]));

    let r = s
        .uid_search_extended(&Search::all().unseen(), &all)
        .unwrap();
    assert!(r.uid);
    assert_eq!(r.all.to_string(), "1,4,6");
    assert_eq!((r.min, r.max, r.count), (Some(1), Some(6), Some(3)));

    // Only what was asked for; empty options mean ALL.
    let r = s
        .search_extended(&Search::all(), &[ReturnOption::Count])
        .unwrap();
    assert_eq!((r.count, r.min, r.all.is_empty()), (Some(6), None, true));
    let r = s.search_extended(&Search::all(), &[]).unwrap();
    assert_eq!(r.all.to_string(), "1:6");

    // Nothing matches: COUNT 0, no MIN, empty ALL.
    let r = s
        .search_extended(&Search::all().subject("no such subject"), &all)
        .unwrap();
    assert_eq!(
        (r.count, r.min, r.max, r.all.is_empty()),
        (Some(0), None, None, true)
    );

    // Non-ASCII criteria go with CHARSET UTF-8.
    let r = s
        .search_extended(&Search::all().subject("ünïcödé"), &[ReturnOption::Count])
        .unwrap();
    assert_eq!(r.count, Some(0));

    // MODSEQ criteria: the highest mod-sequence of the matches comes back.
    let r = s
        .search_extended(&Search::all().modseq(1), &[ReturnOption::Count])
        .unwrap();
    assert_eq!(r.count, Some(6));
    assert!(r.modseq.is_some_and(|m| m > 1), "{r:?}");

    // SAVE alone: no result, but `$` names it afterwards (RFC 5182).
    let r = s
        .uid_search_extended(&Search::all().seen(), &[ReturnOption::Save])
        .unwrap();
    assert_eq!((r.count, r.all.is_empty()), (None, true));
    assert_eq!(s.search_raw("$").unwrap(), [2, 3, 5]);
    let r = s
        .search_extended(&Search::all().raw("$").uid(1..=3), &[ReturnOption::All])
        .unwrap();
    assert_eq!(r.all.to_string(), "2:3");

    // Every ESEARCH was matched to its command: nothing was left over.
    let left: Vec<_> = s
        .unsolicited()
        .filter(|u| matches!(u, Unsolicited::ESearch { .. } | Unsolicited::Other { .. }))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    let err = s
        .search_extended(&Search::all().keyword("bad keyword"), &all)
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    s.close().unwrap();
    // Nothing selected any more: refused before it is sent, in words that name the fix.
    let err = s.search_extended(&Search::all(), &all).unwrap_err();
    assert!(err.is_not_selected(), "{err}");
    assert!(err.to_string().contains("select()"), "{err}");
    s.noop().unwrap();
}

/// Messages for SORT: (from, subject, date, body length).
const SORTABLE: [(&str, &str, &str, usize); 4] = [
    (
        "Zed <a@example.org>",
        "banana",
        "Tue, 2 Jan 2024 10:00:00 +0000",
        300,
    ),
    (
        "Amy <z@example.org>",
        "Re: apple",
        "Mon, 1 Jan 2024 10:00:00 +0000",
        10,
    ),
    (
        "Bob <m@example.org>",
        "cherry",
        "Thu, 4 Jan 2024 10:00:00 +0000",
        100,
    ),
    (
        "Cat <b@example.org>",
        "Fwd: date",
        "Wed, 3 Jan 2024 10:00:00 +0000",
        200,
    ),
];

#[test]
fn sort_by_every_key() {
    let Some(srv) = server() else { return };
    let mut s = fresh(&srv, "ext-b-sort");
    // Arrival (internal date) order differs from the Date headers' and from the UIDs'.
    let arrival = ["3", "1", "4", "2"];
    for (i, (from, subject, date, len)) in SORTABLE.iter().enumerate() {
        let raw = message(i as u32 + 1, from, subject, date, &[], *len);
        let when = format!("{}-Jan-2024 10:00:00 +0000", arrival[i]);
        s.append_with("ext-b-sort", &raw, &[], Some(when.parse().unwrap()))
            .unwrap();
    }
    s.select("ext-b-sort").unwrap();
    let seqs = |v: &[u32]| v.iter().map(|&n| Seq(n)).collect::<Vec<_>>();
    let all = Search::all();
    assert_eq!(
        s.sort(&[SortKey::Arrival], &all).unwrap(),
        seqs(&[2, 4, 1, 3])
    );
    assert_eq!(
        s.sort(&[SortKey::Reverse, SortKey::Arrival], &all).unwrap(),
        seqs(&[3, 1, 4, 2])
    );
    // Base subjects: apple, banana, cherry, date.
    assert_eq!(
        s.sort(&[SortKey::Subject], &all).unwrap(),
        seqs(&[2, 1, 3, 4])
    );
    assert_eq!(s.sort(&[SortKey::Date], &all).unwrap(), seqs(&[2, 1, 4, 3]));
    assert_eq!(s.sort(&[SortKey::Size], &all).unwrap(), seqs(&[2, 3, 4, 1]));
    // FROM sorts by address (a, z, m, b); DISPLAYFROM by display name (Zed, Amy, Bob, Cat).
    assert_eq!(s.sort(&[SortKey::From], &all).unwrap(), seqs(&[1, 4, 3, 2]));
    assert_eq!(
        s.sort(&[SortKey::DisplayFrom], &all).unwrap(),
        seqs(&[2, 3, 4, 1])
    );
    assert_eq!(
        s.sort(&[SortKey::To, SortKey::Arrival], &all).unwrap(),
        seqs(&[2, 4, 1, 3])
    );
    assert_eq!(
        s.sort(&[SortKey::Cc, SortKey::Size], &all).unwrap(),
        seqs(&[2, 3, 4, 1])
    );
    assert_eq!(
        s.sort(&[SortKey::DisplayTo, SortKey::Reverse, SortKey::Size], &all)
            .unwrap(),
        seqs(&[1, 4, 3, 2])
    );
    // With criteria (non-ASCII ones too), and with UIDs.
    assert_eq!(
        s.sort(
            &[SortKey::Reverse, SortKey::Size],
            &Search::all().larger(230)
        )
        .unwrap(),
        seqs(&[1, 4, 3])
    );
    assert!(s
        .sort(&[SortKey::Subject], &Search::all().subject("ünï"))
        .unwrap()
        .is_empty());
    assert_eq!(
        s.uid_sort(&[SortKey::Reverse, SortKey::Date], &all)
            .unwrap(),
        [Uid(3), Uid(4), Uid(1), Uid(2)]
    );
    let err = s.sort(&[SortKey::Reverse], &all).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    assert_eq!(s.unsolicited().count(), 0);
}

/// The numbers of a thread tree in a compact form: `3 6 (4 23)(44 7 96)`.
fn show<T>(t: &Thread<T>, n: &dyn Fn(&T) -> u32) -> String {
    let mut out: Vec<String> = t.messages().iter().map(|m| n(m).to_string()).collect();
    let kids: String = t
        .children()
        .iter()
        .map(|c| format!("({})", show(c, n)))
        .collect();
    if !kids.is_empty() {
        out.push(kids);
    }
    out.join(" ")
}

fn show_seqs(threads: &[Thread<Seq>]) -> String {
    threads
        .iter()
        .map(|t| format!("({})", show(t, &|s| s.0)))
        .collect()
}

fn show_uids(threads: &[Thread<Uid>]) -> String {
    threads
        .iter()
        .map(|t| format!("({})", show(t, &|u| u.0)))
        .collect()
}

#[test]
fn thread_with_every_algorithm() {
    let Some(srv) = server() else { return };
    let mut s = fresh(&srv, "ext-b-thread");
    let day = |d: u32| format!("Mon, {d} Jan 2024 10:00:00 +0000");
    let msgs = [
        message(1, "a@example.org", "Plan", &day(1), &[], 10),
        message(2, "b@example.org", "Re: Plan", &day(2), &[1], 10),
        message(3, "c@example.org", "Re: Plan", &day(3), &[1, 2], 10),
        message(4, "d@example.org", "Re: Plan", &day(4), &[1], 10),
        message(5, "e@example.org", "Other", &day(5), &[], 10),
        message(6, "f@example.org", "Re: Lost", &day(6), &[99], 10),
        message(7, "g@example.org", "Re: Lost", &day(7), &[99], 10),
    ];
    for m in &msgs {
        s.append("ext-b-thread", m).unwrap();
    }
    s.select("ext-b-thread").unwrap();

    let refs = s
        .thread(ThreadAlgorithm::References, &Search::all())
        .unwrap();
    assert_eq!(show_seqs(&refs), "(1 (2 3)(4))(5)((6)(7))");
    assert_eq!(refs[0].root(), Some(&Seq(1)));
    assert_eq!(refs[0].len(), 4);
    assert_eq!(refs[2].root(), None, "6 and 7 answer a missing message");
    assert_eq!(
        refs[2].iter().copied().collect::<Vec<_>>(),
        [Seq(6), Seq(7)]
    );

    let by_subject = s
        .thread(ThreadAlgorithm::OrderedSubject, &Search::all())
        .unwrap();
    assert_eq!(show_seqs(&by_subject), "(1 (2)(3)(4))(5)(6 7)");

    let refs2 = s.thread(ThreadAlgorithm::Refs, &Search::all()).unwrap();
    let mut in_refs2: Vec<u32> = refs2.iter().flat_map(|t| t.iter().map(|m| m.0)).collect();
    in_refs2.sort_unstable();
    assert_eq!(in_refs2, [1, 2, 3, 4, 5, 6, 7]);

    let uids = s
        .uid_thread(ThreadAlgorithm::References, &Search::all().uid(1..=4))
        .unwrap();
    assert_eq!(show_uids(&uids), "(1 (2 3)(4))");
    assert!(s
        .thread(
            ThreadAlgorithm::References,
            &Search::all().subject("nothing")
        )
        .unwrap()
        .is_empty());
    assert_eq!(s.unsolicited().count(), 0);
}

fn entry<'a>(list: &'a [ListEntry], name: &str) -> &'a ListEntry {
    list.iter()
        .find(|e| e.name().name().as_str() == name)
        .unwrap_or_else(|| panic!("{name} not in {list:#?}"))
}

#[test]
fn list_extended_status_special_use_and_childinfo() {
    let Some(srv) = server() else { return };
    let mut s = srv.login("alice", "alice-pass");
    for name in ["ext-b-list/b", "ext-b-list/a", "ext-b-list"] {
        let _ = s.unsubscribe(name);
        let _ = s.delete(name);
    }
    s.create("ext-b-list").unwrap();
    s.create("ext-b-list/a").unwrap();
    s.create("ext-b-list/b").unwrap();
    s.subscribe("ext-b-list/b").unwrap();
    for i in 1..=2 {
        s.append("ext-b-list/a", &plain(i)).unwrap();
    }

    // Two patterns, CHILDREN, SUBSCRIBED and STATUS in one command.
    let opts = ListOptions::new()
        .return_children()
        .return_subscribed()
        .return_status(&[
            StatusItem::Messages,
            StatusItem::Unseen,
            StatusItem::UidNext,
        ]);
    let got = s
        .list_extended("", &["ext-b-list", "ext-b-list/%"], &opts)
        .unwrap();
    assert_eq!(got.len(), 3, "{got:#?}");
    let parent = entry(&got, "ext-b-list");
    assert!(parent.name().has(&NameAttribute::HasChildren));
    assert!(!parent.is_subscribed());
    assert_eq!(parent.status().and_then(|st| st.messages()), Some(0));
    let a = entry(&got, "ext-b-list/a");
    assert!(a.name().has(&NameAttribute::HasNoChildren));
    let st = a.status().expect("STATUS for ext-b-list/a");
    assert_eq!(st.name().as_str(), "ext-b-list/a");
    assert_eq!(
        (st.messages(), st.unseen(), st.uid_next()),
        (Some(2), Some(2), Some(3))
    );
    let b = entry(&got, "ext-b-list/b");
    assert!(b.is_subscribed());
    assert_eq!(b.status().and_then(|st| st.messages()), Some(0));

    // SUBSCRIBED + RECURSIVEMATCH: the parent is listed for its subscribed child.
    let opts = ListOptions::new().select_subscribed().recursive_match();
    let got = s.list_extended("", &["ext-b-list"], &opts).unwrap();
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(got[0].child_info(), ["SUBSCRIBED"]);
    assert!(got[0].has_subscribed_children() && !got[0].is_subscribed());
    let got = s.list_extended("", &["ext-b-list/*"], &opts).unwrap();
    assert_eq!(got.len(), 1);
    assert!(got[0].is_subscribed() && got[0].child_info().is_empty());

    // SPECIAL-USE selection, with STATUS: Dovecot's test config has five.
    let opts = ListOptions::new()
        .select_special_use()
        .return_status(&[StatusItem::Messages]);
    let got = s.list_extended("", &["*"], &opts).unwrap();
    let mut uses: Vec<_> = got
        .iter()
        .map(|e| e.name().special_use().cloned().expect("special use"))
        .collect();
    uses.sort_by_key(|u| format!("{u:?}"));
    assert_eq!(
        uses,
        [
            NameAttribute::Archive,
            NameAttribute::Drafts,
            NameAttribute::Junk,
            NameAttribute::Sent,
            NameAttribute::Trash
        ]
    );
    assert!(got.iter().all(|e| e.status().is_some()));

    // RETURN (SPECIAL-USE) marks them among all the others.
    let got = s
        .list_extended("", &["*"], &ListOptions::new().return_special_use())
        .unwrap();
    assert_eq!(
        entry(&got, "Sent").name().special_use(),
        Some(&NameAttribute::Sent)
    );
    assert_eq!(entry(&got, "ext-b-list").name().special_use(), None);

    // No options and one pattern: a plain LIST.
    let got = s
        .list_extended("ext-b-list/", &["%"], &ListOptions::new())
        .unwrap();
    assert_eq!(got.len(), 2);

    for (patterns, opts) in [
        (&[][..], ListOptions::new()),
        (&["*"][..], ListOptions::new().recursive_match()),
        (
            &["*"][..],
            ListOptions::new().select_remote().recursive_match(),
        ),
        (&["*"][..], ListOptions::new().return_status(&[])),
    ] {
        let err = s.list_extended("", patterns, &opts).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    }
    assert_eq!(s.unsolicited().count(), 0);
    for name in ["ext-b-list/b", "ext-b-list/a", "ext-b-list"] {
        let _ = s.unsubscribe(name);
        s.delete(name).unwrap();
    }
}

#[test]
fn multiappend_adds_all_or_nothing() {
    let Some(srv) = server() else { return };
    let mut s = fresh(&srv, "ext-b-multi");
    let (one, two, three) = (plain(1), plain(2), plain(3));
    let uids = s
        .append_many(
            "ext-b-multi",
            &[
                AppendMessage::new(&one),
                AppendMessage::new(&two).flags(&[Flag::Seen, Flag::Keyword("$Work".into())]),
                AppendMessage::new(&three)
                    .flags(&[Flag::Flagged])
                    .internal_date("17-Jul-1996 02:44:25 -0700".parse().unwrap()),
            ],
        )
        .unwrap()
        .expect("Dovecot has UIDPLUS");
    assert_eq!(uids.uids.to_string(), "1:3");

    s.select("ext-b-multi").unwrap();
    let items = FetchItems::new()
        .flags()
        .internal_date()
        .body_peek(Section::Full);
    let got: Vec<_> = s
        .uid_fetch(1.., &items)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].body(), Some(&one[..]));
    assert_eq!(got[2].body(), Some(&three[..]));
    assert!(got[1].flags().unwrap().contains(&Flag::Seen));
    assert!(got[1]
        .flags()
        .unwrap()
        .contains(&Flag::Keyword("$Work".into())));
    assert!(got[2].flags().unwrap().contains(&Flag::Flagged));
    assert_eq!(
        got[2].internal_date().map(|d| d.unix_timestamp()),
        Some(837_596_665)
    );

    // A bad date cannot be built; a bad flag is refused before anything is sent; a missing
    // mailbox adds nothing.
    assert!(matches!(
        "yesterday".parse::<blocking_imap::DateTime>(),
        Err(Error::InvalidArgument(_))
    ));
    let err = s
        .append_many(
            "ext-b-multi",
            &[AppendMessage::new(&one).flags(&[Flag::MayCreate])],
        )
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    let err = s.append_many("ext-b-multi", &[]).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    let err = s
        .append_many(
            "ext-b-multi-missing",
            &[AppendMessage::new(&one), AppendMessage::new(&two)],
        )
        .unwrap_err();
    assert_eq!(err.response_code(), Some(&ResponseCode::TryCreate));
    // One message needs no MULTIAPPEND.
    let one_more = s
        .append_many("ext-b-multi", &[AppendMessage::new(&one)])
        .unwrap()
        .unwrap();
    assert_eq!(one_more.uids.to_string(), "4");
    s.noop().unwrap();
    assert_eq!(s.mailbox().exists(), 4);
}

#[test]
fn binary_fetch_and_append_with_nul() {
    let Some(srv) = server() else { return };
    let mut s = fresh(&srv, "ext-b-binary");
    let mime = b"From: a@example.org\r\nSubject: bin\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n\
hello\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\
\r\nAAECAwD/\r\n--b--\r\n";
    let nul = b"From: a@example.org\r\nSubject: nul\r\n\r\nab\0cd\r\n";
    s.append("ext-b-binary", mime).unwrap();
    // A message holding NUL goes as a literal8; in one APPEND with others too.
    s.append("ext-b-binary", nul).unwrap().unwrap();
    let uids = s
        .append_many(
            "ext-b-binary",
            &[
                AppendMessage::new(nul).flags(&[Flag::Seen]),
                AppendMessage::new(mime),
            ],
        )
        .unwrap()
        .unwrap();
    assert_eq!(uids.uids.to_string(), "3:4");

    s.select("ext-b-binary").unwrap();
    let items = FetchItems::new()
        .binary_peek(&[2])
        .binary_size(&[2])
        .binary_peek_partial(&[2], 4, 10)
        .binary_size(&[1]);
    let f = s.fetch(1, &items).unwrap().next().unwrap().unwrap();
    assert_eq!(f.binary(&[2]), Some(&[0u8, 1, 2, 3, 0, 255][..]));
    assert_eq!(f.binary_size(&[2]), Some(6));
    assert_eq!(f.binary_size(&[1]), Some(5));
    let items = FetchItems::new().binary_peek(&[]).binary_size(&[]).flags();
    for seq in [2, 3] {
        let f = s.fetch(seq, &items).unwrap().next().unwrap().unwrap();
        assert_eq!(f.binary(&[]), Some(&nul[..]), "message {seq}");
        assert_eq!(f.binary_size(&[]), Some(nul.len() as u64));
        assert_eq!(f.flags().unwrap().contains(&Flag::Seen), seq == 3);
    }
    let bad = s.fetch(1, &FetchItems::new().binary_peek(&[0])).err();
    assert!(matches!(bad, Some(Error::InvalidArgument(_))), "{bad:?}");
    // BINARY.PEEK left \Seen alone.
    assert_eq!(s.search(&Search::all().seen()).unwrap(), [Seq(3)]);
}
