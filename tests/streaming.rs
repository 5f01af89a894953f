//! Streaming FETCH (`Session::uid_fetch_streaming`, `uid_fetch_to`) against scripted
//! servers: body values go to the caller as their bytes arrive, whatever their size (beyond
//! `max_response_size` too), at every read split; other items come whole; a failing writer
//! ends the stream with `Error::Caller` and leaves the session in step; a section after
//! the streamed one and a literal of another item are kept as usual.

mod common;

use blocking_imap::{ClientBuilder, Error, FetchItems, Section, Streamed, Uid};
use common::{c, logged_in_with, s, selected_with};

/// A message body of `n` bytes, the same every time.
fn body(n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| b"abcdefghijklmnopqrstuvwxyz\r\n"[i % 28])
        .collect()
}

fn fetch_reply(seq: u32, uid: u32, data: &[u8]) -> String {
    format!(
        "* {seq} FETCH (UID {uid} FLAGS (\\Seen) BODY[] {{{}}}\r\n{}  INTERNALDATE \"17-Jul-1996 02:44:25 -0700\")\r\n",
        data.len(),
        String::from_utf8_lossy(data)
    )
}

#[test]
fn a_body_bigger_than_the_response_limit_streams_at_every_split() {
    let data = body(300_000);
    for chunk in [1usize, 7, 4096, 1 << 20] {
        if chunk == 1 && cfg!(debug_assertions) {
            // 300,000 one-byte reads: the 7-byte run covers the same splits well enough.
            continue;
        }
        let reply = fetch_reply(1, 42, &data);
        let (script, mut session) = selected_with(
            ClientBuilder::new("localhost", 143).max_response_size(64 * 1024),
            "IMAP4rev1",
            vec![
                c("A0003 UID FETCH 42 (UID INTERNALDATE BODY.PEEK[])\r\n"),
                s(&reply),
                s("A0003 OK done\r\n"),
                c("A0004 NOOP\r\n"),
                s("A0004 OK noop\r\n"),
            ],
        );
        let script = script.chunked(chunk);
        let _ = &script;
        let mut out = Vec::new();
        let items = FetchItems::new()
            .uid()
            .internal_date()
            .body_peek(Section::Full);
        let f = session
            .uid_fetch_to(Uid(42), &items, &mut out)
            .unwrap()
            .expect("the message");
        assert_eq!(out.len(), data.len(), "chunk {chunk}");
        assert!(out == data, "chunk {chunk}: the bytes differ");
        // The other items came whole; the streamed section is empty in the Fetch.
        assert_eq!(f.uid(), Some(Uid(42)));
        assert!(f.internal_date().is_some());
        assert_eq!(f.body().map(<[u8]>::len).unwrap_or(0), 0);
        session.noop().unwrap();
    }
}

#[test]
fn without_streaming_the_same_body_is_refused_by_the_limit() {
    let data = body(300_000);
    let (_script, mut session) = selected_with(
        ClientBuilder::new("localhost", 143).max_response_size(64 * 1024),
        "IMAP4rev1",
        vec![
            c("A0003 UID FETCH 42 (UID INTERNALDATE BODY.PEEK[])\r\n"),
            s(&fetch_reply(1, 42, &data)),
            s("A0003 OK done\r\n"),
        ],
    );
    let items = FetchItems::new()
        .uid()
        .internal_date()
        .body_peek(Section::Full);
    let e = session
        .uid_fetch(42, &items)
        .unwrap()
        .into_vec()
        .unwrap_err();
    assert!(matches!(e, Error::TooLarge { .. }), "{e}");
}

#[test]
fn several_messages_stream_in_order_with_their_numbers() {
    let a = body(5_000);
    let (_script, mut session) = selected_with(
        ClientBuilder::new("localhost", 143),
        "IMAP4rev1",
        vec![
            c("A0003 UID FETCH 1:* (UID BODY.PEEK[])\r\n"),
            s(&format!(
                "* 3 FETCH (UID 10 BODY[] {{{}}}\r\n{})\r\n* 4 FETCH (UID 11 BODY[] {{0}}\r\n)\r\n\
                 * 4 FETCH (FLAGS (\\Deleted))\r\nA0003 OK done\r\n",
                a.len(),
                String::from_utf8_lossy(&a)
            )),
        ],
    );
    let mut events = Vec::new();
    let mut bytes = Vec::new();
    let mut sink = |p: Streamed<'_>| {
        match p {
            Streamed::Begin { seq, len, item } => events.push((seq.0, len, item.to_string())),
            Streamed::Bytes(b) => bytes.extend_from_slice(b),
            _ => {}
        }
        Ok(())
    };
    let items = FetchItems::new().uid().body_peek(Section::Full);
    let uids: Vec<u32> = session
        .uid_fetch_streaming(1.., &items, &mut sink)
        .unwrap()
        .map(|f| f.unwrap().uid().unwrap().0)
        .collect();
    assert_eq!(uids, [10, 11]);
    assert_eq!(
        events,
        [
            (3, 5_000, "BODY[]".to_string()),
            (4, 0, "BODY[]".to_string())
        ]
    );
    assert!(bytes == a);
    // The flag change the server pushed went to the queue, not to the stream.
    assert_eq!(session.unsolicited().count(), 1);
}

#[test]
fn a_failing_writer_ends_the_stream_and_the_session_goes_on() {
    let data = body(50_000);
    let (_script, mut session) = selected_with(
        ClientBuilder::new("localhost", 143),
        "IMAP4rev1",
        vec![
            c("A0003 UID FETCH 1:2 (UID BODY.PEEK[])\r\n"),
            s(&format!(
                "* 1 FETCH (UID 1 BODY[] {{{n}}}\r\n{d})\r\n* 2 FETCH (UID 2 BODY[] {{{n}}}\r\n{d})\r\n\
                 A0003 OK done\r\n",
                n = data.len(),
                d = String::from_utf8_lossy(&data)
            )),
            c("A0004 NOOP\r\n"),
            s("A0004 OK noop\r\n"),
        ],
    );
    let mut written = 0usize;
    let mut sink = |p: Streamed<'_>| {
        if let Streamed::Bytes(b) = p {
            written += b.len();
            if written > 10_000 {
                return Err(std::io::Error::other("disk full"));
            }
        }
        Ok(())
    };
    let items = FetchItems::new().uid().body_peek(Section::Full);
    let results: Vec<_> = session
        .uid_fetch_streaming(1..=2, &items, &mut sink)
        .unwrap()
        .collect();
    let e = results
        .iter()
        .find_map(|r| r.as_ref().err())
        .expect("the writer's error");
    assert!(matches!(e, Error::Caller { .. }), "{e}");
    assert!(e.to_string().contains("disk full"), "{e}");
    assert!(!e.is_broken());
    session.noop().unwrap();
}

#[test]
fn other_literals_stay_in_the_response() {
    let (_script, mut session) = selected_with(
        ClientBuilder::new("localhost", 143),
        "IMAP4rev1",
        vec![
            c("A0003 UID FETCH 9 (UID ENVELOPE BODY.PEEK[HEADER])\r\n"),
            s("* 1 FETCH (UID 9 ENVELOPE (NIL {5}\r\nhello NIL NIL NIL NIL NIL NIL NIL NIL) BODY[HEADER] {4}\r\nX: y)\r\n"),
            s("A0003 OK done\r\n"),
        ],
    );
    let mut header = Vec::new();
    let items = FetchItems::new()
        .uid()
        .envelope()
        .body_peek(Section::Header);
    let f = session
        .uid_fetch_to(Uid(9), &items, &mut header)
        .unwrap()
        .unwrap();
    assert_eq!(header, b"X: y");
    assert_eq!(
        f.envelope().and_then(|e| e.subject()).as_deref(),
        Some("hello")
    );
}

#[test]
fn append_from_a_reader_writes_its_bytes_as_it_reads_them() {
    let data = body(200_000);
    for (caps, sync) in [
        ("IMAP4rev1 LITERAL+ UIDPLUS", false),
        ("IMAP4rev1 UIDPLUS", true),
    ] {
        let announce = if sync { "{200000}" } else { "{200000+}" };
        let mut steps = vec![c(&format!("A0002 APPEND Archive (\\Seen) {announce}\r\n"))];
        if sync {
            steps.push(s("+ go ahead\r\n"));
        }
        let mut wire = String::from_utf8_lossy(&data).into_owned();
        wire.push_str("\r\n");
        steps.push(c(&wire));
        steps.push(s("A0002 OK [APPENDUID 9 77] stored\r\n"));
        let (script, mut session) =
            logged_in_with(ClientBuilder::new("localhost", 143), caps, steps);
        let mut reader = std::io::Cursor::new(data.clone());
        let mut seen = Vec::new();
        let mut progress = |done: u64, total: u64| seen.push((done, total));
        let source = blocking_imap::AppendSource::new(&mut reader, data.len() as u64)
            .flags(&[blocking_imap::Flag::Seen])
            .progress(&mut progress);
        let uid = session.append_from("Archive", source).unwrap().unwrap();
        assert_eq!(uid.uids.to_string(), "77");
        // Pieces of at most 64 KiB, the last one at the total.
        assert!(seen.len() >= 4, "{seen:?}");
        assert_eq!(seen.last(), Some(&(200_000, 200_000)));
        assert!(seen
            .windows(2)
            .all(|w| w[1].0 - w[0].0 <= 64 * 1024 && w[1].0 > w[0].0));
        script.assert_done();
    }
}

#[test]
fn a_source_shorter_than_announced_breaks_the_session_clearly() {
    let (_script, mut session) = logged_in_with(
        ClientBuilder::new("localhost", 143),
        "IMAP4rev1 LITERAL+",
        vec![c("A0002 APPEND INBOX {100+}\r\n")],
    );
    let mut reader = std::io::Cursor::new(b"only forty bytes of the hundred promised".to_vec());
    let e = session
        .append_from("INBOX", blocking_imap::AppendSource::new(&mut reader, 100))
        .unwrap_err();
    assert!(matches!(e, Error::Caller { .. }), "{e}");
    assert!(e.to_string().contains("40 of 100"), "{e}");
    // The server still waits for 60 bytes: nothing more may be sent on this connection.
    assert!(session.is_broken());
    assert!(session.noop().is_err());
}

#[test]
fn several_sources_go_in_one_multiappend() {
    let (a, b) = (
        b"Subject: a\r\n\r\nA\r\n".to_vec(),
        b"Subject: b\r\n\r\nB\r\n".to_vec(),
    );
    let (script, mut session) = logged_in_with(
        ClientBuilder::new("localhost", 143),
        "IMAP4rev1 LITERAL+ MULTIAPPEND",
        vec![
            c("A0002 APPEND X {17+}\r\nSubject: a\r\n\r\nA\r\n {17+}\r\nSubject: b\r\n\r\nB\r\n\r\n"),
            s("A0002 OK done\r\n"),
        ],
    );
    let (mut ra, mut rb) = (std::io::Cursor::new(a), std::io::Cursor::new(b));
    let sources = vec![
        blocking_imap::AppendSource::new(&mut ra, 17),
        blocking_imap::AppendSource::new(&mut rb, 17),
    ];
    assert_eq!(session.append_many_from("X", sources).unwrap(), None);
    script.assert_done();
}

#[test]
fn a_part_is_decoded_here_as_it_streams() {
    // 3,000 bytes of binary-looking data, base64 in lines of 76 characters.
    let data: Vec<u8> = (0..3000u32).map(|i| (i * 7 % 251) as u8).collect();
    let b64 = {
        use std::fmt::Write as _;
        let table = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut s = String::new();
        for chunk in data.chunks(3) {
            let n =
                chunk.iter().fold(0u32, |a, &b| a << 8 | u32::from(b)) << (8 * (3 - chunk.len()));
            for k in 0..4 {
                if k <= chunk.len() {
                    s.push(table[(n >> (18 - 6 * k) & 63) as usize] as char);
                } else {
                    s.push('=');
                }
            }
        }
        let mut lines = String::new();
        for (i, ch) in s.chars().enumerate() {
            if i > 0 && i % 76 == 0 {
                lines.push_str("\r\n");
            }
            let _ = lines.write_char(ch);
        }
        lines
    };
    let structure = format!(
        "* 1 FETCH (UID 5 BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"7BIT\" 5 1 NIL NIL NIL NIL)\
         (\"APPLICATION\" \"OCTET-STREAM\" (\"NAME\" \"data.bin\") NIL NIL \"BASE64\" {} NIL (\"ATTACHMENT\" (\"FILENAME\" \"data.bin\")) NIL NIL) \"MIXED\" (\"BOUNDARY\" \"b\") NIL NIL NIL))\r\n",
        b64.len()
    );
    let (script, mut session) = selected_with(
        ClientBuilder::new("localhost", 143),
        "IMAP4rev1",
        vec![
            c("A0003 UID FETCH 5 (UID BODYSTRUCTURE)\r\n"),
            s(&structure),
            s("A0003 OK done\r\n"),
            c("A0004 UID FETCH 5 (UID BODY.PEEK[2])\r\n"),
            s(&format!(
                "* 1 FETCH (UID 5 BODY[2] {{{}}}\r\n{b64})\r\n",
                b64.len()
            )),
            s("A0004 OK done\r\n"),
        ],
    );
    let script = script.chunked(13);
    let f = session
        .uid_fetch(5, &FetchItems::new().uid().body_structure())
        .unwrap()
        .into_vec()
        .unwrap()
        .remove(0);
    let structure = f.body_structure().unwrap();
    let part = structure.attachments().next().expect("the attachment");
    let mut out = Vec::new();
    let n = session.uid_fetch_part_to(Uid(5), &part, &mut out).unwrap();
    assert_eq!(n, 3000);
    assert!(out == data, "decoded bytes differ");
    script.assert_done();
}

#[test]
fn a_server_that_ignores_a_partial_range_is_seen_in_the_item_name() {
    let data = body(1_000);
    let (_script, mut session) = selected_with(
        ClientBuilder::new("localhost", 143),
        "IMAP4rev1",
        vec![
            c("A0003 UID FETCH 3 (UID BODY.PEEK[]<0.100>)\r\n"),
            // The whole section, named without an origin.
            s(&format!(
                "* 1 FETCH (UID 3 BODY[] {{1000}}\r\n{})\r\nA0003 OK done\r\n",
                String::from_utf8_lossy(&data)
            )),
            c("A0004 UID FETCH 3 (UID BODY.PEEK[]<100.10>)\r\n"),
            s("* 1 FETCH (UID 3 BODY[]<100> {10}\r\n0123456789)\r\nA0004 OK done\r\n"),
        ],
    );
    for (origin, want_item, want_len) in [(0, "BODY[]", 1000), (100, "BODY[]<100>", 10)] {
        let mut seen = None;
        let mut sink = |p: Streamed<'_>| {
            if let Streamed::Begin { item, len, .. } = p {
                seen = Some((item.to_string(), len));
            }
            Ok(())
        };
        let items = FetchItems::new().uid().body_peek_partial(
            Section::Full,
            origin,
            if origin == 0 { 100 } else { 10 },
        );
        for f in session.uid_fetch_streaming(3, &items, &mut sink).unwrap() {
            f.unwrap();
        }
        assert_eq!(seen, Some((want_item.to_string(), want_len)));
    }
}

#[test]
fn a_literal_that_ends_early_breaks_the_session_without_hanging() {
    let data = body(10_000);
    let (_script, mut session) = selected_with(
        ClientBuilder::new("localhost", 143),
        "IMAP4rev1",
        vec![
            c("A0003 UID FETCH 3 (UID BODY.PEEK[])\r\n"),
            // 10,000 announced, 4,000 sent, then the connection ends.
            s(&format!(
                "* 1 FETCH (UID 3 BODY[] {{10000}}\r\n{}",
                String::from_utf8_lossy(&data[..4000])
            )),
        ],
    );
    let mut out = Vec::new();
    let e = session
        .uid_fetch_to(
            Uid(3),
            &FetchItems::new().uid().body_peek(Section::Full),
            &mut out,
        )
        .unwrap_err();
    assert!(e.is_broken(), "{e}");
    // What arrived was written; the caller learns it is incomplete from the error.
    assert_eq!(out.len(), 4000);
    assert!(session.noop().is_err());
}
