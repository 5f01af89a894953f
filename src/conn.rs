//! The command engine shared by [`Client`](crate::Client) and [`Session`](crate::Session):
//! write a command, read until its tagged completion, route everything in between.

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use log::{debug, log_enabled, trace, warn, Level};

use crate::error::{Error, RawBytes, Result, ServerText};
use crate::state::{unsolicited, Mailbox, Queue, Unsolicited};
use crate::transport::Stream;
use crate::types::id::IdInfo;
use crate::types::{Capabilities, ResponseCode, Rev2View, StatusKind};
use crate::wire::effect::{effect, needs_selected, Effect};
use crate::wire::encode::{Command, LiteralMode};
use crate::wire::framer::{FrameError, Framer, Spill};
use crate::wire::id::id_command;
use crate::wire::parse::{parse_frame, tag_of, Parsed, Response};

/// Limits and timeouts of one connection.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub(crate) read_timeout: Option<Duration>,
    pub(crate) write_timeout: Option<Duration>,
    pub(crate) max_response_size: usize,
    pub(crate) max_nesting: u32,
    /// The longest command line to write; longer sequence sets are split across commands.
    pub(crate) max_line: usize,
    /// How many unsolicited responses the queue keeps.
    pub(crate) max_queue: usize,
    /// How many bytes of unsolicited responses the queue keeps.
    pub(crate) max_queue_bytes: usize,
    /// How many bytes of responses one command may collect into its result.
    pub(crate) max_result_size: usize,
    /// The longest one command may take from its first write to its completion.
    pub(crate) command_deadline: Option<Duration>,
    /// How long to wait for the server's greeting.
    pub(crate) greeting_timeout: Duration,
    /// How many chunks of a split command may be in flight at once.
    pub(crate) pipeline_depth: usize,
    /// Use IMAP4rev2 when the server offers it (`ClientBuilder::imap4rev2`).
    pub(crate) imap4rev2: bool,
}

/// One frame, classified against the tag of the command in progress.
#[derive(Debug)]
pub(crate) enum Incoming {
    /// The tagged completion of the command in progress.
    Done(std::result::Result<ServerText, Error>),
    /// `+`: the server waits for us.
    Continue(Vec<u8>),
    /// An untagged response; `raw` is kept only for responses this crate does not type.
    Data(Response, Option<Vec<u8>>),
    /// Something for the queue only (a stray tagged response, an unparsable untagged one).
    Stray(Unsolicited),
    /// The completion of another command still in flight (pipelined), kept for later.
    EarlyDone(String, std::result::Result<ServerText, Error>),
    /// A piece of a streamed literal (only while a streaming FETCH turned streaming on).
    Literal(Spill),
}

/// What a step of a command produced.
#[derive(Debug)]
pub(crate) enum Step {
    /// A response the command asked for.
    Data(Response),
    /// The command's completion: its OK text, or its NO / BAD / parse error.
    Done(std::result::Result<ServerText, Error>),
    /// A FETCH response that could not be parsed (also queued whole as unsolicited): a
    /// fetching command reports it as an error for that message and goes on.
    UnparsedFetch(Error),
    /// A piece of a streamed `BODY[...]` / `BINARY[...]` literal: its bytes are not in the
    /// FETCH response that follows (which holds an empty literal in their place).
    Literal(Spill),
}

#[derive(Debug)]
pub(crate) struct Conn {
    pub(crate) stream: Stream,
    framer: Framer,
    next_tag: u32,
    pub(crate) caps: Option<Capabilities>,
    /// How many untagged CAPABILITY responses were read (a login tells by it whether the
    /// server sent its new capabilities during the exchange).
    pub(crate) caps_seen: u64,
    pub(crate) state: Mailbox,
    pub(crate) queue: Queue,
    /// Why the connection is unusable, once it is.
    broken: Option<String>,
    /// A BYE the server sent: the connection is closing.
    bye: Option<ServerText>,
    /// Tags and names of commands sent and not yet completed (more than one when
    /// pipelining; at most the pipeline depth plus one).
    inflight: Vec<(String, &'static str)>,
    /// Completions that arrived for in-flight commands before the caller asked for them: at
    /// most one per in-flight tag (a duplicate goes to the bounded queue).
    early: Vec<(String, std::result::Result<ServerText, Error>)>,
    /// The size on the wire of the last frame read.
    last_frame_len: usize,
    /// When the commands in flight must have completed ([`Options::command_deadline`]).
    deadline: Option<Instant>,
    /// Has this command already logged that some FETCH items could not be read?
    warned_unparsed: bool,
    /// Is the socket's read timeout shortened to a deadline (to be restored after)?
    read_timeout_shortened: bool,
    /// `host:port` of the server, for error messages (unknown for a caller's own stream).
    pub(crate) server: Option<String>,
    /// Keep what is read out of the TRACE log (during AUTHENTICATE).
    pub(crate) redact_reads: bool,
    /// Extensions turned on with ENABLE (RFC 5161).
    pub(crate) enabled: Vec<String>,
    /// The NOTIFY set in force on this connection (RFC 5465), sent again by a reconnect;
    /// `None` after NOTIFY NONE or a NOTIFICATIONOVERFLOW (the server turned it off).
    pub(crate) notify: Option<crate::types::notify::NotifySet>,
    /// Set from another thread to end an IDLE.
    pub(crate) idle_stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Cancelled from another thread (`CancelHandle`): checked before each command and
    /// whenever a read or write returns; it holds a copy of the socket to shut down.
    pub(crate) cancel: crate::transport::Watch,
    pub(crate) opts: Options,
    /// Records the exchange (`ClientBuilder::record_to`).
    #[cfg(feature = "testing")]
    pub(crate) tap: Option<crate::testing::Tap>,
    /// What the commands sent since `Session::retrying` began its current run would do if
    /// run again; `None` outside it.
    pub(crate) sent: Option<RunLog>,
    /// What UID FETCHes received under `Session::retrying` (`None` outside it).
    pub(crate) reads: Option<crate::journal::Reads>,
    /// Keep the bytes of every untagged response (a raw command, `Session::run`, returns
    /// them), and take an unreadable one as data rather than warn of it.
    keep_raw: bool,
}

/// One step of a raw command (`Session::run`).
#[derive(Debug)]
pub(crate) enum FrameStep {
    /// An untagged response: its bytes, and what it parsed to (already applied to the
    /// state), or why it did not parse.
    Frame {
        raw: Vec<u8>,
        parsed: std::result::Result<Response, String>,
    },
    /// The command's completion.
    Done(std::result::Result<ServerText, Error>),
}

/// Where a literal's bytes come from when they are read as they are written.
pub(crate) struct Source<'r> {
    pub(crate) reader: &'r mut dyn Read,
    /// Called with (bytes written, the literal's length) after each piece.
    pub(crate) progress: Option<&'r mut dyn FnMut(u64, u64)>,
}

/// What one run of a `Session::retrying` closure sent, as much as the judgement after a cut
/// needs: a few fields, whatever the number of commands (a closure may run for days).
#[derive(Debug, Clone, Default)]
pub(crate) struct RunLog {
    /// The first command sent that must never run twice (`Effect::Once`).
    pub(crate) once: Option<&'static str>,
    /// A UID-addressed command was sent.
    pub(crate) uid_addressed: bool,
    /// A command completed (OK, NO or BAD): the run made progress.
    pub(crate) progress: bool,
}

impl Conn {
    pub(crate) fn new(stream: Stream, opts: Options) -> Self {
        Conn {
            stream,
            framer: Framer::new(opts.max_response_size, opts.max_nesting),
            next_tag: 1,
            caps: None,
            caps_seen: 0,
            state: Mailbox::default(),
            queue: Queue::new(opts.max_queue, opts.max_queue_bytes),
            broken: None,
            bye: None,
            inflight: Vec::new(),
            early: Vec::new(),
            last_frame_len: 0,
            deadline: None,
            warned_unparsed: false,
            read_timeout_shortened: false,
            server: None,
            redact_reads: false,
            enabled: Vec::new(),
            notify: None,
            idle_stop: std::sync::Arc::default(),
            cancel: crate::transport::Watch::default(),
            opts,
            #[cfg(feature = "testing")]
            tap: None,
            sent: None,
            reads: None,
            keep_raw: false,
        }
    }

    pub(crate) fn is_broken(&self) -> bool {
        self.broken.is_some() || self.cancel.cancelled()
    }

    /// Marks the connection unusable (if `e` is that kind of error) and passes the error on.
    pub(crate) fn fail(&mut self, e: Error) -> Error {
        // After a cancel, whatever broke (a read, a write, a socket option on the shut-down
        // socket, a truncated response) broke because of it.
        let e = if e.is_fatal() && self.cancel.cancelled() {
            Error::Cancelled
        } else {
            e
        };
        if e.is_fatal() && self.broken.is_none() {
            debug!("connection unusable: {e}");
            self.broken = Some(e.to_string());
        }
        e
    }

    fn check(&self) -> Result<()> {
        self.cancel.check()?;
        match &self.broken {
            Some(why) => Err(Error::Broken(why.clone())),
            None => Ok(()),
        }
    }

    pub(crate) fn literal_mode(&self) -> LiteralMode {
        let view = self.rev2_view();
        match &self.caps {
            Some(c) if c.has("LITERAL+") => LiteralMode::Plus,
            Some(c) if c.has("LITERAL-") || view == Rev2View::InUse => LiteralMode::Minus,
            _ => LiteralMode::Synchronising,
        }
    }

    /// How this session uses the server's IMAP4rev2 (see [`Capabilities`]): in use when the
    /// server lists it and either lists no IMAP4rev1 or accepted `ENABLE IMAP4rev2`.
    pub(crate) fn rev2_view(&self) -> Rev2View {
        let Some(c) = &self.caps else {
            return Rev2View::Raw;
        };
        if !self.opts.imap4rev2 {
            return Rev2View::Ignored;
        }
        let enabled = self
            .enabled
            .iter()
            .any(|e| e.eq_ignore_ascii_case("IMAP4rev2"));
        if c.listed("IMAP4rev2") && (enabled || !c.listed("IMAP4rev1")) {
            Rev2View::InUse
        } else {
            Rev2View::Raw
        }
    }

    /// Does this session speak IMAP4rev2?
    pub(crate) fn is_rev2(&self) -> bool {
        self.rev2_view() == Rev2View::InUse
    }

    /// Reads more bytes into the framer.
    /// With `tick`, a read timeout is not an error: it returns `Ok(false)` (IDLE uses short
    /// read timeouts to look at its deadline and stop flag).
    fn fill(&mut self, tick: bool) -> Result<bool> {
        let limited = self.limit_read_to_deadline()?;
        let buf = self.framer.read_buf();
        let deadline = self.deadline;
        let n = loop {
            let read = self.stream.read(buf);
            // Whatever the read returned (EOF or an error from the shut-down socket, or data
            // already buffered), a cancel wins.
            if self.cancel.cancelled() {
                return Err(self.fail(Error::Cancelled));
            }
            match read {
                Ok(n) => break n,
                // A signal, or a compressed stream that inflated to nothing so far: read
                // again, unless the command deadline has passed meanwhile.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                    if deadline.is_some_and(|d| Instant::now() >= d) {
                        return Err(self.deadline_error());
                    }
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    if tick {
                        return Ok(false);
                    }
                    // The read timeout was shortened to the deadline, and it has come (a
                    // little slack for timer rounding); else it is the read timeout's own.
                    let slack = Duration::from_millis(20);
                    if limited && self.deadline.is_some_and(|d| Instant::now() + slack >= d) {
                        return Err(self.deadline_error());
                    }
                    let after = self.opts.read_timeout.unwrap_or_default();
                    return Err(self.fail(Error::Timeout {
                        operation: "read",
                        after,
                        server: self.server.clone(),
                        hint: None,
                    }));
                }
                Err(e) => return Err(self.fail(Error::Io(e))),
            }
        };
        if n == 0 {
            let e = match self.bye.take() {
                Some(text) => Error::Bye(text),
                None => Error::ConnectionClosed,
            };
            return Err(self.fail(e));
        }
        if log_enabled!(Level::Trace) {
            if self.redact_reads {
                trace!("S: <{n} bytes of a SASL exchange redacted>");
            } else {
                trace!("S: {}", RawBytes::new(&buf[..n]));
            }
        }
        #[cfg(feature = "testing")]
        if let Some(tap) = &mut self.tap {
            tap.server(&buf[..n]);
        }
        self.framer.filled(n);
        Ok(true)
    }

    /// With a command deadline running, shortens the socket's read timeout to the time left
    /// (returns whether it did), or fails once the deadline has passed.
    fn limit_read_to_deadline(&mut self) -> Result<bool> {
        let Some(deadline) = self.deadline else {
            if self.read_timeout_shortened {
                self.read_timeout_shortened = false;
                let normal = self.opts.read_timeout;
                self.stream
                    .set_read_timeout(normal)
                    .map_err(|e| self.fail(Error::Io(e)))?;
            }
            return Ok(false);
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(self.deadline_error());
        }
        let shorter = self.opts.read_timeout.map_or(true, |t| left < t);
        let timeout = if shorter {
            Some(left)
        } else {
            self.opts.read_timeout
        };
        self.stream
            .set_read_timeout(timeout)
            .map_err(|e| self.fail(Error::Io(e)))?;
        self.read_timeout_shortened = shorter;
        Ok(shorter)
    }

    fn deadline_error(&mut self) -> Error {
        let after = self.opts.command_deadline.unwrap_or_default();
        let server = self.server.clone();
        self.fail(Error::Timeout {
            operation: "command",
            after,
            server,
            hint: None,
        })
    }

    /// Reads the next frame and classifies it against `tag`.
    pub(crate) fn next_incoming(&mut self, tag: Option<&str>) -> Result<Incoming> {
        loop {
            if let Some(incoming) = self.read_incoming(tag, false)? {
                return Ok(incoming);
            }
        }
    }

    /// Like [`Conn::next_incoming`], but `None` when a read times out with no whole frame
    /// (for IDLE's short read timeouts).
    pub(crate) fn poll_incoming(&mut self, tag: Option<&str>) -> Result<Option<Incoming>> {
        self.read_incoming(tag, true)
    }

    /// Each turn hands out one frame or reads more bytes into the framer, whose work is linear
    /// in the bytes received; the frame is parsed once.
    fn read_incoming(&mut self, tag: Option<&str>, tick: bool) -> Result<Option<Incoming>> {
        self.check()?;
        loop {
            if let Some(piece) = self.framer.take_spill() {
                return Ok(Some(Incoming::Literal(piece)));
            }
            match self.framer.next_frame() {
                Ok(Some(frame)) => {
                    let bytes = frame.bytes;
                    self.last_frame_len = bytes.len();
                    // Some servers echo the tag in another case (`a0002 OK`).
                    let ours = match (tag, tag_of(bytes)) {
                        (Some(t), Some(b)) => b.eq_ignore_ascii_case(t.as_bytes()),
                        _ => false,
                    };
                    if frame.too_deep {
                        let reason =
                            format!("parentheses nested deeper than {}", self.opts.max_nesting);
                        return Ok(Some(unparsable(bytes, reason, ours)));
                    }
                    return Ok(Some(match parse_frame(bytes) {
                        Ok(Parsed::Tagged { status, text, .. }) if ours => {
                            Incoming::Done(self.named(tag, completion(status, text)))
                        }
                        // `inflight` holds at most the pipeline depth (at most 16) plus one.
                        Ok(Parsed::Tagged {
                            tag: t,
                            status,
                            text,
                        }) if self
                            .inflight
                            .iter()
                            .any(|(x, _)| x.eq_ignore_ascii_case(&t)) =>
                        {
                            // Our tags are upper case; keep the one we sent.
                            let t = t.to_ascii_uppercase();
                            let result = self.named(Some(&t), completion(status, text));
                            Incoming::EarlyDone(t, result)
                        }
                        Ok(Parsed::Tagged { tag: t, .. }) => {
                            warn!("response with unknown tag {t:?} kept as unsolicited");
                            Incoming::Stray(Unsolicited::Other {
                                raw: bytes.to_vec(),
                                reason: format!("tagged response for unknown tag {t:?}"),
                            })
                        }
                        Ok(Parsed::Continue(text)) => Incoming::Continue(text),
                        Ok(Parsed::Untagged(Response::Other)) => {
                            Incoming::Data(Response::Other, Some(bytes.to_vec()))
                        }
                        Ok(Parsed::Untagged(r)) => {
                            let raw = self.keep_raw.then(|| bytes.to_vec());
                            self.note_unparsed(&r);
                            Incoming::Data(r, raw)
                        }
                        Err(reason) if self.keep_raw && !ours => {
                            Incoming::Stray(Unsolicited::Other {
                                raw: bytes.to_vec(),
                                reason,
                            })
                        }
                        Err(reason) => unparsable(bytes, reason, ours),
                    }));
                }
                Ok(None) => {
                    if self.framer.spill_ready() {
                        continue;
                    }
                    if !self.fill(tick)? {
                        return Ok(None);
                    }
                }
                Err(e) => {
                    let e = match e {
                        FrameError::LiteralTooLarge { size, limit }
                        | FrameError::LineTooLong { size, limit } => {
                            Error::TooLarge { size, limit }
                        }
                    };
                    return Err(self.fail(e));
                }
            }
        }
    }

    /// A NO or BAD names the command it answers (its name only, never its arguments): the
    /// in-flight command with tag `tag`.
    fn named(
        &self,
        tag: Option<&str>,
        mut result: std::result::Result<ServerText, Error>,
    ) -> std::result::Result<ServerText, Error> {
        if let (Some(tag), Err(Error::No(text) | Error::Bad(text))) = (tag, &mut result) {
            text.set_command(
                self.inflight
                    .iter()
                    .find(|(t, _)| t.eq_ignore_ascii_case(tag))
                    .map(|(_, name)| *name),
            );
        }
        result
    }

    /// Logs, once per command, that a response held items that could not be read (items
    /// this crate merely does not know are kept without a warning).
    fn note_unparsed(&mut self, r: &Response) {
        if self.warned_unparsed {
            return;
        }
        let (items, what) = match r {
            Response::Fetch(f) => (f.unparsed(), "FETCH"),
            Response::MailboxStatus(st) => (st.unparsed(), "STATUS"),
            Response::ESearch { result, .. } => (&result.unparsed[..], "ESEARCH"),
            _ => return,
        };
        let Some(first) = items.iter().find(|u| !u.is_unknown()) else {
            return;
        };
        self.warned_unparsed = true;
        warn!(
            "{what} item {} could not be read ({}); kept whole (see `unparsed()`); further \
             ones in this command are not logged",
            crate::error::Escaped(first.name()),
            crate::error::Escaped(first.reason())
        );
    }

    /// Applies an untagged response to the session's state (always).
    pub(crate) fn observe(&mut self, resp: &Response) {
        self.state.apply(resp);
        match resp {
            Response::Capability(c) => {
                self.caps = Some(c.clone());
                self.caps_seen += 1;
            }
            Response::Status { kind, text } => {
                if let Some(ResponseCode::Capability(c)) = &text.code {
                    self.caps = Some(c.clone());
                }
                if *kind == StatusKind::Bye {
                    self.bye = Some(text.clone());
                }
                if matches!(text.code, Some(ResponseCode::NotificationOverflow)) {
                    // The server has turned NOTIFY off (RFC 5465 section 5.8).
                    self.notify = None;
                }
                if matches!(text.code, Some(ResponseCode::Alert)) {
                    warn!("server alert: {}", crate::error::Escaped(&text.text));
                }
            }
            _ => {}
        }
    }

    /// Puts an untagged response nobody asked for on the queue.
    pub(crate) fn queue_response(&mut self, resp: Response, raw: Option<Vec<u8>>) {
        let raw = raw.unwrap_or_default();
        self.queue.push(unsolicited(resp, &raw));
    }

    /// Writes `cmd` with a fresh tag, waiting for `+` before each synchronising literal.
    /// Returns the tag. A NO or BAD instead of a `+` ends the command with that error.
    pub(crate) fn send(&mut self, cmd: Command) -> Result<String> {
        self.send_with(cmd, &mut [])
    }

    /// [`Conn::send`] for a command whose literals may be read from `sources` as they are
    /// written (one source per [`Command::source_arg`], in order), in pieces of 64 KiB:
    /// memory stays one piece whatever their size.
    pub(crate) fn send_with(&mut self, cmd: Command, sources: &mut [Source<'_>]) -> Result<String> {
        self.check()?;
        let name = cmd.name();
        let description = cmd.describe();
        let sensitive = cmd.is_sensitive();
        let segments = cmd.into_segments();
        if let Some(last) = segments.last() {
            // The line must not end in something the server would take for a literal
            // announcement: raw caller text (`search_raw`, ...) could otherwise desync us.
            if ends_like_literal(&last.text) {
                return Err(Error::InvalidArgument(
                    "command would end in a literal announcement like {5}".into(),
                ));
            }
        }
        if needs_selected(name) && !self.state.selected {
            return Err(Error::NotSelected { command: name });
        }
        let tag = format!("A{:04}", self.next_tag);
        self.next_tag += 1;
        if let Some(log) = &mut self.sent {
            // Noted before a byte is written: a cut half-way through may still have reached
            // the server.
            if effect(name) == Effect::Once && log.once.is_none() {
                log.once = Some(name);
            }
            log.uid_addressed |= name.starts_with("UID ");
        }
        self.warned_unparsed = false;
        if self.inflight.is_empty() {
            // IDLE is meant to last; it has deadlines of its own.
            self.deadline = match self.opts.command_deadline {
                Some(d) if name != "IDLE" => Instant::now().checked_add(d),
                _ => None,
            };
        }
        debug!("C: {tag} {description}");
        let mode = self.literal_mode();
        let mut out = Vec::with_capacity(64);
        out.extend_from_slice(tag.as_bytes());
        out.push(b' ');
        let mut sources = sources.iter_mut();
        for seg in segments {
            out.extend_from_slice(&seg.text);
            let len = match (&seg.literal, seg.source) {
                (Some(lit), _) => Some(lit.len() as u64),
                (None, source) => source,
            };
            match len {
                None => out.extend_from_slice(b"\r\n"),
                Some(len) => {
                    let non_sync = mode.non_sync(usize::try_from(len).unwrap_or(usize::MAX));
                    let plus = if non_sync { "+" } else { "" };
                    out.extend_from_slice(format!("{{{len}{plus}}}\r\n").as_bytes());
                    if !non_sync {
                        self.write(&out, sensitive)?;
                        out.clear();
                        // In flight while it waits, so that a NO instead of `+` is named.
                        self.inflight.push((tag.clone(), name));
                        let waited = self.wait_continue(&tag);
                        self.inflight.retain(|(t, _)| *t != tag);
                        waited?;
                    }
                    let Some(lit) = seg.literal else {
                        if !out.is_empty() {
                            self.write(&out, sensitive)?;
                            out.clear();
                        }
                        let Some(source) = sources.next() else {
                            return Err(self.fail(Error::InvalidArgument(
                                "a literal with no source to read it from".into(),
                            )));
                        };
                        self.write_source(source, len, sensitive)?;
                        continue;
                    };
                    if out.is_empty() {
                        self.write(&lit, sensitive)?;
                    } else {
                        out.extend_from_slice(&lit);
                    }
                }
            }
        }
        self.write(&out, sensitive)?;
        self.inflight.push((tag.clone(), name));
        Ok(tag)
    }

    /// Writes exactly `len` bytes read from `source`, reporting progress after each piece.
    /// A source that fails or ends early leaves the server waiting for the rest of the
    /// literal: the connection is unusable then (the caller's error, [`Error::Caller`]).
    fn write_source(&mut self, source: &mut Source<'_>, len: u64, sensitive: bool) -> Result<()> {
        let mut buf = vec![0u8; 64 * 1024];
        let mut done = 0u64;
        while done < len {
            let want = usize::try_from(len - done)
                .unwrap_or(usize::MAX)
                .min(buf.len());
            let n = match source.reader.read(&mut buf[..want]) {
                Ok(0) => {
                    let e = io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("the source ended after {done} of {len} bytes"),
                    );
                    self.set_broken(format!("an APPEND source failed: {e}"));
                    return Err(Error::Caller {
                        action: "reading the message to append",
                        source: e,
                    });
                }
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.set_broken(format!("an APPEND source failed: {e}"));
                    return Err(Error::Caller {
                        action: "reading the message to append",
                        source: e,
                    });
                }
            };
            self.write(&buf[..n], sensitive)?;
            done += n as u64;
            if let Some(progress) = source.progress.as_mut() {
                progress(done, len);
            }
        }
        Ok(())
    }

    /// Writes bytes to the server.
    pub(crate) fn write(&mut self, bytes: &[u8], sensitive: bool) -> Result<()> {
        if log_enabled!(Level::Trace) {
            if sensitive {
                trace!("C: <{} bytes redacted>", bytes.len());
            } else {
                trace!("C: {}", RawBytes::new(bytes));
            }
        }
        #[cfg(feature = "testing")]
        if let Some(tap) = &mut self.tap {
            tap.client(bytes, sensitive);
        }
        let r = self
            .stream
            .write_all(bytes)
            .and_then(|()| self.stream.flush());
        r.map_err(|e| {
            let e = if self.cancel.cancelled() {
                Error::Cancelled
            } else if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) {
                Error::Timeout {
                    operation: "write",
                    after: self.opts.write_timeout.unwrap_or_default(),
                    server: self.server.clone(),
                    hint: None,
                }
            } else {
                Error::Io(e)
            };
            self.fail(e)
        })
    }

    /// Reads until the server's `+` for a literal, routing whatever comes first: one frame per
    /// turn, nothing kept but what goes to the bounded queue.
    fn wait_continue(&mut self, tag: &str) -> Result<()> {
        loop {
            match self.next_incoming(Some(tag))? {
                Incoming::Continue(_) => return Ok(()),
                Incoming::Done(Ok(_)) => {
                    return Err(Error::Protocol(
                        "server completed the command before its literal was sent".into(),
                    ))
                }
                Incoming::Done(Err(e)) => return Err(e),
                Incoming::Data(resp, raw) => self.route(resp, raw),
                Incoming::Stray(item) => self.queue.push(item),
                Incoming::EarlyDone(t, r) => self.keep_early(t, r),
                Incoming::Literal(_) => {}
            }
        }
    }

    /// Applies an untagged response nobody asked for to the state, and queues it.
    pub(crate) fn route(&mut self, resp: Response, raw: Option<Vec<u8>>) {
        self.observe(&resp);
        self.queue_response(resp, raw);
    }

    /// Reads one step of command `tag`: the next response it `wants`, or its completion.
    /// Everything else is applied to the state and queued. One frame per turn; nothing is kept
    /// here but what goes to the bounded queue or to `early` (one per in-flight tag, so the
    /// lookup below scans at most the pipeline depth plus one).
    pub(crate) fn step(&mut self, tag: &str, wants: &dyn Fn(&Response) -> bool) -> Result<Step> {
        if let Some(i) = self.early.iter().position(|(t, _)| t == tag) {
            let (_, result) = self.early.remove(i);
            return Ok(self.complete(tag, result));
        }
        loop {
            match self.next_incoming(Some(tag))? {
                Incoming::Done(result) => return Ok(self.complete(tag, result)),
                Incoming::EarlyDone(t, r) => self.keep_early(t, r),
                Incoming::Literal(piece) => return Ok(Step::Literal(piece)),
                Incoming::Continue(text) => {
                    warn!("unexpected continuation request kept as unsolicited");
                    let mut raw = b"+ ".to_vec();
                    raw.extend_from_slice(&text);
                    self.queue.push(Unsolicited::Other {
                        raw,
                        reason: "continuation request nobody asked for".into(),
                    });
                }
                Incoming::Data(resp, raw) => {
                    self.observe(&resp);
                    if wants(&resp) {
                        return Ok(Step::Data(resp));
                    }
                    self.queue_response(resp, raw);
                }
                Incoming::Stray(item) => {
                    let fetch_error = match &item {
                        Unsolicited::Other { raw, reason } if looks_like_fetch(raw) => {
                            Some(Error::Parse {
                                reason: reason.clone(),
                                bytes: RawBytes::new(raw),
                            })
                        }
                        _ => None,
                    };
                    self.queue.push(item);
                    if let Some(e) = fetch_error {
                        return Ok(Step::UnparsedFetch(e));
                    }
                }
            }
        }
    }

    /// Streams `BODY[...]` / `BINARY[...]` literals of at least `min` bytes (see
    /// [`Step::Literal`]); `None` turns it off.
    pub(crate) fn set_spill(&mut self, min: Option<u64>) {
        self.framer.set_spill(min);
    }

    /// Switches the stream to COMPRESS=DEFLATE; bytes already read past the server's OK are
    /// compressed data and go to the decompressor first.
    pub(crate) fn start_compression(&mut self) {
        let pending = self.framer.take_buffered();
        let inner = std::mem::replace(&mut self.stream, Stream::Closed);
        self.stream = Stream::Deflate(Box::new(crate::transport::Deflate::new(inner, pending)));
    }

    /// Is UTF8=ACCEPT (RFC 6855 / RFC 9755) enabled? Then mailbox names go as UTF-8 and
    /// SEARCH carries no CHARSET.
    pub(crate) fn utf8_accept(&self) -> bool {
        self.enabled
            .iter()
            .any(|e| e.eq_ignore_ascii_case("UTF8=ACCEPT") || e.eq_ignore_ascii_case("UTF8=ONLY"))
    }

    /// A mailbox name as this session writes it: modified UTF-7, or UTF-8 once UTF8=ACCEPT
    /// is enabled (a name that came from the server is sent back as it came).
    pub(crate) fn adapt(&self, name: crate::types::MailboxName) -> crate::types::MailboxName {
        if self.utf8_accept() && name.is_valid_utf7() {
            crate::types::MailboxName::from_wire(name.as_str().as_bytes())
        } else {
            name
        }
    }

    /// Keeps the completion of a pipelined command that arrived early: one per tag. A
    /// second completion for the same tag is the server's mistake; it goes to the bounded
    /// queue, so that no server can make this list grow.
    pub(crate) fn keep_early(
        &mut self,
        tag: String,
        result: std::result::Result<ServerText, Error>,
    ) {
        if self.early.iter().any(|(t, _)| *t == tag) {
            warn!("second completion for command {tag} kept as unsolicited");
            let shown = match &result {
                Ok(text) => format!("{tag} OK {text}"),
                Err(e) => format!("{tag} {e}"),
            };
            self.queue.push(Unsolicited::Other {
                raw: shown.into_bytes(),
                reason: format!("duplicate completion for command {tag}"),
            });
            return;
        }
        self.early.push((tag, result));
    }

    /// Changes the read timeout of the socket (IDLE reads in short ticks).
    pub(crate) fn set_read_timeout(&mut self, timeout: Option<Duration>) -> Result<()> {
        self.stream
            .set_read_timeout(timeout)
            .map_err(|e| self.fail(Error::Io(e)))
    }

    /// Forgets command `tag`, completed outside [`Conn::step`]. (`retain` over `inflight`: at
    /// most the pipeline depth plus one tags.)
    pub(crate) fn done_with(&mut self, tag: &str) {
        self.inflight.retain(|(t, _)| t != tag);
        if self.inflight.is_empty() {
            self.deadline = None;
        }
    }

    /// Reads one step of raw command `tag`: every untagged response comes back with its
    /// bytes (applied to the state first; the caller queues what belongs to it), until the
    /// completion. A `+` the command cannot answer breaks the connection: the server would
    /// wait for bytes that never come.
    pub(crate) fn step_frame(&mut self, tag: &str) -> Result<FrameStep> {
        if let Some(i) = self.early.iter().position(|(t, _)| t == tag) {
            let (_, result) = self.early.remove(i);
            return Ok(FrameStep::Done(self.completed(tag, result)));
        }
        loop {
            self.keep_raw = true;
            let incoming = self.next_incoming(Some(tag));
            self.keep_raw = false;
            match incoming? {
                Incoming::Done(result) => {
                    return Ok(FrameStep::Done(self.completed(tag, result)));
                }
                Incoming::EarlyDone(t, r) => self.keep_early(t, r),
                Incoming::Literal(_) => {}
                Incoming::Continue(_) => {
                    return Err(self.fail(Error::Protocol(
                        "the server asked for more input (`+`) that a raw command cannot \
                         give; the connection is closed"
                            .into(),
                    )));
                }
                Incoming::Data(resp, raw) => {
                    self.observe(&resp);
                    return Ok(FrameStep::Frame {
                        raw: raw.unwrap_or_default(),
                        parsed: Ok(resp),
                    });
                }
                Incoming::Stray(Unsolicited::Other { raw, reason }) if raw.starts_with(b"*") => {
                    return Ok(FrameStep::Frame {
                        raw,
                        parsed: Err(reason),
                    });
                }
                Incoming::Stray(item) => self.queue.push(item),
            }
        }
    }

    /// Records the completion of command `tag`.
    fn complete(&mut self, tag: &str, result: std::result::Result<ServerText, Error>) -> Step {
        Step::Done(self.completed(tag, result))
    }

    /// Records the completion of command `tag` and passes it on.
    fn completed(
        &mut self,
        tag: &str,
        result: std::result::Result<ServerText, Error>,
    ) -> std::result::Result<ServerText, Error> {
        self.done_with(tag);
        if let Some(log) = &mut self.sent {
            log.progress = true;
        }
        if let Ok(text) = &result {
            if let Some(code) = &text.code {
                self.state.apply_code(code);
                if let ResponseCode::Capability(c) = code {
                    self.caps = Some(c.clone());
                }
            }
        }
        match &result {
            Ok(_) => debug!("S: {tag} OK"),
            Err(e) => debug!("S: {tag} {e}"),
        }
        if let Some(bye) = self.bye.take() {
            // The server is going away; the command ended, but nothing more can.
            self.broken = Some(Error::Bye(bye).to_string());
        }
        result
    }

    /// Runs several commands, keeping up to the configured pipeline depth in flight, and
    /// reads their completions in order. Stops sending at the first NO or BAD (commands
    /// already sent still complete) and returns that error; else every completion.
    pub(crate) fn run_pipelined(
        &mut self,
        cmds: Vec<Command>,
        wants: &dyn Fn(&Response) -> bool,
        handle: &mut dyn FnMut(Response),
    ) -> Result<Vec<ServerText>> {
        let depth = self.opts.pipeline_depth.max(1);
        // `collected` budgets the data; `pending` holds at most `depth` tags; `texts` gets
        // one completion per command the caller built.
        let mut collected = 0usize;
        let mut cmds = cmds.into_iter();
        let mut pending = std::collections::VecDeque::new();
        let mut texts = Vec::new();
        let mut first_error = None;
        loop {
            while pending.len() < depth && first_error.is_none() {
                let Some(cmd) = cmds.next() else { break };
                match self.send(cmd) {
                    Ok(tag) => pending.push_back(tag),
                    Err(e) if e.is_fatal() => return Err(e),
                    Err(e) => first_error = Some(e),
                }
            }
            let Some(tag) = pending.pop_front() else {
                break;
            };
            // One budget for the whole result, however many chunks it took.
            match self.finish_within(&tag, wants, handle, &mut collected) {
                Ok(text) => texts.push(text),
                Err(e) if e.is_fatal() => return Err(e),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        first_error.map_or(Ok(texts), Err)
    }

    /// Runs a whole command, giving each response it `wants` to `handle`.
    pub(crate) fn run(
        &mut self,
        cmd: Command,
        wants: &dyn Fn(&Response) -> bool,
        handle: &mut dyn FnMut(Response),
    ) -> Result<ServerText> {
        let tag = self.send(cmd)?;
        self.finish(&tag, wants, handle)
    }

    /// The name of in-flight command `tag` (for messages).
    fn command_name(&self, tag: &str) -> &'static str {
        self.inflight
            .iter()
            .find(|(t, _)| t == tag)
            .map_or("command", |(_, n)| n)
    }

    /// Reads the rest of command `tag`.
    ///
    /// What the command collects is bounded: once the responses given to `handle` add up to
    /// more than [`Options::max_result_size`] bytes on the wire, the rest are read and
    /// dropped (still applied to the mailbox state), and the command fails with
    /// [`Error::LimitExceeded`] when it completes: the stream stays in sync.
    pub(crate) fn finish(
        &mut self,
        tag: &str,
        wants: &dyn Fn(&Response) -> bool,
        handle: &mut dyn FnMut(Response),
    ) -> Result<ServerText> {
        self.finish_within(tag, wants, handle, &mut 0)
    }

    /// [`Conn::finish`] counting into `collected`, a budget shared by the chunks of one
    /// split command.
    fn finish_within(
        &mut self,
        tag: &str,
        wants: &dyn Fn(&Response) -> bool,
        handle: &mut dyn FnMut(Response),
        collected: &mut usize,
    ) -> Result<ServerText> {
        let name = self.command_name(tag);
        let limit = self.opts.max_result_size;
        loop {
            match self.step(tag, wants)? {
                Step::Data(resp) => {
                    if *collected <= limit {
                        *collected = collected.saturating_add(self.last_frame_len);
                        if *collected > limit {
                            warn!("{name}: responses exceed {limit} bytes; the rest is discarded");
                        } else {
                            handle(resp);
                        }
                    }
                }
                Step::Done(result) if *collected > limit => {
                    result?;
                    return Err(Error::LimitExceeded {
                        what: format!("the result of {name}"),
                        limit,
                    });
                }
                Step::Done(result) => return result,
                Step::UnparsedFetch(_) | Step::Literal(_) => {}
            }
        }
    }

    /// Runs a command that asks for no untagged data.
    pub(crate) fn simple(&mut self, cmd: Command) -> Result<ServerText> {
        self.run(cmd, &|_| false, &mut |_| {})
    }

    /// Asks for and returns the capabilities (CAPABILITY).
    pub(crate) fn fetch_capabilities(&mut self) -> Result<Capabilities> {
        let mut got = None;
        let text = self.run(
            Command::new("CAPABILITY"),
            &|r| matches!(r, Response::Capability(_)),
            &mut |r| {
                if let Response::Capability(c) = r {
                    got = Some(c);
                }
            },
        )?;
        let caps = match (got, text.code) {
            (Some(c), _) => c,
            (None, Some(ResponseCode::Capability(c))) => c,
            (None, _) => {
                return Err(Error::Protocol(
                    "CAPABILITY completed without a capability list".into(),
                ))
            }
        };
        self.caps = Some(caps);
        Ok(self.capabilities()?.clone())
    }

    /// The capabilities, asking the server if they are not known; seen through this
    /// session's use of IMAP4rev2 (its base extensions implied once it is in use).
    pub(crate) fn capabilities(&mut self) -> Result<&Capabilities> {
        if self.caps.is_none() {
            self.fetch_capabilities()?;
        }
        let view = self.rev2_view();
        let caps = self
            .caps
            .as_mut()
            .ok_or_else(|| Error::Protocol("no capabilities".into()))?;
        caps.set_view(view);
        Ok(caps)
    }

    /// Reads the greeting.
    pub(crate) fn greeting(&mut self) -> Result<(StatusKind, ServerText)> {
        let tls = self.stream.is_tls();
        let wait = self.opts.greeting_timeout;
        let shorter = self.opts.read_timeout.map_or(true, |t| wait < t);
        if shorter {
            self.set_read_timeout(Some(wait))?;
        }
        let first = self.greeting_bytes(tls, wait);
        if shorter {
            self.set_read_timeout(self.opts.read_timeout)?;
        }
        first?;
        match self.next_incoming(None)? {
            Incoming::Data(Response::Status { kind, text }, _) => {
                if let Some(ResponseCode::Capability(c)) = &text.code {
                    self.caps = Some(c.clone());
                }
                match kind {
                    StatusKind::Ok | StatusKind::PreAuth => Ok((kind, text)),
                    StatusKind::Bye => Err(self.fail(Error::Bye(text))),
                    _ => Err(self.fail(Error::Protocol(format!(
                        "greeting was {kind:?}, not OK, PREAUTH or BYE: {text}"
                    )))),
                }
            }
            other => Err(self.fail(Error::Protocol(format!(
                "expected a greeting, got {other:?}"
            )))),
        }
    }

    /// Reads until the first bytes of the greeting are here, telling the two wrong-protocol
    /// mistakes apart: TLS bytes where plaintext IMAP was expected, and silence (a port that
    /// speaks TLS waits for the client's hello, so a plaintext client hears nothing).
    fn greeting_bytes(&mut self, tls: bool, wait: Duration) -> Result<()> {
        while self.framer.buffered().is_empty() {
            match self.fill(false) {
                Ok(_) => {}
                Err(Error::Timeout {
                    operation: "read", ..
                }) => {
                    let hint = if tls {
                        "the server accepted TLS but sent no IMAP greeting"
                    } else {
                        "the server sent nothing: a port that speaks TLS (usually 993) waits \
                         for the client to start; use implicit TLS (Security::Tls)"
                    };
                    let server = self.server.clone();
                    let e = Error::Timeout {
                        operation: "greeting",
                        after: wait,
                        server,
                        hint: Some(hint),
                    };
                    self.broken = Some(e.to_string());
                    return Err(e);
                }
                Err(e) => return Err(e),
            }
        }
        // A TLS record (handshake 0x16 or alert 0x15, version 3.x) where text was expected.
        let head = self.framer.buffered();
        if !tls && head.len() >= 2 && matches!(head[0], 0x15 | 0x16) && head[1] == 0x03 {
            let at = self.server.as_deref().unwrap_or("the server");
            return Err(self.fail(Error::Protocol(format!(
                "{at} answered with TLS, not a plaintext IMAP greeting: this port speaks \
                 TLS; use implicit TLS (Security::Tls), usually port 993"
            ))));
        }
        Ok(())
    }

    /// Forgets everything learnt over the connection so far (after STARTTLS, RFC 9051
    /// section 6.2.1; RFC 3501 section 6.2.1): capabilities, the mailbox state (EXISTS,
    /// UIDVALIDITY and the like sent in plaintext), queued responses, completions kept for
    /// later, extensions enabled, a BYE, and any bytes received but not yet read. Returns
    /// how many bytes were discarded. The greeting is the caller's to drop.
    pub(crate) fn forget_plaintext(&mut self) -> usize {
        self.caps = None;
        self.state = Mailbox::default();
        self.queue.clear();
        self.early.clear();
        self.enabled.clear();
        self.bye = None;
        self.framer.discard_buffered()
    }

    pub(crate) fn set_broken(&mut self, why: String) {
        self.broken.get_or_insert(why);
    }

    pub(crate) fn drain_queue(&mut self) -> impl Iterator<Item = Unsolicited> + '_ {
        self.queue.drain()
    }
}

/// A tagged status as the command's result.
impl Conn {
    /// Sends ID (RFC 2971) with `fields` and returns the server's: for [`Session::id`] and,
    /// before login, for [`ClientBuilder::send_id`].
    ///
    /// [`Session::id`]: crate::Session::id
    /// [`ClientBuilder::send_id`]: crate::ClientBuilder::send_id
    pub(crate) fn send_id(&mut self, fields: &[(&str, &str)]) -> Result<IdInfo> {
        let cmd = id_command(fields)?;
        let mut got = None;
        self.run(cmd, &|r| matches!(r, Response::Id(_)), &mut |r| {
            if let Response::Id(info) = r {
                got = Some(info);
            }
        })?;
        Ok(got.unwrap_or_default())
    }
}

fn completion(status: StatusKind, text: ServerText) -> std::result::Result<ServerText, Error> {
    match status {
        StatusKind::Ok => Ok(text),
        StatusKind::No => Err(Error::No(text)),
        _ => Err(Error::Bad(text)),
    }
}

/// Does `text` end in `{digits}` or `{digits+}` / `{digits-}`?
fn ends_like_literal(text: &[u8]) -> bool {
    let Some(inner) = text.strip_suffix(b"}") else {
        return false;
    };
    let inner = inner
        .strip_suffix(b"+")
        .or_else(|| inner.strip_suffix(b"-"))
        .unwrap_or(inner);
    let digits = inner
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_digit())
        .count();
    digits > 0 && inner[..inner.len() - digits].ends_with(b"{")
}

/// `* <number> FETCH ...`?
fn looks_like_fetch(raw: &[u8]) -> bool {
    let Some(rest) = raw.strip_prefix(b"* ") else {
        return false;
    };
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    digits > 0
        && rest
            .get(digits..digits + 7)
            .is_some_and(|w| w.eq_ignore_ascii_case(b" FETCH "))
}

fn unparsable(bytes: &[u8], reason: String, ours: bool) -> Incoming {
    if ours {
        return Incoming::Done(Err(Error::Parse {
            reason,
            bytes: RawBytes::new(bytes),
        }));
    }
    warn!(
        "unparsable response ({reason}) kept as unsolicited: {}",
        RawBytes::new(bytes)
    );
    Incoming::Stray(Unsolicited::Other {
        raw: bytes.to_vec(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server that has said everything in advance; writes are swallowed.
    struct Canned(io::Cursor<Vec<u8>>);

    impl Read for Canned {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.0.read(buf)
        }
    }

    impl Write for Canned {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn conn(server: Vec<u8>, opts: impl FnOnce(&mut Options)) -> Conn {
        let mut o = Options {
            read_timeout: None,
            write_timeout: None,
            max_response_size: 1 << 20,
            max_nesting: 100,
            max_line: 4096,
            max_queue: 100_000,
            max_queue_bytes: 64 << 20,
            max_result_size: 256 << 20,
            command_deadline: None,
            greeting_timeout: Duration::from_secs(10),
            pipeline_depth: 4,
            imap4rev2: true,
        };
        opts(&mut o);
        Conn::new(Stream::Custom(Box::new(Canned(io::Cursor::new(server)))), o)
    }

    #[test]
    fn repeated_completions_for_a_pipelined_tag_do_not_accumulate() {
        let mut server = b"A0002 OK first\r\n".repeat(1000);
        server.extend_from_slice(b"A0001 OK\r\nA0003 OK\r\n");
        let mut conn = conn(server, |_| {});
        let a = conn.send(Command::new("NOOP")).unwrap();
        let b = conn.send(Command::new("NOOP")).unwrap();
        assert_eq!((a.as_str(), b.as_str()), ("A0001", "A0002"));
        conn.finish(&a, &|_| false, &mut |_| {}).unwrap();
        assert_eq!(conn.early.len(), 1, "one early completion per tag");
        assert_eq!(conn.queue.len(), 999, "the duplicates are queued (bounded)");
        let text = conn.finish(&b, &|_| false, &mut |_| {}).unwrap();
        assert_eq!(text.text, "first");
        assert!(conn.early.is_empty() && conn.inflight.is_empty());
        // A completion for a tag no longer in flight is unknown: queued, not kept.
        let c = conn.send(Command::new("NOOP")).unwrap();
        conn.finish(&c, &|_| false, &mut |_| {}).unwrap();
        assert!(conn.early.is_empty());
        let dup = conn.drain_queue().nth(1).unwrap();
        assert!(
            matches!(&dup, Unsolicited::Other { reason, .. } if reason.contains("duplicate")),
            "{dup:?}"
        );
    }

    #[test]
    fn a_command_result_is_bounded_and_the_stream_stays_in_step() {
        let line = format!("* SEARCH {}\r\n", "12345 ".repeat(100).trim_end());
        let mut server = line.repeat(50).into_bytes();
        server.extend_from_slice(b"* 3 EXISTS\r\nA0001 OK done\r\nA0002 OK\r\n");
        let mut conn = conn(server, |o| o.max_result_size = 10_000);
        conn.state.selected = true;
        let tag = conn.send(Command::new("SEARCH")).unwrap();
        let mut got = 0;
        let r = conn.finish(&tag, &|r| matches!(r, Response::Search { .. }), &mut |_| {
            got += 1
        });
        match r {
            Err(Error::LimitExceeded { what, limit }) => {
                assert_eq!(limit, 10_000);
                assert!(what.contains("SEARCH"), "{what}");
            }
            other => panic!("{other:?}"),
        }
        assert!(got > 0 && got < 50, "{got} responses handled");
        assert!(!conn.is_broken());
        assert_eq!(conn.state.exists, 3, "state still follows");
        let tag = conn.send(Command::new("NOOP")).unwrap();
        assert!(conn.finish(&tag, &|_| false, &mut |_| {}).is_ok());
    }

    #[test]
    fn a_notification_overflow_forgets_the_notify_set() {
        let mut conn = conn(
            b"* OK [NOTIFICATIONOVERFLOW] too many\r\nA0001 OK\r\n".to_vec(),
            |_| {},
        );
        conn.notify = Some(crate::types::notify::NotifySet::account());
        let tag = conn.send(Command::new("NOOP")).unwrap();
        conn.finish(&tag, &|_| false, &mut |_| {}).unwrap();
        assert_eq!(conn.notify, None, "the server turned NOTIFY off");
    }

    #[test]
    fn selected_state_commands_wait_for_a_selected_mailbox() {
        let mut conn = conn(b"A0001 OK\r\nA0002 OK\r\n".to_vec(), |_| {});
        for name in ["UID FETCH", "STORE", "EXPUNGE", "UID MOVE", "SEARCH"] {
            match conn.send(Command::new(name)) {
                Err(Error::NotSelected { command }) => assert_eq!(command, name),
                other => panic!("{name}: {other:?}"),
            }
        }
        assert!(!conn.is_broken());
        // Nothing was written and no tag was used: the next command is A0001.
        let tag = conn.send(Command::new("NOOP")).unwrap();
        assert_eq!(tag, "A0001");
        conn.finish(&tag, &|_| false, &mut |_| {}).unwrap();
        conn.state.selected = true;
        let tag = conn.send(Command::new("EXPUNGE")).unwrap();
        assert_eq!(tag, "A0002");
        conn.finish(&tag, &|_| false, &mut |_| {}).unwrap();
    }

    #[test]
    fn the_queue_is_bounded_in_bytes() {
        let alert = format!("* OK [ALERT] {}\r\n", "x".repeat(10_000));
        let mut server = alert.repeat(100).into_bytes();
        server.extend_from_slice(b"* 1 EXISTS\r\nA0001 OK\r\n");
        let mut conn = conn(server, |o| o.max_queue_bytes = 100_000);
        let tag = conn.send(Command::new("NOOP")).unwrap();
        conn.finish(&tag, &|_| false, &mut |_| {}).unwrap();
        assert!(conn.queue.bytes() <= 100_000, "{}", conn.queue.bytes());
        let items: Vec<_> = conn.drain_queue().collect();
        let Unsolicited::Dropped(n) = items[0] else {
            panic!("{:?}", items[0])
        };
        assert!(n >= 90, "{n} dropped");
        assert_eq!(
            n as usize + items.len() - 1,
            101,
            "each item kept or counted"
        );
        assert_eq!(
            items.last(),
            Some(&Unsolicited::Exists(1)),
            "the newest kept"
        );
        // An item larger than the whole budget is dropped itself, and counted.
        let mut q = Queue::new(10, 1000);
        q.push(Unsolicited::Other {
            raw: vec![b'x'; 5000],
            reason: String::new(),
        });
        q.push(Unsolicited::Exists(2));
        let items: Vec<_> = q.drain().collect();
        assert_eq!(items, [Unsolicited::Dropped(1), Unsolicited::Exists(2)]);
    }

    #[test]
    fn literal_announcements_at_the_end() {
        for yes in [&b"SEARCH ALL {5}"[..], b"X {12+}", b"{0-}", b"a{1}"] {
            assert!(ends_like_literal(yes), "{:?}", String::from_utf8_lossy(yes));
        }
        for no in [
            &b"SEARCH ALL"[..],
            b"{}",
            b"{a}",
            b"}",
            b"x {5} y",
            b"(FLAGS)",
        ] {
            assert!(!ends_like_literal(no), "{:?}", String::from_utf8_lossy(no));
        }
        assert!(looks_like_fetch(b"* 12 FETCH (UID 1)\r\n"));
        assert!(looks_like_fetch(b"* 12 fetch (UID 1)\r\n"));
        assert!(!looks_like_fetch(b"* 12 EXISTS\r\n"));
        assert!(!looks_like_fetch(b"* FETCH\r\n"));
    }
}
