//! Decoding what mail encodes: RFC 2047 encoded words in header text, RFC 2231 parameter
//! values (charset, language, continuations), charsets, and the base64 / quoted-printable
//! transfer encodings of part bodies.
//!
//! Nothing here fails: text that cannot be decoded is kept as it came, and bytes in a
//! charset that is unknown (or not compiled in, without the `charsets` feature) are shown as
//! UTF-8 with U+FFFD for what is not UTF-8, so the loss is visible.

use base64::Engine as _;

/// Bytes in `charset` (a MIME charset name or alias, any case) to text. An unknown charset
/// is read as UTF-8, invalid sequences becoming U+FFFD. Returns whether the charset was
/// known.
pub(crate) fn decode_charset(charset: &str, bytes: &[u8]) -> (String, bool) {
    let label = charset.trim();
    // RFC 2231 / RFC 2184 allow a language after a `*` in an encoded word's charset.
    let label = label.split('*').next().unwrap_or(label);
    if label.eq_ignore_ascii_case("utf-8")
        || label.eq_ignore_ascii_case("utf8")
        || label.eq_ignore_ascii_case("us-ascii")
        || label.eq_ignore_ascii_case("ascii")
    {
        return (String::from_utf8_lossy(bytes).into_owned(), true);
    }
    decode_other(label, bytes)
}

/// [`decode_charset`] that gives nothing rather than U+FFFD: `None` when a byte sequence is
/// not valid in `charset` or the charset is not known.
pub(crate) fn decode_charset_exact(charset: &str, bytes: &[u8]) -> Option<String> {
    let label = charset.trim();
    let label = label.split('*').next().unwrap_or(label);
    if label.eq_ignore_ascii_case("utf-8") || label.eq_ignore_ascii_case("utf8") {
        return String::from_utf8(bytes.to_vec()).ok();
    }
    if label.eq_ignore_ascii_case("us-ascii") || label.eq_ignore_ascii_case("ascii") {
        return bytes
            .is_ascii()
            .then(|| String::from_utf8_lossy(bytes).into_owned());
    }
    exact_other(label, bytes)
}

#[cfg(feature = "charsets")]
fn exact_other(label: &str, bytes: &[u8]) -> Option<String> {
    let lower = label.to_ascii_lowercase();
    let label = charset_alias(&lower).unwrap_or(&lower);
    let enc = encoding_rs::Encoding::for_label(label.as_bytes())
        .filter(|&e| e != encoding_rs::REPLACEMENT)?;
    enc.decode_without_bom_handling_and_without_replacement(bytes)
        .map(std::borrow::Cow::into_owned)
}

#[cfg(not(feature = "charsets"))]
fn exact_other(label: &str, bytes: &[u8]) -> Option<String> {
    match decode_other(label, bytes) {
        (text, true) => Some(text),
        _ => None,
    }
}

/// Aliases mail uses that the WHATWG label list (which encoding_rs follows) lacks.
#[cfg(feature = "charsets")]
fn charset_alias(lower: &str) -> Option<&'static str> {
    Some(match lower {
        "cp1252" | "cp-1252" => "windows-1252",
        "cp1251" | "cp-1251" => "windows-1251",
        "cp1250" | "cp-1250" => "windows-1250",
        "cp936" | "ms936" => "gbk",
        "cp932" | "ms932" | "shift-jis" | "sjis" => "shift_jis",
        "cp949" | "ms949" | "ks_c_5601" => "euc-kr",
        "x-gbk" => "gbk",
        "latin-1" => "iso-8859-1",
        _ => return None,
    })
}

#[cfg(feature = "charsets")]
fn decode_other(label: &str, bytes: &[u8]) -> (String, bool) {
    let lower = label.to_ascii_lowercase();
    let label = charset_alias(&lower).unwrap_or(&lower);
    match encoding_rs::Encoding::for_label(label.as_bytes()) {
        // The replacement "encoding" (ISO-2022-KR, HZ...) would turn everything into
        // U+FFFD; UTF-8 lossy shows the ASCII at least.
        Some(enc) if enc != encoding_rs::REPLACEMENT => {
            let (text, _) = enc.decode_without_bom_handling(bytes);
            (text.into_owned(), true)
        }
        _ => (String::from_utf8_lossy(bytes).into_owned(), false),
    }
}

#[cfg(not(feature = "charsets"))]
fn decode_other(label: &str, bytes: &[u8]) -> (String, bool) {
    let lower = label.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "iso-8859-1" | "iso8859-1" | "latin1" | "latin-1" | "l1" | "iso_8859-1"
    ) {
        return (bytes.iter().map(|&b| char::from(b)).collect(), true);
    }
    (String::from_utf8_lossy(bytes).into_owned(), false)
}

/// Header text with RFC 2047 encoded words (`=?UTF-8?B?...?=`, `=?ISO-8859-1?Q?...?=`)
/// decoded, made safe to show by [`display_text`] (folds become a space, control characters
/// U+FFFD). Whitespace between two encoded words is dropped (RFC 2047 section 6.2);
/// consecutive words in the same charset are decoded together, so a character split across
/// them survives. Malformed encoded words stay as written. Bytes outside encoded words are
/// read as UTF-8 (invalid ones as U+FFFD).
///
/// Linear in the input whatever it holds: see [`Scan`].
pub(crate) fn decode_words(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len());
    // Bytes of consecutive encoded words in one charset, not decoded yet.
    let mut pending: Option<(String, Vec<u8>)> = None;
    // Whitespace seen after an encoded word, emitted only if plain text follows.
    let mut gap_start: Option<usize> = None;
    let mut scan = Scan::new(raw);
    let mut i = 0;
    let mut plain_start = 0;
    // Each step either consumes an encoded word whole or moves one byte on; finding where a
    // candidate word ends is O(1) amortized (the `Scan` cursors only move forward).
    while i < raw.len() {
        if raw[i] == b'=' && raw.get(i + 1) == Some(&b'?') {
            if let Some((charset, bytes, end)) = scan.encoded_word(i) {
                // Text before it: plain, or only whitespace between two encoded words.
                let between = &raw[plain_start..i];
                let only_space =
                    gap_start.is_some() && between.iter().all(|b| b" \t\r\n".contains(b));
                if !only_space {
                    flush(&mut out, &mut pending);
                    out.push_str(&String::from_utf8_lossy(between));
                }
                match &mut pending {
                    Some((cs, buf)) if cs.eq_ignore_ascii_case(&charset) => {
                        buf.extend_from_slice(&bytes);
                    }
                    _ => {
                        flush(&mut out, &mut pending);
                        pending = Some((charset, bytes));
                    }
                }
                i = end;
                plain_start = end;
                gap_start = Some(end);
                continue;
            }
        }
        if gap_start.is_some() && !b" \t\r\n".contains(&raw[i]) {
            gap_start = None;
        }
        i += 1;
    }
    let tail = &raw[plain_start..];
    flush(&mut out, &mut pending);
    out.push_str(&String::from_utf8_lossy(tail));
    display_text(&out)
}

/// Text decoded from mail, made safe to print: a header fold (CRLF, or a bare LF, followed by
/// a space or tab) becomes one space, as RFC 5322 section 2.2.3 unfolds it; every C0 control
/// but TAB (ESC, BEL, NUL, a CR or LF that is not a fold...), DEL, the C1 controls
/// (U+0080-U+009F) and the bidirectional embeddings, overrides and isolates (U+202A-U+202E,
/// U+2066-U+2069) become U+FFFD. A sender could otherwise retitle or clear the terminal of
/// whoever prints a subject, or make a file name read backwards (`exe.txt` shown for
/// `txt.exe`). The one rule for every decoded header value this crate hands out.
pub(crate) fn display_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let fold = match rest.as_bytes() {
            [b'\r', b'\n', b' ' | b'\t', ..] => 3,
            [b'\n', b' ' | b'\t', ..] => 2,
            _ => 0,
        };
        if fold > 0 {
            out.push(' ');
            rest = &rest[fold..];
            continue;
        }
        out.push(if is_unsafe_to_show(c) { '\u{fffd}' } else { c });
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Is `c` one of the characters [`display_text`] replaces?
fn is_unsafe_to_show(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}'
        | '\u{a}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}')
}

fn flush(out: &mut String, pending: &mut Option<(String, Vec<u8>)>) {
    if let Some((charset, bytes)) = pending.take() {
        out.push_str(&decode_charset(&charset, &bytes).0);
    }
}

/// Finds encoded words in one header value in linear time.
///
/// An encoded word is `=?charset?enc?text?=`: the charset runs to the next `?`, the text to
/// the next `?=`, neither holds whitespace. Searching for those afresh at every `=?` costs
/// O(n) per candidate, O(n²) for a header full of `=?` that never closes (a 256 KiB subject
/// took seconds). RFC 2047 caps a word at 75 bytes, but real mail has longer ones, so rather
/// than a cap each search keeps a cursor: the candidates are tried in increasing order, so
/// the position each search starts from only grows, and a cursor that has already passed it
/// still holds the answer (nothing before the cursor matched). Every cursor crosses the input
/// at most once, whatever the input.
struct Scan<'a> {
    raw: &'a [u8],
    /// The next `?`.
    question: usize,
    /// The next `?=`.
    close: usize,
    /// The next byte that cannot be in a charset name (not ASCII graphic).
    not_graphic: usize,
    /// The next space, tab, CR or LF.
    space: usize,
}

impl<'a> Scan<'a> {
    fn new(raw: &'a [u8]) -> Self {
        Scan {
            raw,
            question: 0,
            close: 0,
            not_graphic: 0,
            space: 0,
        }
    }

    /// The first position at or after `from` where `hit` holds (`raw.len()` if none), moving
    /// `cursor` there. `from` must not be below the `from` of the previous call with the same
    /// cursor.
    fn seek(raw: &[u8], cursor: &mut usize, from: usize, hit: impl Fn(usize) -> bool) -> usize {
        *cursor = (*cursor).max(from);
        while *cursor < raw.len() && !hit(*cursor) {
            *cursor += 1;
        }
        *cursor
    }

    /// The encoded word starting at `at` (`=?charset?enc?text?=`): its charset, decoded
    /// bytes, and where it ends. `None` if it is not a well-formed encoded word. `at` must
    /// grow from call to call.
    fn encoded_word(&mut self, at: usize) -> Option<(String, Vec<u8>, usize)> {
        let raw = self.raw;
        let charset_start = at + 2;
        let q = Self::seek(raw, &mut self.question, charset_start, |p| raw[p] == b'?');
        let enc = *raw.get(q + 1)?;
        if raw.get(q + 2) != Some(&b'?') {
            return None;
        }
        let text_start = q + 3;
        if text_start >= raw.len() {
            return None;
        }
        let close = Self::seek(raw, &mut self.close, text_start, |p| {
            raw[p] == b'?' && raw.get(p + 1) == Some(&b'=')
        });
        if close >= raw.len() {
            return None;
        }
        let odd = Self::seek(raw, &mut self.not_graphic, charset_start, |p| {
            !raw[p].is_ascii_graphic()
        });
        let space = Self::seek(raw, &mut self.space, text_start, |p| {
            matches!(raw[p], b' ' | b'\t' | b'\r' | b'\n')
        });
        if q == charset_start || odd < q || space < close {
            return None;
        }
        let text = &raw[text_start..close];
        let bytes = match enc {
            b'B' | b'b' => base64_lenient(text),
            b'Q' | b'q' => quoted_printable(text, true),
            _ => return None,
        };
        let charset = String::from_utf8_lossy(&raw[charset_start..q]).into_owned();
        Some((charset, bytes, close + 2))
    }
}

/// Base64 as mail writes it: line breaks and any other byte outside the alphabet skipped,
/// padding optional and the end of the data; a last incomplete group (one stray character)
/// dropped.
pub(crate) fn base64_lenient(text: &[u8]) -> Vec<u8> {
    // Padding ends the data: what follows it is not part of it.
    let end = text.iter().position(|&b| b == b'=').unwrap_or(text.len());
    let clean: Vec<u8> = text[..end]
        .iter()
        .copied()
        .filter(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
        .collect();
    let usable = match clean.len() % 4 {
        1 => clean.len() - 1,
        _ => clean.len(),
    };
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone)
            .with_decode_allow_trailing_bits(true),
    );
    engine.decode(&clean[..usable]).unwrap_or_default()
}

/// A content transfer decoder over pieces: base64 or quoted-printable bytes go in as they
/// arrive, the decoded bytes out, with the same result as [`base64_lenient`] /
/// [`quoted_printable`] over the whole; memory is one piece plus a few bytes carried over.
#[derive(Debug)]
pub(crate) enum PieceDecoder {
    /// Lenient base64: alphabet characters up to the first `=`; a last lone character is
    /// dropped. `clean` holds fewer than 4 characters between pieces.
    Base64 { clean: Vec<u8>, ended: bool },
    /// Quoted-printable: `carry` is an `=` near the end of a piece whose meaning the next
    /// bytes decide.
    QuotedPrintable { carry: Vec<u8> },
    /// Anything else passes through.
    Identity,
}

/// An `=` escape with this much white space after it before a line end is read whole; more
/// is taken as text (an `=` kept as written), so the carry stays small.
const QP_MAX_CARRY: usize = 1024;

impl PieceDecoder {
    /// The decoder for a transfer encoding name (`base64`, `quoted-printable`, anything
    /// else: as is).
    pub(crate) fn new(encoding: &str) -> Self {
        if encoding.eq_ignore_ascii_case("base64") {
            PieceDecoder::Base64 {
                clean: Vec::new(),
                ended: false,
            }
        } else if encoding.eq_ignore_ascii_case("quoted-printable") {
            PieceDecoder::QuotedPrintable { carry: Vec::new() }
        } else {
            PieceDecoder::Identity
        }
    }

    /// Decodes `input`, writing what is decided to `out`.
    pub(crate) fn write(
        &mut self,
        input: &[u8],
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        match self {
            PieceDecoder::Identity => out.write_all(input),
            PieceDecoder::Base64 { clean, ended } => {
                if *ended {
                    return Ok(());
                }
                let end = match input.iter().position(|&b| b == b'=') {
                    Some(p) => {
                        *ended = true;
                        p
                    }
                    None => input.len(),
                };
                clean.extend(
                    input[..end]
                        .iter()
                        .copied()
                        .filter(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/'),
                );
                let whole = if *ended {
                    clean.len()
                } else {
                    clean.len() / 4 * 4
                };
                if whole > 0 {
                    let mut rest = clean.split_off(whole);
                    std::mem::swap(clean, &mut rest);
                    // `rest` now holds the characters to decode.
                    out.write_all(&base64_lenient(&rest))?;
                }
                Ok(())
            }
            PieceDecoder::QuotedPrintable { carry } => {
                let mut data = std::mem::take(carry);
                data.extend_from_slice(input);
                let cut = qp_undecided_tail(&data);
                out.write_all(&quoted_printable(&data[..cut], false))?;
                carry.extend_from_slice(&data[cut..]);
                Ok(())
            }
        }
    }

    /// The end of the input: decodes what was carried.
    pub(crate) fn finish(&mut self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        match self {
            PieceDecoder::Identity => Ok(()),
            PieceDecoder::Base64 { clean, .. } => {
                let rest = std::mem::take(clean);
                out.write_all(&base64_lenient(&rest))
            }
            PieceDecoder::QuotedPrintable { carry } => {
                let rest = std::mem::take(carry);
                out.write_all(&quoted_printable(&rest, false))
            }
        }
    }
}

/// Where the part of `data` whose quoted-printable meaning is settled ends: before a last
/// `=` that is followed only by what could still turn into an escape or a soft line break
/// (nothing, one hex digit, white space, a CR), unless that run is over [`QP_MAX_CARRY`].
fn qp_undecided_tail(data: &[u8]) -> usize {
    let Some(e) = data.iter().rposition(|&b| b == b'=') else {
        return data.len();
    };
    let after = &data[e + 1..];
    if after.len() > QP_MAX_CARRY {
        return data.len();
    }
    let hex = |b: &u8| b.is_ascii_hexdigit();
    let open = match after {
        [] => true,
        [a] => hex(a) || matches!(a, b' ' | b'\t' | b'\r'),
        _ => {
            let ws = after
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\t'))
                .count();
            ws > 0 && matches!(&after[ws..], [] | [b'\r'])
        }
    };
    let mut cut = if open { e } else { data.len() };
    // What is decoded now must not end in `=` (with or without white space after it)
    // either: at the end of its input the decoder takes that for a soft line break, which
    // the next bytes may deny. Each turn moves the cut back past one `=`: linear.
    loop {
        let head = &data[..cut];
        let ws = head
            .iter()
            .rev()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count();
        if head[..head.len() - ws].ends_with(b"=")
            && data.len() - (head.len() - ws - 1) <= QP_MAX_CARRY
        {
            cut = head.len() - ws - 1;
        } else {
            // Past the bound (a long run of `=` and blanks) the bytes are decoded as they
            // are: memory stays bounded whatever the input.
            return cut;
        }
    }
}

/// Quoted-printable (RFC 2045 section 6.7); in an encoded word (`in_word`), `_` is a space
/// (RFC 2047 section 4.2). Soft line breaks are removed; an `=` not followed by two hex
/// digits is kept as written.
pub(crate) fn quoted_printable(text: &[u8], in_word: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    let hex = |b: u8| char::from(b).to_digit(16).map(|d| d as u8);
    // Linear: each step consumes one to three bytes.
    while i < text.len() {
        match text[i] {
            b'=' => match (text.get(i + 1), text.get(i + 2)) {
                (Some(b'\r'), Some(b'\n')) => i += 3,
                (Some(b'\n'), _) => i += 2,
                (Some(&a), Some(&b)) if hex(a).is_some() && hex(b).is_some() => {
                    out.push(hex(a).unwrap_or(0) << 4 | hex(b).unwrap_or(0));
                    i += 3;
                }
                _ => {
                    // Trailing whitespace before a soft break (`=  \r\n`) is a soft break too.
                    let ws = text[i + 1..]
                        .iter()
                        .take_while(|b| **b == b' ' || **b == b'\t')
                        .count();
                    match text.get(i + 1 + ws) {
                        Some(b'\r') if text.get(i + 2 + ws) == Some(&b'\n') => i += 3 + ws,
                        Some(b'\n') => i += 2 + ws,
                        None if ws > 0 || i + 1 == text.len() => i = text.len(),
                        _ => {
                            out.push(b'=');
                            i += 1;
                        }
                    }
                }
            },
            b'_' if in_word => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// A parameter value by RFC 2231: `name*=charset'lang'%XX...`, or split over `name*0`,
/// `name*1*`... (each part extended or not), or plain `name`. The extended forms win over
/// the plain one. A plain value holding RFC 2047 encoded words (common, though RFC 2047
/// forbids it there) is decoded too. The result is made safe to show ([`display_text`]).
/// `params` are `(name, raw value)` pairs in the order sent; names compare without regard to
/// case.
pub(crate) fn param_value<'p>(
    params: impl Iterator<Item = (&'p str, &'p [u8])> + Clone,
    name: &str,
) -> Option<String> {
    // Continuations: (index, extended?, raw value). Bounded by the parameter list's length.
    let mut parts: Vec<(u32, bool, &[u8])> = Vec::new();
    let mut whole_extended: Option<&[u8]> = None;
    let mut plain: Option<&[u8]> = None;
    for (n, v) in params {
        let Some(rest) = strip_prefix_ignore_case(n, name) else {
            continue;
        };
        match rest {
            "" => plain = plain.or(Some(v)),
            "*" => whole_extended = whole_extended.or(Some(v)),
            _ => {
                let Some(rest) = rest.strip_prefix('*') else {
                    continue;
                };
                let (index, extended) = match rest.strip_suffix('*') {
                    Some(i) => (i, true),
                    None => (rest, false),
                };
                if let Ok(i) = index.parse::<u32>() {
                    if index.len() == 1 || !index.starts_with('0') {
                        parts.push((i, extended, v));
                    }
                }
            }
        }
    }
    if let Some(v) = whole_extended {
        return Some(extended_value(v, &[]));
    }
    if !parts.is_empty() {
        parts.sort_by_key(|p| p.0);
        parts.dedup_by_key(|p| p.0);
        // Only the run from 0 without gaps counts (RFC 2231 section 3).
        let run = parts
            .iter()
            .enumerate()
            .take_while(|(i, p)| p.0 as usize == *i)
            .count();
        if run > 0 {
            let parts = &parts[..run];
            if parts[0].1 {
                let rest: Vec<(bool, &[u8])> =
                    parts[1..].iter().map(|&(_, ext, v)| (ext, v)).collect();
                return Some(extended_value(parts[0].2, &rest));
            }
            let mut joined = Vec::new();
            for &(_, ext, v) in parts {
                if ext {
                    joined.extend(percent_decode(v));
                } else {
                    joined.extend_from_slice(v);
                }
            }
            return Some(decode_words(&joined));
        }
    }
    plain.map(decode_words)
}

/// `charset'language'percent-encoded` followed by more parts (extended ones percent-encoded,
/// the others as they are), decoded in that charset and made safe to show ([`display_text`]).
fn extended_value(first: &[u8], rest: &[(bool, &[u8])]) -> String {
    let mut fields = first.splitn(3, |&b| b == b'\'');
    let (charset, value) = match (fields.next(), fields.next(), fields.next()) {
        (Some(cs), Some(_lang), Some(v)) => (String::from_utf8_lossy(cs).into_owned(), v),
        // No charset and language: the whole value is percent-encoded text.
        _ => (String::new(), first),
    };
    let mut bytes = percent_decode(value);
    for &(extended, v) in rest {
        if extended {
            bytes.extend(percent_decode(v));
        } else {
            bytes.extend_from_slice(v);
        }
    }
    let text = if charset.is_empty() {
        String::from_utf8_lossy(&bytes).into_owned()
    } else {
        decode_charset(&charset, &bytes).0
    };
    display_text(&text)
}

/// `%XX` decoded; a `%` not followed by two hex digits is kept.
fn percent_decode(v: &[u8]) -> Vec<u8> {
    percent_decode_checked(v, false).unwrap_or_default()
}

/// `%XX` decoded. A `%` not followed by two hex digits is kept, or with `strict` makes the
/// whole value invalid (`None`).
pub(crate) fn percent_decode_checked(v: &[u8], strict: bool) -> Option<Vec<u8>> {
    let hex = |b: u8| char::from(b).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        if v[i] == b'%' {
            if let (Some(a), Some(b)) = (
                v.get(i + 1).copied().and_then(hex),
                v.get(i + 2).copied().and_then(hex),
            ) {
                out.push(a << 4 | b);
                i += 3;
                continue;
            }
            if strict {
                return None;
            }
        }
        out.push(v[i]);
        i += 1;
    }
    Some(out)
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// The Message-ID of a raw message (RFC 5322 section 3.6.4), `<...>` included, read from
/// its header section only (up to the first empty line), folded lines joined; `None` when it
/// has none. Linear in the header's length.
pub(crate) fn message_id(raw: &[u8]) -> Option<String> {
    let mut lines = raw.split(|&b| b == b'\n').peekable();
    while let Some(line) = lines.next() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return None;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        if !line[..colon]
            .trim_ascii_end()
            .eq_ignore_ascii_case(b"message-id")
        {
            continue;
        }
        let mut value = line[colon + 1..].to_vec();
        while let Some(next) = lines.peek() {
            if !next.first().is_some_and(|&b| b == b' ' || b == b'\t') {
                break;
            }
            let next = next.strip_suffix(b"\r").unwrap_or(next);
            value.push(b' ');
            value.extend_from_slice(next);
            lines.next();
        }
        let value = String::from_utf8_lossy(&value);
        let value = value.trim();
        // The `<id>` itself, without comments or spaces around it.
        let id = match (value.find('<'), value.find('>')) {
            (Some(a), Some(b)) if a < b => &value[a..=b],
            _ => value,
        };
        return (!id.is_empty() && !id.contains(['\r', '\n', '"', '\\'])).then(|| id.to_string());
    }
    None
}

/// Header text as it came from the server (a `BODY[HEADER.FIELDS (SUBJECT)]` fetch, say) with
/// its RFC 2047 encoded words decoded, ready to show.
///
/// The same decoding [`Envelope::subject`](crate::Envelope::subject) uses: encoded words in any
/// charset mail uses (`=?UTF-8?B?...?=`, `=?ISO-8859-1?Q?...?=`; without the `charsets`
/// feature only UTF-8, US-ASCII and ISO-8859-1, others read as UTF-8), the whitespace between
/// two encoded words dropped (RFC 2047 section 6.2), folds (CRLF and a space or tab) made one
/// space, and every control character but TAB, and the bidirectional embeddings, overrides
/// and isolates, shown as U+FFFD, so the result is safe to print. Malformed encoded words
/// stay as written; bytes outside encoded words are read as UTF-8 (invalid ones as U+FFFD).
/// Linear in the input; never fails.
///
/// Give it a field's value, without the field name: the text after `Subject:`. A header block
/// as fetched ends in CRLF; trim it first, or the line end shows as U+FFFD.
///
/// ```
/// use blocking_imap::decode_header_text;
/// assert_eq!(
///     decode_header_text(b"=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= =?ISO-8859-1?B?YXVzIEv2bG4=?="),
///     "Grüßeaus Köln"
/// );
/// assert_eq!(decode_header_text(b"Re: =?utf-8?q?caf=C3=A9?=\r\n and more"), "Re: café and more");
/// // A terminal escape a sender put in a subject is not passed on.
/// assert_eq!(decode_header_text(b"=?UTF-8?Q?=1B[2J?=hi"), "\u{fffd}[2Jhi");
/// ```
pub fn decode_header_text(raw: &[u8]) -> String {
    decode_words(raw)
}

/// The longest file name [`sanitize_filename`] returns, in bytes: what most file systems
/// allow (ext4, APFS, and NTFS in UTF-16 units, which is never fewer).
pub const MAX_FILENAME_BYTES: usize = 255;

/// An extension longer than this (in bytes) is not kept apart when a name is cut.
const MAX_EXTENSION_BYTES: usize = 16;

/// A file name made from `name` (as a sender wrote it: a part's decoded file name, a subject)
/// that is safe to create inside a directory on Unix, macOS and Windows; `None` when nothing
/// usable is left (an empty name, `.`, `..`, only separators, dots and spaces).
///
/// The rules, in order:
///
/// 1. Path components are joined with `_`: `a/b\c.txt` is `a_b_c.txt`; empty, `.` and `..`
///    components are dropped (`../../etc/passwd` is `etc_passwd`), each component trimmed of
///    whitespace. No `/`, `\` or `..` component is left.
/// 2. These characters become `_`: control characters (C0, DEL, C1) and U+FFFD (what
///    [`Part::filename`](crate::Part::filename) shows for a control character); every
///    Unicode format character (general category Cf: the zero-width and directional marks
///    U+200B-U+200F, the bidirectional embeddings and overrides U+202A-U+202E and isolates
///    U+2066-U+2069, U+2060-U+2064, U+FEFF, the soft hyphen U+00AD, the Arabic letter mark
///    U+061C, the tag characters...), which can hide text or make `gpj.exe` read as
///    `exe.jpg`; the line and paragraph separators U+2028 and U+2029; and `< > : " | ? *`,
///    which Windows refuses.
/// 3. Leading and trailing dots and whitespace are removed (no hidden files; Windows drops
///    a trailing dot or space itself).
/// 4. A Windows device name, in any case and with any extension, gets a `_` in front: `CON`,
///    `PRN`, `AUX`, `NUL`, `COM0`-`COM9`, `LPT0`-`LPT9`, `COM¹`, `COM²`, `COM³`, `LPT¹`,
///    `LPT²`, `LPT³`, `CONIN$` and `CONOUT$` (`con.txt` is `_con.txt`, `CON .txt` is
///    `_CON .txt`).
/// 5. At most [`MAX_FILENAME_BYTES`] bytes, cut at a character boundary; the extension (up
///    to 16 bytes after the last dot) is kept and the part before it shortened, without
///    trailing dots or spaces.
///
/// Everything else stays as written: spaces inside, accents, any script. The result is one
/// path component, never empty, never `.` or `..`.
///
/// ```
/// use blocking_imap::sanitize_filename;
/// assert_eq!(sanitize_filename("../../etc/passwd").as_deref(), Some("etc_passwd"));
/// assert_eq!(sanitize_filename("Re: Plans?.eml").as_deref(), Some("Re_ Plans_.eml"));
/// assert_eq!(sanitize_filename("photo\u{202E}gpj.exe").as_deref(), Some("photo_gpj.exe"));
/// assert_eq!(sanitize_filename("nul.tar.gz").as_deref(), Some("_nul.tar.gz"));
/// assert_eq!(sanitize_filename(".hidden").as_deref(), Some("hidden"));
/// assert_eq!(sanitize_filename("Quartalsbericht € Q3.pdf").as_deref(), Some("Quartalsbericht € Q3.pdf"));
/// assert_eq!(sanitize_filename(" / .. "), None);
/// ```
pub fn sanitize_filename(name: &str) -> Option<String> {
    let joined = name
        .split(['/', '\\'])
        .map(str::trim)
        .filter(|c| !c.is_empty() && *c != "." && *c != "..")
        .collect::<Vec<_>>()
        .join("_");
    let cleaned: String = joined
        .chars()
        .map(|c| if is_unsafe_in_filename(c) { '_' } else { c })
        .collect();
    let trimmed = cleaned
        .trim_start_matches(|c: char| c == '.' || c.is_whitespace())
        .trim_end_matches(|c: char| c == '.' || c.is_whitespace());
    if trimmed.is_empty() {
        return None;
    }
    let mut safe = trimmed.to_string();
    if is_windows_device_name(&safe) {
        safe.insert(0, '_');
    }
    Some(fit_filename(&safe, MAX_FILENAME_BYTES))
}

/// Characters [`sanitize_filename`] replaces with `_`.
fn is_unsafe_in_filename(c: char) -> bool {
    c.is_control()
        || matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*')
        || matches!(c, '\u{FFFD}' | '\u{2028}' | '\u{2029}')
        || is_format_char(c)
}

/// Unicode general category Cf (format characters), Unicode 15.1.
fn is_format_char(c: char) -> bool {
    matches!(c,
        '\u{00AD}'
        | '\u{0600}'..='\u{0605}'
        | '\u{061C}'
        | '\u{06DD}'
        | '\u{070F}'
        | '\u{0890}'..='\u{0891}'
        | '\u{08E2}'
        | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}'
        | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{110BD}'
        | '\u{110CD}'
        | '\u{13430}'..='\u{1343F}'
        | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0001}'
        | '\u{E0020}'..='\u{E007F}')
}

/// Does Windows take `name` for a device, whatever its extension? The part before the first
/// dot, without trailing spaces, compared without regard to (ASCII) case.
fn is_windows_device_name(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name).trim_end();
    let upper = stem.to_ascii_uppercase();
    if matches!(
        upper.as_str(),
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$"
    ) {
        return true;
    }
    let Some(rest) = upper
        .strip_prefix("COM")
        .or_else(|| upper.strip_prefix("LPT"))
    else {
        return false;
    };
    let mut chars = rest.chars();
    matches!(
        (chars.next(), chars.next()),
        (Some('0'..='9' | '¹' | '²' | '³'), None)
    )
}

/// `name` split into the part before its extension and the extension (`report.pdf` is
/// `("report", Some("pdf"))`); an empty, long or spaced extension, or a leading dot, is not
/// one.
fn split_extension(name: &str) -> (&str, Option<&str>) {
    match name.rfind('.') {
        Some(dot) if dot > 0 => {
            let ext = &name[dot + 1..];
            if !ext.is_empty()
                && ext.len() <= MAX_EXTENSION_BYTES
                && !ext.chars().any(char::is_whitespace)
            {
                (&name[..dot], Some(ext))
            } else {
                (name, None)
            }
        }
        _ => (name, None),
    }
}

/// `name` cut to at most `max` bytes at a character boundary, its extension kept, the part
/// before the extension shortened and then without trailing dots or whitespace.
fn fit_filename(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_string();
    }
    let (stem, ext) = split_extension(name);
    let ext_len = ext.map_or(0, |e| e.len() + 1);
    let mut end = max.saturating_sub(ext_len).min(stem.len());
    while !stem.is_char_boundary(end) {
        end -= 1;
    }
    let stem = stem[..end].trim_end_matches(|c: char| c == '.' || c.is_whitespace());
    match ext {
        Some(ext) => format!("{stem}.{ext}"),
        None => stem.to_string(),
    }
}

/// A file extension (without the dot) for a MIME type (`type/subtype`, any case): the usual
/// one for common types, `bin` for any other.
pub(crate) fn extension_for_mime_type(mime_type: &str) -> &'static str {
    match mime_type.to_ascii_lowercase().as_str() {
        "application/pdf" => "pdf",
        "application/zip" => "zip",
        "application/gzip" => "gz",
        "application/json" => "json",
        "application/xml" | "text/xml" => "xml",
        "application/msword" => "doc",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => "docx",
        "application/vnd.ms-excel" => "xls",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "xlsx",
        "application/vnd.ms-powerpoint" => "ppt",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation" => "pptx",
        "application/pgp-signature" => "asc",
        "application/pkcs7-signature" | "application/x-pkcs7-signature" => "p7s",
        "image/png" => "png",
        "image/jpeg" | "image/jpg" | "image/pjpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "image/svg+xml" => "svg",
        "image/tiff" => "tif",
        "image/heic" => "heic",
        "audio/mpeg" => "mp3",
        "audio/ogg" => "ogg",
        "video/mp4" => "mp4",
        "text/plain" => "txt",
        "text/html" => "html",
        "text/csv" => "csv",
        "text/calendar" => "ics",
        "text/vcard" | "text/x-vcard" => "vcf",
        "message/rfc822" | "message/global" => "eml",
        _ => "bin",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_words() {
        assert_eq!(decode_words(b"=?UTF-8?B?w6l0w6k=?="), "été");
        assert_eq!(
            decode_words(b"=?ISO-8859-1?Q?Andr=E9?= Pirard"),
            "André Pirard"
        );
        assert_eq!(decode_words(b"=?utf-8?q?a_b?=  =?utf-8?q?_c?="), "a b c");
        // RFC 2047 section 8 examples.
        assert_eq!(decode_words(b"(=?ISO-8859-1?Q?a?=)"), "(a)");
        assert_eq!(decode_words(b"(=?ISO-8859-1?Q?a?= b)"), "(a b)");
        assert_eq!(
            decode_words(b"(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)"),
            "(ab)"
        );
        assert_eq!(
            decode_words(b"(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)"),
            "(ab)"
        );
        assert_eq!(decode_words(b"(=?ISO-8859-1?Q?a_b?=)"), "(a b)");
        // A UTF-8 character split across two words survives.
        assert_eq!(decode_words(b"=?UTF-8?B?4oI=?= =?UTF-8?B?rA==?="), "€");
        // Malformed words stay; plain 8-bit text is read as UTF-8.
        assert_eq!(decode_words(b"=?UTF-8?X?abc?= x"), "=?UTF-8?X?abc?= x");
        assert_eq!(decode_words(b"=?UTF-8?B?abc"), "=?UTF-8?B?abc");
        assert_eq!(decode_words("plain ünï".as_bytes()), "plain ünï");
        assert_eq!(decode_words(b"a\r\n b"), "a b");
        assert_eq!(decode_words(b"a\r\n\tb\n  c"), "a b  c");
        // Longer than RFC 2047's 75 bytes, as some mailers write them: still decoded.
        let long = format!("=?UTF-8?Q?{}?=", "a".repeat(500));
        assert_eq!(decode_words(long.as_bytes()), "a".repeat(500));
        // Unclosed words among closed ones, and whitespace inside a would-be word.
        assert_eq!(
            decode_words(b"=?a?b?c =?UTF-8?Q?x?= =?UTF-8?Q?y z?= =?UTF-8?Q?w?="),
            "=?a?b?c x =?UTF-8?Q?y z?= w"
        );
        assert_eq!(decode_words(b"=?=?UTF-8?Q?x?="), "=?x");
        // An unknown charset falls back visibly.
        assert_eq!(decode_words(b"=?x-unknown?Q?caf=E9?="), "caf\u{fffd}");
        // A language after the charset (RFC 2231 section 5).
        assert_eq!(
            decode_words(b"=?US-ASCII*EN?Q?Keith_Moore?="),
            "Keith Moore"
        );
    }

    #[cfg(feature = "charsets")]
    #[test]
    fn charsets_real_mail_uses() {
        let cases: &[(&[u8], &str)] = &[
            (b"=?windows-1252?Q?=80uro?=", "€uro"),
            (b"=?KOI8-R?B?8NLJ18XU?=", "Привет"),
            (b"=?GB2312?B?1tDOxA==?=", "中文"),
            (b"=?big5?B?pKSk5Q==?=", "中文"),
            (b"=?Shift_JIS?B?k/qWe4zq?=", "日本語"),
            (b"=?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=", "日本語"),
            (b"=?EUC-KR?B?x9GxuQ==?=", "한국"),
            (b"=?iso-8859-7?Q?=E1=E2?=", "αβ"),
            (b"=?windows-1251?Q?=CF=F0?=", "Пр"),
            (b"=?cp1252?Q?=E9?=", "é"),
        ];
        for (raw, want) in cases {
            assert_eq!(decode_words(raw), *want, "{}", String::from_utf8_lossy(raw));
        }
    }

    #[test]
    fn transfer_encodings() {
        assert_eq!(base64_lenient(b"aGVs\r\nbG8="), b"hello");
        assert_eq!(base64_lenient(b"aGVsbG8"), b"hello");
        assert_eq!(base64_lenient(b"aGVsbG8=x"), b"hello");
        assert_eq!(base64_lenient(b"!!"), b"");
        assert_eq!(
            quoted_printable(b"caf=C3=A9 =\r\nsoft=\nline = kept=3", false),
            "café softline = kept=3".as_bytes()
        );
        assert_eq!(quoted_printable(b"end  =  \r\nnext", false), b"end  next");
        assert_eq!(quoted_printable(b"a_b", true), b"a b");
        assert_eq!(quoted_printable(b"a_b", false), b"a_b");
    }

    fn params<'a>(
        list: &'a [(&'a str, &'a str)],
    ) -> impl Iterator<Item = (&'a str, &'a [u8])> + Clone {
        list.iter().map(|(n, v)| (*n, v.as_bytes()))
    }

    #[test]
    fn rfc2231_parameters() {
        let p = [("filename*", "UTF-8''%E2%82%AC%20rates.pdf")];
        assert_eq!(
            param_value(params(&p), "filename").as_deref(),
            Some("€ rates.pdf")
        );
        // RFC 2231 section 4.1: continuations, the first one extended.
        let p = [
            ("title*0*", "us-ascii'en'This%20is%20even%20more%20"),
            ("title*1*", "%2A%2A%2Afun%2A%2A%2A%20"),
            ("title*2", "isn't it!"),
        ];
        assert_eq!(
            param_value(params(&p), "title").as_deref(),
            Some("This is even more ***fun*** isn't it!")
        );
        // Out of order, plain continuations, a plain value beside them (the extended wins).
        let p = [("NAME*1", "b.txt"), ("name", "fallback"), ("name*0", "a-")];
        assert_eq!(param_value(params(&p), "name").as_deref(), Some("a-b.txt"));
        // A gap ends the run; a leading zero is not an index.
        let p = [("name*0", "a"), ("name*2", "c"), ("name*01", "x")];
        assert_eq!(param_value(params(&p), "name").as_deref(), Some("a"));
        // RFC 2047 inside a plain value, as many mailers send.
        let p = [("filename", "=?UTF-8?B?w6l0w6kuZG9j?=")];
        assert_eq!(
            param_value(params(&p), "filename").as_deref(),
            Some("été.doc")
        );
        // ISO-8859-1 in the extended form, and no value at all.
        let p = [("filename*", "iso-8859-1'fr'caf%E9.txt")];
        assert_eq!(
            param_value(params(&p), "filename").as_deref(),
            Some("café.txt")
        );
        assert_eq!(param_value(params(&p), "name"), None);
        // A broken percent sign and a missing charset.
        let p = [("filename*", "''100%.txt")];
        assert_eq!(
            param_value(params(&p), "filename").as_deref(),
            Some("100%.txt")
        );
    }

    #[test]
    fn controls_are_replaced_for_display() {
        assert_eq!(display_text("a\r\n b\r\n\tc\n d"), "a b c d");
        assert_eq!(
            display_text("\u{1b}]0;owned\u{7}\u{0}x\ry\nz\r\n"),
            "\u{fffd}]0;owned\u{fffd}\u{fffd}x\u{fffd}y\u{fffd}z\u{fffd}\u{fffd}"
        );
        assert_eq!(
            display_text("a\tb\u{7f}\u{80}\u{9f}\u{a0}"),
            "a\tb\u{fffd}\u{fffd}\u{fffd}\u{a0}"
        );
        assert_eq!(
            display_text("\u{202a}\u{202e}txt.exe\u{2066}\u{2069}\u{200f}"),
            "\u{fffd}\u{fffd}txt.exe\u{fffd}\u{fffd}\u{200f}"
        );
        // Controls from inside encoded words and RFC 2231 values too.
        assert_eq!(
            decode_words(b"=?UTF-8?Q?=1B]2;x=07?= =?UTF-8?B?4oCuZXhlLnR4dA==?="),
            "\u{fffd}]2;x\u{fffd}\u{fffd}exe.txt"
        );
        let p = [("filename*", "utf-8''a%0D%0A%1Bb%E2%80%AE.txt")];
        assert_eq!(
            param_value(params(&p), "filename").as_deref(),
            Some("a\u{fffd}\u{fffd}\u{fffd}b\u{fffd}.txt")
        );
        let p = [("filename*0*", "utf-8''%07"), ("filename*1", "\u{85}x")];
        assert_eq!(
            param_value(params(&p), "filename").as_deref(),
            Some("\u{fffd}\u{fffd}x")
        );
    }

    /// The RFC 2047 scanner against the obvious search it replaces (find the next `?`, then
    /// the next `?=`, from each `=?`), on mutated headers: the same words, the same ends.
    #[test]
    fn scan_finds_what_a_fresh_search_finds() {
        fn fresh(raw: &[u8], at: usize) -> Option<(String, Vec<u8>, usize)> {
            let rest = raw.get(at + 2..)?;
            let q = rest.iter().position(|&b| b == b'?')?;
            let enc = *rest.get(q + 1)?;
            if rest.get(q + 2) != Some(&b'?') {
                return None;
            }
            let len = rest[q + 3..].windows(2).position(|w| w == b"?=")?;
            let text = &rest[q + 3..q + 3 + len];
            let charset = &rest[..q];
            if charset.is_empty()
                || !charset.iter().all(u8::is_ascii_graphic)
                || text.iter().any(|b| b" \t\r\n".contains(b))
            {
                return None;
            }
            let bytes = match enc {
                b'B' | b'b' => base64_lenient(text),
                b'Q' | b'q' => quoted_printable(text, true),
                _ => return None,
            };
            let charset = String::from_utf8_lossy(charset).into_owned();
            Some((charset, bytes, at + 2 + q + 3 + len + 2))
        }
        let seeds: [&[u8]; 3] = [
            b"=?UTF-8?B?w6l0w6k=?= =?ISO-8859-1?Q?Andr=E9_?= plain",
            b"=?a?b?c=?a?q?x?=?=?=?",
            b"x =?utf-8?q?a b?= =?utf-8?Q??= =?\x80?q?a?=",
        ];
        mutations(
            &seeds,
            b"=?=?BbQqXx \t\r\n\x80_a",
            8,
            0x0123_4567_89ab_cdef,
            |v, _| {
                let mut scan = Scan::new(v);
                for at in (0..v.len()).filter(|&i| v[i..].starts_with(b"=?")) {
                    assert_eq!(
                        scan.encoded_word(at),
                        fresh(v, at),
                        "{:?} at {at}",
                        String::from_utf8_lossy(v)
                    );
                }
            },
        );
    }

    /// 20,000 rounds of `check` on `seeds` with up to `most` bytes of `bytes` written over
    /// or inserted at random places (a seeded xorshift: the same rounds every run).
    fn mutations(
        seeds: &[&[u8]],
        bytes: &[u8],
        most: u64,
        seed: u64,
        mut check: impl FnMut(&[u8], usize),
    ) {
        let mut state = seed;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..20_000 {
            let mut v = seeds[round % seeds.len()].to_vec();
            for _ in 0..(next() % most + 1) {
                let i = (next() % (v.len() as u64 + 1)) as usize;
                let b = bytes[(next() % bytes.len() as u64) as usize];
                if next() % 2 == 0 && i < v.len() {
                    v[i] = b;
                } else {
                    v.insert(i, b);
                }
            }
            check(&v, round);
        }
    }

    /// How many calls of `f` on `input` make a sample of at least 30 ms, so that timer
    /// resolution does not decide.
    fn reps_for(input: &[u8], f: &dyn Fn(&[u8])) -> u32 {
        let mut reps = 1;
        loop {
            let start = std::time::Instant::now();
            for _ in 0..reps {
                f(std::hint::black_box(input));
            }
            if start.elapsed() >= std::time::Duration::from_millis(30) || reps >= 1 << 16 {
                return reps;
            }
            reps *= 2;
        }
    }

    /// `f` on `pattern` repeated to 64 KiB and to 1 MiB: linear is 16 times slower, quadratic
    /// 256 times; fail above 40 times, or above 5 s for 1 MiB (a debug build on a loaded
    /// machine does it in well under a second). Each size's time per call is the best of five
    /// samples taken in turns with the other size's, so that a busy moment of the machine
    /// weighs on neither.
    fn assert_linear(what: &str, pattern: &[u8], f: &dyn Fn(&[u8])) {
        let input = |n: usize| pattern.iter().copied().cycle().take(n).collect::<Vec<u8>>();
        let sizes = [input(64 << 10), input(1 << 20)];
        let reps = sizes.each_ref().map(|v| reps_for(v, f));
        let mut best = [f64::INFINITY; 2];
        for _ in 0..5 {
            for i in 0..2 {
                let start = std::time::Instant::now();
                for _ in 0..reps[i] {
                    f(std::hint::black_box(&sizes[i]));
                }
                best[i] = best[i].min(start.elapsed().as_secs_f64() / f64::from(reps[i]));
            }
        }
        let [small, large] = best;
        eprintln!(
            "{what}: 64 KiB {:.2} ms, 1 MiB {:.2} ms, ratio {:.1}",
            small * 1e3,
            large * 1e3,
            large / small
        );
        assert!(
            large < 40.0 * small,
            "{what}: {large} s for 1 MiB, {small} s for 64 KiB"
        );
        assert!(large < 5.0, "{what}: {large} s for 1 MiB");
    }

    /// The decoders the public API reaches only through a session (part bodies, their
    /// charsets) and the two worst headers; tests/linear_decoding.rs has the rest, through
    /// the accessors.
    #[test]
    fn every_decoder_is_linear() {
        for pattern in [&b"=?utf-8?q?a "[..], b"=?a?b?c"] {
            assert_linear(&String::from_utf8_lossy(pattern), pattern, &|v| {
                decode_words(v);
            });
        }
        assert_linear("qp body", b"= =\r\n=3D=4", &|v| {
            quoted_printable(v, false);
        });
        assert_linear("qp spaces", b"=    ", &|v| {
            quoted_printable(v, false);
        });
        assert_linear("base64 body", b"QUJD\r\n!", &|v| {
            base64_lenient(v);
        });
        assert_linear("percent", b"%%4%41", &|v| {
            percent_decode_checked(v, false);
        });
        assert_linear("koi8-r", b"\xf0\xd2\xc9", &|v| {
            decode_charset("koi8-r", v);
        });
        assert_linear("iso-2022-jp", b"\x1b$B\x1b(B", &|v| {
            decode_charset("iso-2022-jp", v);
        });
        assert_linear("charset label", b"x", &|v| {
            decode_charset(&String::from_utf8_lossy(v), b"abc");
        });
    }

    /// Arbitrary bytes never panic any decoder (a mutation loop, as for the parsers).
    #[test]
    fn any_bytes_decode_without_panic() {
        let seeds: [&[u8]; 4] = [
            b"=?UTF-8?B?w6l0w6k=?= =?ISO-8859-1?Q?Andr=E9_?= plain",
            b"utf-8'en'%E2%82%AC%20x",
            b"caf=C3=A9 =\r\nsoft=\nline",
            b"aGVs\r\nbG8=",
        ];
        let bytes = b"=?_%'*BbQq \r\n\t\x00\x80\xff0123456789ABCDEFabcdef";
        mutations(&seeds, bytes, 6, 0x9e37_79b9_7f4a_7c15, |v, round| {
            let _ = decode_words(v);
            let _ = quoted_printable(v, round % 2 == 0);
            let _ = base64_lenient(v);
            let _ = percent_decode_checked(v, true);
            let text = String::from_utf8_lossy(v).into_owned();
            let params = [("filename*0*", v), ("filename*1", b"x"), ("name", b"y")];
            let _ = param_value(params.iter().map(|(n, v)| (*n, *v)), "filename");
            let _ = decode_charset(&text, v);
        });
    }

    #[test]
    fn message_ids() {
        assert_eq!(
            message_id(b"Subject: x\r\nMessage-ID: <a@b>\r\n\r\nMessage-ID: <c@d>\r\n"),
            Some("<a@b>".into())
        );
        assert_eq!(
            message_id(b"message-id:\r\n  <folded@x> (c)\r\n\r\n"),
            Some("<folded@x>".into())
        );
        assert_eq!(
            message_id(b"Subject: x\r\n\r\nMessage-ID: <body@x>\r\n"),
            None
        );
        assert_eq!(message_id(b"Message-ID:   \r\n\r\n"), None);
        assert_eq!(message_id(b""), None);
    }

    #[test]
    fn piece_decoders_agree_with_the_whole_at_every_split() {
        let samples: [(&str, &[u8]); 6] = [
            ("base64", b"SGVs\r\nbG8s IHdv\r\ncmxk IQ==\r\nignored"),
            ("base64", b"QUJDRA"),
            (
                "quoted-printable",
                b"caf=C3=A9 =\r\nsoft=  \r\nbreak =3D= =ZZ end=",
            ),
            ("quoted-printable", b"a=\nb=0"),
            ("quoted-printable", b"=  "),
            ("7bit", b"as is"),
        ];
        for (enc, text) in samples {
            let whole = match enc {
                "base64" => base64_lenient(text),
                "quoted-printable" => quoted_printable(text, false),
                _ => text.to_vec(),
            };
            for split in 1..=text.len() {
                let mut d = PieceDecoder::new(enc);
                let mut out = Vec::new();
                for piece in text.chunks(split) {
                    d.write(piece, &mut out).unwrap();
                }
                d.finish(&mut out).unwrap();
                assert_eq!(out, whole, "{enc} split {split}");
            }
        }
    }

    #[test]
    fn piece_decoders_agree_with_the_whole_on_random_input() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let alphabet = b"=A3f \t\r\nz_+/Q";
        for round in 0..3000 {
            let len = (next() % 40) as usize;
            let text: Vec<u8> = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            for enc in ["base64", "quoted-printable"] {
                let whole = if enc == "base64" {
                    base64_lenient(&text)
                } else {
                    quoted_printable(&text, false)
                };
                let mut d = PieceDecoder::new(enc);
                let mut out = Vec::new();
                let mut rest = &text[..];
                while !rest.is_empty() {
                    let n = 1 + (next() % 5) as usize;
                    let (piece, tail) = rest.split_at(n.min(rest.len()));
                    d.write(piece, &mut out).unwrap();
                    rest = tail;
                }
                d.finish(&mut out).unwrap();
                assert_eq!(
                    out,
                    whole,
                    "round {round} {enc} {:?}",
                    String::from_utf8_lossy(&text)
                );
            }
        }
    }
}

#[cfg(test)]
mod filename_tests {
    use super::*;

    fn s(name: &str) -> Option<String> {
        sanitize_filename(name)
    }

    #[test]
    fn paths_become_one_name() {
        assert_eq!(s("../../etc/passwd").as_deref(), Some("etc_passwd"));
        assert_eq!(s("a/b\\c.txt").as_deref(), Some("a_b_c.txt"));
        assert_eq!(s("/abs/path.pdf").as_deref(), Some("abs_path.pdf"));
        assert_eq!(
            s("C:\\Users\\x\\file.doc").as_deref(),
            Some("C__Users_x_file.doc")
        );
        assert_eq!(s("./a/./b/../c").as_deref(), Some("a_b_c"));
        assert_eq!(s(" report .pdf").as_deref(), Some("report .pdf"));
        assert_eq!(s("a/..b/c").as_deref(), Some("a_..b_c"));
    }

    #[test]
    fn nothing_usable_is_none() {
        for bad in [
            "",
            " ",
            ".",
            "..",
            "...",
            "/",
            "\\",
            "../..",
            "./",
            " . / .. \\ ",
            "\u{3000}. ",
        ] {
            assert_eq!(s(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn controls_format_characters_and_windows_characters() {
        assert_eq!(s(".hidden").as_deref(), Some("hidden"));
        assert_eq!(s("...bashrc").as_deref(), Some("bashrc"));
        assert_eq!(s("report.pdf. ").as_deref(), Some("report.pdf"));
        assert_eq!(s("line1\nline2.txt").as_deref(), Some("line1_line2.txt"));
        assert_eq!(
            s("tab\there\r\u{0}\u{7f}\u{85}.txt").as_deref(),
            Some("tab_here____.txt")
        );
        assert_eq!(s("a\u{fffd}b").as_deref(), Some("a_b"));
        assert_eq!(s("photo\u{202E}gpj.exe").as_deref(), Some("photo_gpj.exe"));
        assert_eq!(s("<>:\"|?*x").as_deref(), Some("_______x"));
        for c in [
            '\u{AD}',
            '\u{61C}',
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{200E}',
            '\u{200F}',
            '\u{202A}',
            '\u{202B}',
            '\u{202C}',
            '\u{202D}',
            '\u{202E}',
            '\u{2060}',
            '\u{2061}',
            '\u{2062}',
            '\u{2063}',
            '\u{2064}',
            '\u{2066}',
            '\u{2067}',
            '\u{2068}',
            '\u{2069}',
            '\u{206A}',
            '\u{FEFF}',
            '\u{FFF9}',
            '\u{180E}',
            '\u{E0001}',
            '\u{E0041}',
            '\u{2028}',
            '\u{2029}',
            '\u{600}',
            '\u{1D173}',
        ] {
            assert_eq!(
                s(&format!("a{c}b.txt")).as_deref(),
                Some("a_b.txt"),
                "U+{:04X}",
                u32::from(c)
            );
        }
        // A format character at the edge is replaced, not trimmed: the name stays visible.
        assert_eq!(s("\u{FEFF}x").as_deref(), Some("_x"));
        // What is not a trick stays as it is.
        assert_eq!(s("€ long name.pdf").as_deref(), Some("€ long name.pdf"));
        assert_eq!(s("日本語.txt").as_deref(), Some("日本語.txt"));
        assert_eq!(s("ملف.pdf").as_deref(), Some("ملف.pdf"));
        assert_eq!(s("a\u{00A0}b").as_deref(), Some("a\u{00A0}b"));
    }

    #[test]
    fn windows_device_names() {
        for dev in [
            "CON",
            "con",
            "Con.txt",
            "PRN.pdf",
            "aux",
            "NUL.tar.gz",
            "COM0",
            "com1.log",
            "COM9",
            "LPT0",
            "lpt1",
            "LPT9.x",
            "COM¹",
            "com².txt",
            "COM³",
            "LPT¹",
            "lpt²",
            "LPT³.doc",
            "CONIN$",
            "conout$.txt",
            "CON .txt",
            "nul.",
        ] {
            let got = s(dev).unwrap();
            assert!(got.starts_with('_'), "{dev:?} -> {got:?}");
            assert_eq!(got[1..], *dev.trim_end_matches('.'), "{dev:?}");
        }
        for fine in [
            "console.txt",
            "COM10",
            "LPT",
            "COM",
            "COM1x",
            "CONIN",
            "xCON",
            "COM⁴",
            "nul_.txt",
            "AUX1",
        ] {
            assert_eq!(s(fine).as_deref(), Some(fine), "{fine:?}");
        }
        // After the leading dots go: `..CON` is a device name again.
        assert_eq!(s("..CON").as_deref(), Some("_CON"));
    }

    #[test]
    fn long_names_are_cut_at_a_character_boundary_keeping_the_extension() {
        let long = format!("{}.txt", "ü".repeat(148));
        assert_eq!(long.len(), 300);
        let cut = s(&long).unwrap();
        assert_eq!(cut, format!("{}.txt", "ü".repeat(125)));
        assert_eq!(cut.len(), 254);
        // No extension: three-byte characters, cut below the limit.
        assert_eq!(s(&"€".repeat(100)).unwrap(), "€".repeat(85));
        // An extension too long to be one is cut with the rest.
        let odd = format!("a.{}", "b".repeat(300));
        assert_eq!(s(&odd).unwrap().len(), MAX_FILENAME_BYTES);
        // A cut that ends in spaces or dots loses them.
        let spaced = format!("{} x.pdf", "a".repeat(250));
        assert_eq!(s(&spaced).unwrap(), format!("{}.pdf", "a".repeat(250)));
        // Exactly the limit is kept whole.
        let exact = format!("{}.pdf", "a".repeat(251));
        assert_eq!(s(&exact).unwrap(), exact);
        // A device name with a long tail: the `_` counts.
        let dev = format!("CON{}.txt", " ".repeat(300));
        let got = s(&dev).unwrap();
        assert_eq!(got, "_CON.txt");
        // Every cut is at most the limit and valid UTF-8, for any mix of widths.
        for n in 0..8 {
            let name = format!("{}{}.jpeg", "x".repeat(n), "😀".repeat(70));
            let got = s(&name).unwrap();
            assert!(got.len() <= MAX_FILENAME_BYTES, "{}", got.len());
            assert!(got.ends_with(".jpeg"));
        }
    }

    #[test]
    fn extensions() {
        for (t, e) in [
            ("message/rfc822", "eml"),
            ("text/calendar", "ics"),
            ("application/pdf", "pdf"),
            ("TEXT/PLAIN", "txt"),
            ("text/html", "html"),
            ("image/png", "png"),
            ("image/jpeg", "jpg"),
            ("image/gif", "gif"),
            ("image/webp", "webp"),
            ("application/zip", "zip"),
            ("application/octet-stream", "bin"),
            ("x-unknown/thing", "bin"),
            ("", "bin"),
        ] {
            assert_eq!(extension_for_mime_type(t), e, "{t}");
        }
    }

    #[test]
    fn header_text() {
        assert_eq!(
            decode_header_text(b"=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= =?ISO-8859-1?B?YXVzIEv2bG4=?="),
            "Grüßeaus Köln"
        );
        assert_eq!(decode_header_text(b"plain"), "plain");
        assert_eq!(decode_header_text(b""), "");
        assert_eq!(decode_header_text(b"a\r\n b"), "a b");
        assert_eq!(decode_header_text(b"=?bogus"), "=?bogus");
    }
}
