//! SCRAM-SHA-256 and SCRAM-SHA-1 (RFC 7677, RFC 5802): the RFC examples as known-answer
//! tests, scripted servers that fail to prove themselves, `Client::login_best`, and the
//! project's Dovecot.
#![cfg(feature = "scram")]

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use blocking_imap::{
    Authenticator, Client, ClientBuilder, Error, PasswordMechanism, ScramSha1, ScramSha256,
    Security,
};
use common::{c, s, Script, Step};

// RFC 7677 section 3: user "user", password "pencil".
const NONCE_256: &str = "rOprNGfwEbeRWgbNEkqO";
const CLIENT_FIRST_256: &str = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
const SERVER_FIRST_256: &str =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
const CLIENT_FINAL_256: &str = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
                                p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
const SERVER_FINAL_256: &str = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

// RFC 5802 section 5: user "user", password "pencil".
const NONCE_1: &str = "fyko+d2lbbFgONRv9qkxdawL";
const CLIENT_FIRST_1: &str = "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL";
const SERVER_FIRST_1: &str =
    "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";
const CLIENT_FINAL_1: &str =
    "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=";
const SERVER_FINAL_1: &str = "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=";

const CAPS: &str = "IMAP4rev1 SASL-IR AUTH=PLAIN AUTH=SCRAM-SHA-1 AUTH=SCRAM-SHA-256";

fn b64(text: &str) -> String {
    STANDARD.encode(text)
}

fn rfc7677() -> ScramSha256 {
    ScramSha256::new("user", "pencil").danger_fixed_nonce(NONCE_256)
}

fn rfc5802() -> ScramSha1 {
    ScramSha1::new("user", "pencil").danger_fixed_nonce(NONCE_1)
}

fn connect(script: &Script) -> Client {
    ClientBuilder::new("localhost", 143)
        .security(Security::Plaintext)
        .connect_stream(script.clone())
        .expect("greeting")
}

/// Greeting, then `AUTHENTICATE SCRAM-SHA-256` with the RFC 7677 client-first as SASL-IR,
/// then `steps`.
fn scram_256_script(steps: Vec<Step>) -> Script {
    let mut all = vec![
        s(&format!("* OK [CAPABILITY {CAPS}] ready\r\n")),
        c(&format!(
            "A0001 AUTHENTICATE SCRAM-SHA-256 {}\r\n",
            b64(CLIENT_FIRST_256)
        )),
    ];
    all.extend(steps);
    Script::new(all)
}

/// The server's first message answered with the RFC 7677 client-final.
fn through_client_final() -> Vec<Step> {
    vec![
        s(&format!("+ {}\r\n", b64(SERVER_FIRST_256))),
        c(&format!("{}\r\n", b64(CLIENT_FINAL_256))),
    ]
}

/// A server-first message that the client refuses: it cancels with `*`.
fn refused_server_first(server_first: &str) -> (Script, Error) {
    let script = scram_256_script(vec![
        s(&format!("+ {}\r\n", b64(server_first))),
        c("*\r\n"),
        s("A0001 BAD Authentication aborted by client.\r\n"),
    ]);
    let failed = connect(&script).authenticate(&mut rfc7677()).unwrap_err();
    script.assert_done();
    (script, failed.error)
}

fn protocol_message(e: &Error) -> String {
    match e {
        Error::Protocol(m) => m.clone(),
        other => panic!("expected a protocol error, got {other:?}"),
    }
}

#[test]
fn rfc7677_known_answer() {
    let mut a = rfc7677();
    assert_eq!(a.mechanism(), "SCRAM-SHA-256");
    a.validate().unwrap();
    assert_eq!(a.initial_response().unwrap(), CLIENT_FIRST_256.as_bytes());
    assert_eq!(
        a.respond(SERVER_FIRST_256.as_bytes()).unwrap(),
        CLIENT_FINAL_256.as_bytes()
    );
    assert!(a.finish().is_err(), "the server has not proven itself yet");
    assert_eq!(a.respond(SERVER_FINAL_256.as_bytes()).unwrap(), b"");
    a.finish().unwrap();
}

#[test]
fn rfc5802_known_answer() {
    let mut a = rfc5802();
    assert_eq!(a.mechanism(), "SCRAM-SHA-1");
    assert_eq!(a.initial_response().unwrap(), CLIENT_FIRST_1.as_bytes());
    assert_eq!(
        a.respond(SERVER_FIRST_1.as_bytes()).unwrap(),
        CLIENT_FINAL_1.as_bytes()
    );
    assert_eq!(a.respond(SERVER_FINAL_1.as_bytes()).unwrap(), b"");
    a.finish().unwrap();
    // The SHA-1 signature of the SHA-256 exchange is not accepted, nor the other way round.
    let mut a = rfc7677();
    a.initial_response().unwrap();
    a.respond(SERVER_FIRST_256.as_bytes()).unwrap();
    assert!(a.respond(SERVER_FINAL_1.as_bytes()).is_err());
}

#[test]
fn names_are_escaped_and_nonces_fresh() {
    let mut a = ScramSha256::new("a,b=c", "pw").authorize_as("ad,min");
    let first = String::from_utf8(a.initial_response().unwrap()).unwrap();
    assert!(first.starts_with("n,a=ad=2Cmin,n=a=2Cb=3Dc,r="), "{first}");
    let nonce = first.rsplit("r=").next().unwrap().to_string();
    assert!(nonce.len() >= 32, "{nonce}");
    assert!(nonce
        .bytes()
        .all(|b| (0x21..0x7f).contains(&b) && b != b','));
    let mut b = ScramSha256::new("a,b=c", "pw");
    let second = String::from_utf8(b.initial_response().unwrap()).unwrap();
    assert!(!second.ends_with(&nonce), "a nonce used twice");
    // Nothing secret in Debug.
    assert!(!format!("{a:?}").contains("pw"));
}

#[test]
fn saslprep_refusals_name_the_field_never_the_value() {
    for (auth, field) in [
        (ScramSha256::new("alice", "tab\tsecret"), "password"),
        (ScramSha256::new("al\u{7}ice", "secret"), "user name"),
        (ScramSha256::new("", "secret"), "user name"),
        (ScramSha256::new("alice", "\u{E000}secret"), "password"),
        (
            ScramSha256::new("alice", "secret").authorize_as("\u{0627}x"),
            "authorization identity",
        ),
    ] {
        let mut auth = auth;
        let err = auth.validate().unwrap_err();
        match &err {
            Error::InvalidArgument(m) => {
                assert!(m.contains(field), "{m}");
                assert!(!m.contains("secret"), "{m}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(auth.initial_response(), None);
        assert!(auth.respond(b"").is_err());
    }
    // NFKC and non-ASCII spaces; an emoji (unassigned in Unicode 3.2) is allowed.
    ScramSha256::new("ünï", "pässwörd\u{1F600}")
        .validate()
        .unwrap();
}

#[test]
fn success_over_a_scripted_server() {
    let mut steps = through_client_final();
    steps.extend([
        s(&format!("+ {}\r\n", b64(SERVER_FINAL_256))),
        c("\r\n"),
        s("A0001 OK [CAPABILITY IMAP4rev1 IDLE] Logged in\r\n"),
        c("A0002 NOOP\r\n"),
        s("A0002 OK done\r\n"),
    ]);
    let script = scram_256_script(steps);
    let mut session = connect(&script).authenticate(&mut rfc7677()).unwrap();
    session.noop().unwrap();
    script.assert_done();
}

#[test]
fn success_without_sasl_ir_read_a_byte_at_a_time() {
    let script = Script::new(vec![
        s("* OK [CAPABILITY IMAP4rev1 AUTH=SCRAM-SHA-1] ready\r\n"),
        c("A0001 AUTHENTICATE SCRAM-SHA-1\r\n"),
        s("+ \r\n"),
        c(&format!("{}\r\n", b64(CLIENT_FIRST_1))),
        s(&format!("+ {}\r\n", b64(SERVER_FIRST_1))),
        c(&format!("{}\r\n", b64(CLIENT_FINAL_1))),
        s(&format!("+ {}\r\n", b64(SERVER_FINAL_1))),
        c("\r\n"),
        s("A0001 OK Logged in\r\n"),
    ])
    .chunked(1);
    connect(&script).authenticate(&mut rfc5802()).unwrap();
    script.assert_done();
}

#[test]
fn a_wrong_server_signature_is_an_error_and_no_session() {
    let mut steps = through_client_final();
    steps.extend([
        // The SCRAM-SHA-256 signature of another password.
        s(&format!(
            "+ {}\r\n",
            b64("v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
        )),
        c("*\r\n"),
        s("A0001 BAD Authentication aborted by client.\r\n"),
        // The client is still usable: the server never accepted the login.
        c("A0002 LOGIN user pencil\r\n"),
        s("A0002 OK Logged in\r\n"),
    ]);
    let script = scram_256_script(steps);
    let failed = connect(&script).authenticate(&mut rfc7677()).unwrap_err();
    let m = protocol_message(&failed.error);
    assert!(m.contains("SCRAM-SHA-256"), "{m}");
    assert!(m.contains("signature is wrong"), "{m}");
    failed.client.login("user", "pencil").unwrap();
    script.assert_done();
}

#[test]
fn a_final_message_without_a_signature_is_an_error() {
    for server_final in ["x=whatever", "v=not*base64", ""] {
        let mut steps = through_client_final();
        steps.extend([
            s(&format!("+ {}\r\n", b64(server_final))),
            c("*\r\n"),
            s("A0001 BAD Authentication aborted by client.\r\n"),
        ]);
        let script = scram_256_script(steps);
        let failed = connect(&script).authenticate(&mut rfc7677()).unwrap_err();
        let m = protocol_message(&failed.error);
        assert!(m.contains("v="), "{server_final}: {m}");
        script.assert_done();
    }
}

#[test]
fn ok_without_the_server_signature_is_an_error_and_the_connection_unusable() {
    let mut steps = through_client_final();
    steps.push(s("A0001 OK Logged in\r\n"));
    let script = scram_256_script(steps);
    let failed = connect(&script).authenticate(&mut rfc7677()).unwrap_err();
    let m = protocol_message(&failed.error);
    assert!(m.contains("without proving"), "{m}");
    let mut client = failed.client;
    assert!(matches!(client.noop(), Err(Error::Broken(_))));
    script.assert_done();

    // Nor may the server say OK straight after the client's first message.
    let script = scram_256_script(vec![s("A0001 OK Logged in\r\n")]);
    let failed = connect(&script).authenticate(&mut rfc7677()).unwrap_err();
    protocol_message(&failed.error);
    script.assert_done();
}

#[test]
fn e_invalid_proof_ends_with_the_servers_no() {
    let mut steps = through_client_final();
    steps.extend([
        s(&format!("+ {}\r\n", b64("e=invalid-proof"))),
        c("\r\n"),
        s("A0001 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"),
    ]);
    let script = scram_256_script(steps);
    let failed = connect(&script).authenticate(&mut rfc7677()).unwrap_err();
    assert!(failed.error.is_auth_failed(), "{:?}", failed.error);
    assert!(matches!(failed.error, Error::No(_)));
    script.assert_done();

    // A server that says OK after its own e= has not proven anything.
    let mut steps = through_client_final();
    steps.extend([
        s(&format!("+ {}\r\n", b64("e=invalid-proof"))),
        c("\r\n"),
        s("A0001 OK Logged in\r\n"),
    ]);
    let script = scram_256_script(steps);
    let failed = connect(&script).authenticate(&mut rfc7677()).unwrap_err();
    let m = protocol_message(&failed.error);
    assert!(m.contains("invalid-proof"), "{m}");
    script.assert_done();
}

#[test]
fn a_nonce_that_does_not_extend_ours_is_refused() {
    for nonce in [
        "r=someoneElsesNonce%hvYDpWUa2RaTCAfuxFIlj",
        // Ours and nothing of the server's.
        "r=rOprNGfwEbeRWgbNEkqO",
        // Ours with a prefix.
        "r=XrOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAf",
    ] {
        let (_, e) = refused_server_first(&format!("{nonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"));
        let m = protocol_message(&e);
        assert!(m.contains("does not extend the client's nonce"), "{m}");
    }
}

#[test]
fn too_few_or_too_many_iterations_are_refused() {
    let first = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==";
    let m = protocol_message(&refused_server_first(&format!("{first},i=4095")).1);
    assert!(m.contains("4095 is below the minimum of 4096"), "{m}");
    let m = protocol_message(&refused_server_first(&format!("{first},i=1")).1);
    assert!(m.contains("below the minimum"), "{m}");
    let m = protocol_message(&refused_server_first(&format!("{first},i=10000001")).1);
    assert!(m.contains("above this client's limit of 10000000"), "{m}");
    let m = protocol_message(&refused_server_first(&format!("{first},i=99999999999999999999")).1);
    assert!(m.contains("not a number") || m.contains("above"), "{m}");
    for bad in ["i=-4096", "i=+4096", "i=", "i=4096x"] {
        let m = protocol_message(&refused_server_first(&format!("{first},{bad}")).1);
        assert!(m.contains("not a number"), "{bad}: {m}");
    }
}

#[test]
fn other_malformed_server_first_messages_are_refused() {
    let nonce = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    for (first, expected) in [
        (
            format!("{nonce},s=not*base64,i=4096"),
            "salt (s=) is not base64",
        ),
        (format!("{nonce},s=,i=4096"), "salt (s=) is empty"),
        (format!("{nonce},i=4096"), "lacks s="),
        (
            format!("m=must,{nonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"),
            "extension",
        ),
        ("e=other-error".to_string(), "other-error"),
        ("".to_string(), "lacks r="),
    ] {
        let m = protocol_message(&refused_server_first(&first).1);
        assert!(m.contains(expected), "{first}: {m}");
    }
}

#[test]
fn the_best_mechanism_follows_the_servers_offer() {
    let pick = |caps: &str, user: &str, password: &str| {
        let script = Script::new(vec![s(&format!("* OK [CAPABILITY {caps}] ready\r\n"))]);
        connect(&script).password_mechanism(user, password)
    };
    use PasswordMechanism::*;
    assert_eq!(pick(CAPS, "u", "p").unwrap(), ScramSha256);
    assert_eq!(
        pick("IMAP4rev1 AUTH=SCRAM-SHA-1 AUTH=PLAIN", "u", "p").unwrap(),
        ScramSha1
    );
    // -PLUS alone is not enough: channel binding is not supported.
    assert_eq!(
        pick("IMAP4rev1 AUTH=SCRAM-SHA-256-PLUS AUTH=PLAIN", "u", "p").unwrap(),
        Plain
    );
    assert_eq!(pick("IMAP4rev1 AUTH=PLAIN", "u", "p").unwrap(), Plain);
    assert_eq!(pick("IMAP4rev1", "u", "p").unwrap(), Login);
    // A password SASLprep refuses goes by PLAIN.
    assert_eq!(pick(CAPS, "u", "tab\there").unwrap(), Plain);
    let e = pick("IMAP4rev1 LOGINDISABLED STARTTLS", "u", "p").unwrap_err();
    assert!(matches!(e, Error::MissingCapability(_)), "{e:?}");
    assert_eq!(ScramSha256.to_string(), "SCRAM-SHA-256");
    assert_eq!(Login.name(), "LOGIN");
}

#[test]
fn login_best_runs_the_chosen_mechanism() {
    common::capture::install();
    // LOGIN when nothing else is offered.
    let script = Script::new(vec![
        s("* OK [CAPABILITY IMAP4rev1] ready\r\n"),
        c("A0001 LOGIN u p\r\n"),
        s("A0001 OK in\r\n"),
    ]);
    connect(&script).login_best("u", "p").unwrap();
    script.assert_done();
    // PLAIN with SASL-IR.
    let script = Script::new(vec![
        s("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\r\n"),
        c("A0001 AUTHENTICATE PLAIN AHUAcA==\r\n"),
        s("A0001 OK in\r\n"),
    ]);
    connect(&script).login_best("u", "p").unwrap();
    script.assert_done();
    // SCRAM-SHA-256: the first message carries a fresh nonce (then the server hangs up).
    let script = Script::new(vec![s(&format!("* OK [CAPABILITY {CAPS}] ready\r\n"))]);
    connect(&script).login_best("u", "p").unwrap_err();
    let sent = script.written_str();
    let expected = format!("A0001 AUTHENTICATE SCRAM-SHA-256 {}", &b64("n,,n=u")[..8]);
    assert!(sent.starts_with(&expected), "{sent}");
    let lines = common::capture::lines();
    assert!(
        lines.iter().any(|l| l == "DEBUG login_best: SCRAM-SHA-256"),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l == "DEBUG login_best: PLAIN"),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l == "DEBUG login_best: LOGIN"),
        "{lines:?}"
    );
}

#[test]
fn scram_exchanges_are_never_logged() {
    common::capture::install();
    let mut steps = through_client_final();
    steps.extend([
        s(&format!("+ {}\r\n", b64(SERVER_FINAL_256))),
        c("\r\n"),
        s("A0001 OK Logged in\r\n"),
    ]);
    let script = scram_256_script(steps);
    connect(&script).authenticate(&mut rfc7677()).unwrap();
    script.assert_done();
    // What the client sends (the proof especially), the password, and the server's side too
    // (its salt and signature would let a log reader test password guesses offline).
    let lines = common::capture::lines().join("\n");
    for secret in [
        "pencil",
        &b64(CLIENT_FIRST_256)[..20],
        &b64(CLIENT_FINAL_256)[..20],
        "dHzbZapWIk4jUhN",
        &b64(SERVER_FINAL_256)[..20],
    ] {
        assert!(!lines.contains(secret), "{secret} logged: {lines}");
    }
}

// --- against the project's Dovecot (scripts/test.sh) ---------------------------------------

/// Plaintext and implicit TLS clients of the test Dovecot.
fn dovecot_clients() -> Vec<(&'static str, Client)> {
    let Some(server) = common::dovecot::server() else {
        return Vec::new();
    };
    vec![
        ("plaintext", server.plain().connect().expect("connect")),
        ("tls", server.tls().connect().expect("connect tls")),
    ]
}

#[test]
fn dovecot_scram_sha_256_and_sha_1() {
    for (how, client) in dovecot_clients() {
        let mut session = client
            .authenticate(&mut ScramSha256::new("alice", "alice-pass"))
            .unwrap_or_else(|e| panic!("{how}: {e}"));
        session.select("INBOX").unwrap();
        session.logout().unwrap();
    }
    for (how, client) in dovecot_clients() {
        let mut session = client
            .authenticate(&mut ScramSha1::new("alice", "alice-pass"))
            .unwrap_or_else(|e| panic!("{how}: {e}"));
        session.noop().unwrap();
        session.logout().unwrap();
    }
}

#[test]
fn dovecot_scram_with_a_utf8_user_and_password() {
    for (how, client) in dovecot_clients() {
        let mut session = client
            .authenticate(&mut ScramSha256::new("ünï", "pässwörd"))
            .unwrap_or_else(|e| panic!("{how}: {e}"));
        session.noop().unwrap();
        session.logout().unwrap();
    }
}

#[test]
fn dovecot_scram_wrong_password_is_a_no() {
    for (how, client) in dovecot_clients() {
        let failed = client
            .authenticate(&mut ScramSha256::new("alice", "wrong-pass"))
            .unwrap_err();
        assert!(failed.error.is_auth_failed(), "{how}: {:?}", failed.error);
        let failed = failed
            .client
            .authenticate(&mut ScramSha1::new("alice", "wrong-pass"))
            .unwrap_err();
        assert!(
            matches!(failed.error, Error::No(_)),
            "{how}: {:?}",
            failed.error
        );
        // The client is still usable: the right password goes through.
        failed
            .client
            .authenticate(&mut ScramSha1::new("alice", "alice-pass"))
            .unwrap()
            .logout()
            .unwrap();
    }
}

#[test]
fn dovecot_login_best_picks_scram_sha_256() {
    common::capture::install();
    for (how, mut client) in dovecot_clients() {
        assert_eq!(
            client.password_mechanism("alice", "alice-pass").unwrap(),
            PasswordMechanism::ScramSha256,
            "{how}"
        );
        let mut session = client.login_best("alice", "alice-pass").unwrap();
        session.select("INBOX").unwrap();
        session.logout().unwrap();
    }
    if let Some(server) = common::dovecot::server() {
        let failed = server
            .plain()
            .connect()
            .unwrap()
            .login_best("alice", "not-alice-pass")
            .unwrap_err();
        assert!(failed.error.is_auth_failed(), "{:?}", failed.error);
        let lines = common::capture::lines();
        assert!(
            lines.iter().any(|l| l == "DEBUG login_best: SCRAM-SHA-256"),
            "{lines:?}"
        );
        assert!(!lines.join("\n").contains("alice-pass"));
    }
}

/// Over TLS the connection gives channel binding data for `-PLUS`: with native-tls
/// `tls-server-end-point`, checked here against SHA-256 of the server's certificate (RFC 5929)
/// computed from the certificate file; with rustls over TLS 1.3 `tls-exporter`. Over
/// plaintext none, and a `-PLUS` mechanism then fails before anything is sent. Dovecot 2.3
/// offers no `-PLUS` mechanism, so `login_best` still picks SCRAM-SHA-256 there.
#[test]
fn dovecot_tls_gives_channel_binding_data() {
    let Some(server) = common::dovecot::server() else {
        return;
    };
    let client = server.tls().connect().expect("connect tls");
    let binding = client.channel_binding().expect("binding data over TLS");
    assert_eq!(binding.data().len(), 32, "{binding:?}");
    if cfg!(feature = "rustls") {
        assert_eq!(binding.kind(), "tls-exporter");
    } else {
        assert_eq!(binding.kind(), "tls-server-end-point");
        let pem =
            std::fs::read_to_string(std::env::var("BLOCKING_IMAP_SERVER_CERT").unwrap()).unwrap();
        let body: String = pem
            .lines()
            .skip_while(|l| !l.starts_with("-----BEGIN CERTIFICATE"))
            .skip(1)
            .take_while(|l| !l.starts_with("-----END"))
            .collect();
        let der = STANDARD.decode(body).unwrap();
        use sha2::Digest;
        assert_eq!(binding.data(), sha2::Sha256::digest(&der).as_slice());
    }
    let mut client = client;
    assert_eq!(
        client.password_mechanism("alice", "alice-pass").unwrap(),
        PasswordMechanism::ScramSha256
    );
    client.logout().unwrap();

    let plain = server.plain().connect().expect("connect");
    assert!(plain.channel_binding().is_none());
    let err = plain
        .authenticate(&mut ScramSha256::new("alice", "alice-pass").plus())
        .unwrap_err();
    assert!(
        matches!(err.error, Error::InvalidArgument(_)),
        "{:?}",
        err.error
    );
    assert!(
        err.error.to_string().contains("channel binding"),
        "{}",
        err.error
    );
}
