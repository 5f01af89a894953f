//! Cancelling a blocking call from another thread: [`CancelHandle`], and what a connection
//! keeps of it ([`Watch`]). A cancel shuts the connection's socket down, which wakes a read
//! or write blocked on it (plaintext or TLS alike), and moves a counter that the connection
//! checks before each command and whenever a read returns.

use std::fmt;
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use log::debug;

use crate::error::{Error, Result};

/// Makes the blocking call in progress on a connection return from another thread, at once,
/// with [`Error::Cancelled`]: `Clone + Send + Sync`, cheap to clone (clones are the same
/// handle).
///
/// Where one comes from:
///
/// - [`Session::cancel_handle`](crate::Session::cancel_handle) and
///   [`Client::cancel_handle`](crate::Client::cancel_handle): the handle of that connection
///   (and of the connections [`Session::reconnect`](crate::Session::reconnect) makes for it
///   later);
/// - [`CancelHandle::new`] given to [`ClientBuilder::cancel_with`](crate::ClientBuilder::cancel_with):
///   every connection that builder (and its clones) makes obeys it, from the TCP connect on,
///   reconnects included. This is the one that can cancel a connect, and one handle can
///   stop several sessions at once (a Ctrl-C handler, or
///   the workers of [`parallel`](crate::parallel)).
///
/// [`cancel`](Self::cancel) shuts down the sockets of the connections that obey the handle:
/// a read or write blocked on one returns within milliseconds, over plaintext and TLS, and
/// the call fails with [`Error::Cancelled`]. A call that was not blocked fails the same way
/// before it sends its next command or as soon as its next read returns. A cancelled
/// connection is closed for good: every later command fails with [`Error::Cancelled`] too
/// (and [`Session::is_broken`](crate::Session::is_broken) says so), until
/// [`Session::reconnect`](crate::Session::reconnect) replaces it. Unlike
/// [`IdleHandle::stop`](crate::IdleHandle::stop), which ends an IDLE politely (DONE, then
/// the server's OK) and leaves the session usable, a cancel is abrupt: it drops the
/// connection wherever it is, in the middle of a response or of an APPEND's literal, and
/// nothing is sent to the server.
///
/// A cancel is the caller's decision, not a failure: [`Error::is_broken`] is false for
/// [`Error::Cancelled`], so [`Session::retrying`](crate::Session::retrying) does not run the
/// job again and loops that reconnect on `is_broken()` stop.
///
/// The handle stays cancelled (it refuses new connections with [`Error::Cancelled`], and
/// [`is_cancelled`](Self::is_cancelled) is true) until [`reset`](Self::reset), which lets new
/// connections through again; connections already cancelled stay cancelled.
/// [`Session::reconnect`](crate::Session::reconnect) resets its session's handle itself:
/// calling it is the decision to go on.
///
/// Limits:
///
/// - Connecting: with a handle given to [`ClientBuilder::cancel_with`](crate::ClientBuilder::cancel_with),
///   the name lookup and each TCP connect attempt run on a helper thread of their own,
///   which is left to finish on its own when a cancel comes (at most the connect timeout;
///   its result is dropped); the TLS handshake and the greeting wait are cancelled like any
///   read. Without it, nobody holds a handle before the [`Client`](crate::Client) exists,
///   so connecting cannot be cancelled.
/// - A stream given to [`ClientBuilder::connect_stream`](crate::ClientBuilder::connect_stream)
///   cannot be shut down by this crate: the cancel takes effect when the stream's read or
///   write returns (its own timeout) or at the next command.
///
/// ```no_run
/// use std::time::Duration;
/// use blocking_imap::{ClientBuilder, FetchItems, Section};
///
/// let mut session = ClientBuilder::new("imap.example.com", 993)
///     .connect()?
///     .login("me", "secret")?;
/// let cancel = session.cancel_handle();
/// std::thread::spawn(move || {
///     std::thread::sleep(Duration::from_secs(5));
///     cancel.cancel(); // the FETCH below returns Err(Error::Cancelled) at once
/// });
/// session.select("INBOX")?;
/// match session.fetch(1.., &FetchItems::new().body_peek(Section::Full))?.into_vec() {
///     Err(e) if e.is_cancelled() => println!("gave up after 5 s"),
///     other => println!("{} messages", other?.len()),
/// }
/// # Ok::<(), blocking_imap::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct CancelHandle {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    /// Set by `cancel`, cleared by `reset`: new connections are refused while it is set.
    cancelled: AtomicBool,
    /// How many times `cancel` was called. A connection remembers the value it started
    /// with, and is cancelled once it moves.
    generation: AtomicU64,
    /// The sockets of the live connections that obey the handle; also the lock that
    /// `wake` waits with.
    sockets: Mutex<Registry>,
    /// Wakes the waits of `Watch::sleep` (the pauses between reconnect attempts).
    wake: Condvar,
}

/// The sockets to shut down: one per live connection over TCP (usually one; several when
/// a builder's handle is shared), each removed when its connection is dropped.
#[derive(Default)]
struct Registry {
    next_id: u64,
    sockets: Vec<(u64, TcpStream)>,
}

impl fmt::Debug for CancelHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelHandle")
            .field("cancelled", &self.is_cancelled())
            .finish_non_exhaustive()
    }
}

impl CancelHandle {
    /// A handle that is not cancelled and watches no connection yet: give it to
    /// [`ClientBuilder::cancel_with`](crate::ClientBuilder::cancel_with).
    pub fn new() -> Self {
        CancelHandle::default()
    }

    /// Cancels the blocking call in progress on every connection that obeys this handle,
    /// and every later one on them (see [the type's docs](Self)): their sockets are shut
    /// down, and the calls return [`Error::Cancelled`]. Until [`reset`](Self::reset), new
    /// connections through this handle fail at once with [`Error::Cancelled`]. Safe to call
    /// from any thread, a signal handler's thread included (it takes a lock the
    /// connections hold only for a moment, never across I/O), and any number of times.
    pub fn cancel(&self) {
        let s = &*self.shared;
        // The flag first, then the counter: `watch` reads them the other way round, so a
        // connection starting now either sees the flag or is counted as started before.
        s.cancelled.store(true, Ordering::SeqCst);
        s.generation.fetch_add(1, Ordering::SeqCst);
        let registry = lock(&s.sockets);
        for (_, socket) in &registry.sockets {
            // Fails only for a socket that is closed already: nothing left to wake.
            let _ = socket.shutdown(Shutdown::Both);
        }
        debug!("cancel: {} connection(s) shut down", registry.sockets.len());
        drop(registry);
        s.wake.notify_all();
    }

    /// Has [`cancel`](Self::cancel) been called since the handle was made or last
    /// [`reset`](Self::reset)?
    pub fn is_cancelled(&self) -> bool {
        self.shared.cancelled.load(Ordering::SeqCst)
    }

    /// Lets new connections through this handle again after a [`cancel`](Self::cancel).
    /// Connections that were cancelled stay cancelled (their sockets are shut down): replace
    /// them with [`Session::reconnect`](crate::Session::reconnect), which calls this itself.
    pub fn reset(&self) {
        self.shared.cancelled.store(false, Ordering::SeqCst);
    }

    /// A watch for a connection starting now, or [`Error::Cancelled`] while the handle is
    /// cancelled.
    pub(crate) fn watch(&self) -> Result<Watch> {
        let born = self.shared.generation.load(Ordering::SeqCst);
        if self.is_cancelled() {
            return Err(Error::Cancelled);
        }
        Ok(Watch {
            handle: self.clone(),
            born,
            socket: None,
        })
    }
}

fn lock(m: &Mutex<Registry>) -> MutexGuard<'_, Registry> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What one connection keeps of its [`CancelHandle`]: whether a cancel came since it
/// started, and its socket's place in the handle's list (removed when it is dropped).
pub(crate) struct Watch {
    handle: CancelHandle,
    born: u64,
    socket: Option<u64>,
}

/// A connection nobody has a handle for yet (its own, fresh handle).
impl Default for Watch {
    fn default() -> Self {
        Watch {
            handle: CancelHandle::new(),
            born: 0,
            socket: None,
        }
    }
}

impl fmt::Debug for Watch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watch")
            .field("handle", &self.handle)
            .field("born", &self.born)
            .field("socket", &self.socket)
            .finish()
    }
}

impl Watch {
    /// The handle this connection obeys.
    pub(crate) fn handle(&self) -> &CancelHandle {
        &self.handle
    }

    /// Was the handle cancelled since this connection started?
    pub(crate) fn cancelled(&self) -> bool {
        self.handle.shared.generation.load(Ordering::SeqCst) != self.born
    }

    /// [`Error::Cancelled`] once the handle was cancelled since this connection started.
    pub(crate) fn check(&self) -> Result<()> {
        if self.cancelled() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }

    /// Puts a copy of the connection's socket in the handle's list, for `cancel` to shut
    /// down. Where the socket cannot be copied (out of file descriptors), the cancel takes
    /// effect when the next read or write returns, as over a caller's stream.
    pub(crate) fn register(&mut self, socket: &TcpStream) {
        if self.socket.is_some() {
            return;
        }
        let copy = match socket.try_clone() {
            Ok(c) => c,
            Err(e) => {
                debug!("cancel handle: cannot keep a copy of the socket ({e})");
                return;
            }
        };
        let s = &*self.handle.shared;
        let mut registry = lock(&s.sockets);
        let id = registry.next_id;
        registry.next_id += 1;
        registry.sockets.push((id, copy));
        drop(registry);
        self.socket = Some(id);
        // A cancel that came before the socket was in the list did not shut it down.
        if self.cancelled() {
            let _ = socket.shutdown(Shutdown::Both);
        }
    }

    /// Sleeps for `d`, or until the handle is cancelled ([`Error::Cancelled`]).
    pub(crate) fn sleep(&self, d: Duration) -> Result<()> {
        let s = &*self.handle.shared;
        let end = Instant::now().checked_add(d);
        let mut registry = lock(&s.sockets);
        loop {
            self.check()?;
            let left = match end {
                Some(end) => end.saturating_duration_since(Instant::now()),
                None => Duration::from_secs(3600),
            };
            if left.is_zero() {
                return Ok(());
            }
            registry = match s.wake.wait_timeout(registry, left) {
                Ok((r, _)) => r,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }
}

/// Takes the socket copy out of the handle's list (dropping it, so the connection really
/// closes when its own socket is dropped).
impl Drop for Watch {
    fn drop(&mut self) {
        if let Some(id) = self.socket.take() {
            // At most the connections sharing this handle: a short scan.
            lock(&self.handle.shared.sockets)
                .sockets
                .retain(|(i, _)| *i != id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::TcpListener;

    #[test]
    fn a_cancel_wakes_a_blocked_read_and_sticks_until_reset() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let mut socket = TcpStream::connect(addr).unwrap();
        let _server = listener.accept().unwrap();
        let handle = CancelHandle::new();
        let mut watch = handle.watch().unwrap();
        watch.register(&socket);
        assert!(!watch.cancelled());
        let h = handle.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            h.cancel();
        });
        let mut buf = [0u8; 16];
        let start = Instant::now();
        let r = socket.read(&mut buf);
        assert!(matches!(r, Ok(0) | Err(_)), "{r:?}");
        assert!(start.elapsed() < Duration::from_secs(5));
        t.join().unwrap();
        assert!(watch.cancelled() && handle.is_cancelled());
        assert!(matches!(watch.check(), Err(Error::Cancelled)));
        assert!(matches!(handle.watch(), Err(Error::Cancelled)));
        assert!(matches!(
            watch.sleep(Duration::from_secs(10)),
            Err(Error::Cancelled)
        ));
        handle.reset();
        let fresh = handle.watch().unwrap();
        assert!(!fresh.cancelled() && watch.cancelled());
        drop(watch);
        assert!(lock(&handle.shared.sockets).sockets.is_empty());
    }

    #[test]
    fn a_cancel_ends_a_sleep_from_another_thread() {
        let handle = CancelHandle::new();
        let watch = handle.watch().unwrap();
        assert!(watch.sleep(Duration::from_millis(10)).is_ok());
        let h = handle.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            h.cancel();
        });
        let start = Instant::now();
        assert!(matches!(
            watch.sleep(Duration::from_secs(30)),
            Err(Error::Cancelled)
        ));
        assert!(start.elapsed() < Duration::from_secs(5));
        t.join().unwrap();
    }
}
