//! The HTTP API: routes, shared state, request spans. The routes and wire types are fixed by
//! `rgrid_spec::api`; each group of handlers lives in its own module.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use rgrid_spec::api::Health;
use tower_http::trace::TraceLayer;

use crate::blobs::{Blobs, UrlSigner};
use crate::orchestrator::Metrics;
use crate::store::Store;

mod accounts;
mod artifacts;
pub mod auth;
mod batches;
mod blob_routes;
mod error;
pub mod events;
mod extract;
mod files;
mod grid;
mod jobs;
mod keys;
mod log_stream;
mod logs;
mod nodes;
mod runner;
mod tokens;
mod uploads;

pub use error::{ApiError, ApiResult};
pub use events::Events;
pub use extract::{IdPath, JsonBody};
pub use log_stream::LogFeeds;

/// JSON bodies (specs with inline code, log batches) may be this large. Uploads and blob
/// PUTs stream and are not limited by it.
const JSON_BODY_LIMIT: usize = 16 << 20;

/// Everything a handler needs. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub blobs: Arc<dyn Blobs>,
    /// Present with embedded storage: checks the URLs that `/blobs/…` serves.
    pub signer: Option<Arc<UrlSigner>>,
    /// What a runner must show to register.
    pub bootstrap_token: Arc<str>,
    pub events: Arc<Events>,
    /// One log pump per followed job, shared by all its followers.
    pub log_feeds: Arc<LogFeeds>,
    pub activity: Arc<Activity>,
    pub settings: Settings,
    /// The orchestrator's gauges, when this server runs one (`/v1/metrics`).
    pub orchestrator: Option<Arc<Metrics>>,
}

impl AppState {
    pub fn new(
        store: Arc<dyn Store>,
        blobs: Arc<dyn Blobs>,
        signer: Option<Arc<UrlSigner>>,
        bootstrap_token: &str,
    ) -> AppState {
        AppState {
            store,
            blobs,
            signer,
            bootstrap_token: Arc::from(bootstrap_token),
            events: Arc::new(Events::default()),
            log_feeds: Arc::new(LogFeeds::default()),
            activity: Arc::new(Activity::default()),
            settings: Settings::default(),
            orchestrator: None,
        }
    }
}

/// Timings of the API.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// How often runners should heartbeat (a third of the timeout the reaper uses).
    pub heartbeat_interval: Duration,
    /// How long the reaper lets an execution stay silent before abandoning it; runners learn
    /// it at registration so a cut-off runner kills what the server has given up on.
    pub heartbeat_timeout: Duration,
    /// The longest a long poll (logs, claim) may wait.
    pub max_wait: Duration,
    /// Lifetime of artifact download URLs.
    pub artifact_url_ttl: Duration,
    /// Lifetime of output upload URLs.
    pub output_url_ttl: Duration,
    /// How long outputs and uploads are kept; `None` for ever.
    pub retention: Option<Duration>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            heartbeat_interval: Duration::from_secs(10),
            heartbeat_timeout: Duration::from_secs(30),
            max_wait: Duration::from_secs(30),
            artifact_url_ttl: Duration::from_secs(3600),
            output_url_ttl: Duration::from_secs(3600),
            retention: None,
        }
    }
}

/// When a user last talked to the server, so an embedded grid can stop when idle.
#[derive(Debug)]
pub struct Activity {
    last: Mutex<Instant>,
}

impl Default for Activity {
    fn default() -> Activity {
        Activity {
            last: Mutex::new(Instant::now()),
        }
    }
}

impl Activity {
    pub fn touch(&self) {
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = Instant::now();
    }

    pub fn idle_for(&self) -> Duration {
        self.last
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .elapsed()
    }
}

/// The whole API, ready to serve or to drive with `tower::ServiceExt::oneshot`.
pub fn router(state: AppState) -> Router {
    let user = Router::new()
        .route("/v1/jobs", post(jobs::submit).get(jobs::list))
        .route("/v1/jobs/{id}", get(jobs::get_one))
        .route("/v1/jobs/{id}/cancel", post(jobs::cancel))
        .route("/v1/jobs/{id}/retry", post(jobs::retry))
        .route("/v1/jobs/{id}/logs", get(logs::read))
        .route("/v1/jobs/{id}/logs/ws", get(logs::websocket))
        .route("/v1/jobs/{id}/logs/sse", get(logs::sse))
        .route("/v1/grid/ws", get(grid::websocket))
        .route("/v1/jobs/{id}/artifacts", get(artifacts::list))
        .route("/v1/nodes", get(nodes::list))
        .route("/v1/nodes/{id}/drain", post(nodes::drain))
        .route("/v1/nodes/{id}/revoke", post(nodes::revoke))
        .route("/v1/operator/whoami", get(tokens::operator_whoami))
        .route("/v1/cost", get(nodes::cost))
        .route("/v1/batches", post(batches::submit))
        .route("/v1/projects/{slug}/files/upload", post(files::upload))
        .route("/v1/batches/{id}", get(batches::get_one))
        .route("/v1/batches/{id}/cancel", post(batches::cancel))
        .route(
            "/v1/uploads/{sha256}",
            put(uploads::put).head(uploads::head),
        )
        .route("/v1/uploads/held", post(uploads::held_many))
        .route("/v1/uploads/{sha256}/session", post(uploads::session))
        .route("/v1/uploads/{sha256}/parts/{n}", put(uploads::put_part))
        .route("/v1/uploads/{sha256}/complete", post(uploads::complete))
        .route("/v1/whoami", get(keys::whoami))
        .route("/v1/me", get(accounts::me))
        .route("/v1/me/tokens", get(tokens::list).post(tokens::create))
        .route("/v1/me/tokens/{id}", delete(tokens::revoke))
        .route("/v1/keys", get(keys::list).post(keys::create))
        .route("/v1/keys/{id}", delete(keys::revoke))
        .route(
            "/v1/accounts/{account}/projects",
            get(accounts::list_projects).post(accounts::create_project),
        )
        .route(
            "/v1/accounts/{account}/members",
            get(accounts::list_members).put(accounts::set_member),
        )
        .route(
            "/v1/accounts/{account}/members/{email}",
            delete(accounts::remove_member),
        )
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            track_activity,
        ));
    let runner = Router::new()
        .route("/v1/runner/register", post(runner::register))
        .route("/v1/runner/claim", post(runner::claim))
        .route("/v1/runner/release", post(runner::release))
        .route(
            "/v1/runner/executions/{eid}/heartbeat",
            post(runner::heartbeat).layer(middleware::from_fn(runner::answer_beats_promptly)),
        )
        .route("/v1/runner/executions/{eid}/logs", post(runner::logs))
        .route("/v1/runner/executions/{eid}/outputs", post(runner::outputs))
        .route("/v1/runner/executions/{eid}/finish", post(runner::finish));
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/metrics", get(nodes::metrics))
        .route("/blobs/{*key}", get(blob_routes::get).put(blob_routes::put))
        .merge(user)
        .merge(runner)
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

async fn health(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        store: state.store.backend().into(),
    })
}

/// Marks user activity when a request starts and again when it ends, so a long poll in
/// progress keeps an embedded grid awake.
async fn track_activity(State(state): State<AppState>, request: Request, next: Next) -> Response {
    state.activity.touch();
    let response = next.run(request).await;
    state.activity.touch();
    response
}

/// One span per request with low-cardinality fields: the matched route, never the URI (whose
/// query may hold a signature). Health checks and blob transfers log at debug.
fn request_span(request: &Request) -> tracing::Span {
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("unmatched", |path| path.as_str());
    let method = request.method();
    if route == "/v1/health" || (route.starts_with("/blobs") && method != Method::PUT) {
        tracing::debug_span!("request", %method, route)
    } else {
        tracing::info_span!("request", %method, route)
    }
}
