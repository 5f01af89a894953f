//! Transcript tests of the engine written with the public `testing` API (Script, Replay,
//! Recorder), so that it is exercised on every run: some of tests/transcript.rs again,
//! then what the API itself promises (mismatches that fail fast, loose matching, recording
//! that replays, COMPRESS, delays, floods).

use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use blocking_imap::testing::{Recorder, Replay, Script, Transcript};
use blocking_imap::{
    ClientBuilder, Error, FetchItems, Flag, IdleControl, IdleEnd, Plain, ResponseCode, Security,
    Seq, StatusKind, Unsolicited,
};

/// A writer the test reads back: where a [`Recorder`] writes.
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Sink {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

#[test]
fn login_noop_logout_with_interleaved_untagged() {
    let replay = Script::new()
        .expect("LOGIN alice secret")
        .respond([
            "* CAPABILITY IMAP4rev1 IDLE",
            "OK [CAPABILITY IMAP4rev1 IDLE UIDPLUS] Logged in",
        ])
        .expect("NOOP")
        .respond([
            "* 4 EXISTS",
            "* 3 EXPUNGE",
            "* OK [ALERT] Quota nearly full",
        ])
        .respond(["* 2 FETCH (FLAGS (\\Seen \\Deleted))", "OK NOOP completed"])
        .expect("LOGOUT")
        .respond(["* BYE Logging out", "OK Logout completed"])
        .replay()
        .exact_tags(true);
    let mut session = replay.client().unwrap().login("alice", "secret").unwrap();
    assert!(session.capabilities().unwrap().has("UIDPLUS"));
    session.noop().unwrap();
    assert_eq!(session.mailbox().exists(), 3, "4 EXISTS then one EXPUNGE");
    let items: Vec<_> = session.unsolicited().collect();
    assert_eq!(items.len(), 5, "{items:#?}");
    assert_eq!(items[1], Unsolicited::Exists(4));
    assert_eq!(items[2], Unsolicited::Expunge(Seq(3)));
    match &items[3] {
        Unsolicited::Status { kind, text } => {
            assert_eq!(*kind, StatusKind::Ok);
            assert_eq!(text.code, Some(ResponseCode::Alert));
        }
        other => panic!("{other:?}"),
    }
    match &items[4] {
        Unsolicited::Fetch(f) => assert_eq!(f.flags(), Some(&[Flag::Seen, Flag::Deleted][..])),
        other => panic!("{other:?}"),
    }
    session.logout().unwrap();
    replay.assert_finished();
}

#[test]
fn every_read_split_gives_the_same_session() {
    let script = Script::new().login().expect("NOOP").respond([
        "* 1 FETCH (UID 9 BODY[HEADER] {12}\r\nSubject: x\r\n)",
        "* 7 EXISTS",
        "OK",
    ]);
    for chunk in [1, 2, 3, 7, 64] {
        let replay = script.replay().max_read(chunk);
        let mut session = replay.session().unwrap();
        session.noop().unwrap();
        assert_eq!(session.mailbox().exists(), 7, "chunk {chunk}");
        match session.unsolicited().next() {
            Some(Unsolicited::Fetch(f)) => assert_eq!(f.header(), Some(&b"Subject: x\r\n"[..])),
            other => panic!("chunk {chunk}: {other:?}"),
        }
        replay.assert_finished();
    }
}

#[test]
fn failed_login_hands_the_client_back() {
    let replay = Script::new()
        .expect("LOGIN alice wrong")
        .respond(["NO [AUTHENTICATIONFAILED] Authentication failed."])
        .expect("LOGIN alice right")
        .respond(["OK Logged in"])
        .replay();
    let err = replay
        .client()
        .unwrap()
        .login("alice", "wrong")
        .unwrap_err();
    assert!(err.error.is_auth_failed(), "{}", err.error);
    let session = err.client.login("alice", "right").unwrap();
    assert!(!session.is_broken());
    replay.assert_finished();
}

#[test]
fn password_with_crlf_goes_as_a_synchronising_literal() {
    // No LITERAL+: the client waits for "+", and an untagged response before it does not
    // confuse it.
    let replay = Script::new()
        .capabilities("IMAP4rev1")
        .expect("LOGIN bob {23}")
        .respond(["* OK still here", "+ go ahead"])
        .expect_raw("x\r\nA0002 DELETE INBOX\r\n")
        .respond(["NO [AUTHENTICATIONFAILED] nope"])
        .replay();
    let err = replay
        .client()
        .unwrap()
        .login("bob", "x\r\nA0002 DELETE INBOX\r\n")
        .unwrap_err();
    assert!(matches!(err.error, Error::No(_)), "{:?}", err.error);
    replay.assert_finished();
}

#[test]
fn literal_plus_is_used_when_advertised() {
    let replay = Script::new()
        .capabilities("IMAP4rev1 LITERAL+")
        .expect("LOGIN {7+}\r\nj\u{f6}rg\r\n pw")
        .respond(["OK"])
        .replay();
    replay.client().unwrap().login("jörg\r\n", "pw").unwrap();
    replay.assert_finished();
}

#[test]
fn bye_mid_command_breaks_the_session() {
    let replay = Script::new()
        .login()
        .expect("NOOP")
        .respond(["* 3 EXISTS", "* BYE [UNAVAILABLE] Server shutting down"])
        .disconnect()
        .replay();
    let mut session = replay.session().unwrap();
    match session.noop().unwrap_err() {
        Error::Bye(t) => assert_eq!(t.text, "Server shutting down"),
        other => panic!("{other:?}"),
    }
    assert!(session.is_broken());
    assert_eq!(session.mailbox().exists(), 3);
    assert!(matches!(session.noop(), Err(Error::Broken(_))));
    replay.assert_finished();
}

#[test]
fn disconnect_mid_literal_and_mid_line() {
    for partial in ["* 1 FETCH (BODY[] {100}\r\nonly part of it", "* 3 EXI"] {
        let replay = Script::new()
            .login()
            .expect("NOOP")
            .send_bytes(partial)
            .disconnect()
            .replay();
        let mut session = replay.session().unwrap();
        assert!(matches!(session.noop(), Err(Error::ConnectionClosed)));
        assert!(session.is_broken());
        replay.assert_finished();
    }
}

#[test]
fn read_timeout_names_the_timeout_and_breaks_the_session() {
    let replay = Script::new().login().expect("NOOP").timeout().replay();
    let builder = ClientBuilder::new("localhost", 143).read_timeout(Some(Duration::from_secs(5)));
    let mut session = replay
        .client_with(&builder)
        .unwrap()
        .login("a", "b")
        .unwrap();
    let err = session.noop().unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(err.to_string().contains("read timed out after 5s"), "{err}");
    assert!(session.is_broken());
}

#[test]
fn authenticate_with_and_without_sasl_ir() {
    let replay = Script::new()
        .capabilities("IMAP4rev1 AUTH=PLAIN SASL-IR")
        .expect("AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==")
        .respond(["OK [CAPABILITY IMAP4rev1 MOVE] Logged in"])
        .replay();
    let mut session = replay
        .client()
        .unwrap()
        .authenticate(&mut Plain::new("alice", "secret"))
        .unwrap();
    assert!(session.capabilities().unwrap().has("MOVE"));
    replay.assert_finished();

    let replay = Script::new()
        .capabilities("IMAP4rev1 AUTH=PLAIN")
        .expect("AUTHENTICATE PLAIN")
        .respond(["+ "])
        .expect_raw("AGFsaWNlAHNlY3JldA==")
        .respond(["OK done"])
        .replay();
    replay
        .client()
        .unwrap()
        .authenticate(&mut Plain::new("alice", "secret"))
        .unwrap();
    replay.assert_finished();
}

#[test]
fn idle_replays_until_the_callback_stops_it() {
    let replay = Script::new()
        .login()
        .expect("IDLE")
        .respond(["+ idling"])
        .delay(Duration::from_millis(30))
        .respond(["* 5 EXISTS"])
        .expect_raw("DONE")
        .respond(["OK IDLE terminated"])
        .replay();
    let mut session = replay.session().unwrap();
    let end = session
        .idle()
        .deadline(Instant::now() + Duration::from_secs(10))
        .run(|u| match u {
            Unsolicited::Exists(5) => IdleControl::Stop,
            _ => IdleControl::Continue,
        })
        .unwrap();
    assert_eq!(end, IdleEnd::Stopped);
    assert_eq!(session.mailbox().exists(), 5);
    replay.assert_finished();
}

/// An IDLE that ends by its deadline: while the transcript waits for `DONE`, reads time
/// out as an idle socket's would, and the session ends the IDLE itself.
#[test]
fn idle_replays_until_its_deadline() {
    let replay = Script::new()
        .login()
        .expect("IDLE")
        .respond(["+ idling"])
        .expect_raw("DONE")
        .respond(["OK IDLE terminated"])
        .replay();
    let mut session = replay.session().unwrap();
    let start = Instant::now();
    let end = session
        .idle()
        .deadline(start + Duration::from_millis(300))
        .run(|_| IdleControl::Continue)
        .unwrap();
    assert_eq!(end, IdleEnd::TimedOut);
    assert!(start.elapsed() < Duration::from_secs(3));
    replay.assert_finished();
}

#[test]
fn another_command_fails_at_once_with_both_versions() {
    let replay = Script::new()
        .login()
        .expect("SELECT INBOX")
        .respond(["OK"])
        .replay();
    let mut session = replay.session().unwrap();
    let start = Instant::now();
    let err = session.examine("INBOX").unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(1), "no hang");
    let text = err.to_string();
    assert!(
        text.starts_with(
            "i/o error: replay: the client wrote something else than transcript line 4"
        ),
        "{text}"
    );
    assert!(
        text.contains("\n  transcript: C: A0002 SELECT INBOX\n"),
        "{text}"
    );
    assert!(
        text.contains("\n  client:     C: A0002 EXAMINE INBOX"),
        "{text}"
    );
    assert!(session.is_broken());
    // The code under test may swallow the error: finish reports it again.
    let m = replay.finish().unwrap_err();
    assert_eq!(m.line(), Some(4));
}

#[test]
fn reading_when_the_client_should_write_fails_instead_of_hanging() {
    // The transcript has the client send NOOP, but the code under test sends nothing and
    // waits for news (a read of a stream with nothing to say).
    let replay = Script::new()
        .login()
        .expect("NOOP")
        .respond(["OK"])
        .replay();
    let mut stream = replay.clone();
    let mut greeting = [0u8; 200];
    let n = stream.read(&mut greeting).unwrap();
    assert!(greeting[..n].starts_with(b"* OK"));
    let err = stream.read(&mut greeting).unwrap_err();
    assert!(
        err.to_string().contains("the client waits for the server, but the transcript has it write first (line 2: C: A0001 LOGIN {{any}}; it wrote nothing so far)"),
        "{err}"
    );
    assert!(replay.finish().is_err());
}

#[test]
fn the_end_of_a_transcript_is_checked_both_ways() {
    // The client wrote more than the transcript has.
    let replay = Script::new().login().replay();
    let mut session = replay.session().unwrap();
    let err = session.noop().unwrap_err();
    assert!(
        err.to_string().contains("after the end of the transcript"),
        "{err}"
    );
    // The client stopped early.
    let replay = Script::new()
        .login()
        .expect("NOOP")
        .respond(["OK"])
        .replay();
    let _session = replay.session().unwrap();
    let m = replay.finish().unwrap_err();
    assert!(m.to_string().contains("stopped before the end"), "{m}");
    assert!(m.to_string().contains("C: A0002 NOOP"), "{m}");
}

#[test]
fn tags_are_mapped_unless_exact() {
    // A transcript whose tags are not the client's.
    let text = "S: * OK [CAPABILITY IMAP4rev1 LITERAL+] hi\n\
                C: x1 LOGIN {{any}}\nS: x1 OK in\n\
                C: x2 NOOP\nS: * 1 EXISTS\nS: x2 OK\n";
    let replay = Replay::new(text.parse::<Transcript>().unwrap());
    let mut session = replay.session().unwrap();
    session.noop().unwrap();
    assert_eq!(session.mailbox().exists(), 1);
    replay.assert_finished();

    let replay = Replay::new(text.parse::<Transcript>().unwrap()).exact_tags(true);
    let err = replay.session().unwrap_err().to_string();
    assert!(err.contains("only the tag differs"), "{err}");
}

#[test]
fn fetch_items_in_another_order_match_when_asked() {
    let script = Script::new()
        .login()
        .expect("SELECT INBOX")
        .respond(["* 1 EXISTS", "OK [READ-WRITE] selected"])
        .expect("FETCH 1 (FLAGS UID)")
        .respond(["* 1 FETCH (UID 7 FLAGS (\\Seen))", "OK"]);
    let items = FetchItems::new().uid().flags();
    let replay = script.replay();
    let mut session = replay.session().unwrap();
    session.select("INBOX").unwrap();
    let err = session
        .fetch(1, &items)
        .and_then(|s| s.into_vec())
        .unwrap_err();
    assert!(err.to_string().contains("any_fetch_item_order"), "{err}");

    let replay = script.replay().any_fetch_item_order(true);
    let mut session = replay.session().unwrap();
    session.select("INBOX").unwrap();
    let got = session.fetch(1, &items).unwrap().into_vec().unwrap();
    assert_eq!(got[0].uid().map(|u| u.0), Some(7));
    replay.assert_finished();
}

#[test]
fn a_flood_of_unsolicited_responses() {
    let replay = Script::new()
        .login()
        .expect("NOOP")
        .respond((1..=10_000).map(|n| format!("* {n} FETCH (FLAGS (\\Seen))")))
        .respond(["* 10000 EXISTS", "OK"])
        .replay();
    let mut session = replay.session().unwrap();
    session.noop().unwrap();
    assert_eq!(session.unsolicited().count(), 10_001);
    replay.assert_finished();
}

#[test]
fn a_slow_server_meets_the_read_timeout() {
    let replay = Script::new()
        .login()
        .expect("NOOP")
        .delay(Duration::from_secs(30))
        .respond(["OK"])
        .replay()
        .read_timeout(Some(Duration::from_millis(50)));
    let mut session = replay.session().unwrap();
    let start = Instant::now();
    let err = session.noop().unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_trickling_server_meets_the_command_deadline() {
    let mut script = Script::new().login().expect("NOOP");
    for n in 1..=20 {
        script = script
            .delay(Duration::from_millis(20))
            .respond([format!("* {n} EXISTS")]);
    }
    let replay = script.respond(["OK"]).replay();
    let builder = ClientBuilder::new("x", 1).command_deadline(Some(Duration::from_millis(100)));
    let mut session = replay
        .client_with(&builder)
        .unwrap()
        .login("u", "p")
        .unwrap();
    let err = session.noop().unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                operation: "command",
                ..
            }
        ),
        "{err}"
    );
}

/// A session recorded (through `record_to`, over a scripted server) replays, LOGIN with a
/// synchronising literal included: its password is not in the recording, and the replay
/// gives the `+` the recording left out.
#[test]
fn a_recording_replays_and_holds_no_password() {
    let server = Script::new()
        .capabilities("IMAP4rev1")
        .expect("LOGIN alice {10}")
        .respond(["+ go ahead"])
        .expect_raw("p\u{e4}ssw\u{f6}rd")
        .respond(["OK [CAPABILITY IMAP4rev1 UIDPLUS] in"])
        .expect("SELECT INBOX")
        .respond(["* 1 EXISTS", "OK [READ-WRITE] selected"])
        .expect("UID FETCH 1:* (UID BODY.PEEK[])")
        .respond([
            "* 1 FETCH (UID 4 BODY[] {22}\r\nSubject: hi\r\n\r\nbin\0\r\n\\)",
            "OK",
        ])
        .expect("LOGOUT")
        .respond(["* BYE", "OK"]);
    let run = |session: &mut blocking_imap::Session| {
        session.select("INBOX").unwrap();
        let items = FetchItems::new()
            .uid()
            .body_peek(blocking_imap::Section::Full);
        let msgs = session.uid_fetch(1.., &items).unwrap().into_vec().unwrap();
        assert_eq!(msgs[0].body(), Some(&b"Subject: hi\r\n\r\nbin\0\r\n\\"[..]));
    };

    let sink = Sink::default();
    let recorder = Recorder::new(sink.clone());
    let live = server.replay();
    let mut session = ClientBuilder::new("localhost", 143)
        .security(Security::Plaintext)
        .record_to(recorder.clone())
        .connect_stream(live.clone())
        .unwrap()
        .login("alice", "p\u{e4}ssw\u{f6}rd")
        .unwrap();
    run(&mut session);
    session.logout().unwrap();
    live.assert_finished();
    recorder.flush().unwrap();
    let recording = sink.text();
    assert!(!recording.contains("ssw"), "{recording}");
    assert!(
        recording.contains("\nC: A0001 LOGIN {{redacted}}\n"),
        "{recording}"
    );
    assert!(!recording.contains("go ahead"), "{recording}");
    assert!(recording.contains("\nS| bin\\x00\n"), "{recording}");

    let replay = Replay::new(recording.parse().unwrap());
    let mut session = replay
        .client_with(&ClientBuilder::new("x", 1))
        .unwrap()
        .login("someone", "else\r\nwith a literal")
        .unwrap();
    run(&mut session);
    session.logout().unwrap();
    replay.assert_finished();

    // The same through a wrapped stream: the recorder finds LOGIN by its name.
    let sink = Sink::default();
    let recorder = Recorder::new(sink.clone());
    let live = server.replay();
    let mut session = ClientBuilder::new("localhost", 143)
        .security(Security::Plaintext)
        .connect_stream(recorder.wrap(live.clone()))
        .unwrap()
        .login("alice", "p\u{e4}ssw\u{f6}rd")
        .unwrap();
    run(&mut session);
    session.logout().unwrap();
    assert_eq!(sink.text(), recording);
}

/// A recorded SCRAM exchange cannot be replayed (its challenges are redacted): a LOGIN
/// stands for it, as `Replay::session` sends.
#[test]
fn a_recorded_sasl_exchange_replays_with_login() {
    let scram = "S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=SCRAM-SHA-256] hi\n\
                 C: A0001 AUTHENTICATE SCRAM-SHA-256 {{redacted}}\n\
                 S: + {{redacted}}\nC: {{redacted}}\nS: + {{redacted}}\nC: {{redacted}}\n\
                 S: A0001 OK [CAPABILITY IMAP4rev1 MOVE] Logged in\n\
                 C: A0002 NOOP\nS: A0002 OK\n";
    // Without SASL-IR, the redaction is in the response after the command.
    let plain = "S: * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\n\
                 C: A0001 AUTHENTICATE PLAIN\nS: + {{redacted}}\nC: {{redacted}}\n\
                 S: A0001 OK [CAPABILITY IMAP4rev1 MOVE] Logged in\n\
                 C: A0002 NOOP\nS: A0002 OK\n";
    for text in [scram, plain] {
        let replay = Replay::new(text.parse().unwrap());
        let mut session = replay.session().unwrap();
        assert!(session.capabilities().unwrap().has("MOVE"));
        session.noop().unwrap();
        replay.assert_finished();
    }
    // A transcript that asks for AUTHENTICATE in so many words does not take a LOGIN.
    let replay = Script::new()
        .expect("AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==")
        .respond(["OK"])
        .replay();
    assert!(replay.session().is_err());
}

#[test]
fn compress_is_replayed_compressed() {
    let replay = Script::new()
        .capabilities("IMAP4rev1 LITERAL+ COMPRESS=DEFLATE")
        .login()
        .expect("COMPRESS DEFLATE")
        .respond(["OK DEFLATE active"])
        .expect("NOOP")
        .respond(["* 9 EXISTS", "OK"])
        .expect("LOGOUT")
        .respond(["* BYE", "OK"])
        .replay();
    let mut session = replay.session().unwrap();
    session.compress().unwrap();
    session.noop().unwrap();
    assert_eq!(session.mailbox().exists(), 9);
    session.logout().unwrap();
    replay.assert_finished();
}
