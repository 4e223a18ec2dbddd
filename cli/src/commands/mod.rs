//! One module per command.

pub mod access;
pub mod batch;
pub mod completions;
pub mod config;
#[cfg(feature = "embedded")]
pub mod dev;
pub mod jobs;
pub mod man;
pub mod nodes;
pub mod run;
pub mod submit;
