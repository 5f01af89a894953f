//! What one [`Session::retrying`](crate::Session::retrying) call remembers across cuts, so
//! that APPEND and UID COPY happen exactly once: the results of those that completed (a run
//! after a cut gets them back without sending anything), the lower bound of each target's
//! UIDNEXT before they ran, and the one whose completion the cut swallowed, to be looked
//! for in its target.

use std::collections::HashMap;

use crate::types::{AppendUid, CopyUid, Fetch, MailboxName, SequenceSet};

/// A completed UID COPY: source, its UIDVALIDITY, the UID set as written, target.
pub(crate) type CopyKey = (Vec<u8>, u32, String, Vec<u8>);

/// What an earlier run's APPEND / UID COPY returned, given back instead of sending it again.
#[derive(Debug, Clone)]
pub(crate) enum Earlier<T> {
    /// Not done in an earlier run: send it.
    No,
    /// Done: its result.
    Done(Option<T>),
}

/// The state of one `retrying` call.
#[derive(Debug, Default)]
pub(crate) struct Journal {
    /// Completed APPENDs: (target, Message-IDs of the messages) -> what APPEND returned.
    pub(crate) appended: HashMap<(Vec<u8>, Vec<String>), Option<AppendUid>>,
    /// Completed UID COPYs: (source, its UIDVALIDITY, the UID set, target) -> the result.
    pub(crate) copied: HashMap<CopyKey, Option<CopyUid>>,
    /// Per target: (UIDVALIDITY, a UID at or below the UIDNEXT before our commands).
    pub(crate) next_uid: HashMap<Vec<u8>, (u32, u32)>,
    /// The APPEND or UID COPY in flight when the connection broke.
    pub(crate) pending: Option<Pending>,
    /// While the library looks for a pending command's result in another mailbox: the job's
    /// own (name, read-only, UIDVALIDITY; `None` when none was selected), to go back to even
    /// when a cut comes in between (the next reconnect selects what was selected last).
    pub(crate) detour: Option<Detour>,
}

/// A look into another mailbox under way (see [`Journal::detour`]).
#[derive(Debug, Clone)]
pub(crate) struct Detour {
    /// The job's mailbox; `None` when it had none selected.
    pub(crate) job: Option<Job>,
}

/// The mailbox a job had selected: name, read-only, UIDVALIDITY.
pub(crate) type Job = (MailboxName, bool, Option<u32>);

/// An APPEND or UID COPY sent but not seen to complete.
#[derive(Debug, Clone)]
pub(crate) enum Pending {
    Append {
        target: MailboxName,
        /// The Message-ID of each message, `None` for one that has none.
        ids: Vec<Option<String>>,
        /// The target's UIDVALIDITY and UIDNEXT before the APPEND.
        before: Option<(u32, u32)>,
    },
    Copy {
        source: MailboxName,
        source_validity: u32,
        set: SequenceSet,
        target: MailboxName,
        before: Option<(u32, u32)>,
    },
}

/// What the UID FETCHes of one `retrying` call received, so that a run after a cut asks only
/// for the UIDs still missing (and gives back the rest from here): progress survives a cut
/// every N bytes. Bounded: past the command result budget in all, an entry is dropped and
/// its FETCH runs whole again.
#[derive(Debug, Default)]
pub(crate) struct Reads {
    /// (the items as written, the UID set as written) -> what arrived.
    pub(crate) entries: HashMap<(String, String), Received>,
    /// Roughly the memory the entries hold.
    pub(crate) bytes: usize,
    /// Messages received in all: a run that received any made progress.
    pub(crate) count: u64,
}

/// The messages one UID FETCH returned before a cut.
#[derive(Debug, Default)]
pub(crate) struct Received {
    pub(crate) fetched: Vec<Fetch>,
    pub(crate) uids: SequenceSet,
    /// Went past the budget: nothing kept, the FETCH runs whole.
    pub(crate) dropped: bool,
}
