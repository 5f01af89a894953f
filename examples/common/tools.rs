//! What the long-running examples (backup, migrate) share: Ctrl-C, a work queue for
//! `--jobs N` threads, and progress on stderr.
//!
//! Ctrl-C is one flag ([`on_ctrl_c`]) that the loops check between messages and between the
//! pieces of a message (a streaming sink returns an error to stop its FETCH). The examples
//! never depend on a clean stop for their files to be right: a message is complete before it
//! leaves `tmp/`, and state files are replaced by rename; so after a grace second the process
//! exits with status 130 wherever it is.

use std::collections::VecDeque;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The exit status of a run stopped by Ctrl-C (128 + SIGINT), as shells report it.
pub const EXIT_INTERRUPTED: i32 = 130;

static STOP: AtomicBool = AtomicBool::new(false);

/// Installs the Ctrl-C (SIGINT) handler: it sets the flag [`interrupted`] reads and cancels
/// every connection ([`super::cancel`]: a blocked read or write returns at once with
/// `Error::Cancelled`), so the program stops at the next step with status 130. If it has
/// not exited one second later anyway, the handler exits with status 130 itself. Call once,
/// at the start of `main`.
pub fn on_ctrl_c() {
    let installed = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            std::process::exit(EXIT_INTERRUPTED);
        }
        super::cancel().cancel();
        std::thread::sleep(Duration::from_millis(1000));
        eprintln!("interrupted");
        std::process::exit(EXIT_INTERRUPTED);
    });
    if let Err(e) = installed {
        eprintln!("warning: no Ctrl-C handler: {e}");
    }
}

/// The end of a tool's run: the summary line on stdout, the errors on stderr; exit status
/// 130 after Ctrl-C (with `hint` on what to do next), 1 after errors, else 0.
pub fn finish(summary: &str, errors: &[impl std::fmt::Display], hint: &str) {
    if interrupted() {
        eprintln!("interrupted; {hint}");
        println!("{summary}");
        std::process::exit(EXIT_INTERRUPTED);
    }
    for e in errors {
        eprintln!("error: {e}");
    }
    println!("{summary}");
    if !errors.is_empty() {
        std::process::exit(1);
    }
}

/// Has Ctrl-C been pressed?
pub fn interrupted() -> bool {
    STOP.load(Ordering::Relaxed)
}

/// The error a streaming sink returns to stop its FETCH on Ctrl-C.
pub fn interrupted_error() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::Interrupted, "interrupted")
}

/// A queue of work for `--jobs N` threads: a thread takes an item, may add more (the pieces
/// of a big mailbox, say), and says when it is done with it. [`pop`](Self::pop) waits while
/// the queue is empty but another thread still works (it may add items), and returns `None`
/// when all is done or on Ctrl-C.
pub struct WorkQueue<T> {
    inner: Mutex<(VecDeque<T>, usize)>,
    changed: Condvar,
}

impl<T> WorkQueue<T> {
    pub fn new(items: impl IntoIterator<Item = T>) -> Self {
        WorkQueue {
            inner: Mutex::new((items.into_iter().collect(), 0)),
            changed: Condvar::new(),
        }
    }

    /// The next item, counted as being worked on until [`done`](Self::done).
    pub fn pop(&self) -> Option<T> {
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if interrupted() {
                return None;
            }
            if let Some(item) = guard.0.pop_front() {
                guard.1 += 1;
                return Some(item);
            }
            if guard.1 == 0 {
                self.changed.notify_all();
                return None;
            }
            guard = self
                .changed
                .wait_timeout(guard, Duration::from_millis(100))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Adds an item to be taken next (before what was queued first).
    pub fn push_front(&self, item: T) {
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        guard.0.push_front(item);
        self.changed.notify_one();
    }

    /// The item taken last by this thread is finished.
    pub fn done(&self) {
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        guard.1 = guard.1.saturating_sub(1);
        self.changed.notify_all();
    }
}

/// `--jobs N` (default 1, at least 1).
pub fn jobs(value: Option<&str>) -> usize {
    value
        .map(|v| {
            v.parse::<usize>()
                .ok()
                .filter(|n| (1..=64).contains(n))
                .unwrap_or_else(|| super::die("--jobs must be a number from 1 to 64"))
        })
        .unwrap_or(1)
}

/// Bytes for people: `532.1 MiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// Progress on stderr: a bar (bytes and messages) when stderr is a terminal, else a plain
/// line every few seconds. Shared by the worker threads.
pub struct Progress {
    label: &'static str,
    bar: Option<ProgressBar>,
    bytes: AtomicU64,
    total: AtomicU64,
    messages: AtomicU64,
    started: Instant,
    last_line: Mutex<Instant>,
}

impl Progress {
    pub fn new(label: &'static str) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{prefix} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {msg} eta {eta}",
            )
            .map(|s| s.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_prefix(label);
            bar
        });
        Progress {
            label,
            bar,
            bytes: AtomicU64::new(0),
            total: AtomicU64::new(0),
            messages: AtomicU64::new(0),
            started: Instant::now(),
            last_line: Mutex::new(Instant::now()),
        }
    }

    /// More work found: `bytes` to come.
    pub fn add_total(&self, bytes: u64) {
        self.total.fetch_add(bytes, Ordering::Relaxed);
        if let Some(bar) = &self.bar {
            bar.inc_length(bytes);
        }
    }

    /// `n` bytes of a message arrived.
    pub fn add_bytes(&self, n: u64) {
        self.bytes.fetch_add(n, Ordering::Relaxed);
        match &self.bar {
            Some(bar) => bar.inc(n),
            None => self.maybe_line(),
        }
    }

    /// One more message finished.
    pub fn message_done(&self) {
        let n = self.messages.fetch_add(1, Ordering::Relaxed) + 1;
        match &self.bar {
            Some(bar) => bar.set_message(format!("{n} msgs")),
            None => self.maybe_line(),
        }
    }

    /// A line for the user, above the bar.
    pub fn note(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    fn maybe_line(&self) {
        let Ok(mut last) = self.last_line.try_lock() else {
            return;
        };
        if last.elapsed() < Duration::from_secs(2) {
            return;
        }
        *last = Instant::now();
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let bytes = self.bytes.load(Ordering::Relaxed);
        eprintln!(
            "{}: {} messages, {} of {}, {}/s",
            self.label,
            self.messages.load(Ordering::Relaxed),
            human_bytes(bytes),
            human_bytes(self.total.load(Ordering::Relaxed)),
            human_bytes((bytes as f64 / secs) as u64),
        );
    }

    /// Removes the bar (the summary line comes after it).
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}
