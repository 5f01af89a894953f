//! Several connections at once: [`parallel`] runs a job over a list of parts on N sessions,
//! one thread each, the first error cancelling the others.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use log::debug;

use crate::error::{Error, Result};
use crate::session::Session;
use crate::transport::CancelHandle;

/// Runs `job` over `parts` on `workers` sessions at once, each on a thread of its own, and
/// returns the results in the order of `parts`.
///
/// Each worker opens its own session with `connect` (the same builder and login, say),
/// then takes the next part from a shared queue, runs `job` on it, and takes another until
/// none are left: fast workers take more parts, so parts need not be of the same size, and
/// several parts per worker even out the load. Each session stays on its thread; nothing is
/// shared between them but the queue and their cancel handles. Workers log out when the
/// parts run out. At most one worker per part is started.
///
/// The first error ends the whole run: the other sessions are cancelled at once
/// ([`CancelHandle::cancel`] on their handles: a FETCH in progress returns within
/// milliseconds, nothing more is sent), no further part is started, and that first error is
/// returned (not the [`Error::Cancelled`] it caused elsewhere). A failed `connect` counts
/// as an error. A job whose parts may fail on their own (a mailbox that vanished) without
/// ending the run returns `Ok` of a `Result` of its own. To stop the whole run from outside
/// (a Ctrl-C handler), give the sessions a handle of yours with
/// [`ClientBuilder::cancel_with`](crate::ClientBuilder::cancel_with) and cancel it: the run
/// returns [`Error::Cancelled`]. A handle of yours that the run cancelled stays cancelled
/// (see [`CancelHandle::reset`]). A job that panics stops the others too, and the panic is
/// passed on once every worker has ended.
///
/// When it helps: a job bound by round trips (a link with 50 ms or more of latency, many
/// small commands, or a server that answers each command slowly but has cores and disks to
/// spare) gets up to N times the throughput, since N commands are in flight instead of one.
/// When it does not: a job bound by the server's disk or CPU, or by the link's bandwidth
/// (one big FETCH over a slow line), gets little or nothing, and loads the server more.
/// Servers limit the connections per user: Dovecot's `mail_max_userip_connections` is 10
/// by default (per user and client address, all clients of the user counted), Gmail allows
/// 15; a connect past the limit fails, and with it the run. Keep `workers` small (4 is a
/// good start) and below the limit, leaving room for the user's other clients.
///
/// Parts are anything `Send`: UID sets from [`SequenceSet::split`](crate::SequenceSet::split),
/// mailbox names, batches of messages to append.
///
/// ```no_run
/// use blocking_imap::{parallel, ClientBuilder, FetchItems, Search, Section, SequenceSet};
///
/// let builder = ClientBuilder::new("imap.example.com", 993);
/// let connect = || {
///     let mut s = builder.connect()?.login("me", "secret")?;
///     s.examine("Archive")?;
///     Ok(s)
/// };
/// // The UIDs to fetch, in 16 parts for 4 workers.
/// let uids: SequenceSet = {
///     let mut s = connect()?;
///     s.uid_search(&Search::all())?.into_iter().collect()
/// };
/// let items = FetchItems::new().uid().body_peek(Section::Full);
/// let sizes: Vec<Vec<usize>> = parallel(4, uids.split(16), connect, |s, part| {
///     let messages = s.uid_fetch(part, &items)?.into_vec()?;
///     Ok(messages.iter().map(|m| m.body().map_or(0, <[u8]>::len)).collect())
/// })?;
/// println!("{} bytes", sizes.iter().flatten().sum::<usize>());
/// # Ok::<(), blocking_imap::Error>(())
/// ```
///
/// Errors: the first error of a `connect` or a `job`; [`Error::InvalidArgument`] for no
/// workers.
pub fn parallel<P, R, C, J>(workers: usize, parts: Vec<P>, connect: C, job: J) -> Result<Vec<R>>
where
    P: Send,
    R: Send,
    C: Fn() -> Result<Session> + Sync,
    J: Fn(&mut Session, P) -> Result<R> + Sync,
{
    if workers == 0 {
        return Err(Error::InvalidArgument(
            "parallel: at least one worker is needed".into(),
        ));
    }
    let total = parts.len();
    if total == 0 {
        return Ok(Vec::new());
    }
    let run = Run {
        queue: Mutex::new(parts.into_iter().enumerate()),
        stop: AtomicBool::new(false),
        first_error: Mutex::new(None),
        handles: Mutex::new(Vec::new()),
    };
    let workers = workers.min(total);
    debug!("parallel: {total} parts on {workers} sessions");
    let done: Vec<Vec<(usize, R)>> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..workers)
            .map(|_| scope.spawn(|| run.worker(&connect, &job)))
            .collect();
        // A worker that panicked: the others were stopped by its guard; the panic goes on
        // once all have ended.
        threads
            .into_iter()
            .map(|t| t.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    if let Some(e) = guard(&run.first_error).take() {
        return Err(e);
    }
    let mut slots: Vec<Option<R>> = std::iter::repeat_with(|| None).take(total).collect();
    for (i, r) in done.into_iter().flatten() {
        slots[i] = Some(r);
    }
    // Without an error every part was taken and its result kept.
    slots
        .into_iter()
        .map(|r| r.ok_or(Error::Cancelled))
        .collect()
}

/// What the workers of one [`parallel`] run share.
struct Run<I> {
    /// The parts not taken yet, with their places in the result.
    queue: Mutex<I>,
    /// Set by the first error: take no more parts.
    stop: AtomicBool,
    first_error: Mutex<Option<Error>>,
    /// The workers' sessions' handles, cancelled by the first error.
    handles: Mutex<Vec<CancelHandle>>,
}

fn guard<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Stops the run if its worker's job panics.
struct StopOnPanic<'a, I>(&'a Run<I>);

impl<I> Drop for StopOnPanic<'_, I> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.stop_all();
        }
    }
}

impl<P, I: Iterator<Item = (usize, P)>> Run<I> {
    /// One worker: a session, then parts until there are none or the run stops.
    fn worker<R>(
        &self,
        connect: &(dyn Fn() -> Result<Session> + Sync),
        job: &(dyn Fn(&mut Session, P) -> Result<R> + Sync),
    ) -> Vec<(usize, R)> {
        let _stop_on_panic = StopOnPanic(self);
        let mut done = Vec::new();
        if self.stopped() {
            return done;
        }
        let mut session = match connect() {
            Ok(s) => s,
            Err(e) => {
                self.fail(e);
                return done;
            }
        };
        guard(&self.handles).push(session.cancel_handle());
        // Stopped before the handle was in the list: this session was not cancelled.
        while !self.stopped() {
            let Some((i, part)) = guard(&self.queue).next() else {
                break;
            };
            match job(&mut session, part) {
                Ok(r) => done.push((i, r)),
                Err(e) => {
                    self.fail(e);
                    break;
                }
            }
        }
        if !self.stopped() {
            // Parts ran out: a polite goodbye (a failed LOGOUT changes no result).
            let _ = session.logout();
        }
        done
    }
}

impl<I> Run<I> {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// The first error is the run's; a cancel the run itself caused is not.
    fn fail(&self, e: Error) {
        {
            let mut first = guard(&self.first_error);
            if first.is_none() && !(e.is_cancelled() && self.stopped()) {
                debug!("parallel: stopping all workers after: {e}");
                *first = Some(e);
            }
        }
        self.stop_all();
    }

    fn stop_all(&self) {
        self.stop.store(true, Ordering::SeqCst);
        for h in guard(&self.handles).iter() {
            h.cancel();
        }
    }
}
