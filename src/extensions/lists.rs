//! LIST-EXTENDED (RFC 5258), SPECIAL-USE (RFC 6154) and LIST-STATUS (RFC 5819): one LIST
//! command with selection and return options, several patterns, and the STATUS of each
//! mailbox listed.

use crate::types::lists::{ListEntry, ListOptions};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use crate::error::{Error, Result};
use crate::session::Session;
use crate::types::metadata::Metadata;
use crate::types::{MailboxName, MailboxStatus, StatusItem};
use crate::wire::encode::Command;
use crate::wire::parse::Response;

impl Session {
    /// Every mailbox of the account with its STATUS `items`, in one call: one LIST-STATUS
    /// command (RFC 5819) when the server offers it, else LIST and then the STATUS of every
    /// selectable mailbox, pipelined (one round trip for all of them, in the pipeline depth's
    /// batches). Names are ready to print (`entry.name().name()` shows the decoded name);
    /// mailboxes that cannot be selected come with no status.
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use blocking_imap::StatusItem;
    /// for entry in session.mailboxes_with_status(&[StatusItem::Messages, StatusItem::Unseen])? {
    ///     let st = entry.status();
    ///     println!(
    ///         "{:<30} {:>6} {:>6}",
    ///         entry.name().name().to_string(),
    ///         st.and_then(|s| s.messages()).unwrap_or(0),
    ///         st.and_then(|s| s.unseen()).unwrap_or(0)
    ///     );
    /// }
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: [`Error::InvalidArgument`] for no items; as [`list`](Self::list) and
    /// [`status`](Self::status) otherwise.
    pub fn mailboxes_with_status(&mut self, items: &[StatusItem]) -> Result<Vec<ListEntry>> {
        if items.is_empty() {
            return Err(Error::InvalidArgument("no STATUS items asked for".into()));
        }
        if self.conn.capabilities()?.has("LIST-STATUS") {
            let items = self.status_items(items);
            return self.list_extended("", &["*"], &ListOptions::new().return_status(&items));
        }
        let names = self.list("", "*")?;
        let list = self.status_item_list(items);
        let wanted: Vec<MailboxName> = names
            .iter()
            .filter(|n| n.is_selectable())
            .map(|n| self.conn.adapt(n.name().clone()))
            .collect();
        let mut cmds = Vec::with_capacity(wanted.len());
        for name in &wanted {
            let mut cmd = Command::new("STATUS");
            cmd.astring(name.wire(), "mailbox name")?;
            cmd.raw(&list);
            cmds.push(cmd);
        }
        // Each STATUS answer names its mailbox: matched by name, in any order, in O(1) each
        // (thousands of mailboxes are no reason for quadratic time).
        let wanted: HashSet<MailboxName> = wanted.into_iter().collect();
        let mut got: HashMap<MailboxName, MailboxStatus> = HashMap::with_capacity(wanted.len());
        self.conn.run_pipelined(
            cmds,
            &|r| matches!(r, Response::MailboxStatus(s) if wanted.contains(s.name())),
            &mut |r| {
                if let Response::MailboxStatus(s) = r {
                    got.insert(s.name().clone(), s);
                }
            },
        )?;
        Ok(names
            .into_iter()
            .map(|name| {
                let status = got.remove(name.name());
                ListEntry {
                    name,
                    child_info: Vec::new(),
                    old_name: None,
                    status,
                    metadata: None,
                }
            })
            .collect())
    }

    /// Does `mailbox` exist? One LIST of exactly that name (a name holding `*` or `%` is
    /// matched exactly among what the pattern lists). A mailbox that is only a level of the
    /// hierarchy (`\NoSelect`) exists; one the server marks `\NonExistent` does not.
    ///
    /// Errors: as [`list`](Self::list).
    pub fn mailbox_exists(&mut self, mailbox: impl Into<MailboxName>) -> Result<bool> {
        let name: MailboxName = mailbox.into();
        let pattern = name.to_string();
        Ok(self
            .list("", &pattern)?
            .iter()
            .any(|n| n.name() == &name && !n.has(&crate::types::NameAttribute::NonExistent)))
    }

    /// Lists mailboxes with LIST-EXTENDED (RFC 5258): `LIST (selection) reference
    /// (patterns) RETURN (options)`. Several patterns go in one command; selection and
    /// return options come from `options` (SUBSCRIBED, REMOTE, RECURSIVEMATCH,
    /// SPECIAL-USE from RFC 6154, STATUS from RFC 5819). With
    /// [`ListOptions::return_status`], each entry carries the `* STATUS` response that
    /// follows its `* LIST`; with [`ListOptions::return_metadata`] (RFC 9590 LIST-METADATA),
    /// the `* METADATA` response that follows it. With empty options and one pattern it is
    /// a plain LIST.
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use blocking_imap::{ListOptions, StatusItem};
    /// let opts = ListOptions::new()
    ///     .return_special_use()
    ///     .return_status(&[StatusItem::Messages, StatusItem::Unseen]);
    /// for entry in session.list_extended("", &["*"], &opts)? {
    ///     let unseen = entry.status().and_then(|s| s.unseen());
    ///     println!("{} {:?} {unseen:?}", entry.name().name(), entry.name().special_use());
    /// }
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: [`Error::MissingCapability`] when the server lacks LIST-EXTENDED (for any
    /// option or more than one pattern), SPECIAL-USE (for the special-use options) or
    /// LIST-STATUS (for return STATUS) or LIST-METADATA (for return METADATA);
    /// [`Error::InvalidArgument`] for no patterns, RECURSIVEMATCH without SUBSCRIBED or
    /// SPECIAL-USE selection, STATUS without items, or METADATA without entries or with a
    /// bad entry name (nothing is sent then); [`Error::No`] / [`Error::Bad`] from the server.
    pub fn list_extended(
        &mut self,
        reference: &str,
        patterns: &[&str],
        options: &ListOptions,
    ) -> Result<Vec<ListEntry>> {
        if patterns.is_empty() {
            return Err(Error::InvalidArgument("no LIST patterns".into()));
        }
        let selection = options.selection();
        // RFC 5258 section 3.1: never alone, nor with only REMOTE.
        if options.recursive_match && !options.select_subscribed && !options.select_special_use {
            return Err(Error::InvalidArgument(
                "RECURSIVEMATCH needs another selection option".into(),
            ));
        }
        let returns = options.returns()?;
        if !selection.is_empty() || !returns.is_empty() || patterns.len() > 1 {
            let caps = self.conn.capabilities()?;
            let rev2 = caps.has("IMAP4rev2");
            for cap in std::iter::once("LIST-EXTENDED").chain(options.capabilities()) {
                if !caps.has(cap) && !rev2 {
                    return Err(Error::MissingCapability(cap.into()));
                }
            }
        }

        let mut cmd = Command::new("LIST");
        if !selection.is_empty() {
            cmd.raw(&format!("({})", selection.join(" ")));
        }
        cmd.string(
            self.conn.adapt(MailboxName::from(reference)).wire(),
            "reference",
        )?;
        let names: Vec<MailboxName> = patterns
            .iter()
            .map(|p| self.conn.adapt(MailboxName::from(*p)))
            .collect();
        if let [one] = names.as_slice() {
            cmd.string(one.wire(), "pattern")?;
        } else {
            let wires: Vec<&[u8]> = names.iter().map(MailboxName::wire).collect();
            cmd.string_list(&wires, "pattern")?;
        }
        if !returns.is_empty() {
            cmd.raw(&format!("RETURN ({})", returns.join(" ")));
        }

        // A STATUS response belongs to the latest entry of its name still without one
        // (normally the entry just listed: RFC 5819 sends each STATUS right after its LIST);
        // any other STATUS is news for the caller, queued in the order it came. Both closures
        // look at the entries, never at the same time. `entries` is bounded by
        // `max_result_size` (`Conn::finish`); `slot` looks back at most `STATUS_LOOKBACK`
        // entries, so a server cannot make each STATUS cost a scan of all of them.
        const STATUS_LOOKBACK: usize = 64;
        let entries: RefCell<Vec<ListEntry>> = RefCell::new(Vec::new());
        let want_status = options.return_status.is_some();
        let want_metadata = options.return_metadata.is_some();
        // RFC 9590: a METADATA response goes with the latest entry of its name, as STATUS.
        let meta_slot = |entries: &[ListEntry], m: &Metadata| {
            let from = entries.len().saturating_sub(STATUS_LOOKBACK);
            entries[from..]
                .iter()
                .rposition(|e| e.name.name == *m.mailbox())
                .map(|i| from + i)
        };
        let slot = |entries: &[ListEntry], st: &MailboxStatus| {
            let from = entries.len().saturating_sub(STATUS_LOOKBACK);
            entries[from..]
                .iter()
                .rposition(|e| e.status.is_none() && e.name.name == st.name)
                .map(|i| from + i)
        };
        self.conn.run(
            cmd,
            &|r| match r {
                Response::List { lsub, .. } => !lsub,
                Response::MailboxStatus(st) => want_status && slot(&entries.borrow(), st).is_some(),
                Response::Metadata(m) => want_metadata && meta_slot(&entries.borrow(), m).is_some(),
                _ => false,
            },
            &mut |r| {
                let mut entries = entries.borrow_mut();
                match r {
                    Response::List { name, extra, .. } => entries.push(ListEntry {
                        name,
                        child_info: extra.child_info,
                        old_name: extra.old_name,
                        status: None,
                        metadata: None,
                    }),
                    Response::MailboxStatus(st) => {
                        if let Some(i) = slot(&entries, &st) {
                            entries[i].status = Some(st);
                        }
                    }
                    Response::Metadata(m) => {
                        if let Some(i) = meta_slot(&entries, &m) {
                            match &mut entries[i].metadata {
                                Some(have) => have.entries.extend(m.entries),
                                slot @ None => *slot = Some(m),
                            }
                        }
                    }
                    _ => {}
                }
            },
        )?;
        Ok(entries.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::StatusItem;

    #[test]
    fn options_render() {
        let o = ListOptions::new()
            .select_subscribed()
            .select_remote()
            .recursive_match()
            .select_special_use()
            .return_subscribed()
            .return_children()
            .return_special_use()
            .return_status(&[StatusItem::Messages, StatusItem::Unseen]);
        assert_eq!(
            o.selection(),
            ["SUBSCRIBED", "REMOTE", "SPECIAL-USE", "RECURSIVEMATCH"]
        );
        assert_eq!(
            o.returns().unwrap(),
            [
                "SUBSCRIBED",
                "CHILDREN",
                "SPECIAL-USE",
                "STATUS (MESSAGES UNSEEN)"
            ]
        );
        assert_eq!(o.capabilities(), ["SPECIAL-USE", "LIST-STATUS"]);
        assert!(ListOptions::new().selection().is_empty());
        assert!(ListOptions::new().returns().unwrap().is_empty());
        assert!(ListOptions::new().capabilities().is_empty());
        assert!(matches!(
            ListOptions::new().return_status(&[]).returns(),
            Err(Error::InvalidArgument(_))
        ));
    }
}
