//! APPEND of several messages in one command (MULTIAPPEND, RFC 3502) and of messages holding
//! NUL bytes as literal8 (BINARY, RFC 3516).

use crate::error::{Error, Result};
use crate::journal::Earlier;
use crate::session::Session;
use std::io::Read;

use crate::conn::Source;
use crate::mime::message_id;
use crate::types::append::{AppendMessage, AppendSource};
use crate::types::{AppendUid, MailboxName, ResponseCode};
use crate::wire::encode::{flag_list, Command};

impl Session {
    /// Adds several messages to a mailbox in one APPEND command (MULTIAPPEND, RFC 3502):
    /// either all of them are added or none is. Returns their UIDs, in order, when the
    /// server supports UIDPLUS. Messages go as non-synchronising literals when the server
    /// has LITERAL+ (else each waits for the server's `+`), and a message holding NUL bytes
    /// as a literal8 (`~{n}`) when it has BINARY (RFC 3516). A single message needs no
    /// MULTIAPPEND.
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use blocking_imap::{AppendMessage, Flag};
    /// let (a, b) = (b"Subject: one\r\n\r\n1\r\n", b"Subject: two\r\n\r\n2\r\n");
    /// let uids = session.append_many(
    ///     "Archive",
    ///     &[AppendMessage::new(a), AppendMessage::new(b).flags(&[Flag::Seen])],
    /// )?;
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: [`Error::MissingCapability`] (`"MULTIAPPEND"`) for more than one message when
    /// the server lacks MULTIAPPEND, and (`"BINARY"`) for a message holding NUL bytes when
    /// it lacks BINARY; [`Error::InvalidArgument`] for no messages, a flag that cannot be
    /// stored or a malformed date (nothing is sent then); [`Error::No`], often with
    /// `TRYCREATE` when the mailbox does not exist, and then no message was added.
    pub fn append_many(
        &mut self,
        mailbox: impl Into<MailboxName>,
        messages: &[AppendMessage<'_>],
    ) -> Result<Option<AppendUid>> {
        if messages.len() > 1 && !self.conn.capabilities()?.has("MULTIAPPEND") {
            return Err(Error::MissingCapability("MULTIAPPEND".into()));
        }
        self.append_messages(self.conn.adapt(mailbox.into()), messages)
    }

    /// APPEND of one or more messages (the caller has checked MULTIAPPEND for several).
    pub(crate) fn append_messages(
        &mut self,
        mailbox: MailboxName,
        messages: &[AppendMessage<'_>],
    ) -> Result<Option<AppendUid>> {
        if messages.is_empty() {
            return Err(Error::InvalidArgument("no messages to append".into()));
        }
        let caps = self.conn.capabilities()?;
        let binary = caps.has("BINARY") || caps.has("IMAP4rev2");
        let mut cmd = Command::new("APPEND");
        cmd.astring(mailbox.wire(), "mailbox name")?;
        for msg in messages {
            if !msg.flags.is_empty() {
                cmd.raw(&flag_list(&msg.flags)?);
            }
            if let Some(date) = &msg.internal_date {
                // `"dd-Mon-yyyy hh:mm:ss +zzzz"`, the day space-padded (RFC 9051 date-time).
                cmd.raw(&format!("\"{date}\""));
            }
            if msg.message.contains(&0) {
                if !binary {
                    return Err(Error::MissingCapability("BINARY".into()));
                }
                cmd.literal8_arg(msg.message.to_vec());
            } else {
                cmd.literal_arg(msg.message.to_vec());
            }
        }
        // Under `retrying`: an APPEND that completed in an earlier run is not sent again.
        if let Earlier::Done(done) = self.append_begin(&mailbox, messages)? {
            return Ok(done);
        }
        let result = self.conn.simple(cmd).map(|text| match text.code {
            Some(ResponseCode::AppendUid { uid_validity, uids }) => {
                Some(AppendUid { uid_validity, uids })
            }
            _ => None,
        });
        self.append_end(&result);
        result
    }
    /// APPEND of a message read from a file or any reader ([`AppendSource`]): its bytes are
    /// written as they are read, in pieces of 64 KiB, synchronising or LITERAL+ as the
    /// server allows (a literal8 with [`AppendSource::binary`]). Returns its UID when the
    /// server supports UIDPLUS. Under [`retrying`](Self::retrying) it happens exactly once,
    /// like [`append`](Self::append), when the message has a Message-ID in its first 64 KiB
    /// (the closure opens the source again for a run after a cut).
    ///
    /// Errors: as [`append`](Self::append); [`Error::Caller`] when the reader fails or ends
    /// before `len` bytes: the server is then still waiting for the rest, so the session is
    /// unusable (reconnect).
    pub fn append_from(
        &mut self,
        mailbox: impl Into<MailboxName>,
        source: AppendSource<'_>,
    ) -> Result<Option<AppendUid>> {
        self.append_many_from(mailbox, vec![source])
    }

    /// [`append_from`](Self::append_from) of several messages in one command (MULTIAPPEND,
    /// RFC 3502: all are added, or none).
    ///
    /// Errors: as [`append_many`](Self::append_many) and [`append_from`](Self::append_from).
    pub fn append_many_from(
        &mut self,
        mailbox: impl Into<MailboxName>,
        sources: Vec<AppendSource<'_>>,
    ) -> Result<Option<AppendUid>> {
        if sources.is_empty() {
            return Err(Error::InvalidArgument("no messages to append".into()));
        }
        let caps = self.conn.capabilities()?;
        if sources.len() > 1 && !caps.has("MULTIAPPEND") {
            return Err(Error::MissingCapability("MULTIAPPEND".into()));
        }
        let binary_ok = caps.has("BINARY") || caps.has("IMAP4rev2");
        let mailbox = self.conn.adapt(mailbox.into());
        let mut cmd = Command::new("APPEND");
        cmd.astring(mailbox.wire(), "mailbox name")?;
        for src in &sources {
            if !src.flags.is_empty() {
                cmd.raw(&flag_list(&src.flags)?);
            }
            if let Some(date) = &src.internal_date {
                cmd.raw(&format!("\"{date}\""));
            }
            if src.binary && !binary_ok {
                return Err(Error::MissingCapability("BINARY".into()));
            }
            cmd.source_arg(src.len, src.binary);
        }
        // The first bytes of each message (its header, mostly) are read ahead: the
        // Message-ID in them is what exactly-once looks for after a cut.
        let mut heads = Vec::with_capacity(sources.len());
        let mut parts = Vec::with_capacity(sources.len());
        for src in sources {
            let want = src.len.min(64 * 1024);
            let mut head = Vec::with_capacity(usize::try_from(want).unwrap_or(0));
            src.reader
                .take(want)
                .read_to_end(&mut head)
                .map_err(|e| Error::Caller {
                    action: "reading the message to append",
                    source: e,
                })?;
            heads.push(message_id(&head));
            parts.push((std::io::Cursor::new(head), src.reader, src.progress));
        }
        if let Earlier::Done(done) = self.append_begin_ids(&mailbox, heads)? {
            return Ok(done);
        }
        let mut chains = Vec::with_capacity(parts.len());
        let mut progresses = Vec::with_capacity(parts.len());
        for (head, reader, progress) in parts {
            chains.push(head.chain(reader));
            progresses.push(progress);
        }
        let mut feeds: Vec<Source<'_>> = chains
            .iter_mut()
            .zip(progresses)
            .map(|(chain, progress)| Source {
                reader: chain,
                progress: progress.map(|p| p as &mut dyn FnMut(u64, u64)),
            })
            .collect();
        let result = self.conn.send_with(cmd, &mut feeds).and_then(|tag| {
            self.conn
                .finish(&tag, &|_| false, &mut |_| {})
                .map(|text| match text.code {
                    Some(ResponseCode::AppendUid { uid_validity, uids }) => {
                        Some(AppendUid { uid_validity, uids })
                    }
                    _ => None,
                })
        });
        self.append_end(&result);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{DateTime, Flag};

    #[test]
    fn builder_keeps_what_it_is_given() {
        let m = AppendMessage::new(b"x")
            .flags(&[Flag::Seen, Flag::Draft])
            .internal_date(DateTime::new(2024, 1, 1, 0, 0, 0, 0).unwrap());
        assert_eq!(m.message(), b"x");
        assert_eq!(m.flags, [Flag::Seen, Flag::Draft]);
        assert_eq!(
            m.internal_date.map(|d| d.to_string()).as_deref(),
            Some(" 1-Jan-2024 00:00:00 +0000")
        );
        assert_eq!(AppendMessage::new(b"y").flags, []);
    }
}
