//! The orchestrator end to end with the local provider: the server starts and stops real
//! `rgrid-runner` processes as the queue grows and drains. Queue 20 short jobs with at most 3
//! nodes → nodes appear, a runner killed mid-job is replaced and its jobs retried, every job
//! succeeds, and the nodes drain and go away. Each node gets a bootstrap token of its own that
//! its runner's registration spends: a second runner started with it is refused.

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use rgrid_tests::grid::{Grid, GridOptions};
use rgrid_tests::process::{bin, wait_until, Daemon};
use serde_json::Value;

const JOBS: usize = 20;
const MAX_NODES: usize = 3;

/// Kills every runner the local provider left behind when the test ends, pass or fail.
struct Reaper<'a>(&'a Path);

impl Drop for Reaper<'_> {
    fn drop(&mut self) {
        for pid in live_runner_pids(self.0) {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
        }
    }
}

/// Pids in `<root>/<node>/pid` that are still running.
fn live_runner_pids(root: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| std::fs::read_to_string(entry.path().join("pid")).ok())
        .map(|pid| pid.trim().to_string())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                !stat
                    .rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .starts_with('Z')
            })
        })
        .collect()
}

fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).expect("JSON line"))
        .collect()
}

fn nodes(grid: &Grid, cwd: &Path) -> Vec<Value> {
    let run = grid
        .rgrid_as_operator(cwd, &["nodes", "--json"])
        .expect("rgrid nodes");
    assert_eq!(run.code, 0, "{run}\n{}", grid.logs());
    json_lines(&run.stdout)
}

fn jobs(grid: &Grid, cwd: &Path) -> Vec<Value> {
    let run = grid
        .rgrid(cwd, &["list", "--json", "--limit", "100"])
        .expect("rgrid list");
    assert_eq!(run.code, 0, "{run}");
    json_lines(&run.stdout)
}

fn state(node: &Value) -> &str {
    node["state"].as_str().unwrap_or_default()
}

/// The bootstrap tokens the local provider wrote for its nodes, one file per node.
fn node_tokens(root: &Path) -> Vec<String> {
    let entries = std::fs::read_dir(root).expect("nodes root");
    entries
        .flatten()
        .filter_map(|entry| std::fs::read_to_string(entry.path().join("bootstrap-token")).ok())
        .map(|token| token.trim().to_string())
        .collect()
}

/// Every node got its own token; `registered`'s was spent when its runner registered, so a
/// runner started with it (someone who read the file) is refused and exits.
fn a_spent_token_registers_no_one(grid: &Grid, root: &Path, registered: &str) {
    let tokens = node_tokens(root);
    let distinct: HashSet<&String> = tokens.iter().collect();
    assert!(
        !tokens.is_empty(),
        "no token files under {}",
        root.display()
    );
    assert_eq!(distinct.len(), tokens.len(), "a token per node: {tokens:?}");
    assert!(tokens.iter().all(|token| token.starts_with("rgb_")));

    let spare = root.join("intruder");
    std::fs::create_dir_all(&spare).expect("intruder dir");
    let mut command = Command::new(bin("rgrid-runner"));
    command
        .args(["--server", &grid.url, "--name", "intruder", "--slots", "1"])
        .args(["--executor", "process"])
        .arg("--bootstrap-token-file")
        .arg(root.join(registered).join("bootstrap-token"))
        .arg("--work-root")
        .arg(spare.join("work"))
        .arg("--cache-root")
        .arg(spare.join("cache"));
    let mut intruder =
        Daemon::spawn("intruder", command, spare.join("runner.log")).expect("start a runner");
    let status = intruder.wait_exit(Duration::from_secs(60));
    let log = intruder.log_text();
    assert!(
        status.is_some_and(|status| !status.success()),
        "a runner with a spent token must stop: {status:?}\n{log}"
    );
    assert!(log.contains("401"), "refused as unauthorized: {log}");
}

fn write_config(path: &Path, root: &Path) {
    let config = format!(
        "[orchestrator]\n\
         provider = \"local\"\n\
         node_type = \"local-2\"\n\
         slots_per_node = 2\n\
         min_nodes = 0\n\
         max_nodes = {MAX_NODES}\n\
         hourly_price = 0.0065\n\
         tick_secs = 1\n\
         scale_down_delay_secs = 2\n\
         register_deadline_secs = 60\n\
         silence_timeout_secs = 60\n\
         [orchestrator.local]\n\
         runner_bin = {:?}\n\
         executor = \"process\"\n\
         root = {:?}\n",
        bin("rgrid-runner").display().to_string(),
        root.display().to_string(),
    );
    std::fs::write(path, config).expect("write config");
}

#[test]
fn local_provider_scales_with_the_queue_and_replaces_a_killed_runner() {
    let work = tempfile::Builder::new()
        .prefix("rgrid-autoscale-")
        .tempdir()
        .expect("temp dir");
    let root = work.path().join("nodes");
    let _reaper = Reaper(&root);
    let config = work.path().join("server.toml");
    write_config(&config, &root);
    let database = format!("sqlite://{}", work.path().join("rgrid.db").display());
    let options = GridOptions {
        server_args: vec![OsString::from("--config"), config.into_os_string()],
        ..GridOptions::default()
    };
    let grid = Grid::start_with(&database, options).expect("start rgrid-server");
    let cwd = work.path();
    std::fs::write(
        cwd.join("nap.py"),
        "import socket, time\ntime.sleep(3)\nprint('done on', socket.gethostname())\n",
    )
    .expect("script");

    for _ in 0..JOBS {
        let run = grid
            .rgrid(cwd, &["run", "nap.py", "--detach", "--retries", "2"])
            .expect("rgrid run");
        assert_eq!(run.code, 0, "{run}\n{}", grid.logs());
    }

    // Nodes appear, never more than the maximum; kill one runner while it runs a job.
    let mut peak = 0;
    let mut victim: Option<(String, String)> = None;
    wait_until("a node running a job", Duration::from_secs(90), || {
        let nodes = nodes(&grid, cwd);
        let capacity = nodes
            .iter()
            .filter(|n| matches!(state(n), "provisioning" | "active"))
            .count();
        peak = peak.max(capacity);
        victim = nodes
            .iter()
            .find(|n| state(n) == "active" && n["busy"].as_u64() > Some(0))
            .map(|n| {
                let id = n["id"].as_str().unwrap_or_default().to_string();
                (id, n["name"].as_str().unwrap_or_default().to_string())
            });
        victim.is_some()
    })
    .unwrap_or_else(|err| panic!("{err}\n{}", grid.logs()));
    let (victim_id, victim_name) = victim.expect("found above");
    a_spent_token_registers_no_one(&grid, &root, &victim_name);
    let pid = std::fs::read_to_string(root.join(&victim_name).join("pid")).expect("pid file");
    let killed = Command::new("kill")
        .args(["-KILL", pid.trim()])
        .status()
        .expect("kill");
    assert!(killed.success());

    // Every job succeeds; the killed runner's jobs took a second attempt elsewhere.
    wait_until("all jobs to succeed", Duration::from_secs(180), || {
        let nodes = nodes(&grid, cwd);
        let capacity = nodes
            .iter()
            .filter(|n| matches!(state(n), "provisioning" | "active"))
            .count();
        peak = peak.max(capacity);
        let jobs = jobs(&grid, cwd);
        let failed: Vec<&Value> = jobs.iter().filter(|j| j["status"] == "failed").collect();
        assert!(failed.is_empty(), "{failed:?}\n{}", grid.logs());
        jobs.len() == JOBS && jobs.iter().all(|j| j["status"] == "succeeded")
    })
    .unwrap_or_else(|err| panic!("{err}\n{}", grid.logs()));
    let jobs = jobs(&grid, cwd);
    let retried = jobs
        .iter()
        .filter(|j| j["attempts"].as_u64() >= Some(2))
        .count();
    assert!(retried >= 1, "no job was retried after the kill: {jobs:?}");
    assert!(
        peak <= MAX_NODES,
        "{peak} nodes at once, max is {MAX_NODES}"
    );
    assert!(
        peak >= 2,
        "the backlog should have called for several nodes, saw {peak}"
    );

    // The queue is empty: the nodes drain and go away, processes included.
    wait_until("the nodes to go away", Duration::from_secs(90), || {
        nodes(&grid, cwd)
            .iter()
            .all(|n| matches!(state(n), "terminated" | "dead"))
            && live_runner_pids(&root).is_empty()
    })
    .unwrap_or_else(|err| panic!("{err}\n{}", grid.logs()));
    let nodes = nodes(&grid, cwd);
    let dead: HashSet<&str> = nodes
        .iter()
        .filter(|n| state(n) == "dead")
        .filter_map(|n| n["id"].as_str())
        .collect();
    assert_eq!(dead, HashSet::from([victim_id.as_str()]), "{nodes:?}");
    assert!(
        nodes.iter().all(|n| n["cost"].as_f64().is_some()),
        "every orchestrated node has a cost: {nodes:?}"
    );
    // The jobs sleep: the CPU-seconds the runners measured are a fraction of their 3 s each.
    let cpu: f64 = nodes.iter().filter_map(|n| n["cpu_seconds"].as_f64()).sum();
    assert!(
        cpu > 0.0 && cpu < JOBS as f64 * 1.5,
        "{cpu} CPU-seconds: {nodes:?}"
    );
    let drained = nodes.iter().filter(|n| state(n) == "terminated").count();
    assert!(drained >= 2, "{nodes:?}");
}
