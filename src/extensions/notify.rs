//! NOTIFY (RFC 5465): NOTIFY SET and NOTIFY NONE; the events arrive as ordinary
//! unsolicited responses, on [`Session::unsolicited`] and to [`Session::idle`].

use std::time::Duration;

use crate::error::{Error, Result};
use crate::session::Session;
use crate::state::Unsolicited;
use crate::types::idle::DEFAULT_POLL_INTERVAL;
use crate::types::notify::{NotifyMailboxes, NotifySet};
use crate::wire::notify::{notify_none_command, notify_set_command};

/// Without IDLE: a NOOP at least twice within the wait (a NOOP due at the deadline would
/// never be sent), and no less often than the default poll.
fn noop_interval(wait: Duration) -> Duration {
    (wait / 2).min(DEFAULT_POLL_INTERVAL)
}

impl Session {
    fn require_notify(&mut self) -> Result<()> {
        if self.conn.capabilities()?.has("NOTIFY") {
            Ok(())
        } else {
            Err(Error::MissingCapability("NOTIFY".into()))
        }
    }

    /// Asks the server to report changes in many mailboxes on this one connection:
    /// `NOTIFY SET` (RFC 5465 section 3.1). From then on the server sends, at any time (to
    /// [`Session::unsolicited`] and to an [`idle`](Session::idle) callback):
    ///
    /// - for the selected mailbox ([`NotifyMailboxes::Selected`](crate::NotifyMailboxes::Selected)):
    ///   [`Unsolicited::Exists`], [`Unsolicited::Expunge`] / [`Unsolicited::Vanished`] and
    ///   [`Unsolicited::Fetch`] (with the FETCH items given to `MessageNew`);
    /// - for other mailboxes: [`Unsolicited::MailboxStatus`] when messages arrive, go or
    ///   change flags; [`Unsolicited::List`] when one is created (with `\NonExistent` when it
    ///   is deleted) or its subscription changes; [`Unsolicited::MailboxRenamed`] for a
    ///   rename; [`Unsolicited::MetadataChanged`] for METADATA;
    /// - `* OK [NOTIFICATIONOVERFLOW]` ([`Unsolicited::is_notification_overflow`]) when it
    ///   gave up: NOTIFY is then off, as after [`notify_none`](Session::notify_none).
    ///
    /// With [`NotifySet::status`] the server first sends a STATUS of every non-selected
    /// mailbox the groups name (on the queue too). A later `notify` replaces the whole set.
    /// The set belongs to the connection; [`Session::reconnect`] sends it again on the new
    /// one (after the mailbox is selected again), so notifications go on across a cut —
    /// with [`NotifySet::status`], the STATUS answers tell what changed meanwhile. After a
    /// `[NOTIFICATIONOVERFLOW]` the server has turned NOTIFY off, and a reconnect leaves it
    /// off: call `notify` again once caught up.
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use std::time::Duration;
    /// use blocking_imap::{NotifySet, Unsolicited};
    /// session.notify(&NotifySet::account())?;
    /// loop {
    ///     for news in session.wait_notifications(Duration::from_secs(600))? {
    ///         match news {
    ///             Unsolicited::MailboxStatus(st) => println!("{}: {:?} messages", st.name(), st.messages()),
    ///             Unsolicited::MailboxRenamed { name, old_name } => println!("{old_name} -> {}", name.name()),
    ///             other => println!("{other:?}"),
    ///         }
    ///     }
    /// }
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: [`Error::MissingCapability`] without NOTIFY; [`Error::InvalidArgument`] for
    /// a set RFC 5465 forbids (no group, `MessageNew` without `MessageExpunge`, `FlagChange`
    /// without both, FETCH items for non-selected mailboxes, mailbox events for the
    /// selected mailbox, two groups for it, an empty mailbox list); [`Error::No`] with a
    /// `[BADEVENT ...]` code (read it with [`bad_events`](crate::bad_events)) for events
    /// the server does not support; [`Error::Bad`] for a set it does not accept.
    pub fn notify(&mut self, set: &NotifySet) -> Result<()> {
        // Kept as the caller gave it, for a reconnect to send again.
        let given = set.clone();
        // Names as this connection writes them (UTF-8 after ENABLE UTF8=ACCEPT).
        let mut set = set.clone();
        for g in &mut set.groups {
            if let NotifyMailboxes::Subtree(names) | NotifyMailboxes::Mailboxes(names) =
                &mut g.mailboxes
            {
                for n in names.iter_mut() {
                    *n = self.conn.adapt(n.clone());
                }
            }
        }
        let cmd = notify_set_command(&set)?;
        self.require_notify()?;
        // The STATUS answers of `NOTIFY SET STATUS` are unsolicited in kind: they go to the
        // mailbox state and the queue, with the events that follow them.
        self.conn.run(cmd, &|_| false, &mut |_| {})?;
        self.conn.notify = Some(given);
        Ok(())
    }

    /// Turns every NOTIFY event off: `NOTIFY NONE` (RFC 5465 section 3.2). The session is
    /// back to the usual reports on the selected mailbox.
    ///
    /// Errors: [`Error::MissingCapability`] without NOTIFY; [`Error::No`] / [`Error::Bad`]
    /// when the server refuses.
    pub fn notify_none(&mut self) -> Result<()> {
        self.require_notify()?;
        self.conn.simple(notify_none_command())?;
        self.conn.notify = None;
        Ok(())
    }

    /// Waits up to `timeout` for news after [`notify`](Session::notify) (IDLE when the
    /// server has it, RFC 5465 section 3 allows it, else a NOOP every half of `timeout`, at
    /// most every 30 s) and returns every
    /// unsolicited response that came: those already queued, the first that arrives, and
    /// whatever came with it. An empty list when nothing came in time.
    ///
    /// Errors: as [`Idle::run`](crate::Idle::run): connection errors ([`Error::Bye`] when
    /// the server says BYE), [`Error::Cancelled`] after a cancel.
    pub fn wait_notifications(&mut self, timeout: Duration) -> Result<Vec<Unsolicited>> {
        let mut got = self
            .idle()
            .timeout(timeout)
            .poll_interval(noop_interval(timeout))
            .wait_for_news()?;
        got.extend(self.unsolicited());
        Ok(got)
    }
}
