//! Special-use mailboxes against the project's Dovecot (scripts/dovecot.sh marks Drafts,
//! Sent, Trash, Junk and Archive with their RFC 6154 attributes): finding them, the move to
//! Trash leaving other `\Deleted` messages alone, CREATE with USE when offered.

mod common;

use blocking_imap::{Error, Flag, FoundBy, NameAttribute, Search, SpecialUse, StoreAction};
use common::dovecot::server;

#[test]
fn dovecot_special_use_mailboxes_are_found_by_attribute() {
    let Some(srv) = server() else { return };
    let mut s = srv.login("bob", "bob-pass");
    // Dovecot 2.3 does not offer IMAP4rev2: the session stays in IMAP4rev1.
    assert!(!s.capabilities().unwrap().is_imap4rev2());
    assert!(!s.is_enabled("IMAP4rev2"));
    let found = s.special_use_mailboxes().unwrap();
    for (u, name) in [
        (SpecialUse::Trash, "Trash"),
        (SpecialUse::Sent, "Sent"),
        (SpecialUse::Drafts, "Drafts"),
        (SpecialUse::Junk, "Junk"),
        (SpecialUse::Archive, "Archive"),
    ] {
        let m = found
            .iter()
            .find(|m| m.special_use() == u)
            .unwrap_or_else(|| panic!("{u} not found in {found:#?}"));
        assert_eq!(m.name().name().as_str(), name);
        assert_eq!(m.found_by(), FoundBy::Attribute);
    }
    let trash = s.find_special_use(SpecialUse::Trash).unwrap().unwrap();
    assert!(trash.has(&NameAttribute::Trash));
    s.logout().unwrap();
}

#[test]
fn dovecot_move_to_trash_moves_only_those_messages() {
    let Some(srv) = server() else { return };
    let mut s = srv.login("bob", "bob-pass");
    let src = "t-special-use-src";
    let _ = s.delete(src);
    s.create(src).unwrap();
    let token = format!(
        "su-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    for i in 1..=4 {
        let msg = format!(
            "Subject: {token} {i}\r\nMessage-ID: <{token}-{i}@example.org>\r\n\r\nbody {i}\r\n"
        );
        s.append(src, msg.as_bytes()).unwrap();
    }
    s.select(src).unwrap();
    let uids = s.uid_search(&Search::all()).unwrap();
    assert_eq!(uids.len(), 4);
    // Someone marked message 4 \Deleted: a move to Trash must not expunge it.
    s.uid_store_silent(uids[3], StoreAction::Add, &[Flag::Deleted])
        .unwrap();
    s.move_to_trash(&uids[..2]).unwrap();
    assert_eq!(s.mailbox().exists(), 2);
    let left = s.uid_search(&Search::all()).unwrap();
    assert_eq!(left, uids[2..].to_vec());
    s.select("Trash").unwrap();
    let in_trash = s.uid_search(&Search::all().subject(&token)).unwrap();
    assert_eq!(in_trash.len(), 2);
    // The Trash itself selected: refused.
    assert!(matches!(
        s.move_to_trash(in_trash.clone()),
        Err(Error::InvalidArgument(_))
    ));
    // Tidy up after ourselves.
    s.uid_store_silent(in_trash.clone(), StoreAction::Add, &[Flag::Deleted])
        .unwrap();
    s.uid_expunge(in_trash).unwrap();
    s.close().unwrap();
    s.delete(src).unwrap();
    s.logout().unwrap();
}

#[test]
fn dovecot_create_special_use_when_offered() {
    let Some(srv) = server() else { return };
    let mut s = srv.login("bob", "bob-pass");
    let name = "t-special-use-flagged";
    let _ = s.delete(name);
    if s.capabilities().unwrap().has("CREATE-SPECIAL-USE") {
        s.create_special_use(name, &[SpecialUse::Flagged]).unwrap();
        let listed = s.list("", name).unwrap();
        assert!(listed[0].has(&NameAttribute::Flagged), "{listed:?}");
        s.delete(name).unwrap();
    } else {
        match s.create_special_use(name, &[SpecialUse::Flagged]) {
            Err(Error::MissingCapability(c)) => assert_eq!(c, "CREATE-SPECIAL-USE"),
            other => panic!("{other:?}"),
        }
        assert!(!s.mailbox_exists(name).unwrap(), "nothing was created");
    }
    s.logout().unwrap();
}
