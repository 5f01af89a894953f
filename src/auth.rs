//! SASL authentication (RFC 4422) for the AUTHENTICATE command.

use crate::error::{Error, Result};

#[cfg(feature = "scram")]
mod scram;

#[cfg(feature = "scram")]
pub use scram::{ScramSha1, ScramSha256};

/// Data that binds a SASL exchange to the TLS connection under it (RFC 5056), for the
/// `-PLUS` SCRAM mechanisms: `tls-exporter` (RFC 9266, with rustls over TLS 1.3) or
/// `tls-server-end-point` (RFC 5929, a hash of the server's certificate, with native-tls).
#[derive(Clone, PartialEq, Eq)]
pub struct ChannelBinding {
    kind: &'static str,
    data: Vec<u8>,
}

impl ChannelBinding {
    pub(crate) fn new(kind: &'static str, data: Vec<u8>) -> Self {
        ChannelBinding { kind, data }
    }

    /// The channel binding type's name: `"tls-exporter"` or `"tls-server-end-point"`.
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// The binding data.
    pub fn data(&self) -> &[u8] {
        &self.data
    }
}

/// The type and length only: the data itself is not secret, but long and useless to read.
impl std::fmt::Debug for ChannelBinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ChannelBinding({}, {} bytes)",
            self.kind,
            self.data.len()
        )
    }
}

/// A SASL mechanism for [`Client::authenticate`](crate::Client::authenticate).
///
/// The built-in ones are [`Plain`], [`XOAuth2`], [`OAuthBearer`], and with the `scram`
/// feature (on by default) `ScramSha256` and `ScramSha1`; implement this trait for others.
/// Responses are base64-encoded by the session, and never logged.
pub trait Authenticator {
    /// The mechanism's name as the server advertises it (`AUTH=<name>`), e.g. `"PLAIN"`.
    fn mechanism(&self) -> &str;

    /// The client's first message, for mechanisms where the client speaks first.
    /// It goes on the AUTHENTICATE line when the server offers SASL-IR (RFC 4959), else in
    /// answer to the server's first (empty) challenge.
    fn initial_response(&mut self) -> Option<Vec<u8>> {
        None
    }

    /// The answer to a server challenge (already base64-decoded).
    ///
    /// An error here makes [`Client::authenticate`](crate::Client::authenticate) cancel the
    /// exchange (`*`) and return that error.
    fn respond(&mut self, challenge: &[u8]) -> Result<Vec<u8>>;

    /// Called before the exchange with the connection's channel binding data, if its TLS
    /// backend gives any (see [`ChannelBinding`]); the `-PLUS` SCRAM mechanisms need it. The
    /// default ignores it.
    fn channel_binding(&mut self, binding: Option<&ChannelBinding>) {
        let _ = binding;
    }

    /// Checks that the mechanism's fields can be sent at all, without sending anything:
    /// call it to refuse bad credentials before connecting. The default accepts everything.
    ///
    /// The built-in mechanisms refuse bytes their message format reserves as separators
    /// (NUL for PLAIN, `0x01` for XOAUTH2 and OAUTHBEARER), which would shift or forge a field.
    /// They also check on their own: with a bad field,
    /// [`initial_response`](Self::initial_response) gives nothing (so no credential goes on
    /// the AUTHENTICATE line) and [`respond`](Self::respond) returns this error, so
    /// [`Client::authenticate`](crate::Client::authenticate) cancels the exchange before any
    /// credential is sent and returns the error.
    ///
    /// Errors: [`Error::InvalidArgument`] naming the field (never its value).
    fn validate(&self) -> Result<()> {
        Ok(())
    }

    /// Called when the server has accepted the exchange (its tagged OK), before the session
    /// is handed out: a mechanism that authenticates the server checks here that it did.
    /// The default accepts.
    ///
    /// An error here is returned by [`Client::authenticate`](crate::Client::authenticate)
    /// instead of a session, and the connection is left unusable (the server thinks the
    /// client logged in; the client does not trust the server): the built-in SCRAM
    /// mechanisms fail with [`Error::Protocol`] when the server said OK without a valid
    /// signature (`v=`).
    fn finish(&mut self) -> Result<()> {
        Ok(())
    }
}

/// Refuses a field holding one of `forbidden`: the message names the mechanism and the field,
/// never the value (it may be a password or a token).
fn check_field(mechanism: &str, field: &str, value: &str, forbidden: &[u8]) -> Result<()> {
    match value.bytes().find(|b| forbidden.contains(b)) {
        None => Ok(()),
        Some(0) => Err(Error::InvalidArgument(format!(
            "{mechanism} {field} contains a NUL byte"
        ))),
        Some(b) => Err(Error::InvalidArgument(format!(
            "{mechanism} {field} contains the byte 0x{b:02x}, which separates the message's fields"
        ))),
    }
}

/// SASL PLAIN (RFC 4616): user name and password.
///
/// None of the user name, password and authorisation identity may hold a NUL byte (PLAIN
/// separates them with NUL): such a `Plain` fails [`validate`](Authenticator::validate), and
/// [`Client::authenticate`](crate::Client::authenticate) returns
/// [`Error::InvalidArgument`] without sending any of them (the server sees the AUTHENTICATE
/// command, then its cancellation).
pub struct Plain {
    authzid: String,
    user: String,
    password: String,
}

impl Plain {
    /// PLAIN for `user` with `password`.
    pub fn new(user: impl Into<String>, password: impl Into<String>) -> Self {
        Plain {
            authzid: String::new(),
            user: user.into(),
            password: password.into(),
        }
    }

    /// Acts as `authzid` (an authorisation identity), when the server allows it.
    pub fn authorize_as(mut self, authzid: impl Into<String>) -> Self {
        self.authzid = authzid.into();
        self
    }

    /// `[authzid] NUL authcid NUL passwd`; the caller has checked the fields.
    fn message(&self) -> Vec<u8> {
        let mut m = Vec::new();
        m.extend_from_slice(self.authzid.as_bytes());
        m.push(0);
        m.extend_from_slice(self.user.as_bytes());
        m.push(0);
        m.extend_from_slice(self.password.as_bytes());
        m
    }
}

impl std::fmt::Debug for Plain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plain")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl Authenticator for Plain {
    fn mechanism(&self) -> &str {
        "PLAIN"
    }

    fn validate(&self) -> Result<()> {
        check_field("PLAIN", "authorization identity", &self.authzid, b"\0")?;
        check_field("PLAIN", "user name", &self.user, b"\0")?;
        check_field("PLAIN", "password", &self.password, b"\0")
    }

    fn initial_response(&mut self) -> Option<Vec<u8>> {
        self.validate().ok().map(|()| self.message())
    }

    fn respond(&mut self, _challenge: &[u8]) -> Result<Vec<u8>> {
        self.validate()?;
        Ok(self.message())
    }
}

/// Google's and Microsoft's XOAUTH2: a user name and an OAuth 2.0 access token.
///
/// Neither may hold the byte `0x01` (XOAUTH2's field separator) or NUL: such an `XOAuth2`
/// fails [`validate`](Authenticator::validate), and
/// [`Client::authenticate`](crate::Client::authenticate) returns
/// [`Error::InvalidArgument`] without sending either (the server sees the AUTHENTICATE
/// command, then its cancellation).
pub struct XOAuth2 {
    user: String,
    token: String,
    sent: bool,
}

impl XOAuth2 {
    /// XOAUTH2 for `user` with the access token `token`.
    pub fn new(user: impl Into<String>, token: impl Into<String>) -> Self {
        XOAuth2 {
            user: user.into(),
            token: token.into(),
            sent: false,
        }
    }
}

/// What an OAuth 2.0 token provider returns: a fresh access token, or why there is none
/// (any error: an HTTP failure, a revoked refresh token...).
pub type TokenResult = std::result::Result<String, Box<dyn std::error::Error + Send + Sync>>;

/// A mechanism factory for
/// [`Client::authenticate_with`](crate::Client::authenticate_with): each call asks
/// `provider` for a token and builds the mechanism with it; a failed provider gives a
/// mechanism that refuses to start ([`Error::TokenProvider`], nothing sent).
fn with_token<A: Authenticator + 'static>(
    mechanism: &'static str,
    provider: impl Fn() -> TokenResult + Send + Sync + 'static,
    make: impl Fn(String) -> A + Send + Sync + 'static,
) -> impl Fn() -> Box<dyn Authenticator> + Send + Sync + 'static {
    move || -> Box<dyn Authenticator> {
        match provider() {
            Ok(token) => Box::new(make(token)),
            Err(e) => Box::new(NoToken {
                mechanism,
                error: std::sync::Mutex::new(Some(e)),
            }),
        }
    }
}

/// The mechanism a failed token provider leaves: it fails [`Authenticator::validate`], so
/// the exchange stops before anything is sent.
struct NoToken {
    mechanism: &'static str,
    error: std::sync::Mutex<Option<Box<dyn std::error::Error + Send + Sync>>>,
}

impl Authenticator for NoToken {
    fn mechanism(&self) -> &str {
        self.mechanism
    }

    fn validate(&self) -> Result<()> {
        let taken = self.error.lock().ok().and_then(|mut e| e.take());
        Err(Error::TokenProvider(
            taken.unwrap_or_else(|| "no token (the provider failed)".into()),
        ))
    }

    fn initial_response(&mut self) -> Option<Vec<u8>> {
        None
    }

    fn respond(&mut self, _challenge: &[u8]) -> Result<Vec<u8>> {
        self.validate().map(|()| Vec::new())
    }
}

impl XOAuth2 {
    /// XOAUTH2 for `user` whose access token comes from `provider`, asked anew before every
    /// login: give it to [`Client::authenticate_with`](crate::Client::authenticate_with), and
    /// [`Session::reconnect`](crate::Session::reconnect) logs in again with a fresh token
    /// (an hour-long Google or Microsoft token has long expired when a daemon reconnects).
    ///
    /// The provider is the caller's code: refresh with a refresh token, read a file a helper
    /// keeps fresh, run a command (see "OAuth 2.0 tokens" in the crate docs for the Google
    /// and Microsoft flows). This crate makes no HTTP request of its own. The token is never
    /// logged.
    ///
    /// ```no_run
    /// use blocking_imap::{ClientBuilder, XOAuth2};
    /// fn fresh_token() -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    ///     Ok(std::fs::read_to_string("/run/me/imap-token")?.trim().to_string())
    /// }
    /// let mut session = ClientBuilder::new("imap.gmail.com", 993)
    ///     .connect()?
    ///     .authenticate_with(XOAuth2::with_provider("me@gmail.com", fresh_token))?;
    /// // ... hours later, after the connection broke:
    /// session.reconnect()?; // asks fresh_token() again
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// Errors (of the login): [`Error::TokenProvider`] with the provider's error, before
    /// anything is sent; a NO from the server with its decoded
    /// [`sasl_error`](Error::sasl_error) ([`Error::is_token_expired`] for a refused token).
    pub fn with_provider(
        user: impl Into<String>,
        provider: impl Fn() -> TokenResult + Send + Sync + 'static,
    ) -> impl Fn() -> Box<dyn Authenticator> + Send + Sync + 'static {
        let user = user.into();
        with_token("XOAUTH2", provider, move |token| {
            XOAuth2::new(user.clone(), token)
        })
    }
}

impl std::fmt::Debug for XOAuth2 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XOAuth2")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl Authenticator for XOAuth2 {
    fn mechanism(&self) -> &str {
        "XOAUTH2"
    }

    fn validate(&self) -> Result<()> {
        check_field("XOAUTH2", "user name", &self.user, b"\0\x01")?;
        check_field("XOAUTH2", "access token", &self.token, b"\0\x01")
    }

    fn initial_response(&mut self) -> Option<Vec<u8>> {
        self.validate().ok()?;
        self.sent = true;
        Some(format!("user={}\x01auth=Bearer {}\x01\x01", self.user, self.token).into_bytes())
    }

    fn respond(&mut self, _challenge: &[u8]) -> Result<Vec<u8>> {
        self.validate()?;
        if self.sent {
            // The challenge is the server's JSON error; an empty answer lets it send its NO.
            Ok(Vec::new())
        } else {
            Ok(self.initial_response().unwrap_or_default())
        }
    }
}

/// OAUTHBEARER (RFC 7628): a user name and an OAuth 2.0 bearer token.
///
/// The user name goes in the GS2 header as the authorisation identity, with `,` and `=`
/// written `=2C` and `=3D` (RFC 5801); an empty one is left out. The user name, token and
/// host may not hold the byte `0x01` (the message's field separator) or NUL: such an
/// `OAuthBearer` fails [`validate`](Authenticator::validate), and
/// [`Client::authenticate`](crate::Client::authenticate) returns
/// [`Error::InvalidArgument`] without sending any of them (the server sees the AUTHENTICATE
/// command, then its cancellation).
pub struct OAuthBearer {
    user: String,
    token: String,
    host: Option<(String, u16)>,
    sent: bool,
}

impl OAuthBearer {
    /// OAUTHBEARER for `user` with the bearer token `token`.
    pub fn new(user: impl Into<String>, token: impl Into<String>) -> Self {
        OAuthBearer {
            user: user.into(),
            token: token.into(),
            host: None,
            sent: false,
        }
    }

    /// OAUTHBEARER for `user` whose token comes from `provider`, asked anew before every
    /// login; `host` names the server in the message when given (`Some(("imap.example.com",
    /// 993))`). As [`XOAuth2::with_provider`], for
    /// [`Client::authenticate_with`](crate::Client::authenticate_with).
    ///
    /// Errors (of the login): [`Error::TokenProvider`] with the provider's error, before
    /// anything is sent; a NO from the server with its decoded
    /// [`sasl_error`](Error::sasl_error).
    pub fn with_provider(
        user: impl Into<String>,
        host: Option<(&str, u16)>,
        provider: impl Fn() -> TokenResult + Send + Sync + 'static,
    ) -> impl Fn() -> Box<dyn Authenticator> + Send + Sync + 'static {
        let user = user.into();
        let host = host.map(|(h, p)| (h.to_string(), p));
        with_token("OAUTHBEARER", provider, move |token| {
            let a = OAuthBearer::new(user.clone(), token);
            match &host {
                Some((h, p)) => a.with_host(h.clone(), *p),
                None => a,
            }
        })
    }

    /// Names the server's host and port in the message, as some servers want.
    pub fn with_host(mut self, host: impl Into<String>, port: u16) -> Self {
        self.host = Some((host.into(), port));
        self
    }

    /// RFC 7628 section 3.1: `gs2-header %x01 [host %x01 port %x01] auth %x01 %x01`; the
    /// caller has checked the fields.
    fn message(&self) -> Vec<u8> {
        // gs2-header: no channel binding ("n"), then the authzid as a saslname (RFC 5801
        // section 4: "=" and "," written "=3D" and "=2C"; at least one character, so an
        // empty user name leaves the authzid out).
        let mut m = if self.user.is_empty() {
            String::from("n,,\x01")
        } else {
            let user = self.user.replace('=', "=3D").replace(',', "=2C");
            format!("n,a={user},\x01")
        };
        if let Some((host, port)) = &self.host {
            m.push_str(&format!("host={host}\x01port={port}\x01"));
        }
        m.push_str(&format!("auth=Bearer {}\x01\x01", self.token));
        m.into_bytes()
    }
}

impl std::fmt::Debug for OAuthBearer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthBearer")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl Authenticator for OAuthBearer {
    fn mechanism(&self) -> &str {
        "OAUTHBEARER"
    }

    fn validate(&self) -> Result<()> {
        check_field("OAUTHBEARER", "user name", &self.user, b"\0\x01")?;
        check_field("OAUTHBEARER", "bearer token", &self.token, b"\0\x01")?;
        if let Some((host, _)) = &self.host {
            check_field("OAUTHBEARER", "host", host, b"\0\x01")?;
        }
        Ok(())
    }

    fn initial_response(&mut self) -> Option<Vec<u8>> {
        self.validate().ok()?;
        self.sent = true;
        Some(self.message())
    }

    fn respond(&mut self, _challenge: &[u8]) -> Result<Vec<u8>> {
        self.validate()?;
        if self.sent {
            // RFC 7628 section 3.2.3: after an error challenge the client sends a lone %x01.
            Ok(vec![0x01])
        } else {
            self.sent = true;
            Ok(self.message())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages() {
        let mut p = Plain::new("alice", "pw");
        assert_eq!(p.initial_response().unwrap(), b"\0alice\0pw");
        let mut p = Plain::new("alice", "pw").authorize_as("admin");
        assert_eq!(p.respond(b"").unwrap(), b"admin\0alice\0pw");
        let mut x = XOAuth2::new("a@b.c", "tok");
        assert_eq!(
            x.initial_response().unwrap(),
            b"user=a@b.c\x01auth=Bearer tok\x01\x01"
        );
        assert_eq!(x.respond(b"{\"status\":\"401\"}").unwrap(), b"");
        let mut o = OAuthBearer::new("u,=x", "tok").with_host("h", 993);
        assert_eq!(
            o.initial_response().unwrap(),
            b"n,a=u=2C=3Dx,\x01host=h\x01port=993\x01auth=Bearer tok\x01\x01"
        );
        assert_eq!(o.respond(b"{}").unwrap(), b"\x01");
        assert!(!format!("{:?}", Plain::new("u", "secret")).contains("secret"));
    }

    /// A refused mechanism: `validate` (also through `dyn Authenticator`) and `respond` fail
    /// with a message naming `field` and not the secret value, and `initial_response` gives
    /// nothing, so nothing of the credentials can go out.
    fn refused(mut auth: impl Authenticator, field: &str, secret: &str) {
        let dynamic: &dyn Authenticator = &auth;
        for err in [
            dynamic.validate().unwrap_err(),
            auth.respond(b"").unwrap_err(),
        ] {
            match err {
                Error::InvalidArgument(m) => {
                    assert!(m.contains(field), "{m}");
                    assert!(!m.contains(secret), "{m}");
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(auth.initial_response(), None);
        // Still refused after the empty first challenge of a server without SASL-IR.
        assert!(auth.respond(b"").is_err());
    }

    #[test]
    fn plain_refuses_nul_in_any_field() {
        refused(Plain::new("al\0ice", "hunter2"), "user name", "ice");
        refused(Plain::new("alice", "hun\0ter2"), "password", "ter2");
        refused(Plain::new("alice", "\0"), "password", "\0");
        refused(
            Plain::new("alice", "hunter2").authorize_as("ad\0min"),
            "authorization identity",
            "min",
        );
        // A password that would shift the fields ("\0admin\0x" as authzid / user / pass).
        let err = Plain::new("bob", "x\0admin\0pw").validate().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid argument: PLAIN password contains a NUL byte"
        );
        // Everything else goes as it is, 0x01 and non-ASCII included.
        let mut p = Plain::new("\u{1}ünï", "p\u{1}w").authorize_as("a,=b");
        assert!(p.validate().is_ok());
        assert_eq!(
            p.initial_response().unwrap(),
            "a,=b\0\u{1}ünï\0p\u{1}w".as_bytes()
        );
    }

    #[test]
    fn xoauth2_refuses_the_separator() {
        refused(
            XOAuth2::new("a@b.c\x01auth=Bearer x", "tok"),
            "user name",
            "auth=Bearer x",
        );
        refused(
            XOAuth2::new("a@b.c", "s3cr3t\x01\x01"),
            "access token",
            "s3cr3t",
        );
        refused(XOAuth2::new("a@b.c", "s3\0cr3t"), "access token", "cr3t");
        refused(XOAuth2::new("al\0ice", "s3cr3t"), "user name", "ice");
        let err = XOAuth2::new("a", "secret-\x01").validate().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid argument: XOAUTH2 access token contains the byte 0x01, which separates the message's fields"
        );
    }

    #[test]
    fn oauthbearer_refuses_the_separator_and_escapes_the_gs2_header() {
        refused(
            OAuthBearer::new("u\x01host=evil", "tok"),
            "user name",
            "host=evil",
        );
        refused(OAuthBearer::new("al\0ice", "s3cr3t"), "user name", "ice");
        refused(
            OAuthBearer::new("u", "s3cr3t\x01x"),
            "bearer token",
            "s3cr3t",
        );
        refused(OAuthBearer::new("u", "s3\0cr3t"), "bearer token", "cr3t");
        refused(
            OAuthBearer::new("u", "s3cr3t").with_host("h\x01port=1", 993),
            "host",
            "port=1",
        );
        // RFC 7628 section 3.1 / RFC 5801: "," and "=" in the authzid become =2C and =3D (in
        // that order, so "=2C" typed by the user stays itself); an empty user is left out.
        let mut o = OAuthBearer::new("a=2C,b", "tok");
        assert_eq!(
            o.initial_response().unwrap(),
            b"n,a=a=3D2C=2Cb,\x01auth=Bearer tok\x01\x01"
        );
        let mut o = OAuthBearer::new("", "tok");
        assert_eq!(
            o.initial_response().unwrap(),
            b"n,,\x01auth=Bearer tok\x01\x01"
        );
        // RFC 7628 section 4.1's example message.
        let mut o = OAuthBearer::new(
            "user@example.com",
            "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==",
        )
        .with_host("server.example.com", 143);
        assert_eq!(
            o.initial_response().unwrap(),
            &b"n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01"[..]
        );
    }
}
