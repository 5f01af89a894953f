//! Mail, not just IMAP, against the project's real Dovecot (scripts/test.sh): decoded header
//! text in many charsets, dates, the attachments and bodies of a body structure, decoded part
//! bodies (Dovecot has BINARY), SEARCH by date, and examples/save_attachments.rs run as a user
//! runs it. Every message is built here, byte by byte; each test works in mailboxes of its
//! own (`mime-*`), so tests can run in parallel.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use blocking_imap::{
    AppendMessage, DateTime, Error, Fetch, FetchItems, PartRequest, ResponseCode, Search,
    SearchDate, Section, Session, TransferEncoding, Uid,
};
use common::dovecot::{over_tls, server, Server};

// ---------------------------------------------------------------------------------------
// building messages

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Base64 in lines of 76 characters, each ending in CRLF (as mailers write it).
fn base64(data: &[u8]) -> Vec<u8> {
    let mut flat = Vec::with_capacity(data.len() * 4 / 3 + 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                flat.push(B64[(n >> (18 - 6 * i) & 63) as usize]);
            } else {
                flat.push(b'=');
            }
        }
    }
    let mut out = Vec::with_capacity(flat.len() + flat.len() / 38 + 2);
    for line in flat.chunks(76) {
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Quoted-printable: letters and digits as they are, every other byte as `=XX`, soft line
/// breaks before 76 characters. `text`: CRLF line ends stay line ends (hard breaks); else
/// the data is one line (binary data: CR and LF are encoded), with no line end after it.
fn quoted_printable(data: &[u8], text: bool) -> Vec<u8> {
    let encode_line = |line: &[u8], out: &mut Vec<u8>| {
        let mut width = 0;
        for &b in line {
            let piece: Vec<u8> = if b.is_ascii_alphanumeric() {
                vec![b]
            } else {
                format!("={b:02X}").into_bytes()
            };
            if width + piece.len() > 72 {
                out.extend_from_slice(b"=\r\n");
                width = 0;
            }
            width += piece.len();
            out.extend_from_slice(&piece);
        }
    };
    let mut out = Vec::new();
    if text {
        let mut rest = data;
        while !rest.is_empty() {
            let (line, next) = match rest.windows(2).position(|w| w == b"\r\n") {
                Some(i) => (&rest[..i], &rest[i + 2..]),
                None => (rest, &rest[rest.len()..]),
            };
            encode_line(line, &mut out);
            if next.len() < rest.len() - line.len() {
                out.extend_from_slice(b"\r\n");
            }
            rest = next;
        }
    } else {
        encode_line(data, &mut out);
    }
    out
}

/// `len` bytes that look like a binary file: NUL, 0xFF, lone CR and LF, CRLF, `=` and
/// `--` up front, then pseudo-random bytes from `seed`.
fn blob(prefix: &[u8], seed: u32, len: usize) -> Vec<u8> {
    let mut out = prefix.to_vec();
    out.extend_from_slice(b"\x00\xff\r\n\r=\n--\x00\x00\xfe\xff");
    let mut x = seed.wrapping_mul(2_654_435_761).max(1);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        out.push((x >> 11) as u8);
    }
    out
}

/// One MIME entity: its header lines (each ending in CRLF) and its content.
struct Entity {
    head: String,
    body: Vec<u8>,
}

fn leaf(head: &str, body: impl Into<Vec<u8>>) -> Entity {
    Entity {
        head: head.to_string(),
        body: body.into(),
    }
}

fn multipart(subtype: &str, boundary: &str, parts: Vec<Entity>) -> Entity {
    let mut body = b"This is a multi-part message in MIME format.\r\n".to_vec();
    for p in parts {
        body.extend_from_slice(format!("\r\n--{boundary}\r\n").as_bytes());
        body.extend_from_slice(p.head.as_bytes());
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(&p.body);
    }
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Entity {
        head: format!("Content-Type: multipart/{subtype}; boundary=\"{boundary}\"\r\n"),
        body,
    }
}

/// A whole message: `top` header lines (CRLF each), MIME-Version, then `root`.
fn message(top: &str, root: Entity) -> Vec<u8> {
    let mut m = format!("{top}MIME-Version: 1.0\r\n{}\r\n", root.head).into_bytes();
    m.extend_from_slice(&root.body);
    m
}

/// A message with a richer structure than most, and what each of its parts holds, decoded:
///
/// ```text
/// multipart/mixed
///   1    multipart/alternative
///   1.1    text/plain; charset=utf-8, quoted-printable             (the text body)
///   1.2    multipart/related
///   1.2.1    text/html; charset=utf-8, base64                      (the HTML body)
///   1.2.2    image/png, base64, inline, Content-ID, no name        (not an attachment)
///   2    application/pdf, base64: RFC 2231 continuations "€ long name.pdf"
///   3    application/octet-stream, quoted-printable: RFC 2231 ISO-8859-1 "café.bin"
///   4    image/jpeg, base64, inline with a file name "photo.jpg"   (an attachment)
///   5    message/rfc822                                           (an attachment)
///   5.1    text/plain; charset=ISO-8859-1, quoted-printable
///   5.2    application/zip, base64, "inner.zip"
/// ```
struct Rich {
    raw: Vec<u8>,
    /// Every leaf, and the leaves of the attached message: section and decoded content.
    parts: Vec<(Vec<u32>, Vec<u8>)>,
    /// What Dovecot sends for `BINARY[5]`, the attached message: not the message as attached
    /// but every part inside it decoded and relabelled `Content-Transfer-Encoding: binary`.
    fwd_as_binary: Vec<u8>,
}

const RICH_DATE: &str = "Fri, 01 Mar 2024 10:15:30 +0100";

fn rich(i: u32) -> Rich {
    let text = format!("Grüße aus Köln, Nachricht {i}.\r\nZeile zwei: a = b\r\n").into_bytes();
    let html = format!(
        "<html><body><p>Gr&uuml;&szlig;e {i}</p><img src=\"cid:logo-{i}@example.de\"></body></html>\r\n"
    )
    .into_bytes();
    let png = blob(b"\x89PNG\r\n\x1a\n", i * 10 + 1, 300 + i as usize);
    let pdf = blob(
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
        i * 10 + 2,
        2000 + 37 * i as usize,
    );
    let bin = blob(b"", i * 10 + 3, 500);
    let jpg = blob(b"\xff\xd8\xff\xe0", i * 10 + 4, 800);
    let latin1 = b"Caf\xe9 cr\xe8me, \xe0 bient\xf4t\r\n".to_vec();
    let zip = blob(b"PK\x03\x04", i * 10 + 5, 400);

    // The attached message; `binary`: as Dovecot renders it for BINARY (below).
    let inner_message = |binary: bool| {
        let (text_cte, text_body, zip_cte, zip_body) = if binary {
            ("binary", latin1.clone(), "binary", zip.clone())
        } else {
            (
                "quoted-printable",
                quoted_printable(&latin1, true),
                "base64",
                base64(&zip),
            )
        };
        message(
            &format!(
                "From: =?ISO-8859-1?Q?Fran=E7ois?= <francois@example.fr>\r\n\
                 To: joerg@example.de\r\nSubject: =?ISO-8859-1?Q?Re=3A_Caf=E9?=\r\n\
                 Date: Thu, 29 Feb 2024 23:59:59 -0800\r\nMessage-ID: <inner-{i}@example.fr>\r\n"
            ),
            multipart(
                "mixed",
                "inner-boundary",
                vec![
                    leaf(
                        &format!(
                            "Content-Type: text/plain; charset=ISO-8859-1\r\n\
                             Content-Transfer-Encoding: {text_cte}\r\n"
                        ),
                        text_body,
                    ),
                    leaf(
                        &format!(
                            "Content-Type: application/zip; name=\"inner.zip\"\r\n\
                             Content-Disposition: attachment; filename=\"inner.zip\"\r\n\
                             Content-Transfer-Encoding: {zip_cte}\r\n"
                        ),
                        zip_body,
                    ),
                ],
            ),
        )
    };
    let inner = inner_message(false);
    let inner_as_binary = inner_message(true);

    let root = multipart(
        "mixed",
        "outer-boundary",
        vec![
            multipart(
                "alternative",
                "alt-boundary",
                vec![
                    leaf(
                        "Content-Type: text/plain; charset=utf-8\r\n\
                         Content-Transfer-Encoding: quoted-printable\r\n",
                        quoted_printable(&text, true),
                    ),
                    multipart(
                        "related",
                        "rel-boundary",
                        vec![
                            leaf(
                                "Content-Type: text/html; charset=utf-8\r\n\
                                 Content-Transfer-Encoding: base64\r\n",
                                base64(&html),
                            ),
                            leaf(
                                &format!(
                                    "Content-Type: image/png\r\n\
                                     Content-ID: <logo-{i}@example.de>\r\n\
                                     Content-Disposition: inline\r\n\
                                     Content-Transfer-Encoding: base64\r\n"
                                ),
                                base64(&png),
                            ),
                        ],
                    ),
                ],
            ),
            leaf(
                "Content-Type: application/pdf; name=\"=?UTF-8?Q?=E2=82=AC_long_name.pdf?=\"\r\n\
                 Content-Disposition: attachment; filename*0*=utf-8''%E2%82%AC%20long%20;\r\n \
                 filename*1*=name.pdf\r\n\
                 Content-Transfer-Encoding: base64\r\n",
                base64(&pdf),
            ),
            leaf(
                "Content-Type: application/octet-stream\r\n\
                 Content-Disposition: attachment; filename*=iso-8859-1''caf%E9.bin\r\n\
                 Content-Transfer-Encoding: quoted-printable\r\n",
                quoted_printable(&bin, false),
            ),
            leaf(
                "Content-Type: image/jpeg\r\n\
                 Content-Disposition: inline; filename=\"photo.jpg\"\r\n\
                 Content-Transfer-Encoding: base64\r\n",
                base64(&jpg),
            ),
            leaf("Content-Type: message/rfc822\r\n", inner.clone()),
        ],
    );
    let raw = message(
        &format!(
            "From: =?UTF-8?B?SsO2cmcgTcO8bGxlcg==?= <joerg@example.de>\r\n\
             To: alice@example.org\r\n\
             Subject: =?UTF-8?Q?Quartalsbericht_=E2=82=AC_Q3?= #{i}\r\n\
             Date: {RICH_DATE}\r\nMessage-ID: <rich-{i}@example.de>\r\n"
        ),
        root,
    );
    Rich {
        raw,
        parts: vec![
            (vec![1, 1], text),
            (vec![1, 2, 1], html),
            (vec![1, 2, 2], png),
            (vec![2], pdf),
            (vec![3], bin),
            (vec![4], jpg),
            (vec![5], inner),
            (vec![5, 1], latin1),
            (vec![5, 2], zip),
        ],
        fwd_as_binary: inner_as_binary,
    }
}

// ---------------------------------------------------------------------------------------
// helpers

/// A logged-in session with an empty mailbox called `name`.
fn fresh(srv: &Server, name: &str) -> Session {
    let mut s = srv.login("alice", "alice-pass");
    let _ = s.delete(name);
    s.create(name).unwrap();
    s
}

/// Every message of the selected mailbox with `items` (and its UID), in UID order.
fn fetch_all(s: &mut Session, items: FetchItems) -> Vec<Fetch> {
    let mut all = s.uid_fetch(1.., &items.uid()).unwrap().into_vec().unwrap();
    all.sort_by_key(|f| f.uid());
    all
}

fn sections<'a>(parts: impl Iterator<Item = blocking_imap::Part<'a>>) -> Vec<String> {
    parts.map(|p| p.section_string()).collect()
}

fn dt(y: u16, mo: u8, d: u8, h: u8, mi: u8, s: u8, offset: i16) -> DateTime {
    DateTime::new(y, mo, d, h, mi, s, offset).unwrap()
}

fn now() -> i64 {
    DateTime::now().unix_timestamp()
}

const DAY: i64 = 86_400;

// ---------------------------------------------------------------------------------------
// header text

/// One header case: the raw header text, the bytes its encoded words hold in their
/// charset, and the text they decode to.
struct Text {
    raw: &'static str,
    charset_bytes: &'static [u8],
    decoded: &'static str,
    /// Decoded right only with the `charsets` feature; without it, the bytes are read as
    /// UTF-8 with U+FFFD (documented: visibly lossy, never an error).
    needs_charsets: bool,
}

impl Text {
    fn expected(&self) -> String {
        if self.needs_charsets && !cfg!(feature = "charsets") {
            // Read as UTF-8, and made safe to show: the escapes of ISO-2022-JP (ESC) come
            // out as U+FFFD, like every control character in decoded text.
            String::from_utf8_lossy(self.charset_bytes)
                .chars()
                .map(|c| {
                    if (c.is_control() && c != '\t')
                        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
                    {
                        '\u{fffd}'
                    } else {
                        c
                    }
                })
                .collect()
        } else {
            self.decoded.to_string()
        }
    }
}

const fn t(
    raw: &'static str,
    charset_bytes: &'static [u8],
    decoded: &'static str,
    needs_charsets: bool,
) -> Text {
    Text {
        raw,
        charset_bytes,
        decoded,
        needs_charsets,
    }
}

/// (subject, display name of From:) per message.
const HEADERS: &[(Text, Text)] = &[
    // UTF-8, B: an emoji (4 bytes) and an em dash.
    (
        t(
            "=?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4g4oCUIPCfmIA=?=",
            b"",
            "Grüße aus Köln — 😀",
            false,
        ),
        t(
            "=?UTF-8?B?SsO2cmcgTcO8bGxlcg==?=",
            b"",
            "Jörg Müller",
            false,
        ),
    ),
    // UTF-8, Q, folded over two lines: the space between the words goes, `_` is a space.
    (
        t(
            "=?UTF-8?Q?Sehr_lange_Betreffzeile_?=\r\n =?UTF-8?Q?mit_Umlauten_=C3=A4=C3=B6=C3=BC?=",
            b"",
            "Sehr lange Betreffzeile mit Umlauten äöü",
            false,
        ),
        t(
            "=?utf-8?q?Fran=C3=A7oise_d=27Aubign=C3=A9?=",
            b"",
            "Françoise d'Aubigné",
            false,
        ),
    ),
    // ISO-8859-1 (known without the charsets feature), between plain words.
    (
        t(
            "Re: =?ISO-8859-1?Q?Caf=E9_cr=E8me?= und mehr",
            b"",
            "Re: Café crème und mehr",
            false,
        ),
        t(
            "=?iso-8859-1?q?Andr=E9?= Pirard",
            b"",
            "André Pirard",
            false,
        ),
    ),
    // A euro sign split across two B words; two charsets side by side.
    (
        t("=?UTF-8?B?4oI=?= =?UTF-8?B?rA==?= 100", b"", "€ 100", false),
        t(
            "=?ISO-8859-1?Q?Ren=E9?= =?UTF-8?Q?_=E2=82=AC?=",
            b"",
            "René €",
            false,
        ),
    ),
    // Windows-1252: euro, en dash, curly quotes (bytes 0x80-0x9F, not ISO-8859-1).
    (
        t(
            "=?windows-1252?Q?=80_5_=96_=93quoted=94?=",
            b"\x80 5 \x96 \x93quoted\x94",
            "€ 5 – “quoted”",
            true,
        ),
        t(
            "=?windows-1252?B?Wm/rINhyc3RlZA==?=",
            b"Zo\xeb \xd8rsted",
            "Zoë Ørsted",
            true,
        ),
    ),
    // KOI8-R.
    (
        t(
            "=?KOI8-R?B?8NLJ18XULCDNydI=?=",
            b"\xf0\xd2\xc9\xd7\xc5\xd4, \xcd\xc9\xd2",
            "Привет, мир",
            true,
        ),
        t(
            "=?KOI8-R?B?6dfBziDwxdTSz9c=?=",
            b"\xe9\xd7\xc1\xce \xf0\xc5\xd4\xd2\xcf\xd7",
            "Иван Петров",
            true,
        ),
    ),
    // ISO-2022-JP: 7-bit escape sequences.
    (
        t(
            "=?ISO-2022-JP?B?GyRCRnxLXDhsJE4lRiU5JUgbKEI=?=",
            b"\x1b$BF|K\\8l$N%F%9%H\x1b(B",
            "日本語のテスト",
            true,
        ),
        t(
            "=?ISO-2022-JP?B?GyRCOzNFREJATzobKEI=?=",
            b"\x1b$B;3EDB@O:\x1b(B",
            "山田太郎",
            true,
        ),
    ),
    // GB2312.
    (
        t(
            "=?GB2312?B?1tDOxNPKvP4=?=",
            b"\xd6\xd0\xce\xc4\xd3\xca\xbc\xfe",
            "中文邮件",
            true,
        ),
        t(
            "=?gb2312?b?zfXQocP3?=",
            b"\xcd\xf5\xd0\xa1\xc3\xf7",
            "王小明",
            true,
        ),
    ),
];

#[test]
fn subjects_and_names_are_decoded_in_many_charsets() {
    let Some(srv) = server() else { return };
    let mut s = fresh(&srv, "mime-headers");
    let raws: Vec<Vec<u8>> = HEADERS
        .iter()
        .enumerate()
        .map(|(i, (subject, name))| {
            format!(
                "From: {} <sender{i}@example.org>\r\nTo: alice@example.org\r\n\
                 Subject: {}\r\nDate: {RICH_DATE}\r\n\r\nbody {i}\r\n",
                name.raw, subject.raw
            )
            .into_bytes()
        })
        .collect();
    let msgs: Vec<AppendMessage> = raws.iter().map(|r| AppendMessage::new(r)).collect();
    let uids = s.append_many("mime-headers", &msgs).unwrap().unwrap();
    assert_eq!(uids.uids.to_string(), format!("1:{}", HEADERS.len()));
    s.select("mime-headers").unwrap();
    let all = fetch_all(&mut s, FetchItems::new().envelope());
    assert_eq!(all.len(), HEADERS.len());
    for (f, (i, (subject, name))) in all.iter().zip(HEADERS.iter().enumerate()) {
        assert_eq!(f.uid(), Some(Uid(i as u32 + 1)));
        let env = f.envelope().unwrap();
        assert_eq!(
            env.subject(),
            Some(subject.expected()),
            "subject {:?}",
            env.subject_raw().map(String::from_utf8_lossy)
        );
        let from = env.from();
        assert_eq!(from.len(), 1);
        assert_eq!(
            from[0].name(),
            Some(name.expected()),
            "name {:?}",
            from[0].name_raw().map(String::from_utf8_lossy)
        );
        assert_eq!(from[0].email(), Some(format!("sender{i}@example.org")));
        // The raw forms stay as sent (Dovecot unfolds the folded subject).
        assert_eq!(
            env.subject_raw().unwrap(),
            subject.raw.replace("\r\n", "").as_bytes()
        );
    }
}

// ---------------------------------------------------------------------------------------
// dates

#[test]
fn internal_dates_round_trip_and_date_headers_parse() {
    let Some(srv) = server() else { return };
    let mut s = fresh(&srv, "mime-dates");
    let an_hour_ago = DateTime::from_unix_timestamp(now() - 3600, 0).unwrap();
    // (Date header, what Envelope::date gives, the internal date APPEND sets)
    let cases: Vec<(&str, Option<DateTime>, DateTime)> = vec![
        (
            RICH_DATE,
            Some(dt(2024, 3, 1, 10, 15, 30, 60)),
            dt(2024, 3, 1, 10, 15, 30, 60),
        ),
        // RFC 5322's obsolete forms: two-digit year, zone name, no seconds.
        (
            "1 Mar 24 10:15 EST",
            Some(dt(2024, 3, 1, 10, 15, 0, -300)),
            dt(1999, 12, 31, 23, 59, 59, -480),
        ),
        // A comment after the zone; a leap day.
        (
            "Thu, 29 Feb 2024 23:59:59 -0800 (PST)",
            Some(dt(2024, 2, 29, 23, 59, 59, -480)),
            dt(2024, 2, 29, 0, 0, 0, 330),
        ),
        (
            "Sun, 1 Dec 2024 08:00:00 +0530",
            Some(dt(2024, 12, 1, 8, 0, 0, 330)),
            "17-Jul-1996 02:44:25 -0700".parse().unwrap(),
        ),
        ("not a date at all", None, an_hour_ago),
    ];
    for (i, (header, _, internal)) in cases.iter().enumerate() {
        let raw = format!("From: a@example.org\r\nSubject: d{i}\r\nDate: {header}\r\n\r\nx\r\n");
        let got = s
            .append_with("mime-dates", raw.as_bytes(), &[], Some(*internal))
            .unwrap()
            .unwrap();
        assert_eq!(got.uids.to_string(), (i + 1).to_string());
    }
    s.select("mime-dates").unwrap();
    let all = fetch_all(&mut s, FetchItems::new().envelope().internal_date());
    assert_eq!(all.len(), cases.len());
    for (f, (header, date, internal)) in all.iter().zip(&cases) {
        let env = f.envelope().unwrap();
        assert_eq!(env.date_raw(), Some(header.as_bytes()));
        assert_eq!(env.date(), *date, "{header}");
        // The same instant; Dovecot writes it in its own zone (UTC here), so compare in UTC.
        let got = f
            .internal_date()
            .unwrap_or_else(|| panic!("unparsed {:?}", f.internal_date_raw()));
        assert_eq!(
            got.to_utc(),
            internal.to_utc(),
            "{:?}",
            f.internal_date_raw()
        );
        assert_eq!(got.unix_timestamp(), internal.unix_timestamp());
        assert_eq!(
            f.internal_date_raw()
                .map(|r| DateTime::parse_imap(r).unwrap()),
            Some(got)
        );
    }
    // Exact values for one of them.
    let first = all[0].internal_date().unwrap();
    assert_eq!(first.unix_timestamp(), 1_709_284_530);
    assert_eq!(first.to_utc(), dt(2024, 3, 1, 9, 15, 30, 0));
    assert_eq!(
        all[3].internal_date().unwrap().unix_timestamp(),
        837_596_665
    );
}

#[test]
fn search_by_internal_date() {
    let Some(srv) = server() else { return };
    let mut s = fresh(&srv, "mime-search");
    // Noon UTC, or days away from now, so that the server's time zone (in which it takes
    // the dates of SEARCH) cannot move a message to another day.
    let t = now();
    let dates = [
        dt(2024, 3, 1, 12, 0, 0, 0),
        dt(2024, 2, 29, 12, 0, 0, 0),
        DateTime::from_unix_timestamp(t - 40 * DAY, 0).unwrap(),
        DateTime::from_unix_timestamp(t - 10 * DAY, 0).unwrap(),
        DateTime::from_unix_timestamp(t - 3 * DAY, 0).unwrap(),
        dt(2024, 3, 2, 12, 0, 0, 0),
    ];
    let raws: Vec<Vec<u8>> = (1..=dates.len())
        .map(|i| format!("From: a@example.org\r\nSubject: s{i}\r\n\r\nx\r\n").into_bytes())
        .collect();
    let msgs: Vec<AppendMessage> = raws
        .iter()
        .zip(dates)
        .map(|(r, d)| AppendMessage::new(r).internal_date(d))
        .collect();
    let uids = s.append_many("mime-search", &msgs).unwrap().unwrap();
    assert_eq!(uids.uids.to_string(), "1:6");
    s.select("mime-search").unwrap();
    let mut search = |q: Search| -> Vec<u32> {
        let mut uids: Vec<u32> = s.uid_search(&q).unwrap().iter().map(|u| u.0).collect();
        uids.sort_unstable();
        uids
    };
    let day = |text: &str| text.parse::<SearchDate>().unwrap();
    let ago = SearchDate::days_ago;
    assert_eq!(search(Search::all().since(ago(30))), [4, 5]);
    assert_eq!(search(Search::all().before(ago(30))), [1, 2, 3, 6]);
    assert_eq!(search(Search::all().since(ago(30)).before(ago(5))), [4]);
    assert_eq!(search(Search::all().since(ago(5)).before(ago(1))), [5]);
    assert_eq!(search(Search::all().since(SearchDate::today())), [0u32; 0]);
    assert_eq!(search(Search::all().on(day("2024-03-01"))), [1]);
    assert_eq!(search(Search::all().on(day("29-Feb-2024"))), [2]);
    assert_eq!(
        search(
            Search::all()
                .since(day("2024-03-01"))
                .before(day("2024-03-03"))
        ),
        [1, 6]
    );
    assert_eq!(search(Search::all().before(day("1-Mar-2024"))), [2]);
    assert_eq!(
        search(Search::all().not(Search::all().since(day("2024-03-02")))),
        [1, 2]
    );
}

// ---------------------------------------------------------------------------------------
// body structures

#[test]
fn attachments_and_bodies_of_a_real_body_structure() {
    let Some(srv) = server() else { return };
    let mut s = fresh(&srv, "mime-structure");
    let msg = rich(1);
    s.append("mime-structure", &msg.raw).unwrap();
    s.select("mime-structure").unwrap();
    let all = fetch_all(&mut s, FetchItems::new().envelope().body_structure());
    let f = &all[0];
    let env = f.envelope().unwrap();
    assert_eq!(env.subject().as_deref(), Some("Quartalsbericht € Q3 #1"));
    assert_eq!(env.from()[0].name().as_deref(), Some("Jörg Müller"));
    assert_eq!(env.date(), Some(dt(2024, 3, 1, 10, 15, 30, 60)));
    assert_eq!(env.message_id(), Some(&b"<rich-1@example.de>"[..]));

    let b = f.body_structure().unwrap();
    assert_eq!(b.mime_type(), "multipart/mixed");
    assert_eq!(
        sections(b.leaves()),
        ["1.1", "1.2.1", "1.2.2", "2", "3", "4", "5"]
    );

    // Exactly the four attachments, with their decoded names.
    let att: Vec<_> = b.attachments().collect();
    assert_eq!(sections(att.clone().into_iter()), ["2", "3", "4", "5"]);
    let names: Vec<Option<String>> = att.iter().map(|p| p.filename()).collect();
    assert_eq!(
        names,
        [
            Some("€ long name.pdf".to_string()),
            Some("café.bin".to_string()),
            Some("photo.jpg".to_string()),
            None
        ]
    );
    let types: Vec<String> = att.iter().map(|p| p.mime_type()).collect();
    assert_eq!(
        types,
        [
            "application/pdf",
            "application/octet-stream",
            "image/jpeg",
            "message/rfc822"
        ]
    );
    let encodings: Vec<&TransferEncoding> = att.iter().map(|p| p.encoding()).collect();
    assert_eq!(
        encodings,
        [
            &TransferEncoding::Base64,
            &TransferEncoding::QuotedPrintable,
            &TransferEncoding::Base64,
            &TransferEncoding::SevenBit
        ]
    );
    let dispositions: Vec<Option<&str>> = att.iter().map(|p| p.disposition()).collect();
    assert_eq!(
        dispositions,
        [Some("attachment"), Some("attachment"), Some("inline"), None]
    );
    // The PDF's Content-Type name (RFC 2047 in a parameter, as many mailers write it).
    assert_eq!(
        att[0].structure().param_decoded("name").as_deref(),
        Some("€ long name.pdf")
    );
    // Sizes are of the encoded content.
    let pdf = &msg.parts[3].1;
    assert_eq!(att[0].size(), Some(base64(pdf).len() as u32));

    // The reader's bodies.
    let text = b.text_body().unwrap();
    assert_eq!(text.section(), [1, 1]);
    assert_eq!(text.mime_type(), "text/plain");
    assert_eq!(text.charset(), Some("utf-8"));
    assert_eq!(text.encoding(), &TransferEncoding::QuotedPrintable);
    assert!(!text.is_attachment());
    let html = b.html_body().unwrap();
    assert_eq!(html.section(), [1, 2, 1]);
    assert_eq!(html.encoding(), &TransferEncoding::Base64);

    // The inline image the HTML shows: a resource, not an attachment.
    let logo = b.leaves().nth(2).unwrap();
    assert_eq!(logo.section(), [1, 2, 2]);
    assert_eq!(logo.mime_type(), "image/png");
    assert_eq!(logo.content_id(), Some("<logo-1@example.de>"));
    assert_eq!(logo.disposition(), Some("inline"));
    assert_eq!(logo.filename(), None);
    assert!(!logo.is_attachment());

    // The attached message: its envelope, and its own parts numbered in the outer one.
    let fwd = &att[3];
    let inner = fwd.structure().envelope().unwrap();
    assert_eq!(inner.subject().as_deref(), Some("Re: Café"));
    assert_eq!(inner.from()[0].name().as_deref(), Some("François"));
    assert_eq!(inner.date(), Some(dt(2024, 2, 29, 23, 59, 59, -480)));
    assert_eq!(sections(fwd.message_leaves()), ["5.1", "5.2"]);
    let inner_parts: Vec<_> = fwd.message_leaves().collect();
    assert_eq!(inner_parts[0].charset(), Some("ISO-8859-1"));
    assert_eq!(inner_parts[1].filename().as_deref(), Some("inner.zip"));
    assert!(inner_parts[1].is_attachment());
    // The inner text is not the message's text body.
    assert_eq!(b.text_body().unwrap().section(), [1, 1]);
}

// ---------------------------------------------------------------------------------------
// part bodies

#[test]
fn part_bodies_of_many_messages_are_the_original_bytes() {
    let Some(srv) = server() else { return };
    let mut s = fresh(&srv, "mime-parts");
    const N: u32 = 12;
    let msgs: Vec<Rich> = (1..=N).map(rich).collect();
    let appends: Vec<AppendMessage> = msgs.iter().map(|m| AppendMessage::new(&m.raw)).collect();
    s.append_many("mime-parts", &appends).unwrap();
    s.select("mime-parts").unwrap();
    let all = fetch_all(&mut s, FetchItems::new().body_structure());
    assert_eq!(all.len(), N as usize);

    // Every leaf of every message, and the leaves inside each attached message, newest
    // message first: one batch.
    let mut requests = Vec::new();
    let mut expected: Vec<&[u8]> = Vec::new();
    for f in all.iter().rev() {
        let uid = f.uid().unwrap();
        let original = &msgs[uid.0 as usize - 1];
        let want: BTreeMap<&[u32], &[u8]> = original
            .parts
            .iter()
            .map(|(sec, bytes)| (sec.as_slice(), bytes.as_slice()))
            .collect();
        let b = f.body_structure().unwrap();
        let mut leaves: Vec<_> = b.leaves().collect();
        let nested: Vec<_> = leaves.iter().flat_map(|p| p.message_leaves()).collect();
        leaves.extend(nested);
        assert_eq!(leaves.len(), original.parts.len());
        for part in &leaves {
            requests.push(PartRequest::from_part(uid, part));
            // The attached message (message/rfc822, 7bit) too comes exactly as attached: a
            // part with nothing to decode is asked for with BODY.PEEK, since Dovecot would
            // answer BINARY with a re-rendered copy (the parts inside decoded).
            expected.push(want[part.section()]);
        }
    }
    // A part asked for twice comes twice.
    requests.push(requests[3].clone());
    expected.push(expected[3]);
    assert_eq!(requests.len(), N as usize * 9 + 1);

    let bodies = s.uid_fetch_parts(&requests).unwrap();
    assert_eq!(bodies.len(), requests.len());
    for ((body, req), want) in bodies.iter().zip(&requests).zip(&expected) {
        assert_eq!((body.uid(), body.section()), (req.uid(), req.section()));
        assert!(
            body.bytes() == *want,
            "UID {} part {:?}: {} bytes, want {} (first {:?} / {:?})",
            body.uid(),
            body.section(),
            body.bytes().len(),
            want.len(),
            &body.bytes()[..body.bytes().len().min(24)],
            &want[..want.len().min(24)]
        );
        // BINARY where there is something to decode (Dovecot has it); BODY for the rest.
        let encoded = !matches!(
            req.encoding(),
            TransferEncoding::SevenBit | TransferEncoding::EightBit | TransferEncoding::Binary
        );
        assert_eq!(body.was_binary(), encoded, "{:?}", body.section());
    }
    // The text bodies as text (the charset came from the body structure).
    let first = all[0].body_structure().unwrap();
    let text = PartRequest::from_part(Uid(1), &first.text_body().unwrap());
    let html = PartRequest::from_part(Uid(1), &first.html_body().unwrap());
    let got = s.uid_fetch_parts(&[text, html]).unwrap();
    assert_eq!(
        got[0].text(),
        "Grüße aus Köln, Nachricht 1.\r\nZeile zwei: a = b\r\n"
    );
    assert_eq!(got[0].charset(), Some("utf-8"));
    assert!(got[1].text().contains("cid:logo-1@example.de"));

    // The attached message as it was attached: BODY.PEEK[5].
    let items = FetchItems::new().body_peek(Section::Part(vec![5]));
    let fwd = s.uid_fetch(Uid(3), &items).unwrap().into_vec().unwrap();
    assert_eq!(fwd[0].part(&[5]), Some(&msgs[2].parts[6].1[..]));
    assert_ne!(msgs[2].parts[6].1, msgs[2].fwd_as_binary);

    // \Seen was left alone.
    assert!(s.uid_search(&Search::all().seen()).unwrap().is_empty());
    // A part that does not exist: NONEXISTENT for it alone.
    let each = s
        .uid_fetch_parts_each(&[
            PartRequest::new(Uid(2), &[2], TransferEncoding::Base64),
            PartRequest::new(Uid(2), &[9], TransferEncoding::Base64),
            PartRequest::new(Uid(99), &[1], TransferEncoding::Base64),
        ])
        .unwrap();
    assert_eq!(each[0].as_ref().unwrap().bytes(), msgs[1].parts[3].1);
    // Dovecot answers a part number the message does not have with an empty part (`{0}`),
    // which the client cannot tell from an empty part: no error.
    assert_eq!(each[1].as_ref().unwrap().bytes(), b"");
    // A message that is not there: nothing comes, NONEXISTENT for that request alone.
    match &each[2] {
        Err(Error::No(text)) => {
            assert_eq!(
                text.code.as_ref().map(ResponseCode::name),
                Some("NONEXISTENT")
            );
            assert!(text.text.contains("part 1 of UID 99"), "{}", text.text);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn text_parts_are_converted_from_their_charset() {
    let Some(srv) = server() else { return };
    let mut s = fresh(&srv, "mime-text");
    // 1: a single part, ISO-8859-1, 8bit: raw bytes above 0x7F.
    let latin1 = b"Gr\xfc\xdfe aus K\xf6ln\r\nCaf\xe9 cr\xe8me\r\n";
    let mut single = b"From: a@example.org\r\nSubject: latin1\r\nMIME-Version: 1.0\r\n\
        Content-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        .to_vec();
    single.extend_from_slice(latin1);
    // 2: alternative of ISO-8859-1 quoted-printable text and Windows-1252 base64 HTML.
    let cp1252 = b"<p>\x80 5 \x96 \x93quoted\x94</p>\r\n";
    let alt = message(
        "From: a@example.org\r\nSubject: alt\r\n",
        multipart(
            "alternative",
            "b",
            vec![
                leaf(
                    "Content-Type: text/plain; charset=\"iso-8859-1\"\r\n\
                     Content-Transfer-Encoding: quoted-printable\r\n",
                    quoted_printable(latin1, true),
                ),
                leaf(
                    "Content-Type: text/html; charset=windows-1252\r\n\
                     Content-Transfer-Encoding: base64\r\n",
                    base64(cp1252),
                ),
            ],
        ),
    );
    s.append("mime-text", &single).unwrap();
    s.append("mime-text", &alt).unwrap();
    s.select("mime-text").unwrap();
    let all = fetch_all(&mut s, FetchItems::new().body_structure());

    // The single part: `[]` is its part 1.
    let one = all[0].body_structure().unwrap();
    assert_eq!(one.text_body().unwrap().section(), [1]);
    let body = s.fetch_part(Uid(1), &[], one).unwrap();
    assert_eq!(body.section(), [1]);
    assert_eq!(body.bytes(), latin1);
    assert_eq!(body.charset(), Some("ISO-8859-1"));
    assert_eq!(body.text(), "Grüße aus Köln\r\nCafé crème\r\n");

    let two = all[1].body_structure().unwrap();
    let text = two.text_body().unwrap();
    let html = two.html_body().unwrap();
    assert_eq!((text.section(), html.section()), (&[1][..], &[2][..]));
    let got = s
        .uid_fetch_parts(&[
            PartRequest::from_part(Uid(2), &text),
            PartRequest::from_part(Uid(2), &html),
        ])
        .unwrap();
    assert_eq!(got[0].bytes(), latin1);
    assert_eq!(got[0].text(), "Grüße aus Köln\r\nCafé crème\r\n");
    assert_eq!(got[1].bytes(), cp1252);
    let want_html = if cfg!(feature = "charsets") {
        "<p>€ 5 – “quoted”</p>\r\n".to_string()
    } else {
        String::from_utf8_lossy(cp1252).into_owned()
    };
    assert_eq!(got[1].text(), want_html);
    // A charset given by the caller wins over none.
    let forced = s
        .uid_fetch_parts(&[
            PartRequest::new(Uid(1), &[1], TransferEncoding::EightBit).charset("latin1")
        ])
        .unwrap();
    assert_eq!(forced[0].text(), "Grüße aus Köln\r\nCafé crème\r\n");
    let unlabelled = s
        .uid_fetch_parts(&[PartRequest::new(Uid(1), &[1], TransferEncoding::EightBit)])
        .unwrap();
    assert_eq!(
        unlabelled[0].text(),
        String::from_utf8_lossy(latin1),
        "no charset: UTF-8, lossy"
    );
}

// ---------------------------------------------------------------------------------------
// examples/save_attachments.rs

/// Runs the example; returns stdout, stderr and whether it succeeded.
fn run_save_attachments(srv: &Server, extra: &[&str]) -> (String, String, bool) {
    let port_tls = srv.tls_port.to_string();
    let port_plain = srv.port.to_string();
    let ca = std::env::var("BLOCKING_IMAP_CA").unwrap_or_default();
    let connection: Vec<&str> = if over_tls() {
        vec![
            "--host",
            "localhost",
            "--port",
            &port_tls,
            "--tls",
            "implicit",
            "--ca",
            &ca,
        ]
    } else {
        vec!["--host", &srv.host, "--port", &port_plain, "--tls", "none"]
    };
    let mut args = connection;
    args.extend(["--user", "alice", "--password-env", "SAVE_TEST_PASSWORD"]);
    args.extend(extra);
    common::example::run(
        "save_attachments",
        &args,
        &[("SAVE_TEST_PASSWORD", "alice-pass")],
    )
}

/// The files in `dir` and their contents, but the example's manifest (`.imap-saved`).
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| e.as_ref().map_or(true, |e| e.file_name() != ".imap-saved"))
        .map(|e| {
            let e = e.unwrap();
            assert!(e.file_type().unwrap().is_file(), "{:?}", e.path());
            (
                e.file_name().into_string().unwrap(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("blocking-imap-save-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A message from `from` with attachments given as (extra Content-Type parameters and
/// Content-Disposition header, content), each base64.
fn with_attachments(from: &str, subject: &str, parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut entities = vec![leaf(
        "Content-Type: text/plain; charset=us-ascii\r\n",
        b"See the attachments.\r\n".to_vec(),
    )];
    for (head, content) in parts {
        entities.push(leaf(
            &format!("{head}Content-Transfer-Encoding: base64\r\n"),
            base64(content),
        ));
    }
    message(
        &format!("From: {from}\r\nTo: alice@example.org\r\nSubject: {subject}\r\n"),
        multipart("mixed", "save-boundary", entities),
    )
}

#[test]
fn save_attachments_example_writes_safe_unique_names() {
    let Some(srv) = server() else { return };
    let mut s = fresh(&srv, "mime-save");
    let evil = "Mallory <evil@example.org>";
    let blobs: Vec<Vec<u8>> = (0..12)
        .map(|i| blob(b"", 100 + i, 300 + 10 * i as usize))
        .collect();
    let long_name = format!("{}.txt", "ü".repeat(148));
    assert_eq!(long_name.len(), 300);
    let long_encoded: String = long_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'.' {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    // Two continuations, split between two %XX escapes.
    let half = long_encoded[long_encoded.len() / 2..].find('%').unwrap() + long_encoded.len() / 2;
    let (long_a, long_b) = long_encoded.split_at(half);
    let long_head = format!(
        "Content-Type: text/plain; charset=utf-8\r\n\
         Content-Disposition: attachment;\r\n filename*0*=utf-8''{long_a};\r\n filename*1*={long_b}\r\n"
    );
    // A forwarded message with a base64 attachment of its own: saved as it was attached,
    // not with its parts decoded (as BINARY would give it).
    let inner = with_attachments(
        "x@example.org",
        "inner",
        &[(
            "Content-Type: application/pdf\r\n\
             Content-Disposition: attachment; filename=\"inner.pdf\"\r\n",
            b"%PDF-1.4\n\x00\xff inner",
        )],
    );

    // 1: every hostile name at once (after the date the first run asks for).
    let m1 = with_attachments(
        evil,
        "hostile",
        &[
            (
                "Content-Type: application/octet-stream\r\n\
                 Content-Disposition: attachment; filename=\"../../etc/passwd\"\r\n",
                &blobs[0],
            ),
            (
                "Content-Type: text/plain; name=\"a/b\\\\c.txt\"\r\n\
                 Content-Disposition: attachment; filename=\"a/b\\\\c.txt\"\r\n",
                &blobs[1],
            ),
            (
                "Content-Type: application/octet-stream\r\n\
                 Content-Disposition: attachment; filename*=utf-8''line1%0Aline2.txt\r\n",
                &blobs[2],
            ),
            (
                "Content-Type: application/pdf\r\n\
                 Content-Disposition: attachment; filename=\"report.pdf\"\r\n",
                &blobs[3],
            ),
            (
                "Content-Type: application/pdf\r\n\
                 Content-Disposition: attachment; filename=\"report.pdf\"\r\n",
                &blobs[4],
            ),
            (
                "Content-Type: application/pdf\r\n\
                 Content-Disposition: attachment; filename=\"\"\r\n",
                &blobs[5],
            ),
            (&long_head, &blobs[6]),
            (
                "Content-Type: image/png\r\n\
                 Content-Disposition: inline; filename=\".hidden.png\"\r\n",
                &blobs[7],
            ),
            // An inline image the HTML would show: not an attachment, not saved.
            (
                "Content-Type: image/gif\r\nContent-ID: <pixel@example.org>\r\n\
                 Content-Disposition: inline\r\n",
                b"GIF89a",
            ),
        ],
    );
    // 2: another sender, recent.
    let m2 = with_attachments(
        "other@example.org",
        "other",
        &[(
            "Content-Type: application/pdf; name=\"other.pdf\"\r\n",
            &blobs[8],
        )],
    );
    // 3: the hostile sender, but too old.
    let m3 = with_attachments(
        evil,
        "old",
        &[(
            "Content-Type: application/pdf\r\n\
             Content-Disposition: attachment; filename=\"old.pdf\"\r\n",
            &blobs[9],
        )],
    );
    // 4: a third report.pdf, and a forwarded message without a name.
    let mut m4_parts = vec![
        leaf("Content-Type: text/plain\r\n", b"fwd\r\n".to_vec()),
        leaf(
            "Content-Type: application/pdf\r\n\
             Content-Disposition: attachment; filename=\"report.pdf\"\r\n\
             Content-Transfer-Encoding: base64\r\n",
            base64(&blobs[10]),
        ),
    ];
    m4_parts.push(leaf("Content-Type: message/rfc822\r\n", inner.clone()));
    let m4 = message(
        &format!("From: {evil}\r\nSubject: forward\r\n"),
        multipart("mixed", "m4-boundary", m4_parts),
    );
    // 5: the hostile sender, recent, the passwd name again.
    let m5 = with_attachments(
        evil,
        "again",
        &[(
            "Content-Type: application/octet-stream\r\n\
             Content-Disposition: attachment; filename=\"/etc/passwd\"\r\n",
            &blobs[11],
        )],
    );
    let t = now();
    let dated = [
        (&m1, dt(2024, 3, 5, 12, 0, 0, 0)),
        (&m2, DateTime::from_unix_timestamp(t - 2 * DAY, 0).unwrap()),
        (&m3, dt(2023, 1, 1, 12, 0, 0, 0)),
        (&m4, dt(2024, 6, 1, 12, 0, 0, 0)),
        (&m5, DateTime::from_unix_timestamp(t - 5 * DAY, 0).unwrap()),
    ];
    let appends: Vec<AppendMessage> = dated
        .iter()
        .map(|(m, d)| AppendMessage::new(m).internal_date(*d))
        .collect();
    let uids = s.append_many("mime-save", &appends).unwrap().unwrap();
    assert_eq!(uids.uids.to_string(), "1:5");
    drop(s);

    // Run 1: the hostile sender since 1 March 2024, into a folder that already has an
    // etc_passwd (which must survive).
    let dir1 = temp_dir("since");
    std::fs::create_dir_all(&dir1).unwrap();
    std::fs::write(dir1.join("etc_passwd"), b"keep me").unwrap();
    let dir1_text = dir1.to_str().unwrap();
    let (out, err, ok) = run_save_attachments(
        &srv,
        &[
            "--mailbox",
            "mime-save",
            "--from",
            "evil@example.org",
            "--since",
            "2024-03-01",
            "--dir",
            dir1_text,
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(
        out,
        format!("saved 11 attachments from 3 messages into {dir1_text}\n"),
        "{err}"
    );
    let long_saved = format!("{}.txt", "ü".repeat(98));
    assert_eq!(long_saved.len(), 200);
    let want: BTreeMap<String, Vec<u8>> = [
        ("etc_passwd", b"keep me".to_vec()),
        ("etc_passwd (2)", blobs[0].clone()),
        ("a_b_c.txt", blobs[1].clone()),
        ("line1_line2.txt", blobs[2].clone()),
        ("report.pdf", blobs[3].clone()),
        ("report (2).pdf", blobs[4].clone()),
        ("attachment-1-7.pdf", blobs[5].clone()),
        (long_saved.as_str(), blobs[6].clone()),
        ("hidden.png", blobs[7].clone()),
        ("report (3).pdf", blobs[10].clone()),
        ("attachment-4-3.eml", inner.clone()),
        ("etc_passwd (3)", blobs[11].clone()),
    ]
    .into_iter()
    .map(|(n, b)| (n.to_string(), b))
    .collect();
    let got = files(&dir1);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "{err}"
    );
    for (name, bytes) in &want {
        assert!(got[name] == *bytes, "{name}: {} bytes", got[name].len());
    }
    assert!(err.contains("3 messages match"), "{err}");
    // Nothing was written outside the folder.
    assert!(!dir1.join("..").join("etc").exists());
    let manifest = dir1.join(".imap-saved");
    let lines = |p: &Path| std::fs::read_to_string(p).unwrap().lines().count();
    assert_eq!(lines(&manifest), 11);

    // Run 1 again: nothing fetched, nothing written, every part known from the manifest.
    let run1 = [
        "--mailbox",
        "mime-save",
        "--from",
        "evil@example.org",
        "--since",
        "2024-03-01",
        "--dir",
        dir1_text,
    ];
    let (out, err, ok) = run_save_attachments(&srv, &run1);
    assert!(ok, "{err}");
    assert_eq!(
        out,
        format!("saved 0 attachments from 0 messages into {dir1_text} (11 saved before)\n"),
        "{err}"
    );
    assert_eq!(files(&dir1), got, "a re-run changes no file");
    assert_eq!(lines(&manifest), 11);

    // A run that stopped after writing the files but before their manifest lines: the
    // files are found by name and bytes, no `report (4).pdf` appears, the lines come back.
    std::fs::remove_file(&manifest).unwrap();
    let (out, err, ok) = run_save_attachments(&srv, &run1);
    assert!(ok, "{err}");
    assert_eq!(
        out,
        format!("saved 0 attachments from 0 messages into {dir1_text} (11 saved before)\n"),
        "{err}"
    );
    assert_eq!(files(&dir1), got, "nothing saved twice");
    assert_eq!(lines(&manifest), 11);

    // A new message with yet another, different report.pdf: only it is saved, apart.
    let blob_new = blob(b"", 200, 333);
    let m6 = with_attachments(
        evil,
        "new report",
        &[(
            "Content-Type: application/pdf\r\n\
             Content-Disposition: attachment; filename=\"report.pdf\"\r\n",
            &blob_new,
        )],
    );
    let mut s = srv.login("alice", "alice-pass");
    s.append_with("mime-save", &m6, &[], Some(dt(2024, 7, 1, 12, 0, 0, 0)))
        .unwrap();
    s.logout().unwrap();
    let (out, err, ok) = run_save_attachments(&srv, &run1);
    assert!(ok, "{err}");
    assert_eq!(
        out,
        format!("saved 1 attachments from 1 messages into {dir1_text} (11 saved before)\n"),
        "{err}"
    );
    let now_there = files(&dir1);
    assert_eq!(now_there.len(), got.len() + 1);
    assert!(now_there["report (4).pdf"] == blob_new);
    assert_eq!(lines(&manifest), 12);

    // Run 2: anyone, the last 30 days, into a folder that does not exist yet.
    let dir2 = temp_dir("days").join("new");
    let dir2_text = dir2.to_str().unwrap();
    let (out, err, ok) = run_save_attachments(
        &srv,
        &["--mailbox", "mime-save", "--days", "30", "--dir", dir2_text],
    );
    assert!(ok, "{err}");
    assert_eq!(
        out,
        format!("saved 2 attachments from 2 messages into {dir2_text}\n")
    );
    let got = files(&dir2);
    let want: BTreeMap<String, Vec<u8>> = [
        ("other.pdf".to_string(), blobs[8].clone()),
        ("etc_passwd".to_string(), blobs[11].clone()),
    ]
    .into_iter()
    .collect();
    assert_eq!(got, want);

    // Nothing matches: nothing saved, still a summary.
    let dir3 = temp_dir("none");
    let dir3_text = dir3.to_str().unwrap();
    let (out, err, ok) = run_save_attachments(
        &srv,
        &[
            "--mailbox",
            "mime-save",
            "--from",
            "nobody@example.org",
            "--dir",
            dir3_text,
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(
        out,
        format!("saved 0 attachments from 0 messages into {dir3_text}\n")
    );
    assert!(files(&dir3).is_empty());

    // Errors: one line on stderr, exit 1.
    for (args, start) in [
        (
            vec!["--mailbox", "mime-no-such", "--dir", dir3_text],
            "error: opening mime-no-such",
        ),
        (
            vec![
                "--mailbox",
                "mime-save",
                "--since",
                "March",
                "--dir",
                dir3_text,
            ],
            "error: --since March",
        ),
        (
            vec!["--since", "2024-03-01", "--days", "3", "--dir", dir3_text],
            "error: give --since or --days",
        ),
        (
            vec!["--mailbox", "mime-save"],
            "error: --dir DIR is required",
        ),
    ] {
        let (out, err, ok) = run_save_attachments(&srv, &args);
        assert!(!ok && out.is_empty(), "{args:?}: {out}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with(start), "{err}");
    }

    for dir in [dir1, dir2.parent().unwrap().to_path_buf(), dir3] {
        std::fs::remove_dir_all(dir).unwrap();
    }
}
