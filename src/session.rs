//! The authenticated session: the commands.

use std::fmt;

use crate::conn::Conn;
use crate::error::{Error, Result};
use crate::state::{MailboxState, Unsolicited};
use crate::types::Capabilities;
use crate::wire::encode::Command;

/// An authenticated connection: every command of the authenticated and selected states.
///
/// One session is one connection on one thread. Each command writes its request and reads up
/// to its own tagged completion before it returns; responses it did not ask for update
/// [`mailbox`](Session::mailbox) and wait in [`unsolicited`](Session::unsolicited) until the
/// caller reads them. Nothing ever waits on the caller to drain anything.
pub struct Session {
    pub(crate) conn: Conn,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("tls", &self.conn.stream.is_tls())
            .field("broken", &self.conn.is_broken())
            .field("mailbox", &self.conn.state)
            .finish_non_exhaustive()
    }
}

impl Session {
    pub(crate) fn new(conn: Conn) -> Self {
        Session { conn }
    }

    /// The server's capabilities, asking with CAPABILITY if they are not known since login.
    pub fn capabilities(&mut self) -> Result<&Capabilities> {
        self.conn.capabilities()
    }

    /// Sends CAPABILITY and returns the fresh list.
    pub fn refresh_capabilities(&mut self) -> Result<Capabilities> {
        self.conn.fetch_capabilities()
    }

    /// Sends NOOP (RFC 9051 section 6.1.2): a keep-alive, and a way to let the server report
    /// changes, which land in [`mailbox`](Self::mailbox) and [`unsolicited`](Self::unsolicited).
    ///
    /// Errors: a connection error, or [`Error::No`] / [`Error::Bad`] from the server.
    pub fn noop(&mut self) -> Result<()> {
        self.conn.simple(Command::new("NOOP")).map(drop)
    }

    /// What the session knows of the selected mailbox, kept current by every response.
    pub fn mailbox(&self) -> &MailboxState {
        &self.conn.state
    }

    /// Responses no command asked for (EXISTS, EXPUNGE, flag changes, ALERTs ...), oldest
    /// first, removed from the queue as the iterator yields them.
    pub fn unsolicited(&mut self) -> impl Iterator<Item = Unsolicited> + '_ {
        self.conn.drain_queue()
    }

    /// How many unsolicited responses wait in the queue.
    pub fn unsolicited_len(&self) -> usize {
        self.conn.queue.len()
    }

    /// Is the connection unusable after an I/O error, a timeout, a BYE or a broken response?
    /// Then every command fails at once with [`Error::Broken`].
    pub fn is_broken(&self) -> bool {
        self.conn.is_broken()
    }

    /// Is the connection encrypted?
    pub fn is_tls(&self) -> bool {
        self.conn.stream.is_tls()
    }

    /// Sends LOGOUT (RFC 9051 section 6.1.3) and closes the connection. The server's BYE is
    /// expected here and is not an error.
    pub fn logout(mut self) -> Result<()> {
        logout(&mut self.conn)
    }
}

/// LOGOUT on a connection: BYE then the tagged OK, or BYE then the connection closing.
pub(crate) fn logout(conn: &mut Conn) -> Result<()> {
    let result = conn.simple(Command::new("LOGOUT"));
    conn.set_broken("logged out".into());
    match result {
        Ok(_) | Err(Error::Bye(_)) | Err(Error::ConnectionClosed) => Ok(()),
        Err(e) => Err(e),
    }
}
