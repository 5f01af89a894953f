//! Passwords, tokens and SASL payloads never reach the log, at any level.

mod common;

use blocking_imap::{Plain, XOAuth2};
use common::{c, client, s, Script};

#[test]
fn secrets_are_never_logged() {
    common::capture::install();

    // LOGIN with a quoted password, and one that must go as a literal.
    let script = Script::new(vec![
        s("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2] hi\r\n"),
        c("A0001 LOGIN alice hunter2-quoted\r\n"),
        s("A0001 NO nope\r\n"),
        c("A0002 LOGIN alice {16}\r\n"),
        s("+ ok\r\n"),
        c("hunter2\r\nliteral\r\n"),
        s("A0002 NO nope\r\n"),
        c("A0003 AUTHENTICATE PLAIN\r\n"),
        s("+ \r\n"),
        c("AGFsaWNlAGh1bnRlcjItc2FzbA==\r\n"),
        s("A0003 NO nope\r\n"),
        c("A0004 AUTHENTICATE XOAUTH2\r\n"),
        s("+ \r\n"),
        c("dXNlcj1hbGljZQFhdXRoPUJlYXJlciB0b2tlbi1zZWNyZXQBAQ==\r\n"),
        s("A0004 OK\r\n"),
    ]);
    let failed = client(&script)
        .login("alice", "hunter2-quoted")
        .unwrap_err();
    let failed = failed
        .client
        .login("alice", "hunter2\r\nliteral")
        .unwrap_err();
    let failed = failed
        .client
        .authenticate(&mut Plain::new("alice", "hunter2-sasl"))
        .unwrap_err();
    failed
        .client
        .authenticate(&mut XOAuth2::new("alice", "token-secret"))
        .unwrap();
    script.assert_done();

    let lines = common::capture::lines();
    assert!(
        lines.iter().any(|l| l.starts_with("TRACE")),
        "trace logging ran"
    );
    assert!(
        lines.iter().any(|l| l.contains("LOGIN <redacted>")),
        "{lines:#?}"
    );
    for secret in [
        "hunter2",
        "literal",
        "AGFsaWNlAGh1bnRlcjItc2FzbA",
        "token-secret",
        "dXNlcj1hbGljZQFhdXRoPUJlYXJlciB0b2tlbi1zZWNyZXQBAQ",
    ] {
        for line in lines.iter() {
            assert!(!line.contains(secret), "{secret:?} logged in {line:?}");
        }
    }
}
