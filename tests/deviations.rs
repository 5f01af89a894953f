//! Deviations with one reading (issue 22, item 6): responses real servers misspell or
//! under-quote in ways that still mean exactly one thing. Each is read that way (and logged
//! at DEBUG); each ambiguous neighbour keeps the behaviour it had before (the frame kept
//! whole as `Unsolicited::Other`, or the reading it always had), and the session stays in
//! step: every test ends with a NOOP that completes and a fully played script.
//!
//! Where a deviation comes from a public report, the comment names it; the recorded lines
//! are in tests/corpus/deviations/.

mod common;

use blocking_imap::{
    Flag, NameAttribute, ResponseCode, Session, StatusItem, StatusKind, Unsolicited,
};
use common::{c, s, Script, Step};

const CAPS: &str = "IMAP4rev1 UIDPLUS LITERAL+ MOVE NAMESPACE";

fn session(steps: Vec<Step>) -> (Script, Session) {
    common::logged_in(CAPS, steps)
}

/// `line` goes as `A0002`, `reply` answers it; then a NOOP (`A0003`) must complete and the
/// whole script must have been played.
fn one<T>(line: &str, reply: &str, check: impl FnOnce(&mut Session) -> T) -> T {
    let (script, mut session) = session(vec![
        c(&format!("A0002 {line}\r\n")),
        s(reply),
        c("A0003 NOOP\r\n"),
        s("A0003 OK\r\n"),
    ]);
    let out = check(&mut session);
    session.noop().expect("the NOOP after the deviation");
    assert!(!session.is_broken());
    script.assert_done();
    out
}

/// A NOOP whose reply carries the deviation: what was queued, and the session after a
/// second NOOP completed.
fn queued(reply: &str) -> (Vec<Unsolicited>, Session) {
    let (script, mut session) = session(vec![
        c("A0002 NOOP\r\n"),
        s(reply),
        c("A0003 NOOP\r\n"),
        s("A0003 OK\r\n"),
    ]);
    session.noop().expect("the NOOP carrying the deviation");
    let q: Vec<Unsolicited> = session.unsolicited().collect();
    session.noop().expect("the NOOP after the deviation");
    assert!(!session.is_broken());
    script.assert_done();
    (q, session)
}

fn corpus(name: &str) -> String {
    let path = format!(
        "{}/tests/corpus/deviations/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .replace('\n', "\r\n")
}

// ---------------------------------------------------------------------------------------
// STATUS with a mailbox name holding spaces, unquoted (gromox issue #5: `* STATUS Deleted
// Items (MESSAGES 0 UNSEEN 0 RECENT 0)`). The attribute list is the last parenthesised
// group, so everything between STATUS and it is the name.
// ---------------------------------------------------------------------------------------

#[test]
fn status_name_with_spaces_unquoted() {
    let reply = corpus("gromox-status-unquoted.txt").replace("TAG", "A0002");
    let st = one(
        "STATUS \"Deleted Items\" (MESSAGES UNSEEN RECENT)",
        &reply,
        |s| {
            s.status(
                "Deleted Items",
                &[StatusItem::Messages, StatusItem::Unseen, StatusItem::Recent],
            )
            .unwrap()
        },
    );
    assert_eq!(st.name().as_str(), "Deleted Items");
    assert_eq!(
        (st.messages(), st.unseen(), st.recent()),
        (Some(0), Some(0), Some(0))
    );
    // Unsolicited, and with extension data holding its own parentheses.
    let (q, _) = queued("* STATUS Sent  Items (MESSAGES 4 X-LIST (1 2))\r\nA0002 OK\r\n");
    match &q[..] {
        [Unsolicited::Status { .. }] | [] => panic!("{q:?}"),
        [Unsolicited::MailboxStatus(st)] => {
            assert_eq!(st.name().as_str(), "Sent  Items");
            assert_eq!(st.messages(), Some(4));
            assert_eq!(st.unparsed().len(), 1);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn status_names_with_more_than_one_reading_stay_as_they_were() {
    // What these gave before the deviation readers existed: `Some(name)` for a STATUS read
    // with that name and no MESSAGES, `None` for the frame kept whole.
    for (frame, before) in [
        // A parenthesis inside the name: `Foo` with junk, or `Foo (bar)`? Read as before.
        ("* STATUS Foo (bar) (MESSAGES 1)\r\n", Some("Foo")),
        // A quote inside: where does the name end?
        ("* STATUS Foo \"bar (MESSAGES 1)\r\n", None),
        // No attribute list at the end at all.
        ("* STATUS Foo bar\r\n", None),
    ] {
        let (q, _) = queued(&format!("{frame}A0002 OK\r\n"));
        assert_eq!(q.len(), 1, "{frame}: {q:?}");
        match (&q[0], before) {
            (Unsolicited::Other { raw, .. }, None) => {
                assert_eq!(raw, frame.as_bytes(), "kept whole")
            }
            (Unsolicited::MailboxStatus(st), Some(name)) => {
                assert_eq!(st.name().as_str(), name);
                assert_eq!(st.messages(), None);
            }
            other => panic!("{frame}: {other:?}"),
        }
    }
}

// ---------------------------------------------------------------------------------------
// LIST with a mailbox name holding spaces, unquoted (node-imap PR #594: `(\HasChildren
// \Noselect) "/" [Airmail]/To Do`; jarus/imap_copy PR #20). With nothing after the
// delimiter but the name (no quote, parenthesis or literal), the rest of the line is it.
// ---------------------------------------------------------------------------------------

#[test]
fn list_name_with_spaces_unquoted() {
    let reply = corpus("list-unquoted-spaces.txt").replace("TAG", "A0002");
    let names = one("LIST \"\" \"*\"", &reply, |s| s.list("", "*").unwrap());
    let got: Vec<String> = names.iter().map(|n| n.name().to_string()).collect();
    assert_eq!(
        got,
        [
            "INBOX",
            "[Airmail]/To Do",
            "Sent Items",
            "Gelöschte Elemente"
        ]
    );
    assert!(names[1].has(&NameAttribute::NoSelect));
    assert!(names[1].has(&NameAttribute::HasChildren));
    assert_eq!(names[2].delimiter(), Some('/'));
    assert_eq!(names[3].name().to_string(), "Gelöschte Elemente");
}

#[test]
fn list_names_with_more_than_one_reading_stay_as_they_were() {
    // Extended data after the name: the name is the first word, as before.
    let names = one(
        "LIST \"\" \"*\"",
        "* LIST () \"/\" Sent (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\nA0002 OK\r\n",
        |s| s.list("", "*").unwrap(),
    );
    assert_eq!(names[0].name().as_str(), "Sent");
    // A quote inside the rest: as before (the first word).
    let names = one(
        "LIST \"\" \"*\"",
        "* LIST () \"/\" Sent \"Items\"\r\nA0002 OK\r\n",
        |s| s.list("", "*").unwrap(),
    );
    assert_eq!(names[0].name().as_str(), "Sent");
}

// ---------------------------------------------------------------------------------------
// A status word glued to its response code (`* OK[ALERT] ...`, `A1 OK[READ-WRITE] ...`):
// no status word is a prefix of a code, and `[` cannot continue one.
// ---------------------------------------------------------------------------------------

#[test]
fn status_word_glued_to_its_code() {
    let (q, _) = queued("* OK[ALERT] quota nearly full\r\n* NO[OVERQUOTA]\r\nA0002 OK\r\n");
    match &q[..] {
        [Unsolicited::Status { kind: k1, text: t1 }, Unsolicited::Status { kind: k2, text: t2 }] => {
            assert_eq!(
                (*k1, t1.code.clone(), t1.text.as_str()),
                (
                    StatusKind::Ok,
                    Some(ResponseCode::Alert),
                    "quota nearly full"
                )
            );
            assert_eq!(*k2, StatusKind::No);
            assert_eq!(t2.code, Some(ResponseCode::OverQuota));
        }
        other => panic!("{other:?}"),
    }
    let mb = one(
        "SELECT INBOX",
        "* 2 EXISTS\r\nA0002 OK[READ-ONLY] done\r\n",
        |s| s.select("INBOX").unwrap(),
    );
    assert!(mb.is_read_only());
    assert_eq!(mb.exists(), 2);
}

#[test]
fn glued_words_that_are_not_a_status_word_stay_as_they_were() {
    // `OKAY[` is no status word: kept whole, as before.
    let (q, _) = queued("* OKAY[ALERT] hi\r\nA0002 OK\r\n");
    assert!(matches!(&q[..], [Unsolicited::Other { .. }]), "{q:?}");
}

// ---------------------------------------------------------------------------------------
// FLAGS with a space before the closing parenthesis (SurgeMail, async-imap issue #123:
// `* FLAGS (\Answered \Flagged \Deleted \Draft \Seen $Forwarded )`).
// ---------------------------------------------------------------------------------------

#[test]
fn flags_with_a_space_before_the_parenthesis() {
    let reply = corpus("surgemail-select.txt").replace("TAG", "A0002");
    let mb = one("SELECT INBOX", &reply, |s| s.select("INBOX").unwrap());
    assert_eq!(
        mb.flags(),
        [
            Flag::Answered,
            Flag::Flagged,
            Flag::Deleted,
            Flag::Draft,
            Flag::Seen,
            Flag::Keyword("$Forwarded".into())
        ]
    );
    assert_eq!(mb.permanent_flags().len(), 6);
    assert_eq!(mb.exists(), 1);
}

// FLAGS whose list lacks its closing parenthesis: the line ends, so the list does.
#[test]
fn flags_without_the_closing_parenthesis() {
    let mb = one(
        "SELECT INBOX",
        "* FLAGS (\\Seen \\Answered $Junk\r\n* 1 EXISTS\r\nA0002 OK [READ-WRITE] done\r\n",
        |s| s.select("INBOX").unwrap(),
    );
    assert_eq!(
        mb.flags(),
        [Flag::Seen, Flag::Answered, Flag::Keyword("$Junk".into())]
    );
}

#[test]
fn flags_that_are_not_a_list_stay_as_they_were() {
    // A nested list, or an unclosed one holding a quote: more than one reading.
    for frame in ["* FLAGS (\\Seen (\\Draft))\r\n", "* FLAGS (\\Seen \"x\r\n"] {
        let (q, s) = queued(&format!("{frame}A0002 OK\r\n"));
        assert!(matches!(&q[..], [Unsolicited::Other { .. }]), "{q:?}");
        assert!(s.mailbox().flags().is_empty());
    }
}

// ---------------------------------------------------------------------------------------
// A counter's keyword with stray punctuation after it (`* 3 EXISTS.`): no response name
// ends in punctuation, so the counter is meant. A letter after it (`EXISTSX`) could be
// another response: kept whole, as before.
// ---------------------------------------------------------------------------------------

#[test]
fn counter_keyword_with_stray_punctuation() {
    let (q, _) = queued("* 5 EXISTS.\r\n* 1 RECENT,\r\n* 2 EXPUNGE;\r\nA0002 OK\r\n");
    assert_eq!(
        q,
        [
            Unsolicited::Exists(5),
            Unsolicited::Recent(1),
            Unsolicited::Expunge(blocking_imap::Seq(2))
        ]
    );
}

#[test]
fn counter_keywords_with_letters_stay_as_they_were() {
    let (q, _) = queued("* 5 EXISTSX\r\n* 2 EXPUNGED\r\n* 3 EXISTS.5\r\nA0002 OK\r\n");
    assert_eq!(q.len(), 3, "{q:?}");
    for u in &q {
        assert!(matches!(u, Unsolicited::Other { .. }), "{u:?}");
    }
}
