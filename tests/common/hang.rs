// A connect that hangs, for connect-timeout tests. One copy for the library's unit tests
// (src/transport.rs includes this file with `include!`, so no `//!` docs or other inner
// attributes here) and the integration tests (tests/connect_limits.rs, as `common::hang`).

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

/// A listening socket whose accept queue is full, so that a further connect hangs (its SYN
/// is dropped), with the connections that fill it. `None` where the system never lets a
/// connect hang that way. (Connecting to a non-routable address such as 10.255.255.1 is no
/// use in sandboxes whose network stack answers for any address.)
pub fn hanging_listener() -> Option<(TcpListener, Vec<TcpStream>, SocketAddr)> {
    let listener = TcpListener::bind("127.0.0.1:0").ok()?;
    let addr = listener.local_addr().ok()?;
    let mut fill = Vec::new();
    // Linux queues backlog + 1 connections (std asks for 128, capped by somaxconn).
    for _ in 0..10_000 {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(s) => fill.push(s),
            Err(e) if e.kind() == io::ErrorKind::TimedOut => return Some((listener, fill, addr)),
            Err(_) => return None,
        }
    }
    None
}
