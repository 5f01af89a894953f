//! Mail, not just IMAP: decoded subjects, display names, dates and file names, and the parts
//! a mail client shows, seen through scripted sessions with BODYSTRUCTURE and ENVELOPE
//! written as real servers write them (Dovecot's RFC 2231 parameters, Gmail's and
//! Exchange's RFC 2047 ones, 8-bit bytes, unknown charsets).
//!
//! Each test ends with a NOOP that must complete and a script played to its end: decoding
//! never touches the stream.

mod common;

use blocking_imap::{BodyStructure, Envelope, Fetch, FetchItems, Part, Session, Uid};
use common::{c, s, Script, Step};

const CAPS: &str = "IMAP4rev1 UIDPLUS LITERAL+";

/// A session that sends `FETCH <set> (<items>)` as `A0002`, gets `reply`, then a NOOP
/// (`A0003`); `extra` steps go between the two.
fn scripted(command: &str, reply: &[u8], extra: Vec<Step>) -> (Script, Session) {
    let mut steps = vec![c(&format!("A0003 {command}\r\n")), Step::S(reply.to_vec())];
    steps.extend(extra);
    steps.push(c("A0004 NOOP\r\n"));
    steps.push(s("A0004 OK NOOP completed\r\n"));
    common::selected(CAPS, steps)
}

/// The NOOP that proves the stream is in step, and the script played to its end.
fn finish(script: &Script, mut session: Session) {
    session.noop().expect("the NOOP after the fetch");
    assert!(!session.is_broken());
    script.assert_done();
}

fn sections<'a>(parts: impl Iterator<Item = Part<'a>>) -> Vec<String> {
    parts.map(|p| p.section_string()).collect()
}

fn names<'a>(parts: impl Iterator<Item = Part<'a>>) -> Vec<Option<String>> {
    parts.map(|p| p.filename()).collect()
}

fn structure(f: &Fetch) -> &BodyStructure {
    f.body_structure().expect("BODYSTRUCTURE")
}

fn envelope(f: &Fetch) -> &Envelope {
    f.envelope().expect("ENVELOPE")
}

/// Dovecot 2.3, message 1: a Thunderbird mail with text and HTML alternatives and a PDF whose
/// name is a euro sign (`filename*=utf-8''%E2%82%AC.pdf`), the type's `name` in RFC 2047.
/// Message 2: an Outlook HTML mail with an inline logo by Content-ID and a long Japanese
/// attachment name, split by the sender into RFC 2231 continuations.
const DOVECOT: &str = concat!(
    "* 1 FETCH (UID 101 ENVELOPE (\"Tue, 05 Mar 2024 09:15:00 +0100\" \"=?UTF-8?Q?Rechnung_M=C3=A4rz_=E2=82=AC?=\" ",
    "((\"=?ISO-8859-1?Q?J=F6rg_M=FCller?=\" NIL \"joerg\" \"example.de\")) ((\"=?ISO-8859-1?Q?J=F6rg_M=FCller?=\" NIL \"joerg\" \"example.de\")) ",
    "((\"=?ISO-8859-1?Q?J=F6rg_M=FCller?=\" NIL \"joerg\" \"example.de\")) ((\"Ann\" NIL \"ann\" \"example.org\")) NIL NIL NIL \"<r1@example.de>\") ",
    "BODYSTRUCTURE (((\"text\" \"plain\" (\"charset\" \"utf-8\" \"format\" \"flowed\") NIL NIL \"quoted-printable\" 120 4 NIL NIL NIL NIL)",
    "(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 900 20 NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"------------alt\") NIL NIL NIL)",
    "(\"application\" \"pdf\" (\"name\" \"=?UTF-8?B?4oKsLnBkZg==?=\") NIL NIL \"base64\" 53300 NIL (\"attachment\" (\"filename*\" \"utf-8''%E2%82%AC.pdf\")) NIL NIL)",
    " \"mixed\" (\"boundary\" \"------------mix\") NIL (\"de-DE\") NIL))\r\n",
    "* 2 FETCH (UID 102 ENVELOPE (\"Wed, 6 Mar 2024 17:02:11 +0900\" \"=?ISO-2022-JP?B?GyRCJCpDTiRpJDsbKEI=?=\" ",
    "((\"=?UTF-8?B?5bGx55Sw?=\" NIL \"yamada\" \"example.jp\")) NIL NIL ((NIL NIL \"ann\" \"example.org\")) NIL NIL NIL \"<r2@example.jp>\") ",
    "BODYSTRUCTURE (((\"text\" \"plain\" (\"charset\" \"iso-2022-jp\") NIL NIL \"7bit\" 200 5 NIL NIL NIL NIL)",
    "((\"text\" \"html\" (\"charset\" \"iso-2022-jp\") NIL NIL \"quoted-printable\" 3000 60 NIL NIL NIL NIL)",
    "(\"image\" \"png\" NIL \"<image001.png@01DA6F2B.5E0A1D20>\" NIL \"base64\" 8000 NIL (\"inline\" NIL) NIL NIL)",
    " \"related\" (\"boundary\" \"rel\" \"type\" \"text/html\") NIL NIL NIL) \"alternative\" (\"boundary\" \"alt\") NIL NIL NIL)",
    "(\"application\" \"vnd.openxmlformats-officedocument.spreadsheetml.sheet\" NIL NIL NIL \"base64\" 20000 NIL",
    " (\"attachment\" (\"filename*0*\" \"utf-8''%E5%A3%B2%E4%B8%8A%E5%A0%B1%E5%91%8A\" \"filename*1*\" \"%E6%9B%B8_2024%E5%B9%B4\" \"filename*2*\" \"%E7%AC%AC1%E5%9B%9B%E5%8D%8A%E6%9C%9F.xlsx\")) NIL NIL)",
    " \"mixed\" (\"boundary\" \"mix\") NIL NIL NIL))\r\n",
    "A0003 OK Fetch completed.\r\n"
);

#[test]
fn dovecot_structures_decoded() {
    let (script, mut session) = scripted(
        "FETCH 1:2 (UID ENVELOPE BODYSTRUCTURE)",
        DOVECOT.as_bytes(),
        vec![],
    );
    let msgs = session
        .fetch(1..=2, &FetchItems::new().uid().envelope().body_structure())
        .unwrap()
        .into_vec()
        .unwrap();
    assert_eq!(msgs.len(), 2);

    let env = envelope(&msgs[0]);
    assert_eq!(env.subject().as_deref(), Some("Rechnung März €"));
    assert_eq!(
        env.subject_raw(),
        Some(&b"=?UTF-8?Q?Rechnung_M=C3=A4rz_=E2=82=AC?="[..])
    );
    let from = &env.from()[0];
    assert_eq!(from.name().as_deref(), Some("Jörg Müller"));
    assert_eq!(from.email().as_deref(), Some("joerg@example.de"));
    let date = env.date().expect("a date");
    assert_eq!((date.year(), date.month(), date.day()), (2024, 3, 5));
    assert_eq!((date.hour(), date.offset_minutes()), (9, 60));
    assert_eq!(date.unix_timestamp(), 1_709_626_500);

    let b = structure(&msgs[0]);
    assert_eq!(sections(b.leaves()), ["1.1", "1.2", "2"]);
    assert_eq!(sections(b.attachments()), ["2"]);
    assert_eq!(names(b.attachments()), [Some("€.pdf".to_string())]);
    let pdf = b.attachments().next().unwrap();
    assert_eq!(pdf.disposition(), Some("attachment"));
    assert_eq!(pdf.size(), Some(53300));
    assert_eq!(pdf.encoding().as_str(), "base64");
    // The raw parameters are still there, and the type's RFC 2047 name decodes alike.
    assert_eq!(
        pdf.structure().disposition().unwrap().param("filename*"),
        Some("utf-8''%E2%82%AC.pdf")
    );
    assert_eq!(
        pdf.structure().param_decoded("name").as_deref(),
        Some("€.pdf")
    );
    let text = b.text_body().unwrap();
    assert_eq!(
        (text.section_string(), text.charset()),
        ("1.1".into(), Some("utf-8"))
    );
    assert_eq!(
        b.html_body().map(|p| p.section_string()).as_deref(),
        Some("1.2")
    );

    let env = envelope(&msgs[1]);
    #[cfg(feature = "charsets")]
    assert_eq!(env.subject().as_deref(), Some("お知らせ"));
    assert_eq!(env.from()[0].name().as_deref(), Some("山田"));
    assert_eq!(env.date().map(|d| d.offset_minutes()), Some(540));
    let b = structure(&msgs[1]);
    assert_eq!(sections(b.leaves()), ["1.1", "1.2.1", "1.2.2", "2"]);
    // The logo is the HTML's (by Content-ID): not an attachment.
    assert_eq!(sections(b.attachments()), ["2"]);
    assert_eq!(
        names(b.attachments()),
        [Some("売上報告書_2024年第1四半期.xlsx".to_string())]
    );
    let logo = b.leaves().nth(2).unwrap();
    assert_eq!(logo.content_id(), Some("<image001.png@01DA6F2B.5E0A1D20>"));
    assert!(!logo.is_attachment());
    assert_eq!(
        b.text_body().map(|p| p.section_string()).as_deref(),
        Some("1.1")
    );
    assert_eq!(
        b.html_body().map(|p| p.section_string()).as_deref(),
        Some("1.2.1")
    );

    finish(&script, session);
}

/// Gmail rewrites parameter values as RFC 2047 and upper-cases the tokens; Exchange adds
/// size and dates to the disposition. A forwarded message is one attachment.
const GMAIL_EXCHANGE: &str = concat!(
    "* 3 FETCH (UID 7 BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"7BIT\" 30 2 NIL NIL NIL)",
    "(\"IMAGE\" \"JPEG\" (\"NAME\" \"=?UTF-8?B?RsO2dG8gdm9tIFN0cmFuZC5qcGc=?=\") \"<f_lt1>\" NIL \"BASE64\" 150000 NIL",
    " (\"INLINE\" (\"FILENAME\" \"=?UTF-8?B?RsO2dG8gdm9tIFN0cmFuZC5qcGc=?=\")) NIL NIL)",
    "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 2000 (\"Mon, 4 Mar 2024 08:00:00 -0500\" \"=?UTF-8?Q?Fw:_Pl=C3=A4ne?=\"",
    " ((\"Bob\" NIL \"bob\" \"example.com\")) NIL NIL NIL NIL NIL NIL NIL)",
    " ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"7BIT\" 10 1 NIL NIL NIL)",
    "(\"APPLICATION\" \"ZIP\" (\"NAME\" \"a.zip\") NIL NIL \"BASE64\" 500 NIL (\"ATTACHMENT\" (\"FILENAME\" \"a.zip\")) NIL NIL) \"MIXED\" (\"BOUNDARY\" \"in\") NIL NIL)",
    " 40 NIL (\"ATTACHMENT\" NIL) NIL NIL) \"MIXED\" (\"BOUNDARY\" \"out\") NIL NIL))\r\n",
    "* 4 FETCH (UID 8 BODYSTRUCTURE ((\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 4000 80 NIL NIL NIL NIL)",
    "(\"application\" \"pdf\" (\"name\" \"=?utf-8?B?w5xiZXJzaWNodC5wZGY=?=\") NIL \"=?utf-8?B?w5xiZXJzaWNodC5wZGY=?=\" \"base64\" 9000 NIL",
    " (\"attachment\" (\"filename\" \"=?utf-8?B?w5xiZXJzaWNodC5wZGY=?=\" \"size\" \"6543\" \"creation-date\" \"Tue, 05 Mar 2024 10:00:00 GMT\")) NIL NIL)",
    " \"mixed\" (\"boundary\" \"_004_\") NIL \"en-US\"))\r\n",
    "A0003 OK Success\r\n"
);

#[test]
fn gmail_and_exchange_structures_decoded() {
    let (script, mut session) = scripted(
        "FETCH 3:4 (BODYSTRUCTURE)",
        GMAIL_EXCHANGE.as_bytes(),
        vec![],
    );
    let msgs = session
        .fetch(3..=4, &FetchItems::new().body_structure())
        .unwrap()
        .into_vec()
        .unwrap();

    let b = structure(&msgs[0]);
    assert_eq!(sections(b.leaves()), ["1", "2", "3"]);
    // The inline photo has a name: listed. The forwarded message: listed as one.
    assert_eq!(sections(b.attachments()), ["2", "3"]);
    assert_eq!(
        names(b.attachments()),
        [Some("Föto vom Strand.jpg".to_string()), None]
    );
    let fwd = b.attachments().nth(1).unwrap();
    assert_eq!(fwd.mime_type(), "message/rfc822");
    let inner = fwd.structure().envelope().unwrap();
    assert_eq!(inner.subject().as_deref(), Some("Fw: Pläne"));
    assert_eq!(sections(fwd.message_leaves()), ["3.1", "3.2"]);
    assert_eq!(
        fwd.message_leaves()
            .filter(Part::is_attachment)
            .map(|p| p.filename())
            .collect::<Vec<_>>(),
        [Some("a.zip".to_string())]
    );
    assert_eq!(
        b.text_body().map(|p| p.section_string()).as_deref(),
        Some("1")
    );

    let b = structure(&msgs[1]);
    let att: Vec<_> = b.attachments().collect();
    assert_eq!(att.len(), 1);
    assert_eq!(att[0].filename().as_deref(), Some("Übersicht.pdf"));
    assert_eq!(
        att[0].structure().disposition().unwrap().param("size"),
        Some("6543")
    );
    assert_eq!(b.text_body().map(|p| p.section_string()), None);
    assert_eq!(
        b.html_body().map(|p| p.section_string()).as_deref(),
        Some("1")
    );

    finish(&script, session);
}

#[test]
fn fetching_the_text_body_by_its_section() {
    let (script, mut session) = common::selected(
        CAPS,
        vec![
            c("A0003 UID FETCH 9 (UID BODYSTRUCTURE)\r\n"),
            s(concat!(
                "* 1 FETCH (UID 9 BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"iso-8859-1\") NIL NIL \"quoted-printable\" 12 1 NIL NIL NIL NIL)",
                "(\"text\" \"html\" (\"charset\" \"iso-8859-1\") NIL NIL \"quoted-printable\" 40 1 NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"b\") NIL NIL NIL))\r\n",
                "A0003 OK\r\n"
            )),
            c("A0004 UID FETCH 9 (UID BODY.PEEK[2])\r\n"),
            s("* 1 FETCH (UID 9 BODY[2] {12}\r\n<p>Gr=FC=DFe)\r\nA0004 OK\r\n"),
            c("A0005 NOOP\r\n"),
            s("A0005 OK\r\n"),
        ],
    );
    let msgs = session
        .uid_fetch(Uid(9), &FetchItems::new().body_structure())
        .unwrap()
        .into_vec()
        .unwrap();
    let b = structure(&msgs[0]);
    let html = b.html_body().unwrap();
    assert_eq!(html.section(), [2]);
    assert_eq!(html.encoding().as_str(), "quoted-printable");
    assert_eq!(html.charset(), Some("iso-8859-1"));
    let got = session
        .uid_fetch(Uid(9), &FetchItems::new().body_peek(html.body_section()))
        .unwrap()
        .into_vec()
        .unwrap();
    assert_eq!(got[0].part(html.section()), Some(&b"<p>Gr=FC=DFe"[..]));
    finish(&script, session);
}

/// 8-bit headers, unknown and broken charsets, malformed encoded words, 8-bit parameter
/// values and garbage dates, read a byte at a time: every message parses, every accessor
/// answers (visibly lossy where it must), and the stream stays in step.
#[test]
fn eight_bit_and_unknown_charsets_never_error() {
    let mut reply: Vec<u8> = Vec::new();
    // Latin-1 bytes sent raw, as old mailers do; an unknown charset; a malformed word.
    reply.extend_from_slice(
        b"* 1 FETCH (ENVELOPE (\"Mon, 32 Foo 2024 99:99:99 +9999\" \"Caf\xe9 \xff =?x-klingon?Q?qa=E9pla?= =?UTF-8?Q?broken\" ((\"M\xfcller, J\xf6rg\" NIL \"j\" \"x.de\")) NIL NIL NIL NIL NIL NIL NIL)",
    );
    reply.extend_from_slice(
        b" BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"x-unknown-8bit\") NIL NIL \"8bit\" 10 1 NIL NIL NIL NIL)",
    );
    reply.extend_from_slice(
        b"(\"application\" \"octet-stream\" (\"name\" \"r\xe9sum\xe9.doc\") NIL NIL \"base64\" 10 NIL (\"attachment\" (\"filename*\" \"x-mac-klingon''%FF%FE\xe9.bin\" \"filename*0*\" \"\xff\")) NIL NIL)",
    );
    reply.extend_from_slice(
        b"(\"image\" \"gif\" (\"name*0*\" \"utf-8''%E2%82\" \"name*1*\" \"%AC.gif\" \"name*3\" \"gap\") NIL NIL \"base64\" 10 NIL NIL NIL NIL) \"mixed\"))\r\n",
    );
    // A literal subject with a CRLF inside; a date without a zone; the encoded word split
    // inside a UTF-8 character.
    reply.extend_from_slice(
        b"* 2 FETCH (ENVELOPE (\"1 Mar 2024 10:00\" {35}\r\n=?UTF-8?B?4oI=?=\r\n =?UTF-8?B?rA==?= NIL NIL NIL NIL NIL NIL NIL NIL) BODYSTRUCTURE (\"application\" \"x\" (\"name\" \"=?utf-8?B?!!!?=\") NIL NIL \"base64\" 10 NIL (\"inline\" (\"filename\" \"\")) NIL NIL))\r\n",
    );
    reply.extend_from_slice(b"A0003 OK\r\n");
    let (script, mut session) = scripted("FETCH 1:2 (ENVELOPE BODYSTRUCTURE)", &reply, vec![]);
    let script = script.chunked(1);
    let results: Vec<_> = session
        .fetch(1..=2, &FetchItems::new().envelope().body_structure())
        .unwrap()
        .collect();
    assert_eq!(results.len(), 2);
    let msgs: Vec<Fetch> = results
        .into_iter()
        .map(|r| r.expect("no message errors"))
        .collect();
    for f in &msgs {
        assert!(f.unparsed().is_empty(), "{:?}", f.unparsed());
    }

    let env = envelope(&msgs[0]);
    assert_eq!(
        env.subject().as_deref(),
        Some("Caf\u{fffd} \u{fffd} qa\u{fffd}pla =?UTF-8?Q?broken")
    );
    assert_eq!(
        env.from()[0].name().as_deref(),
        Some("M\u{fffd}ller, J\u{fffd}rg")
    );
    assert_eq!(env.from()[0].name_raw(), Some(&b"M\xfcller, J\xf6rg"[..]));
    assert_eq!(env.date(), None);
    assert!(env.date_raw().is_some());

    let b = structure(&msgs[0]);
    assert_eq!(sections(b.leaves()), ["1", "2", "3"]);
    // The unknown-charset text is still the body (its charset is the caller's problem).
    let text = b.text_body().unwrap();
    assert_eq!(text.charset(), Some("x-unknown-8bit"));
    // An unknown charset in RFC 2231: the bytes read as UTF-8, visibly lossy.
    let bin = b.leaves().nth(1).unwrap();
    assert_eq!(
        bin.filename().as_deref(),
        Some("\u{fffd}\u{fffd}\u{fffd}.bin")
    );
    assert_eq!(
        bin.structure().param_bytes("name"),
        Some(&b"r\xe9sum\xe9.doc"[..])
    );
    assert_eq!(
        bin.structure().param_decoded("name").as_deref(),
        Some("r\u{fffd}sum\u{fffd}.doc")
    );
    // Continuations up to the gap; an unnamed GIF nothing refers to is an attachment.
    let gif = b.leaves().nth(2).unwrap();
    assert_eq!(gif.filename().as_deref(), Some("€.gif"));
    assert_eq!(sections(b.attachments()), ["2", "3"]);

    let env = envelope(&msgs[1]);
    assert_eq!(env.subject().as_deref(), Some("€"));
    assert_eq!(env.subject_raw().map(<[u8]>::len), Some(35));
    assert_eq!(
        env.date().map(|d| (d.hour(), d.offset_minutes())),
        Some((10, 0))
    );
    let b = structure(&msgs[1]);
    // An empty filename counts as none, and so does a name that decodes to nothing (a
    // base64 word with no base64 in it); the raw value is still there. Unnamed, inline,
    // non-text and referred to by nothing: an attachment.
    assert_eq!(b.disposition().unwrap().filename(), None);
    let only = b.leaves().next().unwrap();
    assert_eq!(only.section(), [1]);
    assert_eq!(only.filename(), None);
    assert_eq!(only.structure().param("name"), Some("=?utf-8?B?!!!?="));
    assert!(only.is_attachment());

    finish(&script, session);
}
