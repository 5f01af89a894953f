//! Logs in with XOAUTH2 (Gmail, Outlook) using an access token from the environment, and
//! lists the mailboxes.
//!
//! ```sh
//! OAUTH_TOKEN=ya29... cargo run --example oauth2 -- --host imap.gmail.com --user me@gmail.com \
//!     [--token-env OAUTH_TOKEN] [--mechanism xoauth2|oauthbearer]
//! ```

mod common;

use blocking_imap::{Authenticator, OAuthBearer, XOAuth2};
use common::{die, Args};

fn main() {
    let args = Args::parse(&[("--token-env", true), ("--mechanism", true)]);
    let var = args.get("--token-env").unwrap_or("OAUTH_TOKEN");
    let token = std::env::var(var).unwrap_or_else(|_| die(format!("set the token in {var}")));
    let mut auth: Box<dyn Authenticator> = match args.get("--mechanism").unwrap_or("xoauth2") {
        "xoauth2" => Box::new(XOAuth2::new(&args.user, token)),
        "oauthbearer" => {
            Box::new(OAuthBearer::new(&args.user, token).with_host(&args.host, args.port))
        }
        other => die(format!("--mechanism {other}: use xoauth2 or oauthbearer")),
    };
    let client = args
        .builder()
        .connect()
        .unwrap_or_else(|e| die(format!("connecting: {e}")));
    let mut session = client
        .authenticate(auth.as_mut())
        .unwrap_or_else(|e| die(format!("authenticating as {}: {}", args.user, e.error)));
    for name in session
        .list("", "*")
        .unwrap_or_else(|e| die(format!("list: {e}")))
    {
        println!("{}", name.name());
    }
    let _ = session.logout();
}
