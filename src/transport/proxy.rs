//! Connecting through a proxy: SOCKS5 (RFC 1928) with user name and password (RFC 1929),
//! and HTTP CONNECT (RFC 9110 section 9.3.6) with Basic authentication (RFC 7617).
//!
//! The proxy opens a TCP tunnel to the IMAP server; TLS (implicit, or after STARTTLS) then
//! runs through the tunnel end to end with the IMAP server, its certificate checked against
//! the IMAP server's host name, never the proxy's.
//!
//! The two handshakes are small and written here rather than taken from a crate: the
//! blocking SOCKS crate opens its own socket (no connect timeout, no deadline over the
//! handshake, nothing a cancel handle could shut down) and does no HTTP CONNECT; the others
//! are async. Here every read is bounded in size and in time: a SOCKS5 reply is read field
//! by field, in the sizes its own fields announce (at most 262 bytes); an HTTP reply header
//! is read up to its blank line and at most [`MAX_HTTP_HEAD`] bytes, by peeking first, so
//! that not one byte after the header (a greeting the IMAP server sent at once, arriving in
//! the same packet as the proxy's `200`) is taken from the tunnel. The whole of it (name
//! lookup, TCP connect to the proxy, handshake) runs within the connect timeout, and a
//! cancel handle shuts the socket down during the handshake like during any read.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::str::FromStr;
use std::time::{Duration, Instant};

use log::debug;

use super::cancel::Watch;
use super::{connect_tcp, ip_literal, resolve, time_left};
use crate::error::{with_server, Error, Escaped, RawBytes, Result};
use crate::wire::encode::base64_encode;

/// The most bytes of an HTTP proxy's reply header read before giving up on it.
pub(crate) const MAX_HTTP_HEAD: usize = 8192;

/// A proxy to reach the IMAP server through, for
/// [`ClientBuilder::proxy`](crate::ClientBuilder::proxy): SOCKS5 (RFC 1928, with user name
/// and password per RFC 1929) or HTTP CONNECT (RFC 9110 section 9.3.6, with Basic
/// authentication per RFC 7617).
///
/// The proxy only carries bytes: TLS runs through it to the IMAP server, and the server's
/// certificate is checked against the IMAP server's host name (the one given to
/// [`ClientBuilder::new`](crate::ClientBuilder::new)), never the proxy's. The password is
/// never shown by `Debug` or `Display`, nor written to any log.
///
/// ```
/// use blocking_imap::Proxy;
/// let p = Proxy::socks5("proxy.example.com", 1080).with_auth("me", "secret");
/// assert_eq!(p.to_string(), "socks5h://me@proxy.example.com:1080");
/// assert!(!format!("{p:?}").contains("secret"));
/// let q: Proxy = "http://me:secret@proxy.example.com:3128".parse()?;
/// assert_eq!(q.to_string(), "http://me@proxy.example.com:3128");
/// # Ok::<(), blocking_imap::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    kind: Kind,
    host: String,
    port: u16,
    auth: Option<Credentials>,
}

#[derive(Clone, PartialEq, Eq)]
struct Credentials {
    user: String,
    password: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// SOCKS5; `remote_dns`: the proxy resolves the IMAP server's name (`socks5h://`).
    Socks5 { remote_dns: bool },
    /// HTTP CONNECT (the proxy always resolves the name).
    Http,
}

impl Proxy {
    /// A SOCKS5 proxy at `host:port` (RFC 1928). The IMAP server's host name is sent to the
    /// proxy, which resolves it (what `socks5h://` means in a URL; see
    /// [`resolve_names_locally`](Self::resolve_names_locally)); an IP address is sent as
    /// one. Without [`with_auth`](Self::with_auth), only "no authentication" is offered.
    pub fn socks5(host: impl Into<String>, port: u16) -> Proxy {
        Proxy {
            kind: Kind::Socks5 { remote_dns: true },
            host: host.into(),
            port,
            auth: None,
        }
    }

    /// An HTTP proxy at `host:port` that opens tunnels with `CONNECT host:port HTTP/1.1`
    /// (RFC 9110 section 9.3.6). The IMAP server's name is sent to the proxy, which resolves
    /// it. Plain HTTP to the proxy: the IMAP connection through it is protected by its own
    /// TLS; a proxy reached over TLS (`https://`) is not supported.
    ///
    /// Many HTTP proxies allow CONNECT only to port 443 (squid's `SSL_ports`, tinyproxy's
    /// `ConnectPort`): the proxy must allow the IMAP ports (993, 143), or it answers 403.
    pub fn http_connect(host: impl Into<String>, port: u16) -> Proxy {
        Proxy {
            kind: Kind::Http,
            host: host.into(),
            port,
            auth: None,
        }
    }

    /// Logs in to the proxy as `user` with `password`: SOCKS5 user name and password
    /// (RFC 1929: each at most 255 bytes, the user not empty), or an HTTP
    /// `Proxy-Authorization: Basic` header (RFC 7617: the user without `:`). Checked when
    /// connecting ([`Error::InvalidArgument`](crate::Error::InvalidArgument), before
    /// anything is sent). The password is never shown or logged.
    pub fn with_auth(mut self, user: impl Into<String>, password: impl Into<String>) -> Proxy {
        self.auth = Some(Credentials {
            user: user.into(),
            password: password.into(),
        });
        self
    }

    /// For a SOCKS5 proxy: resolve the IMAP server's name here, with the system's resolver,
    /// and send the proxy its first address (what `socks5://` means in a URL), rather than
    /// sending the name for the proxy to resolve (`socks5h://`, the default of
    /// [`socks5`](Self::socks5)). No effect on an HTTP proxy, which always gets the name.
    pub fn resolve_names_locally(mut self, locally: bool) -> Proxy {
        if let Kind::Socks5 { remote_dns } = &mut self.kind {
            *remote_dns = !locally;
        }
        self
    }

    /// A proxy from a URL, as `ALL_PROXY` holds one:
    ///
    /// - `socks5h://[USER:PASSWORD@]HOST[:PORT]`: SOCKS5, the proxy resolves the IMAP
    ///   server's name (port 1080 by default);
    /// - `socks5://...`: SOCKS5, the name resolved here (as curl reads it);
    /// - `http://...`: HTTP CONNECT (port 80 by default, as the URL says); a URL without
    ///   a scheme (`proxy.example.com:3128`) is read as `http://`, as curl does.
    ///
    /// The user and password are percent-decoded (`%40` for `@`); an IPv6 proxy in
    /// brackets (`socks5h://[::1]:1080`); a trailing `/` is accepted.
    ///
    /// Errors: [`Error::InvalidArgument`](crate::Error::InvalidArgument) for another scheme
    /// (`https://`, `socks4://`...), no host, a bad or zero port, a path, or bad
    /// percent-encoding; the message never repeats the password.
    pub fn from_url(url: &str) -> Result<Proxy> {
        parse_url(url).map_err(|why| Error::InvalidArgument(format!("proxy URL: {why}")))
    }

    /// `host:port` of the proxy (an IPv6 address in brackets).
    pub fn server(&self) -> String {
        super::host_port(&self.host, self.port)
    }

    /// The user name given to [`with_auth`](Self::with_auth) or in the URL.
    pub fn user(&self) -> Option<&str> {
        self.auth.as_ref().map(|a| a.user.as_str())
    }

    fn scheme(&self) -> &'static str {
        match self.kind {
            Kind::Socks5 { remote_dns: true } => "socks5h",
            Kind::Socks5 { remote_dns: false } => "socks5",
            Kind::Http => "http",
        }
    }
}

/// The proxy as a URL without its password: `socks5h://me@proxy.example.com:1080`.
impl fmt::Display for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.scheme())?;
        if let Some(a) = &self.auth {
            write!(f, "{}@", Escaped(&a.user))?;
        }
        write!(f, "{}", Escaped(&self.server()))
    }
}

/// The proxy's kind, server and user; the password only as whether there is one.
impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Proxy {
            kind: _,
            host: _,
            port: _,
            auth,
        } = self;
        f.debug_struct("Proxy")
            .field("url", &self.to_string())
            .field("password", &auth.as_ref().map_or("none", |_| "<redacted>"))
            .finish()
    }
}

/// [`Proxy::from_url`].
impl FromStr for Proxy {
    type Err = Error;
    fn from_str(s: &str) -> Result<Proxy> {
        Proxy::from_url(s)
    }
}

/// At most `max` characters of `s`, with control characters escaped, for an error message.
fn shown(s: &str, max: usize) -> String {
    let cut: String = s.chars().take(max).collect();
    let more = if cut.len() < s.len() { "..." } else { "" };
    format!("{}{more}", Escaped(&cut))
}

/// The parts of a proxy URL; the reason in plain words when it is not one.
pub(crate) fn parse_url(url: &str) -> std::result::Result<Proxy, String> {
    let url = url.trim();
    let (kind, default_port, rest) = match url.find("://") {
        Some(i) => {
            let rest = &url[i + 3..];
            match url[..i].to_ascii_lowercase().as_str() {
                "socks5h" => (Kind::Socks5 { remote_dns: true }, 1080, rest),
                "socks5" => (Kind::Socks5 { remote_dns: false }, 1080, rest),
                "http" => (Kind::Http, 80, rest),
                "https" => {
                    return Err(
                        "https:// proxies (TLS to the proxy itself) are not supported: \
                                use http:// (the IMAP connection through it keeps its own TLS), \
                                socks5h:// or socks5://"
                            .into(),
                    )
                }
                "socks4" | "socks4a" | "socks" => return Err(
                    "SOCKS4 is not supported: use socks5h:// (or socks5://) with a SOCKS5 proxy"
                        .into(),
                ),
                other => {
                    return Err(format!(
                        "unknown scheme {}://: use socks5h://, socks5:// or http://",
                        shown(other, 20)
                    ))
                }
            }
        }
        None => (Kind::Http, 80, url),
    };
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if !path.is_empty() && path != "/" {
        return Err("a proxy URL has no path: write SCHEME://[USER:PASSWORD@]HOST[:PORT]".into());
    }
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
        None => (None, authority),
    };
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let end = v6.find(']').ok_or("unclosed [ in the host")?;
        let after = &v6[end + 1..];
        let port = match after.strip_prefix(':') {
            Some(p) => parse_port(p)?,
            None if after.is_empty() => default_port,
            None => return Err("text after the host".into()),
        };
        (format!("[{}]", &v6[..end]), port)
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), parse_port(p)?),
            None => (hostport.to_string(), default_port),
        }
    };
    if host.is_empty() || host == "[]" {
        return Err("no host".into());
    }
    if host.chars().any(|c| c.is_control() || c == ' ') {
        return Err("the host holds a space or a control character".into());
    }
    let auth = match userinfo {
        None => None,
        Some(info) => {
            let (user, password) = info.split_once(':').unwrap_or((info, ""));
            let decode = |s: &str, what: &str| {
                crate::mime::percent_decode_checked(s.as_bytes(), true)
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .ok_or_else(|| format!("bad %-escape in the {what}"))
            };
            let user = decode(user, "user")?;
            let password = decode(password, "password")?;
            if user.is_empty() {
                return Err("a password without a user name".into());
            }
            Some(Credentials { user, password })
        }
    };
    Ok(Proxy {
        kind,
        host,
        port,
        auth,
    })
}

/// A URL's port: digits, 1 to 65535.
fn parse_port(p: &str) -> std::result::Result<u16, String> {
    if p.is_empty() {
        return Err("no port after the ':'".into());
    }
    if !p.bytes().all(|b| b.is_ascii_digit()) {
        return Err("the port is not a number".into());
    }
    match p.parse::<u16>() {
        Ok(0) => Err("port 0 is not a port a proxy can listen on (use 1 to 65535)".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!(
            "the port {} is out of range (use 1 to 65535)",
            shown(p, 12)
        )),
    }
}

// ---------------------------------------------------------------------------------------
// The handshakes, sans I/O: requests as bytes, replies checked field by field.

/// A refusal or a broken reply, before it is given the proxy's name.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Failure {
    code: Option<u16>,
    credentials: bool,
    reason: String,
}

impl Failure {
    fn protocol(reason: impl Into<String>) -> Failure {
        Failure {
            code: None,
            credentials: false,
            reason: reason.into(),
        }
    }

    fn credentials(reason: impl Into<String>) -> Failure {
        Failure {
            code: None,
            credentials: true,
            reason: reason.into(),
        }
    }
}

/// RFC 1928 method numbers.
const NO_AUTH: u8 = 0x00;
const USER_PASSWORD: u8 = 0x02;
const NO_ACCEPTABLE: u8 = 0xff;

/// Where the tunnel goes, as the proxy is told.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Dest {
    Ip(IpAddr),
    /// A host name for the proxy to resolve (never empty, at most 255 bytes for SOCKS5).
    Name(String),
}

/// The SOCKS5 greeting: version 5 and the methods offered.
fn socks_greeting(with_auth: bool) -> Vec<u8> {
    if with_auth {
        vec![5, 2, NO_AUTH, USER_PASSWORD]
    } else {
        vec![5, 1, NO_AUTH]
    }
}

/// What the first reply byte of a server that is not a SOCKS5 proxy says about it.
fn not_socks(first: &[u8]) -> Failure {
    let why = if first.starts_with(b"HT") || first.starts_with(b"HTTP") {
        "it answers in HTTP (an HTTP proxy? use an http:// proxy URL)".to_string()
    } else if first.starts_with(b"* ") {
        "it sends an IMAP greeting (is this the IMAP server's address?)".to_string()
    } else {
        format!("its reply starts with {}", RawBytes::new(first))
    };
    Failure::protocol(format!("is not a SOCKS5 proxy: {why}"))
}

/// The method the proxy chose, from its reply to the greeting.
fn socks_method(reply: [u8; 2], with_auth: bool) -> std::result::Result<u8, Failure> {
    if reply[0] != 5 {
        return Err(not_socks(&reply));
    }
    match reply[1] {
        NO_AUTH => Ok(NO_AUTH),
        USER_PASSWORD if with_auth => Ok(USER_PASSWORD),
        NO_ACCEPTABLE if with_auth => Err(Failure::credentials(
            "accepts none of the authentication methods offered (none, user name and \
             password; RFC 1928 method 0xff)",
        )),
        NO_ACCEPTABLE | USER_PASSWORD => Err(Failure::credentials(
            "wants a user name and password: give them with Proxy::with_auth or in the URL \
             (socks5h://USER:PASSWORD@HOST:PORT)",
        )),
        other => Err(Failure::protocol(format!(
            "chose authentication method 0x{other:02x}{}, which was not offered",
            if other == 1 { " (GSSAPI)" } else { "" }
        ))),
    }
}

/// RFC 1929's request: version 1, the user name and the password, each after its length.
fn socks_auth_request(user: &str, password: &str) -> Result<Vec<u8>> {
    let (u, p) = (user.as_bytes(), password.as_bytes());
    let (Ok(ulen), Ok(plen)) = (u8::try_from(u.len()), u8::try_from(p.len())) else {
        return Err(Error::InvalidArgument(
            "SOCKS5 proxy user name or password longer than 255 bytes (the most RFC 1929 \
             can carry)"
                .into(),
        ));
    };
    if u.is_empty() {
        return Err(Error::InvalidArgument(
            "SOCKS5 proxy user name is empty".into(),
        ));
    }
    let mut out = Vec::with_capacity(3 + u.len() + p.len());
    out.extend([1, ulen]);
    out.extend_from_slice(u);
    out.push(plen);
    out.extend_from_slice(p);
    Ok(out)
}

/// The reply to the user name and password: version 1 (5 taken too: some proxies answer
/// with the SOCKS version), status 0 for success.
fn socks_auth_reply(reply: [u8; 2]) -> std::result::Result<(), Failure> {
    if reply[0] != 1 && reply[0] != 5 {
        return Err(Failure::protocol(format!(
            "broke the protocol: its reply to the user name and password has version 0x{:02x} \
             (RFC 1929 says 1)",
            reply[0]
        )));
    }
    if reply[1] != 0 {
        return Err(Failure::credentials(format!(
            "refused the user name and password (RFC 1929 status 0x{:02x})",
            reply[1]
        )));
    }
    Ok(())
}

/// The CONNECT request: version 5, command 1, reserved 0, the address and the port.
fn socks_connect_request(dest: &Dest, port: u16) -> Vec<u8> {
    let mut out = vec![5, 1, 0];
    match dest {
        Dest::Ip(IpAddr::V4(a)) => {
            out.push(1);
            out.extend(a.octets());
        }
        Dest::Ip(IpAddr::V6(a)) => {
            out.push(4);
            out.extend(a.octets());
        }
        Dest::Name(n) => {
            out.push(3);
            // Checked to be 1 to 255 bytes when the destination was made.
            out.push(u8::try_from(n.len()).unwrap_or(u8::MAX));
            out.extend_from_slice(n.as_bytes());
        }
    }
    out.extend(port.to_be_bytes());
    out
}

/// What a SOCKS5 reply code means (RFC 1928 section 6).
fn socks_reply_meaning(rep: u8) -> &'static str {
    match rep {
        1 => "general SOCKS server failure",
        2 => "connection not allowed by ruleset",
        3 => "network unreachable",
        4 => "host unreachable",
        5 => "connection refused by the destination",
        6 => "TTL expired",
        7 => "command not supported",
        8 => "address type not supported",
        _ => "unassigned reply code",
    }
}

/// The first four bytes of the reply to CONNECT (version, reply, reserved, address type):
/// how many bytes of address follow before the port, or `None` for a name whose length
/// byte comes next.
fn socks_reply_head(
    head: [u8; 4],
    dest: &Dest,
    target: &str,
) -> std::result::Result<Option<usize>, Failure> {
    if head[0] != 5 {
        return Err(Failure::protocol(format!(
            "broke the protocol: its reply to CONNECT has version 0x{:02x} (expected 5)",
            head[0]
        )));
    }
    let rep = head[1];
    if rep != 0 {
        let hint = match (rep, dest) {
            (1 | 4, Dest::Name(_)) => {
                " (it may not be able to resolve the name; socks5:// resolves it here)"
            }
            (8, Dest::Name(_)) => " (it does not resolve names: use socks5:// to resolve here)",
            (5, _) => " (nothing listens on that port there?)",
            (2, _) => " (the proxy's rules do not allow this destination)",
            _ => "",
        };
        return Err(Failure {
            code: Some(u16::from(rep)),
            credentials: false,
            reason: format!(
                "refused to connect to {target}: {} (SOCKS5 reply {rep}){hint}",
                socks_reply_meaning(rep)
            ),
        });
    }
    if head[2] != 0 {
        return Err(Failure::protocol(format!(
            "broke the protocol: the reserved byte of its reply is 0x{:02x} (must be 0)",
            head[2]
        )));
    }
    match head[3] {
        1 => Ok(Some(4)),
        4 => Ok(Some(16)),
        3 => Ok(None),
        other => Err(Failure::protocol(format!(
            "broke the protocol: address type 0x{other:02x} in its reply (1, 3 or 4)"
        ))),
    }
}

/// The CONNECT request to an HTTP proxy, with Basic credentials when given.
fn http_request(authority: &str, auth: Option<&Credentials>) -> Result<Vec<u8>> {
    let mut req = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(a) = auth {
        if a.user.contains(':') {
            return Err(Error::InvalidArgument(
                "HTTP proxy user name holds a ':', which Basic authentication cannot carry \
                 (RFC 7617)"
                    .into(),
            ));
        }
        let token = base64_encode(format!("{}:{}", a.user, a.password).as_bytes());
        req.push_str("Proxy-Authorization: Basic ");
        req.push_str(&token);
        req.push_str("\r\n");
    }
    req.push_str("\r\n");
    Ok(req.into_bytes())
}

/// `host:port` as an HTTP request target: an IPv6 address in brackets. Refuses what would
/// break the request line (spaces, control characters, non-ASCII: give an IDN in its
/// `xn--` form).
fn http_authority(host: &str, port: u16) -> Result<String> {
    if host.is_empty() || host.bytes().any(|b| b <= b' ' || b >= 0x7f || b == b'/') {
        return Err(Error::InvalidArgument(format!(
            "the IMAP server's host name {:?} cannot go in an HTTP CONNECT request (spaces, \
             control characters, '/' and non-ASCII are refused; give an IDN in its xn-- form)",
            shown(host, 60)
        )));
    }
    Ok(match ip_literal(host) {
        Some(IpAddr::V6(a)) => format!("[{a}]:{port}"),
        _ => format!("{host}:{port}"),
    })
}

/// Where the header of an HTTP reply ends in `buf` (after its blank line), if it does.
/// `from` is where to start looking (the blank line may begin up to 3 bytes earlier).
fn head_end(buf: &[u8], from: usize) -> Option<usize> {
    let start = from.saturating_sub(3);
    (start..buf.len()).find_map(|i| {
        if buf[i..].starts_with(b"\r\n\r\n") {
            Some(i + 4)
        } else if buf[i..].starts_with(b"\n\n") {
            Some(i + 2)
        } else if buf[i..].starts_with(b"\n\r\n") {
            Some(i + 3)
        } else {
            None
        }
    })
}

/// Checks an HTTP proxy's whole reply header: `Ok` for a 2xx status, the refusal otherwise.
fn http_reply(
    head: &[u8],
    target: &str,
    port: u16,
    with_auth: bool,
) -> std::result::Result<(), Failure> {
    let line_end = head.iter().position(|&b| b == b'\n').unwrap_or(head.len());
    let line = &head[..line_end];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let status = parse_status_line(line).ok_or_else(|| {
        let why = if head.starts_with(b"* ") {
            "it sends an IMAP greeting (is this the IMAP server's address?)".to_string()
        } else if head.first() == Some(&5) {
            "it answers in SOCKS5 (use a socks5h:// proxy URL)".to_string()
        } else {
            format!("its reply starts with {}", RawBytes::new(line))
        };
        Failure::protocol(format!("is not an HTTP proxy: {why}"))
    })?;
    if (200..300).contains(&status) {
        return Ok(());
    }
    let shown_line = shown(&String::from_utf8_lossy(line), 200);
    let said = format!("answered CONNECT {target} with \"{shown_line}\"");
    let (credentials, meaning) = match status {
        401 | 407 => {
            // What the proxy asks for, when it is not Basic.
            let schemes: Vec<String> = String::from_utf8_lossy(head)
                .lines()
                .skip(1)
                .filter_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.trim()
                        .eq_ignore_ascii_case("proxy-authenticate")
                        .then(|| value.split_whitespace().next().unwrap_or("").to_string())
                })
                .collect();
            let unsupported =
                !schemes.is_empty() && !schemes.iter().any(|s| s.eq_ignore_ascii_case("basic"));
            let note = if unsupported {
                format!(
                    " (it asks for {}; only Basic is supported)",
                    shown(&schemes.join(", "), 60)
                )
            } else {
                String::new()
            };
            let what = if with_auth {
                "the proxy refused the user name and password".to_string()
            } else {
                "the proxy wants a user name and password: give them with Proxy::with_auth or \
                 in the URL (http://USER:PASSWORD@HOST:PORT)"
                    .to_string()
            };
            (true, format!("{what}{note}"))
        }
        403 => (
            false,
            format!(
                "the proxy does not allow a tunnel there (many proxies allow CONNECT only to \
                 port 443: port {port} must be allowed)"
            ),
        ),
        500 | 502 | 503 | 504 => (
            false,
            "the proxy could not reach the server (or is overloaded)".to_string(),
        ),
        _ => (false, "the proxy did not open the tunnel".to_string()),
    };
    Err(Failure {
        code: Some(status),
        credentials,
        reason: format!("{said}: {meaning}"),
    })
}

/// The status of `HTTP/1.x SSS[ reason]`, if the line is one.
fn parse_status_line(line: &[u8]) -> Option<u16> {
    let rest = line.strip_prefix(b"HTTP/1.")?;
    let (&minor, rest) = rest.split_first()?;
    if !minor.is_ascii_digit() {
        return None;
    }
    let rest = rest.strip_prefix(b" ")?;
    let code = rest.get(..3)?;
    if !code.iter().all(u8::is_ascii_digit) || !matches!(rest.get(3), None | Some(b' ')) {
        return None;
    }
    std::str::from_utf8(code).ok()?.parse().ok()
}

// ---------------------------------------------------------------------------------------
// The driver: a socket to the proxy, the handshake within the deadline.

/// The hint of a handshake that ran out of time.
const SLOW_PROXY: &str = "the proxy did not finish its handshake within the connect timeout \
                          (it may still be trying to reach the server)";

/// Opens a TCP connection to `proxy` and, through it, a tunnel to `host:port`, all within
/// `timeout` (the connect timeout): the name lookup (of the proxy, and of `host` for a
/// `socks5://` proxy), the TCP connect, and the handshake. The socket is put in `watch`'s
/// list before the handshake, so a cancel ends the handshake at once; with `cancellable`
/// (a builder's handle), the lookups and the connect are cancellable too.
///
/// Errors: [`Error::Connect`] (its `server` is `proxy HOST:PORT`) or [`Error::Timeout`]
/// (`"connect"`) reaching the proxy; [`Error::Timeout`] (`"proxy handshake"`) when the
/// proxy does not answer in time; [`Error::Proxy`] for a refusal, refused credentials, a
/// closed connection or a reply that breaks the protocol; [`Error::InvalidArgument`] for a
/// host name or credentials the protocol cannot carry, before anything is sent;
/// [`Error::Cancelled`] after a cancel.
#[allow(clippy::too_many_arguments)]
pub(crate) fn connect(
    proxy: &Proxy,
    host: &str,
    port: u16,
    timeout: Duration,
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
    watch: &mut Watch,
    cancellable: bool,
) -> Result<TcpStream> {
    let deadline = Instant::now().checked_add(timeout);
    let target = match ip_literal(host) {
        Some(IpAddr::V6(a)) => format!("[{a}]:{port}"),
        _ => format!("{host}:{port}"),
    };
    // Everything the requests need, checked before anything is sent.
    let request = match proxy.kind {
        Kind::Http => Request::Http(http_request(
            &http_authority(host, port)?,
            proxy.auth.as_ref(),
        )?),
        Kind::Socks5 { remote_dns } => {
            let auth = match &proxy.auth {
                Some(a) => Some(socks_auth_request(&a.user, &a.password)?),
                None => None,
            };
            let dest = match ip_literal(host) {
                Some(ip) => Dest::Ip(ip),
                None if remote_dns => {
                    if host.is_empty() || host.len() > 255 {
                        return Err(Error::InvalidArgument(format!(
                            "the IMAP server's host name is {} bytes long: SOCKS5 carries 1 to \
                             255",
                            host.len()
                        )));
                    }
                    Dest::Name(host.to_string())
                }
                None => {
                    let cancel = cancellable.then_some(&*watch);
                    let addrs: Vec<SocketAddr> = resolve(host, port, deadline, timeout, cancel)
                        .map_err(|e| with_server(e, &target))?;
                    // The first address: one tunnel is tried (socks5h:// leaves the choice
                    // to the proxy).
                    match addrs.first() {
                        Some(a) => Dest::Ip(a.ip()),
                        None => {
                            return Err(Error::Connect {
                                server: target,
                                source: io::Error::new(io::ErrorKind::NotFound, "no address found"),
                            })
                        }
                    }
                }
            };
            Request::Socks5 {
                auth,
                connect: socks_connect_request(&dest, port),
                dest,
            }
        }
    };
    debug!("connecting through proxy {proxy} to {target}");
    let left = time_left(deadline, timeout);
    if left.is_zero() {
        return Err(Error::Timeout {
            operation: "connect",
            after: timeout,
            server: Some(target),
            hint: None,
        });
    }
    let label = format!("proxy {}", proxy.server());
    let mut tcp = connect_tcp(
        &proxy.host,
        proxy.port,
        left,
        read_timeout,
        write_timeout,
        cancellable.then_some(&*watch),
    )
    .map_err(|e| match with_server(e, &label) {
        Error::Timeout {
            operation,
            server,
            hint,
            ..
        } => Error::Timeout {
            operation,
            after: timeout,
            server,
            hint,
        },
        other => other,
    })?;
    // From here a cancel shuts the socket down.
    watch.register(&tcp);
    let mut ch = Channel {
        tcp: &mut tcp,
        deadline,
        timeout,
        read_timeout,
        write_timeout,
        watch,
        proxy,
    };
    match request {
        Request::Http(bytes) => {
            ch.send(&bytes)?;
            let head = ch.read_http_head()?;
            http_reply(&head, &target, port, proxy.auth.is_some()).map_err(|f| ch.fail(f))?;
        }
        Request::Socks5 {
            auth,
            connect,
            dest,
        } => {
            ch.send(&socks_greeting(auth.is_some()))?;
            let mut reply = [0u8; 2];
            ch.read_exact(&mut reply, "before answering the SOCKS5 greeting")?;
            let method = socks_method(reply, auth.is_some()).map_err(|f| ch.fail(f))?;
            if let (USER_PASSWORD, Some(auth)) = (method, &auth) {
                ch.send(auth)?;
                ch.read_exact(
                    &mut reply,
                    "before answering the user name and password (a refusal, for some proxies)",
                )?;
                socks_auth_reply(reply).map_err(|f| ch.fail(f))?;
            }
            ch.send(&connect)?;
            let mut head = [0u8; 4];
            ch.read_exact(&mut head, "before answering CONNECT")?;
            let len = match socks_reply_head(head, &dest, &target).map_err(|f| ch.fail(f))? {
                Some(n) => n,
                None => {
                    let mut n = [0u8; 1];
                    ch.read_exact(&mut n, "in the middle of its reply to CONNECT")?;
                    if n[0] == 0 {
                        return Err(ch.fail(Failure::protocol(
                            "broke the protocol: an empty bound address in its reply",
                        )));
                    }
                    usize::from(n[0])
                }
            };
            // The address and port the proxy bound: read, and only logged.
            let mut bound = [0u8; 257];
            ch.read_exact(
                &mut bound[..len + 2],
                "in the middle of its reply to CONNECT",
            )?;
            debug!(
                "proxy {proxy} connected to {target} (bound address {})",
                RawBytes::new(&bound[..len + 2])
            );
        }
    }
    ch.watch.check()?;
    tcp.set_read_timeout(read_timeout)?;
    tcp.set_write_timeout(write_timeout)?;
    Ok(tcp)
}

/// What to send, made before connecting.
enum Request {
    Http(Vec<u8>),
    Socks5 {
        auth: Option<Vec<u8>>,
        connect: Vec<u8>,
        dest: Dest,
    },
}

/// The socket to the proxy during the handshake, with the deadline every read keeps to.
struct Channel<'a> {
    tcp: &'a mut TcpStream,
    deadline: Option<Instant>,
    timeout: Duration,
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
    watch: &'a Watch,
    proxy: &'a Proxy,
}

impl Channel<'_> {
    fn fail(&self, f: Failure) -> Error {
        if self.watch.cancelled() {
            return Error::Cancelled;
        }
        Error::Proxy {
            proxy: self.proxy.to_string(),
            code: f.code,
            credentials_refused: f.credentials,
            reason: f.reason,
        }
    }

    /// The time left for the next read or write: `Err` once the deadline has passed.
    fn left(&self, fallback: Option<Duration>) -> Result<Option<Duration>> {
        match self.deadline {
            None => Ok(fallback),
            Some(_) => {
                let left = time_left(self.deadline, self.timeout);
                if left.is_zero() {
                    return Err(self.timed_out());
                }
                Ok(Some(fallback.map_or(left, |f| f.min(left))))
            }
        }
    }

    fn timed_out(&self) -> Error {
        Error::Timeout {
            operation: "proxy handshake",
            after: self.timeout,
            server: None,
            hint: Some(SLOW_PROXY),
        }
    }

    /// An I/O error of the handshake, in the words of what was going on.
    fn io_failed(&self, e: io::Error, doing: &str) -> Error {
        if self.watch.cancelled() {
            return Error::Cancelled;
        }
        match e.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => self.timed_out(),
            io::ErrorKind::UnexpectedEof => {
                self.fail(Failure::protocol(format!("closed the connection {doing}")))
            }
            _ => self.fail(Failure::protocol(format!("{doing}: {e}"))),
        }
    }

    fn send(&mut self, bytes: &[u8]) -> Result<()> {
        self.watch.check()?;
        let t = self.left(self.write_timeout)?;
        self.tcp.set_write_timeout(t)?;
        self.tcp
            .write_all(bytes)
            .and_then(|()| self.tcp.flush())
            .map_err(|e| self.io_failed(e, "failed while sending to the proxy"))
    }

    fn read_exact(&mut self, buf: &mut [u8], doing: &str) -> Result<()> {
        let mut got = 0;
        while got < buf.len() {
            self.watch.check()?;
            let t = self.left(None)?.or(self.read_timeout);
            self.tcp.set_read_timeout(t)?;
            match self.tcp.read(&mut buf[got..]) {
                Ok(0) => return Err(self.io_failed(io::ErrorKind::UnexpectedEof.into(), doing)),
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.io_failed(e, doing)),
            }
        }
        Ok(())
    }

    /// The reply header of an HTTP proxy, up to and with its blank line, and not one byte
    /// more: bytes are peeked, and only the header's are read.
    fn read_http_head(&mut self) -> Result<Vec<u8>> {
        let doing = "before the end of its reply header";
        let mut head: Vec<u8> = Vec::new();
        let mut buf = [0u8; 1024];
        loop {
            let room = MAX_HTTP_HEAD - head.len();
            if room == 0 {
                return Err(self.fail(Failure::protocol(format!(
                    "sent a reply header longer than {MAX_HTTP_HEAD} bytes: {}",
                    RawBytes::new(&head)
                ))));
            }
            self.watch.check()?;
            let t = self.left(None)?.or(self.read_timeout);
            self.tcp.set_read_timeout(t)?;
            let want = room.min(buf.len());
            let n = match self.tcp.peek(&mut buf[..want]) {
                Ok(0) => {
                    let e = io::Error::from(io::ErrorKind::UnexpectedEof);
                    return Err(self.io_failed(e, doing));
                }
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.io_failed(e, doing)),
            };
            let from = head.len();
            head.extend_from_slice(&buf[..n]);
            let end = head_end(&head, from);
            head.truncate(from);
            let take = end.map_or(n, |e| e - from);
            // These bytes were peeked: they are in the socket's buffer, this returns at once.
            self.tcp
                .read_exact(&mut buf[..take])
                .map_err(|e| self.io_failed(e, doing))?;
            head.extend_from_slice(&buf[..take]);
            if end.is_some() {
                return Ok(head);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let p = Proxy::from_url("socks5h://me:p%40ss@proxy.example:1081").unwrap();
        assert_eq!(p.to_string(), "socks5h://me@proxy.example:1081");
        assert_eq!(p.user(), Some("me"));
        assert_eq!(p.auth.as_ref().map(|a| a.password.as_str()), Some("p@ss"));
        assert!(!format!("{p:?}").contains("p@ss"));
        let p = Proxy::from_url("SOCKS5://[::1]").unwrap();
        assert_eq!(p.to_string(), "socks5://[::1]:1080");
        assert_eq!(p.kind, Kind::Socks5 { remote_dns: false });
        let p = Proxy::from_url("http://proxy:3128/").unwrap();
        assert_eq!((p.kind, p.server()), (Kind::Http, "proxy:3128".into()));
        let p = Proxy::from_url("proxy.corp:8080").unwrap();
        assert_eq!(p.to_string(), "http://proxy.corp:8080");
        assert_eq!(Proxy::from_url("http://h").unwrap().port, 80);
        assert_eq!(
            "socks5h://h:1".parse::<Proxy>().unwrap(),
            Proxy::socks5("h", 1)
        );
        assert_eq!(
            Proxy::socks5("h", 1).resolve_names_locally(true),
            Proxy::from_url("socks5://h:1").unwrap()
        );
        for (bad, why) in [
            ("https://h:1", "https:// proxies"),
            ("socks4://h", "SOCKS4"),
            ("ftp://h", "unknown scheme ftp://"),
            ("socks5h://", "no host"),
            ("socks5h://h:0", "port 0"),
            ("socks5h://h:99999", "out of range"),
            ("socks5h://h:x", "not a number"),
            ("socks5h://h/path", "no path"),
            ("socks5h://[::1", "unclosed"),
            ("socks5h://:s3cret@h", "without a user"),
            ("socks5h://u:s3cret%zz@h", "bad %-escape in the password"),
        ] {
            let e = Proxy::from_url(bad).unwrap_err().to_string();
            assert!(e.contains(why), "{bad}: {e}");
            assert!(!e.contains("s3cret"), "{e}");
        }
    }

    #[test]
    fn socks_requests() {
        assert_eq!(socks_greeting(false), [5, 1, 0]);
        assert_eq!(socks_greeting(true), [5, 2, 0, 2]);
        assert_eq!(
            socks_auth_request("me", "pw").unwrap(),
            [1, 2, b'm', b'e', 2, b'p', b'w']
        );
        assert_eq!(socks_auth_request("me", "").unwrap(), [1, 2, b'm', b'e', 0]);
        assert!(socks_auth_request("", "pw").is_err());
        assert!(socks_auth_request(&"u".repeat(256), "pw").is_err());
        assert!(socks_auth_request("me", &"p".repeat(256)).is_err());
        assert_eq!(
            socks_connect_request(&Dest::Name("imap.example".into()), 993),
            [&[5u8, 1, 0, 3, 12][..], b"imap.example", &[3, 0xe1]].concat()
        );
        assert_eq!(
            socks_connect_request(&Dest::Ip("192.0.2.1".parse().unwrap()), 143),
            [5, 1, 0, 1, 192, 0, 2, 1, 0, 143]
        );
        let v6 = socks_connect_request(&Dest::Ip("::1".parse().unwrap()), 1);
        assert_eq!((v6.len(), v6[3], v6[19], v6[21]), (22, 4, 1, 1));
    }

    #[test]
    fn socks_replies_are_checked_field_by_field() {
        assert_eq!(socks_method([5, 0], false), Ok(0));
        assert_eq!(socks_method([5, 0], true), Ok(0));
        assert_eq!(socks_method([5, 2], true), Ok(2));
        let f = socks_method([5, 0xff], false).unwrap_err();
        assert!(
            f.credentials && f.reason.contains("wants a user name"),
            "{f:?}"
        );
        let f = socks_method([5, 2], false).unwrap_err();
        assert!(f.credentials, "{f:?}");
        let f = socks_method([5, 0xff], true).unwrap_err();
        assert!(f.credentials && f.reason.contains("none of"), "{f:?}");
        let f = socks_method([5, 1], true).unwrap_err();
        assert!(f.reason.contains("0x01 (GSSAPI)"), "{f:?}");
        assert!(socks_method([b'H', b'T'], false)
            .unwrap_err()
            .reason
            .contains("HTTP"));
        assert!(socks_method([b'*', b' '], false)
            .unwrap_err()
            .reason
            .contains("IMAP greeting"));
        assert!(socks_method([4, 0], false)
            .unwrap_err()
            .reason
            .contains("\\u{4}"));
        assert_eq!(socks_auth_reply([1, 0]), Ok(()));
        assert_eq!(socks_auth_reply([5, 0]), Ok(()));
        let f = socks_auth_reply([1, 1]).unwrap_err();
        assert!(f.credentials && f.reason.contains("refused the user name"));
        assert!(!socks_auth_reply([2, 0]).unwrap_err().credentials);

        let name = Dest::Name("h".into());
        assert_eq!(socks_reply_head([5, 0, 0, 1], &name, "h:1"), Ok(Some(4)));
        assert_eq!(socks_reply_head([5, 0, 0, 4], &name, "h:1"), Ok(Some(16)));
        assert_eq!(socks_reply_head([5, 0, 0, 3], &name, "h:1"), Ok(None));
        for rep in 1..=9u8 {
            let f = socks_reply_head([5, rep, 0, 1], &name, "h:1").unwrap_err();
            assert_eq!(f.code, Some(u16::from(rep)));
            assert!(
                f.reason.contains(socks_reply_meaning(rep))
                    && f.reason.contains(&format!("(SOCKS5 reply {rep})"))
                    && f.reason.contains("h:1"),
                "{f:?}"
            );
        }
        assert!(socks_reply_head([5, 0, 1, 1], &name, "h:1").is_err());
        assert!(socks_reply_head([5, 0, 0, 2], &name, "h:1").is_err());
        assert!(socks_reply_head([4, 0, 0, 1], &name, "h:1").is_err());
    }

    #[test]
    fn http_requests() {
        assert_eq!(
            http_authority("imap.example", 993).unwrap(),
            "imap.example:993"
        );
        assert_eq!(http_authority("[::1]", 993).unwrap(), "[::1]:993");
        assert_eq!(http_authority("::1", 993).unwrap(), "[::1]:993");
        for bad in ["a b", "a\r\nX-Evil: 1", "", "a/b", "é.example"] {
            assert!(http_authority(bad, 1).is_err(), "{bad:?}");
        }
        let auth = Credentials {
            user: "Aladdin".into(),
            password: "open sesame".into(),
        };
        assert_eq!(
            http_request("h:993", Some(&auth)).unwrap(),
            b"CONNECT h:993 HTTP/1.1\r\nHost: h:993\r\n\
              Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n"
        );
        assert_eq!(
            http_request("h:993", None).unwrap(),
            b"CONNECT h:993 HTTP/1.1\r\nHost: h:993\r\n\r\n"
        );
        let colon = Credentials {
            user: "a:b".into(),
            password: "s3cret".into(),
        };
        let e = http_request("h:1", Some(&colon)).unwrap_err().to_string();
        assert!(e.contains("':'") && !e.contains("s3cret"), "{e}");
    }

    #[test]
    fn http_replies() {
        assert_eq!(head_end(b"HTTP/1.1 200 OK\r\n\r\n* OK", 0), Some(19));
        assert_eq!(head_end(b"HTTP/1.0 200 OK\n\n", 0), Some(17));
        assert_eq!(head_end(b"HTTP/1.0 200 OK\r\nA: b\r\n", 0), None);
        // A blank line split across two reads.
        assert_eq!(head_end(b"HTTP/1.1 200 OK\r\n\r\n", 17), Some(19));
        assert_eq!(
            parse_status_line(b"HTTP/1.1 200 Connection established"),
            Some(200)
        );
        assert_eq!(parse_status_line(b"HTTP/1.0 200"), Some(200));
        for bad in [
            &b"HTTP/2 200 OK"[..],
            b"HTTP/1.1 20 OK",
            b"HTTP/1.1 2000",
            b"* OK",
        ] {
            assert_eq!(parse_status_line(bad), None, "{bad:?}");
        }
        assert_eq!(
            http_reply(b"HTTP/1.1 200 OK\r\n\r\n", "h:1", 1, false),
            Ok(())
        );
        assert_eq!(
            http_reply(b"HTTP/1.0 204 x\r\n\r\n", "h:1", 1, false),
            Ok(())
        );
        let f = http_reply(
            b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=x\r\n\r\n",
            "h:993",
            993,
            false,
        )
        .unwrap_err();
        assert_eq!((f.code, f.credentials), (Some(407), true));
        assert!(
            f.reason.contains(
                "answered CONNECT h:993 with \"HTTP/1.1 407 Proxy Authentication Required\": the \
             proxy wants a user name"
            ),
            "{}",
            f.reason
        );
        let f = http_reply(
            b"HTTP/1.1 407 No\r\nProxy-Authenticate: NTLM\r\nProxy-Authenticate: Negotiate\r\n\r\n",
            "h:993",
            993,
            true,
        )
        .unwrap_err();
        assert!(
            f.reason.contains(
                "refused the user name and password (it asks for NTLM, Negotiate; only Basic"
            ),
            "{}",
            f.reason
        );
        let f = http_reply(b"HTTP/1.0 401 Unauthorized\r\n\r\n", "h:1", 1, true).unwrap_err();
        assert!(f.credentials);
        let f = http_reply(b"HTTP/1.1 403 Forbidden\r\n\r\n", "h:993", 993, false).unwrap_err();
        assert_eq!((f.code, f.credentials), (Some(403), false));
        assert!(
            f.reason.contains("port 993 must be allowed"),
            "{}",
            f.reason
        );
        let f = http_reply(b"HTTP/1.1 502 Bad Gateway\r\n\r\n", "h:1", 1, false).unwrap_err();
        assert!(f.reason.contains("could not reach"), "{}", f.reason);
        let f = http_reply(b"HTTP/1.1 302 Found\r\n\r\n", "h:1", 1, false).unwrap_err();
        assert!(f.reason.contains("did not open the tunnel"), "{}", f.reason);
        let f = http_reply(b"* OK [CAPABILITY IMAP4rev1] hi\r\n\r\n", "h:1", 1, false).unwrap_err();
        assert!(f.reason.contains("IMAP greeting"), "{}", f.reason);
        let f = http_reply(b"\x05\x00\r\n\r\n", "h:1", 1, false).unwrap_err();
        assert!(f.reason.contains("SOCKS5"), "{}", f.reason);
        // A status line with escape sequences is shown escaped.
        let f = http_reply(b"HTTP/1.1 403 \x1b[31mred\r\n\r\n", "h:1", 1, false).unwrap_err();
        assert!(f.reason.contains("\\u{1b}[31mred"), "{}", f.reason);
    }

    /// Any bytes at all, as a reply: an answer, never a panic.
    #[test]
    fn replies_of_any_bytes_never_panic() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let samples: [&[u8]; 3] = [
            b"HTTP/1.1 407 x\r\nProxy-Authenticate: \r\nProxy-Authenticate:\r\n\r\n",
            b"HTTP/1.0 200 OK\n\n",
            b"\xff\xfe\r\n\r\n",
        ];
        for _ in 0..20_000 {
            let len = usize::try_from(next() % 64).unwrap();
            let mut bytes: Vec<u8> = (0..len).map(|_| next().to_le_bytes()[0]).collect();
            if next() % 2 == 0 {
                let sample = samples[usize::try_from(next() % 3).unwrap()];
                let cut = usize::try_from(next()).unwrap() % (sample.len() + 1);
                bytes.splice(0..0, sample[..cut].iter().copied());
            }
            let _ = http_reply(&bytes, "h:1", 1, next() % 2 == 0);
            let _ = head_end(&bytes, usize::try_from(next() % 70).unwrap());
            let b = |i: usize| bytes.get(i).copied().unwrap_or(0);
            let _ = socks_method([b(0), b(1)], next() % 2 == 0);
            let _ = socks_auth_reply([b(0), b(1)]);
            let _ = socks_reply_head([b(0), b(1), b(2), b(3)], &Dest::Name("h".into()), "h:1");
        }
    }
}
