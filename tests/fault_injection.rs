//! Issue 19, "Exactly once, through any cut": a job runs through a proxy that cuts the
//! connection at seeded pseudo-random points (either direction, RST or FIN, sometimes in
//! bursts that also cut the reconnects' greeting, LOGIN, ENABLE and SELECT; see
//! tests/common/cut_proxy.rs), inside `Session::retrying`. Afterwards the mailboxes are read
//! directly from Dovecot (not through the proxy): every message must be there exactly once, in
//! the right mailbox, with the right flags. `Ok` from `retrying` means done exactly once;
//! where it returned `Error::Interrupted` the outcome may go either way, but never twice.
//!
//! The job, per seed: (a) APPEND 30 messages with unique Message-IDs into mailbox A (a third
//! of them `\Flagged`), each in its own `retrying` call (one variant: all in one closure);
//! (b) UID MOVE the even ones to B, five per call (one variant through a proxy that hides
//! MOVE, so the COPY + STORE + EXPUNGE fallback runs); (c) UID STORE +FLAGS (\Seen) on some,
//! in A and in B; (d) UID FETCH of both mailboxes (Message-ID and FLAGS), which must agree
//! with Dovecot.
//!
//! Seeds: `BLOCKING_IMAP_FAULT_SEEDS` (default 8) per variant, or one seed with
//! `BLOCKING_IMAP_FAULT_SEED=0x...` (as a failure prints it); `BLOCKING_IMAP_FAULT_VERBOSE=1`
//! prints every cut of every seed.

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use blocking_imap::{
    ClientBuilder, Error, FetchItems, Flag, Operation, ReconnectPolicy, Security, SequenceSet,
    Session, StoreAction,
};
use common::cut_proxy::{strip_move, CapStrip, CutConfig, CutKind, CutProxy};
use common::dovecot::Server;

/// The job lets the library judge every command it sends.
const JOB: Operation = Operation::Job;

const MESSAGES: usize = 30;
const USER: &str = "alice";
const PASSWORD: &str = "alice-pass";
/// UID MOVE in groups of this many messages, one `retrying` call each.
const MOVE_GROUP: usize = 5;

// ---------------------------------------------------------------------------------------
// what the job does, message by message

fn flagged(i: usize) -> bool {
    i % 3 == 0
}

/// The even messages go to B.
fn moved(i: usize) -> bool {
    i % 2 == 0
}

/// `\Seen` is stored on these: i % 4 == 1 in A, i % 4 == 0 in B.
fn seen_target(i: usize) -> bool {
    i % 4 <= 1
}

fn message_id(run: &str, i: usize) -> String {
    format!("<{run}.{i}@fault-injection.test>")
}

fn message(run: &str, i: usize) -> Vec<u8> {
    format!(
        "From: fi@example.org\r\nTo: alice@example.org\r\nSubject: fault injection {i}\r\n\
         Message-ID: {}\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\n{}",
        message_id(run, i),
        format!("line of message {i}, long enough that cuts land inside the literal\r\n")
            .repeat(18)
    )
    .into_bytes()
}

/// The message number in a Message-ID of this run.
fn index_of(run: &str, id: &str) -> Option<usize> {
    id.strip_prefix('<')?
        .strip_prefix(run)?
        .strip_prefix('.')?
        .strip_suffix("@fault-injection.test>")?
        .parse()
        .ok()
}

// ---------------------------------------------------------------------------------------
// outcomes and state

#[derive(Clone, Debug)]
enum Outcome {
    NotRun,
    Ok,
    Interrupted(String),
    Failed(String),
}

impl Outcome {
    fn of<T>(r: &Result<T, Error>) -> Outcome {
        match r {
            Ok(_) => Outcome::Ok,
            Err(e @ Error::Interrupted { .. }) => Outcome::Interrupted(e.to_string()),
            Err(e) => Outcome::Failed(e.to_string()),
        }
    }

    fn short(&self) -> String {
        match self {
            Outcome::NotRun => "not run".into(),
            Outcome::Ok => "Ok".into(),
            Outcome::Interrupted(e) => format!("Interrupted ({e})"),
            Outcome::Failed(e) => format!("Err({e})"),
        }
    }

    /// Done or not done for sure (not run, or Ok)?
    fn known(&self) -> bool {
        matches!(self, Outcome::NotRun | Outcome::Ok)
    }
}

/// One copy of a message, as read from a mailbox.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Found {
    mailbox: char,
    uid: u32,
    seen: bool,
    flagged: bool,
    deleted: bool,
}

impl std::fmt::Display for Found {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} uid {} [", self.mailbox, self.uid)?;
        let flags: Vec<&str> = [
            (self.seen, "\\Seen"),
            (self.flagged, "\\Flagged"),
            (self.deleted, "\\Deleted"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| *name)
        .collect();
        write!(f, "{}]", flags.join(" "))
    }
}

/// Message-ID (as found, or `(none: uid N)`) -> copies.
type State = BTreeMap<String, Vec<Found>>;

/// Reads every message of the selected mailbox (UID FETCH 1:* of UID, FLAGS and the
/// Message-ID field) into `state`, as mailbox `tag`.
fn read_selected(s: &mut Session, tag: char, state: &mut State) -> Result<(), Error> {
    let items = FetchItems::new()
        .uid()
        .flags()
        .header_fields(&["Message-ID"]);
    for f in s.uid_fetch(1.., &items)? {
        let f = f?;
        let uid = f.uid().map_or(0, |u| u.0);
        let flags = f.flags().unwrap_or_default();
        let id = f
            .header()
            .map(|h| String::from_utf8_lossy(h).into_owned())
            .and_then(|h| {
                h.lines().find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("Message-ID")
                        .then(|| value.trim().to_string())
                })
            })
            .unwrap_or_else(|| format!("(no Message-ID: {tag} uid {uid})"));
        state.entry(id).or_default().push(Found {
            mailbox: tag,
            uid,
            seen: flags.contains(&Flag::Seen),
            flagged: flags.contains(&Flag::Flagged),
            deleted: flags.contains(&Flag::Deleted),
        });
    }
    Ok(())
}

fn read_selected_fresh(s: &mut Session, tag: char) -> Result<State, Error> {
    let mut state = State::new();
    read_selected(s, tag, &mut state)?;
    Ok(state)
}

/// Message number -> its UIDs, from what the job read.
fn uids_by_index(run: &str, state: &State) -> BTreeMap<usize, Vec<u32>> {
    let mut out: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
    for (id, copies) in state {
        if let Some(i) = index_of(run, id) {
            out.entry(i)
                .or_default()
                .extend(copies.iter().map(|c| c.uid));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// the job

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Variant {
    /// Each APPEND in its own `retrying`; UID MOVE with MOVE.
    EachAppend,
    /// All 30 APPENDs in one `retrying` closure; QRESYNC enabled.
    OneClosure,
    /// Each APPEND in its own `retrying`; MOVE hidden by the proxy, so UID MOVE is UID COPY +
    /// UID STORE \Deleted + UID EXPUNGE; CONDSTORE enabled.
    NoMove,
}

impl Variant {
    fn name(self) -> &'static str {
        match self {
            Variant::EachAppend => "each-append",
            Variant::OneClosure => "one-closure",
            Variant::NoMove => "no-move",
        }
    }

    fn salt(self) -> u64 {
        match self {
            Variant::EachAppend => 0x1111,
            Variant::OneClosure => 0x2222,
            Variant::NoMove => 0x3333,
        }
    }
}

fn config(variant: Variant, seed: u64) -> CutConfig {
    CutConfig {
        seed: seed ^ variant.salt(),
        // 30 messages of ~1.4 KB go to the server; the answers are short, so cuts in
        // server->client bytes are planned closer together.
        mean_bytes_to_server: 7000,
        mean_bytes_to_client: 1500,
        to_client_share: 0.5,
        rst_share: 0.5,
        boundary_share: 0.35,
        burst_probability: 0.25,
        burst_len: (1, 3),
        burst_bytes_to_server: (5, 120),
        burst_bytes_to_client: (20, 900),
        max_cuts: 14,
        strip_move: variant == Variant::NoMove,
    }
}

/// Through the proxy, with a reconnect budget that outlasts `max_cuts` and the bursts.
fn through(server: &Server, port: u16) -> ClientBuilder {
    ClientBuilder::new(&server.host, port)
        .security(Security::Plaintext)
        .read_timeout(Some(Duration::from_secs(15)))
        .write_timeout(Some(Duration::from_secs(15)))
        .reconnect_policy(
            ReconnectPolicy::new(25, Duration::from_millis(10), Duration::from_millis(200))
                .max_total(Duration::from_secs(30)),
        )
}

fn direct(server: &Server) -> Session {
    server
        .plain()
        .connect()
        .expect("connect to Dovecot directly")
        .login(USER, PASSWORD)
        .expect("login directly")
}

#[derive(Default)]
struct Job {
    append: Vec<Outcome>,
    mv: Vec<Outcome>,
    seen: Vec<Outcome>,
    /// Every `retrying` call: what it was, how it ended.
    steps: Vec<(String, Outcome)>,
    /// The job's own final UID FETCH of A and B, when it got there.
    view: Option<State>,
    /// Why the job stopped early.
    stopped: Option<String>,
}

impl Job {
    fn step<T>(&mut self, what: impl Into<String>, r: &Result<T, Error>) -> Outcome {
        let o = Outcome::of(r);
        self.steps.push((what.into(), o.clone()));
        o
    }
}

fn run_job(s: &mut Session, variant: Variant, run: &str, a: &str, b: &str) -> Job {
    let mut job = Job {
        append: vec![Outcome::NotRun; MESSAGES],
        mv: vec![Outcome::NotRun; MESSAGES],
        seen: vec![Outcome::NotRun; MESSAGES],
        ..Job::default()
    };
    let flags_of = |i: usize| {
        if flagged(i) {
            vec![Flag::Flagged]
        } else {
            vec![]
        }
    };

    // (a) APPEND.
    if variant == Variant::OneClosure {
        let r = s.retrying(JOB, |s| {
            for i in 0..MESSAGES {
                s.append_with(a, &message(run, i), &flags_of(i), None)?;
            }
            Ok(())
        });
        let o = job.step(format!("APPEND x{MESSAGES} in one closure"), &r);
        job.append = vec![o; MESSAGES];
    } else {
        for i in 0..MESSAGES {
            let r = s.retrying(JOB, |s| {
                s.append_with(a, &message(run, i), &flags_of(i), None)
            });
            job.append[i] = job.step(format!("APPEND {i}"), &r);
        }
    }

    // (b) UID MOVE of the even ones, by the UIDs the job reads from A.
    let r = s.retrying(JOB, |s| read_selected_fresh(s, 'A'));
    job.step("UID FETCH A (for UIDs)", &r);
    let Ok(in_a) = r else {
        job.stopped = Some("could not read A's UIDs".into());
        return job;
    };
    let in_a = uids_by_index(run, &in_a);
    let to_move: Vec<usize> = (0..MESSAGES).filter(|&i| moved(i)).collect();
    for group in to_move.chunks(MOVE_GROUP) {
        let members: Vec<usize> = group
            .iter()
            .copied()
            .filter(|i| in_a.contains_key(i))
            .collect();
        let uids: Vec<u32> = members.iter().flat_map(|i| in_a[i].clone()).collect();
        if uids.is_empty() {
            continue;
        }
        let set = SequenceSet::from(&uids[..]);
        let r = s.retrying(JOB, |s| s.uid_mv(set.clone(), b));
        let o = job.step(format!("UID MOVE {set} (messages {members:?})"), &r);
        for i in members {
            job.mv[i] = o.clone();
        }
    }

    // (c) UID STORE +FLAGS (\Seen): i % 4 == 1 in A.
    let store_in = |job: &mut Job, s: &mut Session, uids: &BTreeMap<usize, Vec<u32>>, rest: u8| {
        let members: Vec<usize> = (0..MESSAGES)
            .filter(|&i| seen_target(i) && i % 4 == usize::from(rest) && uids.contains_key(&i))
            .collect();
        let all: Vec<u32> = members.iter().flat_map(|i| uids[i].clone()).collect();
        if all.is_empty() {
            return;
        }
        let set = SequenceSet::from(&all[..]);
        let r = s.retrying(JOB, |s| {
            s.uid_store(set.clone(), StoreAction::Add, &[Flag::Seen])?
                .finish()
        });
        let o = job.step(format!("UID STORE {set} +FLAGS (\\Seen)"), &r);
        for i in members {
            job.seen[i] = o.clone();
        }
    };
    store_in(&mut job, s, &in_a, 1);

    // ... and i % 4 == 0 in B (selected now, so reconnects must select B again).
    let r = s.retrying(JOB, |s| s.select(b).map(drop));
    job.step("SELECT B", &r);
    if r.is_err() {
        job.stopped = Some("could not select B".into());
        return job;
    }
    let r = s.retrying(JOB, |s| read_selected_fresh(s, 'B'));
    job.step("UID FETCH B (for UIDs)", &r);
    let Ok(in_b) = r else {
        job.stopped = Some("could not read B's UIDs".into());
        return job;
    };
    store_in(&mut job, s, &uids_by_index(run, &in_b), 0);

    // (d) UID FETCH of everything, B then A.
    let r = s.retrying(JOB, |s| read_selected_fresh(s, 'B'));
    job.step("UID FETCH B", &r);
    let Ok(mut view) = r else {
        job.stopped = Some("could not fetch B".into());
        return job;
    };
    let r = s.retrying(JOB, |s| s.select(a).map(drop));
    job.step("SELECT A", &r);
    if r.is_err() {
        job.stopped = Some("could not select A".into());
        return job;
    }
    let r = s.retrying(JOB, |s| read_selected_fresh(s, 'A'));
    job.step("UID FETCH A", &r);
    let Ok(view_a) = r else {
        job.stopped = Some("could not fetch A".into());
        return job;
    };
    for (id, copies) in view_a {
        view.entry(id).or_default().extend(copies);
    }
    job.view = Some(view);
    job
}

/// What is wrong with `state` (read directly from Dovecot) after `job`.
fn check(run: &str, job: &Job, state: &State) -> Vec<String> {
    let mut problems = Vec::new();
    for (what, o) in &job.steps {
        if let Outcome::Failed(e) = o {
            problems.push(format!("{what}: returned Err({e}), not Ok or Interrupted"));
        }
    }
    if let Some(why) = &job.stopped {
        problems.push(format!("the job stopped early: {why}"));
    }
    for i in 0..MESSAGES {
        let id = message_id(run, i);
        let copies = state.get(&id).cloned().unwrap_or_default();
        let live: Vec<&Found> = copies.iter().filter(|c| !c.deleted).collect();
        let list = || {
            let all: Vec<String> = copies.iter().map(Found::to_string).collect();
            format!(
                "found [{}]; APPEND {}, MOVE {}, STORE {}",
                all.join(", "),
                job.append[i].short(),
                job.mv[i].short(),
                job.seen[i].short()
            )
        };
        if live.len() > 1 {
            problems.push(format!(
                "message {i} {id}: {} live copies (duplicate): {}",
                live.len(),
                list()
            ));
        }
        if live.is_empty() && matches!(job.append[i], Outcome::Ok) {
            problems.push(format!("message {i} {id}: lost: {}", list()));
        }
        for c in copies.iter().filter(|c| c.deleted) {
            // A \Deleted original in A is the fallback MOVE stopped half-way: only where the
            // MOVE could not be known.
            if !(moved(i) && c.mailbox == 'A' && !job.mv[i].known()) {
                problems.push(format!(
                    "message {i} {id}: a \\Deleted copy ({c}) left: {}",
                    list()
                ));
            }
        }
        let [c] = live[..] else { continue };
        let want_mailbox = match (moved(i), &job.mv[i]) {
            (false, _) | (true, Outcome::NotRun) => Some('A'),
            (true, Outcome::Ok) => Some('B'),
            (true, _) => None,
        };
        if want_mailbox.is_some_and(|m| m != c.mailbox) {
            problems.push(format!(
                "message {i} {id}: in {} instead of {}: {}",
                c.mailbox,
                want_mailbox.unwrap(),
                list()
            ));
        }
        if c.flagged != flagged(i) {
            problems.push(format!(
                "message {i} {id}: \\Flagged is {} (should be {}): {}",
                c.flagged,
                flagged(i),
                list()
            ));
        }
        // \Seen: stored on i % 4 == 1 (in A) and i % 4 == 0 once in B.
        let targeted = (i % 4 == 1) || (i % 4 == 0 && c.mailbox == 'B');
        let want_seen = match (&job.seen[i], targeted) {
            (Outcome::Ok, true) => Some(true),
            (Outcome::NotRun, _) | (_, false) => Some(false),
            _ => None,
        };
        if want_seen.is_some_and(|w| w != c.seen) {
            problems.push(format!(
                "message {i} {id}: \\Seen is {} (should be {}): {}",
                c.seen,
                want_seen.unwrap(),
                list()
            ));
        }
    }
    for (id, copies) in state {
        if index_of(run, id).is_none() {
            let all: Vec<String> = copies.iter().map(Found::to_string).collect();
            problems.push(format!(
                "a message that is not the job's: {id} [{}]",
                all.join(", ")
            ));
        }
    }
    // The job's own last FETCH must have seen what Dovecot holds.
    if let Some(view) = &job.view {
        let key = |st: &State| -> BTreeMap<String, Vec<(char, bool, bool, bool)>> {
            st.iter()
                .map(|(id, cs)| {
                    let mut v: Vec<_> = cs
                        .iter()
                        .map(|c| (c.mailbox, c.seen, c.flagged, c.deleted))
                        .collect();
                    v.sort_unstable();
                    (id.clone(), v)
                })
                .collect()
        };
        let (seen_by_job, truth) = (key(view), key(state));
        if seen_by_job != truth {
            let ids: Vec<&String> = seen_by_job
                .keys()
                .chain(truth.keys())
                .filter(|id| seen_by_job.get(*id) != truth.get(*id))
                .collect();
            problems.push(format!(
                "the job's final UID FETCH differs from Dovecot for {} message(s), e.g. {}: job \
                 {:?}, Dovecot {:?}",
                ids.len(),
                ids[0],
                seen_by_job.get(ids[0]),
                truth.get(ids[0])
            ));
        }
    }
    problems
}

// ---------------------------------------------------------------------------------------
// seeds and reports

fn seeds() -> Vec<u64> {
    if let Ok(one) = std::env::var("BLOCKING_IMAP_FAULT_SEED") {
        let one = one.trim();
        let seed = match one.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16),
            None => one.parse(),
        }
        .unwrap_or_else(|_| panic!("BLOCKING_IMAP_FAULT_SEED={one:?}: not a number"));
        return vec![seed];
    }
    let n: u64 = std::env::var("BLOCKING_IMAP_FAULT_SEEDS")
        .ok()
        .map(|v| {
            v.trim()
                .parse()
                .expect("BLOCKING_IMAP_FAULT_SEEDS: a number")
        })
        .unwrap_or(8);
    (0..n).map(|i| 0xF417_0000 + i).collect()
}

fn verbose() -> bool {
    std::env::var_os("BLOCKING_IMAP_FAULT_VERBOSE").is_some_and(|v| v == "1")
}

/// Unique per process and call, so that runs against the same Dovecot do not collide.
fn stamp() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    // Fixed width, so that a seed replays the same byte offsets.
    format!("{:06x}{:08x}", std::process::id() & 0xFF_FFFF, nanos as u32)
}

struct SeedReport {
    seed: u64,
    cuts: usize,
    interrupted: usize,
    problems: Vec<String>,
    harness: Vec<String>,
}

fn run_seed(server: &Server, variant: Variant, seed: u64) -> SeedReport {
    let started = Instant::now();
    let run = format!("fi-{}-{seed:x}-{}", variant.name(), stamp());
    let (a, b) = (format!("{run}-A"), format!("{run}-B"));
    let mut dv = direct(server);
    dv.create(&a).expect("create A");
    dv.create(&b).expect("create B");
    let mut harness = Vec::new();

    let proxy = CutProxy::start(&server.host, server.port, config(variant, seed));
    let mut s = through(server, proxy.port())
        .connect()
        .expect("connect through the proxy (no cuts yet)")
        .login(USER, PASSWORD)
        .expect("login through the proxy (no cuts yet)");
    match variant {
        Variant::EachAppend => {}
        Variant::OneClosure => drop(s.enable(&["QRESYNC"]).expect("ENABLE QRESYNC")),
        Variant::NoMove => drop(s.enable(&["CONDSTORE"]).expect("ENABLE CONDSTORE")),
    }
    let has_move = s.capabilities().expect("capabilities").has("MOVE");
    if has_move != (variant != Variant::NoMove) {
        harness.push(format!(
            "the client sees MOVE: {has_move} (proxy stripped {} capability lists)",
            proxy.stripped()
        ));
    }
    s.select(&a).expect("select A (no cuts yet)");
    proxy.start_cutting();
    let job = run_job(&mut s, variant, &run, &a, &b);
    proxy.stop_cutting();
    let cuts = proxy.cuts();
    let connections = proxy.connections();
    drop(s);

    // The truth, from Dovecot directly.
    let mut state = State::new();
    for (name, tag) in [(&a, 'A'), (&b, 'B')] {
        dv.examine(name.as_str()).expect("examine directly");
        read_selected(&mut dv, tag, &mut state).expect("read directly");
    }
    if connections < 1 {
        harness.push("no connection went through the proxy".into());
    }
    let present = state
        .keys()
        .filter(|id| index_of(&run, id).is_some())
        .count();
    let appended_ok = job
        .append
        .iter()
        .filter(|o| matches!(o, Outcome::Ok))
        .count();
    if appended_ok > 0 && present == 0 {
        harness.push(format!(
            "{appended_ok} APPENDs returned Ok but the direct check found none of the messages"
        ));
    }
    let problems = check(&run, &job, &state);
    let interrupted = job
        .steps
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Interrupted(_)))
        .count();
    let failed = job
        .steps
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Failed(_)))
        .count();

    let mut out = format!(
        "[{}] seed {seed:#x}: {cuts} cuts, {connections} connections ({} reconnect attempts), \
         {} retrying calls: {} ok, {interrupted} interrupted, {failed} failed; {} messages \
         present; {:.1} s: {}",
        variant.name(),
        connections.saturating_sub(1),
        job.steps.len(),
        job.steps.len() - interrupted - failed,
        present,
        started.elapsed().as_secs_f64(),
        if problems.is_empty() && harness.is_empty() {
            "PASS".to_string()
        } else {
            format!("FAIL ({} problems)", problems.len() + harness.len())
        }
    );
    if verbose() || !problems.is_empty() {
        for line in proxy.log() {
            out.push_str(&format!("\n    {line}"));
        }
        for p in problems.iter().take(10) {
            out.push_str(&format!("\n  ! {p}"));
        }
        if problems.len() > 10 {
            out.push_str(&format!("\n  ! ... and {} more", problems.len() - 10));
        }
    }
    eprintln!("{out}");
    if problems.is_empty() && harness.is_empty() {
        // (Deleting the selected mailbox would make Dovecot end the session.)
        let _ = dv.unselect();
        for name in [&a, &b] {
            let _ = dv.delete(name.as_str());
        }
    }
    let _ = dv.logout();
    SeedReport {
        seed,
        cuts,
        interrupted,
        problems,
        harness,
    }
}

fn run_variant(variant: Variant) {
    let Some(server) = common::dovecot::server() else {
        return;
    };
    let seeds = seeds();
    let reports: Vec<SeedReport> = seeds
        .iter()
        .map(|&seed| run_seed(&server, variant, seed))
        .collect();
    let survived: usize = reports
        .iter()
        .filter(|r| r.problems.is_empty())
        .map(|r| r.cuts)
        .sum();
    let all_cuts: usize = reports.iter().map(|r| r.cuts).sum();
    let interrupted: usize = reports.iter().map(|r| r.interrupted).sum();
    let failed: Vec<&SeedReport> = reports.iter().filter(|r| !r.problems.is_empty()).collect();
    eprintln!(
        "[{}] seeds: {}, cuts survived: {survived}, interrupted: {interrupted} (cuts in all: \
         {all_cuts}, seeds failed: {})",
        variant.name(),
        seeds.len(),
        failed.len()
    );
    let harness: Vec<String> = reports
        .iter()
        .flat_map(|r| {
            r.harness
                .iter()
                .map(move |h| format!("seed {:#x}: {h}", r.seed))
        })
        .collect();
    assert!(
        harness.is_empty(),
        "the harness itself failed:\n{}",
        harness.join("\n")
    );
    assert!(
        all_cuts > 0,
        "[{}] no seed made any cut: the proxy does not cut",
        variant.name()
    );
    if !failed.is_empty() {
        let mut text = String::new();
        for r in &failed {
            text.push_str(&format!(
                "seed {:#x} ({} cuts; rerun alone with BLOCKING_IMAP_FAULT_SEED={:#x}):\n",
                r.seed, r.cuts, r.seed
            ));
            for p in r.problems.iter().take(5) {
                text.push_str(&format!("  {p}\n"));
            }
            if r.problems.len() > 5 {
                text.push_str(&format!("  ... and {} more\n", r.problems.len() - 5));
            }
        }
        panic!(
            "[{}] {} of {} seeds broke exactly-once:\n{text}",
            variant.name(),
            failed.len(),
            seeds.len()
        );
    }
}

#[test]
fn each_append_retried_through_cuts_lands_exactly_once() {
    run_variant(Variant::EachAppend);
}

#[test]
fn thirty_appends_in_one_retrying_closure_land_exactly_once() {
    run_variant(Variant::OneClosure);
}

#[test]
fn uid_move_without_the_move_extension_never_makes_two_copies() {
    run_variant(Variant::NoMove);
}

// ---------------------------------------------------------------------------------------
// a sequence-number STORE is never repeated

/// Does the chunk hold a `tag STORE ...` command (by sequence numbers, not UID STORE)?
fn is_seq_store(chunk: &[u8]) -> bool {
    chunk.split(|&b| b == b'\n').any(|line| {
        let mut words = line.split(|&b| b == b' ');
        let _tag = words.next();
        words
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case(b"STORE"))
    })
}

#[test]
fn a_sequence_number_store_cut_before_its_answer_is_not_repeated() {
    let Some(server) = common::dovecot::server() else {
        return;
    };
    let mut dv = direct(&server);
    let mut problems = Vec::new();
    for kind in [CutKind::Fin, CutKind::Rst] {
        let run = format!("fi-seqstore-{kind:?}-{}", stamp());
        dv.create(&run).unwrap();
        for i in 0..3 {
            dv.append(&run, &message(&run, i)).unwrap();
        }
        let proxy = CutProxy::start(
            &server.host,
            server.port,
            CutConfig {
                max_cuts: 1,
                ..CutConfig::default()
            },
        );
        let stores = Arc::new(AtomicUsize::new(0));
        let counter = stores.clone();
        proxy.cut_when_client_sends(
            move |chunk| {
                let hit = is_seq_store(chunk);
                if hit {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                hit
            },
            kind,
        );
        let mut s = through(&server, proxy.port())
            .connect()
            .unwrap()
            .login(USER, PASSWORD)
            .unwrap();
        s.select(run.as_str()).unwrap();
        let r = s.retrying(JOB, |s| {
            s.store(1..=3, StoreAction::Add, &[Flag::Seen])?.finish()
        });
        let sent = stores.load(Ordering::SeqCst);
        eprintln!(
            "[seq-store {kind:?}] retrying returned {r:?}; STORE sent {sent} time(s); cuts {}, \
             connections {}; {:?}",
            proxy.cuts(),
            proxy.connections(),
            proxy.log()
        );
        assert_eq!(proxy.cuts(), 1, "harness: the trigger did not cut");
        // The server answered before the cut: the flags are set.
        dv.examine(run.as_str()).unwrap();
        let mut state = State::new();
        read_selected(&mut dv, 'A', &mut state).unwrap();
        let seen = state.values().flatten().filter(|c| c.seen).count();
        assert_eq!(
            seen, 3,
            "harness: the STORE did not reach Dovecot: {state:?}"
        );
        if !matches!(r, Err(Error::Interrupted { .. })) {
            problems.push(format!(
                "{kind:?}: retrying returned {r:?}, expected Err(Error::Interrupted)"
            ));
        }
        if sent != 1 {
            problems.push(format!(
                "{kind:?}: the STORE by sequence numbers was sent {sent} times (must be once)"
            ));
        }
        dv.unselect().unwrap();
        let _ = dv.delete(run.as_str());
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------------------
// the proxy itself (no server needed)

#[test]
fn cut_proxy_strips_move_only_from_capability_lists() {
    let s = |l: &str| strip_move(l.as_bytes()).map(|v| String::from_utf8(v).unwrap());
    assert_eq!(
        s("* CAPABILITY IMAP4rev1 MOVE UIDPLUS\r\n").as_deref(),
        Some("* CAPABILITY IMAP4rev1 UIDPLUS\r\n")
    );
    assert_eq!(
        s("A0001 OK [CAPABILITY IMAP4rev1 MOVE SPECIAL-USE] Logged in\r\n").as_deref(),
        Some("A0001 OK [CAPABILITY IMAP4rev1 SPECIAL-USE] Logged in\r\n")
    );
    assert_eq!(s("* OK [CAPABILITY IMAP4rev1 IDLE] ready\r\n"), None);
    assert_eq!(s("* CAPABILITY IMAP4rev1 X-MOVE\r\n"), None);
    assert_eq!(s("* SEARCH MOVE\r\n"), None);
    // Not inside a literal, and lines split across reads are whole before they are judged.
    let mut f = CapStrip::default();
    let (out, n) = f.feed(b"* 1 FETCH (BODY[] {19}\r\n* CAPABILITY MOVE\r\n)\r\n* CAPA");
    assert_eq!(n, 0);
    assert_eq!(out, b"* 1 FETCH (BODY[] {19}\r\n* CAPABILITY MOVE\r\n)\r\n");
    let (out, n) = f.feed(b"BILITY IMAP4rev1 MOVE\r\n");
    assert_eq!((out.as_slice(), n), (&b"* CAPABILITY IMAP4rev1\r\n"[..], 1));
}

/// A server that sends 20,000 bytes, then waits for the client to go.
fn chatty_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        if let Ok((mut c, _)) = listener.accept() {
            let _ = c.write_all(&[b'x'; 20_000]);
            let _ = c.read(&mut [0u8; 16]);
        }
    });
    port
}

#[test]
fn cut_proxy_cuts_with_a_fin_or_a_reset_where_planned() {
    for kind in [CutKind::Fin, CutKind::Rst] {
        let proxy = CutProxy::start(
            "127.0.0.1",
            chatty_server(),
            CutConfig {
                seed: 7,
                mean_bytes_to_client: 3000,
                to_client_share: 1.0,
                rst_share: if kind == CutKind::Rst { 1.0 } else { 0.0 },
                boundary_share: 0.0,
                burst_probability: 0.0,
                max_cuts: 1,
                ..CutConfig::default()
            },
        );
        proxy.start_cutting();
        let mut c = TcpStream::connect(("127.0.0.1", proxy.port())).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut got = 0usize;
        let mut buf = [0u8; 4096];
        let end = loop {
            match c.read(&mut buf) {
                Ok(0) => break Ok(()),
                Ok(n) => got += n,
                Err(e) => break Err(e),
            }
        };
        let log = proxy.log();
        assert_eq!(proxy.cuts(), 1, "{kind:?}: {log:?}");
        assert!(
            got < 20_000,
            "{kind:?}: all {got} bytes came through: {log:?}"
        );
        match kind {
            CutKind::Fin => assert!(end.is_ok(), "FIN: {end:?} after {got} bytes"),
            CutKind::Rst if cfg!(any(target_os = "linux", target_os = "macos")) => assert_eq!(
                end.as_ref().map_err(std::io::Error::kind).err(),
                Some(std::io::ErrorKind::ConnectionReset),
                "RST: {end:?} after {got} bytes"
            ),
            CutKind::Rst => {}
        }
        if kind == CutKind::Fin {
            // A FIN cut forwards exactly the planned bytes, as the log says.
            assert!(
                log[0].contains(&format!("after {got} server->client bytes")),
                "{log:?}"
            );
        }
    }
}
