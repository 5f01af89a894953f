//! What to FETCH, and how to STORE flags.

use std::fmt;

use crate::error::{Error, Result};

/// A body section to fetch (RFC 9051 section 6.4.5).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Section {
    /// The whole message: `BODY[]`.
    Full,
    /// The header: `BODY[HEADER]`.
    Header,
    /// Only these header fields: `BODY[HEADER.FIELDS (...)]`.
    HeaderFields(Vec<String>),
    /// All header fields but these: `BODY[HEADER.FIELDS.NOT (...)]`.
    HeaderFieldsNot(Vec<String>),
    /// The body without the header: `BODY[TEXT]`.
    Text,
    /// A MIME part's content: `BODY[1.2]`.
    Part(Vec<u32>),
    /// A MIME part's MIME header: `BODY[1.2.MIME]`.
    Mime(Vec<u32>),
}

impl Section {
    fn render(&self) -> Result<String> {
        let fields = |names: &[String]| -> Result<String> {
            if names.is_empty() {
                return Err(Error::InvalidArgument("empty header field list".into()));
            }
            for n in names {
                // RFC 5322 field names: printable ASCII except ':' and space.
                if n.is_empty() || !n.bytes().all(|b| b > 0x20 && b < 0x7f && b != b':') {
                    return Err(Error::InvalidArgument(format!("header field name {n:?}")));
                }
                if n.bytes()
                    .any(|b| matches!(b, b'(' | b')' | b'{' | b'"' | b'\\' | b']' | b'%' | b'*'))
                {
                    return Err(Error::InvalidArgument(format!("header field name {n:?}")));
                }
            }
            Ok(names.join(" "))
        };
        let part = |p: &[u32]| -> Result<String> {
            if p.is_empty() || p.contains(&0) {
                return Err(Error::InvalidArgument(format!("part number {p:?}")));
            }
            Ok(p.iter().map(u32::to_string).collect::<Vec<_>>().join("."))
        };
        Ok(match self {
            Section::Full => String::new(),
            Section::Header => "HEADER".into(),
            Section::HeaderFields(f) => format!("HEADER.FIELDS ({})", fields(f)?),
            Section::HeaderFieldsNot(f) => format!("HEADER.FIELDS.NOT ({})", fields(f)?),
            Section::Text => "TEXT".into(),
            Section::Part(p) => part(p)?,
            Section::Mime(p) => format!("{}.MIME", part(p)?),
        })
    }
}

/// The section as IMAP writes it, brackets included: `[]`, `[HEADER.FIELDS (Subject From)]`,
/// `[1.2.MIME]`. Written as it is, even when it could not be sent (an empty field list, part
/// number 0): the command refuses those.
impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let part = |f: &mut fmt::Formatter<'_>, p: &[u32]| -> fmt::Result {
            for (i, n) in p.iter().enumerate() {
                if i > 0 {
                    f.write_str(".")?;
                }
                write!(f, "{n}")?;
            }
            Ok(())
        };
        f.write_str("[")?;
        match self {
            Section::Full => {}
            Section::Header => f.write_str("HEADER")?,
            Section::HeaderFields(names) => write!(f, "HEADER.FIELDS ({})", names.join(" "))?,
            Section::HeaderFieldsNot(names) => {
                write!(f, "HEADER.FIELDS.NOT ({})", names.join(" "))?;
            }
            Section::Text => f.write_str("TEXT")?,
            Section::Part(p) => part(f, p)?,
            Section::Mime(p) => {
                part(f, p)?;
                f.write_str(".MIME")?;
            }
        }
        f.write_str("]")
    }
}

/// The data items to FETCH, built up item by item.
///
/// ```
/// use blocking_imap::{FetchItems, Section};
/// let items = FetchItems::new().uid().flags().body_peek(Section::Header);
/// assert_eq!(
///     format!("{items:?}"),
///     r#"FetchItems("UID FLAGS BODY.PEEK[HEADER]")"#
/// );
/// ```
///
/// Its `Debug` form is the item list as the command writes it, followed by the modifiers and
/// the first error, if any.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct FetchItems {
    items: Vec<String>,
    error: Option<String>,
    pub(crate) flags: bool,
    /// Asks for Gmail's `X-GM-LABELS` (so label-only responses are results, not pushes).
    pub(crate) labels: bool,
    /// FETCH modifiers (RFC 7162): `CHANGEDSINCE n`, `VANISHED`.
    changed_since: Option<u64>,
    vanished: bool,
    /// FETCH modifier (RFC 9394): `PARTIAL range`.
    partial: Option<super::partial::PartialRange>,
}

impl FetchItems {
    /// No items yet (the server then sends only what it must, e.g. UID for UID FETCH).
    pub fn new() -> Self {
        FetchItems::default()
    }

    fn push(mut self, item: impl Into<String>) -> Self {
        self.items.push(item.into());
        self
    }

    /// `UID`.
    pub fn uid(self) -> Self {
        self.push("UID")
    }

    /// `FLAGS`.
    pub fn flags(mut self) -> Self {
        self.flags = true;
        self.push("FLAGS")
    }

    /// `INTERNALDATE`.
    pub fn internal_date(self) -> Self {
        self.push("INTERNALDATE")
    }

    /// `RFC822.SIZE`.
    pub fn size(self) -> Self {
        self.push("RFC822.SIZE")
    }

    /// `ENVELOPE`.
    pub fn envelope(self) -> Self {
        self.push("ENVELOPE")
    }

    /// `BODYSTRUCTURE`.
    pub fn body_structure(self) -> Self {
        self.push("BODYSTRUCTURE")
    }

    /// `MODSEQ` (RFC 7162 CONDSTORE).
    pub fn modseq(self) -> Self {
        self.push("MODSEQ")
    }

    /// `X-GM-LABELS`: Gmail's labels of each message (needs `X-GM-EXT-1`), read with
    /// [`Fetch::x_gm_labels`](crate::Fetch::x_gm_labels).
    pub fn x_gm_labels(mut self) -> Self {
        self.labels = true;
        self.push("X-GM-LABELS")
    }

    /// `X-GM-MSGID`: Gmail's 64-bit message id, the same in every mailbox the message is
    /// in (needs `X-GM-EXT-1`), read with [`Fetch::gmail_msgid`](crate::Fetch::gmail_msgid).
    pub fn x_gm_msgid(self) -> Self {
        self.push("X-GM-MSGID")
    }

    /// `X-GM-THRID`: Gmail's 64-bit conversation (thread) id (needs `X-GM-EXT-1`), read
    /// with [`Fetch::gmail_thrid`](crate::Fetch::gmail_thrid).
    pub fn x_gm_thrid(self) -> Self {
        self.push("X-GM-THRID")
    }

    /// `EMAILID` (RFC 8474 OBJECTID): the message's id, the same in every mailbox it is
    /// copied to, read with [`Fetch::email_id`](crate::Fetch::email_id). The server must
    /// advertise OBJECTID.
    pub fn email_id(self) -> Self {
        self.push("EMAILID")
    }

    /// `THREADID` (RFC 8474 OBJECTID): the id of the message's thread, read with
    /// [`Fetch::thread_id`](crate::Fetch::thread_id) (`None` when the server does not
    /// thread). The server must advertise OBJECTID.
    pub fn thread_id(self) -> Self {
        self.push("THREADID")
    }

    /// `SAVEDATE` (RFC 8514): when the message was saved into this mailbox, read with
    /// [`Fetch::save_date_time`](crate::Fetch::save_date_time). The server must advertise
    /// SAVEDATE.
    pub fn save_date(self) -> Self {
        self.push("SAVEDATE")
    }

    /// `PREVIEW` (RFC 8970): a short plain-text preview of the message (at most 256
    /// characters), computed by the server if it has none yet; read with
    /// [`Fetch::preview_text`](crate::Fetch::preview_text). The server must advertise
    /// PREVIEW.
    pub fn preview(self) -> Self {
        self.push("PREVIEW")
    }

    /// `PREVIEW (LAZY)` (RFC 8970): the preview only if the server has it at hand; else it
    /// answers `NIL` ([`Fetch::preview_text`](crate::Fetch::preview_text) is `None`) and
    /// the caller may ask again later with [`preview`](Self::preview).
    pub fn preview_lazy(self) -> Self {
        self.push("PREVIEW (LAZY)")
    }

    fn section(mut self, peek: bool, section: Section, partial: Option<(u32, u32)>) -> Self {
        match section.render() {
            Ok(s) => {
                let name = if peek { "BODY.PEEK" } else { "BODY" };
                let part = partial.map_or(String::new(), |(o, n)| format!("<{o}.{n}>"));
                self.push(format!("{name}[{s}]{part}"))
            }
            Err(e) => {
                self.error.get_or_insert(e.to_string());
                self
            }
        }
    }

    /// `BODY[section]`: the section, marking the message `\Seen`.
    pub fn body(self, section: Section) -> Self {
        self.section(false, section, None)
    }

    /// `BODY.PEEK[section]`: the section, leaving the flags alone.
    pub fn body_peek(self, section: Section) -> Self {
        self.section(true, section, None)
    }

    /// `BODY.PEEK[section]<origin.length>`: part of a section.
    pub fn body_peek_partial(self, section: Section, origin: u32, length: u32) -> Self {
        self.section(true, section, Some((origin, length)))
    }

    /// `BODY.PEEK[HEADER.FIELDS (names)]`: just these header fields.
    pub fn header_fields(self, names: &[&str]) -> Self {
        self.body_peek(Section::HeaderFields(
            names.iter().map(|s| (*s).to_string()).collect(),
        ))
    }

    /// A BINARY item (RFC 3516) for `part` (`[]` is the whole message), with `suffix`.
    fn binary_item(self, name: &str, part: &[u32], suffix: &str) -> Self {
        if part.contains(&0) {
            let mut s = self;
            s.error
                .get_or_insert(format!("part number {part:?} (parts count from 1)"));
            return s;
        }
        let part: Vec<String> = part.iter().map(u32::to_string).collect();
        self.push(format!("{name}[{}]{suffix}", part.join(".")))
    }

    /// `BINARY[part]` (RFC 3516): the part with its content transfer encoding (base64,
    /// quoted-printable) undone by the server, marking the message `\Seen`. `&[]` is the
    /// whole message. Read it with [`Fetch::binary`](crate::Fetch::binary). The server must
    /// advertise BINARY.
    pub fn binary(self, part: &[u32]) -> Self {
        self.binary_item("BINARY", part, "")
    }

    /// `BINARY.PEEK[part]` (RFC 3516): as [`binary`](Self::binary), leaving the flags alone.
    pub fn binary_peek(self, part: &[u32]) -> Self {
        self.binary_item("BINARY.PEEK", part, "")
    }

    /// `BINARY.PEEK[part]<origin.length>` (RFC 3516): part of a decoded part.
    pub fn binary_peek_partial(self, part: &[u32], origin: u32, length: u32) -> Self {
        self.binary_item("BINARY.PEEK", part, &format!("<{origin}.{length}>"))
    }

    /// `BINARY.SIZE[part]` (RFC 3516): the size of the decoded part, read with
    /// [`Fetch::binary_size`](crate::Fetch::binary_size).
    pub fn binary_size(self, part: &[u32]) -> Self {
        self.binary_item("BINARY.SIZE", part, "")
    }

    /// Any other item, as IMAP writes it (`X-GM-LABELS`, `BINARY.PEEK[1]`, `SAVEDATE`...).
    /// It must not hold CR, LF or NUL.
    pub fn raw(self, item: &str) -> Self {
        if item.is_empty() || item.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
            let mut s = self;
            s.error.get_or_insert(format!(
                "fetch item {item:?} is empty or holds CR, LF or NUL"
            ));
            return s;
        }
        let upper = item.to_ascii_uppercase();
        let has = |name: &str| upper.split([' ', '(', ')']).any(|w| w == name);
        let (flags, labels) = (has("FLAGS"), has("X-GM-LABELS"));
        let mut s = self.push(item);
        s.flags |= flags;
        s.labels |= labels;
        s
    }

    /// Only messages whose mod-sequence is above `modseq` (the `CHANGEDSINCE` modifier,
    /// RFC 7162; needs CONDSTORE).
    pub fn changed_since(mut self, modseq: u64) -> Self {
        self.changed_since = Some(modseq);
        self
    }

    /// With [`changed_since`](Self::changed_since) on a UID FETCH: also report the UIDs
    /// expunged since then (RFC 7162; needs QRESYNC enabled). They arrive in
    /// [`Session::unsolicited`](crate::Session::unsolicited) as
    /// [`Unsolicited::Vanished`](crate::Unsolicited::Vanished) with `earlier: true`.
    pub fn vanished(mut self) -> Self {
        self.vanished = true;
        self
    }

    /// Only a page of the messages the set names (the `PARTIAL` modifier, RFC 9394): with
    /// [`PartialRange::first`](crate::PartialRange::first), the lowest of them, with
    /// [`PartialRange::last`](crate::PartialRange::last) the highest — `UID FETCH 1:*` with
    /// `PartialRange::last(1, 50)` fetches the newest 50 messages whatever their UIDs. The
    /// server must advertise PARTIAL; position 0 is refused when the command is sent.
    pub fn partial(mut self, range: super::partial::PartialRange) -> Self {
        self.partial = Some(range);
        self
    }

    /// The list as the command writes it: `(UID FLAGS ...)`.
    pub(crate) fn render(&self, uid: bool) -> Result<String> {
        if let Some(e) = &self.error {
            return Err(Error::InvalidArgument(e.clone()));
        }
        let mut items: Vec<&str> = self.items.iter().map(String::as_str).collect();
        if uid && !items.contains(&"UID") {
            items.insert(0, "UID");
        }
        if items.is_empty() {
            items.push("UID");
        }
        let mut out = format!("({})", items.join(" "));
        let mut modifiers = Vec::new();
        if let Some(m) = self.changed_since {
            modifiers.push(format!("CHANGEDSINCE {m}"));
            if self.vanished && uid {
                modifiers.push("VANISHED".into());
            }
        }
        if let Some(range) = self.partial {
            range.check()?;
            modifiers.push(format!("PARTIAL {range}"));
        }
        if !modifiers.is_empty() {
            out.push_str(&format!(" ({})", modifiers.join(" ")));
        }
        Ok(out)
    }
}

impl fmt::Debug for FetchItems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FetchItems({:?}", self.items.join(" "))?;
        if let Some(m) = self.changed_since {
            write!(f, ", changed_since: {m}")?;
        }
        if self.vanished {
            f.write_str(", vanished")?;
        }
        if let Some(r) = self.partial {
            write!(f, ", partial: {r}")?;
        }
        if let Some(e) = &self.error {
            write!(f, ", error: {e:?}")?;
        }
        f.write_str(")")
    }
}

/// What STORE does with the given flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreAction {
    /// `+FLAGS`: add them.
    Add,
    /// `-FLAGS`: remove them.
    Remove,
    /// `FLAGS`: replace all flags with them.
    Replace,
}

impl StoreAction {
    pub(crate) fn item(self, silent: bool) -> &'static str {
        match (self, silent) {
            (StoreAction::Add, false) => "+FLAGS",
            (StoreAction::Add, true) => "+FLAGS.SILENT",
            (StoreAction::Remove, false) => "-FLAGS",
            (StoreAction::Remove, true) => "-FLAGS.SILENT",
            (StoreAction::Replace, false) => "FLAGS",
            (StoreAction::Replace, true) => "FLAGS.SILENT",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_items() {
        let q = FetchItems::new()
            .flags()
            .header_fields(&["Message-ID", "Subject"])
            .body_peek_partial(Section::Part(vec![1, 2]), 0, 1024)
            .body(Section::Mime(vec![2]));
        assert_eq!(
            q.render(true).unwrap(),
            "(UID FLAGS BODY.PEEK[HEADER.FIELDS (Message-ID Subject)] BODY.PEEK[1.2]<0.1024> BODY[2.MIME])"
        );
        assert_eq!(FetchItems::new().render(false).unwrap(), "(UID)");
        assert_eq!(
            FetchItems::new()
                .binary_peek(&[])
                .binary_peek(&[1, 2])
                .binary(&[3])
                .binary_peek_partial(&[1], 0, 100)
                .binary_size(&[])
                .binary_size(&[2, 1])
                .render(false)
                .unwrap(),
            "(BINARY.PEEK[] BINARY.PEEK[1.2] BINARY[3] BINARY.PEEK[1]<0.100> BINARY.SIZE[] BINARY.SIZE[2.1])"
        );
        assert_eq!(
            FetchItems::new()
                .body_peek(Section::Full)
                .render(false)
                .unwrap(),
            "(BODY.PEEK[])"
        );
    }

    #[test]
    fn sections_display_as_sent() {
        for (section, want) in [
            (Section::Full, "[]"),
            (Section::Header, "[HEADER]"),
            (
                Section::HeaderFields(vec!["Subject".into(), "From".into()]),
                "[HEADER.FIELDS (Subject From)]",
            ),
            (
                Section::HeaderFieldsNot(vec!["Received".into()]),
                "[HEADER.FIELDS.NOT (Received)]",
            ),
            (Section::Text, "[TEXT]"),
            (Section::Part(vec![1, 2]), "[1.2]"),
            (Section::Mime(vec![3]), "[3.MIME]"),
        ] {
            assert_eq!(section.to_string(), want);
            // What the command sends is the same.
            let sent = FetchItems::new().body(section).render(false).unwrap();
            assert_eq!(sent, format!("(BODY{want})"));
        }
    }

    #[test]
    fn fetch_items_debug_is_the_list() {
        let q = FetchItems::new().uid().flags().body_peek(Section::Header);
        assert_eq!(
            format!("{q:?}"),
            r#"FetchItems("UID FLAGS BODY.PEEK[HEADER]")"#
        );
        let q = FetchItems::new().flags().changed_since(5).vanished();
        assert_eq!(
            format!("{q:?}"),
            r#"FetchItems("FLAGS", changed_since: 5, vanished)"#
        );
        let q = FetchItems::new().body(Section::Part(vec![0]));
        assert_eq!(
            format!("{q:?}"),
            r#"FetchItems("", error: "invalid argument: part number [0]")"#
        );
    }

    #[test]
    fn refuses_bad_items() {
        for q in [
            FetchItems::new().header_fields(&["Subject)] BODY[]"]),
            FetchItems::new().header_fields(&[]),
            FetchItems::new().body(Section::Part(vec![0])),
            FetchItems::new().raw("FLAGS\r\nA1 LOGOUT"),
        ] {
            assert!(
                matches!(q.render(false), Err(Error::InvalidArgument(_))),
                "{q:?}"
            );
        }
        assert!(FetchItems::new().raw("FAST").render(false).is_ok());
        assert!(matches!(
            FetchItems::new().binary_peek(&[1, 0]).render(false),
            Err(Error::InvalidArgument(_))
        ));
        assert!(FetchItems::new().raw("(FLAGS UID)").flags);
        assert!(FetchItems::new().raw("(UID X-GM-LABELS)").labels);
        assert!(!FetchItems::new().raw("X-GM-LABELSX").labels);
    }

    #[test]
    fn gmail_items() {
        let q = FetchItems::new().x_gm_msgid().x_gm_thrid().x_gm_labels();
        assert!(q.labels && !q.flags);
        assert_eq!(
            q.render(true).unwrap(),
            "(UID X-GM-MSGID X-GM-THRID X-GM-LABELS)"
        );
    }
}
