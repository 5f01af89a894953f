//! Big messages both ways against Dovecot: APPEND from a reader that makes its bytes as they
//! are read, then FETCH streamed into a writer that checks each byte as it comes — neither
//! side ever holds the message, and the client's `max_response_size` (set far below the
//! message) does not apply to the streamed value. BODY[], BINARY[] and a partial range.

mod common;

use std::io::{Read, Write};

use blocking_imap::{AppendSource, FetchItems, Section, Streamed, Uid};
use common::dovecot::server;

/// The message: a header with a unique Message-ID, then `len` bytes of text in all, made
/// on the fly. Byte `i` is a function of `i` alone, so a checker can follow along.
struct Maker {
    header: Vec<u8>,
    len: u64,
    at: u64,
}

fn byte_at(header: &[u8], i: u64) -> u8 {
    match usize::try_from(i).ok().and_then(|i| header.get(i)) {
        Some(&b) => b,
        // 78 letters and CRLF per line: no line is too long for any server.
        None => match (i - header.len() as u64) % 80 {
            78 => b'\r',
            79 => b'\n',
            k => b'a' + (k % 26) as u8,
        },
    }
}

impl Maker {
    fn new(id: &str, len: u64) -> Maker {
        let header = format!("Message-ID: <{id}@streaming.test>\r\nSubject: big {id}\r\n\r\n");
        Maker {
            header: header.into_bytes(),
            len,
            at: 0,
        }
    }
}

impl Read for Maker {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (buf.len() as u64).min(self.len - self.at) as usize;
        for (k, b) in buf[..n].iter_mut().enumerate() {
            *b = byte_at(&self.header, self.at + k as u64);
        }
        self.at += n as u64;
        Ok(n)
    }
}

/// Checks what it is given against the maker's bytes from `from` on.
struct Checker<'a> {
    header: &'a [u8],
    at: u64,
    bad: Option<u64>,
}

impl Write for Checker<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        for (k, &b) in buf.iter().enumerate() {
            let i = self.at + k as u64;
            if self.bad.is_none() && b != byte_at(self.header, i) {
                self.bad = Some(i);
            }
        }
        self.at += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_big_message_streams_both_ways_byte_for_byte() {
    let Some(srv) = server() else { return };
    let len: u64 = 48 * 1024 * 1024;
    let mut session = srv.login("bulk", "bulk-pass");
    let name = format!("streaming-{}", std::process::id());
    let _ = session.delete(name.as_str());
    session.create(name.as_str()).unwrap();

    let mut maker = Maker::new(&name, len);
    let header = maker.header.clone();
    let mut last = (0, 0);
    let mut progress = |done, total| last = (done, total);
    let source = AppendSource::new(&mut maker, len).progress(&mut progress);
    let appended = session.append_from(name.as_str(), source).unwrap();
    assert_eq!(last, (len, len));
    let uid = Uid(appended
        .and_then(|a| a.uids.ranges().first().map(|r| *r.start()))
        .expect("APPENDUID"));

    // A session that would refuse any response over 1 MiB held in memory.
    let mut session = {
        let _ = session.logout();
        srv.plain()
            .max_response_size(1024 * 1024)
            .connect()
            .unwrap()
            .login("bulk", "bulk-pass")
            .unwrap()
    };
    session.examine(name.as_str()).unwrap();
    for items in [
        FetchItems::new().uid().body_peek(Section::Full),
        FetchItems::new().uid().binary_peek(&[]),
    ] {
        let mut check = Checker {
            header: &header,
            at: 0,
            bad: None,
        };
        let f = session
            .uid_fetch_to(uid, &items, &mut check)
            .unwrap()
            .expect("the message");
        assert_eq!(f.uid(), Some(uid));
        assert_eq!((check.at, check.bad), (len, None), "{items:?}");
    }
    // A range from the middle: the streamed bytes are those of the range.
    let (origin, count) = (10_000_000u32, 5_000_000u32);
    let mut seen_len = None;
    let mut check = Checker {
        header: &header,
        at: u64::from(origin),
        bad: None,
    };
    let mut sink = |p: Streamed<'_>| {
        match p {
            Streamed::Begin { len, .. } => seen_len = Some(len),
            Streamed::Bytes(b) => check.write_all(b)?,
            _ => {}
        }
        Ok(())
    };
    let items = FetchItems::new()
        .uid()
        .body_peek_partial(Section::Full, origin, count);
    for f in session.uid_fetch_streaming(uid, &items, &mut sink).unwrap() {
        f.unwrap();
    }
    assert_eq!(seen_len, Some(u64::from(count)));
    assert_eq!(
        (check.at, check.bad),
        (u64::from(origin) + u64::from(count), None)
    );
    // Without streaming, the same session refuses the message: the limit still guards
    // what is held in memory (a frame that large cannot be skipped: the session ends).
    let e = session
        .uid_fetch(uid, &FetchItems::new().uid().body_peek(Section::Full))
        .unwrap()
        .into_vec()
        .unwrap_err();
    assert!(e.to_string().contains("limit"), "{e}");
    let mut session = srv.login("bulk", "bulk-pass");
    session.delete(name.as_str()).unwrap();
    session.logout().unwrap();
}
