//! Where the project's second test server, Cyrus IMAP 3.6, runs (scripts/cyrus.sh, started
//! by scripts/test.sh after Dovecot). Used where Dovecot cannot show a feature.

use blocking_imap::{ClientBuilder, Security, Session};

/// Cyrus's address; `None` when the caller asked to skip server tests.
pub struct Cyrus {
    pub host: String,
    pub port: u16,
    /// Implicit TLS with Dovecot's certificate (trusted through `BLOCKING_IMAP_CA`), when
    /// scripts/cyrus.sh was given one.
    pub tls_port: Option<u16>,
}

/// Panics when Cyrus is not running and no skip variable is set: run scripts/test.sh.
pub fn cyrus() -> Option<Cyrus> {
    if std::env::var_os("BLOCKING_IMAP_CYRUS").is_none() {
        for skip in ["BLOCKING_IMAP_SKIP_CYRUS", "BLOCKING_IMAP_SKIP_DOVECOT"] {
            if std::env::var_os(skip).is_some() {
                eprintln!("skipped: {skip} is set");
                return None;
            }
        }
        panic!(
            "this test needs the project's Cyrus: run scripts/test.sh \
             (or set BLOCKING_IMAP_SKIP_CYRUS=1 to skip these tests)"
        );
    }
    let var = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} not set"));
    Some(Cyrus {
        host: var("BLOCKING_IMAP_CYRUS_HOST"),
        port: var("BLOCKING_IMAP_CYRUS_PORT").parse().unwrap(),
        tls_port: std::env::var("BLOCKING_IMAP_CYRUS_TLS_PORT")
            .ok()
            .map(|p| p.parse().unwrap()),
    })
}

impl Cyrus {
    /// Plaintext on the plain port.
    pub fn plain(&self) -> ClientBuilder {
        ClientBuilder::new(&self.host, self.port).security(Security::Plaintext)
    }

    /// Implicit TLS, trusting the test CA; `None` without a TLS port.
    pub fn tls(&self) -> Option<ClientBuilder> {
        let port = self.tls_port?;
        let ca = std::fs::read(std::env::var("BLOCKING_IMAP_CA").expect("BLOCKING_IMAP_CA"))
            .expect("read the test CA");
        Some(
            ClientBuilder::new("localhost", port)
                .add_root_certificate_pem(&ca)
                .unwrap(),
        )
    }

    /// A logged-in session: plaintext, or implicit TLS when BLOCKING_IMAP_TEST_OVER_TLS=1
    /// and Cyrus has a TLS port.
    pub fn login(&self, user: &str, password: &str) -> Session {
        let builder = match self.tls() {
            Some(tls) if super::dovecot::over_tls() => tls,
            _ => self.plain(),
        };
        builder
            .connect()
            .expect("connect to cyrus")
            .login(user, password)
            .expect("login to cyrus")
    }
}
