//! Downloading a job's outputs into a local directory, never clobbering a file that differs
//! unless asked to.

use std::path::{Path, PathBuf};

use anyhow::Context;
use futures::StreamExt;
use indicatif::ProgressBar;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

use crate::client::Client;
use crate::progress;
use crate::ui::Ui;

#[derive(Debug, Default)]
pub struct Downloaded {
    /// Files written.
    pub written: Vec<PathBuf>,
    /// Files already present with the same content.
    pub unchanged: Vec<PathBuf>,
    /// Files that exist locally with other content and were left alone (no `--force`).
    pub kept: Vec<PathBuf>,
}

/// Downloads the job's outputs into `dir`. With `ui`, a bar shows the bytes (on a terminal).
pub async fn outputs(
    client: &Client,
    job: Uuid,
    dir: &Path,
    force: bool,
    ui: Option<&Ui>,
) -> anyhow::Result<Downloaded> {
    let list = client.artifacts(job).await?;
    let total = list.artifacts.iter().map(|a| a.size).sum();
    let bar = match ui {
        Some(ui) if total > 0 => progress::bytes(ui, total, "downloading outputs"),
        _ => progress::hidden(),
    };
    let done = fetch_all(client, list.artifacts, dir, force, &bar).await;
    bar.finish_and_clear();
    done
}

async fn fetch_all(
    client: &Client,
    artifacts: Vec<rgrid_spec::api::ArtifactView>,
    dir: &Path,
    force: bool,
    bar: &ProgressBar,
) -> anyhow::Result<Downloaded> {
    let mut done = Downloaded::default();
    for artifact in artifacts {
        // The server validated paths, but a local file system is ours to protect.
        rgrid_spec::path::check_relative(&artifact.path).map_err(|p| {
            anyhow::anyhow!(
                "refusing output path {:?}: it {}",
                artifact.path,
                p.explain()
            )
        })?;
        let target = dir.join(&artifact.path);
        if target.exists() {
            bar.inc(artifact.size);
            if sha256_file(&target).await? == artifact.sha256 {
                done.unchanged.push(target);
                continue;
            }
            if !force {
                done.kept.push(target);
                continue;
            }
        }
        fetch_to(client, &artifact.url, &artifact.sha256, &target, bar).await?;
        done.written.push(target);
    }
    Ok(done)
}

async fn fetch_to(
    client: &Client,
    url: &str,
    sha256: &str,
    target: &Path,
    bar: &ProgressBar,
) -> anyhow::Result<()> {
    let parent = target.parent().unwrap_or(Path::new("."));
    tokio::fs::create_dir_all(parent)
        .await
        .with_context(|| format!("cannot create directory {}", parent.display()))?;
    let partial = target.with_file_name(format!(
        ".{}.rgrid-partial",
        target
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    ));
    let response = client.fetch(url).await?;
    let mut file = tokio::fs::File::create(&partial)
        .await
        .with_context(|| format!("cannot write {}", partial.display()))?;
    let mut hasher = Sha256::new();
    let mut body = response.bytes_stream();
    while let Some(piece) = body.next().await {
        let piece = piece.with_context(|| format!("download of {} broke off", target.display()))?;
        hasher.update(&piece);
        bar.inc(piece.len() as u64);
        file.write_all(&piece)
            .await
            .with_context(|| format!("cannot write {}", partial.display()))?;
    }
    file.flush().await?;
    drop(file);
    let got = hex::encode(hasher.finalize());
    if got != sha256 {
        let _ = tokio::fs::remove_file(&partial).await;
        anyhow::bail!(
            "download of {} is corrupt (sha256 {got}, expected {sha256})",
            target.display()
        );
    }
    tokio::fs::rename(&partial, target)
        .await
        .with_context(|| format!("cannot move the download into {}", target.display()))?;
    Ok(())
}

pub async fn sha256_file(path: &Path) -> anyhow::Result<String> {
    use tokio::io::AsyncReadExt;
    let mut file = tokio::fs::File::open(path)
        .await
        .with_context(|| format!("cannot read {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file
            .read(&mut buf)
            .await
            .with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}
