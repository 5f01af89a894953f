//! Scripted-server tests of QUOTA, METADATA, ACL, ID and ENABLE: quirky response forms,
//! interleaved unsolicited data, literals both ways, and missing capabilities.

mod common;

use blocking_imap::{Error, MetadataOptions, QuotaResource, ResponseCode, Session, Unsolicited};
use common::{c, s, Script, Step};

fn session(caps: &str, steps: Vec<Step>) -> (Script, Session) {
    common::logged_in(caps, steps)
}

const ALL: &str = "IMAP4rev1 QUOTA METADATA ACL ID ENABLE LITERAL+ BINARY";

fn missing(r: Result<impl std::fmt::Debug, Error>, cap: &str) {
    match r {
        Err(Error::MissingCapability(c)) => assert_eq!(c, cap),
        other => panic!("expected MissingCapability({cap}), got {other:?}"),
    }
}

#[test]
fn missing_capabilities_send_nothing() {
    let (script, mut s) = session("IMAP4rev1 LITERAL+", vec![]);
    missing(s.get_quota(""), "QUOTA");
    missing(s.get_quota_root("INBOX"), "QUOTA");
    missing(s.set_quota("", &[(QuotaResource::Storage, 1)]), "QUOTA");
    missing(s.get_metadata("INBOX", &["/private/comment"]), "METADATA");
    missing(s.get_metadata("", &["/private/comment"]), "METADATA");
    missing(
        s.set_metadata("", &[("/private/comment", None)]),
        "METADATA",
    );
    missing(
        s.delete_metadata("INBOX", &["/private/comment"]),
        "METADATA",
    );
    missing(s.my_rights("INBOX"), "ACL");
    missing(s.get_acl("INBOX"), "ACL");
    missing(s.set_acl("INBOX", "fred", "lr"), "ACL");
    missing(s.delete_acl("INBOX", "fred"), "ACL");
    missing(s.list_rights("INBOX", "fred"), "ACL");
    missing(s.id(&[("name", "x")]), "ID");
    missing(s.enable(&["CONDSTORE"]), "ENABLE");
    assert!(!s.is_broken());
    assert_eq!(script.written_str(), "A0001 LOGIN u p\r\n");
    script.assert_done();
}

#[test]
fn metadata_server_only_and_imap4rev2_enable() {
    let (script, mut s) = session(
        "IMAP4rev2 METADATA-SERVER",
        vec![
            c("A0002 GETMETADATA \"\" (/shared/admin)\r\n"),
            s("* METADATA \"\" (/shared/admin \"mailto:admin@example.com\")\r\n"),
            s("A0002 OK done\r\n"),
            c("A0003 ENABLE UTF8=ACCEPT\r\n"),
            s("* ENABLED UTF8=ACCEPT\r\nA0003 OK enabled\r\n"),
        ],
    );
    let md = s.get_metadata("", &["/shared/admin"]).unwrap();
    assert!(md.is_server());
    assert_eq!(
        md.get("/shared/admin"),
        Some(&b"mailto:admin@example.com"[..])
    );
    missing(s.get_metadata("INBOX", &["/shared/comment"]), "METADATA");
    assert_eq!(s.enable(&["UTF8=ACCEPT"]).unwrap(), ["UTF8=ACCEPT"]);
    assert!(s.is_enabled("utf8=accept"));
    script.assert_done();
}

#[test]
fn quota_root_with_atom_roots_and_noise_in_between() {
    let (script, mut s) = session(
        ALL,
        vec![
            c("A0002 GETQUOTAROOT INBOX\r\n"),
            // tests/corpus/mailkit/common/getquota-no-root.txt, with an EXISTS in the middle and a
            // QUOTAROOT for another mailbox.
            s("* QUOTAROOT INBOX storage=0\r\n"),
            s("* 3 EXISTS\r\n"),
            s("* QUOTAROOT Other x\r\n"),
            s("* QUOTA storage=0 (STORAGE 28257 256000)\r\n"),
            s("A0002 OK Getquotaroot completed (0.000 + 0.000 secs).\r\n"),
            c("A0003 GETQUOTA \"\"\r\n"),
            // Two roots: the one asked for is the answer, the other is unsolicited.
            s("* QUOTA other (MESSAGE 1 2)\r\n"),
            s("* QUOTA \"\" (MESSAGE 1107 1000000 STORAGE 3783 5242880)\r\n"),
            s("A0003 OK Success\r\n"),
            c("A0004 SETQUOTA \"\" (STORAGE 512)\r\n"),
            s("* QUOTA \"\" (STORAGE 10 512)\r\nA0004 OK set\r\n"),
            c("A0005 GETQUOTAROOT Archive\r\n"),
            // No QUOTAROOT at all: the roots are those of the QUOTA responses.
            s("* QUOTA {3}\r\nré (STORAGE 1 18446744073709551615)\r\n"),
            s("A0005 OK\r\n"),
        ],
    );
    let r = s.get_quota_root("inbox").unwrap();
    assert!(r.mailbox().is_inbox());
    assert_eq!(r.roots(), [b"storage=0"]);
    assert_eq!(r.quotas()[0].root(), b"storage=0");
    let st = r.quotas()[0].get(&QuotaResource::Storage).unwrap();
    assert_eq!((st.usage(), st.limit()), (28257, 256000));
    assert_eq!(s.mailbox().exists(), 3);

    let q = s.get_quota("").unwrap();
    assert_eq!(q.root(), b"");
    assert_eq!(q.resources().len(), 2);
    assert_eq!(
        q.get(&QuotaResource::Message).map(|m| m.usage()),
        Some(1107)
    );

    let q = s
        .set_quota("", &[(QuotaResource::Storage, 512)])
        .unwrap()
        .expect("the server reported the new quota");
    assert_eq!(q.resources()[0].limit(), 512);

    let r = s.get_quota_root("Archive").unwrap();
    assert_eq!(r.roots(), ["ré".as_bytes()]);
    assert_eq!(r.quotas()[0].root_lossy(), "ré");
    assert_eq!(r.quotas()[0].resources()[0].limit(), u64::MAX);

    let news: Vec<_> = s.unsolicited().collect();
    assert_eq!(news.len(), 3, "{news:#?}");
    assert_eq!(news[0], Unsolicited::Exists(3));
    assert!(matches!(&news[1], Unsolicited::QuotaRoot { mailbox, roots }
        if mailbox.as_str() == "Other" && roots == &[b"x"]));
    assert!(matches!(&news[2], Unsolicited::Quota(q) if q.root() == b"other"));
    script.assert_done();
}

#[test]
fn getmetadata_split_over_responses_with_longentries_byte_at_a_time() {
    let (script, mut s) = session(
        ALL,
        vec![
            c("A0002 GETMETADATA (MAXSIZE 1024) INBOX (/private/comment /shared/comment /private/big)\r\n"),
            s("* METADATA \"INBOX\" (/private/comment \"this is a private comment\")\r\n"),
            // Another mailbox's entries, and the unsolicited "changed" form.
            s("* METADATA Other (/private/comment \"not ours\")\r\n"),
            s("* METADATA \"\" /shared/vendor/x\r\n"),
            s("* METADATA inbox (/shared/comment {6}\r\nl1\r\nl2)\r\n"),
            s("A0002 OK [METADATA LONGENTRIES 2199] GETMETADATA complete\r\n"),
        ],
    );
    let script = script.chunked(1);
    let opts = MetadataOptions::new().max_size(1024);
    let md = s
        .get_metadata_with(
            "INBOX",
            &["/private/comment", "/shared/comment", "/private/big"],
            &opts,
        )
        .unwrap();
    assert_eq!(md.entries().len(), 2);
    assert_eq!(
        md.get("/private/comment"),
        Some(&b"this is a private comment"[..])
    );
    assert_eq!(md.get("/shared/comment"), Some(&b"l1\r\nl2"[..]));
    assert_eq!(md.get("/private/big"), None);
    assert_eq!(md.long_entries(), Some(2199));
    let news: Vec<_> = s.unsolicited().collect();
    assert_eq!(news.len(), 2, "{news:#?}");
    assert!(matches!(&news[0], Unsolicited::Metadata(m) if m.mailbox().as_str() == "Other"));
    assert!(
        matches!(&news[1], Unsolicited::MetadataChanged { mailbox, entries }
        if mailbox.wire().is_empty() && entries == &["/shared/vendor/x"])
    );
    script.assert_done();
}

#[test]
fn setmetadata_waits_for_the_continuation_and_reports_codes() {
    // No LITERAL+: each literal waits for the server's "+".
    let (script, mut s) = session(
        "IMAP4rev1 METADATA",
        vec![
            c("A0002 SETMETADATA INBOX (/private/comment {5}\r\n"),
            s("+ go ahead\r\n"),
            Step::C(b"a\r\n\xffb /shared/comment NIL)\r\n".to_vec()),
            s("A0002 OK SETMETADATA complete\r\n"),
            c("A0003 SETMETADATA INBOX (/private/comment \"0123456789ABC\")\r\n"),
            // tests/corpus/mailkit/metadata/setmetadata-maxsize.txt
            s("A0003 NO [METADATA MAXSIZE 10] SETMETADATA failed\r\n"),
            c("A0004 SETMETADATA \"\" (/private/x {1}\r\n"),
            // A refusal instead of the continuation ends the command.
            s("A0004 NO [METADATA TOOMANY] SETMETADATA failed\r\n"),
        ],
    );
    s.set_metadata(
        "INBOX",
        &[
            ("/shared/comment", None),
            ("/private/comment", Some(&b"a\r\n\xffb"[..])),
        ],
    )
    .unwrap();
    let err = s
        .set_metadata(
            "INBOX",
            &[("/private/comment", Some(&b"0123456789ABC"[..]))],
        )
        .unwrap_err();
    assert!(matches!(err, Error::No(_)), "{err}");
    assert_eq!(
        err.response_code(),
        Some(&ResponseCode::MetadataMaxSize(10))
    );
    // NUL without BINARY is refused before anything is sent.
    let err = s
        .set_metadata("", &[("/private/x", Some(&b"\0"[..]))])
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    let err = s
        .set_metadata("", &[("/private/x", Some(&b"\xff"[..]))])
        .unwrap_err();
    assert!(
        matches!(&err, Error::No(t) if t.code.as_ref().map(|c| c.name()) == Some("METADATA")),
        "{err}"
    );
    assert!(!s.is_broken());
    script.assert_done();
}

#[test]
fn acl_quirks_literal_identifiers_and_missing_responses() {
    let (script, mut s) = session(
        ALL,
        vec![
            c("A0002 GETACL INBOX\r\n"),
            s("* ACL \"INBOX\" {5}\r\nünï lr Fred rwipslxetad \"-bad guy\" \"\"\r\n"),
            s("A0002 OK GETACL completed.\r\n"),
            c("A0003 MYRIGHTS \"Team Box\"\r\n"),
            s("* MYRIGHTS INBOX lr\r\n"),
            s("* MYRIGHTS \"Team Box\" lrswi\r\nA0003 OK done\r\n"),
            c("A0004 LISTRIGHTS INBOX anyone\r\n"),
            // tests/corpus/mailkit/acl/listrights.txt
            s("* LISTRIGHTS INBOX anyone \"\" l r s w i p k x t e c d a 0 1 2 3 4 5 6 7 8 9\r\n"),
            s("A0004 OK LISTRIGHTS completed.\r\n"),
            c("A0005 MYRIGHTS Gone\r\n"),
            s("A0005 OK but nothing said\r\n"),
            c("A0006 SETACL INBOX {5+}\r\nünï -w\r\n"),
            s("A0006 OK\r\n"),
            c("A0007 DELETEACL INBOX fred\r\n"),
            s("A0007 NO [NOPERM] not yours\r\n"),
        ],
    );
    let acl = s.get_acl("INBOX").unwrap();
    assert_eq!(acl.len(), 3);
    assert_eq!(acl[0].identifier_lossy(), "ünï");
    assert_eq!(acl[1].rights().as_str(), "rwipslxetad");
    assert_eq!(acl[2].identifier(), b"-bad guy");
    assert!(acl[2].rights().is_empty());

    assert_eq!(s.my_rights("Team Box").unwrap().as_str(), "lrswi");
    let lr = s.list_rights("INBOX", "anyone").unwrap();
    assert_eq!(lr.optional().len(), 23);
    let err = s.my_rights("Gone").unwrap_err();
    assert!(matches!(err, Error::Protocol(_)), "{err}");
    assert!(!s.is_broken(), "a missing answer costs that command only");
    s.set_acl("INBOX", "ünï", "-w").unwrap();
    let err = s.delete_acl("INBOX", "fred").unwrap_err();
    assert_eq!(err.response_code().map(|c| c.name()), Some("NOPERM"));
    let news: Vec<_> = s.unsolicited().collect();
    assert_eq!(news.len(), 1, "{news:#?}");
    assert!(matches!(&news[0], Unsolicited::MyRights { mailbox, rights }
        if mailbox.is_inbox() && rights.as_str() == "lr"));
    script.assert_done();
}

#[test]
fn id_and_enable_forms() {
    let (script, mut s) = session(
        ALL,
        vec![
            c("A0002 ID (\"name\" \"blocking-imap\" \"version\" \"0.1\")\r\n"),
            // tests/corpus/mailkit/common/id.txt
            s("* ID (\"name\" \"GImap\" \"vendor\" \"Google, Inc.\" \"support-url\" \"http://support.google.com/mail\" \"version\" \"gmail_imap_150623.03_p1\" \"remote-host\" \"127.0.0.1\")\r\n"),
            s("A0002 OK Success\r\n"),
            c("A0003 ID NIL\r\n"),
            s("* ID NIL\r\nA0003 OK\r\n"),
            c("A0004 ID (\"os\" {6+}\r\nLinüx \"name\" \"x\")\r\n"),
            s("A0004 OK no ID response at all\r\n"),
            c("A0005 ENABLE CONDSTORE QRESYNC X-NOPE\r\n"),
            // tests/corpus/mailkit/dovecot/enable-qresync.txt, split in two responses.
            s("* ENABLED QRESYNC\r\n* ENABLED condstore\r\n"),
            s("A0005 OK Enabled (0.000 + 0.000 secs).\r\n"),
            c("A0006 ENABLE X-NOPE\r\n"),
            s("* ENABLED\r\nA0006 OK\r\n"),
            c("A0007 ENABLE CONDSTORE\r\n"),
            s("A0007 BAD [CLIENTBUG] ENABLE in selected state\r\n"),
        ],
    );
    let info = s
        .id(&[("name", "blocking-imap"), ("version", "0.1")])
        .unwrap();
    assert_eq!(info.name().as_deref(), Some("GImap"));
    assert_eq!(info.get_lossy("remote-host").as_deref(), Some("127.0.0.1"));
    assert!(s.id(&[]).unwrap().is_empty());
    assert!(s.id(&[("name", "x"), ("os", "Linüx")]).unwrap().is_empty());

    let on = s.enable(&["CONDSTORE", "QRESYNC", "X-NOPE"]).unwrap();
    assert_eq!(on, ["QRESYNC", "condstore"]);
    assert!(s.is_enabled("CONDSTORE") && s.is_enabled("qresync"));
    assert!(s.enable(&["X-NOPE"]).unwrap().is_empty());
    assert_eq!(s.enabled().len(), 2);
    let err = s.enable(&["CONDSTORE"]).unwrap_err();
    assert!(matches!(err, Error::Bad(_)), "{err}");
    let err = s.enable(&["BAD NAME"]).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    assert_eq!(s.unsolicited().count(), 0);
    script.assert_done();
}

#[test]
fn unparsable_admin_responses_cost_one_response() {
    let (script, mut s) = session(
        ALL,
        vec![
            c("A0002 GETQUOTAROOT INBOX\r\n"),
            s("* QUOTA \"\" (STORAGE 10)\r\n"),
            s("* QUOTAROOT INBOX \"\"\r\n"),
            s("* QUOTA \"\" (STORAGE 10 512)\r\n"),
            s("A0002 OK\r\n"),
            c("A0003 NOOP\r\n"),
            s("* ACL\r\n* ID (\"name\")\r\nA0003 OK\r\n"),
        ],
    );
    let r = s.get_quota_root("INBOX").unwrap();
    assert_eq!(r.quotas().len(), 1);
    s.noop().unwrap();
    let news: Vec<_> = s.unsolicited().collect();
    assert_eq!(news.len(), 3, "{news:#?}");
    assert!(news.iter().all(|u| matches!(u, Unsolicited::Other { .. })));
    assert!(!s.is_broken());
    script.assert_done();
}
