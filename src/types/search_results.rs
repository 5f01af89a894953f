//! ESEARCH (RFC 4731), SORT and THREAD (RFC 5256): the owned result and option types (the commands are in
//! `extensions/search.rs`, the parsers and encoders in `wire/search.rs`).

use crate::types::partial::{PartialRange, PartialResult};
use crate::types::SequenceSet;

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
    /// name as `$` (for instance `session.search_raw("$")` or [`Search::raw`](crate::Search::raw)`("$")`).
    /// Asked for alone, the server sends no result at all.
    Save,
    /// `PARTIAL range` (RFC 9394): one page of the matches, in
    /// [`SearchResult::partial`]. The server must advertise PARTIAL.
    Partial(PartialRange),
}

impl ReturnOption {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ReturnOption::Min => "MIN",
            ReturnOption::Max => "MAX",
            ReturnOption::Count => "COUNT",
            ReturnOption::All => "ALL",
            ReturnOption::Save => "SAVE",
            ReturnOption::Partial(_) => "PARTIAL",
        }
    }

    /// The option as the command writes it (`PARTIAL 1:100` with its range).
    pub(crate) fn render(self) -> String {
        match self {
            ReturnOption::Partial(r) => format!("PARTIAL {r}"),
            other => other.as_str().to_string(),
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
    /// `PARTIAL` (RFC 9394): the page of matches asked for with
    /// [`ReturnOption::Partial`].
    pub partial: Option<PartialResult>,
    /// Return data whose value could not be read (a negative `COUNT`, a list where a
    /// number belongs, a bad set) and return data this crate does not know (`PARTIAL`,
    /// `RELEVANCY`, ...), kept whole. One odd item never costs the others.
    pub unparsed: Vec<crate::types::UnparsedItem>,
}

impl SearchResult {
    /// Adds what another ESEARCH response for the same command said: O(1) for the numbers,
    /// amortised O(log n) per range of ALL (see `SequenceSet`'s `Extend`), and the unparsed
    /// items appended. One merge per response, and `Conn::finish` bounds the responses.
    pub(crate) fn merge(&mut self, other: SearchResult) {
        self.min = other.min.or(self.min);
        self.max = other.max.or(self.max);
        self.count = other.count.or(self.count);
        self.modseq = other.modseq.or(self.modseq);
        self.uid |= other.uid;
        self.partial = other.partial.or(self.partial.take());
        if self.all.is_empty() {
            self.all = other.all;
        } else {
            self.all.extend(other.all.ranges().iter().cloned());
        }
        self.unparsed.extend(other.unparsed);
    }

    /// A plain `* SEARCH` answer (from a server that ignored RETURN) in this shape.
    pub(crate) fn from_plain(
        nums: &[u32],
        modseq: Option<u64>,
        uid: bool,
        options: &[ReturnOption],
    ) -> Self {
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
            partial: options.iter().find_map(|o| match o {
                ReturnOption::Partial(range) => {
                    let mut sorted = nums.to_vec();
                    sorted.sort_unstable();
                    sorted.dedup();
                    Some(PartialResult {
                        range: *range,
                        matches: range.slice(&sorted).iter().copied().collect(),
                    })
                }
                _ => None,
            }),
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
    pub(crate) fn as_str(self) -> &'static str {
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
    pub(crate) fn as_str(self) -> &'static str {
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
/// the same absent message) has no messages of its own, only children. `T` is [`Seq`](crate::Seq) for
/// [`Session::thread`](crate::Session::thread) and [`Uid`](crate::Uid) for [`Session::uid_thread`](crate::Session::uid_thread). Trees are at most 256
/// parentheses deep (deeper responses are refused), so walking one recursively is safe;
/// [`iter`](Self::iter) walks without recursion anyway.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Thread<T> {
    pub(crate) messages: Vec<T>,
    pub(crate) children: Vec<Thread<T>>,
}

/// How deep a THREAD response may nest its parentheses.
pub(crate) const MAX_THREAD_DEPTH: usize = 256;

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
pub(crate) struct ThreadIter<'a, T> {
    pub(crate) stack: Vec<&'a Thread<T>>,
    pub(crate) current: std::slice::Iter<'a, T>,
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
