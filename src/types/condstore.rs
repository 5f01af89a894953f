//! CONDSTORE (RFC 7162) and QRESYNC: what a QRESYNC SELECT reports changed (the commands are in `extensions/condstore.rs`).

use crate::types::{Fetch, SequenceSet};

/// What a QRESYNC SELECT reported changed since the state the client knew.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resync {
    pub(crate) vanished: SequenceSet,
    pub(crate) changed: Vec<Fetch>,
}

impl Resync {
    /// UIDs of messages expunged since then (`VANISHED (EARLIER)`).
    pub fn vanished(&self) -> &SequenceSet {
        &self.vanished
    }

    /// Messages whose flags changed since then, with their UID, FLAGS and MODSEQ.
    pub fn changed(&self) -> &[Fetch] {
        &self.changed
    }
}
