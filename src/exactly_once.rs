//! Exactly-once APPEND and UID COPY inside [`Session::retrying`]: what each remembers before
//! it is sent, what it records when it completes, and, after a cut swallowed its completion,
//! how the library finds out whether it was done (its Message-IDs looked for in the target
//! among the UIDs at or above the UIDNEXT seen before).
//!
//! What the guarantee rests on: Message-IDs are unique in the target (RFC 5322 says they
//! are; a mailbox that already holds a message with the same Message-ID above the recorded
//! UIDNEXT — another client appending the same message at the same moment — would be taken
//! for ours), and COPY / MULTIAPPEND are atomic (RFC 3501 section 6.4.7, RFC 3502): a copy
//! or append that landed at all landed whole, so one message found answers for all.

use log::info;

use crate::error::Result;
use crate::journal::{Detour, Earlier, Job, Pending};
use crate::mime::message_id;
use crate::session::Session;
use crate::types::append::AppendMessage;
use crate::types::{AppendUid, CopyUid, FetchItems, MailboxName, Search, SequenceSet, StatusItem};

/// What the library could learn about the command a cut interrupted.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// It was done (and its result is now in the journal).
    Done,
    /// It was not done: running it again is safe.
    NotDone,
    /// It cannot be known; the reason, in words.
    Unknown(String),
}

impl Session {
    /// Selects the job's mailbox `job` again (read-only if it was), or leaves the selected
    /// one when the job had none.
    pub(crate) fn back_to(&mut self, job: Option<&Job>) -> Result<()> {
        match job {
            Some((name, true, _)) => self.examine(name.clone()).map(drop),
            Some((name, false, _)) => self.select(name.clone()).map(drop),
            None => self.unselect_or_close(),
        }
    }

    /// A lower bound of `target`'s UIDNEXT now, with its UIDVALIDITY: from the journal, the
    /// selected mailbox's state, or one STATUS (once per target per `retrying` call).
    fn uid_next_bound(&mut self, target: &MailboxName) -> Result<Option<(u32, u32)>> {
        let key = target.wire().to_vec();
        if let Some(b) = self.journal.as_ref().and_then(|j| j.next_uid.get(&key)) {
            return Ok(Some(*b));
        }
        let mb = self.mailbox();
        let bound = if mb.name().is_some_and(|n| n.wire() == target.wire()) {
            mb.uid_validity().zip(mb.uid_next())
        } else {
            let st = self.status(
                target.clone(),
                &[StatusItem::UidValidity, StatusItem::UidNext],
            )?;
            st.uid_validity().zip(st.uid_next())
        };
        if let (Some(b), Some(j)) = (bound, self.journal.as_mut()) {
            j.next_uid.insert(key, b);
        }
        Ok(bound)
    }

    /// Before an APPEND under `retrying`: its earlier result if it completed in an earlier
    /// run (then nothing is sent), else `None` after noting it as pending.
    pub(crate) fn append_begin(
        &mut self,
        target: &MailboxName,
        messages: &[AppendMessage<'_>],
    ) -> Result<Earlier<AppendUid>> {
        if self.journal.is_none() {
            return Ok(Earlier::No);
        }
        let ids = messages.iter().map(|m| message_id(m.message)).collect();
        self.append_begin_ids(target, ids)
    }

    /// [`Session::append_begin`] with the messages' Message-IDs (read from the first bytes
    /// of an APPEND source).
    pub(crate) fn append_begin_ids(
        &mut self,
        target: &MailboxName,
        ids: Vec<Option<String>>,
    ) -> Result<Earlier<AppendUid>> {
        if self.journal.is_none() {
            return Ok(Earlier::No);
        }
        if let Some(all) = ids.iter().cloned().collect::<Option<Vec<String>>>() {
            let key = (target.wire().to_vec(), all);
            if let Some(done) = self.journal.as_ref().and_then(|j| j.appended.get(&key)) {
                info!("APPEND to {target} done before the cut: not sent again");
                return Ok(Earlier::Done(done.clone()));
            }
        }
        let before = self.uid_next_bound(target)?;
        if let Some(j) = self.journal.as_mut() {
            j.pending = Some(Pending::Append {
                target: target.clone(),
                ids,
                before,
            });
        }
        Ok(Earlier::No)
    }

    /// After an APPEND under `retrying` came back: remembered when it completed; a cut keeps
    /// it pending, a NO clears it.
    pub(crate) fn append_end(&mut self, result: &Result<Option<AppendUid>>) {
        let Some(j) = self.journal.as_mut() else {
            return;
        };
        match result {
            Err(e) if e.is_broken() => {}
            Err(_) => j.pending = None,
            Ok(uid) => {
                if let Some(Pending::Append { target, ids, .. }) = j.pending.take() {
                    let key = target.wire().to_vec();
                    if let (Some(u), Some(b)) = (uid, j.next_uid.get_mut(&key)) {
                        if let Some(last) = u.uids.ranges().last() {
                            if u.uid_validity == b.0 {
                                b.1 = b.1.max(last.end().saturating_add(1));
                            }
                        }
                    }
                    if let Some(all) = ids.into_iter().collect::<Option<Vec<String>>>() {
                        j.appended.insert((key, all), uid.clone());
                    }
                }
            }
        }
    }

    /// Before a UID COPY under `retrying` (the selected mailbox is the source).
    pub(crate) fn copy_begin(
        &mut self,
        set: &SequenceSet,
        target: &MailboxName,
    ) -> Result<Earlier<CopyUid>> {
        if self.journal.is_none() {
            return Ok(Earlier::No);
        }
        let mb = self.mailbox();
        let (Some(source), Some(validity)) = (mb.name().cloned(), mb.uid_validity()) else {
            return Ok(Earlier::No);
        };
        let key = (
            source.wire().to_vec(),
            validity,
            set.to_string(),
            target.wire().to_vec(),
        );
        if let Some(done) = self.journal.as_ref().and_then(|j| j.copied.get(&key)) {
            info!("UID COPY {set} to {target} done before the cut: not sent again");
            return Ok(Earlier::Done(done.clone()));
        }
        let before = self.uid_next_bound(target)?;
        if let Some(j) = self.journal.as_mut() {
            j.pending = Some(Pending::Copy {
                source,
                source_validity: validity,
                set: set.clone(),
                target: target.clone(),
                before,
            });
        }
        Ok(Earlier::No)
    }

    /// After a UID COPY under `retrying` came back.
    pub(crate) fn copy_end(&mut self, result: &Result<Option<CopyUid>>) {
        let Some(j) = self.journal.as_mut() else {
            return;
        };
        match result {
            Err(e) if e.is_broken() => {}
            Err(_) => j.pending = None,
            Ok(copied) => {
                if let Some(Pending::Copy {
                    source,
                    source_validity,
                    set,
                    target,
                    ..
                }) = j.pending.take()
                {
                    let key = (
                        source.wire().to_vec(),
                        source_validity,
                        set.to_string(),
                        target.wire().to_vec(),
                    );
                    j.copied.insert(key, copied.clone());
                }
            }
        }
    }

    /// After a reconnect: was the pending APPEND / UID COPY done? Looks for its first
    /// message's Message-ID in the target (EXAMINEd for that when it is not the selected
    /// mailbox, and the job's mailbox selected again after).
    pub(crate) fn resolve_pending(&mut self, pending: &Pending) -> Result<Outcome> {
        let job: Option<Job> = self.mailbox().name().cloned().map(|n| {
            (
                n,
                self.mailbox().is_read_only(),
                self.mailbox().uid_validity(),
            )
        });
        let (target, id, before) = match pending {
            Pending::Append {
                target,
                ids,
                before,
            } => match ids.first().cloned().flatten() {
                Some(id) => (target.clone(), id, *before),
                None => {
                    return Ok(Outcome::Unknown(format!(
                        "APPEND to {target} of a message without a Message-ID"
                    )))
                }
            },
            Pending::Copy {
                source,
                source_validity,
                set,
                target,
                before,
            } => {
                let here = job
                    .as_ref()
                    .is_some_and(|(n, _, _)| n.wire() == source.wire())
                    && self.mailbox().uid_validity() == Some(*source_validity);
                if !here {
                    return Ok(Outcome::Unknown(format!(
                        "UID COPY from {source}, which is no longer selected with the same UIDVALIDITY"
                    )));
                }
                let items = FetchItems::new().uid().header_fields(&["Message-ID"]);
                let mut found = None;
                let mut none = 0usize;
                // Streamed, stopping at the first: one message with a Message-ID answers for
                // the whole atomic COPY, and none of them is held.
                for f in self.uid_fetch(set.clone(), &items)? {
                    match f?.header().and_then(message_id) {
                        Some(id) => {
                            found = Some(id);
                            break;
                        }
                        None => none += 1,
                    }
                }
                match found {
                    Some(id) => (target.clone(), id, *before),
                    None => {
                        return Ok(Outcome::Unknown(format!(
                            "UID COPY {set} to {target}: {} the source has no Message-ID",
                            if none == 0 {
                                "no message of"
                            } else {
                                "each message in"
                            }
                        )))
                    }
                }
            }
        };
        let same_target = job
            .as_ref()
            .is_some_and(|(n, _, _)| n.wire() == target.wire());
        if !same_target {
            if let Some(j) = self.journal.as_mut() {
                j.detour = Some(Detour { job: job.clone() });
            }
            self.examine(target.clone())?;
        }
        let validity = self.mailbox().uid_validity();
        // The UIDs at or above the old UIDNEXT, when the mailbox is still the same one; else
        // the whole mailbox (a target made anew holds nothing from before).
        let from = match before {
            Some((v, next)) if Some(v) == validity => next.max(1),
            _ => 1,
        };
        let hits = if self.mailbox().exists() == 0 {
            Vec::new()
        } else {
            self.uid_search(
                &Search::all()
                    .uid(SequenceSet::from(from..))
                    .header("Message-ID", &id),
            )?
            .into_iter()
            .filter(|u| u.0 >= from)
            .collect()
        };
        if !same_target {
            self.back_to(job.as_ref())?;
            if let Some(j) = self.journal.as_mut() {
                j.detour = None;
            }
        }
        if hits.is_empty() {
            info!("the interrupted command to {target} was not done: it runs again");
            return Ok(Outcome::NotDone);
        }
        info!("the interrupted command to {target} was done (found {id} there): not again");
        let Some(j) = self.journal.as_mut() else {
            return Ok(Outcome::Done);
        };
        let uids: SequenceSet = hits.iter().map(|u| u.0).collect();
        match pending {
            Pending::Append { target, ids, .. } => {
                if let Some(all) = ids.iter().cloned().collect::<Option<Vec<String>>>() {
                    let result = validity.map(|uid_validity| AppendUid { uid_validity, uids });
                    j.appended.insert((target.wire().to_vec(), all), result);
                }
            }
            Pending::Copy {
                source,
                source_validity,
                set,
                target,
                ..
            } => {
                let key = (
                    source.wire().to_vec(),
                    *source_validity,
                    set.to_string(),
                    target.wire().to_vec(),
                );
                j.copied.insert(key, None);
            }
        }
        Ok(Outcome::Done)
    }
}
