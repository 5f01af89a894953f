//! Any command, built from typed arguments: the escape hatch for commands this crate does
//! not type (a vendor's `X...` command, an extension too new for it).

use std::fmt;

use super::{MailboxName, SequenceSet};

/// One argument of a [`RawCommand`], written with the crate's own encoders: nothing a
/// caller passes can put a CR or LF on the command line outside a literal, so no argument
/// can end the command early or smuggle in another.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Arg {
    /// An atom (RFC 9051 section 9, `astring` characters): letters, digits and the other
    /// printable ASCII characters but `( ) { SP % * " \`; one leading `\` is allowed, for
    /// flags (`\Seen`). Anything else is refused when the command runs.
    Atom(String),
    /// A string: sent as a quoted string when it can be (7-bit, no CR / LF, up to 1024
    /// bytes), else as a literal. Never an atom, so `NIL` stays a string. NUL is refused.
    String(Vec<u8>),
    /// A literal, whatever the bytes (NUL refused: no IMAP literal carries it). Synchronising
    /// unless the server offers LITERAL+ (or LITERAL- and it is small), as everywhere in the
    /// crate.
    Literal(Vec<u8>),
    /// A number (`number64`).
    Number(u64),
    /// A sequence set (`1:3,5`, `*`): sequence numbers or UIDs, as the command means it.
    /// An empty set is refused.
    SequenceSet(SequenceSet),
    /// A mailbox name, in modified UTF-7 (or UTF-8 once UTF8=ACCEPT is enabled), as an
    /// astring.
    Mailbox(MailboxName),
    /// `NIL`.
    Nil,
    /// A parenthesised list of arguments.
    List(Vec<Arg>),
    /// Text written as it is, for what none of the above spells (`BODY.PEEK[HEADER]<0.100>`,
    /// `$`): printable ASCII only, and no `{`, `"` or `\` (so it can neither announce a
    /// literal nor open a string). Anything else is refused when the command runs.
    Token(String),
}

impl Arg {
    /// [`Arg::Atom`].
    pub fn atom(s: impl Into<String>) -> Arg {
        Arg::Atom(s.into())
    }

    /// [`Arg::String`].
    pub fn string(s: impl AsRef<[u8]>) -> Arg {
        Arg::String(s.as_ref().to_vec())
    }

    /// [`Arg::Literal`].
    pub fn literal(bytes: impl Into<Vec<u8>>) -> Arg {
        Arg::Literal(bytes.into())
    }

    /// [`Arg::Number`].
    pub fn number(n: u64) -> Arg {
        Arg::Number(n)
    }

    /// [`Arg::SequenceSet`].
    pub fn set(set: impl Into<SequenceSet>) -> Arg {
        Arg::SequenceSet(set.into())
    }

    /// [`Arg::Mailbox`].
    pub fn mailbox(name: impl Into<MailboxName>) -> Arg {
        Arg::Mailbox(name.into())
    }

    /// [`Arg::List`].
    pub fn list(items: impl IntoIterator<Item = Arg>) -> Arg {
        Arg::List(items.into_iter().collect())
    }

    /// [`Arg::Token`].
    pub fn token(s: impl Into<String>) -> Arg {
        Arg::Token(s.into())
    }
}

/// Shows the argument as it would go on the wire, literals as `{n}` (their bytes are not
/// shown).
impl fmt::Debug for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Atom(s) | Arg::Token(s) => f.write_str(s),
            Arg::String(s) => write!(f, "{:?}", String::from_utf8_lossy(s)),
            Arg::Literal(b) => write!(f, "{{{}}}", b.len()),
            Arg::Number(n) => write!(f, "{n}"),
            Arg::SequenceSet(s) => write!(f, "{s}"),
            Arg::Mailbox(m) => write!(f, "{:?}", m.as_str()),
            Arg::Nil => f.write_str("NIL"),
            Arg::List(items) => {
                f.write_str("(")?;
                for (i, a) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{a:?}")?;
                }
                f.write_str(")")
            }
        }
    }
}

/// A command this crate does not type, for
/// [`Session::run`](crate::Session::run): a name (one or more atoms, `XVENDOR` or
/// `UID XFETCH`) and typed arguments.
///
/// ```
/// use blocking_imap::{Arg, RawCommand, SequenceSet};
/// let cmd = RawCommand::new("GETMETADATA")
///     .mailbox("INBOX")
///     .list([Arg::atom("/private/comment"), Arg::atom("/shared/comment")]);
/// assert_eq!(
///     format!("{cmd:?}"),
///     r#"RawCommand(GETMETADATA "INBOX" (/private/comment /shared/comment))"#
/// );
/// let cmd = RawCommand::new("UID XMOVE").set(SequenceSet::from([1, 2, 3])).string("Archive");
/// assert_eq!(format!("{cmd:?}"), r#"RawCommand(UID XMOVE 1:3 "Archive")"#);
/// ```
///
/// Nothing is checked while it is built: a name or an argument that cannot be sent safely
/// is refused with [`Error::InvalidArgument`](crate::Error::InvalidArgument) when it runs,
/// before a byte is written.
#[derive(Clone, PartialEq, Eq)]
pub struct RawCommand {
    pub(crate) name: String,
    pub(crate) args: Vec<Arg>,
}

impl RawCommand {
    /// A command named `name`: one or more atoms separated by single spaces (`XVENDOR`,
    /// `UID XFETCH`).
    pub fn new(name: impl Into<String>) -> RawCommand {
        RawCommand {
            name: name.into(),
            args: Vec::new(),
        }
    }

    /// Appends an argument.
    pub fn arg(mut self, arg: Arg) -> RawCommand {
        self.args.push(arg);
        self
    }

    /// Appends an atom ([`Arg::Atom`]).
    pub fn atom(self, s: impl Into<String>) -> RawCommand {
        self.arg(Arg::atom(s))
    }

    /// Appends a string ([`Arg::String`]).
    pub fn string(self, s: impl AsRef<[u8]>) -> RawCommand {
        self.arg(Arg::string(s))
    }

    /// Appends a literal ([`Arg::Literal`]).
    pub fn literal(self, bytes: impl Into<Vec<u8>>) -> RawCommand {
        self.arg(Arg::literal(bytes))
    }

    /// Appends a number ([`Arg::Number`]).
    pub fn number(self, n: u64) -> RawCommand {
        self.arg(Arg::Number(n))
    }

    /// Appends a sequence set ([`Arg::SequenceSet`]).
    pub fn set(self, set: impl Into<SequenceSet>) -> RawCommand {
        self.arg(Arg::set(set))
    }

    /// Appends a mailbox name ([`Arg::Mailbox`]).
    pub fn mailbox(self, name: impl Into<MailboxName>) -> RawCommand {
        self.arg(Arg::mailbox(name))
    }

    /// Appends `NIL` ([`Arg::Nil`]).
    pub fn nil(self) -> RawCommand {
        self.arg(Arg::Nil)
    }

    /// Appends a parenthesised list ([`Arg::List`]).
    pub fn list(self, items: impl IntoIterator<Item = Arg>) -> RawCommand {
        self.arg(Arg::list(items))
    }

    /// Appends text as it is ([`Arg::Token`]).
    pub fn token(self, s: impl Into<String>) -> RawCommand {
        self.arg(Arg::token(s))
    }

    /// The command's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The arguments so far.
    pub fn args(&self) -> &[Arg] {
        &self.args
    }
}

/// The command as it would be written (literals as `{n}`).
impl fmt::Debug for RawCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawCommand({}", self.name)?;
        for a in &self.args {
            write!(f, " {a:?}")?;
        }
        f.write_str(")")
    }
}
