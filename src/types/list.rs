//! What LIST, LSUB, STATUS and NAMESPACE return.

use std::fmt;

use super::MailboxName;

/// A mailbox attribute from LIST or LSUB (RFC 9051 section 7.3.1, RFC 6154 special use).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NameAttribute {
    /// `\NoInferiors`: no child mailboxes can exist.
    NoInferiors,
    /// `\NoSelect`: the name cannot be selected.
    NoSelect,
    /// `\NonExistent`: the mailbox does not exist (implies `\NoSelect`).
    NonExistent,
    /// `\Marked`: probably holds new messages.
    Marked,
    /// `\Unmarked`: holds no new messages.
    Unmarked,
    /// `\HasChildren` (RFC 3348).
    HasChildren,
    /// `\HasNoChildren` (RFC 3348).
    HasNoChildren,
    /// `\Subscribed` (LIST-EXTENDED).
    Subscribed,
    /// `\Remote` (LIST-EXTENDED).
    Remote,
    /// `\All`: every message (special use).
    All,
    /// `\Archive` (special use).
    Archive,
    /// `\Drafts` (special use).
    Drafts,
    /// `\Flagged` (special use).
    Flagged,
    /// `\Junk` (special use).
    Junk,
    /// `\Sent` (special use).
    Sent,
    /// `\Trash` (special use).
    Trash,
    /// `\Important` (RFC 8457).
    Important,
    /// Any other attribute, as the server wrote it.
    Other(String),
}

impl NameAttribute {
    /// Reads an attribute as written on the wire (`\NoSelect`); known attributes are matched
    /// case-insensitively.
    pub fn parse(s: &str) -> NameAttribute {
        const KNOWN: [(&str, NameAttribute); 17] = [
            ("\\NoInferiors", NameAttribute::NoInferiors),
            ("\\NoSelect", NameAttribute::NoSelect),
            ("\\NonExistent", NameAttribute::NonExistent),
            ("\\Marked", NameAttribute::Marked),
            ("\\Unmarked", NameAttribute::Unmarked),
            ("\\HasChildren", NameAttribute::HasChildren),
            ("\\HasNoChildren", NameAttribute::HasNoChildren),
            ("\\Subscribed", NameAttribute::Subscribed),
            ("\\Remote", NameAttribute::Remote),
            ("\\All", NameAttribute::All),
            ("\\Archive", NameAttribute::Archive),
            ("\\Drafts", NameAttribute::Drafts),
            ("\\Flagged", NameAttribute::Flagged),
            ("\\Junk", NameAttribute::Junk),
            ("\\Sent", NameAttribute::Sent),
            ("\\Trash", NameAttribute::Trash),
            ("\\Important", NameAttribute::Important),
        ];
        for (name, attr) in KNOWN {
            if s.eq_ignore_ascii_case(name) {
                return attr;
            }
        }
        NameAttribute::Other(s.to_string())
    }

    /// The attribute as IMAP writes it (`\NoSelect`, `\Sent`, or another as the server
    /// wrote it).
    pub fn as_str(&self) -> &str {
        match self {
            NameAttribute::NoInferiors => "\\NoInferiors",
            NameAttribute::NoSelect => "\\NoSelect",
            NameAttribute::NonExistent => "\\NonExistent",
            NameAttribute::Marked => "\\Marked",
            NameAttribute::Unmarked => "\\Unmarked",
            NameAttribute::HasChildren => "\\HasChildren",
            NameAttribute::HasNoChildren => "\\HasNoChildren",
            NameAttribute::Subscribed => "\\Subscribed",
            NameAttribute::Remote => "\\Remote",
            NameAttribute::All => "\\All",
            NameAttribute::Archive => "\\Archive",
            NameAttribute::Drafts => "\\Drafts",
            NameAttribute::Flagged => "\\Flagged",
            NameAttribute::Junk => "\\Junk",
            NameAttribute::Sent => "\\Sent",
            NameAttribute::Trash => "\\Trash",
            NameAttribute::Important => "\\Important",
            NameAttribute::Other(s) => s,
        }
    }

    /// Is this a special-use attribute (RFC 6154 / RFC 8457)?
    pub fn is_special_use(&self) -> bool {
        matches!(
            self,
            NameAttribute::All
                | NameAttribute::Archive
                | NameAttribute::Drafts
                | NameAttribute::Flagged
                | NameAttribute::Junk
                | NameAttribute::Sent
                | NameAttribute::Trash
                | NameAttribute::Important
        )
    }
}

impl fmt::Display for NameAttribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One mailbox from LIST or LSUB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    pub(crate) name: MailboxName,
    pub(crate) delimiter: Option<char>,
    pub(crate) attributes: Vec<NameAttribute>,
    /// `("OLDNAME" ("old"))` (RFC 5465 / RFC 9051): the name before a rename.
    pub(crate) old_name: Option<MailboxName>,
}

impl Name {
    /// The mailbox's name.
    pub fn name(&self) -> &MailboxName {
        &self.name
    }

    /// The hierarchy delimiter, or `None` for a flat namespace.
    pub fn delimiter(&self) -> Option<char> {
        self.delimiter
    }

    /// The name this mailbox had before a RENAME, when the server says so with the
    /// `OLDNAME` extended data item of LIST (RFC 9051 section 7.3.1, RFC 5465), as an
    /// IMAP4rev2 server may after a rename. `None` otherwise.
    pub fn old_name(&self) -> Option<&MailboxName> {
        self.old_name.as_ref()
    }

    /// The mailbox's attributes. `\NonExistent` always comes with `\NoSelect` (RFC 5258
    /// says the one implies the other; the crate adds `\NoSelect` when a server leaves it
    /// out), so a check for `\NoSelect` reads the same from IMAP4rev1 and IMAP4rev2 servers.
    pub fn attributes(&self) -> &[NameAttribute] {
        &self.attributes
    }

    /// Does the mailbox have `attr`?
    pub fn has(&self, attr: &NameAttribute) -> bool {
        self.attributes.contains(attr)
    }

    /// Can the mailbox be selected (no `\NoSelect` or `\NonExistent`)?
    pub fn is_selectable(&self) -> bool {
        !self.has(&NameAttribute::NoSelect) && !self.has(&NameAttribute::NonExistent)
    }

    /// The mailbox's special use (`\Sent`, `\Trash`, ...), if it has one.
    pub fn special_use(&self) -> Option<&NameAttribute> {
        self.attributes.iter().find(|a| a.is_special_use())
    }
}

/// A status item to ask for with STATUS (RFC 9051 section 6.3.11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusItem {
    /// `MESSAGES`: the number of messages.
    Messages,
    /// `RECENT`: the number of recent messages (IMAP4rev1).
    Recent,
    /// `UIDNEXT`: the next UID.
    UidNext,
    /// `UIDVALIDITY`.
    UidValidity,
    /// `UNSEEN`: the number of messages without `\Seen`.
    Unseen,
    /// `HIGHESTMODSEQ` (CONDSTORE).
    HighestModSeq,
    /// `SIZE` (RFC 8438 STATUS=SIZE / IMAP4rev2): total size in octets.
    Size,
    /// `DELETED` (IMAP4rev2): the number of messages with `\Deleted`.
    Deleted,
    /// `MAILBOXID` (RFC 8474 OBJECTID): the mailbox's id, which stays with it across
    /// renames; the server must advertise OBJECTID.
    MailboxId,
}

impl StatusItem {
    /// The item as IMAP writes it: `MESSAGES`, `UIDNEXT`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            StatusItem::Messages => "MESSAGES",
            StatusItem::Recent => "RECENT",
            StatusItem::UidNext => "UIDNEXT",
            StatusItem::UidValidity => "UIDVALIDITY",
            StatusItem::Unseen => "UNSEEN",
            StatusItem::HighestModSeq => "HIGHESTMODSEQ",
            StatusItem::Size => "SIZE",
            StatusItem::Deleted => "DELETED",
            StatusItem::MailboxId => "MAILBOXID",
        }
    }
}

impl fmt::Display for StatusItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What STATUS said of a mailbox; items not asked for (or not sent) are `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxStatus {
    pub(crate) name: MailboxName,
    pub(crate) messages: Option<u32>,
    pub(crate) recent: Option<u32>,
    pub(crate) uid_next: Option<u32>,
    pub(crate) uid_validity: Option<u32>,
    pub(crate) unseen: Option<u32>,
    pub(crate) highest_modseq: Option<u64>,
    pub(crate) size: Option<u64>,
    pub(crate) deleted: Option<u32>,
    pub(crate) mailbox_id: Option<String>,
    pub(crate) unparsed: Vec<super::UnparsedItem>,
}

impl MailboxStatus {
    pub(crate) fn new(name: MailboxName) -> Self {
        MailboxStatus {
            name,
            messages: None,
            recent: None,
            uid_next: None,
            uid_validity: None,
            unseen: None,
            highest_modseq: None,
            size: None,
            deleted: None,
            mailbox_id: None,
            unparsed: Vec::new(),
        }
    }

    /// The mailbox the status is of.
    pub fn name(&self) -> &MailboxName {
        &self.name
    }
    /// `MESSAGES`.
    pub fn messages(&self) -> Option<u32> {
        self.messages
    }
    /// `RECENT`.
    pub fn recent(&self) -> Option<u32> {
        self.recent
    }
    /// `UIDNEXT`.
    pub fn uid_next(&self) -> Option<u32> {
        self.uid_next
    }
    /// `UIDVALIDITY`.
    pub fn uid_validity(&self) -> Option<u32> {
        self.uid_validity
    }
    /// `UNSEEN`.
    pub fn unseen(&self) -> Option<u32> {
        self.unseen
    }
    /// `HIGHESTMODSEQ`.
    pub fn highest_modseq(&self) -> Option<u64> {
        self.highest_modseq
    }
    /// `SIZE` (RFC 8438 STATUS=SIZE, IMAP4rev2): the mailbox's total size in octets.
    pub fn size(&self) -> Option<u64> {
        self.size
    }
    /// `DELETED` (IMAP4rev2): how many messages have `\Deleted`.
    pub fn deleted(&self) -> Option<u32> {
        self.deleted
    }
    /// `MAILBOXID` (RFC 8474 OBJECTID): the mailbox's id, which stays with it across
    /// renames.
    pub fn mailbox_id(&self) -> Option<&str> {
        self.mailbox_id.as_deref()
    }
    /// Attributes whose value could not be read (a negative or fractional number, a list
    /// where a number belongs, a value missing), and attributes this crate does not know,
    /// kept whole. One odd attribute never costs the others.
    pub fn unparsed(&self) -> &[super::UnparsedItem] {
        &self.unparsed
    }
}

/// One namespace from NAMESPACE (RFC 2342).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace {
    pub(crate) prefix: MailboxName,
    pub(crate) delimiter: Option<char>,
}

impl Namespace {
    /// The prefix of mailbox names in this namespace (often `""` or `"INBOX."`).
    pub fn prefix(&self) -> &MailboxName {
        &self.prefix
    }

    /// The hierarchy delimiter, or `None` for a flat namespace.
    pub fn delimiter(&self) -> Option<char> {
        self.delimiter
    }
}

/// The three kinds of namespace a server can have (RFC 2342).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Namespaces {
    pub(crate) personal: Vec<Namespace>,
    pub(crate) other_users: Vec<Namespace>,
    pub(crate) shared: Vec<Namespace>,
}

impl Namespaces {
    /// The user's own namespaces.
    pub fn personal(&self) -> &[Namespace] {
        &self.personal
    }

    /// Where other users' mailboxes are.
    pub fn other_users(&self) -> &[Namespace] {
        &self.other_users
    }

    /// Shared mailboxes.
    pub fn shared(&self) -> &[Namespace] {
        &self.shared
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_round_trip() {
        for attr in [
            NameAttribute::NoInferiors,
            NameAttribute::NoSelect,
            NameAttribute::NonExistent,
            NameAttribute::Marked,
            NameAttribute::Unmarked,
            NameAttribute::HasChildren,
            NameAttribute::HasNoChildren,
            NameAttribute::Subscribed,
            NameAttribute::Remote,
            NameAttribute::All,
            NameAttribute::Archive,
            NameAttribute::Drafts,
            NameAttribute::Flagged,
            NameAttribute::Junk,
            NameAttribute::Sent,
            NameAttribute::Trash,
            NameAttribute::Important,
            NameAttribute::Other("\\XSpecial".into()),
        ] {
            assert!(attr.as_str().starts_with('\\'), "{attr:?}");
            assert_eq!(attr.to_string(), attr.as_str());
            assert_eq!(NameAttribute::parse(attr.as_str()), attr);
            if !matches!(attr, NameAttribute::Other(_)) {
                assert_eq!(NameAttribute::parse(&attr.as_str().to_lowercase()), attr);
            }
        }
        assert_eq!(NameAttribute::Sent.to_string(), "\\Sent");
    }

    #[test]
    fn status_items_and_debug() {
        assert_eq!(StatusItem::UidNext.to_string(), "UIDNEXT");
        assert_eq!(StatusItem::HighestModSeq.as_str(), "HIGHESTMODSEQ");
        let name = Name {
            name: MailboxName::from("Entwürfe"),
            delimiter: Some('/'),
            attributes: vec![NameAttribute::Drafts],
            old_name: None,
        };
        assert_eq!(
            format!("{name:?}"),
            r#"Name { name: MailboxName("Entwürfe", wire: "Entw&APw-rfe"), delimiter: Some('/'), attributes: [Drafts], old_name: None }"#
        );
    }
}
