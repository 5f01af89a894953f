//! Framing and parsing speed with no server and no socket: recorded real-server responses
//! (tests/corpus) and synthetic streams shaped like the big jobs.
//!
//! ```sh
//! cargo run --release --example parse_bench
//! ```

use std::time::Instant;

fn synthetic_flags(n: u32) -> Vec<u8> {
    let mut s = String::new();
    for i in 1..=n {
        s.push_str(&format!(
            "* {i} FETCH (UID {i} FLAGS (\\Seen \\Deleted))\r\n"
        ));
    }
    s.into_bytes()
}

fn synthetic_bodies(n: u32, size: usize) -> Vec<u8> {
    let body = "x".repeat(size - 2) + "\r\n";
    let mut s = String::new();
    for i in 1..=n {
        s.push_str(&format!(
            "* {i} FETCH (UID {i} BODY[] {{{size}}}\r\n{body})\r\n"
        ));
    }
    s.into_bytes()
}

fn synthetic_envelopes(n: u32) -> Vec<u8> {
    let mut s = String::new();
    for i in 1..=n {
        s.push_str(&format!(
            "* {i} FETCH (UID {i} ENVELOPE (\"Mon, 7 Feb 1994 21:52:25 -0800\" \"Subject number {i}\" \
             ((\"Sender Name\" NIL \"sender\" \"example.org\")) ((\"Sender Name\" NIL \"sender\" \"example.org\")) \
             ((\"Sender Name\" NIL \"sender\" \"example.org\")) ((NIL NIL \"rcpt\" \"example.org\")) NIL NIL NIL \
             \"<msg-{i}@example.org>\"))\r\n"
        ));
    }
    s.into_bytes()
}

/// The corpus files, CRLF line ends, with a tag that parses.
fn corpus() -> Option<Vec<u8>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/mailkit");
    let mut out = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).ok()?.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "txt") {
                let text = std::fs::read(&path).ok()?;
                let text = String::from_utf8_lossy(&text).replace("A########", "A0001");
                out.extend(
                    text.replace("\r\n", "\n")
                        .replace('\n', "\r\n")
                        .into_bytes(),
                );
            }
        }
    }
    Some(out)
}

fn run(name: &str, data: &[u8], rounds: usize) {
    let mut best = f64::MAX;
    let mut counts = (0, 0);
    for _ in 0..rounds {
        let t = Instant::now();
        counts = blocking_imap::__fuzz::parse_all(data);
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "| {name} | {} | {} | {:.1} | {:.0} | {:.0} |",
        counts.0,
        counts.1,
        data.len() as f64 / 1e6,
        data.len() as f64 / best / 1e6,
        counts.0 as f64 / best
    );
}

fn main() {
    // `parse_bench envelopes` runs only that input (for profilers).
    if std::env::args().nth(1).as_deref() == Some("envelopes") {
        let data = synthetic_envelopes(20_000);
        println!("{:?}", blocking_imap::__fuzz::parse_all(&data));
        return;
    }
    println!("| input | responses | parsed | MB | MB/s | responses/s |");
    println!("|---|---:|---:|---:|---:|---:|");
    run("FETCH (UID FLAGS) x 100,000", &synthetic_flags(100_000), 5);
    run(
        "FETCH (UID ENVELOPE) x 10,000",
        &synthetic_envelopes(10_000),
        5,
    );
    run(
        "FETCH (UID BODY[]) 4 KiB x 10,000",
        &synthetic_bodies(10_000, 4096),
        5,
    );
    match corpus() {
        Some(c) => {
            let mut many = Vec::new();
            for _ in 0..50 {
                many.extend_from_slice(&c);
            }
            run("recorded corpus x 50", &many, 5);
        }
        None => eprintln!("(tests/corpus not found: corpus row skipped)"),
    }
}
