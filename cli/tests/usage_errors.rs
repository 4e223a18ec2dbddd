//! Mistakes on the command line: one clear message naming the thing, and exit code 2 (or 77
//! for a missing key), before anything is uploaded or any grid is started.

use std::process::{Command, Output};

fn rgrid(cwd: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rgrid"))
        .args(args)
        .current_dir(cwd)
        // A server that is never contacted: the errors below come before any request.
        .env("RGRID_SERVER", "http://127.0.0.1:9")
        .env("RGRID_API_KEY", "rg_unused")
        .env("NO_COLOR", "1")
        .output()
        .expect("run rgrid")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn dir_with_script() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("main.py"), "print('hi')\n").expect("write script");
    dir
}

#[test]
fn missing_script_names_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = rgrid(dir.path(), &["run", "nope.py"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "rgrid: error: cannot read script `nope.py`: no such file\n"
    );
}

#[test]
fn explicit_requirements_file_must_exist() {
    let dir = dir_with_script();
    let out = rgrid(dir.path(), &["run", "--req", "reqs.txt", "main.py"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "rgrid: error: cannot read requirements file `reqs.txt`: no such file\n"
    );
}

#[test]
fn bad_quantities_name_the_flag() {
    let dir = dir_with_script();
    let out = rgrid(dir.path(), &["run", "--cpu", "lots", "main.py"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("rgrid: error: `--cpu` is \"lots\""),
        "{}",
        stderr(&out)
    );
    let out = rgrid(dir.path(), &["run", "--memory", "512MB", "main.py"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`--memory` is \"512MB\""),
        "{}",
        stderr(&out)
    );
    let out = rgrid(dir.path(), &["run", "--timeout", "0", "main.py"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`--timeout` is 0"),
        "{}",
        stderr(&out)
    );
    let out = rgrid(dir.path(), &["run", "--env", "NOVALUE", "main.py"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`--env NOVALUE` needs the form KEY=VALUE"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn invalid_spec_file_names_the_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = r#"{"apiVersion":"rgrid.dev/v1","kind":"Job","spec":{"command":["true"],
        "files":{"inputs":[{"path":"../etc/passwd","url":"https://h/x"}]}}}"#;
    std::fs::write(dir.path().join("job.json"), spec).expect("write spec");
    let out = rgrid(dir.path(), &["submit", "job.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out)
            .contains("`spec.files.inputs[0].path` \"../etc/passwd\" leaves the work directory"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn server_without_key_is_an_auth_error() {
    let dir = dir_with_script();
    let out = Command::new(env!("CARGO_BIN_EXE_rgrid"))
        .args(["run", "main.py"])
        .current_dir(dir.path())
        .env("RGRID_SERVER", "http://127.0.0.1:9")
        .env_remove("RGRID_API_KEY")
        .env("RGRID_CONFIG_DIR", dir.path().join("no-logins"))
        .env("NO_COLOR", "1")
        .output()
        .expect("run rgrid");
    assert_eq!(out.status.code(), Some(77));
    let message = stderr(&out);
    assert!(
        message.contains("no API key for http://127.0.0.1:9; run `rgrid login --server")
            && message.contains("or set `RGRID_API_KEY`"),
        "{message}"
    );
}

#[test]
fn bad_job_id_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = rgrid(dir.path(), &["status", "not-an-id"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`not-an-id` is not a job id"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_argument_shaped_like_a_missing_file_is_warned_about() {
    let dir = dir_with_script();
    let out = rgrid(
        dir.path(),
        &["run", "main.py", "missing.csv", "0.5", "fast"],
    );
    let text = stderr(&out);
    assert!(
        text.starts_with(
            "rgrid: warning: `missing.csv` is not a local file, so it reaches the script as \
             plain text; check the path if the script should read it\n"
        ),
        "{text}"
    );
    assert_eq!(text.matches("warning").count(), 1, "{text}");
}

/// A bad run default from a config file or the environment names where it came from, and a
/// flag still beats it.
#[test]
fn bad_run_defaults_name_their_source() {
    let dir = dir_with_script();
    std::fs::write(dir.path().join(".rgrid.toml"), "memory = \"lots\"\n").expect("write");
    let out = rgrid(dir.path(), &["run", "main.py"]);
    assert_eq!(out.status.code(), Some(2));
    let project_file = dir.path().join(".rgrid.toml");
    let expected = format!(
        "rgrid: error: `memory` (from project file {}) is \"lots\"",
        project_file.display()
    );
    assert!(stderr(&out).starts_with(&expected), "{}", stderr(&out));

    let out = Command::new(env!("CARGO_BIN_EXE_rgrid"))
        .args(["run", "main.py", "--memory", "1Gi"])
        .current_dir(dir.path())
        .env("RGRID_SERVER", "http://127.0.0.1:9")
        .env("RGRID_API_KEY", "rg_unused")
        .env("RGRID_TIMEOUT", "0")
        .env("NO_COLOR", "1")
        .output()
        .expect("run rgrid");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("rgrid: error: `timeout` (from environment RGRID_TIMEOUT) is 0"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn server_must_be_an_http_url() {
    let dir = tempfile::tempdir().expect("temp dir");
    for bad in ["not-a-url", "ftp://127.0.0.1:5"] {
        let out = rgrid(dir.path(), &["login", "--server", bad]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("flag --server"), "{err}");
        assert!(err.contains(bad), "{err}");
        assert!(err.contains("http(s)://host:port"), "{err}");
    }
    // From the environment, the variable is named.
    let out = Command::new(env!("CARGO_BIN_EXE_rgrid"))
        .args(["list"])
        .current_dir(dir.path())
        .env("RGRID_SERVER", "localhost:8080")
        .env("RGRID_API_KEY", "rg_unused")
        .output()
        .expect("run rgrid");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("RGRID_SERVER"), "{}", stderr(&out));
}

#[test]
fn personal_token_cannot_run_jobs() {
    let dir = dir_with_script();
    let out = Command::new(env!("CARGO_BIN_EXE_rgrid"))
        .args(["run", "main.py"])
        .current_dir(dir.path())
        .env("RGRID_SERVER", "http://127.0.0.1:9")
        .env("RGRID_API_KEY", "rgu_personal")
        .env("NO_COLOR", "1")
        .output()
        .expect("run rgrid");
    assert_eq!(out.status.code(), Some(77), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("personal token"), "{err}");
    assert!(err.contains("rgrid keys create"), "{err}");
    assert!(!err.contains("cannot reach"), "{err}");
}

#[test]
fn an_output_dir_that_cannot_be_created_is_a_usage_error() {
    let dir = dir_with_script();
    std::fs::write(dir.path().join("plain"), "x").expect("write file");
    for bad in ["/proc/nope", "plain/sub"] {
        let out = rgrid(dir.path(), &["run", "-o", bad, "main.py"]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let text = stderr(&out);
        assert!(
            text.contains(&format!("`--output-dir` `{bad}` cannot be created")),
            "{text}"
        );
    }
}

fn run_with_stdin(dir: &std::path::Path, stdin: std::process::Stdio) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_rgrid"))
        .args(["run", "main.py"])
        .current_dir(dir)
        .env("RGRID_SERVER", "http://127.0.0.1:9")
        .env("RGRID_API_KEY", "rg_unused")
        .env("NO_COLOR", "1")
        .stdin(stdin)
        .output()
        .expect("run rgrid");
    stderr(&out)
}

#[test]
fn data_on_stdin_is_warned_about_once() {
    let dir = dir_with_script();
    let data = dir.path().join("data.txt");
    std::fs::write(&data, "hi\n").expect("write data");
    let file = std::fs::File::open(&data).expect("open data");
    let text = run_with_stdin(dir.path(), file.into());
    assert_eq!(
        text.matches("stdin is not passed to the job").count(),
        1,
        "{text}"
    );
    assert!(text.contains("rgrid run main.py data.txt"), "{text}");

    let text = run_with_stdin(dir.path(), std::process::Stdio::null());
    assert!(!text.contains("stdin"), "{text}");
}

#[test]
fn key_roles_are_checked_by_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = rgrid(
        dir.path(),
        &["keys", "create", "bot", "--role", "superuser"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("--role"), "{err}");
    assert!(
        err.contains("[possible values: admin, developer, viewer]"),
        "{err}"
    );
    assert!(!err.contains("owner"), "{err}");
}

#[test]
fn out_of_range_numbers_are_usage_errors_naming_flag_and_range() {
    let dir = dir_with_script();
    let cases: [(&[&str], &str, &str); 4] = [
        (
            &["run", "main.py", "--batch", "*.py", "--parallel", "0"],
            "--parallel",
            "1..",
        ),
        (&["cost", "--days", "0"], "--days", "1..=366"),
        (&["cost", "--days", "100000"], "--days", "1..=366"),
        (&["list", "--limit", "0"], "--limit", "1..=1000"),
    ];
    for (args, flag, range) in cases {
        let out = rgrid(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(flag) && err.contains(range), "{args:?}: {err}");
    }
}

#[test]
fn a_bad_env_name_is_shown() {
    let dir = dir_with_script();
    let out = rgrid(dir.path(), &["run", "--env", "=v", "main.py"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("`--env =…`"), "{}", stderr(&out));
    let out = rgrid(dir.path(), &["run", "--env", "1X=v", "main.py"]);
    assert!(stderr(&out).contains("the name `1X`"), "{}", stderr(&out));
}
