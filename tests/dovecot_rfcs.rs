//! The RFCs since 2016 that the project's Dovecot offers — SAVEDATE (RFC 8514), PREVIEW
//! (RFC 8970), STATUS=SIZE (RFC 8438), CATENATE (RFC 4469) — and the escape hatch
//! (`Session::run`, examples/raw_command.rs), against the real server (scripts/test.sh).
//! What it does not offer (OBJECTID, REPLACE, UNAUTHENTICATE, PARTIAL, LIST-METADATA) is
//! refused before anything is sent; tests/transcript_rfcs.rs covers those. Each test works
//! in mailboxes of its own (`rfc-*`).

mod common;

use blocking_imap::{
    Arg, CatenatePart, Error, FetchItems, ListOptions, PartialRange, RawCommand, ReturnOption,
    Search, SearchDate, Section, SequenceSet, Session, StatusItem, StatusKind, Uid, Unsolicited,
};
use common::dovecot::{server, Server};

fn fresh(srv: &Server, name: &str) -> Session {
    let mut s = srv.login("alice", "alice-pass");
    let _ = s.delete(name);
    s.create(name).unwrap();
    s
}

fn message(i: u32, body: &str) -> Vec<u8> {
    format!(
        "From: a@example.org\r\nTo: alice@example.org\r\nSubject: rfc {i}\r\n\
         Message-ID: <rfc-{i}@example.org>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

#[test]
fn savedate_fetch_and_search() {
    let Some(srv) = server() else { return };
    let mut s = fresh(&srv, "rfc-savedate");
    assert!(s.capabilities().unwrap().has("SAVEDATE"));
    s.append("rfc-savedate", &message(1, "one")).unwrap();
    s.append("rfc-savedate", &message(2, "two")).unwrap();
    s.select("rfc-savedate").unwrap();

    let got: Vec<_> = s
        .fetch(
            SequenceSet::from([1, 2]),
            &FetchItems::new().uid().save_date(),
        )
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let today = SearchDate::today();
    for f in &got {
        let when = f.save_date_time().expect("a parsed SAVEDATE");
        // Saved just now: within a day of today's date, whatever the zone.
        let d = when.to_utc();
        let (y, m, day) = (d.year(), d.month(), d.day());
        let saved = SearchDate::new(y, m, day).unwrap();
        assert!(
            saved == today || saved == today.minus_days(1) || today == saved.minus_days(1),
            "{when:?} vs {today}"
        );
    }

    // SAVEDATESUPPORTED matches every message here; SAVEDSINCE yesterday all of them,
    // SAVEDBEFORE yesterday none; SAVEDON one of three days.
    let all = s.search(&Search::all().save_date_supported()).unwrap();
    assert_eq!(all.len(), 2);
    let since = s
        .search(&Search::all().saved_since(today.minus_days(1)))
        .unwrap();
    assert_eq!(since.len(), 2);
    let before = s
        .search(&Search::all().saved_before(today.minus_days(1)))
        .unwrap();
    assert!(before.is_empty(), "{before:?}");
    let on: usize = [today.minus_days(1), today, today.minus_days(0)]
        .iter()
        .map(|d| s.search(&Search::all().saved_on(*d)).unwrap().len())
        .max()
        .unwrap_or(0);
    assert_eq!(on, 2);
    let _ = s.logout();
}

#[test]
fn preview_and_lazy_preview() {
    let Some(srv) = server() else { return };
    let mut s = fresh(&srv, "rfc-preview");
    assert!(s.capabilities().unwrap().has("PREVIEW"));
    s.append(
        "rfc-preview",
        &message(1, "Hello there, this is the preview text."),
    )
    .unwrap();
    s.select("rfc-preview").unwrap();
    // LAZY first: the server may or may not have one at hand (NIL is fine), never an error.
    let lazy = s
        .fetch(1, &FetchItems::new().uid().preview_lazy())
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    if let Some(text) = lazy.preview_text() {
        assert!(text.starts_with("Hello there"), "{text}");
    }
    let f = s
        .fetch(1, &FetchItems::new().preview())
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let text = f.preview_text().expect("a preview");
    assert!(
        text.starts_with("Hello there, this is the preview"),
        "{text}"
    );
    assert!(f.unparsed().is_empty(), "{:?}", f.unparsed());
    let _ = s.logout();
}

#[test]
fn status_size_counts_octets() {
    let Some(srv) = server() else { return };
    let mut s = fresh(&srv, "rfc-size");
    assert!(s.capabilities().unwrap().has("STATUS=SIZE"));
    let st = s
        .status("rfc-size", &[StatusItem::Size, StatusItem::Messages])
        .unwrap();
    assert_eq!((st.size(), st.messages()), (Some(0), Some(0)));
    let (a, b) = (message(1, "one"), message(2, &"x".repeat(5000)));
    s.append("rfc-size", &a).unwrap();
    s.append("rfc-size", &b).unwrap();
    let st = s.status("rfc-size", &[StatusItem::Size]).unwrap();
    assert_eq!(st.size(), Some((a.len() + b.len()) as u64));
    assert!(st.unparsed().is_empty());
    let _ = s.logout();
}

#[test]
fn catenate_builds_a_message_from_text_and_a_url() {
    let Some(srv) = server() else { return };
    let mut s = fresh(&srv, "rfc-cat");
    assert!(s.capabilities().unwrap().has("CATENATE"));
    let body = "The body that stays on the server.";
    s.append("rfc-cat", &message(1, body)).unwrap();
    let mb = s.select("rfc-cat").unwrap();
    let validity = mb.uid_validity().unwrap();
    let head = b"From: b@example.org\r\nSubject: Fwd: rfc 1\r\n\r\n";
    s.append_catenate(
        "rfc-cat",
        &[
            CatenatePart::Text(head),
            CatenatePart::url("rfc-cat", validity, Uid(1), Some("TEXT")),
            CatenatePart::Text(b"-- \r\nsig\r\n"),
        ],
        &[],
        None,
    )
    .unwrap();
    s.noop().unwrap();
    let got = s
        .uid_fetch(Uid(2), &FetchItems::new().body_peek(Section::Full))
        .unwrap()
        .next()
        .expect("the new message")
        .unwrap();
    let mut want = head.to_vec();
    want.extend_from_slice(format!("{body}\r\n").as_bytes());
    want.extend_from_slice(b"-- \r\nsig\r\n");
    assert_eq!(
        String::from_utf8_lossy(got.body().unwrap()),
        String::from_utf8_lossy(&want)
    );

    // A URL to a message that is not there: NO with BADURL, nothing added.
    let e = s
        .append_catenate(
            "rfc-cat",
            &[CatenatePart::url("rfc-cat", validity, Uid(99), None)],
            &[],
            None,
        )
        .unwrap_err();
    match &e {
        Error::No(text) => assert!(
            matches!(text.code, Some(blocking_imap::ResponseCode::BadUrl(_))),
            "{text:?}"
        ),
        other => panic!("{other:?}"),
    }
    let st = s.status("rfc-cat", &[StatusItem::Messages]).unwrap();
    assert_eq!(st.messages(), Some(2));
    let _ = s.logout();
}

#[test]
fn what_dovecot_lacks_is_refused_before_sending() {
    let Some(srv) = server() else { return };
    let mut s = fresh(&srv, "rfc-lacks");
    s.append("rfc-lacks", &message(1, "x")).unwrap();
    s.select("rfc-lacks").unwrap();
    let missing = |e: Error, cap: &str| match e {
        Error::MissingCapability(c) if c == cap => {}
        other => panic!("expected MissingCapability({cap}), got {other:?}"),
    };
    let msg = message(2, "y");
    missing(
        s.uid_replace(
            Uid(1),
            "rfc-lacks",
            &blocking_imap::AppendMessage::new(&msg),
        )
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
    missing(
        s.list_extended(
            "",
            &["*"],
            &ListOptions::new().return_metadata(&["/private/comment"]),
        )
        .unwrap_err(),
        "LIST-METADATA",
    );
    // OBJECTID: CREATE still works and reports no id.
    let _ = s.delete("rfc-lacks-child");
    assert_eq!(s.create_with_id("rfc-lacks-child").unwrap(), None);
    s.delete("rfc-lacks-child").unwrap();
    // The session is still fine, and UNAUTHENTICATE hands it back.
    s.noop().unwrap();
    let back = s.unauthenticate().unwrap_err();
    missing(back.error, "UNAUTHENTICATE");
    let mut s = *back.session;
    s.noop().unwrap();
    let _ = s.logout();
}

#[test]
fn raw_commands_against_dovecot() {
    let Some(srv) = server() else { return };
    let mut s = fresh(&srv, "rfc-raw");
    s.append("rfc-raw", &message(1, "x")).unwrap();
    s.select("rfc-raw").unwrap();

    // A STATUS by hand: a typed view of the answer.
    let r = s
        .run(
            RawCommand::new("STATUS")
                .mailbox("rfc-raw")
                .list([Arg::atom("MESSAGES"), Arg::atom("SIZE")]),
        )
        .unwrap()
        .into_result()
        .unwrap();
    let st = r
        .frames()
        .iter()
        .find_map(|f| match f.parsed() {
            Some(Unsolicited::MailboxStatus(st)) => Some(st.clone()),
            _ => None,
        })
        .expect("a STATUS frame");
    assert_eq!(st.messages(), Some(1));
    assert!(st.size().unwrap_or(0) > 0);

    // A literal with CR LF and 8-bit bytes through SETMETADATA, read back.
    let value = "line one\r\nlíne two";
    let r = s
        .run(RawCommand::new("SETMETADATA").mailbox("rfc-raw").list([
            Arg::atom("/private/comment"),
            Arg::literal(value.as_bytes()),
        ]))
        .unwrap();
    assert!(r.is_ok(), "{:?}", r.text());
    let got = s.get_metadata("rfc-raw", &["/private/comment"]).unwrap();
    assert_eq!(got.get("/private/comment"), Some(value.as_bytes()));

    // A UID FETCH by hand: the FETCH frames are the command's, and also go to the queue
    // (they carry flags, which the mailbox state follows).
    let r = s
        .run(
            RawCommand::new("UID FETCH")
                .set(SequenceSet::from(1..=1))
                .list([Arg::atom("UID"), Arg::atom("FLAGS")]),
        )
        .unwrap();
    assert_eq!(r.frames_named("FETCH").count(), 1);
    assert!(r.frames()[0].is_queued());
    assert!(s
        .unsolicited()
        .any(|u| matches!(u, Unsolicited::Fetch(f) if f.uid() == Some(Uid(1)))));

    // Unknown to Dovecot: BAD as data, the session goes on.
    let r = s.run(RawCommand::new("XNOSUCH").string("a b")).unwrap();
    assert_eq!(r.status(), StatusKind::Bad);
    assert!(matches!(r.into_result(), Err(Error::Bad(_))));
    s.noop().unwrap();
    let _ = s.logout();
}

#[test]
fn the_raw_command_example_runs() {
    let Some(srv) = server() else { return };
    let port = srv.port.to_string();
    let args = [
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--tls",
        "none",
        "--user",
        "bob",
        "--password-env",
        "RAW_TEST_PASSWORD",
        "--comment",
        "from the test",
    ];
    let (out, err, ok) =
        common::example::run("raw_command", &args, &[("RAW_TEST_PASSWORD", "bob-pass")]);
    assert!(ok, "{out}\n{err}");
    assert!(
        out.contains("comment read back: \"from the test\""),
        "{out}"
    );
    assert!(out.contains("METADATA (typed)"), "{out}");
    assert!(out.contains("XNO-SUCH-COMMAND: Bad"), "{out}");
    assert!(out.contains("as an error: server said bad"), "{out}");
}
