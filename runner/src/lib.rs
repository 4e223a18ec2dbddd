//! rgrid node agent: registers with the API, claims jobs, prepares their work directories,
//! runs them in a Docker container (or, for the embedded grid without an engine, as a local
//! process), streams their logs, uploads their outputs and reports how they ended.
//!
//! The runner talks only to the API (node token) and to presigned URLs; it never holds
//! database or storage credentials.

// Tests may unwrap: a panic there is the failure report.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod agent;
pub mod client;
pub mod config;
pub mod executor;
pub mod inputs;
pub mod job;
pub mod logs;
pub mod outputs;
pub mod watchdog;
pub mod workdir;

pub use agent::{run, run_until, RunnerError};
pub use config::{ExecutorChoice, RunnerConfig};
