//! IDLE (RFC 2177, RFC 9051 section 6.3.13): wait for the server to report changes.

use crate::types::idle::{
    IdleControl, IdleEnd, IdleHandle, DEFAULT_IDLE_KEEPALIVE, DEFAULT_POLL_INTERVAL,
};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::conn::Incoming;
use crate::error::{Error, Result, ServerText};
use crate::session::Session;
use crate::state::{unsolicited, Unsolicited};
use crate::types::StatusKind;
use crate::wire::encode::Command;

/// How often an idling session looks at its deadline and its stop flag.
const TICK: Duration = Duration::from_millis(200);

/// How a stretch of idling ended.
enum Waited {
    End(IdleEnd),
    Keepalive,
    ServerEnded,
}

/// An IDLE being set up: see [`Session::idle`].
#[derive(Debug)]
pub struct Idle<'a> {
    session: &'a mut Session,
    deadline: Option<Instant>,
    keepalive: Duration,
    poll: Duration,
}

impl Session {
    /// Waits for the server to report changes, with IDLE when the server has it and NOOP
    /// polling when it does not. Configure it, then call [`Idle::run`]:
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use std::time::Duration;
    /// use blocking_imap::{IdleControl, Unsolicited};
    /// session.select("INBOX")?;
    /// let end = session.idle().timeout(Duration::from_secs(600)).run(|news| {
    ///     println!("{news:?}");
    ///     if matches!(news, Unsolicited::Exists(_)) { IdleControl::Stop } else { IdleControl::Continue }
    /// })?;
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    pub fn idle(&mut self) -> Idle<'_> {
        Idle {
            session: self,
            deadline: None,
            keepalive: DEFAULT_IDLE_KEEPALIVE,
            poll: DEFAULT_POLL_INTERVAL,
        }
    }

    /// A handle that stops this session's IDLE from another thread.
    pub fn idle_handle(&self) -> IdleHandle {
        IdleHandle(self.conn.idle_stop.clone())
    }
}

impl Idle<'_> {
    /// Stop at this instant. The deadline is absolute: responses do not extend it.
    pub fn deadline(mut self, at: Instant) -> Self {
        self.deadline = Some(at);
        self
    }

    /// Stop after this long from now.
    pub fn timeout(self, after: Duration) -> Self {
        let at = Instant::now() + after;
        self.deadline(at)
    }

    /// Re-issue IDLE this often, before servers drop it (default 29 minutes).
    pub fn keepalive(mut self, every: Duration) -> Self {
        self.keepalive = every.max(Duration::from_secs(1));
        self
    }

    /// Without IDLE, send NOOP this often (default 30 s).
    pub fn poll_interval(mut self, every: Duration) -> Self {
        self.poll = every.max(Duration::from_millis(100));
        self
    }

    /// Runs the IDLE: `on_news` sees every response no command asked for — first those
    /// already queued, then each as it arrives — and says whether to keep waiting. Responses
    /// that arrive while the IDLE is being ended go to [`Session::unsolicited`]; none is
    /// lost. The mailbox state follows everything.
    ///
    /// Two ways to end it from another thread: [`IdleHandle::stop`] (from
    /// [`Session::idle_handle`]) ends it politely, with DONE and the server's OK, returns
    /// [`IdleEnd::Interrupted`] and leaves the session usable; a cancel
    /// ([`Session::cancel_handle`]) drops the connection at once and returns
    /// [`Error::Cancelled`] (reconnect to go on).
    ///
    /// When the server goes away — a BYE (shutdown, its idle timeout, an administrator's
    /// kick) or a connection that drops without one — the run ends at once with an error
    /// for which [`Error::is_broken`] is true: [`Error::Bye`] with the server's text (the
    /// callback sees the BYE first, as news, whatever it answers), else
    /// [`Error::ConnectionClosed`], an I/O error or a timeout. The session is then unusable;
    /// [`Session::reconnect`] (with the builder's [`ReconnectPolicy`](crate::ReconnectPolicy)
    /// and its backoff; [`ReconnectPolicy::forever`](crate::ReconnectPolicy::forever) for a
    /// daemon) connects, logs in, selects the mailbox again and says what changed while the
    /// session was away; then run the IDLE again. `examples/idle.rs` is that loop.
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use blocking_imap::{IdleControl, Unsolicited};
    /// session.select("INBOX")?;
    /// loop {
    ///     match session.idle().run(|news| match news {
    ///         Unsolicited::Exists(_) => IdleControl::Stop,
    ///         _ => IdleControl::Continue,
    ///     }) {
    ///         Ok(_) => { /* fetch the new mail */ }
    ///         Err(e) if e.is_broken() => {
    ///             eprintln!("connection lost ({e}); reconnecting");
    ///             session.reconnect()?; // gives up after the policy's attempts
    ///         }
    ///         Err(e) => return Err(e),
    ///     }
    /// }
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Other errors: an IDLE the server refuses is [`Error::No`] / [`Error::Bad`];
    /// [`Error::Cancelled`] after a cancel (not `is_broken`: a cancel is the caller's).
    pub fn run(self, mut on_news: impl FnMut(&Unsolicited) -> IdleControl) -> Result<IdleEnd> {
        let conn = &mut self.session.conn;
        // Bounded by the queue's limits (items and bytes).
        let queued: Vec<Unsolicited> = conn.drain_queue().collect();
        let mut rest = queued.into_iter();
        for item in rest.by_ref() {
            let stop = on_news(&item) == IdleControl::Stop;
            let bye = bye_text(&item);
            if stop || bye.is_some() {
                // Whatever the callback did not see goes back to the queue.
                for later in rest {
                    conn.queue.push(later);
                }
                return match bye {
                    Some(text) => Err(conn.fail(Error::Bye(text))),
                    None => Ok(IdleEnd::Stopped),
                };
            }
        }
        if conn.capabilities()?.has("IDLE") {
            self.run_idle(&mut on_news)
        } else {
            self.run_polling(&mut on_news)
        }
    }

    /// Waits until the first news (or the deadline) and returns what arrived.
    pub fn wait_for_news(self) -> Result<Vec<Unsolicited>> {
        let mut got = Vec::new();
        self.run(|u| {
            got.push(u.clone());
            IdleControl::Stop
        })?;
        Ok(got)
    }

    fn stop_requested(&self) -> bool {
        self.session.conn.idle_stop.swap(false, Ordering::SeqCst)
    }

    fn deadline_passed(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    fn run_polling(self, on_news: &mut dyn FnMut(&Unsolicited) -> IdleControl) -> Result<IdleEnd> {
        loop {
            let next_poll = Instant::now() + self.poll;
            while Instant::now() < next_poll {
                if self.stop_requested() {
                    return Ok(IdleEnd::Interrupted);
                }
                if self.deadline_passed() {
                    return Ok(IdleEnd::TimedOut);
                }
                // A cancel ends the wait at once.
                self.session.conn.cancel.sleep(TICK)?;
            }
            self.session.noop()?;
            // Bounded by the queue's limits (items and bytes).
            let news: Vec<Unsolicited> = self.session.conn.drain_queue().collect();
            let mut news = news.into_iter();
            for item in news.by_ref() {
                let stop = on_news(&item) == IdleControl::Stop;
                let bye = bye_text(&item);
                if stop || bye.is_some() {
                    for later in news {
                        self.session.conn.queue.push(later);
                    }
                    return match bye {
                        Some(text) => Err(self.session.conn.fail(Error::Bye(text))),
                        None => Ok(IdleEnd::Stopped),
                    };
                }
            }
        }
    }

    /// Nothing accumulates across the loops below: each turn of an inner loop takes one
    /// frame and hands it to the callback or the bounded queue. The outer loop turns once per
    /// IDLE command; a server that ends every IDLE at once makes it re-issue IDLE a round
    /// trip at a time, until the stop flag or the deadline (checked every turn) ends it.
    fn run_idle(mut self, on_news: &mut dyn FnMut(&Unsolicited) -> IdleControl) -> Result<IdleEnd> {
        let normal = self.session.conn.opts.read_timeout;
        loop {
            if self.stop_requested() {
                return Ok(IdleEnd::Interrupted);
            }
            if self.deadline_passed() {
                return Ok(IdleEnd::TimedOut);
            }
            let tag = self.session.conn.send(Command::new("IDLE"))?;
            // Responses before the "+" are news too.
            let mut end = None;
            loop {
                match self.session.conn.next_incoming(Some(&tag))? {
                    Incoming::Continue(_) => break,
                    Incoming::Done(result) => {
                        self.session.conn.done_with(&tag);
                        result?;
                        return Err(Error::Protocol(
                            "server ended IDLE before accepting it".into(),
                        ));
                    }
                    Incoming::Data(resp, raw) => {
                        self.session.conn.observe(&resp);
                        let item = unsolicited(resp, raw.as_deref().unwrap_or_default());
                        let bye = bye_text(&item);
                        if end.is_some() {
                            // The callback said stop: what follows waits in the queue.
                            self.session.conn.queue.push(item);
                        } else if on_news(&item) == IdleControl::Stop {
                            end = Some(IdleEnd::Stopped);
                        }
                        if let Some(text) = bye {
                            return Err(self.session.conn.fail(Error::Bye(text)));
                        }
                    }
                    Incoming::Stray(item) => self.session.conn.queue.push(item),
                    Incoming::EarlyDone(t, r) => self.session.conn.keep_early(t, r),
                    Incoming::Literal(_) => {}
                }
            }
            let started = Instant::now();
            self.session.conn.set_read_timeout(Some(TICK))?;
            let waited = self.wait(&tag, started, end, on_news);
            self.session.conn.set_read_timeout(normal)?;
            let end = match waited? {
                Waited::ServerEnded => continue,
                Waited::Keepalive => None,
                Waited::End(end) => Some(end),
            };
            // End this IDLE; whatever arrives until its completion goes to the queue.
            self.session.conn.write(b"DONE\r\n", false)?;
            self.session.conn.finish(&tag, &|_| false, &mut |_| {})?;
            if let Some(end) = end {
                return Ok(end);
            }
        }
    }

    /// Reads while idling, until it is time to end or to re-issue the IDLE.
    ///
    /// Bounded in time, not by the server: each turn reads at most one frame or waits one
    /// `TICK`, and the stop flag, the deadline and the keepalive are checked before every
    /// read, however fast frames arrive. Nothing is kept across turns but `end`.
    fn wait(
        &mut self,
        tag: &str,
        started: Instant,
        mut end: Option<IdleEnd>,
        on_news: &mut dyn FnMut(&Unsolicited) -> IdleControl,
    ) -> Result<Waited> {
        loop {
            if let Some(end) = end {
                return Ok(Waited::End(end));
            }
            if self.stop_requested() {
                end = Some(IdleEnd::Interrupted);
                continue;
            }
            if self.deadline_passed() {
                end = Some(IdleEnd::TimedOut);
                continue;
            }
            if started.elapsed() >= self.keepalive {
                return Ok(Waited::Keepalive);
            }
            let conn = &mut self.session.conn;
            match conn.poll_incoming(Some(tag))? {
                None => {}
                Some(Incoming::Data(resp, raw)) => {
                    conn.observe(&resp);
                    let item = unsolicited(resp, raw.as_deref().unwrap_or_default());
                    if on_news(&item) == IdleControl::Stop {
                        end = Some(IdleEnd::Stopped);
                    }
                    if let Some(text) = bye_text(&item) {
                        // The server is going away: no DONE, no waiting for it to close.
                        return Err(conn.fail(Error::Bye(text)));
                    }
                }
                Some(Incoming::Done(result)) => {
                    // The server ended the IDLE itself (some do after a while): no DONE is
                    // due; go again unless it refused.
                    conn.done_with(tag);
                    result?;
                    return Ok(Waited::ServerEnded);
                }
                Some(Incoming::Stray(item)) => conn.queue.push(item),
                Some(Incoming::EarlyDone(t, r)) => conn.keep_early(t, r),
                Some(Incoming::Literal(_)) => {}
                Some(Incoming::Continue(_)) => {}
            }
        }
    }
}

/// The text of a BYE (the server is going away: shutdown, an idle timeout, an administrator's
/// kick). A BYE ends [`Idle::run`] at once with [`Error::Bye`], after the callback saw it.
fn bye_text(item: &Unsolicited) -> Option<ServerText> {
    match item {
        Unsolicited::Status {
            kind: StatusKind::Bye,
            text,
        } => Some(text.clone()),
        _ => None,
    }
}
