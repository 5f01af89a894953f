//! Scripted-server tests of the escape hatch, `Session::run`: the exact bytes written for
//! typed arguments (literals synchronising or not), the frames and status it returns, the
//! usual routing of mailbox-state responses, bounds, and what it refuses.

mod common;

use blocking_imap::{
    Arg, ClientBuilder, Error, RawCommand, ResponseCode, SequenceSet, StatusKind, Unsolicited,
};
use common::{c, s};

#[test]
fn a_vendor_command_returns_its_frames_and_status() {
    let (script, mut session) = common::logged_in(
        "IMAP4rev1",
        vec![
            c("A0002 SELECT INBOX\r\n"),
            s("* 3 EXISTS\r\nA0002 OK [READ-WRITE] done\r\n"),
            c("A0003 XVENDOR \\Seen \"a b\" 1:3,7 NIL (A ()) Entw&APw-rfe {4}\r\n"),
            s("+ go\r\n"),
            c("x\r\ny\r\n"),
            // Vendor data (unknown to the crate), a literal inside one, then state changes
            // and an alert in between.
            s("* XVENDOR (\"one\" 1)\r\n"),
            s("* XVENDOR {5}\r\nfive!\r\n"),
            s("* 4 EXISTS\r\n"),
            s("* 1 FETCH (FLAGS (\\Seen))\r\n"),
            s("* OK [ALERT] look\r\n"),
            s("* 2 EXPUNGE\r\n"),
            s("A0003 OK [XSTATE 7] vendor done\r\n"),
        ],
    );
    session.select("INBOX").unwrap();
    let r = session
        .run(
            RawCommand::new("XVENDOR")
                .atom("\\Seen")
                .string("a b")
                .set(SequenceSet::from([1, 2, 3, 7]))
                .nil()
                .list([Arg::atom("A"), Arg::list([])])
                .mailbox("Entwürfe")
                .literal(b"x\r\ny".to_vec()),
        )
        .unwrap();
    script.assert_done();
    assert_eq!(r.status(), StatusKind::Ok);
    assert!(r.is_ok());
    assert_eq!(r.text().text, "vendor done");
    assert!(
        matches!(r.code(), Some(ResponseCode::Other { name, args }) if name == "XSTATE" && args.as_deref() == Some("7")),
        "{:?}",
        r.code()
    );
    let names: Vec<String> = r.frames().iter().map(|f| f.name()).collect();
    assert_eq!(
        names,
        ["XVENDOR", "XVENDOR", "EXISTS", "FETCH", "OK", "EXPUNGE"]
    );
    let vendor: Vec<_> = r.frames_named("xvendor").collect();
    assert_eq!(vendor.len(), 2);
    assert_eq!(vendor[1].bytes(), b"* XVENDOR {5}\r\nfive!\r\n");
    assert!(!vendor[0].is_queued());
    // The crate cannot read a vendor response: no typed view, but a reason.
    assert!(
        vendor[0].parsed().is_none()
            || matches!(vendor[0].parsed(), Some(Unsolicited::Other { .. }))
    );
    // What belongs to the mailbox updated it and was queued as after any command.
    assert_eq!(session.mailbox().exists(), 3, "4 EXISTS then one EXPUNGE");
    let queued: Vec<Unsolicited> = session.unsolicited().collect();
    assert!(
        matches!(
            &queued[..],
            [
                Unsolicited::Exists(4),
                Unsolicited::Fetch(_),
                Unsolicited::Status { .. },
                Unsolicited::Expunge(_)
            ]
        ),
        "{queued:?}"
    );
    assert!(r.frames()[2].is_queued() && r.frames()[3].is_queued());
    assert!(matches!(
        r.frames()[2].parsed(),
        Some(Unsolicited::Exists(4))
    ));
}

#[test]
fn literal_plus_and_no_and_bad_as_data() {
    let (script, mut session) = common::logged_in(
        "IMAP4rev1 LITERAL+",
        vec![
            c("A0002 XAPPEND INBOX {3+}\r\nabc\r\n"),
            s("* XAPPEND progress\r\n"),
            s("A0002 NO [OVERQUOTA] too big\r\n"),
            c("A0003 XNOPE\r\n"),
            s("A0003 BAD unknown command\r\n"),
            c("A0004 NOOP\r\n"),
            s("A0004 OK\r\n"),
        ],
    );
    let r = session
        .run(
            RawCommand::new("XAPPEND")
                .mailbox("INBOX")
                .literal(b"abc".to_vec()),
        )
        .unwrap();
    assert_eq!(r.status(), StatusKind::No);
    assert_eq!(r.frames().len(), 1, "the data before the NO is kept");
    assert_eq!(r.code(), Some(&ResponseCode::OverQuota));
    match r.clone().into_result() {
        Err(Error::No(text)) => assert_eq!(text.text, "too big"),
        other => panic!("{other:?}"),
    }
    let r = session.run(RawCommand::new("XNOPE")).unwrap();
    assert_eq!(r.status(), StatusKind::Bad);
    assert!(matches!(r.into_result(), Err(Error::Bad(_))));
    session.noop().unwrap();
    script.assert_done();
}

#[test]
fn a_no_instead_of_the_continuation_is_an_error() {
    let (script, mut session) = common::logged_in(
        "IMAP4rev1",
        vec![
            c("A0002 XPUT {3}\r\n"),
            s("A0002 NO [LIMIT] not now\r\n"),
            c("A0003 NOOP\r\n"),
            s("A0003 OK\r\n"),
        ],
    );
    let e = session
        .run(RawCommand::new("XPUT").literal(b"abc".to_vec()))
        .unwrap_err();
    assert!(matches!(e, Error::No(_)), "{e:?}");
    session.noop().unwrap();
    script.assert_done();
}

#[test]
fn a_continuation_after_the_command_closes_the_session() {
    let (_script, mut session) = common::logged_in(
        "IMAP4rev1",
        vec![c("A0002 XWAIT\r\n"), s("+ more please\r\n")],
    );
    let e = session.run(RawCommand::new("XWAIT")).unwrap_err();
    assert!(matches!(e, Error::Protocol(_)), "{e:?}");
    assert!(session.is_broken());
}

#[test]
fn unsafe_names_and_arguments_send_nothing() {
    let (script, mut session) =
        common::logged_in("IMAP4rev1", vec![c("A0002 NOOP\r\n"), s("A0002 OK\r\n")]);
    for cmd in [
        RawCommand::new("X\r\nA9 DELETE INBOX"),
        RawCommand::new("SELECT").mailbox("INBOX"),
        RawCommand::new("idle"),
        RawCommand::new("X").atom("a b"),
        RawCommand::new("X").token("{5}"),
        RawCommand::new("X").token("a\r\nA9 LOGOUT"),
        RawCommand::new("X").string("a\0"),
        RawCommand::new("X").set(SequenceSet::new()),
    ] {
        let e = session.run(cmd.clone()).unwrap_err();
        assert!(matches!(e, Error::InvalidArgument(_)), "{cmd:?}: {e:?}");
    }
    // A string with CR LF goes as a literal, never as line text.
    session.noop().unwrap();
    script.assert_done();
    assert!(!session.is_broken());
}

#[test]
fn the_frames_are_bounded_and_the_stream_stays_in_step() {
    let line = format!("* XBIG {}\r\n", "y".repeat(1000));
    let mut steps = vec![c("A0002 XBIG\r\n")];
    for _ in 0..20 {
        steps.push(s(&line));
    }
    steps.push(s("* 9 EXISTS\r\nA0002 OK\r\n"));
    steps.push(c("A0003 NOOP\r\n"));
    steps.push(s("A0003 OK\r\n"));
    let (script, mut session) = common::logged_in_with(
        ClientBuilder::new("localhost", 143).max_result_size(5_000),
        "IMAP4rev1",
        steps,
    );
    let e = session.run(RawCommand::new("XBIG")).unwrap_err();
    assert!(
        matches!(e, Error::LimitExceeded { limit: 5_000, .. }),
        "{e:?}"
    );
    assert_eq!(session.mailbox().exists(), 9, "the state still follows");
    session.noop().unwrap();
    script.assert_done();
}

#[test]
fn known_responses_get_a_typed_view() {
    let (script, mut session) = common::logged_in(
        "IMAP4rev1 METADATA",
        vec![
            c("A0002 GETMETADATA INBOX (/private/comment)\r\n"),
            s("* METADATA INBOX (/private/comment \"hello\")\r\n"),
            s("A0002 OK done\r\n"),
        ],
    );
    let r = session
        .run(
            RawCommand::new("GETMETADATA")
                .mailbox("INBOX")
                .list([Arg::atom("/private/comment")]),
        )
        .unwrap()
        .into_result()
        .unwrap();
    script.assert_done();
    let f = &r.frames()[0];
    assert!(!f.is_queued());
    match f.parsed() {
        Some(Unsolicited::Metadata(m)) => {
            assert_eq!(m.entries()[0].value(), Some(&b"hello"[..]));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(session.unsolicited_len(), 0);
}
