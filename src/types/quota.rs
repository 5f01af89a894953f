//! QUOTA (RFC 9208): the owned result and option types (the commands are in
//! `extensions/quota.rs`, the parsers and encoders in `wire/quota.rs`).

use std::borrow::Cow;
use std::fmt;

use crate::types::MailboxName;

/// A resource a quota limits (RFC 9208 section 5).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum QuotaResource {
    /// `STORAGE`: the physical space of the messages, in units of 1024 octets.
    Storage,
    /// `MESSAGE`: the number of messages.
    Message,
    /// `MAILBOX`: the number of mailboxes.
    Mailbox,
    /// `ANNOTATION-STORAGE`: the size of annotations / metadata, in units of 1024 octets.
    AnnotationStorage,
    /// Any other resource, upper-cased (servers send `X-` resources of their own).
    Other(String),
}

impl QuotaResource {
    pub(crate) fn parse(name: &[u8]) -> QuotaResource {
        let upper = String::from_utf8_lossy(name).to_ascii_uppercase();
        match upper.as_str() {
            "STORAGE" => QuotaResource::Storage,
            "MESSAGE" => QuotaResource::Message,
            "MAILBOX" => QuotaResource::Mailbox,
            "ANNOTATION-STORAGE" => QuotaResource::AnnotationStorage,
            _ => QuotaResource::Other(upper),
        }
    }

    /// The resource's name as IMAP writes it (`STORAGE`, `MESSAGE`, ...).
    pub fn as_str(&self) -> &str {
        match self {
            QuotaResource::Storage => "STORAGE",
            QuotaResource::Message => "MESSAGE",
            QuotaResource::Mailbox => "MAILBOX",
            QuotaResource::AnnotationStorage => "ANNOTATION-STORAGE",
            QuotaResource::Other(name) => name,
        }
    }
}

impl fmt::Display for QuotaResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much of one resource a quota root uses, and its limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaUsage {
    pub(crate) resource: QuotaResource,
    pub(crate) usage: u64,
    pub(crate) limit: u64,
}

impl QuotaUsage {
    /// The resource.
    pub fn resource(&self) -> &QuotaResource {
        &self.resource
    }

    /// Current usage (for `STORAGE`, in units of 1024 octets).
    pub fn usage(&self) -> u64 {
        self.usage
    }

    /// The limit (for `STORAGE`, in units of 1024 octets).
    pub fn limit(&self) -> u64 {
        self.limit
    }
}

/// A quota root and its resources (a `QUOTA` response).
#[derive(Clone, PartialEq, Eq)]
pub struct Quota {
    pub(crate) root: Vec<u8>,
    pub(crate) resources: Vec<QuotaUsage>,
}

/// Readable: the root as text, not bytes.
impl std::fmt::Debug for Quota {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Quota")
            .field("root", &crate::error::RawBytes::new(&self.root))
            .field("resources", &self.resources)
            .finish()
    }
}

impl Quota {
    /// The quota root's name as the server sent it (often `""` or `"User quota"`); pass it
    /// to [`Session::get_quota`](crate::Session::get_quota) or [`Session::set_quota`](crate::Session::set_quota).
    pub fn root(&self) -> &[u8] {
        &self.root
    }

    /// The quota root's name as text: invalid UTF-8 becomes U+FFFD.
    pub fn root_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.root)
    }

    /// Every resource the root limits, in the server's order.
    pub fn resources(&self) -> &[QuotaUsage] {
        &self.resources
    }

    /// The usage and limit of `resource`, if the root limits it.
    pub fn get(&self, resource: &QuotaResource) -> Option<&QuotaUsage> {
        self.resources.iter().find(|r| &r.resource == resource)
    }
}

/// What GETQUOTAROOT answers: the quota roots of a mailbox and their quotas.
#[derive(Clone, PartialEq, Eq)]
pub struct QuotaRoots {
    pub(crate) mailbox: MailboxName,
    pub(crate) roots: Vec<Vec<u8>>,
    pub(crate) quotas: Vec<Quota>,
}

/// Readable: the roots as text, not bytes.
impl std::fmt::Debug for QuotaRoots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let roots: Vec<_> = self
            .roots
            .iter()
            .map(|r| crate::error::RawBytes::new(r))
            .collect();
        f.debug_struct("QuotaRoots")
            .field("mailbox", &self.mailbox)
            .field("roots", &roots)
            .field("quotas", &self.quotas)
            .finish()
    }
}

impl QuotaRoots {
    /// The mailbox asked about.
    pub fn mailbox(&self) -> &MailboxName {
        &self.mailbox
    }

    /// The names of the quota roots that apply to the mailbox (possibly none), as the server
    /// sent them.
    pub fn roots(&self) -> &[Vec<u8>] {
        &self.roots
    }

    /// The quotas of those roots, as reported by the server's QUOTA responses.
    pub fn quotas(&self) -> &[Quota] {
        &self.quotas
    }
}
