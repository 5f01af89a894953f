//! APPEND (RFC 3501, MULTIAPPEND RFC 3502): the message to append with its flags and date
//! (the commands are in `extensions/append.rs` and `message.rs`).

use std::io::Read;

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

/// A message to APPEND whose bytes are read from `reader` as they are written to the server
/// (a file, a pipe): memory stays one 64 KiB piece whatever its size. `len` must be its exact
/// length in bytes (IMAP announces a literal's size before its bytes).
///
/// ```no_run
/// # let mut session: blocking_imap::Session = todo!();
/// use blocking_imap::{AppendSource, Flag};
/// let mut file = std::fs::File::open("big.eml")?;
/// let len = file.metadata()?.len();
/// let mut shown = |done: u64, total: u64| eprint!("\r{done} of {total} bytes");
/// let source = AppendSource::new(&mut file, len)
///     .flags(&[Flag::Seen])
///     .progress(&mut shown);
/// session.append_from("Archive", source)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct AppendSource<'r> {
    pub(crate) reader: &'r mut dyn Read,
    pub(crate) len: u64,
    pub(crate) flags: Vec<Flag>,
    pub(crate) internal_date: Option<DateTime>,
    pub(crate) binary: bool,
    pub(crate) progress: Option<&'r mut dyn FnMut(u64, u64)>,
}

impl std::fmt::Debug for AppendSource<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppendSource")
            .field("len", &self.len)
            .field("flags", &self.flags)
            .field("internal_date", &self.internal_date)
            .field("binary", &self.binary)
            .finish_non_exhaustive()
    }
}

impl<'r> AppendSource<'r> {
    /// `len` bytes read from `reader`, with no flags and the server's choice of date.
    pub fn new(reader: &'r mut dyn Read, len: u64) -> Self {
        AppendSource {
            reader,
            len,
            flags: Vec::new(),
            internal_date: None,
            binary: false,
            progress: None,
        }
    }

    /// The flags the message gets (checked when the command is sent).
    pub fn flags(mut self, flags: &[Flag]) -> Self {
        self.flags = flags.to_vec();
        self
    }

    /// The internal date the message gets (see [`AppendMessage::internal_date`]).
    pub fn internal_date(mut self, date: DateTime) -> Self {
        self.internal_date = Some(date);
        self
    }

    /// Sends the bytes as a literal8 (`~{n}`, RFC 3516), for a message that may hold NUL
    /// bytes; the server must advertise BINARY.
    pub fn binary(mut self) -> Self {
        self.binary = true;
        self
    }

    /// Called with (bytes sent, total) after each piece written.
    pub fn progress(mut self, progress: &'r mut dyn FnMut(u64, u64)) -> Self {
        self.progress = Some(progress);
        self
    }
}
