//! The only module that touches sockets and TLS.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use crate::error::{Error, Result};

/// Any stream the session can run over.
pub trait ReadWrite: Read + Write + Send {}
impl<T: Read + Write + Send> ReadWrite for T {}

/// The connection under a session.
pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<native_tls::TlsStream<Stream>>),
    Custom(Box<dyn ReadWrite>),
    /// COMPRESS=DEFLATE over any of the others.
    Deflate(Box<crate::extensions::compress::Deflate>),
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
            Stream::Tls(s) => s.read(buf),
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
    fn tcp(&self) -> Option<&TcpStream> {
        match self {
            Stream::Plain(s) => Some(s),
            Stream::Tls(s) => s.get_ref().tcp(),
            Stream::Deflate(s) => s.inner.tcp(),
            Stream::Custom(_) | Stream::Closed => None,
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
#[derive(Debug, Clone, Default)]
pub(crate) struct TlsOptions {
    pub(crate) accept_invalid_certs: bool,
    pub(crate) accept_invalid_hostnames: bool,
    pub(crate) root_pems: Vec<Vec<u8>>,
}

/// Connects over TCP to the first address of `host` that answers, within `timeout` each.
pub(crate) fn connect_tcp(
    host: &str,
    port: u16,
    timeout: Duration,
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
) -> Result<TcpStream> {
    let addrs = (host, port).to_socket_addrs()?;
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(s) => {
                s.set_read_timeout(read_timeout)?;
                s.set_write_timeout(write_timeout)?;
                s.set_nodelay(true)?;
                return Ok(s);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) if e.kind() == io::ErrorKind::TimedOut => Error::Timeout {
            operation: "connect",
            after: timeout,
        },
        Some(e) => Error::Io(e),
        None => Error::Io(io::Error::new(
            io::ErrorKind::NotFound,
            format!("no address found for {host}"),
        )),
    })
}

/// Runs the TLS handshake over `stream`, checking the certificate against `host`.
pub(crate) fn tls_wrap(stream: Stream, host: &str, opts: &TlsOptions) -> Result<Stream> {
    let mut b = native_tls::TlsConnector::builder();
    b.danger_accept_invalid_certs(opts.accept_invalid_certs);
    b.danger_accept_invalid_hostnames(opts.accept_invalid_hostnames);
    for pem in &opts.root_pems {
        let cert = native_tls::Certificate::from_pem(pem).map_err(|e| Error::Tls(Box::new(e)))?;
        b.add_root_certificate(cert);
    }
    let connector = b.build().map_err(|e| Error::Tls(Box::new(e)))?;
    // Host names in brackets (IPv6 literals) are checked without them.
    let name = host.trim_start_matches('[').trim_end_matches(']');
    match connector.connect(name, stream) {
        Ok(s) => Ok(Stream::Tls(Box::new(s))),
        Err(native_tls::HandshakeError::Failure(e)) => Err(Error::Tls(Box::new(e))),
        Err(native_tls::HandshakeError::WouldBlock(_)) => Err(Error::Timeout {
            operation: "tls handshake",
            after: Duration::ZERO,
        }),
    }
}
