//! The rows of the providers table (`src/providers.rs`) that the recorded corpus backs,
//! replayed as whole logins: Gmail's and Exchange's own greetings, capabilities, ID and
//! refusals from tests/corpus/mailkit, with the settings the table names.

mod common;

use blocking_imap::{ClientBuilder, ResponseCode, Security, StatusKind, Uid, Unsolicited, XOAuth2};
use common::{c, s, Script, Step};

/// A recorded reply as the wire carries it: CRLF line ends, the placeholder tag replaced.
fn recorded(file: &str, tag: &str) -> Step {
    let text = file.replace('\n', "\r\n").replace("A########", tag);
    Step::S(text.into_bytes())
}

fn b64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn xoauth2(tag: &str, user: &str, token: &str) -> String {
    let msg = format!("user={user}\x01auth=Bearer {token}\x01\x01");
    format!("{tag} AUTHENTICATE XOAUTH2 {}\r\n", b64(msg.as_bytes()))
}

fn builder() -> ClientBuilder {
    ClientBuilder::new("localhost", 993).security(Security::Plaintext)
}

/// Gmail row: ID before login (Google asks for it; `send_id_fields`), XOAUTH2 with SASL-IR,
/// and the capabilities that only appear after login.
#[test]
fn gmail_id_before_login_then_xoauth2() {
    let script = Script::new(vec![
        recorded(include_str!("corpus/mailkit/gmail/greeting.txt"), ""),
        // No capabilities in the greeting: asked for, to learn whether ID is offered.
        c("A0001 CAPABILITY\r\n"),
        recorded(include_str!("corpus/mailkit/gmail/capability.txt"), "A0001"),
        c("A0002 ID (\"name\" \"my-tool\" \"version\" \"1.0\")\r\n"),
        recorded(include_str!("corpus/mailkit/common/id.txt"), "A0002"),
        c(&xoauth2("A0003", "me@gmail.com", "ya29.token")),
        recorded(
            include_str!("corpus/mailkit/gmail/authenticate.txt"),
            "A0003",
        ),
        c("A0004 NOOP\r\n"),
        s("A0004 OK Success\r\n"),
    ]);
    let mut client = builder()
        .send_id_fields(&[("name", "my-tool"), ("version", "1.0")])
        .connect_stream(script.clone())
        .unwrap();
    let caps = client.capabilities().unwrap();
    assert!(caps.has("X-GM-EXT-1") && caps.has("ID") && !caps.has("MOVE"));
    let mut session = client
        .authenticate(&mut XOAuth2::new("me@gmail.com", "ya29.token"))
        .unwrap();
    // The capabilities of the login's answer replace the earlier ones.
    let caps = session.capabilities().unwrap();
    assert!(caps.has("MOVE") && caps.has("LITERAL-") && caps.has("CONDSTORE"));
    assert!(session.has_gmail_extensions().unwrap());
    session.noop().unwrap();
    script.assert_done();
}

/// Gmail row: a login refused with WEBALERT (the user must sign in with a browser).
#[test]
fn gmail_webalert_refusal() {
    let script = Script::new(vec![
        recorded(include_str!("corpus/mailkit/gmail/greeting.txt"), ""),
        c("A0001 CAPABILITY\r\n"),
        recorded(include_str!("corpus/mailkit/gmail/capability.txt"), "A0001"),
        c(&xoauth2("A0002", "me@gmail.com", "t")),
        recorded(
            include_str!("corpus/mailkit/gmail/authenticate+webalert.txt"),
            "A0002",
        ),
        c("A0003 NOOP\r\n"),
        s("A0003 OK Success\r\n"),
    ]);
    let failed = builder()
        .connect_stream(script.clone())
        .unwrap()
        .authenticate(&mut XOAuth2::new("me@gmail.com", "t"))
        .unwrap_err();
    assert!(failed.error.is_auth_failed(), "{}", failed.error);
    assert_eq!(failed.error.response_code(), Some(&ResponseCode::Alert));
    assert!(failed.error.sasl_error().is_none());
    let mut client = *failed.client;
    let webalert = client.unsolicited().find_map(|u| match u {
        Unsolicited::Status {
            kind: StatusKind::No,
            text,
        } => Some(text),
        _ => None,
    });
    let text = webalert.expect("the WEBALERT line is kept");
    assert!(
        matches!(&text.code, Some(code) if code.name().eq_ignore_ascii_case("WEBALERT")),
        "{text:?}"
    );
    client.noop().unwrap();
    script.assert_done();
}

/// Outlook / Microsoft 365 row: the greeting's bracketed base64 is text, XOAUTH2 with
/// SASL-IR, more capabilities after login (MOVE), and the bare `[COPYUID]` line after MOVE.
#[test]
fn exchange_login_capabilities_and_move() {
    let script = Script::new(vec![
        recorded(include_str!("corpus/mailkit/exchange/greeting.txt"), ""),
        c("A0001 CAPABILITY\r\n"),
        recorded(
            include_str!("corpus/mailkit/exchange/capability-preauth.txt"),
            "A0001",
        ),
        c(&xoauth2("A0002", "me@contoso.com", "eyJ0")),
        s("A0002 OK AUTHENTICATE completed.\r\n"),
        c("A0003 CAPABILITY\r\n"),
        recorded(
            include_str!("corpus/mailkit/exchange/capability-postauth.txt"),
            "A0003",
        ),
        c("A0004 SELECT INBOX\r\n"),
        s(
            "* 1 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 14] UIDVALIDITY value\r\n\
           A0004 OK [READ-WRITE] SELECT completed.\r\n",
        ),
        c("A0005 UID MOVE 31 Archive\r\n"),
        recorded(
            include_str!("corpus/mailkit/exchange/issue115.txt"),
            "A0005",
        ),
        c("A0006 NOOP\r\n"),
        s("A0006 OK NOOP completed.\r\n"),
    ]);
    let mut client = builder().connect_stream(script.clone()).unwrap();
    assert_eq!(
        client.greeting().code,
        None,
        "the brackets are no response code"
    );
    assert!(!client.capabilities().unwrap().has("MOVE"));
    let mut session = client
        .authenticate(&mut XOAuth2::new("me@contoso.com", "eyJ0"))
        .unwrap();
    // No capabilities in the completion: asked again, and now MOVE is there.
    let caps = session.capabilities().unwrap();
    assert!(caps.has("MOVE") && caps.has("CLIENTACCESSRULES"));
    session.select("INBOX").unwrap();
    session.uid_mv(Uid(31), "Archive").unwrap();
    assert_eq!(session.mailbox().exists(), 0);
    session.noop().unwrap();
    script.assert_done();
}
