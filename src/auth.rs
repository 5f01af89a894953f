//! SASL authentication (RFC 4422) for the AUTHENTICATE command.

use crate::error::Result;

/// A SASL mechanism for [`Client::authenticate`](crate::Client::authenticate).
///
/// The built-in ones are [`Plain`], [`XOAuth2`] and [`OAuthBearer`]; implement this trait for
/// others. Responses are base64-encoded by the session, and never logged.
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
    fn respond(&mut self, challenge: &[u8]) -> Result<Vec<u8>>;
}

/// SASL PLAIN (RFC 4616): user name and password.
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

    fn initial_response(&mut self) -> Option<Vec<u8>> {
        Some(self.message())
    }

    fn respond(&mut self, _challenge: &[u8]) -> Result<Vec<u8>> {
        Ok(self.message())
    }
}

/// Google's and Microsoft's XOAUTH2: a user name and an OAuth 2.0 access token.
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

    fn initial_response(&mut self) -> Option<Vec<u8>> {
        self.sent = true;
        Some(format!("user={}\x01auth=Bearer {}\x01\x01", self.user, self.token).into_bytes())
    }

    fn respond(&mut self, _challenge: &[u8]) -> Result<Vec<u8>> {
        if self.sent {
            // The challenge is the server's JSON error; an empty answer lets it send its NO.
            Ok(Vec::new())
        } else {
            Ok(self.initial_response().unwrap_or_default())
        }
    }
}

/// OAUTHBEARER (RFC 7628): a user name and an OAuth 2.0 bearer token.
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

    /// Names the server's host and port in the message, as some servers want.
    pub fn with_host(mut self, host: impl Into<String>, port: u16) -> Self {
        self.host = Some((host.into(), port));
        self
    }

    fn message(&self) -> Vec<u8> {
        // gs2-header: no channel binding, authzid = the user (commas and '=' escaped).
        let user = self.user.replace('=', "=3D").replace(',', "=2C");
        let mut m = format!("n,a={user},\x01");
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

    fn initial_response(&mut self) -> Option<Vec<u8>> {
        self.sent = true;
        Some(self.message())
    }

    fn respond(&mut self, _challenge: &[u8]) -> Result<Vec<u8>> {
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
}
