//! `rgrid login`, `whoami`, `keys` and `logout` as a user runs them, against the real
//! `rgrid-server` on SQLite: the key goes in through stdin (never the command line), is kept
//! in the OS keyring or, with none here, a 0600 file, and bad keys get clear errors.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use rgrid_tests::grid::Grid;
use rgrid_tests::process::{bin, Run};

struct User {
    config: tempfile::TempDir,
    home: tempfile::TempDir,
}

impl User {
    fn new() -> User {
        User {
            config: tempfile::tempdir().expect("config dir"),
            home: tempfile::tempdir().expect("home"),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(bin("rgrid"));
        command
            .args(args)
            .env("RGRID_CONFIG_DIR", self.config.path())
            .env("RGRID_HOME", self.home.path())
            .env("NO_COLOR", "1")
            .env_remove("RGRID_SERVER")
            .env_remove("RGRID_API_KEY")
            .env_remove("RGRID_PROFILE");
        command
    }

    fn rgrid(&self, args: &[&str]) -> Run {
        let output = self.command(args).output().expect("run rgrid");
        Run::from_output(output)
    }

    fn rgrid_with_key(&self, key: &str, args: &[&str]) -> Run {
        let output = self
            .command(args)
            .env("RGRID_API_KEY", key)
            .output()
            .expect("run rgrid");
        Run::from_output(output)
    }

    /// `rgrid login --with-token`, checking the key is not on its command line while it runs.
    fn login(&self, server: &str, key: &str) -> Run {
        let mut child = self
            .command(&["login", "--server", server, "--with-token"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn rgrid login");
        let cmdline = std::fs::read(format!("/proc/{}/cmdline", child.id())).unwrap_or_default();
        assert!(!String::from_utf8_lossy(&cmdline).contains(key));
        let mut stdin = child.stdin.take().expect("stdin");
        writeln!(stdin, "{key}").expect("write the key");
        drop(stdin);
        Run::from_output(child.wait_with_output().expect("rgrid login"))
    }

    fn credentials(&self) -> String {
        std::fs::read_to_string(self.config.path().join("credentials.json")).unwrap_or_default()
    }
}

fn admin(database: &str, args: &[&str]) -> String {
    let output = Command::new(bin("rgrid-server"))
        .arg("admin")
        .args(["--database-url", database])
        .args(args)
        .output()
        .expect("run rgrid-server admin");
    let run = Run::from_output(output);
    assert_eq!(run.code, 0, "{run}");
    run.stdout.trim().to_string()
}

fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn login_whoami_keys_and_logout() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = format!("sqlite://{}", dir.path().join("rgrid.db").display());
    let key = admin(&database, &["create-project", "acme/images"]);
    let grid = Grid::start(&database).expect("start rgrid-server");
    let user = User::new();

    let malformed = user.login(&grid.url, "hunter2");
    assert_eq!(malformed.code, 2, "{malformed}");
    assert!(malformed.stderr.contains("not an rgrid key"), "{malformed}");
    let unknown = user.login(&grid.url, "rg_UnknownUnknownUnknownUnknown1");
    assert_eq!(unknown.code, 77, "{unknown}");
    assert!(!unknown.stderr.contains("rg_Unknown"), "{unknown}");

    let login = user.login(&grid.url, &key);
    assert_eq!(login.code, 0, "{login}");
    assert!(
        login.stderr.contains("as acme/images, role admin"),
        "{login}"
    );
    let file = user.config.path().join("credentials.json");
    assert_eq!(mode_of(&file), 0o600);
    assert!(user.credentials().contains(&grid.url));
    let in_file = user.credentials().contains(&key);
    // Said once, at login, and only when the key went to the file.
    assert_eq!(
        login.stderr.contains("no OS keyring service"),
        in_file,
        "{login}"
    );

    // No `--server`: the saved login is the target.
    let whoami = user.rgrid(&["whoami"]);
    assert_eq!(whoami.code, 0, "{whoami}");
    assert!(whoami.stdout.contains("acme/images"), "{whoami}");
    assert!(whoami.stdout.contains("role     admin"), "{whoami}");
    assert!(!whoami.stderr.contains("keyring service"), "{whoami}");

    let created = user.rgrid(&["keys", "create", "dashboard", "--role", "viewer"]);
    assert_eq!(created.code, 0, "{created}");
    let viewer = created.stdout.trim().to_string();
    let list = user.rgrid(&["keys", "list"]);
    assert!(
        list.stdout.contains("dashboard") && !list.stdout.contains(&viewer),
        "{list}"
    );

    // RGRID_API_KEY overrides the saved key; a viewer may list but not submit.
    let as_viewer = user.rgrid_with_key(&viewer, &["whoami"]);
    assert!(as_viewer.stdout.contains("role     viewer"), "{as_viewer}");
    assert!(as_viewer.stdout.contains("RGRID_API_KEY"), "{as_viewer}");
    let id = created
        .stderr
        .split_whitespace()
        .nth(1)
        .expect("key id")
        .to_string();
    let revoked = user.rgrid(&["keys", "revoke", &id]);
    assert_eq!(revoked.code, 0, "{revoked}");
    let refused = user.rgrid_with_key(&viewer, &["list"]);
    assert_eq!(refused.code, 77, "{refused}");
    assert!(refused.stderr.contains("rgrid login"), "{refused}");
    assert!(!refused.stderr.contains(&viewer), "{refused}");

    let other = user.rgrid(&["--profile", "work", "whoami"]);
    assert_eq!(other.code, 2, "{other}");
    assert!(
        other.stderr.contains("profile `work` has no login"),
        "{other}"
    );

    let logout = user.rgrid(&["logout"]);
    assert_eq!(logout.code, 0, "{logout}");
    assert!(!user.credentials().contains(&grid.url));
    assert!(!user.credentials().contains(&key));
}
