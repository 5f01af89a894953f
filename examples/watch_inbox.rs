//! Prints each new message of a mailbox as it arrives, with IDLE, and keeps watching across
//! a server restart or an administrator's kick (reconnecting with backoff, for ever).
//! `examples/idle.rs` is the longer version with a deadline and options.
//!
//! ```sh
//! IMAP_URL=imaps://me@imap.example.com/INBOX IMAP_PASSWORD=secret cargo run --example watch_inbox
//! ```
use blocking_imap::{
    ClientBuilder, FetchItems, IdleControl, ReconnectPolicy, Resumed, Uid, Unsolicited,
};

fn main() -> Result<(), blocking_imap::Error> {
    let mut env = ClientBuilder::from_env()?;
    env.builder = env.builder.reconnect_policy(ReconnectPolicy::forever());
    let mut session = env.login()?;
    let mailbox = session.select(env.mailbox.as_deref().unwrap_or("INBOX"))?;
    let mut last = Uid(mailbox.uid_next().unwrap_or(1).saturating_sub(1));
    eprintln!("watching");
    loop {
        let items = FetchItems::new().uid().envelope();
        for msg in session.uid_fetch_newer(last, &items)? {
            let msg = msg?;
            let subject = msg.envelope().and_then(|e| e.subject()).unwrap_or_default();
            last = last.max(msg.uid().unwrap_or(last));
            println!("new: uid {last}: {subject}");
        }
        let news = |n: &Unsolicited| match n {
            Unsolicited::Exists(_) => IdleControl::Stop,
            _ => IdleControl::Continue,
        };
        match session.idle().run(news) {
            Ok(_) => {}
            // A BYE or a dropped connection: connect, log in and select again.
            Err(e) if e.is_broken() => {
                eprintln!("connection lost ({e}); reconnecting");
                if let Some(Resumed::UidValidityChanged { .. }) = session.reconnect()?.resumed {
                    // The mailbox was rebuilt: its old UIDs mean nothing; watch from its end.
                    last = Uid(session.mailbox().uid_next().unwrap_or(1).saturating_sub(1));
                }
                eprintln!("reconnected");
            }
            Err(e) => return Err(e),
        }
    }
}
