//! Reads every message of a mailbox over several connections at once (`parallel`), and
//! stops all of them at once on Ctrl-C (one `CancelHandle` for every session). Prints how
//! many messages and bytes it read.
//!
//! ```sh
//! IMAP_PASSWORD=secret cargo run --release --example parallel_fetch -- --host imap.example.com \
//!     --user me --mailbox Archive --workers 4
//! ```

mod common;

use std::time::Instant;

use blocking_imap::{parallel, CancelHandle, FetchItems, Search, Section, SequenceSet};
use common::{die, Args};

fn main() {
    let args = Args::parse(&[("--mailbox", true), ("--workers", true)]);
    let mailbox = args.get("--mailbox").unwrap_or("INBOX").to_string();
    let workers: usize = args
        .get("--workers")
        .unwrap_or("4")
        .parse()
        .unwrap_or_else(|_| die("--workers must be a number"));
    let password = std::env::var(&args.password_env)
        .unwrap_or_else(|_| die(format!("set the password in {}", args.password_env)));

    // Every connection the builder makes obeys this handle: Ctrl-C ends whatever they are
    // doing (connecting, logging in, in the middle of a FETCH) within milliseconds.
    let cancel = CancelHandle::new();
    let on_ctrl_c = cancel.clone();
    ctrlc::set_handler(move || on_ctrl_c.cancel())
        .unwrap_or_else(|e| die(format!("cannot catch Ctrl-C: {e}")));
    let builder = args.builder().cancel_with(&cancel);
    let connect = || {
        let mut s = builder
            .connect()?
            .login(&args.user, &password)
            .map_err(|e| e.error)?;
        s.examine(mailbox.as_str())?;
        Ok(s)
    };

    let start = Instant::now();
    let uids: SequenceSet = {
        let mut s = connect().unwrap_or_else(|e| die(e));
        let found = s
            .uid_search(&Search::all())
            .unwrap_or_else(|e| die(format!("search {mailbox}: {e}")));
        let _ = s.logout();
        found.into_iter().collect()
    };
    // A few parts per worker, so that a fast worker takes more of them.
    let parts = uids.split(workers * 4);
    let items = FetchItems::new().uid().body_peek(Section::Full);
    let read = parallel(workers, parts, connect, |s, part| {
        let mut count = 0u64;
        let mut bytes = 0u64;
        for msg in s.uid_fetch(part, &items)? {
            count += 1;
            bytes += msg?.body().map_or(0, |b| b.len() as u64);
        }
        Ok((count, bytes))
    });
    match read {
        Ok(parts) => {
            let (count, bytes) = parts
                .iter()
                .fold((0, 0), |(c, b), (pc, pb)| (c + pc, b + pb));
            println!(
                "{mailbox}: read {count} messages ({:.1} MB) over {workers} connections in {:.1} s",
                bytes as f64 / 1e6,
                start.elapsed().as_secs_f64()
            );
        }
        Err(e) if e.is_cancelled() => {
            eprintln!("cancelled after {:.1} s", start.elapsed().as_secs_f64());
            std::process::exit(130);
        }
        Err(e) => die(e),
    }
}
