//! Owned public types: nothing here borrows from the wire or from a parser crate.

pub(crate) mod acl;
pub(crate) mod append;
pub(crate) mod catenate;
pub(crate) mod condstore;
pub(crate) mod date;
pub(crate) mod envelope;
pub(crate) mod fetch;
pub(crate) mod gmail;
pub(crate) mod id;
pub(crate) mod idle;
mod list;
pub(crate) mod lists;
mod mailbox_name;
pub(crate) mod metadata;
pub(crate) mod notify;
pub(crate) mod objectid;
mod part;
pub(crate) mod partial;
pub(crate) mod parts;
mod query;
pub(crate) mod quota;
pub(crate) mod raw;
mod results;
pub(crate) mod search;
pub(crate) mod search_results;
mod seq;
pub(crate) mod special_use;
pub(crate) mod streaming;

/// How deeply body structures may nest (multiparts within multiparts, attached messages).
/// The framer already keeps frames nested deeper than 100 parentheses from the parser;
/// this bound makes the recursion safe on its own.
pub(crate) const MAX_BODY_DEPTH: u32 = 100;

pub use date::DateTime;
pub use envelope::{Address, BodyStructure, ContentDisposition, Envelope, TransferEncoding};
pub use fetch::{Fetch, UnparsedItem};
pub use list::{MailboxStatus, Name, NameAttribute, Namespace, Namespaces, StatusItem};
pub use mailbox_name::MailboxName;
pub use part::Part;
pub use query::{FetchItems, Section, StoreAction};
pub use results::{AppendUid, CopyUid, Expunged};
pub use search::{Search, SearchDate};
pub use seq::{Seq, SequenceSet, Uid, STAR};

use std::fmt;

/// Bytes in a `Debug` form people can read: a quoted string, UTF-8 shown as text (escaped as
/// `str`'s `Debug` escapes it), other bytes as `\xNN`. Never a list of numbers.
pub(crate) struct ShowBytes<'a>(pub(crate) &'a [u8]);

impl ShowBytes<'_> {
    fn write(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
        f.write_str("\"")?;
        for chunk in bytes.utf8_chunks() {
            for c in chunk.valid().chars() {
                write!(f, "{}", c.escape_debug())?;
            }
            for b in chunk.invalid() {
                write!(f, "\\x{b:02x}")?;
            }
        }
        f.write_str("\"")
    }
}

impl fmt::Debug for ShowBytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        ShowBytes::write(f, self.0)
    }
}

/// Bytes in a `Debug` form as [`ShowBytes`] shows them, cut after the first `.1` bytes
/// (`"* 1 FETCH (..." (9000 more bytes)`).
pub(crate) struct ShowPrefix<'a>(pub(crate) &'a [u8], pub(crate) usize);

impl fmt::Debug for ShowPrefix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (bytes, max) = (self.0, self.1);
        ShowBytes::write(f, &bytes[..bytes.len().min(max)])?;
        if bytes.len() > max {
            write!(f, " ({} more bytes)", bytes.len() - max)?;
        }
        Ok(())
    }
}

/// Section data in a `Debug` form: its length and a short escaped prefix
/// (`1234 bytes "From: a@example.com\r\nSubject: ..."...`).
pub(crate) struct ShowData<'a>(pub(crate) &'a [u8]);

/// How many bytes of section data a `Debug` form shows.
const SHOW_PREFIX: usize = 48;

impl fmt::Debug for ShowData<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(f, "{n} byte{} ", if n == 1 { "" } else { "s" })?;
        ShowBytes::write(f, &self.0[..n.min(SHOW_PREFIX)])?;
        if n > SHOW_PREFIX {
            f.write_str("...")?;
        }
        Ok(())
    }
}

/// A message flag (RFC 9051 section 2.3.2): a system flag or a keyword.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Flag {
    /// `\Seen`: the message has been read.
    Seen,
    /// `\Answered`: the message has been answered.
    Answered,
    /// `\Flagged`: the message is flagged for urgent or special attention.
    Flagged,
    /// `\Deleted`: the message is marked for removal by a later EXPUNGE.
    Deleted,
    /// `\Draft`: the message is a draft.
    Draft,
    /// `\Recent`: the message arrived since the last session (IMAP4rev1 only).
    Recent,
    /// `\*` in PERMANENTFLAGS: the client may create new keywords.
    MayCreate,
    /// A keyword (`$Forwarded`, `Junk`, ...) or an unknown `\`-flag, as the server wrote it.
    Keyword(String),
}

impl Flag {
    /// Reads a flag as written on the wire; system flags are matched case-insensitively.
    pub fn parse(s: &str) -> Flag {
        const SYSTEM: [(&str, Flag); 7] = [
            ("\\Seen", Flag::Seen),
            ("\\Answered", Flag::Answered),
            ("\\Flagged", Flag::Flagged),
            ("\\Deleted", Flag::Deleted),
            ("\\Draft", Flag::Draft),
            ("\\Recent", Flag::Recent),
            ("\\*", Flag::MayCreate),
        ];
        for (name, flag) in SYSTEM {
            if s.eq_ignore_ascii_case(name) {
                return flag;
            }
        }
        Flag::Keyword(s.to_string())
    }

    /// The flag as IMAP writes it.
    pub fn as_str(&self) -> &str {
        match self {
            Flag::Seen => "\\Seen",
            Flag::Answered => "\\Answered",
            Flag::Flagged => "\\Flagged",
            Flag::Deleted => "\\Deleted",
            Flag::Draft => "\\Draft",
            Flag::Recent => "\\Recent",
            Flag::MayCreate => "\\*",
            Flag::Keyword(k) => k,
        }
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a server can do: the list from its CAPABILITY response, seen through the session's
/// use of IMAP4rev2.
///
/// Once a session speaks IMAP4rev2 (RFC 9051: the server lists `IMAP4rev2` and either lists
/// no `IMAP4rev1` or answered `ENABLE IMAP4rev2`), [`has`](Self::has) says yes for every
/// extension IMAP4rev2 includes ([`REV2_BASE`](Self::REV2_BASE): MOVE, UNSELECT, UIDPLUS,
/// ESEARCH, NAMESPACE, LITERAL-, ...) whether or not the server lists it, so one check works
/// under either revision. With [`ClientBuilder::imap4rev2(false)`](crate::ClientBuilder::imap4rev2)
/// `has("IMAP4rev2")` says no and nothing is implied. [`iter`](Self::iter) is always the list
/// exactly as the server wrote it.
///
/// Its `Debug` form is the list as IMAP writes it: `Capabilities("IMAP4rev1 IDLE AUTH=PLAIN")`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    names: Vec<String>,
    view: Rev2View,
}

/// How a session uses the server's `IMAP4rev2` capability.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Rev2View {
    /// The list as it is (before login, or on a server that speaks both and was not enabled).
    #[default]
    Raw,
    /// The session speaks IMAP4rev2: its base extensions are implied.
    InUse,
    /// The caller turned IMAP4rev2 off: it is as if the server did not list it.
    Ignored,
}

impl fmt::Debug for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Capabilities")
            .field(&self.names.join(" "))
            .finish()
    }
}

impl Capabilities {
    /// The extensions IMAP4rev2 includes (RFC 9051 section 1 and appendix E), which
    /// [`has`](Self::has) reports once the session speaks IMAP4rev2. `ID` is here as the
    /// crate always treated it (IMAP4rev2 servers in practice answer ID).
    pub const REV2_BASE: &'static [&'static str] = &[
        "BINARY",
        "CHILDREN",
        "ENABLE",
        "ESEARCH",
        "ID",
        "IDLE",
        "LIST-EXTENDED",
        "LIST-STATUS",
        "LITERAL-",
        "MOVE",
        "NAMESPACE",
        "SASL-IR",
        "SEARCHRES",
        "SPECIAL-USE",
        "STATUS=SIZE",
        "UIDPLUS",
        "UNSELECT",
    ];

    pub(crate) fn from_names(names: Vec<String>) -> Self {
        Capabilities {
            names,
            view: Rev2View::Raw,
        }
    }

    /// Is `name` in the list exactly as the server wrote it (no IMAP4rev2 view)?
    pub(crate) fn listed(&self, name: &str) -> bool {
        self.names.iter().any(|n| n.eq_ignore_ascii_case(name))
    }

    pub(crate) fn set_view(&mut self, view: Rev2View) {
        self.view = view;
    }

    /// Does the server advertise `name` (compared without regard to case)? Under IMAP4rev2
    /// also every extension of [`REV2_BASE`](Self::REV2_BASE); with IMAP4rev2 turned off
    /// by the caller, `"IMAP4rev2"` is never reported.
    pub fn has(&self, name: &str) -> bool {
        match self.view {
            Rev2View::Ignored if name.eq_ignore_ascii_case("IMAP4rev2") => return false,
            Rev2View::InUse if Self::REV2_BASE.iter().any(|b| b.eq_ignore_ascii_case(name)) => {
                return true
            }
            _ => {}
        }
        self.listed(name)
    }

    /// Does this session speak IMAP4rev2 (RFC 9051)? True when the server lists
    /// `IMAP4rev2` and either lists no `IMAP4rev1` or accepted `ENABLE IMAP4rev2`, unless
    /// the caller turned it off with `ClientBuilder::imap4rev2(false)`.
    pub fn is_imap4rev2(&self) -> bool {
        self.view == Rev2View::InUse
    }

    /// Does the server offer the SASL mechanism `mechanism` (`AUTH=<mechanism>`)?
    pub fn has_auth(&self, mechanism: &str) -> bool {
        self.auth_mechanisms()
            .any(|m| m.eq_ignore_ascii_case(mechanism))
    }

    /// The SASL mechanisms the server offers (the `AUTH=` capabilities).
    pub fn auth_mechanisms(&self) -> impl Iterator<Item = &str> {
        self.names.iter().filter_map(|n| {
            n.get(..5)
                .filter(|p| p.eq_ignore_ascii_case("AUTH="))
                .map(|_| &n[5..])
        })
    }

    /// Every capability, as the server wrote it.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }
}

/// The status word of a server response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusKind {
    /// `OK`: success, or information.
    Ok,
    /// `NO`: an operational error.
    No,
    /// `BAD`: a protocol error in the client's command.
    Bad,
    /// `BYE`: the server is closing the connection.
    Bye,
    /// `PREAUTH`: a greeting that says the connection is already authenticated.
    PreAuth,
}

impl StatusKind {
    pub(crate) fn parse(word: &[u8]) -> Option<StatusKind> {
        Some(match word.to_ascii_uppercase().as_slice() {
            b"OK" => StatusKind::Ok,
            b"NO" => StatusKind::No,
            b"BAD" => StatusKind::Bad,
            b"BYE" => StatusKind::Bye,
            b"PREAUTH" => StatusKind::PreAuth,
            _ => return None,
        })
    }

    /// The status word as IMAP writes it: `OK`, `NO`, `BAD`, `BYE` or `PREAUTH`.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusKind::Ok => "OK",
            StatusKind::No => "NO",
            StatusKind::Bad => "BAD",
            StatusKind::Bye => "BYE",
            StatusKind::PreAuth => "PREAUTH",
        }
    }
}

impl fmt::Display for StatusKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A bracketed response code (RFC 9051 section 7.1, RFC 5530, RFC 4315, RFC 7162 ...).
///
/// Codes are read without regard to case (`[nonexistent]` is [`NonExistent`]). The codes of
/// the IANA "IMAP Response Codes" registry that a client acts on are typed; the others
/// (`URLMECH`, `ANNOTATE`, `BADEVENT`, ...) and unregistered ones are [`Other`], with their
/// arguments as sent. A code whose arguments do not parse (`[UIDNEXT x]`,
/// `[MAILBOXID]`) is [`Other`] too: one odd code costs only itself, never the response. A
/// code that takes no arguments is recognised even when a server adds some; they are
/// dropped (the response's text is kept whole).
///
/// [`Display`](fmt::Display) writes the code as IMAP does, without the brackets
/// (`COPYUID 38505 304,319:320 3956:3958`); [`name`](ResponseCode::name) gives its name alone.
///
/// [`NonExistent`]: ResponseCode::NonExistent
/// [`Other`]: ResponseCode::Other
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseCode {
    /// `ALERT`: the text must be shown to the user.
    Alert,
    /// `BADCHARSET`: the charsets the server supports for SEARCH.
    BadCharset(Vec<String>),
    /// `CAPABILITY`: the server's capabilities.
    Capability(Capabilities),
    /// `PARSE`: the server could not parse a message's headers.
    Parse,
    /// `PERMANENTFLAGS`: the flags that can be changed permanently.
    PermanentFlags(Vec<Flag>),
    /// `READ-ONLY`: the mailbox is selected read-only.
    ReadOnly,
    /// `READ-WRITE`: the mailbox is selected read-write.
    ReadWrite,
    /// `TRYCREATE`: the target mailbox does not exist but could be created.
    TryCreate,
    /// `UIDNEXT`: the next UID the mailbox will assign.
    UidNext(Uid),
    /// `UIDVALIDITY`: the mailbox's UID validity value.
    UidValidity(u32),
    /// `UNSEEN`: the first unseen message (IMAP4rev1).
    Unseen(Seq),
    /// `APPENDUID` (RFC 4315): where APPEND put the message(s).
    AppendUid {
        /// The UIDVALIDITY of the target mailbox.
        uid_validity: u32,
        /// The UIDs the appended messages got.
        uids: SequenceSet,
    },
    /// `COPYUID` (RFC 4315): the UIDs that COPY or MOVE gave the copies.
    CopyUid {
        /// The UIDVALIDITY of the target mailbox.
        uid_validity: u32,
        /// The source UIDs.
        source: SequenceSet,
        /// The new UIDs, in the same order.
        destination: SequenceSet,
    },
    /// `UIDNOTSTICKY` (RFC 4315): the mailbox does not keep UIDs across sessions.
    UidNotSticky,
    /// `HIGHESTMODSEQ` (RFC 7162).
    HighestModSeq(u64),
    /// `NOMODSEQ` (RFC 7162): the mailbox does not support mod-sequences.
    NoModSeq,
    /// `MODIFIED` (RFC 7162): messages a conditional STORE did not change.
    Modified(SequenceSet),
    /// `CLOSED` (RFC 7162): the previous mailbox was closed.
    Closed,
    /// `AUTHENTICATIONFAILED` (RFC 5530): the credentials were refused (or authentication
    /// failed for a reason the server does not give).
    AuthenticationFailed,
    /// `AUTHORIZATIONFAILED` (RFC 5530): authenticated, but not allowed to act as the
    /// requested authorization identity.
    AuthorizationFailed,
    /// `UNAVAILABLE` (RFC 5530): a temporary failure (a backend is down): try again later.
    Unavailable,
    /// `EXPIRED` (RFC 5530): the credentials (a password, a certificate) have expired.
    Expired,
    /// `PRIVACYREQUIRED` (RFC 5530): refused without TLS (or another privacy layer).
    PrivacyRequired,
    /// `CONTACTADMIN` (RFC 5530): the user should contact the system administrator.
    ContactAdmin,
    /// `NOPERM` (RFC 5530): the access control list does not allow it.
    NoPerm,
    /// `INUSE` (RFC 5530): something else holds the resource (a mailbox lock): try again.
    InUse,
    /// `EXPUNGEISSUED` (RFC 5530): some of the messages were expunged by another session.
    ExpungeIssued,
    /// `CORRUPTION` (RFC 5530): the server found corrupt data.
    Corruption,
    /// `SERVERBUG` (RFC 5530): the server hit a bug of its own.
    ServerBug,
    /// `CLIENTBUG` (RFC 5530): the server thinks the client erred (the command may still
    /// have succeeded).
    ClientBug,
    /// `CANNOT` (RFC 5530): the operation breaks a server rule and will never succeed.
    Cannot,
    /// `LIMIT` (RFC 5530): a server limit (on how many of something) was reached.
    Limit,
    /// `OVERQUOTA` (RFC 5530): a quota is full.
    OverQuota,
    /// `ALREADYEXISTS` (RFC 5530): the target (a mailbox, say) exists already.
    AlreadyExists,
    /// `NONEXISTENT` (RFC 5530): the source (a mailbox, say) does not exist.
    NonExistent,
    /// `HASCHILDREN` (RFC 9051): DELETE refused because the mailbox has child mailboxes.
    HasChildren,
    /// `NOTSAVED` (RFC 5182): `SEARCH ... SAVE` failed; the `$` result is empty.
    NotSaved,
    /// `UNKNOWN-CTE` (RFC 3516): the server cannot undo the part's content transfer encoding
    /// for BINARY (fall back to BODY and decode it yourself).
    UnknownCte,
    /// `TOOBIG` (RFC 4469): the message APPEND or CATENATE would make is too big.
    TooBig,
    /// `BADURL` (RFC 4469): a URL given to CATENATE could not be used; the URL as sent.
    BadUrl(String),
    /// `USEATTR` (RFC 6154): CREATE cannot give the mailbox the special use asked for.
    UseAttr,
    /// `MAILBOXID` (RFC 8474): the object id CREATE gave the new mailbox.
    MailboxId(String),
    /// `NOUPDATE` (RFC 5267): the server will send no updates for the CONTEXT search with
    /// this tag.
    NoUpdate(String),
    /// `BADCOMPARATOR` (RFC 5255): the comparator asked for is unknown.
    BadComparator,
    /// `COMPRESSIONACTIVE` (RFC 4978): compression is already on.
    CompressionActive,
    /// `NOTIFICATIONOVERFLOW` (RFC 5465): the server stopped NOTIFY (too many events).
    NotificationOverflow,
    /// `UIDREQUIRED` (RFC 9586): only UID commands are allowed here.
    UidRequired,
    /// `DOWNGRADED` (RFC 6858): the UIDs of messages the server downgraded from UTF-8 for
    /// this client.
    Downgraded(SequenceSet),
    /// `REFERRAL` (RFC 2221): the IMAP URLs to try instead.
    Referral(Vec<String>),
    /// `INPROGRESS` (RFC 9585), in an untagged OK: a long command is still running. The
    /// arguments are optional (`[INPROGRESS]` has none), and each may be `NIL`.
    InProgress {
        /// The tag of the command it is about.
        tag: Option<String>,
        /// How many items are done so far.
        done: Option<u32>,
        /// How many items there are in all.
        total: Option<u32>,
    },
    /// `METADATA LONGENTRIES n` (RFC 5464): GETMETADATA left out entries longer than its
    /// MAXSIZE; `n` is the size of the longest.
    MetadataLongEntries(u64),
    /// `METADATA MAXSIZE n` (RFC 5464): SETMETADATA refused a value larger than `n` octets.
    MetadataMaxSize(u64),
    /// `METADATA TOOMANY` (RFC 5464): SETMETADATA refused: too many entries.
    MetadataTooMany,
    /// `METADATA NOPRIVATE` (RFC 5464): SETMETADATA refused: the server has no private
    /// entries.
    MetadataNoPrivate,
    /// Any other code (`URLMECH`, `ANNOTATE`, `BADEVENT`, codes of no registry, ...), or a
    /// known one whose arguments did not parse, with its name in upper case and its raw
    /// arguments.
    Other {
        /// The code's name, upper-cased.
        name: String,
        /// Everything between the name and the closing bracket.
        args: Option<String>,
    },
}

impl ResponseCode {
    /// The code's name as IMAP writes it (`ALERT`, `TRYCREATE`, ...), without its arguments;
    /// `METADATA` for each of the `Metadata*` variants.
    pub fn name(&self) -> &str {
        match self {
            ResponseCode::Alert => "ALERT",
            ResponseCode::BadCharset(_) => "BADCHARSET",
            ResponseCode::Capability(_) => "CAPABILITY",
            ResponseCode::Parse => "PARSE",
            ResponseCode::PermanentFlags(_) => "PERMANENTFLAGS",
            ResponseCode::ReadOnly => "READ-ONLY",
            ResponseCode::ReadWrite => "READ-WRITE",
            ResponseCode::TryCreate => "TRYCREATE",
            ResponseCode::UidNext(_) => "UIDNEXT",
            ResponseCode::UidValidity(_) => "UIDVALIDITY",
            ResponseCode::Unseen(_) => "UNSEEN",
            ResponseCode::AppendUid { .. } => "APPENDUID",
            ResponseCode::CopyUid { .. } => "COPYUID",
            ResponseCode::UidNotSticky => "UIDNOTSTICKY",
            ResponseCode::HighestModSeq(_) => "HIGHESTMODSEQ",
            ResponseCode::NoModSeq => "NOMODSEQ",
            ResponseCode::Modified(_) => "MODIFIED",
            ResponseCode::Closed => "CLOSED",
            ResponseCode::AuthenticationFailed => "AUTHENTICATIONFAILED",
            ResponseCode::AuthorizationFailed => "AUTHORIZATIONFAILED",
            ResponseCode::Unavailable => "UNAVAILABLE",
            ResponseCode::Expired => "EXPIRED",
            ResponseCode::PrivacyRequired => "PRIVACYREQUIRED",
            ResponseCode::ContactAdmin => "CONTACTADMIN",
            ResponseCode::NoPerm => "NOPERM",
            ResponseCode::InUse => "INUSE",
            ResponseCode::ExpungeIssued => "EXPUNGEISSUED",
            ResponseCode::Corruption => "CORRUPTION",
            ResponseCode::ServerBug => "SERVERBUG",
            ResponseCode::ClientBug => "CLIENTBUG",
            ResponseCode::Cannot => "CANNOT",
            ResponseCode::Limit => "LIMIT",
            ResponseCode::OverQuota => "OVERQUOTA",
            ResponseCode::AlreadyExists => "ALREADYEXISTS",
            ResponseCode::NonExistent => "NONEXISTENT",
            ResponseCode::HasChildren => "HASCHILDREN",
            ResponseCode::NotSaved => "NOTSAVED",
            ResponseCode::UnknownCte => "UNKNOWN-CTE",
            ResponseCode::TooBig => "TOOBIG",
            ResponseCode::BadUrl(_) => "BADURL",
            ResponseCode::UseAttr => "USEATTR",
            ResponseCode::MailboxId(_) => "MAILBOXID",
            ResponseCode::NoUpdate(_) => "NOUPDATE",
            ResponseCode::BadComparator => "BADCOMPARATOR",
            ResponseCode::CompressionActive => "COMPRESSIONACTIVE",
            ResponseCode::NotificationOverflow => "NOTIFICATIONOVERFLOW",
            ResponseCode::UidRequired => "UIDREQUIRED",
            ResponseCode::Downgraded(_) => "DOWNGRADED",
            ResponseCode::Referral(_) => "REFERRAL",
            ResponseCode::InProgress { .. } => "INPROGRESS",
            ResponseCode::MetadataLongEntries(_)
            | ResponseCode::MetadataMaxSize(_)
            | ResponseCode::MetadataTooMany
            | ResponseCode::MetadataNoPrivate => "METADATA",
            ResponseCode::Other { name, .. } => name,
        }
    }

    /// The code of a name that takes no arguments, given upper-cased; `None` for any other.
    pub(crate) fn bare(upper: &str) -> Option<ResponseCode> {
        Some(match upper {
            "ALERT" => ResponseCode::Alert,
            "PARSE" => ResponseCode::Parse,
            "READ-ONLY" => ResponseCode::ReadOnly,
            "READ-WRITE" => ResponseCode::ReadWrite,
            "TRYCREATE" => ResponseCode::TryCreate,
            "UIDNOTSTICKY" => ResponseCode::UidNotSticky,
            "NOMODSEQ" => ResponseCode::NoModSeq,
            "CLOSED" => ResponseCode::Closed,
            "AUTHENTICATIONFAILED" => ResponseCode::AuthenticationFailed,
            "AUTHORIZATIONFAILED" => ResponseCode::AuthorizationFailed,
            "UNAVAILABLE" => ResponseCode::Unavailable,
            "EXPIRED" => ResponseCode::Expired,
            "PRIVACYREQUIRED" => ResponseCode::PrivacyRequired,
            "CONTACTADMIN" => ResponseCode::ContactAdmin,
            "NOPERM" => ResponseCode::NoPerm,
            "INUSE" => ResponseCode::InUse,
            "EXPUNGEISSUED" => ResponseCode::ExpungeIssued,
            "CORRUPTION" => ResponseCode::Corruption,
            "SERVERBUG" => ResponseCode::ServerBug,
            "CLIENTBUG" => ResponseCode::ClientBug,
            "CANNOT" => ResponseCode::Cannot,
            "LIMIT" => ResponseCode::Limit,
            "OVERQUOTA" => ResponseCode::OverQuota,
            "ALREADYEXISTS" => ResponseCode::AlreadyExists,
            "NONEXISTENT" => ResponseCode::NonExistent,
            "HASCHILDREN" => ResponseCode::HasChildren,
            "NOTSAVED" => ResponseCode::NotSaved,
            "UNKNOWN-CTE" => ResponseCode::UnknownCte,
            "TOOBIG" => ResponseCode::TooBig,
            "USEATTR" => ResponseCode::UseAttr,
            "BADCOMPARATOR" => ResponseCode::BadComparator,
            "COMPRESSIONACTIVE" => ResponseCode::CompressionActive,
            "NOTIFICATIONOVERFLOW" => ResponseCode::NotificationOverflow,
            "UIDREQUIRED" => ResponseCode::UidRequired,
            _ => return None,
        })
    }
}

/// Writes `s` as an IMAP quoted string.
fn quoted(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("\"")?;
    for c in s.chars() {
        if matches!(c, '"' | '\\') {
            f.write_str("\\")?;
        }
        write!(f, "{c}")?;
    }
    f.write_str("\"")
}

/// The code as IMAP writes it between the brackets: its name, then its arguments.
impl fmt::Display for ResponseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())?;
        let list = |f: &mut fmt::Formatter<'_>, items: &mut dyn Iterator<Item = &str>| {
            f.write_str(" (")?;
            for (i, item) in items.enumerate() {
                if i > 0 {
                    f.write_str(" ")?;
                }
                f.write_str(item)?;
            }
            f.write_str(")")
        };
        match self {
            ResponseCode::BadCharset(c) if !c.is_empty() => {
                list(f, &mut c.iter().map(String::as_str))
            }
            ResponseCode::Capability(c) => c.iter().try_for_each(|n| write!(f, " {n}")),
            ResponseCode::PermanentFlags(flags) => list(f, &mut flags.iter().map(Flag::as_str)),
            ResponseCode::UidNext(u) => write!(f, " {u}"),
            ResponseCode::UidValidity(v) => write!(f, " {v}"),
            ResponseCode::Unseen(s) => write!(f, " {s}"),
            ResponseCode::AppendUid { uid_validity, uids } => write!(f, " {uid_validity} {uids}"),
            ResponseCode::CopyUid {
                uid_validity,
                source,
                destination,
            } => write!(f, " {uid_validity} {source} {destination}"),
            ResponseCode::HighestModSeq(m) => write!(f, " {m}"),
            ResponseCode::Modified(set) | ResponseCode::Downgraded(set) => write!(f, " {set}"),
            ResponseCode::BadUrl(url) => write!(f, " {url}"),
            ResponseCode::MailboxId(id) => write!(f, " ({id})"),
            ResponseCode::NoUpdate(tag) => {
                f.write_str(" ")?;
                quoted(f, tag)
            }
            ResponseCode::Referral(urls) => urls.iter().try_for_each(|u| write!(f, " {u}")),
            ResponseCode::InProgress {
                tag: None,
                done: None,
                total: None,
            } => Ok(()),
            ResponseCode::InProgress { tag, done, total } => {
                f.write_str(" (")?;
                match tag {
                    Some(t) => quoted(f, t)?,
                    None => f.write_str("NIL")?,
                }
                for n in [done, total] {
                    match n {
                        Some(n) => write!(f, " {n}")?,
                        None => f.write_str(" NIL")?,
                    }
                }
                f.write_str(")")
            }
            ResponseCode::MetadataLongEntries(n) => write!(f, " LONGENTRIES {n}"),
            ResponseCode::MetadataMaxSize(n) => write!(f, " MAXSIZE {n}"),
            ResponseCode::MetadataTooMany => f.write_str(" TOOMANY"),
            ResponseCode::MetadataNoPrivate => f.write_str(" NOPRIVATE"),
            ResponseCode::Other {
                args: Some(args), ..
            } => write!(f, " {args}"),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_round_trip() {
        assert_eq!(Flag::parse("\\seen"), Flag::Seen);
        assert_eq!(Flag::parse("\\*"), Flag::MayCreate);
        assert_eq!(
            Flag::parse("$Forwarded"),
            Flag::Keyword("$Forwarded".into())
        );
        assert_eq!(Flag::Deleted.to_string(), "\\Deleted");
    }

    #[test]
    fn wire_forms() {
        for (kind, word) in [
            (StatusKind::Ok, "OK"),
            (StatusKind::No, "NO"),
            (StatusKind::Bad, "BAD"),
            (StatusKind::Bye, "BYE"),
            (StatusKind::PreAuth, "PREAUTH"),
        ] {
            assert_eq!((kind.as_str(), kind.to_string()), (word, word.to_string()));
            assert_eq!(
                StatusKind::parse(word.to_lowercase().as_bytes()),
                Some(kind)
            );
        }
        assert_eq!(Flag::Keyword("$Junk".into()).to_string(), "$Junk");
        assert_eq!(ResponseCode::TryCreate.to_string(), "TRYCREATE");
        assert_eq!(
            ResponseCode::Other {
                name: "X-A".into(),
                args: None
            }
            .to_string(),
            "X-A"
        );
        assert_eq!(ResponseCode::BadCharset(vec![]).to_string(), "BADCHARSET");
    }

    #[test]
    fn readable_debug_forms() {
        let caps = Capabilities::from_names(vec!["IMAP4rev1".into(), "AUTH=PLAIN".into()]);
        assert_eq!(
            format!("{caps:?}"),
            r#"Capabilities("IMAP4rev1 AUTH=PLAIN")"#
        );
        assert_eq!(
            format!("{:?}", ShowBytes(b"a\"\r\n\xff\xc3\xa9")),
            r#""a\"\r\n\xffé""#
        );
        assert_eq!(format!("{:?}", ShowData(b"")), r#"0 bytes """#);
        assert_eq!(format!("{:?}", ShowData(b"x")), r#"1 byte "x""#);
        let long = [b'z'; 100];
        assert_eq!(
            format!("{:?}", ShowData(&long)),
            format!("100 bytes {:?}...", "z".repeat(SHOW_PREFIX))
        );
        assert_eq!(
            format!("{:?}", ShowPrefix(b"abcdef", 2)),
            r#""ab" (4 more bytes)"#
        );
        let code = ResponseCode::CopyUid {
            uid_validity: 1,
            source: SequenceSet::from(1..=3),
            destination: SequenceSet::from([5, 7]),
        };
        assert_eq!(
            format!("{code:?}"),
            "CopyUid { uid_validity: 1, source: SequenceSet(1:3), destination: SequenceSet(5,7) }"
        );
    }

    #[test]
    fn capabilities_lookup() {
        let caps = Capabilities::from_names(vec![
            "IMAP4rev1".into(),
            "auth=PLAIN".into(),
            "AUTH=XOAUTH2".into(),
            "LITERAL+".into(),
        ]);
        assert!(caps.has("literal+") && caps.has("IMAP4REV1") && !caps.has("IDLE"));
        assert!(caps.has_auth("plain") && caps.has_auth("xoauth2") && !caps.has_auth("LOGIN"));
        assert_eq!(
            caps.auth_mechanisms().collect::<Vec<_>>(),
            ["PLAIN", "XOAUTH2"]
        );
    }
}
