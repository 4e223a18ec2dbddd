//! `rgrid-server admin`, run as the binary against a fresh SQLite database.
// A failed unwrap here is a failed test, with the value in the message.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

fn admin(database: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rgrid-server"))
        .arg("admin")
        .args(["--database-url", database])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn create_project_twice_names_the_project_and_mints_no_second_key() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("rgrid.db").display());

    let first = admin(&database, &["create-project", "acme/images"]);
    assert!(first.status.success(), "{first:?}");
    assert!(String::from_utf8_lossy(&first.stdout)
        .trim()
        .starts_with("rg_"));

    let second = admin(&database, &["create-project", "acme/images"]);
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        !second.status.success(),
        "second create-project succeeded: {second:?}"
    );
    assert!(second.stdout.is_empty(), "a key was printed: {second:?}");
    assert!(stderr.contains("acme/images"), "{stderr}");
    assert!(stderr.contains("already exists"), "{stderr}");
    assert!(stderr.contains("create-key acme/images"), "{stderr}");
}
