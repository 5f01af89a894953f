//! QUOTA (RFC 9208): the parsers of its responses and the encoders of its commands
//! (sans-I/O; the types are in `types/quota.rs`, the commands in `extensions/quota.rs`).

use crate::error::{Error, Result};
use crate::types::quota::{Quota, QuotaResource, QuotaUsage};
use crate::types::MailboxName;
use crate::wire::encode::Command;
use crate::wire::lexer::{Cursor, PResult};
use crate::wire::values::{at_end, mailbox};

/// `root SP "(" [resource SP usage SP limit *(SP ...)] ")"` (RFC 9208 section 7.1).
/// The root may be an atom (`storage=0`), a quoted string or a literal. Linear: each turn
/// reads three tokens (at least three bytes) or fails.
pub(crate) fn parse_quota(c: &mut Cursor<'_>) -> PResult<Quota> {
    let root = c.astring()?.into_owned();
    let mut resources = Vec::new();
    c.expect(b'(')?;
    loop {
        if c.eat(b')') {
            break;
        }
        if c.peek().is_none() {
            return Err(format!("expected ')' at byte {}", c.pos()));
        }
        let resource = QuotaResource::parse(c.atom()?);
        let usage = c.number64()?;
        let limit = c.number64()?;
        resources.push(QuotaUsage {
            resource,
            usage,
            limit,
        });
    }
    Ok(Quota { root, resources })
}

/// `mailbox *(SP root)` (RFC 9208 section 7.2). Linear: one string or atom per turn.
pub(crate) fn parse_quotaroot(c: &mut Cursor<'_>) -> PResult<(MailboxName, Vec<Vec<u8>>)> {
    let mailbox = mailbox(c)?;
    let mut roots = Vec::new();
    while !at_end(c) {
        roots.push(c.astring()?.into_owned());
    }
    Ok((mailbox, roots))
}

pub(crate) fn setquota_command(root: &[u8], limits: &[(QuotaResource, u64)]) -> Result<Command> {
    let mut list = Vec::with_capacity(limits.len());
    for (resource, limit) in limits {
        let name = resource.as_str();
        let ok = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !ok {
            return Err(Error::InvalidArgument(format!("quota resource {name:?}")));
        }
        list.push(format!("{name} {limit}"));
    }
    let mut cmd = Command::new("SETQUOTA");
    cmd.astring(root, "quota root")?;
    cmd.raw(&format!("({})", list.join(" ")));
    Ok(cmd)
}
