//! ESEARCH (RFC 4731, with SEARCHRES RFC 5182), SORT and THREAD (RFC 5256, SORT=DISPLAY
//! RFC 5957): the commands, their owned result types and the parsers of their responses.

use crate::error::{Error, Result};
use crate::session::Session;
use crate::types::{Search, Seq, SequenceSet, Uid};
use crate::wire::encode::Command;
use crate::wire::lexer::{Cursor, PResult};
use crate::wire::parse::{sequence_set, Response};
use crate::wire::values::named_items;

/// What an extended SEARCH (RFC 4731) should return: `SEARCH RETURN (...)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReturnOption {
    /// `MIN`: the lowest matching number.
    Min,
    /// `MAX`: the highest matching number.
    Max,
    /// `COUNT`: how many messages match.
    Count,
    /// `ALL`: every matching number, as a sequence set.
    All,
    /// `SAVE` (RFC 5182 SEARCHRES): the server keeps the result, which later commands can
    /// name as `$` (for instance `session.search_raw("$")` or [`Search::raw`]`("$")`).
    /// Asked for alone, the server sends no result at all.
    Save,
}

impl ReturnOption {
    fn as_str(self) -> &'static str {
        match self {
            ReturnOption::Min => "MIN",
            ReturnOption::Max => "MAX",
            ReturnOption::Count => "COUNT",
            ReturnOption::All => "ALL",
            ReturnOption::Save => "SAVE",
        }
    }
}

/// The answer to an extended SEARCH: the `* ESEARCH` response (RFC 4731).
///
/// Only what was asked for is filled in; numbers are sequence numbers, or UIDs when
/// [`uid`](Self::uid) is set. Return data this crate does not know (PARTIAL, RELEVANCY, ...)
/// is skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SearchResult {
    /// `MIN`: the lowest matching number (absent when nothing matched).
    pub min: Option<u32>,
    /// `MAX`: the highest matching number (absent when nothing matched).
    pub max: Option<u32>,
    /// `COUNT`: how many messages matched.
    pub count: Option<u32>,
    /// `ALL`: every matching number (empty when nothing matched or ALL was not asked for).
    pub all: SequenceSet,
    /// `MODSEQ` (RFC 7162): the highest mod-sequence of the matching messages, when the
    /// search used MODSEQ criteria.
    pub modseq: Option<u64>,
    /// Are the numbers UIDs (the response carried `UID`)?
    pub uid: bool,
    /// Return data whose value could not be read (a negative `COUNT`, a list where a
    /// number belongs, a bad set) and return data this crate does not know (`PARTIAL`,
    /// `RELEVANCY`, ...), kept whole. One odd item never costs the others.
    pub unparsed: Vec<crate::types::UnparsedItem>,
}

impl SearchResult {
    /// Adds what another ESEARCH response for the same command said: O(1) for the numbers,
    /// amortised O(log n) per range of ALL (see `SequenceSet`'s `Extend`), and the unparsed
    /// items appended. One merge per response, and `Conn::finish` bounds the responses.
    fn merge(&mut self, other: SearchResult) {
        self.min = other.min.or(self.min);
        self.max = other.max.or(self.max);
        self.count = other.count.or(self.count);
        self.modseq = other.modseq.or(self.modseq);
        self.uid |= other.uid;
        if self.all.is_empty() {
            self.all = other.all;
        } else {
            self.all.extend(other.all.ranges().iter().cloned());
        }
        self.unparsed.extend(other.unparsed);
    }

    /// A plain `* SEARCH` answer (from a server that ignored RETURN) in this shape.
    fn from_plain(nums: &[u32], modseq: Option<u64>, uid: bool, options: &[ReturnOption]) -> Self {
        let wants = |o: ReturnOption| options.is_empty() || options.contains(&o);
        let all: SequenceSet = nums.iter().copied().collect();
        SearchResult {
            min: nums
                .iter()
                .copied()
                .min()
                .filter(|_| wants(ReturnOption::Min)),
            max: nums
                .iter()
                .copied()
                .max()
                .filter(|_| wants(ReturnOption::Max)),
            count: wants(ReturnOption::Count)
                .then(|| u32::try_from(nums.len()).unwrap_or(u32::MAX)),
            all: if wants(ReturnOption::All) {
                all
            } else {
                SequenceSet::new()
            },
            modseq,
            uid,
            unparsed: Vec::new(),
        }
    }
}

/// A SORT criterion (RFC 5256; `DISPLAYFROM` / `DISPLAYTO` from RFC 5957).
///
/// [`SortKey::Reverse`] reverses the key that follows it, as on the wire:
/// `&[SortKey::Reverse, SortKey::Date, SortKey::Subject]` sorts newest first, then by
/// subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SortKey {
    /// `ARRIVAL`: the internal date and time.
    Arrival,
    /// `CC`: the first Cc address's mailbox.
    Cc,
    /// `DATE`: the Date header (the internal date when it is missing).
    Date,
    /// `FROM`: the first From address's mailbox.
    From,
    /// `SIZE`: the size in octets.
    Size,
    /// `SUBJECT`: the base subject (without `Re:`, `Fwd:` ...).
    Subject,
    /// `TO`: the first To address's mailbox.
    To,
    /// `DISPLAYFROM` (RFC 5957, SORT=DISPLAY): the From display name, or the address.
    DisplayFrom,
    /// `DISPLAYTO` (RFC 5957, SORT=DISPLAY): the To display name, or the address.
    DisplayTo,
    /// `REVERSE`: the next key sorts in descending order.
    Reverse,
}

impl SortKey {
    fn as_str(self) -> &'static str {
        match self {
            SortKey::Arrival => "ARRIVAL",
            SortKey::Cc => "CC",
            SortKey::Date => "DATE",
            SortKey::From => "FROM",
            SortKey::Size => "SIZE",
            SortKey::Subject => "SUBJECT",
            SortKey::To => "TO",
            SortKey::DisplayFrom => "DISPLAYFROM",
            SortKey::DisplayTo => "DISPLAYTO",
            SortKey::Reverse => "REVERSE",
        }
    }
}

/// `(REVERSE DATE SUBJECT)`: checks that every REVERSE precedes a key.
fn sort_criteria(keys: &[SortKey]) -> Result<String> {
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

/// A threading algorithm (RFC 5256), advertised as `THREAD=<name>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ThreadAlgorithm {
    /// `ORDEREDSUBJECT`: by base subject, then date ("poor man's threading").
    OrderedSubject,
    /// `REFERENCES`: by the References and In-Reply-To headers (RFC 5256).
    References,
    /// `REFS` (RFC 5256 errata / draft-ietf-morg-inthread): like REFERENCES, ignoring the
    /// subject, and sorting threads by their latest message.
    Refs,
}

impl ThreadAlgorithm {
    fn as_str(self) -> &'static str {
        match self {
            ThreadAlgorithm::OrderedSubject => "ORDEREDSUBJECT",
            ThreadAlgorithm::References => "REFERENCES",
            ThreadAlgorithm::Refs => "REFS",
        }
    }
}

/// One thread from THREAD (RFC 5256): a chain of messages, each a reply to the one before,
/// and then the sub-threads that branch off after the chain's last message.
///
/// `* THREAD (2)(3 6 (4 23)(44 7 96))` is two threads: message 2 alone; and 3, answered by
/// 6, which has two answers, 4 (answered by 23) and 44 (answered by 7, answered by 96):
///
/// ```text
/// Thread { messages: [2], children: [] }
/// Thread { messages: [3, 6], children: [
///     Thread { messages: [4, 23], children: [] },
///     Thread { messages: [44, 7, 96], children: [] },
/// ] }
/// ```
///
/// A thread whose first message is missing from the mailbox (`((3)(5))`: 3 and 5 answer
/// the same absent message) has no messages of its own, only children. `T` is [`Seq`] for
/// [`Session::thread`] and [`Uid`] for [`Session::uid_thread`]. Trees are at most 256
/// parentheses deep (deeper responses are refused), so walking one recursively is safe;
/// [`iter`](Self::iter) walks without recursion anyway.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Thread<T> {
    messages: Vec<T>,
    children: Vec<Thread<T>>,
}

/// How deep a THREAD response may nest its parentheses.
const MAX_THREAD_DEPTH: usize = 256;

impl<T> Thread<T> {
    /// The chain: the thread's first message (unless it is missing), then each reply to
    /// the one before it.
    pub fn messages(&self) -> &[T] {
        &self.messages
    }

    /// The sub-threads that answer the chain's last message (or, when the chain is empty,
    /// the missing first message), in the server's order.
    pub fn children(&self) -> &[Thread<T>] {
        &self.children
    }

    /// The first message of the thread, if it is in the mailbox.
    pub fn root(&self) -> Option<&T> {
        self.messages.first()
    }

    /// Every message of the thread, depth first (a message before its answers), without
    /// recursion.
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        ThreadIter {
            stack: vec![self],
            current: [].iter(),
        }
    }

    /// How many messages the thread holds, at any depth.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Does the thread hold no message at all?
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// The same tree with every number converted (depth is bounded by the parser).
    pub(crate) fn map<U>(self, f: &impl Fn(T) -> U) -> Thread<U> {
        Thread {
            messages: self.messages.into_iter().map(f).collect(),
            children: self.children.into_iter().map(|c| c.map(f)).collect(),
        }
    }
}

/// Depth-first walk over a thread's messages: each node is pushed and popped once, each
/// message yielded once, so a whole walk is linear in the tree.
struct ThreadIter<'a, T> {
    stack: Vec<&'a Thread<T>>,
    current: std::slice::Iter<'a, T>,
}

impl<'a, T> Iterator for ThreadIter<'a, T> {
    type Item = &'a T;

    fn next(&mut self) -> Option<&'a T> {
        loop {
            if let Some(m) = self.current.next() {
                return Some(m);
            }
            let node = self.stack.pop()?;
            self.current = node.messages.iter();
            self.stack.extend(node.children.iter().rev());
        }
    }
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

impl Session {
    /// Is `cap` advertised (or implied by IMAP4rev2 when `in_rev2`)?
    fn has_cap(&mut self, cap: &str, in_rev2: bool) -> Result<bool> {
        let caps = self.conn.capabilities()?;
        Ok(caps.has(cap) || (in_rev2 && caps.has("IMAP4rev2")))
    }

    fn require_cap(&mut self, cap: &str, in_rev2: bool) -> Result<()> {
        if self.has_cap(cap, in_rev2)? {
            Ok(())
        } else {
            Err(Error::MissingCapability(cap.into()))
        }
    }

    /// Extended SEARCH (RFC 4731): asks only for what `options` name — the lowest or highest
    /// match, the count, all matches as a compact [`SequenceSet`] — with
    /// `SEARCH RETURN (...) criteria`; the answer is a single `* ESEARCH` response, matched
    /// to this command by its `(TAG ...)` correlator. Empty `options` mean `ALL`.
    /// [`ReturnOption::Save`] keeps the result on the server as `$` (RFC 5182).
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use blocking_imap::{ReturnOption, Search};
    /// session.select("INBOX")?;
    /// let r = session.search_extended(&Search::all().unseen(), &[ReturnOption::Count])?;
    /// println!("{:?} unseen", r.count);
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: [`Error::MissingCapability`] when the server lacks ESEARCH (or SEARCHRES for
    /// `Save`); [`Error::InvalidArgument`] for bad criteria; [`Error::No`] / [`Error::Bad`]
    /// from the server (no mailbox selected, unknown charset ...).
    pub fn search_extended(
        &mut self,
        query: &Search,
        options: &[ReturnOption],
    ) -> Result<SearchResult> {
        self.esearch("SEARCH", query, options)
    }

    /// Like [`search_extended`](Self::search_extended), with UIDs (`UID SEARCH RETURN`).
    pub fn uid_search_extended(
        &mut self,
        query: &Search,
        options: &[ReturnOption],
    ) -> Result<SearchResult> {
        self.esearch("UID SEARCH", query, options)
    }

    fn esearch(
        &mut self,
        verb: &'static str,
        query: &Search,
        options: &[ReturnOption],
    ) -> Result<SearchResult> {
        self.require_cap("ESEARCH", true)?;
        if options.contains(&ReturnOption::Save) {
            self.require_cap("SEARCHRES", true)?;
        }
        let uid = verb.starts_with("UID");
        let mut words: Vec<&str> = Vec::new();
        for o in options {
            if !words.contains(&o.as_str()) {
                words.push(o.as_str());
            }
        }
        let mut cmd = Command::new(verb);
        cmd.raw(&format!("RETURN ({})", words.join(" ")));
        if query.needs_utf8() && !self.conn.utf8_accept() {
            cmd.raw("CHARSET UTF-8");
        }
        query.encode(&mut cmd)?;
        let tag = self.conn.send(cmd)?;
        let mut result = SearchResult {
            uid,
            ..SearchResult::default()
        };
        let ours = |r: &Response| match r {
            Response::ESearch { tag: t, .. } => {
                t.as_deref().map_or(true, |t| t.eq_ignore_ascii_case(&tag))
            }
            // A server that ignores RETURN answers the old way.
            Response::Search { .. } => true,
            _ => false,
        };
        self.conn.finish(&tag, &ours, &mut |r| match r {
            Response::ESearch { result: r, .. } => result.merge(r),
            Response::Search { nums, modseq } => {
                result.merge(SearchResult::from_plain(&nums, modseq, uid, options));
            }
            _ => {}
        })?;
        Ok(result)
    }

    fn sort_command(
        &mut self,
        verb: &'static str,
        keys: &[SortKey],
        query: &Search,
    ) -> Result<Vec<u32>> {
        let display = keys
            .iter()
            .any(|k| matches!(k, SortKey::DisplayFrom | SortKey::DisplayTo));
        self.require_cap(if display { "SORT=DISPLAY" } else { "SORT" }, false)?;
        let mut cmd = Command::new(verb);
        cmd.raw(&sort_criteria(keys)?);
        cmd.raw("UTF-8");
        query.encode(&mut cmd)?;
        // Bounded by `max_result_size` (`Conn::finish`), like every collected result.
        let mut out = Vec::new();
        self.conn
            .run(cmd, &|r| matches!(r, Response::Sort { .. }), &mut |r| {
                if let Response::Sort { nums, .. } = r {
                    out.extend(nums);
                }
            })?;
        Ok(out)
    }

    /// Sorts the messages matching `query` (SORT, RFC 5256) and returns their sequence
    /// numbers in that order. The criteria go with charset UTF-8.
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use blocking_imap::{Search, SortKey};
    /// session.select("INBOX")?;
    /// let newest_first = session.sort(&[SortKey::Reverse, SortKey::Arrival], &Search::all())?;
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: [`Error::MissingCapability`] when the server lacks SORT (SORT=DISPLAY for
    /// [`SortKey::DisplayFrom`] / [`SortKey::DisplayTo`]); [`Error::InvalidArgument`] for no
    /// keys, a [`SortKey::Reverse`] not followed by a key, or bad criteria; [`Error::No`] /
    /// [`Error::Bad`] from the server.
    pub fn sort(&mut self, keys: &[SortKey], query: &Search) -> Result<Vec<Seq>> {
        Ok(self
            .sort_command("SORT", keys, query)?
            .into_iter()
            .map(Seq)
            .collect())
    }

    /// Like [`sort`](Self::sort), returning UIDs (UID SORT).
    pub fn uid_sort(&mut self, keys: &[SortKey], query: &Search) -> Result<Vec<Uid>> {
        Ok(self
            .sort_command("UID SORT", keys, query)?
            .into_iter()
            .map(Uid)
            .collect())
    }

    fn thread_command(
        &mut self,
        verb: &'static str,
        algorithm: ThreadAlgorithm,
        query: &Search,
    ) -> Result<Vec<Thread<u32>>> {
        let cap = format!("THREAD={}", algorithm.as_str());
        self.require_cap(&cap, false)?;
        let mut cmd = Command::new(verb);
        cmd.raw(algorithm.as_str());
        cmd.raw("UTF-8");
        query.encode(&mut cmd)?;
        // Bounded by `max_result_size` (`Conn::finish`), like every collected result.
        let mut out = Vec::new();
        self.conn
            .run(cmd, &|r| matches!(r, Response::Thread(_)), &mut |r| {
                if let Response::Thread(t) = r {
                    out.extend(t);
                }
            })?;
        Ok(out)
    }

    /// Groups the messages matching `query` into conversations (THREAD, RFC 5256) with
    /// `algorithm`; see [`Thread`] for the shape. The criteria go with charset UTF-8.
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use blocking_imap::{Search, ThreadAlgorithm};
    /// session.select("INBOX")?;
    /// for t in session.thread(ThreadAlgorithm::References, &Search::all())? {
    ///     println!("{} messages, first {:?}", t.len(), t.root());
    /// }
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: [`Error::MissingCapability`] when the server lacks `THREAD=<algorithm>`;
    /// [`Error::InvalidArgument`] for bad criteria; [`Error::No`] / [`Error::Bad`] from the
    /// server.
    pub fn thread(
        &mut self,
        algorithm: ThreadAlgorithm,
        query: &Search,
    ) -> Result<Vec<Thread<Seq>>> {
        Ok(self
            .thread_command("THREAD", algorithm, query)?
            .into_iter()
            .map(|t| t.map(&Seq))
            .collect())
    }

    /// Like [`thread`](Self::thread), with UIDs (UID THREAD).
    pub fn uid_thread(
        &mut self,
        algorithm: ThreadAlgorithm,
        query: &Search,
    ) -> Result<Vec<Thread<Uid>>> {
        Ok(self
            .thread_command("UID THREAD", algorithm, query)?
            .into_iter()
            .map(|t| t.map(&Uid))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esearch(s: &str) -> (Option<String>, SearchResult) {
        parse_esearch(&mut Cursor::new(s.as_bytes())).unwrap()
    }

    fn thread(s: &str) -> Vec<Thread<u32>> {
        parse_thread(&mut Cursor::new(s.as_bytes())).unwrap()
    }

    fn t(messages: &[u32], children: Vec<Thread<u32>>) -> Thread<u32> {
        Thread {
            messages: messages.to_vec(),
            children,
        }
    }

    /// Recorded Dovecot and Gmail replies (tests/corpus/mailkit), after the keyword.
    const CORPUS_ESEARCH: &[&str] = &[
        // dovecot/search-uids-options.txt
        " (TAG \"A00000005\") UID MIN 2 MAX 13 ALL 2:6,9:13 COUNT 10 RELEVANCY (2 3 4 5 6 9 10 11 12 13)\r\n",
        // dovecot/search-changed-since.txt
        " (TAG \"A00000005\") UID MIN 1 MAX 7 ALL 1:7 COUNT 7 MODSEQ 4 RELEVANCY (11 22 33 44 55 66 77)\r\n",
        // dovecot/search-partial-negative.txt
        " (TAG \"A00000005\") UID PARTIAL (-1:-10 5:14)\r\n",
        // dovecot/search-partial-nil.txt
        " (TAG \"A00000005\") UID PARTIAL (100:110 NIL)\r\n",
        // dovecot/sort-partial-count.txt
        " (TAG \"A00000005\") UID COUNT 14 PARTIAL (1:5 14,12,10,8,6)\r\n",
        // dovecot/sort-by-date.txt (ESORT: ALL in sort order)
        " (TAG \"A00000005\") UID ALL 7,14,6,13,5,12,4,11,3,10,2,9,1,8\r\n",
        // gmail/search.txt
        " (TAG \"A00000005\") UID ALL 1:3,5,7:9,11:14,26:29,31,34,41:43,50\r\n",
    ];

    #[test]
    fn esearch_rfc_and_quirky_forms() {
        // RFC 4731 section 3.1.
        let (tag, r) = esearch(" (TAG \"A0002\") UID MIN 1 MAX 9 COUNT 5 ALL 1:3,5\r\n");
        assert_eq!(tag.as_deref(), Some("A0002"));
        assert_eq!(
            r,
            SearchResult {
                min: Some(1),
                max: Some(9),
                count: Some(5),
                all: SequenceSet::from([1, 2, 3, 5]),
                modseq: None,
                uid: true,
                unparsed: Vec::new(),
            }
        );
        // No correlator, lower case, doubled spaces, MODSEQ (RFC 7162 section 3.1.5).
        let (tag, r) = esearch("  uid  min 2 all 2,10:11 modseq 18446744073709551615  \r\n");
        assert_eq!(tag, None);
        assert!(r.uid);
        assert_eq!((r.min, r.max, r.count), (Some(2), None, None));
        assert_eq!(r.all.to_string(), "2,10:11");
        assert_eq!(r.modseq, Some(u64::MAX));
        // Nothing matched: only the correlator; an atom tag; a non-UID answer.
        let (tag, r) = esearch(" (tag a7)\r\n");
        assert_eq!((tag.as_deref(), r), (Some("a7"), SearchResult::default()));
        let (_, r) = esearch(" (TAG \"x\") COUNT 0\r\n");
        assert_eq!((r.count, r.uid), (Some(0), false));
        // An unknown correlator item is skipped.
        let (tag, _) = esearch(" (X-FOO (1 2) TAG \"A3\") ALL 1\r\n");
        assert_eq!(tag.as_deref(), Some("A3"));
        // Broken frames are errors.
        for bad in [" (TAG \"A1\" UID\r\n", " PARTIAL (1:3\r\n", " X \"open\r\n"] {
            assert!(
                parse_esearch(&mut Cursor::new(bad.as_bytes())).is_err(),
                "{bad:?}"
            );
        }
        // One odd item costs only itself.
        let odd = |s: &str| {
            let (_, r) = esearch(s);
            let names: Vec<String> = r.unparsed.iter().map(|u| u.name().into()).collect();
            (r, names)
        };
        let (r, n) = odd(" (TAG \"A1\") UID MIN x COUNT 3 ALL 0 MAX -1 MODSEQ (7)\r\n");
        assert_eq!(
            (r.uid, r.count, r.min, r.max, r.modseq),
            (true, Some(3), None, None, None)
        );
        assert_eq!(n, ["MIN", "ALL", "MAX", "MODSEQ"]);
        assert_eq!(r.unparsed[3].raw(), b"MODSEQ (7)");
        let (r, n) = odd(" ALL , COUNT\r\n");
        assert_eq!(
            (r.all.is_empty(), n),
            (true, vec!["ALL".to_string(), "COUNT".into()])
        );
        // Return data of other extensions is kept whole.
        let (r, n) = odd(" COUNT 2 PARTIAL (1:10 5,7) RELEVANCY (90 80) MAX 7\r\n");
        assert_eq!((r.count, r.max), (Some(2), Some(7)));
        assert_eq!(n, ["PARTIAL", "RELEVANCY"]);
        assert_eq!(r.unparsed[0].raw(), b"PARTIAL (1:10 5,7)");
    }

    #[test]
    fn esearch_corpus() {
        let parsed: Vec<_> = CORPUS_ESEARCH.iter().map(|s| esearch(s)).collect();
        assert!(parsed
            .iter()
            .all(|(tag, r)| tag.as_deref() == Some("A00000005") && r.uid));
        assert_eq!(parsed[0].1.all.to_string(), "2:6,9:13");
        assert_eq!(parsed[0].1.count, Some(10));
        assert_eq!(parsed[1].1.modseq, Some(4));
        assert_eq!(parsed[2].1.all, SequenceSet::new());
        assert_eq!(parsed[2].1.unparsed[0].raw(), b"PARTIAL (-1:-10 5:14)");
        assert_eq!(parsed[4].1.count, Some(14));
        assert_eq!(parsed[5].1.all.to_string(), "1:14");
        assert_eq!(parsed[6].1.all.len(), 21);
    }

    #[test]
    fn plain_search_answers_fill_the_same_shape() {
        let r = SearchResult::from_plain(&[5, 2, 9], Some(7), true, &[ReturnOption::Min]);
        assert_eq!(
            (r.min, r.max, r.count, r.all.is_empty()),
            (Some(2), None, None, true)
        );
        let r = SearchResult::from_plain(&[5, 2, 9], None, false, &[]);
        assert_eq!((r.count, r.all.to_string()), (Some(3), "2,5,9".to_string()));
        let r = SearchResult::from_plain(&[], None, false, &[ReturnOption::Min]);
        assert_eq!(r.min, None);
    }

    #[test]
    fn thread_rfc_example() {
        // RFC 5256 section 4.
        let got = thread(" (2)(3 6 (4 23)(44 7 96))\r\n");
        assert_eq!(
            got,
            vec![
                t(&[2], vec![]),
                t(&[3, 6], vec![t(&[4, 23], vec![]), t(&[44, 7, 96], vec![])]),
            ]
        );
        assert_eq!(
            got[1].iter().copied().collect::<Vec<_>>(),
            [3, 6, 4, 23, 44, 7, 96]
        );
        assert_eq!((got[1].len(), got[1].root()), (7, Some(&3)));
        // A missing parent: 3 and 5 answer a message not in the mailbox.
        let got = thread(" ((3)(5))\r\n");
        assert_eq!(got, vec![t(&[], vec![t(&[3], vec![]), t(&[5], vec![])])]);
        assert_eq!(got[0].root(), None);
        assert_eq!(got[0].iter().copied().collect::<Vec<_>>(), [3, 5]);
    }

    #[test]
    fn thread_corpus_and_quirks() {
        // dovecot/thread-references.txt and thread-orderedsubject.txt.
        let got = thread(" (1 (2 (3 5)(6))(4))(7)\r\n");
        assert_eq!(
            got,
            vec![
                t(
                    &[1],
                    vec![
                        t(&[2], vec![t(&[3, 5], vec![]), t(&[6], vec![])]),
                        t(&[4], vec![])
                    ]
                ),
                t(&[7], vec![]),
            ]
        );
        assert_eq!(thread(" (1)(2)(3)(4)(5)(6)(7)\r\n").len(), 7);
        // Nothing matched, spaces between lists, empty lists, lower-case keyword upstream.
        assert!(thread("\r\n").is_empty());
        assert!(thread("").is_empty());
        assert_eq!(
            thread(" (1) (2 3)  ()\r\n"),
            vec![t(&[1], vec![]), t(&[2, 3], vec![])]
        );
        for bad in [
            " (1\r\n",
            " 1 2\r\n",
            " (1))\r\n",
            " (1 (2)(3) 4)\r\n",
            " (0)\r\n",
            " (x)\r\n",
        ] {
            assert!(
                parse_thread(&mut Cursor::new(bad.as_bytes())).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn deep_threads_neither_recurse_nor_overflow() {
        // A long chain is flat, whatever its length.
        let chain: Vec<String> = (1..=100_000).map(|n| n.to_string()).collect();
        let got = thread(&format!(" ({})\r\n", chain.join(" ")));
        assert_eq!(got[0].messages().len(), 100_000);
        // Nesting up to the limit parses; beyond it is refused, not a stack overflow.
        let nested = |depth: usize| {
            let mut s = String::from(" ");
            for i in 1..=depth {
                s.push_str(&format!("({i} "));
            }
            s.push_str(&")".repeat(depth));
            s
        };
        let got = thread(&nested(MAX_THREAD_DEPTH));
        assert_eq!(got[0].len(), MAX_THREAD_DEPTH);
        assert_eq!(got[0].iter().last(), Some(&(MAX_THREAD_DEPTH as u32)));
        let deep = nested(1_000_000);
        let err = parse_thread(&mut Cursor::new(deep.as_bytes())).unwrap_err();
        assert!(err.contains("deeper"), "{err}");
    }

    #[test]
    fn sort_keys() {
        assert_eq!(
            sort_criteria(&[SortKey::Reverse, SortKey::Date, SortKey::Subject]).unwrap(),
            "(REVERSE DATE SUBJECT)"
        );
        assert_eq!(
            sort_criteria(&[SortKey::DisplayFrom, SortKey::Reverse, SortKey::DisplayTo]).unwrap(),
            "(DISPLAYFROM REVERSE DISPLAYTO)"
        );
        for bad in [
            &[][..],
            &[SortKey::Reverse],
            &[SortKey::Date, SortKey::Reverse],
            &[SortKey::Reverse, SortKey::Reverse, SortKey::Date],
        ] {
            assert!(
                matches!(sort_criteria(bad), Err(Error::InvalidArgument(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn thread_map_keeps_the_shape() {
        let got = thread(" (3 6 (4 23)(44 7 96))\r\n");
        let uids: Vec<Thread<Uid>> = got.into_iter().map(|t| t.map(&Uid)).collect();
        assert_eq!(uids[0].messages(), [Uid(3), Uid(6)]);
        assert_eq!(uids[0].children()[1].messages(), [Uid(44), Uid(7), Uid(96)]);
        assert!(!uids[0].is_empty());
    }
}
