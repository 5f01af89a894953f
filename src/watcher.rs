//! Watching a whole account (or a list of mailboxes) for new mail, expunges, flag changes
//! and mailboxes created, deleted or renamed: [`AccountWatcher`]. With NOTIFY (RFC 5465)
//! one connection does it all; without, IDLE on one mailbox and a rotating STATUS poll of
//! the others. A layer above [`Session`], like `reconnect.rs`: it survives reconnects.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::time::{Duration, Instant};

use log::{debug, info, warn};

use crate::error::{Error, Result};
use crate::session::Session;
use crate::state::Unsolicited;
use crate::types::idle::{IdleControl, DEFAULT_POLL_INTERVAL};
use crate::types::notify::{NotifyEvent, NotifyMailboxes, NotifySet};
use crate::types::{MailboxName, MailboxStatus, Name, NameAttribute, StatusItem, StatusKind};

/// Which mailboxes an [`AccountWatcher`] watches.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Watch {
    /// Every mailbox of the account: with NOTIFY its `PERSONAL` mailboxes (those the
    /// server answers `NOTIFY SET STATUS` for); without, every selectable mailbox
    /// `LIST "" "*"` names, listed again now and then to see mailboxes come and go.
    All,
    /// These mailboxes (NOTIFY's `MAILBOXES`). One that does not exist yet is watched
    /// too, and reported [`Created`](AccountEventKind::Created) when it comes.
    Mailboxes(Vec<MailboxName>),
}

/// How an [`AccountWatcher`] works: built with [`WatchSettings::new`] and its setters.
#[derive(Debug, Clone)]
pub struct WatchSettings {
    poll_interval: Duration,
    list_interval: Duration,
    max_connections: usize,
    notify: bool,
    idle_mailbox: MailboxName,
}

impl Default for WatchSettings {
    fn default() -> Self {
        WatchSettings {
            poll_interval: Duration::from_secs(60),
            list_interval: Duration::from_secs(300),
            max_connections: 2,
            notify: true,
            idle_mailbox: MailboxName::from("INBOX"),
        }
    }
}

impl WatchSettings {
    /// The defaults: NOTIFY when offered; else IDLE on INBOX, every other mailbox polled
    /// once a minute, the mailbox list read again every 5 minutes, up to 2 connections.
    pub fn new() -> Self {
        WatchSettings::default()
    }

    /// Without NOTIFY: each mailbox other than the IDLE one gets a STATUS once in this
    /// time. The polls are spread evenly over it, in rounds at most once a second (each
    /// round ends the IDLE), each round as many mailboxes as that takes. Default 60 s; at
    /// least 100 ms.
    pub fn poll_interval(mut self, every: Duration) -> Self {
        self.poll_interval = every.max(Duration::from_millis(100));
        self
    }

    /// How often the watcher looks at the whole account again. Without NOTIFY and with
    /// [`Watch::All`]: the mailbox list is read again to see mailboxes created and deleted
    /// (a rename shows as one deleted and one created). With NOTIFY: `NOTIFY SET STATUS`
    /// is sent again and every counter compared, a safety net for an event the server
    /// failed to send (Dovecot 2.3 can miss mail put into a mailbox the moment it is
    /// created, and can stop sending mailbox name events on a connection: when the net
    /// finds a mailbox created or deleted unreported, the watcher takes a new connection).
    /// Default 5 minutes; at least 100 ms.
    pub fn list_interval(mut self, every: Duration) -> Self {
        self.list_interval = every.max(Duration::from_millis(100));
        self
    }

    /// How many connections the watcher may hold (default 2, at least 1). With NOTIFY it
    /// uses one. Without, a second one runs the STATUS polls and the LISTs, so that the
    /// IDLE connection keeps its mailbox selected and sends nothing but IDLE; with 1 they
    /// run on the IDLE connection. Either way everything runs on the caller's thread, so
    /// the IDLE is ended (DONE) for each round of polls, at most once a second.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// Use NOTIFY when the server offers it (default `true`); `false` forces the IDLE and
    /// STATUS poll way.
    pub fn use_notify(mut self, yes: bool) -> Self {
        self.notify = yes;
        self
    }

    /// Without NOTIFY: the mailbox watched with IDLE (default INBOX). When it is not among
    /// the watched ones it is still opened (read-only) to wait on, and its news is not
    /// reported.
    pub fn idle_mailbox(mut self, mailbox: impl Into<MailboxName>) -> Self {
        self.idle_mailbox = mailbox.into();
        self
    }
}

/// One change an [`AccountWatcher`] saw.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccountEvent {
    /// The mailbox (for a rename, its new name).
    pub mailbox: MailboxName,
    /// What happened.
    pub kind: AccountEventKind,
}

impl AccountEvent {
    /// An event (for tests and for callers that merge events of their own).
    pub fn new(mailbox: impl Into<MailboxName>, kind: AccountEventKind) -> Self {
        AccountEvent {
            mailbox: mailbox.into(),
            kind,
        }
    }
}

/// What happened to a mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccountEventKind {
    /// `count` messages arrived (told by UIDNEXT where the server reports it, else by the
    /// message count).
    NewMail {
        /// How many.
        count: u32,
    },
    /// `count` messages were expunged.
    Expunged {
        /// How many.
        count: u32,
    },
    /// Flags of some messages changed (told by UNSEEN or HIGHESTMODSEQ moving, or by a
    /// FETCH on the IDLE mailbox).
    FlagsChanged,
    /// The mailbox was created.
    Created,
    /// The mailbox was deleted.
    Deleted,
    /// The mailbox was renamed from `from` (only with NOTIFY: the fallback sees a deleted
    /// and a created mailbox).
    Renamed {
        /// The old name.
        from: MailboxName,
    },
}

impl fmt::Display for AccountEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            AccountEventKind::NewMail { count } => {
                write!(f, "{}: {count} new message(s)", self.mailbox)
            }
            AccountEventKind::Expunged { count } => {
                write!(f, "{}: {count} message(s) expunged", self.mailbox)
            }
            AccountEventKind::FlagsChanged => write!(f, "{}: flags changed", self.mailbox),
            AccountEventKind::Created => write!(f, "{}: created", self.mailbox),
            AccountEventKind::Deleted => write!(f, "{}: deleted", self.mailbox),
            AccountEventKind::Renamed { from } => {
                write!(f, "{}: renamed from {from}", self.mailbox)
            }
        }
    }
}

/// The counters last seen of one mailbox; all `None` before the first STATUS.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counters {
    messages: Option<u32>,
    uid_next: Option<u32>,
    uid_validity: Option<u32>,
    unseen: Option<u32>,
    modseq: Option<u64>,
}

impl Counters {
    /// A mailbox just created: empty.
    fn empty() -> Self {
        Counters {
            messages: Some(0),
            ..Counters::default()
        }
    }

    fn known(&self) -> bool {
        self.messages.is_some() || self.uid_next.is_some()
    }

    fn from_status(st: &MailboxStatus) -> Self {
        let mut c = Counters::default();
        c.merge(st);
        c
    }

    /// Takes every counter the STATUS carries (NOTIFY sends only some).
    fn merge(&mut self, st: &MailboxStatus) {
        self.messages = st.messages().or(self.messages);
        self.uid_next = st.uid_next().or(self.uid_next);
        self.uid_validity = st.uid_validity().or(self.uid_validity);
        self.unseen = st.unseen().or(self.unseen);
        self.modseq = st.highest_modseq().or(self.modseq);
    }

    /// What changed from `self` to `new` (merged from a STATUS over `self`).
    fn diff(&self, new: &Counters) -> Vec<AccountEventKind> {
        let mut out = Vec::new();
        if !self.known() {
            return out;
        }
        if matches!((self.uid_validity, new.uid_validity), (Some(a), Some(b)) if a != b) {
            // The mailbox was rebuilt: its counters start over; nothing to compare.
            return out;
        }
        let arrived = match (self.uid_next, new.uid_next) {
            (Some(a), Some(b)) => b.saturating_sub(a),
            _ => match (self.messages, new.messages) {
                (Some(a), Some(b)) => b.saturating_sub(a),
                _ => 0,
            },
        };
        let expunged = match (self.messages, new.messages) {
            (Some(a), Some(b)) => a.saturating_add(arrived).saturating_sub(b),
            _ => 0,
        };
        if arrived > 0 {
            out.push(AccountEventKind::NewMail { count: arrived });
        }
        if expunged > 0 {
            out.push(AccountEventKind::Expunged { count: expunged });
        }
        // Only counters known on both sides tell: a baseline without UNSEEN (a mailbox
        // just created) says nothing of flags.
        let flags = matches!((self.unseen, new.unseen), (Some(a), Some(b)) if a != b)
            || matches!((self.modseq, new.modseq), (Some(a), Some(b)) if b > a);
        if out.is_empty() && flags {
            out.push(AccountEventKind::FlagsChanged);
        }
        out
    }
}

/// The shortest time between two rounds of STATUS polls (each ends an IDLE), unless the
/// poll interval itself is shorter.
const MIN_POLL_STEP: Duration = Duration::from_secs(1);

/// At most this many mailboxes are tracked: a server that reports more (STATUS or LIST news
/// for ever new names) cannot make the watcher's table grow without end. News of a mailbox
/// beyond it is dropped, with a warning.
const MAX_MAILBOXES: usize = 100_000;

/// May `name` be tracked in `known` (already there, or room left under `max`)?
fn room_for(known: &HashMap<MailboxName, Counters>, name: &MailboxName, max: usize) -> bool {
    known.contains_key(name) || known.len() < max
}

/// The time between two rounds of STATUS polls over `n` mailboxes, and how many mailboxes
/// each round takes, so that each is polled once per `interval`. Each round ends an IDLE,
/// so rounds come at most once per [`MIN_POLL_STEP`] (or once per interval, when that is
/// shorter).
fn poll_plan(n: usize, interval: Duration) -> (Duration, usize) {
    let parts = u32::try_from(n.max(1)).unwrap_or(u32::MAX);
    let step = (interval / parts).max(interval.min(MIN_POLL_STEP));
    // ceil(n * step / interval), in whole milliseconds: at least one, at most all.
    let k = (n as u128 * step.as_millis()).div_ceil(interval.as_millis().max(1));
    (step, usize::try_from(k).unwrap_or(n).clamp(1, n.max(1)))
}

/// Makes a new logged-in session for the watcher.
type Connect = Box<dyn FnMut() -> Result<Session> + Send>;

/// Which connection an error came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Main,
    Poller,
}

/// Watches a whole account, or a list of mailboxes, for new mail, expunges, flag changes
/// and mailboxes created, deleted or renamed, and hands each change out as an
/// [`AccountEvent`] from [`next_event`](AccountWatcher::next_event).
///
/// - With NOTIFY (RFC 5465, when the server offers it and
///   [`WatchSettings::use_notify`] allows): one connection, `NOTIFY SET STATUS` for
///   `PERSONAL` (or the mailboxes given) with `MessageNew MessageExpunge FlagChange
///   MailboxName`, then IDLE until the server reports something. Changes are seen as they
///   happen, renames included. Every [`WatchSettings::list_interval`] the set is sent
///   again and every counter compared: a safety net for events the server failed to send
///   (then a rename shows as a delete and a create).
/// - Without: IDLE on one mailbox ([`WatchSettings::idle_mailbox`], INBOX by default) and a
///   rotating STATUS (MESSAGES UIDNEXT UIDVALIDITY UNSEEN, and HIGHESTMODSEQ with
///   CONDSTORE) of the others, spread in rounds so that each is polled once per
///   [`WatchSettings::poll_interval`], on a second connection when
///   [`WatchSettings::max_connections`] allows; changes are found by comparing each
///   STATUS with the one before. With [`Watch::All`] the mailbox list is read again every
///   [`WatchSettings::list_interval`].
///
/// Everything runs on the calling thread, inside `next_event`: no thread, no channel. Call
/// it with a long timeout: each return ends an IDLE, and changes made between two IDLEs
/// reach the watcher with the next one (servers report them then, or the counters do).
///
/// A dropped connection or a server's BYE is survived: the connection is made again
/// ([`Session::reconnect`] with its [`ReconnectPolicy`](crate::ReconnectPolicy) when the
/// session can, else the `connect` closure), NOTIFY is set again and the counters read
/// then are compared with the last known ones, so what happened while away is reported
/// (as counts: mail that came and went meanwhile is not seen). A cancel
/// ([`CancelHandle::cancel`](crate::CancelHandle::cancel) on a handle given to the
/// builders with [`ClientBuilder::cancel_with`](crate::ClientBuilder::cancel_with)) stops
/// it with [`Error::Cancelled`].
///
/// ```no_run
/// use std::time::Duration;
/// use blocking_imap::{AccountWatcher, ClientBuilder, Watch, WatchSettings};
/// let builder = ClientBuilder::new("imap.example.com", 993);
/// let connect = move || builder.connect()?.login("me", "secret").map_err(|e| e.error);
/// let mut watcher = AccountWatcher::new(connect, Watch::All, WatchSettings::new())?;
/// loop {
///     if let Some(event) = watcher.next_event(Duration::from_secs(600))? {
///         println!("{event}");
///     }
/// }
/// # Ok::<(), blocking_imap::Error>(())
/// ```
pub struct AccountWatcher {
    connect: Connect,
    main: Session,
    poller: Option<Session>,
    watch: Watch,
    settings: WatchSettings,
    notify: bool,
    /// Every watched mailbox known to exist, with its last counters.
    known: HashMap<MailboxName, Counters>,
    /// The poll's rotation: the watched mailboxes other than the IDLE one.
    rotation: Vec<MailboxName>,
    next_in_rotation: usize,
    next_poll: Instant,
    next_list: Instant,
    /// The IDLE mailbox's counters (without NOTIFY).
    idle_counters: Counters,
    /// The connection the step under way uses: the one to make again when it fails.
    using: Which,
    pending: VecDeque<AccountEvent>,
}

impl fmt::Debug for AccountWatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountWatcher")
            .field("watch", &self.watch)
            .field("settings", &self.settings)
            .field("notify", &self.notify)
            .field("mailboxes", &self.known.len())
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

fn recoverable(e: &Error) -> bool {
    e.is_broken() || e.is_closed()
}

impl AccountWatcher {
    /// Connects (with `connect`, which returns a logged-in session; it is called again for
    /// a second connection and when a session cannot [`reconnect`](Session::reconnect)
    /// itself), reads the mailboxes and their counters, and starts watching.
    ///
    /// Errors: `connect`'s errors; [`Error::No`] when a mailbox of
    /// [`Watch::Mailboxes`] does not exist and the server refuses NOTIFY for it, or when
    /// the IDLE mailbox cannot be opened (without NOTIFY); connection errors.
    pub fn new(
        connect: impl FnMut() -> Result<Session> + Send + 'static,
        watch: Watch,
        settings: WatchSettings,
    ) -> Result<AccountWatcher> {
        let mut connect: Connect = Box::new(connect);
        let mut main = connect()?;
        let notify = settings.notify && main.capabilities()?.has("NOTIFY");
        let now = Instant::now();
        let mut w = AccountWatcher {
            connect,
            main,
            poller: None,
            watch,
            settings,
            notify,
            known: HashMap::new(),
            rotation: Vec::new(),
            next_in_rotation: 0,
            next_poll: now,
            next_list: now,
            idle_counters: Counters::default(),
            using: Which::Main,
            pending: VecDeque::new(),
        };
        if w.notify {
            w.start_notify(false).map(drop)?;
        } else {
            w.list_mailboxes(false)?;
            w.start_fallback()?;
        }
        // What came while starting is the baseline, not news.
        w.pending.clear();
        info!(
            "watching {} mailbox(es) {}",
            w.known.len(),
            if w.notify {
                "with NOTIFY"
            } else {
                "with IDLE and STATUS polls"
            }
        );
        Ok(w)
    }

    /// Does the watcher use NOTIFY (else IDLE and STATUS polls)?
    pub fn uses_notify(&self) -> bool {
        self.notify
    }

    /// How many connections it holds now (1 or 2).
    pub fn connections(&self) -> usize {
        1 + usize::from(self.poller.is_some())
    }

    /// The watched mailboxes known to exist, in no order.
    pub fn mailboxes(&self) -> impl Iterator<Item = &MailboxName> + '_ {
        self.known.keys()
    }

    /// The session that idles (for its [`cancel_handle`](Session::cancel_handle), say).
    pub fn session(&self) -> &Session {
        &self.main
    }

    /// The next change, waiting up to `timeout` for one; `None` when none came in time.
    /// Changes that come together (one STATUS that says 3 new and 1 expunged) are handed
    /// out one per call, in order.
    ///
    /// Errors: [`Error::Cancelled`] after a cancel; the reconnect's error when a dropped
    /// connection could not be made again; [`Error::No`] / [`Error::Bad`] when the server
    /// refuses one of the watcher's commands. After an error the watcher may be called
    /// again (a later call tries to reconnect again).
    pub fn next_event(&mut self, timeout: Duration) -> Result<Option<AccountEvent>> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(e) = self.pending.pop_front() {
                return Ok(Some(e));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            let step = if self.notify {
                self.step_notify(deadline)
            } else {
                self.step_fallback(deadline)
            };
            if let Err(e) = step {
                if !recoverable(&e) {
                    return Err(e);
                }
                info!("watcher: connection lost ({e}); connecting again");
                self.recover(self.using)?;
            }
        }
    }

    /// Is the mailbox one the caller asked to watch?
    fn watched(&self, name: &MailboxName) -> bool {
        match &self.watch {
            Watch::All => true,
            Watch::Mailboxes(list) => list.contains(name),
        }
    }

    /// [`room_for`] under [`MAX_MAILBOXES`], warning when there is none.
    fn has_room(&self, name: &MailboxName) -> bool {
        let room = room_for(&self.known, name, MAX_MAILBOXES);
        if !room {
            warn!("watcher: more than {MAX_MAILBOXES} mailboxes; news of {name} dropped");
        }
        room
    }

    fn event(&mut self, mailbox: MailboxName, kind: AccountEventKind) {
        debug!("watcher: {mailbox}: {kind:?}");
        self.pending.push_back(AccountEvent { mailbox, kind });
    }

    /// A STATUS: compared with the last one of the mailbox, then kept.
    fn on_status(&mut self, st: &MailboxStatus) {
        let name = st.name().clone();
        if !self.watched(&name) || !self.has_room(&name) {
            return;
        }
        let old = self.known.get(&name).copied().unwrap_or_default();
        let mut new = old;
        new.merge(st);
        if matches!((old.uid_validity, new.uid_validity), (Some(a), Some(b)) if a != b) {
            new = Counters::from_status(st);
        }
        for kind in old.diff(&new) {
            self.event(name.clone(), kind);
        }
        self.known.insert(name, new);
    }

    /// Without NOTIFY: reads the mailbox list, the first time quietly, later reporting
    /// mailboxes created (each gets a STATUS at once: its baseline) and deleted.
    fn list_mailboxes(&mut self, report: bool) -> Result<()> {
        let names: Vec<MailboxName> = match &self.watch {
            Watch::Mailboxes(list) => {
                if report {
                    return Ok(());
                }
                list.clone()
            }
            Watch::All => {
                let session = self.poller.as_mut().unwrap_or(&mut self.main);
                session
                    .list("", "*")?
                    .into_iter()
                    .filter(Name::is_selectable)
                    .map(|n| n.name().clone())
                    .collect()
            }
        };
        if report {
            let listed: HashSet<&MailboxName> = names.iter().collect();
            let gone: Vec<MailboxName> = self
                .known
                .keys()
                .filter(|k| !listed.contains(k))
                .cloned()
                .collect();
            for name in gone {
                self.known.remove(&name);
                self.event(name, AccountEventKind::Deleted);
            }
            for name in &names {
                if !self.known.contains_key(name) {
                    self.known.insert(name.clone(), Counters::default());
                    self.event(name.clone(), AccountEventKind::Created);
                    if name != &self.settings.idle_mailbox {
                        let items = self.status_items()?;
                        let session = self.poller.as_mut().unwrap_or(&mut self.main);
                        if let Ok(st) = session.status(name.clone(), &items) {
                            self.known.insert(name.clone(), Counters::from_status(&st));
                        }
                    }
                }
            }
        } else {
            for name in names {
                self.known.entry(name).or_default();
            }
        }
        self.rebuild_rotation();
        Ok(())
    }

    /// The mailboxes to poll: every known one ([`Watch::All`]) or every one asked for,
    /// existing or not (so that one created later is seen), less the IDLE mailbox.
    fn rebuild_rotation(&mut self) {
        let idle = &self.settings.idle_mailbox;
        let all: Vec<&MailboxName> = match &self.watch {
            Watch::All => self.known.keys().collect(),
            Watch::Mailboxes(list) => list.iter().collect(),
        };
        self.rotation = all.into_iter().filter(|k| *k != idle).cloned().collect();
        self.rotation.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    }

    // ---- with NOTIFY --------------------------------------------------------------

    fn notify_set(&self) -> NotifySet {
        let events = [
            NotifyEvent::message_new(),
            NotifyEvent::MessageExpunge,
            NotifyEvent::FlagChange,
            NotifyEvent::MailboxName,
        ];
        let mailboxes = match &self.watch {
            Watch::All => NotifyMailboxes::Personal,
            Watch::Mailboxes(list) => NotifyMailboxes::Mailboxes(list.clone()),
        };
        NotifySet::new().status().group(mailboxes, events)
    }

    /// `NOTIFY SET STATUS ...`: the mailboxes the server answers a STATUS for are the
    /// watched ones that exist. Their counters are compared with what was known; with
    /// `report` (after a reconnect or an overflow), a mailbox that is new is reported
    /// created and one that no longer answers deleted.
    ///
    /// Returns how many mailboxes it found created or deleted (with `report`).
    fn start_notify(&mut self, report: bool) -> Result<usize> {
        self.next_list = Instant::now() + self.settings.list_interval;
        let mut changed = 0;
        let set = self.notify_set();
        self.main.notify(&set)?;
        let items: Vec<Unsolicited> = self.main.unsolicited().collect();
        let answered: HashSet<MailboxName> = items
            .iter()
            .filter_map(|u| match u {
                Unsolicited::MailboxStatus(st) => Some(st.name().clone()),
                _ => None,
            })
            .filter(|n| self.watched(n))
            .collect();
        let gone: Vec<MailboxName> = self
            .known
            .keys()
            .filter(|k| !answered.contains(*k))
            .cloned()
            .collect();
        for name in gone {
            self.known.remove(&name);
            if report {
                changed += 1;
                self.event(name, AccountEventKind::Deleted);
            }
        }
        for name in answered {
            if !self.known.contains_key(&name) {
                if report {
                    // New since the last look: what it holds is new mail.
                    self.known.insert(name.clone(), Counters::empty());
                    changed += 1;
                    self.event(name, AccountEventKind::Created);
                } else {
                    self.known.insert(name, Counters::default());
                }
            }
        }
        for item in items {
            self.on_notification(item)?;
        }
        Ok(changed)
    }

    fn step_notify(&mut self, deadline: Instant) -> Result<()> {
        self.using = Which::Main;
        if Instant::now() >= self.next_list {
            // The safety net: every counter compared again, every mailbox accounted for.
            let missed = self.start_notify(true)?;
            if missed > 0 {
                // Dovecot 2.3 can stop sending mailbox name events on a connection for good
                // (setting NOTIFY again does not help); a new connection does.
                info!(
                    "watcher: the server did not report {missed} mailbox(es) created or \
                     deleted; taking a new connection"
                );
                Self::fresh(&mut self.connect, &mut self.main)?;
                self.start_notify(true)?;
            }
            return Ok(());
        }
        let wait = self
            .next_list
            .min(deadline)
            .saturating_duration_since(Instant::now());
        let news = self.main.wait_notifications(wait)?;
        for item in news {
            self.on_notification(item)?;
        }
        Ok(())
    }

    fn on_notification(&mut self, item: Unsolicited) -> Result<()> {
        if item.is_notification_overflow() {
            info!("watcher: the server dropped NOTIFY (overflow); setting it again");
            return self.start_notify(true).map(drop);
        }
        if matches!(item, Unsolicited::Dropped(_)) {
            // This side's queue overflowed: look at everything again.
            return self.start_notify(true).map(drop);
        }
        match item {
            Unsolicited::MailboxStatus(st) => self.on_status(&st),
            Unsolicited::List(name) => {
                let mailbox = name.name().clone();
                let gone = name.attributes().contains(&NameAttribute::NonExistent);
                if gone {
                    if self.known.remove(&mailbox).is_some() {
                        self.event(mailbox, AccountEventKind::Deleted);
                    }
                } else if name.is_selectable()
                    && self.watched(&mailbox)
                    && !self.known.contains_key(&mailbox)
                    && self.has_room(&mailbox)
                {
                    // Absent: created now (or a watched mailbox that did not exist yet).
                    self.known.insert(mailbox.clone(), Counters::empty());
                    self.event(mailbox.clone(), AccountEventKind::Created);
                    // Its counters now: mail put in at once may come before the server
                    // watches the new mailbox (Dovecot 2.3 can miss it), and is new mail.
                    let items = self.status_items()?;
                    match self.main.status(mailbox, &items) {
                        Ok(st) => self.on_status(&st),
                        Err(e) if e.is_no() => {}
                        Err(e) => return Err(e),
                    }
                }
            }
            Unsolicited::MailboxRenamed { name, old_name } => {
                let to = name.name().clone();
                let counters = self.known.remove(&old_name).unwrap_or_default();
                if let Watch::Mailboxes(list) = &mut self.watch {
                    for m in list.iter_mut().filter(|m| **m == old_name) {
                        *m = to.clone();
                    }
                }
                if self.watched(&to) {
                    self.known.insert(to.clone(), counters);
                    self.event(to, AccountEventKind::Renamed { from: old_name });
                }
            }
            Unsolicited::Status {
                kind: StatusKind::Bye,
                ..
            } => return Err(Error::ConnectionClosed),
            _ => {}
        }
        Ok(())
    }

    // ---- without NOTIFY -----------------------------------------------------------

    fn status_items(&mut self) -> Result<Vec<StatusItem>> {
        let mut items = vec![
            StatusItem::Messages,
            StatusItem::UidNext,
            StatusItem::UidValidity,
            StatusItem::Unseen,
        ];
        if self.main.capabilities()?.has("CONDSTORE") {
            items.push(StatusItem::HighestModSeq);
        }
        Ok(items)
    }

    fn start_fallback(&mut self) -> Result<()> {
        if self.settings.max_connections >= 2 && self.poller.is_none() {
            self.poller = Some((self.connect)()?);
        }
        self.open_idle_mailbox()?;
        self.rebuild_rotation();
        let items = self.status_items()?;
        let names = self.rotation.clone();
        for name in names {
            let session = self.poller.as_mut().unwrap_or(&mut self.main);
            match session.status(name.clone(), &items) {
                Ok(st) => self.on_status(&st),
                Err(e) if e.is_no() => {
                    // Not there (yet): a mailbox asked for that does not exist.
                    debug!("watcher: STATUS {name}: {e}");
                    self.known.remove(&name);
                }
                Err(e) => return Err(e),
            }
        }
        let now = Instant::now();
        self.next_poll = now + self.poll_plan().0;
        self.next_list = now + self.settings.list_interval;
        Ok(())
    }

    /// Opens the IDLE mailbox (read-only: watching changes no flag) and compares its
    /// counters with the last known ones.
    fn open_idle_mailbox(&mut self) -> Result<()> {
        let name = self.settings.idle_mailbox.clone();
        if !self.main.mailbox().is_selected() {
            self.main.examine(name.clone())?;
        }
        let mb = self.main.mailbox();
        let now = Counters {
            messages: Some(mb.exists()),
            uid_next: mb.uid_next(),
            uid_validity: mb.uid_validity(),
            ..Counters::default()
        };
        let kinds = self.idle_counters.diff(&now);
        self.idle_counters = now;
        if self.watched(&name) {
            self.known.insert(name.clone(), now);
            for kind in kinds {
                self.event(name.clone(), kind);
            }
        }
        Ok(())
    }

    /// The time between two rounds of STATUS polls, and how many mailboxes each takes.
    fn poll_plan(&self) -> (Duration, usize) {
        poll_plan(self.rotation.len(), self.settings.poll_interval)
    }

    fn step_fallback(&mut self, deadline: Instant) -> Result<()> {
        let now = Instant::now();
        let mut due = deadline.min(self.next_poll);
        if self.watch == Watch::All {
            due = due.min(self.next_list);
        }
        if now < due {
            self.using = Which::Main;
            self.idle_until(due)?;
            if !self.pending.is_empty() {
                return Ok(());
            }
        }
        self.using = if self.poller.is_some() {
            Which::Poller
        } else {
            Which::Main
        };
        let now = Instant::now();
        if self.watch == Watch::All && now >= self.next_list {
            self.next_list = now + self.settings.list_interval;
            self.list_mailboxes(true)?;
        }
        if now >= self.next_poll {
            let (step, count) = self.poll_plan();
            self.next_poll = now + step;
            for _ in 0..count {
                self.poll_one()?;
            }
        }
        Ok(())
    }

    /// IDLE on the IDLE mailbox until `until` or the first news.
    fn idle_until(&mut self, until: Instant) -> Result<()> {
        let mut got = Vec::new();
        // Without IDLE: a NOOP at least twice within the wait, at most every 30 s.
        let wait = until.saturating_duration_since(Instant::now());
        let noop = (wait / 2).min(DEFAULT_POLL_INTERVAL);
        self.main
            .idle()
            .deadline(until)
            .poll_interval(noop)
            .run(|news| {
                got.push(news.clone());
                IdleControl::Stop
            })?;
        got.extend(self.main.unsolicited());
        let name = self.settings.idle_mailbox.clone();
        let report = self.watched(&name);
        let mut flags = false;
        for item in got {
            let kind = match item {
                Unsolicited::Exists(n) => {
                    let before = self.idle_counters.messages.unwrap_or(n);
                    self.idle_counters.messages = Some(n);
                    (n > before).then(|| AccountEventKind::NewMail { count: n - before })
                }
                Unsolicited::Expunge(_) => {
                    let m = self.idle_counters.messages.unwrap_or(1);
                    self.idle_counters.messages = Some(m.saturating_sub(1));
                    Some(AccountEventKind::Expunged { count: 1 })
                }
                Unsolicited::Vanished {
                    earlier: false,
                    uids,
                } => {
                    let n = u32::try_from(uids.len()).unwrap_or(u32::MAX);
                    let m = self.idle_counters.messages.unwrap_or(n);
                    self.idle_counters.messages = Some(m.saturating_sub(n));
                    Some(AccountEventKind::Expunged { count: n })
                }
                Unsolicited::Fetch(_) if !flags => {
                    flags = true;
                    Some(AccountEventKind::FlagsChanged)
                }
                Unsolicited::Status {
                    kind: StatusKind::Bye,
                    ..
                } => return Err(Error::ConnectionClosed),
                _ => None,
            };
            if let (Some(kind), true) = (kind, report) {
                self.event(name.clone(), kind);
            }
        }
        self.idle_counters.uid_next = self.main.mailbox().uid_next();
        if report {
            self.known.insert(name, self.idle_counters);
        }
        Ok(())
    }

    /// STATUS of the next mailbox in the rotation.
    fn poll_one(&mut self) -> Result<()> {
        if self.rotation.is_empty() {
            return Ok(());
        }
        let i = self.next_in_rotation % self.rotation.len();
        self.next_in_rotation = i + 1;
        let name = self.rotation[i].clone();
        let items = self.status_items()?;
        let session = self.poller.as_mut().unwrap_or(&mut self.main);
        match session.status(name.clone(), &items) {
            Ok(st) => {
                if !self.known.contains_key(&name) {
                    // Back after a STATUS refused: it exists again.
                    self.event(name.clone(), AccountEventKind::Created);
                }
                self.on_status(&st);
            }
            Err(e) if e.is_no() => {
                // Gone (deleted, or renamed away).
                if self.known.remove(&name).is_some() {
                    self.event(name.clone(), AccountEventKind::Deleted);
                }
                if self.watch == Watch::All {
                    self.rotation.retain(|n| *n != name);
                }
            }
            Err(e) => return Err(e),
        }
        Ok(())
    }

    // ---- reconnecting -------------------------------------------------------------

    fn fresh(connect: &mut Connect, old: &mut Session) -> Result<()> {
        if old.can_reconnect() {
            old.reconnect().map(drop)
        } else {
            *old = connect()?;
            Ok(())
        }
    }

    /// Makes the lost connection again and picks up where it was: NOTIFY set again (its
    /// STATUS answers compared with the counters known), or the IDLE mailbox opened again.
    fn recover(&mut self, which: Which) -> Result<()> {
        match which {
            Which::Poller => {
                if let Some(p) = self.poller.as_mut() {
                    Self::fresh(&mut self.connect, p)?;
                }
                Ok(())
            }
            Which::Main => {
                Self::fresh(&mut self.connect, &mut self.main)?;
                if self.notify {
                    self.start_notify(true).map(drop)
                } else {
                    self.open_idle_mailbox()
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(messages: u32, uid_next: u32, unseen: u32, modseq: u64) -> Counters {
        Counters {
            messages: Some(messages),
            uid_next: Some(uid_next),
            uid_validity: Some(1),
            unseen: Some(unseen),
            modseq: Some(modseq),
        }
    }

    #[test]
    fn the_table_of_mailboxes_is_bounded() {
        let mut known = HashMap::new();
        for i in 0..3 {
            known.insert(
                MailboxName::from(format!("m{i}").as_str()),
                Counters::default(),
            );
        }
        assert!(!room_for(&known, &MailboxName::from("new"), 3));
        assert!(
            room_for(&known, &MailboxName::from("m1"), 3),
            "a known one stays"
        );
        assert!(room_for(&known, &MailboxName::from("new"), 4));
    }

    #[test]
    fn polls_are_spread_but_not_too_often() {
        let s = Duration::from_secs;
        // Few mailboxes: one at a time, evenly.
        assert_eq!(poll_plan(4, s(60)), (s(15), 1));
        // Many: a round a second, as many as it takes.
        assert_eq!(poll_plan(600, s(60)), (s(1), 10));
        assert_eq!(poll_plan(90, s(60)), (s(1), 2));
        // An interval under a second: every mailbox each interval.
        let short = Duration::from_millis(300);
        assert_eq!(poll_plan(7, short), (short, 7));
        // Nothing to poll: still a sane step.
        assert_eq!(poll_plan(0, s(60)), (s(60), 1));
    }

    #[test]
    fn counters_tell_what_changed() {
        use AccountEventKind::*;
        assert_eq!(
            c(1, 2, 0, 5).diff(&c(3, 4, 2, 7)),
            vec![NewMail { count: 2 }]
        );
        assert_eq!(
            c(3, 4, 0, 5).diff(&c(1, 4, 0, 7)),
            vec![Expunged { count: 2 }]
        );
        assert_eq!(
            c(3, 4, 0, 5).diff(&c(3, 5, 0, 7)),
            vec![NewMail { count: 1 }, Expunged { count: 1 }]
        );
        assert_eq!(c(3, 4, 0, 5).diff(&c(3, 4, 0, 6)), vec![FlagsChanged]);
        assert_eq!(c(3, 4, 1, 5).diff(&c(3, 4, 0, 5)), vec![FlagsChanged]);
        assert!(c(3, 4, 0, 5).diff(&c(3, 4, 0, 5)).is_empty());
        // No baseline: nothing to report.
        assert!(Counters::default().diff(&c(3, 4, 0, 5)).is_empty());
        // A rebuilt mailbox: nothing to compare.
        let mut rebuilt = c(0, 1, 0, 1);
        rebuilt.uid_validity = Some(2);
        assert!(c(3, 4, 0, 5).diff(&rebuilt).is_empty());
        // Without UIDNEXT, the message count tells.
        let old = Counters {
            messages: Some(2),
            ..Counters::default()
        };
        let new = Counters {
            messages: Some(5),
            ..Counters::default()
        };
        assert_eq!(old.diff(&new), vec![NewMail { count: 3 }]);
        // A mailbox just created: its first STATUS says nothing of flags.
        assert!(Counters::empty().diff(&c(0, 1, 0, 1)).is_empty());
    }
}
