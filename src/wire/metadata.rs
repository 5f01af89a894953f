//! METADATA (RFC 5464): the parsers of its responses and the encoders of its commands
//! (sans-I/O; the types are in `types/metadata.rs`, the commands in `extensions/metadata.rs`).

use std::borrow::Cow;

use crate::error::{Error, Result};
use crate::types::metadata::{Metadata, MetadataEntry, MetadataOptions};
use crate::types::MailboxName;
use crate::wire::encode::Command;
use crate::wire::lexer::{Cursor, PResult};
use crate::wire::values::{astring_text, at_end, mailbox, pair_list, Value};

/// The two forms of a METADATA response.
#[derive(Debug, PartialEq)]
pub(crate) enum MetadataResponse {
    /// Entries with their values.
    Values(Metadata),
    /// The unsolicited form: the names of entries that changed.
    Changed {
        mailbox: MailboxName,
        entries: Vec<String>,
    },
}

/// A METADATA response: `mailbox SP "(" entry SP value *(SP entry SP value) ")"` with values
/// (`nstring` or `literal8`), or `mailbox SP entry *(SP entry)`, the unsolicited form that
/// only names entries that changed (RFC 5464 section 4.4).
///
/// Linear: both forms read at least one string or atom per entry (at least one byte) or fail.
pub(crate) fn parse_metadata(c: &mut Cursor<'_>) -> PResult<MetadataResponse> {
    let mailbox = mailbox(c)?;
    c.spaces();
    if c.peek() != Some(b'(') {
        let mut entries = Vec::new();
        while !at_end(c) {
            entries.push(String::from_utf8_lossy(&c.astring()?).into_owned());
        }
        if entries.is_empty() {
            return Err(format!("expected metadata entries at byte {}", c.pos()));
        }
        return Ok(MetadataResponse::Changed { mailbox, entries });
    }
    let entries = c.list(false, |c| {
        let name = String::from_utf8_lossy(&c.astring()?).into_owned();
        let value = c.nstring()?.map(Cow::into_owned);
        Ok(MetadataEntry { name, value })
    })?;
    Ok(MetadataResponse::Values(Metadata {
        mailbox,
        entries,
        long_entries: None,
    }))
}

/// An entry name as SETMETADATA / GETMETADATA send it: it must start with `/` and holds
/// neither wildcards nor anything that needs a literal (RFC 5464 section 3.2).
pub(crate) fn entry_arg(name: &str) -> Result<String> {
    let ok = name.starts_with('/')
        && !name.contains(['*', '%'])
        && name.bytes().all(|b| b > 0x1f && b < 0x7f);
    ok.then(|| astring_text(name.as_bytes()))
        .flatten()
        .ok_or_else(|| Error::InvalidArgument(format!("metadata entry name {name:?}")))
}

pub(crate) fn getmetadata_command(
    mailbox: &MailboxName,
    entries: &[&str],
    options: &MetadataOptions,
) -> Result<Command> {
    if entries.is_empty() {
        return Err(Error::InvalidArgument(
            "GETMETADATA needs at least one entry".into(),
        ));
    }
    let names = entries
        .iter()
        .map(|e| entry_arg(e))
        .collect::<Result<Vec<_>>>()?;
    let mut cmd = Command::new("GETMETADATA");
    if let Some(opts) = options.render() {
        cmd.raw(&opts);
    }
    cmd.astring(mailbox.wire(), "mailbox name")?;
    cmd.raw(&format!("({})", names.join(" ")));
    Ok(cmd)
}

pub(crate) fn setmetadata_command(
    mailbox: &MailboxName,
    entries: &[(&str, Option<&[u8]>)],
    binary: bool,
) -> Result<Command> {
    if entries.is_empty() {
        return Err(Error::InvalidArgument(
            "SETMETADATA needs at least one entry".into(),
        ));
    }
    let mut pairs = Vec::with_capacity(entries.len());
    for (name, value) in entries {
        let value = match value {
            None => Value::Text("NIL".into()),
            Some(v) => match Value::string(v) {
                Some(v) => v,
                None if binary => Value::Literal8(v.to_vec()),
                None => {
                    return Err(Error::InvalidArgument(format!(
                        "value of {name:?} holds NUL, which needs BINARY (literal8)"
                    )))
                }
            },
        };
        pairs.push((entry_arg(name)?, value));
    }
    let mut cmd = Command::new("SETMETADATA");
    cmd.astring(mailbox.wire(), "mailbox name")?;
    pair_list(&mut cmd, pairs);
    Ok(cmd)
}
