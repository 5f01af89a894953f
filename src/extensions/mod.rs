//! IMAP extensions, one file each.

pub(crate) mod acl;
pub(crate) mod append;
pub(crate) mod catenate;
pub(crate) mod compress;
pub(crate) mod condstore;
pub(crate) mod gmail;
pub(crate) mod id;
pub(crate) mod idle;
pub(crate) mod lists;
pub(crate) mod metadata;
pub(crate) mod notify;
pub(crate) mod objectid;
pub(crate) mod parts;
pub(crate) mod quota;
pub(crate) mod raw;
pub(crate) mod replace;
pub(crate) mod search;
pub(crate) mod special_use;
pub(crate) mod unauthenticate;
