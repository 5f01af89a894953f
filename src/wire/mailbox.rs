//! Hand-written parsers for mailbox-level responses: LIST / LSUB, STATUS, NAMESPACE, SEARCH.
//! Each takes a cursor placed after the response's keyword.

use super::lexer::{Cursor, PResult};
use super::values::{mailbox_name, named_items};
use crate::types::{MailboxName, MailboxStatus, Name, NameAttribute, Namespace, Namespaces};

/// A one-character delimiter (quoted) or NIL.
fn delimiter(c: &mut Cursor<'_>) -> PResult<Option<char>> {
    Ok(c.nstring()?.and_then(|d| {
        let s = String::from_utf8_lossy(&d).into_owned();
        s.chars().next()
    }))
}

/// `(attrs) delim name [extended data]`, without the extended data.
#[cfg(test)]
pub(crate) fn list(c: &mut Cursor<'_>) -> PResult<Name> {
    list_extended(c).map(|(name, _)| name)
}

/// The LIST-EXTENDED data (RFC 5258 `mbox-list-extended`) this crate reads: CHILDINFO
/// (RFC 5258) and OLDNAME (RFC 5465, RFC 9051). Other items are skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ListExtra {
    /// `("CHILDINFO" ("SUBSCRIBED" ...))`, upper-cased.
    pub(crate) child_info: Vec<String>,
    /// `("OLDNAME" ("name"))`: the mailbox was renamed from this name.
    pub(crate) old_name: Option<MailboxName>,
}

/// `(attrs) delim name [extended data]`, with the extended data. Extended data that does not
/// parse is ignored, as it was before it was read at all.
pub(crate) fn list_extended(c: &mut Cursor<'_>) -> PResult<(Name, ListExtra)> {
    // One odd attribute (a quoted one, a list) costs only itself, never the entry.
    let attributes = c.list(false, |c| {
        c.spaces();
        if c.peek() == Some(b'(') {
            c.skip_value()?;
            return Ok(None);
        }
        c.astring()
            .map(|a| Some(NameAttribute::parse(&String::from_utf8_lossy(&a))))
    })?;
    let mut attributes: Vec<NameAttribute> = attributes.into_iter().flatten().collect();
    // RFC 5258 / RFC 9051: `\NonExistent` implies `\NoSelect`; said explicitly, so that an
    // IMAP4rev2 answer reads as an IMAP4rev1 one.
    if attributes.contains(&NameAttribute::NonExistent)
        && !attributes.contains(&NameAttribute::NoSelect)
    {
        attributes.push(NameAttribute::NoSelect);
    }
    let delimiter = delimiter(c)?;
    let name = MailboxName::from_wire(&mailbox_name(c)?);
    let extra = list_extra(c).unwrap_or_default();
    Ok((
        Name {
            name,
            delimiter,
            attributes,
            old_name: extra.old_name.clone(),
        },
        extra,
    ))
}

/// `"(" [tag SP value *(SP tag SP value)] ")"` after a LIST name, or nothing.
///
/// Linear: each turn consumes a tag (at least one byte) or skips one value, or fails. A
/// value that does not parse is read again once, by the skipper, so its bytes are scanned at
/// most twice. `child_info` and `old_name` are replaced, not grown, by a repeated tag.
fn list_extra(c: &mut Cursor<'_>) -> PResult<ListExtra> {
    let mut extra = ListExtra::default();
    c.spaces();
    if c.peek() != Some(b'(') {
        return Ok(extra);
    }
    c.expect(b'(')?;
    loop {
        if c.eat(b')') {
            return Ok(extra);
        }
        if c.peek().is_none() {
            return Err("unterminated LIST extended data".into());
        }
        let Ok(tag) = c.astring() else {
            // Not a tag: skip one value and go on.
            c.skip_value()?;
            continue;
        };
        let tag = tag.to_ascii_uppercase();
        // Each item on its own: a value that does not parse is skipped, the others kept.
        let before_value = c.clone();
        let read = match tag.as_slice() {
            b"CHILDINFO" => c
                .list(false, |c| {
                    c.astring()
                        .map(|s| String::from_utf8_lossy(&s).to_ascii_uppercase())
                })
                .map(|v| extra.child_info = v),
            b"OLDNAME" => c
                .list(false, |c| {
                    mailbox_name(c).map(|n| MailboxName::from_wire(&n))
                })
                .map(|names| extra.old_name = names.into_iter().next()),
            _ => c.skip_value(),
        };
        if read.is_err() {
            *c = before_value;
            c.spaces();
            if !matches!(c.peek(), Some(b')') | None) {
                c.skip_value()?;
            }
        }
    }
}

/// `name (ITEM value ...)`. An attribute whose value does not parse is skipped and kept in
/// [`MailboxStatus::unparsed`]; only a broken frame fails.
///
/// Linear: each turn consumes an attribute name or one skipped value (at least one byte), or
/// fails; a value that does not parse is scanned at most twice (the attempt, then the skip).
/// `unparsed` gets at most one item per attribute, each a copy of that attribute's own bytes:
/// bounded by the frame.
pub(crate) fn status(c: &mut Cursor<'_>) -> PResult<MailboxStatus> {
    let name = MailboxName::from_wire(&mailbox_name(c)?);
    let mut st = MailboxStatus::new(name);
    c.expect(b'(')?;
    let unparsed = named_items(c, Some(b')'), "STATUS", |item, c| match item {
        b"MESSAGES" => c.number().map(|n| st.messages = Some(n)),
        b"RECENT" => c.number().map(|n| st.recent = Some(n)),
        b"UIDNEXT" => c.number().map(|n| st.uid_next = Some(n)),
        b"UIDVALIDITY" => c.number().map(|n| st.uid_validity = Some(n)),
        b"UNSEEN" => c.number().map(|n| st.unseen = Some(n)),
        b"HIGHESTMODSEQ" => c.number64().map(|n| st.highest_modseq = Some(n)),
        b"SIZE" => c.number64().map(|n| st.size = Some(n)),
        b"DELETED" => c.number().map(|n| st.deleted = Some(n)),
        b"MAILBOXID" => object_id(c).map(|id| st.mailbox_id = Some(id)),
        _ => Err("an attribute this crate does not know".to_string()),
    })?;
    st.unparsed = unparsed;
    Ok(st)
}

/// `(objectid)` (RFC 8474), the parentheses leniently optional.
fn object_id(c: &mut Cursor<'_>) -> PResult<String> {
    c.spaces();
    let paren = c.eat(b'(');
    let id = String::from_utf8_lossy(c.atom()?).into_owned();
    if paren {
        c.expect(b')')?;
    }
    if !crate::types::objectid::is_object_id(&id) {
        return Err(format!("{id:?} is not an object id"));
    }
    Ok(id)
}

/// `personal other shared`, each NIL or `(("prefix" "delim" [extensions]) ...)`. Linear:
/// the extension loop skips one value (at least one byte) per turn.
pub(crate) fn namespace(c: &mut Cursor<'_>) -> PResult<Namespaces> {
    let group = |c: &mut Cursor<'_>| {
        c.list(true, |c| {
            c.expect(b'(')?;
            let prefix = MailboxName::from_wire(&c.string()?);
            let delimiter = delimiter(c)?;
            while !c.eat(b')') {
                if c.peek().is_none() {
                    return Err("unterminated namespace".to_string());
                }
                c.skip_value()?;
            }
            Ok(Namespace { prefix, delimiter })
        })
    };
    Ok(Namespaces {
        personal: group(c)?,
        other_users: group(c)?,
        shared: group(c)?,
    })
}

/// `n n n ... [(MODSEQ m)]`, tolerating extra spaces.
///
/// Linear: each turn consumes a number or the MODSEQ group (at least one byte), or fails;
/// `nums` holds at most one number per two bytes of the frame.
pub(crate) fn search(c: &mut Cursor<'_>) -> PResult<(Vec<u32>, Option<u64>)> {
    let mut nums = Vec::new();
    let mut modseq = None;
    loop {
        c.spaces();
        match c.peek() {
            None | Some(b'\r') | Some(b'\n') => return Ok((nums, modseq)),
            Some(b'(') => {
                c.expect(b'(')?;
                c.keyword("MODSEQ")?;
                modseq = Some(c.number64()?);
                c.expect(b')')?;
            }
            _ => nums.push(c.number()?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_forms() {
        let n = list(&mut Cursor::new(b"(\\HasNoChildren \\Sent) \"/\" Sent\r\n")).unwrap();
        assert_eq!(n.name().as_str(), "Sent");
        assert_eq!(n.delimiter(), Some('/'));
        assert_eq!(n.special_use(), Some(&NameAttribute::Sent));
        let n = list(&mut Cursor::new(b"() NIL {5}\r\na b c\r\n")).unwrap();
        assert_eq!(n.name().as_str(), "a b c");
        assert_eq!(n.delimiter(), None);
        let n = list(&mut Cursor::new(
            b"(\\Noselect) \".\" \"&ZeVnLIqe-\" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n",
        ))
        .unwrap();
        assert_eq!(n.name().as_str(), "日本語");
        assert!(!n.is_selectable());
        let n = list(&mut Cursor::new(b"() \"/\" inbox\r\n")).unwrap();
        assert!(n.name().is_inbox());
        let n = list(&mut Cursor::new(b"() \"/\" inbox (\"CHILDINFO\" (\r\n")).unwrap();
        assert!(n.name().is_inbox());
        assert!(list(&mut Cursor::new(b"(\\HasNoChildren \"/\" x\r\n")).is_err());
    }

    #[test]
    fn list_extended_data() {
        // RFC 5258 section 5, example 9.
        let (n, x) = list_extended(&mut Cursor::new(
            b"(\\NonExistent) \"/\" \"Foo\" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n",
        ))
        .unwrap();
        assert_eq!(n.name().as_str(), "Foo");
        assert_eq!(x.child_info, ["SUBSCRIBED"]);
        assert_eq!(x.old_name, None);
        // RFC 9051 section 7.3.1: OLDNAME; an unknown item and lower case around it.
        let (n, x) = list_extended(&mut Cursor::new(
            b"() \"/\" \"NewMailbox\" (x-foo (1 (2)) \"OLDNAME\" (\"Old&AOk-\") childinfo (subscribed x-y))\r\n",
        ))
        .unwrap();
        assert_eq!(n.name().as_str(), "NewMailbox");
        assert_eq!(x.old_name.unwrap().as_str(), "Old\u{e9}");
        assert_eq!(x.child_info, ["SUBSCRIBED", "X-Y"]);
        // No extended data, or data that does not parse: empty, and the name still parses.
        for wire in [
            &b"() \"/\" Foo\r\n"[..],
            b"() \"/\" Foo ()\r\n",
            b"() \"/\" Foo (\"CHILDINFO\" \"SUBSCRIBED\")\r\n",
            b"() \"/\" Foo (\"CHILDINFO\"\r\n",
        ] {
            let (n, x) = list_extended(&mut Cursor::new(wire)).unwrap();
            assert_eq!((n.name().as_str(), x), ("Foo", ListExtra::default()));
        }
    }

    #[test]
    fn unquoted_names_with_brackets_and_tildes() {
        let names = [
            (&b"() \"/\" Foo[bar]\r\n"[..], "Foo[bar]"),
            (
                b"() \"/\" [Gmail]/Sent (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n",
                "[Gmail]/Sent",
            ),
            (b"() \"/\" a]b\r\n", "a]b"),
            (b"() \".\" ~alice.INBOX\r\n", "~alice.INBOX"),
            (b"() \"/\" ~{3}\r\nx y\r\n", "x y"),
        ];
        for (wire, want) in names {
            assert_eq!(list(&mut Cursor::new(wire)).unwrap().name().as_str(), want);
        }
        let s = status(&mut Cursor::new(b"[Gmail]/All (MESSAGES 3)\r\n")).unwrap();
        assert_eq!((s.name().as_str(), s.messages()), ("[Gmail]/All", Some(3)));
        assert!(list(&mut Cursor::new(b"() \"/\" \r\n")).is_err());
    }

    #[test]
    fn status_items() {
        let s = status(&mut Cursor::new(
            b"\"blurdybloop\" (MESSAGES 231 UIDNEXT 44292 SIZE 18446744073709551615 X-NEW (1 2) HIGHESTMODSEQ 7011231777)\r\n",
        ))
        .unwrap();
        assert_eq!(s.name().as_str(), "blurdybloop");
        assert_eq!(s.messages(), Some(231));
        assert_eq!(s.uid_next(), Some(44292));
        assert_eq!(s.size(), Some(u64::MAX));
        assert_eq!(s.highest_modseq(), Some(7011231777));
        assert_eq!(s.unseen(), None);
    }

    #[test]
    fn status_value_with_junk_bytes_costs_only_itself() {
        // Cyrus 3.6.1 writes a pointer's bytes as the MAILBOXID when it is asked together
        // with other items: 8-bit bytes, control characters, `]`. The item goes to
        // `unparsed`, the others stay.
        for junk in [
            &b"L,\xbc\xa3\xa7U"[..],
            b"\xeb\xdb\xbb\xa3\xa7U",
            b"\x10]\xbc\xa3\xa7U",
            b"a\x7f\x01b",
            b"",
            b"] ]",
            b"{?~11V",
            b"{\xff\x7f11V",
            b"\"~11V",
        ] {
            let mut wire = b"cy-x (MESSAGES 3 MAILBOXID (".to_vec();
            wire.extend_from_slice(junk);
            wire.extend_from_slice(b") UIDNEXT 9)\r\n");
            let s = status(&mut Cursor::new(&wire)).unwrap_or_else(|e| panic!("{junk:?}: {e}"));
            assert_eq!((s.messages(), s.uid_next()), (Some(3), Some(9)), "{junk:?}");
            assert_eq!(s.mailbox_id(), None);
            let names: Vec<&str> = s.unparsed().iter().map(|u| u.name()).collect();
            assert_eq!(names, ["MAILBOXID"], "{junk:?}");
        }
        // Junk with a `(` reads as a list left open, and junk outside any list fails the
        // frame too (the response is then queued whole, as unreadable).
        assert!(status(&mut Cursor::new(b"x (MESSAGES 0 MAILBOXID (0(~11V))\r\n")).is_err());
        assert!(status(&mut Cursor::new(b"x (MESSAGES 3 \x01)\r\n")).is_err());
        assert!(status(&mut Cursor::new(b"x (MESSAGES 3 MAILBOXID (\x01\r\n")).is_err());
    }

    #[test]
    fn namespaces() {
        let ns = namespace(&mut Cursor::new(
            b"((\"\" \"/\")) ((\"~\" \"/\" \"X-PARAM\" (\"a\"))) NIL\r\n",
        ))
        .unwrap();
        assert_eq!(ns.personal().len(), 1);
        assert_eq!(ns.personal()[0].prefix().as_str(), "");
        assert_eq!(ns.other_users()[0].prefix().as_str(), "~");
        assert!(ns.shared().is_empty());
        let ns = namespace(&mut Cursor::new(b"((\"INBOX.\" NIL)) NIL NIL\r\n")).unwrap();
        assert_eq!(ns.personal()[0].delimiter(), None);
    }

    #[test]
    fn search_results() {
        assert_eq!(
            search(&mut Cursor::new(b" 2 84 882 \r\n")).unwrap(),
            (vec![2, 84, 882], None)
        );
        assert_eq!(search(&mut Cursor::new(b"\r\n")).unwrap(), (vec![], None));
        assert_eq!(
            search(&mut Cursor::new(b" 2 5 (MODSEQ 917162500)\r\n")).unwrap(),
            (vec![2, 5], Some(917162500))
        );
        assert!(search(&mut Cursor::new(b" 2 x\r\n")).is_err());
    }
}
