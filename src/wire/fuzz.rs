//! The engine's input path without a socket, for fuzzing and property tests: bytes, split
//! into reads at given points, through the framer and the parser.

use super::framer::Framer;
use super::parse::parse_frame;

/// Largest frame in fuzzing (small, so that limits are reached).
pub(crate) const FUZZ_MAX_FRAME: usize = 1 << 20;

/// Feeds `data` to a framer in reads that end at `splits` (offsets, any order, any value),
/// parses every frame, and returns the frames found before any framing error. Panics only on
/// a bug: the fuzz target and the property test treat a panic as a failure.
pub(crate) fn frames(data: &[u8], splits: &[usize]) -> (Vec<Vec<u8>>, usize) {
    let mut cuts: Vec<usize> = splits.iter().map(|&s| s % (data.len() + 1)).collect();
    cuts.push(data.len());
    cuts.sort_unstable();
    cuts.dedup();
    let mut framer = Framer::new(FUZZ_MAX_FRAME, 100);
    let mut out = Vec::new();
    let mut at = 0;
    let mut peak = 0;
    'reads: for cut in cuts {
        while at < cut {
            let buf = framer.read_buf();
            let n = buf.len().min(cut - at);
            buf[..n].copy_from_slice(&data[at..at + n]);
            framer.filled(n);
            at += n;
            peak = peak.max(framer.capacity());
            loop {
                match framer.next_frame() {
                    Ok(Some(frame)) => {
                        if !frame.too_deep {
                            let _ = parse_frame(frame.bytes);
                        }
                        out.push(frame.bytes.to_vec());
                    }
                    Ok(None) => break,
                    Err(_) => break 'reads,
                }
            }
        }
    }
    (out, peak)
}

/// Frames and parses a whole stream without keeping anything: (frames, parsed).
pub(crate) fn parse_all(data: &[u8]) -> (usize, usize) {
    let mut framer = Framer::new(64 << 20, 100);
    let (mut frames, mut parsed) = (0, 0);
    let mut at = 0;
    while at < data.len() {
        let buf = framer.read_buf();
        let n = buf.len().min(data.len() - at);
        buf[..n].copy_from_slice(&data[at..at + n]);
        framer.filled(n);
        at += n;
        while let Ok(Some(frame)) = framer.next_frame() {
            frames += 1;
            if !frame.too_deep && parse_frame(frame.bytes).is_ok() {
                parsed += 1;
            }
        }
    }
    (frames, parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift64*), so failures reproduce.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    const SEEDS: &[&[u8]] = &[
        b"* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n",
        b"* 12 FETCH (UID 7 FLAGS (\\Seen $Junk) BODY[HEADER.FIELDS (MESSAGE-ID)] {20}\r\nMessage-ID: <a@b>\r\n\r\n)\r\n",
        b"* 1 FETCH (ENVELOPE (\"Mon, 7 Feb 1994\" {3}\r\nsub ((\"A\" NIL \"a\" \"b\")) NIL NIL NIL NIL NIL NIL \"<id>\") BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1)(\"application\" \"pdf\" NIL NIL NIL \"base64\" 4) \"mixed\"))\r\n",
        b"* LIST (\\HasNoChildren) \"/\" \"&ZeVnLIqe-\"\r\n",
        b"* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\r\n",
        b"* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n",
        b"* SEARCH 2 84 882\r\n",
        b"* 3 EXPUNGE\r\n* 4 EXISTS\r\n* VANISHED (EARLIER) 41,43:116\r\n",
        b"A0001 NO [COPYUID 38505 304,319:320 3956:3958] done\r\n",
        b"+ go ahead\r\n",
        b"* BYE [ALERT] going down\r\n",
    ];

    /// Mutates a seed: flips, inserts, deletes, duplicates, and plants literal
    /// announcements and parentheses, the things framers and parsers trip on.
    fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
        let mut d = seed.to_vec();
        for _ in 0..1 + rng.below(8) {
            let at = rng.below(d.len() + 1);
            match rng.below(8) {
                0 if !d.is_empty() => {
                    let i = rng.below(d.len());
                    d[i] ^= 1 << rng.below(8);
                }
                1 => d.insert(at, (rng.next() & 0xff) as u8),
                2 if at < d.len() => {
                    d.remove(at);
                }
                3 => {
                    let lit = format!("{{{}}}\r\n", rng.below(40));
                    drop(d.splice(at..at, lit.bytes()));
                }
                4 => drop(d.splice(at..at, std::iter::repeat(b'(').take(rng.below(200)))),
                5 => drop(d.splice(at..at, b" NIL ()".iter().copied())),
                6 => drop(d.splice(at..at, b"\r\n".iter().copied())),
                _ => {
                    let other = SEEDS[rng.below(SEEDS.len())];
                    drop(d.splice(at..at, other.iter().copied()));
                }
            }
        }
        d
    }

    #[test]
    fn any_bytes_any_splits_same_frames_no_panic_bounded_memory() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut executions = 0u64;
        for _ in 0..1_500 {
            let mut data = Vec::new();
            for _ in 0..1 + rng.below(4) {
                let seed = SEEDS[rng.below(SEEDS.len())];
                data.extend(mutate(&mut rng, seed));
            }
            let (whole, _) = frames(&data, &[]);
            executions += 1;
            for _ in 0..3 {
                let splits: Vec<usize> = (0..rng.below(12))
                    .map(|_| rng.below(data.len() + 1))
                    .collect();
                let (split, peak) = frames(&data, &splits);
                executions += 1;
                assert_eq!(
                    whole,
                    split,
                    "input {:?} splits {splits:?}",
                    String::from_utf8_lossy(&data)
                );
                assert!(
                    peak <= FUZZ_MAX_FRAME + (256 << 10),
                    "buffer grew to {peak}"
                );
            }
            // A byte at a time, now and then.
            if rng.below(20) == 0 {
                let all: Vec<usize> = (0..data.len()).collect();
                assert_eq!(frames(&data, &all).0, whole);
                executions += 1;
            }
        }
        assert!(executions >= 6_000);
    }

    #[test]
    fn pure_noise_is_survived() {
        let mut rng = Rng(42);
        for _ in 0..500 {
            let data: Vec<u8> = (0..rng.below(2000))
                .map(|_| (rng.next() & 0xff) as u8)
                .collect();
            let splits: Vec<usize> = (0..4).map(|_| rng.below(data.len() + 1)).collect();
            assert_eq!(frames(&data, &[]).0, frames(&data, &splits).0);
        }
    }
}
