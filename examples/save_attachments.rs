//! Saves the attachments of the messages in a mailbox that match a sender and a date, each
//! under its decoded file name made safe for the file system.
//!
//! ```sh
//! IMAP_PASSWORD=secret cargo run --example save_attachments -- \
//!     --host imap.example.com --port 993 --tls implicit --user me \
//!     --password-env IMAP_PASSWORD --dir ./attachments \
//!     [--mailbox INBOX] [--from billing@example.com] [--since 2024-03-01 | --days 30] \
//!     [--batch 200]
//! ```
//!
//! How it works: `UID SEARCH [FROM addr] [SINCE date]` on the mailbox (opened read-only with
//! EXAMINE), then for each `--batch` of messages one `UID FETCH ... (BODYSTRUCTURE)`, whose
//! [`attachments`](blocking_imap::BodyStructure::attachments) say what to save (a forwarded
//! message is saved whole, as a `.eml`; an inline image the HTML shows is not an attachment),
//! then [`Session::uid_fetch_parts_each`](blocking_imap::Session::uid_fetch_parts_each) for
//! the attachments of many messages at once: one pipelined round trip, decoded by the
//! server (BINARY) when it can, else here. An attached message is fetched as it is, with
//! `BODY.PEEK[section]`: BINARY would have the server decode the parts inside it (Dovecot
//! does), and the `.eml` would no longer be the message that was attached. No `\Seen` flag
//! changes.
//!
//! File names: the part's decoded name (RFC 2231 / RFC 2047), made safe by the library's
//! [`Part::sanitized_filename`](blocking_imap::Part::sanitized_filename) (the rules of
//! [`sanitize_filename`](blocking_imap::sanitize_filename): no `/` or `\` (a path becomes
//! `dir_file`), no `.` or `..` component, no control, format or bidirectional characters, no
//! characters Windows forbids, no leading dots (no hidden files), no Windows device names),
//! then cut to 200 bytes here (at a character boundary, the extension kept). A part without a
//! usable name is saved as `attachment-<uid>-<section>.<ext>`, the extension from its MIME
//! type ([`Part::default_extension`](blocking_imap::Part::default_extension)). An existing
//! file is never overwritten: the new one becomes `name (2).pdf`, `name (3).pdf`, ...
//!
//! Progress goes to stderr; stdout gets one line, `saved N attachments from M messages into
//! DIR` (M counts the messages something was saved from). Exit code 0 on success, 1
//! with a one-line error otherwise (also when some attachments could not be fetched or
//! written: those are listed on stderr first, the rest are saved).

mod common;

use std::collections::BTreeSet;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use blocking_imap::{FetchItems, Part, PartRequest, Search, SearchDate, Section, Session, Uid};
use common::{die, Args};

/// The longest file name written, in bytes: below the library's
/// [`MAX_FILENAME_BYTES`](blocking_imap::MAX_FILENAME_BYTES) (255), leaving room for a
/// ` (12)` and for the folder in a Windows path.
const MAX_NAME_BYTES: usize = 200;
/// An extension longer than this is not kept when a name is cut.
const MAX_EXTENSION_BYTES: usize = 16;
/// At most this many parts, and about this many (encoded) bytes, per `uid_fetch_parts` batch.
const PARTS_PER_BATCH: usize = 500;
const BYTES_PER_BATCH: u64 = 64 * 1024 * 1024;

/// `name` split into stem and extension (`report.pdf` is `("report", Some("pdf"))`); a
/// leading dot, an empty, long or spaced extension is not one.
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

/// The longest prefix of `s` of at most `max` bytes that ends at a character boundary.
fn cut(s: &str, max: usize) -> &str {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// `name` with `suffix` before its extension (`report (2).pdf`), cut to [`MAX_NAME_BYTES`]
/// by shortening the stem.
fn fit(name: &str, suffix: &str) -> String {
    let (stem, ext) = split_extension(name);
    let ext_len = ext.map_or(0, |e| e.len() + 1);
    let budget = MAX_NAME_BYTES.saturating_sub(suffix.len() + ext_len);
    let mut stem = cut(stem, budget);
    if stem.len() < name.len() - ext_len {
        // Cut: no trailing dots or spaces before the suffix or extension.
        stem = stem.trim_end_matches(|c: char| c == '.' || c.is_whitespace());
    }
    match ext {
        Some(ext) => format!("{stem}{suffix}.{ext}"),
        None => format!("{stem}{suffix}"),
    }
}

/// The `n`th name for `name` when it is taken: `report (2).pdf`.
fn numbered(name: &str, n: u32) -> String {
    fit(name, &format!(" ({n})"))
}

/// The name of a part that has no usable one: `attachment-<uid>-<section>.<ext>` (the
/// library's [`Part::fallback_filename`](blocking_imap::Part::fallback_filename) with the
/// UID, since the parts of several messages go into one folder).
fn fallback_name(uid: Uid, part: &Part<'_>) -> String {
    format!(
        "attachment-{uid}-{}.{}",
        part.section_string(),
        part.default_extension()
    )
}

/// The name to save `part` of message `uid` under: its own name made safe by the library
/// ([`Part::sanitized_filename`](blocking_imap::Part::sanitized_filename)), cut to
/// [`MAX_NAME_BYTES`], else [`fallback_name`].
fn file_name(uid: Uid, part: &Part<'_>) -> String {
    match part.sanitized_filename() {
        Some(name) => fit(&name, ""),
        None => fallback_name(uid, part),
    }
}

/// Writes `bytes` to a new file in `dir` called `name`, or `name (2)`, `name (3)`, ... if
/// that exists; never replaces a file (nor follows a link put there). Returns the path.
fn save_new(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<PathBuf> {
    for n in 1..=10_000u32 {
        let candidate = if n == 1 {
            name.to_string()
        } else {
            numbered(name, n)
        };
        let path = dir.join(candidate);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut file) => {
                file.write_all(bytes)?;
                file.sync_all()?;
                return Ok(path);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("10000 files called {name} already"),
    ))
}

/// An attachment to fetch, and the name to save it under.
struct Wanted {
    request: PartRequest,
    name: String,
}

/// A part's section and the file name to save it under.
type Named = (Vec<u32>, String);

/// What has been done so far.
#[derive(Default)]
struct Tally {
    saved: usize,
    failed: usize,
    /// The messages something was saved from.
    messages: BTreeSet<Uid>,
}

/// Fetches `batch` in one pipelined round trip and writes each part.
fn fetch_and_save(session: &mut Session, batch: &mut Vec<Wanted>, dir: &Path, tally: &mut Tally) {
    if batch.is_empty() {
        return;
    }
    let requests: Vec<PartRequest> = batch.iter().map(|w| w.request.clone()).collect();
    let results = session
        .uid_fetch_parts_each(&requests)
        .unwrap_or_else(|e| die(format!("fetching attachments: {e}")));
    for (wanted, result) in batch.drain(..).zip(results) {
        let uid = wanted.request.uid();
        let section = section_string(wanted.request.section());
        let body = match result {
            Ok(body) => body,
            Err(e) => {
                eprintln!("UID {uid} part {section}: not fetched: {e}");
                tally.failed += 1;
                continue;
            }
        };
        let result = save_new(dir, &wanted.name, body.bytes());
        record(
            result,
            uid,
            &section,
            body.bytes().len(),
            &wanted.name,
            tally,
        );
    }
}

/// Saves the attached messages (`message/rfc822`) of one message as they were attached:
/// one `UID FETCH uid (BODY.PEEK[2] BODY.PEEK[4] ...)` for all of them.
fn save_attached_messages(
    session: &mut Session,
    uid: Uid,
    wanted: &[Named],
    dir: &Path,
    tally: &mut Tally,
) {
    if wanted.is_empty() {
        return;
    }
    let items = wanted
        .iter()
        .fold(FetchItems::new().uid(), |items, (section, _)| {
            items.body_peek(Section::Part(section.clone()))
        });
    let fetched = session
        .uid_fetch(uid, &items)
        .and_then(|stream| stream.into_vec())
        .unwrap_or_else(|e| die(format!("fetching attached messages of UID {uid}: {e}")));
    for (section, name) in wanted {
        let text = section_string(section);
        let Some(bytes) = fetched.iter().find_map(|f| f.part(section)) else {
            eprintln!("UID {uid} part {text}: not sent by the server");
            tally.failed += 1;
            continue;
        };
        record(
            save_new(dir, name, bytes),
            uid,
            &text,
            bytes.len(),
            name,
            tally,
        );
    }
}

/// Counts and reports one attempt to save a part.
fn record(
    result: io::Result<PathBuf>,
    uid: Uid,
    section: &str,
    len: usize,
    name: &str,
    tally: &mut Tally,
) {
    match result {
        Ok(path) => {
            tally.saved += 1;
            tally.messages.insert(uid);
            eprintln!(
                "UID {uid} part {section}: {len} bytes -> {}",
                path.display()
            );
        }
        Err(e) => {
            eprintln!("UID {uid} part {section}: writing {name}: {e}");
            tally.failed += 1;
        }
    }
}

/// `2.1` for `[2, 1]`.
fn section_string(section: &[u32]) -> String {
    section
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

fn main() {
    let args = Args::parse(&[
        ("--mailbox", true),
        ("--from", true),
        ("--since", true),
        ("--days", true),
        ("--dir", true),
        ("--batch", true),
    ]);
    let mailbox = args.get("--mailbox").unwrap_or("INBOX").to_string();
    let dir = PathBuf::from(
        args.get("--dir")
            .unwrap_or_else(|| die("--dir DIR is required")),
    );
    let since = match (args.get("--since"), args.get("--days")) {
        (Some(_), Some(_)) => die("give --since or --days, not both"),
        (Some(date), None) => Some(
            date.parse::<SearchDate>()
                .unwrap_or_else(|e| die(format!("--since {date}: {e}"))),
        ),
        (None, Some(days)) => {
            Some(SearchDate::days_ago(days.parse().unwrap_or_else(|_| {
                die(format!("--days {days}: not a number of days"))
            })))
        }
        (None, None) => None,
    };
    let batch: usize = args
        .get("--batch")
        .map(|b| {
            b.parse()
                .unwrap_or_else(|_| die("--batch must be a number"))
        })
        .unwrap_or(200)
        .max(1);
    let mut query = Search::all();
    if let Some(from) = args.get("--from") {
        query = query.from(from);
    }
    if let Some(date) = since {
        query = query.since(date);
    }

    let mut session = args.login();
    session
        .examine(mailbox.as_str())
        .unwrap_or_else(|e| die(format!("opening {mailbox}: {e}")));
    let mut uids = session
        .uid_search(&query)
        .unwrap_or_else(|e| die(format!("search: {e}")));
    uids.sort_unstable();
    eprintln!("{mailbox}: {} messages match", uids.len());
    fs::create_dir_all(&dir).unwrap_or_else(|e| die(format!("creating {}: {e}", dir.display())));

    let mut tally = Tally::default();
    let mut pending: Vec<Wanted> = Vec::new();
    let mut pending_bytes = 0u64;
    let items = FetchItems::new().uid().body_structure();
    for chunk in uids.chunks(batch) {
        let structures = session
            .uid_fetch(chunk, &items)
            .and_then(|stream| stream.into_vec())
            .unwrap_or_else(|e| die(format!("fetching structures: {e}")));
        // The attached messages of this chunk, per message.
        let mut attached: Vec<(Uid, Vec<Named>)> = Vec::new();
        for msg in &structures {
            let (Some(uid), Some(structure)) = (msg.uid(), msg.body_structure()) else {
                continue;
            };
            for part in structure.attachments() {
                let name = file_name(uid, &part);
                if part.is_mime_type("message/*") {
                    match attached.last_mut() {
                        Some((u, list)) if *u == uid => list.push((part.section().to_vec(), name)),
                        _ => attached.push((uid, vec![(part.section().to_vec(), name)])),
                    }
                    continue;
                }
                let size = u64::from(part.size().unwrap_or(0));
                if !pending.is_empty()
                    && (pending.len() >= PARTS_PER_BATCH || pending_bytes + size > BYTES_PER_BATCH)
                {
                    fetch_and_save(&mut session, &mut pending, &dir, &mut tally);
                    pending_bytes = 0;
                }
                pending_bytes += size;
                pending.push(Wanted {
                    request: PartRequest::from_part(uid, &part),
                    name,
                });
            }
        }
        // The parts of this chunk of messages: one round trip.
        fetch_and_save(&mut session, &mut pending, &dir, &mut tally);
        pending_bytes = 0;
        for (uid, wanted) in &attached {
            save_attached_messages(&mut session, *uid, wanted, &dir, &mut tally);
        }
        eprintln!("saved {} attachments so far", tally.saved);
    }
    let _ = session.logout();
    println!(
        "saved {} attachments from {} messages into {}",
        tally.saved,
        tally.messages.len(),
        dir.display()
    );
    if tally.failed > 0 {
        die(format!(
            "{} attachments could not be saved (see above)",
            tally.failed
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_cut_to_the_example_limit() {
        assert_eq!(fit(&format!("{}.txt", "ü".repeat(148)), "").len(), 200);
        assert_eq!(fit("short.pdf", ""), "short.pdf");
    }

    #[test]
    fn numbered_names() {
        assert_eq!(numbered("report.pdf", 2), "report (2).pdf");
        assert_eq!(numbered("README", 3), "README (3)");
        assert_eq!(numbered("archive.tar.gz", 2), "archive.tar (2).gz");
        let long = format!("{}.txt", "ü".repeat(98));
        let n = numbered(&long, 12);
        assert!(n.len() <= MAX_NAME_BYTES, "{}", n.len());
        assert!(n.ends_with(" (12).txt"), "{n}");
    }

    #[test]
    fn existing_files_are_never_replaced() {
        let dir =
            std::env::temp_dir().join(format!("save-attachments-unit-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let a = save_new(&dir, "x.pdf", b"one").unwrap();
        let b = save_new(&dir, "x.pdf", b"two").unwrap();
        let c = save_new(&dir, "x.pdf", b"three").unwrap();
        assert_eq!(a, dir.join("x.pdf"));
        assert_eq!(b, dir.join("x (2).pdf"));
        assert_eq!(c, dir.join("x (3).pdf"));
        assert_eq!(fs::read(&a).unwrap(), b"one");
        assert_eq!(fs::read(&c).unwrap(), b"three");
        fs::remove_dir_all(&dir).unwrap();
    }
}
