//! IMAP extensions, one file each.

pub(crate) mod idle;
