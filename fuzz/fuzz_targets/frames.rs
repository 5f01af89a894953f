//! Arbitrary server bytes, cut into reads at arbitrary points, through the framer and the
//! parser: no panic, and the same frames whatever the cuts.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first bytes choose the read boundaries; the rest is what the server sent.
    let (head, body) = data.split_at(data.len().min(8));
    let splits: Vec<usize> = head.iter().map(|&b| usize::from(b) * 7).collect();
    let whole = blocking_imap::__fuzz::frames(body, &[]);
    let cut = blocking_imap::__fuzz::frames(body, &splits);
    assert_eq!(whole, cut);
});
