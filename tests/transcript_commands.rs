//! Scripted-server tests of the mailbox and message commands: parsing edge cases and
//! interleavings a real server will not produce on demand.

mod common;

use blocking_imap::{
    Error, FetchItems, Flag, ResponseCode, Search, Section, Seq, Session, StoreAction, Uid,
    Unsolicited,
};
use common::{c, client, s, Script, Step, GREETING};

/// A logged-in session over `steps` (the script starts after LOGIN).
fn session(steps: Vec<Step>) -> (Script, Session) {
    let mut all = vec![
        s(GREETING),
        c("A0001 LOGIN u p\r\n"),
        s("A0001 OK [CAPABILITY IMAP4rev1 UIDPLUS LITERAL+] in\r\n"),
    ];
    all.extend(steps);
    let script = Script::new(all);
    let session = client(&script).login("u", "p").unwrap();
    (script, session)
}

/// [`session`] with INBOX selected first (`A0002`, see `common::SELECT_INBOX`): the steps
/// start at `A0003`.
fn selected_session(steps: Vec<Step>) -> (Script, Session) {
    let mut all = vec![c(common::SELECT_INBOX[0]), s(common::SELECT_INBOX[1])];
    all.extend(steps);
    let (script, mut session) = session(all);
    session.select("INBOX").unwrap();
    (script, session)
}

/// The server's reply to SELECT, from a recorded Dovecot session.
const SELECT_REPLY: &str = "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n\
* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted.\r\n\
* 8 EXISTS\r\n* 8 RECENT\r\n* OK [UNSEEN 1] First unseen.\r\n\
* OK [UIDVALIDITY 1436832084] UIDs valid\r\n* OK [UIDNEXT 9] Predicted next UID\r\n\
* OK [HIGHESTMODSEQ 2] Highest\r\nA0002 OK [READ-WRITE] Select completed.\r\n";

#[test]
fn select_fills_the_mailbox_state() {
    let (script, mut s) = session(vec![c("A0002 SELECT INBOX\r\n"), s(SELECT_REPLY)]);
    let mb = s.select("inbox").unwrap();
    assert_eq!(mb.exists(), 8);
    assert_eq!(mb.recent(), 8);
    assert_eq!(mb.uid_validity(), Some(1436832084));
    assert_eq!(mb.uid_next(), Some(9));
    assert_eq!(mb.unseen(), Some(1));
    assert_eq!(mb.highest_modseq(), Some(2));
    assert!(mb.permanent_flags().contains(&Flag::MayCreate));
    assert_eq!(mb.flags().len(), 5);
    assert!(!mb.is_read_only());
    assert_eq!(s.unsolicited().count(), 0);
    script.assert_done();
}

#[test]
fn unsolicited_fetch_and_expunge_in_the_middle_of_a_fetch() {
    let (script, mut s) = session(vec![
        c("A0002 SELECT INBOX\r\n"),
        s(SELECT_REPLY),
        c("A0003 UID FETCH 1:3 (UID BODY.PEEK[HEADER])\r\n"),
        s("* 1 FETCH (UID 1 BODY[HEADER] {8}\r\nA: b\r\n\r\n)\r\n"),
        // Another client flagged message 5 and a new message arrived.
        s("* 5 FETCH (FLAGS (\\Flagged) UID 5)\r\n* 9 EXISTS\r\n"),
        s("* 2 FETCH (UID 2 BODY[HEADER] {8}\r\nC: d\r\n\r\n)\r\n"),
        // UID commands may report expunges.
        s("* 7 EXPUNGE\r\n"),
        s("* 3 FETCH (UID 3 BODY[HEADER] {8}\r\nE: f\r\n\r\n)\r\n"),
        s("A0003 OK done\r\n"),
    ]);
    s.select("INBOX").unwrap();
    let items = FetchItems::new().body_peek(Section::Header);
    let got: Vec<_> = s
        .uid_fetch(1..=3, &items)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        got.iter().map(|f| f.uid().unwrap()).collect::<Vec<_>>(),
        [Uid(1), Uid(2), Uid(3)]
    );
    assert_eq!(got[1].header().unwrap(), b"C: d\r\n\r\n");
    assert_eq!(s.mailbox().exists(), 8, "9 EXISTS, then one EXPUNGE");
    let news: Vec<_> = s.unsolicited().collect();
    assert_eq!(news.len(), 3, "{news:#?}");
    assert!(matches!(&news[0], Unsolicited::Fetch(f) if f.seq() == Seq(5)));
    assert_eq!(news[1], Unsolicited::Exists(9));
    assert_eq!(news[2], Unsolicited::Expunge(Seq(7)));
    script.assert_done();
}

#[test]
fn responses_for_one_message_are_merged() {
    let (script, mut s) = selected_session(vec![
        c("A0003 FETCH 4 (UID FLAGS RFC822.SIZE)\r\n"),
        s("* 4 FETCH (UID 44 RFC822.SIZE 1000)\r\n* 4 FETCH (FLAGS (\\Seen))\r\nA0003 OK\r\n"),
    ]);
    let items = FetchItems::new().uid().flags().size();
    let got: Vec<_> = s.fetch(4, &items).unwrap().map(Result::unwrap).collect();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].uid(), Some(Uid(44)));
    assert_eq!(got[0].size(), Some(1000));
    assert_eq!(got[0].flags(), Some(&[Flag::Seen][..]));
    script.assert_done();
}

#[test]
fn envelope_with_literals_and_nil() {
    let (script, mut s) = selected_session(vec![
        c("A0003 FETCH 1 (ENVELOPE)\r\n"),
        s("* 1 FETCH (ENVELOPE (NIL {11}\r\nSub\r\n  ject NIL NIL NIL ((\"A \\\"B\\\"\" NIL \"a\" \"b.c\")) NIL NIL NIL NIL))\r\n"),
        s("A0003 OK\r\n"),
    ]);
    let f = s
        .fetch(1, &FetchItems::new().envelope())
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let env = f.envelope().unwrap();
    assert_eq!(env.date(), None);
    assert_eq!(env.subject_raw().unwrap(), b"Sub\r\n  ject");
    assert!(env.from().is_empty());
    assert_eq!(env.to()[0].name_raw().unwrap(), b"A \"B\"");
    assert_eq!(env.to()[0].email().as_deref(), Some("a@b.c"));
    assert_eq!(env.message_id(), None);
    script.assert_done();
}

#[test]
fn empty_address_lists_and_nil_fields() {
    let (script, mut s) = selected_session(vec![
        c("A0003 FETCH 1 (ENVELOPE)\r\n"),
        s("* 1 FETCH (ENVELOPE (\"Mon, 7 Feb 1994 21:52:25 -0800\" \"\" () NIL () () NIL NIL NIL \"<id@x>\"))\r\n"),
        s("A0003 OK\r\n"),
    ]);
    let f = s
        .fetch(1, &FetchItems::new().envelope())
        .unwrap()
        .into_vec()
        .unwrap();
    let env = f[0].envelope().unwrap();
    assert_eq!(env.subject_raw().unwrap(), b"");
    assert!(env.from().is_empty() && env.sender().is_empty() && env.to().is_empty());
    assert_eq!(env.message_id().unwrap(), b"<id@x>");
    script.assert_done();
}

#[test]
fn an_unparsable_fetch_costs_that_message_only() {
    let (script, mut s) = selected_session(vec![
        c("A0003 FETCH 1:3 (UID)\r\n"),
        s("* 1 FETCH (UID 1)\r\n* 2 FETCH (UID 2 BROKEN (\r\n* 3 FETCH (UID 3)\r\nA0003 OK\r\n"),
        c("A0004 NOOP\r\n"),
        s("A0004 OK\r\n"),
    ]);
    let results: Vec<_> = s.fetch(1..=3, &FetchItems::new().uid()).unwrap().collect();
    assert_eq!(results.len(), 3, "{results:?}");
    assert!(results[0].is_ok() && results[2].is_ok(), "{results:?}");
    match &results[1] {
        Err(Error::Parse { bytes, .. }) => assert!(bytes.to_string().contains("BROKEN")),
        other => panic!("{other:?}"),
    }
    // The bytes are kept whole in the queue too.
    assert!(s
        .unsolicited()
        .any(|u| matches!(u, Unsolicited::Other { raw, .. } if raw.starts_with(b"* 2 FETCH"))));
    s.noop().unwrap();
    script.assert_done();
}

#[test]
fn fetch_no_is_reported_by_the_stream() {
    let (script, mut s) = selected_session(vec![
        c("A0003 UID FETCH 9 (UID)\r\n"),
        s("A0003 NO [EXPUNGEISSUED] Some messages were expunged\r\n"),
    ]);
    let results: Vec<_> = s.uid_fetch(9, &FetchItems::new()).unwrap().collect();
    assert_eq!(results.len(), 1);
    match &results[0] {
        Err(e @ Error::No(_)) => assert_eq!(e.response_code().unwrap().name(), "EXPUNGEISSUED"),
        other => panic!("{other:?}"),
    }
    script.assert_done();
}

#[test]
fn dropped_store_reads_to_completion_and_sends_every_chunk() {
    let mut flood = String::new();
    for n in 1..=2000 {
        flood.push_str(&format!("* {n} FETCH (FLAGS (\\Deleted))\r\n"));
    }
    let (script, mut s) = selected_session(vec![
        c("A0003 STORE 1:2000 +FLAGS (\\Deleted)\r\n"),
        s(&flood),
        s("* 2001 EXISTS\r\nA0003 OK\r\n"),
        c("A0004 EXPUNGE\r\n"),
        s("* 1 EXPUNGE\r\nA0004 OK\r\n"),
    ]);
    // Ignore the result entirely: the next command must still work.
    drop(
        s.store(1..=2000, StoreAction::Add, &[Flag::Deleted])
            .unwrap(),
    );
    let gone = s.expunge().unwrap();
    assert_eq!(gone.seqs(), [Seq(1)]);
    assert_eq!(s.mailbox().exists(), 2000);
    // The flood was the command's own result: dropped, not queued.
    assert_eq!(
        s.unsolicited().collect::<Vec<_>>(),
        [Unsolicited::Exists(2001)]
    );
    script.assert_done();
}

#[test]
fn copyuid_and_trycreate() {
    let (script, mut s) = selected_session(vec![
        c("A0003 UID COPY 1:2 Archive\r\n"),
        s("A0003 OK [COPYUID 7 1:2 10:11] done\r\n"),
        c("A0004 UID STORE 1:2 +FLAGS.SILENT (\\Deleted)\r\n"),
        s("A0004 OK\r\n"),
        c("A0005 UID EXPUNGE 1:2\r\n"),
        s("* 1 EXPUNGE\r\n* 1 EXPUNGE\r\nA0005 OK\r\n"),
        c("A0006 COPY 5 Nowhere\r\n"),
        s("A0006 NO [TRYCREATE] no such mailbox\r\n"),
    ]);
    // No MOVE capability: COPY + STORE + UID EXPUNGE of just those messages.
    let moved = s.uid_mv(1..=2, "Archive").unwrap().unwrap();
    assert_eq!(moved.uid_validity, 7);
    assert_eq!(moved.destination.to_string(), "10:11");
    let err = s.copy(5, "Nowhere").unwrap_err();
    assert_eq!(err.response_code(), Some(&ResponseCode::TryCreate));
    script.assert_done();
}

#[test]
fn search_with_trailing_spaces_and_several_responses() {
    let (script, mut s) = selected_session(vec![
        c("A0003 SEARCH CHARSET UTF-8 SUBJECT {7+}\r\nGrüße\r\n"),
        s("* SEARCH 2 84 \r\n* SEARCH 882\r\nA0003 OK\r\n"),
    ]);
    let found = s.search(&Search::all().subject("Grüße")).unwrap();
    assert_eq!(found, [Seq(2), Seq(84), Seq(882)]);
    script.assert_done();
}

#[test]
fn list_with_literal_and_nil_delimiter() {
    let (script, mut s) = session(vec![
        c("A0002 LIST \"\" \"*\"\r\n"),
        s("* LIST (\\HasNoChildren) NIL {10}\r\nFolder \"x\"\r\n"),
        s("* LIST (\\Noselect \\HasChildren) \"/\" \"&ZeVnLIqe-\"\r\n"),
        s("* LIST () \"/\" \"bad &utf7\"\r\nA0002 OK\r\n"),
    ]);
    let names = s.list("", "*").unwrap();
    assert_eq!(names.len(), 3);
    assert_eq!(names[0].name().as_str(), "Folder \"x\"");
    assert_eq!(names[0].delimiter(), None);
    assert_eq!(names[1].name().as_str(), "日本語");
    assert!(!names[1].is_selectable());
    // Not valid modified UTF-7: kept byte for byte, so it can be sent back.
    assert_eq!(names[2].name().wire(), b"bad &utf7");
    assert!(!names[2].name().is_valid_utf7());
    script.assert_done();
}

#[test]
fn expunge_and_vanished_update_the_state_in_order() {
    let (script, mut s) = session(vec![
        c("A0002 SELECT INBOX\r\n"),
        s(SELECT_REPLY),
        c("A0003 EXPUNGE\r\n"),
        s("* 3 EXPUNGE\r\n* 3 EXPUNGE\r\n* 5 EXPUNGE\r\nA0003 OK\r\n"),
    ]);
    s.select("INBOX").unwrap();
    let gone = s.expunge().unwrap();
    assert_eq!(gone.seqs(), [Seq(3), Seq(3), Seq(5)]);
    assert_eq!(gone.len(), 3);
    assert_eq!(s.mailbox().exists(), 5);
    script.assert_done();
}

#[test]
fn caller_input_never_becomes_a_second_command() {
    let (script, mut s) = session(vec![
        c("A0002 SELECT \"INBOX&AA0ACg-A9 DELETE x\"\r\n"),
        s("A0002 NO no such mailbox\r\n"),
    ]);
    assert!(matches!(
        s.select("INBOX\r\nA9 DELETE x"),
        Err(Error::No(_))
    ));
    assert!(matches!(
        s.fetch(1, &FetchItems::new().raw("UID\r\nA9 LOGOUT")),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        s.search_raw("ALL\r\nA9 LOGOUT"),
        Err(Error::InvalidArgument(_))
    ));
    script.assert_done();
}

/// The chunks a set of `n`-digit numbers is split into under `budget` bytes (as the crate does:
/// greedy, comma-separated).
fn chunk_texts(nums: &[u32], budget: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for n in nums {
        let w = n.to_string();
        if !cur.is_empty() && cur.len() + 1 + w.len() > budget {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(',');
        }
        cur.push_str(&w);
    }
    out.push(cur);
    out
}

#[test]
fn split_commands_are_pipelined_and_completions_may_come_out_of_order() {
    // 70 scattered 6-digit UIDs; with a 256-byte line limit they need three commands.
    let nums: Vec<u32> = (0..70).map(|i| 100_001 + 2 * i).collect();
    let args = "+FLAGS.SILENT (\\Deleted)";
    let chunks = chunk_texts(&nums, 256 - (args.len() + 40));
    assert_eq!(chunks.len(), 3);
    let cmd = |tag: &str, set: &str| format!("{tag} UID STORE {set} {args}\r\n");
    let script = Script::new(vec![
        s(GREETING),
        c(LOGIN_LINE),
        s("A0001 OK\r\n"),
        c(common::SELECT_INBOX[0]),
        s(common::SELECT_INBOX[1]),
        // Two commands go out before any answer is read (pipeline depth 2).
        c(&cmd("A0003", &chunks[0])),
        c(&cmd("A0004", &chunks[1])),
        // The server completes the second before the first.
        s("* 7 EXISTS\r\nA0004 OK second\r\nA0003 OK first\r\n"),
        c(&cmd("A0005", &chunks[2])),
        s("A0005 OK third\r\n"),
        c("A0006 NOOP\r\n"),
        s("A0006 OK\r\n"),
    ]);
    let mut session = blocking_imap::ClientBuilder::new("h", 1)
        .security(blocking_imap::Security::Plaintext)
        .max_command_line(256)
        .pipeline_depth(2)
        .connect_stream(script.clone())
        .unwrap()
        .login("u", "p")
        .unwrap();
    session.select("INBOX").unwrap();
    let set: blocking_imap::SequenceSet = nums.iter().copied().collect();
    session
        .uid_store_silent(set, StoreAction::Add, &[Flag::Deleted])
        .unwrap();
    session.noop().unwrap();
    assert_eq!(session.mailbox().exists(), 7);
    // No completion was mistaken for a stray response.
    assert_eq!(
        session.unsolicited().collect::<Vec<_>>(),
        [Unsolicited::Exists(7)]
    );
    script.assert_done();
}

const LOGIN_LINE: &str = "A0001 LOGIN u p\r\n";

#[test]
fn utf8_accept_sends_names_as_utf8_and_no_charset() {
    let script = Script::new(vec![
        s(GREETING),
        c(LOGIN_LINE),
        s("A0001 OK [CAPABILITY IMAP4rev1 ENABLE UTF8=ACCEPT LITERAL+] in\r\n"),
        c("A0002 ENABLE UTF8=ACCEPT\r\n"),
        s("* ENABLED UTF8=ACCEPT\r\nA0002 OK\r\n"),
        c("A0003 SELECT {9+}\r\nEntwürfe\r\n"),
        s("* 0 EXISTS\r\nA0003 OK [READ-WRITE] done\r\n"),
        c("A0004 SEARCH SUBJECT {7+}\r\nGrüße\r\n"),
        s("* SEARCH\r\nA0004 OK\r\n"),
        c("A0005 LIST \"\" \"*\"\r\n"),
        s("* LIST () \"/\" \"Entwürfe\"\r\nA0005 OK\r\n"),
    ]);
    let mut session = client(&script).login("u", "p").unwrap();
    assert_eq!(session.enable(&["UTF8=ACCEPT"]).unwrap(), ["UTF8=ACCEPT"]);
    session.select("Entwürfe").unwrap();
    assert!(session
        .search(&Search::all().subject("Grüße"))
        .unwrap()
        .is_empty());
    let names = session.list("", "*").unwrap();
    assert_eq!(names[0].name().as_str(), "Entwürfe");
    // A name from the server goes back byte for byte.
    assert_eq!(names[0].name().wire(), "Entwürfe".as_bytes());
    script.assert_done();
}
