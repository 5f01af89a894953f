//! REPLACE (RFC 8508): put a new version of a message in place of the old one, atomically.

use crate::error::{Error, Result};
use crate::session::Session;
use crate::types::append::AppendMessage;
use crate::types::{AppendUid, MailboxName, ResponseCode, Seq, StatusKind, Uid};
use crate::wire::encode::{flag_list, Command};
use crate::wire::parse::Response;

impl Session {
    /// Replaces message `seq` of the selected mailbox with `message`, stored in `mailbox`
    /// (the same mailbox or another), in one step: REPLACE (RFC 8508). The old message is
    /// expunged (its EXPUNGE updates [`mailbox`](Self::mailbox) and the unsolicited queue
    /// as usual); the new one gets the flags and internal date of `message`. Returns the
    /// new message's UID when the server reports it (`APPENDUID`, with UIDPLUS).
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use blocking_imap::{AppendMessage, Flag, Uid};
    /// session.select("Drafts")?;
    /// let edited = b"Subject: draft v2\r\n\r\nBetter text\r\n";
    /// let new = session.uid_replace(Uid(7), "Drafts", &AppendMessage::new(edited).flags(&[Flag::Draft]))?;
    /// println!("{new:?}");
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: [`Error::MissingCapability`] (`"REPLACE"`) when the server lacks it;
    /// [`Error::InvalidArgument`] for a flag that cannot be stored, a message holding NUL,
    /// or sequence number 0 (nothing sent); [`Error::No`] when the message or the mailbox
    /// does not exist (often `TRYCREATE`) — then nothing changed.
    pub fn replace(
        &mut self,
        seq: Seq,
        mailbox: impl Into<MailboxName>,
        message: &AppendMessage<'_>,
    ) -> Result<Option<AppendUid>> {
        self.replace_command("REPLACE", seq.0, mailbox.into(), message)
    }

    /// [`replace`](Self::replace) by UID: UID REPLACE (RFC 8508).
    ///
    /// Errors: as [`replace`](Self::replace).
    pub fn uid_replace(
        &mut self,
        uid: Uid,
        mailbox: impl Into<MailboxName>,
        message: &AppendMessage<'_>,
    ) -> Result<Option<AppendUid>> {
        self.replace_command("UID REPLACE", uid.0, mailbox.into(), message)
    }

    fn replace_command(
        &mut self,
        verb: &'static str,
        n: u32,
        mailbox: MailboxName,
        message: &AppendMessage<'_>,
    ) -> Result<Option<AppendUid>> {
        if !self.conn.capabilities()?.has("REPLACE") {
            return Err(Error::MissingCapability("REPLACE".into()));
        }
        if n == 0 {
            return Err(Error::InvalidArgument(format!("{verb} of message 0")));
        }
        if message.message.contains(&0) {
            return Err(Error::InvalidArgument(
                "the replacement holds NUL bytes (REPLACE takes no literal8)".into(),
            ));
        }
        let mailbox = self.conn.adapt(mailbox);
        let mut cmd = Command::new(verb);
        cmd.raw(&n.to_string());
        cmd.astring(mailbox.wire(), "mailbox name")?;
        if !message.flags.is_empty() {
            cmd.raw(&flag_list(&message.flags)?);
        }
        if let Some(date) = &message.internal_date {
            cmd.raw(&format!("\"{date}\""));
        }
        cmd.literal_arg(message.message.to_vec());
        // RFC 8508 section 3.3: the APPENDUID comes in an untagged OK before the EXPUNGE
        // (or in the tagged OK from some servers).
        let mut appended = None;
        let text = self.conn.run(
            cmd,
            &|r| {
                matches!(r, Response::Status { kind: StatusKind::Ok, text }
                    if matches!(text.code, Some(ResponseCode::AppendUid { .. })))
            },
            &mut |r| {
                if let Response::Status { text, .. } = r {
                    if let Some(ResponseCode::AppendUid { uid_validity, uids }) = text.code {
                        appended = Some(AppendUid { uid_validity, uids });
                    }
                }
            },
        )?;
        if let Some(ResponseCode::AppendUid { uid_validity, uids }) = text.code {
            appended = Some(AppendUid { uid_validity, uids });
        }
        Ok(appended)
    }
}
