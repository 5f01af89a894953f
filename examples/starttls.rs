//! Connects with STARTTLS on port 143 — refusing to continue in plaintext if the server does
//! not offer it — and shows what was negotiated.
//!
//! ```sh
//! IMAP_PASSWORD=secret cargo run --example starttls -- --host imap.example.com --user me [--ca ca.pem]
//! ```

mod common;

use blocking_imap::Security;
use common::{die, Args};

fn main() {
    let mut args = Args::parse(&[]);
    args.security = Security::StartTls;
    if args.port == 993 {
        args.port = 143;
    }
    let mut client = args
        .builder()
        .connect()
        .unwrap_or_else(|e| die(format!("STARTTLS with {}:{}: {e}", args.host, args.port)));
    let caps: Vec<String> = client
        .capabilities()
        .unwrap_or_else(|e| die(e))
        .iter()
        .map(String::from)
        .collect();
    println!(
        "encrypted: {}; capabilities after TLS: {}",
        client.is_tls(),
        caps.join(" ")
    );
    let password = std::env::var(&args.password_env).unwrap_or_else(|_| die("no password"));
    let session = client
        .login(&args.user, &password)
        .unwrap_or_else(|e| die(format!("login: {}", e.error)));
    println!("logged in as {}", args.user);
    let _ = session.logout();
}
