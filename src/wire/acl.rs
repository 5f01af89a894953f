//! ACL (RFC 4314): the parsers of its responses and the encoders of its commands
//! (sans-I/O; the types are in `types/acl.rs`, the commands in `extensions/acl.rs`).

use crate::error::{Error, Result};
use crate::types::acl::{AclEntry, ListRights, Rights};
use crate::types::MailboxName;
use crate::wire::encode::Command;
use crate::wire::lexer::{Cursor, PResult};
use crate::wire::values::{at_end, mailbox};

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
pub(crate) fn check_rights(rights: &str) -> Result<()> {
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

pub(crate) fn identifier_arg(cmd: &mut Command, identifier: &[u8]) -> Result<()> {
    if identifier.is_empty() {
        return Err(Error::InvalidArgument("empty ACL identifier".into()));
    }
    cmd.astring(identifier, "ACL identifier")?;
    Ok(())
}

pub(crate) fn setacl_command(
    mailbox: &MailboxName,
    identifier: &[u8],
    rights: &str,
) -> Result<Command> {
    check_rights(rights)?;
    let mut cmd = Command::new("SETACL");
    cmd.astring(mailbox.wire(), "mailbox name")?;
    identifier_arg(&mut cmd, identifier)?;
    cmd.astring(rights.as_bytes(), "rights")?;
    Ok(cmd)
}
