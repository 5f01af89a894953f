//! LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC 5819) and SPECIAL-USE (RFC 6154): the options of an extended LIST and its entries (the commands are in `extensions/lists.rs`).

use crate::error::{Error, Result};
use crate::types::{MailboxName, MailboxStatus, Name, NameAttribute, StatusItem};

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
    pub(crate) select_subscribed: bool,
    pub(crate) select_remote: bool,
    pub(crate) recursive_match: bool,
    pub(crate) select_special_use: bool,
    pub(crate) return_subscribed: bool,
    pub(crate) return_children: bool,
    pub(crate) return_special_use: bool,
    pub(crate) return_status: Option<Vec<StatusItem>>,
    pub(crate) return_metadata: Option<Vec<String>>,
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

    /// `RETURN (METADATA (entries))` (RFC 9590 LIST-METADATA): each entry carries the
    /// values of these metadata entries (`/private/comment`, `/shared/comment`, ...) in
    /// [`ListEntry::metadata`]. Entry names start with `/` and are atoms (no spaces,
    /// quotes, `*` or `%`); others are refused when the command is sent. The server must
    /// advertise LIST-METADATA.
    pub fn return_metadata(mut self, entries: &[&str]) -> Self {
        self.return_metadata = Some(entries.iter().map(|e| (*e).to_string()).collect());
        self
    }

    pub(crate) fn selection(&self) -> Vec<&'static str> {
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

    pub(crate) fn returns(&self) -> Result<Vec<String>> {
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
        if let Some(entries) = &self.return_metadata {
            if entries.is_empty() {
                return Err(Error::InvalidArgument(
                    "LIST RETURN METADATA without entries".into(),
                ));
            }
            for e in entries {
                let ok = e.starts_with('/')
                    && e.bytes().all(|b| {
                        b > 0x20
                            && b < 0x7f
                            && !matches!(b, b'(' | b')' | b'{' | b'"' | b'\\' | b'*' | b'%' | b']')
                    });
                if !ok {
                    return Err(Error::InvalidArgument(format!(
                        "metadata entry name {e:?} for LIST RETURN METADATA"
                    )));
                }
            }
            out.push(format!("METADATA ({})", entries.join(" ")));
        }
        Ok(out)
    }

    /// The capabilities the options need, beyond LIST-EXTENDED.
    pub(crate) fn capabilities(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.select_special_use || self.return_special_use {
            out.push("SPECIAL-USE");
        }
        if self.return_status.is_some() {
            out.push("LIST-STATUS");
        }
        if self.return_metadata.is_some() {
            out.push("LIST-METADATA");
        }
        out
    }
}

/// One mailbox from an extended LIST: its [`Name`], the LIST-EXTENDED data that came with
/// it, and its status when [`ListOptions::return_status`] asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntry {
    pub(crate) name: Name,
    pub(crate) child_info: Vec<String>,
    pub(crate) old_name: Option<MailboxName>,
    pub(crate) status: Option<MailboxStatus>,
    pub(crate) metadata: Option<crate::types::metadata::Metadata>,
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

    /// With [`ListOptions::return_metadata`] (RFC 9590): the values of the entries asked
    /// for that the mailbox has (from the `* METADATA` response after its `* LIST`);
    /// `None` when the server sent none for it.
    pub fn metadata(&self) -> Option<&crate::types::metadata::Metadata> {
        self.metadata.as_ref()
    }
}
