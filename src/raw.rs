//! What [`Session::run`](crate::Session::run) returns: a raw command's tagged status and the
//! untagged responses it produced.

use std::fmt;

use crate::error::{Error, RawBytes, Result, ServerText};
use crate::state::Unsolicited;
use crate::types::{ResponseCode, StatusKind};

/// One untagged response a raw command produced: its bytes as received and, where this
/// crate can read it, a typed view.
#[derive(Clone, PartialEq)]
pub struct RawFrame {
    pub(crate) bytes: Vec<u8>,
    pub(crate) parsed: Option<Unsolicited>,
    pub(crate) queued: bool,
    pub(crate) reason: Option<String>,
}

impl RawFrame {
    /// The whole response as received: `* ...`, CRLF and any literals included.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The response's name, upper-cased: the first word after `* `, or the word after the
    /// number (`* 3 EXPUNGE` is `EXPUNGE`); `OK`, `NO`, `BAD` and `BYE` for status responses.
    pub fn name(&self) -> String {
        let rest = self.bytes.strip_prefix(b"* ").unwrap_or(&self.bytes);
        let mut words = rest
            .split(|&b| matches!(b, b' ' | b'\r' | b'\n' | b'('))
            .filter(|w| !w.is_empty());
        let first = words.next().unwrap_or_default();
        let word = if !first.is_empty() && first.iter().all(u8::is_ascii_digit) {
            words.next().unwrap_or_default()
        } else {
            first
        };
        String::from_utf8_lossy(word).to_ascii_uppercase()
    }

    /// The response as this crate reads it, when it knows its grammar (EXISTS, FETCH, LIST,
    /// STATUS, METADATA, ...). Responses it does not type are [`Unsolicited::Other`] holding
    /// the bytes; `None` when the response did not follow its grammar (see
    /// [`parse_error`](Self::parse_error)), or when the crate does not know it at all (most
    /// vendor responses): read [`bytes`](Self::bytes) then.
    pub fn parsed(&self) -> Option<&Unsolicited> {
        self.parsed.as_ref()
    }

    /// Why the response could not be read, when [`parsed`](Self::parsed) is `None`.
    pub fn parse_error(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    /// Was the response also applied to the mailbox state and put on the unsolicited queue,
    /// as every command does with EXISTS, RECENT, EXPUNGE, VANISHED, FETCH, FLAGS and status
    /// responses (`* OK`, `* NO`, `* BAD`, `* BYE`)? Then it is in both places.
    pub fn is_queued(&self) -> bool {
        self.queued
    }
}

impl fmt::Debug for RawFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawFrame")
            .field("bytes", &RawBytes::new(&self.bytes))
            .field("queued", &self.queued)
            .finish_non_exhaustive()
    }
}

/// What a raw command got: its tagged completion (OK, NO or BAD, with the response code and
/// text) and every untagged response that arrived before it, in order.
///
/// A NO or BAD is data here, not an error, so that the responses that came before it are not
/// lost; [`into_result`](Self::into_result) turns it into [`Error::No`] / [`Error::Bad`] for
/// `?`.
#[derive(Debug, Clone, PartialEq)]
pub struct RawResponse {
    pub(crate) status: StatusKind,
    pub(crate) text: ServerText,
    pub(crate) frames: Vec<RawFrame>,
}

impl RawResponse {
    /// `OK`, `NO` or `BAD`.
    pub fn status(&self) -> StatusKind {
        self.status
    }

    /// Did the command complete with OK?
    pub fn is_ok(&self) -> bool {
        self.status == StatusKind::Ok
    }

    /// The completion's response code and text.
    pub fn text(&self) -> &ServerText {
        &self.text
    }

    /// The completion's response code (`[APPENDUID ...]`, `[TRYCREATE]`, ...), if any.
    pub fn code(&self) -> Option<&ResponseCode> {
        self.text.code.as_ref()
    }

    /// The untagged responses that arrived while the command ran, oldest first.
    pub fn frames(&self) -> &[RawFrame] {
        &self.frames
    }

    /// The untagged responses named `name` (compared without regard to case): `"XVENDOR"`,
    /// `"METADATA"`, `"EXISTS"`.
    pub fn frames_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a RawFrame> + 'a {
        self.frames
            .iter()
            .filter(move |f| f.name().eq_ignore_ascii_case(name))
    }

    /// The response itself on OK; [`Error::No`] or [`Error::Bad`] (carrying the code and
    /// text) otherwise.
    pub fn into_result(self) -> Result<RawResponse> {
        match self.status {
            StatusKind::Ok => Ok(self),
            StatusKind::No => Err(Error::No(self.text)),
            _ => Err(Error::Bad(self.text)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(bytes: &[u8]) -> RawFrame {
        RawFrame {
            bytes: bytes.to_vec(),
            parsed: None,
            queued: false,
            reason: None,
        }
    }

    #[test]
    fn names_of_frames() {
        assert_eq!(frame(b"* 3 EXPUNGE\r\n").name(), "EXPUNGE");
        assert_eq!(frame(b"* xvendor(a b)\r\n").name(), "XVENDOR");
        assert_eq!(frame(b"* OK [ALERT] x\r\n").name(), "OK");
        assert_eq!(frame(b"* \r\n").name(), "");
        assert_eq!(frame(b"").name(), "");
    }
}
