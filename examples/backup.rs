//! Backs up an account (every mailbox from LIST, or the `--mailbox` ones) into a Maildir
//! tree, incrementally; nothing on the server changes (EXAMINE, `BODY.PEEK[]`).
//!
//! ```sh
//! IMAP_PASSWORD=secret cargo run --release --example backup -- \
//!     --url imaps://me@imap.example.com --out ~/mail-backup \
//!     [--mailbox INBOX]... [--jobs 4] [--no-fsync]
//! ```
//!
//! The tree: one Maildir folder (`cur/ new/ tmp/`) per mailbox, at `OUT/<name>` where the
//! mailbox's hierarchy delimiter becomes a directory: `Work/Projects` (or `Work.Projects` on a
//! server whose delimiter is `.`) is `OUT/Work/Projects/`, mbsync's `SubFolders Verbatim`
//! layout. Names stay UTF-8; a path part that could escape or collide is escaped with `%XX`
//! (a `/` or `\` inside a part, `%`, control characters, a leading `.` (so no `..`, no hidden
//! folders), and the parts `cur`, `new` and `tmp`); an empty part is `%`.
//!
//! Each message file holds exactly the bytes the server holds (`BODY.PEEK[]`, CRLF kept,
//! nothing added). It is written into `tmp/` as it arrives (memory is one read buffer,
//! whatever the message's size), flushed to disk (unless `--no-fsync`), given the message's
//! INTERNALDATE as its mtime and renamed into `cur/` only when complete, as
//! `<internaldate>.V<uidvalidity>U<uid>.backup:2,<flags>` with the flags `\Draft` D,
//! `\Flagged` F, `\Answered` R, `\Seen` S, `\Deleted` T in ASCII order (keywords have no
//! Maildir letter and are not kept).
//!
//! Re-runs: each folder keeps `.backup-state` (the mailbox's UIDVALIDITY, UIDNEXT,
//! HIGHESTMODSEQ and its known UIDs with their file names; the files in `cur/` are the truth,
//! the state is rebuilt from them). A mailbox whose UIDNEXT and HIGHESTMODSEQ did not move is
//! not fetched at all; otherwise one `UID FETCH 1:* (UID FLAGS RFC822.SIZE)`, with
//! `(CHANGEDSINCE <modseq>)` where the server has CONDSTORE, tells which messages are new
//! (downloaded) and whose flags changed (the file is renamed). A message expunged on the
//! server stays in the backup. When a mailbox's UIDVALIDITY changes, its messages are matched
//! against the files of the old UIDVALIDITY by size and a hash of the header (`BODY[HEADER]`):
//! a match is renamed to its new UID, not downloaded again, so no duplicate is made; the old
//! files that match nothing stay as they are. Leftovers in a folder's `tmp/` from a killed
//! run are removed by the next run that backs up that mailbox.
//!
//! `--jobs N`: N sessions on N threads; mailboxes, and then pieces of at most 500 messages /
//! 64 MiB of each, are handed out from one queue. Ctrl-C stops within a second with exit
//! status 130: a partial message is only ever in `tmp/`. Progress goes to stderr (a bar on a
//! terminal), the summary line to stdout. Exit status 1 when a mailbox failed (the others are
//! still backed up).
//!
//! Only one run at a time should write into a tree.

mod common;

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use blocking_imap::{FetchItems, Flag, MailboxName, Section, SequenceSet, Session, Streamed};
use common::tools::{self, human_bytes, interrupted, Progress, WorkQueue};
use common::{die, Args};

const STATE_FILE: &str = ".backup-state";
/// The largest piece of a mailbox one FETCH command (and one `--jobs` work item) asks for.
const CHUNK_MESSAGES: usize = 500;
const CHUNK_BYTES: u64 = 64 << 20;
/// Threads that flush finished messages to disk (an fsync waits for the disk, not the CPU)
/// and how many finished messages may wait for them.
const SYNC_THREADS: usize = 4;
const SYNC_QUEUE: usize = 32;

fn main() {
    tools::on_ctrl_c();
    let args = Args::parse(&[
        ("--out", true),
        ("--mailbox", true),
        ("--jobs", true),
        ("--no-fsync", false),
    ]);
    let out = PathBuf::from(
        args.get("--out")
            .unwrap_or_else(|| die("--out DIR is required")),
    );
    let jobs = tools::jobs(args.get("--jobs"));
    let wanted: Vec<String> = args
        .rest
        .iter()
        .filter(|(f, _)| f == "--mailbox")
        .filter_map(|(_, v)| v.clone())
        .collect();
    fs::create_dir_all(&out).unwrap_or_else(|e| die(format!("--out {}: {e}", out.display())));

    let mut first = args.login();
    let listed = first
        .list("", "*")
        .unwrap_or_else(|e| die(format!("list: {e}")));
    let mut mailboxes = Vec::new();
    if wanted.is_empty() {
        for n in &listed {
            if n.is_selectable() {
                mailboxes.push((n.name().clone(), n.delimiter()));
            }
        }
    } else {
        let delimiter = listed.iter().find_map(|n| n.delimiter());
        for w in &wanted {
            let name = MailboxName::from(w.as_str());
            match listed.iter().find(|n| *n.name() == name) {
                Some(n) => mailboxes.push((n.name().clone(), n.delimiter())),
                None => mailboxes.push((name, delimiter)),
            }
        }
    }

    let ctx = Ctx {
        args: &args,
        root: out,
        fsync: !args.has("--no-fsync"),
        progress: Progress::new("backup"),
        queue: WorkQueue::new(mailboxes.iter().cloned().map(|(n, d)| Job::Scan(n, d))),
        stats: Stats::default(),
        errors: Mutex::new(Vec::new()),
    };
    let first = Mutex::new(Some(first));
    std::thread::scope(|scope| {
        for id in 0..jobs {
            let (ctx, first) = (&ctx, &first);
            scope.spawn(move || {
                let session = first.lock().ok().and_then(|mut f| f.take());
                Worker::new(ctx, id, session).run(ctx)
            });
        }
    });
    ctx.progress.finish();

    let st = &ctx.stats;
    let summary = format!(
        "backup: {} mailboxes ({} unchanged), {} new messages ({}), {} renamed, {} FETCH \
         commands, in {:.1} s",
        mailboxes.len(),
        st.unchanged.load(Ordering::Relaxed),
        st.new.load(Ordering::Relaxed),
        human_bytes(st.bytes.load(Ordering::Relaxed)),
        st.renamed.load(Ordering::Relaxed),
        st.fetches.load(Ordering::Relaxed),
        ctx.progress.elapsed().as_secs_f64(),
    );
    let errors = ctx.errors.into_inner().unwrap_or_else(|e| e.into_inner());
    tools::finish(
        &summary,
        &errors,
        "run again to finish (what was saved is kept)",
    );
}

struct Ctx<'a> {
    args: &'a Args,
    root: PathBuf,
    fsync: bool,
    progress: Progress,
    queue: WorkQueue<Job>,
    stats: Stats,
    errors: Mutex<Vec<String>>,
}

#[derive(Default)]
struct Stats {
    new: AtomicU64,
    bytes: AtomicU64,
    renamed: AtomicU64,
    unchanged: AtomicU64,
    fetches: AtomicU64,
}

enum Job {
    /// Open a mailbox, compare with its folder, rename for flag changes, queue the downloads.
    Scan(MailboxName, Option<char>),
    /// Download these UIDs of a folder.
    Fetch(Arc<Folder>, Vec<u32>),
}

/// A mailbox being backed up, shared by the threads that download its pieces.
struct Folder {
    name: MailboxName,
    path: PathBuf,
    uid_validity: u32,
    /// What the state records once every piece is in: the mailbox as EXAMINE saw it.
    final_uid_next: u32,
    final_modseq: Option<u64>,
    state: Mutex<State>,
    pieces_left: AtomicUsize,
    failed: AtomicBool,
}

/// `.backup-state` of a folder.
#[derive(Debug, Default)]
struct State {
    uid_validity: u32,
    /// 0 until a run has backed up the whole mailbox.
    uid_next: u32,
    modseq: Option<u64>,
    /// Known UID -> file name in `cur/`.
    files: BTreeMap<u32, String>,
}

struct Worker {
    session: Session,
    id: usize,
    selected: Option<MailboxName>,
    condstore: bool,
    serial: u64,
}

impl Worker {
    fn new(ctx: &Ctx, id: usize, session: Option<Session>) -> Worker {
        let mut session = session.unwrap_or_else(|| ctx.args.login());
        let condstore = session
            .capabilities()
            .map(|c| c.has("CONDSTORE"))
            .unwrap_or(false)
            && session
                .enable(&["CONDSTORE"])
                .is_ok_and(|on| on.iter().any(|e| e.eq_ignore_ascii_case("CONDSTORE")));
        Worker {
            session,
            id,
            selected: None,
            condstore,
            serial: 0,
        }
    }

    fn run(mut self, ctx: &Ctx) {
        while let Some(job) = ctx.queue.pop() {
            let result = match job {
                Job::Scan(name, delimiter) => self
                    .scan(ctx, &name, delimiter)
                    .map_err(|e| format!("{}: {e}", name.as_str())),
                Job::Fetch(folder, uids) => {
                    let r = self.fetch(ctx, &folder, &uids);
                    if r.is_err() {
                        folder.failed.store(true, Ordering::SeqCst);
                    }
                    if folder.pieces_left.fetch_sub(1, Ordering::SeqCst) == 1
                        && !folder.failed.load(Ordering::SeqCst)
                        && !interrupted()
                    {
                        folder.finish();
                    }
                    r.map_err(|e| format!("{}: {e}", folder.name.as_str()))
                }
            };
            if let Err(e) = result {
                if !interrupted() {
                    ctx.progress.note(&format!("error: {e}"));
                    ctx.errors.lock().unwrap_or_else(|e| e.into_inner()).push(e);
                }
            }
            ctx.queue.done();
            if self.session.is_broken() && !interrupted() {
                self = Worker::new(ctx, self.id, None);
            }
        }
        if !interrupted() {
            let _ = self.session.logout();
        }
    }

    /// EXAMINE, and check that the mailbox is the one a scan saw.
    fn open(&mut self, name: &MailboxName, uid_validity: Option<u32>) -> Result<(), String> {
        if self.selected.as_ref() == Some(name) {
            return Ok(());
        }
        self.selected = None;
        let mb = self
            .session
            .examine(name.clone())
            .map_err(|e| e.to_string())?;
        if uid_validity.is_some() && mb.uid_validity() != uid_validity {
            return Err("UIDVALIDITY changed during the run; run again".into());
        }
        self.selected = Some(name.clone());
        Ok(())
    }

    fn scan(
        &mut self,
        ctx: &Ctx,
        name: &MailboxName,
        delimiter: Option<char>,
    ) -> Result<(), String> {
        let path = ctx.root.join(folder_path(name.as_str(), delimiter));
        for sub in ["cur", "new", "tmp"] {
            let dir = path.join(sub);
            fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        clean_tmp(&path.join("tmp"));
        let saved = load_state(&path).map_err(|e| format!("{STATE_FILE}: {e}"))?;
        self.selected = None;
        let mb = self
            .session
            .examine(name.clone())
            .map_err(|e| format!("examine: {e}"))?;
        self.selected = Some(name.clone());
        let uid_validity = mb.uid_validity().ok_or("the server sent no UIDVALIDITY")?;
        let uid_next = mb.uid_next().unwrap_or(0);
        let modseq = mb.highest_modseq().filter(|_| self.condstore);

        let cur = path.join("cur");
        let on_disk = scan_cur(&cur).map_err(|e| format!("{}: {e}", cur.display()))?;
        let mut files: BTreeMap<u32, String> = BTreeMap::new();
        let mut older = Vec::new();
        for (file, uv, uid) in on_disk {
            if uv == uid_validity {
                files.insert(uid, file);
            } else {
                older.push(file);
            }
        }
        // A new UIDVALIDITY (or a tree without state): match the old files by content.
        let rematch = match &saved {
            Some(s) => s.uid_validity != uid_validity,
            None => !older.is_empty(),
        };
        if let Some(s) = &saved {
            let nothing_new = !rematch
                && s.uid_next != 0
                && s.uid_next == uid_next
                && s.modseq.is_some()
                && s.modseq == modseq;
            if nothing_new {
                ctx.stats.unchanged.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            }
        }
        let mut old_index: HashMap<(u64, u64), Vec<String>> = HashMap::new();
        if rematch {
            ctx.progress.note(&format!(
                "{}: UIDVALIDITY is new: matching {} files of the old one by size and header",
                name.as_str(),
                older.len()
            ));
            for file in older {
                if let Ok(key) = file_key(&cur.join(&file)) {
                    old_index.entry(key).or_default().push(file);
                }
            }
        }
        let since = saved
            .as_ref()
            .filter(|s| !rematch && s.uid_next != 0)
            .and_then(|s| s.modseq)
            .filter(|_| self.condstore);

        let mut downloads: Vec<(u32, u64)> = Vec::new();
        let mut renamed = 0u64;
        if mb.exists() > 0 {
            let mut items = FetchItems::new().uid().flags().size();
            if rematch {
                items = items.body_peek(Section::Header);
            }
            if let Some(m) = since {
                items = items.changed_since(m);
            }
            ctx.stats.fetches.fetch_add(1, Ordering::Relaxed);
            let stream = self
                .session
                .uid_fetch(SequenceSet::from(1..), &items)
                .map_err(|e| format!("fetch: {e}"))?;
            for f in stream {
                if interrupted() {
                    break;
                }
                let f = f.map_err(|e| format!("fetch: {e}"))?;
                let Some(uid) = f.uid().map(|u| u.0) else {
                    continue;
                };
                let letters = info_letters(f.flags().unwrap_or(&[]));
                let size = u64::from(f.size().unwrap_or(0));
                if let Some(file) = files.get_mut(&uid) {
                    let want = with_info(file, &letters);
                    if want != *file {
                        fs::rename(cur.join(&*file), cur.join(&want))
                            .map_err(|e| format!("rename {file}: {e}"))?;
                        *file = want;
                        renamed += 1;
                    }
                    continue;
                }
                if rematch {
                    let key = (size, fnv1a(f.header().unwrap_or(&[])));
                    if let Some(old) = old_index.get_mut(&key).and_then(Vec::pop) {
                        let time = old.split('.').next().unwrap_or("0").to_string();
                        let want = with_info(&base_name(&time, uid_validity, uid), &letters);
                        fs::rename(cur.join(&old), cur.join(&want))
                            .map_err(|e| format!("rename {old}: {e}"))?;
                        files.insert(uid, want);
                        renamed += 1;
                        continue;
                    }
                }
                downloads.push((uid, size));
            }
        }
        ctx.stats.renamed.fetch_add(renamed, Ordering::Relaxed);

        // The pieces to download, smallest UIDs first.
        downloads.sort_unstable();
        let mut pieces: Vec<Vec<u32>> = Vec::new();
        let (mut piece, mut piece_bytes) = (Vec::new(), 0u64);
        for (uid, size) in downloads {
            if !piece.is_empty()
                && (piece.len() >= CHUNK_MESSAGES || piece_bytes + size > CHUNK_BYTES)
            {
                pieces.push(std::mem::take(&mut piece));
                piece_bytes = 0;
            }
            piece.push(uid);
            piece_bytes += size;
            ctx.progress.add_total(size);
        }
        if !piece.is_empty() {
            pieces.push(piece);
        }
        let keep = match (&saved, rematch) {
            (Some(s), false) => (s.uid_next, s.modseq),
            _ => (0, None),
        };
        let folder = Arc::new(Folder {
            name: name.clone(),
            path,
            uid_validity,
            final_uid_next: uid_next,
            final_modseq: modseq,
            state: Mutex::new(State {
                uid_validity,
                uid_next: keep.0,
                modseq: keep.1,
                files,
            }),
            pieces_left: AtomicUsize::new(pieces.len()),
            failed: AtomicBool::new(false),
        });
        if pieces.is_empty() {
            if !interrupted() {
                folder.finish();
            }
            return Ok(());
        }
        folder.save();
        for piece in pieces.into_iter().rev() {
            ctx.queue.push_front(Job::Fetch(folder.clone(), piece));
        }
        Ok(())
    }

    /// Downloads one piece of a folder: each message streamed into `tmp/`, then renamed into
    /// `cur/` once complete.
    fn fetch(&mut self, ctx: &Ctx, folder: &Folder, uids: &[u32]) -> Result<(), String> {
        self.open(&folder.name, Some(folder.uid_validity))?;
        let tmp = folder.path.join("tmp");
        let cur = folder.path.join("cur");
        // Sections being written, by message number: the next message's body can arrive
        // before the stream hands out the previous message's other items.
        let open: RefCell<HashMap<u32, (BufWriter<File>, PathBuf)>> = RefCell::new(HashMap::new());
        let active: Cell<Option<u32>> = Cell::new(None);
        let serial = Cell::new(self.serial);
        let (pid, id) = (std::process::id(), self.id);
        let mut sink = |piece: Streamed<'_>| -> io::Result<()> {
            if interrupted() {
                return Err(tools::interrupted_error());
            }
            match piece {
                Streamed::Begin { seq, .. } => {
                    let n = serial.get();
                    serial.set(n + 1);
                    let path = tmp.join(format!("{pid}.{id}.{n}"));
                    let file = File::create(&path)?;
                    let old = open
                        .borrow_mut()
                        .insert(seq.0, (BufWriter::with_capacity(256 << 10, file), path));
                    if let Some((_, p)) = old {
                        let _ = fs::remove_file(p);
                    }
                    active.set(Some(seq.0));
                }
                Streamed::Bytes(bytes) => {
                    if let Some(seq) = active.get() {
                        if let Some((w, _)) = open.borrow_mut().get_mut(&seq) {
                            w.write_all(bytes)?;
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
        ctx.stats.fetches.fetch_add(1, Ordering::Relaxed);
        let mut failure = None;
        // Complete messages go to a few threads that flush them to disk, date them and
        // rename them into cur/, while the next messages arrive.
        let (to_sync, synced) = mpsc::sync_channel::<Complete>(SYNC_QUEUE);
        let synced = Mutex::new(synced);
        let sync_failure: Mutex<Option<String>> = Mutex::new(None);
        let session = &mut self.session;
        std::thread::scope(|scope| {
            for _ in 0..SYNC_THREADS {
                scope.spawn(|| loop {
                    let next = lock(&synced).recv();
                    let Ok(done) = next else { break };
                    if let Err(e) = done.finish(ctx, folder, &cur) {
                        let _ = fs::remove_file(&done.tmp_path);
                        lock(&sync_failure).get_or_insert(e);
                    }
                });
            }
            match session.uid_fetch_streaming(SequenceSet::from(uids), &items, &mut sink) {
                Err(e) => failure = Some(format!("fetch: {e}")),
                Ok(stream) => {
                    for f in stream {
                        if interrupted() || lock(&sync_failure).is_some() {
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
                        let Some((writer, tmp_path)) = open.borrow_mut().remove(&f.seq().0) else {
                            continue;
                        };
                        let file = match writer.into_inner() {
                            Ok(file) => file,
                            Err(e) => {
                                let _ = fs::remove_file(&tmp_path);
                                failure =
                                    Some(format!("writing {}: {}", tmp_path.display(), e.error()));
                                break;
                            }
                        };
                        let date = f.internal_date();
                        let secs = date.map_or(0, |d| d.unix_timestamp());
                        let name = with_info(
                            &base_name(&secs.to_string(), folder.uid_validity, uid),
                            &info_letters(f.flags().unwrap_or(&[])),
                        );
                        let complete = Complete {
                            file,
                            tmp_path,
                            name,
                            uid,
                            date,
                        };
                        if to_sync.send(complete).is_err() {
                            break;
                        }
                    }
                }
            }
            drop(to_sync);
        });
        if let Some(e) = sync_failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
            failure.get_or_insert(e);
        }
        self.serial = serial.get();
        // Whatever was not finished stays out of cur/.
        for (_, (_, path)) in open.borrow_mut().drain() {
            let _ = fs::remove_file(path);
        }
        folder.save();
        match failure {
            Some(e) if !interrupted() => Err(e),
            _ => Ok(()),
        }
    }
}

/// A message whose bytes are all in its file in `tmp/`.
struct Complete {
    file: File,
    tmp_path: PathBuf,
    /// Its name in `cur/`.
    name: String,
    uid: u32,
    date: Option<blocking_imap::DateTime>,
}

impl Complete {
    /// Flushes the file to disk (unless `--no-fsync`), gives it the message's date and
    /// renames it into `cur/`.
    fn finish(&self, ctx: &Ctx, folder: &Folder, cur: &Path) -> Result<(), String> {
        let fail = |e: io::Error| format!("writing {}: {e}", self.tmp_path.display());
        if let Some(d) = self.date {
            self.file.set_modified(d.to_system_time()).map_err(fail)?;
        }
        if ctx.fsync {
            self.file.sync_data().map_err(fail)?;
        }
        let size = self.file.metadata().map_or(0, |m| m.len());
        fs::rename(&self.tmp_path, cur.join(&self.name)).map_err(fail)?;
        lock(&folder.state)
            .files
            .insert(self.uid, self.name.clone());
        ctx.stats.new.fetch_add(1, Ordering::Relaxed);
        ctx.stats.bytes.fetch_add(size, Ordering::Relaxed);
        ctx.progress.message_done();
        Ok(())
    }
}

impl Folder {
    /// Every piece is in: the state now records the mailbox as EXAMINE saw it.
    fn finish(&self) {
        {
            let mut st = lock(&self.state);
            st.uid_next = self.final_uid_next;
            st.modseq = self.final_modseq;
        }
        self.save();
    }

    fn save(&self) {
        let st = lock(&self.state);
        if let Err(e) = save_state(&self.path, self.name.as_str(), &st) {
            eprintln!("warning: {}: saving {STATE_FILE}: {e}", self.path.display());
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The folder of a mailbox, relative to the backup's root: one directory per level.
fn folder_path(name: &str, delimiter: Option<char>) -> PathBuf {
    let parts: Vec<&str> = match delimiter {
        Some(d) => name.split(d).collect(),
        None => vec![name],
    };
    parts.into_iter().map(safe_part).collect()
}

/// A path part that cannot climb out, hide or collide: see the module docs.
fn safe_part(part: &str) -> String {
    if part.is_empty() {
        return "%".into();
    }
    let mut out = String::with_capacity(part.len());
    for (i, ch) in part.chars().enumerate() {
        let escape = matches!(ch, '/' | '\\' | '%')
            || ch.is_control()
            || (i == 0 && ch == '.')
            || (i == 0 && matches!(part, "cur" | "new" | "tmp"));
        if escape {
            let mut buf = [0u8; 4];
            for b in ch.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(ch);
        }
    }
    out
}

fn base_name(time: &str, uid_validity: u32, uid: u32) -> String {
    format!("{time}.V{uid_validity}U{uid}.backup")
}

/// `(file name, UIDVALIDITY, UID)` of the message files this tool wrote into `cur`.
fn scan_cur(cur: &Path) -> io::Result<Vec<(String, u32, u32)>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(cur)? {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if let Some((uv, uid)) = parse_name(&name) {
            out.push((name, uv, uid));
        }
    }
    Ok(out)
}

/// `<time>.V<uidvalidity>U<uid>.backup:2,<info>` -> (uidvalidity, uid).
fn parse_name(name: &str) -> Option<(u32, u32)> {
    let base = name.split_once(":2,").map_or(name, |(b, _)| b);
    let mut parts = base.split('.');
    let _time = parts.next()?;
    let (uv, uid) = parts.next()?.strip_prefix('V')?.split_once('U')?;
    (parts.next()? == "backup").then_some(())?;
    Some((uv.parse().ok()?, uid.parse().ok()?))
}

/// The Maildir info letters of the IMAP system flags, in ASCII order.
fn info_letters(flags: &[Flag]) -> String {
    let mut letters: Vec<char> = flags
        .iter()
        .filter_map(|f| match f {
            Flag::Draft => Some('D'),
            Flag::Flagged => Some('F'),
            Flag::Answered => Some('R'),
            Flag::Seen => Some('S'),
            Flag::Deleted => Some('T'),
            _ => None,
        })
        .collect();
    letters.sort_unstable();
    letters.dedup();
    letters.into_iter().collect()
}

/// `file` with the IMAP letters `letters`, keeping any other info letter a mail reader added
/// (`P`, lowercase keywords).
fn with_info(file: &str, letters: &str) -> String {
    let (base, info) = file.split_once(":2,").unwrap_or((file, ""));
    let mut all: Vec<char> = info
        .chars()
        .filter(|c| !"DFRST".contains(*c))
        .chain(letters.chars())
        .collect();
    all.sort_unstable();
    all.dedup();
    format!("{base}:2,{}", all.into_iter().collect::<String>())
}

/// Removes what a killed run left in `tmp/`.
fn clean_tmp(tmp: &Path) {
    if let Ok(entries) = fs::read_dir(tmp) {
        for entry in entries.flatten() {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Size and header hash of a message file: what a message is matched by after a
/// UIDVALIDITY change.
fn file_key(path: &Path) -> io::Result<(u64, u64)> {
    let len = fs::metadata(path)?.len();
    let mut reader = BufReader::new(File::open(path)?);
    let mut header = Vec::new();
    // The header ends with its first empty line (which BODY[HEADER] includes).
    loop {
        let n = reader
            .by_ref()
            .take(1 << 20)
            .read_until(b'\n', &mut header)?;
        if n == 0 || header.ends_with(b"\r\n\r\n") || header.ends_with(b"\n\n") || header == b"\r\n"
        {
            break;
        }
        if header.len() > 8 << 20 {
            break;
        }
    }
    Ok((len, fnv1a(&header)))
}

/// FNV-1a, 64 bits: enough to tell headers apart within one mailbox (sizes must match too).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn load_state(folder: &Path) -> io::Result<Option<State>> {
    let text = match fs::read_to_string(folder.join(STATE_FILE)) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut st = State::default();
    let bad = |line: &str| io::Error::new(io::ErrorKind::InvalidData, format!("bad line {line:?}"));
    let mut lines = text.lines();
    if lines.next() != Some("blocking-imap backup 1") {
        return Err(bad("(first)"));
    }
    for line in lines {
        let (key, value) = line.split_once(' ').ok_or_else(|| bad(line))?;
        match key {
            "mailbox" => {}
            "uidvalidity" => st.uid_validity = value.parse().map_err(|_| bad(line))?,
            "uidnext" => st.uid_next = value.parse().map_err(|_| bad(line))?,
            "highestmodseq" => st.modseq = Some(value.parse().map_err(|_| bad(line))?),
            uid => {
                let uid = uid.parse().map_err(|_| bad(line))?;
                st.files.insert(uid, value.to_string());
            }
        }
    }
    Ok(Some(st))
}

/// Writes `.backup-state` whole and renames it into place.
fn save_state(folder: &Path, mailbox: &str, st: &State) -> io::Result<()> {
    let tmp = folder.join(format!("{STATE_FILE}.tmp"));
    let mut w = BufWriter::new(File::create(&tmp)?);
    writeln!(w, "blocking-imap backup 1")?;
    writeln!(w, "mailbox {}", mailbox.replace(['\n', '\r'], " "))?;
    writeln!(w, "uidvalidity {}", st.uid_validity)?;
    writeln!(w, "uidnext {}", st.uid_next)?;
    if let Some(m) = st.modseq {
        writeln!(w, "highestmodseq {m}")?;
    }
    for (uid, file) in &st.files {
        writeln!(w, "{uid} {file}")?;
    }
    w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    fs::rename(&tmp, folder.join(STATE_FILE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_safe() {
        assert_eq!(folder_path("INBOX", Some('/')), PathBuf::from("INBOX"));
        assert_eq!(
            folder_path("Work/Projekte", Some('/')),
            PathBuf::from("Work/Projekte")
        );
        assert_eq!(
            folder_path("Work.A/B", Some('.')),
            PathBuf::from("Work/A%2FB")
        );
        assert_eq!(folder_path("../x", Some('/')), PathBuf::from("%2E./x"));
        assert_eq!(folder_path("a//cur", Some('/')), PathBuf::from("a/%/%63ur"));
        assert_eq!(folder_path(".hidden", None), PathBuf::from("%2Ehidden"));
    }

    #[test]
    fn names_and_letters() {
        let flags = [
            Flag::Seen,
            Flag::Draft,
            Flag::Keyword("$x".into()),
            Flag::Answered,
        ];
        assert_eq!(info_letters(&flags), "DRS");
        let name = with_info(&base_name("1700000000", 7, 42), "DRS");
        assert_eq!(name, "1700000000.V7U42.backup:2,DRS");
        assert_eq!(parse_name(&name), Some((7, 42)));
        assert_eq!(
            with_info("1.V7U42.backup:2,PSa", "F"),
            "1.V7U42.backup:2,FPa"
        );
        assert_eq!(parse_name("1.2.host:2,S"), None);
    }
}
