//! Files end to end through the real binaries: inputs and outputs on S3 storage (a real
//! S3-compatible server on loopback), with file names people actually use.

use std::path::Path;

use rgrid_tests::grid::{Grid, RunnerOptions};
use rgrid_tests::process::Run;

fn assert_run(run: &Run, code: i32, grid: &Grid) {
    assert_eq!(run.code, code, "{run}\n{}", grid.logs());
}

fn job_id(run: &Run) -> String {
    run.stderr
        .split_whitespace()
        .skip_while(|w| *w != "job")
        .nth(1)
        .expect("rgrid names the job on stderr")
        .to_string()
}

fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("grid.db").display())
}

/// A job whose input, script and outputs all travel through the S3 bucket by presigned URLs:
/// nothing lands in the server's data directory.
#[test]
fn a_job_on_s3_storage_round_trips_its_files() {
    let Some(s3) = rgrid_tests::s3::require_s3() else {
        return;
    };
    let db = tempfile::tempdir().expect("temp dir");
    let mut grid = Grid::start_on_s3(&sqlite_url(db.path()), &s3).expect("start rgrid-server");
    grid.add_runner(RunnerOptions {
        executor: "process",
        slots: 1,
    })
    .expect("start rgrid-runner");
    let cwd = tempfile::tempdir().expect("temp dir");
    let here = cwd.path();
    let input: Vec<u8> = (0..300_000u32).flat_map(|i| i.to_le_bytes()).collect();
    std::fs::write(here.join("données brutes.bin"), &input).expect("write input");
    std::fs::write(
        here.join("copy.py"),
        "import os, sys\n\
         data = open(sys.argv[1], 'rb').read()\n\
         os.makedirs('out', exist_ok=True)\n\
         open('out/copie été.bin', 'wb').write(data[::-1])\n\
         open('out/empty.txt', 'wb').close()\n\
         print('bytes', len(data))\n",
    )
    .expect("write script");

    let run = grid
        .rgrid(here, &["run", "copy.py", "données brutes.bin"])
        .expect("rgrid run");
    assert_run(&run, 0, &grid);
    assert!(run.stdout.contains("bytes 1200000"), "{run}");
    let reversed: Vec<u8> = input.iter().rev().copied().collect();
    let got = std::fs::read(here.join("out/copie été.bin")).expect("output downloaded");
    assert!(
        got == reversed,
        "the output differs from the reversed input"
    );
    assert_eq!(
        std::fs::read(here.join("out/empty.txt")).expect("empty output"),
        b""
    );

    let elsewhere = here.join("later");
    let id = job_id(&run);
    let download = grid
        .rgrid(here, &["download", &id, elsewhere.to_str().expect("utf-8")])
        .expect("rgrid download");
    assert_run(&download, 0, &grid);
    assert!(std::fs::read(elsewhere.join("out/copie été.bin")).expect("again") == reversed);

    // `rgrid outputs` lists them with sizes and fresh presigned URLs into the bucket.
    let outputs = grid
        .rgrid(here, &["outputs", &id, "--json"])
        .expect("rgrid outputs");
    assert_run(&outputs, 0, &grid);
    let listed: Vec<Value> = outputs
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("output JSON line"))
        .collect();
    let copy = listed
        .iter()
        .find(|o| o["path"] == "out/copie été.bin")
        .unwrap_or_else(|| panic!("{outputs}"));
    assert_eq!(copy["size"], 1_200_000, "{copy}");
    assert_eq!(copy["sha256"], sha256_hex(&reversed), "{copy}");
    let url = copy["url"].as_str().expect("url");
    assert!(
        url.starts_with(&format!("{}/{}/", s3.endpoint, s3.bucket)),
        "{url}"
    );
    assert!(url.contains("X-Amz-Signature="), "{url}");

    let objects = grid.dir.path().join("server/objects");
    assert!(
        !objects.exists(),
        "objects went to the data directory instead of S3"
    );
    let log = grid.server.log_text();
    assert!(log.contains("objects in S3"), "{}", grid.logs());
    let secret = rgrid_tests::s3::SECRET_ACCESS_KEY;
    for leak in [secret, "X-Amz-Signature", "X-Amz-Credential"] {
        assert!(
            !grid.logs().contains(leak),
            "the logs show {leak}:\n{}",
            grid.logs()
        );
    }
}
