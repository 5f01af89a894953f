//! Part bodies: which parts of which messages to fetch, and what comes back (the commands are in `extensions/parts.rs`).

use crate::error::{Error, Result};
use crate::mime;
use crate::types::{BodyStructure, TransferEncoding, Uid};

/// One body part to fetch with [`Session::uid_fetch_parts`](crate::Session::uid_fetch_parts): the message's UID, the part's
/// section number, and what is needed to decode it: its content transfer encoding and, for
/// [`PartBody::text`], its charset.
///
/// Section numbers are IMAP part numbers (RFC 3501 section 6.4.5), as
/// [`BodyStructure::walk`] gives them: `[2, 1]` is `BODY[2.1]`. A message that is not
/// multipart has a single part, `[1]`: its body. `[]` (the whole message, header included) is
/// not a part and cannot be requested; [`PartRequest::of`] turns it into `[1]` for a
/// single-part message.
///
/// ```
/// use blocking_imap::{PartRequest, TransferEncoding, Uid};
/// let req = PartRequest::new(Uid(42), &[2], TransferEncoding::Base64).charset("iso-8859-1");
/// assert_eq!(req.section(), &[2]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartRequest {
    pub(crate) uid: Uid,
    pub(crate) section: Vec<u32>,
    pub(crate) encoding: TransferEncoding,
    pub(crate) charset: Option<String>,
    /// Decode here even where the server offers BINARY.
    pub(crate) decode_here: bool,
}

impl PartRequest {
    /// Part `section` of message `uid`, sent in `encoding` (what its `Content-Transfer-Encoding`
    /// says; [`TransferEncoding::SevenBit`] when it says nothing). No charset: its
    /// [`text`](PartBody::text) is read as UTF-8 unless [`charset`](Self::charset) is set.
    pub fn new(uid: Uid, section: &[u32], encoding: TransferEncoding) -> Self {
        PartRequest {
            uid,
            section: section.to_vec(),
            encoding,
            charset: None,
            decode_here: false,
        }
    }

    /// Part `section` of message `uid`, with the encoding and charset that the message's body
    /// structure gives the part (looked up with [`BodyStructure::part`]). `[]` for a message
    /// that is not multipart means its only part, `[1]` (RFC 3501 section 6.4.5).
    ///
    /// Errors: [`Error::InvalidArgument`] when `structure` has no part `section`, or for `[]`
    /// of a multipart message (that is the whole message, not a part).
    pub fn of(uid: Uid, section: &[u32], structure: &BodyStructure) -> Result<Self> {
        let section: &[u32] = if section.is_empty() && !structure.is_multipart() {
            &[1]
        } else {
            section
        };
        if section.is_empty() {
            return Err(Error::InvalidArgument(
                "section [] is the whole message, not a part".into(),
            ));
        }
        let part = structure.part(section).ok_or_else(|| {
            Error::InvalidArgument(format!(
                "the body structure has no part {}",
                section_text(section)
            ))
        })?;
        Ok(PartRequest {
            uid,
            section: section.to_vec(),
            encoding: part
                .encoding()
                .cloned()
                .unwrap_or(TransferEncoding::SevenBit),
            charset: part.charset().map(str::to_string),
            decode_here: false,
        })
    }

    /// A part found by walking a body structure ([`BodyStructure::attachments`],
    /// [`BodyStructure::leaves`], [`BodyStructure::text_body`]...) of message `uid`, with its
    /// section, encoding and charset.
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// # let (uid, structure): (blocking_imap::Uid, blocking_imap::BodyStructure) = todo!();
    /// use blocking_imap::PartRequest;
    /// let wanted: Vec<PartRequest> = structure
    ///     .attachments()
    ///     .map(|part| PartRequest::from_part(uid, &part))
    ///     .collect();
    /// for body in session.uid_fetch_parts(&wanted)? {
    ///     println!("{}: {} bytes", body.section().len(), body.bytes().len());
    /// }
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    pub fn from_part(uid: Uid, part: &crate::types::Part<'_>) -> Self {
        PartRequest {
            uid,
            section: part.section().to_vec(),
            encoding: part.encoding().clone(),
            charset: part.charset().map(str::to_string),
            decode_here: false,
        }
    }

    /// The charset the part's text is in (`utf-8`, `iso-8859-1`, `windows-1252`...), for
    /// [`PartBody::text`].
    pub fn charset(mut self, charset: impl Into<String>) -> Self {
        self.charset = Some(charset.into());
        self
    }

    /// Decode the part here (BODY.PEEK and this crate's base64 / quoted-printable decoder)
    /// even where the server offers BINARY (RFC 3516), for a server whose BINARY is known to
    /// misbehave, or to have the part's bytes decoded the same way whatever the server.
    pub fn decode_here(mut self) -> Self {
        self.decode_here = true;
        self
    }

    /// The message's UID.
    pub fn uid(&self) -> Uid {
        self.uid
    }

    /// The part's section number (`[2, 1]` is `2.1`).
    pub fn section(&self) -> &[u32] {
        &self.section
    }

    /// The section as IMAP writes it: `2.1`.
    pub fn section_string(&self) -> String {
        section_text(&self.section)
    }

    /// The part's content transfer encoding.
    pub fn encoding(&self) -> &TransferEncoding {
        &self.encoding
    }
}

/// A part's content, decoded from its transfer encoding, as
/// [`Session::uid_fetch_parts`](crate::Session::uid_fetch_parts) returns it.
#[derive(Clone, PartialEq, Eq)]
pub struct PartBody {
    pub(crate) uid: Uid,
    pub(crate) section: Vec<u32>,
    pub(crate) bytes: Vec<u8>,
    pub(crate) charset: Option<String>,
    pub(crate) binary: bool,
}

/// Readable: the bytes as a length and an escaped prefix.
impl std::fmt::Debug for PartBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartBody")
            .field("uid", &self.uid)
            .field("section", &section_text(&self.section))
            .field("bytes", &crate::error::RawBytes::new(&self.bytes))
            .field("charset", &self.charset)
            .field("binary", &self.binary)
            .finish()
    }
}

impl PartBody {
    /// The message's UID.
    pub fn uid(&self) -> Uid {
        self.uid
    }

    /// The part's section number.
    pub fn section(&self) -> &[u32] {
        &self.section
    }

    /// The part's content, its transfer encoding undone (by the server for BINARY, here for
    /// base64 and quoted-printable sent as BODY; other encodings as they came).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The part's content, as [`bytes`](Self::bytes), without a copy.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The charset of the part's text, as the request gave it.
    pub fn charset(&self) -> Option<&str> {
        self.charset.as_deref()
    }

    /// The part's content as text: converted from its [`charset`](Self::charset) to UTF-8
    /// (UTF-8 when there is none). Never fails: bytes that are not valid in the charset, and
    /// a charset that is unknown (or not compiled in without the `charsets` feature, which
    /// leaves UTF-8, US-ASCII and ISO-8859-1), read as UTF-8 with U+FFFD for what is not.
    /// Converted on each call.
    pub fn text(&self) -> String {
        let charset = self.charset.as_deref().unwrap_or("utf-8");
        mime::decode_charset(charset, &self.bytes).0
    }

    /// The part's content as text when its bytes convert to UTF-8 without loss: `None` when
    /// some bytes are not valid in the [`charset`](Self::charset), or the charset is not
    /// known (or not compiled in without the `charsets` feature), where [`text`](Self::text)
    /// would show U+FFFD.
    pub fn text_exact(&self) -> Option<String> {
        let charset = self.charset.as_deref().unwrap_or("utf-8");
        mime::decode_charset_exact(charset, &self.bytes)
    }

    /// The section as IMAP writes it: `2.1`.
    pub fn section_string(&self) -> String {
        section_text(&self.section)
    }

    /// Did the server decode the part (`BINARY`, RFC 3516) rather than this crate?
    pub fn was_binary(&self) -> bool {
        self.binary
    }
}

/// `2.1` for `[2, 1]`.
pub(crate) fn section_text(section: &[u32]) -> String {
    section
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(".")
}
