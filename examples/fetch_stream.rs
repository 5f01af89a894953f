//! Exports a mailbox to one .eml file per message, streaming: memory holds one message at a
//! time whatever the mailbox size. A progress line on stderr every two seconds.
//!
//! ```sh
//! IMAP_PASSWORD=secret cargo run --release --example fetch_stream -- --host imap.example.com \
//!     --user me --mailbox INBOX --out ./export
//! ```

mod common;

use std::time::{Duration, Instant};

use blocking_imap::{FetchItems, Section};
use common::{die, Args};

fn main() {
    let args = Args::parse(&[("--mailbox", true), ("--out", true)]);
    let mailbox = args.get("--mailbox").unwrap_or("INBOX").to_string();
    let out = std::path::PathBuf::from(args.get("--out").unwrap_or("export"));
    std::fs::create_dir_all(&out).unwrap_or_else(|e| die(format!("{}: {e}", out.display())));
    let mut session = args.login();
    let total = session
        .examine(mailbox.as_str())
        .unwrap_or_else(|e| die(format!("opening {mailbox}: {e}")))
        .exists();
    let items = FetchItems::new().uid().body_peek(Section::Full);
    let start = Instant::now();
    let mut last = start;
    let (mut count, mut bytes) = (0u64, 0u64);
    for msg in session
        .uid_fetch(1.., &items)
        .unwrap_or_else(|e| die(format!("fetch: {e}")))
    {
        let msg = msg.unwrap_or_else(|e| die(format!("fetch: {e}")));
        let (Some(uid), Some(body)) = (msg.uid(), msg.body()) else {
            continue;
        };
        let path = out.join(format!("{}.eml", uid.0));
        std::fs::write(&path, body).unwrap_or_else(|e| die(format!("{}: {e}", path.display())));
        count += 1;
        bytes += body.len() as u64;
        if last.elapsed() >= Duration::from_secs(2) {
            last = Instant::now();
            eprintln!("{count} / {total} messages, {:.1} MB", bytes as f64 / 1e6);
        }
    }
    println!(
        "exported {count} messages ({:.1} MB) in {:.1} s",
        bytes as f64 / 1e6,
        start.elapsed().as_secs_f64()
    );
    let _ = session.logout();
}
