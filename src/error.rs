//! The crate's error type.

use std::fmt;
use std::time::Duration;

use crate::types::ResponseCode;

/// A result whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What a server said along with a NO, BAD or BYE: its response code, if any, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerText {
    /// The bracketed response code (`[AUTHENTICATIONFAILED]`, `[TRYCREATE]`, ...), if one was sent.
    pub code: Option<ResponseCode>,
    /// The human-readable text after the code.
    pub text: String,
}

/// Shown with its control characters escaped (line breaks as `\r` / `\n`, other controls
/// and bidirectional overrides as `\u{..}`): a server's text cannot start a new line in a log
/// or send escape sequences to a terminal. The field [`text`](ServerText::text) keeps it as
/// sent.
impl fmt::Display for ServerText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(code) = &self.code {
            write!(f, "[{}] ", Escaped(code.name()))?;
        }
        write!(f, "{}", Escaped(&self.text))
    }
}

/// Text from a server, shown with control characters escaped: line breaks (`\n`, `\r`),
/// tabs, escape sequences (`\u{1b}`), the C1 controls and the Unicode bidirectional
/// overrides. Everything else (accented and non-Latin text) is shown as it is. Every log
/// record and error message that shows server text goes through this.
pub(crate) struct Escaped<'a>(pub(crate) &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        let needs = |c: char| {
            c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        };
        let mut rest = s;
        while let Some(i) = rest.find(needs) {
            f.write_str(&rest[..i])?;
            let Some(c) = rest[i..].chars().next() else {
                break;
            };
            match c {
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                c => write!(f, "{}", c.escape_unicode())?,
            }
            rest = &rest[i + c.len_utf8()..];
        }
        f.write_str(rest)
    }
}

/// Bytes received from a server, kept for an error message: at most a bounded prefix.
#[derive(Clone, PartialEq, Eq)]
pub struct RawBytes {
    prefix: Vec<u8>,
    total: usize,
}

/// How many bytes of an offending response an error keeps.
const RAW_PREFIX: usize = 256;

impl RawBytes {
    pub(crate) fn new(bytes: &[u8]) -> Self {
        RawBytes {
            prefix: bytes[..bytes.len().min(RAW_PREFIX)].to_vec(),
            total: bytes.len(),
        }
    }

    /// The first bytes of the response (at most 256).
    pub fn prefix(&self) -> &[u8] {
        &self.prefix
    }

    /// The length of the whole response.
    pub fn total_len(&self) -> usize {
        self.total
    }
}

impl fmt::Debug for RawBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for RawBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for chunk in self.prefix.utf8_chunks() {
            for c in chunk.valid().chars() {
                write!(f, "{}", c.escape_debug())?;
            }
            for b in chunk.invalid() {
                write!(f, "\\x{b:02x}")?;
            }
        }
        f.write_str("\"")?;
        if self.total > self.prefix.len() {
            write!(f, " ({} more bytes)", self.total - self.prefix.len())?;
        }
        Ok(())
    }
}

/// Everything that can go wrong talking to an IMAP server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading from or writing to the connection failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// A read or write made no progress within the configured timeout.
    #[error("{operation} timed out after {after:?}")]
    Timeout {
        /// `"read"`, `"write"`, `"connect"`, `"tls handshake"`, or `"command"` for a
        /// [`command_deadline`](crate::ClientBuilder::command_deadline) that passed.
        operation: &'static str,
        /// The timeout that expired.
        after: Duration,
    },
    /// Setting up TLS failed (handshake, certificate, host name).
    #[error("tls error: {0}")]
    Tls(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The server closed the connection without a BYE.
    #[error("connection closed by the server")]
    ConnectionClosed,
    /// The server sent BYE: it is closing the connection.
    #[error("server closed the connection: {0}")]
    Bye(ServerText),
    /// The server answered the command with NO: the command failed.
    #[error("server said no: {0}")]
    No(ServerText),
    /// The server answered the command with BAD: it did not understand it.
    #[error("server said bad: {0}")]
    Bad(ServerText),
    /// A response from the server could not be parsed.
    #[error("could not parse server response ({reason}): {bytes}")]
    Parse {
        /// What was wrong.
        reason: String,
        /// The start of the offending response.
        bytes: RawBytes,
    },
    /// A response from the server was larger than the configured maximum.
    #[error("server response too large: {size} bytes, limit {limit}")]
    TooLarge {
        /// The size the server announced or sent (a lower bound for a line that never ended).
        size: u64,
        /// The configured maximum response size.
        limit: usize,
    },
    /// A command's responses went past a limit on what one command may collect (see
    /// [`ClientBuilder::max_result_size`](crate::ClientBuilder::max_result_size)). The rest
    /// of the command was read and discarded: the session is still usable.
    #[error("{what} exceeded its limit of {limit}")]
    LimitExceeded {
        /// What grew too large (`"SEARCH result"`, `"one message's FETCH data"`, ...).
        what: String,
        /// The limit, in the unit `what` is counted in (bytes or items).
        limit: usize,
    },
    /// The server broke the protocol in a way that is not a parse error of one response.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// A caller-supplied argument cannot be sent (it holds NUL, or is empty where it must not be).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The server does not advertise a capability that the operation needs.
    #[error("server lacks capability {0}")]
    MissingCapability(String),
    /// STARTTLS was required but could not be done safely; nothing was sent in the clear.
    #[error("starttls failed: {0}")]
    StartTls(String),
    /// An earlier error left the connection unusable; every later command fails with this.
    #[error("session unusable after an earlier error: {0}")]
    Broken(String),
}

impl Error {
    /// The server's response code, for NO, BAD and BYE errors.
    pub fn response_code(&self) -> Option<&ResponseCode> {
        match self {
            Error::No(t) | Error::Bad(t) | Error::Bye(t) => t.code.as_ref(),
            _ => None,
        }
    }

    /// Does this error leave the connection unusable?
    pub(crate) fn is_fatal(&self) -> bool {
        matches!(
            self,
            Error::Io(_)
                | Error::Timeout { .. }
                | Error::Tls(_)
                | Error::ConnectionClosed
                | Error::Bye(_)
                | Error::TooLarge { .. }
                | Error::Protocol(_)
                | Error::StartTls(_)
                | Error::Broken(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_bytes_are_bounded_and_escaped() {
        let mut long = b"* 1 FETCH \x00\xff\r\n".to_vec();
        long.extend(std::iter::repeat(b'x').take(1000));
        let raw = RawBytes::new(&long);
        assert_eq!(raw.prefix().len(), RAW_PREFIX);
        assert_eq!(raw.total_len(), long.len());
        let shown = raw.to_string();
        assert!(shown.starts_with("\"* 1 FETCH \\0\\xff\\r\\n"), "{shown}");
        assert!(shown.ends_with("(758 more bytes)"), "{shown}");
    }

    #[test]
    fn server_text_cannot_forge_lines_or_drive_a_terminal() {
        let t = ServerText {
            code: Some(ResponseCode::Alert),
            text: "quota\r\nWARN forged line \x1b[31mred\u{9b}2J \u{202e}txet Überfüllt\ttab"
                .into(),
        };
        let shown = t.to_string();
        assert_eq!(
            shown,
            "[ALERT] quota\\r\\nWARN forged line \\u{1b}[31mred\\u{9b}2J \\u{202e}txet Überfüllt\\ttab"
        );
        assert!(!shown.chars().any(char::is_control));
        // The text itself is kept as sent.
        assert!(t.text.contains("\r\n"));
        let e = Error::No(t);
        assert!(!e.to_string().chars().any(char::is_control));
    }
}
