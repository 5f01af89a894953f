//! Where the project's test Dovecot runs (see scripts/dovecot.sh and scripts/test.sh).

use blocking_imap::{ClientBuilder, Security, Session};

/// The test server's address and certificate, or `None` when the caller asked to skip
/// server tests. Panics when neither is set: run the tests with scripts/test.sh.
pub struct Server {
    pub host: String,
    pub port: u16,
    pub tls_port: u16,
    pub ca: Vec<u8>,
}

pub fn server() -> Option<Server> {
    if std::env::var_os("BLOCKING_IMAP_DOVECOT").is_none() {
        if std::env::var_os("BLOCKING_IMAP_SKIP_DOVECOT").is_some() {
            eprintln!("skipped: BLOCKING_IMAP_SKIP_DOVECOT is set");
            return None;
        }
        panic!(
            "this test needs the project's Dovecot: run scripts/test.sh \
             (or set BLOCKING_IMAP_SKIP_DOVECOT=1 to skip server tests)"
        );
    }
    let var = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} not set"));
    Some(Server {
        host: var("BLOCKING_IMAP_HOST"),
        port: var("BLOCKING_IMAP_PORT").parse().unwrap(),
        tls_port: var("BLOCKING_IMAP_TLS_PORT").parse().unwrap(),
        ca: std::fs::read(var("BLOCKING_IMAP_CA")).expect("read the test CA"),
    })
}

impl Server {
    /// Plaintext on the plain port.
    pub fn plain(&self) -> ClientBuilder {
        ClientBuilder::new(&self.host, self.port).security(Security::Plaintext)
    }

    /// STARTTLS on the plain port, trusting the test CA.
    pub fn starttls(&self) -> ClientBuilder {
        ClientBuilder::new("localhost", self.port)
            .starttls()
            .add_root_certificate_pem(&self.ca)
            .unwrap()
    }

    /// Implicit TLS, trusting the test CA.
    pub fn tls(&self) -> ClientBuilder {
        ClientBuilder::new("localhost", self.tls_port)
            .add_root_certificate_pem(&self.ca)
            .unwrap()
    }

    /// A logged-in session: plaintext, or implicit TLS when BLOCKING_IMAP_TEST_OVER_TLS=1
    /// (scripts/test.sh sets it for the rustls run, to put whole command suites through TLS).
    pub fn login(&self, user: &str, password: &str) -> Session {
        let builder = if over_tls() { self.tls() } else { self.plain() };
        builder
            .connect()
            .expect("connect")
            .login(user, password)
            .expect("login")
    }
}

/// Should [`Server::login`] use implicit TLS?
pub fn over_tls() -> bool {
    std::env::var_os("BLOCKING_IMAP_TEST_OVER_TLS").is_some_and(|v| v == "1")
}

/// The certificate Dovecot serves and its PKCS#8 key (PEM), for fake TLS servers.
pub fn server_identity() -> (Vec<u8>, Vec<u8>) {
    let read = |var: &str| {
        let path = std::env::var(var).unwrap_or_else(|_| {
            panic!("{var} not set: use the env of a current scripts/dovecot.sh")
        });
        std::fs::read(&path).unwrap_or_else(|e| panic!("read {path}: {e}"))
    };
    (
        read("BLOCKING_IMAP_SERVER_CERT"),
        read("BLOCKING_IMAP_SERVER_KEY"),
    )
}
