//! METADATA (RFC 5464): the owned result and option types (the commands are in
//! `extensions/metadata.rs`, the parsers and encoders in `wire/metadata.rs`).

use std::borrow::Cow;

use crate::types::MailboxName;

/// One metadata entry and its value.
#[derive(Clone, PartialEq, Eq)]
pub struct MetadataEntry {
    pub(crate) name: String,
    pub(crate) value: Option<Vec<u8>>,
}

/// Readable: the value as text, not bytes.
impl std::fmt::Debug for MetadataEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetadataEntry")
            .field("name", &self.name)
            .field(
                "value",
                &self.value.as_deref().map(crate::error::RawBytes::new),
            )
            .finish()
    }
}

impl MetadataEntry {
    /// The entry's name (`/private/comment`, `/shared/vendor/...`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value exactly as the server sent it (it may hold CR, LF, 8-bit bytes, even NUL);
    /// `None` when the entry has no value (`NIL`).
    pub fn value(&self) -> Option<&[u8]> {
        self.value.as_deref()
    }

    /// The value as text: invalid UTF-8 becomes U+FFFD.
    pub fn value_lossy(&self) -> Option<Cow<'_, str>> {
        self.value.as_deref().map(String::from_utf8_lossy)
    }

    /// The value, owned.
    pub fn into_value(self) -> Option<Vec<u8>> {
        self.value
    }
}

/// What GETMETADATA answers: the entries of a mailbox (or of the server) and their values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    pub(crate) mailbox: MailboxName,
    pub(crate) entries: Vec<MetadataEntry>,
    pub(crate) long_entries: Option<u64>,
}

impl Metadata {
    /// The mailbox the entries belong to; the empty name for server metadata.
    pub fn mailbox(&self) -> &MailboxName {
        &self.mailbox
    }

    /// Are these server metadata (mailbox `""`)?
    pub fn is_server(&self) -> bool {
        self.mailbox.wire().is_empty()
    }

    /// Every entry the server returned, in its order. Entries that do not exist come back
    /// with no value, or not at all, as the server chooses.
    pub fn entries(&self) -> &[MetadataEntry] {
        &self.entries
    }

    /// The value of entry `name` (compared without regard to ASCII case); `None` when the
    /// entry was not returned or has no value.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.entries
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(name))
            .and_then(MetadataEntry::value)
    }

    /// With a [`MetadataOptions::max_size`], the size of the largest value that was left
    /// out for being larger (the server's `[METADATA LONGENTRIES n]`).
    pub fn long_entries(&self) -> Option<u64> {
        self.long_entries
    }
}

/// How deep GETMETADATA looks below each entry asked for (RFC 5464 section 4.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MetadataDepth {
    /// `DEPTH 0`: only the entries named (the default).
    Zero,
    /// `DEPTH 1`: also their immediate children.
    One,
    /// `DEPTH infinity`: the whole tree below each entry.
    Infinity,
}

impl MetadataDepth {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            MetadataDepth::Zero => "0",
            MetadataDepth::One => "1",
            MetadataDepth::Infinity => "infinity",
        }
    }
}

/// Options of GETMETADATA (RFC 5464 section 4.2).
///
/// ```
/// use blocking_imap::{MetadataDepth, MetadataOptions};
/// let options = MetadataOptions::new().max_size(4096).depth(MetadataDepth::Infinity);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetadataOptions {
    pub(crate) max_size: Option<u64>,
    pub(crate) depth: Option<MetadataDepth>,
}

impl MetadataOptions {
    /// No options: every entry named, whatever its size.
    pub fn new() -> Self {
        Self::default()
    }

    /// `MAXSIZE n`: leave out values longer than `n` octets (the result's
    /// [`long_entries`](Metadata::long_entries) then says how long the longest was).
    pub fn max_size(mut self, octets: u64) -> Self {
        self.max_size = Some(octets);
        self
    }

    /// `DEPTH`: also return the entries below those named.
    pub fn depth(mut self, depth: MetadataDepth) -> Self {
        self.depth = Some(depth);
        self
    }

    pub(crate) fn render(&self) -> Option<String> {
        let mut items = Vec::new();
        if let Some(n) = self.max_size {
            items.push(format!("MAXSIZE {n}"));
        }
        if let Some(d) = self.depth {
            items.push(format!("DEPTH {}", d.as_str()));
        }
        (!items.is_empty()).then(|| format!("({})", items.join(" ")))
    }
}
