//! Command arguments to wire bytes (sans-I/O).
//!
//! A command is a list of segments: line text, each optionally followed by a literal. The
//! engine writes a segment's text with the literal's announcement, waits for the server's `+`
//! when the literal is synchronising, then writes the literal's bytes and goes on.

use crate::error::{Error, Result};

/// Strings up to this long go as quoted strings when they can; longer ones as literals.
const MAX_QUOTED: usize = 1024;
/// LITERAL- (RFC 7888) allows non-synchronising literals up to this size.
const LITERAL_MINUS_MAX: usize = 4096;

/// One piece of a command: text, then maybe a literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Segment {
    pub(crate) text: Vec<u8>,
    pub(crate) literal: Option<Vec<u8>>,
}

/// How the server lets us send literals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LiteralMode {
    /// Always wait for `+`.
    Synchronising,
    /// LITERAL+: never wait.
    Plus,
    /// LITERAL-: never wait for literals up to 4096 bytes.
    Minus,
}

impl LiteralMode {
    pub(crate) fn non_sync(self, len: usize) -> bool {
        match self {
            LiteralMode::Synchronising => false,
            LiteralMode::Plus => true,
            LiteralMode::Minus => len <= LITERAL_MINUS_MAX,
        }
    }
}

/// A command being built, without its tag.
#[derive(Debug, Clone)]
pub(crate) struct Command {
    name: &'static str,
    segments: Vec<Segment>,
    current: Vec<u8>,
    /// Arguments must never be logged (passwords, tokens).
    sensitive: bool,
}

impl Command {
    /// A command whose first word is `name` (`NOOP`, `UID FETCH`, ...).
    pub(crate) fn new(name: &'static str) -> Self {
        Command {
            name,
            segments: Vec::new(),
            current: name.as_bytes().to_vec(),
            sensitive: false,
        }
    }

    /// Marks the arguments as secret: logs show only the command name.
    pub(crate) fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    pub(crate) fn is_sensitive(&self) -> bool {
        self.sensitive
    }

    /// Appends ` ` and `raw` as it is: for text this crate built (keywords, numbers, sets).
    pub(crate) fn raw(&mut self, raw: &str) -> &mut Self {
        self.current.push(b' ');
        self.current.extend_from_slice(raw.as_bytes());
        self
    }

    /// Appends ` ` and a string, as an atom, a quoted string or a literal, whichever fits.
    /// A string holding NUL cannot be sent at all.
    pub(crate) fn astring(&mut self, s: &[u8], what: &str) -> Result<&mut Self> {
        self.current.push(b' ');
        self.push_string(s, what, true)
    }

    /// Appends ` ` and a string that must not be an atom (a quoted string or a literal).
    pub(crate) fn string(&mut self, s: &[u8], what: &str) -> Result<&mut Self> {
        self.current.push(b' ');
        self.push_string(s, what, false)
    }

    fn push_string(&mut self, s: &[u8], what: &str, atom_ok: bool) -> Result<&mut Self> {
        if s.contains(&0) {
            return Err(Error::InvalidArgument(format!(
                "{what} contains a NUL byte"
            )));
        }
        if atom_ok && is_astring_atom(s) {
            self.current.extend_from_slice(s);
        } else if s.len() <= MAX_QUOTED && s.iter().all(|&b| is_quotable(b)) {
            self.current.push(b'"');
            for &b in s {
                if b == b'"' || b == b'\\' {
                    self.current.push(b'\\');
                }
                self.current.push(b);
            }
            self.current.push(b'"');
        } else {
            self.literal(s.to_vec());
        }
        Ok(self)
    }

    /// Appends ` ` and a literal holding `data`.
    pub(crate) fn literal_arg(&mut self, data: Vec<u8>) -> &mut Self {
        self.current.push(b' ');
        self.literal(data)
    }

    /// Appends a literal holding `data` (the caller has written any space before it).
    pub(crate) fn literal(&mut self, data: Vec<u8>) -> &mut Self {
        let text = std::mem::take(&mut self.current);
        self.segments.push(Segment {
            text,
            literal: Some(data),
        });
        self
    }

    /// Appends ` ` and a literal8 (`~{n}`, RFC 3516) holding `data`, which may hold NUL
    /// bytes. Only for servers that advertise BINARY.
    ///
    /// The `~` ends the segment's text: the engine writes the `{n}` / `{n+}` announcement
    /// right after a segment's text, so the server reads `~{n}` (or `~{n+}`, RFC 7888).
    pub(crate) fn literal8_arg(&mut self, data: Vec<u8>) -> &mut Self {
        self.current.extend_from_slice(b" ~");
        self.literal(data)
    }

    /// Appends ` (s1 s2 ...)`: a parenthesised list of strings, each a quoted string or a
    /// literal (LIST-EXTENDED patterns). A string holding NUL cannot be sent; on that error
    /// the command is unchanged.
    pub(crate) fn string_list(&mut self, items: &[&[u8]], what: &str) -> Result<&mut Self> {
        if items.iter().any(|s| s.contains(&0)) {
            return Err(Error::InvalidArgument(format!(
                "{what} contains a NUL byte"
            )));
        }
        self.current.extend_from_slice(b" (");
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.current.push(b' ');
            }
            self.push_string(item, what, false)?;
        }
        self.current.push(b')');
        Ok(self)
    }

    /// The finished command's segments; the last one has no literal.
    pub(crate) fn into_segments(mut self) -> Vec<Segment> {
        let text = std::mem::take(&mut self.current);
        self.segments.push(Segment {
            text,
            literal: None,
        });
        self.segments
    }

    /// A one-line description for logs: the command with literals shown as `{n}`, or only
    /// its name when it is sensitive.
    pub(crate) fn describe(&self) -> String {
        if self.sensitive {
            return format!("{} <redacted>", self.name);
        }
        let mut s = String::new();
        for seg in &self.segments {
            s.push_str(&String::from_utf8_lossy(&seg.text));
            if let Some(l) = &seg.literal {
                s.push_str(&format!("{{{}}}", l.len()));
            }
        }
        s.push_str(&String::from_utf8_lossy(&self.current));
        if s.len() > 300 {
            let mut cut = 300;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            s.truncate(cut);
            s.push_str("...");
        }
        s
    }
}

/// A command's segments as one string, literals shown as `{n}<bytes>`: for tests.
#[cfg(test)]
pub(crate) fn segments_text(segs: &[Segment]) -> String {
    segs.iter()
        .map(|s| {
            let mut t = String::from_utf8_lossy(&s.text).into_owned();
            if let Some(l) = &s.literal {
                t.push_str(&format!("{{{}}}<{}>", l.len(), String::from_utf8_lossy(l)));
            }
            t
        })
        .collect()
}

/// ATOM-CHAR: any CHAR except atom-specials ( ) { SP CTL % * " \ ]
fn is_atom_char(b: u8) -> bool {
    b > 0x20 && b < 0x7f && !matches!(b, b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\' | b']')
}

/// Can `s` go as an atom where an astring is expected?
fn is_astring_atom(s: &[u8]) -> bool {
    !s.is_empty() && !s.eq_ignore_ascii_case(b"NIL") && s.iter().all(|&b| is_atom_char(b))
}

/// Can `b` stand inside a quoted string (7-bit, no CR or LF)?
fn is_quotable(b: u8) -> bool {
    b != 0 && b != b'\r' && b != b'\n' && b < 0x80
}

/// Standard base64 (RFC 4648) with padding, for SASL.
pub(crate) fn base64_encode(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64, ignoring white space; `None` if it is not base64.
pub(crate) fn base64_decode(text: &[u8]) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    }
    let clean: Vec<u8> = text
        .iter()
        .copied()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let body = clean
        .strip_suffix(b"==")
        .or_else(|| clean.strip_suffix(b"="))
        .unwrap_or(&clean);
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in body {
        acc = (acc << 6) | value(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(cmd: Command) -> Vec<Segment> {
        cmd.into_segments()
    }

    #[test]
    fn strings_pick_the_lightest_form() {
        let mut c = Command::new("LOGIN");
        c.astring(b"alice", "user").unwrap();
        c.astring(b"p a\"s\\s", "password").unwrap();
        let segs = wire(c);
        assert_eq!(segs.len(), 1);
        assert_eq!(segs[0].text, b"LOGIN alice \"p a\\\"s\\\\s\"".to_vec());
    }

    #[test]
    fn crlf_and_non_ascii_go_as_literals() {
        let mut c = Command::new("LOGIN");
        c.astring(b"bob", "user").unwrap();
        c.astring(b"x\r\nA2 DELETE INBOX", "password").unwrap();
        c.astring("pässwörd".as_bytes(), "password").unwrap();
        let segs = wire(c);
        assert_eq!(segs.len(), 3);
        assert_eq!(segs[0].text, b"LOGIN bob ");
        assert_eq!(
            segs[0].literal.as_deref(),
            Some(&b"x\r\nA2 DELETE INBOX"[..])
        );
        assert_eq!(segs[1].text, b" ");
        assert_eq!(segs[1].literal.as_deref(), Some("pässwörd".as_bytes()));
        assert_eq!(segs[2].text, b"");
    }

    #[test]
    fn nul_is_refused_and_nil_is_quoted() {
        let mut c = Command::new("LOGIN");
        let err = c.astring(b"a\0b", "user").unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(m) if m.contains("NUL")));
        let mut c = Command::new("SELECT");
        c.astring(b"nil", "mailbox").unwrap();
        c.astring(b"", "mailbox").unwrap();
        assert_eq!(wire(c)[0].text, b"SELECT \"nil\" \"\"");
    }

    #[test]
    fn sensitive_commands_are_redacted_in_logs() {
        let mut c = Command::new("LOGIN").sensitive();
        c.astring(b"alice", "user").unwrap();
        c.astring(b"secret", "password").unwrap();
        assert_eq!(c.describe(), "LOGIN <redacted>");
        let mut c = Command::new("SELECT");
        c.astring(b"a\r\nb", "mailbox").unwrap();
        assert_eq!(c.describe(), "SELECT {4}");
    }

    #[test]
    fn literal8_segments_and_string_lists() {
        let mut c = Command::new("APPEND");
        c.astring(b"INBOX", "mailbox").unwrap();
        c.literal8_arg(b"a\0b".to_vec());
        c.literal_arg(b"plain".to_vec());
        assert_eq!(c.describe(), "APPEND INBOX ~{3} {5}");
        let segs = wire(c);
        assert_eq!(segs.len(), 3);
        assert_eq!(segs[0].text, b"APPEND INBOX ~");
        assert_eq!(segs[0].literal.as_deref(), Some(&b"a\0b"[..]));
        assert_eq!(segs[1].text, b" ");

        let mut c = Command::new("LIST");
        c.string(b"", "reference").unwrap();
        c.string_list(&[b"a*", b"b c", b"x\r\ny"], "pattern")
            .unwrap();
        c.raw("RETURN ()");
        let segs = wire(c);
        assert_eq!(segs[0].text, b"LIST \"\" (\"a*\" \"b c\" ");
        assert_eq!(segs[0].literal.as_deref(), Some(&b"x\r\ny"[..]));
        assert_eq!(segs[1].text, b") RETURN ()");
        let mut c = Command::new("LIST");
        assert!(c.string_list(&[b"ok", b"n\0l"], "pattern").is_err());
        assert_eq!(wire(c)[0].text, b"LIST");
    }

    #[test]
    fn literal_modes() {
        assert!(!LiteralMode::Synchronising.non_sync(1));
        assert!(LiteralMode::Plus.non_sync(1 << 30));
        assert!(LiteralMode::Minus.non_sync(4096) && !LiteralMode::Minus.non_sync(4097));
    }

    #[test]
    fn base64_round_trips() {
        for (plain, enc) in [
            (&b""[..], ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"\0alice\0pass", "AGFsaWNlAHBhc3M="),
        ] {
            assert_eq!(base64_encode(plain), enc);
            assert_eq!(base64_decode(enc.as_bytes()).unwrap(), plain);
        }
        assert_eq!(base64_decode(b"not base64!"), None);
    }
}
