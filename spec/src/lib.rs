//! JobSpec v1 (the job wire format) and the HTTP wire types shared by the rgrid CLI, server and
//! runner. This crate does no I/O: it parses, validates and describes.

pub mod access;
pub mod api;
pub mod job_spec;
pub mod path;
pub mod quantity;
mod validate;

pub use job_spec::{
    Files, InputFile, JobBody, JobSpec, Metadata, OutputFile, OutputKind, Resources, API_VERSION,
    DEFAULT_RUNTIME, KIND,
};
pub use validate::{SpecError, ValidatedSpec};
