//! Secrets stay secret: keys and tokens made by `rgrid-server admin`, a node token, and a
//! wrong key never show up in the server's or runner's debug log, in error messages, or in
//! the admin command's own messages. The real binaries on SQLite with the process executor.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use rgrid_tests::grid::shared_cache_root;
use rgrid_tests::process::{bin, wait_for_file, Daemon, Run};

/// A made-up key of the right shape, unknown to the server.
const WRONG_KEY: &str = "rg_WrongWrongWrongWrongWrongWrong";

fn admin(database: &str, args: &[&str]) -> Run {
    let output = Command::new(bin("rgrid-server"))
        .arg("admin")
        .args(["--database-url", database])
        .args(args)
        .env("RUST_LOG", "debug")
        .output()
        .expect("run rgrid-server admin");
    let run = Run::from_output(output);
    assert_eq!(run.code, 0, "{run}");
    run
}

/// `rgrid-server serve` with a debug log, the API key and bootstrap token of the tests.
fn start_server(dir: &Path, database: &str) -> (Daemon, String) {
    let url_file = dir.join("server.url");
    let mut command = Command::new(bin("rgrid-server"));
    command
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            database,
        ])
        .arg("--data-dir")
        .arg(dir.join("server"))
        .arg("--url-file")
        .arg(&url_file)
        .env_remove("RGRID_SERVER_API_KEY")
        .env_remove("RGRID_BOOTSTRAP_TOKEN")
        .env("RUST_LOG", "debug");
    let mut server =
        Daemon::spawn("rgrid-server", command, dir.join("server.log")).expect("server");
    let url = wait_for_file(&url_file, &mut server, Duration::from_secs(30)).expect("server URL");
    (server, url)
}

fn rgrid(url: &str, cwd: &Path, key: &str, args: &[&str]) -> Run {
    let output = Command::new(bin("rgrid"))
        .args(args)
        .current_dir(cwd)
        .env("RGRID_SERVER", url)
        .env("RGRID_API_KEY", key)
        .env("NO_COLOR", "1")
        .env_remove("RGRID_HOME")
        .output()
        .expect("run rgrid");
    Run::from_output(output)
}

/// `/proc/<pid>/cmdline` (what `ps` shows every user) holds none of `secrets`.
fn assert_argv_holds_none(pid: u32, secrets: &[String]) {
    let argv = rgrid_tests::process::command_line(pid).expect("command line");
    for secret in secrets {
        assert!(!argv.contains(secret.as_str()), "a secret in `ps`: {argv}");
    }
    assert!(secret_shaped_words(&argv).is_empty(), "{argv}");
}

/// `--bootstrap-token` on the command line still works but warns that `ps` shows it.
#[test]
fn the_runner_warns_when_the_token_is_on_its_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut command = Command::new(bin("rgrid-runner"));
    command
        // Nothing listens on port 9 (discard): the runner keeps trying to register.
        .args(["--server", "http://127.0.0.1:9", "--executor", "process"])
        .args(["--bootstrap-token", "rgb_flag0123456789abcdef0123"])
        .arg("--work-root")
        .arg(dir.path().join("work"))
        .arg("--cache-root")
        .arg(dir.path().join("cache"))
        .env_remove("RGRID_BOOTSTRAP_TOKEN")
        .env_remove("RGRID_BOOTSTRAP_TOKEN_FILE");
    let mut runner =
        Daemon::spawn("rgrid-runner", command, dir.path().join("runner.log")).expect("runner");
    let warned = rgrid_tests::process::wait_until(
        "the warning about the token on the command line",
        Duration::from_secs(30),
        || runner.log_text().contains("--bootstrap-token-file"),
    );
    let log = runner.log_text();
    runner.kill();
    assert!(warned.is_ok(), "{log}");
    assert!(
        log.contains("`ps`") && log.contains("RGRID_BOOTSTRAP_TOKEN"),
        "{log}"
    );
}

/// Words shaped like one of our secrets: a kind prefix and at least 16 more characters.
fn secret_shaped_words(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| {
            ["rg_", "rgu_", "rgb_", "rgn_", "rgo_"]
                .iter()
                .any(|kind| word.strip_prefix(kind).is_some_and(|rest| rest.len() >= 16))
        })
        .collect()
}

#[test]
fn keys_and_tokens_never_reach_logs_or_messages() {
    let dir = tempfile::Builder::new()
        .prefix("rgrid-secrets-")
        .tempdir()
        .expect("temp dir");
    let database = format!("sqlite://{}", dir.path().join("rgrid.db").display());

    let project = admin(&database, &["create-project", "acme/images"]);
    let key = project.stdout.trim().to_string();
    let boot = admin(&database, &["mint-bootstrap-token", "--uses", "1"]);
    let bootstrap = boot.stdout.trim().to_string();
    let user = admin(&database, &["create-user", "ann@acme.test"]);
    let user_token = user.stdout.trim().to_string();
    let ops = admin(&database, &["operator-key", "create", "ops"]);
    let operator = ops.stdout.trim().to_string();
    assert!(operator.starts_with("rgo_"), "{ops}");
    for (run, secret) in [
        (&project, &key),
        (&boot, &bootstrap),
        (&user, &user_token),
        (&ops, &operator),
    ] {
        assert!(!run.stderr.contains(secret.as_str()), "{run}");
    }

    let (mut server, url) = start_server(dir.path(), &database);
    let data_dir_key = std::fs::read_to_string(dir.path().join("server/api-key")).expect("key");
    // The bootstrap token through the environment, never the command line.
    let root = dir.path().join("runner");
    let mut command = Command::new(bin("rgrid-runner"));
    command
        .args([
            "--server",
            &url,
            "--name",
            "secret-test",
            "--executor",
            "process",
        ])
        .args(["--slots", "1"])
        .arg("--work-root")
        .arg(root.join("work"))
        .arg("--cache-root")
        .arg(shared_cache_root())
        .env("RGRID_BOOTSTRAP_TOKEN", &bootstrap)
        .env("RUST_LOG", "debug");
    std::fs::create_dir_all(&root).expect("runner dir");
    let mut runner =
        Daemon::spawn("rgrid-runner", command, root.join("runner.log")).expect("runner");
    let logs = |server: &Daemon, runner: &Daemon| {
        format!(
            "--- server ---\n{}\n--- runner ---\n{}",
            server.log_text(),
            runner.log_text()
        )
    };

    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).expect("work dir");
    std::fs::write(work.join("hello.py"), "print('hello')\n").expect("script");
    let run = rgrid(&url, &work, &key, &["run", "hello.py"]);
    assert_eq!(run.code, 0, "{run}\n{}", logs(&server, &runner));
    assert!(run.stdout.contains("hello"), "{run}");
    let nodes = rgrid(&url, &work, &operator, &["nodes"]);
    assert_eq!(nodes.code, 0, "{nodes}");

    // What `ps` shows: no secret on the command line of the server, the runner, or the CLI
    // while it runs (a job that waits for a file the test writes, so it is caught running).
    let mut secrets = vec![key.clone(), bootstrap.clone(), operator.clone()];
    secrets.push(data_dir_key.trim().to_string());
    for daemon in [&mut server, &mut runner] {
        daemon.check_alive().expect("still running");
        assert_argv_holds_none(daemon.pid(), &secrets);
    }
    let gate = work.join("gate");
    let script = format!(
        "import os, time\nwhile not os.path.exists({:?}):\n    time.sleep(0.05)\n\
         print('through')\n",
        gate.display().to_string()
    );
    std::fs::write(work.join("wait.py"), script).expect("script");
    let mut cli = Command::new(bin("rgrid"))
        .args(["run", "wait.py"])
        .current_dir(&work)
        .env("RGRID_SERVER", &url)
        .env("RGRID_API_KEY", &key)
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("cli.log")).expect("cli log"))
        .spawn()
        .expect("rgrid run");
    if let Ok(Some(status)) = cli.try_wait() {
        let log = std::fs::read_to_string(dir.path().join("cli.log")).unwrap_or_default();
        panic!("rgrid run ended early ({status}): {log}");
    }
    assert_argv_holds_none(cli.id(), &secrets);
    std::fs::write(&gate, "").expect("open the gate");
    let status = cli.wait().expect("rgrid run ends");
    assert!(status.success(), "{status}\n{}", logs(&server, &runner));

    let refused = rgrid(&url, &work, WRONG_KEY, &["list"]);
    assert_ne!(refused.code, 0, "{refused}");
    assert!(!refused.stderr.contains(WRONG_KEY), "{refused}");
    let curl = Command::new("curl")
        .args(["-s", "-H", &format!("Authorization: Bearer {WRONG_KEY}")])
        .arg(format!("{url}/v1/jobs"))
        .output()
        .expect("curl");
    let body = String::from_utf8_lossy(&curl.stdout);
    assert!(
        body.contains("unauthorized") && !body.contains(WRONG_KEY),
        "{body}"
    );

    server.terminate(Duration::from_secs(10));
    runner.terminate(Duration::from_secs(10));
    let logs = logs(&server, &runner);
    assert!(
        logs.contains("runner registered"),
        "the log is not the one expected:\n{logs}"
    );
    let data_dir_key = data_dir_key.trim().to_string();
    for secret in [
        &key,
        &bootstrap,
        &user_token,
        &data_dir_key,
        &WRONG_KEY.to_string(),
    ] {
        assert!(
            !logs.contains(secret.as_str()),
            "a secret is in the logs:\n{logs}"
        );
    }
    // The node token was never seen by the test: look for anything shaped like a secret.
    let shaped = secret_shaped_words(&logs);
    assert!(
        shaped.is_empty(),
        "secret-shaped words in the logs: {shaped:?}"
    );
}
