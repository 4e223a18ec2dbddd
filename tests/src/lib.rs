//! Shared harness for the end-to-end tests.
pub mod docker;
pub mod grid;
pub mod process;

pub mod postgres;
