//! CONDSTORE and QRESYNC (RFC 7162): mod-sequences, conditional STORE, quick resync.

use crate::error::{Error, Result};
use crate::session::Session;
use crate::state::Mailbox;
use crate::types::condstore::Resync;
use crate::types::{Flag, MailboxName, ResponseCode, SequenceSet, StoreAction};
use crate::wire::encode::Command;
use crate::wire::parse::Response;

impl Session {
    /// Sends `ENABLE <extension>` once per session (RFC 5161), as CONDSTORE and QRESYNC
    /// require before use.
    pub(crate) fn ensure_enabled(&mut self, extension: &'static str) -> Result<()> {
        if self
            .conn
            .enabled
            .iter()
            .any(|e| e.eq_ignore_ascii_case(extension))
        {
            return Ok(());
        }
        if !self.conn.capabilities()?.has(extension) {
            return Err(Error::MissingCapability(extension.into()));
        }
        let mut cmd = Command::new("ENABLE");
        cmd.raw(extension);
        self.conn.simple(cmd)?;
        self.conn.enabled.push(extension.to_string());
        Ok(())
    }

    /// Opens `mailbox` with `SELECT mailbox (CONDSTORE)` (RFC 7162 section 3.1.8): the
    /// server then reports MODSEQ with flag changes and HIGHESTMODSEQ in the
    /// [`Mailbox`].
    ///
    /// Errors: [`Error::MissingCapability`] without CONDSTORE; as
    /// [`select`](Session::select) otherwise.
    pub fn select_condstore(&mut self, mailbox: impl Into<MailboxName>) -> Result<Mailbox> {
        if !self.conn.capabilities()?.has("CONDSTORE") {
            return Err(Error::MissingCapability("CONDSTORE".into()));
        }
        self.open_with(
            "SELECT",
            self.conn.adapt(mailbox.into()),
            Some("(CONDSTORE)".into()),
            &mut |_| {},
        )
    }

    /// Opens `mailbox` with QRESYNC (RFC 7162 section 3.2.5): given the UIDVALIDITY and
    /// HIGHESTMODSEQ the client last saw (and optionally the UIDs it knows), the server
    /// reports only what changed since: expunged UIDs and changed flags. QRESYNC is enabled
    /// first if it is not yet (which needs no mailbox selected: call this from the
    /// authenticated state, or after [`unselect`](Session::unselect), the first time).
    ///
    /// Errors: [`Error::MissingCapability`] without QRESYNC; as [`select`](Session::select).
    pub fn select_qresync(
        &mut self,
        mailbox: impl Into<MailboxName>,
        uid_validity: u32,
        modseq: u64,
        known_uids: Option<&SequenceSet>,
    ) -> Result<(Mailbox, Resync)> {
        self.ensure_enabled("QRESYNC")?;
        let known = known_uids
            .filter(|s| !s.is_empty())
            .map_or(String::new(), |s| format!(" {s}"));
        let params = format!("(QRESYNC ({uid_validity} {modseq}{known}))");
        // Bounded by `max_result_size` (`Conn::finish`); VANISHED ranges are added at
        // amortised O(log n) each.
        let mut resync = Resync::default();
        let mailbox = self.open_with(
            "SELECT",
            self.conn.adapt(mailbox.into()),
            Some(params),
            &mut |r| match r {
                Response::Vanished { uids, .. } => {
                    resync.vanished.extend(uids.ranges());
                }
                Response::Fetch(f) => resync.changed.push(f),
                _ => {}
            },
        )?;
        Ok((mailbox, resync))
    }

    /// STORE with `(UNCHANGEDSINCE modseq)` (RFC 7162 section 3.1.3): changes only messages
    /// whose mod-sequence is not above `modseq`. Returns the messages it did not change
    /// (the `MODIFIED` response code), empty when all were changed.
    ///
    /// Errors: [`Error::MissingCapability`] without CONDSTORE; NO / BAD from the server.
    pub fn store_unchanged_since(
        &mut self,
        set: impl Into<SequenceSet>,
        unchanged_since: u64,
        action: StoreAction,
        flags: &[Flag],
    ) -> Result<SequenceSet> {
        self.conditional_store("STORE", set.into(), unchanged_since, action, flags)
    }

    /// Like [`store_unchanged_since`](Self::store_unchanged_since), with UIDs (UID STORE);
    /// the set returned holds UIDs.
    pub fn uid_store_unchanged_since(
        &mut self,
        set: impl Into<SequenceSet>,
        unchanged_since: u64,
        action: StoreAction,
        flags: &[Flag],
    ) -> Result<SequenceSet> {
        self.conditional_store("UID STORE", set.into(), unchanged_since, action, flags)
    }

    fn conditional_store(
        &mut self,
        verb: &'static str,
        set: SequenceSet,
        unchanged_since: u64,
        action: StoreAction,
        flags: &[Flag],
    ) -> Result<SequenceSet> {
        if !self.conn.capabilities()?.has("CONDSTORE") {
            return Err(Error::MissingCapability("CONDSTORE".into()));
        }
        let args = format!(
            "(UNCHANGEDSINCE {unchanged_since}) {} {}",
            action.item(true),
            crate::wire::encode::flag_list(flags)?
        );
        let budget = self
            .conn
            .opts
            .max_line
            .saturating_sub(args.len() + 40)
            .max(64);
        let cmds = set
            .chunks(budget)
            .into_iter()
            .map(|chunk| {
                let mut cmd = Command::new(verb);
                cmd.raw(&chunk.to_string());
                cmd.raw(&args);
                cmd
            })
            .collect();
        // The FETCH responses of a silent conditional STORE (MODSEQ changes) are news.
        let texts = self.conn.run_pipelined(cmds, &|_| false, &mut |_| {})?;
        let mut modified = SequenceSet::new();
        for text in texts {
            if let Some(ResponseCode::Modified(set)) = text.code {
                modified.extend(set.ranges());
            }
        }
        Ok(modified)
    }
}
