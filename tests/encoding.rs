//! The exact bytes commands put on the wire (issue 11, section 3), through the scripted
//! server: lists whose values go as literals (SETMETADATA, ID) in LITERAL+, LITERAL- and
//! synchronising mode, checked byte for byte and with a strict framing checker; and SASL
//! mechanisms whose fields hold their own separators, refused before any credential is sent.

mod common;

use blocking_imap::{Authenticator, Error, OAuthBearer, Plain, Session, XOAuth2};
use common::framing::check_commands;
use common::{c, client, s, Script, Step};

#[test]
fn the_checker_catches_what_issue_11_describes() {
    for bad in [
        &b"A1 SETMETADATA INBOX (/a {1+}\r\nx )\r\n"[..],
        b"A1 ID ( \"a\" \"b\")\r\n",
        b"A1 X  Y\r\n",
        b"A1 X {3}abc\r\n",
        b"A1 X {3}\r\nabcd\r\n",
        b"A1 X (a\r\n",
        b"A1 X Y \r\n",
    ] {
        assert!(
            check_commands(bad).is_err(),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
    check_commands(b"A1 X (\"( )\" {3+}\r\n( )) Y\r\nA2 Z ()\r\n").unwrap();
}

fn session(caps: &str, steps: Vec<Step>) -> (Script, Session) {
    common::logged_in(caps, steps)
}

fn done(script: &Script) {
    script.assert_done();
    if let Err(e) = check_commands(&script.written()) {
        panic!("{e}\nwritten: {:?}", script.written_str());
    }
}

#[test]
fn setmetadata_all_literals_with_literal_plus() {
    let (script, mut s) = session(
        "IMAP4rev1 METADATA LITERAL+",
        vec![
            c("A0002 SETMETADATA INBOX (/private/a {6+}\r\nl1\r\nl2 /private/b {2+}\r\né)\r\n"),
            s("A0002 OK SETMETADATA complete\r\n"),
            // The only value, a literal.
            c("A0003 SETMETADATA INBOX (/private/a {3+}\r\n\r\n))\r\n"),
            s("A0003 OK\r\n"),
        ],
    );
    s.set_metadata(
        "INBOX",
        &[
            ("/private/a", Some(&b"l1\r\nl2"[..])),
            ("/private/b", Some("é".as_bytes())),
        ],
    )
    .unwrap();
    s.set_metadata("INBOX", &[("/private/a", Some(&b"\r\n)"[..]))])
        .unwrap();
    done(&script);
}

#[test]
fn setmetadata_all_literals_synchronising() {
    let (script, mut s) = session(
        "IMAP4rev1 METADATA",
        vec![
            c("A0002 SETMETADATA INBOX (/private/a {6}\r\n"),
            s("+ go ahead\r\n"),
            c("l1\r\nl2 /private/b {2}\r\n"),
            s("+ go ahead\r\n"),
            c("é)\r\n"),
            s("A0002 OK SETMETADATA complete\r\n"),
        ],
    );
    s.set_metadata(
        "INBOX",
        &[
            ("/private/a", Some(&b"l1\r\nl2"[..])),
            ("/private/b", Some("é".as_bytes())),
        ],
    )
    .unwrap();
    done(&script);
}

#[test]
fn setmetadata_literal_minus_with_a_large_literal_last() {
    let big = vec![b'\xff'; 5000];
    let mut after = big.clone();
    after.extend_from_slice(b")\r\n");
    let (script, mut s) = session(
        "IMAP4rev1 METADATA LITERAL-",
        vec![
            c("A0002 SETMETADATA \"\" (/shared/a {2+}\r\n\r\n /shared/b {5000}\r\n"),
            s("+ \r\n"),
            Step::C(after),
            s("A0002 OK\r\n"),
        ],
    );
    s.set_metadata(
        "",
        &[("/shared/a", Some(&b"\r\n"[..])), ("/shared/b", Some(&big))],
    )
    .unwrap();
    done(&script);
}

#[test]
fn setmetadata_literal8_last() {
    let (script, mut s) = session(
        "IMAP4rev1 METADATA BINARY LITERAL+",
        vec![
            Step::C(
                "A0002 SETMETADATA INBOX (/private/x {2+}\r\né /private/blob ~{3+}\r\na\0b)\r\n"
                    .as_bytes()
                    .to_vec(),
            ),
            s("A0002 OK\r\n"),
        ],
    );
    s.set_metadata(
        "INBOX",
        &[
            ("/private/x", Some("é".as_bytes())),
            ("/private/blob", Some(&b"a\0b"[..])),
        ],
    )
    .unwrap();
    done(&script);
}

#[test]
fn id_with_literal_values_last() {
    let (script, mut s) = session(
        "IMAP4rev1 ID LITERAL+",
        vec![
            c("A0002 ID (\"os\" {6+}\r\nLinüx \"vendor\" {7+}\r\nMüller)\r\n"),
            s("* ID NIL\r\nA0002 OK\r\n"),
        ],
    );
    s.id(&[("os", "Linüx"), ("vendor", "Müller")]).unwrap();
    done(&script);
}

#[test]
fn id_with_a_synchronising_literal_last() {
    let (script, mut s) = session(
        "IMAP4rev1 ID",
        vec![
            c("A0002 ID (\"name\" {2}\r\n"),
            s("+ \r\n"),
            c("ü)\r\n"),
            s("* ID NIL\r\nA0002 OK\r\n"),
        ],
    );
    s.id(&[("name", "ü")]).unwrap();
    done(&script);
}

/// A refused mechanism: nothing is sent (not even the AUTHENTICATE line), the error names
/// the field, and the client is still usable.
fn refused(
    greeting: &str,
    _mechanism: &str,
    auth: &mut dyn Authenticator,
    field: &str,
    secret: &[u8],
) {
    assert!(auth.validate().is_err());
    let script = Script::new(vec![
        s(greeting),
        c("A0001 LOGOUT\r\n"),
        s("* BYE\r\nA0001 OK\r\n"),
    ]);
    let err = client(&script).authenticate(auth).unwrap_err();
    match &err.error {
        Error::InvalidArgument(m) => assert!(m.contains(field), "{m}"),
        other => panic!("{other:?}"),
    }
    // The client is still usable.
    err.client.logout().unwrap();
    script.assert_done();
    let written = script.written();
    assert!(!written.windows(secret.len()).any(|w| w == secret));
    assert!(!written.windows(12).any(|w| w == b"AUTHENTICATE"));
}

#[test]
fn sasl_fields_with_separators_send_no_credentials() {
    refused(
        common::GREETING,
        "PLAIN",
        &mut Plain::new("alice", "s3cr3t\0admin"),
        "password",
        b"s3cr3t",
    );
    refused(
        common::GREETING,
        "PLAIN",
        &mut Plain::new("alice", "s3cr3t").authorize_as("ad\0min"),
        "authorization identity",
        b"s3cr3t",
    );
    refused(
        "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2] hi\r\n",
        "XOAUTH2",
        &mut XOAuth2::new("u@example.com\x01auth=Bearer forged", "s3cr3t"),
        "user name",
        b"s3cr3t",
    );
    refused(
        "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=OAUTHBEARER] hi\r\n",
        "OAUTHBEARER",
        &mut OAuthBearer::new("u", "s3cr3t").with_host("h\x01port=1", 993),
        "host",
        b"s3cr3t",
    );
    // Checked before connecting, too.
    assert!(Plain::new("a\0b", "pw").validate().is_err());
    assert!(OAuthBearer::new("a,b=c", "tok").validate().is_ok());
}
