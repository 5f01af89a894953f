//! Replaying: a stream that plays a transcript's server side and checks the client's.

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};

use super::format::{
    announcement, first_word, render_pieces, show, split_tag, Announcement, Dir, Item, Piece,
    Transcript,
};
use super::redact::{hidden, redacted_line, redacted_pieces, sensitive};
use crate::builder::{ClientBuilder, Security};
use crate::client::Client;
use crate::error::Result;
use crate::session::Session;

/// How long a read waits while the client idles (the transcript's next line is the client's
/// `DONE`) before it returns a timeout, for the IDLE loop to look at its stop flag.
const IDLE_TICK: Duration = Duration::from_millis(50);

/// The longest a read sleeps through a `! delay` before it returns
/// [`io::ErrorKind::Interrupted`]: `Conn` reads again after that, and looks at its command
/// deadline first (it cannot shorten the read timeout of a stream it did not open), so a
/// deadline ends a long delay within this much.
const DELAY_SLICE: Duration = Duration::from_millis(10);

/// What a replayed session did differently from its transcript: the transcript's line, what
/// it has there, and what the client did.
///
/// It reaches the code under test as [`Error::Io`](crate::Error::Io) (and the session is
/// unusable from there on), and [`Replay::finish`] returns it again, so that a test fails
/// even when the code under test ignored the error.
///
/// Credentials are never shown, neither the client's nor the transcript's: a LOGIN keeps
/// its user name (when it is an atom or a quoted string) and shows `{{redacted}}` for the
/// rest; an AUTHENTICATE keeps its mechanism; the literals of both and every SASL line
/// between an AUTHENTICATE and its completion are `{{redacted}}` (the rule the
/// [`Recorder`](super::Recorder) applies to what it writes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    line: Option<usize>,
    message: String,
}

impl Mismatch {
    /// The line of the transcript the client departed from, when there is one.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    fn to_io(&self) -> io::Error {
        io::Error::other(self.clone())
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Mismatch {}

/// What the client must write next: one line (without its CRLF) or one literal.
#[derive(Debug)]
struct Unit {
    literal: bool,
    pieces: Vec<Piece>,
    /// Does the line start a command (not the rest of a line after a literal)?
    first: bool,
    line: usize,
    /// Credentials throughout (a literal of a LOGIN, a SASL response): errors show
    /// `{{redacted}}`.
    secret: bool,
}

impl Unit {
    /// The line as errors show it: credentials redacted (see `redact`).
    fn shown(&self) -> String {
        let prefix = if self.literal { "C|" } else { "C:" };
        if self.secret {
            return format!("{prefix} {}", hidden());
        }
        if self.first {
            if let Some(s) = redacted_pieces(&self.pieces, 300) {
                return format!("{prefix} {s}");
            }
        }
        let mut s = render_pieces(&self.pieces);
        if s.chars().count() > 300 {
            s = s.chars().take(300).collect::<String>() + "...";
        }
        format!("{prefix} {s}")
    }

    /// The literal the line announces, if it ends in `{n}` itself (not in a placeholder).
    fn announces(&self) -> Option<Announcement> {
        match self.pieces.last() {
            Some(Piece::Bytes(b)) => announcement(b),
            _ => None,
        }
    }

    fn is_done(&self) -> bool {
        matches!(&self.pieces[..], [Piece::Bytes(b)] if b.eq_ignore_ascii_case(b"DONE"))
    }
}

/// What the server does next.
#[derive(Debug)]
enum Event {
    Text {
        pieces: Vec<Piece>,
        crlf: bool,
        /// Does it start a response line (where a tag may be)?
        starts: bool,
    },
    Delay(Duration),
    Timeout,
    Eof,
    Reset,
}

#[derive(Debug)]
struct Step {
    event: Event,
    line: usize,
    /// How many client units must have been written before it.
    gate: usize,
    /// A SASL challenge: errors show `{{redacted}}`.
    secret: bool,
}

/// Which lines of a transcript hold credentials, by the rule of `redact`, as `build` meets
/// them in order.
#[derive(Default)]
struct Secrets {
    /// In a LOGIN or AUTHENTICATE whose line announced a literal: its literals and the
    /// rest of it are secret.
    command: bool,
    /// The tag of an AUTHENTICATE, until its completion: the lines between are SASL data.
    sasl: Option<Vec<u8>>,
}

impl Secrets {
    fn unit(&mut self, u: &mut Unit) {
        if u.literal {
            u.secret = self.command;
            return;
        }
        if !u.first {
            u.secret = self.command;
            self.command &= u.announces().is_some();
            return;
        }
        let bytes = leading_bytes(&u.pieces);
        if self.sasl.is_some() {
            // `*` cancels the exchange: nothing secret in it.
            u.secret = bytes != b"*";
            return;
        }
        let found = sensitive(&bytes, false, true);
        self.command = found.is_some() && u.announces().is_some();
        if let Some(s) = found.filter(|s| s.sasl) {
            self.sasl = Some(s.tag.to_vec());
        }
    }

    /// Is the server's line a secret (a SASL challenge)?
    fn server(&mut self, pieces: &[Piece], starts: bool) -> bool {
        let Some(tag) = &self.sasl else {
            return false;
        };
        if !starts {
            return false;
        }
        let bytes = leading_bytes(pieces);
        if bytes.starts_with(b"+") {
            return true;
        }
        if split_tag(&bytes).is_some_and(|(t, _)| t.eq_ignore_ascii_case(tag)) {
            self.sasl = None;
        }
        false
    }
}

/// The bytes before the first placeholder.
fn leading_bytes(pieces: &[Piece]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in pieces {
        match p {
            Piece::Bytes(b) => out.extend_from_slice(b),
            Piece::Hole(_) => break,
        }
    }
    out
}

/// A stream that plays a [`Transcript`] back: give it to
/// [`ClientBuilder::connect_stream`] (or use [`client`](Self::client) /
/// [`session`](Self::session)), run the code under test, then call
/// [`finish`](Self::finish).
///
/// Reads return the server's lines in order, each as soon as the client has written what
/// comes before it in the transcript. Writes are checked line by line against the
/// client's lines: a difference fails the write (and every later read and write) with a
/// [`Mismatch`] that names the transcript line and shows both versions, so a test fails
/// at once instead of hanging. So does a read while the transcript has the client write
/// next, except before an IDLE's `DONE`, where a read waits a little and times out as an
/// idling socket would.
///
/// Matching:
/// - **Tags**: the client's tags need not be those of the transcript: the first one the
///   client uses for a command stands for the transcript's, also in the server's replies
///   (turn that off with [`exact_tags`](Self::exact_tags)).
/// - **Placeholders**: `{{anything}}` in a client line matches any bytes. One that ends a
///   line also matches the literals and the rest of that command (a LOGIN with a password
///   sent as a literal); the replay answers the client's `+` waits itself. In a server
///   line a placeholder sends nothing.
/// - **FETCH items**: in any order with
///   [`any_fetch_item_order`](Self::any_fetch_item_order).
/// - **Authentication**: a recorded AUTHENTICATE, whatever its mechanism, also takes a
///   LOGIN (what [`session`](Self::session) sends): its SASL exchange is redacted, so a
///   challenge-response mechanism such as SCRAM could not run against it.
///
/// When the client turns on COMPRESS=DEFLATE, the replay does too. Clones share the same
/// state: keep one to call [`finish`](Self::finish) on.
#[derive(Clone)]
pub struct Replay {
    state: Arc<Mutex<State>>,
}

impl fmt::Debug for Replay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.lock();
        f.debug_struct("Replay")
            .field("client_lines_matched", &st.next_unit)
            .field("client_lines", &st.units.len())
            .field("failed", &st.error.is_some())
            .finish_non_exhaustive()
    }
}

struct State {
    units: Vec<Unit>,
    steps: Vec<Step>,
    next_unit: usize,
    next_step: usize,
    /// Transcript tag -> the client's.
    tags: Vec<(Vec<u8>, Vec<u8>)>,
    exact_tags: bool,
    any_fetch_order: bool,
    max_read: usize,
    /// The socket read timeout played: a delay that outlasts it fails the read.
    read_timeout: Option<Duration>,
    /// The builder's greeting timeout, which shortens the read timeout until the first
    /// bytes have been read (as `Conn` shortens a socket's).
    greeting_timeout: Option<Duration>,
    /// Were the timeouts set with [`Replay::read_timeout`] (the builder's do not apply)?
    timeouts_set: bool,
    /// Has the client read anything yet (the greeting timeout is over)?
    greeted: bool,
    /// How long the client has waited on delays since it last read bytes or timed out
    /// (across the `Interrupted` returns that give `Conn` its turns, and across delays
    /// that follow each other: silence is silence).
    waited: Duration,
    /// What the client wrote, not yet cut into units.
    pending: Vec<u8>,
    /// Bytes of a literal the client announced, still to come.
    literal_left: Option<usize>,
    /// Is the client's next line the rest of one that announced a literal?
    continuation: bool,
    /// Matching the literals and the rest of a command a placeholder stands for.
    absorbing: bool,
    /// Bytes ready for the client to read.
    out: VecDeque<u8>,
    /// What is left of the delay being played (a read timeout may cut it).
    delay_left: Option<Duration>,
    /// The tag of the client's COMPRESS, until the server's OK for it.
    compress_tag: Option<Vec<u8>>,
    /// The transcript's tag of an AUTHENTICATE the client answered with LOGIN: its
    /// challenges are skipped until its completion.
    skip_sasl: Option<Vec<u8>>,
    /// In the client's LOGIN or AUTHENTICATE that announced a literal: its literals and
    /// the rest of it are credentials (errors do not show them).
    client_command: bool,
    /// The client's tag of its AUTHENTICATE, until the completion is read: its lines
    /// between are SASL data.
    client_sasl: Option<Vec<u8>>,
    /// Is the client's line being matched secret throughout?
    line_secret: bool,
    deflate: Option<Compress>,
    inflate: Option<Decompress>,
    /// The server closed the connection (`! eof`).
    closed: bool,
    error: Option<Mismatch>,
}

impl Replay {
    /// A replay of `transcript`.
    pub fn new(transcript: Transcript) -> Replay {
        let (units, steps) = build(transcript.items);
        Replay {
            state: Arc::new(Mutex::new(State {
                units,
                steps,
                next_unit: 0,
                next_step: 0,
                tags: Vec::new(),
                exact_tags: false,
                any_fetch_order: false,
                max_read: usize::MAX,
                read_timeout: None,
                greeting_timeout: None,
                timeouts_set: false,
                greeted: false,
                waited: Duration::ZERO,
                pending: Vec::new(),
                literal_left: None,
                continuation: false,
                absorbing: false,
                out: VecDeque::new(),
                delay_left: None,
                compress_tag: None,
                skip_sasl: None,
                client_command: false,
                client_sasl: None,
                line_secret: false,
                deflate: None,
                inflate: None,
                closed: false,
                error: None,
            })),
        }
    }

    /// A replay of the transcript in the file at `path` (a recording, or one written by
    /// hand).
    ///
    /// Errors: the file cannot be read, or parsed (see [`Transcript::from_file`]).
    pub fn from_file(path: impl AsRef<Path>) -> io::Result<Replay> {
        Transcript::from_file(path).map(Replay::new)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Must the client use exactly the transcript's tags? Default: no, any tags do.
    pub fn exact_tags(self, exact: bool) -> Self {
        self.lock().exact_tags = exact;
        self
    }

    /// Does a FETCH (or UID FETCH) match one that asks for the same items in another order?
    /// Default: no.
    pub fn any_fetch_item_order(self, any: bool) -> Self {
        self.lock().any_fetch_order = any;
        self
    }

    /// Hands out at most `bytes` per read (at least 1): a server whose replies arrive in
    /// pieces. By default each read returns up to one transcript line.
    pub fn max_read(self, bytes: usize) -> Self {
        self.lock().max_read = bytes.max(1);
        self
    }

    /// Makes a `! delay` longer than `timeout` fail the read after `timeout` with
    /// [`io::ErrorKind::TimedOut`], as a socket with that read timeout would (the session
    /// sees [`Error::Timeout`](crate::Error::Timeout)); `None`: a delay is waited out.
    ///
    /// [`client`](Self::client) and [`client_with`](Self::client_with) play the builder's
    /// read and greeting timeouts by themselves; this replaces both (`read_timeout(None)`
    /// waits out every delay whatever the builder says). A replay given to
    /// [`ClientBuilder::connect_stream`] directly knows no builder: set the timeout here.
    /// Default: the builder's with `client` / `client_with`, else none.
    pub fn read_timeout(self, timeout: Option<Duration>) -> Self {
        {
            let mut st = self.lock();
            st.read_timeout = timeout;
            st.greeting_timeout = None;
            st.timeouts_set = true;
        }
        self
    }

    /// Connects a plaintext [`Client`] to the replay (host `replay`, the default options:
    /// a read timeout of [`DEFAULT_IO_TIMEOUT`](crate::DEFAULT_IO_TIMEOUT) among them) and
    /// reads the greeting.
    ///
    /// Errors: those of [`ClientBuilder::connect_stream`], a [`Mismatch`] among them.
    pub fn client(&self) -> Result<Client> {
        self.client_with(&ClientBuilder::new("replay", 143))
    }

    /// Like [`client`](Self::client), with the options of `builder` (limits, timeouts);
    /// its security setting is replaced by plaintext: a recording holds the protocol as it
    /// was above TLS.
    ///
    /// The replay keeps the builder's timeouts as a socket would: a `! delay` that
    /// outlasts the read timeout (before the greeting, the greeting timeout if shorter)
    /// fails the read after that time with [`Error::Timeout`](crate::Error::Timeout),
    /// unless [`read_timeout`](Self::read_timeout) set one; one that outlasts the
    /// [`command_deadline`](ClientBuilder::command_deadline) ends within a few
    /// milliseconds of the deadline (`Error::Timeout`, operation `"command"`).
    pub fn client_with(&self, builder: &ClientBuilder) -> Result<Client> {
        {
            let mut st = self.lock();
            if !st.timeouts_set {
                st.read_timeout = builder.opts.read_timeout;
                st.greeting_timeout = Some(builder.opts.greeting_timeout);
            }
        }
        builder
            .clone()
            .security(Security::Plaintext)
            .connect_stream(self.clone())
    }

    /// A [`client`](Self::client) logged in with LOGIN as `user` / `password`: a recorded
    /// LOGIN or AUTHENTICATE (`{{redacted}}`) takes any name and password.
    ///
    /// Errors: those of [`client`](Self::client) and [`Client::login`].
    pub fn session(&self) -> Result<Session> {
        Ok(self.client()?.login("user", "password")?)
    }

    /// Checks that the whole transcript was played: no mismatch happened, the client wrote
    /// every line it has, and read every line the server had for it.
    ///
    /// Errors: the first [`Mismatch`], or one that says where the client stopped.
    pub fn finish(&self) -> std::result::Result<(), Mismatch> {
        self.lock().finish()
    }

    /// [`finish`](Self::finish) for tests.
    ///
    /// # Panics
    ///
    /// With the mismatch as the message, when `finish` returns one.
    #[track_caller]
    pub fn assert_finished(&self) {
        if let Err(m) = self.finish() {
            panic!("{m}");
        }
    }
}

/// The client's units and the server's steps of a transcript.
fn build(items: Vec<Item>) -> (Vec<Unit>, Vec<Step>) {
    let mut units: Vec<Unit> = Vec::new();
    let mut steps = Vec::new();
    // The client's unit being built (a line cut by `\`, or a literal's lines).
    let mut open: Option<Unit> = None;
    let mut line_open = false;
    let mut continuation = false;
    // The server's side: does the next `S:` start a response?
    let mut srv_partial = false;
    let mut srv_cont = false;
    let mut srv_line = Vec::new();
    let mut secrets = Secrets::default();
    for item in items {
        let line_no = item.line_no();
        let gate = units.len() + usize::from(open.is_some());
        let mut secret = false;
        let event = match item {
            Item::Comment(_) => continue,
            Item::Text {
                dir: Dir::Client,
                literal,
                pieces,
                crlf,
                line,
            } => {
                let joins = match &open {
                    Some(u) => u.literal == literal && (literal || line_open),
                    None => false,
                };
                if !joins {
                    if let Some(mut u) = open.take() {
                        if !u.literal {
                            continuation = u.announces().is_some();
                        }
                        secrets.unit(&mut u);
                        units.push(u);
                    }
                    open = Some(Unit {
                        literal,
                        pieces: Vec::new(),
                        first: !literal && !continuation,
                        line,
                        secret: false,
                    });
                }
                if let Some(u) = open.as_mut() {
                    u.pieces.extend(pieces);
                    if literal && crlf {
                        u.pieces.push(Piece::Bytes(b"\r\n".to_vec()));
                    }
                }
                line_open = !literal && !crlf;
                if !literal && crlf {
                    if let Some(mut u) = open.take() {
                        continuation = u.announces().is_some();
                        secrets.unit(&mut u);
                        units.push(u);
                    }
                }
                continue;
            }
            Item::Text {
                dir: Dir::Server,
                literal,
                pieces,
                crlf,
                ..
            } => {
                let starts = !literal && !srv_partial && !srv_cont;
                if !literal {
                    for p in &pieces {
                        if let Piece::Bytes(b) = p {
                            srv_line.extend_from_slice(b);
                        }
                    }
                    srv_partial = !crlf;
                    if crlf {
                        srv_cont = announcement(&srv_line).is_some();
                        srv_line.clear();
                    }
                }
                secret = secrets.server(&pieces, starts);
                Event::Text {
                    pieces,
                    crlf,
                    starts,
                }
            }
            Item::Delay(d, _) => Event::Delay(d),
            Item::Timeout(_) => Event::Timeout,
            Item::Eof(_) => Event::Eof,
            Item::Reset(_) => Event::Reset,
        };
        steps.push(Step {
            event,
            line: line_no,
            gate,
            secret,
        });
    }
    if let Some(mut u) = open.take() {
        secrets.unit(&mut u);
        units.push(u);
    }
    // Consecutive literal pieces merged, for matching.
    for u in &mut units {
        let mut merged: Vec<Piece> = Vec::new();
        for p in u.pieces.drain(..) {
            match (merged.last_mut(), p) {
                (Some(Piece::Bytes(a)), Piece::Bytes(b)) => a.extend_from_slice(&b),
                (_, p) => merged.push(p),
            }
        }
        u.pieces = merged;
    }
    (units, steps)
}

/// Does `actual` match `pieces`, a placeholder matching any bytes?
fn glob(pieces: &[Piece], actual: &[u8]) -> bool {
    let mut parts: Vec<&[u8]> = Vec::new();
    let mut holes = 0;
    // Bytes between holes; `parts.len() == holes + 1`.
    let mut cur: Option<&[u8]> = None;
    for p in pieces {
        match p {
            Piece::Bytes(b) => cur = Some(b),
            Piece::Hole(_) => {
                parts.push(cur.take().unwrap_or_default());
                holes += 1;
            }
        }
    }
    parts.push(cur.unwrap_or_default());
    if holes == 0 {
        return parts[0] == actual;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if actual.len() < first.len() + last.len()
        || !actual.starts_with(first)
        || !actual.ends_with(last)
    {
        return false;
    }
    let mut rest = &actual[first.len()..actual.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        if mid.is_empty() {
            continue;
        }
        match rest.windows(mid.len()).position(|w| w == *mid) {
            Some(at) => rest = &rest[at + mid.len()..],
            None => return false,
        }
    }
    true
}

/// A FETCH command with its item list sorted, for matching in any order (`None` when it is
/// not a FETCH with a list).
fn sorted_fetch(rest: &[u8]) -> Option<Vec<u8>> {
    let upper = rest.to_ascii_uppercase();
    let at = if upper.starts_with(b"FETCH ") {
        6
    } else if upper.starts_with(b"UID FETCH ") {
        10
    } else {
        return None;
    };
    let set_end = at + rest[at..].iter().position(|&b| b == b' ')?;
    let list = set_end + 1;
    if rest.get(list) != Some(&b'(') {
        return None;
    }
    // The list's end, and its top-level items.
    let mut depth = 0usize;
    let mut items = Vec::new();
    let mut start = list + 1;
    let mut end = None;
    for (i, &b) in rest.iter().enumerate().skip(list) {
        match b {
            b'(' | b'[' => depth += 1,
            b')' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    end = Some(i);
                    break;
                }
            }
            b' ' if depth == 1 => {
                items.push(&rest[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    let end = end?;
    items.push(&rest[start..end]);
    items.sort_unstable();
    let mut out = rest[..=list].to_vec();
    out.extend_from_slice(&items.join(&b' '));
    out.extend_from_slice(&rest[end..]);
    Some(out)
}

fn mismatch(line: Option<usize>, message: String) -> Mismatch {
    Mismatch { line, message }
}

impl State {
    fn fail(&mut self, m: Mismatch) -> io::Error {
        let e = m.to_io();
        self.error.get_or_insert(m);
        e
    }

    fn next_unit_shown(&self) -> String {
        match self.units.get(self.next_unit) {
            Some(u) => format!("line {}: {}", u.line, u.shown()),
            None => "the end of the transcript".into(),
        }
    }

    /// Cuts what the client wrote into lines and literals, and matches each.
    fn take_written(&mut self) -> io::Result<()> {
        loop {
            if let Some(n) = self.literal_left {
                if self.pending.len() < n {
                    return Ok(());
                }
                let lit: Vec<u8> = self.pending.drain(..n).collect();
                self.literal_left = None;
                self.match_literal(&lit)?;
                continue;
            }
            let Some(pos) = self.pending.windows(2).position(|w| w == b"\r\n") else {
                return Ok(());
            };
            let mut line: Vec<u8> = self.pending.drain(..pos + 2).collect();
            line.truncate(pos);
            let first = !self.continuation;
            let ann = announcement(&line);
            self.continuation = ann.is_some();
            self.literal_left = ann.map(|a| a.size).filter(|&n| n > 0);
            self.line_secret = self.client_secret(&line, first, ann);
            self.match_line(&line, first, ann)?;
        }
    }

    /// Is the client's line secret throughout, for errors (the rule of `redact`, on the
    /// client's side)? Notes what the lines after it are.
    fn client_secret(&mut self, line: &[u8], first: bool, ann: Option<Announcement>) -> bool {
        if !first {
            let secret = self.client_command;
            self.client_command &= ann.is_some();
            return secret;
        }
        if self.client_sasl.is_some() {
            // `*` cancels the exchange: nothing secret in it.
            return line != b"*";
        }
        let found = sensitive(line, false, true);
        self.client_command = found.is_some() && ann.is_some();
        if let Some(s) = found.filter(|s| s.sasl) {
            self.client_sasl = Some(s.tag.to_vec());
        }
        false
    }

    /// The client's line being matched, as errors show it.
    fn shown_client(&self, line: &[u8]) -> String {
        if self.line_secret {
            return hidden();
        }
        redacted_line(line, 300).unwrap_or_else(|| show(line, 300))
    }

    /// What the client wrote of a line or literal it has not finished, as errors show it.
    fn shown_pending(&self) -> String {
        let secret = if self.continuation {
            // In a literal, or the rest of a line after one.
            self.client_command
        } else {
            self.client_sasl.is_some() && self.pending != b"*"
        };
        if secret {
            return hidden();
        }
        redacted_line(&self.pending, 300).unwrap_or_else(|| show(&self.pending, 300))
    }

    fn push_out(&mut self, bytes: &[u8]) {
        let Some(c) = self.deflate.as_mut() else {
            self.out.extend(bytes);
            return;
        };
        let mut v = Vec::with_capacity(bytes.len() + 64);
        let mut used = 0;
        loop {
            v.reserve(bytes.len().max(64));
            let before = c.total_in();
            if c.compress_vec(&bytes[used..], &mut v, FlushCompress::Sync)
                .is_err()
            {
                break;
            }
            used += (c.total_in() - before) as usize;
            if used == bytes.len() && v.len() < v.capacity() {
                break;
            }
        }
        self.out.extend(v);
    }

    /// The client announced a synchronising literal inside a placeholder: the replay gives
    /// the `+` the transcript does not have.
    fn go_ahead(&mut self, ann: Option<Announcement>) {
        if ann.is_some_and(|a| a.sync) {
            self.push_out(b"+ go ahead\r\n");
        }
    }

    fn match_line(
        &mut self,
        line: &[u8],
        first: bool,
        ann: Option<Announcement>,
    ) -> io::Result<()> {
        if self.absorbing {
            self.absorbing = ann.is_some();
            self.go_ahead(ann);
            return Ok(());
        }
        let next_first = self.units.get(self.next_unit).is_some_and(|u| u.first);
        if first && next_first && self.login_for_authenticate(line, ann) {
            return Ok(());
        }
        let Some(unit) = self.units.get(self.next_unit) else {
            if self.closed {
                return Err(io::Error::new(
                    io::ErrorKind::BrokenPipe,
                    "replay: the server closed the connection",
                ));
            }
            let m = mismatch(
                None,
                format!(
                    "replay: the client wrote after the end of the transcript\n  client:     \
                     C: {}",
                    self.shown_client(line)
                ),
            );
            return Err(self.fail(m));
        };
        let unit_line = unit.line;
        let mut hint = "";
        let ok = if unit.literal {
            false
        } else if let (true, true, Some((tag, rest)), Some((etag, erest))) = (
            first,
            unit.first,
            split_tag(line),
            split_tag_pieces(&unit.pieces),
        ) {
            let tag_ok = !self.exact_tags || etag == tag;
            let plain = glob(&erest, rest);
            let reordered = !plain && Self::fetch_matches(&erest, rest);
            let rest_ok = plain || (self.any_fetch_order && reordered);
            if reordered && !self.any_fetch_order {
                hint = "\n  (the same FETCH items in another order: \
                        Replay::any_fetch_item_order(true) accepts that)";
            }
            if rest_ok && !tag_ok {
                hint = "\n  (only the tag differs: Replay::exact_tags(false) maps tags)";
            }
            if tag_ok && rest_ok {
                if !self.exact_tags {
                    self.tags.retain(|(e, _)| *e != etag);
                    self.tags.push((etag.clone(), tag.to_vec()));
                }
                if first_word(rest) == "COMPRESS" {
                    self.compress_tag = Some(tag.to_vec());
                }
            }
            tag_ok && rest_ok
        } else {
            glob(&unit.pieces, line)
        };
        if !ok {
            let (expected, got) = (unit.shown(), format!("C: {}", self.shown_client(line)));
            if expected == got {
                hint = "\n  (they differ in what is redacted: credentials are never shown)";
            }
            let m = mismatch(
                Some(unit_line),
                format!(
                    "replay: the client wrote something else than transcript line {unit_line}\n  \
                     transcript: {expected}\n  client:     {got}{hint}"
                ),
            );
            return Err(self.fail(m));
        }
        // A placeholder took the literal this line announces: take the rest of the command.
        if ann.is_some() && unit.announces().is_none() {
            self.absorbing = true;
            self.go_ahead(ann);
        }
        self.next_unit += 1;
        Ok(())
    }

    /// A recorded authentication, whatever its mechanism, takes a LOGIN: with its
    /// exchange redacted, a challenge-response mechanism (SCRAM) could not be replayed,
    /// and [`Replay::session`] logs in with LOGIN. The transcript's SASL lines are
    /// skipped, the server's up to the completion.
    fn login_for_authenticate(&mut self, line: &[u8], ann: Option<Announcement>) -> bool {
        let Some((tag, rest)) = split_tag(line) else {
            return false;
        };
        let Some(unit) = self.units.get(self.next_unit) else {
            return false;
        };
        let Some((etag, erest)) = split_tag_pieces(&unit.pieces) else {
            return false;
        };
        // Redacted in the line (an initial response) or in the response after it.
        let hole = |pieces: &[Piece]| pieces.iter().any(|p| matches!(p, Piece::Hole(_)));
        let redacted = hole(&erest)
            || self.units.get(self.next_unit + 1).is_some_and(|u| {
                !u.literal && split_tag_pieces(&u.pieces).is_none() && hole(&u.pieces)
            });
        let ename = match erest.first() {
            Some(Piece::Bytes(b)) => first_word(b),
            _ => String::new(),
        };
        if !(redacted && ename == "AUTHENTICATE" && first_word(rest) == "LOGIN") {
            return false;
        }
        if self.exact_tags && etag != tag {
            return false;
        }
        self.tags.retain(|(e, _)| *e != etag);
        self.tags.push((etag.clone(), tag.to_vec()));
        self.skip_sasl = Some(etag);
        self.next_unit += 1;
        while let Some(u) = self.units.get(self.next_unit) {
            if u.first && split_tag_pieces(&u.pieces).is_some() {
                break;
            }
            self.next_unit += 1;
        }
        if ann.is_some() {
            self.absorbing = true;
            self.go_ahead(ann);
        }
        true
    }

    fn fetch_matches(expected: &[Piece], actual: &[u8]) -> bool {
        let [Piece::Bytes(e)] = expected else {
            return false;
        };
        match (sorted_fetch(e), sorted_fetch(actual)) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        }
    }

    fn match_literal(&mut self, lit: &[u8]) -> io::Result<()> {
        if self.absorbing {
            return Ok(());
        }
        let unit = self.units.get(self.next_unit);
        let ok = unit.is_some_and(|u| u.literal && glob(&u.pieces, lit));
        if !ok {
            let m = mismatch(
                unit.map(|u| u.line),
                format!(
                    "replay: the client sent a literal the transcript does not have at {}\n  \
                     client:     C| {}",
                    self.next_unit_shown(),
                    if self.client_command {
                        hidden()
                    } else {
                        show(lit, 300)
                    }
                ),
            );
            return Err(self.fail(m));
        }
        self.next_unit += 1;
        Ok(())
    }

    /// The bytes of a server line, its tag replaced by the client's.
    fn server_bytes(&mut self, pieces: &[Piece], crlf: bool, starts: bool) -> Vec<u8> {
        let mut bytes = Vec::new();
        for p in pieces {
            if let Piece::Bytes(b) = p {
                bytes.extend_from_slice(b);
            }
        }
        if starts {
            if let Some((tag, rest)) = split_tag(&bytes) {
                if let Some((_, ours)) = self.tags.iter().find(|(e, _)| e.eq_ignore_ascii_case(tag))
                {
                    let mut b = ours.clone();
                    b.push(b' ');
                    b.extend_from_slice(rest);
                    bytes = b;
                }
            }
        }
        if crlf {
            bytes.extend_from_slice(b"\r\n");
        }
        bytes
    }

    /// One turn of a read, under the lock.
    fn read_turn(&mut self, buf: &mut [u8]) -> Turn {
        loop {
            if let Some(e) = &self.error {
                return Turn::Fail(e.to_io());
            }
            if !self.out.is_empty() {
                let n = buf.len().min(self.max_read).min(self.out.len());
                for (i, b) in self.out.drain(..n).enumerate() {
                    buf[i] = b;
                }
                self.greeted = true;
                self.waited = Duration::ZERO;
                return Turn::Read(n);
            }
            if let Some(left) = self.delay_left {
                // A slice at a time, never past the read timeout.
                let mut slice = left.min(DELAY_SLICE);
                if let Some(limit) = self.wait_limit() {
                    slice = slice.min(limit.saturating_sub(self.waited));
                }
                return Turn::Wait(slice);
            }
            let Some(step) = self.steps.get(self.next_step) else {
                return Turn::Read(0);
            };
            if step.gate > self.next_unit {
                if self.units.get(self.next_unit).is_some_and(Unit::is_done) {
                    return Turn::SleepFail(
                        IDLE_TICK,
                        io::Error::new(io::ErrorKind::WouldBlock, "replay: idling"),
                    );
                }
                let written = if self.pending.is_empty() {
                    "nothing".to_string()
                } else {
                    format!("\"{}\"", self.shown_pending())
                };
                let m = mismatch(
                    self.units.get(self.next_unit).map(|u| u.line),
                    format!(
                        "replay: the client waits for the server, but the transcript has it \
                         write first ({}; it wrote {written} so far)",
                        self.next_unit_shown()
                    ),
                );
                return Turn::Fail(self.fail(m));
            }
            let line = step.line;
            match &step.event {
                Event::Delay(d) => {
                    self.delay_left = Some(*d);
                    self.next_step += 1;
                }
                Event::Timeout => {
                    self.next_step += 1;
                    self.waited = Duration::ZERO;
                    return Turn::Fail(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("replay: `! timeout` at transcript line {line}"),
                    ));
                }
                Event::Reset => {
                    self.next_step += 1;
                    return Turn::Fail(io::Error::new(
                        io::ErrorKind::ConnectionReset,
                        format!("replay: `! reset` at transcript line {line}"),
                    ));
                }
                Event::Eof => {
                    self.closed = true;
                    return Turn::Read(0);
                }
                Event::Text {
                    pieces,
                    crlf,
                    starts,
                } => {
                    let (crlf, starts) = (*crlf, *starts);
                    let pieces = pieces.clone();
                    self.next_step += 1;
                    if let (Some(skip), true) = (&self.skip_sasl, starts) {
                        let raw = match pieces.first() {
                            Some(Piece::Bytes(b)) => b.as_slice(),
                            _ => &[],
                        };
                        if raw.starts_with(b"+") {
                            continue;
                        }
                        if split_tag(raw).is_some_and(|(t, _)| t == skip.as_slice()) {
                            self.skip_sasl = None;
                        }
                    }
                    let bytes = self.server_bytes(&pieces, crlf, starts);
                    if let (Some(ours), true) = (&self.client_sasl, starts) {
                        // The completion of the client's AUTHENTICATE: its SASL lines end.
                        if split_tag(&bytes).is_some_and(|(t, _)| t.eq_ignore_ascii_case(ours)) {
                            self.client_sasl = None;
                        }
                    }
                    self.push_out(&bytes);
                    // The OK to COMPRESS: from here on, both ways are compressed.
                    if starts {
                        if let Some(tag) = self.compress_tag.clone() {
                            let ok = split_tag(&bytes).is_some_and(|(t, r)| {
                                t == tag.as_slice()
                                    && r.len() >= 2
                                    && r[..2].eq_ignore_ascii_case(b"OK")
                            });
                            if ok {
                                self.compress_tag = None;
                                self.deflate = Some(Compress::new(Compression::default(), false));
                                self.inflate = Some(Decompress::new(false));
                            }
                        }
                    }
                }
            }
        }
    }

    /// The read timeout in force: the greeting timeout shortens it until the first read.
    fn wait_limit(&self) -> Option<Duration> {
        match (self.read_timeout, self.greeting_timeout) {
            (Some(r), Some(g)) if !self.greeted => Some(r.min(g)),
            (None, Some(g)) if !self.greeted => Some(g),
            (r, _) => r,
        }
    }

    /// After a read slept `slept` of the delay: `Ok` when the delay is over (the read goes
    /// on), [`io::ErrorKind::TimedOut`] when the read has waited its whole read timeout
    /// (what is left of the delay stays for the next read), else
    /// [`io::ErrorKind::Interrupted`], so that the caller may look at its clock and read
    /// again.
    fn waited_for(&mut self, slept: Duration) -> io::Result<()> {
        let left = self.delay_left.unwrap_or_default().saturating_sub(slept);
        self.waited += slept;
        if left.is_zero() {
            self.delay_left = None;
            return Ok(());
        }
        self.delay_left = Some(left);
        if self.wait_limit().is_some_and(|limit| self.waited >= limit) {
            self.waited = Duration::ZERO;
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "replay: a delay outlasted the read timeout",
            ));
        }
        Err(io::ErrorKind::Interrupted.into())
    }

    fn inflate(&mut self, buf: &[u8]) -> io::Result<Vec<u8>> {
        let Some(d) = self.inflate.as_mut() else {
            return Ok(buf.to_vec());
        };
        let mut out = Vec::with_capacity(buf.len() * 4 + 64);
        let mut used = 0;
        while used < buf.len() {
            out.reserve(buf.len() * 4 + 64);
            let (before_in, before_out) = (d.total_in(), d.total_out());
            d.decompress_vec(&buf[used..], &mut out, FlushDecompress::None)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            used += (d.total_in() - before_in) as usize;
            if d.total_in() == before_in && d.total_out() == before_out {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "replay: the client's deflate stream made no progress",
                ));
            }
        }
        Ok(out)
    }

    fn finish(&self) -> std::result::Result<(), Mismatch> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if !self.pending.is_empty() && !self.absorbing {
            return Err(mismatch(
                None,
                format!(
                    "replay: the client wrote an unfinished line: \"{}\"",
                    self.shown_pending()
                ),
            ));
        }
        if let Some(u) = self.units.get(self.next_unit) {
            return Err(mismatch(
                Some(u.line),
                format!(
                    "replay: the client stopped before the end of the transcript; it has the \
                     client write next (line {}):\n  transcript: {}",
                    u.line,
                    u.shown()
                ),
            ));
        }
        let unread = self.steps[self.next_step..]
            .iter()
            .find(|s| matches!(s.event, Event::Text { .. }));
        if let Some(s) = unread {
            let shown = match &s.event {
                Event::Text { .. } if s.secret => format!("+ {}", hidden()),
                Event::Text { pieces, .. } => render_pieces(pieces),
                _ => String::new(),
            };
            return Err(mismatch(
                Some(s.line),
                format!(
                    "replay: the client did not read the server's lines from transcript line \
                     {} on:\n  transcript: S: {}",
                    s.line,
                    show(shown.as_bytes(), 300)
                ),
            ));
        }
        Ok(())
    }
}

/// The tag and the rest of an expected line.
fn split_tag_pieces(pieces: &[Piece]) -> Option<(Vec<u8>, Vec<Piece>)> {
    let Some(Piece::Bytes(b)) = pieces.first() else {
        return None;
    };
    let (tag, rest) = split_tag(b)?;
    let mut out = vec![Piece::Bytes(rest.to_vec())];
    out.extend(pieces[1..].iter().cloned());
    Some((tag.to_vec(), out))
}

enum Turn {
    Read(usize),
    /// Sleep through this much of a delay, then see ([`State::waited_for`]).
    Wait(Duration),
    SleepFail(Duration, io::Error),
    Fail(io::Error),
}

impl Read for Replay {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let turn = self.lock().read_turn(buf);
            match turn {
                Turn::Read(n) => return Ok(n),
                Turn::Fail(e) => return Err(e),
                Turn::Wait(d) => {
                    // Outside the lock: a clone may be written to or finished meanwhile.
                    std::thread::sleep(d);
                    self.lock().waited_for(d)?;
                }
                Turn::SleepFail(d, e) => {
                    std::thread::sleep(d);
                    return Err(e);
                }
            }
        }
    }
}

impl Write for Replay {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut st = self.lock();
        if let Some(e) = &st.error {
            return Err(e.to_io());
        }
        let bytes = st.inflate(buf)?;
        st.pending.extend_from_slice(&bytes);
        st.take_written()?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Piece {
        Piece::Bytes(s.as_bytes().to_vec())
    }

    #[test]
    fn globs() {
        let h = || Piece::Hole("any".into());
        assert!(glob(&[b("A1 NOOP")], b"A1 NOOP"));
        assert!(!glob(&[b("A1 NOOP")], b"A1 NOOPX"));
        assert!(glob(&[b("LOGIN "), h()], b"LOGIN a b"));
        assert!(glob(&[b("LOGIN "), h()], b"LOGIN "));
        assert!(!glob(&[b("LOGIN "), h()], b"LOGIN"));
        assert!(glob(
            &[b("SEARCH SINCE "), h(), b(" FROM x")],
            b"SEARCH SINCE 1-Jan-2024 FROM x"
        ));
        assert!(glob(&[h(), b("x"), h(), b("x"), h()], b"axbxc"));
        assert!(!glob(&[h(), b("x"), h(), b("x"), h()], b"axb"));
        assert!(glob(&[h()], b""));
    }

    #[test]
    fn fetch_items_sorted() {
        let a = sorted_fetch(b"UID FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (A B)])");
        let b = sorted_fetch(b"UID FETCH 1:* (BODY.PEEK[HEADER.FIELDS (A B)] FLAGS UID)");
        assert!(a.is_some() && a == b);
        assert_ne!(a, sorted_fetch(b"UID FETCH 1:* (UID FLAGS)"));
        assert_eq!(sorted_fetch(b"FETCH 1 FLAGS"), None);
        assert_eq!(sorted_fetch(b"NOOP"), None);
    }

    use std::time::Instant;

    use crate::testing::Script;
    use crate::Error;

    /// A session over `replay` with the options of `builder`, logged in.
    fn session(replay: &Replay, builder: ClientBuilder) -> Session {
        replay
            .client_with(&builder)
            .unwrap()
            .login("u", "p")
            .unwrap()
    }

    fn silent_noop() -> Replay {
        Script::new()
            .login()
            .expect("NOOP")
            .delay(Duration::from_secs(10))
            .respond(["OK"])
            .replay()
    }

    /// The builder's read timeout cuts a scripted pause as a socket's would: the error a
    /// socket gives (operation "read", the builder's timeout), promptly.
    #[test]
    fn a_pause_meets_the_builders_read_timeout() {
        let replay = silent_noop();
        let timeout = Duration::from_millis(200);
        let mut s = session(
            &replay,
            ClientBuilder::new("x", 1).read_timeout(Some(timeout)),
        );
        let start = Instant::now();
        let err = s.noop().unwrap_err();
        let took = start.elapsed();
        assert!(
            matches!(err, Error::Timeout { operation: "read", after, .. } if after == timeout),
            "{err}"
        );
        assert!(took >= timeout && took < Duration::from_secs(2), "{took:?}");
        assert!(s.is_broken());
    }

    /// A command deadline ends a pause that the read timeout (60 s by default) would not.
    #[test]
    fn a_pause_meets_the_builders_command_deadline() {
        let replay = silent_noop();
        let deadline = Duration::from_millis(200);
        let builder = ClientBuilder::new("x", 1).command_deadline(Some(deadline));
        let mut s = session(&replay, builder);
        let start = Instant::now();
        let err = s.noop().unwrap_err();
        let took = start.elapsed();
        assert!(
            matches!(err, Error::Timeout { operation: "command", after, .. } if after == deadline),
            "{err}"
        );
        assert!(
            took >= deadline && took < Duration::from_secs(2),
            "{took:?}"
        );
    }

    /// Before the greeting, the greeting timeout; pauses that follow each other add up; a
    /// pause within the timeouts is waited out; `Replay::read_timeout` overrides the builder.
    #[test]
    fn greeting_timeout_adding_pauses_and_override() {
        let late: Transcript = "! delay 10s\nS: * OK hi\n".parse().unwrap();
        let start = Instant::now();
        let builder = ClientBuilder::new("x", 1).greeting_timeout(Duration::from_millis(100));
        let err = Replay::new(late).client_with(&builder).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Timeout {
                    operation: "greeting",
                    ..
                }
            ),
            "{err}"
        );
        assert!(start.elapsed() < Duration::from_secs(2));

        let two = || {
            Script::new()
                .login()
                .expect("NOOP")
                .delay(Duration::from_millis(150))
                .delay(Duration::from_millis(150))
                .respond(["OK"])
                .replay()
        };
        let builder = ClientBuilder::new("x", 1).read_timeout(Some(Duration::from_millis(200)));
        let replay = two();
        let err = session(&replay, builder.clone()).noop().unwrap_err();
        assert!(err.is_timeout(), "{err}");

        let replay = two().read_timeout(None);
        session(&replay, builder).noop().unwrap();
        replay.assert_finished();

        let replay = two();
        let builder = ClientBuilder::new("x", 1).read_timeout(Some(Duration::from_secs(5)));
        session(&replay, builder).noop().unwrap();
        replay.assert_finished();
    }

    /// The messages of a failed replay (the error the code under test got, and `finish`),
    /// Display and Debug, checked for every secret.
    fn assert_hidden(err: &Error, replay: &Replay, secrets: &[&str]) -> String {
        let m = replay.finish().unwrap_err();
        let texts = [
            err.to_string(),
            format!("{err:?}"),
            m.to_string(),
            format!("{m:?}"),
        ];
        for text in &texts {
            for secret in secrets {
                assert!(!text.contains(secret), "{secret} shown: {text}");
            }
        }
        m.to_string()
    }

    /// A LOGIN other than the script's: both shown with their user names, neither password.
    #[test]
    fn a_login_mismatch_shows_no_password() {
        let replay = Script::new()
            .expect("LOGIN alice s3cret-expected")
            .respond(["OK"])
            .replay();
        let err = replay
            .client()
            .unwrap()
            .login("bob", "hunter2-client")
            .unwrap_err();
        let shown = assert_hidden(&err.error, &replay, &["s3cret", "hunter2"]);
        assert!(
            shown.contains("C: A0001 LOGIN alice {{redacted}}")
                && shown.contains("C: A0001 LOGIN bob {{redacted}}"),
            "{shown}"
        );
        // Only the password differs: the message says where the difference is.
        let replay = Script::new()
            .expect("LOGIN bob s3cret-expected")
            .respond(["OK"])
            .replay();
        let err = replay
            .client()
            .unwrap()
            .login("bob", "hunter2-client")
            .unwrap_err();
        let shown = assert_hidden(&err.error, &replay, &["s3cret", "hunter2"]);
        assert!(shown.contains("differ in what is redacted"), "{shown}");
    }

    /// A password sent as a literal, and SASL responses (with and without SASL-IR).
    #[test]
    fn literals_and_sasl_responses_are_not_shown() {
        let replay = Script::new()
            .capabilities("IMAP4rev1")
            .expect("LOGIN bob {8}")
            .respond(["+ go ahead"])
            .expect_raw("s3cretxx")
            .respond(["OK"])
            .replay();
        // Eight bytes of UTF-8, sent as a literal.
        let err = replay
            .client()
            .unwrap()
            .login("bob", "h\u{fc}nter2")
            .unwrap_err();
        let shown = assert_hidden(&err.error, &replay, &["s3cret", "nter2"]);
        assert!(shown.contains("C| {{redacted}}"), "{shown}");

        // Base64 of "\0bob\0hunter2" and of "\0alice\0s3cret".
        let (ours, theirs) = ("AGJvYgBodW50ZXIy", "AGFsaWNlAHMzY3JldA==");
        let replay = Script::new()
            .capabilities("IMAP4rev1 AUTH=PLAIN")
            .expect("AUTHENTICATE PLAIN")
            .respond(["+ "])
            .expect_raw(theirs)
            .respond(["OK"])
            .replay();
        let mut plain = crate::Plain::new("bob", "hunter2");
        let err = replay
            .client()
            .unwrap()
            .authenticate(&mut plain)
            .unwrap_err();
        assert_hidden(&err.error, &replay, &[ours, theirs]);

        let replay = Script::new()
            .capabilities("IMAP4rev1 SASL-IR AUTH=PLAIN")
            .expect(&format!("AUTHENTICATE PLAIN {theirs}"))
            .respond(["OK"])
            .replay();
        let mut plain = crate::Plain::new("bob", "hunter2");
        let err = replay
            .client()
            .unwrap()
            .authenticate(&mut plain)
            .unwrap_err();
        let shown = assert_hidden(&err.error, &replay, &[ours, theirs]);
        assert!(
            shown.contains("C: A0001 AUTHENTICATE PLAIN {{redacted}}"),
            "{shown}"
        );
    }
}
