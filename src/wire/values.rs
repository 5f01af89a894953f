//! Small argument and response helpers shared by the administrative extensions (ACL, QUOTA,
//! METADATA, ID).
//!
//! For responses: a lenient mailbox-name reader and an end-of-response test. For commands:
//! strings rendered as atoms or quoted strings, and parenthesised lists of key / value pairs
//! whose values may need literals (SETMETADATA, ID).

use std::borrow::Cow;

use crate::types::{MailboxName, SequenceSet, UnparsedItem};
use crate::wire::encode::{self, Command};
use crate::wire::lexer::{Cursor, PResult};

/// A mailbox name: a string, or an atom that may hold `]` and 8-bit bytes (servers send
/// `[Gmail]/Sent` and `Foo]bar` unquoted).
pub(crate) fn mailbox(c: &mut Cursor<'_>) -> PResult<MailboxName> {
    mailbox_name(c).map(|n| MailboxName::from_wire(&n))
}

/// A mailbox name: a string, or an atom that may also hold `]` and `[` (ASTRING-CHAR allows
/// `]`; servers send `[Gmail]/Sent` and `Foo[bar]` unquoted) and 8-bit bytes.
pub(crate) fn mailbox_name<'a>(c: &mut Cursor<'a>) -> PResult<Cow<'a, [u8]>> {
    c.spaces();
    match (c.peek(), c.peek_at(1)) {
        (Some(b'"' | b'{'), _) | (Some(b'~'), Some(b'{')) => c.astring(),
        _ => {
            let at = c.pos();
            let name =
                c.take_while(|b| b > b' ' && b != 0x7f && !matches!(b, b'(' | b')' | b'{' | b'"'));
            if name.is_empty() {
                return Err(format!("expected a mailbox name at byte {at}"));
            }
            Ok(Cow::Borrowed(name))
        }
    }
}

/// A number of up to 10 digits and nothing else (no sign, no space).
fn number(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 10 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// `1:3,5,7:*` to a set; `None` if it is not one (or is empty).
pub(crate) fn sequence_set(s: &[u8]) -> Option<SequenceSet> {
    let num = |p: &[u8]| {
        if p == b"*" {
            Some(crate::types::STAR)
        } else {
            number(p).filter(|&n| n > 0)
        }
    };
    // Collected, sorted and merged once: O(n log n) whatever the order the server chose.
    s.split(|&b| b == b',')
        .map(|item| match item.iter().position(|&b| b == b':') {
            Some(i) => Some(num(&item[..i])?..=num(&item[i + 1..])?),
            None => num(item).map(|n| n..=n),
        })
        .collect::<Option<SequenceSet>>()
}

/// Reads `NAME value NAME value ...` (STATUS attributes, ESEARCH return data) up to
/// `closing` (consumed) or, without one, the end of the line, giving each upper-cased name
/// and the cursor after it to `read`. An item whose value `read` cannot parse (or does not
/// know: it returns the reason) is skipped with the generic value skipper and returned whole,
/// and the next item is read; only a broken frame fails. Linear: each item's bytes are read
/// at most twice (by `read`, then by the skipper), and every turn consumes at least one byte.
pub(crate) fn named_items<'a>(
    c: &mut Cursor<'a>,
    closing: Option<u8>,
    what: &str,
    mut read: impl FnMut(&[u8], &mut Cursor<'a>) -> PResult<()>,
) -> PResult<Vec<UnparsedItem>> {
    let mut unparsed = Vec::new();
    let at_end = |c: &Cursor<'_>| match c.peek() {
        None | Some(b'\r' | b'\n') => true,
        b => b.is_some() && b == closing,
    };
    loop {
        c.spaces();
        if at_end(c) {
            return match closing {
                Some(close) if c.peek() == Some(close) => {
                    c.bump();
                    Ok(unparsed)
                }
                Some(close) => Err(format!(
                    "expected {:?} closing the {what} at byte {}",
                    char::from(close),
                    c.pos()
                )),
                None => Ok(unparsed),
            };
        }
        let start = c.clone();
        let Ok(name) = c.atom() else {
            // Not a name (a string, a list): skip it whole.
            c.skip_value()?;
            unparsed.push(UnparsedItem::new(
                String::new(),
                start.between(c),
                format!("expected a {what} item at byte {}", start.pos()),
            ));
            continue;
        };
        let before_value = c.clone();
        if let Err(reason) = read(&name.to_ascii_uppercase(), c) {
            *c = before_value;
            c.spaces();
            if !at_end(c) {
                c.skip_junk_value()?;
            }
            unparsed.push(UnparsedItem::new(
                String::from_utf8_lossy(name).into_owned(),
                start.between(c),
                reason,
            ));
        }
    }
}

/// Is the rest of the response only spaces (or nothing)?
pub(crate) fn at_end(c: &mut Cursor<'_>) -> bool {
    c.spaces();
    matches!(c.peek(), None | Some(b'\r') | Some(b'\n'))
}

/// `s` as an atom when it can be one, else as a quoted string; `None` when it needs a
/// literal (CR, LF, NUL or 8-bit bytes).
pub(crate) fn astring_text(s: &[u8]) -> Option<String> {
    if encode::is_astring_atom(s) {
        return std::str::from_utf8(s).ok().map(str::to_string);
    }
    quoted(s)
}

/// `s` as a quoted string, or `None` when it needs a literal.
pub(crate) fn quoted(s: &[u8]) -> Option<String> {
    if !s.iter().all(|&b| encode::is_quotable(b)) {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() + 2);
    encode::push_quoted(&mut out, s);
    String::from_utf8(out).ok()
}

/// A value in a parenthesised list of pairs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    /// Rendered text: `NIL`, a quoted string, an atom.
    Text(String),
    /// A literal (`{n}`).
    Literal(Vec<u8>),
    /// A literal8 (`~{n}`, RFC 3516), for values holding NUL.
    Literal8(Vec<u8>),
}

impl Value {
    /// A string value: quoted when it can be, else a literal; `None` for one holding NUL,
    /// which only a literal8 can carry.
    pub(crate) fn string(s: &[u8]) -> Option<Value> {
        if s.contains(&0) {
            return None;
        }
        match quoted(s).filter(|_| s.len() <= encode::MAX_QUOTED) {
            Some(q) => Some(Value::Text(q)),
            None => Some(Value::Literal(s.to_vec())),
        }
    }
}

/// Appends ` (k1 v1 k2 v2 ...)`: keys are rendered text, values text or literals.
///
/// The list never has a space after its `(` nor before its `)`, whatever its values are: a
/// literal last is followed directly by the `)` (`{5}\r\nvalue)`), as RFC 5464 and RFC 2971
/// want and strict servers (Cyrus) insist.
///
/// When the last value would be a literal and another value is text, that pair is moved to
/// the end, as this crate always did (the order of these pairs carries no meaning), so the
/// bytes sent for such lists stay the same.
pub(crate) fn pair_list(cmd: &mut Command, mut pairs: Vec<(String, Value)>) {
    let last_is_literal = matches!(
        pairs.last(),
        Some((_, Value::Literal(_) | Value::Literal8(_)))
    );
    if last_is_literal {
        if let Some(i) = pairs.iter().rposition(|(_, v)| matches!(v, Value::Text(_))) {
            let pair = pairs.remove(i);
            pairs.push(pair);
        }
    }
    cmd.open_list();
    for (key, value) in pairs {
        cmd.raw(&key);
        match value {
            Value::Text(t) => cmd.raw(&t),
            Value::Literal(data) => cmd.literal_arg(data),
            Value::Literal8(data) => cmd.literal8_arg(data),
        };
    }
    cmd.close_list();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::encode::{check_framing, segments_text, wire_bytes, LiteralMode, Segment};

    fn text(segs: &[Segment]) -> String {
        segments_text(segs)
    }

    fn pairs_cmd(pairs: Vec<(String, Value)>) -> Vec<Segment> {
        let mut cmd = Command::new("X");
        pair_list(&mut cmd, pairs);
        cmd.into_segments()
    }

    #[test]
    fn strings() {
        assert_eq!(
            astring_text(b"/private/comment").as_deref(),
            Some("/private/comment")
        );
        assert_eq!(astring_text(b"").as_deref(), Some("\"\""));
        assert_eq!(astring_text(b"nil").as_deref(), Some("\"nil\""));
        assert_eq!(astring_text(b"a \"b\\").as_deref(), Some("\"a \\\"b\\\\\""));
        assert_eq!(astring_text(b"a]b").as_deref(), Some("\"a]b\""));
        assert_eq!(astring_text(b"a\r\n"), None);
        assert_eq!(astring_text("é".as_bytes()), None);
        assert_eq!(quoted(b"a(b").as_deref(), Some("\"a(b\""));
        assert_eq!(quoted(b"a\0"), None);
        assert_eq!(Value::string(b"x"), Some(Value::Text("\"x\"".into())));
        assert_eq!(
            Value::string(&[b'x'; 1024]),
            Some(Value::Text(format!("\"{}\"", "x".repeat(1024))))
        );
        assert_eq!(
            Value::string(&[b'x'; 1025]),
            Some(Value::Literal(vec![b'x'; 1025]))
        );
        assert_eq!(Value::string(b"a\0"), None);
    }

    #[test]
    fn responses() {
        let mut c = Cursor::new(b"  [Gmail]/Sent] rest\r\n");
        assert_eq!(mailbox(&mut c).unwrap().as_str(), "[Gmail]/Sent]");
        assert!(!at_end(&mut c));
        let mut c = Cursor::new(b"\"a b\"   \r\n");
        assert_eq!(mailbox(&mut c).unwrap().as_str(), "a b");
        assert!(at_end(&mut c));
        assert!(mailbox(&mut Cursor::new(b"(x)\r\n")).is_err());
        assert!(at_end(&mut Cursor::new(b"")));
    }

    #[test]
    fn pair_lists() {
        // A literal last is moved before a text value; the list still closes right after it.
        let segs = pairs_cmd(vec![
            ("a".into(), Value::Text("NIL".into())),
            ("b".into(), Value::Literal(b"1\r\n".to_vec())),
        ]);
        assert_eq!(text(&segs), "X (b {3}<1\r\n> a NIL)");
        // Every value a literal: the `)` follows the last literal's bytes directly.
        let segs = pairs_cmd(vec![
            ("a".into(), Value::Literal8(b"\0".to_vec())),
            ("b".into(), Value::Literal(b"\xff".to_vec())),
        ]);
        assert_eq!(text(&segs), "X (a ~{1}<\0> b {1}<\u{fffd}>)");
        assert_eq!(segs.last().map(|s| s.text.as_slice()), Some(&b")"[..]));
        let segs = pairs_cmd(vec![("\"k\"".into(), Value::Text("\"v\"".into()))]);
        assert_eq!(text(&segs), "X (\"k\" \"v\")");
        let segs = pairs_cmd(vec![("k".into(), Value::Literal(b"v\n".to_vec()))]);
        assert_eq!(text(&segs), "X (k {2}<v\n>)");
        // No pairs at all: an empty list.
        assert_eq!(text(&pairs_cmd(Vec::new())), "X ()");
    }

    #[test]
    fn pair_lists_frame_strictly_in_every_literal_mode() {
        let lit = || Value::Literal(b"a\r\n)( b".to_vec());
        let big = || Value::Literal(vec![b'\xff'; 5000]);
        let l8 = || Value::Literal8(b"\0 )".to_vec());
        let nil = || Value::Text("NIL".into());
        let q = || Value::Text("\"q ( )\"".into());
        let cases: Vec<Vec<Value>> = vec![
            vec![lit()],
            vec![big()],
            vec![l8()],
            vec![lit(), lit()],
            vec![lit(), nil()],
            vec![nil(), lit()],
            vec![lit(), q(), lit()],
            vec![q(), lit(), lit()],
            vec![l8(), big(), lit()],
            vec![nil(), nil()],
            vec![],
        ];
        for values in cases {
            let pairs: Vec<(String, Value)> = values
                .into_iter()
                .enumerate()
                .map(|(i, v)| (format!("/k{i}"), v))
                .collect();
            let segs = pairs_cmd(pairs.clone());
            for mode in [
                LiteralMode::Plus,
                LiteralMode::Minus,
                LiteralMode::Synchronising,
            ] {
                let bytes = wire_bytes("A1", &segs, mode);
                if let Err(e) = check_framing(&bytes) {
                    panic!("{pairs:?} in {mode:?}: {e}");
                }
            }
        }
    }
}
