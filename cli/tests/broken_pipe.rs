//! A reader that closes the pipe early (`rgrid … | head -1`) ends rgrid quietly, as other
//! Unix tools: no panic, no error message, exit 0.

use std::process::{Command, Stdio};

/// Runs rgrid with stdout a pipe whose reading end is closed before rgrid writes.
fn with_closed_stdout(args: &[&str]) -> std::process::Output {
    let home = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rgrid"))
        .args(args)
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .env("RGRID_SERVER", "http://127.0.0.1:9")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rgrid");
    drop(child.stdout.take());
    child.wait_with_output().expect("wait for rgrid")
}

#[test]
fn completions_into_a_closed_pipe_exit_quietly() {
    let out = with_closed_stdout(&["completions", "bash"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "stderr should be empty"
    );
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn printed_output_into_a_closed_pipe_exits_quietly() {
    let out = with_closed_stdout(&["config", "show"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "stderr should be empty"
    );
    assert_eq!(out.status.code(), Some(0));
}
