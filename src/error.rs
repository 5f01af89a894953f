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
    /// What a tagged NO / BAD adds, boxed (most texts have none, and `Error` stays small).
    pub(crate) extra: Option<Box<TextExtra>>,
}

/// The rarer parts of a [`ServerText`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct TextExtra {
    /// The command this answers (its name only, never its arguments), for a tagged NO / BAD.
    pub(crate) command: Option<&'static str>,
    /// The SASL error the server sent before a NO to AUTHENTICATE (XOAUTH2, OAUTHBEARER).
    pub(crate) sasl: Option<SaslError>,
}

impl ServerText {
    /// The name of the command a NO or BAD answered (`SELECT`, `UID FETCH`, `LOGIN`...), never
    /// its arguments; `None` for untagged responses and BYE.
    pub fn command(&self) -> Option<&str> {
        self.command_name()
    }

    /// [`command`](Self::command), with its static lifetime.
    pub(crate) fn command_name(&self) -> Option<&'static str> {
        self.extra.as_ref().and_then(|x| x.command)
    }

    /// Names the command a NO or BAD answered.
    pub(crate) fn set_command(&mut self, command: Option<&'static str>) {
        if command.is_some() || self.extra.is_some() {
            self.extra.get_or_insert_with(Box::default).command = command;
        }
    }

    /// Attaches the SASL error sent before a NO to AUTHENTICATE.
    pub(crate) fn set_sasl(&mut self, sasl: SaslError) {
        self.extra.get_or_insert_with(Box::default).sasl = Some(sasl);
    }

    /// The error an OAuth 2.0 mechanism's server sent before its NO (XOAUTH2's and
    /// OAUTHBEARER's JSON challenge, RFC 7628 section 3.2.2), decoded: see [`SaslError`].
    /// `None` for every other response.
    pub fn sasl_error(&self) -> Option<&SaslError> {
        self.extra.as_ref().and_then(|x| x.sasl.as_ref())
    }

    /// ` to SELECT` when the command is known.
    fn to_command(&self) -> String {
        self.command_name()
            .map(|c| format!(" to {c}"))
            .unwrap_or_default()
    }
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
        write!(f, "{}", Escaped(&self.text))?;
        if let Some(sasl) = self.sasl_error() {
            write!(f, " ({sasl})")?;
        }
        Ok(())
    }
}

/// The error an OAuth 2.0 SASL mechanism's server sends when it refuses a token: XOAUTH2
/// (Google, Microsoft) and OAUTHBEARER (RFC 7628 section 3.2.2) send it as a JSON object in
/// a `+` challenge, the client answers it, and the server ends with NO. The login error
/// carries it: [`Error::sasl_error`].
///
/// Gmail sends `{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}` for
/// an expired or revoked token; RFC 7628 servers send `"status":"invalid_token"`. Only flat
/// string, number and literal fields are read (each at most 1024 bytes, the object at most
/// 4096): anything else leaves the field absent.
///
/// ```
/// use blocking_imap::SaslError;
/// let e = SaslError::parse(br#"{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}"#)
///     .unwrap();
/// assert_eq!(e.status.as_deref(), Some("401"));
/// assert!(e.is_token_expired());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct SaslError {
    /// `status`: an HTTP status code (`"401"`, `"400"`) for XOAUTH2; an RFC 6749 error code
    /// (`"invalid_token"`, `"insufficient_scope"`, `"invalid_request"`) for OAUTHBEARER.
    pub status: Option<String>,
    /// `schemes`: the HTTP authentication schemes the server takes (`"bearer"`).
    pub schemes: Option<String>,
    /// `scope`: the OAuth scope a token needs (`"https://mail.google.com/"`).
    pub scope: Option<String>,
    /// `openid-configuration` (RFC 7628): where to learn how to get a token.
    pub openid_configuration: Option<String>,
}

/// The longest SASL error object read, and the longest field kept.
const SASL_MAX: usize = 4096;
const SASL_FIELD_MAX: usize = 1024;

impl SaslError {
    /// Reads a SASL error challenge (already base64-decoded): a JSON object with flat
    /// fields. `None` for anything that is not such an object, or is longer than 4096 bytes.
    /// Never panics, whatever the bytes.
    pub fn parse(json: &[u8]) -> Option<SaslError> {
        if json.len() > SASL_MAX {
            return None;
        }
        let mut p = JsonCursor { b: json, i: 0 };
        p.ws();
        p.eat(b'{')?;
        let mut e = SaslError::default();
        p.ws();
        if p.eat(b'}').is_some() {
            return Some(e);
        }
        loop {
            p.ws();
            let key = p.string()?;
            p.ws();
            p.eat(b':')?;
            p.ws();
            let value = match p.value()? {
                JsonValue::Text(v) => Some(v),
                JsonValue::Skipped => None,
            };
            let slot = match key.as_str() {
                "status" => Some(&mut e.status),
                "schemes" => Some(&mut e.schemes),
                "scope" => Some(&mut e.scope),
                "openid-configuration" => Some(&mut e.openid_configuration),
                _ => None,
            };
            if let (Some(slot), Some(v)) = (slot, value) {
                *slot = Some(v);
            }
            p.ws();
            if p.eat(b',').is_some() {
                continue;
            }
            p.eat(b'}')?;
            return Some(e);
        }
    }

    /// Was the token refused as expired, revoked or otherwise invalid (`status` 401 or
    /// `invalid_token`)? Then ask the provider for a fresh token and log in again.
    pub fn is_token_expired(&self) -> bool {
        matches!(self.status.as_deref(), Some("401" | "invalid_token"))
    }

    /// Does the token lack the scope the server wants (`status` 403 or
    /// `insufficient_scope`)? A fresh token will not help: ask for [`scope`](Self::scope).
    pub fn is_insufficient_scope(&self) -> bool {
        matches!(self.status.as_deref(), Some("403" | "insufficient_scope"))
    }
}

/// `sasl error: status "401", schemes "bearer", scope "..."`, server text escaped.
impl fmt::Display for SaslError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sasl error:")?;
        let mut sep = " ";
        for (name, v) in [
            ("status", &self.status),
            ("schemes", &self.schemes),
            ("scope", &self.scope),
            ("openid-configuration", &self.openid_configuration),
        ] {
            if let Some(v) = v {
                write!(f, "{sep}{name} \"{}\"", Escaped(v))?;
                sep = ", ";
            }
        }
        if self.is_token_expired() {
            f.write_str(": the token has expired or is invalid")?;
        } else if self.is_insufficient_scope() {
            f.write_str(": the token lacks the scope")?;
        }
        Ok(())
    }
}

/// One value of a SASL error object, as [`JsonCursor::value`] reads it.
enum JsonValue {
    /// A string, a number or a literal, as text.
    Text(String),
    /// An object, an array, or a value too long to keep.
    Skipped,
}

/// A field's text, if it is short enough to keep.
fn keep(text: String) -> JsonValue {
    if text.len() <= SASL_FIELD_MAX {
        JsonValue::Text(text)
    } else {
        JsonValue::Skipped
    }
}

/// A bounded reader of the flat JSON in a SASL error.
struct JsonCursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl JsonCursor<'_> {
    fn ws(&mut self) {
        while matches!(self.b.get(self.i), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.b.get(self.i) == Some(&c)).then(|| self.i += 1)
    }

    /// A string: its text, escapes undone.
    fn string(&mut self) -> Option<String> {
        self.eat(b'"')?;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let c = *self.b.get(self.i)?;
            self.i += 1;
            match c {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => {
                    let e = *self.b.get(self.i)?;
                    self.i += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hex = self.b.get(self.i..self.i + 4)?;
                            self.i += 4;
                            let hex = std::str::from_utf8(hex).ok()?;
                            // A lone surrogate becomes U+FFFD; pairs are not joined.
                            char::from_u32(u32::from_str_radix(hex, 16).ok()?).unwrap_or('\u{fffd}')
                        }
                        _ => return None,
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                c if c < 0x20 => return None,
                c => out.push(c),
            }
        }
    }

    /// A value: its text for a string, a number or a literal (`true`, `null`) no longer
    /// than [`SASL_FIELD_MAX`]; skipped for an object or an array (at most 16 deep) or a
    /// longer one; `None` when it is not JSON.
    fn value(&mut self) -> Option<JsonValue> {
        match self.b.get(self.i)? {
            b'"' => {
                let s = self.string()?;
                Some(keep(s))
            }
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match *self.b.get(self.i)? {
                        b'"' => {
                            self.string()?;
                            continue;
                        }
                        b'{' | b'[' => {
                            depth += 1;
                            if depth > 16 {
                                return None;
                            }
                        }
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.i += 1;
                                return Some(JsonValue::Skipped);
                            }
                        }
                        _ => {}
                    }
                    self.i += 1;
                }
            }
            _ => {
                let start = self.i;
                while matches!(self.b.get(self.i), Some(c) if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'+' | b'.'))
                {
                    self.i += 1;
                }
                if self.i == start {
                    return None;
                }
                let text = std::str::from_utf8(&self.b[start..self.i]).ok()?;
                Some(keep(text.to_string()))
            }
        }
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
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading from or writing to the connection failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// The TCP connection could not be opened: refused, unreachable, a name that does not
    /// resolve.
    #[error("cannot connect to {server}: {source}")]
    Connect {
        /// `host:port` as given to the builder; `proxy HOST:PORT` when the proxy
        /// ([`ClientBuilder::proxy`](crate::ClientBuilder::proxy)) could not be reached.
        server: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// A read or write made no progress within the configured timeout.
    #[error(
        "{operation} timed out after {after:?}{}{}",
        server.as_deref().map(|s| format!(" ({s})")).unwrap_or_default(),
        hint.map(|h| format!(": {h}")).unwrap_or_default()
    )]
    #[non_exhaustive]
    Timeout {
        /// `"read"`, `"write"`, `"connect"`, `"proxy handshake"` (a proxy that did not open
        /// the tunnel within the connect timeout), `"tls handshake"`, `"greeting"`, or
        /// `"command"` for a [`command_deadline`](crate::ClientBuilder::command_deadline)
        /// that passed.
        operation: &'static str,
        /// The timeout that expired.
        after: Duration,
        /// `host:port` of the server, when the connection was opened by the builder.
        server: Option<String>,
        /// What probably went wrong, when the crate can tell (a greeting that never came
        /// from a port that speaks TLS, say).
        hint: Option<&'static str>,
    },
    /// Setting up TLS failed (handshake, certificate, host name). The message leads with the
    /// reason in plain words (the server's certificate is not trusted, has expired, names
    /// another host; the port speaks plaintext...), the TLS library's own words after it.
    #[error("tls error: {0}")]
    Tls(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The server closed the connection without a BYE.
    #[error("connection closed by the server")]
    ConnectionClosed,
    /// The server sent BYE: it is closing the connection.
    #[error("server closed the connection: {0}")]
    Bye(ServerText),
    /// The server answered the command with NO: the command failed. The message names the
    /// command (`server said no to SELECT: [NONEXISTENT] Mailbox doesn't exist`).
    #[error("server said no{to}: {text}", to = .0.to_command(), text = .0)]
    No(ServerText),
    /// The server answered the command with BAD: it did not understand it.
    #[error("server said bad{to}: {text}", to = .0.to_command(), text = .0)]
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
    /// The connection broke while an operation that is not safe to repeat was running
    /// ([`Session::retrying`](crate::Session::retrying)): it may or may not have been done
    /// (an APPEND may have added the message, a COPY copied it). Reconnect and check before
    /// trying again.
    #[error("the connection broke during {operation}, which is not safe to repeat: it may or may not have been done ({source})")]
    Interrupted {
        /// The operation (`Append`, `Copy`, ...).
        operation: String,
        /// What broke the connection.
        source: Box<Error>,
    },
    /// The server broke the protocol in a way that is not a parse error of one response.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// A caller-supplied argument cannot be sent (it holds NUL, or is empty where it must not be).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A command of the selected state (FETCH, STORE, SEARCH, EXPUNGE, COPY, MOVE, SORT,
    /// THREAD, CHECK, CLOSE, UNSELECT, or their UID forms) was called while no mailbox is
    /// selected. Nothing was sent and the session goes on: call
    /// [`Session::select`](crate::Session::select) or
    /// [`Session::examine`](crate::Session::examine) first. (A server would only answer BAD
    /// or NO, "No mailbox selected", in words that do not name the missing call.)
    #[error("{command} needs a selected mailbox: select() or examine() a mailbox first")]
    NotSelected {
        /// The command that was not sent (`"UID FETCH"`, `"EXPUNGE"`...).
        command: &'static str,
    },
    /// The server does not advertise a capability that the operation needs.
    #[error("server lacks capability {0}")]
    MissingCapability(String),
    /// STARTTLS was required but could not be done safely; nothing was sent in the clear.
    #[error("starttls failed: {0}")]
    StartTls(String),
    /// An earlier error left the connection unusable; every later command fails with this.
    #[error("session unusable after an earlier error: {0}")]
    Broken(String),
    /// The caller's own writer or reader failed: the destination of a streamed body
    /// ([`Session::uid_fetch_streaming`](crate::Session::uid_fetch_streaming)), the source of
    /// an APPEND. The connection is not at fault: after a writer failed, the rest of the
    /// command is read and dropped and the session goes on.
    #[error("{action} failed: {source}")]
    Caller {
        /// What was being done (`"writing a streamed body"`, ...).
        action: &'static str,
        /// The writer's or reader's error.
        source: std::io::Error,
    },
    /// The OAuth 2.0 token provider given to
    /// [`XOAuth2::with_provider`](crate::XOAuth2::with_provider) or
    /// [`OAuthBearer::with_provider`](crate::OAuthBearer::with_provider) failed: no token, so
    /// nothing was sent. Its error is the source. Not
    /// [`is_auth_failed`](Error::is_auth_failed) (the server refused nothing), and
    /// [`Session::reconnect`](crate::Session::reconnect) does not try again after it.
    #[error("the oauth2 token provider failed: {0}")]
    TokenProvider(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The call was cancelled from another thread with
    /// [`CancelHandle::cancel`](crate::CancelHandle::cancel): the connection was shut down
    /// wherever it was, and every later command on it fails with this too, until
    /// [`Session::reconnect`](crate::Session::reconnect). A connect through a builder whose
    /// handle ([`ClientBuilder::cancel_with`](crate::ClientBuilder::cancel_with)) is
    /// cancelled fails with it at once. Not [`is_broken`](Error::is_broken): a cancel is the
    /// caller's decision, and nothing retries it.
    #[error("cancelled (CancelHandle::cancel)")]
    Cancelled,
    /// The proxy ([`ClientBuilder::proxy`](crate::ClientBuilder::proxy)) did not open the
    /// tunnel to the IMAP server: it refused (a SOCKS5 reply code, an HTTP status), refused
    /// or wanted credentials, closed the connection, or answered something that is not its
    /// protocol. The message names the proxy (without its password), shows what it said
    /// (the HTTP status line, the SOCKS5 reply code) and what that means:
    /// `proxy http://127.0.0.1:3128: answered CONNECT imap.example.com:993 with "HTTP/1.1
    /// 403 Forbidden": the proxy does not allow a tunnel there (...)`. A proxy that cannot
    /// be reached at all is [`Error::Connect`] (its `server` reads `proxy HOST:PORT`), one
    /// that does not answer in time [`Error::Timeout`] (`"proxy handshake"`).
    #[error("proxy {proxy}: {reason}")]
    #[non_exhaustive]
    Proxy {
        /// The proxy as a URL without its password (`socks5h://me@proxy.example.com:1080`).
        proxy: String,
        /// What the proxy answered, for a refusal: the SOCKS5 reply code (`REP`, RFC 1928:
        /// 1 general failure, 2 not allowed by ruleset, 3 network unreachable, 4 host
        /// unreachable, 5 connection refused, 6 TTL expired, 7 command not supported, 8
        /// address type not supported) for a `socks5h://` / `socks5://` proxy, or the HTTP
        /// status (403, 407, 502...) for an `http://` one. `None` for a refused SOCKS5
        /// login, a closed connection or a reply that breaks the protocol.
        code: Option<u16>,
        /// The proxy wants credentials or refused those given: SOCKS5 "no acceptable
        /// methods" or a failed RFC 1929 login, HTTP 407 (or 401, which some proxies send
        /// for a wrong password). Trying again will not help; fix the credentials.
        credentials_refused: bool,
        /// What went wrong, in plain words, with what the proxy sent (escaped, bounded).
        reason: String,
    },
    /// Something the operation needs is not on the server: the account has no mailbox of
    /// the special use it acts on ([`Session::move_to_trash`](crate::Session::move_to_trash)
    /// without a Trash). The session is fine.
    #[error("not found: {0}")]
    NotFound(String),
}

/// The message, as `Display` shows it: `fn main() -> Result<(), blocking_imap::Error>` then
/// prints `Error: cannot connect to imap.example.com:993: Connection refused (os error 111)`
/// rather than a nest of structs (the convention of `anyhow`). Match on the variant, or use
/// the `is_*` predicates, to tell errors apart in code.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Error {
    /// Did a connect, TLS handshake, greeting, read, write or command deadline time out?
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
            || matches!(self, Error::Io(e) if matches!(e.kind(), std::io::ErrorKind::TimedOut))
    }

    /// Could the TCP connection not be opened (refused, unreachable, unknown host, or the
    /// connect timeout)?
    pub fn is_connect(&self) -> bool {
        matches!(self, Error::Connect { .. })
            || matches!(
                self,
                Error::Timeout {
                    operation: "connect",
                    ..
                }
            )
    }

    /// Did TLS fail (handshake, certificate, host name, a port that does not speak TLS), or
    /// STARTTLS?
    pub fn is_tls(&self) -> bool {
        matches!(
            self,
            Error::Tls(_)
                | Error::StartTls(_)
                | Error::Timeout {
                    operation: "tls handshake",
                    ..
                }
        )
    }

    /// Is the session unusable (this error, or an earlier one, ended the connection)? Every
    /// later command fails; connect again.
    ///
    /// False for [`Error::Cancelled`], although a cancelled connection is closed too: a
    /// cancel is the caller's decision, so [`Session::retrying`](crate::Session::retrying)
    /// does not run the job again, and loops that reconnect on `is_broken()` stop. Use
    /// [`is_cancelled`](Self::is_cancelled) for it.
    pub fn is_broken(&self) -> bool {
        self.is_fatal() && !self.is_cancelled()
    }

    /// Was a command of the selected state called with no mailbox selected
    /// ([`Error::NotSelected`])? Nothing was sent; select a mailbox and call again.
    pub fn is_not_selected(&self) -> bool {
        matches!(self, Error::NotSelected { .. })
    }

    /// Was the call cancelled with [`CancelHandle::cancel`](crate::CancelHandle::cancel)
    /// ([`Error::Cancelled`])?
    pub fn is_cancelled(&self) -> bool {
        matches!(self, Error::Cancelled)
    }

    /// Did connecting through the proxy fail ([`Error::Proxy`]: a refusal, refused
    /// credentials, a reply that breaks the protocol; or a proxy handshake that timed out)?
    /// A proxy that cannot be reached at all is [`is_connect`](Self::is_connect).
    pub fn is_proxy(&self) -> bool {
        matches!(
            self,
            Error::Proxy { .. }
                | Error::Timeout {
                    operation: "proxy handshake",
                    ..
                }
        )
    }

    /// Did the server close the connection (BYE, or the socket closed)?
    pub fn is_closed(&self) -> bool {
        matches!(self, Error::Bye(_) | Error::ConnectionClosed)
    }

    /// The SASL error the server sent before refusing an AUTHENTICATE (XOAUTH2's and
    /// OAUTHBEARER's JSON challenge), decoded: its `status`, `schemes` and `scope`. `None` for
    /// any other error. The error's message shows it too (`server said no to AUTHENTICATE:
    /// [AUTHENTICATIONFAILED] Invalid credentials (Failure) (sasl error: status "401",
    /// schemes "bearer", scope "https://mail.google.com/": the token has expired or is
    /// invalid)`).
    pub fn sasl_error(&self) -> Option<&SaslError> {
        match self {
            Error::No(t) | Error::Bad(t) => t.sasl_error(),
            _ => None,
        }
    }

    /// Was an OAuth 2.0 token refused as expired or invalid: a refused login
    /// ([`is_auth_failed`](Self::is_auth_failed)) whose SASL error says `401` or
    /// `invalid_token`? Then get a fresh token (see `ClientBuilder` and
    /// [`XOAuth2::with_provider`](crate::XOAuth2::with_provider)) and log in again.
    pub fn is_token_expired(&self) -> bool {
        self.is_auth_failed() && self.sasl_error().is_some_and(SaslError::is_token_expired)
    }

    /// Did the server answer NO?
    pub fn is_no(&self) -> bool {
        matches!(self, Error::No(_))
    }

    /// Did the server answer BAD?
    pub fn is_bad(&self) -> bool {
        matches!(self, Error::Bad(_))
    }

    /// Does the NO, BAD or BYE carry response code `name` (any case)?
    fn has_code(&self, name: &str) -> bool {
        self.response_code()
            .is_some_and(|c| c.name().eq_ignore_ascii_case(name))
    }

    /// Were the credentials refused? A NO to LOGIN or AUTHENTICATE, or any NO with
    /// `[AUTHENTICATIONFAILED]` (RFC 5530).
    pub fn is_auth_failed(&self) -> bool {
        match self {
            Error::No(t) => {
                self.has_code("AUTHENTICATIONFAILED")
                    || matches!(t.command_name(), Some("LOGIN" | "AUTHENTICATE"))
            }
            _ => false,
        }
    }

    /// `[ALREADYEXISTS]` (RFC 5530): CREATE or RENAME of a name already in use.
    pub fn is_already_exists(&self) -> bool {
        self.has_code("ALREADYEXISTS")
    }

    /// The mailbox (or message part) does not exist: `[NONEXISTENT]` (RFC 5530), or, from a
    /// server that sends no code (Dovecot 2.3 answers a SELECT or STATUS of a missing
    /// mailbox with a plain `NO Mailbox doesn't exist: X`), a NO to SELECT, EXAMINE, STATUS,
    /// DELETE, RENAME or SUBSCRIBE whose text says so ("doesn't exist", "does not exist",
    /// "no such mailbox"). To ask before, [`Session::mailbox_exists`](crate::Session::mailbox_exists).
    pub fn is_nonexistent(&self) -> bool {
        if self.has_code("NONEXISTENT") {
            return true;
        }
        match self {
            Error::No(t) if t.code.is_none() => {
                let about_a_mailbox = matches!(
                    t.command_name(),
                    Some("SELECT" | "EXAMINE" | "STATUS" | "DELETE" | "RENAME" | "SUBSCRIBE")
                );
                let text = t.text.to_ascii_lowercase();
                about_a_mailbox
                    && ["doesn't exist", "does not exist", "no such mailbox"]
                        .iter()
                        .any(|s| text.contains(s))
            }
            _ => false,
        }
    }

    /// `[TRYCREATE]`: the target mailbox of a COPY, MOVE or APPEND does not exist; create it
    /// and try again.
    pub fn is_try_create(&self) -> bool {
        self.has_code("TRYCREATE")
    }

    /// `[OVERQUOTA]` (RFC 5530, RFC 9208): the operation would exceed a quota.
    pub fn is_over_quota(&self) -> bool {
        self.has_code("OVERQUOTA")
    }

    /// `[NOPERM]` (RFC 5530): the user may not do this (ACLs).
    pub fn is_no_permission(&self) -> bool {
        self.has_code("NOPERM")
    }

    /// `[UNAVAILABLE]` or `[INUSE]` (RFC 5530): a temporary failure; trying again later may
    /// work.
    pub fn is_temporary(&self) -> bool {
        self.has_code("UNAVAILABLE") || self.has_code("INUSE")
    }

    /// A limit of this crate was reached ([`Error::LimitExceeded`] or
    /// [`Error::TooLarge`]).
    pub fn is_limit(&self) -> bool {
        matches!(self, Error::LimitExceeded { .. } | Error::TooLarge { .. })
    }

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
                | Error::Connect { .. }
                | Error::Timeout { .. }
                | Error::Tls(_)
                | Error::ConnectionClosed
                | Error::Bye(_)
                | Error::TooLarge { .. }
                | Error::Protocol(_)
                | Error::StartTls(_)
                | Error::Broken(_)
                | Error::Cancelled
                | Error::Proxy { .. }
        )
    }
}

/// Context added to an error from setting up a connection: the server's `host:port`, and
/// for TLS failures the reason in plain words.
pub(crate) fn with_server(e: Error, server: &str) -> Error {
    match e {
        Error::Io(source) => Error::Connect {
            server: server.to_string(),
            source,
        },
        Error::Timeout {
            operation,
            after,
            server: None,
            hint,
        } => Error::Timeout {
            operation,
            after,
            server: Some(server.to_string()),
            hint,
        },
        Error::Tls(detail) => Error::Tls(Box::new(TlsFailure::new(server, detail))),
        other => other,
    }
}

/// A failed TLS setup: the reason in plain words first, then the server, then the TLS
/// library's own words.
#[derive(Debug)]
pub(crate) struct TlsFailure {
    server: String,
    reason: &'static str,
    detail: Box<dyn std::error::Error + Send + Sync>,
}

/// The words of a port that answers TLS with plaintext IMAP.
pub(crate) const PLAINTEXT_PORT: &str =
    "this port speaks plaintext IMAP, not TLS: use STARTTLS (Security::StartTls), usually port 143";

/// [`PLAINTEXT_PORT`] for a builder made from a URL.
const PLAINTEXT_PORT_URL: &str =
    "this port speaks plaintext IMAP, not TLS: use an imap:// URL (STARTTLS), usually port 143";

/// The greeting-timeout hint of a plaintext connection to a TLS port, for a builder made
/// from a URL.
const SILENT_PORT_URL: &str = "the server sent nothing: a port that speaks TLS (usually 993) \
     waits for the client to start; use an imaps:// URL (implicit TLS)";

/// The hints of a connect-time error reworded for a builder made from an `imap://` or
/// `imaps://` URL: the URL to use instead of the [`Security`](crate::Security) to choose.
pub(crate) fn url_hints(e: Error) -> Error {
    const TO_TLS: (&str, &str) = (
        "use implicit TLS (Security::Tls)",
        "use an imaps:// URL (implicit TLS)",
    );
    const TO_STARTTLS: (&str, &str) = (
        "use STARTTLS (Security::StartTls)",
        "use an imap:// URL (STARTTLS)",
    );
    match e {
        Error::Tls(detail) => match detail.downcast::<TlsFailure>() {
            Ok(mut failure) => {
                if failure.reason == PLAINTEXT_PORT {
                    failure.reason = PLAINTEXT_PORT_URL;
                }
                Error::Tls(failure)
            }
            Err(detail) => Error::Tls(detail),
        },
        Error::Timeout {
            operation,
            after,
            server,
            hint: Some(hint),
        } if hint.contains(TO_TLS.0) => Error::Timeout {
            operation,
            after,
            server,
            hint: Some(SILENT_PORT_URL),
        },
        Error::Protocol(text) => Error::Protocol(
            text.replace(TO_TLS.0, TO_TLS.1)
                .replace(TO_STARTTLS.0, TO_STARTTLS.1),
        ),
        other => other,
    }
}

impl TlsFailure {
    fn new(server: &str, detail: Box<dyn std::error::Error + Send + Sync>) -> Self {
        // Both backends' words, in Display and Debug form (rustls names its error variants).
        let text = format!("{detail} {detail:?}").to_ascii_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
        let reason = if has(&["add_root_certificate_pem"]) {
            "a root certificate given to add_root_certificate_pem is unusable"
        } else if has(&[
            "wrong version number",
            "invalidcontenttype",
            "invalid content type",
            "corrupt message",
            "packet length too long",
            "record layer failure",
            "unknown protocol",
            "http request",
            "invalidmessage",
        ]) {
            PLAINTEXT_PORT
        } else if has(&["self-signed", "self signed", "selfsigned"]) {
            "the server's certificate is self-signed and not trusted: add it or its CA with \
             add_root_certificate_pem (IMAP_CA=ca.pem for ClientBuilder::from_env, --ca ca.pem \
             in the examples)"
        } else if has(&["expired"]) {
            "the server's certificate has expired"
        } else if has(&["not yet valid", "notvalidyet", "not valid yet"]) {
            "the server's certificate is not valid yet (is the clock right?)"
        } else if has(&[
            "hostname mismatch",
            "host name mismatch",
            "notvalidforname",
            "ip address mismatch",
            "not valid for name",
        ]) {
            "the server's certificate is for another host name"
        } else if has(&[
            "unknownissuer",
            "unknown issuer",
            "unable to get local issuer",
            "unable to verify the first certificate",
            "unable to get issuer",
            "certificate verify failed",
            "badsignature",
        ]) {
            "the server's certificate is not signed by an authority this client trusts \
             (unknown issuer): add its CA with add_root_certificate_pem (IMAP_CA=ca.pem for \
             ClientBuilder::from_env, --ca ca.pem in the examples)"
        } else if has(&[
            "handshake failure",
            "no protocols available",
            "unsupported protocol",
            "protocol version",
            "no shared cipher",
            "peerincompatible",
        ]) {
            "the server and this client have no TLS version or cipher in common"
        } else if has(&["closed", "eof", "reset"]) {
            "the server closed the connection during the TLS handshake"
        } else {
            "the TLS handshake failed"
        };
        TlsFailure {
            server: server.to_string(),
            reason,
            detail,
        }
    }
}

impl fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.reason, self.server, self.detail)
    }
}

impl std::error::Error for TlsFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.detail)
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
            extra: None,
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

    #[test]
    fn hints_of_a_url_builder_speak_of_urls() {
        let plain = with_server(
            Error::Tls("received corrupt message of type InvalidContentType".into()),
            "h:993",
        );
        assert!(
            plain.to_string().contains("(Security::StartTls)"),
            "{plain}"
        );
        let shown = url_hints(plain).to_string();
        assert!(
            shown.starts_with(
                "tls error: this port speaks plaintext IMAP, not TLS: use an imap:// URL \
                 (STARTTLS), usually port 143 (h:993): "
            ),
            "{shown}"
        );
        let silent = Error::Timeout {
            operation: "greeting",
            after: Duration::from_secs(10),
            server: Some("h:993".into()),
            hint: Some(
                "the server sent nothing: a port that speaks TLS (usually 993) waits for the \
                 client to start; use implicit TLS (Security::Tls)",
            ),
        };
        assert_eq!(
            url_hints(silent).to_string(),
            "greeting timed out after 10s (h:993): the server sent nothing: a port that speaks \
             TLS (usually 993) waits for the client to start; use an imaps:// URL (implicit TLS)"
        );
        let tls = Error::Protocol(
            "h:143 answered with TLS, not a plaintext IMAP greeting: this port speaks TLS; use \
             implicit TLS (Security::Tls), usually port 993"
                .into(),
        );
        assert_eq!(
            url_hints(tls).to_string(),
            "protocol error: h:143 answered with TLS, not a plaintext IMAP greeting: this port \
             speaks TLS; use an imaps:// URL (implicit TLS), usually port 993"
        );
        // Other errors, and other TLS reasons, are left as they are.
        let expired = with_server(
            Error::Tls("invalid peer certificate: Expired".into()),
            "h:1",
        );
        let before = expired.to_string();
        assert_eq!(url_hints(expired).to_string(), before);
    }

    #[test]
    fn an_untrusted_certificate_says_how_to_add_a_ca() {
        for detail in [
            "invalid peer certificate: UnknownIssuer",
            "certificate verify failed: (self-signed certificate)",
        ] {
            let shown = with_server(Error::Tls(detail.into()), "h:993").to_string();
            assert!(
                shown.contains(
                    "add_root_certificate_pem (IMAP_CA=ca.pem for ClientBuilder::from_env, \
                     --ca ca.pem in the examples)"
                ),
                "{shown}"
            );
        }
    }

    #[test]
    fn tls_failures_lead_with_the_reason_in_plain_words() {
        let cases: &[(&str, &str)] = &[
            // OpenSSL (native-tls) and rustls wordings of each class.
            ("error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../ssl/record/ssl3_record.c:354:", "this port speaks plaintext IMAP"),
            ("received corrupt message of type InvalidContentType", "this port speaks plaintext IMAP"),
            ("error:0A000086:SSL routines:tls_post_process_server_certificate:certificate verify failed:../ssl/statem/statem_clnt.c:1889: (unable to get local issuer certificate)", "unknown issuer"),
            ("invalid peer certificate: UnknownIssuer", "unknown issuer"),
            ("certificate verify failed: (self-signed certificate)", "self-signed"),
            ("certificate verify failed (certificate has expired)", "has expired"),
            ("invalid peer certificate: Expired", "has expired"),
            ("certificate verify failed (certificate is not yet valid)", "not valid yet"),
            ("invalid peer certificate: NotValidYet", "not valid yet"),
            ("certificate verify failed (Hostname mismatch)", "another host name"),
            ("invalid peer certificate: NotValidForName", "another host name"),
            ("sslv3 alert handshake failure", "no TLS version or cipher in common"),
            ("something nobody foresaw", "the TLS handshake failed"),
        ];
        for (detail, reason) in cases {
            let e = with_server(Error::Tls((*detail).into()), "imap.example.com:993");
            let shown = e.to_string();
            assert!(shown.starts_with("tls error: "), "{shown}");
            assert!(shown.contains(reason), "{detail} -> {shown}");
            assert!(shown.contains("(imap.example.com:993)"), "{shown}");
            assert!(
                shown.ends_with(detail),
                "the library's words come last: {shown}"
            );
            assert!(e.is_tls());
        }
        let e = with_server(
            Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused)),
            "h:1",
        );
        assert!(e.is_connect() && e.to_string().starts_with("cannot connect to h:1: "));
    }
}
