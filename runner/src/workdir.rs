//! A job's work directory `<work_root>/<job_id>`: created before the job, holding `main.py`,
//! `requirements.txt` and the inputs, snapshotted before the run so the files the job made can
//! be told apart, and removed afterwards.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rgrid_spec::JobSpec;
use uuid::Uuid;

pub const MAIN_PY: &str = "main.py";
pub const REQUIREMENTS_TXT: &str = "requirements.txt";

/// A prepared work directory; [`WorkDir::remove`] deletes it.
#[derive(Debug)]
pub struct WorkDir {
    path: PathBuf,
}

impl WorkDir {
    /// Creates an empty `<root>/<job_id>`, clearing whatever an earlier attempt left there.
    pub async fn create(root: &Path, job_id: Uuid) -> io::Result<WorkDir> {
        let path = root.join(job_id.to_string());
        if tokio::fs::symlink_metadata(&path).await.is_ok() {
            tokio::fs::remove_dir_all(&path).await?;
        }
        tokio::fs::create_dir_all(&path).await?;
        Ok(WorkDir { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes inline `code` as `main.py` and `requirements` as `requirements.txt`.
    pub async fn write_sources(&self, spec: &JobSpec) -> io::Result<()> {
        if let Some(code) = &spec.spec.code {
            tokio::fs::write(self.path.join(MAIN_PY), code).await?;
        }
        if let Some(requirements) = &spec.spec.requirements {
            tokio::fs::write(self.path.join(REQUIREMENTS_TXT), requirements).await?;
        }
        Ok(())
    }

    /// Deletes the directory and everything in it.
    pub async fn remove(self) -> io::Result<()> {
        match tokio::fs::remove_dir_all(&self.path).await {
            Err(err) if err.kind() != io::ErrorKind::NotFound => Err(err),
            _ => Ok(()),
        }
    }
}

/// What a file looked like before the job ran: enough to notice it was changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    pub size: u64,
    pub modified: Option<SystemTime>,
}

/// Every regular file under a directory, by relative path (`a/b.csv`), with its stamp.
pub type Snapshot = BTreeMap<String, FileStamp>;

/// Lists the regular files under `root`. Symlinks are neither followed nor listed, so nothing
/// outside the work directory is ever reached through one.
pub fn snapshot(root: &Path) -> io::Result<Snapshot> {
    let mut files = Snapshot::new();
    walk_files(root, &mut |relative, meta| {
        let stamp = FileStamp {
            size: meta.len(),
            modified: meta.modified().ok(),
        };
        files.insert(relative.to_string(), stamp);
    })?;
    Ok(files)
}

/// Calls `visit` with the relative path and metadata of each regular file under `root`.
pub fn walk_files(root: &Path, visit: &mut dyn FnMut(&str, &std::fs::Metadata)) -> io::Result<()> {
    walk_below(root, "", visit)
}

fn walk_below(
    dir: &Path,
    prefix: &str,
    visit: &mut dyn FnMut(&str, &std::fs::Metadata),
) -> io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            // A name that is not UTF-8 cannot be a JobSpec path; skip it rather than mangle it.
            continue;
        };
        let relative = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let meta = std::fs::symlink_metadata(entry.path())?;
        if meta.is_dir() {
            walk_below(&entry.path(), &relative, visit)?;
        } else if meta.is_file() {
            visit(&relative, &meta);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn writes_sources_and_removes_itself() {
        let root = tempfile::tempdir().unwrap();
        let job = Uuid::new_v4();
        let mut spec = JobSpec::new("python:3.11-slim", vec![]);
        spec.spec.code = Some("print(1)\n".into());
        spec.spec.requirements = Some("six\n".into());
        let dir = WorkDir::create(root.path(), job).await.unwrap();
        dir.write_sources(&spec).await.unwrap();
        let files = snapshot(dir.path()).unwrap();
        assert_eq!(
            files.keys().collect::<Vec<_>>(),
            vec!["main.py", "requirements.txt"]
        );
        let path = dir.path().to_path_buf();
        dir.remove().await.unwrap();
        assert!(!path.exists());
    }

    #[test]
    fn snapshot_skips_symlinks() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("d")).unwrap();
        std::fs::write(root.path().join("d/a.txt"), b"a").unwrap();
        std::os::unix::fs::symlink("/etc", root.path().join("etc")).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", root.path().join("h")).unwrap();
        let files = snapshot(root.path()).unwrap();
        assert_eq!(files.keys().collect::<Vec<_>>(), vec!["d/a.txt"]);
    }
}
