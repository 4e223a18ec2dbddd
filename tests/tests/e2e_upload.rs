//! A large input goes up in parts through the real binaries: cut off part way by a
//! test-controlled proxy, the same command run again resumes (fewer bytes sent, counted at
//! the proxy) and the job reads a byte-identical file. And the end of files: retention.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use rgrid_tests::grid::{Grid, GridOptions, RunnerOptions};
use rgrid_tests::process::{bin, wait_until, Run, TEST_API_KEY};
use rgrid_tests::proxy::TcpProxy;
use sha2::{Digest, Sha256};

/// 5 parts of 8 MiB: above the CLI's 32 MiB multipart threshold.
const SIZE: usize = 40 << 20;
const PART: u64 = 8 << 20;

fn rgrid_via(url: &str, cwd: &Path, args: &[&str]) -> Run {
    let output = Command::new(bin("rgrid"))
        .args(args)
        .current_dir(cwd)
        .env("RGRID_SERVER", url)
        .env("RGRID_API_KEY", TEST_API_KEY)
        .env("NO_COLOR", "1")
        .env_remove("RGRID_HOME")
        .output()
        .expect("run rgrid");
    Run::from_output(output)
}

#[test]
fn an_interrupted_upload_resumes_and_arrives_byte_identical() {
    let db = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", db.path().join("grid.db").display());
    let mut grid = Grid::start(&url).expect("start rgrid-server");
    grid.add_runner(RunnerOptions {
        executor: "process",
        slots: 1,
        ..RunnerOptions::default()
    })
    .expect("start rgrid-runner");
    let proxy = TcpProxy::start(grid.url.trim_start_matches("http://")).expect("proxy");

    let cwd = tempfile::tempdir().expect("temp dir");
    let here = cwd.path();
    // Not compressible, not periodic within a part.
    let mut data = Vec::with_capacity(SIZE);
    let mut block = Sha256::digest(b"seed").to_vec();
    while data.len() < SIZE {
        block = Sha256::digest(&block).to_vec();
        data.extend_from_slice(&block);
    }
    data.truncate(SIZE);
    let sha = hex::encode(Sha256::digest(&data));
    std::fs::write(here.join("big input.bin"), &data).expect("write input");
    std::fs::write(
        here.join("hash.py"),
        "import hashlib, sys\nprint('sha256', hashlib.sha256(open(sys.argv[1], 'rb').read())\
         .hexdigest())\n",
    )
    .expect("write script");
    let args = ["run", "hash.py", "big input.bin"];

    // Cut the connection after a bit more than two and a half parts went out.
    proxy.cut_after_sending(2 * PART + PART / 2);
    let cut = rgrid_via(&proxy.url, here, &args);
    let first = proxy.sent();
    assert_eq!(
        cut.code, 69,
        "the cut-off run reports the lost server\n{cut}"
    );
    assert!(
        cut.stderr.contains("run the same command again to resume"),
        "{cut}"
    );

    proxy.restore();
    proxy.reset_count();
    let resumed = rgrid_via(&proxy.url, here, &args);
    let second = proxy.sent();
    assert_eq!(resumed.code, 0, "{resumed}\n{}", grid.logs());
    assert!(
        resumed.stdout.contains(&format!("sha256 {sha}")),
        "the job read a different file\n{resumed}"
    );
    println!(
        "upload of {SIZE} bytes: cut off after {first} bytes sent; the rerun sent {second} \
         bytes ({} parts of {PART} skipped)",
        (SIZE as u64 - second.min(SIZE as u64) + PART / 2) / PART
    );
    assert!(
        second <= SIZE as u64 - 2 * PART + (1 << 20),
        "the rerun sent {second} bytes: it did not resume"
    );
    // stderr is a pipe here: no progress bar drawing may reach it.
    assert!(
        !resumed.stderr.contains('\r') && !resumed.stderr.contains('\x1b'),
        "progress drawing on a pipe: {:?}",
        resumed.stderr
    );

    // The same content again: nothing is sent but the question.
    proxy.reset_count();
    let again = rgrid_via(&proxy.url, here, &args);
    assert_eq!(again.code, 0, "{again}");
    assert!(
        proxy.sent() < 1 << 20,
        "held content was sent again ({} bytes)",
        proxy.sent()
    );
}

/// A server with a short retention: a job's outputs and input are swept (objects gone from
/// the data directory), and `rgrid outputs` / `rgrid download` say the outputs expired and
/// what to do, instead of failing with a server error.
#[test]
fn expired_outputs_are_swept_and_reported_clearly() {
    let db = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", db.path().join("grid.db").display());
    let options = GridOptions {
        server_args: vec!["--retention".into(), "3s".into()],
        ..GridOptions::default()
    };
    let mut grid = Grid::start_with(&url, options).expect("start rgrid-server");
    grid.add_runner(RunnerOptions {
        executor: "process",
        slots: 1,
        ..RunnerOptions::default()
    })
    .expect("start rgrid-runner");
    let cwd = tempfile::tempdir().expect("temp dir");
    let here = cwd.path();
    std::fs::write(here.join("in.txt"), "kept for a moment\n").expect("write input");
    std::fs::write(
        here.join("copy.py"),
        "import sys\nopen('out.txt', 'w').write(open(sys.argv[1]).read())\n",
    )
    .expect("write script");
    let run = grid
        .rgrid(here, &["run", "--remote-only", "copy.py", "in.txt"])
        .expect("rgrid run");
    assert_eq!(run.code, 0, "{run}\n{}", grid.logs());
    let id = run
        .stderr
        .split_whitespace()
        .skip_while(|w| *w != "job")
        .nth(1)
        .expect("rgrid names the job")
        .to_string();

    let objects = grid.dir.path().join("server/objects");
    let artifact = objects.join(format!("artifacts/local/default/{id}/out.txt"));
    let input_sha = hex::encode(Sha256::digest(b"kept for a moment\n"));
    let input = objects.join(format!("uploads/local/default/{input_sha}"));
    let mut outputs = None;
    wait_until("the outputs to expire", Duration::from_secs(60), || {
        let run = grid.rgrid(here, &["outputs", &id]).expect("rgrid outputs");
        let expired = run.code != 0;
        outputs = Some(run);
        expired
    })
    .expect("outputs expire");
    let outputs = outputs.expect("ran");
    assert_eq!(outputs.code, 1, "{outputs}");
    assert!(
        outputs
            .stderr
            .contains(&format!("the outputs of job {id} expired"))
            && outputs.stderr.contains(&format!("rgrid retry {id}")),
        "{outputs}"
    );
    let download = grid
        .rgrid(here, &["download", &id, "later"])
        .expect("rgrid download");
    assert_eq!(download.code, 1, "{download}");
    assert!(download.stderr.contains("expired"), "{download}");
    assert!(!download.stderr.contains("500"), "{download}");
    wait_until(
        "the sweeper to delete the objects",
        Duration::from_secs(30),
        || !artifact.exists() && !input.exists(),
    )
    .unwrap_or_else(|e| panic!("{e}\n{}", grid.logs()));
}

/// On a terminal (a pty made by `script`), a large upload and the output download draw their
/// bars; the same run on a pipe (above) draws nothing.
#[test]
fn progress_bars_are_drawn_on_a_terminal() {
    let db = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", db.path().join("grid.db").display());
    let mut grid = Grid::start(&url).expect("start rgrid-server");
    grid.add_runner(RunnerOptions {
        executor: "process",
        slots: 1,
        ..RunnerOptions::default()
    })
    .expect("start rgrid-runner");
    let cwd = tempfile::tempdir().expect("temp dir");
    let here = cwd.path();
    let data: Vec<u8> = (0..(12u32 << 20)).map(|i| (i % 253) as u8).collect();
    std::fs::write(here.join("big.bin"), &data).expect("write input");
    std::fs::write(
        here.join("copy.py"),
        "import sys\nopen('out.bin', 'wb').write(open(sys.argv[1], 'rb').read())\n",
    )
    .expect("write script");
    let typescript = here.join("typescript");
    let command = format!("{} run copy.py big.bin", bin("rgrid").display());
    let status = Command::new("script")
        .args(["-q", "-e", "-c", &command])
        .arg(&typescript)
        .current_dir(here)
        .env("RGRID_SERVER", &grid.url)
        .env("RGRID_API_KEY", TEST_API_KEY)
        .env("TERM", "xterm")
        .env_remove("NO_COLOR")
        .env_remove("RGRID_HOME")
        .output()
        .expect("run `script` (util-linux)");
    assert!(status.status.success(), "{status:?}\n{}", grid.logs());
    let shown =
        String::from_utf8_lossy(&std::fs::read(&typescript).expect("typescript")).into_owned();
    assert!(shown.contains("uploading big.bin ["), "{shown}");
    assert!(shown.contains("downloading outputs ["), "{shown}");
    assert!(
        std::fs::read(here.join("out.bin")).expect("output") == data,
        "output differs"
    );
}
