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
//! Run it again on the same folder and it saves only what it has not saved before: each
//! saved attachment gets a line in `DIR/.imap-saved` (the mailbox's UIDVALIDITY, the UID,
//! the part's section, the mailbox and the file name), written after the file, and a part
//! listed there is not fetched again. Should the run stop between the two, the next run finds
//! the file by its name and bytes (`report.pdf` or one of its numbered names with the same
//! content) and only writes the line. Two different attachments called `report.pdf` still
//! become `report.pdf` and `report (2).pdf`. A new UIDVALIDITY (the mailbox was rebuilt)
//! makes every part new again.
//!
//! Progress goes to stderr; stdout gets one line, `saved N attachments from M messages into
//! DIR` (M counts the messages something was saved from), followed by `(K saved before)`
//! when an earlier run had saved K of the attachments that match. Exit code 0 on success, 1
//! with a one-line error otherwise (also when some attachments could not be fetched or
//! written: those are listed on stderr first, the rest are saved).

mod common;

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Write};
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

/// Where a part went.
#[derive(Debug, PartialEq)]
enum Saved {
    /// Written now, to this file.
    New(PathBuf),
    /// This file already held exactly these bytes (a run that stopped before its manifest
    /// line was written).
    There(PathBuf),
}

impl Saved {
    fn path(&self) -> &Path {
        match self {
            Saved::New(p) | Saved::There(p) => p,
        }
    }
}

/// Does the regular file at `path` hold exactly `bytes`?
fn same_bytes(path: &Path, bytes: &[u8]) -> io::Result<bool> {
    let meta = fs::symlink_metadata(path)?;
    if !meta.is_file() || meta.len() != bytes.len() as u64 {
        return Ok(false);
    }
    let mut held = Vec::with_capacity(bytes.len());
    File::open(path)?.read_to_end(&mut held)?;
    Ok(held == bytes)
}

/// Writes `bytes` to a new file in `dir` called `name`, or `name (2)`, `name (3)`, ... if
/// that exists; never replaces a file (nor follows a link put there). A file of one of
/// those names that already holds exactly `bytes` is taken as this part saved before.
fn save_new(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<Saved> {
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
                return Ok(Saved::New(path));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                if same_bytes(&path, bytes)? {
                    return Ok(Saved::There(path));
                }
            }
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
    /// Saved by an earlier run (in the manifest, or found on disk with the same bytes).
    before: usize,
    /// The messages something was saved from.
    messages: BTreeSet<Uid>,
}

/// The attachments saved so far, kept in `DIR/.imap-saved`: one line per part,
/// `UIDVALIDITY<TAB>UID<TAB>SECTION<TAB>MAILBOX<TAB>FILE`, the mailbox name with `%`, TAB,
/// CR and LF written `%25`, `%09`, `%0D`, `%0A`.
struct Manifest {
    path: PathBuf,
    /// (mailbox, uidvalidity, uid, section) of every saved part.
    done: BTreeSet<(String, u32, u32, String)>,
}

/// `name` with the bytes that would break a manifest line escaped.
fn escape_field(name: &str) -> String {
    name.replace('%', "%25")
        .replace('\t', "%09")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

impl Manifest {
    const FILE: &'static str = ".imap-saved";

    /// Reads the manifest of `dir` (none yet: empty). A line that does not parse is skipped:
    /// its part is saved again, which the same-bytes check turns into no new file.
    fn open(dir: &Path) -> io::Result<Manifest> {
        let path = dir.join(Self::FILE);
        let mut done = BTreeSet::new();
        match File::open(&path) {
            Ok(file) => {
                for line in BufReader::new(file).lines() {
                    let line = line?;
                    let mut f = line.split('\t');
                    let (Some(v), Some(u), Some(section), Some(mailbox)) =
                        (f.next(), f.next(), f.next(), f.next())
                    else {
                        continue;
                    };
                    if let (Ok(v), Ok(u)) = (v.parse(), u.parse()) {
                        done.insert((mailbox.to_string(), v, u, section.to_string()));
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        Ok(Manifest { path, done })
    }

    fn key(mailbox: &str, validity: u32, uid: Uid, section: &str) -> (String, u32, u32, String) {
        (escape_field(mailbox), validity, uid.0, section.to_string())
    }

    fn has(&self, mailbox: &str, validity: u32, uid: Uid, section: &str) -> bool {
        self.done
            .contains(&Self::key(mailbox, validity, uid, section))
    }

    /// Notes a saved part, on disk before this returns.
    fn add(
        &mut self,
        mailbox: &str,
        validity: u32,
        uid: Uid,
        section: &str,
        file: &Path,
    ) -> io::Result<()> {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let line = format!(
            "{validity}\t{uid}\t{section}\t{}\t{}\n",
            escape_field(mailbox),
            escape_field(&name)
        );
        let mut out = OpenOptions::new()
            .append(true)
            .create(true)
            .open(&self.path)?;
        out.write_all(line.as_bytes())?;
        out.sync_data()?;
        self.done.insert(Self::key(mailbox, validity, uid, section));
        Ok(())
    }
}

/// Where the parts of one run go: the folder, its manifest, and the mailbox they come from.
struct Target<'a> {
    dir: &'a Path,
    manifest: Manifest,
    mailbox: &'a str,
    validity: u32,
}

/// Fetches `batch` in one pipelined round trip and writes each part.
fn fetch_and_save(
    session: &mut Session,
    batch: &mut Vec<Wanted>,
    target: &mut Target<'_>,
    tally: &mut Tally,
) {
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
        let result = save_new(target.dir, &wanted.name, body.bytes());
        record(
            result,
            uid,
            &section,
            body.bytes().len(),
            &wanted.name,
            target,
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
    target: &mut Target<'_>,
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
            save_new(target.dir, name, bytes),
            uid,
            &text,
            bytes.len(),
            name,
            target,
            tally,
        );
    }
}

/// Counts and reports one attempt to save a part, and notes a saved one in the manifest.
fn record(
    result: io::Result<Saved>,
    uid: Uid,
    section: &str,
    len: usize,
    name: &str,
    target: &mut Target<'_>,
    tally: &mut Tally,
) {
    let result = result.and_then(|saved| {
        target
            .manifest
            .add(target.mailbox, target.validity, uid, section, saved.path())?;
        Ok(saved)
    });
    match result {
        Ok(Saved::New(path)) => {
            tally.saved += 1;
            tally.messages.insert(uid);
            eprintln!(
                "UID {uid} part {section}: {len} bytes -> {}",
                path.display()
            );
        }
        Ok(Saved::There(path)) => {
            tally.before += 1;
            eprintln!("UID {uid} part {section}: already in {}", path.display());
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
    let validity = session
        .examine(mailbox.as_str())
        .unwrap_or_else(|e| die(format!("opening {mailbox}: {e}")))
        .uid_validity()
        .unwrap_or(0);
    let mut uids = session
        .uid_search(&query)
        .unwrap_or_else(|e| die(format!("search: {e}")));
    uids.sort_unstable();
    eprintln!("{mailbox}: {} messages match", uids.len());
    fs::create_dir_all(&dir).unwrap_or_else(|e| die(format!("creating {}: {e}", dir.display())));
    let manifest = Manifest::open(&dir).unwrap_or_else(|e| {
        die(format!(
            "reading {}: {e}",
            dir.join(Manifest::FILE).display()
        ))
    });
    let mut target = Target {
        dir: &dir,
        manifest,
        mailbox: &mailbox,
        validity,
    };

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
                if target
                    .manifest
                    .has(&mailbox, validity, uid, &part.section_string())
                {
                    tally.before += 1;
                    continue;
                }
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
                    fetch_and_save(&mut session, &mut pending, &mut target, &mut tally);
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
        fetch_and_save(&mut session, &mut pending, &mut target, &mut tally);
        pending_bytes = 0;
        for (uid, wanted) in &attached {
            save_attached_messages(&mut session, *uid, wanted, &mut target, &mut tally);
        }
        eprintln!("saved {} attachments so far", tally.saved);
    }
    let _ = session.logout();
    let before = match tally.before {
        0 => String::new(),
        n => format!(" ({n} saved before)"),
    };
    println!(
        "saved {} attachments from {} messages into {}{before}",
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
        assert_eq!(a, Saved::New(dir.join("x.pdf")));
        assert_eq!(b, Saved::New(dir.join("x (2).pdf")));
        assert_eq!(c, Saved::New(dir.join("x (3).pdf")));
        assert_eq!(fs::read(a.path()).unwrap(), b"one");
        assert_eq!(fs::read(c.path()).unwrap(), b"three");
        // The same bytes under one of those names: saved before, nothing written.
        assert_eq!(
            save_new(&dir, "x.pdf", b"two").unwrap(),
            Saved::There(dir.join("x (2).pdf"))
        );
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 3);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_manifest_remembers_parts_per_mailbox_and_uidvalidity() {
        let dir = std::env::temp_dir().join(format!("save-manifest-unit-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let mut m = Manifest::open(&dir).unwrap();
        m.add("In\tbox%", 7, Uid(3), "2.1", &dir.join("a.pdf"))
            .unwrap();
        let m = Manifest::open(&dir).unwrap();
        assert!(m.has("In\tbox%", 7, Uid(3), "2.1"));
        assert!(!m.has("In\tbox%", 8, Uid(3), "2.1"), "a new UIDVALIDITY");
        assert!(!m.has("In\tbox%", 7, Uid(3), "2"));
        assert!(!m.has("Inbox", 7, Uid(3), "2.1"));
        let text = fs::read_to_string(dir.join(Manifest::FILE)).unwrap();
        assert_eq!(text, "7\t3\t2.1\tIn%09box%25\ta.pdf\n");
        fs::remove_dir_all(&dir).unwrap();
    }
}
