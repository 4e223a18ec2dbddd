//! Shared set-up for the API tests: a router on a real SQLite store in a temp dir, driven
//! without a socket through `tower::ServiceExt::oneshot`.

#![allow(dead_code)] // Each test binary uses a different part of this module.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use axum::Router;
use rgrid_server::blobs::{LocalBlobs, UrlSigner};
use rgrid_server::store::sqlite::SqliteStore;
use rgrid_server::store::{NewApiKey, Project, Role, Store};
use rgrid_server::{router, AppState};
use rgrid_spec::api::{ClaimResponse, RegisterResponse};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use tower::ServiceExt;

/// The base of the URLs the test blobs sign; requests to it are sent to the router instead.
pub const PUBLIC_URL: &str = "http://rgrid.test";
pub const BOOTSTRAP: &str = "rgb_test-bootstrap-token";

pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    pub api_key: String,
    pub project: Project,
    pub signer: Arc<UrlSigner>,
    _dir: tempfile::TempDir,
}

pub struct Answer {
    pub status: StatusCode,
    pub body: bytes::Bytes,
}

impl Answer {
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|err| {
            panic!(
                "{err}: {} {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn value(&self) -> Value {
        self.json()
    }

    /// The `code` of an error body.
    pub fn code(&self) -> String {
        self.value()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

pub async fn test_app() -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("rgrid.db");
    let store = SqliteStore::connect(db.to_str().expect("utf-8 path"))
        .await
        .expect("sqlite");
    test_app_on(Arc::new(store), dir).await
}

/// The router on `store` (migrated here), with objects in `dir`, project `local/default` and
/// an admin key for it.
pub async fn test_app_on(store: Arc<dyn Store>, dir: tempfile::TempDir) -> TestApp {
    store.migrate().await.expect("migrate");
    let project = store
        .ensure_project("local", "default")
        .await
        .expect("project");
    let api_key = "rg_test-api-key".to_string();
    let hash = rgrid_server::api::auth::hash_secret(&api_key);
    let key = NewApiKey {
        project_id: project.id,
        name: "test",
        role: Role::Admin,
        prefix: "rg_test",
        key_hash: &hash,
    };
    store.add_api_key(key).await.expect("api key");
    let signer = Arc::new(UrlSigner::random());
    let blobs = LocalBlobs::new(dir.path().join("objects"), PUBLIC_URL, (*signer).clone());
    let state = AppState::new(store, Arc::new(blobs), Some(signer.clone()), BOOTSTRAP);
    TestApp {
        router: router(state.clone()),
        state,
        api_key,
        project,
        signer,
        _dir: dir,
    }
}

impl TestApp {
    pub async fn call(&self, method: Method, uri: &str, auth: Option<&str>, body: Body) -> Answer {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(token) = auth {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let request = request.body(body).expect("request");
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible router");
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        Answer { status, body }
    }

    /// A user call with the test API key and a JSON (or empty) body.
    pub async fn user(&self, method: Method, uri: &str, body: Option<Value>) -> Answer {
        let body = body.map_or_else(Body::empty, |v| Body::from(v.to_string()));
        self.call(method, uri, Some(&self.api_key), body).await
    }

    pub async fn runner(&self, token: &str, uri: &str, body: Value) -> Answer {
        self.call(Method::POST, uri, Some(token), Body::from(body.to_string()))
            .await
    }

    /// Follows a presigned URL through the router.
    pub async fn presigned(&self, method: Method, url: &str, body: Body) -> Answer {
        let path = url
            .strip_prefix(PUBLIC_URL)
            .unwrap_or_else(|| panic!("foreign URL {url}"));
        self.call(method, path, None, body).await
    }

    pub async fn register(&self) -> String {
        let answer = self
            .runner(
                "",
                "/v1/runner/register",
                json!({"bootstrap_token": BOOTSTRAP, "name": "node-1", "slots": 2,
                       "executor": "process", "version": "test"}),
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
        answer.json::<RegisterResponse>().node_token
    }

    pub async fn claim(&self, token: &str, wait_secs: u64) -> ClaimResponse {
        let answer = self
            .runner(token, "/v1/runner/claim", json!({"wait_secs": wait_secs}))
            .await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
        answer.json()
    }

    /// Submits a job and returns its id.
    pub async fn submit(&self, spec: Value) -> uuid::Uuid {
        let answer = self.user(Method::POST, "/v1/jobs", Some(spec)).await;
        assert_eq!(
            answer.status,
            StatusCode::CREATED,
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
        answer.json::<rgrid_spec::api::JobView>().id
    }
}

/// A minimal valid spec with `body` merged into `spec`.
pub fn spec(body: Value) -> Value {
    let mut inner = json!({"command": ["python", "main.py"], "code": "print(1)"});
    if let (Some(inner), Some(extra)) = (inner.as_object_mut(), body.as_object()) {
        for (key, value) in extra {
            inner.insert(key.clone(), value.clone());
        }
    }
    json!({"apiVersion": "rgrid.dev/v1", "kind": "Job", "spec": inner})
}

pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}

/// Polls `condition` until it holds, failing after ten seconds.
pub async fn wait_until(condition: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !condition() {
        assert!(
            std::time::Instant::now() < deadline,
            "condition not met within 10 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}
