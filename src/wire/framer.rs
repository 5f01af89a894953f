//! Bytes to whole server responses (sans-I/O).
//!
//! A frame is one complete server response: a line, plus every `{n}` / `{n+}` / `~{n}` literal
//! it announces and the line text that follows each literal, up to the final line end. The
//! framer scans each byte once (literal bytes are skipped by count, not scanned), so finding
//! frames costs time linear in the bytes received, however the bytes were split across reads.
//!
//! The caller reads from its stream straight into [`Framer::read_buf`] and reports the count
//! with [`Framer::filled`]; [`Framer::next_frame`] then hands out complete frames.

/// How much room each read gets, at least.
const READ_CHUNK: usize = 64 * 1024;
/// A buffer that grew past this for one big response is given back once it is empty.
const SHRINK_ABOVE: usize = 1024 * 1024;

/// Why the stream cannot be framed any further. All of these are fatal for the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FrameError {
    /// A literal announced more bytes than the limit allows (`size` = frame so far + literal).
    LiteralTooLarge { size: u64, limit: usize },
    /// A line grew past the limit without ending.
    LineTooLong { size: u64, limit: usize },
}

/// One complete response, borrowed from the framer's buffer until the next call.
#[derive(Debug)]
pub(crate) struct Frame<'a> {
    pub(crate) bytes: &'a [u8],
    /// Parentheses or brackets nested deeper than the limit: do not hand this to a recursive
    /// parser.
    pub(crate) too_deep: bool,
}

/// Finds whole responses in a byte stream.
#[derive(Debug)]
pub(crate) struct Framer {
    /// Zero-initialised storage; `buf[..end]` holds received bytes.
    buf: Vec<u8>,
    /// Start of the frame being assembled (everything before it was handed out).
    start: usize,
    /// Bytes received.
    end: usize,
    /// How far the current frame has been scanned.
    scan: usize,
    /// Start of the current line within the frame (the part after the last literal).
    line_start: usize,
    /// While inside a literal: the index just past its last byte.
    literal_end: Option<usize>,
    /// Nesting state of the current frame.
    depth: u32,
    too_deep: bool,
    in_quote: bool,
    escaped: bool,
    max_frame: usize,
    max_depth: u32,
    /// Streaming: a literal after `BODY[...]` / `BINARY[...]` in an untagged response, of at
    /// least this many bytes, is handed out in pieces ([`Framer::take_spill`]) instead of
    /// being kept in the frame (which gets an empty literal in its place). `None`: off.
    spill_min: Option<u64>,
    /// A spilled literal has begun (message number, announced length, item name), not yet
    /// reported.
    spill_start: Option<(u32, u64, String)>,
    /// Bytes of the spilled literal still to hand out.
    spill_left: u64,
}

/// A piece of a literal that is streamed rather than kept (see [`Framer::set_spill`]).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Spill {
    /// A literal of `len` bytes begins in the FETCH response of message `seq` (0 if the
    /// response did not say), as the value of `item` (`BODY[1]<100>`, upper case); its
    /// bytes follow.
    Start { seq: u32, len: u64, item: String },
    /// The next bytes of it.
    Bytes(Vec<u8>),
}

impl Framer {
    pub(crate) fn new(max_frame: usize, max_depth: u32) -> Self {
        Framer {
            buf: Vec::new(),
            start: 0,
            end: 0,
            scan: 0,
            line_start: 0,
            literal_end: None,
            depth: 0,
            too_deep: false,
            in_quote: false,
            escaped: false,
            max_frame,
            max_depth,
            spill_min: None,
            spill_start: None,
            spill_left: 0,
        }
    }

    /// Streams literals of at least `min` bytes after `BODY[...]` / `BINARY[...]` (`None`:
    /// keeps every literal in its frame, the default).
    pub(crate) fn set_spill(&mut self, min: Option<u64>) {
        self.spill_min = min;
    }

    /// The next piece of a streamed literal, if one is ready. Each byte is handed out once
    /// and then dropped from the buffer (the rest of the buffer moves down: at most what
    /// one read brought past the literal).
    pub(crate) fn take_spill(&mut self) -> Option<Spill> {
        if let Some((seq, len, item)) = self.spill_start.take() {
            return Some(Spill::Start { seq, len, item });
        }
        if self.spill_left == 0 {
            return None;
        }
        let avail =
            (self.end - self.scan).min(usize::try_from(self.spill_left).unwrap_or(usize::MAX));
        if avail == 0 {
            return None;
        }
        let chunk = self.buf[self.scan..self.scan + avail].to_vec();
        self.buf.copy_within(self.scan + avail..self.end, self.scan);
        self.end -= avail;
        self.spill_left -= avail as u64;
        Some(Spill::Bytes(chunk))
    }

    /// Is a streamed literal under way (more of it to come before the frame can end)?
    pub(crate) fn spilling(&self) -> bool {
        self.spill_start.is_some() || self.spill_left > 0
    }

    /// Would [`Framer::take_spill`] hand out something now (without reading more)?
    pub(crate) fn spill_ready(&self) -> bool {
        self.spill_start.is_some() || (self.spill_left > 0 && self.end > self.scan)
    }

    /// Room to read into. Call [`Framer::filled`] with the number of bytes read.
    pub(crate) fn read_buf(&mut self) -> &mut [u8] {
        if self.start == self.end && self.buf.len() > SHRINK_ABOVE {
            // One big response made the buffer grow; give the memory back.
            self.buf = Vec::new();
            self.start = 0;
            self.end = 0;
            self.scan = 0;
            self.line_start = 0;
        }
        if self.start > 0 && (self.start == self.end || self.buf.len() - self.end < READ_CHUNK) {
            // Move the partial frame to the front: its bytes are copied at most once per
            // compaction, and a compaction happens only when the tail has no room left.
            // Linear overall: what moves is the one incomplete frame, which then starts at
            // index 0 and cannot move again before it has been handed out.
            self.buf.copy_within(self.start..self.end, 0);
            let shift = self.start;
            self.end -= shift;
            self.scan -= shift;
            self.line_start -= shift;
            if let Some(e) = self.literal_end.as_mut() {
                *e -= shift;
            }
            self.start = 0;
        }
        if self.buf.len() - self.end < READ_CHUNK {
            // Grow by doubling, so memory follows the bytes actually received: a literal
            // announced big but never sent costs nothing. Doubling keeps the copies made by
            // `resize` linear (amortised) in the bytes received.
            let mut new_len = (self.end + READ_CHUNK).max(self.buf.len() * 2);
            if let Some(e) = self.literal_end {
                // No further than the literal's end plus one chunk of what follows.
                new_len = new_len.min(e.saturating_add(READ_CHUNK));
            }
            // Never beyond what the limit allows for one frame, plus one chunk of the next.
            let cap = self.max_frame.saturating_add(2 * READ_CHUNK);
            let new_len = new_len.min(cap).max(self.end + 1);
            self.buf.resize(new_len, 0);
        }
        &mut self.buf[self.end..]
    }

    /// The buffer's current size (for memory checks).
    pub(crate) fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// Records that `n` bytes were read into [`Framer::read_buf`].
    pub(crate) fn filled(&mut self, n: usize) {
        self.end = (self.end + n).min(self.buf.len());
    }

    /// The bytes received but not yet handed out, without consuming them.
    pub(crate) fn buffered(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Takes every byte received but not yet handed out (COMPRESS: they are compressed).
    pub(crate) fn take_buffered(&mut self) -> Vec<u8> {
        let bytes = self.buf[self.start..self.end].to_vec();
        self.discard_buffered();
        bytes
    }

    /// Discards every byte received but not yet handed out (used after STARTTLS, where
    /// anything the server sent before the TLS handshake must not be trusted).
    pub(crate) fn discard_buffered(&mut self) -> usize {
        let n = self.end - self.start;
        self.start = 0;
        self.end = 0;
        self.reset_frame_state(0);
        n
    }

    fn reset_frame_state(&mut self, at: usize) {
        self.scan = at;
        self.line_start = at;
        self.literal_end = None;
        self.depth = 0;
        self.too_deep = false;
        self.in_quote = false;
        self.escaped = false;
    }

    /// The next complete frame, if the buffer holds one.
    ///
    /// Linear: each turn of the loop consumes one line of the frame (and skips the literal it
    /// announces by count); `scan_line` resumes where it stopped, so no byte is scanned twice.
    pub(crate) fn next_frame(&mut self) -> Result<Option<Frame<'_>>, FrameError> {
        loop {
            if self.spilling() {
                // The streamed literal's bytes go out through `take_spill` first.
                return Ok(None);
            }
            if let Some(lit_end) = self.literal_end {
                if self.end < lit_end {
                    return Ok(None);
                }
                self.literal_end = None;
                self.scan = lit_end;
                self.line_start = lit_end;
            }
            let Some(nl) = self.scan_line() else {
                let size = (self.end - self.start) as u64;
                if size > self.max_frame as u64 {
                    return Err(FrameError::LineTooLong {
                        size,
                        limit: self.max_frame,
                    });
                }
                return Ok(None);
            };
            let line = &self.buf[self.line_start..nl];
            self.scan = nl + 1;
            self.line_start = nl + 1;
            self.in_quote = false;
            self.escaped = false;
            if let Some(len) = literal_len(line) {
                let item = self
                    .spill_min
                    .filter(|&min| len >= min && self.buf[self.start] == b'*')
                    .and_then(|_| body_literal(line))
                    .map(|item| String::from_utf8_lossy(item).to_ascii_uppercase());
                if let Some(item) = item {
                    // Streamed: the frame keeps an empty literal (the count's digits become
                    // zeros, so the frame's bytes stay where they are).
                    let from = nl - line.len();
                    let digits_end = nl - usize::from(self.buf[nl - 1] == b'\r') - 1;
                    let mut i = digits_end;
                    while i > from && self.buf[i - 1].is_ascii_digit() {
                        i -= 1;
                        self.buf[i] = b'0';
                    }
                    // `* 12 FETCH (...`: the message number, for whoever takes the bytes.
                    let head = &self.buf[self.start..nl];
                    let digits = head.get(2..).unwrap_or_default();
                    let n = digits.iter().take_while(|b| b.is_ascii_digit()).count();
                    let seq = std::str::from_utf8(&digits[..n.min(10)])
                        .ok()
                        .and_then(|d| d.parse().ok())
                        .unwrap_or(0);
                    self.spill_start = Some((seq, len, item));
                    self.spill_left = len;
                    continue;
                }
                let size = ((self.scan - self.start) as u64).saturating_add(len);
                if size > self.max_frame as u64 {
                    return Err(FrameError::LiteralTooLarge {
                        size,
                        limit: self.max_frame,
                    });
                }
                // `size` fits in usize: it is at most max_frame.
                self.literal_end = Some(self.scan + len as usize);
                continue;
            }
            let frame_start = self.start;
            let too_deep = self.too_deep;
            self.start = self.scan;
            self.reset_frame_state(self.scan);
            return Ok(Some(Frame {
                bytes: &self.buf[frame_start..self.start],
                too_deep,
            }));
        }
    }

    /// Scans from `self.scan` for a line feed, tracking nesting depth outside quoted strings.
    /// Returns the index of the LF, or `None` after scanning everything received.
    ///
    /// Linear: `i` only moves forward (each `position` jump lands on a byte that is then
    /// consumed), and `self.scan` keeps where the scan stopped for the next call.
    fn scan_line(&mut self) -> Option<usize> {
        let mut i = self.scan;
        let data = &self.buf[..self.end];
        while i < data.len() {
            if self.in_quote && self.escaped {
                // The byte after a backslash stands for itself (a LF still ends the line).
                self.escaped = false;
                if data[i] == b'\n' {
                    return Some(i);
                }
            } else if self.in_quote {
                // Skip to the next byte that matters inside a quoted string.
                match data[i..].iter().position(|&b| IN_QUOTE[usize::from(b)]) {
                    Some(k) => i += k,
                    None => {
                        i = data.len();
                        break;
                    }
                }
                let b = data[i];
                if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_quote = false;
                } else if b == b'\n' {
                    return Some(i);
                }
            } else {
                // Skip to the next byte that matters outside quotes.
                match data[i..].iter().position(|&b| OUTSIDE[usize::from(b)]) {
                    Some(k) => i += k,
                    None => {
                        i = data.len();
                        break;
                    }
                }
                match data[i] {
                    b'\n' => return Some(i),
                    b'"' => self.in_quote = true,
                    b'(' | b'[' => {
                        self.depth += 1;
                        if self.depth > self.max_depth {
                            self.too_deep = true;
                        }
                    }
                    _ => self.depth = self.depth.saturating_sub(1),
                }
            }
            i += 1;
        }
        self.scan = i;
        None
    }
}

/// Bytes the scanner must look at outside a quoted string.
const OUTSIDE: [bool; 256] = byte_set(b"\n\"()[]");
/// Bytes the scanner must look at inside a quoted string (an escaped LF still ends a line).
const IN_QUOTE: [bool; 256] = byte_set(b"\n\"\\");

const fn byte_set(bytes: &[u8]) -> [bool; 256] {
    let mut set = [false; 256];
    let mut i = 0;
    while i < bytes.len() {
        set[bytes[i] as usize] = true;
        i += 1;
    }
    set
}

/// If `line` (without its LF) ends in a literal announcement `{n}`, `{n+}` or `{n-}`, its length.
/// An announced length too big for u64 is reported as `u64::MAX` (and refused by the caller).
///
/// Called once per line, at its LF: the `rposition` and digit scans cover only that line, and
/// lines do not overlap, so these scans are linear in the frame overall.
/// The item name (`BODY[1.2]<100>`, `BINARY[]`) when the literal announced at the end of
/// `line` follows a `BODY[...]` or `BINARY[...]` item (with an optional `<origin>`).
/// Case-insensitive; the section may hold spaces (`BODY[HEADER.FIELDS (A B)]`). Linear in
/// the line.
fn body_literal(line: &[u8]) -> Option<&[u8]> {
    let open = line.iter().rposition(|&b| b == b'{')?;
    let mut item = &line[..open];
    item = item.strip_suffix(b"~").unwrap_or(item);
    item = item.strip_suffix(b" ").unwrap_or(item);
    let mut before = item;
    if before.ends_with(b">") {
        let lt = before.iter().rposition(|&b| b == b'<')?;
        before = &before[..lt];
    }
    if !before.ends_with(b"]") {
        return None;
    }
    let bracket = before.iter().rposition(|&b| b == b'[')?;
    let name_start = before[..bracket]
        .iter()
        .rposition(|&b| b == b' ' || b == b'(')
        .map_or(0, |p| p + 1);
    let name = &before[name_start..bracket];
    (name.eq_ignore_ascii_case(b"BODY") || name.eq_ignore_ascii_case(b"BINARY"))
        .then(|| &item[name_start..])
}

fn literal_len(line: &[u8]) -> Option<u64> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let inner = line.strip_suffix(b"}")?;
    let open = inner.iter().rposition(|&b| b == b'{')?;
    let mut digits = &inner[open + 1..];
    if let Some(d) = digits
        .strip_suffix(b"+")
        .or_else(|| digits.strip_suffix(b"-"))
    {
        digits = d;
    }
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(digits.iter().fold(0u64, |acc, &d| {
        acc.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: usize = 1 << 20;

    /// Feeds `input` in the given pieces, collecting every frame.
    fn frames_of(pieces: &[&[u8]], limit: usize) -> Result<Vec<Vec<u8>>, FrameError> {
        let mut f = Framer::new(limit, 100);
        let mut out = Vec::new();
        for piece in pieces {
            let mut rest = *piece;
            while !rest.is_empty() {
                let buf = f.read_buf();
                let n = buf.len().min(rest.len());
                buf[..n].copy_from_slice(&rest[..n]);
                f.filled(n);
                rest = &rest[n..];
                while let Some(frame) = f.next_frame()? {
                    out.push(frame.bytes.to_vec());
                }
            }
        }
        Ok(out)
    }

    const STREAM: &[u8] = b"* OK [CAPABILITY IMAP4rev1] ready\r\n\
        * 1 FETCH (UID 7 BODY[] {11}\r\nhello\r\nyou) FLAGS (\\Seen))\r\n\
        * 2 FETCH (BODY[HEADER] {0}\r\n BODY[TEXT] {3+}\r\n{4})\r\n\
        * LIST (\\HasNoChildren) \"/\" \"a (b\"\r\n\
        a1 OK done\r\n";

    fn expected() -> Vec<Vec<u8>> {
        vec![
            b"* OK [CAPABILITY IMAP4rev1] ready\r\n".to_vec(),
            b"* 1 FETCH (UID 7 BODY[] {11}\r\nhello\r\nyou) FLAGS (\\Seen))\r\n".to_vec(),
            b"* 2 FETCH (BODY[HEADER] {0}\r\n BODY[TEXT] {3+}\r\n{4})\r\n".to_vec(),
            b"* LIST (\\HasNoChildren) \"/\" \"a (b\"\r\n".to_vec(),
            b"a1 OK done\r\n".to_vec(),
        ]
    }

    #[test]
    fn whole_stream_at_once() {
        assert_eq!(frames_of(&[STREAM], LIMIT).unwrap(), expected());
    }

    #[test]
    fn every_split_point_gives_the_same_frames() {
        for i in 0..=STREAM.len() {
            let (a, b) = STREAM.split_at(i);
            assert_eq!(
                frames_of(&[a, b], LIMIT).unwrap(),
                expected(),
                "split at {i}"
            );
        }
    }

    #[test]
    fn one_byte_at_a_time() {
        let pieces: Vec<&[u8]> = STREAM.chunks(1).collect();
        assert_eq!(frames_of(&pieces, LIMIT).unwrap(), expected());
    }

    #[test]
    fn literal_split_across_many_reads() {
        let mut body = b"* 1 FETCH (BODY[] {300000}\r\n".to_vec();
        body.extend(std::iter::repeat(b'x').take(300_000));
        body.extend_from_slice(b")\r\na1 OK\r\n");
        let pieces: Vec<&[u8]> = body.chunks(7919).collect();
        let frames = frames_of(&pieces, LIMIT).unwrap();
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0].len(), body.len() - b"a1 OK\r\n".len());
    }

    #[test]
    fn huge_literal_refused_without_allocating() {
        let mut f = Framer::new(64 << 20, 100);
        let line = b"* 1 FETCH (BODY[] {4294967295}\r\n";
        f.read_buf()[..line.len()].copy_from_slice(line);
        f.filled(line.len());
        let err = f.next_frame().unwrap_err();
        assert!(matches!(err, FrameError::LiteralTooLarge { size, .. } if size > 4294967295));
        assert!(
            f.buf.len() <= 2 * READ_CHUNK,
            "buffer grew to {}",
            f.buf.len()
        );
        // Absurd digit strings saturate rather than overflow.
        assert_eq!(literal_len(b"{99999999999999999999999999}"), Some(u64::MAX));
    }

    #[test]
    fn announced_literal_is_not_allocated_before_it_arrives() {
        let mut f = Framer::new(64 << 20, 100);
        let line = b"* 1 FETCH (BODY[] {60000000}\r\nabc";
        f.read_buf()[..line.len()].copy_from_slice(line);
        f.filled(line.len());
        assert!(f.next_frame().unwrap().is_none());
        f.read_buf();
        assert!(
            f.buf.len() <= 2 * READ_CHUNK,
            "buffer grew to {}",
            f.buf.len()
        );
    }

    #[test]
    fn endless_line_refused_at_the_limit() {
        let mut f = Framer::new(100_000, 100);
        let mut err = None;
        for _ in 0..10 {
            let buf = f.read_buf();
            let n = buf.len().min(READ_CHUNK);
            buf[..n].fill(b'a');
            f.filled(n);
            if let Err(e) = f.next_frame() {
                err = Some(e);
                break;
            }
        }
        assert!(matches!(err, Some(FrameError::LineTooLong { .. })));
        assert!(f.buf.len() <= 100_000 + 2 * READ_CHUNK);
    }

    #[test]
    fn deep_nesting_is_flagged_but_framed() {
        let mut f = Framer::new(LIMIT, 100);
        let mut line = b"* 1 FETCH (BODYSTRUCTURE ".to_vec();
        line.extend(std::iter::repeat(b'(').take(10_000));
        line.extend(std::iter::repeat(b')').take(10_000));
        line.extend_from_slice(b")\r\n* 2 FETCH (UID 3)\r\n");
        f.read_buf()[..line.len()].copy_from_slice(&line);
        f.filled(line.len());
        assert!(f.next_frame().unwrap().unwrap().too_deep);
        let next = f.next_frame().unwrap().unwrap();
        assert!(!next.too_deep);
        assert_eq!(next.bytes, b"* 2 FETCH (UID 3)\r\n");
    }

    #[test]
    fn escapes_inside_quotes_at_every_split() {
        let line = b"* LIST () \"/\" \"a\\\\b\\\"(((c\" ((x))\r\n* 1 EXISTS\r\n";
        for split in 0..=line.len() {
            let (a, b) = line.split_at(split);
            let frames = frames_of(&[a, b], LIMIT).unwrap();
            assert_eq!(frames.len(), 2, "split {split}");
        }
        let mut f = Framer::new(LIMIT, 2);
        f.read_buf()[..line.len()].copy_from_slice(line);
        f.filled(line.len());
        assert!(!f.next_frame().unwrap().unwrap().too_deep);
    }

    #[test]
    fn parens_inside_quotes_do_not_count() {
        let mut f = Framer::new(LIMIT, 2);
        let line = b"* LIST () \"/\" \"(((((\\\"(((\"\r\n";
        f.read_buf()[..line.len()].copy_from_slice(line);
        f.filled(line.len());
        assert!(!f.next_frame().unwrap().unwrap().too_deep);
    }

    #[test]
    fn literal_announcements() {
        assert_eq!(literal_len(b"* 1 FETCH (BODY[] {12}\r"), Some(12));
        assert_eq!(literal_len(b"A1 LOGIN {3+}"), Some(3));
        assert_eq!(literal_len(b"* 1 FETCH (BINARY[] ~{5}"), Some(5));
        assert_eq!(literal_len(b"* OK {}"), None);
        assert_eq!(literal_len(b"* OK {a}"), None);
        assert_eq!(literal_len(b"* OK done"), None);
    }

    #[test]
    fn buffer_shrinks_after_a_big_response() {
        let mut body = b"* 1 FETCH (BODY[] {3000000}\r\n".to_vec();
        body.extend(std::iter::repeat(b'x').take(3_000_000));
        body.extend_from_slice(b")\r\n");
        let mut f = Framer::new(64 << 20, 100);
        let mut rest = &body[..];
        while !rest.is_empty() {
            let buf = f.read_buf();
            let n = buf.len().min(rest.len());
            buf[..n].copy_from_slice(&rest[..n]);
            f.filled(n);
            rest = &rest[n..];
        }
        assert_eq!(f.next_frame().unwrap().unwrap().bytes.len(), body.len());
        f.read_buf();
        assert!(f.buf.len() <= 2 * READ_CHUNK);
    }

    /// Feeds `stream` in reads of `split` bytes with streaming on from `min` bytes; returns
    /// the frames and, in order, the pieces handed out.
    fn spilled(stream: &[u8], split: usize, min: u64) -> (Vec<Vec<u8>>, Vec<Spill>) {
        let mut f = Framer::new(1 << 20, 100);
        f.set_spill(Some(min));
        let (mut frames, mut pieces) = (Vec::new(), Vec::new());
        for piece in stream.chunks(split) {
            let buf = f.read_buf();
            buf[..piece.len()].copy_from_slice(piece);
            f.filled(piece.len());
            loop {
                if let Some(p) = f.take_spill() {
                    pieces.push(p);
                    continue;
                }
                match f.next_frame().unwrap() {
                    Some(fr) => frames.push(fr.bytes.to_vec()),
                    None => {
                        if !f.spill_ready() {
                            break;
                        }
                    }
                }
            }
        }
        (frames, pieces)
    }

    #[test]
    fn body_literals_stream_out_at_every_split() {
        let body = b"0123456789abcdefghij";
        let mut stream = b"* 1 FETCH (UID 7 BODY[] {20}\r\n".to_vec();
        stream.extend_from_slice(body);
        stream.extend_from_slice(
            b" FLAGS (\\Seen))\r\n* 2 FETCH (UID 8 BODY[HEADER] {2}\r\nab)\r\nA1 OK done\r\n",
        );
        for split in 1..=stream.len() {
            let (frames, pieces) = spilled(&stream, split, 10);
            assert_eq!(
                frames,
                [
                    &b"* 1 FETCH (UID 7 BODY[] {00}\r\n FLAGS (\\Seen))\r\n"[..],
                    b"* 2 FETCH (UID 8 BODY[HEADER] {2}\r\nab)\r\n",
                    b"A1 OK done\r\n"
                ],
                "split {split}"
            );
            assert_eq!(
                pieces.first(),
                Some(&Spill::Start {
                    seq: 1,
                    len: 20,
                    item: "BODY[]".into()
                })
            );
            let bytes: Vec<u8> = pieces[1..]
                .iter()
                .flat_map(|p| match p {
                    Spill::Bytes(b) => b.clone(),
                    Spill::Start { .. } => panic!("two starts"),
                })
                .collect();
            assert_eq!(bytes, body, "split {split}");
        }
    }

    #[test]
    fn only_body_and_binary_literals_of_untagged_responses_stream() {
        for (line, item) in [
            (&b"* 1 FETCH (BODY[] {5}\r"[..], Some(&b"BODY[]"[..])),
            (b"* 1 FETCH (BINARY[1.2] ~{5}\r", Some(b"BINARY[1.2]")),
            (b"* 1 FETCH (body[1]<100> {5}\r", Some(b"body[1]<100>")),
            (
                b"* 1 FETCH (BODY[HEADER.FIELDS (FROM TO)] {5}\r",
                Some(b"BODY[HEADER.FIELDS (FROM TO)]"),
            ),
            (b"* 1 FETCH (ENVELOPE (NIL {5}\r", None),
            (b"* 1 FETCH (X-BODY {5}\r", None),
            (b"* 1 FETCH (BODY[]<x {5}\r", None),
        ] {
            assert_eq!(
                body_literal(line),
                item,
                "{}",
                String::from_utf8_lossy(line)
            );
        }
        // A tagged line's literal (none are sent, but) is never streamed.
        let (frames, pieces) = spilled(b"A1 OK [X BODY[] {3}\r\nabc]\r\n", 64, 1);
        assert!(pieces.is_empty());
        assert_eq!(frames.len(), 1);
    }
}
