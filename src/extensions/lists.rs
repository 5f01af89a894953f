//! LIST-EXTENDED (RFC 5258), SPECIAL-USE (RFC 6154) and LIST-STATUS (RFC 5819): one LIST
//! command with selection and return options, several patterns, and the STATUS of each
//! mailbox listed.

use std::cell::RefCell;

use crate::error::{Error, Result};
use crate::session::Session;
use crate::types::{MailboxName, MailboxStatus, Name, NameAttribute, StatusItem};
use crate::wire::encode::Command;
use crate::wire::parse::Response;

/// The options of an extended LIST: which mailboxes to select, and what to return of each.
///
/// ```
/// use blocking_imap::{ListOptions, StatusItem};
/// // Subscribed mailboxes, and parents of subscribed mailboxes, with their unseen counts.
/// let opts = ListOptions::new()
///     .select_subscribed()
///     .recursive_match()
///     .return_status(&[StatusItem::Unseen]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOptions {
    select_subscribed: bool,
    select_remote: bool,
    recursive_match: bool,
    select_special_use: bool,
    return_subscribed: bool,
    return_children: bool,
    return_special_use: bool,
    return_status: Option<Vec<StatusItem>>,
}

impl ListOptions {
    /// No options: a plain LIST.
    pub fn new() -> Self {
        ListOptions::default()
    }

    /// Selection `SUBSCRIBED` (RFC 5258): only subscribed mailboxes (whether they exist or
    /// not), each with the `\Subscribed` attribute.
    pub fn select_subscribed(mut self) -> Self {
        self.select_subscribed = true;
        self
    }

    /// Selection `REMOTE` (RFC 5258): remote mailboxes too, marked `\Remote`.
    pub fn select_remote(mut self) -> Self {
        self.select_remote = true;
        self
    }

    /// Selection `RECURSIVEMATCH` (RFC 5258): also list the parents of mailboxes that meet
    /// the other selection options, with [`ListEntry::child_info`] saying why. It needs
    /// [`select_subscribed`](Self::select_subscribed) or
    /// [`select_special_use`](Self::select_special_use) too (REMOTE alone is not enough).
    pub fn recursive_match(mut self) -> Self {
        self.recursive_match = true;
        self
    }

    /// Selection `SPECIAL-USE` (RFC 6154): only mailboxes with a special use (`\Sent`,
    /// `\Trash`, ...); implies returning the special-use attributes.
    pub fn select_special_use(mut self) -> Self {
        self.select_special_use = true;
        self
    }

    /// Return `SUBSCRIBED` (RFC 5258): mark subscribed mailboxes `\Subscribed`.
    pub fn return_subscribed(mut self) -> Self {
        self.return_subscribed = true;
        self
    }

    /// Return `CHILDREN` (RFC 5258): `\HasChildren` / `\HasNoChildren` on every mailbox.
    pub fn return_children(mut self) -> Self {
        self.return_children = true;
        self
    }

    /// Return `SPECIAL-USE` (RFC 6154): the special-use attributes of every mailbox.
    pub fn return_special_use(mut self) -> Self {
        self.return_special_use = true;
        self
    }

    /// Return `STATUS (items)` (RFC 5819 LIST-STATUS): the status of every selectable
    /// mailbox listed, in [`ListEntry::status`]. `items` must not be empty.
    pub fn return_status(mut self, items: &[StatusItem]) -> Self {
        self.return_status = Some(items.to_vec());
        self
    }

    fn selection(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.select_subscribed {
            out.push("SUBSCRIBED");
        }
        if self.select_remote {
            out.push("REMOTE");
        }
        if self.select_special_use {
            out.push("SPECIAL-USE");
        }
        if self.recursive_match {
            out.push("RECURSIVEMATCH");
        }
        out
    }

    fn returns(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        if self.return_subscribed {
            out.push("SUBSCRIBED".to_string());
        }
        if self.return_children {
            out.push("CHILDREN".to_string());
        }
        if self.return_special_use {
            out.push("SPECIAL-USE".to_string());
        }
        if let Some(items) = &self.return_status {
            if items.is_empty() {
                return Err(Error::InvalidArgument(
                    "LIST RETURN STATUS without status items".into(),
                ));
            }
            let items: Vec<&str> = items.iter().map(|i| i.as_str()).collect();
            out.push(format!("STATUS ({})", items.join(" ")));
        }
        Ok(out)
    }

    /// The capabilities the options need, beyond LIST-EXTENDED.
    fn capabilities(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.select_special_use || self.return_special_use {
            out.push("SPECIAL-USE");
        }
        if self.return_status.is_some() {
            out.push("LIST-STATUS");
        }
        out
    }
}

/// One mailbox from an extended LIST: its [`Name`], the LIST-EXTENDED data that came with
/// it, and its status when [`ListOptions::return_status`] asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntry {
    name: Name,
    child_info: Vec<String>,
    old_name: Option<MailboxName>,
    status: Option<MailboxStatus>,
}

impl ListEntry {
    /// The mailbox's name, delimiter and attributes.
    pub fn name(&self) -> &Name {
        &self.name
    }

    /// The same, taken out of the entry.
    pub fn into_name(self) -> Name {
        self.name
    }

    /// `CHILDINFO` (RFC 5258, with RECURSIVEMATCH): why a mailbox that does not itself meet
    /// the selection is listed, upper-cased — `["SUBSCRIBED"]` when some child mailbox is
    /// subscribed.
    pub fn child_info(&self) -> &[String] {
        &self.child_info
    }

    /// Is the mailbox subscribed (`\Subscribed`, from selection or return `SUBSCRIBED`)?
    pub fn is_subscribed(&self) -> bool {
        self.name.has(&NameAttribute::Subscribed)
    }

    /// Does some child mailbox meet the selection (`CHILDINFO ("SUBSCRIBED")` under
    /// [`ListOptions::select_subscribed`] with [`ListOptions::recursive_match`])?
    pub fn has_subscribed_children(&self) -> bool {
        self.child_info.iter().any(|c| c == "SUBSCRIBED")
    }

    /// `OLDNAME` (RFC 5465, RFC 9051): the name the mailbox had before a rename.
    pub fn old_name(&self) -> Option<&MailboxName> {
        self.old_name.as_ref()
    }

    /// The mailbox's status (LIST-STATUS), when asked for and sent: the server sends none
    /// for mailboxes that cannot be selected.
    pub fn status(&self) -> Option<&MailboxStatus> {
        self.status.as_ref()
    }
}

impl Session {
    /// Lists mailboxes with LIST-EXTENDED (RFC 5258): `LIST (selection) reference
    /// (patterns) RETURN (options)`. Several patterns go in one command; selection and
    /// return options come from `options` (SUBSCRIBED, REMOTE, RECURSIVEMATCH,
    /// SPECIAL-USE from RFC 6154, STATUS from RFC 5819). With
    /// [`ListOptions::return_status`], each entry carries the `* STATUS` response that
    /// follows its `* LIST`. With empty options and one pattern it is a plain LIST.
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
    /// LIST-STATUS (for return STATUS); [`Error::InvalidArgument`] for no patterns,
    /// RECURSIVEMATCH without SUBSCRIBED or SPECIAL-USE selection, or STATUS without items
    /// (nothing is sent then); [`Error::No`] / [`Error::Bad`] from the server.
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
                    }),
                    Response::MailboxStatus(st) => {
                        if let Some(i) = slot(&entries, &st) {
                            entries[i].status = Some(st);
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
