//! Connecting, STARTTLS and authentication: everything before a [`Session`].

use std::fmt;

use log::{debug, warn};

use crate::auth::Authenticator;
use crate::builder::{ClientBuilder, Env, Login, Reconnect, Security};
use crate::conn::{Conn, Incoming};
use crate::error::{url_hints, with_server, Error, Result, SaslError, ServerText};
use crate::session::Session;
use crate::state::Unsolicited;
use crate::transport::{self, CancelHandle, ReadWrite, Stream, TlsOptions, Watch};
use crate::types::{Capabilities, StatusKind};
use crate::wire::encode::{base64_decode, base64_encode, Command};
use crate::wire::parse::Response;

impl ClientBuilder {
    /// Connects over TCP, sets up TLS as configured, and reads the server's greeting.
    ///
    /// With a [`proxy`](Self::proxy), the TCP connection goes to the proxy, which opens a
    /// tunnel to the server; TLS then runs through it, checked against this builder's host.
    ///
    /// Errors: [`Error::Connect`] / [`Error::Timeout`] connecting, [`Error::Proxy`] when the
    /// proxy refuses or breaks its protocol, [`Error::Tls`] for a failed
    /// handshake or certificate check, [`Error::StartTls`] when STARTTLS cannot be done,
    /// [`Error::Bye`] when the server greets with BYE, [`Error::Cancelled`] when the handle
    /// given to [`cancel_with`](Self::cancel_with) is (or gets) cancelled,
    /// [`Error::InvalidArgument`] for port 0, before anything is sent.
    pub fn connect(&self) -> Result<Client> {
        if self.port == 0 {
            return Err(Error::InvalidArgument(format!(
                "port 0 of {}: give the server's port (993 for implicit TLS, 143 for STARTTLS)",
                self.host
            )));
        }
        let handle = self.cancel.clone().unwrap_or_default();
        let mut watch = handle.watch()?;
        let tcp = match &self.proxy {
            None => transport::connect_tcp(
                &self.host,
                self.port,
                self.connect_timeout,
                self.opts.read_timeout,
                self.opts.write_timeout,
                // Only a builder's handle can be cancelled before the connection exists.
                self.cancel.is_some().then_some(&watch),
            ),
            // The tunnel through the proxy, its handshake within the connect timeout and
            // under the cancel handle; TLS below runs through it with the server's name.
            Some(proxy) => transport::connect_through_proxy(
                proxy,
                &self.host,
                self.port,
                self.connect_timeout,
                self.opts.read_timeout,
                self.opts.write_timeout,
                &mut watch,
                self.cancel.is_some(),
            ),
        }
        .map_err(|e| with_server(e, &self.server()))?;
        debug!("connected to {}:{}", self.host, self.port);
        // From here a cancel shuts the socket down: the TLS handshake and the greeting wait
        // end at once.
        watch.register(&tcp);
        let mut client = self.start(Stream::Plain(tcp), watch)?;
        client.builder = Some(self.clone());
        Ok(client)
    }

    /// Runs the protocol over a stream the caller opened (a proxy, a pipe, a test double).
    /// With [`Security::Tls`] or [`Security::StartTls`], TLS runs over that stream. Timeouts
    /// are the stream's own business, and so is waking a blocked read: a
    /// [`CancelHandle::cancel`](crate::CancelHandle::cancel) cannot shut such a stream down,
    /// so it takes effect when the stream's read or write returns (its own timeout) or at
    /// the next command.
    pub fn connect_stream(&self, stream: impl ReadWrite + 'static) -> Result<Client> {
        let watch = self.cancel.clone().unwrap_or_default().watch()?;
        self.start(Stream::Custom(Box::new(stream)), watch)
    }

    fn start(&self, stream: Stream, watch: Watch) -> Result<Client> {
        let stream = match self.security {
            Security::Tls => transport::tls_wrap(stream, &self.host, &self.tls).map_err(|e| {
                if watch.cancelled() {
                    Error::Cancelled
                } else {
                    self.in_users_terms(with_server(e, &self.server()))
                }
            })?,
            _ => stream,
        };
        let mut conn = Conn::new(stream, self.opts.clone());
        conn.cancel = watch;
        #[cfg(feature = "testing")]
        {
            conn.tap = self.recorder.as_ref().map(crate::testing::Recorder::tap);
        }
        conn.server = Some(self.server());
        let (kind, greeting) = conn.greeting().map_err(|e| self.in_users_terms(e))?;
        debug!("greeting: {kind:?} {greeting}");
        let mut client = Client {
            conn,
            host: self.host.clone(),
            tls: self.tls.clone(),
            preauth: kind == StatusKind::PreAuth,
            greeting,
            builder: None,
            id: self.id.clone(),
            rev2_before_login: false,
        };
        if self.security == Security::StartTls {
            client.starttls_required()?;
        }
        // ID at the earliest point the server allows: now, if it offers ID before login.
        client.send_pending_id(false);
        Ok(client)
    }

    /// `e` with its hints about [`Security`] reworded as `imap://` / `imaps://` URLs when
    /// this builder was made from one.
    fn in_users_terms(&self, e: Error) -> Error {
        if self.made_from_url() {
            url_hints(e)
        } else {
            e
        }
    }
}

impl Env {
    /// Connects with [`builder`](Env::builder) and logs in with LOGIN (RFC 9051 section
    /// 6.2.3) as [`user`](Env::user) with [`password`](Env::password); selects nothing
    /// (the URL's mailbox is in [`mailbox`](Env::mailbox)). For scripts: a failed login
    /// drops the connection (use [`ClientBuilder::connect`] and [`Client::login`] to keep
    /// it).
    ///
    /// Errors: those of [`ClientBuilder::connect`], then [`Error::No`] for rejected
    /// credentials and those of [`Client::login`].
    pub fn login(&self) -> Result<Session> {
        Ok(self.builder.connect()?.login(&self.user, &self.password)?)
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
    /// Did the capabilities known before the login list IMAP4rev2? (Then a login that
    /// leaves them unknown is worth one CAPABILITY, to ENABLE it.)
    rev2_before_login: bool,
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

/// A failed [`Session::unauthenticate`]: the error, and the session, still logged in unless
/// `error` says the connection broke.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct UnauthenticateError {
    /// What went wrong: [`Error::MissingCapability`] (`"UNAUTHENTICATE"`), [`Error::No`] /
    /// [`Error::Bad`] from the server, or a connection error.
    pub error: Error,
    /// The session, still authenticated.
    pub session: Box<Session>,
}

impl From<UnauthenticateError> for Error {
    fn from(e: UnauthenticateError) -> Error {
        e.error
    }
}

impl Client {
    /// The client on a connection whose session ended with UNAUTHENTICATE (RFC 8437):
    /// TLS and compression stay; `text` (the server's OK) stands in for the greeting.
    pub(crate) fn after_unauthenticate(
        conn: Conn,
        builder: Option<ClientBuilder>,
        text: ServerText,
    ) -> Client {
        let (host, tls) = match &builder {
            Some(b) => (b.host.clone(), b.tls.clone()),
            None => (String::new(), TlsOptions::default()),
        };
        Client {
            conn,
            host,
            tls,
            preauth: false,
            greeting: text,
            builder,
            id: None,
            rev2_before_login: false,
        }
    }

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

    /// The handle that cancels this connection's blocking calls (STARTTLS, login, ...) from
    /// another thread; the [`Session`] it turns into keeps it. See [`CancelHandle`]; the
    /// handle given to [`ClientBuilder::cancel_with`], if any.
    pub fn cancel_handle(&self) -> CancelHandle {
        self.conn.cancel.handle().clone()
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
            extra: None,
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
            Err(_) if self.conn.cancel.cancelled() => return Err(self.conn.fail(Error::Cancelled)),
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
        self.enable_rev2();
        let reconnect = self
            .builder
            .take()
            .map(|builder| Reconnect { builder, login });
        Session::with_reconnect(self.conn, reconnect)
    }

    /// `ENABLE IMAP4rev2` (RFC 9051 section 6.3.1) once logged in, when the server's known
    /// capabilities list both IMAP4rev1 and IMAP4rev2 and the caller did not turn it off. A refusal is logged, never
    /// an error: the session goes on in IMAP4rev1.
    fn enable_rev2(&mut self) {
        if !self.conn.opts.imap4rev2 {
            return;
        }
        // Capabilities already known (sent with the login's OK, as most servers do): no
        // CAPABILITY round trip for this, unless the login left them unknown on a server
        // that offered IMAP4rev2 before it.
        if self.conn.caps.is_none() && self.rev2_before_login {
            if let Err(e) = self.conn.fetch_capabilities() {
                warn!("CAPABILITY after login failed ({e}): IMAP4rev1 it is");
                return;
            }
        }
        let Some((listed, rev1)) = self
            .conn
            .caps
            .as_ref()
            .map(|c| (c.listed("IMAP4rev2"), c.listed("IMAP4rev1")))
        else {
            return;
        };
        if !listed || !rev1 {
            // Not offered, or a server that speaks only IMAP4rev2: nothing to enable.
            return;
        }
        let mut cmd = Command::new("ENABLE");
        cmd.raw("IMAP4rev2");
        let mut on: Vec<String> = Vec::new();
        let run = self.conn.run(
            cmd,
            &|r| matches!(r, crate::wire::parse::Response::Enabled(_)),
            &mut |r| {
                if let crate::wire::parse::Response::Enabled(names) = r {
                    on.extend(names);
                }
            },
        );
        match run {
            Ok(_) if on.iter().any(|n| n.eq_ignore_ascii_case("IMAP4rev2")) => {
                debug!("IMAP4rev2 enabled");
                self.conn.enabled.push("IMAP4rev2".into());
            }
            Ok(_) => debug!("ENABLE IMAP4rev2 answered without enabling it: IMAP4rev1 it is"),
            Err(e) => warn!("ENABLE IMAP4rev2 refused ({e}): IMAP4rev1 it is"),
        }
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
        if let Err(e) = self.conn.send_id(&pairs) {
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
        let seen = self.conn.caps_seen;
        let text = self.conn.simple(cmd)?;
        // Capabilities an untagged CAPABILITY gave during the LOGIN are the new ones.
        let fresh = self.conn.caps_seen != seen;
        self.after_auth_with(&text, fresh);
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
        // XOAUTH2 and OAUTHBEARER send their error as a JSON challenge before the NO.
        let oauth = ["XOAUTH2", "OAUTHBEARER"]
            .iter()
            .any(|m| mechanism.eq_ignore_ascii_case(m));
        let mut sasl: Option<SaslError> = None;
        let mut fresh_caps = false;
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
                            if oauth {
                                // The OAuth mechanisms' error challenge, kept for the NO.
                                sasl = SaslError::parse(&decoded);
                            }
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
                    let text = result.map_err(|e| match (e, sasl.take()) {
                        (Error::No(mut t), Some(found)) => {
                            t.set_sasl(found);
                            Error::No(t)
                        }
                        (e, _) => e,
                    })?;
                    // The mechanism may have to check the server too (SCRAM's signature):
                    // if not, the server thinks we are in, we do not trust it: unusable.
                    auth.finish().map_err(|e| self.conn.fail(e))?;
                    if let Some(code) = &text.code {
                        self.conn.state.apply_code(code);
                    }
                    self.after_auth_with(&text, fresh_caps);
                    return Ok(());
                }
                Incoming::Data(resp, raw) => {
                    // Capabilities sent after the command went out are those of the new state.
                    fresh_caps |= matches!(resp, Response::Capability(_));
                    self.conn.route(resp, raw);
                }
                Incoming::Stray(item) => self.conn.queue.push(item),
                // Streaming is only ever on for a streaming FETCH.
                Incoming::EarlyDone(..) | Incoming::Literal(_) => {}
            }
        }
    }

    /// After a login: the capabilities of its completion's `[CAPABILITY ...]` code, else
    /// those an untagged CAPABILITY sent during the login gave (`fresh`; Gmail sends them
    /// so), else none (asked for again when needed: they may change with the login).
    fn after_auth_with(&mut self, text: &ServerText, fresh: bool) {
        self.rev2_before_login = self
            .conn
            .caps
            .as_ref()
            .is_some_and(|c| c.listed("IMAP4rev2"));
        match &text.code {
            Some(crate::types::ResponseCode::Capability(c)) => self.conn.caps = Some(c.clone()),
            _ if fresh => {}
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
