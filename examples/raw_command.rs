//! Sends commands the crate has no method for, with `Session::run`: the escape hatch.
//!
//! ```sh
//! IMAP_PASSWORD=secret cargo run --example raw_command -- --host imap.example.com --user me \
//!     [--comment "text to store"]
//! ```
//!
//! It stores a comment on INBOX and reads it back with SETMETADATA / GETMETADATA (RFC 5464)
//! written by hand, asks STATUS for items by name, and sends a command the server does not
//! know, to show a BAD coming back as data. Every argument is typed (mailbox names, strings,
//! literals, lists): the crate encodes them, so none can break the command line. Untagged
//! responses come back as frames (bytes, plus a typed view where the crate reads them).

mod common;

use blocking_imap::{Arg, RawCommand, RawResponse, Session, Unsolicited};
use common::{die, Args};

fn show(what: &str, r: &RawResponse) {
    println!("{what}: {:?} {}", r.status(), r.text());
    for f in r.frames() {
        let kind = match f.parsed() {
            Some(Unsolicited::Other { .. }) | None => "untyped",
            Some(_) => "typed",
        };
        println!(
            "  {} ({kind}): {}",
            f.name(),
            String::from_utf8_lossy(f.bytes()).trim_end()
        );
    }
}

fn run(session: &mut Session, what: &str, cmd: RawCommand) -> RawResponse {
    let r = session
        .run(cmd)
        .unwrap_or_else(|e| die(format!("{what}: {e}")));
    show(what, &r);
    r
}

fn main() {
    let args = Args::parse(&[("--comment", true)]);
    let comment = args
        .get("--comment")
        .unwrap_or("written by the raw_command example")
        .to_string();
    let mut session = args.login();

    // SETMETADATA INBOX (/private/comment "...") — the value as a string (a literal when it
    // holds CR, LF or 8-bit bytes).
    let set = run(
        &mut session,
        "SETMETADATA",
        RawCommand::new("SETMETADATA")
            .mailbox("INBOX")
            .list([Arg::atom("/private/comment"), Arg::string(&comment)]),
    );
    if !set.is_ok() {
        die("the server refused SETMETADATA (does it offer METADATA?)");
    }

    // GETMETADATA INBOX (/private/comment): the METADATA response has a typed view.
    let got = run(
        &mut session,
        "GETMETADATA",
        RawCommand::new("GETMETADATA")
            .mailbox("INBOX")
            .list([Arg::atom("/private/comment")]),
    );
    let value = got.frames().iter().find_map(|f| match f.parsed() {
        Some(Unsolicited::Metadata(m)) => m.get("/private/comment").map(<[u8]>::to_vec),
        _ => None,
    });
    match value {
        Some(v) if v == comment.as_bytes() => println!("comment read back: {comment:?}"),
        other => die(format!("comment read back as {other:?}")),
    }

    // STATUS with items named by hand.
    run(
        &mut session,
        "STATUS",
        RawCommand::new("STATUS")
            .mailbox("INBOX")
            .list([Arg::atom("MESSAGES"), Arg::atom("UIDNEXT")]),
    );

    // A command the server does not know: BAD is data, `into_result` makes it an error.
    let bad = run(
        &mut session,
        "XNO-SUCH-COMMAND",
        RawCommand::new("XNO-SUCH-COMMAND").string("hello"),
    );
    if let Err(e) = bad.into_result() {
        println!("as an error: {e}");
    }
    let _ = session.logout();
}
