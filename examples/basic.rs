//! Connects, logs in, shows what the server can do, and logs out.
//!
//! ```sh
//! IMAP_PASSWORD=secret cargo run --example basic -- --host imap.example.com --user me
//! ```

mod common;

use common::{die, Args};

fn main() {
    let args = Args::parse(&[]);
    let mut session = args.login();
    let tls = if session.is_tls() { "TLS" } else { "plaintext" };
    let caps = session
        .capabilities()
        .unwrap_or_else(|e| die(format!("CAPABILITY: {e}")));
    let names: Vec<&str> = caps.iter().collect();
    println!("logged in as {} over {tls}", args.user);
    println!("capabilities: {}", names.join(" "));
    session.noop().unwrap_or_else(|e| die(format!("NOOP: {e}")));
    for item in session.unsolicited() {
        println!("server said: {item:?}");
    }
    session
        .logout()
        .unwrap_or_else(|e| die(format!("LOGOUT: {e}")));
}
