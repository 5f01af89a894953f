//! Fills a test mailbox fast: writes a maildir and has `doveadm import` copy it in (10,000
//! messages in about a second), instead of thousands of APPENDs.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

/// What the generated mailbox holds.
pub struct Spec<'a> {
    pub user: &'a str,
    pub mailbox: &'a str,
    /// Messages with a Message-ID; message i gets id `i % unique_ids`.
    pub with_id: usize,
    pub unique_ids: usize,
    /// Messages without any Message-ID header.
    pub without_id: usize,
    /// Approximate size of each message in bytes.
    pub size: usize,
}

fn run(cmd: &mut Command) -> Result<String, String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// One generated message.
pub fn message(i: usize, id: Option<usize>, size: usize) -> Vec<u8> {
    let mut m = String::with_capacity(size + 200);
    if let Some(id) = id {
        let _ = write!(m, "Message-ID: <dup-{id}@dedupe.test>\r\n");
    }
    let _ = write!(
        m,
        "From: Loader <loader@dedupe.test>\r\nTo: bulk@dedupe.test\r\n\
         Subject: generated message {i}\r\nDate: Sat, 28 Nov 2026 12:00:00 +0000\r\n\r\n"
    );
    let line = "The quick brown fox jumps over the lazy dog, again and again.\r\n";
    while m.len() < size {
        m.push_str(line);
    }
    m.into_bytes()
}

/// Replaces `spec.mailbox` of `spec.user` with freshly generated messages; returns how many.
pub fn load(spec: &Spec) -> Result<usize, String> {
    let conf = std::env::var("BLOCKING_IMAP_DOVECOT_CONF")
        .map_err(|_| "BLOCKING_IMAP_DOVECOT_CONF not set: run under scripts/test.sh".to_string())?;
    let mail_user = std::env::var("BLOCKING_IMAP_MAIL_USER").unwrap_or_else(|_| "vmail".into());
    let dir = PathBuf::from(format!(
        "/tmp/blocking-imap-load-{}-{}",
        std::process::id(),
        spec.mailbox
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let folder = dir.join(format!(".{}", spec.mailbox));
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(dir.join(sub)).map_err(|e| e.to_string())?;
        std::fs::create_dir_all(folder.join(sub)).map_err(|e| e.to_string())?;
    }
    let total = spec.with_id + spec.without_id;
    for i in 0..total {
        let id = (i < spec.with_id).then(|| i % spec.unique_ids.max(1));
        let path = folder.join("cur").join(format!("{i:08}.gen:2,"));
        std::fs::write(&path, message(i, id, spec.size)).map_err(|e| e.to_string())?;
    }
    run(Command::new("chown")
        .args(["-R", &format!("{mail_user}:{mail_user}")])
        .arg(&dir))?;
    // Start from an empty mailbox: delete any earlier one (it may not exist).
    let _ = run(Command::new("doveadm").args([
        "-c",
        &conf,
        "mailbox",
        "delete",
        "-u",
        spec.user,
        spec.mailbox,
    ]));
    let source = format!("maildir:{}", dir.display());
    run(Command::new("doveadm").args([
        "-c",
        &conf,
        "import",
        "-u",
        spec.user,
        "-s",
        &source,
        "",
        "mailbox",
        spec.mailbox,
    ]))?;
    let _ = std::fs::remove_dir_all(&dir);
    // doveadm import exits 0 even when it failed: count what arrived.
    let status = run(Command::new("doveadm").args([
        "-c",
        &conf,
        "mailbox",
        "status",
        "-u",
        spec.user,
        "messages",
        spec.mailbox,
    ]))?;
    let count: usize = status
        .trim()
        .strip_prefix(&format!("{} messages=", spec.mailbox))
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("unexpected doveadm output {status:?}"))?;
    if count != total {
        return Err(format!("loaded {count} of {total} messages"));
    }
    Ok(count)
}

/// Deletes a loaded mailbox (benchmarks clean up after themselves).
pub fn unload(user: &str, mailbox: &str) {
    if let Ok(conf) = std::env::var("BLOCKING_IMAP_DOVECOT_CONF") {
        let _ =
            run(Command::new("doveadm")
                .args(["-c", &conf, "mailbox", "delete", "-u", user, mailbox]));
    }
}
