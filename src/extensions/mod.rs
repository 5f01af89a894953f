//! IMAP extensions, one file each.

pub(crate) mod compress;
pub(crate) mod condstore;
pub(crate) mod idle;
