//! Message numbers and sets of them.

use std::fmt;
use std::ops::RangeInclusive;

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
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct SequenceSet {
    /// Sorted, disjoint, non-adjacent ranges.
    ranges: Vec<RangeInclusive<u32>>,
}

/// The number IMAP writes as `*`: the largest sequence number or UID in use.
pub const STAR: u32 = u32::MAX;

impl SequenceSet {
    /// An empty set.
    pub fn new() -> Self {
        SequenceSet::default()
    }

    /// The set `1:*`: every message.
    pub fn all() -> Self {
        SequenceSet {
            ranges: vec![1..=STAR],
        }
    }

    /// Adds one number (0 is ignored: it is never a valid message number).
    pub fn insert(&mut self, n: u32) {
        self.insert_range(n..=n);
    }

    /// Adds a range of numbers, either end inclusive (given in either order).
    pub fn insert_range(&mut self, range: RangeInclusive<u32>) {
        let (mut lo, mut hi) = (*range.start(), *range.end());
        if lo > hi {
            std::mem::swap(&mut lo, &mut hi);
        }
        lo = lo.max(1);
        if hi == 0 {
            return;
        }
        // Fast path: appending in order, as built from an ascending iterator.
        if let Some(last) = self.ranges.last_mut() {
            if lo > *last.end() {
                if lo == last.end().saturating_add(1) {
                    *last = *last.start()..=hi;
                } else {
                    self.ranges.push(lo..=hi);
                }
                return;
            }
        } else {
            self.ranges.push(lo..=hi);
            return;
        }
        // General case: find the ranges that overlap or touch, merge them.
        let first = self
            .ranges
            .partition_point(|r| r.end().saturating_add(1) < lo);
        let mut last = first;
        while last < self.ranges.len() && *self.ranges[last].start() <= hi.saturating_add(1) {
            lo = lo.min(*self.ranges[last].start());
            hi = hi.max(*self.ranges[last].end());
            last += 1;
        }
        self.ranges.splice(first..last, std::iter::once(lo..=hi));
    }

    /// Is the set empty?
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Does the set hold `n`?
    pub fn contains(&self, n: u32) -> bool {
        let i = self.ranges.partition_point(|r| *r.end() < n);
        i < self.ranges.len() && *self.ranges[i].start() <= n
    }

    /// The sorted, disjoint ranges of the set.
    pub fn ranges(&self) -> &[RangeInclusive<u32>] {
        &self.ranges
    }

    /// How many numbers the set holds (a range ending in `*` counts up to `u32::MAX`).
    pub fn len(&self) -> u64 {
        self.ranges
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
        for r in &self.ranges {
            let one = SequenceSet {
                ranges: vec![r.clone()],
            };
            let w = one.to_string().len();
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

    /// Every number of the set, in ascending order. Beware of ranges ending in `*`.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.ranges.iter().flat_map(Clone::clone)
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
        for (i, r) in self.ranges.iter().enumerate() {
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
        std::iter::once(n).collect()
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
        let mut s = SequenceSet::new();
        s.insert_range(r);
        s
    }
}

impl From<std::ops::RangeFrom<u32>> for SequenceSet {
    fn from(r: std::ops::RangeFrom<u32>) -> Self {
        SequenceSet::from(r.start..=STAR)
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

impl FromIterator<u32> for SequenceSet {
    fn from_iter<I: IntoIterator<Item = u32>>(iter: I) -> Self {
        let mut s = SequenceSet::new();
        for n in iter {
            s.insert(n);
        }
        s
    }
}

impl FromIterator<Uid> for SequenceSet {
    fn from_iter<I: IntoIterator<Item = Uid>>(iter: I) -> Self {
        iter.into_iter().map(|u| u.0).collect()
    }
}

impl FromIterator<Seq> for SequenceSet {
    fn from_iter<I: IntoIterator<Item = Seq>>(iter: I) -> Self {
        iter.into_iter().map(|u| u.0).collect()
    }
}

impl FromIterator<RangeInclusive<u32>> for SequenceSet {
    fn from_iter<I: IntoIterator<Item = RangeInclusive<u32>>>(iter: I) -> Self {
        let mut s = SequenceSet::new();
        for r in iter {
            s.insert_range(r);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }

    #[test]
    fn uids_and_seqs_build_sets() {
        let s: SequenceSet = vec![Uid(3), Uid(4)].into_iter().collect();
        assert_eq!(s.to_string(), "3:4");
        assert_eq!(SequenceSet::from(Seq(8)).to_string(), "8");
        assert!(SequenceSet::new().is_empty());
    }
}
