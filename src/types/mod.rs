//! Owned public types: nothing here borrows from the wire or from a parser crate.

pub(crate) mod date;
pub(crate) mod envelope;
pub(crate) mod fetch;
mod list;
mod mailbox_name;
mod part;
mod query;
mod results;
mod search;
mod seq;

pub use date::DateTime;
pub use envelope::{Address, BodyStructure, ContentDisposition, Envelope, TransferEncoding};
pub use fetch::{Fetch, UnparsedItem};
pub use list::{MailboxStatus, Name, NameAttribute, Namespace, Namespaces, StatusItem};
pub use mailbox_name::MailboxName;
pub use part::Part;
pub use query::{FetchItems, Section, StoreAction};
pub use results::{AppendUid, CopyUid, Expunged};
pub use search::{Search, SearchDate};
pub use seq::{Seq, SequenceSet, Uid, STAR};

use std::fmt;

/// A message flag (RFC 9051 section 2.3.2): a system flag or a keyword.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Flag {
    /// `\Seen`: the message has been read.
    Seen,
    /// `\Answered`: the message has been answered.
    Answered,
    /// `\Flagged`: the message is flagged for urgent or special attention.
    Flagged,
    /// `\Deleted`: the message is marked for removal by a later EXPUNGE.
    Deleted,
    /// `\Draft`: the message is a draft.
    Draft,
    /// `\Recent`: the message arrived since the last session (IMAP4rev1 only).
    Recent,
    /// `\*` in PERMANENTFLAGS: the client may create new keywords.
    MayCreate,
    /// A keyword (`$Forwarded`, `Junk`, ...) or an unknown `\`-flag, as the server wrote it.
    Keyword(String),
}

impl Flag {
    /// Reads a flag as written on the wire; system flags are matched case-insensitively.
    pub fn parse(s: &str) -> Flag {
        const SYSTEM: [(&str, Flag); 7] = [
            ("\\Seen", Flag::Seen),
            ("\\Answered", Flag::Answered),
            ("\\Flagged", Flag::Flagged),
            ("\\Deleted", Flag::Deleted),
            ("\\Draft", Flag::Draft),
            ("\\Recent", Flag::Recent),
            ("\\*", Flag::MayCreate),
        ];
        for (name, flag) in SYSTEM {
            if s.eq_ignore_ascii_case(name) {
                return flag;
            }
        }
        Flag::Keyword(s.to_string())
    }

    /// The flag as IMAP writes it.
    pub fn as_str(&self) -> &str {
        match self {
            Flag::Seen => "\\Seen",
            Flag::Answered => "\\Answered",
            Flag::Flagged => "\\Flagged",
            Flag::Deleted => "\\Deleted",
            Flag::Draft => "\\Draft",
            Flag::Recent => "\\Recent",
            Flag::MayCreate => "\\*",
            Flag::Keyword(k) => k,
        }
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a server can do: the list from its CAPABILITY response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    names: Vec<String>,
}

impl Capabilities {
    pub(crate) fn from_names(names: Vec<String>) -> Self {
        Capabilities { names }
    }

    /// Does the server advertise `name` (compared without regard to case)?
    pub fn has(&self, name: &str) -> bool {
        self.names.iter().any(|n| n.eq_ignore_ascii_case(name))
    }

    /// Does the server offer the SASL mechanism `mechanism` (`AUTH=<mechanism>`)?
    pub fn has_auth(&self, mechanism: &str) -> bool {
        self.auth_mechanisms()
            .any(|m| m.eq_ignore_ascii_case(mechanism))
    }

    /// The SASL mechanisms the server offers (the `AUTH=` capabilities).
    pub fn auth_mechanisms(&self) -> impl Iterator<Item = &str> {
        self.names.iter().filter_map(|n| {
            n.get(..5)
                .filter(|p| p.eq_ignore_ascii_case("AUTH="))
                .map(|_| &n[5..])
        })
    }

    /// Every capability, as the server wrote it.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }
}

/// The status word of a server response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusKind {
    /// `OK`: success, or information.
    Ok,
    /// `NO`: an operational error.
    No,
    /// `BAD`: a protocol error in the client's command.
    Bad,
    /// `BYE`: the server is closing the connection.
    Bye,
    /// `PREAUTH`: a greeting that says the connection is already authenticated.
    PreAuth,
}

impl StatusKind {
    pub(crate) fn parse(word: &[u8]) -> Option<StatusKind> {
        Some(match word.to_ascii_uppercase().as_slice() {
            b"OK" => StatusKind::Ok,
            b"NO" => StatusKind::No,
            b"BAD" => StatusKind::Bad,
            b"BYE" => StatusKind::Bye,
            b"PREAUTH" => StatusKind::PreAuth,
            _ => return None,
        })
    }
}

/// A bracketed response code (RFC 9051 section 7.1, RFC 5530, RFC 4315, RFC 7162 ...).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseCode {
    /// `ALERT`: the text must be shown to the user.
    Alert,
    /// `BADCHARSET`: the charsets the server supports for SEARCH.
    BadCharset(Vec<String>),
    /// `CAPABILITY`: the server's capabilities.
    Capability(Capabilities),
    /// `PARSE`: the server could not parse a message's headers.
    Parse,
    /// `PERMANENTFLAGS`: the flags that can be changed permanently.
    PermanentFlags(Vec<Flag>),
    /// `READ-ONLY`: the mailbox is selected read-only.
    ReadOnly,
    /// `READ-WRITE`: the mailbox is selected read-write.
    ReadWrite,
    /// `TRYCREATE`: the target mailbox does not exist but could be created.
    TryCreate,
    /// `UIDNEXT`: the next UID the mailbox will assign.
    UidNext(Uid),
    /// `UIDVALIDITY`: the mailbox's UID validity value.
    UidValidity(u32),
    /// `UNSEEN`: the first unseen message (IMAP4rev1).
    Unseen(Seq),
    /// `APPENDUID` (RFC 4315): where APPEND put the message(s).
    AppendUid {
        /// The UIDVALIDITY of the target mailbox.
        uid_validity: u32,
        /// The UIDs the appended messages got.
        uids: SequenceSet,
    },
    /// `COPYUID` (RFC 4315): the UIDs that COPY or MOVE gave the copies.
    CopyUid {
        /// The UIDVALIDITY of the target mailbox.
        uid_validity: u32,
        /// The source UIDs.
        source: SequenceSet,
        /// The new UIDs, in the same order.
        destination: SequenceSet,
    },
    /// `UIDNOTSTICKY` (RFC 4315): the mailbox does not keep UIDs across sessions.
    UidNotSticky,
    /// `HIGHESTMODSEQ` (RFC 7162).
    HighestModSeq(u64),
    /// `NOMODSEQ` (RFC 7162): the mailbox does not support mod-sequences.
    NoModSeq,
    /// `MODIFIED` (RFC 7162): messages a conditional STORE did not change.
    Modified(SequenceSet),
    /// `CLOSED` (RFC 7162): the previous mailbox was closed.
    Closed,
    /// Any other code (RFC 5530's `AUTHENTICATIONFAILED`, `UNAVAILABLE`, `OVERQUOTA`, ...,
    /// and codes this crate does not know), with its name in upper case and its raw arguments.
    Other {
        /// The code's name, upper-cased.
        name: String,
        /// Everything between the name and the closing bracket.
        args: Option<String>,
    },
}

impl ResponseCode {
    /// The code's name as IMAP writes it (`ALERT`, `TRYCREATE`, ...).
    pub fn name(&self) -> &str {
        match self {
            ResponseCode::Alert => "ALERT",
            ResponseCode::BadCharset(_) => "BADCHARSET",
            ResponseCode::Capability(_) => "CAPABILITY",
            ResponseCode::Parse => "PARSE",
            ResponseCode::PermanentFlags(_) => "PERMANENTFLAGS",
            ResponseCode::ReadOnly => "READ-ONLY",
            ResponseCode::ReadWrite => "READ-WRITE",
            ResponseCode::TryCreate => "TRYCREATE",
            ResponseCode::UidNext(_) => "UIDNEXT",
            ResponseCode::UidValidity(_) => "UIDVALIDITY",
            ResponseCode::Unseen(_) => "UNSEEN",
            ResponseCode::AppendUid { .. } => "APPENDUID",
            ResponseCode::CopyUid { .. } => "COPYUID",
            ResponseCode::UidNotSticky => "UIDNOTSTICKY",
            ResponseCode::HighestModSeq(_) => "HIGHESTMODSEQ",
            ResponseCode::NoModSeq => "NOMODSEQ",
            ResponseCode::Modified(_) => "MODIFIED",
            ResponseCode::Closed => "CLOSED",
            ResponseCode::Other { name, .. } => name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_round_trip() {
        assert_eq!(Flag::parse("\\seen"), Flag::Seen);
        assert_eq!(Flag::parse("\\*"), Flag::MayCreate);
        assert_eq!(
            Flag::parse("$Forwarded"),
            Flag::Keyword("$Forwarded".into())
        );
        assert_eq!(Flag::Deleted.to_string(), "\\Deleted");
    }

    #[test]
    fn capabilities_lookup() {
        let caps = Capabilities::from_names(vec![
            "IMAP4rev1".into(),
            "auth=PLAIN".into(),
            "AUTH=XOAUTH2".into(),
            "LITERAL+".into(),
        ]);
        assert!(caps.has("literal+") && caps.has("IMAP4REV1") && !caps.has("IDLE"));
        assert!(caps.has_auth("plain") && caps.has_auth("xoauth2") && !caps.has_auth("LOGIN"));
        assert_eq!(
            caps.auth_mechanisms().collect::<Vec<_>>(),
            ["PLAIN", "XOAUTH2"]
        );
    }
}
