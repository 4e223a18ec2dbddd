//! rgrid-server: the HTTP API, the job queue and state, object storage and the runner
//! endpoints. The binary (`rgrid-server serve`) and the CLI's embedded grid both build on
//! this library: [`start`] a server from a [`ServerConfig`], or mount [`router`] yourself.

pub mod access;
pub mod api;
pub mod app;
pub mod blobs;
pub mod config;
pub mod config_file;
pub mod orchestrator;
pub mod reaper;
pub mod replicas;
pub mod retention;
pub mod store;

pub use api::{router, AppState};
pub use app::{start, RunningServer, ServerError};
pub use config::ServerConfig;
