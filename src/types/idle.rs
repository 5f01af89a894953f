//! IDLE (RFC 2177): the stop handle, the callback's answer, why an IDLE ended, and the default intervals (the commands are in `extensions/idle.rs`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Servers may end an IDLE after 30 minutes (RFC 9051): re-issue it before that.
pub const DEFAULT_IDLE_KEEPALIVE: Duration = Duration::from_secs(29 * 60);

/// Without IDLE, how often NOOP polls.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(30);

/// Stops an IDLE from another thread: [`Session::idle_handle`](crate::Session::idle_handle) gives one, `Clone + Send`.
///
/// A stop asked for while no IDLE runs ends the next one as soon as it starts. It takes
/// effect within a fraction of a second for TCP and TLS connections; over a stream given
/// to [`ClientBuilder::connect_stream`](crate::ClientBuilder::connect_stream) it is seen
/// only when the stream returns data or a timeout.
///
/// This is the polite way: DONE is sent, the server's OK read, and the session stays
/// usable. [`CancelHandle::cancel`](crate::CancelHandle::cancel) is the abrupt one: it
/// drops the connection at once, whatever the session is doing, and the call fails with
/// [`Error::Cancelled`](crate::Error::Cancelled).
#[derive(Debug, Clone)]
pub struct IdleHandle(pub(crate) Arc<AtomicBool>);

impl IdleHandle {
    /// Asks the IDLE to end; it sends DONE and returns [`IdleEnd::Interrupted`].
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// What the callback of [`Idle::run`](crate::Idle::run) wants next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleControl {
    /// Keep waiting.
    Continue,
    /// End the IDLE now.
    Stop,
}

/// Why an IDLE ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdleEnd {
    /// The callback said [`IdleControl::Stop`].
    Stopped,
    /// The deadline passed.
    TimedOut,
    /// [`IdleHandle::stop`] was called.
    Interrupted,
}
