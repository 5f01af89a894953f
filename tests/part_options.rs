//! Part fetches as a script tunes them: decoded here even where the server offers BINARY,
//! the text only when it converts without loss, the section as IMAP writes it.

mod common;

use blocking_imap::{ClientBuilder, PartRequest, TransferEncoding, Uid};
use common::{c, selected_with, Step};

#[test]
fn decode_here_asks_for_body_even_with_binary_on_offer() {
    let (script, mut session) = selected_with(
        ClientBuilder::new("localhost", 143),
        "IMAP4rev1 BINARY",
        vec![
            c("A0003 UID FETCH 5 (UID BODY.PEEK[2.1] BINARY.PEEK[3])\r\n"),
            Step::S(b"* 1 FETCH (UID 5 BODY[2.1] {8}\r\nw6l0w6k= BINARY[3] {3}\r\n\xe9t\xe9)\r\nA0003 OK done\r\n".to_vec()),
        ],
    );
    let requests = [
        PartRequest::new(Uid(5), &[2, 1], TransferEncoding::Base64).decode_here(),
        PartRequest::new(Uid(5), &[3], TransferEncoding::Base64).charset("iso-8859-1"),
    ];
    assert_eq!(requests[0].section_string(), "2.1");
    let bodies = session.uid_fetch_parts(&requests).unwrap();
    // Decoded here from base64: "été" in UTF-8.
    assert_eq!(bodies[0].bytes(), "été".as_bytes());
    assert!(!bodies[0].was_binary());
    assert_eq!(bodies[0].text_exact().as_deref(), Some("été"));
    assert_eq!(bodies[0].section_string(), "2.1");
    // Decoded by the server; ISO-8859-1 bytes convert without loss.
    assert!(bodies[1].was_binary());
    assert_eq!(bodies[1].text_exact().as_deref(), Some("été"));
    script.assert_done();
}

#[test]
fn text_exact_says_when_the_charset_conversion_loses_something() {
    let (_script, mut session) = selected_with(
        ClientBuilder::new("localhost", 143),
        "IMAP4rev1",
        vec![
            c("A0003 UID FETCH 7 (UID BODY.PEEK[1] BODY.PEEK[2])\r\n"),
            Step::S(b"* 1 FETCH (UID 7 BODY[1] {4}\r\nab\xff\xfe BODY[2] {2}\r\nok)\r\nA0003 OK done\r\n".to_vec()),
        ],
    );
    let requests = [
        PartRequest::new(Uid(7), &[1], TransferEncoding::EightBit).charset("utf-8"),
        PartRequest::new(Uid(7), &[2], TransferEncoding::SevenBit).charset("x-unknown-charset"),
    ];
    let bodies = session.uid_fetch_parts(&requests).unwrap();
    assert_eq!(bodies[0].text(), "ab\u{fffd}\u{fffd}");
    assert_eq!(bodies[0].text_exact(), None);
    // An unknown charset: `text` guesses UTF-8, `text_exact` does not pretend.
    assert_eq!(bodies[1].text(), "ok");
    assert_eq!(bodies[1].text_exact(), None);
}
