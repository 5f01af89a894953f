//! Message numbers and sets of them.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::RangeInclusive;
use std::sync::OnceLock;

/// A message sequence number: the message's position in the selected mailbox (1-based).
///
/// Sequence numbers shift when messages are expunged; [`Uid`]s do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Seq(pub u32);

/// A message's unique identifier in its mailbox (RFC 9051 section 2.3.1.1), stable as long as
/// the mailbox's UIDVALIDITY does not change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Uid(pub u32);

impl fmt::Display for Seq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for Uid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A set of message numbers as IMAP writes them: `1:3,5,9:*`.
///
/// Built from numbers, ranges, slices and iterators; kept sorted and compacted, so
/// `[1, 2, 3, 5, 6]` is written `1:3,5:6`. `u32::MAX` stands for `*`, the largest number in use.
///
/// Building costs O(n log n) for n numbers or ranges in any order (ascending, descending,
/// random, as a server may send them), and [`insert`](Self::insert) /
/// [`insert_range`](Self::insert_range) / [`extend`](Extend::extend) cost amortised O(log n)
/// each. Numbers added out of order wait in a buffer that is sorted and merged in one pass
/// when it grows as long as the set, or when the set is next read; so a loop that alternates
/// out-of-order inserts with reads pays one merge per read.
///
/// Two sets holding the same numbers are equal (and hash alike) however they were built. The
/// merge a read makes is cached in a `OnceLock`, so Clippy's `mutable_key_type` lint flags the
/// set as a map key; the value, and so the hash, never changes through `&self`.
#[derive(Default)]
pub struct SequenceSet {
    /// Sorted, disjoint, non-adjacent ranges, each `1 <= start <= end`. The whole set when
    /// nothing is pending.
    ranges: Vec<RangeInclusive<u32>>,
    /// What was added out of order; `None` (no allocation) for a set built in order. Boxed to
    /// keep the set one word larger than a `Vec`: it sits in response codes, so in `Error`.
    unsorted: Option<Box<Unsorted>>,
}

/// The out-of-order part of a [`SequenceSet`].
#[derive(Default)]
struct Unsorted {
    /// Ranges not merged into `ranges` yet: each `1 <= lo <= hi`, in no order, possibly
    /// overlapping anything. The set is the union of `ranges` and these. Kept no longer than
    /// `max(ranges.len(), PENDING_MIN)` by `SequenceSet::add`.
    pending: Vec<(u32, u32)>,
    /// `ranges` and `pending` merged, computed by the first read through `&self` while
    /// `pending` is not empty (a read cannot change `ranges`). Any change to the set first
    /// moves it into `ranges` (`SequenceSet::settle`), so it is never stale.
    merged: OnceLock<Vec<RangeInclusive<u32>>>,
}

/// The number IMAP writes as `*`: the largest sequence number or UID in use.
pub const STAR: u32 = u32::MAX;

/// Out-of-order ranges wait until there are more of them than this and than ranges in the set.
const PENDING_MIN: usize = 64;

/// Appends `lo..=hi` to `out`, whose ranges are sorted and disjoint, given that `lo` is not
/// below the start of `out`'s last range: merges it with that range when they overlap or
/// touch. O(1).
fn push_sorted(out: &mut Vec<RangeInclusive<u32>>, lo: u32, hi: u32) {
    if let Some(last) = out.last_mut() {
        if lo <= last.end().saturating_add(1) {
            if hi > *last.end() {
                *last = *last.start()..=hi;
            }
            return;
        }
    }
    out.push(lo..=hi);
}

/// Merges normalised `ranges` with `pending` sorted by start (`sort_by_start`) into one
/// normalised list.
///
/// Time: every iteration of the loop consumes one element of `ranges` or of `pending` and
/// does O(1) work in `push_sorted`, so it runs `ranges.len() + pending.len()` times: linear.
fn merge_sorted(
    ranges: &[RangeInclusive<u32>],
    pending: &[(u32, u32)],
) -> Vec<RangeInclusive<u32>> {
    let mut out = Vec::with_capacity(ranges.len() + pending.len());
    let mut a = ranges.iter().map(|r| (*r.start(), *r.end())).peekable();
    let mut b = pending.iter().copied().peekable();
    loop {
        let next = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if x.0 <= y.0 => a.next(),
            (_, Some(_)) => b.next(),
            (Some(_), None) => a.next(),
            (None, None) => break,
        };
        if let Some((lo, hi)) = next {
            push_sorted(&mut out, lo, hi);
        }
    }
    out
}

/// From this many pending ranges on, `sort_by_start` uses a radix sort.
const RADIX_MIN: usize = 1 << 12;

/// Bits per digit of the radix sort: three passes cover a `u32`, and the 2^11 counters stay
/// in the L1 cache.
const RADIX_BITS: u32 = 11;

/// Sorts ranges by their start (the order of equal starts does not matter to `merge_sorted`).
///
/// Time: a check for descending order, O(p) (and a reversal, O(p), when it holds). Then,
/// below `RADIX_MIN`, `sort_unstable`, O(p log p). From there on, an LSD radix sort on the
/// start: three counting passes over 11-bit digits, each three loops of p steps plus one of
/// 2^11 steps, so O(p) time and O(p) extra memory. Every index stays in bounds: a digit is
/// below 2^11, and the running positions of a digit end where the next digit's begin, at
/// most p.
fn sort_by_start(v: &mut Vec<(u32, u32)>) {
    // Descending input (a server's reversed list) needs only a reversal.
    if v.windows(2).all(|w| w[0].0 >= w[1].0) {
        v.reverse();
        return;
    }
    if v.len() < RADIX_MIN {
        v.sort_unstable();
        return;
    }
    let mut out = vec![(0, 0); v.len()];
    let mut next = vec![0usize; 1 << RADIX_BITS];
    // Three passes (digits at bits 0, 11, 22), each O(p + 2^11): linear in p. Each pass is
    // stable, so after the last one the starts are in order.
    for shift in (0..32).step_by(RADIX_BITS as usize) {
        let digit = |lo: u32| ((lo >> shift) & ((1 << RADIX_BITS) - 1)) as usize;
        next.fill(0);
        for &(lo, _) in &*v {
            next[digit(lo)] += 1;
        }
        // Counts to the position where each digit's ranges start.
        let mut at = 0;
        for slot in &mut next {
            (at, *slot) = (at + *slot, at);
        }
        for &(lo, hi) in &*v {
            let d = digit(lo);
            out[next[d]] = (lo, hi);
            next[d] += 1;
        }
        std::mem::swap(v, &mut out);
    }
}

/// Adds `lo..=hi` to unsorted `pending`, joined to the last range there when they overlap or
/// touch (so a run, ascending or descending, takes one slot). O(1) amortised.
fn push_pending(pending: &mut Vec<(u32, u32)>, lo: u32, hi: u32) {
    match pending.last_mut() {
        Some(last) if lo <= last.1.saturating_add(1) && last.0 <= hi.saturating_add(1) => {
            *last = (last.0.min(lo), last.1.max(hi));
        }
        _ => pending.push((lo, hi)),
    }
}

/// `range` with its ends in order and 0 left out; `None` if nothing is left (`0..=0`).
fn normalise(range: RangeInclusive<u32>) -> Option<(u32, u32)> {
    let (a, b) = range.into_inner();
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    (hi > 0).then_some((lo.max(1), hi))
}

impl SequenceSet {
    /// An empty set.
    pub fn new() -> Self {
        SequenceSet::default()
    }

    /// A set of ranges already sorted, disjoint and non-adjacent.
    fn from_normalised(ranges: Vec<RangeInclusive<u32>>) -> Self {
        SequenceSet {
            ranges,
            unsorted: None,
        }
    }

    /// The set `1:*`: every message.
    pub fn all() -> Self {
        SequenceSet::from_normalised(vec![1..=STAR])
    }

    /// Adds one number (0 is ignored: it is never a valid message number).
    ///
    /// Amortised O(log n) in whatever order numbers come.
    pub fn insert(&mut self, n: u32) {
        self.insert_range(n..=n);
    }

    /// Adds a range of numbers, either end inclusive (given in either order; 0 is ignored).
    ///
    /// Amortised O(log n) in whatever order ranges come.
    pub fn insert_range(&mut self, range: RangeInclusive<u32>) {
        self.settle();
        if let Some((lo, hi)) = normalise(range) {
            self.add(lo, hi);
        }
    }

    /// Takes back a merged view computed by a read: from here on `ranges` is the whole set
    /// again and may change. O(1).
    fn settle(&mut self) {
        if let Some(u) = &mut self.unsorted {
            if let Some(merged) = u.merged.take() {
                self.ranges = merged;
                u.pending.clear();
            }
        }
    }

    /// Adds `lo..=hi` (`1 <= lo <= hi`); `merged` must be empty (see `settle`).
    ///
    /// Time: a binary search, O(log n), then O(1) work when the range goes after every range
    /// (ascending input), overlaps or touches exactly one range (it grows in place), or joins
    /// the buffer's last range. Anything else (a range between two others, or one bridging
    /// several) would shift the vector, so it goes to `pending` instead, O(1) amortised; the
    /// buffer is merged by `flush` only once it holds p > max(n, PENDING_MIN) ranges, at a
    /// cost of O(n + p log p) = O(p log p) shared by the p additions that filled it: O(log p)
    /// each. Hence amortised O(log n) per call, and O(n log n) for n calls in any order.
    fn add(&mut self, lo: u32, hi: u32) {
        let rs = &mut self.ranges;
        // The first range that ends at or after `lo - 1`: every range before it lies wholly
        // below `lo` with a gap. O(1) for ranges after the last one or before the first one
        // (ascending and descending input), else a binary search.
        let i = match (rs.first(), rs.last()) {
            (_, None) => 0,
            (_, Some(last)) if last.end().saturating_add(1) < lo => rs.len(),
            (Some(first), _) if hi.saturating_add(1) < *first.start() => 0,
            _ => rs.partition_point(|r| r.end().saturating_add(1) < lo),
        };
        if i == rs.len() {
            // After every range, with a gap: ascending input lands here.
            rs.push(lo..=hi);
            return;
        }
        let (start, end) = (*rs[i].start(), *rs[i].end());
        if start <= hi.saturating_add(1) {
            // Overlaps or touches range i. The union stays clear of range i - 1 (it ended
            // below `lo - 1` and below `start - 1`); if it also stays clear of range i + 1,
            // range i simply grows. Descending runs (`5, 4, 3`) land here.
            let (lo, hi) = (lo.min(start), hi.max(end));
            let bridges = rs
                .get(i + 1)
                .is_some_and(|next| *next.start() <= hi.saturating_add(1));
            if !bridges {
                rs[i] = lo..=hi;
                return;
            }
        }
        // Between two ranges, or bridging several: leave it for `flush`.
        let pending = &mut self.unsorted.get_or_insert_with(Box::default).pending;
        push_pending(pending, lo, hi);
        if pending.len() > self.ranges.len().max(PENDING_MIN) {
            self.flush();
        }
    }

    /// Sorts the pending ranges and merges them into `ranges`: O(p log p) for the sort (O(p)
    /// for large p, see `sort_by_start`) plus a linear merge, O(n + p) (see `merge_sorted`).
    fn flush(&mut self) {
        self.settle();
        let Some(u) = &mut self.unsorted else {
            return;
        };
        if u.pending.is_empty() {
            return;
        }
        sort_by_start(&mut u.pending);
        self.ranges = merge_sorted(&self.ranges, &u.pending);
        u.pending.clear();
    }

    /// The whole set as sorted ranges, merging the pending ones if any (once: the result is
    /// kept until the set next changes). O(1) when nothing is pending.
    fn normalised(&self) -> &[RangeInclusive<u32>] {
        match &self.unsorted {
            Some(u) if !u.pending.is_empty() => u.merged.get_or_init(|| {
                let mut pending = u.pending.clone();
                sort_by_start(&mut pending);
                merge_sorted(&self.ranges, &pending)
            }),
            _ => &self.ranges,
        }
    }

    /// Is the set empty?
    pub fn is_empty(&self) -> bool {
        // Pending ranges are never empty themselves.
        self.ranges.is_empty()
            && self
                .unsorted
                .as_ref()
                .map_or(true, |u| u.pending.is_empty())
    }

    /// Does the set hold `n`?
    pub fn contains(&self, n: u32) -> bool {
        let ranges = self.normalised();
        let i = ranges.partition_point(|r| *r.end() < n);
        i < ranges.len() && *ranges[i].start() <= n
    }

    /// The sorted, disjoint ranges of the set.
    pub fn ranges(&self) -> &[RangeInclusive<u32>] {
        self.normalised()
    }

    /// The numbers of this set that are not in `other`, range by range: O(n + m) in the
    /// ranges of the two sets, whatever the numbers they span.
    ///
    /// ```
    /// use blocking_imap::SequenceSet;
    /// let known = SequenceSet::from(1..=1_000_000);
    /// let present: SequenceSet = [2u32, 5].into_iter().collect();
    /// assert_eq!(known.difference(&present).to_string(), "1,3:4,6:1000000");
    /// ```
    pub fn difference(&self, other: &SequenceSet) -> SequenceSet {
        let theirs = other.ranges();
        let mut out = Vec::new();
        let mut j = 0;
        for r in self.ranges() {
            let (mut lo, hi) = (*r.start(), *r.end());
            // Ranges of `other` that end before this one starts cannot cut any later one.
            while j < theirs.len() && *theirs[j].end() < lo {
                j += 1;
            }
            let mut k = j;
            let mut open = true;
            while k < theirs.len() && *theirs[k].start() <= hi {
                let (a, b) = (*theirs[k].start(), *theirs[k].end());
                if a > lo {
                    out.push(lo..=a - 1);
                }
                if b >= hi {
                    open = false;
                    break;
                }
                lo = b + 1;
                k += 1;
            }
            if open {
                out.push(lo..=hi);
            }
        }
        SequenceSet::from_normalised(out)
    }

    /// How many numbers the set holds (a range ending in `*` counts up to `u32::MAX`).
    pub fn len(&self) -> u64 {
        // One pass over the ranges: linear.
        self.normalised()
            .iter()
            .map(|r| u64::from(*r.end() - *r.start()) + 1)
            .sum()
    }

    /// Splits the set into sets whose written form is at most `max_len` bytes each (but
    /// always at least one range each), in ascending order.
    pub(crate) fn chunks(&self, max_len: usize) -> Vec<SequenceSet> {
        let mut out = Vec::new();
        let mut cur = SequenceSet::new();
        let mut len = 0;
        // One pass over the ranges, O(1) amortised work each (a range writes in at most 21
        // bytes): linear.
        for r in self.normalised() {
            let w = SequenceSet::from_normalised(vec![r.clone()])
                .to_string()
                .len();
            if !cur.is_empty() && len + 1 + w > max_len {
                out.push(std::mem::take(&mut cur));
                len = 0;
            }
            len += w + usize::from(!cur.is_empty());
            cur.ranges.push(r.clone());
        }
        if !cur.is_empty() {
            out.push(cur);
        }
        out
    }

    /// Splits the set into at most `parts` sets holding about as many numbers each (they
    /// differ by at most one), in ascending order: one UID set per worker of
    /// [`parallel`](crate::parallel), say. Ranges are cut where a part ends, never expanded
    /// into numbers: linear in the ranges plus `parts`. No part is empty, so a set of fewer
    /// numbers than `parts` gives fewer parts (and an empty set none). A range ending in
    /// `*` has no known size: it goes whole into the last part.
    ///
    /// ```
    /// use blocking_imap::SequenceSet;
    /// let uids: SequenceSet = [1u32, 2, 3, 10, 11, 12, 13, 14, 20, 21].into_iter().collect();
    /// let parts: Vec<String> = uids.split(3).iter().map(|p| p.to_string()).collect();
    /// assert_eq!(parts, ["1:3", "10:12", "13:14,20:21"]);
    /// let big = SequenceSet::from(1..=4_000_000_000);
    /// assert_eq!(big.split(2)[1].to_string(), "2000000001:4000000000");
    /// ```
    pub fn split(&self, parts: usize) -> Vec<SequenceSet> {
        let ranges = self.normalised();
        let (finite, star) = match ranges.split_last() {
            Some((last, rest)) if *last.end() == STAR => (rest, Some(last.clone())),
            _ => (ranges, None),
        };
        let total: u64 = finite
            .iter()
            .map(|r| u64::from(*r.end() - *r.start()) + 1)
            .sum();
        // At most one part per number, so that each part gets at least one.
        let k = (parts.max(1) as u64).min(total.max(1));
        // Numbers in parts 1..=p: `total * p / k`, at least one more than for p - 1.
        let boundary = |p: u64| (u128::from(total) * u128::from(p) / u128::from(k)) as u64;
        let mut out: Vec<SequenceSet> = Vec::new();
        let mut cur: Vec<RangeInclusive<u32>> = Vec::new();
        let mut taken = 0u64;
        let mut part = 1u64;
        // Each turn of the inner loop either finishes a range or a part: ranges + k turns.
        for r in finite {
            let (mut lo, hi) = (*r.start(), *r.end());
            loop {
                let room = boundary(part) - taken;
                let size = u64::from(hi - lo) + 1;
                if size <= room {
                    cur.push(lo..=hi);
                    taken += size;
                    if taken == boundary(part) && part < k {
                        out.push(SequenceSet::from_normalised(std::mem::take(&mut cur)));
                        part += 1;
                    }
                    break;
                }
                // `room` is at least 1 and less than `size`, so the cut stays inside the
                // range (and fits in u32).
                let cut = lo + (room - 1) as u32;
                cur.push(lo..=cut);
                taken += room;
                out.push(SequenceSet::from_normalised(std::mem::take(&mut cur)));
                part += 1;
                lo = cut + 1;
            }
        }
        if !cur.is_empty() {
            out.push(SequenceSet::from_normalised(cur));
        }
        if let Some(star) = star {
            match out.last_mut() {
                Some(last) => last.ranges.push(star),
                None => out.push(SequenceSet::from_normalised(vec![star])),
            }
        }
        out
    }

    /// Every number of the set, in ascending order. Beware of ranges ending in `*`.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.normalised().iter().flat_map(Clone::clone)
    }
}

impl Clone for SequenceSet {
    fn clone(&self) -> Self {
        SequenceSet::from_normalised(self.normalised().to_vec())
    }
}

impl PartialEq for SequenceSet {
    fn eq(&self, other: &Self) -> bool {
        self.normalised() == other.normalised()
    }
}

impl Eq for SequenceSet {}

impl Hash for SequenceSet {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.normalised().hash(state);
    }
}

/// The set as IMAP writes it: `SequenceSet(1:3,5,9:*)`; `SequenceSet()` when empty.
impl fmt::Debug for SequenceSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SequenceSet({self})")
    }
}

impl fmt::Display for SequenceSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn num(f: &mut fmt::Formatter<'_>, n: u32) -> fmt::Result {
            if n == STAR {
                f.write_str("*")
            } else {
                write!(f, "{n}")
            }
        }
        // One pass over the ranges: linear.
        for (i, r) in self.normalised().iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            num(f, *r.start())?;
            if r.start() != r.end() {
                f.write_str(":")?;
                num(f, *r.end())?;
            }
        }
        Ok(())
    }
}

impl From<u32> for SequenceSet {
    fn from(n: u32) -> Self {
        SequenceSet::from(n..=n)
    }
}

impl From<Uid> for SequenceSet {
    fn from(n: Uid) -> Self {
        SequenceSet::from(n.0)
    }
}

impl From<Seq> for SequenceSet {
    fn from(n: Seq) -> Self {
        SequenceSet::from(n.0)
    }
}

impl From<RangeInclusive<u32>> for SequenceSet {
    fn from(r: RangeInclusive<u32>) -> Self {
        let ranges = normalise(r).map_or_else(Vec::new, |(lo, hi)| vec![lo..=hi]);
        SequenceSet::from_normalised(ranges)
    }
}

impl From<std::ops::RangeFrom<u32>> for SequenceSet {
    fn from(r: std::ops::RangeFrom<u32>) -> Self {
        SequenceSet::from(r.start..=STAR)
    }
}

/// A half-open range: `1..4` is `1:3`; an empty range (`5..5`, `7..3`) is the empty set.
/// Only numbers below the end are in it, so `5..u32::MAX` ends at `4294967294`, not at `*`.
impl From<std::ops::Range<u32>> for SequenceSet {
    fn from(r: std::ops::Range<u32>) -> Self {
        if r.start >= r.end {
            return SequenceSet::new();
        }
        SequenceSet::from(r.start..=r.end - 1)
    }
}

/// UIDs from `start` to `end`, both included (in either order, as for
/// `RangeInclusive<u32>`); `Uid(u32::MAX)` is `*`.
impl From<RangeInclusive<Uid>> for SequenceSet {
    fn from(r: RangeInclusive<Uid>) -> Self {
        let (a, b) = r.into_inner();
        SequenceSet::from(a.0..=b.0)
    }
}

/// Sequence numbers from `start` to `end`, both included (in either order, as for
/// `RangeInclusive<u32>`); `Seq(u32::MAX)` is `*`.
impl From<RangeInclusive<Seq>> for SequenceSet {
    fn from(r: RangeInclusive<Seq>) -> Self {
        let (a, b) = r.into_inner();
        SequenceSet::from(a.0..=b.0)
    }
}

/// UIDs from `start` on: `Uid(5)..` is `5:*`.
impl From<std::ops::RangeFrom<Uid>> for SequenceSet {
    fn from(r: std::ops::RangeFrom<Uid>) -> Self {
        SequenceSet::from(r.start.0..)
    }
}

/// Sequence numbers from `start` on: `Seq(5)..` is `5:*`.
impl From<std::ops::RangeFrom<Seq>> for SequenceSet {
    fn from(r: std::ops::RangeFrom<Seq>) -> Self {
        SequenceSet::from(r.start.0..)
    }
}

/// UIDs from `start` up to, not including, `end`, as for `Range<u32>`.
impl From<std::ops::Range<Uid>> for SequenceSet {
    fn from(r: std::ops::Range<Uid>) -> Self {
        SequenceSet::from(r.start.0..r.end.0)
    }
}

/// Sequence numbers from `start` up to, not including, `end`, as for `Range<u32>`.
impl From<std::ops::Range<Seq>> for SequenceSet {
    fn from(r: std::ops::Range<Seq>) -> Self {
        SequenceSet::from(r.start.0..r.end.0)
    }
}

impl From<&[u32]> for SequenceSet {
    fn from(s: &[u32]) -> Self {
        s.iter().copied().collect()
    }
}

impl From<&[Uid]> for SequenceSet {
    fn from(s: &[Uid]) -> Self {
        s.iter().map(|u| u.0).collect()
    }
}

impl From<&[Seq]> for SequenceSet {
    fn from(s: &[Seq]) -> Self {
        s.iter().map(|u| u.0).collect()
    }
}

impl<const N: usize> From<[u32; N]> for SequenceSet {
    fn from(s: [u32; N]) -> Self {
        s.into_iter().collect()
    }
}

impl From<Vec<Uid>> for SequenceSet {
    fn from(s: Vec<Uid>) -> Self {
        s.into_iter().collect()
    }
}

impl From<Vec<Seq>> for SequenceSet {
    fn from(s: Vec<Seq>) -> Self {
        s.into_iter().collect()
    }
}

impl From<&Vec<Uid>> for SequenceSet {
    fn from(s: &Vec<Uid>) -> Self {
        s.iter().copied().collect()
    }
}

impl From<&Vec<Seq>> for SequenceSet {
    fn from(s: &Vec<Seq>) -> Self {
        s.iter().copied().collect()
    }
}

impl From<Vec<u32>> for SequenceSet {
    fn from(s: Vec<u32>) -> Self {
        s.into_iter().collect()
    }
}

impl FromIterator<RangeInclusive<u32>> for SequenceSet {
    /// Collects the ranges, sorts them and merges them once: O(n log n) in any order.
    fn from_iter<I: IntoIterator<Item = RangeInclusive<u32>>>(iter: I) -> Self {
        // Collect, n steps of O(1) amortised: a range in order (starting at or after the
        // last one's start) is merged straight into `ranges` (`push_sorted`), so ascending
        // input needs no sort; any other goes to `pending` (`push_pending`).
        let mut ranges: Vec<RangeInclusive<u32>> = Vec::new();
        let mut pending = Vec::new();
        for (lo, hi) in iter.into_iter().filter_map(normalise) {
            match ranges.last() {
                Some(last) if lo < *last.start() => {
                    push_pending(&mut pending, lo, hi);
                }
                _ => push_sorted(&mut ranges, lo, hi),
            }
        }
        if pending.is_empty() {
            return SequenceSet::from_normalised(ranges);
        }
        // Sort, O(p log p) or O(p) (see `sort_by_start`), and merge, O(n + p).
        sort_by_start(&mut pending);
        SequenceSet::from_normalised(merge_sorted(&ranges, &pending))
    }
}

impl FromIterator<u32> for SequenceSet {
    /// As for ranges: O(n log n) in any order.
    fn from_iter<I: IntoIterator<Item = u32>>(iter: I) -> Self {
        iter.into_iter().map(|n| n..=n).collect()
    }
}

impl FromIterator<Uid> for SequenceSet {
    /// As for ranges: O(n log n) in any order.
    fn from_iter<I: IntoIterator<Item = Uid>>(iter: I) -> Self {
        iter.into_iter().map(|u| u.0..=u.0).collect()
    }
}

impl FromIterator<Seq> for SequenceSet {
    /// As for ranges: O(n log n) in any order.
    fn from_iter<I: IntoIterator<Item = Seq>>(iter: I) -> Self {
        iter.into_iter().map(|s| s.0..=s.0).collect()
    }
}

impl Extend<RangeInclusive<u32>> for SequenceSet {
    /// Adds every range: amortised O(log n) each, in any order (see
    /// [`insert_range`](SequenceSet::insert_range)).
    fn extend<I: IntoIterator<Item = RangeInclusive<u32>>>(&mut self, iter: I) {
        // Each iteration is one `insert_range`, amortised O(log n): O(m log(n + m)) for m.
        for r in iter {
            self.insert_range(r);
        }
    }
}

impl Extend<u32> for SequenceSet {
    /// Adds every number: amortised O(log n) each, in any order.
    fn extend<I: IntoIterator<Item = u32>>(&mut self, iter: I) {
        self.extend(iter.into_iter().map(|n| n..=n));
    }
}

impl Extend<Uid> for SequenceSet {
    /// Adds every UID: amortised O(log n) each, in any order.
    fn extend<I: IntoIterator<Item = Uid>>(&mut self, iter: I) {
        self.extend(iter.into_iter().map(|u| u.0..=u.0));
    }
}

impl Extend<Seq> for SequenceSet {
    /// Adds every sequence number: amortised O(log n) each, in any order.
    fn extend<I: IntoIterator<Item = Seq>>(&mut self, iter: I) {
        self.extend(iter.into_iter().map(|s| s.0..=s.0));
    }
}

impl<'a> Extend<&'a RangeInclusive<u32>> for SequenceSet {
    /// Adds every range (for `set.extend(other.ranges())`): amortised O(log n) each.
    fn extend<I: IntoIterator<Item = &'a RangeInclusive<u32>>>(&mut self, iter: I) {
        self.extend(iter.into_iter().cloned());
    }
}

impl<'a> Extend<&'a u32> for SequenceSet {
    /// Adds every number (for `set.extend(&numbers)`): amortised O(log n) each.
    fn extend<I: IntoIterator<Item = &'a u32>>(&mut self, iter: I) {
        self.extend(iter.into_iter().copied());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::hash_map::DefaultHasher;
    use std::collections::BTreeSet;

    /// xorshift32: a deterministic stream of pseudo-random numbers.
    fn xorshift(mut x: u32) -> impl FnMut() -> u32 {
        move || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        }
    }

    /// The expected ranges of a set of numbers, the slow and obvious way.
    fn reference(nums: &BTreeSet<u32>) -> Vec<RangeInclusive<u32>> {
        let mut out: Vec<RangeInclusive<u32>> = Vec::new();
        for &n in nums.iter().filter(|&&n| n > 0) {
            match out.last_mut() {
                Some(last) if *last.end() + 1 == n => *last = *last.start()..=n,
                _ => out.push(n..=n),
            }
        }
        out
    }

    fn hash_of(s: &SequenceSet) -> u64 {
        let mut h = DefaultHasher::new();
        s.hash(&mut h);
        h.finish()
    }

    /// Builds a set from `nums` every way there is and checks each against the reference.
    fn check_all_ways(nums: &[u32]) -> SequenceSet {
        let want = reference(&nums.iter().copied().collect());
        let collected: SequenceSet = nums.iter().copied().collect();
        let mut inserted = SequenceSet::new();
        for &n in nums {
            inserted.insert(n);
        }
        let mut extended = SequenceSet::new();
        extended.extend(nums);
        let ranges: SequenceSet = nums.iter().map(|&n| n..=n).collect();
        let from_vec = SequenceSet::from(nums.to_vec());
        for s in [&collected, &inserted, &extended, &ranges, &from_vec] {
            assert_eq!(s.ranges(), want.as_slice());
            assert_eq!(s, &collected);
            assert_eq!(hash_of(s), hash_of(&collected));
            assert_eq!(format!("{s:?}"), format!("{collected:?}"));
            assert_eq!(s.to_string(), collected.to_string());
            assert_eq!(s.clone(), collected);
        }
        collected
    }

    #[test]
    fn split_is_balanced_and_keeps_ranges() {
        let empty = SequenceSet::new();
        assert!(empty.split(4).is_empty());
        let one = SequenceSet::from(7);
        assert_eq!(one.split(4), vec![one.clone()]);
        assert_eq!(one.split(0), vec![one.clone()]);
        // Many ranges of different sizes: sizes differ by at most one, the union is the set,
        // the parts are in order and disjoint.
        let set: SequenceSet = (0..1000u32)
            .flat_map(|i| (i * 100 + 1)..=(i * 100 + 1 + i % 37))
            .collect();
        for k in [1, 2, 3, 7, 64, 999, 5000, 100_000] {
            let parts = set.split(k);
            assert_eq!(parts.len() as u64, (k as u64).min(set.len()), "k={k}");
            let sizes: Vec<u64> = parts.iter().map(SequenceSet::len).collect();
            let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(max - min <= 1, "k={k}: {min}..{max}");
            let mut union = SequenceSet::new();
            let mut last_end = 0;
            for p in &parts {
                assert!(*p.ranges()[0].start() > last_end || last_end == 0);
                last_end = *p.ranges().last().unwrap().end();
                union.extend(p.iter());
            }
            assert_eq!(union, set, "k={k}");
            // Never more ranges than the set's plus one cut per part.
            let n: usize = parts.iter().map(|p| p.ranges().len()).sum();
            assert!(n <= set.ranges().len() + parts.len(), "k={k}");
        }
        // Huge ranges are cut, never expanded.
        let huge = SequenceSet::from(1..=4_000_000_000);
        let parts = huge.split(3);
        assert_eq!(
            parts.iter().map(ToString::to_string).collect::<Vec<_>>(),
            [
                "1:1333333333",
                "1333333334:2666666666",
                "2666666667:4000000000"
            ]
        );
        // `*` goes whole into the last part.
        let mut open = SequenceSet::from(1..=10);
        open.insert_range(20..=STAR);
        let parts = open.split(2);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].to_string(), "1:5");
        assert_eq!(parts[1].to_string(), "6:10,20:*");
        assert_eq!(
            SequenceSet::from(1..).split(3),
            vec![SequenceSet::from(1..)]
        );
    }

    #[test]
    fn compacts_and_formats() {
        let s = SequenceSet::from([5, 1, 2, 3, 6, 9]);
        assert_eq!(s.to_string(), "1:3,5:6,9");
        assert_eq!(s.len(), 6);
        assert!(s.contains(6) && !s.contains(4) && !s.contains(10));
        assert_eq!(SequenceSet::from(4..).to_string(), "4:*");
        assert_eq!(SequenceSet::all().to_string(), "1:*");
        let (hi, lo) = (7, 3);
        assert_eq!(SequenceSet::from(hi..=lo).to_string(), "3:7");
        assert_eq!(format!("{s:?}"), "SequenceSet(1:3,5:6,9)");
        assert_eq!(format!("{:?}", SequenceSet::from(4..)), "SequenceSet(4:*)");
        assert_eq!(format!("{:?}", SequenceSet::new()), "SequenceSet()");
    }

    #[test]
    fn merges_out_of_order_ranges() {
        let mut s: SequenceSet = [10..=12, 1..=2, 20..=20].into_iter().collect();
        s.insert_range(3..=9);
        assert_eq!(s.to_string(), "1:12,20");
        s.insert(0);
        s.insert_range(13..=19);
        assert_eq!(s.to_string(), "1:20");
        assert_eq!(s.ranges().len(), 1);
    }

    #[test]
    fn descending_input() {
        let odd: Vec<u32> = (1..=2001).rev().step_by(2).collect();
        let s = check_all_ways(&odd);
        assert_eq!(s.ranges().len(), 1001);
        assert_eq!(s.ranges().first(), Some(&(1..=1)));
        assert_eq!(s.ranges().last(), Some(&(2001..=2001)));
        // A descending run collapses to one range every way.
        let run: Vec<u32> = (1..=5000).rev().collect();
        let s = check_all_ways(&run);
        assert_eq!(s.to_string(), "1:5000");
        // Descending ranges, as in a reversed COPYUID list.
        let mut s = SequenceSet::new();
        for i in (0..1000u32).rev() {
            s.insert_range(i * 10 + 1..=i * 10 + 5);
        }
        assert_eq!(s.ranges().len(), 1000);
        assert_eq!(s.len(), 5000);
        assert!(s.contains(9995) && !s.contains(9996) && s.contains(1));
    }

    #[test]
    fn random_input() {
        let mut next = xorshift(0x1234_5678);
        for (count, modulo) in [(10, 20), (1000, 500), (5000, 20_000), (20_000, u32::MAX)] {
            let nums: Vec<u32> = (0..count).map(|_| next() % modulo).collect();
            let s = check_all_ways(&nums);
            for &n in &nums {
                assert_eq!(s.contains(n), n != 0);
            }
        }
    }

    #[test]
    fn random_ranges_and_interleaved_reads() {
        // Out-of-order inserts with reads in between: every read sees the whole set, and
        // inserts after a read keep working on top of it.
        let mut next = xorshift(42);
        let mut set = SequenceSet::new();
        let mut want = BTreeSet::new();
        for step in 0..4000 {
            let lo = next() % 3000;
            let hi = lo + next() % 8;
            set.insert_range(if step % 2 == 0 { lo..=hi } else { hi..=lo });
            want.extend(lo..=hi);
            if step % 97 == 0 {
                assert_eq!(set.ranges(), reference(&want).as_slice());
                let probe = next() % 3100;
                assert_eq!(set.contains(probe), probe != 0 && want.contains(&probe));
            }
        }
        assert_eq!(set.ranges(), reference(&want).as_slice());
        assert_eq!(set.len(), want.iter().filter(|&&n| n > 0).count() as u64);
        assert!(set.iter().eq(want.iter().copied().filter(|&n| n > 0)));
    }

    #[test]
    fn interleaved_order() {
        // 1, 1000, 2, 999, 3, 998 ...: both ends grow towards the middle.
        let nums: Vec<u32> = (1..=500u32).flat_map(|i| [i, 1001 - i]).collect();
        assert_eq!(check_all_ways(&nums).to_string(), "1:1000");
        // Evens ascending then odds descending.
        let nums: Vec<u32> = (2..=400)
            .step_by(2)
            .chain((1..=399).rev().step_by(2))
            .collect();
        assert_eq!(check_all_ways(&nums).to_string(), "1:400");
        // Two interleaved sparse sequences.
        let nums: Vec<u32> = (0..300u32)
            .flat_map(|i| [i * 7 + 1, 5000 - i * 3])
            .collect();
        check_all_ways(&nums);
    }

    #[test]
    fn duplicates() {
        let nums = [5, 5, 5, 3, 3, 5, 4, 4, 9, 9, 3];
        assert_eq!(check_all_ways(&nums).to_string(), "3:5,9");
        let mut next = xorshift(7);
        let nums: Vec<u32> = (0..20_000).map(|_| next() % 50).collect();
        assert_eq!(check_all_ways(&nums).to_string(), "1:49");
        let mut s = SequenceSet::from(1..=10);
        s.insert_range(3..=7);
        s.insert(10);
        assert_eq!(s.to_string(), "1:10");
    }

    #[test]
    fn adjacent_ranges_merge() {
        assert_eq!(check_all_ways(&[1, 3, 2]).to_string(), "1:3");
        assert_eq!(check_all_ways(&[4, 2, 3, 1, 6, 5]).to_string(), "1:6");
        let mut s = SequenceSet::from(5..=6);
        s.insert_range(1..=4);
        assert_eq!(s.ranges(), &[1..=6]);
        s.insert_range(7..=8);
        assert_eq!(s.ranges(), &[1..=8]);
        // A range bridging several others.
        let mut s: SequenceSet = [1..=2, 4..=5, 7..=8, 10..=11, 20..=20]
            .into_iter()
            .collect();
        s.insert_range(3..=9);
        assert_eq!(s.to_string(), "1:11,20");
        s.insert_range(12..=19);
        assert_eq!(s.ranges(), &[1..=20]);
        let s: SequenceSet = [7..=9, 1..=3, 4..=6].into_iter().collect();
        assert_eq!(s.ranges(), &[1..=9]);
    }

    #[test]
    fn star_and_zero() {
        let mut s = SequenceSet::new();
        s.insert(0);
        s.insert_range(0..=0);
        assert!(s.is_empty());
        assert_eq!(SequenceSet::from(0), SequenceSet::new());
        assert_eq!(SequenceSet::from(0..=0), SequenceSet::new());
        assert_eq!(SequenceSet::from(0..=3).to_string(), "1:3");
        assert_eq!(SequenceSet::from([0, 0]).to_string(), "");
        s.insert(STAR);
        s.insert(7);
        assert_eq!(s.to_string(), "7,*");
        s.insert(STAR - 1);
        assert_eq!(s.to_string(), "7,4294967294:*");
        let (hi, lo) = (STAR, 8);
        s.insert_range(hi..=lo);
        assert_eq!(s.to_string(), "7:*");
        assert_eq!(s.len(), u64::from(STAR) - 6);
        let nums = [STAR, 3, STAR, 2, STAR - 1, 0];
        assert_eq!(check_all_ways(&nums).to_string(), "2:3,4294967294:*");
        let s: SequenceSet = [STAR..=STAR, 1..=STAR, 5..=9].into_iter().collect();
        assert_eq!(s, SequenceSet::all());
        let mut s = SequenceSet::from(10..);
        s.insert_range(1..=3);
        s.insert_range(5..=STAR);
        assert_eq!(s.to_string(), "1:3,5:*");
    }

    #[test]
    fn equal_however_built() {
        // The same numbers: once via a pending buffer read through `&self`, once settled.
        let mut a = SequenceSet::new();
        for n in [100, 50, 75, 25, 1, 99] {
            a.insert(n);
        }
        let b = SequenceSet::from([1, 25, 50, 75, 99, 100]);
        let c: SequenceSet = [99..=100, 75..=75, 1..=1, 50..=50, 25..=25]
            .into_iter()
            .collect();
        let mut d = SequenceSet::from(99..=100);
        d.extend([Uid(1), Uid(25)]);
        d.extend([Seq(50), Seq(75)]);
        assert_eq!(a, b);
        assert_eq!(b, c);
        assert_eq!(c, d);
        assert_eq!(hash_of(&a), hash_of(&d));
        assert_eq!(format!("{a:?}"), format!("{d:?}"));
        assert_ne!(a, SequenceSet::from([1, 25, 50, 75, 99]));
        // Reading does not change the value; changing after a read does.
        let mut e = a.clone();
        assert_eq!(e, a);
        e.insert(60);
        assert_ne!(e, a);
        assert!(e.contains(60) && !a.contains(60));
        // Clippy sees the cached merge (a `OnceLock`) as interior mutability; the value, and
        // so the hash, never changes through `&self`.
        #[allow(clippy::mutable_key_type)]
        let mut set = std::collections::HashSet::new();
        set.insert(a);
        assert!(set.contains(&d));
    }

    #[test]
    fn a_million_numbers_in_bad_orders() {
        // Quadratic building takes minutes here (hours at the size of a 64 MiB response);
        // this test runs in a fraction of a second, even unoptimised.
        const N: u32 = 1_000_000;
        let descending: SequenceSet = (1..=N).rev().map(|n| n * 2).collect();
        assert_eq!(descending.ranges().len(), N as usize);
        assert_eq!(descending.ranges()[..2], [2..=2, 4..=4]);
        let mut inserted = SequenceSet::new();
        for n in (1..=N).rev() {
            inserted.insert(n * 2);
        }
        assert_eq!(inserted, descending);

        let mut next = xorshift(0x9e37_79b9);
        let nums: Vec<u32> = (0..N).map(|_| next()).collect();
        let random: SequenceSet = nums.iter().copied().collect();
        // xorshift32 repeats no number within its period, and never gives 0.
        assert_eq!(random.len(), u64::from(N));
        assert!(nums.iter().step_by(1000).all(|&n| random.contains(n)));
        assert!(random
            .ranges()
            .windows(2)
            .all(|w| w[0].end() + 1 < *w[1].start()));
        // Inserting one at a time, a tenth as many.
        let mut inserted = SequenceSet::new();
        inserted.extend(&nums[..N as usize / 10]);
        assert_eq!(inserted.len(), u64::from(N / 10));
        assert_eq!(inserted, nums[..N as usize / 10].iter().copied().collect());
    }

    #[test]
    fn chunks_respect_the_length_limit() {
        let s: SequenceSet = (1..=100_000u32).filter(|n| n % 2 == 0).collect();
        let chunks = s.chunks(1000);
        assert!(chunks.len() > 100);
        assert!(chunks.iter().all(|c| c.to_string().len() <= 1000));
        let total: u64 = chunks.iter().map(SequenceSet::len).sum();
        assert_eq!(total, 50_000);
        // Order and content are kept.
        let joined: SequenceSet = chunks.iter().flat_map(|c| c.iter()).collect();
        assert_eq!(joined, s);
        assert_eq!(
            SequenceSet::from(1..).chunks(1),
            vec![SequenceSet::from(1..)]
        );
        assert!(SequenceSet::new().chunks(10).is_empty());
        // A set with ranges still pending chunks the same.
        let mut p = SequenceSet::new();
        for n in (1..=100_000u32).rev().filter(|n| n % 2 == 0) {
            p.insert(n);
        }
        assert_eq!(p.chunks(1000), chunks);
    }

    #[test]
    fn small_and_shareable() {
        // It sits in response codes, so in `Error`: keep it small.
        assert!(std::mem::size_of::<SequenceSet>() <= 4 * std::mem::size_of::<usize>());
        fn shareable<T: Send + Sync + std::panic::UnwindSafe + std::panic::RefUnwindSafe>() {}
        shareable::<SequenceSet>();
    }

    #[test]
    fn ranges_of_every_kind() {
        // Half-open ranges: the end is left out; empty ones are empty.
        assert_eq!(SequenceSet::from(1..4).to_string(), "1:3");
        assert_eq!(SequenceSet::from(4..5).to_string(), "4");
        assert!(SequenceSet::from(5..5).is_empty());
        #[allow(clippy::reversed_empty_ranges)]
        let backwards = SequenceSet::from(7..3);
        assert!(backwards.is_empty());
        assert!(SequenceSet::from(0..1).is_empty());
        assert_eq!(SequenceSet::from(0..3).to_string(), "1:2");
        assert_eq!(SequenceSet::from(5..STAR).to_string(), "5:4294967294");
        // UIDs and sequence numbers.
        assert_eq!(SequenceSet::from(Uid(3)..=Uid(5)).to_string(), "3:5");
        assert_eq!(SequenceSet::from(Seq(3)..=Seq(5)).to_string(), "3:5");
        assert_eq!(SequenceSet::from(Uid(5)..=Uid(STAR)).to_string(), "5:*");
        assert_eq!(SequenceSet::from(Seq(1)..=Seq(STAR)), SequenceSet::all());
        assert_eq!(SequenceSet::from(Uid(7)..).to_string(), "7:*");
        assert_eq!(SequenceSet::from(Seq(1)..), SequenceSet::all());
        assert_eq!(SequenceSet::from(Uid(3)..Uid(6)).to_string(), "3:5");
        assert_eq!(SequenceSet::from(Seq(3)..Seq(4)).to_string(), "3");
        assert!(SequenceSet::from(Uid(3)..Uid(3)).is_empty());
        assert!(SequenceSet::from(Seq(9)..Seq(2)).is_empty());
        assert!(SequenceSet::from(Uid(0)..=Uid(0)).is_empty());
        // Either end first, as for `RangeInclusive<u32>`.
        let (hi, lo) = (Uid(9), Uid(4));
        assert_eq!(SequenceSet::from(hi..=lo).to_string(), "4:9");
        // Iterators of UIDs and sequence numbers.
        let s: SequenceSet = (10..13).map(Uid).chain([Uid(1)]).collect();
        assert_eq!(s.to_string(), "1,10:12");
        let s: SequenceSet = (1..=3).rev().map(Seq).collect();
        assert_eq!(format!("{s:?}"), "SequenceSet(1:3)");
    }

    #[test]
    fn uids_and_seqs_build_sets() {
        let s: SequenceSet = vec![Uid(3), Uid(4)].into_iter().collect();
        assert_eq!(s.to_string(), "3:4");
        assert_eq!(SequenceSet::from(Seq(8)).to_string(), "8");
        assert!(SequenceSet::new().is_empty());
        let s: SequenceSet = [Seq(9), Seq(7), Seq(8)].into_iter().collect();
        assert_eq!(s.to_string(), "7:9");
        assert_eq!(SequenceSet::from(&[Uid(2), Uid(1)][..]).to_string(), "1:2");
    }

    #[test]
    fn difference_works_on_ranges() {
        let set = |v: &[(u32, u32)]| -> SequenceSet { v.iter().map(|&(a, b)| a..=b).collect() };
        let a = set(&[(1, 10), (20, 30), (40, 40)]);
        assert_eq!(a.difference(&set(&[])), a);
        assert_eq!(a.difference(&a), SequenceSet::new());
        assert_eq!(
            a.difference(&set(&[(5, 25)])),
            set(&[(1, 4), (26, 30), (40, 40)])
        );
        assert_eq!(
            a.difference(&set(&[(1, 1), (10, 10), (40, 50)])),
            set(&[(2, 9), (20, 30)])
        );
        assert_eq!(a.difference(&set(&[(0, 0)])), a);
        // Huge ranges cost nothing more than small ones.
        let big = set(&[(1, STAR - 1)]);
        assert_eq!(
            big.difference(&set(&[(2, 3)])),
            set(&[(1, 1), (4, STAR - 1)])
        );
        // Against a brute force on small random sets.
        let mut seed = 7u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            u32::try_from(seed % 60).unwrap() + 1
        };
        for _ in 0..200 {
            let x: SequenceSet = (0..6)
                .map(|_| {
                    let a = next();
                    a..=a + next() % 5
                })
                .collect();
            let y: SequenceSet = (0..6)
                .map(|_| {
                    let a = next();
                    a..=a + next() % 5
                })
                .collect();
            let want: SequenceSet = x.iter().filter(|n| !y.contains(*n)).collect();
            assert_eq!(x.difference(&y), want, "{x} - {y}");
        }
    }
}
