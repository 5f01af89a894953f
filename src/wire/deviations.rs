//! Deviations with one reading: responses real servers misspell or under-quote in ways that
//! still mean exactly one thing. Each reader here accepts only a shape with a single
//! meaning and says `None` otherwise, so the caller keeps its usual reading (or its usual
//! error) for everything else. Each accepted reading is logged at DEBUG.
//!
//! - A status word glued to its response code: `* OK[ALERT] text`, `A1 OK[READ-ONLY] done`.
//!   No status word is a prefix of another word that could be followed by `[`.
//! - A counter's keyword followed by stray punctuation: `* 3 EXISTS.`. No response name ends
//!   in `.`, `,`, `;` or `:`, so the counter is meant.
//! - STATUS with a mailbox name holding spaces, unquoted: `* STATUS Deleted Items
//!   (MESSAGES 0)` (grommunio/gromox issue #5). The attribute list is the last
//!   parenthesised group; when the text before it holds no quote, parenthesis or literal,
//!   all of it is the name.
//! - LIST / LSUB / XLIST with a mailbox name holding spaces, unquoted: `* LIST () "/" Sent
//!   Items` (mscdex/node-imap PR #594). When nothing follows the delimiter but text without
//!   a quote, parenthesis, backslash or literal, all of it is the name (extended data would
//!   start with a parenthesis).
//!
//! - FLAGS whose list lacks its closing parenthesis at the end of the line:
//!   `* FLAGS (\Seen \Answered`.
//!
//! Each is linear in the frame: a bounded number of scans, then the usual parser once.

use log::debug;

use crate::types::StatusKind;

/// `OK[...`: a status word immediately followed by `[`. Returns the kind and the text from
/// the `[` on (to be read by `resp_text`).
pub(crate) fn glued_status(s: &[u8]) -> Option<(StatusKind, &[u8])> {
    let word_end = s.iter().position(|&b| b == b' ').unwrap_or(s.len());
    let open = s[..word_end].iter().position(|&b| b == b'[')?;
    let kind = StatusKind::parse(&s[..open])?;
    debug!(
        "deviation read one way: status word {} glued to its response code",
        kind.as_str()
    );
    Some((kind, &s[open..]))
}

/// `EXISTS.`, `RECENT,`, `EXPUNGE;`: the keyword without its stray punctuation, when the
/// keyword is one of the counters and what follows it is punctuation only.
pub(crate) fn counter_with_stray_suffix(keyword: &[u8]) -> Option<&'static [u8]> {
    let end = keyword
        .iter()
        .rposition(|b| !matches!(b, b'.' | b',' | b';' | b':'))
        .map_or(0, |i| i + 1);
    if end == keyword.len() {
        return None;
    }
    let word = &keyword[..end];
    let known: &[&'static [u8]] = &[b"EXISTS", b"RECENT", b"EXPUNGE"];
    let found = known.iter().find(|k| word.eq_ignore_ascii_case(k))?;
    debug!(
        "deviation read one way: {} followed by stray punctuation",
        String::from_utf8_lossy(found)
    );
    Some(found)
}

/// `(\Seen \Answered` (the text after `FLAGS`) with its closing parenthesis missing: the
/// line ends, so the list does. Only a flat list with no quote, brace or other parenthesis;
/// the flags' words, or `None`.
pub(crate) fn flags_unclosed(after: &[u8]) -> Option<Vec<&[u8]>> {
    let body = trim(after).strip_prefix(b"(")?;
    if body.iter().any(|&b| {
        matches!(
            b,
            b'(' | b')' | b'"' | b'{' | b'[' | b']' | b'\r' | b'\n' | 0
        )
    }) {
        return None;
    }
    debug!("deviation read one way: FLAGS list without its closing parenthesis");
    Some(
        body.split(|&b| b == b' ')
            .filter(|w| !w.is_empty())
            .collect(),
    )
}

/// Quotes `name` for the usual parsers (`\` escaped; the caller has made sure it holds no
/// quote, CR or LF).
fn quoted(name: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len() + 2);
    out.push(b'"');
    for &b in name {
        if b == b'\\' {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b'"');
    out
}

fn trim(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| b != b' ').unwrap_or(s.len());
    let end = s.iter().rposition(|&b| b != b' ').map_or(start, |i| i + 1);
    &s[start..end.max(start)]
}

/// `Deleted Items (MESSAGES 0)` (the text after `STATUS`) rewritten as `"Deleted Items"
/// (MESSAGES 0)`, when that is its only reading: the line holds no quote and no literal,
/// ends with the attribute list, and the text before the list holds a space but no
/// parenthesis. `None` otherwise.
pub(crate) fn status_unquoted_name(after: &[u8]) -> Option<Vec<u8>> {
    if after
        .iter()
        .any(|&b| matches!(b, b'"' | b'{' | b'\r' | b'\n' | 0))
    {
        return None;
    }
    let body = trim(after);
    if body.last() != Some(&b')') {
        return None;
    }
    // The `(` that balances the final `)`.
    let mut depth = 0usize;
    let mut open = None;
    for (i, &b) in body.iter().enumerate().rev() {
        match b {
            b')' => depth += 1,
            b'(' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    open = Some(i);
                    break;
                }
            }
            _ => {}
        }
    }
    let open = open?;
    let name = trim(&body[..open]);
    if name.is_empty() || !name.contains(&b' ') || name.iter().any(|&b| matches!(b, b'(' | b')')) {
        return None;
    }
    debug!(
        "deviation read one way: STATUS name with spaces unquoted ({:?})",
        String::from_utf8_lossy(name)
    );
    let mut out = quoted(name);
    out.push(b' ');
    out.extend_from_slice(&body[open..]);
    Some(out)
}

/// `(\HasNoChildren) "/" Sent Items` (the text after `LIST`) rewritten as
/// `(\HasNoChildren) "/" "Sent Items"`, when that is its only reading: no literal
/// anywhere, a flat attribute list, a quoted (or NIL) delimiter, and after it text with a
/// space but no quote, parenthesis, backslash or brace. `None` otherwise.
pub(crate) fn list_unquoted_name(after: &[u8]) -> Option<Vec<u8>> {
    if after.iter().any(|&b| matches!(b, b'\r' | b'\n' | 0)) {
        return None;
    }
    let body = trim(after);
    let rest = body.strip_prefix(b"(")?;
    let close = rest.iter().position(|&b| b == b')')?;
    if rest[..close].contains(&b'(') {
        return None;
    }
    let attrs_end = 1 + close + 1;
    let after_attrs = body[attrs_end..].strip_prefix(b" ")?;
    let delim_len = if after_attrs.len() >= 3
        && after_attrs[..3].eq_ignore_ascii_case(b"NIL")
        && after_attrs.get(3) == Some(&b' ')
    {
        3
    } else if after_attrs.first() == Some(&b'"') {
        match after_attrs.get(1) {
            Some(b'\\') if after_attrs.get(3) == Some(&b'"') => 4,
            Some(b'"') | None => return None,
            Some(_) if after_attrs.get(2) == Some(&b'"') => 3,
            Some(_) => return None,
        }
    } else {
        return None;
    };
    let name = trim(after_attrs.get(delim_len..)?);
    if name.is_empty()
        || !name.contains(&b' ')
        || name
            .iter()
            .any(|&b| matches!(b, b'(' | b')' | b'"' | b'\\' | b'{' | b'}'))
    {
        return None;
    }
    debug!(
        "deviation read one way: LIST name with spaces unquoted ({:?})",
        String::from_utf8_lossy(name)
    );
    let mut out = body[..attrs_end].to_vec();
    out.push(b' ');
    out.extend_from_slice(&after_attrs[..delim_len]);
    out.push(b' ');
    out.extend_from_slice(&quoted(name));
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glued_status_words() {
        let (k, rest) = glued_status(b"OK[ALERT] hi").unwrap();
        assert_eq!((k, rest), (StatusKind::Ok, &b"[ALERT] hi"[..]));
        assert_eq!(glued_status(b"no[x]").unwrap().0, StatusKind::No);
        for other in [
            &b"OKAY[ALERT]"[..],
            b"OK [ALERT]",
            b"[ALERT]",
            b"OK",
            b"X OK[A]",
        ] {
            assert!(glued_status(other).is_none(), "{other:?}");
        }
    }

    #[test]
    fn counters_with_stray_punctuation() {
        assert_eq!(counter_with_stray_suffix(b"EXISTS."), Some(&b"EXISTS"[..]));
        assert_eq!(
            counter_with_stray_suffix(b"expunge;,"),
            Some(&b"EXPUNGE"[..])
        );
        for other in [
            &b"EXISTS"[..],
            b"EXISTSX",
            b"EXISTS.5",
            b"FETCH.",
            b".",
            b"",
        ] {
            assert!(counter_with_stray_suffix(other).is_none(), "{other:?}");
        }
    }

    #[test]
    fn unclosed_flags() {
        assert_eq!(
            flags_unclosed(b"(\\Seen  $Fwd ").unwrap(),
            [&b"\\Seen"[..], b"$Fwd"]
        );
        assert!(flags_unclosed(b"(").unwrap().is_empty());
        for other in [&b"(\\Seen)"[..], b"\\Seen", b"(\\Seen (x", b"(\"a"] {
            assert!(flags_unclosed(other).is_none(), "{other:?}");
        }
    }

    #[test]
    fn status_names() {
        assert_eq!(
            status_unquoted_name(b"Deleted Items (MESSAGES 0 X (1 2))").unwrap(),
            b"\"Deleted Items\" (MESSAGES 0 X (1 2))"
        );
        assert_eq!(
            status_unquoted_name(b"a\\b c (MESSAGES 0)").unwrap(),
            b"\"a\\\\b c\" (MESSAGES 0)"
        );
        for other in [
            &b"Inbox (MESSAGES 0)"[..],
            b"Foo (bar) (MESSAGES 1)",
            b"Foo \"bar\" (MESSAGES 1)",
            b"Foo bar",
            b"Foo bar (MESSAGES 1",
            b"Foo bar MESSAGES 1)",
            b"{3}\r\nx y (MESSAGES 1)",
            b" (MESSAGES 1)",
        ] {
            assert!(status_unquoted_name(other).is_none(), "{other:?}");
        }
    }

    #[test]
    fn list_names() {
        assert_eq!(
            list_unquoted_name(b"(\\HasNoChildren) \"/\" Sent Items").unwrap(),
            b"(\\HasNoChildren) \"/\" \"Sent Items\""
        );
        assert_eq!(
            list_unquoted_name(b"() NIL a b").unwrap(),
            b"() NIL \"a b\""
        );
        assert_eq!(
            list_unquoted_name(b"() \"\\\\\" a b ").unwrap(),
            b"() \"\\\\\" \"a b\""
        );
        for other in [
            &b"() \"/\" Sent"[..],
            b"() \"/\" Sent (\"CHILDINFO\" (\"SUBSCRIBED\"))",
            b"() \"/\" Sent \"Items\"",
            b"() \"/\" \"Sent Items\"",
            b"() \"/\" {10}\r\nSent Items",
            b"((x)) \"/\" a b",
            b"() \"//\" a b",
            b"() / a b",
        ] {
            assert!(list_unquoted_name(other).is_none(), "{other:?}");
        }
    }
}
