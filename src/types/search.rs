//! SEARCH criteria (RFC 9051 section 6.4.4, RFC 3501 section 6.4.4) as a typed builder.

use std::fmt;

use crate::error::{Error, Result};
use crate::types::date::{self, civil_from_days, days_from_civil, MONTHS};
use crate::types::gmail::GmailLabel;
use crate::types::{DateTime, SequenceSet};

/// A calendar date for the date criteria of SEARCH (`SINCE`, `BEFORE`, `ON`, `SENTSINCE`,
/// ...): a day, without a time or a time zone.
///
/// Displayed in IMAP's `date` form, `1-Feb-2024`. Dates order chronologically.
///
/// ```
/// use blocking_imap::{DateTime, Search, SearchDate};
/// let a: SearchDate = "2024-03-01".parse()?;
/// let b: SearchDate = "1-Mar-2024".parse()?;
/// assert_eq!(a, b);
/// assert_eq!(SearchDate::new(2024, 3, 1)?, a);
/// let month_ago = SearchDate::days_ago(30);
/// let old_mail = Search::all().before(month_ago);
/// // The date part of a date and time, as it was written (its own offset).
/// let d: DateTime = "Tue, 1 Mar 2022 23:30:00 -0500".parse()?;
/// assert_eq!(SearchDate::from(d).to_string(), "1-Mar-2022");
/// # Ok::<(), blocking_imap::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SearchDate {
    year: u16,
    month: u8,
    day: u8,
}

impl SearchDate {
    /// The date `day`.`month`.`year` (month 1-12, year 1-9999).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if the date does not exist (month 13, 31 April,
    /// 29 February of a year that is not a leap year, day or year 0, year 10000 and later).
    pub fn new(year: u16, month: u8, day: u8) -> Result<SearchDate> {
        if !(1..=9999).contains(&year) {
            return Err(Error::InvalidArgument(format!(
                "year {year} is out of range 1-9999"
            )));
        }
        let Some(days) = date::days_in_month(i64::from(year), u32::from(month)) else {
            return Err(Error::InvalidArgument(format!(
                "month {month} is out of range 1-12"
            )));
        };
        if day == 0 || u32::from(day) > days {
            return Err(Error::InvalidArgument(format!(
                "day {day} does not exist in {year}-{month:02}"
            )));
        }
        Ok(SearchDate { year, month, day })
    }

    /// The year (1-9999).
    pub fn year(&self) -> u16 {
        self.year
    }

    /// The month (1-12).
    pub fn month(&self) -> u8 {
        self.month
    }

    /// The day of the month (1-31).
    pub fn day(&self) -> u8 {
        self.day
    }

    /// The date (in UTC) of `time`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a time outside the years 1-9999.
    pub fn from_system_time(time: std::time::SystemTime) -> Result<SearchDate> {
        DateTime::from_system_time(time).map(SearchDate::from)
    }

    /// Today, in UTC.
    pub fn today() -> SearchDate {
        SearchDate::from(DateTime::now())
    }

    /// The date `days` days before today (UTC): `SearchDate::days_ago(30)` with
    /// [`Search::before`] finds mail older than 30 days. Saturates at 1-Jan-0001.
    pub fn days_ago(days: u32) -> SearchDate {
        SearchDate::today().minus_days(days)
    }

    /// The date `days` days earlier (saturating at 1-Jan-0001).
    pub fn minus_days(self, days: u32) -> SearchDate {
        let n = days_from_civil(
            i64::from(self.year),
            u32::from(self.month),
            u32::from(self.day),
        ) - i64::from(days);
        let (year, month, day) = civil_from_days(n);
        match u16::try_from(year) {
            Ok(year) if year >= 1 => SearchDate {
                year,
                month: month as u8,
                day: day as u8,
            },
            _ => SearchDate {
                year: 1,
                month: 1,
                day: 1,
            },
        }
    }
}

/// The calendar date of a [`DateTime`] as it was written (in its own UTC offset); use
/// [`DateTime::to_utc`] first for the UTC date.
impl From<DateTime> for SearchDate {
    fn from(d: DateTime) -> SearchDate {
        SearchDate {
            year: d.year(),
            month: d.month(),
            day: d.day(),
        }
    }
}

/// `(year, month, day)`, checked as by [`SearchDate::new`].
impl TryFrom<(u16, u8, u8)> for SearchDate {
    type Error = Error;

    fn try_from((y, m, d): (u16, u8, u8)) -> Result<SearchDate> {
        SearchDate::new(y, m, d)
    }
}

/// `2024-03-01` (ISO 8601) or `1-Mar-2024` (IMAP's form, any case of the month).
impl std::str::FromStr for SearchDate {
    type Err = Error;

    fn from_str(text: &str) -> Result<SearchDate> {
        let bad = || {
            Error::InvalidArgument(format!(
                "not a date (want 2024-03-01 or 1-Mar-2024): {text:?}"
            ))
        };
        let parts: Vec<&str> = text.trim().split('-').collect();
        let [first, second, third] = parts[..] else {
            return Err(bad());
        };
        let num = |field: &str| {
            (!field.is_empty() && field.len() <= 4 && field.bytes().all(|b| b.is_ascii_digit()))
                .then(|| field.parse::<u16>().ok())
                .flatten()
        };
        let (year, month, day) = match (num(first), date::month_number(second), num(second)) {
            // 2024-03-01
            (Some(year), None, Some(month)) if first.len() == 4 => {
                (year, month, num(third).ok_or_else(bad)?)
            }
            // 1-Mar-2024
            (Some(day), Some(month), None) if second.len() == 3 => {
                (num(third).ok_or_else(bad)?, u16::from(month), day)
            }
            _ => return Err(bad()),
        };
        let (Ok(month), Ok(day)) = (u8::try_from(month), u8::try_from(day)) else {
            return Err(bad());
        };
        SearchDate::new(year, month, day)
    }
}

impl fmt::Display for SearchDate {
    /// `1-Feb-2024`: the day without a leading zero, the English month abbreviation and a
    /// four-digit year.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let month = MONTHS
            .get(usize::from(self.month).wrapping_sub(1))
            .copied()
            .unwrap_or("???");
        write!(f, "{}-{}-{:04}", self.day, month, self.year)
    }
}

/// SEARCH criteria: a list of criteria that a message must all meet.
///
/// Start from [`Search::all`] and add criteria with the chainable methods, each of which
/// says which search key it sends. [`Search::or`] and [`Search::not`] combine whole
/// searches; an operand with more than one criterion goes in parentheses. A search with no
/// criteria matches every message and is sent as `ALL`.
///
/// ```text
/// Search::all()                                          ALL
/// Search::all().unseen().from("alice")                   UNSEEN FROM alice
/// Search::all().since(date).subject("Q3 report")         SINCE 1-Feb-2024 SUBJECT "Q3 report"
/// Search::or(Search::all().from("a").subject("x"),
///            Search::all().from("b"))                    OR (FROM a SUBJECT x) FROM b
/// Search::or(Search::all().from("a"), Search::all().from("b"))
///     .not(Search::all().deleted())                      OR FROM a FROM b NOT DELETED
/// ```
///
/// Strings go as atoms, quoted strings or literals, whichever fits; a string with non-ASCII
/// characters, CR or LF always goes as a literal. Nothing is checked until the search is
/// sent: then a string holding NUL, a keyword that is not an atom, an empty UID or sequence
/// set, or a bad [`Search::raw`] text makes the command fail with
/// [`Error::InvalidArgument`] before anything is written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Search {
    pub(crate) keys: Vec<Key>,
}

/// One search key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Key {
    /// A key without arguments: `SEEN`, `NEW`, ...
    Bare(&'static str),
    /// `KEYWORD` / `UNKEYWORD` and the keyword (checked to be an atom when encoded).
    Keyword(&'static str, String),
    /// A key with one string: `FROM`, `SUBJECT`, ...
    Text(&'static str, String),
    /// `HEADER` name value.
    Header(String, String),
    /// A key with a date: `SINCE`, `SENTON`, ...
    Date(&'static str, SearchDate),
    /// `LARGER` / `SMALLER` and the size in bytes.
    Size(&'static str, u32),
    /// `UID` and a set of UIDs.
    Uid(SequenceSet),
    /// A bare set of sequence numbers.
    Seq(SequenceSet),
    /// `MODSEQ` (RFC 7162).
    ModSeq(u64),
    /// `EMAILID` / `THREADID` (RFC 8474) and the object id (checked when encoded).
    ObjectId(&'static str, String),
    /// `NOT` operand.
    Not(Search),
    /// `OR` operand operand.
    Or(Search, Search),
    /// Text the caller wrote (checked for CR, LF and NUL when encoded).
    Raw(String),
    /// Gmail's `X-GM-RAW` and its search text (always a quoted string or a literal).
    GmailRaw(String),
    /// Gmail's `X-GM-MSGID` / `X-GM-THRID` and the id.
    GmailId(&'static str, u64),
    /// Gmail's `X-GM-LABELS` and the label.
    GmailLabel(GmailLabel),
}

impl Search {
    /// A search matching every message (`ALL`), to add criteria to.
    pub fn all() -> Search {
        Search::default()
    }

    fn with(mut self, key: Key) -> Search {
        self.keys.push(key);
        self
    }

    /// Messages with the `\Seen` flag: `SEEN`.
    pub fn seen(self) -> Search {
        self.with(Key::Bare("SEEN"))
    }

    /// Messages without the `\Seen` flag: `UNSEEN`.
    pub fn unseen(self) -> Search {
        self.with(Key::Bare("UNSEEN"))
    }

    /// Messages with the `\Answered` flag: `ANSWERED`.
    pub fn answered(self) -> Search {
        self.with(Key::Bare("ANSWERED"))
    }

    /// Messages without the `\Answered` flag: `UNANSWERED`.
    pub fn unanswered(self) -> Search {
        self.with(Key::Bare("UNANSWERED"))
    }

    /// Messages with the `\Flagged` flag: `FLAGGED`.
    pub fn flagged(self) -> Search {
        self.with(Key::Bare("FLAGGED"))
    }

    /// Messages without the `\Flagged` flag: `UNFLAGGED`.
    pub fn unflagged(self) -> Search {
        self.with(Key::Bare("UNFLAGGED"))
    }

    /// Messages with the `\Deleted` flag: `DELETED`.
    pub fn deleted(self) -> Search {
        self.with(Key::Bare("DELETED"))
    }

    /// Messages without the `\Deleted` flag: `UNDELETED`.
    pub fn undeleted(self) -> Search {
        self.with(Key::Bare("UNDELETED"))
    }

    /// Messages with the `\Draft` flag: `DRAFT`.
    pub fn draft(self) -> Search {
        self.with(Key::Bare("DRAFT"))
    }

    /// Messages without the `\Draft` flag: `UNDRAFT`.
    pub fn undraft(self) -> Search {
        self.with(Key::Bare("UNDRAFT"))
    }

    /// Messages with the `\Recent` flag: `RECENT` (IMAP4rev1 only; RFC 9051 dropped it).
    pub fn recent(self) -> Search {
        self.with(Key::Bare("RECENT"))
    }

    /// Messages that are recent and unseen: `NEW` (IMAP4rev1 only).
    pub fn new_messages(self) -> Search {
        self.with(Key::Bare("NEW"))
    }

    /// Messages that are not recent: `OLD` (IMAP4rev1 only).
    pub fn old(self) -> Search {
        self.with(Key::Bare("OLD"))
    }

    /// Messages with the keyword `keyword` (`$Forwarded`, `Junk`, ...): `KEYWORD keyword`.
    /// The keyword must be an atom; system flags (`\Seen`) have their own methods.
    pub fn keyword(self, keyword: &str) -> Search {
        self.with(Key::Keyword("KEYWORD", keyword.to_string()))
    }

    /// Messages without the keyword `keyword`: `UNKEYWORD keyword`.
    pub fn unkeyword(self, keyword: &str) -> Search {
        self.with(Key::Keyword("UNKEYWORD", keyword.to_string()))
    }

    /// Messages whose `From` header contains `text`: `FROM text`.
    pub fn from(self, text: &str) -> Search {
        self.with(Key::Text("FROM", text.to_string()))
    }

    /// Messages whose `To` header contains `text`: `TO text`.
    pub fn to(self, text: &str) -> Search {
        self.with(Key::Text("TO", text.to_string()))
    }

    /// Messages whose `Cc` header contains `text`: `CC text`.
    pub fn cc(self, text: &str) -> Search {
        self.with(Key::Text("CC", text.to_string()))
    }

    /// Messages whose `Bcc` header contains `text`: `BCC text`.
    pub fn bcc(self, text: &str) -> Search {
        self.with(Key::Text("BCC", text.to_string()))
    }

    /// Messages whose `Subject` header contains `text`: `SUBJECT text`.
    pub fn subject(self, text: &str) -> Search {
        self.with(Key::Text("SUBJECT", text.to_string()))
    }

    /// Messages whose body contains `text`: `BODY text`.
    pub fn body(self, text: &str) -> Search {
        self.with(Key::Text("BODY", text.to_string()))
    }

    /// Messages whose header or body contains `text`: `TEXT text`.
    pub fn text(self, text: &str) -> Search {
        self.with(Key::Text("TEXT", text.to_string()))
    }

    /// Messages with a header field `name` that contains `value`: `HEADER name value`.
    /// An empty `value` matches every message that has the field.
    pub fn header(self, name: &str, value: &str) -> Search {
        self.with(Key::Header(name.to_string(), value.to_string()))
    }

    /// Messages that arrived on `date` or later: `SINCE date` (by internal date).
    pub fn since(self, date: SearchDate) -> Search {
        self.with(Key::Date("SINCE", date))
    }

    /// Messages that arrived before `date`: `BEFORE date` (by internal date).
    pub fn before(self, date: SearchDate) -> Search {
        self.with(Key::Date("BEFORE", date))
    }

    /// Messages that arrived on `date`: `ON date` (by internal date).
    pub fn on(self, date: SearchDate) -> Search {
        self.with(Key::Date("ON", date))
    }

    /// Messages whose `Date` header is `date` or later: `SENTSINCE date`.
    pub fn sent_since(self, date: SearchDate) -> Search {
        self.with(Key::Date("SENTSINCE", date))
    }

    /// Messages whose `Date` header is before `date`: `SENTBEFORE date`.
    pub fn sent_before(self, date: SearchDate) -> Search {
        self.with(Key::Date("SENTBEFORE", date))
    }

    /// Messages whose `Date` header is `date`: `SENTON date`.
    pub fn sent_on(self, date: SearchDate) -> Search {
        self.with(Key::Date("SENTON", date))
    }

    /// Messages saved into this mailbox on `date` or later: `SAVEDSINCE date` (RFC 8514
    /// SAVEDATE).
    pub fn saved_since(self, date: SearchDate) -> Search {
        self.with(Key::Date("SAVEDSINCE", date))
    }

    /// Messages saved into this mailbox before `date`: `SAVEDBEFORE date` (RFC 8514).
    pub fn saved_before(self, date: SearchDate) -> Search {
        self.with(Key::Date("SAVEDBEFORE", date))
    }

    /// Messages saved into this mailbox on `date`: `SAVEDON date` (RFC 8514).
    pub fn saved_on(self, date: SearchDate) -> Search {
        self.with(Key::Date("SAVEDON", date))
    }

    /// Every message when the mailbox keeps save dates, none when it does not:
    /// `SAVEDATESUPPORTED` (RFC 8514). An empty result means the SAVED* keys match nothing
    /// here.
    pub fn save_date_supported(self) -> Search {
        self.with(Key::Bare("SAVEDATESUPPORTED"))
    }

    /// The message with this object id: `EMAILID id` (RFC 8474 OBJECTID; the id is 1 to 255
    /// letters, digits, `_` and `-`, as [`Fetch::email_id`](crate::Fetch::email_id) gives it).
    pub fn email_id(self, id: &str) -> Search {
        self.with(Key::ObjectId("EMAILID", id.to_string()))
    }

    /// The messages of this thread: `THREADID id` (RFC 8474 OBJECTID), the id as
    /// [`Fetch::thread_id`](crate::Fetch::thread_id) gives it.
    pub fn thread_id(self, id: &str) -> Search {
        self.with(Key::ObjectId("THREADID", id.to_string()))
    }

    /// Messages larger than `bytes` octets: `LARGER bytes`.
    pub fn larger(self, bytes: u32) -> Search {
        self.with(Key::Size("LARGER", bytes))
    }

    /// Messages smaller than `bytes` octets: `SMALLER bytes`.
    pub fn smaller(self, bytes: u32) -> Search {
        self.with(Key::Size("SMALLER", bytes))
    }

    /// Messages whose UID is in `uids`: `UID 1:3,5`. The set must not be empty.
    pub fn uid(self, uids: impl Into<SequenceSet>) -> Search {
        self.with(Key::Uid(uids.into()))
    }

    /// Messages whose sequence number is in `seqs`: the bare set, `1:3,5`. The set must not be
    /// empty.
    pub fn seq(self, seqs: impl Into<SequenceSet>) -> Search {
        self.with(Key::Seq(seqs.into()))
    }

    /// Messages changed at mod-sequence `modseq` or later: `MODSEQ modseq` (RFC 7162
    /// CONDSTORE; at most 2^63 - 1).
    pub fn modseq(self, modseq: u64) -> Search {
        self.with(Key::ModSeq(modseq))
    }

    /// Messages that do not match `other`: `NOT other`, with `other` in parentheses when it
    /// has more than one criterion (`NOT (FROM a SEEN)`). Like every other method, it adds to
    /// the criteria already there: `a.not(b)` matches `a` and not `b`.
    pub fn not(self, other: Search) -> Search {
        self.with(Key::Not(other))
    }

    /// Messages that match `self` or `other`: `OR self other`, each operand in parentheses
    /// when it has more than one criterion (`OR (FROM a SUBJECT x) FROM b`).
    ///
    /// Unlike the other methods, this takes everything built so far as the first operand; it
    /// reads best called as `Search::or(a, b)`.
    pub fn or(self, other: Search) -> Search {
        Search::all().with(Key::Or(self, other))
    }

    /// Messages that match `self` and `other`: appends all of `other`'s criteria.
    pub fn and(mut self, other: Search) -> Search {
        self.keys.extend(other.keys);
        self
    }

    /// An escape hatch for search keys this type does not know (`X-GM-RAW "has:attachment"`,
    /// `OLDER 3600`, ...): `text` is sent exactly as it is, after a space, and must be
    /// complete search keys. It must not be empty or hold CR, LF or NUL.
    pub fn raw(self, text: &str) -> Search {
        self.with(Key::Raw(text.to_string()))
    }

    /// Messages that match Gmail's own search syntax (`has:attachment in:unread`,
    /// `from:alice older_than:1y`, the text of Gmail's search box): `X-GM-RAW "text"`
    /// (needs `X-GM-EXT-1`).
    ///
    /// The text always goes as one string argument: a quoted string, or a literal when it
    /// holds CR, LF or non-ASCII characters (then the command is sent with `CHARSET UTF-8`),
    /// so quotes, parentheses and backslashes in it are Gmail's syntax, never IMAP's.
    /// ```
    /// use blocking_imap::Search;
    /// let q = Search::all().x_gm_raw("has:attachment \"quarterly report\"").unseen();
    /// ```
    /// Errors (when the search is sent): [`Error::InvalidArgument`] for empty text or a NUL.
    pub fn x_gm_raw(self, text: &str) -> Search {
        self.with(Key::GmailRaw(text.to_string()))
    }

    /// The message with Gmail message id `id` (from
    /// [`Fetch::gmail_msgid`](crate::Fetch::gmail_msgid)): `X-GM-MSGID id` (needs
    /// `X-GM-EXT-1`). The id stays the same in every mailbox the message is in.
    pub fn x_gm_msgid(self, id: u64) -> Search {
        self.with(Key::GmailId("X-GM-MSGID", id))
    }

    /// The messages of Gmail conversation `id` (from
    /// [`Fetch::gmail_thrid`](crate::Fetch::gmail_thrid)): `X-GM-THRID id` (needs
    /// `X-GM-EXT-1`).
    pub fn x_gm_thrid(self, id: u64) -> Search {
        self.with(Key::GmailId("X-GM-THRID", id))
    }

    /// Messages with the Gmail label `label`: `X-GM-LABELS label` (needs `X-GM-EXT-1`). A
    /// system label goes as `\Inbox`, a user label in modified UTF-7, quoted.
    ///
    /// Errors (when the search is sent): [`Error::InvalidArgument`] for an empty label or a
    /// system label name that is not an atom.
    pub fn x_gm_labels(self, label: impl Into<GmailLabel>) -> Search {
        self.with(Key::GmailLabel(label.into()))
    }

    /// Does a string criterion hold non-ASCII text (so the command needs `CHARSET UTF-8`, or
    /// UTF8=ACCEPT)?
    #[allow(dead_code)] // used by the session commands
    pub(crate) fn needs_utf8(&self) -> bool {
        self.keys.iter().any(|key| match key {
            Key::Text(_, s) | Key::Raw(s) | Key::GmailRaw(s) => !s.is_ascii(),
            Key::Header(name, value) => !name.is_ascii() || !value.is_ascii(),
            Key::Not(s) => s.needs_utf8(),
            Key::Or(a, b) => a.needs_utf8() || b.needs_utf8(),
            _ => false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::encode::{Command, MAX_QUOTED};

    #[test]
    fn search_dates_from_text_times_and_days_ago() {
        let d = SearchDate::new(2024, 3, 1).unwrap();
        assert_eq!("2024-03-01".parse::<SearchDate>().unwrap(), d);
        assert_eq!("1-Mar-2024".parse::<SearchDate>().unwrap(), d);
        assert_eq!("01-mar-2024".parse::<SearchDate>().unwrap(), d);
        assert_eq!(SearchDate::try_from((2024, 3, 1)).unwrap(), d);
        for bad in [
            "",
            "2024-02-30",
            "2024-3",
            "1-Foo-2024",
            "Mar-1-2024",
            "24-03-01",
            "x-y-z",
        ] {
            assert!(bad.parse::<SearchDate>().is_err(), "{bad:?}");
        }
        assert_eq!(d.minus_days(1).to_string(), "29-Feb-2024");
        assert_eq!(d.minus_days(366).to_string(), "1-Mar-2023");
        assert_eq!(d.minus_days(u32::MAX).to_string(), "1-Jan-0001");
        let t = DateTime::new(2024, 3, 1, 23, 30, 0, -300).unwrap();
        assert_eq!(SearchDate::from(t), d, "the date as written");
        assert_eq!(SearchDate::from(t.to_utc()).to_string(), "2-Mar-2024");
        let noon = DateTime::new(2024, 3, 1, 12, 0, 0, 0)
            .unwrap()
            .to_system_time();
        assert_eq!(SearchDate::from_system_time(noon).unwrap(), d);
        let today = SearchDate::today();
        assert_eq!(SearchDate::days_ago(0), today);
        assert!(SearchDate::days_ago(30) < today);
        assert_eq!(SearchDate::days_ago(7), today.minus_days(7));
    }
    use crate::wire::encode::Segment;

    fn date(y: u16, m: u8, d: u8) -> SearchDate {
        SearchDate::new(y, m, d).unwrap()
    }

    fn segments(search: &Search) -> Vec<Segment> {
        let mut cmd = Command::new("SEARCH");
        search.encode(&mut cmd).unwrap();
        cmd.into_segments()
    }

    /// The command line of a search that needs no literal.
    fn line(search: &Search) -> String {
        let segs = segments(search);
        assert_eq!(segs.len(), 1, "{segs:?}");
        String::from_utf8(segs[0].text.clone()).unwrap()
    }

    fn error(search: &Search) -> String {
        let mut cmd = Command::new("SEARCH");
        match search.encode(&mut cmd) {
            Err(Error::InvalidArgument(m)) => {
                // Nothing was written.
                assert_eq!(cmd.into_segments()[0].text, b"SEARCH");
                m
            }
            other => panic!("expected InvalidArgument, got {other:?}"),
        }
    }

    #[test]
    fn exact_encodings() {
        let feb1 = date(2024, 2, 1);
        for (search, expected) in [
            (Search::all(), "SEARCH ALL"),
            (Search::default(), "SEARCH ALL"),
            (
                Search::all().unseen().from("alice"),
                "SEARCH UNSEEN FROM alice",
            ),
            (
                Search::all().since(feb1).subject("Q3 report"),
                "SEARCH SINCE 1-Feb-2024 SUBJECT \"Q3 report\"",
            ),
            (
                Search::or(
                    Search::all().from("a").subject("x"),
                    Search::all().from("b"),
                ),
                "SEARCH OR (FROM a SUBJECT x) FROM b",
            ),
            (
                Search::or(Search::all().from("a"), Search::all().from("b"))
                    .not(Search::all().deleted()),
                "SEARCH OR FROM a FROM b NOT DELETED",
            ),
            (
                Search::all()
                    .seen()
                    .unseen()
                    .answered()
                    .unanswered()
                    .flagged()
                    .unflagged()
                    .deleted()
                    .undeleted()
                    .draft()
                    .undraft()
                    .recent()
                    .new_messages()
                    .old(),
                "SEARCH SEEN UNSEEN ANSWERED UNANSWERED FLAGGED UNFLAGGED DELETED UNDELETED \
                 DRAFT UNDRAFT RECENT NEW OLD",
            ),
            (
                Search::all().keyword("$Forwarded").unkeyword("Junk"),
                "SEARCH KEYWORD $Forwarded UNKEYWORD Junk",
            ),
            (
                Search::all()
                    .to("bob@example.com")
                    .cc("")
                    .bcc("NIL")
                    .body("say \"hi\" \\o/")
                    .text("x"),
                "SEARCH TO bob@example.com CC \"\" BCC \"NIL\" BODY \"say \\\"hi\\\" \\\\o/\" TEXT x",
            ),
            (
                Search::all()
                    .header("List-Id", "")
                    .header("X-Spam Flag", "YES"),
                "SEARCH HEADER List-Id \"\" HEADER \"X-Spam Flag\" YES",
            ),
            (
                Search::all()
                    .before(date(2023, 12, 31))
                    .on(date(999, 3, 5))
                    .sent_since(feb1)
                    .sent_before(feb1)
                    .sent_on(feb1),
                "SEARCH BEFORE 31-Dec-2023 ON 5-Mar-0999 SENTSINCE 1-Feb-2024 \
                 SENTBEFORE 1-Feb-2024 SENTON 1-Feb-2024",
            ),
            (
                Search::all()
                    .larger(1000)
                    .smaller(u32::MAX)
                    .uid([1, 2, 3, 5])
                    .seq(4..)
                    .modseq(7),
                "SEARCH LARGER 1000 SMALLER 4294967295 UID 1:3,5 4:* MODSEQ 7",
            ),
            (
                Search::all()
                    .unseen()
                    .and(Search::all().flagged().from("x"))
                    .and(Search::all()),
                "SEARCH UNSEEN FLAGGED FROM x",
            ),
            (
                Search::all()
                    .raw("X-GM-RAW \"has:attachment\"")
                    .not(Search::all().raw("OLDER 60")),
                "SEARCH X-GM-RAW \"has:attachment\" NOT OLDER 60",
            ),
            (
                Search::or(Search::all(), Search::all().seen()),
                "SEARCH OR ALL SEEN",
            ),
        ] {
            assert_eq!(line(&search), expected);
        }
    }

    #[test]
    fn nested_not_and_or_are_parenthesised() {
        let cases = [
            (
                Search::all().not(Search::all().seen().flagged()),
                "SEARCH NOT (SEEN FLAGGED)",
            ),
            (
                Search::all().not(Search::or(
                    Search::all().seen(),
                    Search::all().flagged().draft(),
                )),
                "SEARCH NOT OR SEEN (FLAGGED DRAFT)",
            ),
            (
                Search::or(
                    Search::all().seen().not(Search::all().from("x").to("y")),
                    Search::all().draft(),
                ),
                "SEARCH OR (SEEN NOT (FROM x TO y)) DRAFT",
            ),
            (
                Search::or(
                    Search::all().not(Search::or(
                        Search::all().seen().subject("a b"),
                        Search::all().uid(1..=9).from("z"),
                    )),
                    Search::all()
                        .answered()
                        .not(Search::all().not(Search::all())),
                ),
                "SEARCH OR NOT OR (SEEN SUBJECT \"a b\") (UID 1:9 FROM z) \
                 (ANSWERED NOT NOT ALL)",
            ),
            (
                // The first operand of `or` is everything built so far.
                Search::all().unseen().from("a").or(Search::all().flagged()),
                "SEARCH OR (UNSEEN FROM a) FLAGGED",
            ),
        ];
        for (search, expected) in cases {
            assert_eq!(line(&search), expected);
        }
    }

    #[test]
    fn non_ascii_goes_as_a_literal_and_needs_utf8() {
        let search = Search::all().subject("Grüße").seen();
        assert!(search.needs_utf8());
        let segs = segments(&search);
        assert_eq!(segs.len(), 2);
        assert_eq!(segs[0].text, b"SEARCH SUBJECT ");
        assert_eq!(segs[0].literal.as_deref(), Some("Grüße".as_bytes()));
        assert_eq!(segs[1].text, b" SEEN");
        assert_eq!(segs[1].literal, None);

        assert!(!Search::all().from("alice").subject("hi").needs_utf8());
        assert!(Search::all()
            .not(Search::or(Search::all(), Search::all().header("X-Ä", "")))
            .needs_utf8());
        assert!(Search::or(Search::all().to("ü"), Search::all()).needs_utf8());
        assert!(Search::all().raw("X-GM-RAW \"ü\"").needs_utf8());
        assert!(!Search::all().keyword("Junk").uid(1).needs_utf8());
    }

    #[test]
    fn crlf_never_starts_a_second_command() {
        let segs = segments(&Search::all().subject("x\r\nA2 DELETE INBOX").from("b"));
        assert_eq!(segs.len(), 2);
        assert_eq!(segs[0].text, b"SEARCH SUBJECT ");
        assert_eq!(
            segs[0].literal.as_deref(),
            Some(&b"x\r\nA2 DELETE INBOX"[..])
        );
        assert_eq!(segs[1].text, b" FROM b");
        for seg in &segs {
            assert!(!seg.text.contains(&b'\r') && !seg.text.contains(&b'\n'));
        }
        // A lone LF too.
        let segs = segments(&Search::all().body("a\nb"));
        assert_eq!(segs[0].literal.as_deref(), Some(&b"a\nb"[..]));
    }

    #[test]
    fn literal_at_the_end_of_a_group() {
        let search = Search::or(
            Search::all().subject("ü").header("X-É", "é"),
            Search::all().seen(),
        );
        let segs = segments(&search);
        let texts: Vec<&[u8]> = segs.iter().map(|s| &s.text[..]).collect();
        assert_eq!(
            texts,
            [
                &b"SEARCH OR (SUBJECT "[..],
                b" HEADER ",
                b" ",
                b" ALL) SEEN"
            ]
        );
        let literals: Vec<Option<&[u8]>> = segs.iter().map(|s| s.literal.as_deref()).collect();
        assert_eq!(
            literals,
            [
                Some("ü".as_bytes()),
                Some("X-É".as_bytes()),
                Some("é".as_bytes()),
                None
            ]
        );
    }

    #[test]
    fn long_strings_go_as_literals() {
        let quoted = "a ".repeat(MAX_QUOTED / 2);
        let segs = segments(&Search::all().not(Search::all().seen().text(&quoted)));
        assert_eq!(segs.len(), 1);
        assert_eq!(
            segs[0].text,
            format!("SEARCH NOT (SEEN TEXT \"{quoted}\")").into_bytes()
        );
        let long = format!("{quoted}b");
        let segs = segments(&Search::all().text(&long));
        assert_eq!(segs[0].literal.as_deref(), Some(long.as_bytes()));
        // An atom has no length limit.
        let atom = "x".repeat(3000);
        assert_eq!(
            line(&Search::all().text(&atom)),
            format!("SEARCH TEXT {atom}")
        );
    }

    #[test]
    fn invalid_arguments() {
        let m = error(&Search::all().seen().subject("a\0b"));
        assert!(m.contains("NUL"), "{m}");
        error(&Search::all().header("X\0", "v"));
        error(&Search::all().not(Search::all().from("\0").to("x")));
        for bad in [
            "", "a b", "\\Seen", "x(", "a)", "{3}", "%", "*", "\"q\"", "a]", "ü", "a\r\n",
        ] {
            error(&Search::all().keyword(bad));
            error(&Search::all().unkeyword(bad));
        }
        for bad in ["", "ALL\r\nA2 LOGOUT", "a\nb", "a\0b"] {
            error(&Search::all().unseen().raw(bad));
        }
        error(&Search::all().uid(SequenceSet::new()));
        error(&Search::all().seq(Vec::<u32>::new()));
        error(&Search::all().modseq(1 << 63));
        assert_eq!(
            line(&Search::all().modseq(i64::MAX as u64)),
            "SEARCH MODSEQ 9223372036854775807"
        );
    }

    #[test]
    fn dates_are_validated() {
        assert_eq!(date(2024, 2, 29).to_string(), "29-Feb-2024");
        assert_eq!(date(2000, 2, 29).to_string(), "29-Feb-2000");
        assert_eq!(date(2024, 1, 1).to_string(), "1-Jan-2024");
        assert_eq!(date(1, 12, 31).to_string(), "31-Dec-0001");
        assert_eq!(date(9999, 11, 30).to_string(), "30-Nov-9999");
        for (y, m, d) in [
            (2023, 2, 29),
            (1900, 2, 29),
            (2024, 13, 1),
            (2024, 0, 1),
            (2024, 4, 31),
            (2024, 1, 0),
            (2024, 1, 32),
            (0, 1, 1),
            (10000, 1, 1),
        ] {
            assert!(
                matches!(SearchDate::new(y, m, d), Err(Error::InvalidArgument(_))),
                "{y}-{m}-{d}"
            );
        }
        let d = date(2024, 7, 9);
        assert_eq!((d.year(), d.month(), d.day()), (2024, 7, 9));
        assert!(date(2023, 12, 31) < date(2024, 1, 1) && date(2024, 1, 2) > date(2024, 1, 1));
        let months: Vec<String> = (1..=12).map(|m| date(2024, m, 1).to_string()).collect();
        assert_eq!(
            months.join(" "),
            "1-Jan-2024 1-Feb-2024 1-Mar-2024 1-Apr-2024 1-May-2024 1-Jun-2024 \
             1-Jul-2024 1-Aug-2024 1-Sep-2024 1-Oct-2024 1-Nov-2024 1-Dec-2024"
        );
    }
}
