//! The man pages in `docs/man/` must match what `rgrid man` writes from the clap definition;
//! regenerate them with `scripts/gen-completions.sh` when the CLI changes.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn pages(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "1"))
                .map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    (name, std::fs::read(e.path()).expect("read page"))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn committed_man_pages_are_current() {
    let fresh = tempfile::tempdir().expect("temp dir");
    let status = Command::new(env!("CARGO_BIN_EXE_rgrid"))
        .arg("man")
        .arg(fresh.path())
        .status()
        .expect("run rgrid man");
    assert!(status.success(), "rgrid man failed");
    let fresh = pages(fresh.path());
    assert!(fresh.contains_key("rgrid.1") && fresh.contains_key("rgrid-run.1"));
    // Each command's page carries the global options and points at the main page.
    for (name, page) in fresh.iter().filter(|(name, _)| name.starts_with("rgrid-")) {
        let text = String::from_utf8_lossy(page);
        for needle in ["\\-\\-server", "\\-\\-profile", "\\-\\-quiet", "SEE ALSO"] {
            assert!(text.contains(needle), "{name} lacks {needle}");
        }
    }
    let committed = pages(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/man"));
    let stale: Vec<&String> = fresh
        .keys()
        .chain(committed.keys())
        .filter(|name| fresh.get(*name) != committed.get(*name))
        .collect();
    assert!(
        stale.is_empty(),
        "docs/man/{stale:?} are stale; run `bash scripts/gen-completions.sh` and commit"
    );
}
