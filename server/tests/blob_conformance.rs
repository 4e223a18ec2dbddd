//! One story through the `Blobs` trait, run against every backend: the local directory behind
//! this server's signed URLs, and S3 on a real S3-compatible server (moto) on loopback.
//!
//! Each story starts a whole server, so presigned URLs are fetched over HTTP exactly as a
//! runner or the CLI fetches them.

use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use rgrid_server::blobs::{BlobError, Blobs, ByteStream, S3Blobs, S3Settings};
use rgrid_server::config::Storage;
use rgrid_server::ServerConfig;
use rgrid_tests::s3;
use sha2::{Digest, Sha256};

fn stream_of(parts: Vec<Vec<u8>>) -> ByteStream {
    Box::pin(futures::stream::iter(
        parts.into_iter().map(|p| Ok(Bytes::from(p))),
    ))
}

/// `total` bytes in pieces of `piece`, with a pattern that makes misplaced bytes visible.
fn patterned(total: usize, piece: usize) -> (Vec<Vec<u8>>, String) {
    let bytes: Vec<u8> = (0..total).map(|i| (i % 251) as u8).collect();
    let sha = hex::encode(Sha256::digest(&bytes));
    (bytes.chunks(piece).map(<[u8]>::to_vec).collect(), sha)
}

async fn read_all(blobs: &dyn Blobs, key: &str) -> Vec<u8> {
    let object = blobs.get(key).await.expect("get");
    let mut body = object.body;
    let mut out = Vec::new();
    while let Some(chunk) = body.next().await {
        out.extend_from_slice(&chunk.expect("chunk"));
    }
    assert_eq!(out.len() as u64, object.size, "size of {key}");
    out
}

async fn story(storage: Storage) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = ServerConfig::local(dir.path());
    config.storage = storage;
    let server = rgrid_server::start(config).await.expect("server starts");
    let blobs = server.state().blobs.clone();
    let blobs = blobs.as_ref();

    small_objects_round_trip(blobs).await;
    a_wrong_digest_stores_nothing(blobs).await;
    large_objects_stream_in_parts(blobs).await;
    presigned_urls_work_over_http(blobs).await;
    keys_that_leave_the_root_are_refused(blobs).await;
    listing_finds_objects_by_prefix_with_their_age(blobs).await;

    server.shutdown().await;
}

async fn small_objects_round_trip(blobs: &dyn Blobs) {
    let key = "uploads/acct/proj/small";
    let receipt = blobs
        .put(
            key,
            stream_of(vec![b"he".to_vec(), b"\0llo".to_vec()]),
            None,
        )
        .await
        .expect("put");
    assert_eq!(receipt.size, 6);
    assert_eq!(receipt.sha256, hex::encode(Sha256::digest(b"he\0llo")));
    assert!(blobs.exists(key).await.expect("exists"));
    assert_eq!(read_all(blobs, key).await, b"he\0llo");

    let empty = "uploads/acct/proj/empty";
    let receipt = blobs
        .put(empty, stream_of(vec![]), None)
        .await
        .expect("put");
    assert_eq!(receipt.size, 0);
    assert_eq!(read_all(blobs, empty).await, b"");

    blobs
        .put(key, stream_of(vec![b"replaced".to_vec()]), None)
        .await
        .expect("overwrite");
    assert_eq!(read_all(blobs, key).await, b"replaced");

    blobs.delete(key).await.expect("delete");
    blobs
        .delete(key)
        .await
        .expect("deleting a missing object is fine");
    assert!(!blobs.exists(key).await.expect("exists"));
    assert!(matches!(blobs.get(key).await, Err(BlobError::NotFound)));
}

async fn a_wrong_digest_stores_nothing(blobs: &dyn Blobs) {
    let wrong = "0".repeat(64);
    let key = "uploads/acct/proj/wrong";
    let result = blobs
        .put(key, stream_of(vec![b"data".to_vec()]), Some(&wrong))
        .await;
    assert!(
        matches!(result, Err(BlobError::DigestMismatch { .. })),
        "{result:?}"
    );
    assert!(!blobs.exists(key).await.expect("exists"));

    // A body large enough for a multipart upload is refused the same way.
    let (parts, _) = patterned(20 << 20, 1 << 20);
    let result = blobs.put(key, stream_of(parts), Some(&wrong)).await;
    assert!(
        matches!(result, Err(BlobError::DigestMismatch { .. })),
        "{result:?}"
    );
    assert!(!blobs.exists(key).await.expect("exists"));
}

async fn large_objects_stream_in_parts(blobs: &dyn Blobs) {
    let (parts, sha) = patterned((20 << 20) + 12_345, 64 << 10);
    let expected: Vec<u8> = parts.concat();
    let key = "artifacts/acct/proj/job/big.bin";
    let receipt = blobs
        .put(key, stream_of(parts), Some(&sha))
        .await
        .expect("put large");
    assert_eq!(receipt.sha256, sha);
    assert_eq!(receipt.size, expected.len() as u64);
    assert!(
        read_all(blobs, key).await == expected,
        "large object differs"
    );
}

async fn presigned_urls_work_over_http(blobs: &dyn Blobs) {
    let http = reqwest::Client::new();
    let key = "artifacts/acct/proj/job/out dir/résumé #1.txt";
    let ttl = Duration::from_secs(300);

    let put_url = blobs.presign_put(key, ttl).await.expect("presign put");
    let answer = http
        .put(&put_url)
        .body("through a presigned PUT")
        .send()
        .await
        .expect("PUT");
    assert!(
        answer.status().is_success(),
        "PUT answered {}",
        answer.status()
    );
    assert_eq!(read_all(blobs, key).await, b"through a presigned PUT");

    let get_url = blobs.presign_get(key, ttl).await.expect("presign get");
    let answer = http.get(&get_url).send().await.expect("GET");
    assert!(
        answer.status().is_success(),
        "GET answered {}",
        answer.status()
    );
    assert_eq!(
        answer.bytes().await.expect("body"),
        "through a presigned PUT"
    );
}

async fn keys_that_leave_the_root_are_refused(blobs: &dyn Blobs) {
    for key in ["../x", "a/../../b", "/abs", "a//b", ""] {
        let result = blobs.put(key, stream_of(vec![b"x".to_vec()]), None).await;
        assert!(
            matches!(result, Err(BlobError::InvalidKey(_))),
            "{key:?}: {result:?}"
        );
        let url = blobs.presign_get(key, Duration::from_secs(60)).await;
        assert!(matches!(url, Err(BlobError::InvalidKey(_))), "{key:?}");
    }
}

async fn listing_finds_objects_by_prefix_with_their_age(blobs: &dyn Blobs) {
    let before = chrono::Utc::now() - chrono::Duration::seconds(5);
    for key in [
        "uploads/list/p/one",
        "uploads/list/p/parts/abc/3/0",
        "uploads/list/q/two",
        "uploads/listing-not-a-segment",
    ] {
        blobs
            .put(key, stream_of(vec![key.as_bytes().to_vec()]), None)
            .await
            .expect("put");
    }
    let after = chrono::Utc::now() + chrono::Duration::seconds(5);
    let mut found = blobs.list("uploads/list/").await.expect("list");
    found.sort_by(|a, b| a.key.cmp(&b.key));
    let keys: Vec<&str> = found.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "uploads/list/p/one",
            "uploads/list/p/parts/abc/3/0",
            "uploads/list/q/two"
        ]
    );
    for object in &found {
        assert_eq!(object.size, object.key.len() as u64, "{}", object.key);
        assert!(
            object.modified > before && object.modified < after,
            "{} modified {}",
            object.key,
            object.modified
        );
    }
    // A prefix that ends inside a segment matches by text.
    let partial = blobs.list("uploads/list/p/o").await.expect("list");
    assert_eq!(partial.len(), 1, "{partial:?}");
    assert!(blobs.list("nothing/here/").await.expect("list").is_empty());
    for object in found {
        blobs.delete(&object.key).await.expect("delete");
    }
    assert!(blobs.list("uploads/list/").await.expect("list").is_empty());
}

#[tokio::test]
async fn local_directory_blobs() {
    story(Storage::Local).await;
}

#[tokio::test]
async fn s3_blobs_on_a_real_s3_server() {
    let Some(s3) = s3::require_s3() else { return };
    story(Storage::S3(S3Settings {
        endpoint: Some(s3.endpoint.clone()),
        bucket: s3.bucket.clone(),
        region: s3::REGION.into(),
        access_key_id: s3.access_key_id.clone(),
        secret_access_key: s3.secret_access_key.clone(),
    }))
    .await;
}

/// With moto's IAM authentication on, requests signed with the right key work (single PUTs
/// and multipart uploads alike) and the same requests signed with a wrong secret, or with a
/// key id the server never issued, are refused and change nothing.
#[tokio::test]
async fn s3_refuses_requests_signed_with_a_wrong_secret() {
    let Some(s3) = s3::require_s3_with_auth() else {
        return;
    };
    let settings = |key_id: &str, secret: &str| S3Settings {
        endpoint: Some(s3.endpoint.clone()),
        bucket: s3.bucket.clone(),
        region: s3::REGION.into(),
        access_key_id: key_id.into(),
        secret_access_key: secret.into(),
    };
    let good = S3Blobs::new(&settings(&s3.access_key_id, &s3.secret_access_key)).expect("client");
    let key = "uploads/acct/proj/signed";
    good.put(key, stream_of(vec![b"kept".to_vec()]), None)
        .await
        .expect("a correctly signed PUT is accepted");
    large_objects_stream_in_parts(&good).await;

    let wrong_secret = format!("{}x", s3.secret_access_key);
    for (what, blobs) in [
        ("wrong secret", settings(&s3.access_key_id, &wrong_secret)),
        (
            "unknown key id",
            settings("AKIAUNKNOWNKEY000000", &s3.secret_access_key),
        ),
    ] {
        let blobs = S3Blobs::new(&blobs).expect("client");
        let put = blobs
            .put(key, stream_of(vec![b"replaced".to_vec()]), None)
            .await;
        assert!(put.is_err(), "{what}: PUT accepted");
        let message = format!("{:?}", put.err());
        assert!(
            message.contains("SignatureDoesNotMatch") || message.contains("InvalidAccessKeyId"),
            "{what}: refused for another reason: {message}"
        );
        assert!(blobs.get(key).await.is_err(), "{what}: GET accepted");
        assert!(blobs.delete(key).await.is_err(), "{what}: DELETE accepted");
        assert!(
            blobs.list("uploads/").await.is_err(),
            "{what}: LIST accepted"
        );
    }
    assert_eq!(
        read_all(&good, key).await,
        b"kept",
        "refused requests changed nothing"
    );
}
