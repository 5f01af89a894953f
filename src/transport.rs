//! The only module that touches sockets and TLS.
//!
//! TLS runs on one of two backends, chosen at compile time: native-tls (the `native-tls`
//! feature, the default) or rustls (the `rustls` feature, which wins when both are enabled).
//! Each lives in its own module below with the same items (`TlsStream`, `inner`, `read`,
//! `connect`); the rest of the crate sees only [`Stream::Tls`].

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use log::debug;

use crate::error::{Error, Result};

mod cancel;
mod deflate;
mod proxy;
mod proxy_env;
pub use self::cancel::CancelHandle;
pub(crate) use self::cancel::Watch;
pub(crate) use self::deflate::Deflate;
pub(crate) use self::proxy::connect as connect_through_proxy;
pub use self::proxy::Proxy;
pub(crate) use self::proxy_env::proxy_for as proxy_from_vars;

#[cfg(all(feature = "native-tls", not(feature = "rustls")))]
use self::native_backend as backend;
#[cfg(not(any(feature = "native-tls", feature = "rustls")))]
use self::no_backend as backend;
#[cfg(feature = "rustls")]
use self::rustls_backend as backend;

/// Any stream the session can run over.
pub trait ReadWrite: Read + Write + Send {}
impl<T: Read + Write + Send> ReadWrite for T {}

/// The connection under a session.
pub(crate) enum Stream {
    Plain(TcpStream),
    /// TLS over any of the others (the backend's stream; see the module docs).
    Tls(Box<backend::TlsStream>),
    Custom(Box<dyn ReadWrite>),
    /// COMPRESS=DEFLATE over any of the others.
    Deflate(Box<Deflate<Stream>>),
    /// Taken apart for a TLS upgrade that failed.
    Closed,
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stream::Plain(_) => "Stream::Plain",
            Stream::Tls(_) => "Stream::Tls",
            Stream::Custom(_) => "Stream::Custom",
            Stream::Deflate(_) => "Stream::Deflate",
            Stream::Closed => "Stream::Closed",
        })
    }
}

fn closed() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "connection closed")
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => backend::read(s, buf),
            Stream::Custom(s) => s.read(buf),
            Stream::Deflate(s) => s.read(buf),
            Stream::Closed => Err(closed()),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
            Stream::Custom(s) => s.write(buf),
            Stream::Deflate(s) => s.write(buf),
            Stream::Closed => Err(closed()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
            Stream::Custom(s) => s.flush(),
            Stream::Deflate(s) => s.flush(),
            Stream::Closed => Err(closed()),
        }
    }
}

impl Stream {
    /// The TCP socket under the stream, if there is one.
    pub(crate) fn tcp(&self) -> Option<&TcpStream> {
        match self {
            Stream::Plain(s) => Some(s),
            Stream::Tls(s) => backend::inner(s).tcp(),
            Stream::Deflate(s) => s.inner.tcp(),
            Stream::Custom(_) | Stream::Closed => None,
        }
    }

    /// The TLS connection's channel binding data, for `-PLUS` SASL mechanisms.
    pub(crate) fn channel_binding(&self) -> Option<crate::auth::ChannelBinding> {
        match self {
            Stream::Tls(s) => backend::channel_binding(s),
            Stream::Deflate(s) => s.inner.channel_binding(),
            Stream::Plain(_) | Stream::Custom(_) | Stream::Closed => None,
        }
    }

    /// Sets the read timeout of the TCP socket (a caller's own stream keeps its own).
    pub(crate) fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        match self.tcp() {
            Some(t) => t.set_read_timeout(timeout),
            None => Ok(()),
        }
    }

    pub(crate) fn is_tls(&self) -> bool {
        match self {
            Stream::Tls(_) => true,
            Stream::Deflate(s) => s.inner.is_tls(),
            _ => false,
        }
    }

    pub(crate) fn is_compressed(&self) -> bool {
        matches!(self, Stream::Deflate(_))
    }
}

/// TLS settings.
#[derive(Clone, Default)]
pub(crate) struct TlsOptions {
    pub(crate) accept_invalid_certs: bool,
    pub(crate) accept_invalid_hostnames: bool,
    pub(crate) root_pems: Vec<Vec<u8>>,
}

/// The added roots as a count, not as bytes.
impl std::fmt::Debug for TlsOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsOptions")
            .field("accept_invalid_certs", &self.accept_invalid_certs)
            .field("accept_invalid_hostnames", &self.accept_invalid_hostnames)
            .field("added_roots", &self.root_pems.len())
            .finish()
    }
}

/// `host:port` as a person writes it: an IPv6 address in brackets (`[::1]:993`).
pub(crate) fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Connects over TCP to the first address of `host` that answers. `timeout` bounds the whole:
/// resolving the name, then trying its addresses in turn, each with the time left.
///
/// With `cancel`, the lookup and each connect attempt run on a helper thread (see
/// [`before_deadline`]) and a cancel ends the wait at once; without it, the attempts run on
/// the caller's thread.
///
/// Errors: [`Error::Timeout`] (operation `"connect"`) when the time runs out, resolving or
/// connecting; [`Error::Io`] when the name does not resolve, or with the last address's
/// error (connection refused, unreachable...) when none answered; [`Error::Cancelled`]
/// after a cancel.
pub(crate) fn connect_tcp(
    host: &str,
    port: u16,
    timeout: Duration,
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
    cancel: Option<&Watch>,
) -> Result<TcpStream> {
    // No deadline when `timeout` is too large to add to now: that is waiting forever.
    let deadline = Instant::now().checked_add(timeout);
    let addrs = resolve(host, port, deadline, timeout, cancel)?;
    let s = connect_addrs(&addrs, deadline, timeout, cancel)?;
    s.set_read_timeout(read_timeout)?;
    s.set_write_timeout(write_timeout)?;
    s.set_nodelay(true)?;
    Ok(s)
}

fn connect_timeout(after: Duration) -> Error {
    Error::Timeout {
        operation: "connect",
        after,
        server: None,
        hint: None,
    }
}

/// The time left until `deadline`; zero once it has passed. `None` (no deadline) is `limit`.
fn time_left(deadline: Option<Instant>, limit: Duration) -> Duration {
    match deadline {
        Some(d) => d.saturating_duration_since(Instant::now()),
        None => limit,
    }
}

/// `host` as an IP address, if it is one: `192.0.2.1`, `2001:db8::1` or `[2001:db8::1]`.
fn ip_literal(host: &str) -> Option<IpAddr> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse().ok()
}

/// The addresses of `host`, found before `deadline`. An IP literal needs no lookup; a name
/// is looked up by the system's resolver on a helper thread (see [`before_deadline`]).
fn resolve(
    host: &str,
    port: u16,
    deadline: Option<Instant>,
    timeout: Duration,
    cancel: Option<&Watch>,
) -> Result<Vec<SocketAddr>> {
    if let Some(ip) = ip_literal(host) {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let name = host.to_string();
    let lookup = move || -> io::Result<Vec<SocketAddr>> {
        Ok((name.as_str(), port).to_socket_addrs()?.collect())
    };
    match before_deadline(lookup, deadline, cancel)? {
        Some(Ok(addrs)) if addrs.is_empty() => Err(Error::Io(io::Error::new(
            io::ErrorKind::NotFound,
            format!("no address found for {host}"),
        ))),
        Some(Ok(addrs)) => Ok(addrs),
        Some(Err(e)) => Err(Error::Io(e)),
        None => {
            debug!("resolving {host} took longer than the connect timeout ({timeout:?})");
            Err(connect_timeout(timeout))
        }
    }
}

/// How often a wait on a helper thread looks at its cancel handle.
const CANCEL_POLL: Duration = Duration::from_millis(10);

/// Runs `work` on a helper thread and waits for its result until `deadline` (forever when
/// `None`); `Ok(None)` when the deadline passed first, [`Error::Cancelled`] when `cancel`
/// was cancelled first (looked at every 10 ms).
///
/// This is for the system resolver, which blocks for as long as it likes and cannot be
/// cancelled, and for a TCP connect that a cancel handle watches (std cannot interrupt a
/// connect either). Work that outlives the deadline or the cancel is left to finish on its
/// own, detached: its thread ends when the call returns (a connect has the connect
/// timeout), and its result is dropped (a socket is closed). The thread and the caller
/// share one slot, a `Mutex` plus a `Condvar`, used only here and only for this one result;
/// the helper holds the lock just to store the result, so the caller never waits past the
/// deadline. These are the crate's only helper threads; a session never has one.
fn before_deadline<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
    deadline: Option<Instant>,
    cancel: Option<&Watch>,
) -> Result<Option<T>> {
    let slot = Arc::new((Mutex::new(None), Condvar::new()));
    let theirs = Arc::clone(&slot);
    thread::Builder::new()
        .name("blocking-imap-connect".into())
        .spawn(move || {
            let result = work();
            let (lock, ready) = &*theirs;
            *lock.lock().unwrap_or_else(PoisonError::into_inner) = Some(result);
            ready.notify_all();
        })?;
    let (lock, ready) = &*slot;
    let mut result = lock.lock().unwrap_or_else(PoisonError::into_inner);
    loop {
        if let Some(r) = result.take() {
            return Ok(Some(r));
        }
        if let Some(c) = cancel {
            c.check()?;
        }
        // Spurious wake-ups come back here; the deadline is checked on each.
        let left = match deadline {
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Ok(None);
                }
                Some(left)
            }
            None => None,
        };
        let wait = match (left, cancel) {
            (Some(l), Some(_)) => Some(l.min(CANCEL_POLL)),
            (None, Some(_)) => Some(CANCEL_POLL),
            (l, None) => l,
        };
        result = match wait {
            None => ready.wait(result).unwrap_or_else(PoisonError::into_inner),
            Some(w) => match ready.wait_timeout(result, w) {
                Ok((r, _)) => r,
                Err(poisoned) => poisoned.into_inner().0,
            },
        };
    }
}

/// Tries `addrs` in order until one accepts, each with the time left before `deadline`;
/// with `cancel`, each attempt on a helper thread that a cancel stops waiting for.
fn connect_addrs(
    addrs: &[SocketAddr],
    deadline: Option<Instant>,
    timeout: Duration,
    cancel: Option<&Watch>,
) -> Result<TcpStream> {
    let mut last: Option<io::Error> = None;
    for addr in addrs {
        let left = time_left(deadline, timeout);
        if left.is_zero() {
            // Out of time before this address (a slow lookup, or earlier ones that hung).
            debug!("connect timeout ({timeout:?}) reached before trying {addr}");
            return Err(connect_timeout(timeout));
        }
        let tried = match cancel {
            None => TcpStream::connect_timeout(addr, left),
            Some(c) => {
                c.check()?;
                let to = *addr;
                match before_deadline(
                    move || TcpStream::connect_timeout(&to, left),
                    deadline,
                    cancel,
                )? {
                    Some(r) => r,
                    None => Err(io::Error::from(io::ErrorKind::TimedOut)),
                }
            }
        };
        match tried {
            Ok(s) => return Ok(s),
            Err(e) => {
                debug!("connecting to {addr}: {e}");
                last = Some(e);
            }
        }
    }
    Err(match last {
        Some(e)
            if matches!(
                e.kind(),
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
            ) =>
        {
            connect_timeout(timeout)
        }
        // The last address's own error: refused, unreachable...
        Some(e) => Error::Io(e),
        None => Error::Io(io::Error::new(
            io::ErrorKind::NotFound,
            "no address to connect to",
        )),
    })
}

/// Checks that `pem` holds a certificate the TLS backend can use as a root: for
/// [`ClientBuilder::add_root_certificate_pem`](crate::ClientBuilder::add_root_certificate_pem),
/// so that a bad file fails where it was given.
pub(crate) fn check_root_pem(pem: &[u8]) -> Result<()> {
    if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
        return Err(Error::InvalidArgument(
            "add_root_certificate_pem: not a PEM certificate (no \"-----BEGIN CERTIFICATE-----\" \
             line; a DER file must be converted, e.g. with `openssl x509 -inform der`)"
                .into(),
        ));
    }
    backend::check_pem(pem)
        .map_err(|e| Error::InvalidArgument(format!("add_root_certificate_pem: {e}")))
}

/// Runs the TLS handshake over `stream`, checking the certificate against `host`. The
/// handshake is complete when this returns.
///
/// Errors: [`Error::Tls`] for a bad root certificate PEM, a failed handshake or certificate
/// check (a connection closed or reset mid-handshake included), [`Error::Timeout`] when the
/// server stops answering during the handshake.
pub(crate) fn tls_wrap(stream: Stream, host: &str, opts: &TlsOptions) -> Result<Stream> {
    // Host names in brackets (IPv6 literals) are checked without them.
    let name = host.trim_start_matches('[').trim_end_matches(']');
    // The timeout that would have fired, for the error message.
    let after = stream
        .tcp()
        .and_then(|t| t.read_timeout().ok().flatten())
        .unwrap_or_default();
    let tls = backend::connect(stream, name, opts, after)?;
    Ok(Stream::Tls(Box::new(tls)))
}

fn handshake_timeout(after: Duration) -> Error {
    Error::Timeout {
        operation: "tls handshake",
        after,
        server: None,
        hint: None,
    }
}

/// TLS through the platform's library (OpenSSL, Secure Transport, SChannel).
#[cfg(all(feature = "native-tls", not(feature = "rustls")))]
mod native_backend {
    use std::io::{self, Read};
    use std::time::Duration;

    use super::{handshake_timeout, Stream, TlsOptions};
    use crate::error::{Error, Result};

    pub(crate) type TlsStream = native_tls::TlsStream<Stream>;

    pub(super) fn inner(s: &TlsStream) -> &Stream {
        s.get_ref()
    }

    pub(super) fn read(s: &mut TlsStream, buf: &mut [u8]) -> io::Result<usize> {
        s.read(buf)
    }

    /// `tls-server-end-point` (RFC 5929): the library hashes the server's certificate with
    /// the hash its signature uses (SHA-256 for MD5 and SHA-1).
    pub(super) fn channel_binding(s: &TlsStream) -> Option<crate::auth::ChannelBinding> {
        let data = s.tls_server_end_point().ok().flatten()?;
        Some(crate::auth::ChannelBinding::new(
            "tls-server-end-point",
            data,
        ))
    }

    /// Can the platform's library read a certificate out of `pem`?
    pub(super) fn check_pem(pem: &[u8]) -> std::result::Result<(), String> {
        native_tls::Certificate::from_pem(pem)
            .map(drop)
            .map_err(|e| e.to_string())
    }

    pub(super) fn connect(
        stream: Stream,
        name: &str,
        opts: &TlsOptions,
        after: Duration,
    ) -> Result<TlsStream> {
        let mut b = native_tls::TlsConnector::builder();
        // TLS 1.2 or newer, as with rustls (its safe defaults): 1.0 and 1.1 are deprecated
        // (RFC 8996), and the library's own default may still allow them.
        b.min_protocol_version(Some(native_tls::Protocol::Tlsv12));
        b.danger_accept_invalid_certs(opts.accept_invalid_certs);
        b.danger_accept_invalid_hostnames(opts.accept_invalid_hostnames);
        for pem in &opts.root_pems {
            let cert =
                native_tls::Certificate::from_pem(pem).map_err(|e| Error::Tls(Box::new(e)))?;
            b.add_root_certificate(cert);
        }
        let connector = b.build().map_err(|e| Error::Tls(Box::new(e)))?;
        match connector.connect(name, stream) {
            Ok(s) => Ok(s),
            Err(native_tls::HandshakeError::Failure(e)) => Err(Error::Tls(Box::new(e))),
            // A blocking socket only "would block" when its timeout expired.
            Err(native_tls::HandshakeError::WouldBlock(_)) => Err(handshake_timeout(after)),
        }
    }
}

/// TLS in pure Rust: rustls with the ring provider, roots from the platform's store.
#[cfg(feature = "rustls")]
mod rustls_backend {
    use std::io::{self, Read};
    use std::sync::{Arc, OnceLock};
    use std::time::Duration;

    use log::warn;
    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::client::WebPkiServerVerifier;
    use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use rustls::{
        CertificateError, ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore,
        SignatureScheme, StreamOwned,
    };

    use super::{handshake_timeout, Stream, TlsOptions};
    use crate::error::{Error, Result};

    pub(crate) type TlsStream = StreamOwned<ClientConnection, Stream>;

    pub(super) fn inner(s: &TlsStream) -> &Stream {
        s.get_ref()
    }

    pub(super) fn read(s: &mut TlsStream, buf: &mut [u8]) -> io::Result<usize> {
        match s.read(buf) {
            // A TCP close without TLS close_notify: the end of the stream, as with native-tls.
            // IMAP delimits its own responses, so a truncation cannot go unnoticed: a cut
            // response is an incomplete frame, and the session says the connection closed.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(0),
            r => r,
        }
    }

    fn tls_error(e: impl std::error::Error + Send + Sync + 'static) -> Error {
        Error::Tls(Box::new(e))
    }

    /// `tls-exporter` (RFC 9266) over TLS 1.3: 32 bytes exported with the label
    /// `EXPORTER-Channel-Binding` and no context. None over TLS 1.2 (without the extended
    /// master secret the exporter is not unique to the connection).
    pub(super) fn channel_binding(s: &TlsStream) -> Option<crate::auth::ChannelBinding> {
        if s.conn.protocol_version() != Some(rustls::ProtocolVersion::TLSv1_3) {
            return None;
        }
        let data = s
            .conn
            .export_keying_material([0u8; 32], b"EXPORTER-Channel-Binding", Some(&[]))
            .ok()?;
        Some(crate::auth::ChannelBinding::new(
            "tls-exporter",
            data.to_vec(),
        ))
    }

    /// Does `pem` hold at least one certificate that can be a root?
    pub(super) fn check_pem(pem: &[u8]) -> std::result::Result<(), String> {
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| e.to_string())?;
            roots
                .add(cert)
                .map_err(|e| format!("unusable certificate: {e}"))?;
        }
        if roots.is_empty() {
            return Err("no certificate found in the PEM".into());
        }
        Ok(())
    }

    /// The platform's trusted roots, read at the first connection that needs them and kept
    /// for the life of the process.
    fn system_roots() -> &'static RootCertStore {
        static ROOTS: OnceLock<RootCertStore> = OnceLock::new();
        ROOTS.get_or_init(|| {
            let found = rustls_native_certs::load_native_certs();
            for e in &found.errors {
                warn!("loading the system's root certificates: {e}");
            }
            let mut roots = RootCertStore::empty();
            let (_, unusable) = roots.add_parsable_certificates(found.certs);
            if unusable > 0 {
                warn!("skipped {unusable} unusable system root certificates");
            }
            if roots.is_empty() {
                warn!("no system root certificates found: only added roots are trusted");
            }
            roots
        })
    }

    /// The certificates of each PEM given to `add_root_certificate_pem` (all of them, when a
    /// PEM holds several). A PEM without a certificate, or with a certificate that cannot be
    /// a root, is an error, even with `danger_accept_invalid_certs` (as with native-tls).
    fn added_roots(opts: &TlsOptions) -> Result<RootCertStore> {
        let bad_pem =
            |e: &dyn std::fmt::Display| Error::Tls(format!("add_root_certificate_pem: {e}").into());
        let mut roots = RootCertStore::empty();
        for pem in &opts.root_pems {
            let before = roots.len();
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert = cert.map_err(|e| bad_pem(&e))?;
                roots
                    .add(cert)
                    .map_err(|e| bad_pem(&format!("unusable certificate: {e}")))?;
            }
            if roots.len() == before {
                return Err(bad_pem(&"no certificate found in the PEM"));
            }
        }
        Ok(roots)
    }

    fn verifier(
        opts: &TlsOptions,
        provider: &Arc<CryptoProvider>,
    ) -> Result<Arc<dyn ServerCertVerifier>> {
        let added = added_roots(opts)?;
        if opts.accept_invalid_certs {
            return Ok(Arc::new(AcceptAnyCert(provider.clone())));
        }
        let mut roots = system_roots().clone();
        roots.roots.extend(added.roots);
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(tls_error)?;
        if opts.accept_invalid_hostnames {
            Ok(Arc::new(AnyHostName(webpki)))
        } else {
            Ok(webpki)
        }
    }

    pub(super) fn connect(
        mut stream: Stream,
        name: &str,
        opts: &TlsOptions,
        after: Duration,
    ) -> Result<TlsStream> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = verifier(opts, &provider)?;
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(tls_error)?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        // A DNS name is sent as SNI and checked against the certificate's DNS names; an IP
        // address is not sent (RFC 6066) and is checked against its IP addresses.
        let server_name = ServerName::try_from(name.to_string()).map_err(|e| {
            Error::Tls(format!("{name:?} is neither a DNS name nor an IP address: {e}").into())
        })?;
        let mut conn = ClientConnection::new(Arc::new(config), server_name).map_err(tls_error)?;
        // The whole handshake now, so that certificate errors surface from connect().
        while conn.is_handshaking() {
            match conn.complete_io(&mut stream) {
                Ok((0, 0)) => {
                    return Err(Error::Tls(
                        "the tls handshake stalled without reading or writing".into(),
                    ))
                }
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(handshake_error(e, after)),
            }
        }
        Ok(StreamOwned::new(conn, stream))
    }

    /// A failed handshake: a timeout, a TLS error (rustls wraps those in `InvalidData`), or
    /// the connection lost (an error too, as with native-tls).
    fn handshake_error(e: io::Error, after: Duration) -> Error {
        match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => handshake_timeout(after),
            io::ErrorKind::UnexpectedEof => {
                Error::Tls("the server closed the connection during the tls handshake".into())
            }
            _ => match e.downcast::<rustls::Error>() {
                Ok(tls) => tls_error(tls),
                Err(e) => tls_error(e),
            },
        }
    }

    /// `danger_accept_invalid_certs`: any certificate is accepted, but the handshake's
    /// signatures are still checked, so the peer must hold the key of the certificate it sent.
    #[derive(Debug)]
    struct AcceptAnyCert(Arc<CryptoProvider>);

    impl ServerCertVerifier for AcceptAnyCert {
        fn verify_server_cert(
            &self,
            _end_entity: &CertificateDer<'_>,
            _intermediates: &[CertificateDer<'_>],
            _server_name: &ServerName<'_>,
            _ocsp_response: &[u8],
            _now: UnixTime,
        ) -> std::result::Result<ServerCertVerified, rustls::Error> {
            Ok(ServerCertVerified::assertion())
        }

        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
            verify_tls12_signature(
                message,
                cert,
                dss,
                &self.0.signature_verification_algorithms,
            )
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
            verify_tls13_signature(
                message,
                cert,
                dss,
                &self.0.signature_verification_algorithms,
            )
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.0.signature_verification_algorithms.supported_schemes()
        }
    }

    /// `danger_accept_invalid_hostnames`: the chain must be valid (trusted root, dates, key
    /// usage), but it may be issued for another name. The WebPKI verifier checks the name
    /// only after the chain, so "not valid for name" means everything else passed.
    #[derive(Debug)]
    struct AnyHostName(Arc<WebPkiServerVerifier>);

    impl ServerCertVerifier for AnyHostName {
        fn verify_server_cert(
            &self,
            end_entity: &CertificateDer<'_>,
            intermediates: &[CertificateDer<'_>],
            server_name: &ServerName<'_>,
            ocsp_response: &[u8],
            now: UnixTime,
        ) -> std::result::Result<ServerCertVerified, rustls::Error> {
            match self.0.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            ) {
                Err(rustls::Error::InvalidCertificate(
                    CertificateError::NotValidForName
                    | CertificateError::NotValidForNameContext { .. },
                )) => Ok(ServerCertVerified::assertion()),
                other => other,
            }
        }

        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
            self.0.verify_tls12_signature(message, cert, dss)
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
            self.0.verify_tls13_signature(message, cert, dss)
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.0.supported_verify_schemes()
        }
    }
}

/// Neither feature: lib.rs stops the build with a clear message; this only keeps the
/// compiler from adding a pile of unrelated errors to it.
#[cfg(not(any(feature = "native-tls", feature = "rustls")))]
mod no_backend {
    use std::io;
    use std::time::Duration;

    use super::{Stream, TlsOptions};
    use crate::error::{Error, Result};

    pub(crate) enum TlsStream {}

    impl io::Write for TlsStream {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            match *self {}
        }
        fn flush(&mut self) -> io::Result<()> {
            match *self {}
        }
    }

    pub(super) fn inner(s: &TlsStream) -> &Stream {
        match *s {}
    }

    pub(super) fn check_pem(_: &[u8]) -> std::result::Result<(), String> {
        Ok(())
    }

    pub(super) fn channel_binding(s: &TlsStream) -> Option<crate::auth::ChannelBinding> {
        match *s {}
    }

    pub(super) fn read(s: &mut TlsStream, _: &mut [u8]) -> io::Result<usize> {
        match *s {}
    }

    pub(super) fn connect(_: Stream, _: &str, _: &TlsOptions, _: Duration) -> Result<TlsStream> {
        Err(Error::Tls("built without a tls backend".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// `hanging_listener()`, one copy with tests/connect_limits.rs. (`#[path]` would not do
    /// here: inside `mod tests` it is taken from src/transport/tests/, which does not exist.)
    mod hang {
        include!("../tests/common/hang.rs");
    }
    use hang::hanging_listener;

    /// A port on 127.0.0.1 with nothing listening.
    fn refusing() -> SocketAddr {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    }

    #[test]
    fn ip_literals_need_no_lookup() {
        let v4: IpAddr = "192.0.2.1".parse().unwrap();
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(ip_literal("192.0.2.1"), Some(v4));
        assert_eq!(ip_literal("2001:db8::1"), Some(v6));
        assert_eq!(ip_literal("[2001:db8::1]"), Some(v6));
        for name in [
            "localhost",
            "imap.example.com",
            "[localhost]",
            "",
            "[192.0.2.1",
        ] {
            assert_eq!(ip_literal(name), None, "{name}");
        }
        let addrs = resolve("[::1]", 143, None, Duration::ZERO, None).unwrap();
        assert_eq!(addrs, [SocketAddr::new("::1".parse().unwrap(), 143)]);
    }

    #[test]
    fn a_cancel_ends_a_hanging_connect_at_once() {
        let Some((_listener, _fill, hang)) = hanging_listener() else {
            eprintln!("skipped: no way to make a connect hang here");
            return;
        };
        let handle = CancelHandle::new();
        let watch = handle.watch().unwrap();
        let h = handle.clone();
        let t = thread::spawn(move || {
            thread::sleep(Duration::from_millis(100));
            h.cancel();
        });
        let start = Instant::now();
        let deadline = start.checked_add(Duration::from_secs(20));
        let e =
            connect_addrs(&[hang], deadline, Duration::from_secs(20), Some(&watch)).unwrap_err();
        let took = start.elapsed();
        t.join().unwrap();
        assert!(matches!(e, Error::Cancelled), "{e}");
        assert!(took < Duration::from_secs(2), "{took:?}");
        // A handle still cancelled refuses the next connect before it starts.
        assert!(matches!(handle.watch(), Err(Error::Cancelled)));
    }

    #[test]
    fn a_slow_lookup_is_abandoned_at_the_deadline() {
        let start = Instant::now();
        let deadline = start.checked_add(Duration::from_millis(100));
        let slow = || thread::sleep(Duration::from_secs(5));
        assert!(before_deadline(slow, deadline, None).unwrap().is_none());
        assert!(start.elapsed() < Duration::from_secs(2));
        // A quick one, with and without a deadline.
        let deadline = Instant::now().checked_add(Duration::from_secs(5));
        assert_eq!(before_deadline(|| 7, deadline, None).unwrap(), Some(7));
        assert_eq!(before_deadline(|| 8, None, None).unwrap(), Some(8));
    }

    #[test]
    fn names_resolve_within_the_timeout() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let s = connect_tcp("localhost", port, Duration::from_secs(10), None, None, None).unwrap();
        assert!(s.peer_addr().unwrap().ip().is_loopback());
        let e = connect_tcp(
            "nonexistent.invalid",
            port,
            Duration::from_secs(10),
            None,
            None,
            None,
        )
        .unwrap_err();
        assert!(matches!(e, Error::Io(_) | Error::Timeout { .. }), "{e:?}");
    }

    #[test]
    fn a_refused_connection_fails_fast_with_its_error() {
        let addr = refusing();
        let start = Instant::now();
        let e = connect_tcp(
            "127.0.0.1",
            addr.port(),
            Duration::from_secs(10),
            None,
            None,
            None,
        )
        .unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(2));
        match e {
            Error::Io(e) => assert_eq!(e.kind(), io::ErrorKind::ConnectionRefused),
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn the_next_address_is_tried_after_a_refusal() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let good = l.local_addr().unwrap();
        let deadline = Instant::now().checked_add(Duration::from_secs(10));
        let s =
            connect_addrs(&[refusing(), good], deadline, Duration::from_secs(10), None).unwrap();
        assert_eq!(s.peer_addr().unwrap(), good);
        let e = connect_addrs(&[], deadline, Duration::from_secs(10), None).unwrap_err();
        assert!(matches!(e, Error::Io(ref e) if e.kind() == io::ErrorKind::NotFound));
    }

    #[test]
    fn the_timeout_bounds_all_addresses_together() {
        let Some((_listener, _fill, hang)) = hanging_listener() else {
            eprintln!("skipped: no way to make a connect hang here");
            return;
        };
        let timeout = Duration::from_millis(600);
        let start = Instant::now();
        let deadline = start.checked_add(timeout);
        // Three hanging addresses: 1.8 s if each had the whole timeout.
        let e = connect_addrs(&[hang, hang, hang], deadline, timeout, None).unwrap_err();
        let took = start.elapsed();
        assert!(
            matches!(e, Error::Timeout { operation: "connect", after, .. } if after == timeout),
            "{e:?}"
        );
        assert!(took >= Duration::from_millis(550), "{took:?}");
        assert!(took < Duration::from_millis(1100), "{took:?}");
        // A working address after the time ran out is not tried.
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let good = l.local_addr().unwrap();
        let e = connect_addrs(&[good], deadline, timeout, None).unwrap_err();
        assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
    }
}
