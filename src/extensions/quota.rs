//! QUOTA (RFC 9208, which obsoletes RFC 2087): GETQUOTA, GETQUOTAROOT, SETQUOTA.

use crate::error::{Error, Result};
use crate::session::Session;
use crate::types::quota::{Quota, QuotaResource, QuotaRoots};
use crate::types::MailboxName;
use crate::wire::encode::Command;
use crate::wire::parse::Response;
use crate::wire::quota::setquota_command;

impl Session {
    fn require_quota(&mut self, also: &str) -> Result<()> {
        let caps = self.conn.capabilities()?;
        if caps.has("QUOTA") || (!also.is_empty() && caps.has(also)) {
            Ok(())
        } else {
            Err(Error::MissingCapability("QUOTA".into()))
        }
    }

    /// Reads the usage and limits of quota root `root` with GETQUOTA (RFC 9208 section
    /// 4.2). Root names come from [`get_quota_root`](Self::get_quota_root).
    ///
    /// Errors: [`Error::MissingCapability`] when the server lacks QUOTA; [`Error::No`] when
    /// the root does not exist or may not be read; [`Error::Protocol`] when the server
    /// answers OK without a QUOTA response.
    pub fn get_quota(&mut self, root: impl AsRef<[u8]>) -> Result<Quota> {
        self.require_quota("")?;
        let root = root.as_ref();
        let mut cmd = Command::new("GETQUOTA");
        cmd.astring(root, "quota root")?;
        // Bounded by `max_result_size` (`Conn::finish`); below, one scan to pick the answer,
        // one `remove`, and one pass moving the others to the (bounded) queue: linear.
        let mut got = Vec::new();
        self.conn
            .run(cmd, &|r| matches!(r, Response::Quota(_)), &mut |r| {
                if let Response::Quota(q) = r {
                    got.push(q);
                }
            })?;
        // The root asked for; else the only one the server sent. Others are unsolicited.
        let pick = got
            .iter()
            .position(|q| q.root == root)
            .or((got.len() == 1).then_some(0));
        let Some(i) = pick else {
            for q in got {
                self.conn.queue_response(Response::Quota(q), None);
            }
            return Err(Error::Protocol(
                "GETQUOTA completed without a QUOTA response for its root".into(),
            ));
        };
        let quota = got.remove(i);
        for q in got {
            self.conn.queue_response(Response::Quota(q), None);
        }
        Ok(quota)
    }

    /// Asks which quota roots apply to `mailbox`, and their quotas, with GETQUOTAROOT
    /// (RFC 9208 section 4.3).
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use blocking_imap::QuotaResource;
    /// for quota in session.get_quota_root("INBOX")?.quotas() {
    ///     if let Some(s) = quota.get(&QuotaResource::Storage) {
    ///         println!("{}: {} of {} KiB", quota.root_lossy(), s.usage(), s.limit());
    ///     }
    /// }
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: [`Error::MissingCapability`] when the server lacks QUOTA; [`Error::No`] when
    /// the mailbox does not exist.
    pub fn get_quota_root(&mut self, mailbox: impl Into<MailboxName>) -> Result<QuotaRoots> {
        self.require_quota("")?;
        let name = self.conn.adapt(mailbox.into());
        let mut cmd = Command::new("GETQUOTAROOT");
        cmd.astring(name.wire(), "mailbox name")?;
        // Both bounded by `max_result_size` (`Conn::finish`).
        let mut roots: Option<Vec<Vec<u8>>> = None;
        let mut quotas = Vec::new();
        self.conn.run(
            cmd,
            &|r| {
                matches!(r, Response::Quota(_))
                    || matches!(r, Response::QuotaRoot { mailbox, .. } if mailbox.wire() == name.wire())
            },
            &mut |r| match r {
                Response::Quota(q) => quotas.push(q),
                Response::QuotaRoot { roots: found, .. } => {
                    roots.get_or_insert_with(Vec::new).extend(found);
                }
                _ => {}
            },
        )?;
        // Without a QUOTAROOT response, the roots are those of the quotas reported.
        let roots = roots.unwrap_or_else(|| quotas.iter().map(|q| q.root.clone()).collect());
        Ok(QuotaRoots {
            mailbox: name,
            roots,
            quotas,
        })
    }

    /// Sets the limits of quota root `root` with SETQUOTA (RFC 9208 section 4.1): every
    /// resource of the root not listed loses its limit. Returns the root's new quota when the
    /// server reports it.
    ///
    /// Most servers let only administrators change quotas (Dovecot always answers NO).
    ///
    /// Errors: [`Error::MissingCapability`] when the server lacks QUOTA (or RFC 9208's
    /// QUOTASET); [`Error::InvalidArgument`] for a resource name that is not an atom;
    /// [`Error::No`] when the user may not change the quota or the root does not exist.
    pub fn set_quota(
        &mut self,
        root: impl AsRef<[u8]>,
        limits: &[(QuotaResource, u64)],
    ) -> Result<Option<Quota>> {
        let root = root.as_ref();
        let cmd = setquota_command(root, limits)?;
        self.require_quota("QUOTASET")?;
        let mut got = None;
        self.conn.run(
            cmd,
            &|r| matches!(r, Response::Quota(q) if q.root == root),
            &mut |r| {
                if let Response::Quota(q) = r {
                    got = Some(q);
                }
            },
        )?;
        Ok(got)
    }
}

#[cfg(test)]
mod tests {

    use crate::types::quota::{Quota, QuotaResource, QuotaUsage};
    use crate::wire::lexer::Cursor;
    use crate::wire::quota::{parse_quota, parse_quotaroot, setquota_command};

    use crate::error::Error;

    /// Recorded by MailKit's tests (corpus/mailkit/common/getquota.txt).
    const CORPUS_GETQUOTA: [&[u8]; 2] =
        [b"\"INBOX\" \"\"\r\n", b"\"\" (STORAGE 3783 15728640)\r\n"];
    /// corpus/mailkit/common/getquota-no-root.txt: atom roots.
    const CORPUS_NO_ROOT: [&[u8]; 2] = [
        b"INBOX storage=0\r\n",
        b"storage=0 (STORAGE 28257 256000)\r\n",
    ];
    /// corpus/mailkit/common/setquota.txt
    const CORPUS_SETQUOTA: &[u8] = b"\"\" (MESSAGE 1107 1000000 STORAGE 3783 5242880)\r\n";

    fn quota(s: &[u8]) -> Quota {
        parse_quota(&mut Cursor::new(s)).unwrap()
    }

    #[test]
    fn rfc_examples() {
        // RFC 9208 section 4.2 / 4.3 examples.
        let q = quota(b"\"\" (STORAGE 10 512)\r\n");
        assert_eq!(q.root(), b"");
        assert_eq!(
            q.get(&QuotaResource::Storage)
                .map(|u| (u.usage(), u.limit())),
            Some((10, 512))
        );
        assert!(q.get(&QuotaResource::Message).is_none());
        let q = quota(b"\"!partition/sda4\" (STORAGE 104 10923847)\r\n");
        assert_eq!(q.root_lossy(), "!partition/sda4");
        let (mb, roots) = parse_quotaroot(&mut Cursor::new(
            b"INBOX \"#user/alice\" \"!partition/sda4\"\r\n",
        ))
        .unwrap();
        assert!(mb.is_inbox());
        assert_eq!(roots, [&b"#user/alice"[..], b"!partition/sda4"]);
        let (mb, roots) = parse_quotaroot(&mut Cursor::new(b"comp.mail.mime\r\n")).unwrap();
        assert_eq!(mb.as_str(), "comp.mail.mime");
        assert!(roots.is_empty());
        let q = quota(b"\"#user/alice\" (MESSAGE 42 1000)\r\n");
        assert_eq!(q.resources()[0].resource(), &QuotaResource::Message);
    }

    #[test]
    fn corpus_and_dovecot() {
        let (mb, roots) = parse_quotaroot(&mut Cursor::new(CORPUS_GETQUOTA[0])).unwrap();
        assert!(mb.is_inbox() && roots == [b""]);
        assert_eq!(quota(CORPUS_GETQUOTA[1]).resources()[0].usage(), 3783);
        let (_, roots) = parse_quotaroot(&mut Cursor::new(CORPUS_NO_ROOT[0])).unwrap();
        assert_eq!(roots, [b"storage=0"]);
        assert_eq!(quota(CORPUS_NO_ROOT[1]).root(), b"storage=0");
        let q = quota(CORPUS_SETQUOTA);
        assert_eq!(q.resources().len(), 2);
        assert_eq!(
            q.get(&QuotaResource::Message).map(QuotaUsage::limit),
            Some(1_000_000)
        );
        // Dovecot's count backend.
        let q = quota(b"\"User quota\" (STORAGE 0 1048576)\r\n");
        assert_eq!(q.root(), b"User quota");
        let (_, roots) = parse_quotaroot(&mut Cursor::new(b"INBOX \"User quota\"\r\n")).unwrap();
        assert_eq!(roots, [b"User quota"]);
    }

    #[test]
    fn big_numbers_odd_resources_and_errors() {
        let q = quota(
            b"{4}\r\nroot ( storage 18446744073709551615 18446744073709551615  X-Foo 1 2 )\r\n",
        );
        assert_eq!(q.root(), b"root");
        assert_eq!(q.resources()[0].usage(), u64::MAX);
        assert_eq!(q.resources()[0].resource(), &QuotaResource::Storage);
        assert_eq!(
            q.resources()[1].resource(),
            &QuotaResource::Other("X-FOO".into())
        );
        assert_eq!(q.resources()[1].resource().to_string(), "X-FOO");
        assert!(quota(b"\"\" ()\r\n").resources().is_empty());
        assert_eq!(
            QuotaResource::parse(b"annotation-storage"),
            QuotaResource::AnnotationStorage
        );
        assert_eq!(QuotaResource::parse(b"MAILBOX").as_str(), "MAILBOX");
        for bad in [
            &b"\"\" (STORAGE 10)\r\n"[..],
            b"\"\" (STORAGE 10 18446744073709551616)\r\n",
            b"\"\" (STORAGE -1 5)\r\n",
            b"\"\" (STORAGE 1 2\r\n",
            b"\"\"\r\n",
            b"\r\n",
        ] {
            assert!(parse_quota(&mut Cursor::new(bad)).is_err(), "{bad:?}");
        }
        assert!(parse_quotaroot(&mut Cursor::new(b"INBOX \"unterminated\r\n")).is_err());
    }

    #[test]
    fn setquota_arguments() {
        let cmd = setquota_command(
            b"",
            &[
                (QuotaResource::Storage, 512),
                (QuotaResource::Other("X-ITEMS".into()), u64::MAX),
            ],
        )
        .unwrap();
        let segs = cmd.into_segments();
        assert_eq!(
            String::from_utf8_lossy(&segs[0].text),
            "SETQUOTA \"\" (STORAGE 512 X-ITEMS 18446744073709551615)"
        );
        let cmd = setquota_command(b"User quota", &[]).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&cmd.into_segments()[0].text),
            "SETQUOTA \"User quota\" ()"
        );
        for bad in ["", "A B", "X)", "A\r\nB"] {
            assert!(matches!(
                setquota_command(b"", &[(QuotaResource::Other(bad.into()), 1)]),
                Err(Error::InvalidArgument(_))
            ));
        }
    }
}
