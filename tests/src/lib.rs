//! Shared harness for the end-to-end tests.
pub mod docker;

pub mod postgres;
