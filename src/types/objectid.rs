//! Object ids (RFC 8474 OBJECTID): `EMAILID`, `THREADID` and `MAILBOXID` values.

/// Is `id` an RFC 8474 `objectid`: 1 to 255 letters, digits, `_` and `-`?
pub(crate) fn is_object_id(id: &str) -> bool {
    (1..=255).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_ids() {
        for ok in [
            "M6d99ac3275bb4e",
            "a",
            "F2212ea87-6097-4256",
            &"x".repeat(255),
        ] {
            assert!(is_object_id(ok), "{ok}");
        }
        for bad in ["", "a b", "a\r\n", "(M1)", "é", &"x".repeat(256)] {
            assert!(!is_object_id(bad), "{bad}");
        }
    }
}
