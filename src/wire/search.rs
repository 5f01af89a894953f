//! ESEARCH (RFC 4731), SORT and THREAD (RFC 5256): the parsers of its responses and the encoders of its commands
//! (sans-I/O; the types are in `types/search_results.rs`, the commands in `extensions/search.rs`).

use crate::error::{Error, Result};
use crate::types::partial::{PartialRange, PartialResult};
use crate::types::search::Key;
use crate::types::search_results::{SearchResult, SortKey, Thread, MAX_THREAD_DEPTH};
use crate::types::{Search, SequenceSet};
use crate::wire::encode::{is_atom_char, Command, MAX_QUOTED};
use crate::wire::lexer::{Cursor, PResult};
use crate::wire::values::named_items;
use crate::wire::values::sequence_set;

/// `(REVERSE DATE SUBJECT)`: checks that every REVERSE precedes a key.
pub(crate) fn sort_criteria(keys: &[SortKey]) -> Result<String> {
    if keys.is_empty() {
        return Err(Error::InvalidArgument("no sort keys".into()));
    }
    let mut reversed = false;
    for key in keys {
        let reverse = *key == SortKey::Reverse;
        if reverse && reversed {
            return Err(Error::InvalidArgument(
                "REVERSE REVERSE in sort keys".into(),
            ));
        }
        reversed = reverse;
    }
    if reversed {
        return Err(Error::InvalidArgument(
            "REVERSE must be followed by a sort key".into(),
        ));
    }
    let words: Vec<&str> = keys.iter().map(|k| k.as_str()).collect();
    Ok(format!("({})", words.join(" ")))
}

/// `[SP "(" "TAG" SP string ")"] [SP "UID"] *(SP name SP value)` after `ESEARCH`
/// (RFC 4731, RFC 4466 section 2.6.2), leniently: any case, extra spaces, no correlator,
/// unknown return data skipped.
///
/// Linear: each turn of either loop consumes at least one byte (a key or name atom, or one
/// skipped value) or fails; a value that does not parse is scanned at most twice (the
/// attempt, then the skip). `unparsed` gets at most one item per item of the frame, and ALL
/// sets are added range by range (amortised O(log n) each).
pub(crate) fn parse_esearch(c: &mut Cursor<'_>) -> PResult<(Option<String>, SearchResult)> {
    let mut tag = None;
    let mut result = SearchResult::default();
    c.spaces();
    if c.peek() == Some(b'(') {
        c.expect(b'(')?;
        loop {
            if c.eat(b')') {
                break;
            }
            if c.peek().is_none() {
                return Err(format!(
                    "unterminated search correlator at byte {}",
                    c.pos()
                ));
            }
            let key = c.atom()?;
            if key.eq_ignore_ascii_case(b"TAG") {
                tag = Some(String::from_utf8_lossy(&c.astring()?).into_owned());
            } else {
                c.skip_value()?;
            }
        }
    }
    // Each return item is read on its own (`named_items`): one whose value does not parse
    // is skipped with the generic skipper and kept whole; only a broken frame fails.
    result.unparsed = named_items(c, None, "ESEARCH", |name, c| match name {
        b"UID" => {
            result.uid = true;
            Ok(())
        }
        b"MIN" => c.number().map(|n| result.min = Some(n)),
        b"MAX" => c.number().map(|n| result.max = Some(n)),
        b"COUNT" => c.number().map(|n| result.count = Some(n)),
        b"MODSEQ" => c.number64().map(|n| result.modseq = Some(n)),
        b"PARTIAL" => partial(c).map(|p| result.partial = Some(p)),
        b"ALL" => {
            c.spaces();
            let at = c.pos();
            let set = c.atom()?;
            let set =
                sequence_set(set).ok_or_else(|| format!("expected a sequence set at byte {at}"))?;
            result.all.extend(set.ranges());
            Ok(())
        }
        _ => Err("return data this crate does not know".to_string()),
    })?;
    Ok((tag, result))
}

/// `(range set)` or `(range NIL)` after `PARTIAL` (RFC 9394).
fn partial(c: &mut Cursor<'_>) -> PResult<PartialResult> {
    c.spaces();
    c.expect(b'(')?;
    let at = c.pos();
    let range = c.atom()?;
    let range =
        partial_range(range).ok_or_else(|| format!("expected a partial range at byte {at}"))?;
    c.spaces();
    let at = c.pos();
    let set = c.atom()?;
    let matches = if set.eq_ignore_ascii_case(b"NIL") {
        SequenceSet::new()
    } else {
        sequence_set(set).ok_or_else(|| format!("expected a sequence set at byte {at}"))?
    };
    c.expect(b')')?;
    Ok(PartialResult { range, matches })
}

/// `a:b` or `-a:-b`, each a non-zero number.
fn partial_range(s: &[u8]) -> Option<PartialRange> {
    let text = std::str::from_utf8(s).ok()?;
    let (a, b) = text.split_once(':')?;
    let num = |t: &str| -> Option<u32> {
        let n: u32 = t
            .parse()
            .ok()
            .filter(|_| t.bytes().all(|b| b.is_ascii_digit()))?;
        (n > 0).then_some(n)
    };
    match (a.strip_prefix('-'), b.strip_prefix('-')) {
        (Some(a), Some(b)) => Some(PartialRange::last(num(a)?, num(b)?)),
        (None, None) => Some(PartialRange::first(num(a)?, num(b)?)),
        _ => None,
    }
}

/// `*(SP thread-list)` after `THREAD` (RFC 5256), without recursion: an explicit stack of
/// the lists still open, at most [`MAX_THREAD_DEPTH`] deep. Spaces between lists and
/// empty lists `()` are tolerated.
///
/// Linear: each turn consumes at least one byte (a parenthesis or a number) or fails, and
/// each node is pushed on `open` once and moved to its parent (or `roots`) once.
pub(crate) fn parse_thread(c: &mut Cursor<'_>) -> PResult<Vec<Thread<u32>>> {
    let mut roots = Vec::new();
    let mut open: Vec<Thread<u32>> = Vec::new();
    loop {
        c.spaces();
        match c.peek() {
            None | Some(b'\r') | Some(b'\n') => {
                return if open.is_empty() {
                    Ok(roots)
                } else {
                    Err(format!("unclosed thread list at byte {}", c.pos()))
                };
            }
            Some(b'(') => {
                if open.len() >= MAX_THREAD_DEPTH {
                    return Err(format!(
                        "thread nested deeper than {MAX_THREAD_DEPTH} at byte {}",
                        c.pos()
                    ));
                }
                c.bump();
                open.push(Thread {
                    messages: Vec::new(),
                    children: Vec::new(),
                });
            }
            Some(b')') => {
                let at = c.pos();
                c.bump();
                let node = open
                    .pop()
                    .ok_or_else(|| format!("unbalanced ')' at byte {at}"))?;
                if node.messages.is_empty() && node.children.is_empty() {
                    continue;
                }
                match open.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => roots.push(node),
                }
            }
            Some(_) => {
                let at = c.pos();
                let n = c.number()?;
                let node = open
                    .last_mut()
                    .ok_or_else(|| format!("a message number outside a thread at byte {at}"))?;
                if n == 0 || !node.children.is_empty() {
                    return Err(format!("unexpected message number at byte {at}"));
                }
                node.messages.push(n);
            }
        }
    }
}

// ----------------------------------------------------------------------------------------
// SEARCH criteria on the wire.

impl Search {
    /// Appends ` key args...` for every criterion (` ALL` if there is none) to `cmd`.
    ///
    /// Everything is checked before anything is written: on an error `cmd` is unchanged.
    #[allow(dead_code)] // used by the session commands
    pub(crate) fn encode(&self, cmd: &mut Command) -> Result<()> {
        let mut out = Tokens::default();
        out.keys(self)?;
        for token in out.tokens {
            match token {
                Token::Text(text) => {
                    cmd.raw(&text);
                }
                Token::Literal(data) => {
                    // `raw("")` writes the space that goes before the literal.
                    cmd.raw("");
                    cmd.literal(data);
                }
            }
        }
        Ok(())
    }
}

/// One space-separated piece of the encoded criteria.
#[derive(Debug)]
enum Token {
    /// Text: a key, a number, an atom, a quoted string; with any parentheses around it.
    Text(String),
    /// A string that goes as a literal.
    Literal(Vec<u8>),
}

/// The criteria as tokens, built in full before any of it goes into the command.
///
/// `Command::raw` puts a space before everything it writes, so a `(` is glued to the key that
/// follows it and a `)` to the token before it; strings are rendered here (as
/// `Command::astring` would) so that a `)` can follow a quoted string.
#[derive(Debug, Default)]
struct Tokens {
    tokens: Vec<Token>,
    /// `(`s waiting for the next text token.
    open: usize,
}

impl Tokens {
    fn text(&mut self, text: &str) {
        let mut t = "(".repeat(self.open);
        self.open = 0;
        t.push_str(text);
        self.tokens.push(Token::Text(t));
    }

    fn close(&mut self) {
        match self.tokens.last_mut() {
            Some(Token::Text(t)) => t.push(')'),
            // Nothing can follow a literal without a space: close with a neutral key.
            _ => self.tokens.push(Token::Text("ALL)".to_string())),
        }
    }

    /// A string argument that is never an atom: a quoted string or a literal.
    fn quoted_or_literal(&mut self, s: &str, what: &str) -> Result<()> {
        self.string_as(s, what, false)
    }

    /// A string argument, as an atom, a quoted string or a literal.
    fn string(&mut self, s: &str, what: &str) -> Result<()> {
        self.string_as(s, what, true)
    }

    /// A string argument, as an atom (if `atom_ok`), a quoted string or a literal.
    fn string_as(&mut self, s: &str, what: &str, atom_ok: bool) -> Result<()> {
        let bytes = s.as_bytes();
        if bytes.contains(&0) {
            return Err(Error::InvalidArgument(format!(
                "search {what} contains a NUL byte"
            )));
        }
        if atom_ok
            && !bytes.is_empty()
            && !s.eq_ignore_ascii_case("NIL")
            && bytes.iter().all(|&b| is_atom_char(b))
        {
            self.text(s);
        } else if bytes.len() <= MAX_QUOTED
            && bytes
                .iter()
                .all(|&b| b != b'\r' && b != b'\n' && b.is_ascii())
        {
            let mut q = String::with_capacity(s.len() + 2);
            q.push('"');
            for c in s.chars() {
                if c == '"' || c == '\\' {
                    q.push('\\');
                }
                q.push(c);
            }
            q.push('"');
            self.text(&q);
        } else {
            self.tokens.push(Token::Literal(bytes.to_vec()));
        }
        Ok(())
    }

    /// All criteria of `search`, or `ALL` when there are none.
    fn keys(&mut self, search: &Search) -> Result<()> {
        if search.keys.is_empty() {
            self.text("ALL");
        }
        for key in &search.keys {
            self.key(key)?;
        }
        Ok(())
    }

    /// An operand of NOT or OR: in parentheses when it has more than one criterion.
    fn operand(&mut self, search: &Search) -> Result<()> {
        if search.keys.len() > 1 {
            self.open += 1;
            self.keys(search)?;
            self.close();
            Ok(())
        } else {
            self.keys(search)
        }
    }

    fn key(&mut self, key: &Key) -> Result<()> {
        match key {
            Key::Bare(name) => self.text(name),
            Key::Keyword(name, keyword) => {
                if keyword.is_empty() || !keyword.bytes().all(is_atom_char) {
                    return Err(Error::InvalidArgument(format!(
                        "search {name} {keyword:?} is not a valid keyword"
                    )));
                }
                self.text(name);
                self.text(keyword);
            }
            Key::Text(name, value) => {
                self.text(name);
                self.string(value, name)?;
            }
            Key::Header(name, value) => {
                self.text("HEADER");
                self.string(name, "HEADER field name")?;
                self.string(value, "HEADER value")?;
            }
            Key::Date(name, date) => {
                self.text(name);
                self.text(&date.to_string());
            }
            Key::Size(name, bytes) => {
                self.text(name);
                self.text(&bytes.to_string());
            }
            Key::Uid(set) | Key::Seq(set) => {
                if set.is_empty() {
                    return Err(Error::InvalidArgument(
                        "search with an empty message set".to_string(),
                    ));
                }
                if matches!(key, Key::Uid(_)) {
                    self.text("UID");
                }
                self.text(&set.to_string());
            }
            Key::ModSeq(modseq) => {
                if *modseq > i64::MAX as u64 {
                    return Err(Error::InvalidArgument(format!(
                        "search MODSEQ {modseq} is larger than 2^63 - 1"
                    )));
                }
                self.text("MODSEQ");
                self.text(&modseq.to_string());
            }
            Key::ObjectId(name, id) => {
                if !crate::types::objectid::is_object_id(id) {
                    return Err(Error::InvalidArgument(format!(
                        "search {name} {id:?}: an object id is 1 to 255 letters, digits, _ and -"
                    )));
                }
                self.text(name);
                self.text(id);
            }
            Key::Not(operand) => {
                self.text("NOT");
                self.operand(operand)?;
            }
            Key::Or(a, b) => {
                self.text("OR");
                self.operand(a)?;
                self.operand(b)?;
            }
            Key::GmailRaw(text) => {
                if text.is_empty() {
                    return Err(Error::InvalidArgument("empty X-GM-RAW search text".into()));
                }
                self.text("X-GM-RAW");
                self.quoted_or_literal(text, "X-GM-RAW")?;
            }
            Key::GmailId(name, id) => {
                self.text(name);
                self.text(&id.to_string());
            }
            Key::GmailLabel(label) => {
                self.text("X-GM-LABELS");
                self.text(&super::gmail::label(label)?);
            }
            Key::Raw(text) => {
                if text.is_empty() || text.contains(['\r', '\n', '\0']) {
                    return Err(Error::InvalidArgument(format!(
                        "raw search text {text:?} is empty or holds CR, LF or NUL"
                    )));
                }
                self.text(text);
            }
        }
        Ok(())
    }
}
