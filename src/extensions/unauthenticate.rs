//! UNAUTHENTICATE (RFC 8437): back to the not-authenticated state on the same connection.

use crate::client::{Client, UnauthenticateError};
use crate::error::Error;
use crate::session::Session;
use crate::state::Mailbox;
use crate::types::ResponseCode;
use crate::wire::encode::Command;

impl Session {
    /// Logs out without closing the connection: UNAUTHENTICATE (RFC 8437). The server closes
    /// the selected mailbox and forgets the login and the extensions enabled; the connection
    /// (its TLS, its compression) stays, and the [`Client`] returned can log in again, as
    /// another user or the same.
    ///
    /// ```no_run
    /// # let session: blocking_imap::Session = todo!();
    /// let client = session.unauthenticate()?;
    /// let session = client.login("bob", "bob's password")?;
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// The capabilities are asked for again when next needed (unless the server's OK
    /// carried them); unsolicited responses not yet read stay in the queue.
    ///
    /// Errors, with the session handed back in [`UnauthenticateError`]:
    /// [`Error::MissingCapability`] (`"UNAUTHENTICATE"`) when the server lacks it (nothing
    /// is sent); [`Error::No`] / [`Error::Bad`] from the server; a connection error (the
    /// session is then broken).
    #[allow(clippy::result_large_err)]
    pub fn unauthenticate(mut self) -> std::result::Result<Client, UnauthenticateError> {
        let has = match self.conn.capabilities() {
            Ok(caps) => caps.has("UNAUTHENTICATE"),
            Err(error) => return Err(self.unauth_error(error)),
        };
        if !has {
            return Err(self.unauth_error(Error::MissingCapability("UNAUTHENTICATE".into())));
        }
        match self.conn.simple(Command::new("UNAUTHENTICATE")) {
            Ok(text) => {
                // What the server said before no longer holds (RFC 8437 section 3).
                if !matches!(text.code, Some(ResponseCode::Capability(_))) {
                    self.conn.caps = None;
                }
                self.conn.state = Mailbox::default();
                self.conn.enabled.clear();
                let builder = self.reconnect.take().map(|r| r.builder);
                Ok(Client::after_unauthenticate(self.conn, builder, text))
            }
            Err(error) => Err(self.unauth_error(error)),
        }
    }

    fn unauth_error(self, error: Error) -> UnauthenticateError {
        UnauthenticateError {
            error,
            session: Box::new(self),
        }
    }
}
