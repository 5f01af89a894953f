//! What COPY, MOVE, APPEND and EXPUNGE report.

use super::{Seq, SequenceSet};

/// Where COPY or MOVE put the messages (UIDPLUS, RFC 4315 `COPYUID`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyUid {
    /// The UIDVALIDITY of the target mailbox.
    pub uid_validity: u32,
    /// The source messages' UIDs, ascending.
    pub source: SequenceSet,
    /// The UIDs the copies got, in the same order.
    pub destination: SequenceSet,
}

/// Where APPEND put the message (UIDPLUS, RFC 4315 `APPENDUID`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendUid {
    /// The UIDVALIDITY of the target mailbox.
    pub uid_validity: u32,
    /// The appended message's UID (a set for MULTIAPPEND).
    pub uids: SequenceSet,
}

/// The messages an EXPUNGE removed, in the order the server reported them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expunged {
    pub(crate) seqs: Vec<Seq>,
    pub(crate) vanished: SequenceSet,
}

impl Expunged {
    /// The sequence numbers from `* n EXPUNGE` responses, in order. Each is the number at the
    /// moment of its response: later numbers already account for earlier removals.
    pub fn seqs(&self) -> &[Seq] {
        &self.seqs
    }

    /// The UIDs from `* VANISHED` responses (when QRESYNC is enabled).
    pub fn vanished(&self) -> &SequenceSet {
        &self.vanished
    }

    /// How many messages were removed.
    pub fn len(&self) -> u64 {
        self.seqs.len() as u64 + self.vanished.len()
    }

    /// Were no messages removed?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
