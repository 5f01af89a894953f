//! A cron job that remembers where it stopped: the first run records the mailbox (every
//! UID, with CONDSTORE when offered), each later run prints what arrived, what went and what
//! changed since, and keeps the new state. A rebuilt mailbox (new UIDVALIDITY) starts over.
//!
//! ```sh
//! IMAP_URL=imaps://me@imap.example.com/INBOX IMAP_PASSWORD=secret \
//!     cargo run --example cron_sync -- inbox.state
//! ```
use blocking_imap::{ClientBuilder, Resumed, SyncState};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: cron_sync STATE_FILE")?;
    let env = ClientBuilder::from_env()?;
    let mailbox = env.mailbox.clone().unwrap_or_else(|| "INBOX".into());
    let mut session = env.login()?;
    let state = match std::fs::read_to_string(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let state = session.sync_start(mailbox.as_str())?;
            println!("first run: {} messages", state.known.len());
            state
        }
        Err(e) => return Err(e.into()),
        Ok(text) => match session.resume(mailbox.as_str(), &text.trim().parse::<SyncState>()?)? {
            Resumed::Changes(c) => {
                let new: Vec<String> = c.new.iter().map(|u| u.to_string()).collect();
                println!("new: {}", new.join(" "));
                println!("gone: {}", c.vanished);
                println!("flags changed: {}", c.changed.len());
                c.state
            }
            Resumed::UidValidityChanged { state, .. } => {
                println!("the mailbox was rebuilt: {} messages", state.known.len());
                state
            }
            other => return Err(format!("unexpected: {other:?}").into()),
        },
    };
    // Written whole, then renamed: a run cut off halfway leaves the old state.
    std::fs::write(format!("{path}.tmp"), state.to_string())?;
    std::fs::rename(format!("{path}.tmp"), &path)?;
    session.logout()?;
    Ok(())
}
