//! Scripted-server tests of NOTIFY (RFC 5465) and the account watcher: the encoding of every
//! mailbox specifier and event, the routing of STATUS / LIST / FETCH / EXPUNGE events into
//! the unsolicited queue, NOTIFICATIONOVERFLOW, BADEVENT, NOTIFY NONE, odd responses that
//! cost only themselves, and a watcher that survives a BYE and an overflow.

mod common;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use blocking_imap::{
    bad_events, AccountEvent, AccountEventKind, AccountWatcher, Error, FetchItems, NameAttribute,
    NotifyEvent, NotifyMailboxes, NotifySet, ResponseCode, Seq, Session, Unsolicited, Watch,
    WatchSettings,
};
use common::{c, s, Script, Step};

const CAPS: &str = "IMAP4rev1 IDLE NOTIFY LITERAL+";

fn session(steps: Vec<Step>) -> (Script, Session) {
    common::logged_in(CAPS, steps)
}

#[test]
fn every_specifier_and_event_is_encoded() {
    let (script, mut s) =
        session(vec![
        c("A0002 NOTIFY SET STATUS (SELECTED (MessageNew (UID FLAGS) MessageExpunge FlagChange \
           AnnotationChange)) (INBOXES (MailboxName SubscriptionChange MailboxMetadataChange \
           ServerMetadataChange)) (PERSONAL NONE) (SUBSCRIBED (MessageNew MessageExpunge)) \
           (SUBTREE (Lists \"a b\" \"q\\\"uote\") (MessageNew MessageExpunge)) \
           (MAILBOXES (&APw-ber) (MailboxName))\r\n"),
        s("A0002 OK done\r\n"),
        c("A0003 NOTIFY SET (SELECTED-DELAYED (MessageNew MessageExpunge))\r\n"),
        s("A0003 OK done\r\n"),
        c("A0004 NOTIFY NONE\r\n"),
        s("A0004 OK done\r\n"),
    ]);
    let set = NotifySet::new()
        .status()
        .group(
            NotifyMailboxes::Selected,
            [
                NotifyEvent::MessageNew(Some(FetchItems::new().uid().flags())),
                NotifyEvent::MessageExpunge,
                NotifyEvent::FlagChange,
                NotifyEvent::AnnotationChange,
            ],
        )
        .group(
            NotifyMailboxes::Inboxes,
            [
                NotifyEvent::MailboxName,
                NotifyEvent::SubscriptionChange,
                NotifyEvent::MailboxMetadataChange,
                NotifyEvent::ServerMetadataChange,
            ],
        )
        .group(NotifyMailboxes::Personal, [])
        .group(
            NotifyMailboxes::Subscribed,
            [NotifyEvent::message_new(), NotifyEvent::MessageExpunge],
        )
        .group(
            NotifyMailboxes::Subtree(vec!["Lists".into(), "a b".into(), "q\"uote".into()]),
            [NotifyEvent::message_new(), NotifyEvent::MessageExpunge],
        )
        .group(
            NotifyMailboxes::Mailboxes(vec!["über".into()]),
            [NotifyEvent::MailboxName],
        );
    s.notify(&set).unwrap();
    s.notify(&NotifySet::new().group(
        NotifyMailboxes::SelectedDelayed,
        [NotifyEvent::message_new(), NotifyEvent::MessageExpunge],
    ))
    .unwrap();
    s.notify_none().unwrap();
    script.assert_done();
}

#[test]
fn refused_sets_and_missing_capability_send_nothing() {
    let (script, mut s) = common::logged_in("IMAP4rev1 IDLE", vec![]);
    match s.notify(&NotifySet::account()) {
        Err(Error::MissingCapability(c)) => assert_eq!(c, "NOTIFY"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(s.notify_none(), Err(Error::MissingCapability(_))));
    let bad = [
        NotifySet::new(),
        NotifySet::new().group(NotifyMailboxes::Personal, [NotifyEvent::message_new()]),
        NotifySet::new().group(NotifyMailboxes::Personal, [NotifyEvent::FlagChange]),
        NotifySet::new().group(NotifyMailboxes::Selected, [NotifyEvent::MailboxName]),
        NotifySet::new().group(NotifyMailboxes::Subtree(vec![]), [NotifyEvent::MailboxName]),
        NotifySet::new().group(
            NotifyMailboxes::Inboxes,
            [
                NotifyEvent::MessageNew(Some(FetchItems::new().uid())),
                NotifyEvent::MessageExpunge,
            ],
        ),
    ];
    for set in &bad {
        assert!(
            matches!(s.notify(set), Err(Error::InvalidArgument(_))),
            "{set:?}"
        );
    }
    assert_eq!(s.unsolicited_len(), 0);
    script.assert_done();
}

#[test]
fn badevent_is_a_no_with_its_events() {
    let (script, mut s) = session(vec![
        c("A0002 NOTIFY SET (PERSONAL (MessageNew MessageExpunge AnnotationChange))\r\n"),
        s("A0002 NO [BADEVENT (AnnotationChange MailboxMetadataChange)] unsupported\r\n"),
        // Dovecot writes the list without its parentheses.
        c("A0003 NOTIFY SET (PERSONAL (MessageNew MessageExpunge AnnotationChange))\r\n"),
        s("A0003 NO [BADEVENT AnnotationChange] unsupported\r\n"),
        c("A0004 NOOP\r\n"),
        s("A0004 OK\r\n"),
    ]);
    let set = NotifySet::new().group(
        NotifyMailboxes::Personal,
        [
            NotifyEvent::message_new(),
            NotifyEvent::MessageExpunge,
            NotifyEvent::AnnotationChange,
        ],
    );
    let err = s.notify(&set).unwrap_err();
    assert!(err.is_no());
    assert_eq!(
        err.response_code().and_then(bad_events),
        Some(vec![
            "AnnotationChange".into(),
            "MailboxMetadataChange".into()
        ])
    );
    let err = s.notify(&set).unwrap_err();
    assert_eq!(
        err.response_code().and_then(bad_events),
        Some(vec!["AnnotationChange".into()])
    );
    assert_eq!(bad_events(&ResponseCode::Alert), None);
    // The session goes on.
    s.noop().unwrap();
    script.assert_done();
}

#[test]
fn events_are_routed_to_the_queue_typed_per_mailbox() {
    let (script, mut s) = session(vec![
        c(
            "A0002 NOTIFY SET STATUS (SELECTED (MessageNew (UID) MessageExpunge FlagChange)) \
           (PERSONAL (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange))\r\n",
        ),
        // The STATUS answers, before the completion.
        s("* STATUS INBOX (MESSAGES 3 UIDNEXT 4 UNSEEN 1)\r\n"),
        s("* STATUS Work (MESSAGES 0 UIDNEXT 1 UNSEEN 0)\r\n"),
        s("A0002 OK NOTIFY completed\r\n"),
        c("A0003 IDLE\r\n"),
        s("+ idling\r\n* STATUS Work (MESSAGES 1 UIDNEXT 2 UNSEEN 1)\r\n"),
        c("DONE\r\n"),
        s("* LIST (\\HasNoChildren) \"/\" New\r\n\
           * LIST (\\NonExistent) \"/\" Old\r\n\
           * LIST (\\HasNoChildren) \"/\" Renamed (\"OLDNAME\" (\"Before\"))\r\n\
           * LIST (\\Subscribed) \"/\" Work\r\n\
           * 4 EXISTS\r\n* 4 FETCH (UID 9)\r\n* 2 EXPUNGE\r\n\
           * METADATA Work /private/comment\r\n\
           * OK [NOTIFICATIONOVERFLOW] too many events\r\n\
           A0003 OK IDLE terminated\r\n"),
    ]);
    s.notify(
        &NotifySet::new()
            .status()
            .group(
                NotifyMailboxes::Selected,
                [
                    NotifyEvent::MessageNew(Some(FetchItems::new().uid())),
                    NotifyEvent::MessageExpunge,
                    NotifyEvent::FlagChange,
                ],
            )
            .group(NotifyMailboxes::Personal, {
                let mut e = NotifyEvent::messages();
                e.extend([NotifyEvent::MailboxName, NotifyEvent::SubscriptionChange]);
                e
            }),
    )
    .unwrap();
    let first: Vec<Unsolicited> = s.unsolicited().collect();
    assert_eq!(first.len(), 2, "{first:?}");
    assert_eq!(first[0].mailbox().map(|m| m.as_str()), Some("INBOX"));
    assert!(matches!(&first[1], Unsolicited::MailboxStatus(st) if st.messages() == Some(0)));

    let got = s.wait_notifications(Duration::from_secs(5)).unwrap();
    let mailboxes: Vec<Option<&str>> = got
        .iter()
        .map(|u| u.mailbox().map(|m| m.as_str()))
        .collect();
    assert_eq!(
        mailboxes,
        [
            Some("Work"),
            Some("New"),
            Some("Old"),
            Some("Renamed"),
            Some("Work"),
            None,
            None,
            None,
            Some("Work"),
            None
        ],
        "{got:?}"
    );
    assert!(matches!(&got[0], Unsolicited::MailboxStatus(st) if st.uid_next() == Some(2)));
    assert!(matches!(&got[1], Unsolicited::List(n) if n.is_selectable()));
    assert!(
        matches!(&got[2], Unsolicited::List(n) if n.attributes().contains(&NameAttribute::NonExistent))
    );
    match &got[3] {
        Unsolicited::MailboxRenamed { name, old_name } => {
            assert_eq!(
                (name.name().as_str(), old_name.as_str()),
                ("Renamed", "Before")
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(got[5], Unsolicited::Exists(4));
    assert!(matches!(&got[6], Unsolicited::Fetch(f) if f.uid().map(|u| u.0) == Some(9)));
    assert_eq!(got[7], Unsolicited::Expunge(Seq(2)));
    assert!(matches!(&got[8], Unsolicited::MetadataChanged { .. }));
    assert!(got[9].is_notification_overflow());
    assert!(!got[0].is_notification_overflow());
    // The selected mailbox's state follows: 4 EXISTS, then one EXPUNGE.
    assert_eq!(s.mailbox().exists(), 3);
    script.assert_done();
}

#[test]
fn odd_notifications_cost_only_themselves() {
    let (script, mut s) = session(vec![
        c("A0002 IDLE\r\n"),
        s("+ idling\r\n* STATUS Work (MESSAGES 2 FUTURE (x y) UIDNEXT 7)\r\n"),
        c("DONE\r\n"),
        s("* STATUS\r\n\
           * LIST (\\HasNoChildren) \"/\" Odd (\"OLDNAME\" (\"A\" \"B\") \"X-THING\" (1 (2)))\r\n\
           * LIST (\\HasNoChildren) \"/\" Odd2 (\"OLDNAME\" broken-no-list)\r\n\
           * STATUS Next (MESSAGES 1)\r\n\
           A0002 OK IDLE terminated\r\n"),
    ]);
    let got = s.wait_notifications(Duration::from_secs(5)).unwrap();
    assert_eq!(got.len(), 5, "{got:?}");
    // An attribute of no known kind: skipped, the rest kept.
    match &got[0] {
        Unsolicited::MailboxStatus(st) => {
            assert_eq!((st.messages(), st.uid_next()), (Some(2), Some(7)));
        }
        other => panic!("{other:?}"),
    }
    // A STATUS without arguments: kept whole, the stream goes on.
    assert!(matches!(&got[1], Unsolicited::Other { .. }), "{:?}", got[1]);
    // OLDNAME with two names takes the first; an unknown item is skipped.
    assert!(
        matches!(&got[2], Unsolicited::MailboxRenamed { old_name, .. } if old_name.as_str() == "A"),
        "{:?}",
        got[2]
    );
    // A broken OLDNAME: the entry stays a plain LIST.
    assert!(
        matches!(&got[3], Unsolicited::List(n) if n.name().as_str() == "Odd2"),
        "{:?}",
        got[3]
    );
    assert!(matches!(&got[4], Unsolicited::MailboxStatus(st) if st.name().as_str() == "Next"));
    script.assert_done();
}

/// Hands out one scripted session per call, in order; counts the calls.
fn scripted_connects(
    scripts: Vec<Vec<Step>>,
) -> (
    Arc<Mutex<Vec<Script>>>,
    impl FnMut() -> blocking_imap::Result<Session> + Send + 'static,
) {
    scripted_connects_with(CAPS, scripts)
}

/// [`scripted_connects`] with the server's capabilities.
fn scripted_connects_with(
    caps: &'static str,
    scripts: Vec<Vec<Step>>,
) -> (
    Arc<Mutex<Vec<Script>>>,
    impl FnMut() -> blocking_imap::Result<Session> + Send + 'static,
) {
    let made = Arc::new(Mutex::new(Vec::new()));
    let mut left: VecDeque<Vec<Step>> = scripts.into();
    let seen = made.clone();
    let connect = move || {
        let steps = left.pop_front().expect("no more scripted connections");
        let (script, session) = common::logged_in(caps, steps);
        seen.lock().unwrap().push(script);
        Ok(session)
    };
    (made, connect)
}

fn ev(mailbox: &str, kind: AccountEventKind) -> AccountEvent {
    AccountEvent::new(mailbox, kind)
}

const SET: &str = "NOTIFY SET STATUS (MAILBOXES (INBOX Work) (MessageNew MessageExpunge FlagChange MailboxName))\r\n";

#[test]
fn the_watcher_survives_a_bye_and_an_overflow() {
    let (made, connect) = scripted_connects(vec![
        vec![
            c(&format!("A0002 {SET}")),
            s("* STATUS INBOX (MESSAGES 1 UIDNEXT 5 UNSEEN 0)\r\n"),
            s("* STATUS Work (MESSAGES 0 UIDNEXT 1 UNSEEN 0)\r\nA0002 OK\r\n"),
            c("A0003 IDLE\r\n"),
            s("+ idling\r\n* STATUS Work (MESSAGES 2 UIDNEXT 3 UNSEEN 2)\r\n"),
            c("DONE\r\n"),
            s("A0003 OK\r\n"),
            c("A0004 IDLE\r\n"),
            s("+ idling\r\n* STATUS Work (UNSEEN 1)\r\n"),
            c("DONE\r\n"),
            s("A0004 OK\r\n"),
            c("A0005 IDLE\r\n"),
            // A BYE ends the IDLE at once: no DONE (the server is going away).
            s("+ idling\r\n* BYE shutting down\r\n"),
            Step::Close,
        ],
        // The second connection: NOTIFY again; what changed meanwhile is told by the counters.
        vec![
            c(&format!("A0002 {SET}")),
            s("* STATUS INBOX (MESSAGES 2 UIDNEXT 6 UNSEEN 1)\r\n"),
            s("* STATUS Work (MESSAGES 2 UIDNEXT 3 UNSEEN 1)\r\nA0002 OK\r\n"),
            c("A0003 IDLE\r\n"),
            s("+ idling\r\n* OK [NOTIFICATIONOVERFLOW] too many\r\n"),
            c("DONE\r\n"),
            s("A0003 OK\r\n"),
            // The overflow: NOTIFY set again, the counters compared.
            c(&format!("A0004 {SET}")),
            s("* STATUS INBOX (MESSAGES 2 UIDNEXT 6 UNSEEN 1)\r\n"),
            s("* STATUS Work (MESSAGES 1 UIDNEXT 3 UNSEEN 1)\r\nA0004 OK\r\n"),
        ],
    ]);
    let mut w = AccountWatcher::new(
        connect,
        Watch::Mailboxes(vec!["INBOX".into(), "Work".into()]),
        WatchSettings::new(),
    )
    .unwrap();
    assert!(w.uses_notify());
    let mut got = Vec::new();
    for _ in 0..4 {
        got.push(
            w.next_event(Duration::from_secs(5))
                .unwrap()
                .expect("an event"),
        );
    }
    assert_eq!(
        got,
        [
            ev("Work", AccountEventKind::NewMail { count: 2 }),
            ev("Work", AccountEventKind::FlagsChanged),
            ev("INBOX", AccountEventKind::NewMail { count: 1 }),
            ev("Work", AccountEventKind::Expunged { count: 1 }),
        ]
    );
    let made = made.lock().unwrap();
    assert_eq!(made.len(), 2);
    for script in made.iter() {
        script.assert_done();
    }
}

#[test]
fn the_watcher_falls_back_to_idle_when_the_server_lacks_notify() {
    let (made, connect) = scripted_connects_with("IMAP4rev1 IDLE", vec![vec![
        c("A0002 EXAMINE INBOX\r\n"),
        s("* 3 EXISTS\r\n* OK [UIDNEXT 4] x\r\n* OK [UIDVALIDITY 1] x\r\nA0002 OK [READ-ONLY] done\r\n"),
        c("A0003 IDLE\r\n"),
        s("+ idling\r\n* 5 EXISTS\r\n"),
        c("DONE\r\n"),
        s("* 2 EXPUNGE\r\nA0003 OK\r\n"),
    ]]);
    // No NOTIFY; one connection; nothing else to poll.
    let mut w = AccountWatcher::new(
        connect,
        Watch::Mailboxes(vec!["INBOX".into()]),
        WatchSettings::new().max_connections(1),
    )
    .unwrap();
    assert!(!w.uses_notify());
    let a = w.next_event(Duration::from_secs(5)).unwrap().unwrap();
    let b = w.next_event(Duration::from_secs(5)).unwrap().unwrap();
    assert_eq!(a.kind, AccountEventKind::NewMail { count: 2 });
    assert_eq!(b.kind, AccountEventKind::Expunged { count: 1 });
    assert_eq!(a.mailbox.as_str(), "INBOX");
    assert_eq!(a.to_string(), "INBOX: 2 new message(s)");
    made.lock().unwrap()[0].assert_done();
}

#[test]
fn without_idle_notifications_are_read_with_noop() {
    let (script, mut s) = common::logged_in(
        "IMAP4rev1 NOTIFY",
        vec![
            c("A0002 NOOP\r\n"),
            s("* STATUS Work (MESSAGES 4)\r\nA0002 OK\r\n"),
        ],
    );
    let got = s.wait_notifications(Duration::from_millis(600)).unwrap();
    assert!(
        matches!(&got[..], [Unsolicited::MailboxStatus(st)] if st.messages() == Some(4)),
        "{got:?}"
    );
    script.assert_done();
}

#[test]
fn the_watcher_is_send() {
    fn send<T: Send>() {}
    send::<AccountWatcher>();
}

/// Mailboxes created and deleted while the watcher was away are told by the STATUS answers
/// of the NOTIFY set again after the reconnect.
#[test]
fn after_a_reconnect_mailboxes_created_and_deleted_meanwhile_are_reported() {
    const ALL: &str =
        "NOTIFY SET STATUS (PERSONAL (MessageNew MessageExpunge FlagChange MailboxName))\r\n";
    let (made, connect) = scripted_connects(vec![
        vec![
            c(&format!("A0002 {ALL}")),
            s("* STATUS INBOX (MESSAGES 1 UIDNEXT 5)\r\n"),
            s("* STATUS Work (MESSAGES 0 UIDNEXT 1)\r\nA0002 OK\r\n"),
            // Dovecot lists the mailboxes after the completion: nothing new.
            s("* LIST () \"/\" INBOX\r\n* LIST (\\HasNoChildren) \"/\" Work\r\n"),
            c("A0003 IDLE\r\n"),
            s("+ idling\r\n* BYE going\r\n"),
            c("DONE\r\n"),
            Step::Close,
        ],
        vec![
            c(&format!("A0002 {ALL}")),
            s("* STATUS INBOX (MESSAGES 1 UIDNEXT 5)\r\n"),
            s("* STATUS New (MESSAGES 3 UIDNEXT 4)\r\nA0002 OK\r\n"),
            c("A0003 IDLE\r\n"),
            s("+ idling\r\n* STATUS New (MESSAGES 4 UIDNEXT 5)\r\n"),
            c("DONE\r\n"),
            s("A0003 OK\r\n"),
            // A mailbox created: its counters read at once (mail put in at the same moment
            // may never be notified).
            c("A0004 IDLE\r\n"),
            s("+ idling\r\n* LIST (\\HasNoChildren) \"/\" Fresh\r\n"),
            c("DONE\r\n"),
            s("A0004 OK\r\n"),
            c("A0005 STATUS Fresh (MESSAGES UIDNEXT UIDVALIDITY UNSEEN)\r\n"),
            s("* STATUS Fresh (MESSAGES 1 UIDNEXT 2 UIDVALIDITY 7 UNSEEN 1)\r\nA0005 OK\r\n"),
        ],
    ]);
    let mut w = AccountWatcher::new(connect, Watch::All, WatchSettings::new()).unwrap();
    let mut names: Vec<&str> = w.mailboxes().map(|m| m.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["INBOX", "Work"]);
    let mut got = Vec::new();
    for _ in 0..4 {
        got.push(
            w.next_event(Duration::from_secs(5))
                .unwrap()
                .expect("an event"),
        );
    }
    // What a mailbox made while away holds is new mail.
    assert_eq!(
        got,
        [
            ev("Work", AccountEventKind::Deleted),
            ev("New", AccountEventKind::Created),
            ev("New", AccountEventKind::NewMail { count: 3 }),
            ev("New", AccountEventKind::NewMail { count: 1 }),
        ]
    );
    let next = |w: &mut AccountWatcher| w.next_event(Duration::from_secs(5)).unwrap();
    assert_eq!(next(&mut w), Some(ev("Fresh", AccountEventKind::Created)));
    assert_eq!(
        next(&mut w),
        Some(ev("Fresh", AccountEventKind::NewMail { count: 1 }))
    );
    for script in made.lock().unwrap().iter() {
        script.assert_done();
    }
}

/// After ENABLE UTF8=ACCEPT, NOTIFY names mailboxes in UTF-8 like every other command.
#[test]
fn utf8_accept_names_go_as_utf8() {
    let (script, mut s) = common::logged_in(
        "IMAP4rev1 IDLE NOTIFY ENABLE UTF8=ACCEPT LITERAL+",
        vec![
            c("A0002 ENABLE UTF8=ACCEPT\r\n"),
            s("* ENABLED UTF8=ACCEPT\r\nA0002 OK\r\n"),
            c("A0003 NOTIFY SET (MAILBOXES ({9+}\r\nEntwürfe) (MessageNew MessageExpunge))\r\n"),
            s("A0003 OK\r\n"),
        ],
    );
    s.enable(&["UTF8=ACCEPT"]).unwrap();
    s.notify(&NotifySet::new().group(
        NotifyMailboxes::Mailboxes(vec!["Entwürfe".into()]),
        [NotifyEvent::message_new(), NotifyEvent::MessageExpunge],
    ))
    .unwrap();
    script.assert_done();
}
