//! Input downloads against a small HTTP server on 127.0.0.1: streamed to disk, sha256 checked,
//! transient failures retried, and every failure naming the input.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use rgrid_runner::inputs::{download_all, InputError};
use rgrid_spec::InputFile;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const BODY: &[u8] = b"a,b\n1,2\n";
const BODY_SHA256: &str = "0a3f5c1d7c2b7e1f6a1c22ea3c1b8c4d2c8a1a2d0e4f5b6c7d8e9f0a1b2c3d4e";

/// Serves `BODY` at `/data.csv` (after `failures` answers of 503) and 404 elsewhere.
async fn serve(failures: u32) -> (String, Arc<AtomicU32>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let left = Arc::new(AtomicU32::new(failures));
    let requests = Arc::new(AtomicU32::new(0));
    let counter = requests.clone();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let left = left.clone();
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut request = vec![0u8; 4096];
                let read = socket.read(&mut request).await.unwrap();
                let head = String::from_utf8_lossy(&request[..read]).to_string();
                let answer = if !head.starts_with("GET /data.csv") {
                    b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                        .to_vec()
                } else if left.load(Ordering::SeqCst) > 0 {
                    left.fetch_sub(1, Ordering::SeqCst);
                    b"HTTP/1.1 503 Busy\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_vec()
                } else {
                    let mut ok = format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        BODY.len()
                    )
                    .into_bytes();
                    ok.extend_from_slice(BODY);
                    ok
                };
                socket.write_all(&answer).await.unwrap();
                socket.shutdown().await.ok();
            });
        }
    });
    (base, requests)
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}

fn input(path: &str, url: String, sha256: Option<String>) -> InputFile {
    InputFile {
        path: path.to_string(),
        url,
        sha256,
    }
}

#[tokio::test]
async fn downloads_into_subdirectories_and_checks_the_hash() {
    let (base, _) = serve(0).await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{base}/data.csv?sig=secret");
    let inputs = [input("in/data.csv", url, Some(sha256_hex(BODY)))];
    download_all(&reqwest::Client::new(), dir.path(), &inputs)
        .await
        .unwrap();
    assert_eq!(std::fs::read(dir.path().join("in/data.csv")).unwrap(), BODY);
}

#[tokio::test]
async fn a_sha256_mismatch_names_the_input_and_leaves_no_file() {
    let (base, _) = serve(0).await;
    let dir = tempfile::tempdir().unwrap();
    let inputs = [input(
        "data.csv",
        format!("{base}/data.csv"),
        Some(BODY_SHA256.into()),
    )];
    let err = download_all(&reqwest::Client::new(), dir.path(), &inputs)
        .await
        .unwrap_err();
    assert!(matches!(err, InputError::Checksum { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("input data.csv: sha256 mismatch"),
        "{err}"
    );
    assert!(!dir.path().join("data.csv").exists());
}

#[tokio::test]
async fn transient_failures_are_retried_and_404_is_not() {
    let (base, requests) = serve(2).await;
    let dir = tempfile::tempdir().unwrap();
    let inputs = [input("data.csv", format!("{base}/data.csv"), None)];
    download_all(&reqwest::Client::new(), dir.path(), &inputs)
        .await
        .unwrap();
    assert_eq!(
        requests.load(Ordering::SeqCst),
        3,
        "two 503s, then the file"
    );

    let (base, requests) = serve(0).await;
    let inputs = [input(
        "gone.csv",
        format!("{base}/gone.csv?sig=secret"),
        None,
    )];
    let err = download_all(&reqwest::Client::new(), dir.path(), &inputs)
        .await
        .unwrap_err();
    assert_eq!(requests.load(Ordering::SeqCst), 1);
    let message = err.to_string();
    assert!(message.starts_with("input gone.csv:"), "{message}");
    assert!(
        message.contains("404") && !message.contains("secret"),
        "query redacted: {message}"
    );
}
