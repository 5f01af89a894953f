//! A scripted server on a real loopback socket, with knobs for splitting writes, delaying,
//! closing mid-stream and going silent.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// One step of a TCP transcript.
#[derive(Debug, Clone)]
pub enum T {
    /// Send these bytes (split and delayed as configured).
    S(Vec<u8>),
    /// Expect the client to write exactly these bytes next.
    C(Vec<u8>),
    /// Stay silent, connection open, for this long.
    Silent(Duration),
    /// Close the connection.
    Close,
}

pub fn s(text: &str) -> T {
    T::S(text.as_bytes().to_vec())
}

pub fn c(text: &str) -> T {
    T::C(text.as_bytes().to_vec())
}

/// How the server writes.
#[derive(Debug, Clone, Copy)]
pub struct Knobs {
    /// Largest write (1 = a byte per write).
    pub split: usize,
    /// Pause between writes.
    pub delay: Duration,
}

impl Default for Knobs {
    fn default() -> Self {
        Knobs {
            split: usize::MAX,
            delay: Duration::ZERO,
        }
    }
}

/// Serves one connection on 127.0.0.1; returns the port and the server thread, whose result
/// says whether the client wrote what the script expected.
pub fn serve(steps: Vec<T>, knobs: Knobs) -> (u16, JoinHandle<Result<(), String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let handle = thread::spawn(move || {
        let (mut sock, _) = listener.accept().map_err(|e| e.to_string())?;
        sock.set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        for step in steps {
            match step {
                T::S(bytes) => {
                    for chunk in bytes.chunks(knobs.split.max(1)) {
                        if sock.write_all(chunk).is_err() {
                            // The client gave up (a limit fired): that is its right.
                            return Ok(());
                        }
                        if !knobs.delay.is_zero() {
                            thread::sleep(knobs.delay);
                        }
                    }
                }
                T::C(expected) => {
                    let mut got = vec![0; expected.len()];
                    sock.read_exact(&mut got).map_err(|e| {
                        format!("reading {:?}: {e}", String::from_utf8_lossy(&expected))
                    })?;
                    if got != expected {
                        return Err(format!(
                            "client wrote {:?}, expected {:?}",
                            String::from_utf8_lossy(&got),
                            String::from_utf8_lossy(&expected)
                        ));
                    }
                }
                T::Silent(d) => thread::sleep(d),
                T::Close => {
                    let _ = sock.shutdown(Shutdown::Both);
                    return Ok(());
                }
            }
        }
        // Wait for the client to hang up.
        let mut rest = Vec::new();
        let _ = sock.read_to_end(&mut rest);
        Ok(())
    });
    (port, handle)
}
