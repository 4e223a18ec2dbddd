//! One local grid per RGRID_HOME: a second `rgrid dev` on the same home refuses, naming the
//! running grid, and leaves its `grid.json` alone.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Grid(Child);

impl Drop for Grid {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn dev(home: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rgrid"));
    cmd.args(["dev", "--listen", "127.0.0.1:0", "--slots", "1"])
        .env("RGRID_HOME", home)
        .env("RGRID_EXECUTOR", "process")
        .env_remove("RGRID_SERVER")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    cmd
}

#[test]
fn a_second_grid_on_the_same_home_refuses() {
    let home = tempfile::tempdir().expect("temp dir");
    let first = Grid(
        dev(home.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start rgrid dev"),
    );
    let grid_json = home.path().join("grid.json");
    let deadline = Instant::now() + Duration::from_secs(60);
    let before = loop {
        if let Ok(text) = std::fs::read_to_string(&grid_json) {
            break text;
        }
        assert!(
            Instant::now() < deadline,
            "the first grid wrote no grid.json"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let pid = first.0.id().to_string();

    let second = dev(home.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start second rgrid dev");
    let mut second = Grid(second);
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = second.0.try_wait().expect("watch second grid") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "a second grid started on the same home"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(1));
    let mut err = String::new();
    std::io::Read::read_to_string(&mut second.0.stderr.take().expect("stderr"), &mut err)
        .expect("read stderr");
    assert!(err.contains("a local grid is already running"), "{err}");
    assert!(err.contains(&format!("pid {pid}")), "{err}");
    assert!(err.contains(&format!("kill {pid}")), "{err}");
    // The running grid's file is untouched.
    assert_eq!(
        std::fs::read_to_string(&grid_json).expect("grid.json"),
        before
    );
}
