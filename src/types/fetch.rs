//! The data of one FETCH response.

use std::fmt;

use super::gmail::GmailLabel;
use super::{BodyStructure, DateTime, Envelope, Flag, Section, Seq, ShowBytes, ShowData, Uid};

/// What follows the part number in a section specifier (`BODY[1.HEADER]`, `BODY[TEXT]`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum SectionText {
    /// `HEADER`.
    Header,
    /// `HEADER.FIELDS (names)` (`not`: `HEADER.FIELDS.NOT`), names as the server echoed them.
    HeaderFields { not: bool, names: Vec<String> },
    /// `TEXT`.
    Text,
    /// `MIME`.
    Mime,
}

/// Which part of a message a body section holds, as the server named it in its FETCH response.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct SectionKey {
    /// `BINARY[...]` (RFC 3516) rather than `BODY[...]`.
    pub(crate) binary: bool,
    /// Part numbers (`1.2` is `[1, 2]`), empty for the whole message.
    pub(crate) part: Vec<u32>,
    /// `HEADER`, `HEADER.FIELDS (...)`, `TEXT`, `MIME`, or nothing.
    pub(crate) text: Option<SectionText>,
    /// The origin octet of a partial fetch (`BODY[]<0>`).
    pub(crate) origin: Option<u32>,
}

impl SectionKey {
    /// `BODY[part]` / `BODY[part.text]`, not partial.
    pub(crate) fn body(part: Vec<u32>, text: Option<SectionText>) -> Self {
        SectionKey {
            binary: false,
            part,
            text,
            origin: None,
        }
    }
}

/// The section as the server named it: `BODY[1.2.HEADER.FIELDS (A B)]<0>`, `BINARY[3]`.
impl fmt::Display for SectionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.binary { "BINARY[" } else { "BODY[" })?;
        for (i, n) in self.part.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{n}")?;
        }
        if let Some(text) = &self.text {
            if !self.part.is_empty() {
                f.write_str(".")?;
            }
            match text {
                SectionText::Header => f.write_str("HEADER")?,
                SectionText::HeaderFields { not, names } => write!(
                    f,
                    "HEADER.FIELDS{} ({})",
                    if *not { ".NOT" } else { "" },
                    names.join(" ")
                )?,
                SectionText::Text => f.write_str("TEXT")?,
                SectionText::Mime => f.write_str("MIME")?,
            }
        }
        f.write_str("]")?;
        if let Some(origin) = self.origin {
            write!(f, "<{origin}>")?;
        }
        Ok(())
    }
}

/// Does a section the server sent hold `section` (whatever its origin)? Header field lists
/// match whatever the order and case the server echoed them in.
fn holds(section: &Section, k: &SectionKey) -> bool {
    let fields = |not: bool, want: &[String]| {
        k.part.is_empty()
            && matches!(&k.text, Some(SectionText::HeaderFields { not: n, names })
                if *n == not && same_fields(names, want))
    };
    match section {
        Section::Full => k.part.is_empty() && k.text.is_none(),
        Section::Header => k.part.is_empty() && k.text == Some(SectionText::Header),
        Section::HeaderFields(names) => fields(false, names),
        Section::HeaderFieldsNot(names) => fields(true, names),
        Section::Text => k.part.is_empty() && k.text == Some(SectionText::Text),
        Section::Part(p) => k.part == *p && k.text.is_none(),
        Section::Mime(p) => k.part == *p && k.text == Some(SectionText::Mime),
    }
}

/// Do two lists of header field names hold the same names, compared without regard to case
/// or order? O(k²) for lists of k names, run only when the lengths match: k is the length of
/// the caller's list, so a lookup costs O(names the server sent × k).
fn same_fields(a: &[String], b: &[String]) -> bool {
    a.len() == b.len()
        && a.iter()
            .all(|x| b.iter().any(|y| x.eq_ignore_ascii_case(y)))
        && b.iter()
            .all(|y| a.iter().any(|x| x.eq_ignore_ascii_case(y)))
}

/// A FETCH item whose value could not be read, kept whole (see [`Fetch::unparsed`]).
#[derive(Clone, PartialEq, Eq)]
pub struct UnparsedItem {
    name: String,
    raw: Vec<u8>,
    reason: String,
}

impl UnparsedItem {
    pub(crate) fn new(name: String, raw: &[u8], reason: String) -> Self {
        UnparsedItem {
            name,
            raw: raw.to_vec(),
            reason,
        }
    }

    /// The item's name as the server wrote it (`ENVELOPE`, `MODSEQ`, `X-SOMETHING`); empty
    /// when no name could be read (stray data between items, or text after the list).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The item as received: its name, any `[section]<origin>`, and its value.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// Why it was not read (the parse error, or what was assumed).
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// Is it only an item this crate does not know (rather than one that did not parse)?
    pub(crate) fn is_unknown(&self) -> bool {
        self.reason.ends_with("does not know")
    }
}

impl std::fmt::Debug for UnparsedItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnparsedItem")
            .field("name", &self.name)
            .field("raw", &crate::error::RawBytes::new(&self.raw))
            .field("reason", &self.reason)
            .finish()
    }
}

/// What one server FETCH response said about one message; several responses for the same
/// message within one command are merged into one value.
///
/// # Partial fetches
///
/// A section fetched in part (`BODY.PEEK[]<0.1024>`, see
/// [`FetchItems::body_peek_partial`](crate::FetchItems::body_peek_partial)) comes back
/// with its origin (`BODY[]<0>`). The section accessors ([`body`](Fetch::body),
/// [`header`](Fetch::header), [`text`](Fetch::text), [`part`](Fetch::part),
/// [`section`](Fetch::section), [`binary`](Fetch::binary)) give the whole section when it
/// was fetched whole; else the partial fetch that starts at octet 0, which is the start of the
/// section (cut at the length asked for); never one that starts elsewhere.
/// [`section_at`](Fetch::section_at) and [`binary_at`](Fetch::binary_at) give the partial
/// fetch at a given origin, so that `BODY[]<0>` and `BODY[]<1000>` of the same message are
/// told apart.
///
/// # Debug
///
/// The `Debug` form lists only what the response carried, and shows section data as its
/// length and a short escaped prefix (`BODY[]: 1234 bytes "Received: ..."...`), never as a
/// list of numbers.
#[derive(Clone, PartialEq, Eq)]
pub struct Fetch {
    pub(crate) seq: Seq,
    pub(crate) uid: Option<Uid>,
    pub(crate) flags: Option<Vec<Flag>>,
    pub(crate) modseq: Option<u64>,
    pub(crate) size: Option<u32>,
    pub(crate) internal_date: Option<String>,
    pub(crate) envelope: Option<Box<Envelope>>,
    pub(crate) body_structure: Option<Box<BodyStructure>>,
    pub(crate) sections: Vec<(SectionKey, Option<Vec<u8>>)>,
    /// The items of extensions, boxed: most responses carry none of them.
    pub(crate) extras: Option<Box<Extras>>,
}

/// The less common FETCH items.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Extras {
    /// `BINARY.SIZE[part] n`.
    pub(crate) binary_sizes: Vec<(Vec<u32>, u64)>,
    pub(crate) email_id: Option<String>,
    pub(crate) thread_id: Option<String>,
    pub(crate) save_date: Option<String>,
    pub(crate) preview: Option<Vec<u8>>,
    pub(crate) gmail_msgid: Option<u64>,
    pub(crate) gmail_thrid: Option<u64>,
    pub(crate) gmail_labels: Option<Vec<String>>,
    /// The non-extensible `BODY` structure, kept apart from `BODYSTRUCTURE`.
    pub(crate) body_basic: Option<Box<BodyStructure>>,
    /// Items whose value could not be read.
    pub(crate) unparsed: Vec<UnparsedItem>,
}

impl Extras {
    fn merge(&mut self, other: Extras) {
        take(&mut self.email_id, other.email_id);
        take(&mut self.thread_id, other.thread_id);
        take(&mut self.save_date, other.save_date);
        take(&mut self.preview, other.preview);
        take(&mut self.gmail_msgid, other.gmail_msgid);
        take(&mut self.gmail_thrid, other.gmail_thrid);
        take(&mut self.gmail_labels, other.gmail_labels);
        take(&mut self.body_basic, other.body_basic);
        // Appended, not looked up: readers search from the end, so the latest wins, and a
        // merge costs O(1) per item however much the message already holds.
        self.binary_sizes.extend(other.binary_sizes);
        self.unparsed.extend(other.unparsed);
    }
}

/// Replaces `slot` with `new` if `new` holds a value.
fn take<T>(slot: &mut Option<T>, new: Option<T>) {
    if new.is_some() {
        *slot = new;
    }
}

impl Fetch {
    pub(crate) fn new(seq: Seq) -> Self {
        Fetch {
            seq,
            uid: None,
            flags: None,
            modseq: None,
            size: None,
            internal_date: None,
            envelope: None,
            body_structure: None,
            sections: Vec::new(),
            extras: None,
        }
    }

    /// The extension items, created on first use.
    pub(crate) fn extras_mut(&mut self) -> &mut Extras {
        self.extras.get_or_insert_with(Box::default)
    }

    fn extras(&self) -> Option<&Extras> {
        self.extras.as_deref()
    }

    /// The message's sequence number when the response was sent.
    pub fn seq(&self) -> Seq {
        self.seq
    }

    /// The message's UID, if the response carried it.
    pub fn uid(&self) -> Option<Uid> {
        self.uid
    }

    /// The message's flags, if the response carried them.
    pub fn flags(&self) -> Option<&[Flag]> {
        self.flags.as_deref()
    }

    /// The message's mod-sequence (RFC 7162), if the response carried it.
    pub fn modseq(&self) -> Option<u64> {
        self.modseq
    }

    /// The message's size in octets (`RFC822.SIZE`), if the response carried it.
    ///
    /// RFC 9051 allows sizes up to 2^63; a size above `u32::MAX` (a message over 4 GiB)
    /// is reported as `u32::MAX`.
    pub fn size(&self) -> Option<u32> {
        self.size
    }

    /// The message's internal date (`INTERNALDATE`: when it arrived, or the date given to
    /// APPEND), parsed; `None` when it was not fetched or does not parse (see
    /// [`internal_date_raw`](Self::internal_date_raw)).
    pub fn internal_date(&self) -> Option<DateTime> {
        // Leniently the RFC 5322 form too (`Wed, 17 Jul 1996 02:44:25 -0700`), which a few
        // servers send here.
        let raw = self.internal_date.as_deref()?;
        DateTime::parse_imap(raw)
            .or_else(|_| DateTime::parse_rfc5322(raw))
            .ok()
    }

    /// The message's internal date as the server wrote it (`17-Jul-1996 02:44:25 -0700`).
    pub fn internal_date_raw(&self) -> Option<&str> {
        self.internal_date.as_deref()
    }

    /// The message's envelope (`ENVELOPE`): date, subject, addresses, Message-ID.
    pub fn envelope(&self) -> Option<&Envelope> {
        self.envelope.as_deref()
    }

    /// The message's MIME structure: `BODYSTRUCTURE`, or, when only the shorter `BODY` form
    /// was fetched, that (it has no extension data: no disposition, language or location).
    /// When both were fetched this is the `BODYSTRUCTURE`, and
    /// [`body_structure_basic`](Fetch::body_structure_basic) has the `BODY`.
    pub fn body_structure(&self) -> Option<&BodyStructure> {
        self.body_structure
            .as_deref()
            .or_else(|| self.body_structure_basic())
    }

    /// The non-extensible structure of the message (the `BODY` item, without brackets), if
    /// it was fetched; `BODYSTRUCTURE` is not reported here.
    pub fn body_structure_basic(&self) -> Option<&BodyStructure> {
        self.extras()?.body_basic.as_deref()
    }

    /// The first section sent that matches `want` and starts at `origin` (`None`: not
    /// partial); if the server sent that same section again in a later response, the latest
    /// data wins. `None` when no such section was sent; its data is `None` when it was sent
    /// as `NIL`. Two scans of `sections`: O(n) per lookup.
    fn find_at(
        &self,
        binary: bool,
        origin: Option<u32>,
        want: &impl Fn(&SectionKey) -> bool,
    ) -> Option<&(SectionKey, Option<Vec<u8>>)> {
        let first = self
            .sections
            .iter()
            .position(|(k, _)| k.binary == binary && k.origin == origin && want(k))?;
        let key = &self.sections[first].0;
        self.sections[first..].iter().rev().find(|(k, _)| k == key)
    }

    /// The section matching `want`: sent whole, or else partial from octet 0 (see the type's
    /// docs on partial fetches).
    fn find_section(&self, binary: bool, want: impl Fn(&SectionKey) -> bool) -> Option<&[u8]> {
        self.find_at(binary, None, &want)
            .or_else(|| self.find_at(binary, Some(0), &want))
            .and_then(|(_, data)| data.as_deref())
    }

    /// The whole message (`BODY[]`, `BODY.PEEK[]` or `RFC822`), if fetched (see the type's
    /// docs for partial fetches).
    pub fn body(&self) -> Option<&[u8]> {
        self.section(&Section::Full)
    }

    /// The message's header (`BODY[HEADER]`, `BODY[HEADER.FIELDS (...)]`, `RFC822.HEADER`).
    /// Use [`section`](Fetch::section) to tell several header sections apart.
    pub fn header(&self) -> Option<&[u8]> {
        self.find_section(false, |k| {
            k.part.is_empty()
                && matches!(
                    k.text,
                    Some(SectionText::Header | SectionText::HeaderFields { .. })
                )
        })
    }

    /// The message's text without the header (`BODY[TEXT]`, `RFC822.TEXT`).
    pub fn text(&self) -> Option<&[u8]> {
        self.section(&Section::Text)
    }

    /// A MIME part's content (`BODY[1.2]`), if fetched.
    pub fn part(&self, part: &[u32]) -> Option<&[u8]> {
        self.find_section(false, |k| k.part == part && k.text.is_none())
    }

    /// The body section that was asked for as `section`, if fetched: the whole section, or
    /// else a partial fetch of it from octet 0 (see the type's docs on partial fetches).
    /// Header field lists match whatever the order and case the server echoed them in:
    /// `Section::HeaderFields(vec!["Subject".into(), "From".into()])` finds the data of
    /// `BODY[HEADER.FIELDS (FROM SUBJECT)]`.
    pub fn section(&self, section: &Section) -> Option<&[u8]> {
        self.find_section(false, |k| holds(section, k))
    }

    /// The partial fetch of `section` that starts at octet `origin` (`BODY[]<1000>` for
    /// `section_at(&Section::Full, 1000)`), if one was fetched; never the whole section.
    /// Two partial fetches of the same section are told apart by their origin.
    pub fn section_at(&self, section: &Section, origin: u32) -> Option<&[u8]> {
        self.find_at(false, Some(origin), &|k: &SectionKey| holds(section, k))
            .and_then(|(_, data)| data.as_deref())
    }

    /// A part's content decoded by the server from its transfer encoding (`BINARY[1.2]`,
    /// RFC 3516); `&[]` is the whole message. The whole part, or else a partial fetch of it
    /// from octet 0 (see the type's docs on partial fetches).
    pub fn binary(&self, part: &[u32]) -> Option<&[u8]> {
        self.find_section(true, |k| k.part == part && k.text.is_none())
    }

    /// The partial fetch of a decoded part that starts at octet `origin` (`BINARY[1]<100>`
    /// for `binary_at(&[1], 100)`, RFC 3516), if one was fetched; never the whole part.
    pub fn binary_at(&self, part: &[u32], origin: u32) -> Option<&[u8]> {
        self.find_at(true, Some(origin), &|k: &SectionKey| {
            k.part == part && k.text.is_none()
        })
        .and_then(|(_, data)| data.as_deref())
    }

    /// The size of a part once decoded (`BINARY.SIZE[1.2]`, RFC 3516).
    pub fn binary_size(&self, part: &[u32]) -> Option<u64> {
        self.extras()?
            .binary_sizes
            .iter()
            .rev()
            .find(|(p, _)| p == part)
            .map(|&(_, n)| n)
    }

    /// The message's object id (`EMAILID`, RFC 8474).
    pub fn email_id(&self) -> Option<&str> {
        self.extras()?.email_id.as_deref()
    }

    /// The message's thread id (`THREADID`, RFC 8474); `None` also when the server said `NIL`.
    pub fn thread_id(&self) -> Option<&str> {
        self.extras()?.thread_id.as_deref()
    }

    /// When the message was saved into its mailbox (`SAVEDATE`, RFC 8514), as the server
    /// wrote it; `None` also when the server said `NIL`.
    pub fn save_date(&self) -> Option<&str> {
        self.extras()?.save_date.as_deref()
    }

    /// A short plain-text preview of the message (`PREVIEW`, RFC 8970), UTF-8 as sent.
    pub fn preview(&self) -> Option<&[u8]> {
        self.extras()?.preview.as_deref()
    }

    /// [`preview`](Self::preview) as text (invalid UTF-8 replaced by U+FFFD); `None` when it
    /// was not fetched, or when the server said `NIL` (no preview at hand for
    /// `PREVIEW (LAZY)`, or none can be made).
    pub fn preview_text(&self) -> Option<std::borrow::Cow<'_, str>> {
        self.preview().map(String::from_utf8_lossy)
    }

    /// [`save_date`](Self::save_date) parsed (RFC 8514; a `date-time` like INTERNALDATE);
    /// `None` when not fetched, `NIL` (the server keeps no save date for this mailbox) or
    /// unparsable.
    pub fn save_date_time(&self) -> Option<DateTime> {
        DateTime::parse_imap(self.save_date()?).ok()
    }

    /// Gmail's message id (`X-GM-MSGID`).
    pub fn gmail_msgid(&self) -> Option<u64> {
        self.extras()?.gmail_msgid
    }

    /// Gmail's thread id (`X-GM-THRID`).
    pub fn gmail_thrid(&self) -> Option<u64> {
        self.extras()?.gmail_thrid
    }

    /// The items of this message whose value could not be read, kept whole with the reason.
    ///
    /// One odd item never costs the message: an item whose value does not follow the
    /// grammar (a signed or fractional number, `NIL` where a list belongs, a value missing
    /// altogether, an unknown shape) is skipped and listed here, and the other items are
    /// read as usual. Only a broken response (unbalanced parentheses, a literal whose length
    /// lies) costs the message, as an [`Error::Parse`](crate::Error::Parse).
    ///
    /// Some readings are best-effort where they are unambiguous, and are not listed here: a
    /// value wrapped in one pair of parentheses too many (`ENVELOPE ((...))`,
    /// `INTERNALDATE ("...")`) is read from inside them; a list holding one string where an
    /// envelope string belongs is that string; an item list wrapped in extra parentheses is
    /// read as one. A body section with no value at all (`BODY[2] )`) is taken as empty
    /// *and* listed here; any other item with no value is absent and listed here. A negative
    /// `MODSEQ` (`MODSEQ (-1)`) is absent and listed here.
    pub fn unparsed(&self) -> &[UnparsedItem] {
        self.extras().map_or(&[], |x| &x.unparsed)
    }

    /// Gmail's labels (`X-GM-LABELS`), as the server wrote them (quoting removed): system
    /// labels such as `\Inbox` and `\Important`, and user labels in modified UTF-7.
    pub fn gmail_labels(&self) -> Option<&[String]> {
        self.extras()?.gmail_labels.as_deref()
    }

    /// Gmail's labels (`X-GM-LABELS`, asked for with
    /// [`FetchItems::x_gm_labels`](crate::FetchItems::x_gm_labels)), typed: system labels
    /// (`\Inbox`, `\Important`, written as atoms or quoted strings) and user labels decoded
    /// from modified UTF-7. A stray `NIL` in the list is no label; `()` is an empty list.
    ///
    /// ```
    /// # use blocking_imap::{Fetch, GmailLabel};
    /// # fn show(f: &Fetch) {
    /// if let Some(labels) = f.x_gm_labels() {
    ///     let in_inbox = labels.contains(&GmailLabel::Inbox);
    ///     println!("{in_inbox} {labels:?}");
    /// }
    /// # }
    /// ```
    pub fn x_gm_labels(&self) -> Option<Vec<GmailLabel>> {
        let raw = self.gmail_labels()?;
        Some(raw.iter().map(|l| GmailLabel::from_wire(l)).collect())
    }

    /// Is the response a change the server pushed rather than data a command asked for:
    /// nothing but FLAGS and / or Gmail's X-GM-LABELS (and UID / MODSEQ), none of which the
    /// command wanted (`want_flags`: FLAGS; `want_labels`: X-GM-LABELS)?
    pub(crate) fn is_pushed_change(&self, want_flags: bool, want_labels: bool) -> bool {
        if self.gmail_labels().is_none() {
            // No labels: a change only if it is FLAGS alone, unasked.
            return !want_flags && self.is_flags_only();
        }
        if want_labels || (want_flags && self.flags.is_some()) {
            return false;
        }
        // Labels (and maybe flags), and nothing else: only then is the copy below made, of
        // the extras of a response that holds no body, structure or envelope.
        let core_empty = self.sections.is_empty()
            && self.size.is_none()
            && self.internal_date.is_none()
            && self.envelope.is_none()
            && self.body_structure.is_none();
        core_empty
            && self.extras.as_deref().is_some_and(|x| {
                let rest = Extras {
                    gmail_labels: None,
                    ..x.clone()
                };
                rest == Extras::default()
            })
    }

    /// Does the response carry nothing but FLAGS (and UID / MODSEQ), like a pushed flag change?
    pub(crate) fn is_flags_only(&self) -> bool {
        self.flags.is_some()
            && self.sections.is_empty()
            && self.size.is_none()
            && self.internal_date.is_none()
            && self.envelope.is_none()
            && self.body_structure.is_none()
            && self
                .extras
                .as_deref()
                .map_or(true, |x| *x == Extras::default())
    }

    /// Merges a later response for the same message into this one.
    pub(crate) fn merge(&mut self, other: Fetch) {
        take(&mut self.uid, other.uid);
        take(&mut self.flags, other.flags);
        take(&mut self.modseq, other.modseq);
        take(&mut self.size, other.size);
        take(&mut self.internal_date, other.internal_date);
        take(&mut self.envelope, other.envelope);
        take(&mut self.body_structure, other.body_structure);
        if let Some(extras) = other.extras {
            match self.extras.as_deref_mut() {
                Some(mine) => mine.merge(*extras),
                None => self.extras = Some(extras),
            }
        }
        // Appended, not looked up (O(1) per item): readers take the latest of a section.
        self.sections.extend(other.sections);
    }

    /// Records an item that could not be read.
    pub(crate) fn push_unparsed(&mut self, item: UnparsedItem) {
        self.extras_mut().unparsed.push(item);
    }

    /// How many items the message holds that merging adds up (sections, binary sizes,
    /// unparsed items); the others replace what was there.
    pub(crate) fn item_count(&self) -> usize {
        self.sections.len()
            + self
                .extras()
                .map_or(0, |x| x.binary_sizes.len() + x.unparsed.len())
    }

    /// Roughly how many bytes of memory the message holds: its section data and every
    /// string and list it carries. Linear in the size of the message.
    pub(crate) fn approx_size(&self) -> usize {
        const ITEM: usize = 32;
        let sections: usize = self
            .sections
            .iter()
            .map(|(k, d)| {
                ITEM + k.part.len() * 4
                    + d.as_ref().map_or(0, Vec::len)
                    + match &k.text {
                        Some(SectionText::HeaderFields { names, .. }) => {
                            names.iter().map(|n| n.len() + ITEM).sum()
                        }
                        _ => 0,
                    }
            })
            .sum();
        let flags: usize = self
            .flags
            .iter()
            .flatten()
            .map(|f| ITEM + f.as_str().len())
            .sum();
        let extras = self.extras().map_or(0, |x| {
            let basic = x
                .body_basic
                .as_deref()
                .map_or(0, BodyStructure::approx_size);
            let strings = [&x.email_id, &x.thread_id, &x.save_date]
                .into_iter()
                .flatten()
                .map(String::len)
                .sum::<usize>();
            basic
                + strings
                + x.preview.as_ref().map_or(0, Vec::len)
                + x.gmail_labels
                    .iter()
                    .flatten()
                    .map(|l| ITEM + l.len())
                    .sum::<usize>()
                + x.binary_sizes
                    .iter()
                    .map(|(p, _)| ITEM + p.len() * 4)
                    .sum::<usize>()
                + x.unparsed
                    .iter()
                    .map(|u| ITEM + u.name.len() + u.raw.len() + u.reason.len())
                    .sum::<usize>()
        });
        std::mem::size_of::<Fetch>()
            + sections
            + flags
            + extras
            + self.internal_date.as_ref().map_or(0, String::len)
            + self.envelope.as_deref().map_or(0, Envelope::approx_size)
            + self
                .body_structure
                .as_deref()
                .map_or(0, BodyStructure::approx_size)
    }
}

/// A value shown in a `Debug` form by its `Display` form (no quotes).
struct Plain<T>(T);

impl<T: fmt::Display> fmt::Debug for Plain<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Flags as IMAP writes them: `(\Seen $Junk)`.
struct FlagList<'a>(&'a [Flag]);

impl fmt::Debug for FlagList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(")?;
        for (i, flag) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(flag.as_str())?;
        }
        f.write_str(")")
    }
}

/// Section data: its length and a short prefix, or `NIL`.
struct Data<'a>(Option<&'a [u8]>);

impl fmt::Debug for Data<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(d) => ShowData(d).fmt(f),
            None => f.write_str("NIL"),
        }
    }
}

// Fields the response did not carry are left out on purpose.
#[allow(clippy::missing_fields_in_debug)]
impl fmt::Debug for Fetch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Fetch");
        d.field("seq", &self.seq);
        if let Some(uid) = &self.uid {
            d.field("uid", uid);
        }
        if let Some(flags) = &self.flags {
            d.field("flags", &FlagList(flags));
        }
        if let Some(m) = &self.modseq {
            d.field("modseq", m);
        }
        if let Some(n) = &self.size {
            d.field("size", n);
        }
        if let Some(date) = &self.internal_date {
            d.field("internal_date", date);
        }
        if let Some(env) = &self.envelope {
            d.field("envelope", env);
        }
        if let Some(b) = &self.body_structure {
            d.field("body_structure", b);
        }
        let x = self.extras();
        if let Some(b) = x.and_then(|x| x.body_basic.as_deref()) {
            d.field("body_structure_basic", b);
        }
        if !self.sections.is_empty() {
            struct Sections<'a>(&'a [(SectionKey, Option<Vec<u8>>)]);
            impl fmt::Debug for Sections<'_> {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.debug_map()
                        .entries(self.0.iter().map(|(k, v)| (Plain(k), Data(v.as_deref()))))
                        .finish()
                }
            }
            d.field("sections", &Sections(&self.sections));
        }
        if let Some(x) = x {
            if !x.binary_sizes.is_empty() {
                struct Sizes<'a>(&'a [(Vec<u32>, u64)]);
                impl fmt::Debug for Sizes<'_> {
                    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.debug_map()
                            .entries(self.0.iter().map(|(p, n)| {
                                let key = SectionKey {
                                    binary: true,
                                    part: p.clone(),
                                    text: None,
                                    origin: None,
                                };
                                (Plain(key), n)
                            }))
                            .finish()
                    }
                }
                d.field("binary_sizes", &Sizes(&x.binary_sizes));
            }
            let strings = [
                ("email_id", &x.email_id),
                ("thread_id", &x.thread_id),
                ("save_date", &x.save_date),
            ];
            for (name, value) in strings {
                if let Some(v) = value {
                    d.field(name, v);
                }
            }
            if let Some(p) = &x.preview {
                d.field("preview", &ShowBytes(p));
            }
            if let Some(n) = &x.gmail_msgid {
                d.field("gmail_msgid", n);
            }
            if let Some(n) = &x.gmail_thrid {
                d.field("gmail_thrid", n);
            }
            if let Some(labels) = &x.gmail_labels {
                d.field("gmail_labels", labels);
            }
            if !x.unparsed.is_empty() {
                d.field("unparsed", &x.unparsed);
            }
        }
        d.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_and_replaces() {
        let mut a = Fetch::new(Seq(1));
        a.uid = Some(Uid(5));
        a.flags = Some(vec![Flag::Seen]);
        a.sections
            .push((SectionKey::body(vec![], None), Some(b"x".to_vec())));
        a.extras_mut().binary_sizes.push((vec![1], 3));
        assert!(!a.is_flags_only());
        let mut b = Fetch::new(Seq(1));
        b.flags = Some(vec![]);
        b.extras_mut().gmail_labels = Some(vec!["\\Inbox".into()]);
        b.sections
            .push((SectionKey::body(vec![], None), Some(b"y".to_vec())));
        b.extras_mut().binary_sizes.push((vec![1], 4));
        b.extras_mut().binary_sizes.push((vec![2], 9));
        a.merge(b);
        assert_eq!(a.uid(), Some(Uid(5)));
        assert_eq!(a.flags(), Some(&[][..]));
        assert_eq!(a.body(), Some(&b"y"[..]));
        // Appended (merging is O(1) per item); the latest copy is the one read.
        assert_eq!(a.sections.len(), 2);
        assert_eq!(
            (a.binary_size(&[1]), a.binary_size(&[2])),
            (Some(4), Some(9))
        );
        assert_eq!(a.gmail_labels(), Some(&["\\Inbox".to_string()][..]));

        let mut f = Fetch::new(Seq(2));
        f.flags = Some(vec![Flag::Seen]);
        f.uid = Some(Uid(1));
        f.modseq = Some(7);
        assert!(f.is_flags_only());
        f.extras_mut();
        assert!(f.is_flags_only(), "empty extras");
        f.extras_mut().email_id = Some("M1".into());
        assert!(!f.is_flags_only());
    }

    fn key(
        binary: bool,
        part: &[u32],
        text: Option<SectionText>,
        origin: Option<u32>,
    ) -> SectionKey {
        SectionKey {
            binary,
            part: part.to_vec(),
            text,
            origin,
        }
    }

    #[test]
    fn partial_sections_are_told_apart_by_origin() {
        let mut f = Fetch::new(Seq(1));
        f.sections
            .push((key(false, &[], None, Some(1000)), Some(b"later".to_vec())));
        // Only a partial fetch from elsewhere than octet 0: not the body.
        assert_eq!(f.body(), None);
        assert_eq!(f.section(&Section::Full), None);
        assert_eq!(f.section_at(&Section::Full, 1000), Some(&b"later"[..]));
        assert_eq!(f.section_at(&Section::Full, 0), None);
        // A partial fetch from octet 0 is the start of the body.
        f.sections
            .push((key(false, &[], None, Some(0)), Some(b"start".to_vec())));
        assert_eq!(f.body(), Some(&b"start"[..]));
        assert_eq!(f.section_at(&Section::Full, 0), Some(&b"start"[..]));
        assert_eq!(f.section_at(&Section::Full, 1000), Some(&b"later"[..]));
        // The whole section wins over both, whatever the order they came in.
        f.sections
            .push((key(false, &[], None, None), Some(b"whole".to_vec())));
        assert_eq!(f.body(), Some(&b"whole"[..]));
        assert_eq!(f.section_at(&Section::Full, 0), Some(&b"start"[..]));
        assert_eq!(f.section_at(&Section::Full, 5), None);
        // The same for parts, header fields and BINARY.
        f.sections.push((
            key(false, &[2], Some(SectionText::Mime), Some(0)),
            Some(b"m".to_vec()),
        ));
        f.sections
            .push((key(false, &[1, 2], None, Some(10)), Some(b"p".to_vec())));
        f.sections
            .push((key(true, &[3], None, Some(100)), Some(b"b100".to_vec())));
        f.sections
            .push((key(true, &[3], None, None), Some(b"b".to_vec())));
        assert_eq!(f.section(&Section::Mime(vec![2])), Some(&b"m"[..]));
        assert_eq!(f.part(&[1, 2]), None);
        assert_eq!(
            f.section_at(&Section::Part(vec![1, 2]), 10),
            Some(&b"p"[..])
        );
        assert_eq!(f.binary(&[3]), Some(&b"b"[..]));
        assert_eq!(f.binary_at(&[3], 100), Some(&b"b100"[..]));
        assert_eq!(f.binary_at(&[3], 0), None);
        // BODY and BINARY never stand in for each other.
        assert_eq!(f.section_at(&Section::Part(vec![3]), 100), None);
        // A section sent whole as NIL is absent; a partial one does not stand in for it.
        let mut g = Fetch::new(Seq(2));
        g.sections.push((key(false, &[1], None, None), None));
        g.sections
            .push((key(false, &[1], None, Some(0)), Some(b"x".to_vec())));
        assert_eq!(g.part(&[1]), None);
        assert_eq!(g.section_at(&Section::Part(vec![1]), 0), Some(&b"x"[..]));
    }

    #[test]
    fn section_keys_display_as_sent() {
        let fields = |not| SectionText::HeaderFields {
            not,
            names: vec!["From".into(), "To".into()],
        };
        for (k, want) in [
            (key(false, &[], None, None), "BODY[]"),
            (key(false, &[], None, Some(0)), "BODY[]<0>"),
            (
                key(false, &[1, 2], Some(SectionText::Mime), None),
                "BODY[1.2.MIME]",
            ),
            (
                key(false, &[], Some(fields(false)), None),
                "BODY[HEADER.FIELDS (From To)]",
            ),
            (
                key(false, &[3], Some(fields(true)), Some(7)),
                "BODY[3.HEADER.FIELDS.NOT (From To)]<7>",
            ),
            (key(false, &[], Some(SectionText::Text), None), "BODY[TEXT]"),
            (
                key(false, &[4], Some(SectionText::Header), None),
                "BODY[4.HEADER]",
            ),
            (key(true, &[1], None, Some(100)), "BINARY[1]<100>"),
        ] {
            assert_eq!(k.to_string(), want);
        }
    }

    #[test]
    fn debug_shows_data_not_numbers() {
        let mut f = Fetch::new(Seq(3));
        f.uid = Some(Uid(42));
        f.flags = Some(vec![Flag::Seen, Flag::Keyword("$Junk".into())]);
        let big: Vec<u8> = b"Subject: hi\r\n\r\n"
            .iter()
            .copied()
            .chain((0..200u8).map(|i| b'a' + i % 26))
            .collect();
        f.sections.push((key(false, &[], None, None), Some(big)));
        f.sections
            .push((key(true, &[2], None, Some(0)), Some(vec![0, 1, 255])));
        f.sections.push((key(false, &[9], None, None), None));
        f.extras_mut().preview = Some(b"Hello \xff".to_vec());
        f.extras_mut().binary_sizes.push((vec![2], 3));
        let s = format!("{f:?}");
        assert!(
            s.starts_with("Fetch { seq: Seq(3), uid: Uid(42), flags: (\\Seen $Junk), "),
            "{s}"
        );
        assert!(
            s.contains(
                "BODY[]: 215 bytes \"Subject: hi\\r\\n\\r\\nabcdefghijklmnopqrstuvwxyzabcdefg\"..."
            ),
            "{s}"
        );
        assert!(
            s.contains("BINARY[2]<0>: 3 bytes \"\\0\\u{1}\\xff\""),
            "{s}"
        );
        assert!(s.contains("BODY[9]: NIL"), "{s}");
        assert!(s.contains("preview: \"Hello \\xff\""), "{s}");
        assert!(s.contains("binary_sizes: {BINARY[2]: 3}"), "{s}");
        assert!(!s.contains("envelope") && !s.contains("modseq"), "{s}");
        // Pretty-printing works too.
        assert!(format!("{f:#?}").contains("\n    seq: Seq("));
    }

    #[test]
    fn header_field_sections_by_name() {
        let mut f = Fetch::new(Seq(1));
        let fields = |not, names: &[&str]| {
            SectionKey::body(
                vec![],
                Some(SectionText::HeaderFields {
                    not,
                    names: names.iter().map(|s| s.to_string()).collect(),
                }),
            )
        };
        f.sections
            .push((fields(false, &["FROM", "SUBJECT"]), Some(b"a".to_vec())));
        f.sections
            .push((fields(true, &["RECEIVED"]), Some(b"b".to_vec())));
        f.sections.push((
            SectionKey::body(vec![1], Some(SectionText::Mime)),
            Some(b"c".to_vec()),
        ));
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            f.section(&Section::HeaderFields(names(&["subject", "From"]))),
            Some(&b"a"[..])
        );
        assert_eq!(f.section(&Section::HeaderFields(names(&["subject"]))), None);
        assert_eq!(
            f.section(&Section::HeaderFieldsNot(names(&["Received"]))),
            Some(&b"b"[..])
        );
        assert_eq!(
            f.section(&Section::HeaderFields(names(&["Received"]))),
            None
        );
        assert_eq!(f.section(&Section::Mime(vec![1])), Some(&b"c"[..]));
        assert_eq!(f.section(&Section::Header), None);
        assert_eq!(f.header(), Some(&b"a"[..]));
        assert_eq!(f.part(&[1]), None);
    }
}
