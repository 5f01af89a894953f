//! Fetches whole messages and hands them to a MIME parser, the
//! [mail-parser](https://crates.io/crates/mail-parser) crate: the pairing for a message's
//! whole MIME tree (every header, nested parts, calendar invitations), where this crate's own
//! decoding (envelope, file names, part bodies) covers what scripts usually need.
//!
//! ```sh
//! IMAP_PASSWORD=secret cargo run --example parse_message -- \
//!     --host imap.example.com --port 993 --tls implicit --user me \
//!     [--mailbox INBOX] [--last 5]
//! ```
//!
//! For each of the last N messages it prints the subject, sender and date as mail-parser
//! reads them, the first line of the text body, and each attachment's name and size.

mod common;

use blocking_imap::{FetchItems, Section};
use common::{die, Args};
use mail_parser::{MessageParser, MimeHeaders};

fn main() {
    let args = Args::parse(&[("--mailbox", true), ("--last", true)]);
    let mailbox = args.get("--mailbox").unwrap_or("INBOX").to_string();
    let last: u32 = args
        .get("--last")
        .map(|n| n.parse().unwrap_or_else(|_| die("--last must be a number")))
        .unwrap_or(5)
        .max(1);

    let mut session = args.login();
    let exists = session
        .examine(mailbox.as_str())
        .unwrap_or_else(|e| die(format!("opening {mailbox}: {e}")))
        .exists();
    if exists == 0 {
        println!("{mailbox} is empty");
        let _ = session.logout();
        return;
    }
    let first = exists.saturating_sub(last - 1).max(1);
    let items = FetchItems::new().uid().body_peek(Section::Full);
    let stream = session
        .fetch(first..=exists, &items)
        .unwrap_or_else(|e| die(format!("fetch: {e}")));
    let parser = MessageParser::default();
    for msg in stream {
        let msg = msg.unwrap_or_else(|e| die(format!("fetch: {e}")));
        let uid = msg.uid().map_or(0, |u| u.0);
        let Some(parsed) = msg.body().and_then(|raw| parser.parse(raw)) else {
            println!("uid {uid}: not a message mail-parser can read");
            continue;
        };
        println!("uid {uid}: {}", parsed.subject().unwrap_or("(no subject)"));
        if let Some(from) = parsed.from().and_then(|f| f.first()) {
            println!(
                "  from {} <{}>",
                from.name().unwrap_or(""),
                from.address().unwrap_or("")
            );
        }
        if let Some(date) = parsed.date() {
            println!("  date {}", date.to_rfc822());
        }
        if let Some(text) = parsed.body_text(0) {
            let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            println!("  text {}", line.chars().take(72).collect::<String>());
        }
        for part in parsed.attachments() {
            println!(
                "  attachment {} ({} bytes)",
                part.attachment_name().unwrap_or("(unnamed)"),
                part.contents().len()
            );
        }
    }
    let _ = session.logout();
}
