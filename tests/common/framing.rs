//! A strict checker of how commands are framed on the wire. One copy for the library's unit
//! tests (src/wire/encode.rs includes this file with `#[path]`) and the integration tests
//! (tests/encoding.rs, as `common::framing`): plain functions over bytes, no crate types.
//!
//! It is meant for commands made of atoms, quoted strings, literals and parenthesised lists
//! (not FETCH section specifiers): tokens are separated by exactly one space; there is no
//! space after `(`, before `)` or at the end of the line; parentheses balance; a literal's
//! announcement (`{n}`, `{n+}`, `~{n}`) is followed by CRLF and its `n` bytes, and those by a
//! space, `)` or the final CRLF; CRLF appears only at the end of a command. Quoted strings
//! and literal bytes may hold anything. An error names the problem and its byte offset.

/// Checks the framing of exactly one command (`tag SP ... CRLF`, with its literals).
pub fn check_framing(bytes: &[u8]) -> Result<(), String> {
    let end = check_command(bytes, 0)?;
    if end < bytes.len() {
        return Err(fail(bytes, "CR or LF before the end of the line", end - 2));
    }
    Ok(())
}

/// Checks the framing of the commands a client wrote, one after another.
pub fn check_commands(bytes: &[u8]) -> Result<(), String> {
    let mut at = 0;
    while at < bytes.len() {
        at = check_command(bytes, at)?;
    }
    Ok(())
}

/// Checks the command that starts at `start`; returns where the next one starts (after its
/// CRLF).
pub fn check_command(bytes: &[u8], start: usize) -> Result<usize, String> {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Prev {
        Start,
        Space,
        Open,
        Token,
        Close,
    }
    let mut prev = Prev::Start;
    let mut depth = 0usize;
    let mut i = start;
    let err = |what: &str, at: usize| Err(fail(bytes, what, at));
    while i < bytes.len() {
        let b = bytes[i];
        // A token may start only after a space, a `(`, or at the start of the line.
        let starts_token = !matches!(b, b' ' | b')' | b'\r' | b'\n');
        if starts_token && matches!(prev, Prev::Token | Prev::Close) {
            return err("missing space between arguments", i);
        }
        match b {
            b'\r' | b'\n' => {
                if bytes.get(i..i + 2) != Some(&b"\r\n"[..]) {
                    return err("bare CR or LF", i);
                }
                if depth != 0 {
                    return err("unclosed (", i);
                }
                return match prev {
                    Prev::Space => err("space at the end of the line", i),
                    Prev::Start => err("empty line", i),
                    _ => Ok(i + 2),
                };
            }
            b' ' => {
                match prev {
                    Prev::Space => return err("double space", i),
                    Prev::Open => return err("space after (", i),
                    Prev::Start => return err("space at the start of the line", i),
                    _ => {}
                }
                prev = Prev::Space;
                i += 1;
            }
            b'(' => {
                depth += 1;
                prev = Prev::Open;
                i += 1;
            }
            b')' => {
                if prev == Prev::Space {
                    return err("space before )", i);
                }
                if depth == 0 {
                    return err("unbalanced )", i);
                }
                depth -= 1;
                prev = Prev::Close;
                i += 1;
            }
            b'"' => {
                i += 1;
                loop {
                    match bytes.get(i) {
                        None | Some(b'\r' | b'\n') => return err("unterminated quoted string", i),
                        Some(b'\\') => i += 2,
                        Some(b'"') => break,
                        Some(_) => i += 1,
                    }
                }
                i += 1;
                prev = Prev::Token;
            }
            b'{' | b'~' if b == b'{' || bytes.get(i + 1) == Some(&b'{') => {
                let from = i;
                i += if b == b'~' { 2 } else { 1 };
                let digits = bytes[i..].iter().take_while(|d| d.is_ascii_digit()).count();
                let n: usize = match std::str::from_utf8(&bytes[i..i + digits])
                    .ok()
                    .and_then(|d| d.parse().ok())
                {
                    Some(n) => n,
                    None => return err("literal announcement without a length", from),
                };
                i += digits;
                if bytes.get(i) == Some(&b'+') {
                    i += 1;
                }
                if bytes.get(i) != Some(&b'}') {
                    return err("malformed literal announcement", from);
                }
                i += 1;
                if bytes.get(i..i + 2) != Some(&b"\r\n"[..]) {
                    return err("literal announcement not followed by CRLF", i);
                }
                i += 2;
                if bytes.len() < i + n {
                    return err("literal shorter than announced", from);
                }
                i += n;
                if !matches!(bytes.get(i), Some(b' ' | b')' | b'\r')) {
                    return err(
                        "literal followed by something other than a space, ) or CRLF",
                        i,
                    );
                }
                prev = Prev::Token;
            }
            _ => {
                while i < bytes.len()
                    && !matches!(bytes[i], b' ' | b'(' | b')' | b'\r' | b'\n' | b'"')
                {
                    if bytes[i] == b'{' {
                        return err("literal announcement glued to an atom", i);
                    }
                    i += 1;
                }
                prev = Prev::Token;
            }
        }
    }
    err("line does not end in CRLF", bytes.len())
}

/// `what` at byte `at`, with the bytes around it.
fn fail(bytes: &[u8], what: &str, at: usize) -> String {
    let to = (at + 20).min(bytes.len());
    let from = at.saturating_sub(20).min(to);
    format!(
        "{what} at byte {at}: ...{:?}...",
        String::from_utf8_lossy(&bytes[from..to])
    )
}
