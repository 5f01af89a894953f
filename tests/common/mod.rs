//! A scripted server for transcript tests: a stream that plays the server's bytes and checks
//! the client's, step by step.
#![allow(dead_code)]

pub mod capture;
pub mod cut_proxy;
pub mod cyrus;
pub mod dovecot;
pub mod example;
pub mod framing;
pub mod hang;
pub mod load;
pub mod tcp;
pub mod tls;

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex};

use blocking_imap::{Client, ClientBuilder, Security};

/// One step of a transcript.
#[derive(Debug, Clone)]
pub enum Step {
    /// The server sends these bytes (LF is *not* converted: write CRLF yourself).
    S(Vec<u8>),
    /// The client must write exactly these bytes next.
    C(Vec<u8>),
    /// The server closes the connection (reads return 0 from here on).
    Close,
    /// The next read fails with this kind (a timeout is `WouldBlock`).
    Fail(io::ErrorKind),
}

pub fn s(text: &str) -> Step {
    Step::S(text.as_bytes().to_vec())
}

pub fn c(text: &str) -> Step {
    Step::C(text.as_bytes().to_vec())
}

#[derive(Debug, Default)]
struct Inner {
    steps: VecDeque<Step>,
    /// Bytes of the current S step not yet read.
    pending: VecDeque<u8>,
    /// Everything the client wrote.
    written: Vec<u8>,
    /// Client bytes not yet matched against a C step.
    unmatched: Vec<u8>,
    /// Largest read the stream hands out at once.
    chunk: usize,
    /// A mismatch: what was expected and what came.
    error: Option<String>,
    closed: bool,
}

/// The stream handed to the client; clones share the transcript.
#[derive(Debug, Clone)]
pub struct Script(Arc<Mutex<Inner>>);

impl Script {
    pub fn new(steps: Vec<Step>) -> Self {
        Script(Arc::new(Mutex::new(Inner {
            steps: steps.into(),
            chunk: usize::MAX,
            ..Default::default()
        })))
    }

    /// Serve at most `n` bytes per read (1 = a byte at a time).
    pub fn chunked(self, n: usize) -> Self {
        self.0.lock().unwrap().chunk = n.max(1);
        self
    }

    /// Everything the client wrote so far.
    pub fn written(&self) -> Vec<u8> {
        self.0.lock().unwrap().written.clone()
    }

    pub fn written_str(&self) -> String {
        String::from_utf8_lossy(&self.written()).into_owned()
    }

    /// Panics unless every step was played and every client line matched.
    pub fn assert_done(&self) {
        let inner = self.0.lock().unwrap();
        assert!(inner.error.is_none(), "{}", inner.error.as_ref().unwrap());
        assert!(
            inner.unmatched.is_empty(),
            "client wrote unexpected bytes: {:?}",
            String::from_utf8_lossy(&inner.unmatched)
        );
        let left: Vec<_> = inner
            .steps
            .iter()
            .filter(|s| !matches!(s, Step::Close))
            .collect();
        assert!(
            left.is_empty() && inner.pending.is_empty(),
            "steps left: {left:?}"
        );
    }
}

impl Inner {
    /// Moves past C steps already satisfied, loads the next S step.
    fn advance(&mut self) {
        loop {
            match self.steps.front() {
                Some(Step::C(expected)) => {
                    if self.unmatched.len() < expected.len() {
                        return;
                    }
                    let got: Vec<u8> = self.unmatched.drain(..expected.len()).collect();
                    if &got != expected {
                        self.error.get_or_insert(format!(
                            "client wrote {:?}, script expected {:?}",
                            String::from_utf8_lossy(&got),
                            String::from_utf8_lossy(expected)
                        ));
                        self.closed = true;
                        return;
                    }
                    self.steps.pop_front();
                }
                Some(Step::S(_)) if self.pending.is_empty() => {
                    if let Some(Step::S(bytes)) = self.steps.pop_front() {
                        self.pending.extend(bytes);
                    }
                }
                _ => return,
            }
        }
    }
}

impl Read for Script {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut inner = self.0.lock().unwrap();
        inner.advance();
        if let Some(e) = &inner.error {
            return Err(io::Error::other(e.clone()));
        }
        if inner.pending.is_empty() {
            match inner.steps.front().cloned() {
                Some(Step::Fail(kind)) => {
                    inner.steps.pop_front();
                    return Err(io::Error::new(kind, "scripted failure"));
                }
                Some(Step::Close) | None => return Ok(0),
                Some(Step::C(expected)) => {
                    let msg = format!(
                        "client read while the script waits for it to write {:?} (it wrote {:?})",
                        String::from_utf8_lossy(&expected),
                        String::from_utf8_lossy(&inner.unmatched)
                    );
                    inner.error.get_or_insert(msg.clone());
                    return Err(io::Error::other(msg));
                }
                Some(Step::S(_)) => unreachable!("advance loads S steps"),
            }
        }
        let n = buf.len().min(inner.chunk).min(inner.pending.len());
        for (i, b) in inner.pending.drain(..n).enumerate() {
            buf[i] = b;
        }
        Ok(n)
    }
}

impl Write for Script {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut inner = self.0.lock().unwrap();
        if inner.closed {
            return Err(io::Error::new(io::ErrorKind::BrokenPipe, "script closed"));
        }
        inner.written.extend_from_slice(buf);
        inner.unmatched.extend_from_slice(buf);
        inner.advance();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A plaintext client over a script.
pub fn client(script: &Script) -> Client {
    ClientBuilder::new("localhost", 143)
        .security(Security::Plaintext)
        .connect_stream(script.clone())
        .expect("greeting")
}

pub const GREETING: &str = "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR ID IDLE] ready\r\n";

/// A logged-in session (LOGIN is `A0001`, answered with capabilities `caps`) whose script
/// goes on with `steps`.
pub fn logged_in(caps: &str, steps: Vec<Step>) -> (Script, blocking_imap::Session) {
    logged_in_with(ClientBuilder::new("localhost", 143), caps, steps)
}

/// [`logged_in`] with a builder of the test's own (limits, pipeline depth...); plaintext.
pub fn logged_in_with(
    builder: ClientBuilder,
    caps: &str,
    steps: Vec<Step>,
) -> (Script, blocking_imap::Session) {
    let mut all = vec![
        s(GREETING),
        c("A0001 LOGIN u p\r\n"),
        s(&format!("A0001 OK [CAPABILITY {caps}] in\r\n")),
    ];
    all.extend(steps);
    let script = Script::new(all);
    let session = builder
        .security(Security::Plaintext)
        .connect_stream(script.clone())
        .expect("greeting")
        .login("u", "p")
        .expect("login");
    (script, session)
}

/// The SELECT every [`selected`] session starts with (`A0002`): INBOX with 100 messages, so
/// that commands of the selected state may be sent (the client refuses them before a SELECT).
pub const SELECT_INBOX: [&str; 2] = [
    "A0002 SELECT INBOX\r\n",
    "* 100 EXISTS\r\n* OK [UIDVALIDITY 1] v\r\n* OK [UIDNEXT 101] n\r\nA0002 OK [READ-WRITE] selected\r\n",
];

/// [`logged_in`], then INBOX selected ([`SELECT_INBOX`], tag `A0002`): the script's own steps
/// start at `A0003`.
pub fn selected(caps: &str, steps: Vec<Step>) -> (Script, blocking_imap::Session) {
    selected_with(ClientBuilder::new("localhost", 143), caps, steps)
}

/// [`selected`] with a builder of the test's own.
pub fn selected_with(
    builder: ClientBuilder,
    caps: &str,
    steps: Vec<Step>,
) -> (Script, blocking_imap::Session) {
    let mut all = vec![c(SELECT_INBOX[0]), s(SELECT_INBOX[1])];
    all.extend(steps);
    let (script, mut session) = logged_in_with(builder, caps, all);
    session.select("INBOX").expect("SELECT INBOX");
    (script, session)
}
