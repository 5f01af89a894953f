//! Connecting, STARTTLS and authentication: everything before a [`Session`].

use std::fmt;
use std::time::Duration;

use log::{debug, warn};

use crate::auth::Authenticator;
use crate::conn::{Conn, Incoming, Options};
use crate::error::{with_server, Error, Result, ServerText};
use crate::reconnect::{Login, Reconnect, ReconnectPolicy};
use crate::session::Session;
use crate::state::Unsolicited;
use crate::transport::{self, ReadWrite, Stream, TlsOptions};
use crate::types::{Capabilities, StatusKind};
use crate::wire::encode::{base64_decode, base64_encode, Command};
use crate::wire::lexer::MAX_LIST_DEPTH;

/// How the connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Security {
    /// TLS from the first byte (port 993). The default.
    Tls,
    /// Plaintext first, then STARTTLS before anything else is sent (port 143). Never
    /// opportunistic: if the server does not offer STARTTLS, or refuses it, or greets with
    /// PREAUTH, connecting fails before any credential is sent.
    StartTls,
    /// No encryption at all. Passwords go in the clear: for loopback and tests only.
    Plaintext,
}

/// Default time allowed to establish the TCP connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time any single read or write may go without progress.
pub const DEFAULT_IO_TIMEOUT: Duration = Duration::from_secs(60);
/// Default largest server response accepted (a line plus its literals).
pub const DEFAULT_MAX_RESPONSE_SIZE: usize = 64 * 1024 * 1024;
/// Default longest command line; a longer sequence set is split across several commands.
pub const DEFAULT_MAX_LINE: usize = 4096;
/// Default number of chunks of a split command kept in flight at once.
pub const DEFAULT_PIPELINE_DEPTH: usize = 4;
/// Default number of unsolicited responses kept until the caller reads them.
pub const DEFAULT_MAX_UNSOLICITED: usize = 100_000;
/// Default total size of the unsolicited responses kept until the caller reads them.
pub const DEFAULT_MAX_UNSOLICITED_BYTES: usize = 64 * 1024 * 1024;
/// Default largest result one command may collect over all its responses (a SEARCH ALL of
/// a 10-million-message mailbox is about 80 MB on the wire).
pub const DEFAULT_MAX_RESULT_SIZE: usize = 256 * 1024 * 1024;
/// Default time allowed for the server's greeting once connected (and, with implicit TLS,
/// once the handshake is done).
pub const DEFAULT_GREETING_TIMEOUT: Duration = Duration::from_secs(10);
/// Default deepest nesting of parentheses accepted in a response.
pub const DEFAULT_MAX_NESTING: u32 = 100;

/// Configures and opens a connection to an IMAP server.
///
/// TLS (implicit or after STARTTLS) requires TLS 1.2 or newer, on either backend: a server
/// that offers only TLS 1.0 or 1.1 fails the handshake with [`Error::Tls`].
///
/// ```no_run
/// use blocking_imap::ClientBuilder;
/// let client = ClientBuilder::new("imap.example.com", 993).connect()?;
/// let mut session = client.login("user", "password")?;
/// session.noop()?;
/// session.logout()?;
/// # Ok::<(), blocking_imap::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    host: String,
    port: u16,
    security: Security,
    tls: TlsOptions,
    connect_timeout: Duration,
    opts: Options,
    /// What an IMAP URL said besides the server.
    url: UrlParts,
    /// How [`Session::reconnect`](crate::Session::reconnect) retries.
    pub(crate) reconnect: ReconnectPolicy,
    /// The ID (RFC 2971) to send at the earliest point the server allows, if any.
    id: Option<Vec<(String, String)>>,
    /// Records every connection (`record_to`, in src/testing/record.rs).
    #[cfg(feature = "testing")]
    pub(crate) recorder: Option<crate::testing::Recorder>,
}

/// The user, password, mechanism and mailbox of an IMAP URL. The password never shows in
/// `Debug` or any log.
#[derive(Clone, Default)]
struct UrlParts {
    user: Option<String>,
    password: Option<String>,
    auth: Option<String>,
    mailbox: Option<String>,
}

impl fmt::Debug for UrlParts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Url")
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("auth", &self.auth)
            .field("mailbox", &self.mailbox)
            .finish()
    }
}

/// `%XX` decoded as UTF-8 (lossy); `None` for a `%` not followed by two hex digits.
fn percent_decode(s: &str) -> Option<String> {
    crate::mime::percent_decode_checked(s.as_bytes(), true)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
}

impl ClientBuilder {
    /// A connection to `host` on `port`, with implicit TLS, certificate and host name checked.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        ClientBuilder {
            host: host.into(),
            port,
            security: Security::Tls,
            tls: TlsOptions::default(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            opts: Options {
                read_timeout: Some(DEFAULT_IO_TIMEOUT),
                write_timeout: Some(DEFAULT_IO_TIMEOUT),
                max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
                max_nesting: DEFAULT_MAX_NESTING,
                max_line: DEFAULT_MAX_LINE,
                max_queue: DEFAULT_MAX_UNSOLICITED,
                max_queue_bytes: DEFAULT_MAX_UNSOLICITED_BYTES,
                max_result_size: DEFAULT_MAX_RESULT_SIZE,
                command_deadline: None,
                greeting_timeout: DEFAULT_GREETING_TIMEOUT,
                pipeline_depth: DEFAULT_PIPELINE_DEPTH,
            },
            url: UrlParts::default(),
            reconnect: ReconnectPolicy::default(),
            id: None,
            #[cfg(feature = "testing")]
            recorder: None,
        }
    }

    /// How [`Session::reconnect`](crate::Session::reconnect) retries a lost connection:
    /// attempts, backoff with jitter, a bound on the total time (see [`ReconnectPolicy`]).
    pub fn reconnect_policy(mut self, policy: ReconnectPolicy) -> Self {
        self.reconnect = policy;
        self
    }

    /// Sends ID (RFC 2971) with the crate's name and version (`"name" "blocking-imap"
    /// "version" "0.1.0"`) at the earliest point the server allows: before login when it
    /// advertises ID then, else right after login. Some large providers refuse SELECT until
    /// a client has identified itself. Nothing is sent to a server without ID.
    pub fn send_id(self) -> Self {
        self.send_id_fields(&[
            ("name", env!("CARGO_PKG_NAME")),
            ("version", env!("CARGO_PKG_VERSION")),
        ])
    }

    /// [`send_id`](Self::send_id) with the caller's own fields (`("name", "my-tool")`,
    /// `("version", "2.1")`, ...).
    pub fn send_id_fields(mut self, fields: &[(&str, &str)]) -> Self {
        self.id = Some(
            fields
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
        );
        self
    }

    /// A builder from an IMAP URL (RFC 5092's server part), so that a tool can take one
    /// `--url` or `IMAP_URL` the way database tools take `DATABASE_URL`:
    ///
    /// - `imaps://host[:port]`: implicit TLS, port 993 by default;
    /// - `imap://host[:port]`: STARTTLS required (never plaintext), port 143 by default;
    /// - `user@`, percent-decoded (`me%40example.com@`), and `;AUTH=MECH` (RFC 5092
    ///   `iauth`), available from [`user`](Self::user) and
    ///   [`auth_mechanism`](Self::auth_mechanism); a password after `user:` is accepted for
    ///   convenience (RFC 5092 has none) and available from [`password`](Self::password),
    ///   never shown in `Debug` or logged;
    /// - a path names a mailbox ([`mailbox`](Self::mailbox)); a query is ignored.
    ///
    /// ```
    /// use blocking_imap::{ClientBuilder, Security};
    /// let b = ClientBuilder::from_url("imaps://me%40example.com;AUTH=PLAIN@imap.example.com/INBOX")?;
    /// assert_eq!(b.user(), Some("me@example.com"));
    /// assert_eq!(b.auth_mechanism(), Some("PLAIN"));
    /// assert_eq!(b.mailbox(), Some("INBOX"));
    /// assert_eq!(b.server(), "imap.example.com:993");
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: [`Error::InvalidArgument`] for another scheme, no host, a bad port or bad
    /// percent-encoding (the message never repeats a password).
    pub fn from_url(url: &str) -> Result<ClientBuilder> {
        let bad = |why: &str| Error::InvalidArgument(format!("IMAP URL: {why}"));
        let (security, port, rest) = if let Some(r) = strip_scheme(url, "imaps://") {
            (Security::Tls, 993, r)
        } else if let Some(r) = strip_scheme(url, "imap://") {
            (Security::StartTls, 143, r)
        } else {
            return Err(bad("must start with imap:// or imaps://"));
        };
        let (authority, path) = match rest.find(['/', '?', '#']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let (userinfo, hostport) = match authority.rfind('@') {
            Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
            None => (None, authority),
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let end = v6.find(']').ok_or_else(|| bad("unclosed [ in the host"))?;
            let after = &v6[end + 1..];
            let port = match after.strip_prefix(':') {
                Some(p) => p.parse().map_err(|_| bad("the port is not a number"))?,
                None if after.is_empty() => port,
                None => return Err(bad("text after the host")),
            };
            (format!("[{}]", &v6[..end]), port)
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (
                    h.to_string(),
                    p.parse().map_err(|_| bad("the port is not a number"))?,
                ),
                None => (hostport.to_string(), port),
            }
        };
        if host.is_empty() || host == "[]" {
            return Err(bad("no host"));
        }
        let mut b = ClientBuilder::new(host, port).security(security);
        if let Some(info) = userinfo {
            let (user_part, auth) = match info.to_ascii_uppercase().find(";AUTH=") {
                Some(i) => (&info[..i], Some(&info[i + 6..])),
                None => (info, None),
            };
            let (user, password) = match user_part.split_once(':') {
                Some((u, p)) => (u, Some(p)),
                None => (user_part, None),
            };
            if !user.is_empty() {
                b.url.user =
                    Some(percent_decode(user).ok_or_else(|| bad("bad %-escape in the user"))?);
            }
            if let Some(p) = password {
                b.url.password =
                    Some(percent_decode(p).ok_or_else(|| bad("bad %-escape in the password"))?);
            }
            if let Some(a) = auth {
                b.url.auth = Some(percent_decode(a).ok_or_else(|| bad("bad %-escape in ;AUTH="))?);
            }
        }
        let path = path.split(['?', '#']).next().unwrap_or("");
        let mailbox = path.trim_start_matches('/');
        if !mailbox.is_empty() {
            // RFC 5092 `;UIDVALIDITY=` and the like after the name are not kept.
            let name = mailbox.split(';').next().unwrap_or(mailbox);
            b.url.mailbox =
                Some(percent_decode(name).ok_or_else(|| bad("bad %-escape in the mailbox"))?);
        }
        Ok(b)
    }

    /// `host:port` this builder connects to (an IPv6 address in brackets).
    pub fn server(&self) -> String {
        if self.host.contains(':') && !self.host.starts_with('[') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The user name of the URL given to [`from_url`](Self::from_url), percent-decoded.
    pub fn user(&self) -> Option<&str> {
        self.url.user.as_deref()
    }

    /// The password of the URL given to [`from_url`](Self::from_url), if it had one (never
    /// shown in `Debug` or logged).
    pub fn password(&self) -> Option<&str> {
        self.url.password.as_deref()
    }

    /// The `;AUTH=` mechanism of the URL given to [`from_url`](Self::from_url) (`*` means
    /// any).
    pub fn auth_mechanism(&self) -> Option<&str> {
        self.url.auth.as_deref()
    }

    /// The mailbox named by the path of the URL given to [`from_url`](Self::from_url).
    pub fn mailbox(&self) -> Option<&str> {
        self.url.mailbox.as_deref()
    }

    /// Chooses implicit TLS, STARTTLS or plaintext.
    pub fn security(mut self, security: Security) -> Self {
        self.security = security;
        self
    }

    /// Shorthand for `security(Security::StartTls)`.
    pub fn starttls(self) -> Self {
        self.security(Security::StartTls)
    }

    /// Trusts this PEM certificate as a root, besides the system's (for a private CA or a
    /// self-signed server certificate). With the `rustls` backend every certificate in the
    /// PEM is trusted, and a self-signed server certificate must not be a CA certificate
    /// (`CA:TRUE`); native-tls takes the first.
    ///
    /// ```no_run
    /// let pem = std::fs::read("ca.pem")?;
    /// let client = blocking_imap::ClientBuilder::new("imap.example.com", 993)
    ///     .add_root_certificate_pem(&pem)?
    ///     .connect()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// Errors: [`Error::InvalidArgument`] naming this call when `pem` holds no certificate
    /// the TLS library can use (a DER file, a key, a truncated file), here rather than at
    /// [`connect`](Self::connect).
    pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Result<Self> {
        transport::check_root_pem(pem)?;
        self.tls.root_pems.push(pem.to_vec());
        Ok(self)
    }

    /// Accepts any server certificate, even an expired or self-signed one. Dangerous: anyone
    /// on the path can read and change the session.
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.tls.accept_invalid_certs = accept;
        self
    }

    /// Accepts a valid certificate issued for another host name. Dangerous.
    pub fn danger_accept_invalid_hostnames(mut self, accept: bool) -> Self {
        self.tls.accept_invalid_hostnames = accept;
        self
    }

    /// Time allowed for the TCP connection to be established (default 30 s), in all:
    /// resolving the host name, then trying each of its addresses in turn with the time
    /// left. When it runs out, [`connect`](Self::connect) fails with [`Error::Timeout`]
    /// (operation `"connect"`). The system's resolver cannot be interrupted, so a lookup
    /// that outlives the timeout finishes on a helper thread of its own, and its result is
    /// dropped. An IP address as the host skips the lookup.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for the server's greeting (default 10 s). A server that says nothing
    /// is usually a port that speaks TLS reached without it: the error says so
    /// ([`Error::Timeout`] with operation `"greeting"` and a hint) instead of waiting for the
    /// read timeout.
    pub fn greeting_timeout(mut self, timeout: Duration) -> Self {
        self.opts.greeting_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// Time any single read may wait for data (default 60 s; `None` waits forever).
    pub fn read_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.opts.read_timeout = timeout;
        self
    }

    /// Time any single write may wait to make progress (default 60 s; `None` waits forever).
    pub fn write_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.opts.write_timeout = timeout;
        self
    }

    /// The largest server response accepted, a line plus its literals (default 64 MiB). A
    /// larger one is refused before it is read into memory, and ends the connection.
    pub fn max_response_size(mut self, bytes: usize) -> Self {
        self.opts.max_response_size = bytes;
        self
    }

    /// The deepest nesting of parentheses accepted in one response (default 100); a deeper
    /// response is skipped as unparsable rather than parsed recursively. Clamped to
    /// 1..=256: parsing nests a call per level, and 256 levels keep the stack it needs small
    /// (well under the 2 MiB of a spawned thread's default stack).
    pub fn max_nesting_depth(mut self, depth: u32) -> Self {
        self.opts.max_nesting = depth.clamp(1, MAX_LIST_DEPTH);
        self
    }

    /// The longest command line to send (default 4096 bytes, well under the 8 KiB that strict
    /// servers accept). A command whose sequence set would make a longer line is sent as
    /// several commands, transparently, and their results joined.
    pub fn max_command_line(mut self, bytes: usize) -> Self {
        self.opts.max_line = bytes.max(256);
        self
    }

    /// How many chunks of a command split for a long sequence set may be in flight at once
    /// (default 4; 1 sends each only after the previous one completed). Chunks are written
    /// back to back and their completions read in order, which saves round trips on slow
    /// links. The chunks are small, so they never fill the socket buffers.
    pub fn pipeline_depth(mut self, depth: usize) -> Self {
        self.opts.pipeline_depth = depth.clamp(1, 16);
        self
    }

    /// How many unsolicited responses wait for the caller at most (default 100,000). Past
    /// that the oldest are dropped and counted, and the queue reports it with
    /// [`Unsolicited::Dropped`](crate::Unsolicited::Dropped); the mailbox state is kept
    /// current regardless. This bounds memory against a server that floods.
    pub fn max_unsolicited(mut self, items: usize) -> Self {
        self.opts.max_queue = items.max(1);
        self
    }

    /// How many bytes of memory the unsolicited responses waiting for the caller may hold
    /// at most (default 64 MiB; each item counted roughly, from the data it carries). Past
    /// that the oldest are dropped and reported as with
    /// [`max_unsolicited`](Self::max_unsolicited); an item larger than the whole budget is
    /// dropped itself.
    pub fn max_unsolicited_bytes(mut self, bytes: usize) -> Self {
        self.opts.max_queue_bytes = bytes.max(1);
        self
    }

    /// The most one command may collect into its result over all its responses (default
    /// 256 MiB, counted as the responses' size on the wire): the numbers of a SEARCH, SORT
    /// or ESEARCH, the tree of a THREAD, the entries of a LIST, the messages an EXPUNGE
    /// reports. A server that sends more makes the command fail with
    /// [`Error::LimitExceeded`](crate::Error::LimitExceeded); the rest of its responses are
    /// read and discarded, so the session stays usable. Streamed FETCH results are not
    /// collected: each message is bounded by
    /// [`max_response_size`](Self::max_response_size) instead.
    pub fn max_result_size(mut self, bytes: usize) -> Self {
        self.opts.max_result_size = bytes.max(1);
        self
    }

    /// The longest one command may take, from its first write to its tagged completion
    /// (default: no limit, so that long FETCHes work). A server that trickles bytes just
    /// inside the read timeout cannot stretch a command past it: the command fails with
    /// [`Error::Timeout`] (operation `"command"`) and the session becomes unusable, since
    /// the rest of the response was never read. The drain of a dropped stream and LOGOUT
    /// respect it too. The chunks of a command split for a long sequence set share one
    /// deadline, counted from the first chunk. IDLE is exempt: it is meant to last, and has
    /// its own deadline ([`Idle::deadline`](crate::Idle::deadline)). A stream the caller
    /// reads slowly counts the caller's time too. With a stream given to
    /// [`connect_stream`](Self::connect_stream), the deadline is checked between reads
    /// only (its read timeout cannot be shortened).
    pub fn command_deadline(mut self, deadline: Option<Duration>) -> Self {
        self.opts.command_deadline = deadline;
        self
    }

    /// Connects over TCP, sets up TLS as configured, and reads the server's greeting.
    ///
    /// Errors: [`Error::Io`] / [`Error::Timeout`] connecting, [`Error::Tls`] for a failed
    /// handshake or certificate check, [`Error::StartTls`] when STARTTLS cannot be done,
    /// [`Error::Bye`] when the server greets with BYE.
    pub fn connect(&self) -> Result<Client> {
        let tcp = transport::connect_tcp(
            &self.host,
            self.port,
            self.connect_timeout,
            self.opts.read_timeout,
            self.opts.write_timeout,
        )
        .map_err(|e| with_server(e, &self.server()))?;
        debug!("connected to {}:{}", self.host, self.port);
        let mut client = self.start(Stream::Plain(tcp))?;
        client.builder = Some(self.clone());
        Ok(client)
    }

    /// Runs the protocol over a stream the caller opened (a proxy, a pipe, a test double).
    /// With [`Security::Tls`] or [`Security::StartTls`], TLS runs over that stream. Timeouts
    /// are the stream's own business.
    pub fn connect_stream(&self, stream: impl ReadWrite + 'static) -> Result<Client> {
        self.start(Stream::Custom(Box::new(stream)))
    }

    fn start(&self, stream: Stream) -> Result<Client> {
        let stream = match self.security {
            Security::Tls => transport::tls_wrap(stream, &self.host, &self.tls)
                .map_err(|e| with_server(e, &self.server()))?,
            _ => stream,
        };
        let mut conn = Conn::new(stream, self.opts.clone());
        #[cfg(feature = "testing")]
        crate::testing::attach(&mut conn, self.recorder.as_ref());
        conn.server = Some(self.server());
        let (kind, greeting) = conn.greeting()?;
        debug!("greeting: {kind:?} {greeting}");
        let mut client = Client {
            conn,
            host: self.host.clone(),
            tls: self.tls.clone(),
            preauth: kind == StatusKind::PreAuth,
            greeting,
            builder: None,
            id: self.id.clone(),
        };
        if self.security == Security::StartTls {
            client.starttls_required()?;
        }
        // ID at the earliest point the server allows: now, if it offers ID before login.
        client.send_pending_id(false);
        Ok(client)
    }
}

/// A connection that has not authenticated yet. [`login`](Client::login) or
/// [`authenticate`](Client::authenticate) turn it into a [`Session`].
pub struct Client {
    conn: Conn,
    host: String,
    tls: TlsOptions,
    preauth: bool,
    greeting: ServerText,
    /// How the connection was made, for a later reconnect (`None` over a caller's stream).
    builder: Option<ClientBuilder>,
    /// The ID still to send, if any (see [`ClientBuilder::send_id`]).
    id: Option<Vec<(String, String)>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("host", &self.host)
            .field("tls", &self.conn.stream.is_tls())
            .field("preauth", &self.preauth)
            .finish_non_exhaustive()
    }
}

/// A failed login or authentication: the error, and the client to try again with.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct LoginError {
    /// What went wrong: [`Error::No`] for rejected credentials (often with an
    /// `AUTHENTICATIONFAILED` code), or a connection error.
    pub error: Error,
    /// The client, still connected unless `error` says otherwise.
    pub client: Box<Client>,
}

impl From<LoginError> for Error {
    fn from(e: LoginError) -> Error {
        e.error
    }
}

impl Client {
    /// The greeting's text and response code.
    ///
    /// After STARTTLS (with [`Security::StartTls`] or [`starttls`](Self::starttls)) this is
    /// empty: no code and no text. The greeting came in plaintext, where anyone on the path
    /// could have written it, and RFC 9051 (section 6.2.1) has the client discard what it
    /// learnt before TLS; the STARTTLS reply came in plaintext too, so it cannot stand in.
    /// Capabilities are asked for again over TLS, and the unsolicited queue and the mailbox
    /// state start empty.
    pub fn greeting(&self) -> &ServerText {
        &self.greeting
    }

    /// Did the server greet with PREAUTH (already authenticated, e.g. over a local pipe)?
    /// Then use [`preauthenticated`](Self::preauthenticated).
    pub fn is_preauth(&self) -> bool {
        self.preauth
    }

    /// The TLS connection's channel binding data (RFC 5056), if its backend gives any:
    /// `tls-server-end-point` with native-tls, `tls-exporter` with rustls over TLS 1.3.
    pub fn channel_binding(&self) -> Option<crate::auth::ChannelBinding> {
        self.conn.stream.channel_binding()
    }

    /// Is the connection encrypted?
    pub fn is_tls(&self) -> bool {
        self.conn.stream.is_tls()
    }

    /// The server's capabilities; sends CAPABILITY if the greeting did not list them.
    pub fn capabilities(&mut self) -> Result<&Capabilities> {
        self.conn.capabilities()
    }

    /// Sends NOOP.
    pub fn noop(&mut self) -> Result<()> {
        self.conn.simple(Command::new("NOOP")).map(drop)
    }

    /// Responses received that no command asked for, oldest first, removed as they are read.
    pub fn unsolicited(&mut self) -> impl Iterator<Item = Unsolicited> + '_ {
        self.conn.drain_queue()
    }

    /// Upgrades to TLS with STARTTLS (RFC 9051 section 6.2.1), refusing to go on without it.
    /// Everything received before TLS is discarded: the greeting (see
    /// [`greeting`](Self::greeting)), capabilities, unsolicited responses and mailbox state.
    ///
    /// Errors: [`Error::StartTls`] when the server greets with PREAUTH, lacks STARTTLS, or
    /// refuses it; [`Error::Tls`] when the handshake fails.
    pub fn starttls(mut self) -> Result<Client> {
        self.starttls_required()?;
        Ok(self)
    }

    fn starttls_required(&mut self) -> Result<()> {
        if self.conn.stream.is_tls() {
            return Err(Error::StartTls(
                "the connection is already encrypted".into(),
            ));
        }
        if self.preauth {
            let e = Error::StartTls(
                "server greeted with PREAUTH, so STARTTLS is impossible; refusing plaintext".into(),
            );
            return Err(self.conn.fail(e));
        }
        if !self.conn.capabilities()?.has("STARTTLS") {
            let e = Error::StartTls("server does not advertise STARTTLS".into());
            return Err(self.conn.fail(e));
        }
        match self.conn.simple(Command::new("STARTTLS")) {
            Ok(_) => {}
            Err(Error::No(t)) | Err(Error::Bad(t)) => {
                let e = Error::StartTls(format!("server refused STARTTLS: {t}"));
                return Err(self.conn.fail(e));
            }
            Err(e) => return Err(self.conn.fail(e)),
        }
        // Whatever arrived in plaintext before the handshake may have been injected by a
        // man in the middle: drop it, and everything learnt so far, the greeting included.
        let dropped = self.conn.forget_plaintext();
        if dropped > 0 {
            warn!("discarded {dropped} bytes the server sent after its STARTTLS reply");
        }
        self.greeting = ServerText {
            code: None,
            text: String::new(),
            command: None,
        };
        let plain = std::mem::replace(&mut self.conn.stream, Stream::Closed);
        let server = self
            .conn
            .server
            .clone()
            .unwrap_or_else(|| self.host.clone());
        match transport::tls_wrap(plain, &self.host, &self.tls).map_err(|e| with_server(e, &server))
        {
            Ok(s) => self.conn.stream = s,
            Err(e) => return Err(self.conn.fail(e)),
        }
        debug!("STARTTLS done");
        self.conn.fetch_capabilities()?;
        Ok(())
    }

    /// Logs in with LOGIN (RFC 9051 section 6.2.3). User name and password are sent as
    /// quoted strings or literals as needed, and never logged.
    ///
    /// Errors: [`Error::No`] for rejected credentials, [`Error::MissingCapability`] when the
    /// server says LOGINDISABLED, [`Error::InvalidArgument`] for a NUL byte; the client comes
    /// back in the [`LoginError`].
    // LoginError carries the client back for another try; at 128 bytes it is not worth a
    // box on a call made once per connection.
    #[allow(clippy::result_large_err)]
    pub fn login(mut self, user: &str, password: &str) -> Result<Session, LoginError> {
        match self.try_login(user, password) {
            Ok(()) => Ok(self.into_session(Login::Password {
                user: user.to_string(),
                password: password.to_string(),
            })),
            Err(error) => Err(LoginError {
                error,
                client: Box::new(self),
            }),
        }
    }

    /// The session, with what it needs to reconnect and the ID still to send.
    fn into_session(mut self, login: Login) -> Session {
        self.send_pending_id(true);
        let reconnect = self
            .builder
            .take()
            .map(|builder| Reconnect { builder, login });
        Session::with_reconnect(self.conn, reconnect)
    }

    /// Sends the ID the builder asked for, if the server takes it now (`authenticated`: the
    /// last chance). A refusal is logged, never an error: ID is a courtesy.
    fn send_pending_id(&mut self, authenticated: bool) {
        if self.id.is_none() {
            return;
        }
        let has_id = match self.conn.capabilities() {
            Ok(c) => c.has("ID") || c.has("IMAP4rev2"),
            Err(_) => return,
        };
        if !has_id {
            if authenticated {
                debug!("the server does not offer ID: none sent");
            }
            return;
        }
        let Some(fields) = self.id.take() else {
            return;
        };
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        if let Err(e) = crate::extensions::id::send_id(&mut self.conn, &pairs) {
            warn!("ID refused: {e}");
        }
    }

    fn try_login(&mut self, user: &str, password: &str) -> Result<()> {
        if self
            .conn
            .caps
            .as_ref()
            .is_some_and(|c| c.has("LOGINDISABLED"))
        {
            return Err(Error::MissingCapability(
                "LOGIN (the server advertises LOGINDISABLED)".into(),
            ));
        }
        let mut cmd = Command::new("LOGIN").sensitive();
        cmd.astring(user.as_bytes(), "user name")?;
        cmd.astring(password.as_bytes(), "password")?;
        let text = self.conn.simple(cmd)?;
        self.after_auth(&text);
        Ok(())
    }

    /// Authenticates with a SASL mechanism (AUTHENTICATE, RFC 9051 section 6.2.2), using
    /// SASL-IR (RFC 4959) when the server offers it.
    ///
    /// ```no_run
    /// # let client = blocking_imap::ClientBuilder::new("imap.example.com", 993).connect()?;
    /// let token = std::env::var("TOKEN").unwrap_or_default();
    /// let session = client.authenticate(&mut blocking_imap::XOAuth2::new("me@example.com", token))?;
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: [`Error::No`] for rejected credentials, [`Error::MissingCapability`] when the
    /// server does not offer the mechanism; the client comes back in the [`LoginError`].
    // LoginError carries the client back for another try; at 128 bytes it is not worth a
    // box on a call made once per connection.
    #[allow(clippy::result_large_err)]
    pub fn authenticate(mut self, auth: &mut dyn Authenticator) -> Result<Session, LoginError> {
        match self.try_authenticate(auth) {
            Ok(()) => Ok(self.into_session(Login::None)),
            Err(error) => Err(LoginError {
                error,
                client: Box::new(self),
            }),
        }
    }

    /// [`authenticate`](Self::authenticate) with a mechanism made by `make`, which the
    /// session keeps so that [`Session::reconnect`] can authenticate again (a fresh token
    /// for OAuth2, say). The closure, like the password of [`login`](Self::login), is kept
    /// in memory only, never logged or shown in `Debug`.
    #[allow(clippy::result_large_err)]
    pub fn authenticate_with(
        self,
        make: impl Fn() -> Box<dyn Authenticator> + Send + Sync + 'static,
    ) -> Result<Session, LoginError> {
        self.authenticate_shared(std::sync::Arc::new(make))
    }

    /// [`authenticate_with`](Self::authenticate_with) with the factory already shared: a
    /// reconnect hands the same one on, so nothing grows however often it reconnects.
    #[allow(clippy::result_large_err)]
    pub(crate) fn authenticate_shared(
        mut self,
        make: std::sync::Arc<dyn Fn() -> Box<dyn Authenticator> + Send + Sync>,
    ) -> Result<Session, LoginError> {
        let mut auth = make();
        match self.try_authenticate(auth.as_mut()) {
            Ok(()) => Ok(self.into_session(Login::Mechanism(make))),
            Err(error) => Err(LoginError {
                error,
                client: Box::new(self),
            }),
        }
    }

    fn try_authenticate(&mut self, auth: &mut dyn Authenticator) -> Result<()> {
        // The server's side of a SASL exchange (SCRAM's salt and signature, say) stays out
        // of the TRACE log too, as the client's side does.
        self.conn.redact_reads = true;
        let result = self.authenticate_exchange(auth);
        self.conn.redact_reads = false;
        result
    }

    fn authenticate_exchange(&mut self, auth: &mut dyn Authenticator) -> Result<()> {
        let mechanism = auth.mechanism().to_string();
        if mechanism.is_empty()
            || !mechanism
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(Error::InvalidArgument(format!(
                "SASL mechanism name {mechanism:?}"
            )));
        }
        // The TLS connection's channel binding, for the -PLUS mechanisms.
        auth.channel_binding(self.conn.stream.channel_binding().as_ref());
        // A field that would forge or shift the mechanism's fields: nothing is sent at all.
        auth.validate()?;
        let caps = self.conn.capabilities()?;
        if !caps.has_auth(&mechanism) {
            return Err(Error::MissingCapability(format!("AUTH={mechanism}")));
        }
        let sasl_ir = caps.has("SASL-IR");
        let mut pending = auth.initial_response();
        let mut cmd = Command::new("AUTHENTICATE").sensitive();
        cmd.raw(&mechanism);
        if sasl_ir {
            if let Some(ir) = pending.take() {
                // RFC 4959: an empty initial response is sent as "=".
                let encoded = if ir.is_empty() {
                    "=".to_string()
                } else {
                    base64_encode(&ir)
                };
                cmd.raw(&encoded);
            }
        }
        let tag = self.conn.send(cmd)?;
        // One frame per turn, nothing kept: each challenge is answered and forgotten, other
        // data goes to the bounded queue. How many challenges the server may send is the
        // mechanism's business (its `respond` can fail); a command deadline, if set, applies.
        loop {
            match self.conn.next_incoming(Some(&tag))? {
                Incoming::Continue(challenge) => {
                    let reply = match pending.take() {
                        Some(ir) => ir,
                        None => {
                            let decoded =
                                base64_decode(&challenge).unwrap_or_else(|| challenge.clone());
                            match auth.respond(&decoded) {
                                Ok(r) => r,
                                Err(e) => {
                                    // RFC 9051: "*" cancels the exchange; read its completion.
                                    self.conn.write(b"*\r\n", false)?;
                                    let _ = self.conn.finish(&tag, &|_| false, &mut |_| {});
                                    return Err(e);
                                }
                            }
                        }
                    };
                    let mut line = base64_encode(&reply).into_bytes();
                    line.extend_from_slice(b"\r\n");
                    self.conn.write(&line, true)?;
                }
                Incoming::Done(result) => {
                    self.conn.done_with(&tag);
                    let text = result?;
                    // The mechanism may have to check the server too (SCRAM's signature):
                    // if not, the server thinks we are in, we do not trust it: unusable.
                    auth.finish().map_err(|e| self.conn.fail(e))?;
                    if let Some(code) = &text.code {
                        self.conn.state.apply_code(code);
                    }
                    self.after_auth(&text);
                    return Ok(());
                }
                Incoming::Data(resp, raw) => self.conn.route(resp, raw),
                Incoming::Stray(item) => self.conn.queue.push(item),
                Incoming::EarlyDone(..) => {}
            }
        }
    }

    /// Capabilities change on login: keep those the completion listed, else ask again later.
    fn after_auth(&mut self, text: &ServerText) {
        match &text.code {
            Some(crate::types::ResponseCode::Capability(c)) => self.conn.caps = Some(c.clone()),
            _ => self.conn.caps = None,
        }
    }

    /// Turns a PREAUTH connection into a session.
    ///
    /// Errors: [`Error::Protocol`] if the server did not greet with PREAUTH.
    // LoginError carries the client back for another try; at 128 bytes it is not worth a
    // box on a call made once per connection.
    #[allow(clippy::result_large_err)]
    pub fn preauthenticated(self) -> Result<Session, LoginError> {
        if self.preauth {
            Ok(self.into_session(Login::Preauth))
        } else {
            Err(LoginError {
                error: Error::Protocol("the server did not greet with PREAUTH".into()),
                client: Box::new(self),
            })
        }
    }

    /// Sends LOGOUT and closes the connection.
    pub fn logout(mut self) -> Result<()> {
        crate::session::logout(&mut self.conn)
    }
}

/// `url` without `scheme` (any case).
fn strip_scheme<'a>(url: &'a str, scheme: &str) -> Option<&'a str> {
    let head = url.get(..scheme.len())?;
    head.eq_ignore_ascii_case(scheme)
        .then(|| &url[scheme.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imap_urls() {
        let b = ClientBuilder::from_url("imap://mail.example.org").unwrap();
        assert_eq!(
            (b.server(), b.security),
            ("mail.example.org:143".into(), Security::StartTls)
        );
        assert_eq!((b.user(), b.password(), b.mailbox()), (None, None, None));
        let b = ClientBuilder::from_url(
            "IMAPS://Fred%20Bloggs;auth=*@[::1]:10993/Sent%20Items;UIDVALIDITY=7?x#y",
        )
        .unwrap();
        assert_eq!(b.server(), "[::1]:10993");
        assert_eq!(b.security, Security::Tls);
        assert_eq!(b.user(), Some("Fred Bloggs"));
        assert_eq!(b.auth_mechanism(), Some("*"));
        assert_eq!(b.mailbox(), Some("Sent Items"));
        let b = ClientBuilder::from_url("imaps://me:p%40ss@h:1").unwrap();
        assert_eq!((b.user(), b.password()), (Some("me"), Some("p@ss")));
        let shown = format!("{b:?}");
        assert!(
            !shown.contains("p@ss") && !shown.contains("p%40ss"),
            "{shown}"
        );
        for bad in [
            "http://h",
            "imap://",
            "imaps://h:port",
            "imaps://[::1",
            "imaps://u%zz@h",
            "imaps://me:s3cret%@h",
        ] {
            let e = ClientBuilder::from_url(bad).unwrap_err();
            assert!(matches!(e, Error::InvalidArgument(_)), "{bad}: {e}");
            assert!(!e.to_string().contains("s3cret"), "{e}");
        }
    }
}
