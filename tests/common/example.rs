//! Runs one of the crate's examples as a user runs it, for the tests that check them.

use std::process::Command;

/// `cargo run -q --example NAME -- ARGS` with `env` set, built with the same cargo features
/// as this test (so cargo reuses what it built). Returns stdout, stderr and whether it
/// succeeded.
pub fn run(name: &str, args: &[&str], env: &[(&str, &str)]) -> (String, String, bool) {
    let out = command(name, args, env)
        .output()
        .unwrap_or_else(|e| panic!("run the {name} example: {e}"));
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

/// [`run`] without waiting: the example runs on, its stdout and stderr piped, until the
/// caller kills it. Build it first (`cargo build --example NAME`) so that it starts at once.
#[allow(dead_code)]
pub fn spawn(name: &str, args: &[&str], env: &[(&str, &str)]) -> std::process::Child {
    command(name, args, env)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start the {name} example: {e}"))
}

fn command(name: &str, args: &[&str], env: &[(&str, &str)]) -> Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let features: Vec<&str> = [
        ("native-tls", cfg!(feature = "native-tls")),
        ("rustls", cfg!(feature = "rustls")),
        ("charsets", cfg!(feature = "charsets")),
        ("chrono", cfg!(feature = "chrono")),
        ("jiff", cfg!(feature = "jiff")),
        ("scram", cfg!(feature = "scram")),
        ("testing", cfg!(feature = "testing")),
    ]
    .iter()
    .filter(|(_, on)| *on)
    .map(|(f, _)| *f)
    .collect();
    let mut cmd = Command::new(cargo);
    cmd.args(["run", "-q", "--no-default-features", "--features"])
        .arg(features.join(","))
        .args(["--example", name, "--"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}
