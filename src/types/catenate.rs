//! CATENATE (RFC 4469): the pieces an APPEND puts together (the command is in
//! `extensions/catenate.rs`).

use super::{MailboxName, Uid};

/// One piece of a message built by [`Session::append_catenate`](crate::Session::append_catenate):
/// bytes from the caller, or a message or part already on the server, named by an IMAP URL.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CatenatePart<'a> {
    /// `TEXT literal`: these bytes (no NUL).
    Text(&'a [u8]),
    /// `URL "..."`: a message or part on this server, as a relative IMAP URL (RFC 5092)
    /// such as `/INBOX;UIDVALIDITY=385759045/;UID=20/;SECTION=1`; see
    /// [`url`](CatenatePart::url).
    Url(String),
}

impl CatenatePart<'static> {
    /// The URL of message `uid` in `mailbox` (whose UIDVALIDITY is `uid_validity`), or of
    /// its `section` (`"1.2"`, `"TEXT"`, `"HEADER"`: what goes between `BODY[` and `]`).
    /// The mailbox name is written in UTF-8 and everything outside the characters RFC 5092
    /// allows is %-escaped.
    ///
    /// ```
    /// use blocking_imap::{CatenatePart, Uid};
    /// assert_eq!(
    ///     CatenatePart::url("Sent Items", 385759045, Uid(20), Some("1.MIME")),
    ///     CatenatePart::Url("/Sent%20Items;UIDVALIDITY=385759045/;UID=20/;SECTION=1.MIME".into())
    /// );
    /// ```
    pub fn url(
        mailbox: impl Into<MailboxName>,
        uid_validity: u32,
        uid: Uid,
        section: Option<&str>,
    ) -> CatenatePart<'static> {
        let mailbox = mailbox.into();
        let mut url = format!(
            "/{};UIDVALIDITY={uid_validity}/;UID={}",
            escape(mailbox.as_str()),
            uid.0
        );
        if let Some(s) = section {
            url.push_str("/;SECTION=");
            url.push_str(&escape(s));
        }
        CatenatePart::Url(url)
    }
}

/// %-escapes all but RFC 5092's `bchar`s (unreserved, `! $ ' ( ) * + ,`, `& = : @ /`).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b'&'
                    | b'='
                    | b':'
                    | b'@'
                    | b'/'
            );
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_escaped() {
        assert_eq!(
            CatenatePart::url("Entwürfe/a;b", 1, Uid(2), None),
            CatenatePart::Url("/Entw%C3%BCrfe/a%3Bb;UIDVALIDITY=1/;UID=2".into())
        );
        assert_eq!(
            CatenatePart::url("INBOX", 1, Uid(2), Some("HEADER.FIELDS (A)")),
            CatenatePart::Url("/INBOX;UIDVALIDITY=1/;UID=2/;SECTION=HEADER.FIELDS%20(A)".into())
        );
    }
}
