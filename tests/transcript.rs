//! Scripted-server tests of the engine: what a real server will not send on demand.

mod common;

use std::io::ErrorKind;

use blocking_imap::{
    ClientBuilder, Error, Flag, Plain, ResponseCode, Security, Seq, StatusKind, Unsolicited,
    XOAuth2,
};
use common::{c, client, s, Script, Step, GREETING};

#[test]
fn login_noop_logout_with_interleaved_untagged() {
    let script = Script::new(vec![
        s(GREETING),
        c("A0001 LOGIN alice secret\r\n"),
        s("* CAPABILITY IMAP4rev1 IDLE\r\nA0001 OK [CAPABILITY IMAP4rev1 IDLE UIDPLUS] Logged in\r\n"),
        c("A0002 NOOP\r\n"),
        s("* 4 EXISTS\r\n* 3 EXPUNGE\r\n* OK [ALERT] Quota nearly full\r\n"),
        s("* 2 FETCH (FLAGS (\\Seen \\Deleted))\r\nA0002 OK NOOP completed\r\n"),
        c("A0003 LOGOUT\r\n"),
        s("* BYE Logging out\r\nA0003 OK Logout completed\r\n"),
    ]);
    let mut session = client(&script).login("alice", "secret").unwrap();
    assert!(session.capabilities().unwrap().has("UIDPLUS"));
    session.noop().unwrap();
    assert_eq!(session.mailbox().exists(), 3, "4 EXISTS then one EXPUNGE");
    let items: Vec<_> = session.unsolicited().collect();
    assert_eq!(items.len(), 5, "{items:#?}");
    assert!(matches!(items[0], Unsolicited::Capability(_)));
    assert_eq!(items[1], Unsolicited::Exists(4));
    assert_eq!(items[2], Unsolicited::Expunge(Seq(3)));
    match &items[3] {
        Unsolicited::Status { kind, text } => {
            assert_eq!(*kind, StatusKind::Ok);
            assert_eq!(text.code, Some(ResponseCode::Alert));
            assert_eq!(text.text, "Quota nearly full");
        }
        other => panic!("{other:?}"),
    }
    match &items[4] {
        Unsolicited::Fetch(f) => {
            assert_eq!(f.seq(), Seq(2));
            assert_eq!(f.flags(), Some(&[Flag::Seen, Flag::Deleted][..]));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(session.unsolicited().count(), 0, "drained");
    session.logout().unwrap();
    script.assert_done();
}

#[test]
fn every_read_split_gives_the_same_session() {
    for chunk in [1, 2, 3, 7, 64] {
        let script = Script::new(vec![
            s(GREETING),
            c("A0001 LOGIN alice secret\r\n"),
            s("A0001 OK done\r\n"),
            c("A0002 NOOP\r\n"),
            s("* 1 FETCH (UID 9 BODY[HEADER] {12}\r\nSubject: x\r\n)\r\n* 7 EXISTS\r\nA0002 OK\r\n"),
        ])
        .chunked(chunk);
        let mut session = client(&script).login("alice", "secret").unwrap();
        session.noop().unwrap();
        assert_eq!(session.mailbox().exists(), 7, "chunk {chunk}");
        let items: Vec<_> = session.unsolicited().collect();
        match &items[0] {
            Unsolicited::Fetch(f) => assert_eq!(f.header(), Some(&b"Subject: x\r\n"[..])),
            other => panic!("chunk {chunk}: {other:?}"),
        }
        script.assert_done();
    }
}

#[test]
fn failed_login_hands_the_client_back() {
    let script = Script::new(vec![
        s(GREETING),
        c("A0001 LOGIN alice wrong\r\n"),
        s("A0001 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"),
        c("A0002 LOGIN alice right\r\n"),
        s("A0002 OK Logged in\r\n"),
    ]);
    let err = client(&script).login("alice", "wrong").unwrap_err();
    match &err.error {
        Error::No(t) => {
            assert_eq!(t.text, "Authentication failed.");
            assert!(matches!(&t.code, Some(ResponseCode::AuthenticationFailed)));
        }
        other => panic!("{other:?}"),
    }
    let session = err.client.login("alice", "right").unwrap();
    assert!(!session.is_broken());
    script.assert_done();
}

#[test]
fn password_with_crlf_goes_as_a_synchronising_literal() {
    // No LITERAL+ in the greeting: the client must wait for "+" before sending the literal,
    // and an untagged response before the "+" must not confuse it.
    let script = Script::new(vec![
        s("* OK [CAPABILITY IMAP4rev1] hi\r\n"),
        c("A0001 LOGIN bob {23}\r\n"),
        s("* OK still here\r\n+ go ahead\r\n"),
        c("x\r\nA0002 DELETE INBOX\r\n\r\n"),
        s("A0001 NO [AUTHENTICATIONFAILED] nope\r\n"),
    ]);
    let err = client(&script)
        .login("bob", "x\r\nA0002 DELETE INBOX\r\n")
        .unwrap_err();
    assert!(matches!(err.error, Error::No(_)), "{:?}", err.error);
    script.assert_done();
}

#[test]
fn literal_refused_instead_of_continuation() {
    let script = Script::new(vec![
        s("* OK [CAPABILITY IMAP4rev1] hi\r\n"),
        c("A0001 LOGIN {8}\r\n"),
        s("A0001 BAD no literals today\r\n"),
        c("A0002 NOOP\r\n"),
        s("A0002 OK\r\n"),
    ]);
    let err = client(&script).login("sp ace\u{e9}", "pw").unwrap_err();
    assert!(matches!(&err.error, Error::Bad(t) if t.text == "no literals today"));
    let mut client = err.client;
    client.noop().unwrap();
    // The literal's bytes were never written.
    assert_eq!(
        client_written_lines(&script),
        ["A0001 LOGIN {8}", "A0002 NOOP"]
    );
    script.assert_done();
}

fn client_written_lines(script: &Script) -> Vec<String> {
    script
        .written_str()
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

#[test]
fn literal_plus_is_used_when_advertised() {
    let script = Script::new(vec![
        s("* OK [CAPABILITY IMAP4rev1 LITERAL+] hi\r\n"),
        c("A0001 LOGIN {7+}\r\nj\u{f6}rg\r\n pw\r\n"),
        s("A0001 OK\r\n"),
    ]);
    client(&script).login("jörg\r\n", "pw").unwrap();
    script.assert_done();
}

#[test]
fn nul_in_an_argument_is_refused_before_anything_is_sent() {
    let script = Script::new(vec![s(GREETING)]);
    let err = client(&script).login("alice", "a\0b").unwrap_err();
    assert!(matches!(err.error, Error::InvalidArgument(_)));
    assert_eq!(script.written(), b"");
}

#[test]
fn bad_completion_leaves_the_session_usable() {
    let script = Script::new(vec![
        s(GREETING),
        c("A0001 LOGIN a b\r\n"),
        s("A0001 OK\r\n"),
        c("A0002 NOOP\r\n"),
        s("A0002 BAD [CLIENTBUG] what\r\n"),
        c("A0003 NOOP\r\n"),
        s("A0003 OK\r\n"),
    ]);
    let mut session = client(&script).login("a", "b").unwrap();
    let err = session.noop().unwrap_err();
    assert!(matches!(&err, Error::Bad(t) if t.text == "what"));
    assert_eq!(err.response_code().map(|c| c.name()), Some("CLIENTBUG"));
    assert!(!session.is_broken());
    session.noop().unwrap();
    script.assert_done();
}

#[test]
fn bye_mid_command_breaks_the_session() {
    let script = Script::new(vec![
        s(GREETING),
        c("A0001 LOGIN a b\r\n"),
        s("A0001 OK\r\n"),
        c("A0002 NOOP\r\n"),
        s("* 3 EXISTS\r\n* BYE [UNAVAILABLE] Server shutting down\r\n"),
        Step::Close,
    ]);
    let mut session = client(&script).login("a", "b").unwrap();
    let err = session.noop().unwrap_err();
    match &err {
        Error::Bye(t) => assert_eq!(t.text, "Server shutting down"),
        other => panic!("{other:?}"),
    }
    assert!(session.is_broken());
    assert_eq!(session.mailbox().exists(), 3);
    // The BYE is also in the queue, for a caller that reads only the queue.
    let items: Vec<_> = session.unsolicited().collect();
    assert!(items.iter().any(|i| matches!(
        i,
        Unsolicited::Status {
            kind: StatusKind::Bye,
            ..
        }
    )));
    let again = session.noop().unwrap_err();
    assert!(
        matches!(&again, Error::Broken(why) if why.contains("Server shutting down")),
        "{again}"
    );
    script.assert_done();
}

#[test]
fn bye_then_completion_ends_the_session_after_the_command() {
    let script = Script::new(vec![
        s(GREETING),
        c("A0001 LOGIN a b\r\n"),
        s("A0001 OK\r\n"),
        c("A0002 NOOP\r\n"),
        s("* BYE Autologout; idle for too long\r\nA0002 OK\r\n"),
    ]);
    let mut session = client(&script).login("a", "b").unwrap();
    session.noop().unwrap();
    assert!(session.is_broken());
    assert!(matches!(session.noop(), Err(Error::Broken(_))));
    script.assert_done();
}

#[test]
fn disconnect_mid_literal() {
    let script = Script::new(vec![
        s(GREETING),
        c("A0001 LOGIN a b\r\n"),
        s("A0001 OK\r\n"),
        c("A0002 NOOP\r\n"),
        s("* 1 FETCH (BODY[] {100}\r\nonly part of it"),
        Step::Close,
    ]);
    let mut session = client(&script).login("a", "b").unwrap();
    assert!(matches!(session.noop(), Err(Error::ConnectionClosed)));
    assert!(session.is_broken());
    assert!(matches!(session.noop(), Err(Error::Broken(_))));
}

#[test]
fn disconnect_mid_line() {
    let script = Script::new(vec![
        s(GREETING),
        c("A0001 LOGIN a b\r\n"),
        s("A0001 OK\r\n"),
        c("A0002 NOOP\r\n"),
        s("* 3 EXI"),
        Step::Close,
    ]);
    let mut session = client(&script).login("a", "b").unwrap();
    assert!(matches!(session.noop(), Err(Error::ConnectionClosed)));
    assert!(session.is_broken());
}

#[test]
fn read_timeout_names_the_timeout_and_breaks_the_session() {
    let script = Script::new(vec![
        s(GREETING),
        c("A0001 LOGIN a b\r\n"),
        s("A0001 OK\r\n"),
        c("A0002 NOOP\r\n"),
        Step::Fail(ErrorKind::WouldBlock),
    ]);
    let mut session = ClientBuilder::new("localhost", 143)
        .security(Security::Plaintext)
        .read_timeout(Some(std::time::Duration::from_secs(5)))
        .connect_stream(script.clone())
        .unwrap()
        .login("a", "b")
        .unwrap();
    let err = session.noop().unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                operation: "read",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("read timed out after 5s"), "{err}");
    assert!(session.is_broken());
}

#[test]
fn stray_tags_continuations_and_garbage_are_kept_not_fatal() {
    let script = Script::new(vec![
        s(GREETING),
        c("A0001 LOGIN a b\r\n"),
        s("A0001 OK\r\n"),
        c("A0002 NOOP\r\n"),
        s("Z999 OK not yours\r\n+ nobody asked\r\n* 1 FETCH (UID\r\n* 5 EXISTS\r\nA0002 OK\r\n"),
        c("A0003 NOOP\r\n"),
        s("A0003 OK\r\n"),
    ]);
    let mut session = client(&script).login("a", "b").unwrap();
    session.noop().unwrap();
    let items: Vec<_> = session.unsolicited().collect();
    assert_eq!(items.len(), 4, "{items:#?}");
    for (item, want) in items[..3]
        .iter()
        .zip(["Z999 OK", "+ nobody", "* 1 FETCH (UID"])
    {
        match item {
            Unsolicited::Other { raw, .. } => assert!(raw.starts_with(want.as_bytes()), "{item:?}"),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(items[3], Unsolicited::Exists(5));
    session.noop().unwrap();
    script.assert_done();
}

#[test]
fn unparsable_completion_is_an_error_for_that_command_only() {
    let script = Script::new(vec![
        s(GREETING),
        c("A0001 LOGIN a b\r\n"),
        s("A0001 OK\r\n"),
        c("A0002 NOOP\r\n"),
        s("A0002 MAYBE later\r\n"),
        c("A0003 NOOP\r\n"),
        s("A0003 OK\r\n"),
    ]);
    let mut session = client(&script).login("a", "b").unwrap();
    match session.noop().unwrap_err() {
        Error::Parse { bytes, .. } => assert!(bytes.to_string().contains("A0002 MAYBE")),
        other => panic!("{other:?}"),
    }
    assert!(!session.is_broken());
    session.noop().unwrap();
    script.assert_done();
}

#[test]
fn oversized_literal_is_refused_and_breaks_the_session() {
    let script = Script::new(vec![
        s(GREETING),
        c("A0001 LOGIN a b\r\n"),
        s("A0001 OK\r\n"),
        c("A0002 NOOP\r\n"),
        s("* 1 FETCH (BODY[] {4294967295}\r\nxxxx"),
    ]);
    let mut session = client(&script).login("a", "b").unwrap();
    match session.noop().unwrap_err() {
        Error::TooLarge { size, limit } => {
            assert!(size > 4_294_967_295);
            assert_eq!(limit, blocking_imap::DEFAULT_MAX_RESPONSE_SIZE);
        }
        other => panic!("{other:?}"),
    }
    assert!(session.is_broken());
}

#[test]
fn deeply_nested_response_costs_one_frame() {
    let mut deep = "* 1 FETCH (BODYSTRUCTURE ".to_string();
    deep.push_str(&"(".repeat(10_000));
    deep.push_str(&")".repeat(10_000));
    deep.push_str(")\r\n");
    let script = Script::new(vec![
        s(GREETING),
        c("A0001 LOGIN a b\r\n"),
        s("A0001 OK\r\n"),
        c("A0002 NOOP\r\n"),
        s(&deep),
        s("* 2 EXISTS\r\nA0002 OK\r\n"),
    ]);
    let mut session = client(&script).login("a", "b").unwrap();
    session.noop().unwrap();
    assert_eq!(session.mailbox().exists(), 2);
    let items: Vec<_> = session.unsolicited().collect();
    assert!(matches!(&items[0], Unsolicited::Other { reason, .. } if reason.contains("nested")));
}

#[test]
fn greeting_bye_and_garbage() {
    let script = Script::new(vec![s("* BYE [UNAVAILABLE] too busy\r\n")]);
    let err = ClientBuilder::new("h", 1)
        .security(Security::Plaintext)
        .connect_stream(script)
        .unwrap_err();
    assert!(
        matches!(&err, Error::Bye(t) if t.text == "too busy"),
        "{err}"
    );

    let script = Script::new(vec![s("HTTP/1.1 400 Bad Request\r\n")]);
    let err = ClientBuilder::new("h", 1)
        .security(Security::Plaintext)
        .connect_stream(script)
        .unwrap_err();
    assert!(matches!(err, Error::Protocol(_)), "{err}");
}

#[test]
fn preauth_greeting() {
    let script = Script::new(vec![
        s("* PREAUTH [CAPABILITY IMAP4rev1] welcome back\r\n"),
        c("A0001 NOOP\r\n"),
        s("A0001 OK\r\n"),
    ]);
    let client = client(&script);
    assert!(client.is_preauth());
    let mut session = client.preauthenticated().unwrap();
    session.noop().unwrap();
    script.assert_done();
}

fn starttls_client(steps: Vec<Step>) -> (Script, Error) {
    let script = Script::new(steps);
    let err = ClientBuilder::new("localhost", 143)
        .starttls()
        .connect_stream(script.clone())
        .unwrap_err();
    (script, err)
}

#[test]
fn starttls_refuses_preauth() {
    let (script, err) =
        starttls_client(vec![s("* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n")]);
    assert!(
        matches!(&err, Error::StartTls(m) if m.contains("PREAUTH")),
        "{err}"
    );
    assert_eq!(script.written(), b"");
}

#[test]
fn starttls_refuses_a_server_without_it() {
    // Stripped from the greeting, and not there when asked either.
    let (script, err) = starttls_client(vec![
        s("* OK hi\r\n"),
        c("A0001 CAPABILITY\r\n"),
        s("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nA0001 OK\r\n"),
    ]);
    assert!(
        matches!(&err, Error::StartTls(m) if m.contains("does not advertise")),
        "{err}"
    );
    script.assert_done();
}

#[test]
fn starttls_refused_by_the_server() {
    let (script, err) = starttls_client(vec![
        s("* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n"),
        c("A0001 STARTTLS\r\n"),
        s("A0001 NO [UNAVAILABLE] not today\r\n"),
    ]);
    assert!(
        matches!(&err, Error::StartTls(m) if m.contains("not today")),
        "{err}"
    );
    script.assert_done();
}

#[test]
fn starttls_answered_bad() {
    let (script, err) = starttls_client(vec![
        s("* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n"),
        c("A0001 STARTTLS\r\n"),
        s("A0001 BAD unknown command\r\n"),
    ]);
    assert!(
        matches!(&err, Error::StartTls(m) if m.contains("unknown command")),
        "{err}"
    );
    // Nothing else, credentials least of all, was sent.
    assert_eq!(script.written(), b"A0001 STARTTLS\r\n");
    script.assert_done();
}

#[test]
fn authenticate_plain_with_sasl_ir() {
    let script = Script::new(vec![
        s(GREETING),
        c("A0001 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\n"),
        s("A0001 OK [CAPABILITY IMAP4rev1 MOVE] Logged in\r\n"),
    ]);
    let mut session = client(&script)
        .authenticate(&mut Plain::new("alice", "secret"))
        .unwrap();
    assert!(session.capabilities().unwrap().has("MOVE"));
    script.assert_done();
}

#[test]
fn authenticate_plain_without_sasl_ir() {
    let script = Script::new(vec![
        s("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n"),
        c("A0001 AUTHENTICATE PLAIN\r\n"),
        s("+ \r\n"),
        c("AGFsaWNlAHNlY3JldA==\r\n"),
        s("A0001 OK done\r\n"),
    ]);
    client(&script)
        .authenticate(&mut Plain::new("alice", "secret"))
        .unwrap();
    script.assert_done();
}

#[test]
fn xoauth2_failure_answers_the_error_challenge() {
    let script = Script::new(vec![
        s("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2] hi\r\n"),
        c("A0001 AUTHENTICATE XOAUTH2 dXNlcj11QGV4LmNvbQFhdXRoPUJlYXJlciB0b2sBAQ==\r\n"),
        s("+ eyJzdGF0dXMiOiI0MDEifQ==\r\n"),
        c("\r\n"),
        s("A0001 NO [AUTHENTICATIONFAILED] Invalid credentials\r\n"),
    ]);
    let err = client(&script)
        .authenticate(&mut XOAuth2::new("u@ex.com", "tok"))
        .unwrap_err();
    assert!(matches!(err.error, Error::No(_)));
    script.assert_done();
}

#[test]
fn authenticate_needs_the_mechanism() {
    let script = Script::new(vec![s(GREETING)]);
    let err = client(&script)
        .authenticate(&mut XOAuth2::new("u", "t"))
        .unwrap_err();
    assert!(matches!(&err.error, Error::MissingCapability(m) if m == "AUTH=XOAUTH2"));
    assert_eq!(script.written(), b"");
}

#[test]
fn logindisabled_is_respected() {
    let script = Script::new(vec![s(
        "* OK [CAPABILITY IMAP4rev1 LOGINDISABLED STARTTLS] hi\r\n",
    )]);
    let err = client(&script).login("a", "b").unwrap_err();
    assert!(matches!(err.error, Error::MissingCapability(_)));
    assert_eq!(script.written(), b"");
}

#[test]
fn logout_tolerates_bye_and_close() {
    let script = Script::new(vec![
        s(GREETING),
        c("A0001 LOGIN a b\r\n"),
        s("A0001 OK\r\n"),
        c("A0002 LOGOUT\r\n"),
        s("* BYE bye\r\n"),
        Step::Close,
    ]);
    client(&script).login("a", "b").unwrap().logout().unwrap();
    script.assert_done();
}
