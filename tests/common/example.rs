//! Runs one of the crate's examples as a user runs it, for the tests that check them.

use std::process::Command;

/// `cargo run -q --example NAME -- ARGS` with `env` set, built with the same cargo features
/// as this test (so cargo reuses what it built). Returns stdout, stderr and whether it
/// succeeded.
pub fn run(name: &str, args: &[&str], env: &[(&str, &str)]) -> (String, String, bool) {
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
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("run the {name} example: {e}"));
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}
