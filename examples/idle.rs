//! Prints new mail as it arrives, with IDLE, until Ctrl-C or the deadline.
//!
//! ```sh
//! IMAP_PASSWORD=secret cargo run --example idle -- --host imap.example.com --user me \
//!     [--mailbox INBOX] [--seconds 3600]
//! ```

mod common;

use std::time::{Duration, Instant};

use blocking_imap::{FetchItems, IdleControl, IdleEnd, Unsolicited};
use common::{die, Args};

fn main() {
    let args = Args::parse(&[("--mailbox", true), ("--seconds", true)]);
    let mailbox = args.get("--mailbox").unwrap_or("INBOX").to_string();
    let seconds: u64 = args
        .get("--seconds")
        .map(|s| {
            s.parse()
                .unwrap_or_else(|_| die("--seconds must be a number"))
        })
        .unwrap_or(3600);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut session = args.login();
    let mut known = session
        .select(mailbox.as_str())
        .unwrap_or_else(|e| die(format!("opening {mailbox}: {e}")))
        .exists();
    eprintln!("{mailbox}: {known} messages; waiting for new mail (Ctrl-C to stop)");
    loop {
        let end = session
            .idle()
            .deadline(deadline)
            .run(|news| match news {
                Unsolicited::Exists(_) => IdleControl::Stop,
                _ => IdleControl::Continue,
            })
            .unwrap_or_else(|e| die(format!("idle: {e}")));
        if end != IdleEnd::Stopped {
            break;
        }
        let now = session.mailbox().exists();
        if now > known {
            let items = FetchItems::new().uid().envelope();
            let stream = session
                .fetch(known + 1..=now, &items)
                .unwrap_or_else(|e| die(format!("fetch: {e}")));
            for msg in stream {
                let msg = msg.unwrap_or_else(|e| die(format!("fetch: {e}")));
                let env = msg.envelope();
                let subject = env.and_then(|e| e.subject()).unwrap_or_default();
                let from = env
                    .and_then(|e| e.from().first())
                    .and_then(|a| a.email())
                    .unwrap_or_default();
                println!(
                    "new: uid {:?} from {from}: {subject}",
                    msg.uid().map(|u| u.0)
                );
            }
        }
        known = now;
    }
    let _ = session.logout();
}
