//! rgrid-server: the HTTP API, the job queue and state, object storage and the runner
//! endpoints. The binary (`rgrid-server serve`) and the CLI's embedded grid both build on
//! this library.

pub mod store;
