//! What a streaming FETCH hands to its sink: the body sections it does not keep in memory.

use crate::types::Seq;

/// A piece of a body section streamed by
/// [`Session::uid_fetch_streaming`](crate::Session::uid_fetch_streaming): each `BODY[...]` /
/// `BINARY[...]` value the server sends comes as one [`Begin`](Self::Begin), then its bytes
/// in [`Bytes`](Self::Bytes) pieces as they arrive (none for an empty section). The message's
/// other items (UID, FLAGS, INTERNALDATE...) come whole in the [`Fetch`](crate::Fetch) that
/// the stream yields after them, in which the streamed section is empty.
#[derive(Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Streamed<'a> {
    /// A section of message `seq` begins; `len` bytes follow.
    Begin {
        /// The message's sequence number.
        seq: Seq,
        /// How many bytes the section has (as the server announced it).
        len: u64,
        /// The item as the server named it, upper case: `BODY[]`, `BODY[2]<1000>`,
        /// `BINARY[1.2]`. A partial range the server honoured carries its `<origin>`; a
        /// server that ignored the range names the section without one and sends all of it.
        item: &'a str,
    },
    /// The next bytes of the section begun last.
    Bytes(&'a [u8]),
}
