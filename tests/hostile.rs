//! Hostile and broken servers: sizes, faults, floods and bad bytes. Each case checks what
//! the caller sees and that the session is either still usable or says it is broken.

mod common;

use std::time::{Duration, Instant};

use blocking_imap::{
    ClientBuilder, Error, FetchItems, Flag, MailboxName, Search, Section, Security, Session,
    StatusKind, StoreAction, Unsolicited,
};
use common::tcp::{self, serve, Knobs, T};
use common::{c, client, s, Script, Step, GREETING};

const LOGIN: &str = "A0001 LOGIN u p\r\n";
const LOGGED_IN: &str = "A0001 OK logged in\r\n";

fn tcp_session(
    steps: Vec<T>,
    knobs: Knobs,
    builder: impl Fn(ClientBuilder) -> ClientBuilder,
) -> (Session, std::thread::JoinHandle<Result<(), String>>) {
    let mut all = vec![tcp::s(GREETING), tcp::c(LOGIN), tcp::s(LOGGED_IN)];
    all.extend(steps);
    let (port, server) = serve(all, knobs);
    let b = ClientBuilder::new("127.0.0.1", port).security(Security::Plaintext);
    let session = builder(b).connect().unwrap().login("u", "p").unwrap();
    (session, server)
}

/// [`tcp_session`] with INBOX selected first (`A0002`): the steps start at `A0003`.
fn selected_tcp_session(
    steps: Vec<T>,
    knobs: Knobs,
    builder: impl Fn(ClientBuilder) -> ClientBuilder,
) -> (Session, std::thread::JoinHandle<Result<(), String>>) {
    let mut all = vec![
        tcp::c(common::SELECT_INBOX[0]),
        tcp::s(common::SELECT_INBOX[1]),
    ];
    all.extend(steps);
    let (mut session, server) = tcp_session(all, knobs, builder);
    session.select("INBOX").unwrap();
    (session, server)
}

fn mem_session(steps: Vec<Step>) -> (Script, Session) {
    let mut all = vec![s(GREETING), c(LOGIN), s(LOGGED_IN)];
    all.extend(steps);
    let script = Script::new(all);
    let session = client(&script).login("u", "p").unwrap();
    (script, session)
}

/// [`mem_session`] with INBOX selected first (`A0002`): the steps start at `A0003`.
fn selected_mem_session(steps: Vec<Step>) -> (Script, Session) {
    let mut all = vec![c(common::SELECT_INBOX[0]), s(common::SELECT_INBOX[1])];
    all.extend(steps);
    let (script, mut session) = mem_session(all);
    session.select("INBOX").unwrap();
    (script, session)
}

#[test]
fn a_silent_server_trips_the_read_timeout() {
    let (mut session, server) = tcp_session(
        vec![tcp::c("A0002 NOOP\r\n"), T::Silent(Duration::from_secs(3))],
        Knobs::default(),
        |b| b.read_timeout(Some(Duration::from_millis(300))),
    );
    let start = Instant::now();
    let err = session.noop().unwrap_err();
    let waited = start.elapsed();
    assert!(
        matches!(
            err,
            Error::Timeout {
                operation: "read",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("300ms"), "{err}");
    assert!(
        waited >= Duration::from_millis(250) && waited < Duration::from_secs(2),
        "{waited:?}"
    );
    assert!(session.is_broken());
    assert!(matches!(session.noop(), Err(Error::Broken(_))));
    drop(session);
    server.join().unwrap().unwrap();
}

#[test]
fn a_byte_at_a_time_with_delays_changes_nothing() {
    let (mut session, server) = selected_tcp_session(
        vec![
            tcp::c("A0003 FETCH 1 (BODY.PEEK[])\r\n"),
            tcp::s("* 1 FETCH (BODY[] {12}\r\nHello\r\nWorld)\r\n* 3 EXISTS\r\nA0003 OK done\r\n"),
        ],
        Knobs {
            split: 1,
            delay: Duration::from_micros(200),
        },
        |b| b,
    );
    let got = session
        .fetch(1, &FetchItems::new().body_peek(Section::Full))
        .unwrap()
        .into_vec()
        .unwrap();
    assert_eq!(got[0].body().unwrap(), b"Hello\r\nWorld");
    assert_eq!(session.mailbox().exists(), 3);
    drop(session);
    server.join().unwrap().unwrap();
}

#[test]
fn closing_mid_literal_over_tcp() {
    let (mut session, server) = selected_tcp_session(
        vec![
            tcp::c("A0003 FETCH 1 (BODY.PEEK[])\r\n"),
            tcp::s("* 1 FETCH (BODY[] {1000}\r\nonly a little"),
            T::Close,
        ],
        Knobs::default(),
        |b| b,
    );
    let results: Vec<_> = session
        .fetch(1, &FetchItems::new().body_peek(Section::Full))
        .unwrap()
        .collect();
    assert!(
        matches!(results[..], [Err(Error::ConnectionClosed)]),
        "{results:?}"
    );
    assert!(session.is_broken());
    server.join().unwrap().unwrap();
}

#[test]
fn a_line_that_never_ends_is_refused_at_the_limit() {
    let endless = "x".repeat(3 << 20);
    let (mut session, server) = tcp_session(
        vec![tcp::c("A0002 NOOP\r\n"), tcp::s(&format!("* OK {endless}"))],
        Knobs::default(),
        |b| b.max_response_size(1 << 20),
    );
    match session.noop().unwrap_err() {
        Error::TooLarge { size, limit } => {
            assert_eq!(limit, 1 << 20);
            assert!(size > 1 << 20);
        }
        other => panic!("{other:?}"),
    }
    assert!(session.is_broken());
    drop(session);
    server.join().unwrap().unwrap();
}

#[test]
fn a_huge_literal_is_refused_before_it_is_read() {
    let (mut session, _script_guard) = {
        let (script, session) = mem_session(vec![
            c("A0002 NOOP\r\n"),
            s("* 1 FETCH (BODY[] {4294967295}\r\n"),
        ]);
        (session, script)
    };
    assert!(matches!(session.noop(), Err(Error::TooLarge { .. })));
    assert!(session.is_broken());
}

#[test]
fn a_million_unsolicited_responses_stay_within_the_queue_limit() {
    let mut flood = String::with_capacity(16 << 20);
    for n in 1..=1_000_000u32 {
        flood.push_str("* ");
        flood.push_str(&n.to_string());
        flood.push_str(" EXISTS\r\n");
    }
    flood.push_str("A0002 OK\r\n");
    let (script, mut session) = mem_session(vec![c("A0002 NOOP\r\n"), s(&flood)]);
    session.noop().unwrap();
    assert_eq!(
        session.mailbox().exists(),
        1_000_000,
        "the state saw every one"
    );
    assert_eq!(
        session.unsolicited_len(),
        blocking_imap::DEFAULT_MAX_UNSOLICITED
    );
    let mut items = session.unsolicited();
    assert_eq!(items.next(), Some(Unsolicited::Dropped(900_000)));
    assert_eq!(items.next(), Some(Unsolicited::Exists(900_001)));
    assert_eq!(items.last(), Some(Unsolicited::Exists(1_000_000)));
    script.assert_done();
}

#[test]
fn a_million_solicited_responses_stream_in_constant_memory() {
    let mut flood = String::with_capacity(40 << 20);
    for n in 1..=1_000_000u32 {
        flood.push_str(&format!("* {n} FETCH (UID {n} FLAGS (\\Seen))\r\n"));
    }
    flood.push_str("A0003 OK\r\n");
    let (script, mut session) =
        selected_mem_session(vec![c("A0003 FETCH 1:* (UID FLAGS)\r\n"), s(&flood)]);
    let mut count = 0u32;
    for f in session
        .fetch(1.., &FetchItems::new().uid().flags())
        .unwrap()
    {
        let f = f.unwrap();
        count += 1;
        assert_eq!(f.uid().unwrap().0, count);
    }
    assert_eq!(count, 1_000_000);
    assert_eq!(session.unsolicited_len(), 0);
    script.assert_done();
}

#[test]
fn nul_and_invalid_utf8_from_the_server() {
    let (script, mut session) = mem_session(vec![
        c("A0002 NOOP\r\n"),
        Step::S(b"* OK [ALERT] bad \xff\xfe bytes \x00 here\r\n".to_vec()),
        Step::S(
            b"* 1 FETCH (ENVELOPE (NIL \"sub\xffject\" NIL NIL NIL NIL NIL NIL NIL NIL))\r\n"
                .to_vec(),
        ),
        Step::S(b"A0002 OK \xc3\x28\r\n".to_vec()),
        c("A0003 LIST \"\" \"*\"\r\n"),
        Step::S(b"* LIST () \"/\" {4}\r\n\xffab\x00\r\nA0003 OK\r\n".to_vec()),
    ]);
    session.noop().unwrap();
    let items: Vec<_> = session.unsolicited().collect();
    match &items[0] {
        Unsolicited::Status {
            kind: StatusKind::Ok,
            text,
        } => {
            assert!(
                text.text.contains("bad") && text.text.contains('\u{fffd}'),
                "{text:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    match &items[1] {
        Unsolicited::Fetch(f) => {
            assert_eq!(f.envelope().unwrap().subject_raw().unwrap(), b"sub\xffject")
        }
        other => panic!("{other:?}"),
    }
    let names = session.list("", "*").unwrap();
    assert_eq!(names[0].name().wire(), b"\xffab\x00");
    script.assert_done();
}

#[test]
fn bye_in_the_middle_of_a_fetch_stream() {
    let (script, mut session) = selected_mem_session(vec![
        c("A0003 FETCH 1:3 (UID)\r\n"),
        s("* 1 FETCH (UID 1)\r\n* BYE [UNAVAILABLE] shutting down\r\n"),
        Step::Close,
    ]);
    let results: Vec<_> = session
        .fetch(1..=3, &FetchItems::new().uid())
        .unwrap()
        .collect();
    assert_eq!(results.len(), 2, "{results:?}");
    assert!(results[0].is_ok());
    assert!(matches!(&results[1], Err(Error::Bye(t)) if t.text == "shutting down"));
    assert!(session.is_broken());
    script.assert_done();
}

/// Splits what a client wrote into commands: lines, with `{n}` / `{n+}` literals skipped.
fn commands(written: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    let mut i = 0;
    while i < written.len() {
        let Some(nl) = written[i..].iter().position(|&b| b == b'\n') else {
            cur.extend_from_slice(&written[i..]);
            break;
        };
        let line = &written[i..i + nl + 1];
        cur.extend_from_slice(line);
        i += nl + 1;
        let body = line.strip_suffix(b"\r\n").unwrap_or(line);
        let lit = body.strip_suffix(b"}").and_then(|b| {
            let open = b.iter().rposition(|&x| x == b'{')?;
            std::str::from_utf8(&b[open + 1..])
                .ok()?
                .trim_end_matches('+')
                .parse::<usize>()
                .ok()
        });
        match lit {
            Some(n) => {
                cur.extend_from_slice(&written[i..(i + n).min(written.len())]);
                i += n;
            }
            None => out.push(std::mem::take(&mut cur)),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[test]
fn hostile_caller_input_never_makes_a_second_command() {
    let nasty = [
        "a\r\nA9 LOGOUT",
        "b\rA9 LOGOUT",
        "c\nA9 LOGOUT",
        "d\" A9 LOGOUT",
        "e\\\" {5}",
        "f) (g",
        "ünï\r\n\"",
        "{3}\r\nabc",
        "",
        "NIL",
        " leading and trailing ",
    ];
    for text in nasty {
        // Each call's bytes are checked by a server that accepts anything and says NO.
        let script = AnyCommandServer::new();
        let mut client = ClientBuilder::new("h", 1)
            .security(Security::Plaintext)
            .connect_stream(script.clone())
            .unwrap();
        let _ = client.noop();
        let failed = client.login(text, text).unwrap_err();
        let mut client = *failed.client;
        let _ = client.noop();
        let session = client.login("ok", "ok");
        let mut session = session.unwrap();
        let _ = session.select("INBOX");
        let _ = session.select(text);
        let _ = session.create(text);
        let _ = session.rename(text, text);
        let _ = session.status(text, &[]);
        let _ = session.list(text, text);
        let _ = session.search(&Search::all().subject(text).from(text).header(text, text));
        let _ = session.store(1, StoreAction::Add, &[Flag::Keyword(text.to_string())]);
        let _ = session.append(MailboxName::from(text), text.as_bytes());
        let _ = session.copy(1, text);
        let _ = session.fetch(1, &FetchItems::new().header_fields(&[text]));
        let _ = session.search_raw(text);
        let cmds = commands(&script.written());
        // Each command we issued is exactly one command on the wire, with its own tag.
        for (i, cmd) in cmds.iter().enumerate() {
            let tag = format!("A{:04} ", i + 1);
            assert!(
                cmd.starts_with(tag.as_bytes()),
                "{text:?}: command {i} is {:?}",
                String::from_utf8_lossy(cmd)
            );
            assert!(
                cmd.ends_with(b"\r\n"),
                "{text:?}: {:?}",
                String::from_utf8_lossy(cmd)
            );
        }
        assert!(!session.is_broken(), "{text:?}");
    }
    // Raw text that would end the line in a literal announcement is refused.
    let mut session = ClientBuilder::new("h", 1)
        .security(Security::Plaintext)
        .connect_stream(AnyCommandServer::new())
        .unwrap()
        .login("a", "b")
        .unwrap_err()
        .client
        .login("a", "b")
        .unwrap();
    session.select("INBOX").unwrap();
    for raw in ["ALL {5}", "SUBJECT {12+}", "X {0-}"] {
        assert!(
            matches!(session.search_raw(raw), Err(Error::InvalidArgument(_))),
            "{raw}"
        );
        let q = Search::all().raw(raw);
        assert!(
            matches!(session.search(&q), Err(Error::InvalidArgument(_))),
            "{raw}"
        );
    }
    session.noop().unwrap();
}

/// A server that answers every command: NO to the first LOGIN, OK to everything else, and
/// "+" to every synchronising literal. It frames the client's bytes itself (lines, literals).
#[derive(Clone, Default)]
struct AnyCommandServer(std::sync::Arc<std::sync::Mutex<AnyState>>);

#[derive(Default)]
struct AnyState {
    written: Vec<u8>,
    replies: std::collections::VecDeque<u8>,
    pending: Vec<u8>,
    literal: usize,
    /// The tag and verb of the command being received.
    command: Option<Vec<u8>>,
    refused_login: bool,
}

impl AnyCommandServer {
    fn new() -> Self {
        let s = AnyCommandServer::default();
        s.0.lock()
            .unwrap()
            .replies
            .extend(b"* OK [CAPABILITY IMAP4rev1 UIDPLUS MOVE] hi\r\n");
        s
    }
    fn written(&self) -> Vec<u8> {
        self.0.lock().unwrap().written.clone()
    }
}

impl AnyState {
    fn consume(&mut self) {
        loop {
            if self.literal > 0 {
                let n = self.literal.min(self.pending.len());
                self.pending.drain(..n);
                self.literal -= n;
                if self.literal > 0 {
                    return;
                }
            }
            let Some(nl) = self.pending.iter().position(|&b| b == b'\n') else {
                return;
            };
            let line: Vec<u8> = self.pending.drain(..=nl).collect();
            if self.command.is_none() {
                self.command = Some(line.clone());
            }
            let body = line.strip_suffix(b"\r\n").unwrap_or(&line);
            let lit = body.strip_suffix(b"}").and_then(|b| {
                let open = b.iter().rposition(|&x| x == b'{')?;
                let digits = &b[open + 1..];
                let sync = !digits.ends_with(b"+");
                let n = std::str::from_utf8(digits)
                    .ok()?
                    .trim_end_matches('+')
                    .parse()
                    .ok()?;
                Some((n, sync))
            });
            match lit {
                Some((n, sync)) => {
                    self.literal = n;
                    if sync {
                        self.replies.extend(b"+ go\r\n");
                    }
                }
                None => {
                    let first = self.command.take().unwrap_or_default();
                    let sp = first.iter().position(|&b| b == b' ').unwrap_or(first.len());
                    let (tag, rest) = first.split_at(sp);
                    let refuse = !self.refused_login && rest.starts_with(b" LOGIN");
                    self.refused_login |= refuse;
                    self.replies.extend(tag);
                    self.replies.extend(if refuse {
                        &b" NO try again\r\n"[..]
                    } else {
                        b" OK\r\n"
                    });
                }
            }
        }
    }
}

impl std::io::Read for AnyCommandServer {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut g = self.0.lock().unwrap();
        let n = buf.len().min(g.replies.len());
        for (i, b) in g.replies.drain(..n).enumerate() {
            buf[i] = b;
        }
        Ok(n)
    }
}

impl std::io::Write for AnyCommandServer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut g = self.0.lock().unwrap();
        g.written.extend_from_slice(buf);
        g.pending.extend_from_slice(buf);
        g.consume();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
