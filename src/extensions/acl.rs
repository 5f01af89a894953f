//! ACL (RFC 4314): MYRIGHTS, GETACL, SETACL, DELETEACL, LISTRIGHTS.

use std::borrow::Cow;
use std::fmt;

use crate::error::{Error, Result};
use crate::session::Session;
use crate::types::MailboxName;
use crate::wire::encode::Command;
use crate::wire::lexer::{Cursor, PResult};
use crate::wire::parse::Response;
use crate::wire::values::{at_end, mailbox};

/// A set of access rights (RFC 4314 section 2.1): one lower-case letter or digit per right,
/// such as `l` (lookup), `r` (read), `s` (keep seen), `w` (write flags), `i` (insert),
/// `p` (post), `k` (create mailboxes), `x` (delete mailbox), `t` (delete messages),
/// `e` (expunge), `a` (administer); RFC 2086 servers also send `c` and `d`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Rights(String);

impl Rights {
    pub(crate) fn from_wire(raw: &[u8]) -> Rights {
        Rights(String::from_utf8_lossy(raw).into_owned())
    }

    /// The rights as the server wrote them (`"lrswipkxtea"`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Is `right` in the set?
    pub fn contains(&self, right: char) -> bool {
        self.0.contains(right)
    }

    /// Each right, in the server's order.
    pub fn iter(&self) -> impl Iterator<Item = char> + '_ {
        self.0.chars()
    }

    /// Is the set empty (no rights at all)?
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Rights {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One entry of a mailbox's access control list (`GETACL`): who, and what they may do.
#[derive(Clone, PartialEq, Eq)]
pub struct AclEntry {
    identifier: Vec<u8>,
    rights: Rights,
}

/// Readable: the identifier as text, not bytes.
impl std::fmt::Debug for AclEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AclEntry")
            .field("identifier", &crate::error::RawBytes::new(&self.identifier))
            .field("rights", &self.rights)
            .finish()
    }
}

impl AclEntry {
    /// The identifier (a user name, `anyone`, a group such as `$admins`, or a negative
    /// identifier such as `-fred`), as the server sent it: it may be 8-bit.
    pub fn identifier(&self) -> &[u8] {
        &self.identifier
    }

    /// The identifier as text: invalid UTF-8 becomes U+FFFD.
    pub fn identifier_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.identifier)
    }

    /// The rights granted (or, for a negative identifier, denied).
    pub fn rights(&self) -> &Rights {
        &self.rights
    }
}

/// What `LISTRIGHTS` says can be granted to an identifier on a mailbox (RFC 4314 section
/// 3.7): rights it always has, and groups of rights that can be granted, each group as a
/// whole.
#[derive(Clone, PartialEq, Eq)]
pub struct ListRights {
    mailbox: MailboxName,
    identifier: Vec<u8>,
    required: Rights,
    optional: Vec<Rights>,
}

/// Readable: the identifier as text, not bytes.
impl std::fmt::Debug for ListRights {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListRights")
            .field("mailbox", &self.mailbox)
            .field("identifier", &crate::error::RawBytes::new(&self.identifier))
            .field("required", &self.required)
            .field("optional", &self.optional)
            .finish()
    }
}

impl ListRights {
    /// The mailbox the answer is about.
    pub fn mailbox(&self) -> &MailboxName {
        &self.mailbox
    }

    /// The identifier the answer is about, as the server sent it.
    pub fn identifier(&self) -> &[u8] {
        &self.identifier
    }

    /// The identifier as text: invalid UTF-8 becomes U+FFFD.
    pub fn identifier_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.identifier)
    }

    /// The rights the identifier always has on the mailbox (often empty).
    pub fn required(&self) -> &Rights {
        &self.required
    }

    /// Rights that may be granted; the rights of one item can only be granted together.
    pub fn optional(&self) -> &[Rights] {
        &self.optional
    }

    /// Can `right` be held at all (required or grantable)?
    pub fn allows(&self, right: char) -> bool {
        self.required.contains(right) || self.optional.iter().any(|r| r.contains(right))
    }
}

// ----------------------------------------------------------------------------------------
// Parsers: each takes a cursor placed after the response's keyword. Linear: every loop
// below reads at least one string or atom per turn (at least one byte) or fails.

/// `mailbox *(SP identifier SP rights)` (RFC 4314 section 3.6).
pub(crate) fn parse_acl(c: &mut Cursor<'_>) -> PResult<(MailboxName, Vec<AclEntry>)> {
    let mailbox = mailbox(c)?;
    let mut entries = Vec::new();
    while !at_end(c) {
        let identifier = c.astring()?.into_owned();
        // A server that ends the list with an identifier alone gets it with no rights.
        let rights = if at_end(c) {
            Rights::default()
        } else {
            Rights::from_wire(&c.astring()?)
        };
        entries.push(AclEntry { identifier, rights });
    }
    Ok((mailbox, entries))
}

/// `mailbox SP rights` (RFC 4314 section 3.8).
pub(crate) fn parse_myrights(c: &mut Cursor<'_>) -> PResult<(MailboxName, Rights)> {
    let mailbox = mailbox(c)?;
    let rights = if at_end(c) {
        Rights::default()
    } else {
        Rights::from_wire(&c.astring()?)
    };
    Ok((mailbox, rights))
}

/// `mailbox SP identifier SP required *(SP optional)` (RFC 4314 section 3.7).
pub(crate) fn parse_listrights(c: &mut Cursor<'_>) -> PResult<ListRights> {
    let mailbox = mailbox(c)?;
    let identifier = c.astring()?.into_owned();
    let required = if at_end(c) {
        Rights::default()
    } else {
        Rights::from_wire(&c.astring()?)
    };
    let mut optional = Vec::new();
    while !at_end(c) {
        optional.push(Rights::from_wire(&c.astring()?));
    }
    Ok(ListRights {
        mailbox,
        identifier,
        required,
        optional,
    })
}

// ----------------------------------------------------------------------------------------
// Commands.

/// `+` or `-` and rights letters and digits, as SETACL sends them.
fn check_rights(rights: &str) -> Result<()> {
    let body = rights
        .strip_prefix('+')
        .or_else(|| rights.strip_prefix('-'))
        .unwrap_or(rights);
    if body.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "rights {rights:?}: only letters and digits, after an optional + or -"
        )))
    }
}

fn identifier_arg(cmd: &mut Command, identifier: &[u8]) -> Result<()> {
    if identifier.is_empty() {
        return Err(Error::InvalidArgument("empty ACL identifier".into()));
    }
    cmd.astring(identifier, "ACL identifier")?;
    Ok(())
}

fn setacl_command(mailbox: &MailboxName, identifier: &[u8], rights: &str) -> Result<Command> {
    check_rights(rights)?;
    let mut cmd = Command::new("SETACL");
    cmd.astring(mailbox.wire(), "mailbox name")?;
    identifier_arg(&mut cmd, identifier)?;
    cmd.astring(rights.as_bytes(), "rights")?;
    Ok(cmd)
}

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
    use super::*;
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
