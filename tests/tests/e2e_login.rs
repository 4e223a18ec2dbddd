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
        let cmdline = rgrid_tests::process::command_line(child.id()).expect("command line");
        assert!(
            cmdline.contains("login") && !cmdline.contains(key),
            "{cmdline}"
        );
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
    assert!(
        malformed.stderr.contains("rgrid keys create"),
        "{malformed}"
    );
    let unknown = user.login(&grid.url, "rg_UnknownUnknownUnknownUnknown1");
    assert_eq!(unknown.code, 77, "{unknown}");
    assert!(!unknown.stderr.contains("rg_Unknown"), "{unknown}");
    assert!(
        unknown
            .stderr
            .contains("refused the key: it is unknown, revoked")
            && unknown.stderr.contains("ask for a new one"),
        "{unknown}"
    );

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

/// The grid-wide commands need an operator key; personal tokens are listed and revoked; each
/// refusal says what happened and what to run.
#[test]
fn operator_keys_personal_tokens_and_refusals() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = format!("sqlite://{}", dir.path().join("rgrid.db").display());
    let key = admin(&database, &["create-project", "acme/images"]);
    let operator = admin(&database, &["operator-key", "create", "ops-laptop"]);
    let token = admin(
        &database,
        &[
            "create-user",
            "ann@acme.test",
            "--account",
            "acme",
            "--role",
            "owner",
        ],
    );
    let grid = Grid::start(&database).expect("start rgrid-server");
    let user = User::new();
    let with_server = |args: &[&str]| {
        let mut all = vec!["--server", grid.url.as_str()];
        all.extend_from_slice(args);
        all.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let run_with = |key: &str, args: &[&str]| {
        let args = with_server(args);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        user.rgrid_with_key(key, &args)
    };

    // A project key on the grid-wide commands: 403, saying what is needed and how to get it.
    let nodes = run_with(&key, &["nodes"]);
    assert_eq!(nodes.code, 77, "{nodes}");
    assert!(
        nodes.stderr.contains("needs an operator key")
            && nodes
                .stderr
                .contains("rgrid-server admin operator-key create"),
        "{nodes}"
    );
    // … but it sees its own project's cost.
    let cost = run_with(&key, &["cost", "--json"]);
    assert_eq!(cost.code, 0, "{cost}");

    // An unknown key in RGRID_API_KEY: named, with what to do, never echoed.
    let unknown = "rg_NotAKeyTheServerKnows0123456789";
    let refused = run_with(unknown, &["list"]);
    assert_eq!(refused.code, 77, "{refused}");
    assert!(
        refused
            .stderr
            .contains("refused the key in `RGRID_API_KEY`")
            && refused.stderr.contains("rgrid keys create"),
        "{refused}"
    );
    assert!(!refused.stderr.contains(unknown), "{refused}");

    // Signed in with the operator key: nodes work, whoami says what it is.
    let login = user.login(&grid.url, &operator);
    assert_eq!(login.code, 0, "{login}");
    assert!(login.stderr.contains("the grid's operator"), "{login}");
    let whoami = user.rgrid(&["whoami"]);
    assert!(whoami.stdout.contains("operator key"), "{whoami}");
    assert!(whoami.stdout.contains("ops-laptop"), "{whoami}");
    let nodes = user.rgrid(&["nodes"]);
    assert_eq!(nodes.code, 0, "{nodes}");

    // Revoked (listed first): the saved login is refused, naming the profile and the fix.
    let list = admin(&database, &["operator-key", "list"]);
    assert!(
        list.contains("ops-laptop") && !list.contains(&operator),
        "{list}"
    );
    let id = list
        .lines()
        .find(|line| line.contains("ops-laptop"))
        .and_then(|line| line.split_whitespace().next())
        .expect("operator key id")
        .to_string();
    admin(&database, &["operator-key", "revoke", &id]);
    let refused = user.rgrid(&["nodes"]);
    assert_eq!(refused.code, 77, "{refused}");
    assert!(
        refused
            .stderr
            .contains("the key saved for profile `default`")
            && refused
                .stderr
                .contains(&format!("rgrid login --server {}", grid.url)),
        "{refused}"
    );

    // Personal tokens: made, listed (prefix, name, created, last used), revoked.
    let login = user.login(&grid.url, &token);
    assert_eq!(login.code, 0, "{login}");
    let created = user.rgrid(&["tokens", "create", "ci"]);
    assert_eq!(created.code, 0, "{created}");
    let ci = created.stdout.trim().to_string();
    let list = user.rgrid(&["tokens", "list"]);
    assert_eq!(list.code, 0, "{list}");
    assert!(
        list.stdout.contains("PREFIX")
            && list.stdout.contains("LAST USED")
            && list.stdout.contains("ci")
            && list.stdout.contains(&ci[..12])
            && !list.stdout.contains(&ci),
        "{list}"
    );
    let id = created
        .stderr
        .split_whitespace()
        .nth(2)
        .expect("token id")
        .to_string();
    let revoked = user.rgrid(&["tokens", "revoke", &id]);
    assert_eq!(revoked.code, 0, "{revoked}");
    let refused = run_with(&ci, &["tokens", "list"]);
    assert_eq!(refused.code, 77, "{refused}");
}
