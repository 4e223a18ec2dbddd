//! Docker availability checks for tests that claim to cover the Docker executor.
//!
//! A test that needs Docker calls [`require_docker`] first and returns early when it gets
//! `false`. Outside CI a missing engine or runtime image only skips the test (loudly); in CI
//! (`CI=true`) it panics, because a skipped Docker test there would hide a broken set-up.
//! `scripts/setup.sh` starts the engine and builds the image.

use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The image jobs run in by default (the JobSpec default), built locally by
/// `scripts/build-runtime-image.sh`.
pub const RUNTIME_IMAGE: &str = "python:3.11-slim";

/// How long `docker info` may take before the engine counts as absent. A healthy local
/// engine answers in well under a second; a missing one fails at once or hangs on a socket.
const DOCKER_INFO_DEADLINE: Duration = Duration::from_secs(10);

/// True when a Docker engine answers `docker info` within a few seconds.
pub fn docker_available() -> bool {
    docker_succeeds(&["info", "--format", "{{.ServerVersion}}"])
}

/// True when the engine answers and has `image` locally (jobs never pull from a registry).
pub fn image_present(image: &str) -> bool {
    docker_succeeds(&["image", "inspect", "--format", "{{.Id}}", image])
}

/// Whether this test run may use Docker. Returns `false` (after a loud message on stderr)
/// when the engine or the runtime image is missing outside CI.
///
/// # Panics
///
/// When `CI=true` and the engine or the runtime image is missing.
pub fn require_docker() -> bool {
    let missing = if !docker_available() {
        "no Docker engine answers `docker info`".to_string()
    } else if !image_present(RUNTIME_IMAGE) {
        format!("the runtime image {RUNTIME_IMAGE} is not built")
    } else {
        return true;
    };
    if running_in_ci() {
        panic!("CI=true but {missing}: .ci/run must run scripts/setup.sh before the tests");
    }
    eprintln!(
        "\n*** SKIPPING Docker test: {missing}. Run `bash scripts/setup.sh` to start the \
         engine and build the image. (With CI=true this is a failure.) ***\n"
    );
    false
}

/// True when the environment says this is a CI run (`CI=true`, as CI sets it, or `CI=1`).
pub fn running_in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value.eq_ignore_ascii_case("true") || value == "1")
}

/// Runs `docker ARGS` with its output discarded; false on a non-zero exit, a missing CLI or
/// when it does not finish within [`DOCKER_INFO_DEADLINE`] (the child is then killed).
fn docker_succeeds(args: &[&str]) -> bool {
    let child = Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let Ok(mut child) = child else {
        return false;
    };
    let deadline = Instant::now() + DOCKER_INFO_DEADLINE;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.success(),
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
            Ok(None) | Err(_) => {
                // Best effort: the child may have exited between the check and the kill.
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_image_runs_python_311_without_network() {
        if !require_docker() {
            return;
        }
        let output = Command::new("docker")
            .args(["run", "--rm", "--network", "none", RUNTIME_IMAGE])
            .args(["python", "-c", "import sys; print(sys.version_info[:2])"])
            .output()
            .expect("docker CLI runs");
        assert!(output.status.success(), "docker run failed: {output:?}");
        assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "(3, 11)");
    }

    #[test]
    fn runtime_image_can_create_a_venv() {
        if !require_docker() {
            return;
        }
        let status = Command::new("docker")
            .args(["run", "--rm", "--network", "none", RUNTIME_IMAGE])
            .args([
                "sh",
                "-c",
                "python -m venv /tmp/v && /tmp/v/bin/python -c 'import sys'",
            ])
            .status()
            .expect("docker CLI runs");
        assert!(status.success(), "venv creation failed in {RUNTIME_IMAGE}");
    }

    #[test]
    fn a_missing_image_is_reported_absent() {
        if !require_docker() {
            return;
        }
        assert!(!image_present("rgrid-test/no-such-image:never-built"));
        assert!(image_present(RUNTIME_IMAGE));
    }
}
