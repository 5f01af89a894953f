//! ENVELOPE and BODYSTRUCTURE as owned types.
//!
//! TO BE WRITTEN (helper): see the task description.
