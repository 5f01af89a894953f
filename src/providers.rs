//! Big mail providers: which settings each one needs, the quirks this crate handles for
//! them, and how a script gets an OAuth 2.0 token for Google and Microsoft.
//!
//! This page is documentation only. Where a row says *corpus*, the fact is backed by the
//! provider's own recorded replies in `tests/corpus/mailkit` (replayed by `tests/corpus.rs`
//! and `tests/transcript_gmail.rs`); *docs* means the provider's own documentation; *reports*
//! means public bug reports, each cited beside its transcript in `tests/quirks.rs`. The
//! corpus holds Gmail and Exchange / Office 365 recordings only: nothing from iCloud, Yahoo,
//! 163 or QQ, so their rows rest on docs and reports.
//!
//! # Settings per provider
//!
//! | Provider | Server | Login | Settings to use | Source |
//! |---|---|---|---|---|
//! | Gmail, Google Workspace | `imap.gmail.com:993` (TLS) | [`XOAuth2::with_provider`](crate::XOAuth2::with_provider) or [`OAuthBearer::with_provider`](crate::OAuthBearer::with_provider), scope `https://mail.google.com/`; an app password with LOGIN where the account allows it | [`ClientBuilder::send_id`](crate::ClientBuilder::send_id) (Google asks clients to identify themselves); the `X-GM-EXT-1` API below; at most 15 connections per account | corpus (capabilities, AUTH mechanisms, ID), docs (ID, scope, connection limit) |
//! | Outlook.com, Microsoft 365 (Exchange Online) | `outlook.office365.com:993` (TLS) | [`XOAuth2::with_provider`](crate::XOAuth2::with_provider), scope `https://outlook.office.com/IMAP.AccessAsUser.All` (basic auth is retired) | nothing special; no CONDSTORE / QRESYNC, so [`Session::reconnect`](crate::Session::reconnect) resumes by UID | corpus (capabilities before and after login, greeting), docs (OAuth only, scope) |
//! | iCloud Mail | `imap.mail.me.com:993` (TLS) | an app-specific password with LOGIN (no OAuth for other apps) | fetch `BODY.PEEK[]` ([`FetchItems::body_peek`](crate::FetchItems::body_peek) with [`Section::Full`](crate::Section::Full)), never `RFC822`, which iCloud answers without the item | docs (app passwords), reports (modern-email/defects issue 36) |
//! | Yahoo Mail, AOL | `imap.mail.yahoo.com:993` (TLS) | an app password with LOGIN / PLAIN, or XOAUTH2 | nothing to set: Yahoo offers `LITERAL+`, so literals (APPEND) go without waiting for `+`; a body is framed by its literal's own `{n}`, never by `RFC822.SIZE`, so a size that disagrees costs nothing; no CONDSTORE (only a private `XYMHIGHESTMODSEQ`) | reports (MailKit issue 358 transcript: capabilities, `+ ` continuations, `NO [UNAVAILABLE]` on some FETCHes) |
//! | 163.com, 126.com (NetEase), QQ Mail, Coremail-hosted domains | `imap.163.com:993`, `imap.qq.com:993` (TLS) | LOGIN with the "authorization code" the web settings issue, not the password | [`ClientBuilder::send_id`](crate::ClientBuilder::send_id): NetEase answers SELECT with `NO ... Unsafe Login` to a client that did not send ID | reports (tests/quirks.rs: QQ and 163 rows), providers' help pages |
//! | Dovecot, Cyrus, Stalwart and other standard servers | any | any | nothing special | the project's own Dovecot tests |
//!
//! ## ID before login
//!
//! [`ClientBuilder::send_id`](crate::ClientBuilder::send_id) (or
//! [`send_id_fields`](crate::ClientBuilder::send_id_fields) with your own name and version)
//! sends ID (RFC 2971) at the earliest point the server allows: right after the greeting
//! (and STARTTLS) when the server offers ID before login, else right after login. It is a
//! courtesy most servers ignore, and required by a few (163, 126, QQ, Coremail); it is safe
//! to turn on everywhere, since nothing is sent to a server without ID and a refusal is only
//! logged.
//!
//! ```no_run
//! use blocking_imap::ClientBuilder;
//! let session = ClientBuilder::new("imap.163.com", 993)
//!     .send_id_fields(&[("name", "my-tool"), ("version", "1.0")])
//!     .connect()?
//!     .login("me@163.com", "authorization-code")
//!     .map_err(|e| e.error)?;
//! # Ok::<(), blocking_imap::Error>(())
//! ```
//!
//! # Quirks handled, by provider
//!
//! **Gmail** (corpus: `gmail/`):
//! - capabilities grow at login (`LITERAL-`, `MOVE`, `CONDSTORE`, `ESEARCH`, `UTF8=ACCEPT`,
//!   `COMPRESS=DEFLATE`, `APPENDLIMIT` appear only after it): taken from the untagged
//!   CAPABILITY Gmail sends with its AUTHENTICATE answer, with no second round trip;
//!   `APPENDLIMIT` comes with or without a value;
//! - `LITERAL-`: literals up to 4096 bytes go without waiting for `+`, longer ones wait;
//! - labels: `X-GM-LABELS` lists atoms (`\Important`), quoted strings (`"\\Important"`,
//!   `"Custom Label"`), a stray `NIL`, or `()`; ids above `u32` (`X-GM-MSGID
//!   1592225494819146101`): all read, see [`Fetch::x_gm_labels`](crate::Fetch::x_gm_labels);
//! - a label STORE is answered with one `FETCH (X-GM-LABELS (...) UID n)` per message: the
//!   result of [`Session::store_labels`](crate::Session::store_labels); a label change
//!   pushed during another FETCH goes to [`Session::unsolicited`](crate::Session::unsolicited);
//! - `EXPUNGE` in the middle of a FETCH, the non-extensible `BODY` instead of
//!   `BODYSTRUCTURE`, `[Gmail]` as an unquoted name with `\NonExistent`;
//! - a login refused with an untagged `* NO [WEBALERT url]` (the account wants the user in
//!   a browser first), then `NO [ALERT] Please log in via your web browser`: an
//!   [`Error::No`](crate::Error::No) whose [`is_auth_failed`](crate::Error::is_auth_failed)
//!   is true, the stream still in step;
//! - an expired token: a `+` challenge holding `{"status":"401","schemes":"bearer",
//!   "scope":"https://mail.google.com/"}`, then NO: see
//!   [`Error::is_token_expired`](crate::Error::is_token_expired).
//!
//! **Exchange / Office 365** (corpus: `exchange/`):
//! - the greeting ends with base64 in brackets that is no response code (`* OK The
//!   Microsoft Exchange IMAP4 service is ready. [TQBX...]`): kept as text;
//! - a `[COPYUID ...]` line on its own after MOVE, neither tagged nor untagged: skipped as
//!   one frame, the MOVE completes;
//! - more capabilities after login than before (`MOVE`, `CLIENTACCESSRULES`...), and none
//!   in the AUTHENTICATE answer: asked for again after login;
//! - (reports) items after the body literal, `NIL` and bare strings for disposition
//!   parameters, a trailing space after STATUS: each parsed (tests/quirks.rs).
//!
//! **Yahoo** (reports): `+ ` with nothing after it before a literal; a trailing space after
//! SEARCH results; a space before `)` in BODYSTRUCTURE (yahoo.co.jp); `NO [UNAVAILABLE]
//! FETCH Server error while fetching messages` for some messages, an error whose
//! [`is_temporary`](crate::Error::is_temporary) is true.
//!
//! **QQ / 163** (reports): a space before the `)` of a FETCH, a trailing space after
//! CAPABILITY, unescaped quotes in a BODYSTRUCTURE description: each parsed.
//!
//! **iCloud** (reports): `FETCH n (RFC822)` answered without the `RFC822` item: ask for
//! `BODY.PEEK[]` instead.
//!
//! # OAuth 2.0 tokens
//!
//! Google and Microsoft access tokens last about an hour. Give the session a *provider*, a
//! function that returns a fresh access token, with
//! [`XOAuth2::with_provider`](crate::XOAuth2::with_provider) (or
//! [`OAuthBearer::with_provider`](crate::OAuthBearer::with_provider)) and
//! [`Client::authenticate_with`](crate::Client::authenticate_with): it is called before every
//! login, the first and each [`Session::reconnect`](crate::Session::reconnect), never per
//! command. A provider may cache the token until shortly before it expires.
//!
//! A refused token fails the login with [`Error::No`](crate::Error::No) carrying the
//! server's SASL error ([`Error::sasl_error`](crate::Error::sasl_error): `status`, `schemes`,
//! `scope`); [`Error::is_token_expired`](crate::Error::is_token_expired) says the token was
//! expired or revoked. A provider that fails gives
//! [`Error::TokenProvider`](crate::Error::TokenProvider), and nothing is sent.
//!
//! This crate makes no HTTP request (no HTTP client in the default build). Getting a token
//! is two steps, both outside it: once, by hand, an authorisation that yields a *refresh
//! token*; then, at every login, an exchange of the refresh token for an access token, which
//! a script (or your own HTTP code) does.
//!
//! **Google** (docs: "OAuth 2.0 for Mobile & Desktop Apps"; scope `https://mail.google.com/`):
//! 1. Create an OAuth client of type "Desktop app" in the Google Cloud console (client id
//!    and secret).
//! 2. Once: open `https://accounts.google.com/o/oauth2/v2/auth?client_id=ID&redirect_uri=http://127.0.0.1:PORT&response_type=code&scope=https://mail.google.com/&access_type=offline&prompt=consent`
//!    in a browser, let it redirect to a local listener, and exchange the `code` at
//!    `https://oauth2.googleapis.com/token` (`grant_type=authorization_code`, with the
//!    same `redirect_uri`): the answer holds a `refresh_token`. Keep it secret.
//! 3. At every login, refresh:
//!
//! ```sh
//! #!/bin/sh
//! # google-token.sh: prints a fresh access token.
//! curl -fsS https://oauth2.googleapis.com/token \
//!   -d client_id="$GOOGLE_CLIENT_ID" -d client_secret="$GOOGLE_CLIENT_SECRET" \
//!   -d refresh_token="$GOOGLE_REFRESH_TOKEN" -d grant_type=refresh_token |
//!   sed -n 's/.*"access_token": *"\([^"]*\)".*/\1/p'
//! ```
//!
//! **Microsoft** (docs: "Authenticate an IMAP connection using OAuth"; scope
//! `https://outlook.office.com/IMAP.AccessAsUser.All offline_access`):
//! 1. Register an application in Microsoft Entra ID (a public client is enough), with the
//!    delegated permission `IMAP.AccessAsUser.All`.
//! 2. Once: the device code flow needs no redirect: POST `client_id` and `scope` to
//!    `https://login.microsoftonline.com/common/oauth2/v2.0/devicecode`, show the user the
//!    code and URL it returns, then poll `https://login.microsoftonline.com/common/oauth2/v2.0/token`
//!    with `grant_type=urn:ietf:params:oauth:grant-type:device_code` until it answers with a
//!    `refresh_token`.
//! 3. At every login, refresh; Microsoft may send a new refresh token each time: save it.
//!
//! ```sh
//! #!/bin/sh
//! # microsoft-token.sh: prints a fresh access token (and keeps the rotated refresh token).
//! out=$(curl -fsS https://login.microsoftonline.com/common/oauth2/v2.0/token \
//!   -d client_id="$MS_CLIENT_ID" -d grant_type=refresh_token \
//!   -d refresh_token="$(cat ~/.config/imap/ms-refresh)" \
//!   -d scope="https://outlook.office.com/IMAP.AccessAsUser.All offline_access")
//! echo "$out" | sed -n 's/.*"refresh_token":"\([^"]*\)".*/\1/p' > ~/.config/imap/ms-refresh.new &&
//!   [ -s ~/.config/imap/ms-refresh.new ] && mv ~/.config/imap/ms-refresh.new ~/.config/imap/ms-refresh
//! echo "$out" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p'
//! ```
//!
//! (A daemon that reads a shared mailbox with an application identity uses the client
//! credentials flow instead, scope `https://outlook.office365.com/.default`, after an
//! administrator has granted the application access to that mailbox in Exchange.)
//!
//! The provider then runs the script. The user name for XOAUTH2 is the mailbox's address.
//!
//! ```no_run
//! use blocking_imap::{ClientBuilder, TokenResult, XOAuth2};
//!
//! fn token() -> TokenResult {
//!     let out = std::process::Command::new("./microsoft-token.sh").output()?;
//!     if !out.status.success() {
//!         return Err(format!("microsoft-token.sh: {}", out.status).into());
//!     }
//!     Ok(String::from_utf8(out.stdout)?.trim().to_string())
//! }
//!
//! let mut session = ClientBuilder::new("outlook.office365.com", 993)
//!     .connect()?
//!     .authenticate_with(XOAuth2::with_provider("me@example.com", token))
//!     .map_err(|e| e.error)?;
//! session.select("INBOX")?;
//! // Hours later, after the connection broke: a fresh token, asked of `token()`.
//! session.reconnect()?;
//! # Ok::<(), blocking_imap::Error>(())
//! ```
//!
//! `examples/oauth2.rs` is a complete program (`--token-cmd` runs such a script before
//! every login).
//!
//! # Gmail's extensions
//!
//! With `X-GM-EXT-1` ([`Session::has_gmail_extensions`](crate::Session::has_gmail_extensions)):
//!
//! ```no_run
//! # let mut session: blocking_imap::Session = todo!();
//! use blocking_imap::{FetchItems, GmailLabel, Search, StoreAction};
//! session.select("[Gmail]/All Mail")?;
//! let found = session.uid_search(&Search::all().x_gm_raw("has:attachment older_than:1y"))?;
//! let items = FetchItems::new().x_gm_msgid().x_gm_thrid().x_gm_labels();
//! for f in session.uid_fetch(&found[..], &items)? {
//!     let f = f?;
//!     println!("{:?} thread {:?} labels {:?}", f.gmail_msgid(), f.gmail_thrid(), f.x_gm_labels());
//! }
//! session.uid_store_labels_silent(&found[..], StoreAction::Add, &[GmailLabel::user("Old/Attachments")])?;
//! # Ok::<(), blocking_imap::Error>(())
//! ```
