//! SEARCH criteria (RFC 9051 section 6.4.4) as a typed builder.
//!
//! TO BE WRITTEN (helper): see the task description.
