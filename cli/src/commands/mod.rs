//! One module per command.

pub mod completions;
#[cfg(feature = "embedded")]
pub mod dev;
pub mod jobs;
pub mod run;
pub mod submit;
