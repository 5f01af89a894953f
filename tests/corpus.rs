//! Replays every recorded real-server reply in `tests/corpus/mailkit` (see tests/corpus/README.md)
//! through a scripted session: each file is the reply to a command chosen by its name
//! (greetings as the greeting, `select-*` to SELECT, `list-*` to LIST, ...; NOOP when no
//! better command fits, which routes everything to the unsolicited queue).
//!
//! For every file it checks that the command completes as the recording says (OK, or its
//! NO / BAD), that nothing panics, and that the next command works on the same session. It
//! counts, over all files, the untagged responses that became typed data and those kept
//! whole as `Unsolicited::Other`, and fails on any `Other` caused by a parse failure that
//! is not in the allow-list below with its reason.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use blocking_imap::{
    Client, Error, FetchItems, Flag, Session, StatusItem, StoreAction, Unsolicited,
};
use common::{c, client, s, Script, Step, GREETING};

/// Parse failures in the corpus we know about: (file, start of the response, why).
const ALLOWED: &[(&str, &str, &str)] = &[
    (
        "exchange/issue115.txt",
        "[COPYUID 55 31 6]",
        "Exchange bug (MailKit issue 115): a response code sent on a line of its own, \
         without `* OK`; it is neither tagged nor untagged",
    ),
    (
        "gmail/headers.1+unsolicited-info.txt",
        "* 1 FETCH (UID 1 MODSEQ (29233) ANNOTATION",
        "broken recording: the `BODY[HEADER] {515}` literal is followed by 518 bytes, so the \
         line ends with the FETCH list still open",
    ),
    (
        "gmail/headers.1+unsolicited-info.txt",
        ")",
        "broken recording: the rest of the FETCH above, after its short literal",
    ),
];

/// Capabilities the scripted LOGIN reports (LITERAL+ so APPEND needs no continuation).
const CAPS: &str = "IMAP4rev1 UIDPLUS MOVE NAMESPACE LITERAL+ CONDSTORE";

/// The command a file is replayed as.
#[derive(Debug, Clone, PartialEq)]
enum Cmd {
    Greeting,
    Login,
    Capability,
    Select,
    Examine,
    List,
    Lsub,
    Status(String),
    Namespace,
    Fetch,
    Store,
    Search,
    Copy,
    Move,
    Expunge,
    UidExpunge,
    Append,
    /// APPEND with a synchronising literal: the file is the server's `+`.
    AppendSync,
    Create,
    Rename,
    Logout,
    Noop,
}

fn command_for(stem: &str, wire: &[u8]) -> Cmd {
    let starts = |p: &str| stem.starts_with(p);
    if stem.contains("greeting") {
        Cmd::Greeting
    } else if starts("authenticate") {
        Cmd::Login
    } else if starts("capability") {
        Cmd::Capability
    } else if starts("select-") {
        Cmd::Select
    } else if starts("examine-") || stem == "count.examine" {
        Cmd::Examine
    } else if starts("list-") || starts("notify-list") {
        Cmd::List
    } else if starts("lsub-") {
        Cmd::Lsub
    } else if starts("status-") {
        status_name(wire).map_or(Cmd::Noop, Cmd::Status)
    } else if stem == "namespace" {
        Cmd::Namespace
    } else if starts("fetch")
        || starts("getbodypart")
        || starts("getstream")
        || starts("getmessageheaders")
        || starts("headers.")
        || starts("precise-pangolin")
        || starts("search-summary")
        || starts("expunge-during-fetch")
    {
        Cmd::Fetch
    } else if starts("store-")
        || starts("setflags-")
        || ["add-flags", "set-flags", "add-labels", "set-labels"].contains(&stem)
    {
        Cmd::Store
    } else if starts("search") || starts("optimized-search") || stem == "get-indexes" {
        Cmd::Search
    } else if stem == "copy" || stem == "uid-copy" {
        Cmd::Copy
    } else if stem == "move" || stem == "uid-move" || stem == "issue115" {
        Cmd::Move
    } else if stem == "expunge" {
        Cmd::Expunge
    } else if stem == "uid-expunge" {
        Cmd::UidExpunge
    } else if starts("append") || stem == "multiappend" {
        Cmd::Append
    } else if stem == "go-ahead" {
        Cmd::AppendSync
    } else if starts("create") {
        Cmd::Create
    } else if starts("rename") {
        Cmd::Rename
    } else if stem == "logout" {
        Cmd::Logout
    } else {
        Cmd::Noop
    }
}

/// The mailbox name of the file's `* STATUS` response (quoted, literal or atom).
fn status_name(wire: &[u8]) -> Option<String> {
    let at = find(wire, b"* STATUS ")? + b"* STATUS ".len();
    let rest = &wire[at..];
    let name: Vec<u8> = match rest.first()? {
        b'"' => {
            let mut out = Vec::new();
            let mut it = rest[1..].iter();
            while let Some(&b) = it.next() {
                match b {
                    b'"' => break,
                    b'\\' => out.push(*it.next()?),
                    _ => out.push(b),
                }
            }
            out
        }
        b'{' => {
            let close = rest.iter().position(|&b| b == b'}')?;
            let n: usize = std::str::from_utf8(&rest[1..close]).ok()?.parse().ok()?;
            rest.get(close + 3..close + 3 + n)?.to_vec()
        }
        _ => rest.iter().take_while(|&&b| b != b' ').copied().collect(),
    };
    String::from_utf8(name).ok()
}

/// How our encoder writes a mailbox name that is ASCII, short and free of CR / LF.
fn astring(name: &str) -> String {
    let atom = !name.is_empty()
        && !name.eq_ignore_ascii_case("NIL")
        && name.bytes().all(|b| {
            b > 0x20
                && b < 0x7f
                && !matches!(b, b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\' | b']')
        });
    if atom {
        return name.to_string();
    }
    let mut q = String::from("\"");
    for ch in name.chars() {
        if ch == '"' || ch == '\\' {
            q.push('\\');
        }
        q.push(ch);
    }
    q.push('"');
    q
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// LF to CRLF, with a final line end.
fn crlf(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 16 + 2);
    for &b in raw {
        if b == b'\n' && out.last() != Some(&b'\r') {
            out.push(b'\r');
        }
        out.push(b);
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// The recording with its completion tag replaced by `tag`; and the completion's status
/// word, if the file has a completion.
fn retag(wire: &[u8], tag: &str) -> (Vec<u8>, Option<String>) {
    const PLACEHOLDER: &[u8] = b"A########";
    let mut out = Vec::with_capacity(wire.len());
    let mut status = None;
    for line in frames(wire) {
        let concrete = line.len() > 10
            && line[0] == b'A'
            && line[1..9].iter().all(u8::is_ascii_digit)
            && line[9] == b' ';
        let rest = if line.starts_with(PLACEHOLDER) {
            Some(&line[PLACEHOLDER.len()..])
        } else if concrete {
            Some(&line[9..])
        } else {
            None
        };
        match rest {
            Some(rest) => {
                let word: String = rest[1..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphabetic())
                    .map(|&b| char::from(b).to_ascii_uppercase())
                    .collect();
                status = Some(word);
                out.extend_from_slice(tag.as_bytes());
                out.extend_from_slice(rest);
            }
            None => out.extend_from_slice(&replace_all(line, PLACEHOLDER, tag.as_bytes())),
        }
    }
    (out, status)
}

fn replace_all(hay: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(hay.len());
    let mut i = 0;
    while i < hay.len() {
        if hay[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(hay[i]);
            i += 1;
        }
    }
    out
}

/// Splits a reply into whole responses: a line plus any `{n}` literals it announces.
fn frames(wire: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < wire.len() {
        let Some(nl) = wire[i..].iter().position(|&b| b == b'\n') else {
            out.push(&wire[start..]);
            return out;
        };
        let end = i + nl + 1;
        match literal_len(&wire[i..end]) {
            Some(n) => i = end.saturating_add(n).min(wire.len()),
            None => {
                out.push(&wire[start..end]);
                start = end;
                i = end;
            }
        }
    }
    if start < wire.len() {
        out.push(&wire[start..]);
    }
    out
}

/// `{n}` / `{n+}` / `~{n}` at the end of a line.
fn literal_len(line: &[u8]) -> Option<usize> {
    let line = line.strip_suffix(b"\n")?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = line.strip_suffix(b"}")?;
    let open = line.iter().rposition(|&b| b == b'{')?;
    let digits = &line[open + 1..];
    let digits = digits.strip_suffix(b"+").unwrap_or(digits);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// What replaying one file showed.
#[derive(Debug, Default)]
struct Outcome {
    /// Responses from the server other than our completion and continuation requests.
    responses: usize,
    /// `Unsolicited::Other` items: (raw bytes, reason).
    others: Vec<(Vec<u8>, String)>,
}

/// The command's result compared with the status the recording completes with.
fn check_status<T: std::fmt::Debug>(file: &str, want: &str, got: &Result<T, Error>) {
    let ok = matches!(
        (want, got),
        ("OK", Ok(_)) | ("NO", Err(Error::No(_))) | ("BAD", Err(Error::Bad(_)))
    );
    assert!(
        ok,
        "{file}: recording completes with {want}, command gave {got:?}"
    );
}

fn others(items: impl Iterator<Item = Unsolicited>) -> Vec<(Vec<u8>, String)> {
    items
        .filter_map(|u| match u {
            Unsolicited::Other { raw, reason } => Some((raw, reason)),
            Unsolicited::Fetch(f) => {
                note_unparsed(&f);
                None
            }
            _ => None,
        })
        .collect()
}

/// FETCH items the parser skipped (item-level recovery) over the whole replay.
static UNPARSED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

fn note_unparsed(f: &blocking_imap::Fetch) {
    let mut all = UNPARSED.lock().unwrap_or_else(|e| e.into_inner());
    for u in f.unparsed() {
        all.push(format!(
            "message {}: {} ({}): {:?}",
            f.seq(),
            u.name(),
            u.reason(),
            String::from_utf8_lossy(&u.raw()[..u.raw().len().min(80)])
        ));
    }
}

/// Login steps, then `steps`.
fn after_login(caps: &str, steps: Vec<Step>) -> Vec<Step> {
    let mut all = vec![
        s(GREETING),
        c("A0001 LOGIN u p\r\n"),
        s(&format!("A0001 OK [CAPABILITY {caps}] in\r\n")),
    ];
    all.extend(steps);
    all
}

fn logged_in(script: &Script) -> Session {
    client(script).login("u", "p").expect("scripted login")
}

/// Replays one file; panics (failing the test) on anything but a clean replay.
fn replay(name: &str, stem: &str, raw: &[u8]) -> Outcome {
    let wire = crlf(raw);
    let cmd = command_for(stem, &wire);
    let mut out = Outcome::default();
    match cmd {
        Cmd::Greeting => {
            let script = Script::new(vec![
                Step::S(wire.clone()),
                c("A0001 NOOP\r\n"),
                s("A0001 OK\r\n"),
            ]);
            let client = client(&script);
            out.responses = 1;
            if client.is_preauth() {
                let mut session = client.preauthenticated().expect("preauth");
                session
                    .noop()
                    .unwrap_or_else(|e| panic!("{name}: NOOP: {e}"));
                out.others = others(session.unsolicited());
            } else {
                let mut client: Client = client;
                client
                    .noop()
                    .unwrap_or_else(|e| panic!("{name}: NOOP: {e}"));
                out.others = others(client.unsolicited());
            }
            script.assert_done();
            return out;
        }
        Cmd::Login => {
            let (reply, status) = retag(&wire, "A0001");
            let status = status.unwrap_or_else(|| panic!("{name}: no completion"));
            out.responses = count_responses(&reply, "A0001");
            let script = Script::new(vec![
                s(GREETING),
                c("A0001 LOGIN u p\r\n"),
                Step::S(reply),
                c("A0002 NOOP\r\n"),
                s("A0002 OK\r\n"),
            ]);
            match client(&script).login("u", "p") {
                Ok(mut session) => {
                    check_status(name, &status, &Ok::<(), Error>(()));
                    session
                        .noop()
                        .unwrap_or_else(|e| panic!("{name}: NOOP: {e}"));
                    out.others = others(session.unsolicited());
                }
                Err(e) => {
                    let mut client = e.client;
                    check_status(name, &status, &Err::<(), Error>(e.error));
                    client
                        .noop()
                        .unwrap_or_else(|e| panic!("{name}: NOOP: {e}"));
                    out.others = others(client.unsolicited());
                }
            }
            script.assert_done();
            return out;
        }
        Cmd::AppendSync => {
            out.responses = count_responses(&wire, "A0002");
            let script = Script::new(after_login(
                "IMAP4rev1 UIDPLUS",
                vec![
                    c("A0002 APPEND INBOX {5}\r\n"),
                    Step::S(wire),
                    c("hello\r\n"),
                    s("A0002 OK appended\r\n"),
                    c("A0003 NOOP\r\n"),
                    s("A0003 OK\r\n"),
                ],
            ));
            let mut session = logged_in(&script);
            session
                .append("INBOX", b"hello")
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            session
                .noop()
                .unwrap_or_else(|e| panic!("{name}: NOOP: {e}"));
            out.others = others(session.unsolicited());
            script.assert_done();
            return out;
        }
        _ => {}
    }

    // Commands of the selected state go after a SELECT (the client refuses them before one).
    let selects = matches!(
        cmd,
        Cmd::Fetch
            | Cmd::Store
            | Cmd::Search
            | Cmd::Copy
            | Cmd::Move
            | Cmd::Expunge
            | Cmd::UidExpunge
    );
    let (tag, noop_tag) = if selects {
        ("A0003", "A0004")
    } else {
        ("A0002", "A0003")
    };
    let (mut reply, status) = retag(&wire, tag);
    let status = match status {
        Some(s) => s,
        None => {
            // IDLE / NOTIFY recordings end without a completion: finish the NOOP for them.
            reply.extend_from_slice(format!("{tag} OK done\r\n").as_bytes());
            "OK".to_string()
        }
    };
    out.responses = count_responses(&reply, tag);
    let line = match &cmd {
        Cmd::Capability => "CAPABILITY".to_string(),
        Cmd::Select => "SELECT INBOX".into(),
        Cmd::Examine => "EXAMINE INBOX".into(),
        Cmd::List => "LIST \"\" \"*\"".into(),
        Cmd::Lsub => "LSUB \"\" \"*\"".into(),
        Cmd::Status(mailbox) => format!("STATUS {} (MESSAGES)", astring(mailbox)),
        Cmd::Namespace => "NAMESPACE".into(),
        Cmd::Fetch => "FETCH 1:* (UID)".into(),
        Cmd::Store => "STORE 1:* +FLAGS (\\Seen)".into(),
        Cmd::Search => "SEARCH ALL".into(),
        Cmd::Copy => "UID COPY 1:* Dest".into(),
        Cmd::Move => "UID MOVE 1:* Dest".into(),
        Cmd::Expunge => "EXPUNGE".into(),
        Cmd::UidExpunge => "UID EXPUNGE 1:*".into(),
        Cmd::Append => "APPEND INBOX {5+}\r\nhello".into(),
        Cmd::Create => "CREATE New".into(),
        Cmd::Rename => "RENAME Old New".into(),
        Cmd::Logout => "LOGOUT".into(),
        Cmd::Noop => "NOOP".into(),
        Cmd::Greeting | Cmd::Login | Cmd::AppendSync => unreachable!("handled above"),
    };
    let mut steps = Vec::new();
    if selects {
        steps.push(c(common::SELECT_INBOX[0]));
        steps.push(s(common::SELECT_INBOX[1]));
    }
    steps.push(c(&format!("{tag} {line}\r\n")));
    steps.push(Step::S(reply));
    if cmd != Cmd::Logout {
        steps.push(c(&format!("{noop_tag} NOOP\r\n")));
        steps.push(s(&format!("{noop_tag} OK\r\n")));
    }
    let script = Script::new(after_login(CAPS, steps));
    let mut session = logged_in(&script);
    if selects {
        session
            .select("INBOX")
            .unwrap_or_else(|e| panic!("{name}: SELECT: {e}"));
    }
    let all = 1u32..;
    let result: Result<(), Error> = match &cmd {
        Cmd::Capability => session.refresh_capabilities().map(drop),
        Cmd::Select => session.select("INBOX").map(drop),
        Cmd::Examine => session.examine("INBOX").map(drop),
        Cmd::List => session.list("", "*").map(drop),
        Cmd::Lsub => session.lsub("", "*").map(drop),
        Cmd::Status(mailbox) => session
            .status(mailbox.as_str(), &[StatusItem::Messages])
            .map(drop),
        Cmd::Namespace => session.namespace().map(drop),
        Cmd::Fetch | Cmd::Store => {
            let stream = if cmd == Cmd::Fetch {
                session.fetch(all, &FetchItems::new().uid())
            } else {
                session.store(all, StoreAction::Add, &[Flag::Seen])
            };
            let mut completion = Ok(());
            for item in stream.unwrap_or_else(|e| panic!("{name}: {e}")) {
                match item {
                    Ok(f) => note_unparsed(&f),
                    // One message lost; it is in the queue as `Other` and judged there.
                    Err(Error::Parse { .. }) => {}
                    Err(e) => completion = Err(e),
                }
            }
            completion
        }
        Cmd::Search => session.search_raw("ALL").map(drop),
        Cmd::Copy => session.uid_copy(all, "Dest").map(drop),
        Cmd::Move => session.uid_mv(all, "Dest").map(drop),
        Cmd::Expunge => session.expunge().map(drop),
        Cmd::UidExpunge => session.uid_expunge(all).map(drop),
        Cmd::Append => session.append("INBOX", b"hello").map(drop),
        Cmd::Create => session.create("New"),
        Cmd::Rename => session.rename("Old", "New"),
        Cmd::Noop => session.noop(),
        Cmd::Logout => {
            // The session is gone afterwards: nothing more can be sent, or queued.
            let r = session.logout();
            check_status(name, &status, &r);
            script.assert_done();
            out.responses = 0;
            return out;
        }
        Cmd::Greeting | Cmd::Login | Cmd::AppendSync => unreachable!("handled above"),
    };
    check_status(name, &status, &result);
    assert!(!session.is_broken(), "{name}: session broken");
    session
        .noop()
        .unwrap_or_else(|e| panic!("{name}: the next command failed: {e}"));
    out.others = others(session.unsolicited());
    script.assert_done();
    out
}

/// Responses in a reply, leaving out `tag`'s completion and continuation requests.
fn count_responses(reply: &[u8], tag: &str) -> usize {
    frames(reply)
        .into_iter()
        .filter(|f| !f.starts_with(tag.as_bytes()) && !f.starts_with(b"+"))
        .count()
}

/// Is an `Other` only "not typed" (a response this crate recognises but does not turn into
/// a typed value, or one nobody asked for), rather than a parse failure?
fn is_not_typed(raw: &[u8], reason: &str) -> bool {
    raw.starts_with(b"+")
        || reason == "not typed by this command"
        || reason.ends_with("no command asked for")
}

fn corpus_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        let entries = std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "txt") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Counts for one folder of the corpus.
#[derive(Debug, Default)]
struct Tally {
    files: usize,
    responses: usize,
    typed: usize,
    not_typed: usize,
    failures: usize,
}

#[test]
fn replay_the_recorded_corpus() {
    // In the repository itself: a fresh clone has it, and nothing beside the clone is read.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/mailkit");
    assert!(
        dir.is_dir(),
        "the recorded corpus is missing: {}",
        dir.display()
    );
    let files = corpus_files(&dir);
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut allowed_used = vec![false; ALLOWED.len()];
    let mut not_typed_kinds: BTreeMap<String, usize> = BTreeMap::new();
    for path in &files {
        let rel = path
            .strip_prefix(&dir)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        let folder = rel.split('/').next().unwrap_or("").to_string();
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let raw = std::fs::read(path).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let outcome = replay(&rel, &stem, &raw);
        let t = tallies.entry(folder).or_default();
        t.files += 1;
        t.responses += outcome.responses;
        let mut others = 0;
        for (bytes, reason) in &outcome.others {
            if bytes.starts_with(b"+") {
                continue;
            }
            others += 1;
            if is_not_typed(bytes, reason) {
                t.not_typed += 1;
                let kind = String::from_utf8_lossy(bytes)
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("")
                    .to_ascii_uppercase();
                *not_typed_kinds.entry(kind).or_default() += 1;
                continue;
            }
            t.failures += 1;
            let known = ALLOWED
                .iter()
                .position(|(f, start, _)| *f == rel && bytes.starts_with(start.as_bytes()));
            match known {
                Some(i) => allowed_used[i] = true,
                None => failures.push(format!(
                    "{rel}: {reason}: {:?}",
                    String::from_utf8_lossy(&bytes[..bytes.len().min(160)])
                )),
            }
        }
        t.typed += outcome.responses.saturating_sub(others);
    }

    eprintln!(
        "{:<10} {:>6} {:>10} {:>8} {:>10} {:>9}",
        "folder", "files", "responses", "typed", "not-typed", "failures"
    );
    let mut total = Tally::default();
    for (folder, t) in &tallies {
        eprintln!(
            "{folder:<10} {:>6} {:>10} {:>8} {:>10} {:>9}",
            t.files, t.responses, t.typed, t.not_typed, t.failures
        );
        total.files += t.files;
        total.responses += t.responses;
        total.typed += t.typed;
        total.not_typed += t.not_typed;
        total.failures += t.failures;
    }
    eprintln!(
        "{:<10} {:>6} {:>10} {:>8} {:>10} {:>9}",
        "total", total.files, total.responses, total.typed, total.not_typed, total.failures
    );
    eprintln!("not typed, by response: {not_typed_kinds:?}");
    for (file, start, why) in ALLOWED {
        eprintln!("allowed parse failure: {file}: {start:?}: {why}");
    }

    let unparsed = UNPARSED.lock().unwrap_or_else(|e| e.into_inner()).clone();
    eprintln!(
        "FETCH items kept whole in Fetch::unparsed (unknown or unreadable): {}",
        unparsed.len()
    );
    for u in &unparsed {
        eprintln!("  {u}");
    }
    assert!(
        failures.is_empty(),
        "parse failures not in the allow-list:\n{}",
        failures.join("\n")
    );
    // Every recorded FETCH item of a whole frame is typed: recovery is for servers and
    // recordings beyond this corpus (tests/quirks.rs has its classes).
    let failed: Vec<_> = unparsed
        .iter()
        .filter(|u| !u.contains("an item this crate does not know"))
        .collect();
    assert!(failed.is_empty(), "items that did not parse: {failed:#?}");
    let stale: Vec<_> = ALLOWED
        .iter()
        .zip(&allowed_used)
        .filter(|(_, used)| !**used)
        .map(|((f, start, _), _)| format!("{f}: {start:?}"))
        .collect();
    assert!(
        stale.is_empty(),
        "allow-list entries that now parse: {stale:?}"
    );
    assert!(
        total.files >= 290,
        "only {} corpus files found",
        total.files
    );
    assert_eq!(
        total.typed + total.not_typed + total.failures,
        total.responses,
        "every response is typed, not typed or a failure"
    );
}
