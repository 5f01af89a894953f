//! The one rule for credentials in the testing module: what of a client's command the
//! [`Recorder`](super::Recorder) writes to a transcript, and what a replay's errors show.

use super::format::{first_word, render_pieces, split_tag, truncate, Piece};

/// The placeholder written in place of credentials and SASL data.
pub(crate) const REDACTED: &str = "redacted";

/// A command line that holds credentials, cut where they start.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Sensitive<'a> {
    /// The command's tag.
    pub(crate) tag: &'a [u8],
    /// What may be shown: the line up to where the secret starts (with the space before
    /// it when something is hidden), or the whole line when nothing is.
    pub(crate) head: &'a [u8],
    /// Does a secret follow `head` (to be written as `{{redacted}}`)?
    pub(crate) hidden: bool,
    /// An AUTHENTICATE: the continuation lines that follow, both ways, are SASL data.
    pub(crate) sasl: bool,
}

/// The rule, for a line the client wrote that starts a command: LOGIN, AUTHENTICATE and a
/// command the library `marked` sensitive keep their tag and name, and AUTHENTICATE its
/// mechanism; the rest of the line is secret, and so are the literals it announces, the rest
/// of the command after them, and after AUTHENTICATE every SASL line until its completion
/// (those are for the caller to track). `None`: not such a command.
///
/// With `keep_user`, LOGIN keeps its user name too, when it is an atom or a quoted string:
/// errors show it (who logged in is worth seeing), but a transcript leaves it out so that a
/// replay takes any user.
pub(crate) fn sensitive(line: &[u8], marked: bool, keep_user: bool) -> Option<Sensitive<'_>> {
    let (tag, rest) = split_tag(line)?;
    let name = first_word(rest);
    let (login, sasl) = (name == "LOGIN", name == "AUTHENTICATE");
    if !(marked || login || sasl) {
        return None;
    }
    // Up to the end of the command's name.
    let mut kept = tag.len() + 1 + word_len(rest);
    if line.get(kept) == Some(&b' ') {
        let arg = &line[kept + 1..];
        let shown = if sasl {
            Some(word_len(arg))
        } else if login && keep_user {
            user_len(arg)
        } else {
            None
        };
        if let Some(n) = shown {
            kept += 1 + n;
        }
    }
    let hidden = line.len() > kept;
    let head = if hidden { &line[..=kept] } else { line };
    Some(Sensitive {
        tag,
        head,
        hidden,
        sasl,
    })
}

/// Bytes up to the next space (or the end).
fn word_len(bytes: &[u8]) -> usize {
    bytes.iter().position(|&b| b == b' ').unwrap_or(bytes.len())
}

/// The length of a user name at the start of `arg` that may be shown: an atom, or a quoted
/// string whose closing quote ends the argument. Not a literal (`{5}`, its bytes come later
/// with the password's), not an empty or malformed argument.
fn user_len(arg: &[u8]) -> Option<usize> {
    match arg.first() {
        None | Some(b' ' | b'{') => None,
        Some(b'"') => {
            let mut escaped = false;
            for (i, &b) in arg.iter().enumerate().skip(1) {
                match b {
                    _ if escaped => escaped = false,
                    b'\\' => escaped = true,
                    b'"' => {
                        let end = i + 1;
                        return matches!(arg.get(end), None | Some(b' ')).then_some(end);
                    }
                    _ => {}
                }
            }
            None
        }
        Some(_) => Some(word_len(arg)),
    }
}

/// A client's command line as an error shows it, when it holds credentials: escaped,
/// cut after `max` characters, the secret replaced by `{{redacted}}` by [`sensitive`]
/// (LOGIN's user name kept). `None`: nothing to hide, show the line as it is.
pub(crate) fn redacted_line(line: &[u8], max: usize) -> Option<String> {
    sensitive(line, false, true)
        .filter(|s| s.hidden)
        .map(|s| shown_head(s.head, max))
}

/// `head` then `{{redacted}}`, for an error message.
fn shown_head(head: &[u8], max: usize) -> String {
    let pieces = [Piece::Bytes(head.to_vec()), Piece::Hole(REDACTED.into())];
    truncate(&render_pieces(&pieces), max)
}

/// A transcript's client line (its pieces, placeholders included) as an error shows it,
/// like [`redacted_line`]. Placeholders hold nothing: `LOGIN {{any}}` is shown as it is,
/// but bytes after one (`LOGIN {{any}} s3cret`) are hidden.
pub(crate) fn redacted_pieces(pieces: &[Piece], max: usize) -> Option<String> {
    let Some(Piece::Bytes(first)) = pieces.first() else {
        return None;
    };
    let s = sensitive(first, false, true)?;
    let bytes_after = pieces[1..].iter().any(|p| matches!(p, Piece::Bytes(_)));
    // `LOGIN ` then a placeholder: the space is all there is after the head.
    if s.hidden && s.head.len() < first.len() {
        Some(shown_head(s.head, max))
    } else if bytes_after {
        Some(shown_head(first, max))
    } else {
        None
    }
}

/// What an error shows for bytes that are secret throughout (a literal of a LOGIN, a SASL
/// response): `{{redacted}}`.
pub(crate) fn hidden() -> String {
    format!("{{{{{REDACTED}}}}}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(line: &str, keep_user: bool) -> Option<(String, bool, bool)> {
        sensitive(line.as_bytes(), false, keep_user).map(|s| {
            (
                String::from_utf8(s.head.to_vec()).unwrap(),
                s.hidden,
                s.sasl,
            )
        })
    }

    #[test]
    fn the_rule() {
        let h = |line, keep| head(line, keep);
        let owned = |s: &str, hidden, sasl| Some((s.to_string(), hidden, sasl));
        assert_eq!(h("A1 NOOP", true), None);
        assert_eq!(h("DONE", true), None);
        assert_eq!(
            h("A1 LOGIN alice pw", false),
            owned("A1 LOGIN ", true, false)
        );
        assert_eq!(
            h("A1 login alice pw", true),
            owned("A1 login alice ", true, false)
        );
        assert_eq!(
            h("A1 LOGIN \"al \\\"ice\" \"p w\"", true),
            owned("A1 LOGIN \"al \\\"ice\" ", true, false)
        );
        // A literal user name, or a quoted one that does not end cleanly: all hidden.
        assert_eq!(h("A1 LOGIN {5}", true), owned("A1 LOGIN ", true, false));
        assert_eq!(
            h("A1 LOGIN \"a\"b pw", true),
            owned("A1 LOGIN ", true, false)
        );
        assert_eq!(h("A1 LOGIN \"abc", true), owned("A1 LOGIN ", true, false));
        assert_eq!(h("A1 LOGIN", true), owned("A1 LOGIN", false, false));
        assert_eq!(
            h("A1 LOGIN alice", true),
            owned("A1 LOGIN alice", false, false)
        );
        assert_eq!(
            h("A1 AUTHENTICATE PLAIN AGEAYg==", false),
            owned("A1 AUTHENTICATE PLAIN ", true, true)
        );
        assert_eq!(
            h("A1 AUTHENTICATE XOAUTH2", true),
            owned("A1 AUTHENTICATE XOAUTH2", false, true)
        );
        // Marked by the library: whatever its name.
        assert_eq!(
            sensitive(b"A1 SECRET x", true, true).map(|s| (s.head, s.hidden)),
            Some((&b"A1 SECRET "[..], true))
        );
    }

    #[test]
    fn shown_in_errors() {
        let line = |l: &[u8]| redacted_line(l, 300);
        assert_eq!(
            line(b"A1 LOGIN alice hunter2").as_deref(),
            Some("A1 LOGIN alice {{redacted}}")
        );
        assert_eq!(line(b"A1 NOOP x"), None);
        assert_eq!(line(b"A1 AUTHENTICATE PLAIN"), None);
        let pieces = |p: &[(&str, bool)]| {
            let v: Vec<Piece> = p
                .iter()
                .map(|&(t, hole)| {
                    if hole {
                        Piece::Hole(t.into())
                    } else {
                        Piece::Bytes(t.as_bytes().to_vec())
                    }
                })
                .collect();
            redacted_pieces(&v, 300)
        };
        assert_eq!(pieces(&[("A0001 LOGIN ", false), ("any", true)]), None);
        assert_eq!(
            pieces(&[("A0001 LOGIN bob s3cret", false), ("any", true)]).as_deref(),
            Some("A0001 LOGIN bob {{redacted}}")
        );
        assert_eq!(
            pieces(&[("A0001 LOGIN ", false), ("any", true), (" s3cret", false)]).as_deref(),
            Some("A0001 LOGIN {{redacted}}")
        );
        assert_eq!(pieces(&[("A0001 SELECT a b", false)]), None);
        assert_eq!(hidden(), "{{redacted}}");
    }
}
