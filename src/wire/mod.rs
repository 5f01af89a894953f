//! Sans-I/O protocol code: nothing in here reads or writes a socket.

pub(crate) mod acl;
pub(crate) mod deviations;
pub(crate) mod effect;
pub(crate) mod encode;
pub(crate) mod fetch;
pub(crate) mod framer;
pub(crate) mod fuzz;
pub(crate) mod gmail;
pub(crate) mod id;
pub(crate) mod lexer;
pub(crate) mod mailbox;
pub(crate) mod metadata;
pub(crate) mod notify;
pub(crate) mod parse;
pub(crate) mod quota;
pub(crate) mod raw;
pub(crate) mod search;
pub(crate) mod values;
