//! One frame to owned crate types (sans-I/O).
//!
//! Our own parsers handle what is frequent or must never fail on a quirky server: status
//! responses, CAPABILITY, the per-message counters (EXISTS, RECENT, EXPUNGE), FETCH
//! (wire/fetch.rs), LIST, STATUS, NAMESPACE, SEARCH (wire/mailbox.rs), and ESEARCH, SORT,
//! THREAD (wire/search.rs), QUOTA, METADATA, ACL, ID, ENABLED (`wire/<extension>.rs`). Extension
//! responses this crate does not type (ANNOTATION, LANGUAGE, ...) are recognised by name and
//! kept whole. The rest (FLAGS, VANISHED, ...) goes through imap-proto once and is
//! converted to owned crate types.

use imap_proto::{MailboxDatum, Response as ProtoResponse};

use super::lexer::Cursor;
use super::metadata::MetadataResponse;
use super::search as search_ext;
use super::values::sequence_set;
use super::{acl, deviations, fetch, id, mailbox, metadata, quota};
use crate::error::ServerText;
use crate::types::acl::{AclEntry, ListRights, Rights};
use crate::types::id::IdInfo;
use crate::types::metadata::Metadata;
use crate::types::quota::Quota;
use crate::types::search_results::{SearchResult, Thread};
use crate::types::{
    Capabilities, Fetch, Flag, MailboxName, MailboxStatus, Name, Namespaces, ResponseCode, Seq,
    SequenceSet, StatusKind, Uid,
};

/// A parsed frame.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Parsed {
    /// `tag OK|NO|BAD text`.
    Tagged {
        tag: String,
        status: StatusKind,
        text: ServerText,
    },
    /// `+ text`: the server waits for more from us.
    Continue(Vec<u8>),
    /// `* ...`.
    Untagged(Response),
}

/// An untagged response, owned.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Response {
    Status {
        kind: StatusKind,
        text: ServerText,
    },
    Capability(Capabilities),
    Exists(u32),
    Recent(u32),
    Expunge(u32),
    Vanished {
        earlier: bool,
        uids: SequenceSet,
    },
    Fetch(Fetch),
    Flags(Vec<Flag>),
    List {
        lsub: bool,
        name: Name,
        /// LIST-EXTENDED data (CHILDINFO, OLDNAME).
        extra: mailbox::ListExtra,
    },
    MailboxStatus(MailboxStatus),
    Namespace(Namespaces),
    Search {
        nums: Vec<u32>,
        modseq: Option<u64>,
    },
    /// `* ESEARCH` (RFC 4731) and its `(TAG ...)` correlator.
    ESearch {
        tag: Option<String>,
        result: SearchResult,
    },
    /// `* SORT` (RFC 5256).
    Sort {
        nums: Vec<u32>,
        modseq: Option<u64>,
    },
    /// `* THREAD` (RFC 5256).
    Thread(Vec<Thread<u32>>),
    /// `* QUOTA` (RFC 9208).
    Quota(Quota),
    /// `* QUOTAROOT` (RFC 9208).
    QuotaRoot {
        mailbox: MailboxName,
        roots: Vec<Vec<u8>>,
    },
    /// `* METADATA mailbox (entry value ...)` (RFC 5464).
    Metadata(Metadata),
    /// `* METADATA mailbox entry ...`: entries that changed (RFC 5464 section 4.4.2).
    MetadataChanged {
        mailbox: MailboxName,
        entries: Vec<String>,
    },
    /// `* ACL` (RFC 4314).
    Acl {
        mailbox: MailboxName,
        entries: Vec<AclEntry>,
    },
    /// `* MYRIGHTS` (RFC 4314).
    MyRights {
        mailbox: MailboxName,
        rights: Rights,
    },
    /// `* LISTRIGHTS` (RFC 4314).
    ListRights(ListRights),
    /// `* ID` (RFC 2971).
    Id(IdInfo),
    /// `* ENABLED` (RFC 5161).
    Enabled(Vec<String>),
    /// A response imap-proto understood that this crate does not type yet.
    Other,
}

/// The tag of a tagged response, if the frame has one.
pub(crate) fn tag_of(frame: &[u8]) -> Option<&[u8]> {
    match frame.first() {
        None | Some(b'*') | Some(b'+') => None,
        Some(_) => {
            let end = frame
                .iter()
                .position(|&b| b == b' ' || b == b'\r' || b == b'\n')?;
            Some(&frame[..end])
        }
    }
}

/// Strips the final line end.
fn chomp(frame: &[u8]) -> &[u8] {
    let f = frame.strip_suffix(b"\n").unwrap_or(frame);
    f.strip_suffix(b"\r").unwrap_or(f)
}

/// Splits off the first space-separated word (extra spaces tolerated).
fn word(s: &[u8]) -> (&[u8], &[u8]) {
    let s = trim_start(s);
    match s.iter().position(|&b| b == b' ') {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, &[]),
    }
}

fn trim_start(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&b| b == b' ').count();
    &s[n..]
}

fn number(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 10 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

fn number64(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 20 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// Parses one frame.
pub(crate) fn parse_frame(frame: &[u8]) -> Result<Parsed, String> {
    let line = chomp(frame);
    if let Some(rest) = line.strip_prefix(b"+") {
        let rest = rest.strip_prefix(b" ").unwrap_or(rest);
        return Ok(Parsed::Continue(rest.to_vec()));
    }
    if let Some(rest) = line.strip_prefix(b"* ") {
        return parse_untagged(frame, rest).map(Parsed::Untagged);
    }
    let tag = tag_of(frame).ok_or("not a tagged, untagged or continuation response")?;
    let (status, mut rest) = word(&line[tag.len()..]);
    let mut status = StatusKind::parse(status);
    if status.is_none() {
        // `A1 OK[READ-ONLY] done`: one reading (see `deviations`).
        if let Some((kind, text)) = deviations::glued_status(trim_start(&line[tag.len()..])) {
            status = Some(kind);
            rest = text;
        }
    }
    let status = status
        .filter(|s| matches!(s, StatusKind::Ok | StatusKind::No | StatusKind::Bad))
        .ok_or("tagged response without OK, NO or BAD")?;
    Ok(Parsed::Tagged {
        tag: String::from_utf8_lossy(tag).into_owned(),
        status,
        text: resp_text(rest),
    })
}

/// Linear: a fixed number of words is split off the front (each `word` / `trim_start` one
/// pass over what it returns), then exactly one parser runs over the rest of the frame.
fn parse_untagged(frame: &[u8], rest: &[u8]) -> Result<Response, String> {
    let trimmed = trim_start(rest);
    if trimmed.first() == Some(&b'[') {
        // `* [ALERT] text`: a response code without its status word (no response starts
        // with `[`). Taken as an untagged OK, so an alert still reaches the caller.
        return Ok(Response::Status {
            kind: StatusKind::Ok,
            text: resp_text(trimmed),
        });
    }
    let (first, after) = word(rest);
    if let Some(kind) = StatusKind::parse(first) {
        return Ok(Response::Status {
            kind,
            text: resp_text(after),
        });
    }
    // `* OK[ALERT] text`: one reading (see `deviations`).
    if let Some((kind, text)) = deviations::glued_status(trimmed) {
        return Ok(Response::Status {
            kind,
            text: resp_text(text),
        });
    }
    let upper = first.to_ascii_uppercase();
    let mut c = Cursor::new(after);
    match upper.as_slice() {
        b"CAPABILITY" => return Ok(Response::Capability(capability_list(after))),
        b"LIST" | b"LSUB" => {
            // A name with spaces left unquoted: one reading (see `deviations`).
            let fixed = deviations::list_unquoted_name(after);
            let mut c = fixed.as_deref().map_or(c, Cursor::new);
            let (name, extra) = mailbox::list_extended(&mut c)?;
            return Ok(Response::List {
                lsub: upper == b"LSUB",
                name,
                extra,
            });
        }
        b"STATUS" => {
            // A name with spaces left unquoted: one reading (see `deviations`).
            let fixed = deviations::status_unquoted_name(after);
            let mut c = fixed.as_deref().map_or(c, Cursor::new);
            return mailbox::status(&mut c).map(Response::MailboxStatus);
        }
        b"NAMESPACE" => return mailbox::namespace(&mut c).map(Response::Namespace),
        b"SEARCH" => {
            let (nums, modseq) = mailbox::search(&mut c)?;
            return Ok(Response::Search { nums, modseq });
        }
        b"ESEARCH" => {
            let (tag, result) = search_ext::parse_esearch(&mut c)?;
            return Ok(Response::ESearch { tag, result });
        }
        b"SORT" => {
            let (nums, modseq) = mailbox::search(&mut c)?;
            return Ok(Response::Sort { nums, modseq });
        }
        b"THREAD" => return search_ext::parse_thread(&mut c).map(Response::Thread),
        b"QUOTA" => return quota::parse_quota(&mut c).map(Response::Quota),
        b"QUOTAROOT" => {
            let (mailbox, roots) = quota::parse_quotaroot(&mut c)?;
            return Ok(Response::QuotaRoot { mailbox, roots });
        }
        b"METADATA" => {
            return metadata::parse_metadata(&mut c).map(|m| match m {
                MetadataResponse::Values(m) => Response::Metadata(m),
                MetadataResponse::Changed { mailbox, entries } => {
                    Response::MetadataChanged { mailbox, entries }
                }
            })
        }
        b"ACL" => {
            let (mailbox, entries) = acl::parse_acl(&mut c)?;
            return Ok(Response::Acl { mailbox, entries });
        }
        b"MYRIGHTS" => {
            let (mailbox, rights) = acl::parse_myrights(&mut c)?;
            return Ok(Response::MyRights { mailbox, rights });
        }
        b"LISTRIGHTS" => return acl::parse_listrights(&mut c).map(Response::ListRights),
        b"ID" => return id::parse_id(&mut c).map(Response::Id),
        b"ENABLED" => return id::parse_enabled(&mut c).map(Response::Enabled),
        // Gmail's pre-RFC 6154 XLIST has LIST's grammar (its extra attributes, `\Inbox`,
        // `\AllMail`, `\Spam`, `\Starred`, stay as they are).
        b"XLIST" => {
            let fixed = deviations::list_unquoted_name(after);
            let mut c = fixed.as_deref().map_or(c, Cursor::new);
            let (name, extra) = mailbox::list_extended(&mut c)?;
            return Ok(Response::List {
                lsub: false,
                name,
                extra,
            });
        }
        // `* FLAGS (\Seen \Answered` with the `)` missing: one reading (see `deviations`).
        b"FLAGS" => {
            if let Some(words) = deviations::flags_unclosed(after) {
                return Ok(Response::Flags(
                    words
                        .into_iter()
                        .map(|w| Flag::parse(&String::from_utf8_lossy(w)))
                        .collect(),
                ));
            }
        }
        kind if UNTYPED.contains(&kind) => return Ok(Response::Other),
        _ => {}
    }
    if let Some(n) = number(first) {
        let (keyword, tail) = word(after);
        let simple = trim_start(tail).is_empty();
        // `* 3 EXISTS.`: one reading (see `deviations`).
        let keyword = match simple.then(|| deviations::counter_with_stray_suffix(keyword)) {
            Some(Some(k)) => k,
            _ => keyword,
        };
        if simple && keyword.eq_ignore_ascii_case(b"EXISTS") {
            return Ok(Response::Exists(n));
        }
        if simple && keyword.eq_ignore_ascii_case(b"RECENT") {
            return Ok(Response::Recent(n));
        }
        if simple && keyword.eq_ignore_ascii_case(b"EXPUNGE") {
            return if n == 0 {
                Err("EXPUNGE of message 0".into())
            } else {
                Ok(Response::Expunge(n))
            };
        }
        // `FETCH (` or, from a sloppy server, `FETCH(`.
        let is_fetch = keyword
            .get(..5)
            .is_some_and(|k| k.eq_ignore_ascii_case(b"FETCH"))
            && matches!(keyword.get(5), None | Some(b'('));
        if is_fetch {
            return fetch::parse(frame).map(Response::Fetch);
        }
    }
    proto(frame)
}

/// Untagged responses of extensions this crate recognises but does not type yet. The framer
/// has already cut the frame whole, so each is kept as it came (`Response::Other`) without
/// a parse that could only fail on the many shapes they take.
const UNTYPED: &[&[u8]] = &[b"ANNOTATION", b"COMPARATOR", b"CONVERTED", b"LANGUAGE"];

/// Everything imap-proto parses for us: reached once per frame, only for responses none of
/// our parsers claims, on a frame bounded by `max_response_size` and never nested deeper than
/// `max_nesting` (the caller refuses a `too_deep` frame before any parsing).
fn proto(frame: &[u8]) -> Result<Response, String> {
    let (_rest, resp) = ProtoResponse::parse(frame).map_err(|e| match e {
        nom::Err::Incomplete(_) => "response ended early".to_string(),
        nom::Err::Error(e) | nom::Err::Failure(e) => {
            format!("unexpected input at byte {}", frame.len() - e.input.len())
        }
    })?;
    Ok(match resp {
        ProtoResponse::Expunge(n) => Response::Expunge(n),
        ProtoResponse::Vanished { earlier, uids } => Response::Vanished {
            earlier,
            uids: uids.into_iter().collect(),
        },
        ProtoResponse::MailboxData(MailboxDatum::Exists(n)) => Response::Exists(n),
        ProtoResponse::MailboxData(MailboxDatum::Recent(n)) => Response::Recent(n),
        ProtoResponse::MailboxData(MailboxDatum::Flags(flags)) => {
            Response::Flags(flags.iter().map(|f| Flag::parse(f)).collect())
        }
        _ => Response::Other,
    })
}

/// The space-separated words of a CAPABILITY list.
fn capability_list(s: &[u8]) -> Capabilities {
    Capabilities::from_names(
        s.split(|&b| b == b' ')
            .filter(|w| !w.is_empty())
            .map(|w| String::from_utf8_lossy(w).into_owned())
            .collect(),
    )
}

/// `["[" resp-text-code "]" SP] text`, leniently: it never fails. Linear: one scan for the
/// `]`, then each argument parser of [`response_code`] is one pass over the code's text.
pub(crate) fn resp_text(s: &[u8]) -> ServerText {
    let s = trim_start(s);
    if let Some(inner) = s.strip_prefix(b"[") {
        if let Some(close) = inner.iter().position(|&b| b == b']') {
            let code = response_code(&inner[..close]);
            let text = trim_start(&inner[close + 1..]);
            return ServerText {
                code: Some(code),
                text: String::from_utf8_lossy(text).into_owned(),
                extra: None,
            };
        }
    }
    ServerText {
        code: None,
        text: String::from_utf8_lossy(s).into_owned(),
        extra: None,
    }
}

/// One response code, from the bytes between its brackets. Names are matched without regard
/// to case; a known code whose arguments do not parse is kept as `Other`, so one odd code
/// costs only itself. Linear: each argument parser is one pass over the code's text.
fn response_code(s: &[u8]) -> ResponseCode {
    let (name, args) = match s.iter().position(|&b| b == b' ') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let upper = String::from_utf8_lossy(name).to_ascii_uppercase();
    let argstr = args.map(|a| String::from_utf8_lossy(a).into_owned());
    let a = args.unwrap_or(b"");
    // Codes without arguments first; any arguments a server adds to them are dropped.
    let known = ResponseCode::bare(&upper).or_else(|| match upper.as_str() {
        "CAPABILITY" => Some(ResponseCode::Capability(capability_list(a))),
        "BADCHARSET" => Some(ResponseCode::BadCharset(paren_words(a))),
        "PERMANENTFLAGS" => Some(ResponseCode::PermanentFlags(
            paren_words(a).iter().map(|f| Flag::parse(f)).collect(),
        )),
        "UIDNEXT" => number(trim_start(a)).map(|n| ResponseCode::UidNext(Uid(n))),
        "UIDVALIDITY" => number(trim_start(a)).map(ResponseCode::UidValidity),
        "UNSEEN" => number(trim_start(a)).map(|n| ResponseCode::Unseen(Seq(n))),
        "HIGHESTMODSEQ" => number64(trim_start(a)).map(ResponseCode::HighestModSeq),
        "MODIFIED" => sequence_set(trim_start(a)).map(ResponseCode::Modified),
        "DOWNGRADED" => sequence_set(trim_end(trim_start(a))).map(ResponseCode::Downgraded),
        "APPENDUID" => {
            let (v, rest) = word(a);
            match (number(v), sequence_set(trim_start(rest))) {
                (Some(uid_validity), Some(uids)) => {
                    Some(ResponseCode::AppendUid { uid_validity, uids })
                }
                _ => None,
            }
        }
        "COPYUID" => {
            let (v, rest) = word(a);
            let (src, rest) = word(rest);
            let (dst, _) = word(rest);
            match (number(v), sequence_set(src), sequence_set(dst)) {
                (Some(uid_validity), Some(source), Some(destination)) => {
                    Some(ResponseCode::CopyUid {
                        uid_validity,
                        source,
                        destination,
                    })
                }
                _ => None,
            }
        }
        "BADURL" => Some(trim_end(trim_start(a)))
            .filter(|u| !u.is_empty())
            .map(|u| ResponseCode::BadUrl(String::from_utf8_lossy(u).into_owned())),
        "REFERRAL" => {
            let urls = paren_words(a);
            (!urls.is_empty()).then_some(ResponseCode::Referral(urls))
        }
        "MAILBOXID" => mailbox_id(a).map(ResponseCode::MailboxId),
        "NOUPDATE" => no_update(a).map(ResponseCode::NoUpdate),
        "INPROGRESS" => in_progress(a),
        "METADATA" => metadata_code(a),
        _ => None,
    });
    known.unwrap_or(ResponseCode::Other {
        name: upper,
        args: argstr,
    })
}

fn trim_end(s: &[u8]) -> &[u8] {
    let n = s.iter().rev().take_while(|&&b| b == b' ').count();
    &s[..s.len() - n]
}

/// `(objectid)` (RFC 8474; the parentheses leniently optional): 1 to 255 letters, digits,
/// `_` and `-`.
fn mailbox_id(a: &[u8]) -> Option<String> {
    let a = trim_end(trim_start(a));
    let id = match a.strip_prefix(b"(") {
        Some(inner) => inner.strip_suffix(b")")?,
        None => a,
    };
    let ok = (1..=255).contains(&id.len())
        && id
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    ok.then(|| String::from_utf8_lossy(id).into_owned())
}

/// `"tag"` (RFC 5267 says a quoted string; an atom is taken too), and nothing after it.
fn no_update(a: &[u8]) -> Option<String> {
    let mut c = Cursor::new(a);
    let tag = c.astring().ok()?;
    c.spaces();
    c.peek()
        .is_none()
        .then(|| String::from_utf8_lossy(&tag).into_owned())
}

/// `INPROGRESS` arguments (RFC 9585): nothing, or `(tag done total)`, each of them `NIL` or a
/// quoted string / number.
fn in_progress(a: &[u8]) -> Option<ResponseCode> {
    let mut c = Cursor::new(a);
    c.spaces();
    if c.peek().is_none() {
        return Some(ResponseCode::InProgress {
            tag: None,
            done: None,
            total: None,
        });
    }
    fn count(c: &mut Cursor<'_>) -> Result<Option<u32>, String> {
        let at = c.clone();
        if c.keyword("NIL").is_ok() {
            return Ok(None);
        }
        *c = at;
        c.number().map(Some)
    }
    c.expect(b'(').ok()?;
    let tag = c
        .nstring()
        .ok()?
        .map(|t| String::from_utf8_lossy(&t).into_owned());
    let done = count(&mut c).ok()?;
    let total = count(&mut c).ok()?;
    c.expect(b')').ok()?;
    c.spaces();
    c.peek()
        .is_none()
        .then_some(ResponseCode::InProgress { tag, done, total })
}

/// `METADATA` arguments (RFC 5464): `LONGENTRIES n`, `MAXSIZE n`, `TOOMANY`, `NOPRIVATE`.
fn metadata_code(a: &[u8]) -> Option<ResponseCode> {
    let (key, rest) = word(a);
    let (n, after) = word(rest);
    let key = key.to_ascii_uppercase();
    let alone = trim_start(rest).is_empty();
    let with_number = trim_start(after).is_empty();
    match key.as_slice() {
        b"LONGENTRIES" if with_number => number64(n).map(ResponseCode::MetadataLongEntries),
        b"MAXSIZE" if with_number => number64(n).map(ResponseCode::MetadataMaxSize),
        b"TOOMANY" if alone => Some(ResponseCode::MetadataTooMany),
        b"NOPRIVATE" if alone => Some(ResponseCode::MetadataNoPrivate),
        _ => None,
    }
}

/// `(a b c)` or `a b c` to words.
fn paren_words(s: &[u8]) -> Vec<String> {
    let s = trim_start(s);
    let s = s.strip_prefix(b"(").unwrap_or(s);
    let s = s.strip_suffix(b")").unwrap_or(s);
    s.split(|&b| b == b' ')
        .filter(|w| !w.is_empty())
        .map(|w| String::from_utf8_lossy(w).into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn untagged(s: &str) -> Response {
        match parse_frame(s.as_bytes()) {
            Ok(Parsed::Untagged(r)) => r,
            other => panic!("{s:?} gave {other:?}"),
        }
    }

    #[test]
    fn tagged_completions() {
        let p = parse_frame(b"A0001 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n").unwrap();
        let Parsed::Tagged { tag, status, text } = p else {
            panic!("{p:?}")
        };
        assert_eq!(tag, "A0001");
        assert_eq!(status, StatusKind::No);
        assert_eq!(text.text, "Authentication failed.");
        assert_eq!(text.code, Some(ResponseCode::AuthenticationFailed));
        // Lowercase status, no text at all.
        let p = parse_frame(b"a2 ok\r\n").unwrap();
        assert!(matches!(
            p,
            Parsed::Tagged {
                status: StatusKind::Ok,
                ..
            }
        ));
        assert!(parse_frame(b"a3 MAYBE\r\n").is_err());
        assert_eq!(tag_of(b"a3 MAYBE\r\n"), Some(&b"a3"[..]));
    }

    #[test]
    fn codes_with_arguments() {
        let t = resp_text(b"[COPYUID 38505 304,319:320 3956:3958] Done");
        assert_eq!(
            t.code,
            Some(ResponseCode::CopyUid {
                uid_validity: 38505,
                source: SequenceSet::from([304, 319, 320]),
                destination: SequenceSet::from(3956..=3958),
            })
        );
        let t = resp_text(b"[PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited");
        assert_eq!(
            t.code,
            Some(ResponseCode::PermanentFlags(vec![
                Flag::Deleted,
                Flag::Seen,
                Flag::MayCreate
            ]))
        );
        let t = resp_text(b"[HIGHESTMODSEQ 18446744073709551615] Highest");
        assert_eq!(t.code, Some(ResponseCode::HighestModSeq(u64::MAX)));
        // An empty COPYUID set is kept as an unknown code, not an error.
        let t = resp_text(b"[COPYUID 1  ] x");
        assert!(matches!(t.code, Some(ResponseCode::Other { ref name, .. }) if name == "COPYUID"));
        // No closing bracket: all text.
        let t = resp_text(b"[ALERT oops");
        assert_eq!(t.code, None);
        assert_eq!(t.text, "[ALERT oops");
    }

    /// The code of `[code] text`.
    fn code(s: &str) -> ResponseCode {
        resp_text(format!("[{s}] text").as_bytes())
            .code
            .unwrap_or_else(|| panic!("no code in {s:?}"))
    }

    #[test]
    fn rfc5530_and_registry_codes_without_arguments() {
        use ResponseCode as C;
        for (wire, want) in [
            ("AUTHENTICATIONFAILED", C::AuthenticationFailed),
            ("AUTHORIZATIONFAILED", C::AuthorizationFailed),
            ("UNAVAILABLE", C::Unavailable),
            ("EXPIRED", C::Expired),
            ("PRIVACYREQUIRED", C::PrivacyRequired),
            ("CONTACTADMIN", C::ContactAdmin),
            ("NOPERM", C::NoPerm),
            ("INUSE", C::InUse),
            ("EXPUNGEISSUED", C::ExpungeIssued),
            ("CORRUPTION", C::Corruption),
            ("SERVERBUG", C::ServerBug),
            ("CLIENTBUG", C::ClientBug),
            ("CANNOT", C::Cannot),
            ("LIMIT", C::Limit),
            ("OVERQUOTA", C::OverQuota),
            ("ALREADYEXISTS", C::AlreadyExists),
            ("NONEXISTENT", C::NonExistent),
            ("CLOSED", C::Closed),
            ("HASCHILDREN", C::HasChildren),
            ("NOTSAVED", C::NotSaved),
            ("UNKNOWN-CTE", C::UnknownCte),
            ("TOOBIG", C::TooBig),
            ("USEATTR", C::UseAttr),
            ("BADCOMPARATOR", C::BadComparator),
            ("COMPRESSIONACTIVE", C::CompressionActive),
            ("NOTIFICATIONOVERFLOW", C::NotificationOverflow),
            ("UIDREQUIRED", C::UidRequired),
        ] {
            assert_eq!(code(wire), want, "{wire}");
            assert_eq!(code(&wire.to_ascii_lowercase()), want, "{wire}");
            // Arguments nobody defined are dropped; the code still counts.
            assert_eq!(code(&format!("{wire} extra words")), want, "{wire}");
            assert_eq!(want.name(), wire);
            assert_eq!(want.to_string(), wire);
        }
    }

    #[test]
    fn registry_codes_with_arguments() {
        use ResponseCode as C;
        for (wire, want) in [
            (
                "MAILBOXID (F2212ea87-6097-4256)",
                C::MailboxId("F2212ea87-6097-4256".into()),
            ),
            ("NOUPDATE \"B02\"", C::NoUpdate("B02".into())),
            (
                "BADURL imap://x/INBOX;UID=20",
                C::BadUrl("imap://x/INBOX;UID=20".into()),
            ),
            (
                "DOWNGRADED 4,7:9",
                C::Downgraded(SequenceSet::from([4, 7, 8, 9])),
            ),
            (
                "REFERRAL imap://a/ imap://b/",
                C::Referral(vec!["imap://a/".into(), "imap://b/".into()]),
            ),
            (
                "INPROGRESS (\"A1\" 175 1000)",
                C::InProgress {
                    tag: Some("A1".into()),
                    done: Some(175),
                    total: Some(1000),
                },
            ),
            (
                "INPROGRESS (NIL 5 NIL)",
                C::InProgress {
                    tag: None,
                    done: Some(5),
                    total: None,
                },
            ),
            (
                "INPROGRESS",
                C::InProgress {
                    tag: None,
                    done: None,
                    total: None,
                },
            ),
            ("METADATA LONGENTRIES 2199", C::MetadataLongEntries(2199)),
            ("METADATA MAXSIZE 10", C::MetadataMaxSize(10)),
            ("METADATA TOOMANY", C::MetadataTooMany),
            ("METADATA NOPRIVATE", C::MetadataNoPrivate),
        ] {
            assert_eq!(code(wire), want, "{wire}");
            // Names and keywords in any case (arguments keep theirs).
            let (name, args) = wire.split_once(' ').unwrap_or((wire, ""));
            let lower = format!("{} {args}", name.to_ascii_lowercase());
            let lower = lower
                .replace("LONGENTRIES", "longentries")
                .replace("TOOMANY", "tooMany");
            assert_eq!(code(lower.trim_end()), want, "{lower}");
            // Written back as it came.
            assert_eq!(want.to_string(), wire);
            assert_eq!(want.name(), name);
        }
        let nil = C::InProgress {
            tag: None,
            done: None,
            total: None,
        };
        assert_eq!(code("INPROGRESS (NIL NIL NIL)"), nil);
        assert_eq!(
            C::InProgress {
                tag: Some("a\"b".into()),
                done: None,
                total: Some(3)
            }
            .to_string(),
            "INPROGRESS (\"a\\\"b\" NIL 3)"
        );
    }

    #[test]
    fn codes_whose_arguments_do_not_parse_stay_other() {
        for (wire, name, args) in [
            ("MAILBOXID", "MAILBOXID", None),
            ("MAILBOXID (a b)", "MAILBOXID", Some("(a b)")),
            ("mailboxid (bad!id)", "MAILBOXID", Some("(bad!id)")),
            ("NOUPDATE", "NOUPDATE", None),
            ("NOUPDATE \"a\" b", "NOUPDATE", Some("\"a\" b")),
            ("BADURL", "BADURL", None),
            ("REFERRAL", "REFERRAL", None),
            ("DOWNGRADED x", "DOWNGRADED", Some("x")),
            ("INPROGRESS (\"t\" 1)", "INPROGRESS", Some("(\"t\" 1)")),
            (
                "InProgress (\"t\" -1 2)",
                "INPROGRESS",
                Some("(\"t\" -1 2)"),
            ),
            (
                "INPROGRESS (\"t\" 1 2) x",
                "INPROGRESS",
                Some("(\"t\" 1 2) x"),
            ),
            ("METADATA", "METADATA", None),
            ("METADATA MAXSIZE", "METADATA", Some("MAXSIZE")),
            ("METADATA MAXSIZE ten", "METADATA", Some("MAXSIZE ten")),
            ("METADATA TOOMANY 3", "METADATA", Some("TOOMANY 3")),
            ("metadata SOMETHING", "METADATA", Some("SOMETHING")),
            ("UIDNEXT x", "UIDNEXT", Some("x")),
            ("URLMECH INTERNAL", "URLMECH", Some("INTERNAL")),
        ] {
            let got = code(wire);
            assert_eq!(
                got,
                ResponseCode::Other {
                    name: name.into(),
                    args: args.map(String::from)
                },
                "{wire}"
            );
            assert_eq!(got.name(), name);
        }
        // The other codes around it are unaffected: each code is read on its own.
        assert_eq!(code("closed"), ResponseCode::Closed);
    }

    #[test]
    fn codes_display_as_sent() {
        for wire in [
            "ALERT",
            "COPYUID 38505 304,319:320 3956:3958",
            "APPENDUID 7 10:11",
            "PERMANENTFLAGS (\\Deleted \\Seen \\*)",
            "BADCHARSET (UTF-8 US-ASCII)",
            "CAPABILITY IMAP4rev1 IDLE",
            "UIDNEXT 7",
            "UIDVALIDITY 3857529045",
            "UNSEEN 12",
            "HIGHESTMODSEQ 715194045007",
            "MODIFIED 7,9",
            "READ-ONLY",
            "X-UNKNOWN foo bar",
            "XYZ",
        ] {
            assert_eq!(code(wire).to_string(), wire);
        }
    }

    #[test]
    fn counters_are_lenient() {
        assert_eq!(untagged("* 23 EXISTS\r\n"), Response::Exists(23));
        assert_eq!(untagged("*  1843 exists\r\n"), Response::Exists(1843));
        assert_eq!(untagged("* 5 RECENT \r\n"), Response::Recent(5));
        assert_eq!(untagged("* 44 EXPUNGE\r\n"), Response::Expunge(44));
        assert!(parse_frame(b"* 0 EXPUNGE\r\n").is_err());
    }

    #[test]
    fn code_without_status_word_is_an_ok() {
        assert_eq!(
            untagged("* [ALERT] Mailbox almost full\r\n"),
            Response::Status {
                kind: StatusKind::Ok,
                text: ServerText {
                    code: Some(ResponseCode::Alert),
                    text: "Mailbox almost full".into(),
                    extra: None,
                }
            }
        );
        let Response::Status { kind, text } = untagged("*  [UIDNEXT 7]\r\n") else {
            panic!()
        };
        assert_eq!(
            (kind, text.code, text.text.as_str()),
            (StatusKind::Ok, Some(ResponseCode::UidNext(Uid(7))), "")
        );
        // An unclosed bracket: all text, still no error.
        let Response::Status { text, .. } = untagged("* [ALERT oops\r\n") else {
            panic!()
        };
        assert_eq!((text.code, text.text.as_str()), (None, "[ALERT oops"));
    }

    #[test]
    fn extension_responses_are_kept_untyped() {
        for frame in [
            "* LANGUAGE (EN DE IT i-default)\r\n",
            "* COMPARATOR i;unicode-casemap\r\n",
        ] {
            assert_eq!(untagged(frame), Response::Other, "{frame}");
        }
        let Response::List { lsub, name, .. } =
            untagged("* XLIST (\\HasNoChildren \\Inbox) \"/\" \"Inbox\"\r\n")
        else {
            panic!()
        };
        assert!(!lsub);
        assert!(name.name().is_inbox() && name.delimiter() == Some('/'));
        assert!(parse_frame(b"* XLIST (\\HasNoChildren \"/\" x\r\n").is_err());
    }

    #[test]
    fn esearch_sort_and_thread_are_typed() {
        let Response::ESearch { tag, result } =
            untagged("* ESEARCH (TAG \"A1\") UID PARTIAL (-1:-10 5:14)\r\n")
        else {
            panic!()
        };
        assert_eq!((tag.as_deref(), result.uid), (Some("A1"), true));
        let Response::ESearch { tag, result } = untagged("* esearch (tag \"A1\") UID ALL 1:3\r\n")
        else {
            panic!()
        };
        assert_eq!(
            (tag.as_deref(), result.all.to_string()),
            (Some("A1"), "1:3".into())
        );
        let Response::Thread(t) = untagged("* THREAD (1 (2 (3 5)(6))(4))(7)\r\n") else {
            panic!()
        };
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].iter().count(), 6);
        assert_eq!(untagged("* THREAD\r\n"), Response::Thread(vec![]));
        assert_eq!(
            untagged("* sort 2 1 (MODSEQ 5)\r\n"),
            Response::Sort {
                nums: vec![2, 1],
                modseq: Some(5)
            }
        );
        assert!(parse_frame(b"* THREAD (1 (2)\r\n").is_err());
        assert!(parse_frame(b"* SORT 1 x\r\n").is_err());
    }

    #[test]
    fn admin_extension_responses_are_typed() {
        let Response::Quota(q) = untagged("* QUOTA \"\" (STORAGE 10 18446744073709551615)\r\n")
        else {
            panic!()
        };
        assert_eq!(q.resources()[0].limit(), u64::MAX);
        assert!(matches!(
            untagged("* QUOTAROOT INBOX \"\"\r\n"),
            Response::QuotaRoot { roots, .. } if roots == [b""]
        ));
        let Response::Metadata(m) =
            untagged("* METADATA INBOX (/private/comment \"this is a comment\")\r\n")
        else {
            panic!()
        };
        assert_eq!(m.get("/private/comment"), Some(&b"this is a comment"[..]));
        assert!(matches!(
            untagged("* METADATA \"\" /shared/comment\r\n"),
            Response::MetadataChanged { entries, .. } if entries == ["/shared/comment"]
        ));
        assert!(matches!(untagged("* ID NIL\r\n"), Response::Id(i) if i.is_empty()));
        assert_eq!(
            untagged("* ENABLED QRESYNC\r\n"),
            Response::Enabled(vec!["QRESYNC".into()])
        );
        assert!(matches!(
            untagged("* MYRIGHTS INBOX rwiptsldaex\r\n"),
            Response::MyRights { rights, .. } if rights.as_str() == "rwiptsldaex"
        ));
        assert!(matches!(
            untagged("* ACL INBOX Fred rwipsldexta\r\n"),
            Response::Acl { entries, .. } if entries.len() == 1
        ));
        assert!(matches!(
            untagged("* LISTRIGHTS INBOX anyone \"\" l r\r\n"),
            Response::ListRights(l) if l.optional().len() == 2
        ));
        assert!(parse_frame(b"* QUOTA \"\" (STORAGE 1)\r\n").is_err());
        assert!(parse_frame(b"* ID (\"name\")\r\n").is_err());
    }

    #[test]
    fn untagged_status_and_capability() {
        let r = untagged("* OK [ALERT] System shutdown in 10 minutes\r\n");
        assert_eq!(
            r,
            Response::Status {
                kind: StatusKind::Ok,
                text: ServerText {
                    code: Some(ResponseCode::Alert),
                    text: "System shutdown in 10 minutes".into(),
                    extra: None,
                }
            }
        );
        let Response::Capability(c) = untagged("* CAPABILITY IMAP4rev1 IDLE  AUTH=PLAIN\r\n")
        else {
            panic!()
        };
        assert!(c.has("idle") && c.has_auth("PLAIN"));
        assert_eq!(c.iter().count(), 3);
    }

    #[test]
    fn fetch_is_routed_to_our_parser() {
        let r = untagged("* 12 FETCH (FLAGS (\\Seen $Junk) UID 99 RFC822.SIZE 44 BODY[HEADER.FIELDS (MESSAGE-ID)] {5}\r\nabcde)\r\n");
        let Response::Fetch(f) = r else { panic!() };
        assert_eq!(f.seq(), Seq(12));
        assert_eq!(f.uid(), Some(Uid(99)));
        assert_eq!(f.size(), Some(44));
        assert_eq!(
            f.flags(),
            Some(&[Flag::Seen, Flag::Keyword("$Junk".into())][..])
        );
        assert_eq!(f.header(), Some(&b"abcde"[..]));
        let Response::Fetch(f) = untagged("* 1 FETCH (BODY[] {3}\r\nxyz BODY[1.2] NIL)\r\n") else {
            panic!()
        };
        assert_eq!(f.body(), Some(&b"xyz"[..]));
        assert_eq!(f.part(&[1, 2]), None);
    }

    #[test]
    fn vanished_and_flags() {
        assert_eq!(
            untagged("* VANISHED (EARLIER) 41,43:116\r\n"),
            Response::Vanished {
                earlier: true,
                uids: [41..=41, 43..=116].into_iter().collect()
            }
        );
        assert_eq!(
            untagged("* FLAGS (\\Answered \\Flagged)\r\n"),
            Response::Flags(vec![Flag::Answered, Flag::Flagged])
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for junk in [
            &b"* 1 FETCH (UID\r\n"[..],
            b"*\r\n",
            b"* \r\n",
            b"\r\n",
            b"* 1 FETCH (FLAGS (\\Seen) {3}\r\nab",
            b"* 4294967296 EXISTS\r\n",
        ] {
            let _ = parse_frame(junk);
        }
        assert!(parse_frame(b"* 1 FETCH (UID\r\n").is_err());
        assert!(parse_frame(b"\r\n").is_err());
    }

    #[test]
    fn continuation() {
        assert_eq!(
            parse_frame(b"+ Ready\r\n").unwrap(),
            Parsed::Continue(b"Ready".to_vec())
        );
        assert_eq!(parse_frame(b"+\r\n").unwrap(), Parsed::Continue(vec![]));
    }
}
