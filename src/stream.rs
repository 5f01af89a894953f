//! Streaming FETCH and STORE results.

use std::collections::VecDeque;
use std::fmt;

use crate::conn::{Conn, Step};
use crate::error::{Error, Result};
use crate::types::streaming::Streamed;
use crate::types::{Fetch, Seq, SequenceSet, STAR};
use crate::wire::encode::Command;
use crate::wire::framer::Spill;
use crate::wire::parse::Response;

/// The most items (body sections, binary sizes, unparsed items) one message may gather
/// over several FETCH responses.
pub(crate) const MAX_ITEMS_PER_MESSAGE: usize = 10_000;

/// How to build the command for each chunk of the set.
#[derive(Debug, Clone)]
pub(crate) struct ChunkCommand {
    /// `FETCH` / `UID FETCH` / `STORE` / `UID STORE`.
    pub(crate) name: &'static str,
    /// Everything after the set, as written (`(UID FLAGS)` or `+FLAGS (\Deleted)`).
    pub(crate) args: String,
    pub(crate) uid: bool,
    /// Are FLAGS-only responses part of the result (STORE, or a FETCH that asked for FLAGS)?
    pub(crate) want_flags: bool,
    /// Are X-GM-LABELS-only responses part of the result (a Gmail label STORE, or a FETCH
    /// that asked for X-GM-LABELS)?
    pub(crate) want_labels: bool,
    /// Send every chunk even when the stream is dropped early (STORE must not stop half-way).
    pub(crate) finish_on_drop: bool,
}

/// The messages a FETCH or STORE returns, one at a time, as their responses arrive.
///
/// It borrows the session: memory held is one message, however big the mailbox. A set too
/// long for one command line is sent as several commands, one after the other, transparently.
/// Several consecutive responses for one message are merged into one [`Fetch`].
///
/// Dropping the stream early is always safe: the rest of the command's responses are read
/// and routed (unsolicited ones to the queue, the rest discarded), so the next command starts
/// clean. A STORE's remaining chunks are still sent. Use [`finish`](Self::finish) to learn
/// whether the command succeeded without reading the results.
pub struct FetchStream<'a> {
    conn: &'a mut Conn,
    /// Where streamed body sections go (`Session::uid_fetch_streaming`), if anywhere.
    sink: Option<Sink<'a>>,
    cmd: ChunkCommand,
    chunks: std::vec::IntoIter<SequenceSet>,
    /// The chunks in flight, oldest first: tag and set.
    inflight: VecDeque<(String, SequenceSet)>,
    /// How many chunks may be in flight.
    depth: usize,
    /// No further chunk will be sent (an error, or the caller dropped the stream).
    stopped: bool,
    /// A message whose later responses may still come.
    pending: Option<Fetch>,
    /// Roughly how much memory `pending` holds (grown with each merge).
    pending_size: usize,
    /// A message that went past the limits: its further responses are dropped.
    overflowed: Option<crate::types::Seq>,
    /// An error that ends the stream, reported after `pending`.
    error: Option<Error>,
    /// A broken message's error, reported after `pending`; the stream goes on.
    skipped: Option<Error>,
    /// Under `Session::retrying`, a UID FETCH run again after a cut: the messages an earlier
    /// run received, given first, and their UIDs, not given twice.
    replay: VecDeque<Fetch>,
    received: SequenceSet,
    /// Where this UID FETCH records what it receives (`Conn::reads`), if anywhere.
    record: Option<(String, String)>,
}

impl fmt::Debug for FetchStream<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FetchStream")
            .field("command", &self.cmd.name)
            .field("chunks_left", &self.chunks.len())
            .field("in_flight", &self.inflight.len())
            .finish_non_exhaustive()
    }
}

/// The caller's sink for streamed sections.
type Sink<'a> = &'a mut dyn FnMut(Streamed<'_>) -> std::io::Result<()>;

/// Is a FETCH response part of the result of a command over `set`?
fn solicited(r: &Response, set: &SequenceSet, uid: bool, want: (bool, bool)) -> bool {
    let Response::Fetch(f) = r else {
        return false;
    };
    // `n:*` reaches up to the largest number in use, which may be below n: accept anything.
    let open_ended = set.ranges().last().is_some_and(|r| *r.end() == STAR);
    let in_set = open_ended
        || if uid {
            f.uid().is_some_and(|u| set.contains(u.0))
        } else {
            set.contains(f.seq().0)
        };
    // A response with nothing but FLAGS and / or X-GM-LABELS (and UID / MODSEQ) is a change
    // the server pushed, unless the command asked for what it holds.
    in_set && !f.is_pushed_change(want.0, want.1)
}

impl<'a> FetchStream<'a> {
    pub(crate) fn new(conn: &'a mut Conn, cmd: ChunkCommand, chunks: Vec<SequenceSet>) -> Self {
        let depth = conn.opts.pipeline_depth.max(1);
        FetchStream {
            conn,
            sink: None,
            cmd,
            chunks: chunks.into_iter(),
            inflight: VecDeque::new(),
            depth,
            stopped: false,
            pending: None,
            pending_size: 0,
            overflowed: None,
            error: None,
            skipped: None,
            replay: VecDeque::new(),
            received: SequenceSet::new(),
            record: None,
        }
    }

    /// A UID FETCH under `Session::retrying`: `replay` (what an earlier run received, whose
    /// UIDs are `received`) comes first, and what arrives is recorded under `key`.
    pub(crate) fn resumed(
        mut self,
        replay: Vec<Fetch>,
        received: SequenceSet,
        key: (String, String),
    ) -> Self {
        self.replay = replay.into();
        self.received = received;
        self.record = Some(key);
        self
    }

    /// Leaves out messages whose UID is in `uids` (`Session::uid_fetch_newer`).
    pub(crate) fn skipping(mut self, uids: SequenceSet) -> Self {
        self.received = uids;
        self
    }

    /// Streams every `BODY[...]` / `BINARY[...]` value to `sink` instead of keeping it.
    pub(crate) fn streaming(mut self, sink: Sink<'a>) -> Self {
        self.conn.set_spill(Some(0));
        self.sink = Some(sink);
        self
    }

    /// Keeps a copy of `f` for a run after a cut, within the command result budget.
    fn note(&mut self, f: &Fetch) {
        let (Some(key), Some(uid)) = (&self.record, f.uid()) else {
            return;
        };
        let budget = self.conn.opts.max_result_size;
        let Some(reads) = self.conn.reads.as_mut() else {
            return;
        };
        let size = f.approx_size();
        let Some(entry) = reads.entries.get_mut(key) else {
            return;
        };
        if entry.dropped {
            return;
        }
        if reads.bytes.saturating_add(size) > budget {
            // Too much to keep: this FETCH runs whole after a cut.
            let freed: usize = entry.fetched.iter().map(Fetch::approx_size).sum();
            reads.bytes = reads.bytes.saturating_sub(freed);
            *entry = crate::journal::Received {
                dropped: true,
                ..Default::default()
            };
            return;
        }
        reads.bytes += size;
        reads.count += 1;
        entry.uids.insert(uid.0);
        entry.fetched.push(f.clone());
    }

    /// Sends chunks until the pipeline is full or none are left.
    fn fill_pipeline(&mut self) {
        while !self.stopped && self.inflight.len() < self.depth {
            let Some(set) = self.chunks.next() else {
                return;
            };
            let mut c = Command::new(self.cmd.name);
            c.raw(&set.to_string());
            c.raw(&self.cmd.args);
            match self.conn.send(c) {
                Ok(tag) => self.inflight.push_back((tag, set)),
                Err(e) => self.fail(e),
            }
        }
    }

    /// Reads until a whole message is ready, the commands end, or an error.
    ///
    /// One frame per turn. What is kept across turns is `pending`, one message, capped by
    /// `too_large` (bytes, and [`MAX_ITEMS_PER_MESSAGE`] items); with `keep` false nothing is
    /// kept. `wants` looks at each chunk in flight: at most the pipeline depth (at most 16),
    /// each a binary search of its set.
    fn advance(&mut self, keep: bool) -> Option<Result<Fetch>> {
        if let Some(e) = self.skipped.take() {
            return Some(Err(e));
        }
        loop {
            self.fill_pipeline();
            let Some((tag, _)) = self.inflight.front() else {
                // Everything sent has completed: what arrived first, then the error.
                if let Some(p) = self.pending.take() {
                    return Some(Ok(p));
                }
                return self.error.take().map(Err);
            };
            let tag = tag.clone();
            let (uid, want) = (self.cmd.uid, (self.cmd.want_flags, self.cmd.want_labels));
            let inflight = &self.inflight;
            let wants = |r: &Response| inflight.iter().any(|(_, set)| solicited(r, set, uid, want));
            match self.conn.step(&tag, &wants) {
                Ok(Step::Data(Response::Fetch(f))) => {
                    if !keep {
                        continue;
                    }
                    if self.overflowed == Some(f.seq()) {
                        // More of a message already reported as too large.
                        continue;
                    }
                    self.overflowed = None;
                    let size = f.approx_size();
                    match self.pending.take() {
                        Some(mut p) if p.seq() == f.seq() => {
                            // O(1) per item merged, plus the new response's own size.
                            self.pending_size = self.pending_size.saturating_add(size);
                            p.merge(f);
                            if let Some(e) = self.too_large(&p) {
                                self.overflowed = Some(p.seq());
                                return Some(Err(e));
                            }
                            self.pending = Some(p);
                        }
                        Some(p) => {
                            self.pending_size = size;
                            self.pending = Some(f);
                            return Some(Ok(p));
                        }
                        None => {
                            self.pending_size = size;
                            self.pending = Some(f);
                        }
                    }
                }
                Ok(Step::Data(_)) => {}
                Ok(Step::Literal(piece)) => {
                    let Some(sink) = self.sink.as_mut().filter(|_| keep) else {
                        continue;
                    };
                    let done = match piece {
                        Spill::Start { seq, len, item } => sink(Streamed::Begin {
                            seq: Seq(seq),
                            len,
                            item: &item,
                        }),
                        Spill::Bytes(bytes) => sink(Streamed::Bytes(&bytes)),
                    };
                    if let Err(e) = done {
                        // The caller's writer failed: no further chunk is sent, the rest of
                        // what is in flight is read and dropped, and the stream reports it.
                        self.sink = None;
                        self.fail(Error::Caller {
                            action: "writing a streamed body",
                            source: e,
                        });
                    }
                }
                Ok(Step::UnparsedFetch(e)) => {
                    if keep {
                        // Report what came before it first, then the broken message.
                        match self.pending.take() {
                            Some(p) => {
                                self.skipped = Some(e);
                                return Some(Ok(p));
                            }
                            None => return Some(Err(e)),
                        }
                    }
                }
                Ok(Step::Done(Ok(_))) => {
                    self.inflight.pop_front();
                }
                Ok(Step::Done(Err(e))) => {
                    // Chunks already sent still complete; no new ones go out.
                    self.inflight.pop_front();
                    self.fail(e);
                }
                Err(e) => {
                    // The connection is gone: nothing more will complete.
                    self.inflight.clear();
                    self.fail(e);
                }
            }
        }
    }

    /// Has the message being merged gone past the limits on one message: the largest
    /// response size, or [`MAX_ITEMS_PER_MESSAGE`] items?
    fn too_large(&self, p: &Fetch) -> Option<Error> {
        let limit = self.conn.opts.max_response_size;
        if self.pending_size > limit {
            return Some(Error::LimitExceeded {
                what: format!(
                    "FETCH data for message {} (merged over several responses, bytes)",
                    p.seq()
                ),
                limit,
            });
        }
        if p.item_count() > MAX_ITEMS_PER_MESSAGE {
            return Some(Error::LimitExceeded {
                what: format!(
                    "FETCH data for message {} (merged over several responses, items)",
                    p.seq()
                ),
                limit: MAX_ITEMS_PER_MESSAGE,
            });
        }
        None
    }

    /// Records the first error and sends no further chunk.
    fn fail(&mut self, e: Error) {
        self.stopped = true;
        self.error.get_or_insert(e);
    }

    /// Collects every message into a `Vec`, for callers who want them all at once; stops at
    /// the first error (the rest of the command is still read, so the session stays clean).
    /// What it holds is bounded like any command's result
    /// ([`ClientBuilder::max_result_size`](crate::ClientBuilder::max_result_size), counted
    /// as the messages' size in memory): past it, [`Error::LimitExceeded`]. Iterate instead
    /// to handle any number of messages in constant memory.
    pub fn into_vec(mut self) -> Result<Vec<Fetch>> {
        let limit = self.conn.opts.max_result_size;
        let mut held = 0usize;
        let mut out = Vec::new();
        while let Some(next) = self.next() {
            let f = next?;
            held = held.saturating_add(f.approx_size());
            if held > limit {
                return Err(Error::LimitExceeded {
                    what: format!("the messages collected by {}", self.cmd.name),
                    limit,
                });
            }
            out.push(f);
        }
        Ok(out)
    }

    /// Reads the rest of the results, discarding them, and reports whether every command
    /// succeeded (the first NO, BAD or connection error otherwise).
    pub fn finish(mut self) -> Result<()> {
        let mut first_error = None;
        while let Some(r) = self.advance(false) {
            if let Err(e) = r {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

impl Iterator for FetchStream<'_> {
    type Item = Result<Fetch>;

    fn next(&mut self) -> Option<Result<Fetch>> {
        if let Some(f) = self.replay.pop_front() {
            return Some(Ok(f));
        }
        loop {
            let next = self.advance(true);
            if let Some(Ok(f)) = &next {
                if f.uid().is_some_and(|u| self.received.contains(u.0)) {
                    // Given already, from the earlier run (`n:*` may return the last UID
                    // again): once is enough.
                    continue;
                }
                self.note(f);
            }
            return next;
        }
    }
}

impl Drop for FetchStream<'_> {
    fn drop(&mut self) {
        if !self.cmd.finish_on_drop {
            // Nothing more is wanted: finish the commands in flight, send no other.
            self.stopped = true;
        }
        self.pending = None;
        // Reads to the completions of the chunks in flight, keeping nothing.
        while let Some(r) = self.advance(false) {
            if r.is_err() && self.conn.is_broken() {
                break;
            }
        }
        self.conn.set_spill(None);
    }
}
