//! Transcripts written in code, for what no real server does on demand.

use std::fmt;
use std::time::Duration;

use super::format::{Chunk, Dir, Item, Piece, Splitter, Transcript};
use super::replay::Replay;

/// The capabilities of a [`Script`]'s greeting and LOGIN reply unless
/// [`capabilities`](Script::capabilities) says otherwise.
pub const DEFAULT_CAPABILITIES: &str = "IMAP4rev1 LITERAL+ IDLE UIDPLUS MOVE";

/// A transcript built in code: the commands the client must send and what the server
/// answers, with the errors, pauses and disconnects a real server will not produce when
/// asked.
///
/// Commands are given without a tag ([`expect`](Self::expect) adds `A0001`, `A0002`...; the
/// replay maps them to the client's own) and completions as `OK ...`, `NO ...` or
/// `BAD ...` ([`respond`](Self::respond) tags them with the last command's tag). Lines are
/// given without CRLF; a literal goes inside the string (`"* 1 FETCH (BODY[] {5}\r\nhello)"`).
/// In an expected command, `{{any}}` matches any bytes (see [`Replay`]).
///
/// ```
/// use std::time::Duration;
/// use blocking_imap::testing::Script;
///
/// let replay = Script::new()
///     .login()
///     .expect("SELECT INBOX")
///     .respond(["* 2 EXISTS", "OK [READ-WRITE] SELECT completed"])
///     .expect("NOOP")
///     .delay(Duration::from_millis(20))
///     .respond((3..=100).map(|n| format!("* {n} EXISTS")))
///     .respond(["OK"])
///     .expect("LOGOUT")
///     .disconnect()
///     .replay();
/// let mut session = replay.session()?;
/// assert_eq!(session.select("INBOX")?.exists(), 2);
/// session.noop()?;
/// assert_eq!(session.mailbox().exists(), 100);
/// assert!(session.logout().is_ok(), "a LOGOUT cut short by a disconnect is no error");
/// replay.assert_finished();
/// # Ok::<(), blocking_imap::Error>(())
/// ```
#[derive(Clone)]
pub struct Script {
    greeting: Option<String>,
    caps: String,
    items: Vec<Item>,
    client: Splitter,
    server: Splitter,
    next_tag: u32,
    last_tag: Option<String>,
}

impl fmt::Debug for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Script")
            .field("lines", &self.items.len())
            .finish_non_exhaustive()
    }
}

impl Default for Script {
    fn default() -> Self {
        Script::new()
    }
}

/// `{{name}}` in `bytes` as placeholders.
fn holes(bytes: &[u8]) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut rest = bytes;
    let mut cur = Vec::new();
    while !rest.is_empty() {
        if rest.starts_with(b"{{") {
            if let Some(end) = rest[2..].windows(2).position(|w| w == b"}}") {
                let name = &rest[2..2 + end];
                if name
                    .iter()
                    .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
                {
                    if !cur.is_empty() {
                        pieces.push(Piece::Bytes(std::mem::take(&mut cur)));
                    }
                    pieces.push(Piece::Hole(String::from_utf8_lossy(name).into_owned()));
                    rest = &rest[end + 4..];
                    continue;
                }
            }
        }
        cur.push(rest[0]);
        rest = &rest[1..];
    }
    if !cur.is_empty() || pieces.is_empty() {
        pieces.push(Piece::Bytes(cur));
    }
    pieces
}

fn is_completion(line: &str) -> bool {
    let word = line.split(' ').next().unwrap_or_default();
    ["OK", "NO", "BAD"]
        .iter()
        .any(|w| word.eq_ignore_ascii_case(w))
}

impl Script {
    /// An empty script: the server greets with `* OK [CAPABILITY ...]`
    /// ([`DEFAULT_CAPABILITIES`]) and nothing else has happened yet.
    pub fn new() -> Script {
        Script {
            greeting: None,
            caps: DEFAULT_CAPABILITIES.into(),
            items: Vec::new(),
            client: Splitter::default(),
            server: Splitter::default(),
            next_tag: 1,
            last_tag: None,
        }
    }

    /// The capabilities in the greeting and in the reply to [`login`](Self::login) (call it
    /// before `login`).
    pub fn capabilities(mut self, caps: &str) -> Self {
        caps.clone_into(&mut self.caps);
        self
    }

    /// Another greeting: the whole line, e.g. `* PREAUTH welcome` or `* BYE too busy`.
    pub fn greeting(mut self, line: &str) -> Self {
        self.greeting = Some(line.to_string());
        self
    }

    /// The client logs in with LOGIN (any user and password), and the server says OK with
    /// its capabilities: what [`Replay::session`] does.
    pub fn login(self) -> Self {
        let ok = format!("OK [CAPABILITY {}] Logged in", self.caps);
        self.expect("LOGIN {{any}}").respond([ok])
    }

    /// The client must send `command` next (without tag or CRLF); `{{any}}` matches
    /// anything.
    pub fn expect(mut self, command: &str) -> Self {
        let tag = format!("A{:04}", self.next_tag);
        self.next_tag += 1;
        let bytes = format!("{tag} {command}\r\n");
        self.last_tag = Some(tag);
        self.client_bytes(bytes.as_bytes());
        self
    }

    /// The client must send `line` next, untagged and as given (an IDLE's `DONE`, a SASL
    /// response, the rest of a command after a literal).
    pub fn expect_raw(mut self, line: &str) -> Self {
        self.client_bytes(format!("{line}\r\n").as_bytes());
        self
    }

    /// The server sends `lines`, each followed by CRLF. A line that starts with `OK`, `NO`
    /// or `BAD` is the completion of the last command and gets its tag; others go as they
    /// are (`* ...`, `+ ...`, or anything at all).
    pub fn respond<I>(mut self, lines: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        for line in lines {
            let line = line.as_ref();
            let mut bytes = Vec::with_capacity(line.len() + 10);
            if let (Some(tag), true) = (&self.last_tag, self.server.at_new_line()) {
                if is_completion(line) {
                    bytes.extend_from_slice(tag.as_bytes());
                    bytes.push(b' ');
                }
            }
            bytes.extend_from_slice(line.as_bytes());
            bytes.extend_from_slice(b"\r\n");
            self.server_bytes(&bytes);
        }
        self
    }

    /// The server sends exactly `bytes`: no CRLF added, no tag (half a line before a
    /// disconnect, a bare LF, invalid UTF-8).
    pub fn send_bytes(mut self, bytes: impl AsRef<[u8]>) -> Self {
        self.server_bytes(bytes.as_ref());
        self
    }

    /// The server pauses for `delay` before what follows (a slow server; past the read
    /// timeout or the [`command_deadline`](crate::ClientBuilder::command_deadline) of the
    /// builder given to [`Replay::client_with`], or past [`Replay::read_timeout`], a
    /// timeout).
    pub fn delay(mut self, delay: Duration) -> Self {
        self.flush_server();
        self.items.push(Item::Delay(delay, 0));
        self
    }

    /// The client's next read fails as a socket read timeout does
    /// ([`Error::Timeout`](crate::Error::Timeout)).
    pub fn timeout(mut self) -> Self {
        self.flush_server();
        self.items.push(Item::Timeout(0));
        self
    }

    /// The server closes the connection: reads return end-of-file from here on.
    pub fn disconnect(mut self) -> Self {
        self.flush_server();
        self.items.push(Item::Eof(0));
        self
    }

    /// The client's next read fails with "connection reset".
    pub fn reset(mut self) -> Self {
        self.flush_server();
        self.items.push(Item::Reset(0));
        self
    }

    /// A `# comment` in the transcript.
    pub fn comment(mut self, text: &str) -> Self {
        self.items.push(Item::Comment(text.to_string()));
        self
    }

    /// The transcript (its `Display` is the text, to save as a file; a replay's messages
    /// give line numbers in that text).
    pub fn transcript(&self) -> Transcript {
        let greeting = self
            .greeting
            .clone()
            .unwrap_or_else(|| format!("* OK [CAPABILITY {}] script ready", self.caps));
        let mut items = Vec::with_capacity(self.items.len() + 1);
        let mut first = Vec::new();
        Splitter::default().feed(format!("{greeting}\r\n").as_bytes(), &mut first);
        items.extend(first.iter().map(|c| chunk_item(Dir::Server, c, false)));
        items.extend(self.items.iter().cloned());
        let mut rest = Vec::new();
        self.server.clone().flush(&mut rest);
        items.extend(rest.iter().map(|c| chunk_item(Dir::Server, c, false)));
        let mut rest = Vec::new();
        self.client.clone().flush(&mut rest);
        items.extend(rest.iter().map(|c| chunk_item(Dir::Client, c, true)));
        // Numbered as the lines of its text, for the replay's messages.
        for (i, item) in items.iter_mut().enumerate() {
            match item {
                Item::Text { line, .. }
                | Item::Delay(_, line)
                | Item::Timeout(line)
                | Item::Eof(line)
                | Item::Reset(line) => *line = i + 1,
                Item::Comment(_) => {}
            }
        }
        Transcript { items }
    }

    /// A [`Replay`] of the script.
    pub fn replay(&self) -> Replay {
        Replay::new(self.transcript())
    }

    fn client_bytes(&mut self, bytes: &[u8]) {
        self.flush_server();
        let mut chunks = Vec::new();
        self.client.feed(bytes, &mut chunks);
        self.items
            .extend(chunks.iter().map(|c| chunk_item(Dir::Client, c, true)));
    }

    fn server_bytes(&mut self, bytes: &[u8]) {
        let mut chunks = Vec::new();
        self.server.feed(bytes, &mut chunks);
        self.items
            .extend(chunks.iter().map(|c| chunk_item(Dir::Server, c, false)));
    }

    /// Half a server line before a client line or a pause goes out as it is.
    fn flush_server(&mut self) {
        let mut chunks = Vec::new();
        self.server.flush(&mut chunks);
        self.items
            .extend(chunks.iter().map(|c| chunk_item(Dir::Server, c, false)));
    }
}

fn chunk_item(dir: Dir, c: &Chunk, placeholders: bool) -> Item {
    Item::Text {
        dir,
        literal: c.literal,
        pieces: if placeholders {
            holes(&c.text)
        } else {
            vec![Piece::Bytes(c.text.clone())]
        },
        crlf: c.crlf,
        line: 0,
    }
}

impl fmt::Display for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.transcript().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_render_as_transcripts() {
        let s = Script::new()
            .capabilities("IMAP4rev1")
            .login()
            .expect("APPEND INBOX {5}")
            .respond(["+ go"])
            .expect_raw("hello")
            .respond(["* 1 EXISTS", "OK [APPENDUID 1 1] done"])
            .expect("NOOP")
            .send_bytes("* 2 EX")
            .delay(Duration::from_millis(250))
            .send_bytes("ISTS\r\n")
            .respond(["* 1 FETCH (BODY[] {7}\r\na\r\nbc{{)", "OK"])
            .disconnect();
        let text = s.to_string();
        assert_eq!(
            text,
            "S: * OK [CAPABILITY IMAP4rev1] script ready\n\
             C: A0001 LOGIN {{any}}\n\
             S: A0001 OK [CAPABILITY IMAP4rev1] Logged in\n\
             C: A0002 APPEND INBOX {5}\n\
             S: + go\n\
             C| hello\\\n\
             C:\n\
             S: * 1 EXISTS\n\
             S: A0002 OK [APPENDUID 1 1] done\n\
             C: A0003 NOOP\n\
             S: * 2 EX\\\n\
             ! delay 250ms\n\
             S: ISTS\n\
             S: * 1 FETCH (BODY[] {7}\n\
             S| a\n\
             S| bc\\x7B{\\\n\
             S: )\n\
             S: A0003 OK\n\
             ! eof\n"
        );
        assert_eq!(Transcript::parse(&text).unwrap().to_string(), text);
    }
}
