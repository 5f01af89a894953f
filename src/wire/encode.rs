//! Command arguments to wire bytes (sans-I/O).
//!
//! A command is a list of segments: line text, each optionally followed by a literal. The
//! engine writes a segment's text with the literal's announcement, waits for the server's `+`
//! when the literal is synchronising, then writes the literal's bytes and goes on.

use crate::error::{Error, Result};
use crate::types::Flag;

/// Strings up to this long go as quoted strings when they can; longer ones as literals.
pub(crate) const MAX_QUOTED: usize = 1024;
/// LITERAL- (RFC 7888) allows non-synchronising literals up to this size.
const LITERAL_MINUS_MAX: usize = 4096;

/// One piece of a command: text, then maybe a literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Segment {
    pub(crate) text: Vec<u8>,
    pub(crate) literal: Option<Vec<u8>>,
    /// A literal of this many bytes read from the caller's next source as it is written
    /// (APPEND from a file), when `literal` is `None`.
    pub(crate) source: Option<u64>,
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

    /// A command whose first words are `verb` (a caller's, already checked to be atoms),
    /// named `name` in errors and in the judgement of what a second run would do.
    pub(crate) fn with_verb(name: &'static str, verb: &str) -> Self {
        Command {
            name,
            segments: Vec::new(),
            current: verb.as_bytes().to_vec(),
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

    /// The command's name (`NOOP`, `UID FETCH`, ...), never its arguments.
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    /// Writes the space that separates the next argument from what came before, except
    /// right after a list's opening `(`: IMAP never puts a space after `(` (nor before `)`,
    /// see [`close_list`](Self::close_list)). After a literal, `current` is empty and the
    /// space is written, since nothing may follow a literal's bytes without one (but `)`).
    fn separator(&mut self) {
        if self.current.last() != Some(&b'(') {
            self.current.push(b' ');
        }
    }

    /// Appends ` ` and `raw` as it is: for text this crate built (keywords, numbers, sets).
    ///
    /// No space is written right after a list's `(`, nor before text that starts with `)`,
    /// so lists come out as `(a b)` whatever their elements are.
    pub(crate) fn raw(&mut self, raw: &str) -> &mut Self {
        if !raw.starts_with(')') {
            self.separator();
        }
        self.current.extend_from_slice(raw.as_bytes());
        self
    }

    /// Opens a parenthesised list: appends ` (` (or `(` inside a list just opened). Its
    /// elements go with the other methods, which write no space right after the `(`; end it
    /// with [`close_list`](Self::close_list).
    pub(crate) fn open_list(&mut self) -> &mut Self {
        self.separator();
        self.current.push(b'(');
        self
    }

    /// Closes the list [`open_list`](Self::open_list) opened: appends `)` with no space
    /// before it, even right after a literal (`{3}\r\nabc)`).
    pub(crate) fn close_list(&mut self) -> &mut Self {
        self.current.push(b')');
        self
    }

    /// Appends ` ` and a string, as an atom, a quoted string or a literal, whichever fits.
    /// A string holding NUL cannot be sent at all.
    pub(crate) fn astring(&mut self, s: &[u8], what: &str) -> Result<&mut Self> {
        check_nul(s, what)?;
        self.separator();
        self.push_string(s, true);
        Ok(self)
    }

    /// Appends ` ` and a string that must not be an atom (a quoted string or a literal).
    pub(crate) fn string(&mut self, s: &[u8], what: &str) -> Result<&mut Self> {
        check_nul(s, what)?;
        self.separator();
        self.push_string(s, false);
        Ok(self)
    }

    /// Writes a string (NUL already refused) in the lightest form that can carry it.
    fn push_string(&mut self, s: &[u8], atom_ok: bool) {
        if atom_ok && is_astring_atom(s) {
            self.current.extend_from_slice(s);
        } else if s.len() <= MAX_QUOTED && s.iter().all(|&b| is_quotable(b)) {
            push_quoted(&mut self.current, s);
        } else {
            self.literal(s.to_vec());
        }
    }

    /// Appends ` ` and a literal holding `data`.
    pub(crate) fn literal_arg(&mut self, data: Vec<u8>) -> &mut Self {
        self.separator();
        self.literal(data)
    }

    /// Appends a literal holding `data` (the caller has written any space before it).
    pub(crate) fn literal(&mut self, data: Vec<u8>) -> &mut Self {
        let text = std::mem::take(&mut self.current);
        self.segments.push(Segment {
            text,
            literal: Some(data),
            source: None,
        });
        self
    }

    /// Appends ` ` and a literal of `len` bytes (`~` first for a literal8) whose bytes the
    /// engine reads from the caller's next source while it writes them.
    pub(crate) fn source_arg(&mut self, len: u64, binary: bool) -> &mut Self {
        self.separator();
        if binary {
            self.current.push(b'~');
        }
        let text = std::mem::take(&mut self.current);
        self.segments.push(Segment {
            text,
            literal: None,
            source: Some(len),
        });
        self
    }

    /// Appends ` ` and a literal8 (`~{n}`, RFC 3516) holding `data`, which may hold NUL
    /// bytes. Only for servers that advertise BINARY.
    ///
    /// The `~` ends the segment's text: the engine writes the `{n}` / `{n+}` announcement
    /// right after a segment's text, so the server reads `~{n}` (or `~{n+}`, RFC 7888).
    pub(crate) fn literal8_arg(&mut self, data: Vec<u8>) -> &mut Self {
        self.separator();
        self.current.push(b'~');
        self.literal(data)
    }

    /// Appends ` (s1 s2 ...)`: a parenthesised list of strings, each a quoted string or a
    /// literal (LIST-EXTENDED patterns). A string holding NUL cannot be sent; on that error
    /// the command is unchanged.
    pub(crate) fn string_list(&mut self, items: &[&[u8]], what: &str) -> Result<&mut Self> {
        for item in items {
            check_nul(item, what)?;
        }
        self.open_list();
        for item in items {
            self.separator();
            self.push_string(item, false);
        }
        self.close_list();
        Ok(self)
    }

    /// The finished command's segments; the last one has no literal.
    pub(crate) fn into_segments(mut self) -> Vec<Segment> {
        let text = std::mem::take(&mut self.current);
        self.segments.push(Segment {
            text,
            literal: None,
            source: None,
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
/// Is `s` an atom: one or more ATOM-CHARs (RFC 3501 section 9: any CHAR but the
/// atom-specials `( ) { SP CTL % * " \\ ]`)? Flag names and capability names are.
pub(crate) fn is_atom(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_atom_char)
}

/// Writes flags as a parenthesised list, refusing what cannot be stored.
pub(crate) fn flag_list(flags: &[Flag]) -> Result<String> {
    let mut out = Vec::with_capacity(flags.len());
    for f in flags {
        let s = f.as_str();
        let body = s.strip_prefix('\\').unwrap_or(s);
        let ok = *f != Flag::MayCreate && is_atom(body);
        if !ok {
            return Err(Error::InvalidArgument(format!("flag {s:?}")));
        }
        out.push(s);
    }
    Ok(format!("({})", out.join(" ")))
}

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

/// The bytes `Conn::send` writes for a command's segments after `tag`: `tag`, a space, then
/// each segment's text followed by its literal's announcement (`{n}`, or `{n+}` when `mode`
/// lets it go without waiting), CRLF and the literal's bytes; CRLF after the last text. A
/// synchronising literal waits for the server's `+` after its CRLF, which changes when the
/// bytes go, not which: for tests.
#[cfg(test)]
pub(crate) fn wire_bytes(tag: &str, segs: &[Segment], mode: LiteralMode) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(tag.as_bytes());
    out.push(b' ');
    for seg in segs {
        out.extend_from_slice(&seg.text);
        match &seg.literal {
            None => out.extend_from_slice(b"\r\n"),
            Some(lit) => {
                let plus = if mode.non_sync(lit.len()) { "+" } else { "" };
                out.extend_from_slice(format!("{{{}{plus}}}\r\n", lit.len()).as_bytes());
                out.extend_from_slice(lit);
            }
        }
    }
    out
}

/// The strict framing checker, one copy with tests/encoding.rs: [`framing::check_framing`]
/// checks one command as [`wire_bytes`] writes it. (Its `check_commands` is for the
/// integration tests.)
#[cfg(test)]
#[path = "../../tests/common/framing.rs"]
#[allow(dead_code)]
mod framing;
#[cfg(test)]
pub(crate) use framing::check_framing;

/// Refuses a string holding NUL: no IMAP string form can carry it (only a literal8 can).
fn check_nul(s: &[u8], what: &str) -> Result<()> {
    if s.contains(&0) {
        return Err(Error::InvalidArgument(format!(
            "{what} contains a NUL byte"
        )));
    }
    Ok(())
}

/// Appends `s` as a quoted string: `"`, `s` with `"` and `\` escaped, `"`. The caller has
/// checked that every byte [`is_quotable`].
pub(crate) fn push_quoted(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for &b in s {
        if b == b'"' || b == b'\\' {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b'"');
}

/// ATOM-CHAR: any CHAR except atom-specials ( ) { SP CTL % * " \ ]
pub(crate) fn is_atom_char(b: u8) -> bool {
    b > 0x20 && b < 0x7f && !matches!(b, b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\' | b']')
}

/// Can `s` go as an atom where an astring is expected?
pub(crate) fn is_astring_atom(s: &[u8]) -> bool {
    !s.is_empty() && !s.eq_ignore_ascii_case(b"NIL") && s.iter().all(|&b| is_atom_char(b))
}

/// Can `b` stand inside a quoted string (7-bit, no CR or LF)?
pub(crate) fn is_quotable(b: u8) -> bool {
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

    fn text_of(segs: &[Segment]) -> String {
        segments_text(segs)
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

    /// One element of a list built for the framing tests.
    #[derive(Debug, Clone)]
    enum El {
        /// A literal whose bytes look like list syntax.
        Lit,
        /// A literal over LITERAL-'s 4096 bytes: synchronising even in LITERAL- mode.
        Big,
        Lit8,
        /// A string that needs a literal (CRLF), through `string`.
        LitString,
        Quoted,
        Nil,
        Atom,
        Nested(Vec<El>),
    }

    fn put(cmd: &mut Command, el: &El) {
        match el {
            El::Lit => {
                cmd.literal_arg(b"a )( b\r\n".to_vec());
            }
            El::Big => {
                cmd.literal_arg(vec![b')'; 5000]);
            }
            El::Lit8 => {
                cmd.literal8_arg(b"\0 ( ".to_vec());
            }
            El::LitString => {
                cmd.string(b"x\r\n)", "value").unwrap();
            }
            El::Quoted => {
                cmd.string(b"q ( )", "value").unwrap();
            }
            El::Nil => {
                cmd.raw("NIL");
            }
            El::Atom => {
                cmd.astring(b"atom", "value").unwrap();
            }
            El::Nested(items) => {
                cmd.open_list();
                for item in items {
                    put(cmd, item);
                }
                cmd.close_list();
            }
        }
    }

    fn list_command(items: &[El]) -> Vec<Segment> {
        let mut c = Command::new("X");
        put(&mut c, &El::Nested(items.to_vec()));
        c.raw("END");
        wire(c)
    }

    const MODES: [LiteralMode; 3] = [
        LiteralMode::Plus,
        LiteralMode::Minus,
        LiteralMode::Synchronising,
    ];

    #[test]
    fn lists_have_no_space_inside_their_parens() {
        // The exact bytes, with a literal first, last, only, and in a nested list.
        let segs = list_command(&[El::Lit]);
        assert_eq!(text_of(&segs), "X ({8}<a )( b\r\n>) END");
        let segs = list_command(&[El::Atom, El::Lit]);
        assert_eq!(text_of(&segs), "X (atom {8}<a )( b\r\n>) END");
        let segs = list_command(&[El::Lit, El::Nil]);
        assert_eq!(text_of(&segs), "X ({8}<a )( b\r\n> NIL) END");
        let segs = list_command(&[El::Nested(vec![]), El::Nested(vec![El::Lit8]), El::Quoted]);
        assert_eq!(text_of(&segs), "X (() (~{4}<\0 ( >) \"q ( )\") END");
        assert_eq!(
            wire_bytes("A1", &segs, LiteralMode::Plus),
            b"A1 X (() (~{4+}\r\n\0 ( ) \"q ( )\") END\r\n"
        );
        assert_eq!(
            wire_bytes(
                "A1",
                &list_command(&[El::Nil, El::Lit]),
                LiteralMode::Synchronising
            ),
            b"A1 X (NIL {8}\r\na )( b\r\n) END\r\n"
        );

        // Every kind of element in every position, in every literal mode.
        let kinds = [
            El::Lit,
            El::Big,
            El::Lit8,
            El::LitString,
            El::Quoted,
            El::Nil,
            El::Atom,
            El::Nested(vec![]),
            El::Nested(vec![El::Lit]),
            El::Nested(vec![El::Atom, El::Lit8]),
            El::Nested(vec![El::Nested(vec![El::Lit]), El::Lit]),
        ];
        for k in &kinds {
            for other in [El::Atom, El::Lit, El::Nested(vec![])] {
                let shapes = [
                    vec![k.clone()],
                    vec![k.clone(), other.clone()],
                    vec![other.clone(), k.clone()],
                    vec![other.clone(), k.clone(), other.clone()],
                    vec![k.clone(), k.clone()],
                ];
                for shape in shapes {
                    let segs = list_command(&shape);
                    for mode in MODES {
                        if let Err(e) = check_framing(&wire_bytes("A1", &segs, mode)) {
                            panic!("{shape:?} in {mode:?}: {e}");
                        }
                    }
                }
            }
        }
        // The string lists of LIST-EXTENDED, with a literal last.
        let mut c = Command::new("LIST");
        c.string(b"", "reference").unwrap();
        c.string_list(&[b"a\r\n", b"b", b"c\r\n"], "pattern")
            .unwrap();
        let segs = wire(c);
        assert_eq!(text_of(&segs), "LIST \"\" ({3}<a\r\n> \"b\" {3}<c\r\n>)");
        for mode in MODES {
            check_framing(&wire_bytes("A1", &segs, mode)).unwrap();
        }
    }

    #[test]
    fn raw_text_keeps_lists_tight() {
        // `raw` writes no space after `(` nor before a leading `)`.
        let mut c = Command::new("X");
        c.open_list();
        c.raw("A");
        c.literal_arg(b"l".to_vec());
        c.raw(")");
        c.raw("B");
        assert_eq!(text_of(&wire(c)), "X (A {1}<l>) B");
        // A space still goes before a literal and after one.
        let mut c = Command::new("X");
        c.raw("");
        c.literal(b"l".to_vec());
        c.raw("A");
        assert_eq!(text_of(&wire(c)), "X {1}<l> A");
    }

    #[test]
    fn the_framing_checker_is_strict() {
        for good in [
            &b"A1 X (a \"( )\" {3}\r\n( )) NIL\r\n"[..],
            b"A1 X (~{2+}\r\n\0)) ()\r\n",
            b"A1 X\r\n",
        ] {
            assert_eq!(check_framing(good), Ok(()), "{good:?}");
        }
        for (bad, why) in [
            (&b"A1 X ( a)\r\n"[..], "space after ("),
            (b"A1 X (a )\r\n", "space before )"),
            (b"A1 X (a {3}\r\nabc )\r\n", "space before )"),
            (b"A1 X  a\r\n", "double space"),
            (b"A1 X a \r\n", "space at the end"),
            (b"A1 X {3}abc\r\n", "not followed by CRLF"),
            (b"A1 X {3+} \r\nabc\r\n", "not followed by CRLF"),
            (b"A1 X {3}\r\nabcd\r\n", "literal followed by"),
            (b"A1 X {9}\r\nabc\r\n", "shorter than announced"),
            (b"A1 X {x}\r\n", "without a length"),
            (b"A1 X a{3}\r\nabc\r\n", "glued"),
            (b"A1 X (a\r\n", "unclosed"),
            (b"A1 X a)\r\n", "unbalanced"),
            (b"A1 X (a)b\r\n", "missing space"),
            (b"A1 X \"a\r\n", "unterminated"),
            (b"A1 X a\r\nB\r\n", "before the end"),
            (b"A1 X a", "does not end in CRLF"),
        ] {
            match check_framing(bad) {
                Err(e) => assert!(e.contains(why), "{bad:?}: {e}"),
                Ok(()) => panic!("{bad:?} passed"),
            }
        }
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
