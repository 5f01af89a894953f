//! Copies mailboxes from one account to another, possibly on another server, with their
//! flags and internal dates, each message streamed from source to target (memory stays flat
//! whatever the message's size). Safe to run again after a kill: only what is missing is
//! copied, and never twice.
//!
//! ```sh
//! IMAP_FROM_PASSWORD=old IMAP_TO_PASSWORD=new cargo run --release --example migrate -- \
//!     --from imaps://me@old.example.com --to imaps://me@new.example.com \
//!     [--from-password-env VAR] [--to-password-env VAR] [--ca PEM] \
//!     [--state PATH] [--mailbox NAME]... [--jobs N]
//! ```
//!
//! - Which mailboxes: every selectable one from the source's LIST, or the `--mailbox` ones.
//!   Each goes to the mailbox of the same name on the target (the source's hierarchy
//!   delimiter replaced by the target's; a target delimiter inside a name part becomes `_`),
//!   except that a special-use mailbox (`\Sent`, `\Trash`, ...) goes to the target's mailbox
//!   of the same special use when there is one (`Sent Items` into `Sent`). A missing mailbox
//!   is created.
//! - Messages: fetched with `BODY.PEEK[]` (nothing changes on the source) and appended with
//!   their system flags, their keywords where the target's PERMANENTFLAGS allows them, and
//!   their INTERNALDATE. A message of up to 1 MiB is held in memory between the two servers,
//!   a larger one in a temporary file. Each APPEND runs under `Session::retrying`, so a
//!   connection cut on the target side lands the message once.
//! - Never twice: every message copied is written to the state file (source mailbox,
//!   UIDVALIDITY, UID, target UID) as soon as the target confirms it; a re-run skips those,
//!   and for the rest first reads the target's Message-IDs: a message whose Message-ID is
//!   already in the target mailbox is not copied again (which also merges duplicates within
//!   one source mailbox). A message without a Message-ID relies on the state file alone.
//! - State file: `--state PATH`, by default `$XDG_DATA_HOME/blocking-imap/` (or
//!   `~/.local/share/blocking-imap/`) `migrate-<from>-to-<to>.state`, one per pair of
//!   accounts.
//! - `--jobs N`: N source and N target sessions on N threads; mailboxes, and pieces of at
//!   most 200 messages / 32 MiB of each (smaller, down to 20, so that each thread gets four
//!   or more), come from one queue. Ctrl-C stops within a second
//!   (exit status 130); a re-run continues.
//!
//! Progress goes to stderr (a bar on a terminal), the summary line to stdout; exit status 1
//! when a mailbox failed (the others are still copied).

mod common;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use blocking_imap::{
    AppendSource, DateTime, FetchItems, Flag, ListOptions, MailboxName, Name, NameAttribute,
    Operation, Section, SequenceSet, Session, Streamed,
};
use common::tools::{self, human_bytes, interrupted, Progress, WorkQueue};
use common::{die, message_id, Args};

const PIECE_MESSAGES: usize = 200;
/// Pieces are not made smaller than this (each costs a FETCH round trip of its own).
const PIECE_MIN_MESSAGES: usize = 20;
const PIECE_BYTES: u64 = 32 << 20;
/// Messages up to this size go between the servers in memory, larger ones through a file.
const IN_MEMORY: u64 = 1 << 20;

const USAGE: &str = "usage: migrate --from URL --to URL [--from-password-env VAR] \
    [--to-password-env VAR] [--ca PEM] [--danger-accept-invalid-certs] [--state PATH] \
    [--mailbox NAME]... [--jobs N]";

struct Options {
    from: Args,
    to: Args,
    state: PathBuf,
    mailboxes: Vec<String>,
    jobs: usize,
}

fn parse_args() -> Options {
    let (mut from, mut to, mut ca, mut state, mut jobs) = (None, None, None, None, None);
    let mut from_env = "IMAP_FROM_PASSWORD".to_string();
    let mut to_env = "IMAP_TO_PASSWORD".to_string();
    let (mut mailboxes, mut danger) = (Vec::new(), false);
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .unwrap_or_else(|| die(format!("{flag} needs a value; {USAGE}")))
        };
        match flag.as_str() {
            "--from" => from = Some(value()),
            "--to" => to = Some(value()),
            "--from-password-env" => from_env = value(),
            "--to-password-env" => to_env = value(),
            "--ca" => ca = Some(value()),
            "--state" => state = Some(PathBuf::from(value())),
            "--mailbox" => mailboxes.push(value()),
            "--jobs" => jobs = Some(value()),
            "--danger-accept-invalid-certs" => danger = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0)
            }
            other => die(format!("unknown flag {other}; {USAGE}")),
        }
    }
    let (Some(from), Some(to)) = (from, to) else {
        die(format!("--from and --to are required; {USAGE}"))
    };
    let from = Args::from_url(&from, &from_env, ca.as_deref(), danger);
    let to = Args::from_url(&to, &to_env, ca.as_deref(), danger);
    let state = state.unwrap_or_else(|| default_state(&from, &to));
    Options {
        jobs: tools::jobs(jobs.as_deref()),
        from,
        to,
        state,
        mailboxes,
    }
}

/// `$XDG_DATA_HOME/blocking-imap/migrate-<from>-to-<to>.state`.
fn default_state(from: &Args, to: &Args) -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| die("set --state PATH (no XDG_DATA_HOME nor HOME)"));
    let id = |a: &Args| {
        format!("{}@{}:{}", a.user, a.host, a.port)
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "@.:-".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect::<String>()
    };
    base.join("blocking-imap")
        .join(format!("migrate-{}-to-{}.state", id(from), id(to)))
}

fn main() {
    tools::on_ctrl_c();
    let opts = parse_args();
    let journal = Journal::open(&opts.state)
        .unwrap_or_else(|e| die(format!("state {}: {e}", opts.state.display())));

    let mut source = opts.from.login();
    let mut target = opts.to.login();
    let from_list = list(&mut source).unwrap_or_else(|e| die(format!("source: list: {e}")));
    let to_list = list(&mut target).unwrap_or_else(|e| die(format!("target: list: {e}")));
    let to_delimiter = to_list.iter().find_map(Name::delimiter);

    let mut plan = Vec::new();
    let chosen: Vec<&Name> = if opts.mailboxes.is_empty() {
        from_list.iter().filter(|n| n.is_selectable()).collect()
    } else {
        opts.mailboxes
            .iter()
            .map(|m| {
                let want = MailboxName::from(m.as_str());
                from_list
                    .iter()
                    .find(|n| *n.name() == want)
                    .unwrap_or_else(|| die(format!("source has no mailbox {m}")))
            })
            .collect()
    };
    for n in chosen {
        let special = n.special_use().cloned();
        let by_use = special
            .as_ref()
            .and_then(|u| to_list.iter().find(|t| t.has(u)).map(|t| t.name().clone()));
        let target_name = by_use.clone().unwrap_or_else(|| {
            MailboxName::from(map_name(n.name().as_str(), n.delimiter(), to_delimiter).as_str())
        });
        let exists = to_list.iter().any(|t| *t.name() == target_name);
        plan.push(Job::Scan(Arc::new(Plan {
            source: n.name().clone(),
            target: target_name,
            create: !exists,
            special: special.filter(|_| by_use.is_none()),
        })));
    }
    let mailboxes = plan.len();

    let ctx = Ctx {
        opts: &opts,
        journal,
        progress: Progress::new("migrate"),
        queue: WorkQueue::new(plan),
        stats: Stats::default(),
        errors: Mutex::new(Vec::new()),
    };
    let first = Mutex::new(Some((source, target)));
    std::thread::scope(|scope| {
        for id in 0..opts.jobs {
            let (ctx, first) = (&ctx, &first);
            scope.spawn(move || {
                let sessions = first.lock().ok().and_then(|mut f| f.take());
                Worker::new(ctx, id, sessions).run(ctx)
            });
        }
    });
    ctx.progress.finish();

    let st = &ctx.stats;
    let summary = format!(
        "migrate: {mailboxes} mailboxes, {} copied ({}), {} already there, in {:.1} s",
        st.copied.load(Ordering::Relaxed),
        human_bytes(st.bytes.load(Ordering::Relaxed)),
        st.present.load(Ordering::Relaxed),
        ctx.progress.elapsed().as_secs_f64(),
    );
    let errors = ctx.errors.into_inner().unwrap_or_else(|e| e.into_inner());
    tools::finish(&summary, &errors, "run again to finish");
}

/// LIST with the special-use attributes (RFC 6154) where the server has them.
fn list(s: &mut Session) -> blocking_imap::Result<Vec<Name>> {
    let caps = s.capabilities()?;
    let extended = (caps.has("LIST-EXTENDED") && caps.has("SPECIAL-USE")) || caps.has("IMAP4rev2");
    if extended {
        let opts = ListOptions::new().return_special_use();
        if let Ok(entries) = s.list_extended("", &["*"], &opts) {
            return Ok(entries.into_iter().map(|e| e.name().clone()).collect());
        }
    }
    s.list("", "*")
}

/// The target's name for a source mailbox: the same parts, joined by the target's delimiter.
fn map_name(name: &str, from: Option<char>, to: Option<char>) -> String {
    let (Some(from), Some(to)) = (from, to) else {
        return name.to_string();
    };
    if from == to {
        return name.to_string();
    }
    name.split(from)
        .map(|part| part.replace(to, "_"))
        .collect::<Vec<_>>()
        .join(&to.to_string())
}

struct Ctx<'a> {
    opts: &'a Options,
    journal: Journal,
    progress: Progress,
    queue: WorkQueue<Job>,
    stats: Stats,
    errors: Mutex<Vec<String>>,
}

#[derive(Default)]
struct Stats {
    copied: AtomicU64,
    bytes: AtomicU64,
    present: AtomicU64,
}

/// One source mailbox and where it goes.
struct Plan {
    source: MailboxName,
    target: MailboxName,
    create: bool,
    /// The special use to give a mailbox created on the target.
    special: Option<NameAttribute>,
}

/// A mailbox being copied, shared by the threads that copy its pieces.
struct Copy {
    plan: Arc<Plan>,
    uid_validity: u32,
    /// The target's PERMANENTFLAGS.
    permanent: Vec<Flag>,
}

enum Job {
    Scan(Arc<Plan>),
    Copy(Arc<Copy>, Vec<u32>),
}

struct Worker {
    source: Session,
    target: Session,
    selected: Option<MailboxName>,
    id: usize,
    spools: Vec<Spool>,
}

impl Worker {
    fn new(ctx: &Ctx, id: usize, sessions: Option<(Session, Session)>) -> Worker {
        let (source, target) =
            sessions.unwrap_or_else(|| (ctx.opts.from.login(), ctx.opts.to.login()));
        Worker {
            source,
            target,
            selected: None,
            id,
            spools: Vec::new(),
        }
    }

    fn run(mut self, ctx: &Ctx) {
        while let Some(job) = ctx.queue.pop() {
            let result = match job {
                Job::Scan(plan) => self
                    .scan(ctx, &plan)
                    .map_err(|e| format!("{}: {e}", plan.source.as_str())),
                Job::Copy(copy, uids) => self
                    .copy(ctx, &copy, &uids)
                    .map_err(|e| format!("{}: {e}", copy.plan.source.as_str())),
            };
            if let Err(e) = result {
                if !interrupted() {
                    ctx.progress.note(&format!("error: {e}"));
                    ctx.errors.lock().unwrap_or_else(|e| e.into_inner()).push(e);
                }
            }
            ctx.queue.done();
            if (self.source.is_broken() || self.target.is_broken()) && !interrupted() {
                let id = self.id;
                drop(self);
                self = Worker::new(ctx, id, None);
            }
        }
        if !interrupted() {
            let _ = self.source.logout();
            let _ = self.target.logout();
        }
    }

    fn open_source(
        &mut self,
        name: &MailboxName,
        uid_validity: Option<u32>,
    ) -> Result<u32, String> {
        if let (Some(sel), Some(uv)) = (&self.selected, uid_validity) {
            if sel == name {
                return Ok(uv);
            }
        }
        self.selected = None;
        let mb = self
            .source
            .examine(name.clone())
            .map_err(|e| format!("examine: {e}"))?;
        let uv = mb.uid_validity().ok_or("the source sent no UIDVALIDITY")?;
        if uid_validity.is_some_and(|want| want != uv) {
            return Err("UIDVALIDITY changed during the run; run again".into());
        }
        self.selected = Some(name.clone());
        Ok(uv)
    }

    /// Which messages of a mailbox are still to copy: queued in pieces.
    fn scan(&mut self, ctx: &Ctx, plan: &Arc<Plan>) -> Result<(), String> {
        if plan.create {
            if let Err(e) = self.target.create(plan.target.clone()) {
                let exists = self
                    .target
                    .list("", plan.target.as_str())
                    .is_ok_and(|l| !l.is_empty());
                if !exists {
                    return Err(format!(
                        "creating {} on the target: {e}",
                        plan.target.as_str()
                    ));
                }
            }
            if let Some(attr) = &plan.special {
                // Needs CREATE ... (USE (...)) (RFC 6154), which this library does not send yet.
                ctx.progress.note(&format!(
                    "note: {} created without its special use {attr}",
                    plan.target.as_str()
                ));
            }
        }
        let uid_validity = self.open_source(&plan.source, None)?;
        let done = ctx.journal.copied(plan.source.as_str(), uid_validity);
        // UID, size and Message-ID of every source message not yet copied.
        let mut todo: Vec<(u32, u64, Option<Vec<u8>>)> = Vec::new();
        if self.source.mailbox().exists() > 0 {
            let items = FetchItems::new()
                .uid()
                .size()
                .body_peek(Section::HeaderFields(vec!["Message-ID".into()]));
            let stream = self
                .source
                .uid_fetch(SequenceSet::from(1..), &items)
                .map_err(|e| format!("fetch: {e}"))?;
            for f in stream {
                let f = f.map_err(|e| format!("fetch: {e}"))?;
                let Some(uid) = f.uid().map(|u| u.0) else {
                    continue;
                };
                if done.contains(&uid) {
                    continue;
                }
                let size = u64::from(f.size().unwrap_or(0));
                todo.push((uid, size, f.header().and_then(message_id)));
            }
        }
        // The target: its flags, and the Message-IDs it holds already.
        let mb = self
            .target
            .select(plan.target.clone())
            .map_err(|e| format!("select {} on the target: {e}", plan.target.as_str()))?;
        let permanent = mb.permanent_flags().to_vec();
        if !todo.is_empty() && mb.exists() > 0 {
            let mut there: HashSet<Vec<u8>> = HashSet::new();
            let items =
                FetchItems::new().body_peek(Section::HeaderFields(vec!["Message-ID".into()]));
            let stream = self
                .target
                .uid_fetch(SequenceSet::from(1..), &items)
                .map_err(|e| format!("target fetch: {e}"))?;
            for f in stream {
                let f = f.map_err(|e| format!("target fetch: {e}"))?;
                if let Some(id) = f.header().and_then(message_id) {
                    there.insert(id);
                }
            }
            todo.retain(|(uid, _, id)| {
                let present = id.as_ref().is_some_and(|id| there.contains(id));
                if present {
                    ctx.stats.present.fetch_add(1, Ordering::Relaxed);
                    ctx.journal.record(
                        plan.source.as_str(),
                        uid_validity,
                        *uid,
                        plan.target.as_str(),
                        None,
                    );
                }
                !present
            });
        }
        let _ = self.target.unselect();

        let copy = Arc::new(Copy {
            plan: plan.clone(),
            uid_validity,
            permanent,
        });
        let mut pieces: Vec<Vec<u32>> = Vec::new();
        let (mut piece, mut bytes) = (Vec::new(), 0u64);
        // Every message costs round trips, so the threads must end together: at least four
        // pieces per thread when the mailbox is big enough (a last piece alone would leave
        // the others idle), never more than PIECE_MESSAGES each.
        let per_piece = todo
            .len()
            .div_ceil(4 * ctx.opts.jobs.max(1))
            .clamp(PIECE_MIN_MESSAGES, PIECE_MESSAGES);
        for (uid, size, _) in todo {
            if !piece.is_empty() && (piece.len() >= per_piece || bytes + size > PIECE_BYTES) {
                pieces.push(std::mem::take(&mut piece));
                bytes = 0;
            }
            piece.push(uid);
            bytes += size;
            ctx.progress.add_total(size);
        }
        if !piece.is_empty() {
            pieces.push(piece);
        }
        for piece in pieces.into_iter().rev() {
            ctx.queue.push_front(Job::Copy(copy.clone(), piece));
        }
        Ok(())
    }

    /// Copies one piece: each message streamed from the source into a spool, then appended
    /// to the target from it.
    fn copy(&mut self, ctx: &Ctx, copy: &Copy, uids: &[u32]) -> Result<(), String> {
        self.open_source(&copy.plan.source, Some(copy.uid_validity))?;
        let (id, mut spare) = (self.id, std::mem::take(&mut self.spools));
        // Spools being filled, by message number: the next message's body can arrive before
        // the stream hands out the previous message's other items.
        let filling: RefCell<HashMap<u32, Spool>> = RefCell::new(HashMap::new());
        let active = std::cell::Cell::new(None::<u32>);
        let free: RefCell<Vec<Spool>> = RefCell::new(std::mem::take(&mut spare));
        let counter = std::cell::Cell::new(0u64);
        let mut sink = |piece: Streamed<'_>| -> io::Result<()> {
            if interrupted() {
                return Err(tools::interrupted_error());
            }
            match piece {
                Streamed::Begin { seq, len, .. } => {
                    let mut spool = free.borrow_mut().pop().unwrap_or_default();
                    counter.set(counter.get() + 1);
                    spool.begin(len, id, counter.get())?;
                    filling.borrow_mut().insert(seq.0, spool);
                    active.set(Some(seq.0));
                }
                Streamed::Bytes(bytes) => {
                    if let Some(seq) = active.get() {
                        if let Some(spool) = filling.borrow_mut().get_mut(&seq) {
                            spool.write(bytes)?;
                        }
                    }
                    ctx.progress.add_bytes(bytes.len() as u64);
                }
                _ => {}
            }
            Ok(())
        };
        let items = FetchItems::new()
            .uid()
            .flags()
            .internal_date()
            .body_peek(Section::Full);
        let mut failure = None;
        let target_name = copy.plan.target.clone();
        let target = &mut self.target;
        match self
            .source
            .uid_fetch_streaming(SequenceSet::from(uids), &items, &mut sink)
        {
            Err(e) => failure = Some(format!("fetch: {e}")),
            Ok(stream) => {
                for f in stream {
                    if interrupted() {
                        break;
                    }
                    let f = match f {
                        Ok(f) => f,
                        Err(e) => {
                            failure = Some(format!("fetch: {e}"));
                            break;
                        }
                    };
                    let Some(uid) = f.uid().map(|u| u.0) else {
                        continue;
                    };
                    let Some(mut spool) = filling.borrow_mut().remove(&f.seq().0) else {
                        continue;
                    };
                    let flags: Vec<Flag> = f
                        .flags()
                        .unwrap_or(&[])
                        .iter()
                        .filter(|fl| allowed(fl, &copy.permanent))
                        .cloned()
                        .collect();
                    let result =
                        append(target, &target_name, &mut spool, &flags, f.internal_date());
                    let len = spool.len;
                    free.borrow_mut().push(spool);
                    match result {
                        Ok(target_uid) => {
                            ctx.journal.record(
                                copy.plan.source.as_str(),
                                copy.uid_validity,
                                uid,
                                target_name.as_str(),
                                target_uid,
                            );
                            ctx.stats.copied.fetch_add(1, Ordering::Relaxed);
                            ctx.stats.bytes.fetch_add(len, Ordering::Relaxed);
                            ctx.progress.message_done();
                        }
                        Err(e) => {
                            failure =
                                Some(format!("append uid {uid} to {}: {e}", target_name.as_str()));
                            break;
                        }
                    }
                }
            }
        }
        let mut spools = free.into_inner();
        spools.extend(filling.into_inner().into_values());
        self.spools = spools;
        match failure {
            Some(e) if !interrupted() => Err(e),
            _ => Ok(()),
        }
    }
}

/// APPEND from a spool, exactly once through connection cuts (see `Session::retrying`).
fn append(
    target: &mut Session,
    mailbox: &MailboxName,
    spool: &mut Spool,
    flags: &[Flag],
    date: Option<DateTime>,
) -> blocking_imap::Result<Option<u32>> {
    let len = spool.len;
    target.retrying(Operation::Append, |t| {
        let mut reader = spool.reader();
        let mut source = AppendSource::new(&mut reader, len).flags(flags);
        if let Some(d) = date {
            source = source.internal_date(d);
        }
        let done = t.append_from(mailbox.clone(), source)?;
        Ok(done.and_then(|a| a.uids.iter().next()))
    })
}

/// May the target store this flag (its PERMANENTFLAGS; `\*` for any keyword)?
fn allowed(flag: &Flag, permanent: &[Flag]) -> bool {
    match flag {
        Flag::Recent | Flag::MayCreate => false,
        Flag::Keyword(k) => {
            permanent.contains(&Flag::MayCreate)
                || permanent
                    .iter()
                    .any(|p| matches!(p, Flag::Keyword(q) if q.eq_ignore_ascii_case(k)))
        }
        system => permanent.is_empty() || permanent.contains(system),
    }
}

/// One message between the servers: in memory up to [`IN_MEMORY`] bytes, else in a
/// temporary file (removed when the spool is dropped).
#[derive(Default)]
struct Spool {
    len: u64,
    memory: Vec<u8>,
    file: Option<(File, PathBuf)>,
    in_file: bool,
}

impl Spool {
    fn begin(&mut self, len: u64, worker: usize, n: u64) -> io::Result<()> {
        self.len = len;
        self.memory.clear();
        self.in_file = len > IN_MEMORY;
        if self.in_file {
            if self.file.is_none() {
                let path = std::env::temp_dir().join(format!(
                    "blocking-imap-migrate-{}-{worker}-{n}",
                    std::process::id()
                ));
                let file = OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .open(&path)?;
                self.file = Some((file, path));
            }
            if let Some((file, _)) = &mut self.file {
                file.set_len(0)?;
                file.rewind()?;
            }
        } else {
            self.memory.reserve(len as usize);
        }
        Ok(())
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        match (&mut self.file, self.in_file) {
            (Some((file, _)), true) => file.write_all(bytes),
            _ => {
                self.memory.extend_from_slice(bytes);
                Ok(())
            }
        }
    }

    /// The message from its start.
    fn reader(&mut self) -> Box<dyn Read + '_> {
        match (&mut self.file, self.in_file) {
            (Some((file, _)), true) => match file.rewind() {
                Ok(()) => Box::new(file),
                Err(e) => Box::new(Failing(Some(e))),
            },
            _ => Box::new(&self.memory[..]),
        }
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        if let Some((_, path)) = self.file.take() {
            let _ = fs::remove_file(path);
        }
    }
}

/// A reader that fails: APPEND then reports the error (the session must reconnect).
struct Failing(Option<io::Error>);

impl Read for Failing {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(self
            .0
            .take()
            .unwrap_or_else(|| io::Error::other("spool failed")))
    }
}

/// The state file: one line per message copied (or found in the target), appended as it
/// happens: `<source mailbox> TAB <UIDVALIDITY> TAB <UID> TAB <target mailbox> TAB <target
/// UID or ->`, names with `%`, TAB, CR and LF percent-encoded.
struct Journal {
    done: HashMap<(String, u32), HashSet<u32>>,
    file: Mutex<File>,
}

impl Journal {
    fn open(path: &Path) -> io::Result<Journal> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir)?;
        }
        let mut done: HashMap<(String, u32), HashSet<u32>> = HashMap::new();
        match fs::read_to_string(path) {
            Ok(text) => {
                for line in text.lines().skip(1) {
                    // A line cut short by a kill has fewer fields: skipped.
                    let f: Vec<&str> = line.split('\t').collect();
                    if let [mailbox, uv, uid, _, _] = f[..] {
                        if let (Ok(uv), Ok(uid)) = (uv.parse(), uid.parse()) {
                            done.entry((unescape(mailbox), uv)).or_default().insert(uid);
                        }
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::write(path, "blocking-imap migrate 1\n")?;
            }
            Err(e) => return Err(e),
        }
        let file = OpenOptions::new().append(true).open(path)?;
        Ok(Journal {
            done,
            file: Mutex::new(file),
        })
    }

    /// The UIDs of a source mailbox already copied.
    fn copied(&self, mailbox: &str, uid_validity: u32) -> HashSet<u32> {
        self.done
            .get(&(mailbox.to_string(), uid_validity))
            .cloned()
            .unwrap_or_default()
    }

    fn record(
        &self,
        mailbox: &str,
        uid_validity: u32,
        uid: u32,
        target: &str,
        target_uid: Option<u32>,
    ) {
        let line = format!(
            "{}\t{uid_validity}\t{uid}\t{}\t{}\n",
            escape(mailbox),
            escape(target),
            target_uid.map_or("-".to_string(), |u| u.to_string())
        );
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(e) = file.write_all(line.as_bytes()) {
            die(format!("writing the state file: {e}"));
        }
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' | '\t' | '\r' | '\n' => out.push_str(&format!("%{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn unescape(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len());
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_between_delimiters() {
        assert_eq!(map_name("A/B.c", Some('/'), Some('.')), "A.B_c");
        assert_eq!(map_name("A/B", Some('/'), Some('/')), "A/B");
        assert_eq!(map_name("A.B", None, Some('/')), "A.B");
    }

    #[test]
    fn state_names_round_trip() {
        for name in ["INBOX", "a\tb", "100%", "x\r\ny", "Entwürfe"] {
            assert_eq!(unescape(&escape(name)), name);
        }
    }

    #[test]
    fn flags_the_target_allows() {
        let perm = [
            Flag::Seen,
            Flag::Answered,
            Flag::Keyword("$Forwarded".into()),
        ];
        assert!(allowed(&Flag::Seen, &perm));
        assert!(!allowed(&Flag::Flagged, &perm));
        assert!(allowed(&Flag::Keyword("$forwarded".into()), &perm));
        assert!(!allowed(&Flag::Keyword("other".into()), &perm));
        assert!(allowed(&Flag::Keyword("other".into()), &[Flag::MayCreate]));
        assert!(!allowed(&Flag::Recent, &[]));
        assert!(allowed(&Flag::Draft, &[]));
    }
}
