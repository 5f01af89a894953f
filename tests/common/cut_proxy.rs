//! A TCP proxy between a client and an IMAP server that cuts connections at seeded
//! pseudo-random byte offsets, for fault-injection tests (tests/fault_injection.rs).
//!
//! Each connection gets one planned cut: a direction (client->server or server->client
//! bytes), an offset in that direction's bytes (exponential around a mean, or a few hundred
//! bytes inside a burst) and a kind (an RST or a FIN towards the client). Towards the server
//! a cut is always a clean FIN after the bytes forwarded, so that the server acts on
//! everything that reached it: the client cannot know whether its last command ran, which is
//! the case worth testing. A cut at a "boundary" forwards the whole chunk read (usually a
//! whole command, or a whole response) and then cuts: the command reaches the server, its
//! answer never reaches the client.
//!
//! After a cut, with some probability a burst starts: a flapping link, where each of the next
//! few connections is cut after a few hundred bytes, in the greeting, LOGIN, ENABLE or
//! SELECT of a reconnect.
//!
//! Cutting starts with [`CutProxy::start_cutting`] (so a test can log in and set up through
//! the proxy first) and ends with [`CutProxy::stop_cutting`] or after `max_cuts` cuts, so a
//! job can always finish. The proxy can also strip `MOVE` from the server's capability lists
//! (`* CAPABILITY ...` and `[CAPABILITY ...]` codes; never inside a literal), so the client
//! believes the server has no MOVE, and cut once when the client sends a command matching a
//! predicate (the answer to it is dropped and the connection cut).
//!
//! Everything random comes from a small seeded PRNG (splitmix64 to seed, xorshift64* to draw),
//! one stream per connection, so a seed replays the same plan for the same traffic.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

/// splitmix64: spreads a seed over 64 bits.
pub fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// xorshift64*, seeded through splitmix64. Not for anything secret.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(splitmix64(seed) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// In [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// In `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.next_u64() % (hi - lo + 1)
    }

    /// Exponentially distributed around `mean`, at least 1.
    pub fn exp(&mut self, mean: u64) -> u64 {
        let u = 1.0 - self.unit(); // (0, 1]
        ((-u.ln() * mean as f64) as u64).max(1)
    }
}

/// Which bytes a cut is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Client -> server.
    ToServer,
    /// Server -> client.
    ToClient,
}

impl Direction {
    fn index(self) -> usize {
        match self {
            Direction::ToServer => 0,
            Direction::ToClient => 1,
        }
    }

    fn arrow(self) -> &'static str {
        match self {
            Direction::ToServer => "client->server",
            Direction::ToClient => "server->client",
        }
    }
}

/// How the client sees the cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CutKind {
    /// A reset: the proxy closes the client's socket with SO_LINGER 0 (where it can set it:
    /// Linux and macOS), so the client's next read or write fails with ECONNRESET; elsewhere
    /// both directions are shut down at once.
    Rst,
    /// An orderly close: FIN to the client (its reads return end of stream), then close.
    Fin,
}

/// The proxy's settings.
#[derive(Debug, Clone)]
pub struct CutConfig {
    pub seed: u64,
    /// Mean client->server bytes before a cut planned in that direction.
    pub mean_bytes_to_server: u64,
    /// Mean server->client bytes before a cut planned in that direction.
    pub mean_bytes_to_client: u64,
    /// The direction mix: the share of cuts planned in server->client bytes.
    pub to_client_share: f64,
    /// The share of cuts that are RSTs (the rest are FINs).
    pub rst_share: f64,
    /// The share of cuts made at the end of the chunk that reaches the offset instead of
    /// inside it.
    pub boundary_share: f64,
    /// The chance that a cut starts a burst.
    pub burst_probability: f64,
    /// How many connections a burst cuts (inclusive range).
    pub burst_len: (u32, u32),
    /// Where a burst cuts, in client->server bytes (inclusive range).
    pub burst_bytes_to_server: (u64, u64),
    /// Where a burst cuts, in server->client bytes (inclusive range).
    pub burst_bytes_to_client: (u64, u64),
    /// No more cuts after this many (triggered cuts included).
    pub max_cuts: usize,
    /// Remove `MOVE` from the server's capability lists.
    pub strip_move: bool,
}

impl Default for CutConfig {
    fn default() -> Self {
        CutConfig {
            seed: 1,
            mean_bytes_to_server: 8000,
            mean_bytes_to_client: 2000,
            to_client_share: 0.5,
            rst_share: 0.5,
            boundary_share: 0.3,
            burst_probability: 0.2,
            burst_len: (1, 3),
            burst_bytes_to_server: (5, 120),
            burst_bytes_to_client: (20, 900),
            max_cuts: 16,
            strip_move: false,
        }
    }
}

/// One connection's planned cut.
#[derive(Debug, Clone, Copy)]
struct Plan {
    dir: Direction,
    /// In `dir`'s bytes since the connection opened.
    at: u64,
    kind: CutKind,
    boundary: bool,
}

/// Judges a chunk the client sent.
type Matcher = Box<dyn Fn(&[u8]) -> bool + Send>;

/// A cut on the next server->client bytes, armed by a client command.
struct Trigger {
    matches: Matcher,
    kind: CutKind,
    fired: bool,
}

struct ConnState {
    /// Bytes forwarded, by direction.
    sent: [u64; 2],
    plan: Option<Plan>,
    rng: Rng,
    /// Opened during a burst: cut early whatever the mean.
    burst: bool,
    /// Cut already: forward nothing more.
    dead: bool,
    /// A triggered cut waits for the server's answer.
    armed: Option<CutKind>,
    /// The start of the last command line the client sent, for the log.
    last_command: String,
}

struct Conn {
    id: usize,
    client: TcpStream,
    server: TcpStream,
    state: Mutex<ConnState>,
}

struct Shared {
    cfg: CutConfig,
    upstream: (String, u16),
    cutting: AtomicBool,
    closing: AtomicBool,
    connections: AtomicUsize,
    cuts: AtomicUsize,
    stripped: AtomicUsize,
    burst_left: Mutex<u32>,
    log: Mutex<Vec<String>>,
    trigger: Mutex<Option<Trigger>>,
}

/// The proxy; it stops accepting when dropped (connections still open run on).
pub struct CutProxy {
    port: u16,
    shared: Arc<Shared>,
}

impl CutProxy {
    /// Listens on 127.0.0.1 (a free port) and forwards each connection to `host:port`.
    /// Cutting is off until [`start_cutting`](Self::start_cutting).
    pub fn start(host: &str, port: u16, cfg: CutConfig) -> CutProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let own = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            cfg,
            upstream: (host.to_string(), port),
            cutting: AtomicBool::new(false),
            closing: AtomicBool::new(false),
            connections: AtomicUsize::new(0),
            cuts: AtomicUsize::new(0),
            stripped: AtomicUsize::new(0),
            burst_left: Mutex::new(0),
            log: Mutex::new(Vec::new()),
            trigger: Mutex::new(None),
        });
        let sh = shared.clone();
        thread::Builder::new()
            .name(format!("cut-proxy-{own}"))
            .spawn(move || accept_loop(listener, sh))
            .unwrap();
        CutProxy { port: own, shared }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Cut from now on (connections already open plan their cut from their next bytes).
    pub fn start_cutting(&self) {
        self.shared.cutting.store(true, Ordering::SeqCst);
    }

    /// No more random cuts (a trigger still fires).
    pub fn stop_cutting(&self) {
        self.shared.cutting.store(false, Ordering::SeqCst);
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Connections cut so far.
    pub fn cuts(&self) -> usize {
        self.shared.cuts.load(Ordering::SeqCst)
    }

    /// Capability lists that had `MOVE` removed.
    pub fn stripped(&self) -> usize {
        self.shared.stripped.load(Ordering::SeqCst)
    }

    /// One line per cut: which connection, where, how, during which command.
    pub fn log(&self) -> Vec<String> {
        self.shared.log.lock().unwrap().clone()
    }

    /// Once, when a chunk the client sends satisfies `matches` (called on every chunk the
    /// client sends, on every connection, also after it fired): forward it, drop the server's
    /// answer and cut the connection with `kind`. Independent of start/stop_cutting.
    pub fn cut_when_client_sends(
        &self,
        matches: impl Fn(&[u8]) -> bool + Send + 'static,
        kind: CutKind,
    ) {
        *self.shared.trigger.lock().unwrap() = Some(Trigger {
            matches: Box::new(matches),
            kind,
            fired: false,
        });
    }
}

impl Drop for CutProxy {
    fn drop(&mut self) {
        self.shared.closing.store(true, Ordering::SeqCst);
        // Wake the accept.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for client in listener.incoming() {
        if shared.closing.load(Ordering::SeqCst) {
            return;
        }
        let Ok(client) = client else { continue };
        let id = shared.connections.fetch_add(1, Ordering::SeqCst);
        let Ok(server) = TcpStream::connect((shared.upstream.0.as_str(), shared.upstream.1)) else {
            continue; // the client sees its connection closed
        };
        let _ = client.set_nodelay(true);
        let _ = server.set_nodelay(true);
        // A burst cuts the connections that open while it lasts.
        let burst = shared.cutting.load(Ordering::SeqCst) && {
            let mut left = shared.burst_left.lock().unwrap();
            if *left > 0 {
                *left -= 1;
                true
            } else {
                false
            }
        };
        let conn = Arc::new(Conn {
            id,
            state: Mutex::new(ConnState {
                sent: [0, 0],
                plan: None,
                rng: Rng::new(shared.cfg.seed ^ (id as u64).wrapping_mul(0xA076_1D64_78BD_642F)),
                burst,
                dead: false,
                armed: None,
                last_command: "none yet".into(),
            }),
            client,
            server,
        });
        for dir in [Direction::ToServer, Direction::ToClient] {
            let (from, to) = match dir {
                Direction::ToServer => (&conn.client, &conn.server),
                Direction::ToClient => (&conn.server, &conn.client),
            };
            let (Ok(from), Ok(to)) = (from.try_clone(), to.try_clone()) else {
                continue;
            };
            let (sh, c) = (shared.clone(), conn.clone());
            thread::spawn(move || pump(&sh, &c, dir, from, to));
        }
    }
}

/// What to do with a chunk: forward its first `forward` bytes, then cut or not.
struct Action {
    forward: usize,
    cut: Option<CutKind>,
}

fn pump(shared: &Shared, conn: &Conn, dir: Direction, mut from: TcpStream, mut to: TcpStream) {
    let mut buf = vec![0u8; 16 * 1024];
    let mut strip = (dir == Direction::ToClient && shared.cfg.strip_move).then(CapStrip::default);
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let data: Vec<u8> = match strip.as_mut() {
            Some(s) => {
                let (out, stripped) = s.feed(&buf[..n]);
                shared.stripped.fetch_add(stripped, Ordering::SeqCst);
                out
            }
            None => buf[..n].to_vec(),
        };
        let action = decide(shared, conn, dir, &data);
        if action.forward > 0 && to.write_all(&data[..action.forward]).is_err() {
            break;
        }
        if let Some(kind) = action.cut {
            cut(conn, kind);
            return;
        }
        if conn.state.lock().unwrap().dead {
            return;
        }
    }
    if conn.state.lock().unwrap().dead {
        return; // woken by a cut: the cut decides what the client sees
    }
    // The sender closed (or failed): pass the end on, half-close as TCP does.
    let _ = to.shutdown(Shutdown::Write);
}

fn decide(shared: &Shared, conn: &Conn, dir: Direction, data: &[u8]) -> Action {
    let cfg = &shared.cfg;
    let len = data.len() as u64;
    let mut st = conn.state.lock().unwrap();
    if st.dead {
        return Action {
            forward: 0,
            cut: None,
        };
    }
    let d = dir.index();
    if dir == Direction::ToServer {
        if let Some(line) = command_start(data) {
            st.last_command = line;
        }
        if let Some(t) = shared.trigger.lock().unwrap().as_mut() {
            if (t.matches)(data) && !t.fired {
                t.fired = true;
                st.armed = Some(t.kind);
            }
        }
    } else if let Some(kind) = st.armed.take() {
        // The answer to the triggering command: dropped, and the connection cut.
        st.dead = true;
        let n = shared.cuts.fetch_add(1, Ordering::SeqCst) + 1;
        let what = format!(
            "cut {n}: conn {} {kind:?} instead of the answer to {:?} (trigger)",
            conn.id, st.last_command
        );
        shared.log.lock().unwrap().push(what);
        return Action {
            forward: 0,
            cut: Some(kind),
        };
    }
    let cutting =
        shared.cutting.load(Ordering::SeqCst) && shared.cuts.load(Ordering::SeqCst) < cfg.max_cuts;
    if !cutting {
        st.sent[d] += len;
        return Action {
            forward: data.len(),
            cut: None,
        };
    }
    if st.plan.is_none() {
        let plan = draw_plan(cfg, &mut st);
        st.plan = Some(plan);
    }
    let plan = st.plan.unwrap();
    if plan.dir == dir && st.sent[d] + len >= plan.at {
        let forward = if plan.boundary {
            data.len()
        } else {
            (plan.at - st.sent[d]) as usize
        };
        st.sent[d] += forward as u64;
        st.dead = true;
        let n = shared.cuts.fetch_add(1, Ordering::SeqCst) + 1;
        // A burst may follow (not from a cut inside a burst).
        let mut burst_note = String::new();
        if !st.burst && st.rng.chance(cfg.burst_probability) {
            let k = st
                .rng
                .range(u64::from(cfg.burst_len.0), u64::from(cfg.burst_len.1));
            *shared.burst_left.lock().unwrap() = k as u32;
            burst_note = format!(", starts a burst of {k}");
        }
        let what = format!(
            "cut {n}: conn {} {:?} after {} {} bytes{}{} (last command {:?}{})",
            conn.id,
            plan.kind,
            st.sent[d],
            dir.arrow(),
            if plan.boundary { " at a chunk end" } else { "" },
            if st.burst { " [burst]" } else { "" },
            st.last_command,
            burst_note
        );
        shared.log.lock().unwrap().push(what);
        return Action {
            forward,
            cut: Some(plan.kind),
        };
    }
    st.sent[d] += len;
    Action {
        forward: data.len(),
        cut: None,
    }
}

/// Draws a connection's cut, counted from the bytes it has forwarded so far.
fn draw_plan(cfg: &CutConfig, st: &mut ConnState) -> Plan {
    let rng = &mut st.rng;
    let dir = if rng.chance(cfg.to_client_share) {
        Direction::ToClient
    } else {
        Direction::ToServer
    };
    let kind = if rng.chance(cfg.rst_share) {
        CutKind::Rst
    } else {
        CutKind::Fin
    };
    let boundary = rng.chance(cfg.boundary_share);
    let offset = match (st.burst, dir) {
        (true, Direction::ToServer) => {
            rng.range(cfg.burst_bytes_to_server.0, cfg.burst_bytes_to_server.1)
        }
        (true, Direction::ToClient) => {
            rng.range(cfg.burst_bytes_to_client.0, cfg.burst_bytes_to_client.1)
        }
        (false, Direction::ToServer) => rng.exp(cfg.mean_bytes_to_server),
        (false, Direction::ToClient) => rng.exp(cfg.mean_bytes_to_client),
    };
    Plan {
        dir,
        at: st.sent[dir.index()] + offset,
        kind,
        boundary,
    }
}

/// Cuts both sides. The server always gets a FIN after what was forwarded; the client a FIN
/// or a reset. Shutting down the read sides wakes the other pump, and the sockets close when
/// both pumps are gone.
fn cut(conn: &Conn, kind: CutKind) {
    match kind {
        CutKind::Rst => {
            if set_linger_zero(&conn.client) {
                // Closed with linger 0 when the last handle goes: a reset. Wake the pump
                // reading the client without sending anything now.
                let _ = conn.client.shutdown(Shutdown::Read);
            } else {
                let _ = conn.client.shutdown(Shutdown::Both);
            }
        }
        CutKind::Fin => {
            let _ = conn.client.shutdown(Shutdown::Write);
            let _ = conn.client.shutdown(Shutdown::Read);
        }
    }
    let _ = conn.server.shutdown(Shutdown::Both);
}

/// SO_LINGER 0: closing the socket then sends a RST instead of a FIN.
fn set_linger_zero(s: &TcpStream) -> bool {
    socket2::SockRef::from(s)
        .set_linger(Some(std::time::Duration::ZERO))
        .is_ok()
}

/// `A0012 APPEND fi-...` from a chunk that starts with a command line (a tag of a letter and
/// digits), at most 60 bytes.
fn command_start(data: &[u8]) -> Option<String> {
    let end = data
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(data.len())
        .min(60);
    let line = std::str::from_utf8(&data[..end]).ok()?;
    let tag = line.split(' ').next()?;
    let tag_like = tag.len() >= 2
        && tag.as_bytes()[0].is_ascii_alphabetic()
        && tag[1..].bytes().all(|b| b.is_ascii_digit());
    (tag_like && line.contains(' ')).then(|| line.to_string())
}

/// Removes `MOVE` from server capability lists, line by line; literals pass untouched.
#[derive(Default)]
pub struct CapStrip {
    /// The current line, until its LF.
    line: Vec<u8>,
    /// Literal bytes still to pass through.
    literal_left: u64,
}

impl CapStrip {
    /// The bytes to forward (a partial line is held until its end) and how many lines
    /// lost a MOVE.
    pub fn feed(&mut self, input: &[u8]) -> (Vec<u8>, usize) {
        let mut out = Vec::with_capacity(input.len());
        let mut stripped = 0;
        let mut i = 0;
        while i < input.len() {
            if self.literal_left > 0 {
                let k = (self.literal_left.min((input.len() - i) as u64)) as usize;
                out.extend_from_slice(&input[i..i + k]);
                i += k;
                self.literal_left -= k as u64;
                continue;
            }
            match input[i..].iter().position(|&b| b == b'\n') {
                Some(p) => {
                    self.line.extend_from_slice(&input[i..=i + p]);
                    i += p + 1;
                    let line = std::mem::take(&mut self.line);
                    self.literal_left = literal_len(&line);
                    match strip_move(&line) {
                        Some(new) => {
                            stripped += 1;
                            out.extend_from_slice(&new);
                        }
                        None => out.extend_from_slice(&line),
                    }
                }
                None => {
                    self.line.extend_from_slice(&input[i..]);
                    i = input.len();
                }
            }
        }
        (out, stripped)
    }
}

/// The length of the literal a line announces at its end (`{123}\r\n`), or 0.
fn literal_len(line: &[u8]) -> u64 {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let Some(body) = line.strip_suffix(b"}") else {
        return 0;
    };
    let Some(open) = body.iter().rposition(|&b| b == b'{') else {
        return 0;
    };
    let digits = &body[open + 1..];
    let digits = digits.strip_suffix(b"+").unwrap_or(digits);
    std::str::from_utf8(digits)
        .ok()
        .and_then(|d| d.parse().ok())
        .unwrap_or(0)
}

/// The line without the `MOVE` capability, if it is a capability list that has it:
/// `* CAPABILITY ...`, or a status line (`* OK`, `* PREAUTH`, `tag OK`...) with a
/// `[CAPABILITY ...]` code.
pub fn strip_move(line: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(line).ok()?;
    let body = text.trim_end_matches(['\r', '\n']);
    let ending = &text[body.len()..];
    let without = |list: &str| -> Option<String> {
        let words: Vec<&str> = list.split(' ').collect();
        let kept: Vec<&str> = words
            .iter()
            .copied()
            .filter(|w| !w.eq_ignore_ascii_case("MOVE"))
            .collect();
        (kept.len() != words.len()).then(|| kept.join(" "))
    };
    let mut words = body.splitn(3, ' ');
    let (first, second) = (words.next()?, words.next()?);
    if first == "*" && second.eq_ignore_ascii_case("CAPABILITY") {
        let list = words.next()?;
        return Some(format!("* {second} {}{ending}", without(list)?).into_bytes());
    }
    let status = ["OK", "PREAUTH", "NO", "BAD", "BYE"]
        .iter()
        .any(|s| second.eq_ignore_ascii_case(s));
    if !status {
        return None;
    }
    let rest = words.next()?;
    let upper = rest.to_ascii_uppercase();
    if !upper.starts_with("[CAPABILITY ") {
        return None;
    }
    let close = rest.find(']')?;
    let list = &rest["[CAPABILITY ".len()..close];
    Some(
        format!(
            "{first} {second} {}{}{}{ending}",
            &rest[..="[CAPABILITY".len()],
            without(list)?,
            &rest[close..]
        )
        .into_bytes(),
    )
}
