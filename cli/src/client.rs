//! The user side of the rgrid HTTP API.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use futures::StreamExt;
use indicatif::ProgressBar;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use reqwest::{Response, StatusCode};
use rgrid_spec::access::{
    CreateKeyRequest, CreateProjectRequest, CreateTokenRequest, CreatedKey, CreatedProject,
    CreatedToken, KeyList, KeyView, Me, OperatorView, ProjectList, RevokedNode, TokenList,
    TokenView, WhoAmI,
};
use rgrid_spec::api::{
    ArtifactList, BatchCancelView, BatchRequest, BatchView, CostReport, ErrorBody, HeldRequest,
    HeldView, JobList, JobStatus, JobView, LogPage, NodeList, NodeView, SessionRequest,
    UploadSession, UploadView, MAX_HELD_QUERY,
};
use rgrid_spec::JobSpec;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// Files this large or larger are uploaded in parts (resumable); smaller ones in one PUT.
pub const MULTIPART_THRESHOLD: u64 = 32 << 20;

/// What went wrong talking to the server, sorted by what the user should do about it.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot reach the rgrid server at {url}: {detail}")]
    Unreachable { url: String, detail: String },
    /// 401: the key is unknown, revoked or of the wrong kind. The message says which key
    /// (where it came from) and what to run next.
    #[error("{message}")]
    Unauthorized { message: String },
    /// 403: the key is valid but may not do this (a role too weak, a project key on an
    /// operator endpoint); the server's message says what is needed.
    #[error("the server refused this: {message}")]
    Forbidden { message: String },
    #[error("{message}")]
    NotFound { message: String },
    #[error("invalid job spec: {message}")]
    InvalidSpec { message: String },
    /// Deleted for good, e.g. outputs past the server's retention; the message says what to do.
    #[error("{message}")]
    Gone { message: String },
    #[error("the server answered {status}: {message}")]
    Api { status: u16, message: String },
    #[error("cannot read {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
}

impl ClientError {
    /// The server is away or restarting (or its database is): worth trying again soon.
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Unreachable { .. } => true,
            ClientError::Api { status, .. } => matches!(status, 500 | 502 | 503 | 504),
            _ => false,
        }
    }
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    key: String,
    /// Which key this is and what to run when the server refuses it (see [`Client::refused`]).
    refusal_hint: Option<std::sync::Arc<str>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("key", &"<hidden>")
            .finish_non_exhaustive()
    }
}

/// What a 401 means when nobody said where the key came from (e.g. at `rgrid login`).
const DEFAULT_REFUSAL: &str = "the key: it is unknown, revoked, or not the kind of key this \
    needs (project keys start with `rg_`, operator keys `rgo_`, personal tokens `rgu_`). Check \
    you copied all of it, or ask for a new one: a project admin runs `rgrid keys create NAME`, \
    the grid's operator `rgrid-server admin`";

impl Client {
    pub fn new(base: &str, key: &str) -> Client {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .expect("a reqwest client with default TLS settings always builds");
        Client {
            http,
            base: base.trim_end_matches('/').to_string(),
            key: key.to_string(),
            refusal_hint: None,
        }
    }

    /// Says, when the server refuses the key (401), which key it was and what to run next:
    /// `hint` completes "the server at URL refused …".
    pub fn with_refusal_hint(mut self, hint: String) -> Client {
        self.refusal_hint = Some(hint.into());
        self
    }

    /// A 401 turned into a message naming the key and the next step.
    pub fn refused(&self) -> ClientError {
        let hint = self.refusal_hint.as_deref().unwrap_or(DEFAULT_REFUSAL);
        ClientError::Unauthorized {
            message: format!("the server at {} refused {hint}", self.base),
        }
    }

    fn explain(&self, err: ClientError) -> ClientError {
        match err {
            ClientError::Unauthorized { .. } => self.refused(),
            other => other,
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The key, to tell its kind by its prefix; never print it.
    pub(crate) fn key(&self) -> &str {
        &self.key
    }

    /// A WebSocket handshake for `path` (which may carry a query): `ws://` for an `http://`
    /// server, `wss://` for `https://`, with the API key.
    pub fn websocket_request(
        &self,
        path: &str,
    ) -> Result<tokio_tungstenite::tungstenite::handshake::client::Request, ClientError> {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let url = self.url(path);
        let url = match url.split_once("://") {
            Some(("https", rest)) => format!("wss://{rest}"),
            Some((_, rest)) => format!("ws://{rest}"),
            None => url,
        };
        let mut request = url
            .into_client_request()
            .map_err(|e| ClientError::Unreachable {
                url: self.base.clone(),
                detail: e.to_string(),
            })?;
        let auth =
            format!("Bearer {}", self.key)
                .parse()
                .map_err(|_| ClientError::Unauthorized {
                    message: "the API key holds characters a header cannot".into(),
                })?;
        request.headers_mut().insert("authorization", auth);
        Ok(request)
    }

    pub async fn submit(&self, spec: &JobSpec) -> Result<JobView, ClientError> {
        let request = self.http.post(self.url("/v1/jobs")).json(spec);
        self.send_json(request).await
    }

    pub async fn job(&self, id: Uuid) -> Result<JobView, ClientError> {
        self.send_json(self.http.get(self.url(&format!("/v1/jobs/{id}"))))
            .await
    }

    /// Submits every job of a batch in one request.
    pub async fn submit_batch(&self, batch: &BatchRequest) -> Result<BatchView, ClientError> {
        let request = self.http.post(self.url("/v1/batches")).json(batch);
        self.send_json(request).await
    }

    pub async fn batch(&self, id: Uuid) -> Result<BatchView, ClientError> {
        self.send_json(self.http.get(self.url(&format!("/v1/batches/{id}"))))
            .await
    }

    pub async fn jobs(
        &self,
        status: Option<&str>,
        batch: Option<Uuid>,
        limit: u32,
    ) -> Result<JobList, ClientError> {
        let mut query = vec![("limit", limit.to_string())];
        if let Some(status) = status {
            query.push(("status", status.to_string()));
        }
        if let Some(batch) = batch {
            query.push(("batch", batch.to_string()));
        }
        self.send_json(self.http.get(self.url("/v1/jobs")).query(&query))
            .await
    }

    pub async fn nodes(&self) -> Result<NodeList, ClientError> {
        self.send_json(self.http.get(self.url("/v1/nodes"))).await
    }

    pub async fn drain_node(&self, id: Uuid) -> Result<NodeView, ClientError> {
        self.send_json(self.http.post(self.url(&format!("/v1/nodes/{id}/drain"))))
            .await
    }

    pub async fn revoke_node(&self, id: Uuid) -> Result<RevokedNode, ClientError> {
        self.send_json(self.http.post(self.url(&format!("/v1/nodes/{id}/revoke"))))
            .await
    }

    pub async fn operator_whoami(&self) -> Result<OperatorView, ClientError> {
        self.send_json(self.http.get(self.url("/v1/operator/whoami")))
            .await
    }

    pub async fn tokens(&self) -> Result<TokenList, ClientError> {
        self.send_json(self.http.get(self.url("/v1/me/tokens")))
            .await
    }

    pub async fn create_token(&self, name: &str) -> Result<CreatedToken, ClientError> {
        let request = CreateTokenRequest {
            name: name.to_string(),
        };
        let url = self.url("/v1/me/tokens");
        self.send_json(self.http.post(url).json(&request)).await
    }

    pub async fn revoke_token(&self, id: i64) -> Result<TokenView, ClientError> {
        self.send_json(self.http.delete(self.url(&format!("/v1/me/tokens/{id}"))))
            .await
    }

    pub async fn cost(&self, days: u32) -> Result<CostReport, ClientError> {
        let request = self.http.get(self.url("/v1/cost")).query(&[("days", days)]);
        self.send_json(request).await
    }

    pub async fn cancel(&self, id: Uuid) -> Result<JobView, ClientError> {
        self.send_json(self.http.post(self.url(&format!("/v1/jobs/{id}/cancel"))))
            .await
    }

    /// Cancels every job of the batch in one request.
    pub async fn cancel_batch(&self, id: Uuid) -> Result<BatchCancelView, ClientError> {
        let url = self.url(&format!("/v1/batches/{id}/cancel"));
        self.send_json(self.http.post(url)).await
    }

    pub async fn retry(&self, id: Uuid) -> Result<JobView, ClientError> {
        self.send_json(self.http.post(self.url(&format!("/v1/jobs/{id}/retry"))))
            .await
    }

    /// The job once its status or attempt count differs from `seen`, waiting up to `wait`
    /// seconds for that (an older server answers at once).
    pub async fn job_change(
        &self,
        id: Uuid,
        seen: (JobStatus, u32),
        wait: u64,
    ) -> Result<JobView, ClientError> {
        let request = self
            .http
            .get(self.url(&format!("/v1/jobs/{id}")))
            .query(&[
                ("wait", wait.to_string()),
                ("status", seen.0.as_str().to_string()),
                ("attempts", seen.1.to_string()),
            ])
            .timeout(Duration::from_secs(wait + 30));
        self.send_json(request).await
    }

    /// Log chunks after the cursor, waiting up to `wait` seconds for new ones.
    pub async fn logs(&self, id: Uuid, after: i64, wait: u64) -> Result<LogPage, ClientError> {
        let request = self
            .http
            .get(self.url(&format!("/v1/jobs/{id}/logs")))
            .query(&[("after", after.to_string()), ("wait", wait.to_string())])
            .timeout(Duration::from_secs(wait + 30));
        self.send_json(request).await
    }

    pub async fn artifacts(&self, id: Uuid) -> Result<ArtifactList, ClientError> {
        self.send_json(self.http.get(self.url(&format!("/v1/jobs/{id}/artifacts"))))
            .await
    }

    /// Which of these contents (SHA-256, hex) the server holds, in one request per
    /// [`MAX_HELD_QUERY`] hashes.
    pub async fn held(&self, shas: &[String]) -> Result<HashSet<String>, ClientError> {
        let mut held = HashSet::new();
        for part in shas.chunks(MAX_HELD_QUERY) {
            let request = HeldRequest {
                sha256: part.to_vec(),
            };
            let url = self.url("/v1/uploads/held");
            let answer: HeldView = self.send_json(self.http.post(url).json(&request)).await?;
            held.extend(answer.held);
        }
        Ok(held)
    }

    /// Uploads a file unless the server already holds the same content (`known_held` skips
    /// the question when the caller asked already). Files of [`MULTIPART_THRESHOLD`] bytes or
    /// more go up in parts and resume where an earlier, interrupted upload stopped.
    pub async fn upload(
        &self,
        path: &Path,
        sha256: &str,
        size: u64,
        known_held: Option<bool>,
        progress: &ProgressBar,
    ) -> Result<UploadView, ClientError> {
        let held_view = || UploadView {
            url: format!("rgrid://uploads/{sha256}"),
            sha256: sha256.into(),
            size,
        };
        if size >= MULTIPART_THRESHOLD && known_held != Some(true) {
            return self.upload_in_parts(path, sha256, size, progress).await;
        }
        let url = self.url(&format!("/v1/uploads/{sha256}"));
        let held = match known_held {
            Some(held) => held,
            None => {
                let head = self.http.head(&url).bearer_auth(&self.key).send().await;
                head.map_err(|e| self.unreachable(e))?.status() == StatusCode::OK
            }
        };
        if held {
            progress.inc(size);
            return Ok(held_view());
        }
        let file = self.open(path).await?;
        let body = reqwest::Body::wrap_stream(counted(read_stream(file, size), progress));
        let request = self
            .http
            .put(&url)
            .header(reqwest::header::CONTENT_LENGTH, size)
            .body(body);
        self.send_json(request).await
    }

    /// A multipart upload: ask which parts the server has, send the others, complete. An
    /// upload cut off part way is resumed by running the same command again.
    async fn upload_in_parts(
        &self,
        path: &Path,
        sha256: &str,
        size: u64,
        progress: &ProgressBar,
    ) -> Result<UploadView, ClientError> {
        let base = format!("/v1/uploads/{sha256}");
        let request = SessionRequest { size };
        let session: UploadSession = self
            .send_json(
                self.http
                    .post(self.url(&format!("{base}/session")))
                    .json(&request),
            )
            .await?;
        if session.held {
            progress.inc(size);
            return Ok(UploadView {
                url: format!("rgrid://uploads/{sha256}"),
                sha256: sha256.into(),
                size,
            });
        }
        let received: HashSet<u64> = session.received.iter().copied().collect();
        let part_len = |n: u64| {
            size.saturating_sub(n * session.part_size)
                .min(session.part_size)
        };
        progress.inc(received.iter().map(|n| part_len(*n)).sum());
        if !received.is_empty() {
            tracing::info!(
                parts = received.len(),
                of = session.part_count,
                "resuming an interrupted upload"
            );
        }
        for n in (0..session.part_count).filter(|n| !received.contains(n)) {
            let mut file = self.open(path).await?;
            let offset = n * session.part_size;
            file.seek(std::io::SeekFrom::Start(offset))
                .await
                .map_err(|source| file_error(path, source))?;
            let len = part_len(n);
            let body = reqwest::Body::wrap_stream(counted(read_stream(file, len), progress));
            let url = self.url(&format!("{base}/parts/{n}"));
            let request = self
                .http
                .put(url)
                .query(&[("size", size)])
                .header(reqwest::header::CONTENT_LENGTH, len)
                .body(body);
            let response = request.bearer_auth(&self.key).send().await;
            let response = response.map_err(|e| self.resumable(e, n, &session))?;
            check(response).await?;
        }
        let url = self.url(&format!("{base}/complete"));
        self.send_json(self.http.post(url).json(&request)).await
    }

    /// A part that broke off: say that running again resumes.
    fn resumable(&self, err: reqwest::Error, n: u64, session: &UploadSession) -> ClientError {
        match self.unreachable(err) {
            ClientError::Unreachable { url, detail } => ClientError::Unreachable {
                url,
                detail: format!(
                    "{detail} (while sending part {} of {}; run the same command again to \
                     resume the upload)",
                    n + 1,
                    session.part_count
                ),
            },
            other => other,
        }
    }

    async fn open(&self, path: &Path) -> Result<tokio::fs::File, ClientError> {
        tokio::fs::File::open(path)
            .await
            .map_err(|source| file_error(path, source))
    }

    pub async fn whoami(&self) -> Result<WhoAmI, ClientError> {
        self.send_json(self.http.get(self.url("/v1/whoami"))).await
    }

    pub async fn me(&self) -> Result<Me, ClientError> {
        self.send_json(self.http.get(self.url("/v1/me"))).await
    }

    pub async fn keys(&self) -> Result<KeyList, ClientError> {
        self.send_json(self.http.get(self.url("/v1/keys"))).await
    }

    pub async fn create_key(&self, request: &CreateKeyRequest) -> Result<CreatedKey, ClientError> {
        self.send_json(self.http.post(self.url("/v1/keys")).json(request))
            .await
    }

    pub async fn revoke_key(&self, id: i64) -> Result<KeyView, ClientError> {
        self.send_json(self.http.delete(self.url(&format!("/v1/keys/{id}"))))
            .await
    }

    pub async fn projects(&self, account: &str) -> Result<ProjectList, ClientError> {
        let url = self.url(&format!("/v1/accounts/{account}/projects"));
        self.send_json(self.http.get(url)).await
    }

    pub async fn create_project(
        &self,
        account: &str,
        request: &CreateProjectRequest,
    ) -> Result<CreatedProject, ClientError> {
        let url = self.url(&format!("/v1/accounts/{account}/projects"));
        self.send_json(self.http.post(url).json(request)).await
    }

    /// GETs a presigned URL (no API key: the URL carries its own signature).
    pub async fn fetch(&self, url: &str) -> Result<Response, ClientError> {
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        check(response).await
    }

    async fn send_json<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, ClientError> {
        let response = request
            .bearer_auth(&self.key)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        let response = check(response).await.map_err(|e| self.explain(e))?;
        response.json::<T>().await.map_err(|e| ClientError::Api {
            status: 200,
            message: format!("unreadable answer: {e}"),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    fn unreachable(&self, err: reqwest::Error) -> ClientError {
        let mut detail = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            detail = format!("{detail}: {cause}");
            source = cause.source();
        }
        // reqwest prints the whole URL; a presigned query string must not reach the terminal.
        if let Some(url) = err.url() {
            let mut bare = url.clone();
            bare.set_query(None);
            detail = detail.replace(url.as_str(), bare.as_str());
        }
        ClientError::Unreachable {
            url: self.base.clone(),
            detail,
        }
    }
}

fn file_error(path: &Path, source: std::io::Error) -> ClientError {
    ClientError::File {
        path: path.display().to_string(),
        source,
    }
}

/// At most `len` bytes of the file from where it stands, read piece by piece.
fn read_stream(
    file: tokio::fs::File,
    len: u64,
) -> impl futures::Stream<Item = std::io::Result<bytes::Bytes>> {
    tokio_util::io::ReaderStream::with_capacity(file.take(len), 256 * 1024)
}

/// The stream, advancing the bar by each piece as it is handed to the connection.
fn counted<S>(
    stream: S,
    progress: &ProgressBar,
) -> impl futures::Stream<Item = std::io::Result<bytes::Bytes>>
where
    S: futures::Stream<Item = std::io::Result<bytes::Bytes>>,
{
    let progress = progress.clone();
    stream.inspect(move |piece| {
        if let Ok(piece) = piece {
            progress.inc(piece.len() as u64);
        }
    })
}

async fn check(response: Response) -> Result<Response, ClientError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let text = response.text().await.unwrap_or_default();
    let (code, message) = match serde_json::from_str::<ErrorBody>(&text) {
        Ok(body) => (body.error.code, body.error.message),
        Err(_) => (String::new(), text.trim().chars().take(300).collect()),
    };
    Err(match status {
        StatusCode::UNAUTHORIZED => ClientError::Unauthorized {
            message: format!("the server refused {DEFAULT_REFUSAL}"),
        },
        StatusCode::FORBIDDEN => ClientError::Forbidden { message },
        StatusCode::NOT_FOUND => ClientError::NotFound { message },
        StatusCode::GONE => ClientError::Gone { message },
        StatusCode::BAD_REQUEST if code == rgrid_spec::api::CODE_INVALID_SPEC => {
            ClientError::InvalidSpec { message }
        }
        _ => ClientError::Api {
            status: status.as_u16(),
            message,
        },
    })
}
