//! CATENATE (RFC 4469): APPEND a message put together from pieces, some already on the server.

use crate::error::{Error, Result};
use crate::session::Session;
use crate::types::catenate::CatenatePart;
use crate::types::{AppendUid, DateTime, Flag, MailboxName, ResponseCode};
use crate::wire::encode::{flag_list, Command};

impl Session {
    /// Appends to `mailbox` a message made of `parts` in order: bytes given here, and
    /// messages or parts already on the server named by IMAP URLs (APPEND with CATENATE,
    /// RFC 4469). A forward, say, without downloading the attachment to upload it again.
    /// Returns the new message's UID when the server supports UIDPLUS.
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use blocking_imap::{CatenatePart, Flag, Uid};
    /// let head = b"From: me@example.org\r\nSubject: Fwd: report\r\n\r\n";
    /// session.append_catenate(
    ///     "Drafts",
    ///     &[
    ///         CatenatePart::Text(head),
    ///         CatenatePart::url("INBOX", 385759045, Uid(20), Some("TEXT")),
    ///     ],
    ///     &[Flag::Draft],
    ///     None,
    /// )?;
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: [`Error::MissingCapability`] (`"CATENATE"`) when the server lacks it;
    /// [`Error::InvalidArgument`] for no parts, a text part holding NUL, a URL holding
    /// CR, LF or NUL, or a flag that cannot be stored (nothing is sent then); [`Error::No`]
    /// with a [`ResponseCode::BadUrl`] code when the server cannot use a URL (no message
    /// was added), or `TRYCREATE` when the mailbox does not exist.
    pub fn append_catenate(
        &mut self,
        mailbox: impl Into<MailboxName>,
        parts: &[CatenatePart<'_>],
        flags: &[Flag],
        internal_date: Option<DateTime>,
    ) -> Result<Option<AppendUid>> {
        if !self.conn.capabilities()?.has("CATENATE") {
            return Err(Error::MissingCapability("CATENATE".into()));
        }
        if parts.is_empty() {
            return Err(Error::InvalidArgument("CATENATE with no parts".into()));
        }
        let mailbox = self.conn.adapt(mailbox.into());
        // Named apart from APPEND: the exactly-once machinery of `retrying` knows a plain
        // APPEND by its Message-ID; this one is never run twice.
        let mut cmd = Command::with_verb("APPEND CATENATE", "APPEND");
        cmd.astring(mailbox.wire(), "mailbox name")?;
        if !flags.is_empty() {
            cmd.raw(&flag_list(flags)?);
        }
        if let Some(date) = internal_date {
            cmd.raw(&format!("\"{date}\""));
        }
        cmd.raw("CATENATE");
        cmd.open_list();
        for part in parts {
            match part {
                CatenatePart::Text(bytes) => {
                    if bytes.contains(&0) {
                        return Err(Error::InvalidArgument(
                            "a CATENATE text part holds NUL bytes".into(),
                        ));
                    }
                    cmd.raw("TEXT");
                    cmd.literal_arg(bytes.to_vec());
                }
                CatenatePart::Url(url) => {
                    if url.is_empty() || url.contains(['\r', '\n']) {
                        return Err(Error::InvalidArgument(format!(
                            "CATENATE URL {url:?} is empty or holds CR or LF"
                        )));
                    }
                    cmd.raw("URL");
                    cmd.string(url.as_bytes(), "CATENATE URL")?;
                }
            }
        }
        cmd.close_list();
        let text = self.conn.simple(cmd)?;
        Ok(match text.code {
            Some(ResponseCode::AppendUid { uid_validity, uids }) => {
                Some(AppendUid { uid_validity, uids })
            }
            _ => None,
        })
    }
}
