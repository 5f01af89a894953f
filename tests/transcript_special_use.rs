//! Special-use mailboxes (RFC 6154) by transcripts: found by attribute (LIST RETURN
//! (SPECIAL-USE), plain LIST, Gmail's XLIST attributes), by name when no attribute is given,
//! CREATE with USE, and the move to Trash each server needs.

mod common;

use blocking_imap::{Error, FoundBy, SpecialUse, Uid};
use common::{c, s, Step};

/// Gmail's capabilities after login (MailKit's recording, tests/corpus/mailkit/gmail).
const GMAIL: &str = "IMAP4rev1 UNSELECT IDLE NAMESPACE QUOTA ID XLIST CHILDREN X-GM-EXT-1 UIDPLUS COMPRESS=DEFLATE ENABLE MOVE CONDSTORE ESEARCH UTF8=ACCEPT LIST-EXTENDED LIST-STATUS LITERAL- SPECIAL-USE APPENDLIMIT=35651584";

fn gmail_list(tag: &str) -> Step {
    s(&format!(
        "* LIST (\\HasNoChildren) \"/\" \"INBOX\"\r\n\
         * LIST (\\HasChildren \\Noselect) \"/\" \"[Gmail]\"\r\n\
         * LIST (\\All \\HasNoChildren) \"/\" \"[Gmail]/All Mail\"\r\n\
         * LIST (\\Drafts \\HasNoChildren) \"/\" \"[Gmail]/Drafts\"\r\n\
         * LIST (\\HasNoChildren \\Important) \"/\" \"[Gmail]/Important\"\r\n\
         * LIST (\\HasNoChildren \\Sent) \"/\" \"[Gmail]/Sent Mail\"\r\n\
         * LIST (\\HasNoChildren \\Junk) \"/\" \"[Gmail]/Spam\"\r\n\
         * LIST (\\Flagged \\HasNoChildren) \"/\" \"[Gmail]/Starred\"\r\n\
         * LIST (\\HasNoChildren \\Trash) \"/\" \"[Gmail]/Trash\"\r\n\
         {tag} OK Success\r\n"
    ))
}

#[test]
fn gmail_by_attribute_and_move_to_trash_is_a_move() {
    let (script, mut s) = common::logged_in(
        GMAIL,
        vec![
            c("A0002 LIST \"\" \"*\" RETURN (SPECIAL-USE)\r\n"),
            gmail_list("A0002"),
            c("A0003 SELECT INBOX\r\n"),
            s("* 3 EXISTS\r\nA0003 OK [READ-WRITE] INBOX selected\r\n"),
            c("A0004 LIST \"\" \"*\" RETURN (SPECIAL-USE)\r\n"),
            gmail_list("A0004"),
            c("A0005 UID MOVE 7:8 \"[Gmail]/Trash\"\r\n"),
            s("* OK [COPYUID 11 7:8 301:302] moved\r\n* 1 EXPUNGE\r\n* 1 EXPUNGE\r\nA0005 OK done\r\n"),
        ],
    );
    let all = s.special_use_mailboxes().unwrap();
    let got: Vec<(SpecialUse, String)> = all
        .iter()
        .map(|m| {
            assert_eq!(m.found_by(), FoundBy::Attribute);
            (m.special_use(), m.name().name().to_string())
        })
        .collect();
    assert_eq!(
        got,
        [
            (SpecialUse::Trash, "[Gmail]/Trash".to_string()),
            (SpecialUse::Sent, "[Gmail]/Sent Mail".into()),
            (SpecialUse::Drafts, "[Gmail]/Drafts".into()),
            (SpecialUse::Junk, "[Gmail]/Spam".into()),
            (SpecialUse::All, "[Gmail]/All Mail".into()),
            (SpecialUse::Flagged, "[Gmail]/Starred".into()),
            (SpecialUse::Important, "[Gmail]/Important".into()),
        ]
    );
    s.select("INBOX").unwrap();
    let moved = s.move_to_trash(Uid(7)..=Uid(8)).unwrap().unwrap();
    assert_eq!(moved.destination.to_string(), "301:302");
    assert_eq!(s.mailbox().exists(), 1);
    script.assert_done();
}

#[test]
fn without_special_use_the_names_are_looked_at() {
    let (script, mut s) = common::logged_in(
        "IMAP4rev1 UIDPLUS",
        vec![
            c("A0002 LIST \"\" \"*\"\r\n"),
            s("* LIST (\\HasNoChildren) \".\" INBOX\r\n\
               * LIST (\\HasNoChildren) \".\" INBOX.Papierkorb\r\n\
               * LIST (\\HasNoChildren) \".\" INBOX.Gesendet\r\n\
               * LIST (\\HasNoChildren) \".\" \"Entw&APw-rfe\"\r\n\
               * LIST (\\HasNoChildren) \".\" Kunden.Archiv\r\n\
               A0002 OK\r\n"),
            c("A0003 SELECT INBOX\r\n"),
            s("* 9 EXISTS\r\nA0003 OK [READ-WRITE] done\r\n"),
            // No MOVE: copy, mark and expunge exactly those UIDs; never a plain EXPUNGE.
            c("A0004 LIST \"\" \"*\"\r\n"),
            s("* LIST () \".\" INBOX.Papierkorb\r\nA0004 OK\r\n"),
            c("A0005 UID COPY 3,5 INBOX.Papierkorb\r\n"),
            s("A0005 OK [COPYUID 9 3,5 1:2] done\r\n"),
            c("A0006 UID STORE 3,5 +FLAGS.SILENT (\\Deleted)\r\n"),
            s("A0006 OK\r\n"),
            c("A0007 UID EXPUNGE 3,5\r\n"),
            s("* 3 EXPUNGE\r\n* 4 EXPUNGE\r\nA0007 OK\r\n"),
        ],
    );
    let all = s.special_use_mailboxes().unwrap();
    let got: Vec<(SpecialUse, String, FoundBy)> = all
        .iter()
        .map(|m| (m.special_use(), m.name().name().to_string(), m.found_by()))
        .collect();
    assert_eq!(
        got,
        [
            (
                SpecialUse::Trash,
                "INBOX.Papierkorb".to_string(),
                FoundBy::CommonName
            ),
            (
                SpecialUse::Sent,
                "INBOX.Gesendet".into(),
                FoundBy::CommonName
            ),
            (SpecialUse::Drafts, "Entwürfe".into(), FoundBy::CommonName),
        ],
        "a nested Kunden.Archiv is not the archive"
    );
    s.select("INBOX").unwrap();
    let moved = s.move_to_trash([3u32, 5]).unwrap().unwrap();
    assert_eq!(moved.destination.to_string(), "1:2");
    assert_eq!(s.mailbox().exists(), 7);
    script.assert_done();
}

#[test]
fn move_to_trash_refuses_what_it_cannot_do_safely() {
    let (script, mut s) = common::logged_in(
        "IMAP4rev1",
        vec![
            // No selected mailbox: nothing sent.
            c("A0002 SELECT INBOX\r\n"),
            s("* 2 EXISTS\r\nA0002 OK [READ-WRITE] done\r\n"),
            // No Trash at all.
            c("A0003 LIST \"\" \"*\"\r\n"),
            s("* LIST () \"/\" INBOX\r\n* LIST () \"/\" Work\r\nA0003 OK\r\n"),
            // A Trash, but neither MOVE nor UIDPLUS: nothing is copied or expunged.
            c("A0004 LIST \"\" \"*\"\r\n"),
            s("* LIST (\\Trash) \"/\" Bin\r\nA0004 OK\r\n"),
            c("A0005 SELECT Bin\r\n"),
            s("* 2 EXISTS\r\nA0005 OK [READ-WRITE] done\r\n"),
            // The Trash itself selected.
            c("A0006 LIST \"\" \"*\"\r\n"),
            s("* LIST (\\Trash) \"/\" Bin\r\nA0006 OK\r\n"),
        ],
    );
    assert!(matches!(
        s.move_to_trash(Uid(1)),
        Err(Error::InvalidArgument(_))
    ));
    s.select("INBOX").unwrap();
    match s.move_to_trash(Uid(1)) {
        Err(Error::NotFound(m)) => assert!(m.contains("Trash"), "{m}"),
        other => panic!("{other:?}"),
    }
    match s.move_to_trash(Uid(1)) {
        Err(Error::MissingCapability(m)) => assert_eq!(m, "MOVE or UIDPLUS"),
        other => panic!("{other:?}"),
    }
    s.select("Bin").unwrap();
    assert!(matches!(
        s.move_to_trash(Uid(1)),
        Err(Error::InvalidArgument(_))
    ));
    script.assert_done();
}

#[test]
fn create_special_use_sends_use_only_when_offered() {
    let (script, mut s) = common::logged_in(
        "IMAP4rev1 CREATE-SPECIAL-USE SPECIAL-USE",
        vec![
            c("A0002 CREATE Rubbish (USE (\\Trash))\r\n"),
            s("A0002 OK created\r\n"),
            c("A0003 CREATE Both (USE (\\Sent \\Archive))\r\n"),
            s("A0003 NO [USEATTR] two uses are too many\r\n"),
        ],
    );
    s.create_special_use("Rubbish", &[SpecialUse::Trash])
        .unwrap();
    let e = s
        .create_special_use(
            "Both",
            &[SpecialUse::Sent, SpecialUse::Archive, SpecialUse::Sent],
        )
        .unwrap_err();
    assert!(e.is_no(), "{e:?}");
    assert!(matches!(
        s.create_special_use("X", &[]),
        Err(Error::InvalidArgument(_))
    ));
    script.assert_done();

    let (script, mut s) = common::logged_in("IMAP4rev2", vec![]);
    match s.create_special_use("Rubbish", &[SpecialUse::Trash]) {
        Err(Error::MissingCapability(m)) => assert_eq!(m, "CREATE-SPECIAL-USE"),
        other => panic!("{other:?}"),
    }
    script.assert_done();
}

#[test]
fn under_rev2_the_special_use_return_option_is_used_and_move_is_implied() {
    let (script, mut s) = common::logged_in(
        "IMAP4rev2",
        vec![
            c("A0002 SELECT INBOX\r\n"),
            s("* 1 EXISTS\r\n* LIST () \"/\" INBOX\r\nA0002 OK [READ-WRITE] done\r\n"),
            c("A0003 LIST \"\" \"*\" RETURN (SPECIAL-USE)\r\n"),
            s("* LIST (\\Trash) \"/\" Deleted\r\nA0003 OK\r\n"),
            c("A0004 UID MOVE 4 Deleted\r\n"),
            s("* 1 EXPUNGE\r\nA0004 OK\r\n"),
        ],
    );
    s.select("INBOX").unwrap();
    assert_eq!(s.move_to_trash(Uid(4)).unwrap(), None);
    assert_eq!(s.unsolicited().count(), 1, "the EXPUNGE only");
    script.assert_done();
}
