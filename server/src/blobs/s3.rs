//! Objects in one bucket of an S3-compatible service (AWS S3, MinIO, Hetzner Object Storage),
//! through `object_store`, with the provider's own SigV4 presigned URLs.
//!
//! A body is hashed while it streams. Small bodies go up in one PUT once hashed; larger ones
//! as a multipart upload that is completed only when the whole body arrived and its hash
//! matched, and aborted otherwise, so a refused body never becomes visible under its key.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::http::Method;
use futures::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::signer::Signer;
use object_store::{ObjectStore, PutPayload, PutPayloadMut, WriteMultipart};
use sha2::{Digest, Sha256};

use super::{
    check_key, BlobError, BlobObject, BlobResult, Blobs, ByteStream, ObjectInfo, PutReceipt,
};

/// Bodies up to this size are sent in one PUT; S3 parts must be at least 5 MiB anyway.
const SINGLE_PUT_LIMIT: usize = 8 << 20;

/// Size of each multipart part. With [`MAX_PARTS_IN_FLIGHT`] it bounds the memory one upload
/// holds, whatever the size of the object.
const PART_SIZE: usize = 8 << 20;
const MAX_PARTS_IN_FLIGHT: usize = 2;

/// Where and how to reach the bucket. `Debug` never shows the secret key.
#[derive(Clone)]
pub struct S3Settings {
    /// `https://s3.eu-central-1.amazonaws.com`, `http://127.0.0.1:9000`, …; `None` for AWS's
    /// default endpoint of the region.
    pub endpoint: Option<String>,
    pub bucket: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<hidden>")
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct S3Blobs {
    store: Arc<AmazonS3>,
}

impl S3Blobs {
    /// Builds the client; no request is made until the first operation.
    pub fn new(settings: &S3Settings) -> BlobResult<S3Blobs> {
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region)
            .with_access_key_id(&settings.access_key_id)
            .with_secret_access_key(&settings.secret_access_key);
        if let Some(endpoint) = &settings.endpoint {
            // A custom endpoint is a MinIO-style service: path-style URLs, plain HTTP allowed
            // for one on the same machine or network.
            builder = builder
                .with_endpoint(endpoint.trim_end_matches('/'))
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        let store = builder.build().map_err(storage_error)?;
        Ok(S3Blobs {
            store: Arc::new(store),
        })
    }

    async fn put_once(&self, path: &ObjectPath, body: PutPayload) -> BlobResult<()> {
        self.store.put(path, body).await.map_err(storage_error)?;
        Ok(())
    }

    /// Streams the rest of a large body as a multipart upload; completes it only when the
    /// digest matches (checked by `accept`), aborts it on any failure.
    async fn put_multipart(
        &self,
        path: &ObjectPath,
        head: PutPayloadMut,
        body: &mut ByteStream,
        hasher: &mut Sha256,
        size: &mut u64,
        accept: impl FnOnce(&str) -> BlobResult<()>,
    ) -> BlobResult<String> {
        let upload = self
            .store
            .put_multipart(path)
            .await
            .map_err(storage_error)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        for chunk in head.freeze() {
            writer.put(chunk);
        }
        let streamed = stream_into(&mut writer, body, hasher, size).await;
        let sha256 = hex::encode(hasher.clone().finalize());
        match streamed.and_then(|()| accept(&sha256)) {
            Ok(()) => {
                writer.finish().await.map_err(storage_error)?;
                Ok(sha256)
            }
            Err(err) => {
                if let Err(abort) = writer.abort().await {
                    tracing::warn!(cause = %abort, "cannot abort a refused multipart upload");
                }
                Err(err)
            }
        }
    }
}

async fn stream_into(
    writer: &mut WriteMultipart,
    body: &mut ByteStream,
    hasher: &mut Sha256,
    size: &mut u64,
) -> BlobResult<()> {
    while let Some(chunk) = body.next().await {
        let chunk = chunk?;
        hasher.update(&chunk);
        *size += chunk.len() as u64;
        writer
            .wait_for_capacity(MAX_PARTS_IN_FLIGHT)
            .await
            .map_err(storage_error)?;
        writer.put(chunk);
    }
    Ok(())
}

#[async_trait]
impl Blobs for S3Blobs {
    async fn put(
        &self,
        key: &str,
        mut body: ByteStream,
        expected_sha256: Option<&str>,
    ) -> BlobResult<PutReceipt> {
        let path = object_path(key)?;
        let accept = |actual: &str| match expected_sha256 {
            Some(expected) if !expected.eq_ignore_ascii_case(actual) => {
                Err(BlobError::DigestMismatch {
                    expected: expected.to_ascii_lowercase(),
                    actual: actual.to_string(),
                })
            }
            _ => Ok(()),
        };
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let mut head = PutPayloadMut::new();
        while head.content_length() < SINGLE_PUT_LIMIT {
            match body.next().await {
                Some(chunk) => {
                    let chunk = chunk?;
                    hasher.update(&chunk);
                    size += chunk.len() as u64;
                    head.push(chunk);
                }
                None => {
                    let sha256 = hex::encode(hasher.finalize());
                    accept(&sha256)?;
                    self.put_once(&path, head.freeze()).await?;
                    return Ok(PutReceipt { size, sha256 });
                }
            }
        }
        let sha256 = self
            .put_multipart(&path, head, &mut body, &mut hasher, &mut size, accept)
            .await?;
        Ok(PutReceipt { size, sha256 })
    }

    async fn get(&self, key: &str) -> BlobResult<BlobObject> {
        let path = object_path(key)?;
        let object = self.store.get(&path).await.map_err(storage_error)?;
        let size = object.meta.size;
        let body = object.into_stream().map(|chunk| chunk.map_err(io_error));
        Ok(BlobObject {
            size,
            body: Box::pin(body),
        })
    }

    async fn exists(&self, key: &str) -> BlobResult<bool> {
        let path = object_path(key)?;
        match self.store.head(&path).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(err) => Err(storage_error(err)),
        }
    }

    async fn delete(&self, key: &str) -> BlobResult<()> {
        let path = object_path(key)?;
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(storage_error(err)),
        }
    }

    async fn list(&self, prefix: &str) -> BlobResult<Vec<ObjectInfo>> {
        // `object_store` lists below a whole-segment prefix; filter the rest here.
        let base = prefix.rsplit_once('/').map(|(dir, _)| dir).unwrap_or("");
        let base = (!base.is_empty()).then(|| ObjectPath::from(base));
        let mut listing = self.store.list(base.as_ref());
        let mut found = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(storage_error)?;
            let key = meta.location.to_string();
            if key.starts_with(prefix) {
                found.push(ObjectInfo {
                    key,
                    size: meta.size,
                    modified: meta.last_modified,
                });
            }
        }
        Ok(found)
    }

    async fn presign_get(&self, key: &str, ttl: Duration) -> BlobResult<String> {
        self.presign(Method::GET, key, ttl).await
    }

    async fn presign_put(&self, key: &str, ttl: Duration) -> BlobResult<String> {
        self.presign(Method::PUT, key, ttl).await
    }
}

impl S3Blobs {
    async fn presign(&self, method: Method, key: &str, ttl: Duration) -> BlobResult<String> {
        let path = object_path(key)?;
        let url = self
            .store
            .signed_url(method, &path, ttl)
            .await
            .map_err(storage_error)?;
        Ok(url.to_string())
    }
}

/// The object path of a checked key. `object_store` percent-encodes the few characters S3
/// treats specially inside a segment, the same way for every call, so keys round-trip.
fn object_path(key: &str) -> BlobResult<ObjectPath> {
    check_key(key)?;
    Ok(ObjectPath::from(key))
}

fn storage_error(err: object_store::Error) -> BlobError {
    match err {
        object_store::Error::NotFound { .. } => BlobError::NotFound,
        other => BlobError::Io(io_error(other)),
    }
}

fn io_error(err: object_store::Error) -> std::io::Error {
    std::io::Error::other(err)
}
