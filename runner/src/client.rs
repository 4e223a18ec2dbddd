//! The runner's HTTP client for the API (`/v1/runner/…`) and for presigned URLs.
//!
//! Connection errors and 5xx answers are retried with exponential backoff and jitter; a 4xx is
//! never retried. A 409 `stale_execution` becomes [`ClientError::Stale`]: the execution is no
//! longer current and the slot must abandon it without finishing it. So does a 404 on a
//! per-execution call: the server knows no execution of this node by that id.

use std::path::Path;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use reqwest::{Method, StatusCode};
use rgrid_spec::api::{
    ClaimRequest, ClaimResponse, ErrorBody, FinishRequest, HeartbeatResponse, LogBatch,
    OutputsRequest, OutputsResponse, RegisterRequest, RegisterResponse, ReleaseResponse,
    CODE_STALE_EXECUTION,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use uuid::Uuid;

/// Time allowed for one ordinary API call; claims add their long-poll wait on top.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// A heartbeat that takes longer than this is as good as lost; the next one follows.
const BEAT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("execution is no longer current on the server (stale_execution)")]
    Stale,
    #[error("server refused {what}: HTTP {status} {code}: {message}")]
    Refused {
        what: String,
        status: u16,
        code: String,
        message: String,
    },
    #[error("server failed {what}: HTTP {status}")]
    Server { what: String, status: u16 },
    #[error("could not reach {what}: {source}")]
    Transport {
        what: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("unexpected answer to {what}: {source}")]
    Decode {
        what: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("cannot read {path} for upload: {source}")]
    File {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl ClientError {
    /// Worth another try: the server may be restarting or the network briefly down.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ClientError::Server { .. } | ClientError::Transport { .. }
        )
    }

    /// The call failed because the server (or its database) is down, not because the network
    /// lost it: the server answered 5xx, or its host refused the connection (nothing listens:
    /// the server is restarting). A server in that state abandons nothing, and waits a whole
    /// heartbeat timeout once it is back, so such failures do not count as being cut off.
    pub fn shows_server_down(&self) -> bool {
        match self {
            ClientError::Server { .. } => true,
            ClientError::Transport { source, .. } => connection_refused(source),
            _ => false,
        }
    }
}

/// Whether an I/O error somewhere in the chain is a refused connection.
fn connection_refused(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(err);
    while let Some(err) = cause {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionRefused {
                return true;
            }
        }
        cause = err.source();
    }
    false
}

/// Backoff for one call: 200 ms doubling to 10 s with jitter, 8 tries (about a minute).
pub fn backoff() -> ExponentialBuilder {
    ExponentialBuilder::default()
        .with_jitter()
        .with_min_delay(Duration::from_millis(200))
        .with_max_delay(Duration::from_secs(10))
        .with_max_times(8)
}

/// `scheme://host/path` without the query, which holds presigned signatures.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            parsed.set_query(None);
            parsed.set_fragment(None);
            parsed.to_string()
        }
        Err(_) => url.split(['?', '#']).next().unwrap_or_default().to_string(),
    }
}

/// A client for the API before registration (no node token yet) and for presigned URLs.
#[derive(Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    base: String,
}

impl ApiClient {
    pub fn new(server_url: &str) -> Result<ApiClient, ClientError> {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("rgrid-runner/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|source| ClientError::Transport {
                what: "http client".into(),
                source,
            })?;
        Ok(ApiClient {
            http,
            base: server_url.trim_end_matches('/').to_string(),
        })
    }

    /// Exchanges the bootstrap token for a node token.
    pub async fn register(
        &self,
        request: &RegisterRequest,
    ) -> Result<RegisterResponse, ClientError> {
        let url = format!("{}/v1/runner/register", self.base);
        call_json(
            &self.http,
            "register",
            &url,
            None,
            Some(request),
            CALL_TIMEOUT,
        )
        .await
    }

    /// The client for the registered node.
    pub fn node(&self, node_token: String) -> NodeClient {
        NodeClient {
            api: self.clone(),
            token: node_token,
        }
    }

    /// The plain HTTP client, for presigned GETs (no credentials attached).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }
}

/// A registered node's client: every call carries the node token.
#[derive(Clone)]
pub struct NodeClient {
    api: ApiClient,
    token: String,
}

impl std::fmt::Debug for NodeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeClient")
            .field("base", &self.api.base)
            .finish_non_exhaustive()
    }
}

impl NodeClient {
    /// Long-polls for a job for up to `wait_secs`.
    pub async fn claim(&self, wait_secs: u64) -> Result<ClaimResponse, ClientError> {
        let url = format!("{}/v1/runner/claim", self.api.base);
        let timeout = CALL_TIMEOUT + Duration::from_secs(wait_secs);
        let body = ClaimRequest { wait_secs };
        call_json(
            &self.api.http,
            "claim",
            &url,
            Some(&self.token),
            Some(&body),
            timeout,
        )
        .await
    }

    /// Gives the node's unfinished executions back to the queue (the runner is stopping).
    pub async fn release(&self) -> Result<ReleaseResponse, ClientError> {
        let url = format!("{}/v1/runner/release", self.api.base);
        call_json::<(), _>(
            &self.api.http,
            "release",
            &url,
            Some(&self.token),
            None,
            CALL_TIMEOUT,
        )
        .await
    }

    /// One try, no backoff: the caller beats again at its next tick, so a server back from
    /// an outage hears from every job within one heartbeat interval.
    pub async fn heartbeat(&self, execution: Uuid) -> Result<HeartbeatResponse, ClientError> {
        let url = self.execution_url(execution, "heartbeat");
        let what = "heartbeat";
        let answer = send::<()>(
            &self.api.http,
            what,
            &url,
            Some(&self.token),
            None,
            BEAT_TIMEOUT,
        );
        answer
            .await
            .map_err(not_ours_is_stale)?
            .json()
            .await
            .map_err(|source| ClientError::Decode {
                what: what.into(),
                source,
            })
    }

    pub async fn send_logs(&self, execution: Uuid, batch: &LogBatch) -> Result<(), ClientError> {
        let url = self.execution_url(execution, "logs");
        call_empty(&self.api.http, "logs", &url, &self.token, batch)
            .await
            .map_err(not_ours_is_stale)
    }

    pub async fn announce_outputs(
        &self,
        execution: Uuid,
        request: &OutputsRequest,
    ) -> Result<OutputsResponse, ClientError> {
        let url = self.execution_url(execution, "outputs");
        call_json(
            &self.api.http,
            "outputs",
            &url,
            Some(&self.token),
            Some(request),
            CALL_TIMEOUT,
        )
        .await
        .map_err(not_ours_is_stale)
    }

    pub async fn finish(
        &self,
        execution: Uuid,
        request: &FinishRequest,
    ) -> Result<(), ClientError> {
        let url = self.execution_url(execution, "finish");
        call_empty(&self.api.http, "finish", &url, &self.token, request)
            .await
            .map_err(not_ours_is_stale)
    }

    /// Streams the file at `path` to a presigned PUT URL, retrying transient failures.
    pub async fn upload(&self, url: &str, path: &Path, size: u64) -> Result<(), ClientError> {
        let what = format!("upload to {}", redact_url(url));
        let attempt = || async {
            let file = tokio::fs::File::open(path)
                .await
                .map_err(|source| ClientError::File {
                    path: path.display().to_string(),
                    source,
                })?;
            let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::new(file));
            let answer = self
                .api
                .http
                .put(url)
                .header(reqwest::header::CONTENT_LENGTH, size)
                .body(body)
                .send()
                .await
                .map_err(|source| ClientError::Transport {
                    what: what.clone(),
                    source: source.without_url(),
                })?;
            check_status(&what, answer).await.map(drop)
        };
        attempt
            .retry(backoff())
            .when(ClientError::is_transient)
            .notify(log_retry)
            .await
    }

    pub fn api(&self) -> &ApiClient {
        &self.api
    }

    fn execution_url(&self, execution: Uuid, action: &str) -> String {
        format!(
            "{}/v1/runner/executions/{execution}/{action}",
            self.api.base
        )
    }
}

fn log_retry(err: &ClientError, delay: Duration) {
    tracing::warn!(error = %err, retry_in_ms = delay.as_millis() as u64, "retrying");
}

async fn call_json<B: Serialize, T: DeserializeOwned>(
    http: &reqwest::Client,
    what: &str,
    url: &str,
    token: Option<&str>,
    body: Option<&B>,
    timeout: Duration,
) -> Result<T, ClientError> {
    let attempt = || async {
        let answer = send(http, what, url, token, body, timeout).await?;
        answer
            .json::<T>()
            .await
            .map_err(|source| ClientError::Decode {
                what: what.into(),
                source,
            })
    };
    attempt
        .retry(backoff())
        .when(ClientError::is_transient)
        .notify(log_retry)
        .await
}

async fn call_empty<B: Serialize>(
    http: &reqwest::Client,
    what: &str,
    url: &str,
    token: &str,
    body: &B,
) -> Result<(), ClientError> {
    let attempt = || async {
        send(http, what, url, Some(token), Some(body), CALL_TIMEOUT)
            .await
            .map(drop)
    };
    attempt
        .retry(backoff())
        .when(ClientError::is_transient)
        .notify(log_retry)
        .await
}

async fn send<B: Serialize>(
    http: &reqwest::Client,
    what: &str,
    url: &str,
    token: Option<&str>,
    body: Option<&B>,
    timeout: Duration,
) -> Result<reqwest::Response, ClientError> {
    let mut request = http.request(Method::POST, url).timeout(timeout);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request = match body {
        Some(body) => request.json(body),
        None => request.header(reqwest::header::CONTENT_LENGTH, 0),
    };
    let answer = request
        .send()
        .await
        .map_err(|source| ClientError::Transport {
            what: what.into(),
            source,
        })?;
    check_status(what, answer).await
}

/// A per-execution call answered 404: the server has no execution of this node by that id
/// (it never was this node's, or is gone), so the slot abandons it as it would a stale one.
fn not_ours_is_stale(err: ClientError) -> ClientError {
    match err {
        ClientError::Refused { status: 404, .. } => ClientError::Stale,
        other => other,
    }
}

/// Turns an error status into the matching [`ClientError`].
async fn check_status(
    what: &str,
    answer: reqwest::Response,
) -> Result<reqwest::Response, ClientError> {
    let status = answer.status();
    if status.is_success() {
        return Ok(answer);
    }
    if status.is_server_error() {
        return Err(ClientError::Server {
            what: what.into(),
            status: status.as_u16(),
        });
    }
    let text = answer.text().await.unwrap_or_default();
    let (code, message) = match serde_json::from_str::<ErrorBody>(&text) {
        Ok(body) => (body.error.code, body.error.message),
        Err(_) => (String::new(), text.chars().take(200).collect()),
    };
    if status == StatusCode::CONFLICT && code == CODE_STALE_EXECUTION {
        return Err(ClientError::Stale);
    }
    Err(ClientError::Refused {
        what: what.into(),
        status: status.as_u16(),
        code,
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beat_to(address: std::net::SocketAddr) -> ClientError {
        let api = ApiClient::new(&format!("http://{address}")).expect("client");
        let node = api.node("rgn_test".into());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime
            .block_on(node.heartbeat(Uuid::nil()))
            .expect_err("nothing answers")
    }

    #[test]
    fn a_refused_connection_shows_the_server_down() {
        // A port that was just free: nothing listens there, as while a server restarts.
        let address = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port");
        let err = beat_to(address);
        assert!(err.shows_server_down(), "{err:?}");
    }

    #[test]
    fn a_dropped_connection_does_not_show_the_server_down() {
        // Accepted, then closed without an answer: what a cut network path looks like.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = listener.local_addr().expect("address");
        let closer = std::thread::spawn(move || {
            if let Ok((stream, _)) = listener.accept() {
                let _ = stream.shutdown(std::net::Shutdown::Both);
            }
        });
        let err = beat_to(address);
        let _ = closer.join();
        assert!(!err.shows_server_down(), "{err:?}");
        let server_error = ClientError::Server {
            what: "heartbeat".into(),
            status: 503,
        };
        assert!(server_error.shows_server_down());
    }

    #[test]
    fn redaction_drops_presigned_query() {
        assert_eq!(
            redact_url("http://127.0.0.1:9/blobs/a/b.csv?method=GET&expires=1&sig=abc"),
            "http://127.0.0.1:9/blobs/a/b.csv"
        );
        assert_eq!(redact_url("not a url?sig=x"), "not a url");
    }
}
