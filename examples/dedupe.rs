//! Removes duplicate messages from a mailbox: the job this crate exists for.
//!
//! Messages are duplicates when they share a Message-ID; the one with the lowest UID is kept,
//! and messages without a Message-ID are never touched. The rest are marked `\Deleted` with
//! STORE (not silent: the server's flood of FETCH responses is consumed as it arrives) and
//! expunged with UID EXPUNGE when the server has UIDPLUS, so other `\Deleted` messages stay.
//!
//! ```sh
//! IMAP_PASSWORD=secret cargo run --release --example dedupe -- \
//!     --host imap.example.com --port 993 --tls implicit --user me \
//!     --password-env IMAP_PASSWORD [--mailbox INBOX] [--batch 5000] [--dry-run]
//! ```
//!
//! Progress goes to stderr; stdout gets one line: `kept K, deleted D, remaining R` (in a dry
//! run, first one `would delete uid=U message-id=M` line per duplicate). Exit code 0 on
//! success, 1 with a one-line error otherwise.

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use blocking_imap::{FetchItems, Flag, SequenceSet, StoreAction};
use common::{die, message_id, Args, Duplicates};

/// Prints a progress line at most every two seconds.
struct Progress {
    what: &'static str,
    total: u64,
    done: u64,
    start: Instant,
    last: Instant,
}

impl Progress {
    fn new(what: &'static str, total: u64) -> Self {
        let now = Instant::now();
        Progress {
            what,
            total,
            done: 0,
            start: now,
            last: now,
        }
    }

    fn tick(&mut self) {
        self.done += 1;
        if self.last.elapsed() >= Duration::from_secs(2) {
            self.print();
            self.last = Instant::now();
        }
    }

    fn print(&self) {
        let secs = self.start.elapsed().as_secs_f64().max(1e-6);
        eprintln!(
            "{}: {} / {} ({:.0}/s)",
            self.what,
            self.done,
            self.total,
            self.done as f64 / secs
        );
    }
}

fn main() {
    let args = Args::parse(&[("--mailbox", true), ("--batch", true), ("--dry-run", false)]);
    let mailbox = args.get("--mailbox").unwrap_or("INBOX").to_string();
    let batch: usize = args
        .get("--batch")
        .map(|b| {
            b.parse()
                .unwrap_or_else(|_| die("--batch must be a number"))
        })
        .unwrap_or(5000)
        .max(1);
    let dry_run = args.has("--dry-run");

    let mut session = args.login();
    let mb = if dry_run {
        session.examine(mailbox.as_str())
    } else {
        session.select(mailbox.as_str())
    }
    .unwrap_or_else(|e| die(format!("opening {mailbox}: {e}")));
    let total = u64::from(mb.exists());
    eprintln!("{mailbox}: {total} messages");

    // 1. Every message's Message-ID, streamed: memory is one message at a time plus the map.
    let mut seen = Duplicates::default();
    let mut progress = Progress::new("reading message ids", total);
    let items = FetchItems::new().uid().header_fields(&["Message-ID"]);
    let stream = session
        .uid_fetch(1.., &items)
        .unwrap_or_else(|e| die(format!("fetch: {e}")));
    for msg in stream {
        let msg = msg.unwrap_or_else(|e| die(format!("fetch: {e}")));
        progress.tick();
        if let (Some(uid), Some(id)) = (msg.uid(), msg.header().and_then(message_id)) {
            seen.see(uid, id);
        }
    }
    if total > 0 {
        progress.print();
    }
    let duplicates = seen.into_sorted();
    let kept = u64::from(session.mailbox().exists()) - duplicates.len() as u64;

    if dry_run {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        for (uid, id) in &duplicates {
            let _ = writeln!(
                out,
                "would delete uid={uid} message-id={}",
                String::from_utf8_lossy(id)
            );
        }
        let _ = writeln!(
            out,
            "kept {kept}, deleted 0, remaining {}",
            session.mailbox().exists()
        );
        let _ = session.logout();
        return;
    }

    // 2. Mark the duplicates \Deleted, reading every FETCH response the server sends back.
    let mut progress = Progress::new("marking duplicates", duplicates.len() as u64);
    for chunk in duplicates.chunks(batch) {
        let set: SequenceSet = chunk.iter().map(|(uid, _)| *uid).collect();
        let stream = session
            .uid_store(set, StoreAction::Add, &[Flag::Deleted])
            .unwrap_or_else(|e| die(format!("store: {e}")));
        for msg in stream {
            msg.unwrap_or_else(|e| die(format!("store: {e}")));
            progress.tick();
        }
    }
    if !duplicates.is_empty() {
        progress.print();
    }

    // 3. Expunge just those messages when the server lets us.
    let uidplus = session
        .capabilities()
        .map(|c| c.has("UIDPLUS"))
        .unwrap_or_else(|e| die(format!("capability: {e}")));
    let mut deleted = 0;
    if !duplicates.is_empty() {
        let gone = if uidplus {
            let set: SequenceSet = duplicates.iter().map(|(uid, _)| *uid).collect();
            session.uid_expunge(set)
        } else {
            session.expunge()
        }
        .unwrap_or_else(|e| die(format!("expunge: {e}")));
        deleted = gone.len();
        eprintln!("expunged {deleted}");
    }
    session.noop().unwrap_or_else(|e| die(format!("noop: {e}")));
    let remaining = session.mailbox().exists();
    println!("kept {kept}, deleted {deleted}, remaining {remaining}");
    let _ = session.logout();
}

#[cfg(test)]
mod tests {
    use crate::common::message_id;

    #[test]
    fn message_ids() {
        assert_eq!(message_id(b"Message-ID: <a@b>\r\n\r\n").unwrap(), b"<a@b>");
        assert_eq!(
            message_id(b"message-id:\r\n  <folded@b>\r\nSubject: x\r\n").unwrap(),
            b"<folded@b>"
        );
        assert_eq!(message_id(b"\r\n"), None);
        assert_eq!(message_id(b"Message-ID:   \r\n\r\n"), None);
    }
}
