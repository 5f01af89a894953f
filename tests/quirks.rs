//! Server quirks seen in the wild, each replayed through a scripted session.
//!
//! Every test scripts a reply holding one quirk, checks what the caller sees (typed data, or
//! the error for that one response), and then proves the stream is still in step: a NOOP on
//! the same session completes and the whole script was played. A quirk is parsed into typed
//! data; or, inside a response of several independent items (FETCH, STATUS, ESEARCH, LIST
//! extended data), costs only that item, which is kept whole (`Fetch::unparsed`,
//! `MailboxStatus::unparsed`, `SearchResult::unparsed`); or, for a broken frame, is skipped
//! as one frame (kept whole as `Unsolicited::Other`, or a per-message `Error::Parse` in a
//! FETCH stream). It never costs the command, a panic or the sync.
//!
//! Where a quirk was found in a public bug report, the comment above the test names it.

mod common;

use blocking_imap::{
    Error, FetchItems, Flag, NameAttribute, ResponseCode, Search, Section, Seq, Session,
    StatusItem, StatusKind, TransferEncoding, Uid, Unsolicited,
};
use common::{c, client, s, Script, Step};

/// Capabilities the default session has after LOGIN.
const CAPS: &str = "IMAP4rev1 UIDPLUS LITERAL+ MOVE NAMESPACE";

fn session_with(caps: &str, steps: Vec<Step>) -> (Script, Session) {
    common::selected(caps, steps)
}

/// The client sends `line` as `A0003`, the server answers `reply` (which must complete
/// `A0003`); `check` runs the command and looks at the result. Then a NOOP (`A0004`) must
/// complete and the script must be played to its end: the stream stayed in step.
fn quirk<T>(line: &str, reply: &str, check: impl FnOnce(&mut Session) -> T) -> T {
    let (script, mut session) = session_with(
        CAPS,
        vec![
            c(&format!("A0003 {line}\r\n")),
            s(reply),
            c("A0004 NOOP\r\n"),
            s("A0004 OK NOOP completed\r\n"),
        ],
    );
    let out = check(&mut session);
    session.noop().expect("the NOOP after the quirk");
    assert!(!session.is_broken());
    script.assert_done();
    out
}

/// `quirk` for a NOOP whose reply carries the quirk; returns what was queued.
fn noop_quirk(reply: &str) -> (Vec<Unsolicited>, Session) {
    let (script, mut session) = session_with(
        CAPS,
        vec![
            c("A0003 NOOP\r\n"),
            s(reply),
            c("A0004 NOOP\r\n"),
            s("A0004 OK\r\n"),
        ],
    );
    session.noop().expect("the NOOP carrying the quirk");
    let queued: Vec<_> = session.unsolicited().collect();
    session.noop().expect("the NOOP after the quirk");
    script.assert_done();
    (queued, session)
}

/// Every message of a FETCH, failing the test on any error.
fn fetch_all(s: &mut Session, set: u32, items: &FetchItems) -> Vec<blocking_imap::Fetch> {
    s.fetch(set, items).unwrap().into_vec().unwrap()
}

/// Is this queued item an `Other` holding bytes that start with `prefix`?
fn other_starting(u: &Unsolicited, prefix: &[u8]) -> bool {
    matches!(u, Unsolicited::Other { raw, .. } if raw.starts_with(prefix))
}

// ---------------------------------------------------------------------------------------
// Case
// ---------------------------------------------------------------------------------------

// Lowercase EXISTS / RECENT / EXPUNGE (the servers in the MailKit corpus `lowercase/`
// folder; Exchange / Office 365 per HaskellNet PR #116).
#[test]
fn lowercase_counters() {
    let (q, s) = noop_quirk("* 3 exists\r\n* 1 recent\r\n* 2 expunge\r\nA0003 OK\r\n");
    assert_eq!(
        q,
        [
            Unsolicited::Exists(3),
            Unsolicited::Recent(1),
            Unsolicited::Expunge(Seq(2))
        ]
    );
    assert_eq!(s.mailbox().exists(), 2);
}

// Lowercase SEARCH keyword (HaskellNet PR #116: `* search ...` from real servers).
#[test]
fn lowercase_search() {
    let got = quirk("SEARCH ALL", "* search 1 2\r\nA0003 OK\r\n", |s| {
        s.search_raw("ALL").unwrap()
    });
    assert_eq!(got, [1, 2]);
}

// Lowercase tagged status word and response code (`a001 ok`, `[uidnext ...]`: HaskellNet
// PR #116).
#[test]
fn lowercase_tagged_status() {
    let mb = quirk(
        "SELECT INBOX",
        "* 1 EXISTS\r\nA0003 ok [uidnext 5] done\r\n",
        |s| s.select("INBOX").unwrap(),
    );
    assert_eq!(mb.uid_next(), Some(5));
    assert!(mb.is_selected());
}

// A server that echoes our tag in lower case (`a0002 ok`, HaskellNet PR #116). Tags are
// matched byte for byte by the command engine, so the completion is taken for a stray
// tagged response and the command waits for a completion that never comes.
#[test]
fn lowercase_echoed_tag() {
    quirk("NOOP", "a0003 ok\r\n", |s| s.noop().unwrap());
}

// Lowercase LIST and attributes (`* list (\noselect) "/" x`, MailKit corpus `lowercase/`).
#[test]
fn lowercase_list() {
    let names = quirk(
        "LIST \"\" \"*\"",
        "* list (\\noselect \\haschildren) \"/\" x\r\nA0003 OK\r\n",
        |s| s.list("", "*").unwrap(),
    );
    assert_eq!(names.len(), 1);
    assert_eq!(names[0].name().as_str(), "x");
    assert!(!names[0].is_selectable());
    assert!(names[0].has(&NameAttribute::HasChildren));
}

// Lowercase FETCH keyword, item names and flags (lowercase-speaking servers, HaskellNet
// PR #116 `\seen`).
#[test]
fn lowercase_fetch_items() {
    let f = quirk(
        "FETCH 1 (UID FLAGS RFC822.SIZE)",
        "* 1 fetch (uid 5 flags (\\seen \\answered) rfc822.size 10)\r\nA0003 OK\r\n",
        |s| fetch_all(s, 1, &FetchItems::new().uid().flags().size()),
    );
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].uid(), Some(Uid(5)));
    assert_eq!(f[0].flags(), Some(&[Flag::Seen, Flag::Answered][..]));
    assert_eq!(f[0].size(), Some(10));
}

// Lowercase response codes inside an untagged OK (`[uidvalidity ...]`, HaskellNet PR #116).
#[test]
fn lowercase_response_codes() {
    let mb = quirk(
        "SELECT INBOX",
        "* 2 EXISTS\r\n* ok [uidvalidity 42] ok\r\n* ok [uidnext 7] next\r\n\
         * ok [permanentflags (\\seen \\*)] flags\r\nA0003 ok [read-write] done\r\n",
        |s| s.select("INBOX").unwrap(),
    );
    assert_eq!(mb.uid_validity(), Some(42));
    assert_eq!(mb.uid_next(), Some(7));
    assert_eq!(mb.permanent_flags(), [Flag::Seen, Flag::MayCreate]);
    assert!(!mb.is_read_only());
}

// ---------------------------------------------------------------------------------------
// Spaces
// ---------------------------------------------------------------------------------------

// Trailing space after SEARCH results (Yahoo: imap-proto PR #108, mxk/go-imap issue #9;
// also smtp-n.global-mail.cn, modern-email/defects issue #26).
#[test]
fn search_with_trailing_space() {
    let got = quirk("SEARCH ALL", "* SEARCH 1 2 \r\nA0003 OK\r\n", |s| {
        s.search_raw("ALL").unwrap()
    });
    assert_eq!(got, [1, 2]);
}

// Empty SEARCH with a trailing space (GreenMail: imap-proto issue #34).
#[test]
fn empty_search_with_trailing_space() {
    let got = quirk("SEARCH ALL", "* SEARCH \r\nA0003 OK\r\n", |s| {
        s.search_raw("ALL").unwrap()
    });
    assert!(got.is_empty());
}

// Two spaces after the star (`*  1843 EXISTS`).
#[test]
fn double_space_after_the_star() {
    let (q, s) = noop_quirk("*  1843 EXISTS\r\nA0003 OK\r\n");
    assert_eq!(q, [Unsolicited::Exists(1843)]);
    assert_eq!(s.mailbox().exists(), 1843);
}

// Doubled spaces between FETCH items and flags.
#[test]
fn double_spaces_inside_fetch() {
    let f = quirk(
        "FETCH 1 (UID FLAGS)",
        "* 1 FETCH (UID  5  FLAGS (\\Seen  \\Flagged)  )\r\nA0003 OK\r\n",
        |s| fetch_all(s, 1, &FetchItems::new().uid().flags()),
    );
    assert_eq!(f[0].uid(), Some(Uid(5)));
    assert_eq!(f[0].flags(), Some(&[Flag::Seen, Flag::Flagged][..]));
}

// Space before the closing parenthesis of a FETCH (Exchange; imap.qq.com in
// jakartaee/mail-api issue #209; imap.free.fr in imap-proto PR #191).
#[test]
fn space_before_closing_paren_of_fetch() {
    let f = quirk(
        "FETCH 1 (UID FLAGS)",
        "* 1 FETCH (UID 5 FLAGS (\\Seen) )\r\nA0003 OK\r\n",
        |s| fetch_all(s, 1, &FetchItems::new().uid().flags()),
    );
    assert_eq!(f[0].uid(), Some(Uid(5)));
    assert_eq!(f[0].flags(), Some(&[Flag::Seen][..]));
}

// Trailing space after a STATUS response (Outlook: imap-proto PR #152,
// modern-email/defects issue #9).
#[test]
fn status_with_trailing_space() {
    let st = quirk(
        "STATUS INBOX (MESSAGES)",
        "* STATUS INBOX (MESSAGES 0) \r\nA0003 OK\r\n",
        |s| s.status("INBOX", &[StatusItem::Messages]).unwrap(),
    );
    assert_eq!(st.messages(), Some(0));
}

// Trailing space after a CAPABILITY list (imap.exmail.qq.com: modern-email/defects
// issue #21).
#[test]
fn capability_with_trailing_space() {
    let caps = quirk(
        "CAPABILITY",
        "* CAPABILITY IMAP4rev1 IDLE \r\nA0003 OK\r\n",
        |s| s.refresh_capabilities().unwrap(),
    );
    assert!(caps.has("IDLE"));
    assert_eq!(caps.iter().count(), 2);
}

// Whitespace inside a multipart BODYSTRUCTURE before `)` (yahoo.co.jp:
// emailjs/emailjs-imap-handler PR #8).
#[test]
fn yahoo_bodystructure_with_inner_trailing_space() {
    let f = quirk(
        "FETCH 2 (BODYSTRUCTURE)",
        "* 2 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"ISO-2022-JP\") NIL NIL \"7bit\" 2515 64 NIL NIL NIL NIL)\
(\"text\" \"html\" (\"charset\" \"ISO-2022-JP\") NIL NIL \"7bit\" 7723 151 NIL NIL NIL NIL) \"alternative\" \
(\"boundary\" \"pzu8t3naw7b5therma1t\") NIL ) FLAGS (\\Seen) UID 2)\r\nA0003 OK\r\n",
        |s| fetch_all(s, 2, &FetchItems::new().body_structure()),
    );
    let b = f[0].body_structure().unwrap();
    assert_eq!(b.mime_type(), "multipart/alternative");
    assert_eq!(b.parts().len(), 2);
    assert_eq!(b.parts()[1].lines(), Some(151));
    assert_eq!(f[0].uid(), Some(Uid(2)));
}

// ---------------------------------------------------------------------------------------
// NIL and () where the grammar wants something else
// ---------------------------------------------------------------------------------------

// `FLAGS NIL` instead of `FLAGS ()`.
#[test]
fn nil_flag_list() {
    let f = quirk(
        "FETCH 1 (UID FLAGS)",
        "* 1 FETCH (FLAGS NIL UID 9)\r\nA0003 OK\r\n",
        |s| fetch_all(s, 1, &FetchItems::new().uid().flags()),
    );
    assert_eq!(f[0].flags(), Some(&[][..]));
    assert_eq!(f[0].uid(), Some(Uid(9)));
}

// `()` instead of NIL for empty address lists in ENVELOPE (mail.ru / Dovecot:
// apple/swift-nio-imap issue #821).
#[test]
fn mailru_empty_address_lists() {
    let f = quirk(
        "FETCH 1 (ENVELOPE)",
        "* 1 FETCH (ENVELOPE (\"Wed, 11 Oct 2023 02:11:04 +0000\" \"=?utf-8?B?SGk=?=\" \
((\"Tn\" NIL \"info\" \"e.geekbrains.ru\")) NIL NIL () NIL NIL \"<msg-id-1>\" \"<msg-id-2>\"))\r\nA0003 OK\r\n",
        |s| fetch_all(s, 1, &FetchItems::new().envelope()),
    );
    let env = f[0].envelope().unwrap();
    assert_eq!(
        env.from()[0].email().as_deref(),
        Some("info@e.geekbrains.ru")
    );
    assert!(env.to().is_empty() && env.sender().is_empty());
    assert_eq!(env.in_reply_to(), Some(&b"<msg-id-1>"[..]));
    assert_eq!(env.message_id(), Some(&b"<msg-id-2>"[..]));
}

// A NIL hierarchy delimiter (the SEINE server: emailjs/emailjs-imap-client PR #27;
// MailKit corpus `common/list-nil-folder-delim.txt`).
#[test]
fn nil_list_delimiter() {
    let names = quirk(
        "LIST \"\" \"*\"",
        "* LIST (\\NoInferiors) NIL \"INBOX\"\r\n* LIST (\\NoInferiors \\UnMarked) \"/\" \"Sent Messages\"\r\nA0003 OK\r\n",
        |s| s.list("", "*").unwrap(),
    );
    assert_eq!(names[0].delimiter(), None);
    assert!(names[0].name().is_inbox());
    assert_eq!(names[1].delimiter(), Some('/'));
    assert_eq!(names[1].name().as_str(), "Sent Messages");
}

// NIL for the parameter list of a body part, and NIL disposition parameters
// (`("attachment" NIL)`, Exchange: MailKit issue #953, javaee/javamail issue #278).
#[test]
fn exchange_nil_params_and_disposition_params() {
    let f = quirk(
        "FETCH 1 (BODYSTRUCTURE)",
        "* 1 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" NIL NIL NIL \"7bit\" 10 1 NIL NIL NIL NIL)\
(\"application\" \"pdf\" (\"name\" \"a.pdf\") NIL NIL \"base64\" 300 NIL (\"attachment\" NIL) NIL NIL) \
\"mixed\" (\"boundary\" \"b\") NIL (\"inline\" NIL) NIL NIL))\r\nA0003 OK\r\n",
        |s| fetch_all(s, 1, &FetchItems::new().body_structure()),
    );
    let b = f[0].body_structure().unwrap();
    assert!(b.parts()[0].params().is_empty());
    let pdf = &b.parts()[1];
    assert_eq!(pdf.disposition().unwrap().kind(), "attachment");
    assert!(pdf.disposition().unwrap().params().is_empty());
    assert_eq!(pdf.filename().as_deref(), Some("a.pdf"));
}

// A bare string for the disposition (`NIL "inline" NIL NIL`), Exchange: MailKit issue #919.
#[test]
fn exchange_bare_disposition_string() {
    let f = quirk(
        "FETCH 37 (BODYSTRUCTURE)",
        "* 37 FETCH (UID 67 BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"ISO-8859-1\") NIL NIL \"QUOTED-PRINTABLE\" 850 31 NIL \"inline\" NIL NIL)\
(\"text\" \"html\" (\"charset\" \"ISO-8859-1\") NIL NIL \"QUOTED-PRINTABLE\" 14692 502 NIL \"inline\" NIL NIL) \"alternative\" \
(\"boundary\" \"----=_Part_45\") NIL NIL))\r\nA0003 OK\r\n",
        |s| fetch_all(s, 37, &FetchItems::new().body_structure()),
    );
    let b = f[0].body_structure().unwrap();
    assert_eq!(b.parts()[0].disposition().unwrap().kind(), "inline");
    assert_eq!(
        b.parts()[1].encoding(),
        Some(&TransferEncoding::QuotedPrintable)
    );
    assert_eq!(b.parts()[1].lines(), Some(502));
}

// ---------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------

// `-1` as a body size and line count (javaee/javamail issue #282: `"7BIT" -1`).
#[test]
fn negative_sizes_and_line_counts() {
    let f = quirk(
        "FETCH 1 (BODYSTRUCTURE)",
        "* 1 FETCH (BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" -1 -1 NIL NIL NIL))\r\nA0003 OK\r\n",
        |s| fetch_all(s, 1, &FetchItems::new().body_structure()),
    );
    let b = f[0].body_structure().unwrap();
    assert_eq!(b.mime_type(), "text/plain");
    assert_eq!((b.size(), b.lines()), (None, None));
}

// Sizes written as floats (`9.3736e+06`, mail.ru: MailKit issues #1838 and #1840).
#[test]
fn mailru_float_sizes() {
    let f = quirk(
        "FETCH 1 (BODYSTRUCTURE)",
        "* 1 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"base64\" 1024 13 NIL NIL NIL NIL)\
(\"application\" \"zip\" (\"name\" \"a.zip\") NIL NIL \"base64\" 9.3736e+06 NIL (\"attachment\" (\"filename\" \"a.zip\")) NIL NIL) \
\"mixed\" (\"boundary\" \"x\") NIL NIL NIL))\r\nA0003 OK\r\n",
        |s| fetch_all(s, 1, &FetchItems::new().body_structure()),
    );
    let b = f[0].body_structure().unwrap();
    assert_eq!(b.parts()[0].size(), Some(1024));
    assert_eq!(b.parts()[1].size(), None, "not a number: unknown");
    assert_eq!(b.parts()[1].filename().as_deref(), Some("a.zip"));
}

// 64-bit HIGHESTMODSEQ at its maximum.
#[test]
fn highestmodseq_at_u64_max() {
    let mb = quirk(
        "SELECT INBOX",
        "* 1 EXISTS\r\n* OK [HIGHESTMODSEQ 18446744073709551615] Highest\r\nA0003 OK [READ-WRITE] ok\r\n",
        |s| s.select("INBOX").unwrap(),
    );
    assert_eq!(mb.highest_modseq(), Some(u64::MAX));
}

// A MODSEQ beyond 2^53 (Gmail-sized mod-sequences; `MODSEQ (90060115205545359)`).
#[test]
fn large_fetch_modseq() {
    let f = quirk(
        "FETCH 1 (UID MODSEQ)",
        "* 1 FETCH (UID 1 MODSEQ (90060115205545359))\r\nA0003 OK\r\n",
        |s| fetch_all(s, 1, &FetchItems::new().uid().modseq()),
    );
    assert_eq!(f[0].modseq(), Some(90060115205545359));
}

// A 64-bit QUOTA limit, unsolicited: typed (RFC 9208 numbers are 63-bit, u64 here), the
// NOOP completes.
#[test]
fn sixty_four_bit_quota_is_kept_whole() {
    let (q, _) = noop_quirk("* QUOTA \"\" (STORAGE 10 18446744073709551615)\r\nA0003 OK\r\n");
    match &q[..] {
        [Unsolicited::Quota(quota)] => {
            assert_eq!(quota.root(), b"");
            assert_eq!(quota.resources()[0].usage(), 10);
            assert_eq!(quota.resources()[0].limit(), u64::MAX);
        }
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// Mailbox names
// ---------------------------------------------------------------------------------------

// An unquoted name holding `[` and `]` (Gmail-like `[Gmail]` names sent as atoms).
#[test]
fn list_name_with_brackets() {
    let names = quirk(
        "LIST \"\" \"*\"",
        "* LIST () \"/\" Foo[bar]\r\n* LIST () \"/\" [Gmail]/Sent\r\nA0003 OK\r\n",
        |s| s.list("", "*").unwrap(),
    );
    assert_eq!(names[0].name().as_str(), "Foo[bar]");
    assert_eq!(names[1].name().as_str(), "[Gmail]/Sent");
}

// Unquoted names with a lone `]`, a `%`, a `*`, raw 8-bit bytes (servers that send UTF-8
// names instead of modified UTF-7) and a leading `~` (Cyrus / Dovecot other-users names).
#[test]
fn list_names_with_odd_bytes() {
    let names = quirk(
        "LIST \"\" \"*\"",
        "* LIST () \"/\" a]b\r\n* LIST () \"/\" 100%*\r\n* LIST () \"/\" Caf\u{e9}\r\n\
         * LIST () \".\" ~alice.INBOX\r\n* LIST () \"/\" \"x\"\r\nA0003 OK\r\n",
        |s| s.list("", "*").unwrap(),
    );
    let got: Vec<_> = names
        .iter()
        .map(|n| n.name().as_str().to_string())
        .collect();
    assert_eq!(got, ["a]b", "100%*", "Café", "~alice.INBOX", "x"]);
}

// ---------------------------------------------------------------------------------------
// Response codes and status responses
// ---------------------------------------------------------------------------------------

// COPYUID with empty or malformed sets: the code is kept as an unknown one, COPY succeeds
// without a COPYUID result.
#[test]
fn copyuid_with_broken_sets() {
    let got = quirk(
        "UID COPY 1:3 Dest",
        "A0003 OK [COPYUID 1  ] Copied\r\n",
        |s| s.uid_copy(1..=3, "Dest").unwrap(),
    );
    assert_eq!(got, None);
    let got = quirk(
        "UID COPY 1:3 Dest",
        "A0003 OK [COPYUID 9 1:x 5:7] Copied\r\n",
        |s| s.uid_copy(1..=3, "Dest").unwrap(),
    );
    assert_eq!(got, None);
}

// A response code without a status word: `* [ALERT] text` (servers that send "nothing
// except the code": apple/swift-nio-imap PR #550). We read it as an untagged OK, so the
// alert still reaches the caller.
#[test]
fn code_without_status_word() {
    let (q, _) = noop_quirk("* [ALERT] Mailbox almost full\r\nA0003 OK\r\n");
    match &q[..] {
        [Unsolicited::Status { kind, text }] => {
            assert_eq!(*kind, StatusKind::Ok);
            assert_eq!(text.code, Some(ResponseCode::Alert));
            assert_eq!(text.text, "Mailbox almost full");
        }
        other => panic!("{other:?}"),
    }
}

// Untagged OK / NO / BAD with codes nobody registered.
#[test]
fn unknown_response_codes() {
    let (q, _) = noop_quirk(
        "* OK [X-UNKNOWN foo bar] hello\r\n* NO [XYZ] warn\r\n* BAD [X-MORE (1 2)] hmm\r\nA0003 OK\r\n",
    );
    assert_eq!(q.len(), 3, "{q:?}");
    let codes: Vec<_> = q
        .iter()
        .map(|u| match u {
            Unsolicited::Status { text, .. } => text.code.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        codes[0],
        Some(ResponseCode::Other {
            name: "X-UNKNOWN".into(),
            args: Some("foo bar".into())
        })
    );
    assert_eq!(codes[1].as_ref().map(ResponseCode::name), Some("XYZ"));
    assert_eq!(codes[2].as_ref().map(ResponseCode::name), Some("X-MORE"));
}

// `* OK` with no text at all.
#[test]
fn untagged_ok_without_text() {
    let (q, _) = noop_quirk("* OK\r\n* OK \r\nA0003 OK\r\n");
    assert_eq!(q.len(), 2);
    for u in &q {
        match u {
            Unsolicited::Status { kind, text } => {
                assert_eq!(*kind, StatusKind::Ok);
                assert_eq!((text.code.as_ref(), text.text.as_str()), (None, ""));
            }
            other => panic!("{other:?}"),
        }
    }
}

// A tagged completion with no text (`A6 OK`, ppops.net: mscdex/node-imap issue #537).
#[test]
fn tagged_completion_without_text() {
    let got = quirk("UID COPY 1 Dest", "A0003 OK\r\n", |s| {
        s.uid_copy(1, "Dest").unwrap()
    });
    assert_eq!(got, None);
}

// Progress reports in the middle of a SEARCH (Dovecot `* OK Searched 91% of the mailbox,
// ETA 0:01`: jonhoo/rust-imap PR #179).
#[test]
fn dovecot_progress_during_search() {
    let (script, mut s) = session_with(
        CAPS,
        vec![
            c("A0003 SEARCH UNSEEN\r\n"),
            s("* OK Searched 91% of the mailbox, ETA 0:01\r\n* SEARCH 4 9\r\nA0003 OK done\r\n"),
            c("A0004 NOOP\r\n"),
            s("A0004 OK\r\n"),
        ],
    );
    let got = s.search(&Search::all().unseen()).unwrap();
    assert_eq!(got, [Seq(4), Seq(9)]);
    let q: Vec<_> = s.unsolicited().collect();
    assert!(
        matches!(&q[..], [Unsolicited::Status { text, .. }] if text.text.starts_with("Searched 91%")),
        "{q:?}"
    );
    s.noop().unwrap();
    script.assert_done();
}

// A status text with invalid UTF-8 and a NUL byte: shown lossily, nothing lost.
#[test]
fn status_text_with_invalid_utf8_and_nul() {
    let (script, mut s) = session_with(
        CAPS,
        vec![
            c("A0003 NOOP\r\n"),
            Step::S(b"* OK [ALERT] Caf\xe9 \x00 closing\r\nA0003 OK \xff\xfe\r\n".to_vec()),
            c("A0004 NOOP\r\n"),
            s("A0004 OK\r\n"),
        ],
    );
    s.noop().unwrap();
    let q: Vec<_> = s.unsolicited().collect();
    match &q[..] {
        [Unsolicited::Status { text, .. }] => {
            assert_eq!(text.code, Some(ResponseCode::Alert));
            assert_eq!(text.text, "Caf\u{fffd} \u{0} closing");
        }
        other => panic!("{other:?}"),
    }
    s.noop().unwrap();
    script.assert_done();
}

// A NO completion whose text is not UTF-8 still carries its code.
#[test]
fn no_completion_with_latin1_text() {
    let (script, mut s) = session_with(
        CAPS,
        vec![
            c("A0003 SELECT Foo\r\n"),
            Step::S(b"A0003 NO [NONEXISTENT] Dossier inexistant: \xe9t\xe9\r\n".to_vec()),
            c("A0004 NOOP\r\n"),
            s("A0004 OK\r\n"),
        ],
    );
    match s.select("Foo") {
        Err(e @ Error::No(_)) => {
            assert_eq!(
                e.response_code().map(ResponseCode::name),
                Some("NONEXISTENT")
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(!s.mailbox().is_selected());
    s.noop().unwrap();
    script.assert_done();
}

// ---------------------------------------------------------------------------------------
// Responses nobody asked for, in the middle of a command
// ---------------------------------------------------------------------------------------

// A FETCH for a message outside the requested set (ProtonMail Bridge:
// getmail6/getmail6 PR #93).
#[test]
fn fetch_for_a_message_not_asked_for() {
    let (script, mut s) = session_with(
        CAPS,
        vec![
            c("A0003 FETCH 1:2 (UID RFC822.SIZE)\r\n"),
            s("* 1 FETCH (UID 1 RFC822.SIZE 8938)\r\n* 51868 FETCH (FLAGS (NonJunk) UID 51958)\r\n"),
            s("* 2 FETCH (UID 2 RFC822.SIZE 15500)\r\nA0003 OK FETCH completed\r\n"),
            c("A0004 NOOP\r\n"),
            s("A0004 OK\r\n"),
        ],
    );
    let got = s
        .fetch(1..=2, &FetchItems::new().uid().size())
        .unwrap()
        .into_vec()
        .unwrap();
    assert_eq!(
        got.iter().map(|f| f.uid().unwrap()).collect::<Vec<_>>(),
        [Uid(1), Uid(2)]
    );
    let q: Vec<_> = s.unsolicited().collect();
    match &q[..] {
        [Unsolicited::Fetch(f)] => {
            assert_eq!((f.seq(), f.uid()), (Seq(51868), Some(Uid(51958))));
            assert_eq!(f.flags(), Some(&[Flag::Keyword("NonJunk".into())][..]));
        }
        other => panic!("{other:?}"),
    }
    s.noop().unwrap();
    script.assert_done();
}

// A UID FETCH response without the UID (Zoho: OfflineIMAP issue #93, "can't find UID").
// It cannot be matched to the request, so it is routed as unsolicited, not lost.
#[test]
fn zoho_uid_fetch_response_without_uid() {
    let (script, mut s) = session_with(
        CAPS,
        vec![
            c("A0003 UID FETCH 5 (UID FLAGS)\r\n"),
            s("* 3 FETCH (FLAGS (\\Seen))\r\nA0003 OK\r\n"),
            c("A0004 NOOP\r\n"),
            s("A0004 OK\r\n"),
        ],
    );
    let got = s
        .uid_fetch(5, &FetchItems::new().flags())
        .unwrap()
        .into_vec()
        .unwrap();
    assert!(got.is_empty(), "{got:?}");
    let q: Vec<_> = s.unsolicited().collect();
    assert!(
        matches!(&q[..], [Unsolicited::Fetch(f)] if f.seq() == Seq(3)),
        "{q:?}"
    );
    s.noop().unwrap();
    script.assert_done();
}

// Two FETCH responses for one message in a row are merged into one result.
#[test]
fn duplicate_fetch_responses_for_one_message() {
    let f = quirk(
        "FETCH 1:2 (UID FLAGS)",
        "* 1 FETCH (UID 7 FLAGS (\\Seen))\r\n* 1 FETCH (UID 7 FLAGS (\\Seen \\Flagged))\r\n\
         * 2 FETCH (UID 8 FLAGS ())\r\nA0003 OK\r\n",
        |s| {
            s.fetch(1..=2, &FetchItems::new().uid().flags())
                .unwrap()
                .into_vec()
                .unwrap()
        },
    );
    assert_eq!(f.len(), 2, "{f:?}");
    assert_eq!(f[0].flags(), Some(&[Flag::Seen, Flag::Flagged][..]));
    assert_eq!(f[1].uid(), Some(Uid(8)));
}

// EXPUNGE in the middle of a FETCH (Gmail; MailKit corpus `gmail/expunge-during-fetch.txt`).
#[test]
fn expunge_during_fetch() {
    let (script, mut s) = session_with(
        CAPS,
        vec![
            c("A0003 SELECT INBOX\r\n"),
            s("* 3 EXISTS\r\nA0003 OK [READ-WRITE] ok\r\n"),
            c("A0004 FETCH 1:3 (UID)\r\n"),
            s("* 1 FETCH (UID 1)\r\n* 2 EXPUNGE\r\n* 2 FETCH (UID 3)\r\nA0004 OK\r\n"),
            c("A0005 NOOP\r\n"),
            s("A0005 OK\r\n"),
        ],
    );
    s.select("INBOX").unwrap();
    let got = s
        .fetch(1..=3, &FetchItems::new().uid())
        .unwrap()
        .into_vec()
        .unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].uid(), Some(Uid(3)));
    assert_eq!(s.mailbox().exists(), 2);
    let q: Vec<_> = s.unsolicited().collect();
    assert_eq!(q, [Unsolicited::Expunge(Seq(2))]);
    s.noop().unwrap();
    script.assert_done();
}

// CAPABILITY sent unsolicited in the middle of a FETCH (servers announce new capabilities
// after ENABLE or a background upgrade).
#[test]
fn unsolicited_capability_mid_command() {
    let (script, mut s) = session_with(
        CAPS,
        vec![
            c("A0003 FETCH 1 (UID)\r\n"),
            s("* CAPABILITY IMAP4rev1 IDLE QRESYNC\r\n* 1 FETCH (UID 4)\r\nA0003 OK\r\n"),
            c("A0004 NOOP\r\n"),
            s("A0004 OK\r\n"),
        ],
    );
    let got = fetch_all(&mut s, 1, &FetchItems::new().uid());
    assert_eq!(got[0].uid(), Some(Uid(4)));
    assert!(
        s.capabilities().unwrap().has("QRESYNC"),
        "the new list is in force"
    );
    let q: Vec<_> = s.unsolicited().collect();
    assert!(
        matches!(&q[..], [Unsolicited::Capability(c)] if c.has("IDLE")),
        "{q:?}"
    );
    s.noop().unwrap();
    script.assert_done();
}

// ---------------------------------------------------------------------------------------
// Server families
// ---------------------------------------------------------------------------------------

// The Exchange greeting: text first, then something in brackets that is no response code
// (MailKit corpus `exchange/greeting.txt`; MailKit issue #1446).
#[test]
fn exchange_greeting() {
    let script = Script::new(vec![
        s("* OK The Microsoft Exchange IMAP4 service is ready. [TQBOADIAUABSADEANgBDAEEAMAAwADYAMwA=]\r\n"),
        c("A0001 CAPABILITY\r\n"),
        s("* CAPABILITY IMAP4 IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 SASL-IR UIDPLUS ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+\r\n"),
        s("A0001 OK CAPABILITY completed.\r\n"),
        c("A0002 NOOP\r\n"),
        s("A0002 OK NOOP completed.\r\n"),
    ]);
    let mut client = client(&script);
    assert_eq!(client.greeting().code, None);
    assert!(client
        .greeting()
        .text
        .starts_with("The Microsoft Exchange IMAP4 service is ready. [TQB"));
    assert!(client.capabilities().unwrap().has_auth("XOAUTH2"));
    client.noop().unwrap();
    script.assert_done();
}

// Exchange / Office 365: items after the body literal (`BODY[] {n} ... UID 12 FLAGS
// (\Seen))`, HaskellNet issue #15).
#[test]
fn exchange_items_after_the_body_literal() {
    let f = quirk(
        "FETCH 12 (BODY.PEEK[])",
        "* 12 FETCH (BODY[] {14}\r\nSubject: x\r\n\r\n UID 12 FLAGS (\\Seen))\r\nA0003 OK FETCH completed.\r\n",
        |s| fetch_all(s, 12, &FetchItems::new().body_peek(Section::Full)),
    );
    assert_eq!(f[0].body(), Some(&b"Subject: x\r\n\r\n"[..]));
    assert_eq!(f[0].uid(), Some(Uid(12)));
    assert_eq!(f[0].flags(), Some(&[Flag::Seen][..]));
}

// Gmail labels: quoted, with doubled backslashes, with escaped quotes, as atoms, and a NIL
// (node-imap issue #187; apple/swift-nio-imap PR #686), plus 64-bit X-GM-MSGID / THRID.
#[test]
fn gmail_labels_and_ids() {
    let f = quirk(
        "FETCH 1 (X-GM-LABELS X-GM-MSGID X-GM-THRID)",
        "* 1 FETCH (X-GM-THRID 1382927258807439521 X-GM-MSGID 18446744073709551615 \
X-GM-LABELS (\"\\\\Inbox\" \"\\\\Important\" \"Say \\\"hi\\\"\" Work NIL \\Sent) UID 1)\r\nA0003 OK Success\r\n",
        |s| {
            fetch_all(
                s,
                1,
                &FetchItems::new()
                    .raw("X-GM-LABELS")
                    .raw("X-GM-MSGID")
                    .raw("X-GM-THRID"),
            )
        },
    );
    assert_eq!(f[0].gmail_msgid(), Some(u64::MAX));
    assert_eq!(f[0].gmail_thrid(), Some(1382927258807439521));
    let labels: Vec<&str> = f[0]
        .gmail_labels()
        .unwrap()
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(
        labels,
        ["\\Inbox", "\\Important", "Say \"hi\"", "Work", "\\Sent"]
    );
}

// Zoho sends `\*` in FLAGS, where only PERMANENTFLAGS may have it (imap-proto PR #91;
// chatmail/core issue #1834).
#[test]
fn zoho_may_create_in_flags() {
    let mb = quirk(
        "SELECT INBOX",
        "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)\r\n* 4 EXISTS\r\n\
         A0003 OK [READ-WRITE] SELECT completed\r\n",
        |s| s.select("INBOX").unwrap(),
    );
    assert_eq!(mb.flags().len(), 6);
    assert!(mb.flags().contains(&Flag::MayCreate));
    assert_eq!(mb.exists(), 4);
}

// Courier lists `\Recent` among the mailbox's FLAGS.
#[test]
fn courier_recent_in_flags() {
    let mb = quirk(
        "SELECT INBOX",
        "* FLAGS (\\Draft \\Answered \\Flagged \\Deleted \\Seen \\Recent)\r\n\
         * OK [PERMANENTFLAGS (\\Draft \\Answered \\Flagged \\Deleted \\Seen)] Limited\r\n\
         * 0 EXISTS\r\n* 0 RECENT\r\nA0003 OK [READ-WRITE] Ok\r\n",
        |s| s.select("INBOX").unwrap(),
    );
    assert!(mb.flags().contains(&Flag::Recent));
    assert_eq!(mb.permanent_flags().len(), 5);
}

// Dovecot (QRESYNC) sends `* OK [CLOSED]` with no text when SELECT replaces a mailbox, and
// `* OK [HIGHESTMODSEQ 5]` with no text.
#[test]
fn dovecot_closed_and_bare_codes() {
    let (script, mut s) = session_with(
        CAPS,
        vec![
            c("A0003 SELECT INBOX\r\n"),
            s("* 1 EXISTS\r\nA0003 OK [READ-WRITE] ok\r\n"),
            c("A0004 SELECT Other\r\n"),
            s("* OK [CLOSED]\r\n* 2 EXISTS\r\n* OK [HIGHESTMODSEQ 5]\r\n* OK [UIDVALIDITY 9]\r\nA0004 OK [READ-WRITE] ok\r\n"),
            c("A0005 NOOP\r\n"),
            s("A0005 OK\r\n"),
        ],
    );
    s.select("INBOX").unwrap();
    let mb = s.select("Other").unwrap();
    assert_eq!(mb.highest_modseq(), Some(5));
    assert_eq!(mb.uid_validity(), Some(9));
    assert_eq!(mb.exists(), 2);
    assert_eq!(mb.name().map(|n| n.as_str()), Some("Other"));
    s.noop().unwrap();
    script.assert_done();
}

// AOL: unknown FETCH items whose values are lists holding literals (MailKit corpus
// `dovecot/fetch1.txt`, recorded from an AOL-like server).
#[test]
fn aol_unknown_items_with_literals() {
    let f = quirk(
        "FETCH 1 (UID FLAGS)",
        "* 1 FETCH (UID 1 FLAGS (\\Seen) XAOL.SPAM.REASON 0 XAOL-PAREN-LIST (P1 V1 P2 {2}\r\nV2 P3 (S1 S2)))\r\nA0003 OK\r\n",
        |s| fetch_all(s, 1, &FetchItems::new().uid().flags()),
    );
    assert_eq!(f[0].uid(), Some(Uid(1)));
    assert_eq!(f[0].flags(), Some(&[Flag::Seen][..]));
}

// A description holding unescaped quotes (`""""`, qiye.163.com: emersion/go-imap issue
// #659). The structure parses with shifted fields; nothing else is lost.
#[test]
fn unescaped_quotes_in_bodystructure() {
    let f = quirk(
        "FETCH 150 (UID BODYSTRUCTURE)",
        "* 150 FETCH (UID 1733220355 BODY ((\"text\" \"html\" (\"charset\" \"UTF-8\") NIL NIL \"quoted-printable\" 1224 16)\
(\"application\" \"octet-stream\" (\"name\" \"2154973550.pdf\") NIL \"\"\"\" \"base64\" 65322) \"MIXED\") FLAGS (\\Seen))\r\nA0003 OK\r\n",
        |s| fetch_all(s, 150, &FetchItems::new().uid().body_structure()),
    );
    assert_eq!(f[0].uid(), Some(Uid(1733220355)));
    assert_eq!(f[0].flags(), Some(&[Flag::Seen][..]));
    let b = f[0].body_structure().unwrap();
    assert_eq!(b.parts().len(), 2);
    assert_eq!(b.parts()[1].param("name"), Some("2154973550.pdf"));
}

// ---------------------------------------------------------------------------------------
// Strings, literals, dates
// ---------------------------------------------------------------------------------------

// `+` with no text before a synchronising literal (Yahoo sends `+ ` with nothing after it:
// MailKit issue #358; `+` alone from others).
#[test]
fn bare_continuation() {
    let (script, mut s) = session_with(
        "IMAP4rev1 UIDPLUS",
        vec![
            c("A0003 APPEND INBOX {5}\r\n"),
            s("+\r\n"),
            c("hello\r\n"),
            s("A0003 OK [APPENDUID 7 3] done\r\n"),
            c("A0004 APPEND INBOX {3}\r\n"),
            s("+ \r\n"),
            c("bye\r\n"),
            s("A0004 OK\r\n"),
            c("A0005 NOOP\r\n"),
            s("A0005 OK\r\n"),
        ],
    );
    let uid = s.append("INBOX", b"hello").unwrap().unwrap();
    assert_eq!((uid.uid_validity, uid.uids.to_string()), (7, "3".into()));
    assert_eq!(s.append("INBOX", b"bye").unwrap(), None);
    s.noop().unwrap();
    script.assert_done();
}

// An empty literal `{0}`.
#[test]
fn empty_literal() {
    let f = quirk(
        "FETCH 1 (BODY.PEEK[])",
        "* 1 FETCH (BODY[] {0}\r\n UID 3)\r\nA0003 OK\r\n",
        |s| fetch_all(s, 1, &FetchItems::new().body_peek(Section::Full)),
    );
    assert_eq!(f[0].body(), Some(&b""[..]));
    assert_eq!(f[0].uid(), Some(Uid(3)));
}

// A literal8 `~{n}` in FETCH BINARY (RFC 3516), holding NUL and CRLF bytes.
#[test]
fn literal8_in_fetch_binary() {
    let (script, mut s) = session_with(
        CAPS,
        vec![
            c("A0003 FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1])\r\n"),
            Step::S(
                b"* 1 FETCH (BINARY[1] ~{6}\r\n\x00\x01\r\n\xff) BINARY.SIZE[1] 6)\r\nA0003 OK\r\n"
                    .to_vec(),
            ),
            c("A0004 NOOP\r\n"),
            s("A0004 OK\r\n"),
        ],
    );
    let f = fetch_all(
        &mut s,
        1,
        &FetchItems::new()
            .raw("BINARY.PEEK[1]")
            .raw("BINARY.SIZE[1]"),
    );
    assert_eq!(f[0].binary(&[1]), Some(&b"\x00\x01\r\n\xff)"[..]));
    assert_eq!(f[0].binary_size(&[1]), Some(6));
    s.noop().unwrap();
    script.assert_done();
}

// INTERNALDATE with a space-padded and an unpadded single-digit day (MailKit issue #486
// shows `" 6-Apr-2017 ..."`).
#[test]
fn internaldate_single_digit_day() {
    let f = quirk(
        "FETCH 1:2 (INTERNALDATE)",
        "* 1 FETCH (INTERNALDATE \" 6-Apr-2017 10:50:20 +0200\")\r\n\
         * 2 FETCH (INTERNALDATE \"6-Apr-2017 10:59:05 +0200\")\r\nA0003 OK\r\n",
        |s| {
            s.fetch(1..=2, &FetchItems::new().internal_date())
                .unwrap()
                .into_vec()
                .unwrap()
        },
    );
    assert_eq!(f[0].internal_date_raw(), Some(" 6-Apr-2017 10:50:20 +0200"));
    assert_eq!(f[1].internal_date_raw(), Some("6-Apr-2017 10:59:05 +0200"));
}

// Escaped quotes and backslashes inside ENVELOPE strings.
#[test]
fn escaped_quotes_in_envelope() {
    let f = quirk(
        "FETCH 1 (ENVELOPE)",
        "* 1 FETCH (ENVELOPE (NIL \"Re: \\\"quoted\\\" \\\\o/\" ((\"O\\\"Brien, \\\\Pat\" NIL \"pat\" \"x.ie\")) NIL NIL NIL NIL NIL NIL NIL))\r\nA0003 OK\r\n",
        |s| fetch_all(s, 1, &FetchItems::new().envelope()),
    );
    let env = f[0].envelope().unwrap();
    assert_eq!(env.subject_raw(), Some(&b"Re: \"quoted\" \\o/"[..]));
    assert_eq!(env.from()[0].name_raw(), Some(&b"O\"Brien, \\Pat"[..]));
}

// BODYSTRUCTURE with extension data no RFC defines after the location.
#[test]
fn bodystructure_with_unknown_extension_data() {
    let f = quirk(
        "FETCH 1 (BODYSTRUCTURE)",
        "* 1 FETCH (BODYSTRUCTURE (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 3 1 NIL NIL (\"en\" \"de\") \"loc\" \
(X-EXT 1 (\"a\" {1}\r\nb)) \"more\" 7) UID 2)\r\nA0003 OK\r\n",
        |s| fetch_all(s, 1, &FetchItems::new().body_structure()),
    );
    let b = f[0].body_structure().unwrap();
    assert_eq!(b.charset(), Some("us-ascii"));
    assert_eq!(b.language(), ["en", "de"]);
    assert_eq!(b.location(), Some("loc"));
    assert_eq!(f[0].uid(), Some(Uid(2)));
}

// ---------------------------------------------------------------------------------------
// Broken beyond repair: one frame lost, nothing else
// ---------------------------------------------------------------------------------------

// An untagged response that is garbage is kept whole and the NOOP still completes.
#[test]
fn garbage_untagged_response_costs_one_frame() {
    let (q, s) = noop_quirk("* 1 EXISTS\r\n* ))) what\r\n* 2 EXISTS\r\nA0003 OK\r\n");
    assert_eq!(q.len(), 3, "{q:?}");
    assert_eq!(q[0], Unsolicited::Exists(1));
    assert!(other_starting(&q[1], b"* ))) what"), "{q:?}");
    assert_eq!(q[2], Unsolicited::Exists(2));
    assert_eq!(s.mailbox().exists(), 2);
}

// A FETCH that cannot be parsed is an error for that message only.
#[test]
fn broken_fetch_is_a_per_message_error() {
    let results = quirk(
        "FETCH 1:3 (UID ENVELOPE)",
        "* 1 FETCH (UID 1)\r\n* 2 FETCH (UID 2 ENVELOPE (\"d\" \"s\" ((NIL NIL \"a\" \"b\") NIL))\r\n\
         * 3 FETCH (UID 3)\r\nA0003 OK\r\n",
        |s| {
            s.fetch(1..=3, &FetchItems::new().uid().envelope())
                .unwrap()
                .collect::<Vec<_>>()
        },
    );
    assert_eq!(results.len(), 3, "{results:?}");
    assert!(
        matches!(results[1], Err(Error::Parse { .. })),
        "{results:?}"
    );
    assert_eq!(results[2].as_ref().unwrap().uid(), Some(Uid(3)));
}

// An unquoted STATUS name holding brackets (Gmail-style `[Gmail]/Spam` sent as an atom):
// the response must still be matched to the mailbox asked for.
#[test]
fn status_name_with_brackets() {
    let st = quirk(
        "STATUS \"[Gmail]/Spam\" (MESSAGES UNSEEN)",
        "* STATUS [Gmail]/Spam (MESSAGES 0 UNSEEN 0)\r\nA0003 OK Success\r\n",
        |s| {
            s.status("[Gmail]/Spam", &[StatusItem::Messages, StatusItem::Unseen])
                .unwrap()
        },
    );
    assert_eq!((st.messages(), st.unseen()), (Some(0), Some(0)));
}

// `FETCH(` with no space before the list (sloppy servers).
#[test]
fn fetch_without_space_before_the_list() {
    let f = quirk("FETCH 4 (UID)", "* 4 FETCH(UID 40)\r\nA0003 OK\r\n", |s| {
        fetch_all(s, 4, &FetchItems::new().uid())
    });
    assert_eq!(f[0].uid(), Some(Uid(40)));
}

// ---------------------------------------------------------------------------------------
// One odd item costs that item, never the message (issue 11)
// ---------------------------------------------------------------------------------------

/// The names of a message's unparsed items.
fn unparsed_names(f: &blocking_imap::Fetch) -> Vec<&str> {
    f.unparsed().iter().map(|u| u.name()).collect()
}

// An envelope wrapped in one pair of parentheses too many, as one enterprise server sends
// it (`ENVELOPE ((...))`): read from inside them; the UID and FLAGS are kept either way.
#[test]
fn envelope_in_parentheses_too_many() {
    let f = quirk(
        "FETCH 1 (UID FLAGS ENVELOPE)",
        "* 1 FETCH (UID 5 FLAGS (\\Seen) ENVELOPE ((\"Tue, 1 Mar 2022 10:00:00 +0000\" \"Report\" \
((\"Ann\" NIL \"ann\" \"example.com\")) NIL NIL ((NIL NIL \"bob\" \"example.com\")) NIL NIL NIL \
\"<1@example.com>\")))\r\nA0003 OK\r\n",
        |s| fetch_all(s, 1, &FetchItems::new().uid().flags().envelope()),
    );
    assert_eq!(
        (f[0].uid(), f[0].flags()),
        (Some(Uid(5)), Some(&[Flag::Seen][..]))
    );
    let env = f[0]
        .envelope()
        .expect("envelope read from inside the extra parentheses");
    assert_eq!(env.subject_raw(), Some(&b"Report"[..]));
    assert_eq!(env.to()[0].mailbox(), Some(&b"bob"[..]));
    assert!(f[0].unparsed().is_empty());
}

// Numbers outside the grammar: a signed MODSEQ (`MODSEQ (-1)`, treated as absent), a
// fractional UID, a number larger than its type. Each costs only itself.
#[test]
fn numbers_outside_the_grammar_cost_only_their_item() {
    let f = quirk(
        "FETCH 1:3 (UID FLAGS MODSEQ)",
        "* 1 FETCH (UID 11 MODSEQ (-1) FLAGS (\\Seen))\r\n\
         * 2 FETCH (UID 12.5 MODSEQ (7) FLAGS ())\r\n\
         * 3 FETCH (UID 4294967296 MODSEQ (99999999999999999999) FLAGS (\\Flagged))\r\nA0003 OK\r\n",
        |s| {
            s.fetch(1..=3, &FetchItems::new().uid().flags().modseq())
                .unwrap()
                .into_vec()
                .unwrap()
        },
    );
    assert_eq!(f.len(), 3, "no message lost");
    assert_eq!((f[0].uid(), f[0].modseq()), (Some(Uid(11)), None));
    assert_eq!(unparsed_names(&f[0]), ["MODSEQ"]);
    assert_eq!((f[1].uid(), f[1].modseq()), (None, Some(7)));
    assert_eq!(unparsed_names(&f[1]), ["UID"]);
    assert_eq!(f[1].unparsed()[0].raw(), b"UID 12.5");
    assert_eq!((f[2].uid(), f[2].modseq()), (None, None));
    assert_eq!(f[2].flags(), Some(&[Flag::Flagged][..]));
    assert_eq!(unparsed_names(&f[2]), ["UID", "MODSEQ"]);
}

// A value missing altogether right before the closing paren (`BODY[2] )`): an empty
// section, listed as unparsed; the message keeps its UID.
#[test]
fn a_section_with_no_value() {
    let f = quirk(
        "FETCH 1 (UID BODY.PEEK[2])",
        "* 1 FETCH (UID 3 BODY[2] )\r\nA0003 OK\r\n",
        |s| {
            fetch_all(
                s,
                1,
                &FetchItems::new().uid().body_peek(Section::Part(vec![2])),
            )
        },
    );
    assert_eq!(
        (f[0].uid(), f[0].part(&[2])),
        (Some(Uid(3)), Some(&b""[..]))
    );
    assert_eq!(unparsed_names(&f[0]), ["BODY"]);
}

// `NIL` where a list is required, a list where a string is required: the item is skipped
// (or read from a one-string list), the rest of the message is kept.
#[test]
fn nil_for_a_list_and_a_list_for_a_string() {
    let f = quirk(
        "FETCH 1 (UID INTERNALDATE BODY.PEEK[HEADER.FIELDS (SUBJECT)])",
        "* 1 FETCH (UID 8 INTERNALDATE (\"01-Mar-2022 10:00:00 +0000\") \
         BODY[HEADER.FIELDS NIL] {11}\r\nSubject: x\n FLAGS NIL)\r\nA0003 OK\r\n",
        |s| {
            let items = FetchItems::new()
                .uid()
                .internal_date()
                .body_peek(Section::HeaderFields(vec!["SUBJECT".into()]));
            fetch_all(s, 1, &items)
        },
    );
    assert_eq!(f[0].uid(), Some(Uid(8)));
    assert_eq!(f[0].internal_date_raw(), Some("01-Mar-2022 10:00:00 +0000"));
    assert_eq!(f[0].flags(), Some(&[][..]), "NIL flags are no flags");
    assert_eq!(unparsed_names(&f[0]), ["BODY"]);
    assert_eq!(
        f[0].unparsed()[0].raw(),
        b"BODY[HEADER.FIELDS NIL] {11}\r\nSubject: x\n"
    );
}

// Several odd items in one STATUS: each costs only itself.
#[test]
fn status_with_odd_attributes() {
    let st = quirk(
        "STATUS INBOX (MESSAGES UNSEEN UIDNEXT)",
        "* STATUS INBOX (MESSAGES -1 UNSEEN 3 X-GUID \"abc\" UIDNEXT (9) RECENT)\r\nA0003 OK\r\n",
        |s| {
            s.status(
                "INBOX",
                &[
                    StatusItem::Messages,
                    StatusItem::Unseen,
                    StatusItem::UidNext,
                ],
            )
            .unwrap()
        },
    );
    assert_eq!(
        (st.messages(), st.unseen(), st.uid_next()),
        (None, Some(3), None)
    );
    let names: Vec<_> = st.unparsed().iter().map(|u| u.name()).collect();
    assert_eq!(names, ["MESSAGES", "X-GUID", "UIDNEXT", "RECENT"]);
    assert_eq!(st.unparsed()[1].raw(), b"X-GUID \"abc\"");
}

// ESEARCH return data with a bad value next to good ones.
#[test]
fn esearch_with_an_odd_item() {
    let (script, mut session) = session_with(
        "IMAP4rev1 ESEARCH",
        vec![
            c("A0003 SEARCH RETURN (MIN COUNT) ALL\r\n"),
            s("* ESEARCH (TAG \"A0003\") MIN -1 COUNT 4 PARTIAL (1:2 3,4)\r\nA0003 OK\r\n"),
            c("A0004 NOOP\r\n"),
            s("A0004 OK\r\n"),
        ],
    );
    let r = session
        .search_extended(
            &Search::all(),
            &[
                blocking_imap::ReturnOption::Min,
                blocking_imap::ReturnOption::Count,
            ],
        )
        .unwrap();
    assert_eq!((r.min, r.count), (None, Some(4)));
    let names: Vec<_> = r.unparsed.iter().map(|u| u.name()).collect();
    // PARTIAL (RFC 9394) is read even when not asked for.
    assert_eq!(names, ["MIN"]);
    assert_eq!(r.partial.unwrap().matches().to_string(), "3:4");
    session.noop().unwrap();
    script.assert_done();
}

// LIST extended data with a broken CHILDINFO: the entry and its other data are kept.
#[test]
fn list_with_odd_extended_data() {
    let names = quirk(
        "LIST \"\" \"*\"",
        "* LIST (\\HasChildren) \"/\" Work (\"CHILDINFO\" NIL \"X-Y\" (1 2))\r\n\
         * LIST () \"/\" Home\r\nA0003 OK\r\n",
        |s| s.list("", "*").unwrap(),
    );
    let shown: Vec<_> = names
        .iter()
        .map(|n| n.name().as_str().to_string())
        .collect();
    assert_eq!(shown, ["Work", "Home"]);
}

// Odd LIST attributes (a quoted one, a nested list) cost only themselves, never the entry.
#[test]
fn list_with_odd_attributes() {
    let names = quirk(
        "LIST \"\" \"*\"",
        "* LIST (\\HasNoChildren \"\\\\Sent\" (x y)) \"/\" Sent\r\nA0003 OK\r\n",
        |s| s.list("", "*").unwrap(),
    );
    assert_eq!(names.len(), 1);
    assert_eq!(names[0].name().as_str(), "Sent");
    assert_eq!(names[0].special_use(), Some(&NameAttribute::Sent));
}
