//! The Hetzner Cloud provider, through the public API (<https://docs.hetzner.cloud>):
//! `POST /servers` with cloud-init user data, `DELETE /servers/{id}` (its action polled with
//! `GET /actions/{id}` until the delete is confirmed), and `GET /servers` by label selector,
//! page by page.
//!
//! Errors come back as `{"error": {"code", "message"}}`. A 429 (`rate_limit_exceeded`), a 5xx
//! or a network failure is transient: the orchestrator tries again next tick. The API token is
//! only ever put in the `Authorization` header; it is not in any message or log.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::cloud_init::{self, NodeBoot};
use super::provider::{Provider, ProviderError, ProviderServer, ServerRequest};
use super::settings::HetznerSettings;

const PROVIDER: &str = "hetzner";
/// The label every server of a grid carries; its value is the grid's name.
pub const GRID_LABEL: &str = "rgrid-grid";
const PER_PAGE: u32 = 50;
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

pub struct HetznerProvider {
    http: reqwest::Client,
    settings: HetznerSettings,
    server_type: String,
    /// How long to poll a delete action before leaving it to the next tick.
    action_timeout: Duration,
    action_poll: Duration,
}

impl HetznerProvider {
    pub fn new(
        settings: HetznerSettings,
        server_type: &str,
    ) -> Result<HetznerProvider, ProviderError> {
        let http = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            .user_agent(concat!("rgrid-server/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| transient(format!("http client: {err}")))?;
        Ok(HetznerProvider {
            http,
            settings,
            server_type: server_type.to_string(),
            action_timeout: Duration::from_secs(120),
            action_poll: Duration::from_secs(2),
        })
    }

    /// Polls actions faster (tests, whose fake finishes actions at once).
    pub fn with_action_timing(mut self, poll: Duration, timeout: Duration) -> HetznerProvider {
        self.action_poll = poll;
        self.action_timeout = timeout;
        self
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.settings.api_url.trim_end_matches('/'))
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&CreateServer<'_>>,
    ) -> Result<T, ApiFailure> {
        let mut request = self
            .http
            .request(method.clone(), self.url(path))
            .bearer_auth(&self.settings.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|err| ApiFailure {
            status: None,
            code: "network".into(),
            // `without_url`: the error's URL is ours and harmless, but keep messages short.
            message: err.without_url().to_string(),
        })?;
        let status = response.status();
        if status.is_success() {
            return response.json::<T>().await.map_err(|err| ApiFailure {
                status: Some(status),
                code: "decode".into(),
                message: format!("{method} {path}: unexpected answer: {}", err.without_url()),
            });
        }
        let reset = response
            .headers()
            .get("ratelimit-reset")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response.json::<ErrorBody>().await.ok();
        let (code, mut message) = body.map_or_else(
            || ("unknown".to_string(), format!("HTTP {status}")),
            |b| (b.error.code, b.error.message),
        );
        if let Some(reset) = reset.filter(|_| status == StatusCode::TOO_MANY_REQUESTS) {
            message.push_str(&format!(" (rate limit resets at {reset})"));
        }
        Err(ApiFailure {
            status: Some(status),
            code,
            message: format!("{method} {path}: {message}"),
        })
    }

    /// Polls an action until it succeeds; an action that ends in error is refused.
    async fn wait_for(&self, action: Action) -> Result<(), ProviderError> {
        let deadline = tokio::time::Instant::now() + self.action_timeout;
        let mut action = action;
        loop {
            match action.status.as_str() {
                "success" => return Ok(()),
                "error" => {
                    let detail = action
                        .error
                        .map_or_else(String::new, |e| format!(": {} ({})", e.message, e.code));
                    return Err(ProviderError::Refused {
                        provider: PROVIDER,
                        message: format!(
                            "action {} ({}) failed{detail}",
                            action.id, action.command
                        ),
                    });
                }
                _ => {}
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(transient(format!("action {} still running", action.id)));
            }
            tokio::time::sleep(self.action_poll).await;
            let path = format!("/actions/{}", action.id);
            let answer: ActionAnswer = self.call(Method::GET, &path, None).await?;
            action = answer.action;
        }
    }
}

#[async_trait]
impl Provider for HetznerProvider {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    async fn create(&self, request: &ServerRequest) -> Result<ProviderServer, ProviderError> {
        let user_data = cloud_init::render(&NodeBoot {
            node_name: &request.name,
            server_url: &request.server_url,
            bootstrap_token: &request.bootstrap_token,
            slots: request.slots,
            runner_url: &self.settings.runner_url,
        })
        .map_err(|err| ProviderError::Refused {
            provider: PROVIDER,
            message: err.to_string(),
        })?;
        let labels = BTreeMap::from([(GRID_LABEL, self.settings.grid_label.as_str())]);
        let body = CreateServer {
            name: &request.name,
            server_type: &self.server_type,
            image: &self.settings.image,
            location: &self.settings.location,
            labels,
            user_data: &user_data,
            ssh_keys: &self.settings.ssh_keys,
            start_after_create: true,
        };
        let created: CreatedServer = self.call(Method::POST, "/servers", Some(&body)).await?;
        // The create action (boot) is not awaited: one tick may order many servers, and the
        // runner registering is the real proof of a good boot. A server that never boots is
        // declared dead after the register deadline and deleted.
        tracing::info!(provider_id = created.server.id, node = %created.server.name,
            action_id = created.action.id, "hetzner server created");
        Ok(ProviderServer {
            id: created.server.id.to_string(),
            name: created.server.name,
        })
    }

    async fn delete(&self, id: &str) -> Result<(), ProviderError> {
        let path = format!("/servers/{id}");
        match self.call::<ActionAnswer>(Method::DELETE, &path, None).await {
            Ok(answer) => self.wait_for(answer.action).await,
            Err(failure) if failure.status == Some(StatusCode::NOT_FOUND) => Ok(()),
            Err(failure) => Err(failure.into()),
        }
    }

    async fn list(&self) -> Result<Vec<ProviderServer>, ProviderError> {
        let selector = format!("{GRID_LABEL}={}", self.settings.grid_label);
        let mut servers = Vec::new();
        let mut page = 1;
        loop {
            let path = format!(
                "/servers?label_selector={}&page={page}&per_page={PER_PAGE}",
                url::form_urlencoded::byte_serialize(selector.as_bytes()).collect::<String>()
            );
            let answer: ServerPage = self.call(Method::GET, &path, None).await?;
            servers.extend(answer.servers.into_iter().map(|s| ProviderServer {
                id: s.id.to_string(),
                name: s.name,
            }));
            match answer.meta.pagination.next_page {
                Some(next) if next > page => page = next,
                _ => return Ok(servers),
            }
        }
    }
}

/// A failed API call, before it is sorted into refused or transient.
#[derive(Debug)]
struct ApiFailure {
    status: Option<StatusCode>,
    code: String,
    message: String,
}

impl From<ApiFailure> for ProviderError {
    fn from(failure: ApiFailure) -> ProviderError {
        let message = format!("{} ({})", failure.message, failure.code);
        match failure.status {
            None => transient(message),
            Some(status) if status.is_server_error() => transient(message),
            Some(StatusCode::TOO_MANY_REQUESTS) => transient(message),
            // Hetzner answers some conflicts (a server locked by a running action) with 409
            // `conflict` / `locked`: worth another try.
            Some(StatusCode::CONFLICT) if failure.code != "uniqueness_error" => transient(message),
            Some(_) => ProviderError::Refused {
                provider: PROVIDER,
                message,
            },
        }
    }
}

fn transient(message: String) -> ProviderError {
    ProviderError::Transient {
        provider: PROVIDER,
        message,
    }
}

#[derive(Serialize)]
struct CreateServer<'a> {
    name: &'a str,
    server_type: &'a str,
    image: &'a str,
    location: &'a str,
    labels: BTreeMap<&'a str, &'a str>,
    user_data: &'a str,
    ssh_keys: &'a [String],
    start_after_create: bool,
}

#[derive(Deserialize)]
struct CreatedServer {
    server: Server,
    action: Action,
}

#[derive(Deserialize)]
struct Server {
    id: u64,
    name: String,
}

#[derive(Deserialize)]
struct ActionAnswer {
    action: Action,
}

#[derive(Deserialize)]
struct Action {
    id: u64,
    #[serde(default)]
    command: String,
    /// `running`, `success` or `error`.
    status: String,
    error: Option<ErrorDetail>,
}

#[derive(Deserialize)]
struct ServerPage {
    servers: Vec<Server>,
    meta: Meta,
}

#[derive(Deserialize)]
struct Meta {
    pagination: Pagination,
}

#[derive(Deserialize)]
struct Pagination {
    next_page: Option<u32>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    code: String,
    message: String,
}
