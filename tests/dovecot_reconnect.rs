//! Scripts that run for days, against a Dovecot of this test's own (its own ports and state
//! dir, so that kicking users and restarting the server disturbs no other test): a session
//! survives `doveadm kick`, a full restart during IDLE and during a FETCH, and a proxy that
//! cuts the connection mid-response; after each it knows what changed while away, and
//! nothing is lost or doubled.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use blocking_imap::{
    ClientBuilder, Error, FetchItems, Flag, Operation, ReconnectPolicy, Resumed, Section, Security,
    SequenceSet, Session, Uid,
};

/// A Dovecot of this test's own, started with the project's script.
struct Private {
    port: u16,
    dir: String,
}

impl Private {
    fn env(&self, cmd: &mut Command) {
        cmd.env("BLOCKING_IMAP_PORT", self.port.to_string())
            .env("BLOCKING_IMAP_TLS_PORT", (self.port + 1).to_string())
            .env("BLOCKING_IMAP_DOVECOT_DIR", &self.dir);
    }

    fn script(&self, what: &str, keep_mail: bool) {
        let mut cmd = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/dovecot.sh"));
        cmd.arg(what);
        self.env(&mut cmd);
        if keep_mail {
            cmd.env("BLOCKING_IMAP_KEEP_MAIL", "1");
        }
        let out = cmd.output().expect("scripts/dovecot.sh");
        assert!(
            out.status.success(),
            "dovecot.sh {what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn start(instance: u16) -> Private {
        // Next to the suite's own ports, never the same.
        let base: u16 = std::env::var("BLOCKING_IMAP_PORT")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(10143);
        let p = Private {
            port: base + 1000 + 2 * instance,
            dir: format!(
                "{}-reconnect-{instance}",
                std::env::var("BLOCKING_IMAP_DOVECOT_DIR")
                    .unwrap_or_else(|_| "/tmp/blocking-imap-dovecot".into())
            ),
        };
        p.script("start", false);
        p
    }

    fn kick(&self, user: &str) {
        let out = Command::new("doveadm")
            .args(["-c", &format!("{}/dovecot.conf", self.dir), "kick", user])
            .output()
            .expect("doveadm kick");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn builder(&self, port: u16) -> ClientBuilder {
        ClientBuilder::new("127.0.0.1", port)
            .security(Security::Plaintext)
            .reconnect_policy(
                ReconnectPolicy::new(40, Duration::from_millis(200), Duration::from_secs(1))
                    .max_total(Duration::from_secs(60)),
            )
    }

    fn login(&self) -> Session {
        self.builder(self.port)
            .connect()
            .unwrap()
            .login("alice", "alice-pass")
            .unwrap()
    }
}

impl Drop for Private {
    fn drop(&mut self) {
        let _ = self.script_quiet("stop");
    }
}

impl Private {
    fn script_quiet(&self, what: &str) -> std::io::Result<()> {
        let mut cmd = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/dovecot.sh"));
        cmd.arg(what);
        self.env(&mut cmd);
        cmd.output().map(drop)
    }
}

fn message(i: u32) -> Vec<u8> {
    format!(
        "From: a@example.org\r\nSubject: rc {i}\r\nMessage-ID: <rc-{i}@example.org>\r\n\r\n{}\r\n",
        format!("body {i} ").repeat(400)
    )
    .into_bytes()
}

/// The subjects of every message, in UID order (each exactly once).
fn subjects(s: &mut Session) -> Result<Vec<String>, Error> {
    let items = FetchItems::new().uid().body_peek(Section::Full);
    let mut out = Vec::new();
    for m in s.uid_fetch(1.., &items)? {
        let m = m?;
        let text = String::from_utf8_lossy(m.body().unwrap_or_default()).into_owned();
        out.push(
            text.lines()
                .find_map(|l| l.strip_prefix("Subject: ").map(str::to_string))
                .unwrap_or_default(),
        );
    }
    Ok(out)
}

/// A proxy to `to` that cuts its first connection after `cut_after` bytes from the server;
/// later connections pass whole. Returns its port and the count of connections.
fn cutting_proxy(to: u16, cut_after: usize) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { return };
            let n = seen.fetch_add(1, Ordering::SeqCst);
            let Ok(server) = TcpStream::connect(("127.0.0.1", to)) else {
                return;
            };
            let limit = if n == 0 { cut_after } else { usize::MAX };
            let (mut c_in, mut s_out) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            thread::spawn(move || {
                let _ = std::io::copy(&mut c_in, &mut s_out);
            });
            let (mut s_in, mut c_out) = (server, client);
            thread::spawn(move || {
                let mut sent = 0usize;
                let mut buf = [0u8; 4096];
                while let Ok(k) = s_in.read(&mut buf) {
                    if k == 0 {
                        break;
                    }
                    let k = k.min(limit - sent);
                    if c_out.write_all(&buf[..k]).is_err() {
                        break;
                    }
                    sent += k;
                    if sent >= limit {
                        let _ = c_out.shutdown(std::net::Shutdown::Both);
                        let _ = s_in.shutdown(std::net::Shutdown::Both);
                        break;
                    }
                }
            });
        }
    });
    (port, count)
}

/// NOOPs until the kick has reached the session (it lands asynchronously): the error.
fn broken_soon(s: &mut Session) -> Error {
    for _ in 0..50 {
        if let Err(e) = s.noop() {
            return e;
        }
        thread::sleep(Duration::from_millis(100));
    }
    panic!("the session was never cut off")
}

/// The two tests load the machine with restarts: one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn a_session_survives_kicks_restarts_and_cuts() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if std::env::var_os("BLOCKING_IMAP_DOVECOT").is_none() {
        assert!(
            std::env::var_os("BLOCKING_IMAP_SKIP_DOVECOT").is_some(),
            "this test needs the project's Dovecot: run scripts/test.sh"
        );
        return;
    }
    let dovecot = Private::start(0);
    let mut s = dovecot.login();
    s.create("rc").unwrap();
    for i in 1..=5 {
        s.append("rc", &message(i)).unwrap();
    }
    s.select("rc").unwrap();
    let before = s.sync_state(SequenceSet::from(1..=5)).unwrap();
    let mut reconnects = 0;

    // 1. Kicked while another client adds two messages and removes one.
    let mut other = dovecot.login();
    other.append("rc", &message(6)).unwrap();
    other.append("rc", &message(7)).unwrap();
    other.select("rc").unwrap();
    other
        .uid_store(Uid(2), blocking_imap::StoreAction::Add, &[Flag::Deleted])
        .unwrap()
        .finish()
        .unwrap();
    other.uid_expunge(Uid(2)).unwrap();
    dovecot.kick("alice");
    let err = broken_soon(&mut s);
    assert!(err.is_broken(), "{err:?}");
    let back = s.reconnect().unwrap();
    reconnects += 1;
    assert_eq!(back.attempts, 1);
    let Some(Resumed::Changes(changes)) = back.resumed else {
        panic!("{back:?}")
    };
    assert_eq!(changes.new, [Uid(6), Uid(7)], "the new messages, once");
    assert_eq!(s.mailbox().exists(), 6);
    // With the UIDs it held, the client learns which one went (QRESYNC on Dovecot).
    let Resumed::Changes(changes) = s.resume("rc", &before).unwrap() else {
        panic!()
    };
    assert_eq!(changes.vanished, SequenceSet::from(2));
    assert!(changes.vanished_known);
    assert_eq!(changes.new, [Uid(6), Uid(7)]);
    assert_eq!(changes.state.known, SequenceSet::from([1, 3, 4, 5, 6, 7]));

    // A session made with login_best (SCRAM here) authenticates again the same way, however
    // often it reconnects.
    let mut best = dovecot
        .builder(dovecot.port)
        .connect()
        .unwrap()
        .login_best("alice", "alice-pass")
        .unwrap();
    assert!(best.can_reconnect());
    for _ in 0..3 {
        dovecot.kick("alice");
        let err = broken_soon(&mut best);
        assert!(err.is_broken(), "{err:?}");
        best.reconnect().unwrap();
        reconnects += 1;
        best.noop().unwrap();
    }
    drop(best);
    // The kicks above cut `s` off too: back it comes.
    let _ = s.noop();
    if s.is_broken() {
        s.reconnect().unwrap();
        reconnects += 1;
    }

    // 2. APPEND through a kick happens exactly once (looked for by Message-ID after the
    // reconnect, sent again only if absent); FETCH is retried.
    s.create("rc-append").unwrap();
    dovecot.kick("alice");
    thread::sleep(Duration::from_millis(500)); // the kick lands before the APPEND is sent
    s.retrying(Operation::Append, |s| s.append("rc-append", &message(99)))
        .unwrap();
    reconnects += 1;
    let appended = s
        .status("rc-append", &[blocking_imap::StatusItem::Messages])
        .unwrap();
    assert_eq!(appended.messages(), Some(1), "APPEND was done exactly once");
    dovecot.kick("alice");
    thread::sleep(Duration::from_millis(500));
    let got = s.retrying(Operation::Fetch, subjects).unwrap();
    reconnects += 1;
    assert_eq!(
        got,
        ["rc 1", "rc 3", "rc 4", "rc 5", "rc 6", "rc 7"],
        "APPEND was not done twice"
    );

    // 3. A proxy that cuts the first connection in the middle of a FETCH response.
    let (proxy, connections) = cutting_proxy(dovecot.port, 6000);
    let mut p = dovecot
        .builder(proxy)
        .connect()
        .unwrap()
        .login("alice", "alice-pass")
        .unwrap();
    p.select("rc").unwrap();
    let got = p.retrying(Operation::Fetch, subjects).unwrap();
    reconnects += 1;
    assert_eq!(got, ["rc 1", "rc 3", "rc 4", "rc 5", "rc 6", "rc 7"]);
    assert_eq!(connections.load(Ordering::SeqCst), 2);
    drop(p);

    // 4. A full restart during IDLE, with a message added while the server was down for us.
    let restart = {
        let dir = dovecot.dir.clone();
        let port = dovecot.port;
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(500));
            let again = Private { port, dir };
            again.script("stop", false);
            again.script("start", true);
            let mut o = again.login();
            o.append("rc", &message(8)).unwrap();
            o.logout().unwrap();
            std::mem::forget(again); // the test's own Private stops it at the end
        })
    };
    // The IDLE ends at the server's BYE ("Server shutting down"), or with the connection
    // gone: either way an error that is_broken, and reconnect goes on from there.
    let e = s
        .idle()
        .timeout(Duration::from_secs(60))
        .wait_for_news()
        .unwrap_err();
    assert!(e.is_broken() && e.is_closed(), "{e:?}");
    assert!(s.is_broken());
    restart.join().unwrap();
    let back = s.reconnect().unwrap();
    reconnects += 1;
    let Some(Resumed::Changes(changes)) = back.resumed else {
        panic!("{back:?}")
    };
    assert_eq!(changes.new, [Uid(8)], "what arrived while away, once");

    // 5. A full restart in the middle of a FETCH: the retried FETCH has every message once.
    let mut restarted = false;
    let got = s
        .retrying(Operation::Fetch, |s| {
            let items = FetchItems::new().uid().body_peek(Section::Full);
            let mut stream = s.uid_fetch(1.., &items)?;
            let first = stream.next().transpose()?;
            if !restarted {
                restarted = true;
                dovecot.script("stop", false);
                dovecot.script("start", true);
            }
            let mut all: Vec<_> = first.into_iter().collect();
            for m in stream {
                all.push(m?);
            }
            Ok(all.into_iter().filter_map(|m| m.uid()).collect::<Vec<_>>())
        })
        .unwrap();
    reconnects += 1;
    assert_eq!(
        got,
        [Uid(1), Uid(3), Uid(4), Uid(5), Uid(6), Uid(7), Uid(8)]
    );
    eprintln!(
        "reconnects: {reconnects} (kicks, a login_best session kicked x3, proxy cut x1, restart \
         during IDLE x1, restart during FETCH x1)"
    );
    s.logout().unwrap();
}

/// examples/idle.rs with `--reconnect`, as a user runs it: it keeps watching across a kick
/// and a full restart, and prints every message that arrived exactly once, those that came
/// while it was away included.
#[test]
fn the_idle_example_keeps_watching_across_a_kick_and_a_restart() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if std::env::var_os("BLOCKING_IMAP_DOVECOT").is_none() {
        return;
    }
    let dovecot = Private::start(1);
    let mut s = dovecot.login();
    s.create("watch").unwrap();
    s.append("watch", &message(1)).unwrap();
    s.logout().unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // Built first, so that the watcher starts at once.
    let built = Command::new(&cargo)
        .args(["build", "-q", "--example", "idle"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(built.success());
    let port = dovecot.port.to_string();
    let mut watcher = Command::new(cargo)
        .args(["run", "-q", "--example", "idle", "--"])
        .args(["--host", "127.0.0.1", "--port", &port, "--tls", "none"])
        .args([
            "--user",
            "alice",
            "--password-env",
            "IDLE_PW",
            "--mailbox",
            "watch",
        ])
        .args(["--seconds", "30", "--reconnect"])
        .env("IDLE_PW", "alice-pass")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The watcher's stderr, line by line, to know when it is watching and reconnected.
    let progress = Arc::new(std::sync::Mutex::new(String::new()));
    let stderr_reader = {
        let progress = progress.clone();
        let stderr = watcher.stderr.take().unwrap();
        thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let mut p = progress.lock().unwrap();
                p.push_str(&line);
                p.push('\n');
            }
        })
    };
    let wait_for = |what: &str, count: usize| {
        for _ in 0..300 {
            if progress.lock().unwrap().matches(what).count() >= count {
                return;
            }
            thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "the watcher never said {what:?}: {}",
            progress.lock().unwrap()
        );
    };
    let add = |i: u32| {
        let mut o = dovecot.login();
        o.append("watch", &message(i)).unwrap();
        o.logout().unwrap();
    };
    wait_for("waiting for new mail", 1);
    add(2);
    thread::sleep(Duration::from_secs(1));
    dovecot.kick("alice");
    add(3); // while the watcher reconnects, or just after
    wait_for("reconnected after", 1);
    dovecot.script("stop", false);
    dovecot.script("start", true);
    add(4); // before the watcher is back
    wait_for("reconnected after", 2);
    add(5);
    thread::sleep(Duration::from_secs(2));
    let _ = watcher.kill();
    let out = watcher.wait_with_output().unwrap();
    stderr_reader.join().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = progress.lock().unwrap().clone();
    let mut uids: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("new: uid "))
        .map(|l| l.split(' ').next().unwrap_or(""))
        .collect();
    let printed = uids.len();
    uids.sort_unstable();
    uids.dedup();
    assert_eq!(printed, uids.len(), "a message printed twice: {stdout}");
    assert_eq!(uids, ["2", "3", "4", "5"], "{stdout}\n{stderr}");
    assert!(stderr.matches("reconnected after").count() >= 2, "{stderr}");
}
