//! Mailbox state and the queue of unsolicited responses.

use std::collections::VecDeque;
use std::fmt;

use crate::error::ServerText;
use crate::types::acl::{AclEntry, ListRights, Rights};
use crate::types::id::IdInfo;
use crate::types::metadata::Metadata;
use crate::types::quota::Quota;
use crate::types::search_results::{SearchResult, Thread};
use crate::types::{
    Capabilities, Fetch, Flag, MailboxName, MailboxStatus, Name, ResponseCode, Seq, SequenceSet,
    ShowBytes, ShowPrefix, StatusKind,
};
use crate::wire::parse::Response;

/// A server response that no command asked for, kept for the caller to read with
/// [`Session::unsolicited`](crate::Session::unsolicited).
///
/// The queue never blocks the session. It keeps up to 100,000 items and 64 MiB by default
/// ([`ClientBuilder::max_unsolicited`](crate::ClientBuilder::max_unsolicited),
/// [`ClientBuilder::max_unsolicited_bytes`](crate::ClientBuilder::max_unsolicited_bytes));
/// past either the oldest are dropped and reported with [`Unsolicited::Dropped`].
///
/// Its `Debug` form shows bytes as escaped strings, never as lists of numbers: the `raw`
/// bytes of [`Other`](Unsolicited::Other) (the first 1,024 of them, then how many more) and
/// the quota roots of [`QuotaRoot`](Unsolicited::QuotaRoot).
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub enum Unsolicited {
    /// `* n EXISTS`: the mailbox now holds `n` messages.
    Exists(u32),
    /// `* n RECENT`.
    Recent(u32),
    /// `* n EXPUNGE`: message `n` was removed; later sequence numbers shift down by one.
    Expunge(Seq),
    /// `* VANISHED` (RFC 7162): messages with these UIDs were removed.
    Vanished {
        /// `(EARLIER)`: the messages were removed before this session learnt of them.
        earlier: bool,
        /// The UIDs that are gone.
        uids: SequenceSet,
    },
    /// A FETCH response the caller did not ask for (a flag change, usually).
    Fetch(Fetch),
    /// `* FLAGS (...)`: the flags defined in the mailbox.
    Flags(Vec<Flag>),
    /// `* OK|NO|BAD|BYE ...`: a status message; an `[ALERT]` must be shown to the user.
    Status {
        /// OK, NO, BAD or BYE.
        kind: StatusKind,
        /// The response code and text.
        text: ServerText,
    },
    /// `* CAPABILITY ...` sent without being asked.
    Capability(Capabilities),
    /// A LIST or LSUB response no command asked for.
    List(Name),
    /// A STATUS response no command asked for (e.g. from NOTIFY: a mailbox that is not
    /// selected got new mail, lost messages or had flags changed, RFC 5465 section 5).
    MailboxStatus(MailboxStatus),
    /// A LIST response with `OLDNAME` extended data (RFC 5465 section 5.4, RFC 9051): the
    /// mailbox `old_name` was renamed to `name` (from NOTIFY's `MailboxName` event, say).
    /// A LIST without it stays [`List`](Unsolicited::List): a mailbox created, or its
    /// attributes or subscription changed; one with `\NonExistent` among its attributes
    /// was deleted.
    MailboxRenamed {
        /// The mailbox under its new name.
        name: Name,
        /// The name it had before.
        old_name: MailboxName,
    },
    /// A SEARCH response no command asked for.
    Search(Vec<u32>),
    /// An ESEARCH response (RFC 4731) no command asked for: one for another command's tag,
    /// say, or a CONTEXT=SEARCH update (whose ADDTO / REMOVETO data is not typed).
    ESearch {
        /// The `(TAG ...)` correlator: which command the response answers.
        tag: Option<String>,
        /// What it reported.
        result: SearchResult,
    },
    /// A SORT response (RFC 5256) no command asked for.
    Sort(Vec<u32>),
    /// A THREAD response (RFC 5256) no command asked for.
    Thread(Vec<Thread<u32>>),
    /// A QUOTA response (RFC 9208) no command asked for: servers may send one after a
    /// command changed the usage.
    Quota(Quota),
    /// A QUOTAROOT response (RFC 9208) no command asked for.
    QuotaRoot {
        /// The mailbox.
        mailbox: MailboxName,
        /// The names of its quota roots, as sent.
        roots: Vec<Vec<u8>>,
    },
    /// A METADATA response with values (RFC 5464) no command asked for.
    Metadata(Metadata),
    /// An unsolicited METADATA response naming entries whose values changed (RFC 5464
    /// section 4.4.2); read them with
    /// [`Session::get_metadata`](crate::Session::get_metadata).
    MetadataChanged {
        /// The mailbox (the empty name for server metadata).
        mailbox: MailboxName,
        /// The entries that changed.
        entries: Vec<String>,
    },
    /// An ACL response (RFC 4314) no command asked for.
    Acl {
        /// The mailbox.
        mailbox: MailboxName,
        /// Its access control list.
        entries: Vec<AclEntry>,
    },
    /// A MYRIGHTS response (RFC 4314) no command asked for.
    MyRights {
        /// The mailbox.
        mailbox: MailboxName,
        /// The logged-in user's rights on it.
        rights: Rights,
    },
    /// A LISTRIGHTS response (RFC 4314) no command asked for.
    ListRights(ListRights),
    /// An ID response (RFC 2971) no command asked for.
    Id(IdInfo),
    /// An ENABLED response (RFC 5161) no command asked for. It does not change what
    /// [`Session::enabled`](crate::Session::enabled) reports.
    Enabled(Vec<String>),
    /// The queue was full (see
    /// [`ClientBuilder::max_unsolicited`](crate::ClientBuilder::max_unsolicited)): this many
    /// older items were dropped before the ones that follow. The mailbox state still
    /// reflects them.
    Dropped(u64),
    /// A response this crate recognised but does not turn into a typed value here, or could
    /// not parse at all; its bytes are kept whole.
    Other {
        /// The whole response as received.
        raw: Vec<u8>,
        /// Why it was not typed (a parse error, or "not typed by this command").
        reason: String,
    },
}

impl Unsolicited {
    /// The mailbox the item is about, when it names one: a STATUS, LIST or rename (from
    /// NOTIFY, RFC 5465), METADATA, QUOTAROOT, ACL or MYRIGHTS. `None` for the items that
    /// concern the selected mailbox (EXISTS, EXPUNGE, FETCH, ...) and the rest.
    pub fn mailbox(&self) -> Option<&MailboxName> {
        match self {
            Unsolicited::MailboxStatus(s) => Some(s.name()),
            Unsolicited::List(n) | Unsolicited::MailboxRenamed { name: n, .. } => Some(n.name()),
            Unsolicited::Metadata(m) => Some(m.mailbox()),
            Unsolicited::MetadataChanged { mailbox, .. }
            | Unsolicited::QuotaRoot { mailbox, .. }
            | Unsolicited::Acl { mailbox, .. }
            | Unsolicited::MyRights { mailbox, .. } => Some(mailbox),
            _ => None,
        }
    }

    /// Is this `* OK [NOTIFICATIONOVERFLOW]` (RFC 5465 section 5.8)? The server has
    /// stopped sending NOTIFY events (as if after `NOTIFY NONE`): the client must find out
    /// what changed itself and set NOTIFY again.
    pub fn is_notification_overflow(&self) -> bool {
        matches!(
            self,
            Unsolicited::Status { text, .. }
                if matches!(text.code, Some(ResponseCode::NotificationOverflow))
        )
    }
}

/// How many bytes of [`Unsolicited::Other`]'s `raw` its `Debug` form shows.
const SHOW_RAW: usize = 1024;

impl fmt::Debug for Unsolicited {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unsolicited::Exists(n) => f.debug_tuple("Exists").field(n).finish(),
            Unsolicited::Recent(n) => f.debug_tuple("Recent").field(n).finish(),
            Unsolicited::Expunge(n) => f.debug_tuple("Expunge").field(n).finish(),
            Unsolicited::Vanished { earlier, uids } => f
                .debug_struct("Vanished")
                .field("earlier", earlier)
                .field("uids", uids)
                .finish(),
            Unsolicited::Fetch(x) => f.debug_tuple("Fetch").field(x).finish(),
            Unsolicited::Flags(x) => f.debug_tuple("Flags").field(x).finish(),
            Unsolicited::Status { kind, text } => f
                .debug_struct("Status")
                .field("kind", kind)
                .field("text", text)
                .finish(),
            Unsolicited::Capability(x) => f.debug_tuple("Capability").field(x).finish(),
            Unsolicited::List(x) => f.debug_tuple("List").field(x).finish(),
            Unsolicited::MailboxStatus(x) => f.debug_tuple("MailboxStatus").field(x).finish(),
            Unsolicited::MailboxRenamed { name, old_name } => f
                .debug_struct("MailboxRenamed")
                .field("name", name)
                .field("old_name", old_name)
                .finish(),
            Unsolicited::Search(x) => f.debug_tuple("Search").field(x).finish(),
            Unsolicited::ESearch { tag, result } => f
                .debug_struct("ESearch")
                .field("tag", tag)
                .field("result", result)
                .finish(),
            Unsolicited::Sort(x) => f.debug_tuple("Sort").field(x).finish(),
            Unsolicited::Thread(x) => f.debug_tuple("Thread").field(x).finish(),
            Unsolicited::Quota(x) => f.debug_tuple("Quota").field(x).finish(),
            Unsolicited::QuotaRoot { mailbox, roots } => {
                struct Roots<'a>(&'a [Vec<u8>]);
                impl fmt::Debug for Roots<'_> {
                    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.debug_list()
                            .entries(self.0.iter().map(|r| ShowBytes(r)))
                            .finish()
                    }
                }
                f.debug_struct("QuotaRoot")
                    .field("mailbox", mailbox)
                    .field("roots", &Roots(roots))
                    .finish()
            }
            Unsolicited::Metadata(x) => f.debug_tuple("Metadata").field(x).finish(),
            Unsolicited::MetadataChanged { mailbox, entries } => f
                .debug_struct("MetadataChanged")
                .field("mailbox", mailbox)
                .field("entries", entries)
                .finish(),
            Unsolicited::Acl { mailbox, entries } => f
                .debug_struct("Acl")
                .field("mailbox", mailbox)
                .field("entries", entries)
                .finish(),
            Unsolicited::MyRights { mailbox, rights } => f
                .debug_struct("MyRights")
                .field("mailbox", mailbox)
                .field("rights", rights)
                .finish(),
            Unsolicited::ListRights(x) => f.debug_tuple("ListRights").field(x).finish(),
            Unsolicited::Id(x) => f.debug_tuple("Id").field(x).finish(),
            Unsolicited::Enabled(x) => f.debug_tuple("Enabled").field(x).finish(),
            Unsolicited::Dropped(n) => f.debug_tuple("Dropped").field(n).finish(),
            Unsolicited::Other { raw, reason } => f
                .debug_struct("Other")
                .field("raw", &ShowPrefix(raw, SHOW_RAW))
                .field("reason", reason)
                .finish(),
        }
    }
}

/// What the session knows of the selected mailbox: returned by SELECT and EXAMINE, and kept
/// up to date by every later response while the mailbox stays selected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mailbox {
    pub(crate) name: Option<MailboxName>,
    pub(crate) selected: bool,
    pub(crate) exists: u32,
    pub(crate) recent: u32,
    pub(crate) uid_validity: Option<u32>,
    pub(crate) uid_next: Option<u32>,
    pub(crate) highest_modseq: Option<u64>,
    pub(crate) unseen: Option<u32>,
    pub(crate) flags: Vec<Flag>,
    pub(crate) permanent_flags: Vec<Flag>,
    pub(crate) read_only: bool,
    pub(crate) mailbox_id: Option<String>,
}

impl Mailbox {
    /// Is a mailbox selected?
    pub fn is_selected(&self) -> bool {
        self.selected
    }

    /// The selected mailbox's name.
    pub fn name(&self) -> Option<&MailboxName> {
        self.name.as_ref().filter(|_| self.selected)
    }

    /// How many messages the mailbox holds, as far as the server has told us.
    pub fn exists(&self) -> u32 {
        self.exists
    }

    /// The last RECENT count the server sent.
    pub fn recent(&self) -> u32 {
        self.recent
    }

    /// The mailbox's UIDVALIDITY, if known.
    pub fn uid_validity(&self) -> Option<u32> {
        self.uid_validity
    }

    /// The UID the next message will get, if known.
    pub fn uid_next(&self) -> Option<u32> {
        self.uid_next
    }

    /// The highest mod-sequence (RFC 7162), if the server reports one.
    pub fn highest_modseq(&self) -> Option<u64> {
        self.highest_modseq
    }

    /// The first unseen message's sequence number, if the server said (IMAP4rev1 UNSEEN).
    pub fn unseen(&self) -> Option<u32> {
        self.unseen
    }

    /// The flags defined in the mailbox.
    pub fn flags(&self) -> &[Flag] {
        &self.flags
    }

    /// The flags that can be changed permanently.
    pub fn permanent_flags(&self) -> &[Flag] {
        &self.permanent_flags
    }

    /// Was the mailbox opened read-only?
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The mailbox's id (RFC 8474 OBJECTID), from the `MAILBOXID` response code a server
    /// with OBJECTID sends in an untagged OK during SELECT and EXAMINE: the id
    /// [`Session::create_with_id`](crate::Session::create_with_id) and STATUS `MAILBOXID`
    /// report, kept across renames. `None` when the server sent none.
    pub fn mailbox_id(&self) -> Option<&str> {
        self.mailbox_id.as_deref()
    }

    /// Applies a response to the state.
    pub(crate) fn apply(&mut self, resp: &Response) {
        match resp {
            Response::Exists(n) => self.exists = *n,
            Response::Recent(n) => self.recent = *n,
            Response::Expunge(_) => {
                self.exists = self.exists.saturating_sub(1);
            }
            Response::Vanished {
                earlier: false,
                uids,
            } => {
                let gone = u32::try_from(uids.len()).unwrap_or(u32::MAX);
                self.exists = self.exists.saturating_sub(gone);
            }
            Response::Flags(flags) => self.flags.clone_from(flags),
            Response::Fetch(f) => {
                if let (Some(m), Some(h)) = (f.modseq(), self.highest_modseq) {
                    self.highest_modseq = Some(h.max(m));
                }
            }
            Response::Status { text, .. } => {
                if let Some(code) = &text.code {
                    self.apply_code(code);
                    // Only untagged: a tagged `OK [MAILBOXID]` is CREATE's, for the new
                    // mailbox (apply_code also sees tagged completions).
                    if let ResponseCode::MailboxId(id) = code {
                        self.mailbox_id = Some(id.clone());
                    }
                }
            }
            _ => {}
        }
    }

    /// Applies a response code (from an untagged OK or a tagged completion).
    pub(crate) fn apply_code(&mut self, code: &ResponseCode) {
        match code {
            ResponseCode::UidValidity(v) => self.uid_validity = Some(*v),
            ResponseCode::UidNext(u) => self.uid_next = Some(u.0),
            ResponseCode::HighestModSeq(m) => self.highest_modseq = Some(*m),
            ResponseCode::NoModSeq => self.highest_modseq = None,
            ResponseCode::Unseen(s) => self.unseen = Some(s.0),
            ResponseCode::PermanentFlags(f) => self.permanent_flags.clone_from(f),
            ResponseCode::ReadOnly => self.read_only = true,
            ResponseCode::ReadWrite => self.read_only = false,
            _ => {}
        }
    }
}

/// The unsolicited queue, drained by the caller. It holds up to `max` items and about
/// `max_bytes` bytes of memory; past either the oldest are dropped and counted (a hostile
/// server must not exhaust memory), and the next drain starts with [`Unsolicited::Dropped`].
#[derive(Debug)]
pub(crate) struct Queue {
    /// Each item with its size as counted by [`item_size`].
    items: VecDeque<(Unsolicited, usize)>,
    max: usize,
    max_bytes: usize,
    bytes: usize,
    dropped: u64,
}

impl Queue {
    pub(crate) fn new(max: usize, max_bytes: usize) -> Self {
        Queue {
            items: VecDeque::new(),
            max: max.max(1),
            max_bytes: max_bytes.max(1),
            bytes: 0,
            dropped: 0,
        }
    }

    /// Adds an item, dropping the oldest ones while the queue would hold too many items or
    /// bytes. An item larger than the whole byte budget is dropped itself. Each item is
    /// pushed and popped once: linear time overall.
    pub(crate) fn push(&mut self, item: Unsolicited) {
        let size = item_size(&item);
        while !self.items.is_empty()
            && (self.items.len() >= self.max || self.bytes.saturating_add(size) > self.max_bytes)
        {
            self.drop_oldest();
        }
        if size > self.max_bytes {
            self.warn_full();
            self.dropped += 1;
            return;
        }
        self.bytes += size;
        self.items.push_back((item, size));
    }

    fn warn_full(&self) {
        if self.dropped == 0 {
            log::warn!(
                "unsolicited queue full ({} items or {} bytes): dropping the oldest",
                self.max,
                self.max_bytes
            );
        }
    }

    fn drop_oldest(&mut self) {
        self.warn_full();
        if let Some((_, size)) = self.items.pop_front() {
            self.bytes -= size;
            self.dropped += 1;
        }
    }

    /// Puts an item back at the front (an item read from another connection's queue, kept
    /// across a reconnect); bounded like [`Queue::push`], the item itself dropped (and
    /// counted) when the queue is full.
    pub(crate) fn push_front(&mut self, item: Unsolicited) {
        let size = item_size(&item);
        if self.items.len() >= self.max || self.bytes.saturating_add(size) > self.max_bytes {
            self.warn_full();
            self.dropped += 1;
            return;
        }
        self.bytes += size;
        self.items.push_front((item, size));
    }

    /// Every item, oldest first, preceded by a `Dropped` marker if any were dropped (at most
    /// `max` items, holding about `max_bytes` at most).
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = Unsolicited> + '_ {
        let dropped = std::mem::take(&mut self.dropped);
        self.bytes = 0;
        (dropped > 0)
            .then_some(Unsolicited::Dropped(dropped))
            .into_iter()
            .chain(self.items.drain(..).map(|(item, _)| item))
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// Roughly how much memory the queued items hold.
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    pub(crate) fn clear(&mut self) {
        self.items.clear();
        self.bytes = 0;
        self.dropped = 0;
    }
}

/// Counts the bytes written to it: the length of a value's `Debug` form without building it.
struct Counter(usize);

impl std::fmt::Write for Counter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0 = self.0.saturating_add(s.len());
        Ok(())
    }
}

/// Roughly how many bytes of memory an item holds: exact enough to bound the queue, linear
/// in the item's size. The common small items cost a constant; FETCH data is counted from
/// its parts; the rarer kinds by the length of their `Debug` form (counted, not built).
pub(crate) fn item_size(item: &Unsolicited) -> usize {
    const BASE: usize = std::mem::size_of::<Unsolicited>();
    BASE + match item {
        Unsolicited::Exists(_)
        | Unsolicited::Recent(_)
        | Unsolicited::Expunge(_)
        | Unsolicited::Dropped(_) => 0,
        Unsolicited::Fetch(f) => f.approx_size(),
        Unsolicited::Other { raw, reason } => raw.len() + reason.len(),
        Unsolicited::Search(n) | Unsolicited::Sort(n) => n.len() * 4,
        Unsolicited::Status { text, .. } => text.text.len() + 64,
        other => {
            let mut c = Counter(0);
            let _ = std::fmt::write(&mut c, format_args!("{other:?}"));
            c.0
        }
    }
}

/// Turns an untagged response nobody asked for into a queue item.
pub(crate) fn unsolicited(resp: Response, raw: &[u8]) -> Unsolicited {
    match resp {
        Response::Exists(n) => Unsolicited::Exists(n),
        Response::Recent(n) => Unsolicited::Recent(n),
        Response::Expunge(n) => Unsolicited::Expunge(Seq(n)),
        Response::Vanished { earlier, uids } => Unsolicited::Vanished { earlier, uids },
        Response::Fetch(f) => Unsolicited::Fetch(f),
        Response::Flags(f) => Unsolicited::Flags(f),
        Response::Status { kind, text } => Unsolicited::Status { kind, text },
        Response::Capability(c) => Unsolicited::Capability(c),
        Response::List { name, extra, .. } => match extra.old_name {
            Some(old_name) => Unsolicited::MailboxRenamed { name, old_name },
            None => Unsolicited::List(name),
        },
        Response::MailboxStatus(s) => Unsolicited::MailboxStatus(s),
        Response::Search { nums, .. } => Unsolicited::Search(nums),
        Response::ESearch { tag, result } => Unsolicited::ESearch { tag, result },
        Response::Sort { nums, .. } => Unsolicited::Sort(nums),
        Response::Thread(t) => Unsolicited::Thread(t),
        Response::Quota(q) => Unsolicited::Quota(q),
        Response::QuotaRoot { mailbox, roots } => Unsolicited::QuotaRoot { mailbox, roots },
        Response::Metadata(m) => Unsolicited::Metadata(m),
        Response::MetadataChanged { mailbox, entries } => {
            Unsolicited::MetadataChanged { mailbox, entries }
        }
        Response::Acl { mailbox, entries } => Unsolicited::Acl { mailbox, entries },
        Response::MyRights { mailbox, rights } => Unsolicited::MyRights { mailbox, rights },
        Response::ListRights(l) => Unsolicited::ListRights(l),
        Response::Id(i) => Unsolicited::Id(i),
        Response::Enabled(e) => Unsolicited::Enabled(e),
        Response::Namespace(_) => Unsolicited::Other {
            raw: raw.to_vec(),
            reason: "NAMESPACE response no command asked for".into(),
        },
        Response::Other => Unsolicited::Other {
            raw: raw.to_vec(),
            reason: "not typed by this command".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Uid;

    #[test]
    fn state_follows_counters_and_codes() {
        let mut s = Mailbox {
            exists: 10,
            ..Default::default()
        };
        s.apply(&Response::Expunge(3));
        assert_eq!(s.exists(), 9);
        s.apply(&Response::Vanished {
            earlier: false,
            uids: SequenceSet::from(1..=4),
        });
        assert_eq!(s.exists(), 5);
        s.apply(&Response::Vanished {
            earlier: true,
            uids: SequenceSet::from(1..=4),
        });
        assert_eq!(s.exists(), 5);
        s.apply(&Response::Exists(7));
        assert_eq!(s.exists(), 7);
        s.apply_code(&ResponseCode::UidNext(Uid(42)));
        s.apply_code(&ResponseCode::ReadOnly);
        assert_eq!(s.uid_next(), Some(42));
        assert!(s.is_read_only());
        for _ in 0..20 {
            s.apply(&Response::Expunge(1));
        }
        assert_eq!(s.exists(), 0);
    }
}
