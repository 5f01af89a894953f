//! A synchronous, blocking IMAP client: one [`Session`] on one thread, no channels, no
//! background readers, and so no way for an undrained queue to hang it.
//!
//! # Quick start
//!
//! ```no_run
//! use blocking_imap::ClientBuilder;
//!
//! let client = ClientBuilder::new("imap.example.com", 993).connect()?;
//! let mut session = client.login("me@example.com", "password")?;
//! session.noop()?;
//! for item in session.unsolicited() {
//!     println!("server said: {item:?}");
//! }
//! session.logout()?;
//! # Ok::<(), blocking_imap::Error>(())
//! ```
//!
//! # How a command runs
//!
//! Each command writes its request and reads until its own tagged completion. Untagged
//! responses it asked for become its result; everything else (EXISTS, EXPUNGE, flag changes,
//! ALERTs, BYE) updates [`Session::mailbox`] and waits in [`Session::unsolicited`] until the
//! caller reads it, whenever that is. The queue never blocks anything.
//!
//! # Security
//!
//! [`ClientBuilder`] uses implicit TLS by default and checks the certificate and host name.
//! [`Security::StartTls`] is never opportunistic: a server without STARTTLS, a refused
//! STARTTLS or a PREAUTH greeting is an error before any credential is sent, and everything
//! received before the TLS handshake is discarded.
//!
//! # Logging
//!
//! Through the `log` crate: commands and completions at DEBUG, wire bytes at TRACE. The
//! arguments of LOGIN and AUTHENTICATE, and every SASL exchange, are never logged at any level.
//!
//! # Limits and timeouts
//!
//! Every blocking call is bounded: 30 s to connect and 60 s for any read or write to make
//! progress by default. A server response larger than 64 MiB (configurable) is refused before
//! it is read into memory; responses nested deeper than 100 parentheses are skipped.
//! After an I/O error, a timeout, a BYE or an unreadable stream, the session reports
//! [`Session::is_broken`] and every later command fails with [`Error::Broken`].

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod auth;
mod client;
mod conn;
mod error;
mod extensions;
mod message;
mod session;
mod state;
mod stream;
mod transport;
mod types;
mod wire;

/// For the fuzz targets in `fuzz/`: not part of the API, no stability promised.
#[doc(hidden)]
pub mod __fuzz {
    /// Feeds `data` in reads cut at `splits` through the framer and the parser; returns the
    /// frames found.
    pub fn frames(data: &[u8], splits: &[usize]) -> Vec<Vec<u8>> {
        crate::wire::fuzz::frames(data, splits).0
    }

    /// Frames and parses `data` as one stream, in reads of up to 64 KiB, keeping nothing;
    /// returns (frames, frames that parsed). For the in-memory parse benchmark.
    pub fn parse_all(data: &[u8]) -> (usize, usize) {
        crate::wire::fuzz::parse_all(data)
    }
}

pub use auth::{Authenticator, OAuthBearer, Plain, XOAuth2};
pub use client::{
    Client, ClientBuilder, LoginError, Security, DEFAULT_CONNECT_TIMEOUT, DEFAULT_IO_TIMEOUT,
    DEFAULT_MAX_LINE, DEFAULT_MAX_NESTING, DEFAULT_MAX_RESPONSE_SIZE, DEFAULT_MAX_UNSOLICITED,
    DEFAULT_PIPELINE_DEPTH,
};
pub use error::{Error, RawBytes, Result, ServerText};
pub use extensions::acl::{AclEntry, ListRights, Rights};
pub use extensions::append::AppendMessage;
pub use extensions::condstore::Resync;
pub use extensions::id::IdInfo;
pub use extensions::idle::{
    Idle, IdleControl, IdleEnd, IdleHandle, DEFAULT_IDLE_KEEPALIVE, DEFAULT_POLL_INTERVAL,
};
pub use extensions::lists::{ListEntry, ListOptions};
pub use extensions::metadata::{Metadata, MetadataDepth, MetadataEntry, MetadataOptions};
pub use extensions::quota::{Quota, QuotaResource, QuotaRoots, QuotaUsage};
pub use extensions::search::{ReturnOption, SearchResult, SortKey, Thread, ThreadAlgorithm};
pub use session::Session;
pub use state::{Mailbox, Unsolicited};
pub use stream::FetchStream;
pub use transport::ReadWrite;
pub use types::{
    Address, AppendUid, BodyStructure, Capabilities, ContentDisposition, CopyUid, Envelope,
    Expunged, Fetch, FetchItems, Flag, MailboxName, MailboxStatus, Name, NameAttribute, Namespace,
    Namespaces, ResponseCode, Search, SearchDate, Section, Seq, SequenceSet, StatusItem,
    StatusKind, StoreAction, TransferEncoding, Uid, STAR,
};
