//! Gmail's `X-GM-EXT-1` against scripted transcripts shaped like Gmail's: the replies are
//! Gmail's own recordings from tests/corpus/mailkit/gmail where one fits (label STOREs, a
//! summary FETCH with X-GM-MSGID / X-GM-THRID / X-GM-LABELS), and hand-written in Gmail's
//! shapes for the quirks the corpus does not hold (non-ASCII labels, an empty label list,
//! pushed label changes). There is no Gmail here: these check the bytes we send and what we
//! make of what Gmail sends.

mod common;

use blocking_imap::{
    Error, FetchItems, GmailLabel, Search, Session, StoreAction, Uid, Unsolicited,
};
use common::{c, s, Script, Step};

/// Gmail's capabilities after login (tests/corpus/mailkit/gmail/authenticate.txt).
const GMAIL_CAPS: &str = "IMAP4rev1 UNSELECT IDLE NAMESPACE QUOTA ID XLIST CHILDREN X-GM-EXT-1 UIDPLUS COMPRESS=DEFLATE ENABLE MOVE CONDSTORE ESEARCH UTF8=ACCEPT LIST-EXTENDED LIST-STATUS LITERAL- APPENDLIMIT=35651584";

/// A recorded reply as the wire carries it: CRLF line ends, the placeholder tag replaced.
fn recorded(file: &str, tag: &str) -> Step {
    let text = file.replace('\n', "\r\n").replace("A########", tag);
    Step::S(text.into_bytes())
}

fn gmail(steps: Vec<Step>) -> (Script, Session) {
    common::logged_in(GMAIL_CAPS, steps)
}

/// [`gmail`] with INBOX selected first (`A0002`): the steps start at `A0003`.
fn gmail_selected(steps: Vec<Step>) -> (Script, Session) {
    common::selected(GMAIL_CAPS, steps)
}

fn noop_after(script: &Script, session: &mut Session) {
    session.noop().expect("the stream is still in step");
    script.assert_done();
}

#[test]
fn add_labels_sends_gmail_syntax_and_reads_gmails_answer() {
    let (script, mut session) = gmail_selected(vec![
        c("A0003 UID STORE 1:3,5,7:9,11:14,26:29,31,34,41:43,50 +X-GM-LABELS (\\Important \"Custom Label\")\r\n"),
        // Gmail answers every message with FETCH (X-GM-LABELS (...) UID n), a stray NIL included.
        recorded(include_str!("corpus/mailkit/gmail/add-labels.txt"), "A0003"),
        c("A0004 NOOP\r\n"),
        s("A0004 OK\r\n"),
    ]);
    let uids: Vec<u32> = [
        1, 2, 3, 5, 7, 8, 9, 11, 12, 13, 14, 26, 27, 28, 29, 31, 34, 41, 42, 43, 50,
    ]
    .to_vec();
    let set: Vec<Uid> = uids.iter().map(|&u| Uid(u)).collect();
    let labels = [GmailLabel::Important, GmailLabel::user("Custom Label")];
    let got: Vec<_> = session
        .uid_store_labels(&set[..], StoreAction::Add, &labels)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(got.len(), 21);
    for (f, uid) in got.iter().zip(&uids) {
        assert_eq!(f.uid(), Some(Uid(*uid)));
        assert_eq!(f.x_gm_labels().unwrap(), labels, "the NIL is no label");
    }
    assert_eq!(session.unsolicited().count(), 0, "every FETCH was a result");
    noop_after(&script, &mut session);
}

#[test]
fn set_labels_with_non_ascii_goes_in_modified_utf7() {
    let (script, mut session) = gmail_selected(vec![
        c("A0003 STORE 1:2 X-GM-LABELS (\\Inbox \"&ZeVnLIqe-/Caf&AOk-\" \"NIL\")\r\n"),
        s("* 1 FETCH (X-GM-LABELS (\\Inbox \"&ZeVnLIqe-/Caf&AOk-\" \"NIL\") UID 7)\r\n"),
        // Gmail writes system labels quoted too, with the backslash escaped.
        s("* 2 FETCH (X-GM-LABELS (\"\\\\Inbox\" &ZeVnLIqe-/Caf&AOk- \"NIL\") UID 9)\r\n"),
        s("A0003 OK Success\r\n"),
        c("A0004 NOOP\r\n"),
        s("A0004 OK\r\n"),
    ]);
    let labels = [
        GmailLabel::Inbox,
        GmailLabel::user("日本語/Café"),
        GmailLabel::user("NIL"),
    ];
    let got: Vec<_> = session
        .store_labels(1..=2, StoreAction::Replace, &labels)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(got.len(), 2);
    for f in &got {
        assert_eq!(f.x_gm_labels().unwrap(), labels);
    }
    noop_after(&script, &mut session);
}

#[test]
fn silent_removal_and_the_recorded_set_labels_reply() {
    let (script, mut session) = gmail_selected(vec![
        c("A0003 UID STORE 4711 -X-GM-LABELS.SILENT (\\Inbox)\r\n"),
        // A FETCH Gmail sends anyway: not a result, but not lost either.
        s("* 3 FETCH (X-GM-LABELS () UID 4711)\r\n"),
        s("A0003 OK Success\r\n"),
        c("A0004 STORE 1:* X-GM-LABELS ()\r\n"),
        recorded(include_str!("corpus/mailkit/gmail/set-labels.txt"), "A0004"),
    ]);
    session
        .uid_store_labels_silent(Uid(4711), StoreAction::Remove, &[GmailLabel::Inbox])
        .unwrap();
    let pushed: Vec<_> = session.unsolicited().collect();
    match &pushed[..] {
        [Unsolicited::Fetch(f)] => {
            assert_eq!(f.uid(), Some(Uid(4711)));
            assert_eq!(f.x_gm_labels(), Some(vec![]), "() is an empty list");
        }
        other => panic!("expected the pushed FETCH, got {other:?}"),
    }
    // An empty list replaces every label; the whole recorded reply is read.
    let n = session
        .store_labels(1.., StoreAction::Replace, &[])
        .unwrap()
        .count();
    assert_eq!(n, 21);
    script.assert_done();
}

#[test]
fn summary_fetch_reads_ids_above_u32_and_quoted_system_labels() {
    let (script, mut session) = gmail_selected(vec![
        c("A0003 UID FETCH 1:* (UID FLAGS X-GM-MSGID X-GM-THRID X-GM-LABELS)\r\n"),
        recorded(
            include_str!("corpus/mailkit/gmail/search-summary.txt"),
            "A0003",
        ),
        c("A0004 NOOP\r\n"),
        s("A0004 OK\r\n"),
    ]);
    let items = FetchItems::new()
        .uid()
        .flags()
        .x_gm_msgid()
        .x_gm_thrid()
        .x_gm_labels();
    let got: Vec<_> = session
        .uid_fetch(Uid(1).., &items)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(got.len(), 21);
    let first = &got[0];
    assert_eq!(first.gmail_msgid(), Some(1_592_225_494_819_146_101));
    assert_eq!(first.gmail_thrid(), Some(1_592_225_494_819_146_101));
    assert!(first.gmail_msgid().unwrap() > u64::from(u32::MAX));
    assert_eq!(
        first.x_gm_labels().unwrap(),
        [GmailLabel::user("Test Messages"), GmailLabel::Important]
    );
    assert!(got.iter().all(|f| f.unparsed().is_empty()));
    noop_after(&script, &mut session);
}

#[test]
fn pushed_label_changes_during_a_fetch_are_kept_apart() {
    let (script, mut session) = gmail_selected(vec![
        c("A0003 FETCH 1:3 (FLAGS)\r\n"),
        s("* 1 FETCH (FLAGS (\\Seen))\r\n"),
        // Someone labelled message 2 in the web UI: a change the FETCH did not ask for.
        s("* 2 FETCH (X-GM-LABELS (\\Starred) UID 12)\r\n"),
        s("* 2 FETCH (FLAGS ())\r\n"),
        s("* 3 FETCH (FLAGS () X-GM-LABELS (Work))\r\n"),
        s("A0003 OK Success\r\n"),
        c("A0004 FETCH 2 (X-GM-LABELS)\r\n"),
        s("* 2 FETCH (X-GM-LABELS ())\r\n"),
        s("A0004 OK Success\r\n"),
    ]);
    let got: Vec<_> = session
        .fetch(1..=3, &FetchItems::new().flags())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(got.len(), 3);
    assert_eq!(
        got[1].x_gm_labels(),
        None,
        "the push is not merged into the result"
    );
    assert_eq!(
        got[2].x_gm_labels(),
        Some(vec![GmailLabel::user("Work")]),
        "labels beside the FLAGS asked for stay with the result"
    );
    let pushed: Vec<_> = session.unsolicited().collect();
    match &pushed[..] {
        [Unsolicited::Fetch(f)] => {
            assert_eq!(f.uid(), Some(Uid(12)));
            assert_eq!(f.x_gm_labels(), Some(vec![GmailLabel::Starred]));
        }
        other => panic!("expected the pushed label change, got {other:?}"),
    }
    // Asked for, a label-only answer is the result: here an empty list.
    let got: Vec<_> = session
        .fetch(2, &FetchItems::new().x_gm_labels())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].x_gm_labels(), Some(vec![]));
    script.assert_done();
}

#[test]
fn search_keys_are_quoted_or_literal() {
    let (script, mut session) = gmail_selected(vec![
        c("A0003 UID SEARCH X-GM-RAW \"has:attachment \\\"q3 report\\\" (a OR b)\" X-GM-MSGID 1278455344230334865 X-GM-THRID 18446744073709551615\r\n"),
        s("* SEARCH 5 9\r\nA0003 OK SEARCH completed (Success)\r\n"),
        // A one-word query is still a string, never an atom; labels as STORE writes them.
        c("A0004 UID SEARCH X-GM-RAW \"NIL\" X-GM-LABELS \\Inbox X-GM-LABELS \"Caf&AOk-\"\r\n"),
        s("* SEARCH\r\nA0004 OK SEARCH completed (Success)\r\n"),
        // Non-ASCII: a literal (Gmail offers LITERAL-: non-synchronising), with CHARSET.
        c("A0005 UID SEARCH CHARSET UTF-8 X-GM-RAW {24+}\r\nsubject:caf\u{e9} \r\n"),
        c("in:inbox\r\n"),
        s("* SEARCH 1\r\nA0005 OK SEARCH completed (Success)\r\n"),
    ]);
    let q = Search::all()
        .x_gm_raw("has:attachment \"q3 report\" (a OR b)")
        .x_gm_msgid(1_278_455_344_230_334_865)
        .x_gm_thrid(u64::MAX);
    assert_eq!(session.uid_search(&q).unwrap(), [Uid(5), Uid(9)]);
    let q = Search::all()
        .x_gm_raw("NIL")
        .x_gm_labels(GmailLabel::Inbox)
        .x_gm_labels(GmailLabel::user("Café"));
    assert!(session.uid_search(&q).unwrap().is_empty());
    let q = Search::all().x_gm_raw("subject:caf\u{e9} \r\nin:inbox");
    assert_eq!(session.uid_search(&q).unwrap(), [Uid(1)]);
    script.assert_done();
}

#[test]
fn bad_arguments_and_missing_extension_send_nothing() {
    let (script, mut session) = gmail(vec![c("A0002 NOOP\r\n"), s("A0002 OK\r\n")]);
    for labels in [
        vec![GmailLabel::user("")],
        vec![GmailLabel::System("Two Words".into())],
    ] {
        let err = session
            .store_labels(1, StoreAction::Add, &labels)
            .map(|_| ())
            .unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    }
    let err = session.uid_search(&Search::all().x_gm_raw("")).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    let err = session
        .uid_search(&Search::all().x_gm_raw("a\0b"))
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    noop_after(&script, &mut session);

    // Not Gmail: no STORE goes out.
    let (script, mut session) = common::logged_in(
        "IMAP4rev1 UIDPLUS",
        vec![c("A0002 NOOP\r\n"), s("A0002 OK\r\n")],
    );
    assert!(!session.has_gmail_extensions().unwrap());
    let err = session
        .uid_store_labels_silent(Uid(1), StoreAction::Add, &[GmailLabel::Starred])
        .unwrap_err();
    assert!(
        matches!(&err, Error::MissingCapability(c) if c == "X-GM-EXT-1"),
        "{err}"
    );
    noop_after(&script, &mut session);
}

#[test]
fn label_changes_pushed_during_noop_reach_the_queue_whole() {
    let (script, mut session) = gmail(vec![
        c("A0002 NOOP\r\n"),
        s("* 4 FETCH (X-GM-LABELS (\\Inbox \"\\\\Starred\" \"Work/Q&AOQ-\") UID 40 MODSEQ (90060115205545359))\r\n"),
        s("* 5 FETCH (X-GM-MSGID 18446744073709551615 X-GM-LABELS () UID 41)\r\n"),
        s("A0002 OK Success\r\n"),
    ]);
    session.noop().unwrap();
    let pushed: Vec<_> = session.unsolicited().collect();
    let fetches: Vec<_> = pushed
        .iter()
        .filter_map(|u| match u {
            Unsolicited::Fetch(f) => Some(f),
            _ => None,
        })
        .collect();
    assert_eq!(fetches.len(), 2, "{pushed:?}");
    assert_eq!(
        fetches[0].x_gm_labels().unwrap(),
        [
            GmailLabel::Inbox,
            GmailLabel::Starred,
            GmailLabel::user("Work/Qä")
        ]
    );
    assert_eq!(fetches[0].modseq(), Some(90_060_115_205_545_359));
    assert_eq!(fetches[1].gmail_msgid(), Some(u64::MAX));
    assert_eq!(fetches[1].x_gm_labels(), Some(vec![]));
    script.assert_done();
}
