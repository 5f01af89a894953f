//! Sans-I/O protocol code: nothing in here reads or writes a socket.

pub(crate) mod encode;
pub(crate) mod fetch;
pub(crate) mod framer;
pub(crate) mod fuzz;
pub(crate) mod lexer;
pub(crate) mod mailbox;
pub(crate) mod parse;
pub(crate) mod values;
