//! `{:?}` of the public types is readable: names as text, bytes as escaped strings, section
//! data as a length and a prefix, never `[104, 101, 108, ...]`.

mod common;

use blocking_imap::{FetchItems, MailboxName, ResponseCode, Section, SequenceSet, Unsolicited};
use common::{c, logged_in, s, selected, Step};

/// Does `text` hold a run of 8 or more small integers separated by `", "` (the `Debug` form of
/// a byte vector)?
fn has_number_run(text: &str) -> bool {
    let b = text.as_bytes();
    (0..b.len()).any(|start| {
        if start > 0 && b[start - 1].is_ascii_digit() {
            return false;
        }
        let (mut i, mut count) = (start, 0);
        loop {
            let digits = b[i..].iter().take_while(|d| d.is_ascii_digit()).count();
            if digits == 0 || digits > 3 {
                break;
            }
            count += 1;
            i += digits;
            if b[i..].starts_with(b", ") {
                i += 2;
            } else {
                break;
            }
        }
        count >= 8
    })
}

/// Fails with the text when it is not readable.
fn assert_readable(what: &str, text: &str) {
    assert!(
        !has_number_run(text),
        "{what} shows bytes as numbers: {text}"
    );
}

#[test]
fn the_check_catches_byte_vectors() {
    assert!(has_number_run(&format!("{:?}", b"hello world".to_vec())));
    assert!(has_number_run("x [1, 22, 255, 0, 9, 10, 11, 12] y"));
    assert!(!has_number_run("[1, 2, 3, 4, 5, 6, 7]"));
    assert!(!has_number_run("[1, 2, 3, 4, 5, 6, 7, 1234]"));
    assert!(!has_number_run("SequenceSet(1:3,5,7,9,11,13,15,17)"));
}

/// A message of `n` bytes of readable text.
fn message(n: usize) -> Vec<u8> {
    let mut m = b"Received: from mx.example.com\r\nSubject: Gr\xc3\xbc\xc3\x9fe\r\n\r\n".to_vec();
    while m.len() < n {
        m.extend_from_slice(b"Lorem ipsum dolor sit amet. ");
    }
    m.truncate(n);
    m
}

/// `* 1 FETCH (...)` with a whole body, two partial fetches of it, an envelope and a
/// structure, as a server sends it.
fn fetch_response() -> Vec<u8> {
    let body = message(2000);
    let envelope = "(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"Gr\u{fc}\u{df}e =?UTF-8?Q?caf=C3=A9?=\" \
        ((\"J\u{f6}rg\" NIL \"joerg\" \"example.com\")) NIL NIL ((NIL NIL \"team\" \"example.org\")) \
        NIL NIL NIL \"<B27397-0100000@example.com>\")";
    let mut r = format!(
        "* 1 FETCH (UID 7 FLAGS (\\Seen $Forwarded) ENVELOPE {envelope} BODYSTRUCTURE \
         ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"QUOTED-PRINTABLE\" 1234 40 NIL NIL NIL NIL)\
         (\"APPLICATION\" \"PDF\" (\"NAME\" \"r"
    )
    .into_bytes();
    // A parameter value that is not UTF-8 (Latin-1 `é`).
    r.extend_from_slice(b"\xe9sum\xe9.pdf");
    r.extend_from_slice(
        b"\") NIL NIL \"BASE64\" 40000 NIL (\"ATTACHMENT\" (\"FILENAME\" \"resume.pdf\")) NIL NIL) \
          \"MIXED\" (\"BOUNDARY\" \"xyz\") NIL NIL NIL) ",
    );
    r.extend_from_slice(format!("BODY[] {{{}}}\r\n", body.len()).as_bytes());
    r.extend_from_slice(&body);
    r.extend_from_slice(b" BODY[]<0> {10}\r\n");
    r.extend_from_slice(&body[..10]);
    r.extend_from_slice(b" BODY[]<1000> {10}\r\n");
    r.extend_from_slice(&body[1000..1010]);
    r.extend_from_slice(b")\r\n");
    r
}

#[test]
fn a_fetch_with_sections_envelope_and_structure() {
    let items = FetchItems::new()
        .flags()
        .envelope()
        .body_structure()
        .body_peek(Section::Full)
        .body_peek_partial(Section::Full, 0, 10)
        .body_peek_partial(Section::Full, 1000, 10);
    let (script, mut session) = selected(
        "IMAP4rev1",
        vec![
            c(
                "A0003 UID FETCH 7 (UID FLAGS ENVELOPE BODYSTRUCTURE BODY.PEEK[] \
               BODY.PEEK[]<0.10> BODY.PEEK[]<1000.10>)\r\n",
            ),
            Step::S(fetch_response()),
            s("A0003 OK done\r\n"),
        ],
    );
    let got = session.uid_fetch(7, &items).unwrap().into_vec().unwrap();
    script.assert_done();
    let f = &got[0];
    let body = message(2000);

    // The accessors: the whole body, and each partial fetch by its origin.
    assert_eq!(f.body(), Some(&body[..]));
    assert_eq!(f.section_at(&Section::Full, 0), Some(&body[..10]));
    assert_eq!(f.section_at(&Section::Full, 1000), Some(&body[1000..1010]));
    assert_eq!(f.section_at(&Section::Full, 5), None);

    let debug = format!("{f:?}");
    assert_readable("Fetch", &debug);
    for want in [
        "uid: Uid(7)",
        "flags: (\\Seen $Forwarded)",
        // Section data: length and a short prefix.
        "BODY[]: 2000 bytes \"Received: from mx.example.com\\r\\nSubject: Grüße\\r\"...",
        "BODY[]<0>: 10 bytes \"Received: \"",
        "BODY[]<1000>: 10 bytes \"",
        // The envelope as text, as sent.
        "subject: \"Grüße =?UTF-8?Q?caf=C3=A9?=\"",
        "Address { name: \"Jörg\", mailbox: \"joerg\", host: \"example.com\" }",
        "message_id: \"<B27397-0100000@example.com>\"",
        // The structure, with the Latin-1 parameter escaped.
        "mime_type: multipart/mixed",
        "mime_type: text/plain",
        "\"CHARSET\": \"UTF-8\"",
        "encoding: quoted-printable",
        "\"NAME\": \"r\\xe9sum\\xe9.pdf\"",
        "\"BOUNDARY\": \"xyz\"",
        "kind: \"attachment\"",
    ] {
        assert!(debug.contains(want), "{want:?} missing from {debug}");
    }
    // The whole body is not written out.
    assert!(!debug.contains("Lorem ipsum dolor sit amet. Lorem ipsum dolor sit amet. Lorem"));
    assert!(debug.len() < 2000, "{} bytes: {debug}", debug.len());
    // Pretty-printed too.
    assert_readable("Fetch", &format!("{f:#?}"));
    assert_readable("Envelope", &format!("{:?}", f.envelope().unwrap()));
    assert_readable(
        "BodyStructure",
        &format!("{:#?}", f.body_structure().unwrap()),
    );
}

#[test]
fn a_mailbox_name_with_non_ascii() {
    let name = MailboxName::from("INBOX/Ünïcödé");
    let debug = format!("{name:?}");
    assert_readable("MailboxName", &debug);
    assert!(
        debug.starts_with("MailboxName(\"INBOX/Ünïcödé\", wire: \"INBOX/&"),
        "{debug}"
    );
    assert_eq!(
        format!("{:?}", MailboxName::from("Sent")),
        "MailboxName(\"Sent\")"
    );
    // A long name is still text, not numbers.
    let long = MailboxName::from("Архив/Входящие/2024/Счета и квитанции");
    assert_readable("MailboxName", &format!("{long:?}"));
    assert!(format!("{long:?}").contains("Архив/Входящие"));
}

#[test]
fn unsolicited_responses_show_their_bytes_escaped() {
    let mut annotation =
        b"* ANNOTATION INBOX \"/comment\" (\"value.priv\" \"caf\xe9 cr\xe8me\")\r\n".to_vec();
    let (script, mut session) = logged_in(
        "IMAP4rev1 QUOTA",
        vec![
            c("A0002 NOOP\r\n"),
            Step::S(std::mem::take(&mut annotation)),
            s("* QUOTAROOT INBOX \"\" \"user.alice\"\r\n"),
            s("* OK [MAILBOXID (F2212ea87-6097-4256)] hi\r\n"),
            s("A0002 OK done\r\n"),
        ],
    );
    session.noop().unwrap();
    let items: Vec<Unsolicited> = session.unsolicited().collect();
    script.assert_done();
    assert_eq!(items.len(), 3, "{items:?}");

    let other = format!("{:?}", items[0]);
    assert_readable("Unsolicited::Other", &other);
    assert!(matches!(items[0], Unsolicited::Other { .. }), "{other}");
    assert!(
        other.contains(
            "raw: \"* ANNOTATION INBOX \\\"/comment\\\" (\\\"value.priv\\\" \\\"caf\\xe9 cr\\xe8me\\\")\\r\\n\""
        ),
        "{other}"
    );

    let root = format!("{:?}", items[1]);
    assert_readable("Unsolicited::QuotaRoot", &root);
    assert!(
        root.contains("roots: [\"\", \"user.alice\"]") && root.contains("MailboxName(\"INBOX\")"),
        "{root}"
    );

    let status = format!("{:?}", items[2]);
    assert!(
        status.contains("MailboxId(\"F2212ea87-6097-4256\")"),
        "{status}"
    );
    match &items[2] {
        Unsolicited::Status { text, .. } => {
            assert_eq!(
                text.code,
                Some(ResponseCode::MailboxId("F2212ea87-6097-4256".into()))
            );
            let code = text.code.as_ref().unwrap();
            assert_eq!(code.to_string(), "MAILBOXID (F2212ea87-6097-4256)");
        }
        other => panic!("{other:?}"),
    }
    assert_readable("Mailbox", &format!("{:?}", session.mailbox()));
}

#[test]
fn a_long_unparsed_response_is_cut() {
    let mut raw = b"* XSTUFF ".to_vec();
    raw.extend_from_slice(&[b'q'; 5000]);
    let u = Unsolicited::Other {
        raw,
        reason: "not typed".into(),
    };
    let debug = format!("{u:?}");
    assert!(debug.contains("(3985 more bytes)"), "{debug}");
    assert!(debug.len() < 1200);
}

#[test]
fn sets_and_codes_are_compact() {
    let set = SequenceSet::from([1, 2, 3, 5, 9, 10]);
    assert_eq!(format!("{set:?}"), "SequenceSet(1:3,5,9:10)");
    let code = ResponseCode::CopyUid {
        uid_validity: 38505,
        source: SequenceSet::from([304, 319, 320]),
        destination: SequenceSet::from(3956..=3958),
    };
    assert_eq!(code.to_string(), "COPYUID 38505 304,319:320 3956:3958");
    assert_eq!(
        format!("{code:?}"),
        "CopyUid { uid_validity: 38505, source: SequenceSet(304,319:320), destination: SequenceSet(3956:3958) }"
    );
    let items = FetchItems::new()
        .uid()
        .body_peek(Section::HeaderFields(vec!["Subject".into()]));
    assert_eq!(
        format!("{items:?}"),
        "FetchItems(\"UID BODY.PEEK[HEADER.FIELDS (Subject)]\")"
    );
}

/// The extension types too: ID fields, ACL identifiers, quota roots as text.
#[test]
fn extension_results() {
    let (script, mut session) = logged_in(
        "IMAP4rev1 ID ACL QUOTA",
        vec![
            c("A0002 ID NIL\r\n"),
            s("* ID (\"name\" \"Dovecot\" \"os\" NIL \"support-url\" \"https://example.org/help\")\r\n"),
            s("A0002 OK\r\n"),
            c("A0003 GETACL INBOX\r\n"),
            s("* ACL INBOX alice-with-a-long-name lrswipkxtea anyone lr\r\nA0003 OK\r\n"),
            c("A0004 GETQUOTAROOT INBOX\r\n"),
            s("* QUOTAROOT INBOX \"user quota root with a long name\"\r\n"),
            s("* QUOTA \"user quota root with a long name\" (STORAGE 10 512)\r\nA0004 OK\r\n"),
        ],
    );
    let id = session.id(&[]).unwrap();
    let shown = format!("{id:?}");
    assert_readable("IdInfo", &shown);
    assert!(shown.contains("Dovecot"), "{shown}");
    let acl = session.get_acl("INBOX").unwrap();
    let shown = format!("{acl:?}");
    assert_readable("AclEntry", &shown);
    assert!(shown.contains("alice-with-a-long-name"), "{shown}");
    let roots = session.get_quota_root("INBOX").unwrap();
    let shown = format!("{roots:?}");
    assert_readable("QuotaRoots", &shown);
    assert!(shown.contains("user quota root"), "{shown}");
    script.assert_done();
}
