//! Mailbox names: UTF-8 for callers, modified UTF-7 (RFC 3501 section 5.1.3) on the wire.
//!
//! TO BE WRITTEN (helper): see the task description.
