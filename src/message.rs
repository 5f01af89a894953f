//! Message commands: FETCH, STORE, COPY, MOVE, EXPUNGE, SEARCH, APPEND.

use log::debug;

use crate::error::{Error, Result, ServerText};
use crate::journal::Earlier;
use crate::session::Session;
use crate::stream::{ChunkCommand, FetchStream};
use crate::types::append::AppendMessage;
use crate::types::streaming::Streamed;
use crate::types::{
    AppendUid, CopyUid, DateTime, Expunged, Fetch, FetchItems, Flag, MailboxName, ResponseCode,
    Search, Seq, SequenceSet, StatusKind, StoreAction, Uid,
};
use crate::wire::encode::{flag_list, Command};
use crate::wire::parse::Response;

/// EXPUNGE and VANISHED are what an expunging command answers with.
fn is_expunge(r: &Response) -> bool {
    matches!(
        r,
        Response::Expunge(_) | Response::Vanished { earlier: false, .. }
    )
}

/// Called once per response; `Conn::finish` bounds how many. VANISHED ranges are added at
/// amortised O(log n) each.
fn collect_expunge(out: &mut Expunged, r: Response) {
    match r {
        Response::Expunge(n) => out.seqs.push(Seq(n)),
        Response::Vanished { uids, .. } => {
            out.vanished.extend(uids.ranges());
        }
        _ => {}
    }
}

/// Merges a COPYUID from one chunk into the total.
fn merge_copyuid(total: &mut Option<CopyUid>, code: &ResponseCode) {
    if let ResponseCode::CopyUid {
        uid_validity,
        source,
        destination,
    } = code
    {
        match total {
            Some(t) if t.uid_validity == *uid_validity => {
                t.source.extend(source.ranges());
                t.destination.extend(destination.ranges());
            }
            _ => {
                *total = Some(CopyUid {
                    uid_validity: *uid_validity,
                    source: source.clone(),
                    destination: destination.clone(),
                });
            }
        }
    }
}

impl Session {
    /// How long a sequence set may be, next to `rest` bytes of other arguments.
    fn set_budget(&self, rest: usize) -> usize {
        self.conn.opts.max_line.saturating_sub(rest + 40).max(64)
    }

    /// Fetches `items` for the messages in `set` (sequence numbers) with FETCH (RFC 9051
    /// section 6.4.5), streaming the results.
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use blocking_imap::{FetchItems, Section};
    /// session.select("INBOX")?;
    /// for msg in session.fetch(1.., &FetchItems::new().uid().body_peek(Section::Full))? {
    ///     let msg = msg?;
    ///     println!("{:?}: {} bytes", msg.uid(), msg.body().map_or(0, |b| b.len()));
    /// }
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: [`Error::InvalidArgument`] for a bad item; the stream yields [`Error::No`] /
    /// [`Error::Bad`] from the server and connection errors.
    pub fn fetch(
        &mut self,
        set: impl Into<SequenceSet>,
        items: &FetchItems,
    ) -> Result<FetchStream<'_>> {
        self.fetch_stream(false, set.into(), items)
    }

    /// Like [`fetch`](Self::fetch), with UIDs (UID FETCH). Every result carries its UID.
    pub fn uid_fetch(
        &mut self,
        set: impl Into<SequenceSet>,
        items: &FetchItems,
    ) -> Result<FetchStream<'_>> {
        self.fetch_stream(true, set.into(), items)
    }

    /// The messages that arrived after UID `after`: UID FETCH `after+1:*`, keeping only UIDs
    /// above `after` (RFC 3501: `n:*` also returns the highest message when none is newer,
    /// which a watcher would otherwise see again every time).
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use blocking_imap::{FetchItems, Uid};
    /// let mut last = Uid(4711);
    /// for msg in session.uid_fetch_newer(last, &FetchItems::new().uid().envelope())? {
    ///     let msg = msg?;
    ///     last = last.max(msg.uid().unwrap_or(last));
    /// }
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: as [`uid_fetch`](Self::uid_fetch).
    pub fn uid_fetch_newer(&mut self, after: Uid, items: &FetchItems) -> Result<FetchStream<'_>> {
        let from = after.0.saturating_add(1).max(1);
        let stream = self.fetch_stream_with(true, SequenceSet::from(from..), items, false)?;
        Ok(if after.0 == 0 {
            stream
        } else {
            stream.skipping(SequenceSet::from(1..=after.0))
        })
    }

    /// The UIDs of the `count` newest messages of the selected mailbox, newest first (UID
    /// order is arrival order: RFC 9051 section 2.3.1.1). One UID SEARCH ALL.
    ///
    /// Errors: as [`uid_search`](Self::uid_search).
    pub fn uid_newest(&mut self, count: usize) -> Result<Vec<Uid>> {
        if count == 0 || (self.mailbox().is_selected() && self.mailbox().exists() == 0) {
            return Ok(Vec::new());
        }
        let mut all = self.uid_search(&Search::all())?;
        let keep = all.len().saturating_sub(count);
        all.drain(..keep);
        all.reverse();
        Ok(all)
    }

    fn fetch_stream(
        &mut self,
        uid: bool,
        set: SequenceSet,
        items: &FetchItems,
    ) -> Result<FetchStream<'_>> {
        self.fetch_stream_with(uid, set, items, true)
    }

    /// `resumable`: under `retrying`, a UID FETCH that an earlier run began asks only for
    /// what that run did not receive, and gives that back first (not for a streaming FETCH,
    /// whose sections went to the caller's sink and cannot be given back).
    fn fetch_stream_with(
        &mut self,
        uid: bool,
        set: SequenceSet,
        items: &FetchItems,
        resumable: bool,
    ) -> Result<FetchStream<'_>> {
        let args = items.render(uid)?;
        // Checked here, not when the stream sends its first command: the caller learns it
        // from the call itself (after the arguments, which are the caller's to fix first).
        self.require_selected(if uid { "UID FETCH" } else { "FETCH" })?;
        let mut resume = None;
        let mut set = set;
        if let (true, true, Some(reads)) = (uid, resumable, self.conn.reads.as_mut()) {
            let key = (args.clone(), set.to_string());
            let entry = reads.entries.entry(key.clone()).or_default();
            if !entry.dropped {
                if !entry.uids.is_empty() {
                    set = set.difference(&entry.uids);
                }
                resume = Some((entry.fetched.clone(), entry.uids.clone(), key));
            }
        }
        // No message in the selected mailbox: no sequence number names one, and `1:*` would
        // get a BAD ("Invalid messageset") from some servers. Nothing to ask for.
        let empty = !uid && self.mailbox().is_selected() && self.mailbox().exists() == 0;
        let chunks = if set.is_empty() || empty {
            Vec::new()
        } else {
            set.chunks(self.set_budget(args.len()))
        };
        let cmd = ChunkCommand {
            name: if uid { "UID FETCH" } else { "FETCH" },
            args,
            uid,
            want_flags: items.flags,
            want_labels: items.labels,
            finish_on_drop: false,
        };
        let stream = FetchStream::new(&mut self.conn, cmd, chunks);
        Ok(match resume {
            Some((replay, received, key)) => stream.resumed(replay, received, key),
            None => stream,
        })
    }

    /// UID FETCH (RFC 9051 section 6.4.5) that streams every `BODY[...]` and `BINARY[...]`
    /// value `items` asks for to `sink` as its bytes arrive, instead of keeping it in memory:
    /// memory stays at one read buffer whatever the size of a message (the
    /// [`max_response_size`](crate::ClientBuilder::max_response_size) limit does not apply to
    /// a streamed value; it still bounds everything else). Each value comes as
    /// [`Streamed::Begin`] (message number and size), then its bytes; the message's other
    /// items come whole in the [`Fetch`](crate::Fetch) the stream yields after them (there
    /// the streamed section is empty). Partial ranges (`body_peek_partial`) and `BINARY`
    /// (decoded by the server, RFC 3516) stream the same way.
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use std::io::Write;
    /// use blocking_imap::{FetchItems, Section, Streamed};
    /// let mut file = std::fs::File::create("big.eml")?;
    /// let (mut done, mut total) = (0u64, 0u64);
    /// let mut sink = |piece: Streamed<'_>| {
    ///     match piece {
    ///         Streamed::Begin { len, .. } => total = len,
    ///         Streamed::Bytes(bytes) => {
    ///             file.write_all(bytes)?;
    ///             done += bytes.len() as u64;
    ///             eprint!("\r{done} of {total} bytes");
    ///         }
    ///         _ => {}
    ///     }
    ///     Ok(())
    /// };
    /// let items = FetchItems::new().uid().body_peek(Section::Full);
    /// for message in session.uid_fetch_streaming(4711, &items, &mut sink)? {
    ///     println!("\nUID {:?} done", message?.uid());
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// Under [`retrying`](Self::retrying) a streaming FETCH cut half-way runs whole again
    /// (the sink gets each value again from its `Begin`).
    ///
    /// Errors: as [`uid_fetch`](Self::uid_fetch); a sink that fails ends the stream with
    /// [`Error::Caller`] (the rest of the command is read and dropped: the session goes on).
    pub fn uid_fetch_streaming<'s>(
        &'s mut self,
        set: impl Into<SequenceSet>,
        items: &FetchItems,
        sink: &'s mut dyn FnMut(Streamed<'_>) -> std::io::Result<()>,
    ) -> Result<FetchStream<'s>> {
        Ok(self
            .fetch_stream_with(true, set.into(), items, false)?
            .streaming(sink))
    }

    /// Writes the `BODY[...]` / `BINARY[...]` values `items` asks for of message `uid` to
    /// `out`, streamed (memory bounded whatever the size; see
    /// [`uid_fetch_streaming`](Self::uid_fetch_streaming)), and returns the message's other
    /// items, or `None` when there is no message with that UID. Several sections go to `out`
    /// one after the other.
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use blocking_imap::{FetchItems, Section, Uid};
    /// let mut file = std::fs::File::create("message.eml")?;
    /// let items = FetchItems::new().uid().internal_date().body_peek(Section::Full);
    /// let found = session.uid_fetch_to(Uid(4711), &items, &mut file)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// Errors: as [`uid_fetch_streaming`](Self::uid_fetch_streaming).
    pub fn uid_fetch_to(
        &mut self,
        uid: Uid,
        items: &FetchItems,
        out: &mut dyn std::io::Write,
    ) -> Result<Option<Fetch>> {
        let mut sink = |piece: Streamed<'_>| match piece {
            Streamed::Bytes(bytes) => out.write_all(bytes),
            _ => Ok(()),
        };
        let mut found = None;
        for f in self.uid_fetch_streaming(uid, items, &mut sink)? {
            let f = f?;
            if f.uid() == Some(uid) {
                found = Some(f);
            }
        }
        Ok(found)
    }

    /// Changes flags with STORE (RFC 9051 section 6.4.6) and streams the new flags of each
    /// message. Dropping the stream still applies the change to the whole set.
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use blocking_imap::{Flag, StoreAction};
    /// session.select("INBOX")?;
    /// session.store(1..=10, StoreAction::Add, &[Flag::Seen])?.finish()?;
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: [`Error::InvalidArgument`] for a flag that cannot be stored (`\*`, spaces...);
    /// the stream yields the server's NO or BAD.
    pub fn store(
        &mut self,
        set: impl Into<SequenceSet>,
        action: StoreAction,
        flags: &[Flag],
    ) -> Result<FetchStream<'_>> {
        self.store_stream(false, false, set.into(), action, flags)
    }

    /// Like [`store`](Self::store), with UIDs (UID STORE).
    pub fn uid_store(
        &mut self,
        set: impl Into<SequenceSet>,
        action: StoreAction,
        flags: &[Flag],
    ) -> Result<FetchStream<'_>> {
        self.store_stream(true, false, set.into(), action, flags)
    }

    /// STORE with `.SILENT`: the server sends no FETCH responses for the change (any it
    /// sends anyway are routed as unsolicited).
    pub fn store_silent(
        &mut self,
        set: impl Into<SequenceSet>,
        action: StoreAction,
        flags: &[Flag],
    ) -> Result<()> {
        self.store_stream(false, true, set.into(), action, flags)?
            .finish()
    }

    /// UID STORE with `.SILENT`.
    pub fn uid_store_silent(
        &mut self,
        set: impl Into<SequenceSet>,
        action: StoreAction,
        flags: &[Flag],
    ) -> Result<()> {
        self.store_stream(true, true, set.into(), action, flags)?
            .finish()
    }

    fn store_stream(
        &mut self,
        uid: bool,
        silent: bool,
        set: SequenceSet,
        action: StoreAction,
        flags: &[Flag],
    ) -> Result<FetchStream<'_>> {
        let args = format!("{} {}", action.item(silent), flag_list(flags)?);
        self.require_selected(if uid { "UID STORE" } else { "STORE" })?;
        let chunks = set.chunks(self.set_budget(args.len()));
        let cmd = ChunkCommand {
            name: if uid { "UID STORE" } else { "STORE" },
            args,
            uid,
            // Silent: nothing is a result; loud: every FETCH in the set is.
            want_flags: !silent,
            want_labels: false,
            finish_on_drop: true,
        };
        Ok(FetchStream::new(&mut self.conn, cmd, chunks))
    }

    /// Runs a command over `set` in chunks, collecting COPYUID codes.
    fn chunked_copy(
        &mut self,
        verb: &'static str,
        set: SequenceSet,
        mailbox: &MailboxName,
    ) -> Result<Option<CopyUid>> {
        if verb != "UID COPY" || self.journal.is_none() {
            return self.chunked_copy_now(verb, set, mailbox);
        }
        // Under `retrying`: a UID COPY that completed in an earlier run is not sent again.
        if let Earlier::Done(done) = self.copy_begin(&set, mailbox)? {
            return Ok(done);
        }
        let result = self.chunked_copy_now(verb, set, mailbox);
        self.copy_end(&result);
        result
    }

    fn chunked_copy_now(
        &mut self,
        verb: &'static str,
        set: SequenceSet,
        mailbox: &MailboxName,
    ) -> Result<Option<CopyUid>> {
        let mut cmds = Vec::new();
        for chunk in set.chunks(self.set_budget(mailbox.wire().len() + 2)) {
            let mut cmd = Command::new(verb);
            cmd.raw(&chunk.to_string());
            cmd.astring(mailbox.wire(), "mailbox name")?;
            cmds.push(cmd);
        }
        // MOVE sends COPYUID in an untagged OK (RFC 6851), COPY in the completion. `codes`:
        // the untagged ones are bounded by `max_result_size` (`Conn::finish`), plus one per
        // chunk; merging adds each range at amortised O(log n).
        let mut codes = Vec::new();
        let texts = self.conn.run_pipelined(
            cmds,
            &|r| {
                matches!(
                    r,
                    Response::Status {
                        kind: StatusKind::Ok,
                        text: ServerText {
                            code: Some(ResponseCode::CopyUid { .. }),
                            ..
                        }
                    }
                )
            },
            &mut |r| {
                if let Response::Status { text, .. } = r {
                    codes.extend(text.code);
                }
            },
        )?;
        codes.extend(texts.into_iter().filter_map(|t| t.code));
        let mut total = None;
        for code in &codes {
            merge_copyuid(&mut total, code);
        }
        Ok(total)
    }

    /// Copies messages to another mailbox (COPY, RFC 9051 section 6.4.7). Returns where they
    /// went when the server supports UIDPLUS.
    ///
    /// Errors: [`Error::No`], often with `TRYCREATE` when the target does not exist.
    pub fn copy(
        &mut self,
        set: impl Into<SequenceSet>,
        mailbox: impl Into<MailboxName>,
    ) -> Result<Option<CopyUid>> {
        self.chunked_copy("COPY", set.into(), &self.conn.adapt(mailbox.into()))
    }

    /// Like [`copy`](Self::copy), with UIDs (UID COPY).
    pub fn uid_copy(
        &mut self,
        set: impl Into<SequenceSet>,
        mailbox: impl Into<MailboxName>,
    ) -> Result<Option<CopyUid>> {
        self.chunked_copy("UID COPY", set.into(), &self.conn.adapt(mailbox.into()))
    }

    /// Moves messages to another mailbox: MOVE (RFC 6851) when the server has it, else COPY,
    /// STORE `\Deleted` and UID EXPUNGE of just those messages (UIDPLUS), so other messages
    /// marked `\Deleted` stay. The EXPUNGE responses update [`mailbox`](Self::mailbox) and
    /// wait in [`unsolicited`](Self::unsolicited).
    ///
    /// Errors: [`Error::MissingCapability`] when the server has neither MOVE nor UIDPLUS.
    pub fn mv(
        &mut self,
        set: impl Into<SequenceSet>,
        mailbox: impl Into<MailboxName>,
    ) -> Result<Option<CopyUid>> {
        let set = set.into();
        let mailbox = self.conn.adapt(mailbox.into());
        let has_move = self.conn.capabilities()?.has("MOVE") || self.is_imap4rev2()?;
        if has_move && set.chunks(self.set_budget(mailbox.wire().len() + 2)).len() <= 1 {
            return self.chunked_copy("MOVE", set, &mailbox);
        }
        // Sequence numbers shift as messages leave: go by UID. Amortised O(log n) per insert;
        // each response counted as 16 bytes against `max_result_size`, so a server cannot
        // make the set grow without limit.
        let limit = self.conn.opts.max_result_size;
        let mut held = 0usize;
        let mut uids = SequenceSet::new();
        for f in self.fetch(set, &FetchItems::new().uid())? {
            held = held.saturating_add(16);
            if held > limit {
                return Err(Error::LimitExceeded {
                    what: "the UIDs collected for MOVE".into(),
                    limit,
                });
            }
            if let Some(u) = f?.uid() {
                uids.insert(u.0);
            }
        }
        self.uid_mv(uids, mailbox)
    }

    /// Like [`mv`](Self::mv), with UIDs (UID MOVE).
    pub fn uid_mv(
        &mut self,
        set: impl Into<SequenceSet>,
        mailbox: impl Into<MailboxName>,
    ) -> Result<Option<CopyUid>> {
        let set = set.into();
        let mailbox = self.conn.adapt(mailbox.into());
        let caps = self.conn.capabilities()?;
        if caps.has("MOVE") || caps.has("IMAP4rev2") {
            return self.chunked_copy("UID MOVE", set, &mailbox);
        }
        if !caps.has("UIDPLUS") {
            return Err(Error::MissingCapability("MOVE or UIDPLUS".into()));
        }
        let copied = self.chunked_copy("UID COPY", set.clone(), &mailbox)?;
        self.uid_store_silent(set.clone(), StoreAction::Add, &[Flag::Deleted])?;
        self.uid_expunge(set)?;
        Ok(copied)
    }

    fn expunge_command(&mut self, cmd: Command, out: &mut Expunged) -> Result<()> {
        self.conn
            .run(cmd, &is_expunge, &mut |r| collect_expunge(out, r))?;
        Ok(())
    }

    /// Removes every message marked `\Deleted` (EXPUNGE, RFC 9051 section 6.4.3) and returns
    /// which ones went; the mailbox state follows each removal in order.
    pub fn expunge(&mut self) -> Result<Expunged> {
        let mut out = Expunged::default();
        self.expunge_command(Command::new("EXPUNGE"), &mut out)?;
        Ok(out)
    }

    /// Removes only the messages of `set` that are marked `\Deleted` (UID EXPUNGE, RFC 4315).
    ///
    /// Errors: [`Error::MissingCapability`] when the server lacks UIDPLUS.
    pub fn uid_expunge(&mut self, set: impl Into<SequenceSet>) -> Result<Expunged> {
        let caps = self.conn.capabilities()?;
        if !caps.has("UIDPLUS") && !caps.has("IMAP4rev2") {
            return Err(Error::MissingCapability("UIDPLUS".into()));
        }
        let set = set.into();
        let cmds = set
            .chunks(self.set_budget(0))
            .into_iter()
            .map(|chunk| {
                let mut cmd = Command::new("UID EXPUNGE");
                cmd.raw(&chunk.to_string());
                cmd
            })
            .collect();
        let mut out = Expunged::default();
        self.conn
            .run_pipelined(cmds, &is_expunge, &mut |r| collect_expunge(&mut out, r))?;
        Ok(out)
    }

    fn search_command(&mut self, verb: &'static str, query: &Search) -> Result<Vec<u32>> {
        let mut cmd = Command::new(verb);
        // With UTF8=ACCEPT, SEARCH must not name a charset (RFC 6855 erratum 4029).
        if query.needs_utf8() && !self.conn.utf8_accept() {
            cmd.raw("CHARSET UTF-8");
        }
        query.encode(&mut cmd)?;
        self.collect_search(cmd)
    }

    fn collect_search(&mut self, cmd: Command) -> Result<Vec<u32>> {
        // Bounded by `max_result_size` (`Conn::finish`), like every collected result. An
        // IMAP4rev2 server answers a SEARCH without RETURN with `* ESEARCH (TAG "..") ALL
        // set` (RFC 9051 section 6.4.4; nothing after the correlator when nothing matched):
        // the same numbers, expanded here, at most `max_result_size / 4` of them, so a
        // `1:4294967295` costs an error, never the memory.
        // When an ESEARCH for this command came, it is the answer: a `* SEARCH` beside it
        // (which RFC 9051 section 6.4.4 tells IMAP4rev2 clients to ignore) is not counted.
        let limit = self.conn.opts.max_result_size;
        let tag = self.conn.send(cmd)?;
        let mut out = Vec::new();
        let mut plain = Vec::new();
        let mut esearch = false;
        let mut too_many = false;
        let ours = |r: &Response| match r {
            Response::Search { .. } => true,
            Response::ESearch { tag: t, .. } => {
                t.as_deref().map_or(true, |t| t.eq_ignore_ascii_case(&tag))
            }
            _ => false,
        };
        self.conn.finish(&tag, &ours, &mut |r| match r {
            Response::Search { nums, .. } => plain.extend(nums),
            Response::ESearch { result, .. } => {
                esearch = true;
                if !result.unparsed.is_empty() {
                    debug!(
                        "ESEARCH for SEARCH: {} item(s) not read",
                        result.unparsed.len()
                    );
                }
                let room = (limit / 4).saturating_sub(out.len()) as u64;
                if result.all.len() > room {
                    too_many = true;
                    return;
                }
                out.extend(result.all.iter());
            }
            _ => {}
        })?;
        if too_many {
            return Err(Error::LimitExceeded {
                what: "the numbers of an ESEARCH answer to SEARCH".into(),
                limit,
            });
        }
        if !esearch {
            out = plain;
        }
        // Ascending, each once, whatever order the server chose (documented).
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// Finds messages (SEARCH, RFC 9051 section 6.4.4); sequence numbers in ascending order,
    /// each once (for the newest first, [`uid_newest`](Self::uid_newest) or `.rev()`).
    /// Criteria with non-ASCII text are sent with `CHARSET UTF-8`.
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use blocking_imap::Search;
    /// session.select("INBOX")?;
    /// let unseen = session.search(&Search::all().unseen().from("alice"))?;
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    pub fn search(&mut self, query: &Search) -> Result<Vec<Seq>> {
        Ok(self
            .search_command("SEARCH", query)?
            .into_iter()
            .map(Seq)
            .collect())
    }

    /// Like [`search`](Self::search), returning UIDs (UID SEARCH).
    pub fn uid_search(&mut self, query: &Search) -> Result<Vec<Uid>> {
        Ok(self
            .search_command("UID SEARCH", query)?
            .into_iter()
            .map(Uid)
            .collect())
    }

    /// SEARCH with criteria written by the caller, as IMAP writes them (`UNSEEN SINCE
    /// 1-Jan-2024`). They must not hold CR, LF or NUL; strings with those need [`Search`].
    pub fn search_raw(&mut self, criteria: &str) -> Result<Vec<u32>> {
        if criteria.trim().is_empty() || criteria.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
            return Err(Error::InvalidArgument(
                "search criteria are empty or hold CR, LF or NUL".into(),
            ));
        }
        let mut cmd = Command::new("SEARCH");
        cmd.raw(criteria);
        self.collect_search(cmd)
    }

    /// Adds a message to a mailbox (APPEND, RFC 9051 section 6.3.12). Returns its UID when the
    /// server supports UIDPLUS. A message holding NUL bytes goes as a literal8 (`~{n}`) to
    /// a server that advertises BINARY (RFC 3516).
    ///
    /// Errors: [`Error::MissingCapability`] (`"BINARY"`) for a message holding NUL bytes
    /// when the server lacks BINARY; [`Error::No`], often with `TRYCREATE` when the mailbox
    /// does not exist.
    pub fn append(
        &mut self,
        mailbox: impl Into<MailboxName>,
        message: &[u8],
    ) -> Result<Option<AppendUid>> {
        self.append_with(mailbox, message, &[], None)
    }

    /// APPEND with flags and an internal date; several messages in one command with
    /// [`append_many`](Self::append_many).
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use blocking_imap::{DateTime, Flag};
    /// let when: DateTime = "Tue, 1 Mar 2022 10:00:00 +0100".parse()?;
    /// session.append_with("Archive", b"Subject: hi\r\n\r\nbody\r\n", &[Flag::Seen], Some(when))?;
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: as [`append`](Self::append), and [`Error::InvalidArgument`] for a flag that
    /// cannot be stored.
    pub fn append_with(
        &mut self,
        mailbox: impl Into<MailboxName>,
        message: &[u8],
        flags: &[Flag],
        internal_date: Option<DateTime>,
    ) -> Result<Option<AppendUid>> {
        let mut msg = AppendMessage::new(message).flags(flags);
        if let Some(date) = internal_date {
            msg = msg.internal_date(date);
        }
        self.append_messages(self.conn.adapt(mailbox.into()), std::slice::from_ref(&msg))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_checked() {
        assert_eq!(
            flag_list(&[Flag::Deleted, Flag::Keyword("$Junk".into())]).unwrap(),
            "(\\Deleted $Junk)"
        );
        assert_eq!(flag_list(&[]).unwrap(), "()");
        for bad in [
            Flag::MayCreate,
            Flag::Keyword("a b".into()),
            Flag::Keyword("x)\r\nA1 LOGOUT".into()),
            Flag::Keyword(String::new()),
            Flag::Keyword("ünï".into()),
        ] {
            assert!(flag_list(std::slice::from_ref(&bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn copyuids_merge() {
        let mut total = None;
        merge_copyuid(
            &mut total,
            &ResponseCode::CopyUid {
                uid_validity: 7,
                source: SequenceSet::from(1..=3),
                destination: SequenceSet::from(10..=12),
            },
        );
        merge_copyuid(
            &mut total,
            &ResponseCode::CopyUid {
                uid_validity: 7,
                source: SequenceSet::from(5),
                destination: SequenceSet::from(13),
            },
        );
        let t = total.unwrap();
        assert_eq!(t.source.to_string(), "1:3,5");
        assert_eq!(t.destination.to_string(), "10:13");
    }
}
