//! COMPRESS=DEFLATE (RFC 4978) on the wire: a stream that deflates what is written and
//! inflates what is read, over any stream (the session's, once COMPRESS succeeded; the
//! command itself is in `extensions/compress.rs`).

use std::io::{self, Read, Write};

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};

/// A stream that deflates what is written and inflates what is read.
pub(crate) struct Deflate<S> {
    pub(crate) inner: S,
    comp: Compress,
    decomp: Decompress,
    input: Vec<u8>,
    pos: usize,
    len: usize,
}

impl<S> Deflate<S> {
    /// `pending`: compressed bytes already read from `inner` (read-ahead past the OK).
    pub(crate) fn new(inner: S, pending: Vec<u8>) -> Deflate<S> {
        let len = pending.len();
        let mut input = pending;
        input.resize(len.max(64 * 1024), 0);
        Deflate {
            inner,
            comp: Compress::new(Compression::default(), false),
            decomp: Decompress::new(false),
            input,
            pos: 0,
            len,
        }
    }
}

fn corrupt(e: impl std::error::Error + Send + Sync + 'static) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

impl<S: Read> Read for Deflate<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        // Each turn consumes input (reading more from `inner` when it runs out) or returns,
        // and a turn that uses none fails: at most one turn per input byte, and output per
        // call is bounded by `buf` (what a frame may hold, by the framer). Input that
        // inflates to nothing (empty sync-flush blocks) returns `Interrupted` after each read
        // from `inner`, so that `Conn` sees its command deadline between reads and a server
        // cannot stretch a command with empty blocks.
        loop {
            if self.pos == self.len {
                let n = self.inner.read(&mut self.input)?;
                if n == 0 {
                    return Ok(0);
                }
                self.pos = 0;
                self.len = n;
            }
            let (in_before, out_before) = (self.decomp.total_in(), self.decomp.total_out());
            self.decomp
                .decompress(&self.input[self.pos..self.len], buf, FlushDecompress::None)
                .map_err(corrupt)?;
            let used = (self.decomp.total_in() - in_before) as usize;
            let made = (self.decomp.total_out() - out_before) as usize;
            self.pos += used;
            if made > 0 {
                return Ok(made);
            }
            if used == 0 && self.pos < self.len {
                return Err(corrupt(io::Error::other("deflate stream made no progress")));
            }
            if self.pos == self.len {
                // Only flush markers in what was read: give the caller a turn.
                return Err(io::ErrorKind::Interrupted.into());
            }
        }
    }
}

impl<S: Write> Write for Deflate<S> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let mut out = Vec::with_capacity(data.len() / 2 + 64);
        let mut used = 0;
        loop {
            let before = self.comp.total_in();
            self.comp
                .compress_vec(&data[used..], &mut out, FlushCompress::Sync)
                .map_err(corrupt)?;
            used += (self.comp.total_in() - before) as usize;
            // The sync flush is complete once the output buffer was not filled up.
            if used == data.len() && out.len() < out.capacity() {
                break;
            }
            out.reserve(out.capacity().max(64));
        }
        self.inner.write_all(&out)?;
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two ends of an in-memory pipe.
    #[derive(Clone, Default)]
    struct Pipe(std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<u8>>>);

    impl Read for Pipe {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let mut q = self.0.lock().unwrap();
            let n = buf.len().min(q.len());
            for (i, b) in q.drain(..n).enumerate() {
                buf[i] = b;
            }
            Ok(n)
        }
    }

    impl Write for Pipe {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn round_trips_each_write_at_once() {
        let pipe = Pipe::default();
        let mut a = Deflate::new(pipe.clone(), Vec::new());
        let mut b = Deflate::new(pipe.clone(), Vec::new());
        let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        for msg in [&b"A0001 NOOP\r\n"[..], b"", &big, b"A0002 LOGOUT\r\n"] {
            a.write_all(msg).unwrap();
            // Each write is flushed: all of it can be read back now, nothing more.
            let mut got = vec![0; msg.len()];
            b.read_exact(&mut got).unwrap();
            assert_eq!(got, msg);
            assert_eq!(b.read(&mut [0; 16]).unwrap(), 0);
        }
    }

    #[test]
    fn garbage_is_an_error() {
        let pipe = Pipe::default();
        pipe.clone().write_all(&[0xff; 64]).unwrap();
        let mut b = Deflate::new(pipe, Vec::new());
        assert!(b.read(&mut [0; 64]).is_err());
    }
}
