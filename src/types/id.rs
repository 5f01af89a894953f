//! ID (RFC 2971) and ENABLE (RFC 5161): the owned result and option types (the commands are in
//! `extensions/id.rs`, the parsers and encoders in `wire/id.rs`).

use std::borrow::Cow;

/// What a server says about itself in its ID response (RFC 2971): field / value pairs such
/// as `name`, `version`, `vendor`, `support-url`. Empty when the server sent `ID NIL`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct IdInfo {
    pub(crate) fields: Vec<(String, Option<Vec<u8>>)>,
}

/// Readable: `{"name": "Dovecot", "version": NIL}`, values as text.
impl std::fmt::Debug for IdInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(
                self.fields
                    .iter()
                    .map(|(k, v)| (k, v.as_deref().map(crate::error::RawBytes::new))),
            )
            .finish()
    }
}

impl IdInfo {
    /// The value of `field` (compared without regard to ASCII case) exactly as sent;
    /// `None` when the field is absent or `NIL`.
    pub fn get(&self, field: &str) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(field))
            .and_then(|(_, v)| v.as_deref())
    }

    /// The value of `field` as text: invalid UTF-8 becomes U+FFFD.
    pub fn get_lossy(&self, field: &str) -> Option<Cow<'_, str>> {
        self.get(field).map(String::from_utf8_lossy)
    }

    /// The server's `name` (`Dovecot`, `GImap`, `Cyrus` ...), as text.
    pub fn name(&self) -> Option<Cow<'_, str>> {
        self.get_lossy("name")
    }

    /// The server's `version`, as text.
    pub fn version(&self) -> Option<Cow<'_, str>> {
        self.get_lossy("version")
    }

    /// Every field and its value, in the server's order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, Option<&[u8]>)> {
        self.fields.iter().map(|(k, v)| (k.as_str(), v.as_deref()))
    }

    /// Did the server send no fields (`ID NIL`)?
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}
