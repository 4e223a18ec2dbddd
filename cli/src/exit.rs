//! The exit-code contract (documented in docs/cli.md).
//!
//! `rgrid run` exits with the job's own exit code when the job ran and exited. Everything
//! else uses a code of its own, chosen away from common script codes:

/// The job (or command) succeeded.
pub const OK: i32 = 0;
/// Bad flags, a missing or unreadable local file, an invalid job spec.
pub const USAGE: i32 = 2;
/// The job was cancelled, or the user detached with Ctrl-C.
pub const CANCELLED: i32 = 130;
/// The job ran past its timeout and was killed (as coreutils `timeout`).
pub const TIMEOUT: i32 = 124;
/// The job failed for a reason other than its exit code: image, requirements, inputs,
/// a missing output, a lost node, a runner error.
pub const JOB_FAILED: i32 = 125;
/// The job was killed for using more memory than its limit (128 + SIGKILL).
pub const OOM: i32 = 137;
/// The server could not be reached (EX_UNAVAILABLE).
pub const UNREACHABLE: i32 = 69;
/// The API key was missing or refused (EX_NOPERM).
pub const AUTH: i32 = 77;
/// Anything else that went wrong inside rgrid.
pub const INTERNAL: i32 = 1;
