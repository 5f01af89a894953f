//! The authenticated session: the commands.

use std::fmt;

use crate::conn::Conn;
use crate::error::{Error, Result};
use crate::state::{Mailbox, Unsolicited};
use crate::transport::CancelHandle;
use crate::types::{
    Capabilities, MailboxName, MailboxStatus, Name, Namespaces, ResponseCode, StatusItem,
    StatusKind,
};
use crate::wire::encode::Command;
use crate::wire::parse::Response;

/// An authenticated connection: every command of the authenticated and selected states.
///
/// One session is one connection on one thread. Each command writes its request and reads up
/// to its own tagged completion before it returns; responses it did not ask for update
/// [`mailbox`](Session::mailbox) and wait in [`unsolicited`](Session::unsolicited) until the
/// caller reads them. Nothing ever waits on the caller to drain anything.
pub struct Session {
    pub(crate) conn: Conn,
    /// How to connect again (`None` over a caller's stream).
    pub(crate) reconnect: Option<crate::builder::Reconnect>,
    /// Inside [`retrying`](Session::retrying): what APPEND / UID COPY did, for exactly once.
    pub(crate) journal: Option<crate::journal::Journal>,
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
        Session {
            conn,
            reconnect: None,
            journal: None,
        }
    }

    /// The parenthesised STATUS item list for `items`. IMAP4rev2 has no RECENT (RFC 9051
    /// appendix E): under it, RECENT is not asked for (unless it is the only item) and stays
    /// `None`.
    pub(crate) fn status_item_list(&self, items: &[StatusItem]) -> String {
        let list: Vec<&str> = self
            .status_items(items)
            .iter()
            .map(|i| i.as_str())
            .collect();
        format!("({})", list.join(" "))
    }

    /// The STATUS items to ask for: `items`, less RECENT under IMAP4rev2 (see
    /// [`status_item_list`](Self::status_item_list)).
    pub(crate) fn status_items(&self, items: &[StatusItem]) -> Vec<StatusItem> {
        let rev2 = self.conn.is_rev2();
        let kept: Vec<StatusItem> = items
            .iter()
            .filter(|i| !(rev2 && **i == StatusItem::Recent))
            .copied()
            .collect();
        if kept.is_empty() {
            items.to_vec()
        } else {
            kept
        }
    }

    /// [`Error::NotSelected`] for `command` unless a mailbox is selected (the engine checks
    /// every command it sends; a stream that sends later checks here, when it is made).
    pub(crate) fn require_selected(&self, command: &'static str) -> Result<()> {
        if self.conn.state.selected {
            Ok(())
        } else {
            Err(Error::NotSelected { command })
        }
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
    pub fn mailbox(&self) -> &Mailbox {
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
    /// Then every command fails at once with [`Error::Broken`]. True after a cancel too
    /// ([`CancelHandle::cancel`]), when every command fails with [`Error::Cancelled`].
    pub fn is_broken(&self) -> bool {
        self.conn.is_broken()
    }

    /// The handle that cancels this session's blocking calls from another thread: the call
    /// in progress (a long FETCH, an APPEND still writing, an IDLE, a reconnect) returns
    /// [`Error::Cancelled`] within milliseconds, and the session is closed until
    /// [`reconnect`](Self::reconnect). It stays valid across reconnects. With
    /// [`ClientBuilder::cancel_with`](crate::ClientBuilder::cancel_with), it is that
    /// builder's handle. See [`CancelHandle`] for the details, and
    /// [`idle_handle`](Self::idle_handle) for ending an IDLE politely instead.
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// let cancel = session.cancel_handle();
    /// std::thread::spawn(move || {
    ///     std::thread::sleep(std::time::Duration::from_secs(30));
    ///     cancel.cancel();
    /// });
    /// match session.append("Archive", &vec![b'x'; 50 << 20]) {
    ///     Err(e) if e.is_cancelled() => println!("gave up; the message may or may not be there"),
    ///     other => println!("{:?}", other?),
    /// }
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    pub fn cancel_handle(&self) -> CancelHandle {
        self.conn.cancel.handle().clone()
    }

    /// Is the connection encrypted?
    pub fn is_tls(&self) -> bool {
        self.conn.stream.is_tls()
    }

    /// The server's address, when the session runs over a TCP socket this crate opened
    /// (`None` for a stream given to
    /// [`connect_stream`](crate::ClientBuilder::connect_stream), unless it is a socket).
    pub fn peer_addr(&self) -> Option<std::net::SocketAddr> {
        self.conn.stream.tcp().and_then(|t| t.peer_addr().ok())
    }

    /// This end's address on the socket, as [`peer_addr`](Self::peer_addr).
    pub fn local_addr(&self) -> Option<std::net::SocketAddr> {
        self.conn.stream.tcp().and_then(|t| t.local_addr().ok())
    }

    /// Opens `mailbox` read-write with SELECT (RFC 9051 section 6.3.2) and returns what the
    /// server said of it; [`mailbox`](Self::mailbox) then follows every change.
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// let inbox = session.select("INBOX")?;
    /// println!("{} messages", inbox.exists());
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: [`Error::No`] when the mailbox does not exist or cannot be opened (no mailbox
    /// is selected afterwards).
    pub fn select(&mut self, mailbox: impl Into<MailboxName>) -> Result<Mailbox> {
        self.open("SELECT", self.conn.adapt(mailbox.into()))
    }

    /// Opens `mailbox` read-only with EXAMINE (RFC 9051 section 6.3.3).
    ///
    /// Errors: as [`select`](Self::select).
    pub fn examine(&mut self, mailbox: impl Into<MailboxName>) -> Result<Mailbox> {
        self.open("EXAMINE", self.conn.adapt(mailbox.into()))
    }

    fn open(&mut self, verb: &'static str, name: MailboxName) -> Result<Mailbox> {
        self.open_with(verb, name, None, &mut |_| {})
    }

    /// SELECT / EXAMINE with optional parameters (`(CONDSTORE)`, `(QRESYNC (...))`);
    /// VANISHED (EARLIER) and FETCH responses during it go to `extra`.
    pub(crate) fn open_with(
        &mut self,
        verb: &'static str,
        name: MailboxName,
        params: Option<String>,
        extra: &mut dyn FnMut(Response),
    ) -> Result<Mailbox> {
        let mut cmd = Command::new(verb);
        cmd.astring(name.wire(), "mailbox name")?;
        let resync = params.is_some();
        if let Some(p) = &params {
            cmd.raw(p);
        }
        // An IMAP4rev2 server names the mailbox in a LIST response during SELECT (RFC 9051
        // section 6.3.2): part of the answer, not news, as IMAP4rev1 servers send none.
        let opened = name.clone();
        // Whatever was selected is closed the moment the command is sent.
        self.conn.state = Mailbox {
            name: Some(name),
            read_only: verb == "EXAMINE",
            ..Mailbox::default()
        };
        let wants = |r: &Response| {
            is_select_data(r)
                || (resync && matches!(r, Response::Fetch(_)))
                || matches!(r, Response::List { lsub: false, name, .. } if name.name() == &opened)
        };
        let result = self.conn.run(cmd, &wants, &mut |r| {
            if matches!(r, Response::Vanished { .. } | Response::Fetch(_)) {
                extra(r);
            }
        });
        match result {
            Ok(text) => {
                self.conn.state.selected = true;
                if let Some(code) = &text.code {
                    self.conn.state.apply_code(code);
                }
                Ok(self.conn.state.clone())
            }
            Err(e) => {
                self.conn.state.selected = false;
                Err(e)
            }
        }
    }

    /// Closes the selected mailbox with CLOSE (RFC 9051 section 6.4.1), which also expunges
    /// every message marked `\Deleted` (without EXPUNGE responses).
    pub fn close(&mut self) -> Result<()> {
        self.conn.simple(Command::new("CLOSE"))?;
        self.conn.state = Mailbox::default();
        Ok(())
    }

    /// Closes the selected mailbox without expunging, with UNSELECT (RFC 3691).
    ///
    /// Errors: [`Error::MissingCapability`] when the server lacks UNSELECT (use
    /// [`close`](Self::close), or select another mailbox, instead).
    pub fn unselect(&mut self) -> Result<()> {
        if !self.conn.capabilities()?.has("UNSELECT") && !self.is_imap4rev2()? {
            return Err(Error::MissingCapability("UNSELECT".into()));
        }
        self.conn.simple(Command::new("UNSELECT"))?;
        self.conn.state = Mailbox::default();
        Ok(())
    }

    pub(crate) fn is_imap4rev2(&mut self) -> Result<bool> {
        Ok(self.conn.capabilities()?.has("IMAP4rev2"))
    }

    /// Sends CHECK (IMAP4rev1): asks the server to checkpoint the mailbox.
    pub fn check(&mut self) -> Result<()> {
        self.conn.simple(Command::new("CHECK")).map(drop)
    }

    fn mailbox_command(&mut self, verb: &'static str, names: &[&MailboxName]) -> Result<()> {
        let mut cmd = Command::new(verb);
        for name in names {
            cmd.astring(name.wire(), "mailbox name")?;
        }
        self.conn.simple(cmd).map(drop)
    }

    /// Creates a mailbox (CREATE, RFC 9051 section 6.3.4).
    ///
    /// Errors: [`Error::No`] when it exists already (often with an `ALREADYEXISTS` code) or
    /// cannot be created.
    pub fn create(&mut self, mailbox: impl Into<MailboxName>) -> Result<()> {
        self.mailbox_command("CREATE", &[&self.conn.adapt(mailbox.into())])
    }

    /// Deletes a mailbox (DELETE, RFC 9051 section 6.3.5).
    ///
    /// Errors: [`Error::No`] when it does not exist or cannot be deleted.
    pub fn delete(&mut self, mailbox: impl Into<MailboxName>) -> Result<()> {
        self.mailbox_command("DELETE", &[&self.conn.adapt(mailbox.into())])
    }

    /// Renames a mailbox (RENAME, RFC 9051 section 6.3.6).
    ///
    /// Errors: [`Error::No`] when `from` does not exist or `to` does.
    pub fn rename(
        &mut self,
        from: impl Into<MailboxName>,
        to: impl Into<MailboxName>,
    ) -> Result<()> {
        self.mailbox_command(
            "RENAME",
            &[&self.conn.adapt(from.into()), &self.conn.adapt(to.into())],
        )
    }

    /// Subscribes to a mailbox (SUBSCRIBE, RFC 9051 section 6.3.7).
    pub fn subscribe(&mut self, mailbox: impl Into<MailboxName>) -> Result<()> {
        self.mailbox_command("SUBSCRIBE", &[&self.conn.adapt(mailbox.into())])
    }

    /// Unsubscribes from a mailbox (UNSUBSCRIBE, RFC 9051 section 6.3.8).
    pub fn unsubscribe(&mut self, mailbox: impl Into<MailboxName>) -> Result<()> {
        self.mailbox_command("UNSUBSCRIBE", &[&self.conn.adapt(mailbox.into())])
    }

    /// Lists mailboxes matching `pattern` under `reference` (LIST, RFC 9051 section 6.3.9).
    /// In the pattern, `*` matches anything and `%` anything but the hierarchy delimiter:
    /// `session.list("", "*")` lists every mailbox.
    pub fn list(&mut self, reference: &str, pattern: &str) -> Result<Vec<Name>> {
        self.list_command("LIST", reference, pattern)
    }

    /// Lists subscribed mailboxes (LSUB, IMAP4rev1).
    pub fn lsub(&mut self, reference: &str, pattern: &str) -> Result<Vec<Name>> {
        self.list_command("LSUB", reference, pattern)
    }

    fn list_command(
        &mut self,
        verb: &'static str,
        reference: &str,
        pattern: &str,
    ) -> Result<Vec<Name>> {
        let lsub = verb == "LSUB";
        let mut cmd = Command::new(verb);
        cmd.string(
            self.conn.adapt(MailboxName::from(reference)).wire(),
            "reference",
        )?;
        cmd.string(
            self.conn.adapt(MailboxName::from(pattern)).wire(),
            "pattern",
        )?;
        // Bounded by `max_result_size` (`Conn::finish`), like every collected result.
        let mut names = Vec::new();
        self.conn.run(
            cmd,
            &|r| matches!(r, Response::List { lsub: l, .. } if *l == lsub),
            &mut |r| {
                if let Response::List { name, .. } = r {
                    names.push(name);
                }
            },
        )?;
        Ok(names)
    }

    /// Asks for a mailbox's status without selecting it (STATUS, RFC 9051 section 6.3.11).
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use blocking_imap::StatusItem;
    /// let st = session.status("INBOX", &[StatusItem::Messages, StatusItem::Unseen])?;
    /// println!("{:?} unseen of {:?}", st.unseen(), st.messages());
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Under IMAP4rev2, which has no RECENT, [`StatusItem::Recent`] is not sent (unless it
    /// is the only item) and [`MailboxStatus::recent`] stays `None`.
    ///
    /// Errors: [`Error::No`] when the mailbox does not exist; [`Error::Protocol`] when the
    /// server answers OK without a STATUS response.
    pub fn status(
        &mut self,
        mailbox: impl Into<MailboxName>,
        items: &[StatusItem],
    ) -> Result<MailboxStatus> {
        let name = self.conn.adapt(mailbox.into());
        let mut cmd = Command::new("STATUS");
        cmd.astring(name.wire(), "mailbox name")?;
        cmd.raw(&self.status_item_list(items));
        let mut got: Option<MailboxStatus> = None;
        self.conn.run(
            cmd,
            &|r| matches!(r, Response::MailboxStatus(s) if s.name() == &name),
            &mut |r| {
                if let Response::MailboxStatus(s) = r {
                    got = Some(s);
                }
            },
        )?;
        got.ok_or_else(|| Error::Protocol("STATUS completed without a STATUS response".into()))
    }

    /// Asks for the server's namespaces (NAMESPACE, RFC 2342).
    ///
    /// Errors: [`Error::MissingCapability`] when the server lacks NAMESPACE.
    pub fn namespace(&mut self) -> Result<Namespaces> {
        if !self.conn.capabilities()?.has("NAMESPACE") && !self.is_imap4rev2()? {
            return Err(Error::MissingCapability("NAMESPACE".into()));
        }
        let mut got = None;
        self.conn.run(
            Command::new("NAMESPACE"),
            &|r| matches!(r, Response::Namespace(_)),
            &mut |r| {
                if let Response::Namespace(n) = r {
                    got = Some(n);
                }
            },
        )?;
        got.ok_or_else(|| {
            Error::Protocol("NAMESPACE completed without a NAMESPACE response".into())
        })
    }

    /// Sends LOGOUT (RFC 9051 section 6.1.3) and closes the connection. The server's BYE is
    /// expected here and is not an error.
    pub fn logout(mut self) -> Result<()> {
        logout(&mut self.conn)
    }
}

/// The untagged responses that make up SELECT's answer (they update the state and are not
/// queued as unsolicited).
fn is_select_data(r: &Response) -> bool {
    match r {
        Response::Exists(_) | Response::Recent(_) | Response::Flags(_) => true,
        Response::Vanished { earlier: true, .. } => true,
        Response::Status {
            kind: StatusKind::Ok,
            text,
        } => !matches!(text.code, None | Some(ResponseCode::Alert)),
        _ => false,
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
