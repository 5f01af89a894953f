//! ENVELOPE and BODYSTRUCTURE (RFC 3501 section 7.4.2, RFC 9051 section 7.5.2) as owned types.
//!
//! Header values in an envelope are kept as the bytes the server sent (RFC 2047 encoded words,
//! raw 8-bit text, folded lines): the FETCH parser copies them and nothing more. The
//! accessors decode on demand, each time they are called: [`Envelope::subject`] and
//! [`Address::name`] decode RFC 2047 encoded words, [`Envelope::date`] parses the date, and
//! the `*_raw` accessors give the bytes as sent.
//!
//! Text decoded for display (subjects, display names, [`Address::email`], file names and
//! other decoded parameters) is safe to print: header folds become one space, and control
//! characters (C0 but TAB, DEL, C1) and the bidirectional embeddings, overrides and isolates
//! (U+202A-U+202E, U+2066-U+2069) become U+FFFD, so a sender cannot retitle or clear a
//! terminal, or make a file name read backwards. The raw accessors keep them.
//!
//! The MIME type, subtype and disposition of a body part are tokens that compare without
//! regard to case (RFC 2045 section 5.1); they are stored lower-cased. Parameters, ids,
//! descriptions and locations are kept as the server sent them, as text: bytes that are not
//! UTF-8 become U+FFFD there, and `param_bytes` gives a parameter's value exactly as sent.
//! File names and [`param_decoded`](BodyStructure::param_decoded) decode RFC 2231 and
//! RFC 2047 from those exact bytes, again on demand.
//!
//! Values of these types are built by the FETCH parser (`wire::fetch`).

use std::borrow::Cow;
use std::fmt;

use super::date::DateTime;
use crate::mime;

/// The envelope of a message (`FETCH ENVELOPE`): its main header fields, as parsed by the server.
///
/// The fields are kept as the server sent them: header values that may use RFC 2047 encoded
/// words (`=?UTF-8?Q?...?=`) or 8-bit bytes. [`subject`](Envelope::subject),
/// [`date`](Envelope::date) and [`Address::name`] decode when called (nothing is decoded
/// while a FETCH response is parsed); [`subject_raw`](Envelope::subject_raw),
/// [`date_raw`](Envelope::date_raw) and [`Address::name_raw`] give the bytes. An address list
/// the server sent as `NIL` (the header is absent) or as an empty list is an empty slice.
///
/// ```
/// # fn show(env: &blocking_imap::Envelope) {
/// // Subject: =?ISO-8859-1?Q?Caf=E9?= and a From display name, decoded.
/// let subject = env.subject().unwrap_or_default();
/// let from = env.from().first().and_then(|a| a.name().or_else(|| a.email()));
/// let when = env.date().map(|d| d.to_rfc5322());
/// println!("{subject} from {from:?} at {when:?}");
/// # }
/// ```
///
/// Its `Debug` form shows the fields as sent, as escaped strings, leaving out the absent ones.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Envelope {
    /// Date, subject, In-Reply-To and Message-ID, in one allocation.
    pub(crate) text: Packed<4>,
    pub(crate) from: Vec<Address>,
    pub(crate) sender: Vec<Address>,
    pub(crate) reply_to: Vec<Address>,
    pub(crate) to: Vec<Address>,
    pub(crate) cc: Vec<Address>,
    pub(crate) bcc: Vec<Address>,
}

/// Up to `N` optional byte strings kept in one allocation: an envelope's text fields, an
/// address's four fields (a FETCH of envelopes allocates a few times per message rather
/// than once per field).
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct Packed<const N: usize> {
    buf: Vec<u8>,
    /// Where each string ends in `buf`; `None` for an absent one (`NIL`).
    ends: [Option<u32>; N],
}

impl<const N: usize> Default for Packed<N> {
    fn default() -> Self {
        Packed {
            buf: Vec::new(),
            ends: [None; N],
        }
    }
}

impl<const N: usize> Packed<N> {
    /// The strings, copied once. (Frames are at most a few GiB, so `u32` ends suffice; a
    /// longer string would be cut at the limit, never read out of bounds.)
    pub(crate) fn new(fields: [Option<&[u8]>; N]) -> Self {
        let len = fields.iter().flatten().map(|f| f.len()).sum();
        let mut buf = Vec::with_capacity(len);
        let mut ends = [None; N];
        for (end, field) in ends.iter_mut().zip(fields) {
            if let Some(f) = field {
                buf.extend_from_slice(f);
                *end = Some(u32::try_from(buf.len()).unwrap_or(u32::MAX));
            }
        }
        Packed { buf, ends }
    }

    /// String `i`, if present.
    pub(crate) fn get(&self, i: usize) -> Option<&[u8]> {
        let end = usize::try_from((*self.ends.get(i)?)?).ok()?;
        let start = self.ends[..i]
            .iter()
            .rev()
            .flatten()
            .next()
            .and_then(|&e| usize::try_from(e).ok())
            .unwrap_or(0);
        self.buf.get(start..end)
    }

    /// The bytes held.
    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }
}

/// The fields of [`Envelope::text`].
const DATE: usize = 0;
const SUBJECT: usize = 1;
const IN_REPLY_TO: usize = 2;
const MESSAGE_ID: usize = 3;
/// The fields of [`Address::fields`].
const NAME: usize = 0;
const ADL: usize = 1;
const MAILBOX: usize = 2;
const HOST: usize = 3;

impl Envelope {
    /// The `Date:` header, parsed best-effort by [`DateTime::parse_rfc5322`] (RFC 5322
    /// section 3.3 with its obsolete forms: two-digit years, zone names, missing seconds or
    /// zone, a trailing comment); `None` when the header is absent or no date can be read
    /// from it ([`date_raw`](Envelope::date_raw) still has it then). Parsed on each call.
    pub fn date(&self) -> Option<DateTime> {
        let raw = self.text.get(DATE)?;
        DateTime::parse_rfc5322(&String::from_utf8_lossy(raw)).ok()
    }

    /// The `Date:` header as the server sent it (`Thu, 03 Mar 2016 12:25:01 -0500`).
    pub fn date_raw(&self) -> Option<&[u8]> {
        self.text.get(DATE)
    }

    /// The `Subject:` header as text, decoded on each call: RFC 2047 encoded words
    /// (`=?UTF-8?B?...?=`, `=?ISO-8859-1?Q?...?=`) are decoded from their charset, the
    /// whitespace between two adjacent encoded words is dropped (RFC 2047 section 6.2), and
    /// each fold is one space (RFC 5322 unfolding).
    ///
    /// Never fails, and is visibly lossy where it cannot be exact: an encoded word in a
    /// charset that is unknown (or not compiled in: without the default `charsets` feature
    /// only UTF-8, US-ASCII and ISO-8859-1 are known) is read as UTF-8, and so are bytes
    /// outside encoded words (raw 8-bit headers); what is not UTF-8 becomes U+FFFD. A
    /// malformed encoded word stays as written.
    ///
    /// Safe to print: besides the folds (a CRLF or bare LF, then a space or tab) and TAB,
    /// control characters (C0, DEL, C1: ESC, BEL, NUL, a bare CR...) and the bidirectional
    /// embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) are U+FFFD, whether
    /// sent raw or inside an encoded word.
    /// [`subject_raw`](Envelope::subject_raw) has the exact bytes.
    pub fn subject(&self) -> Option<String> {
        self.text.get(SUBJECT).map(mime::decode_words)
    }

    /// The `Subject:` header as the server sent it: possibly RFC 2047 encoded, possibly
    /// 8-bit, possibly folded.
    pub fn subject_raw(&self) -> Option<&[u8]> {
        self.text.get(SUBJECT)
    }

    /// The `From:` addresses.
    pub fn from(&self) -> &[Address] {
        &self.from
    }

    /// The `Sender:` addresses; a server fills these in from `From:` when the header is absent.
    pub fn sender(&self) -> &[Address] {
        &self.sender
    }

    /// The `Reply-To:` addresses; a server fills these in from `From:` when the header is
    /// absent.
    pub fn reply_to(&self) -> &[Address] {
        &self.reply_to
    }

    /// The `To:` addresses.
    pub fn to(&self) -> &[Address] {
        &self.to
    }

    /// The `Cc:` addresses.
    pub fn cc(&self) -> &[Address] {
        &self.cc
    }

    /// The `Bcc:` addresses (usually empty: a received message has no `Bcc:` header).
    pub fn bcc(&self) -> &[Address] {
        &self.bcc
    }

    /// The `In-Reply-To:` header, raw (`<id@host>`, possibly several ids).
    pub fn in_reply_to(&self) -> Option<&[u8]> {
        self.text.get(IN_REPLY_TO)
    }

    /// The `Message-ID:` header, raw, angle brackets included (`<id@host>`).
    pub fn message_id(&self) -> Option<&[u8]> {
        self.text.get(MESSAGE_ID)
    }
}

/// One address of an [`Envelope`] address list, field by field as the server sent it.
///
/// RFC 3501 section 7.4.2 writes RFC 5322 group syntax (`Team: a@x, b@y;`) as extra
/// entries in the list: an entry whose host is `NIL` and whose mailbox is not `NIL` starts a
/// group, and its mailbox holds the group's name; an entry whose host and mailbox are both
/// `NIL` ends the group. The list keeps those markers in place; see
/// [`is_group_start`](Address::is_group_start) and [`is_group_end`](Address::is_group_end).
///
/// Its `Debug` form shows the fields as sent, as escaped strings, leaving out the absent ones.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Address {
    /// Name, adl, mailbox and host, in one allocation.
    pub(crate) fields: Packed<4>,
}

impl Address {
    /// The display name (`Jane Doe`) as text, decoded on each call: RFC 2047 encoded words
    /// (`=?UTF-8?Q?J=C3=B6rg?=`) are decoded as in [`Envelope::subject`], with the same
    /// visible loss (U+FFFD) for unknown charsets and for 8-bit bytes that are not UTF-8, and
    /// made safe to print as there (control and bidirectional-override characters are
    /// U+FFFD). [`name_raw`](Address::name_raw) has the exact bytes.
    pub fn name(&self) -> Option<String> {
        self.fields.get(NAME).map(mime::decode_words)
    }

    /// The display name as the server sent it: possibly RFC 2047 encoded or 8-bit.
    pub fn name_raw(&self) -> Option<&[u8]> {
        self.fields.get(NAME)
    }

    /// The obsolete source route (RFC 5322 `obs-route`, IMAP's "at-domain-list"); almost
    /// always absent.
    pub fn adl(&self) -> Option<&[u8]> {
        self.fields.get(ADL)
    }

    /// The local part (`jane` in `jane@example.com`), or a group's name for a group start.
    pub fn mailbox(&self) -> Option<&[u8]> {
        self.fields.get(MAILBOX)
    }

    /// The domain (`example.com` in `jane@example.com`); absent for group markers.
    pub fn host(&self) -> Option<&[u8]> {
        self.fields.get(HOST)
    }

    /// `mailbox@host` when both are present, converted lossily to UTF-8; `None` otherwise
    /// (group markers, and the unqualified addresses some servers send with a `NIL` host).
    /// Made safe to print as [`Envelope::subject`] is (a quoted local part may hold any
    /// character, ESC included): control and bidirectional-override characters are U+FFFD.
    /// [`mailbox`](Address::mailbox) and [`host`](Address::host) have the exact bytes.
    pub fn email(&self) -> Option<String> {
        match (self.mailbox(), self.host()) {
            (Some(mailbox), Some(host)) => Some(mime::display_text(&format!(
                "{}@{}",
                String::from_utf8_lossy(mailbox),
                String::from_utf8_lossy(host)
            ))),
            _ => None,
        }
    }

    /// Does this entry start a group? RFC 3501: host `NIL` and mailbox not `NIL`; the
    /// mailbox is then the group's name.
    ///
    /// Some servers also write an address without a domain (`From: nsb`) this way, so a group
    /// start with no later [group end](Address::is_group_end) is most likely such an address.
    pub fn is_group_start(&self) -> bool {
        self.host().is_none() && self.mailbox().is_some()
    }

    /// Does this entry end a group? RFC 3501: host and mailbox both `NIL`.
    pub fn is_group_end(&self) -> bool {
        self.host().is_none() && self.mailbox().is_none()
    }
}

/// The structure of a message's body (`FETCH BODYSTRUCTURE`): one MIME part, which is either
/// a single part (text, an image, an attached message, ...) or a multipart holding more parts.
///
/// Type, subtype, parameters, disposition, language and location apply to both kinds; id,
/// description, transfer encoding, size, MD5 and line count only to single parts, and
/// [`envelope`](BodyStructure::envelope) / [`message_body`](BodyStructure::message_body)
/// only to `message/rfc822` parts. The extension data (MD5, disposition, language,
/// location) is only present if the server sent it: `BODYSTRUCTURE` has it, plain `BODY`
/// does not.
///
/// [`walk`](BodyStructure::walk) lists every part with its IMAP part number, the number to
/// ask for in `BODY[1.2]`. As a mail client sees it: [`leaves`](BodyStructure::leaves),
/// [`attachments`](BodyStructure::attachments), [`text_body`](BodyStructure::text_body) and
/// [`html_body`](BodyStructure::html_body) hand out [`Part`](crate::Part)s.
///
/// Its `Debug` form shows the MIME type and what the part has, leaving out what it lacks,
/// with a multipart's parts nested.
#[derive(Clone, PartialEq, Eq)]
pub struct BodyStructure {
    /// Lower-cased.
    pub(crate) media_type: String,
    /// Lower-cased.
    pub(crate) subtype: String,
    pub(crate) params: Params,
    pub(crate) disposition: Option<ContentDisposition>,
    pub(crate) language: Vec<String>,
    pub(crate) location: Option<String>,
    pub(crate) kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    Single(Single),
    Multipart(Vec<BodyStructure>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Single {
    pub(crate) id: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) encoding: TransferEncoding,
    /// `None` when the server sent a size that is not a number of octets (`-1`).
    pub(crate) size: Option<u32>,
    pub(crate) md5: Option<String>,
    pub(crate) lines: Option<u32>,
    pub(crate) message: Option<Box<Encapsulated>>,
}

/// What a `message/rfc822` (or `message/global`) part holds besides its own fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Encapsulated {
    pub(crate) envelope: Envelope,
    pub(crate) body: BodyStructure,
}

/// Content-Type or Content-Disposition parameters: as text for the public accessors, plus
/// the exact bytes of any value that was not UTF-8 (so nothing the server sent is lost).
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct Params {
    list: Vec<(String, String)>,
    /// `(index into list, value as sent)` for the values that were not UTF-8.
    raw: Vec<(usize, Vec<u8>)>,
}

impl Params {
    /// Adds a parameter; a value that is not UTF-8 is kept as sent besides its lossy text.
    pub(crate) fn push(&mut self, name: Cow<'_, [u8]>, value: Cow<'_, [u8]>) {
        let name = String::from_utf8_lossy(&name).into_owned();
        let value = match String::from_utf8(value.into_owned()) {
            Ok(v) => v,
            Err(e) => {
                let raw = e.into_bytes();
                let lossy = String::from_utf8_lossy(&raw).into_owned();
                self.raw.push((self.list.len(), raw));
                lossy
            }
        };
        self.list.push((name, value));
    }

    fn find(&self, name: &str) -> Option<(usize, &str)> {
        self.list
            .iter()
            .enumerate()
            .find(|(_, (k, _))| k.eq_ignore_ascii_case(name))
            .map(|(i, (_, v))| (i, v.as_str()))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.find(name).map(|(_, v)| v)
    }

    fn get_bytes(&self, name: &str) -> Option<&[u8]> {
        let (i, text) = self.find(name)?;
        match self.raw.iter().find(|(j, _)| *j == i) {
            Some((_, raw)) => Some(raw),
            None => Some(text.as_bytes()),
        }
    }

    /// The value of `name` decoded by RFC 2231 (`name*`, `name*0*`...) and RFC 2047, from
    /// the bytes as sent; an empty (or all-blank) value counts as none.
    fn decoded(&self, name: &str) -> Option<String> {
        let pairs = SentPairs {
            params: self,
            next: 0,
            next_raw: 0,
        };
        mime::param_value(pairs, name).filter(|v| !v.trim().is_empty())
    }
}

/// `(name, value as sent)` for each parameter in order: the kept bytes for the values that
/// were not UTF-8, the text for the others. One pass over both lists (`raw` is in index
/// order), so a lookup is linear in the number of parameters.
#[derive(Clone)]
struct SentPairs<'a> {
    params: &'a Params,
    next: usize,
    next_raw: usize,
}

impl<'a> Iterator for SentPairs<'a> {
    type Item = (&'a str, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let params: &'a Params = self.params;
        let (name, text) = params.list.get(self.next)?;
        let value = match params.raw.get(self.next_raw) {
            Some((i, raw)) if *i == self.next => {
                self.next_raw += 1;
                raw.as_slice()
            }
            _ => text.as_bytes(),
        };
        self.next += 1;
        Some((name.as_str(), value))
    }
}

impl BodyStructure {
    /// The media type, lower-cased: `text`, `image`, `multipart`, ...
    pub fn media_type(&self) -> &str {
        &self.media_type
    }

    /// The media subtype, lower-cased: `plain`, `png`, `mixed`, ...
    pub fn media_subtype(&self) -> &str {
        &self.subtype
    }

    /// The MIME type, lower-cased: `text/plain`, `multipart/alternative`, ...
    pub fn mime_type(&self) -> String {
        format!("{}/{}", self.media_type, self.subtype)
    }

    /// Is this part of the MIME type `mime_type`, compared without regard to case?
    /// `text/*` (or just `text`) matches any subtype.
    pub fn is_mime_type(&self, mime_type: &str) -> bool {
        match mime_type.split_once('/') {
            Some((ty, "*")) => self.media_type.eq_ignore_ascii_case(ty),
            Some((ty, sub)) => {
                self.media_type.eq_ignore_ascii_case(ty) && self.subtype.eq_ignore_ascii_case(sub)
            }
            None => self.media_type.eq_ignore_ascii_case(mime_type),
        }
    }

    /// Is this a `multipart/*` part?
    pub fn is_multipart(&self) -> bool {
        matches!(self.kind, Kind::Multipart(_))
    }

    /// The parts of a multipart, in order (part `1` first); empty for a single part.
    pub fn parts(&self) -> &[BodyStructure] {
        match &self.kind {
            Kind::Multipart(parts) => parts,
            Kind::Single(_) => &[],
        }
    }

    /// The Content-Type parameters (`charset`, `name`, `boundary`, ...), in the server's
    /// order and spelling. Values are not decoded (RFC 2231 / RFC 2047: see
    /// [`param_decoded`](BodyStructure::param_decoded)); 8-bit bytes that are not UTF-8 show
    /// as U+FFFD here, and [`param_bytes`](BodyStructure::param_bytes) gives them as sent.
    pub fn params(&self) -> &[(String, String)] {
        &self.params.list
    }

    /// The value of the Content-Type parameter `name`, looked up without regard to case.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name)
    }

    /// The value of the Content-Type parameter `name` exactly as the server sent it (8-bit
    /// bytes included), looked up without regard to case.
    pub fn param_bytes(&self, name: &str) -> Option<&[u8]> {
        self.params.get_bytes(name)
    }

    /// The value of the Content-Type parameter `name`, decoded, looked up without regard to
    /// case. RFC 2231 first: `name*=charset'language'%XX...`, or the value split over
    /// `name*0`, `name*1*`, ... (joined in index order, the run from 0 without gaps), decoded
    /// from its charset; these win over a plain `name`. A plain value holding RFC 2047
    /// encoded words (which RFC 2047 section 5 forbids there, and many mailers send) is
    /// decoded too. The bytes decoded are the ones the server sent, 8-bit included.
    ///
    /// Never fails: an unknown charset (or one not compiled in, without the default
    /// `charsets` feature) is read as UTF-8, with U+FFFD for what is not UTF-8. An empty value
    /// counts as none. Made safe to print as [`Envelope::subject`] is (control and
    /// bidirectional-override characters are U+FFFD); [`param_bytes`](BodyStructure::param_bytes)
    /// and [`params`](BodyStructure::params) have the values as sent.
    pub fn param_decoded(&self, name: &str) -> Option<String> {
        self.params.decoded(name)
    }

    /// The `charset` parameter, if there is one.
    pub fn charset(&self) -> Option<&str> {
        self.param("charset")
    }

    /// The `Content-ID:` of a single part.
    pub fn id(&self) -> Option<&str> {
        self.single().and_then(|s| s.id.as_deref())
    }

    /// The `Content-Description:` of a single part.
    pub fn description(&self) -> Option<&str> {
        self.single().and_then(|s| s.description.as_deref())
    }

    /// The `Content-Transfer-Encoding:` of a single part (`7bit` when the header is absent).
    pub fn encoding(&self) -> Option<&TransferEncoding> {
        self.single().map(|s| &s.encoding)
    }

    /// The size of a single part's content in octets, still transfer-encoded; `None` for a
    /// multipart, or when the server sent no usable size (`-1`). A size above `u32::MAX` is
    /// reported as `u32::MAX`.
    pub fn size(&self) -> Option<u32> {
        self.single().and_then(|s| s.size)
    }

    /// The size of a `text/*` or `message/rfc822` part in lines, still transfer-encoded
    /// (also given if the server sent one for another type; `None` if it sent `-1`).
    pub fn lines(&self) -> Option<u32> {
        self.single().and_then(|s| s.lines)
    }

    /// The `Content-MD5:` of a single part (extension data).
    pub fn md5(&self) -> Option<&str> {
        self.single().and_then(|s| s.md5.as_deref())
    }

    /// For a `message/rfc822` part: the envelope of the attached message.
    pub fn envelope(&self) -> Option<&Envelope> {
        self.encapsulated().map(|m| &m.envelope)
    }

    /// For a `message/rfc822` part: the structure of the attached message's body.
    pub fn message_body(&self) -> Option<&BodyStructure> {
        self.encapsulated().map(|m| &m.body)
    }

    /// The `Content-Disposition:` (extension data).
    pub fn disposition(&self) -> Option<&ContentDisposition> {
        self.disposition.as_ref()
    }

    /// The `Content-Language:` tags (extension data); empty when absent.
    pub fn language(&self) -> &[String] {
        &self.language
    }

    /// The `Content-Location:` URI (extension data).
    pub fn location(&self) -> Option<&str> {
        self.location.as_deref()
    }

    /// The part's file name, decoded, as mail clients find it: the Content-Disposition's
    /// `filename` parameter (RFC 2183), or else the Content-Type's `name` parameter (older
    /// mailers send only that). Each is decoded as in
    /// [`param_decoded`](BodyStructure::param_decoded): RFC 2231 `filename*` and
    /// continuations (`filename*0*`, `filename*1*`, ...) with their charset, and RFC 2047
    /// encoded words in a plain value. An empty name counts as none. Decoded on each call.
    ///
    /// Never holds control characters (C0 but TAB, DEL, C1: CR, LF, ESC, NUL...) or
    /// bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): they
    /// are U+FFFD, as in [`Envelope::subject`]. Otherwise the name is what the sender wrote:
    /// it may hold `/`, `\` or `..`; make it safe before using it as a path. The raw values
    /// stay in [`params`](BodyStructure::params), [`param_bytes`](BodyStructure::param_bytes)
    /// and their [`ContentDisposition`] counterparts.
    pub fn filename(&self) -> Option<String> {
        self.disposition
            .as_ref()
            .and_then(ContentDisposition::filename)
            .or_else(|| self.param_decoded("name"))
    }

    /// Would a mail client list this part as an attachment? Judged from the part alone, by
    /// this rule (RFC 2183 for the dispositions):
    ///
    /// 1. A multipart is never an attachment (its parts may be).
    /// 2. An attached message (`message/rfc822`, `message/global`) always is, whatever its
    ///    disposition: mail clients list a forwarded message, and
    ///    [`text_body`](BodyStructure::text_body) does not look inside it.
    /// 3. A disposition of `attachment`, or of a type this crate does not know (RFC 2183
    ///    section 2.8: treat it as `attachment`), is one.
    /// 4. A part with a [file name](BodyStructure::filename) is one, `inline` or not: an
    ///    image sent inline with a name (`photo.jpg`) is listed, as Thunderbird and Apple
    ///    Mail list it.
    /// 5. Otherwise (no file name, `inline` or no disposition) it is the message's own
    ///    content, not an attachment, when it is text (`text/*`: the body, or one of its
    ///    alternatives), or when it has a `Content-ID` or `Content-Location` (a resource the
    ///    HTML refers to, such as an inline image in `multipart/related` shown through
    ///    `cid:`, RFC 2392 / RFC 2557).
    /// 6. Any other part (non-text, no name, nothing refers to it: an unnamed `image/gif` or
    ///    `application/octet-stream`) is one: no body part shows it, so a reader who only
    ///    looked at the body and the attachments would lose it otherwise.
    ///
    /// The parts [`leaves`](BodyStructure::leaves) lists, with this test applied, are
    /// [`attachments`](BodyStructure::attachments); a caller with another rule can apply it
    /// to the leaves itself.
    pub fn is_attachment(&self) -> bool {
        if self.is_multipart() {
            return false;
        }
        if self.is_attached_message() {
            return true;
        }
        match self.disposition.as_ref().map(ContentDisposition::kind) {
            Some("inline" | "") | None => {}
            Some(_) => return true,
        }
        if self.filename().is_some() {
            return true;
        }
        let referenced = self.id().is_some_and(|id| !id.trim().is_empty())
            || self
                .location
                .as_deref()
                .is_some_and(|l| !l.trim().is_empty());
        !(self.media_type == "text" || referenced)
    }

    /// Is this an attached message: `message/rfc822`, `message/global` (RFC 6532), or any
    /// part the server sent an envelope and body for?
    pub(crate) fn is_attached_message(&self) -> bool {
        self.is_mime_type("message/rfc822")
            || self.is_mime_type("message/global")
            || self.encapsulated().is_some()
    }

    /// Every part of this structure, this one included, with its IMAP part number, in
    /// part-number order (depth first). The nested body of a `message/rfc822` part is
    /// included.
    ///
    /// Numbers follow RFC 3501 section 6.4.5: the parts of a multipart are numbered 1, 2, ...
    /// under the multipart's number (`2.1` is the first part of part 2). A body that is a
    /// whole message's body (the top level, or what a `message/rfc822` part holds) takes its
    /// number from that message: if it is a multipart, it has the message's number itself
    /// (empty at the top level, where the multipart is `BODY[TEXT]`), so a `message/rfc822`
    /// part and the multipart inside it share a number; otherwise it is part `1` under the
    /// message (`1` at the top level, `3.1` inside a message that is part 3).
    pub fn walk(&self) -> impl Iterator<Item = (Vec<u32>, &BodyStructure)> + '_ {
        self.walk_from(body_number(Vec::new(), self), true)
    }

    /// The part with this number (see [`walk`](BodyStructure::walk)); where a
    /// `message/rfc822` part and its multipart body share a number, the `message/rfc822` part.
    pub fn part(&self, number: &[u32]) -> Option<&BodyStructure> {
        self.walk()
            .find(|(n, _)| n.as_slice() == number)
            .map(|(_, part)| part)
    }

    /// The first part, in part-number order, of the MIME type `mime_type` (as in
    /// [`is_mime_type`](BodyStructure::is_mime_type)), with its part number. Does not look
    /// inside attached messages: use [`walk`](BodyStructure::walk) for that.
    pub fn find(&self, mime_type: &str) -> Option<(Vec<u32>, &BodyStructure)> {
        self.walk_from(body_number(Vec::new(), self), false)
            .find(|(_, part)| part.is_mime_type(mime_type))
    }

    fn single(&self) -> Option<&Single> {
        match &self.kind {
            Kind::Single(s) => Some(s),
            Kind::Multipart(_) => None,
        }
    }

    fn encapsulated(&self) -> Option<&Encapsulated> {
        self.single().and_then(|s| s.message.as_deref())
    }

    /// Depth-first over an explicit stack, this part numbered `start`; `messages`: also go
    /// into attached messages. Each part is pushed and popped once, with a copy of its
    /// number, which has one element per level of nesting (the parser allows
    /// `MAX_BODY_DEPTH`): O(parts × depth) for a walk.
    pub(super) fn walk_from(
        &self,
        start: Vec<u32>,
        messages: bool,
    ) -> impl Iterator<Item = (Vec<u32>, &BodyStructure)> + '_ {
        let mut stack = vec![(start, self)];
        std::iter::from_fn(move || {
            let (number, node) = stack.pop()?;
            match &node.kind {
                Kind::Multipart(parts) => {
                    for (i, part) in parts.iter().enumerate().rev() {
                        let mut n = number.clone();
                        n.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
                        stack.push((n, part));
                    }
                }
                Kind::Single(single) => {
                    if let Some(m) = single.message.as_deref().filter(|_| messages) {
                        stack.push((body_number(number.clone(), &m.body), &m.body));
                    }
                }
            }
            Some((number, node))
        })
    }
}

/// The number of a message's body, given the message's number (empty for the top level).
pub(super) fn body_number(mut message: Vec<u32>, body: &BodyStructure) -> Vec<u32> {
    if !body.is_multipart() {
        message.push(1);
    }
    message
}

/// A body part's `Content-Disposition:` (RFC 2183), as in BODYSTRUCTURE's extension data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentDisposition {
    /// Lower-cased.
    pub(crate) kind: String,
    pub(crate) params: Params,
}

impl ContentDisposition {
    /// The disposition type, lower-cased: `inline`, `attachment`, or another token.
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The parameters (`filename`, `size`, ...), in the server's order and spelling; 8-bit
    /// bytes that are not UTF-8 show as U+FFFD here (see
    /// [`param_bytes`](ContentDisposition::param_bytes)).
    pub fn params(&self) -> &[(String, String)] {
        &self.params.list
    }

    /// The value of the parameter `name`, looked up without regard to case.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name)
    }

    /// The value of the parameter `name` exactly as the server sent it (8-bit bytes
    /// included), looked up without regard to case.
    pub fn param_bytes(&self, name: &str) -> Option<&[u8]> {
        self.params.get_bytes(name)
    }

    /// The `filename` parameter, decoded: RFC 2231 `filename*` and continuations
    /// (`filename*0*`, `filename*1*`, ...) with their charset and language, which win over a
    /// plain `filename`; RFC 2047 encoded words in a plain value are decoded too, as mail
    /// clients do. Decoded on each call from the bytes the server sent; never fails (an
    /// unknown charset is read as UTF-8, with U+FFFD for what is not UTF-8). An empty name
    /// counts as none. Control and bidirectional-override characters are U+FFFD, as in
    /// [`BodyStructure::filename`], which falls back to the Content-Type's `name`; see its
    /// caution about paths. [`param_bytes`](ContentDisposition::param_bytes) has the value
    /// as sent.
    pub fn filename(&self) -> Option<String> {
        self.params.decoded("filename")
    }

    /// The value of the parameter `name`, decoded by RFC 2231 and RFC 2047 and made safe to
    /// print as in [`filename`](ContentDisposition::filename); looked up without regard to
    /// case.
    pub fn param_decoded(&self, name: &str) -> Option<String> {
        self.params.decoded(name)
    }
}

/// A body part's `Content-Transfer-Encoding:` (RFC 2045 section 6).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransferEncoding {
    /// `7bit`: short lines of US-ASCII; also what an absent header means.
    SevenBit,
    /// `8bit`: short lines, 8-bit bytes allowed.
    EightBit,
    /// `binary`: anything.
    Binary,
    /// `base64`.
    Base64,
    /// `quoted-printable`.
    QuotedPrintable,
    /// Any other encoding, as the server wrote it.
    Other(String),
}

impl TransferEncoding {
    /// The encoding a server named in a body structure (any case); `NIL` (`None`) is `7bit`,
    /// the default when the header is absent.
    pub(crate) fn from_wire(name: Option<&[u8]>) -> Self {
        let Some(name) = name else {
            return TransferEncoding::SevenBit;
        };
        const KNOWN: [(&[u8], TransferEncoding); 5] = [
            (b"7bit", TransferEncoding::SevenBit),
            (b"8bit", TransferEncoding::EightBit),
            (b"binary", TransferEncoding::Binary),
            (b"base64", TransferEncoding::Base64),
            (b"quoted-printable", TransferEncoding::QuotedPrintable),
        ];
        for (known, enc) in KNOWN {
            if name.eq_ignore_ascii_case(known) {
                return enc;
            }
        }
        TransferEncoding::Other(String::from_utf8_lossy(name).into_owned())
    }

    /// The encoding's name as MIME writes it (`base64`, ...).
    pub fn as_str(&self) -> &str {
        match self {
            TransferEncoding::SevenBit => "7bit",
            TransferEncoding::EightBit => "8bit",
            TransferEncoding::Binary => "binary",
            TransferEncoding::Base64 => "base64",
            TransferEncoding::QuotedPrintable => "quoted-printable",
            TransferEncoding::Other(s) => s,
        }
    }
}

impl fmt::Display for TransferEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An optional byte field in a `Debug` form: an escaped string when present.
fn show_opt(d: &mut fmt::DebugStruct<'_, '_>, name: &str, value: Option<&[u8]>) {
    if let Some(v) = value {
        d.field(name, &super::ShowBytes(v));
    }
}

impl fmt::Debug for Envelope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Envelope");
        show_opt(&mut d, "date", self.text.get(DATE));
        show_opt(&mut d, "subject", self.text.get(SUBJECT));
        let lists = [
            ("from", &self.from),
            ("sender", &self.sender),
            ("reply_to", &self.reply_to),
            ("to", &self.to),
            ("cc", &self.cc),
            ("bcc", &self.bcc),
        ];
        for (name, list) in lists {
            if !list.is_empty() {
                d.field(name, list);
            }
        }
        show_opt(&mut d, "in_reply_to", self.text.get(IN_REPLY_TO));
        show_opt(&mut d, "message_id", self.text.get(MESSAGE_ID));
        d.finish()
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Address");
        show_opt(&mut d, "name", self.fields.get(NAME));
        show_opt(&mut d, "adl", self.fields.get(ADL));
        show_opt(&mut d, "mailbox", self.fields.get(MAILBOX));
        show_opt(&mut d, "host", self.fields.get(HOST));
        d.finish()
    }
}

/// The parameters as a map of name to value; a value that was not UTF-8 is shown as sent,
/// escaped.
impl fmt::Debug for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pairs = SentPairs {
            params: self,
            next: 0,
            next_raw: 0,
        };
        f.debug_map()
            .entries(pairs.map(|(k, v)| (k, super::ShowBytes(v))))
            .finish()
    }
}

impl fmt::Debug for BodyStructure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("BodyStructure");
        d.field(
            "mime_type",
            &format_args!("{}/{}", self.media_type, self.subtype),
        );
        if !self.params.list.is_empty() {
            d.field("params", &self.params);
        }
        if let Kind::Single(s) = &self.kind {
            if let Some(id) = &s.id {
                d.field("id", id);
            }
            if let Some(desc) = &s.description {
                d.field("description", desc);
            }
            d.field("encoding", &format_args!("{}", s.encoding));
            if let Some(n) = &s.size {
                d.field("size", n);
            }
            if let Some(n) = &s.lines {
                d.field("lines", n);
            }
            if let Some(md5) = &s.md5 {
                d.field("md5", md5);
            }
        }
        if let Some(disp) = &self.disposition {
            d.field("disposition", disp);
        }
        if !self.language.is_empty() {
            d.field("language", &self.language);
        }
        if let Some(loc) = &self.location {
            d.field("location", loc);
        }
        match &self.kind {
            Kind::Multipart(parts) => {
                d.field("parts", parts);
            }
            Kind::Single(Single {
                message: Some(m), ..
            }) => {
                d.field("envelope", &m.envelope);
                d.field("body", &m.body);
            }
            Kind::Single(_) => {}
        }
        d.finish()
    }
}

/// Rough memory sizes, for the limits on what a session holds (linear in the value's size;
/// body structures recurse at most as deep as the parser allows).
const ITEM: usize = 32;

fn opt_str(v: Option<&String>) -> usize {
    v.map_or(0, String::len)
}

impl Envelope {
    pub(crate) fn approx_size(&self) -> usize {
        let addresses = [
            &self.from,
            &self.sender,
            &self.reply_to,
            &self.to,
            &self.cc,
            &self.bcc,
        ]
        .into_iter()
        .flatten()
        .map(|a| ITEM + a.fields.len())
        .sum::<usize>();
        std::mem::size_of::<Envelope>() + addresses + self.text.len()
    }
}

impl Params {
    fn approx_size(&self) -> usize {
        self.list
            .iter()
            .map(|(n, v)| ITEM + n.len() + v.len())
            .sum::<usize>()
            + self.raw.iter().map(|(_, v)| ITEM + v.len()).sum::<usize>()
    }
}

impl BodyStructure {
    pub(crate) fn approx_size(&self) -> usize {
        let own = std::mem::size_of::<BodyStructure>()
            + self.media_type.len()
            + self.subtype.len()
            + self.params.approx_size()
            + self
                .disposition
                .as_ref()
                .map_or(0, |d| d.kind.len() + d.params.approx_size())
            + self.language.iter().map(|l| ITEM + l.len()).sum::<usize>()
            + opt_str(self.location.as_ref());
        own + match &self.kind {
            Kind::Multipart(parts) => parts.iter().map(BodyStructure::approx_size).sum(),
            Kind::Single(s) => {
                opt_str(s.id.as_ref())
                    + opt_str(s.description.as_ref())
                    + opt_str(s.md5.as_ref())
                    + s.message
                        .as_ref()
                        .map_or(0, |m| m.envelope.approx_size() + m.body.approx_size())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses one FETCH response with the crate's FETCH parser (LF line ends are made CRLF,
    /// as on the wire) and returns its ENVELOPE and BODYSTRUCTURE.
    fn fetch(resp: &[u8]) -> (Option<Envelope>, Option<BodyStructure>) {
        let mut wire = Vec::new();
        for &b in resp {
            if b == b'\n' && wire.last() != Some(&b'\r') {
                wire.push(b'\r');
            }
            wire.push(b);
        }
        let f = crate::wire::fetch::parse(&wire)
            .unwrap_or_else(|e| panic!("{e} on {}", String::from_utf8_lossy(&wire)));
        (f.envelope().cloned(), f.body_structure().cloned())
    }

    fn body(resp: &str) -> BodyStructure {
        fetch(resp.as_bytes()).1.expect("no BODYSTRUCTURE")
    }

    fn envelope(resp: &[u8]) -> Envelope {
        fetch(resp).0.expect("no ENVELOPE")
    }

    /// The walk as `("1.2", "text/plain")` pairs.
    fn numbers(b: &BodyStructure) -> Vec<(String, String)> {
        b.walk()
            .map(|(n, p)| {
                let n: Vec<String> = n.iter().map(u32::to_string).collect();
                (n.join("."), p.mime_type())
            })
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    // gmail/fetch-previewtext-bodystructure.txt, message 3.
    const GMAIL_ALTERNATIVE: &str = r#"* 3 FETCH (UID 3 RFC822.SIZE 507 MODSEQ (41847) INTERNALDATE "03-Mar-2016 17:49:29 +0000" FLAGS (\Seen) ENVELOPE ("Thu, 03 Mar 2016 12:47:29 -0500" "multipart/alternative message" (("Example From" NIL "from" "example.com")) (("Example From" NIL "from" "example.com")) (("Example Reply-To" NIL "reply-to" "example.com")) (("Example To" NIL "to" "example.com")) (("Example Recipient #1" NIL "recipient1" "example.com")("Example Recipient #2" NIL "recipient2" "example.com")("Example Recipient #3" NIL "recipient3" "example.com")) NIL NIL "<014Y2P3ZKXT4.TMD6XILA8I5N2@Jeffrey-Stedfasts-2013-iMac.local>") BODYSTRUCTURE (("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 5235 112 NIL NIL NIL)("TEXT" "HTML" ("CHARSET" "utf-8") NIL NIL "7BIT" 60479 873 NIL NIL NIL) "ALTERNATIVE"))
"#;

    // gmail/fetch-previewtext-bodystructure.txt, message 7.
    const GMAIL_AUDIO: &str = r#"* 7 FETCH (UID 7 BODYSTRUCTURE ("AUDIO" "WAV" NIL NIL NIL "BASE64" 5235 NIL NIL NIL))
"#;

    // dovecot/fetch3.txt, message 1 (lower-case tokens, a literal after the structure).
    const DOVECOT_PLAIN: &str = "* 1 FETCH (UID 1 FLAGS (\\Answered \\Seen \\Draft \\Recent) INTERNALDATE \"02-Oct-2016 17:28:25 -0400\" RFC822.SIZE 253 MODSEQ (2) ENVELOPE (\"Sun, 02 Oct 2016 17:28:25 -0400\" \"A\" ((\"Unit Tests\" NIL \"unit-tests\" \"mimekit.net\")) ((\"Unit Tests\" NIL \"unit-tests\" \"mimekit.net\")) ((\"Unit Tests\" NIL \"unit-tests\" \"mimekit.net\")) ((\"Unit Tests\" NIL \"unit-tests\" \"mimekit.net\")) NIL NIL NIL \"<a@mimekit.net>\") BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 27 1 NIL NIL NIL NIL) BODY[HEADER.FIELDS (REFERENCES X-MAILER)] {2}\n\n)\n";

    // gmail/search-summary.txt, message 5, shortened; Gmail sent the non-extensible `BODY`.
    const GMAIL_NESTED_MESSAGE: &str = r#"* 5 FETCH (UID 5 ENVELOPE ("Fri, 28 Aug 92 15:12:35 EDT" "mew-law encoding?" ((NIL NIL "beatty" "cosmos.vlsi.cs.cmu.edu")) ((NIL NIL "beatty" "cosmos.vlsi.cs.cmu.edu")) ((NIL NIL "beatty" "cosmos.vlsi.cs.cmu.edu")) ((NIL NIL "nsb" "flash.bellcore.com")) NIL NIL NIL "<9208281913.AA24840@flash.bellcore.com>") BODY (("TEXT" "RICHTEXT" NIL NIL NIL "QUOTED-PRINTABLE" 436 12)("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 22436 ("Wed, 26 Aug 92 22:13:24 EDT" "mail from Wacky" (("Derek Beatty" NIL "beatty" "sqhilton.pc.cs.cmu.edu")) (("Derek Beatty" NIL "beatty" "sqhilton.pc.cs.cmu.edu")) (("Derek Beatty" NIL "beatty" "sqhilton.pc.cs.cmu.edu")) ((NIL NIL "dragel" "sqhilton.pc.cs.cmu.edu") (NIL NIL "beatty" "sqhilton.pc.cs.cmu.edu")) NIL NIL "NIL" "<9208270213.AA21178@sqhilton.pc.cs.cmu.edu>") (("TEXT" "PLAIN" ("NAME" "index.rtf" "TYPE" "microsoft-rtf") NIL NIL "7BIT" 110 6)("AUDIO" "BASIC" ("NAME" "VoiceMail_beatty0.vox") NIL NIL "BASE64" 20910)("TEXT" "PLAIN" NIL NIL NIL "7BIT" 0 0) "MIXED") 326)("TEXT" "RICHTEXT" NIL NIL NIL "QUOTED-PRINTABLE" 111 4) "MIXED"))
"#;

    // gmail/search-summary.txt, message 1, shortened, with `BODY` likewise; its From is
    // `(NIL NIL NIL NIL)` and several addresses have no host.
    const GMAIL_PARALLEL: &str = r#"* 1 FETCH (UID 1 ENVELOPE ("Thu, 19 Sep 91 12:41:43 EDT" "Star Trek Party!" ((NIL NIL NIL NIL)) ((NIL NIL NIL NIL)) ((NIL NIL NIL NIL)) ((NIL NIL "abel" NIL) (NIL NIL "bianchi" NIL) (NIL NIL "stornett" "flash")) ((NIL NIL "nsb" NIL) (NIL NIL "trina" "flash")) NIL NIL "<9109191641.AA12840@greenbush.bellcore.com>") BODY ((("TEXT" "PLAIN" NIL NIL NIL "7BIT" 731 16)("AUDIO" "BASIC" NIL NIL NIL "BASE64" 31472) "PARALLEL")(("IMAGE" "GIF" NIL NIL NIL "BASE64" 26000)("IMAGE" "GIF" NIL NIL NIL "BASE64" 18666)("TEXT" "PLAIN" NIL NIL NIL "7BIT" 46125 2436)("APPLICATION" "ATOMICMAIL" NIL NIL NIL "7BIT" 9203) "MIXED")("AUDIO" "BASIC" NIL NIL NIL "BASE64" 47822) "MIXED"))
"#;

    // dovecot/notify-idle.txt: the RFC 3501 example envelope.
    const RFC3501_ENVELOPE: &str = r#"* 1 FETCH (UID 1 FLAGS (\Recent) ENVELOPE ("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL "imap" "cac.washington.edu")) ((NIL NIL "minutes" "CNRI.Reston.VA.US") ("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL "<B27397-0100000@cac.washington.edu>") BODYSTRUCTURE ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3028 92) MODSEQ (1))
"#;

    #[test]
    fn gmail_envelope_and_alternative() {
        let (env, b) = fetch(GMAIL_ALTERNATIVE.as_bytes());
        let (env, b) = (env.unwrap(), b.unwrap());
        assert_eq!(
            env.date_raw(),
            Some(&b"Thu, 03 Mar 2016 12:47:29 -0500"[..])
        );
        let date = env.date().unwrap();
        assert_eq!(date.unix_timestamp(), 1_457_027_249);
        assert_eq!(date.offset_minutes(), -300);
        assert_eq!(
            env.subject().as_deref(),
            Some("multipart/alternative message")
        );
        assert_eq!(env.from().len(), 1);
        assert_eq!(env.from()[0].name().as_deref(), Some("Example From"));
        assert_eq!(env.from()[0].name_raw(), Some(&b"Example From"[..]));
        assert_eq!(env.from()[0].email().as_deref(), Some("from@example.com"));
        assert_eq!(
            env.reply_to()[0].email().as_deref(),
            Some("reply-to@example.com")
        );
        assert_eq!(env.to()[0].email().as_deref(), Some("to@example.com"));
        let cc: Vec<_> = env.cc().iter().filter_map(Address::email).collect();
        assert_eq!(
            cc,
            [
                "recipient1@example.com",
                "recipient2@example.com",
                "recipient3@example.com"
            ]
        );
        assert!(env.bcc().is_empty());
        assert_eq!(env.in_reply_to(), None);
        assert_eq!(
            env.message_id(),
            Some(&b"<014Y2P3ZKXT4.TMD6XILA8I5N2@Jeffrey-Stedfasts-2013-iMac.local>"[..])
        );

        assert!(b.is_multipart());
        assert_eq!(b.mime_type(), "multipart/alternative");
        assert_eq!(b.size(), None);
        assert_eq!(b.encoding(), None);
        assert_eq!(
            numbers(&b),
            pairs(&[
                ("", "multipart/alternative"),
                ("1", "text/plain"),
                ("2", "text/html")
            ])
        );
        let html = &b.parts()[1];
        assert_eq!(html.charset(), Some("utf-8"));
        assert_eq!(html.param("CHARSET"), Some("utf-8"));
        assert_eq!(html.size(), Some(60479));
        assert_eq!(html.lines(), Some(873));
        assert_eq!(html.encoding(), Some(&TransferEncoding::SevenBit));
        assert_eq!(html.md5(), None);
        assert_eq!(html.disposition(), None);
        assert!(html.language().is_empty());
        assert_eq!(b.find("TEXT/HTML").map(|(n, _)| n), Some(vec![2]));
        assert_eq!(b.find("text/*").map(|(n, _)| n), Some(vec![1]));
        assert_eq!(b.find("image/png"), None);
        assert_eq!(b.attachments().count(), 0);
    }

    #[test]
    fn single_parts_are_part_one() {
        let b = body(GMAIL_AUDIO);
        assert_eq!(numbers(&b), pairs(&[("1", "audio/wav")]));
        assert_eq!(b.lines(), None);
        assert_eq!(
            b.encoding().map(ToString::to_string).as_deref(),
            Some("base64")
        );
        assert!(b.parts().is_empty());
        assert_eq!(b.part(&[1]), Some(&b));
        assert_eq!(b.part(&[]), None);

        let (env, b) = fetch(DOVECOT_PLAIN.as_bytes());
        let b = b.unwrap();
        assert_eq!(b.media_type(), "text");
        assert_eq!(b.media_subtype(), "plain");
        assert_eq!(b.charset(), Some("utf-8"));
        assert_eq!((b.size(), b.lines()), (Some(27), Some(1)));
        assert_eq!(b.find("text/plain").map(|(n, _)| n), Some(vec![1]));
        let env = env.unwrap();
        assert_eq!(env.subject().as_deref(), Some("A"));
        assert_eq!(env.message_id(), Some(&b"<a@mimekit.net>"[..]));
        assert!(env.cc().is_empty() && env.bcc().is_empty());

        let (env, b) = fetch(RFC3501_ENVELOPE.as_bytes());
        let (env, b) = (env.unwrap(), b.unwrap());
        assert_eq!(
            env.date_raw(),
            Some(&b"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)"[..])
        );
        // The trailing comment is skipped.
        assert_eq!(
            env.date().map(|d| d.to_rfc5322()).as_deref(),
            Some("Wed, 17 Jul 1996 02:23:25 -0700")
        );
        assert_eq!(env.to()[0].name(), None);
        assert_eq!(
            env.to()[0].email().as_deref(),
            Some("imap@cac.washington.edu")
        );
        let cc: Vec<_> = env.cc().iter().filter_map(Address::email).collect();
        assert_eq!(cc, ["minutes@CNRI.Reston.VA.US", "KLENSIN@MIT.EDU"]);
        assert_eq!(env.cc()[1].name().as_deref(), Some("John Klensin"));
        assert_eq!(env.cc()[1].host(), Some(&b"MIT.EDU"[..]));
        assert_eq!(env.cc()[1].adl(), None);
        // No extension data: the line count is still there.
        assert_eq!((b.size(), b.lines(), b.md5()), (Some(3028), Some(92), None));
        assert_eq!(b.charset(), Some("US-ASCII"));
    }

    #[test]
    fn message_rfc822_from_gmail() {
        let (env, b) = fetch(GMAIL_NESTED_MESSAGE.as_bytes());
        assert_eq!(env.unwrap().from()[0].name(), None);
        let b = b.unwrap();
        assert_eq!(
            numbers(&b),
            pairs(&[
                ("", "multipart/mixed"),
                ("1", "text/richtext"),
                ("2", "message/rfc822"),
                ("2", "multipart/mixed"),
                ("2.1", "text/plain"),
                ("2.2", "audio/basic"),
                ("2.3", "text/plain"),
                ("3", "text/richtext"),
            ])
        );
        let msg = b.part(&[2]).unwrap();
        assert_eq!(msg.mime_type(), "message/rfc822");
        assert_eq!((msg.size(), msg.lines()), (Some(22436), Some(326)));
        let inner = msg.envelope().unwrap();
        assert_eq!(inner.subject().as_deref(), Some("mail from Wacky"));
        // A two-digit year (RFC 5322 section 4.3).
        assert_eq!(inner.date().map(|d| d.year()), Some(1992));
        assert_eq!(inner.to().len(), 2);
        // The server wrote a quoted "NIL": that is a string, not NIL.
        assert_eq!(inner.in_reply_to(), Some(&b"NIL"[..]));
        assert_eq!(msg.message_body().unwrap().parts().len(), 3);
        let rtf = b.part(&[2, 1]).unwrap();
        assert_eq!(
            rtf.params(),
            &pairs(&[("NAME", "index.rtf"), ("TYPE", "microsoft-rtf")])[..]
        );
        assert_eq!(rtf.filename().as_deref(), Some("index.rtf"));
        assert_eq!(b.part(&[2, 2]).unwrap().size(), Some(20910));
        assert_eq!(b.part(&[2, 4]), None);
        assert_eq!(b.part(&[4]), None);
        // find does not look inside the attached message; walk does.
        assert_eq!(b.find("audio/basic"), None);
        assert_eq!(b.find("text/plain"), None);
        assert_eq!(
            b.walk()
                .find(|(_, p)| p.is_mime_type("audio/basic"))
                .map(|(n, _)| n),
            Some(vec![2, 2])
        );
        // The attached message is an attachment; what is inside it is not listed. The
        // unnamed audio part inside has nothing referring to it: an attachment of its own.
        let att: Vec<_> = b.attachments().map(|p| p.section().to_vec()).collect();
        assert_eq!(att, [vec![2]]);
        let msg_att: Vec<_> = b
            .attachments()
            .flat_map(|p| p.message_leaves().collect::<Vec<_>>())
            .filter(|p| p.is_attachment())
            .map(|p| p.section_string())
            .collect();
        assert_eq!(msg_att, ["2.1", "2.2"], "2.1 is a text with a name");
    }

    #[test]
    fn nested_multiparts_from_gmail() {
        let (env, b) = fetch(GMAIL_PARALLEL.as_bytes());
        let b = b.unwrap();
        assert_eq!(
            numbers(&b),
            pairs(&[
                ("", "multipart/mixed"),
                ("1", "multipart/parallel"),
                ("1.1", "text/plain"),
                ("1.2", "audio/basic"),
                ("2", "multipart/mixed"),
                ("2.1", "image/gif"),
                ("2.2", "image/gif"),
                ("2.3", "text/plain"),
                ("2.4", "application/atomicmail"),
                ("3", "audio/basic"),
            ])
        );
        assert_eq!(b.part(&[2, 3]).unwrap().lines(), Some(2436));
        assert_eq!(
            b.part(&[]).map(BodyStructure::mime_type).as_deref(),
            Some("multipart/mixed")
        );
        assert_eq!(b.find("image/*").map(|(n, _)| n), Some(vec![2, 1]));
        assert_eq!(b.find("multipart").map(|(n, _)| n), Some(vec![]));

        // Gmail writes an empty From as (NIL NIL NIL NIL), which reads as a group end, and
        // unqualified addresses with a NIL host, which read as group starts.
        let env = env.unwrap();
        let from = &env.from()[0];
        assert!(from.is_group_end() && !from.is_group_start());
        assert_eq!(from.email(), None);
        let abel = &env.to()[0];
        assert!(abel.is_group_start());
        assert_eq!(abel.mailbox(), Some(&b"abel"[..]));
        assert_eq!(abel.email(), None);
        assert_eq!(env.to()[2].email().as_deref(), Some("stornett@flash"));
    }

    #[test]
    fn mixed_with_alternative_and_attachment() {
        let b = body(concat!(
            r#"* 9 FETCH (BODYSTRUCTURE ((("text" "plain" ("charset" "utf-8" "format" "flowed") NIL NIL "quoted-printable" 120 4 NIL NIL NIL NIL)"#,
            r#"("text" "html" ("charset" "utf-8") NIL NIL "quoted-printable" 400 9 NIL ("inline" NIL) NIL NIL) "alternative" ("boundary" "inner") NIL NIL NIL)"#,
            r#"("application" "pdf" ("name" "report.pdf") "<pdf@x>" "Quarterly report" "base64" 38838 "Q2h1Y2s=" ("attachment" ("filename" "Report Q3.pdf" "size" "28000")) ("en" "de") "http://example.com/r.pdf")"#,
            r#" "mixed" ("boundary" "outer") ("inline" NIL) "fr" NIL))"#,
            "\n"
        ));
        assert_eq!(
            numbers(&b),
            pairs(&[
                ("", "multipart/mixed"),
                ("1", "multipart/alternative"),
                ("1.1", "text/plain"),
                ("1.2", "text/html"),
                ("2", "application/pdf"),
            ])
        );
        assert_eq!(b.param("Boundary"), Some("outer"));
        assert_eq!(b.language(), ["fr"]);
        assert_eq!(
            b.disposition().map(ContentDisposition::kind),
            Some("inline")
        );
        assert!(!b.is_attachment(), "a multipart is never an attachment");
        let alt = &b.parts()[0];
        assert_eq!(alt.param("boundary"), Some("inner"));
        assert_eq!(alt.parts().len(), 2);
        assert_eq!(
            alt.parts()[0].params(),
            &pairs(&[("charset", "utf-8"), ("format", "flowed")])[..]
        );
        assert_eq!(
            alt.parts()[0].encoding(),
            Some(&TransferEncoding::QuotedPrintable)
        );
        let html = b.part(&[1, 2]).unwrap();
        assert_eq!(html.disposition().unwrap().params(), &[]);
        assert!(!html.is_attachment());

        let pdf = b.part(&[2]).unwrap();
        assert_eq!(pdf.id(), Some("<pdf@x>"));
        assert_eq!(pdf.description(), Some("Quarterly report"));
        assert_eq!(pdf.md5(), Some("Q2h1Y2s="));
        assert_eq!(pdf.lines(), None);
        assert_eq!(pdf.language(), ["en", "de"]);
        assert_eq!(pdf.location(), Some("http://example.com/r.pdf"));
        let disp = pdf.disposition().unwrap();
        assert_eq!(disp.kind(), "attachment");
        assert_eq!(disp.param("SIZE"), Some("28000"));
        // The disposition's filename wins over the type's name.
        assert_eq!(pdf.filename().as_deref(), Some("Report Q3.pdf"));
        assert!(pdf.is_attachment());
        let att: Vec<_> = b
            .attachments()
            .map(|p| (p.section().to_vec(), p.mime_type()))
            .collect();
        assert_eq!(att, [(vec![2], "application/pdf".to_string())]);
        assert_eq!(b.find("text/plain").map(|(n, _)| n), Some(vec![1, 1]));
        assert_eq!(
            b.find("TEXT/HTML").map(|(n, p)| (n, p.lines())),
            Some((vec![1, 2], Some(9)))
        );
    }

    #[test]
    fn message_rfc822_with_a_single_part_body() {
        let b = body(concat!(
            r#"* 2 FETCH (BODYSTRUCTURE (("TEXT" "PLAIN" NIL NIL NIL "7BIT" 10 1)"#,
            r#"("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 300 (NIL "Fwd" ((NIL NIL "a" "b.c")) NIL NIL NIL NIL NIL NIL NIL)"#,
            r#" ("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "8BIT" 50 3) 12 NIL ("inline" NIL) NIL NIL)"#,
            r#" "MIXED"))"#,
            "\n"
        ));
        assert_eq!(
            numbers(&b),
            pairs(&[
                ("", "multipart/mixed"),
                ("1", "text/plain"),
                ("2", "message/rfc822"),
                ("2.1", "text/plain"),
            ])
        );
        let msg = b.part(&[2]).unwrap();
        assert_eq!(msg.lines(), Some(12));
        let env = msg.envelope().unwrap();
        assert_eq!(env.subject().as_deref(), Some("Fwd"));
        assert_eq!(env.from()[0].email().as_deref(), Some("a@b.c"));
        assert!(env.sender().is_empty() && env.to().is_empty());
        assert_eq!(env.date(), None);
        let inner = b.part(&[2, 1]).unwrap();
        assert_eq!(inner.encoding(), Some(&TransferEncoding::EightBit));
        assert_eq!(msg.message_body(), Some(inner));
        // An attached message is an attachment, even inline.
        assert!(msg.is_attachment());
        assert_eq!(b.attachments().count(), 1);

        // A message whose whole body is an attached message.
        let b = body(concat!(
            r#"* 3 FETCH (BODYSTRUCTURE ("message" "rfc822" NIL NIL NIL "7bit" 300 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)"#,
            r#" (("text" "plain" NIL NIL NIL "7bit" 1 1)("image" "png" NIL NIL NIL "base64" 9) "related") 12))"#,
            "\n"
        ));
        assert_eq!(
            numbers(&b),
            pairs(&[
                ("1", "message/rfc822"),
                ("1", "multipart/related"),
                ("1.1", "text/plain"),
                ("1.2", "image/png"),
            ])
        );
        assert_eq!(
            b.part(&[1]).map(BodyStructure::mime_type).as_deref(),
            Some("message/rfc822")
        );
        assert_eq!(b.envelope(), Some(&Envelope::default()));
    }

    #[test]
    fn envelope_bytes_are_kept() {
        let env = envelope(
            b"* 1 FETCH (ENVELOPE (NIL \"Caf\xe9 \xff =?UTF-8?Q?na=C3=AFve?=\" ((\"J\xf6rg\" NIL \"j\" \"example.de\")) NIL NIL NIL NIL NIL \"<x@y> <z@w>\" NIL))\n",
        );
        assert_eq!(
            env.subject_raw(),
            Some(&b"Caf\xe9 \xff =?UTF-8?Q?na=C3=AFve?="[..])
        );
        // Raw 8-bit bytes are visibly lost; the encoded word is decoded.
        assert_eq!(env.subject().as_deref(), Some("Caf\u{fffd} \u{fffd} naïve"));
        let from = &env.from()[0];
        assert_eq!(from.name_raw(), Some(&b"J\xf6rg"[..]));
        assert_eq!(from.name().as_deref(), Some("J\u{fffd}rg"));
        assert_eq!(from.email().as_deref(), Some("j@example.de"));
        assert_eq!(env.in_reply_to(), Some(&b"<x@y> <z@w>"[..]));
        assert_eq!(env.message_id(), None);
        assert_eq!((env.date(), env.date_raw()), (None, None));
        // Literals and UTF-8 come through unchanged.
        let env = envelope("* 1 FETCH (ENVELOPE (\"Mon, 1 Jan 2024 00:00:00 +0000\" {6}\nnaïve ((\"Zoë\" {3}\n@ro \"zoe\" \"ex.org\")) NIL NIL NIL NIL NIL NIL NIL))\n".as_bytes());
        assert_eq!(env.subject().as_deref(), Some("naïve"));
        assert_eq!(env.from()[0].adl(), Some(&b"@ro"[..]));
        assert_eq!(env.from()[0].name().as_deref(), Some("Zoë"));
        assert_eq!(env.date().map(|d| d.unix_timestamp()), Some(1_704_067_200));
    }

    #[test]
    fn nil_and_empty_address_lists() {
        let env = envelope(b"* 1 FETCH (ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL))\n");
        assert_eq!(env, Envelope::default());
        for list in [
            env.from(),
            env.sender(),
            env.reply_to(),
            env.to(),
            env.cc(),
            env.bcc(),
        ] {
            assert!(list.is_empty());
        }
        // "()" (a common server quirk; RFC 3501 wants NIL) reads like NIL.
        let env = envelope(
            b"* 1 FETCH (ENVELOPE (NIL NIL () NIL () ((NIL NIL \"x\" \"y\")) () NIL NIL NIL))\n",
        );
        assert!(env.from().is_empty() && env.reply_to().is_empty() && env.cc().is_empty());
        assert_eq!(env.to()[0].email().as_deref(), Some("x@y"));
    }

    #[test]
    fn group_syntax() {
        // To: Team: a@x.org, "B" <b@y.org>;, c@z.org   and   Cc: undisclosed-recipients:;
        let env = envelope(concat!(
            r#"* 1 FETCH (ENVELOPE (NIL NIL NIL NIL NIL "#,
            r#"((NIL NIL "Team" NIL)(NIL NIL "a" "x.org")("B" NIL "b" "y.org")(NIL NIL NIL NIL)(NIL NIL "c" "z.org")) "#,
            r#"((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL)) NIL NIL NIL))"#,
            "\n"
        )
        .as_bytes());
        let to = env.to();
        assert_eq!(to.len(), 5, "group markers are kept in place");
        let marks: Vec<_> = to
            .iter()
            .map(|a| (a.is_group_start(), a.is_group_end()))
            .collect();
        assert_eq!(
            marks,
            [
                (true, false),
                (false, false),
                (false, false),
                (false, true),
                (false, false)
            ]
        );
        assert_eq!(to[0].mailbox(), Some(&b"Team"[..]));
        assert_eq!(to[0].email(), None);
        assert_eq!(to[3].email(), None);
        let emails: Vec<_> = to.iter().filter_map(Address::email).collect();
        assert_eq!(emails, ["a@x.org", "b@y.org", "c@z.org"]);
        assert!(env.cc()[0].is_group_start() && env.cc()[1].is_group_end());
    }

    #[test]
    fn odd_parts() {
        // A text part without a line count, and one whose type came as a literal.
        let b = body("* 1 FETCH (BODYSTRUCTURE (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 10))\n");
        assert_eq!((b.mime_type().as_str(), b.lines()), ("text/plain", None));
        let b = body("* 1 FETCH (BODYSTRUCTURE ({4}\nText \"PLAIN\" NIL NIL NIL \"7BIT\" 10 3))\n");
        assert_eq!((b.mime_type().as_str(), b.lines()), ("text/plain", Some(3)));
        // A basic part's size is never taken for a line count.
        let b = body("* 1 FETCH (BODYSTRUCTURE (\"IMAGE\" \"PNG\" NIL NIL NIL \"BASE64\" 10))\n");
        assert_eq!((b.size(), b.lines()), (Some(10), None));
        // NIL and unknown transfer encodings; a file name from the type's name parameter;
        // a NIL disposition parameter list.
        let b = body("* 1 FETCH (BODYSTRUCTURE (\"APPLICATION\" \"OCTET-STREAM\" (\"NAME\" \"a.bin\") NIL NIL NIL 5 NIL NIL NIL NIL))\n");
        assert_eq!(b.encoding(), Some(&TransferEncoding::SevenBit));
        assert_eq!(b.filename().as_deref(), Some("a.bin"));
        assert!(b.is_attachment(), "a named part without disposition");
        let b = body("* 1 FETCH (BODYSTRUCTURE (\"APPLICATION\" \"X\" NIL NIL NIL \"x-uuencode\" 5 NIL (\"INLINE\" (\"FILENAME\" \"a.uu\")) NIL NIL))\n");
        assert_eq!(
            b.encoding(),
            Some(&TransferEncoding::Other("x-uuencode".into()))
        );
        assert_eq!(
            b.encoding().map(TransferEncoding::as_str),
            Some("x-uuencode")
        );
        assert_eq!(
            b.disposition().map(ContentDisposition::kind),
            Some("inline")
        );
        assert_eq!(b.filename().as_deref(), Some("a.uu"));
        assert!(b.is_attachment(), "inline with a file name");
        assert_eq!(b.attachments().count(), 1);
    }

    /// An envelope with this subject and one From address with this display name.
    fn headers(subject: &[u8], name: &[u8]) -> Envelope {
        Envelope {
            text: Packed::new([None, Some(subject), None, None]),
            from: vec![Address {
                fields: Packed::new([Some(name), None, Some(b"a"), Some(b"example.com")]),
            }],
            ..Envelope::default()
        }
    }

    #[test]
    fn packed_fields_round_trip() {
        let p = Packed::new([Some(&b"ab"[..]), None, Some(b""), Some(b"xyz")]);
        assert_eq!(
            (p.get(0), p.get(1), p.get(2), p.get(3), p.get(4)),
            (
                Some(&b"ab"[..]),
                None,
                Some(&b""[..]),
                Some(&b"xyz"[..]),
                None
            )
        );
        assert_eq!(p.len(), 5);
        let none: Packed<2> = Packed::default();
        assert_eq!((none.get(0), none.get(1)), (None, None));
        assert_eq!(Packed::new([None, Some(&b"q"[..])]).get(1), Some(&b"q"[..]));
    }

    #[test]
    fn subjects_and_names_are_decoded() {
        let cases: &[(&[u8], &str)] = &[
            (b"=?UTF-8?B?w6l0w6k=?=", "\u{e9}t\u{e9}"),
            (
                b"Re: =?utf-8?Q?Gr=C3=BC=C3=9Fe_aus?= =?utf-8?Q?_K=C3=B6ln?= [list]",
                "Re: Gr\u{fc}\u{df}e aus K\u{f6}ln [list]",
            ),
            (b"=?ISO-8859-1?Q?Gr=F6=DFe?=", "Gr\u{f6}\u{df}e"),
            (b"=?iso-8859-1?b?R3L239/l?=", "Gr\u{f6}\u{df}\u{df}\u{e5}"),
            // Folded between two words, and a plain folded subject.
            (b"=?UTF-8?Q?a?=\r\n =?UTF-8?Q?b?= c\r\n d", "ab c d"),
            (b"plain ASCII", "plain ASCII"),
            (b"", ""),
            // Malformed words stay as written.
            (b"=?UTF-8?Q?broken", "=?UTF-8?Q?broken"),
            // An unknown charset: read as UTF-8, visibly lossy, never an error.
            (b"=?x-klingon?Q?caf=E9?=", "caf\u{fffd}"),
            (b"=?x-klingon?Q?caf=C3=A9?=", "caf\u{e9}"),
            // 8-bit bytes outside encoded words: UTF-8 kept, anything else U+FFFD.
            ("Gr\u{fc}\u{df}e".as_bytes(), "Gr\u{fc}\u{df}e"),
            (b"Caf\xe9", "Caf\u{fffd}"),
        ];
        for (raw, want) in cases {
            let env = headers(raw, raw);
            let shown = String::from_utf8_lossy(raw);
            assert_eq!(env.subject().as_deref(), Some(*want), "{shown}");
            assert_eq!(env.subject_raw(), Some(*raw));
            assert_eq!(env.from()[0].name().as_deref(), Some(*want), "{shown}");
            assert_eq!(env.from()[0].name_raw(), Some(*raw));
        }
        let env = headers(b"x", b"=?ISO-8859-1?Q?Fran=E7ois?= Dupont");
        assert_eq!(
            env.from()[0].name().as_deref(),
            Some("Fran\u{e7}ois Dupont")
        );
        assert_eq!(env.from()[0].email().as_deref(), Some("a@example.com"));
        assert_eq!(Envelope::default().subject(), None);
        assert_eq!(Address::default().name(), None);
    }

    #[test]
    fn decoded_text_is_safe_to_print() {
        // Raw ESC and BEL (an xterm title), a bare CR, NUL, C1 and a right-to-left override,
        // raw and inside encoded words; a fold with a tab is one space.
        let raw =
            b"\x1b]0;pwned\x07 x\ry\x00 =?UTF-8?Q?=1B[2J=C2=9B?=\r\n\t=?UTF-8?B?4oCuZmRwLmV4ZQ==?=";
        let want = "\u{fffd}]0;pwned\u{fffd} x\u{fffd}y\u{fffd} \u{fffd}[2J\u{fffd}\u{fffd}fdp.exe";
        let env = headers(raw, raw);
        assert_eq!(env.subject().as_deref(), Some(want));
        assert_eq!(env.from()[0].name().as_deref(), Some(want));
        assert_eq!(env.subject_raw(), Some(&raw[..]));
        assert_eq!(env.from()[0].name_raw(), Some(&raw[..]));
        let folded = headers(b"a\r\n b\r\n\tc", b"");
        assert_eq!(folded.subject().as_deref(), Some("a b c"));
        // A quoted local part may hold anything: the email is made safe, the parts are not.
        let a = Address {
            fields: Packed::new([None, None, Some(b"\"a\x1bb\""), Some(b"x\xe2\x80\xaey")]),
        };
        assert_eq!(a.email().as_deref(), Some("\"a\u{fffd}b\"@x\u{fffd}y"));
        assert_eq!(a.mailbox(), Some(&b"\"a\x1bb\""[..]));
    }

    #[test]
    fn file_names_never_hold_controls() {
        let b = part_of(b"(\"application\" \"pdf\" (\"name\" \"a\x1b]0;x\x07.pdf\") NIL NIL \"base64\" 10 NIL (\"attachment\" (\"filename*\" \"utf-8''%E2%80%AEfdp%0D%0A%00.exe\")) NIL NIL)");
        assert_eq!(
            b.filename().as_deref(),
            Some("\u{fffd}fdp\u{fffd}\u{fffd}\u{fffd}.exe")
        );
        assert_eq!(
            b.disposition().unwrap().param_bytes("filename*"),
            Some(&b"utf-8''%E2%80%AEfdp%0D%0A%00.exe"[..])
        );
        assert_eq!(
            b.param_decoded("name").as_deref(),
            Some("a\u{fffd}]0;x\u{fffd}.pdf")
        );
        assert_eq!(b.param_bytes("name"), Some(&b"a\x1b]0;x\x07.pdf"[..]));
    }

    #[cfg(feature = "charsets")]
    #[test]
    fn subjects_in_the_charsets_of_mail() {
        let cases: &[(&[u8], &str)] = &[
            (
                b"=?windows-1252?Q?=93Angebot=94_f=FCr_5_=80?=",
                "\u{201c}Angebot\u{201d} f\u{fc}r 5 \u{20ac}",
            ),
            (b"=?KOI8-R?B?8NLJ18XULCDNydI=?=", "Привет, мир"),
            (b"=?GB2312?B?u+HS6c2o1qo=?=", "会议通知"),
            (b"=?Big5?B?t3zEs7Nxqr4=?=", "會議通知"),
            (b"=?Shift_JIS?B?gqiSbYLngrk=?=", "お知らせ"),
            (b"=?ISO-2022-JP?B?GyRCJCpDTiRpJDsbKEI=?=", "お知らせ"),
            (b"=?EUC-KR?B?yLjAxyC+yLO7?=", "회의 안내"),
            // Two charsets in one header.
            (
                b"=?KOI8-R?B?8NLJ18XU?= / =?ISO-8859-1?Q?Gr=F6=DFe?=",
                "Привет / Gr\u{f6}\u{df}e",
            ),
        ];
        for (raw, want) in cases {
            let env = headers(raw, raw);
            let shown = String::from_utf8_lossy(raw);
            assert_eq!(env.subject().as_deref(), Some(*want), "{shown}");
            assert_eq!(env.from()[0].name().as_deref(), Some(*want), "{shown}");
        }
        let env = headers(b"x", b"=?KOI8-R?B?5M3J1NLJyg==?=");
        assert_eq!(env.from()[0].name().as_deref(), Some("Дмитрий"));
    }

    #[cfg(not(feature = "charsets"))]
    #[test]
    fn without_charsets_other_charsets_are_visibly_lossy() {
        let env = headers(b"=?windows-1252?Q?5_=80?=", b"=?KOI8-R?B?8NLJ18XU?=");
        assert_eq!(env.subject().as_deref(), Some("5 \u{fffd}"));
        assert_eq!(
            env.from()[0].name().as_deref(),
            Some("\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}\u{fffd}")
        );
        // ISO-8859-1 is known without the feature.
        let env = headers(b"=?ISO-8859-1?Q?Gr=F6=DFe?=", b"");
        assert_eq!(env.subject().as_deref(), Some("Gr\u{f6}\u{df}e"));
    }

    #[test]
    fn dates_are_parsed_best_effort() {
        let env = |raw: &[u8]| Envelope {
            text: Packed::new([Some(raw), None, None, None]),
            ..Envelope::default()
        };
        let d = env(b"Tue, 1 Mar 2022 10:00:00 +0100").date().unwrap();
        assert_eq!((d.year(), d.month(), d.day(), d.hour()), (2022, 3, 1, 10));
        assert_eq!(d.offset_minutes(), 60);
        // Obsolete forms: no weekday, a zone name, two-digit year, no seconds.
        let d = env(b"1 Mar 22 10:00 EST").date().unwrap();
        assert_eq!((d.year(), d.minute(), d.offset_minutes()), (2022, 0, -300));
        // Not a date: None, the bytes are still there.
        let e = env(b"yesterday-ish \xff");
        assert_eq!(e.date(), None);
        assert_eq!(e.date_raw(), Some(&b"yesterday-ish \xff"[..]));
        assert_eq!(Envelope::default().date(), None);
    }

    /// The single part of a FETCH BODYSTRUCTURE response written as `part` (bytes, so that
    /// 8-bit values can be sent).
    fn part_of(part: &[u8]) -> BodyStructure {
        let mut resp = b"* 1 FETCH (BODYSTRUCTURE ".to_vec();
        resp.extend_from_slice(part);
        resp.extend_from_slice(b")\n");
        fetch(&resp).1.expect("no BODYSTRUCTURE")
    }

    #[test]
    fn file_names_are_decoded() {
        // Dovecot's form of an RFC 2231 name (Content-Disposition: attachment;
        // filename*=utf-8''%E2%82%AC.pdf).
        let b = part_of(br#"("application" "pdf" NIL NIL NIL "base64" 10 NIL ("attachment" ("filename*" "utf-8''%E2%82%AC.pdf")) NIL NIL)"#);
        assert_eq!(b.filename().as_deref(), Some("\u{20ac}.pdf"));
        let d = b.disposition().unwrap();
        assert_eq!(d.filename().as_deref(), Some("\u{20ac}.pdf"));
        // The raw parameter is still there.
        assert_eq!(d.param("FILENAME*"), Some("utf-8''%E2%82%AC.pdf"));
        assert_eq!(d.param("filename"), None);

        // Continuations, extended, with the charset on the first (RFC 2231 section 4.1),
        // beside a plain fallback that loses.
        let b = part_of(br#"("application" "pdf" NIL NIL NIL "base64" 10 NIL ("attachment" ("filename" "fallback.pdf" "filename*0*" "utf-8''%E6%97%A5%E6%9C%AC%E8%AA%9E" "filename*1*" "%E3%81%AE%E8%B3%87%E6%96%99" "filename*2" ".pdf")) NIL NIL)"#);
        assert_eq!(b.filename().as_deref(), Some("日本語の資料.pdf"));
        // A charset and a language.
        let b = part_of(br#"("text" "plain" NIL NIL NIL "7bit" 1 1 NIL ("attachment" ("filename*" "iso-8859-1'de'Gr%F6%DFe.txt")) NIL NIL)"#);
        assert_eq!(b.filename().as_deref(), Some("Gr\u{f6}\u{df}e.txt"));
        // Plain continuations (no charset).
        let b = part_of(br#"("text" "plain" NIL NIL NIL "7bit" 1 1 NIL ("attachment" ("filename*0" "a very long " "filename*1" "name.txt")) NIL NIL)"#);
        assert_eq!(b.filename().as_deref(), Some("a very long name.txt"));
        // RFC 2047 inside a plain value, as Outlook and Gmail send it.
        let b = part_of(br#"("application" "pdf" ("name" "=?UTF-8?B?w6l0w6kucGRm?=") NIL NIL "base64" 10 NIL ("attachment" ("filename" "=?ISO-8859-1?Q?r=E9sum=E9?= 2024.pdf")) NIL NIL)"#);
        assert_eq!(b.filename().as_deref(), Some("r\u{e9}sum\u{e9} 2024.pdf"));
        assert_eq!(
            b.disposition().unwrap().param("filename"),
            Some("=?ISO-8859-1?Q?r=E9sum=E9?= 2024.pdf")
        );
        assert_eq!(
            b.param_decoded("NAME").as_deref(),
            Some("\u{e9}t\u{e9}.pdf")
        );
        assert_eq!(b.param("name"), Some("=?UTF-8?B?w6l0w6kucGRm?="));
    }

    #[test]
    fn file_name_falls_back_to_the_type_name() {
        // No disposition: the Content-Type's name, RFC 2047 encoded.
        let b = part_of(
            br#"("image" "jpeg" ("name" "=?ISO-8859-1?Q?F=F6to.jpg?=") NIL NIL "base64" 10)"#,
        );
        assert_eq!(b.filename().as_deref(), Some("F\u{f6}to.jpg"));
        assert_eq!(b.disposition(), None);
        // A disposition without filename, and one with an empty filename: the type's
        // `name*` (RFC 2231 there too).
        for disposition in [
            &br#"("attachment" NIL)"#[..],
            br#"("attachment" ("filename" ""))"#,
        ] {
            let mut part = br#"("application" "pdf" ("name*" "utf-8''%E2%82%AC.pdf") NIL NIL "base64" 10 NIL "#.to_vec();
            part.extend_from_slice(disposition);
            part.extend_from_slice(b" NIL NIL)");
            let b = part_of(&part);
            assert_eq!(b.filename().as_deref(), Some("\u{20ac}.pdf"));
            assert_eq!(b.disposition().unwrap().filename(), None);
        }
        // No name anywhere.
        let b = part_of(br#"("application" "pdf" ("x" "y") NIL NIL "base64" 10 NIL ("attachment" ("size" "10")) NIL NIL)"#);
        assert_eq!(b.filename(), None);
        assert_eq!(b.param_decoded("x").as_deref(), Some("y"));
        assert_eq!(
            b.disposition().unwrap().param_decoded("SIZE").as_deref(),
            Some("10")
        );
    }

    #[test]
    fn file_names_decode_the_bytes_as_sent() {
        // 8-bit bytes in an extended value (not percent-encoded, as some mailers send) are
        // decoded from the bytes the server sent, in the charset named; the other 8-bit
        // values around it do not shift which bytes belong to which parameter.
        let b = part_of(b"(\"text\" \"plain\" (\"a\" \"\xff\" \"name*\" \"iso-8859-1''caf\xe9.txt\" \"b\" \"\xfe\") NIL NIL \"7bit\" 1 1 NIL (\"attachment\" (\"x\" \"\xfd\" \"filename*\" \"iso-8859-1''\xe9t\xe9.txt\")) NIL NIL)");
        assert_eq!(b.filename().as_deref(), Some("\u{e9}t\u{e9}.txt"));
        assert_eq!(b.param_decoded("name").as_deref(), Some("caf\u{e9}.txt"));
        assert_eq!(b.param_bytes("a"), Some(&b"\xff"[..]));
        assert_eq!(b.param_bytes("b"), Some(&b"\xfe"[..]));
        assert_eq!(b.param("name*"), Some("iso-8859-1''caf\u{fffd}.txt"));
        // Raw UTF-8 in a plain value comes through; other 8-bit bytes visibly do not.
        let b = part_of(
            "(\"text\" \"plain\" (\"name\" \"na\u{ef}ve.txt\") NIL NIL \"7bit\" 1 1)".as_bytes(),
        );
        assert_eq!(b.filename().as_deref(), Some("na\u{ef}ve.txt"));
        let b = part_of(b"(\"text\" \"plain\" (\"name\" \"na\xefve.txt\") NIL NIL \"7bit\" 1 1)");
        assert_eq!(b.filename().as_deref(), Some("na\u{fffd}ve.txt"));
        // An unknown charset in RFC 2231: read as UTF-8.
        let b = part_of(
            br#"("text" "plain" ("name*" "x-unknown''caf%C3%A9%FF.txt") NIL NIL "7bit" 1 1)"#,
        );
        assert_eq!(b.filename().as_deref(), Some("caf\u{e9}\u{fffd}.txt"));
    }

    #[cfg(feature = "charsets")]
    #[test]
    fn file_names_in_the_charsets_of_mail() {
        let b = part_of(
            br#"("application" "msword" ("name*" "gb2312''%D6%D0%CE%C4.doc") NIL NIL "base64" 10)"#,
        );
        assert_eq!(b.filename().as_deref(), Some("中文.doc"));
        let b = part_of(br#"("application" "msword" ("name" "=?Shift_JIS?B?gqiSbYLngrk=?=.doc") NIL NIL "base64" 10)"#);
        assert_eq!(b.filename().as_deref(), Some("お知らせ.doc"));
        let b = part_of(br#"("application" "pdf" NIL NIL NIL "base64" 10 NIL ("attachment" ("filename*0*" "windows-1252''%93Angebot%94" "filename*1*" "%20%80.pdf")) NIL NIL)"#);
        assert_eq!(
            b.filename().as_deref(),
            Some("\u{201c}Angebot\u{201d} \u{20ac}.pdf")
        );
    }
}
