//! Issue 21, "Messages", through the public API: safe file names for the parts of a fetched
//! body structure (attached messages gone into), a Date header with an unknown zone
//! (`-0000`), and a Subject fetched with `BODY.PEEK[HEADER.FIELDS (SUBJECT)]` decoded with
//! [`decode_header_text`]. One scripted session; a NOOP after the fetch proves the stream is
//! still in step.

mod common;

use blocking_imap::{
    decode_header_text, sanitize_filename, DateTime, FetchItems, Section, Uid, MAX_FILENAME_BYTES,
};
use common::{c, s};

/// A mixed message: text, a forwarded message (with a photo whose name is a path, and
/// another forwarded message inside it with a PDF named `CON.pdf`), an unnamed calendar
/// invitation, and a file named with a right-to-left override and a zero-width space.
const STRUCTURE: &str = concat!(
    r#"BODYSTRUCTURE (("text" "plain" ("charset" "utf-8") NIL NIL "8bit" 40 3 NIL NIL NIL NIL)"#,
    r#"("message" "rfc822" NIL NIL NIL "7bit" 900"#,
    r#" ("Mon, 1 Jan 2024 10:00:00 +0000" "outer" NIL NIL NIL NIL NIL NIL NIL "<p@x.org>")"#,
    r#" (("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 10 1 NIL NIL NIL NIL)"#,
    r#"("image" "jpeg" NIL NIL NIL "base64" 800 NIL ("attachment" ("filename" "../../home/me/cat.jpg")) NIL NIL)"#,
    r#"("message" "rfc822" NIL NIL NIL "7bit" 100"#,
    r#" ("Mon, 1 Jan 2024 09:00:00 +0000" "inner" NIL NIL NIL NIL NIL NIL NIL "<q@x.org>")"#,
    r#" ("application" "pdf" ("name" "CON.pdf") NIL NIL "base64" 10 NIL NIL NIL NIL) 5 NIL NIL NIL NIL)"#,
    r#" "mixed" ("boundary" "m") NIL NIL NIL)"#,
    r#" 20 NIL ("attachment" NIL) NIL NIL)"#,
    r#"("text" "calendar" ("method" "REQUEST") NIL NIL "7bit" 50 2 NIL ("attachment" NIL) NIL NIL)"#,
    r#"("application" "octet-stream" NIL NIL NIL "base64" 50 NIL ("attachment" ("filename*" "utf-8''invoice%E2%80%AEfdp.exe%E2%80%8B")) NIL NIL)"#,
    r#" "mixed" ("boundary" "o") NIL NIL NIL)"#
);

#[test]
fn parts_dates_and_headers_of_a_fetched_message() {
    let subject_field =
        "Subject: =?UTF-8?Q?Rechnung_f=C3=BCr_?=\r\n =?ISO-8859-1?Q?M=E4rz?=\r\n\r\n";
    let reply = format!(
        "* 1 FETCH (UID 7 ENVELOPE (\"Tue, 1 Jul 2003 10:52:37 -0000\" \"x\" NIL NIL NIL NIL NIL NIL NIL \"<m@x.org>\") \
         {STRUCTURE} BODY[HEADER.FIELDS (SUBJECT)] {{{}}}\r\n{subject_field})\r\n\
         A0003 OK done\r\n",
        subject_field.len()
    );
    let (script, mut session) = common::selected(
        "IMAP4rev1",
        vec![
            c("A0003 UID FETCH 7 (UID ENVELOPE BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS (SUBJECT)])\r\n"),
            s(&reply),
            c("A0004 NOOP\r\n"),
            s("A0004 OK NOOP completed\r\n"),
        ],
    );
    let items = FetchItems::new()
        .uid()
        .envelope()
        .body_structure()
        .body_peek(Section::HeaderFields(vec!["SUBJECT".into()]));
    let fetched = session
        .uid_fetch(Uid(7), &items)
        .and_then(|f| f.into_vec())
        .unwrap();
    session.noop().unwrap();
    script.assert_done();
    let f = &fetched[0];

    // Parts: `leaves` stops at the forwarded message, `all_leaves` goes in.
    let body = f.body_structure().unwrap();
    let top: Vec<_> = body.leaves().map(|p| p.section_string()).collect();
    assert_eq!(top, ["1", "2", "3", "4"]);
    let all: Vec<_> = body
        .all_leaves()
        .map(|p| {
            (
                p.section_string(),
                p.is_attached_message(),
                p.safe_filename(),
            )
        })
        .collect();
    let want = [
        ("1", false, "attachment-1.txt"),
        ("2", true, "attachment-2.eml"),
        ("2.1", false, "attachment-2.1.txt"),
        ("2.2", false, "home_me_cat.jpg"),
        ("2.3", true, "attachment-2.3.eml"),
        ("2.3.1", false, "_CON.pdf"),
        ("3", false, "attachment-3.ics"),
        ("4", false, "invoice_fdp.exe_"),
    ];
    let want: Vec<_> = want
        .iter()
        .map(|(s, m, n)| (s.to_string(), *m, n.to_string()))
        .collect();
    assert_eq!(all, want);
    let att: Vec<_> = body.attachments().map(|p| p.safe_filename()).collect();
    assert_eq!(
        att,
        ["attachment-2.eml", "attachment-3.ics", "invoice_fdp.exe_"]
    );
    // Every name is one file inside a directory.
    for part in body.all_leaves() {
        let name = part.safe_filename();
        let path = std::path::Path::new("/tmp/x").join(&name);
        assert_eq!(
            path.parent(),
            Some(std::path::Path::new("/tmp/x")),
            "{name}"
        );
        assert!(name.len() <= MAX_FILENAME_BYTES);
    }

    // The Date header said -0000: UTC, the zone unknown, and it says so when printed.
    let date = f.envelope().unwrap().date().unwrap();
    assert!(date.is_zone_unknown());
    assert_eq!(date.offset_minutes(), 0);
    assert_eq!(date.to_rfc5322(), "Tue, 1 Jul 2003 10:52:37 -0000");
    assert_ne!(
        date,
        DateTime::parse_rfc5322("Tue, 1 Jul 2003 10:52:37 +0000").unwrap()
    );
    assert_eq!(
        date.to_offset(120).unwrap().to_rfc5322(),
        "Tue, 1 Jul 2003 12:52:37 +0200"
    );

    // The Subject as fetched, decoded.
    let raw = f
        .section(&Section::HeaderFields(vec!["SUBJECT".into()]))
        .unwrap();
    let value = raw.strip_prefix(b"Subject:").unwrap();
    let value = value.trim_ascii();
    assert_eq!(decode_header_text(value), "Rechnung für März");
}

#[test]
fn sanitize_filename_is_public() {
    assert_eq!(
        sanitize_filename("..\\..\\boot.ini").as_deref(),
        Some("boot.ini")
    );
    assert_eq!(sanitize_filename("LPT².txt").as_deref(), Some("_LPT².txt"));
    assert_eq!(sanitize_filename("a\u{2028}b").as_deref(), Some("a_b"));
    assert_eq!(
        sanitize_filename("soft\u{AD}hyphen").as_deref(),
        Some("soft_hyphen")
    );
    assert_eq!(sanitize_filename(".."), None);
    let long = format!("{}.pdf", "é".repeat(200));
    let cut = sanitize_filename(&long).unwrap();
    assert!(cut.len() <= MAX_FILENAME_BYTES && cut.ends_with(".pdf"));
}
