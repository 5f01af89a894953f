//! OAuth 2.0 tokens that expire: a token provider asked anew at every login (so a
//! reconnect hours later logs in with a fresh token), a failed provider that sends nothing,
//! and a refused token whose SASL error JSON is decoded into the login error.
//!
//! The servers are scripted: Gmail's XOAUTH2 refusal (a `+` challenge holding base64 JSON,
//! answered with an empty line, then NO) and an RFC 7628 OAUTHBEARER refusal (answered with
//! `%x01`). The reconnect tests run a scripted server on a loopback socket that takes one
//! connection after another.

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use blocking_imap::{
    ClientBuilder, Error, OAuthBearer, ReconnectPolicy, SaslError, Security, TokenResult, XOAuth2,
};
use common::{c, s, Script};

const GREETING: &str =
    "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2 AUTH=OAUTHBEARER ID] Gimap ready\r\n";

/// Standard base64 with padding (RFC 4648), to write the expected lines.
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

fn xoauth2_line(tag: &str, user: &str, token: &str) -> String {
    let msg = format!("user={user}\x01auth=Bearer {token}\x01\x01");
    format!("{tag} AUTHENTICATE XOAUTH2 {}\r\n", b64(msg.as_bytes()))
}

/// Gmail's refusal of an expired token.
const GMAIL_401: &str = r#"{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}"#;

fn over(script: &Script) -> blocking_imap::Client {
    ClientBuilder::new("imap.gmail.com", 993)
        .security(Security::Plaintext)
        .connect_stream(script.clone())
        .expect("greeting")
}

#[test]
fn an_expired_xoauth2_token_says_so() {
    let script = Script::new(vec![
        s(GREETING),
        c(&xoauth2_line("A0001", "me@gmail.com", "stale")),
        s(&format!("+ {}\r\n", b64(GMAIL_401.as_bytes()))),
        // XOAUTH2: the client answers the error with an empty line.
        c("\r\n"),
        s("A0001 NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)\r\n"),
    ]);
    let failed = over(&script)
        .authenticate(&mut XOAuth2::new("me@gmail.com", "stale"))
        .unwrap_err();
    let e = &failed.error;
    assert!(e.is_auth_failed(), "{e}");
    assert!(e.is_token_expired(), "{e}");
    let sasl = e.sasl_error().expect("the JSON is decoded");
    assert_eq!(sasl.status.as_deref(), Some("401"));
    assert_eq!(sasl.schemes.as_deref(), Some("bearer"));
    assert_eq!(sasl.scope.as_deref(), Some("https://mail.google.com/"));
    assert!(sasl.is_token_expired() && !sasl.is_insufficient_scope());
    let shown = e.to_string();
    assert!(
        shown.contains("status \"401\"") && shown.contains("expired"),
        "{shown}"
    );
    assert!(!shown.contains("stale"), "no token in the message: {shown}");
    script.assert_done();
}

#[test]
fn an_oauthbearer_refusal_per_rfc_7628() {
    let err = r#"{"status":"invalid_token","scope":"example_scope","openid-configuration":"https://example.com/.well-known/openid-configuration"}"#;
    let msg = "n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01";
    let script = Script::new(vec![
        s(GREETING),
        c(&format!(
            "A0001 AUTHENTICATE OAUTHBEARER {}\r\n",
            b64(msg.as_bytes())
        )),
        s(&format!("+ {}\r\n", b64(err.as_bytes()))),
        // OAUTHBEARER: the client answers the error with a lone %x01.
        c("AQ==\r\n"),
        s("A0001 NO SASL authentication failed\r\n"),
    ]);
    let mut auth = OAuthBearer::new(
        "user@example.com",
        "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==",
    )
    .with_host("server.example.com", 143);
    let failed = over(&script).authenticate(&mut auth).unwrap_err();
    let e = &failed.error;
    assert!(e.is_auth_failed() && e.is_token_expired(), "{e}");
    let sasl = e.sasl_error().unwrap();
    assert_eq!(sasl.status.as_deref(), Some("invalid_token"));
    assert_eq!(sasl.scope.as_deref(), Some("example_scope"));
    assert_eq!(
        sasl.openid_configuration.as_deref(),
        Some("https://example.com/.well-known/openid-configuration")
    );
    script.assert_done();
}

#[test]
fn a_refusal_without_json_or_with_another_status() {
    // A plain NO: no SASL error, not "expired".
    let script = Script::new(vec![
        s(GREETING),
        c(&xoauth2_line("A0001", "me", "t")),
        s("A0001 NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)\r\n"),
    ]);
    let failed = over(&script)
        .authenticate(&mut XOAuth2::new("me", "t"))
        .unwrap_err();
    assert!(failed.error.is_auth_failed());
    assert!(failed.error.sasl_error().is_none() && !failed.error.is_token_expired());
    script.assert_done();

    // A challenge that is not JSON at all: answered, the NO carries nothing decoded.
    let script = Script::new(vec![
        s(GREETING),
        c(&xoauth2_line("A0001", "me", "t")),
        s(&format!("+ {}\r\n", b64(b"\xff{not json"))),
        c("\r\n"),
        s("A0001 NO failed\r\n"),
    ]);
    let failed = over(&script)
        .authenticate(&mut XOAuth2::new("me", "t"))
        .unwrap_err();
    assert!(failed.error.sasl_error().is_none());
    script.assert_done();

    // Missing scope: a fresh token would not help.
    let json = r#"{"status":"403","schemes":"bearer","scope":"https://outlook.office.com/IMAP.AccessAsUser.All"}"#;
    let script = Script::new(vec![
        s(GREETING),
        c(&xoauth2_line("A0001", "me", "t")),
        s(&format!("+ {}\r\n", b64(json.as_bytes()))),
        c("\r\n"),
        s("A0001 NO AUTHENTICATE failed.\r\n"),
    ]);
    let failed = over(&script)
        .authenticate(&mut XOAuth2::new("me", "t"))
        .unwrap_err();
    let sasl = failed.error.sasl_error().unwrap();
    assert!(sasl.is_insufficient_scope() && !failed.error.is_token_expired());
    script.assert_done();
}

#[test]
fn sasl_error_json_is_read_safely() {
    // Escapes, whitespace, nested values and unknown fields.
    let e = SaslError::parse(
        br#" { "status" : "401", "extra": {"a": [1, {"b": "}"}]}, "scope":"a\"b\u00e9\/c", "n": 12, "t": true } "#,
    )
    .unwrap();
    assert_eq!(e.status.as_deref(), Some("401"));
    assert_eq!(e.scope.as_deref(), Some("a\"b\u{e9}/c"));
    // A number status (some servers send one) is read as its text.
    let e = SaslError::parse(br#"{"status":401}"#).unwrap();
    assert!(e.is_token_expired());
    for bad in [
        &b""[..],
        b"{",
        b"{\"status\":\"401\"",
        b"{\"status\" \"401\"}",
        b"[\"status\"]",
        b"{\"status\":\"\\x\"}",
        b"{\"status\":\"\\u12\"}",
        b"\"status\"",
    ] {
        assert_eq!(
            SaslError::parse(bad),
            None,
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
    // Bounded: too long, too deep.
    let mut long = br#"{"scope":""#.to_vec();
    long.extend(std::iter::repeat(b'x').take(5000));
    long.extend(br#""}"#);
    assert_eq!(SaslError::parse(&long), None);
    let deep = format!("{{\"a\":{}{}}}", "[".repeat(100), "]".repeat(100));
    assert_eq!(SaslError::parse(deep.as_bytes()), None);
    // Every prefix and every byte flipped: never a panic.
    let whole = GMAIL_401.as_bytes();
    for i in 0..whole.len() {
        let _ = SaslError::parse(&whole[..i]);
        let mut flipped = whole.to_vec();
        flipped[i] ^= 0x80;
        let _ = SaslError::parse(&flipped);
    }
}

#[test]
fn a_failed_provider_sends_no_authenticate() {
    let script = Script::new(vec![s(GREETING)]);
    let failed = over(&script)
        .authenticate_with(XOAuth2::with_provider("me@gmail.com", || {
            Err("refresh token revoked".into())
        }))
        .unwrap_err();
    match &failed.error {
        Error::TokenProvider(e) => assert_eq!(e.to_string(), "refresh token revoked"),
        other => panic!("expected TokenProvider, got {other:?}"),
    }
    assert!(!failed.error.is_auth_failed());
    assert_eq!(script.written(), b"", "nothing was sent");
    script.assert_done();
}

/// One scripted connection: what the server sends and expects, in order.
enum T {
    S(String),
    C(String),
    Close,
}

/// A loopback server that serves `conns` one after the other; each thread result says
/// whether the client wrote what the script expected.
fn serve(conns: Vec<Vec<T>>) -> (u16, JoinHandle<Result<(), String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let handle = thread::spawn(move || {
        for (n, steps) in conns.into_iter().enumerate() {
            let (mut sock, _) = listener.accept().map_err(|e| e.to_string())?;
            sock.set_read_timeout(Some(Duration::from_secs(10)))
                .map_err(|e| e.to_string())?;
            for step in steps {
                match step {
                    T::S(text) => sock.write_all(text.as_bytes()).map_err(|e| e.to_string())?,
                    T::C(expected) => {
                        let mut got = vec![0; expected.len()];
                        sock.read_exact(&mut got)
                            .map_err(|e| format!("connection {n}: reading {expected:?}: {e}"))?;
                        if got != expected.as_bytes() {
                            return Err(format!(
                                "connection {n}: client wrote {:?}, expected {expected:?}",
                                String::from_utf8_lossy(&got)
                            ));
                        }
                    }
                    T::Close => {
                        let _ = sock.shutdown(Shutdown::Both);
                    }
                }
            }
        }
        Ok(())
    });
    (port, handle)
}

/// A provider that hands out `token-1`, `token-2`, ... and counts its calls.
fn counting() -> (
    Arc<AtomicUsize>,
    impl Fn() -> TokenResult + Send + Sync + 'static,
) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let provider = move || -> TokenResult {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(format!("token-{n}"))
    };
    (calls, provider)
}

fn builder(port: u16) -> ClientBuilder {
    ClientBuilder::new("127.0.0.1", port)
        .security(Security::Plaintext)
        .reconnect_policy(ReconnectPolicy::new(
            3,
            Duration::from_millis(10),
            Duration::from_millis(20),
        ))
}

#[test]
fn reconnect_asks_the_provider_for_a_fresh_token() {
    let user = "me@gmail.com";
    let (port, server) = serve(vec![
        vec![
            T::S(GREETING.into()),
            T::C(xoauth2_line("A0001", user, "token-1")),
            T::S("A0001 OK me@gmail.com authenticated (Success)\r\n".into()),
            T::C("A0002 NOOP\r\n".into()),
            // An hour later the token has expired and Gmail ends the session.
            T::S("* BYE Session expired, please login again.\r\n".into()),
            T::Close,
        ],
        vec![
            T::S(GREETING.into()),
            T::C(xoauth2_line("A0001", user, "token-2")),
            T::S("A0001 OK me@gmail.com authenticated (Success)\r\n".into()),
            T::C("A0002 NOOP\r\n".into()),
            T::S("A0002 OK Success\r\n".into()),
            T::C("A0003 LOGOUT\r\n".into()),
            T::S("* BYE LOGOUT Requested\r\nA0003 OK 73 good day (Success)\r\n".into()),
        ],
    ]);
    let (calls, provider) = counting();
    let mut session = builder(port)
        .connect()
        .unwrap()
        .authenticate_with(XOAuth2::with_provider(user, provider))
        .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let e = session.noop().unwrap_err();
    assert!(e.is_broken(), "{e}");
    let back = session.reconnect().unwrap();
    assert_eq!(back.attempts, 1);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "a fresh token for the new login"
    );
    session.noop().unwrap();
    session.logout().unwrap();
    server.join().unwrap().unwrap();
}

#[test]
fn a_token_refused_on_reconnect_ends_the_attempts_with_the_sasl_error() {
    let user = "me@outlook.com";
    let refusal = r#"{"status":"401","schemes":"bearer","scope":"https://outlook.office.com/IMAP.AccessAsUser.All"}"#;
    let (port, server) = serve(vec![
        vec![
            T::S(GREETING.into()),
            T::C(xoauth2_line("A0001", user, "token-1")),
            T::S("A0001 OK AUTHENTICATE completed.\r\n".into()),
            T::Close,
        ],
        vec![
            T::S(GREETING.into()),
            T::C(xoauth2_line("A0001", user, "token-2")),
            T::S(format!("+ {}\r\n", b64(refusal.as_bytes()))),
            T::C("\r\n".into()),
            T::S("A0001 NO AUTHENTICATE failed.\r\n".into()),
        ],
    ]);
    let (calls, provider) = counting();
    let mut session = builder(port)
        .connect()
        .unwrap()
        .authenticate_with(XOAuth2::with_provider(user, provider))
        .unwrap();
    assert!(session.noop().unwrap_err().is_broken());
    let e = session.reconnect().unwrap_err();
    assert!(e.is_auth_failed() && e.is_token_expired(), "{e}");
    assert_eq!(
        e.sasl_error().and_then(|s| s.scope.as_deref()),
        Some("https://outlook.office.com/IMAP.AccessAsUser.All")
    );
    // One attempt: a refused login is not tried again.
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    server.join().unwrap().unwrap();
}

#[test]
fn a_provider_failing_on_reconnect_ends_the_attempts() {
    let user = "me@gmail.com";
    let (port, server) = serve(vec![
        vec![
            T::S(GREETING.into()),
            T::C(xoauth2_line("A0001", user, "only")),
            T::S("A0001 OK in\r\n".into()),
            T::Close,
        ],
        // The second connection is opened, greeted, and closed without an AUTHENTICATE.
        vec![T::S(GREETING.into())],
    ]);
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let provider = move || -> TokenResult {
        match counter.fetch_add(1, Ordering::SeqCst) {
            0 => Ok("only".into()),
            _ => Err("the refresh token was revoked".into()),
        }
    };
    let mut session = builder(port)
        .connect()
        .unwrap()
        .authenticate_with(XOAuth2::with_provider(user, provider))
        .unwrap();
    assert!(session.noop().unwrap_err().is_broken());
    let e = session.reconnect().unwrap_err();
    assert!(matches!(e, Error::TokenProvider(_)), "{e}");
    assert!(e.to_string().contains("revoked"), "{e}");
    assert_eq!(calls.load(Ordering::SeqCst), 2, "not asked again");
    server.join().unwrap().unwrap();
}
