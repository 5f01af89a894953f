//! METADATA (RFC 5464): GETMETADATA and SETMETADATA, on a mailbox or on the server.

use crate::error::{Error, Result};
use crate::session::Session;
use crate::types::metadata::{Metadata, MetadataOptions};
use crate::types::{MailboxName, ResponseCode};
use crate::wire::metadata::{getmetadata_command, setmetadata_command};
use crate::wire::parse::Response;

/// `[METADATA LONGENTRIES n]` in a completion.
fn long_entries(code: Option<&ResponseCode>) -> Option<u64> {
    match code {
        Some(ResponseCode::MetadataLongEntries(n)) => Some(*n),
        _ => None,
    }
}

impl Session {
    /// METADATA for mailboxes; METADATA or METADATA-SERVER for the server (`""`).
    fn require_metadata(&mut self, mailbox: &MailboxName) -> Result<()> {
        let caps = self.conn.capabilities()?;
        let server = mailbox.wire().is_empty();
        if caps.has("METADATA") || (server && caps.has("METADATA-SERVER")) {
            Ok(())
        } else {
            Err(Error::MissingCapability("METADATA".into()))
        }
    }

    /// Reads metadata entries of `mailbox` with GETMETADATA (RFC 5464 section 4.2); the
    /// mailbox `""` stands for the server's own metadata.
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// let md = session.get_metadata("INBOX", &["/private/comment", "/shared/comment"])?;
    /// if let Some(comment) = md.get("/private/comment") {
    ///     println!("{}", String::from_utf8_lossy(comment));
    /// }
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: [`Error::MissingCapability`] when the server lacks METADATA (for `""`,
    /// METADATA-SERVER is enough); [`Error::InvalidArgument`] for no entries or an entry
    /// name that does not start with `/` or holds `*`, `%` or control characters;
    /// [`Error::No`] when the mailbox does not exist or may not be read.
    pub fn get_metadata(
        &mut self,
        mailbox: impl Into<MailboxName>,
        entries: &[&str],
    ) -> Result<Metadata> {
        self.get_metadata_with(mailbox, entries, &MetadataOptions::new())
    }

    /// Like [`get_metadata`](Self::get_metadata), with the `MAXSIZE` and `DEPTH` options.
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use blocking_imap::{MetadataDepth, MetadataOptions};
    /// let opts = MetadataOptions::new().max_size(1024).depth(MetadataDepth::Infinity);
    /// let md = session.get_metadata_with("", &["/shared"], &opts)?;
    /// for e in md.entries() {
    ///     println!("{} = {:?}", e.name(), e.value_lossy());
    /// }
    /// if let Some(n) = md.long_entries() {
    ///     println!("some values were longer than 1024 bytes, up to {n}");
    /// }
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: as [`get_metadata`](Self::get_metadata).
    pub fn get_metadata_with(
        &mut self,
        mailbox: impl Into<MailboxName>,
        entries: &[&str],
        options: &MetadataOptions,
    ) -> Result<Metadata> {
        let name = self.conn.adapt(mailbox.into());
        let cmd = getmetadata_command(&name, entries, options)?;
        self.require_metadata(&name)?;
        // Bounded by `max_result_size` (`Conn::finish`), like every collected result.
        let mut found = Vec::new();
        let text = self.conn.run(
            cmd,
            &|r| matches!(r, Response::Metadata(m) if m.mailbox.wire() == name.wire()),
            &mut |r| {
                if let Response::Metadata(m) = r {
                    found.extend(m.entries);
                }
            },
        )?;
        Ok(Metadata {
            mailbox: name,
            entries: found,
            long_entries: long_entries(text.code.as_ref()),
        })
    }

    /// Sets or removes metadata entries of `mailbox` with SETMETADATA (RFC 5464 section
    /// 4.3); the mailbox `""` stands for the server. A value of `None` removes the entry
    /// (`NIL`). Values go as literals when they hold CR, LF or 8-bit bytes, and as literal8
    /// when they hold NUL (only with the BINARY capability).
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// session.set_metadata(
    ///     "INBOX",
    ///     &[
    ///         ("/private/comment", Some("My own comment".as_bytes())),
    ///         ("/shared/comment", None),
    ///     ],
    /// )?;
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: [`Error::MissingCapability`] when the server lacks METADATA (for `""`,
    /// METADATA-SERVER is enough); [`Error::InvalidArgument`] for no entries, a bad entry
    /// name, or a value with NUL without BINARY; [`Error::No`] when the server refuses, often
    /// with a code: `[METADATA MAXSIZE n]`, `[METADATA TOOMANY]`, `[METADATA NOPRIVATE]`
    /// ([`ResponseCode::MetadataMaxSize`] and its siblings), or `[CANNOT]` for an entry that
    /// may not be changed.
    pub fn set_metadata(
        &mut self,
        mailbox: impl Into<MailboxName>,
        entries: &[(&str, Option<&[u8]>)],
    ) -> Result<()> {
        let name = self.conn.adapt(mailbox.into());
        self.require_metadata(&name)?;
        let binary = self.conn.capabilities()?.has("BINARY");
        let cmd = setmetadata_command(&name, entries, binary)?;
        self.conn.simple(cmd).map(drop)
    }

    /// Removes metadata entries of `mailbox` (`""` for the server): SETMETADATA with `NIL`
    /// for each entry.
    ///
    /// Errors: as [`set_metadata`](Self::set_metadata).
    pub fn delete_metadata(
        &mut self,
        mailbox: impl Into<MailboxName>,
        entries: &[&str],
    ) -> Result<()> {
        let pairs: Vec<(&str, Option<&[u8]>)> = entries.iter().map(|e| (*e, None)).collect();
        self.set_metadata(mailbox, &pairs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::metadata::{Metadata, MetadataDepth, MetadataOptions};
    use crate::wire::lexer::Cursor;
    use crate::wire::metadata::{
        getmetadata_command, parse_metadata, setmetadata_command, MetadataResponse,
    };

    use crate::error::Error;
    use crate::types::*;
    use crate::wire::encode::Segment;

    /// Recorded by MailKit's tests (corpus/mailkit/metadata/).
    const CORPUS_GETMETADATA: &[u8] = b"\"\" (/private/comment \"this is a comment\")\r\n";
    const CORPUS_MULTI: &[u8] = b"\"INBOX\" (/private/comment \"this is a private comment\" /shared/comment \"this is a shared comment\")\r\n";
    const CORPUS_OPTIONS_DONE: &[u8] = b"[METADATA LONGENTRIES 2199] GETMETADATA complete";
    const CORPUS_MAXSIZE_NO: &[u8] = b"[METADATA MAXSIZE 10] SETMETADATA failed";

    fn metadata(s: &[u8]) -> Metadata {
        match parse_metadata(&mut Cursor::new(s)) {
            Ok(MetadataResponse::Values(m)) => m,
            other => panic!("{other:?}"),
        }
    }

    fn text(segs: &[Segment]) -> String {
        crate::wire::encode::segments_text(segs)
    }

    #[test]
    fn rfc_examples() {
        // RFC 5464 section 4.2 examples.
        let m = metadata(b"\"\" (/shared/comment \"Shared comment\")\r\n");
        assert!(m.is_server());
        assert_eq!(m.get("/shared/comment"), Some(&b"Shared comment"[..]));
        let m = metadata(
            b"INBOX (/shared/comment \"Shared comment\" /private/comment \"My own comment\")\r\n",
        );
        assert!(m.mailbox().is_inbox() && !m.is_server());
        assert_eq!(m.entries().len(), 2);
        assert_eq!(m.entries()[1].name(), "/private/comment");
        assert_eq!(m.get("/PRIVATE/Comment"), Some(&b"My own comment"[..]));
        let m = metadata(b"INBOX (/private/filters/values/small \"SMALLER 5000\" /private/filters/values/boss \"FROM \\\"boss@example.com\\\"\")\r\n");
        assert_eq!(
            m.get("/private/filters/values/boss"),
            Some(&b"FROM \"boss@example.com\""[..])
        );
        // Section 4.3's value across lines, as a literal.
        let m =
            metadata(b"INBOX (/private/comment {33}\r\nMy new comment across\r\ntwo lines.)\r\n");
        assert_eq!(
            m.entries()[0].value_lossy().as_deref(),
            Some("My new comment across\r\ntwo lines.")
        );
        // Section 4.4.2: unsolicited, naming the entries that changed.
        let r = parse_metadata(&mut Cursor::new(
            b"INBOX /shared/comment /private/comment\r\n",
        ))
        .unwrap();
        assert_eq!(
            r,
            MetadataResponse::Changed {
                mailbox: MailboxName::from("INBOX"),
                entries: vec!["/shared/comment".into(), "/private/comment".into()]
            }
        );
    }

    #[test]
    fn corpus_and_dovecot() {
        let m = metadata(CORPUS_GETMETADATA);
        assert_eq!(
            m.entries()[0].value_lossy().as_deref(),
            Some("this is a comment")
        );
        let m = metadata(CORPUS_MULTI);
        assert!(m.mailbox().is_inbox());
        assert_eq!(
            m.get("/shared/comment"),
            Some(&b"this is a shared comment"[..])
        );
        let done = crate::wire::parse::resp_text(CORPUS_OPTIONS_DONE);
        assert_eq!(long_entries(done.code.as_ref()), Some(2199));
        let no = crate::wire::parse::resp_text(CORPUS_MAXSIZE_NO);
        assert_eq!(long_entries(no.code.as_ref()), None);
        assert_eq!(long_entries(None), None);
        // Dovecot: NIL for a missing entry, an atom mailbox, 8-bit literal values.
        let m = metadata(b"\"\" (/private/comment NIL)\r\n");
        assert_eq!(m.entries()[0].value(), None);
        assert_eq!(m.get("/private/comment"), None);
        let m = metadata(
            b"ext-a-probe (/private/comment {5}\r\na\r\n\xffb /shared/comment {1}\r\nx)\r\n",
        );
        assert_eq!(m.mailbox().as_str(), "ext-a-probe");
        assert_eq!(m.get("/private/comment"), Some(&b"a\r\n\xffb"[..]));
        assert_eq!(
            m.entries()[0].clone().into_value(),
            Some(b"a\r\n\xffb".to_vec())
        );
        // literal8 carries NUL.
        let m = metadata(b"INBOX (/private/blob ~{3}\r\na\0b)\r\n");
        assert_eq!(m.get("/private/blob"), Some(&b"a\0b"[..]));
        // Empty list.
        assert!(metadata(b"INBOX ()\r\n").entries().is_empty());
    }

    #[test]
    fn malformed_responses_are_errors() {
        for bad in [
            &b"INBOX\r\n"[..],
            b"\r\n",
            b"INBOX (/private/comment)\r\n",
            b"INBOX (/private/comment \"x\"\r\n",
            b"INBOX (/private/comment {9}\r\nab)\r\n",
            b"INBOX (/private/comment value)\r\n",
        ] {
            assert!(parse_metadata(&mut Cursor::new(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn getmetadata_arguments() {
        let all = MetadataOptions::new()
            .max_size(1024)
            .depth(MetadataDepth::Infinity);
        let cmd = getmetadata_command(&"".into(), &["/shared", "/private"], &all).unwrap();
        assert_eq!(
            text(&cmd.into_segments()),
            "GETMETADATA (MAXSIZE 1024 DEPTH infinity) \"\" (/shared /private)"
        );
        let one = MetadataOptions::new().depth(MetadataDepth::One);
        let cmd = getmetadata_command(&"INBOX".into(), &["/private/comment"], &one).unwrap();
        assert_eq!(
            text(&cmd.into_segments()),
            "GETMETADATA (DEPTH 1) INBOX (/private/comment)"
        );
        let zero = MetadataOptions::new().depth(MetadataDepth::Zero);
        let cmd = getmetadata_command(&"Ä b".into(), &["/shared/a b"], &zero).unwrap();
        assert_eq!(
            text(&cmd.into_segments()),
            "GETMETADATA (DEPTH 0) \"&AMQ- b\" (\"/shared/a b\")"
        );
        let none = MetadataOptions::new();
        for bad in [
            &[][..],
            &["private/comment"],
            &["/shared/*"],
            &["/shared/%"],
            &["/a\r\nA2 LOGOUT"],
            &["/é"],
        ] {
            assert!(
                matches!(
                    getmetadata_command(&"INBOX".into(), bad, &none),
                    Err(Error::InvalidArgument(_))
                ),
                "{bad:?}"
            );
        }
    }

    /// Issue 11: values that all go as literals ended the list in ` )`, which RFC 5464's
    /// grammar does not allow and Cyrus answers with BAD.
    #[test]
    fn setmetadata_literals_in_every_position_frame_strictly() {
        use crate::wire::encode::{check_framing, wire_bytes, LiteralMode};
        let inbox = MailboxName::from("INBOX");
        // The exact bytes when every value is a literal.
        let cmd = setmetadata_command(
            &inbox,
            &[
                ("/private/a", Some(&b"line 1\r\nline 2"[..])),
                ("/private/b", Some(&b"caf\xc3\xa9"[..])),
            ],
            false,
        )
        .unwrap();
        let segs = cmd.into_segments();
        assert_eq!(
            wire_bytes("A1", &segs, LiteralMode::Plus),
            b"A1 SETMETADATA INBOX (/private/a {14+}\r\nline 1\r\nline 2 /private/b {5+}\r\ncaf\xc3\xa9)\r\n"
        );
        assert_eq!(
            wire_bytes("A1", &segs, LiteralMode::Synchronising),
            b"A1 SETMETADATA INBOX (/private/a {14}\r\nline 1\r\nline 2 /private/b {5}\r\ncaf\xc3\xa9)\r\n"
        );
        let cmd = setmetadata_command(&inbox, &[("/private/x", Some(&b"1\n"[..]))], false).unwrap();
        assert_eq!(
            wire_bytes("A1", &cmd.into_segments(), LiteralMode::Minus),
            b"A1 SETMETADATA INBOX (/private/x {2+}\r\n1\n)\r\n"
        );

        // A literal (or literal8, or one too big for LITERAL-) first, in the middle, last,
        // alone, among NIL and quoted values.
        let lit: &[u8] = b"a )\r\n( b";
        let big = vec![b'\xff'; 4097];
        let nul: &[u8] = b"\0 )";
        let values: [Option<&[u8]>; 5] = [Some(lit), Some(&big), Some(nul), None, Some(b"q ( )")];
        let mut shapes: Vec<Vec<Option<&[u8]>>> = Vec::new();
        for &v in &values {
            for &w in &values {
                shapes.push(vec![v]);
                shapes.push(vec![v, w]);
                shapes.push(vec![w, v, w]);
                shapes.push(vec![v, v, v]);
            }
        }
        for shape in shapes {
            let names: Vec<String> = (0..shape.len()).map(|i| format!("/private/e{i}")).collect();
            let entries: Vec<(&str, Option<&[u8]>)> = names
                .iter()
                .map(String::as_str)
                .zip(shape.iter().copied())
                .collect();
            let segs = setmetadata_command(&inbox, &entries, true)
                .unwrap()
                .into_segments();
            for mode in [
                LiteralMode::Plus,
                LiteralMode::Minus,
                LiteralMode::Synchronising,
            ] {
                if let Err(e) = check_framing(&wire_bytes("A1", &segs, mode)) {
                    panic!("{entries:?} in {mode:?}: {e}");
                }
            }
        }
    }

    #[test]
    fn setmetadata_arguments() {
        let inbox = MailboxName::from("INBOX");
        // RFC 5464 section 4.3 examples.
        let cmd = setmetadata_command(
            &inbox,
            &[("/private/comment", Some(&b"My new comment"[..]))],
            false,
        )
        .unwrap();
        assert_eq!(
            text(&cmd.into_segments()),
            "SETMETADATA INBOX (/private/comment \"My new comment\")"
        );
        let cmd = setmetadata_command(&inbox, &[("/private/comment", None)], false).unwrap();
        assert_eq!(
            text(&cmd.into_segments()),
            "SETMETADATA INBOX (/private/comment NIL)"
        );
        // CRLF and 8-bit bytes go as a literal, kept before the text value.
        let cmd = setmetadata_command(
            &"".into(),
            &[
                ("/private/comment", Some(&b"a\r\n\xffb"[..])),
                ("/shared/comment", Some(&b"x"[..])),
            ],
            false,
        )
        .unwrap();
        let segs = cmd.into_segments();
        assert_eq!(segs.len(), 2);
        assert_eq!(segs[0].literal.as_deref(), Some(&b"a\r\n\xffb"[..]));
        assert_eq!(
            text(&segs),
            "SETMETADATA \"\" (/private/comment {5}<a\r\n\u{fffd}b> /shared/comment \"x\")"
        );
        // NUL needs literal8 (BINARY).
        let nul = [("/private/blob", Some(&b"a\0b"[..]))];
        assert!(matches!(
            setmetadata_command(&inbox, &nul, false),
            Err(Error::InvalidArgument(_))
        ));
        let cmd = setmetadata_command(&inbox, &nul, true).unwrap();
        let segs = cmd.into_segments();
        assert_eq!(
            String::from_utf8_lossy(&segs[0].text),
            "SETMETADATA INBOX (/private/blob ~"
        );
        assert_eq!(segs[0].literal.as_deref(), Some(&b"a\0b"[..]));
        assert_eq!(String::from_utf8_lossy(&segs[1].text), ")");
        // An empty value is a quoted empty string, not NIL.
        let cmd = setmetadata_command(&inbox, &[("/private/x", Some(&b""[..]))], false).unwrap();
        assert_eq!(
            text(&cmd.into_segments()),
            "SETMETADATA INBOX (/private/x \"\")"
        );
        assert!(matches!(
            setmetadata_command(&inbox, &[], false),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            setmetadata_command(&inbox, &[("bad", None)], false),
            Err(Error::InvalidArgument(_))
        ));
    }
}
