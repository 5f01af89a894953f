//! Gmail's `X-GM-EXT-1` on the wire: labels as STORE and SEARCH write them.
//!
//! A system label goes as its backslash name (`\Inbox`), as Gmail writes it; a user label is
//! encoded to modified UTF-7 (so every byte is printable ASCII: no CR, LF or 8-bit byte can
//! reach the line) and then always quoted, so that `NIL`, spaces, parentheses and
//! backslashes are never read as syntax.

use crate::error::{Error, Result};
use crate::types::gmail::GmailLabel;
use crate::wire::encode::{is_atom_char, push_quoted, MAX_QUOTED};

/// One label as STORE and SEARCH send it: `\Inbox`, or `"Custom Label"`.
///
/// Errors: [`Error::InvalidArgument`] for an empty label, a system label whose name is not
/// an atom (`\My Label`), or a user label longer than a quoted string may be once encoded.
pub(crate) fn label(l: &GmailLabel) -> Result<String> {
    if let Some(name) = l.system_name() {
        if name.is_empty() || !name.bytes().all(is_atom_char) {
            return Err(Error::InvalidArgument(format!(
                "gmail system label {name:?} is not an atom"
            )));
        }
        return Ok(format!("\\{name}"));
    }
    let wire = l
        .utf7_name()
        .ok_or_else(|| Error::InvalidArgument("gmail label".into()))?;
    if wire.is_empty() {
        return Err(Error::InvalidArgument("empty gmail label".into()));
    }
    if wire.len() > MAX_QUOTED {
        return Err(Error::InvalidArgument(format!(
            "gmail label of {} bytes is too long",
            wire.len()
        )));
    }
    let mut out = Vec::with_capacity(wire.len() + 2);
    push_quoted(&mut out, &wire);
    // Modified UTF-7 is printable ASCII: the quoted string is too.
    String::from_utf8(out).map_err(|_| Error::InvalidArgument("gmail label".into()))
}

/// `(l1 l2 ...)` for STORE `X-GM-LABELS`; an empty list is `()` (with `X-GM-LABELS`, that
/// removes every label).
pub(crate) fn label_list(labels: &[GmailLabel]) -> Result<String> {
    let items = labels.iter().map(label).collect::<Result<Vec<_>>>()?;
    Ok(format!("({})", items.join(" ")))
}

/// The STORE data item: `+X-GM-LABELS`, `-X-GM-LABELS.SILENT`, `X-GM-LABELS`...
pub(crate) fn store_item(add: Option<bool>, silent: bool) -> &'static str {
    match (add, silent) {
        (Some(true), false) => "+X-GM-LABELS",
        (Some(true), true) => "+X-GM-LABELS.SILENT",
        (Some(false), false) => "-X-GM-LABELS",
        (Some(false), true) => "-X-GM-LABELS.SILENT",
        (None, false) => "X-GM-LABELS",
        (None, true) => "X-GM-LABELS.SILENT",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_as_sent() {
        let list = label_list(&[
            GmailLabel::Inbox,
            GmailLabel::Important,
            GmailLabel::user("Custom Label"),
            GmailLabel::user("NIL"),
            GmailLabel::user("日本語"),
            GmailLabel::user("a\"b\\c"),
            GmailLabel::user("R&D"),
            GmailLabel::System("Chats".into()),
        ])
        .unwrap();
        assert_eq!(
            list,
            r#"(\Inbox \Important "Custom Label" "NIL" "&ZeVnLIqe-" "a\"b\\c" "R&-D" \Chats)"#
        );
        assert_eq!(label_list(&[]).unwrap(), "()");
    }

    #[test]
    fn nothing_can_break_the_line() {
        // CR, LF and NUL are not printable: modified UTF-7 encodes them.
        let l = label(&GmailLabel::user("x\r\nA1 LOGOUT\0")).unwrap();
        assert!(!l.contains(['\r', '\n', '\0']), "{l}");
        assert!(l.starts_with("\"x&") && l.ends_with('"'), "{l}");
        for bad in [
            GmailLabel::user(""),
            GmailLabel::System("My Label".into()),
            GmailLabel::System(String::new()),
            GmailLabel::System("x\r\n".into()),
            GmailLabel::user("x".repeat(MAX_QUOTED + 1)),
        ] {
            assert!(
                matches!(label(&bad), Err(Error::InvalidArgument(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn round_trip_through_the_reader() {
        for l in [
            GmailLabel::Inbox,
            GmailLabel::user("Café/Ünïcode"),
            GmailLabel::user("R&D"),
        ] {
            let sent = label(&l).unwrap();
            let inner = sent.trim_matches('"');
            assert_eq!(GmailLabel::from_wire(inner), l);
        }
    }
}
