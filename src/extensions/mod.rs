//! IMAP extensions, one file each.

pub(crate) mod condstore;
pub(crate) mod idle;
