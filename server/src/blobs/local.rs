//! Objects as files under one directory, with URLs the server signs and serves itself.

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use tokio_util::io::ReaderStream;

use super::{
    check_key, encode_key, BlobError, BlobObject, BlobResult, Blobs, ByteStream, ObjectInfo,
    PutReceipt, UrlSigner,
};

/// Where bodies are written before the rename that publishes them, inside the root so the
/// rename stays on one file system. No key may start with it.
const PARTIAL_DIR: &str = ".partial";

#[derive(Debug, Clone)]
pub struct LocalBlobs {
    root: PathBuf,
    /// Base of the URLs handed out, e.g. `http://127.0.0.1:8080` (no trailing slash).
    public_url: String,
    signer: UrlSigner,
}

impl LocalBlobs {
    pub fn new(root: PathBuf, public_url: &str, signer: UrlSigner) -> LocalBlobs {
        let public_url = public_url.trim_end_matches('/').to_string();
        LocalBlobs {
            root,
            public_url,
            signer,
        }
    }

    pub fn signer(&self) -> &UrlSigner {
        &self.signer
    }

    fn path_of(&self, key: &str) -> BlobResult<PathBuf> {
        check_key(key)?;
        if key.split('/').next() == Some(PARTIAL_DIR) {
            return Err(BlobError::InvalidKey(format!(
                "{key:?} uses a reserved prefix"
            )));
        }
        Ok(self.root.join(key))
    }

    fn presign(&self, method: &str, key: &str, ttl: Duration) -> BlobResult<String> {
        check_key(key)?;
        let ttl = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2);
        let expires = chrono::Utc::now().timestamp().saturating_add(ttl);
        let sig = self.signer.sign(method, key, expires);
        Ok(format!(
            "{}/blobs/{}?method={method}&expires={expires}&sig={sig}",
            self.public_url,
            encode_key(key)
        ))
    }
}

#[async_trait]
impl Blobs for LocalBlobs {
    async fn put(
        &self,
        key: &str,
        mut body: ByteStream,
        expected_sha256: Option<&str>,
    ) -> BlobResult<PutReceipt> {
        let target = self.path_of(key)?;
        let partial_dir = self.root.join(PARTIAL_DIR);
        tokio::fs::create_dir_all(&partial_dir).await?;
        let partial = partial_dir.join(uuid::Uuid::new_v4().to_string());
        let written = write_hashed(&partial, &mut body).await;
        let receipt = match written {
            Ok(receipt) => receipt,
            Err(err) => {
                let _ = tokio::fs::remove_file(&partial).await;
                return Err(err.into());
            }
        };
        if let Some(expected) = expected_sha256 {
            if !expected.eq_ignore_ascii_case(&receipt.sha256) {
                let _ = tokio::fs::remove_file(&partial).await;
                return Err(BlobError::DigestMismatch {
                    expected: expected.to_ascii_lowercase(),
                    actual: receipt.sha256,
                });
            }
        }
        if let Some(parent) = target.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        tokio::fs::rename(&partial, &target).await?;
        Ok(receipt)
    }

    async fn get(&self, key: &str) -> BlobResult<BlobObject> {
        let path = self.path_of(key)?;
        let file = tokio::fs::File::open(&path)
            .await
            .map_err(not_found_or_io)?;
        let meta = file.metadata().await?;
        if !meta.is_file() {
            return Err(BlobError::NotFound);
        }
        Ok(BlobObject {
            size: meta.len(),
            body: Box::pin(ReaderStream::new(file)),
        })
    }

    async fn exists(&self, key: &str) -> BlobResult<bool> {
        let path = self.path_of(key)?;
        match tokio::fs::metadata(&path).await {
            Ok(meta) => Ok(meta.is_file()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(err) => Err(err.into()),
        }
    }

    async fn delete(&self, key: &str) -> BlobResult<()> {
        let path = self.path_of(key)?;
        match tokio::fs::remove_file(&path).await {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(err.into()),
            _ => Ok(()),
        }
    }

    async fn list(&self, prefix: &str) -> BlobResult<Vec<ObjectInfo>> {
        let root = self.root.clone();
        let prefix = prefix.to_string();
        tokio::task::spawn_blocking(move || list_files(&root, &prefix))
            .await
            .map_err(std::io::Error::other)?
    }

    async fn presign_get(&self, key: &str, ttl: Duration) -> BlobResult<String> {
        self.presign("GET", key, ttl)
    }

    async fn presign_put(&self, key: &str, ttl: Duration) -> BlobResult<String> {
        self.presign("PUT", key, ttl)
    }
}

/// The files under `root` whose key starts with `prefix`, skipping bodies still arriving.
fn list_files(root: &std::path::Path, prefix: &str) -> BlobResult<Vec<ObjectInfo>> {
    // Start at the deepest directory the prefix names whole, not at the root.
    let start = match prefix.rfind('/') {
        Some(end) => root.join(&prefix[..end]),
        None => root.to_path_buf(),
    };
    let mut found = Vec::new();
    let mut pending = vec![start];
    while let Some(dir) = pending.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
            Err(err) => return Err(err.into()),
        };
        for entry in entries {
            let entry = entry?;
            let path = entry.path();
            let Ok(relative) = path.strip_prefix(root) else {
                continue;
            };
            let Some(key) = relative.to_str().map(|k| k.replace('\\', "/")) else {
                continue;
            };
            if key.split('/').next() == Some(PARTIAL_DIR) {
                continue;
            }
            let meta = entry.metadata()?;
            if meta.is_dir() {
                pending.push(path);
            } else if meta.is_file() && key.starts_with(prefix) {
                let modified = chrono::DateTime::<chrono::Utc>::from(meta.modified()?);
                found.push(ObjectInfo {
                    key,
                    size: meta.len(),
                    modified,
                });
            }
        }
    }
    Ok(found)
}

/// Writes the stream to `path`, hashing as it goes, and syncs it to disk.
async fn write_hashed(
    path: &std::path::Path,
    body: &mut ByteStream,
) -> std::io::Result<PutReceipt> {
    let mut file = tokio::fs::File::create(path).await?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk = chunk?;
        hasher.update(&chunk);
        size += chunk.len() as u64;
        file.write_all(&chunk).await?;
    }
    file.sync_all().await?;
    Ok(PutReceipt {
        size,
        sha256: hex::encode(hasher.finalize()),
    })
}

fn not_found_or_io(err: std::io::Error) -> BlobError {
    if err.kind() == std::io::ErrorKind::NotFound {
        BlobError::NotFound
    } else {
        BlobError::Io(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn stream_of(parts: Vec<&'static [u8]>) -> ByteStream {
        Box::pin(futures::stream::iter(
            parts.into_iter().map(|p| Ok(Bytes::from_static(p))),
        ))
    }

    async fn read_all(mut body: ByteStream) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(chunk) = body.next().await {
            out.extend_from_slice(&chunk.expect("chunk"));
        }
        out
    }

    #[tokio::test]
    async fn put_get_exists_delete_round_trip() {
        let dir = tempfile::tempdir().expect("temp dir");
        let blobs = LocalBlobs::new(dir.path().to_path_buf(), "http://h/", UrlSigner::random());
        let receipt = blobs
            .put("a/b/c.bin", stream_of(vec![b"he", b"\0llo"]), None)
            .await;
        let receipt = receipt.expect("put");
        assert_eq!(receipt.size, 6);
        assert_eq!(receipt.sha256, hex::encode(Sha256::digest(b"he\0llo")));
        assert!(blobs.exists("a/b/c.bin").await.expect("exists"));
        let object = blobs.get("a/b/c.bin").await.expect("get");
        assert_eq!(object.size, 6);
        assert_eq!(read_all(object.body).await, b"he\0llo");
        blobs.delete("a/b/c.bin").await.expect("delete");
        assert!(!blobs.exists("a/b/c.bin").await.expect("exists"));
        assert!(matches!(
            blobs.get("a/b/c.bin").await,
            Err(BlobError::NotFound)
        ));
    }

    #[tokio::test]
    async fn a_digest_mismatch_stores_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let blobs = LocalBlobs::new(dir.path().to_path_buf(), "http://h", UrlSigner::random());
        let wrong = "0".repeat(64);
        let result = blobs.put("k", stream_of(vec![b"data"]), Some(&wrong)).await;
        assert!(matches!(result, Err(BlobError::DigestMismatch { .. })));
        assert!(!blobs.exists("k").await.expect("exists"));
    }

    #[tokio::test]
    async fn reserved_and_escaping_keys_are_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let blobs = LocalBlobs::new(dir.path().to_path_buf(), "http://h", UrlSigner::random());
        for key in ["../x", ".partial/x", "/abs"] {
            let result = blobs.put(key, stream_of(vec![b"x"]), None).await;
            assert!(matches!(result, Err(BlobError::InvalidKey(_))), "{key}");
        }
    }

    #[tokio::test]
    async fn presigned_urls_carry_method_expiry_and_signature() {
        let dir = tempfile::tempdir().expect("temp dir");
        let blobs = LocalBlobs::new(dir.path().to_path_buf(), "http://h:1/", UrlSigner::random());
        let url = blobs
            .presign_get("a/b c", Duration::from_secs(60))
            .await
            .expect("url");
        assert!(
            url.starts_with("http://h:1/blobs/a/b%20c?method=GET&expires="),
            "{url}"
        );
        assert!(url.contains("&sig="), "{url}");
    }
}
