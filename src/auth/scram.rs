//! SCRAM-SHA-256 and SCRAM-SHA-1 (RFC 5802, RFC 7677): the password never crosses the wire,
//! and the server proves that it knows it.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use super::{Authenticator, ChannelBinding};
use crate::error::{Error, RawBytes, Result};

/// The fewest PBKDF2 iterations accepted from a server: RFC 5802 section 5.1 and RFC 7677
/// section 4 ask for at least 4096. Fewer make the keys a server (or an impostor) learns
/// from one exchange cheap to attack offline.
pub(crate) const MIN_ITERATIONS: u32 = 4096;

/// The most PBKDF2 iterations accepted from a server: a bound on the CPU time a server can
/// make the client spend (about a second of one core, SHA-1 or SHA-256, in a release build),
/// far above what servers use (Dovecot: 4096).
pub(crate) const MAX_ITERATIONS: u32 = 10_000_000;

/// Bytes of OS randomness in a client nonce (32 characters of base64).
const NONCE_BYTES: usize = 24;

/// The hash a SCRAM mechanism is built on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hash {
    Sha1,
    Sha256,
}

impl Hash {
    fn mechanism(self) -> &'static str {
        match self {
            Hash::Sha1 => "SCRAM-SHA-1",
            Hash::Sha256 => "SCRAM-SHA-256",
        }
    }

    /// `Hi(password, salt, i)`: PBKDF2 with HMAC of this hash.
    fn salted_password(self, password: &[u8], salt: &[u8], iterations: u32) -> Vec<u8> {
        match self {
            Hash::Sha1 => {
                let mut out = [0u8; 20];
                pbkdf2::pbkdf2_hmac::<Sha1>(password, salt, iterations, &mut out);
                out.to_vec()
            }
            Hash::Sha256 => {
                let mut out = [0u8; 32];
                pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, iterations, &mut out);
                out.to_vec()
            }
        }
    }

    fn hmac(self, key: &[u8], data: &[u8]) -> Result<Vec<u8>> {
        match self {
            Hash::Sha1 => hmac::<Hmac<Sha1>>(key, data),
            Hash::Sha256 => hmac::<Hmac<Sha256>>(key, data),
        }
    }

    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha1 => Sha1::digest(data).to_vec(),
            Hash::Sha256 => Sha256::digest(data).to_vec(),
        }
    }

    /// Is `signature` the HMAC of `data` under `key`? (A constant-time comparison.)
    fn verify(self, key: &[u8], data: &[u8], signature: &[u8]) -> Result<bool> {
        match self {
            Hash::Sha1 => verify::<Hmac<Sha1>>(key, data, signature),
            Hash::Sha256 => verify::<Hmac<Sha256>>(key, data, signature),
        }
    }
}

fn keyed<M: Mac + KeyInit>(key: &[u8]) -> Result<M> {
    // HMAC takes keys of any length: this never fails.
    <M as Mac>::new_from_slice(key)
        .map_err(|_| Error::InvalidArgument("SCRAM: HMAC refused the key".into()))
}

fn hmac<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> Result<Vec<u8>> {
    let mut mac = keyed::<M>(key)?;
    mac.update(data);
    Ok(mac.finalize().into_bytes().to_vec())
}

fn verify<M: Mac + KeyInit>(key: &[u8], data: &[u8], signature: &[u8]) -> Result<bool> {
    let mut mac = keyed::<M>(key)?;
    mac.update(data);
    Ok(mac.verify_slice(signature).is_ok())
}

/// Where the exchange stands.
enum State {
    /// Nothing sent yet.
    Start,
    /// The client-first-message went out.
    SentFirst {
        /// `client-first-message-bare`, part of the AuthMessage.
        bare: String,
        nonce: String,
    },
    /// The client-final-message went out; the server must now prove itself.
    SentFinal {
        server_key: Vec<u8>,
        auth_message: String,
    },
    /// The server's signature checked out.
    Verified,
    /// The server ended the exchange with `e=` (kept for the error if it says OK anyway).
    Rejected(String),
    /// A message of the server did not pass; nothing more is answered.
    Failed,
}

/// The shared machinery of [`ScramSha256`] and [`ScramSha1`].
struct Scram {
    hash: Hash,
    authzid: String,
    user: String,
    password: String,
    /// A fixed client nonce, for known-answer tests only.
    fixed_nonce: Option<String>,
    /// The `-PLUS` variant: the exchange bound to the TLS connection.
    plus: bool,
    /// The connection's channel binding, when its TLS backend gives one.
    binding: Option<ChannelBinding>,
    /// The server was seen to offer no `-PLUS` mechanism (set by `Client::login_best`, the
    /// one caller that knows the capabilities): with binding data, the GS2 header says `y`.
    no_plus_offered: bool,
    state: State,
}

impl Scram {
    fn new(hash: Hash, user: String, password: String) -> Self {
        Scram {
            hash,
            authzid: String::new(),
            user,
            password,
            fixed_nonce: None,
            plus: false,
            binding: None,
            no_plus_offered: false,
            state: State::Start,
        }
    }

    fn mechanism(&self) -> &'static str {
        match (self.plus, self.hash.mechanism()) {
            (true, "SCRAM-SHA-1") => "SCRAM-SHA-1-PLUS",
            (true, _) => "SCRAM-SHA-256-PLUS",
            (false, name) => name,
        }
    }

    fn protocol(&self, what: impl fmt::Display) -> Error {
        Error::Protocol(format!("{}: {what}", self.mechanism()))
    }

    /// The user name, authorisation identity and password as SCRAM sends and hashes them
    /// (SASLprep'd), or an error naming the field (never its value).
    fn prepared(&self) -> Result<(String, String, String)> {
        let mech = self.mechanism();
        let user = saslprep(&self.user).map_err(|why| {
            Error::InvalidArgument(format!("{mech} user name {why} (SASLprep, RFC 4013)"))
        })?;
        if user.is_empty() {
            return Err(Error::InvalidArgument(format!("{mech} user name is empty")));
        }
        let authzid = saslprep(&self.authzid).map_err(|why| {
            Error::InvalidArgument(format!(
                "{mech} authorization identity {why} (SASLprep, RFC 4013)"
            ))
        })?;
        let password = saslprep(&self.password).map_err(|why| {
            Error::InvalidArgument(format!("{mech} password {why} (SASLprep, RFC 4013)"))
        })?;
        if self.plus && self.binding.is_none() {
            return Err(Error::InvalidArgument(format!(
                "{mech} needs channel binding data from the TLS connection, and this \
                 connection has none (no TLS, or a backend that gives none)"
            )));
        }
        if let Some(nonce) = &self.fixed_nonce {
            if nonce.is_empty() || !nonce.bytes().all(is_printable) {
                return Err(Error::InvalidArgument(format!(
                    "{mech} client nonce must be printable ASCII other than ','"
                )));
            }
        }
        Ok((user, authzid, password))
    }

    /// The gs2-header: `p=<type>` for a `-PLUS` exchange; `y` when the connection has
    /// binding data but the server offers no `-PLUS` mechanism; else `n` (no channel
    /// binding); then the authorisation identity if any.
    fn gs2_header(&self, authzid: &str) -> String {
        let flag = match (&self.binding, self.plus) {
            (Some(b), true) => format!("p={}", b.kind()),
            // RFC 5802 section 6: a client that could bind but sees no -PLUS must not say
            // `n`. With `y`, a server that does support binding fails the exchange, so a man
            // in the middle who struck -PLUS from the capabilities is caught.
            (Some(_), false) if self.no_plus_offered => "y".to_string(),
            _ => "n".to_string(),
        };
        if authzid.is_empty() {
            format!("{flag},,")
        } else {
            format!("{flag},a={},", saslname(authzid))
        }
    }

    /// `c=`: the gs2-header, followed for a `-PLUS` exchange by the binding data.
    fn channel_binding_field(&self, authzid: &str) -> String {
        let mut bytes = self.gs2_header(authzid).into_bytes();
        if let (Some(b), true) = (&self.binding, self.plus) {
            bytes.extend_from_slice(b.data());
        }
        STANDARD.encode(bytes)
    }

    fn client_first(&mut self) -> Result<Vec<u8>> {
        let (user, authzid, _) = self.prepared()?;
        let nonce = match &self.fixed_nonce {
            Some(n) => n.clone(),
            None => {
                let mut bytes = [0u8; NONCE_BYTES];
                getrandom::getrandom(&mut bytes).map_err(|e| {
                    Error::Io(std::io::Error::other(format!(
                        "{}: no randomness from the OS for the nonce: {e}",
                        self.mechanism()
                    )))
                })?;
                STANDARD.encode(bytes)
            }
        };
        let bare = format!("n={},r={nonce}", saslname(&user));
        let message = format!("{}{bare}", self.gs2_header(&authzid));
        self.state = State::SentFirst { bare, nonce };
        Ok(message.into_bytes())
    }

    fn client_final(&mut self, challenge: &[u8], bare: &str, nonce: &str) -> Result<Vec<u8>> {
        let (_, authzid, password) = self.prepared()?;
        let first = self.parse_server_first(challenge, nonce)?;
        let channel_binding = self.channel_binding_field(&authzid);
        let without_proof = format!("c={channel_binding},r={}", first.nonce);
        let server_first = std::str::from_utf8(challenge).unwrap_or_default();
        let auth_message = format!("{bare},{server_first},{without_proof}");

        let hash = self.hash;
        let salted = hash.salted_password(password.as_bytes(), &first.salt, first.iterations);
        let client_key = hash.hmac(&salted, b"Client Key")?;
        let stored_key = hash.digest(&client_key);
        let client_signature = hash.hmac(&stored_key, auth_message.as_bytes())?;
        let proof: Vec<u8> = client_key
            .iter()
            .zip(&client_signature)
            .map(|(k, s)| k ^ s)
            .collect();
        let server_key = hash.hmac(&salted, b"Server Key")?;
        self.state = State::SentFinal {
            server_key,
            auth_message,
        };
        Ok(format!("{without_proof},p={}", STANDARD.encode(proof)).into_bytes())
    }

    /// `server-first-message` (RFC 5802 section 7):
    /// `[reserved-mext ","] nonce "," salt "," iteration-count ["," extensions]`.
    fn parse_server_first(&self, challenge: &[u8], our_nonce: &str) -> Result<ServerFirst> {
        let text = std::str::from_utf8(challenge).map_err(|_| {
            self.protocol(format_args!(
                "the server's first message is not UTF-8: {}",
                RawBytes::new(challenge)
            ))
        })?;
        let shown = || RawBytes::new(challenge);
        let mut fields = text.split(',');
        let mut next = |name: &str| -> Result<&str> {
            let field = fields.next().unwrap_or_default();
            field.strip_prefix(name).ok_or_else(|| {
                if let Some(m) = field.strip_prefix("m=") {
                    self.protocol(format_args!(
                        "the server requires a SCRAM extension this client does not know (m={})",
                        RawBytes::new(m.as_bytes())
                    ))
                } else if let Some(e) = field.strip_prefix("e=") {
                    self.protocol(format_args!(
                        "the server ended the exchange with an error: {}",
                        RawBytes::new(e.as_bytes())
                    ))
                } else {
                    self.protocol(format_args!(
                        "the server's first message lacks {name}...: {}",
                        shown()
                    ))
                }
            })
        };
        let nonce = next("r=")?;
        let salt = next("s=")?;
        let iterations = next("i=")?;
        // Further fields are extensions (RFC 5802 section 5.1): ignored.

        if !nonce.bytes().all(is_printable) {
            return Err(self.protocol(format_args!(
                "the server's nonce holds a character that is not printable ASCII: {}",
                shown()
            )));
        }
        if !(nonce.len() > our_nonce.len() && nonce.starts_with(our_nonce)) {
            return Err(self.protocol(format_args!(
                "the server's nonce does not extend the client's nonce (a replayed or forged \
                 exchange): {}",
                shown()
            )));
        }
        let salt = match STANDARD.decode(salt) {
            Ok(s) if !s.is_empty() => s,
            Ok(_) => return Err(self.protocol("the server's salt (s=) is empty")),
            Err(_) => {
                return Err(self.protocol(format_args!(
                    "the server's salt (s=) is not base64: {}",
                    shown()
                )))
            }
        };
        let iterations = match iterations.parse::<u64>() {
            Ok(i) if iterations.bytes().all(|b| b.is_ascii_digit()) => i,
            _ => {
                return Err(self.protocol(format_args!(
                    "the server's iteration count (i=) is not a number: {}",
                    shown()
                )))
            }
        };
        if iterations < u64::from(MIN_ITERATIONS) {
            return Err(self.protocol(format_args!(
                "the server's iteration count {iterations} is below the minimum of \
                 {MIN_ITERATIONS} (RFC 5802, RFC 7677): refusing to send a proof that weak"
            )));
        }
        let iterations = match u32::try_from(iterations) {
            Ok(i) if i <= MAX_ITERATIONS => i,
            _ => {
                return Err(self.protocol(format_args!(
                    "the server's iteration count {iterations} is above this client's limit \
                     of {MAX_ITERATIONS}"
                )))
            }
        };
        Ok(ServerFirst {
            nonce: nonce.to_string(),
            salt,
            iterations,
        })
    }

    /// `server-final-message`: `(server-error / verifier) ["," extensions]`.
    fn server_final(&mut self, challenge: &[u8], server_key: &[u8], auth: &str) -> Result<()> {
        let first = challenge.split(|&b| b == b',').next().unwrap_or_default();
        if let Some(e) = first.strip_prefix(b"e=") {
            // The server says no (e.g. `invalid-proof`: a wrong password). An empty answer
            // lets it end the command with its NO, whose text and code the caller sees.
            let why = RawBytes::new(e).to_string();
            log::debug!(
                "{}: the server rejected the exchange: {why}",
                self.mechanism()
            );
            self.state = State::Rejected(why);
            return Ok(());
        }
        let Some(v) = first.strip_prefix(b"v=") else {
            return Err(self.protocol(format_args!(
                "the server's final message has no signature (v=): {}",
                RawBytes::new(challenge)
            )));
        };
        let Ok(signature) = STANDARD.decode(v) else {
            return Err(self.protocol(format_args!(
                "the server's signature (v=) is not base64: {}",
                RawBytes::new(challenge)
            )));
        };
        if !self.hash.verify(server_key, auth.as_bytes(), &signature)? {
            return Err(self.protocol(
                "the server's signature is wrong: it does not know the password (an impostor, \
                 or a server with other credentials for this user)",
            ));
        }
        self.state = State::Verified;
        Ok(())
    }

    fn initial_response(&mut self) -> Option<Vec<u8>> {
        match self.state {
            State::Start => self.client_first().ok(),
            _ => None,
        }
    }

    fn respond(&mut self, challenge: &[u8]) -> Result<Vec<u8>> {
        let state = std::mem::replace(&mut self.state, State::Failed);
        match state {
            // No SASL-IR: the server's empty challenge asks for the first message.
            State::Start => {
                self.state = State::Start;
                self.client_first()
            }
            State::SentFirst { bare, nonce } => self.client_final(challenge, &bare, &nonce),
            State::SentFinal {
                server_key,
                auth_message,
            } => {
                self.server_final(challenge, &server_key, &auth_message)?;
                // RFC 4422: the final message comes as a challenge, answered with nothing.
                Ok(Vec::new())
            }
            State::Failed => Err(self.protocol("a challenge after the exchange failed")),
            State::Verified | State::Rejected(_) => {
                self.state = state;
                Err(self.protocol("the server sent a challenge after its final message"))
            }
        }
    }

    fn finish(&mut self) -> Result<()> {
        match &self.state {
            State::Verified => Ok(()),
            State::Rejected(why) => Err(self.protocol(format_args!(
                "the server accepted the login after rejecting it ({why})"
            ))),
            _ => Err(self.protocol(
                "the server accepted the login without proving that it knows the password \
                 (no server signature, v=)",
            )),
        }
    }
}

struct ServerFirst {
    nonce: String,
    salt: Vec<u8>,
    iterations: u32,
}

/// `printable = %x21-2B / %x2D-7E`: printable ASCII except `,`.
fn is_printable(b: u8) -> bool {
    matches!(b, 0x21..=0x2B | 0x2D..=0x7E)
}

/// A `saslname` (RFC 5802 section 7): `=` and `,` written `=3D` and `=2C` (in that order).
fn saslname(name: &str) -> String {
    name.replace('=', "=3D").replace(',', "=2C")
}

/// SASLprep (RFC 4013) of a string, as RFC 5802 section 2.2 asks: a "query" string, so code
/// points unassigned in Unicode 3.2 (emoji, say) are allowed. Maps non-ASCII spaces to a
/// space and drops what maps to nothing, normalises to NFKC, then refuses control
/// characters, private-use and non-characters, surrogates and the other prohibited
/// characters, and mixed-direction text. The error says which rule failed, never the
/// character (it may be part of a password).
pub(crate) fn saslprep(s: &str) -> std::result::Result<String, &'static str> {
    use stringprep::tables;
    // Printable ASCII and space are left as they are.
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Ok(s.to_string());
    }
    let prepared: String = s
        .chars()
        .map(|c| {
            if tables::non_ascii_space_character(c) {
                ' '
            } else {
                c
            }
        })
        .filter(|&c| !tables::commonly_mapped_to_nothing(c))
        .nfkc()
        .collect();
    for c in prepared.chars() {
        if tables::ascii_control_character(c) || tables::non_ascii_control_character(c) {
            return Err("holds a control character");
        }
        if tables::non_ascii_space_character(c)
            || tables::private_use(c)
            || tables::non_character_code_point(c)
            || tables::surrogate_code(c)
            || tables::inappropriate_for_plain_text(c)
            || tables::inappropriate_for_canonical_representation(c)
            || tables::change_display_properties_or_deprecated(c)
            || tables::tagging_character(c)
        {
            return Err("holds a character SASLprep prohibits");
        }
    }
    // RFC 3454 section 6: right-to-left text must not mix in left-to-right characters, and
    // must begin and end with a right-to-left character.
    if prepared.contains(tables::bidi_r_or_al)
        && (prepared.contains(tables::bidi_l)
            || !prepared.starts_with(tables::bidi_r_or_al)
            || !prepared.ends_with(tables::bidi_r_or_al))
    {
        return Err("mixes right-to-left and left-to-right text");
    }
    Ok(prepared)
}

macro_rules! scram_mechanism {
    ($name:ident, $hash:expr, $mech:literal, $rfc:literal) => {
        #[doc = concat!("SCRAM-", $mech, " (", $rfc, "): a user name and password, proven without")]
        /// sending the password, with the server proving in turn that it knows it.
        ///
        /// The exchange (RFC 5802 section 3): the client sends its user name and a fresh
        /// nonce from the OS; the server answers with its nonce, a salt and an iteration
        /// count; the client sends a proof computed from the password (PBKDF2, HMAC); the
        /// server answers with its own signature, which is checked before the session is
        /// handed out. Each of these is an [`Error::Protocol`] naming the mechanism, and no
        /// session:
        ///
        /// - a server signature (`v=`) that is wrong or not base64, a final message without
        ///   one, or a tagged OK that comes before it (the connection is then closed: the
        ///   server thinks the client logged in, the client does not trust the server);
        /// - a server nonce that does not extend the client's (a replayed or forged
        ///   exchange), a salt that is not base64 or empty, a mandatory extension (`m=`);
        /// - an iteration count below 4096 (the minimum of RFC 5802 and RFC 7677) or above
        ///   10,000,000 (a bound on the CPU time a server can cost the client).
        ///
        /// A server that refuses the proof (`e=invalid-proof`, or a tagged NO right away, as
        /// Dovecot does for a wrong password) ends with its NO: [`Error::No`], usually with
        /// `AUTHENTICATIONFAILED` ([`Error::is_auth_failed`]).
        ///
        /// The user name, authorisation identity and password are prepared with SASLprep
        /// (RFC 4013, as a query string: unassigned code points are allowed): non-ASCII
        /// spaces become spaces, NFKC normalisation, and control characters and the other
        /// prohibited characters refused; `,` and `=` in names are sent as `=2C` and `=3D`.
        /// ASCII text without control characters goes as it is. What SASLprep refuses (a tab
        /// in a password, say) fails [`validate`](Authenticator::validate) with
        /// [`Error::InvalidArgument`] naming the field, and nothing is sent; such a password
        /// can still go through [`Plain`](crate::Plain) or [`Client::login`](crate::Client::login).
        /// Servers that do not apply SASLprep themselves (Dovecot among them) hash the
        /// password as stored: a password whose NFKC form differs from what the server
        /// stored (compatibility characters such as `ﬁ` or full-width letters) then fails
        /// here where PLAIN would succeed.
        ///
        /// Channel binding: with [`plus`](Self::plus) the `-PLUS` variant binds the exchange
        /// to the TLS connection, using `tls-exporter` (RFC 9266) with rustls over TLS 1.3 and
        /// `tls-server-end-point` (RFC 5929) with native-tls;
        /// [`Client::login_best`](crate::Client::login_best) picks it when the server offers
        /// it and the connection has the data. Without it the GS2 header says `n` (no channel
        /// binding), except when `login_best` chose the mechanism because the server offers
        /// no `-PLUS` one and the connection has binding data: then it says `y` (RFC 5802
        /// section 6), and a server that supports binding fails the exchange, which catches
        /// a man in the middle who struck `-PLUS` from the capabilities. (Given to
        /// [`Client::authenticate`](crate::Client::authenticate) directly, the mechanism
        /// cannot see the capabilities, and says `n`.) The test server (Dovecot 2.3) offers no `-PLUS` mechanism, so the
        /// `-PLUS` exchange is checked against scripted servers only.
        ///
        /// ```no_run
        /// # let client = blocking_imap::ClientBuilder::new("imap.example.com", 993).connect()?;
        /// let password = std::env::var("IMAP_PASSWORD").unwrap_or_default();
        #[doc = concat!("let mut auth = blocking_imap::", stringify!($name), "::new(\"me@example.com\", password);")]
        /// let session = client.authenticate(&mut auth)?;
        /// # Ok::<(), blocking_imap::Error>(())
        /// ```
        pub struct $name(Scram);

        impl $name {
            #[doc = concat!("SCRAM-", $mech, " for `user` with `password`.")]
            pub fn new(user: impl Into<String>, password: impl Into<String>) -> Self {
                $name(Scram::new($hash, user.into(), password.into()))
            }

            #[doc = concat!("SCRAM-", $mech, "-PLUS: the exchange bound to the TLS connection (RFC 5056), so that a man in the middle holding a certificate this client trusts cannot relay it to the real server. Uses `tls-exporter` (RFC 9266) with rustls over TLS 1.3, `tls-server-end-point` (RFC 5929) with native-tls. A connection without such data (plaintext, or rustls over TLS 1.2) makes the exchange fail with [`Error::InvalidArgument`] before anything is sent.")]
            pub fn plus(mut self) -> Self {
                self.0.plus = true;
                self
            }

            /// Acts as `authzid` (an authorisation identity), when the server allows it.
            pub fn authorize_as(mut self, authzid: impl Into<String>) -> Self {
                self.0.authzid = authzid.into();
                self
            }

            /// The server offers no `-PLUS` mechanism: with channel binding data, the GS2
            /// header says `y` instead of `n` (`Client::login_best`, which saw the
            /// capabilities).
            pub(crate) fn no_plus_offered(mut self) -> Self {
                self.0.no_plus_offered = true;
                self
            }

            /// Uses `nonce` as the client nonce instead of fresh randomness from the OS.
            ///
            /// For known-answer tests only (RFC 5802 and RFC 7677 examples): with a nonce
            /// used twice, whoever recorded one exchange can pose as the server the next
            /// time. Not part of the API; no stability promised.
            #[doc(hidden)]
            pub fn danger_fixed_nonce(mut self, nonce: impl Into<String>) -> Self {
                self.0.fixed_nonce = Some(nonce.into());
                self
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("user", &self.0.user)
                    .finish_non_exhaustive()
            }
        }

        impl Authenticator for $name {
            fn mechanism(&self) -> &str {
                self.0.mechanism()
            }

            fn validate(&self) -> Result<()> {
                self.0.prepared().map(drop)
            }

            fn channel_binding(&mut self, binding: Option<&ChannelBinding>) {
                self.0.binding = binding.cloned();
            }

            fn initial_response(&mut self) -> Option<Vec<u8>> {
                self.0.initial_response()
            }

            fn respond(&mut self, challenge: &[u8]) -> Result<Vec<u8>> {
                self.0.respond(challenge)
            }

            fn finish(&mut self) -> Result<()> {
                self.0.finish()
            }
        }
    };
}

scram_mechanism!(ScramSha256, Hash::Sha256, "SHA-256", "RFC 7677");
scram_mechanism!(ScramSha1, Hash::Sha1, "SHA-1", "RFC 5802");

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 5802 section 5: the SCRAM-SHA-1 example.
    #[test]
    fn rfc5802_example() {
        let mut a = ScramSha1::new("user", "pencil").danger_fixed_nonce("fyko+d2lbbFgONRv9qkxdawL");
        assert_eq!(
            a.initial_response().unwrap(),
            b"n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"
        );
        let last = a
            .respond(b"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096")
            .unwrap();
        assert_eq!(
            last,
            &b"c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="
                [..]
        );
        assert!(a.finish().is_err(), "not verified yet");
        assert_eq!(a.respond(b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=").unwrap(), b"");
        a.finish().unwrap();
        assert!(a.respond(b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=").is_err());
    }

    /// RFC 7677's SCRAM-SHA-256 exchange (user `user`, password `pencil`), run through `a`:
    /// checks the client's first message, its final message and the server's signature
    /// against what is computed here independently (PBKDF2, HMAC and SHA-256 straight from
    /// the RustCrypto crates), for the GS2 header `gs2` and the binding data `data` that
    /// `c=` must carry after it. Returns the client's two messages.
    fn rfc7677_exchange(a: &mut ScramSha256, gs2: &str, data: &[u8]) -> (String, String) {
        use base64::engine::general_purpose::STANDARD as B64;
        let first = String::from_utf8(a.initial_response().unwrap()).unwrap();
        assert_eq!(first, format!("{gs2}n=user,r=rOprNGfwEbeRWgbNEkqO"));
        let server_first = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
                            s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        let last = String::from_utf8(a.respond(server_first.as_bytes()).unwrap()).unwrap();
        let mut cbind = gs2.as_bytes().to_vec();
        cbind.extend_from_slice(data);
        let without_proof = format!(
            "c={},r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
            B64.encode(&cbind)
        );
        let auth_message = format!("n=user,r=rOprNGfwEbeRWgbNEkqO,{server_first},{without_proof}");
        let salt = B64.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
        let mut salted = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<Sha256>(b"pencil", &salt, 4096, &mut salted);
        let mac = |key: &[u8], msg: &[u8]| {
            let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap();
            m.update(msg);
            m.finalize().into_bytes().to_vec()
        };
        let client_key = mac(&salted, b"Client Key");
        let stored_key = Sha256::digest(&client_key);
        let signature = mac(&stored_key, auth_message.as_bytes());
        let proof: Vec<u8> = client_key
            .iter()
            .zip(&signature)
            .map(|(k, s)| k ^ s)
            .collect();
        assert_eq!(last, format!("{without_proof},p={}", B64.encode(proof)));
        let server_signature = mac(&mac(&salted, b"Server Key"), auth_message.as_bytes());
        let server_final = format!("v={}", B64.encode(server_signature));
        assert_eq!(a.respond(server_final.as_bytes()).unwrap(), b"");
        a.finish().unwrap();
        (first, last)
    }

    fn rfc7677_client() -> ScramSha256 {
        ScramSha256::new("user", "pencil").danger_fixed_nonce("rOprNGfwEbeRWgbNEkqO")
    }

    /// No channel binding data: `n,,`, and `c=biws` (its base64); RFC 7677's own messages.
    #[test]
    fn without_binding_data_the_header_says_n() {
        for no_plus in [false, true] {
            let mut a = rfc7677_client();
            if no_plus {
                a = a.no_plus_offered();
            }
            a.channel_binding(None);
            let (first, last) = rfc7677_exchange(&mut a, "n,,", b"");
            assert_eq!(first, "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
            assert_eq!(
                last,
                "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
                 p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
            );
        }
    }

    /// Binding data, and a server that offers no -PLUS (what `login_best` says): `y,,` and
    /// `c=eSws`, so that a server that can bind (its -PLUS struck out on the way) refuses.
    #[test]
    fn binding_data_without_plus_offered_says_y() {
        let binding = ChannelBinding::new("tls-exporter", (1..=32).collect());
        let mut a = rfc7677_client().no_plus_offered();
        a.channel_binding(Some(&binding));
        a.validate().unwrap();
        let (first, last) = rfc7677_exchange(&mut a, "y,,", b"");
        assert_eq!(first, "y,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        assert!(
            last.starts_with("c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p="),
            "{last}"
        );
        // With an authorisation identity: `y,a=...,` (and `c=` its base64).
        let mut b = ScramSha256::new("user", "pencil")
            .authorize_as("admin")
            .no_plus_offered()
            .danger_fixed_nonce("x");
        b.channel_binding(Some(&binding));
        assert_eq!(b.initial_response().unwrap(), b"y,a=admin,n=user,r=x");
        // Given to `authenticate` directly, the mechanism cannot tell whether the server
        // offers -PLUS (a `y` would fail at one that does): `n`.
        let mut c = ScramSha256::new("user", "pencil").danger_fixed_nonce("x");
        c.channel_binding(Some(&binding));
        assert_eq!(c.initial_response().unwrap(), b"n,,n=user,r=x");
    }

    /// SCRAM-SHA-256-PLUS: the GS2 header names the binding type and `c=` carries the
    /// binding data after it (RFC 7677's exchange with the binding added).
    #[test]
    fn plus_binds_the_exchange_to_the_channel() {
        let data: Vec<u8> = (1..=32).collect();
        let binding = ChannelBinding::new("tls-exporter", data.clone());
        for no_plus in [false, true] {
            let mut a = rfc7677_client().plus();
            if no_plus {
                // Meaningless with -PLUS chosen: `p=` all the same.
                a = a.no_plus_offered();
            }
            assert_eq!(a.mechanism(), "SCRAM-SHA-256-PLUS");
            assert!(
                a.validate().is_err(),
                "no binding yet: refused before anything is sent"
            );
            a.channel_binding(Some(&binding));
            a.validate().unwrap();
            let (first, last) = rfc7677_exchange(&mut a, "p=tls-exporter,,", &data);
            assert_eq!(first, "p=tls-exporter,,n=user,r=rOprNGfwEbeRWgbNEkqO");
            assert!(last.starts_with("c=cD10bHMtZXhwb3J0ZXIsLA"), "{last}");
        }
    }

    #[test]
    fn saslprep_rules() {
        assert_eq!(saslprep("pencil").unwrap(), "pencil");
        // RFC 4013 section 3's examples.
        assert_eq!(saslprep("I\u{00AD}X").unwrap(), "IX");
        assert_eq!(saslprep("user").unwrap(), "user");
        assert_eq!(saslprep("USER").unwrap(), "USER");
        assert_eq!(saslprep("\u{00AA}").unwrap(), "a");
        assert_eq!(saslprep("\u{2168}").unwrap(), "IX");
        assert!(saslprep("\u{0007}").is_err());
        assert!(saslprep("\u{0627}\u{0031}").is_err());
        // Non-ASCII space, NFKC, unassigned in Unicode 3.2 (a query string: allowed).
        assert_eq!(saslprep("a\u{00A0}b").unwrap(), "a b");
        assert_eq!(saslprep("pa\u{0308}ss").unwrap(), "p\u{00E4}ss");
        assert_eq!(saslprep("\u{1F600}").unwrap(), "\u{1F600}");
        assert!(saslprep("tab\there").is_err());
        assert!(saslprep("\u{E000}").is_err());
    }
}
