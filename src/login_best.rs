//! [`Client::login_best`]: the strongest password mechanism the server offers.

use std::fmt;

#[cfg(feature = "scram")]
use crate::auth::Authenticator;
use crate::auth::Plain;
use crate::client::{Client, LoginError};
use crate::error::{Error, Result};
use crate::session::Session;
use crate::types::Capabilities;

/// A way to log in with a user name and a password, as [`Client::login_best`] chooses it
/// ([`Client::password_mechanism`] tells which one it would take).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PasswordMechanism {
    /// AUTHENTICATE SCRAM-SHA-256-PLUS: SCRAM-SHA-256 bound to the TLS connection
    /// (`ScramSha256::plus`, RFC 5056; the `scram` feature).
    ScramSha256Plus,
    /// AUTHENTICATE SCRAM-SHA-1-PLUS (`ScramSha1::plus`).
    ScramSha1Plus,
    /// AUTHENTICATE SCRAM-SHA-256 (`ScramSha256`, RFC 7677; the `scram` feature).
    ScramSha256,
    /// AUTHENTICATE SCRAM-SHA-1 (`ScramSha1`, RFC 5802; the `scram` feature).
    ScramSha1,
    /// AUTHENTICATE PLAIN ([`Plain`], RFC 4616): the password in the clear, inside the
    /// connection's TLS if it has any.
    Plain,
    /// The LOGIN command ([`Client::login`]): the password in the clear, likewise.
    Login,
}

impl PasswordMechanism {
    /// The name: `"SCRAM-SHA-256"`, `"SCRAM-SHA-1"`, `"PLAIN"` or `"LOGIN"`.
    pub fn name(self) -> &'static str {
        match self {
            PasswordMechanism::ScramSha256Plus => "SCRAM-SHA-256-PLUS",
            PasswordMechanism::ScramSha1Plus => "SCRAM-SHA-1-PLUS",
            PasswordMechanism::ScramSha256 => "SCRAM-SHA-256",
            PasswordMechanism::ScramSha1 => "SCRAM-SHA-1",
            PasswordMechanism::Plain => "PLAIN",
            PasswordMechanism::Login => "LOGIN",
        }
    }
}

impl fmt::Display for PasswordMechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Client {
    /// The mechanism [`login_best`](Self::login_best) would use for `user` and `password`:
    /// the first of these that the server offers (sends CAPABILITY if the greeting did not
    /// list the capabilities):
    ///
    /// 1. `AUTH=SCRAM-SHA-256-PLUS`, then `AUTH=SCRAM-SHA-1-PLUS`, when the connection's
    ///    TLS gives channel binding data (native-tls; rustls over TLS 1.3): SCRAM bound to
    ///    this TLS connection.
    /// 2. `AUTH=SCRAM-SHA-256`, then `AUTH=SCRAM-SHA-1` (with the `scram` cargo feature,
    ///    on by default): the password never crosses the wire and the server must prove that
    ///    it knows it. Skipped when SASLprep refuses the user name or password (a control
    ///    character, say: see `ScramSha256`). When the connection has channel binding data
    ///    but the server offers no `-PLUS` mechanism, the exchange says so (GS2 header `y`,
    ///    RFC 5802 section 6): a server that supports binding then refuses it, which
    ///    catches a man in the middle who struck `-PLUS` from the capabilities.
    /// 3. `AUTH=PLAIN`: the password in the clear (inside TLS if the connection has it).
    ///    Preferred to LOGIN because it carries UTF-8 as it is, with no quoting rules.
    /// 4. LOGIN, unless the server says `LOGINDISABLED`.
    ///
    /// Like [`login`](Self::login), PLAIN and LOGIN are used without TLS when the server
    /// offers them there (servers that refuse plaintext passwords say `LOGINDISABLED` and
    /// leave out `AUTH=PLAIN`); choose [`Security`](crate::Security) to decide whether the
    /// connection is encrypted.
    ///
    /// Errors: [`Error::MissingCapability`] when the server offers none of these (no SCRAM,
    /// no PLAIN, and `LOGINDISABLED`); the errors of CAPABILITY.
    pub fn password_mechanism(&mut self, user: &str, password: &str) -> Result<PasswordMechanism> {
        self.mechanism_choice(user, password).map(|(m, _)| m)
    }

    /// [`password_mechanism`](Self::password_mechanism)'s choice, and whether the server
    /// offers a `-PLUS` mechanism (which decides SCRAM's GS2 header).
    fn mechanism_choice(
        &mut self,
        user: &str,
        password: &str,
    ) -> Result<(PasswordMechanism, bool)> {
        let bound = self.channel_binding().is_some();
        // SASLprep is the same for both hashes (see `Scram::prepared`): one check does.
        #[cfg(feature = "scram")]
        let scram_ok = crate::auth::ScramSha256::new(user, password)
            .validate()
            .is_ok();
        #[cfg(not(feature = "scram"))]
        let scram_ok = {
            let _ = (user, password);
            false
        };
        let caps = self.capabilities()?;
        let plus_offered = plus_offered(caps);
        match choose(caps, bound, scram_ok) {
            Some(m) => Ok((m, plus_offered)),
            None => Err(Error::MissingCapability(
                "a password mechanism (AUTH=SCRAM-SHA-256, AUTH=SCRAM-SHA-1 or AUTH=PLAIN; \
                 the server says LOGINDISABLED)"
                    .into(),
            )),
        }
    }

    /// Logs in with `user` and `password` through the strongest mechanism the server
    /// offers: SCRAM-SHA-256, SCRAM-SHA-1, PLAIN, then LOGIN (the order and the rules are
    /// [`password_mechanism`](Self::password_mechanism)'s). The choice is logged at DEBUG
    /// (`login_best: SCRAM-SHA-256`).
    ///
    /// A failure is not retried with a weaker mechanism: a wrong password would count
    /// twice against the account, and a server that offers SCRAM but cannot use it for
    /// this user (its passwords stored hashed in another scheme) is a server to fix; the
    /// client comes back in the [`LoginError`] for the caller to try [`login`](Self::login).
    ///
    /// ```no_run
    /// # let client = blocking_imap::ClientBuilder::new("imap.example.com", 993).connect()?;
    /// let password = std::env::var("IMAP_PASSWORD").unwrap_or_default();
    /// let session = client.login_best("me@example.com", &password)?;
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: those of [`password_mechanism`](Self::password_mechanism), then those of
    /// [`authenticate`](Self::authenticate) (with the SCRAM errors of
    /// `ScramSha256`) or [`login`](Self::login): [`Error::No`] for
    /// rejected credentials. The client comes back in the [`LoginError`].
    // LoginError carries the client back for another try; at 128 bytes it is not worth a
    // box on a call made once per connection.
    #[allow(clippy::result_large_err)]
    pub fn login_best(mut self, user: &str, password: &str) -> Result<Session, LoginError> {
        let (mechanism, plus_offered) = match self.mechanism_choice(user, password) {
            Ok(choice) => choice,
            Err(error) => {
                return Err(LoginError {
                    error,
                    client: Box::new(self),
                })
            }
        };
        log::debug!("login_best: {mechanism}");
        #[cfg(not(feature = "scram"))]
        let _ = plus_offered;
        // Through `authenticate_with`, so that the session can authenticate again on
        // `Session::reconnect` (the secrets stay in memory only, never logged).
        let (u, p) = (user.to_string(), password.to_string());
        match mechanism {
            #[cfg(feature = "scram")]
            PasswordMechanism::ScramSha256Plus => self.authenticate_with(move || {
                Box::new(crate::auth::ScramSha256::new(&u, &p).plus())
                    as Box<dyn crate::auth::Authenticator>
            }),
            #[cfg(feature = "scram")]
            PasswordMechanism::ScramSha1Plus => self.authenticate_with(move || {
                Box::new(crate::auth::ScramSha1::new(&u, &p).plus())
                    as Box<dyn crate::auth::Authenticator>
            }),
            // No -PLUS on offer: a connection with binding data says so in the GS2 header
            // (`y`), so that a server that binds after all (the -PLUS struck out on the way)
            // fails the exchange. With -PLUS offered (and no binding data here), `n`.
            #[cfg(feature = "scram")]
            PasswordMechanism::ScramSha256 => self.authenticate_with(move || {
                let mut a = crate::auth::ScramSha256::new(&u, &p);
                if !plus_offered {
                    a = a.no_plus_offered();
                }
                Box::new(a) as Box<dyn crate::auth::Authenticator>
            }),
            #[cfg(feature = "scram")]
            PasswordMechanism::ScramSha1 => self.authenticate_with(move || {
                let mut a = crate::auth::ScramSha1::new(&u, &p);
                if !plus_offered {
                    a = a.no_plus_offered();
                }
                Box::new(a) as Box<dyn crate::auth::Authenticator>
            }),
            PasswordMechanism::Plain => self.authenticate_with(move || {
                Box::new(Plain::new(&u, &p)) as Box<dyn crate::auth::Authenticator>
            }),
            PasswordMechanism::Login => self.login(user, password),
            #[cfg(not(feature = "scram"))]
            PasswordMechanism::ScramSha256
            | PasswordMechanism::ScramSha1
            | PasswordMechanism::ScramSha256Plus
            | PasswordMechanism::ScramSha1Plus => self.login(user, password),
        }
    }
}

/// Does the server offer a `-PLUS` SCRAM mechanism?
fn plus_offered(caps: &Capabilities) -> bool {
    caps.has_auth("SCRAM-SHA-256-PLUS") || caps.has_auth("SCRAM-SHA-1-PLUS")
}

/// The strongest mechanism `caps` offers: `bound`, the connection has channel binding data;
/// `scram_ok`, SASLprep accepts the user name and password (and SCRAM is compiled in).
fn choose(caps: &Capabilities, bound: bool, scram_ok: bool) -> Option<PasswordMechanism> {
    let order = [
        (PasswordMechanism::ScramSha256Plus, bound && scram_ok),
        (PasswordMechanism::ScramSha1Plus, bound && scram_ok),
        (PasswordMechanism::ScramSha256, scram_ok),
        (PasswordMechanism::ScramSha1, scram_ok),
        (PasswordMechanism::Plain, true),
    ];
    if let Some((m, _)) = order
        .into_iter()
        .find(|&(m, usable)| usable && caps.has_auth(m.name()))
    {
        return Some(m);
    }
    (!caps.has("LOGINDISABLED")).then_some(PasswordMechanism::Login)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(names: &[&str]) -> Capabilities {
        Capabilities::from_names(names.iter().map(|n| n.to_string()).collect())
    }

    #[test]
    fn the_strongest_mechanism_on_offer() {
        let all = caps(&[
            "IMAP4rev1",
            "AUTH=SCRAM-SHA-256-PLUS",
            "AUTH=SCRAM-SHA-256",
            "AUTH=PLAIN",
        ]);
        assert!(plus_offered(&all));
        assert_eq!(
            choose(&all, true, true),
            Some(PasswordMechanism::ScramSha256Plus)
        );
        // Without binding data, plain SCRAM even where -PLUS is offered (its GS2 header
        // then says `n`: the server binds, and would fail a `y`).
        assert_eq!(
            choose(&all, false, true),
            Some(PasswordMechanism::ScramSha256)
        );
        assert_eq!(choose(&all, true, false), Some(PasswordMechanism::Plain));
        let stripped = caps(&["IMAP4rev1", "AUTH=SCRAM-SHA-1", "AUTH=PLAIN"]);
        assert!(!plus_offered(&stripped));
        assert_eq!(
            choose(&stripped, true, true),
            Some(PasswordMechanism::ScramSha1)
        );
        assert!(plus_offered(&caps(&["AUTH=SCRAM-SHA-1-PLUS"])));
        assert_eq!(
            choose(&caps(&["IMAP4rev1"]), true, true),
            Some(PasswordMechanism::Login)
        );
        assert_eq!(
            choose(&caps(&["IMAP4rev1", "LOGINDISABLED"]), true, true),
            None
        );
    }
}
