//! Gmail's IMAP extensions (`X-GM-EXT-1`): changing labels with STORE `X-GM-LABELS`.
//!
//! Fetching labels and ids is [`FetchItems::x_gm_labels`](crate::FetchItems::x_gm_labels),
//! [`x_gm_msgid`](crate::FetchItems::x_gm_msgid) and
//! [`x_gm_thrid`](crate::FetchItems::x_gm_thrid); searching is
//! [`Search::x_gm_raw`](crate::Search::x_gm_raw) and its neighbours.

use crate::error::{Error, Result};
use crate::session::Session;
use crate::stream::{ChunkCommand, FetchStream};
use crate::types::gmail::GmailLabel;
use crate::types::{SequenceSet, StoreAction};
use crate::wire::gmail::{label_list, store_item};

impl Session {
    /// Does the server offer Gmail's extensions (`X-GM-EXT-1`)?
    ///
    /// Errors: those of [`capabilities`](Self::capabilities) (when they must be asked for).
    pub fn has_gmail_extensions(&mut self) -> Result<bool> {
        Ok(self.conn.capabilities()?.has("X-GM-EXT-1"))
    }

    /// Changes Gmail labels with `STORE set +X-GM-LABELS (labels)` (`-X-GM-LABELS` to remove,
    /// `X-GM-LABELS` to replace them all; Gmail's `X-GM-EXT-1`), and streams each message's
    /// labels as Gmail answers: an untagged `FETCH (X-GM-LABELS (...) UID n)` for each
    /// message, read with [`Fetch::x_gm_labels`](crate::Fetch::x_gm_labels). Dropping the
    /// stream still applies the change to the whole set.
    ///
    /// Labels go as Gmail wants them: system labels as `\Inbox`, `\Important`..., user
    /// labels in modified UTF-7, quoted. A pushed FLAGS change that arrives meanwhile goes
    /// to [`Session::unsolicited`], as it does during any STORE.
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use blocking_imap::{GmailLabel, StoreAction, Uid};
    /// session.select("[Gmail]/All Mail")?;
    /// let labels = [GmailLabel::user("Receipts/2024"), GmailLabel::Important];
    /// for f in session.uid_store_labels(Uid(4711), StoreAction::Add, &labels)? {
    ///     println!("{:?}: {:?}", f?.uid(), labels);
    /// }
    /// // Archive: take it out of the inbox.
    /// session.uid_store_labels_silent(Uid(4711), StoreAction::Remove, &[GmailLabel::Inbox])?;
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: [`Error::MissingCapability`] when the server lacks `X-GM-EXT-1`;
    /// [`Error::InvalidArgument`] for an empty label, a system label whose name is not an
    /// atom, or a user label longer than 1024 bytes once encoded; the stream yields the
    /// server's NO or BAD.
    pub fn store_labels(
        &mut self,
        set: impl Into<SequenceSet>,
        action: StoreAction,
        labels: &[GmailLabel],
    ) -> Result<FetchStream<'_>> {
        self.labels_stream(false, false, set.into(), action, labels)
    }

    /// Like [`store_labels`](Self::store_labels), with UIDs (`UID STORE`).
    pub fn uid_store_labels(
        &mut self,
        set: impl Into<SequenceSet>,
        action: StoreAction,
        labels: &[GmailLabel],
    ) -> Result<FetchStream<'_>> {
        self.labels_stream(true, false, set.into(), action, labels)
    }

    /// [`store_labels`](Self::store_labels) with `X-GM-LABELS.SILENT`: Gmail sends no FETCH
    /// for the change (any it sends anyway goes to [`Session::unsolicited`]).
    pub fn store_labels_silent(
        &mut self,
        set: impl Into<SequenceSet>,
        action: StoreAction,
        labels: &[GmailLabel],
    ) -> Result<()> {
        self.labels_stream(false, true, set.into(), action, labels)?
            .finish()
    }

    /// [`uid_store_labels`](Self::uid_store_labels) with `X-GM-LABELS.SILENT`.
    pub fn uid_store_labels_silent(
        &mut self,
        set: impl Into<SequenceSet>,
        action: StoreAction,
        labels: &[GmailLabel],
    ) -> Result<()> {
        self.labels_stream(true, true, set.into(), action, labels)?
            .finish()
    }

    fn labels_stream(
        &mut self,
        uid: bool,
        silent: bool,
        set: SequenceSet,
        action: StoreAction,
        labels: &[GmailLabel],
    ) -> Result<FetchStream<'_>> {
        let list = label_list(labels)?;
        if !self.has_gmail_extensions()? {
            return Err(Error::MissingCapability("X-GM-EXT-1".into()));
        }
        let add = match action {
            StoreAction::Add => Some(true),
            StoreAction::Remove => Some(false),
            StoreAction::Replace => None,
        };
        let args = format!("{} {list}", store_item(add, silent));
        // The same budget as a flag STORE: the set is split so that no line grows too long.
        let budget = self
            .conn
            .opts
            .max_line
            .saturating_sub(args.len() + 40)
            .max(64);
        let chunks = set.chunks(budget);
        let cmd = ChunkCommand {
            name: if uid { "UID STORE" } else { "STORE" },
            args,
            uid,
            // Silent: nothing is a result; loud: Gmail's FETCH X-GM-LABELS for each message.
            // A FLAGS-only response meanwhile is a pushed change.
            want_flags: false,
            want_labels: !silent,
            finish_on_drop: true,
        };
        Ok(FetchStream::new(&mut self.conn, cmd, chunks))
    }
}
