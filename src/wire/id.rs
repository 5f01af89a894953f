//! ID (RFC 2971) and ENABLE (RFC 5161): the parsers of its responses and the encoders of its commands
//! (sans-I/O; the types are in `types/id.rs`, the commands in `extensions/id.rs`).

use std::borrow::Cow;

use crate::error::{Error, Result};
use crate::types::id::IdInfo;
use crate::wire::encode::{is_atom, Command};
use crate::wire::lexer::{Cursor, PResult};
use crate::wire::values::{at_end, pair_list, quoted, Value};

/// `"(" string SP nstring *(SP string SP nstring) ")"` or `NIL` (RFC 2971 section 4).
pub(crate) fn parse_id(c: &mut Cursor<'_>) -> PResult<IdInfo> {
    c.spaces();
    if c.peek() != Some(b'(') {
        c.keyword("NIL")?;
        return Ok(IdInfo::default());
    }
    let fields = c.list(false, |c| {
        // Field names are strings; an atom from a sloppy server is read as well.
        let key = String::from_utf8_lossy(&c.astring()?).into_owned();
        let value = c.nstring()?.map(Cow::into_owned);
        Ok((key, value))
    })?;
    Ok(IdInfo { fields })
}

/// `*(SP capability)` (RFC 5161 section 4): the extensions the server enabled. Linear: one
/// atom (at least one byte) per turn, or a failure.
pub(crate) fn parse_enabled(c: &mut Cursor<'_>) -> PResult<Vec<String>> {
    let mut names = Vec::new();
    while !at_end(c) {
        names.push(String::from_utf8_lossy(c.atom()?).into_owned());
    }
    Ok(names)
}

/// Field names up to 30 octets, values up to 1024, at most 30 pairs (RFC 2971 section 3.3).
pub(crate) fn id_command(fields: &[(&str, &str)]) -> Result<Command> {
    let mut cmd = Command::new("ID");
    if fields.is_empty() {
        cmd.raw("NIL");
        return Ok(cmd);
    }
    if fields.len() > 30 {
        return Err(Error::InvalidArgument("ID allows at most 30 fields".into()));
    }
    let mut pairs = Vec::with_capacity(fields.len());
    for (key, value) in fields {
        let k = quoted(key.as_bytes())
            .filter(|_| !key.is_empty() && key.len() <= 30)
            .ok_or_else(|| Error::InvalidArgument(format!("ID field name {key:?}")))?;
        let v = Value::string(value.as_bytes())
            .filter(|_| value.len() <= 1024)
            .ok_or_else(|| Error::InvalidArgument(format!("ID value of {key:?}")))?;
        pairs.push((k, v));
    }
    pair_list(&mut cmd, pairs);
    Ok(cmd)
}

/// ENABLE's arguments are capability names: atoms.
pub(crate) fn enable_command(extensions: &[&str]) -> Result<Command> {
    if extensions.is_empty() {
        return Err(Error::InvalidArgument(
            "ENABLE needs at least one extension".into(),
        ));
    }
    let mut cmd = Command::new("ENABLE");
    for ext in extensions {
        if !is_atom(ext) {
            return Err(Error::InvalidArgument(format!("extension name {ext:?}")));
        }
        cmd.raw(ext);
    }
    Ok(cmd)
}
