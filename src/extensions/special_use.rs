//! Special-use mailboxes (RFC 6154): finding Trash, Sent, Drafts, Junk, Archive, All;
//! CREATE with `USE` (CREATE-SPECIAL-USE); a safe move to Trash.

use crate::error::{Error, Result};
use crate::session::Session;
use crate::types::lists::ListOptions;
use crate::types::special_use::{resolve, SpecialMailbox, SpecialUse};
use crate::types::{CopyUid, MailboxName, Name, SequenceSet};
use crate::wire::encode::Command;

impl Session {
    /// The special-use mailboxes of the account, found with one LIST: `LIST "" "*" RETURN
    /// (SPECIAL-USE)` (RFC 6154 with LIST-EXTENDED, RFC 5258) when the server offers both,
    /// else a plain `LIST "" "*"` (servers with SPECIAL-USE put the attributes there too).
    /// A use no mailbox carries the attribute of is looked for by name
    /// ([`SpecialUse::common_names`]: several languages, `INBOX.` and Gmail's `[Gmail]/`
    /// levels); [`SpecialMailbox::found_by`] says which. Each use at most once, in the
    /// order of [`SpecialUse::EVERY`].
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// for m in session.special_use_mailboxes()? {
    ///     println!("{} is {} ({:?})", m.name().name(), m.special_use(), m.found_by());
    /// }
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: as [`list`](Self::list).
    pub fn special_use_mailboxes(&mut self) -> Result<Vec<SpecialMailbox>> {
        let caps = self.conn.capabilities()?;
        let extended = caps.has("LIST-EXTENDED") && caps.has("SPECIAL-USE");
        let names: Vec<Name> = if extended {
            self.list_extended("", &["*"], &ListOptions::new().return_special_use())?
                .into_iter()
                .map(|e| e.name)
                .collect()
        } else {
            self.list("", "*")?
        };
        Ok(resolve(&names))
    }

    /// The mailbox of one special use (see
    /// [`special_use_mailboxes`](Self::special_use_mailboxes)), or `None` when the account
    /// has none: no mailbox with the attribute, none with a common name.
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use blocking_imap::SpecialUse;
    /// if let Some(sent) = session.find_special_use(SpecialUse::Sent)? {
    ///     session.append(sent.name().clone(), b"Subject: hi\r\n\r\nbody\r\n")?;
    /// }
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: as [`list`](Self::list).
    pub fn find_special_use(&mut self, special_use: SpecialUse) -> Result<Option<Name>> {
        Ok(self
            .special_use_mailboxes()?
            .into_iter()
            .find(|m| m.special_use == special_use)
            .map(|m| m.name))
    }

    /// Creates a mailbox for the given uses: `CREATE name (USE (\Trash ...))` (RFC 6154
    /// section 3, CREATE-SPECIAL-USE).
    ///
    /// Errors: [`Error::MissingCapability`] (`"CREATE-SPECIAL-USE"`) when the server does
    /// not offer it (create the mailbox with [`create`](Self::create) instead: it will then
    /// be found by name only if it has a common one); [`Error::InvalidArgument`] for no
    /// use; [`Error::No`] from the server, with `USEATTR` when it refuses the use (RFC 6154
    /// section 6) or `ALREADYEXISTS`.
    pub fn create_special_use(
        &mut self,
        mailbox: impl Into<MailboxName>,
        uses: &[SpecialUse],
    ) -> Result<()> {
        if uses.is_empty() {
            return Err(Error::InvalidArgument(
                "no special use to create with".into(),
            ));
        }
        if !self.conn.capabilities()?.has("CREATE-SPECIAL-USE") {
            return Err(Error::MissingCapability("CREATE-SPECIAL-USE".into()));
        }
        let name = self.conn.adapt(mailbox.into());
        let mut attrs: Vec<&str> = Vec::new();
        for u in uses {
            if !attrs.contains(&u.as_str()) {
                attrs.push(u.as_str());
            }
        }
        let mut cmd = Command::new("CREATE");
        cmd.astring(name.wire(), "mailbox name")?;
        cmd.raw(&format!("(USE ({}))", attrs.join(" ")));
        self.conn.simple(cmd).map(drop)
    }

    /// Moves messages of the selected mailbox (by UID) to the account's Trash, the way
    /// each server needs: UID MOVE (RFC 6851) when the server offers MOVE (or IMAP4rev2),
    /// else UID COPY, UID STORE `+FLAGS.SILENT (\Deleted)` and UID EXPUNGE of exactly those
    /// UIDs (UIDPLUS, RFC 4315). Never a plain EXPUNGE, which would also remove other
    /// messages someone marked `\Deleted`. The Trash is found as by
    /// [`find_special_use`](Self::find_special_use) (one LIST per call: for many calls, find
    /// it once and use [`uid_mv`](Self::uid_mv)). Returns the COPYUID when the server
    /// tells it.
    ///
    /// On Gmail this is what deletes: a message moved to `[Gmail]/Trash` leaves every label
    /// and All Mail, and Gmail removes it for good after 30 days; `\Deleted` plus EXPUNGE in
    /// a label's mailbox would only take that label off (the message stays in All Mail).
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use blocking_imap::Search;
    /// session.select("INBOX")?;
    /// let spam = session.uid_search(&Search::all().from("lottery@example.com"))?;
    /// session.move_to_trash(spam)?;
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: [`Error::NotFound`] when the account has no Trash (see
    /// [`create_special_use`](Self::create_special_use)); [`Error::InvalidArgument`] when
    /// no mailbox is selected, or the selected one is the Trash; [`Error::MissingCapability`]
    /// (`"MOVE or UIDPLUS"`) when the server has neither; as [`uid_mv`](Self::uid_mv).
    pub fn move_to_trash(&mut self, uids: impl Into<SequenceSet>) -> Result<Option<CopyUid>> {
        let uids = uids.into();
        let Some(selected) = self.conn.state.name().cloned() else {
            return Err(Error::InvalidArgument(
                "move_to_trash needs a selected mailbox".into(),
            ));
        };
        let trash = self.find_special_use(SpecialUse::Trash)?.ok_or_else(|| {
            Error::NotFound(
                "the account has no Trash mailbox (none has the \\Trash attribute or a known \
                 Trash name)"
                    .into(),
            )
        })?;
        if trash.name() == &selected {
            return Err(Error::InvalidArgument(
                "the selected mailbox is the Trash itself".into(),
            ));
        }
        self.uid_mv(uids, trash.name().clone())
    }
}
