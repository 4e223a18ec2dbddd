//! Shared harness for the end-to-end tests.
pub mod docker;
pub mod faults;
pub mod grid;
pub mod process;
pub mod proxy;
pub mod s3;

pub mod postgres;
