//! ID (RFC 2971) and ENABLE (RFC 5161).

use crate::error::{Error, Result};
use crate::session::Session;
use crate::types::id::IdInfo;
use crate::wire::id::enable_command;
use crate::wire::parse::Response;

impl Session {
    /// Tells the server who we are and asks who it is, with ID (RFC 2971). `fields` are
    /// pairs such as `("name", "my-client")`, `("version", "1.0")`; none sends `ID NIL`.
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// let server = session.id(&[("name", "my-client"), ("version", env!("CARGO_PKG_VERSION"))])?;
    /// println!("server: {:?} {:?}", server.name(), server.version());
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// A server that answers without an ID response gives an empty [`IdInfo`].
    ///
    /// Errors: [`Error::MissingCapability`] when the server lacks ID;
    /// [`Error::InvalidArgument`] for more than 30 fields, an empty field name or one longer
    /// than 30 bytes or not printable ASCII, or a value longer than 1024 bytes or holding NUL.
    pub fn id(&mut self, fields: &[(&str, &str)]) -> Result<IdInfo> {
        if !self.conn.capabilities()?.has("ID") {
            return Err(Error::MissingCapability("ID".into()));
        }
        self.conn.send_id(fields)
    }

    /// Turns on extensions that change the server's behaviour, with ENABLE (RFC 5161), and
    /// returns those the server enabled (a subset of `extensions`; unknown ones are silently
    /// ignored by the server). The session remembers them: see [`enabled`](Self::enabled).
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// let on = session.enable(&["CONDSTORE"])?;
    /// assert!(session.is_enabled("CONDSTORE") == on.iter().any(|e| e == "CONDSTORE"));
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// ENABLE must be sent before a mailbox is selected; servers answer BAD otherwise.
    ///
    /// Errors: [`Error::MissingCapability`] when the server lacks ENABLE (and is not
    /// IMAP4rev2); [`Error::InvalidArgument`] for no extension or a name that is not an
    /// atom; [`Error::Bad`] when the server refuses it (in the selected state, say).
    pub fn enable(&mut self, extensions: &[&str]) -> Result<Vec<String>> {
        let cmd = enable_command(extensions)?;
        if !self.conn.capabilities()?.has("ENABLE") && !self.is_imap4rev2()? {
            return Err(Error::MissingCapability("ENABLE".into()));
        }
        let mut on: Vec<String> = Vec::new();
        self.conn
            .run(cmd, &|r| matches!(r, Response::Enabled(_)), &mut |r| {
                if let Response::Enabled(names) = r {
                    on.extend(names);
                }
            })?;
        // `on` is bounded by `max_result_size` (`Conn::finish`); a set of the names already
        // kept makes each check O(1), so a huge ENABLED reply costs linear time.
        let mut known: std::collections::HashSet<String> = self
            .conn
            .enabled
            .iter()
            .map(|e| e.to_ascii_uppercase())
            .collect();
        for name in &on {
            if known.insert(name.to_ascii_uppercase()) {
                self.conn.enabled.push(name.clone());
            }
        }
        Ok(on)
    }

    /// The extensions enabled so far in this session (by [`enable`](Self::enable) or by
    /// commands that enable what they need, such as QRESYNC), as the server named them.
    pub fn enabled(&self) -> &[String] {
        &self.conn.enabled
    }

    /// Is `extension` enabled in this session (compared without regard to case)?
    pub fn is_enabled(&self, extension: &str) -> bool {
        self.conn
            .enabled
            .iter()
            .any(|e| e.eq_ignore_ascii_case(extension))
    }
}

#[cfg(test)]
mod tests {

    use crate::wire::id::{enable_command, id_command, parse_enabled, parse_id};
    use crate::wire::lexer::Cursor;

    use crate::wire::encode::Command;

    use crate::error::Error;

    /// Recorded by MailKit's tests (corpus/mailkit/common/id.txt).
    const CORPUS_ID: &[u8] = b"(\"name\" \"GImap\" \"vendor\" \"Google, Inc.\" \"support-url\" \"http://support.google.com/mail\" \"version\" \"gmail_imap_150623.03_p1\" \"remote-host\" \"127.0.0.1\")\r\n";
    /// corpus/mailkit/dovecot/enable-qresync.txt
    const CORPUS_ENABLED: &[u8] = b"QRESYNC CONDSTORE\r\n";

    fn line(cmd: Command) -> String {
        crate::wire::encode::segments_text(&cmd.into_segments())
    }

    #[test]
    fn id_responses() {
        // RFC 2971 section 3.2 examples.
        let info = parse_id(&mut Cursor::new(b"(\"name\" \"Cyrus\" \"version\" \"1.5\" \"os\" \"sunos\" \"os-version\" \"5.5\" \"support-url\" \"mailto:cyrus-bugs+@andrew.cmu.edu\")\r\n")).unwrap();
        assert_eq!(info.name().as_deref(), Some("Cyrus"));
        assert_eq!(info.version().as_deref(), Some("1.5"));
        assert_eq!(info.get("OS"), Some(&b"sunos"[..]));
        assert_eq!(info.fields().count(), 5);
        assert!(parse_id(&mut Cursor::new(b"NIL\r\n")).unwrap().is_empty());
        let info = parse_id(&mut Cursor::new(CORPUS_ID)).unwrap();
        assert_eq!(info.name().as_deref(), Some("GImap"));
        assert_eq!(info.get_lossy("vendor").as_deref(), Some("Google, Inc."));
        // Dovecot; NIL values, 8-bit literal values and an atom field name.
        let info = parse_id(&mut Cursor::new(b"(\"name\" \"Dovecot\")\r\n")).unwrap();
        assert_eq!(info.name().as_deref(), Some("Dovecot"));
        assert_eq!(info.version(), None);
        let info = parse_id(&mut Cursor::new(
            b"(\"name\" NIL vendor {4}\r\n\xc3\xa9\r\n \"x\" \"\")\r\n",
        ))
        .unwrap();
        assert_eq!(info.name(), None);
        assert_eq!(info.get("vendor"), Some(&b"\xc3\xa9\r\n"[..]));
        assert_eq!(info.get("x"), Some(&b""[..]));
        assert_eq!(
            info.fields().map(|(k, _)| k).collect::<Vec<_>>(),
            ["name", "vendor", "x"]
        );
        for bad in [
            &b"\r\n"[..],
            b"NILS\r\n",
            b"(\"name\")\r\n",
            b"(\"a\" \"b\"\r\n",
        ] {
            assert!(parse_id(&mut Cursor::new(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn enabled_responses() {
        // RFC 5161 section 3.1 examples.
        assert_eq!(
            parse_enabled(&mut Cursor::new(b"X-GOOD-IDEA\r\n")).unwrap(),
            ["X-GOOD-IDEA"]
        );
        assert!(parse_enabled(&mut Cursor::new(b"\r\n")).unwrap().is_empty());
        assert!(parse_enabled(&mut Cursor::new(b"")).unwrap().is_empty());
        assert_eq!(
            parse_enabled(&mut Cursor::new(CORPUS_ENABLED)).unwrap(),
            ["QRESYNC", "CONDSTORE"]
        );
        assert_eq!(
            parse_enabled(&mut Cursor::new(b"  UTF8=ACCEPT  condstore \r\n")).unwrap(),
            ["UTF8=ACCEPT", "condstore"]
        );
        assert!(parse_enabled(&mut Cursor::new(b"A (B)\r\n")).is_err());
    }

    #[test]
    fn id_arguments() {
        assert_eq!(line(id_command(&[]).unwrap()), "ID NIL");
        assert_eq!(
            line(id_command(&[("name", "blocking-imap"), ("version", "0.1")]).unwrap()),
            "ID (\"name\" \"blocking-imap\" \"version\" \"0.1\")"
        );
        // UTF-8 goes as a literal, kept before a quoted value.
        assert_eq!(
            line(id_command(&[("vendor", "Müller"), ("name", "x \"y\"")]).unwrap()),
            "ID (\"vendor\" {7}<Müller> \"name\" \"x \\\"y\\\"\")"
        );
        let long_key = "k".repeat(31);
        let long_value = "v".repeat(1025);
        let many: Vec<(&str, &str)> = (0..31).map(|_| ("a", "b")).collect();
        for bad in [
            vec![("", "x")],
            vec![(long_key.as_str(), "x")],
            vec![("naïve", "x")],
            vec![("name", long_value.as_str())],
            vec![("name", "a\0b")],
            many,
        ] {
            assert!(
                matches!(id_command(&bad), Err(Error::InvalidArgument(_))),
                "{bad:?}"
            );
        }
    }

    /// Issue 11: a value that goes as a literal last (here every one) must be followed by
    /// `)` directly, never by ` )`.
    #[test]
    fn id_literals_frame_strictly() {
        use crate::wire::encode::{check_framing, wire_bytes, LiteralMode};
        let segs = id_command(&[("os", "Linüx"), ("vendor", "Müller")])
            .unwrap()
            .into_segments();
        assert_eq!(
            wire_bytes("A1", &segs, LiteralMode::Plus),
            "A1 ID (\"os\" {6+}\r\nLinüx \"vendor\" {7+}\r\nMüller)\r\n".as_bytes()
        );
        let segs = id_command(&[("name", "ü")]).unwrap().into_segments();
        assert_eq!(
            wire_bytes("A1", &segs, LiteralMode::Synchronising),
            "A1 ID (\"name\" {2}\r\nü)\r\n".as_bytes()
        );
        for fields in [
            &[("a", "ü")][..],
            &[("a", "ü"), ("b", "x")],
            &[("a", "x"), ("b", "ü")],
            &[("a", "x"), ("b", "ü"), ("c", "y")],
            &[("a", "ü"), ("b", "é\r\n"), ("c", "ö")],
            &[("a", "x"), ("b", "")],
        ] {
            let segs = id_command(fields).unwrap().into_segments();
            for mode in [
                LiteralMode::Plus,
                LiteralMode::Minus,
                LiteralMode::Synchronising,
            ] {
                if let Err(e) = check_framing(&wire_bytes("A1", &segs, mode)) {
                    panic!("{fields:?} in {mode:?}: {e}");
                }
            }
        }
    }

    #[test]
    fn enable_arguments() {
        assert_eq!(
            line(enable_command(&["CONDSTORE", "UTF8=ACCEPT"]).unwrap()),
            "ENABLE CONDSTORE UTF8=ACCEPT"
        );
        for bad in [&[][..], &[""], &["A B"], &["X\r\nA2 LOGOUT"], &["(X)"]] {
            assert!(
                matches!(enable_command(bad), Err(Error::InvalidArgument(_))),
                "{bad:?}"
            );
        }
    }
}
