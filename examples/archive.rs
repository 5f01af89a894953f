//! Moves mail older than N days into one mailbox per year: `Archive/2023`, `Archive/2024`...
//!
//! The year is the one of each message's internal date (when it arrived) as the server
//! reports it: servers write internal dates in their own time zone, so a message that
//! arrived late on 31 December elsewhere may count for the next year. Messages are found with `UID SEARCH BEFORE <N days ago>`, their dates read with
//! one streamed FETCH, and each year's messages moved with UID MOVE (or COPY + STORE +
//! UID EXPUNGE where the server lacks MOVE); a missing year mailbox is created first.
//!
//! ```sh
//! IMAP_PASSWORD=secret cargo run --example archive -- \
//!     --host imap.example.com --port 993 --tls implicit --user me \
//!     [--mailbox INBOX] [--days 365] [--prefix Archive] [--dry-run]
//! ```
//!
//! Safe to run again after being killed: with MOVE (RFC 6851, which Dovecot, Gmail, Exchange
//! and most servers have) a message is either still in the source mailbox, found again by the
//! next run, or already in its archive, never both; a year mailbox that already exists is used
//! as it is. Without MOVE the library copies, marks `\Deleted` and expunges by UID; a kill
//! between the copy and the expunge leaves the copied messages in both places, and the next
//! run copies them again. Progress goes to stderr; stdout gets one line per year moved
//! (`would move` lines in a dry run) and a summary. Exit code 0 on success, 1 with a
//! one-line error otherwise.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use blocking_imap::{FetchItems, Search, SearchDate, SequenceSet, Uid};
use common::{die, Args};

fn main() {
    let args = Args::parse(&[
        ("--mailbox", true),
        ("--days", true),
        ("--prefix", true),
        ("--dry-run", false),
    ]);
    let mailbox = args.get("--mailbox").unwrap_or("INBOX").to_string();
    let days: u32 = args
        .get("--days")
        .map(|d| d.parse().unwrap_or_else(|_| die("--days must be a number")))
        .unwrap_or(365);
    let prefix = args.get("--prefix").unwrap_or("Archive").to_string();
    let dry_run = args.has("--dry-run");

    let mut session = args.login();
    // The hierarchy delimiter, for `Archive/2024` (or `Archive.2024`).
    let delimiter = session
        .list("", "")
        .ok()
        .and_then(|names| names.first().and_then(|n| n.delimiter()))
        .unwrap_or('/');
    if dry_run {
        session.examine(mailbox.as_str())
    } else {
        session.select(mailbox.as_str())
    }
    .unwrap_or_else(|e| die(format!("opening {mailbox}: {e}")));

    // 1. Which messages are old enough.
    let cutoff = SearchDate::days_ago(days);
    let old = session
        .uid_search(&Search::all().before(cutoff))
        .unwrap_or_else(|e| die(format!("search: {e}")));
    eprintln!("{mailbox}: {} messages before {cutoff}", old.len());
    if old.is_empty() {
        println!("moved 0 messages");
        let _ = session.logout();
        return;
    }

    // 2. Their internal dates, streamed: memory is the UID lists, one message at a time.
    let mut by_year: BTreeMap<u16, Vec<Uid>> = BTreeMap::new();
    let mut undated = 0u64;
    let mut last = Instant::now();
    let mut seen = 0usize;
    let items = FetchItems::new().uid().internal_date();
    let stream = session
        .uid_fetch(SequenceSet::from(old.clone()), &items)
        .unwrap_or_else(|e| die(format!("fetch: {e}")));
    for msg in stream {
        let msg = msg.unwrap_or_else(|e| die(format!("fetch: {e}")));
        seen += 1;
        if last.elapsed() >= Duration::from_secs(2) {
            eprintln!("reading dates: {seen} / {}", old.len());
            last = Instant::now();
        }
        match (msg.uid(), msg.internal_date()) {
            (Some(uid), Some(date)) => by_year.entry(date.year()).or_default().push(uid),
            (Some(_), None) => undated += 1,
            _ => {}
        }
    }
    if undated > 0 {
        eprintln!("{undated} messages without a readable internal date are left alone");
    }

    // 3. One mailbox per year, created when missing, and one MOVE per year.
    let existing: Vec<String> = session
        .list("", &format!("{prefix}*"))
        .unwrap_or_else(|e| die(format!("list: {e}")))
        .iter()
        .map(|n| n.name().as_str().to_string())
        .collect();
    let mut moved = 0usize;
    for (year, uids) in &by_year {
        let target = format!("{prefix}{delimiter}{year}");
        if dry_run {
            for uid in uids {
                println!("would move uid={uid} to {target}");
            }
            continue;
        }
        if !existing.contains(&target) {
            if let Err(e) = session.create(target.as_str()) {
                // Created meanwhile (by another run, say): fine; anything else is not.
                let exists = session
                    .list("", &target)
                    .map(|l| !l.is_empty())
                    .unwrap_or(false);
                if !exists {
                    die(format!("creating {target}: {e}"));
                }
            }
        }
        session
            .uid_mv(uids.clone(), target.as_str())
            .unwrap_or_else(|e| die(format!("moving to {target}: {e}")));
        moved += uids.len();
        println!("moved {} messages to {target}", uids.len());
    }
    if dry_run {
        let total: usize = by_year.values().map(Vec::len).sum();
        println!(
            "would move {total} messages into {} mailboxes",
            by_year.len()
        );
    } else {
        println!("moved {moved} messages into {} mailboxes", by_year.len());
    }
    let _ = session.logout();
}
