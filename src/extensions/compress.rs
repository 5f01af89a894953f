//! COMPRESS=DEFLATE (RFC 4978): the rest of the session, both ways, in raw deflate.

use crate::error::{Error, Result};
use crate::session::Session;
use crate::wire::encode::Command;

impl Session {
    /// Compresses the rest of the session both ways with COMPRESS DEFLATE (RFC 4978):
    /// worth it for big fetches over slow links. Transparent to every later command.
    ///
    /// Errors: [`Error::MissingCapability`] without COMPRESS=DEFLATE; [`Error::No`] when the
    /// server refuses (e.g. already compressed).
    pub fn compress(&mut self) -> Result<()> {
        if !self.conn.capabilities()?.has("COMPRESS=DEFLATE") {
            return Err(Error::MissingCapability("COMPRESS=DEFLATE".into()));
        }
        if self.conn.stream.is_compressed() {
            return Err(Error::InvalidArgument(
                "the session is already compressed".into(),
            ));
        }
        let mut cmd = Command::new("COMPRESS");
        cmd.raw("DEFLATE");
        self.conn.simple(cmd)?;
        self.conn.start_compression();
        Ok(())
    }
}
