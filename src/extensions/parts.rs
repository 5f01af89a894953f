//! Decoded body parts, many at once: `BINARY.PEEK[section]` (RFC 3516) when the server has
//! BINARY, else `BODY.PEEK[section]` (RFC 3501 section 6.4.5) with base64 / quoted-printable
//! undone here; one pipelined `UID FETCH` per message.

use crate::types::parts::{section_text, PartBody, PartRequest};
use std::collections::{HashMap, VecDeque};

use log::debug;

use crate::error::{Error, Result, ServerText};
use crate::mime;
use crate::session::Session;
use crate::types::streaming::Streamed;
use crate::types::{
    BodyStructure, Fetch, FetchItems, Part, ResponseCode, Section, TransferEncoding, Uid,
};
use crate::wire::encode::Command;
use crate::wire::parse::Response;

/// One distinct section of one message that a batch asks for (several requests may share it).
#[derive(Debug)]
struct Wanted {
    part: Vec<u32>,
    /// Ask with BINARY when the server has it? Only where there is something to decode:
    /// for 7bit, 8bit and binary parts BODY gives the same bytes, and for an attached
    /// message (message/rfc822) BINARY would give a re-rendered copy (Dovecot decodes every
    /// part inside), not the message as attached.
    decode: bool,
    /// The caller asked to decode it here (`PartRequest::decode_here`): never BINARY.
    decode_here: bool,
    /// What arrived (kept as sent until the requests take it) and whether it came as BINARY.
    data: Option<(Vec<u8>, bool)>,
    /// Data arrived but went past the batch's result budget, and was dropped.
    overflowed: bool,
    /// The error of the command that asked for it (an index into `Plan::errors`).
    error: Option<usize>,
}

/// One `UID FETCH`: one message, some of its sections.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PartCommand {
    uid: Uid,
    /// Indices into `Plan::wanted`.
    wanted: Vec<usize>,
    binary: bool,
}

/// What a batch asks for and what came back.
#[derive(Debug)]
struct Plan {
    wanted: Vec<Wanted>,
    /// For each request, its index in `wanted`.
    of_request: Vec<usize>,
    commands: Vec<PartCommand>,
    /// The errors of failed commands (one per command at most).
    errors: Vec<Error>,
}

/// The FETCH item that asks for a section.
fn item_name(binary: bool) -> &'static str {
    if binary {
        "BINARY.PEEK"
    } else {
        "BODY.PEEK"
    }
}

impl Plan {
    /// Groups `requests` by message (messages in the order they first appear, each one's
    /// sections too, a section asked for twice fetched once) into one command per message,
    /// split where its items would make a line longer than `max_line`. O(n) for n requests
    /// (hashing), plus the command lines.
    fn new(requests: &[PartRequest], binary: bool, max_line: usize) -> Result<Plan> {
        let mut wanted: Vec<Wanted> = Vec::new();
        let mut of_request = Vec::with_capacity(requests.len());
        let mut index: HashMap<(Uid, &[u32]), usize> = HashMap::new();
        // Per message, in order of first appearance: its sections.
        let mut messages: Vec<(Uid, Vec<usize>)> = Vec::new();
        let mut message_of: HashMap<Uid, usize> = HashMap::new();
        for r in requests {
            if r.uid.0 == 0 {
                return Err(Error::InvalidArgument("UID 0 (UIDs start at 1)".into()));
            }
            if r.section.is_empty() {
                return Err(Error::InvalidArgument(format!(
                    "section [] of UID {} is the whole message, not a part (a message that is \
                     not multipart has part 1)",
                    r.uid
                )));
            }
            if r.section.contains(&0) {
                return Err(Error::InvalidArgument(format!(
                    "part number {:?} of UID {} (parts count from 1)",
                    r.section, r.uid
                )));
            }
            let w = *index.entry((r.uid, &r.section)).or_insert_with(|| {
                wanted.push(Wanted {
                    part: r.section.clone(),
                    decode: !matches!(
                        r.encoding,
                        TransferEncoding::SevenBit
                            | TransferEncoding::EightBit
                            | TransferEncoding::Binary
                    ),
                    decode_here: r.decode_here,
                    data: None,
                    overflowed: false,
                    error: None,
                });
                let w = wanted.len() - 1;
                let m = *message_of.entry(r.uid).or_insert_with(|| {
                    messages.push((r.uid, Vec::new()));
                    messages.len() - 1
                });
                messages[m].1.push(w);
                w
            });
            of_request.push(w);
        }
        // `A0001 UID FETCH 4294967295 (UID ` and `)\r\n`, with room to spare.
        let budget = max_line.saturating_sub(64).max(64);
        let mut commands = Vec::new();
        for (uid, sections) in messages {
            let mut cmd = PartCommand {
                uid,
                wanted: Vec::new(),
                binary,
            };
            let mut len = 0;
            for w in sections {
                // As long as the longer of the two item names, so a BODY retry fits too.
                let item = item_name(true).len() + section_text(&wanted[w].part).len() + 3;
                if !cmd.wanted.is_empty() && len + item > budget {
                    let next = PartCommand {
                        uid,
                        wanted: Vec::new(),
                        binary,
                    };
                    commands.push(std::mem::replace(&mut cmd, next));
                    len = 0;
                }
                len += item;
                cmd.wanted.push(w);
            }
            commands.push(cmd);
        }
        Ok(Plan {
            wanted,
            of_request,
            commands,
            errors: Vec::new(),
        })
    }

    /// `(UID BINARY.PEEK[1] BINARY.PEEK[2.1])`: the items of `cmd`.
    fn items(&self, cmd: &PartCommand) -> Result<String> {
        let items = cmd.wanted.iter().fold(FetchItems::new(), |items, &w| {
            let part = &self.wanted[w].part;
            if cmd.binary && self.wanted[w].decode && !self.wanted[w].decode_here {
                items.binary_peek(part)
            } else {
                items.body_peek(Section::Part(part.clone()))
            }
        });
        items.render(true)
    }

    /// `UID FETCH <uid> (UID ...)`.
    fn command(&self, cmd: &PartCommand) -> Result<Command> {
        let items = self.items(cmd)?;
        let mut c = Command::new("UID FETCH");
        c.raw(&cmd.uid.to_string());
        c.raw(&items);
        Ok(c)
    }

    /// Records that `cmd` failed with `e`; what it asked for and did not get reports `e`.
    fn fail(&mut self, cmd: &PartCommand, e: Error) {
        let i = self.errors.len();
        self.errors.push(e);
        for &w in &cmd.wanted {
            self.wanted[w].error.get_or_insert(i);
        }
    }

    /// The sections `cmd` asked for that have not arrived.
    fn missing(&self, cmd: &PartCommand) -> Vec<usize> {
        cmd.wanted
            .iter()
            .copied()
            .filter(|&w| self.wanted[w].data.is_none() && !self.wanted[w].overflowed)
            .collect()
    }

    /// Keeps the sections of `f` that the commands in flight asked for, within `limit` bytes
    /// for the whole batch (counted in `kept`). A section that arrives again replaces the
    /// first. O(sections in `f` × commands in flight × sections per command), all bounded:
    /// by the frame, the pipeline depth and the command line.
    fn take(
        &mut self,
        f: Fetch,
        inflight: &VecDeque<(String, PartCommand)>,
        kept: &mut usize,
        limit: usize,
    ) {
        let Some(uid) = f.uid else { return };
        for (key, data) in f.sections {
            // Only whole sections: not `1.MIME`, not a fragment.
            if key.text.is_some() || key.origin.is_some_and(|o| o != 0) {
                continue;
            }
            // NIL: the server has no such section; reported as missing.
            let Some(data) = data else { continue };
            let found = inflight
                .iter()
                .filter(|(_, c)| c.uid == uid)
                .flat_map(|(_, c)| c.wanted.iter().copied())
                .find(|&w| self.wanted[w].part == key.part);
            let Some(w) = found else { continue };
            let slot = &mut self.wanted[w];
            let old = slot.data.as_ref().map_or(0, |(d, _)| d.len());
            let total = kept.saturating_sub(old).saturating_add(data.len());
            if total > limit {
                slot.overflowed = true;
                slot.data = None;
                *kept = kept.saturating_sub(old);
                continue;
            }
            *kept = total;
            // BINARY data is decoded; BODY data (even in answer to BINARY) is not.
            slot.data = Some((data, key.binary));
        }
    }

    /// One result per request, in request order: the data (decoded by each request's
    /// encoding), or the error of its command, or an error saying it did not come.
    fn results(mut self, requests: &[PartRequest], limit: usize) -> Vec<Result<PartBody>> {
        // How many requests still read each wanted section: the last one takes the data.
        let mut readers = vec![0usize; self.wanted.len()];
        for &w in &self.of_request {
            readers[w] += 1;
        }
        let mut out = Vec::with_capacity(requests.len());
        for (r, &w) in requests.iter().zip(&self.of_request) {
            readers[w] -= 1;
            let slot = &mut self.wanted[w];
            let data = if readers[w] == 0 {
                slot.data.take()
            } else {
                slot.data.clone()
            };
            let result = match (data, slot.overflowed, slot.error) {
                (_, true, _) => Err(Error::LimitExceeded {
                    what: format!(
                        "the parts fetched together (at UID {} part {})",
                        r.uid,
                        section_text(&r.section)
                    ),
                    limit,
                }),
                (Some((bytes, binary)), _, _) => Ok(PartBody {
                    uid: r.uid,
                    section: r.section.clone(),
                    bytes: if binary {
                        bytes
                    } else {
                        decode(&r.encoding, bytes)
                    },
                    charset: r.charset.clone(),
                    binary,
                }),
                (None, _, Some(e)) => Err(copy_error(&self.errors[e])),
                (None, _, None) => Err(missing(r.uid, &r.section)),
            };
            out.push(result);
        }
        out
    }
}

/// Undoes a content transfer encoding: base64 and quoted-printable (leniently, as mail
/// writes them); 7bit, 8bit, binary and unknown encodings are kept as they are.
fn decode(encoding: &TransferEncoding, raw: Vec<u8>) -> Vec<u8> {
    match encoding {
        TransferEncoding::Base64 => mime::base64_lenient(&raw),
        TransferEncoding::QuotedPrintable => mime::quoted_printable(&raw, false),
        _ => raw,
    }
}

/// A writer that counts what goes through it.
struct Counted<'w> {
    out: &'w mut dyn std::io::Write,
    bytes: u64,
}

impl std::io::Write for Counted<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// A part the server did not send (the message was expunged, or has no such part): reported
/// as a NO with the RFC 5530 code `NONEXISTENT`, a text of this crate's.
fn missing(uid: Uid, section: &[u32]) -> Error {
    Error::No(ServerText {
        code: Some(ResponseCode::NonExistent),
        text: format!(
            "no part {} of UID {} in the server's answer (expunged, or no such part)",
            section_text(section),
            uid
        ),
        extra: None,
    })
}

/// The same error again, for each request a failed command asked for. Only errors that leave
/// the session usable get here (the others end the batch).
fn copy_error(e: &Error) -> Error {
    match e {
        Error::No(t) => Error::No(t.clone()),
        Error::Bad(t) => Error::Bad(t.clone()),
        Error::Parse { reason, bytes } => Error::Parse {
            reason: reason.clone(),
            bytes: bytes.clone(),
        },
        Error::LimitExceeded { what, limit } => Error::LimitExceeded {
            what: what.clone(),
            limit: *limit,
        },
        Error::InvalidArgument(s) => Error::InvalidArgument(s.clone()),
        Error::MissingCapability(s) => Error::MissingCapability(s.clone()),
        Error::NotSelected { command } => Error::NotSelected { command },
        other => Error::Protocol(other.to_string()),
    }
}

/// Is this how a server says it cannot do BINARY for a message (RFC 3516: `NO
/// [UNKNOWN-CTE]`; BAD from one that does not know BINARY after all)?
fn binary_refused(e: &Error) -> bool {
    matches!(
        e,
        Error::Bad(_)
            | Error::No(ServerText {
                code: Some(ResponseCode::UnknownCte),
                ..
            })
    )
}

impl Session {
    /// Writes one part of message `uid` to `out`, decoded from its content transfer encoding
    /// (base64, quoted-printable) here as its bytes arrive: memory stays one read buffer
    /// whatever the part's size (a streamed `BODY.PEEK[section]`, see
    /// [`uid_fetch_streaming`](Self::uid_fetch_streaming)). Returns the decoded size. For
    /// the server's own decoding use [`uid_fetch_to`](Self::uid_fetch_to) with
    /// `FetchItems::binary_peek` (BINARY, RFC 3516).
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use blocking_imap::{FetchItems, Uid};
    /// let uid = Uid(4711);
    /// let items = FetchItems::new().uid().body_structure();
    /// let f = session.uid_fetch(uid, &items)?.next().transpose()?.expect("the message");
    /// if let Some(structure) = f.body_structure() {
    ///     for part in structure.attachments() {
    ///         let name = part.filename().unwrap_or_else(|| "attachment".into());
    ///         let mut file = std::fs::File::create(&name)?;
    ///         session.uid_fetch_part_to(uid, &part, &mut file)?;
    ///     }
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// Errors: as [`uid_fetch_streaming`](Self::uid_fetch_streaming); [`Error::No`] with
    /// `NONEXISTENT` when the server sent no such message or part.
    pub fn uid_fetch_part_to(
        &mut self,
        uid: Uid,
        part: &Part<'_>,
        out: &mut dyn std::io::Write,
    ) -> Result<u64> {
        let encoding = match part.encoding() {
            TransferEncoding::Base64 => "base64",
            TransferEncoding::QuotedPrintable => "quoted-printable",
            _ => "",
        };
        let mut decoder = mime::PieceDecoder::new(encoding);
        let mut counted = Counted { out, bytes: 0 };
        let mut got_section = false;
        let mut sink = |piece: Streamed<'_>| match piece {
            Streamed::Begin { .. } => {
                got_section = true;
                Ok(())
            }
            Streamed::Bytes(bytes) => decoder.write(bytes, &mut counted),
        };
        let items = FetchItems::new().uid().body_peek(part.body_section());
        let mut found = false;
        for f in self.uid_fetch_streaming(uid, &items, &mut sink)? {
            found |= f?.uid() == Some(uid);
        }
        if !(found && got_section) {
            return Err(missing(uid, part.section()));
        }
        decoder.finish(&mut counted).map_err(|e| Error::Caller {
            action: "writing a streamed body",
            source: e,
        })?;
        Ok(counted.bytes)
    }

    /// Fetches the decoded content of body parts, of one message or many, in one pipelined
    /// batch: one `UID FETCH <uid> (BINARY.PEEK[1] BINARY.PEEK[2] ...)` per message (RFC
    /// 3516) when the server has BINARY (or IMAP4rev2), else `BODY.PEEK[...]` (RFC 3501
    /// section 6.4.5) with base64 and quoted-printable decoded here by each request's
    /// [`encoding`](PartRequest::encoding); up to the
    /// [pipeline depth](crate::ClientBuilder::pipeline_depth) of commands are in flight at
    /// once. The messages' `\Seen` flags are left alone. Results come in request order; a
    /// part asked for twice is fetched once. Charsets are converted only when asked, by
    /// [`PartBody::text`].
    ///
    /// When the server answers a message's BINARY fetch with `NO [UNKNOWN-CTE]` (it cannot
    /// decode that part's encoding) or BAD, that message's parts are fetched again with
    /// `BODY.PEEK` and decoded here: one odd part does not fail the batch.
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use blocking_imap::{FetchItems, PartRequest};
    /// session.select("INBOX")?;
    /// // The structures first, then every attachment of every message in one batch.
    /// let mut requests = Vec::new();
    /// for msg in session.uid_fetch(1.., &FetchItems::new().body_structure())? {
    ///     let msg = msg?;
    ///     let (Some(uid), Some(structure)) = (msg.uid(), msg.body_structure()) else {
    ///         continue;
    ///     };
    ///     for (section, part) in structure.walk() {
    ///         if part.is_attachment() {
    ///             requests.push(PartRequest::of(uid, &section, structure)?);
    ///         }
    ///     }
    /// }
    /// for part in session.uid_fetch_parts(&requests)? {
    ///     println!("UID {} part {:?}: {} bytes", part.uid(), part.section(), part.bytes().len());
    /// }
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: the first failure in request order, after every command has completed (use
    /// [`uid_fetch_parts_each`](Self::uid_fetch_parts_each) to keep the parts that did
    /// come): [`Error::No`] / [`Error::Bad`] from the server for a message; [`Error::No`]
    /// with the code `NONEXISTENT` (RFC 5530) and a text naming the UID and section when the
    /// server completed the command without sending a part (the message was expunged; some
    /// servers answer a part number the message does not have this way too, while others,
    /// Dovecot among them, send it as an empty part, which comes back as empty bytes);
    /// [`Error::LimitExceeded`] when the parts together exceed
    /// [`max_result_size`](crate::ClientBuilder::max_result_size); [`Error::InvalidArgument`]
    /// for UID 0, an empty section or a part number 0 (nothing is sent then); connection
    /// errors, which end the batch.
    pub fn uid_fetch_parts(&mut self, parts: &[PartRequest]) -> Result<Vec<PartBody>> {
        self.uid_fetch_parts_each(parts)?.into_iter().collect()
    }

    /// Like [`uid_fetch_parts`](Self::uid_fetch_parts), with one result per request: a part
    /// that failed (a NO for its message, a part the server did not send, the result budget)
    /// does not cost the others.
    ///
    /// Errors: [`Error::InvalidArgument`] as for `uid_fetch_parts`, and connection errors, for
    /// the whole batch; per part, the rest of `uid_fetch_parts`'s errors.
    pub fn uid_fetch_parts_each(&mut self, parts: &[PartRequest]) -> Result<Vec<Result<PartBody>>> {
        if parts.is_empty() {
            return Ok(Vec::new());
        }
        let binary = {
            let caps = self.conn.capabilities()?;
            caps.has("BINARY") || caps.has("IMAP4rev2")
        };
        let mut plan = Plan::new(parts, binary, self.conn.opts.max_line)?;
        // The whole batch, not each part: nothing would be sent for any of them.
        self.require_selected("UID FETCH")?;
        let limit = self.conn.opts.max_result_size;
        self.run_plan(&mut plan, limit)?;
        Ok(plan.results(parts, limit))
    }

    /// Fetches one part of message `uid`, decoded, with the encoding and charset `structure`
    /// (the message's body structure) gives it: [`uid_fetch_parts`](Self::uid_fetch_parts)
    /// for a single [`PartRequest::of`].
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use blocking_imap::{FetchItems, Uid};
    /// session.select("INBOX")?;
    /// let uid = Uid(42);
    /// let items = FetchItems::new().body_structure();
    /// if let Some(msg) = session.uid_fetch(uid.0, &items)?.next() {
    ///     if let Some(structure) = msg?.body_structure() {
    ///         if let Some((section, _)) = structure.find("text/plain") {
    ///             println!("{}", session.fetch_part(uid, &section, structure)?.text());
    ///         }
    ///     }
    /// }
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: as for [`PartRequest::of`] and [`uid_fetch_parts`](Self::uid_fetch_parts).
    pub fn fetch_part(
        &mut self,
        uid: Uid,
        section: &[u32],
        structure: &BodyStructure,
    ) -> Result<PartBody> {
        let request = PartRequest::of(uid, section, structure)?;
        let mut results = self.uid_fetch_parts_each(std::slice::from_ref(&request))?;
        results
            .pop()
            .unwrap_or_else(|| Err(missing(request.uid, &request.section)))
    }

    /// Sends the plan's commands, keeping up to the pipeline depth in flight, and reads
    /// each to its completion, in order; a BINARY command the server refuses is queued again
    /// as BODY.PEEK for the sections that did not come. Returns early only for an error that
    /// leaves the connection unusable. Every command is sent once, at most twice (the
    /// retry), so this ends.
    fn run_plan(&mut self, plan: &mut Plan, limit: usize) -> Result<()> {
        let depth = self.conn.opts.pipeline_depth.max(1);
        let mut queue: VecDeque<PartCommand> = std::mem::take(&mut plan.commands).into();
        // At most `depth` commands: the lookups in `wants` and `take` scan it.
        let mut inflight: VecDeque<(String, PartCommand)> = VecDeque::new();
        let mut kept = 0usize;
        loop {
            while inflight.len() < depth {
                let Some(cmd) = queue.pop_front() else { break };
                match plan.command(&cmd).and_then(|c| self.conn.send(c)) {
                    Ok(tag) => inflight.push_back((tag, cmd)),
                    Err(e) if e.is_fatal() => return Err(e),
                    Err(e) => plan.fail(&cmd, e),
                }
            }
            let Some((tag, _)) = inflight.front() else {
                return Ok(());
            };
            let tag = tag.clone();
            let result = {
                let inflight = &inflight;
                // A FETCH with data for a message in flight is ours, whichever command
                // it answers; a FLAGS-only one (a flag change) is not.
                let wants = |r: &Response| match r {
                    Response::Fetch(f) => {
                        !f.sections.is_empty()
                            && f.uid
                                .is_some_and(|u| inflight.iter().any(|(_, c)| c.uid == u))
                    }
                    _ => false,
                };
                let plan = &mut *plan;
                let kept = &mut kept;
                self.conn.finish(&tag, &wants, &mut |r| {
                    if let Response::Fetch(f) = r {
                        plan.take(f, inflight, kept, limit);
                    }
                })
            };
            let Some((_, cmd)) = inflight.pop_front() else {
                return Ok(());
            };
            match result {
                Ok(_) => {}
                Err(e) if e.is_fatal() => return Err(e),
                Err(e) if cmd.binary && binary_refused(&e) => {
                    let wanted = plan.missing(&cmd);
                    if !wanted.is_empty() {
                        debug!(
                            "UID {}: BINARY refused ({e}); fetching BODY.PEEK to decode here",
                            cmd.uid
                        );
                        queue.push_back(PartCommand {
                            uid: cmd.uid,
                            wanted,
                            binary: false,
                        });
                    }
                }
                Err(e) => plan.fail(&cmd, e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(uid: u32, section: &[u32]) -> PartRequest {
        PartRequest::new(Uid(uid), section, TransferEncoding::Base64)
    }

    #[test]
    fn requests_are_grouped_by_message_in_order_and_deduplicated() {
        let reqs = [
            req(7, &[2]),
            req(3, &[1]),
            req(7, &[1, 2]),
            req(7, &[2]),
            req(3, &[4]),
        ];
        let plan = Plan::new(&reqs, true, 8192).unwrap();
        assert_eq!(plan.wanted.len(), 4, "7:[2] once");
        assert_eq!(plan.of_request, [0, 1, 2, 0, 3]);
        let cmds: Vec<(u32, Vec<usize>)> = plan
            .commands
            .iter()
            .map(|c| (c.uid.0, c.wanted.clone()))
            .collect();
        assert_eq!(cmds, [(7, vec![0, 2]), (3, vec![1, 3])]);
        let items: Vec<String> = plan
            .commands
            .iter()
            .map(|c| plan.items(c).unwrap())
            .collect();
        assert_eq!(
            items,
            [
                "(UID BINARY.PEEK[2] BINARY.PEEK[1.2])",
                "(UID BINARY.PEEK[1] BINARY.PEEK[4])"
            ]
        );
        // Nothing to decode (7bit, 8bit, binary: an attached message, say): BODY.PEEK even
        // where BINARY is offered, so the part comes back exactly as attached.
        let mixed = [
            PartRequest::new(Uid(9), &[2], TransferEncoding::SevenBit),
            PartRequest::new(Uid(9), &[3], TransferEncoding::QuotedPrintable),
            PartRequest::new(Uid(9), &[4], TransferEncoding::EightBit),
        ];
        let mixed_plan = Plan::new(&mixed, true, 8192).unwrap();
        assert_eq!(
            mixed_plan.items(&mixed_plan.commands[0]).unwrap(),
            "(UID BODY.PEEK[2] BINARY.PEEK[3] BODY.PEEK[4])"
        );
        let body = PartCommand {
            binary: false,
            ..plan.commands[0].clone()
        };
        assert_eq!(
            plan.items(&body).unwrap(),
            "(UID BODY.PEEK[2] BODY.PEEK[1.2])"
        );
        let line = plan.command(&plan.commands[0]).unwrap().describe();
        assert_eq!(line, "UID FETCH 7 (UID BINARY.PEEK[2] BINARY.PEEK[1.2])");
    }

    #[test]
    fn a_message_with_many_parts_is_split_across_commands() {
        let reqs: Vec<PartRequest> = (1..=200).map(|p| req(9, &[1, p])).collect();
        let plan = Plan::new(&reqs, true, 256).unwrap();
        assert!(plan.commands.len() > 1, "{}", plan.commands.len());
        let mut all = Vec::new();
        for cmd in &plan.commands {
            assert_eq!(cmd.uid, Uid(9));
            for binary in [true, false] {
                let c = PartCommand {
                    binary,
                    ..cmd.clone()
                };
                let line = plan.command(&c).unwrap().describe();
                assert!(line.len() + "A0001 \r\n".len() <= 256, "{}", line.len());
            }
            all.extend(cmd.wanted.iter().copied());
        }
        assert_eq!(
            all,
            (0..200).collect::<Vec<_>>(),
            "each part once, in order"
        );
    }

    #[test]
    fn bad_requests_send_nothing() {
        for bad in [req(0, &[1]), req(1, &[]), req(1, &[1, 0])] {
            match Plan::new(std::slice::from_ref(&bad), true, 8192) {
                Err(Error::InvalidArgument(_)) => {}
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn decoding_follows_the_request_and_binary_is_kept() {
        let reqs = [
            req(5, &[1]),
            PartRequest::new(Uid(5), &[2], TransferEncoding::QuotedPrintable),
            PartRequest::new(Uid(5), &[3], TransferEncoding::EightBit).charset("iso-8859-1"),
            req(5, &[4]),
            req(5, &[5]),
        ];
        let mut plan = Plan::new(&reqs, false, 8192).unwrap();
        plan.wanted[0].data = Some((b"aGVs\r\nbG8=".to_vec(), false));
        plan.wanted[1].data = Some((b"caf=C3=A9=\r\n!".to_vec(), false));
        plan.wanted[2].data = Some((b"caf\xe9".to_vec(), false));
        plan.wanted[3].data = Some((b"raw \x00".to_vec(), true));
        let results = plan.results(&reqs, 100);
        let ok: Vec<&PartBody> = results[..4].iter().map(|r| r.as_ref().unwrap()).collect();
        assert_eq!(ok[0].bytes(), b"hello");
        assert_eq!(ok[1].text(), "café!");
        assert_eq!(ok[2].text(), "café");
        assert_eq!(ok[2].charset(), Some("iso-8859-1"));
        assert_eq!(ok[3].bytes(), b"raw \x00", "BINARY is not decoded again");
        assert!(ok[3].was_binary() && !ok[0].was_binary());
        match &results[4] {
            Err(Error::No(t)) => {
                assert_eq!(t.code.as_ref().map(ResponseCode::name), Some("NONEXISTENT"));
                assert!(t.text.contains("part 5 of UID 5"), "{}", t.text);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_single_part_message_has_part_one() {
        // The structure of a message that is not multipart: `[]` is its part 1.
        let raw = b"* 1 FETCH (BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"ISO-8859-1\") \
            NIL NIL \"quoted-printable\" 10 1))\r\n";
        let Ok(crate::wire::parse::Parsed::Untagged(Response::Fetch(f))) =
            crate::wire::parse::parse_frame(raw)
        else {
            panic!("parse")
        };
        let structure = f.body_structure().unwrap();
        let r = PartRequest::of(Uid(3), &[], structure).unwrap();
        assert_eq!(r.section(), &[1]);
        assert_eq!(r.encoding(), &TransferEncoding::QuotedPrintable);
        assert_eq!(r.charset.as_deref(), Some("ISO-8859-1"));
        assert_eq!(PartRequest::of(Uid(3), &[1], structure).unwrap(), r);
        assert!(matches!(
            PartRequest::of(Uid(3), &[2], structure),
            Err(Error::InvalidArgument(_))
        ));
    }

    #[test]
    fn refusals_that_fall_back_to_body() {
        let text = |code: Option<ResponseCode>| ServerText {
            code,
            text: "x".into(),
            extra: None,
        };
        let cte = ResponseCode::UnknownCte;
        assert!(binary_refused(&Error::No(text(Some(cte)))));
        assert!(binary_refused(&Error::Bad(text(None))));
        assert!(!binary_refused(&Error::No(text(None))));
        assert!(!binary_refused(&Error::No(text(Some(ResponseCode::Parse)))));
    }
}
