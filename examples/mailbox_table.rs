//! Every mailbox with its message and unread counts, in one call (LIST-STATUS when the server
//! has it, else LIST and pipelined STATUS).
//!
//! ```sh
//! IMAP_URL=imaps://me@imap.example.com IMAP_PASSWORD=secret cargo run --example mailbox_table
//! ```
use blocking_imap::{ClientBuilder, StatusItem};

fn main() -> Result<(), blocking_imap::Error> {
    let mut session = ClientBuilder::from_env()?.login()?;
    let rows = session.mailboxes_with_status(&[StatusItem::Messages, StatusItem::Unseen])?;
    println!("{:<40} {:>8} {:>8}", "mailbox", "messages", "unread");
    for row in &rows {
        // No status for a \Noselect name (a folder that holds only folders).
        let Some(status) = row.status() else { continue };
        let (messages, unseen) = (status.messages(), status.unseen());
        let name = row.name().name().to_string();
        println!(
            "{name:<40} {:>8} {:>8}",
            messages.unwrap_or(0),
            unseen.unwrap_or(0)
        );
    }
    session.logout()
}
