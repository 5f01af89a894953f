//! ACL (RFC 4314): the owned result and option types (the commands are in
//! `extensions/acl.rs`, the parsers and encoders in `wire/acl.rs`).

use std::borrow::Cow;
use std::fmt;

use crate::types::MailboxName;

/// A set of access rights (RFC 4314 section 2.1): one lower-case letter or digit per right,
/// such as `l` (lookup), `r` (read), `s` (keep seen), `w` (write flags), `i` (insert),
/// `p` (post), `k` (create mailboxes), `x` (delete mailbox), `t` (delete messages),
/// `e` (expunge), `a` (administer); RFC 2086 servers also send `c` and `d`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Rights(String);

impl Rights {
    pub(crate) fn from_wire(raw: &[u8]) -> Rights {
        Rights(String::from_utf8_lossy(raw).into_owned())
    }

    /// The rights as the server wrote them (`"lrswipkxtea"`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Is `right` in the set?
    pub fn contains(&self, right: char) -> bool {
        self.0.contains(right)
    }

    /// Each right, in the server's order.
    pub fn iter(&self) -> impl Iterator<Item = char> + '_ {
        self.0.chars()
    }

    /// Is the set empty (no rights at all)?
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Rights {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One entry of a mailbox's access control list (`GETACL`): who, and what they may do.
#[derive(Clone, PartialEq, Eq)]
pub struct AclEntry {
    pub(crate) identifier: Vec<u8>,
    pub(crate) rights: Rights,
}

/// Readable: the identifier as text, not bytes.
impl std::fmt::Debug for AclEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AclEntry")
            .field("identifier", &crate::error::RawBytes::new(&self.identifier))
            .field("rights", &self.rights)
            .finish()
    }
}

impl AclEntry {
    /// The identifier (a user name, `anyone`, a group such as `$admins`, or a negative
    /// identifier such as `-fred`), as the server sent it: it may be 8-bit.
    pub fn identifier(&self) -> &[u8] {
        &self.identifier
    }

    /// The identifier as text: invalid UTF-8 becomes U+FFFD.
    pub fn identifier_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.identifier)
    }

    /// The rights granted (or, for a negative identifier, denied).
    pub fn rights(&self) -> &Rights {
        &self.rights
    }
}

/// What `LISTRIGHTS` says can be granted to an identifier on a mailbox (RFC 4314 section
/// 3.7): rights it always has, and groups of rights that can be granted, each group as a
/// whole.
#[derive(Clone, PartialEq, Eq)]
pub struct ListRights {
    pub(crate) mailbox: MailboxName,
    pub(crate) identifier: Vec<u8>,
    pub(crate) required: Rights,
    pub(crate) optional: Vec<Rights>,
}

/// Readable: the identifier as text, not bytes.
impl std::fmt::Debug for ListRights {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListRights")
            .field("mailbox", &self.mailbox)
            .field("identifier", &crate::error::RawBytes::new(&self.identifier))
            .field("required", &self.required)
            .field("optional", &self.optional)
            .finish()
    }
}

impl ListRights {
    /// The mailbox the answer is about.
    pub fn mailbox(&self) -> &MailboxName {
        &self.mailbox
    }

    /// The identifier the answer is about, as the server sent it.
    pub fn identifier(&self) -> &[u8] {
        &self.identifier
    }

    /// The identifier as text: invalid UTF-8 becomes U+FFFD.
    pub fn identifier_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.identifier)
    }

    /// The rights the identifier always has on the mailbox (often empty).
    pub fn required(&self) -> &Rights {
        &self.required
    }

    /// Rights that may be granted; the rights of one item can only be granted together.
    pub fn optional(&self) -> &[Rights] {
        &self.optional
    }

    /// Can `right` be held at all (required or grantable)?
    pub fn allows(&self, right: char) -> bool {
        self.required.contains(right) || self.optional.iter().any(|r| r.contains(right))
    }
}
