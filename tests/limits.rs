//! Bounds that hold across frames (issue 11): what one message, one command and one slow
//! server can make a session hold or spend, and server text that must not reach a log or a
//! terminal unescaped. Each test checks the bound and then that the session is still in
//! step (a NOOP completes and the script was played to its end).

mod common;

use std::time::{Duration, Instant};

use blocking_imap::{ClientBuilder, Error, FetchItems, Section, Security, Session, Uid};
use common::tcp::{self, serve, Knobs, T};
use common::{c, s, Script, Step};

fn session_with(builder: ClientBuilder, steps: Vec<Step>) -> (Script, Session) {
    common::logged_in_with(builder, "IMAP4rev1 LITERAL+", steps)
}

/// [`session_with`] with INBOX selected first (`A0002`): the steps start at `A0003`.
fn selected_session_with(builder: ClientBuilder, steps: Vec<Step>) -> (Script, Session) {
    common::selected_with(builder, "IMAP4rev1 LITERAL+", steps)
}

fn builder() -> ClientBuilder {
    ClientBuilder::new("localhost", 143)
}

fn noop_after(script: &Script, session: &mut Session) {
    session.noop().expect("the NOOP after");
    assert!(!session.is_broken());
    script.assert_done();
}

/// One message merged from many responses can hold no more than `max_response_size`: the
/// message becomes an error, the rest of it is dropped, the next message and the next
/// command are fine.
#[test]
fn a_message_merged_from_many_responses_is_capped_in_bytes() {
    let mut reply = String::new();
    for i in 0..100 {
        reply.push_str(&format!(
            "* 1 FETCH (BODY[1.{i}] {{1000}}\r\n{})\r\n",
            "x".repeat(1000)
        ));
    }
    reply.push_str("* 2 FETCH (UID 7 BODY[] \"whole\")\r\nA0003 OK done\r\n");
    let (script, mut session) = selected_session_with(
        builder().max_response_size(64 * 1024),
        vec![
            c("A0003 FETCH 1:2 (UID BODY.PEEK[])\r\n"),
            s(&reply),
            c("A0004 NOOP\r\n"),
            s("A0004 OK\r\n"),
        ],
    );
    let items = FetchItems::new().uid().body_peek(Section::Full);
    let got: Vec<_> = session.fetch(1..=2, &items).unwrap().collect();
    assert_eq!(got.len(), 2, "{got:?}");
    match &got[0] {
        Err(Error::LimitExceeded { what, limit }) => {
            assert_eq!(*limit, 64 * 1024);
            assert!(what.contains("message 1"), "{what}");
        }
        other => panic!("{other:?}"),
    }
    let second = got[1].as_ref().unwrap();
    assert_eq!(
        (second.uid(), second.body()),
        (Some(Uid(7)), Some(&b"whole"[..]))
    );
    noop_after(&script, &mut session);
}

/// ... and no more than a fixed number of items, however small: tens of thousands of tiny
/// responses for one message are merged in linear time, then refused.
#[test]
fn a_message_merged_from_many_responses_is_capped_in_items() {
    let mut reply = String::with_capacity(40 * 20_000);
    for i in 0..20_000 {
        reply.push_str(&format!("* 1 FETCH (BODY[{i}] \"\")\r\n"));
    }
    reply.push_str("A0003 OK done\r\n");
    let (script, mut session) = selected_session_with(
        builder(),
        vec![
            c("A0003 FETCH 1 (BODY.PEEK[])\r\n"),
            s(&reply),
            c("A0004 NOOP\r\n"),
            s("A0004 OK\r\n"),
        ],
    );
    let items = FetchItems::new().body_peek(Section::Full);
    let got: Vec<_> = session.fetch(1, &items).unwrap().collect();
    assert_eq!(got.len(), 1, "the rest of the message was dropped");
    assert!(
        matches!(&got[0], Err(Error::LimitExceeded { limit: 10_000, .. })),
        "{:?}",
        got[0]
    );
    noop_after(&script, &mut session);
}

/// `into_vec` holds no more than a command's result budget; iterating holds one message.
#[test]
fn into_vec_is_bounded_like_any_result() {
    let mut reply = String::new();
    for i in 1..=50 {
        reply.push_str(&format!(
            "* {i} FETCH (BODY[] {{1000}}\r\n{})\r\n",
            "y".repeat(1000)
        ));
    }
    reply.push_str("A0003 OK done\r\n");
    let (script, mut session) = selected_session_with(
        builder().max_result_size(10_000),
        vec![
            c("A0003 FETCH 1:50 (BODY.PEEK[])\r\n"),
            s(&reply),
            c("A0004 FETCH 1:50 (BODY.PEEK[])\r\n"),
            s(&reply.replace("A0003", "A0004")),
            c("A0005 NOOP\r\n"),
            s("A0005 OK\r\n"),
        ],
    );
    let items = FetchItems::new().body_peek(Section::Full);
    let err = session
        .fetch(1..=50, &items)
        .unwrap()
        .into_vec()
        .unwrap_err();
    assert!(
        matches!(&err, Error::LimitExceeded { limit: 10_000, .. }),
        "{err:?}"
    );
    let n = session
        .fetch(1..=50, &items)
        .unwrap()
        .filter(Result::is_ok)
        .count();
    assert_eq!(n, 50, "streaming is not bounded by the result budget");
    noop_after(&script, &mut session);
}

/// A LIST that goes on past `max_result_size` fails with `LimitExceeded` once it completes;
/// the mailbox state still followed, and the session goes on.
#[test]
fn a_list_past_the_result_budget_fails_cleanly() {
    let mut reply = String::new();
    for i in 0..1000 {
        reply.push_str(&format!("* LIST () \"/\" \"Folder {i}\"\r\n"));
    }
    reply.push_str("* 9 EXISTS\r\nA0002 OK listed\r\n");
    let (script, mut session) = session_with(
        builder().max_result_size(4096),
        vec![
            c("A0002 LIST \"\" \"*\"\r\n"),
            s(&reply),
            c("A0003 NOOP\r\n"),
            s("A0003 OK\r\n"),
        ],
    );
    let err = session.list("", "*").unwrap_err();
    assert!(
        matches!(&err, Error::LimitExceeded { limit: 4096, what } if what.contains("LIST")),
        "{err:?}"
    );
    assert!(err.to_string().contains("limit"), "{err}");
    assert_eq!(session.mailbox().exists(), 9);
    noop_after(&script, &mut session);
}

/// A server that trickles a response a byte at a time, each inside the read timeout, cannot
/// stretch a command past `command_deadline`.
#[test]
fn a_trickling_server_cannot_stretch_a_command_past_its_deadline() {
    let login = "A0001 LOGIN u p\r\n";
    let steps = vec![
        tcp::s("* OK hi\r\n"),
        tcp::c(login),
        tcp::s("A0001 OK in\r\n"),
        tcp::c("A0002 NOOP\r\n"),
        T::S(format!("* OK {}\r\nA0002 OK\r\n", "z".repeat(2000)).into_bytes()),
    ];
    let (port, _server) = serve(
        steps,
        Knobs {
            split: 1,
            delay: Duration::from_millis(5),
        },
    );
    let mut session = ClientBuilder::new("127.0.0.1", port)
        .security(Security::Plaintext)
        .read_timeout(Some(Duration::from_secs(2)))
        .command_deadline(Some(Duration::from_millis(800)))
        .connect()
        .unwrap()
        .login("u", "p")
        .unwrap();
    let start = Instant::now();
    let err = session.noop().unwrap_err();
    let took = start.elapsed();
    assert!(
        matches!(
            err,
            Error::Timeout {
                operation: "command",
                after,
                ..
            } if after == Duration::from_millis(800)
        ),
        "{err:?}"
    );
    // The full reply would take 10 s; the deadline ended it (loose bound, slow machines).
    assert!(took < Duration::from_secs(6), "{took:?}");
    assert!(session.is_broken(), "the rest of the reply was never read");
}

/// The drain of a dropped FETCH stream and LOGOUT respect the deadline too: a server that
/// trickles the rest of a response, or its BYE, cannot hold the caller.
#[test]
fn the_drain_of_a_dropped_stream_and_logout_respect_the_deadline() {
    let trickle = |steps_after_login: Vec<T>| {
        let mut steps = vec![
            tcp::s("* OK hi\r\n"),
            tcp::c("A0001 LOGIN u p\r\n"),
            tcp::s("A0001 OK in\r\n"),
        ];
        steps.extend(steps_after_login);
        let (port, server) = serve(
            steps,
            Knobs {
                split: 1,
                delay: Duration::from_millis(5),
            },
        );
        let session = ClientBuilder::new("127.0.0.1", port)
            .security(Security::Plaintext)
            .read_timeout(Some(Duration::from_secs(2)))
            .command_deadline(Some(Duration::from_millis(800)))
            .connect()
            .unwrap()
            .login("u", "p")
            .unwrap();
        (session, server)
    };
    // The first message arrives quickly enough; the rest of the reply trickles for ~20 s.
    let mut rest = String::new();
    for i in 2..=60 {
        rest.push_str(&format!("* {i} FETCH (UID {i} FLAGS ())\r\n"));
    }
    rest.push_str("A0003 OK\r\n");
    let (mut session, _server) = trickle(vec![
        tcp::c("A0002 SELECT INBOX\r\n"),
        tcp::s("* 60 EXISTS\r\nA0002 OK\r\n"),
        tcp::c("A0003 FETCH 1:60 (UID FLAGS)\r\n"),
        tcp::s("* 1 FETCH (UID 1 FLAGS ())\r\n"),
        T::S(rest.into_bytes()),
    ]);
    session.select("INBOX").unwrap();
    let start = Instant::now();
    {
        let mut stream = session
            .fetch(1..=60, &FetchItems::new().uid().flags())
            .unwrap();
        assert_eq!(stream.next().unwrap().unwrap().uid(), Some(Uid(1)));
        // Dropped here: the drain stops at the deadline.
    }
    assert!(
        start.elapsed() < Duration::from_secs(6),
        "{:?}",
        start.elapsed()
    );
    assert!(session.is_broken());

    let (session, _server) = trickle(vec![
        tcp::c("A0002 LOGOUT\r\n"),
        T::S(format!("* BYE {}\r\nA0002 OK\r\n", "slow ".repeat(400)).into_bytes()),
    ]);
    let start = Instant::now();
    let err = session.logout().unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(
        start.elapsed() < Duration::from_secs(6),
        "{:?}",
        start.elapsed()
    );
}

/// A `{n}` at the end of an `[ALERT]` line smuggles a line break into the alert's text, and a
/// NO can carry terminal escape sequences: neither reaches a log record or an error's
/// `Display` unescaped. The raw text stays reachable.
#[test]
fn server_text_is_escaped_in_logs_and_errors() {
    common::capture::install();

    let (script, mut session) = selected_session_with(
        builder(),
        vec![
            c("A0003 NOOP\r\n"),
            s("* OK [ALERT] disk full {26}\r\n\r\nWARN forged: all is well\r\nA0003 OK\r\n"),
            c("A0004 CREATE x\r\n"),
            s("A0004 NO \x1b]0;pwned\x07\x1b[2J\u{9b}31m gone\r\n"),
            c("A0005 FETCH 1:2 (UID MODSEQ)\r\n"),
            s("* 1 FETCH (UID 1 MODSEQ (-1) X-NEW 3)\r\n* 2 FETCH (UID 2 MODSEQ (-\x1b[2J))\r\n"),
            s("A0005 OK\r\n"),
            c("A0006 NOOP\r\n"),
            s("A0006 OK\r\n"),
        ],
    );
    session.noop().unwrap();
    let err = session.create("x").unwrap_err();
    let shown = err.to_string();
    assert!(!shown.chars().any(char::is_control), "{shown:?}");
    assert!(shown.contains("\\u{1b}]0;pwned"), "{shown}");
    let Error::No(text) = &err else {
        panic!("{err:?}")
    };
    assert!(text.text.contains('\x1b'), "raw text kept");
    let items = FetchItems::new().uid().modseq();
    let got = session.fetch(1..=2, &items).unwrap().into_vec().unwrap();
    assert_eq!(got.len(), 2, "both messages kept");
    assert_eq!(got[0].unparsed().len(), 2, "MODSEQ and the unknown X-NEW");
    noop_after(&script, &mut session);

    let lines = common::capture::lines();
    let alert = lines
        .iter()
        .find(|l| l.contains("server alert"))
        .expect("the alert is logged");
    assert!(alert.contains("\\r\\nWARN forged"), "{alert}");
    let warned: Vec<_> = lines
        .iter()
        .filter(|l| l.contains("could not be read"))
        .collect();
    assert_eq!(warned.len(), 1, "once per command: {warned:?}");
    assert!(
        warned[0].starts_with("WARN FETCH item MODSEQ"),
        "{}",
        warned[0]
    );
    for line in &lines {
        assert!(
            !line.chars().any(|ch| ch.is_control()),
            "a log record with a control character: {line:?}"
        );
    }
}
