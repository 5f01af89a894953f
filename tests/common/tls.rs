//! A fake TLS server for STARTTLS and TLS tests: one connection on 127.0.0.1, handed to a
//! closure that plays the server and switches to TLS when it likes. It speaks TLS with the
//! library the crate was built with (rustls when that feature is on, else native-tls), with
//! the certificate of the project's Dovecot ([`super::dovecot::server_identity`]).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::{self, JoinHandle};

use blocking_imap::ReadWrite;

use super::dovecot::server_identity;

/// Accepts TLS connections as the test server.
pub type Acceptor = Box<dyn Fn(TcpStream) -> Box<dyn ReadWrite> + Send>;

#[cfg(feature = "rustls")]
pub fn acceptor() -> Acceptor {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use std::sync::Arc;

    let (cert, key) = server_identity();
    let chain = CertificateDer::pem_slice_iter(&cert)
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(&key).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    let config = Arc::new(config);
    Box::new(move |tcp| {
        let conn = rustls::ServerConnection::new(config.clone()).unwrap();
        Box::new(rustls::StreamOwned::new(conn, tcp))
    })
}

#[cfg(all(feature = "native-tls", not(feature = "rustls")))]
pub fn acceptor() -> Acceptor {
    let (cert, key) = server_identity();
    let identity = native_tls::Identity::from_pkcs8(&cert, &key).unwrap();
    let acceptor = native_tls::TlsAcceptor::new(identity).unwrap();
    Box::new(move |tcp| Box::new(acceptor.accept(tcp).unwrap()))
}

/// Serves one connection on 127.0.0.1: `server` gets the accepted (plaintext) socket and an
/// [`Acceptor`] to start TLS on it. The acceptor is built here, before anything listens, so a
/// missing certificate fails the test rather than the server thread. Returns the port and
/// the server thread (join it: its panics are the server's failed checks).
pub fn serve(server: impl FnOnce(TcpStream, Acceptor) + Send + 'static) -> (u16, JoinHandle<()>) {
    let accept = acceptor();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        server(tcp, accept);
    });
    (port, handle)
}

/// Writes and flushes (rustls buffers what it encrypts).
pub fn send<S: Read + Write>(r: &mut BufReader<S>, bytes: &[u8]) {
    let s = r.get_mut();
    s.write_all(bytes).unwrap();
    s.flush().unwrap();
}

/// Reads one line, CRLF included.
pub fn read_line<S: Read>(r: &mut BufReader<S>) -> String {
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    line
}
