//! A synchronous, blocking IMAP client: one [`Session`] on one thread, no channels, no
//! background readers, and so no way for an undrained queue to hang it.
//!
//! # Quick start
//!
//! ```no_run
//! use blocking_imap::ClientBuilder;
//!
//! let client = ClientBuilder::new("imap.example.com", 993).connect()?;
//! let mut session = client.login("me@example.com", "password")?;
//! session.noop()?;
//! for item in session.unsolicited() {
//!     println!("server said: {item:?}");
//! }
//! session.logout()?;
//! # Ok::<(), blocking_imap::Error>(())
//! ```
//!
//! # How a command runs
//!
//! Each command writes its request and reads until its own tagged completion. Untagged
//! responses it asked for become its result; everything else (EXISTS, EXPUNGE, flag changes,
//! ALERTs, BYE) updates [`Session::mailbox`] and waits in [`Session::unsolicited`] until the
//! caller reads it, whenever that is. The queue never blocks anything (it keeps the newest
//! 100,000 items by default and reports drops with [`Unsolicited::Dropped`]).
//!
//! # TLS and STARTTLS
//!
//! [`ClientBuilder`] uses implicit TLS by default and checks the certificate and
//! host name; [`ClientBuilder::add_root_certificate_pem`] trusts a private CA, and the
//! `danger_*` switches turn the checks off. [`Security::StartTls`] is never opportunistic: a
//! server without STARTTLS, a refused STARTTLS or a PREAUTH greeting is an error before any
//! credential is sent, and everything received before the TLS handshake is discarded.
//!
//! ```no_run
//! use blocking_imap::{ClientBuilder, Security};
//! let pem = std::fs::read("ca.pem").unwrap_or_default();
//! let client = ClientBuilder::new("mail.internal", 143)
//!     .security(Security::StartTls)
//!     .add_root_certificate_pem(&pem)?
//!     .connect()?;
//! # Ok::<(), blocking_imap::Error>(())
//! ```
//!
//! ## Through a proxy
//!
//! [`ClientBuilder::proxy`] connects through a SOCKS5 proxy (RFC 1928, with a user name and
//! password per RFC 1929) or an HTTP proxy's CONNECT (RFC 9110, with Basic credentials),
//! given as a [`Proxy`] or a URL (`socks5h://USER:PASSWORD@HOST:PORT`, `socks5://...`,
//! `http://...`). The proxy only opens a TCP tunnel: TLS (implicit or STARTTLS) runs through
//! it end to end, and the certificate is checked against the IMAP server's host name, never
//! the proxy's. With `socks5h://` (and [`Proxy::socks5`]) and HTTP, the proxy resolves the
//! server's name; with `socks5://`, it is resolved here. The connect timeout covers
//! reaching the proxy and its handshake, a [`CancelHandle`] ends the handshake at once, and
//! [`Session::reconnect`] goes through the proxy again. A refusal is [`Error::Proxy`], with
//! the proxy's own words (the HTTP status line, the SOCKS5 reply code) and what they mean.
//!
//! ```no_run
//! use blocking_imap::{ClientBuilder, Proxy};
//! let client = ClientBuilder::new("imap.example.com", 993)
//!     .proxy("socks5h://me:proxy-secret@127.0.0.1:1080".parse::<Proxy>()?)
//!     .connect()?;
//! # Ok::<(), blocking_imap::Error>(())
//! ```
//!
//! The environment is read only when asked: [`ClientBuilder::proxy_from_env`] takes
//! `all_proxy` / `ALL_PROXY` and honours `no_proxy` / `NO_PROXY` (names and their
//! sub-domains, addresses, networks, `:PORT`, `*`), as curl does for protocols without a
//! variable of their own; `HTTPS_PROXY` and `HTTP_PROXY` are not read (they are for web
//! URLs, and web proxies often allow CONNECT to port 443 only). [`ClientBuilder::from_env`]
//! reads `IMAP_PROXY` (below).
//!
//! ## TLS backends (cargo features)
//!
//! - `native-tls` (default): the platform's TLS library (OpenSSL on Linux, Secure Transport
//!   on macOS, SChannel on Windows) and its trust store.
//! - `rustls`: rustls with the *ring* crypto provider (pure Rust plus ring's own C and
//!   assembly; no OpenSSL, no cmake), trusting the platform's root certificates (read once
//!   per process) plus those added with [`ClientBuilder::add_root_certificate_pem`]. Use it
//!   with `default-features = false, features = ["rustls"]`.
//!
//! Exactly one backend is used. With both features enabled (say, one dependency asks for
//! `rustls` while another keeps the default), rustls is used and native-tls is not. With
//! neither, the crate does not compile. The API is the same either way: no type of either
//! library appears in it, and TLS failures are [`Error::Tls`] on both. Both offer TLS 1.2
//! and newer only (TLS 1.0 and 1.1 are never used). One difference: with rustls, a PEM
//! holding several certificates adds them all as roots.
//!
//! ## Other cargo features
//!
//! - `charsets` (default): every charset mail uses, through encoding_rs, for decoded
//!   subjects, names, file names and text parts. Without it, UTF-8, US-ASCII and ISO-8859-1
//!   are decoded and anything else is read as UTF-8 with U+FFFD where that fails. With
//!   `default-features = false`, name a TLS backend and add `charsets` back if you want it.
//! - `chrono`: `From<DateTime> for chrono::DateTime<FixedOffset>` and back.
//! - `jiff`: `From<DateTime>` for `jiff::Timestamp` and `jiff::ZonedDateTime`, and back
//!   (jiff 1 needs Rust 1.85).
//!
//! # Connecting from the environment
//!
//! Scripts and services can take the server, the login and the mailbox from the environment,
//! the way database tools read `DATABASE_URL`: [`ClientBuilder::from_env`] returns an [`Env`]
//! (builder, user, password, mailbox), and [`Env::login`] connects and logs in, selecting
//! nothing.
//!
//! | Variable | Meaning |
//! |---|---|
//! | `IMAP_URL` | required: `imaps://USER@HOST[:PORT][/MAILBOX]` (implicit TLS, port 993), or `imap://...` (STARTTLS required, port 143); an `@` in the user as `%40` |
//! | `IMAP_PASSWORD` | the password |
//! | `IMAP_PASSWORD_FILE` | instead: a file holding the password (one trailing newline stripped), for container secrets |
//! | `IMAP_CA` | optional: a PEM file trusted as a root besides the system's ([`ClientBuilder::add_root_certificate_pem`]) |
//! | `IMAP_PROXY` | optional: a proxy URL, `socks5h://USER:PASSWORD@HOST:PORT`, `socks5://...` or `http://...` ([`Proxy::from_url`]), used whatever `NO_PROXY` says; `ALL_PROXY` is not read unless [`ClientBuilder::proxy_from_env`] is called on [`Env::builder`] |
//!
//! Without `IMAP_PASSWORD` and `IMAP_PASSWORD_FILE`, a password in the URL (`USER:PASS@`) is
//! used; both variables set is an error. Each error names the variable to fix
//! ([`Error::InvalidArgument`]), and a builder made from a URL words its connect-time hints as
//! URLs (`use an imaps:// URL (implicit TLS)`). The examples fall back to these variables when
//! given no `--url`, `--host`, `--port`, `--tls`, `--user` or `--password-env`.
//!
//! ```no_run
//! // IMAP_URL=imaps://me%40example.com@imap.example.com/INBOX IMAP_PASSWORD=... ./tool
//! let env = blocking_imap::ClientBuilder::from_env()?;
//! let mut session = env.login()?;
//! let mailbox = session.select(env.mailbox.as_deref().unwrap_or("INBOX"))?;
//! println!("{} messages", mailbox.exists());
//! # Ok::<(), blocking_imap::Error>(())
//! ```
//!
//! # Authentication
//!
//! [`Client::login`] sends LOGIN; [`Client::authenticate`] runs a SASL mechanism: [`Plain`],
//! [`XOAuth2`] and [`OAuthBearer`] are built in, and any [`Authenticator`] works. A failed
//! attempt returns a [`LoginError`] holding the [`Client`] for another try.
//!
//! With a password, [`Client::login_best`] takes the strongest mechanism the server offers:
//! SCRAM-SHA-256-PLUS, SCRAM-SHA-1-PLUS (when the TLS connection gives channel binding data),
//! SCRAM-SHA-256, SCRAM-SHA-1, PLAIN, then LOGIN ([`Client::password_mechanism`] tells which).
//! SCRAM (RFC 7677 / RFC 5802: `ScramSha256` and `ScramSha1`, the `scram` feature, on by
//! default) never sends the password, and the server must prove that it knows it: a wrong or
//! missing server signature, a replayed nonce or an iteration count below 4096 (or above
//! 10,000,000) is an [`Error::Protocol`] and no session. The `-PLUS` variants bind the
//! exchange to the TLS connection ([`ChannelBinding`]: `tls-server-end-point` with
//! native-tls, `tls-exporter` with rustls over TLS 1.3).
//!
//! ```no_run
//! # let client = blocking_imap::ClientBuilder::new("imap.gmail.com", 993).connect()?;
//! let token = std::env::var("OAUTH_TOKEN").unwrap_or_default();
//! let session = match client.authenticate(&mut blocking_imap::XOAuth2::new("me@gmail.com", token)) {
//!     Ok(session) => session,
//!     Err(failed) => {
//!         eprintln!("{}", failed.error);
//!         failed.client.login("me@gmail.com", "app-password")?
//!     }
//! };
//! # Ok::<(), blocking_imap::Error>(())
//! ```
//!
//! # Providers, OAuth 2.0 tokens and Gmail
//!
//! The [`providers`] page has a table of what Gmail, Outlook / Microsoft 365, iCloud, Yahoo,
//! 163 / QQ / Coremail need ([`ClientBuilder::send_id`] for ID before login, which 163 and
//! QQ require), the quirks handled for each, checked against the recorded replies in
//! `tests/corpus`, and the Google and Microsoft flows a script uses to get a token. Tokens
//! expire within the hour: [`XOAuth2::with_provider`] asks your provider for a fresh one at
//! every login, [`Session::reconnect`] included, and a refused token says so
//! ([`Error::is_token_expired`], [`Error::sasl_error`]). Gmail's `X-GM-EXT-1` is typed:
//! [`GmailLabel`], [`FetchItems::x_gm_labels`], [`Search::x_gm_raw`],
//! [`Session::store_labels`].
//!
//! # Fetching and streaming
//!
//! [`Session::fetch`] and [`Session::uid_fetch`] return a [`FetchStream`]: an iterator that
//! yields each message as its response arrives, so memory holds one message however big the
//! mailbox. Dropping it early reads the rest of the command; [`FetchStream::into_vec`] collects
//! everything. Sets too long for one command line are split and pipelined transparently.
//!
//! ```no_run
//! # let mut session: blocking_imap::Session = todo!();
//! use blocking_imap::{FetchItems, Section};
//! session.select("INBOX")?;
//! for msg in session.uid_fetch(1.., &FetchItems::new().uid().body_peek(Section::Full))? {
//!     let msg = msg?;
//!     std::fs::write(format!("{}.eml", msg.uid().map_or(0, |u| u.0)), msg.body().unwrap_or_default())?;
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A message that should not sit in memory at all (scanned documents, video: hundreds of
//! MiB) streams both ways in one 64 KiB buffer: [`Session::uid_fetch_to`] writes its
//! `BODY[...]` / `BINARY[...]` values to any [`std::io::Write`] as the bytes arrive (partial
//! ranges too), [`Session::uid_fetch_streaming`] does it for many messages in one command
//! through a callback ([`Streamed`]), [`Session::uid_fetch_part_to`] decodes a base64 or
//! quoted-printable part on the way, and [`Session::append_from`] sends a message from any
//! [`std::io::Read`] of known length ([`AppendSource`], with progress). The response size limit
//! does not apply to a streamed value; it still guards everything held in memory.
//!
//! ```no_run
//! # let mut session: blocking_imap::Session = todo!();
//! use blocking_imap::{AppendSource, FetchItems, Section, Uid};
//! let items = FetchItems::new().uid().body_peek(Section::Full);
//! let mut file = std::fs::File::create("video.eml")?;
//! session.uid_fetch_to(Uid(4711), &items, &mut file)?;
//! let mut file = std::fs::File::open("video.eml")?;
//! let len = file.metadata()?.len();
//! session.append_from("Archive", AppendSource::new(&mut file, len))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Working with messages
//!
//! Above the protocol, the crate decodes what mail encodes, on demand (never while a FETCH
//! is parsed, so streaming stays as fast without it):
//!
//! - **Dates**: [`Fetch::internal_date`] and [`Envelope::date`] (the Date header, read
//!   best-effort with the obsolete forms real mail has) are [`DateTime`]s, convertible to and
//!   from [`SystemTime`](std::time::SystemTime) (and chrono / jiff types with those cargo
//!   features); [`SearchDate`] comes from text (`"2024-03-01"`, `"1-Mar-2024"`), a
//!   `DateTime`, or [`SearchDate::days_ago`]; APPEND takes a `DateTime`.
//! - **Text**: [`Envelope::subject`] and [`Address::name`] decode RFC 2047 encoded words in
//!   the charsets mail uses (UTF-8, ISO-8859-x, Windows-125x, KOI8-R, GBK, Big5, Shift_JIS,
//!   ISO-2022-JP, EUC-KR...; the `charsets` feature, on by default). An unknown charset is
//!   read as UTF-8 with U+FFFD where that fails: visibly lossy, never an error. The bytes as
//!   sent stay available (`subject_raw`, `name_raw`).
//! - **File names**: [`BodyStructure::filename`] decodes RFC 2231 (`filename*=UTF-8''...`,
//!   with continuations) and RFC 2047 names, from the disposition or the content type, as
//!   mail clients do. A name is the sender's choice: make it safe before using it as a path
//!   (`examples/save_attachments.rs` shows how).
//! - **Parts**: [`BodyStructure::leaves`], [`BodyStructure::attachments`] (what a mail client
//!   lists as attachments), [`BodyStructure::text_body`] and [`BodyStructure::html_body`]
//!   yield [`Part`]s with their section numbers; [`Session::uid_fetch_parts`] fetches the
//!   decoded bytes of many parts of many messages in one pipelined batch (BINARY when the
//!   server has it, else base64 / quoted-printable decoded here), and [`PartBody::text`]
//!   converts a text part to UTF-8.
//!
//! ```no_run
//! # let mut session: blocking_imap::Session = todo!();
//! use blocking_imap::{FetchItems, PartRequest, Search, SearchDate};
//! session.select("INBOX")?;
//! let recent = session.uid_search(&Search::all().since(SearchDate::days_ago(7)))?;
//! let items = FetchItems::new().uid().envelope().body_structure();
//! let mut wanted = Vec::new();
//! for msg in session.uid_fetch(recent, &items)? {
//!     let msg = msg?;
//!     let (Some(uid), Some(env), Some(body)) = (msg.uid(), msg.envelope(), msg.body_structure())
//!     else {
//!         continue;
//!     };
//!     println!("{:?} {}", env.date(), env.subject().unwrap_or_default());
//!     for part in body.attachments() {
//!         println!("  {} {}", part.section_string(), part.filename().unwrap_or_default());
//!         wanted.push(PartRequest::from_part(uid, &part));
//!     }
//! }
//! for part in session.uid_fetch_parts(&wanted)? {
//!     println!("{} {:?}: {} bytes", part.uid(), part.section(), part.bytes().len());
//! }
//! # Ok::<(), blocking_imap::Error>(())
//! ```
//!
//! For the whole MIME tree of a message (every header, nested parts, calendar invitations),
//! fetch its body (`BODY.PEEK[]`) and hand it to a MIME parser: the
//! [mail-parser](https://crates.io/crates/mail-parser) crate is the one to pair with (it is
//! to this crate what MimeKit is to MailKit); `examples/parse_message.rs` shows it.
//!
//! # Long-running scripts
//!
//! A session made with [`ClientBuilder::connect`] and [`Client::login`] (or
//! [`Client::authenticate_with`]) remembers how it was made, so [`Session::reconnect`] can
//! replace a dropped connection: it connects and logs in again with backoff and jitter
//! ([`ReconnectPolicy`]), enables again what was enabled, selects again the mailbox that was
//! selected and reports what changed while away ([`Resumed`]). [`Session::resume`] does the
//! same across processes from a [`SyncState`] kept as one line of text: with QRESYNC the
//! expunged UIDs and changed flags in one round trip, with CONDSTORE the changed flags, and
//! the new messages always; a changed UIDVALIDITY is its own result.
//!
//! [`Session::retrying`] runs a job again after each cut until it finishes, judging every
//! command the job sent: reads, UID STORE, UID EXPUNGE and UID MOVE (with MOVE) run again; a
//! UID FETCH goes on from the UIDs it had not yet received; APPEND and UID COPY happen exactly
//! once (a completed one is not sent again, one whose answer the cut swallowed is looked for
//! in its target by Message-ID, above the UIDNEXT seen before it ran); STORE, COPY, MOVE and
//! EXPUNGE by sequence numbers are never run again. When the outcome cannot be known (a
//! message without a Message-ID, a UIDVALIDITY that changed), the call says so with
//! [`Error::Interrupted`]. The guarantee rests on Message-IDs being unique in the target
//! mailbox and on COPY and MULTIAPPEND being atomic, as RFC 3501 and RFC 3502 require.
//! `examples/idle.rs --reconnect` watches a mailbox across kicks and server restarts, printing
//! each new message once.
//!
//! [`ClientBuilder::send_id`] sends ID (RFC 2971) at the earliest point the server allows, for
//! providers that refuse SELECT until a client has identified itself.
//!
//! # Cancelling
//!
//! A [`CancelHandle`] makes the blocking call in progress return from another thread within
//! milliseconds, with [`Error::Cancelled`]: a FETCH in the middle of a large response, an
//! APPEND still writing its literal, an IDLE, a reconnect's wait, and, with a handle given to
//! [`ClientBuilder::cancel_with`], the connect, TLS handshake and greeting wait too. It shuts
//! the socket down, so the connection is gone: later commands fail with
//! [`Error::Cancelled`] until [`Session::reconnect`]. A cancel is the caller's decision:
//! [`Session::retrying`] does not run the job again after one, and
//! [`Error::is_broken`] is false for it. [`Session::cancel_handle`] gives a session's
//! handle; [`IdleHandle::stop`] is the polite way to end an IDLE and keep the session.
//!
//! Ctrl-C, with the [ctrlc](https://crates.io/crates/ctrlc) crate: one handle for every
//! connection the builder makes, cancelled by the handler. The program ends its work
//! where it is, with one readable error, instead of being killed in the middle of it.
//!
//! ```no_run
//! use blocking_imap::{CancelHandle, ClientBuilder, FetchItems, Section};
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let cancel = CancelHandle::new();
//!     let on_ctrl_c = cancel.clone();
//!     ctrlc::set_handler(move || on_ctrl_c.cancel())?;
//!     let builder = ClientBuilder::new("imap.example.com", 993).cancel_with(&cancel);
//!     let mut session = builder.connect()?.login("me", "secret")?;
//!     session.examine("Archive")?;
//!     let items = FetchItems::new().uid().body_peek(Section::Full);
//!     for msg in session.uid_fetch(1.., &items)? {
//!         match msg {
//!             Ok(m) => println!("{:?}: {} bytes", m.uid(), m.body().map_or(0, <[u8]>::len)),
//!             Err(e) if e.is_cancelled() => {
//!                 eprintln!("interrupted");
//!                 std::process::exit(130);
//!             }
//!             Err(e) => return Err(e.into()),
//!         }
//!     }
//!     session.logout()?;
//!     Ok(())
//! }
//! ```
//!
//! Over a stream given to [`ClientBuilder::connect_stream`] the crate cannot shut anything
//! down: a cancel takes effect when the stream's read or write returns (its own timeout),
//! or at the next command.
//!
//! # Several connections
//!
//! A session is one connection on one thread. [`parallel`] runs a job over a list of parts
//! (UID sets from [`SequenceSet::split`], mailbox names) on N sessions, one thread each, and
//! returns the results in order; the first error cancels the other sessions. It pays off on
//! links where round trips dominate, not for jobs bound by the server's disk or CPU, and
//! servers limit connections per user (Dovecot 10 by default, Gmail 15).
//! `examples/parallel_fetch.rs` reads a mailbox that way, and stops every connection on
//! Ctrl-C.
//!
//! # IDLE
//!
//! [`Session::idle`] waits for changes with an absolute deadline, a callback per response
//! and a stop handle usable from another thread ([`Session::idle_handle`]); it polls with
//! NOOP where the server lacks IDLE.
//!
//! When the server goes away, one story holds everywhere: a BYE (shutdown, the server's
//! idle timeout, an administrator's kick) ends the IDLE — or any command — at once with
//! [`Error::Bye`], a connection that drops without one with [`Error::ConnectionClosed`] or an
//! I/O error; all of them are [`Error::is_broken`]. [`Session::reconnect`] then connects
//! again with the builder's [`ReconnectPolicy`] (its backoff; [`ReconnectPolicy::forever`]
//! for a daemon), logs in, selects the mailbox again and reports what changed meanwhile
//! ([`Reconnected::resumed`]). `examples/idle.rs --reconnect` is the whole loop; the
//! [`Idle::run`] docs show it in ten lines.
//!
//! # Commands the crate does not type
//!
//! [`Session::run`] sends any command — a vendor's `X...` command, an extension newer than
//! the crate — built from typed [`Arg`]s that go through the same encoders as every other
//! command, so no argument can break the line; it returns a [`RawResponse`]: the tagged
//! status (a NO or BAD is data there) and every untagged response as a [`RawFrame`] (bytes,
//! and a typed view where the crate reads it). Mailbox changes among them still update
//! [`Session::mailbox`] and go to [`Session::unsolicited`].
//!
//! ```no_run
//! # let mut session: blocking_imap::Session = todo!();
//! use blocking_imap::{Arg, RawCommand};
//! let r = session.run(RawCommand::new("XAPPLEPUSHSERVICE").atom("aps-version").string("2"))?;
//! for frame in r.frames_named("XAPPLEPUSHSERVICE") {
//!     println!("{}", String::from_utf8_lossy(frame.bytes()));
//! }
//! r.into_result()?;
//! # Ok::<(), blocking_imap::Error>(())
//! ```
//!
//! # Watching many mailboxes
//!
//! [`Session::notify`] (NOTIFY, RFC 5465) asks for news of many mailboxes on one connection;
//! it arrives on the unsolicited queue, typed per mailbox ([`Unsolicited::MailboxStatus`],
//! [`Unsolicited::List`], [`Unsolicited::MailboxRenamed`], [`Unsolicited::mailbox`]), and
//! [`Session::wait_notifications`] waits for it. [`AccountWatcher`] watches a whole account
//! and hands out typed [`AccountEvent`]s: with NOTIFY where the server has it, else with IDLE
//! on one mailbox and a rotating STATUS poll of the others; it survives reconnects
//! (`examples/watch_account.rs`).
//!
//! # Errors
//!
//! One [`Error`] enum: the server's NO / BAD / BYE with its text and response code, parse
//! errors with the offending bytes, I/O errors, timeouts that name the operation, and
//! [`Error::Broken`] for every command after the connection became unusable
//! ([`Session::is_broken`]). Its `Debug` is its message, so `fn main() -> Result<(),
//! blocking_imap::Error>` prints one readable line; the predicates tell errors apart in code:
//! [`is_timeout`](Error::is_timeout), [`is_connect`](Error::is_connect),
//! [`is_tls`](Error::is_tls), [`is_proxy`](Error::is_proxy),
//! [`is_auth_failed`](Error::is_auth_failed),
//! [`is_already_exists`](Error::is_already_exists),
//! [`is_nonexistent`](Error::is_nonexistent), [`is_try_create`](Error::is_try_create),
//! [`is_over_quota`](Error::is_over_quota), [`is_broken`](Error::is_broken) and more.
//!
//! The common mistakes fail fast and say what went wrong:
//!
//! | mistake | what you see |
//! |---|---|
//! | plaintext or STARTTLS to the implicit-TLS port (993) | after the greeting timeout (10 s): `greeting timed out after 10s (imap.example.com:993): the server sent nothing: a port that speaks TLS (usually 993) waits for the client to start; use implicit TLS (Security::Tls)` |
//! | implicit TLS to a plaintext port (143) | at once: `tls error: this port speaks plaintext IMAP, not TLS: use STARTTLS (Security::StartTls), usually port 143 (imap.example.com:143): <the TLS library's words>` |
//! | a server whose certificate is not trusted | `tls error: the server's certificate is not signed by an authority this client trusts (unknown issuer) (imap.example.com:993): ...`; likewise `is self-signed`, `has expired`, `is not valid yet`, `is for another host name` |
//! | a CA file that is not a PEM certificate | at [`ClientBuilder::add_root_certificate_pem`]: `invalid argument: add_root_certificate_pem: not a PEM certificate (no "-----BEGIN CERTIFICATE-----" line; ...)` |
//! | nothing listens, or the host does not exist | `cannot connect to imap.example.com:993: Connection refused (os error 111)` |
//! | a proxy that does not allow the IMAP port | `proxy http://proxy.corp:3128: answered CONNECT imap.example.com:993 with "HTTP/1.1 403 Forbidden": the proxy does not allow a tunnel there (many proxies allow CONNECT only to port 443: port 993 must be allowed)` ([`Error::Proxy`]) |
//! | a wrong proxy password | `proxy socks5h://me@proxy.corp:1080: refused the user name and password (RFC 1929 status 0x01)` |
//! | a wrong password | `server said no to LOGIN: [AUTHENTICATIONFAILED] Authentication failed.` ([`Error::is_auth_failed`]) |
//! | FETCH, STORE, SEARCH, EXPUNGE, COPY, MOVE... before a SELECT | nothing is sent: `UID FETCH needs a selected mailbox: select() or examine() a mailbox first` ([`Error::is_not_selected`]) |
//! | a mailbox that does not exist | `server said no to SELECT: [NONEXISTENT] ...`, or from Dovecot 2.3, which sends no code, `server said no to SELECT: Mailbox doesn't exist: ...` — [`Error::is_nonexistent`] is true for both; [`Session::mailbox_exists`] asks first |
//!
//! Server text in messages has its control characters escaped; the raw text stays in
//! [`ServerText::text`].
//!
//! # Logging
//!
//! Through the `log` crate: commands and completions at DEBUG, wire bytes at TRACE. The
//! arguments of LOGIN and AUTHENTICATE, and every SASL exchange, are never logged at any level.
//!
//! # Limits and timeouts
//!
//! Every blocking call is bounded: 30 s to connect (name lookup and every address of the
//! host together) and 60 s for any read or write to make progress by default; an optional
//! [`ClientBuilder::command_deadline`] bounds a whole command against a server that trickles
//! bytes just inside the read timeout.
//!
//! Memory is bounded at every level where a server could make it grow, each limit
//! configurable on [`ClientBuilder`]:
//!
//! | what | default | past it |
//! |---|---|---|
//! | one response (a line plus its literals) | 64 MiB | refused before it is read; the session is unusable |
//! | nesting of parentheses in one response | 100 (at most 256) | that response is skipped as unparsable |
//! | one message merged from several FETCH responses | 64 MiB, 10,000 items | that message is an [`Error::LimitExceeded`]; the stream goes on |
//! | what one command collects (SEARCH numbers, LIST entries, THREAD trees, EXPUNGE reports...) | 256 MiB on the wire | the command fails with [`Error::LimitExceeded`]; the session goes on |
//! | the unsolicited queue | 100,000 items and 64 MiB | the oldest are dropped and reported as [`Unsolicited::Dropped`] |
//!
//! Sequence sets are built in O(n log n) whatever the order of their numbers, and merging
//! FETCH responses costs O(1) per item, so no server can make the client's CPU time grow
//! faster than what it sends.
//!
//! After an I/O error, a timeout, a BYE or an unreadable stream, the session reports
//! [`Session::is_broken`] and every later command fails with [`Error::Broken`].
//!
//! # Tolerance
//!
//! One odd item never costs the rest of a response. Inside a FETCH, a STATUS, an ESEARCH
//! or LIST extended data, an item whose value does not follow the grammar (a signed or
//! fractional number, `NIL` where a list belongs, a value missing) is skipped and kept
//! whole with the reason ([`Fetch::unparsed`], [`MailboxStatus::unparsed`],
//! [`SearchResult::unparsed`]), and the others are read as usual; it is logged at WARN once
//! per command. Unambiguous readings are taken where servers are known to be sloppy (see
//! [`Fetch::unparsed`]). Only a broken frame (unbalanced parentheses, a literal whose count
//! lies) costs a whole response: an [`Error::Parse`] for that one message of a FETCH stream,
//! or an [`Unsolicited::Other`] holding its bytes.
//!
//! Server text is shown with its control characters escaped in every log record and in the
//! `Display` of errors (no forged log lines, no terminal escape sequences); the raw text
//! stays in [`ServerText::text`].
//!
//! # Testing your code
//!
//! With the `testing` cargo feature (off by default, no dependencies), the
//! `blocking_imap::testing` module tests code that uses this crate without a server: record
//! one real run to a transcript file, then replay it in tests as often as you like. The
//! replay answers with the server's recorded responses and checks each command your code
//! sends against the recorded one; a difference fails that command at once, with the
//! transcript's line and both versions, instead of hanging. LOGIN's arguments and every
//! SASL exchange are written as `{{redacted}}`, so a recording is safe to commit (it holds
//! the mail the run fetched, though: record against a test account). For what no real
//! server does on demand (a NO, a BYE mid-command, a disconnect, a slow server, a flood of
//! responses), `testing::Script` builds the server's side in code.
//!
//! The path, end to end: put the job in a function of `&mut Session`, record a run, and
//! replay it in a test.
//!
//! ```no_run
//! # #[cfg(feature = "testing")]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use blocking_imap::testing::{Recorder, Replay};
//! use blocking_imap::{ClientBuilder, Session};
//!
//! /// The job under test (your 200-line archiving script).
//! fn archive(session: &mut Session) -> blocking_imap::Result<u32> {
//!     Ok(session.select("INBOX")?.exists())
//! }
//!
//! // Once, against the real server: the session's exchange goes to the file.
//! let recorder = Recorder::create("tests/recordings/archive.txt")?;
//! let mut session = ClientBuilder::new("imap.example.com", 993)
//!     .record_to(recorder)
//!     .connect()?
//!     .login("me@example.com", &std::env::var("IMAP_PASSWORD")?)?;
//! archive(&mut session)?;
//! session.logout()?;
//!
//! // In a #[test], offline: the same function against the recording.
//! let replay = Replay::from_file("tests/recordings/archive.txt")?;
//! let mut session = replay.session()?; // LOGIN with any user name and password
//! assert_eq!(archive(&mut session)?, 42);
//! session.logout()?;
//! replay.assert_finished(); // every recorded command was sent, every response read
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "testing"))]
//! # fn main() {}
//! ```
//!
//! Where a command changes from run to run (a `SEARCH BEFORE` today's date), put `{{any}}`
//! in that place of the recording's `C:` line. The module's documentation describes the
//! transcript format, the options of a replay (tags, FETCH item order, read sizes,
//! timeouts) and `Script`; `examples/record.rs` records the dedupe job against the test
//! server and `tests/replay.rs` replays it.
//!
//! # Minimum Rust version
//!
//! Rust 1.80 (what native-tls 0.2.18 and openssl 0.10 declare; the crate's own code is
//! checked against it by clippy's `incompatible_msrv` lint). Every dependency of the default
//! build has a release that builds with 1.80, and this repository's lockfile holds those; in a
//! project of your own on Rust 1.80 to 1.87, keep encoding_rs (the `charsets` feature) at
//! 0.8.35 (`cargo update -p encoding_rs --precise 0.8.35`: later 0.8 releases ask for Rust
//! 1.88), or use Cargo's MSRV-aware resolver (Rust 1.84 and later), which picks it for you. The
//! optional `jiff` feature needs Rust 1.85.

#![deny(missing_docs)]
#![forbid(unsafe_code)]
// clippy::pedantic, less what does not fit this crate: errors are documented in prose
// ("Errors: ..."), builders take their arguments by value, getters are not must_use, and
// numeric casts are saturated or bounded where they matter.
#![cfg_attr(not(test), warn(clippy::pedantic))]
#![cfg_attr(
    not(test),
    allow(
        clippy::must_use_candidate,
        clippy::missing_errors_doc,
        clippy::return_self_not_must_use,
        clippy::doc_markdown,
        clippy::needless_pass_by_value,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::module_name_repetitions,
        clippy::unnested_or_patterns,
        clippy::match_same_arms,
        clippy::single_match_else,
        clippy::items_after_statements,
        clippy::struct_excessive_bools,
        clippy::struct_field_names,
        clippy::similar_names,
        clippy::format_push_string,
        clippy::too_many_lines,
        clippy::unnecessary_literal_bound
    )
)]

#[cfg(not(any(feature = "native-tls", feature = "rustls")))]
compile_error!(
    "blocking-imap needs a TLS backend: enable the `native-tls` feature (the default) or the \
     `rustls` feature, e.g. `blocking-imap = { version = \"0.1\", default-features = false, \
     features = [\"rustls\"] }`"
);

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

mod auth;
mod builder;
mod client;
mod conn;
mod error;
mod exactly_once;
mod extensions;
mod journal;
mod login_best;
mod message;
mod mime;
mod parallel;
pub mod providers;
mod raw;
mod reconnect;
mod session;
mod state;
mod stream;
#[cfg(feature = "testing")]
pub mod testing;
mod transport;
mod types;
mod watcher;
mod wire;

/// For the fuzz targets in `fuzz/`: not part of the API, no stability promised.
#[doc(hidden)]
pub mod __fuzz {
    /// Feeds `data` in reads cut at `splits` through the framer and the parser; returns the
    /// frames found.
    pub fn frames(data: &[u8], splits: &[usize]) -> Vec<Vec<u8>> {
        crate::wire::fuzz::frames(data, splits).0
    }

    /// Frames and parses `data` as one stream, in reads of up to 64 KiB, keeping nothing;
    /// returns (frames, frames that parsed). For the in-memory parse benchmark.
    pub fn parse_all(data: &[u8]) -> (usize, usize) {
        crate::wire::fuzz::parse_all(data)
    }
}

pub use auth::{Authenticator, ChannelBinding, OAuthBearer, Plain, TokenResult, XOAuth2};
#[cfg(feature = "scram")]
pub use auth::{ScramSha1, ScramSha256};
pub use builder::{
    ClientBuilder, Env, ReconnectPolicy, Security, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_GREETING_TIMEOUT, DEFAULT_IO_TIMEOUT, DEFAULT_MAX_LINE, DEFAULT_MAX_NESTING,
    DEFAULT_MAX_RESPONSE_SIZE, DEFAULT_MAX_RESULT_SIZE, DEFAULT_MAX_UNSOLICITED,
    DEFAULT_MAX_UNSOLICITED_BYTES, DEFAULT_PIPELINE_DEPTH,
};
pub use client::{Client, LoginError, UnauthenticateError};
pub use error::{Error, RawBytes, Result, SaslError, ServerText};
pub use extensions::idle::Idle;
pub use login_best::PasswordMechanism;
pub use mime::{decode_header_text, sanitize_filename, MAX_FILENAME_BYTES};
pub use parallel::parallel;
pub use raw::{RawFrame, RawResponse};
pub use reconnect::{Changes, Operation, Reconnected, Resumed, SyncState};
pub use session::Session;
pub use state::{Mailbox, Unsolicited};
pub use stream::FetchStream;
pub use transport::{CancelHandle, Proxy, ReadWrite};
pub use types::acl::{AclEntry, ListRights, Rights};
pub use types::append::{AppendMessage, AppendSource};
pub use types::catenate::CatenatePart;
pub use types::condstore::Resync;
pub use types::gmail::GmailLabel;
pub use types::id::IdInfo;
pub use types::idle::{
    IdleControl, IdleEnd, IdleHandle, DEFAULT_IDLE_KEEPALIVE, DEFAULT_POLL_INTERVAL,
};
pub use types::lists::{ListEntry, ListOptions};
pub use types::metadata::{Metadata, MetadataDepth, MetadataEntry, MetadataOptions};
pub use types::notify::{bad_events, NotifyEvent, NotifyGroup, NotifyMailboxes, NotifySet};
pub use types::partial::{PartialRange, PartialResult};
pub use types::parts::{PartBody, PartRequest};
pub use types::quota::{Quota, QuotaResource, QuotaRoots, QuotaUsage};
pub use types::raw::{Arg, RawCommand};
pub use types::search_results::{ReturnOption, SearchResult, SortKey, Thread, ThreadAlgorithm};
pub use types::special_use::{FoundBy, SpecialMailbox, SpecialUse};
pub use types::streaming::Streamed;
pub use types::{
    Address, AppendUid, BodyStructure, Capabilities, ContentDisposition, CopyUid, DateTime,
    Envelope, Expunged, Fetch, FetchItems, Flag, MailboxName, MailboxStatus, Name, NameAttribute,
    Namespace, Namespaces, Part, ResponseCode, Search, SearchDate, Section, Seq, SequenceSet,
    StatusItem, StatusKind, StoreAction, TransferEncoding, Uid, UnparsedItem, STAR,
};
pub use watcher::{AccountEvent, AccountEventKind, AccountWatcher, Watch, WatchSettings};
