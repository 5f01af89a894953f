//! Benchmarks the cleanup job and full-message fetches against a local Dovecot, next to "the
//! floor": the same commands written to a bare socket that only looks for the tagged OK.
//!
//! ```sh
//! scripts/bench.sh                      # starts the test Dovecot, runs this, stops it
//! # or, with the server already running (scripts/dovecot.sh start):
//! eval "$(scripts/dovecot.sh env)"
//! cargo run --release --example bench -- [--sizes 1000,10000,100000] [--body-sizes 10000]
//! ```
//!
//! For each size N it loads N 1 KiB messages (every Message-ID twice) and times:
//! `fetch-ids` (UID FETCH 1:* of the Message-ID header), `store` (UID STORE +FLAGS (\Deleted)
//! of the N/2 duplicates, every FETCH response read) and `expunge` (UID EXPUNGE of them);
//! then `fetch-body`: UID FETCH 1:* BODY.PEEK[] of N 4 KiB messages. With
//! `--big-message-mib M`, one message of M MiB both ways: `append-from-reader`
//! (`Session::append_from`, the bytes made as they are read) and `fetch-to-file`
//! (`Session::uid_fetch_to` into a file), each next to a bare socket doing the same. Peak memory is the
//! process's peak resident set during the phase (Linux `VmHWM`, reset before each phase).

#[path = "../tests/common/load.rs"]
#[allow(dead_code)]
mod load;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use blocking_imap::{
    ClientBuilder, FetchItems, Flag, Section, Security, SequenceSet, Session, StoreAction,
};

fn die(msg: impl std::fmt::Display) -> ! {
    eprintln!("error: {msg}");
    std::process::exit(1)
}

struct Env {
    host: String,
    port: u16,
}

/// Resets the peak-RSS counter (Linux); false where that is not possible.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Peak resident set since the last reset, in MiB.
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn session(env: &Env) -> Session {
    ClientBuilder::new(&env.host, env.port)
        .security(Security::Plaintext)
        .read_timeout(Some(Duration::from_secs(600)))
        .connect()
        .unwrap_or_else(|e| die(e))
        .login("bulk", "bulk-pass")
        .unwrap_or_else(|e| die(e.error))
}

/// The floor: a bare socket that writes a command and reads until the line `tag OK`.
struct Bare {
    sock: TcpStream,
    buf: Vec<u8>,
    n: u32,
}

impl Bare {
    fn new(env: &Env) -> Bare {
        let sock = TcpStream::connect((env.host.as_str(), env.port)).unwrap_or_else(|e| die(e));
        sock.set_nodelay(true).ok();
        let mut b = Bare {
            sock,
            buf: vec![0; 64 * 1024],
            n: 0,
        };
        b.read_until(b"* OK");
        b.cmd("LOGIN bulk bulk-pass");
        b
    }

    /// Reads until a line starting with `prefix` (the tagged completion) has arrived.
    /// The server sends nothing after it, so only the last line of each read is looked at.
    fn read_until(&mut self, prefix: &[u8]) -> usize {
        // The last, possibly incomplete, line received so far.
        let mut line: Vec<u8> = Vec::new();
        let mut total = 0;
        loop {
            let n = self.sock.read(&mut self.buf).unwrap_or_else(|e| die(e));
            if n == 0 {
                die("bare socket: connection closed");
            }
            total += n;
            let chunk = &self.buf[..n];
            let Some(end) = chunk.iter().rposition(|&b| b == b'\n') else {
                line.extend_from_slice(chunk);
                continue;
            };
            match chunk[..end].iter().rposition(|&b| b == b'\n') {
                Some(start) => {
                    line.clear();
                    line.extend_from_slice(&chunk[start + 1..=end]);
                }
                None => line.extend_from_slice(&chunk[..=end]),
            }
            if line.starts_with(prefix) {
                return total;
            }
            line.clear();
            line.extend_from_slice(&chunk[end + 1..]);
        }
    }

    fn cmd(&mut self, cmd: &str) -> usize {
        self.n += 1;
        let tag = format!("b{}", self.n);
        self.sock
            .write_all(format!("{tag} {cmd}\r\n").as_bytes())
            .unwrap_or_else(|e| die(e));
        self.read_until(format!("{tag} OK").as_bytes())
    }
}

struct Row {
    phase: &'static str,
    n: usize,
    ours: f64,
    floor: f64,
    mib: f64,
    /// Bytes the server sent for the command (as the bare socket counted them).
    bytes: usize,
}

/// A read-only FETCH, warmed up once, then timed in alternation with the floor, best of
/// three each. Checks the message count.
fn fetch_phase(
    s: &mut Session,
    b: &mut Bare,
    phase: &'static str,
    items: &FetchItems,
    wire: &str,
    n: usize,
) -> Row {
    let mut bytes = b.cmd(wire); // warm-up
    let (mut ours, mut mib, mut floor) = (f64::MAX, 0.0f64, f64::MAX);
    for _ in 0..3 {
        let mut count = 0;
        let (t, m) = time(|| {
            for msg in s.uid_fetch(1.., items).unwrap_or_else(|e| die(e)) {
                msg.unwrap_or_else(|e| die(e));
                count += 1;
            }
        });
        assert_eq!(count, n, "{phase} count");
        ours = ours.min(t);
        mib = mib.max(m);
        let (f, _) = time(|| bytes = b.cmd(wire));
        floor = floor.min(f);
    }
    Row {
        phase,
        n,
        ours,
        floor,
        mib,
        bytes,
    }
}

fn time(f: impl FnOnce()) -> (f64, f64) {
    reset_peak();
    let t = Instant::now();
    f();
    (t.elapsed().as_secs_f64(), peak_mib())
}

fn load_or_die(mailbox: &str, n: usize, unique: usize, size: usize) {
    let t = Instant::now();
    load::load(&load::Spec {
        user: "bulk",
        mailbox,
        with_id: n,
        unique_ids: unique,
        without_id: 0,
        size,
    })
    .unwrap_or_else(|e| die(e));
    eprintln!(
        "loaded {n} messages into {mailbox} in {:.1} s",
        t.elapsed().as_secs_f64()
    );
}

/// The duplicates of a freshly loaded mailbox: message i (UID i + 1) has id i % (n / 2), so
/// UIDs n/2 + 1 ..= n are the second copies.
fn duplicates(n: usize) -> SequenceSet {
    SequenceSet::from((n / 2 + 1) as u32..=n as u32)
}

fn cleanup(env: &Env, n: usize, rows: &mut Vec<Row>) {
    let mailbox = format!("bench-{n}");
    let dups = duplicates(n);

    // Ours, then the floor, each on a fresh copy of the same mailbox. The read-only fetch is
    // warmed up once and then timed in alternation, best of three; STORE and EXPUNGE change
    // the mailbox, so they run once each.
    load_or_die(&mailbox, n, n / 2, 1024);
    let mut s = session(env);
    s.select(mailbox.as_str()).unwrap_or_else(|e| die(e));
    let mut b = Bare::new(env);
    b.cmd(&format!("EXAMINE {mailbox}"));
    let fetch_cmd = "UID FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (Message-ID)])";
    let items = FetchItems::new().uid().header_fields(&["Message-ID"]);
    rows.push(fetch_phase(
        &mut s,
        &mut b,
        "fetch-ids",
        &items,
        fetch_cmd,
        n,
    ));
    let flags = FetchItems::new().uid().flags();
    rows.push(fetch_phase(
        &mut s,
        &mut b,
        "fetch-flags",
        &flags,
        "UID FETCH 1:* (UID FLAGS)",
        n,
    ));
    let env_items = FetchItems::new().uid().envelope();
    rows.push(fetch_phase(
        &mut s,
        &mut b,
        "fetch-envelope",
        &env_items,
        "UID FETCH 1:* (UID ENVELOPE)",
        n,
    ));
    drop(b);
    let mut stored = 0;
    let (store_t, store_m) = time(|| {
        for msg in s
            .uid_store(dups.clone(), StoreAction::Add, &[Flag::Deleted])
            .unwrap_or_else(|e| die(e))
        {
            msg.unwrap_or_else(|e| die(e));
            stored += 1;
        }
    });
    assert_eq!(stored, n / 2, "store count");
    let mut gone = 0;
    let (exp_t, exp_m) = time(|| {
        gone = s.uid_expunge(dups.clone()).unwrap_or_else(|e| die(e)).len();
    });
    assert_eq!(gone as usize, n / 2, "expunge count");
    assert_eq!(s.mailbox().exists() as usize, n - n / 2);
    let _ = s.logout();

    load_or_die(&mailbox, n, n / 2, 1024);
    let mut b = Bare::new(env);
    b.cmd(&format!("SELECT {mailbox}"));
    b.cmd(fetch_cmd);
    let mut store_bytes = 0;
    let (store_f, _) =
        time(|| store_bytes = b.cmd(&format!("UID STORE {dups} +FLAGS (\\Deleted)")));
    let mut exp_bytes = 0;
    let (exp_f, _) = time(|| exp_bytes = b.cmd(&format!("UID EXPUNGE {dups}")));

    rows.push(Row {
        phase: "store",
        n: n / 2,
        ours: store_t,
        floor: store_f,
        mib: store_m,
        bytes: store_bytes,
    });
    load::unload("bulk", &mailbox);
    rows.push(Row {
        phase: "expunge",
        n: n / 2,
        ours: exp_t,
        floor: exp_f,
        mib: exp_m,
        bytes: exp_bytes,
    });
}

fn bodies(env: &Env, n: usize, size: usize, phase: &'static str, rows: &mut Vec<Row>) {
    let mailbox = format!("bench-body-{n}-{size}");
    load_or_die(&mailbox, n, n, size);
    let mut s = session(env);
    s.examine(mailbox.as_str()).unwrap_or_else(|e| die(e));
    let mut b = Bare::new(env);
    b.cmd(&format!("EXAMINE {mailbox}"));
    let items = FetchItems::new().uid().body_peek(Section::Full);
    rows.push(fetch_phase(
        &mut s,
        &mut b,
        phase,
        &items,
        "UID FETCH 1:* (UID BODY.PEEK[])",
        n,
    ));
    let _ = s.logout();
    load::unload("bulk", &mailbox);
}

/// A loopback proxy that delays every chunk by `delay` in each direction, to show what
/// pipelining saves on a real network. (Channels are fine here: this is the benchmark's
/// network simulator, not the client.)
fn latency_proxy(env: &Env, delay: Duration) -> u16 {
    use std::sync::mpsc;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| die(e));
    let port = listener.local_addr().unwrap_or_else(|e| die(e)).port();
    let upstream = (env.host.clone(), env.port);
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = TcpStream::connect((upstream.0.as_str(), upstream.1)) else {
                continue;
            };
            for (mut from, mut to) in [
                (
                    client.try_clone().unwrap_or_else(|e| die(e)),
                    server.try_clone().unwrap_or_else(|e| die(e)),
                ),
                (server, client),
            ] {
                let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
                std::thread::spawn(move || {
                    let mut buf = vec![0; 64 * 1024];
                    while let Ok(n) = from.read(&mut buf) {
                        if n == 0
                            || tx
                                .send((Instant::now() + delay, buf[..n].to_vec()))
                                .is_err()
                        {
                            break;
                        }
                    }
                });
                std::thread::spawn(move || {
                    for (due, bytes) in rx {
                        std::thread::sleep(due.saturating_duration_since(Instant::now()));
                        if to.write_all(&bytes).is_err() {
                            break;
                        }
                    }
                    let _ = to.shutdown(std::net::Shutdown::Write);
                });
            }
        }
    });
    port
}

/// STORE of every other message (so the set is long and split into several commands) over
/// a link with `delay` each way, with and without pipelining.
fn pipelining(env: &Env, n: usize, delay: Duration) {
    let mailbox = format!("bench-pipe-{n}");
    load_or_die(&mailbox, n, n, 200);
    let port = latency_proxy(env, delay);
    let odd: SequenceSet = (1..=n as u32).step_by(2).collect();
    println!();
    println!(
        "Split UID STORE of {} scattered UIDs ({} bytes of set), {} ms each way:",
        odd.len(),
        odd.to_string().len(),
        delay.as_millis()
    );
    println!();
    println!("| pipeline depth | seconds |");
    println!("|---:|---:|");
    for depth in [1, 4] {
        let mut s = ClientBuilder::new(&env.host, port)
            .security(Security::Plaintext)
            .pipeline_depth(depth)
            .connect()
            .unwrap_or_else(|e| die(e))
            .login("bulk", "bulk-pass")
            .unwrap_or_else(|e| die(e.error));
        s.select(mailbox.as_str()).unwrap_or_else(|e| die(e));
        let action = if depth == 1 {
            StoreAction::Add
        } else {
            StoreAction::Remove
        };
        let (t, _) = time(|| {
            s.uid_store_silent(odd.clone(), action, &[Flag::Flagged])
                .unwrap_or_else(|e| die(e))
        });
        println!("| {depth} | {t:.3} |");
        let _ = s.logout();
    }
    load::unload("bulk", &mailbox);
}

/// A message of `len` bytes made as it is read: a header with a Message-ID, then lines of
/// letters. Nothing of it is ever held whole.
struct Made {
    header: Vec<u8>,
    len: u64,
    at: u64,
}

impl Made {
    fn new(tag: &str, len: u64) -> Made {
        Made {
            header: format!("Message-ID: <{tag}@bench>\r\nSubject: {tag}\r\n\r\n").into_bytes(),
            len,
            at: 0,
        }
    }
}

impl Read for Made {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (buf.len() as u64).min(self.len - self.at) as usize;
        for (k, b) in buf[..n].iter_mut().enumerate() {
            let i = self.at + k as u64;
            *b = match self.header.get(i as usize) {
                Some(&h) => h,
                None => match i % 80 {
                    78 => b'\r',
                    79 => b'\n',
                    k => b'a' + (k % 26) as u8,
                },
            };
        }
        self.at += n as u64;
        Ok(n)
    }
}

/// One message of `mib` MiB both ways: APPEND from a reader (`append_from`) and FETCH into a
/// file (`uid_fetch_to`), each next to the floor doing the same over a bare socket (the same
/// bytes written from the same generator; the FETCH's bytes written to a file as they come).
fn big_message(env: &Env, mib: u64, rows: &mut Vec<Row>) {
    let len = mib << 20;
    let mailbox = "bench-big";
    let mut s = session(env);
    let _ = s.delete(mailbox);
    s.create(mailbox).unwrap_or_else(|e| die(e));
    let mut b = Bare::new(env);
    let dir = std::env::temp_dir();
    let out_path = dir.join("blocking-imap-bench-big.eml");
    let floor_path = dir.join("blocking-imap-bench-big.floor");

    // APPEND: ours, then the floor (LITERAL+: the bytes follow the announcement at once).
    let mut uid = None;
    let (ours, mib_append) = time(|| {
        let mut made = Made::new("ours", len);
        uid = s
            .append_from(mailbox, blocking_imap::AppendSource::new(&mut made, len))
            .unwrap_or_else(|e| die(e));
    });
    let (floor, _) = time(|| {
        b.n += 1;
        let tag = format!("b{}", b.n);
        let head = format!("{tag} APPEND {mailbox} {{{len}+}}\r\n");
        b.sock.write_all(head.as_bytes()).unwrap_or_else(|e| die(e));
        let mut made = Made::new("floor", len);
        std::io::copy(&mut made, &mut b.sock).unwrap_or_else(|e| die(e));
        b.sock.write_all(b"\r\n").unwrap_or_else(|e| die(e));
        b.read_until(format!("{tag} OK").as_bytes());
    });
    rows.push(Row {
        phase: "append-from-reader",
        n: 1,
        ours,
        floor,
        mib: mib_append,
        bytes: len as usize,
    });

    // FETCH: into a file, ours streamed, the floor's raw bytes straight to a file.
    let uid = uid
        .and_then(|u| u.uids.ranges().first().map(|r| *r.start()))
        .unwrap_or_else(|| die("no APPENDUID"));
    s.examine(mailbox).unwrap_or_else(|e| die(e));
    b.cmd(&format!("EXAMINE {mailbox}"));
    let items = FetchItems::new().uid().body_peek(Section::Full);
    let (mut ours, mut floor, mut peak, mut bytes) = (f64::MAX, f64::MAX, 0.0f64, 0usize);
    for _ in 0..2 {
        let (t, m) = time(|| {
            let mut file = std::io::BufWriter::with_capacity(
                256 * 1024,
                std::fs::File::create(&out_path).unwrap_or_else(|e| die(e)),
            );
            s.uid_fetch_to(blocking_imap::Uid(uid), &items, &mut file)
                .unwrap_or_else(|e| die(e))
                .unwrap_or_else(|| die("message not found"));
            file.flush().unwrap_or_else(|e| die(e));
        });
        ours = ours.min(t);
        peak = peak.max(m);
        let (f, _) = time(|| {
            let mut file = std::fs::File::create(&floor_path).unwrap_or_else(|e| die(e));
            b.n += 1;
            let tag = format!("b{}", b.n);
            b.sock
                .write_all(format!("{tag} UID FETCH {uid} (UID BODY.PEEK[])\r\n").as_bytes())
                .unwrap_or_else(|e| die(e));
            // Read until the completion, writing every byte to the file.
            let done = format!("{tag} OK");
            let mut total = 0usize;
            let mut tail: Vec<u8> = Vec::new();
            loop {
                let n = b.sock.read(&mut b.buf).unwrap_or_else(|e| die(e));
                if n == 0 {
                    die("bare socket closed");
                }
                total += n;
                file.write_all(&b.buf[..n]).unwrap_or_else(|e| die(e));
                tail.extend_from_slice(&b.buf[..n]);
                if tail.len() > 256 {
                    tail.drain(..tail.len() - 256);
                }
                if tail.ends_with(b"\r\n") && tail.windows(done.len()).any(|w| w == done.as_bytes())
                {
                    break;
                }
            }
            bytes = total;
        });
        floor = floor.min(f);
    }
    let written = std::fs::metadata(&out_path).map(|m| m.len()).unwrap_or(0);
    if written != len {
        die(format!("fetched {written} bytes, expected {len}"));
    }
    rows.push(Row {
        phase: "fetch-to-file",
        n: 1,
        ours,
        floor,
        mib: peak,
        bytes,
    });
    let _ = std::fs::remove_file(&out_path);
    let _ = std::fs::remove_file(&floor_path);
    let _ = s.close();
    let _ = s.delete(mailbox);
}

fn sizes(arg: Option<String>, default: &[usize]) -> Vec<usize> {
    match arg {
        None => default.to_vec(),
        Some(s) => s
            .split(',')
            .filter(|x| !x.is_empty())
            .map(|x| x.parse().unwrap_or_else(|_| die(format!("bad size {x}"))))
            .collect(),
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut cleanup_sizes, mut body_sizes, mut latency, mut gib) = (None, None, 20u64, false);
    let mut big_mib = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--sizes" => cleanup_sizes = args.next(),
            "--body-sizes" => body_sizes = args.next(),
            "--gib" => gib = true,
            "--delay-proxy" => {
                // Only a delaying proxy to the server (for scripts/bench-backup.sh): prints
                // its port, then runs until killed.
                let ms: u64 = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| die("--delay-proxy takes milliseconds"));
                let env = Env {
                    host: std::env::var("BLOCKING_IMAP_HOST")
                        .unwrap_or_else(|_| "127.0.0.1".into()),
                    port: std::env::var("BLOCKING_IMAP_PORT")
                        .ok()
                        .and_then(|p| p.parse().ok())
                        .unwrap_or(10143),
                };
                let port = latency_proxy(&env, Duration::from_millis(ms));
                println!("{port}");
                let _ = std::io::stdout().flush();
                loop {
                    std::thread::sleep(Duration::from_secs(3600));
                }
            }
            "--big-message-mib" => {
                big_mib = Some(
                    args.next()
                        .and_then(|v| v.parse::<u64>().ok())
                        .unwrap_or_else(|| die("--big-message-mib takes a number")),
                )
            }
            "--latency-ms" => {
                latency = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| die("--latency-ms takes a number"))
            }
            _ => die(format!(
                "unknown argument {a}; use --sizes N,N --body-sizes N,N"
            )),
        }
    }
    let env = Env {
        host: std::env::var("BLOCKING_IMAP_HOST").unwrap_or_else(|_| "127.0.0.1".into()),
        port: std::env::var("BLOCKING_IMAP_PORT")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(10143),
    };
    if !reset_peak() {
        eprintln!("note: cannot reset the peak-memory counter; figures are process-wide peaks");
    }
    let mut rows = Vec::new();
    for n in sizes(cleanup_sizes, &[1_000, 10_000, 100_000]) {
        cleanup(&env, n, &mut rows);
    }
    for n in sizes(body_sizes, &[1_000, 10_000, 100_000]) {
        bodies(&env, n, 4096, "fetch-body", &mut rows);
    }
    if gib {
        // 1 GiB of mail in 1 MiB messages: memory must not follow the mailbox.
        bodies(&env, 1024, 1 << 20, "fetch-1GiB", &mut rows);
    }
    if let Some(mib) = big_mib {
        // One message of that size both ways: memory must not follow the message.
        big_message(&env, mib, &mut rows);
    }
    println!(
        "| phase | messages | ours (s) | bare socket (s) | ratio | µs/message | messages/s | MB/s | peak RSS (MiB) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        println!(
            "| {} | {} | {:.3} | {:.3} | {:.2} | {:.1} | {:.0} | {:.1} | {:.1} |",
            r.phase,
            r.n,
            r.ours,
            r.floor,
            r.ours / r.floor,
            r.ours * 1e6 / r.n as f64,
            r.n as f64 / r.ours,
            r.bytes as f64 / r.ours / 1e6,
            r.mib
        );
    }
    if latency > 0 {
        pipelining(&env, 10_000, Duration::from_millis(latency));
    }
}
