//! `Session::retrying` against scripted servers that cut the connection at chosen points:
//! an APPEND whose completion was lost is looked for before it is sent again (found: not
//! again; absent: once more), one without a Message-ID is `Interrupted`, a STORE by
//! sequence numbers is never repeated, a UID COPY lands once, a cut inside the reconnect's
//! own SELECT still ends with the job's mailbox selected, and a job goes on through several
//! cuts in a row. Each scripted connection answers commands by what they contain, and every
//! command the client sent is kept, so a test can count how often APPEND reached a server.
//! (Real cuts at random offsets against Dovecot: tests/fault_injection.rs.)

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use blocking_imap::{
    ClientBuilder, Error, Flag, Operation, ReconnectPolicy, Security, SequenceSet, Session,
    StoreAction,
};

/// One scripted exchange: a command containing `expect` gets `reply` (`TAG` is replaced by
/// the command's tag); a reply ending in `CUT` sends what comes before it and then closes
/// the connection.
type Step = (&'static str, &'static str);

const GREETING: &str = "* OK [CAPABILITY IMAP4rev1 UIDPLUS MULTIAPPEND LITERAL+] ready\r\n";
const LOGIN: Step = (
    "LOGIN",
    "TAG OK [CAPABILITY IMAP4rev1 UIDPLUS MULTIAPPEND LITERAL+] in\r\n",
);

/// Reads one command: its line, and any literals with the rest of the line after each.
fn read_command(
    r: &mut BufReader<std::net::TcpStream>,
    w: &mut std::net::TcpStream,
) -> Option<String> {
    let mut cmd = Vec::new();
    loop {
        let mut line = Vec::new();
        if r.read_until(b'\n', &mut line).ok()? == 0 {
            return None;
        }
        cmd.extend_from_slice(&line);
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end();
        let Some(open) = text.rfind('{').filter(|_| text.ends_with('}')) else {
            break;
        };
        let inner = &text[open + 1..text.len() - 1];
        let (n, sync) = match inner.strip_suffix('+') {
            Some(n) => (n, false),
            None => (inner, true),
        };
        let n: usize = n.parse().ok()?;
        if sync {
            w.write_all(b"+ go on\r\n").ok()?;
        }
        let mut lit = vec![0; n];
        r.read_exact(&mut lit).ok()?;
        cmd.extend_from_slice(&lit);
    }
    Some(String::from_utf8_lossy(&cmd).into_owned())
}

/// Every command received, per connection (or what went wrong).
type Seen = JoinHandle<Result<Vec<Vec<String>>, String>>;

/// Serves one scripted connection per element of `conns`, in order; returns the port and
/// every command received, per connection.
fn serve(conns: Vec<Vec<Step>>) -> (u16, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = thread::spawn(move || {
        let mut seen = Vec::new();
        for (n, steps) in conns.into_iter().enumerate() {
            let (mut sock, _) = listener.accept().map_err(|e| e.to_string())?;
            sock.set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut reader = BufReader::new(sock.try_clone().unwrap());
            sock.write_all(GREETING.as_bytes())
                .map_err(|e| e.to_string())?;
            let mut got = Vec::new();
            for (expect, reply) in steps {
                let Some(cmd) = read_command(&mut reader, &mut sock) else {
                    return Err(format!(
                        "connection {n}: closed before {expect:?}; got {got:?}"
                    ));
                };
                let tag = cmd.split(' ').next().unwrap_or("").to_string();
                got.push(cmd.clone());
                if !cmd.contains(expect) {
                    return Err(format!("connection {n}: expected {expect:?}, got {cmd:?}"));
                }
                if let Some(before) = reply.strip_suffix("CUT") {
                    // Part of an answer, then the cut.
                    let _ = sock.write_all(before.replace("TAG", &tag).as_bytes());
                    let _ = sock.shutdown(std::net::Shutdown::Both);
                    break;
                }
                sock.write_all(reply.replace("TAG", &tag).as_bytes())
                    .map_err(|e| e.to_string())?;
            }
            // Whatever else the client sends on this connection is kept too.
            while let Some(cmd) = read_command(&mut reader, &mut sock) {
                let logout = cmd.contains("LOGOUT");
                let tag = cmd.split(' ').next().unwrap_or("").to_string();
                got.push(cmd);
                if logout {
                    let _ = sock.write_all(format!("* BYE bye\r\n{tag} OK done\r\n").as_bytes());
                    break;
                }
            }
            seen.push(got);
        }
        Ok(seen)
    });
    (port, handle)
}

fn session(port: u16) -> Session {
    ClientBuilder::new("127.0.0.1", port)
        .security(Security::Plaintext)
        .read_timeout(Some(Duration::from_secs(5)))
        .reconnect_policy(ReconnectPolicy::new(
            4,
            Duration::from_millis(5),
            Duration::from_millis(20),
        ))
        .connect()
        .unwrap()
        .login("u", "p")
        .unwrap()
}

const SELECT_1: Step = (
    "SELECT INBOX",
    "* 2 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n* OK [UIDNEXT 10] n\r\nTAG OK [READ-WRITE] sel\r\n",
);
/// The mailbox after the first APPEND landed: UID 10 is there.
const SELECT_2: Step = (
    "SELECT INBOX",
    "* 3 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n* OK [UIDNEXT 11] n\r\nTAG OK [READ-WRITE] sel\r\n",
);
/// `resume` after a reconnect asks for the new UIDs (10 and up).
const NEW_SINCE_10: Step = ("UID SEARCH UID 10:*", "* SEARCH 10\r\nTAG OK s\r\n");
const MESSAGE: &[u8] = b"Message-ID: <one@example.org>\r\nSubject: one\r\n\r\nbody\r\n";

fn count(seen: &[Vec<String>], what: &str) -> usize {
    seen.iter().flatten().filter(|c| c.contains(what)).count()
}

#[test]
fn an_append_that_landed_before_the_cut_is_not_sent_again() {
    let (port, server) = serve(vec![
        vec![LOGIN, SELECT_1, ("APPEND INBOX", "CUT")],
        vec![
            LOGIN,
            SELECT_2,
            NEW_SINCE_10,
            // Looked for among UIDs 10 and up: there it is.
            ("HEADER Message-ID", "* SEARCH 10\r\nTAG OK s\r\n"),
        ],
    ]);
    let mut s = session(port);
    s.select("INBOX").unwrap();
    let uid = s
        .retrying(Operation::Job, |s| s.append("INBOX", MESSAGE))
        .unwrap()
        .expect("the UID found");
    assert_eq!((uid.uid_validity, uid.uids.to_string()), (7, "10".into()));
    s.logout().unwrap();
    let seen = server.join().unwrap().unwrap();
    assert_eq!(count(&seen, "APPEND"), 1, "{seen:#?}");
    let search = seen[1].iter().find(|c| c.contains("HEADER")).unwrap();
    assert!(
        search.contains("UID 10:*") && search.contains("<one@example.org>"),
        "{search}"
    );
}

#[test]
fn an_append_that_did_not_land_is_sent_once_more() {
    let (port, server) = serve(vec![
        vec![LOGIN, SELECT_1, ("APPEND INBOX", "CUT")],
        vec![
            LOGIN,
            SELECT_1,
            ("HEADER Message-ID", "* SEARCH\r\nTAG OK s\r\n"),
            ("APPEND INBOX", "TAG OK [APPENDUID 7 10] stored\r\n"),
        ],
    ]);
    let mut s = session(port);
    s.select("INBOX").unwrap();
    let uid = s
        .retrying(Operation::Append, |s| s.append("INBOX", MESSAGE))
        .unwrap()
        .unwrap();
    assert_eq!(uid.uids.to_string(), "10");
    s.logout().unwrap();
    let seen = server.join().unwrap().unwrap();
    assert_eq!(count(&seen, "APPEND"), 2, "{seen:#?}");
}

#[test]
fn appends_done_before_a_cut_in_the_same_job_are_not_sent_again() {
    let second = b"Message-ID: <two@example.org>\r\n\r\nb\r\n";
    let (port, server) = serve(vec![
        vec![
            LOGIN,
            SELECT_1,
            ("APPEND INBOX", "TAG OK [APPENDUID 7 10] stored\r\n"),
            ("APPEND INBOX", "CUT"),
        ],
        vec![
            LOGIN,
            SELECT_2,
            NEW_SINCE_10,
            // The second one is looked for above the first one's UID.
            ("UID 11:* HEADER Message-ID", "* SEARCH\r\nTAG OK s\r\n"),
            ("<two@example.org>", "TAG OK [APPENDUID 7 11] stored\r\n"),
        ],
    ]);
    let mut s = session(port);
    s.select("INBOX").unwrap();
    let mut results = Vec::new();
    s.retrying(Operation::Job, |s| {
        results.clear();
        for m in [MESSAGE, &second[..]] {
            results.push(s.append("INBOX", m)?.unwrap().uids.to_string());
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(results, ["10", "11"]);
    s.logout().unwrap();
    let seen = server.join().unwrap().unwrap();
    assert_eq!(count(&seen, "<one@example.org>"), 1, "{seen:#?}");
    assert_eq!(count(&seen, "APPEND INBOX"), 3, "{seen:#?}");
}

#[test]
fn an_append_without_message_id_is_interrupted_not_guessed() {
    let (port, server) = serve(vec![
        vec![LOGIN, SELECT_1, ("APPEND INBOX", "CUT")],
        vec![LOGIN, SELECT_1],
    ]);
    let mut s = session(port);
    s.select("INBOX").unwrap();
    let e = s
        .retrying(Operation::Job, |s| {
            s.append("INBOX", b"Subject: no id\r\n\r\nx\r\n")
        })
        .unwrap_err();
    assert!(matches!(e, Error::Interrupted { .. }), "{e}");
    assert!(e.to_string().contains("without a Message-ID"), "{e}");
    s.logout().unwrap();
    let seen = server.join().unwrap().unwrap();
    assert_eq!(count(&seen, "APPEND"), 1, "{seen:#?}");
}

#[test]
fn a_store_by_sequence_number_is_never_repeated_whatever_the_caller_declared() {
    let (port, server) = serve(vec![vec![LOGIN, SELECT_1, ("STORE 2", "CUT")]]);
    let mut s = session(port);
    s.select("INBOX").unwrap();
    let e = s
        .retrying(Operation::StoreFlags, |s| {
            s.store_silent(SequenceSet::from(2), StoreAction::Add, &[Flag::Deleted])
        })
        .unwrap_err();
    assert!(matches!(e, Error::Interrupted { .. }), "{e}");
    assert!(e.to_string().contains("STORE"), "{e}");
    let seen = server.join().unwrap().unwrap();
    assert_eq!(count(&seen, "STORE"), 1, "{seen:#?}");
}

#[test]
fn a_uid_copy_whose_completion_was_lost_lands_once() {
    let (port, server) = serve(vec![
        vec![
            LOGIN,
            SELECT_1,
            (
                "STATUS Archive",
                "* STATUS Archive (UIDVALIDITY 3 UIDNEXT 50)\r\nTAG OK st\r\n",
            ),
            ("UID COPY 4 Archive", "CUT"),
        ],
        vec![
            LOGIN,
            SELECT_1,
            // The source message's Message-ID...
            (
                "UID FETCH 4",
                "* 1 FETCH (UID 4 BODY[HEADER.FIELDS (MESSAGE-ID)] {34}\r\nMessage-ID: <four@example.org>\r\n\r\n)\r\nTAG OK f\r\n",
            ),
            // ... looked for in the target, above its old UIDNEXT.
            (
                "EXAMINE Archive",
                "* 1 EXISTS\r\n* OK [UIDVALIDITY 3] v\r\n* OK [UIDNEXT 51] n\r\nTAG OK [READ-ONLY] ex\r\n",
            ),
            ("UID 50:* HEADER Message-ID <four@example.org>", "* SEARCH 50\r\nTAG OK s\r\n"),
            SELECT_1,
        ],
    ]);
    let mut s = session(port);
    s.select("INBOX").unwrap();
    s.retrying(Operation::Job, |s| s.uid_copy(4, "Archive"))
        .unwrap();
    assert_eq!(
        s.mailbox().name().map(|n| n.to_string()).as_deref(),
        Some("INBOX")
    );
    assert!(!s.mailbox().is_read_only());
    s.logout().unwrap();
    let seen = server.join().unwrap().unwrap();
    assert_eq!(count(&seen, "UID COPY"), 1, "{seen:#?}");
}

#[test]
fn a_cut_in_the_reconnects_select_still_ends_with_the_mailbox_selected() {
    let fetch = (
        "UID FETCH 1:*",
        "* 1 FETCH (UID 8 FLAGS ())\r\nTAG OK f\r\n",
    );
    let (port, server) = serve(vec![
        vec![LOGIN, SELECT_1, ("UID FETCH", "CUT")],
        // The reconnect's own SELECT is cut...
        vec![LOGIN, ("SELECT INBOX", "CUT")],
        // ... and cut again in the retried run...
        vec![LOGIN, SELECT_1, ("UID FETCH", "CUT")],
        // ... and then the job finishes, in INBOX.
        vec![LOGIN, SELECT_1, fetch],
    ]);
    let mut s = session(port);
    s.select("INBOX").unwrap();
    let items = blocking_imap::FetchItems::new().uid().flags();
    let got = s
        .retrying(Operation::Fetch, |s| s.uid_fetch(1.., &items)?.into_vec())
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(
        s.mailbox().name().map(|n| n.to_string()).as_deref(),
        Some("INBOX")
    );
    s.logout().unwrap();
    let seen = server.join().unwrap().unwrap();
    assert_eq!(seen.len(), 4);
}

#[test]
fn a_long_uid_fetch_goes_on_from_where_the_cut_left_it() {
    let first = "* 1 FETCH (UID 5 FLAGS ())\r\n* 2 FETCH (UID 6 FLAGS ())\r\n* 3 FETCH (UID 7 FLAGS ())\r\nCUT";
    let (port, server) = serve(vec![
        vec![LOGIN, SELECT_1, ("UID FETCH 1:* (UID FLAGS)", first)],
        vec![
            LOGIN,
            SELECT_1,
            // 5, 6 and 7 arrived: only the rest is asked for.
            (
                "UID FETCH 1:4,8:* (UID FLAGS)",
                "* 4 FETCH (UID 8 FLAGS ())\r\n* 5 FETCH (UID 9 FLAGS ())\r\nCUT",
            ),
        ],
        vec![
            LOGIN,
            SELECT_1,
            // `10:*` answers with the last UID when there is none above it: given once.
            (
                "UID FETCH 1:4,10:* (UID FLAGS)",
                "* 5 FETCH (UID 9 FLAGS ())\r\nTAG OK f\r\n",
            ),
        ],
    ]);
    let mut s = session(port);
    s.select("INBOX").unwrap();
    let items = blocking_imap::FetchItems::new().uid().flags();
    let got = s.retrying(Operation::Fetch, |s| s.uid_fetch(1.., &items)?.into_vec());
    let Ok(got) = got else {
        panic!("{got:?}: {:?}", server.join());
    };
    let uids: Vec<u32> = got.iter().filter_map(|f| f.uid()).map(|u| u.0).collect();
    assert_eq!(uids, [5, 6, 7, 8, 9]);
    s.logout().unwrap();
    let seen = server.join().unwrap().unwrap();
    assert_eq!(count(&seen, "UID FETCH"), 3, "{seen:#?}");
}

#[test]
fn a_cut_while_looking_in_the_target_still_ends_in_the_jobs_mailbox() {
    let archive =
        "* 1 EXISTS\r\n* OK [UIDVALIDITY 3] v\r\n* OK [UIDNEXT 51] n\r\nTAG OK [READ-ONLY] ex\r\n";
    let source_id = (
        "UID FETCH 4",
        "* 1 FETCH (UID 4 BODY[HEADER.FIELDS (MESSAGE-ID)] {34}\r\nMessage-ID: <four@example.org>\r\n\r\n)\r\nTAG OK f\r\n",
    );
    let (port, server) = serve(vec![
        vec![
            LOGIN,
            SELECT_1,
            (
                "STATUS Archive",
                "* STATUS Archive (UIDVALIDITY 3 UIDNEXT 50)\r\nTAG OK st\r\n",
            ),
            ("UID COPY 4 Archive", "CUT"),
        ],
        // The answer is looked for in Archive, and the cut comes right then...
        vec![
            LOGIN,
            SELECT_1,
            source_id,
            ("EXAMINE Archive", archive),
            ("HEADER Message-ID", "CUT"),
        ],
        // ... so the reconnect opens Archive (what was selected last): the job's INBOX
        // comes back before anything else, and the search is made again.
        vec![
            LOGIN,
            ("EXAMINE Archive", archive),
            SELECT_1,
            // (The source's Message-ID came whole before the cut: not asked for again.)
            ("EXAMINE Archive", archive),
            (
                "UID 50:* HEADER Message-ID <four@example.org>",
                "* SEARCH 50\r\nTAG OK s\r\n",
            ),
            SELECT_1,
        ],
    ]);
    let mut s = session(port);
    s.select("INBOX").unwrap();
    if let Err(e) = s.retrying(Operation::Job, |s| s.uid_copy(4, "Archive")) {
        panic!("{e}: {:?}", server.join());
    }
    assert_eq!(
        s.mailbox().name().map(|n| n.to_string()).as_deref(),
        Some("INBOX")
    );
    assert!(!s.mailbox().is_read_only());
    s.logout().unwrap();
    let seen = server.join().unwrap().unwrap();
    assert_eq!(count(&seen, "UID COPY"), 1, "{seen:#?}");
}
