//! A cursor over one frame for the hand-written parsers: the responses imap-proto lacks or
//! parses too strictly (LIST with 8-bit names, STATUS with new items, NAMESPACE, SEARCH with
//! trailing spaces...).

use std::borrow::Cow;

/// How many [`Cursor::list`] calls may be open at once. Item parsers nest lists by calling
/// `list` again, so this bounds the recursion (and the stack it takes) whatever the frame
/// holds and whatever the caller configured; the builder's nesting limit is clamped to it,
/// so a frame the framer accepts never trips it. [`Cursor::skip_value`] does not recurse
/// and skips any depth.
pub(crate) const MAX_LIST_DEPTH: u32 = 256;

/// A position in a frame.
#[derive(Debug, Clone)]
pub(crate) struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Lists open in [`Cursor::list`] calls (at most [`MAX_LIST_DEPTH`]).
    depth: u32,
}

/// Parse failure: a short description (the frame's bytes are reported by the caller).
pub(crate) type PResult<T> = Result<T, String>;

fn err<T>(what: &str, at: usize) -> PResult<T> {
    Err(format!("expected {what} at byte {at}"))
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Cursor {
            buf,
            pos: 0,
            depth: 0,
        }
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// Is the rest only spaces and the line end?
    #[cfg(test)]
    pub(crate) fn at_end(&self) -> bool {
        self.buf[self.pos..]
            .iter()
            .all(|&b| b == b' ' || b == b'\r' || b == b'\n')
    }

    /// The bytes from this position up to where `later` (a clone moved on) stands.
    pub(crate) fn between(&self, later: &Cursor<'a>) -> &'a [u8] {
        self.buf.get(self.pos..later.pos).unwrap_or_default()
    }

    /// The offset of the next byte in the buffer (for error messages).
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// The byte `n` places ahead of the next one, without consuming anything.
    pub(crate) fn peek_at(&self, n: usize) -> Option<u8> {
        self.pos
            .checked_add(n)
            .and_then(|i| self.buf.get(i))
            .copied()
    }

    /// Consumes the next byte, if there is one.
    pub(crate) fn bump(&mut self) {
        if self.pos < self.buf.len() {
            self.pos += 1;
        }
    }

    /// Consumes the run of bytes for which `keep` holds, from the next byte on (no spaces
    /// skipped first); empty if the next byte does not qualify.
    pub(crate) fn take_while(&mut self, keep: impl Fn(u8) -> bool) -> &'a [u8] {
        let start = self.pos;
        while self.peek().is_some_and(&keep) {
            self.pos += 1;
        }
        &self.buf[start..self.pos]
    }

    /// Skips any number of spaces (servers send doubled and trailing ones), and leniently
    /// tabs, which some servers put between items.
    pub(crate) fn spaces(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    /// Consumes `byte` (after optional spaces when it is not a space itself).
    pub(crate) fn expect(&mut self, byte: u8) -> PResult<()> {
        if byte != b' ' {
            self.spaces();
        }
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            err(&format!("{:?}", char::from(byte)), self.pos)
        }
    }

    /// Consumes `byte` if it is next (after spaces).
    pub(crate) fn eat(&mut self, byte: u8) -> bool {
        self.spaces();
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// A run of non-special bytes: an atom, a number, a flag (`\Seen`), `NIL`.
    pub(crate) fn atom(&mut self) -> PResult<&'a [u8]> {
        self.spaces();
        let start = self.pos;
        while let Some(b) = self.peek() {
            if b <= b' ' || matches!(b, b'(' | b')' | b'{' | b'"' | b']') || b == 0x7f {
                break;
            }
            self.pos += 1;
        }
        if self.pos == start {
            return err("an atom", start);
        }
        Ok(&self.buf[start..self.pos])
    }

    /// An atom that must equal `word` (case-insensitively).
    pub(crate) fn keyword(&mut self, word: &str) -> PResult<()> {
        let at = self.pos;
        match self.atom() {
            Ok(a) if a.eq_ignore_ascii_case(word.as_bytes()) => Ok(()),
            _ => err(word, at),
        }
    }

    /// An unsigned decimal number (no sign, no spaces) that fits `T`.
    fn decimal<T: std::str::FromStr>(&mut self) -> PResult<T> {
        let at = self.pos;
        let a = self.atom()?;
        std::str::from_utf8(a)
            .ok()
            .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse().ok())
            .map_or_else(|| err("a number", at), Ok)
    }

    pub(crate) fn number(&mut self) -> PResult<u32> {
        self.decimal()
    }

    pub(crate) fn number64(&mut self) -> PResult<u64> {
        self.decimal()
    }

    /// A quoted string (unescaped) or a literal.
    pub(crate) fn string(&mut self) -> PResult<Cow<'a, [u8]>> {
        self.spaces();
        match self.peek() {
            Some(b'"') => self.quoted(),
            Some(b'{') | Some(b'~') => self.literal().map(Cow::Borrowed),
            _ => err("a string", self.pos),
        }
    }

    /// Is a string (quoted, literal or `~{n}` literal8) next? A `~` not followed by `{`
    /// starts an atom (`~alice`).
    fn string_next(&self) -> bool {
        match self.peek() {
            Some(b'"') | Some(b'{') => true,
            Some(b'~') => self.peek_at(1) == Some(b'{'),
            _ => false,
        }
    }

    /// An atom or a string.
    pub(crate) fn astring(&mut self) -> PResult<Cow<'a, [u8]>> {
        self.spaces();
        if self.string_next() {
            self.string()
        } else {
            self.atom().map(Cow::Borrowed)
        }
    }

    /// A string, or `NIL` as `None`.
    pub(crate) fn nstring(&mut self) -> PResult<Option<Cow<'a, [u8]>>> {
        self.spaces();
        if self.string_next() {
            return self.string().map(Some);
        }
        let at = self.pos;
        match self.atom()? {
            a if a.eq_ignore_ascii_case(b"NIL") => Ok(None),
            _ => err("a string or NIL", at),
        }
    }

    /// Linear in the string: each turn of the scan moves `i` forward by at least one byte,
    /// and unescaping (only when there was a backslash) is one more pass.
    fn quoted(&mut self) -> PResult<Cow<'a, [u8]>> {
        let start = self.pos + 1;
        let mut i = start;
        let mut escapes = false;
        loop {
            // Jump to the next byte that matters: most quoted strings have none but the end.
            let rest = self.buf.get(i..).unwrap_or_default();
            match rest
                .iter()
                .position(|&b| matches!(b, b'"' | b'\\' | b'\r' | b'\n'))
            {
                None => return err("a closing quote", self.buf.len()),
                Some(k) => i += k,
            }
            match self.buf[i] {
                b'\\' => {
                    escapes = true;
                    i += 2;
                }
                b'"' => break,
                _ => return err("a closing quote", i),
            }
        }
        self.pos = i + 1;
        let raw = &self.buf[start..i];
        if !escapes {
            return Ok(Cow::Borrowed(raw));
        }
        let mut out = Vec::with_capacity(raw.len());
        let mut it = raw.iter();
        while let Some(&b) = it.next() {
            if b == b'\\' {
                if let Some(&next) = it.next() {
                    out.push(next);
                }
            } else {
                out.push(b);
            }
        }
        Ok(Cow::Owned(out))
    }

    fn literal(&mut self) -> PResult<&'a [u8]> {
        let at = self.pos;
        if self.peek() == Some(b'~') {
            self.pos += 1;
        }
        self.expect(b'{')?;
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        let n = std::str::from_utf8(&self.buf[start..self.pos])
            .ok()
            .and_then(|d| d.parse::<usize>().ok());
        let Some(n) = n else {
            return err("a literal length", start);
        };
        if self.peek() == Some(b'+') {
            self.pos += 1;
        }
        self.expect(b'}')?;
        if self.buf.get(self.pos) == Some(&b'\r') {
            self.pos += 1;
        }
        if self.buf.get(self.pos) != Some(&b'\n') {
            return err("a line end after a literal announcement", self.pos);
        }
        self.pos += 1;
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let Some(end) = end else {
            return err("literal bytes", at);
        };
        let data = &self.buf[self.pos..end];
        self.pos = end;
        Ok(data)
    }

    /// `( item item ... )`, or NIL as an empty list when `nil_ok`. `item` may parse nested
    /// lists with `list` again, up to [`MAX_LIST_DEPTH`] open at once: a deeper one is an
    /// error, not a deeper recursion.
    pub(crate) fn list<T>(
        &mut self,
        nil_ok: bool,
        item: impl FnMut(&mut Self) -> PResult<T>,
    ) -> PResult<Vec<T>> {
        self.spaces();
        if nil_ok && self.peek() != Some(b'(') {
            self.keyword("NIL")?;
            return Ok(Vec::new());
        }
        if self.depth >= MAX_LIST_DEPTH {
            return Err(format!(
                "lists nested deeper than {MAX_LIST_DEPTH} at byte {}",
                self.pos
            ));
        }
        self.expect(b'(')?;
        self.depth += 1;
        let items = self.list_items(item);
        // Closed on every path, errors included, so the cursor stays usable.
        self.depth -= 1;
        items
    }

    /// The items of a list whose `(` was consumed, and its `)`.
    ///
    /// Linear: every item parser given to [`Cursor::list`] starts with a token (an atom, a
    /// string, a `(`), so it consumes at least one byte when it succeeds, and a failure ends
    /// the list. `out` holds at most one item per byte of the frame. (A new item parser must
    /// keep this: one that can succeed without consuming would loop here for ever.)
    fn list_items<T>(&mut self, mut item: impl FnMut(&mut Self) -> PResult<T>) -> PResult<Vec<T>> {
        let mut out = Vec::new();
        loop {
            if self.eat(b')') {
                return Ok(out);
            }
            if self.peek().is_none() {
                return err("')'", self.pos);
            }
            out.push(item(self)?);
        }
    }

    /// Skips one value of any shape (atom, string, parenthesised list), for extension data.
    /// Iterative: lists of any depth are skipped with a counter, their strings and literals
    /// taken whole (so a `(` or `)` inside one does not count). Linear: each turn consumes at
    /// least one byte (a parenthesis, a string, an atom, a junk byte inside a list) or fails.
    pub(crate) fn skip_value(&mut self) -> PResult<()> {
        self.skip(false)
    }

    /// [`skip_value`](Self::skip_value) for a value that already failed to parse as what it
    /// should be (a STATUS or ESEARCH item's): inside its list, a byte no atom may hold (a
    /// control character, `]`: junk a server wrote by mistake, as Cyrus 3.6.1 does for
    /// STATUS MAILBOXID asked with other items) is skipped on its own, so that the odd value
    /// costs only itself. Still an error: a stray `)`, a list left open, junk outside a list.
    pub(crate) fn skip_junk_value(&mut self) -> PResult<()> {
        self.skip(true)
    }

    fn skip(&mut self, lenient: bool) -> PResult<()> {
        // Lists open; a usize, since it cannot exceed the frame's length.
        let mut open = 0usize;
        loop {
            self.spaces();
            match self.peek() {
                Some(b'(') => {
                    self.pos += 1;
                    open += 1;
                    continue;
                }
                Some(b')') if open > 0 => {
                    self.pos += 1;
                    open -= 1;
                }
                None if open > 0 => return err("')'", self.pos),
                // A string or an atom, or an error for anything else (a `)` with no list
                // open, the end). Leniently, inside a list, a byte that starts neither (or a
                // `"` or `{` that starts no string) is junk, skipped on its own.
                _ => {
                    let at = self.pos;
                    let token = if self.string_next() {
                        self.string().map(drop)
                    } else {
                        self.atom().map(drop)
                    };
                    if let Err(e) = token {
                        self.pos = at;
                        match self.peek() {
                            Some(b) if lenient && open > 0 && !matches!(b, b'\r' | b'\n') => {
                                self.pos = at + 1;
                            }
                            _ => return Err(e),
                        }
                    }
                }
            }
            if open == 0 {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_of_every_form() {
        let mut c = Cursor::new(b"atom \"q \\\"x\\\\\" {3}\r\nlit NIL  \"\"\r\n");
        assert_eq!(&*c.astring().unwrap(), b"atom");
        assert_eq!(&*c.astring().unwrap(), b"q \"x\\");
        assert_eq!(&*c.astring().unwrap(), b"lit");
        assert_eq!(c.nstring().unwrap(), None);
        assert_eq!(c.nstring().unwrap().as_deref(), Some(&b""[..]));
        assert!(c.at_end());
    }

    #[test]
    fn tilde_starts_an_atom_unless_a_literal8_follows() {
        let mut c = Cursor::new(b"~alice ~{2}\r\nab ~");
        assert_eq!(&*c.astring().unwrap(), b"~alice");
        assert_eq!(&*c.astring().unwrap(), b"ab");
        assert_eq!(&*c.astring().unwrap(), b"~");
        assert!(
            Cursor::new(b"~x").nstring().is_err(),
            "an atom, not a string"
        );
        let mut c = Cursor::new(b"(~a ~{1}\r\nb) x");
        c.skip_value().unwrap();
        assert_eq!(c.atom().unwrap(), b"x");
    }

    #[test]
    fn lists_and_numbers() {
        let mut c = Cursor::new(b"( 1 2  3 ) NIL (a (b c) \"d\")");
        assert_eq!(c.list(false, |c| c.number()).unwrap(), [1, 2, 3]);
        assert!(c.list(true, |c| c.number()).unwrap().is_empty());
        c.skip_value().unwrap();
        assert!(c.at_end());
    }

    #[test]
    fn byte_level_steps() {
        let mut c = Cursor::new(b"BODY[1.2]<5>");
        assert_eq!(c.take_while(|b| b.is_ascii_alphabetic()), b"BODY");
        assert_eq!(
            (c.pos(), c.peek(), c.peek_at(1)),
            (4, Some(b'['), Some(b'1'))
        );
        assert_eq!(c.take_while(|b| b.is_ascii_digit()), b"");
        c.bump();
        assert_eq!(c.take_while(|b| b != b']'), b"1.2");
        assert_eq!(c.peek_at(usize::MAX), None);
        for _ in 0..10 {
            c.bump();
        }
        assert_eq!((c.pos(), c.peek()), (12, None));
    }

    /// Runs `f` on a thread with a stack of `kib` KiB: deep input must not need more.
    fn on_small_stack(kib: usize, f: impl FnOnce() + Send + 'static) {
        std::thread::Builder::new()
            .stack_size(kib * 1024)
            .spawn(f)
            .unwrap()
            .join()
            .unwrap();
    }

    /// Parses nested lists by recursion, as item parsers do; returns the depth reached.
    fn nest(c: &mut Cursor<'_>) -> PResult<u32> {
        if c.peek() == Some(b'(') {
            let inner = c.list(false, nest)?;
            Ok(1 + inner.into_iter().max().unwrap_or(0))
        } else {
            c.number().map(|_| 0)
        }
    }

    fn deep(depth: usize, middle: &str) -> Vec<u8> {
        let mut s = "(".repeat(depth);
        s.push_str(middle);
        s.push_str(&")".repeat(depth));
        s.push_str(" next\r\n");
        s.into_bytes()
    }

    #[test]
    fn skip_value_takes_any_depth_without_recursion() {
        on_small_stack(256, || {
            let balanced = deep(100_000, "1 \"(\" {1}\r\n)");
            let mut c = Cursor::new(&balanced);
            c.skip_value().unwrap();
            assert_eq!(c.atom().unwrap(), b"next");

            let open = "(".repeat(100_000).into_bytes();
            let e = Cursor::new(&open).skip_value().unwrap_err();
            assert!(e.contains("')'"), "{e}");
        });
    }

    #[test]
    fn skip_value_honours_strings_and_literals() {
        let mut c = Cursor::new(b"(a \")(\" {3}\r\n)((~{2}\r\n)) \"\\\"(\") b");
        c.skip_value().unwrap();
        assert_eq!(c.atom().unwrap(), b"b");
        for bad in [&b")"[..], b"", b"(a", b"(\"x)", b"({5}\r\nab)", b"(a ] b)"] {
            assert!(Cursor::new(bad).skip_value().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn skip_junk_value_takes_junk_bytes_inside_lists_only() {
        let mut c = Cursor::new(b"(\x10]\xbc (\x7f]) \"a\" {?~ \"x) b");
        c.skip_junk_value().unwrap();
        assert_eq!(c.atom().unwrap(), b"b");
        // A real literal is still taken whole, its `)` not counted.
        let mut c = Cursor::new(b"(]{1}\r\n)) b");
        c.skip_junk_value().unwrap();
        assert_eq!(c.atom().unwrap(), b"b");
        for bad in [
            &b")"[..],
            b"",
            b"]",
            b"\x01",
            b"\"x",
            b"{x",
            b"(a ] b",
            b"(\x01\r\n)",
        ] {
            assert!(Cursor::new(bad).skip_junk_value().is_err(), "{bad:?}");
        }
        // The strict skipper still refuses them.
        assert!(Cursor::new(b"(a ] b)").skip_value().is_err());
        assert!(Cursor::new(b"(\"x)").skip_value().is_err());
    }

    #[test]
    fn nested_lists_stop_at_the_bound() {
        // 256 recursive levels take some 300-400 KiB in a debug build (far less optimised);
        // 100,000 of them, without the bound, would take over 100 MiB.
        on_small_stack(1024, || {
            let max = usize::try_from(MAX_LIST_DEPTH).unwrap();
            let ok = deep(max, "1");
            let mut c = Cursor::new(&ok);
            assert_eq!(nest(&mut c).unwrap(), MAX_LIST_DEPTH);
            assert_eq!(c.atom().unwrap(), b"next");

            for depth in [max + 1, 100_000] {
                let bad = deep(depth, "1");
                let mut c = Cursor::new(&bad);
                let e = nest(&mut c).unwrap_err();
                assert!(e.contains("deeper than 256"), "{e}");
                // Every list closed its count on the way out: the cursor still works.
                assert_eq!(c.depth, 0);
                let mut c = Cursor::new(&bad);
                c.skip_value().unwrap();
            }
        });
    }

    #[test]
    fn errors_do_not_panic() {
        for bad in [
            &b"\"unterminated"[..],
            b"{5}\r\nab",
            b"{x}",
            b"(1 2",
            b"",
            b"{99999999999}\r\n",
        ] {
            let mut c = Cursor::new(bad);
            let _ = c.astring();
            let mut c = Cursor::new(bad);
            let _ = c.list(false, |c| c.number());
        }
        assert!(Cursor::new(b"{5}\r\nab").astring().is_err());
        assert!(Cursor::new(b"4294967296").number().is_err());
    }
}
