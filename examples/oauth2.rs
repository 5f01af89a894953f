//! Logs in with XOAUTH2 (Gmail, Outlook) or OAUTHBEARER with a token provider, lists the
//! mailboxes, and (with `--watch`) keeps the session alive across reconnects, each of which
//! asks the provider for a fresh token.
//!
//! The token comes from a command run before every login (`--token-cmd`, e.g. a script that
//! exchanges a refresh token: see "OAuth 2.0 tokens" in the crate docs), or else from an
//! environment variable read before every login.
//!
//! ```sh
//! OAUTH_TOKEN=ya29... cargo run --example oauth2 -- --host imap.gmail.com --user me@gmail.com \
//!     [--token-env OAUTH_TOKEN | --token-cmd './refresh-google-token.sh'] \
//!     [--mechanism xoauth2|oauthbearer] [--watch]
//! ```

mod common;

use blocking_imap::{Authenticator, OAuthBearer, TokenResult, XOAuth2};
use common::{die, Args};

/// Asks for a token: runs `cmd` with `sh -c` and takes its first line, or reads `var`.
fn fetch_token(cmd: Option<&str>, var: &str) -> TokenResult {
    match cmd {
        Some(cmd) => {
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(cmd)
                .output()?;
            if !out.status.success() {
                return Err(format!("--token-cmd exited with {}", out.status).into());
            }
            let text = String::from_utf8(out.stdout)?;
            let token = text.lines().next().unwrap_or("").trim().to_string();
            if token.is_empty() {
                return Err("--token-cmd printed no token".into());
            }
            Ok(token)
        }
        None => Ok(std::env::var(var).map_err(|_| format!("set the token in {var}"))?),
    }
}

fn main() {
    let args = Args::parse(&[
        ("--token-env", true),
        ("--token-cmd", true),
        ("--mechanism", true),
        ("--watch", false),
    ]);
    let var = args.get("--token-env").unwrap_or("OAUTH_TOKEN").to_string();
    let cmd = args.get("--token-cmd").map(str::to_string);
    // Asked before every login: the first one, and each reconnect.
    let provider = move || fetch_token(cmd.as_deref(), &var);
    let make: Box<dyn Fn() -> Box<dyn Authenticator> + Send + Sync> =
        match args.get("--mechanism").unwrap_or("xoauth2") {
            "xoauth2" => Box::new(XOAuth2::with_provider(&args.user, provider)),
            "oauthbearer" => Box::new(OAuthBearer::with_provider(
                &args.user,
                Some((&args.host, args.port)),
                provider,
            )),
            other => die(format!("--mechanism {other}: use xoauth2 or oauthbearer")),
        };
    let client = args
        .builder()
        .send_id()
        .connect()
        .unwrap_or_else(|e| die(format!("connecting: {e}")));
    let mut session = match client.authenticate_with(make) {
        Ok(s) => s,
        Err(failed) if failed.error.is_token_expired() => die(format!(
            "the token for {} was refused as expired or invalid: {}",
            args.user, failed.error
        )),
        Err(failed) => die(format!("authenticating as {}: {}", args.user, failed.error)),
    };
    for name in session
        .list("", "*")
        .unwrap_or_else(|e| die(format!("list: {e}")))
    {
        println!("{}", name.name());
    }
    if args.has("--watch") {
        session
            .select("INBOX")
            .unwrap_or_else(|e| die(format!("select: {e}")));
        loop {
            match session.idle().wait_for_news() {
                Ok(news) => println!("{news:?}"),
                Err(e) if e.is_broken() => {
                    // Tokens last an hour: the provider gives a fresh one for the new login.
                    let back = session
                        .reconnect()
                        .unwrap_or_else(|e| die(format!("reconnect: {e}")));
                    eprintln!("reconnected after {} attempts", back.attempts);
                }
                Err(e) => die(format!("idle: {e}")),
            }
        }
    }
    let _ = session.logout();
}
