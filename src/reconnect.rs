//! Scripts that run for days: reconnecting a broken session, resuming a mailbox knowing what
//! changed while away, and retrying only what is safe to retry.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

use log::info;

use crate::builder::{Login, Reconnect};
use crate::conn::RunLog;
use crate::error::{Error, Result};
use crate::exactly_once::Outcome;
use crate::journal::{Detour, Journal, Reads};
use crate::session::Session;
use crate::types::{Fetch, FetchItems, MailboxName, Search, SequenceSet, Uid};

/// What a client needs to remember about a mailbox between runs to learn, next time, what
/// changed: one value, written and read back as one line of text (`Display` / `FromStr`), so a
/// cron job can keep it in a file.
///
/// ```
/// use blocking_imap::{SequenceSet, SyncState};
/// let state = SyncState::new(1_700_000_000, 4_200, Some(98_765), SequenceSet::from(1..=4_199));
/// let line = state.to_string();
/// assert_eq!(line, "uidvalidity=1700000000 uidnext=4200 modseq=98765 known=1:4199");
/// assert_eq!(line.parse::<SyncState>()?, state);
/// # Ok::<(), blocking_imap::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct SyncState {
    /// The mailbox's UIDVALIDITY: if it changes, every UID below is meaningless.
    pub uid_validity: u32,
    /// The UID the next message would get, when this state was taken.
    pub uid_next: u32,
    /// The mailbox's HIGHESTMODSEQ (CONDSTORE servers), when this state was taken.
    pub highest_modseq: Option<u64>,
    /// The UIDs the client holds (may be empty: then expunges cannot be told without
    /// QRESYNC).
    pub known: SequenceSet,
}

impl SyncState {
    /// A state from its parts.
    pub fn new(
        uid_validity: u32,
        uid_next: u32,
        highest_modseq: Option<u64>,
        known: SequenceSet,
    ) -> Self {
        SyncState {
            uid_validity,
            uid_next,
            highest_modseq,
            known,
        }
    }
}

/// `uidvalidity=N uidnext=N [modseq=N] known=SET` (`known=` empty for none).
impl fmt::Display for SyncState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "uidvalidity={} uidnext={}",
            self.uid_validity, self.uid_next
        )?;
        if let Some(m) = self.highest_modseq {
            write!(f, " modseq={m}")?;
        }
        write!(f, " known={}", self.known)
    }
}

/// Reads what [`Display`](fmt::Display) writes, and refuses what cannot describe a mailbox:
/// a UIDVALIDITY or UIDNEXT of 0 (RFC 3501 section 2.3.1.1: both are non-zero), a key given
/// twice, an unknown key, and a `known=` set that is not a plain UID set: `*` (the UIDs a
/// client holds are numbers), a reversed range (`9:1`), 0, or a UID at or above UIDNEXT.
impl FromStr for SyncState {
    type Err = Error;

    fn from_str(s: &str) -> Result<SyncState> {
        let shown: String = s.chars().take(200).collect();
        let bad = |why: &str| Error::InvalidArgument(format!("sync state: {why}: {shown:?}"));
        let mut state = SyncState::default();
        let mut seen = [false; 4];
        for word in s.split_whitespace() {
            let (key, value) = word
                .split_once('=')
                .ok_or_else(|| bad("expected key=value"))?;
            let slot = match key {
                "uidvalidity" => 0,
                "uidnext" => 1,
                "modseq" => 2,
                "known" => 3,
                _ => return Err(bad("unknown key")),
            };
            if std::mem::replace(&mut seen[slot], true) {
                return Err(bad(&format!("{key} given twice")));
            }
            match slot {
                0 => state.uid_validity = nonzero(value).ok_or_else(|| bad("uidvalidity"))?,
                1 => state.uid_next = nonzero(value).ok_or_else(|| bad("uidnext"))?,
                2 => state.highest_modseq = Some(value.parse().map_err(|_| bad("modseq"))?),
                _ if value.is_empty() => {}
                _ => state.known = uid_set(value).ok_or_else(|| bad("known is not a UID set"))?,
            }
        }
        if !(seen[0] && seen[1]) {
            return Err(bad("uidvalidity and uidnext are needed"));
        }
        if state
            .known
            .ranges()
            .last()
            .is_some_and(|r| *r.end() >= state.uid_next)
        {
            return Err(bad("known holds UIDs at or above uidnext"));
        }
        Ok(state)
    }
}

/// A non-zero u32 written in digits only.
fn nonzero(v: &str) -> Option<u32> {
    if v.is_empty() || v.len() > 10 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse().ok().filter(|&n| n > 0)
}

/// `1:3,5` with every range in order, no `*` and no 0; built range by range.
fn uid_set(v: &str) -> Option<SequenceSet> {
    v.split(',')
        .map(|item| match item.split_once(':') {
            Some((a, b)) => {
                let (a, b) = (nonzero(a)?, nonzero(b)?);
                (a <= b).then_some(a..=b)
            }
            None => nonzero(item).map(|n| n..=n),
        })
        .collect()
}

/// What [`Session::resume`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resumed {
    /// The mailbox is the one the state describes: what changed since.
    Changes(Changes),
    /// The mailbox's UIDVALIDITY changed: every UID the caller holds is meaningless. Forget
    /// them, fetch the mailbox's messages anew (`state.known`: every UID it holds now), and
    /// keep `state` for the next run, as after [`Session::sync_start`].
    UidValidityChanged {
        /// The UIDVALIDITY the caller knew.
        old: u32,
        /// The mailbox's UIDVALIDITY now.
        new: u32,
        /// The state to start again from.
        state: SyncState,
    },
}

/// What changed in a mailbox while the client was away.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Changes {
    /// UIDs of messages expunged since (from QRESYNC, or from the known UIDs by SEARCH).
    pub vanished: SequenceSet,
    /// Could expunges be told? `false` without QRESYNC and without known UIDs.
    pub vanished_known: bool,
    /// Messages whose flags changed since (UID, FLAGS, MODSEQ): from QRESYNC or CONDSTORE.
    pub changed: Vec<Fetch>,
    /// Could flag changes be told? `false` without CONDSTORE.
    pub changed_known: bool,
    /// Messages that arrived since (UID at or above the old UIDNEXT), in UID order.
    pub new: Vec<Uid>,
    /// The state to keep for next time: the known UIDs less the vanished, plus the new.
    pub state: SyncState,
}

/// What the caller says a [`Session::retrying`] closure does. The library judges every
/// command the closure sends on its own (see `retrying`); a declared class can only make it
/// stricter ([`ExpungeOrMoveBySeq`](Self::ExpungeOrMoveBySeq) is never run again), never
/// looser: a closure declared [`Fetch`](Self::Fetch) that sends a STORE by sequence numbers
/// is not repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// Several commands of any kind: the library judges each one.
    Job,
    /// FETCH / UID FETCH: reading is safe to repeat.
    Fetch,
    /// SEARCH, SORT, THREAD: safe.
    Search,
    /// STATUS, LIST, LSUB, NAMESPACE, CAPABILITY, GETQUOTA...: safe.
    Query,
    /// NOOP, IDLE: safe.
    Noop,
    /// SELECT / EXAMINE: safe.
    Select,
    /// STORE of absolute flags, or adding / removing flags: the same result however often.
    StoreFlags,
    /// UID EXPUNGE of a known UID set: what is gone stays gone.
    UidExpunge,
    /// UID MOVE on a server with MOVE (atomic, RFC 6851): a message moved is no longer there
    /// to move again.
    UidMove,
    /// CREATE, DELETE, RENAME, SUBSCRIBE: safe in effect (a second try may answer NO).
    Mailbox,
    /// APPEND: done exactly once by the library (a message with a Message-ID), else not
    /// repeated.
    Append,
    /// UID COPY: done exactly once by the library (messages with Message-IDs); COPY by
    /// sequence numbers is never repeated.
    Copy,
    /// EXPUNGE (all `\Deleted`) and MOVE by sequence numbers: NOT safe (sequence numbers
    /// shift; other messages may be hit).
    ExpungeOrMoveBySeq,
}

impl Operation {
    /// Is it the same whatever how often it runs, by its nature? (APPEND and COPY are not,
    /// but `retrying` makes them happen once where it can prove what the first run did.)
    pub fn is_idempotent(self) -> bool {
        !matches!(
            self,
            Operation::Append | Operation::Copy | Operation::ExpungeOrMoveBySeq
        )
    }
}

/// What [`Session::reconnect`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reconnected {
    /// Connections tried (1 when the first worked).
    pub attempts: u32,
    /// The mailbox that was selected, selected again with what changed meanwhile; `None`
    /// when none was selected.
    pub resumed: Option<Resumed>,
}

/// A small xorshift for jitter (not for anything secret), seeded from the clock.
fn jitter(delay: Duration, seed: &mut u64) -> Duration {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    // A factor between 0.75 and 1.25.
    let permille = u32::try_from(*seed % 1000).unwrap_or(0);
    let factor = 0.75 + f64::from(permille) / 2000.0;
    delay.mul_f64(factor)
}

/// Errors after which another connection is worth trying: the network, the server going
/// away, a server that is not answering, a proxy that could not reach it. A refused login
/// is not (it would be refused again), nor refused proxy credentials.
fn worth_retrying(e: &Error) -> bool {
    matches!(
        e,
        Error::Io(_)
            | Error::Connect { .. }
            | Error::Proxy {
                credentials_refused: false,
                ..
            }
            | Error::Timeout { .. }
            | Error::ConnectionClosed
            | Error::Bye(_)
            | Error::Broken(_)
    ) || e.is_temporary()
}

impl Session {
    pub(crate) fn with_reconnect(conn: crate::conn::Conn, reconnect: Option<Reconnect>) -> Self {
        let mut s = Session::new(conn);
        s.reconnect = reconnect;
        s
    }

    /// Can [`reconnect`](Self::reconnect) work? Not for a session over a caller's own
    /// stream ([`ClientBuilder::connect_stream`](crate::ClientBuilder::connect_stream)), nor one that authenticated with
    /// [`Client::authenticate`](crate::Client::authenticate) (use
    /// [`Client::authenticate_with`](crate::Client::authenticate_with), which keeps a way to
    /// make the mechanism again).
    pub fn can_reconnect(&self) -> bool {
        self.reconnect
            .as_ref()
            .is_some_and(|r| !matches!(r.login, Login::None))
    }

    /// The state of the selected mailbox to keep for [`resume`](Self::resume) (UIDVALIDITY,
    /// UIDNEXT, HIGHESTMODSEQ), with the UIDs the caller holds; `None` when no mailbox is
    /// selected or the server did not say its UIDVALIDITY / UIDNEXT.
    pub fn sync_state(&self, known: SequenceSet) -> Option<SyncState> {
        let mb = self.mailbox();
        if !mb.is_selected() {
            return None;
        }
        Some(SyncState {
            uid_validity: mb.uid_validity()?,
            uid_next: mb.uid_next()?,
            highest_modseq: mb.highest_modseq(),
            known,
        })
    }

    /// Replaces a broken (or any) connection with a fresh, logged-in one in the same state:
    /// connects with the same settings, logs in the same way, enables again what was enabled
    /// (CONDSTORE, QRESYNC, UTF8=ACCEPT...), selects again the mailbox that was selected and
    /// sends the NOTIFY set in force again ([`notify`](Self::notify)),
    /// reporting what changed while away ([`Resumed`]: with QRESYNC the expunged UIDs and
    /// changed flags in one round trip, with CONDSTORE the changed flags, otherwise the new
    /// messages; a changed UIDVALIDITY is reported as such). Unsolicited responses not yet
    /// read are kept.
    ///
    /// Attempts follow the builder's [`ReconnectPolicy`](crate::ReconnectPolicy): backoff with jitter, bounded in
    /// count and total time; each attempt is logged at INFO. A refused login ends the
    /// attempts at once.
    ///
    /// ```no_run
    /// # let builder = blocking_imap::ClientBuilder::new("imap.example.com", 993);
    /// let mut session = builder.connect()?.login("me", "secret")?;
    /// session.select("INBOX")?;
    /// loop {
    ///     match session.idle().wait_for_news() {
    ///         Ok(news) => println!("{news:?}"),
    ///         Err(e) if e.is_broken() => {
    ///             let back = session.reconnect()?;
    ///             println!("back after {} attempts: {:?}", back.attempts, back.resumed);
    ///         }
    ///         Err(e) => return Err(e),
    ///     }
    /// }
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// After a cancel ([`CancelHandle::cancel`](crate::CancelHandle::cancel)), calling this
    /// is the decision to go on: it first resets the session's cancel handle
    /// ([`CancelHandle::reset`](crate::CancelHandle::reset)), so that the new connection is
    /// not refused. The handle stays the same, and a cancel during the reconnect (its
    /// connects, its logins, the waits between attempts) ends it with [`Error::Cancelled`].
    ///
    /// Errors: [`Error::InvalidArgument`] when the session cannot reconnect (see
    /// [`can_reconnect`](Self::can_reconnect)); the last attempt's error when every attempt
    /// failed; a login's NO at once; [`Error::Cancelled`] after a cancel during it.
    pub fn reconnect(&mut self) -> Result<Reconnected> {
        self.conn.cancel.handle().reset();
        self.connect_again()
    }

    /// [`reconnect`](Self::reconnect) without resetting the cancel handle (for `retrying`:
    /// a cancel that came during its recovery stands).
    fn connect_again(&mut self) -> Result<Reconnected> {
        let Some(mut info) = self
            .reconnect
            .clone()
            .filter(|r| !matches!(r.login, Login::None))
        else {
            return Err(Error::InvalidArgument(
                "this session cannot reconnect: it runs over a caller's stream, or \
                 authenticated with a mechanism it cannot make again (use \
                 Client::authenticate_with)"
                    .into(),
            ));
        };
        // The new connections obey the session's handle (the builder's, if it had one).
        let handle = self.conn.cancel.handle().clone();
        let watch = handle.watch()?;
        info.builder.cancel = Some(handle);
        let policy = info.builder.reconnect.clone();
        let server = info.builder.server();
        let enabled = self.conn.enabled.clone();
        let notify = self.conn.notify.clone();
        let selected = self.mailbox().name().cloned().map(|name| {
            (
                name,
                self.mailbox().is_read_only(),
                self.sync_state(SequenceSet::new()),
            )
        });
        let start = Instant::now();
        let mut seed = u64::from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.subsec_nanos()),
        ) | 1;
        let mut delay = policy.initial_delay;
        let mut attempts = 0;
        // Each attempt connects, logs in, enables and selects the job's mailbox again on a
        // new session; only a whole success replaces the connection, so a cut inside any of
        // it (the re-SELECT too) leaves this session as it was, and the next attempt (or the
        // next `reconnect`) selects the same mailbox.
        let (fresh, resumed) = loop {
            attempts += 1;
            info!(
                "reconnecting to {server} (attempt {attempts} of {})",
                policy.max_attempts
            );
            let tried = new_session(&info, &enabled).and_then(|mut s| {
                let resumed = s.select_again(selected.as_ref())?;
                if let Some(set) = &notify {
                    s.notify(set)?;
                }
                Ok((s, resumed))
            });
            match tried {
                Ok(done) => break done,
                Err(e) => {
                    info!("reconnect attempt {attempts} to {server} failed: {e}");
                    let wait = jitter(delay, &mut seed);
                    if !worth_retrying(&e)
                        || attempts >= policy.max_attempts
                        || start.elapsed() + wait > policy.max_total
                    {
                        return Err(e);
                    }
                    watch.sleep(wait)?;
                    delay = (delay * 2).min(policy.max_delay);
                }
            }
        };
        // Keep what the caller has not read yet (before what the new connection queued),
        // then take the new connection.
        let mut old = std::mem::replace(&mut self.conn, fresh.conn);
        // What `retrying` keeps across the cut stays with the session.
        self.conn.reads = old.reads.take();
        let pending: Vec<_> = old.drain_queue().collect();
        for item in pending.into_iter().rev() {
            self.conn.queue.push_front(item);
        }
        info!("reconnected to {server} after {attempts} attempt(s)");
        Ok(Reconnected { attempts, resumed })
    }

    /// On a new connection: selects again (read-only if it was) the mailbox the job had,
    /// reporting what changed since the state it had then.
    fn select_again(
        &mut self,
        selected: Option<&(MailboxName, bool, Option<SyncState>)>,
    ) -> Result<Option<Resumed>> {
        let Some((name, read_only, state)) = selected else {
            return Ok(None);
        };
        Ok(Some(match state {
            Some(state) => self.resume_with(name.clone(), state, *read_only)?,
            None => {
                if *read_only {
                    self.examine(name.clone())?;
                } else {
                    self.select(name.clone())?;
                }
                let state = self.sync_state(SequenceSet::new()).unwrap_or_default();
                Resumed::Changes(Changes {
                    state,
                    ..Changes::default()
                })
            }
        }))
    }

    /// The first run of a sync: selects `mailbox` (with CONDSTORE when the server offers it,
    /// so that the state carries a HIGHESTMODSEQ and the next [`resume`](Self::resume) can
    /// ask for just the flags that changed, `CHANGEDSINCE`, instead of fetching every flag
    /// again) and returns its state with every UID it holds as `known` (one UID SEARCH), so
    /// that the next `resume` can tell which of them vanished. Fetch those messages, keep the
    /// state (one line of text), and call `resume` with it next time.
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use blocking_imap::{FetchItems, Resumed, SyncState};
    /// let path = "inbox.state";
    /// let items = FetchItems::new().uid().envelope();
    /// let state = match std::fs::read_to_string(path) {
    ///     Err(_) => {
    ///         let state = session.sync_start("INBOX")?;
    ///         for m in session.uid_fetch(state.known.clone(), &items)? { /* store m? */ }
    ///         state
    ///     }
    ///     Ok(saved) => match session.resume("INBOX", &saved.trim().parse::<SyncState>()?)? {
    ///         Resumed::Changes(c) => {
    ///             // c.vanished: delete locally; c.changed: new flags; c.new: fetch these.
    ///             for m in session.uid_fetch(c.new.clone(), &items)? { /* store m? */ }
    ///             c.state
    ///         }
    ///         Resumed::UidValidityChanged { state, .. } => {
    ///             // Everything local is stale: drop it and fetch state.known anew.
    ///             for m in session.uid_fetch(state.known.clone(), &items)? { /* store m? */ }
    ///             state
    ///         }
    ///         _ => return Ok(()),
    ///     },
    /// };
    /// std::fs::write(path, state.to_string())?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// Errors: as [`select`](Self::select) and [`uid_search`](Self::uid_search);
    /// [`Error::Protocol`] when the server does not say the mailbox's UIDVALIDITY.
    pub fn sync_start(&mut self, mailbox: impl Into<MailboxName>) -> Result<SyncState> {
        let name = mailbox.into();
        let condstore = {
            let caps = self.capabilities()?;
            caps.has("CONDSTORE") || caps.has("QRESYNC")
        };
        let mb = if condstore {
            self.select_condstore(name)?
        } else {
            self.select(name)?
        };
        let uid_validity = mb.uid_validity().filter(|&v| v > 0).ok_or_else(|| {
            Error::Protocol("the server did not say the mailbox's UIDVALIDITY".into())
        })?;
        let known = self.all_uids(&mb)?;
        let uid_next = mb.uid_next().unwrap_or_else(|| {
            known
                .ranges()
                .last()
                .map_or(1, |r| r.end().saturating_add(1))
        });
        Ok(SyncState {
            uid_validity,
            uid_next,
            highest_modseq: mb.highest_modseq(),
            known,
        })
    }

    /// Every UID of the selected mailbox `mb` (none asked for when it is empty).
    fn all_uids(&mut self, mb: &crate::state::Mailbox) -> Result<SequenceSet> {
        if mb.exists() == 0 {
            return Ok(SequenceSet::new());
        }
        Ok(self.uid_search(&Search::all())?.into_iter().collect())
    }

    /// Selects `mailbox` and reports what changed since `state` (from an earlier run, or
    /// [`sync_state`](Self::sync_state)): with QRESYNC (RFC 7162) the expunged UIDs and the
    /// changed flags in one round trip; with CONDSTORE the changed flags (`CHANGEDSINCE`);
    /// and always the messages that arrived (UIDs at or above the old UIDNEXT). Expunges are
    /// also found without QRESYNC when `state.known` holds the UIDs the caller has (one UID
    /// SEARCH). If UIDVALIDITY changed, that is all it reports ([`Resumed::UidValidityChanged`]).
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use blocking_imap::{Resumed, SyncState};
    /// let saved = std::fs::read_to_string("inbox.state")?;
    /// let state: SyncState = saved.trim().parse()?;
    /// match session.resume("INBOX", &state)? {
    ///     Resumed::Changes(c) => {
    ///         println!("{} new, {} gone", c.new.len(), c.vanished.len());
    ///         std::fs::write("inbox.state", c.state.to_string())?;
    ///     }
    ///     Resumed::UidValidityChanged { state, .. } => {
    ///         println!("the mailbox was rebuilt: start over");
    ///         std::fs::write("inbox.state", state.to_string())?;
    ///     }
    ///     _ => {}
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// Errors: as [`select`](Self::select), [`uid_search`](Self::uid_search) and
    /// [`uid_fetch`](Self::uid_fetch).
    pub fn resume(
        &mut self,
        mailbox: impl Into<MailboxName>,
        state: &SyncState,
    ) -> Result<Resumed> {
        self.resume_with(mailbox.into(), state, false)
    }

    fn resume_with(
        &mut self,
        mailbox: MailboxName,
        state: &SyncState,
        read_only: bool,
    ) -> Result<Resumed> {
        let (qresync, condstore) = {
            let caps = self.capabilities()?;
            (
                caps.has("QRESYNC") && !read_only,
                caps.has("CONDSTORE") || caps.has("QRESYNC"),
            )
        };
        let mut changes = Changes::default();
        let mb = match state.highest_modseq {
            Some(modseq) if qresync && state.uid_validity != 0 => {
                if self.mailbox().is_selected() {
                    // QRESYNC must be enabled with no mailbox selected (RFC 7162 3.2.3).
                    if !self.is_enabled("QRESYNC") {
                        self.unselect_or_close()?;
                    }
                }
                let known = (!state.known.is_empty()).then_some(&state.known);
                let (mb, resync) =
                    self.select_qresync(mailbox.clone(), state.uid_validity, modseq, known)?;
                if mb.uid_validity() == Some(state.uid_validity) {
                    changes.vanished = resync.vanished().clone();
                    changes.vanished_known = true;
                    changes.changed = resync.changed().to_vec();
                    changes.changed_known = true;
                }
                mb
            }
            Some(_) if condstore && !read_only => self.select_condstore(mailbox.clone())?,
            _ if read_only => self.examine(mailbox.clone())?,
            _ => self.select(mailbox.clone())?,
        };
        let now_validity = mb.uid_validity().unwrap_or(0);
        let fresh_state = |mb: &crate::state::Mailbox, known: SequenceSet| SyncState {
            uid_validity: mb.uid_validity().unwrap_or(0),
            uid_next: mb.uid_next().unwrap_or(1),
            highest_modseq: mb.highest_modseq(),
            known,
        };
        if now_validity != state.uid_validity {
            // The state for the next run holds the new mailbox's UIDs, as a first run would.
            let known = self.all_uids(&mb)?;
            return Ok(Resumed::UidValidityChanged {
                old: state.uid_validity,
                new: now_validity,
                state: fresh_state(&mb, known),
            });
        }
        // Flag changes with CONDSTORE (QRESYNC reported them already).
        if let (false, Some(modseq), true) =
            (changes.changed_known, state.highest_modseq, condstore)
        {
            if mb.exists() > 0 {
                let items = FetchItems::new()
                    .uid()
                    .flags()
                    .modseq()
                    .changed_since(modseq);
                changes.changed = self.uid_fetch(SequenceSet::from(1..), &items)?.into_vec()?;
            }
            changes.changed_known = true;
        }
        // The UIDs the caller can hold: below the old UIDNEXT (a state made with
        // `SyncState::new` may claim more; those never existed, so they cannot have vanished).
        let held = state
            .known
            .difference(&SequenceSet::from(state.uid_next.max(1)..));
        // Expunges from the known UIDs, with one SEARCH.
        if !changes.vanished_known && !held.is_empty() {
            let present: SequenceSet = if mb.exists() == 0 {
                SequenceSet::new()
            } else {
                self.uid_search(&Search::all().uid(held.clone()))?
                    .into_iter()
                    .collect()
            };
            changes.vanished = held.difference(&present);
            changes.vanished_known = true;
        }
        // New messages: UIDs at or above the old UIDNEXT (`n:*` also matches the highest
        // UID below n, so filter).
        if mb.exists() > 0 && mb.uid_next().unwrap_or(0) > state.uid_next {
            changes.new = self
                .uid_search(&Search::all().uid(SequenceSet::from(state.uid_next.max(1)..)))?
                .into_iter()
                .filter(|u| u.0 >= state.uid_next)
                .collect();
            changes.new.sort_unstable();
        }
        // Range by range: a known set of `1:4000000` costs one range, not four million UIDs.
        let mut known = held.difference(&changes.vanished);
        known.extend(changes.new.iter().copied());
        changes.state = fresh_state(&mb, known);
        Ok(Resumed::Changes(changes))
    }

    /// Leaves the selected mailbox without expunging (UNSELECT, or EXAMINE of nothing...).
    pub(crate) fn unselect_or_close(&mut self) -> Result<()> {
        if self.capabilities()?.has("UNSELECT") {
            self.unselect()
        } else {
            // CLOSE would expunge \Deleted messages of a read-write mailbox: re-open it
            // read-only first, so CLOSE expunges nothing.
            if let Some(name) = self.mailbox().name().cloned() {
                self.examine(name)?;
            }
            self.close()
        }
    }

    /// Runs `op`, and whenever the connection breaks while it runs, reconnects (with the
    /// builder's [`ReconnectPolicy`](crate::ReconnectPolicy), the job's mailbox selected
    /// again) and runs it again, until it finishes — as long as every command it sent is
    /// safe to send again. The library judges that for each command it sends, not the
    /// caller:
    ///
    /// - repeated: reads (FETCH, SEARCH, STATUS, LIST...), flag changes and expunges by UID
    ///   (UID STORE, UID EXPUNGE), UID MOVE with MOVE (atomic), SELECT, mailbox management;
    /// - exactly once: APPEND and UID COPY (so also UID MOVE on a server without MOVE, which
    ///   copies, flags and expunges). One that completed before the cut is not sent again
    ///   (its result is kept); one whose completion the cut swallowed is looked for in its
    ///   target by Message-ID, among the UIDs at or above the target's UIDNEXT before it ran,
    ///   and sent again only if absent. This rests on Message-IDs being unique in the target
    ///   and on COPY and MULTIAPPEND being atomic (RFC 3501, RFC 3502);
    /// - never repeated: STORE, COPY, MOVE and EXPUNGE by sequence numbers (the numbers
    ///   shift; a second run could hit other messages), EXPUNGE and CLOSE.
    ///
    /// When a command cannot be repeated, or the outcome of an APPEND / UID COPY cannot be
    /// known (a message without a Message-ID), or the mailbox's UIDVALIDITY changed across
    /// the reconnect, the call returns [`Error::Interrupted`] saying which and what is known.
    /// `operation` states the caller's intent and can only make this stricter:
    /// [`Operation::ExpungeOrMoveBySeq`] is never run again. Runs go on while they make
    /// progress (a command completes, or a UID FETCH receives a message: a UID FETCH run
    /// again asks only for the UIDs not yet received and gives the others back first, so a
    /// long read finishes even when the link drops every few kilobytes; what it keeps for
    /// that is bounded by the command result budget); after `max_attempts` runs in a row
    /// without any, or
    /// `max_total` without progress, the last error comes back. Each retry is logged at INFO.
    /// Errors that are not a broken connection (a NO, say) come back as they are. A
    /// `retrying` inside another is part of the outer one.
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// # let messages: Vec<Vec<u8>> = vec![];
    /// use blocking_imap::{FetchItems, Operation};
    /// let items = FetchItems::new().uid().flags();
    /// let all = session.retrying(Operation::Fetch, |s| s.uid_fetch(1.., &items)?.into_vec())?;
    /// // Each message lands once, however often the link drops.
    /// session.retrying(Operation::Job, |s| {
    ///     for m in &messages {
    ///         s.append("Archive", m)?;
    ///     }
    ///     Ok(())
    /// })?;
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    pub fn retrying<T>(
        &mut self,
        operation: Operation,
        mut op: impl FnMut(&mut Session) -> Result<T>,
    ) -> Result<T> {
        if self.journal.is_some() {
            // Inside another `retrying`: that one handles the cuts.
            return op(self);
        }
        self.journal = Some(Journal::default());
        self.conn.reads = Some(Reads::default());
        let result = self.retry_runs(operation, &mut op);
        self.journal = None;
        self.conn.sent = None;
        self.conn.reads = None;
        result
    }

    fn retry_runs<T>(
        &mut self,
        operation: Operation,
        op: &mut dyn FnMut(&mut Session) -> Result<T>,
    ) -> Result<T> {
        let policy = self
            .reconnect
            .as_ref()
            .map(|r| r.builder.reconnect.clone())
            .unwrap_or_default();
        let interrupted = |what: String, e: Error| Error::Interrupted {
            operation: what,
            source: Box::new(e),
        };
        // Runs (and failed recoveries) in a row without a completed command, and since when.
        let mut fruitless = 0u32;
        let mut since = Instant::now();
        let mut run = 0u32;
        loop {
            run += 1;
            self.conn.sent = Some(RunLog::default());
            let received = self.conn.reads.as_ref().map_or(0, |r| r.count);
            let result = op(self);
            let sent = self.conn.sent.take().unwrap_or_default();
            let progress =
                sent.progress || self.conn.reads.as_ref().map_or(0, |r| r.count) > received;
            let e = match result {
                Err(e) if e.is_broken() && self.can_reconnect() => e,
                other => return other,
            };
            if operation == Operation::ExpungeOrMoveBySeq {
                return Err(interrupted(format!("{operation:?}"), e));
            }
            if let Some(name) = sent.once {
                return Err(interrupted(
                    format!(
                        "{name} (by sequence numbers, or a command the library cannot tell is \
                         safe to repeat)"
                    ),
                    e,
                ));
            }
            if progress {
                fruitless = 0;
                since = Instant::now();
            }
            // A recovery that breaks too is one more turn without progress.
            loop {
                fruitless += 1;
                if fruitless > policy.max_attempts || since.elapsed() > policy.max_total {
                    return Err(e);
                }
                info!("{operation:?} interrupted ({e}): reconnecting to go on (run {run})");
                match self.recover(&sent) {
                    Ok(None) => break,
                    Ok(Some(unknown)) => return Err(interrupted(unknown, e)),
                    Err(again) if again.is_broken() || worth_retrying(&again) => {
                        info!("recovering from the cut failed ({again}): trying again");
                    }
                    Err(again) => return Err(again),
                }
            }
        }
    }

    /// After a cut: reconnects, checks the mailbox is the same one (UIDVALIDITY), and finds
    /// out what the interrupted APPEND / UID COPY did. `Some(why)` when the job cannot go on
    /// safely.
    fn recover(&mut self, sent: &RunLog) -> Result<Option<String>> {
        let back = self.connect_again()?;
        let uid_addressed = sent.uid_addressed;
        // A cut while the library looked into another mailbox for a pending command's
        // result: the reconnect selected that one; the job's own comes back first, and its
        // UIDVALIDITY is checked against the one it had.
        let detour = self.journal.as_ref().and_then(|j| j.detour.clone());
        if let Some(Detour { job }) = detour {
            self.back_to(job.as_ref())?;
            if let Some(j) = self.journal.as_mut() {
                j.detour = None;
            }
            let now = self.mailbox().uid_validity();
            if let Some((_, _, Some(old))) = job {
                if uid_addressed && now != Some(old) {
                    return Ok(Some(format!(
                        "UID commands: the mailbox's UIDVALIDITY changed across the reconnect \
                         ({old} -> {}), so the UIDs the job holds no longer name the same \
                         messages",
                        now.unwrap_or(0)
                    )));
                }
            }
        } else if let Some(Resumed::UidValidityChanged { old, new, .. }) = &back.resumed {
            if uid_addressed {
                return Ok(Some(format!(
                    "UID commands: the mailbox's UIDVALIDITY changed across the reconnect \
                     ({old} -> {new}), so the UIDs the job holds no longer name the same \
                     messages"
                )));
            }
        }
        let pending = self.journal.as_ref().and_then(|j| j.pending.clone());
        let Some(pending) = pending else {
            return Ok(None);
        };
        match self.resolve_pending(&pending)? {
            Outcome::Done | Outcome::NotDone => {
                if let Some(j) = self.journal.as_mut() {
                    j.pending = None;
                }
                Ok(None)
            }
            Outcome::Unknown(why) => Ok(Some(why)),
        }
    }
}

/// A new logged-in session with the settings and login of `info`, with `enabled` enabled
/// again.
fn new_session(info: &Reconnect, enabled: &[String]) -> Result<Session> {
    let client = info.builder.connect()?;
    let mut session = match &info.login {
        Login::Password { user, password } => client.login(user, password),
        // The same factory, shared: no wrapper per reconnect.
        Login::Mechanism(make) => client.authenticate_shared(make.clone()),
        Login::Preauth => client.preauthenticated(),
        Login::None => {
            return Err(Error::InvalidArgument(
                "no way to authenticate again".into(),
            ))
        }
    }
    .map_err(|e| e.error)?;
    // IMAP4rev2 is enabled again by the login itself (`ClientBuilder::imap4rev2`).
    let enabled: Vec<&String> = enabled
        .iter()
        .filter(|e| !e.eq_ignore_ascii_case("IMAP4rev2"))
        .collect();
    if !enabled.is_empty() {
        let names: Vec<&str> = enabled.iter().map(|e| e.as_str()).collect();
        session.enable(&names)?;
    }
    Ok(session)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_state_text_round_trip() {
        let s = SyncState::new(7, 100, None, SequenceSet::new());
        assert_eq!(s.to_string(), "uidvalidity=7 uidnext=100 known=");
        assert_eq!(s.to_string().parse::<SyncState>().unwrap(), s);
        let s = SyncState::new(7, 100, Some(5), SequenceSet::from([1, 2, 3, 9]));
        assert_eq!(s.to_string().parse::<SyncState>().unwrap(), s);
        for bad in [
            "",
            "uidvalidity=x uidnext=1",
            "uidnext=1",
            "foo=1 uidvalidity=1 uidnext=1",
            "uidvalidity=1 uidnext=2 known=a",
            // RFC 3501 2.3.1.1: UIDVALIDITY and UIDNEXT are non-zero.
            "uidvalidity=0 uidnext=5",
            "uidvalidity=1 uidnext=0",
            // What `SequenceSet::from(1..)` prints: a held-UID set has no `*`.
            "uidvalidity=1 uidnext=5 known=1:*",
            "uidvalidity=1 uidnext=5 known=*",
            // Reversed ranges, 0, signs, repeated keys, UIDs that cannot exist yet.
            "uidvalidity=1 uidnext=50 known=9:1",
            "uidvalidity=1 uidnext=50 known=0:3",
            "uidvalidity=1 uidnext=50 known=+3",
            "uidvalidity=1 uidnext=50 uidnext=60",
            "uidvalidity=1 uidvalidity=2 uidnext=50",
            "uidvalidity=1 uidnext=50 known=1 known=2",
            "uidvalidity=1 uidnext=50 known=1:50",
            "uidvalidity=+1 uidnext=50",
        ] {
            let e = bad.parse::<SyncState>().unwrap_err();
            assert!(
                e.to_string().starts_with("invalid argument"),
                "{bad:?}: {e}"
            );
        }
        // Ranges stay ranges: a known set of four billion UIDs is one range.
        let s: SyncState = "uidvalidity=3 uidnext=4294967295 known=1:4294967294"
            .parse()
            .unwrap();
        assert_eq!(s.known.ranges().len(), 1);
        assert_eq!(s.known.len(), 4_294_967_294);
    }

    #[test]
    fn what_is_safe_to_retry() {
        for safe in [
            Operation::Fetch,
            Operation::Search,
            Operation::Query,
            Operation::Noop,
            Operation::Select,
            Operation::StoreFlags,
            Operation::UidExpunge,
            Operation::UidMove,
            Operation::Mailbox,
        ] {
            assert!(safe.is_idempotent(), "{safe:?}");
        }
        for unsafe_ in [
            Operation::Append,
            Operation::Copy,
            Operation::ExpungeOrMoveBySeq,
        ] {
            assert!(!unsafe_.is_idempotent(), "{unsafe_:?}");
        }
    }

    #[test]
    fn jitter_stays_within_a_quarter() {
        let mut seed = 12345;
        for _ in 0..1000 {
            let d = jitter(Duration::from_millis(1000), &mut seed);
            assert!(
                d >= Duration::from_millis(750) && d <= Duration::from_millis(1250),
                "{d:?}"
            );
        }
    }
}
