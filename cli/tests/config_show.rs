//! `rgrid config show` through the real binary: each setting with its source, the project
//! file found from a subdirectory, the environment over it, the flag over both.

use std::process::Command;

fn show(
    cwd: &std::path::Path,
    user_file: &std::path::Path,
    env: &[(&str, &str)],
    args: &[&str],
) -> serde_json::Value {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rgrid"));
    command
        .args(args)
        .args(["config", "show", "--json"])
        .current_dir(cwd)
        .env("RGRID_CONFIG", user_file)
        .env_remove("RGRID_SERVER")
        .env_remove("RGRID_API_KEY")
        .env_remove("RGRID_COLOR")
        .env_remove("RGRID_PROFILE")
        .env_remove("RGRID_QUIET")
        .env_remove("RGRID_RUNTIME")
        .env_remove("RGRID_TIMEOUT")
        .env_remove("RGRID_OUTPUT_DIR")
        .env_remove("RGRID_CPU")
        .env_remove("RGRID_MEMORY")
        // No saved login of this machine's user may leak in.
        .env("RGRID_CONFIG_DIR", user_file.with_extension("d"))
        .env("HOME", user_file.parent().expect("parent"));
    for (key, value) in env {
        command.env(key, value);
    }
    let out = command.output().expect("run rgrid");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn config_show_names_the_source_of_each_setting() {
    let home = tempfile::tempdir().expect("temp dir");
    let project = home.path().join("project");
    let sub = project.join("sub");
    std::fs::create_dir_all(&sub).expect("dirs");
    let user = home.path().join("config.toml");
    std::fs::write(
        &user,
        "api_key = \"rg_user_secret_key\"\ncolor = \"never\"\n",
    )
    .expect("w");
    std::fs::write(
        project.join(".rgrid.toml"),
        "server = \"http://project:8080\"\n",
    )
    .expect("w");

    let shown = show(&sub, &user, &[], &[]);
    assert_eq!(shown["server"]["value"], "http://project:8080");
    let source = shown["server"]["source"].as_str().expect("source");
    assert!(source.starts_with("project file ") && source.ends_with(".rgrid.toml"));
    assert_eq!(
        shown["api_key"]["value"], "(hidden)",
        "the key is never shown"
    );
    assert!(shown["api_key"]["source"]
        .as_str()
        .expect("s")
        .starts_with("user config "));
    assert_eq!(shown["color"]["value"], "never");

    let shown = show(&sub, &user, &[("RGRID_SERVER", "http://env")], &[]);
    assert_eq!(shown["server"]["source"], "environment RGRID_SERVER");
    let shown = show(
        &sub,
        &user,
        &[("RGRID_SERVER", "http://env")],
        &["--server", "http://f"],
    );
    assert_eq!(shown["server"]["value"], "http://f");
    assert_eq!(shown["server"]["source"], "flag --server");
    let shown = show(home.path(), &home.path().join("none.toml"), &[], &[]);
    assert_eq!(shown["server"]["value"], serde_json::Value::Null);
    assert_eq!(shown["color"]["source"], "default");
}

/// The `rgrid run` defaults and the global switches: each level hands over to the next, and
/// the key's value never appears, whatever its source.
#[test]
fn config_show_covers_run_defaults_quiet_and_profile() {
    let home = tempfile::tempdir().expect("temp dir");
    let project = home.path().join("project");
    std::fs::create_dir_all(&project).expect("dirs");
    let user = home.path().join("config.toml");
    std::fs::write(
        &user,
        "runtime = \"python:3.12-slim\"\ntimeout = 60\nquiet = true\n",
    )
    .expect("w");
    std::fs::write(
        project.join(".rgrid.toml"),
        "timeout = 120\noutput_dir = \"results\"\nmemory = \"1Gi\"\n",
    )
    .expect("w");

    let shown = show(&project, &user, &[], &[]);
    assert_eq!(shown["timeout"]["value"], "120");
    assert!(shown["timeout"]["source"]
        .as_str()
        .expect("s")
        .starts_with("project file "));
    assert_eq!(shown["runtime"]["value"], "python:3.12-slim");
    assert!(shown["runtime"]["source"]
        .as_str()
        .expect("s")
        .starts_with("user config "));
    let dir = shown["output_dir"]["value"].as_str().expect("dir");
    assert!(dir.ends_with("project/results"), "{dir}");
    assert_eq!(shown["memory"]["value"], "1Gi");
    assert_eq!(shown["cpu"]["value"], serde_json::Value::Null);
    assert_eq!(shown["quiet"]["value"], "true");
    assert_eq!(shown["profile"]["value"], "default");
    assert_eq!(shown["profile"]["source"], "default");
    assert_eq!(shown["project"]["value"], "local/default");

    let env = [
        ("RGRID_TIMEOUT", "7"),
        ("RGRID_RUNTIME", "python:3.13-slim"),
        ("RGRID_QUIET", "0"),
        ("RGRID_SERVER", "http://env"),
        ("RGRID_API_KEY", "rg_env_secret_value_1234"),
    ];
    let shown = show(&project, &user, &env, &[]);
    assert_eq!(shown["timeout"]["value"], "7");
    assert_eq!(shown["timeout"]["source"], "environment RGRID_TIMEOUT");
    assert_eq!(shown["runtime"]["source"], "environment RGRID_RUNTIME");
    assert_eq!(shown["quiet"]["value"], "false");
    assert_eq!(shown["api_key"]["source"], "environment RGRID_API_KEY");
    let text = shown.to_string();
    assert!(!text.contains("secret_value"), "the key leaked: {text}");

    // `--quiet` beats RGRID_QUIET=0; `--profile` names its source.
    let shown = show(&project, &user, &env, &["--quiet", "--profile", "ci"]);
    assert_eq!(shown["quiet"]["value"], "true");
    assert_eq!(shown["quiet"]["source"], "flag --quiet");
    assert_eq!(shown["profile"]["value"], "ci");
    assert_eq!(shown["profile"]["source"], "flag --profile");
    let shown = show(&project, &user, &[("RGRID_PROFILE", "ci")], &[]);
    assert_eq!(shown["profile"]["source"], "environment RGRID_PROFILE");
}
