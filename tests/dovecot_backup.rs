//! examples/backup.rs against the real Dovecot, run as a user runs it: two mailboxes (one
//! nested, one message of ~5 MB) into a Maildir tree, byte for byte, flags in the names, the
//! INTERNALDATE as mtime, the server unchanged; re-runs that fetch nothing, rename for a flag
//! change, add a new message and keep an expunged one; and Ctrl-C while the big message
//! streams (through a slow proxy): exit status 130 within about a second, nothing partial
//! outside `tmp/`, and the next run completes and cleans `tmp/`.

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use blocking_imap::{DateTime, FetchItems, Flag, Section, SequenceSet, Session, StoreAction, Uid};
use common::dovecot::server;

const PASSWORD_ENV: &str = "BACKUP_TEST_PASSWORD";

/// The example's binary, built by `cargo run` (with this test's features) once.
fn backup_bin() -> PathBuf {
    let (_, err, ok) = common::example::run("backup", &["--help"], &[]);
    assert!(ok, "build the backup example: {err}");
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    dir.join("examples").join("backup")
}

fn command(bin: &Path, port: u16, out: &Path, mailboxes: &[&str]) -> Command {
    let mut cmd = Command::new(bin);
    cmd.args([
        "--host",
        "127.0.0.1",
        "--port",
        &port.to_string(),
        "--tls",
        "none",
    ])
    .args(["--user", "alice", "--password-env", PASSWORD_ENV, "--out"])
    .arg(out)
    .env(PASSWORD_ENV, "alice-pass");
    for m in mailboxes {
        cmd.args(["--mailbox", m]);
    }
    cmd
}

fn run(bin: &Path, port: u16, out: &Path, mailboxes: &[&str]) -> String {
    let o = command(bin, port, out, mailboxes).output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    );
    assert!(o.status.success(), "backup failed: {stdout}\n{stderr}");
    stdout
}

fn message(id: &str, body_len: usize) -> Vec<u8> {
    let mut m =
        format!("From: a@example.org\r\nSubject: {id}\r\nMessage-ID: <{id}@backup.test>\r\n\r\n")
            .into_bytes();
    let line = b"0123456789 the quick brown fox jumps over the lazy dog 0123456789\r\n";
    while m.len() < body_len {
        m.extend_from_slice(line);
    }
    m.extend_from_slice(b"end\r\n");
    m
}

fn fresh(s: &mut Session, names: &[&str]) {
    for name in names {
        let _ = s.delete(*name);
        if let Some((parent, _)) = name.split_once('/') {
            let _ = s.delete(parent);
        }
        s.create(*name).unwrap();
    }
}

/// What the server holds: UIDVALIDITY, and UID -> (bytes, flags, internal date).
type ServerView = (u32, BTreeMap<u32, (Vec<u8>, Vec<Flag>, DateTime)>);

fn server_view(s: &mut Session, mailbox: &str) -> ServerView {
    let mb = s.examine(mailbox).unwrap();
    let uv = mb.uid_validity().unwrap();
    let uids: Vec<Uid> = s
        .uid_fetch(SequenceSet::from(1..), &FetchItems::new().uid())
        .unwrap()
        .map(|f| f.unwrap().uid().unwrap())
        .collect();
    let items = FetchItems::new()
        .uid()
        .flags()
        .internal_date()
        .body_peek(Section::Full);
    let mut out = BTreeMap::new();
    for uid in uids {
        let mut bytes = Vec::new();
        let f = s.uid_fetch_to(uid, &items, &mut bytes).unwrap().unwrap();
        out.insert(
            uid.0,
            (
                bytes,
                f.flags().unwrap().to_vec(),
                f.internal_date().unwrap(),
            ),
        );
    }
    (uv, out)
}

fn letters(flags: &[Flag]) -> String {
    let mut l: Vec<char> = flags
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
    l.sort_unstable();
    l.into_iter().collect()
}

/// The files of a folder's `cur/`, by name.
fn listing(dir: &Path) -> BTreeMap<String, (u64, SystemTime)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            (
                e.file_name().into_string().unwrap(),
                (m.len(), m.modified().unwrap()),
            )
        })
        .collect()
}

/// Every server message is in `folder/cur` once, byte for byte, with its flags and date.
fn check_folder(s: &mut Session, mailbox: &str, folder: &Path) {
    let (uv, messages) = server_view(s, mailbox);
    let files = listing(&folder.join("cur"));
    for (uid, (bytes, flags, date)) in &messages {
        let marker = format!(".V{uv}U{uid}.backup:2,");
        let found: Vec<&String> = files.keys().filter(|n| n.contains(&marker)).collect();
        assert_eq!(found.len(), 1, "uid {uid} in {files:?}");
        let name = found[0];
        assert!(
            name.ends_with(&format!(":2,{}", letters(flags))),
            "{name} {flags:?}"
        );
        let on_disk = std::fs::read(folder.join("cur").join(name)).unwrap();
        assert!(on_disk == *bytes, "{name}: the file differs from BODY[]");
        let mtime = files[name].1;
        let secs = mtime
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        assert_eq!(secs, date.unix_timestamp(), "{name}: mtime");
    }
    assert!(
        std::fs::read_dir(folder.join("tmp"))
            .unwrap()
            .next()
            .is_none(),
        "tmp/ is empty"
    );
}

#[test]
fn backup_example_mirrors_two_mailboxes_incrementally() {
    let Some(srv) = server() else { return };
    let bin = backup_bin();
    let mut s = srv.login("alice", "alice-pass");
    let (a, b) = ("bkt-a", "bkt-b/deep");
    fresh(&mut s, &[a, b]);
    let d = |y, m, day| DateTime::new(y, m, day, 10, 30, 0, 60).unwrap();
    s.append_with(
        a,
        &message("a1", 200),
        &[Flag::Seen, Flag::Flagged],
        Some(d(2021, 3, 1)),
    )
    .unwrap();
    s.append_with(
        a,
        &message("a2", 300),
        &[Flag::Answered, Flag::Draft],
        Some(d(2022, 4, 2)),
    )
    .unwrap();
    s.append_with(a, &message("a3", 400), &[], Some(d(2023, 5, 3)))
        .unwrap();
    s.append_with(
        b,
        &message("big", 5 << 20),
        &[Flag::Seen],
        Some(d(2020, 1, 31)),
    )
    .unwrap();
    s.append_with(
        b,
        &message("b2", 100),
        &[Flag::Deleted],
        Some(d(2024, 12, 24)),
    )
    .unwrap();
    let before_a = server_view(&mut s, a);

    let dir = tempdir("mirror");
    let out = run(&bin, srv.port, &dir, &[a, b]);
    assert!(
        out.contains("2 mailboxes (0 unchanged), 5 new messages"),
        "{out}"
    );
    let (fa, fb) = (dir.join("bkt-a"), dir.join("bkt-b").join("deep"));
    check_folder(&mut s, a, &fa);
    check_folder(&mut s, b, &fb);
    // Nothing changed on the server (BODY.PEEK, EXAMINE): a3 is still unseen.
    assert_eq!(server_view(&mut s, a), before_a);

    // Nothing new: nothing fetched, no file touched.
    let (la, lb) = (listing(&fa.join("cur")), listing(&fb.join("cur")));
    let out = run(&bin, srv.port, &dir, &[a, b]);
    assert!(
        out.contains(
            "2 mailboxes (2 unchanged), 0 new messages (0 B), 0 renamed, 0 FETCH commands"
        ),
        "{out}"
    );
    assert_eq!(
        (listing(&fa.join("cur")), listing(&fb.join("cur"))),
        (la, lb)
    );

    // A flag change renames; a new message is added; an expunged one stays in the backup.
    s.select(a).unwrap();
    s.uid_store(Uid(3), StoreAction::Add, &[Flag::Seen, Flag::Answered])
        .unwrap()
        .finish()
        .unwrap();
    s.append_with(
        a,
        &message("a4", 500),
        &[Flag::Flagged],
        Some(d(2025, 6, 4)),
    )
    .unwrap();
    s.uid_store(Uid(1), StoreAction::Add, &[Flag::Deleted])
        .unwrap()
        .finish()
        .unwrap();
    s.uid_expunge(Uid(1)).unwrap();
    let out = run(&bin, srv.port, &dir, &[a, b]);
    assert!(
        out.contains("2 mailboxes (1 unchanged), 1 new messages") && out.contains("1 renamed"),
        "{out}"
    );
    check_folder(&mut s, a, &fa);
    let files = listing(&fa.join("cur"));
    assert_eq!(files.len(), 4, "{files:?}");
    assert!(
        files.keys().any(|n| n.contains("U1.backup:2,FS")),
        "{files:?}"
    );
    assert!(
        files.keys().any(|n| n.contains("U3.backup:2,RS")),
        "{files:?}"
    );

    // The whole account (no --mailbox) works too and keeps what is there.
    let out = run(&bin, srv.port, &dir, &[]);
    assert!(out.contains("0 renamed"), "{out}");
    assert!(dir.join("INBOX").join("cur").is_dir());
    check_folder(&mut s, b, &fb);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn backup_example_stops_on_ctrl_c_without_partial_files() {
    let Some(srv) = server() else { return };
    let bin = backup_bin();
    let mut s = srv.login("alice", "alice-pass");
    let mailbox = "bkt-kill";
    fresh(&mut s, &[mailbox]);
    s.append_with(mailbox, &message("k1", 100), &[], None)
        .unwrap();
    s.append_with(mailbox, &message("kbig", 5 << 20), &[Flag::Seen], None)
        .unwrap();
    let (uv, _) = server_view(&mut s, mailbox);
    let dir = tempdir("kill");
    let folder = dir.join(mailbox);

    // Through a proxy that hands out about 1.6 MB/s, so that the big message takes seconds.
    let port = slow_proxy(srv.port, 16 << 10, Duration::from_millis(10));
    let mut child = command(&bin, port, &dir, &[mailbox])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let partial = std::fs::read_dir(folder.join("tmp"))
            .map(|d| {
                d.flatten()
                    .any(|e| e.metadata().is_ok_and(|m| m.len() > 512 << 10))
            })
            .unwrap_or(false);
        if partial {
            break;
        }
        assert!(Instant::now() < deadline, "the big message never started");
        assert!(child.try_wait().unwrap().is_none(), "backup ended early");
        std::thread::sleep(Duration::from_millis(20));
    }
    let signalled = Instant::now();
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(10),
            "no exit after SIGINT"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    let took = signalled.elapsed();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    eprintln!("stopped {took:?} after SIGINT: {err}");
    assert_eq!(status.code(), Some(130), "exit status after Ctrl-C");
    assert!(took < Duration::from_millis(1500), "stopped after {took:?}");
    // Nothing partial outside tmp/: only k1 (UID 1), if anything, is in cur/.
    let cur = listing(&folder.join("cur"));
    assert!(
        cur.keys().all(|n| n.contains(&format!(".V{uv}U1.backup"))),
        "{cur:?}"
    );

    // The next run finishes the job and cleans tmp/.
    let out = run(&bin, srv.port, &dir, &[mailbox]);
    assert!(out.contains("1 mailboxes"), "{out}");
    check_folder(&mut s, mailbox, &folder);
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempdir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "blocking-imap-backup-{what}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A proxy to the server's plain port that forwards the server's bytes `chunk` at a time,
/// one chunk per `pause`. Runs until the test process ends.
fn slow_proxy(server_port: u16, chunk: usize, pause: Duration) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { continue };
            let Ok(upstream) = TcpStream::connect(("127.0.0.1", server_port)) else {
                continue;
            };
            let (mut c_read, mut u_write) =
                (client.try_clone().unwrap(), upstream.try_clone().unwrap());
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut c_read, &mut u_write);
                let _ = u_write.shutdown(std::net::Shutdown::Write);
            });
            let (mut u_read, mut c_write) = (upstream, client);
            std::thread::spawn(move || {
                let mut buf = vec![0u8; chunk];
                loop {
                    match u_read.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if c_write.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                    }
                    std::thread::sleep(pause);
                }
                let _ = c_write.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    port
}
