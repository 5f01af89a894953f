//! Walking a message's MIME parts as a mail client does: the leaves in order, the parts it
//! lists as attachments, and the text it shows as the body.
//!
//! Everything here works on a [`BodyStructure`] already fetched (`FETCH BODYSTRUCTURE`), and
//! hands out [`Part`]s: a leaf together with its IMAP part number, ready to fetch with
//! [`FetchItems::body_peek`](crate::FetchItems::body_peek)`(part.body_section())`.
//!
//! Bounds: every walk visits each part at most once. [`leaves`](BodyStructure::leaves) and
//! [`attachments`](BodyStructure::attachments) use the explicit stack of
//! [`walk`](BodyStructure::walk) (a number copied per part, as deep as the part is nested);
//! [`text_body`](BodyStructure::text_body) and [`html_body`](BodyStructure::html_body)
//! recurse, at most [`MAX_BODY_DEPTH`] levels (the deepest structure the parser builds),
//! sharing one number buffer.

use super::envelope::{body_number, BodyStructure, ContentDisposition, Kind, TransferEncoding};
use super::Section;
use crate::types::MAX_BODY_DEPTH;

/// One leaf of a [`BodyStructure`] (a part that is not a multipart), with its IMAP part
/// number: what [`BodyStructure::leaves`], [`attachments`](BodyStructure::attachments),
/// [`text_body`](BodyStructure::text_body) and [`html_body`](BodyStructure::html_body) hand
/// out.
///
/// An attached message (`message/rfc822`) is a leaf: its own parts are reached through
/// [`message_leaves`](Part::message_leaves), or with every other leaf through
/// [`BodyStructure::all_leaves`]. [`safe_filename`](Part::safe_filename) names a part for
/// saving.
///
/// ```no_run
/// # fn run(session: &mut blocking_imap::Session) -> blocking_imap::Result<()> {
/// use blocking_imap::{FetchItems, Uid};
/// let uid = Uid(42);
/// let msgs = session.uid_fetch(uid, &FetchItems::new().body_structure())?.into_vec()?;
/// let Some(body) = msgs.first().and_then(|m| m.body_structure()) else { return Ok(()) };
/// for part in body.attachments() {
///     println!(
///         "{} {} {:?} ({:?} octets)",
///         part.section_string(),
///         part.mime_type(),
///         part.filename(),
///         part.size()
///     );
/// }
/// if let Some(text) = body.text_body() {
///     let items = FetchItems::new().body_peek(text.body_section());
///     let got = session.uid_fetch(uid, &items)?.into_vec()?;
///     // got[0].part(text.section()): the part, still in its transfer encoding.
/// #   let _ = got;
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part<'a> {
    section: Vec<u32>,
    structure: &'a BodyStructure,
}

impl<'a> Part<'a> {
    /// The IMAP part number (RFC 3501 section 6.4.5), as in [`BodyStructure::walk`]:
    /// `[1, 2]` is part `1.2`; the single part of a message that is not a multipart is `[1]`.
    /// Never empty.
    pub fn section(&self) -> &[u32] {
        &self.section
    }

    /// The part number as IMAP writes it: `1.2`.
    pub fn section_string(&self) -> String {
        let mut out = String::with_capacity(self.section.len() * 2);
        for (i, n) in self.section.iter().enumerate() {
            if i > 0 {
                out.push('.');
            }
            out.push_str(&n.to_string());
        }
        out
    }

    /// The section that fetches this part's content (`BODY[1.2]`), for
    /// [`FetchItems::body_peek`](crate::FetchItems::body_peek) and friends; the content
    /// comes still transfer-encoded (see [`encoding`](Part::encoding)).
    pub fn body_section(&self) -> Section {
        Section::Part(self.section.clone())
    }

    /// The part's whole entry in the body structure: parameters, id, description, MD5,
    /// language, location, and for an attached message its envelope.
    pub fn structure(&self) -> &'a BodyStructure {
        self.structure
    }

    /// The MIME type, lower-cased: `text/plain`, `image/png`, `message/rfc822`, ...
    pub fn mime_type(&self) -> String {
        self.structure.mime_type()
    }

    /// Is this part of the MIME type `mime_type` (see [`BodyStructure::is_mime_type`];
    /// `image/*` matches any image)?
    pub fn is_mime_type(&self, mime_type: &str) -> bool {
        self.structure.is_mime_type(mime_type)
    }

    /// The Content-Disposition type, lower-cased (`inline`, `attachment`, ...); `None` when
    /// the part has none or the server sent no extension data (`BODY` rather than
    /// `BODYSTRUCTURE`).
    pub fn disposition(&self) -> Option<&'a str> {
        self.structure.disposition().map(ContentDisposition::kind)
    }

    /// The file name, decoded (RFC 2231 and RFC 2047): see [`BodyStructure::filename`]. Safe
    /// to print: control characters (C0 but TAB, DEL, C1) and bidirectional embeddings,
    /// overrides and isolates are U+FFFD. The parameters as sent are in
    /// [`structure`](Part::structure)`().`[`param_bytes`](BodyStructure::param_bytes) and its
    /// disposition's.
    pub fn filename(&self) -> Option<String> {
        self.structure.filename()
    }

    /// The size of the content in octets, still transfer-encoded (base64 is about 4/3 of
    /// the decoded size); `None` when the server sent no usable size.
    pub fn size(&self) -> Option<u32> {
        self.structure.size()
    }

    /// The `Content-Transfer-Encoding:` the content must be decoded from.
    pub fn encoding(&self) -> &'a TransferEncoding {
        const SEVEN_BIT: &TransferEncoding = &TransferEncoding::SevenBit;
        // A leaf is always a single part, which always has an encoding.
        self.structure.encoding().unwrap_or(SEVEN_BIT)
    }

    /// The `charset` parameter, as sent (`utf-8`, `ISO-8859-1`, ...).
    pub fn charset(&self) -> Option<&'a str> {
        self.structure.charset()
    }

    /// The `Content-ID:` (`<img1@example.com>`), what an HTML part refers to as
    /// `cid:img1@example.com`.
    pub fn content_id(&self) -> Option<&'a str> {
        self.structure.id()
    }

    /// Would a mail client list this part as an attachment? See
    /// [`BodyStructure::is_attachment`] for the rule.
    pub fn is_attachment(&self) -> bool {
        self.structure.is_attachment()
    }

    /// Is this part an attached message (`message/rfc822`, or `message/global` as RFC 6532
    /// sends one with UTF-8 headers), a forwarded mail whose own parts are
    /// [`message_leaves`](Part::message_leaves)? Also when the server sent no structure for
    /// what is inside.
    ///
    /// ```
    /// # use blocking_imap::BodyStructure;
    /// # fn show(body: &BodyStructure) {
    /// for part in body.attachments().filter(|p| p.is_attached_message()) {
    ///     println!("forwarded: {}", part.safe_filename()); // attachment-2.eml, say
    /// }
    /// # }
    /// ```
    pub fn is_attached_message(&self) -> bool {
        self.is_mime_type("message/rfc822") || self.is_mime_type("message/global")
    }

    /// A file name to save this part under, safe to create inside a directory: the part's
    /// [`filename`](Part::filename) made safe by [`sanitize_filename`](crate::sanitize_filename)
    /// (its documentation has the rules: no path, no control, format or bidirectional
    /// characters, no characters Windows refuses, no hidden files or device names, at most
    /// 255 bytes), or, when the part has no name or nothing of it is usable,
    /// [`fallback_filename`](Part::fallback_filename): `attachment-<section>.<ext>`.
    ///
    /// Never empty. Two parts can get the same name (two `report.pdf`, or the parts `2` of two
    /// messages): check that the file does not exist before writing (`OpenOptions::create_new`),
    /// as `examples/save_attachments.rs` does.
    ///
    /// ```
    /// # use blocking_imap::BodyStructure;
    /// # fn save(body: &BodyStructure, dir: &std::path::Path) {
    /// for part in body.attachments() {
    ///     let path = dir.join(part.safe_filename()); // always inside `dir`
    /// #   let _ = path;
    /// }
    /// # }
    /// ```
    pub fn safe_filename(&self) -> String {
        self.sanitized_filename()
            .unwrap_or_else(|| self.fallback_filename())
    }

    /// The part's own [`filename`](Part::filename) made safe by
    /// [`sanitize_filename`](crate::sanitize_filename); `None` when it has none, or nothing of
    /// it is usable (`..`, only dots and separators). [`safe_filename`](Part::safe_filename)
    /// with no fallback, for callers that name unnamed parts their own way.
    pub fn sanitized_filename(&self) -> Option<String> {
        self.filename()
            .and_then(|name| crate::mime::sanitize_filename(&name))
    }

    /// The name of a part without a usable file name: `attachment-<section>.<ext>`
    /// (`attachment-2.1.pdf`), the extension from the MIME type as
    /// [`default_extension`](Part::default_extension) gives it.
    pub fn fallback_filename(&self) -> String {
        format!(
            "attachment-{}.{}",
            self.section_string(),
            self.default_extension()
        )
    }

    /// The usual file extension (without the dot) for the part's MIME type: `eml` for
    /// `message/rfc822` and `message/global`, `ics` for `text/calendar`, `pdf`, `txt` for
    /// `text/plain`, `html`, `png`, `jpg`, `gif`, `webp`, `zip`, and the other common
    /// office, image, audio and signature types; `bin` for `application/octet-stream` and
    /// any type it does not know.
    pub fn default_extension(&self) -> &'static str {
        crate::mime::extension_for_mime_type(&self.mime_type())
    }

    /// For an attached message (`message/rfc822`): the leaves of its body, in order,
    /// numbered within the outer message (`2.1`, `2.2`, ... under part `2`), so they can be
    /// fetched directly; attached messages inside it are leaves again. Empty for any other
    /// part, and when the server sent no structure for the attached message.
    pub fn message_leaves(&self) -> impl Iterator<Item = Part<'a>> {
        let structure: &'a BodyStructure = self.structure;
        let section = self.section.clone();
        structure
            .message_body()
            .into_iter()
            .flat_map(move |body| leaves_from(body_number(section.clone(), body), body))
    }
}

/// The leaves of `body`, which is numbered `start`.
fn leaves_from(start: Vec<u32>, body: &BodyStructure) -> impl Iterator<Item = Part<'_>> {
    body.walk_from(start, false)
        .filter(|(_, part)| !part.is_multipart())
        .map(|(section, structure)| Part { section, structure })
}

impl BodyStructure {
    /// The leaves of this structure, in part-number order: every part that is not a
    /// multipart, with its part number (see [`walk`](BodyStructure::walk)). The single part
    /// of a message that is not a multipart is the one leaf, part `1`.
    ///
    /// An attached message (`message/rfc822`, `message/global`) is a leaf, as mail clients
    /// show it: one attachment, the forwarded message, not the parts inside it. Its own
    /// leaves are [`Part::message_leaves`]; [`all_leaves`](BodyStructure::all_leaves) goes
    /// into every attached message.
    pub fn leaves(&self) -> impl Iterator<Item = Part<'_>> + '_ {
        leaves_from(body_number(Vec::new(), self), self)
    }

    /// Every leaf, attached messages gone into: as [`leaves`](BodyStructure::leaves), but an
    /// attached message (`message/rfc822`, `message/global`) is followed by its own leaves,
    /// numbered within this message (`2.1`, `2.2` under part `2`, so each can be fetched
    /// directly), and so on for messages attached inside it. In part-number order; the
    /// attached message itself is listed too ([`Part::is_attached_message`] tells it apart),
    /// also when the server sent no structure for what is inside.
    ///
    /// Bounds: each part is visited once, with the explicit stack of
    /// [`walk`](BodyStructure::walk); the parser nests at most `MAX_BODY_DEPTH` levels in all,
    /// attached messages included.
    ///
    /// ```
    /// # use blocking_imap::BodyStructure;
    /// # fn show(body: &BodyStructure) {
    /// // Every PDF, also those in forwarded messages.
    /// for part in body.all_leaves().filter(|p| p.is_mime_type("application/pdf")) {
    ///     println!("{} {}", part.section_string(), part.safe_filename());
    /// }
    /// # }
    /// ```
    pub fn all_leaves(&self) -> impl Iterator<Item = Part<'_>> + '_ {
        self.walk_from(body_number(Vec::new(), self), true)
            .filter(|(_, part)| !part.is_multipart())
            .map(|(section, structure)| Part { section, structure })
    }

    /// The leaves a mail client would list as attachments, in order: those for which
    /// [`is_attachment`](BodyStructure::is_attachment) holds (its documentation gives the
    /// rule). An attached message is listed as one attachment; the parts inside it are not.
    /// Never holds [`text_body`](BodyStructure::text_body) or
    /// [`html_body`](BodyStructure::html_body).
    pub fn attachments(&self) -> impl Iterator<Item = Part<'_>> + '_ {
        self.leaves().filter(Part::is_attachment)
    }

    /// The plain-text body a reader would show: the first `text/plain` leaf that is not an
    /// [attachment](BodyStructure::is_attachment), looking as a mail client does:
    ///
    /// - in a `multipart/alternative`, the alternatives from the last (the sender's
    ///   preferred, RFC 2046 section 5.1.4) to the first, so the most faithful `text/plain`
    ///   wins;
    /// - in a `multipart/related`, only its root (RFC 2387: the part whose Content-ID is the
    ///   `start` parameter, else the first part); the other parts are resources it uses;
    /// - in any other multipart (`mixed`, `signed`, ...), the parts in order;
    /// - never inside an attached message.
    ///
    /// `None` when there is no such part (an HTML-only message, say). A message with
    /// several inline text parts (text, an image, more text) has them all in
    /// [`leaves`](BodyStructure::leaves); this is the first.
    pub fn text_body(&self) -> Option<Part<'_>> {
        self.reader_body("plain")
    }

    /// The HTML body a reader would show: as [`text_body`](BodyStructure::text_body), for
    /// `text/html`. The images it shows through `cid:` URLs are the parts whose
    /// [`content_id`](Part::content_id) matches, usually its siblings in a
    /// `multipart/related`.
    pub fn html_body(&self) -> Option<Part<'_>> {
        self.reader_body("html")
    }

    fn reader_body(&self, subtype: &str) -> Option<Part<'_>> {
        let mut number = body_number(Vec::new(), self);
        find_body(self, &mut number, subtype, 0)
    }
}

/// The first text/`subtype` leaf under `node` (numbered `number`) that is not an
/// attachment, as [`BodyStructure::text_body`] describes. `number` is one buffer for the
/// whole search, pushed and popped around each child: each part is visited at most once and
/// only the result's number is copied. Recursion stops at [`MAX_BODY_DEPTH`] levels.
fn find_body<'a>(
    node: &'a BodyStructure,
    number: &mut Vec<u32>,
    subtype: &str,
    depth: u32,
) -> Option<Part<'a>> {
    if depth > MAX_BODY_DEPTH {
        return None;
    }
    let parts = match &node.kind {
        Kind::Single(_) => {
            let wanted =
                node.media_type == "text" && node.subtype == subtype && !node.is_attachment();
            return wanted.then(|| Part {
                section: number.clone(),
                structure: node,
            });
        }
        Kind::Multipart(parts) => parts,
    };
    let mut child = |i: usize| {
        number.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
        let found = parts
            .get(i)
            .and_then(|part| find_body(part, number, subtype, depth + 1));
        number.pop();
        found
    };
    match node.subtype.as_str() {
        "alternative" => (0..parts.len()).rev().find_map(child),
        "related" => child(related_root(node, parts)),
        _ => (0..parts.len()).find_map(child),
    }
}

/// The index of a `multipart/related`'s root part (RFC 2387 section 3.2): the part whose
/// Content-ID is the `start` parameter, else the first.
fn related_root(related: &BodyStructure, parts: &[BodyStructure]) -> usize {
    fn bare(id: &str) -> &str {
        id.trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .trim()
    }
    related
        .param("start")
        .map(bare)
        .filter(|start| !start.is_empty())
        .and_then(|start| {
            parts
                .iter()
                .position(|p| p.id().is_some_and(|id| bare(id) == start))
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The BODYSTRUCTURE of one FETCH response (written with LF; sent with CRLF).
    fn body(resp: &str) -> BodyStructure {
        let wire = resp.replace('\n', "\r\n");
        let f =
            crate::wire::fetch::parse(wire.as_bytes()).unwrap_or_else(|e| panic!("{e} on {wire}"));
        *f.body_structure.expect("no BODYSTRUCTURE")
    }

    fn sections<'a>(parts: impl Iterator<Item = Part<'a>>) -> Vec<String> {
        parts.map(|p| p.section_string()).collect()
    }

    fn section(part: Option<Part<'_>>) -> Option<String> {
        part.map(|p| p.section_string())
    }

    /// Thunderbird: text and HTML alternatives, then a PDF whose name has a euro sign
    /// (RFC 2231, split in two, as Thunderbird writes long names).
    const MIXED: &str = concat!(
        r#"* 1 FETCH (BODYSTRUCTURE ((("text" "plain" ("charset" "UTF-8" "format" "flowed") NIL NIL "7bit" 20 2 NIL NIL NIL NIL)"#,
        r#"("text" "html" ("charset" "UTF-8") NIL NIL "7bit" 200 9 NIL NIL NIL NIL) "alternative" ("boundary" "b2") NIL NIL NIL)"#,
        r#"("application" "pdf" ("name*0*" "utf-8''Quartalsbericht%20%E2%82%AC" "name*1*" "%20Q3.pdf") NIL NIL "base64" 5000 NIL"#,
        r#" ("attachment" ("filename*0*" "utf-8''Quartalsbericht%20%E2%82%AC" "filename*1*" "%20Q3.pdf")) NIL NIL)"#,
        r#" "mixed" ("boundary" "b1") NIL NIL NIL))"#,
        "\n"
    );

    #[test]
    fn mixed_with_alternative_and_attachment() {
        let b = body(MIXED);
        assert_eq!(sections(b.leaves()), ["1.1", "1.2", "2"]);
        let att: Vec<_> = b.attachments().collect();
        assert_eq!(att.len(), 1);
        let pdf = &att[0];
        assert_eq!(pdf.section(), [2]);
        assert_eq!(pdf.body_section(), Section::Part(vec![2]));
        assert_eq!(pdf.mime_type(), "application/pdf");
        assert!(pdf.is_mime_type("application/*"));
        assert_eq!(pdf.disposition(), Some("attachment"));
        assert_eq!(pdf.filename().as_deref(), Some("Quartalsbericht € Q3.pdf"));
        assert_eq!(pdf.size(), Some(5000));
        assert_eq!(pdf.encoding(), &TransferEncoding::Base64);
        assert_eq!(pdf.charset(), None);
        assert!(pdf.is_attachment());
        assert_eq!(pdf.structure(), b.part(&[2]).unwrap());
        assert_eq!(pdf.message_leaves().count(), 0);

        let text = b.text_body().unwrap();
        assert_eq!(text.section(), [1, 1]);
        assert_eq!(text.charset(), Some("UTF-8"));
        assert_eq!(text.encoding(), &TransferEncoding::SevenBit);
        assert_eq!(text.disposition(), None);
        assert_eq!(section(b.html_body()).as_deref(), Some("1.2"));
    }

    /// Apple Mail / Outlook HTML with an inline image: alternative of text and a related
    /// (HTML + image by Content-ID, no file name).
    const RELATED: &str = concat!(
        r#"* 2 FETCH (BODYSTRUCTURE (("text" "plain" ("charset" "us-ascii") NIL NIL "quoted-printable" 30 2 NIL NIL NIL NIL)"#,
        r#"(("text" "html" ("charset" "us-ascii") NIL NIL "quoted-printable" 300 10 NIL NIL NIL NIL)"#,
        r#"("image" "png" NIL "<logo@example.com>" NIL "base64" 4000 NIL ("inline" NIL) NIL NIL)"#,
        r#" "related" ("boundary" "r" "type" "text/html") NIL NIL NIL)"#,
        r#" "alternative" ("boundary" "a") NIL NIL NIL))"#,
        "\n"
    );

    #[test]
    fn related_inline_image_is_not_an_attachment() {
        let b = body(RELATED);
        assert_eq!(sections(b.leaves()), ["1", "2.1", "2.2"]);
        assert_eq!(b.attachments().count(), 0);
        assert_eq!(section(b.text_body()).as_deref(), Some("1"));
        assert_eq!(section(b.html_body()).as_deref(), Some("2.1"));
        let img = b.leaves().nth(2).unwrap();
        assert_eq!(img.content_id(), Some("<logo@example.com>"));
        assert_eq!(img.disposition(), Some("inline"));
        assert!(!img.is_attachment());
        // The same image with no disposition at all (the common case) is not one either.
        let b = body(&RELATED.replace(r#"4000 NIL ("inline" NIL) NIL NIL"#, "4000"));
        assert_eq!(b.part(&[2, 2]).unwrap().disposition(), None);
        assert_eq!(b.attachments().count(), 0);
    }

    #[test]
    fn related_root_from_start() {
        // The root is the second part, named by `start`; a text/plain resource is ignored.
        let b = body(concat!(
            r#"* 3 FETCH (BODYSTRUCTURE (("text" "plain" NIL "<res@x>" NIL "7bit" 3 1 NIL NIL NIL NIL)"#,
            r#"("text" "html" NIL "<root@x>" NIL "7bit" 30 2 NIL NIL NIL NIL)"#,
            r#" "related" ("start" " <root@x> " "type" "text/html") NIL NIL NIL))"#,
            "\n"
        ));
        assert_eq!(section(b.html_body()).as_deref(), Some("2"));
        assert_eq!(section(b.text_body()), None);
        // Without `start`, the first part is the root.
        let b = body(concat!(
            r#"* 3 FETCH (BODYSTRUCTURE (("text" "html" NIL NIL NIL "7bit" 30 2)"#,
            r#"("text" "plain" NIL NIL NIL "7bit" 3 1) "related"))"#,
            "\n"
        ));
        assert_eq!(section(b.html_body()).as_deref(), Some("1"));
        assert_eq!(section(b.text_body()), None);
    }

    #[test]
    fn forwarded_message_is_one_attachment() {
        let b = body(concat!(
            r#"* 4 FETCH (BODYSTRUCTURE (("text" "plain" ("charset" "utf-8") NIL NIL "8bit" 40 3 NIL NIL NIL NIL)"#,
            r#"("message" "rfc822" ("name" "Fwd: Plans.eml") NIL NIL "7bit" 900"#,
            r#" ("Mon, 1 Jan 2024 10:00:00 +0000" "=?UTF-8?Q?Pl=C3=A4ne?=" (("Ann" NIL "ann" "x.org")) NIL NIL NIL NIL NIL NIL "<p@x.org>")"#,
            r#" ((("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 10 1 NIL NIL NIL NIL)("text" "html" ("charset" "utf-8") NIL NIL "7bit" 50 2 NIL NIL NIL NIL) "alternative" ("boundary" "i") NIL NIL NIL)"#,
            r#"("image" "jpeg" ("name" "cat.jpg") NIL NIL "base64" 800 NIL ("attachment" ("filename" "cat.jpg")) NIL NIL) "mixed" ("boundary" "m") NIL NIL NIL)"#,
            r#" 20 NIL ("inline" NIL) NIL NIL) "mixed" ("boundary" "o") NIL NIL NIL))"#,
            "\n"
        ));
        assert_eq!(sections(b.leaves()), ["1", "2"]);
        let att: Vec<_> = b.attachments().collect();
        assert_eq!(sections(att.clone().into_iter()), ["2"]);
        let fwd = &att[0];
        assert_eq!(fwd.mime_type(), "message/rfc822");
        assert_eq!(fwd.disposition(), Some("inline"), "inline, still listed");
        assert_eq!(fwd.filename().as_deref(), Some("Fwd: Plans.eml"));
        let env = fwd.structure().envelope().unwrap();
        assert_eq!(env.subject().as_deref(), Some("Pläne"));
        // Its own parts, numbered in the outer message.
        assert_eq!(sections(fwd.message_leaves()), ["2.1.1", "2.1.2", "2.2"]);
        let inner: Vec<_> = fwd.message_leaves().collect();
        assert_eq!(inner[2].filename().as_deref(), Some("cat.jpg"));
        assert_eq!(
            b.part(inner[2].section()).map(BodyStructure::mime_type),
            Some("image/jpeg".to_string())
        );
        // The reader's body is the outer text; the forwarded HTML is not the message's HTML.
        assert_eq!(section(b.text_body()).as_deref(), Some("1"));
        assert_eq!(section(b.html_body()), None);
    }

    #[test]
    fn single_part_messages() {
        let b = body("* 5 FETCH (BODYSTRUCTURE (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 27 1 NIL NIL NIL NIL))\n");
        let leaves: Vec<_> = b.leaves().collect();
        assert_eq!(leaves.len(), 1);
        assert_eq!(leaves[0].section(), [1]);
        assert_eq!(leaves[0].section_string(), "1");
        assert_eq!(leaves[0].structure(), &b);
        assert_eq!(section(b.text_body()).as_deref(), Some("1"));
        assert_eq!(b.html_body(), None);
        assert_eq!(b.attachments().count(), 0);

        // A message that is only a PDF.
        let b = body("* 5 FETCH (BODYSTRUCTURE (\"application\" \"pdf\" NIL NIL NIL \"base64\" 100 NIL (\"attachment\" (\"filename\" \"x.pdf\")) NIL NIL))\n");
        assert_eq!(sections(b.attachments()), ["1"]);
        assert_eq!(b.text_body(), None);
        // An HTML-only message.
        let b = body("* 5 FETCH (BODYSTRUCTURE (\"text\" \"html\" NIL NIL NIL \"7bit\" 10 1))\n");
        assert_eq!(section(b.html_body()).as_deref(), Some("1"));
        assert_eq!(b.text_body(), None);
    }

    #[test]
    fn inline_image_with_a_file_name_is_an_attachment() {
        // Apple Mail: text, an image shown inline between, more text.
        let b = body(concat!(
            r#"* 6 FETCH (BODYSTRUCTURE (("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 10 1 NIL NIL NIL NIL)"#,
            r#"("image" "jpeg" ("name" "IMG_0001.jpg" "x-unix-mode" "0644") "<6A@x>" NIL "base64" 90000 NIL ("inline" ("filename" "IMG_0001.jpg")) NIL NIL)"#,
            r#"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 5 1 NIL NIL NIL NIL) "mixed" ("boundary" "m") NIL NIL NIL))"#,
            "\n"
        ));
        let att: Vec<_> = b.attachments().collect();
        assert_eq!(sections(att.clone().into_iter()), ["2"]);
        assert_eq!(att[0].disposition(), Some("inline"));
        assert_eq!(att[0].filename().as_deref(), Some("IMG_0001.jpg"));
        assert_eq!(section(b.text_body()).as_deref(), Some("1"));
        assert_eq!(sections(b.leaves()), ["1", "2", "3"]);
    }

    #[test]
    fn the_attachment_rule() {
        let is_att =
            |part: &str| body(&format!("* 1 FETCH (BODYSTRUCTURE {part})\n")).is_attachment();
        // Unnamed non-text parts nothing refers to (old MIME, Gmail's parallel parts).
        assert!(is_att(r#"("image" "gif" NIL NIL NIL "base64" 10)"#));
        assert!(is_att(
            r#"("application" "octet-stream" NIL NIL NIL "base64" 10 NIL ("inline" NIL) NIL NIL)"#
        ));
        // Referred to by Content-ID or Content-Location: a resource of the HTML.
        assert!(!is_att(r#"("image" "gif" NIL "<a@b>" NIL "base64" 10)"#));
        assert!(!is_att(
            r#"("image" "gif" NIL NIL NIL "base64" 10 NIL NIL NIL "http://x/a.gif")"#
        ));
        // ... unless it is an attachment by disposition or by name.
        assert!(is_att(
            r#"("image" "gif" NIL "<a@b>" NIL "base64" 10 NIL ("attachment" NIL) NIL NIL)"#
        ));
        assert!(is_att(
            r#"("image" "png" ("name" "image001.png") "<image001.png@01D>" NIL "base64" 10 NIL ("inline" ("filename" "image001.png")) NIL NIL)"#
        ));
        // Text without a name is content; with a name, or as `attachment`, it is not.
        assert!(!is_att(r#"("text" "plain" NIL NIL NIL "7bit" 1 1)"#));
        assert!(!is_att(
            r#"("text" "calendar" ("method" "REQUEST") NIL NIL "7bit" 1 1 NIL ("inline" NIL) NIL NIL)"#
        ));
        assert!(is_att(
            r#"("text" "plain" ("name" "notes.txt") NIL NIL "7bit" 1 1)"#
        ));
        assert!(is_att(
            r#"("text" "plain" NIL NIL NIL "7bit" 1 1 NIL ("attachment" NIL) NIL NIL)"#
        ));
        // An unknown disposition type is treated as `attachment` (RFC 2183 section 2.8);
        // an empty one as none.
        assert!(is_att(
            r#"("text" "plain" NIL NIL NIL "7bit" 1 1 NIL ("x-unknown" NIL) NIL NIL)"#
        ));
        assert!(!is_att(
            r#"("text" "plain" NIL NIL NIL "7bit" 1 1 NIL ("" NIL) NIL NIL)"#
        ));
        // An empty file name is no name.
        assert!(!is_att(
            r#"("text" "plain" NIL NIL NIL "7bit" 1 1 NIL ("inline" ("filename" "")) NIL NIL)"#
        ));
        // A multipart never is; its parts may be.
        assert!(!is_att(
            r#"(("image" "gif" NIL NIL NIL "base64" 10) "mixed" NIL ("attachment" NIL) NIL NIL)"#
        ));
    }

    #[test]
    fn last_alternative_is_preferred() {
        // Two plain alternatives: the later one is the more faithful (RFC 2046 5.1.4).
        let b = body(concat!(
            r#"* 7 FETCH (BODYSTRUCTURE (("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 10 1)"#,
            r#"("text" "plain" ("charset" "utf-8" "format" "flowed") NIL NIL "8bit" 10 1)"#,
            r#"("text" "enriched" NIL NIL NIL "7bit" 10 1) "alternative"))"#,
            "\n"
        ));
        let text = b.text_body().unwrap();
        assert_eq!(text.section(), [2]);
        assert_eq!(text.charset(), Some("utf-8"));
        assert_eq!(b.html_body(), None);
        // An alternative that is itself mixed (text, then an attachment) is searched in order.
        let b = body(concat!(
            r#"* 7 FETCH (BODYSTRUCTURE (("text" "html" NIL NIL NIL "7bit" 10 1)"#,
            r#"(("text" "plain" NIL NIL NIL "7bit" 10 1)("application" "zip" ("name" "a.zip") NIL NIL "base64" 10) "mixed") "alternative"))"#,
            "\n"
        ));
        assert_eq!(section(b.text_body()).as_deref(), Some("2.1"));
        assert_eq!(section(b.html_body()).as_deref(), Some("1"));
        assert_eq!(sections(b.attachments()), ["2.2"]);
    }

    #[test]
    fn signed_and_attachment_only_texts() {
        // multipart/signed around a mixed; the signature is an unnamed non-text part.
        let b = body(concat!(
            r#"* 8 FETCH (BODYSTRUCTURE ((("text" "plain" NIL NIL NIL "7bit" 10 1) "mixed")"#,
            r#"("application" "pgp-signature" ("name" "signature.asc") NIL "OpenPGP digital signature" "7bit" 200 NIL ("attachment" ("filename" "signature.asc")) NIL NIL)"#,
            r#" "signed" ("protocol" "application/pgp-signature" "micalg" "pgp-sha256") NIL NIL NIL))"#,
            "\n"
        ));
        assert_eq!(section(b.text_body()).as_deref(), Some("1.1"));
        assert_eq!(sections(b.attachments()), ["2"]);
        // A text/plain attachment is never the body.
        let b = body(concat!(
            r#"* 8 FETCH (BODYSTRUCTURE (("text" "plain" NIL NIL NIL "7bit" 10 1 NIL ("attachment" ("filename" "log.txt")) NIL NIL)"#,
            r#"("text" "html" NIL NIL NIL "7bit" 10 1) "mixed"))"#,
            "\n"
        ));
        assert_eq!(section(b.text_body()), None);
        assert_eq!(section(b.html_body()).as_deref(), Some("2"));
    }

    #[test]
    fn attachment_names_are_safe_to_print() {
        // A name that would clear the screen and one that reads backwards (RFC 2231
        // continuations, the override in the second).
        let b = body(concat!(
            r#"* 9 FETCH (BODYSTRUCTURE (("text" "plain" NIL NIL NIL "7bit" 1 1)"#,
            r#"("image" "png" ("name" "=?UTF-8?Q?=1B[2J=1B[H.png?=") NIL NIL "base64" 10)"#,
            r#"("application" "zip" NIL NIL NIL "base64" 10 NIL ("attachment" ("filename*0*" "utf-8''invoice%E2%80%AE" "filename*1" "piz.exe")) NIL NIL)"#,
            r#" "mixed"))"#,
            "\n"
        ));
        let names: Vec<_> = b.attachments().map(|p| p.filename()).collect();
        assert_eq!(
            names,
            [
                Some("\u{fffd}[2J\u{fffd}[H.png".to_string()),
                Some("invoice\u{fffd}piz.exe".to_string())
            ]
        );
        let zip = b.attachments().nth(1).unwrap();
        let disposition = zip.structure().disposition().unwrap();
        assert_eq!(
            disposition.param_bytes("filename*0*"),
            Some(&b"utf-8''invoice%E2%80%AE"[..])
        );
    }

    #[test]
    fn deepest_structure() {
        // The deepest structure the parser accepts: 99 multiparts around one leaf.
        let depth = MAX_BODY_DEPTH as usize - 1;
        let wire = format!(
            "* 1 FETCH (BODYSTRUCTURE {}(\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1){})\n",
            "(".repeat(depth),
            " \"mixed\")".repeat(depth)
        );
        let b = body(&wire);
        let leaves: Vec<_> = b.leaves().collect();
        assert_eq!(leaves.len(), 1);
        assert_eq!(leaves[0].section(), vec![1; depth].as_slice());
        assert_eq!(b.text_body().map(|p| p.section().len()), Some(depth));
        assert_eq!(b.attachments().count(), 0);
    }

    #[test]
    fn wide_structure_is_linear() {
        // Many sibling parts: each is visited once.
        let n = 5000;
        let wire = format!(
            "* 1 FETCH (BODYSTRUCTURE ({}(\"text\" \"html\" NIL NIL NIL \"7bit\" 1 1) \"alternative\"))\n",
            "(\"image\" \"gif\" NIL NIL NIL \"base64\" 1)".repeat(n)
        );
        let b = body(&wire);
        assert_eq!(b.leaves().count(), n + 1);
        assert_eq!(b.attachments().count(), n);
        assert_eq!(b.text_body(), None);
        assert_eq!(section(b.html_body()), Some((n + 1).to_string()));
    }

    /// A message with text, a forwarded message (text + HTML alternative and a photo, and
    /// inside it another forwarded message with one single part), and a PDF.
    const NESTED: &str = concat!(
        r#"* 10 FETCH (BODYSTRUCTURE (("text" "plain" ("charset" "utf-8") NIL NIL "8bit" 40 3 NIL NIL NIL NIL)"#,
        r#"("message" "rfc822" NIL NIL NIL "7bit" 900"#,
        r#" ("Mon, 1 Jan 2024 10:00:00 +0000" "outer" NIL NIL NIL NIL NIL NIL NIL "<p@x.org>")"#,
        r#" ((("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 10 1 NIL NIL NIL NIL)("text" "html" ("charset" "utf-8") NIL NIL "7bit" 50 2 NIL NIL NIL NIL) "alternative" ("boundary" "i") NIL NIL NIL)"#,
        r#"("image" "jpeg" ("name" "cat.jpg") NIL NIL "base64" 800 NIL ("attachment" ("filename" "../cat.jpg")) NIL NIL)"#,
        r#"("message" "rfc822" NIL NIL NIL "7bit" 100"#,
        r#" ("Mon, 1 Jan 2024 09:00:00 +0000" "inner" NIL NIL NIL NIL NIL NIL NIL "<q@x.org>")"#,
        r#" ("application" "pdf" ("name" "deep.pdf") NIL NIL "base64" 10 NIL NIL NIL NIL) 5 NIL NIL NIL NIL)"#,
        r#" "mixed" ("boundary" "m") NIL NIL NIL)"#,
        r#" 20 NIL ("attachment" NIL) NIL NIL)"#,
        r#"("application" "pdf" NIL NIL NIL "base64" 50 NIL ("attachment" ("filename" "CON.pdf")) NIL NIL)"#,
        r#" "mixed" ("boundary" "o") NIL NIL NIL))"#,
        "\n"
    );

    #[test]
    fn all_leaves_go_into_attached_messages() {
        let b = body(NESTED);
        assert_eq!(sections(b.leaves()), ["1", "2", "3"]);
        assert_eq!(
            sections(b.all_leaves()),
            ["1", "2", "2.1.1", "2.1.2", "2.2", "2.3", "2.3.1", "3"]
        );
        let messages: Vec<_> = b
            .all_leaves()
            .filter(Part::is_attached_message)
            .map(|p| p.section_string())
            .collect();
        assert_eq!(messages, ["2", "2.3"]);
        // Every number is one `part` finds, with the same structure.
        for p in b.all_leaves() {
            assert_eq!(
                b.part(p.section()),
                Some(p.structure()),
                "{}",
                p.section_string()
            );
        }
        let pdfs: Vec<_> = b
            .all_leaves()
            .filter(|p| p.is_mime_type("application/pdf"))
            .map(|p| (p.section_string(), p.safe_filename()))
            .collect();
        assert_eq!(
            pdfs,
            [
                ("2.3.1".to_string(), "deep.pdf".to_string()),
                ("3".to_string(), "_CON.pdf".to_string())
            ]
        );
        // A message without attached messages: the same as `leaves`.
        let b = body(MIXED);
        assert_eq!(sections(b.all_leaves()), sections(b.leaves()));
        // A message that is only a single part.
        let b = body("* 5 FETCH (BODYSTRUCTURE (\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1))\n");
        assert_eq!(sections(b.all_leaves()), ["1"]);
    }

    #[test]
    fn attached_messages_and_file_names() {
        let b = body(NESTED);
        let parts: Vec<_> = b.all_leaves().collect();
        let names: Vec<_> = parts.iter().map(Part::safe_filename).collect();
        assert_eq!(
            names,
            [
                "attachment-1.txt",
                "attachment-2.eml",
                "attachment-2.1.1.txt",
                "attachment-2.1.2.html",
                "cat.jpg",
                "attachment-2.3.eml",
                "deep.pdf",
                "_CON.pdf"
            ]
        );
        assert!(parts[1].is_attached_message());
        assert!(!parts[0].is_attached_message());
        assert_eq!(parts[4].sanitized_filename().as_deref(), Some("cat.jpg"));
        assert_eq!(parts[4].fallback_filename(), "attachment-2.2.jpg");
        assert_eq!(parts[1].sanitized_filename(), None);
        assert_eq!(parts[1].default_extension(), "eml");
        // message/global is an attached message too, with or without a structure inside.
        let b = body("* 5 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1)(\"message\" \"global\" NIL NIL NIL \"8bit\" 10) \"mixed\"))\n");
        let g = b.leaves().nth(1).unwrap();
        assert!(g.is_attached_message());
        assert_eq!(g.safe_filename(), "attachment-2.eml");
        // Names that sanitise to nothing fall back; calendar invitations get `.ics`.
        let b = body(concat!(
            r#"* 6 FETCH (BODYSTRUCTURE (("text" "calendar" ("name" "../..") NIL NIL "7bit" 1 1)"#,
            r#"("application" "octet-stream" ("name" "=?UTF-8?Q?=E2=80=AE?=") NIL NIL "base64" 1) "mixed"))"#,
            "\n"
        ));
        let names: Vec<_> = b.leaves().map(|p| p.safe_filename()).collect();
        assert_eq!(names[0], "attachment-1.ics");
        // A lone override shows as U+FFFD in `filename`, which becomes `_`: still a name.
        assert_eq!(names[1], "_");
    }
}
