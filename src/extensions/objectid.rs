//! OBJECTID (RFC 8474): the id a new mailbox gets. (`EMAILID` / `THREADID` are fetch items and
//! search keys; `MAILBOXID` is a STATUS item.)

use crate::error::Result;
use crate::session::Session;
use crate::types::{MailboxName, ResponseCode};
use crate::wire::encode::Command;

impl Session {
    /// Creates a mailbox (CREATE, RFC 9051 section 6.3.4) and returns the id the server gave
    /// it: the `MAILBOXID` response code of RFC 8474 (OBJECTID), which stays with the
    /// mailbox across renames. `None` when the server sent none (it lacks OBJECTID).
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// if let Some(id) = session.create_with_id("Projects")? {
    ///     println!("Projects is {id}");
    /// }
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: as [`create`](Self::create).
    pub fn create_with_id(&mut self, mailbox: impl Into<MailboxName>) -> Result<Option<String>> {
        let name = self.conn.adapt(mailbox.into());
        let mut cmd = Command::new("CREATE");
        cmd.astring(name.wire(), "mailbox name")?;
        let text = self.conn.simple(cmd)?;
        Ok(match text.code {
            Some(ResponseCode::MailboxId(id)) => Some(id),
            _ => None,
        })
    }
}
