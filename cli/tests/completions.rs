//! The completion scripts committed in `completions/` must match what `rgrid completions`
//! prints; regenerate them with `scripts/gen-completions.sh` when the CLI changes.

use std::process::Command;

const SHELLS: [(&str, &str); 5] = [
    ("bash", "rgrid.bash"),
    ("zsh", "_rgrid"),
    ("fish", "rgrid.fish"),
    ("powershell", "_rgrid.ps1"),
    ("elvish", "rgrid.elv"),
];

#[test]
fn committed_completions_are_current() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../completions");
    let mut stale = Vec::new();
    for (shell, file) in SHELLS {
        let output = Command::new(env!("CARGO_BIN_EXE_rgrid"))
            .args(["completions", shell])
            .output()
            .expect("run rgrid completions");
        assert!(output.status.success(), "rgrid completions {shell} failed");
        let committed = std::fs::read(dir.join(file)).unwrap_or_default();
        if committed != output.stdout {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "completions/{stale:?} are stale; run `bash scripts/gen-completions.sh` and commit"
    );
}
