//! Testing code that uses this crate, offline: record a real session once, replay it in
//! tests; or script the server by hand for what no real server does on demand (the
//! `testing` cargo feature).
//!
//! - [`Recorder`]: with [`ClientBuilder::record_to`](crate::ClientBuilder::record_to), writes
//!   a session's whole exchange to a transcript file, credentials replaced by placeholders,
//!   safe to commit next to the tests.
//! - [`Replay`]: a stream that plays a transcript back to a session over
//!   [`connect_stream`](crate::ClientBuilder::connect_stream): it answers with the server's
//!   recorded bytes and checks every command the client writes against the recorded one,
//!   failing with the transcript's line and both versions when they differ.
//! - [`Script`]: transcripts written in code: errors, disconnects, slow servers, floods.
//!
//! # The first test of a script, in ten minutes
//!
//! **1. Give the job a function of its own** that takes the session, and keep `main` to
//! connecting (and, for now, recording):
//!
//! ```no_run
//! use blocking_imap::{ClientBuilder, Result, Session};
//!
//! /// The job: how many messages the mailbox holds (yours is 200 lines longer).
//! pub fn archive(session: &mut Session, mailbox: &str) -> Result<u32> {
//!     let mb = session.select(mailbox)?;
//!     Ok(mb.exists())
//! }
//!
//! fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
//!     let mut builder = ClientBuilder::new("imap.example.com", 993);
//!     // 2. Record a run: RECORD=tests/recordings/archive.txt cargo run
//!     if let Ok(path) = std::env::var("RECORD") {
//!         builder = builder.record_to(blocking_imap::testing::Recorder::create(path)?);
//!     }
//!     let password = std::env::var("IMAP_PASSWORD")?;
//!     let mut session = builder.connect()?.login("me@example.com", &password)?;
//!     println!("{} messages", archive(&mut session, "INBOX")?);
//!     session.logout()?;
//!     Ok(())
//! }
//! ```
//!
//! **2. Record a run** against the real server (a test account is best: the recording
//! holds the mail it fetched, headers and bodies as sent). LOGIN's arguments and all of
//! AUTHENTICATE are replaced by `{{redacted}}` as they are written, so the file holds no
//! password or token. Read it through before you commit it anyway.
//!
//! **3. Replay it in a test**, through the same function:
//!
//! ```
//! # use blocking_imap::{Result, Session};
//! # fn archive(session: &mut Session, mailbox: &str) -> Result<u32> {
//! #     Ok(session.select(mailbox)?.exists())
//! # }
//! # fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
//! use blocking_imap::testing::{Replay, Transcript};
//!
//! # let recording = "S: * OK [CAPABILITY IMAP4rev1 LITERAL+] ready\n\
//! #     C: A0001 LOGIN {{redacted}}\nS: A0001 OK Logged in\n\
//! #     C: A0002 SELECT INBOX\nS: * 3 EXISTS\nS: A0002 OK [READ-WRITE] Select completed\n\
//! #     C: A0003 LOGOUT\nS: * BYE Logging out\nS: A0003 OK Logout completed\n";
//! // In a test file: Replay::from_file("tests/recordings/archive.txt")?
//! let replay = Replay::new(recording.parse::<Transcript>()?);
//! let mut session = replay.session()?; // LOGIN with any name and password
//! assert_eq!(archive(&mut session, "INBOX")?, 3);
//! session.logout()?;
//! replay.assert_finished(); // every command sent, every response read
//! # Ok(())
//! # }
//! ```
//!
//! [`Replay::session`] logs in with LOGIN, which matches the recorded authentication
//! whatever it was (LOGIN, or AUTHENTICATE with any mechanism: SCRAM too, whose exchange
//! could not be replayed). `cargo test` now runs the job without a network, in
//! milliseconds. When the code sends a
//! different command, the test fails on that command:
//!
//! ```text
//! i/o error: replay: the client wrote something else than transcript line 9
//!   transcript: C: A0002 SELECT INBOX
//!   client:     C: A0002 EXAMINE INBOX
//! ```
//!
//! **4. Edit what changes from run to run.** A command that holds today's date (`SEARCH
//! BEFORE 1-Mar-2025`), a host name or a random value will not be the same tomorrow: replace
//! that part of the `C:` line with `{{any}}`, which matches anything. (Or pass the date to
//! the job as an argument, and give it the recorded one in the test.)
//!
//! The feature has no dependencies. Enable it where the recording is made: in
//! `[dependencies]` (`features = ["testing"]`), or behind a feature of your own
//! (`record = ["blocking-imap/testing"]`); the replaying tests need it in
//! `[dev-dependencies]`.
//!
//! # Scripts
//!
//! For what a real server will not do when asked: a NO, a BYE in the middle of a command, a
//! connection that drops, a slow server, ten thousand unsolicited responses. See [`Script`]:
//!
//! ```
//! use blocking_imap::testing::Script;
//!
//! let replay = Script::new()
//!     .login()
//!     .expect("SELECT Archive")
//!     .respond(["NO [NONEXISTENT] Unknown mailbox"])
//!     .expect("CREATE Archive")
//!     .respond(["* BYE shutting down"])
//!     .disconnect()
//!     .replay();
//! let mut session = replay.session()?;
//! assert!(session.select("Archive").unwrap_err().is_nonexistent());
//! assert!(session.create("Archive").is_err());
//! assert!(session.is_broken());
//! replay.assert_finished();
//! # Ok::<(), blocking_imap::Error>(())
//! ```
//!
//! # The transcript format
//!
//! A text file, one line per protocol line, meant to be read, diffed and edited:
//!
//! ```text
//! # a comment
//! S: * OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS] Dovecot ready.
//! C: A0001 LOGIN {{redacted}}
//! S: A0001 OK Logged in
//! C: A0002 UID FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (Message-ID)])
//! S: * 1 FETCH (UID 1 BODY[HEADER.FIELDS (MESSAGE-ID)] {31}
//! S| Message-ID: <a@example.com>
//! S|
//! S: )
//! S: A0002 OK Fetch completed.
//! ! delay 2s
//! S: * BYE idle for too long\
//! ! eof
//! ```
//!
//! - `C: ` a line the client sent, `S: ` a line the server sent, both without their CRLF.
//!   Tags are kept as they were sent.
//! - `C| ` and `S| ` the bytes of a literal, after the line that announced it with `{n}`,
//!   cut at the CRLFs it holds (each `|` line counts its CRLF); the rest of the line
//!   that announced it follows as an ordinary `C:` / `S:` line. Change the bytes of a
//!   literal and you must change its `{n}`: reading the transcript checks the count.
//! - `\xHH` is the byte HH: control characters, invalid UTF-8, invisible characters, a
//!   trailing blank (editors strip them), a backslash before `x` or at the end of a line,
//!   the first brace of `{{`. Any other text stands for itself (UTF-8), backslashes
//!   included.
//! - A line that ends in `\` has no CRLF: the next line of the same side continues it (a
//!   literal cut into 4096-byte lines, half a line before a disconnect).
//! - `{{name}}` in a client line matches any bytes: `{{redacted}}` where a credential was,
//!   `{{any}}` wherever you put one. One that ends a line also stands for the literals and
//!   the rest of that command. In a server line it sends nothing.
//! - `! delay 250ms` / `! delay 2s`: the server pauses. `! timeout`: the client's next
//!   read fails as a read timeout would. `! reset`: it fails with "connection reset".
//!   `! eof`: the server closes the connection (the end of the transcript does the same).
//! - `# ...` a comment; blank lines are ignored.
//!
//! # What a recording holds, and what not
//!
//! The session's protocol as the library speaks it: above TLS (so an implicit-TLS session
//! replays over a plain stream) and above COMPRESS=DEFLATE (the replay compresses too when
//! the client asks it to). A session over STARTTLS is recorded as if it had used implicit
//! TLS: the plaintext part is left out and the greeting carries the capabilities given
//! over TLS. Credentials: the arguments of LOGIN (also as literals), the initial response
//! of AUTHENTICATE, and every SASL challenge and response. Everything else stays as sent:
//! mail, addresses, mailbox names, the server's banner. A connection the library opens
//! again (a reconnect) goes on in the same file after a `# connection 2` comment: a replay
//! plays one connection, so cut the file there to replay each.

mod format;
mod record;
mod redact;
mod replay;
mod script;

pub use format::{Transcript, TranscriptError};
pub use record::{Recorded, Recorder};
pub use replay::{Mismatch, Replay};
pub use script::{Script, DEFAULT_CAPABILITIES};

pub(crate) use record::Tap;
