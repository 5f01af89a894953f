//! Recording: a session's exchange, as the library sees it above TLS and compression, written
//! to a transcript with the credentials taken out.

use std::fmt;
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use log::warn;

use super::format::{first_word, render, split_tag, Chunk, Dir, Item, Piece, Splitter};
use super::redact::{sensitive, REDACTED};

/// Writes the exchanges of the connections it is given to a transcript.
///
/// Give it to [`ClientBuilder::record_to`](crate::ClientBuilder::record_to) for a connection the library opens (TLS or not:
/// it records the protocol above TLS and COMPRESS), or wrap a plaintext stream of your own
/// with [`wrap`](Self::wrap) before [`ClientBuilder::connect_stream`](crate::ClientBuilder::connect_stream).
///
/// The arguments of LOGIN, the initial response of AUTHENTICATE and every SASL challenge and
/// response are replaced by `{{redacted}}` before anything is written: the file holds no
/// password or token. It holds everything else as sent, mail included.
///
/// Recording changes nothing the session does: the transcript is written as bytes pass,
/// flushed after each read and write, and an error writing it (a full disk) is logged once
/// and stops the recording, never the session ([`flush`](Self::flush) reports it).
///
/// Clones share the same file; each connection recorded into it after the first starts with
/// a `# connection N` comment.
#[derive(Clone)]
pub struct Recorder {
    sink: Arc<Mutex<Sink>>,
}

struct Sink {
    out: Option<Box<dyn Write + Send>>,
    error: Option<io::Error>,
    connections: u32,
    wrote_header: bool,
}

impl Sink {
    fn write(&mut self, items: &[Item]) {
        let Some(out) = self.out.as_mut() else {
            return;
        };
        let mut text = String::new();
        if !self.wrote_header {
            self.wrote_header = true;
            text.push_str(HEADER);
        }
        for item in items {
            text.push_str(&render(item));
            text.push('\n');
        }
        if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            warn!("recording stopped: writing the transcript failed: {e}");
            self.error = Some(e);
            self.out = None;
        }
    }
}

const HEADER: &str = concat!(
    "# blocking-imap transcript, recorded by blocking-imap ",
    env!("CARGO_PKG_VERSION"),
    "\n",
    "# C: a line the client sent, S: a line the server sent, C| / S| the bytes of a literal.\n",
    "# \\xHH is a byte; a line ending in \\ has no CRLF; {{...}} matches anything on replay.\n",
    "# Credentials and SASL data are replaced by {{redacted}}: everything else is as sent.\n",
);

impl fmt::Debug for Recorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sink = self.sink.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("Recorder")
            .field("connections", &sink.connections)
            .field("failed", &sink.error.is_some())
            .finish()
    }
}

impl Recorder {
    /// Records into the file at `path`, created (with its parent directories) or truncated.
    ///
    /// Errors: the file cannot be created.
    pub fn create(path: impl AsRef<Path>) -> io::Result<Recorder> {
        let path = path.as_ref();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file = std::fs::File::create(path)
            .map_err(|e| io::Error::new(e.kind(), format!("creating {}: {e}", path.display())))?;
        Ok(Recorder::new(file))
    }

    /// Records into any writer (buffered here).
    pub fn new(out: impl Write + Send + 'static) -> Recorder {
        Recorder {
            sink: Arc::new(Mutex::new(Sink {
                out: Some(Box::new(BufWriter::new(out))),
                error: None,
                connections: 0,
                wrote_header: false,
            })),
        }
    }

    /// Wraps a plaintext stream for [`ClientBuilder::connect_stream`](crate::ClientBuilder::connect_stream) (with
    /// [`Security::Plaintext`](crate::Security::Plaintext): under TLS it would see
    /// ciphertext; use [`ClientBuilder::record_to`](crate::ClientBuilder::record_to) for that).
    pub fn wrap<S: Read + Write>(&self, stream: S) -> Recorded<S> {
        Recorded {
            inner: stream,
            tap: self.tap(),
        }
    }

    /// Flushes the file. Errors: the first error met writing it, if any (the recording
    /// stopped there).
    pub fn flush(&self) -> io::Result<()> {
        let mut sink = self.sink.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(e) = &sink.error {
            return Err(io::Error::new(e.kind(), e.to_string()));
        }
        match sink.out.as_mut() {
            Some(out) => out.flush(),
            None => Ok(()),
        }
    }

    /// The recording of one more connection.
    pub(crate) fn tap(&self) -> Tap {
        let conn_no = {
            let mut sink = self.sink.lock().unwrap_or_else(PoisonError::into_inner);
            sink.connections += 1;
            sink.connections
        };
        let mut held = Vec::new();
        if conn_no > 1 {
            held.push(Item::Comment(format!("connection {conn_no}")));
        }
        Tap {
            sink: Arc::clone(&self.sink),
            client: Splitter::default(),
            server: Splitter::default(),
            redact: Redact::None,
            prelude: Prelude::Open { starttls: None },
            held,
        }
    }
}

/// A stream whose traffic is recorded: see [`Recorder::wrap`].
pub struct Recorded<S> {
    inner: S,
    tap: Tap,
}

impl<S> fmt::Debug for Recorded<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recorded").finish_non_exhaustive()
    }
}

impl<S> Recorded<S> {
    /// The stream inside.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S: Read> Read for Recorded<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.tap.server(&buf[..n]);
        Ok(n)
    }
}

impl<S: Write> Write for Recorded<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.tap.client(&buf[..n], false);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// What the redaction is doing.
#[derive(Debug)]
enum Redact {
    None,
    /// In a sensitive command that announced a literal: its literals, the rest of its line
    /// and the server's `+` for them are left out, until the line ends (or the command does).
    Sensitive {
        tag: Vec<u8>,
    },
    /// In an AUTHENTICATE exchange, until its tagged completion.
    Sasl {
        tag: Vec<u8>,
    },
}

/// The start of a connection, held back until it is known whether STARTTLS happens.
#[derive(Debug)]
enum Prelude {
    /// Greeting, CAPABILITY, maybe STARTTLS (its tag once sent).
    Open {
        starttls: Option<Vec<u8>>,
    },
    /// After a successful STARTTLS: the CAPABILITY the client sends next, and what it got;
    /// the greeting is `held[greeting_at]`.
    AfterTls {
        greeting_at: usize,
        cap_tag: Option<Vec<u8>>,
        caps: Option<Vec<u8>>,
    },
    Done,
}

/// The recording of one connection: fed what the session writes and reads.
pub(crate) struct Tap {
    sink: Arc<Mutex<Sink>>,
    client: Splitter,
    server: Splitter,
    redact: Redact,
    prelude: Prelude,
    /// Items not written yet (the prelude).
    held: Vec<Item>,
}

impl fmt::Debug for Tap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tap").finish_non_exhaustive()
    }
}

/// An item, and whether it starts a command or response line.
type Out = (Item, bool);

fn bytes_item(dir: Dir, c: &Chunk) -> Out {
    (
        Item::text(dir, c.literal, &c.text, c.crlf),
        c.first && !c.literal,
    )
}

fn pieces_item(dir: Dir, pieces: Vec<Piece>, crlf: bool, first: bool) -> Out {
    let item = Item::Text {
        dir,
        literal: false,
        pieces,
        crlf,
        line: 0,
    };
    (item, first)
}

fn redacted() -> Piece {
    Piece::Hole(REDACTED.into())
}

impl Tap {
    /// Bytes the client wrote; `sensitive`: the library knows they hold a secret.
    pub(crate) fn client(&mut self, bytes: &[u8], sensitive: bool) {
        let mut chunks = Vec::new();
        self.client.feed(bytes, &mut chunks);
        let mut items = Vec::new();
        for c in chunks {
            self.client_chunk(&c, sensitive, &mut items);
        }
        self.emit(items);
    }

    /// Bytes the client read from the server.
    pub(crate) fn server(&mut self, bytes: &[u8]) {
        let mut chunks = Vec::new();
        self.server.feed(bytes, &mut chunks);
        let mut items = Vec::new();
        for c in chunks {
            self.server_chunk(&c, &mut items);
        }
        self.emit(items);
    }

    fn client_chunk(&mut self, c: &Chunk, marked: bool, items: &mut Vec<Out>) {
        match &self.redact {
            Redact::Sensitive { .. } => {
                if !c.literal && c.crlf && c.announces.is_none() {
                    self.redact = Redact::None;
                }
                return;
            }
            Redact::Sasl { .. } if !c.literal => {
                if c.text == b"*" {
                    items.push(bytes_item(Dir::Client, c));
                } else if c.crlf {
                    items.push(pieces_item(Dir::Client, vec![redacted()], true, false));
                }
                return;
            }
            _ => {}
        }
        // The shared rule (also that of the replay's errors), without LOGIN's user name:
        // a recording replays with any.
        let command = if c.first && !c.literal {
            sensitive(&c.text, marked, false)
        } else {
            None
        };
        if let Some(s) = command {
            // `tag NAME {{redacted}}` (AUTHENTICATE keeps its mechanism).
            let mut pieces = vec![Piece::Bytes(s.head.to_vec())];
            if s.hidden {
                pieces.push(redacted());
            }
            items.push(pieces_item(Dir::Client, pieces, c.crlf, true));
            let tag = s.tag.to_vec();
            if c.announces.is_some() {
                self.redact = Redact::Sensitive { tag };
            } else if s.sasl {
                self.redact = Redact::Sasl { tag };
            }
            return;
        } else if marked {
            // Secret bytes outside a command we know: nothing of them is written.
            if !c.literal && c.crlf {
                items.push(pieces_item(Dir::Client, vec![redacted()], true, false));
            }
            return;
        }
        items.push(bytes_item(Dir::Client, c));
    }

    fn server_chunk(&mut self, c: &Chunk, items: &mut Vec<Out>) {
        let line_start = c.first && !c.literal;
        let tag = if line_start {
            split_tag(&c.text).map(|(t, _)| t.to_vec())
        } else {
            None
        };
        match &self.redact {
            Redact::Sensitive { tag: ours } => {
                if line_start && c.text.starts_with(b"+") {
                    return;
                }
                if tag.as_deref() == Some(ours.as_slice()) {
                    self.redact = Redact::None;
                }
            }
            Redact::Sasl { tag: ours } => {
                if line_start && c.text.starts_with(b"+") {
                    let pieces = vec![Piece::Bytes(b"+ ".to_vec()), redacted()];
                    items.push(pieces_item(Dir::Server, pieces, c.crlf, true));
                    return;
                }
                if tag.as_deref() == Some(ours.as_slice()) {
                    self.redact = Redact::None;
                }
            }
            Redact::None => {}
        }
        items.push(bytes_item(Dir::Server, c));
    }

    /// Writes `items`, or holds them while the prelude is open.
    fn emit(&mut self, items: Vec<Out>) {
        let mut out = Vec::new();
        for (item, first) in items {
            if matches!(self.prelude, Prelude::Done) {
                out.push(item);
                continue;
            }
            let line = match (&item, first) {
                (
                    Item::Text {
                        dir,
                        pieces,
                        literal: false,
                        ..
                    },
                    true,
                ) => match pieces.first() {
                    Some(Piece::Bytes(b)) => Some((*dir, b.clone())),
                    _ => None,
                },
                _ => None,
            };
            self.held.push(item);
            if let Some((dir, text)) = line {
                self.prelude_line(dir, &text);
            }
            if matches!(self.prelude, Prelude::Done) {
                out.append(&mut self.held);
            }
        }
        self.write(out);
    }

    /// The prelude, on a line that starts a command or a response (already held).
    fn prelude_line(&mut self, dir: Dir, text: &[u8]) {
        let tagged = split_tag(text);
        let ok = tagged.is_some_and(|(_, r)| r.len() >= 2 && r[..2].eq_ignore_ascii_case(b"OK"));
        let tag = tagged.map(|(t, _)| t);
        let name = tagged.map(|(_, r)| first_word(r)).unwrap_or_default();
        match (&mut self.prelude, dir) {
            (Prelude::Open { starttls }, Dir::Client) => match name.as_str() {
                "CAPABILITY" => {}
                "STARTTLS" => *starttls = tag.map(<[u8]>::to_vec),
                _ => self.prelude = Prelude::Done,
            },
            (Prelude::Open { starttls }, Dir::Server) => {
                if tag.is_some() && tag == starttls.as_deref() {
                    if !ok {
                        self.prelude = Prelude::Done;
                        return;
                    }
                    // TLS starts: what was said in plaintext is left out, but the greeting.
                    let greeting = self.held.iter().find_map(|i| match i {
                        Item::Text {
                            dir: Dir::Server, ..
                        } => Some(i.clone()),
                        _ => None,
                    });
                    self.held.retain(|i| matches!(i, Item::Comment(_)));
                    self.held.push(Item::Comment(
                        "recorded over STARTTLS: the plaintext part is left out, and the \
                         greeting carries the capabilities the server gave over TLS"
                            .into(),
                    ));
                    let greeting_at = self.held.len();
                    self.held.push(
                        greeting.unwrap_or_else(|| Item::text(Dir::Server, false, b"* OK", true)),
                    );
                    self.prelude = Prelude::AfterTls {
                        greeting_at,
                        cap_tag: None,
                        caps: None,
                    };
                }
            }
            (Prelude::AfterTls { cap_tag, .. }, Dir::Client) => {
                if cap_tag.is_none() && name == "CAPABILITY" {
                    *cap_tag = tag.map(<[u8]>::to_vec);
                } else {
                    self.prelude = Prelude::Done;
                }
            }
            (
                Prelude::AfterTls {
                    greeting_at,
                    cap_tag,
                    caps,
                },
                Dir::Server,
            ) => {
                let untagged_caps = text
                    .get(..13)
                    .is_some_and(|p| p.eq_ignore_ascii_case(b"* CAPABILITY "));
                if untagged_caps && cap_tag.is_some() {
                    *caps = Some(text[13..].to_vec());
                } else if tag.is_some() && tag == cap_tag.as_deref() {
                    if let (true, Some(caps)) = (ok, caps.take()) {
                        // The CAPABILITY exchange is folded into the greeting.
                        let at = *greeting_at;
                        let old = match self.held.get(at) {
                            Some(Item::Text { pieces, .. }) => match pieces.first() {
                                Some(Piece::Bytes(b)) => b.clone(),
                                _ => Vec::new(),
                            },
                            _ => Vec::new(),
                        };
                        let mut line = b"* OK [CAPABILITY ".to_vec();
                        line.extend_from_slice(&caps);
                        line.extend_from_slice(b"] ");
                        line.extend_from_slice(greeting_text(&old));
                        self.held.truncate(at);
                        self.held.push(Item::text(Dir::Server, false, &line, true));
                    }
                    self.prelude = Prelude::Done;
                }
            }
            (Prelude::Done, _) => {}
        }
    }

    fn write(&self, items: Vec<Item>) {
        if items.is_empty() {
            return;
        }
        let mut sink = self.sink.lock().unwrap_or_else(PoisonError::into_inner);
        sink.write(&items);
    }
}

/// The text of a greeting without `* OK` and its response code.
fn greeting_text(line: &[u8]) -> &[u8] {
    let mut rest = line.get(5..).unwrap_or_default();
    if rest.starts_with(b"[") {
        if let Some(end) = rest.iter().position(|&b| b == b']') {
            rest = &rest[end + 1..];
            rest = rest.strip_prefix(b" ").unwrap_or(rest);
        }
    }
    rest
}

impl Drop for Tap {
    fn drop(&mut self) {
        let mut items = std::mem::take(&mut self.held);
        let (mut c, mut s) = (Vec::new(), Vec::new());
        self.client.flush(&mut c);
        self.server.flush(&mut s);
        // Half a line the client never finished (a connection cut mid-write) goes through
        // the same redaction as a whole one: half a LOGIN holds half a password.
        let mut client = Vec::new();
        for chunk in &c {
            self.client_chunk(chunk, false, &mut client);
        }
        items.extend(client.into_iter().map(|(item, _)| item));
        items.extend(s.iter().map(|c| bytes_item(Dir::Server, c).0));
        self.write(items);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose bytes the test can read.
    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);

    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Buf {
        fn lines(&self) -> Vec<String> {
            String::from_utf8(self.0.lock().unwrap().clone())
                .unwrap()
                .lines()
                .filter(|l| !l.starts_with('#'))
                .map(String::from)
                .collect()
        }
    }

    fn record(steps: &[(bool, &[u8], bool)]) -> Vec<String> {
        let buf = Buf::default();
        let rec = Recorder::new(buf.clone());
        let mut tap = rec.tap();
        for &(client, bytes, sensitive) in steps {
            if client {
                tap.client(bytes, sensitive);
            } else {
                tap.server(bytes);
            }
        }
        drop(tap);
        buf.lines()
    }

    #[test]
    fn login_is_redacted_also_with_literals() {
        let lines = record(&[
            (false, b"* OK [CAPABILITY IMAP4rev1] hi\r\n", false),
            (true, b"A0001 LOGIN {5}\r\n", true),
            (false, b"+ go\r\n", false),
            (true, b"alice {6}\r\n", true),
            (false, b"+ go\r\n", false),
            (true, b"s3cr\"t\r\n", true),
            (false, b"A0001 OK done\r\n", false),
            (true, b"A0002 NOOP\r\n", false),
            (false, b"A0002 OK\r\n", false),
        ]);
        assert_eq!(
            lines,
            [
                "S: * OK [CAPABILITY IMAP4rev1] hi",
                "C: A0001 LOGIN {{redacted}}",
                "S: A0001 OK done",
                "C: A0002 NOOP",
                "S: A0002 OK",
            ]
        );
        // Without the library's hint (a wrapped stream), by the command's name.
        let lines = record(&[
            (false, b"* OK hi\r\n", false),
            (true, b"a1 login alice \"pw\"\r\n", false),
            (false, b"a1 OK\r\n", false),
        ]);
        assert_eq!(lines[1], "C: a1 login {{redacted}}");
    }

    /// A connection cut in the middle of a LOGIN line: what was written of it is redacted
    /// too, as is half a SASL response.
    #[test]
    fn an_unfinished_login_is_redacted() {
        let lines = record(&[
            (false, b"* OK hi\r\n", false),
            (true, b"A0001 LOGIN alice hunt", false),
        ]);
        assert_eq!(lines, ["S: * OK hi", "C: A0001 LOGIN {{redacted}}\\"]);
        let lines = record(&[
            (false, b"* OK hi\r\n", false),
            (true, b"A0001 AUTHENTICATE PLAIN\r\n", true),
            (false, b"+ \r\n", false),
            (true, b"AGFsaWNl", true),
        ]);
        assert_eq!(
            lines,
            [
                "S: * OK hi",
                "C: A0001 AUTHENTICATE PLAIN",
                "S: + {{redacted}}"
            ]
        );
    }

    #[test]
    fn sasl_exchanges_are_redacted() {
        let lines = record(&[
            (false, b"* OK hi\r\n", false),
            (true, b"A0001 AUTHENTICATE PLAIN AGFsaWNlAHB3\r\n", true),
            (false, b"A0001 NO [AUTHENTICATIONFAILED] no\r\n", false),
            (true, b"A0002 AUTHENTICATE XOAUTH2\r\n", true),
            (false, b"+ \r\n", false),
            (true, b"dXNlcj1h\r\n", true),
            (false, b"+ eyJzdGF0dXMiOiI0MDEifQ==\r\n", false),
            (true, b"*\r\n", false),
            (false, b"A0002 BAD cancelled\r\n", false),
        ]);
        assert_eq!(
            lines,
            [
                "S: * OK hi",
                "C: A0001 AUTHENTICATE PLAIN {{redacted}}",
                "S: A0001 NO [AUTHENTICATIONFAILED] no",
                "C: A0002 AUTHENTICATE XOAUTH2",
                "S: + {{redacted}}",
                "C: {{redacted}}",
                "S: + {{redacted}}",
                "C: *",
                "S: A0002 BAD cancelled",
            ]
        );
    }

    #[test]
    fn starttls_is_folded_into_the_greeting() {
        let lines = record(&[
            (false, b"* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] Dovecot ready.\r\n", false),
            (true, b"A0001 STARTTLS\r\n", false),
            (false, b"A0001 OK Begin TLS negotiation now.\r\n", false),
            (true, b"A0002 CAPABILITY\r\n", false),
            (false, b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nA0002 OK Pre-login capabilities listed, post-login capabilities have more.\r\n", false),
            (true, b"A0003 LOGIN a b\r\n", true),
            (false, b"A0003 OK\r\n", false),
        ]);
        assert_eq!(
            lines,
            [
                "S: * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] Dovecot ready.",
                "C: A0003 LOGIN {{redacted}}",
                "S: A0003 OK",
            ]
        );
    }

    #[test]
    fn literals_partial_lines_and_odd_bytes() {
        let lines = record(&[
            (false, b"* OK hi\r\n", false),
            (true, b"A1 NOOP\r\n", false),
            (
                false,
                b"* 1 FETCH (BODY[] {10}\r\nab\r\n\r\nc\x00 \\)\r\n",
                false,
            ),
            (false, b"A1 OK\r\n* 2 EXI", false),
        ]);
        assert_eq!(
            lines,
            [
                "S: * OK hi",
                "C: A1 NOOP",
                "S: * 1 FETCH (BODY[] {10}",
                "S| ab",
                "S|",
                "S| c\\x00 \\x5C\\",
                "S: )",
                "S: A1 OK",
                "S: * 2 EXI\\",
            ]
        );
    }
}
