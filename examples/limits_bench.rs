//! Time per element of the jobs that a large or hostile server response drives (issue 11), at
//! 10,000, 100,000 and 1,000,000 elements, against a scripted in-memory server: no network,
//! no Dovecot.
//!
//! - building a `SequenceSet` from numbers in ascending, descending and random order, and
//!   from `insert` called in a loop (numbers two apart, so every one is its own range);
//! - one message answered by N small FETCH responses (`* 1 FETCH (BODY[1.i] {3} abc)`), which
//!   the stream merges into one `Fetch` (or refuses past a limit: the table says which);
//! - one `* SEARCH 1 2 3 ... N` line;
//! - one `* ESEARCH ... ALL` set of N numbers in descending order (`2N,2N-2,...,2`).
//!
//! A flat ns/element row means linear (or n log n) time; a row that grows tenfold per column
//! is quadratic. A size is skipped when the growth so far predicts it would take longer than
//! `--max-seconds` (default 30), so a quadratic regression shows as a skip, not an hour's wait.
//!
//! ```sh
//! cargo run --release --example limits_bench [-- --max-seconds 30]
//! ```

use std::error::Error;
use std::hint::black_box;
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use blocking_imap::{
    ClientBuilder, FetchItems, ReturnOption, Search, Section, Security, Seq, SequenceSet, Session,
};

const SIZES: [usize; 3] = [10_000, 100_000, 1_000_000];

/// What one timed run returned: a summary, or the error text.
type Outcome = Result<String, String>;

/// xorshift32: deterministic pseudo-random numbers, never 0, no repeat within 2^32 - 1.
struct XorShift(u32);

impl XorShift {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }
}

/// The scripted server: serves a prepared byte buffer, swallows whatever the client writes.
struct Served {
    data: Vec<u8>,
    pos: usize,
}

impl Read for Served {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let rest = &self.data[self.pos..];
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.pos += n;
        Ok(n)
    }
}

impl Write for Served {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Logs in (`A0001`) and selects INBOX (`A0002`) over a server that then sends `responses`,
/// the answer to the next command (`A0003`); times `job` alone.
fn over_server(
    responses: &[u8],
    job: impl FnOnce(&mut Session) -> Outcome,
) -> Result<(Duration, Outcome), Box<dyn Error>> {
    let mut data = Vec::with_capacity(responses.len() + 512);
    data.extend_from_slice(b"* OK [CAPABILITY IMAP4rev1 ESEARCH] ready\r\n");
    data.extend_from_slice(b"A0001 OK [CAPABILITY IMAP4rev1 ESEARCH] logged in\r\n");
    data.extend_from_slice(
        b"* 1 EXISTS\r\n* 0 RECENT\r\n* FLAGS (\\Seen)\r\n* OK [UIDVALIDITY 1] .\r\n\
          * OK [UIDNEXT 2] .\r\nA0002 OK [READ-WRITE] selected\r\n",
    );
    data.extend_from_slice(responses);
    let stream = Served { data, pos: 0 };
    let mut session = ClientBuilder::new("x", 0)
        .security(Security::Plaintext)
        .connect_stream(stream)?
        .login("user", "password")
        .map_err(|e| e.to_string())?;
    session.select("INBOX")?;
    let start = Instant::now();
    let outcome = job(&mut session);
    Ok((start.elapsed(), outcome))
}

/// The numbers 2, 4, ... 2n: no two adjacent, so each is a range of its own.
fn spaced(n: usize) -> Vec<u32> {
    (1..=n as u32).map(|i| i * 2).collect()
}

fn ranges_summary(set: &SequenceSet) -> String {
    format!("{} numbers in {} ranges", set.len(), set.ranges().len())
}

/// Times `build` over a copy of `input` (the copy is made outside the timing).
fn time_set(
    input: &[u32],
    build: impl Fn(Vec<u32>) -> SequenceSet,
) -> Result<(Duration, Outcome), Box<dyn Error>> {
    let copy = input.to_vec();
    let start = Instant::now();
    let set = black_box(build(copy));
    let took = start.elapsed();
    Ok((took, Ok(ranges_summary(&set))))
}

fn collect(input: Vec<u32>) -> SequenceSet {
    input.into_iter().collect()
}

fn insert_each(input: Vec<u32>) -> SequenceSet {
    let mut set = SequenceSet::new();
    for n in input {
        set.insert(n);
    }
    set
}

fn set_ascending(n: usize) -> Result<(Duration, Outcome), Box<dyn Error>> {
    time_set(&spaced(n), collect)
}

fn set_descending(n: usize) -> Result<(Duration, Outcome), Box<dyn Error>> {
    let mut input = spaced(n);
    input.reverse();
    time_set(&input, collect)
}

fn random_numbers(n: usize) -> Vec<u32> {
    let mut rng = XorShift(0x9e37_79b9);
    (0..n).map(|_| rng.next()).collect()
}

fn set_random(n: usize) -> Result<(Duration, Outcome), Box<dyn Error>> {
    time_set(&random_numbers(n), collect)
}

fn set_insert_descending(n: usize) -> Result<(Duration, Outcome), Box<dyn Error>> {
    let mut input = spaced(n);
    input.reverse();
    time_set(&input, insert_each)
}

fn set_insert_random(n: usize) -> Result<(Duration, Outcome), Box<dyn Error>> {
    time_set(&random_numbers(n), insert_each)
}

fn fetch_one_message(n: usize) -> Result<(Duration, Outcome), Box<dyn Error>> {
    let mut responses = Vec::with_capacity(n * 40);
    for i in 1..=n {
        write!(responses, "* 1 FETCH (BODY[1.{i}] {{3}}\r\nabc)\r\n")?;
    }
    responses.extend_from_slice(b"A0003 OK FETCH completed\r\n");
    over_server(&responses, |session| {
        let items = FetchItems::new().body_peek(Section::Part(vec![1]));
        let stream = session.fetch(Seq(1), &items).map_err(|e| e.to_string())?;
        let (mut messages, mut last_part, mut error) = (0, false, None);
        for msg in stream {
            match msg {
                Ok(f) => {
                    messages += 1;
                    last_part = f.part(&[1, n as u32]).is_some();
                    black_box(f);
                }
                Err(e) => error = Some(e.to_string()),
            }
        }
        match error {
            Some(e) => Err(format!("{e} (after {messages} message(s))")),
            None => Ok(format!(
                "{messages} message(s), last part {}",
                if last_part { "present" } else { "missing" }
            )),
        }
    })
}

fn search(n: usize) -> Result<(Duration, Outcome), Box<dyn Error>> {
    let mut responses = Vec::with_capacity(n * 8);
    responses.extend_from_slice(b"* SEARCH");
    for i in 1..=n {
        write!(responses, " {i}")?;
    }
    responses.extend_from_slice(b"\r\nA0003 OK SEARCH completed\r\n");
    over_server(&responses, |session| {
        let found = session.search(&Search::all()).map_err(|e| e.to_string())?;
        Ok(format!("{} numbers", black_box(found).len()))
    })
}

fn esearch_descending(n: usize) -> Result<(Duration, Outcome), Box<dyn Error>> {
    let mut responses = Vec::with_capacity(n * 9);
    responses.extend_from_slice(b"* ESEARCH (TAG \"A0003\") UID ALL ");
    for (k, i) in (1..=n).rev().enumerate() {
        if k > 0 {
            responses.push(b',');
        }
        write!(responses, "{}", i * 2)?;
    }
    responses.extend_from_slice(b"\r\nA0003 OK SEARCH completed\r\n");
    over_server(&responses, |session| {
        let r = session
            .uid_search_extended(&Search::all(), &[ReturnOption::All])
            .map_err(|e| e.to_string())?;
        Ok(ranges_summary(&r.all))
    })
}

type Job = fn(usize) -> Result<(Duration, Outcome), Box<dyn Error>>;

const JOBS: [(&str, Job); 8] = [
    ("SequenceSet: collect, ascending", set_ascending),
    ("SequenceSet: collect, descending", set_descending),
    ("SequenceSet: collect, random", set_random),
    (
        "SequenceSet: insert() loop, descending",
        set_insert_descending,
    ),
    ("SequenceSet: insert() loop, random", set_insert_random),
    ("FETCH: N responses for one message", fetch_one_message),
    ("SEARCH: one `* SEARCH` of N numbers", search),
    (
        "UID SEARCH RETURN (ALL): ESEARCH ALL, descending",
        esearch_descending,
    ),
];

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut max_seconds = 30.0_f64;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--max-seconds" => {
                max_seconds = args.next().ok_or("--max-seconds needs a value")?.parse()?;
            }
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    if cfg!(debug_assertions) {
        eprintln!("(a debug build: add --release for meaningful numbers)");
    }

    let mut header = String::from("| job, ns per element |");
    let mut rule = String::from("|---|");
    for n in SIZES {
        header.push_str(&format!(" {} |", thousands(n)));
        rule.push_str("---:|");
    }
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    for (name, job) in JOBS {
        let mut row = format!("| {name} |");
        let mut results = Vec::new();
        let mut last: Option<Duration> = None;
        let mut growth = 10.0_f64;
        for n in SIZES {
            let predicted = last.map_or(0.0, |t| t.as_secs_f64() * growth);
            if predicted > max_seconds {
                row.push_str(&format!(" skipped (~{predicted:.0} s) |"));
                results.push(format!("{}: skipped", thousands(n)));
                continue;
            }
            eprintln!("{name}: {} ...", thousands(n));
            // Best of three, to damp noise (the first run also pays for fresh memory pages);
            // one run when it takes over a second.
            let mut best: Option<(Duration, Outcome)> = None;
            for _ in 0..3 {
                let (took, outcome) = job(n)?;
                let slow = took > Duration::from_secs(1);
                if best.as_ref().map_or(true, |(b, _)| took < *b) {
                    best = Some((took, outcome));
                }
                if slow {
                    break;
                }
            }
            let Some((took, outcome)) = best else {
                continue;
            };
            let ns = took.as_secs_f64() * 1e9 / n as f64;
            let mark = if outcome.is_err() { " (error)" } else { "" };
            row.push_str(&format!(" {ns:.1}{mark} |"));
            results.push(match outcome {
                Ok(s) => format!("{}: ok, {s}", thousands(n)),
                Err(e) => format!("{}: error: {e}", thousands(n)),
            });
            if let Some(prev) = last {
                let ratio = took.as_secs_f64() / prev.as_secs_f64().max(1e-9);
                growth = ratio.max(10.0);
            }
            last = Some(took);
        }
        rows.push(row);
        notes.push(format!("- {name}: {}", results.join("; ")));
    }
    println!("{header}");
    println!("{rule}");
    for row in &rows {
        println!("{row}");
    }
    println!();
    println!("What each run returned:");
    for note in &notes {
        println!("{note}");
    }
    Ok(())
}
