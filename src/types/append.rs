//! APPEND (RFC 3501, MULTIAPPEND RFC 3502): the message to append with its flags and date
//! (the commands are in `extensions/append.rs` and `message.rs`).

use crate::types::{DateTime, Flag};

/// One message to APPEND, with the flags and internal date it should get.
///
/// ```
/// use blocking_imap::{AppendMessage, DateTime, Flag};
/// let raw = b"From: a@example.org\r\nSubject: hi\r\n\r\nHello\r\n";
/// let msg = AppendMessage::new(raw)
///     .flags(&[Flag::Seen])
///     .internal_date("17-Jul-1996 02:44:25 -0700".parse()?);
/// # Ok::<(), blocking_imap::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendMessage<'a> {
    pub(crate) message: &'a [u8],
    pub(crate) flags: Vec<Flag>,
    pub(crate) internal_date: Option<DateTime>,
}

impl<'a> AppendMessage<'a> {
    /// The message's bytes (RFC 5322, CRLF line ends), with no flags and the server's
    /// choice of internal date (usually now).
    pub fn new(message: &'a [u8]) -> Self {
        AppendMessage {
            message,
            flags: Vec::new(),
            internal_date: None,
        }
    }

    /// The flags the message gets (checked when the command is sent).
    pub fn flags(mut self, flags: &[Flag]) -> Self {
        self.flags = flags.to_vec();
        self
    }

    /// The internal date the message gets (its date of arrival, as INTERNALDATE reports
    /// it; a migration keeps the original one). Any [`DateTime`]: parsed from IMAP or RFC
    /// 5322 text, made from a [`SystemTime`](std::time::SystemTime), or from its parts.
    pub fn internal_date(mut self, date: DateTime) -> Self {
        self.internal_date = Some(date);
        self
    }

    /// The message's bytes.
    pub fn message(&self) -> &'a [u8] {
        self.message
    }
}
