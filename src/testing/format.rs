//! The transcript format: reading, writing, and cutting a byte stream into its lines.
//!
//! See the [module docs](super) for the format itself. Everything here is sans-I/O.

use std::fmt;
use std::io;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// Literal lines longer than this are cut (with the trailing `\` that means "no CRLF here"),
/// so that a binary literal does not become one huge line.
const MAX_LITERAL_LINE: usize = 4096;

/// Who sent a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dir {
    Client,
    Server,
}

/// A piece of a line: bytes, or a placeholder (`{{name}}`) that stands for anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    Bytes(Vec<u8>),
    Hole(String),
}

/// One line of a transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Item {
    /// `C:` / `S:` (a protocol line) or `C|` / `S|` (literal bytes).
    Text {
        dir: Dir,
        literal: bool,
        pieces: Vec<Piece>,
        /// Is the line followed by CRLF (no trailing `\`)?
        crlf: bool,
        /// Where it is in the transcript (1-based; 0 when built in code).
        line: usize,
    },
    /// `! delay 250ms`: the server waits before what follows.
    Delay(Duration, usize),
    /// `! timeout`: the next read fails as a socket's read timeout would.
    Timeout(usize),
    /// `! eof`: the server closes the connection.
    Eof(usize),
    /// `! reset`: the next read fails with "connection reset".
    Reset(usize),
    /// `# ...`
    Comment(String),
}

impl Item {
    pub(crate) fn text(dir: Dir, literal: bool, bytes: &[u8], crlf: bool) -> Item {
        Item::Text {
            dir,
            literal,
            pieces: vec![Piece::Bytes(bytes.to_vec())],
            crlf,
            line: 0,
        }
    }

    pub(crate) fn line_no(&self) -> usize {
        match self {
            Item::Text { line, .. }
            | Item::Delay(_, line)
            | Item::Timeout(line)
            | Item::Eof(line)
            | Item::Reset(line) => *line,
            Item::Comment(_) => 0,
        }
    }
}

/// A recorded or scripted IMAP exchange: what [`Replay`](super::Replay) plays back, what
/// [`Recorder`](super::Recorder) writes and [`Script`](super::Script) builds.
///
/// Its `Display` is the transcript text; [`parse`](Self::parse) (or `str::parse`) reads it
/// back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transcript {
    pub(crate) items: Vec<Item>,
}

/// A transcript that could not be read: which line, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptError {
    line: usize,
    message: String,
}

impl TranscriptError {
    /// The line of the transcript (1-based).
    pub fn line(&self) -> usize {
        self.line
    }
}

impl fmt::Display for TranscriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "transcript line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for TranscriptError {}

impl Transcript {
    /// Reads a transcript from its text.
    ///
    /// Errors: a line that is none of `C:`, `S:`, `C|`, `S|`, `!` or `#`, an unknown `!`
    /// directive, or a literal whose bytes do not add up to the `{n}` that announced it.
    pub fn parse(text: &str) -> Result<Transcript, TranscriptError> {
        let mut items = Vec::new();
        let mut check = [LiteralCheck::default(), LiteralCheck::default()];
        for (i, raw) in text.split('\n').enumerate() {
            let line = i + 1;
            // A checkout with CRLF line ends reads the same: a CR in the data is `\x0D`.
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            if raw.trim().is_empty() {
                continue;
            }
            let err = |message: String| TranscriptError { line, message };
            if let Some(c) = raw.strip_prefix('#') {
                items.push(Item::Comment(c.strip_prefix(' ').unwrap_or(c).to_string()));
                continue;
            }
            if let Some(d) = raw.strip_prefix('!') {
                items.push(parse_directive(d.trim(), line).map_err(err)?);
                continue;
            }
            let (dir, literal) = match raw.get(..2) {
                Some("C:") => (Dir::Client, false),
                Some("S:") => (Dir::Server, false),
                Some("C|") => (Dir::Client, true),
                Some("S|") => (Dir::Server, true),
                _ => {
                    // Only the line's first word: the line may be a LOGIN written by hand, and
                    // its password must not show in an error.
                    let word = raw.split(' ').next().unwrap_or("");
                    let more = if word.len() < raw.len() { " ..." } else { "" };
                    let found = format!("{}{more}", truncate(word, 20));
                    return Err(err(format!(
                        "expected `C: `, `S: `, `C| `, `S| `, `! ` or `# `, found {found:?}"
                    )));
                }
            };
            let body = &raw[2..];
            let body = body.strip_prefix(' ').unwrap_or(body);
            let (body, crlf) = match body.strip_suffix('\\') {
                Some(b) => (b, false),
                None => (body, true),
            };
            let pieces = unescape(body);
            let c = &mut check[usize::from(dir == Dir::Server)];
            c.item(literal, &pieces, crlf, line).map_err(err)?;
            items.push(Item::Text {
                dir,
                literal,
                pieces,
                crlf,
                line,
            });
        }
        Ok(Transcript { items })
    }

    /// Reads a transcript file (a recording, or one written by hand).
    ///
    /// Errors: the file cannot be read; [`io::ErrorKind::InvalidData`] with the
    /// [`TranscriptError`] (the file name and line in its message) when it cannot be parsed.
    pub fn from_file(path: impl AsRef<Path>) -> io::Result<Transcript> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("reading transcript {}: {e}", path.display()),
            )
        })?;
        Transcript::parse(&text).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: {e}", path.display()),
            )
        })
    }
}

impl FromStr for Transcript {
    type Err = TranscriptError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Transcript::parse(s)
    }
}

impl fmt::Display for Transcript {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for item in &self.items {
            f.write_str(&render(item))?;
            f.write_str("\n")?;
        }
        Ok(())
    }
}

/// Checks, per direction, that each literal has as many bytes as announced.
#[derive(Default)]
struct LiteralCheck {
    /// The literal being read: its size, the line that announced it, the bytes so far.
    open: Option<(usize, usize, usize)>,
    /// Text of the protocol line so far (for a line cut with `\`).
    line: Vec<u8>,
    exact: bool,
}

impl LiteralCheck {
    fn item(
        &mut self,
        literal: bool,
        pieces: &[Piece],
        crlf: bool,
        line: usize,
    ) -> Result<(), String> {
        let len: usize = pieces
            .iter()
            .map(|p| match p {
                Piece::Bytes(b) => b.len(),
                Piece::Hole(_) => 0,
            })
            .sum::<usize>()
            + if crlf { 2 } else { 0 };
        let has_hole = pieces.iter().any(|p| matches!(p, Piece::Hole(_)));
        if literal {
            match &mut self.open {
                Some((_, _, got)) => *got += len,
                None => {
                    return Err(
                        "literal bytes (`|`) without a line announcing them with {n}".into(),
                    )
                }
            }
            return Ok(());
        }
        if let Some((n, at, got)) = self.open.take() {
            if self.exact && got != n {
                return Err(format!(
                    "the literal announced as {{{n}}} on line {at} holds {got} bytes (each `|` \
                     line counts its CRLF unless it ends in `\\`); fix the count or the bytes"
                ));
            }
        }
        if self.line.is_empty() {
            self.exact = true;
        }
        for p in pieces {
            if let Piece::Bytes(b) = p {
                self.line.extend_from_slice(b);
            }
        }
        self.exact &= !has_hole;
        if crlf {
            if let Some(a) = announcement(&self.line) {
                self.open = Some((a.size, line, 0));
            }
            self.line.clear();
        }
        Ok(())
    }
}

fn parse_directive(d: &str, line: usize) -> Result<Item, String> {
    let mut words = d.split_whitespace();
    let name = words.next().unwrap_or_default();
    let arg = words.next();
    let item = match (name, arg) {
        ("delay", Some(a)) => Item::Delay(parse_duration(a)?, line),
        ("timeout", None) => Item::Timeout(line),
        ("eof", None) => Item::Eof(line),
        ("reset", None) => Item::Reset(line),
        _ => {
            return Err(format!(
                "unknown directive `! {d}`: use `! delay 250ms`, `! timeout`, `! eof` or \
                 `! reset`"
            ))
        }
    };
    if words.next().is_some() {
        return Err(format!("too many words in `! {d}`"));
    }
    Ok(item)
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("`{s}` is not a duration like 250ms or 2s");
    let (num, unit) = if let Some(n) = s.strip_suffix("ms") {
        (n, 1)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1000)
    } else {
        return Err(bad());
    };
    let n: u64 = num.parse().map_err(|_| bad())?;
    Ok(Duration::from_millis(n.checked_mul(unit).ok_or_else(bad)?))
}

fn render_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms % 1000 == 0 && ms > 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// One item as a transcript line (without its newline).
pub(crate) fn render(item: &Item) -> String {
    match item {
        Item::Text {
            dir,
            literal,
            pieces,
            crlf,
            ..
        } => {
            let mut s = String::from(match (dir, literal) {
                (Dir::Client, false) => "C:",
                (Dir::Server, false) => "S:",
                (Dir::Client, true) => "C|",
                (Dir::Server, true) => "S|",
            });
            let body = render_pieces(pieces);
            if !body.is_empty() || !crlf {
                s.push(' ');
            }
            s.push_str(&body);
            if !crlf {
                s.push('\\');
            }
            s
        }
        Item::Delay(d, _) => format!("! delay {}", render_duration(*d)),
        Item::Timeout(_) => "! timeout".into(),
        Item::Eof(_) => "! eof".into(),
        Item::Reset(_) => "! reset".into(),
        Item::Comment(c) if c.is_empty() => "#".into(),
        Item::Comment(c) => format!("# {}", c.replace(['\r', '\n'], " ")),
    }
}

/// Pieces as transcript text: bytes escaped, placeholders as `{{name}}`.
pub(crate) fn render_pieces(pieces: &[Piece]) -> String {
    let mut s = String::new();
    for (i, p) in pieces.iter().enumerate() {
        match p {
            Piece::Bytes(b) => {
                // The line's true end: no placeholder after these bytes.
                let last = i + 1 == pieces.len();
                escape_into(b, last, &mut s);
            }
            Piece::Hole(name) => {
                s.push_str("{{");
                s.push_str(name);
                s.push_str("}}");
            }
        }
    }
    s
}

/// Bytes as transcript text, for messages: escaped, cut after `max` characters.
pub(crate) fn show(bytes: &[u8], max: usize) -> String {
    let mut s = String::new();
    escape_into(bytes, true, &mut s);
    truncate(&s, max)
}

/// `s` cut after `max` characters, saying how many more there were.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    format!("{cut}... ({} more characters)", s.chars().count() - max)
}

/// Characters shown escaped although they are valid UTF-8: C1 controls, and the
/// invisible ones that reorder or hide text in an editor.
fn invisible(c: char) -> bool {
    matches!(c, '\u{80}'..='\u{9f}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// Escapes `bytes` into `out`: control bytes, invalid UTF-8 and invisible characters as
/// `\xHH`; a backslash as `\x5C` where it could be misread (before `x`, at the end); the
/// first `{` of `{{` as `\x7B`; a space or tab ending the line (`at_end`) escaped, since
/// editors strip trailing blanks.
fn escape_into(bytes: &[u8], at_end: bool, out: &mut String) {
    // Most lines are printable ASCII with nothing to escape.
    let plain = bytes
        .iter()
        .all(|&b| (b' '..0x7f).contains(&b) && b != b'\\' && b != b'{');
    if plain && !(at_end && bytes.last() == Some(&b' ')) {
        out.extend(bytes.iter().map(|&b| char::from(b)));
        return;
    }
    let hex = |out: &mut String, b: u8| {
        const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
        out.push_str("\\x");
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    };
    for chunk in bytes.utf8_chunks() {
        let mut chars = chunk.valid().chars().peekable();
        while let Some(c) = chars.next() {
            let next = chars.peek().copied();
            // Nothing after it: the line's end (no invalid bytes, no other chunk follow).
            let last = at_end && next.is_none() && chunk.invalid().is_empty();
            match c {
                c if c < ' ' || c == '\x7f' || invisible(c) => {
                    let mut buf = [0; 4];
                    for &b in c.encode_utf8(&mut buf).as_bytes() {
                        hex(out, b);
                    }
                }
                '\\' if last || next == Some('x') => hex(out, b'\\'),
                '{' if next == Some('{') => hex(out, b'{'),
                ' ' if last => hex(out, b' '),
                c => out.push(c),
            }
        }
        for &b in chunk.invalid() {
            hex(out, b);
        }
    }
}

/// Transcript text to pieces: `\xHH` to its byte, `{{name}}` to a placeholder.
fn unescape(text: &str) -> Vec<Piece> {
    let b = text.as_bytes();
    let mut pieces = Vec::new();
    let mut cur = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && b.get(i + 1) == Some(&b'x') {
            let h = b
                .get(i + 2..i + 4)
                .and_then(|h| std::str::from_utf8(h).ok());
            if let Some(v) = h.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                cur.push(v);
                i += 4;
                continue;
            }
        }
        if b[i..].starts_with(b"{{") {
            if let Some(end) = text[i + 2..].find("}}") {
                let name = &text[i + 2..i + 2 + end];
                if name
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
                {
                    if !cur.is_empty() {
                        pieces.push(Piece::Bytes(std::mem::take(&mut cur)));
                    }
                    pieces.push(Piece::Hole(name.to_string()));
                    i += end + 4;
                    continue;
                }
            }
        }
        cur.push(b[i]);
        i += 1;
    }
    if !cur.is_empty() || pieces.is_empty() {
        pieces.push(Piece::Bytes(cur));
    }
    pieces
}

/// A literal announced at the end of a line: `{n}`, `{n+}`, `{n-}` or `~{n}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Announcement {
    pub(crate) size: usize,
    /// Must the sender wait for `+` (a synchronising literal)?
    pub(crate) sync: bool,
}

pub(crate) fn announcement(line: &[u8]) -> Option<Announcement> {
    let inner = line.strip_suffix(b"}")?;
    let open = inner.iter().rposition(|&b| b == b'{')?;
    let mut digits = &inner[open + 1..];
    let mut sync = true;
    if let Some(d) = digits
        .strip_suffix(b"+")
        .or_else(|| digits.strip_suffix(b"-"))
    {
        digits = d;
        sync = false;
    }
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let size = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some(Announcement { size, sync })
}

/// A piece of one direction's byte stream, cut at lines and literals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Chunk {
    pub(crate) literal: bool,
    pub(crate) text: Vec<u8>,
    pub(crate) crlf: bool,
    /// The first chunk of a protocol line that starts a command or a response (not the
    /// rest of a line after a literal, nor the rest of a line cut by [`Splitter::flush`]).
    pub(crate) first: bool,
    /// For the chunk that ends a protocol line: the literal it announces.
    pub(crate) announces: Option<Announcement>,
}

/// Cuts one direction's bytes into lines and literals, across reads of any size.
#[derive(Debug, Default, Clone)]
pub(crate) struct Splitter {
    /// The protocol line not yet handed out.
    line: Vec<u8>,
    /// Its start, already handed out by `flush` (kept to see the announcement at its end).
    line_done: Vec<u8>,
    /// Does the current protocol line continue one that announced a literal?
    continuation: bool,
    /// Bytes of the current literal still to come.
    literal_left: usize,
    /// The literal's current line, not yet handed out.
    lit: Vec<u8>,
}

impl Splitter {
    /// Would the next byte start a new command or response (not a literal, not the rest of
    /// a line)?
    pub(crate) fn at_new_line(&self) -> bool {
        self.literal_left == 0
            && self.line.is_empty()
            && self.line_done.is_empty()
            && !self.continuation
    }

    pub(crate) fn feed(&mut self, mut bytes: &[u8], out: &mut Vec<Chunk>) {
        while !bytes.is_empty() {
            if self.literal_left > 0 {
                let take = self.literal_left.min(bytes.len());
                let mut part = &bytes[..take];
                while !part.is_empty() {
                    match part.iter().position(|&b| b == b'\n') {
                        Some(i) => {
                            self.lit.extend_from_slice(&part[..=i]);
                            part = &part[i + 1..];
                            if self.lit.ends_with(b"\r\n") {
                                let n = self.lit.len() - 2;
                                self.lit.truncate(n);
                                self.push_lit(true, out);
                            }
                        }
                        None => {
                            self.lit.extend_from_slice(part);
                            part = &[];
                        }
                    }
                    // A long line is cut (never between a CR and what may be its LF).
                    while self.lit.len() >= MAX_LITERAL_LINE {
                        let mut cut = MAX_LITERAL_LINE;
                        if self.lit[cut - 1] == b'\r' {
                            cut -= 1;
                        }
                        let rest = self.lit.split_off(cut);
                        self.push_lit(false, out);
                        self.lit = rest;
                    }
                }
                self.literal_left -= take;
                bytes = &bytes[take..];
                if self.literal_left == 0 && !self.lit.is_empty() {
                    self.push_lit(false, out);
                }
                continue;
            }
            let Some(nl) = bytes.iter().position(|&b| b == b'\n') else {
                self.line.extend_from_slice(bytes);
                return;
            };
            self.line.extend_from_slice(&bytes[..=nl]);
            bytes = &bytes[nl + 1..];
            if !self.line.ends_with(b"\r\n") {
                // A bare LF is part of the line (shown as \x0A).
                continue;
            }
            let n = self.line.len() - 2;
            self.line.truncate(n);
            let first = !self.continuation && self.line_done.is_empty();
            let announces = if self.line_done.is_empty() {
                announcement(&self.line)
            } else {
                let mut whole = std::mem::take(&mut self.line_done);
                whole.extend_from_slice(&self.line);
                announcement(&whole)
            };
            out.push(Chunk {
                literal: false,
                text: std::mem::take(&mut self.line),
                crlf: true,
                first,
                announces,
            });
            self.line_done.clear();
            self.continuation = announces.is_some();
            if let Some(a) = announces {
                self.literal_left = a.size;
            }
        }
    }

    fn push_lit(&mut self, crlf: bool, out: &mut Vec<Chunk>) {
        out.push(Chunk {
            literal: true,
            text: std::mem::take(&mut self.lit),
            crlf,
            first: false,
            announces: None,
        });
    }

    /// Hands out what is pending as a chunk without CRLF (before a pause, or at the end).
    pub(crate) fn flush(&mut self, out: &mut Vec<Chunk>) {
        if !self.lit.is_empty() {
            self.push_lit(false, out);
        }
        if !self.line.is_empty() {
            let first = !self.continuation && self.line_done.is_empty();
            self.line_done.extend_from_slice(&self.line);
            out.push(Chunk {
                literal: false,
                text: std::mem::take(&mut self.line),
                crlf: false,
                first,
                announces: None,
            });
        }
    }
}

/// The tag and the rest of a command or response line (`A0001 LOGIN ...`), if it has one.
pub(crate) fn split_tag(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let sp = line.iter().position(|&b| b == b' ')?;
    let tag = &line[..sp];
    let ok = !tag.is_empty()
        && tag
            .iter()
            .all(|&b| b > b' ' && b < 0x7f && !b"(){%*\"\\+]".contains(&b));
    ok.then(|| (tag, &line[sp + 1..]))
}

/// The first word of `rest`, upper-cased (`UID FETCH` gives `UID`).
pub(crate) fn first_word(rest: &[u8]) -> String {
    let end = rest.iter().position(|&b| b == b' ').unwrap_or(rest.len());
    String::from_utf8_lossy(&rest[..end]).to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(p: &[Piece]) -> Vec<u8> {
        match p {
            [Piece::Bytes(b)] => b.clone(),
            other => panic!("{other:?}"),
        }
    }

    /// A line that is no transcript line is named by its first word only: it may be a LOGIN
    /// written by hand, and no password may show.
    #[test]
    fn a_bad_line_is_quoted_without_credentials() {
        let err = Transcript::parse("c: A1 LOGIN bob s3cret\n").unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
        assert!(!format!("{err:?}").contains("s3cret"), "{err:?}");
        assert!(err.to_string().contains("found \"c: ...\""), "{err}");
        let err = Transcript::parse("hello\n").unwrap_err();
        assert!(err.to_string().contains("found \"hello\""), "{err}");
    }

    #[test]
    fn escapes_round_trip() {
        let cases: &[&[u8]] = &[
            b"plain text",
            b"tab\there",
            b"trailing space ",
            b"back\\slash \\x41 and end\\",
            b"quoted \"a\\\"b\" kept readable",
            b"{{not a placeholder}} {{{x}}}",
            b"bin \x00\x01\xff\xfe utf8 \xc3\xa9 \xe2\x80\xae",
            b"",
            b"\\",
            b" ",
        ];
        for &c in cases {
            let mut s = String::new();
            escape_into(c, true, &mut s);
            assert!(!s.ends_with(' ') && !s.ends_with('\\'), "{s}");
            assert!(!s.contains("{{"), "{s}");
            assert_eq!(bytes(&unescape(&s)), c, "{s}");
        }
        let mut s = String::new();
        escape_into(b"quoted \"a\\\"b\"", true, &mut s);
        assert_eq!(s, "quoted \"a\\\"b\"");
    }

    #[test]
    fn placeholders() {
        assert_eq!(
            unescape("A1 LOGIN {{redacted}}"),
            vec![
                Piece::Bytes(b"A1 LOGIN ".to_vec()),
                Piece::Hole("redacted".into())
            ]
        );
        assert_eq!(unescape("{{x}}"), vec![Piece::Hole("x".into())]);
        assert_eq!(bytes(&unescape("{{a b}}")), b"{{a b}}");
    }

    #[test]
    fn announcements() {
        let a = |s: &[u8]| announcement(s).map(|a| (a.size, a.sync));
        assert_eq!(a(b"A1 LOGIN {5}"), Some((5, true)));
        assert_eq!(a(b"* 1 FETCH (BODY[] {123+}"), Some((123, false)));
        assert_eq!(a(b"A1 APPEND x ~{7}"), Some((7, true)));
        assert_eq!(a(b"A1 X {}"), None);
        assert_eq!(a(b"A1 X {a}"), None);
        assert_eq!(a(b"A1 X {5} "), None);
        assert_eq!(a(b"{99999999999999999999999}"), None);
    }

    #[test]
    fn splitter_cuts_lines_and_literals_across_any_reads() {
        let stream = b"* 1 FETCH (BODY[] {12}\r\nSubject: x\r\n UID 4)\r\nA1 OK done\r\n";
        let mut whole = Vec::new();
        Splitter::default().feed(stream, &mut whole);
        assert_eq!(whole.len(), 4, "{whole:#?}");
        assert!(whole[0].first && whole[0].announces.is_some());
        assert!(whole[1].literal && whole[1].crlf && whole[1].text == b"Subject: x");
        assert!(!whole[2].first && !whole[2].literal && whole[2].text == b" UID 4)");
        assert!(whole[3].first && whole[3].text == b"A1 OK done");
        for step in 1..stream.len() {
            let mut s = Splitter::default();
            let mut got = Vec::new();
            for part in stream.chunks(step) {
                s.feed(part, &mut got);
            }
            assert_eq!(got, whole, "reads of {step}");
        }
    }

    #[test]
    fn long_literal_lines_are_cut_and_come_back_whole() {
        let mut body = vec![b'x'; 10_000];
        body[4095] = b'\r';
        body.extend_from_slice(b"\r\nend");
        let mut stream = format!("* 1 FETCH (BODY[] {{{}}}\r\n", body.len()).into_bytes();
        stream.extend_from_slice(&body);
        stream.extend_from_slice(b")\r\n");
        let mut chunks = Vec::new();
        let mut s = Splitter::default();
        for part in stream.chunks(1000) {
            s.feed(part, &mut chunks);
        }
        let mut lit = Vec::new();
        for c in chunks.iter().filter(|c| c.literal) {
            assert!(c.text.len() <= MAX_LITERAL_LINE);
            lit.extend_from_slice(&c.text);
            if c.crlf {
                lit.extend_from_slice(b"\r\n");
            }
        }
        assert_eq!(lit, body);
        assert_eq!(chunks.last().unwrap().text, b")");
        // And through the text format.
        let t = Transcript {
            items: chunks
                .iter()
                .map(|c| Item::text(Dir::Server, c.literal, &c.text, c.crlf))
                .collect(),
        };
        assert_eq!(
            Transcript::parse(&t.to_string()).unwrap().to_string(),
            t.to_string()
        );
    }

    #[test]
    fn transcript_text_round_trips() {
        let text = "# hello\nS: * OK ready\nC: A1 LOGIN {{redacted}}\nS: * 1 FETCH (BODY[] {9}\n\
                    S| line\nS| end\\\nS: )\n! delay 250ms\n! delay 2s\nS: A1 OK\\\n! eof\n";
        let t = Transcript::parse(text).unwrap();
        assert_eq!(t.to_string(), text);
        let e = Transcript::parse("S: * 1 FETCH (BODY[] {3}\nS| ab\nS: )\n").unwrap_err();
        assert_eq!(e.line(), 3);
        assert!(e.to_string().contains("holds 4 bytes"), "{e}");
        let e = Transcript::parse("S: ok\nX: what\n").unwrap_err();
        assert_eq!(e.line(), 2);
        assert!(Transcript::parse("! sleep 3\n").is_err());
        assert!(Transcript::parse("S|  x\n").is_err());
        // CRLF line ends (a Windows checkout) read the same.
        assert_eq!(
            Transcript::parse("S: * OK\r\nC: A1 NOOP\r\n").unwrap(),
            Transcript::parse("S: * OK\nC: A1 NOOP\n").unwrap()
        );
    }
}
