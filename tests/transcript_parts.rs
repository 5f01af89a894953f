//! Scripted-server tests of decoded part fetching (`Session::uid_fetch_parts`): BINARY when
//! the server has it, BODY.PEEK decoded here when not, pipelined commands, the fallback from
//! BINARY, and parts that do not come.

mod common;

use blocking_imap::{
    BodyStructure, ClientBuilder, Error, FetchItems, PartRequest, ResponseCode, Security, Session,
    TransferEncoding, Uid, Unsolicited,
};
use common::{c, client, logged_in, s, selected, Script, Step, GREETING};

const BINARY_CAPS: &str = "IMAP4rev1 BINARY LITERAL+";
const PLAIN_CAPS: &str = "IMAP4rev1 LITERAL+";

fn req(uid: u32, section: &[u32]) -> PartRequest {
    PartRequest::new(Uid(uid), section, TransferEncoding::Base64)
}

/// A session with this pipeline depth and capabilities, INBOX selected first (`A0002`): the
/// steps start at `A0003`.
fn selected_with_depth(depth: usize, caps: &str, steps: Vec<Step>) -> (Script, Session) {
    common::selected_with(
        ClientBuilder::new("h", 1).pipeline_depth(depth),
        caps,
        steps,
    )
}

fn summary(parts: &[blocking_imap::PartBody]) -> Vec<(u32, Vec<u32>, Vec<u8>, bool)> {
    parts
        .iter()
        .map(|p| {
            (
                p.uid().0,
                p.section().to_vec(),
                p.bytes().to_vec(),
                p.was_binary(),
            )
        })
        .collect()
}

fn no_code(e: &Error) -> Option<&str> {
    match e {
        Error::No(t) => t.code.as_ref().map(ResponseCode::name),
        _ => None,
    }
}

#[test]
fn binary_parts_are_fetched_per_message_pipelined_in_request_order() {
    let (script, mut session) = selected(
        BINARY_CAPS,
        vec![
            // All three commands go out before any answer is read.
            c("A0003 UID FETCH 10 (UID BINARY.PEEK[2] BINARY.PEEK[1])\r\n"),
            c("A0004 UID FETCH 11 (UID BINARY.PEEK[2])\r\n"),
            c("A0005 UID FETCH 12 (UID BINARY.PEEK[1.1])\r\n"),
            Step::S(
                b"* 1 FETCH (UID 10 BINARY[2] ~{3}\r\n\x00\x01\xff BINARY[1] {5}\r\nhello)\r\n\
                  A0003 OK done\r\n\
                  * 2 FETCH (BINARY[2] \"two\" UID 11)\r\nA0004 OK done\r\n\
                  * 3 FETCH (UID 12 BINARY[1.1] {4}\r\nnest)\r\nA0005 OK done\r\n"
                    .to_vec(),
            ),
        ],
    );
    let parts = session
        .uid_fetch_parts(&[
            req(10, &[2]),
            req(11, &[2]),
            req(10, &[1]),
            req(12, &[1, 1]),
        ])
        .unwrap();
    assert_eq!(
        summary(&parts),
        [
            (10, vec![2], b"\x00\x01\xff".to_vec(), true),
            (11, vec![2], b"two".to_vec(), true),
            (10, vec![1], b"hello".to_vec(), true),
            (12, vec![1, 1], b"nest".to_vec(), true),
        ],
        "BINARY data is not decoded again, even though the requests said base64"
    );
    assert_eq!(session.unsolicited().count(), 0);
    script.assert_done();
}

/// A multipart message: quoted-printable ISO-8859-1 text, a base64 attachment, an 8bit
/// ISO-8859-1 text.
const STRUCTURE: &str = "* 1 FETCH (UID 20 BODYSTRUCTURE (\
    (\"text\" \"plain\" (\"charset\" \"iso-8859-1\") NIL NIL \"quoted-printable\" 40 2)\
    (\"application\" \"octet-stream\" (\"name\" \"a.bin\") NIL NIL \"base64\" 30 NIL \
     (\"attachment\" (\"filename\" \"a.bin\")) NIL)\
    (\"text\" \"plain\" (\"charset\" \"ISO-8859-1\") NIL NIL \"8bit\" 5 1) \"mixed\"))\r\n";

fn structure_of(session: &mut Session) -> BodyStructure {
    let mut stream = session
        .uid_fetch(20, &FetchItems::new().body_structure())
        .unwrap();
    let msg = stream.next().unwrap().unwrap();
    assert!(stream.next().is_none());
    msg.body_structure().unwrap().clone()
}

#[test]
fn without_binary_body_sections_are_decoded_here() {
    let attachment: Vec<u8> = (0u8..=255).collect();
    // Base64 in 76-character lines, as mail writes it.
    let b64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4\r\n\
               OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3Bx\r\n\
               cnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmq\r\n\
               q6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj\r\n\
               5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w==\r\n";
    // Quoted-printable with a soft line break in the middle of a word.
    let qp = "Gr=FC=DFe aus K=F6ln, ein sehr lang=\r\ner Satz=3D!\r\n";
    let mut server = format!(
        "* 1 FETCH (UID 20 BODY[1] {{{}}}\r\n{qp} BODY[2] {{{}}}\r\n{b64})\r\n",
        qp.len(),
        b64.len()
    )
    .into_bytes();
    server.extend_from_slice(b"* 1 FETCH (UID 20 BODY[3] {5}\r\nd\xe9j\xe0!)\r\nA0004 OK done\r\n");
    let (script, mut session) = selected(
        PLAIN_CAPS,
        vec![
            c("A0003 UID FETCH 20 (UID BODYSTRUCTURE)\r\n"),
            s(STRUCTURE),
            s("A0003 OK\r\n"),
            c("A0004 UID FETCH 20 (UID BODY.PEEK[1] BODY.PEEK[2] BODY.PEEK[3])\r\n"),
            Step::S(server),
        ],
    );
    let structure = structure_of(&mut session);
    let requests: Vec<PartRequest> = structure
        .walk()
        .filter(|(_, part)| !part.is_multipart())
        .map(|(section, _)| PartRequest::of(Uid(20), &section, &structure).unwrap())
        .collect();
    assert_eq!(requests[1].encoding(), &TransferEncoding::Base64);
    let parts = session.uid_fetch_parts(&requests).unwrap();
    assert_eq!(parts.len(), 3);
    assert!(parts.iter().all(|p| !p.was_binary()));
    assert_eq!(parts[0].charset(), Some("iso-8859-1"));
    assert_eq!(
        parts[0].text(),
        "Grüße aus Köln, ein sehr langer Satz=!\r\n"
    );
    assert_eq!(parts[1].bytes(), &attachment[..]);
    assert_eq!(parts[1].section(), &[2]);
    assert_eq!(parts[2].bytes(), b"d\xe9j\xe0!", "8bit: as it came");
    assert_eq!(parts[2].text(), "déjà!");
    // Without a charset, text is UTF-8 (lossy).
    let plain = PartRequest::new(Uid(20), &[3], TransferEncoding::EightBit);
    assert_eq!(plain.uid(), Uid(20));
    script.assert_done();
}

#[test]
fn fetch_part_of_a_single_part_message_asks_for_part_one() {
    let (script, mut session) = selected(
        BINARY_CAPS,
        vec![
            c("A0003 UID FETCH 20 (UID BODYSTRUCTURE)\r\n"),
            s(
                "* 4 FETCH (UID 20 BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"utf-8\") \
               NIL NIL \"base64\" 8 1))\r\nA0003 OK\r\n",
            ),
            c("A0004 UID FETCH 20 (UID BINARY.PEEK[1])\r\n"),
            s("* 4 FETCH (UID 20 BINARY[1] {5}\r\nk\u{f6}ln)\r\nA0004 OK\r\n"),
        ],
    );
    let structure = structure_of(&mut session);
    let part = session.fetch_part(Uid(20), &[], &structure).unwrap();
    assert_eq!(part.section(), &[1]);
    assert_eq!(part.text(), "köln");
    assert_eq!(part.into_bytes(), "köln".as_bytes());
    script.assert_done();
}

#[test]
fn unknown_cte_and_bad_fall_back_to_body_for_that_message() {
    let (script, mut session) = selected(
        BINARY_CAPS,
        vec![
            c("A0003 UID FETCH 30 (UID BINARY.PEEK[1] BINARY.PEEK[2])\r\n"),
            c("A0004 UID FETCH 31 (UID BINARY.PEEK[1])\r\n"),
            c("A0005 UID FETCH 32 (UID BINARY.PEEK[1])\r\n"),
            // Part 1 decoded; part 2 in an encoding the server does not know.
            s("* 1 FETCH (UID 30 BINARY[1] {2}\r\nok)\r\n\
               A0003 NO [UNKNOWN-CTE] Unknown Content-Transfer-Encoding\r\n"),
            // The retry (only the part that did not come) goes out before the rest is read.
            c("A0006 UID FETCH 30 (UID BODY.PEEK[2])\r\n"),
            s("* 2 FETCH (UID 31 BINARY[1] {3}\r\none)\r\nA0004 OK\r\n"),
            // A server that does not know BINARY after all.
            s("A0005 BAD Unknown FETCH item\r\n"),
            c("A0007 UID FETCH 32 (UID BODY.PEEK[1])\r\n"),
            s("* 1 FETCH (UID 30 BODY[2] {8}\r\naGVsbG8=)\r\nA0006 OK\r\n"),
            s("* 3 FETCH (UID 32 BODY[1] {7}\r\nd29ybGQ)\r\nA0007 OK\r\n"),
            c("A0008 NOOP\r\n"),
            s("A0008 OK\r\n"),
        ],
    );
    let parts = session
        .uid_fetch_parts(&[req(30, &[1]), req(30, &[2]), req(31, &[1]), req(32, &[1])])
        .unwrap();
    assert_eq!(
        summary(&parts),
        [
            (30, vec![1], b"ok".to_vec(), true),
            (30, vec![2], b"hello".to_vec(), false),
            (31, vec![1], b"one".to_vec(), true),
            (32, vec![1], b"world".to_vec(), false),
        ]
    );
    session.noop().unwrap();
    script.assert_done();
}

#[test]
fn a_part_the_server_does_not_send_is_an_error_naming_it() {
    let steps = || {
        vec![
            c("A0003 UID FETCH 40 (UID BODY.PEEK[1] BODY.PEEK[3])\r\n"),
            c("A0004 UID FETCH 41 (UID BODY.PEEK[1])\r\n"),
            // Part 3 does not exist; 41 was expunged (OK, no data).
            s("* 1 FETCH (UID 40 BODY[1] {4}\r\nYWJj BODY[3] NIL)\r\nA0003 OK\r\nA0004 OK\r\n"),
            c("A0005 NOOP\r\n"),
            s("A0005 OK\r\n"),
        ]
    };
    let requests = [req(40, &[1]), req(40, &[3]), req(41, &[1])];

    let (script, mut session) = selected(PLAIN_CAPS, steps());
    let e = session.uid_fetch_parts(&requests).unwrap_err();
    assert_eq!(no_code(&e), Some("NONEXISTENT"), "{e:?}");
    let shown = e.to_string();
    assert!(shown.contains("part 3 of UID 40"), "{shown}");
    assert!(!session.is_broken());
    session.noop().unwrap();
    script.assert_done();

    let (script, mut session) = selected(PLAIN_CAPS, steps());
    let each = session.uid_fetch_parts_each(&requests).unwrap();
    assert_eq!(each[0].as_ref().unwrap().bytes(), b"abc");
    assert!(each[1]
        .as_ref()
        .unwrap_err()
        .to_string()
        .contains("part 3 of UID 40"));
    let e = each[2].as_ref().unwrap_err();
    assert_eq!(no_code(e), Some("NONEXISTENT"));
    assert!(e.to_string().contains("part 1 of UID 41"), "{e}");
    session.noop().unwrap();
    script.assert_done();
}

#[test]
fn a_no_for_one_message_fails_only_its_parts() {
    let steps = || {
        vec![
            c("A0003 UID FETCH 50 (UID BODY.PEEK[1])\r\n"),
            c("A0004 UID FETCH 51 (UID BODY.PEEK[1] BODY.PEEK[2])\r\n"),
            c("A0005 UID FETCH 52 (UID BODY.PEEK[1])\r\n"),
            s("* 1 FETCH (UID 50 BODY[1] {4}\r\nYWJj)\r\nA0003 OK\r\n\
               A0004 NO [SERVERBUG] Internal error\r\n\
               * 3 FETCH (UID 52 BODY[1] {4}\r\nZGVm)\r\nA0005 OK\r\n"),
            c("A0006 NOOP\r\n"),
            s("A0006 OK\r\n"),
        ]
    };
    let requests = [req(50, &[1]), req(51, &[1]), req(51, &[2]), req(52, &[1])];

    let (script, mut session) = selected(PLAIN_CAPS, steps());
    let e = session.uid_fetch_parts(&requests).unwrap_err();
    assert_eq!(no_code(&e), Some("SERVERBUG"), "{e:?}");
    // Every command was still read to its end: the stream is in step.
    session.noop().unwrap();
    script.assert_done();

    let (script, mut session) = selected(PLAIN_CAPS, steps());
    let each = session.uid_fetch_parts_each(&requests).unwrap();
    assert_eq!(each[0].as_ref().unwrap().bytes(), b"abc");
    assert_eq!(no_code(each[1].as_ref().unwrap_err()), Some("SERVERBUG"));
    assert_eq!(no_code(each[2].as_ref().unwrap_err()), Some("SERVERBUG"));
    assert_eq!(each[3].as_ref().unwrap().bytes(), b"def");
    session.noop().unwrap();
    script.assert_done();
}

#[test]
fn many_messages_keep_the_pipeline_full_and_answers_may_interleave() {
    let cmd = |tag: &str, uid: u32| format!("{tag} UID FETCH {uid} (UID BINARY.PEEK[2])\r\n");
    let data = |seq: u32, uid: u32| format!("* {seq} FETCH (UID {uid} BINARY[2] \"m{uid}\")\r\n");
    let (script, mut session) = selected_with_depth(
        2,
        BINARY_CAPS,
        vec![
            c(&cmd("A0003", 60)),
            c(&cmd("A0004", 61)),
            // 61's data comes before 60 completes; a flag change for 60 and news in between.
            s(&format!(
                "{}* 1 FETCH (UID 60 FLAGS (\\Seen))\r\n* 9 EXISTS\r\n{}A0003 OK\r\n",
                data(2, 61),
                data(1, 60)
            )),
            c(&cmd("A0005", 62)),
            s("A0004 OK\r\n"),
            c(&cmd("A0006", 63)),
            s(&format!(
                "{}{}A0005 OK\r\nA0006 OK\r\n",
                data(3, 62),
                data(4, 63)
            )),
            c(&cmd("A0007", 64)),
            s(&format!("{}A0007 OK\r\n", data(5, 64))),
        ],
    );
    let requests: Vec<PartRequest> = (60..65).map(|u| req(u, &[2])).collect();
    let parts = session.uid_fetch_parts(&requests).unwrap();
    let got: Vec<(u32, String)> = parts.iter().map(|p| (p.uid().0, p.text())).collect();
    assert_eq!(
        got,
        (60..65).map(|u| (u, format!("m{u}"))).collect::<Vec<_>>()
    );
    let news: Vec<Unsolicited> = session.unsolicited().collect();
    assert_eq!(news.len(), 2, "{news:?}");
    assert!(matches!(&news[0], Unsolicited::Fetch(f) if f.uid() == Some(Uid(60))));
    assert_eq!(news[1], Unsolicited::Exists(9));
    script.assert_done();
}

#[test]
fn byte_at_a_time_reads_give_the_same_parts() {
    let script = Script::new(vec![
        s(GREETING),
        c("A0001 LOGIN u p\r\n"),
        s(&format!("A0001 OK [CAPABILITY {PLAIN_CAPS}] in\r\n")),
        c(common::SELECT_INBOX[0]),
        s(common::SELECT_INBOX[1]),
        c("A0003 UID FETCH 70 (UID BODY.PEEK[1] BODY.PEEK[2])\r\n"),
        s("* 1 FETCH (UID 70 BODY[1] {10}\r\nd29y\r\nbGQ= BODY[2] {9}\r\na=3Db=\r\nc)\r\nA0003 OK\r\n"),
    ])
    .chunked(1);
    let mut session = client(&script).login("u", "p").unwrap();
    session.select("INBOX").unwrap();
    let parts = session
        .uid_fetch_parts(&[
            req(70, &[1]),
            PartRequest::new(Uid(70), &[2], TransferEncoding::QuotedPrintable),
        ])
        .unwrap();
    assert_eq!(parts[0].bytes(), b"world");
    assert_eq!(parts[1].bytes(), b"a=bc");
    script.assert_done();
}

#[test]
fn bad_requests_and_empty_batches_send_nothing() {
    let (script, mut session) = logged_in(PLAIN_CAPS, vec![]);
    assert!(session.uid_fetch_parts(&[]).unwrap().is_empty());
    for bad in [req(0, &[1]), req(1, &[]), req(1, &[2, 0])] {
        match session.uid_fetch_parts(&[req(5, &[1]), bad.clone()]) {
            Err(Error::InvalidArgument(_)) => {}
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    script.assert_done();
}

#[test]
fn the_batch_shares_one_result_budget() {
    let body = "x".repeat(60);
    let script = Script::new(vec![
        s(GREETING),
        c("A0001 LOGIN u p\r\n"),
        s(&format!("A0001 OK [CAPABILITY {PLAIN_CAPS}] in\r\n")),
        c(common::SELECT_INBOX[0]),
        s(common::SELECT_INBOX[1]),
        c("A0003 UID FETCH 80 (UID BODY.PEEK[1])\r\n"),
        c("A0004 UID FETCH 81 (UID BODY.PEEK[1])\r\n"),
        s(&format!(
            "* 1 FETCH (UID 80 BODY[1] {{60}}\r\n{body})\r\nA0003 OK\r\n\
             * 2 FETCH (UID 81 BODY[1] {{60}}\r\n{body})\r\nA0004 OK\r\n"
        )),
        c("A0005 NOOP\r\n"),
        s("A0005 OK\r\n"),
    ]);
    let mut session = ClientBuilder::new("h", 1)
        .security(Security::Plaintext)
        .max_result_size(100)
        .connect_stream(script.clone())
        .unwrap()
        .login("u", "p")
        .unwrap();
    session.select("INBOX").unwrap();
    let plain = |uid| PartRequest::new(Uid(uid), &[1], TransferEncoding::SevenBit);
    let each = session
        .uid_fetch_parts_each(&[plain(80), plain(81)])
        .unwrap();
    assert_eq!(each[0].as_ref().unwrap().bytes(), body.as_bytes());
    match &each[1] {
        Err(Error::LimitExceeded { limit: 100, what }) => {
            assert!(what.contains("UID 81"), "{what}")
        }
        other => panic!("{other:?}"),
    }
    session.noop().unwrap();
    script.assert_done();
}
