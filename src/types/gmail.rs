//! Gmail's IMAP extensions (`X-GM-EXT-1`): labels, and the types their commands take.
//!
//! Gmail documents the extension at
//! <https://developers.google.com/gmail/imap/imap-extensions>. A message's labels arrive in
//! `X-GM-LABELS` as atoms or quoted strings: system labels start with a backslash (`\Inbox`,
//! `\Important`, `"\\Important"`), user labels are in modified UTF-7 like mailbox names
//! (RFC 3501 section 5.1.3), and the list may be empty (`()`) or hold a stray `NIL`.

use std::fmt;

use crate::types::mailbox_name::{decode_utf7, encode_utf7};

/// One Gmail label, as `X-GM-LABELS` names it (FETCH, STORE and SEARCH).
///
/// System labels are the ones Gmail writes with a backslash (`\Inbox`, `\Important`,
/// `\Starred`, `\Sent`, `\Draft`, `\Trash`, `\Spam`); the best known have their own variant,
/// any other is [`System`](GmailLabel::System). Every other label is a
/// [`User`](GmailLabel::User) label, held as readable text (decoded from modified UTF-7;
/// nested labels use `/`, as Gmail shows them).
///
/// ```
/// use blocking_imap::GmailLabel;
/// assert_eq!(GmailLabel::from_wire("\\Inbox"), GmailLabel::Inbox);
/// assert_eq!(GmailLabel::from_wire("Caf&AOk-"), GmailLabel::User("Café".into()));
/// assert_eq!(GmailLabel::user("Café").to_string(), "Café");
/// assert_eq!(GmailLabel::Important.to_string(), "\\Important");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum GmailLabel {
    /// `\Inbox`.
    Inbox,
    /// `\Important`.
    Important,
    /// `\Starred`.
    Starred,
    /// `\Sent`.
    Sent,
    /// `\Draft` (read from `\Drafts` too).
    Draft,
    /// `\Trash`.
    Trash,
    /// `\Spam`.
    Spam,
    /// Another system label: its name without the backslash (`"Chats"` for `\Chats`).
    System(String),
    /// A label the user made, as readable text (`"Receipts/2024"`, `"Café"`).
    User(String),
}

impl GmailLabel {
    /// A user label named `name` (readable text; it is encoded when sent).
    pub fn user(name: impl Into<String>) -> GmailLabel {
        GmailLabel::User(name.into())
    }

    /// The label a server wrote (quoting already removed): a leading backslash makes a
    /// system label, any case (`\inbox` is [`Inbox`](GmailLabel::Inbox)); anything else is
    /// a user label, decoded from modified UTF-7. Text that is not valid modified UTF-7
    /// (raw UTF-8, which Gmail sends once UTF8=ACCEPT is enabled) is kept as it is.
    pub fn from_wire(raw: &str) -> GmailLabel {
        if let Some(name) = raw.strip_prefix('\\') {
            let known = [
                ("Inbox", GmailLabel::Inbox),
                ("Important", GmailLabel::Important),
                ("Starred", GmailLabel::Starred),
                ("Sent", GmailLabel::Sent),
                ("Draft", GmailLabel::Draft),
                ("Drafts", GmailLabel::Draft),
                ("Trash", GmailLabel::Trash),
                ("Spam", GmailLabel::Spam),
            ];
            return known
                .into_iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map_or_else(|| GmailLabel::System(name.to_string()), |(_, l)| l);
        }
        match decode_utf7(raw.as_bytes()) {
            Some(text) => GmailLabel::User(text),
            None => GmailLabel::User(raw.to_string()),
        }
    }

    /// A user label's name in modified UTF-7, as it goes on the wire; `None` for a system
    /// label.
    pub(crate) fn utf7_name(&self) -> Option<Vec<u8>> {
        match self {
            GmailLabel::User(text) => Some(encode_utf7(text)),
            _ => None,
        }
    }

    /// Is this a system label (written with a backslash)?
    pub fn is_system(&self) -> bool {
        !matches!(self, GmailLabel::User(_))
    }

    /// The name of a system label without its backslash (`"Inbox"`); `None` for a user label.
    pub fn system_name(&self) -> Option<&str> {
        Some(match self {
            GmailLabel::Inbox => "Inbox",
            GmailLabel::Important => "Important",
            GmailLabel::Starred => "Starred",
            GmailLabel::Sent => "Sent",
            GmailLabel::Draft => "Draft",
            GmailLabel::Trash => "Trash",
            GmailLabel::Spam => "Spam",
            GmailLabel::System(name) => name,
            GmailLabel::User(_) => return None,
        })
    }
}

/// A system label with its backslash (`\Inbox`), a user label as readable text.
impl fmt::Display for GmailLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.system_name(), self) {
            (Some(name), _) => write!(f, "\\{name}"),
            (None, GmailLabel::User(name)) => f.write_str(name),
            (None, _) => Ok(()),
        }
    }
}

impl From<&str> for GmailLabel {
    /// Readable text: `"\Inbox"` (with its backslash) is the system label, anything else a
    /// user label of that name (not decoded: use [`GmailLabel::from_wire`] for wire text).
    fn from(text: &str) -> GmailLabel {
        if text.starts_with('\\') {
            GmailLabel::from_wire(text)
        } else {
            GmailLabel::User(text.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_and_user_labels() {
        assert_eq!(GmailLabel::from_wire("\\Important"), GmailLabel::Important);
        assert_eq!(GmailLabel::from_wire("\\inbox"), GmailLabel::Inbox);
        assert_eq!(GmailLabel::from_wire("\\Drafts"), GmailLabel::Draft);
        assert_eq!(
            GmailLabel::from_wire("\\Chats"),
            GmailLabel::System("Chats".into())
        );
        assert_eq!(
            GmailLabel::from_wire("Custom Label"),
            GmailLabel::user("Custom Label")
        );
        // Modified UTF-7 decoded; `&-` is a plain ampersand.
        assert_eq!(
            GmailLabel::from_wire("&ZeVnLIqe-/R&-D"),
            GmailLabel::user("日本語/R&D")
        );
        // Not modified UTF-7 (raw UTF-8, a lone `&`): kept as sent.
        assert_eq!(GmailLabel::from_wire("Läb"), GmailLabel::user("Läb"));
        assert_eq!(GmailLabel::from_wire("A&B"), GmailLabel::user("A&B"));
        assert!(GmailLabel::Inbox.is_system());
        assert!(!GmailLabel::user("x").is_system());
        assert_eq!(GmailLabel::System("Chats".into()).to_string(), "\\Chats");
        assert_eq!(GmailLabel::from("\\Starred"), GmailLabel::Starred);
        assert_eq!(GmailLabel::from("Caf&AOk-"), GmailLabel::user("Caf&AOk-"));
    }
}
