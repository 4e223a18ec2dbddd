//! Which files leave the work directory after a job, and their upload.
//!
//! Declared outputs may be a file, a glob (`out/*.png`, `*` stays inside one directory) or a
//! directory (`type: dir`, every file beneath it). With none declared, every file the job
//! created or changed is collected. Symlinks are never followed nor uploaded, so nothing
//! outside the work directory can leave through one.

use std::path::{Path, PathBuf};

use globset::GlobBuilder;
use rgrid_spec::api::OutputFileInfo;
use rgrid_spec::{OutputFile, OutputKind};
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

use crate::workdir::{snapshot, Snapshot};

/// A file to upload: its path relative to the work directory and on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collected {
    pub relative: String,
    pub absolute: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A declared, non-optional output is not there; the message names it.
    #[error("missing output {0}")]
    Missing(String),
    #[error("output {path}: {problem}")]
    Invalid { path: String, problem: String },
    #[error("cannot read outputs: {0}")]
    Io(#[from] std::io::Error),
}

/// The files to upload after a job ran in `work_dir`. `before` is the snapshot taken before the
/// run, used only when no output is declared.
pub fn collect(
    work_dir: &Path,
    declared: &[OutputFile],
    before: &Snapshot,
) -> Result<Vec<Collected>, OutputError> {
    let after = snapshot(work_dir)?;
    let mut chosen: Vec<String> = if declared.is_empty() {
        after
            .iter()
            .filter(|(path, stamp)| before.get(*path) != Some(*stamp))
            .filter(|(path, _)| !path.split('/').any(|part| part == "__pycache__"))
            .map(|(path, _)| path.clone())
            .collect()
    } else {
        let mut chosen = Vec::new();
        for output in declared {
            let matched = match_declared(work_dir, output, &after)?;
            if matched.is_empty() && !output.optional {
                return Err(OutputError::Missing(output.path.clone()));
            }
            chosen.extend(matched);
        }
        chosen
    };
    chosen.sort();
    chosen.dedup();
    Ok(chosen
        .into_iter()
        .map(|relative| Collected {
            absolute: work_dir.join(&relative),
            relative,
        })
        .collect())
}

fn match_declared(
    work_dir: &Path,
    output: &OutputFile,
    files: &Snapshot,
) -> Result<Vec<String>, OutputError> {
    let invalid = |problem: String| OutputError::Invalid {
        path: output.path.clone(),
        problem,
    };
    if rgrid_spec::path::check_relative(&output.path).is_err() {
        return Err(invalid(
            "is not a relative path inside the work directory".into(),
        ));
    }
    if output.kind == OutputKind::Dir {
        let prefix = format!("{}/", output.path);
        // The directory itself must be a real directory, not a symlink to one elsewhere.
        let real_dir = std::fs::symlink_metadata(work_dir.join(&output.path))
            .map(|meta| meta.is_dir())
            .unwrap_or(false);
        let found = files.keys().filter(|path| path.starts_with(&prefix));
        return Ok(if real_dir {
            found.cloned().collect()
        } else {
            Vec::new()
        });
    }
    if rgrid_spec::path::is_glob(&output.path) {
        let glob = GlobBuilder::new(&output.path)
            .literal_separator(true)
            .build()
            .map_err(|err| invalid(format!("is not a valid glob: {err}")))?
            .compile_matcher();
        return Ok(files
            .keys()
            .filter(|path| glob.is_match(path.as_str()))
            .cloned()
            .collect());
    }
    Ok(files
        .contains_key(&output.path)
        .then(|| output.path.clone())
        .into_iter()
        .collect())
}

/// Size and sha256 of a file, read in a stream.
pub async fn describe(file: &Collected) -> std::io::Result<OutputFileInfo> {
    let mut reader = tokio::fs::File::open(&file.absolute).await?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let read = reader.read(&mut buffer).await?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        size += read as u64;
    }
    Ok(OutputFileInfo {
        path: file.relative.clone(),
        size,
        sha256: hex::encode(hasher.finalize()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(path: &str, kind: OutputKind, optional: bool) -> OutputFile {
        OutputFile {
            path: path.into(),
            kind,
            optional,
        }
    }

    fn write(root: &Path, path: &str, body: &[u8]) {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, body).unwrap();
    }

    fn names(found: Vec<Collected>) -> Vec<String> {
        found.into_iter().map(|c| c.relative).collect()
    }

    #[test]
    fn globs_stay_in_one_directory_and_dirs_take_everything() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for path in [
            "out/a.png",
            "out/b.png",
            "out/deep/c.png",
            "out/x.txt",
            "res/1/2.json",
        ] {
            write(root, path, b"x");
        }
        let declared = [
            output("out/*.png", OutputKind::File, false),
            output("res", OutputKind::Dir, false),
            output("out/x.txt", OutputKind::File, false),
        ];
        let found = names(collect(root, &declared, &Snapshot::new()).unwrap());
        assert_eq!(
            found,
            vec!["out/a.png", "out/b.png", "out/x.txt", "res/1/2.json"]
        );
    }

    #[test]
    fn missing_outputs_fail_unless_optional() {
        let dir = tempfile::tempdir().unwrap();
        let declared = [output("report.json", OutputKind::File, false)];
        let err = collect(dir.path(), &declared, &Snapshot::new()).unwrap_err();
        assert_eq!(err.to_string(), "missing output report.json");
        let declared = [output("out/*.png", OutputKind::File, true)];
        assert!(collect(dir.path(), &declared, &Snapshot::new())
            .unwrap()
            .is_empty());
        let declared = [output("out/*.png", OutputKind::File, false)];
        let err = collect(dir.path(), &declared, &Snapshot::new()).unwrap_err();
        assert_eq!(err.to_string(), "missing output out/*.png");
    }

    #[test]
    fn symlinks_never_lead_outside() {
        let outside = tempfile::tempdir().unwrap();
        write(outside.path(), "secret.txt", b"secret");
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::os::unix::fs::symlink(outside.path().join("secret.txt"), root.join("leak.txt"))
            .unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("out")).unwrap();
        let declared = [output("leak.txt", OutputKind::File, false)];
        assert!(matches!(
            collect(root, &declared, &Snapshot::new()),
            Err(OutputError::Missing(_))
        ));
        let declared = [output("out", OutputKind::Dir, false)];
        assert!(matches!(
            collect(root, &declared, &Snapshot::new()),
            Err(OutputError::Missing(_))
        ));
        let declared = [output("out/*.txt", OutputKind::File, false)];
        assert!(matches!(
            collect(root, &declared, &Snapshot::new()),
            Err(OutputError::Missing(_))
        ));
        assert!(collect(root, &[], &Snapshot::new()).unwrap().is_empty());
    }

    #[test]
    fn undeclared_outputs_are_the_new_and_changed_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "main.py", b"print()");
        write(root, "input.csv", b"1,2");
        write(root, "requirements.txt", b"six");
        let before = snapshot(root).unwrap();
        write(root, "result.txt", b"new");
        write(root, "input.csv", b"1,2,3");
        write(root, "__pycache__/m.pyc", b"x");
        let found = names(collect(root, &[], &before).unwrap());
        assert_eq!(found, vec!["input.csv", "result.txt"]);
    }

    #[tokio::test]
    async fn describe_hashes_the_file() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.txt", b"abc");
        let file = Collected {
            relative: "a.txt".into(),
            absolute: dir.path().join("a.txt"),
        };
        let info = describe(&file).await.unwrap();
        assert_eq!(info.size, 3);
        assert_eq!(
            info.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
