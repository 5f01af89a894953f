//! Scripted sessions for the long-running helpers: ID sent at the earliest point the server
//! allows, reconnect refused where it cannot work, and the retry rule for unsafe operations.

mod common;

use blocking_imap::{ClientBuilder, Error, Operation, Security};
use common::{c, s, Script};

fn builder() -> ClientBuilder {
    ClientBuilder::new("localhost", 143).security(Security::Plaintext)
}

#[test]
fn id_goes_before_login_when_the_server_allows() {
    let script = Script::new(vec![
        s("* OK [CAPABILITY IMAP4rev1 ID AUTH=PLAIN] hi\r\n"),
        c("A0001 ID (\"name\" \"my-tool\" \"version\" \"2.1\")\r\n"),
        s("* ID (\"name\" \"Dovecot\")\r\nA0001 OK\r\n"),
        c("A0002 LOGIN u p\r\n"),
        s("A0002 OK [CAPABILITY IMAP4rev1 ID] in\r\n"),
        c("A0003 NOOP\r\n"),
        s("A0003 OK\r\n"),
    ]);
    let mut session = builder()
        .send_id_fields(&[("name", "my-tool"), ("version", "2.1")])
        .connect_stream(script.clone())
        .unwrap()
        .login("u", "p")
        .unwrap();
    session.noop().unwrap();
    script.assert_done();
}

#[test]
fn id_goes_right_after_login_when_only_then_offered() {
    let version = env!("CARGO_PKG_VERSION");
    let script = Script::new(vec![
        s("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n"),
        c("A0001 LOGIN u p\r\n"),
        s("A0001 OK [CAPABILITY IMAP4rev1 ID] in\r\n"),
        c(&format!(
            "A0002 ID (\"name\" \"blocking-imap\" \"version\" \"{version}\")\r\n"
        )),
        s("A0002 NO not today\r\n"),
        c("A0003 NOOP\r\n"),
        s("A0003 OK\r\n"),
    ]);
    // A refused ID is a courtesy that failed, never an error.
    let mut session = builder()
        .send_id()
        .connect_stream(script.clone())
        .unwrap()
        .login("u", "p")
        .unwrap();
    session.noop().unwrap();
    script.assert_done();
}

#[test]
fn no_id_to_a_server_without_it_and_none_unless_asked() {
    let script = Script::new(vec![
        s("* OK [CAPABILITY IMAP4rev1] hi\r\n"),
        c("A0001 LOGIN u p\r\n"),
        s("A0001 OK [CAPABILITY IMAP4rev1] in\r\n"),
        c("A0002 NOOP\r\n"),
        s("A0002 OK\r\n"),
    ]);
    let mut session = builder()
        .send_id()
        .connect_stream(script.clone())
        .unwrap()
        .login("u", "p")
        .unwrap();
    session.noop().unwrap();
    script.assert_done();
    let script = Script::new(vec![
        s("* OK [CAPABILITY IMAP4rev1 ID] hi\r\n"),
        c("A0001 LOGIN u p\r\n"),
        s("A0001 OK in\r\n"),
    ]);
    let session = builder()
        .connect_stream(script.clone())
        .unwrap()
        .login("u", "p")
        .unwrap();
    script.assert_done();
    drop(session);
}

#[test]
fn a_session_over_a_callers_stream_cannot_reconnect() {
    let script = Script::new(vec![
        s("* OK [CAPABILITY IMAP4rev1] hi\r\n"),
        c("A0001 LOGIN u p\r\n"),
        s("A0001 OK in\r\n"),
        c("A0002 APPEND INBOX {3}\r\n"),
        common::Step::Close,
    ]);
    let mut session = builder()
        .connect_stream(script.clone())
        .unwrap()
        .login("u", "p")
        .unwrap();
    assert!(!session.can_reconnect());
    let err = session.reconnect().unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
    assert!(err.to_string().contains("cannot reconnect"), "{err}");
    // With no way to reconnect, a broken APPEND comes back as the error it was.
    let err = session
        .retrying(Operation::Append, |s| s.append("INBOX", b"x\r\n"))
        .unwrap_err();
    assert!(err.is_broken() || err.is_closed(), "{err:?}");
    // The password is nowhere in the session's Debug.
    assert!(!format!("{session:?}").contains("p\""));
}

/// A server that sends its new capabilities as an untagged CAPABILITY during LOGIN (not in
/// the completion's code): they are kept, and the session asks no CAPABILITY again. One that
/// sends none at all is asked once, when they are needed.
#[test]
fn capabilities_sent_during_login_are_kept() {
    let script = Script::new(vec![
        s("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n"),
        c("A0001 LOGIN u p\r\n"),
        s("* CAPABILITY IMAP4rev1 MOVE UIDPLUS IDLE\r\nA0001 OK logged in\r\n"),
        c("A0002 NOOP\r\n"),
        s("A0002 OK\r\n"),
    ]);
    let mut session = builder()
        .connect_stream(script.clone())
        .unwrap()
        .login("u", "p")
        .unwrap();
    let caps = session.capabilities().unwrap();
    assert!(caps.has("MOVE") && caps.has("IDLE"), "{caps:?}");
    session.noop().unwrap();
    script.assert_done();

    let script = Script::new(vec![
        s("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n"),
        c("A0001 LOGIN u p\r\n"),
        s("A0001 OK logged in\r\n"),
        c("A0002 CAPABILITY\r\n"),
        s("* CAPABILITY IMAP4rev1 MOVE\r\nA0002 OK\r\n"),
    ]);
    let mut session = builder()
        .connect_stream(script.clone())
        .unwrap()
        .login("u", "p")
        .unwrap();
    assert!(session.capabilities().unwrap().has("MOVE"));
    assert!(!session.capabilities().unwrap().has("AUTH=PLAIN"));
    script.assert_done();
}
