//! Makes the five mistakes new users make most, against the server of `IMAP_URL`, and prints
//! the error each one gets: the words a user sees.
//!
//! ```sh
//! IMAP_URL=imap://me@localhost:10143 IMAP_PASSWORD=secret cargo run --example mistakes
//! ```
use std::time::Duration;

use blocking_imap::{ClientBuilder, FetchItems};

fn main() -> Result<(), blocking_imap::Error> {
    let env = ClientBuilder::from_env()?;
    let server = env.builder.server();
    let show = |mistake: &str, e: blocking_imap::Error| println!("{mistake}:\n    {e}");
    // 1. A port out of range in the URL.
    show(
        "a port out of range",
        ClientBuilder::from_url("imaps://me@host:99999").unwrap_err(),
    );
    // 2. The other kind of TLS for this port (a TLS handshake with a STARTTLS port, or
    //    plaintext with a TLS port: then the greeting wait ends it).
    let tls = std::env::var("IMAP_URL").is_ok_and(|u| u.starts_with("imaps://"));
    let other = if tls { "imap" } else { "imaps" };
    let b = ClientBuilder::from_url(&format!("{other}://{server}"))?;
    match b.greeting_timeout(Duration::from_secs(2)).connect() {
        Err(e) => show(&format!("an {other}:// URL for this port"), e),
        Ok(_) => println!("an {other}:// URL for this port: accepted"),
    }
    // 3. A wrong password.
    let e = env
        .builder
        .connect()?
        .login(&env.user, "not the password")
        .unwrap_err();
    show("a wrong password", e.error);
    let mut session = env.login()?;
    // 4. FETCH before SELECT.
    show(
        "FETCH before SELECT",
        session.fetch(1.., &FetchItems::new().uid()).unwrap_err(),
    );
    // 5. A mailbox that does not exist.
    let e = session.select("No such mailbox").unwrap_err();
    println!("(is_nonexistent: {})", e.is_nonexistent());
    show("a mailbox that does not exist", e);
    session.logout()
}
