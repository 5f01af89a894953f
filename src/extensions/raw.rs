//! The escape hatch: any command, with typed arguments, and everything it produced.

use log::warn;

use crate::conn::FrameStep;
use crate::error::{Error, Result};
use crate::raw::{RawFrame, RawResponse};
use crate::session::Session;
use crate::state::unsolicited;
use crate::types::raw::RawCommand;
use crate::types::StatusKind;
use crate::wire::parse::Response;
use crate::wire::raw::encode;

impl Session {
    /// Sends a command this crate does not type — a vendor's `X...` command, an extension
    /// newer than the crate — and returns its tagged status with every untagged response it
    /// produced, so that no one has to fork the crate for one command.
    ///
    /// The name and arguments go through the same encoders as every typed command (see
    /// [`Arg`](crate::Arg)): strings are quoted or sent as literals, literals are
    /// synchronising unless the server offers LITERAL+ (or LITERAL- and they are small), and
    /// nothing a caller passes can put a CR or LF on the line outside a literal.
    ///
    /// Untagged responses come back in [`RawResponse::frames`], in order, each with its
    /// bytes and a typed view where the crate can read it. The usual routing still holds:
    /// every response updates [`mailbox`](Self::mailbox), and those that belong to the
    /// mailbox state or are status responses (EXISTS, RECENT, EXPUNGE, VANISHED, FETCH,
    /// FLAGS, `* OK` / `NO` / `BAD` / `BYE`) also go to [`unsolicited`](Self::unsolicited)
    /// as after any command ([`RawFrame::is_queued`]). What the frames hold is bounded like
    /// any command's result ([`ClientBuilder::max_result_size`](crate::ClientBuilder::max_result_size)).
    ///
    /// ```no_run
    /// # let mut session: blocking_imap::Session = todo!();
    /// use blocking_imap::{Arg, RawCommand};
    /// // GETMETADATA (RFC 5464) by hand: the typed `get_metadata` does the same.
    /// let r = session
    ///     .run(RawCommand::new("GETMETADATA").mailbox("INBOX").list([Arg::atom("/private/comment")]))?
    ///     .into_result()?;
    /// for frame in r.frames_named("METADATA") {
    ///     println!("{}", String::from_utf8_lossy(frame.bytes()));
    /// }
    /// # Ok::<(), blocking_imap::Error>(())
    /// ```
    ///
    /// Errors: a NO or BAD is not an error but the response's
    /// [`status`](RawResponse::status) ([`RawResponse::into_result`] turns it into one),
    /// except a NO or BAD in place of the `+` a synchronising literal waits for, which is
    /// [`Error::No`] / [`Error::Bad`] (the responses before it went to the unsolicited
    /// queue). [`Error::InvalidArgument`] before anything is sent when the name is not
    /// atoms, an argument cannot be sent safely, or the command changes what the session
    /// tracks of the connection (SELECT, EXAMINE, CLOSE, UNSELECT, LOGIN, AUTHENTICATE,
    /// LOGOUT, STARTTLS, COMPRESS, IDLE, ENABLE, UNAUTHENTICATE: use the typed methods).
    /// [`Error::LimitExceeded`] when the responses passed the result limit (the command
    /// was read to its end; the session goes on). [`Error::Protocol`] when the server asks
    /// for more input (`+`) after the command was sent: the connection is closed then, as
    /// the server would wait forever. A connection error as for any command.
    pub fn run(&mut self, cmd: RawCommand) -> Result<RawResponse> {
        let conn = &mut self.conn;
        let wire = {
            let adapt = |m| conn.adapt(m);
            encode(&cmd, &adapt)?
        };
        let tag = conn.send(wire)?;
        let limit = conn.opts.max_result_size;
        let mut collected = 0usize;
        let mut frames = Vec::new();
        loop {
            match conn.step_frame(&tag)? {
                FrameStep::Frame { raw, parsed } => {
                    let queued = parsed.as_ref().is_ok_and(belongs_to_state);
                    let (parsed, reason) = match parsed {
                        Ok(resp) => {
                            let view = unsolicited(resp.clone(), &raw);
                            if queued {
                                conn.queue_response(resp, Some(raw.clone()));
                            }
                            (Some(view), None)
                        }
                        Err(reason) => (None, Some(reason)),
                    };
                    if collected <= limit {
                        collected = collected.saturating_add(raw.len());
                        if collected > limit {
                            warn!(
                                "{}: responses exceed {limit} bytes; the rest is discarded",
                                cmd.name()
                            );
                            frames = Vec::new();
                        } else {
                            frames.push(RawFrame {
                                bytes: raw,
                                parsed,
                                queued,
                                reason,
                            });
                        }
                    }
                }
                FrameStep::Done(result) => {
                    if collected > limit {
                        return Err(Error::LimitExceeded {
                            what: format!("the result of {}", cmd.name()),
                            limit,
                        });
                    }
                    let (status, text) = match result {
                        Ok(text) => (StatusKind::Ok, text),
                        Err(Error::No(text)) => (StatusKind::No, text),
                        Err(Error::Bad(text)) => (StatusKind::Bad, text),
                        Err(e) => return Err(e),
                    };
                    return Ok(RawResponse {
                        status,
                        text,
                        frames,
                    });
                }
            }
        }
    }
}

/// Responses every command hands to the unsolicited queue: what changes the mailbox and
/// what the server says in passing.
fn belongs_to_state(r: &Response) -> bool {
    matches!(
        r,
        Response::Exists(_)
            | Response::Recent(_)
            | Response::Expunge(_)
            | Response::Vanished { .. }
            | Response::Fetch(_)
            | Response::Flags(_)
            | Response::Status { .. }
    )
}
