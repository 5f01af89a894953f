//! Mailbox names: UTF-8 for callers, modified UTF-7 (RFC 3501 section 5.1.3) on the wire.
//!
//! Modified UTF-7 in short: the printable US-ASCII characters 0x20-0x7e other than `&` stand
//! for themselves, `&` is written `&-`, and every run of other characters is written as `&`,
//! the modified BASE64 (`,` instead of `/`, no `=` padding) of its UTF-16BE form, and `-`.

use std::fmt;

/// The modified BASE64 alphabet: RFC 4648's with `,` in place of `/`.
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/// A mailbox name: the UTF-8 text a person reads, and the bytes the server uses for it.
///
/// Built from a Rust string (`"Archive/2024".into()`), a name is encoded to modified UTF-7
/// (RFC 3501 section 5.1.3) for the wire. A name read from the server keeps the server's
/// exact bytes, so it can always be sent back unchanged, even when they are not valid
/// modified UTF-7 (see [`MailboxName::is_valid_utf7`]).
///
/// `INBOX` is case-insensitive in IMAP: any spelling of it (`inbox`, `Inbox`) becomes `INBOX`,
/// both on the wire and for display. Other names, including `INBOX/...` children, keep their
/// case.
///
/// Its `Debug` form is the name as text, `MailboxName("Archive/2024")`, followed by the wire
/// form when that differs (`MailboxName("Entwürfe", wire: "Entw&APw-rfe")`), with bytes that
/// are not UTF-8 shown as `\x..`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MailboxName {
    /// The bytes sent to and received from the server.
    wire: Vec<u8>,
    /// The name for people: decoded UTF-8, or a lossy rendering of `wire` when it is invalid.
    name: String,
    /// Is `wire` canonical modified UTF-7 (and so `name` exact)?
    valid: bool,
}

impl MailboxName {
    fn inbox() -> MailboxName {
        MailboxName {
            wire: b"INBOX".to_vec(),
            name: "INBOX".to_string(),
            valid: true,
        }
    }

    /// A name from a UTF-8 string, encoded to modified UTF-7.
    fn from_utf8(name: String) -> MailboxName {
        if name.eq_ignore_ascii_case("INBOX") {
            return MailboxName::inbox();
        }
        MailboxName {
            wire: encode_utf7(&name),
            name,
            valid: true,
        }
    }

    /// A name as the server wrote it (a LIST, LSUB or STATUS response, say).
    ///
    /// Canonical modified UTF-7 (what [`encode_utf7`] would produce) is decoded. Anything
    /// else is kept as it is: the name's [`wire`](MailboxName::wire) form is exactly `raw`,
    /// and its display form is `raw` read as UTF-8 with invalid sequences replaced by U+FFFD.
    /// That covers servers that send raw UTF-8 names (after `ENABLE UTF8=ACCEPT`, RFC 6855),
    /// which come back as that UTF-8, and broken encoders, whose names still work when sent
    /// back.
    #[allow(dead_code)] // used by the session commands
    pub(crate) fn from_wire(raw: &[u8]) -> MailboxName {
        if raw.eq_ignore_ascii_case(b"INBOX") {
            return MailboxName::inbox();
        }
        match decode_utf7(raw) {
            Some(name) => MailboxName {
                wire: raw.to_vec(),
                name,
                valid: true,
            },
            None => MailboxName {
                wire: raw.to_vec(),
                name: String::from_utf8_lossy(raw).into_owned(),
                valid: false,
            },
        }
    }

    /// The name as UTF-8 text.
    ///
    /// When the server's bytes were not valid modified UTF-7 this is a best-effort rendering
    /// of them (see [`MailboxName::is_valid_utf7`]); use [`MailboxName::wire`] to refer to the
    /// mailbox in a command.
    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// The name as it goes on the wire: modified UTF-7, or the server's own bytes when they
    /// were not valid modified UTF-7.
    pub fn wire(&self) -> &[u8] {
        &self.wire
    }

    /// Is this the special mailbox `INBOX` (matched without regard to case)?
    pub fn is_inbox(&self) -> bool {
        self.wire == b"INBOX"
    }

    /// Were the name's wire bytes canonical modified UTF-7?
    ///
    /// Always true for names built from a Rust string. False for a server's name that holds
    /// 8-bit bytes (raw UTF-8 included), control characters, a `&` without its closing `-`,
    /// characters outside the modified BASE64 alphabet, a UTF-16 sequence of odd length or with
    /// an unpaired surrogate, or a non-canonical form: printable ASCII written in BASE64,
    /// non-zero padding bits, or two BASE64 runs next to each other. For such a name,
    /// [`MailboxName::as_str`] is only a display string, while [`MailboxName::wire`] still
    /// refers to the mailbox.
    pub fn is_valid_utf7(&self) -> bool {
        self.valid
    }
}

impl fmt::Debug for MailboxName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MailboxName({:?}", self.name)?;
        if self.wire != self.name.as_bytes() {
            write!(f, ", wire: {:?}", super::ShowBytes(&self.wire))?;
        }
        f.write_str(")")
    }
}

impl fmt::Display for MailboxName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl From<&str> for MailboxName {
    fn from(name: &str) -> Self {
        MailboxName::from_utf8(name.to_string())
    }
}

impl From<String> for MailboxName {
    fn from(name: String) -> Self {
        MailboxName::from_utf8(name)
    }
}

impl From<&String> for MailboxName {
    fn from(name: &String) -> Self {
        MailboxName::from_utf8(name.clone())
    }
}

impl From<&MailboxName> for MailboxName {
    fn from(name: &MailboxName) -> Self {
        name.clone()
    }
}

/// Compares the UTF-8 name; `INBOX` matches any spelling of it, as it does in IMAP.
impl PartialEq<str> for MailboxName {
    fn eq(&self, other: &str) -> bool {
        if self.is_inbox() {
            other.eq_ignore_ascii_case("INBOX")
        } else {
            self.name == other
        }
    }
}

/// Compares the UTF-8 name; `INBOX` matches any spelling of it, as it does in IMAP.
impl PartialEq<&str> for MailboxName {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

/// Does `c` stand for itself in modified UTF-7 (`&` does too, but written `&-`)?
fn is_direct(c: char) -> bool {
    (' '..='~').contains(&c)
}

/// Encodes a UTF-8 name to modified UTF-7 (RFC 3501 section 5.1.3), in its one canonical form:
/// each maximal run of non-printable or non-ASCII characters becomes one BASE64 run.
#[allow(dead_code)] // used by the session commands
pub(crate) fn encode_utf7(name: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len());
    let mut run: Vec<u16> = Vec::new();
    for c in name.chars() {
        if is_direct(c) {
            flush_run(&mut out, &mut run);
            out.push(c as u8);
            if c == '&' {
                out.push(b'-');
            }
        } else {
            let mut units = [0u16; 2];
            run.extend_from_slice(c.encode_utf16(&mut units));
        }
    }
    flush_run(&mut out, &mut run);
    out
}

/// Writes `run` (UTF-16 code units) as `&`, modified BASE64 and `-`, and empties it.
fn flush_run(out: &mut Vec<u8>, run: &mut Vec<u16>) {
    if run.is_empty() {
        return;
    }
    out.push(b'&');
    let (mut acc, mut bits) = (0u32, 0u32);
    for unit in run.drain(..) {
        acc = (acc << 16) | u32::from(unit);
        bits += 16;
        while bits >= 6 {
            bits -= 6;
            out.push(ALPHABET[((acc >> bits) & 63) as usize]);
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        // The last sextet, padded with zero bits.
        out.push(ALPHABET[((acc << (6 - bits)) & 63) as usize]);
    }
    out.push(b'-');
}

/// Decodes canonical modified UTF-7 to UTF-8; `None` if `raw` is anything else (see
/// [`MailboxName::is_valid_utf7`] for the list), so that `encode_utf7(decode_utf7(raw)?)` is
/// always `raw`.
///
/// Linear: each turn consumes one byte, or a whole `&...-` run (its `-` found by one scan
/// over the run); the final re-encoding is one more pass.
#[allow(dead_code)] // used by the session commands
pub(crate) fn decode_utf7(raw: &[u8]) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some((&b, tail)) = rest.split_first() {
        if b != b'&' {
            if !(0x20..=0x7e).contains(&b) {
                return None;
            }
            out.push(char::from(b));
            rest = tail;
            continue;
        }
        let end = tail.iter().position(|&c| c == b'-')?;
        let (body, after) = tail.split_at(end);
        if body.is_empty() {
            out.push('&');
        } else {
            for c in char::decode_utf16(base64_units(body)?) {
                let c = c.ok()?;
                if is_direct(c) {
                    return None;
                }
                out.push(c);
            }
        }
        // `after` starts with the '-'.
        rest = after.get(1..)?;
    }
    // What is left are forms that decode but that no correct encoder writes (two BASE64 runs
    // in a row, say): refuse them too, so a valid name has exactly one wire form.
    if encode_utf7(&out) != raw {
        return None;
    }
    Some(out)
}

/// The UTF-16 code units of a modified BASE64 run; `None` for a byte outside the alphabet,
/// a run that does not end on a code unit boundary, or non-zero padding bits.
fn base64_units(body: &[u8]) -> Option<Vec<u16>> {
    let mut units = Vec::with_capacity(body.len() * 6 / 16);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in body {
        let v = ALPHABET.iter().position(|&a| a == c)?;
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 16 {
            bits -= 16;
            units.push((acc >> bits) as u16);
            acc &= (1 << bits) - 1;
        }
    }
    // Fewer than six bits left over, all zero: otherwise a code unit was cut short.
    if bits >= 6 || acc != 0 {
        return None;
    }
    Some(units)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3501_example() {
        let utf8 = "~peter/mail/台北/日本語";
        let wire = b"~peter/mail/&U,BTFw-/&ZeVnLIqe-";
        assert_eq!(encode_utf7(utf8), wire.to_vec());
        assert_eq!(decode_utf7(wire).as_deref(), Some(utf8));
        let from_wire = MailboxName::from_wire(wire);
        assert!(from_wire.is_valid_utf7());
        assert_eq!(from_wire.as_str(), utf8);
        assert_eq!(from_wire, MailboxName::from(utf8));
        assert_eq!(MailboxName::from(utf8).wire(), wire);
    }

    #[test]
    fn ampersand_and_known_vectors() {
        for (utf8, wire) in [
            ("&", &b"&-"[..]),
            ("R&D", b"R&-D"),
            ("&&", b"&-&-"),
            ("é", b"&AOk-"),
            ("éé", b"&AOkA6Q-"),
            ("📧", b"&2D3c5w-"),
            ("a📧b", b"a&2D3c5w-b"),
            ("é-", b"&AOk--"),
            ("é&", b"&AOk-&-"),
            ("tab\there", b"tab&AAk-here"),
            ("del\u{7f}", b"del&AH8-"),
            ("", b""),
        ] {
            assert_eq!(encode_utf7(utf8), wire.to_vec(), "encoding {utf8:?}");
            assert_eq!(
                decode_utf7(wire).as_deref(),
                Some(utf8),
                "decoding {utf8:?}"
            );
        }
    }

    #[test]
    fn round_trips() {
        let mut names: Vec<String> = vec![
            (' '..='~').collect(),
            "Sent Items".into(),
            "Archive/2024 & older".into(),
            "Entwürfe".into(),
            "Corbeille/Éléments supprimés".into(),
            "Входящие".into(),
            "日本語日本語".into(),
            "📧📨 mail 📩".into(),
            "ü-".into(),
            "ü&".into(),
            "-ü-&-".into(),
            "&ü&".into(),
            "\u{0}\u{1}\u{ffff}\u{10ffff}".into(),
        ];
        // Every pair and triple of a few awkward pieces.
        let pieces = ["a", "&", "-", "é", "📧", " ", "\u{7f}", "日"];
        for a in pieces {
            for b in pieces {
                names.push(format!("{a}{b}"));
                for c in pieces {
                    names.push(format!("{a}{b}{c}"));
                }
            }
        }
        for name in &names {
            let wire = encode_utf7(name);
            assert!(
                wire.iter().all(|b| (0x20..=0x7e).contains(b)),
                "{name:?} -> {wire:?}"
            );
            assert_eq!(decode_utf7(&wire).as_ref(), Some(name), "{name:?}");
            let back = MailboxName::from_wire(&wire);
            assert!(back.is_valid_utf7());
            if !name.eq_ignore_ascii_case("INBOX") {
                assert_eq!(back, MailboxName::from(name));
                assert_eq!(back.as_str(), name);
            }
        }
    }

    #[test]
    fn invalid_names_are_kept_losslessly() {
        for raw in [
            &b"&Jjo!"[..],        // '!' is not BASE64, and no '-'
            b"&U,BTFw",           // missing '-'
            b"&",                 // a lone '&'
            b"abc&",              // a lone '&' at the end
            b"&AGE-",             // 'a' written in BASE64
            b"&ACY-",             // '&' written in BASE64 instead of "&-"
            b"&AOk-&AOk-",        // two BASE64 runs in a row
            b"&AOl-",             // non-zero padding bits
            b"&AOkA-",            // a code unit cut short (odd byte count)
            b"&2D0-",             // unpaired high surrogate
            b"&3Oc-",             // unpaired low surrogate
            b"&U/BTFw-",          // '/' is plain BASE64, not modified
            b"\xff",              // 8-bit byte
            b"tab\there",         // a raw control character
            "Grüße".as_bytes(),   // raw UTF-8 (UTF8=ACCEPT)
            b"caf\xc3\xa9 &AOk-", // raw UTF-8 mixed with modified UTF-7
        ] {
            assert_eq!(decode_utf7(raw), None, "{raw:?}");
            let name = MailboxName::from_wire(raw);
            assert!(!name.is_valid_utf7(), "{raw:?}");
            assert_eq!(name.wire(), raw);
            assert_eq!(name.as_str(), String::from_utf8_lossy(raw));
            assert_eq!(MailboxName::from(&name).wire(), raw);
        }
        let utf8 = MailboxName::from_wire("Grüße".as_bytes());
        assert_eq!(utf8.as_str(), "Grüße");
        assert_eq!(utf8, *"Grüße");
        assert_ne!(utf8, MailboxName::from("Grüße"));
        assert_eq!(MailboxName::from_wire(b"\xff").as_str(), "\u{fffd}");
        // "&-" is the one valid way to write '&'.
        let amp = MailboxName::from_wire(b"&-");
        assert!(amp.is_valid_utf7());
        assert_eq!(amp.as_str(), "&");
    }

    #[test]
    fn inbox_is_normalised() {
        for spelling in ["INBOX", "inbox", "InBoX"] {
            let from_str = MailboxName::from(spelling);
            let from_wire = MailboxName::from_wire(spelling.as_bytes());
            for name in [&from_str, &from_wire] {
                assert!(name.is_inbox());
                assert_eq!(name.as_str(), "INBOX");
                assert_eq!(name.wire(), b"INBOX");
                assert!(*name == "inbox" && *name == "Inbox" && *name == *"INBOX");
            }
            assert_eq!(from_str, from_wire);
        }
        for other in ["INBOX/Sub", "inbox.Sent", "INBOXES", "Inbox "] {
            let name = MailboxName::from(other);
            assert!(!name.is_inbox(), "{other:?}");
            assert_eq!(name.as_str(), other);
            assert_eq!(name.wire(), other.as_bytes());
            assert!(name != other.to_lowercase().as_str());
        }
    }

    #[test]
    fn debug_is_the_name() {
        let ascii = MailboxName::from("Archive/2024");
        assert_eq!(format!("{ascii:?}"), r#"MailboxName("Archive/2024")"#);
        assert_eq!(
            format!("{:?}", MailboxName::from("inbox")),
            r#"MailboxName("INBOX")"#
        );
        let utf7 = MailboxName::from("INBOX/Ünïcödé");
        assert_eq!(
            format!("{utf7:?}"),
            r#"MailboxName("INBOX/Ünïcödé", wire: "INBOX/&ANw-n&AO8-c&APY-d&AOk-")"#
        );
        // Raw UTF-8 from the server: the same bytes, so shown once.
        let raw = MailboxName::from_wire("Grüße".as_bytes());
        assert_eq!(format!("{raw:?}"), r#"MailboxName("Grüße")"#);
        // Broken bytes: the lossy text and the bytes, escaped.
        let broken = MailboxName::from_wire(b"caf\xe9\t&");
        assert_eq!(
            format!("{broken:?}"),
            "MailboxName(\"caf\u{fffd}\\t&\", wire: \"caf\\xe9\\t&\")"
        );
    }

    #[test]
    fn conversions_display_and_comparisons() {
        let owned = String::from("Boîte");
        let a = MailboxName::from(&owned);
        let b = MailboxName::from(owned.clone());
        let c = MailboxName::from(owned.as_str());
        let d = MailboxName::from(&a);
        assert!(a == b && b == c && d == a);
        assert_eq!(a.to_string(), "Boîte");
        assert_eq!(a.wire(), b"Bo&AO4-te");
        assert!(a == "Boîte" && a != "boîte" && a != "Bo&AO4-te");
        let mut set = std::collections::HashSet::new();
        set.insert(MailboxName::from_wire(b"Bo&AO4-te"));
        assert!(set.contains(&a));
    }
}
