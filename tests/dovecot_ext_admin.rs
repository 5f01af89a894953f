//! QUOTA, METADATA, ACL, ID and ENABLE against the project's real Dovecot (scripts/test.sh):
//! quota with the count backend (a `User quota` root of 1 GiB or more), imap_metadata with a file dict,
//! ACL with vfile. Tests log in as bob and use mailboxes and entries named `ext-a-*`.

mod common;

use blocking_imap::{
    Error, MetadataDepth, MetadataOptions, QuotaResource, ResponseCode, Session, Unsolicited,
};
use common::dovecot::{server, Server};

fn bob(srv: &Server) -> Session {
    srv.login("bob", "bob-pass")
}

/// A fresh, empty mailbox `name` of bob's.
fn fresh(s: &mut Session, name: &str) {
    let _ = s.delete(name);
    s.create(name).unwrap();
}

fn code_name(e: &Error) -> Option<&str> {
    e.response_code().map(ResponseCode::name)
}

#[test]
fn quota_root_quota_and_a_refused_setquota() {
    let Some(srv) = server() else { return };
    let mut s = bob(&srv);

    let roots = s.get_quota_root("INBOX").unwrap();
    assert!(roots.mailbox().is_inbox());
    assert_eq!(roots.roots(), [b"User quota"]);
    assert_eq!(roots.quotas().len(), 1);
    let q = &roots.quotas()[0];
    assert_eq!(q.root_lossy(), "User quota");
    let storage = q.get(&QuotaResource::Storage).expect("STORAGE limit");
    // The test server's rule is a whole number of GiB (1 GiB, or more for the big tests),
    // reported in KiB.
    assert!(storage.limit() >= 1024 * 1024, "{storage:?}");
    assert_eq!(storage.limit() % (1024 * 1024), 0, "{storage:?}");
    assert!(storage.usage() <= storage.limit());

    let again = s.get_quota(q.root()).unwrap();
    assert_eq!(again.root(), b"User quota");
    assert_eq!(
        again.get(&QuotaResource::Storage).map(|u| u.limit()),
        Some(storage.limit())
    );

    let err = s.get_quota("ext-a-no-such-root").unwrap_err();
    assert!(matches!(err, Error::No(_)), "{err}");

    // Only an administrator may change a quota: Dovecot says NO, and the session goes on.
    let err = s
        .set_quota("User quota", &[(QuotaResource::Storage, 100)])
        .unwrap_err();
    let Error::No(text) = &err else {
        panic!("{err}")
    };
    assert!(text.text.contains("admin"), "{text}");
    assert!(!s.is_broken());
    s.noop().unwrap();
    assert_eq!(s.unsolicited().count(), 0);
    s.logout().unwrap();
}

#[test]
fn metadata_on_a_mailbox_with_literals_depth_maxsize_and_nil() {
    let Some(srv) = server() else { return };
    let mut s = bob(&srv);
    let mb = "ext-a-meta";
    fresh(&mut s, mb);

    let multi_line: &[u8] = b"first line\r\nsecond line \xff\xfe 8-bit\r\n";
    s.set_metadata(
        mb,
        &[
            ("/private/comment", Some(multi_line)),
            ("/shared/comment", Some("shared \"quoted\" text".as_bytes())),
        ],
    )
    .unwrap();

    let md = s
        .get_metadata(mb, &["/private/comment", "/shared/comment"])
        .unwrap();
    assert_eq!(md.mailbox().as_str(), mb);
    assert!(!md.is_server());
    assert_eq!(md.get("/private/comment"), Some(multi_line));
    assert_eq!(
        md.get("/shared/comment"),
        Some(&b"shared \"quoted\" text"[..])
    );
    assert_eq!(md.long_entries(), None);

    // DEPTH infinity lists the whole tree under /private and /shared.
    let deep = MetadataOptions::new().depth(MetadataDepth::Infinity);
    let md = s
        .get_metadata_with(mb, &["/private", "/shared"], &deep)
        .unwrap();
    let names: Vec<&str> = md.entries().iter().map(|e| e.name()).collect();
    assert!(names.contains(&"/private/comment"), "{names:?}");
    assert!(names.contains(&"/shared/comment"), "{names:?}");

    // MAXSIZE leaves out the long value and reports its size.
    let small = MetadataOptions::new().max_size(5);
    let md = s
        .get_metadata_with(mb, &["/private/comment", "/shared/comment"], &small)
        .unwrap();
    assert_eq!(md.get("/private/comment"), None);
    assert!(md.long_entries().unwrap() >= multi_line.len() as u64);

    // NIL deletes.
    s.delete_metadata(mb, &["/private/comment"]).unwrap();
    s.set_metadata(mb, &[("/shared/comment", None)]).unwrap();
    let md = s
        .get_metadata(mb, &["/private/comment", "/shared/comment"])
        .unwrap();
    assert!(md.entries().iter().all(|e| e.value().is_none()), "{md:?}");

    // A mailbox that does not exist.
    let err = s
        .get_metadata("ext-a-no-such-mailbox", &["/private/comment"])
        .unwrap_err();
    assert!(matches!(err, Error::No(_)), "{err}");
    assert_eq!(s.unsolicited().count(), 0);
    s.delete(mb).unwrap();
    s.logout().unwrap();
}

#[test]
fn server_metadata_set_get_delete() {
    let Some(srv) = server() else { return };
    let mut s = bob(&srv);
    let entry = "/private/ext-a-server-note";
    let value: &[u8] = b"server note\r\nwith \xc3\xa9 and \x80 bytes";
    s.set_metadata("", &[(entry, Some(value))]).unwrap();
    let md = s.get_metadata("", &[entry]).unwrap();
    assert!(md.is_server());
    assert_eq!(md.get(entry), Some(value));

    // Dovecot reads literal8 but keeps no NUL in a value: NO [CANNOT], session intact.
    let err = s
        .set_metadata("", &[(entry, Some(&b"a\0b"[..]))])
        .unwrap_err();
    assert!(matches!(err, Error::No(_)), "{err}");
    assert_eq!(code_name(&err), Some("CANNOT"));
    assert_eq!(
        s.get_metadata("", &[entry]).unwrap().get(entry),
        Some(value)
    );

    // Server-level /shared entries are for administrators on Dovecot.
    let err = s
        .set_metadata("", &[("/shared/comment", Some(&b"x"[..]))])
        .unwrap_err();
    assert!(matches!(err, Error::No(_)), "{err}");

    s.delete_metadata("", &[entry]).unwrap();
    let md = s.get_metadata("", &[entry]).unwrap();
    assert_eq!(md.get(entry), None);
    s.logout().unwrap();
}

#[test]
fn acl_myrights_getacl_setacl_deleteacl_listrights() {
    let Some(srv) = server() else { return };
    let mut s = bob(&srv);
    let mb = "ext-a-acl";
    fresh(&mut s, mb);

    let mine = s.my_rights(mb).unwrap();
    for right in ['l', 'r', 's', 'w', 'i', 'p', 'k', 'x', 't', 'e', 'a'] {
        assert!(mine.contains(right), "{mine} lacks {right}");
    }

    let acl = s.get_acl(mb).unwrap();
    assert_eq!(acl.len(), 1, "{acl:?}");
    assert_eq!(acl[0].identifier(), b"bob");
    assert_eq!(acl[0].rights().as_str(), mine.as_str());

    s.set_acl(mb, "alice", "lr").unwrap();
    s.set_acl(mb, "alice", "+w").unwrap();
    let acl = s.get_acl(mb).unwrap();
    let alice = acl
        .iter()
        .find(|e| e.identifier() == b"alice")
        .expect("alice's entry");
    let mut rights: Vec<char> = alice.rights().iter().collect();
    rights.sort_unstable();
    assert_eq!(rights, ['l', 'r', 'w']);

    s.set_acl(mb, "alice", "-w").unwrap();
    let acl = s.get_acl(mb).unwrap();
    let alice = acl.iter().find(|e| e.identifier() == b"alice").unwrap();
    assert!(!alice.rights().contains('w'));

    s.delete_acl(mb, "alice").unwrap();
    let acl = s.get_acl(mb).unwrap();
    assert!(acl.iter().all(|e| e.identifier() != b"alice"), "{acl:?}");

    let lr = s.list_rights(mb, "alice").unwrap();
    assert_eq!(lr.mailbox().as_str(), mb);
    assert_eq!(lr.identifier_lossy(), "alice");
    assert!(lr.required().is_empty());
    assert!(lr.allows('l') && lr.allows('a'));

    // Rights the server does not know are refused by the server, not by us.
    let err = s.set_acl(mb, "alice", "lrZ").unwrap_err();
    assert!(matches!(err, Error::No(_) | Error::Bad(_)), "{err}");
    // Rights that could never be valid never reach the server.
    let err = s.set_acl(mb, "alice", "l r").unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    assert!(!s.is_broken());
    assert_eq!(s.unsolicited().count(), 0);
    s.delete(mb).unwrap();
    s.logout().unwrap();
}

#[test]
fn id_sends_ours_and_gets_dovecots() {
    let Some(srv) = server() else { return };
    let mut s = bob(&srv);
    let info = s
        .id(&[
            ("name", "blocking-imap tests"),
            ("version", env!("CARGO_PKG_VERSION")),
            ("vendor", "Müller \"&\" Söhne"),
        ])
        .unwrap();
    assert_eq!(info.name().as_deref(), Some("Dovecot"));
    assert!(!info.is_empty());
    let nil = s.id(&[]).unwrap();
    assert_eq!(nil.name().as_deref(), Some("Dovecot"));
    s.logout().unwrap();
}

#[test]
fn enable_condstore_is_reported_and_remembered() {
    let Some(srv) = server() else { return };
    let mut s = bob(&srv);
    assert!(s.enabled().is_empty());
    let on = s.enable(&["CONDSTORE", "X-EXT-A-UNKNOWN"]).unwrap();
    assert_eq!(on, ["CONDSTORE"]);
    assert!(s.is_enabled("condstore"));
    assert!(!s.is_enabled("X-EXT-A-UNKNOWN"));
    assert_eq!(s.enabled(), ["CONDSTORE"]);
    // Enabling it again changes nothing.
    let again = s.enable(&["CONDSTORE", "QRESYNC"]).unwrap();
    assert!(again.iter().any(|e| e == "QRESYNC"), "{again:?}");
    assert!(s.is_enabled("QRESYNC") && s.is_enabled("CONDSTORE"));
    assert_eq!(
        s.enabled()
            .iter()
            .filter(|e| e.eq_ignore_ascii_case("CONDSTORE"))
            .count(),
        1
    );
    // With CONDSTORE on, SELECT reports HIGHESTMODSEQ.
    let mb = s.select("INBOX").unwrap();
    assert!(mb.highest_modseq().is_some());
    let stray: Vec<Unsolicited> = s.unsolicited().collect();
    assert!(
        stray.iter().all(|u| !matches!(u, Unsolicited::Enabled(_))),
        "{stray:?}"
    );
    s.logout().unwrap();
}
