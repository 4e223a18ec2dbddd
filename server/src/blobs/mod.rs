//! Object storage behind one trait: job inputs the user uploaded and the artifacts jobs wrote.
//!
//! Objects are addressed by keys such as `uploads/<account>/<project>/<sha256>` and
//! `artifacts/<account>/<project>/<job>/<path>`. Only presigned URLs leave the server: the
//! runner downloads inputs and uploads outputs through them, never with credentials.
//! [`LocalBlobs`] keeps objects in a directory and signs its own URLs, which the server serves
//! under `/blobs/…`; [`S3Blobs`] keeps them in one bucket of an S3-compatible service and hands
//! out the provider's own SigV4 presigned URLs.

use std::pin::Pin;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures::Stream;

mod key;
mod local;
mod s3;
mod signing;

pub use key::{check_key, encode_key};
pub use local::LocalBlobs;
pub use s3::{S3Blobs, S3Settings};
pub use signing::{SignatureError, UrlSigner};

/// A body of bytes that arrives (or leaves) piece by piece, so large objects never sit in
/// memory whole.
pub type ByteStream = Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("object not found")]
    NotFound,
    #[error("invalid object key: {0}")]
    InvalidKey(String),
    /// The bytes did not hash to the SHA-256 the caller expected; nothing was stored.
    #[error("content has sha256 {actual}, expected {expected}")]
    DigestMismatch { expected: String, actual: String },
    #[error("storage I/O failed: {0}")]
    Io(#[from] std::io::Error),
}

pub type BlobResult<T> = Result<T, BlobError>;

/// What a completed `put` stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutReceipt {
    pub size: u64,
    /// Lower-case hex.
    pub sha256: String,
}

/// An object being read: its size (for `Content-Length`) and its bytes.
pub struct BlobObject {
    pub size: u64,
    pub body: ByteStream,
}

/// One stored object as a listing shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    pub key: String,
    pub size: u64,
    /// When the object was last written.
    pub modified: chrono::DateTime<chrono::Utc>,
}

#[async_trait]
pub trait Blobs: Send + Sync + 'static {
    /// Stores the stream under `key`, replacing any object there only once the whole body
    /// arrived. With `expected_sha256`, a body that hashes differently is refused and nothing
    /// is left behind.
    async fn put(
        &self,
        key: &str,
        body: ByteStream,
        expected_sha256: Option<&str>,
    ) -> BlobResult<PutReceipt>;

    /// Opens the object for streaming, or `NotFound`.
    async fn get(&self, key: &str) -> BlobResult<BlobObject>;

    async fn exists(&self, key: &str) -> BlobResult<bool>;

    /// Removes the object; removing a missing object is not an error.
    async fn delete(&self, key: &str) -> BlobResult<()>;

    /// Every object whose key starts with `prefix` (a whole segment, e.g. `uploads/`), in no
    /// particular order. The retention sweeper finds objects by age with it.
    async fn list(&self, prefix: &str) -> BlobResult<Vec<ObjectInfo>>;

    /// A URL anyone may GET the object from until `ttl` has passed.
    async fn presign_get(&self, key: &str, ttl: Duration) -> BlobResult<String>;

    /// A URL anyone may PUT the object's bytes to until `ttl` has passed.
    async fn presign_put(&self, key: &str, ttl: Duration) -> BlobResult<String>;
}
