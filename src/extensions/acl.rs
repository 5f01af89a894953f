//! ACL (RFC 4314): MYRIGHTS, GETACL, SETACL, DELETEACL, LISTRIGHTS.

use crate::error::{Error, Result};
use crate::session::Session;
use crate::types::acl::{AclEntry, ListRights, Rights};
use crate::types::MailboxName;
use crate::wire::acl::{identifier_arg, setacl_command};
use crate::wire::encode::Command;
use crate::wire::parse::Response;

/// Does a response name this mailbox? (`INBOX` in any case is the same mailbox.)
fn same(a: &MailboxName, b: &MailboxName) -> bool {
    a.wire() == b.wire()
}

impl Session {
    fn require_acl(&mut self) -> Result<()> {
        if self.conn.capabilities()?.has("ACL") {
            Ok(())
        } else {
            Err(Error::MissingCapability("ACL".into()))
        }
    }

    /// Asks what the logged-in user may do with `mailbox`, with MYRIGHTS (RFC 4314 section
    /// 3.5).
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// let rights = session.my_rights("INBOX")?;
    /// if !rights.contains('t') {
    ///     println!("read-only for us: {rights}");
    /// }
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: [`Error::MissingCapability`] when the server lacks ACL; [`Error::No`] when
    /// the mailbox does not exist or may not be looked up; [`Error::Protocol`] when the
    /// server answers OK without a MYRIGHTS response.
    pub fn my_rights(&mut self, mailbox: impl Into<MailboxName>) -> Result<Rights> {
        self.require_acl()?;
        let name = self.conn.adapt(mailbox.into());
        let mut cmd = Command::new("MYRIGHTS");
        cmd.astring(name.wire(), "mailbox name")?;
        let mut got = None;
        self.conn.run(
            cmd,
            &|r| matches!(r, Response::MyRights { mailbox, .. } if same(mailbox, &name)),
            &mut |r| {
                if let Response::MyRights { rights, .. } = r {
                    got = Some(rights);
                }
            },
        )?;
        got.ok_or_else(|| Error::Protocol("MYRIGHTS completed without a MYRIGHTS response".into()))
    }

    /// Reads the access control list of `mailbox` with GETACL (RFC 4314 section 3.3).
    ///
    /// Errors: [`Error::MissingCapability`] when the server lacks ACL; [`Error::No`] when
    /// the mailbox does not exist or the user lacks the `a` right; [`Error::Protocol`] when
    /// the server answers OK without an ACL response.
    pub fn get_acl(&mut self, mailbox: impl Into<MailboxName>) -> Result<Vec<AclEntry>> {
        self.require_acl()?;
        let name = self.conn.adapt(mailbox.into());
        let mut cmd = Command::new("GETACL");
        cmd.astring(name.wire(), "mailbox name")?;
        // Bounded by `max_result_size` (`Conn::finish`), like every collected result.
        let mut got: Option<Vec<AclEntry>> = None;
        self.conn.run(
            cmd,
            &|r| matches!(r, Response::Acl { mailbox, .. } if same(mailbox, &name)),
            &mut |r| {
                if let Response::Acl { entries, .. } = r {
                    got.get_or_insert_with(Vec::new).extend(entries);
                }
            },
        )?;
        got.ok_or_else(|| Error::Protocol("GETACL completed without an ACL response".into()))
    }

    /// Grants, adds or removes rights of `identifier` on `mailbox` with SETACL (RFC 4314
    /// section 3.1). `rights` replaces what the identifier had (`"lrs"`), adds to it
    /// (`"+w"`) or removes from it (`"-w"`); `""` removes every right. An identifier with a
    /// leading `-` (`"-fred"`) sets negative rights, where the server supports them.
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// session.set_acl("Shared/Team", "alice", "lrswi")?;
    /// session.set_acl("Shared/Team", "alice", "-i")?;
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: [`Error::MissingCapability`] when the server lacks ACL;
    /// [`Error::InvalidArgument`] for rights other than letters and digits after an optional
    /// `+` / `-`, or an empty identifier; [`Error::No`] when the user lacks the `a` right or
    /// the identifier is unknown; [`Error::Bad`] for rights the server does not know.
    pub fn set_acl(
        &mut self,
        mailbox: impl Into<MailboxName>,
        identifier: impl AsRef<[u8]>,
        rights: &str,
    ) -> Result<()> {
        let cmd = setacl_command(
            &self.conn.adapt(mailbox.into()),
            identifier.as_ref(),
            rights,
        )?;
        self.require_acl()?;
        self.conn.simple(cmd).map(drop)
    }

    /// Removes every right of `identifier` on `mailbox`: its whole ACL entry, with DELETEACL
    /// (RFC 4314 section 3.2).
    ///
    /// Errors: [`Error::MissingCapability`] when the server lacks ACL;
    /// [`Error::InvalidArgument`] for an empty identifier; [`Error::No`] when the user lacks
    /// the `a` right.
    pub fn delete_acl(
        &mut self,
        mailbox: impl Into<MailboxName>,
        identifier: impl AsRef<[u8]>,
    ) -> Result<()> {
        let name = self.conn.adapt(mailbox.into());
        let mut cmd = Command::new("DELETEACL");
        cmd.astring(name.wire(), "mailbox name")?;
        identifier_arg(&mut cmd, identifier.as_ref())?;
        self.require_acl()?;
        self.conn.simple(cmd).map(drop)
    }

    /// Asks which rights can be granted to `identifier` on `mailbox`, with LISTRIGHTS
    /// (RFC 4314 section 3.4).
    ///
    /// Errors: [`Error::MissingCapability`] when the server lacks ACL;
    /// [`Error::InvalidArgument`] for an empty identifier; [`Error::No`] when the user lacks
    /// the `a` right; [`Error::Protocol`] when the server answers OK without a LISTRIGHTS
    /// response.
    pub fn list_rights(
        &mut self,
        mailbox: impl Into<MailboxName>,
        identifier: impl AsRef<[u8]>,
    ) -> Result<ListRights> {
        let name = self.conn.adapt(mailbox.into());
        let mut cmd = Command::new("LISTRIGHTS");
        cmd.astring(name.wire(), "mailbox name")?;
        identifier_arg(&mut cmd, identifier.as_ref())?;
        self.require_acl()?;
        let mut got = None;
        self.conn.run(
            cmd,
            &|r| matches!(r, Response::ListRights(l) if same(&l.mailbox, &name)),
            &mut |r| {
                if let Response::ListRights(l) = r {
                    got = Some(l);
                }
            },
        )?;
        got.ok_or_else(|| {
            Error::Protocol("LISTRIGHTS completed without a LISTRIGHTS response".into())
        })
    }
}

#[cfg(test)]
mod tests {

    use crate::types::acl::Rights;
    use crate::wire::acl::{parse_acl, parse_listrights, parse_myrights, setacl_command};
    use crate::wire::lexer::Cursor;

    use crate::error::Error;
    use crate::types::*;
    use crate::wire::encode::Segment;

    /// Recorded by MailKit's tests (corpus/mailkit/acl/getacl.txt).
    const CORPUS_GETACL: &[u8] = b"INBOX Fred rwipslxetad Chris lrswi\r\n";
    /// corpus/mailkit/acl/listrights.txt
    const CORPUS_LISTRIGHTS: &[u8] =
        b"INBOX anyone \"\" l r s w i p k x t e c d a 0 1 2 3 4 5 6 7 8 9\r\n";
    /// corpus/mailkit/acl/myrights.txt
    const CORPUS_MYRIGHTS: &[u8] = b"INBOX rwiptsldaex\r\n";

    fn text(segs: &[Segment]) -> String {
        crate::wire::encode::segments_text(segs)
    }

    #[test]
    fn acl_responses() {
        // RFC 4314 section 3.6 example, and the corpus.
        let (mb, entries) = parse_acl(&mut Cursor::new(b"INBOX Fred rwipsldexta\r\n")).unwrap();
        assert!(mb.is_inbox());
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].identifier(), b"Fred");
        assert_eq!(entries[0].rights().as_str(), "rwipsldexta");
        let (_, entries) = parse_acl(&mut Cursor::new(CORPUS_GETACL)).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].identifier_lossy(), "Chris");
        assert!(entries[1].rights().contains('w') && !entries[1].rights().contains('a'));
        // Dovecot, a quoted 8-bit identifier, a literal one, and a negative identifier.
        let (mb, entries) = parse_acl(&mut Cursor::new(
            b"\"Shared/Team\" \"\xc3\xbcn\xc3\xaf\" lr {5}\r\n-fred w  anyone \"\"\r\n",
        ))
        .unwrap();
        assert_eq!(mb.as_str(), "Shared/Team");
        assert_eq!(entries[0].identifier(), "ünï".as_bytes());
        assert_eq!(entries[1].identifier(), b"-fred");
        assert_eq!(entries[2].rights(), &Rights::default());
        assert!(entries[2].rights().is_empty());
        // No entries at all, and an identifier without rights at the end.
        assert!(parse_acl(&mut Cursor::new(b"INBOX\r\n"))
            .unwrap()
            .1
            .is_empty());
        let (_, e) = parse_acl(&mut Cursor::new(b"INBOX bob\r\n")).unwrap();
        assert_eq!(
            (e[0].identifier(), e[0].rights().as_str()),
            (&b"bob"[..], "")
        );
        assert!(parse_acl(&mut Cursor::new(b"\"INBOX\r\n")).is_err());
    }

    #[test]
    fn myrights_and_listrights() {
        let (mb, rights) = parse_myrights(&mut Cursor::new(CORPUS_MYRIGHTS)).unwrap();
        assert!(mb.is_inbox());
        assert_eq!(rights.to_string(), "rwiptsldaex");
        assert_eq!(rights.iter().count(), 11);
        // Unquoted names with brackets are read whole.
        let (mb, _) = parse_myrights(&mut Cursor::new(b"[Gmail]/Sent] lr\r\n")).unwrap();
        assert_eq!(mb.as_str(), "[Gmail]/Sent]");

        // RFC 4314 section 3.7 example.
        let l =
            parse_listrights(&mut Cursor::new(b"~/Mail/saved smith la r swicdkxte\r\n")).unwrap();
        assert_eq!(l.mailbox().as_str(), "~/Mail/saved");
        assert_eq!(l.identifier(), b"smith");
        assert_eq!(l.required().as_str(), "la");
        assert_eq!(
            l.optional().iter().map(Rights::as_str).collect::<Vec<_>>(),
            ["r", "swicdkxte"]
        );
        assert!(l.allows('x') && l.allows('l') && !l.allows('z'));
        let l = parse_listrights(&mut Cursor::new(CORPUS_LISTRIGHTS)).unwrap();
        assert!(l.required().is_empty());
        assert_eq!(l.optional().len(), 23);
        assert_eq!(l.identifier_lossy(), "anyone");
        assert!(parse_listrights(&mut Cursor::new(b"INBOX\r\n")).is_err());
    }

    #[test]
    fn setacl_arguments() {
        let inbox = MailboxName::from("inbox");
        let cmd = setacl_command(&inbox, b"alice", "lrs").unwrap();
        assert_eq!(text(&cmd.into_segments()), "SETACL INBOX alice lrs");
        let cmd = setacl_command(&"Team Box".into(), "ünï".as_bytes(), "+w").unwrap();
        assert_eq!(
            text(&cmd.into_segments()),
            "SETACL \"Team Box\" {5}<ünï> +w"
        );
        let cmd = setacl_command(&inbox, b"anyone", "").unwrap();
        assert_eq!(text(&cmd.into_segments()), "SETACL INBOX anyone \"\"");
        // `+` alone adds nothing: harmless, sent as it is.
        assert!(setacl_command(&inbox, b"a", "+").is_ok());
        for bad in ["l r", "-w)", "lr\r\nA2 LOGOUT", "++w", "l\"r"] {
            assert!(
                matches!(
                    setacl_command(&inbox, b"a", bad),
                    Err(Error::InvalidArgument(_))
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            setacl_command(&inbox, b"", "l"),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            setacl_command(&inbox, b"a\0b", "l"),
            Err(Error::InvalidArgument(_))
        ));
    }
}
