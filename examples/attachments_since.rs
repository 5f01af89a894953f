//! Saves the attachments of the messages from one sender over the last days (7 by default)
//! into a folder, as `<UID>-<safe file name>`: two different `report.pdf` stay apart, and a
//! second run saves only what is new. (`examples/save_attachments.rs` is the full tool.)
//!
//! ```sh
//! IMAP_URL=imaps://me@imap.example.com/INBOX IMAP_PASSWORD=secret \
//!     cargo run --example attachments_since -- billing@example.com ./invoices [DAYS]
//! ```
use std::path::PathBuf;

use blocking_imap::{ClientBuilder, FetchItems, PartRequest, Search, SearchDate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: attachments_since SENDER DIR [DAYS]";
    let sender = args.next().ok_or(usage)?;
    let dir = PathBuf::from(args.next().ok_or(usage)?);
    let days: u32 = args.next().map_or(Ok(7), |d| d.parse())?;
    let env = ClientBuilder::from_env()?;
    let mut session = env.login()?;
    session.examine(env.mailbox.as_deref().unwrap_or("INBOX"))?;
    let query = Search::all()
        .from(&sender)
        .since(SearchDate::days_ago(days));
    let uids = session.uid_search(&query)?;
    let items = FetchItems::new().uid().body_structure();
    let mut wanted = Vec::new();
    for msg in session.uid_fetch(&uids[..], &items)? {
        let msg = msg?;
        let (Some(uid), Some(structure)) = (msg.uid(), msg.body_structure()) else {
            continue;
        };
        for part in structure.attachments() {
            let path = dir.join(format!("{uid}-{}", part.safe_filename()));
            if !path.exists() {
                wanted.push((PartRequest::from_part(uid, &part), path));
            }
        }
    }
    std::fs::create_dir_all(&dir)?;
    let requests: Vec<PartRequest> = wanted.iter().map(|(r, _)| r.clone()).collect();
    for ((_, path), body) in wanted.iter().zip(session.uid_fetch_parts(&requests)?) {
        std::fs::write(path, body.bytes())?;
        println!("{}", path.display());
    }
    session.logout()?;
    Ok(())
}
