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
        .env_remove("RGRID_COLOR");
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
    assert_eq!(shown["api_key"]["value"], "rg_use…", "the key is masked");
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
