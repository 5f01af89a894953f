//! [`RawCommand`] to wire segments (sans-I/O): every argument through the crate's encoders.

use super::encode::{is_atom_char, Command};
use crate::error::{Error, Result};
use crate::types::raw::{Arg, RawCommand};
use crate::types::MailboxName;

/// How raw commands are named in errors (`server said no to raw command: ...`) and in the
/// judgement of a retry (a command the library does not know is never run twice).
pub(crate) const RAW_NAME: &str = "raw command";

/// Commands that change what the session tracks of the connection (the selected mailbox,
/// the login, TLS, compression, enabled extensions) or need an exchange a raw command
/// cannot carry (IDLE's `+` and `DONE`, SASL rounds). Each has a typed method.
const REFUSED: &[(&str, &str)] = &[
    ("SELECT", "Session::select"),
    ("EXAMINE", "Session::examine"),
    ("CLOSE", "Session::close"),
    ("UNSELECT", "Session::unselect"),
    ("LOGOUT", "Session::logout"),
    ("LOGIN", "Client::login"),
    ("AUTHENTICATE", "Client::authenticate"),
    ("STARTTLS", "ClientBuilder::starttls"),
    ("COMPRESS", "Session::compress"),
    ("IDLE", "Session::idle"),
    ("ENABLE", "Session::enable"),
    ("UNAUTHENTICATE", "Session::unauthenticate"),
];

/// Deepest list nesting a raw command may have (the framer refuses deeper responses too).
const MAX_DEPTH: usize = 32;

/// Encodes `cmd`; `adapt` turns a mailbox name into the form this session writes.
pub(crate) fn encode(
    cmd: &RawCommand,
    adapt: &dyn Fn(MailboxName) -> MailboxName,
) -> Result<Command> {
    let name = &cmd.name;
    let words: Vec<&str> = name.split(' ').collect();
    if words
        .iter()
        .any(|w| w.is_empty() || !w.bytes().all(is_atom_char))
    {
        return Err(Error::InvalidArgument(format!(
            "command name {name:?} is not one or more atoms separated by single spaces"
        )));
    }
    for (refused, instead) in REFUSED {
        if words
            .first()
            .is_some_and(|w| w.eq_ignore_ascii_case(refused))
        {
            return Err(Error::InvalidArgument(format!(
                "{refused} changes the session's own state and cannot be sent raw; use {instead}"
            )));
        }
    }
    let mut out = Command::with_verb(RAW_NAME, name);
    for arg in &cmd.args {
        push(&mut out, arg, adapt, 0)?;
    }
    Ok(out)
}

fn push(
    out: &mut Command,
    arg: &Arg,
    adapt: &dyn Fn(MailboxName) -> MailboxName,
    depth: usize,
) -> Result<()> {
    match arg {
        Arg::Atom(s) => {
            let body = s.strip_prefix('\\').unwrap_or(s);
            let ok = !body.is_empty() && body.bytes().all(|b| is_atom_char(b) || b == b']');
            if !ok {
                return Err(Error::InvalidArgument(format!("atom {s:?}")));
            }
            out.raw(s);
        }
        Arg::Token(s) => {
            let ok = !s.is_empty()
                && s.bytes()
                    .all(|b| (0x21..0x7f).contains(&b) && !matches!(b, b'{' | b'"' | b'\\'));
            if !ok {
                return Err(Error::InvalidArgument(format!(
                    "token {s:?} (printable ASCII without spaces, braces, quotes or backslashes)"
                )));
            }
            out.raw(s);
        }
        Arg::String(s) => {
            out.string(s, "string argument")?;
        }
        Arg::Literal(b) => {
            if b.contains(&0) {
                return Err(Error::InvalidArgument(
                    "literal argument contains a NUL byte".into(),
                ));
            }
            out.literal_arg(b.clone());
        }
        Arg::Number(n) => {
            out.raw(&n.to_string());
        }
        Arg::SequenceSet(set) => {
            if set.is_empty() {
                return Err(Error::InvalidArgument("empty sequence set".into()));
            }
            out.raw(&set.to_string());
        }
        Arg::Mailbox(m) => {
            out.astring(adapt(m.clone()).wire(), "mailbox name")?;
        }
        Arg::Nil => {
            out.raw("NIL");
        }
        Arg::List(items) => {
            if depth >= MAX_DEPTH {
                return Err(Error::InvalidArgument(format!(
                    "lists nested deeper than {MAX_DEPTH}"
                )));
            }
            out.open_list();
            for item in items {
                push(out, item, adapt, depth + 1)?;
            }
            out.close_list();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::SequenceSet;
    use crate::wire::encode::{check_framing, segments_text, wire_bytes, LiteralMode};

    fn same(m: MailboxName) -> MailboxName {
        m
    }

    fn text(cmd: &RawCommand) -> String {
        segments_text(&encode(cmd, &same).unwrap().into_segments())
    }

    #[test]
    fn arguments_take_the_crates_forms() {
        let cmd = RawCommand::new("XVENDOR")
            .atom("\\Seen")
            .string("a b")
            .string("NIL")
            .string("x\r\ny")
            .number(42)
            .set(SequenceSet::from([1, 2, 3, 7]))
            .mailbox("Entwürfe")
            .nil()
            .list([
                Arg::atom("A"),
                Arg::list([]),
                Arg::literal(b"lit".to_vec()),
                Arg::token("BODY.PEEK[HEADER]<0.10>"),
            ]);
        assert_eq!(
            text(&cmd),
            "XVENDOR \\Seen \"a b\" \"NIL\" {4}<x\r\ny> 42 1:3,7 Entw&APw-rfe NIL \
             (A () {3}<lit> BODY.PEEK[HEADER]<0.10>)"
        );
        let segs = encode(&cmd, &same).unwrap().into_segments();
        for mode in [LiteralMode::Synchronising, LiteralMode::Plus] {
            check_framing(&wire_bytes("A1", &segs, mode)).unwrap();
        }
    }

    #[test]
    fn nothing_unsafe_gets_through() {
        let bad = [
            RawCommand::new(""),
            RawCommand::new("X\r\nA2 LOGOUT"),
            RawCommand::new("X  Y"),
            RawCommand::new("X{5}"),
            RawCommand::new("select"),
            RawCommand::new("Idle"),
            RawCommand::new("X").atom("a b"),
            RawCommand::new("X").atom(""),
            RawCommand::new("X").atom("a\r\n"),
            RawCommand::new("X").atom("{5}"),
            RawCommand::new("X").token("a\nb"),
            RawCommand::new("X").token("{5}"),
            RawCommand::new("X").token("\"open"),
            RawCommand::new("X").token("é"),
            RawCommand::new("X").string("a\0b"),
            RawCommand::new("X").literal(b"a\0b".to_vec()),
            RawCommand::new("X").set(SequenceSet::new()),
        ];
        for cmd in bad {
            let e = encode(&cmd, &same).unwrap_err();
            assert!(matches!(e, Error::InvalidArgument(_)), "{cmd:?}: {e:?}");
        }
        let mut deep = Arg::Nil;
        for _ in 0..40 {
            deep = Arg::list([deep]);
        }
        assert!(encode(&RawCommand::new("X").arg(deep), &same).is_err());
        // Two-word names and atoms that RFC 9051 allows (`]` in astring-char).
        assert_eq!(
            text(&RawCommand::new("UID XFETCH").atom("a]b")),
            "UID XFETCH a]b"
        );
    }
}
