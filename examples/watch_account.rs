//! Prints every change in an account as it happens (new mail, expunges, flag changes,
//! mailboxes created, deleted, renamed), until Ctrl-C or the deadline.
//!
//! ```sh
//! IMAP_PASSWORD=secret cargo run --example watch_account -- --host imap.example.com \
//!     --user me [--mailbox INBOX --mailbox Work ...] [--seconds 3600] [--no-notify] \
//!     [--poll-seconds 60] [--connections 2]
//! ```
//!
//! With NOTIFY (RFC 5465) one connection sees everything as it happens. Without it (or with
//! `--no-notify`), INBOX is watched with IDLE and the other mailboxes with a STATUS poll,
//! each once per `--poll-seconds`, on a second connection when `--connections` allows.
//! A dropped connection is made again; Ctrl-C stops at once (exit status 130).

mod common;

use std::time::{Duration, Instant};

use blocking_imap::{AccountWatcher, MailboxName, Session, Watch, WatchSettings};
use common::{die, tools, Args};

fn number(args: &Args, flag: &str, default: u64) -> u64 {
    args.get(flag)
        .map(|s| {
            s.parse()
                .unwrap_or_else(|_| die(format!("{flag} must be a number")))
        })
        .unwrap_or(default)
}

fn main() {
    tools::on_ctrl_c();
    let args = Args::parse(&[
        ("--mailbox", true),
        ("--seconds", true),
        ("--no-notify", false),
        ("--poll-seconds", true),
        ("--connections", true),
    ]);
    let mailboxes: Vec<MailboxName> = args
        .rest
        .iter()
        .filter(|(f, _)| f == "--mailbox")
        .filter_map(|(_, v)| v.as_deref().map(MailboxName::from))
        .collect();
    let watch = if mailboxes.is_empty() {
        Watch::All
    } else {
        Watch::Mailboxes(mailboxes)
    };
    let seconds = number(&args, "--seconds", 3600);
    let settings = WatchSettings::new()
        .use_notify(!args.has("--no-notify"))
        .poll_interval(Duration::from_secs(number(&args, "--poll-seconds", 60)))
        .max_connections(usize::try_from(number(&args, "--connections", 2)).unwrap_or(2));

    // Every connection (the second one, the reconnects) logs in the same way and obeys the
    // Ctrl-C handler's cancel handle (`Args::builder`).
    let builder = args.builder();
    let user = args.user.clone();
    let password = args.password();
    let connect = move || -> blocking_imap::Result<Session> {
        builder
            .connect()?
            .login(&user, &password)
            .map_err(|e| e.error)
    };
    let mut watcher = AccountWatcher::new(connect, watch, settings)
        .unwrap_or_else(|e| die(format!("starting to watch: {e}")));
    eprintln!(
        "watching {} mailbox(es) {} (Ctrl-C to stop)",
        watcher.mailboxes().count(),
        if watcher.uses_notify() {
            "with NOTIFY".to_string()
        } else {
            format!(
                "with IDLE and STATUS polls over {} connection(s)",
                watcher.connections()
            )
        }
    );
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < deadline {
        let left = deadline.saturating_duration_since(Instant::now());
        match watcher.next_event(left) {
            Ok(Some(event)) => println!("{event}"),
            Ok(None) => {}
            Err(e) => die(format!("watching: {e}")),
        }
    }
}
