//! Dates and times: IMAP's INTERNALDATE (`17-Jul-1996 02:44:25 -0700`) and the Date header of
//! mail (RFC 5322, with the obsolete forms real mail has), as one typed value.
//!
//! The calendar arithmetic is the proleptic Gregorian calendar counted in days from
//! 1970-01-01 (the usual civil-from-days conversion, exact for every year this type holds),
//! so the default build needs no date crate. Conversions into chrono and jiff types are
//! behind the cargo features of those names.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};

/// English month abbreviations, as IMAP and RFC 5322 write them.
pub(crate) const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

const SECS_PER_DAY: i64 = 86_400;

/// A point in time as a mail system wrote it: a calendar date, a time of day and the UTC
/// offset it was written in.
///
/// It comes from [`Fetch::internal_date`](crate::Fetch::internal_date) (IMAP's INTERNALDATE),
/// [`Envelope::date`](crate::Envelope::date) (the Date header, parsed best-effort), or is made
/// from a [`SystemTime`] or its parts; [`Session::append`](crate::Session::append) and
/// [`AppendMessage::internal_date`](crate::AppendMessage::internal_date) take one.
///
/// Two values are equal only if they have the same fields; [`Ord`] orders by the instant
/// (then by offset), so `10:00 +0200` sorts before `09:30 +0000`.
///
/// An unknown zone: RFC 5322 section 3.3 writes `-0000` for "the time is UTC, but the
/// sender's local zone is not known", which is not the same as `+0000` (the sender is on
/// UTC). A date parsed from `-0000` (or, in a Date header, from a zone it cannot read, a
/// military letter or no zone at all) keeps that apart: its offset is 0,
/// [`is_zone_unknown`](DateTime::is_zone_unknown) is true, it prints `-0000` again, and it is
/// not equal to the same time written `+0000` (it sorts just after it).
///
/// Local time: the type holds a fixed offset, not a time zone. To show a date in the
/// reader's zone, give that zone's offset to [`to_offset`](DateTime::to_offset), or, with the
/// `chrono` feature, convert into `chrono::DateTime<FixedOffset>` and call
/// `.with_timezone(&chrono::Local)` (chrono's `clock` feature, in your own dependency on
/// chrono); with the `jiff` feature, convert into `jiff::Timestamp` and call
/// `.to_zoned(jiff::tz::TimeZone::system())` (jiff's `tz-system` feature).
///
/// ```
/// use blocking_imap::DateTime;
/// let d = DateTime::parse_rfc5322("Tue, 1 Jul 2003 10:52:37 -0000")?;
/// assert!(d.is_zone_unknown());
/// assert_eq!(d.to_rfc5322(), "Tue, 1 Jul 2003 10:52:37 -0000");
/// assert_ne!(d, DateTime::parse_rfc5322("Tue, 1 Jul 2003 10:52:37 +0000")?);
/// // In Berlin's summer time:
/// assert_eq!(d.to_offset(120)?.to_string(), " 1-Jul-2003 12:52:37 +0200");
/// # Ok::<(), blocking_imap::Error>(())
/// ```
///
/// ```
/// use blocking_imap::DateTime;
/// let d: DateTime = "17-Jul-1996 02:44:25 -0700".parse()?;
/// assert_eq!((d.year(), d.month(), d.day(), d.hour()), (1996, 7, 17, 2));
/// assert_eq!(d.offset_minutes(), -420);
/// assert_eq!(d.unix_timestamp(), 837_596_665);
/// assert_eq!(d.to_string(), "17-Jul-1996 02:44:25 -0700");
/// # Ok::<(), blocking_imap::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    /// East of UTC, in minutes (-0700 is -420).
    offset: i16,
    /// Written `-0000`: the time is UTC, the sender's zone unknown (RFC 5322 section 3.3).
    /// Only with `offset` 0.
    zone_unknown: bool,
}

/// Days from 1970-01-01 to `year`-`month`-`day` (proleptic Gregorian). The year is shifted to
/// start in March so that the leap day is the last of its year; then whole 400-year eras (of
/// 146,097 days), years of 365 days plus their leap days, and days within the year follow.
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y.rem_euclid(400);
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date `days` after 1970-01-01: the inverse of [`days_from_civil`].
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Is `year` a leap year?
pub(crate) fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// How many days `month` has in `year`; `None` for a month outside 1-12.
pub(crate) fn days_in_month(year: i64, month: u32) -> Option<u32> {
    Some(match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        _ => return None,
    })
}

impl DateTime {
    /// A date and time with its UTC offset in minutes east of UTC (`-0700` is `-420`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if the date does not exist (year outside 1-9999, month 13,
    /// 31 April, 29 February of a common year), the time is outside `00:00:00`-`23:59:60`
    /// (a leap second is kept as written), or the offset is beyond ±99:59.
    pub fn new(
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
        offset_minutes: i16,
    ) -> Result<DateTime> {
        let bad = |what: String| Err(Error::InvalidArgument(what));
        if !(1..=9999).contains(&year) {
            return bad(format!("year {year} is out of range 1-9999"));
        }
        let Some(days) = days_in_month(i64::from(year), u32::from(month)) else {
            return bad(format!("month {month} is out of range 1-12"));
        };
        if day == 0 || u32::from(day) > days {
            return bad(format!("day {day} does not exist in {year}-{month:02}"));
        }
        if hour > 23 || minute > 59 || second > 60 {
            return bad(format!(
                "time {hour:02}:{minute:02}:{second:02} does not exist"
            ));
        }
        if offset_minutes.unsigned_abs() > 99 * 60 + 59 {
            return bad(format!("UTC offset of {offset_minutes} minutes"));
        }
        Ok(DateTime {
            year,
            month,
            day,
            hour,
            minute,
            second,
            offset: offset_minutes,
            zone_unknown: false,
        })
    }

    /// The instant `secs` seconds after 1970-01-01 00:00:00 UTC, written with the UTC offset
    /// `offset_minutes` (0 for UTC).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if the local date falls outside the years 1-9999, or the
    /// offset is beyond ±99:59.
    pub fn from_unix_timestamp(secs: i64, offset_minutes: i16) -> Result<DateTime> {
        if offset_minutes.unsigned_abs() > 99 * 60 + 59 {
            return Err(Error::InvalidArgument(format!(
                "UTC offset of {offset_minutes} minutes"
            )));
        }
        let local = secs
            .checked_add(i64::from(offset_minutes) * 60)
            .ok_or_else(|| Error::InvalidArgument(format!("timestamp {secs} out of range")))?;
        let (days, secs_of_day) = (
            local.div_euclid(SECS_PER_DAY),
            local.rem_euclid(SECS_PER_DAY),
        );
        let (year, month, day) = civil_from_days(days);
        let year = u16::try_from(year)
            .ok()
            .filter(|y| (1..=9999).contains(y))
            .ok_or_else(|| Error::InvalidArgument(format!("timestamp {secs} out of range")))?;
        Ok(DateTime {
            year,
            month: month as u8,
            day: day as u8,
            hour: (secs_of_day / 3600) as u8,
            minute: (secs_of_day / 60 % 60) as u8,
            second: (secs_of_day % 60) as u8,
            offset: offset_minutes,
            zone_unknown: false,
        })
    }

    /// `time` in UTC.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a time outside the years 1-9999.
    pub fn from_system_time(time: SystemTime) -> Result<DateTime> {
        let secs = match time.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            // Before 1970: round down to the whole second.
            Err(e) => {
                let d = e.duration();
                let whole = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
                -whole - i64::from(d.subsec_nanos() > 0)
            }
        };
        DateTime::from_unix_timestamp(secs, 0)
    }

    /// Now, in UTC.
    pub fn now() -> DateTime {
        DateTime::from_system_time(SystemTime::now()).unwrap_or(DateTime {
            year: 1970,
            month: 1,
            day: 1,
            hour: 0,
            minute: 0,
            second: 0,
            offset: 0,
            zone_unknown: false,
        })
    }

    /// Seconds since 1970-01-01 00:00:00 UTC (negative before). A leap second (`:60`) counts
    /// as the first second of the next minute.
    pub fn unix_timestamp(&self) -> i64 {
        let days = days_from_civil(
            i64::from(self.year),
            u32::from(self.month),
            u32::from(self.day),
        );
        days * SECS_PER_DAY
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
            - i64::from(self.offset) * 60
    }

    /// The same instant as a [`SystemTime`]. Where the platform's `SystemTime` cannot hold
    /// it (on Windows, before the year 1601), the nearest instant it can hold.
    pub fn to_system_time(&self) -> SystemTime {
        let secs = self.unix_timestamp();
        let at = |magnitude: u64| {
            let d = Duration::from_secs(magnitude);
            if secs >= 0 {
                UNIX_EPOCH.checked_add(d)
            } else {
                UNIX_EPOCH.checked_sub(d)
            }
        };
        if let Some(t) = at(secs.unsigned_abs()) {
            return t;
        }
        // `+` and `-` would panic here. The platform's bound is not exposed: search for the
        // farthest whole second from the epoch that fits (64 steps at most).
        let (mut fits, mut too_far) = (0, secs.unsigned_abs());
        while too_far - fits > 1 {
            let mid = fits + (too_far - fits) / 2;
            if at(mid).is_some() {
                fits = mid;
            } else {
                too_far = mid;
            }
        }
        at(fits).unwrap_or(UNIX_EPOCH)
    }

    /// The same instant written in UTC (offset `+0000`).
    ///
    /// At the edges of the range an offset can carry the instant outside the years 1-9999
    /// (`1-Jan-0001 00:30:00 +0100` is in the year 0 in UTC): the result is then the nearest
    /// value in range, `1-Jan-0001 00:00:00 +0000` or `31-Dec-9999 23:59:59 +0000`.
    /// [`checked_to_utc`](DateTime::checked_to_utc) tells those apart.
    pub fn to_utc(&self) -> DateTime {
        self.checked_to_utc()
            .unwrap_or(if self.unix_timestamp() < 0 {
                DateTime::MIN_UTC
            } else {
                DateTime::MAX_UTC
            })
    }

    /// The same instant written in UTC (offset `+0000`); `None` when that falls outside the
    /// years 1-9999 (an offset at the very edge of the range), where
    /// [`to_utc`](DateTime::to_utc) gives the nearest value in range.
    pub fn checked_to_utc(&self) -> Option<DateTime> {
        if self.offset == 0 {
            return Some(DateTime {
                zone_unknown: false,
                ..*self
            });
        }
        DateTime::from_unix_timestamp(self.unix_timestamp(), 0).ok()
    }

    /// The earliest UTC value: `1-Jan-0001 00:00:00 +0000`.
    const MIN_UTC: DateTime = DateTime {
        year: 1,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
        offset: 0,
        zone_unknown: false,
    };

    /// The latest UTC value (leap seconds aside): `31-Dec-9999 23:59:59 +0000`.
    const MAX_UTC: DateTime = DateTime {
        year: 9999,
        month: 12,
        day: 31,
        hour: 23,
        minute: 59,
        second: 59,
        offset: 0,
        zone_unknown: false,
    };

    /// The year (1-9999), as written (local to the offset).
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

    /// The hour (0-23).
    pub fn hour(&self) -> u8 {
        self.hour
    }

    /// The minute (0-59).
    pub fn minute(&self) -> u8 {
        self.minute
    }

    /// The second (0-60; 60 only for a leap second as written).
    pub fn second(&self) -> u8 {
        self.second
    }

    /// The UTC offset it was written with, in minutes east of UTC (`-0700` is `-420`); 0
    /// for an unknown zone (`-0000`, see [`is_zone_unknown`](DateTime::is_zone_unknown)).
    pub fn offset_minutes(&self) -> i16 {
        self.offset
    }

    /// Was the zone unknown: written `-0000` (RFC 5322 section 3.3: the time is UTC, the
    /// sender's local zone is not known), or, in a Date header read by
    /// [`parse_rfc5322`](DateTime::parse_rfc5322), a zone that cannot be read, a military
    /// letter, or none? Such a value has offset 0 and prints `-0000`. False for `+0000`,
    /// `UT`, `GMT` and every other offset.
    ///
    /// ```
    /// use blocking_imap::DateTime;
    /// assert!(DateTime::parse_imap("17-Jul-1996 02:44:25 -0000")?.is_zone_unknown());
    /// assert!(!DateTime::parse_imap("17-Jul-1996 02:44:25 +0000")?.is_zone_unknown());
    /// assert!(DateTime::parse_rfc5322("17 Jul 1996 02:44:25")?.is_zone_unknown());
    /// assert!(!DateTime::parse_rfc5322("17 Jul 1996 02:44:25 GMT")?.is_zone_unknown());
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    pub fn is_zone_unknown(&self) -> bool {
        self.zone_unknown
    }

    /// The same instant written with the UTC offset `offset_minutes` (east of UTC: `120` for
    /// `+0200`): how to show a date in the reader's zone, given that zone's offset. The
    /// result's zone is known (an unknown-zone date is UTC, and is converted from UTC).
    ///
    /// ```
    /// use blocking_imap::DateTime;
    /// let d: DateTime = "17-Jul-1996 02:44:25 -0700".parse()?;
    /// assert_eq!(d.to_offset(60)?.to_string(), "17-Jul-1996 10:44:25 +0100");
    /// assert_eq!(d.to_offset(60)?.unix_timestamp(), d.unix_timestamp());
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if the offset is beyond ±99:59, or the date in that offset
    /// falls outside the years 1-9999.
    pub fn to_offset(&self, offset_minutes: i16) -> Result<DateTime> {
        DateTime::from_unix_timestamp(self.unix_timestamp(), offset_minutes)
    }

    /// This value with its zone marked unknown (`-0000`) when its offset is 0; any other
    /// value is returned as it is (a known offset is never unknown).
    fn unknown_zone_if_utc(mut self, unknown: bool) -> DateTime {
        self.zone_unknown = unknown && self.offset == 0;
        self
    }

    /// Parses IMAP's `date-time` (RFC 9051): `17-Jul-1996 02:44:25 -0700`, the day with or
    /// without a leading space or zero; leniently also without the zone (taken as UTC), with
    /// any case of the month name, and with a two- or three-digit year read as
    /// [`parse_rfc5322`](DateTime::parse_rfc5322) reads it (`17-Jul-96` is 1996, `1-Jan-04`
    /// 2004).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when it is not such a date, or the date does not exist.
    pub fn parse_imap(text: &str) -> Result<DateTime> {
        imap_date_time(text.trim())
            .ok_or_else(|| Error::InvalidArgument(format!("not an IMAP date-time: {text:?}")))?
    }

    /// Parses the Date header of a message (RFC 5322 section 3.3), best-effort: the day of
    /// the week and comments are optional and ignored, whitespace is free, two- and
    /// three-digit years are read as RFC 5322 section 4.3 says (`94` is 1994, `04` is 2004,
    /// `104` is 2004), seconds are optional, and the zone may be `+hhmm`, a name (`UT`,
    /// `GMT`, `EST`, `PDT`...), a military letter or missing (all but the numeric and North
    /// American zones are taken as `-0000`: UTC, with [`is_zone_unknown`](DateTime::is_zone_unknown)
    /// true; `UT`, `GMT`, `UTC`, `Z` are `+0000`). A name followed by an offset (`GMT+0200`,
    /// `UTC+05:30`, `GMT+2`, `GMT +0200`, as JavaScript and some mailers write it) has that
    /// offset. Also accepts the IMAP form.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when no date can be read.
    pub fn parse_rfc5322(text: &str) -> Result<DateTime> {
        rfc5322_date_time(text)
            .or_else(|| imap_date_time(text.trim()).and_then(Result::ok))
            .ok_or_else(|| Error::InvalidArgument(format!("not a date: {text:?}")))
    }

    /// The RFC 5322 form: `Wed, 17 Jul 1996 02:44:25 -0700`.
    pub fn to_rfc5322(&self) -> String {
        let days = days_from_civil(
            i64::from(self.year),
            u32::from(self.month),
            u32::from(self.day),
        );
        const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
        let weekday = WEEKDAYS[days.rem_euclid(7) as usize];
        format!(
            "{weekday}, {} {} {:04} {:02}:{:02}:{:02} {}",
            self.day,
            self.month_name(),
            self.year,
            self.hour,
            self.minute,
            self.second,
            self.zone()
        )
    }

    fn month_name(&self) -> &'static str {
        MONTHS[usize::from(self.month - 1)]
    }

    /// `+hhmm` / `-hhmm`; `-0000` for an unknown zone.
    fn zone(&self) -> String {
        let sign = if self.offset < 0 || self.zone_unknown {
            '-'
        } else {
            '+'
        };
        let m = self.offset.unsigned_abs();
        format!("{sign}{:02}{:02}", m / 60, m % 60)
    }
}

/// IMAP's `date-time` form, as INTERNALDATE and APPEND write it: `17-Jul-1996 02:44:25 -0700`
/// (the day space-padded to two characters when below 10, as RFC 9051's `date-day-fixed`).
impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:>2}-{}-{:04} {:02}:{:02}:{:02} {}",
            self.day,
            self.month_name(),
            self.year,
            self.hour,
            self.minute,
            self.second,
            self.zone()
        )
    }
}

/// [`DateTime::parse_imap`], then [`DateTime::parse_rfc5322`].
impl FromStr for DateTime {
    type Err = Error;

    fn from_str(s: &str) -> Result<DateTime> {
        DateTime::parse_imap(s).or_else(|_| DateTime::parse_rfc5322(s))
    }
}

impl PartialOrd for DateTime {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// By instant, then by offset (so that the order agrees with `Eq`).
impl Ord for DateTime {
    fn cmp(&self, other: &Self) -> Ordering {
        self.unix_timestamp()
            .cmp(&other.unix_timestamp())
            .then(self.offset.cmp(&other.offset))
            .then(self.second.cmp(&other.second))
            .then(self.zone_unknown.cmp(&other.zone_unknown))
    }
}

impl From<DateTime> for SystemTime {
    fn from(d: DateTime) -> SystemTime {
        d.to_system_time()
    }
}

impl TryFrom<SystemTime> for DateTime {
    type Error = Error;

    fn try_from(t: SystemTime) -> Result<DateTime> {
        DateTime::from_system_time(t)
    }
}

#[cfg(feature = "chrono")]
mod chrono_impls {
    use super::DateTime;
    use crate::error::{Error, Result};
    use chrono::{FixedOffset, Offset, TimeZone};

    /// The same instant with the same UTC offset.
    impl From<DateTime> for chrono::DateTime<FixedOffset> {
        fn from(d: DateTime) -> Self {
            // The offset is within ±99:59; chrono takes less than ±24 h, which every real
            // zone is. Beyond that, UTC.
            let offset = FixedOffset::east_opt(i32::from(d.offset_minutes()) * 60)
                .unwrap_or_else(|| chrono::Utc.fix());
            offset
                .timestamp_opt(d.unix_timestamp(), 0)
                .single()
                .unwrap_or_else(|| chrono::DateTime::<chrono::Utc>::UNIX_EPOCH.fixed_offset())
        }
    }

    /// The same instant, written with the same UTC offset (whole minutes; seconds of the
    /// offset and fractions of a second are dropped).
    impl<Tz: TimeZone> TryFrom<chrono::DateTime<Tz>> for DateTime {
        type Error = Error;

        fn try_from(d: chrono::DateTime<Tz>) -> Result<DateTime> {
            let offset = d.offset().fix().local_minus_utc() / 60;
            let offset = i16::try_from(offset)
                .map_err(|_| Error::InvalidArgument(format!("UTC offset of {offset} minutes")))?;
            DateTime::from_unix_timestamp(d.timestamp(), offset)
        }
    }
}

#[cfg(feature = "jiff")]
mod jiff_impls {
    use super::DateTime;
    use crate::error::{Error, Result};

    /// The same instant; the nearest jiff can hold beyond its range (which ends a day or two
    /// inside the years 1-9999: `31-Dec-9999` is past `Timestamp::MAX`).
    impl From<DateTime> for jiff::Timestamp {
        fn from(d: DateTime) -> Self {
            let secs = d.unix_timestamp();
            jiff::Timestamp::from_second(secs).unwrap_or(if secs < 0 {
                jiff::Timestamp::MIN
            } else {
                jiff::Timestamp::MAX
            })
        }
    }

    /// The same instant in a fixed time zone of the same UTC offset.
    impl From<DateTime> for jiff::ZonedDateTime {
        fn from(d: DateTime) -> Self {
            let offset = jiff::tz::Offset::from_seconds(i32::from(d.offset_minutes()) * 60)
                .unwrap_or(jiff::tz::Offset::UTC);
            jiff::Timestamp::from(d).to_zoned_datetime(jiff::tz::TimeZone::fixed(offset))
        }
    }

    /// The same instant in UTC (fractions of a second dropped).
    impl TryFrom<jiff::Timestamp> for DateTime {
        type Error = Error;

        fn try_from(t: jiff::Timestamp) -> Result<DateTime> {
            DateTime::from_unix_timestamp(t.as_second(), 0)
        }
    }

    /// The same instant with the zone's UTC offset at that instant (whole minutes).
    impl TryFrom<&jiff::ZonedDateTime> for DateTime {
        type Error = Error;

        fn try_from(z: &jiff::ZonedDateTime) -> Result<DateTime> {
            let offset = z.offset().seconds() / 60;
            let offset = i16::try_from(offset)
                .map_err(|_| Error::InvalidArgument(format!("UTC offset of {offset} minutes")))?;
            DateTime::from_unix_timestamp(z.timestamp().as_second(), offset)
        }
    }
}

/// The month numbered by its English abbreviation (any case), 1-12.
/// Full names (`July`) are accepted by their first three letters.
pub(crate) fn month_number(name: &str) -> Option<u8> {
    let name = name.get(..3)?;
    MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(name))
        .map(|i| i as u8 + 1)
}

/// A run of ASCII digits as a number (at most 9 digits).
fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `hh:mm[:ss]`.
fn time_of_day(s: &str) -> Option<(u8, u8, u8)> {
    let mut parts = s.split(':');
    let h = digits(parts.next()?)?;
    let m = digits(parts.next()?)?;
    let sec = match parts.next() {
        Some(p) => digits(p)?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    Some((
        u8::try_from(h).ok()?,
        u8::try_from(m).ok()?,
        u8::try_from(sec).ok()?,
    ))
}

/// A year as written, in full: RFC 5322 section 4.3 reads two digits as 1950-2049 and adds
/// 1900 to three digits (both forms of date, so that `17-Jul-96` and `17 Jul 96` agree).
fn full_year(word: &str) -> Option<u32> {
    let year = digits(word)?;
    Some(match word.len() {
        2 if year < 50 => year + 2000,
        2 | 3 => year + 1900,
        _ => year,
    })
}

/// `+hhmm` / `-hhmm` to minutes east of UTC.
fn numeric_zone(s: &str) -> Option<i16> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    if rest.len() != 4 {
        return None;
    }
    let n = digits(rest)?;
    let (h, m) = (n / 100, n % 100);
    if m > 59 {
        return None;
    }
    Some(sign * i16::try_from(h * 60 + m).ok()?)
}

/// IMAP `date-time`: `dd-Mon-yyyy hh:mm:ss +zzzz`; `None` when it is not of that shape,
/// `Some(Err)` when it is but the date does not exist.
fn imap_date_time(text: &str) -> Option<Result<DateTime>> {
    let (date, rest) = text.split_once(' ')?;
    let rest = rest.trim_start();
    let mut fields = date.split('-');
    let day = digits(fields.next()?.trim())?;
    let month = month_number(fields.next()?)?;
    let year = full_year(fields.next()?)?;
    if fields.next().is_some() {
        return None;
    }
    let (time, zone) = match rest.split_once(' ') {
        Some((time, zone)) => (time, Some(zone.trim())),
        None => (rest, None),
    };
    let (hour, minute, second) = time_of_day(time)?;
    let offset = match zone {
        Some(zone) => numeric_zone(zone)?,
        None => 0,
    };
    Some(
        DateTime::new(
            u16::try_from(year).ok()?,
            month,
            u8::try_from(day).ok()?,
            hour,
            minute,
            second,
            offset,
        )
        .map(|d| d.unknown_zone_if_utc(zone == Some("-0000"))),
    )
}

/// Removes RFC 5322 comments (`(...)`, nested, with `\` quoting) and folds whitespace.
fn strip_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut depth = 0u32;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if depth > 0 => {
                chars.next();
            }
            '(' => depth += 1,
            ')' if depth > 0 => {
                depth -= 1;
                out.push(' ');
            }
            _ if depth > 0 => {}
            c if c.is_whitespace() || c == ',' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A zone written as a name (RFC 5322 section 4.3) to minutes east of UTC: UT and GMT are
/// UTC, the North American names have their offsets, military letters and anything else
/// unknown are `-0000` (RFC 5322: "SHOULD be considered equivalent to -0000").
fn named_zone(s: &str) -> Option<i16> {
    let upper = s.to_ascii_uppercase();
    Some(match upper.as_str() {
        "UT" | "UTC" | "GMT" | "Z" => 0,
        "EDT" => -4 * 60,
        "EST" | "CDT" => -5 * 60,
        "CST" | "MDT" => -6 * 60,
        "MST" | "PDT" => -7 * 60,
        "PST" => -8 * 60,
        _ if upper.len() <= 5 && upper.bytes().all(|b| b.is_ascii_alphabetic()) => 0,
        _ => return None,
    })
}

/// The offset of the zone word of a date: `+hhmm`, a name, or a name with an offset after
/// it, in the word (`GMT+0200`, `UTC+05:30`, `GMT+2`) or as the `next` word (`GMT +0200`):
/// the offset, exact, wins over the name. Anything else is `-0000` (UTC), as RFC 5322 says of
/// unknown zones. The second value: is the zone unknown (`-0000`, a military letter, a name
/// it does not know, a word it cannot read)?
fn zone_offset(word: &str, next: Option<&str>) -> (i16, bool) {
    if let Some(offset) = numeric_zone(word) {
        return (offset, word == "-0000");
    }
    if let Some(at) = word.find(['+', '-']) {
        let (name, offset) = word.split_at(at);
        if !name.is_empty() && named_zone(name).is_some() {
            if let Some(offset) = loose_offset(offset) {
                return (offset, false);
            }
        }
    }
    match named_zone(word) {
        Some(offset) => match next.and_then(numeric_zone) {
            Some(exact) => (exact, next == Some("-0000")),
            None => (offset, offset == 0 && !is_utc_name(word)),
        },
        None => (0, true),
    }
}

/// `UT`, `UTC`, `GMT`, `Z`: names of UTC itself, a known zone (not `-0000`).
fn is_utc_name(word: &str) -> bool {
    ["UT", "UTC", "GMT", "Z"]
        .iter()
        .any(|n| word.eq_ignore_ascii_case(n))
}

/// An offset after a zone name: `+hhmm`, `+hh:mm`, `+h` or `+hh` (and `-`).
fn loose_offset(s: &str) -> Option<i16> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) if (1..=2).contains(&h.len()) && m.len() == 2 => (digits(h)?, digits(m)?),
        Some(_) => return None,
        None if (1..=2).contains(&rest.len()) => (digits(rest)?, 0),
        None if rest.len() == 4 => {
            let n = digits(rest)?;
            (n / 100, n % 100)
        }
        None => return None,
    };
    if m > 59 {
        return None;
    }
    Some(sign * i16::try_from(h * 60 + m).ok()?)
}

/// RFC 5322 `date-time` with the obsolete forms: `[day-of-week ,] day month year time [zone]`,
/// also `day-month-year`, month before day (`Jul 17 1996`, as some mailers write), and
/// a zone glued to a name in parentheses (a comment, removed).
fn rfc5322_date_time(s: &str) -> Option<DateTime> {
    let cleaned = strip_comments(s);
    let mut words: Vec<&str> = cleaned.split(' ').filter(|w| !w.is_empty()).collect();
    // A day-of-week first (any case, any length, with or without its comma).
    if words
        .first()
        .is_some_and(|w| w.bytes().all(|b| b.is_ascii_alphabetic()) && month_number(w).is_none())
    {
        words.remove(0);
    }
    // `17-Jul-1996` as one word.
    let split: Vec<&str>;
    if words.first().is_some_and(|w| w.matches('-').count() == 2) {
        let first = words.remove(0);
        split = first.split('-').collect();
        for (i, part) in split.iter().enumerate() {
            words.insert(i, part);
        }
    }
    if words.len() < 3 {
        return None;
    }
    // Day and month, in either order.
    let (day, month) = match (digits(words[0]), month_number(words[1])) {
        (Some(d), Some(m)) => (d, m),
        _ => (digits(words[1])?, month_number(words[0])?),
    };
    let mut rest = words[2..].iter();
    let year = full_year(rest.next()?)?;
    // No zone: unknown, as RFC 5322 says of a zone it cannot read.
    let (mut h, mut m, mut sec, mut offset, mut unknown) = (0, 0, 0, 0, true);
    if let Some(time) = rest.next() {
        (h, m, sec) = time_of_day(time)?;
        if let Some(zone) = rest.next() {
            (offset, unknown) = zone_offset(zone, rest.next().copied());
        }
    }
    // A 60th second is kept; a later one, or a 24:00, is not a time.
    DateTime::new(
        u16::try_from(year).ok()?,
        month,
        u8::try_from(day).ok()?,
        h,
        m,
        sec,
        offset,
    )
    .ok()
    .map(|d| d.unknown_zone_if_utc(unknown))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-719_162), (1, 1, 1));
        // Every day from year 1 to 9999, both ways.
        let mut expected = (1i64, 1u32, 1u32);
        let first = days_from_civil(1, 1, 1);
        let last = days_from_civil(9999, 12, 31);
        for day in first..=last {
            assert_eq!(civil_from_days(day), expected, "day {day}");
            assert_eq!(days_from_civil(expected.0, expected.1, expected.2), day);
            let (y, m, d) = expected;
            expected = if d < days_in_month(y, m).unwrap() {
                (y, m, d + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
        }
    }

    #[test]
    fn imap_dates() {
        let d = DateTime::parse_imap("17-Jul-1996 02:44:25 -0700").unwrap();
        assert_eq!(d.unix_timestamp(), 837_596_665);
        assert_eq!(d.to_utc().to_string(), "17-Jul-1996 09:44:25 +0000");
        let d = DateTime::parse_imap(" 1-jan-2024 00:00:00 +0000").unwrap();
        assert_eq!(d.to_string(), " 1-Jan-2024 00:00:00 +0000");
        assert_eq!(d.unix_timestamp(), 1_704_067_200);
        assert_eq!(
            DateTime::parse_imap("01-Jan-2024 00:00:00")
                .unwrap()
                .offset_minutes(),
            0
        );
        for bad in [
            "",
            "31-Apr-2024 00:00:00 +0000",
            "29-Feb-2023 00:00:00 +0000",
            "1-Foo-2024 00:00:00 +0000",
            "1-Jan-2024 24:00:00 +0000",
            "1-Jan-2024 00:00 +0000x",
            "1-Jan-2024 00:00:00 +0960",
        ] {
            assert!(DateTime::parse_imap(bad).is_err(), "{bad:?}");
        }
        assert!(DateTime::parse_imap("29-Feb-2024 23:59:60 +1400").is_ok());
    }

    #[test]
    fn rfc5322_dates_with_obsolete_forms() {
        let want = DateTime::new(1996, 7, 17, 2, 44, 25, -420).unwrap();
        for s in [
            "Wed, 17 Jul 1996 02:44:25 -0700",
            "17 Jul 1996 02:44:25 -0700",
            "wednesday,17   JUL 96 02:44:25 -0700 (PDT)",
            "Wed, 17 Jul 1996 02:44:25 PDT",
            "Wed (a comment (nested)), 17 Jul 1996 02:44:25 -0700",
            "Wed, 17-Jul-1996 02:44:25 -0700",
            "Wed Jul 17 1996 02:44:25 -0700",
            "17-Jul-1996 02:44:25 -0700",
        ] {
            assert_eq!(DateTime::parse_rfc5322(s).unwrap(), want, "{s:?}");
        }
        let d = DateTime::parse_rfc5322("Mon, 7 Feb 94 21:52 GMT").unwrap();
        assert_eq!(d, DateTime::new(1994, 2, 7, 21, 52, 0, 0).unwrap());
        let d = DateTime::parse_rfc5322("1 Jan 04 10:00:00 +0100").unwrap();
        assert_eq!(d.year(), 2004);
        let d = DateTime::parse_rfc5322("1 Jan 104 10:00:00 Z").unwrap();
        assert_eq!((d.year(), d.offset_minutes()), (2004, 0));
        let d = DateTime::parse_rfc5322("Tue, 1 Jul 2003 10:52:37 A").unwrap();
        assert_eq!(d.offset_minutes(), 0, "military zones are -0000");
        let d = DateTime::parse_rfc5322("Tue, 1 Jul 2003").unwrap();
        assert_eq!((d.hour(), d.minute()), (0, 0));
        for bad in ["", "yesterday", "Wed, 32 Jul 1996 02:44:25 -0700", "1 2 3"] {
            assert!(DateTime::parse_rfc5322(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            want.to_rfc5322(),
            "Wed, 17 Jul 1996 02:44:25 -0700",
            "the weekday is computed"
        );
    }

    #[test]
    fn short_years_read_alike_in_both_forms() {
        for (imap, rfc5322, year) in [
            ("17-Jul-96 02:44:25 -0700", "17 Jul 96 02:44:25 -0700", 1996),
            ("1-Jan-04 10:00:00 +0000", "1 Jan 04 10:00:00 +0000", 2004),
            ("1-Jan-49 10:00:00 +0000", "1 Jan 49 10:00:00 +0000", 2049),
            ("1-Jan-50 10:00:00 +0000", "1 Jan 50 10:00:00 +0000", 1950),
            ("1-Jan-104 10:00:00 +0000", "1 Jan 104 10:00:00 +0000", 2004),
            ("1-Jan-0096 10:00:00 +0000", "1 Jan 0096 10:00:00 +0000", 96),
        ] {
            let a = DateTime::parse_imap(imap).unwrap();
            assert_eq!(a.year(), year, "{imap}");
            assert_eq!(DateTime::parse_rfc5322(rfc5322).unwrap(), a, "{rfc5322}");
            assert_eq!(DateTime::parse_rfc5322(imap).unwrap(), a, "{imap}");
            assert_eq!(imap.parse::<DateTime>().unwrap(), a, "{imap}");
        }
    }

    #[test]
    fn zone_names_with_an_offset() {
        for (text, offset) in [
            ("Tue, 1 Jul 2003 10:52:37 GMT+0200", 120),
            ("Tue, 1 Jul 2003 10:52:37 GMT+0200 (CEST)", 120),
            (
                "Tue Jul 01 2003 10:52:37 GMT+0200 (Central European Summer Time)",
                120,
            ),
            ("Tue, 1 Jul 2003 10:52:37 UTC+05:30", 330),
            ("Tue, 1 Jul 2003 10:52:37 GMT-7", -420),
            ("Tue, 1 Jul 2003 10:52:37 gmt-0330", -210),
            ("Tue, 1 Jul 2003 10:52:37 GMT +0200", 120),
            ("Tue, 1 Jul 2003 10:52:37 PDT", -420),
            ("Tue, 1 Jul 2003 10:52:37 PDT x", -420),
            ("Tue, 1 Jul 2003 10:52:37 +0200 GMT", 120),
            // Not an offset after all: the name alone (UTC), as before.
            ("Tue, 1 Jul 2003 10:52:37 GMT+02x0", 0),
            ("Tue, 1 Jul 2003 10:52:37 GMT+0260", 0),
            ("Tue, 1 Jul 2003 10:52:37 GMT+1\u{e9}1", 0),
            ("Tue, 1 Jul 2003 10:52:37 Europe/Paris+1", 0),
        ] {
            let d = DateTime::parse_rfc5322(text).unwrap();
            assert_eq!(d.offset_minutes(), offset, "{text}");
            assert_eq!((d.hour(), d.minute()), (10, 52), "{text}");
        }
    }

    #[test]
    fn utc_at_the_edges_of_the_range() {
        let first = DateTime::new(1, 1, 1, 0, 30, 0, 60).unwrap();
        assert_eq!(first.checked_to_utc(), None);
        assert_eq!(first.to_utc().to_string(), " 1-Jan-0001 00:00:00 +0000");
        let last = DateTime::new(9999, 12, 31, 23, 0, 0, -120).unwrap();
        assert_eq!(last.checked_to_utc(), None);
        assert_eq!(last.to_utc().to_string(), "31-Dec-9999 23:59:59 +0000");
        // Just inside: exact.
        let d = DateTime::new(1, 1, 1, 1, 30, 0, 60).unwrap();
        assert_eq!(d.to_utc().to_string(), " 1-Jan-0001 00:30:00 +0000");
        assert_eq!(d.checked_to_utc(), Some(d.to_utc()));
        let d = DateTime::new(9999, 12, 31, 22, 0, 0, -60).unwrap();
        assert_eq!(d.to_utc().to_string(), "31-Dec-9999 23:00:00 +0000");
        let utc = DateTime::new(2024, 2, 29, 23, 59, 60, 0).unwrap();
        assert_eq!(utc.to_utc(), utc, "already UTC: as it is, leap second kept");
        // The system time of the first and last instants (exact on Unix).
        let t = DateTime::new(1, 1, 1, 0, 0, 0, 0).unwrap().to_system_time();
        #[cfg(unix)]
        assert_eq!(DateTime::from_system_time(t).unwrap().year(), 1);
        let _ = t;
    }

    /// Every edge year, offset, day and time, in both forms: parsing and every conversion of
    /// what parses never panics, and UTC is always UTC.
    #[test]
    fn edges_never_panic() {
        let years = [
            "0", "00", "000", "0000", "1", "0001", "49", "50", "99", "100", "999",
        ]
        .into_iter()
        .chain([
            "1000", "1969", "1970", "9998", "9999", "10000", "65535", "65536",
        ])
        .chain(["99999", "999999999", "9999999999", "-1", "+1"]);
        let zones = [
            "+0000", "-0000", "+9959", "-9959", "+9960", "+1400", "-1200",
        ]
        .into_iter()
        .chain([
            "+2400", "-2401", "GMT+9959", "GMT-9959", "UT-99:59", "GMT+99",
        ])
        .chain(["Z", "", "+", "-", "+99999"])
        .collect::<Vec<_>>();
        let days = [
            ("1", "Jan"),
            ("31", "Dec"),
            ("29", "Feb"),
            ("0", "Jan"),
            ("32", "Dec"),
        ];
        let times = ["00:00:00", "23:59:60", "23:59:59", "24:00:00", "00:00"];
        let mut parsed = 0;
        for year in years {
            for zone in &zones {
                for (day, month) in days {
                    for time in times {
                        for text in [
                            format!("{day}-{month}-{year} {time} {zone}"),
                            format!("{day} {month} {year} {time} {zone}"),
                        ] {
                            let all = [
                                DateTime::parse_imap(&text),
                                DateTime::parse_rfc5322(&text),
                                text.parse(),
                            ];
                            for d in all.into_iter().flatten() {
                                parsed += 1;
                                let utc = d.to_utc();
                                assert_eq!(utc.offset_minutes(), 0, "{text}");
                                if let Some(exact) = d.checked_to_utc() {
                                    assert_eq!(exact, utc, "{text}");
                                    assert_eq!(exact.unix_timestamp(), d.unix_timestamp());
                                }
                                let _ = (d.to_system_time(), d.to_rfc5322(), d.to_string());
                                let _ = DateTime::from_system_time(d.to_system_time());
                            }
                        }
                    }
                }
            }
        }
        assert!(parsed > 1000, "{parsed}");
        for secs in [
            i64::MIN,
            -62_135_596_801,
            -62_135_596_800,
            0,
            253_402_300_799,
            i64::MAX,
        ] {
            for offset in [i16::MIN, -5999, -1, 0, 1, 5999, 6000, i16::MAX] {
                if let Ok(d) = DateTime::from_unix_timestamp(secs, offset) {
                    assert_eq!(d.to_utc().offset_minutes(), 0);
                    let _ = d.to_system_time();
                }
            }
        }
    }

    #[test]
    fn system_time_both_ways() {
        let d = DateTime::new(2024, 2, 29, 12, 0, 0, 60).unwrap();
        let t = d.to_system_time();
        let back = DateTime::from_system_time(t).unwrap();
        assert_eq!(back, DateTime::new(2024, 2, 29, 11, 0, 0, 0).unwrap());
        assert_eq!(back.cmp(&d), Ordering::Less, "same instant, smaller offset");
        assert_eq!(back.unix_timestamp(), d.unix_timestamp());
        let before = DateTime::new(1969, 12, 31, 23, 59, 59, 0).unwrap();
        assert_eq!(before.unix_timestamp(), -1);
        assert_eq!(
            DateTime::from_system_time(before.to_system_time()).unwrap(),
            before
        );
        let t = UNIX_EPOCH - Duration::from_millis(500);
        assert_eq!(DateTime::from_system_time(t).unwrap().unix_timestamp(), -1);
        assert!(DateTime::from_unix_timestamp(i64::MAX, 0).is_err());
        assert!(
            DateTime::from_unix_timestamp(253_402_300_800, 0).is_err(),
            "year 10000"
        );
        assert!(DateTime::now().year() >= 2024);
        let east = DateTime::from_unix_timestamp(0, 330).unwrap();
        assert_eq!(east.to_string(), " 1-Jan-1970 05:30:00 +0530");
    }

    #[cfg(feature = "chrono")]
    #[test]
    fn chrono_both_ways() {
        let d = DateTime::new(1996, 7, 17, 2, 44, 25, -420).unwrap();
        let c: chrono::DateTime<chrono::FixedOffset> = d.into();
        assert_eq!(c.to_rfc2822(), "Wed, 17 Jul 1996 02:44:25 -0700");
        assert_eq!(DateTime::try_from(c).unwrap(), d);
        let utc = chrono::DateTime::<chrono::Utc>::from_timestamp(837_596_665, 0).unwrap();
        assert_eq!(DateTime::try_from(utc).unwrap(), d.to_utc());
    }

    #[cfg(feature = "jiff")]
    #[test]
    fn jiff_both_ways() {
        let d = DateTime::new(1996, 7, 17, 2, 44, 25, -420).unwrap();
        let t: jiff::Timestamp = d.into();
        assert_eq!(t.as_second(), 837_596_665);
        let z: jiff::ZonedDateTime = d.into();
        assert_eq!(z.offset().seconds(), -420 * 60);
        assert_eq!(DateTime::try_from(&z).unwrap(), d);
        assert_eq!(DateTime::try_from(t).unwrap(), d.to_utc());
        // jiff's range ends before the year 9999 does: the nearest it holds, not 1970.
        let last = DateTime::new(9999, 12, 31, 23, 59, 59, 0).unwrap();
        assert_eq!(jiff::Timestamp::from(last), jiff::Timestamp::MAX);
        for offset in [-5999, 0, 5999] {
            let edge = DateTime::new(9999, 12, 31, 23, 59, 59, offset).unwrap();
            let _: jiff::ZonedDateTime = edge.into();
            let edge = DateTime::new(1, 1, 1, 0, 0, 0, offset).unwrap();
            let t = jiff::Timestamp::from(edge);
            assert_eq!(t.as_second(), edge.unix_timestamp());
        }
    }

    /// Arbitrary text never panics the date parsers.
    #[test]
    fn any_text_parses_without_panic() {
        let seeds = [
            "Wed, 17 Jul 1996 02:44:25 -0700 (PDT)",
            "17-Jul-1996 02:44:25 -0700",
            "1 Jan 04 10:00 Z",
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let chars: Vec<char> = "0123456789:+-(),\\ \tJanFebWedPSTZé€".chars().collect();
        for round in 0..20_000 {
            let mut v: Vec<char> = seeds[round % seeds.len()].chars().collect();
            for _ in 0..(next() % 6 + 1) {
                let i = (next() % (v.len() as u64 + 1)) as usize;
                let c = chars[(next() % chars.len() as u64) as usize];
                if next() % 3 == 0 && i < v.len() {
                    v.remove(i);
                } else {
                    v.insert(i, c);
                }
            }
            let text: String = v.into_iter().collect();
            for d in [DateTime::parse_rfc5322(&text), DateTime::parse_imap(&text)]
                .into_iter()
                .flatten()
            {
                // Whatever parsed is a real date and round-trips through its instant.
                let back = DateTime::from_unix_timestamp(d.unix_timestamp(), d.offset_minutes());
                if d.second() < 60 {
                    let known = DateTime {
                        zone_unknown: false,
                        ..d
                    };
                    assert_eq!(back.unwrap(), known, "{text:?}");
                }
                // An unknown zone is always offset 0.
                assert!(!d.is_zone_unknown() || d.offset_minutes() == 0, "{text:?}");
            }
        }
    }

    #[test]
    fn unknown_zone_is_kept_apart_from_utc() {
        let unknown = DateTime::parse_rfc5322("Tue, 1 Jul 2003 10:52:37 -0000").unwrap();
        let utc = DateTime::parse_rfc5322("Tue, 1 Jul 2003 10:52:37 +0000").unwrap();
        assert!(unknown.is_zone_unknown());
        assert!(!utc.is_zone_unknown());
        assert_eq!(unknown.offset_minutes(), 0);
        assert_eq!(unknown.unix_timestamp(), utc.unix_timestamp());
        assert_ne!(unknown, utc);
        assert!(utc < unknown, "just after the same time in +0000");
        assert_eq!(unknown.to_rfc5322(), "Tue, 1 Jul 2003 10:52:37 -0000");
        assert_eq!(unknown.to_string(), " 1-Jul-2003 10:52:37 -0000");
        assert_eq!(utc.to_string(), " 1-Jul-2003 10:52:37 +0000");
        // Through the printed form and back, both ways.
        assert_eq!(DateTime::parse_imap(&unknown.to_string()).unwrap(), unknown);
        assert_eq!(
            DateTime::parse_rfc5322(&unknown.to_rfc5322()).unwrap(),
            unknown
        );
        assert_eq!(DateTime::parse_imap(&utc.to_string()).unwrap(), utc);
        // UTC is known: `to_utc` and `to_offset` give `+0000`.
        assert_eq!(unknown.to_utc(), utc);
        assert_eq!(unknown.checked_to_utc(), Some(utc));
        assert_eq!(unknown.to_offset(0).unwrap(), utc);
        assert_eq!(
            unknown.to_offset(-300).unwrap().to_string(),
            " 1-Jul-2003 05:52:37 -0500"
        );
        assert!(unknown.to_offset(100 * 60).is_err());
        // Which zones are unknown.
        for (text, is_unknown, offset) in [
            ("1 Jul 2003 10:52:37 -0000", true, 0),
            ("1 Jul 2003 10:52:37 +0000", false, 0),
            ("1 Jul 2003 10:52:37 GMT", false, 0),
            ("1 Jul 2003 10:52:37 ut", false, 0),
            ("1 Jul 2003 10:52:37 UTC", false, 0),
            ("1 Jul 2003 10:52:37 Z", false, 0),
            ("1 Jul 2003 10:52:37 A", true, 0),
            ("1 Jul 2003 10:52:37 CEST", true, 0),
            ("1 Jul 2003 10:52:37 ???", true, 0),
            ("1 Jul 2003 10:52:37", true, 0),
            ("1 Jul 2003", true, 0),
            ("1 Jul 2003 10:52:37 PDT", false, -420),
            ("1 Jul 2003 10:52:37 GMT+0200", false, 120),
            ("1 Jul 2003 10:52:37 GMT -0000", true, 0),
            ("1 Jul 2003 10:52:37 CEST +0200", false, 120),
            ("1-Jul-2003 10:52:37 -0000", true, 0),
            ("1-Jul-2003 10:52:37", true, 0),
        ] {
            let d = DateTime::parse_rfc5322(text).unwrap();
            assert_eq!(
                (d.is_zone_unknown(), d.offset_minutes()),
                (is_unknown, offset),
                "{text:?}"
            );
        }
        // IMAP's form without a zone is documented as UTC.
        assert!(!DateTime::parse_imap("1-Jul-2003 10:52:37")
            .unwrap()
            .is_zone_unknown());
        // Made from parts or a timestamp: always a known zone.
        assert!(!DateTime::new(2003, 7, 1, 0, 0, 0, 0)
            .unwrap()
            .is_zone_unknown());
        assert!(!DateTime::from_unix_timestamp(0, 0)
            .unwrap()
            .is_zone_unknown());
        // Hash and Eq agree: the two are different keys.
        let set: std::collections::HashSet<DateTime> = [unknown, utc].into_iter().collect();
        assert_eq!(set.len(), 2);
    }
}
