//! Command-line options shared by the examples: where to connect and who to log in as.
//! Credentials come from flags and the environment, never from the source.
#![allow(dead_code)]

pub mod tools;

use std::process::exit;
use std::time::Duration;

use blocking_imap::{ClientBuilder, Security, Session};

pub struct Args {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub user: String,
    pub password_env: String,
    pub ca: Option<String>,
    pub danger_accept_invalid_certs: bool,
    /// `--record PATH`: a transcript of the session for offline tests (the `testing` feature).
    pub record: Option<String>,
    /// Flags the example itself understands, with their values.
    pub rest: Vec<(String, Option<String>)>,
    /// The builder a URL made (`--url`, or `IMAP_URL`), with the host, port and security it
    /// was made for: [`builder`](Args::builder) starts from it while those are unchanged, so
    /// that connect errors speak of `imap://` / `imaps://`.
    url_builder: Option<(ClientBuilder, String, u16, Security)>,
    /// The password read by `ClientBuilder::from_env` (`IMAP_PASSWORD` or
    /// `IMAP_PASSWORD_FILE`), when no connection flag was given.
    env_password: Option<String>,
}

pub const USAGE: &str = "(--url imaps://USER@HOST[:PORT] | --host H --port P \
    --tls implicit|starttls|none --user U) [--password-env VAR] [--ca PEM_FILE] \
    [--danger-accept-invalid-certs] [--record TRANSCRIPT]   (or, with none of the first six \
    flags, IMAP_URL and IMAP_PASSWORD or IMAP_PASSWORD_FILE, and IMAP_CA, in the environment)";

/// The one cancel handle of the process: every connection the examples make obeys it, and
/// Ctrl-C ([`tools::on_ctrl_c`]) cancels it, so a blocked read or write returns at once.
pub fn cancel() -> &'static blocking_imap::CancelHandle {
    static HANDLE: std::sync::OnceLock<blocking_imap::CancelHandle> = std::sync::OnceLock::new();
    HANDLE.get_or_init(blocking_imap::CancelHandle::new)
}

pub fn die(msg: impl std::fmt::Display) -> ! {
    if tools::interrupted() {
        // Whatever failed, it failed because of Ctrl-C.
        eprintln!("interrupted");
        exit(tools::EXIT_INTERRUPTED)
    }
    eprintln!("error: {msg}");
    exit(1)
}

impl Args {
    /// Parses the process arguments; `extra` lists the example's own flags and whether each
    /// takes a value.
    pub fn parse(extra: &[(&str, bool)]) -> Args {
        let mut a = Args {
            host: "127.0.0.1".into(),
            port: 0,
            security: Security::Tls,
            user: String::new(),
            password_env: "IMAP_PASSWORD".into(),
            ca: None,
            danger_accept_invalid_certs: false,
            record: None,
            rest: Vec::new(),
            url_builder: None,
            env_password: None,
        };
        let (mut url, mut host_given, mut port_given, mut tls_given) = (None, false, false, false);
        let (mut user_given, mut password_env_given) = (false, false);
        let mut it = std::env::args().skip(1);
        while let Some(flag) = it.next() {
            let mut value = |name: &str| {
                it.next()
                    .unwrap_or_else(|| die(format!("{name} needs a value")))
            };
            match flag.as_str() {
                "--url" => url = Some(value("--url")),
                "--host" => {
                    host_given = true;
                    a.host = value("--host")
                }
                "--port" => {
                    port_given = true;
                    a.port = value("--port")
                        .parse()
                        .unwrap_or_else(|_| die("--port must be a number"))
                }
                "--tls" => {
                    tls_given = true;
                    a.security = match value("--tls").as_str() {
                        "implicit" => Security::Tls,
                        "starttls" => Security::StartTls,
                        "none" => Security::Plaintext,
                        other => die(format!("--tls {other}: use implicit, starttls or none")),
                    }
                }
                "--user" => {
                    user_given = true;
                    a.user = value("--user")
                }
                "--password-env" => {
                    password_env_given = true;
                    a.password_env = value("--password-env")
                }
                "--ca" => a.ca = Some(value("--ca")),
                "--danger-accept-invalid-certs" => a.danger_accept_invalid_certs = true,
                "--record" => a.record = Some(value("--record")),
                "-h" | "--help" => {
                    let own: Vec<String> = extra
                        .iter()
                        .map(|(f, v)| {
                            if *v {
                                format!("[{f} V]")
                            } else {
                                format!("[{f}]")
                            }
                        })
                        .collect();
                    println!("usage: {USAGE} {}", own.join(" "));
                    exit(0)
                }
                other => match extra.iter().find(|(f, _)| *f == other) {
                    Some((f, true)) => {
                        let v = value(f);
                        a.rest.push((other.to_string(), Some(v)))
                    }
                    Some((_, false)) => a.rest.push((other.to_string(), None)),
                    None => die(format!("unknown flag {other}; usage: {USAGE}")),
                },
            }
        }
        // No connection flag at all: everything from the environment (ClientBuilder::from_env).
        if url.is_none()
            && !(host_given || port_given || tls_given || user_given || password_env_given)
        {
            let env = ClientBuilder::from_env().unwrap_or_else(|e| {
                die(format!(
                    "{e} (or give --url / --host; see --help)",
                    e = e.to_string().trim_start_matches("invalid argument: ")
                ))
            });
            let (host, port, security, _) =
                url_parts(&std::env::var("IMAP_URL").unwrap_or_default());
            (a.host, a.port, a.security, a.user) = (host, port, security, env.user.clone());
            a.url_builder = Some((env.builder.clone(), a.host.clone(), a.port, a.security));
            a.env_password = Some(env.password.clone());
            return a;
        }
        // `--url` (or IMAP_URL when no --host is given); explicit flags win over it.
        if url.is_none() && !host_given {
            url = std::env::var("IMAP_URL").ok().filter(|u| !u.is_empty());
        }
        if let Some(u) = url {
            let (host, port, security, user) = url_parts(&u);
            if let Ok(b) = ClientBuilder::from_url(&u) {
                a.url_builder = Some((b, host.clone(), port, security));
            }
            if !host_given {
                a.host = host;
            }
            if !port_given {
                a.port = port;
            }
            if !tls_given {
                a.security = security;
            }
            if a.user.is_empty() {
                a.user = user;
            }
        }
        if a.port == 0 {
            a.port = match a.security {
                Security::Tls => 993,
                _ => 143,
            };
        }
        if a.user.is_empty() {
            die("--user (or a user in --url) is required")
        }
        a
    }

    /// The settings of one account given as a URL alone (`imaps://user@host[:port]`, or
    /// `imap://` for STARTTLS), for tools that talk to two servers (migrate).
    pub fn from_url(url: &str, password_env: &str, ca: Option<&str>, danger: bool) -> Args {
        let (host, port, security, user) = url_parts(url);
        if user.is_empty() {
            die(format!("no user in {url} (imaps://USER@HOST)"));
        }
        let url_builder = ClientBuilder::from_url(url)
            .ok()
            .map(|b| (b, host.clone(), port, security));
        Args {
            host,
            port: if port != 0 {
                port
            } else if security == Security::Tls {
                993
            } else {
                143
            },
            security,
            user,
            password_env: password_env.to_string(),
            ca: ca.map(str::to_string),
            danger_accept_invalid_certs: danger,
            record: None,
            rest: Vec::new(),
            url_builder,
            env_password: None,
        }
    }

    /// The value of one of the example's own flags.
    pub fn get(&self, flag: &str) -> Option<&str> {
        self.rest
            .iter()
            .find(|(f, _)| f == flag)
            .and_then(|(_, v)| v.as_deref())
    }

    /// Was one of the example's own switches given?
    pub fn has(&self, flag: &str) -> bool {
        self.rest.iter().any(|(f, _)| f == flag)
    }

    pub fn builder(&self) -> ClientBuilder {
        let base = match &self.url_builder {
            Some((b, host, port, security))
                if (host, *port, *security) == (&self.host, self.port, self.security) =>
            {
                b.clone()
            }
            _ => ClientBuilder::new(&self.host, self.port),
        };
        let mut b = base
            .cancel_with(cancel())
            .security(self.security)
            .connect_timeout(Duration::from_secs(10))
            .danger_accept_invalid_certs(self.danger_accept_invalid_certs);
        if let Some(path) = &self.ca {
            let pem = std::fs::read(path).unwrap_or_else(|e| die(format!("--ca {path}: {e}")));
            b = b
                .add_root_certificate_pem(&pem)
                .unwrap_or_else(|e| die(format!("--ca {path}: {e}")));
        }
        if let Some(path) = &self.record {
            #[cfg(feature = "testing")]
            {
                let recorder = blocking_imap::testing::Recorder::create(path)
                    .unwrap_or_else(|e| die(format!("--record {path}: {e}")));
                b = b.record_to(recorder);
            }
            #[cfg(not(feature = "testing"))]
            die(format!("--record {path}: build with `--features testing`"));
        }
        b
    }

    /// Connects and logs in, or exits with a one-line error.
    pub fn login(&self) -> Session {
        let password = self.password();
        let client = self.builder().connect().unwrap_or_else(|e| die(e));
        client
            .login(&self.user, &password)
            .unwrap_or_else(|e| die(format!("login as {}: {}", self.user, e.error)))
    }
}

impl Args {
    /// The password: from `IMAP_PASSWORD` / `IMAP_PASSWORD_FILE` when everything came from the
    /// environment, else from the variable `--password-env` names; exits when it is not set.
    pub fn password(&self) -> String {
        if let Some(p) = &self.env_password {
            return p.clone();
        }
        std::env::var(&self.password_env).unwrap_or_else(|_| {
            die(format!(
                "set the password in the environment variable {}",
                self.password_env
            ))
        })
    }
}

/// Host, port (0 when the URL has none), security (implicit TLS for `imaps:`, STARTTLS for
/// `imap:`) and user of an IMAP URL; exits with a one-line error for a bad one.
fn url_parts(url: &str) -> (String, u16, Security, String) {
    let b = ClientBuilder::from_url(url).unwrap_or_else(|e| die(e));
    let server = b.server();
    let (host, port) = server.rsplit_once(':').unwrap_or((&server, "0"));
    let security = if url.to_ascii_lowercase().starts_with("imaps:") {
        Security::Tls
    } else {
        Security::StartTls
    };
    (
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
        port.parse().unwrap_or(0),
        security,
        b.user().unwrap_or_default().to_string(),
    )
}

/// The Message-ID of a header block (`Message-ID: <x>` possibly folded), trimmed.
pub fn message_id(header: &[u8]) -> Option<Vec<u8>> {
    let text = String::from_utf8_lossy(header);
    let mut value: Option<String> = None;
    for line in text.split("\r\n").flat_map(|l| l.split('\n')) {
        match &mut value {
            Some(v) if line.starts_with([' ', '\t']) => v.push_str(line),
            Some(_) => break,
            None => {
                if let Some((name, rest)) = line.split_once(':') {
                    if name.trim().eq_ignore_ascii_case("message-id") {
                        value = Some(rest.to_string());
                    }
                }
            }
        }
    }
    let id = value?.trim().to_string();
    (!id.is_empty()).then(|| id.into_bytes())
}

/// The copies of each Message-ID after the first: the copy with the lowest UID is the one
/// kept, whatever order the messages are seen in.
#[derive(Default)]
pub struct Duplicates {
    first: std::collections::HashMap<Vec<u8>, blocking_imap::Uid>,
    later: Vec<(blocking_imap::Uid, Vec<u8>)>,
}

impl Duplicates {
    /// Notes one message.
    pub fn see(&mut self, uid: blocking_imap::Uid, id: Vec<u8>) {
        match self.first.get_mut(&id) {
            None => {
                self.first.insert(id, uid);
            }
            Some(kept) if uid < *kept => {
                // Servers send in UID order, but do not count on it.
                self.later.push((*kept, id));
                *kept = uid;
            }
            Some(_) => self.later.push((uid, id)),
        }
    }

    /// The duplicates found, by UID.
    pub fn into_sorted(mut self) -> Vec<(blocking_imap::Uid, Vec<u8>)> {
        self.later.sort_unstable();
        self.later
    }
}
