//! The dedupe job of examples/record.rs, replayed offline from the recording that example
//! made against Dovecot (tests/recordings/dedupe.txt): what a user's first test of their
//! own script looks like. Re-record with the command in examples/record.rs.

#[path = "../examples/record.rs"]
#[allow(dead_code)]
mod record;

use blocking_imap::testing::{Replay, Transcript};
use blocking_imap::{Error, Uid};
use record::job::{dedupe, Summary};

const RECORDING: &str = "tests/recordings/dedupe.txt";

#[test]
fn the_recorded_dedupe_run_replays_offline() {
    let replay = Replay::from_file(RECORDING).unwrap();
    let mut session = replay.session().unwrap();
    let summary = dedupe(&mut session, "dedupe-demo", 5000).unwrap();
    assert_eq!(
        summary,
        Summary {
            kept: 4,
            deleted: 3,
            remaining: 4,
            duplicates: vec![
                (Uid(3), "<a@record.example>".into()),
                (Uid(5), "<b@record.example>".into()),
                (Uid(6), "<a@record.example>".into()),
            ],
        }
    );
    session.logout().unwrap();
    replay.assert_finished();
}

#[test]
fn the_recording_is_safe_to_commit() {
    let text = std::fs::read_to_string(RECORDING).unwrap();
    assert!(!text.contains("alice-pass"), "a password in the recording");
    assert!(text.contains("LOGIN {{redacted}}"), "{text}");
    // Any user name and password replay.
    let replay = Replay::from_file(RECORDING).unwrap();
    let mut session = replay.client().unwrap().login("x", "y").unwrap();
    dedupe(&mut session, "dedupe-demo", 5000).unwrap();
}

/// A change to the job (here: smaller batches, so the STORE is split) fails on the command
/// that changed, with the transcript's line: no hang, and `finish` says it again even when
/// the job swallowed the error.
#[test]
fn a_changed_job_fails_on_the_command_that_changed() {
    let replay = Replay::from_file(RECORDING).unwrap();
    let mut session = replay.session().unwrap();
    let err = dedupe(&mut session, "dedupe-demo", 1).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Io(_)), "{err:?}");
    assert!(
        text.contains("the client wrote something else than transcript line"),
        "{text}"
    );
    assert!(
        text.contains("transcript: C: A0004 UID STORE 3,5:6 +FLAGS (\\Deleted)"),
        "{text}"
    );
    assert!(
        text.contains("client:     C: A0004 UID STORE 3 +FLAGS (\\Deleted)"),
        "{text}"
    );
    assert!(session.is_broken());
    let m = replay.finish().unwrap_err();
    assert_eq!(m.to_string(), text.trim_start_matches("i/o error: "));
    let recording = std::fs::read_to_string(RECORDING).unwrap();
    let line = recording.lines().nth(m.line().unwrap() - 1).unwrap();
    assert!(line.starts_with("C: A0004 UID STORE 3,5:6"), "{line}");
}

/// Another mailbox name is another SELECT; a placeholder in the recording accepts any.
#[test]
fn placeholders_loosen_what_may_change() {
    let text = std::fs::read_to_string(RECORDING).unwrap();
    let replay = Replay::new(Transcript::parse(&text).unwrap());
    let mut session = replay.session().unwrap();
    assert!(dedupe(&mut session, "Other", 5000).is_err());

    let loose = text.replace("C: A0002 SELECT dedupe-demo", "C: A0002 SELECT {{any}}");
    let replay = Replay::new(Transcript::parse(&loose).unwrap());
    let mut session = replay.session().unwrap();
    assert_eq!(dedupe(&mut session, "Other", 5000).unwrap().deleted, 3);
    session.logout().unwrap();
    replay.assert_finished();
}
