//! PARTIAL (RFC 9394): a page of a SEARCH result or of a FETCH, counted from the first or
//! the last match.

use std::fmt;

use crate::error::{Error, Result};
use crate::types::SequenceSet;

/// Which matches of a search a page holds (RFC 9394 `partial-range`): positions counted
/// from 1 at the lowest match ([`first`](Self::first), `1:100`) or from the highest
/// ([`last`](Self::last), `-1:-100`). Positions are of the *result*, not message numbers:
/// `first(101, 200)` is the second hundred matches.
///
/// ```
/// use blocking_imap::PartialRange;
/// assert_eq!(PartialRange::first(1, 100).to_string(), "1:100");
/// assert_eq!(PartialRange::last(1, 30).to_string(), "-1:-30");
/// assert_eq!(PartialRange::page(3, 50).to_string(), "101:150");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PartialRange {
    from_end: bool,
    lo: u32,
    hi: u32,
}

impl PartialRange {
    /// Matches `lo` to `hi` counted from the lowest (1 is the lowest match); the ends may
    /// come in either order. Position 0 is refused when the command is sent.
    pub fn first(lo: u32, hi: u32) -> PartialRange {
        PartialRange {
            from_end: false,
            lo: lo.min(hi),
            hi: lo.max(hi),
        }
    }

    /// Matches `lo` to `hi` counted from the highest (1 is the highest match): `-lo:-hi`.
    pub fn last(lo: u32, hi: u32) -> PartialRange {
        PartialRange {
            from_end: true,
            lo: lo.min(hi),
            hi: lo.max(hi),
        }
    }

    /// Page `page` (from 1) of `size` matches, from the lowest: `first((page - 1) * size + 1,
    /// page * size)`, saturating at the largest position.
    pub fn page(page: u32, size: u32) -> PartialRange {
        let lo = page
            .saturating_sub(1)
            .saturating_mul(size)
            .saturating_add(1);
        PartialRange::first(lo, lo.saturating_add(size.saturating_sub(1)))
    }

    /// Counted from the highest match?
    pub fn is_from_end(&self) -> bool {
        self.from_end
    }

    /// The positions, lowest first (both as positive numbers).
    pub fn positions(&self) -> (u32, u32) {
        (self.lo, self.hi)
    }

    /// Refuses position 0 (RFC 9394: `nz-number`).
    pub(crate) fn check(&self) -> Result<()> {
        if self.lo == 0 {
            return Err(Error::InvalidArgument(format!(
                "partial range {self}: positions count from 1"
            )));
        }
        Ok(())
    }

    /// The matches of `sorted` (ascending, each once) this range covers.
    pub(crate) fn slice<'a>(&self, sorted: &'a [u32]) -> &'a [u32] {
        let n = sorted.len();
        let (lo, hi) = (self.lo.max(1) as usize, self.hi as usize);
        if lo > n {
            return &[];
        }
        let hi = hi.min(n);
        if self.from_end {
            &sorted[n - hi..=n - lo]
        } else {
            &sorted[lo - 1..hi]
        }
    }
}

/// `1:100` or `-1:-100`, as the command writes it.
impl fmt::Display for PartialRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.from_end {
            write!(f, "-{}:-{}", self.lo, self.hi)
        } else {
            write!(f, "{}:{}", self.lo, self.hi)
        }
    }
}

/// A page of a search result (RFC 9394 `PARTIAL` return data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialResult {
    pub(crate) range: PartialRange,
    pub(crate) matches: SequenceSet,
}

impl PartialResult {
    /// The range the server answered for.
    pub fn range(&self) -> PartialRange {
        self.range
    }

    /// The message numbers (or UIDs) on this page; empty when the page is past the last
    /// match (the server's `NIL`).
    pub fn matches(&self) -> &SequenceSet {
        &self.matches
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_slices() {
        let r = PartialRange::first(3, 1);
        assert_eq!((r.positions(), r.is_from_end()), ((1, 3), false));
        let all = [2, 4, 6, 8, 10];
        assert_eq!(PartialRange::first(2, 3).slice(&all), &[4, 6]);
        assert_eq!(PartialRange::first(4, 100).slice(&all), &[8, 10]);
        assert_eq!(PartialRange::first(6, 9).slice(&all), &[] as &[u32]);
        assert_eq!(PartialRange::last(1, 2).slice(&all), &[8, 10]);
        assert_eq!(PartialRange::last(5, 9).slice(&all), &[2]);
        assert_eq!(PartialRange::page(2, 2).slice(&all), &[6, 8]);
        assert_eq!(PartialRange::page(0, 2).to_string(), "1:2");
        assert_eq!(PartialRange::page(u32::MAX, 10).positions().1, u32::MAX);
        assert!(PartialRange::first(0, 5).check().is_err());
        assert!(PartialRange::last(1, 5).check().is_ok());
    }
}
