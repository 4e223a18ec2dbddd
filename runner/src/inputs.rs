//! Input files: streamed from their (presigned) URLs into the work directory, checked against
//! their sha256 when one is given, retried on transient failures.

use std::path::Path;

use backon::Retryable;
use futures::StreamExt;
use rgrid_spec::InputFile;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::client::{backoff, redact_url};

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("input {path}: {url} answered HTTP {status}")]
    Status {
        path: String,
        url: String,
        status: u16,
    },
    #[error("input {path}: download from {url} failed: {source}")]
    Transfer {
        path: String,
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("input {path}: sha256 mismatch (expected {expected}, got {actual})")]
    Checksum {
        path: String,
        expected: String,
        actual: String,
    },
    #[error("input {path}: cannot write it: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("input {path}: path is not a relative path inside the work directory")]
    BadPath { path: String },
}

impl InputError {
    fn is_transient(&self) -> bool {
        match self {
            InputError::Status { status, .. } => *status >= 500,
            InputError::Transfer { .. } => true,
            _ => false,
        }
    }
}

/// Downloads every input into `work_dir`, in order; the first failure stops the rest.
pub async fn download_all(
    http: &reqwest::Client,
    work_dir: &Path,
    inputs: &[InputFile],
) -> Result<(), InputError> {
    for input in inputs {
        let attempt = || download(http, work_dir, input);
        attempt
            .retry(backoff().with_max_times(4))
            .when(InputError::is_transient)
            .await?;
    }
    Ok(())
}

async fn download(
    http: &reqwest::Client,
    work_dir: &Path,
    input: &InputFile,
) -> Result<(), InputError> {
    let path = input.path.clone();
    if rgrid_spec::path::check_relative(&input.path).is_err() {
        return Err(InputError::BadPath { path });
    }
    let url = redact_url(&input.url);
    let target = work_dir.join(&input.path);
    let write_err = |source| InputError::Write {
        path: input.path.clone(),
        source,
    };
    if let Some(parent) = target.parent() {
        tokio::fs::create_dir_all(parent).await.map_err(write_err)?;
    }

    let answer = http
        .get(&input.url)
        .send()
        .await
        .map_err(|source| InputError::Transfer {
            path: path.clone(),
            url: url.clone(),
            // The error would print the whole URL, presigned query included.
            source: source.without_url(),
        })?;
    if !answer.status().is_success() {
        let status = answer.status().as_u16();
        return Err(InputError::Status { path, url, status });
    }

    let mut file = tokio::fs::File::create(&target).await.map_err(write_err)?;
    let mut hasher = Sha256::new();
    let mut body = answer.bytes_stream();
    while let Some(piece) = body.next().await {
        let piece = piece.map_err(|source| InputError::Transfer {
            path: path.clone(),
            url: url.clone(),
            // The error would print the whole URL, presigned query included.
            source: source.without_url(),
        })?;
        hasher.update(&piece);
        file.write_all(&piece).await.map_err(write_err)?;
    }
    file.flush().await.map_err(write_err)?;

    let actual = hex::encode(hasher.finalize());
    match &input.sha256 {
        Some(expected) if !expected.eq_ignore_ascii_case(&actual) => {
            let _ = tokio::fs::remove_file(&target).await;
            Err(InputError::Checksum {
                path,
                expected: expected.clone(),
                actual,
            })
        }
        _ => Ok(()),
    }
}
