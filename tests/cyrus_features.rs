//! Against the project's second server, Cyrus IMAP 3.6 (scripts/cyrus.sh, started by
//! scripts/test.sh), what Dovecot 2.3 cannot show: OBJECTID (RFC 8474) and LIST-METADATA
//! (RFC 9590), plus the RFCs both offer (CATENATE, SAVEDATE, PREVIEW, STATUS=SIZE), the
//! everyday commands (the same results on both servers), and the extensions as another
//! implementation answers them: ESEARCH, SORT, THREAD, METADATA, COMPRESS, ACL with the
//! other-users namespace, QUOTA, QRESYNC, IDLE, STARTTLS.
//!
//! Cyrus 3.6.1 (Debian 12) says, after LOGIN:
//!
//! ```text
//! IMAP4rev1 LITERAL+ ID ENABLE ACL ANNOTATE-EXPERIMENT-1 BINARY CATENATE CHILDREN CONDSTORE
//! CREATE-SPECIAL-USE ESEARCH ESORT LIST-EXTENDED LIST-MYRIGHTS LIST-STATUS MAILBOX-REFERRALS
//! METADATA MOVE MULTIAPPEND NAMESPACE OBJECTID PREVIEW QRESYNC QUOTA RIGHTS=kxten SAVEDATE
//! SEARCH=FUZZY SORT SORT=DISPLAY SPECIAL-USE STATUS=SIZE THREAD=ORDEREDSUBJECT
//! THREAD=REFERENCES UIDPLUS UNSELECT URLAUTH URLAUTH=BINARY WITHIN DIGEST=SHA1 LIST-METADATA
//! NO_ATOMIC_RENAME SCAN SORT=MODSEQ SORT=UID THREAD=REFS X-CREATEDMODSEQ X-REPLICATION
//! X-SIEVE-MAILBOX XLIST XMOVE LOGINDISABLED XCONVERSATIONS COMPRESS=DEFLATE X-QUOTA=STORAGE
//! X-QUOTA=MESSAGE X-QUOTA=X-ANNOTATION-STORAGE X-QUOTA=X-NUM-FOLDERS IDLE
//! APPENDLIMIT=4294967295
//! ```
//!
//! Neither server offers IMAP4rev2, REPLACE, UNAUTHENTICATE or PARTIAL (Cyrus has them from
//! 3.8/3.10 on, not packaged for Debian 12): tests/transcript_rev2.rs and
//! tests/transcript_rfcs.rs cover those; here the library must refuse them before sending.
//! Each test works in mailboxes of its own (`cy-*`).

mod common;

use blocking_imap::{
    AppendMessage, CatenatePart, Error, FetchItems, Flag, ListOptions, PartialRange, ReturnOption,
    Search, SequenceSet, Session, SpecialUse, StatusItem, StoreAction, Uid,
};
use common::cyrus::{cyrus, Cyrus};

fn fresh(srv: &Cyrus, user: &str, names: &[&str]) -> Session {
    let mut s = srv.login(user, &format!("{user}-pass"));
    for name in names {
        let _ = s.delete(*name);
    }
    s
}

fn message(i: u32, subject: &str, extra: &str, body: &str) -> Vec<u8> {
    format!(
        "From: a@example.org\r\nTo: alice@example.org\r\nSubject: {subject}\r\n\
         Message-ID: <cy-{i}@example.org>\r\n{extra}Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

fn fetch_all(
    s: &mut Session,
    set: impl Into<SequenceSet>,
    items: &FetchItems,
) -> Vec<blocking_imap::Fetch> {
    s.uid_fetch(set, items)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn capabilities_are_as_recorded_and_rev2_is_not_enabled() {
    let Some(srv) = cyrus() else { return };
    let mut s = srv.login("alice", "alice-pass");
    assert_eq!(
        s.is_tls(),
        common::dovecot::over_tls() && srv.tls_port.is_some(),
        "the rustls run of scripts/test.sh goes through Cyrus's TLS port"
    );
    let caps = s.capabilities().unwrap().clone();
    let line: Vec<&str> = caps.iter().collect();
    eprintln!("cyrus CAPABILITY: {}", line.join(" "));
    for has in [
        "IMAP4rev1",
        "OBJECTID",
        "LIST-METADATA",
        "METADATA",
        "CATENATE",
        "SAVEDATE",
        "PREVIEW",
        "STATUS=SIZE",
        "SPECIAL-USE",
        "LIST-EXTENDED",
        "LIST-STATUS",
        "MOVE",
        "UIDPLUS",
        "CONDSTORE",
        "QRESYNC",
        "ESEARCH",
    ] {
        assert!(caps.has(has), "cyrus lacks {has}: {line:?}");
    }
    for lacks in ["IMAP4rev2", "REPLACE", "UNAUTHENTICATE", "PARTIAL"] {
        assert!(
            !caps.has(lacks),
            "cyrus now offers {lacks}: extend these tests"
        );
    }
    assert!(!caps.is_imap4rev2());
    assert!(!s.is_enabled("IMAP4rev2"));
}

#[test]
fn what_cyrus_lacks_is_refused_before_anything_is_sent() {
    let Some(srv) = cyrus() else { return };
    let mut s = fresh(&srv, "alice", &["cy-lacks"]);
    s.create("cy-lacks").unwrap();
    s.append("cy-lacks", &message(1, "lacks", "", "x")).unwrap();
    s.select("cy-lacks").unwrap();
    let missing = |e: Error, cap: &str| match e {
        Error::MissingCapability(c) if c == cap => {}
        other => panic!("expected MissingCapability({cap}), got {other:?}"),
    };
    let msg = message(2, "lacks", "", "y");
    missing(
        s.uid_replace(Uid(1), "cy-lacks", &AppendMessage::new(&msg))
            .unwrap_err(),
        "REPLACE",
    );
    missing(
        s.uid_search_extended(
            &Search::all(),
            &[ReturnOption::Partial(PartialRange::first(1, 10))],
        )
        .unwrap_err(),
        "PARTIAL",
    );
    s.noop().unwrap();
    let back = s.unauthenticate().unwrap_err();
    missing(back.error, "UNAUTHENTICATE");
    let mut s = *back.session;
    assert_eq!(s.search(&Search::all()).unwrap().len(), 1);
    s.delete("cy-lacks").unwrap_or_else(|e| {
        // Cyrus refuses to delete the selected mailbox on some versions.
        s.unselect().unwrap();
        s.delete("cy-lacks")
            .unwrap_or_else(|e2| panic!("{e} / {e2}"));
    });
    let _ = s.logout();
}

#[test]
fn objectid_mailbox_email_and_thread_ids() {
    let Some(srv) = cyrus() else { return };
    let (a, b) = ("cy-oid", "cy-oid-copy");
    let mut s = fresh(&srv, "alice", &[a, b, "cy-oid-renamed"]);

    // MAILBOXID from CREATE, the same from STATUS, kept across RENAME.
    let id = s.create_with_id(a).unwrap().expect("a MAILBOXID on CREATE");
    assert!(
        !id.is_empty()
            && id
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'),
        "{id:?}"
    );
    let st = s.status(a, &[StatusItem::MailboxId]).unwrap();
    assert_eq!(st.mailbox_id(), Some(id.as_str()));
    // Cyrus 3.6.1 bug: MAILBOXID asked with other items comes back as the bytes of a
    // pointer (`MAILBOXID (L,\xbc\xa3\xa7U)`). The odd item must cost only itself: the
    // other items are read, MAILBOXID lands in `unparsed`. (Once in a while the junk holds
    // a parenthesis or a quote and breaks the frame: then a protocol error, and the session
    // goes on.)
    status_with_other_items(&mut s, a, &id, 0);
    let other = s.create_with_id(b).unwrap().expect("a MAILBOXID on CREATE");
    assert_ne!(other, id, "two mailboxes, two ids");
    s.rename(a, "cy-oid-renamed").unwrap();
    let st = s
        .status("cy-oid-renamed", &[StatusItem::MailboxId])
        .unwrap();
    assert_eq!(
        st.mailbox_id(),
        Some(id.as_str()),
        "RFC 8474: the id survives RENAME"
    );
    s.rename("cy-oid-renamed", a).unwrap();
    // SELECT reports it too (RFC 8474 section 4.2).
    assert_eq!(s.examine(a).unwrap().mailbox_id(), Some(id.as_str()));
    s.unselect().unwrap();

    // EMAILID / THREADID: a message and its reply share a thread, another does not.
    let first = message(1, "oid thread", "", "first");
    let reply = message(
        2,
        "Re: oid thread",
        "In-Reply-To: <cy-1@example.org>\r\nReferences: <cy-1@example.org>\r\n",
        "second",
    );
    let alone = message(3, "something else", "", "third");
    for m in [&first, &reply, &alone] {
        s.append(a, m).unwrap();
    }
    s.select(a).unwrap();
    let got = fetch_all(&mut s, 1.., &FetchItems::new().uid().email_id().thread_id());
    assert_eq!(got.len(), 3);
    let eid: Vec<&str> = got.iter().map(|f| f.email_id().expect("EMAILID")).collect();
    let tid: Vec<&str> = got
        .iter()
        .map(|f| f.thread_id().expect("THREADID"))
        .collect();
    assert!(
        eid[0] != eid[1] && eid[1] != eid[2] && eid[0] != eid[2],
        "{eid:?}"
    );
    assert_eq!(tid[0], tid[1], "a reply joins its thread: {tid:?}");
    assert_ne!(tid[0], tid[2], "{tid:?}");

    // SEARCH EMAILID / THREADID find them again.
    let uids: Vec<Uid> = got.iter().map(|f| f.uid().unwrap()).collect();
    assert_eq!(
        s.uid_search(&Search::all().email_id(eid[2])).unwrap(),
        [uids[2]]
    );
    assert_eq!(
        s.uid_search(&Search::all().thread_id(tid[0])).unwrap(),
        [uids[0], uids[1]]
    );

    // COPY and MOVE keep the EMAILID (RFC 8474 section 5.1).
    s.uid_copy(uids[0], b).unwrap();
    s.uid_mv(uids[2], b).unwrap();
    s.select(b).unwrap();
    let copied = fetch_all(&mut s, 1.., &FetchItems::new().email_id().thread_id());
    let mut ids: Vec<&str> = copied.iter().map(|f| f.email_id().unwrap()).collect();
    ids.sort_unstable();
    let mut want = vec![eid[0], eid[2]];
    want.sort_unstable();
    assert_eq!(ids, want);
    let st = s.status(a, &[StatusItem::MailboxId]).unwrap();
    assert_eq!(st.mailbox_id(), Some(id.as_str()));
    status_with_other_items(&mut s, a, &id, 2);

    s.unselect().unwrap();
    s.delete(a).unwrap();
    s.delete(b).unwrap();
    let _ = s.logout();
}

/// STATUS (MAILBOXID MESSAGES UIDNEXT) of `mailbox`, which holds `messages` messages.
/// Cyrus's junk is the bytes of a heap pointer: mostly 8-bit bytes and control characters,
/// which cost only the item; but often enough a `(`, a `{` or even a line feed, which break
/// the response itself (then a protocol error, the raw line queued, and the session goes on).
/// src/wire/mailbox.rs pins the readable shapes down with captured replies.
fn status_with_other_items(s: &mut Session, mailbox: &str, id: &str, messages: u32) {
    let items = [
        StatusItem::MailboxId,
        StatusItem::Messages,
        StatusItem::UidNext,
    ];
    match s.status(mailbox, &items) {
        Ok(st) => {
            assert_eq!(st.messages(), Some(messages), "{st:?}");
            assert!(st.uid_next().is_some(), "{st:?}");
            match st.mailbox_id() {
                // The day Cyrus gets it right.
                Some(got) => assert_eq!(got, id),
                None => {
                    let names: Vec<&str> = st.unparsed().iter().map(|u| u.name()).collect();
                    assert_eq!(names, ["MAILBOXID"], "{st:?}");
                }
            }
        }
        Err(Error::Protocol(e)) => {
            assert!(e.contains("STATUS"), "{e}");
            let queued: Vec<_> = s.unsolicited().collect();
            assert!(
                queued.iter().any(|u| matches!(
                    u,
                    blocking_imap::Unsolicited::Other { raw, .. } if raw.starts_with(b"* STATUS")
                )),
                "{queued:?}"
            );
            s.noop().unwrap();
        }
        Err(e) => panic!("{e:?}"),
    }
}

#[test]
fn list_metadata_returns_each_mailboxs_entries() {
    let Some(srv) = cyrus() else { return };
    let names = ["cy-meta", "cy-meta/child", "cy-meta-none"];
    let mut s = fresh(&srv, "alice", &["cy-meta/child", "cy-meta", "cy-meta-none"]);
    for n in names {
        s.create(n).unwrap();
    }
    s.set_metadata("cy-meta", &[("/private/comment", Some(&b"mine"[..]))])
        .unwrap();
    s.set_metadata(
        "cy-meta/child",
        &[
            ("/private/comment", Some(&b"child's"[..])),
            ("/shared/comment", Some(&b"for all"[..])),
        ],
    )
    .unwrap();

    let entries = s
        .list_extended(
            "",
            &["cy-meta*"],
            &ListOptions::new().return_metadata(&["/private/comment", "/shared/comment"]),
        )
        .unwrap();
    let by_name = |n: &str| {
        entries
            .iter()
            .find(|e| e.name().name().as_str() == n)
            .unwrap_or_else(|| panic!("{n} not listed: {entries:?}"))
    };
    let top = by_name("cy-meta").metadata().expect("cy-meta's METADATA");
    assert_eq!(top.get("/private/comment"), Some(&b"mine"[..]));
    assert_eq!(top.get("/shared/comment"), None);
    let child = by_name("cy-meta/child")
        .metadata()
        .expect("child's METADATA");
    assert_eq!(child.get("/private/comment"), Some(&b"child's"[..]));
    assert_eq!(child.get("/shared/comment"), Some(&b"for all"[..]));
    let none = by_name("cy-meta-none");
    assert!(
        none.metadata()
            .map_or(true, |m| m.get("/private/comment").is_none()),
        "{none:?}"
    );

    for n in ["cy-meta/child", "cy-meta", "cy-meta-none"] {
        s.delete(n).unwrap();
    }
    let _ = s.logout();
}

#[test]
fn catenate_savedate_preview_and_status_size() {
    let Some(srv) = cyrus() else { return };
    let mb = "cy-rfcs";
    let mut s = fresh(&srv, "alice", &[mb]);
    s.create(mb).unwrap();
    let src = message(10, "catenate source", "", "Hello from the source body.");
    let appended = s.append(mb, &src).unwrap().expect("APPENDUID");
    let src_uid = Uid(appended.uids.iter().next().unwrap());
    let head = b"From: b@example.org\r\nSubject: built\r\nMessage-ID: <cy-11@example.org>\r\n\
                 Content-Type: text/plain; charset=utf-8\r\n\r\n";
    let built = s
        .append_catenate(
            mb,
            &[
                CatenatePart::Text(&head[..]),
                CatenatePart::url(mb, appended.uid_validity, src_uid, Some("TEXT")),
            ],
            &[Flag::Draft],
            None,
        )
        .unwrap()
        .expect("APPENDUID");
    let built_uid = Uid(built.uids.iter().next().unwrap());

    s.select(mb).unwrap();
    let f = fetch_all(
        &mut s,
        built_uid,
        &FetchItems::new()
            .flags()
            .body_peek(blocking_imap::Section::Text)
            .save_date()
            .preview(),
    )
    .remove(0);
    assert!(
        f.flags().unwrap_or_default().contains(&Flag::Draft),
        "{f:?}"
    );
    assert_eq!(
        f.section(&blocking_imap::Section::Text),
        Some(&b"Hello from the source body.\r\n"[..])
    );
    assert!(f.save_date_time().is_some(), "{f:?}");
    // Cyrus 3.6 computes no previews without a preview annotation configured (its JMAP
    // setup): `PREVIEW NIL`, read as "no preview", which RFC 8970 allows.
    assert_eq!(f.preview(), None, "{f:?}");

    let st = s
        .status(mb, &[StatusItem::Size, StatusItem::Messages])
        .unwrap();
    assert_eq!(st.messages(), Some(2));
    let sizes: u64 = fetch_all(&mut s, 1.., &FetchItems::new().size())
        .iter()
        .map(|f| u64::from(f.size().unwrap()))
        .sum();
    assert_eq!(st.size(), Some(sizes));
    s.unselect().unwrap();
    s.delete(mb).unwrap();
    let _ = s.logout();
}

#[test]
fn special_use_mailboxes_are_found_though_cyrus_writes_them_in_lower_case() {
    let Some(srv) = cyrus() else { return };
    let mut s = srv.login("bob", "bob-pass");
    for (use_, name) in [
        (SpecialUse::Drafts, "Drafts"),
        (SpecialUse::Sent, "Sent"),
        (SpecialUse::Trash, "Trash"),
        (SpecialUse::Junk, "Junk"),
        (SpecialUse::Archive, "Archive"),
    ] {
        let found = s.find_special_use(use_).unwrap().expect(name);
        assert_eq!(found.name().as_str(), name);
    }
    let _ = s.logout();
}

/// What the everyday commands report, comparable between servers.
#[derive(Debug, PartialEq)]
struct Outcome {
    exists_after_append: u32,
    searched: Vec<u32>,
    flagged: Vec<u32>,
    fetched_subjects: Vec<String>,
    expunged: u64,
    moved: u64,
    status: (Option<u32>, Option<u32>, Option<u32>),
    listed: Vec<String>,
}

fn everyday(s: &mut Session, prefix: &str) -> Outcome {
    let (mb, target) = (format!("{prefix}-day"), format!("{prefix}-day/moved"));
    let _ = s.delete(target.as_str());
    let _ = s.delete(mb.as_str());
    s.create(mb.as_str()).unwrap();
    s.create(target.as_str()).unwrap();
    for i in 1..=5 {
        let body = if i % 2 == 0 { "even" } else { "odd" };
        s.append(
            mb.as_str(),
            &message(100 + i, &format!("day {i}"), "", body),
        )
        .unwrap();
    }
    let exists_after_append = s.select(mb.as_str()).unwrap().exists();
    let searched = s
        .search(&Search::all().body("even"))
        .unwrap()
        .into_iter()
        .map(|n| n.0)
        .collect();
    s.store(
        SequenceSet::from([1, 3]),
        StoreAction::Add,
        &[Flag::Flagged],
    )
    .unwrap()
    .for_each(drop);
    let flagged = s
        .search(&Search::all().flagged())
        .unwrap()
        .into_iter()
        .map(|n| n.0)
        .collect();
    let fetched_subjects = s
        .fetch(1.., &FetchItems::new().envelope())
        .unwrap()
        .map(|f| {
            let f = f.unwrap();
            let env = f.envelope().expect("ENVELOPE");
            env.subject().unwrap_or_default().to_string()
        })
        .collect();
    s.store(2, StoreAction::Add, &[Flag::Deleted])
        .unwrap()
        .for_each(drop);
    let expunged = s.expunge().unwrap().len();
    let moved = s
        .mv(SequenceSet::from([1, 2]), target.as_str())
        .unwrap()
        .map_or(0, |c| c.destination.len());
    let st = s
        .status(
            target.as_str(),
            &[
                StatusItem::Messages,
                StatusItem::Unseen,
                StatusItem::UidNext,
            ],
        )
        .unwrap();
    let status = (st.messages(), st.unseen(), st.uid_next());
    let listed = s
        .list("", &format!("{prefix}-day*"))
        .unwrap()
        .iter()
        .map(|n| n.name().as_str().to_string())
        .collect();
    s.unselect().unwrap();
    s.delete(target.as_str()).unwrap();
    s.delete(mb.as_str()).unwrap();
    Outcome {
        exists_after_append,
        searched,
        flagged,
        fetched_subjects,
        expunged,
        moved,
        status,
        listed,
    }
}

#[test]
fn everyday_commands_give_the_same_results_as_on_dovecot() {
    let Some(srv) = cyrus() else { return };
    let mut s = srv.login("alice", "alice-pass");
    let on_cyrus = everyday(&mut s, "cy");
    let _ = s.logout();
    assert_eq!(on_cyrus.exists_after_append, 5);
    assert_eq!(on_cyrus.searched, [2, 4]);
    assert_eq!(on_cyrus.flagged, [1, 3]);
    assert_eq!(on_cyrus.expunged, 1);
    assert_eq!(on_cyrus.moved, 2);
    assert_eq!(on_cyrus.status, (Some(2), Some(2), Some(3)));
    assert_eq!(on_cyrus.listed, ["cy-day", "cy-day/moved"]);
    // scripts/test.sh runs both servers; with Cyrus alone, only Cyrus's figures are checked.
    if std::env::var_os("BLOCKING_IMAP_DOVECOT").is_none() {
        return;
    }
    if let Some(dovecot) = common::dovecot::server() {
        let mut d = dovecot.login("alice", "alice-pass");
        let on_dovecot = everyday(&mut d, "cy");
        let _ = d.logout();
        assert_eq!(on_cyrus, on_dovecot);
    }
}

#[test]
fn logins_esearch_sort_thread_and_metadata() {
    let Some(srv) = cyrus() else { return };
    // A wrong password is refused; login_best picks a mechanism Cyrus offers (PLAIN/LOGIN).
    let e = srv
        .plain()
        .connect()
        .unwrap()
        .login("alice", "wrong")
        .unwrap_err();
    assert!(matches!(e.error, Error::No(_)), "{e:?}");
    let mut s = srv
        .plain()
        .connect()
        .unwrap()
        .login_best("bob", "bob-pass")
        .unwrap();
    s.noop().unwrap();
    let _ = s.logout();
    // STARTTLS on the plain port, when Cyrus has the certificate.
    if srv.tls_port.is_some() {
        let ca = std::fs::read(std::env::var("BLOCKING_IMAP_CA").unwrap()).unwrap();
        let s = blocking_imap::ClientBuilder::new("localhost", srv.port)
            .starttls()
            .add_root_certificate_pem(&ca)
            .unwrap()
            .connect()
            .unwrap()
            .login("bob", "bob-pass")
            .unwrap();
        assert!(s.is_tls());
        let _ = s.logout();
    }

    let mb = "cy-search";
    let mut s = fresh(&srv, "bob", &[mb]);
    s.create(mb).unwrap();
    let subjects = ["charlie", "alpha", "Re: alpha", "bravo"];
    for (i, subject) in subjects.iter().enumerate() {
        let extra = if subject.starts_with("Re:") {
            "In-Reply-To: <cy-201@example.org>\r\nReferences: <cy-201@example.org>\r\n"
        } else {
            ""
        };
        s.append(mb, &message(200 + i as u32, subject, extra, "text"))
            .unwrap();
    }
    s.select(mb).unwrap();
    let r = s
        .uid_search_extended(
            &Search::all().subject("alpha"),
            &[
                ReturnOption::Min,
                ReturnOption::Max,
                ReturnOption::Count,
                ReturnOption::All,
            ],
        )
        .unwrap();
    assert_eq!(
        (r.min, r.max, r.count),
        (Some(2), Some(3), Some(2)),
        "{r:?}"
    );
    assert_eq!(r.all.iter().collect::<Vec<_>>(), [2, 3]);
    assert!(r.uid);
    let sorted = s
        .uid_sort(&[blocking_imap::SortKey::Subject], &Search::all())
        .unwrap();
    assert_eq!(
        sorted,
        [Uid(2), Uid(3), Uid(4), Uid(1)],
        "alpha, Re: alpha, bravo, charlie"
    );
    let threads = s
        .uid_thread(blocking_imap::ThreadAlgorithm::References, &Search::all())
        .unwrap();
    assert_eq!(threads.len(), 3, "{threads:?}");
    let alpha = threads
        .iter()
        .find(|t| t.root() == Some(&Uid(2)))
        .unwrap_or_else(|| panic!("{threads:?}"));
    assert_eq!(alpha.iter().copied().collect::<Vec<_>>(), [Uid(2), Uid(3)]);

    s.set_metadata(mb, &[("/private/comment", Some(&b"x y"[..]))])
        .unwrap();
    let m = s
        .get_metadata(mb, &["/private/comment", "/shared/comment"])
        .unwrap();
    assert_eq!(m.get("/private/comment"), Some(&b"x y"[..]));
    assert_eq!(m.get("/shared/comment"), None);
    s.unselect().unwrap();
    s.delete(mb).unwrap();
    let _ = s.logout();
}

#[test]
fn compress_acl_other_users_quota_and_qresync() {
    let Some(srv) = cyrus() else { return };
    let mb = "cy-acl";
    let mut s = fresh(&srv, "alice", &[mb]);
    // Everything below runs through COMPRESS=DEFLATE.
    s.compress().unwrap();
    s.create(mb).unwrap();
    for i in 1..=3 {
        s.append(mb, &message(300 + i, &format!("acl {i}"), "", "body"))
            .unwrap();
    }

    // ACL (RFC 4314): alice shares the mailbox with bob, read-only.
    assert!(s.my_rights(mb).unwrap().contains('a'));
    s.set_acl(mb, "bob", "lrs").unwrap();
    let acl = s.get_acl(mb).unwrap();
    let bob = acl
        .iter()
        .find(|e| e.identifier() == b"bob")
        .unwrap_or_else(|| panic!("{acl:?}"));
    assert_eq!(bob.rights().as_str(), "lrs");
    let rights = s.list_rights(mb, "bob").unwrap();
    assert!(rights.allows('w') && rights.allows('l'), "{rights:?}");

    // Bob finds it under Cyrus's other-users namespace and reads it, not writes it.
    let mut b = srv.login("bob", "bob-pass");
    let ns = b.namespace().unwrap();
    let other = ns.other_users().first().expect("an other-users namespace");
    let shared = format!("{}alice/{mb}", other.prefix().as_str());
    assert_eq!(b.examine(shared.as_str()).unwrap().exists(), 3);
    let e = b
        .append(shared.as_str(), &message(399, "from bob", "", "x"))
        .unwrap_err();
    assert!(matches!(e, Error::No(_)), "{e:?}");
    let _ = b.logout();
    s.delete_acl(mb, "bob").unwrap();
    assert!(s
        .get_acl(mb)
        .unwrap()
        .iter()
        .all(|e| e.identifier() != b"bob"));

    // QUOTA: autocreated users have no limit here; the command still answers.
    let roots = s.get_quota_root("INBOX").unwrap();
    assert_eq!(roots.mailbox().as_str(), "INBOX");

    // QRESYNC (RFC 7162): flags changed and messages expunged since a known state.
    let before = s.select(mb).unwrap();
    let (uv, modseq) = (
        before.uid_validity().unwrap(),
        before.highest_modseq().unwrap(),
    );
    s.uid_store(Uid(1), StoreAction::Add, &[Flag::Flagged])
        .unwrap()
        .for_each(drop);
    s.uid_store(Uid(2), StoreAction::Add, &[Flag::Deleted])
        .unwrap()
        .for_each(drop);
    s.expunge().unwrap();
    s.unselect().unwrap();
    let known = SequenceSet::from(1..=3);
    let (mailbox, resync) = s.select_qresync(mb, uv, modseq, Some(&known)).unwrap();
    assert_eq!(mailbox.exists(), 2);
    assert_eq!(resync.vanished().iter().collect::<Vec<_>>(), [2]);
    let changed: Vec<Uid> = resync.changed().iter().filter_map(|f| f.uid()).collect();
    assert_eq!(changed, [Uid(1)], "{resync:?}");
    assert!(resync.changed()[0]
        .flags()
        .unwrap_or_default()
        .contains(&Flag::Flagged));
    s.unselect().unwrap();
    s.delete(mb).unwrap();
    let _ = s.logout();
}

#[test]
fn idle_sees_another_sessions_append() {
    let Some(srv) = cyrus() else { return };
    let mb = "cy-idle";
    let mut a = fresh(&srv, "alice", &[mb]);
    a.create(mb).unwrap();
    a.select(mb).unwrap();
    let mut b = srv.login("alice", "alice-pass");
    let writer = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        b.append(mb, &message(400, "idle", "", "x")).unwrap();
        let _ = b.logout();
    });
    // Cyrus polls every second while idling (imapidlepoll: 1 in scripts/cyrus.sh).
    let news = a
        .idle()
        .timeout(std::time::Duration::from_secs(20))
        .wait_for_news()
        .unwrap();
    writer.join().unwrap();
    assert!(
        news.iter()
            .any(|u| matches!(u, blocking_imap::Unsolicited::Exists(1))),
        "{news:?}"
    );
    assert_eq!(a.mailbox().exists(), 1);
    a.noop().unwrap();
    a.unselect().unwrap();
    a.delete(mb).unwrap();
    let _ = a.logout();
}
