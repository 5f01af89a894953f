//! Prints new mail as it arrives, with IDLE, until Ctrl-C or the deadline.
//!
//! ```sh
//! IMAP_PASSWORD=secret cargo run --example idle -- --host imap.example.com --user me \
//!     [--mailbox INBOX] [--seconds 3600] [--reconnect]
//! ```
//!
//! New mail is told by UID: every message whose UID is above the highest one printed, so a
//! message is printed once, and none is missed. With `--reconnect` it keeps watching across
//! a dropped connection or a server restart: it connects again (with backoff), selects the
//! mailbox again and prints what arrived while it was away; a changed UIDVALIDITY (the
//! mailbox was rebuilt) is said loudly and watching starts over from the mailbox's end.

mod common;

use std::time::{Duration, Instant};

use blocking_imap::{FetchItems, IdleControl, IdleEnd, Result, Resumed, Session, Unsolicited};
use common::{die, Args};

/// Prints the messages with a UID above `*last` and moves `*last` on.
fn print_new(session: &mut Session, last: &mut u32) -> Result<()> {
    let items = FetchItems::new().uid().envelope();
    // `n:*` also matches the highest UID when it is below n: filter.
    for msg in session.uid_fetch(*last + 1.., &items)? {
        let msg = msg?;
        let Some(uid) = msg.uid().filter(|u| u.0 > *last) else {
            continue;
        };
        let env = msg.envelope();
        let subject = env.and_then(|e| e.subject()).unwrap_or_default();
        let from = env
            .and_then(|e| e.from().first())
            .and_then(|a| a.email())
            .unwrap_or_default();
        println!("new: uid {} from {from}: {subject}", uid.0);
        *last = (*last).max(uid.0);
    }
    Ok(())
}

/// One IDLE until news or the deadline; `Ok(false)` at the deadline. A BYE or a lost
/// connection ends it with an error that `is_broken()` (see `Idle::run`).
fn wait(session: &mut Session, deadline: Instant) -> Result<bool> {
    let end = session.idle().deadline(deadline).run(|news| match news {
        Unsolicited::Exists(_) => IdleControl::Stop,
        _ => IdleControl::Continue,
    })?;
    Ok(end == IdleEnd::Stopped)
}

fn main() {
    let args = Args::parse(&[
        ("--mailbox", true),
        ("--seconds", true),
        ("--reconnect", false),
    ]);
    let mailbox = args.get("--mailbox").unwrap_or("INBOX").to_string();
    let seconds: u64 = args
        .get("--seconds")
        .map(|s| {
            s.parse()
                .unwrap_or_else(|_| die("--seconds must be a number"))
        })
        .unwrap_or(3600);
    let reconnect = args.has("--reconnect");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut session = args.login();
    let mb = session
        .select(mailbox.as_str())
        .unwrap_or_else(|e| die(format!("opening {mailbox}: {e}")));
    let mut last = mb.uid_next().map_or(0, |n| n.saturating_sub(1));
    eprintln!(
        "{mailbox}: {} messages; waiting for new mail (Ctrl-C to stop)",
        mb.exists()
    );
    loop {
        let step = wait(&mut session, deadline).and_then(|more| {
            if more {
                print_new(&mut session, &mut last)?;
            }
            Ok(more)
        });
        match step {
            Ok(true) => {}
            Ok(false) => break,
            // The server said BYE (shutdown, a kick, its idle timeout) or the connection
            // dropped: the same error class either way.
            Err(e) if reconnect && e.is_broken() && Instant::now() < deadline => {
                eprintln!("connection lost ({e}); reconnecting");
                let back = session
                    .reconnect()
                    .unwrap_or_else(|e| die(format!("reconnect: {e}")));
                eprintln!("reconnected after {} attempt(s)", back.attempts);
                if let Some(Resumed::UidValidityChanged { old, new, .. }) = back.resumed {
                    eprintln!(
                        "UIDVALIDITY of {mailbox} changed ({old} -> {new}): the mailbox was \
                         rebuilt; watching from its end"
                    );
                    last = session
                        .mailbox()
                        .uid_next()
                        .map_or(0, |n| n.saturating_sub(1));
                    continue;
                }
                // What arrived while away, by UID: nothing twice, nothing missed.
                print_new(&mut session, &mut last).unwrap_or_else(|e| die(format!("fetch: {e}")));
            }
            Err(e) => die(format!("idle: {e}")),
        }
    }
    let _ = session.logout();
}
