//! Records a run of the dedupe job into a transcript that tests replay without a server:
//! `tests/replay.rs` plays `tests/recordings/dedupe.txt` back through the same
//! [`job::dedupe`] function. The pattern for testing a script of your own: the job is a
//! function of a `&mut Session`; `main` connects (recording, when asked) and calls it; the
//! test replays the recording and calls it too.
//!
//! ```sh
//! scripts/dovecot.sh start && eval "$(scripts/dovecot.sh env)"
//! IMAP_PASSWORD=alice-pass cargo run --features testing --example record -- \
//!     --host localhost --port "$BLOCKING_IMAP_TLS_PORT" --tls implicit \
//!     --ca "$BLOCKING_IMAP_CA" --user alice --seed \
//!     [--mailbox dedupe-demo] [--batch 5000] [--record tests/recordings/dedupe.txt]
//! ```
//!
//! `--seed` first fills the mailbox with a small set of messages (three duplicates among
//! seven) over a connection that is not recorded. Prints `kept K, deleted D, remaining R`
//! and where the transcript went. The password is not in the transcript: LOGIN's
//! arguments are written as `{{redacted}}`.

mod common;

use blocking_imap::testing::Recorder;
use common::{die, Args};

/// The dedupe job of examples/dedupe.rs as a function of the session, without its
/// progress output and dry run.
pub mod job {
    use blocking_imap::{FetchItems, Flag, Result, SequenceSet, Session, StoreAction, Uid};

    /// What a run did.
    #[derive(Debug, PartialEq, Eq)]
    pub struct Summary {
        /// Messages kept (the first of each Message-ID, and those without one).
        pub kept: u64,
        /// Messages expunged.
        pub deleted: u64,
        /// Messages in the mailbox at the end.
        pub remaining: u32,
        /// The duplicates found: UID and Message-ID, by UID.
        pub duplicates: Vec<(Uid, String)>,
    }

    pub use super::common::message_id;
    use super::common::Duplicates;

    /// Removes the messages of `mailbox` whose Message-ID an earlier (lower UID) message
    /// has: marks them `\Deleted` in batches of `batch` UIDs, then expunges just those
    /// (UID EXPUNGE) when the server has UIDPLUS.
    pub fn dedupe(session: &mut Session, mailbox: &str, batch: usize) -> Result<Summary> {
        session.select(mailbox)?;
        let mut seen = Duplicates::default();
        let items = FetchItems::new().uid().header_fields(&["Message-ID"]);
        for msg in session.uid_fetch(1.., &items)? {
            let msg = msg?;
            if let (Some(uid), Some(id)) = (msg.uid(), msg.header().and_then(message_id)) {
                seen.see(uid, id);
            }
        }
        let duplicates = seen.into_sorted();
        let kept = u64::from(session.mailbox().exists()) - duplicates.len() as u64;
        for chunk in duplicates.chunks(batch.max(1)) {
            let set: SequenceSet = chunk.iter().map(|(uid, _)| *uid).collect();
            for msg in session.uid_store(set, StoreAction::Add, &[Flag::Deleted])? {
                msg?;
            }
        }
        let mut deleted = 0;
        if !duplicates.is_empty() {
            let gone = if session.capabilities()?.has("UIDPLUS") {
                let set: SequenceSet = duplicates.iter().map(|(uid, _)| *uid).collect();
                session.uid_expunge(set)?
            } else {
                session.expunge()?
            };
            deleted = gone.len();
        }
        session.noop()?;
        Ok(Summary {
            kept,
            deleted,
            remaining: session.mailbox().exists(),
            duplicates: duplicates
                .into_iter()
                .map(|(uid, id)| (uid, String::from_utf8_lossy(&id).into_owned()))
                .collect(),
        })
    }
}

/// The demo mailbox: Message-IDs a, b, a, c, b, a and one message without any.
fn seed(args: &Args, mailbox: &str) {
    let mut session = args.login();
    let _ = session.delete(mailbox);
    session
        .create(mailbox)
        .unwrap_or_else(|e| die(format!("create {mailbox}: {e}")));
    for (i, id) in ["a", "b", "a", "c", "b", "a", ""].iter().enumerate() {
        let header = if id.is_empty() {
            String::new()
        } else {
            format!("Message-ID: <{id}@record.example>\r\n")
        };
        let msg = format!(
            "{header}From: Demo <demo@record.example>\r\nSubject: message {i}\r\n\
             Date: Sat, 1 Mar 2025 12:00:00 +0000\r\n\r\nBody {i}.\r\n"
        );
        session
            .append(mailbox, msg.as_bytes())
            .unwrap_or_else(|e| die(format!("append: {e}")));
    }
    let _ = session.logout();
}

fn main() {
    let mut args = Args::parse(&[("--mailbox", true), ("--batch", true), ("--seed", false)]);
    let mailbox = args.get("--mailbox").unwrap_or("dedupe-demo").to_string();
    let batch: usize = args
        .get("--batch")
        .map(|b| {
            b.parse()
                .unwrap_or_else(|_| die("--batch must be a number"))
        })
        .unwrap_or(5000);
    // Recorded here, not by `Args::builder`, so that seeding stays out of the transcript.
    let path = args
        .record
        .take()
        .unwrap_or_else(|| "tests/recordings/dedupe.txt".into());
    if args.has("--seed") {
        seed(&args, &mailbox);
    }

    let recorder = Recorder::create(&path).unwrap_or_else(|e| die(format!("--record {path}: {e}")));
    let password = std::env::var(&args.password_env)
        .unwrap_or_else(|_| die(format!("set the password in {}", args.password_env)));
    let client = args
        .builder()
        .record_to(recorder.clone())
        .connect()
        .unwrap_or_else(|e| die(e));
    let mut session = client
        .login(&args.user, &password)
        .unwrap_or_else(|e| die(format!("login as {}: {}", args.user, e.error)));
    let summary = job::dedupe(&mut session, &mailbox, batch).unwrap_or_else(|e| die(e));
    session
        .logout()
        .unwrap_or_else(|e| die(format!("logout: {e}")));
    recorder
        .flush()
        .unwrap_or_else(|e| die(format!("writing {path}: {e}")));
    println!(
        "kept {}, deleted {}, remaining {}",
        summary.kept, summary.deleted, summary.remaining
    );
    eprintln!("transcript written to {path}");
}
