//! How to connect: [`ClientBuilder`] with its settings (server, security, timeouts, limits,
//! the URL form), and what a session keeps to connect again ([`ReconnectPolicy`], the login
//! it made). Connecting itself is in `client.rs`, reconnecting in `reconnect.rs`.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::auth::Authenticator;
use crate::conn::Options;
use crate::error::{Error, Result};
use crate::transport::{self, CancelHandle, Proxy, TlsOptions};
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
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) security: Security,
    pub(crate) tls: TlsOptions,
    pub(crate) connect_timeout: Duration,
    pub(crate) opts: Options,
    /// What an IMAP URL said besides the server.
    url: UrlParts,
    /// How [`Session::reconnect`](crate::Session::reconnect) retries.
    pub(crate) reconnect: ReconnectPolicy,
    /// The ID (RFC 2971) to send at the earliest point the server allows, if any.
    pub(crate) id: Option<Vec<(String, String)>>,
    /// The handle every connection made by this builder obeys (`cancel_with`).
    pub(crate) cancel: Option<CancelHandle>,
    /// The proxy every connection goes through (`proxy`, `proxy_from_env`, `IMAP_PROXY`).
    pub(crate) proxy: Option<Proxy>,
    /// Records every connection (`record_to`).
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
    /// Made by [`ClientBuilder::from_url`]: connect-time hints speak of `imap://` and
    /// `imaps://` rather than [`Security`].
    from_url: bool,
}

impl fmt::Debug for UrlParts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Url")
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("auth", &self.auth)
            .field("mailbox", &self.mailbox)
            .field("from_url", &self.from_url)
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
    ///
    /// Port 0 is refused when connecting ([`connect`](Self::connect) fails with
    /// [`Error::InvalidArgument`]), not here, so that this call cannot fail.
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
                imap4rev2: true,
            },
            url: UrlParts::default(),
            reconnect: ReconnectPolicy::default(),
            id: None,
            cancel: None,
            proxy: None,
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

    /// Makes every connection this builder (or a clone of it) opens obey `handle`, from the
    /// TCP connect on: [`CancelHandle::cancel`] then ends the connect, the TLS handshake,
    /// the greeting wait, the login and any later command of these connections at once with
    /// [`Error::Cancelled`], and the connections made by
    /// [`Session::reconnect`](crate::Session::reconnect) obey it too. While the handle is
    /// cancelled, [`connect`](Self::connect) fails at once with [`Error::Cancelled`]; see
    /// [`CancelHandle::reset`].
    ///
    /// Without it each connection has a handle of its own, from
    /// [`Client::cancel_handle`](crate::Client::cancel_handle) /
    /// [`Session::cancel_handle`](crate::Session::cancel_handle), which exists only once
    /// the connection is made. With it, those return this handle. One handle can serve
    /// several builders and sessions: a Ctrl-C handler that stops everything (see the crate
    /// docs, "Cancelling").
    ///
    /// ```no_run
    /// use blocking_imap::{CancelHandle, ClientBuilder};
    /// let cancel = CancelHandle::new();
    /// let builder = ClientBuilder::new("imap.example.com", 993).cancel_with(&cancel);
    /// let watchdog = cancel.clone();
    /// std::thread::spawn(move || {
    ///     std::thread::sleep(std::time::Duration::from_secs(60));
    ///     watchdog.cancel(); // whatever the main thread is doing by then ends
    /// });
    /// let mut session = builder.connect()?.login("me", "secret")?;
    /// session.select("INBOX")?;
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    pub fn cancel_with(mut self, handle: &CancelHandle) -> Self {
        self.cancel = Some(handle.clone());
        self
    }

    /// Connects through `proxy` (SOCKS5 or HTTP CONNECT, see [`Proxy`]): the TCP
    /// connection goes to the proxy, which opens a tunnel to this builder's server; TLS
    /// (implicit or STARTTLS) then runs through the tunnel, and the certificate is checked
    /// against this builder's host name, never the proxy's. The connect timeout bounds the
    /// whole (reaching the proxy and its handshake), a [`cancel_with`](Self::cancel_with)
    /// handle ends the handshake at once, and [`Session::reconnect`](crate::Session::reconnect)
    /// goes through the proxy again. Not used by [`connect_stream`](Self::connect_stream),
    /// whose stream is connected already.
    ///
    /// ```no_run
    /// use blocking_imap::{ClientBuilder, Proxy};
    /// let client = ClientBuilder::new("imap.example.com", 993)
    ///     .proxy(Proxy::socks5("127.0.0.1", 1080).with_auth("me", "proxy-secret"))
    ///     .connect()?;
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.proxy = Some(proxy);
        self
    }

    /// Connects directly, without the proxy that [`proxy`](Self::proxy),
    /// [`proxy_from_env`](Self::proxy_from_env) or `IMAP_PROXY` set.
    pub fn no_proxy(mut self) -> Self {
        self.proxy = None;
        self
    }

    /// The proxy connections go through, if any.
    pub fn configured_proxy(&self) -> Option<&Proxy> {
        self.proxy.as_ref()
    }

    /// Takes the proxy from the environment, the way curl does for protocols without a
    /// variable of their own: an opt-in, nothing reads these variables unless this is
    /// called. The setting is replaced by what the environment says:
    ///
    /// - `all_proxy`, else `ALL_PROXY` (the first set and not empty): a proxy URL as
    ///   [`Proxy::from_url`] reads it (`socks5h://`, `socks5://`, `http://`, or `host:port`
    ///   for HTTP CONNECT); unset or empty, no proxy;
    /// - `no_proxy`, else `NO_PROXY`: servers reached without the proxy, separated by
    ///   commas: `*` for all, a name for itself and every host under it (`example.com`,
    ///   `.example.com`), an IP address, a network (`10.0.0.0/8`), any of them with `:PORT`
    ///   for that port only. Matched against this builder's host as written (no lookup).
    ///
    /// `HTTPS_PROXY` and `HTTP_PROXY` are not read: they name the proxy for `https://` and
    /// `http://` URLs, IMAP is neither, and a web proxy set there often allows CONNECT only
    /// to port 443. To give an IMAP tool its own proxy, use `IMAP_PROXY` with
    /// [`from_env`](Self::from_env), or [`proxy`](Self::proxy).
    ///
    /// Errors: [`Error::InvalidArgument`] naming the variable, for a value that is not UTF-8
    /// or not a proxy URL (the message never repeats a password).
    pub fn proxy_from_env(self) -> Result<Self> {
        self.proxy_from_vars(|name| std::env::var_os(name))
    }

    /// [`proxy_from_env`](Self::proxy_from_env) with the variables looked up by `var`.
    pub(crate) fn proxy_from_vars(
        mut self,
        var: impl Fn(&str) -> Option<OsString>,
    ) -> Result<Self> {
        self.proxy = transport::proxy_from_vars(var, &self.host, self.port)?;
        Ok(self)
    }

    /// Use IMAP4rev2 (RFC 9051) when the server offers it (the default: `true`). After
    /// login, a server that lists both `IMAP4rev1` and `IMAP4rev2` (in the capabilities it sent
    /// with the login's OK or during the login, as servers do; one that listed IMAP4rev2
    /// before the login and says nothing with it is asked CAPABILITY once) gets `ENABLE IMAP4rev2`
    /// (a refusal is logged, and the session goes on in IMAP4rev1); a server that lists
    /// only `IMAP4rev2` speaks it from the start. Either way a session's results are the
    /// same: SEARCH answered with ESEARCH gives the same numbers, LIST `\NonExistent`
    /// implies `\NoSelect`, and [`Capabilities::has`](crate::Capabilities::has) reports the extensions IMAP4rev2
    /// includes.
    ///
    /// `imap4rev2(false)` is for servers that announce IMAP4rev2 and misbehave once it is
    /// enabled: no ENABLE is sent, `Capabilities::has("IMAP4rev2")` says no and nothing is
    /// implied from it; only the extensions the server lists are used.
    pub fn imap4rev2(mut self, use_it: bool) -> Self {
        self.opts.imap4rev2 = use_it;
        self
    }

    /// Sends ID (RFC 2971) with the crate's name and version (`"name" "blocking-imap"
    /// "version" "0.1.0"`) at the earliest point the server allows: before login when it
    /// advertises ID then, else right after login. Some large providers refuse SELECT until
    /// a client has identified itself (163.com, 126.com, QQ Mail, Coremail: see
    /// [`providers`](crate::providers)), and Gmail asks clients to. Nothing is sent to a
    /// server without ID.
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
    /// Errors: [`Error::InvalidArgument`] for another scheme, no host, a port that is not a
    /// number, a port out of range or port 0, or bad percent-encoding (the message never
    /// repeats a password).
    ///
    /// A builder made here speaks of URLs in its connect-time hints: "use an imaps:// URL"
    /// where a builder made by [`new`](Self::new) says "use implicit TLS (Security::Tls)".
    pub fn from_url(url: &str) -> Result<ClientBuilder> {
        parse_url(url).map_err(|why| Error::InvalidArgument(format!("IMAP URL: {why}")))
    }

    /// A builder, a login and a mailbox from the environment, the way database tools read
    /// `DATABASE_URL` (see the crate docs, "Connecting from the environment"):
    ///
    /// - `IMAP_URL` (required): an `imaps://` or `imap://` URL as
    ///   [`from_url`](Self::from_url) reads it, with a user (`imaps://me@imap.example.com`)
    ///   and optionally a mailbox (`.../INBOX`);
    /// - `IMAP_PASSWORD`, or `IMAP_PASSWORD_FILE` naming a file that holds it (one trailing
    ///   newline is stripped); without either, a password in the URL (`me:secret@`);
    /// - `IMAP_CA` (optional): a PEM file trusted as a root besides the system's, as with
    ///   [`add_root_certificate_pem`](Self::add_root_certificate_pem);
    /// - `IMAP_PROXY` (optional): a proxy URL as [`Proxy::from_url`] reads it
    ///   (`socks5h://USER:PASSWORD@HOST:PORT`, `http://HOST:PORT`...), used for this
    ///   server whatever `NO_PROXY` says. `ALL_PROXY` is not read here: call
    ///   [`proxy_from_env`](Self::proxy_from_env) on [`Env::builder`] to opt in to it.
    ///
    /// A variable set to the empty string counts as not set, except `IMAP_URL`, which is
    /// then reported as empty. Nothing is connected here; [`Env::login`] connects and logs
    /// in, and selects nothing.
    ///
    /// ```no_run
    /// // IMAP_URL=imaps://me@imap.example.com/INBOX IMAP_PASSWORD_FILE=/run/secrets/imap
    /// let env = blocking_imap::ClientBuilder::from_env()?;
    /// let mut session = env.login()?;
    /// if let Some(mailbox) = &env.mailbox {
    ///     session.select(mailbox)?;
    /// }
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: [`Error::InvalidArgument`] naming the variable for `IMAP_URL` missing, empty,
    /// not UTF-8, not a valid IMAP URL or without a user; no password, or both
    /// `IMAP_PASSWORD` and `IMAP_PASSWORD_FILE`; a password file or `IMAP_CA` that cannot be
    /// read or holds no usable certificate; an `IMAP_PROXY` that is not a proxy URL. No
    /// message repeats a password.
    pub fn from_env() -> Result<Env> {
        Self::from_vars(|name| std::env::var_os(name))
    }

    /// [`from_env`](Self::from_env) with the variables looked up by `var`, so that tests
    /// need not change the process environment.
    pub(crate) fn from_vars(var: impl Fn(&str) -> Option<OsString>) -> Result<Env> {
        let invalid = |msg: String| Error::InvalidArgument(msg);
        let text = |name: &str| -> Result<Option<String>> {
            match var(name) {
                None => Ok(None),
                Some(v) => v
                    .into_string()
                    .map(|s| Some(s).filter(|s| !s.is_empty()))
                    .map_err(|_| invalid(format!("{name} is not valid UTF-8"))),
            }
        };
        let path = |name: &str| var(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        let url = match var(URL_VAR) {
            None => return Err(invalid(format!("{URL_VAR} is not set: {URL_FORM}"))),
            Some(v) if v.is_empty() => {
                return Err(invalid(format!("{URL_VAR} is empty: {URL_FORM}")))
            }
            Some(_) => text(URL_VAR)?.unwrap_or_default(),
        };
        let mut builder = parse_url(&url).map_err(|why| invalid(format!("{URL_VAR}: {why}")))?;
        let user = builder.url.user.clone().ok_or_else(|| {
            invalid(format!(
                "{URL_VAR} has no user: write it as imaps://USER@HOST (an @ in the user as %40)"
            ))
        })?;
        let password = match (text(PASSWORD_VAR)?, path(PASSWORD_FILE_VAR)) {
            (Some(_), Some(_)) => {
                return Err(invalid(format!(
                    "both {PASSWORD_VAR} and {PASSWORD_FILE_VAR} are set: keep one"
                )))
            }
            (Some(p), None) => p,
            (None, Some(file)) => read_password_file(&file)?,
            (None, None) => builder.url.password.clone().ok_or_else(|| {
                invalid(format!(
                    "no password: set {PASSWORD_VAR}, or {PASSWORD_FILE_VAR} to a file holding it"
                ))
            })?,
        };
        if let Some(ca) = path(CA_VAR) {
            let shown = ca.display();
            let pem = std::fs::read(&ca).map_err(|e| invalid(format!("{CA_VAR} {shown}: {e}")))?;
            builder = builder
                .add_root_certificate_pem(&pem)
                .map_err(|e| match e {
                    Error::InvalidArgument(why) => invalid(format!("{CA_VAR} {shown}: {why}")),
                    other => other,
                })?;
        }
        if let Some(url) = text(PROXY_VAR)? {
            let proxy = Proxy::from_url(&url).map_err(|e| match e {
                Error::InvalidArgument(why) => invalid(format!(
                    "{PROXY_VAR}: {}",
                    why.trim_start_matches("proxy URL: ")
                )),
                other => other,
            })?;
            builder = builder.proxy(proxy);
        }
        let mailbox = builder.url.mailbox.clone();
        Ok(Env {
            builder,
            user,
            password,
            mailbox,
        })
    }

    /// Do connect-time hints speak of `imap://` / `imaps://` URLs (a builder made by
    /// [`from_url`](Self::from_url)) rather than [`Security`]?
    pub(crate) fn made_from_url(&self) -> bool {
        self.url.from_url
    }

    /// `host:port` this builder connects to (an IPv6 address in brackets).
    pub fn server(&self) -> String {
        transport::host_port(&self.host, self.port)
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
    /// dropped. An IP address as the host skips the lookup. With a handle given to
    /// [`cancel_with`](Self::cancel_with), each connect attempt runs on such a thread too,
    /// so that a cancel ends the wait at once.
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
}

#[cfg(feature = "testing")]
impl ClientBuilder {
    /// Records every connection this builder opens into `recorder` (the `testing` feature):
    /// the protocol as the session speaks it, above TLS and COMPRESS, with credentials
    /// replaced by placeholders. See [`testing`](crate::testing).
    ///
    /// ```no_run
    /// use blocking_imap::{testing::Recorder, ClientBuilder};
    /// let recorder = Recorder::create("tests/recordings/archive.txt")?;
    /// let client = ClientBuilder::new("imap.example.com", 993)
    ///     .record_to(recorder.clone())
    ///     .connect()?;
    /// let mut session = client.login("me", "password")?;
    /// session.select("INBOX")?;
    /// session.logout()?;
    /// recorder.flush()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// A recording made over STARTTLS is written as if the connection had used implicit
    /// TLS: the plaintext part is left out and the capabilities the server gave after the
    /// handshake go into the greeting, so that it replays over a plain stream.
    pub fn record_to(mut self, recorder: crate::testing::Recorder) -> Self {
        self.recorder = Some(recorder);
        self
    }
}

/// How [`Session::reconnect`](crate::Session::reconnect) tries again: up to `max_attempts` connections, waiting
/// `initial_delay` after the first failure, doubling up to `max_delay`, each wait shortened
/// or lengthened at random by up to a quarter (jitter, so that many clients cut off at once
/// do not come back at once), and giving up once `max_total` has passed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReconnectPolicy {
    /// Connections to try in all (at least 1). Default 6.
    pub max_attempts: u32,
    /// The wait after the first failed attempt. Default 500 ms.
    pub initial_delay: Duration,
    /// The longest wait between attempts. Default 30 s.
    pub max_delay: Duration,
    /// No attempt starts after this long since the first. Default 2 minutes.
    pub max_total: Duration,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        ReconnectPolicy {
            max_attempts: 6,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_total: Duration::from_secs(120),
        }
    }
}

impl ReconnectPolicy {
    /// A policy with these attempts and delays (the total bound stays 2 minutes).
    pub fn new(max_attempts: u32, initial_delay: Duration, max_delay: Duration) -> Self {
        ReconnectPolicy {
            max_attempts: max_attempts.max(1),
            initial_delay,
            max_delay,
            ..ReconnectPolicy::default()
        }
    }

    /// The same policy with another bound on the total time.
    pub fn max_total(mut self, total: Duration) -> Self {
        self.max_total = total;
        self
    }

    /// For a daemon that must come back whenever the server does: attempts and total time
    /// without bound, with the same backoff (500 ms doubling to 30 s, with jitter). A
    /// refused login still ends the attempts at once.
    pub fn forever() -> Self {
        ReconnectPolicy {
            max_attempts: u32::MAX,
            max_total: Duration::MAX,
            ..ReconnectPolicy::default()
        }
    }
}

/// How a session logged in, to do it again.
#[derive(Clone)]
pub(crate) enum Login {
    Password {
        user: String,
        password: String,
    },
    Mechanism(Arc<dyn Fn() -> Box<dyn Authenticator> + Send + Sync>),
    Preauth,
    /// Authenticated with a mechanism the session cannot make again.
    None,
}

/// What a session needs to connect again: how it was made, and how it logged in. Secrets
/// are never shown.
#[derive(Clone)]
pub(crate) struct Reconnect {
    pub(crate) builder: ClientBuilder,
    pub(crate) login: Login,
}

impl fmt::Debug for Reconnect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let login = match &self.login {
            Login::Password { user, .. } => format!("LOGIN {user} <password redacted>"),
            Login::Mechanism(_) => "AUTHENTICATE <mechanism>".into(),
            Login::Preauth => "PREAUTH".into(),
            Login::None => "none".into(),
        };
        f.debug_struct("Reconnect")
            .field("server", &self.builder.server())
            .field("login", &login)
            .finish()
    }
}

fn parse_url(url: &str) -> std::result::Result<ClientBuilder, String> {
    let bad = |why: &str| why.to_string();
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
            Some(p) => parse_port(p)?,
            None if after.is_empty() => port,
            None => return Err(bad("text after the host")),
        };
        (format!("[{}]", &v6[..end]), port)
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), parse_port(p)?),
            None => (hostport.to_string(), port),
        }
    };
    if host.is_empty() || host == "[]" {
        return Err(bad("no host"));
    }
    let mut b = ClientBuilder::new(host, port).security(security);
    b.url.from_url = true;
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
            b.url.user = Some(percent_decode(user).ok_or_else(|| bad("bad %-escape in the user"))?);
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

/// The variable [`ClientBuilder::from_env`] reads the server, user and mailbox from.
const URL_VAR: &str = "IMAP_URL";
/// The variable holding the password.
const PASSWORD_VAR: &str = "IMAP_PASSWORD";
/// The variable naming a file that holds the password.
const PASSWORD_FILE_VAR: &str = "IMAP_PASSWORD_FILE";
/// The variable naming a PEM file of an extra root certificate.
const CA_VAR: &str = "IMAP_CA";
/// The variable holding the URL of a proxy for the IMAP server.
const PROXY_VAR: &str = "IMAP_PROXY";
/// What `IMAP_URL` should look like, for the errors that say it is missing.
const URL_FORM: &str = "set it to imaps://USER@HOST[:PORT][/MAILBOX] (or imap:// for STARTTLS)";

/// The password in `file`, without one trailing newline (`\n` or `\r\n`).
fn read_password_file(file: &Path) -> Result<String> {
    let shown = file.display();
    let bytes = std::fs::read(file)
        .map_err(|e| Error::InvalidArgument(format!("{PASSWORD_FILE_VAR} {shown}: {e}")))?;
    let mut text = String::from_utf8(bytes).map_err(|_| {
        Error::InvalidArgument(format!("{PASSWORD_FILE_VAR} {shown}: not valid UTF-8"))
    })?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    if text.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "{PASSWORD_FILE_VAR} {shown}: the file is empty"
        )));
    }
    Ok(text)
}

/// What [`ClientBuilder::from_env`] read: how to connect, who to log in as, and the mailbox
/// the URL named. `Debug` never shows the password.
#[derive(Clone)]
#[non_exhaustive]
pub struct Env {
    /// The builder of `IMAP_URL`, with `IMAP_CA` trusted; change any setting before
    /// connecting.
    pub builder: ClientBuilder,
    /// The user of `IMAP_URL`, percent-decoded.
    pub user: String,
    /// From `IMAP_PASSWORD`, `IMAP_PASSWORD_FILE` or the URL.
    pub password: String,
    /// The mailbox named by the path of `IMAP_URL`, if any: [`Env::login`] does not select
    /// it.
    pub mailbox: Option<String>,
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Env")
            .field("server", &self.builder.server())
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .field("mailbox", &self.mailbox)
            .finish_non_exhaustive()
    }
}

/// A URL's port: digits, 1 to 65535.
fn parse_port(p: &str) -> std::result::Result<u16, String> {
    if p.is_empty() {
        return Err("no port after the ':'".into());
    }
    if !p.bytes().all(|b| b.is_ascii_digit()) {
        return Err("the port is not a number".into());
    }
    match p.parse::<u32>() {
        Ok(0) => Err("port 0 is not a port a server can listen on (use 1 to 65535)".into()),
        Ok(n) => u16::try_from(n).map_err(|_| port_out_of_range(p)),
        Err(_) => Err(port_out_of_range(p)),
    }
}

fn port_out_of_range(p: &str) -> String {
    let shown = match p.get(..12) {
        Some(head) if p.len() > 12 => format!("{head}..."),
        _ => p.to_string(),
    };
    format!("the port {shown} is out of range (use 1 to 65535)")
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

    fn url_error(url: &str) -> String {
        ClientBuilder::from_url(url).unwrap_err().to_string()
    }

    #[test]
    fn url_ports_out_of_range_and_zero_say_so() {
        assert_eq!(
            url_error("imaps://h:99999"),
            "invalid argument: IMAP URL: the port 99999 is out of range (use 1 to 65535)"
        );
        assert_eq!(
            url_error("imaps://[::1]:70000"),
            "invalid argument: IMAP URL: the port 70000 is out of range (use 1 to 65535)"
        );
        assert_eq!(
            url_error("imaps://h:123456789012345678901234567890"),
            "invalid argument: IMAP URL: the port 123456789012... is out of range (use 1 to 65535)"
        );
        assert_eq!(
            url_error("imap://h:0"),
            "invalid argument: IMAP URL: port 0 is not a port a server can listen on (use 1 to 65535)"
        );
        assert_eq!(
            url_error("imap://h:"),
            "invalid argument: IMAP URL: no port after the ':'"
        );
        assert_eq!(
            url_error("imap://h:-1"),
            "invalid argument: IMAP URL: the port is not a number"
        );
        assert_eq!(
            ClientBuilder::from_url("imap://h:65535").unwrap().server(),
            "h:65535"
        );
        assert!(ClientBuilder::from_url("imap://h").unwrap().made_from_url());
        assert!(!ClientBuilder::new("h", 993).made_from_url());
    }

    /// `from_vars` over a map, as `from_env` over the process environment.
    fn env_of(vars: &[(&str, &str)]) -> Result<Env> {
        let map: std::collections::HashMap<String, OsString> = vars
            .iter()
            .map(|(k, v)| ((*k).to_string(), OsString::from(*v)))
            .collect();
        ClientBuilder::from_vars(|name| map.get(name).cloned())
    }

    fn env_error(vars: &[(&str, &str)]) -> String {
        let e = env_of(vars).unwrap_err();
        assert!(matches!(e, Error::InvalidArgument(_)), "{e}");
        let shown = e.to_string();
        assert!(!shown.contains("s3cret"), "{shown}");
        shown
    }

    /// A file of its own under the temporary directory, removed when dropped.
    struct TempFile(PathBuf);

    impl TempFile {
        fn new(name: &str, contents: &[u8]) -> TempFile {
            let path = std::env::temp_dir().join(format!(
                "blocking-imap-from-env-{}-{name}",
                std::process::id()
            ));
            std::fs::write(&path, contents).unwrap();
            TempFile(path)
        }

        fn path(&self) -> &str {
            self.0.to_str().unwrap()
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    #[test]
    fn from_env_reads_url_password_and_mailbox() {
        let env = env_of(&[
            (
                "IMAP_URL",
                "imaps://me%40example.com@imap.example.com:10993/Sent%20Items",
            ),
            ("IMAP_PASSWORD", "s3cret"),
        ])
        .unwrap();
        assert_eq!(env.builder.server(), "imap.example.com:10993");
        assert_eq!(env.builder.security, Security::Tls);
        assert_eq!(env.user, "me@example.com");
        assert_eq!(env.password, "s3cret");
        assert_eq!(env.mailbox.as_deref(), Some("Sent Items"));
        let shown = format!("{env:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(
            shown.contains("<redacted>") && shown.contains("me@example.com"),
            "{shown}"
        );

        // imap:// is STARTTLS; without a path there is no mailbox; the URL's own password
        // serves when no variable gives one; empty variables count as unset.
        let env = env_of(&[
            ("IMAP_URL", "imap://me:s3cret@h"),
            ("IMAP_PASSWORD", ""),
            ("IMAP_PASSWORD_FILE", ""),
            ("IMAP_CA", ""),
        ])
        .unwrap();
        assert_eq!(
            (env.builder.server(), env.builder.security),
            ("h:143".to_string(), Security::StartTls)
        );
        assert_eq!((env.password.as_str(), env.mailbox), ("s3cret", None));
        // A variable wins over the URL's password.
        let env = env_of(&[("IMAP_URL", "imap://me:old@h"), ("IMAP_PASSWORD", "s3cret")]);
        assert_eq!(env.unwrap().password, "s3cret");
    }

    #[test]
    fn from_env_reads_the_password_file_without_its_newline() {
        for (name, contents) in [
            ("nl", "s3cret\n"),
            ("crlf", "s3cret\r\n"),
            ("bare", "s3cret"),
        ] {
            let file = TempFile::new(name, contents.as_bytes());
            let env = env_of(&[
                ("IMAP_URL", "imaps://me@h"),
                ("IMAP_PASSWORD_FILE", file.path()),
            ])
            .unwrap();
            assert_eq!(env.password, "s3cret", "{name}");
        }
        // Only one newline goes: a password may end in spaces.
        let file = TempFile::new("two", b"s3cret \n\n");
        let env = env_of(&[
            ("IMAP_URL", "imaps://me@h"),
            ("IMAP_PASSWORD_FILE", file.path()),
        ]);
        assert_eq!(env.unwrap().password, "s3cret \n");
    }

    #[test]
    fn from_env_reads_imap_proxy_and_nothing_else() {
        let env = env_of(&[
            ("IMAP_URL", "imaps://me@imap.example"),
            ("IMAP_PASSWORD", "pw"),
            ("IMAP_PROXY", "socks5h://pu:pp@127.0.0.1:1080"),
            ("NO_PROXY", "*"),
        ])
        .unwrap();
        let p = env.builder.configured_proxy().unwrap();
        assert_eq!(p.to_string(), "socks5h://pu@127.0.0.1:1080");
        let shown = format!("{:?}", env.builder);
        assert!(shown.contains("socks5h://pu@127.0.0.1:1080"), "{shown}");
        assert!(!shown.contains("pp"), "{shown}");
        // ALL_PROXY only through proxy_from_env.
        let env = env_of(&[
            ("IMAP_URL", "imaps://me@imap.example"),
            ("IMAP_PASSWORD", "pw"),
            ("ALL_PROXY", "socks5h://127.0.0.1:1080"),
            ("IMAP_PROXY", ""),
        ])
        .unwrap();
        assert!(env.builder.configured_proxy().is_none());
        assert_eq!(
            env_error(&[
                ("IMAP_URL", "imaps://me@h"),
                ("IMAP_PASSWORD", "pw"),
                ("IMAP_PROXY", "https://u:s3cret@p"),
            ])
            .split(':')
            .take(2)
            .collect::<Vec<_>>(),
            ["invalid argument", " IMAP_PROXY"]
        );
    }

    #[test]
    fn proxy_from_env_replaces_the_setting() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| OsString::from(*v))
            }
        };
        let b = ClientBuilder::new("imap.corp", 993)
            .proxy(Proxy::http_connect("p", 3128))
            .proxy_from_vars(vars(&[("ALL_PROXY", "socks5h://q:1080")]))
            .unwrap();
        assert_eq!(
            b.configured_proxy().unwrap().to_string(),
            "socks5h://q:1080"
        );
        let b = b
            .proxy_from_vars(vars(&[
                ("ALL_PROXY", "socks5h://q:1080"),
                ("no_proxy", ".corp"),
            ]))
            .unwrap();
        assert!(b.configured_proxy().is_none());
        let b = ClientBuilder::new("h", 993)
            .proxy(Proxy::socks5("p", 1))
            .no_proxy();
        assert!(b.configured_proxy().is_none());
    }

    #[test]
    fn from_env_errors_name_the_variable() {
        assert_eq!(
            env_error(&[("IMAP_PASSWORD", "s3cret")]),
            "invalid argument: IMAP_URL is not set: set it to \
             imaps://USER@HOST[:PORT][/MAILBOX] (or imap:// for STARTTLS)"
        );
        assert_eq!(
            env_error(&[("IMAP_URL", ""), ("IMAP_PASSWORD", "s3cret")]),
            "invalid argument: IMAP_URL is empty: set it to \
             imaps://USER@HOST[:PORT][/MAILBOX] (or imap:// for STARTTLS)"
        );
        assert_eq!(
            env_error(&[("IMAP_URL", "https://h"), ("IMAP_PASSWORD", "s3cret")]),
            "invalid argument: IMAP_URL: must start with imap:// or imaps://"
        );
        assert_eq!(
            env_error(&[("IMAP_URL", "imaps://me:s3cret@h:99999")]),
            "invalid argument: IMAP_URL: the port 99999 is out of range (use 1 to 65535)"
        );
        assert_eq!(
            env_error(&[("IMAP_URL", "imaps://me@h:0")]),
            "invalid argument: IMAP_URL: port 0 is not a port a server can listen on (use 1 to 65535)"
        );
        assert_eq!(
            env_error(&[("IMAP_URL", "imaps://h"), ("IMAP_PASSWORD", "s3cret")]),
            "invalid argument: IMAP_URL has no user: write it as imaps://USER@HOST \
             (an @ in the user as %40)"
        );
        assert_eq!(
            env_error(&[("IMAP_URL", "imaps://me@h")]),
            "invalid argument: no password: set IMAP_PASSWORD, or IMAP_PASSWORD_FILE to a \
             file holding it"
        );
        assert_eq!(
            env_error(&[
                ("IMAP_URL", "imaps://me@h"),
                ("IMAP_PASSWORD", "s3cret"),
                ("IMAP_PASSWORD_FILE", "/run/secrets/imap"),
            ]),
            "invalid argument: both IMAP_PASSWORD and IMAP_PASSWORD_FILE are set: keep one"
        );
        let missing = std::env::temp_dir().join("blocking-imap-from-env-no-such-file");
        let missing = missing.to_str().unwrap();
        let shown = env_error(&[
            ("IMAP_URL", "imaps://me@h"),
            ("IMAP_PASSWORD_FILE", missing),
        ]);
        assert!(
            shown.starts_with(&format!("invalid argument: IMAP_PASSWORD_FILE {missing}: ")),
            "{shown}"
        );
        let empty = TempFile::new("empty", b"\n");
        let shown = env_error(&[
            ("IMAP_URL", "imaps://me@h"),
            ("IMAP_PASSWORD_FILE", empty.path()),
        ]);
        assert_eq!(
            shown,
            format!(
                "invalid argument: IMAP_PASSWORD_FILE {}: the file is empty",
                empty.path()
            )
        );
        let shown = env_error(&[
            ("IMAP_URL", "imaps://me@h"),
            ("IMAP_PASSWORD", "s3cret"),
            ("IMAP_CA", missing),
        ]);
        assert!(
            shown.starts_with(&format!("invalid argument: IMAP_CA {missing}: ")),
            "{shown}"
        );
        let not_pem = TempFile::new("not-pem", b"hello");
        let shown = env_error(&[
            ("IMAP_URL", "imaps://me@h"),
            ("IMAP_PASSWORD", "s3cret"),
            ("IMAP_CA", not_pem.path()),
        ]);
        assert!(
            shown.starts_with(&format!(
                "invalid argument: IMAP_CA {}: add_root_certificate_pem: ",
                not_pem.path()
            )),
            "{shown}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn from_env_refuses_a_url_that_is_not_utf8() {
        use std::os::unix::ffi::OsStringExt;
        let e = ClientBuilder::from_vars(|name| {
            (name == "IMAP_URL").then(|| OsString::from_vec(b"imaps://\xff@h".to_vec()))
        })
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid argument: IMAP_URL is not valid UTF-8"
        );
    }
}
